//! Observability: Prometheus metrics (`GET /metrics`), a request id and a trace span per request,
//! and readiness (`GET /ready`, separate from the liveness answer of `GET /health`).
//!
//! Metrics go through the `metrics` facade into one process-wide Prometheus recorder, so any
//! code in the binary counts into it: the prediction, feedback and retraining counters of
//! `potable_core::telemetry` as well as the request counters here.

use super::AppState;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::{Json, Router};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use serde::Serialize;
use std::sync::OnceLock;
use std::time::Instant;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::{DefaultOnResponse, TraceLayer};
use tracing::Level;

pub use potable_core::telemetry::{FEEDBACK, PREDICTIONS, RETRAIN_DURATION, RETRAIN_RUNS};

/// Requests served, by method, route and status.
pub const HTTP_REQUESTS: &str = "potable_http_requests_total";
/// Request latency in seconds, by method, route and status.
pub const HTTP_DURATION: &str = "potable_http_request_duration_seconds";
/// 1 when a model version is loaded and predictions can be served, else 0.
pub const MODEL_LOADED: &str = "potable_model_loaded";

/// Route label of requests no route matched (static files, 404s): keeps the label set small.
const UNMATCHED_ROUTE: &str = "unmatched";

static PROMETHEUS: OnceLock<PrometheusHandle> = OnceLock::new();

/// The process-wide Prometheus recorder, installed on first use.
///
/// # Panics
/// When another global `metrics` recorder was installed first (nothing in this binary does).
pub fn prometheus() -> &'static PrometheusHandle {
    PROMETHEUS.get_or_init(|| {
        let handle = PrometheusBuilder::new()
            .set_buckets_for_metric(
                Matcher::Full(HTTP_DURATION.to_string()),
                &[
                    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0,
                    10.0,
                ],
            )
            .and_then(|b| {
                b.set_buckets_for_metric(
                    Matcher::Full(RETRAIN_DURATION.to_string()),
                    &[1.0, 5.0, 15.0, 30.0, 60.0, 120.0, 300.0, 600.0, 1800.0],
                )
            })
            .expect("bucket lists are not empty")
            .install_recorder()
            .expect("no other metrics recorder is installed");
        describe();
        handle
    })
}

fn describe() {
    use metrics::{describe_counter, describe_gauge, describe_histogram, Unit};
    describe_counter!(
        HTTP_REQUESTS,
        "HTTP requests served, by method, route and status."
    );
    describe_histogram!(
        HTTP_DURATION,
        Unit::Seconds,
        "HTTP request latency, by method, route and status."
    );
    describe_counter!(
        PREDICTIONS,
        "Predictions, by predicted class and model version."
    );
    describe_counter!(RETRAIN_RUNS, "Retraining runs, by outcome.");
    describe_histogram!(
        RETRAIN_DURATION,
        Unit::Seconds,
        "Retraining duration, by outcome."
    );
    describe_counter!(
        FEEDBACK,
        "Feedback records stored, by true label and whether the served prediction was right."
    );
    describe_gauge!(MODEL_LOADED, "1 when a model version is loaded, else 0.");
}

/// `GET /metrics`: every metric in the Prometheus text format.
#[utoipa::path(get, path = "/metrics", tag = "serving",
    responses((status = 200, description = "Prometheus text format", content_type = "text/plain")))]
pub async fn metrics(State(state): State<AppState>) -> impl IntoResponse {
    let handle = prometheus();
    let loaded = state.service.active_version().is_some();
    metrics::gauge!(MODEL_LOADED).set(if loaded { 1.0 } else { 0.0 });
    (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
        )],
        handle.render(),
    )
}

/// Body of `GET /ready`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Readiness {
    /// "ready" or "not_ready".
    pub status: &'static str,
    /// The version serving predictions, if any.
    pub model_version: Option<String>,
    /// Why the server is not ready (absent when ready).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<&'static str>,
}

/// `GET /ready`: 200 when a model is loaded and predictions can be served, 503 otherwise (a load
/// balancer or deploy script waits for this; `/health` only says the process answers).
#[utoipa::path(get, path = "/ready", tag = "serving",
    responses((status = 200, description = "A model is loaded", body = Readiness),
        (status = 503, description = "No model is loaded yet", body = Readiness)))]
pub async fn ready(State(state): State<AppState>) -> (StatusCode, Json<Readiness>) {
    match state.service.active_version() {
        Some(version) => (
            StatusCode::OK,
            Json(Readiness {
                status: "ready",
                model_version: Some(version),
                message: None,
            }),
        ),
        None => (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(Readiness {
                status: "not_ready",
                model_version: None,
                message: Some("no model version is loaded; train one with `potable train`"),
            }),
        ),
    }
}

/// Middleware: counts every request and records its latency by method, route and status.
pub async fn track(request: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = request.method().as_str().to_owned();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| UNMATCHED_ROUTE.to_owned(), |p| p.as_str().to_owned());
    let response = next.run(request).await;
    let status = response.status().as_u16().to_string();
    let labels = [("method", method), ("route", route), ("status", status)];
    metrics::counter!(HTTP_REQUESTS, &labels).increment(1);
    metrics::histogram!(HTTP_DURATION, &labels).record(started.elapsed().as_secs_f64());
    response
}

/// Wraps every route of `router`: an `x-request-id` per request (kept when the client sent one,
/// returned on the response), a `tracing` span per request carrying it, and [`track`].
pub fn instrument(router: Router) -> Router {
    prometheus();
    let trace = TraceLayer::new_for_http()
        .make_span_with(|request: &Request| {
            let request_id = request
                .headers()
                .get("x-request-id")
                .and_then(|v| v.to_str().ok())
                .unwrap_or("");
            let route = request
                .extensions()
                .get::<MatchedPath>()
                .map_or(UNMATCHED_ROUTE, MatchedPath::as_str);
            tracing::info_span!(
                "request",
                request_id,
                method = %request.method(),
                uri = %request.uri(),
                route,
            )
        })
        .on_response(DefaultOnResponse::new().level(Level::INFO));
    router
        .layer(axum::middleware::from_fn(track))
        .layer(PropagateRequestIdLayer::x_request_id())
        .layer(trace)
        .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
}
