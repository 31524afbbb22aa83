//! `potable validate`: the first pipeline stage. Checks the raw CSV against the documented
//! expectations ([`potable_core::validate`]), prints the per-column report and writes it as JSON.

use super::stage::{write_atomically, Say};
use crate::cli::ValidateArgs;
use anyhow::Context;
use potable_core::validate::{validate_csv_path, Expectations, ValidationReport};

/// Validates, prints the report (unless quiet) and writes it; fails when an expectation breaks
/// (the JSON report is still written, complete, so the failure can be inspected).
pub fn run(args: &ValidateArgs, quiet: bool) -> anyhow::Result<()> {
    let report = validate(args)?;
    Say { quiet }.line(format!(
        "{report}\nreport written to {}",
        args.out.display()
    ));
    anyhow::ensure!(
        report.passed(),
        "validation of {} failed: {}",
        args.data.display(),
        report.failures.join("; ")
    );
    Ok(())
}

/// Runs the checks and writes the JSON report.
pub fn validate(args: &ValidateArgs) -> anyhow::Result<ValidationReport> {
    let report = validate_csv_path(&args.data, &Expectations::default())
        .with_context(|| format!("cannot validate {}", args.data.display()))?;
    let mut json = serde_json::to_vec_pretty(&report)?;
    json.push(b'\n');
    write_atomically(&args.out, &json)?;
    Ok(report)
}
