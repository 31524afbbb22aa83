//! Validation of one sample sent as JSON (`{"ph": 7.0, "Hardness": 200.0, ...}`).
//!
//! Each field is taken as raw JSON text first, so a value such as `1e400` is reported as
//! `ph: must be a finite number` instead of failing the whole body. Every problem is
//! reported at once, each naming its field and the broken rule; key order never matters.

use std::fmt;

use serde::de::{Deserializer, MapAccess, Visitor};
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

use crate::schema::{feature_index, FeatureSpec, FeatureVector, FEATURES, N_FEATURES};

/// Rule text for a feature that is absent.
pub const RULE_MISSING: &str = "missing field";
/// Rule text for a field that is not one of the nine features.
pub const RULE_UNKNOWN: &str = "unknown field";
/// Rule text for a field given more than once.
pub const RULE_DUPLICATE: &str = "duplicate field";
/// Rule text for a value that is not a JSON number (string, null, bool, ...).
pub const RULE_NOT_NUMBER: &str = "must be a JSON number";
/// Rule text for a value that is NaN or infinite (or overflows f64).
pub const RULE_NOT_FINITE: &str = "must be a finite number";

/// One problem with one field of a sample.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldError {
    /// Field (feature) name as sent by the client.
    pub field: String,
    /// The rule that the value breaks, in plain words.
    pub rule: String,
}

impl FieldError {
    fn new(field: &str, rule: impl Into<String>) -> Self {
        Self {
            field: field.to_string(),
            rule: rule.into(),
        }
    }
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field, self.rule)
    }
}

/// Why a JSON sample was refused.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SampleError {
    /// The body is not a JSON object (syntax error, array, number, ...).
    #[error("malformed sample: {0}")]
    Malformed(String),
    /// The body is an object but some fields break the rules (all of them listed).
    #[error("invalid sample: {}", join_errors(.0))]
    Fields(Vec<FieldError>),
}

/// Joins field errors as `field: rule; field: rule`.
pub fn join_errors(errors: &[FieldError]) -> String {
    errors
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("; ")
}

/// Rule text for a value outside the valid range of `spec`.
pub fn range_rule(spec: &FeatureSpec) -> String {
    if spec.unit.is_empty() {
        format!("must be within [{}, {}]", spec.min, spec.max)
    } else {
        format!("must be within [{}, {}] {}", spec.min, spec.max, spec.unit)
    }
}

/// Checks that every value is finite and inside its feature's range.
pub fn validate_features(values: &FeatureVector) -> Result<(), Vec<FieldError>> {
    let errors: Vec<FieldError> = FEATURES
        .iter()
        .zip(values)
        .filter_map(|(spec, &v)| check_value(spec, v).err())
        .collect();
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}

fn check_value(spec: &FeatureSpec, v: f64) -> Result<(), FieldError> {
    if !v.is_finite() {
        Err(FieldError::new(spec.name, RULE_NOT_FINITE))
    } else if !spec.accepts(v) {
        Err(FieldError::new(spec.name, range_rule(spec)))
    } else {
        Ok(())
    }
}

/// Parses and validates one sample from JSON bytes.
pub fn parse_sample(json: &[u8]) -> Result<FeatureVector, SampleError> {
    let object: RawObject =
        serde_json::from_slice(json).map_err(|e| SampleError::Malformed(e.to_string()))?;
    object.into_features()
}

/// Parses and validates one sample held as a raw JSON value (e.g. a nested `water_quality`).
pub fn parse_sample_raw(raw: &RawValue) -> Result<FeatureVector, SampleError> {
    parse_sample(raw.get().as_bytes())
}

/// A JSON object kept as (key, raw value) pairs in input order, duplicates included, so that
/// callers can refuse a repeated key instead of silently keeping one of its values.
pub struct RawObject(pub Vec<(String, Box<RawValue>)>);

impl<'de> Deserialize<'de> for RawObject {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct ObjectVisitor;
        impl<'de> Visitor<'de> for ObjectVisitor {
            type Value = RawObject;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a JSON object with the nine feature fields")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<RawObject, A::Error> {
                let mut entries = Vec::new();
                while let Some(entry) = map.next_entry::<String, Box<RawValue>>()? {
                    entries.push(entry);
                }
                Ok(RawObject(entries))
            }
        }
        deserializer.deserialize_map(ObjectVisitor)
    }
}

