//! Reusable view pieces.

pub mod charts;
pub mod gauge;
pub mod table;
