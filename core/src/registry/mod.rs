//! Model registry under `models/` (issue 4): versioned artifacts that are never lost or reused.
//!
//! Layout of the registry directory:
//! - `V{n}/model.bin` (the artifact bytes) and `V{n}/meta.json` (name, sha256, size, metadata).
//!   A version directory is assembled under a `.staging-*` name, every file fsync'd, then
//!   renamed into place, so a `V{n}` directory is always complete.
//! - `registry.json`: the index (versions, active version, switch history, `next_version`),
//!   replaced atomically; `registry.json.bak` is a second copy written right after it (so it is
//!   at most one change behind), used when `registry.json` is unreadable.
//! - `next_version`: the version counter, bumped before a version is written so a number is
//!   never handed out twice, even if both index copies are lost.
//! - `.registry.lock`: cross-process lock held during every change.
//!
//! [`Registry::open`] never refuses to start because of damaged files: it removes leftover
//! temp files, recovers the index from the backup or rebuilds it from the `V*/meta.json` files,
//! verifies every artifact (damaged or missing ones become [`VersionStatus::Unavailable`]) and,
//! if the active version is unavailable, falls back to the most recently active good version,
//! recording that switch.
//!
//! Thread safety: `Registry` is `Send + Sync`; changes take `&mut self`, so a server keeps it
//! in an `RwLock` (or `Mutex`). Several processes (server and CLI) may open the same directory:
//! every change takes the file lock and first reloads the index if another process changed it.

mod clock;
mod fsio;
mod types;

use std::fs::{self, File, OpenOptions};
use std::io::ErrorKind;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

pub use clock::now_rfc3339;
use types::io_err;
pub use types::{RegistryError, Switch, VersionInfo, VersionMeta, VersionName, VersionStatus};

/// Index file name.
pub const INDEX_FILE: &str = "registry.json";
/// Previous good copy of the index.
pub const INDEX_BACKUP_FILE: &str = "registry.json.bak";
/// Artifact file name inside a version directory.
pub const ARTIFACT_FILE: &str = "model.bin";
/// Per-version metadata file name inside a version directory.
pub const META_FILE: &str = "meta.json";
const COUNTER_FILE: &str = "next_version";
const LOCK_FILE: &str = ".registry.lock";
const CORRUPT_SUFFIX: &str = ".corrupt";
const INDEX_FORMAT: u32 = 1;
const SYSTEM_ACTOR: &str = "registry";

/// The index as stored in `registry.json`.
#[derive(Clone, Debug, Serialize, Deserialize)]
struct Index {
    format_version: u32,
    next_version: u64,
    active: Option<VersionName>,
    versions: Vec<VersionInfo>,
    history: Vec<Switch>,
}

impl Index {
    fn empty() -> Self {
        Self {
            format_version: INDEX_FORMAT,
            next_version: 1,
            active: None,
            versions: Vec::new(),
            history: Vec::new(),
        }
    }

    fn position(&self, version: VersionName) -> Option<usize> {
        self.versions.iter().position(|v| v.name == version)
    }

    fn is_good(&self, version: VersionName) -> bool {
        self.position(version)
            .is_some_and(|i| self.versions[i].problem.is_none())
    }

    /// Sets every version's status from its problem and the active pointer.
    fn refresh_statuses(&mut self) {
        let active = self.active;
        for info in &mut self.versions {
            info.status = if info.problem.is_some() {
                VersionStatus::Unavailable
            } else if Some(info.name) == active {
                VersionStatus::Active
            } else {
                VersionStatus::Candidate
            };
        }
    }

    /// The most recently active version, other than `exclude`, that is still good.
    fn last_good_active(&self, exclude: VersionName) -> Option<VersionName> {
        self.history
            .iter()
            .rev()
            .flat_map(|s| [s.to, s.from])
            .flatten()
            .find(|&v| v != exclude && self.is_good(v))
    }
}

/// The content of `V{n}/meta.json`: enough to rebuild the index entry.
#[derive(Debug, Serialize, Deserialize)]
struct VersionFile {
    name: VersionName,
    sha256: String,
    size: u64,
    meta: VersionMeta,
}

