#!/usr/bin/env bash
# Job flow benchmark (prints figures; not a test). Against a running platform (bin/platform up):
#   1. job-create throughput and latency (p50, p99) on loopback with wrk;
#   2. time from create to the first training step, on an idle trainer;
#   3. progress-event latency from the trainer (its CloudEvent time) to an SSE client;
#   4. the same with BENCH_SSE_CLIENTS [1000] clients following one job at once (node bench/sse-clients.mjs),
#      BENCH_SSE_RUNS [3] times, one job each (the first run is the cold one).
# Part 1 runs twice: creates spread over 16 tenants, then all for one tenant.
# Part 1 runs with each connection count of BENCH_CONNECTIONS ["8 16"]: wrk's connections are a closed loop (each sends
# its next create when the last is answered), so 8 measure the latency at the machine's throughput, and 16 how the
# extra clients mostly queue once it is saturated (on 2 cores: 0-25% more creates/s, about twice the p99).
# Settings: BENCH_DURATION [15s] (after BENCH_WARMUP [15s] not counted: a fresh job-api compiles its create path first), BENCH_RUNS [3], BENCH_PARTS ["1 2 4": which parts run;
# 2 includes 3], LORAFORGE_* ports as bin/platform.
# Measures throughput, so start the platform without job-api's per-tenant rate limits:
#   JOBAPI_RATE_LIMITS_CREATES_PER_MINUTE=0 JOBAPI_RATE_LIMITS_UPLOADS_PER_MINUTE=0 bin/platform up
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
HOME_DIR="${LORAFORGE_HOME:-$ROOT/.loraforge}"
API="http://127.0.0.1:${LORAFORGE_JOBAPI_PORT:-8080}"
STORE="http://127.0.0.1:${LORAFORGE_ARTIFACT_STORE_PORT:-8081}"
MODEL=loraforge-tiny
for tool in wrk jq curl node; do
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
want() { [[ " ${BENCH_PARTS:-1 2 4} " == *" $1 "* ]]; }
echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB; job-api $API"

