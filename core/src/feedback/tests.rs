use super::*;

/// Rows 2 and 4 of `water_potability.csv` (complete ones), with their labels.
const ROW_A: FeatureVector = [
    8.316765884214679,
    214.37339408562252,
    22018.417440775294,
    8.05933237743854,
    356.88613564305666,
    363.2665161642437,
    18.436524495493302,
    100.34167436508008,
    4.628770536837084,
];
const ROW_B: FeatureVector = [
    9.092223456290965,
    181.10150923612525,
    17978.98633892625,
    6.546599974207941,
    310.13573752420444,
    398.41081338184466,
    11.558279443446395,
    31.997992727424737,
    4.075075425430034,
];
/// The valid sample of `../shared/cases/README.md`.
const CASE_SAMPLE: FeatureVector = [7.0, 200.0, 20000.0, 7.5, 350.0, 400.0, 14.0, 70.0, 4.0];

fn predicted(label: u8, probability: f64, version: &str) -> Option<Prediction> {
    Some(Prediction {
        label,
        probability,
        model_version: version.to_string(),
    })
}

fn feedback(
    features: FeatureVector,
    true_label: u8,
    prediction: Option<Prediction>,
) -> NewFeedback {
    NewFeedback {
        features,
        prediction,
        true_label,
        note: None,
    }
}

fn open(dir: &tempfile::TempDir) -> FeedbackStore {
    FeedbackStore::open(dir.path().join(FEEDBACK_DB_FILE)).unwrap()
}

fn invalid_fields(err: FeedbackError) -> Vec<(String, String)> {
    match err {
        FeedbackError::Invalid(errors) => errors.into_iter().map(|e| (e.field, e.rule)).collect(),
        other => panic!("expected Invalid, got {other}"),
    }
}

#[test]
fn database_uses_wal_full_sync_and_schema_version() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(&dir);
    let pragma = |name: &str| -> String {
        store
            .conn
            .pragma_query_value(None, name, |r| r.get::<_, rusqlite::types::Value>(0))
            .map(|v| format!("{v:?}"))
            .unwrap()
    };
    assert_eq!(pragma("journal_mode"), "Text(\"wal\")");
    assert_eq!(pragma("synchronous"), "Integer(2)"); // FULL
    assert_eq!(pragma("user_version"), "Integer(1)");
}

#[test]
fn insert_list_count_and_export_real_rows() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(&dir);
    let mut first = feedback(ROW_A, 1, predicted(0, 0.31, "V1"));
    first.note = Some("tap A, lab report 12, \"recheck\"".to_string());
    let id1 = store.insert(&first).unwrap();
    let id2 = store
        .insert(&feedback(ROW_B, 0, predicted(1, 0.62, "V2")))
        .unwrap();
    let id3 = store.insert(&feedback(CASE_SAMPLE, 1, None)).unwrap();
    let id4 = store
        .insert(&feedback(ROW_B, 1, predicted(0, 0.05, "V1")))
        .unwrap();
    assert_eq!((id1, id2, id3, id4), (1, 2, 3, 4));
    assert_eq!(store.count().unwrap(), 4);

    let page = store.list(2, 0).unwrap();
    assert_eq!(page.iter().map(|r| r.id).collect::<Vec<_>>(), [4, 3]);
    assert_eq!(page[1].features, CASE_SAMPLE);
    assert_eq!(page[1].prediction, None);
    let page = store.list(2, 2).unwrap();
    assert_eq!(page.iter().map(|r| r.id).collect::<Vec<_>>(), [2, 1]);
    assert_eq!(page[1].features, ROW_A, "f64 values round-trip exactly");
    assert_eq!(page[1].true_label, 1);
    assert_eq!(page[1].prediction, predicted(0, 0.31, "V1"));
    assert_eq!(page[1].note, first.note);
    assert!(store.list(10, 4).unwrap().is_empty());
    assert_eq!(store.get(2).unwrap().unwrap().features, ROW_B);
    assert_eq!(store.get(99).unwrap(), None);

    let counts: Vec<_> = store
        .count_by_label_and_version()
        .unwrap()
        .into_iter()
        .map(|c| (c.model_version, c.true_label, c.count))
        .collect();
    assert_eq!(
        counts,
        [
            (None, 1, 1),
            (Some("V1".to_string()), 1, 2),
            (Some("V2".to_string()), 0, 1),
        ]
    );

    let all = store.all_rows().unwrap();
    assert_eq!(all.iter().map(|r| r.id).collect::<Vec<_>>(), [1, 2, 3, 4]);
    assert_eq!(
        all.iter().map(|r| r.true_label).collect::<Vec<_>>(),
        [1, 0, 1, 1]
    );

    let mut csv_bytes = Vec::new();
    assert_eq!(store.export_csv(&mut csv_bytes).unwrap(), 4);
    let text = String::from_utf8(csv_bytes).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 5);
    assert_eq!(
        lines[0],
        "id,created_at,ph,Hardness,Solids,Chloramines,Sulfate,Conductivity,Organic_carbon,\
         Trihalomethanes,Turbidity,Potability,predicted_label,predicted_probability,model_version,note"
    );
    let created = &all[0].created_at;
    assert_eq!(
        lines[1],
        format!(
            "1,{created},8.316765884214679,214.37339408562252,22018.417440775294,8.05933237743854,\
             356.88613564305666,363.2665161642437,18.436524495493302,100.34167436508008,\
             4.628770536837084,1,0,0.31,V1,\"tap A, lab report 12, \"\"recheck\"\"\""
        )
    );
    assert_eq!(
        lines[3],
        format!(
            "3,{},7,200,20000,7.5,350,400,14,70,4,1,,,,",
            all[2].created_at
        )
    );
    // The export parses back to the stored values.
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let record = reader.records().nth(1).unwrap().unwrap();
    let parsed: Vec<f64> = (2..11).map(|i| record[i].parse().unwrap()).collect();
    assert_eq!(parsed, ROW_B);
}

