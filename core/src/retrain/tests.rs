use super::*;
use crate::metrics::ClassificationMetrics;
use crate::train::no_progress;
use std::path::Path;

fn metrics_with(roc_auc: f64, log_loss: f64) -> ClassificationMetrics {
    let mut m = ClassificationMetrics::compute(&[0, 1, 0, 1], &[0.2, 0.8, 0.6, 0.4], 0.5).unwrap();
    m.roc_auc = roc_auc;
    m.log_loss = log_loss;
    m
}

fn stored(roc_auc: f64, log_loss: f64) -> serde_json::Value {
    serde_json::json!({"test": {"roc_auc": roc_auc, "log_loss": log_loss}})
}

fn v(n: u64) -> VersionName {
    VersionName::new(n).unwrap()
}

#[test]
fn gate_compares_with_tolerance_in_the_metric_direction() {
    let gate = PromotionGate::default();
    assert_eq!(gate.metric, PromotionMetric::RocAuc);
    assert_eq!(gate.tolerance, 0.0);
    let old = stored(0.70, 0.60);
    assert!(
        gate.decide(&metrics_with(0.70, 0.6), Some((v(1), &old)))
            .promote
    );
    assert!(
        gate.decide(&metrics_with(0.71, 0.6), Some((v(1), &old)))
            .promote
    );
    let refused = gate.decide(&metrics_with(0.69, 0.6), Some((v(1), &old)));
    assert!(!refused.promote);
    assert_eq!(refused.active_value, Some(0.70));
    assert_eq!(refused.active_version, Some(v(1)));
    assert!(
        refused.reason.contains("worse than V1"),
        "{}",
        refused.reason
    );

    let tolerant = PromotionGate::new(PromotionMetric::RocAuc, 0.02).unwrap();
    assert!(
        tolerant
            .decide(&metrics_with(0.69, 0.6), Some((v(1), &old)))
            .promote
    );
    assert!(
        !tolerant
            .decide(&metrics_with(0.67, 0.6), Some((v(1), &old)))
            .promote
    );

    let loss = PromotionGate::new(PromotionMetric::LogLoss, 0.0).unwrap();
    assert!(
        loss.decide(&metrics_with(0.5, 0.59), Some((v(1), &old)))
            .promote
    );
    assert!(
        !loss
            .decide(&metrics_with(0.9, 0.61), Some((v(1), &old)))
            .promote
    );

    assert!(gate.decide(&metrics_with(0.1, 0.6), None).promote);
    assert!(!gate.decide(&metrics_with(f64::NAN, 0.6), None).promote);
    let missing = serde_json::json!({});
    assert!(
        gate.decide(&metrics_with(0.1, 0.6), Some((v(2), &missing)))
            .promote
    );
}

#[test]
fn gate_settings_are_validated() {
    for bad in [-0.1, f64::NAN, f64::INFINITY] {
        assert!(PromotionGate::new(PromotionMetric::F1, bad).is_err());
    }
    assert_eq!(
        "log_loss".parse::<PromotionMetric>().unwrap(),
        PromotionMetric::LogLoss
    );
    let err = "auc".parse::<PromotionMetric>().unwrap_err().to_string();
    assert!(err.contains("roc_auc, accuracy"), "{err}");
    for m in PromotionMetric::ALL {
        assert_eq!(m.name().parse::<PromotionMetric>().unwrap(), m);
    }
}

fn feedback_row(id: i64, features: FeatureVector, true_label: u8) -> FeedbackRow {
    FeedbackRow {
        id,
        created_at: "2026-01-01T00:00:00Z".into(),
        features,
        prediction: None,
        true_label,
        note: None,
    }
}

fn toy() -> (Vec<FeatureVector>, Vec<u8>, Params) {
    // 200 rows: the 20% held out holds 20 of each class, the fewest a run accepts.
    let rows: Vec<FeatureVector> = (0..200).map(|i| [i as f64; 9]).collect();
    let labels: Vec<u8> = (0..200).map(|i| (i % 2) as u8).collect();
    let params = Params::load(fixture_params()).expect("params fixture");
    (rows, labels, params)
}

fn fixture_params() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/params-fast.yaml")
}

#[test]
fn a_held_out_part_with_too_few_rows_of_a_class_is_refused() {
    let (rows, labels, mut params) = toy();
    params.preprocess.test_size = 0.15; // 30 held out: 15 of each class
    let err = split_data(&rows, &labels, "fp".into(), &params, &[])
        .err()
        .expect("refused");
    assert!(
        matches!(err, RetrainError::HeldOutTooSmall { rows: 15, .. }),
        "{err:?}"
    );
}

