//! The bad-input cases of `../shared/cases/` (C1: non-finite and out-of-range values, C4:
//! unknown and missing fields) on every path a sample enters by: `POST /predict`, `POST
//! /feedback`, `POST /retrain`, `POST /predict/batch` (JSON and CSV) and the `predict` stage.
//! Each must be refused naming the field and the rule, never answer NaN, and store nothing.

mod common;

use common::{run, Server, VALID_SAMPLE};
use serde_json::{Map, Value};
use std::path::PathBuf;

/// One bad sample: the JSON field texts to set (or `None` to remove the field), and the
/// fields and rule fragments the refusal must name.
struct Case {
    name: &'static str,
    edits: &'static [(&'static str, Option<&'static str>)],
    named: &'static [(&'static str, &'static str)],
}

const CASES: &[Case] = &[
    Case {
        name: "C1 ph NaN string",
        edits: &[("ph", Some("\"NaN\""))],
        named: &[("ph", "number")],
    },
    Case {
        name: "C1 Solids inf string",
        edits: &[("Solids", Some("\"inf\""))],
        named: &[("Solids", "number")],
    },
    Case {
        name: "C1 ph 1e400",
        edits: &[("ph", Some("1e400"))],
        named: &[("ph", "finite")],
    },
    Case {
        name: "C1 ph 15.2",
        edits: &[("ph", Some("15.2"))],
        named: &[("ph", "[0, 14]")],
    },
    Case {
        name: "C1 Turbidity -1",
        edits: &[("Turbidity", Some("-1"))],
        named: &[("Turbidity", "[0, 100]")],
    },
    Case {
        name: "C4 label and unknown column sent with the features",
        edits: &[("Potability", Some("1")), ("Color", Some("3"))],
        named: &[("Potability", "unknown"), ("Color", "unknown")],
    },
    Case {
        name: "C4 Turbidity missing",
        edits: &[("Turbidity", None)],
        named: &[("Turbidity", "missing")],
    },
];

/// The valid sample with the case's edits applied, as JSON object text (raw field texts, so
/// `1e400` and friends reach the server exactly as written).
fn sample(case: &Case) -> String {
    let obj: Map<String, Value> = serde_json::from_str(VALID_SAMPLE).unwrap();
    let mut fields: Vec<(String, String)> =
        obj.into_iter().map(|(k, v)| (k, v.to_string())).collect();
    for (field, text) in case.edits {
        fields.retain(|(k, _)| k != field);
        if let Some(text) = text {
            fields.push((field.to_string(), text.to_string()));
        }
    }
    let body: Vec<String> = fields.iter().map(|(k, v)| format!("\"{k}\":{v}")).collect();
    format!("{{{}}}", body.join(","))
}

/// Asserts that `errors` (a JSON array of `{field, rule}`) names every field of the case,
/// with `prefix` before the field name, and that `whole` holds no NaN.
fn assert_names(case: &Case, errors: &Value, prefix: &str, whole: &Value) {
    let errors = errors
        .as_array()
        .unwrap_or_else(|| panic!("{}: no error list in {whole}", case.name));
    for (field, rule) in case.named {
        let want = format!("{prefix}{field}");
        assert!(
            errors.iter().any(|e| e["field"] == want.as_str()
                && e["rule"].as_str().is_some_and(|r| r.contains(rule))),
            "{}: {want} / {rule} not named in {whole}",
            case.name
        );
    }
    assert!(!whole.to_string().contains("NaN"), "{}: {whole}", case.name);
}

fn work(tag: &str) -> PathBuf {
    common::fresh_work("cases", tag)
}

