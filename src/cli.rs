//! Command-line interface: global flags and subcommands (every flag also reads an environment
//! variable, listed in `--help`).

use clap::{Args, CommandFactory, FromArgMatches, Parser, Subcommand};
use std::collections::BTreeMap;
use std::net::IpAddr;
use std::path::PathBuf;
use std::str::FromStr;

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

impl Cli {
    /// Parses the process arguments (exiting with clap's message when they are wrong); the
    /// top-level `--help` ends with every environment variable a command reads.
    pub fn parse_with_env_help() -> Cli {
        let command = Cli::command();
        let listing = environment_help(&command);
        let matches = command.after_help(listing).get_matches();
        Cli::from_arg_matches(&matches).unwrap_or_else(|e| e.exit())
    }
}

/// "Environment variables:" and one line per variable of `command` and its subcommands: the
/// flag it stands for and the default, taken from the argument definitions themselves.
fn environment_help(command: &clap::Command) -> String {
    fn collect(command: &clap::Command, into: &mut BTreeMap<String, String>) {
        for arg in command.get_arguments() {
            let (Some(env), Some(long)) = (arg.get_env(), arg.get_long()) else {
                continue;
            };
            let defaults: Vec<String> = arg
                .get_default_values()
                .iter()
                .map(|v| v.to_string_lossy().into_owned())
                .collect();
            let default = if defaults.is_empty() {
                String::new()
            } else {
                format!(" [default: {}]", defaults.join(","))
            };
            into.entry(env.to_string_lossy().into_owned())
                .or_insert(format!("--{long}{default}"));
        }
        for sub in command.get_subcommands() {
            collect(sub, into);
        }
    }
    let mut vars = BTreeMap::new();
    collect(command, &mut vars);
    let width = vars.keys().map(String::len).max().unwrap_or(0);
    let mut text = String::from("Environment variables (each sets the flag named beside it):\n");
    for (name, flag) in vars {
        text.push_str(&format!("  {name:<width$}  {flag}\n"));
    }
    text
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
    #[command(flatten)]
    pub dir: ModelsDirArg,
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
    /// List, inspect, switch, promote or delete registered model versions.
    #[command(subcommand)]
    Models(ModelsCommand),
    /// List or export the feedback stored in the registry folder.
    #[command(subcommand)]
    Feedback(FeedbackCommand),
    /// Retrain now on the training part plus all feedback, register a new version and activate
    /// it only if the promotion gate allows.
    Retrain(RetrainArgs),
    /// Probe a running server: exit 0 when GET /health answers 200 (the container HEALTHCHECK;
    /// the image has no curl).
    Healthcheck(HealthcheckArgs),
    /// Pipeline stage 1: check the raw CSV against the data expectations, print a per-column
    /// report and write it as JSON (exit code 1 when an expectation breaks).
    Validate(ValidateArgs),
    /// Pipeline stage 2: stratified train/test split and the transforms fitted on the training
    /// part only, written as one JSON stage output.
    Preprocess(PreprocessArgs),
    /// Pipeline stage 4: evaluate a model on the held-out part and write metrics.json.
    Evaluate(EvaluateArgs),
    /// Pipeline stage 5: predict a CSV of samples with a model and write predictions.csv.
    Predict(PredictArgs),
    /// Run every stage in order (validate, preprocess, train, evaluate, predict) with timing.
    Pipeline(PipelineArgs),
    /// Stratified k-fold cross-validation of params.yaml on the whole data set (benchmarks);
    /// can export the fold indices for other tools.
    Cv(CvArgs),
}

/// Arguments of `potable validate`.
#[derive(Debug, Args)]
pub struct ValidateArgs {
    /// The raw data set to check.
    #[arg(
        long,
        env = "POTABLE_DATA",
        default_value = "Data-set/water_potability.csv"
    )]
    pub data: PathBuf,
    /// Where the JSON report goes (written even when validation fails).
    #[arg(long, default_value = "validation.json")]
    pub out: PathBuf,
}

/// Arguments of `potable preprocess`.
#[derive(Debug, Args)]
pub struct PreprocessArgs {
    #[command(flatten)]
    pub paths: PipelinePaths,
    /// Where the stage output (split indices + fitted transforms) goes.
    #[arg(long, default_value = "artifacts/preprocessed.json")]
    pub out: PathBuf,
}

