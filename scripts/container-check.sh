#!/usr/bin/env bash
# Builds the image from the real Dockerfile without a Docker engine (buildah, chroot isolation),
# starts it with podman on 127.0.0.1 on an empty models volume and the data volume, waits for the
# first-start training, checks /health, /ready, /predict, /metrics and the image's own
# HEALTHCHECK command, stops it (SIGTERM) and prints the image size.
#
# No image registry is reachable here, so the base images the Dockerfile names are made locally
# once (debootstrap + the host's Rust toolchain and node) and kept, with the build's layer and
# cargo caches, under $POTABLE_CONTAINER_DIR (default ~/.cache/potable-container): a second run
# only recompiles what changed. Needs root. Usage: scripts/container-check.sh
set -euo pipefail
cd "$(dirname "$0")/.."

STATE="${POTABLE_CONTAINER_DIR:-$HOME/.cache/potable-container}"
IMAGE=localhost/potable:ci
DEBIAN=docker.io/library/debian:bookworm-slim
RUST=docker.io/library/rust:1.95.0-slim-bookworm # = ARG RUST_IMAGE in the Dockerfile
NODE=docker.io/library/node:20-bookworm-slim      # = ARG NODE_IMAGE in the Dockerfile
MIRROR="${POTABLE_DEBIAN_MIRROR:-http://deb.debian.org/debian}"
NAME="potable-check-$$"
start=$(date +%s)
step() { printf '==> [%4ss] %s\n' "$(($(date +%s) - start))" "$*" >&2; }

need=()
for tool in buildah podman runc debootstrap curl; do
  command -v "$tool" >/dev/null || need+=("$tool")
