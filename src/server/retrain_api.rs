//! REST handlers of retraining: `POST /retrain` (store the feedback, start a background
//! retrain) and `GET /retrain/status`.

use super::error::ApiError;
use super::feedback_api::{parse_feedback, store};
use super::AppState;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::Json;
use potable_core::service::{RetrainRequest, ServiceError};
use serde_json::{json, Value};

/// `POST /retrain` with `{"water_quality":{...},"actual_potability":0|1}`: stores the feedback
/// durably, then starts a retrain (202 with the job id). While one runs: 409
/// `retrain_running` with the running job's id (the feedback is still stored and named).
#[utoipa::path(post, path = "/retrain", tag = "retraining",
    request_body = crate::server::docs::FeedbackBody, security(("admin_token" = [])),
    responses((status = 202, description = "Feedback stored, retrain started: the job id"),
        (status = 401, description = "Admin token missing or wrong", body = crate::server::docs::ErrorBody),
        (status = 409, description = "A retrain is running (its job id is given; the feedback is still stored)", body = crate::server::docs::ErrorBody),
        (status = 422, description = "Invalid sample or label", body = crate::server::docs::ErrorBody)))]
pub async fn retrain(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let actor = state.admin.authorize(&headers)?;
    let feedback = parse_feedback(body)?;
    let service = state.service.clone();
    let (feedback_id, _) = tokio::task::spawn_blocking(move || store(&service, feedback))
        .await
        .map_err(|e| ApiError::Internal(e.to_string()))??;
    let request = RetrainRequest {
        reason: format!("feedback {feedback_id} posted to /retrain"),
        actor: Some(actor.to_string()),
        notes: None,
    };
    match state.service.start_retrain(request) {
        Ok(job) => Ok((
            StatusCode::ACCEPTED,
            Json(json!({
                "message": "feedback stored; retraining started",
                "feedback_id": feedback_id,
                "job_id": job.id,
                "status_url": "/retrain/status",
                "job": job,
            })),
        )),
        Err(ServiceError::RetrainRunning { job_id }) => Err(ApiError::Conflict {
            code: "retrain_running",
            message: format!(
                "a retrain is already running (job {job_id}); feedback {feedback_id} was stored and will be used by the next retrain"
            ),
            job_id: Some(job_id),
        }),
        Err(other) => Err(other.into()),
    }
}

/// `GET /retrain/status`: the running job, or the last one (`{"job": null}` before any).
#[utoipa::path(get, path = "/retrain/status", tag = "retraining",
    responses((status = 200, description = "{running, job: {id, state, stage, progress, events, outcome}, gate}")))]
pub async fn status(State(state): State<AppState>) -> Json<Value> {
    let job = state.service.retrain_status();
    Json(json!({
        "running": job.as_ref().is_some_and(|j| j.state == potable_core::service::JobState::Running),
        "job": job,
        "gate": state.service.gate(),
    }))
}
