//! `potable pipeline`: every stage in order — validate, preprocess, train, evaluate, predict —
//! with the wall time of each. The train stage runs `potable train` itself (as a child process
//! of the same binary), then evaluate and predict use the version it just registered.

use super::stage::{Say, StageModel};
use super::{evaluate, predict, preprocess, validate};
use crate::cli::{PipelineArgs, PreprocessArgs, ValidateArgs};
use anyhow::Context;
use potable_core::artifact::Artifact;
use potable_core::registry::Registry;
use std::path::{Path, PathBuf};
use std::time::Instant;

/// Stage outputs of `potable pipeline` (the same paths as in `dvc.yaml`).
const VALIDATION: &str = "validation.json";
const PREPROCESSED: &str = "artifacts/preprocessed.json";
const PREDICTIONS: &str = "predictions.csv";

/// Runs the five stages; stops at the first failing one, naming it.
pub fn run(args: &PipelineArgs, quiet: bool) -> anyhow::Result<()> {
    let say = Say { quiet };
    let started = Instant::now();
    let paths = &args.paths;
    let mut times: Vec<(&str, f64)> = Vec::new();
    let mut stage = |name: &'static str, f: &mut dyn FnMut() -> anyhow::Result<()>| {
        say.line(format!("==> {name}"));
        let t = Instant::now();
        f().with_context(|| format!("stage {name} failed"))?;
        let seconds = t.elapsed().as_secs_f64();
        say.line(format!("    {name} done in {seconds:.2} s"));
        times.push((name, seconds));
        anyhow::Ok(())
    };
    stage("validate", &mut || {
        validate::run(
            &ValidateArgs {
                data: paths.data.clone(),
                out: PathBuf::from(VALIDATION),
            },
            true,
        )
    })?;
    stage("preprocess", &mut || {
        preprocess::run(
            &PreprocessArgs {
                paths: paths.clone(),
                out: PathBuf::from(PREPROCESSED),
            },
            quiet,
        )
    })?;
    let mut trained: Option<StageModel> = None;
    stage("train", &mut || {
        trained = Some(train_child(paths, quiet)?);
        Ok(())
    })?;
    let model = trained.context("the train stage registered no model")?;
    stage("evaluate", &mut || {
        evaluate::evaluate(
            &model,
            &paths.data,
            Some(Path::new(PREPROCESSED)),
            None,
            say,
        )
    })?;
    stage("predict", &mut || {
        predict::predict(&model, &args.predict_input, Path::new(PREDICTIONS), say)
    })?;
    say.line("stage timing:");
    for (name, seconds) in &times {
        say.line(format!("  {name:<11} {seconds:>8.2} s"));
    }
    say.line(format!(
        "  {:<11} {:>8.2} s",
        "total",
        started.elapsed().as_secs_f64()
    ));
    Ok(())
}

/// Runs `potable train` with the same paths and returns the version it registered.
fn train_child(paths: &crate::cli::PipelinePaths, quiet: bool) -> anyhow::Result<StageModel> {
    let exe = std::env::current_exe().context("cannot find the potable binary")?;
    let mut cmd = std::process::Command::new(exe);
    if quiet {
        cmd.arg("--quiet");
    }
    cmd.arg("train")
        .arg("--data")
        .arg(&paths.data)
        .arg("--params")
        .arg(&paths.params)
        .arg("--models-dir")
        .arg(&paths.dir.models_dir)
        .args(["--notes", "trained by potable pipeline"]);
    let status = cmd.status().context("cannot run potable train")?;
    anyhow::ensure!(status.success(), "potable train exited with {status}");
    let registry = Registry::open(&paths.dir.models_dir)?;
    let version = registry
        .versions()
        .iter()
        .map(|v| v.name)
        .max()
        .context("the registry is empty after training")?;
    let artifact = Artifact::from_bytes(&registry.load_artifact_bytes(version)?)?;
    Ok(StageModel {
        artifact,
        version: version.to_string(),
    })
}
