//! `potable retrain`: a synchronous retrain with the same promotion gate as the server; also
//! builds the retraining config `potable serve` uses.

use crate::cli::{PromotionArgs, RetrainArgs};
use anyhow::Context;
use potable_core::retrain::{PromotionGate, TrainingSources};
use potable_core::service::{RetrainRequest, Service, ServiceConfig};
use potable_core::train::ProgressEvent;
use std::path::Path;

/// The service config from the data, params and promotion flags (invalid gate settings are
/// refused here, before anything starts).
pub fn service_config(
    data: &Path,
    params: &Path,
    promotion: &PromotionArgs,
) -> anyhow::Result<ServiceConfig> {
    let gate = PromotionGate::new(promotion.promotion_metric, promotion.promotion_tolerance)
        .context("invalid --promotion-tolerance / POTABLE_PROMOTION_TOLERANCE")?;
    Ok(ServiceConfig {
        training: Some(TrainingSources {
            data: data.to_path_buf(),
            params: params.to_path_buf(),
        }),
        gate,
    })
}

/// Retrains on the training part plus all feedback, registers, applies the gate.
pub fn run(args: &RetrainArgs, quiet: bool) -> anyhow::Result<()> {
    let say = |line: String| {
        if !quiet {
            eprintln!("{line}");
        }
    };
    let paths = &args.paths;
    let config = service_config(&paths.data, &paths.params, &args.promotion)?;
    let gate = config.gate;
    let service = Service::open_with(&paths.dir.models_dir, config).with_context(|| {
        format!(
            "cannot open the registry {}",
            paths.dir.models_dir.display()
        )
    })?;
    let progress = |event: ProgressEvent| {
        if let ProgressEvent::StageFinished { stage, seconds } = event {
            say(format!("  {:<15} {seconds:>7.2} s", stage.name()));
        }
    };
    let request = RetrainRequest {
        reason: "potable retrain".to_string(),
        actor: Some("cli".to_string()),
        notes: Some(args.notes.clone()),
    };
    let outcome = service.retrain_blocking(request, &progress)?;
    say(format!(
        "held-out: accuracy {:.3}  ROC AUC {:.3}  F1 {:.3} | gate {} (tolerance {})",
        outcome.metrics.accuracy,
        outcome.metrics.roc_auc,
        outcome.metrics.f1,
        gate.metric,
        gate.tolerance
    ));
    println!(
        "{} {} ({} feedback rows): {}",
        outcome.version,
        if outcome.promoted {
            "active"
        } else {
            "candidate"
        },
        outcome.feedback_rows,
        outcome.reason
    );
    Ok(())
}
