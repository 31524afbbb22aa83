//! Validation of the raw data set against documented expectations (first pipeline stage).
//!
//! Expectations checked (thresholds in [`Expectations`]):
//! - structure: the nine feature columns and the `Potability` label, matched by name in any
//!   order, comma-separated with '.' decimals; a broken structure is a [`DataError`];
//! - types: every non-empty feature cell is a finite number; every label cell is 0 or 1;
//! - ranges: feature values lie in the physically possible ranges of [`crate::schema::FEATURES`]
//!   (e.g. ph 0-14, nothing negative);
//! - missing values: per feature at most `max_missing_rate` of the rows; none in the label;
//! - duplicates: at most `max_duplicate_rows` rows identical to an earlier row;
//! - label balance: the rarer class holds at least `min_minority_share` of the rows;
//! - size: at least `min_rows` rows.

use std::collections::HashSet;
use std::fmt;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::dataset::{open, parse_finite, parse_label, DataError};
use crate::sample::range_rule;
use crate::schema::{FEATURES, LABEL, N_FEATURES};

/// Thresholds of the data expectations.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Expectations {
    /// Minimum number of data rows (default 100).
    pub min_rows: usize,
    /// Largest allowed share of missing cells per feature (default 0.30; the published data
    /// has 15.0% for ph, 23.8% for Sulfate, 4.9% for Trihalomethanes).
    pub max_missing_rate: f64,
    /// Largest allowed number of duplicate rows (default 0).
    pub max_duplicate_rows: usize,
    /// Smallest allowed share of the rarer label class (default 0.20; published data 39.0%).
    pub min_minority_share: f64,
}

impl Default for Expectations {
    fn default() -> Self {
        Expectations {
            min_rows: 100,
            max_missing_rate: 0.30,
            max_duplicate_rows: 0,
            min_minority_share: 0.20,
        }
    }
}

/// What one feature column holds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ColumnReport {
    /// Column name.
    pub name: String,
    /// Unit.
    pub unit: String,
    /// Expected type (always `"float"` for features).
    pub expected_type: String,
    /// Smallest valid value.
    pub valid_min: f64,
    /// Largest valid value.
    pub valid_max: f64,
    /// Numeric (finite) cells.
    pub numeric: usize,
    /// Empty cells.
    pub missing: usize,
    /// `missing / rows`.
    pub missing_rate: f64,
    /// Cells that are not finite numbers.
    pub non_numeric: usize,
    /// Numeric cells outside `[valid_min, valid_max]`.
    pub out_of_range: usize,
    /// Smallest numeric value seen.
    pub min: Option<f64>,
    /// Largest numeric value seen.
    pub max: Option<f64>,
    /// Mean of the numeric values.
    pub mean: Option<f64>,
}

/// What the label column holds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LabelReport {
    /// Rows labelled 0.
    pub negatives: usize,
    /// Rows labelled 1.
    pub positives: usize,
    /// Empty label cells.
    pub missing: usize,
    /// Label cells other than 0/1.
    pub invalid: usize,
    /// `positives / (negatives + positives)` (0 without valid labels).
    pub positive_share: f64,
}

/// The validation result: per-column facts and every broken expectation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ValidationReport {
    /// Data rows.
    pub rows: usize,
    /// One report per feature, canonical order.
    pub columns: Vec<ColumnReport>,
    /// Label report (absent when the file has no label column).
    pub label: Option<LabelReport>,
    /// Rows identical to an earlier row (features and label).
    pub duplicate_rows: usize,
    /// The thresholds used.
    pub expectations: Expectations,
    /// One message per broken expectation (empty when all hold).
    pub failures: Vec<String>,
}

impl ValidationReport {
    /// Whether every expectation holds.
    pub fn passed(&self) -> bool {
        self.failures.is_empty()
    }
}

