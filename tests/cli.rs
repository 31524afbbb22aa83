//! The command line with bad input: one-line errors, non-zero exits, no half-written files.

mod common;

use common::{data_file, root, run};
use std::fs;

fn params() -> String {
    root()
        .join("tests/fixtures/params-fast.yaml")
        .to_string_lossy()
        .into_owned()
}

/// Names of the files left in `dir`, sorted.
fn listing(dir: &std::path::Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(dir)
        .map(|entries| {
            entries
                .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

fn assert_one_line_error(stderr: &str, needle: &str) {
    let lines: Vec<&str> = stderr.lines().filter(|l| l.starts_with("error:")).collect();
    assert_eq!(lines.len(), 1, "stderr: {stderr}");
    assert!(lines[0].contains(needle), "{needle:?} not in {stderr}");
}

#[test]
fn train_with_a_missing_data_file_fails_cleanly() {
    let work = tempfile::tempdir().unwrap();
    let (ok, _, err) = run(
        work.path(),
        &[
            "--quiet",
            "train",
            "--data",
            "nope.csv",
            "--params",
            &params(),
        ],
    );
    assert!(!ok);
    assert_one_line_error(&err, "nope.csv");
    assert_eq!(
        listing(work.path()),
        Vec::<String>::new(),
        "files were left behind"
    );
}

#[test]
fn train_with_an_unreadable_csv_fails_cleanly() {
    let work = tempfile::tempdir().unwrap();
    fs::write(work.path().join("bad.csv"), "ph;Hardness\n7,0;200,1\n").unwrap();
    let (ok, _, err) = run(
        work.path(),
        &[
            "--quiet",
            "train",
            "--data",
            "bad.csv",
            "--params",
            &params(),
        ],
    );
    assert!(!ok);
    assert_one_line_error(&err, "bad.csv");
    assert_eq!(listing(work.path()), vec!["bad.csv".to_string()]);
}

#[test]
fn train_with_invalid_params_names_the_key() {
    let work = tempfile::tempdir().unwrap();
    let text = fs::read_to_string(params()).unwrap();
    let broken = text.replacen("test_size: 0.2", "test_size: 1.5", 1);
    assert_ne!(text, broken, "fixture must contain test_size: 0.2");
    fs::write(work.path().join("params.yaml"), broken).unwrap();
    let data = data_file();
    let (ok, _, err) = run(
        work.path(),
        &["--quiet", "train", "--data", data.to_str().unwrap()],
    );
    assert!(!ok);
    assert_one_line_error(&err, "preprocess.test_size");
    assert_eq!(listing(work.path()), vec!["params.yaml".to_string()]);
}

#[test]
fn train_refuses_a_held_out_part_too_small_to_score() {
    let work = tempfile::tempdir().unwrap();
    let text = fs::read_to_string(params()).unwrap();
    // 0.005 of 3,276 rows holds out 16 rows: about 6 potable ones.
    let tiny = text.replacen("test_size: 0.2", "test_size: 0.005", 1);
    fs::write(work.path().join("params.yaml"), tiny).unwrap();
    let data = data_file();
    let (ok, _, err) = run(
        work.path(),
        &["--quiet", "train", "--data", data.to_str().unwrap()],
    );
    assert!(!ok);
    assert_one_line_error(&err, "preprocess.test_size: 0.005 leaves");
    assert!(err.contains("at least 20 of each class"), "{err}");
    assert_eq!(listing(work.path()), vec!["params.yaml".to_string()]);
}

#[test]
fn fetch_data_refuses_a_file_with_the_wrong_checksum() {
    let work = tempfile::tempdir().unwrap();
    let source = work.path().join("source");
    fs::create_dir(&source).unwrap();
    let mut content = fs::read(data_file()).unwrap();
    content[200] ^= 1; // one flipped bit
    fs::write(source.join("water_potability.csv"), content).unwrap();
    let (ok, _, err) = run(
        work.path(),
        &[
            "--quiet",
            "fetch-data",
            "--from",
            "source",
            "--dest",
            "Data-set",
        ],
    );
    assert!(!ok);
    assert_one_line_error(&err, "SHA-256");
    assert_eq!(listing(&work.path().join("Data-set")), Vec::<String>::new());
}

#[test]
fn fetch_data_copies_and_verifies_then_skips() {
    let work = tempfile::tempdir().unwrap();
    let from = data_file().parent().unwrap().to_path_buf();
    let args = [
        "--quiet",
        "fetch-data",
        "--from",
        from.to_str().unwrap(),
        "--dest",
        "Data-set",
    ];
    let (ok, _, err) = run(work.path(), &args);
    assert!(ok, "{err}");
    let dest = work.path().join("Data-set/water_potability.csv");
    assert_eq!(
        potable_core::datafiles::sha256_file(&dest).unwrap(),
        potable_core::datafiles::DATA_FILES[0].sha256
    );
    let modified = fs::metadata(&dest).unwrap().modified().unwrap();
    let (ok, _, _) = run(work.path(), &args);
    assert!(ok);
    assert_eq!(fs::metadata(&dest).unwrap().modified().unwrap(), modified);
}

#[test]
fn train_registers_v1_writes_metrics_and_reports_timing() {
    let work = tempfile::tempdir().unwrap();
    let data = data_file();
    let (ok, out, err) = run(
        work.path(),
        &[
            "train",
            "--data",
            data.to_str().unwrap(),
            "--params",
            &params(),
        ],
    );
    assert!(ok, "{err}");
    let report = format!("{out}{err}");
    assert!(report.contains("V1"), "{report}");
    assert!(report.contains(" s"), "no timing in {report}");
    let metrics: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(work.path().join("metrics.json")).unwrap())
            .unwrap();
    let accuracy = metrics["test"]["accuracy"].as_f64().unwrap();
    assert!(
        (0.55..0.80).contains(&accuracy),
        "honest accuracy {accuracy}"
    );
    assert!(work.path().join("models/V1/model.bin").exists());

    // --if-missing does nothing now that a version exists.
    let (ok, _, _) = run(
        work.path(),
        &[
            "--quiet",
            "train",
            "--if-missing",
            "--data",
            data.to_str().unwrap(),
            "--params",
            &params(),
        ],
    );
    assert!(ok);
    assert!(!work.path().join("models/V2").exists());
}

#[test]
fn fetch_data_from_a_missing_or_empty_folder_fails_without_downloading() {
    let work = tempfile::tempdir().unwrap();
    let fetch = |from: &str| {
        run(
            work.path(),
            &[
                "--quiet",
                "fetch-data",
                "--from",
                from,
                "--dest",
                "Data-set",
            ],
        )
    };
    let (ok, _, err) = fetch("no-such-folder");
    assert!(!ok);
    assert_one_line_error(&err, "--from no-such-folder: no such folder");
    fs::create_dir(work.path().join("empty")).unwrap();
    let (ok, _, err) = fetch("empty");
    assert!(!ok);
    assert_one_line_error(&err, "water_potability.csv is not there");
    assert_eq!(listing(&work.path().join("Data-set")), Vec::<String>::new());
}

#[test]
fn bad_promotion_gate_flags_are_usage_errors() {
    let cases: [(&[&str], &str); 3] = [
        (&["retrain", "--promotion-metric", "bogus"], "bogus"),
        (&["retrain", "--promotion-tolerance=-0.1"], "-0.1"),
        (&["serve", "--promotion-tolerance", "NaN"], "NaN"),
    ];
    for (args, bad) in cases {
        let out = std::process::Command::new(common::BIN)
            .args(args)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("invalid value") && err.contains(bad), "{err}");
    }
}

#[test]
fn top_level_help_lists_every_environment_variable_with_its_default() {
    let work = tempfile::tempdir().unwrap();
    let (ok, out, _) = run(work.path(), &["--help"]);
    assert!(ok);
    let listing = out
        .split("Environment variables")
        .nth(1)
        .unwrap_or_else(|| panic!("no environment section in {out}"));
    let line = |name: &str| {
        listing
            .lines()
            .find(|l| l.trim_start().starts_with(name))
            .unwrap_or_else(|| panic!("{name} not listed in {listing}"))
            .to_string()
    };
    assert!(line("POTABLE_PORT ").contains("--port [default: 3000]"));
    assert!(line("POTABLE_HOST ").contains("--host [default: 127.0.0.1]"));
    assert!(line("POTABLE_MODELS_DIR ").contains("--models-dir [default: models]"));
    assert!(line("POTABLE_PROMOTION_METRIC ").contains("[default: roc_auc]"));
    assert!(line("POTABLE_ADMIN_TOKEN ").contains("--admin-token"));
    assert!(line("POTABLE_QUIET ").contains("--quiet"));
    assert!(line("POTABLE_LOG_JSON ").contains("--log-json"));
}
