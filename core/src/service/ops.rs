//! Registry and feedback operations of the [`Service`]: list, switch, roll back, promote,
//! delete, notes; store, page and count feedback.
//!
//! Lock order: the registry mutex, then the active-model lock. Every change of the active
//! version holds the registry mutex from the registry write to the in-memory swap, so the
//! registry and the model serving never disagree for another caller.

use std::io::Write;
use std::sync::{Arc, PoisonError};

use serde::Serialize;

use super::{load, Service, ServiceError};
use crate::feedback::{FeedbackRow, FeedbackStore, LabelVersionCount, NewFeedback};
use crate::registry::{Registry, RegistryError, Switch, VersionInfo, VersionName};
use crate::retrain::PromotionGate;

/// Largest page of [`Service::feedback_page`].
pub const MAX_FEEDBACK_PAGE: u32 = 500;

/// One page of feedback rows, newest first.
#[derive(Debug, Clone, Serialize)]
pub struct FeedbackPage {
    /// Total rows stored.
    pub total: u64,
    /// Rows skipped (newest first).
    pub offset: u32,
    /// Page size actually used (capped at [`MAX_FEEDBACK_PAGE`]).
    pub limit: u32,
    /// The rows.
    pub rows: Vec<FeedbackRow>,
}

/// Feedback totals for dashboards.
#[derive(Debug, Clone, Serialize)]
pub struct FeedbackCounts {
    /// Total rows.
    pub total: u64,
    /// Rows per (serving version, true label).
    pub by_version_and_label: Vec<LabelVersionCount>,
}

impl Service {
    fn registry_lock(&self) -> std::sync::MutexGuard<'_, Registry> {
        self.registry.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn feedback_lock(&self) -> std::sync::MutexGuard<'_, FeedbackStore> {
        self.feedback.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Replaces the in-memory model; the caller holds the registry lock.
    /// The model replaced is dropped here unless a request still holds it, and its memory is
    /// handed back to the OS.
    pub(super) fn set_active(&self, model: Option<Arc<super::LoadedModel>>) {
        let previous = std::mem::replace(
            &mut *self.active.write().unwrap_or_else(PoisonError::into_inner),
            model,
        );
        drop(previous);
        crate::os::return_freed_memory();
    }

    /// The promotion gate retrained versions go through.
    pub fn gate(&self) -> PromotionGate {
        self.config.gate
    }

    /// Every registered version (status active / candidate / unavailable), oldest first.
    pub fn versions(&self) -> Vec<VersionInfo> {
        self.registry_lock().versions().to_vec()
    }

    /// One version's details; `version` is a name such as `V3`.
    pub fn version(&self, version: &str) -> Result<VersionInfo, ServiceError> {
        let name: VersionName = version.parse()?;
        Ok(self.registry_lock().get(name)?.clone())
    }

    /// The details of the version serving predictions, if any.
    pub fn current(&self) -> Option<VersionInfo> {
        let model = self.active_model()?;
        self.registry_lock().get(model.version).ok().cloned()
    }

    /// Every switch of the active version (time, from, to, reason, actor), oldest first.
    pub fn history(&self) -> Vec<Switch> {
        self.registry_lock().history().to_vec()
    }

    /// Makes `version` active (verified and decoded first), recording `reason` and `actor`.
    /// A damaged or missing version is refused with [`RegistryError::Unavailable`], the version
    /// already serving with [`RegistryError::AlreadyActive`]. Returns the switch made.
    pub fn switch(
        &self,
        version: &str,
        reason: &str,
        actor: Option<&str>,
    ) -> Result<Switch, ServiceError> {
        let name: VersionName = version.parse()?;
        let mut registry = self.registry_lock();
        registry.refresh()?;
        if registry.active() == Some(name) {
            return Err(RegistryError::AlreadyActive(name).into());
        }
        self.activate_locked(&mut registry, name, reason, actor, false)
    }

    /// Picks up a change another process (e.g. `potable models switch`) made to the registry:
    /// reloads the index and, when its active version differs from the one serving, loads and
    /// serves that one. Returns the version now serving when it changed.
    pub fn sync_with_registry(&self) -> Result<Option<VersionName>, ServiceError> {
        let mut registry = self.registry_lock();
        if !registry.refresh()? {
            return Ok(None);
        }
        let serving = self.active_model().map(|m| m.version);
        let wanted = registry.active();
        if wanted == serving {
            return Ok(None);
        }
        let model = match wanted {
            Some(version) => Some(Arc::new(load(&registry, version)?)),
            None => None,
        };
        self.set_active(model);
        Ok(wanted)
    }

