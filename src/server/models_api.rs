//! REST handlers of the model registry: list, details, current, switch, promote, delete,
//! history. Changing ones need the admin token when one is configured.

use super::error::ApiError;
use super::AppState;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::Json;
use potable_core::registry::{RegistryError, VersionInfo};
use potable_core::sample::FieldError;
use potable_core::service::ServiceError;
use serde::Serialize;
use serde_json::{json, Value};

/// Largest accepted body of the registry endpoints, in bytes.
pub const BODY_LIMIT: usize = 16 * 1024;

impl From<ServiceError> for ApiError {
    fn from(err: ServiceError) -> Self {
        let message = err.to_string();
        match err {
            ServiceError::NoModel => ApiError::NoModel(message),
            ServiceError::Registry(RegistryError::InvalidName(_)) => {
                ApiError::Invalid(vec![field_error(
                    "version",
                    "must be V followed by a positive number, e.g. V3",
                )])
            }
            ServiceError::Registry(RegistryError::UnknownVersion(_)) => ApiError::NotFound(message),
            ServiceError::Registry(RegistryError::Unavailable { .. })
            | ServiceError::Artifact { .. } => ApiError::Conflict {
                code: "version_unavailable",
                message,
                job_id: None,
            },
            ServiceError::Registry(RegistryError::DeleteActive(_)) => ApiError::Conflict {
                code: "version_active",
                message,
                job_id: None,
            },
            ServiceError::Registry(RegistryError::AlreadyActive(_)) => ApiError::Conflict {
                code: "already_active",
                message,
                job_id: None,
            },
            ServiceError::NoRollbackTarget => ApiError::Conflict {
                code: "no_rollback_target",
                message,
                job_id: None,
            },
            ServiceError::RetrainRunning { job_id } => ApiError::Conflict {
                code: "retrain_running",
                message,
                job_id: Some(job_id),
            },
            ServiceError::Feedback(potable_core::feedback::FeedbackError::Invalid(fields)) => {
                ApiError::Invalid(fields)
            }
            ServiceError::TrainingUnavailable => ApiError::NoModel(message),
            other => {
                tracing::error!(error = %other, "service error");
                ApiError::Internal(other.to_string())
            }
        }
    }
}

/// A [`FieldError`] from a field name and a rule.
pub fn field_error(field: &str, rule: &str) -> FieldError {
    FieldError {
        field: field.to_string(),
        rule: rule.to_string(),
    }
}

/// One line of `GET /models/versions`.
#[derive(Debug, Serialize)]
pub struct VersionSummary {
    /// e.g. "V3".
    pub version: String,
    /// active, candidate or unavailable.
    pub status: potable_core::registry::VersionStatus,
    /// Why it is unavailable, when it is.
    pub problem: Option<String>,
    /// Creation time.
    pub created_at: String,
    /// Held-out accuracy on the fixed evaluation set.
    pub accuracy: Option<f64>,
    /// Held-out ROC AUC on the fixed evaluation set.
    pub roc_auc: Option<f64>,
    /// Held-out F1.
    pub f1: Option<f64>,
    /// Training rows (data set part + feedback).
    pub train_rows: u64,
    /// Feedback rows used.
    pub feedback_rows: u64,
    /// Notes.
    pub notes: String,
}

impl From<&VersionInfo> for VersionSummary {
    fn from(v: &VersionInfo) -> Self {
        let test = &v.meta.metrics["test"];
        VersionSummary {
            version: v.name.to_string(),
            status: v.status,
            problem: v.problem.clone(),
            created_at: v.meta.created_at.clone(),
            accuracy: test["accuracy"].as_f64(),
            roc_auc: test["roc_auc"].as_f64(),
            f1: test["f1"].as_f64(),
            train_rows: v.meta.train_rows,
            feedback_rows: v.meta.feedback_rows,
            notes: v.meta.notes.clone(),
        }
    }
}

/// `GET /models/versions`: every version with its status and headline metrics.
#[utoipa::path(get, path = "/models/versions", tag = "models",
    responses((status = 200, description = "{active, versions: [{version, status, metrics...}]}")))]
pub async fn versions(State(state): State<AppState>) -> Json<Value> {
    let versions = state.service.versions();
    let list: Vec<VersionSummary> = versions.iter().map(VersionSummary::from).collect();
    Json(json!({
        "active": state.service.active_version(),
        "versions": list,
    }))
}

/// `GET /models/current`: the version serving predictions, in full.
#[utoipa::path(get, path = "/models/current", tag = "models",
    responses((status = 200, description = "The active version in full"),
        (status = 503, description = "No version is active", body = crate::server::docs::ErrorBody)))]
pub async fn current(State(state): State<AppState>) -> Result<Json<Value>, ApiError> {
    let info = state
        .service
        .current()
        .ok_or_else(|| ApiError::from(ServiceError::NoModel))?;
    Ok(Json(json!({
        "model_version": info.name.to_string(),
        "version": info,
    })))
}

/// `GET /models/{version}`: one version in full (params, metrics, checksum, notes).
#[utoipa::path(get, path = "/models/{version}", tag = "models",
    params(("version" = String, Path, description = "e.g. V2")),
    responses((status = 200, description = "The version in full"),
        (status = 404, description = "No such version", body = crate::server::docs::ErrorBody),
        (status = 422, description = "Not a version name", body = crate::server::docs::ErrorBody)))]
