//! Command-line interface: global flags and subcommands (every flag also reads an environment
//! variable, listed in `--help`).

use clap::{Args, Parser, Subcommand};
use std::net::IpAddr;
use std::path::PathBuf;

/// Potable: predicts whether drinking water is safe from nine lab measurements, and keeps the
/// model honest after deployment.
#[derive(Debug, Parser)]
#[command(name = "potable", version, about, long_about = None)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Command,
}

/// Flags accepted by every subcommand.
#[derive(Debug, Args)]
pub struct GlobalArgs {
    /// Print only warnings and errors.
    #[arg(long, short, global = true, env = "POTABLE_QUIET")]
    pub quiet: bool,
    /// Write logs as JSON lines.
    #[arg(long, global = true, env = "POTABLE_LOG_JSON")]
    pub log_json: bool,
}

/// Where the pipeline reads and writes.
#[derive(Debug, Clone, Args)]
pub struct PipelinePaths {
    /// The raw data set (CSV with the nine features and Potability).
    #[arg(
        long,
        env = "POTABLE_DATA",
        default_value = "Data-set/water_potability.csv"
    )]
    pub data: PathBuf,
    /// The pipeline parameters.
    #[arg(long, env = "POTABLE_PARAMS", default_value = "params.yaml")]
    pub params: PathBuf,
    /// The model registry folder.
    #[arg(long, env = "POTABLE_MODELS_DIR", default_value = "models")]
    pub models_dir: PathBuf,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Put the data set into place: copy it from a local folder or download it, and verify its
    /// SHA-256 checksums.
    FetchData(FetchDataArgs),
    /// Train a model on the data, evaluate it honestly, write metrics.json and register it as a
    /// new version (activated when no version is active yet).
    Train(TrainArgs),
    /// Serve the web dashboard and the REST API.
    Serve(ServeArgs),
}

/// Arguments of `potable fetch-data`.
#[derive(Debug, Args)]
pub struct FetchDataArgs {
    /// A folder that already holds the data files (used when it exists).
    #[arg(long, env = "POTABLE_DATA_SOURCE", default_value = "../shared/data")]
    pub from: PathBuf,
    /// Where the data files go.
    #[arg(long, default_value = "Data-set")]
    pub dest: PathBuf,
}

/// Arguments of `potable train`.
#[derive(Debug, Args)]
pub struct TrainArgs {
    #[command(flatten)]
    pub paths: PipelinePaths,
    /// Train only when the registry has no version yet.
    #[arg(long)]
    pub if_missing: bool,
    /// A note stored with the new version.
    #[arg(long, default_value = "trained from the command line")]
    pub notes: String,
}

/// Arguments of `potable serve`.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "POTABLE_HOST", default_value = "127.0.0.1")]
    pub host: IpAddr,
    /// Port to listen on (0 picks a free one; the chosen address is printed).
    #[arg(long, env = "POTABLE_PORT", default_value_t = 3000)]
    pub port: u16,
    /// The model registry folder.
    #[arg(long, env = "POTABLE_MODELS_DIR", default_value = "models")]
    pub models_dir: PathBuf,
    /// The built site (WASM, JS, CSS and public files).
    #[arg(long, env = "LEPTOS_SITE_ROOT", default_value = "target/site")]
    pub site_root: PathBuf,
}
