#!/usr/bin/env bash
# Runs check.mjs (the official OpenAI SDK for Node, unmodified) against a running platform:
# starts it with bin/platform up if needed, registers the demo base model when missing, creates a
# tenant and key with the admin API, installs the SDK from the lockfile, and runs the checks.
# Needs node 20+, npm, curl and jq.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
HOME_DIR="${LORAFORGE_HOME:-$ROOT/.loraforge}"
API="http://127.0.0.1:${LORAFORGE_JOBAPI_PORT:-8080}"
STORE="http://127.0.0.1:${LORAFORGE_ARTIFACT_STORE_PORT:-8081}"
MODEL=loraforge-tiny

curl -fsS "$API/q/health/ready" >/dev/null 2>&1 || "$ROOT/bin/platform" up
ADMIN="${JOBAPI_ADMIN_KEY:-$(cat "$HOME_DIR/admin-key")}"
STORE_AUTH="Authorization: Bearer $("$ROOT/bin/platform" token artifact-store)" # an operator's service token
if ! curl -fsS -H "$STORE_AUTH" "$STORE/api/v1/base-models/$MODEL" >/dev/null 2>&1; then
  dir="$HOME_DIR/models/$MODEL"
  [[ -f "$dir/config.json" ]] || "$ROOT/bin/tune" init-model --preset tiny --out "$dir" >/dev/null
  curl -fsS -X POST "$STORE/api/v1/base-models" -H "$STORE_AUTH" -H 'Content-Type: application/json' \
    -d "{\"name\":\"$MODEL\",\"path\":\"$dir\"}" >/dev/null
fi
tenant=$(curl -fsS -X POST "$API/admin/v1/tenants" -H "Authorization: Bearer $ADMIN" -H 'Content-Type: application/json' \
  -d "{\"name\":\"sdk-$(date +%s)\",\"max_running_jobs\":2}" | jq -r .id)
key=$(curl -fsS -X POST "$API/admin/v1/tenants/$tenant/api_keys" -H "Authorization: Bearer $ADMIN" \
  -H 'Content-Type: application/json' -d '{}' | jq -r .key)
cd "$HERE"
npm ci --no-audit --no-fund >/dev/null
OPENAI_BASE_URL="$API/v1" OPENAI_API_KEY="$key" LORAFORGE_BASE_MODEL="$MODEL" node check.mjs
