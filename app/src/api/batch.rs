//! Predicting an uploaded CSV file from the batch page.

use super::predict::FieldErrorView;
use leptos::prelude::*;
use potable_schema::FEATURES;
use serde::{Deserialize, Serialize};

/// The prediction of one valid row.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RowPrediction {
    /// 1 = potable, 0 = not potable.
    pub potability: u8,
    /// "Potable" or "Not Potable".
    pub potability_label: String,
    /// Probability that the sample is potable.
    pub probability_potable: f64,
    /// Probability of the predicted class.
    pub confidence: f64,
    /// The row's features, canonical order.
    pub features: Vec<f64>,
}

/// One row of the uploaded file: its prediction or its errors.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BatchRowView {
    /// 1-based row number among the data rows.
    pub row: usize,
    /// 1-based line in the file (the header is line 1).
    pub line: u64,
    /// The prediction, or the problems of the row.
    pub result: Result<RowPrediction, Vec<FieldErrorView>>,
}

/// The predictions of a whole file.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BatchView {
    /// The version that made every prediction.
    pub model_version: String,
    /// One entry per data row, in file order.
    pub rows: Vec<BatchRowView>,
}

impl BatchView {
    /// Rows that were refused.
    pub fn failed(&self) -> usize {
        self.rows.iter().filter(|r| r.result.is_err()).count()
    }

    /// The results as CSV: one line per data row after a header, errors in the last column.
    pub fn to_csv(&self) -> String {
        let mut out = String::from("row,line,");
        for f in FEATURES.iter() {
            out.push_str(f.name);
            out.push(',');
        }
        out.push_str(
            "potability,potability_label,probability_potable,confidence,model_version,errors\n",
        );
        for r in &self.rows {
            out.push_str(&format!("{},{},", r.row, r.line));
            match &r.result {
                Ok(p) => {
                    for v in &p.features {
                        out.push_str(&format!("{v},"));
                    }
                    out.push_str(&format!(
                        "{},{},{:.6},{:.6},{},\n",
                        p.potability,
                        p.potability_label,
                        p.probability_potable,
                        p.confidence,
                        self.model_version
                    ));
                }
                Err(errors) => {
                    out.push_str(&",".repeat(FEATURES.len()));
                    let text: Vec<String> = errors
                        .iter()
                        .map(|e| format!("{}: {}", e.field, e.rule))
                        .collect();
                    out.push_str(&format!(
                        ",,,,{},\"{}\"\n",
                        self.model_version,
                        text.join("; ").replace('"', "\"\"")
                    ));
                }
            }
        }
        out
    }
}

/// A file's outcome: predictions, or the reason the whole file was refused.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum BatchOutcome {
    /// Every row answered (some may carry errors).
    Predicted(BatchView),
    /// The file as a whole cannot be read (separator, header, size, ...).
    Refused(String),
}

/// Predicts every row of a CSV file given as text.
#[server(endpoint = "predict_batch_csv", input = server_fn::codec::Json)]
pub async fn predict_batch_csv(csv: String) -> Result<BatchOutcome, ServerFnError> {
    use potable_core::batch::{parse_csv, valid_features, MAX_BATCH_BYTES};

    if csv.len() > MAX_BATCH_BYTES {
        return Ok(BatchOutcome::Refused(format!(
            "The file is {} bytes; the limit is {MAX_BATCH_BYTES} bytes (2 MiB).",
            csv.len()
        )));
    }
    let rows = match parse_csv(csv.as_bytes()) {
        Ok(rows) => rows,
        Err(e) => return Ok(BatchOutcome::Refused(e.to_string())),
    };
    let service = super::context::service()?;
    let features = valid_features(&rows);
    let predictions = if features.is_empty() {
        Vec::new()
    } else {
        tokio::task::spawn_blocking({
            let service = service.clone();
            move || service.predict_many(&features)
        })
        .await
        .map_err(|e| ServerFnError::new(e.to_string()))?
        .map_err(|e| ServerFnError::new(e.to_string()))?
    };
    let model_version = predictions
        .first()
        .map(|p| p.model_version.clone())
        .or_else(|| service.active_version())
        .unwrap_or_default();
    let mut predictions = predictions.into_iter();
    let rows = rows
        .into_iter()
        .map(|row| BatchRowView {
            row: row.index + 1,
            line: row.line.unwrap_or_default(),
            result: match row.features {
                Ok(features) => predictions
                    .next()
                    .map(|p| RowPrediction {
                        potability: p.potability,
                        potability_label: p.label().to_string(),
                        probability_potable: p.probability_potable,
                        confidence: p.confidence(),
                        features: features.to_vec(),
                    })
                    .ok_or_else(Vec::new),
                Err(errors) => Err(errors
                    .into_iter()
                    .map(|e| FieldErrorView {
                        field: e.field,
                        rule: e.rule,
                    })
                    .collect()),
            },
        })
        .collect();
    Ok(BatchOutcome::Predicted(BatchView {
        model_version,
        rows,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_has_a_line_per_row_and_quotes_errors() {
        let view = BatchView {
            model_version: "V1".into(),
            rows: vec![
                BatchRowView {
                    row: 1,
                    line: 2,
                    result: Ok(RowPrediction {
                        potability: 1,
                        potability_label: "Potable".into(),
                        probability_potable: 0.75,
                        confidence: 0.75,
                        features: vec![7.0; 9],
                    }),
                },
                BatchRowView {
                    row: 2,
                    line: 3,
                    result: Err(vec![FieldErrorView {
                        field: "ph".into(),
                        rule: "must be within [0, 14]".into(),
                    }]),
                },
            ],
        };
        let csv = view.to_csv();
        let lines: Vec<&str> = csv.lines().collect();
        assert_eq!(lines.len(), 3);
        let columns = lines[0].split(',').count();
        assert_eq!(columns, 2 + 9 + 6);
        assert!(lines[1].starts_with("1,2,7,7,"), "{}", lines[1]);
        assert!(lines[1].ends_with(",1,Potable,0.750000,0.750000,V1,"));
        assert!(
            lines[2].ends_with(",V1,\"ph: must be within [0, 14]\""),
            "{}",
            lines[2]
        );
        assert_eq!(view.failed(), 1);
    }
}