/// Where the index was read from at open.
enum IndexSource {
    /// `registry.json`, with the sha256 of its bytes.
    Primary(String),
    /// `registry.json.bak`.
    Backup,
    /// Neither copy was usable (or the registry is new): rebuilt from the version directories.
    Rebuilt,
}

/// A model registry rooted at one directory. See the module docs.
#[derive(Debug)]
pub struct Registry {
    dir: PathBuf,
    index: Index,
    /// sha256 of `registry.json` as last read or written by this handle.
    index_digest: Option<String>,
    recovery: Vec<String>,
}

impl Registry {
    /// Opens (creating if needed) the registry in `dir`, repairing what a crash left behind.
    ///
    /// Damaged artifacts or a damaged index never make this fail; only an unusable directory
    /// (cannot be created, listed or locked) does. What was repaired is in
    /// [`Registry::recovery_notes`].
    pub fn open(dir: impl AsRef<Path>) -> Result<Self, RegistryError> {
        let dir = dir.as_ref().to_path_buf();
        fs::create_dir_all(&dir).map_err(io_err("create", &dir))?;
        let _lock = lock_dir(&dir)?;
        Self::load(dir)
    }

    /// The registry directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The active version, if any.
    pub fn active(&self) -> Option<VersionName> {
        self.index.active
    }

    /// All versions, oldest first.
    pub fn versions(&self) -> &[VersionInfo] {
        &self.index.versions
    }

    /// One version's details.
    pub fn get(&self, version: VersionName) -> Result<&VersionInfo, RegistryError> {
        self.index
            .position(version)
            .map(|i| &self.index.versions[i])
            .ok_or(RegistryError::UnknownVersion(version))
    }

    /// Every switch of the active version, oldest first.
    pub fn history(&self) -> &[Switch] {
        &self.index.history
    }

    /// The name the next registered version will get.
    pub fn next_version(&self) -> VersionName {
        VersionName(self.index.next_version)
    }

    /// What [`Registry::open`] (or a later reload) found and repaired, for the logs.
    pub fn recovery_notes(&self) -> &[String] {
        &self.recovery
    }

    /// Path of a version's artifact file.
    pub fn artifact_path(&self, version: VersionName) -> PathBuf {
        self.dir.join(version.to_string()).join(ARTIFACT_FILE)
    }

    /// Reads a version's artifact, verifying its size and sha256 again.
    pub fn load_artifact_bytes(&self, version: VersionName) -> Result<Vec<u8>, RegistryError> {
        let info = self.get(version)?;
        read_verified(&self.dir, info)
            .map_err(|reason| RegistryError::Unavailable { version, reason })
    }

    /// Stores a new version as a candidate and returns its name.
    ///
    /// The artifact and `meta.json` are fsync'd and renamed into place before the index is
    /// replaced, so once this returns the version survives a crash. It does not activate it.
    pub fn register(
        &mut self,
        artifact: &[u8],
        meta: VersionMeta,
    ) -> Result<VersionName, RegistryError> {
        let _lock = self.lock_and_refresh()?;
        let name = self.next_version();
        // Reserve the number before anything is written, so it is never handed out again.
        self.index.next_version = name.number() + 1;
        let counter = self.dir.join(COUNTER_FILE);
        fsio::atomic_write(&counter, self.index.next_version.to_string().as_bytes())
            .map_err(io_err("write", &counter))?;

        let file = VersionFile {
            name,
            sha256: sha256_hex(artifact),
            size: artifact.len() as u64,
            meta,
        };
        self.write_version_dir(&file, artifact)?;
        let mut next = self.index.clone();
        next.versions.push(VersionInfo {
            name,
            status: VersionStatus::Candidate,
            problem: None,
            sha256: file.sha256,
            size: file.size,
            meta: file.meta,
        });
        self.commit(next)?;
        Ok(name)
    }

