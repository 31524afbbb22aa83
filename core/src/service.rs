//! The model service the server runs: the registry, the active model held in memory, and
//! predictions that always name the version that made them.
//!
//! Switching versions replaces an `Arc`; a prediction clones the `Arc` first, so predictions in
//! flight during a switch finish with the version they started on.

use crate::artifact::{Artifact, ArtifactError};
use crate::feedback::{FeedbackError, FeedbackStore, FEEDBACK_DB_FILE};
use crate::registry::{Registry, RegistryError, VersionName};
use crate::retrain::{PromotionGate, RetrainError, TrainingSources};
use crate::schema::FeatureVector;
use std::path::Path;
use std::sync::{Arc, Mutex, PoisonError, RwLock};

mod jobs;
mod ops;

pub use jobs::{JobState, RetrainJob, RetrainRequest};
pub use ops::{FeedbackCounts, FeedbackPage};

/// How the service retrains: where the data and params are, and the promotion gate.
#[derive(Debug, Clone, Default)]
pub struct ServiceConfig {
    /// Data set and params for retraining (`None`: retraining is refused).
    pub training: Option<TrainingSources>,
    /// The promotion gate applied to retrained versions.
    pub gate: PromotionGate,
}

/// Why the service cannot do what was asked.
#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    /// No version is active, or the active one could not be loaded.
    #[error("no model version is loaded; train one with `potable train`")]
    NoModel,
    /// The registry refused the operation.
    #[error(transparent)]
    Registry(#[from] RegistryError),
    /// The feedback store refused the record or failed.
    #[error(transparent)]
    Feedback(#[from] FeedbackError),
    /// A retrain is already running; its id is given.
    #[error("a retrain is already running (job {job_id}); wait for it to finish")]
    RetrainRunning {
        /// Id of the running job.
        job_id: String,
    },
    /// The service was opened without a data set and params to retrain from.
    #[error("retraining is not configured: no data set and params were given to the server")]
    TrainingUnavailable,
    /// No earlier active version is left to roll back to.
    #[error("nothing to roll back to: no earlier active version is still available")]
    NoRollbackTarget,
    /// A training run failed.
    #[error("retraining failed: {0}")]
    Retrain(#[from] RetrainError),
    /// A stored artifact could not be decoded.
    #[error("version {version} cannot be loaded: {source}")]
    Artifact {
        /// The version.
        version: VersionName,
        /// The cause.
        source: ArtifactError,
    },
}

/// A model version decoded and ready to predict.
pub struct LoadedModel {
    /// Its registry name.
    pub version: VersionName,
    /// The decoded artifact (preprocessing, classifier, params, metrics).
    pub artifact: Artifact,
}

/// One prediction and the version that made it.
#[derive(Debug, Clone, PartialEq)]
pub struct Prediction {
    /// 1 = potable, 0 = not potable.
    pub potability: u8,
    /// Probability that the sample is potable.
    pub probability_potable: f64,
    /// The version that answered, e.g. "V3".
    pub model_version: String,
}

impl Prediction {
    fn new(probability_potable: f64, version: VersionName) -> Self {
        Prediction {
            potability: u8::from(probability_potable >= 0.5),
            probability_potable,
            model_version: version.to_string(),
        }
    }

    /// "Potable" or "Not Potable", as the original API answered.
    pub fn label(&self) -> &'static str {
        if self.potability == 1 {
            "Potable"
        } else {
            "Not Potable"
        }
    }

    /// Probability of the predicted class, rounded to 12 decimals so that `1 - 0.18` reads
    /// `0.82` rather than `0.8200000000000001` (the error is far below any meaningful digit).
    pub fn confidence(&self) -> f64 {
        let confidence = if self.potability == 1 {
            self.probability_potable
        } else {
            1.0 - self.probability_potable
        };
        (confidence * 1e12).round() / 1e12
    }
}

/// The registry plus the active model in memory.
pub struct Service {
    registry: Mutex<Registry>,
    active: RwLock<Option<Arc<LoadedModel>>>,
    feedback: Mutex<FeedbackStore>,
    config: ServiceConfig,
    jobs: Mutex<jobs::JobSlot>,
}

impl Service {
    /// Opens the registry in `models_dir` (created if missing) and loads the active version.
    ///
    /// A damaged active artifact does not stop the service: the registry has already fallen
    /// back to the last good version, or the service starts with no model and says so.
    pub fn open(models_dir: &Path) -> Result<Self, ServiceError> {
        Self::open_with(models_dir, ServiceConfig::default())
    }

    /// Like [`Service::open`], with retraining configured; also opens `feedback.db` there.
    pub fn open_with(models_dir: &Path, config: ServiceConfig) -> Result<Self, ServiceError> {
        let registry = Registry::open(models_dir)?;
        let active = match registry.active() {
            Some(version) => match load(&registry, version) {
                Ok(model) => Some(Arc::new(model)),
                Err(err) => {
                    tracing::error!(%version, error = %err, "active version cannot be loaded");
                    None
                }
            },
            None => None,
        };
        let feedback = FeedbackStore::open(models_dir.join(FEEDBACK_DB_FILE))?;
        Ok(Service {
            registry: Mutex::new(registry),
            active: RwLock::new(active),
            feedback: Mutex::new(feedback),
            config,
            jobs: Mutex::new(jobs::JobSlot::default()),
        })
    }

    /// The model currently serving, if any.
    pub fn active_model(&self) -> Option<Arc<LoadedModel>> {
        self.active
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Name of the version currently serving, if any.
    pub fn active_version(&self) -> Option<String> {
        self.active_model().map(|m| m.version.to_string())
    }

    /// Predicts one sample (already validated) with the active version.
    pub fn predict_one(&self, features: &FeatureVector) -> Result<Prediction, ServiceError> {
        let mut predictions = self.predict_many(std::slice::from_ref(features))?;
        Ok(predictions.remove(0))
    }

    /// Predicts many samples (already validated), all with the same version.
    pub fn predict_many(&self, rows: &[FeatureVector]) -> Result<Vec<Prediction>, ServiceError> {
        let model = self.active_model().ok_or(ServiceError::NoModel)?;
        let probabilities = model.artifact.model.predict_proba(rows);
        let predictions: Vec<Prediction> = probabilities
            .into_iter()
            .map(|p| Prediction::new(p, model.version))
            .collect();
        crate::monitoring::record(rows, &predictions);
        let potable = predictions.iter().filter(|p| p.potability == 1).count() as u64;
        crate::telemetry::record_predictions(
            &model.version.to_string(),
            potable,
            predictions.len() as u64 - potable,
        );
        Ok(predictions)
    }

    /// Runs `f` with exclusive access to the registry.
    pub fn with_registry<T>(&self, f: impl FnOnce(&mut Registry) -> T) -> T {
        let mut registry = self.registry.lock().unwrap_or_else(PoisonError::into_inner);
        f(&mut registry)
    }
}

/// Reads, verifies and decodes one version.
fn load(registry: &Registry, version: VersionName) -> Result<LoadedModel, ServiceError> {
    let bytes = registry.load_artifact_bytes(version)?;
    let artifact = Artifact::from_bytes(&bytes)
        .map_err(|source| ServiceError::Artifact { version, source })?;
    Ok(LoadedModel { version, artifact })
}
