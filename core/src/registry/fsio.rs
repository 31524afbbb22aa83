//! Durable file-system primitives: synced writes, atomic replacement, directory fsync.

use std::fs::{self, File};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

/// Prefix of temporary files; anything starting with it is a leftover after a crash.
pub(crate) const TMP_PREFIX: &str = ".tmp-";
/// Prefix of version directories being assembled; leftovers are removed on open.
pub(crate) const STAGING_PREFIX: &str = ".staging-";

/// A name unique within this machine for the life of the process: pid plus a counter.
pub(crate) fn unique_suffix() -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    format!(
        "{}-{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    )
}

/// Flushes a directory's entries (new, renamed or removed names) to stable storage.
pub(crate) fn fsync_dir(dir: &Path) -> io::Result<()> {
    File::open(dir)?.sync_all()
}

/// Creates (or truncates) `path`, writes `bytes` and fsyncs the file.
pub(crate) fn write_synced(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let mut file = File::create(path)?;
    file.write_all(bytes)?;
    file.sync_all()
}

/// Replaces `path` with `bytes` atomically: temp file, fsync, rename, fsync of the directory.
///
/// Readers see either the old or the new content, never a mix, even after a crash.
pub(crate) fn atomic_write(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let tmp = temp_path_for(path);
    let result = write_synced(&tmp, bytes).and_then(|()| fs::rename(&tmp, path));
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result?;
    fsync_dir(parent_of(path))
}

/// A temp-file path next to `path`, recognisable by [`TMP_PREFIX`].
pub(crate) fn temp_path_for(path: &Path) -> PathBuf {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    parent_of(path).join(format!("{TMP_PREFIX}{name}-{}", unique_suffix()))
}

/// The parent directory of `path` (`.` when it has none).
pub(crate) fn parent_of(path: &Path) -> &Path {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    }
}

/// Removes leftover temp files and staging directories directly inside `dir`.
///
/// Returns the names removed.
pub(crate) fn remove_leftovers(dir: &Path) -> io::Result<Vec<String>> {
    let mut removed = Vec::new();
    for entry in fs::read_dir(dir)? {
        let entry = entry?;
        let name = entry.file_name().to_string_lossy().into_owned();
        let path = entry.path();
        if name.starts_with(TMP_PREFIX) {
            if entry.file_type()?.is_dir() {
                fs::remove_dir_all(&path)?;
            } else {
                fs::remove_file(&path)?;
            }
            removed.push(name);
        } else if name.starts_with(STAGING_PREFIX) {
            fs::remove_dir_all(&path)?;
            removed.push(name);
        }
    }
    Ok(removed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn atomic_write_replaces_and_leaves_no_temp() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.json");
        atomic_write(&path, b"first").unwrap();
        atomic_write(&path, b"second").unwrap();
        assert_eq!(fs::read(&path).unwrap(), b"second");
        let names: Vec<_> = fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, vec![std::ffi::OsString::from("x.json")]);
    }

    #[test]
    fn leftovers_are_removed_and_others_kept() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join(".tmp-registry.json-1-0"), b"{").unwrap();
        fs::create_dir(dir.path().join(".staging-V3-1-2")).unwrap();
        fs::write(dir.path().join(".staging-V3-1-2/model.bin"), b"half").unwrap();
        fs::write(dir.path().join("keep.txt"), b"k").unwrap();
        let mut removed = remove_leftovers(dir.path()).unwrap();
        removed.sort();
        assert_eq!(removed, vec![".staging-V3-1-2", ".tmp-registry.json-1-0"]);
        assert!(dir.path().join("keep.txt").exists());
    }
}
