//! The promotion gate's refusing path (a worse retrain stays a candidate until an operator
//! promotes it), over REST and the CLI, and what a real retrained version records.

mod common;

use common::{data_file, root, run, Server, VALID_SAMPLE};
use serde_json::{json, Value};
use std::path::{Path, PathBuf};

/// A work folder with V1 trained from its own `params.yaml` (the fast test parameters).
fn fresh(tag: &str) -> PathBuf {
    let work = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("promotion-{tag}"));
    let _ = std::fs::remove_dir_all(&work);
    std::fs::create_dir_all(&work).unwrap();
    std::fs::copy(
        root().join("tests/fixtures/params-fast.yaml"),
        work.join("params.yaml"),
    )
    .unwrap();
    potable(&work, &["--quiet", "train", "--params", "params.yaml"]);
    work
}

/// Runs `potable` in `work` over its data and models; panics with stderr when it fails.
fn potable(work: &Path, args: &[&str]) -> String {
    let data = data_file();
    let mut all = args.to_vec();
    if matches!(args.get(1), Some(&"train") | Some(&"retrain")) {
        all.extend(["--data", data.to_str().unwrap(), "--models-dir", "models"]);
    }
    let (ok, out, err) = run(work, &all);
    assert!(ok, "potable {all:?} failed: {err}");
    out
}

/// Replaces the work folder's params with a model far weaker than V1's 40-tree forest:
/// one tree of depth 1.
fn make_params_weak(work: &Path) {
    let text = std::fs::read_to_string(work.join("params.yaml")).unwrap();
    let weak = text
        .replacen("n_estimators: 40", "n_estimators: 1", 1)
        .replacen("max_depth: 12", "max_depth: 1", 1);
    assert_ne!(weak, text);
    std::fs::write(work.join("params.yaml"), weak).unwrap();
}

fn get(server: &Server, path: &str) -> Value {
    let (status, body) = server.get(path);
    assert_eq!(status, 200, "{path}: {body}");
    serde_json::from_str(&body).unwrap()
}

