//! `POST /predict/batch`: many samples in one request, as JSON or CSV.
//!
//! Limits (documented in the README): the body may hold at most
//! [`MAX_BATCH_BYTES`](potable_core::batch::MAX_BATCH_BYTES) bytes (2 MiB) and
//! [`MAX_BATCH_ROWS`](potable_core::batch::MAX_BATCH_ROWS) rows (10,000); above either the
//! answer is a JSON 413 stating the limit. Bad rows do not fail the batch: each is answered with
//! its index, CSV line, field and rule.

use super::api::body_error;
use super::error::ApiError;
use super::AppState;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use potable_core::batch::{
    parse_csv, parse_json, valid_features, BatchError, BatchRow, MAX_BATCH_BYTES, MAX_BATCH_ROWS,
};
use potable_core::sample::FieldError;
use serde::Serialize;
use serde_json::json;

/// Body of a successful `POST /predict/batch`.
#[derive(Debug, Serialize)]
pub struct BatchResponse {
    /// The version that made every prediction of the batch.
    pub model_version: String,
    /// Rows received.
    pub rows: usize,
    /// Rows predicted.
    pub predicted: usize,
    /// Rows refused.
    pub failed: usize,
    /// One entry per row, in input order.
    pub results: Vec<RowResult>,
}

/// The answer for one row: a prediction or the row's errors.
#[derive(Debug, Serialize)]
pub struct RowResult {
    /// 0-based position of the row in the batch.
    pub row: usize,
    /// 1-based CSV line (header = line 1); absent for JSON input.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<u64>,
    /// 1 = potable, 0 = not potable (absent for a refused row).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub potability: Option<u8>,
    /// "Potable" or "Not Potable".
    #[serde(skip_serializing_if = "Option::is_none")]
    pub potability_label: Option<&'static str>,
    /// Probability of the predicted class.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub confidence: Option<f64>,
    /// Probability that the sample is potable.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub probability_potable: Option<f64>,
    /// Why the row was refused: field and rule.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
}

/// An error of the batch as a whole.
#[derive(Debug)]
pub enum BatchApiError {
    /// A JSON error shared with the other endpoints.
    Api(ApiError),
    /// More rows than allowed.
    TooManyRows(usize),
    /// Neither JSON nor CSV.
    UnsupportedType(String),
}

impl From<ApiError> for BatchApiError {
    fn from(e: ApiError) -> Self {
        BatchApiError::Api(e)
    }
}

impl From<BatchError> for BatchApiError {
    fn from(e: BatchError) -> Self {
        match e {
            BatchError::TooManyRows { rows } => BatchApiError::TooManyRows(rows),
            other => BatchApiError::Api(ApiError::Malformed(other.to_string())),
        }
    }
}

impl IntoResponse for BatchApiError {
    fn into_response(self) -> Response {
        match self {
            BatchApiError::Api(e) => e.into_response(),
            BatchApiError::TooManyRows(rows) => (
                StatusCode::PAYLOAD_TOO_LARGE,
                Json(json!({
                    "error": "too_many_rows",
                    "message": format!(
                        "the batch has {rows} rows; the limit is {MAX_BATCH_ROWS} rows per request"
                    ),
                    "limit_rows": MAX_BATCH_ROWS,
                })),
            )
                .into_response(),
            BatchApiError::UnsupportedType(found) => (
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                Json(json!({
                    "error": "unsupported_media_type",
                    "message": format!(
                        "content type {found:?} is not accepted: send application/json or text/csv"
                    ),
                })),
            )
                .into_response(),
        }
    }
}

/// `POST /predict/batch`: JSON (`[...]` or `{"samples": [...]}`) or `text/csv` in, one result per
/// row out, all predicted by the same version.
#[utoipa::path(post, path = "/predict/batch", tag = "serving",
    request_body(content((Vec<crate::server::docs::Sample> = "application/json"), (String = "text/csv")),
        description = "A JSON array of samples (or {\"samples\": [...]}), or CSV with the nine columns in any order; at most 10,000 rows and 2 MiB"),
    responses(
        (status = 200, description = "One result per row: a prediction, or the row's errors"),
        (status = 400, description = "Unreadable file: separator, duplicated or unknown column (named)", body = crate::server::docs::ErrorBody),
        (status = 413, description = "Above the row or byte limit (stated)", body = crate::server::docs::ErrorBody),
        (status = 415, description = "Another content type", body = crate::server::docs::ErrorBody)))]
pub async fn predict_batch(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<BatchResponse>, BatchApiError> {
    let body = body.map_err(|r| body_error(r, MAX_BATCH_BYTES))?;
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("application/json")
        .to_ascii_lowercase();
    let media = content_type.split(';').next().unwrap_or("").trim();
    let rows = match media {
        "text/csv" => parse_csv(&body)?,
        "application/json" | "" => parse_json(&body)?,
        other => return Err(BatchApiError::UnsupportedType(other.to_string())),
    };
    let service = state.service.clone();
    // Prediction of up to 10,000 rows is CPU work: keep it off the async workers.
    let answer = tokio::task::spawn_blocking(move || {
        let features = valid_features(&rows);
        let model_version = service
            .active_version()
            .ok_or_else(|| ApiError::NoModel("no model version is loaded".into()))?;
        let predictions = if features.is_empty() {
            Vec::new()
        } else {
            service
                .predict_many(&features)
                .map_err(|e| ApiError::NoModel(e.to_string()))?
        };
        let model_version = predictions
            .first()
            .map_or(model_version, |p| p.model_version.clone());
        Ok::<_, ApiError>(assemble(rows, predictions, model_version))
    })
    .await
    .map_err(|e| ApiError::Malformed(format!("batch prediction failed: {e}")))??;
    Ok(Json(answer))
}

fn assemble(
    rows: Vec<BatchRow>,
    predictions: Vec<potable_core::service::Prediction>,
    model_version: String,
) -> BatchResponse {
    let total = rows.len();
    let mut predictions = predictions.into_iter();
    let results: Vec<RowResult> = rows
        .into_iter()
        .map(|row| {
            let mut result = RowResult {
                row: row.index,
                line: row.line,
                potability: None,
                potability_label: None,
                confidence: None,
                probability_potable: None,
                errors: Vec::new(),
            };
            match row.features {
                Ok(_) => {
                    if let Some(p) = predictions.next() {
                        result.potability = Some(p.potability);
                        result.potability_label = Some(p.label());
                        result.confidence = Some(p.confidence());
                        result.probability_potable = Some(p.probability_potable);
                    }
                }
                Err(errors) => result.errors = errors,
            }
            result
        })
        .collect();
    let failed = results.iter().filter(|r| !r.errors.is_empty()).count();
    BatchResponse {
        model_version,
        rows: total,
        predicted: total - failed,
        failed,
        results,
    }
}
