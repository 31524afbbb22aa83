//! Feedback on predictions, feedback counts, and retraining from the dashboard.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Feedback rows for one (serving version, true label).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CountRow {
    /// Version that served the prediction, when known.
    pub model_version: Option<String>,
    /// True label, 0 or 1.
    pub true_label: u8,
    /// Rows.
    pub count: u64,
}

/// Feedback totals.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FeedbackView {
    /// All rows.
    pub total: u64,
    /// Rows per (version, label).
    pub counts: Vec<CountRow>,
    /// Whether retraining needs the admin token.
    pub token_required: bool,
}

/// A retrain job as shown on the feedback page.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RetrainView {
    /// `running`, `succeeded` or `failed`.
    pub state: String,
    /// Share done, 0 to 1.
    pub progress: f64,
    /// Stage running now.
    pub stage: Option<String>,
    /// The new version, when it succeeded.
    pub version: Option<String>,
    /// Whether the new version became active.
    pub promoted: bool,
    /// The promotion gate's reasoning, or why the job failed.
    pub detail: String,
    /// Held-out accuracy and F1 of the new version.
    pub accuracy_f1: Option<(f64, f64)>,
}

/// Stores feedback on a prediction the page showed: `correct` says whether the predicted
/// label (`potability`, 0 or 1) was right. Returns the stored row's id.
#[server(endpoint = "submit_feedback", input = server_fn::codec::Json)]
pub async fn submit_feedback(
    fields: BTreeMap<String, String>,
    potability: u8,
    probability_potable: f64,
    model_version: String,
    correct: bool,
) -> Result<i64, ServerFnError> {
    use super::context::refuse;
    use axum::http::StatusCode;
    use potable_core::feedback::{NewFeedback, Prediction};
    const UNPROCESSABLE: StatusCode = StatusCode::UNPROCESSABLE_ENTITY;

    let features = super::form::parse_form(&fields).map_err(|errors| {
        let listed: Vec<String> = errors
            .iter()
            .map(|e| format!("{}: {}", e.field, e.rule))
            .collect();
        refuse(UNPROCESSABLE, listed.join("; "))
    })?;
    if potability > 1 {
        return Err(refuse(UNPROCESSABLE, "potability: must be 0 or 1"));
    }
    if !(0.0..=1.0).contains(&probability_potable) {
        return Err(refuse(
            UNPROCESSABLE,
            "probability_potable: must be between 0 and 1",
        ));
    }
    let service = super::context::service()?;
    if service.version(&model_version).is_err() {
        return Err(refuse(
            UNPROCESSABLE,
            format!("model_version: {model_version} is not a version in the registry"),
        ));
    }
    let true_label = if correct { potability } else { 1 - potability };
    service
        .add_feedback(&NewFeedback {
            features,
            prediction: Some(Prediction {
                label: potability,
                probability: probability_potable,
                model_version,
            }),
            true_label,
            note: None,
        })
        .map_err(|e| ServerFnError::new(e.to_string()))
}

/// Feedback counts per label and version.
#[server(endpoint = "feedback_overview")]
pub async fn feedback_overview() -> Result<FeedbackView, ServerFnError> {
    let service = super::context::service()?;
    let counts = service
        .feedback_counts()
        .map_err(|e| ServerFnError::new(e.to_string()))?;
    Ok(FeedbackView {
        total: counts.total,
        counts: counts
            .by_version_and_label
            .into_iter()
            .map(|c| CountRow {
                model_version: c.model_version,
                true_label: c.true_label,
                count: c.count,
            })
            .collect(),
        token_required: super::context::admin()?.required(),
    })
}

#[cfg(feature = "ssr")]
fn job_view(job: potable_core::service::RetrainJob) -> RetrainView {
    use potable_core::service::JobState;
    let state = match job.state {
        JobState::Running => "running",
        JobState::Succeeded => "succeeded",
        JobState::Failed => "failed",
    };
    RetrainView {
        state: state.to_string(),
        progress: job.progress,
        stage: job.stage.map(|s| s.name().to_string()),
        version: job.outcome.as_ref().map(|o| o.version.to_string()),
        promoted: job.outcome.as_ref().is_some_and(|o| o.promoted),
        // The gate's own reason ("roc_auc 0.69 is not worse than V1's ..."): the page already
        // says whether the version was promoted.
        detail: job
            .outcome
            .as_ref()
            .map(|o| {
                o.gate
                    .as_ref()
                    .map_or(o.reason.clone(), |g| g.reason.clone())
            })
            .or(job.error)
            .unwrap_or_default(),
        accuracy_f1: job
            .outcome
            .as_ref()
            .map(|o| (o.metrics.accuracy, o.metrics.f1)),
    }
}

/// Starts a retrain on the training data plus all feedback.
#[server(endpoint = "start_retrain")]
pub async fn start_retrain(token: String) -> Result<RetrainView, ServerFnError> {
    let actor = super::context::admin()?.authorize(&token)?;
    let service = super::context::service()?;
    service
        .start_retrain(potable_core::service::RetrainRequest {
            reason: "retrain requested from the dashboard".to_string(),
            actor: Some(actor.to_string()),
            notes: None,
        })
        .map(job_view)
        .map_err(super::context::service_error)
}

/// The latest retrain job, if any.
#[server(endpoint = "retrain_job")]
pub async fn retrain_job() -> Result<Option<RetrainView>, ServerFnError> {
    Ok(super::context::service()?.retrain_status().map(job_view))
}
