#!/usr/bin/env bash
# One command from a fresh machine to a running Potable on http://127.0.0.1:3000 :
# installs missing tools, builds the site and the server (release), puts the verified data set
# in place and starts the server, which trains a first model when no usable version is
# registered (a fresh registry, or one whose versions an older Potable saved).
# Idempotent: every step skips work already done. Extra arguments go to `potable serve`.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/tools.sh
scripts/build-site.sh --release
cargo build --release -p potable
BIN=target/release/potable
"$BIN" fetch-data
exec "$BIN" serve --train-if-missing --site-root target/site "$@"
