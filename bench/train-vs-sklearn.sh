#!/usr/bin/env bash
# Potable vs scikit-learn + xgboost on the same stratified 10 folds of water_potability.csv.
# Builds Potable (release), prepares a Python venv from PyPI under ~/.cache/potable-tools and
# runs bench/train_vs_sklearn.py, which prints the side-by-side table. Idempotent.
set -euo pipefail
cd "$(dirname "$0")/.."
venv="$HOME/.cache/potable-tools/bench-venv"
if ! "$venv/bin/python" -c 'import sklearn, xgboost, numpy, pandas, yaml' 2>/dev/null; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q --upgrade pip
  "$venv/bin/pip" install -q 'scikit-learn>=1.5,<2' 'xgboost>=2,<4' numpy pandas pyyaml
fi
cargo build -q --release -p potable
[ -f Data-set/water_potability.csv ] || target/release/potable --quiet fetch-data
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$venv/bin/python" bench/train_vs_sklearn.py --potable "$PWD/target/release/potable" \
  --data "$PWD/Data-set/water_potability.csv" --original "$PWD/bench/original-params.yaml" \
  --default "$PWD/params.yaml" --work "$work"
