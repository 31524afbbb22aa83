#!/usr/bin/env bash
# Load benchmark of Potable against the Python peer (bench/peer/), all on 127.0.0.1.
#   bash bench/load.sh            # ~4 minutes after the first build; table on stdout and in
#                                 # bench/results.md
# Builds Potable in release mode, trains a model with params.yaml, starts Potable and the peer
# (FastAPI + uvicorn, the original ensemble, venv under ~/.cache/potable-tools/peer-venv) and
# drives both with wrk, 8 connections, POST /predict with the valid case sample:
#   (a) Potable alone, (b) Potable while one retrain and two version switches happen,
#   (c) the peer alone. Also RSS of both servers, Potable's cold start to ready, image size.
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${BENCH_SECONDS:-15}   # seconds per measured run
CONNECTIONS=8
work=$(mktemp -d)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
log() { printf '==> %s\n' "$*" >&2; }

# --- tools -------------------------------------------------------------------------------
command -v wrk >/dev/null || { log "installing wrk (Debian)"; apt-get install -y -qq wrk >/dev/null \
  || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }; }
venv="$HOME/.cache/potable-tools/peer-venv"
if ! "$venv/bin/python" -c 'import fastapi, uvicorn, sklearn, xgboost, pandas, yaml' 2>/dev/null; then
  log "creating the peer's venv from PyPI ($venv)"
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q -r bench/peer/requirements.txt
fi

# --- build, data, model ---------------------------------------------------------------------
log "building Potable (release)"
cargo build -q --release -p potable
bin=target/release/potable
$bin --quiet fetch-data
log "training a model with params.yaml"
$bin --quiet train --params params.yaml --models-dir "$work/models" --notes "bench model" >/dev/null
site=target/site; [ -d "$site" ] || site="$work"

# --- helpers ---------------------------------------------------------------------------------
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
now_ms() { date +%s%3N; }
rss_mb() { awk '/^VmRSS/ {printf "%.1f", $2/1024}' "/proc/$1/status"; }
wait_ok() { # url timeout_s
  local end=$(($(date +%s) + $2))
  until curl -fsS -o /dev/null "$1" 2>/dev/null; do
    [ "$(date +%s)" -lt "$end" ] || { log "no answer from $1"; return 1; }
    sleep 0.005
  done
}
run_wrk() { # url seconds -> "requests rps p50_ms p99_ms failed"
  wrk -t2 -c$CONNECTIONS -d"$2"s --timeout 5s -s bench/predict.lua "$1/predict" | awk '/^RESULT/ {print $2, $3, $4, $5, $6}'
}

# --- Potable: cold start ---------------------------------------------------------------------
port=$(free_port)
url="http://127.0.0.1:$port"
t0=$(now_ms)
$bin --quiet serve --port "$port" --models-dir "$work/models" --site-root "$site" >"$work/potable.log" 2>&1 &
potable_pid=$!; pids+=("$potable_pid")
ready_path=/ready; wait_ok "$url/health" 30
curl -fsS -o /dev/null "$url/ready" 2>/dev/null || ready_path=/health
wait_ok "$url$ready_path" 30
cold_ms=$(($(now_ms) - t0))
log "Potable ready in ${cold_ms} ms (first 200 on $ready_path)"

# --- peer ------------------------------------------------------------------------------------
peer_port=$(free_port)
peer="http://127.0.0.1:$peer_port"
log "starting the Python peer (trains its ensemble first, ~30 s; waited for)"
PEER_DATA=Data-set/water_potability.csv PEER_PARAMS=bench/original-params.yaml \
  "$venv/bin/uvicorn" app:app --app-dir bench/peer --host 127.0.0.1 --port "$peer_port" \
  --log-level warning >"$work/peer.log" 2>&1 &
peer_pid=$!; pids+=("$peer_pid")
# Wait for the peer's training to end, so it does not take CPU from Potable's runs.
wait_ok "$peer/health" 300

# --- (a) Potable alone -----------------------------------------------------------------------
log "(a) Potable /predict, $CONNECTIONS connections, ${DURATION}s"
run_wrk "$url" 2 >/dev/null # warm-up
read -r a_n a_rps a_p50 a_p99 a_fail < <(run_wrk "$url" "$DURATION")
potable_rss=$(rss_mb "$potable_pid")

