//! One training run, shared by `potable train`, `potable retrain` and the server's background
//! retrain (issue 4).
//!
//! A run reads the params (once, at the start) and the data set, splits off the fixed
//! evaluation set (the stratified test part given by `preprocess.test_size` and
//! `preprocess.random_state`), trains on the training part plus every feedback row, evaluates
//! on the evaluation set, and builds the artifact and its [`VersionMeta`]. The evaluation set
//! never contains training or feedback rows: a feedback row whose features equal an evaluation
//! row's is left out of training (counted in [`TrainedRun::feedback_skipped`]).
//!
//! [`register_run`] stores the result and applies an [`Activation`] rule: either "activate when
//! nothing is active" (`potable train`) or the [`PromotionGate`] (retraining).

use std::collections::HashSet;
use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::artifact::{Artifact, ArtifactError, FORMAT_VERSION};
use crate::dataset::{read_csv_path, DataError};
use crate::evaluate::Metrics;
use crate::feedback::FeedbackRow;
use crate::metrics::ClassificationMetrics;
use crate::params::{Params, ParamsError};
use crate::registry::{now_rfc3339, Registry, RegistryError, VersionMeta, VersionName};
use crate::schema::FeatureVector;
use crate::split::{select, stratified_split, SplitError};
use crate::train::{train_holdout, Progress, TrainError, TrainOutput};

/// Why a training run failed.
#[derive(Debug, thiserror::Error)]
pub enum RetrainError {
    /// The params file is missing or invalid.
    #[error("invalid parameters in {}: {source}", path.display())]
    Params {
        /// The params file.
        path: PathBuf,
        /// The cause.
        source: ParamsError,
    },
    /// The data set cannot be read.
    #[error("cannot read {}: {source}", path.display())]
    Data {
        /// The data file.
        path: PathBuf,
        /// The cause.
        source: DataError,
    },
    /// The data set has no label column.
    #[error("{} has no Potability column", .0.display())]
    NoLabels(PathBuf),
    /// The evaluation split could not be made.
    #[error("evaluation split: {0}")]
    Split(#[from] SplitError),
    /// The held-out part is too small to score a model honestly.
    #[error(
        "preprocess.test_size: {test_size} leaves {rows} held-out rows of class {class}; at least {MIN_HELD_OUT_PER_CLASS} of each class are needed for meaningful metrics"
    )]
    HeldOutTooSmall {
        /// `preprocess.test_size`.
        test_size: f64,
        /// The class with the fewest held-out rows.
        class: u8,
        /// Its held-out rows.
        rows: usize,
    },
    /// The pipeline failed.
    #[error(transparent)]
    Train(#[from] TrainError),
    /// The artifact could not be encoded.
    #[error(transparent)]
    Artifact(#[from] ArtifactError),
    /// The registry refused to store or activate the version.
    #[error(transparent)]
    Registry(#[from] RegistryError),
    /// Params or metrics could not be encoded as JSON.
    #[error("cannot encode training metadata: {0}")]
    Encode(#[from] serde_json::Error),
    /// A promotion setting is invalid.
    #[error("{0}")]
    Config(String),
}

/// Where a run reads its inputs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrainingSources {
    /// The labelled data set (`water_potability.csv`).
    pub data: PathBuf,
    /// The params file (`params.yaml`).
    pub params: PathBuf,
}

/// The evaluation metric the promotion gate compares (on the fixed evaluation set).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PromotionMetric {
    /// ROC AUC (higher is better); the default.
    RocAuc,
    /// Accuracy (higher is better).
    Accuracy,
    /// F1 of class 1 (higher is better).
    F1,
    /// Precision of class 1 (higher is better).
    Precision,
    /// Recall of class 1 (higher is better).
    Recall,
    /// Log loss (lower is better).
    LogLoss,
    /// Brier score (lower is better).
    Brier,
}

impl PromotionMetric {
    /// Every metric, in documentation order.
    pub const ALL: [PromotionMetric; 7] = [
        Self::RocAuc,
        Self::Accuracy,
        Self::F1,
        Self::Precision,
        Self::Recall,
        Self::LogLoss,
        Self::Brier,
    ];

    /// The name used in config and in `metrics.json` (`roc_auc`, `log_loss`, ...).
    pub fn name(self) -> &'static str {
        match self {
            Self::RocAuc => "roc_auc",
            Self::Accuracy => "accuracy",
            Self::F1 => "f1",
            Self::Precision => "precision",
            Self::Recall => "recall",
            Self::LogLoss => "log_loss",
            Self::Brier => "brier",
        }
    }

    /// Whether a larger value is better.
    pub fn higher_is_better(self) -> bool {
        !matches!(self, Self::LogLoss | Self::Brier)
    }

    /// The metric's value in `m`.
    pub fn value(self, m: &ClassificationMetrics) -> f64 {
        match self {
            Self::RocAuc => m.roc_auc,
            Self::Accuracy => m.accuracy,
            Self::F1 => m.f1,
            Self::Precision => m.precision,
            Self::Recall => m.recall,
            Self::LogLoss => m.log_loss,
            Self::Brier => m.brier,
        }
    }
}

