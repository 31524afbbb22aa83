//! The pipeline stage commands on the real data with the fast test params: outputs, their
//! content, byte-identical reruns, and bad input (one-line error, non-zero exit, nothing
//! half-written).

mod common;

use common::{data_file, root, run};
use potable_core::artifact::Artifact;
use std::fs;
use std::path::{Path, PathBuf};

fn params() -> String {
    root()
        .join("tests/fixtures/params-fast.yaml")
        .to_string_lossy()
        .into_owned()
}

fn data() -> String {
    data_file().to_string_lossy().into_owned()
}

fn test_dataset() -> String {
    data_file()
        .with_file_name("test_dataset.csv")
        .to_string_lossy()
        .into_owned()
}

fn assert_one_line_error(stderr: &str, needles: &[&str]) {
    let lines: Vec<&str> = stderr.lines().filter(|l| l.starts_with("error:")).collect();
    assert_eq!(lines.len(), 1, "stderr: {stderr}");
    for needle in needles {
        assert!(lines[0].contains(needle), "{needle:?} not in {stderr}");
    }
}

fn ok(cwd: &Path, args: &[&str]) -> String {
    let (success, out, err) = run(cwd, args);
    assert!(success, "potable {args:?} failed: {err}");
    out
}

fn json(path: PathBuf) -> serde_json::Value {
    serde_json::from_slice(&fs::read(&path).unwrap()).unwrap_or_else(|e| panic!("{path:?}: {e}"))
}

/// Runs validate -> preprocess -> train -> evaluate -> predict in `work`, as dvc.yaml does.
fn run_stages(work: &Path) {
    let (d, p) = (data(), params());
    ok(work, &["--quiet", "validate", "--data", &d]);
    ok(
        work,
        &["--quiet", "preprocess", "--data", &d, "--params", &p],
    );
    ok(
        work,
        &[
            "--quiet",
            "train",
            "--data",
            &d,
            "--params",
            &p,
            "--models-dir",
            "reg",
        ],
    );
    ok(
        work,
        &[
            "--quiet",
            "evaluate",
            "--data",
            &d,
            "--models-dir",
            "reg",
            "--preprocessed",
            "artifacts/preprocessed.json",
        ],
    );
    ok(
        work,
        &[
            "--quiet",
            "predict",
            "--models-dir",
            "reg",
            "--input",
            &test_dataset(),
        ],
    );
}

#[test]
fn stages_write_their_outputs_and_reruns_are_byte_identical() {
    let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    run_stages(a.path());
    run_stages(b.path());

    let v = json(a.path().join("validation.json"));
    assert_eq!(v["rows"], 3276);
    assert_eq!(v["failures"].as_array().unwrap().len(), 0);
    assert_eq!(v["columns"][0]["name"], "ph");
    assert_eq!(v["columns"][0]["missing"], 491);

    let pre = json(a.path().join("artifacts/preprocessed.json"));
    assert_eq!(pre["format"], "potable-preprocessed/1");
    assert_eq!(pre["rows"]["train"], 2620);
    assert_eq!(pre["test_index"].as_array().unwrap().len(), 656);

    let m = json(a.path().join("metrics.json"));
    assert_eq!(m["model_type"], "RandomForest");
    assert_eq!(m["test"]["n"], 656);
    assert_eq!(m["cv"]["folds"], 3);
    let acc = m["test"]["accuracy"].as_f64().unwrap();
    assert!((0.6..0.75).contains(&acc), "held-out accuracy {acc}");
    let gap = m["train_accuracy"].as_f64().unwrap() - acc;
    assert!((m["overfit_gap"].as_f64().unwrap() - gap).abs() < 1e-12);

    let predictions = fs::read_to_string(a.path().join("predictions.csv")).unwrap();
    let lines: Vec<&str> = predictions.lines().collect();
    assert_eq!(
        lines[0],
        "ph,Hardness,Solids,Chloramines,Sulfate,Conductivity,Organic_carbon,Trihalomethanes,Turbidity,probability_potable,potability,potability_label,model_version"
    );
    assert_eq!(lines.len(), 984, "header + 983 samples");
    let first: Vec<&str> = lines[1].split(',').collect();
    assert_eq!(first.len(), 13);
    assert_eq!(first[0], "8.813504659624094");
    let p: f64 = first[9].parse().unwrap();
    assert!((0.0..=1.0).contains(&p));
    assert_eq!(first[10], if p >= 0.5 { "1" } else { "0" });
    assert_eq!(first[12], "V1");

    for file in [
        "validation.json",
        "artifacts/preprocessed.json",
        "metrics.json",
        "predictions.csv",
        "reg/V1/model.bin",
    ] {
        assert_eq!(
            fs::read(a.path().join(file)).unwrap(),
            fs::read(b.path().join(file)).unwrap(),
            "{file} differs between two runs"
        );
    }
}

