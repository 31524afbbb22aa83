//! `potable preprocess`: the second pipeline stage. Makes the stratified train/test split of the
//! raw data and fits the transforms (imputer, outlier bounds, scaler) on the training part only,
//! then writes both as one JSON file ([`Preprocessed`], `artifacts/preprocessed.json`).
//!
//! `potable train` refits exactly these transforms from the same split (same data and
//! `preprocess` params) and stores them inside the model artifact; `potable evaluate` checks
//! that the model's transforms and held-out rows are the ones recorded here.

use super::stage::{write_atomically, Say};
use crate::cli::PreprocessArgs;
use anyhow::Context;
use potable_core::dataset::{read_csv_path, Dataset};
use potable_core::params::{Params, PreprocessParams};
use potable_core::preprocess::Preprocessor;
use potable_core::split::{select, stratified_split};
use serde::{Deserialize, Serialize};
use std::path::Path;

/// Value of [`Preprocessed::format`].
pub const FORMAT: &str = "potable-preprocessed/1";

/// Row counts of the split.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SplitCounts {
    /// Labelled rows in the data set.
    pub total: usize,
    /// Rows in the training part.
    pub train: usize,
    /// Rows in the held-out test part.
    pub test: usize,
    /// Training rows kept for fitting (after outlier / incomplete-row filtering).
    pub fitted: usize,
}

/// The preprocess stage output.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Preprocessed {
    /// Always [`FORMAT`].
    pub format: String,
    /// `Dataset::fingerprint()` of the data the split was made from.
    pub data_fingerprint: String,
    /// The `preprocess` params used.
    pub params: PreprocessParams,
    /// Row counts.
    pub rows: SplitCounts,
    /// 0-based data rows (header excluded) of the training part, ascending.
    pub train_index: Vec<usize>,
    /// 0-based data rows of the held-out test part, ascending.
    pub test_index: Vec<usize>,
    /// Transforms fitted on the training part only.
    pub preprocessor: Preprocessor,
}

impl Preprocessed {
    /// Splits `data` and fits the transforms on its training part.
    pub fn fit(data: &Dataset, params: &PreprocessParams) -> anyhow::Result<Self> {
        let labels = data
            .labels
            .as_deref()
            .context("the data has no Potability column")?;
        let (train_index, test_index) =
            stratified_split(labels, params.test_size, params.random_state)?;
        let train_rows = select(&data.rows, &train_index);
        let preprocessor = Preprocessor::fit(params, &train_rows)?;
        Ok(Preprocessed {
            format: FORMAT.to_string(),
            data_fingerprint: data.fingerprint(),
            params: params.clone(),
            rows: SplitCounts {
                total: data.len(),
                train: train_index.len(),
                test: test_index.len(),
                fitted: preprocessor.filter_outliers(&train_rows).len(),
            },
            train_index,
            test_index,
            preprocessor,
        })
    }

    /// Reads a stage output written by [`run`].
    pub fn load(path: &Path) -> anyhow::Result<Self> {
        let text =
            std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
        let out: Preprocessed = serde_json::from_slice(&text)
            .with_context(|| format!("{} is not a preprocess stage output", path.display()))?;
        anyhow::ensure!(
            out.format == FORMAT,
            "{} has format {:?}, expected {FORMAT:?}",
            path.display(),
            out.format
        );
        Ok(out)
    }
}

/// Loads params and data, fits and writes the stage output.
pub fn run(args: &PreprocessArgs, quiet: bool) -> anyhow::Result<()> {
    let paths = &args.paths;
    let params = Params::load(&paths.params)
        .with_context(|| format!("invalid parameters in {}", paths.params.display()))?;
    let data = read_csv_path(&paths.data)
        .with_context(|| format!("cannot read {}", paths.data.display()))?;
    let out = Preprocessed::fit(&data, &params.preprocess)
        .with_context(|| format!("cannot preprocess {}", paths.data.display()))?;
    let mut json = serde_json::to_vec_pretty(&out)?;
    json.push(b'\n');
    write_atomically(&args.out, &json)?;
    Say { quiet }.line(format!(
        "split {} rows into {} training / {} held-out (test_size {}, random_state {}); transforms fitted on {} training rows; written to {}",
        out.rows.total,
        out.rows.train,
        out.rows.test,
        params.preprocess.test_size,
        params.preprocess.random_state,
        out.rows.fitted,
        args.out.display()
    ));
    Ok(())
}
