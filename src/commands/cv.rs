//! `potable cv`: stratified k-fold cross-validation of the whole pipeline (preprocessing refitted
//! in every fold) on the whole labelled data set, for benchmarks. `--folds-out` exports the
//! exact fold indices so other tools (bench/train-vs-sklearn.py) can use the same folds.

use super::stage::{write_atomically, Say};
use crate::cli::CvArgs;
use anyhow::Context;
use potable_core::dataset::read_csv_path;
use potable_core::params::Params;
use potable_core::split::{stratified_kfold, stratified_split};
use potable_core::train::{cross_validate, ProgressEvent};
use serde::Serialize;
use std::time::Instant;

/// The exported folds: 0-based data-row numbers (header excluded).
#[derive(Debug, Serialize)]
struct FoldsFile {
    /// Labelled rows.
    rows: usize,
    /// `evaluate.cv_folds`.
    cv_folds: usize,
    /// `preprocess.random_state`.
    random_state: u64,
    /// Test rows of each fold of the whole-data CV (what `potable cv` scores).
    folds: Vec<Vec<usize>>,
    /// The held-out split of `potable train` (`preprocess.test_size`).
    holdout: Holdout,
    /// Test rows of each CV fold that `potable train` runs on its training part.
    train_folds: Vec<Vec<usize>>,
}

#[derive(Debug, Serialize)]
struct Holdout {
    train: Vec<usize>,
    test: Vec<usize>,
}

/// Runs the CV and prints the scores (one JSON object with `--json`).
pub fn run(args: &CvArgs, quiet: bool) -> anyhow::Result<()> {
    let say = Say { quiet };
    let params = Params::load(&args.params)
        .with_context(|| format!("invalid parameters in {}", args.params.display()))?;
    let data = read_csv_path(&args.data)
        .with_context(|| format!("cannot read {}", args.data.display()))?;
    let labels = data
        .labels
        .as_deref()
        .with_context(|| format!("{} has no Potability column", args.data.display()))?;
    let (k, seed) = (params.evaluate.cv_folds, params.preprocess.random_state);
    if let Some(path) = &args.folds_out {
        let (train, test) = stratified_split(labels, params.preprocess.test_size, seed)?;
        let train_labels: Vec<u8> = train.iter().map(|&i| labels[i]).collect();
        let file = FoldsFile {
            rows: labels.len(),
            cv_folds: k,
            random_state: seed,
            folds: stratified_kfold(labels, k, seed)?
                .into_iter()
                .map(|(_, te)| te)
                .collect(),
            train_folds: stratified_kfold(&train_labels, k, seed)?
                .into_iter()
                .map(|(_, te)| te.into_iter().map(|p| train[p]).collect())
                .collect(),
            holdout: Holdout { train, test },
        };
        write_atomically(path, &serde_json::to_vec(&file)?)?;
    }
    let started = Instant::now();
    let progress = |e: ProgressEvent| {
        if let ProgressEvent::FoldFinished {
            done,
            folds,
            accuracy,
            ..
        } = e
        {
            say.line(format!("  fold {done:>2}/{folds}  accuracy {accuracy:.3}"));
        }
    };
    let cv = cross_validate(&data.rows, labels, &params, &progress)?;
    let seconds = started.elapsed().as_secs_f64();
    if args.json {
        println!(
            "{}",
            serde_json::json!({
                "model_type": potable_core::models::model_name(params.train.model_type),
                "seconds": seconds,
                "cv": cv,
            })
        );
    } else {
        println!(
            "{}-fold CV of {} on {} rows: accuracy {:.4} ± {:.4}, ROC AUC {:.4} ± {:.4}, F1 {:.4}, {seconds:.2} s",
            cv.folds,
            potable_core::models::model_name(params.train.model_type),
            labels.len(),
            cv.accuracy.mean,
            cv.accuracy.std,
            cv.roc_auc.mean,
            cv.roc_auc.std,
            cv.f1.mean
        );
    }
    Ok(())
}
