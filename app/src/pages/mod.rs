//! One module per page of the dashboard.

pub mod batch;
pub mod feedback;
pub mod models;
pub mod monitoring;
pub mod predict;
