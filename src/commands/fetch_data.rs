//! `potable fetch-data`: copy the data files from a local folder, or download them from the
//! public source, and verify every SHA-256 before a file is put in place.

use crate::cli::FetchDataArgs;
use anyhow::{bail, Context};
use potable_core::datafiles::{verify, DataFile, DATA_FILES};
use std::path::Path;
use std::process::Command;

/// The public source of the raw data set (Kaggle, CC0): a zip holding `water_potability.csv`.
const PUBLIC_SOURCE: &str =
    "https://www.kaggle.com/api/v1/datasets/download/adityakadiwal/water-potability";

/// Where the data files are looked for when `--from` is not given.
const DEFAULT_SOURCE: &str = "../shared/data";

/// Puts every data file into `args.dest`, skipping files already there and verified.
pub fn run(args: &FetchDataArgs) -> anyhow::Result<()> {
    if let Some(from) = &args.from {
        if !from.is_dir() {
            bail!("--from {}: no such folder", from.display());
        }
    }
    let explicit = args.from.is_some();
    let from = args
        .from
        .clone()
        .unwrap_or_else(|| Path::new(DEFAULT_SOURCE).to_path_buf());
    std::fs::create_dir_all(&args.dest)
        .with_context(|| format!("cannot create {}", args.dest.display()))?;
    for file in &DATA_FILES {
        let dest = args.dest.join(file.name);
        if dest.exists() && verify(&dest, file).is_ok() {
            tracing::info!(file = file.name, "already in place, checksum verified");
            continue;
        }
        let source = from.join(file.name);
        if source.exists() {
            verify(&source, file)?;
            install(&source, &dest, file)?;
            tracing::info!(file = file.name, from = %from.display(), "copied, checksum verified");
        } else if explicit && file.required {
            bail!("--from {}: {} is not there", from.display(), file.name);
        } else if file.name == DATA_FILES[0].name {
            download(&dest, file)?;
            tracing::info!(file = file.name, "downloaded, checksum verified");
        } else if file.required {
            bail!("{} is missing and has no public source", file.name);
        } else {
            tracing::warn!(
                file = file.name,
                "not found in {} (optional: only the predict stage uses the old pre-split copy)",
                from.display()
            );
        }
    }
    Ok(())
}

/// Copies `source` to a temporary name beside `dest`, verifies it, then renames it into place,
/// so a failed or interrupted copy never leaves a half-written data file.
fn install(source: &Path, dest: &Path, file: &DataFile) -> anyhow::Result<()> {
    let tmp = dest.with_extension("csv.part");
    std::fs::copy(source, &tmp).with_context(|| format!("cannot copy {}", source.display()))?;
    finish(&tmp, dest, file)
}

fn finish(tmp: &Path, dest: &Path, file: &DataFile) -> anyhow::Result<()> {
    if let Err(err) = verify(tmp, file) {
        let _ = std::fs::remove_file(tmp);
        return Err(err.into());
    }
    std::fs::rename(tmp, dest).with_context(|| format!("cannot write {}", dest.display()))?;
    Ok(())
}

/// Downloads the public zip with `curl` and extracts the CSV with `unzip` (both standard tools;
/// this avoids linking an HTTP client into the server for a one-off setup step).
fn download(dest: &Path, file: &DataFile) -> anyhow::Result<()> {
    let zip = dest.with_extension("zip.part");
    let tmp = dest.with_extension("csv.part");
    let status = Command::new("curl")
        .args(["-fsSL", "--retry", "2", "-o"])
        .arg(&zip)
        .arg(PUBLIC_SOURCE)
        .status()
        .context("cannot run curl")?;
    if !status.success() {
        let _ = std::fs::remove_file(&zip);
        bail!("download of {} from {PUBLIC_SOURCE} failed", file.name);
    }
    let out = Command::new("unzip")
        .arg("-p")
        .arg(&zip)
        .arg(file.name)
        .output()
        .context("cannot run unzip");
    let _ = std::fs::remove_file(&zip);
    let out = out?;
    if !out.status.success() {
        bail!("the downloaded archive has no {}", file.name);
    }
    std::fs::write(&tmp, &out.stdout).with_context(|| format!("cannot write {}", tmp.display()))?;
    finish(&tmp, dest, file)
}
