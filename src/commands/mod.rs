//! One module per subcommand; `run` dispatches.

pub mod fetch_data;
pub mod serve;
pub mod train;

use crate::cli::{Cli, Command};

/// Runs the chosen subcommand.
pub fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::FetchData(args) => fetch_data::run(&args),
        Command::Train(args) => train::run(&args, cli.global.quiet),
        Command::Serve(args) => serve::run(args),
    }
}
