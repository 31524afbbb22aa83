//! REST handlers: health and prediction.

use super::error::ApiError;
use super::AppState;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::State;
use axum::Json;
use potable_core::service::Prediction;
use serde::Serialize;

/// Largest accepted body of `POST /predict`, in bytes.
pub const PREDICT_BODY_LIMIT: usize = 16 * 1024;

/// Body of `GET /health`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Health {
    /// Always "ok" while the process answers.
    pub status: &'static str,
    /// The active model version, if one is loaded.
    pub model_version: Option<String>,
    /// Whether a model is loaded and predictions can be served.
    pub model_loaded: bool,
}

/// `GET /health`: liveness, with the loaded model version.
#[utoipa::path(get, path = "/health", tag = "serving",
    responses((status = 200, description = "The process answers (liveness)", body = Health)))]
pub async fn health(State(state): State<AppState>) -> Json<Health> {
    let model_version = state.service.active_version();
    Json(Health {
        status: "ok",
        model_loaded: model_version.is_some(),
        model_version,
    })
}

/// Body of a successful `POST /predict`, as the original system answered.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct PredictResponse {
    /// 1 = potable, 0 = not potable.
    pub potability: u8,
    /// "Potable" or "Not Potable".
    pub potability_label: &'static str,
    /// Probability of the predicted class.
    pub confidence: f64,
    /// Probability that the sample is potable.
    pub probability_potable: f64,
    /// The version that answered.
    pub model_version: String,
}

impl From<Prediction> for PredictResponse {
    fn from(p: Prediction) -> Self {
        PredictResponse {
            potability: p.potability,
            potability_label: p.label(),
            confidence: p.confidence(),
            probability_potable: p.probability_potable,
            model_version: p.model_version,
        }
    }
}

/// Turns a body-read failure into a JSON error (413 when over the limit).
pub fn body_error(rejection: BytesRejection, limit: usize) -> ApiError {
    if rejection.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
        ApiError::TooLarge { limit }
    } else {
        ApiError::Malformed(rejection.body_text())
    }
}

/// `POST /predict`: one sample in, one prediction out.
#[utoipa::path(post, path = "/predict", tag = "serving",
    request_body = crate::server::docs::Sample,
    responses(
        (status = 200, description = "The prediction and the version that made it", body = PredictResponse),
        (status = 400, description = "Not a JSON object", body = crate::server::docs::ErrorBody),
        (status = 413, description = "Body above 16 KiB", body = crate::server::docs::ErrorBody),
        (status = 422, description = "Missing, unknown, non-numeric, non-finite or out-of-range fields, each named with its rule", body = crate::server::docs::ErrorBody),
        (status = 503, description = "No model version is loaded", body = crate::server::docs::ErrorBody)))]
pub async fn predict(
    State(state): State<AppState>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<PredictResponse>, ApiError> {
    let body = body.map_err(|r| body_error(r, PREDICT_BODY_LIMIT))?;
    let features = potable_core::sample::parse_sample(&body)?;
    let prediction = state
        .service
        .predict_one(&features)
        .map_err(|e| ApiError::NoModel(e.to_string()))?;
    Ok(Json(prediction.into()))
}
