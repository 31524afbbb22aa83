//! Background retraining: one job at a time, with status, progress and outcome.
//!
//! [`Service::start_retrain`] takes the single job slot (a second request while one runs gets
//! [`ServiceError::RetrainRunning`] with the running job's id) and trains on a separate OS
//! thread, so predictions keep being served; only registering the result and swapping the
//! active model take the registry lock, briefly.

use std::sync::{Arc, PoisonError};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde::Serialize;

use super::{load, Service, ServiceError};
use crate::registry::now_rfc3339;
use crate::retrain::{register_run, train_run, Activation, RunOutcome};
use crate::telemetry::{self, RetrainOutcome};
use crate::train::{Progress, ProgressEvent, Stage};

/// State of a retrain job.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum JobState {
    /// Training or registering.
    Running,
    /// Finished: a new version was registered (promoted or kept as candidate).
    Succeeded,
    /// Finished with an error; nothing was registered.
    Failed,
}

/// Who asked for a retrain, and why.
#[derive(Debug, Clone, Default)]
pub struct RetrainRequest {
    /// Why (recorded in the job and in the switch history when promoted).
    pub reason: String,
    /// Who asked, when known.
    pub actor: Option<String>,
    /// Notes stored with the new version.
    pub notes: Option<String>,
}

/// A retrain job's status, progress and outcome.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RetrainJob {
    /// Job id, e.g. `retrain-1764774000123-1`.
    pub id: String,
    /// Running, succeeded or failed.
    pub state: JobState,
    /// Why it was started.
    pub reason: String,
    /// Who started it.
    pub actor: Option<String>,
    /// Start time, RFC 3339.
    pub started_at: String,
    /// End time, RFC 3339.
    pub finished_at: Option<String>,
    /// The stage running now (`None` before training and after it).
    pub stage: Option<Stage>,
    /// Share done, 0.0 to 1.0.
    pub progress: f64,
    /// Every progress event so far, in order.
    pub events: Vec<ProgressEvent>,
    /// Feedback rows given to the run.
    pub feedback_rows: Option<usize>,
    /// The registered version and the gate's decision, when it succeeded.
    pub outcome: Option<RunOutcome>,
    /// Why it failed, when it did.
    pub error: Option<String>,
}

impl RetrainJob {
    fn new(id: String, request: &RetrainRequest) -> Self {
        Self {
            id,
            state: JobState::Running,
            reason: request.reason.clone(),
            actor: request.actor.clone(),
            started_at: now_rfc3339(),
            finished_at: None,
            stage: None,
            progress: 0.0,
            events: Vec::new(),
            feedback_rows: None,
            outcome: None,
            error: None,
        }
    }

    /// Applies one training progress event (fit 35 %, evaluate 5 %, CV 55 %, register 5 %).
    fn record(&mut self, event: ProgressEvent) {
        match &event {
            ProgressEvent::StageStarted { stage } => self.stage = Some(*stage),
            ProgressEvent::StageFinished { stage, .. } => {
                self.progress = self.progress.max(match stage {
                    Stage::Split => 0.0,
                    Stage::Fit => 0.35,
                    Stage::Evaluate => 0.40,
                    Stage::CrossValidate => 0.95,
                });
            }
            ProgressEvent::FoldFinished { done, folds, .. } => {
                let share = *done as f64 / (*folds).max(1) as f64;
                self.progress = self.progress.max(0.40 + 0.55 * share);
            }
        }
        self.events.push(event);
    }

    fn finish(&mut self, result: Result<RunOutcome, String>) {
        self.finished_at = Some(now_rfc3339());
        self.stage = None;
        match result {
            Ok(outcome) => {
                self.state = JobState::Succeeded;
                self.progress = 1.0;
                self.outcome = Some(outcome);
            }
            Err(error) => {
                self.state = JobState::Failed;
                self.error = Some(error);
            }
        }
    }
}

/// Counts a finished run that started at `began`.
fn record_run(succeeded: bool, began: Instant) {
    let outcome = if succeeded {
        RetrainOutcome::Success
    } else {
        RetrainOutcome::Failure
    };
    telemetry::record_retrain(outcome, began.elapsed());
}

/// The running job, or the last one.
#[derive(Debug, Default)]
pub(super) struct JobSlot {
    job: Option<RetrainJob>,
    started: u64,
}

