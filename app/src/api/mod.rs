//! `#[server]` functions and the types they exchange with the browser.
//!
//! Each server function has a stable endpoint under `/api/` so it can be tested and called
//! without the WASM front end.

pub mod batch;
pub mod feedback;
pub mod models;
pub mod monitoring;
pub mod predict;

#[cfg(feature = "ssr")]
pub mod context;