pub async fn show(
    State(state): State<AppState>,
    Path(version): Path<String>,
) -> Result<Json<VersionInfo>, ApiError> {
    Ok(Json(state.service.version(&version)?))
}

/// `GET /models/history`: every switch of the active version, oldest first.
#[utoipa::path(get, path = "/models/history", tag = "models",
    responses((status = 200, description = "{history: [{at, from, to, reason, actor}]}")))]
pub async fn history(State(state): State<AppState>) -> Json<Value> {
    Json(json!({ "history": state.service.history() }))
}

/// Parses a JSON object body into its fields (a malformed body is a 400).
pub fn object_body(
    body: Result<Bytes, BytesRejection>,
) -> Result<serde_json::Map<String, Value>, ApiError> {
    let body = body.map_err(|r| super::api::body_error(r, BODY_LIMIT))?;
    match serde_json::from_slice::<Value>(&body) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err(ApiError::Malformed("the body must be a JSON object".into())),
        Err(e) => Err(ApiError::Malformed(format!(
            "the body is not valid JSON: {e}"
        ))),
    }
}

/// Reads an optional string field; errors name the field.
fn optional_string(
    map: &serde_json::Map<String, Value>,
    field: &str,
    errors: &mut Vec<FieldError>,
) -> Option<String> {
    match map.get(field) {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) if s.len() <= 1000 => Some(s.clone()),
        Some(Value::String(_)) => {
            errors.push(field_error(field, "must be at most 1000 bytes"));
            None
        }
        Some(_) => {
            errors.push(field_error(field, "must be a string"));
            None
        }
    }
}

/// `POST /models/switch` with `{"version":"V2"}` (optional `"reason"`): makes it active.
#[utoipa::path(post, path = "/models/switch", tag = "models",
    request_body = crate::server::docs::SwitchBody, security(("admin_token" = [])),
    responses((status = 200, description = "Switched: {model_version, switch}"),
        (status = 401, description = "Admin token missing or wrong", body = crate::server::docs::ErrorBody),
        (status = 404, description = "No such version", body = crate::server::docs::ErrorBody),
        (status = 409, description = "Damaged (unavailable) or already active", body = crate::server::docs::ErrorBody)))]
pub async fn switch(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<Value>, ApiError> {
    let actor = state.admin.authorize(&headers)?;
    let map = object_body(body)?;
    let mut errors = Vec::new();
    for key in map.keys() {
        if key != "version" && key != "reason" {
            errors.push(field_error(
                key,
                "unknown field; expected version and reason",
            ));
        }
    }
    let version = match map.get("version") {
        Some(Value::String(v)) => Some(v.clone()),
        Some(_) => {
            errors.push(field_error("version", "must be a string such as \"V2\""));
            None
        }
        None => {
            errors.push(field_error("version", "is required"));
            None
        }
    };
    let reason = optional_string(&map, "reason", &mut errors);
    let Some(version) = version.filter(|_| errors.is_empty()) else {
        return Err(ApiError::Invalid(errors));
    };
    let reason = reason.unwrap_or_else(|| "switched over the API".to_string());
    let service = state.service.clone();
    let switch =
        tokio::task::spawn_blocking(move || service.switch(&version, &reason, Some(actor)))
            .await
            .map_err(|e| ApiError::Internal(e.to_string()))??;
    Ok(Json(json!({
        "message": format!("now serving {}", switch.to.map(|v| v.to_string()).unwrap_or_default()),
        "model_version": switch.to,
        "switch": switch,
    })))
}

/// `POST /models/{version}/promote`: activates a candidate (409 when already active).
#[utoipa::path(post, path = "/models/{version}/promote", tag = "models",
    params(("version" = String, Path, description = "e.g. V3")), security(("admin_token" = [])),
    responses((status = 200, description = "The candidate is active"),
        (status = 401, description = "Admin token missing or wrong", body = crate::server::docs::ErrorBody),
        (status = 404, description = "No such version", body = crate::server::docs::ErrorBody),
        (status = 409, description = "Already active, or unavailable", body = crate::server::docs::ErrorBody)))]
pub async fn promote(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(version): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let actor = state.admin.authorize(&headers)?;
    let service = state.service.clone();
    let switch = tokio::task::spawn_blocking(move || service.promote(&version, Some(actor)))
        .await
        .map_err(|e| ApiError::Internal(e.to_string()))??;
    Ok(Json(
        json!({ "model_version": switch.to, "switch": switch }),
    ))
}

/// `DELETE /models/{version}`: deletes a non-active version (409 for the active one).
#[utoipa::path(delete, path = "/models/{version}", tag = "models",
    params(("version" = String, Path, description = "e.g. V3")), security(("admin_token" = [])),
    responses((status = 200, description = "{deleted}; its number is never reused"),
        (status = 401, description = "Admin token missing or wrong", body = crate::server::docs::ErrorBody),
        (status = 404, description = "No such version", body = crate::server::docs::ErrorBody),
        (status = 409, description = "It is the active version", body = crate::server::docs::ErrorBody)))]
pub async fn delete(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(version): Path<String>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    state.admin.authorize(&headers)?;
    let service = state.service.clone();
    let deleted = tokio::task::spawn_blocking(move || service.delete_version(&version))
        .await
        .map_err(|e| ApiError::Internal(e.to_string()))??;
    Ok((
        StatusCode::OK,
        Json(json!({ "deleted": deleted.to_string() })),
    ))
}