#[test]
fn evaluation_set_is_fixed_and_never_holds_feedback_rows() {
    let (rows, labels, params) = toy();
    let plain = split_data(&rows, &labels, "fp".into(), &params, &[]).unwrap();
    assert_eq!(plain.x_eval.len(), 40);
    assert_eq!(plain.x_train.len(), 160);
    assert_eq!(plain.fingerprint, "fp");

    let copy_of_eval = plain.x_eval[0];
    let feedback = vec![
        feedback_row(1, [1000.0; 9], 1),
        feedback_row(2, copy_of_eval, 0),
        feedback_row(3, [1001.0; 9], 0),
    ];
    let with = split_data(&rows, &labels, "fp".into(), &params, &feedback).unwrap();
    assert_eq!(
        with.x_eval, plain.x_eval,
        "the evaluation set does not move"
    );
    assert_eq!(with.y_eval, plain.y_eval);
    assert_eq!(with.feedback_rows, 2);
    assert_eq!(with.feedback_skipped, 1);
    assert_eq!(with.x_train.len(), 162);
    assert_eq!(&with.x_train[160..], &[[1000.0; 9], [1001.0; 9]]);
    assert_eq!(&with.y_train[160..], &[1, 0]);
    assert_ne!(with.fingerprint, "fp");
    let eval: HashSet<_> = with.x_eval.iter().map(row_key).collect();
    assert!(with.x_train.iter().all(|r| !eval.contains(&row_key(r))));
}

fn data_file() -> Option<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    [
        root.join("../Data-set/water_potability.csv"),
        root.join("../../shared/data/water_potability.csv"),
    ]
    .into_iter()
    .find(|p| p.exists())
}

#[test]
fn runs_register_and_the_gate_decides_activation() {
    let Some(data) = data_file() else {
        panic!("no data: run `potable fetch-data` first");
    };
    let sources = TrainingSources {
        data,
        params: fixture_params(),
    };
    let dir = tempfile::tempdir().unwrap();
    let mut registry = Registry::open(dir.path()).unwrap();

    let first = train_run(&sources, &[], "first", &no_progress).unwrap();
    assert_eq!(first.meta.feedback_rows, 0);
    assert_eq!(first.metrics.rows.test, 656);
    let first_auc = first.metrics.test.roc_auc;
    let out = register_run(&mut registry, first, Activation::IfNoneActive, Some("test")).unwrap();
    assert_eq!((out.version, out.promoted), (v(1), true));
    assert_eq!(registry.active(), Some(v(1)));

    // Same data again: identical metric, so the gate (tolerance 0) promotes.
    let again = train_run(&sources, &[], "again", &no_progress).unwrap();
    assert_eq!(again.metrics.test.roc_auc, first_auc);
    let out = register_run(
        &mut registry,
        again,
        Activation::Gate(PromotionGate::default()),
        Some("test"),
    )
    .unwrap();
    assert_eq!((out.version, out.promoted), (v(2), true));
    assert!(out.reason.contains("gate passed"), "{}", out.reason);

    // Mislabelled feedback: evaluated on the same fixed set, held back by a strict gate on
    // a metric that it worsens (or promoted, but then its metric must not be worse).
    let feedback: Vec<FeedbackRow> = (0..300)
        .map(|i| {
            let x = 10.0 + i as f64;
            feedback_row(
                i,
                [7.0, 200.0, 20000.0 + x, 7.5, 350.0, 400.0, 14.0, 70.0, 4.0],
                1,
            )
        })
        .collect();
    let third = train_run(&sources, &feedback, "with feedback", &no_progress).unwrap();
    assert_eq!(third.feedback_rows, 300);
    assert_eq!(third.meta.feedback_rows, 300);
    assert_eq!(third.metrics.rows.test, 656, "same evaluation set");
    assert_eq!(third.metrics.rows.train, 2620 + 300);
    let third_auc = third.metrics.test.roc_auc;
    let out = register_run(
        &mut registry,
        third,
        Activation::Gate(PromotionGate::default()),
        None,
    )
    .unwrap();
    assert_eq!(out.version, v(3));
    assert_eq!(out.promoted, third_auc >= first_auc);
    let expected = if out.promoted { v(3) } else { v(2) };
    assert_eq!(registry.active(), Some(expected));
    assert_eq!(registry.get(v(3)).unwrap().meta.feedback_rows, 300);
}
