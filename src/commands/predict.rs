//! `potable predict`: the last pipeline stage. Predicts every row of a CSV of samples (default
//! `Data-set/test_dataset.csv`) with a model and writes `predictions.csv`: the nine features
//! as read, `probability_potable`, `potability` (0/1 at threshold 0.5), `potability_label` and
//! `model_version`. Rows are checked like API samples (finite, in range, none missing); one bad
//! row refuses the whole file, naming its line.

use super::stage::{load_model, write_atomically, Say, StageModel};
use crate::cli::PredictArgs;
use anyhow::Context;
use potable_core::dataset::read_batch;
use potable_core::sample::join_errors;
use potable_core::schema::{FeatureVector, FEATURES};
use potable_core::train::THRESHOLD;
use std::fmt::Write;
use std::path::Path;

/// Loads the model, predicts and writes the CSV.
pub fn run(args: &PredictArgs, quiet: bool) -> anyhow::Result<()> {
    let model = load_model(&args.model)?;
    predict(&model, &args.input, &args.out, Say { quiet })
}

/// Predicts the samples of `input` with `model` and writes them to `out`.
pub fn predict(model: &StageModel, input: &Path, out: &Path, say: Say) -> anyhow::Result<()> {
    let bytes = std::fs::read(input).with_context(|| format!("cannot read {}", input.display()))?;
    let parsed = read_batch(&bytes).with_context(|| format!("cannot read {}", input.display()))?;
    let mut rows: Vec<FeatureVector> = Vec::with_capacity(parsed.len());
    for row in parsed {
        let row = row.map_err(|e| {
            anyhow::anyhow!(
                "{} line {}: {}",
                input.display(),
                e.line,
                join_errors(&e.errors)
            )
        })?;
        rows.push(row);
    }
    let proba = model.artifact.model.predict_proba(&rows);
    let mut csv = FEATURES
        .iter()
        .map(|f| f.name)
        .collect::<Vec<_>>()
        .join(",");
    csv.push_str(",probability_potable,potability,potability_label,model_version\n");
    let mut positives = 0usize;
    for (row, &p) in rows.iter().zip(&proba) {
        for v in row {
            write!(csv, "{v},")?;
        }
        let label = u8::from(p >= THRESHOLD);
        positives += usize::from(label);
        let name = if label == 1 { "Potable" } else { "Not Potable" };
        writeln!(csv, "{p},{label},{name},{}", model.version)?;
    }
    write_atomically(out, csv.as_bytes())?;
    say.line(format!(
        "predicted {} rows of {} with model {}: {positives} potable, {} not potable; written to {}",
        rows.len(),
        input.display(),
        model.version,
        rows.len() - positives,
        out.display()
    ));
    Ok(())
}