impl RawObject {
    fn into_features(self) -> Result<FeatureVector, SampleError> {
        let mut values: [Option<f64>; N_FEATURES] = [None; N_FEATURES];
        let mut seen = [false; N_FEATURES];
        let mut feature_errors: Vec<(usize, FieldError)> = Vec::new();
        let mut other_errors: Vec<FieldError> = Vec::new();
        for (key, raw) in &self.0 {
            let Some(i) = feature_index(key) else {
                other_errors.push(FieldError::new(key, RULE_UNKNOWN));
                continue;
            };
            if seen[i] {
                other_errors.push(FieldError::new(key, RULE_DUPLICATE));
                continue;
            }
            seen[i] = true;
            match parse_number(raw.get()).and_then(|v| check_value(&FEATURES[i], v).map(|()| v)) {
                Ok(v) => values[i] = Some(v),
                Err(rule) => feature_errors.push((i, FieldError::new(key, rule.rule))),
            }
        }
        for (i, spec) in FEATURES.iter().enumerate() {
            if !seen[i] {
                feature_errors.push((i, FieldError::new(spec.name, RULE_MISSING)));
            }
        }
        if feature_errors.is_empty() && other_errors.is_empty() {
            let mut out = [0.0; N_FEATURES];
            for (slot, v) in out.iter_mut().zip(values) {
                *slot = v.expect("every feature seen and valid");
            }
            return Ok(out);
        }
        feature_errors.sort_by_key(|(i, _)| *i);
        other_errors.sort_by(|a, b| a.field.cmp(&b.field).then(a.rule.cmp(&b.rule)));
        other_errors.dedup();
        let mut errors: Vec<FieldError> = feature_errors.into_iter().map(|(_, e)| e).collect();
        errors.extend(other_errors);
        Err(SampleError::Fields(errors))
    }
}

