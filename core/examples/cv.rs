//! Stratified k-fold CV of the whole pipeline on water_potability.csv, for choosing params.
//!
//! `cargo run --release -p potable-core --example cv -- [params.yaml] [model_type]`

use potable_core::dataset::read_csv_path;
use potable_core::params::{ModelType, Params};
use potable_core::train::{cross_validate, no_progress};
use std::time::Instant;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let params_path = args.get(1).map_or("params.yaml", String::as_str);
    let mut params = Params::load(params_path).expect("params");
    if let Some(t) = args.get(2) {
        params.train.model_type = match t.as_str() {
            "Ensemble" => ModelType::Ensemble,
            "RandomForest" => ModelType::RandomForest,
            "XGBoost" => ModelType::XGBoost,
            "GradientBoosting" => ModelType::GradientBoosting,
            "SVM" => ModelType::Svm,
            other => panic!("unknown model type {other}"),
        };
    }
    let data = read_csv_path(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../Data-set/water_potability.csv"
    ))
    .expect("data");
    let labels = data.labels.expect("labels");
    let start = Instant::now();
    let cv = cross_validate(&data.rows, &labels, &params, &no_progress).expect("cv");
    println!(
        "{params_path} {:?}: {}-fold accuracy {:.4} ± {:.4}, ROC AUC {:.4} ± {:.4}, F1 {:.4}, log loss {:.4}, {:.2} s",
        params.train.model_type,
        cv.folds,
        cv.accuracy.mean,
        cv.accuracy.std,
        cv.roc_auc.mean,
        cv.roc_auc.std,
        cv.f1.mean,
        cv.log_loss.mean,
        start.elapsed().as_secs_f64()
    );
}