/// The shipped kind of model, a soft vote of a forest and the RBF SVM (small forest here),
/// trained in two separate processes: the same `metrics.json` bytes and the same artifact.
#[test]
fn forest_and_svm_ensemble_trains_byte_identically_in_two_processes() {
    let fast = fs::read_to_string(params()).unwrap();
    let ensemble = fast
        .replacen("model_type: RandomForest", "model_type: Ensemble", 1)
        .replacen("    xgboost: 1.0", "    xgboost: 0.0", 1)
        .replacen(
            "    gradient_boosting: 1.0",
            "    gradient_boosting: 0.0\n    svm: 2.0",
            1,
        )
        .replacen(
            "  voting_weights:",
            "  svm:\n    c: 0.5\n    gamma: scale\n  voting_weights:",
            1,
        );
    let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    for work in [a.path(), b.path()] {
        fs::write(work.join("params.yaml"), &ensemble).unwrap();
        ok(
            work,
            &["--quiet", "train", "--data", &data(), "--models-dir", "reg"],
        );
    }
    let m = json(a.path().join("metrics.json"));
    assert_eq!(m["model_type"], "Ensemble");
    let auc = m["test"]["roc_auc"].as_f64().unwrap();
    assert!((0.6..0.8).contains(&auc), "held-out ROC AUC {auc}");
    assert_eq!(
        fs::read(a.path().join("metrics.json")).unwrap(),
        fs::read(b.path().join("metrics.json")).unwrap()
    );
    let bytes = |dir: &Path| fs::read(dir.join("reg/V1/model.bin")).unwrap();
    let stored = Artifact::from_bytes(&bytes(a.path())).unwrap();
    assert_eq!(stored.params.train.voting_weights.svm, 2.0);
    assert_eq!(
        bytes(a.path()),
        bytes(b.path()),
        "model.bin differs between two runs"
    );
}

#[test]
fn pipeline_runs_every_stage_with_timing() {
    let work = tempfile::tempdir().unwrap();
    let (success, _, err) = run(
        work.path(),
        &[
            "pipeline",
            "--data",
            &data(),
            "--params",
            &params(),
            "--models-dir",
            "models",
            "--predict-input",
            &test_dataset(),
        ],
    );
    assert!(success, "{err}");
    for stage in [
        "validate",
        "preprocess",
        "train",
        "evaluate",
        "predict",
        "total",
    ] {
        assert!(
            err.lines()
                .any(|l| l.trim_start().starts_with(stage) && l.ends_with(" s")),
            "no timing line for {stage}: {err}"
        );
    }
    for out in [
        "validation.json",
        "artifacts/preprocessed.json",
        "models/V1/model.bin",
        "metrics.json",
        "predictions.csv",
    ] {
        assert!(work.path().join(out).is_file(), "{out} missing");
    }
    // --quiet silences the progress.
    let (success, _, err) = run(
        work.path(),
        &[
            "--quiet",
            "pipeline",
            "--data",
            &data(),
            "--params",
            &params(),
            "--predict-input",
            &test_dataset(),
        ],
    );
    assert!(success && err.is_empty(), "{err}");
    assert!(work.path().join("models/V2/model.bin").is_file());
}

/// The real data with line `line` (1-based, header = 1) changed by `edit`.
fn edited_data(dir: &Path, line: usize, edit: impl Fn(&str) -> String) -> String {
    let text = fs::read_to_string(data_file()).unwrap();
    let out: Vec<String> = text
        .lines()
        .enumerate()
        .map(|(i, l)| {
            if i + 1 == line {
                edit(l)
            } else {
                l.to_string()
            }
        })
        .collect();
    let path = dir.join("edited.csv");
    fs::write(&path, out.join("\n") + "\n").unwrap();
    path.to_string_lossy().into_owned()
}

/// Turns one data line of the real data into an edited one.
type LineEdit = Box<dyn Fn(&str) -> String>;

fn set_field(line: &str, index: usize, value: &str) -> String {
    let mut cells: Vec<String> = line.split(',').map(String::from).collect();
    cells[index] = value.to_string();
    cells.join(",")
}

#[test]
fn validate_refuses_broken_expectations_naming_the_column() {
    let dir = tempfile::tempdir().unwrap();
    let cases: [(LineEdit, &[&str]); 3] = [
        (
            Box::new(|l| set_field(l, 0, "15")),
            &["ph", "out of range", "line 3"],
        ),
        (
            Box::new(|l| set_field(l, 1, "-4.5")),
            &["Hardness", "out of range"],
        ),
        (Box::new(|l| l.to_string()), &["duplicate"]),
    ];
    for (edit, needles) in cases {
        let csv = if needles == ["duplicate"] {
            // Repeat line 3 right after itself.
            let text = fs::read_to_string(data_file()).unwrap();
            let third = text.lines().nth(2).unwrap().to_string();
            let path = dir.path().join("edited.csv");
            fs::write(&path, format!("{text}{}\n", edit(&third))).unwrap();
            path.to_string_lossy().into_owned()
        } else {
            edited_data(dir.path(), 3, &edit)
        };
        let (success, _, err) = run(dir.path(), &["--quiet", "validate", "--data", &csv]);
        assert!(!success, "{needles:?} passed");
        assert_one_line_error(&err, needles);
        let report = json(dir.path().join("validation.json"));
        assert!(!report["failures"].as_array().unwrap().is_empty());
    }
}

