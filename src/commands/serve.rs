//! `potable serve`: the dashboard and REST API, with graceful shutdown on SIGTERM / Ctrl-C.

use crate::cli::ServeArgs;
use crate::server::{router, AppState};
use anyhow::Context;
use leptos::prelude::LeptosOptions;
use potable_core::service::Service;
use std::io::Write;
use std::net::SocketAddr;
use std::sync::Arc;

/// Opens the registry, binds the address and serves until a shutdown signal.
pub fn run(args: ServeArgs) -> anyhow::Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    runtime.block_on(serve(args))
}

async fn serve(args: ServeArgs) -> anyhow::Result<()> {
    let service = Service::open(&args.models_dir).with_context(|| {
        format!(
            "cannot open the model registry {}",
            args.models_dir.display()
        )
    })?;
    match service.active_version() {
        Some(version) => tracing::info!(%version, "serving model"),
        None => tracing::warn!("no usable model version: run `potable train` first"),
    }
    let addr = SocketAddr::new(args.host, args.port);
    let leptos_options = LeptosOptions::builder()
        .output_name(app::SITE_NAME)
        .site_root(args.site_root.to_string_lossy().into_owned())
        .site_pkg_dir("pkg")
        .site_addr(addr)
        .build();
    let state = AppState {
        leptos_options,
        service: Arc::new(service),
    };
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .with_context(|| format!("cannot listen on {addr}"))?;
    let local = listener.local_addr()?;
    tracing::info!(address = %local, "listening");
    // Tests and scripts read this line to learn the port when --port 0 was given.
    println!("listening on http://{local}");
    std::io::stdout().flush()?;
    axum::serve(listener, router(state))
        .with_graceful_shutdown(shutdown_signal())
        .await
        .context("server error")?;
    tracing::info!("shut down");
    Ok(())
}

/// Resolves on SIGTERM or Ctrl-C.
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
}
