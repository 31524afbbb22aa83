//! The models page's data and the changing operations on versions (switch, promote, roll back,
//! delete), which need the admin token when one is configured.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// One registered version as shown in the versions table.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct VersionRow {
    /// Version name, e.g. `V2`.
    pub name: String,
    /// Creation time, RFC 3339.
    pub created_at: String,
    /// Training rows.
    pub train_rows: u64,
    /// Feedback rows included in training.
    pub feedback_rows: u64,
    /// Held-out metrics: accuracy, precision, recall, F1, ROC AUC (NaN when unknown).
    pub metrics: [f64; 5],
    /// `active`, `candidate` or `unavailable`.
    pub status: String,
    /// Held-out ROC curve as (false positive rate, true positive rate) points.
    pub roc: Vec<(f64, f64)>,
    /// Held-out confusion matrix, `[actual][predicted]`, class 0 then 1.
    pub confusion: [[u64; 2]; 2],
    /// Training parameters flattened to `section.key = value`, in key order.
    pub params: Vec<(String, String)>,
}

/// One change of the active version.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SwitchRow {
    /// When, RFC 3339.
    pub at: String,
    /// Previously active version.
    pub from: Option<String>,
    /// Newly active version.
    pub to: Option<String>,
    /// Why.
    pub reason: String,
    /// Who asked.
    pub actor: Option<String>,
}

/// Everything the models page shows.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ModelsView {
    /// Versions, oldest first.
    pub versions: Vec<VersionRow>,
    /// Switch history, oldest first.
    pub history: Vec<SwitchRow>,
    /// Whether changing operations need the admin token.
    pub token_required: bool,
}

/// Names of the metrics in [`VersionRow::metrics`], in order.
pub const METRIC_NAMES: [&str; 5] = ["Accuracy", "Precision", "Recall", "F1", "ROC AUC"];

/// Lists the versions and the switch history.
#[server(endpoint = "models_overview")]
pub async fn models_overview() -> Result<ModelsView, ServerFnError> {
    let service = super::context::service()?;
    let versions = service
        .versions()
        .into_iter()
        .map(|v| {
            let test = &v.meta.metrics["test"];
            let metric = |k: &str| test[k].as_f64().unwrap_or(f64::NAN);
            let count = |k: &str| test["confusion_matrix"][k].as_u64().unwrap_or(0);
            let mut params = Vec::new();
            flatten("", &v.meta.params, &mut params);
            VersionRow {
                roc: test["roc_curve"]
                    .as_array()
                    .map(|points| {
                        points
                            .iter()
                            .filter_map(|p| Some((p["fpr"].as_f64()?, p["tpr"].as_f64()?)))
                            .collect()
                    })
                    .unwrap_or_default(),
                confusion: [[count("tn"), count("fp")], [count("fn"), count("tp")]],
                params,
                name: v.name.to_string(),
                created_at: v.meta.created_at.clone(),
                train_rows: v.meta.train_rows,
                feedback_rows: v.meta.feedback_rows,
                metrics: [
                    metric("accuracy"),
                    metric("precision"),
                    metric("recall"),
                    metric("f1"),
                    metric("roc_auc"),
                ],
                status: serde_json::to_value(v.status)
                    .ok()
                    .and_then(|s| s.as_str().map(str::to_string))
                    .unwrap_or_default(),
            }
        })
        .collect();
    let history = service
        .history()
        .into_iter()
        .map(|s| SwitchRow {
            at: s.at,
            from: s.from.map(|v| v.to_string()),
            to: s.to.map(|v| v.to_string()),
            reason: s.reason,
            actor: s.actor,
        })
        .collect();
    Ok(ModelsView {
        versions,
        history,
        token_required: super::context::admin()?.required(),
    })
}

/// Flattens nested parameters into (`a.b.c`, value) pairs; scalars keep their JSON text.
#[cfg(feature = "ssr")]
fn flatten(prefix: &str, value: &serde_json::Value, out: &mut Vec<(String, String)>) {
    match value {
        serde_json::Value::Object(map) => {
            for (key, inner) in map {
                let path = if prefix.is_empty() {
                    key.clone()
                } else {
                    format!("{prefix}.{key}")
                };
                flatten(&path, inner, out);
            }
        }
        serde_json::Value::String(text) => out.push((prefix.to_string(), text.clone())),
        other => out.push((prefix.to_string(), other.to_string())),
    }
}

/// The parameters that differ between two versions: (key, value in `a`, value in `b`), with
/// "–" where one of them lacks the key.
pub fn params_diff(a: &VersionRow, b: &VersionRow) -> Vec<(String, String, String)> {
    let left: std::collections::BTreeMap<&str, &str> = a
        .params
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let right: std::collections::BTreeMap<&str, &str> = b
        .params
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let keys: std::collections::BTreeSet<&str> = left.keys().chain(right.keys()).copied().collect();
    keys.into_iter()
        .filter(|k| left.get(k) != right.get(k))
        .map(|k| {
            let side = |m: &std::collections::BTreeMap<&str, &str>| {
                m.get(k).map_or("–".to_string(), |v| v.to_string())
            };
            (k.to_string(), side(&left), side(&right))
        })
        .collect()
}

/// Runs `action` (`switch`, `promote`, `rollback` or `delete`) on `version` (ignored for
/// `rollback`); returns a sentence describing what happened.
#[server(endpoint = "model_action")]
pub async fn model_action(
    action: String,
    version: String,
    token: String,
) -> Result<String, ServerFnError> {
    let actor = super::context::admin()?.authorize(&token)?;
    let service = super::context::service()?;
    let err = super::context::service_error;
    let describe = |s: potable_core::registry::Switch| match (s.from, s.to) {
        (Some(from), Some(to)) if from == to => format!("{to} is already active."),
        (from, Some(to)) => format!(
            "{to} is now active (was {}).",
            from.map_or("none".to_string(), |f| f.to_string())
        ),
        (_, None) => "No version is active.".to_string(),
    };
    match action.as_str() {
        "switch" => service
            .switch(&version, "switched from the dashboard", Some(actor))
            .map(describe)
            .map_err(err),
        "promote" => service
            .promote(&version, Some(actor))
            .map(describe)
            .map_err(err),
        "rollback" => service.rollback(Some(actor)).map(describe).map_err(err),
        "delete" => service
            .delete_version(&version)
            .map(|name| format!("{name} was deleted."))
            .map_err(err),
        other => Err(super::context::refuse(
            axum::http::StatusCode::UNPROCESSABLE_ENTITY,
            format!(
                "action: unknown action {other:?}; expected switch, promote, rollback or delete"
            ),
        )),
    }
}
