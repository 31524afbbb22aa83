//! Limits applied to every request: a ceiling on the body size (routes may set lower ones, e.g.
//! 16 KiB for `POST /predict`) and a time limit, both answered with the JSON error body.
//!
//! A body announced larger than the ceiling is refused from its `Content-Length` before any of
//! it is read; a body without a length stops being read at the ceiling.

use super::error::ApiError;
use axum::extract::{Request, State};
use axum::http::header::CONTENT_LENGTH;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::Router;
use std::time::Duration;
use tower_http::limit::RequestBodyLimitLayer;

/// Largest body any route accepts, in bytes (the batch endpoints' own limits are below it).
pub const MAX_BODY_BYTES: usize = 4 * 1024 * 1024;

/// Longest time one request may take, body upload included; then 408 `request_timeout`.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// Wraps `router` with the body ceiling and the request time limit [`REQUEST_TIMEOUT`].
pub fn apply(router: Router) -> Router {
    apply_with(router, REQUEST_TIMEOUT)
}

fn apply_with(router: Router, timeout: Duration) -> Router {
    router
        .layer(RequestBodyLimitLayer::new(MAX_BODY_BYTES))
        .layer(axum::middleware::from_fn_with_state(timeout, guard))
}

/// Refuses announced oversized bodies, and answers 408 when the request takes too long.
async fn guard(State(timeout): State<Duration>, request: Request, next: Next) -> Response {
    let announced = request
        .headers()
        .get(CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if announced.is_some_and(|n| n > MAX_BODY_BYTES as u64) {
        return ApiError::TooLarge {
            limit: MAX_BODY_BYTES,
        }
        .into_response();
    }
    match tokio::time::timeout(timeout, next.run(request)).await {
        Ok(response) => response,
        Err(_) => ApiError::Timeout {
            seconds: timeout.as_secs_f64(),
        }
        .into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::Body;
    use axum::http::StatusCode;
    use axum::routing::get;
    use tower::ServiceExt;

    #[tokio::test]
    async fn slow_requests_get_json_408() {
        let slow = Router::new().route(
            "/slow",
            get(|| async {
                tokio::time::sleep(Duration::from_secs(5)).await;
                "late"
            }),
        );
        let app = apply_with(slow, Duration::from_millis(50));
        let request = Request::get("/slow").body(Body::empty()).unwrap();
        let response = app.oneshot(request).await.unwrap();
        assert_eq!(response.status(), StatusCode::REQUEST_TIMEOUT);
        let bytes = axum::body::to_bytes(response.into_body(), 4096)
            .await
            .unwrap();
        let json: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
        assert_eq!(json["error"], "request_timeout");
        assert_eq!(
            json["message"],
            "the request took longer than the limit of 0.05 s"
        );
    }
}
