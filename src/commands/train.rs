//! `potable train`: the pipeline from the raw CSV to a registered model version.

use crate::cli::TrainArgs;
use anyhow::Context;
use potable_core::artifact::{Artifact, FORMAT_VERSION};
use potable_core::dataset::read_csv_path;
use potable_core::params::Params;
use potable_core::registry::{now_rfc3339, Registry, VersionMeta};
use potable_core::train::{train, ProgressEvent};
use std::path::Path;
use std::time::Instant;

/// Trains, writes metrics.json and registers the model; activates it when nothing is active.
pub fn run(args: &TrainArgs, quiet: bool) -> anyhow::Result<()> {
    let started = Instant::now();
    let say = |line: String| {
        if !quiet {
            eprintln!("{line}");
        }
    };
    let paths = &args.paths;
    if args.if_missing && registry_has_versions(&paths.models_dir)? {
        say(format!(
            "a model is already registered in {}; nothing to do",
            paths.models_dir.display()
        ));
        return Ok(());
    }
    let params = Params::load(&paths.params)
        .with_context(|| format!("invalid parameters in {}", paths.params.display()))?;
    let dataset = read_csv_path(&paths.data)
        .with_context(|| format!("cannot read {}", paths.data.display()))?;
    let labels = dataset
        .labels
        .as_deref()
        .with_context(|| format!("{} has no Potability column", paths.data.display()))?;
    say(format!(
        "training {} on {} rows of {}",
        potable_core::models::model_name(params.train.model_type),
        dataset.len(),
        paths.data.display()
    ));
    let progress = |event: ProgressEvent| match event {
        ProgressEvent::StageFinished { stage, seconds } => {
            say(format!("  {:<15} {seconds:>7.2} s", stage.name()));
        }
        ProgressEvent::FoldFinished {
            done,
            folds,
            accuracy,
            ..
        } => say(format!(
            "  fold {done:>2}/{folds}      accuracy {accuracy:.3}"
        )),
        ProgressEvent::StageStarted { .. } => {}
    };
    let output = train(&dataset.rows, labels, &params, &progress)?;
    let metrics = output.metrics;

    let metrics_json = serde_json::to_vec_pretty(&metrics)?;
    let artifact = Artifact {
        format_version: FORMAT_VERSION,
        model: output.model,
        params: params.clone(),
        metrics: metrics.clone(),
        data_fingerprint: dataset.fingerprint(),
        train_rows: metrics.rows.train,
        feedback_rows: 0,
        created_at: now_rfc3339(),
        code_revision: code_revision(),
    };
    let bytes = artifact.to_bytes()?;
    write_atomically(Path::new(&params.evaluate.metrics_path), &metrics_json)?;

    let mut registry = Registry::open(&paths.models_dir)
        .with_context(|| format!("cannot open the registry {}", paths.models_dir.display()))?;
    let meta = VersionMeta {
        params: serde_json::to_value(&params)?,
        data_fingerprint: artifact.data_fingerprint.clone(),
        train_rows: artifact.train_rows as u64,
        feedback_rows: 0,
        metrics: serde_json::to_value(&metrics)?,
        created_at: artifact.created_at.clone(),
        code_revision: artifact.code_revision.clone(),
        notes: args.notes.clone(),
    };
    let version = registry.register(&bytes, meta)?;
    let activated = if registry.active().is_none() {
        registry.activate(version, "first trained version", Some("cli"))?;
        true
    } else {
        false
    };
    say(format!(
        "held-out test: accuracy {:.3}  ROC AUC {:.3}  F1 {:.3} | {}-fold CV accuracy {:.3} ± {:.3} | training accuracy {:.3} (overfit gap {:.3})",
        metrics.test.accuracy,
        metrics.test.roc_auc,
        metrics.test.f1,
        metrics.cv.folds,
        metrics.cv.accuracy.mean,
        metrics.cv.accuracy.std,
        metrics.train_accuracy,
        metrics.overfit_gap,
    ));
    say(format!(
        "registered {version}{} in {}; metrics in {}; total {:.2} s",
        if activated {
            " (active)"
        } else {
            " (candidate)"
        },
        paths.models_dir.display(),
        params.evaluate.metrics_path,
        started.elapsed().as_secs_f64()
    ));
    Ok(())
}

/// Whether the registry folder exists and holds at least one version (without creating it).
fn registry_has_versions(dir: &Path) -> anyhow::Result<bool> {
    if !dir.join("registry.json").exists() {
        return Ok(false);
    }
    Ok(!Registry::open(dir)?.versions().is_empty())
}

/// The git revision of the working tree, when git and a repository are available.
fn code_revision() -> Option<String> {
    let out = std::process::Command::new("git")
        .args(["rev-parse", "--short=12", "HEAD"])
        .output()
        .ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
        .filter(|s| !s.is_empty())
}

/// Writes `bytes` to a temporary file beside `path`, syncs it, then renames it into place.
fn write_atomically(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    use std::io::Write;
    let tmp = path.with_extension("tmp");
    let mut file =
        std::fs::File::create(&tmp).with_context(|| format!("cannot write {}", tmp.display()))?;
    file.write_all(bytes)?;
    file.sync_all()?;
    std::fs::rename(&tmp, path).with_context(|| format!("cannot write {}", path.display()))?;
    Ok(())
}
