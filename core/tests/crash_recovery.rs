//! Issue 4 item 9 / case C7: SIGKILL while feedback rows and model versions are being written.
//!
//! The test binary re-runs itself as the child (`child_entry` with an environment variable
//! set); the child prints `ACK ...` after each acknowledged write, the parent kills it with
//! SIGKILL mid-loop, reopens the store / registry and checks every acknowledged write.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use potable_core::feedback::{FeedbackStore, NewFeedback, Prediction, FEEDBACK_DB_FILE};
use potable_core::registry::{Registry, VersionMeta, VersionName, VersionStatus};
use potable_core::schema::FeatureVector;

const MODE_ENV: &str = "POTABLE_CRASH_CHILD";
const DIR_ENV: &str = "POTABLE_CRASH_DIR";
/// Upper bound of the child's loop, in case the parent dies without killing it.
const MAX_ITERATIONS: u64 = 100_000;

/// Entry point of the child process; does nothing in a normal test run.
#[test]
fn child_entry() {
    let Ok(mode) = std::env::var(MODE_ENV) else {
        return;
    };
    let dir = PathBuf::from(std::env::var(DIR_ENV).expect("crash dir"));
    match mode.as_str() {
        "feedback" => feedback_loop(&dir),
        "registry" => registry_loop(&dir),
        other => panic!("unknown child mode {other}"),
    }
}

/// A valid sample that differs with `i` (all values stay within range).
fn sample(i: u64) -> NewFeedback {
    let x = (i % 1000) as f64;
    let features: FeatureVector = [
        4.0 + x / 250.0,
        100.0 + x / 7.0,
        15_000.0 + x * 3.5,
        5.0 + x / 333.0,
        300.0 + x / 9.0,
        350.0 + x / 11.0,
        10.0 + x / 97.0,
        50.0 + x / 13.0,
        3.0 + x / 499.0,
    ];
    NewFeedback {
        features,
        prediction: Some(Prediction {
            label: (i % 2) as u8,
            probability: (i % 101) as f64 / 100.0,
            model_version: format!("V{}", 1 + i % 3),
        }),
        true_label: ((i / 2) % 2) as u8,
        note: Some(format!("row {i}")),
    }
}

fn feedback_loop(dir: &Path) {
    let store = FeedbackStore::open(dir.join(FEEDBACK_DB_FILE)).unwrap();
    let start = store.count().unwrap();
    for i in start..start + MAX_ITERATIONS {
        let id = store.insert(&sample(i)).unwrap();
        println!("ACK {id} {i}");
    }
}

/// Deterministic artifact bytes for iteration `i`: large enough that a kill often lands
/// in the middle of writing one.
fn artifact(i: u64) -> Vec<u8> {
    let mut state = i.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    (0..(1 << 20) + (i as usize % 4096))
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state as u8
        })
        .collect()
}

fn meta(i: u64) -> VersionMeta {
    VersionMeta {
        params: serde_json::json!({"iteration": i}),
        data_fingerprint: format!("fp{i}"),
        train_rows: 2000 + i,
        feedback_rows: i,
        metrics: serde_json::json!({"roc_auc": 0.5 + (i % 40) as f64 / 100.0}),
        created_at: "2024-05-01T10:00:00.000Z".to_string(),
        code_revision: None,
        notes: format!("iteration {i}"),
    }
}

fn registry_loop(dir: &Path) {
    let mut registry = Registry::open(dir).unwrap();
    let start = registry.next_version().number();
    for i in start..start + MAX_ITERATIONS {
        let name = registry.register(&artifact(i), meta(i)).unwrap();
        if i % 2 == 0 {
            registry
                .activate(name, "crash test", Some("child"))
                .unwrap();
        }
        println!("ACK {name} {i}");
    }
}

