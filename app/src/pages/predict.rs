//! The predict page: the nine-field form and the result panel.
//!
//! The form is a plain GET form handled by the router: before the WASM loads it submits as an
//! ordinary request and the server renders the result; after hydration the same submit
//! navigates in place and the result is fetched through the `predict_sample` server function.
//! "Load a sample" is a plain link to the sample's query before hydration, and fills the inputs
//! in place after it. Each value carries a badge comparing it with drinking-water guidelines.

use crate::api::feedback::submit_feedback;
use crate::api::predict::{predict_sample, FieldErrorView, PredictOutcome, PredictionView};
use crate::components::gauge::ConfidenceGauge;
use leptos::prelude::*;
use leptos_router::{components::Form, hooks::use_query_map};
use potable_schema::guidelines::GUIDELINES;
use potable_schema::{FeatureSpec, FEATURES};
use std::collections::BTreeMap;

/// A typical sample, used as the form's starting values and by "Load a sample".
pub const SAMPLE: [(&str, &str); 9] = [
    ("ph", "7.0"),
    ("Hardness", "200.0"),
    ("Solids", "20000.0"),
    ("Chloramines", "7.5"),
    ("Sulfate", "350.0"),
    ("Conductivity", "400.0"),
    ("Organic_carbon", "14.0"),
    ("Trihalomethanes", "70.0"),
    ("Turbidity", "4.0"),
];

fn sample_value(name: &str) -> &'static str {
    SAMPLE
        .iter()
        .find(|(n, _)| *n == name)
        .map_or("", |(_, v)| v)
}

fn sample_href() -> String {
    let query: Vec<String> = SAMPLE.iter().map(|(n, v)| format!("{n}={v}")).collect();
    format!("/?{}", query.join("&"))
}

/// The predict page.
#[component]
pub fn PredictPage() -> impl IntoView {
    let query = use_query_map();
    // The submitted fields, or None before the first submission.
    let submitted = Memo::new(move |_| {
        let query = query.read();
        let fields: BTreeMap<String, String> = FEATURES
            .iter()
            .filter_map(|f| query.get(f.name).map(|v| (f.name.to_string(), v)))
            .collect();
        (!fields.is_empty()).then_some(fields)
    });
    let outcome = Resource::new(
        move || submitted.get(),
        |fields| async move {
            match fields {
                Some(fields) => Some(predict_sample(fields).await),
                None => None,
            }
        },
    );

    // The text of each input, in canonical order: follows the submitted query, edited by typing
    // and by "Load a sample".
    let initial = submitted.get_untracked();
    let texts: Vec<RwSignal<String>> = FEATURES
        .iter()
        .map(|spec| {
            RwSignal::new(
                initial
                    .as_ref()
                    .and_then(|f| f.get(spec.name).cloned())
                    .unwrap_or_else(|| sample_value(spec.name).to_string()),
            )
        })
        .collect();
    let follow = texts.clone();
    Effect::new(move |_| {
        if let Some(fields) = submitted.get() {
            for (text, spec) in follow.iter().zip(FEATURES.iter()) {
                text.set(fields.get(spec.name).cloned().unwrap_or_default());
            }
        }
    });
    let fill = texts.clone();
    let load_sample = move |ev: leptos::ev::MouseEvent| {
        ev.prevent_default();
        for (text, spec) in fill.iter().zip(FEATURES.iter()) {
            text.set(sample_value(spec.name).to_string());
        }
    };
    let (pending, set_pending) = signal(false);
    // On a phone the result card sits below the form: bring a new result into view (when its
    // title is not already in the upper half of the screen).
    #[cfg(feature = "hydrate")]
    Effect::new(move |_| {
        if !pending.get() && submitted.get().is_some() {
            if let Some(result) = document().get_element_by_id("result-title") {
                let height = window()
                    .inner_height()
                    .ok()
                    .and_then(|h| h.as_f64())
                    .unwrap_or(f64::MAX);
                let top = result.get_bounding_client_rect().top();
                if !(0.0..height / 2.0).contains(&top) {
                    result.scroll_into_view();
                }
            }
        }
    });

    view! {
        <div class="predict-layout">
            <section class="card" aria-labelledby="form-title">
                <h1 id="form-title">"Is this water safe to drink?"</h1>
                <p class="lede">"Enter the nine lab measurements of a sample."</p>
                <Form method="GET" action="">
                    <div class="fields">
                        {FEATURES
                            .iter()
                            .zip(texts.iter())
                            .enumerate()
                            .map(|(index, (spec, text))| {
                                view! { <FeatureInput spec=*spec index text=*text /> }
                            })
                            .collect_view()}
                    </div>
                    <div class="actions">
                        <button
                            type="submit"
                            class="primary"
                            id="predict-button"
                            disabled=pending
                            aria-busy=move || pending.get().to_string()
                        >
                            {move || if pending.get() { "Predicting…" } else { "Predict" }}
                        </button>
                        <a class="button" id="load-sample" href=sample_href() on:click=load_sample>
                            "Load a sample"
                        </a>
                    </div>
                    <p class="hint small">
                        "Badges compare each value with common drinking-water guidelines (US EPA, WHO); "
                        "the model itself was trained on the data, not on these limits."
                    </p>
                </Form>
            </section>
            <section class="card result" aria-labelledby="result-title" aria-live="polite">
                <h2 id="result-title">"Result"</h2>
                <Transition
                    fallback=|| view! { <p class="loading">"Predicting…"</p> }
                    set_pending=set_pending
                >
                    {move || Suspend::new(async move {
                        match outcome.await {
                            None => view! {
                                <p class="hint">"Fill in the measurements and press Predict."</p>
                            }
                            .into_any(),
                            Some(Ok(PredictOutcome::Predicted(p))) => {
                                let fields = submitted.get_untracked().unwrap_or_default();
                                view! { <ResultPanel p fields /> }.into_any()
                            }
                            Some(Ok(PredictOutcome::Invalid(errors))) => view! { <FieldErrors errors /> }.into_any(),
                            Some(Err(e)) => {
                                let message = if e.to_string().contains("no model") {
                                    "No model version is loaded on the server yet."
                                } else {
                                    "The prediction could not be made. Please try again."
                                };
                                view! { <p class="error" role="alert">{message}</p> }.into_any()
                            }
                        }
                    })}
                </Transition>
            </section>
        </div>
    }
}

