#!/usr/bin/env bash
# Job flow benchmark (prints figures; not a test). Against a running platform (bin/platform up):
#   1. job-create throughput and latency (p50, p99) on loopback with wrk;
#   2. time from create to the first training step, on an idle trainer;
#   3. progress-event latency from the trainer (its CloudEvent time) to an SSE client.
# Settings: BENCH_CONNECTIONS [16], BENCH_DURATION [15s], BENCH_RUNS [3], LORAFORGE_* ports as bin/platform.
# Measures throughput, so start the platform without job-api's per-tenant rate limits:
#   JOBAPI_RATE_LIMITS_CREATES_PER_MINUTE=0 JOBAPI_RATE_LIMITS_UPLOADS_PER_MINUTE=0 bin/platform up
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
HOME_DIR="${LORAFORGE_HOME:-$ROOT/.loraforge}"
API="http://127.0.0.1:${LORAFORGE_JOBAPI_PORT:-8080}"
STORE="http://127.0.0.1:${LORAFORGE_ARTIFACT_STORE_PORT:-8081}"
MODEL=loraforge-tiny
for tool in wrk jq curl; do
  command -v "$tool" >/dev/null || { echo "bench: needs $tool (Debian: apt-get install $tool)" >&2; exit 1; }
done
[[ "$(curl -s -o /dev/null -w '%{http_code}' "$API/q/health/ready")" == 200 ]] \
  || { echo "bench: job-api is not up at $API; run bin/platform up first" >&2; exit 1; }
ADMIN_KEY="${JOBAPI_ADMIN_KEY:-$(cat "$HOME_DIR/admin-key")}"

admin() { curl -sS -H "Authorization: Bearer $ADMIN_KEY" -H 'Content-Type: application/json' "$@"; }
tenant_key() { # NAME MAX_RUNNING MAX_QUEUED
  local id
  id=$(admin -X POST "$API/admin/v1/tenants" -d "{\"name\":\"$1\",\"max_running_jobs\":$2,\"max_queued_jobs\":$3}" | jq -r .id)
  admin -X POST "$API/admin/v1/tenants/$id/api_keys" -d '{}' | jq -r .key
}
upload() { # KEY -> file id
  curl -sS -H "Authorization: Bearer $1" -F purpose=fine-tune \
    -F "file=@$ROOT/tuning-engine/src/main/resources/dev/loraforge/engine/fixtures/pirate.jsonl" "$API/v1/files" | jq -r .id
}

MODEL_DIR="$HOME_DIR/models/$MODEL"
[[ -f "$MODEL_DIR/config.json" ]] || "$ROOT/bin/tune" init-model --preset tiny --out "$MODEL_DIR" >/dev/null
curl -sS -X POST -H 'Content-Type: application/json' -H "Authorization: Bearer $("$ROOT/bin/platform" token artifact-store)" \
  "$STORE/api/v1/base-models" \
  -d "{\"name\":\"$MODEL\",\"path\":\"$MODEL_DIR\"}" >/dev/null
stamp=$(date +%s)
echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB; job-api $API"

# --- 1. create throughput and latency ------------------------------------------------------------
KEY=$(tenant_key "bench-create-$stamp" 1 10000000)
FILE=$(upload "$KEY")
LUA=$(mktemp --suffix=.lua)
cat > "$LUA" <<LUA
wrk.method = "POST"
wrk.headers["Authorization"] = "Bearer $KEY"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"model":"$MODEL","training_file":"$FILE","hyperparameters":{"n_epochs":1}}'
done = function(summary, latency, requests)
  io.write(string.format("BENCH created=%d errors=%d non2xx=%d rps=%.1f p50_ms=%.2f p99_ms=%.2f max_ms=%.2f\n",
    summary.requests, summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    summary.errors.status, summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, latency.max / 1000))
end
LUA
echo "1. job create: wrk -t2 -c${BENCH_CONNECTIONS:-16} -d${BENCH_DURATION:-15s} POST /v1/fine_tuning/jobs"
wrk -t2 -c"${BENCH_CONNECTIONS:-16}" -d"${BENCH_DURATION:-15s}" -s "$LUA" "$API/v1/fine_tuning/jobs" | grep '^BENCH' \
  | sed 's/^BENCH /   /'
rm -f "$LUA"
# the benchmark's jobs would train one by one: cancel them
open_jobs() { # every job of the benchmark tenant not ended yet, walking all pages
  local after="" page
  while :; do
    page=$(curl -sS -H "Authorization: Bearer $KEY" "$API/v1/fine_tuning/jobs?limit=100${after:+&after=$after}")
    jq -r '.data[] | select(.status != "cancelled" and .status != "succeeded" and .status != "failed") | .id' <<<"$page"
    [[ "$(jq -r .has_more <<<"$page")" == true ]] || break
    after=$(jq -r '.data[-1].id' <<<"$page")
  done
}
ids=$(open_jobs)
while [[ -n "$ids" ]]; do
  echo "$ids" | xargs -P 8 -I{} curl -sS -o /dev/null -X POST -H "Authorization: Bearer $KEY" "$API/v1/fine_tuning/jobs/{}/cancel"
  ids=$(open_jobs)
done
# part 2 wants an idle trainer: wait until none of the benchmark's jobs runs any more
for _ in $(seq 1 120); do
  running=$(curl -sS -H "Authorization: Bearer $KEY" "$API/v1/fine_tuning/jobs?limit=100" \
    | jq '[.data[] | select(.status == "running")] | length')
  [[ "$running" == 0 ]] && break
  sleep 1
done
echo "   (benchmark jobs cancelled)"

# --- 2 and 3. create to first step; trainer to SSE latency ---------------------------------------
KEY=$(tenant_key "bench-step-$stamp" 1 100)
FILE=$(upload "$KEY")
LAT=$(mktemp)
echo "2. create -> first training step (idle trainer, tiny model), ${BENCH_RUNS:-3} runs:"
for run in $(seq 1 "${BENCH_RUNS:-3}"); do
  t0=$(date +%s%3N)
  job=$(curl -sS -H "Authorization: Bearer $KEY" -H 'Content-Type: application/json' "$API/v1/fine_tuning/jobs" \
    -d "{\"model\":\"$MODEL\",\"training_file\":\"$FILE\",\"hyperparameters\":{\"n_epochs\":3}}" | jq -r .id)
  first=""
  while IFS= read -r line; do
    [[ "$line" == data:* ]] || continue
    now=$(date +%s%3N)
    emitted=$(jq -r '.data.emitted_at_ms // empty' <<<"${line#data:}")
    if [[ -n "$emitted" ]]; then
      echo $((now - emitted)) >> "$LAT"
      [[ -n "$first" ]] || first=$((now - t0))
    fi
  done < <(curl -sS -N -m 600 -H "Authorization: Bearer $KEY" "$API/v1/fine_tuning/jobs/$job/events/stream")
  status=$(curl -sS -H "Authorization: Bearer $KEY" "$API/v1/fine_tuning/jobs/$job" | jq -r .status)
  echo "   run $run: ${first:-?} ms to the first step event at the client (job $status)"
done
sort -n "$LAT" | awk '{a[NR]=$1} END {if (NR) printf "3. trainer -> SSE client, %d progress events: p50 %d ms, p99 %d ms, max %d ms\n", NR, a[(int(NR*0.5)+1>NR)?NR:int(NR*0.5)+1], a[(int(NR*0.99)+1>NR)?NR:int(NR*0.99)+1], a[NR]}'
rm -f "$LAT"