# --- (b) Potable during a retrain and two switches ---------------------------------------------
active=$(curl -fsS "$url/health" | python3 -c 'import json,sys; print(json.load(sys.stdin)["model_version"])')
sample='{"ph":7.0,"Hardness":200.0,"Solids":20000.0,"Chloramines":7.5,"Sulfate":350.0,"Conductivity":400.0,"Organic_carbon":14.0,"Trihalomethanes":70.0,"Turbidity":4.0}'
b_note=""
events() { # one retrain (with one feedback row), then two switches, while wrk runs
  sleep 2
  local code
  code=$(curl -s -o "$work/retrain.json" -w '%{http_code}' -XPOST "$url/retrain" \
    -H 'content-type: application/json' -d "{\"water_quality\":$sample,\"actual_potability\":1}")
  echo "retrain $code $(head -c 160 "$work/retrain.json")" >>"$work/events"
  sleep 1
  for _ in $(seq 1 1200); do # the retrain runs in the background: wait up to 10 minutes
    curl -fsS "$url/retrain/status" 2>/dev/null | grep -q '"running":true' || break
    sleep 0.5
  done
  echo "retrain-finished $(curl -fsS "$url/retrain/status" | head -c 200)" >>"$work/events"
  # Switch away from whichever version the retrain left active, then back.
  local newest current other
  newest=$(curl -fsS "$url/models/versions" | python3 -c 'import json,sys; print(json.load(sys.stdin)["versions"][-1]["version"])' 2>/dev/null || echo "$active")
  current=$(curl -fsS "$url/health" | python3 -c 'import json,sys; print(json.load(sys.stdin)["model_version"])')
  other=$newest; [ "$current" != "$newest" ] || other=$active
  for target in "$other" "$current"; do
    code=$(curl -s -o "$work/switch.json" -w '%{http_code}' -XPOST "$url/models/switch" \
      -H 'content-type: application/json' -d "{\"version\":\"$target\",\"reason\":\"benchmark\"}")
    echo "switch-to-$target $code $(head -c 120 "$work/switch.json")" >>"$work/events"
    sleep 2
  done
}
log "(b) Potable /predict during one retrain and two version switches (until they are done)"
wrk -t2 -c$CONNECTIONS -d600s --timeout 5s -s bench/predict.lua "$url/predict" >"$work/wrk-b" &
wrk_pid=$!; pids+=("$wrk_pid")
events
kill -INT "$wrk_pid"; wait "$wrk_pid" || true
read -r b_n b_rps b_p50 b_p99 b_fail < <(awk '/^RESULT/ {print $2, $3, $4, $5, $6}' "$work/wrk-b")
cat "$work/events" >&2
grep -q '^retrain 20[02]' "$work/events" && [ "$(grep -c '^switch-to-.* 200' "$work/events")" -eq 2 ] \
  || b_note=" (the retrain/switch endpoints did not all answer 2xx: see the event lines above)"
potable_rss_after=$(rss_mb "$potable_pid")

# --- (c) the Python peer -----------------------------------------------------------------------
log "(c) Python peer /predict, $CONNECTIONS connections, ${DURATION}s"
run_wrk "$peer" 2 >/dev/null # warm-up
read -r c_n c_rps c_p50 c_p99 c_fail < <(run_wrk "$peer" "$DURATION")
peer_rss=$(rss_mb "$peer_pid")

# --- image -------------------------------------------------------------------------------------
image="not built here"
# scripts/container-check.sh keeps its image store under ~/.cache/potable-container.
store="${POTABLE_CONTAINER_DIR:-$HOME/.cache/potable-container}"
if [ -f "$store/storage.conf" ]; then
  export CONTAINERS_CONF="$store/containers.conf" CONTAINERS_STORAGE_CONF="$store/storage.conf"
fi
if command -v podman >/dev/null; then
  for name in potable:ci localhost/potable:ci potable:latest localhost/potable:latest; do
    size=$(podman image inspect "$name" --format '{{.Size}}' 2>/dev/null || true)
    [ -n "$size" ] && { image="$(awk -v b="$size" 'BEGIN {printf "%.1f MB", b/1e6}') ($name)"; break; }
  done
fi

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.0fx", a/b; else print "n/a" }'; }
table=$(cat <<EOF
| measurement (8 connections, ${DURATION} s, wrk on 127.0.0.1, $(nproc) cores) | Potable | Python peer | ratio |
| --- | --- | --- | --- |
| /predict throughput (requests/s) | $a_rps | $c_rps | $(ratio "$a_rps" "$c_rps") |
| /predict p50 latency (ms) | $a_p50 | $c_p50 | $(ratio "$c_p50" "$a_p50") lower |
| /predict p99 latency (ms) | $a_p99 | $c_p99 | $(ratio "$c_p99" "$a_p99") lower |
| requests / failed | $a_n / $a_fail | $c_n / $c_fail | |
| during 1 retrain + 2 switches: requests/s, p50, p99 (ms), failed | $b_rps, $b_p50, $b_p99, $b_fail of $b_n$b_note | | |
| RSS after load (MB) | $potable_rss (after retrain: $potable_rss_after) | $peer_rss | |
| cold start to first 200 on $ready_path (ms) | $cold_ms | | |
| image size | $image | | |
EOF
)
echo "$table" | tee bench/results.md
