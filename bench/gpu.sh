#!/usr/bin/env bash
# GPU check (issue 11, item 6): meant to run unchanged on a machine with an NVIDIA GPU, its driver, Java 17+ and
# Maven. A measurement and a parity run, not part of CI (CI has no GPU).
#
#  1. Builds the tuning engine with the CUDA flavour of the PyTorch natives (`-Pcuda`, pytorch-native-cu124: Maven
#     fetches it once, about 2.5 GB). tuning-engine/target/lib then holds the CUDA natives; they also run on a CPU.
#  2. Parity on CUDA: DeviceParityTest with -Dloraforge.test.device=cuda (logits of a float32 and a bf16 base against
#     the double-precision reference; NF4 dequantization on the device equal bit for bit to the Java quantizer's;
#     a QLoRA step, base dequantized on the device, against CPU autograd over the same weights) and DeviceSpecTest.
#  3. Training on cuda:0 with a random model of Qwen2.5-0.5B's shape (bf16, tied), LoRA r 8 on q,v:
#     LoRA (bf16 base kept 16-bit) and QLoRA (NF4-dq), seq ${GPU_SEQ:-512}, batch ${GPU_BATCH:-8}; each run prints
#     tokens/s, the fp16 and fp32 2048^3 matmul rates of the same GPU, MFU against the fp16 rate (DJL has no bf16; the
#     tensor cores run both at one rate), the device memory in
#     use after each step (peak, as the driver counts it) and, sampled by nvidia-smi every 200 ms, the peak memory
#     the GPU had in use during the run.
# Record the printed figures in bench/README.md (section "GPU").
#
# Usage: bench/gpu.sh            GPU_SEQ, GPU_BATCH, GPU_STEPS (default 10) change the training runs.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
ENGINE="$ROOT/tuning-engine"
SEQ="${GPU_SEQ:-512}"
BATCH="${GPU_BATCH:-8}"
STEPS="${GPU_STEPS:-10}"

if ! command -v nvidia-smi >/dev/null || ! nvidia-smi -L >/dev/null 2>&1; then
  echo "gpu.sh: no NVIDIA GPU visible (nvidia-smi missing or failing); this check needs one" >&2
  exit 2
fi
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader >&2

echo "== 1. building the engine with the CUDA natives (-Pcuda)" >&2
rm -rf "$ENGINE/target/lib"
mvn -B -q -Pcuda -f "$ENGINE/pom.xml" -DskipTests package
touch "$ENGINE/target/tuning-engine-0.1.0-SNAPSHOT.jar" # bin/tune: built from the current sources

echo "== 2. parity on cuda" >&2
mvn -B -Pcuda -f "$ENGINE/pom.xml" test -Dtest='DeviceParityTest,DeviceSpecTest' -Dsurefire.failIfNoSpecifiedTests=false \
  -Dloraforge.test.device=cuda | grep -E 'Tests run|FAIL|ERROR' || true
parity=$(grep -h -E '^Tests run' "$ENGINE"/target/surefire-reports/*DeviceParityTest.txt "$ENGINE"/target/surefire-reports/*DeviceSpecTest.txt)
echo "$parity" >&2
if grep -qE 'Failures: [1-9]|Errors: [1-9]' <<<"$parity"; then
  echo "gpu.sh: parity on cuda FAILED (reports in $ENGINE/target/surefire-reports)" >&2
  exit 1
fi

echo "== 3. training on cuda:0 (seq $SEQ, batch $BATCH, $STEPS measured steps)" >&2
peak_sampler() { # prints the highest memory.used (MiB) seen until killed
  local peak=0 v
  trap 'echo "$peak"; exit 0' TERM
  while true; do
    v=$(nvidia-smi --query-gpu=memory.used --format=csv,noheader,nounits -i 0 | head -n 1 | tr -d ' ')
    [ "${v:-0}" -gt "$peak" ] && peak=$v
    sleep 0.2
  done
}
for method in lora qlora; do
  out=$(mktemp)
  peak_sampler >"$out" & sampler=$!
  json=$("$ROOT/bin/tune" bench --device cuda --preset qwen2.5-0.5b --method "$method" --seq-len "$SEQ" --batch "$BATCH" \
    --r 8 --targets q_proj,v_proj --steps "$STEPS" --warmup-steps 2 --matmul 2048 | grep '^{' | tail -n 1)
  kill -TERM "$sampler"; wait "$sampler" || true
  echo "$method: $json"
  echo "$method: nvidia-smi peak memory.used during the run: $(cat "$out") MiB"
  rm -f "$out"
done
