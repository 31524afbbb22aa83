//! Property tests of the three readers of untrusted input (issue 7): the CSV readers, the JSON
//! sample validation and the artifact loader. Arbitrary input never panics; whatever is
//! accepted obeys the rules (finite, in range, round-trips).

use std::sync::OnceLock;

use potable_core::artifact::{Artifact, ArtifactError, FORMAT_VERSION, MAGIC};
use potable_core::dataset::{read_batch, read_csv, DataError};
use potable_core::params::{ModelType, Params};
use potable_core::sample::{parse_sample, SampleError};
use potable_core::schema::{FeatureVector, FEATURES, LABEL, N_FEATURES};
use potable_core::train::{no_progress, train};
use proptest::prelude::*;

/// A valid value of feature `i` from a unit fraction.
fn in_range(i: usize, unit: f64) -> f64 {
    let spec = &FEATURES[i];
    spec.min + (spec.max - spec.min) * unit
}

/// Rows of valid feature vectors.
fn valid_rows(max: usize) -> impl Strategy<Value = Vec<FeatureVector>> {
    prop::collection::vec(prop::array::uniform9(0.0f64..=1.0), 1..max).prop_map(|rows| {
        rows.into_iter()
            .map(|units| std::array::from_fn(|i| in_range(i, units[i])))
            .collect()
    })
}

/// A column order: a permutation of 0..N_FEATURES.
fn column_order() -> impl Strategy<Value = Vec<usize>> {
    Just((0..N_FEATURES).collect::<Vec<_>>()).prop_shuffle()
}

/// CSV text of `rows` with the columns in `order` (shortest round-trip float text).
fn csv_text(rows: &[FeatureVector], order: &[usize], labels: Option<&[u8]>, crlf: bool) -> String {
    let eol = if crlf { "\r\n" } else { "\n" };
    let mut header: Vec<&str> = order.iter().map(|&i| FEATURES[i].name).collect();
    if labels.is_some() {
        header.push(LABEL);
    }
    let mut out = header.join(",") + eol;
    for (r, row) in rows.iter().enumerate() {
        let mut cells: Vec<String> = order.iter().map(|&i| format!("{:?}", row[i])).collect();
        if let Some(labels) = labels {
            cells.push(labels[r].to_string());
        }
        out += &(cells.join(",") + eol);
    }
    out
}

/// Text built from CSV-ish pieces: separators, quotes, numbers, feature names, junk.
fn csv_shaped() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        Just(",".to_string()),
        Just(";".to_string()),
        Just("\"".to_string()),
        Just("\n".to_string()),
        Just("\r\n".to_string()),
        Just("\u{feff}".to_string()),
        Just(String::new()),
        Just("NaN".to_string()),
        Just("inf".to_string()),
        Just("1e400".to_string()),
        Just("-0".to_string()),
        Just(LABEL.to_string()),
        prop::sample::select(
            FEATURES
                .iter()
                .map(|f| f.name.to_string())
                .collect::<Vec<_>>()
        ),
        any::<f64>().prop_map(|v| v.to_string()),
        "[0-9.,;eE+-]{1,12}",
        "\\PC{0,8}",
    ];
    prop::collection::vec(piece, 0..120).prop_map(|p| p.concat())
}

/// A header of all nine features in order, then CSV-shaped text.
fn csv_with_header() -> impl Strategy<Value = String> {
    csv_shaped().prop_map(|body| {
        let names: Vec<&str> = FEATURES.iter().map(|f| f.name).collect();
        format!("{}\n{body}", names.join(","))
    })
}