/// Which model a stage uses: a model file, or the active version of a registry.
#[derive(Debug, Clone, Args)]
pub struct ModelSource {
    /// A model artifact file (`model.bin`); overrides --models-dir.
    #[arg(long)]
    pub model: Option<PathBuf>,
    /// The registry whose active version is used when --model is not given.
    #[arg(long, env = "POTABLE_MODELS_DIR", default_value = "models")]
    pub models_dir: PathBuf,
}

/// Arguments of `potable evaluate`.
#[derive(Debug, Args)]
pub struct EvaluateArgs {
    /// The raw labelled data set (the held-out part is taken from it).
    #[arg(
        long,
        env = "POTABLE_DATA",
        default_value = "Data-set/water_potability.csv"
    )]
    pub data: PathBuf,
    #[command(flatten)]
    pub model: ModelSource,
    /// The preprocess stage output to check the model against (same data, split and
    /// transforms); skipped when not given.
    #[arg(long)]
    pub preprocessed: Option<PathBuf>,
    /// Where metrics go (default: the model's `evaluate.metrics_path`).
    #[arg(long)]
    pub out: Option<PathBuf>,
}

/// Arguments of `potable predict`.
#[derive(Debug, Args)]
pub struct PredictArgs {
    /// The samples to predict (the nine feature columns, no label).
    #[arg(long, default_value = "Data-set/test_dataset.csv")]
    pub input: PathBuf,
    #[command(flatten)]
    pub model: ModelSource,
    /// Where the predictions go.
    #[arg(long, default_value = "predictions.csv")]
    pub out: PathBuf,
}

/// Arguments of `potable pipeline`.
#[derive(Debug, Args)]
pub struct PipelineArgs {
    #[command(flatten)]
    pub paths: PipelinePaths,
    /// The samples the predict stage predicts.
    #[arg(long, default_value = "Data-set/test_dataset.csv")]
    pub predict_input: PathBuf,
}

/// Arguments of `potable cv`.
#[derive(Debug, Args)]
pub struct CvArgs {
    /// The labelled data set.
    #[arg(
        long,
        env = "POTABLE_DATA",
        default_value = "Data-set/water_potability.csv"
    )]
    pub data: PathBuf,
    /// The pipeline parameters (`evaluate.cv_folds` folds seeded by `preprocess.random_state`).
    #[arg(long, env = "POTABLE_PARAMS", default_value = "params.yaml")]
    pub params: PathBuf,
    /// Also write the fold indices (0-based row numbers) and the held-out split as JSON here.
    #[arg(long)]
    pub folds_out: Option<PathBuf>,
    /// Print the result as one JSON object on stdout instead of a sentence.
    #[arg(long)]
    pub json: bool,
}

/// Arguments of `potable fetch-data`.
#[derive(Debug, Args)]
pub struct FetchDataArgs {
    /// A folder that holds the data files; given explicitly it must hold them (no download).
    /// Without it, ../shared/data is used when it exists, else the public source.
    #[arg(long, env = "POTABLE_DATA_SOURCE")]
    pub from: Option<PathBuf>,
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

/// The promotion gate of retrained versions.
#[derive(Debug, Clone, Args)]
pub struct PromotionArgs {
    /// Metric compared on the fixed evaluation set: roc_auc, accuracy, f1, precision, recall,
    /// log_loss or brier.
    #[arg(long, env = "POTABLE_PROMOTION_METRIC", default_value = "roc_auc",
          value_parser = potable_core::retrain::PromotionMetric::from_str)]
    pub promotion_metric: potable_core::retrain::PromotionMetric,
    /// How much worse than the active version's metric a retrained version may be and still
    /// become active (>= 0).
    #[arg(long, env = "POTABLE_PROMOTION_TOLERANCE", default_value_t = 0.0,
          value_parser = non_negative)]
    pub promotion_tolerance: f64,
}

/// The registry folder, for the registry and feedback commands.
#[derive(Debug, Clone, Args)]
pub struct ModelsDirArg {
    /// The model registry folder.
    #[arg(long, env = "POTABLE_MODELS_DIR", default_value = "models")]
    pub models_dir: PathBuf,
}

/// `potable models ...`.
#[derive(Debug, Subcommand)]
pub enum ModelsCommand {
    /// One line per version: name, status, held-out metrics, feedback rows, notes.
    List(ModelsDirArg),
    /// Every detail of one version as JSON.
    Show(VersionArgs),
    /// Make a version the active one (recorded in the history).
    Switch(SwitchArgs),
    /// Delete a version that is not active (its number is never reused).
    Delete(VersionArgs),
    /// Activate a candidate version.
    Promote(VersionArgs),
}

