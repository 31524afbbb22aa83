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
    /// The request took longer than the server's time limit.
    #[error("the request took longer than the limit of {seconds} s")]
    Timeout {
        /// The limit in seconds.
        seconds: f64,
    },
    /// A model version or other resource that does not exist.
    #[error("{0}")]
    NotFound(String),
    /// The request conflicts with the current state; `code` says how, `job_id` names the
    /// running retrain when that is the conflict.
    #[error("{message}")]
    Conflict {
        /// Machine-readable reason, e.g. `retrain_running`.
        code: &'static str,
        /// What is wrong, in plain words.
        message: String,
        /// The running retrain job, when that is the conflict.
        job_id: Option<String>,
    },
    /// The path exists but does not take this method.
    #[error("{0}")]
    MethodNotAllowed(String),
    /// A changing request from another site's page.
    #[error("{0}")]
    CrossOrigin(String),
    /// A changing operation without the configured admin token.
    #[error("{0}")]
    Unauthorized(String),
    /// The server could not do it (storage or training failure).
    #[error("{0}")]
    Internal(String),
}

#[derive(Serialize)]
struct ErrorBody<'a> {
    error: &'static str,
    message: String,
    #[serde(skip_serializing_if = "<[FieldError]>::is_empty")]
    fields: &'a [FieldError],
    #[serde(skip_serializing_if = "Option::is_none")]
    job_id: Option<&'a str>,
}

impl ApiError {
    fn status_and_code(&self) -> (StatusCode, &'static str) {
        match self {
            ApiError::Malformed(_) => (StatusCode::BAD_REQUEST, "malformed_body"),
            ApiError::Invalid(_) => (StatusCode::UNPROCESSABLE_ENTITY, "invalid_input"),
            ApiError::TooLarge { .. } => (StatusCode::PAYLOAD_TOO_LARGE, "body_too_large"),
            ApiError::NoModel(_) => (StatusCode::SERVICE_UNAVAILABLE, "no_model"),
            ApiError::Timeout { .. } => (StatusCode::REQUEST_TIMEOUT, "request_timeout"),
            ApiError::NotFound(_) => (StatusCode::NOT_FOUND, "not_found"),
            ApiError::MethodNotAllowed(_) => (StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed"),
            ApiError::Conflict { code, .. } => (StatusCode::CONFLICT, code),
            ApiError::Unauthorized(_) => (StatusCode::UNAUTHORIZED, "unauthorized"),
            ApiError::CrossOrigin(_) => (StatusCode::FORBIDDEN, "cross_origin"),
            ApiError::Internal(_) => (StatusCode::INTERNAL_SERVER_ERROR, "internal_error"),
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
        let job_id = match &self {
            ApiError::Conflict { job_id, .. } => job_id.as_deref(),
            _ => None,
        };
        let body = ErrorBody {
            error: code,
            message,
            fields,
            job_id,
        };
        let mut response = (status, Json(body)).into_response();
        if status == StatusCode::UNAUTHORIZED {
            response.headers_mut().insert(
                axum::http::header::WWW_AUTHENTICATE,
                axum::http::HeaderValue::from_static("Bearer"),
            );
        }
        response
    }
}
