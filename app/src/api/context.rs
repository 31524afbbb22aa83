//! Server-side access to the running model service (provided by the `potable` binary as context).

use leptos::prelude::*;
use potable_core::service::Service;
use std::sync::Arc;

/// The shared model service, or a server error when the binary did not provide one.
pub(crate) fn service() -> Result<Arc<Service>, ServerFnError> {
    use_context::<Arc<Service>>()
        .ok_or_else(|| ServerFnError::new("the model service is not available"))
}
