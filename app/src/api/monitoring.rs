//! The monitoring page's data: predictions over time and the drift of recent inputs.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// Prediction counts per (version, class) in equal time buckets.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TimeSeriesView {
    /// Start of the first bucket, ms since the Unix epoch.
    pub start_ms: i64,
    /// Bucket width in ms.
    pub bucket_ms: i64,
    /// (name, count per bucket), e.g. ("V1 · potable", [3, 0, 5]).
    pub series: Vec<(String, Vec<u64>)>,
}

/// Drift of one feature.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FeatureDriftView {
    /// Feature name.
    pub feature: String,
    /// Population stability index, when both samples have values.
    pub psi: Option<f64>,
    /// Kolmogorov–Smirnov statistic.
    pub ks: Option<f64>,
    /// KS critical value at the test's significance level.
    pub ks_critical: Option<f64>,
    /// Recent values compared.
    pub recent_n: usize,
    /// Whether PSI or KS flags a shift.
    pub drifted: bool,
}

/// Drift of every feature, with the thresholds used.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DriftView {
    /// Latest logged inputs compared.
    pub recent: usize,
    /// PSI at or above this is drift.
    pub psi_threshold: f64,
    /// KS significance level.
    pub ks_alpha: f64,
    /// One entry per feature, canonical order.
    pub features: Vec<FeatureDriftView>,
}

/// Everything the monitoring page shows.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MonitoringView {
    /// Predictions in the log.
    pub logged: i64,
    /// Predictions not logged because the writer lagged.
    pub dropped: u64,
    /// Counts over time.
    pub time_series: TimeSeriesView,
    /// Drift, when a reference and recent predictions exist.
    pub drift: Option<DriftView>,
    /// Where the reference distribution comes from, or why there is none.
    pub reference_note: String,
}

/// Reads the prediction log and computes drift.
#[server(endpoint = "monitoring")]
pub async fn monitoring_overview() -> Result<MonitoringView, ServerFnError> {
    use potable_core::monitoring::{drift, installed, KS_ALPHA, PSI_THRESHOLD, RECENT_WINDOW};

    let monitor =
        installed().ok_or_else(|| ServerFnError::new("prediction monitoring is not running"))?;
    let fail = |e: potable_core::monitoring::MonitorError| ServerFnError::new(e.to_string());
    let (logged, ts, recent) = tokio::task::spawn_blocking(move || {
        Ok::<_, potable_core::monitoring::MonitorError>((
            monitor.log.count()?,
            monitor.log.time_series(30)?,
            monitor.log.latest(RECENT_WINDOW)?,
        ))
    })
    .await
    .map_err(|e| ServerFnError::new(e.to_string()))?
    .map_err(fail)?;
    let series = ts
        .series
        .into_iter()
        .map(|s| {
            let class = if s.class == 1 {
                "potable"
            } else {
                "not potable"
            };
            (format!("{} · {class}", s.version), s.counts)
        })
        .collect();
    let drift = match (&monitor.reference, recent.is_empty()) {
        (Some(reference), false) => {
            let rows: Vec<_> = recent.iter().map(|r| r.features).collect();
            let features = drift(reference, &rows)
                .into_iter()
                .zip(potable_schema::FEATURES.iter())
                .map(|(d, spec)| FeatureDriftView {
                    feature: spec.name.to_string(),
                    psi: d.as_ref().map(|d| d.psi),
                    ks: d.as_ref().map(|d| d.ks),
                    ks_critical: d.as_ref().map(|d| d.ks_critical),
                    recent_n: d.as_ref().map_or(0, |d| d.recent_n),
                    drifted: d.as_ref().is_some_and(|d| d.drifted()),
                })
                .collect();
            Some(DriftView {
                recent: rows.len(),
                psi_threshold: PSI_THRESHOLD,
                ks_alpha: KS_ALPHA,
                features,
            })
        }
        _ => None,
    };
    Ok(MonitoringView {
        logged,
        dropped: monitor.log.dropped(),
        time_series: TimeSeriesView {
            start_ms: ts.start_ms,
            bucket_ms: ts.bucket_ms,
            series,
        },
        drift,
        reference_note: monitor.reference_note.clone(),
    })
}
