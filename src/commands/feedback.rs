//! `potable feedback list|export`: the feedback store from the command line.

use crate::cli::FeedbackCommand;
use anyhow::Context;
use potable_core::feedback::{FeedbackStore, FEEDBACK_DB_FILE};
use std::path::Path;

fn open(dir: &Path) -> anyhow::Result<FeedbackStore> {
    let path = dir.join(FEEDBACK_DB_FILE);
    if !path.is_file() {
        anyhow::bail!("no feedback database at {}", path.display());
    }
    FeedbackStore::open(&path)
        .with_context(|| format!("cannot open the feedback database {}", path.display()))
}

/// Runs one `feedback` subcommand.
pub fn run(command: FeedbackCommand) -> anyhow::Result<()> {
    match command {
        FeedbackCommand::List(args) => {
            let store = open(&args.dir.models_dir)?;
            let total = store.count()?;
            let rows = store.list(args.limit.min(500), args.offset)?;
            println!("{total} feedback rows; newest first:");
            for row in rows {
                let predicted = row.prediction.map_or("-".to_string(), |p| {
                    format!("{} ({:.2}, {})", p.label, p.probability, p.model_version)
                });
                let features: Vec<String> = row.features.iter().map(|v| format!("{v}")).collect();
                println!(
                    "#{} {} label {} predicted {} [{}]{}",
                    row.id,
                    row.created_at,
                    row.true_label,
                    predicted,
                    features.join(", "),
                    row.note.map(|n| format!(" note: {n}")).unwrap_or_default()
                );
            }
        }
        FeedbackCommand::Export(args) => {
            let store = open(&args.dir.models_dir)?;
            match &args.output {
                Some(path) => {
                    let tmp = path.with_extension("csv.tmp");
                    let file = std::fs::File::create(&tmp)
                        .with_context(|| format!("cannot write {}", tmp.display()))?;
                    let mut writer = std::io::BufWriter::new(file);
                    let n = store.export_csv(&mut writer)?;
                    let file = writer.into_inner().map_err(|e| e.into_error())?;
                    file.sync_all()?;
                    std::fs::rename(&tmp, path)
                        .with_context(|| format!("cannot write {}", path.display()))?;
                    eprintln!("wrote {n} feedback rows to {}", path.display());
                }
                None => {
                    store.export_csv(std::io::stdout().lock())?;
                }
            }
        }
    }
    Ok(())
}