fn status_of(server: &Server, version: &str) -> String {
    get(server, "/models/versions")["versions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["version"] == version)
        .unwrap_or_else(|| panic!("{version} not listed"))["status"]
        .as_str()
        .unwrap()
        .to_string()
}

#[test]
fn a_worse_retrain_stays_a_candidate_until_promoted_over_rest() {
    let work = fresh("rest");
    let params = work.join("params.yaml");
    let server = Server::start_with(
        &work.join("models"),
        &[
            "--data",
            data_file().to_str().unwrap(),
            "--params",
            params.to_str().unwrap(),
        ],
    );
    let v1_auc = get(&server, "/models/V1")["meta"]["metrics"]["test"]["roc_auc"]
        .as_f64()
        .unwrap();
    make_params_weak(&work);
    let body = json!({"water_quality": serde_json::from_str::<Value>(VALID_SAMPLE).unwrap(),
                      "actual_potability": 1});
    let (status, json) = server.post_json("/retrain", &body.to_string());
    assert_eq!(status, 202, "{json}");
    // Params are read at the start of training, before its first progress event: restore the
    // file once that event is seen, and V2 still trains with the weak params.
    let start = std::time::Instant::now();
    while get(&server, "/retrain/status")["job"]["events"]
        .as_array()
        .is_none_or(Vec::is_empty)
    {
        assert!(start.elapsed().as_secs() < 60, "no progress event");
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    std::fs::copy(root().join("tests/fixtures/params-fast.yaml"), &params).unwrap();
    let job = server.wait_for_retrain();
    assert_eq!(job["state"], "succeeded", "{job}");
    let outcome = &job["outcome"];
    assert_eq!(outcome["version"], "V2", "{job}");
    assert_eq!(outcome["promoted"], false, "{job}");

    let v2 = get(&server, "/models/V2")["meta"].clone();
    let v2_auc = v2["metrics"]["test"]["roc_auc"].as_f64().unwrap();
    assert!(v2_auc < v1_auc, "V2 {v2_auc} vs V1 {v1_auc}");
    assert_eq!(v2["params"]["train"]["random_forest"]["n_estimators"], 1);
    assert_eq!(v2["params"]["train"]["random_forest"]["max_depth"], 1);
    assert_eq!(v2["feedback_rows"], 1, "{v2}");
    assert_eq!(
        v2["train_rows"], 2621,
        "2,620 training rows + 1 feedback row: {v2}"
    );
    let v1 = get(&server, "/models/V1")["meta"].clone();
    // The fingerprint covers the training rows, so the feedback row changes it.
    assert_ne!(v2["data_fingerprint"], v1["data_fingerprint"]);
    assert_eq!(v2["data_fingerprint"].as_str().unwrap().len(), 64);
    // The revision the binary was built from (`core/build.rs`): this checkout's commit.
    let revision = potable_core::retrain::code_revision();
    assert_eq!(v2["code_revision"], json!(revision), "{v2}");
    if root().join(".git").exists() {
        let revision = revision.expect("a git checkout has a revision");
        assert_eq!(revision.len(), 12, "{revision}");
        assert!(
            revision.chars().all(|c| c.is_ascii_hexdigit()),
            "{revision}"
        );
    }

    assert_eq!(get(&server, "/models/current")["model_version"], "V1");
    assert_eq!(status_of(&server, "V2"), "candidate");
    let (_, predicted) = server.post_json("/predict", VALID_SAMPLE);
    assert_eq!(predicted["model_version"], "V1");

    let (status, json) = server.post_json("/models/V2/promote", "");
    assert_eq!(status, 200, "{json}");
    assert_eq!(get(&server, "/models/current")["model_version"], "V2");
    assert_eq!(status_of(&server, "V1"), "candidate");
    let (_, predicted) = server.post_json("/predict", VALID_SAMPLE);
    assert_eq!(predicted["model_version"], "V2");
    // The evaluate stage recovers V2's held-out part from the data file it was split from,
    // although V2 was fitted on the training part plus a feedback row.
    let data = data_file();
    let (ok, _, err) = run(
        &work,
        &[
            "--quiet",
            "evaluate",
            "--data",
            data.to_str().unwrap(),
            "--models-dir",
            "models",
            "--out",
            "v2-metrics.json",
        ],
    );
    assert!(ok, "evaluate of a retrained version: {err}");
    let evaluated: Value =
        serde_json::from_slice(&std::fs::read(work.join("v2-metrics.json")).unwrap()).unwrap();
    assert_eq!(evaluated["test"], v2["metrics"]["test"]);
    let history = get(&server, "/models/history")["history"].clone();
    let last = history.as_array().unwrap().last().unwrap().clone();
    assert_eq!(
        (last["from"].clone(), last["to"].clone()),
        (json!("V1"), json!("V2"))
    );
}

#[test]
fn a_worse_retrain_stays_a_candidate_until_promoted_from_the_cli() {
    let work = fresh("cli");
    make_params_weak(&work);
    potable(&work, &["--quiet", "retrain", "--params", "params.yaml"]);
    let list = potable(&work, &["models", "list"]);
    let active: Vec<&str> = list
        .lines()
        .filter(|l| l.contains("active"))
        .filter_map(|l| l.split_whitespace().next())
        .collect();
    assert_eq!(active, vec!["V1"], "{list}");
    assert!(
        list.lines()
            .any(|l| l.starts_with("V2") && l.contains("candidate")),
        "{list}"
    );
    potable(&work, &["--quiet", "models", "promote", "V2"]);
    let shown: Value = serde_json::from_str(&potable(&work, &["models", "show", "V2"])).unwrap();
    assert_eq!(shown["status"], "active", "{shown}");
    let (ok, _, err) = run(&work, &["models", "promote", "V2"]);
    assert!(!ok);
    assert!(err.contains("already active"), "{err}");
}
