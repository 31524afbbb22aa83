//! The models page: the versions table with the change against the active version, switch /
//! promote / roll back / delete with a confirmation step (and the admin token when configured),
//! the switch history, each metric across versions, and for the versions ticked in the table:
//! grouped metric bars, overlaid ROC curves, confusion matrices and a params diff.

use crate::api::models::{
    model_action, models_overview, params_diff, ModelsView, VersionRow, METRIC_NAMES,
};
use crate::api::server_message;
use crate::components::charts::{
    confusion_matrix, grouped_bars, metrics_across_versions, roc_curves, Series,
};
use crate::components::table::column_heads;
use leptos::prelude::*;

/// An operation waiting for confirmation: (action, version).
type Pending = Option<(String, String)>;

/// The models page.
#[component]
pub fn ModelsPage() -> impl IntoView {
    let data = Resource::new(|| (), |_| models_overview());
    let pending = RwSignal::new(Pending::None);
    let token = RwSignal::new(String::new());
    let message = RwSignal::new(Option::<Result<String, String>>::None);
    let run = Action::new(move |(action, version, token): &(String, String, String)| {
        let (action, version, token) = (action.clone(), version.clone(), token.clone());
        async move { model_action(action, version, token).await }
    });
    Effect::new(move |_| {
        if let Some(result) = run.value().get() {
            message.set(Some(result.map_err(|e| server_message(&e))));
            pending.set(None);
            data.refetch();
        }
    });
    let confirm = move |_| {
        if let Some((action, version)) = pending.get_untracked() {
            run.dispatch((action, version, token.get_untracked()));
        }
    };
    view! {
        <section class="card" aria-labelledby="models-title">
            <div class="title-row">
                <h1 id="models-title">"Model versions"</h1>
                <button type="button" id="rollback-button"
                    on:click=move |_| pending.set(Some(("rollback".into(), String::new())))>
                    "Roll back"
                </button>
            </div>
            <p class="lede">"Every trained version, its held-out metrics and the change against the active one."</p>
            {move || pending.get().map(|(action, version)| {
                let question = if action == "rollback" {
                    "Roll back to the previously active version?".to_string()
                } else {
                    format!("{} {version}?", capitalise(&action))
                };
                view! {
                    <div class="confirm" id="confirm-box" role="alertdialog" aria-labelledby="confirm-text">
                        <p id="confirm-text">{question}</p>
                        <Show when=move || data.get().and_then(|d| d.ok()).is_some_and(|d| d.token_required)>
                            <div class="field token-field">
                                <label for="admin-token">"Admin token"</label>
                                <input id="admin-token" type="password" autocomplete="off" bind:value=token />
                            </div>
                        </Show>
                        <button type="button" class="primary" id="confirm-button" on:click=confirm
                            disabled=move || run.pending().get()>
                            "Confirm"
                        </button>
                        <button type="button" id="cancel-button" on:click=move |_| pending.set(None)>
                            "Cancel"
                        </button>
                    </div>
                }
            })}
            {move || message.get().map(|m| match m {
                Ok(text) => view! { <p class="ok" id="action-message" role="status">{text}</p> }.into_any(),
                Err(text) => view! { <p class="error" id="action-message" role="alert">{text}</p> }.into_any(),
            })}
        </section>
        <Transition fallback=|| view! { <section class="card"><p class="loading">"Loading the versions…"</p></section> }>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(view) => view! { <Overview view pending /> }.into_any(),
                    Err(_) => view! {
                        <section class="card"><p class="error" role="alert">"The versions could not be loaded. Please refresh."</p></section>
                    }.into_any(),
                }
            })}
        </Transition>
    }
}

