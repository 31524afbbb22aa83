//! The published data files Potable works with, their SHA-256 checksums, and verification.

use sha2::{Digest, Sha256};
use std::io::Read;
use std::path::{Path, PathBuf};

/// A data file known by name and checksum.
#[derive(Debug, Clone, Copy)]
pub struct DataFile {
    /// File name inside the data folder.
    pub name: &'static str,
    /// Expected SHA-256, lower-case hex.
    pub sha256: &'static str,
    /// Whether the pipeline cannot run without it.
    pub required: bool,
}

/// The raw data set and the older pre-split copy (see the README's data section).
pub const DATA_FILES: [DataFile; 3] = [
    DataFile {
        name: "water_potability.csv",
        sha256: "904004bde729bfe3d2e195f46343bceead09e32a0eb95bb8184e7e20e029b2bf",
        required: true,
    },
    DataFile {
        name: "train_dataset.csv",
        sha256: "1278bd418355e01fed0d95a549f478a368288e9639885d22b008f2f680716f3a",
        required: false,
    },
    DataFile {
        name: "test_dataset.csv",
        sha256: "1c28a864ec9ba3cd03a90705cca30998773250f70392cc07d33fe8960c1b42a7",
        required: false,
    },
];

/// Why a data file could not be verified.
#[derive(Debug, thiserror::Error)]
pub enum DataFileError {
    /// The file could not be read.
    #[error("cannot read {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// The file's content is not the published one.
    #[error("{path} has SHA-256 {actual}, expected {expected}")]
    Checksum {
        /// The file.
        path: PathBuf,
        /// What it hashes to.
        actual: String,
        /// What it should hash to.
        expected: &'static str,
    },
}

/// SHA-256 of a file, lower-case hex.
pub fn sha256_file(path: &Path) -> Result<String, DataFileError> {
    let io = |source| DataFileError::Io {
        path: path.to_path_buf(),
        source,
    };
    let mut file = std::fs::File::open(path).map_err(io)?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        let n = file.read(&mut buf).map_err(io)?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
    }
    Ok(hex::encode(hasher.finalize()))
}

/// Checks that `path` holds exactly the published content of `file`.
pub fn verify(path: &Path, file: &DataFile) -> Result<(), DataFileError> {
    let actual = sha256_file(path)?;
    if actual == file.sha256 {
        Ok(())
    } else {
        Err(DataFileError::Checksum {
            path: path.to_path_buf(),
            actual,
            expected: file.sha256,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checksum_mismatch_names_both_hashes() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("water_potability.csv");
        std::fs::write(&path, b"ph\n7\n").unwrap();
        let err = verify(&path, &DATA_FILES[0]).unwrap_err().to_string();
        assert!(err.contains(DATA_FILES[0].sha256), "{err}");
        assert!(err.contains(&sha256_file(&path).unwrap()), "{err}");
    }

    #[test]
    fn known_content_hashes_as_published() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("abc");
        std::fs::write(&path, b"abc").unwrap();
        assert_eq!(
            sha256_file(&path).unwrap(),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
