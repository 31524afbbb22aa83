//! Runs the full training pipeline on water_potability.csv with per-stage timing.
//!
//! `cargo run --release -p potable-core --example pipeline -- [params.yaml]`

use potable_core::artifact::{Artifact, FORMAT_VERSION};
use potable_core::dataset::read_csv_path;
use potable_core::params::Params;
use potable_core::train::{train, ProgressEvent};
use std::time::Instant;

fn main() {
    let params_path = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "params.yaml".into());
    let params = Params::load(&params_path).expect("params");
    let data = read_csv_path(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../Data-set/water_potability.csv"
    ))
    .expect("data");
    let labels = data.labels.clone().expect("labels");
    let start = Instant::now();
    let show = |e: ProgressEvent| {
        if let ProgressEvent::StageFinished { stage, seconds } = e {
            println!("  {:<15} {seconds:.2} s", stage.name());
        }
    };
    let out = train(&data.rows, &labels, &params, &show).expect("train");
    let total = start.elapsed().as_secs_f64();
    let m = &out.metrics;
    println!(
        "{params_path} {}: held-out accuracy {:.4} AUC {:.4}; {}-fold CV accuracy {:.4} ± {:.4} AUC {:.4} ± {:.4}; train accuracy {:.4} (gap {:.4}); {total:.2} s",
        m.model_type,
        m.test.accuracy,
        m.test.roc_auc,
        m.cv.folds,
        m.cv.accuracy.mean,
        m.cv.accuracy.std,
        m.cv.roc_auc.mean,
        m.cv.roc_auc.std,
        m.train_accuracy,
        m.overfit_gap
    );
    let artifact = Artifact {
        format_version: FORMAT_VERSION,
        model: out.model,
        params,
        metrics: out.metrics,
        data_fingerprint: data.fingerprint(),
        dataset_fingerprint: data.fingerprint(),
        train_rows: labels.len(),
        feedback_rows: 0,
    };
    let t = Instant::now();
    let bytes = artifact.to_bytes().expect("encode");
    let encode = t.elapsed().as_secs_f64();
    let t = Instant::now();
    Artifact::from_bytes(&bytes).expect("decode");
    println!(
        "  artifact {:.1} MB, encode {encode:.3} s, decode {:.3} s",
        bytes.len() as f64 / 1e6,
        t.elapsed().as_secs_f64()
    );
}