    /// Makes `version` the active one, recording the switch with `reason` and `actor`.
    ///
    /// The artifact is verified first; a missing or damaged one is refused with
    /// [`RegistryError::Unavailable`] (and the version is marked so). Activating the version
    /// that is already active changes nothing.
    pub fn activate(
        &mut self,
        version: VersionName,
        reason: &str,
        actor: Option<&str>,
    ) -> Result<(), RegistryError> {
        let _lock = self.lock_and_refresh()?;
        self.activate_locked(version, reason, actor)
    }

    /// Activates a candidate on an operator's request (refused if it is already active).
    pub fn promote(
        &mut self,
        version: VersionName,
        actor: Option<&str>,
    ) -> Result<(), RegistryError> {
        let _lock = self.lock_and_refresh()?;
        if self.index.active == Some(version) {
            return Err(RegistryError::AlreadyActive(version));
        }
        self.activate_locked(version, "promoted by operator", actor)
    }

    /// Deletes a version that is not active. Its number is never reused.
    pub fn delete(&mut self, version: VersionName) -> Result<(), RegistryError> {
        let _lock = self.lock_and_refresh()?;
        let pos = self.position(version)?;
        if self.index.active == Some(version) {
            return Err(RegistryError::DeleteActive(version));
        }
        let mut next = self.index.clone();
        next.versions.remove(pos);
        self.commit(next)?;
        // The index no longer lists it; a directory left by a crash here is removed on open.
        let vdir = self.dir.join(version.to_string());
        match fs::remove_dir_all(&vdir) {
            Ok(()) => {
                fsio::fsync_dir(&self.dir).map_err(io_err("sync", &self.dir))?;
            }
            Err(e) if e.kind() == ErrorKind::NotFound => {}
            Err(e) => {
                tracing::warn!(path = %vdir.display(), error = %e, "cannot remove deleted version directory; it will be removed on next open")
            }
        }
        Ok(())
    }

    /// Replaces a version's notes / description.
    pub fn set_notes(&mut self, version: VersionName, notes: &str) -> Result<(), RegistryError> {
        let _lock = self.lock_and_refresh()?;
        let pos = self.position(version)?;
        let mut next = self.index.clone();
        let info = &mut next.versions[pos];
        info.meta.notes = notes.to_string();
        let vdir = self.dir.join(version.to_string());
        if vdir.is_dir() {
            let file = VersionFile {
                name: info.name,
                sha256: info.sha256.clone(),
                size: info.size,
                meta: info.meta.clone(),
            };
            let path = vdir.join(META_FILE);
            fsio::atomic_write(&path, &serde_json::to_vec_pretty(&file)?)
                .map_err(io_err("write", &path))?;
        }
        self.commit(next)
    }

    fn position(&self, version: VersionName) -> Result<usize, RegistryError> {
        self.index
            .position(version)
            .ok_or(RegistryError::UnknownVersion(version))
    }

    fn activate_locked(
        &mut self,
        version: VersionName,
        reason: &str,
        actor: Option<&str>,
    ) -> Result<(), RegistryError> {
        let pos = self.position(version)?;
        let check = read_verified(&self.dir, &self.index.versions[pos]).map(drop);
        let mut next = self.index.clone();
        next.versions[pos].problem = check.as_ref().err().cloned();
        if let Err(problem) = check {
            next.refresh_statuses();
            if let Err(e) = self.commit(next) {
                tracing::warn!(error = %e, "cannot record that {version} is unavailable");
            }
            return Err(RegistryError::Unavailable {
                version,
                reason: problem,
            });
        }
        if next.active != Some(version) {
            next.history.push(Switch {
                at: now_rfc3339(),
                from: next.active,
                to: Some(version),
                reason: reason.to_string(),
                actor: actor.map(str::to_string),
            });
            next.active = Some(version);
        }
        next.refresh_statuses();
        self.commit(next)
    }