impl fmt::Display for PromotionMetric {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for PromotionMetric {
    type Err = RetrainError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|m| m.name() == s.trim())
            .ok_or_else(|| {
                let names: Vec<_> = Self::ALL.iter().map(|m| m.name()).collect();
                RetrainError::Config(format!(
                    "unknown promotion metric {s:?}: expected one of {}",
                    names.join(", ")
                ))
            })
    }
}

/// The promotion gate: a new version becomes active only if its metric is not worse than the
/// active version's by more than `tolerance`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct PromotionGate {
    /// The compared metric (default `roc_auc`).
    pub metric: PromotionMetric,
    /// Allowed worsening, >= 0 (default 0.0).
    pub tolerance: f64,
}

impl Default for PromotionGate {
    fn default() -> Self {
        Self {
            metric: PromotionMetric::RocAuc,
            tolerance: 0.0,
        }
    }
}

/// What the gate decided, and on which numbers.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GateDecision {
    /// Whether the new version may become active.
    pub promote: bool,
    /// The compared metric.
    pub metric: PromotionMetric,
    /// The allowed worsening.
    pub tolerance: f64,
    /// The new version's value.
    pub candidate_value: f64,
    /// The active version when the decision was made.
    pub active_version: Option<VersionName>,
    /// The active version's value, when it has one.
    pub active_value: Option<f64>,
    /// One sentence saying why.
    pub reason: String,
}

impl PromotionGate {
    /// A gate on `metric` with `tolerance`, which must be a finite number >= 0.
    pub fn new(metric: PromotionMetric, tolerance: f64) -> Result<Self, RetrainError> {
        if !(tolerance.is_finite() && tolerance >= 0.0) {
            return Err(RetrainError::Config(format!(
                "promotion tolerance must be a finite number >= 0, got {tolerance}"
            )));
        }
        Ok(Self { metric, tolerance })
    }

    /// Compares the candidate's evaluation metrics with the active version's stored metrics
    /// (`VersionMeta::metrics`, i.e. `metrics.json` content).
    pub fn decide(
        &self,
        candidate: &ClassificationMetrics,
        active: Option<(VersionName, &serde_json::Value)>,
    ) -> GateDecision {
        let metric = self.metric;
        let candidate_value = metric.value(candidate);
        let active_value = active.and_then(|(_, m)| m["test"][metric.name()].as_f64());
        let (promote, reason) = match (active, active_value) {
            _ if !candidate_value.is_finite() => {
                (false, format!("the new {metric} is not a finite number"))
            }
            (None, _) => (true, "no version was active".to_string()),
            (Some((v, _)), None) => (
                true,
                format!("the active version {v} has no recorded {metric}"),
            ),
            (Some((v, _)), Some(old)) => {
                let ok = if metric.higher_is_better() {
                    candidate_value >= old - self.tolerance
                } else {
                    candidate_value <= old + self.tolerance
                };
                let verdict = if ok { "not worse than" } else { "worse than" };
                (
                    ok,
                    format!(
                        "{metric} {candidate_value:.4} is {verdict} {v}'s {old:.4} (tolerance {})",
                        self.tolerance
                    ),
                )
            }
        };
        GateDecision {
            promote,
            metric,
            tolerance: self.tolerance,
            candidate_value,
            active_version: active.map(|(v, _)| v),
            active_value,
            reason,
        }
    }
}

