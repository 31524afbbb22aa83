//! `potable models`, `potable feedback` and `potable retrain` on a real registry folder.

mod common;

use common::{data_file, root, run, train_into, Server, VALID_SAMPLE};
use std::fs;
use std::path::Path;

fn fast_params() -> String {
    root()
        .join("tests/fixtures/params-fast.yaml")
        .to_string_lossy()
        .into_owned()
}

/// Runs `potable` in `work` and asserts success, returning stdout.
fn ok(work: &Path, args: &[&str]) -> String {
    let (success, out, err) = run(work, args);
    assert!(success, "{args:?} failed: {err}");
    out
}

/// Runs `potable` in `work` and asserts a one-line failure containing `needle`.
fn fails(work: &Path, args: &[&str], needle: &str) {
    let (success, _, err) = run(work, args);
    assert!(!success, "{args:?} should fail");
    let lines: Vec<&str> = err.lines().filter(|l| l.starts_with("error:")).collect();
    assert_eq!(lines.len(), 1, "{err}");
    assert!(lines[0].contains(needle), "{needle:?} not in {err}");
}

fn active_of(list: &str) -> Vec<String> {
    list.lines()
        .filter(|l| l.contains("active"))
        .filter_map(|l| l.split_whitespace().find(|w| w.starts_with('V')))
        .map(str::to_string)
        .collect()
}

#[test]
fn versions_switch_rollback_delete_and_numbering() {
    let work = tempfile::tempdir().unwrap();
    let dir = work.path();
    train_into(dir);
    let data = data_file();
    let data = data.to_str().unwrap();
    let params = fast_params();
    // A retrain with equal data and params gives an equal model: the gate (not worse) promotes it.
    ok(
        dir,
        &["--quiet", "retrain", "--data", data, "--params", &params],
    );
    let list = ok(dir, &["models", "list"]);
    assert!(list.contains("V1") && list.contains("V2"), "{list}");
    assert_eq!(active_of(&list), vec!["V2".to_string()], "{list}");

    ok(
        dir,
        &["--quiet", "models", "switch", "V1", "--reason", "roll back"],
    );
    assert_eq!(
        active_of(&ok(dir, &["models", "list"])),
        vec!["V1".to_string()]
    );
    let shown: serde_json::Value =
        serde_json::from_str(&ok(dir, &["models", "show", "V2"])).expect("show prints JSON");
    assert!(shown.to_string().contains("V2"), "{shown}");

    fails(dir, &["models", "delete", "V1"], "V1");
    fails(dir, &["models", "switch", "V9"], "V9");
    fails(dir, &["models", "switch", "../etc"], "../etc");
    ok(dir, &["--quiet", "models", "delete", "V2"]);
    assert!(!dir.join("models/V2").exists());

    // Numbers only go up: the next version after deleting V2 is V3.
    ok(
        dir,
        &["--quiet", "retrain", "--data", data, "--params", &params],
    );
    let list = ok(dir, &["models", "list"]);
    assert!(list.contains("V3") && !list.contains("V2"), "{list}");
}

#[test]
fn feedback_list_and_export() {
    use potable_core::feedback::{FeedbackStore, NewFeedback};
    let work = tempfile::tempdir().unwrap();
    let dir = work.path();
    train_into(dir);
    fails(dir, &["feedback", "list"], "feedback.db");

    let store = FeedbackStore::open(dir.join("models/feedback.db")).unwrap();
    let features = [7.0, 200.0, 20000.0, 7.5, 350.0, 400.0, 14.0, 70.0, 4.0];
    for label in [1u8, 0] {
        let row = NewFeedback {
            features,
            prediction: None,
            true_label: label,
            note: Some(format!("label {label}")),
        };
        store.insert(&row).unwrap();
    }
    drop(store);

    let list = ok(dir, &["feedback", "list"]);
    assert!(
        list.contains("label 1") && list.contains("label 0"),
        "{list}"
    );
    ok(
        dir,
        &["--quiet", "feedback", "export", "--output", "fb.csv"],
    );
    let csv = fs::read_to_string(dir.join("fb.csv")).unwrap();
    let mut lines = csv.lines();
    let header = lines.next().expect("a header line");
    assert!(header.starts_with("id,created_at,ph,Hardness"), "{header}");
    let rows: Vec<&str> = lines.collect();
    assert_eq!(rows.len(), 2, "{csv}");
    assert!(
        rows.iter()
            .all(|r| r.contains(",7,200,20000,7.5,350,400,14,70,4,")
                || r.contains(",7.0,200.0,20000.0,7.5,350.0,400.0,14.0,70.0,4.0,")),
        "{csv}"
    );
    // Into a folder that does not exist yet: it is created, and the file is the same.
    ok(
        dir,
        &[
            "--quiet",
            "feedback",
            "export",
            "--output",
            "exports/today/fb.csv",
        ],
    );
    assert_eq!(
        fs::read_to_string(dir.join("exports/today/fb.csv")).unwrap(),
        csv
    );
}

/// What a running server serves, polled for up to 10 s until it is `want`.
fn served_version(server: &Server, want: &str) -> String {
    let start = std::time::Instant::now();
    loop {
        let (status, body) = server.post_json("/predict", VALID_SAMPLE);
        assert_eq!(status, 200, "{body}");
        let served = body["model_version"].as_str().unwrap().to_string();
        if served == want || start.elapsed() > std::time::Duration::from_secs(10) {
            return served;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
}

#[test]
fn cli_switch_and_retrain_reach_a_running_server() {
    let work = tempfile::tempdir().unwrap();
    let dir = work.path();
    train_into(dir);
    let server = Server::start(&dir.join("models"));
    assert_eq!(served_version(&server, "V1"), "V1");
    let data = data_file();
    let params = fast_params();
    ok(
        dir,
        &[
            "--quiet",
            "retrain",
            "--data",
            data.to_str().unwrap(),
            "--params",
            &params,
        ],
    );
    assert_eq!(
        served_version(&server, "V2"),
        "V2",
        "the promoted retrain is served"
    );
    ok(dir, &["--quiet", "models", "switch", "V1"]);
    assert_eq!(
        served_version(&server, "V1"),
        "V1",
        "the CLI switch is served"
    );
    let (_, current) = server.get("/models/current");
    assert!(current.contains("\"model_version\":\"V1\""), "{current}");
    fails(dir, &["models", "switch", "V1"], "already active");
}
