//! The dashboard form's raw text values, checked like API input.

use std::collections::BTreeMap;

use super::predict::FieldErrorView;
use potable_core::schema::{FeatureVector, FEATURES};

/// Parses the nine features from the form's text values keyed by feature name: every missing
/// or non-numeric field, every unknown key and every value out of its range is listed.
pub fn parse_form(fields: &BTreeMap<String, String>) -> Result<FeatureVector, Vec<FieldErrorView>> {
    let error = |field: &str, rule: &str| FieldErrorView {
        field: field.to_string(),
        rule: rule.to_string(),
    };
    let mut values: FeatureVector = [f64::NAN; FEATURES.len()];
    let mut errors = Vec::new();
    for (slot, spec) in values.iter_mut().zip(FEATURES.iter()) {
        match fields.get(spec.name).map(|v| v.trim()) {
            None | Some("") => errors.push(error(spec.name, "is required")),
            Some(text) => match text.parse::<f64>() {
                Ok(v) => *slot = v,
                Err(_) => errors.push(error(spec.name, "must be a number")),
            },
        }
    }
    for name in fields.keys() {
        if !FEATURES.iter().any(|f| f.name == name) {
            errors.push(error(name, "is not a known field"));
        }
    }
    if errors.is_empty() {
        if let Err(field_errors) = potable_core::sample::validate_features(&values) {
            errors.extend(field_errors.into_iter().map(|e| FieldErrorView {
                field: e.field,
                rule: e.rule,
            }));
        }
    }
    if errors.is_empty() {
        Ok(values)
    } else {
        Err(errors)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn valid() -> BTreeMap<String, String> {
        FEATURES
            .iter()
            .zip(["7", "200", "20000", "7.5", "350", "400", "14", "70", "4"])
            .map(|(f, v)| (f.name.to_string(), v.to_string()))
            .collect()
    }

    fn named(fields: &BTreeMap<String, String>) -> Vec<(String, String)> {
        parse_form(fields)
            .unwrap_err()
            .into_iter()
            .map(|e| (e.field, e.rule))
            .collect()
    }

    #[test]
    fn valid_form_parses_in_canonical_order() {
        assert_eq!(
            parse_form(&valid()).unwrap(),
            [7.0, 200.0, 20000.0, 7.5, 350.0, 400.0, 14.0, 70.0, 4.0]
        );
    }

    #[test]
    fn shared_cases_are_refused_naming_field_and_rule() {
        // C1: NaN, inf, 1e400, out of range.
        for (field, text, rule) in [
            ("ph", "NaN", "finite"),
            ("Solids", "inf", "finite"),
            ("ph", "1e400", "finite"),
            ("ph", "15.2", "[0, 14]"),
            ("Turbidity", "-1", "[0, 100]"),
        ] {
            let mut f = valid();
            f.insert(field.to_string(), text.to_string());
            let errors = named(&f);
            assert!(
                errors.iter().any(|(n, r)| n == field && r.contains(rule)),
                "{field}={text}: {errors:?}"
            );
        }
        // C4: a label and an unknown column sent with the features; a missing field.
        let mut f = valid();
        f.insert("Potability".into(), "1".into());
        f.insert("Color".into(), "3".into());
        let errors = named(&f);
        for unknown in ["Potability", "Color"] {
            assert!(
                errors.contains(&(unknown.to_string(), "is not a known field".to_string())),
                "{errors:?}"
            );
        }
        let mut f = valid();
        f.remove("Turbidity");
        f.insert("ph".into(), "abc".into());
        assert_eq!(
            named(&f),
            vec![
                ("ph".to_string(), "must be a number".to_string()),
                ("Turbidity".to_string(), "is required".to_string())
            ]
        );
    }
}