/// When a newly registered version becomes active.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Activation {
    /// Only when no version is active (`potable train`).
    IfNoneActive,
    /// When the promotion gate allows it (retraining).
    Gate(PromotionGate),
}

/// A finished training run, not yet registered.
#[derive(Debug)]
pub struct TrainedRun {
    /// The encoded artifact.
    pub artifact: Vec<u8>,
    /// Its registry metadata.
    pub meta: VersionMeta,
    /// Its metrics (the content of `metrics.json`).
    pub metrics: Metrics,
    /// The params it was trained with.
    pub params: Params,
    /// Feedback rows used for training.
    pub feedback_rows: usize,
    /// Feedback rows left out because they equal an evaluation row.
    pub feedback_skipped: usize,
}

/// What happened to a registered run.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RunOutcome {
    /// The new version.
    pub version: VersionName,
    /// Whether it became active.
    pub promoted: bool,
    /// Why it did or did not become active.
    pub reason: String,
    /// The gate's decision, when a gate applied.
    pub gate: Option<GateDecision>,
    /// Held-out metrics on the fixed evaluation set.
    pub metrics: ClassificationMetrics,
    /// Training rows (training part plus feedback).
    pub train_rows: u64,
    /// Feedback rows used.
    pub feedback_rows: u64,
}

/// Fewest held-out rows of each class a run accepts: below it, accuracy and ROC AUC are noise
/// (2 held-out rows can give a "perfect" ROC AUC).
pub const MIN_HELD_OUT_PER_CLASS: usize = 20;

/// The data of a run: training part plus feedback, and the fixed evaluation set.
struct RunData {
    x_train: Vec<FeatureVector>,
    y_train: Vec<u8>,
    x_eval: Vec<FeatureVector>,
    y_eval: Vec<u8>,
    fingerprint: String,
    feedback_rows: usize,
    feedback_skipped: usize,
}

/// The exact bits of a row, for equality with NaN == NaN.
fn row_key(row: &FeatureVector) -> [u64; 9] {
    row.map(|v| if v.is_nan() { f64::NAN } else { v + 0.0 }.to_bits())
}

fn split_data(
    rows: &[FeatureVector],
    labels: &[u8],
    dataset_fingerprint: String,
    params: &Params,
    feedback: &[FeedbackRow],
) -> Result<RunData, RetrainError> {
    let (train_idx, eval_idx) = stratified_split(
        labels,
        params.preprocess.test_size,
        params.preprocess.random_state,
    )?;
    let (mut x_train, mut y_train) = (select(rows, &train_idx), select(labels, &train_idx));
    let (x_eval, y_eval) = (select(rows, &eval_idx), select(labels, &eval_idx));
    for class in [0u8, 1] {
        let held_out = y_eval.iter().filter(|&&l| l == class).count();
        if held_out < MIN_HELD_OUT_PER_CLASS {
            return Err(RetrainError::HeldOutTooSmall {
                test_size: params.preprocess.test_size,
                class,
                rows: held_out,
            });
        }
    }
    let eval_keys: HashSet<[u64; 9]> = x_eval.iter().map(row_key).collect();
    let mut h = Sha256::new();
    h.update(b"potable-training-v1\n");
    h.update(dataset_fingerprint.as_bytes());
    let mut used = 0;
    for row in feedback {
        if eval_keys.contains(&row_key(&row.features)) {
            continue;
        }
        h.update(row.id.to_le_bytes());
        for v in row.features {
            h.update(v.to_bits().to_le_bytes());
        }
        h.update([row.true_label]);
        x_train.push(row.features);
        y_train.push(row.true_label);
        used += 1;
    }
    let fingerprint = if feedback.is_empty() {
        dataset_fingerprint
    } else {
        hex::encode(h.finalize())
    };
    Ok(RunData {
        x_train,
        y_train,
        x_eval,
        y_eval,
        fingerprint,
        feedback_rows: used,
        feedback_skipped: feedback.len() - used,
    })
}

