//! `#[server]` functions and the types they exchange with the browser.
//!
//! Each server function has a stable endpoint under `/api/` so it can be tested and called
//! without the WASM front end.

pub mod batch;
pub mod feedback;
pub mod models;
pub mod monitoring;
pub mod predict;

#[cfg(feature = "ssr")]
pub mod context;
#[cfg(feature = "ssr")]
pub mod form;

/// The server's own message of a failed server function, without the transport's prefix
/// ("error running server function: ..."), for showing to the user.
pub fn server_message(error: &leptos::prelude::ServerFnError) -> String {
    let text = error.to_string();
    text.rsplit("error running server function: ")
        .next()
        .unwrap_or(&text)
        .to_string()
}