impl fmt::Display for ValidationReport {
    /// A per-column table followed by the label, duplicates and the verdict.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let num = |v: Option<f64>| v.map_or_else(|| "-".to_string(), |v| format!("{v:.3}"));
        writeln!(
            f,
            "{:<16} {:>8} {:>8} {:>8} {:>8} {:>12} {:>12} {:>12}  valid range",
            "column", "missing", "missing%", "non-num", "out-rng", "min", "max", "mean"
        )?;
        for c in &self.columns {
            writeln!(
                f,
                "{:<16} {:>8} {:>7.1}% {:>8} {:>8} {:>12} {:>12} {:>12}  [{}, {}] {}",
                c.name,
                c.missing,
                c.missing_rate * 100.0,
                c.non_numeric,
                c.out_of_range,
                num(c.min),
                num(c.max),
                num(c.mean),
                c.valid_min,
                c.valid_max,
                c.unit
            )?;
        }
        match &self.label {
            Some(l) => writeln!(
                f,
                "{LABEL}: {} x 0, {} x 1 ({:.1}% positive), {} missing, {} invalid",
                l.negatives,
                l.positives,
                l.positive_share * 100.0,
                l.missing,
                l.invalid
            )?,
            None => writeln!(f, "{LABEL}: column missing")?,
        }
        writeln!(
            f,
            "rows: {}, duplicate rows: {}",
            self.rows, self.duplicate_rows
        )?;
        if self.passed() {
            write!(f, "validation passed")
        } else {
            write!(f, "validation FAILED:")?;
            for msg in &self.failures {
                write!(f, "\n  - {msg}")?;
            }
            Ok(())
        }
    }
}

