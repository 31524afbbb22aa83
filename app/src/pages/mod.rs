//! One module per page of the dashboard.

pub mod batch;
pub mod monitoring;
pub mod predict;