    /// Activates a candidate explicitly (refused when it is already active).
    pub fn promote(&self, version: &str, actor: Option<&str>) -> Result<Switch, ServiceError> {
        let name: VersionName = version.parse()?;
        let mut registry = self.registry_lock();
        self.activate_locked(&mut registry, name, "promoted by operator", actor, true)
    }

    /// Switches back to the most recent previously active version that is still good.
    pub fn rollback(&self, actor: Option<&str>) -> Result<Switch, ServiceError> {
        let mut registry = self.registry_lock();
        let current = registry.active();
        let target = registry
            .history()
            .iter()
            .rev()
            .filter_map(|s| s.from)
            .find(|&v| Some(v) != current && registry.get(v).is_ok_and(|i| i.problem.is_none()))
            .ok_or(ServiceError::NoRollbackTarget)?;
        self.activate_locked(&mut registry, target, "rollback", actor, false)
    }

    /// Deletes a version that is not active; its number is never reused. Returns its name.
    pub fn delete_version(&self, version: &str) -> Result<VersionName, ServiceError> {
        let name: VersionName = version.parse()?;
        self.registry_lock().delete(name)?;
        Ok(name)
    }

    /// Replaces a version's notes / description.
    pub fn set_notes(&self, version: &str, notes: &str) -> Result<VersionInfo, ServiceError> {
        let name: VersionName = version.parse()?;
        let mut registry = self.registry_lock();
        registry.set_notes(name, notes)?;
        Ok(registry.get(name)?.clone())
    }

    /// Activation under the registry lock: registry first (verifies the artifact), then decode
    /// and swap; a version that cannot be decoded is switched away from again.
    pub(super) fn activate_locked(
        &self,
        registry: &mut Registry,
        version: VersionName,
        reason: &str,
        actor: Option<&str>,
        promote: bool,
    ) -> Result<Switch, ServiceError> {
        let from = registry.active();
        if promote {
            registry.promote(version, actor)?;
        } else {
            registry.activate(version, reason, actor)?;
        }
        match load(registry, version) {
            Ok(model) => {
                self.set_active(Some(Arc::new(model)));
                Ok(registry.history().last().cloned().unwrap_or(Switch {
                    at: crate::registry::now_rfc3339(),
                    from,
                    to: Some(version),
                    reason: reason.to_string(),
                    actor: actor.map(str::to_string),
                }))
            }
            Err(err) => {
                if let Some(previous) = from.filter(|&p| p != version) {
                    let why = format!("{version} cannot be decoded ({err}); back to {previous}");
                    if let Err(e) = registry.activate(previous, &why, Some("service")) {
                        tracing::error!(error = %e, "cannot switch back to {previous}");
                    }
                }
                Err(err)
            }
        }
    }

    /// Validates and stores one feedback record; returns its id once it is durable.
    pub fn add_feedback(&self, feedback: &NewFeedback) -> Result<i64, ServiceError> {
        let id = self.feedback_lock().insert(feedback)?;
        crate::telemetry::record_feedback(
            feedback.true_label,
            feedback.prediction.as_ref().map(|p| p.label),
        );
        Ok(id)
    }

    /// A page of feedback rows, newest first; `limit` is capped at [`MAX_FEEDBACK_PAGE`].
    pub fn feedback_page(&self, limit: u32, offset: u32) -> Result<FeedbackPage, ServiceError> {
        let limit = limit.min(MAX_FEEDBACK_PAGE);
        let store = self.feedback_lock();
        Ok(FeedbackPage {
            total: store.count()?,
            offset,
            limit,
            rows: store.list(limit, offset)?,
        })
    }

    /// Feedback totals, per serving version and true label.
    pub fn feedback_counts(&self) -> Result<FeedbackCounts, ServiceError> {
        let store = self.feedback_lock();
        Ok(FeedbackCounts {
            total: store.count()?,
            by_version_and_label: store.count_by_label_and_version()?,
        })
    }

    /// Every feedback row, oldest first (the rows a retrain adds to training).
    pub fn feedback_rows(&self) -> Result<Vec<FeedbackRow>, ServiceError> {
        Ok(self.feedback_lock().all_rows()?)
    }

    /// Writes all feedback as CSV; returns the number of rows.
    pub fn export_feedback_csv(&self, writer: impl Write) -> Result<u64, ServiceError> {
        Ok(self.feedback_lock().export_csv(writer)?)
    }
}