done
if [ ${#need[@]} -gt 0 ]; then
  step "installing ${need[*]} from Debian"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq "${need[@]}" >/dev/null
fi

# Configuration that fits this VM, through environment variables (nothing under /etc):
# runc (crun fails on hybrid cgroups), cgroupfs, overlay storage in our own folder.
mkdir -p "$STATE"
cat >"$STATE/containers.conf" <<EOF
[containers]
default_ulimits = ["nofile=8192:8192", "nproc=8192:8192"]
[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"
EOF
cat >"$STATE/storage.conf" <<EOF
[storage]
driver = "overlay"
graphroot = "$STATE/storage"
runroot = "$STATE/run"
EOF
export CONTAINERS_CONF="$STATE/containers.conf" CONTAINERS_STORAGE_CONF="$STATE/storage.conf"
export TMPDIR="$STATE/tmp" # buildah keeps its RUN --mount=type=cache folders here
mkdir -p "$TMPDIR"

have() { podman image exists "$1"; }

if ! have "$DEBIAN"; then
  step "making $DEBIAN with debootstrap (once)"
  rootfs="$STATE/rootfs-debian"
  rm -rf "$rootfs"
  debootstrap --variant=minbase bookworm "$rootfs" "$MIRROR" >/dev/null
  rm -rf "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/cache/apt/*.bin
  tar -C "$rootfs" -c . | podman import -q - "$DEBIAN" >/dev/null
  rm -rf "$rootfs"
fi

# Stand-in for the official Rust image: gcc + libc6-dev + the host's toolchain, laid out as the
# official image lays it out (RUSTUP_HOME=/usr/local/rustup, CARGO_HOME=/usr/local/cargo).
if ! have "$RUST"; then
  step "making $RUST from the host's Rust toolchain (once)"
  ctr=$(buildah from --pull=never "$DEBIAN")
  buildah run --isolation chroot "$ctr" -- sh -c 'apt-get update -qq &&
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
      gcc libc6-dev ca-certificates >/dev/null && rm -rf /var/lib/apt/lists/*'
  root=$(buildah mount "$ctr")
  rustup_home="${RUSTUP_HOME:-$HOME/.rustup}"
  toolchain=$(rustup show active-toolchain | awk '{print $1}')
  mkdir -p "$root/usr/local/rustup/toolchains" "$root/usr/local/cargo/bin"
  tar -C "$(readlink -f "$rustup_home/toolchains/$toolchain")" --exclude=./share/doc -c . |
    tar -C "$root/usr/local/rustup/toolchains" --one-top-level="$toolchain" -x
  printf 'version = "12"\ndefault_toolchain = "%s"\nprofile = "minimal"\n' "$toolchain" \
    >"$root/usr/local/rustup/settings.toml"
  cp -a "${CARGO_HOME:-$HOME/.cargo}/bin/." "$root/usr/local/cargo/bin/"
  cp /etc/ssl/certs/ca-certificates.crt "$root/etc/ssl/certs/ca-certificates.crt"
  buildah umount "$ctr" >/dev/null
  buildah config --env RUSTUP_HOME=/usr/local/rustup --env CARGO_HOME=/usr/local/cargo \
    --env PATH=/usr/local/cargo/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin "$ctr"
  buildah commit -q "$ctr" "$RUST" >/dev/null
  buildah rm "$ctr" >/dev/null
fi

# Stand-in for the official node image: the host's node and npm under /usr/local.
if ! have "$NODE"; then
  step "making $NODE from the host's node (once)"
  ctr=$(buildah from --pull=never "$DEBIAN")
  root=$(buildah mount "$ctr")
  mkdir -p "$root/usr/local/bin" "$root/usr/local/lib/node_modules" "$root/etc/ssl/certs"
  cp "$(command -v node)" "$root/usr/local/bin/node"
  cp -a "$(npm root -g)/npm" "$root/usr/local/lib/node_modules/npm"
  ln -s ../lib/node_modules/npm/bin/npm-cli.js "$root/usr/local/bin/npm"
  cp /etc/ssl/certs/ca-certificates.crt "$root/etc/ssl/certs/ca-certificates.crt"
  buildah umount "$ctr" >/dev/null
  # This network re-signs TLS: node must trust the host's bundle, not only its built-in one.
  buildah config --env NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt "$ctr"
  buildah commit -q "$ctr" "$NODE" >/dev/null
  buildah rm "$ctr" >/dev/null
fi

step "building $IMAGE from ./Dockerfile (buildah bud, chroot isolation, layers cached)"
build_start=$(date +%s)
buildah bud --isolation chroot --pull=never --format docker --layers -q \
  --build-arg POTABLE_CODE_REVISION="$(git rev-parse --short=12 HEAD 2>/dev/null || true)" \
  -t "$IMAGE" . >/dev/null
build_seconds=$(($(date +%s) - build_start))
size=$(podman image inspect --format '{{.Size}}' "$IMAGE")
step "built in ${build_seconds}s, image size $size bytes ($((size / 1024 / 1024)) MiB)"
if [ "$size" -ge $((50 * 1024 * 1024)) ]; then
  echo "error: the image is $size bytes, over the 50 MB target" >&2
  exit 1
fi

# First start on an empty models volume: the entrypoint trains from the data volume (fast test
# parameters here), then serves.
[ -f Data-set/water_potability.csv ] || {
  echo "error: Data-set/water_potability.csv is missing: run \`potable fetch-data\` first" >&2
  exit 1
}
models=$(mktemp -d)
chown 10001:10001 "$models"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
cleanup() {
  podman rm -f -t 0 "$NAME" >/dev/null 2>&1 || true
  rm -rf "$models"
}
trap cleanup EXIT
step "starting it on 127.0.0.1:$port (empty models volume, data volume read-only)"
podman run -d --name "$NAME" -p "127.0.0.1:$port:8080" \
  -v "$PWD/Data-set:/data/Data-set:ro" -v "$models:/data/models" \
  -v "$PWD/tests/fixtures/params-fast.yaml:/app/params-fast.yaml:ro" \
  -e POTABLE_PARAMS=/app/params-fast.yaml -e POTABLE_ADMIN_TOKEN=container-check \
  "$IMAGE" >/dev/null

url="http://127.0.0.1:$port"
fail() {
  echo "error: $*" >&2
  podman logs "$NAME" 2>&1 | tail -n 30 >&2
  exit 1
}
ready=""
for _ in $(seq 1 300); do
  if curl -fsS "$url/ready" >/dev/null 2>&1; then
    ready=yes
    break
  fi
  [ "$(podman inspect --format '{{.State.Running}}' "$NAME")" = true ] || fail "the container exited"
  sleep 1
done
[ -n "$ready" ] || fail "/ready did not answer 200 within 300 s"
step "ready: $(curl -fsS "$url/ready")"

health=$(curl -fsS "$url/health") || fail "/health failed"
grep -q '"status":"ok"' <<<"$health" || fail "unexpected /health body: $health"
step "health: $health"

sample='{"ph":7.0,"Hardness":200.0,"Solids":20000.0,"Chloramines":7.5,"Sulfate":350.0,"Conductivity":400.0,"Organic_carbon":14.0,"Trihalomethanes":70.0,"Turbidity":4.0}'
prediction=$(curl -fsS -H 'content-type: application/json' -d "$sample" "$url/predict") ||
  fail "/predict failed"
grep -Eq '"potability":[01],' <<<"$prediction" || fail "unexpected /predict body: $prediction"
step "predict: $prediction"

# Read whole bodies into variables before grep -q: in a pipe, grep -q can exit on the first match
# while the writer is still writing, and under pipefail that SIGPIPE would fail a good run.
metrics=$(curl -fsS "$url/metrics") || fail "/metrics failed"
grep -q '^potable_http_requests_total{.*route="/predict"' <<<"$metrics" ||
  fail "/metrics lacks the /predict request counter"
podman exec "$NAME" /app/potable healthcheck >/dev/null || fail "the HEALTHCHECK command failed"
step "metrics and the image's HEALTHCHECK command answer"

stop_start=$(date +%s%N)
podman stop -t 20 "$NAME" >/dev/null
stop_ms=$((($(date +%s%N) - stop_start) / 1000000))
code=$(podman inspect --format '{{.State.ExitCode}}' "$NAME")
[ "$code" = 0 ] || fail "the server exited with $code after SIGTERM"
logs=$(podman logs "$NAME" 2>&1)
grep -q '"shut down"' <<<"$logs" || fail "no graceful shutdown in the logs"
step "stopped by SIGTERM in ${stop_ms} ms, exit code 0"
step "container check passed: image $IMAGE, $size bytes, build ${build_seconds}s"
