//! The axum server: REST API, server functions and the server-rendered Leptos app.

pub mod api;
pub mod error;

use app::{shell, App};
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};
use axum::Router;
use leptos::prelude::*;
use leptos_axum::{generate_route_list, LeptosRoutes};
use potable_core::service::Service;
use std::sync::Arc;

/// State shared by every handler.
#[derive(Clone)]
pub struct AppState {
    /// The Leptos site options (site root, output name).
    pub leptos_options: LeptosOptions,
    /// The model service: active model, registry, feedback.
    pub service: Arc<Service>,
}

impl axum::extract::FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos_options.clone()
    }
}

/// Builds the whole application router (used by `potable serve` and by tests).
pub fn router(state: AppState) -> Router {
    let routes = generate_route_list(App);
    let service = state.service.clone();
    let provide = move || provide_context(service.clone());
    let api = Router::new().route("/health", get(api::health)).route(
        "/predict",
        post(api::predict).layer(DefaultBodyLimit::max(api::PREDICT_BODY_LIMIT)),
    );
    api.leptos_routes_with_context(&state, routes, provide, {
        let options = state.leptos_options.clone();
        move || shell(options.clone())
    })
    .fallback(leptos_axum::file_and_error_handler::<AppState, _>(shell))
    .with_state(state)
}