/// Reads raw JSON text as a number; the field name is filled in by the caller.
fn parse_number(raw: &str) -> Result<f64, FieldError> {
    let text = raw.trim();
    let starts_numeric = text
        .bytes()
        .next()
        .is_some_and(|b| b == b'-' || b.is_ascii_digit());
    if !starts_numeric {
        return Err(FieldError::new("", RULE_NOT_NUMBER));
    }
    // Valid JSON number syntax is a subset of Rust's float syntax; overflow gives infinity.
    let v: f64 = text
        .parse()
        .map_err(|_| FieldError::new("", RULE_NOT_NUMBER))?;
    if v.is_finite() {
        Ok(v)
    } else {
        Err(FieldError::new("", RULE_NOT_FINITE))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const VALID: &str = r#"{"ph":7.0,"Hardness":200.0,"Solids":20000.0,"Chloramines":7.5,"Sulfate":350.0,"Conductivity":400.0,"Organic_carbon":14.0,"Trihalomethanes":70.0,"Turbidity":4.0}"#;
    const EXPECTED: FeatureVector = [7.0, 200.0, 20000.0, 7.5, 350.0, 400.0, 14.0, 70.0, 4.0];

    fn with(field: &str, raw: &str) -> String {
        let mut v: serde_json::Map<String, serde_json::Value> =
            serde_json::from_str(VALID).unwrap();
        assert!(v.contains_key(field), "test uses a known field");
        // Splice raw text so values that serde_json::Value cannot hold (1e400) survive.
        v.insert(field.to_string(), serde_json::Value::String("__X__".into()));
        serde_json::to_string(&v).unwrap().replace("\"__X__\"", raw)
    }

    fn field_errors(json: &str) -> Vec<FieldError> {
        match parse_sample(json.as_bytes()) {
            Err(SampleError::Fields(e)) => e,
            other => panic!("expected field errors, got {other:?}"),
        }
    }

    fn fe(field: &str, rule: &str) -> FieldError {
        FieldError::new(field, rule)
    }

    #[test]
    fn valid_sample_parses_in_canonical_order() {
        assert_eq!(parse_sample(VALID.as_bytes()).unwrap(), EXPECTED);
    }

    #[test]
    fn reversed_key_order_gives_identical_vector() {
        let reversed = r#"{"Turbidity":4.0,"Trihalomethanes":70.0,"Organic_carbon":14.0,"Conductivity":400.0,"Sulfate":350.0,"Chloramines":7.5,"Solids":20000.0,"Hardness":200.0,"ph":7.0}"#;
        let a = parse_sample(VALID.as_bytes()).unwrap();
        let b = parse_sample(reversed.as_bytes()).unwrap();
        assert_eq!(a.map(f64::to_bits), b.map(f64::to_bits));
    }

    #[test]
    fn nan_and_inf_strings_are_not_numbers() {
        assert_eq!(
            field_errors(&with("ph", "\"NaN\"")),
            [fe("ph", RULE_NOT_NUMBER)]
        );
        assert_eq!(
            field_errors(&with("Solids", "\"inf\"")),
            [fe("Solids", RULE_NOT_NUMBER)]
        );
        assert_eq!(
            field_errors(&with("Sulfate", "null")),
            [fe("Sulfate", RULE_NOT_NUMBER)]
        );
        assert_eq!(
            field_errors(&with("Sulfate", "true")),
            [fe("Sulfate", RULE_NOT_NUMBER)]
        );
    }

    #[test]
    fn overflowing_number_is_not_finite() {
        let body = with("ph", "1e400");
        assert!(body.contains("1e400"));
        assert_eq!(field_errors(&body), [fe("ph", RULE_NOT_FINITE)]);
        let msg = parse_sample(body.as_bytes()).unwrap_err().to_string();
        assert!(msg.contains("ph: must be a finite number"), "{msg}");
    }

    #[test]
    fn out_of_range_values_name_field_and_range() {
        assert_eq!(
            field_errors(&with("ph", "15.2")),
            [fe("ph", "must be within [0, 14]")]
        );
        assert_eq!(
            field_errors(&with("Turbidity", "-1")),
            [fe("Turbidity", "must be within [0, 100] NTU")]
        );
        // Bounds are inclusive.
        assert_eq!(parse_sample(with("ph", "14").as_bytes()).unwrap()[0], 14.0);
        assert_eq!(
            parse_sample(with("Turbidity", "0").as_bytes()).unwrap()[8],
            0.0
        );
    }

    #[test]
    fn unknown_fields_are_all_listed() {
        let body = VALID.replace('}', r#","Potability":1,"Color":3}"#);
        assert_eq!(
            field_errors(&body),
            [fe("Color", RULE_UNKNOWN), fe("Potability", RULE_UNKNOWN)]
        );
    }

    #[test]
    fn missing_field_is_named() {
        let body = VALID.replace(r#","Turbidity":4.0"#, "");
        assert_eq!(field_errors(&body), [fe("Turbidity", RULE_MISSING)]);
    }

    #[test]
    fn duplicate_and_case_mismatched_keys_are_refused() {
        let dup = VALID.replace('}', r#","ph":8.0}"#);
        assert_eq!(field_errors(&dup), [fe("ph", RULE_DUPLICATE)]);
        let wrong_case = VALID.replace("\"ph\"", "\"PH\"");
        assert_eq!(
            field_errors(&wrong_case),
            [fe("ph", RULE_MISSING), fe("PH", RULE_UNKNOWN)]
        );
    }

    #[test]
    fn several_problems_reported_together_in_canonical_order() {
        let body = with("Turbidity", "-1").replace("\"ph\":7.0", "\"ph\":\"NaN\"");
        assert_eq!(
            field_errors(&body),
            [
                fe("ph", RULE_NOT_NUMBER),
                fe("Turbidity", "must be within [0, 100] NTU")
            ]
        );
    }

    #[test]
    fn non_objects_are_malformed() {
        for body in ["", "[1,2]", "7", "{\"ph\":", "null"] {
            assert!(
                matches!(
                    parse_sample(body.as_bytes()),
                    Err(SampleError::Malformed(_))
                ),
                "{body:?}"
            );
        }
    }

    #[test]
    fn raw_value_entry_point() {
        let outer = format!(r#"{{"water_quality":{VALID},"actual_potability":1}}"#);
        #[derive(Deserialize)]
        struct Req<'a> {
            #[serde(borrow)]
            water_quality: &'a RawValue,
        }
        let req: Req = serde_json::from_str(&outer).unwrap();
        assert_eq!(parse_sample_raw(req.water_quality).unwrap(), EXPECTED);
    }

    #[test]
    fn validate_features_checks_finite_and_range() {
        assert_eq!(validate_features(&EXPECTED), Ok(()));
        let mut bad = EXPECTED;
        bad[0] = f64::NAN;
        bad[3] = 20.5;
        assert_eq!(
            validate_features(&bad),
            Err(vec![
                fe("ph", RULE_NOT_FINITE),
                fe("Chloramines", "must be within [0, 20] ppm")
            ])
        );
    }

    #[test]
    fn field_error_serializes_with_field_and_rule() {
        let json = serde_json::to_string(&fe("ph", RULE_NOT_FINITE)).unwrap();
        assert_eq!(json, r#"{"field":"ph","rule":"must be a finite number"}"#);
    }
}