fn check_batch_rows(rows: &[Result<FeatureVector, potable_core::dataset::RowError>]) {
    for row in rows.iter().flatten() {
        for (v, spec) in row.iter().zip(&FEATURES) {
            assert!(v.is_finite() && spec.accepts(*v), "{} = {v}", spec.name);
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn csv_readers_never_panic_on_bytes(bytes in prop::collection::vec(any::<u8>(), 0..2048)) {
        let _ = read_csv(bytes.as_slice());
        if let Ok(rows) = read_batch(&bytes) {
            check_batch_rows(&rows);
        }
    }

    #[test]
    fn csv_readers_never_panic_on_csv_shaped_text(text in prop_oneof![csv_shaped(), csv_with_header()]) {
        if let Ok(data) = read_csv(text.as_bytes()) {
            // Present cells are finite; labels (when present) are 0/1, one per row.
            prop_assert!(data.rows.iter().flatten().all(|v| v.is_nan() || v.is_finite()));
            if let Some(labels) = &data.labels {
                prop_assert_eq!(labels.len(), data.rows.len());
                prop_assert!(labels.iter().all(|&y| y <= 1));
            }
        }
        if let Ok(rows) = read_batch(text.as_bytes()) {
            check_batch_rows(&rows);
        }
    }

    #[test]
    fn valid_rows_round_trip_in_any_column_order(
        rows in valid_rows(40),
        order in column_order(),
        crlf in any::<bool>(),
        bom in any::<bool>(),
        label_bits in prop::collection::vec(0u8..=1, 40),
    ) {
        let labels = &label_bits[..rows.len()];
        let mut text = csv_text(&rows, &order, Some(labels), crlf);
        if bom {
            text.insert(0, '\u{feff}');
        }
        let data = read_csv(text.as_bytes()).unwrap();
        prop_assert_eq!(&data.rows, &rows);
        prop_assert_eq!(data.labels.as_deref(), Some(labels));

        let batch = read_batch(csv_text(&rows, &order, None, crlf).as_bytes()).unwrap();
        let back: Vec<FeatureVector> = batch.into_iter().map(Result::unwrap).collect();
        prop_assert_eq!(back, rows);
    }

    #[test]
    fn semicolon_files_are_refused_not_misread(rows in valid_rows(10), order in column_order()) {
        let text = csv_text(&rows, &order, None, false).replace(',', ";").replace('.', ",");
        let err = read_batch(text.as_bytes()).unwrap_err();
        prop_assert!(matches!(err, DataError::NotCommaSeparated { separator: ';' }), "{}", err);
    }

    #[test]
    fn parse_sample_never_panics_on_bytes(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
        if let Ok(v) = parse_sample(&bytes) {
            check_vector(&v);
        }
    }

    #[test]
    fn parse_sample_never_panics_on_json_objects(
        fields in prop::collection::vec((json_key(), json_value()), 0..14)
    ) {
        let body = format!(
            "{{{}}}",
            fields.iter().map(|(k, v)| format!("{}:{v}", serde_json::to_string(k).unwrap())).collect::<Vec<_>>().join(",")
        );
        match parse_sample(body.as_bytes()) {
            Ok(v) => check_vector(&v),
            Err(SampleError::Fields(errors)) => {
                prop_assert!(!errors.is_empty());
                prop_assert!(errors.iter().all(|e| !e.rule.is_empty()));
            }
            Err(SampleError::Malformed(msg)) => prop_assert!(false, "valid JSON object refused as malformed: {msg}: {body}"),
        }
    }

    #[test]
    fn valid_samples_parse_to_the_same_vector_in_any_key_order(
        rows in valid_rows(2),
        order in column_order(),
    ) {
        let row = rows[0];
        let body = format!(
            "{{{}}}",
            order.iter().map(|&i| format!("{:?}:{:?}", FEATURES[i].name, row[i])).collect::<Vec<_>>().join(",")
        );
        prop_assert_eq!(parse_sample(body.as_bytes()).unwrap(), row);
    }

    #[test]
    fn artifact_loader_never_panics_on_bytes(
        bytes in prop::collection::vec(any::<u8>(), 0..4096),
        with_magic in any::<bool>(),
    ) {
        let input = if with_magic { [MAGIC, &bytes].concat() } else { bytes };
        prop_assert!(Artifact::from_bytes(&input).is_err());
    }

    #[test]
    fn artifact_loader_survives_truncation(cut in any::<prop::sample::Index>()) {
        let bytes = small_artifact();
        let n = cut.index(bytes.len());
        prop_assert!(Artifact::from_bytes(&bytes[..n]).is_err(), "cut at {n} of {}", bytes.len());
    }

    #[test]
    fn artifact_loader_survives_bit_flips(
        flips in prop::collection::vec((any::<prop::sample::Index>(), 0u8..8), 1..4)
    ) {
        let mut bytes = small_artifact().to_vec();
        let len = bytes.len();
        for (at, bit) in flips {
            bytes[at.index(len)] ^= 1 << bit;
        }
        // May decode (a flipped float), must not panic nor allocate without bound.
        let _ = Artifact::from_bytes(&bytes);
    }

    #[test]
    fn huge_length_prefixes_fail_without_allocating(
        len in (1u64 << 32)..u64::MAX,
        at in any::<prop::sample::Index>(),
    ) {
        // Overwrite 8 bytes with a huge little-endian number: every length prefix in the
        // artifact (Vec, String) is a u64, so some of these land exactly on one.
        let mut bytes = small_artifact().to_vec();
        let body = bytes.len() - MAGIC.len();
        let start = MAGIC.len() + at.index(body - 8);
        bytes[start..start + 8].copy_from_slice(&len.to_le_bytes());
        let _ = Artifact::from_bytes(&bytes);
    }
}

fn check_vector(v: &FeatureVector) {
    for (x, spec) in v.iter().zip(&FEATURES) {
        assert!(x.is_finite() && spec.accepts(*x), "{} = {x}", spec.name);
    }
}

fn json_key() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => prop::sample::select(FEATURES.iter().map(|f| f.name.to_string()).collect::<Vec<_>>()),
        1 => Just("Potability".to_string()),
        1 => "\\PC{0,10}",
    ]
}

