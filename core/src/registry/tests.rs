use std::sync::{Arc, RwLock};

use serde_json::json;

use super::*;

fn v(n: u64) -> VersionName {
    VersionName::new(n).unwrap()
}

fn meta(tag: &str) -> VersionMeta {
    VersionMeta {
        params: json!({"model": "random_forest", "n_estimators": 200, "seed": 42}),
        data_fingerprint: format!("fingerprint-{tag}"),
        train_rows: 2620,
        feedback_rows: 3,
        metrics: json!({"roc_auc": 0.7012, "accuracy": 0.6707}),
        created_at: "2024-05-01T10:00:00.000Z".to_string(),
        code_revision: Some("abc1234".to_string()),
        notes: format!("trained for {tag}"),
    }
}

/// Distinct, deterministic artifact bytes of `len` bytes.
fn artifact(seed: u8, len: usize) -> Vec<u8> {
    (0..len)
        .map(|i| (i as u8).wrapping_mul(31).wrapping_add(seed))
        .collect()
}

fn names(reg: &Registry) -> Vec<String> {
    reg.versions().iter().map(|i| i.name.to_string()).collect()
}

fn status(reg: &Registry, n: u64) -> VersionStatus {
    reg.get(v(n)).unwrap().status
}

#[test]
fn registry_is_send_and_sync() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<Registry>();
}

#[test]
fn register_records_checksum_size_and_metadata() {
    let dir = tempfile::tempdir().unwrap();
    let bytes = artifact(7, 1000);
    let mut reg = Registry::open(dir.path()).unwrap();
    assert!(reg.recovery_notes().is_empty());
    let name = reg.register(&bytes, meta("first")).unwrap();
    assert_eq!(name.to_string(), "V1");

    let info = reg.get(name).unwrap();
    assert_eq!(info.sha256, hex::encode(Sha256::digest(&bytes)));
    assert_eq!(info.size, 1000);
    assert_eq!(info.status, VersionStatus::Candidate);
    assert_eq!(info.meta, meta("first"));
    assert_eq!(reg.active(), None);
    assert_eq!(fs::read(dir.path().join("V1/model.bin")).unwrap(), bytes);
    let on_disk: serde_json::Value =
        serde_json::from_slice(&fs::read(dir.path().join("V1/meta.json")).unwrap()).unwrap();
    assert_eq!(on_disk["sha256"], json!(info.sha256));
    assert_eq!(on_disk["meta"]["train_rows"], json!(2620));
    assert_eq!(reg.load_artifact_bytes(name).unwrap(), bytes);

    reg.set_notes(name, "kept as baseline").unwrap();
    drop(reg);
    let reg = Registry::open(dir.path()).unwrap();
    assert!(
        reg.recovery_notes().is_empty(),
        "{:?}",
        reg.recovery_notes()
    );
    let info = reg.get(name).unwrap();
    assert_eq!(info.meta.notes, "kept as baseline");
    assert_eq!(info.meta.metrics["roc_auc"], json!(0.7012));
    assert_eq!(reg.load_artifact_bytes(name).unwrap(), bytes);
    let backup = fs::read(dir.path().join(INDEX_BACKUP_FILE)).unwrap();
    assert_eq!(backup, fs::read(dir.path().join(INDEX_FILE)).unwrap());
}

#[test]
fn numbers_only_go_up_after_delete_and_rollback() {
    let dir = tempfile::tempdir().unwrap();
    let mut reg = Registry::open(dir.path()).unwrap();
    assert_eq!(reg.register(&artifact(1, 64), meta("a")).unwrap(), v(1));
    assert_eq!(reg.register(&artifact(2, 64), meta("b")).unwrap(), v(2));
    reg.activate(v(1), "initial", Some("ops")).unwrap();
    reg.delete(v(2)).unwrap();
    assert!(!dir.path().join("V2").exists());
    assert_eq!(names(&reg), ["V1"]);
    assert_eq!(reg.register(&artifact(3, 64), meta("c")).unwrap(), v(3));
    reg.activate(v(3), "better", None).unwrap();
    reg.activate(v(1), "rollback", Some("ops")).unwrap();
    reg.delete(v(3)).unwrap();
    assert!(matches!(reg.get(v(3)), Err(RegistryError::UnknownVersion(x)) if x == v(3)));
    assert!(matches!(
        reg.delete(v(2)),
        Err(RegistryError::UnknownVersion(_))
    ));
    let err = reg.delete(v(1)).unwrap_err();
    assert!(matches!(err, RegistryError::DeleteActive(x) if x == v(1)));
    assert!(
        err.to_string().contains("V1 is the active version"),
        "{err}"
    );
    drop(reg);

    let mut reg = Registry::open(dir.path()).unwrap();
    assert_eq!(reg.next_version(), v(4));
    assert_eq!(reg.register(&artifact(4, 64), meta("d")).unwrap(), v(4));
    assert_eq!(names(&reg), ["V1", "V4"]);
    assert_eq!(reg.active(), Some(v(1)));
}

