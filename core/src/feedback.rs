//! Feedback store (issue 4): "this prediction was wrong/right" records in SQLite.
//!
//! The database (`models/feedback.db`) runs in WAL mode with `synchronous=FULL`, so a row is on
//! stable storage once [`FeedbackStore::insert`] returns its id. Every record is validated first:
//! a missing (NaN), non-finite or out-of-range feature, a true label other than 0/1 or a broken
//! prediction is refused with [`FeedbackError::Invalid`] naming each field, and nothing is
//! stored. The table also carries CHECK constraints as a second line of defence.
//!
//! A `rusqlite::Connection` is `Send` but not `Sync`: a server keeps the store in a `Mutex`.

use std::io::Write;
use std::path::Path;
use std::time::Duration;

use rusqlite::{params, Connection, OptionalExtension, Row};
use serde::{Deserialize, Serialize};

use crate::registry::now_rfc3339;
use crate::sample::{join_errors, validate_features, FieldError};
use crate::schema::{FeatureVector, FEATURES, LABEL, N_FEATURES};

/// Database file name inside the registry directory.
pub const FEEDBACK_DB_FILE: &str = "feedback.db";
/// Schema version stored in `PRAGMA user_version`.
const SCHEMA_VERSION: i64 = 1;

/// The prediction that was served for the sample, if one was.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Prediction {
    /// Predicted label, 0 or 1.
    pub label: u8,
    /// Predicted probability of label 1, in [0, 1].
    pub probability: f64,
    /// Model version that served it, e.g. `V3`.
    pub model_version: String,
}

/// A feedback record to store.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct NewFeedback {
    /// The nine input features in canonical order.
    pub features: FeatureVector,
    /// What the model said (absent when no model was active).
    pub prediction: Option<Prediction>,
    /// The true label, 0 or 1.
    pub true_label: u8,
    /// Optional free-text note.
    pub note: Option<String>,
}

/// A stored feedback record.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FeedbackRow {
    /// Row id (increasing, never reused).
    pub id: i64,
    /// When it was stored, RFC 3339 UTC.
    pub created_at: String,
    /// The nine input features in canonical order.
    pub features: FeatureVector,
    /// What the model said, when known.
    pub prediction: Option<Prediction>,
    /// The true label, 0 or 1.
    pub true_label: u8,
    /// Optional free-text note.
    pub note: Option<String>,
}

/// Number of feedback rows with one true label and one serving model version.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LabelVersionCount {
    /// Model version that served the prediction (`None` if none did).
    pub model_version: Option<String>,
    /// True label, 0 or 1.
    pub true_label: u8,
    /// Number of rows.
    pub count: u64,
}

/// Errors of the feedback store.
#[derive(Debug, thiserror::Error)]
pub enum FeedbackError {
    /// The record breaks the rules; nothing was stored.
    #[error("invalid feedback: {}", join_errors(.0))]
    Invalid(Vec<FieldError>),
    /// The database was written by a newer Potable.
    #[error("feedback database schema version {found} is newer than the supported {supported}")]
    UnsupportedSchema {
        /// `PRAGMA user_version` found.
        found: i64,
        /// Highest version this build understands.
        supported: i64,
    },
    /// A stored value is not what the schema promises (edited by hand?).
    #[error("feedback row {id} is corrupt: {reason}")]
    CorruptRow {
        /// Row id.
        id: i64,
        /// What is wrong.
        reason: String,
    },
    /// SQLite failed.
    #[error("feedback database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// Writing the CSV export failed.
    #[error("cannot write feedback CSV: {0}")]
    Csv(#[from] csv::Error),
}

/// Column names of the nine features in the table (the canonical feature names).
fn feature_columns() -> [&'static str; N_FEATURES] {
    FEATURES.map(|f| f.name)
}

fn select_sql(tail: &str) -> String {
    format!(
        "SELECT id, created_at, {}, predicted_label, predicted_probability, model_version, \
         true_label, note FROM feedback {tail}",
        feature_columns().map(|c| format!("\"{c}\"")).join(", ")
    )
}

/// The feedback database.
#[derive(Debug)]
pub struct FeedbackStore {
    conn: Connection,
}

impl FeedbackStore {
    /// Opens (creating if needed) the database at `path`, e.g. `models/feedback.db`.
    pub fn open(path: impl AsRef<Path>) -> Result<Self, FeedbackError> {
        let conn = Connection::open(path)?;
        conn.busy_timeout(Duration::from_secs(10))?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "FULL")?;
        let mut store = Self { conn };
        store.migrate()?;
        Ok(store)
    }