fn capitalise(word: &str) -> String {
    let mut chars = word.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

/// `2026-12-03T17:44:11.087Z` as `2026-12-03 17:44 UTC`.
fn short_time(rfc3339: &str) -> String {
    match rfc3339.get(..16) {
        Some(minutes) => format!("{} UTC", minutes.replacen('T', " ", 1)),
        None => rfc3339.to_string(),
    }
}

fn score(v: f64) -> String {
    if v.is_finite() {
        format!("{v:.3}")
    } else {
        "–".to_string()
    }
}

/// "ΔF1 +0.012, Δacc −0.004" against the active version.
fn change(row: &VersionRow, active: Option<&VersionRow>) -> String {
    match active {
        None => "–".to_string(),
        Some(a) if a.name == row.name => "active".to_string(),
        Some(a) => format!(
            "F1 {:+.3}, acc {:+.3}",
            row.metrics[3] - a.metrics[3],
            row.metrics[0] - a.metrics[0]
        ),
    }
}

#[component]
fn Overview(view: ModelsView, pending: RwSignal<Pending>) -> impl IntoView {
    let names: Vec<String> = view.versions.iter().map(|v| v.name.clone()).collect();
    let series: Vec<(String, Vec<f64>)> = METRIC_NAMES
        .iter()
        .enumerate()
        .map(|(i, m)| {
            (
                m.to_string(),
                view.versions.iter().map(|v| v.metrics[i]).collect(),
            )
        })
        .collect();
    let chart = metrics_across_versions(&names, &series);
    let active = view.versions.iter().find(|v| v.status == "active").cloned();
    let selected = RwSignal::new(default_selection(&view.versions, active.as_ref()));
    let all = StoredValue::new(view.versions.clone());
    let rows = view
        .versions
        .iter()
        .rev()
        .map(|v| {
            let delta = change(v, active.as_ref());
            let name = v.name.clone();
            let is_active = v.status == "active";
            let usable = v.status == "candidate";
            let tick = v.name.clone();
            let ticked = v.name.clone();
            let ask = move |action: &'static str| {
                let name = name.clone();
                move |_| pending.set(Some((action.to_string(), name.clone())))
            };
            view! {
                <tr data-version=v.name.clone() data-status=v.status.clone()>
                    <td data-label="Compare">
                        <input type="checkbox" class="compare" aria-label=format!("Compare {}", v.name)
                            prop:checked=move || selected.with(|s| s.contains(&ticked))
                            on:change=move |_| toggle(selected, &tick) />
                    </td>
                    <th scope="row" data-label="Version">{v.name.clone()}</th>
                    <td data-label="Created">{short_time(&v.created_at)}</td>
                    <td data-label="Training rows">{v.train_rows}</td>
                    <td data-label="Feedback rows">{v.feedback_rows}</td>
                    {METRIC_NAMES.iter().zip(&v.metrics).map(|(name, m)| view! { <td data-label=*name>{score(*m)}</td> }).collect_view()}
                    <td data-label="Status"><span class=format!("status {}", v.status)>{v.status.clone()}</span></td>
                    <td data-label="Change vs active">{delta}</td>
                    <td class="row-actions" data-label="Actions">
                        <button type="button" class="switch" disabled=!usable on:click=ask("switch")>"Switch"</button>
                        <button type="button" class="promote" disabled=!usable on:click=ask("promote")>"Promote"</button>
                        <button type="button" class="delete" disabled=is_active on:click=ask("delete")>"Delete"</button>
                    </td>
                </tr>
            }
        })
        .collect_view();
    let history = view
        .history
        .iter()
        .rev()
        .map(|s| {
            view! {
                <tr>
                    <td>{short_time(&s.at)}</td>
                    <td>{s.from.clone().unwrap_or_else(|| "–".into())}</td>
                    <td>{s.to.clone().unwrap_or_else(|| "–".into())}</td>
                    <td>{s.reason.clone()}</td>
                    <td>{s.actor.clone().unwrap_or_default()}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <section class="card" aria-labelledby="versions-title">
            <h2 id="versions-title">"Versions"</h2>
            <div class="table-wrap">
                <table id="versions-table">
                    {column_heads(
                        ["Compare", "Version", "Created", "Training rows", "Feedback rows"]
                            .into_iter()
                            .chain(METRIC_NAMES)
                            .chain(["Status", "Change vs active", "Actions"]),
                    )}
                    <tbody>{rows}</tbody>
                </table>
            </div>
        </section>
        <section class="card" aria-labelledby="metrics-chart-title">
            <h2 id="metrics-chart-title">"Metrics across versions"</h2>
            <div class="chart-box" id="chart-metrics" inner_html=chart></div>
        </section>
        <Compare all selected />
        <ParamsDiff all />
        <section class="card" aria-labelledby="history-title">
            <h2 id="history-title">"Switch history"</h2>
            <div class="table-wrap">
                <table id="history-table">
                    {column_heads(["When", "From", "To", "Reason", "By"])}
                    <tbody>{history}</tbody>
                </table>
            </div>
        </section>
    }
}

/// The active version and the newest other one (or just the one there is).
fn default_selection(versions: &[VersionRow], active: Option<&VersionRow>) -> Vec<String> {
    let mut picked: Vec<String> = active.map(|a| a.name.clone()).into_iter().collect();
    if let Some(newest) = versions
        .iter()
        .rev()
        .find(|v| Some(&v.name) != picked.first())
    {
        picked.push(newest.name.clone());
    }
    picked
}

/// Ticks or unticks `name` in the comparison.
fn toggle(selected: RwSignal<Vec<String>>, name: &str) {
    selected.update(|s| match s.iter().position(|n| n == name) {
        Some(i) => {
            s.remove(i);
        }
        None => s.push(name.to_string()),
    });
}

/// Grouped metric bars, overlaid ROC curves and confusion matrices of the ticked versions.
#[component]
fn Compare(all: StoredValue<Vec<VersionRow>>, selected: RwSignal<Vec<String>>) -> impl IntoView {
    let picked = move || {
        let names = selected.get();
        all.with_value(|all| {
            all.iter()
                .filter(|v| names.contains(&v.name))
                .cloned()
                .collect::<Vec<_>>()
        })
    };
    let bars = move || {
        let categories: Vec<String> = METRIC_NAMES.iter().map(|m| m.to_string()).collect();
        let groups: Vec<(String, Vec<f64>)> = picked()
            .into_iter()
            .map(|v| (v.name, v.metrics.to_vec()))
            .collect();
        grouped_bars(
            "compare-metrics",
            "Selected versions",
            &categories,
            &groups,
            None,
        )
    };
    let roc = move || {
        let curves: Vec<Series> = picked()
            .into_iter()
            .map(|v| Series {
                name: v.name,
                points: v.roc,
            })
            .collect();
        roc_curves(&curves)
    };
    let matrices = move || {
        picked()
            .into_iter()
            .map(|v| {
                let svg = confusion_matrix(&format!("{} confusion matrix", v.name), v.confusion);
                view! { <div class="chart-box confusion" data-version=v.name inner_html=svg></div> }
            })
            .collect_view()
    };
    view! {
        <section class="card" aria-labelledby="compare-title">
            <h2 id="compare-title">"Compare selected versions"</h2>
            <p class="hint">
                {move || match selected.with(Vec::len) {
                    0 => "Tick versions in the table to compare them.".to_string(),
                    1 => "1 version selected; tick another to compare.".to_string(),
                    n => format!("{n} versions selected."),
                }}
            </p>
            <div class="chart-box" id="chart-compare" inner_html=bars></div>
            <div class="chart-box" id="chart-roc" inner_html=roc></div>
            <div class="confusions" id="confusion-matrices">{matrices}</div>
        </section>
    }
}

/// The training parameters that differ between two chosen versions.
#[component]
fn ParamsDiff(all: StoredValue<Vec<VersionRow>>) -> impl IntoView {
    let names: Vec<String> = all.with_value(|v| v.iter().map(|r| r.name.clone()).collect());
    let newest = names.last().cloned().unwrap_or_default();
    let before = names
        .iter()
        .rev()
        .nth(1)
        .cloned()
        .unwrap_or_else(|| newest.clone());
    let left = RwSignal::new(before);
    let right = RwSignal::new(newest);
    let options = move |chosen: RwSignal<String>| {
        names
            .iter()
            .map(|n| {
                let name = n.clone();
                view! { <option value=n.clone() selected=move || chosen.get() == name>{n.clone()}</option> }
            })
            .collect_view()
    };
    let rows = move || {
        let find = |name: String| all.with_value(|v| v.iter().find(|r| r.name == name).cloned());
        match (find(left.get()), find(right.get())) {
            (Some(a), Some(b)) => {
                let diff = params_diff(&a, &b);
                if diff.is_empty() {
                    view! { <p id="params-same">{format!("{} and {} were trained with the same parameters.", a.name, b.name)}</p> }
                        .into_any()
                } else {
                    let body = diff
                        .into_iter()
                        .map(|(key, x, y)| view! { <tr><th scope="row">{key}</th><td>{x}</td><td>{y}</td></tr> })
                        .collect_view();
                    view! {
                        <table id="params-diff">
                            {column_heads(["Parameter".to_string(), a.name, b.name])}
                            <tbody>{body}</tbody>
                        </table>
                    }
                    .into_any()
                }
            }
            _ => view! { <p>"No versions to compare yet."</p> }.into_any(),
        }
    };
    view! {
        <section class="card" aria-labelledby="params-title">
            <h2 id="params-title">"Parameters diff"</h2>
            <div class="diff-pick">
                <label for="diff-left">"From"</label>
                <select id="diff-left" on:change=move |ev| left.set(event_target_value(&ev))>
                    {options(left)}
                </select>
                <label for="diff-right">"to"</label>
                <select id="diff-right" on:change=move |ev| right.set(event_target_value(&ev))>
                    {options(right)}
                </select>
            </div>
            <div class="table-wrap">{rows}</div>
        </section>
    }
}