#[test]
fn activate_promote_and_history() {
    let dir = tempfile::tempdir().unwrap();
    let mut reg = Registry::open(dir.path()).unwrap();
    for seed in 1..=3 {
        reg.register(&artifact(seed, 128), meta("x")).unwrap();
    }
    reg.activate(v(1), "first model", Some("alice")).unwrap();
    reg.activate(v(2), "gate passed: roc_auc 0.70 >= 0.69", Some("retrain"))
        .unwrap();
    reg.activate(v(2), "again", None).unwrap(); // already active: nothing recorded
    reg.activate(v(1), "rollback after complaints", Some("bob"))
        .unwrap();
    reg.promote(v(3), Some("carol")).unwrap();
    assert!(matches!(reg.promote(v(3), None), Err(RegistryError::AlreadyActive(x)) if x == v(3)));
    assert!(matches!(
        reg.activate(v(9), "nope", None),
        Err(RegistryError::UnknownVersion(x)) if x == v(9)
    ));

    let expect = [
        (None, Some(v(1)), "first model", Some("alice")),
        (
            Some(v(1)),
            Some(v(2)),
            "gate passed: roc_auc 0.70 >= 0.69",
            Some("retrain"),
        ),
        (
            Some(v(2)),
            Some(v(1)),
            "rollback after complaints",
            Some("bob"),
        ),
        (
            Some(v(1)),
            Some(v(3)),
            "promoted by operator",
            Some("carol"),
        ),
    ];
    let check = |reg: &Registry| {
        let got: Vec<_> = reg
            .history()
            .iter()
            .map(|s| (s.from, s.to, s.reason.as_str(), s.actor.as_deref()))
            .collect();
        assert_eq!(got, expect);
        assert!(reg
            .history()
            .iter()
            .all(|s| s.at.len() == 24 && s.at.ends_with('Z')));
        assert_eq!(reg.active(), Some(v(3)));
        assert_eq!(status(reg, 3), VersionStatus::Active);
        assert_eq!(status(reg, 1), VersionStatus::Candidate);
        assert_eq!(status(reg, 2), VersionStatus::Candidate);
    };
    check(&reg);
    drop(reg);
    check(&Registry::open(dir.path()).unwrap());
}

/// Issue 4 item 8 / case C7: an artifact cut to half its size.
#[test]
fn truncated_active_artifact_falls_back_to_last_good_active_version() {
    let dir = tempfile::tempdir().unwrap();
    let good = artifact(1, 4000);
    {
        let mut reg = Registry::open(dir.path()).unwrap();
        reg.register(&good, meta("a")).unwrap();
        reg.register(&artifact(2, 4000), meta("b")).unwrap();
        reg.register(&artifact(3, 4000), meta("c")).unwrap();
        reg.activate(v(1), "first", None).unwrap();
        reg.activate(v(2), "better", Some("retrain")).unwrap();
    }
    let model = dir.path().join("V2/model.bin");
    let f = OpenOptions::new().write(true).open(&model).unwrap();
    f.set_len(2000).unwrap();
    drop(f);

    // Server-style start: succeeds, serves V1 (the last good active one, not the newer V3).
    let mut reg = Registry::open(dir.path()).unwrap();
    assert_eq!(reg.active(), Some(v(1)));
    assert_eq!(status(&reg, 1), VersionStatus::Active);
    assert_eq!(status(&reg, 2), VersionStatus::Unavailable);
    assert_eq!(status(&reg, 3), VersionStatus::Candidate);
    let problem = reg.get(v(2)).unwrap().problem.clone().unwrap();
    assert_eq!(
        problem,
        "model.bin is 2000 bytes, expected 4000 (damaged or truncated)"
    );
    let last = reg.history().last().unwrap();
    assert_eq!((last.from, last.to), (Some(v(2)), Some(v(1))));
    assert_eq!(last.actor.as_deref(), Some("registry"));
    assert!(last
        .reason
        .starts_with("V2 is unavailable at startup (model.bin is 2000 bytes"));
    assert!(last
        .reason
        .ends_with("fell back to V1, the last good active version"));
    assert!(reg
        .recovery_notes()
        .iter()
        .any(|n| n.contains("fell back to V1")));
    assert_eq!(reg.load_artifact_bytes(v(1)).unwrap(), good);

    let err = reg
        .activate(v(2), "operator wants it", Some("ops"))
        .unwrap_err();
    assert!(matches!(&err, RegistryError::Unavailable { version, .. } if *version == v(2)));
    assert_eq!(
        err.to_string(),
        "version V2 is unavailable: model.bin is 2000 bytes, expected 4000 (damaged or truncated)"
    );
    assert!(matches!(
        reg.promote(v(2), None),
        Err(RegistryError::Unavailable { .. })
    ));
    assert!(matches!(
        reg.load_artifact_bytes(v(2)),
        Err(RegistryError::Unavailable { .. })
    ));
    assert_eq!(reg.active(), Some(v(1)));

    // The index on disk says so too, and a second start records nothing new.
    let index: serde_json::Value =
        serde_json::from_slice(&fs::read(dir.path().join(INDEX_FILE)).unwrap()).unwrap();
    assert_eq!(index["active"], json!("V1"));
    assert_eq!(index["versions"][1]["status"], json!("unavailable"));
    let switches = reg.history().len();
    drop(reg);
    let reg = Registry::open(dir.path()).unwrap();
    assert_eq!(reg.history().len(), switches);
    assert_eq!(reg.active(), Some(v(1)));

    // A damaged version can still be deleted.
    let mut reg = reg;
    reg.delete(v(2)).unwrap();
    assert_eq!(names(&reg), ["V1", "V3"]);
}

