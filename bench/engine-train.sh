#!/usr/bin/env bash
# Training throughput of the tuning engine (a measurement, not a test).
#
# LoRA r=8 on q_proj,v_proj, sequence length 128, batch 4, 2 intra-op threads, fp32, full-length
# sequences, through the same FineTuneLoop that `tune train` runs, on:
#   - the `small` preset: Llama, hidden 384, intermediate 1024, 6 layers, 6 heads, 2 kv heads,
#     vocab 8192, tied embeddings (~12.6M parameters) -- the issue's benchmark model;
#   - the `tiny` preset (hidden 64, 2 layers), where per-op overhead dominates.
# Each run also measures the fp32 rate of a 2048^3 matmul through DJL and reports model FLOPs
# utilisation (MFU) = tokens/s x model FLOPs per token / matmul FLOP/s (see train.TrainingFlops).
# Reference point from the issue: a plain PyTorch eager LoRA loop does ~440-510 tokens/s here.
#
# Usage: bench/engine-train.sh [runs per preset, default 3] [measured steps, default 20]
# The machine is shared: other builds running at the same time lower the figures; compare medians.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
RUNS="${1:-3}"
STEPS="${2:-20}"

summary=()
for preset in small tiny; do
  values=()
  for run in $(seq 1 "$RUNS"); do
    json="$("$ROOT/bin/tune" bench --preset "$preset" --seq-len 128 --batch 4 --r 8 --targets q_proj,v_proj \
      --threads 2 --steps "$STEPS" --warmup-steps 3 --matmul 2048 2>/dev/null | tail -n 1)"
    echo "$preset run $run: $json"
    values+=("$(sed -E 's/.*"tokens_per_second":([0-9.]+).*/\1/' <<<"$json")")
    mfu="$(sed -E 's/.*"mfu":([0-9.]+|null).*/\1/' <<<"$json")"
    matmul="$(sed -E 's/.*"matmul_gflops":([0-9.]+|null).*/\1/' <<<"$json")"
    mflop="$(sed -E 's/.*"model_mflop_per_token":([0-9.]+).*/\1/' <<<"$json")"
  done
  median="$(printf '%s\n' "${values[@]}" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')"
  summary+=("$(printf '%-6s median %8s tokens/s over %d runs (runs: %s); %s MFLOP/token; last run: matmul %s GFLOP/s, MFU %s' \
    "$preset" "$median" "$RUNS" "${values[*]}" "$mflop" "$matmul" "$mfu")")
done

echo
echo "LoRA r=8 q_proj,v_proj | seq 128 | batch 4 | 2 threads | fp32"
printf '%s\n' "${summary[@]}"
echo "(plain PyTorch eager LoRA loop on the small model, per the issue: ~440-510 tokens/s)"
