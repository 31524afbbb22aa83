//! Answers for requests no route takes: a JSON 405 for a known path called with another
//! method, a JSON 404 for unknown paths under the REST API or asked for as JSON, and the
//! dashboard's 404 page (or a static file of the site) for everything else.

use super::error::ApiError;
use super::AppState;
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, Method, Uri};
use axum::response::{IntoResponse, Response};

/// Path prefixes that belong to the REST API (the dashboard's pages have no deeper paths).
const API_PREFIXES: [&str; 8] = [
    "/models/",
    "/predict/",
    "/feedback/",
    "/retrain/",
    "/health/",
    "/ready/",
    "/metrics/",
    "/api/",
];

/// A JSON 405 naming the path and the refused method (axum adds the `Allow` header).
pub async fn method_not_allowed(method: Method, uri: Uri) -> ApiError {
    ApiError::MethodNotAllowed(format!("{} does not accept {method}", uri.path()))
}

/// JSON 404 for API clients, the site's file or 404 page for browsers.
pub async fn not_found(uri: Uri, state: State<AppState>, request: Request) -> Response {
    if wants_json(&uri, request.headers()) {
        return ApiError::NotFound(format!("no such endpoint: {}", uri.path())).into_response();
    }
    leptos_axum::file_and_error_handler::<AppState, _>(app::shell)(uri, state, request).await
}

/// Whether the path is under the REST API, or the client asked for JSON rather than HTML.
fn wants_json(uri: &Uri, headers: &HeaderMap) -> bool {
    let accept = headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    API_PREFIXES.iter().any(|p| uri.path().starts_with(p))
        || (accept.contains("application/json") && !accept.contains("text/html"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn accept(value: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(header::ACCEPT, value.parse().unwrap());
        h
    }

    #[test]
    fn api_paths_and_json_clients_get_json() {
        let none = HeaderMap::new();
        assert!(wants_json(&"/models/V1/nope".parse().unwrap(), &none));
        assert!(wants_json(&"/predict/many".parse().unwrap(), &none));
        assert!(wants_json(
            &"/nope".parse().unwrap(),
            &accept("application/json")
        ));
        assert!(!wants_json(&"/nope".parse().unwrap(), &none));
        assert!(!wants_json(
            &"/nope".parse().unwrap(),
            &accept("text/html,application/xhtml+xml,application/json;q=0.9")
        ));
        assert!(!wants_json(&"/pkg/potable.js".parse().unwrap(), &none));
    }
}
