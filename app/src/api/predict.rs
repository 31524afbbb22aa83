//! Predicting one sample from the dashboard form.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A prediction as shown in the result panel.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PredictionView {
    /// 1 = potable, 0 = not potable.
    pub potability: u8,
    /// "Potable" or "Not Potable".
    pub potability_label: String,
    /// Probability of the predicted class, in [0.5, 1].
    pub confidence: f64,
    /// Probability that the sample is potable, in [0, 1].
    pub probability_potable: f64,
    /// The model version that answered.
    pub model_version: String,
}

/// One refused field: its name and the rule it broke.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FieldErrorView {
    /// Field name as in the form and the API.
    pub field: String,
    /// The rule, in words.
    pub rule: String,
}

/// Either a prediction or the list of fields that must be corrected.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum PredictOutcome {
    /// The model's answer.
    Predicted(PredictionView),
    /// Input that was refused, field by field.
    Invalid(Vec<FieldErrorView>),
}

/// Predicts one sample given as the form's raw text values, keyed by feature name.
#[server(endpoint = "predict_sample", input = server_fn::codec::Json)]
pub async fn predict_sample(
    fields: BTreeMap<String, String>,
) -> Result<PredictOutcome, ServerFnError> {
    use potable_core::schema::{FeatureVector, FEATURES};

    let mut values: FeatureVector = [f64::NAN; FEATURES.len()];
    let mut errors = Vec::new();
    for (slot, spec) in values.iter_mut().zip(FEATURES.iter()) {
        match fields.get(spec.name).map(|v| v.trim()) {
            None | Some("") => errors.push(FieldErrorView {
                field: spec.name.to_string(),
                rule: "is required".to_string(),
            }),
            Some(text) => match text.parse::<f64>() {
                Ok(v) => *slot = v,
                Err(_) => errors.push(FieldErrorView {
                    field: spec.name.to_string(),
                    rule: "must be a number".to_string(),
                }),
            },
        }
    }
    for name in fields.keys() {
        if !FEATURES.iter().any(|f| f.name == name) {
            errors.push(FieldErrorView {
                field: name.clone(),
                rule: "is not a known field".to_string(),
            });
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
    if !errors.is_empty() {
        return Ok(PredictOutcome::Invalid(errors));
    }
    let service = super::context::service()?;
    let prediction = service
        .predict_one(&values)
        .map_err(|e| ServerFnError::new(e.to_string()))?;
    Ok(PredictOutcome::Predicted(PredictionView {
        potability: prediction.potability,
        potability_label: prediction.label().to_string(),
        confidence: prediction.confidence(),
        probability_potable: prediction.probability_potable,
        model_version: prediction.model_version,
    }))
}
