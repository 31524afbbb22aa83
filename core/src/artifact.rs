//! The model artifact: fitted model + the params, metrics and data fingerprint it came from.
//!
//! Encoding: a magic line then bincode 1. forust's `GradientBooster` does not survive bincode
//! (its `missing` field is written as `f64` but read as `Option<f64>`), so the boosters are
//! embedded as forust's own JSON strings (see `models::boosting`); everything else is plain
//! bincode. Same data, params and code give the same bytes (no clock reading is stored here).

use bincode::Options;
use serde::{Deserialize, Serialize};

use crate::evaluate::Metrics;
use crate::model::TrainedModel;
use crate::params::Params;

/// First bytes of every artifact.
pub const MAGIC: &[u8] = b"POTABLE-MODEL\n";
/// Current artifact format version.
pub const FORMAT_VERSION: u32 = 3;

/// bincode settings of [`bincode::serialize`] (fixed-width integers, little endian, trailing
/// bytes allowed) plus a read limit of `limit` bytes, so a damaged length prefix fails instead
/// of allocating a huge buffer.
fn decoder(limit: usize) -> impl Options {
    bincode::DefaultOptions::new()
        .with_fixint_encoding()
        .allow_trailing_bytes()
        .with_little_endian()
        .with_limit(limit as u64)
}

/// Why an artifact could not be encoded or decoded.
#[derive(Debug, thiserror::Error)]
pub enum ArtifactError {
    /// The bytes do not start with [`MAGIC`].
    #[error("not a Potable model artifact")]
    NotAnArtifact,
    /// Written by another format version.
    #[error("artifact format version {found} is not supported (expected {FORMAT_VERSION})")]
    Version {
        /// Version found in the file.
        found: u32,
    },
    /// bincode failed (truncated or damaged bytes).
    #[error("artifact encoding: {0}")]
    Encoding(#[from] bincode::Error),
}

/// Everything stored for one trained model version.
#[derive(Debug, Serialize, Deserialize)]
pub struct Artifact {
    /// [`FORMAT_VERSION`] at write time.
    pub format_version: u32,
    /// Preprocessing + classifier.
    pub model: TrainedModel,
    /// The params it was trained with.
    pub params: Params,
    /// Its metrics (as in metrics.json).
    pub metrics: Metrics,
    /// Fingerprint of the rows it was fitted on: `Dataset::fingerprint()` of the data file, or
    /// with feedback rows added, a fingerprint of the data file and those rows.
    pub data_fingerprint: String,
    /// `Dataset::fingerprint()` of the data file its training part and held-out part were split
    /// from (equal to `data_fingerprint` when no feedback was used): how `evaluate` recognises
    /// the file whose held-out part belongs to this model.
    pub dataset_fingerprint: String,
    /// Labelled rows used (data set + feedback).
    pub train_rows: usize,
    /// How many of them came from feedback.
    pub feedback_rows: usize,
    // The creation time and code revision are facts of the run, kept in the registry's version
    // metadata: the artifact holds only what training computed, so the same data, params and
    // code give the same bytes.
}

impl Artifact {
    /// Encodes the artifact: [`MAGIC`] followed by bincode.
    pub fn to_bytes(&self) -> Result<Vec<u8>, ArtifactError> {
        let mut out = MAGIC.to_vec();
        bincode::serialize_into(&mut out, self)?;
        Ok(out)
    }

    /// Decodes bytes written by [`Artifact::to_bytes`], checking magic and version first.
    /// No length prefix inside can make it read (or allocate for) more than the input.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, ArtifactError> {
        let body = bytes
            .strip_prefix(MAGIC)
            .ok_or(ArtifactError::NotAnArtifact)?;
        let found: u32 = decoder(body.len()).deserialize(body)?;
        if found != FORMAT_VERSION {
            return Err(ArtifactError::Version { found });
        }
        Ok(decoder(body.len()).deserialize(body)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::params::ModelType;
    use crate::train::tests::{quick_params, water};
    use crate::train::{no_progress, train};

    fn artifact(model_type: ModelType) -> (Artifact, Vec<[f64; 9]>) {
        let (rows, labels) = water();
        let mut params = quick_params(model_type);
        params.train.voting_weights.svm = 1.0; // every member kind inside the ensemble
        let out = train(&rows, &labels, &params, &no_progress).unwrap();
        let a = Artifact {
            format_version: FORMAT_VERSION,
            model: out.model,
            params,
            metrics: out.metrics,
            data_fingerprint: "abc".into(),
            dataset_fingerprint: "abc".into(),
            train_rows: rows.len(),
            feedback_rows: 0,
        };
        (a, rows[..200].to_vec())
    }

    #[test]
    fn round_trip_gives_identical_predictions_and_bytes() {
        let (a, rows) = artifact(ModelType::Ensemble);
        let bytes = a.to_bytes().unwrap();
        assert!(bytes.starts_with(MAGIC));
        let back = Artifact::from_bytes(&bytes).unwrap();
        let (p1, p2) = (
            a.model.predict_proba(&rows),
            back.model.predict_proba(&rows),
        );
        assert!(p1.iter().zip(&p2).all(|(a, b)| a.to_bits() == b.to_bits()));
        assert_eq!(back.metrics, a.metrics);
        assert_eq!(back.params, a.params);
        assert_eq!(back.to_bytes().unwrap(), bytes);
        // Training again from scratch gives the same bytes.
        let (again, _) = artifact(ModelType::Ensemble);
        assert_eq!(again.to_bytes().unwrap(), bytes);
    }

    #[test]
    fn damaged_or_foreign_bytes_are_refused() {
        let (a, _) = artifact(ModelType::XGBoost);
        let bytes = a.to_bytes().unwrap();
        assert!(matches!(
            Artifact::from_bytes(b"PK\x03\x04"),
            Err(ArtifactError::NotAnArtifact)
        ));
        assert!(matches!(
            Artifact::from_bytes(&bytes[..bytes.len() / 2]),
            Err(ArtifactError::Encoding(_))
        ));
        let mut future = bytes.clone();
        future[MAGIC.len()] = 9;
        assert!(matches!(
            Artifact::from_bytes(&future),
            Err(ArtifactError::Version { found: 9 })
        ));
    }
}
