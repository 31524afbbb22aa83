//! The feedback page (`/retraining`; `GET /feedback` is the JSON API): feedback counts per label and version, and a retrain button that shows
//! the job's progress (polled every second while it runs) and its outcome.

use crate::api::feedback::{feedback_overview, retrain_job, start_retrain, RetrainView};
use crate::api::server_message;
use crate::components::table::column_heads;
use leptos::prelude::*;
use std::time::Duration;

/// Fetches the job status into `job`, again every second while it runs.
fn poll(
    job: RwSignal<Option<Result<RetrainView, String>>>,
    counts: Resource<Result<crate::api::feedback::FeedbackView, ServerFnError>>,
) {
    leptos::task::spawn_local(async move {
        match retrain_job().await {
            Ok(Some(view)) => {
                let running = view.state == "running";
                job.set(Some(Ok(view)));
                if running {
                    set_timeout(move || poll(job, counts), Duration::from_secs(1));
                } else {
                    counts.refetch();
                }
            }
            Ok(None) => {}
            Err(e) => job.set(Some(Err(e.to_string()))),
        }
    });
}

/// The feedback page.
#[component]
pub fn FeedbackPage() -> impl IntoView {
    let counts = Resource::new(|| (), |_| feedback_overview());
    let job = RwSignal::new(Option::<Result<RetrainView, String>>::None);
    let token = RwSignal::new(String::new());
    let retrain = move |_| {
        let token = token.get_untracked();
        leptos::task::spawn_local(async move {
            match start_retrain(token).await {
                Ok(view) => {
                    job.set(Some(Ok(view)));
                    poll(job, counts);
                }
                Err(e) => job.set(Some(Err(server_message(&e)))),
            }
        });
    };
    let running = move || {
        job.get()
            .and_then(|j| j.ok())
            .is_some_and(|j| j.state == "running")
    };
    view! {
        <section class="card" aria-labelledby="feedback-title">
            <h1 id="feedback-title">"Feedback"</h1>
            <p class="lede">"Labels people gave to predictions; retraining adds them to the training data."</p>
            <Transition fallback=|| view! { <p class="loading">"Loading the feedback…"</p> }>
                {move || Suspend::new(async move {
                    match counts.await {
                        Ok(view) => {
                            let token_required = view.token_required;
                            let rows = view.counts.into_iter().map(|c| view! {
                                <tr>
                                    <td>{c.model_version.unwrap_or_else(|| "–".into())}</td>
                                    <td>{if c.true_label == 1 { "Potable" } else { "Not Potable" }}</td>
                                    <td class="count">{c.count}</td>
                                </tr>
                            }).collect_view();
                            view! {
                                <p id="feedback-total">{match view.total { 1 => "1 feedback row".to_string(), n => format!("{n} feedback rows") }}</p>
                                <table class="results" id="feedback-table">
                                    {column_heads(["Version", "True label", "Rows"])}
                                    <tbody>{rows}</tbody>
                                </table>
                                <Show when=move || token_required>
                                    <div class="field token-field">
                                        <label for="admin-token">"Admin token (needed to retrain)"</label>
                                        <input id="admin-token" type="password" autocomplete="off" bind:value=token />
                                    </div>
                                </Show>
                            }.into_any()
                        }
                        Err(_) => view! { <p class="error" role="alert">"The feedback could not be loaded. Please refresh."</p> }.into_any(),
                    }
                })}
            </Transition>
        </section>
        <section class="card" aria-labelledby="retrain-title" aria-live="polite">
            <h2 id="retrain-title">"Retrain"</h2>
            <button type="button" class="primary" id="retrain-button" on:click=retrain disabled=running>
                {move || if running() { "Retraining…" } else { "Retrain now" }}
            </button>
            {move || job.get().map(|j| match j {
                Ok(j) => {
                    let outcome = match (j.state.as_str(), &j.version) {
                        ("running", _) => format!(
                            "Running: {} ({:.0}%)",
                            j.stage.clone().unwrap_or_else(|| "starting".into()),
                            j.progress * 100.0
                        ),
                        ("succeeded", Some(v)) => format!(
                            "{v} {}: {}{}",
                            if j.promoted { "was promoted" } else { "was kept as a candidate" },
                            j.detail,
                            j.accuracy_f1
                                .map(|(a, f)| format!(" (accuracy {a:.3}, F1 {f:.3})"))
                                .unwrap_or_default()
                        ),
                        _ => format!("Retraining failed: {}", j.detail),
                    };
                    view! {
                        <progress id="retrain-progress" max="1" value=j.progress></progress>
                        <p id="retrain-status" data-state=j.state.clone()>{outcome}</p>
                    }.into_any()
                }
                Err(e) => view! { <p class="error" id="retrain-status" data-state="error" role="alert">{e}</p> }.into_any(),
            })}
        </section>
    }
}