/// Trains one run: params and data from `sources`, plus `feedback`, evaluated on the fixed
/// evaluation set. `notes` goes into the version's metadata.
pub fn train_run(
    sources: &TrainingSources,
    feedback: &[FeedbackRow],
    notes: &str,
    progress: Progress,
) -> Result<TrainedRun, RetrainError> {
    let params = Params::load(&sources.params).map_err(|source| RetrainError::Params {
        path: sources.params.clone(),
        source,
    })?;
    let dataset = read_csv_path(&sources.data).map_err(|source| RetrainError::Data {
        path: sources.data.clone(),
        source,
    })?;
    let labels = dataset
        .labels
        .as_deref()
        .ok_or_else(|| RetrainError::NoLabels(sources.data.clone()))?;
    let dataset_fingerprint = dataset.fingerprint();
    let data = split_data(
        &dataset.rows,
        labels,
        dataset_fingerprint.clone(),
        &params,
        feedback,
    )?;
    let TrainOutput { model, metrics } = train_holdout(
        &data.x_train,
        &data.y_train,
        &data.x_eval,
        &data.y_eval,
        &params,
        progress,
    )?;
    let artifact = Artifact {
        format_version: FORMAT_VERSION,
        model,
        params: params.clone(),
        metrics: metrics.clone(),
        data_fingerprint: data.fingerprint,
        dataset_fingerprint,
        train_rows: data.x_train.len(),
        feedback_rows: data.feedback_rows,
    };
    let meta = VersionMeta {
        params: serde_json::to_value(&params)?,
        data_fingerprint: artifact.data_fingerprint.clone(),
        train_rows: artifact.train_rows as u64,
        feedback_rows: artifact.feedback_rows as u64,
        metrics: serde_json::to_value(&metrics)?,
        created_at: now_rfc3339(),
        code_revision: code_revision(),
        notes: notes.to_string(),
    };
    Ok(TrainedRun {
        artifact: artifact.to_bytes()?,
        meta,
        metrics,
        params,
        feedback_rows: data.feedback_rows,
        feedback_skipped: data.feedback_skipped,
    })
}

/// Registers `run` and activates it per `activation`, recording the switch with `actor`.
///
/// The gate compares with the version active at this moment (read under the registry's lock),
/// so a switch made while the run was training is taken into account.
pub fn register_run(
    registry: &mut Registry,
    run: TrainedRun,
    activation: Activation,
    actor: Option<&str>,
) -> Result<RunOutcome, RetrainError> {
    let train_rows = run.meta.train_rows;
    let feedback_rows = run.meta.feedback_rows;
    let version = registry.register(&run.artifact, run.meta)?;
    // `register` reloaded the index under the lock, so `active()` is current.
    let active = registry.active();
    let (promoted, reason, gate) = match activation {
        Activation::IfNoneActive => match active {
            None => (true, "first trained version".to_string(), None),
            Some(v) => (
                false,
                format!("{v} is active; the new version is kept as a candidate"),
                None,
            ),
        },
        Activation::Gate(gate) => {
            let active_meta = match active {
                Some(v) => Some((v, registry.get(v)?.meta.metrics.clone())),
                None => None,
            };
            let decision = gate.decide(
                &run.metrics.test,
                active_meta.as_ref().map(|(v, m)| (*v, m)),
            );
            let reason = if decision.promote {
                format!("retrained; promotion gate passed: {}", decision.reason)
            } else {
                format!(
                    "kept as candidate; promotion gate refused: {}",
                    decision.reason
                )
            };
            (decision.promote, reason, Some(decision))
        }
    };
    if promoted {
        registry.activate(version, &reason, actor)?;
    }
    Ok(RunOutcome {
        version,
        promoted,
        reason,
        gate,
        metrics: run.metrics.test,
        train_rows,
        feedback_rows,
    })
}

/// The source revision this binary was built from (see `core/build.rs`), when known.
pub fn code_revision() -> Option<String> {
    option_env!("POTABLE_CODE_REVISION").map(str::to_string)
}

#[cfg(test)]
mod tests;
