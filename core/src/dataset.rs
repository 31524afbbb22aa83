//! CSV reading for training data and prediction batches.
//!
//! Rules: the first line is a header whose columns may come in any order and are matched by
//! exact name (after trimming spaces); a UTF-8 BOM is ignored; CRLF and LF both work. A
//! duplicated or unknown column, a missing feature column, and a file that is not
//! comma-separated with '.' decimals (e.g. `;`-separated with decimal commas) are refused with
//! an error that says which and why; such a file is never read as one column or wrong numbers.

use std::io::Read;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::sample::{validate_features, FieldError, RULE_MISSING};
use crate::schema::{feature_index, FeatureVector, FEATURES, LABEL, N_FEATURES};

/// The rule broken by a CSV cell that is not a number (e.g. `abc`, or `7,08` in a `,` file).
pub const RULE_NOT_CSV_NUMBER: &str = "must be a number";

/// Hint appended to errors caused by a wrong separator or decimal mark.
pub const FORMAT_HINT: &str = "the file must be comma-separated with '.' as decimal mark";

/// Why a CSV file could not be read.
#[derive(Debug, thiserror::Error)]
pub enum DataError {
    /// The file could not be opened or read.
    #[error("cannot read {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The reader failed (I/O error on a stream).
    #[error("cannot read CSV input: {0}")]
    Read(#[from] std::io::Error),
    /// Not valid CSV (e.g. invalid UTF-8), with the csv crate's reason.
    #[error("invalid CSV: {0}")]
    Csv(String),
    /// No header line.
    #[error("the CSV input is empty (no header line)")]
    NoHeader,
    /// The header shows another separator.
    #[error("the header uses {separator:?} as separator: {FORMAT_HINT}")]
    NotCommaSeparated {
        /// The separator found.
        separator: char,
    },
    /// A column name appears twice.
    #[error("duplicated column {0:?}")]
    DuplicateColumn(String),
    /// Column names that are neither a feature nor the label.
    #[error("unknown column(s): {}", .0.join(", "))]
    UnknownColumns(Vec<String>),
    /// Feature columns absent from the header.
    #[error("missing column(s): {}", .0.join(", "))]
    MissingColumns(Vec<String>),
    /// The label column in a prediction batch.
    #[error("a prediction batch must not contain the {LABEL} column")]
    LabelNotAllowed,
    /// A line whose field count differs from the header's.
    #[error("line {line} has {found} fields but the header has {expected}: {FORMAT_HINT}")]
    FieldCount {
        /// 1-based line number.
        line: u64,
        /// Fields on that line.
        found: usize,
        /// Fields in the header.
        expected: usize,
    },
    /// A feature cell that is not a finite number.
    #[error("line {line}, column {column}: {value:?} is not a finite number{}", decimal_comma_hint(.value))]
    InvalidNumber {
        /// 1-based line number.
        line: u64,
        /// Column name.
        column: String,
        /// The cell text.
        value: String,
    },
    /// A label cell other than 0 or 1.
    #[error("line {line}, column {LABEL}: {value:?} is not 0 or 1")]
    InvalidLabel {
        /// 1-based line number.
        line: u64,
        /// The cell text.
        value: String,
    },
    /// A header but no data line.
    #[error("the CSV input has a header but no data rows")]
    NoRows,
}

fn decimal_comma_hint(value: &str) -> String {
    if value.contains(',') {
        format!(" ({FORMAT_HINT})")
    } else {
        String::new()
    }
}

/// A batch row that failed validation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RowError {
    /// 1-based line number in the file (the header is line 1).
    pub line: u64,
    /// Every problem of the row.
    pub errors: Vec<FieldError>,
}

/// Rows of features (missing = `NaN`) and, when the file has the label column, labels.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Dataset {
    /// Feature rows in canonical order.
    pub rows: Vec<FeatureVector>,
    /// Labels (0/1), present when the file had the label column.
    pub labels: Option<Vec<u8>>,
}

/// Column positions of a validated header.
#[derive(Debug, Clone)]
pub(crate) struct Header {
    /// Column index of each feature, canonical order.
    pub(crate) features: [usize; N_FEATURES],
    /// Column index of the label, when present.
    pub(crate) label: Option<usize>,
}

/// Input without a leading UTF-8 BOM.
fn strip_bom(bytes: &[u8]) -> &[u8] {
    bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes)
}

