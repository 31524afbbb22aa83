//! Batch prediction input: a JSON array of samples (or `{"samples": [...]}`) or a CSV file,
//! validated row by row so one bad row never sinks the others.

use crate::dataset::{read_batch, DataError};
use crate::sample::{parse_sample_raw, FieldError, SampleError};
use crate::schema::FeatureVector;
use serde_json::value::RawValue;

pub use crate::schema::{MAX_BATCH_BYTES, MAX_BATCH_ROWS};

/// Rule text for a batch element that is not a JSON object.
pub const RULE_NOT_OBJECT: &str = "must be a JSON object of the nine features";

/// One row of a batch: where it came from and its features or its problems.
#[derive(Debug, Clone, PartialEq)]
pub struct BatchRow {
    /// 0-based position of the row in the batch.
    pub index: usize,
    /// 1-based line in the CSV file (the header is line 1); `None` for JSON input.
    pub line: Option<u64>,
    /// The validated features, or every problem of the row.
    pub features: Result<FeatureVector, Vec<FieldError>>,
}

/// Why a whole batch was refused.
#[derive(Debug, thiserror::Error)]
pub enum BatchError {
    /// The JSON body is neither an array of samples nor `{"samples": [...]}`.
    #[error("the body must be a JSON array of samples or {{\"samples\": [...]}}: {0}")]
    Json(String),
    /// The CSV file is unreadable as a whole (separator, header, ...).
    #[error(transparent)]
    Csv(#[from] DataError),
    /// No rows at all.
    #[error("the batch has no rows")]
    Empty,
    /// More rows than [`MAX_BATCH_ROWS`].
    #[error("the batch has {rows} rows; the limit is {MAX_BATCH_ROWS} rows per request")]
    TooManyRows {
        /// Rows found.
        rows: usize,
    },
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct Wrapped {
    samples: Vec<Box<RawValue>>,
}

/// Parses a JSON batch: an array of sample objects, or `{"samples": [...]}`.
pub fn parse_json(bytes: &[u8]) -> Result<Vec<BatchRow>, BatchError> {
    let json = |e: serde_json::Error| BatchError::Json(e.to_string());
    // Untagged enums cannot hold raw values: pick the shape from the first character.
    let first = bytes.iter().find(|b| !b.is_ascii_whitespace());
    let samples: Vec<Box<RawValue>> = if first == Some(&b'{') {
        serde_json::from_slice::<Wrapped>(bytes)
            .map_err(json)?
            .samples
    } else {
        serde_json::from_slice(bytes).map_err(json)?
    };
    check_count(samples.len())?;
    Ok(samples
        .iter()
        .enumerate()
        .map(|(index, raw)| BatchRow {
            index,
            line: None,
            features: parse_sample_raw(raw).map_err(|e| match e {
                SampleError::Fields(fields) => fields,
                SampleError::Malformed(_) => vec![FieldError {
                    field: "(row)".to_string(),
                    rule: RULE_NOT_OBJECT.to_string(),
                }],
            }),
        })
        .collect())
}

/// Parses a CSV batch (header in any order, BOM and CRLF accepted, `;` refused with the
/// reason; see [`read_batch`]).
pub fn parse_csv(bytes: &[u8]) -> Result<Vec<BatchRow>, BatchError> {
    let rows = read_batch(bytes).map_err(|e| match e {
        DataError::NoRows => BatchError::Empty,
        other => BatchError::Csv(other),
    })?;
    check_count(rows.len())?;
    Ok(rows
        .into_iter()
        .enumerate()
        .map(|(index, row)| match row {
            Ok(features) => BatchRow {
                index,
                line: Some(index as u64 + 2),
                features: Ok(features),
            },
            Err(e) => BatchRow {
                index,
                line: Some(e.line),
                features: Err(e.errors),
            },
        })
        .collect())
}

fn check_count(rows: usize) -> Result<(), BatchError> {
    if rows == 0 {
        Err(BatchError::Empty)
    } else if rows > MAX_BATCH_ROWS {
        Err(BatchError::TooManyRows { rows })
    } else {
        Ok(())
    }
}

/// The valid rows' features, in batch order (what the model is asked to predict).
pub fn valid_features(rows: &[BatchRow]) -> Vec<FeatureVector> {
    rows.iter()
        .filter_map(|r| r.features.as_ref().ok().copied())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = r#"{"ph":7.0,"Hardness":200.0,"Solids":20000.0,"Chloramines":7.5,"Sulfate":350.0,"Conductivity":400.0,"Organic_carbon":14.0,"Trihalomethanes":70.0,"Turbidity":4.0}"#;

    #[test]
    fn json_array_and_samples_object_with_per_row_errors() {
        let bad = SAMPLE.replace("7.0", "15.2");
        let body = format!("[{SAMPLE},{bad},3]");
        let rows = parse_json(body.as_bytes()).unwrap();
        assert_eq!(rows.len(), 3);
        assert_eq!(rows[0].features.as_ref().unwrap()[0], 7.0);
        assert_eq!(rows[1].features.as_ref().unwrap_err()[0].field, "ph");
        assert_eq!(
            rows[2].features.as_ref().unwrap_err()[0].rule,
            RULE_NOT_OBJECT
        );
        let wrapped = parse_json(format!("{{\"samples\":[{SAMPLE}]}}").as_bytes()).unwrap();
        assert_eq!(wrapped.len(), 1);
        assert!(matches!(parse_json(b"[]"), Err(BatchError::Empty)));
        assert!(matches!(parse_json(b"{\"x\":1}"), Err(BatchError::Json(_))));
    }

    #[test]
    fn row_limit_applies() {
        let body = format!("[{}]", vec![SAMPLE; MAX_BATCH_ROWS + 1].join(","));
        let err = parse_json(body.as_bytes()).unwrap_err();
        assert!(matches!(err, BatchError::TooManyRows { rows } if rows == MAX_BATCH_ROWS + 1));
        assert!(err.to_string().contains("10000 rows"));
    }

    #[test]
    fn csv_rows_carry_their_lines() {
        let csv = "Turbidity,ph,Hardness,Solids,Chloramines,Sulfate,Conductivity,Organic_carbon,Trihalomethanes\r\n\
                   4,7,200,20000,7.5,350,400,14,70\r\n4,abc,200,20000,7.5,350,400,14,70\r\n";
        let rows = parse_csv(format!("\u{feff}{csv}").as_bytes()).unwrap();
        assert_eq!(rows[0].line, Some(2));
        assert_eq!(rows[0].features.as_ref().unwrap()[8], 4.0);
        assert_eq!(rows[1].line, Some(3));
        assert_eq!(rows[1].features.as_ref().unwrap_err()[0].field, "ph");
        let semi = parse_csv(b"ph;Hardness\n7,08;204,89\n").unwrap_err();
        assert!(semi.to_string().contains("separator"), "{semi}");
    }
}
