//! Server-side access to the running model service (provided by the `potable` binary as context).

use axum::http::StatusCode;
use leptos::prelude::*;
use potable_core::service::{Service, ServiceError};
use std::sync::Arc;

/// The shared model service, or a server error when the binary did not provide one.
pub(crate) fn service() -> Result<Arc<Service>, ServerFnError> {
    use_context::<Arc<Service>>()
        .ok_or_else(|| ServerFnError::new("the model service is not available"))
}

/// The admin-token check of changing server functions, provided by the `potable` binary so the
/// dashboard uses the same constant-time comparison as the JSON API.
#[derive(Clone)]
pub struct AdminCheck {
    required: bool,
    matches: Arc<dyn Fn(&str) -> bool + Send + Sync>,
}

impl AdminCheck {
    /// A check; `matches` is only called when `required`.
    pub fn new(required: bool, matches: impl Fn(&str) -> bool + Send + Sync + 'static) -> Self {
        Self {
            required,
            matches: Arc::new(matches),
        }
    }

    /// Whether a token is configured.
    pub fn required(&self) -> bool {
        self.required
    }

    /// Checks the token typed on the page; returns the actor name to record.
    pub fn authorize(&self, token: &str) -> Result<&'static str, ServerFnError> {
        if !self.required {
            return Ok("dashboard");
        }
        if token.trim().is_empty() {
            return Err(unauthorized("token: this operation needs the admin token"));
        }
        if (self.matches)(token.trim()) {
            Ok("admin")
        } else {
            Err(unauthorized("token: the admin token is wrong"))
        }
    }
}

/// A refusal for a missing or wrong token, answered with HTTP 401 as the JSON API does.
fn unauthorized(message: &str) -> ServerFnError {
    refuse(StatusCode::UNAUTHORIZED, message)
}

/// An error answered with `status` (a server function's error is a 500 unless the status is
/// set), e.g. 422 for input that breaks a rule, named as `field: rule`.
pub(crate) fn refuse(status: StatusCode, message: impl Into<String>) -> ServerFnError {
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(status);
    }
    ServerFnError::new(message.into())
}

/// A refusal of the model service with the status the JSON API gives the same refusal: 404 for
/// an unknown version, 422 for a malformed name, 409 for a conflict with the registry's state,
/// 503 when there is no model or no training data; other failures stay 500.
pub(crate) fn service_error(e: ServiceError) -> ServerFnError {
    use potable_core::registry::RegistryError;
    let status = match &e {
        ServiceError::Registry(RegistryError::UnknownVersion(_)) => StatusCode::NOT_FOUND,
        ServiceError::Registry(RegistryError::InvalidName(_)) => StatusCode::UNPROCESSABLE_ENTITY,
        ServiceError::Registry(
            RegistryError::Unavailable { .. }
            | RegistryError::DeleteActive(_)
            | RegistryError::AlreadyActive(_),
        )
        | ServiceError::Artifact { .. }
        | ServiceError::RetrainRunning { .. }
        | ServiceError::NoRollbackTarget => StatusCode::CONFLICT,
        ServiceError::NoModel | ServiceError::TrainingUnavailable => {
            StatusCode::SERVICE_UNAVAILABLE
        }
        _ => StatusCode::INTERNAL_SERVER_ERROR,
    };
    refuse(status, e.to_string())
}

/// The admin check; without one provided, changing operations are open.
pub(crate) fn admin() -> Result<AdminCheck, ServerFnError> {
    Ok(use_context::<AdminCheck>().unwrap_or_else(|| AdminCheck::new(false, |_| false)))
}