/// Data records of a CSV input with their 1-based line numbers.
///
/// Line numbers are counted from byte offsets: the csv crate's own line count is one short for
/// CRLF files.
pub(crate) struct Records<'a> {
    reader: csv::Reader<&'a [u8]>,
    bytes: &'a [u8],
    /// Byte offset up to which `line` is counted.
    pos: usize,
    /// Line number at `pos`.
    line: u64,
}

impl Records<'_> {
    /// Line number of the record starting at byte `byte`.
    fn line_at(&mut self, byte: u64) -> u64 {
        let byte = usize::try_from(byte)
            .unwrap_or(usize::MAX)
            .min(self.bytes.len());
        if byte < self.pos {
            (self.pos, self.line) = (0, 1);
        }
        let newlines = self.bytes[self.pos..byte]
            .iter()
            .filter(|&&b| b == b'\n')
            .count();
        self.line += newlines as u64;
        self.pos = byte;
        // With CRLF, the record offset points at the '\n' that ends the previous line.
        self.line + u64::from(self.bytes.get(byte) == Some(&b'\n'))
    }

    /// Maps csv errors; a field-count mismatch gets the separator hint.
    fn error(&mut self, e: csv::Error) -> DataError {
        match e.kind() {
            csv::ErrorKind::UnequalLengths {
                pos,
                expected_len,
                len,
            } => DataError::FieldCount {
                line: pos.as_ref().map_or(0, |p| self.line_at(p.byte())),
                found: *len as usize,
                expected: *expected_len as usize,
            },
            _ => DataError::Csv(e.to_string()),
        }
    }

    /// The next record and its line number.
    pub(crate) fn next_record(&mut self) -> Option<Result<(u64, csv::StringRecord), DataError>> {
        let mut record = csv::StringRecord::new();
        match self.reader.read_record(&mut record) {
            Ok(false) => None,
            Ok(true) => {
                let byte = record.position().map_or(0, csv::Position::byte);
                Some(Ok((self.line_at(byte), record)))
            }
            Err(e) => Some(Err(self.error(e))),
        }
    }
}

/// Record reader over `bytes` (BOM stripped) and its validated header.
pub(crate) fn open(bytes: &[u8]) -> Result<(Header, Records<'_>), DataError> {
    let bytes = strip_bom(bytes);
    let mut records = Records {
        reader: csv::ReaderBuilder::new()
            .has_headers(true)
            .trim(csv::Trim::All)
            .from_reader(bytes),
        bytes,
        pos: 0,
        line: 1,
    };
    let header = match records.reader.headers() {
        Ok(h) => h.clone(),
        Err(e) => return Err(records.error(e)),
    };
    if header.is_empty() || header.iter().all(str::is_empty) {
        return Err(DataError::NoHeader);
    }
    for separator in [';', '\t', '|'] {
        if header.iter().any(|name| name.contains(separator)) {
            return Err(DataError::NotCommaSeparated { separator });
        }
    }
    let mut features: [Option<usize>; N_FEATURES] = [None; N_FEATURES];
    let mut label = None;
    let mut unknown = Vec::new();
    for (col, name) in header.iter().enumerate() {
        let slot = if name == LABEL {
            &mut label
        } else if let Some(i) = feature_index(name) {
            &mut features[i]
        } else {
            unknown.push(name.to_string());
            continue;
        };
        if slot.is_some() {
            return Err(DataError::DuplicateColumn(name.to_string()));
        }
        *slot = Some(col);
    }
    if !unknown.is_empty() {
        return Err(DataError::UnknownColumns(unknown));
    }
    let missing: Vec<String> = FEATURES
        .iter()
        .zip(&features)
        .filter(|(_, pos)| pos.is_none())
        .map(|(f, _)| f.name.to_string())
        .collect();
    if !missing.is_empty() {
        return Err(DataError::MissingColumns(missing));
    }
    Ok((
        Header {
            features: features.map(|p| p.expect("checked above")),
            label,
        },
        records,
    ))
}

/// Parses a label cell: `0`, `1` (also `0.0`, `1.0`).
pub(crate) fn parse_label(text: &str) -> Option<u8> {
    let v = text.parse::<f64>().ok()?;
    if v == 0.0 {
        Some(0)
    } else if v == 1.0 {
        Some(1)
    } else {
        None
    }
}

/// Parses a non-empty cell as a finite number.
pub(crate) fn parse_finite(text: &str) -> Option<f64> {
    text.parse::<f64>().ok().filter(|v| v.is_finite())
}