#[test]
fn missing_or_altered_artifacts_are_unavailable() {
    let dir = tempfile::tempdir().unwrap();
    {
        let mut reg = Registry::open(dir.path()).unwrap();
        for seed in 1..=3 {
            reg.register(&artifact(seed, 256), meta("m")).unwrap();
        }
        reg.activate(v(3), "only", None).unwrap();
    }
    fs::remove_file(dir.path().join("V1/model.bin")).unwrap();
    let mut flipped = fs::read(dir.path().join("V2/model.bin")).unwrap();
    flipped[10] ^= 0xff;
    fs::write(dir.path().join("V2/model.bin"), &flipped).unwrap();

    let mut reg = Registry::open(dir.path()).unwrap();
    assert_eq!(reg.active(), Some(v(3)));
    assert_eq!(
        reg.get(v(1)).unwrap().problem.as_deref(),
        Some("model.bin is missing")
    );
    assert!(reg
        .get(v(2))
        .unwrap()
        .problem
        .as_deref()
        .unwrap()
        .starts_with("model.bin checksum mismatch (sha256 "));
    assert_eq!(status(&reg, 1), VersionStatus::Unavailable);
    assert_eq!(status(&reg, 2), VersionStatus::Unavailable);
    assert!(reg.activate(v(1), "x", None).is_err());

    // Damage after start is caught when loading or switching, and the version is marked.
    fs::write(dir.path().join("V3/model.bin"), b"garbage").unwrap();
    let err = reg.load_artifact_bytes(v(3)).unwrap_err();
    assert!(err.to_string().contains("model.bin is 7 bytes"), "{err}");
    assert!(reg.activate(v(3), "again", None).is_err());
    assert_eq!(status(&reg, 3), VersionStatus::Unavailable);
    // Restoring the file makes the version usable again.
    fs::write(dir.path().join("V1/model.bin"), artifact(1, 256)).unwrap();
    reg.activate(v(1), "restored from backup", Some("ops"))
        .unwrap();
    assert_eq!(status(&reg, 1), VersionStatus::Active);
}

#[test]
fn active_version_with_no_good_predecessor_leaves_none_active() {
    let dir = tempfile::tempdir().unwrap();
    {
        let mut reg = Registry::open(dir.path()).unwrap();
        reg.register(&artifact(1, 100), meta("a")).unwrap();
        reg.register(&artifact(2, 100), meta("b")).unwrap();
        reg.activate(v(1), "only", None).unwrap();
    }
    fs::remove_dir_all(dir.path().join("V1")).unwrap();
    let reg = Registry::open(dir.path()).unwrap();
    // V2 was never approved, so it is not served by accident.
    assert_eq!(reg.active(), None);
    assert_eq!(status(&reg, 2), VersionStatus::Candidate);
    let last = reg.history().last().unwrap();
    assert_eq!((last.from, last.to), (Some(v(1)), None));
    assert!(last
        .reason
        .contains("no previously active version is available"));
}

