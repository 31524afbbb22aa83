//! REST handlers of the feedback store: `POST /feedback`, `GET /feedback`, and the body
//! parsing shared with `POST /retrain`.

use super::error::ApiError;
use super::models_api::{field_error, BODY_LIMIT};
use super::AppState;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::Json;
use potable_core::feedback::{NewFeedback, Prediction as StoredPrediction};
use potable_core::sample::{parse_sample_raw, FieldError, RawObject, SampleError, RULE_DUPLICATE};
use potable_core::service::{FeedbackPage, Service};
use serde_json::value::RawValue;
use serde_json::{json, Value};
use std::collections::hash_map::Entry;
use std::collections::HashMap;

/// Default page size of `GET /feedback`.
pub const DEFAULT_PAGE: u32 = 50;

/// Parses `{"water_quality":{...nine fields...},"actual_potability":0|1,"note":"..."}`.
/// Every problem is reported, each naming its field (`water_quality.ph`, `actual_potability`).
pub fn parse_feedback(body: Result<Bytes, BytesRejection>) -> Result<NewFeedback, ApiError> {
    let body = body.map_err(|r| super::api::body_error(r, BODY_LIMIT))?;
    let object: RawObject = serde_json::from_slice(&body).map_err(|e| {
        ApiError::Malformed(format!(
            "the body must be a JSON object with water_quality and actual_potability: {e}"
        ))
    })?;
    let mut errors: Vec<FieldError> = Vec::new();
    let mut map: HashMap<String, Box<RawValue>> = HashMap::new();
    for (key, value) in object.0 {
        match map.entry(key) {
            Entry::Occupied(e) => errors.push(field_error(e.key(), RULE_DUPLICATE)),
            Entry::Vacant(e) => {
                e.insert(value);
            }
        }
    }
    let mut keys: Vec<&String> = map.keys().collect();
    keys.sort();
    for key in keys {
        if !["water_quality", "actual_potability", "note"].contains(&key.as_str()) {
            errors.push(field_error(
                key,
                "unknown field; expected water_quality, actual_potability and note",
            ));
        }
    }
    let features = match map.get("water_quality") {
        None => {
            errors.push(field_error("water_quality", "is required"));
            None
        }
        Some(raw) => match parse_sample_raw(raw) {
            Ok(f) => Some(f),
            Err(SampleError::Fields(fields)) => {
                errors.extend(
                    fields
                        .into_iter()
                        .map(|f| field_error(&format!("water_quality.{}", f.field), &f.rule)),
                );
                None
            }
            Err(SampleError::Malformed(msg)) => {
                errors.push(field_error("water_quality", &msg));
                None
            }
        },
    };
    let label = match map.get("actual_potability").map(|r| r.get().trim()) {
        None => {
            errors.push(field_error("actual_potability", "is required"));
            None
        }
        Some("0") => Some(0),
        Some("1") => Some(1),
        Some(_) => {
            errors.push(field_error("actual_potability", "must be 0 or 1"));
            None
        }
    };
    let note = match map
        .get("note")
        .map(|r| serde_json::from_str::<Value>(r.get()))
    {
        None | Some(Ok(Value::Null)) => None,
        Some(Ok(Value::String(s))) if s.len() <= 1000 => Some(s),
        Some(Ok(Value::String(_))) => {
            errors.push(field_error("note", "must be at most 1000 bytes"));
            None
        }
        Some(_) => {
            errors.push(field_error("note", "must be a string"));
            None
        }
    };
    match (features, label) {
        (Some(features), Some(true_label)) if errors.is_empty() => Ok(NewFeedback {
            features,
            prediction: None,
            true_label,
            note,
        }),
        _ => Err(ApiError::Invalid(errors)),
    }
}

/// Records what the active model says about the sample (when one is loaded) and stores the
/// feedback durably; returns its id and the stored prediction.
pub fn store(service: &Service, mut feedback: NewFeedback) -> Result<(i64, Value), ApiError> {
    if let Ok(p) = service.predict_one(&feedback.features) {
        feedback.prediction = Some(StoredPrediction {
            label: p.potability,
            probability: p.probability_potable,
            model_version: p.model_version,
        });
    }
    let id = service.add_feedback(&feedback)?;
    let prediction = feedback.prediction.map(|p| {
        json!({"potability": p.label, "probability_potable": p.probability, "model_version": p.model_version})
    });
    Ok((id, prediction.unwrap_or(Value::Null)))
}

/// `POST /feedback`: stores one labelled sample (201 with its id once it is durable).
#[utoipa::path(post, path = "/feedback", tag = "feedback",
    request_body = crate::server::docs::FeedbackBody,
    responses((status = 201, description = "Stored durably: its id and the prediction the active model makes"),
        (status = 422, description = "Invalid sample or label, each field named", body = crate::server::docs::ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    body: Result<Bytes, BytesRejection>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let feedback = parse_feedback(body)?;
    let service = state.service.clone();
    let (id, prediction) = tokio::task::spawn_blocking(move || store(&service, feedback))
        .await
        .map_err(|e| ApiError::Internal(e.to_string()))??;
    Ok((
        StatusCode::CREATED,
        Json(json!({ "id": id, "prediction": prediction })),
    ))
}

/// `GET /feedback?limit=50&offset=0`: a page of feedback, newest first (limit capped at 500).
#[utoipa::path(get, path = "/feedback", tag = "feedback",
    params(("limit" = Option<u32>, Query, description = "Rows per page (default 50, at most 500)"),
        ("offset" = Option<u32>, Query, description = "Rows to skip, newest first")),
    responses((status = 200, description = "{total, offset, limit, rows}")))]
pub async fn list(
    State(state): State<AppState>,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Json<FeedbackPage>, ApiError> {
    let mut errors = Vec::new();
    let mut number = |name: &str, default: u32| match query.get(name) {
        None => default,
        Some(v) => v.parse::<u32>().unwrap_or_else(|_| {
            errors.push(field_error(
                name,
                "must be a whole number >= 0 (limit is capped at 500)",
            ));
            default
        }),
    };
    let limit = number("limit", DEFAULT_PAGE);
    let offset = number("offset", 0);
    for key in query.keys() {
        if key != "limit" && key != "offset" {
            errors.push(field_error(
                key,
                "unknown parameter; expected limit and offset",
            ));
        }
    }
    if !errors.is_empty() {
        return Err(ApiError::Invalid(errors));
    }
    let service = state.service.clone();
    let page = tokio::task::spawn_blocking(move || service.feedback_page(limit, offset))
        .await
        .map_err(|e| ApiError::Internal(e.to_string()))??;
    Ok(Json(page))
}
