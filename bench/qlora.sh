#!/usr/bin/env bash
# QLoRA figures of the tuning engine (a measurement, not a test); issue "QLoRA" asks for:
#   1. NF4 round-trip error on N(0,1) data at blocksize 64 (bitsandbytes' own test: 0.0728);
#   2. bits per quantized parameter of the stored NF4 double-quantized model (QLoRA paper: ~4.127),
#      and the quantization throughput (parameters per second), on the ~12.6M-parameter `small` model;
#   3. peak RSS of QLoRA versus LoRA training on that model and the share the base weights take;
#   4. QLoRA versus LoRA training tokens/s (LoRA r=8 on q_proj,v_proj, seq 128, batch 4, 2 threads, fp32).
# Every training run is its own JVM, so each peak RSS is that run's alone.
#
# Usage: bench/qlora.sh [runs per method, default 3] [measured steps, default 20]
# The machine is shared: other builds running at the same time lower the figures; compare medians.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TUNE="$ROOT/bin/tune"
RUNS="${1:-3}"
STEPS="${2:-20}"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

field() { sed -E "s/.*\"$1\":(\"[^\"]*\"|[0-9.eE+-]+|null|true|false).*/\1/" <<<"$2"; }
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

echo "== 1. NF4 round trip on N(0,1), blocksize 64"
nf4="$("$TUNE" bench-nf4 --matrices 8 --size 1024 2>/dev/null | tail -n 1)"
echo "$nf4"

echo
echo "== 2. stored NF4 double-quantized model (small preset, ~12.6M parameters)"
"$TUNE" init-model --preset small --out "$WORK/small" >/dev/null 2>&1
quant="$("$TUNE" quantize --model "$WORK/small" --scheme nf4-dq --out "$WORK/small-nf4dq" 2>/dev/null | tail -n 1)"
echo "$quant"

echo
echo "== 3-4. LoRA vs QLoRA training ($RUNS runs each, $STEPS measured steps)"
declare -A tps rss share base
for method in lora qlora; do
  t=(); r=(); s=(); b=()
  for run in $(seq 1 "$RUNS"); do
    json="$("$TUNE" bench --method "$method" --preset small --seq-len 128 --batch 4 --r 8 --targets q_proj,v_proj \
      --threads 2 --steps "$STEPS" --warmup-steps 3 --matmul 0 2>/dev/null | tail -n 1)"
    echo "$method run $run: $json"
    t+=("$(field tokens_per_second "$json")")
    r+=("$(field peak_rss_bytes "$json")")
    s+=("$(field base_share_of_peak_rss "$json")")
    b+=("$(field base_resident_bytes "$json")")
  done
  tps[$method]="$(median "${t[@]}")"
  rss[$method]="$(median "${r[@]}")"
  share[$method]="$(median "${s[@]}")"
  base[$method]="$(median "${b[@]}")"
done

mib() { awk -v b="$1" 'BEGIN {printf "%.1f MiB", b / 1048576}'; }
echo
echo "Summary (medians)"
printf 'NF4 mean |A - A'"'"'| on N(0,1), blocksize 64: %s (double-quantized: %s; bitsandbytes: 0.0728)\n' \
  "$(field nf4_mean_abs_error "$nf4")" "$(field nf4_dq_mean_abs_error "$nf4")"
printf 'NF4-DQ bits per quantized parameter: %s (codes + 8-bit absmax + nested absmax; QLoRA paper: 4.127); %s with the per-tensor quant maps and JSON state stored; whole file: %s bits per parameter (embeddings and norms stay fp32)\n' \
  "$(field bits_per_quantized_parameter "$quant")" "$(field stored_bits_per_quantized_parameter "$quant")" \
  "$(field file_bits_per_parameter "$quant")"
printf 'Quantization throughput: %s parameters/s (model), %s values/s (NF4 kernel)\n' \
  "$(field parameters_per_second "$quant")" "$(field quantize_values_per_second "$nf4")"
for method in lora qlora; do
  printf '%-5s training: %8s tokens/s, peak RSS %s, base weights %s (%s of peak RSS)\n' "$method" "${tps[$method]}" \
    "$(mib "${rss[$method]}")" "$(mib "${base[$method]}")" "${share[$method]}"
done
