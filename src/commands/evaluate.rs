//! `potable evaluate`: the fourth pipeline stage. Scores a model on the held-out part of the
//! data it was trained on (the same stratified split, recomputed from the model's own params)
//! and writes `metrics.json`: the held-out metrics recomputed here, plus the model's
//! cross-validation, training accuracy and feature importances recorded at training time.
//!
//! With `--preprocessed`, the model is first checked against the preprocess stage output: same
//! data fingerprint, same held-out rows, same fitted transforms; any difference is an error.

use super::preprocess::Preprocessed;
use super::stage::{load_model, write_atomically, Say, StageModel};
use crate::cli::EvaluateArgs;
use anyhow::Context;
use potable_core::dataset::read_csv_path;
use potable_core::evaluate::Metrics;
use potable_core::metrics::ClassificationMetrics;
use potable_core::split::{select, stratified_split};
use potable_core::train::THRESHOLD;
use std::path::{Path, PathBuf};

/// Loads the model, evaluates it and writes the metrics.
pub fn run(args: &EvaluateArgs, quiet: bool) -> anyhow::Result<()> {
    let model = load_model(&args.model)?;
    evaluate(
        &model,
        &args.data,
        args.preprocessed.as_deref(),
        args.out.as_deref(),
        Say { quiet },
    )
}

/// Evaluates `model` on the held-out part of `data` and writes the metrics to `out` (default:
/// the model's `evaluate.metrics_path`).
pub fn evaluate(
    model: &StageModel,
    data: &Path,
    preprocessed: Option<&Path>,
    out: Option<&Path>,
    say: Say,
) -> anyhow::Result<()> {
    let artifact = &model.artifact;
    let params = &artifact.params.preprocess;
    let dataset = read_csv_path(data).with_context(|| format!("cannot read {}", data.display()))?;
    let labels = dataset
        .labels
        .as_deref()
        .with_context(|| format!("{} has no Potability column", data.display()))?;
    // A retrained model was fitted on the training part plus feedback rows, so its held-out
    // part is recognised by the data file it was split from, not by its fitted rows.
    anyhow::ensure!(
        dataset.fingerprint() == artifact.dataset_fingerprint,
        "model {} was not split from {} (data fingerprints differ), so its held-out part cannot be recovered",
        model.version,
        data.display()
    );
    let (_, test_index) = stratified_split(labels, params.test_size, params.random_state)?;
    if let Some(path) = preprocessed {
        let stage = Preprocessed::load(path)?;
        let mismatch = if stage.data_fingerprint != artifact.dataset_fingerprint {
            Some("data fingerprint")
        } else if &stage.params != params {
            Some("preprocess params")
        } else if stage.test_index != test_index {
            Some("held-out rows")
        } else if stage.preprocessor != artifact.model.preprocessor {
            Some("fitted transforms")
        } else {
            None
        };
        if let Some(what) = mismatch {
            anyhow::bail!(
                "model {} does not match the preprocess stage output {}: different {what} (rerun the pipeline)",
                model.version,
                path.display()
            );
        }
    }
    let proba = artifact
        .model
        .predict_proba(&select(&dataset.rows, &test_index));
    let test = ClassificationMetrics::compute(&select(labels, &test_index), &proba, THRESHOLD)?;
    let recorded = &artifact.metrics;
    if test != recorded.test {
        say.line(format!(
            "warning: held-out metrics differ from those recorded at training (accuracy {:.4} vs {:.4})",
            test.accuracy, recorded.test.accuracy
        ));
    }
    let metrics = Metrics {
        overfit_gap: recorded.train_accuracy - test.accuracy,
        test,
        ..recorded.clone()
    };
    let out: PathBuf = out.map_or_else(
        || PathBuf::from(&artifact.params.evaluate.metrics_path),
        Path::to_path_buf,
    );
    let mut json = serde_json::to_vec_pretty(&metrics)?;
    json.push(b'\n');
    write_atomically(&out, &json)?;
    let m = &metrics;
    say.line(format!(
        "model {} ({}) on {} held-out rows: accuracy {:.3}  precision {:.3}  recall {:.3}  F1 {:.3}  ROC AUC {:.3}  log loss {:.3}  Brier {:.3}",
        model.version,
        m.model_type,
        m.test.n,
        m.test.accuracy,
        m.test.precision,
        m.test.recall,
        m.test.f1,
        m.test.roc_auc,
        m.test.log_loss,
        m.test.brier
    ));
    say.line(format!(
        "{}-fold CV on the training part: accuracy {:.3} ± {:.3}  ROC AUC {:.3} ± {:.3} | training accuracy {:.3} (overfit gap {:.3}); written to {}",
        m.cv.folds,
        m.cv.accuracy.mean,
        m.cv.accuracy.std,
        m.cv.roc_auc.mean,
        m.cv.roc_auc.std,
        m.train_accuracy,
        m.overfit_gap,
        out.display()
    ));
    Ok(())
}
