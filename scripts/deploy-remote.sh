#!/usr/bin/env bash
# Runs ON the VM (copied there by .github/workflows/deploy.yml; see docs/deploy.md): switches
# the compose service to IMAGE, waits until /ready answers 200, and rolls back to the previous
# image when it does not. The image in service is kept in .env as POTABLE_IMAGE.
# Usage: cd /opt/potable && bash deploy-remote.sh ghcr.io/owner/potable:<commit>
set -euo pipefail
image="${1:?usage: deploy-remote.sh IMAGE}"
port="${POTABLE_PUBLISHED_PORT:-8080}"
wait_seconds="${POTABLE_DEPLOY_WAIT:-600}"
touch .env
previous=$(sed -n 's/^POTABLE_IMAGE=//p' .env)

set_image() {
  grep -v '^POTABLE_IMAGE=' .env >.env.next || true
  echo "POTABLE_IMAGE=$1" >>.env.next
  chmod 600 .env.next
  mv .env.next .env
}

healthy() {
  local deadline=$((SECONDS + wait_seconds))
  while [ $SECONDS -lt $deadline ]; do
    if curl -fsS "http://127.0.0.1:$port/ready" >/dev/null 2>&1; then
      return 0
    fi
    sleep 5
  done
  return 1
}

echo "deploying $image (previous: ${previous:-none})"
docker pull -q "$image"
set_image "$image"
docker compose up -d --remove-orphans
if healthy; then
  echo "deployed $image: /ready answers 200"
  docker image prune -f >/dev/null
  exit 0
fi
echo "error: $image did not become ready within ${wait_seconds}s" >&2
docker compose logs --tail 50 potable >&2 || true
if [ -n "$previous" ]; then
  echo "rolling back to $previous" >&2
  set_image "$previous"
  docker compose up -d --remove-orphans
  healthy && echo "rolled back to $previous: /ready answers 200" >&2
fi
exit 1
