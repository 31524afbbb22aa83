#!/usr/bin/env bash
# Tests dvc.yaml with real DVC (from PyPI, in a venv cached under ~/.cache/potable-tools):
# copies the pipeline files into a throw-away git repository, runs `dvc repro` twice (the
# second must run nothing), then edits a param and checks that `dvc params diff` and, after
# `dvc repro`, `dvc metrics diff` show the change. Uses the debug `potable` binary and the
# fast test params. Usage: scripts/dvc-test.sh [path/to/potable]
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
bin=$(realpath "${1:-target/debug/potable}")
venv="$HOME/.cache/potable-tools/dvc-venv"
if ! "$venv/bin/dvc" --version >/dev/null 2>&1; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q --upgrade pip
  "$venv/bin/pip" install -q 'dvc>=3,<4'
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/bin" "$work/repo/Data-set"
ln -s "$bin" "$work/bin/potable"
export PATH="$work/bin:$venv/bin:$PATH"
cd "$work/repo"
cp "$root/dvc.yaml" .
cp "$root/tests/fixtures/params-fast.yaml" params.yaml
cp "$root"/Data-set/{water_potability,test_dataset}.csv Data-set/
fail() { echo "dvc test FAILED: $*" >&2; exit 1; }
git init -q
git config user.email dvc-test@localhost
git config user.name "dvc test"
dvc init -q
dvc config core.analytics false
printf 'Data-set/\n' >> .gitignore
git add -A && git commit -qm "pipeline"

export POTABLE_QUIET=true
dvc repro > first.log 2>&1 || { cat first.log; fail "first dvc repro"; }
for stage in validate preprocess train evaluate predict; do
  grep -q "Running stage '$stage'" first.log || { cat first.log; fail "stage $stage did not run"; }
done
for out in validation.json artifacts/preprocessed.json artifacts/models/registry.json metrics.json predictions.csv; do
  [ -s "$out" ] || fail "$out missing after dvc repro"
done
dvc repro > second.log 2>&1 || { cat second.log; fail "second dvc repro"; }
grep -q "Running stage" second.log && { cat second.log; fail "second dvc repro ran a stage"; }
grep -q "Data and pipelines are up to date" second.log || { cat second.log; fail "second dvc repro is not up to date"; }
git add -A && git commit -qm "first run"

sed -i 's/n_estimators: 40/n_estimators: 60/' params.yaml
dvc params diff > params.diff
grep -q 'train.random_forest.n_estimators *40 *60' params.diff || { cat params.diff; fail "dvc params diff"; }
dvc repro > third.log 2>&1 || { cat third.log; fail "dvc repro after the params edit"; }
grep -q "Running stage 'validate'" third.log && fail "validate reran without a change"
grep -q "Running stage 'train'" third.log || { cat third.log; fail "train did not rerun"; }
dvc metrics diff > metrics.diff
grep -q 'test.accuracy' metrics.diff || { cat metrics.diff; fail "dvc metrics diff shows no accuracy change"; }
echo "dvc: repro twice (second up to date), params diff and metrics diff after an edit: ok"
sed -n '1,3p' params.diff
grep -E 'test\.(accuracy|roc_auc) ' metrics.diff || true
