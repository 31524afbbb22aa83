//! The JSON error body of every REST endpoint, and its HTTP status.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use potable_core::sample::{FieldError, SampleError};
use serde::Serialize;

/// An error answered to a REST client as `{"error": ..., "message": ..., "fields": [...]}`.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// The body is not the JSON document the endpoint expects.
    #[error("malformed request body: {0}")]
    Malformed(String),
    /// Some fields broke a rule; each is named with its rule.
    #[error("invalid input")]
    Invalid(Vec<FieldError>),
    /// The body is larger than the documented limit.
    #[error("request body larger than the limit of {limit} bytes")]
    TooLarge {
        /// The limit in bytes.
        limit: usize,
    },
    /// No model version can serve right now.
    #[error("no model is loaded: {0}")]
    NoModel(String),
}

#[derive(Serialize)]
struct ErrorBody<'a> {
    error: &'static str,
    message: String,
    #[serde(skip_serializing_if = "<[FieldError]>::is_empty")]
    fields: &'a [FieldError],
}

impl ApiError {
    fn status_and_code(&self) -> (StatusCode, &'static str) {
        match self {
            ApiError::Malformed(_) => (StatusCode::BAD_REQUEST, "malformed_body"),
            ApiError::Invalid(_) => (StatusCode::UNPROCESSABLE_ENTITY, "invalid_input"),
            ApiError::TooLarge { .. } => (StatusCode::PAYLOAD_TOO_LARGE, "body_too_large"),
            ApiError::NoModel(_) => (StatusCode::SERVICE_UNAVAILABLE, "no_model"),
        }
    }
}

impl From<SampleError> for ApiError {
    fn from(err: SampleError) -> Self {
        match err {
            SampleError::Malformed(msg) => ApiError::Malformed(msg),
            SampleError::Fields(fields) => ApiError::Invalid(fields),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, code) = self.status_and_code();
        let fields: &[FieldError] = match &self {
            ApiError::Invalid(fields) => fields,
            _ => &[],
        };
        let message = match &self {
            ApiError::Invalid(fields) => potable_core::sample::join_errors(fields),
            other => other.to_string(),
        };
        let body = ErrorBody {
            error: code,
            message,
            fields,
        };
        (status, Json(body)).into_response()
    }
}