impl Service {
    fn job_slot(&self) -> std::sync::MutexGuard<'_, JobSlot> {
        self.jobs.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Takes the job slot: a new running job, or the running one's id as the error.
    fn claim_job(&self, request: &RetrainRequest) -> Result<RetrainJob, ServiceError> {
        if self.config.training.is_none() {
            return Err(ServiceError::TrainingUnavailable);
        }
        let mut slot = self.job_slot();
        if let Some(job) = slot.job.as_ref().filter(|j| j.state == JobState::Running) {
            telemetry::record_retrain(RetrainOutcome::Conflict, Duration::ZERO);
            return Err(ServiceError::RetrainRunning {
                job_id: job.id.clone(),
            });
        }
        slot.started += 1;
        let millis = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_millis())
            .unwrap_or(0);
        let job = RetrainJob::new(format!("retrain-{millis}-{}", slot.started), request);
        slot.job = Some(job.clone());
        Ok(job)
    }

    fn update_job(&self, id: &str, f: impl FnOnce(&mut RetrainJob)) {
        if let Some(job) = self.job_slot().job.as_mut().filter(|j| j.id == id) {
            f(job);
        }
    }

    /// Starts a retrain in the background and returns the new job (state `running`).
    ///
    /// Refused with [`ServiceError::RetrainRunning`] (carrying the running job's id) while
    /// another runs, and with [`ServiceError::TrainingUnavailable`] when the service has no
    /// data set configured. Follow it with [`Service::retrain_status`].
    pub fn start_retrain(
        self: &Arc<Self>,
        request: RetrainRequest,
    ) -> Result<RetrainJob, ServiceError> {
        let job = self.claim_job(&request)?;
        let service = Arc::clone(self);
        let id = job.id.clone();
        let spawned = std::thread::Builder::new()
            .name("potable-retrain".into())
            .spawn(move || {
                crate::os::lower_thread_priority();
                let began = Instant::now();
                let progress = |event: ProgressEvent| service.update_job(&id, |j| j.record(event));
                let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                    service
                        .run_retrain(&id, &request, &progress)
                        .map_err(|e| e.to_string())
                }))
                .unwrap_or_else(|_| Err("the training thread panicked".to_string()));
                if let Err(error) = &result {
                    tracing::error!(job = %id, %error, "retrain failed");
                }
                record_run(result.is_ok(), began);
                service.update_job(&id, |j| j.finish(result));
                crate::os::return_freed_memory();
            });
        if let Err(e) = spawned {
            let error = format!("cannot start the training thread: {e}");
            self.update_job(&job.id, |j| j.finish(Err(error.clone())));
        }
        Ok(job)
    }

    /// Retrains in the calling thread (the CLI's `potable retrain`), with the same job slot
    /// and promotion gate as [`Service::start_retrain`].
    pub fn retrain_blocking(
        &self,
        request: RetrainRequest,
        progress: Progress,
    ) -> Result<RunOutcome, ServiceError> {
        let job = self.claim_job(&request)?;
        let began = Instant::now();
        let result = self.run_retrain(&job.id, &request, progress);
        record_run(result.is_ok(), began);
        let summary = result.as_ref().map(Clone::clone).map_err(|e| e.to_string());
        self.update_job(&job.id, |j| j.finish(summary));
        result
    }

    /// The running retrain job, or else the last finished one (`None` before the first).
    pub fn retrain_status(&self) -> Option<RetrainJob> {
        self.job_slot().job.clone()
    }

    /// Trains with all feedback, registers, and swaps the active model when the gate allows.
    fn run_retrain(
        &self,
        id: &str,
        request: &RetrainRequest,
        progress: Progress,
    ) -> Result<RunOutcome, ServiceError> {
        let sources = self
            .config
            .training
            .as_ref()
            .ok_or(ServiceError::TrainingUnavailable)?;
        let feedback = self.feedback_rows()?;
        self.update_job(id, |j| j.feedback_rows = Some(feedback.len()));
        let notes = request
            .notes
            .clone()
            .unwrap_or_else(|| format!("retrained ({}; job {id})", request.reason));
        let run = train_run(sources, &feedback, &notes, progress)?;
        let mut registry = self.registry.lock().unwrap_or_else(PoisonError::into_inner);
        let outcome = register_run(
            &mut registry,
            run,
            Activation::Gate(self.config.gate),
            request.actor.as_deref(),
        )?;
        if outcome.promoted {
            match load(&registry, outcome.version) {
                Ok(model) => self.set_active(Some(Arc::new(model))),
                Err(err) => {
                    tracing::error!(version = %outcome.version, error = %err, "new version cannot be loaded");
                    if let Some(old) = self.active_model() {
                        let why = format!(
                            "{} cannot be loaded ({err}); back to {}",
                            outcome.version, old.version
                        );
                        registry.activate(old.version, &why, Some("service"))?;
                    }
                    return Err(err);
                }
            }
        }
        tracing::info!(job = %id, version = %outcome.version, promoted = outcome.promoted, "{}", outcome.reason);
        Ok(outcome)
    }
}
