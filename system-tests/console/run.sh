#!/usr/bin/env bash
# Drives the web console in Debian's headless Chromium (console.spec.mjs, playwright-core) against
# a running platform: starts it with bin/platform up if needed (and stops it again at the end,
# unless LORAFORGE_KEEP_PLATFORM=1), registers the demo base model when missing, creates a tenant
# and key with the admin API, installs playwright-core from the lockfile, and runs the spec.
# Screenshots land in system-tests/console/screenshots/. Needs node 20+, npm, curl, jq and
# /usr/bin/chromium (Debian: apt-get install chromium).
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
HOME_DIR="${LORAFORGE_HOME:-$ROOT/.loraforge}"
API="http://127.0.0.1:${LORAFORGE_JOBAPI_PORT:-8080}"
STORE="http://127.0.0.1:${LORAFORGE_ARTIFACT_STORE_PORT:-8081}"
MODEL=loraforge-tiny
CHROMIUM="${CHROMIUM:-/usr/bin/chromium}"

[[ -x "$CHROMIUM" ]] || { echo "run.sh: $CHROMIUM is missing; install Debian's Chromium: apt-get install -y chromium" >&2; exit 2; }
if ! curl -fsS "$API/q/health/ready" >/dev/null 2>&1; then
  "$ROOT/bin/platform" up
  [[ "${LORAFORGE_KEEP_PLATFORM:-}" == 1 ]] || trap '"$ROOT/bin/platform" down' EXIT
fi
ADMIN="${JOBAPI_ADMIN_KEY:-$(cat "$HOME_DIR/admin-key")}"
STORE_AUTH="Authorization: Bearer $("$ROOT/bin/platform" token artifact-store)" # an operator's service token
if ! curl -fsS -H "$STORE_AUTH" "$STORE/api/v1/base-models/$MODEL" >/dev/null 2>&1; then
  dir="$HOME_DIR/models/$MODEL"
  [[ -f "$dir/config.json" ]] || "$ROOT/bin/tune" init-model --preset tiny --out "$dir" >/dev/null
  curl -fsS -X POST "$STORE/api/v1/base-models" -H "$STORE_AUTH" -H 'Content-Type: application/json' \
    -d "{\"name\":\"$MODEL\",\"path\":\"$dir\"}" >/dev/null
fi
tenant=$(curl -fsS -X POST "$API/admin/v1/tenants" -H "Authorization: Bearer $ADMIN" -H 'Content-Type: application/json' \
  -d "{\"name\":\"console-$(date +%s)\",\"max_running_jobs\":2}" | jq -r .id)
key=$(curl -fsS -X POST "$API/admin/v1/tenants/$tenant/api_keys" -H "Authorization: Bearer $ADMIN" \
  -H 'Content-Type: application/json' -d '{"name":"console-e2e"}' | jq -r .key)
cd "$HERE"
npm ci --no-audit --no-fund >/dev/null
CONSOLE_URL="$API" CONSOLE_API_KEY="$key" CONSOLE_BASE_MODEL="$MODEL" CHROMIUM="$CHROMIUM" \
  CONSOLE_DATASET="${CONSOLE_DATASET:-$ROOT/tuning-engine/src/main/resources/dev/loraforge/engine/fixtures/pirate.jsonl}" \
  node console.spec.mjs
