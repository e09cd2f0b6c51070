#!/usr/bin/env bash
# Real sizes (issue 11, items 3 and 5): the QLoRA headline reproduced on this kind of machine, and the 0.5B figures.
# A measurement, not a test: CI does not run it. Each figure comes from its own JVM (`bin/tune`), so each peak RSS
# is that command's alone.
#
#  1. Llama-3.1-8B's exact shape (hidden 4096, 32 layers, 32 heads / 8 kv, intermediate 14336, vocab 128256,
#     untied, llama3 rope scaling), random weights, bf16 safetensors in 5 GB shards (~16 GB):
#       - written by `tune init-model --preset llama3.1-8b` (time);
#       - `tune quantize --scheme nf4-dq`: goal peak RSS <= 4 GiB and >= 100M parameters/s;
#       - `tune bench --method qlora` on the quantized model, LoRA r 8 on q,v, seq 256, batch 1, 2 threads,
#         1 warm-up + 2 measured steps: goal peak RSS <= 10 GiB; tokens/s and MFU reported.
#  2. Qwen2.5-0.5B's exact shape (bf16, tied, ~1 GB), LoRA r 8 on q,v, seq 256, batch 1, 2 threads:
#       - LoRA (bf16 base kept 16-bit): goal MFU >= 0.6, peak RSS <= 3.0 GiB;
#       - QLoRA (NF4-dq on the fly): goal >= 0.9x LoRA tokens/s, peak RSS <= 1.6 GiB;
#       - both again with another process busy on one core (`yes > /dev/null`): QLoRA still >= 0.9x LoRA;
#       - `tune quantize`: goal peak RSS <= 1.2 GiB.
# MFU is against the best fp32 2048^3 matmul rate measured in the same run (`tune bench --matmul 2048`).
#
# Usage: bench/scale.sh [scratch dir]     (default: a new directory under ${TMPDIR:-/tmp}; removed at the end)
#   SCALE_SKIP_8B=1      only the 0.5B figures
#   SCALE_SKIP_SMALL=1   only the 8B figures
#   SCALE_KEEP=1         keep the generated models
# Needs about 23 GB of free disk for the 8B part (16 GB bf16 + 5.7 GB NF4) and about 10 GB of free memory.
# The last line printed is one JSON object with every figure and whether each goal was met.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TUNE="$ROOT/bin/tune"
SCRATCH="${1:-}"
if [ -z "$SCRATCH" ]; then
  SCRATCH="$(mktemp -d "${TMPDIR:-/tmp}/loraforge-scale.XXXXXX")"
else
  mkdir -p "$SCRATCH"
fi
YES_PID=""
cleanup() {
  [ -n "$YES_PID" ] && kill "$YES_PID" 2>/dev/null || true
  if [ "${SCALE_KEEP:-0}" != 1 ]; then rm -rf "$SCRATCH"/llama3.1-8b* "$SCRATCH"/qwen2.5-0.5b*; fi
}
trap cleanup EXIT

