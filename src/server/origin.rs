//! Cross-site request refusal: a browser page from another site must not be able to make the
//! server change anything (switch, delete, retrain, feedback, even predict) on a user's behalf,
//! which matters most when no admin token is set. Browsers send `Origin` with every such
//! request; a changing request whose `Origin` names another host than the one it was sent to
//! gets a JSON 403. Clients that send no `Origin` (curl, scripts, other servers) are not
//! affected.

use super::error::ApiError;
use axum::extract::Request;
use axum::http::{header, HeaderMap, Method};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

/// Middleware: refuses POST / PUT / PATCH / DELETE from another origin.
pub async fn same_origin_only(request: Request, next: Next) -> Response {
    let changing = matches!(
        *request.method(),
        Method::POST | Method::PUT | Method::PATCH | Method::DELETE
    );
    if changing && !same_origin(request.headers()) {
        return ApiError::CrossOrigin(
            "requests from another site's page are refused: the Origin header does not name this \
             server"
                .into(),
        )
        .into_response();
    }
    next.run(request).await
}

/// True without an `Origin` header, or when its host (and port) is the request's `Host` or
/// `X-Forwarded-Host` (a reverse proxy in front).
fn same_origin(headers: &HeaderMap) -> bool {
    let Some(origin) = headers.get(header::ORIGIN) else {
        return true;
    };
    let Some(authority) = origin
        .to_str()
        .ok()
        .and_then(|o| o.split_once("://"))
        .map(|(_, a)| a)
    else {
        return false; // "null" (sandboxed page, file://) or garbage
    };
    ["host", "x-forwarded-host"].iter().any(|name| {
        headers
            .get(*name)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|host| {
                host.trim()
                    .eq_ignore_ascii_case(authority.trim_end_matches('/'))
            })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, v.parse().unwrap());
        }
        h
    }

    #[test]
    fn only_foreign_or_opaque_origins_are_refused() {
        assert!(same_origin(&headers(&[("host", "127.0.0.1:3000")])));
        assert!(same_origin(&headers(&[
            ("host", "127.0.0.1:3000"),
            ("origin", "http://127.0.0.1:3000")
        ])));
        assert!(same_origin(&headers(&[
            ("host", "127.0.0.1:3000"),
            ("x-forwarded-host", "potable.example.org"),
            ("origin", "https://Potable.example.org")
        ])));
        for origin in ["http://evil.example", "null", "http://127.0.0.1:3001"] {
            let h = headers(&[("host", "127.0.0.1:3000"), ("origin", origin)]);
            assert!(!same_origin(&h), "{origin}");
        }
    }
}