# --- 1. create throughput and latency: 16 tenants, then one ------------------------------------------
BENCH_KEYS=()
JOBAPI_PID=$(cat "$HOME_DIR/run/job-api.pid" 2>/dev/null || true)
cpu_ticks() { # PID: user + system clock ticks so far (0 when unknown)
  [[ -n "$1" && -r /proc/$1/stat ]] && awk '{print $14 + $15}' "/proc/$1/stat" || echo 0
}
vacuum_tables() { # as pgbench does before each run: the tables the creates write start vacuumed and analysed (this
  # machine's PostgreSQL runs with autovacuum off; without it a tenant's queue count reads every row it ever had)
  command -v psql > /dev/null || { echo "   (psql not found: job-api's tables not vacuumed first)"; return 0; }
  local url="${LORAFORGE_DB_URL:-jdbc:postgresql://127.0.0.1:5432/loraforge}" hostport db
  hostport="${url#jdbc:postgresql://}"; hostport="${hostport%%/*}"
  db="${url#jdbc:postgresql://*/}"; db="${db%%\?*}"
  PGPASSWORD="${LORAFORGE_DB_PASSWORD:-}" psql -q -h "${hostport%:*}" -p "${hostport##*:}" -U "${LORAFORGE_DB_USER:-postgres}" \
    -d "$db" -c 'VACUUM (ANALYZE) job_api.jobs, job_api.job_events, job_api.outbox' \
    || echo "   (VACUUM failed: figures taken on unvacuumed tables)"
}
create_bench() { # TENANTS CONNECTIONS: wrk spreads the creates over that many tenants, each with its own file
  local n=$1 c=$2 i k keys="" files="" lua
  for i in $(seq 1 "$n"); do
    k=$(tenant_key "bench-create-$stamp-$n-$c-$i" 1 10000000)
    BENCH_KEYS+=("$k")
    keys+="\"$k\","
    files+="\"$(upload "$k")\","
  done
  lua=$(mktemp --suffix=.lua)
  cat > "$lua" <<LUA
local keys = { $keys }
local files = { $files }
local counter = 0
init = function(args) counter = math.random(1, #keys) end
request = function()
  counter = counter + 1
  local i = (counter % #keys) + 1
  return wrk.format("POST", "/v1/fine_tuning/jobs",
    { ["Authorization"] = "Bearer " .. keys[i], ["Content-Type"] = "application/json" },
    '{"model":"$MODEL","training_file":"' .. files[i] .. '","hyperparameters":{"n_epochs":1}}')
end
done = function(summary, latency, requests)
  io.write(string.format("BENCH created=%d errors=%d non2xx=%d rps=%.1f p50_ms=%.2f p99_ms=%.2f max_ms=%.2f\n",
    summary.requests, summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    summary.errors.status, summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, latency.max / 1000))
end
LUA
  vacuum_tables
  # warm-up, not counted: job-api's JIT compiles the create path first
  wrk -t2 -c"$c" -d"${BENCH_WARMUP:-15s}" -s "$lua" "$API" >/dev/null
  echo "1. job create, $n tenant(s): wrk -t2 -c$c -d${BENCH_DURATION:-15s} POST /v1/fine_tuning/jobs"
  local before after out created
  before=$(cpu_ticks "$JOBAPI_PID")
  out=$(wrk -t2 -c"$c" -d"${BENCH_DURATION:-15s}" -s "$lua" "$API" | grep '^BENCH')
  after=$(cpu_ticks "$JOBAPI_PID")
  echo "$out" | sed 's/^BENCH /   /'
  created=$(sed -n 's/.*created=\([0-9]*\).*/\1/p' <<<"$out")
  # job-api's own CPU (user + system) over the run, per create: what a create costs whatever else shares the cores
  awk -v t=$((after - before)) -v hz="$(getconf CLK_TCK)" -v n="$created" \
    'BEGIN { if (n > 0) printf "   job-api CPU: %.1f s over the run, %.2f ms per create\n", t / hz, 1000 * t / hz / n }'
  rm -f "$lua"
}
if want 1; then
for tenants in 16 1; do
  for c in ${BENCH_CONNECTIONS:-8 16}; do
    create_bench "$tenants" "$c"
  done
done
# the benchmark's jobs would train one by one: cancel them
open_jobs() { # KEY: every job of that tenant not ended yet, walking all pages
  local after="" page
  while :; do
    page=$(curl -sS -H "Authorization: Bearer $1" "$API/v1/fine_tuning/jobs?limit=100${after:+&after=$after}")
    jq -r '.data[] | select(.status != "cancelled" and .status != "succeeded" and .status != "failed") | .id' <<<"$page"
    [[ "$(jq -r .has_more <<<"$page")" == true ]] || break
    after=$(jq -r '.data[-1].id' <<<"$page")
  done
}
cancel_all() { # KEY IDS: one curl process sends every cancel, 16 at a time (a process per job took minutes)
  local config
  config=$(mktemp)
  awk -v api="$API" 'NF { printf "url = \"%s/v1/fine_tuning/jobs/%s/cancel\"\noutput = \"/dev/null\"\n", api, $1 }' \
    <<<"$2" > "$config"
  # quietly: a cancel that did not take is sent again, as open_jobs still lists its job
  curl -s --parallel --parallel-max 16 -X POST -H "Authorization: Bearer $1" -K "$config" > /dev/null 2>&1 || true
  rm -f "$config"
}
for KEY in "${BENCH_KEYS[@]}"; do
  ids=$(open_jobs "$KEY")
  while [[ -n "$ids" ]]; do
    cancel_all "$KEY" "$ids"
    ids=$(open_jobs "$KEY")
  done
done
# part 2 wants an idle trainer: wait until none of the benchmark's jobs runs any more
for KEY in "${BENCH_KEYS[@]}"; do
  for _ in $(seq 1 120); do
    running=$(curl -sS -H "Authorization: Bearer $KEY" "$API/v1/fine_tuning/jobs?limit=100" \
      | jq '[.data[] | select(.status == "running")] | length')
    [[ "$running" == 0 ]] && break
    sleep 1
  done
done
echo "   (benchmark jobs cancelled)"
fi

# --- 2 and 3. create to first step; trainer to SSE latency ---------------------------------------
if want 2; then
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
fi

# --- 4. one job followed by many SSE clients ---------------------------------------------------------
want 4 || exit 0
CLIENTS="${BENCH_SSE_CLIENTS:-1000}"
KEY=$(tenant_key "bench-sse-$stamp" 1 100)
FILE=$(upload "$KEY")
# each run is one job followed by all the clients; the first run also warms job-api's stream path up (JIT)
for run in $(seq 1 "${BENCH_SSE_RUNS:-3}"); do
  job=$(curl -sS -H "Authorization: Bearer $KEY" -H 'Content-Type: application/json' "$API/v1/fine_tuning/jobs" \
    -d "{\"model\":\"$MODEL\",\"training_file\":\"$FILE\",\"hyperparameters\":{\"n_epochs\":50}}" | jq -r .id)
  echo "4. run $run: $CLIENTS SSE clients on one job ($job, 50 epochs): trainer -> every client"
  node "$ROOT/bench/sse-clients.mjs" "$API" "$KEY" "$job" "$CLIENTS" 600 | sed 's/^/   /'
done