/// One labelled numeric input with its unit, valid range and guideline badge.
#[component]
fn FeatureInput(spec: FeatureSpec, index: usize, text: RwSignal<String>) -> impl IntoView {
    let id = format!("f-{}", spec.name);
    let hint_id = format!("{id}-hint");
    let badge_id = format!("{id}-badge");
    let unit = if spec.unit.is_empty() {
        String::new()
    } else {
        format!(" ({})", spec.unit)
    };
    let range = format!("valid {} – {}", spec.min, spec.max);
    let guideline = GUIDELINES[index];
    let status = move || {
        text.read()
            .trim()
            .parse::<f64>()
            .ok()
            .filter(|v| spec.accepts(*v))
            .map(|v| guideline.status(v))
    };
    view! {
        <div class="field">
            <label for=id.clone()>{spec.name.replace('_', " ")} {unit}</label>
            <input
                id=id
                name=spec.name
                type="number"
                step="any"
                min=spec.min
                max=spec.max
                required
                aria-describedby=format!("{hint_id} {badge_id}")
                bind:value=text
            />
            <small id=hint_id class="range">{range}</small>
            <span
                id=badge_id
                class=move || format!("badge {}", status().map_or("empty", |s| s.key()))
                data-status=move || status().map_or("", |s| s.key())
                title=guideline.source
            >
                {move || status().map_or("", |s| s.label())}
            </span>
            <small class="guideline">{guideline.source}</small>
        </div>
    }
}

/// The model's answer: label, gauge and the version that answered.
#[component]
fn ResultPanel(p: PredictionView, fields: BTreeMap<String, String>) -> impl IntoView {
    let class = if p.potability == 1 {
        "verdict potable"
    } else {
        "verdict not-potable"
    };
    view! {
        <div class="prediction" data-potability=p.potability>
            <p class=class id="verdict">{p.potability_label.clone()}</p>
            <ConfidenceGauge probability_potable=p.probability_potable />
            <dl class="facts">
                <dt>"Confidence"</dt>
                <dd id="confidence">{format!("{:.1}%", p.confidence * 100.0)}</dd>
                <dt>"Probability potable"</dt>
                <dd id="probability">{format!("{:.3}", p.probability_potable)}</dd>
                <dt>"Model version"</dt>
                <dd id="model-version">{p.model_version.clone()}</dd>
            </dl>
            <FeedbackButtons p=p.clone() fields />
        </div>
    }
}

/// The list of refused fields.
#[component]
fn FieldErrors(errors: Vec<FieldErrorView>) -> impl IntoView {
    view! {
        <div class="error" role="alert">
            <p>"Please correct these fields:"</p>
            <ul>
                {errors
                    .into_iter()
                    .map(|e| view! { <li><strong>{e.field}</strong> " " {e.rule}</li> })
                    .collect_view()}
            </ul>
        </div>
    }
}

/// "Correct" / "wrong" buttons that store feedback on the shown prediction and confirm it.
#[component]
fn FeedbackButtons(p: PredictionView, fields: BTreeMap<String, String>) -> impl IntoView {
    let send = Action::new(move |correct: &bool| {
        let (fields, p, correct) = (fields.clone(), p.clone(), *correct);
        async move {
            submit_feedback(
                fields,
                p.potability,
                p.probability_potable,
                p.model_version,
                correct,
            )
            .await
        }
    });
    let done = move || send.value().get().is_some_and(|r| r.is_ok());
    view! {
        <div class="feedback" role="group" aria-label="Was this prediction right?">
            <span>"Was this right?"</span>
            <button type="button" id="feedback-correct" disabled=move || done() || send.pending().get()
                on:click=move |_| { send.dispatch(true); }>
                "Correct"
            </button>
            <button type="button" id="feedback-wrong" disabled=move || done() || send.pending().get()
                on:click=move |_| { send.dispatch(false); }>
                "Wrong"
            </button>
            {move || send.value().get().map(|r| match r {
                Ok(_) => view! { <p class="ok" id="feedback-message" role="status">"Thanks, your feedback was saved."</p> }.into_any(),
                Err(_) => view! { <p class="error" id="feedback-message" role="alert">"The feedback could not be saved. Please try again."</p> }.into_any(),
            })}
        </div>
    }
}
