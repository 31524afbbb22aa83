//! The monitoring page: predictions over time per version and class, and the drift of recent
//! inputs against the training data, per feature.

use crate::api::monitoring::{monitoring_overview, DriftView, MonitoringView};
use crate::components::charts::{grouped_bars, time_series};
use crate::components::table::column_heads;
use leptos::prelude::*;

/// The monitoring page.
#[component]
pub fn MonitoringPage() -> impl IntoView {
    let data = Resource::new(|| (), |_| monitoring_overview());
    view! {
        <section class="card" aria-labelledby="monitoring-title">
            <div class="title-row">
                <h1 id="monitoring-title">"Monitoring"</h1>
                <button type="button" id="monitoring-refresh" on:click=move |_| data.refetch()>
                    "Refresh"
                </button>
            </div>
            <p class="lede">"What the served model has been asked, and whether recent inputs still look like the training data."</p>
        </section>
        <Transition fallback=|| view! { <section class="card"><p class="loading">"Loading the prediction log…"</p></section> }>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(view) => view! { <Overview view /> }.into_any(),
                    Err(e) => {
                        let message = if e.to_string().contains("not running") {
                            "Prediction monitoring is not running on this server."
                        } else {
                            "The monitoring data could not be loaded. Please refresh."
                        };
                        view! { <section class="card"><p class="error" role="alert">{message}</p></section> }.into_any()
                    }
                }
            })}
        </Transition>
    }
}

#[component]
fn Overview(view: MonitoringView) -> impl IntoView {
    let ts = &view.time_series;
    let chart = time_series(
        "Predictions over time, per version and class",
        ts.start_ms,
        ts.bucket_ms,
        &ts.series,
    );
    let dropped = (view.dropped > 0).then(|| {
        format!(
            " ({} not logged because the log writer fell behind)",
            view.dropped
        )
    });
    view! {
        <section class="card" aria-labelledby="over-time-title">
            <h2 id="over-time-title">"Predictions over time"</h2>
            <p id="logged-count">{format!("{} predictions logged", view.logged)} {dropped}</p>
            <div class="chart-box" id="chart-over-time" inner_html=chart></div>
        </section>
        <section class="card" aria-labelledby="drift-title">
            <h2 id="drift-title">"Input drift"</h2>
            <p class="hint">"Reference: " {view.reference_note.clone()}</p>
            {match view.drift {
                Some(drift) => view! { <Drift drift /> }.into_any(),
                None => view! { <p class="empty" id="drift-empty">"No drift to show yet: it needs logged predictions and the training data file."</p> }.into_any(),
            }}
        </section>
    }
}

#[component]
fn Drift(drift: DriftView) -> impl IntoView {
    let names: Vec<String> = drift
        .features
        .iter()
        .map(|f| f.feature.replace('_', " "))
        .collect();
    let psi: Vec<f64> = drift
        .features
        .iter()
        .map(|f| f.psi.unwrap_or(f64::NAN))
        .collect();
    let threshold_label = format!("drift threshold {}", drift.psi_threshold);
    let chart = grouped_bars(
        "drift-psi",
        "Population stability index per feature",
        &names,
        &[("PSI".to_string(), psi)],
        Some((drift.psi_threshold, &threshold_label)),
    );
    let ks_percent = (1.0 - drift.ks_alpha) * 100.0;
    view! {
        <p>
            {format!(
                "The latest {} inputs against the training data. A feature has drifted when its PSI is at least {} or its Kolmogorov–Smirnov statistic D exceeds the critical value at α = {} ({ks_percent:.0} % confidence).",
                drift.recent, drift.psi_threshold, drift.ks_alpha
            )}
        </p>
        <div class="chart-box" id="chart-drift" inner_html=chart></div>
        <div class="table-wrap">
            <table class="results" id="drift-table">
                <caption class="sr-only">"Drift per feature"</caption>
                {column_heads(["Feature", "PSI", "KS D", "KS critical", "Status"])}
                <tbody>
                    {drift
                        .features
                        .into_iter()
                        .map(|f| {
                            let fmt = |v: Option<f64>| v.map_or("–".to_string(), |v| format!("{v:.3}"));
                            let (class, status) = match (f.psi, f.drifted) {
                                (None, _) => ("badge none", "no data"),
                                (_, true) => ("badge beyond", "drifted"),
                                (_, false) => ("badge within", "stable"),
                            };
                            view! {
                                <tr data-feature=f.feature.clone()>
                                    <th scope="row">{f.feature.replace('_', " ")}</th>
                                    <td>{fmt(f.psi)}</td>
                                    <td>{fmt(f.ks)}</td>
                                    <td>{fmt(f.ks_critical)}</td>
                                    <td><span class=class>{status}</span></td>
                                </tr>
                            }
                        })
                        .collect_view()}
                </tbody>
            </table>
        </div>
    }
}
