//! Counters of predictions, stored feedback and retraining runs, recorded where the work
//! happens so every path counts: REST, dashboard and CLI. They go through the `metrics` facade;
//! the server installs a Prometheus recorder, and without one (the CLI) recording does nothing.

use std::time::Duration;

/// Predictions made, by predicted class and model version.
pub const PREDICTIONS: &str = "potable_predictions_total";
/// Retraining runs, by outcome.
pub const RETRAIN_RUNS: &str = "potable_retrain_runs_total";
/// Retraining duration in seconds, by outcome.
pub const RETRAIN_DURATION: &str = "potable_retrain_duration_seconds";
/// Feedback records stored, by true label and whether the served prediction was right.
pub const FEEDBACK: &str = "potable_feedback_total";

/// How a retraining request ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RetrainOutcome {
    /// A new version was registered.
    Success,
    /// The run failed.
    Failure,
    /// Refused because another run was in progress.
    Conflict,
}

impl RetrainOutcome {
    fn label(self) -> &'static str {
        match self {
            RetrainOutcome::Success => "success",
            RetrainOutcome::Failure => "failure",
            RetrainOutcome::Conflict => "conflict",
        }
    }
}

/// Counts the predictions of one call made by `model_version`: `potable` of class 1 and
/// `not_potable` of class 0.
pub fn record_predictions(model_version: &str, potable: u64, not_potable: u64) {
    for (class, n) in [("potable", potable), ("not_potable", not_potable)] {
        if n > 0 {
            metrics::counter!(PREDICTIONS, "class" => class, "model_version" => model_version.to_owned())
                .increment(n);
        }
    }
}

/// Counts one retraining run and records how long it took.
pub fn record_retrain(outcome: RetrainOutcome, duration: Duration) {
    let outcome = outcome.label();
    metrics::counter!(RETRAIN_RUNS, "outcome" => outcome).increment(1);
    metrics::histogram!(RETRAIN_DURATION, "outcome" => outcome).record(duration.as_secs_f64());
}

/// Counts one stored feedback record: its true label, and whether the prediction that was served
/// for the sample (if any) was right.
pub fn record_feedback(true_label: u8, predicted_label: Option<u8>) {
    let prediction = match predicted_label {
        None => "none",
        Some(p) if p == true_label => "correct",
        Some(_) => "wrong",
    };
    let true_label = if true_label == 1 { "1" } else { "0" };
    metrics::counter!(FEEDBACK, "true_label" => true_label, "prediction" => prediction)
        .increment(1);
}