fn json_value() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<f64>()
            .prop_filter("JSON numbers are finite", |v| v.is_finite())
            .prop_map(|v| format!("{v:?}")),
        (-1e6f64..1e6).prop_map(|v| format!("{v}")),
        Just("1e400".to_string()),
        Just("-1e400".to_string()),
        Just("1e-400".to_string()),
        Just("null".to_string()),
        Just("true".to_string()),
        Just("\"NaN\"".to_string()),
        Just("\"7.0\"".to_string()),
        Just("[7.0]".to_string()),
        Just("{\"ph\":7.0}".to_string()),
        "-?(0|[1-9][0-9]{0,29})(\\.[0-9]{1,30})?([eE][+-]?[0-9]{1,4})?",
    ]
}

/// A real artifact of a soft vote of a tiny forest and the RBF SVM (the shipped kind of
/// model, so both members' decoders are exercised), trained once on a few hundred rows of the
/// real data.
fn small_artifact() -> &'static [u8] {
    static BYTES: OnceLock<Vec<u8>> = OnceLock::new();
    BYTES.get_or_init(|| {
        let (rows, labels) = real_data();
        let mut params = Params::default();
        params.train.model_type = ModelType::Ensemble;
        let weights = &mut params.train.voting_weights;
        (
            weights.random_forest,
            weights.xgboost,
            weights.gradient_boosting,
            weights.svm,
        ) = (1.0, 0.0, 0.0, 1.0);
        params.train.random_forest.n_estimators = 3;
        params.train.random_forest.max_depth = Some(4);
        params.evaluate.cv_folds = 2;
        let out = train(&rows[..300], &labels[..300], &params, &no_progress).unwrap();
        let artifact = Artifact {
            format_version: FORMAT_VERSION,
            model: out.model,
            params,
            metrics: out.metrics,
            data_fingerprint: "fingerprint".into(),
            dataset_fingerprint: "fingerprint".into(),
            train_rows: 300,
            feedback_rows: 0,
        };
        let bytes = artifact.to_bytes().unwrap();
        assert!(Artifact::from_bytes(&bytes).is_ok());
        bytes
    })
}

fn real_data() -> (Vec<FeatureVector>, Vec<u8>) {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let local = root.join("Data-set/water_potability.csv");
    let path = if local.exists() {
        local
    } else {
        root.join("../shared/data/water_potability.csv")
    };
    let data = potable_core::dataset::read_csv_path(path).expect("water_potability.csv");
    (data.rows, data.labels.expect("labelled"))
}

#[test]
fn damaged_artifact_errors_are_encoding_errors() {
    let bytes = small_artifact();
    let mut huge = bytes.to_vec();
    // The first length prefix after the u32 format version: the model's first Vec/String/enum.
    let at = MAGIC.len() + 4;
    huge[at..at + 8].copy_from_slice(&u64::MAX.to_le_bytes());
    assert!(matches!(
        Artifact::from_bytes(&huge),
        Err(ArtifactError::Encoding(_))
    ));
}