/// Runs the child in `mode` until it has acknowledged `kill_after` writes, waits `delay_us`
/// microseconds (so the kill lands in different phases of a write), SIGKILLs it, and returns
/// every acknowledged `(key, iteration)` pair it printed.
fn run_and_kill(mode: &str, dir: &Path, kill_after: usize, delay_us: u64) -> Vec<(String, u64)> {
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args(["child_entry", "--exact", "--nocapture", "--test-threads=1"])
        .env(MODE_ENV, mode)
        .env(DIR_ENV, dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let mut acked = Vec::new();
    let mut killed = false;
    let mut line = String::new();
    loop {
        line.clear();
        if out.read_line(&mut line).unwrap() == 0 {
            break;
        }
        // A line cut by the kill has no newline and was not fully acknowledged.
        let Some(text) = line.strip_suffix('\n') else {
            continue;
        };
        let mut parts = text.split(' ');
        if parts.next() != Some("ACK") {
            continue;
        }
        let key = parts.next().unwrap().to_string();
        let i: u64 = parts.next().unwrap().parse().unwrap();
        acked.push((key, i));
        if acked.len() >= kill_after && !killed {
            std::thread::sleep(std::time::Duration::from_micros(delay_us));
            child.kill().unwrap(); // SIGKILL on Unix
            killed = true;
        }
    }
    let status = child.wait().unwrap();
    assert!(killed, "child exited on its own: {status}");
    assert!(!status.success());
    acked
}

#[test]
fn every_acknowledged_feedback_row_survives_sigkill() {
    let dir = tempfile::tempdir().unwrap();
    let mut all_acked = Vec::new();
    for (kill_after, delay_us) in [(25, 0), (60, 150), (110, 700)] {
        let acked = run_and_kill("feedback", dir.path(), kill_after, delay_us);
        assert!(acked.len() >= kill_after);
        all_acked.extend(acked);

        let store = FeedbackStore::open(dir.path().join(FEEDBACK_DB_FILE)).unwrap();
        for (id, i) in &all_acked {
            let id: i64 = id.parse().unwrap();
            let row = store
                .get(id)
                .unwrap()
                .unwrap_or_else(|| panic!("acknowledged row {id} lost"));
            let expected = sample(*i);
            assert_eq!(row.features, expected.features, "row {id}");
            assert_eq!(row.true_label, expected.true_label, "row {id}");
            assert_eq!(row.prediction, expected.prediction, "row {id}");
            assert_eq!(row.note, expected.note, "row {id}");
        }
        assert!(store.count().unwrap() >= all_acked.len() as u64);
    }
}

#[test]
fn registry_is_consistent_after_sigkill_during_saves() {
    let dir = tempfile::tempdir().unwrap();
    let mut all_acked: Vec<(VersionName, u64)> = Vec::new();
    // One save takes tens of milliseconds; the delays spread the kills over its phases.
    for (kill_after, delay_us) in [
        (2, 0),
        (2, 6_000),
        (2, 13_000),
        (2, 21_000),
        (2, 30_000),
        (2, 38_000),
    ] {
        let acked = run_and_kill("registry", dir.path(), kill_after, delay_us);
        all_acked.extend(acked.into_iter().map(|(v, i)| (v.parse().unwrap(), i)));

        let mut registry = Registry::open(dir.path()).expect("registry opens after a crash");
        // What the crash left behind (a staging directory, an unindexed version...), for the log.
        println!(
            "after kill (delay {delay_us} us): {:?}",
            registry.recovery_notes()
        );
        for (name, i) in &all_acked {
            let info = registry.get(*name).expect("acknowledged version present");
            assert_ne!(
                info.status,
                VersionStatus::Unavailable,
                "{name}: {:?}",
                info.problem
            );
            assert_eq!(info.meta, meta(*i));
            assert_eq!(registry.load_artifact_bytes(*name).unwrap(), artifact(*i));
        }
        // Nothing half-written is listed, and no leftovers remain.
        assert!(registry
            .versions()
            .iter()
            .all(|v| v.status != VersionStatus::Unavailable));
        let leftovers: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.starts_with(".tmp-") || n.starts_with(".staging-"))
            .collect();
        assert!(leftovers.is_empty(), "{leftovers:?}");
        // The active version is one the child activated, and is loadable.
        let active = registry.active().expect("an active version");
        registry.load_artifact_bytes(active).unwrap();
        // Numbers keep going up past everything acknowledged.
        let highest = all_acked.iter().map(|(v, _)| *v).max().unwrap();
        assert!(registry.next_version() > highest);
        let next = registry.register(b"after crash", meta(0)).unwrap();
        assert!(next > highest);
        registry.delete(next).unwrap();
    }
}
