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
    let values = match super::form::parse_form(&fields) {
        Ok(values) => values,
        Err(errors) => return Ok(PredictOutcome::Invalid(errors)),
    };
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
