//! `potable train`: the pipeline from the raw CSV to a registered model version.

use crate::cli::TrainArgs;
use anyhow::Context;
use potable_core::feedback::{FeedbackRow, FeedbackStore, FEEDBACK_DB_FILE};
use potable_core::registry::Registry;
use potable_core::retrain::{register_run, train_run, Activation, TrainingSources};
use potable_core::train::ProgressEvent;
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
    if args.if_missing && registry_has_versions(&paths.dir.models_dir)? {
        say(format!(
            "a model is already registered in {}; nothing to do",
            paths.dir.models_dir.display()
        ));
        return Ok(());
    }
    let sources = TrainingSources {
        data: paths.data.clone(),
        params: paths.params.clone(),
    };
    let feedback = read_feedback(&paths.dir.models_dir)?;
    say(format!(
        "training on {} with {} feedback rows from {}",
        paths.data.display(),
        feedback.len(),
        paths.dir.models_dir.display()
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
    let run = train_run(&sources, &feedback, &args.notes, &progress)?;
    let metrics = run.metrics.clone();
    let metrics_path = run.params.evaluate.metrics_path.clone();
    write_atomically(
        Path::new(&metrics_path),
        &serde_json::to_vec_pretty(&metrics)?,
    )?;

    let mut registry = Registry::open(&paths.dir.models_dir).with_context(|| {
        format!(
            "cannot open the registry {}",
            paths.dir.models_dir.display()
        )
    })?;
    let outcome = register_run(&mut registry, run, Activation::IfNoneActive, Some("cli"))?;
    let (version, activated) = (outcome.version, outcome.promoted);
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
        paths.dir.models_dir.display(),
        metrics_path,
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

/// Every feedback row stored in `models_dir`, oldest first (none when there is no database).
pub fn read_feedback(models_dir: &Path) -> anyhow::Result<Vec<FeedbackRow>> {
    let path = models_dir.join(FEEDBACK_DB_FILE);
    if !path.exists() {
        return Ok(Vec::new());
    }
    let store = FeedbackStore::open(&path)
        .with_context(|| format!("cannot open the feedback database {}", path.display()))?;
    Ok(store.all_rows()?)
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