    fn migrate(&mut self) -> Result<(), FeedbackError> {
        let tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let found: i64 = tx.pragma_query_value(None, "user_version", |r| r.get(0))?;
        if found > SCHEMA_VERSION {
            return Err(FeedbackError::UnsupportedSchema {
                found,
                supported: SCHEMA_VERSION,
            });
        }
        if found < 1 {
            let features = FEATURES
                .iter()
                .map(|f| {
                    format!(
                        "\"{0}\" REAL NOT NULL CHECK (\"{0}\" BETWEEN {1:?} AND {2:?})",
                        f.name, f.min, f.max
                    )
                })
                .collect::<Vec<_>>()
                .join(",\n  ");
            tx.execute_batch(&format!(
                "CREATE TABLE IF NOT EXISTS feedback (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  created_at TEXT NOT NULL,
  {features},
  predicted_label INTEGER CHECK (predicted_label IN (0, 1)),
  predicted_probability REAL CHECK (predicted_probability BETWEEN 0.0 AND 1.0),
  model_version TEXT,
  true_label INTEGER NOT NULL CHECK (true_label IN (0, 1)),
  note TEXT,
  CHECK ((predicted_label IS NULL) = (predicted_probability IS NULL)
     AND (predicted_label IS NULL) = (model_version IS NULL))
);
CREATE INDEX IF NOT EXISTS feedback_label_version ON feedback (true_label, model_version);
PRAGMA user_version = {SCHEMA_VERSION};"
            ))?;
        }
        tx.commit()?;
        Ok(())
    }

    /// Validates and stores one record, returning its id once it is durable.
    pub fn insert(&self, feedback: &NewFeedback) -> Result<i64, FeedbackError> {
        validate(feedback)?;
        let f = &feedback.features;
        let p = feedback.prediction.as_ref();
        let columns = feature_columns().map(|c| format!("\"{c}\"")).join(", ");
        let sql = format!(
            "INSERT INTO feedback (created_at, {columns}, predicted_label, predicted_probability, \
             model_version, true_label, note) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, \
             ?11, ?12, ?13, ?14, ?15)"
        );
        self.conn.prepare_cached(&sql)?.execute(params![
            now_rfc3339(),
            f[0],
            f[1],
            f[2],
            f[3],
            f[4],
            f[5],
            f[6],
            f[7],
            f[8],
            p.map(|p| p.label),
            p.map(|p| p.probability),
            p.map(|p| p.model_version.as_str()),
            feedback.true_label,
            feedback.note.as_deref(),
        ])?;
        Ok(self.conn.last_insert_rowid())
    }

    /// One row by id.
    pub fn get(&self, id: i64) -> Result<Option<FeedbackRow>, FeedbackError> {
        let row = self
            .conn
            .prepare_cached(&select_sql("WHERE id = ?1"))?
            .query_row([id], read_row)
            .optional()?;
        row.map(check_row).transpose()
    }

    /// A page of rows, newest first.
    pub fn list(&self, limit: u32, offset: u32) -> Result<Vec<FeedbackRow>, FeedbackError> {
        let mut stmt = self
            .conn
            .prepare_cached(&select_sql("ORDER BY id DESC LIMIT ?1 OFFSET ?2"))?;
        let rows = stmt.query_map([limit, offset], read_row)?;
        rows.map(|r| check_row(r?)).collect()
    }

    /// Total number of rows.
    pub fn count(&self) -> Result<u64, FeedbackError> {
        let n: i64 = self
            .conn
            .query_row("SELECT COUNT(*) FROM feedback", [], |r| r.get(0))?;
        Ok(n.max(0) as u64)
    }

    /// Row counts per (serving model version, true label), ordered by version then label.
    pub fn count_by_label_and_version(&self) -> Result<Vec<LabelVersionCount>, FeedbackError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT model_version, true_label, COUNT(*) FROM feedback \
             GROUP BY model_version, true_label ORDER BY model_version, true_label",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok(LabelVersionCount {
                model_version: r.get(0)?,
                true_label: r.get(1)?,
                count: r.get::<_, i64>(2)?.max(0) as u64,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Every row, oldest first (for retraining).
    pub fn all_rows(&self) -> Result<Vec<FeedbackRow>, FeedbackError> {
        let mut stmt = self.conn.prepare_cached(&select_sql("ORDER BY id"))?;
        let rows = stmt.query_map([], read_row)?;
        rows.map(|r| check_row(r?)).collect()
    }

    /// Writes every row, oldest first, as CSV with a header; returns the number of rows.
    ///
    /// Columns: `id, created_at`, the nine features, `Potability` (the true label),
    /// `predicted_label, predicted_probability, model_version, note`.
    pub fn export_csv<W: Write>(&self, writer: W) -> Result<u64, FeedbackError> {
        let mut out = csv::Writer::from_writer(writer);
        let mut header = vec!["id", "created_at"];
        header.extend(feature_columns());
        header.extend([
            LABEL,
            "predicted_label",
            "predicted_probability",
            "model_version",
            "note",
        ]);
        out.write_record(&header)?;
        let mut n = 0;
        for row in self.all_rows()? {
            let mut record = vec![row.id.to_string(), row.created_at];
            record.extend(row.features.iter().map(f64::to_string));
            record.push(row.true_label.to_string());
            match row.prediction {
                Some(p) => record.extend([
                    p.label.to_string(),
                    p.probability.to_string(),
                    p.model_version,
                ]),
                None => record.extend([String::new(), String::new(), String::new()]),
            }
            record.push(row.note.unwrap_or_default());
            out.write_record(&record)?;
            n += 1;
        }
        out.flush().map_err(csv::Error::from)?;
        Ok(n)
    }
}