    /// Writes `V{n}/` through a staging directory: files fsync'd, renamed, parent fsync'd.
    fn write_version_dir(&self, file: &VersionFile, artifact: &[u8]) -> Result<(), RegistryError> {
        let staging = self.dir.join(format!(
            "{}{}-{}",
            fsio::STAGING_PREFIX,
            file.name,
            fsio::unique_suffix()
        ));
        let target = self.dir.join(file.name.to_string());
        let result = (|| {
            fs::create_dir(&staging).map_err(io_err("create", &staging))?;
            let model = staging.join(ARTIFACT_FILE);
            fsio::write_synced(&model, artifact).map_err(io_err("write", &model))?;
            let meta = staging.join(META_FILE);
            fsio::write_synced(&meta, &serde_json::to_vec_pretty(file)?)
                .map_err(io_err("write", &meta))?;
            fsio::fsync_dir(&staging).map_err(io_err("sync", &staging))?;
            fs::rename(&staging, &target).map_err(io_err("rename into", &target))?;
            fsio::fsync_dir(&self.dir).map_err(io_err("sync", &self.dir))
        })();
        if result.is_err() && staging.exists() {
            let _ = fs::remove_dir_all(&staging);
        }
        result
    }

    /// Reloads the index if another process (e.g. the CLI) changed it; says whether it did.
    pub fn refresh(&mut self) -> Result<bool, RegistryError> {
        let before = self.index_digest.clone();
        drop(self.lock_and_refresh()?);
        Ok(self.index_digest != before)
    }

    /// Takes the cross-process lock and reloads the index if another process changed it.
    fn lock_and_refresh(&mut self) -> Result<File, RegistryError> {
        let lock = lock_dir(&self.dir)?;
        let on_disk = fs::read(self.dir.join(INDEX_FILE))
            .ok()
            .map(|b| sha256_hex(&b));
        if on_disk.is_none() || on_disk != self.index_digest {
            *self = Self::load(self.dir.clone())?;
        }
        Ok(lock)
    }

    /// Replaces the index on disk with `next` and then in memory.
    ///
    /// `registry.json` is replaced atomically (temp file, fsync, rename, directory fsync), then
    /// `registry.json.bak` the same way, so at any instant at least one good copy exists and the
    /// backup is at most this one change behind.
    fn commit(&mut self, mut next: Index) -> Result<(), RegistryError> {
        next.refresh_statuses();
        let bytes = serde_json::to_vec_pretty(&next)?;
        let primary = self.dir.join(INDEX_FILE);
        fsio::atomic_write(&primary, &bytes).map_err(io_err("write", &primary))?;
        self.index_digest = Some(sha256_hex(&bytes));
        self.index = next;
        self.write_backup(&bytes);
        Ok(())
    }

    /// Mirrors the index into the backup; a failure only costs redundancy, so it is logged.
    fn write_backup(&self, bytes: &[u8]) {
        let backup = self.dir.join(INDEX_BACKUP_FILE);
        if fs::read(&backup).is_ok_and(|b| b == bytes) {
            return;
        }
        if let Err(e) = fsio::atomic_write(&backup, bytes) {
            tracing::warn!(path = %backup.display(), error = %e, "cannot write the registry index backup");
        }
    }

