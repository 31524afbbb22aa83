//! One module per subcommand; `run` dispatches.

pub mod cv;
pub mod evaluate;
pub mod feedback;
pub mod fetch_data;
pub mod healthcheck;
pub mod models;
pub mod pipeline;
pub mod predict;
pub mod preprocess;
pub mod retrain;
pub mod serve;
pub mod stage;
pub mod train;
pub mod validate;

use crate::cli::{Cli, Command};

/// Runs the chosen subcommand.
pub fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::FetchData(args) => fetch_data::run(&args),
        Command::Train(args) => train::run(&args, cli.global.quiet),
        Command::Serve(args) => serve::run(args),
        Command::Models(command) => models::run(command),
        Command::Feedback(command) => feedback::run(command),
        Command::Retrain(args) => retrain::run(&args, cli.global.quiet),
        Command::Healthcheck(args) => healthcheck::run(&args),
        Command::Validate(args) => validate::run(&args, cli.global.quiet),
        Command::Preprocess(args) => preprocess::run(&args, cli.global.quiet),
        Command::Evaluate(args) => evaluate::run(&args, cli.global.quiet),
        Command::Predict(args) => predict::run(&args, cli.global.quiet),
        Command::Pipeline(args) => pipeline::run(&args, cli.global.quiet),
        Command::Cv(args) => cv::run(&args, cli.global.quiet),
    }
}