/// Reads a training/evaluation CSV file (see [`read_csv`]).
pub fn read_csv_path(path: impl AsRef<Path>) -> Result<Dataset, DataError> {
    let path = path.as_ref();
    let bytes = std::fs::read(path).map_err(|source| DataError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    read_csv_bytes(&bytes)
}

/// Reads a training/evaluation CSV: empty feature cells are missing (`NaN`), other cells must be
/// finite numbers; the label column is optional, 0/1 only. Ranges are not checked here (see
/// [`crate::validate`]).
pub fn read_csv(mut reader: impl Read) -> Result<Dataset, DataError> {
    let mut bytes = Vec::new();
    reader.read_to_end(&mut bytes)?;
    read_csv_bytes(&bytes)
}

fn read_csv_bytes(bytes: &[u8]) -> Result<Dataset, DataError> {
    let (header, mut records) = open(bytes)?;
    let mut rows = Vec::new();
    let mut labels = header.label.map(|_| Vec::new());
    while let Some(next) = records.next_record() {
        let (line, record) = next?;
        let mut row = [f64::NAN; N_FEATURES];
        for (i, (&col, spec)) in header.features.iter().zip(&FEATURES).enumerate() {
            let text = &record[col];
            if !text.is_empty() {
                row[i] = parse_finite(text).ok_or_else(|| DataError::InvalidNumber {
                    line,
                    column: spec.name.to_string(),
                    value: text.to_string(),
                })?;
            }
        }
        if let (Some(col), Some(labels)) = (header.label, labels.as_mut()) {
            let text = &record[col];
            labels.push(parse_label(text).ok_or_else(|| DataError::InvalidLabel {
                line,
                value: text.to_string(),
            })?);
        }
        rows.push(row);
    }
    if rows.is_empty() {
        return Err(DataError::NoRows);
    }
    Ok(Dataset { rows, labels })
}

/// Reads a prediction batch: file-level problems are errors; each row is validated on its own
/// (wrong number of cells, empty cell, non-number, non-finite or out of range -> [`RowError`]
/// with its line).
pub fn read_batch(bytes: &[u8]) -> Result<Vec<Result<FeatureVector, RowError>>, DataError> {
    let (header, mut records) = open(bytes)?;
    if header.label.is_some() {
        return Err(DataError::LabelNotAllowed);
    }
    let mut out = Vec::new();
    while let Some(next) = records.next_record() {
        let (line, record) = match next {
            Ok(next) => next,
            // A short or long row is that row's error; the others are still predicted.
            Err(DataError::FieldCount {
                line,
                found,
                expected,
            }) => {
                out.push(Err(RowError {
                    line,
                    errors: vec![FieldError {
                        field: "row".to_string(),
                        rule: format!(
                            "must have {expected} values like the header, not {found} ({FORMAT_HINT})"
                        ),
                    }],
                }));
                continue;
            }
            Err(other) => return Err(other),
        };
        let mut row = [0.0; N_FEATURES];
        let mut errors = Vec::new();
        for (i, (&col, spec)) in header.features.iter().zip(&FEATURES).enumerate() {
            let text = &record[col];
            let rule = if text.is_empty() {
                RULE_MISSING
            } else if let Ok(v) = text.parse::<f64>() {
                row[i] = v;
                continue;
            } else {
                RULE_NOT_CSV_NUMBER
            };
            errors.push(FieldError {
                field: spec.name.to_string(),
                rule: rule.to_string(),
            });
        }
        if errors.is_empty() {
            if let Err(e) = validate_features(&row) {
                errors = e;
            }
        }
        out.push(if errors.is_empty() {
            Ok(row)
        } else {
            Err(RowError { line, errors })
        });
    }
    if out.is_empty() {
        return Err(DataError::NoRows);
    }
    Ok(out)
}

impl Dataset {
    /// Number of rows.
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    /// Whether there are no rows.
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// Missing (`NaN`) values per feature, canonical order.
    pub fn missing_counts(&self) -> [usize; N_FEATURES] {
        let mut counts = [0; N_FEATURES];
        for row in &self.rows {
            for (c, v) in counts.iter_mut().zip(row) {
                *c += usize::from(v.is_nan());
            }
        }
        counts
    }

    /// Rows labelled 1, when labels are present.
    pub fn positives(&self) -> Option<usize> {
        self.labels
            .as_ref()
            .map(|l| l.iter().filter(|&&y| y == 1).count())
    }

    /// SHA-256 (hex) of a canonical encoding of rows and labels: independent of column order,
    /// whitespace and number spelling in the file (`7.0` and `7` give the same fingerprint).
    pub fn fingerprint(&self) -> String {
        let mut h = Sha256::new();
        h.update(b"potable-dataset-v1\n");
        h.update((self.rows.len() as u64).to_le_bytes());
        for row in &self.rows {
            for &v in row {
                let canonical = if v.is_nan() {
                    f64::NAN
                } else if v == 0.0 {
                    0.0
                } else {
                    v
                };
                h.update(canonical.to_bits().to_le_bytes());
            }
        }
        match &self.labels {
            Some(labels) => {
                h.update([1u8]);
                h.update(labels);
            }
            None => h.update([0u8]),
        }
        hex::encode(h.finalize())
    }
}

/// Path of the real data set for tests (see the project contract).
#[cfg(test)]
pub(crate) fn real_data_path() -> PathBuf {
    let primary = PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../Data-set/water_potability.csv"
    ));
    if primary.exists() {
        primary
    } else {
        PathBuf::from(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../shared/data/water_potability.csv"
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEADER: &str = "ph,Hardness,Solids,Chloramines,Sulfate,Conductivity,Organic_carbon,Trihalomethanes,Turbidity,Potability";
    const ROW1: &str = "7.0,200.0,20000.0,7.5,350.0,400.0,14.0,70.0,4.0,1";
    const ROW2: &str = ",180.5,15000,6.1,,410.2,12.5,,3.2,0";
    /// A batch (no label column).
    const BATCH_HEADER: &str = "ph,Hardness,Solids,Chloramines,Sulfate,Conductivity,Organic_carbon,Trihalomethanes,Turbidity";
    const BATCH_ROW: &str = "7.0,200.0,20000.0,7.5,350.0,400.0,14.0,70.0,4.0";

    fn read(text: &str) -> Result<Dataset, DataError> {
        read_csv(text.as_bytes())
    }

    #[test]
    fn reads_rows_labels_and_missing_cells() {
        let ds = read(&format!("{HEADER}\n{ROW1}\n{ROW2}\n")).unwrap();
        assert_eq!(ds.len(), 2);
        assert_eq!(
            ds.rows[0],
            [7.0, 200.0, 20000.0, 7.5, 350.0, 400.0, 14.0, 70.0, 4.0]
        );
        assert!(ds.rows[1][0].is_nan() && ds.rows[1][4].is_nan() && ds.rows[1][7].is_nan());
        assert_eq!(ds.rows[1][1], 180.5);
        assert_eq!(ds.labels, Some(vec![1, 0]));
        assert_eq!(ds.missing_counts(), [1, 0, 0, 0, 1, 0, 0, 1, 0]);
        assert_eq!(ds.positives(), Some(1));
    }

    #[test]
    fn bom_and_crlf_parse_like_plain() {
        let plain = read(&format!("{HEADER}\n{ROW1}\n{ROW2}\n")).unwrap();
        let mut bytes = b"\xEF\xBB\xBF".to_vec();
        bytes.extend(format!("{HEADER}\r\n{ROW1}\r\n{ROW2}\r\n").bytes());
        let bom = read_csv(&bytes[..]).unwrap();
        assert_eq!(bom.fingerprint(), plain.fingerprint());
        assert_eq!(bom.rows[0], plain.rows[0]);
        assert_eq!(bom.labels, plain.labels);
    }

    #[test]
    fn shuffled_header_gives_same_rows() {
        let plain = read(&format!("{HEADER}\n{ROW1}\n{ROW2}\n")).unwrap();
        // Reverse the column order of header and rows alike.
        let rev = |line: &str| line.split(',').rev().collect::<Vec<_>>().join(",");
        let shuffled = read(&format!("{}\n{}\n{}\n", rev(HEADER), rev(ROW1), rev(ROW2))).unwrap();
        assert_eq!(shuffled.rows[0], plain.rows[0]);
        assert_eq!(shuffled.labels, plain.labels);
        assert_eq!(shuffled.fingerprint(), plain.fingerprint());
    }

    #[test]
    fn duplicated_unknown_and_missing_columns_refused() {
        let dup = format!("{HEADER},ph\n{ROW1},7.0\n");
        let err = read(&dup).unwrap_err();
        assert!(matches!(&err, DataError::DuplicateColumn(c) if c == "ph"));
        assert_eq!(err.to_string(), "duplicated column \"ph\"");

        let unknown = format!("{HEADER},Color,Odor\n{ROW1},3,1\n");
        let err = read(&unknown).unwrap_err();
        assert_eq!(err.to_string(), "unknown column(s): Color, Odor");

        let missing = "ph,Hardness,Solids,Chloramines,Sulfate,Conductivity,Organic_carbon,Trihalomethanes\n1,2,3,4,5,6,7,8\n";
        let err = read(missing).unwrap_err();
        assert_eq!(err.to_string(), "missing column(s): Turbidity");
    }

    #[test]
    fn semicolon_file_with_decimal_commas_refused_with_reason() {
        let text = "ph;Hardness;Solids;Chloramines;Sulfate;Conductivity;Organic_carbon;Trihalomethanes;Turbidity;Potability\n7,08;204,89;20791,3;7,3;368,5;564,3;10,4;86,99;2,96;0\n";
        let err = read(text).unwrap_err();
        assert!(matches!(
            err,
            DataError::NotCommaSeparated { separator: ';' }
        ));
        let msg = err.to_string();
        assert!(
            msg.contains("comma-separated") && msg.contains("'.'"),
            "{msg}"
        );
        assert!(matches!(
            read_batch(text.as_bytes()),
            Err(DataError::NotCommaSeparated { separator: ';' })
        ));
    }

    #[test]
    fn batch_row_with_too_few_or_too_many_cells_is_that_rows_error() {
        let short = "7.0,200,20000,7.5,350,400,14,70";
        let text = format!("{BATCH_HEADER}\n{BATCH_ROW}\n{short}\n7,08,200,20000,7.5,350,400,14,70,4\n{BATCH_ROW}\n");
        let rows = read_batch(text.as_bytes()).unwrap();
        assert_eq!(rows.len(), 4);
        assert!(rows[0].is_ok() && rows[3].is_ok(), "{rows:?}");
        for (row, line, found) in [(&rows[1], 3, 8), (&rows[2], 4, 10)] {
            let e = row.as_ref().unwrap_err();
            assert_eq!(e.line, line);
            assert_eq!(e.errors[0].field, "row");
            assert!(
                e.errors[0]
                    .rule
                    .starts_with(&format!("must have 9 values like the header, not {found}")),
                "{e:?}"
            );
        }
    }

    #[test]
    fn decimal_commas_in_comma_file_refused_never_misread() {
        // Unquoted: too many fields.
        let text = format!("{HEADER}\n7,08,200,20000,7.5,350,400,14,70,4,1\n");
        let err = read(&text).unwrap_err();
        assert!(
            matches!(
                err,
                DataError::FieldCount {
                    line: 2,
                    found: 11,
                    expected: 10
                }
            ),
            "{err:?}"
        );
        assert!(err.to_string().contains("comma-separated"));
        let crlf = format!("{HEADER}\r\n{ROW1}\r\n7,08,200,20000,7.5,350,400,14,70,4,1\r\n");
        let err = read(&crlf).unwrap_err();
        assert!(
            matches!(err, DataError::FieldCount { line: 3, .. }),
            "{err:?}"
        );
        // Quoted: one field that is not a number.
        let text = format!("{HEADER}\n\"7,08\",200,20000,7.5,350,400,14,70,4,1\n");
        let err = read(&text).unwrap_err();
        let msg = err.to_string();
        assert!(
            msg.contains("line 2, column ph") && msg.contains("'.'"),
            "{msg}"
        );
    }

    #[test]
    fn bad_cells_and_labels_refused_with_line() {
        let err = read(&format!(
            "{HEADER}\n{ROW1}\n{}\n",
            ROW1.replacen("7.0", "NaN", 1)
        ))
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            "line 3, column ph: \"NaN\" is not a finite number"
        );
        let err = read(&format!("{HEADER}\n{}2\n", ROW1.strip_suffix('1').unwrap())).unwrap_err();
        assert_eq!(
            err.to_string(),
            "line 2, column Potability: \"2\" is not 0 or 1"
        );
        let err = read(&format!("{HEADER}\n{}\n", ROW1.strip_suffix('1').unwrap())).unwrap_err();
        assert!(matches!(err, DataError::InvalidLabel { line: 2, .. }));
        assert!(matches!(
            read(&format!("{HEADER}\n")),
            Err(DataError::NoRows)
        ));
        assert!(matches!(read(""), Err(DataError::NoHeader)));
    }

    #[test]
    fn label_column_is_optional() {
        let header = HEADER.replace(",Potability", "");
        let row = ROW1.strip_suffix(",1").unwrap();
        let ds = read(&format!("{header}\n{row}\n")).unwrap();
        assert_eq!(ds.labels, None);
        assert_eq!(ds.positives(), None);
        assert_eq!(ds.rows[0][8], 4.0);
    }

    #[test]
    fn batch_rows_validated_individually() {
        let header = HEADER.replace(",Potability", "");
        let good = ROW1.strip_suffix(",1").unwrap();
        let text = format!(
            "{header}\r\n{good}\r\n,200,20000,7.5,350,400,14,70,4\r\n15.2,200,abc,7.5,350,400,14,70,-1\r\n{good}\r\n"
        );
        let rows = read_batch(text.as_bytes()).unwrap();
        assert_eq!(rows.len(), 4);
        assert_eq!(
            rows[0],
            Ok([7.0, 200.0, 20000.0, 7.5, 350.0, 400.0, 14.0, 70.0, 4.0])
        );
        let e1 = rows[1].as_ref().unwrap_err();
        assert_eq!(e1.line, 3);
        assert_eq!(
            e1.errors,
            [FieldError {
                field: "ph".into(),
                rule: RULE_MISSING.into()
            }]
        );
        let e2 = rows[2].as_ref().unwrap_err();
        assert_eq!(e2.line, 4);
        assert_eq!(
            e2.errors,
            [FieldError {
                field: "Solids".into(),
                rule: RULE_NOT_CSV_NUMBER.into()
            }]
        );
        assert!(rows[3].is_ok());
        // Range checks once every cell is a number.
        let text = format!("{header}\n15.2,200,20000,7.5,350,400,14,70,-1\n1,2,3,4,5,6,7,8,inf\n");
        let rows = read_batch(text.as_bytes()).unwrap();
        let fields: Vec<&str> = rows[0]
            .as_ref()
            .unwrap_err()
            .errors
            .iter()
            .map(|e| e.field.as_str())
            .collect();
        assert_eq!(fields, ["ph", "Turbidity"]);
        assert_eq!(
            rows[1].as_ref().unwrap_err().errors[0].rule,
            "must be a finite number"
        );
        // A label column in a batch is refused.
        let err = read_batch(format!("{HEADER}\n{ROW1}\n").as_bytes()).unwrap_err();
        assert!(matches!(err, DataError::LabelNotAllowed));
    }

    #[test]
    fn fingerprint_depends_on_values_and_labels() {
        let a = read(&format!("{HEADER}\n{ROW1}\n{ROW2}\n")).unwrap();
        let spelled = read(&format!(
            "{HEADER}\n{}\n{ROW2}\n",
            ROW1.replace("7.0,", "7,")
        ))
        .unwrap();
        assert_eq!(a.fingerprint(), spelled.fingerprint());
        let mut b = a.clone();
        b.rows[0][3] = 7.6;
        assert_ne!(a.fingerprint(), b.fingerprint());
        let mut c = a.clone();
        c.labels = Some(vec![0, 0]);
        assert_ne!(a.fingerprint(), c.fingerprint());
        let mut d = a.clone();
        d.labels = None;
        assert_ne!(a.fingerprint(), d.fingerprint());
        assert_eq!(a.fingerprint().len(), 64);
    }

    #[test]
    fn real_data_set_counts() {
        let ds = read_csv_path(real_data_path()).unwrap();
        assert_eq!(ds.len(), 3276);
        let missing = ds.missing_counts();
        assert_eq!(missing, [491, 0, 0, 0, 781, 0, 0, 162, 0]);
        assert_eq!(ds.positives(), Some(1278));
    }

    #[test]
    fn pre_split_files_read() {
        let dir = real_data_path().parent().unwrap().to_path_buf();
        let train = read_csv_path(dir.join("train_dataset.csv")).unwrap();
        assert_eq!(train.len(), 2293);
        assert_eq!(train.missing_counts(), [0; N_FEATURES]);
        assert!(train.labels.is_some());
        let bytes = std::fs::read(dir.join("test_dataset.csv")).unwrap();
        let batch = read_batch(&bytes).unwrap();
        assert_eq!(batch.len(), 983);
        assert!(batch.iter().all(Result::is_ok));
    }

    #[test]
    fn missing_file_names_path() {
        let err = read_csv_path("/nonexistent/water.csv").unwrap_err();
        assert!(err
            .to_string()
            .starts_with("cannot read /nonexistent/water.csv"));
    }
}