/// Checks a record before it is stored; every problem is reported, each naming its field.
fn validate(feedback: &NewFeedback) -> Result<(), FeedbackError> {
    let mut errors = validate_features(&feedback.features)
        .err()
        .unwrap_or_default();
    if feedback.true_label > 1 {
        errors.push(field_error("true_label", "must be 0 or 1"));
    }
    if let Some(p) = &feedback.prediction {
        if p.label > 1 {
            errors.push(field_error("predicted_label", "must be 0 or 1"));
        }
        if !(p.probability.is_finite() && (0.0..=1.0).contains(&p.probability)) {
            errors.push(field_error(
                "predicted_probability",
                "must be a finite number within [0, 1]",
            ));
        }
        if p.model_version
            .parse::<crate::registry::VersionName>()
            .is_err()
        {
            errors.push(field_error(
                "model_version",
                "must be a version name such as V3",
            ));
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(FeedbackError::Invalid(errors))
    }
}

fn field_error(field: &str, rule: &str) -> FieldError {
    FieldError {
        field: field.to_string(),
        rule: rule.to_string(),
    }
}

/// A row as read, before its values are checked.
struct RawRow {
    id: i64,
    created_at: String,
    features: FeatureVector,
    predicted_label: Option<i64>,
    predicted_probability: Option<f64>,
    model_version: Option<String>,
    true_label: i64,
    note: Option<String>,
}

fn read_row(r: &Row<'_>) -> rusqlite::Result<RawRow> {
    let mut features = [0.0; N_FEATURES];
    for (i, value) in features.iter_mut().enumerate() {
        *value = r.get(2 + i)?;
    }
    Ok(RawRow {
        id: r.get(0)?,
        created_at: r.get(1)?,
        features,
        predicted_label: r.get(2 + N_FEATURES)?,
        predicted_probability: r.get(3 + N_FEATURES)?,
        model_version: r.get(4 + N_FEATURES)?,
        true_label: r.get(5 + N_FEATURES)?,
        note: r.get(6 + N_FEATURES)?,
    })
}

fn check_row(raw: RawRow) -> Result<FeedbackRow, FeedbackError> {
    let corrupt = |reason: &str| FeedbackError::CorruptRow {
        id: raw.id,
        reason: reason.to_string(),
    };
    let label = |v: i64| u8::try_from(v).ok().filter(|l| *l <= 1);
    let true_label = label(raw.true_label).ok_or_else(|| corrupt("true_label is not 0 or 1"))?;
    let prediction = match (
        raw.predicted_label,
        raw.predicted_probability,
        raw.model_version,
    ) {
        (Some(l), Some(probability), Some(model_version)) => Some(Prediction {
            label: label(l).ok_or_else(|| corrupt("predicted_label is not 0 or 1"))?,
            probability,
            model_version,
        }),
        (None, None, None) => None,
        _ => return Err(corrupt("prediction is only partly recorded")),
    };
    Ok(FeedbackRow {
        id: raw.id,
        created_at: raw.created_at,
        features: raw.features,
        prediction,
        true_label,
        note: raw.note,
    })
}

#[cfg(test)]
mod tests;
