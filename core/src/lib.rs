//! Potable core: data, features, models, evaluation, registry and feedback store.
//!
//! This crate has no web dependencies; the `potable` binary and the Leptos app build on it.
pub mod artifact;
pub mod batch;
pub mod datafiles;
pub mod dataset;
pub mod evaluate;
pub mod feedback;
pub mod metrics;
pub mod model;
pub mod models;
pub mod monitoring;
pub mod os;
pub mod params;
pub mod preprocess;
pub mod registry;
pub mod retrain;
pub mod sample;
pub mod schema;
pub mod service;
pub mod split;
pub mod telemetry;
pub mod train;
pub mod validate;
