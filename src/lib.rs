//! The `potable` binary's library half: CLI definitions, commands and the axum server, kept in a
//! library so integration tests can build the router and call commands directly.

pub mod cli;
pub mod commands;
pub mod logging;
pub mod server;