#[test]
fn truncated_index_is_recovered_from_backup() {
    let dir = tempfile::tempdir().unwrap();
    {
        let mut reg = Registry::open(dir.path()).unwrap();
        reg.register(&artifact(1, 300), meta("a")).unwrap();
        reg.register(&artifact(2, 300), meta("b")).unwrap();
        reg.activate(v(1), "first", None).unwrap();
        reg.activate(v(2), "second", Some("ops")).unwrap();
    }
    let index = dir.path().join(INDEX_FILE);
    let full = fs::read(&index).unwrap();
    fs::write(&index, &full[..full.len() / 2]).unwrap();

    let mut reg = Registry::open(dir.path()).unwrap();
    assert_eq!(names(&reg), ["V1", "V2"]);
    assert_eq!(reg.active(), Some(v(2)));
    assert_eq!(reg.history().len(), 2);
    assert_eq!(reg.get(v(2)).unwrap().meta, meta("b"));
    assert!(reg.recovery_notes()[0].starts_with("registry.json is unreadable ("));
    assert_eq!(
        reg.recovery_notes()[1],
        "recovered the index from registry.json.bak"
    );
    assert_eq!(
        fs::read(dir.path().join("registry.json.corrupt")).unwrap(),
        &full[..full.len() / 2]
    );
    assert_eq!(fs::read(&index).unwrap(), full, "index rewritten");
    assert_eq!(reg.register(&artifact(3, 300), meta("c")).unwrap(), v(3));
}

#[test]
fn index_is_rebuilt_from_version_dirs_when_both_copies_are_lost() {
    let dir = tempfile::tempdir().unwrap();
    {
        let mut reg = Registry::open(dir.path()).unwrap();
        for seed in 1..=3 {
            reg.register(&artifact(seed, 300), meta(&format!("m{seed}")))
                .unwrap();
        }
        reg.set_notes(v(2), "edited").unwrap();
        reg.activate(v(2), "x", None).unwrap();
        reg.delete(v(3)).unwrap();
    }
    fs::write(
        dir.path().join(INDEX_FILE),
        b"{\"format_version\": 1, \"next_",
    )
    .unwrap();
    fs::write(dir.path().join(INDEX_BACKUP_FILE), b"").unwrap();

    let mut reg = Registry::open(dir.path()).unwrap();
    assert_eq!(names(&reg), ["V1", "V2"]);
    assert_eq!(reg.get(v(1)).unwrap().meta, meta("m1"));
    assert_eq!(reg.get(v(2)).unwrap().meta.notes, "edited");
    // The active pointer is unknown: nothing is served rather than an unapproved version.
    assert_eq!(reg.active(), None);
    assert!(reg
        .recovery_notes()
        .iter()
        .any(|n| n == "adopted V2: found on disk but missing from the index"));
    // V3 was deleted; the reserved counter keeps its number from being reused.
    assert_eq!(reg.register(&artifact(9, 10), meta("n")).unwrap(), v(4));
    reg.activate(v(2), "restored after index loss", Some("ops"))
        .unwrap();
}

#[test]
fn missing_index_with_version_dirs_is_rebuilt() {
    let dir = tempfile::tempdir().unwrap();
    {
        let mut reg = Registry::open(dir.path()).unwrap();
        reg.register(&artifact(1, 50), meta("a")).unwrap();
    }
    fs::remove_file(dir.path().join(INDEX_FILE)).unwrap();
    fs::remove_file(dir.path().join(INDEX_BACKUP_FILE)).unwrap();
    fs::remove_file(dir.path().join(COUNTER_FILE)).unwrap();
    let mut reg = Registry::open(dir.path()).unwrap();
    assert_eq!(names(&reg), ["V1"]);
    assert_eq!(reg.register(&artifact(2, 50), meta("b")).unwrap(), v(2));
}

#[test]
fn leftover_temp_files_and_staging_dirs_are_cleaned() {
    let dir = tempfile::tempdir().unwrap();
    {
        let mut reg = Registry::open(dir.path()).unwrap();
        reg.register(&artifact(1, 500), meta("a")).unwrap();
        reg.activate(v(1), "x", None).unwrap();
    }
    let d = dir.path();
    fs::write(d.join(".tmp-registry.json-4242-0"), b"{\"format_version\":").unwrap();
    fs::create_dir(d.join(".staging-V2-4242-1")).unwrap();
    fs::write(d.join(".staging-V2-4242-1/model.bin"), artifact(2, 100)).unwrap();
    fs::write(d.join("V1/.tmp-meta.json-4242-2"), b"{").unwrap();

    let mut reg = Registry::open(d).unwrap();
    assert_eq!(names(&reg), ["V1"]);
    assert_eq!(reg.active(), Some(v(1)));
    let mut notes = reg.recovery_notes().to_vec();
    notes.sort();
    assert_eq!(
        notes,
        [
            "removed leftover temporary entry .staging-V2-4242-1",
            "removed leftover temporary entry .tmp-registry.json-4242-0",
            "removed leftover temporary file V1/.tmp-meta.json-4242-2",
        ]
    );
    assert!(!d.join(".tmp-registry.json-4242-0").exists());
    assert!(!d.join(".staging-V2-4242-1").exists());
    assert!(!d.join("V1/.tmp-meta.json-4242-2").exists());
    assert_eq!(reg.register(&artifact(2, 100), meta("b")).unwrap(), v(2));
}

