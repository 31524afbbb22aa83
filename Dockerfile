# syntax=docker/dockerfile:1
# Potable: one static binary plus the built site, in an image of about 35 MB.
#
# Stages: `wasm-opt` (binaryen from npm, as scripts/tools.sh pins it), `builder` (site in release
# mode + the server as a static musl binary; the cargo registry and target folder are cache
# mounts, so a rebuild compiles only what changed), and the runtime stage `FROM scratch`.
# Build:  docker build -t potable .   (or: buildah bud --format docker -t potable .)
# Run:    docker compose up -d        (see docker-compose.yml and docs/deploy.md)

ARG RUST_IMAGE=docker.io/library/rust:1.95.0-slim-bookworm
ARG NODE_IMAGE=docker.io/library/node:20-bookworm-slim

# --- wasm-opt: binaryen 132 runs on node (Debian's older binaryen breaks hydration) ---
FROM ${NODE_IMAGE} AS wasm-opt
WORKDIR /tools
RUN npm install --no-audit --no-fund --silent binaryen@132.0.0

# --- builder: the site (WASM release) and the server (static musl release binary) ---
FROM ${RUST_IMAGE} AS builder
SHELL ["/bin/bash", "-o", "pipefail", "-c"]
# musl-gcc builds the bundled SQLite for the static binary.
RUN apt-get update \
    && apt-get install -y --no-install-recommends musl-tools=1.2.3-1 \
    && rm -rf /var/lib/apt/lists/*
RUN rustup target add wasm32-unknown-unknown x86_64-unknown-linux-musl
# wasm-bindgen-cli must equal the wasm-bindgen pin in Cargo.toml (skipped when already there).
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    if [ "$(wasm-bindgen --version 2>/dev/null)" != "wasm-bindgen 0.2.130" ]; then \
      cargo install wasm-bindgen-cli --version 0.2.130; \
    fi
COPY --from=wasm-opt /usr/local/bin/node /usr/local/bin/node
COPY --from=wasm-opt /tools /tools
ENV POTABLE_TOOLS_DIR=/tools
WORKDIR /src
COPY . .
# The commit being built (the context has no .git): recorded in every version trained here.
ARG POTABLE_CODE_REVISION=""
ENV POTABLE_CODE_REVISION=${POTABLE_CODE_REVISION}
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/src/target,sharing=locked \
    scripts/build-site.sh --release \
    && cargo build --release --locked -p potable --target x86_64-unknown-linux-musl \
    && mkdir -p /out/app /out/data/models /out/data/Data-set /out/tmp \
    && cp target/x86_64-unknown-linux-musl/release/potable /out/app/potable \
    && cp -r target/site /out/app/site \
    && cp params.yaml /out/app/params.yaml \
    && chmod 1777 /out/tmp \
    && chown -R 10001:10001 /out/data

# --- runtime: the binary, the site, the parameters; nothing else ---
# /app (root-owned, read-only for the server) holds the program; /data (owned by the server's
# user) is the working folder: models/ and Data-set/ are volumes, metrics.json lands there.
FROM scratch
COPY --from=builder /out/ /
WORKDIR /data
USER 10001:10001
ENV POTABLE_HOST=0.0.0.0 \
    POTABLE_PORT=8080 \
    POTABLE_MODELS_DIR=/data/models \
    POTABLE_DATA=/data/Data-set/water_potability.csv \
    POTABLE_PARAMS=/app/params.yaml \
    POTABLE_TRAIN_IF_MISSING=true \
    POTABLE_LOG_JSON=true \
    LEPTOS_SITE_ROOT=/app/site
VOLUME ["/data/models", "/data/Data-set"]
EXPOSE 8080
# No shell or curl in the image: the binary probes its own /health.
HEALTHCHECK --interval=30s --timeout=5s --start-period=10m --retries=3 \
    CMD ["/app/potable", "healthcheck"]
STOPSIGNAL SIGTERM
ENTRYPOINT ["/app/potable"]
CMD ["serve"]