field() { sed -E "s/.*\"$1\":(\"[^\"]*\"|[0-9.eE+-]+|null|true|false).*/\1/" <<<"$2"; }
gib() { awk -v b="$1" 'BEGIN {printf "%.2f", b / 1073741824}'; }
le() { awk -v a="$1" -v b="$2" 'BEGIN {print (a + 0 <= b + 0) ? "true" : "false"}'; }
ge() { awk -v a="$1" -v b="$2" 'BEGIN {print (a + 0 >= b + 0) ? "true" : "false"}'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.3f", a / b}'; }
last_json() { grep '^{' | tail -n 1; }

"$TUNE" --version >/dev/null # builds the engine first if needed, outside any measurement
echo "scratch: $SCRATCH; $(nproc) cores; $(awk '/MemTotal/ {printf "%.1f GiB", $2 / 1048576}' /proc/meminfo) RAM" >&2

big="null"
if [ "${SCALE_SKIP_8B:-0}" != 1 ]; then
  avail=$(df -Pk "$SCRATCH" | awk 'NR == 2 {print $4}')
  if [ "$avail" -lt $((23 * 1024 * 1024)) ]; then
    echo "scale.sh: $SCRATCH has $((avail / 1024 / 1024)) GB free; the 8B part needs about 23 GB (give another scratch dir)" >&2
    exit 2
  fi
  M="$SCRATCH/llama3.1-8b"
  echo "== 8B: writing a random Llama-3.1-8B-shaped model (bf16, ~16 GB)" >&2
  t0=$(date +%s)
  "$TUNE" init-model --preset llama3.1-8b --out "$M" >&2
  init_s=$(( $(date +%s) - t0 ))
  echo "== 8B: tune quantize --scheme nf4-dq" >&2
  q=$("$TUNE" quantize --model "$M" --scheme nf4-dq --out "$M-nf4dq" | last_json)
  echo "$q" >&2
  rm -rf "$M" # the bf16 model is not needed to train the quantized one
  echo "== 8B: QLoRA, seq 256, batch 1, 1 warm-up + 2 measured steps" >&2
  t=$("$TUNE" bench --model "$M-nf4dq" --method qlora --seq-len 256 --batch 1 --r 8 --targets q_proj,v_proj \
    --steps 2 --warmup-steps 1 --threads 2 --matmul 2048 | last_json)
  echo "$t" >&2
  rm -rf "$M-nf4dq"
  # parameters/s of the whole command (reading, quantizing, writing); the report's own figure counts the arithmetic only
  qp=$(field peak_rss_bytes "$q"); qr=$(awk -v p="$(field parameters "$q")" -v s="$(field seconds "$q")" 'BEGIN {printf "%.0f", p / s}')
  tp=$(field peak_rss_bytes "$t")
  big=$(printf '{"init_model_seconds":%s,"bytes_bf16":%s,"bytes_nf4dq":%s,"quantize_seconds":%s,"quantize_parameters_per_second":%s,"quantize_arithmetic_parameters_per_second":%s,"quantize_peak_rss_gib":%s,"qlora_load_seconds":%s,"qlora_tokens_per_second":%s,"qlora_mfu":%s,"matmul_gflops":%s,"qlora_peak_rss_gib":%s,"goals":{"quantize_peak_rss_le_4_gib":%s,"quantize_ge_100m_parameters_per_second":%s,"qlora_peak_rss_le_10_gib":%s}}' \
    "$init_s" "$(field bytes_before "$q")" "$(field bytes_after "$q")" "$(field seconds "$q")" "$qr" "$(field parameters_per_second "$q")" "$(gib "$qp")" \
    "$(field load_seconds "$t")" "$(field tokens_per_second "$t")" "$(field mfu "$t")" "$(field matmul_gflops "$t")" "$(gib "$tp")" \
    "$(le "$qp" $((4 * 1073741824)))" "$(ge "$qr" 100000000)" "$(le "$tp" $((10 * 1073741824)))")
fi

small="null"
if [ "${SCALE_SKIP_SMALL:-0}" != 1 ]; then
  S="$SCRATCH/qwen2.5-0.5b"
  echo "== 0.5B: writing a random Qwen2.5-0.5B-shaped model and quantizing it" >&2
  "$TUNE" init-model --preset qwen2.5-0.5b --out "$S" >&2
  q=$("$TUNE" quantize --model "$S" --scheme nf4-dq --out "$S-nf4dq" | last_json)
  echo "$q" >&2
  run() { # method, then extra bench options
    local method="$1"; shift
    "$TUNE" bench --model "$S" --method "$method" --seq-len 256 --batch 1 --r 8 --targets q_proj,v_proj \
      --steps 3 --warmup-steps 1 --threads 2 "$@" | last_json
  }
  echo "== 0.5B: LoRA and QLoRA, quiet" >&2
  lora=$(run lora --matmul 2048); echo "$lora" >&2
  qlora=$(run qlora --matmul 2048); echo "$qlora" >&2
  echo "== 0.5B: LoRA and QLoRA with another process busy on one core" >&2
  yes >/dev/null & YES_PID=$!
  lora_busy=$(run lora --matmul 0); echo "$lora_busy" >&2
  qlora_busy=$(run qlora --matmul 0); echo "$qlora_busy" >&2
  kill "$YES_PID"; YES_PID=""
  lt=$(field tokens_per_second "$lora"); qt=$(field tokens_per_second "$qlora")
  lbt=$(field tokens_per_second "$lora_busy"); qbt=$(field tokens_per_second "$qlora_busy")
  lp=$(field peak_rss_bytes "$lora"); qlp=$(field peak_rss_bytes "$qlora"); qp=$(field peak_rss_bytes "$q")
  lm=$(field mfu "$lora")
  qr=$(awk -v p="$(field parameters "$q")" -v s="$(field seconds "$q")" 'BEGIN {printf "%.0f", p / s}')
  small=$(printf '{"lora_tokens_per_second":%s,"lora_mfu":%s,"matmul_gflops":%s,"lora_peak_rss_gib":%s,"qlora_tokens_per_second":%s,"qlora_mfu":%s,"qlora_peak_rss_gib":%s,"qlora_over_lora":%s,"busy_lora_tokens_per_second":%s,"busy_qlora_tokens_per_second":%s,"busy_qlora_over_lora":%s,"quantize_peak_rss_gib":%s,"quantize_parameters_per_second":%s,"quantize_arithmetic_parameters_per_second":%s,"goals":{"lora_mfu_ge_0_6":%s,"lora_peak_rss_le_3_gib":%s,"qlora_peak_rss_le_1_6_gib":%s,"qlora_ge_0_9_lora":%s,"busy_qlora_ge_0_9_lora":%s,"quantize_peak_rss_le_1_2_gib":%s}}' \
    "$lt" "$lm" "$(field matmul_gflops "$lora")" "$(gib "$lp")" "$qt" "$(field mfu "$qlora")" "$(gib "$qlp")" "$(ratio "$qt" "$lt")" \
    "$lbt" "$qbt" "$(ratio "$qbt" "$lbt")" "$(gib "$qp")" "$qr" "$(field parameters_per_second "$q")" \
    "$(ge "$lm" 0.6)" "$(le "$lp" $((3 * 1073741824)))" "$(le "$qlp" $((16 * 1073741824 / 10)))" \
    "$(ge "$(ratio "$qt" "$lt")" 0.9)" "$(ge "$(ratio "$qbt" "$lbt")" 0.9)" "$(le "$qp" $((12 * 1073741824 / 10)))")
fi

printf '{"date":"%s","cores":%s,"llama3.1-8b":%s,"qwen2.5-0.5b":%s}\n' "$(date -u +%Y-%m-%dT%H:%MZ)" "$(nproc)" "$big" "$small"