/// Validates a CSV file (see [`validate_csv`]).
pub fn validate_csv_path(
    path: impl AsRef<Path>,
    expectations: &Expectations,
) -> Result<ValidationReport, DataError> {
    let path = path.as_ref();
    let bytes = std::fs::read(path).map_err(|source| DataError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    validate_csv(&bytes, expectations)
}

/// First offending cell of a column, for the failure message.
#[derive(Default)]
struct Example(Option<(u64, String)>);

impl Example {
    fn note(&mut self, line: u64, text: &str) {
        if self.0.is_none() {
            self.0 = Some((line, text.to_string()));
        }
    }
    fn describe(&self) -> String {
        self.0.as_ref().map_or_else(String::new, |(line, v)| {
            format!(" (first at line {line}: {v:?})")
        })
    }
}

/// Validates raw CSV bytes; structural problems are errors, broken expectations are failures
/// in the report.
pub fn validate_csv(
    bytes: &[u8],
    expectations: &Expectations,
) -> Result<ValidationReport, DataError> {
    let (header, mut records) = open(bytes)?;
    let mut columns: Vec<ColumnReport> = FEATURES
        .iter()
        .map(|s| ColumnReport {
            name: s.name.to_string(),
            unit: s.unit.to_string(),
            expected_type: "float".to_string(),
            valid_min: s.min,
            valid_max: s.max,
            numeric: 0,
            missing: 0,
            missing_rate: 0.0,
            non_numeric: 0,
            out_of_range: 0,
            min: None,
            max: None,
            mean: None,
        })
        .collect();
    let mut sums = [0.0; N_FEATURES];
    let mut bad_type: [Example; N_FEATURES] = Default::default();
    let mut bad_range: [Example; N_FEATURES] = Default::default();
    let mut label = header.label.map(|_| LabelReport {
        negatives: 0,
        positives: 0,
        missing: 0,
        invalid: 0,
        positive_share: 0.0,
    });
    let mut bad_label = Example::default();
    let mut seen: HashSet<Vec<String>> = HashSet::new();
    let mut rows = 0usize;
    let mut duplicate_rows = 0usize;

    while let Some(next) = records.next_record() {
        let (line, record) = next?;
        rows += 1;
        let mut key = Vec::with_capacity(N_FEATURES + 1);
        for (j, &col) in header.features.iter().enumerate() {
            let text = &record[col];
            let c = &mut columns[j];
            if text.is_empty() {
                c.missing += 1;
                key.push(String::new());
                continue;
            }
            let Some(v) = parse_finite(text) else {
                c.non_numeric += 1;
                bad_type[j].note(line, text);
                key.push(text.to_string());
                continue;
            };
            key.push(v.to_bits().to_string());
            c.numeric += 1;
            sums[j] += v;
            c.min = Some(c.min.map_or(v, |m| m.min(v)));
            c.max = Some(c.max.map_or(v, |m| m.max(v)));
            if !FEATURES[j].accepts(v) {
                c.out_of_range += 1;
                bad_range[j].note(line, text);
            }
        }
        if let (Some(col), Some(l)) = (header.label, label.as_mut()) {
            let text = &record[col];
            key.push(text.to_string());
            match parse_label(text) {
                Some(0) => l.negatives += 1,
                Some(_) => l.positives += 1,
                None if text.is_empty() => l.missing += 1,
                None => {
                    l.invalid += 1;
                    bad_label.note(line, text);
                }
            }
        }
        if !seen.insert(key) {
            duplicate_rows += 1;
        }
    }

    let mut failures = Vec::new();
    if rows < expectations.min_rows {
        failures.push(format!(
            "rows: {rows} data rows, at least {} expected",
            expectations.min_rows
        ));
    }
    for (j, c) in columns.iter_mut().enumerate() {
        c.missing_rate = if rows == 0 {
            0.0
        } else {
            c.missing as f64 / rows as f64
        };
        if c.numeric > 0 {
            c.mean = Some(sums[j] / c.numeric as f64);
        }
        if c.non_numeric > 0 {
            failures.push(format!(
                "{}: {} value(s) are not finite numbers{}",
                c.name,
                c.non_numeric,
                bad_type[j].describe()
            ));
        }
        if c.out_of_range > 0 {
            failures.push(format!(
                "{}: {} value(s) out of range, {}{}",
                c.name,
                c.out_of_range,
                range_rule(&FEATURES[j]),
                bad_range[j].describe()
            ));
        }
        if c.missing_rate > expectations.max_missing_rate {
            failures.push(format!(
                "{}: {:.1}% missing, at most {:.1}% allowed",
                c.name,
                c.missing_rate * 100.0,
                expectations.max_missing_rate * 100.0
            ));
        }
    }
    match label.as_mut() {
        None => failures.push(format!("{LABEL}: column missing")),
        Some(l) => {
            let valid = l.negatives + l.positives;
            if valid > 0 {
                l.positive_share = l.positives as f64 / valid as f64;
            }
            if l.missing > 0 {
                failures.push(format!("{LABEL}: {} missing value(s)", l.missing));
            }
            if l.invalid > 0 {
                failures.push(format!(
                    "{LABEL}: {} value(s) other than 0 or 1{}",
                    l.invalid,
                    bad_label.describe()
                ));
            }
            let minority = l.positive_share.min(1.0 - l.positive_share);
            if valid > 0 && minority < expectations.min_minority_share {
                failures.push(format!(
                    "{LABEL}: rarer class is {:.1}% of rows, at least {:.1}% expected",
                    minority * 100.0,
                    expectations.min_minority_share * 100.0
                ));
            }
        }
    }
    if duplicate_rows > expectations.max_duplicate_rows {
        failures.push(format!(
            "duplicate rows: {duplicate_rows}, at most {} allowed",
            expectations.max_duplicate_rows
        ));
    }
    Ok(ValidationReport {
        rows,
        columns,
        label,
        duplicate_rows,
        expectations: expectations.clone(),
        failures,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dataset::real_data_path;

    const HEADER: &str = "ph,Hardness,Solids,Chloramines,Sulfate,Conductivity,Organic_carbon,Trihalomethanes,Turbidity,Potability";

    fn small() -> Expectations {
        Expectations {
            min_rows: 1,
            ..Expectations::default()
        }
    }

    #[test]
    fn real_data_passes_with_documented_facts() {
        let r = validate_csv_path(real_data_path(), &Expectations::default()).unwrap();
        assert!(r.passed(), "{r}");
        assert_eq!(r.rows, 3276);
        let missing: Vec<usize> = r.columns.iter().map(|c| c.missing).collect();
        assert_eq!(missing, [491, 0, 0, 0, 781, 0, 0, 162, 0]);
        assert!((r.columns[4].missing_rate - 781.0 / 3276.0).abs() < 1e-12);
        assert!(r
            .columns
            .iter()
            .all(|c| c.non_numeric == 0 && c.out_of_range == 0));
        let l = r.label.as_ref().unwrap();
        assert_eq!(
            (l.negatives, l.positives, l.missing, l.invalid),
            (1998, 1278, 0, 0)
        );
        assert_eq!(r.duplicate_rows, 0);
        let ph = &r.columns[0];
        assert!(ph.min.unwrap() >= 0.0 && ph.max.unwrap() <= 14.0);
        let text = r.to_string();
        assert!(
            text.contains("Sulfate") && text.ends_with("validation passed"),
            "{text}"
        );
        let json = serde_json::to_string(&r).unwrap();
        assert_eq!(serde_json::from_str::<ValidationReport>(&json).unwrap(), r);
    }

    #[test]
    fn broken_expectations_are_each_reported() {
        let text = format!(
            "{HEADER}\n\
             15.2,200,20000,7.5,350,400,14,70,4,1\n\
             7,abc,20000,7.5,350,400,14,70,-1,0\n\
             7,200,20000,7.5,,400,14,70,4,2\n\
             7,200,20000,7.5,,400,14,70,4,0\n\
             7,200,20000,7.5,,400,14,70,4,0\n"
        );
        let r = validate_csv(text.as_bytes(), &small()).unwrap();
        assert!(!r.passed());
        assert_eq!(r.rows, 5);
        assert_eq!(r.duplicate_rows, 1);
        assert_eq!(r.columns[0].out_of_range, 1);
        assert_eq!(r.columns[1].non_numeric, 1);
        assert_eq!(r.columns[8].out_of_range, 1);
        assert_eq!(r.columns[4].missing, 3);
        assert_eq!(r.columns[0].max, Some(15.2));
        let l = r.label.as_ref().unwrap();
        assert_eq!((l.negatives, l.positives, l.invalid), (3, 1, 1));
        assert_eq!(
            r.failures,
            [
                "ph: 1 value(s) out of range, must be within [0, 14] (first at line 2: \"15.2\")",
                "Hardness: 1 value(s) are not finite numbers (first at line 3: \"abc\")",
                "Sulfate: 60.0% missing, at most 30.0% allowed",
                "Turbidity: 1 value(s) out of range, must be within [0, 100] NTU (first at line 3: \"-1\")",
                "Potability: 1 value(s) other than 0 or 1 (first at line 4: \"2\")",
                "duplicate rows: 1, at most 0 allowed",
            ]
        );
        assert!(r
            .to_string()
            .contains("validation FAILED:\n  - ph: 1 value(s) out of range"));
    }

    #[test]
    fn label_problems_and_size() {
        let text = format!(
            "{HEADER}\n7,200,20000,7.5,350,400,14,70,4,1\n7,200,20000,7.5,350,400,14,70,5,\n"
        );
        let r = validate_csv(text.as_bytes(), &Expectations::default()).unwrap();
        assert_eq!(
            r.failures,
            [
                "rows: 2 data rows, at least 100 expected",
                "Potability: 1 missing value(s)",
                "Potability: rarer class is 0.0% of rows, at least 20.0% expected",
            ]
        );
        let no_label = "ph,Hardness,Solids,Chloramines,Sulfate,Conductivity,Organic_carbon,Trihalomethanes,Turbidity\n7,200,20000,7.5,350,400,14,70,4\n";
        let r = validate_csv(no_label.as_bytes(), &small()).unwrap();
        assert_eq!(r.failures, ["Potability: column missing"]);
        assert!(r.label.is_none());
    }

    #[test]
    fn structural_problems_are_errors() {
        let semi = "ph;Hardness\n7,1;200\n";
        assert!(matches!(
            validate_csv(semi.as_bytes(), &small()),
            Err(DataError::NotCommaSeparated { separator: ';' })
        ));
        let unknown = format!("{HEADER},Color\n7,200,20000,7.5,350,400,14,70,4,1,3\n");
        let err = validate_csv(unknown.as_bytes(), &small()).unwrap_err();
        assert_eq!(err.to_string(), "unknown column(s): Color");
    }
}
