//! Statuses of the dashboard's server-function endpoints (`/api/...`).
//!
//! Leptos answers every server-function error with 500, including a request it could not
//! decode. The functions set their own status for refusals they make (`app::api::context`);
//! this layer turns the framework's own decoding refusals into 400 (and an unknown function
//! into 404), keeping Leptos's error body so the dashboard can still read it.

use axum::body::{to_bytes, Body};
use axum::extract::Request;
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::Response;

/// Largest error body read to classify it (Leptos's error texts are short).
const MAX_ERROR_BODY: usize = 64 * 1024;

/// Leptos's error-body prefixes of a request it could not decode.
const BAD_REQUEST_PREFIXES: [&str; 3] = ["Deserialization|", "Args|", "MissingArg|"];

/// Re-labels a 500 from an `/api/...` endpoint by what its body says went wrong.
pub async fn status_from_error_body(request: Request, next: Next) -> Response {
    let is_server_fn = request.uri().path().starts_with("/api/");
    let response = next.run(request).await;
    if !is_server_fn || response.status() != StatusCode::INTERNAL_SERVER_ERROR {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let Ok(bytes) = to_bytes(body, MAX_ERROR_BODY).await else {
        return Response::from_parts(parts, Body::empty());
    };
    let text = String::from_utf8_lossy(&bytes);
    if BAD_REQUEST_PREFIXES.iter().any(|p| text.starts_with(p)) {
        parts.status = StatusCode::BAD_REQUEST;
    } else if text.starts_with("Registration|") {
        parts.status = StatusCode::NOT_FOUND;
    }
    Response::from_parts(parts, Body::from(bytes))
}
