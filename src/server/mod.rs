//! The axum server: REST API, server functions and the server-rendered Leptos app.

pub mod api;
pub mod auth;
pub mod batch_api;
pub mod docs;
pub mod error;
pub mod fallback;
pub mod feedback_api;
pub mod limits;
pub mod models_api;
pub mod observability;
pub mod origin;
pub mod retrain_api;
pub mod server_fns;

use app::{shell, App};
use axum::extract::DefaultBodyLimit;
use axum::routing::{delete, get, post};
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
    /// The admin token changing operations need, when configured.
    pub admin: auth::AdminToken,
}

impl axum::extract::FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos_options.clone()
    }
}

/// Registry, feedback and retraining endpoints (issue 4).
fn registry_routes() -> Router<AppState> {
    let limit = DefaultBodyLimit::max(models_api::BODY_LIMIT);
    Router::new()
        .route("/models/versions", get(models_api::versions))
        .route("/models/current", get(models_api::current))
        .route("/models/history", get(models_api::history))
        .route("/models/switch", post(models_api::switch))
        .route(
            "/models/{version}",
            get(models_api::show).merge(delete(models_api::delete)),
        )
        .route("/models/{version}/promote", post(models_api::promote))
        .route(
            "/feedback",
            post(feedback_api::create).get(feedback_api::list),
        )
        .route("/retrain", post(retrain_api::retrain))
        .route("/retrain/status", get(retrain_api::status))
        .layer(limit)
}

/// Builds the whole application router (used by `potable serve` and by tests).
pub fn router(state: AppState) -> Router {
    let routes = generate_route_list(App);
    let service = state.service.clone();
    let admin = state.admin.clone();
    let admin_check =
        app::api::context::AdminCheck::new(admin.is_set(), move |token| admin.matches(token));
    let provide = move || {
        provide_context(service.clone());
        provide_context(admin_check.clone());
    };
    let api = Router::new()
        .route("/health", get(api::health))
        .route(
            "/predict",
            post(api::predict).layer(DefaultBodyLimit::max(api::PREDICT_BODY_LIMIT)),
        )
        .route(
            "/predict/batch",
            post(batch_api::predict_batch)
                .layer(DefaultBodyLimit::max(potable_core::batch::MAX_BATCH_BYTES)),
        )
        .route("/ready", get(observability::ready))
        .route("/metrics", get(observability::metrics))
        .route("/docs", get(docs::page))
        .route("/docs/openapi.json", get(docs::openapi_json))
        .merge(registry_routes());
    let app = api
        .leptos_routes_with_context(&state, routes, provide, {
            let options = state.leptos_options.clone();
            move || shell(options.clone())
        })
        .method_not_allowed_fallback(fallback::method_not_allowed)
        .fallback(fallback::not_found)
        .with_state(state)
        .layer(axum::middleware::from_fn(
            server_fns::status_from_error_body,
        ))
        .layer(axum::middleware::from_fn(origin::same_origin_only));
    observability::instrument(limits::apply(app))
}
