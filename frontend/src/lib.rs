//! Browser entry point: hydrates the server-rendered Potable app.

use wasm_bindgen::prelude::wasm_bindgen;

/// Called by the hydration script that the server puts in every page.
#[wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_body(app::App);
}
