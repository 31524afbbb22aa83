#!/usr/bin/env bash
# Builds the browser half of the app into target/site: the hydrate WASM (wasm-bindgen, and
# wasm-opt in release), the stylesheet and the public files.
# Usage: scripts/build-site.sh [--release]
set -euo pipefail
cd "$(dirname "$0")/.."

NAME=potable # must equal LEPTOS_OUTPUT_NAME in .cargo/config.toml
TOOLS_DIR="${POTABLE_TOOLS_DIR:-$HOME/.cache/potable-tools}"
SITE=target/site
PKG=$SITE/pkg

if [ "${1:-}" = "--release" ]; then
  profile=wasm-release
else
  profile=debug
fi
profile_dir=$profile
cargo_profile=()
[ "$profile" = debug ] || cargo_profile=(--profile "$profile")

cargo build -p frontend --lib --target wasm32-unknown-unknown "${cargo_profile[@]}"

mkdir -p "$PKG"
wasm-bindgen --target web --out-name "$NAME" --out-dir "$PKG" \
  "target/wasm32-unknown-unknown/$profile_dir/frontend.wasm"
mv "$PKG/${NAME}_bg.wasm" "$PKG/$NAME.wasm"
if [ "$profile" != debug ]; then
  "$TOOLS_DIR/node_modules/.bin/wasm-opt" -Oz --enable-bulk-memory \
    --enable-nontrapping-float-to-int -o "$PKG/$NAME.wasm" "$PKG/$NAME.wasm"
fi
cp style/main.css "$PKG/$NAME.css"
cp -r public/. "$SITE/"
printf '==> site built in %s (%s, wasm %s bytes)\n' "$SITE" "$profile" "$(stat -c %s "$PKG/$NAME.wasm")" >&2
