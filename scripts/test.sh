#!/usr/bin/env bash
# Runs every test of Potable from a fresh machine: installs what is missing, checks formatting
# and lints, builds the site, runs the Rust unit and API tests and the headless-browser tests.
# Idempotent; .ci/run calls this, then scripts/container-check.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
start=$(date +%s)
step() { printf '\n==> [%4ss] %s\n' "$(($(date +%s) - start))" "$*"; }

step "tools"
scripts/tools.sh --browser
rustup component list --installed | grep -q '^rustfmt' || rustup component add rustfmt clippy

step "data"
cargo build -q -p potable
target/debug/potable fetch-data --quiet

step "format and lints"
cargo fmt --all -- --check
cargo clippy -q -p potable -p app -p potable-core -p potable-schema --all-targets -- -D warnings
cargo clippy -q -p frontend --target wasm32-unknown-unknown -- -D warnings

step "site (WASM)"
scripts/build-site.sh

step "Rust tests (unit, API against a real server on 127.0.0.1)"
cargo test -p potable -p app -p potable-core -p potable-schema

step "DVC pipeline (dvc repro twice, params and metrics diff)"
scripts/dvc-test.sh target/debug/potable

step "deployment files (hadolint, actionlint, zizmor, schemas, yamllint, compose config)"
scripts/lint-deploy.sh

step "browser tests (headless Chromium)"
models=$(mktemp -d)
trap 'rm -rf "$models"' EXIT
target/debug/potable --quiet train --models-dir "$models" --params tests/fixtures/params-fast.yaml \
  --notes "browser test model"
(cd tests/browser && npm ci --no-audit --no-fund --silent)
POTABLE_TEST_MODELS="$models" node --test tests/browser/

step "all tests passed"