/// A crash after `V2/` was renamed into place but before the index listed it.
#[test]
fn version_dir_written_before_crash_is_adopted() {
    let dir = tempfile::tempdir().unwrap();
    let before;
    {
        let mut reg = Registry::open(dir.path()).unwrap();
        reg.register(&artifact(1, 80), meta("a")).unwrap();
        before = fs::read(dir.path().join(INDEX_FILE)).unwrap();
        reg.register(&artifact(2, 80), meta("b")).unwrap();
    }
    fs::write(dir.path().join(INDEX_FILE), &before).unwrap();
    fs::write(dir.path().join(INDEX_BACKUP_FILE), &before).unwrap();
    let reg = Registry::open(dir.path()).unwrap();
    assert_eq!(names(&reg), ["V1", "V2"]);
    assert_eq!(reg.load_artifact_bytes(v(2)).unwrap(), artifact(2, 80));
    assert_eq!(reg.next_version(), v(3));
}

/// A crash after the index dropped a deleted version but before its directory was removed.
#[test]
fn directory_of_deleted_version_is_removed_on_open() {
    let dir = tempfile::tempdir().unwrap();
    {
        let mut reg = Registry::open(dir.path()).unwrap();
        reg.register(&artifact(1, 80), meta("a")).unwrap();
        reg.register(&artifact(2, 80), meta("b")).unwrap();
        let keep = dir.path().join("keep-V1");
        fs::create_dir(&keep).unwrap();
        for f in [ARTIFACT_FILE, META_FILE] {
            fs::copy(dir.path().join("V1").join(f), keep.join(f)).unwrap();
        }
        reg.delete(v(1)).unwrap();
        fs::rename(&keep, dir.path().join("V1")).unwrap();
    }
    let reg = Registry::open(dir.path()).unwrap();
    assert_eq!(names(&reg), ["V2"]);
    assert!(!dir.path().join("V1").exists());
    assert_eq!(
        reg.recovery_notes(),
        ["removed V1: it was deleted before a crash"]
    );
}

/// Two handles on one directory stand for two processes (server and CLI).
#[test]
fn handles_on_the_same_directory_see_each_others_changes() {
    let dir = tempfile::tempdir().unwrap();
    let mut a = Registry::open(dir.path()).unwrap();
    let mut b = Registry::open(dir.path()).unwrap();
    assert_eq!(a.register(&artifact(1, 10), meta("a")).unwrap(), v(1));
    assert_eq!(b.register(&artifact(2, 10), meta("b")).unwrap(), v(2));
    a.activate(v(2), "from a", None).unwrap();
    b.delete(v(1)).unwrap();
    assert!(matches!(
        b.delete(v(2)),
        Err(RegistryError::DeleteActive(_))
    ));
    assert_eq!(a.register(&artifact(3, 10), meta("c")).unwrap(), v(3));
    assert_eq!(names(&a), ["V2", "V3"]);
}

#[test]
fn concurrent_registrations_get_distinct_numbers() {
    let dir = tempfile::tempdir().unwrap();
    let reg = Arc::new(RwLock::new(Registry::open(dir.path()).unwrap()));
    let threads: Vec<_> = (0..4u8)
        .map(|t| {
            let reg = Arc::clone(&reg);
            std::thread::spawn(move || {
                (0..5u8)
                    .map(|i| {
                        let bytes = artifact(t * 10 + i, 200);
                        let name = reg.write().unwrap().register(&bytes, meta("t")).unwrap();
                        assert_eq!(
                            reg.read().unwrap().load_artifact_bytes(name).unwrap(),
                            bytes
                        );
                        name.number()
                    })
                    .collect::<Vec<_>>()
            })
        })
        .collect();
    let mut all: Vec<u64> = threads
        .into_iter()
        .flat_map(|t| t.join().unwrap())
        .collect();
    all.sort();
    assert_eq!(all, (1..=20).collect::<Vec<_>>());
}