#[test]
fn bad_inputs_fail_cleanly_without_outputs() {
    let dir = tempfile::tempdir().unwrap();
    let w = dir.path();
    let listing = || {
        let mut names: Vec<String> = fs::read_dir(w)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    };
    // A missing data file.
    let (success, _, err) = run(w, &["--quiet", "validate", "--data", "nope.csv"]);
    assert!(!success);
    assert_one_line_error(&err, &["nope.csv"]);
    // Invalid params: the key and the rule.
    let bad = fs::read_to_string(params())
        .unwrap()
        .replace("test_size: 0.2", "test_size: 1.5");
    fs::write(w.join("bad.yaml"), bad).unwrap();
    let (success, _, err) = run(
        w,
        &[
            "--quiet",
            "preprocess",
            "--data",
            &data(),
            "--params",
            "bad.yaml",
        ],
    );
    assert!(!success);
    assert_one_line_error(&err, &["preprocess.test_size", "(0, 1)"]);
    // No registry / no model.
    let (success, _, err) = run(w, &["--quiet", "evaluate", "--data", &data()]);
    assert!(!success);
    assert_one_line_error(&err, &["no model registry in models"]);
    let (success, _, err) = run(w, &["--quiet", "predict", "--model", "missing.bin"]);
    assert!(!success);
    assert_one_line_error(&err, &["missing.bin"]);
    assert_eq!(listing(), ["bad.yaml"], "outputs were left behind");

    // A model and a preprocess output from other params do not match.
    let models = common::trained_models("pipeline");
    let models = models.to_string_lossy().into_owned();
    let other = fs::read_to_string(params())
        .unwrap()
        .replace("random_state: 42", "random_state: 7");
    fs::write(w.join("other.yaml"), other).unwrap();
    ok(
        w,
        &[
            "--quiet",
            "preprocess",
            "--data",
            &data(),
            "--params",
            "other.yaml",
            "--out",
            "pre.json",
        ],
    );
    let (success, _, err) = run(
        w,
        &[
            "--quiet",
            "evaluate",
            "--data",
            &data(),
            "--models-dir",
            &models,
            "--preprocessed",
            "pre.json",
        ],
    );
    assert!(!success);
    assert_one_line_error(&err, &["does not match", "pre.json"]);
    // A sample out of range refuses the whole prediction file, naming line and field.
    let input = fs::read_to_string(test_dataset()).unwrap();
    let mut lines: Vec<String> = input.lines().map(String::from).collect();
    lines[4] = set_field(&lines[4], 0, "15");
    fs::write(w.join("samples.csv"), lines.join("\n")).unwrap();
    let (success, _, err) = run(
        w,
        &[
            "--quiet",
            "predict",
            "--models-dir",
            &models,
            "--input",
            "samples.csv",
        ],
    );
    assert!(!success);
    assert_one_line_error(&err, &["samples.csv line 5", "ph"]);
    assert_eq!(
        listing(),
        ["bad.yaml", "other.yaml", "pre.json", "samples.csv"],
        "outputs were left behind"
    );
}

#[test]
fn cv_exports_stratified_folds() {
    let dir = tempfile::tempdir().unwrap();
    let out = ok(
        dir.path(),
        &[
            "--quiet",
            "cv",
            "--data",
            &data(),
            "--params",
            &params(),
            "--folds-out",
            "folds.json",
            "--json",
        ],
    );
    let result: serde_json::Value = serde_json::from_str(out.trim()).unwrap();
    assert_eq!(result["cv"]["folds"], 3);
    let acc = result["cv"]["accuracy"]["mean"].as_f64().unwrap();
    assert!((0.6..0.75).contains(&acc), "{acc}");
    let folds = json(dir.path().join("folds.json"));
    let mut seen = vec![0u32; 3276];
    for fold in folds["folds"].as_array().unwrap() {
        for i in fold.as_array().unwrap() {
            seen[i.as_u64().unwrap() as usize] += 1;
        }
    }
    assert!(
        seen.iter().all(|&s| s == 1),
        "every row in exactly one fold"
    );
    assert_eq!(folds["holdout"]["test"].as_array().unwrap().len(), 656);
    let inner: usize = folds["train_folds"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f.as_array().unwrap().len())
        .sum();
    assert_eq!(inner, 2620);
}

#[test]
fn every_stage_has_help() {
    let dir = tempfile::tempdir().unwrap();
    for cmd in [
        "validate",
        "preprocess",
        "evaluate",
        "predict",
        "pipeline",
        "cv",
    ] {
        let out = ok(dir.path(), &[cmd, "--help"]);
        assert!(out.contains("Usage: potable"), "{cmd}: {out}");
    }
}
