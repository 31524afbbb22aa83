//! Potable's Leptos app: the page shell, routes, pages and the `#[server]` functions they call.
//!
//! Built twice: with `ssr` into the `potable` server (server functions run there, against
//! `potable-core`), and with `hydrate` into the WASM front end.

pub mod api;
pub mod components;
pub mod pages;

use leptos::prelude::*;
use leptos_meta::{provide_meta_context, Link, Meta, MetaTags, Stylesheet, Title};
use leptos_router::{
    components::{Route, Router, Routes, A},
    StaticSegment,
};

/// Name of the compiled site assets (`/pkg/potable.js`, `.wasm`, `.css`).
pub const SITE_NAME: &str = "potable";

/// The HTML document around the app, rendered on the server.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <HydrationScripts options />
                <MetaTags />
            </head>
            <body>
                <App />
            </body>
        </html>
    }
}

/// The root component: navigation and routes.
#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    mark_hydrated();
    view! {
        <Stylesheet id="leptos" href="/pkg/potable.css" />
        <Link rel="icon" type_="image/svg+xml" href="/favicon.svg" />
        <Meta name="description" content="Predict whether drinking water is safe from nine lab measurements." />
        <Title text="Potable" />
        <Router>
            <header class="topbar">
                <a class="brand" href="/">"Potable"</a>
                <nav aria-label="Main">
                    <A href="/">"Predict"</A>
                    <A href="/batch">"Batch"</A>
                    <A href="/monitoring">"Monitoring"</A>
                    <A href="/models">"Models"</A>
                    <A href="/retraining">"Feedback"</A>
                </nav>
            </header>
            <main id="main">
                <Routes fallback=|| view! { <p class="empty">"Page not found."</p> }>
                    <Route path=StaticSegment("") view=pages::predict::PredictPage />
                    <Route path=StaticSegment("batch") view=pages::batch::BatchPage />
                    <Route path=StaticSegment("monitoring") view=pages::monitoring::MonitoringPage />
                    <Route path=StaticSegment("models") view=pages::models::ModelsPage />
                    <Route path=StaticSegment("retraining") view=pages::feedback::FeedbackPage />
                </Routes>
            </main>
        </Router>
    }
}

/// Sets `data-hydrated` on `<body>` once the WASM has taken over, so browser tests (and CSS) can
/// tell a hydrated page from a server-rendered one. Effects run only in the browser.
fn mark_hydrated() {
    Effect::new(move |_| {
        if let Some(body) = document().body() {
            let _ = body.set_attribute("data-hydrated", "true");
        }
    });
}