    /// Reads, repairs and verifies the registry in `dir`; the caller holds the lock.
    fn load(dir: PathBuf) -> Result<Self, RegistryError> {
        let mut notes = Vec::new();
        for name in fsio::remove_leftovers(&dir).map_err(io_err("clean", &dir))? {
            notes.push(format!("removed leftover temporary entry {name}"));
        }
        let (mut index, source) = read_index(&dir, &mut notes);
        let rebuilding = matches!(source, IndexSource::Rebuilt);
        reconcile_dirs(&dir, &mut index, rebuilding, &mut notes)?;

        for info in &mut index.versions {
            info.problem = read_verified(&dir, info).err();
            if let Some(problem) = &info.problem {
                notes.push(format!("{} is unavailable: {problem}", info.name));
            }
        }
        if let Some(active) = index.active {
            let problem = match index.position(active) {
                None => Some("it is not in the index".to_string()),
                Some(i) => index.versions[i].problem.clone(),
            };
            if let Some(problem) = problem {
                let fallback = index.last_good_active(active);
                let reason = match fallback {
                    Some(v) => format!(
                        "{active} is unavailable at startup ({problem}); fell back to {v}, the last good active version"
                    ),
                    None => format!(
                        "{active} is unavailable at startup ({problem}); no previously active version is available, so none is active"
                    ),
                };
                tracing::warn!("{reason}");
                notes.push(reason.clone());
                index.history.push(Switch {
                    at: now_rfc3339(),
                    from: Some(active),
                    to: fallback,
                    reason,
                    actor: Some(SYSTEM_ACTOR.to_string()),
                });
                index.active = fallback;
            }
        }
        index.refresh_statuses();

        let index_digest = match source {
            IndexSource::Primary(digest) => Some(digest),
            IndexSource::Backup | IndexSource::Rebuilt => None,
        };
        let bytes = serde_json::to_vec_pretty(&index)?;
        let unchanged = index_digest.as_deref() == Some(sha256_hex(&bytes).as_str());
        let fresh = index.versions.is_empty() && index.next_version == 1 && notes.is_empty();
        let mut registry = Self {
            dir,
            index: index.clone(),
            index_digest,
            recovery: Vec::new(),
        };
        if unchanged {
            registry.write_backup(&bytes);
        } else if !fresh {
            if let Err(e) = registry.commit(index) {
                // Keep serving from memory; the next change retries the write.
                tracing::warn!(error = %e, "cannot write the repaired registry index");
            }
        }
        for note in &notes {
            tracing::info!(dir = %registry.dir.display(), "registry: {note}");
        }
        registry.recovery = notes;
        Ok(registry)
    }
}

/// Takes the exclusive cross-process lock of `dir` (released when the file is dropped).
fn lock_dir(dir: &Path) -> Result<File, RegistryError> {
    let path = dir.join(LOCK_FILE);
    let file = OpenOptions::new()
        .create(true)
        .truncate(false)
        .read(true)
        .write(true)
        .open(&path)
        .map_err(io_err("open", &path))?;
    file.lock().map_err(io_err("lock", &path))?;
    Ok(file)
}

fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// Reads a version's artifact and checks its size and sha256; `Err` says what is wrong.
fn read_verified(dir: &Path, info: &VersionInfo) -> Result<Vec<u8>, String> {
    let path = dir.join(info.name.to_string()).join(ARTIFACT_FILE);
    let bytes = fs::read(&path).map_err(|e| match e.kind() {
        ErrorKind::NotFound => format!("{ARTIFACT_FILE} is missing"),
        _ => format!("cannot read {ARTIFACT_FILE}: {e}"),
    })?;
    if bytes.len() as u64 != info.size {
        return Err(format!(
            "{ARTIFACT_FILE} is {} bytes, expected {} (damaged or truncated)",
            bytes.len(),
            info.size
        ));
    }
    let actual = sha256_hex(&bytes);
    if actual != info.sha256 {
        return Err(format!(
            "{ARTIFACT_FILE} checksum mismatch (sha256 {actual}, expected {})",
            info.sha256
        ));
    }
    Ok(bytes)
}

/// Reads and parses one index file: `Ok(None)` if absent, `Err` with a reason if unusable.
fn read_index_file(path: &Path) -> Result<Option<(Index, String)>, String> {
    let bytes = match fs::read(path) {
        Ok(b) => b,
        Err(e) if e.kind() == ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e.to_string()),
    };
    let index: Index = serde_json::from_slice(&bytes).map_err(|e| e.to_string())?;
    if index.format_version != INDEX_FORMAT {
        return Err(format!(
            "unsupported format_version {} (expected {INDEX_FORMAT})",
            index.format_version
        ));
    }
    Ok(Some((index, sha256_hex(&bytes))))
}