#[test]
fn every_json_path_refuses_each_case_and_stores_nothing() {
    let work = work("json");
    // No admin token: /retrain is open, so a refusal can only come from the input check.
    let server = Server::start_with(
        &work.join("models"),
        &[
            "--data",
            common::data_file().to_str().unwrap(),
            "--params",
            common::root()
                .join("tests/fixtures/params-fast.yaml")
                .to_str()
                .unwrap(),
        ],
    );
    for case in CASES {
        let bad = sample(case);

        let (status, json) = server.post_json("/predict", &bad);
        assert_eq!(status, 422, "{} /predict: {json}", case.name);
        assert_eq!(json["error"], "invalid_input");
        assert_names(case, &json["fields"], "", &json);

        for path in ["/feedback", "/retrain"] {
            let body = format!("{{\"water_quality\":{bad},\"actual_potability\":1}}");
            let (status, json) = server.post_json(path, &body);
            assert_eq!(status, 422, "{} {path}: {json}", case.name);
            assert_names(case, &json["fields"], "water_quality.", &json);
        }

        // A batch is answered row by row: the good row is predicted, the bad one names why.
        let (status, json) = server.post_json("/predict/batch", &format!("[{VALID_SAMPLE},{bad}]"));
        assert_eq!(status, 200, "{} batch: {json}", case.name);
        assert_eq!(json["predicted"], 1, "{} batch: {json}", case.name);
        assert_eq!(json["failed"], 1, "{} batch: {json}", case.name);
        let row = &json["results"][1];
        assert_eq!(row["row"], 1);
        assert!(row.get("probability_potable").is_none(), "{row}");
        assert_names(case, &row["errors"], "", &json);
    }

    // Nothing was stored and no retrain started.
    let (status, page) = server.get("/feedback");
    assert_eq!(status, 200);
    let page: Value = serde_json::from_str(&page).unwrap();
    assert_eq!(page["total"], 0, "{page}");
    let (_, jobs) = server.get("/retrain/status");
    let jobs: Value = serde_json::from_str(&jobs).unwrap();
    assert_eq!(jobs["running"], false, "{jobs}");
    assert!(jobs["job"].is_null(), "{jobs}");
    let (_, versions) = server.get("/models/versions");
    let versions: Value = serde_json::from_str(&versions).unwrap();
    assert_eq!(
        versions["versions"].as_array().unwrap().len(),
        1,
        "{versions}"
    );
}

/// The same values as CSV cells: the batch endpoint names line and column, and the `predict`
/// stage refuses the whole file naming them.
#[test]
fn csv_paths_refuse_non_finite_and_out_of_range_cells() {
    let work = work("csv");
    let server = Server::start(&work.join("models"));
    let header = "ph,Hardness,Solids,Chloramines,Sulfate,Conductivity,Organic_carbon,Trihalomethanes,Turbidity";
    let good = "7.0,200,20000,7.5,350,400,14,70,4";
    let cells: [(&str, usize, &str, &str); 5] = [
        ("NaN", 0, "ph", "number"),
        ("inf", 2, "Solids", "number"),
        ("1e400", 0, "ph", "finite"),
        ("15.2", 0, "ph", "[0, 14]"),
        ("-1", 8, "Turbidity", "[0, 100]"),
    ];
    for (text, column, field, rule) in cells {
        let mut row: Vec<&str> = good.split(',').collect();
        row[column] = text;
        let csv = format!("{header}\n{good}\n{}\n", row.join(","));

        let resp = reqwest::blocking::Client::new()
            .post(format!("{}/predict/batch", server.url))
            .header("content-type", "text/csv")
            .body(csv.clone())
            .send()
            .unwrap();
        assert_eq!(resp.status().as_u16(), 200);
        let json: Value = serde_json::from_str(&resp.text().unwrap()).unwrap();
        assert_eq!(json["predicted"], 1, "{text}: {json}");
        let bad = &json["results"][1];
        assert_eq!(bad["line"], 3, "{text}: {json}");
        assert_eq!(bad["errors"][0]["field"], field, "{text}: {json}");
        assert!(
            bad["errors"][0]["rule"].as_str().unwrap().contains(rule),
            "{text}: {json}"
        );
        assert!(!json.to_string().contains("NaN"), "{json}");

        std::fs::write(work.join("samples.csv"), &csv).unwrap();
        let out = work.join("predictions.csv");
        let _ = std::fs::remove_file(&out);
        let (ok, _, err) = run(
            &work,
            &[
                "--quiet",
                "predict",
                "--models-dir",
                "models",
                "--input",
                "samples.csv",
                "--out",
                "predictions.csv",
            ],
        );
        assert!(!ok, "{text}: the predict stage accepted the file");
        assert!(
            err.contains("line 3") && err.contains(field) && err.contains(rule),
            "{text}: {err}"
        );
        assert!(
            !out.exists(),
            "{text}: a refused file still wrote predictions"
        );
    }
}