/// A version name and the registry folder.
#[derive(Debug, Args)]
pub struct VersionArgs {
    /// Version name, e.g. V3.
    pub version: String,
    #[command(flatten)]
    pub dir: ModelsDirArg,
}

/// Arguments of `potable models switch`.
#[derive(Debug, Args)]
pub struct SwitchArgs {
    /// Version name, e.g. V3.
    pub version: String,
    /// Why (recorded in the history).
    #[arg(long, default_value = "switched from the command line")]
    pub reason: String,
    #[command(flatten)]
    pub dir: ModelsDirArg,
}

/// `potable feedback ...`.
#[derive(Debug, Subcommand)]
pub enum FeedbackCommand {
    /// The newest feedback rows.
    List(FeedbackListArgs),
    /// Every feedback row as CSV (stdout, or --output).
    Export(FeedbackExportArgs),
}

/// Arguments of `potable feedback list`.
#[derive(Debug, Args)]
pub struct FeedbackListArgs {
    /// Rows to show (at most 500).
    #[arg(long, default_value_t = 20)]
    pub limit: u32,
    /// Newest rows to skip.
    #[arg(long, default_value_t = 0)]
    pub offset: u32,
    #[command(flatten)]
    pub dir: ModelsDirArg,
}

/// Arguments of `potable feedback export`.
#[derive(Debug, Args)]
pub struct FeedbackExportArgs {
    /// The CSV file to write (stdout when absent).
    #[arg(long, short)]
    pub output: Option<PathBuf>,
    #[command(flatten)]
    pub dir: ModelsDirArg,
}

/// Arguments of `potable retrain`.
#[derive(Debug, Args)]
pub struct RetrainArgs {
    #[command(flatten)]
    pub paths: PipelinePaths,
    #[command(flatten)]
    pub promotion: PromotionArgs,
    /// A note stored with the new version.
    #[arg(long, default_value = "retrained from the command line")]
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
    #[command(flatten)]
    pub dir: ModelsDirArg,
    /// The built site (WASM, JS, CSS and public files).
    #[arg(long, env = "LEPTOS_SITE_ROOT", default_value = "target/site")]
    pub site_root: PathBuf,
    /// When no model version is registered, train one from --data before serving (the
    /// container's first start); without the data file, serve with /ready answering 503.
    #[arg(long, env = "POTABLE_TRAIN_IF_MISSING")]
    pub train_if_missing: bool,
    /// The raw data set used by --train-if-missing; its training part is also the reference
    /// the monitoring page measures input drift against.
    #[arg(
        long,
        env = "POTABLE_DATA",
        default_value = "Data-set/water_potability.csv"
    )]
    pub data: PathBuf,
    /// The pipeline parameters used by --train-if-missing.
    #[arg(long, env = "POTABLE_PARAMS", default_value = "params.yaml")]
    pub params: PathBuf,
    #[command(flatten)]
    pub promotion: PromotionArgs,
    /// Token that changing REST operations (retrain, switch, promote, delete) require as
    /// `Authorization: Bearer <token>`; unset = open (bind to 127.0.0.1 only).
    #[arg(long, env = "POTABLE_ADMIN_TOKEN", hide_env_values = true)]
    pub admin_token: Option<String>,
}

/// Arguments of `potable healthcheck`.
#[derive(Debug, Args)]
pub struct HealthcheckArgs {
    /// Address of the server to probe.
    #[arg(long, default_value = "127.0.0.1")]
    pub host: IpAddr,
    /// Port of the server to probe.
    #[arg(long, env = "POTABLE_PORT", default_value_t = 3000)]
    pub port: u16,
    /// Path to request (`/ready` also requires a loaded model).
    #[arg(long, default_value = "/health")]
    pub path: String,
    /// Seconds to wait for the answer.
    #[arg(long, default_value_t = 3)]
    pub timeout_secs: u64,
}

/// A finite number >= 0 (clap value parser: a bad value exits 2 with the usage).
fn non_negative(text: &str) -> Result<f64, String> {
    match text.trim().parse::<f64>() {
        Ok(v) if v.is_finite() && v >= 0.0 => Ok(v),
        _ => Err(format!("{text:?} is not a finite number >= 0")),
    }
}
