//! `potable serve`: the dashboard and REST API, with graceful shutdown on SIGTERM / Ctrl-C.

use crate::cli::ServeArgs;
use crate::server::auth::AdminToken;
use crate::server::{router, AppState};
use anyhow::Context;
use leptos::prelude::LeptosOptions;
use potable_core::service::Service;
use std::io::Write;
use std::net::SocketAddr;
use std::sync::Arc;

/// Opens the registry, binds the address and serves until a shutdown signal.
pub fn run(args: ServeArgs) -> anyhow::Result<()> {
    potable_core::os::limit_heap_arenas();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    runtime.block_on(serve(args))
}

async fn serve(args: ServeArgs) -> anyhow::Result<()> {
    let service = open_service(&args)?;
    let service = if service.active_version().is_none() && args.train_if_missing {
        first_start_training(&args)?
    } else {
        service
    };
    match service.active_version() {
        Some(version) => tracing::info!(%version, "serving model"),
        None => tracing::warn!("no usable model version: run `potable train` first"),
    }
    if let Err(err) = potable_core::monitoring::start(&args.dir.models_dir, &args.data, &service) {
        tracing::warn!(error = %err, "prediction monitoring is off");
    }
    let addr = SocketAddr::new(args.host, args.port);
    let leptos_options = LeptosOptions::builder()
        .output_name(app::SITE_NAME)
        .site_root(args.site_root.to_string_lossy().into_owned())
        .site_pkg_dir("pkg")
        .site_addr(addr)
        .build();
    let service = Arc::new(service);
    tokio::spawn(follow_registry(Arc::clone(&service)));
    let state = AppState {
        leptos_options,
        service,
        admin: AdminToken::new(args.admin_token.as_deref()),
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

/// The container's first start: no model is registered, so train one (in a child `potable train`
/// process, with the same flags and environment) when the data file is there, then reopen the
/// registry. Without data, or when training fails, the server still starts and `/ready` says 503.
fn first_start_training(args: &ServeArgs) -> anyhow::Result<Service> {
    if !args.data.is_file() {
        tracing::warn!(
            data = %args.data.display(),
            "no model and no data file: serving with /ready 503; put water_potability.csv in \
             the data volume (`potable fetch-data`) and run `potable train`"
        );
    } else {
        tracing::info!(data = %args.data.display(), "no model yet: training the first version");
        let started = std::time::Instant::now();
        let status = std::process::Command::new(std::env::current_exe()?)
            .arg("train")
            .arg("--if-missing")
            .arg("--data")
            .arg(&args.data)
            .arg("--params")
            .arg(&args.params)
            .arg("--models-dir")
            .arg(&args.dir.models_dir)
            .args([
                "--notes",
                "first start: trained by `potable serve --train-if-missing`",
            ])
            .status()
            .context("cannot start `potable train`")?;
        if status.success() {
            tracing::info!(
                seconds = started.elapsed().as_secs(),
                "first version trained"
            );
        } else {
            tracing::error!(%status, "training the first version failed: serving with /ready 503");
        }
    }
    open_service(args)
}

/// How often the server looks for registry changes made by another process.
const REGISTRY_POLL: std::time::Duration = std::time::Duration::from_secs(1);

/// Serves the version another process (`potable models switch`, `potable retrain`) made
/// active, within [`REGISTRY_POLL`] of the change.
async fn follow_registry(service: Arc<Service>) {
    let mut tick = tokio::time::interval(REGISTRY_POLL);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        let service = Arc::clone(&service);
        match tokio::task::spawn_blocking(move || service.sync_with_registry()).await {
            Ok(Ok(Some(version))) => {
                tracing::info!(%version, "the registry's active version changed: now serving it");
            }
            Ok(Ok(None)) => {}
            Ok(Err(err)) => tracing::warn!(error = %err, "cannot follow the registry"),
            Err(err) => tracing::error!(error = %err, "registry follower failed"),
        }
    }
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

/// Opens the registry, feedback store and training settings named by the serve flags.
fn open_service(args: &ServeArgs) -> anyhow::Result<Service> {
    Service::open_with(
        &args.dir.models_dir,
        super::retrain::service_config(&args.data, &args.params, &args.promotion)?,
    )
    .with_context(|| {
        format!(
            "cannot open the model registry {}",
            args.dir.models_dir.display()
        )
    })
}