#[test]
fn invalid_feedback_is_refused_and_nothing_is_stored() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(&dir);

    let mut missing = CASE_SAMPLE;
    missing[0] = f64::NAN; // a missing ph (empty CSV cell) is never stored with a default
    let err = store.insert(&feedback(missing, 1, None)).unwrap_err();
    assert_eq!(
        err.to_string(),
        "invalid feedback: ph: must be a finite number"
    );

    let mut bad = CASE_SAMPLE;
    bad[2] = f64::INFINITY;
    bad[8] = -1.0;
    bad[0] = 15.2;
    assert_eq!(
        invalid_fields(store.insert(&feedback(bad, 2, None)).unwrap_err()),
        [
            ("ph".to_string(), "must be within [0, 14]".to_string()),
            ("Solids".to_string(), "must be a finite number".to_string()),
            (
                "Turbidity".to_string(),
                "must be within [0, 100] NTU".to_string()
            ),
            ("true_label".to_string(), "must be 0 or 1".to_string()),
        ]
    );

    let err = store
        .insert(&feedback(CASE_SAMPLE, 0, predicted(3, f64::NAN, "latest")))
        .unwrap_err();
    assert_eq!(
        invalid_fields(err),
        [
            ("predicted_label".to_string(), "must be 0 or 1".to_string()),
            (
                "predicted_probability".to_string(),
                "must be a finite number within [0, 1]".to_string()
            ),
            (
                "model_version".to_string(),
                "must be a version name such as V3".to_string()
            ),
        ]
    );
    let err = store
        .insert(&feedback(CASE_SAMPLE, 0, predicted(1, 1.5, "V1")))
        .unwrap_err();
    assert_eq!(invalid_fields(err)[0].0, "predicted_probability");

    assert_eq!(store.count().unwrap(), 0);
    assert!(store.all_rows().unwrap().is_empty());
}

#[test]
fn table_constraints_refuse_bad_rows_written_behind_the_api() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(&dir);
    let insert = |ph: f64, label: i64| {
        store.conn.execute(
            "INSERT INTO feedback (created_at, ph, Hardness, Solids, Chloramines, Sulfate, \
             Conductivity, Organic_carbon, Trihalomethanes, Turbidity, true_label) \
             VALUES ('t', ?1, 200, 20000, 7.5, 350, 400, 14, 70, 4, ?2)",
            params![ph, label],
        )
    };
    assert!(insert(7.0, 2).is_err());
    assert!(insert(15.0, 1).is_err());
    assert!(insert(f64::NAN, 1).is_err());
    assert_eq!(insert(7.0, 1).unwrap(), 1);
    assert_eq!(store.count().unwrap(), 1);
}

#[test]
fn rows_persist_across_reopen() {
    let dir = tempfile::tempdir().unwrap();
    {
        let store = open(&dir);
        store
            .insert(&feedback(ROW_A, 0, predicted(0, 0.2, "V3")))
            .unwrap();
        store
            .insert(&feedback(ROW_B, 1, predicted(1, 0.9, "V3")))
            .unwrap();
    }
    let store = open(&dir);
    let rows = store.all_rows().unwrap();
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0].features, ROW_A);
    assert_eq!(rows[1].prediction, predicted(1, 0.9, "V3"));
    assert_eq!(store.insert(&feedback(CASE_SAMPLE, 1, None)).unwrap(), 3);
}

#[test]
fn newer_schema_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(FEEDBACK_DB_FILE);
    Connection::open(&path)
        .unwrap()
        .pragma_update(None, "user_version", 7)
        .unwrap();
    let err = FeedbackStore::open(&path).unwrap_err();
    assert!(matches!(
        err,
        FeedbackError::UnsupportedSchema {
            found: 7,
            supported: 1
        }
    ));
}
