//! Helpers shared by the pipeline stage commands: progress lines, atomic output files and
//! loading the model a stage works with.

use crate::cli::ModelSource;
use anyhow::Context;
use potable_core::artifact::Artifact;
use potable_core::registry::Registry;
use std::io::Write;
use std::path::Path;

/// Prints progress lines on stderr unless `--quiet`.
#[derive(Debug, Clone, Copy)]
pub struct Say {
    /// Whether `--quiet` was given.
    pub quiet: bool,
}

impl Say {
    /// Prints `line` on stderr unless quiet.
    pub fn line(self, line: impl AsRef<str>) {
        if !self.quiet {
            eprintln!("{}", line.as_ref());
        }
    }
}

/// Writes `bytes` to a temporary file beside `path` (creating missing parent folders), syncs it
/// and renames it into place, so a reader never sees a half-written file.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent)
            .with_context(|| format!("cannot create the folder {}", parent.display()))?;
    }
    let mut tmp_name = path.file_name().unwrap_or_default().to_os_string();
    tmp_name.push(".tmp");
    let tmp = path.with_file_name(tmp_name);
    let result = (|| -> std::io::Result<()> {
        let mut file = std::fs::File::create(&tmp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result.with_context(|| format!("cannot write {}", path.display()))
}

/// A model artifact and the name it is known by (`V3`, or the file path given).
pub struct StageModel {
    /// The decoded artifact.
    pub artifact: Artifact,
    /// Registry version name, or the artifact file's path.
    pub version: String,
}

/// Loads `--model FILE`, or else the active version of `--models-dir` (never creating it).
pub fn load_model(source: &ModelSource) -> anyhow::Result<StageModel> {
    if let Some(path) = &source.model {
        let bytes =
            std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
        let artifact = Artifact::from_bytes(&bytes)
            .with_context(|| format!("cannot load the model {}", path.display()))?;
        return Ok(StageModel {
            artifact,
            version: path.display().to_string(),
        });
    }
    let dir = &source.models_dir;
    anyhow::ensure!(
        dir.join("registry.json").exists(),
        "no model registry in {} (run `potable train` first, or pass --model)",
        dir.display()
    );
    let registry = Registry::open(dir)
        .with_context(|| format!("cannot open the registry {}", dir.display()))?;
    let version = registry
        .active()
        .with_context(|| format!("the registry {} has no active model version", dir.display()))?;
    let bytes = registry.load_artifact_bytes(version)?;
    let artifact = Artifact::from_bytes(&bytes)
        .with_context(|| format!("cannot load model {version} from {}", dir.display()))?;
    Ok(StageModel {
        artifact,
        version: version.to_string(),
    })
}
