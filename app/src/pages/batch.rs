//! The batch page: upload a CSV file, see one prediction (or the row's errors) per row, and
//! download the results as CSV.
//!
//! The file is read in the browser and sent to the `predict_batch_csv` server function; this
//! needs the WASM front end (without it the page says to use `POST /predict/batch`).

use crate::api::batch::{predict_batch_csv, BatchOutcome, BatchRowView, BatchView};
use crate::components::table::column_heads;
use leptos::html::Input;
use leptos::prelude::*;
use potable_schema::{FEATURES, MAX_BATCH_BYTES, MAX_BATCH_ROWS};

/// What the page shows below the form.
#[derive(Clone, Debug, PartialEq)]
enum State {
    Idle,
    Working(String),
    Done(BatchView),
    Failed(String),
}

/// The batch page.
#[component]
pub fn BatchPage() -> impl IntoView {
    let file_input = NodeRef::<Input>::new();
    let state = RwSignal::new(State::Idle);
    let upload = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Some(input) = file_input.get() else {
            return;
        };
        state.set(State::Working("Reading the file…".into()));
        leptos::task::spawn_local(async move {
            let next = match read_file(&input).await {
                Err(message) => State::Failed(message),
                Ok(text) => {
                    state.set(State::Working("Predicting…".into()));
                    match predict_batch_csv(text).await {
                        Ok(BatchOutcome::Predicted(view)) => State::Done(view),
                        Ok(BatchOutcome::Refused(reason)) => {
                            State::Failed(format!("The file was refused: {reason}."))
                        }
                        Err(e) => State::Failed(friendly(&e)),
                    }
                }
            };
            state.set(next);
        });
    };
    let columns: Vec<&str> = FEATURES.iter().map(|f| f.name).collect();
    view! {
        <section class="card" aria-labelledby="batch-title">
            <h1 id="batch-title">"Predict a whole file"</h1>
            <p class="lede">
                "Upload a comma-separated CSV file with a header naming the nine columns, in any order: "
                <code>{columns.join(", ")}</code>
                ". A UTF-8 byte-order mark and Windows line ends are fine; "
                {format!("at most {MAX_BATCH_ROWS} rows and {} MiB.", MAX_BATCH_BYTES / (1024 * 1024))}
            </p>
            <noscript>
                <p class="error">
                    "Uploading needs JavaScript. Without it, send the file to the REST API: "
                    <code>"curl -H 'content-type: text/csv' --data-binary @file.csv /predict/batch"</code>
                </p>
            </noscript>
            <form class="upload" on:submit=upload>
                <div class="field">
                    <label for="batch-file">"CSV file"</label>
                    <input id="batch-file" type="file" accept=".csv,text/csv" required node_ref=file_input />
                </div>
                <button
                    type="submit"
                    class="primary"
                    id="batch-button"
                    disabled=move || matches!(state.get(), State::Working(_))
                >
                    "Predict file"
                </button>
            </form>
        </section>
        <section class="card" aria-labelledby="batch-result-title" aria-live="polite">
            <h2 id="batch-result-title">"Results"</h2>
            {move || match state.get() {
                State::Idle => view! { <p class="hint">"Choose a file and press Predict file."</p> }.into_any(),
                State::Working(what) => view! { <p class="loading">{what}</p> }.into_any(),
                State::Failed(message) => view! { <p class="error" role="alert" id="batch-error">{message}</p> }.into_any(),
                State::Done(view) => view! { <BatchResults view /> }.into_any(),
            }}
        </section>
    }
}

/// A short, user-facing message for a failed server call (no raw dumps).
fn friendly(e: &ServerFnError) -> String {
    let text = e.to_string();
    if text.contains("413") || text.to_ascii_lowercase().contains("too large") {
        format!(
            "The file is too large: the limit is {} MiB.",
            MAX_BATCH_BYTES / (1024 * 1024)
        )
    } else if text.contains("no model") {
        "No model version is loaded on the server yet.".into()
    } else {
        "The server could not predict this file. Please try again.".into()
    }
}

