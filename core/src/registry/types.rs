//! Public value types of the registry: version names, metadata, status, switches, errors.

use std::fmt;
use std::io;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A version name `V1`, `V2`, ...; numbers start at 1, only go up and are never reused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct VersionName(pub(super) u64);

impl VersionName {
    /// The version with number `n` (`None` for 0: numbering starts at 1).
    pub fn new(n: u64) -> Option<Self> {
        (n >= 1).then_some(Self(n))
    }

    /// The number after the `V`.
    pub fn number(self) -> u64 {
        self.0
    }
}

impl fmt::Display for VersionName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "V{}", self.0)
    }
}

impl FromStr for VersionName {
    type Err = RegistryError;

    /// Parses `V3` (a lowercase `v` and surrounding spaces are accepted).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let invalid = || RegistryError::InvalidName(s.to_string());
        let digits = s
            .trim()
            .strip_prefix(['V', 'v'])
            .filter(|d| !d.is_empty() && d.bytes().all(|b| b.is_ascii_digit()))
            .ok_or_else(invalid)?;
        digits
            .parse::<u64>()
            .ok()
            .and_then(Self::new)
            .ok_or_else(invalid)
    }
}

impl Serialize for VersionName {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for VersionName {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

/// What the trainer records about a version when it registers it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct VersionMeta {
    /// The training parameters, as read at the start of training.
    pub params: serde_json::Value,
    /// Fingerprint (sha256 hex) of the training data.
    pub data_fingerprint: String,
    /// Number of training rows (original training part plus feedback rows).
    pub train_rows: u64,
    /// Number of feedback rows included in training.
    pub feedback_rows: u64,
    /// Metrics on the fixed evaluation set.
    pub metrics: serde_json::Value,
    /// Creation time, RFC 3339.
    pub created_at: String,
    /// Source revision of the code that trained it, when known.
    pub code_revision: Option<String>,
    /// Free-text description / operator notes.
    pub notes: String,
}

/// State of a version as seen by the registry.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum VersionStatus {
    /// The version that serves predictions.
    Active,
    /// Verified and loadable, but not active (new, held back by the gate, or rolled back).
    Candidate,
    /// Its artifact is missing or damaged; it cannot be activated or loaded.
    Unavailable,
}

/// One registered version.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct VersionInfo {
    /// Version name.
    pub name: VersionName,
    /// Current status (recomputed from the files on every open).
    pub status: VersionStatus,
    /// Why the version is unavailable, when it is.
    pub problem: Option<String>,
    /// SHA-256 (hex) of `model.bin` as written.
    pub sha256: String,
    /// Size of `model.bin` in bytes.
    pub size: u64,
    /// Training metadata.
    pub meta: VersionMeta,
}

/// One change of the active version.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Switch {
    /// When it happened, RFC 3339 UTC.
    pub at: String,
    /// Previously active version.
    pub from: Option<VersionName>,
    /// Newly active version (`None` if no good version was left).
    pub to: Option<VersionName>,
    /// Why.
    pub reason: String,
    /// Who asked for it, when known (`registry` for automatic fall-backs).
    pub actor: Option<String>,
}

/// Errors of registry operations.
#[derive(Debug, thiserror::Error)]
pub enum RegistryError {
    /// A version name that is not `V` followed by a positive number.
    #[error("invalid version name {0:?}: expected V followed by a positive number, e.g. V3")]
    InvalidName(String),
    /// No such version (never registered, or deleted).
    #[error("version {0} does not exist")]
    UnknownVersion(VersionName),
    /// The version's artifact is missing or damaged.
    #[error("version {version} is unavailable: {reason}")]
    Unavailable {
        /// The version.
        version: VersionName,
        /// What is wrong with its artifact.
        reason: String,
    },
    /// Deleting the active version is refused.
    #[error(
        "version {0} is the active version and cannot be deleted; switch to another version first"
    )]
    DeleteActive(VersionName),
    /// Promoting a version that is already active.
    #[error("version {0} is already active")]
    AlreadyActive(VersionName),
    /// A file-system operation failed.
    #[error("cannot {action} {}: {source}", path.display())]
    Io {
        /// What was being done, e.g. `write`.
        action: &'static str,
        /// The file or directory concerned.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: io::Error,
    },
    /// Serialising registry data failed.
    #[error("cannot encode registry data: {0}")]
    Encode(#[from] serde_json::Error),
}

/// Maps an I/O error to [`RegistryError::Io`] for `path`.
pub(crate) fn io_err(action: &'static str, path: &Path) -> impl FnOnce(io::Error) -> RegistryError {
    let path = path.to_path_buf();
    move |source| RegistryError::Io {
        action,
        path,
        source,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn version_names_parse_and_print() {
        let v: VersionName = "V12".parse().unwrap();
        assert_eq!(v.number(), 12);
        assert_eq!(v.to_string(), "V12");
        assert_eq!(" v3 ".parse::<VersionName>().unwrap().number(), 3);
        for bad in [
            "",
            "V",
            "V0",
            "3",
            "V-1",
            "V1.5",
            "X3",
            "V+3",
            "V99999999999999999999",
        ] {
            let err = bad.parse::<VersionName>().unwrap_err();
            assert!(
                matches!(&err, RegistryError::InvalidName(s) if s == bad),
                "{bad}: {err}"
            );
        }
        assert_eq!(serde_json::to_string(&v).unwrap(), "\"V12\"");
        assert_eq!(
            serde_json::from_str::<VersionName>("\"V7\"")
                .unwrap()
                .number(),
            7
        );
        assert!(serde_json::from_str::<VersionName>("\"V0\"").is_err());
    }
}
