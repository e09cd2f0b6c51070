#!/usr/bin/env bash
# Serving figures of inference-service's engine path (a measurement, not a test); issue "serving" asks for:
#   1. generation tokens/s of the base alone and with a LoRA adapter applied unmerged (per call);
#   2. the same with 4 concurrent requests, each on a different adapter of the one loaded base;
#   3. the time to switch adapters: a cold adapter load (read + checked against the base; the
#      download from artifact-store is extra) and the per-request cost of switching between cached ones.
# Runs dev.loraforge.inference.bench.ServingBench from inference-service's packaged jar on a generated
# model (nothing downloaded): KV-cache greedy decoding, fp32, CPU, LoRA r=16 on all linear projections.
#
# Usage: bench/serving.sh [preset small|tiny, default small] [new tokens per request, default 128] [runs, default 3]
#        [profile | profile-base: only 16 streams batched, each on its own adapter / all on the base, for a profiler;
#         SERVING_JFR=file.jfr records one with Java Flight Recorder, bench/profile-summary.sh reads it]
# Env: SERVING_JAVA_OPTS more JVM flags for the bench's JVM.
# Env: INFERENCE_THREADS intra-op threads (default 2). The machine is shared: other builds running at
# the same time lower the figures; compare medians.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PRESET="${1:-small}"
TOKENS="${2:-128}"
RUNS="${3:-3}"
APP="$ROOT/inference-service/target/quarkus-app"

if ! ls "$APP"/app/inference-service-*.jar >/dev/null 2>&1; then
  echo "building inference-service (mvn -B -DskipTests package -pl inference-service -am)" >&2
  (cd "$ROOT" && mvn -B -q -DskipTests package -pl inference-service -am) >&2
fi

JFR=()
if [[ -n "${SERVING_JFR:-}" ]]; then JFR=("-XX:StartFlightRecording=filename=$SERVING_JFR,settings=profile"); fi
exec java "${JFR[@]}" ${SERVING_JAVA_OPTS:-} -Xmx1g -XX:MaxDirectMemorySize=12g -Dai.djl.pytorch.num_threads="${INFERENCE_THREADS:-2}" -Dai.djl.pytorch.num_interop_threads=1 \
  -cp "$APP/app/*:$APP/lib/main/*" dev.loraforge.inference.bench.ServingBench "$PRESET" "$TOKENS" "$RUNS" ${4:+"$4"}
