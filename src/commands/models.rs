//! `potable models list|show|switch|delete|promote`: the registry from the command line.
//!
//! These change the files directly (under the registry's cross-process lock); a running server
//! keeps serving the version it loaded until it is switched over the API or restarted.

use crate::cli::ModelsCommand;
use anyhow::Context;
use potable_core::registry::Registry;
use potable_core::service::Service;
use std::path::Path;

fn open(dir: &Path) -> anyhow::Result<Service> {
    if !dir.is_dir() {
        anyhow::bail!("no model registry at {}", dir.display());
    }
    Service::open(dir).with_context(|| format!("cannot open the registry {}", dir.display()))
}

/// Runs one `models` subcommand.
pub fn run(command: ModelsCommand) -> anyhow::Result<()> {
    match command {
        ModelsCommand::List(args) => {
            let service = open(&args.models_dir)?;
            let versions = service.versions();
            if versions.is_empty() {
                println!("no versions registered in {}", args.models_dir.display());
            }
            for v in versions {
                let test = &v.meta.metrics["test"];
                let metric = |name: &str| {
                    test[name]
                        .as_f64()
                        .map_or("-".to_string(), |x| format!("{x:.3}"))
                };
                println!(
                    "{:<5} {:<11} accuracy {} roc_auc {} feedback {:>4} {} {}{}",
                    v.name.to_string(),
                    format!("{:?}", v.status).to_lowercase(),
                    metric("accuracy"),
                    metric("roc_auc"),
                    v.meta.feedback_rows,
                    v.meta.created_at,
                    v.meta.notes,
                    v.problem
                        .map(|p| format!(" [unavailable: {p}]"))
                        .unwrap_or_default()
                );
            }
        }
        ModelsCommand::Show(args) => {
            let info = open(&args.dir.models_dir)?.version(&args.version)?;
            println!("{}", serde_json::to_string_pretty(&info)?);
        }
        ModelsCommand::Switch(args) => {
            let switch =
                open(&args.dir.models_dir)?.switch(&args.version, &args.reason, Some("cli"))?;
            println!(
                "active: {} (was {})",
                display(switch.to),
                display(switch.from)
            );
        }
        ModelsCommand::Promote(args) => {
            let switch = open(&args.dir.models_dir)?.promote(&args.version, Some("cli"))?;
            println!(
                "promoted {} (was {})",
                display(switch.to),
                display(switch.from)
            );
        }
        ModelsCommand::Delete(args) => {
            let dir = &args.dir.models_dir;
            if !dir.is_dir() {
                anyhow::bail!("no model registry at {}", dir.display());
            }
            let mut registry = Registry::open(dir)?;
            let name = args.version.parse()?;
            registry.delete(name)?;
            println!("deleted {name}");
        }
    }
    Ok(())
}

fn display(v: Option<potable_core::registry::VersionName>) -> String {
    v.map_or("none".to_string(), |v| v.to_string())
}