/// Reads `registry.json`, falling back to the backup, then to an empty index to rebuild.
fn read_index(dir: &Path, notes: &mut Vec<String>) -> (Index, IndexSource) {
    let primary = dir.join(INDEX_FILE);
    match read_index_file(&primary) {
        Ok(Some((index, digest))) => return (index, IndexSource::Primary(digest)),
        Ok(None) => {}
        Err(reason) => {
            let keep = dir.join(format!("{INDEX_FILE}{CORRUPT_SUFFIX}"));
            let kept = fs::rename(&primary, &keep).is_ok();
            notes.push(format!(
                "{INDEX_FILE} is unreadable ({reason}){}",
                if kept {
                    format!("; kept it as {INDEX_FILE}{CORRUPT_SUFFIX}")
                } else {
                    String::new()
                }
            ));
        }
    }
    let backup = dir.join(INDEX_BACKUP_FILE);
    match read_index_file(&backup) {
        Ok(Some((index, _))) => {
            notes.push(format!("recovered the index from {INDEX_BACKUP_FILE}"));
            return (index, IndexSource::Backup);
        }
        Ok(None) => {}
        Err(reason) => notes.push(format!("{INDEX_BACKUP_FILE} is unreadable ({reason})")),
    }
    (Index::empty(), IndexSource::Rebuilt)
}

/// Matches the `V{n}` directories on disk with the index.
///
/// Directories numbered at or above the index's `next_version` (registered but not yet in the
/// index when a crash hit) are adopted from their `meta.json`, as are all of them when the index
/// is being rebuilt; lower-numbered ones not in the index are leftovers of a delete and are
/// removed. `next_version` ends above every number seen and the reserved counter.
fn reconcile_dirs(
    dir: &Path,
    index: &mut Index,
    rebuilding: bool,
    notes: &mut Vec<String>,
) -> Result<(), RegistryError> {
    let mut next = index
        .versions
        .iter()
        .map(|v| v.name.number() + 1)
        .chain([index.next_version, read_counter(dir, notes)])
        .max()
        .unwrap_or(1);
    let adopt_from = index.next_version;
    let mut dirs = Vec::new();
    for entry in fs::read_dir(dir).map_err(io_err("list", dir))? {
        let entry = entry.map_err(io_err("list", dir))?;
        let is_dir = entry.file_type().map(|t| t.is_dir()).unwrap_or(false);
        let name = entry.file_name().to_string_lossy().into_owned();
        match name.parse::<VersionName>() {
            Ok(version) if is_dir && name == version.to_string() => dirs.push(version),
            _ => {}
        }
    }
    dirs.sort();
    for version in dirs {
        next = next.max(version.number() + 1);
        let vdir = dir.join(version.to_string());
        for leftover in fsio::remove_leftovers(&vdir).map_err(io_err("clean", &vdir))? {
            notes.push(format!(
                "removed leftover temporary file {version}/{leftover}"
            ));
        }
        if index.position(version).is_some() {
            continue;
        }
        if rebuilding || version.number() >= adopt_from {
            match read_version_file(&vdir) {
                Ok(file) if file.name == version => {
                    notes.push(format!(
                        "adopted {version}: found on disk but missing from the index"
                    ));
                    index.versions.push(VersionInfo {
                        name: version,
                        status: VersionStatus::Candidate,
                        problem: None,
                        sha256: file.sha256,
                        size: file.size,
                        meta: file.meta,
                    });
                }
                Ok(file) => notes.push(format!(
                    "ignored directory {version}: its {META_FILE} names {}",
                    file.name
                )),
                Err(reason) => notes.push(format!("ignored directory {version}: {reason}")),
            }
        } else {
            fs::remove_dir_all(&vdir).map_err(io_err("remove", &vdir))?;
            notes.push(format!("removed {version}: it was deleted before a crash"));
        }
    }
    index.versions.sort_by_key(|v| v.name);
    index.next_version = next;
    Ok(())
}

fn read_version_file(vdir: &Path) -> Result<VersionFile, String> {
    let bytes =
        fs::read(vdir.join(META_FILE)).map_err(|e| format!("cannot read {META_FILE}: {e}"))?;
    serde_json::from_slice(&bytes).map_err(|e| format!("{META_FILE} is unreadable: {e}"))
}

/// The reserved `next_version` counter (1 if absent or unreadable).
fn read_counter(dir: &Path, notes: &mut Vec<String>) -> u64 {
    match fs::read_to_string(dir.join(COUNTER_FILE)) {
        Ok(text) => text.trim().parse().unwrap_or_else(|_| {
            notes.push(format!("ignored unreadable {COUNTER_FILE} file"));
            1
        }),
        Err(_) => 1,
    }
}

#[cfg(test)]
mod tests;
