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
                    let mut csv = Vec::new();
                    let n = store.export_csv(&mut csv)?;
                    super::stage::write_atomically(path, &csv)?;
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