/// Reads the chosen file as text (UTF-8), refusing files over the size limit.
#[cfg(feature = "hydrate")]
async fn read_file(input: &web_sys::HtmlInputElement) -> Result<String, String> {
    let file = input
        .files()
        .and_then(|files| files.get(0))
        .ok_or_else(|| "Choose a CSV file first.".to_string())?;
    if file.size() > MAX_BATCH_BYTES as f64 {
        return Err(format!(
            "The file is {:.1} MiB; the limit is {} MiB.",
            file.size() / 1_048_576.0,
            MAX_BATCH_BYTES / (1024 * 1024)
        ));
    }
    let text = wasm_bindgen_futures::JsFuture::from(file.text())
        .await
        .map_err(|_| "The file could not be read.".to_string())?;
    text.as_string()
        .ok_or_else(|| "The file is not text.".to_string())
}

/// On the server there is no file to read (the form only works once hydrated).
#[cfg(not(feature = "hydrate"))]
async fn read_file(_input: &leptos::web_sys::HtmlInputElement) -> Result<String, String> {
    Err("Uploading needs the page to finish loading.".into())
}

/// Offers `csv` as a file download (a Blob URL clicked through a temporary link).
#[cfg(feature = "hydrate")]
fn download(csv: &str) {
    use leptos::wasm_bindgen::JsCast;
    let parts = js_sys_array(csv);
    let options = web_sys::BlobPropertyBag::new();
    options.set_type("text/csv");
    let Ok(blob) = web_sys::Blob::new_with_str_sequence_and_options(&parts, &options) else {
        return;
    };
    let Ok(url) = web_sys::Url::create_object_url_with_blob(&blob) else {
        return;
    };
    if let Ok(a) = document().create_element("a") {
        if let Ok(a) = a.dyn_into::<web_sys::HtmlAnchorElement>() {
            a.set_href(&url);
            a.set_download("potable-predictions.csv");
            a.click();
        }
    }
    let _ = web_sys::Url::revoke_object_url(&url);
}

#[cfg(feature = "hydrate")]
fn js_sys_array(text: &str) -> leptos::wasm_bindgen::JsValue {
    let parts = web_sys::js_sys::Array::new();
    parts.push(&leptos::wasm_bindgen::JsValue::from_str(text));
    parts.into()
}

#[cfg(not(feature = "hydrate"))]
fn download(_csv: &str) {}

/// Summary, download button and the table of rows.
#[component]
fn BatchResults(view: BatchView) -> impl IntoView {
    let failed = view.failed();
    let total = view.rows.len();
    let csv = view.to_csv();
    let summary = format!(
        "{} of {total} rows predicted by {}{}",
        total - failed,
        view.model_version,
        if failed > 0 {
            format!("; {failed} refused (see the rows marked in red)")
        } else {
            String::new()
        }
    );
    view! {
        <p id="batch-summary">{summary}</p>
        <div class="actions">
            <button type="button" id="batch-download" on:click=move |_| download(&csv)>
                "Download results (CSV)"
            </button>
        </div>
        <div class="table-wrap">
            <table class="results" id="batch-table">
                <caption class="sr-only">"Prediction per uploaded row"</caption>
                {column_heads(["Row", "Line", "Result", "Probability potable"])}
                <tbody>
                    {view.rows.into_iter().map(|row| view! { <BatchRow row /> }).collect_view()}
                </tbody>
            </table>
        </div>
    }
}

/// One table row: the verdict, or the row's errors.
#[component]
fn BatchRow(row: BatchRowView) -> impl IntoView {
    match row.result {
        Ok(p) => {
            let class = if p.potability == 1 {
                "potable"
            } else {
                "not-potable"
            };
            view! {
                <tr data-row=row.row>
                    <td>{row.row}</td>
                    <td>{row.line}</td>
                    <td class=class>{p.potability_label}</td>
                    <td>{format!("{:.3}", p.probability_potable)}</td>
                </tr>
            }
            .into_any()
        }
        Err(errors) => {
            let text: Vec<String> = errors
                .iter()
                .map(|e| format!("{} {}", e.field, e.rule))
                .collect();
            view! {
                <tr data-row=row.row class="row-error">
                    <td>{row.row}</td>
                    <td>{row.line}</td>
                    <td colspan="2" class="error">{format!("Refused: {}", text.join("; "))}</td>
                </tr>
            }
            .into_any()
        }
    }
}
