//! Reusable view pieces.

pub mod gauge;
