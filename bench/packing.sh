#!/usr/bin/env bash
# Sequence packing (tune train --packing): tokens/s with and without it on short chat examples of mixed
# lengths (a measurement, not a test).
#
# The data: 96 chat examples (a one-line question, an answer of 4 to 160 words from the demo corpus, lengths
# spread as real chat data is, many short and a few long), made by this script with a fixed seed. The model:
# the `small` preset (Llama, hidden 384, 6 layers, vocab 8192, ~12.6M parameters, random), LoRA r 8 on q,v,
# batch 8, 2 intra-op threads, 20 updates; each setting runs RUNS times in its own JVM, alternating.
# Both settings train on the same examples per step (packing only removes padding), so their losses must agree;
# the figure is real (non-padding) tokens per second.
#
# Usage: bench/packing.sh [runs per setting, default 3]
# Prints one JSON line per run, then a summary line with the medians and the gain.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
RUNS="${1:-3}"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

"$ROOT/bin/tune" init-model --preset small --out "$WORK/model" >/dev/null
CORPUS="$ROOT/tuning-engine/src/main/resources/dev/loraforge/engine/fixtures/corpus.txt"
# answer lengths: 4 + 156 * u^3 words (u uniform): median ~24 words, a tail up to 160
awk -v n=96 'BEGIN { srand(11) } { for (i = 1; i <= NF; i++) { gsub(/["\\]/, "", $i); if ($i != "") w[c++] = $i } }
  END {
    for (e = 0; e < n; e++) {
      u = rand(); len = int(4 + 156 * u * u * u); start = int(rand() * (c - len - 1)); a = ""
      for (k = 0; k < len; k++) a = a (k ? " " : "") w[start + k]
      printf "{\"messages\":[{\"role\":\"user\",\"content\":\"Tell me about %s.\"},{\"role\":\"assistant\",\"content\":\"%s\"}]}\n", w[start], a
    }
  }' "$CORPUS" > "$WORK/chat.jsonl"

plain=()
packed=()
for run in $(seq 1 "$RUNS"); do
  for setting in plain packed; do
    flag=""
    [[ "$setting" == packed ]] && flag="--packing"
    json="$("$ROOT/bin/tune" train --model "$WORK/model" --data "$WORK/chat.jsonl" --out "$WORK/out-$setting-$run" \
      --steps 20 --batch 8 --r 8 --targets q_proj,v_proj --threads 2 --seed 5 --no-progress $flag 2>/dev/null \
      | grep '^{' | tail -n 1)"
    tps="$(sed -E 's/.*"tokens_per_second":([0-9.]+).*/\1/' <<<"$json")"
    loss="$(sed -E 's/.*"train_loss":([0-9.]+).*/\1/' <<<"$json")"
    echo "{\"setting\":\"$setting\",\"run\":$run,\"tokens_per_second\":$tps,\"train_loss\":$loss}"
    if [[ "$setting" == packed ]]; then packed+=("$tps"); else plain+=("$tps"); fi
  done
done
median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { print (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2) }'; }
mp="$(median "${plain[@]}")"
mk="$(median "${packed[@]}")"
echo "{\"bench\":\"packing\",\"examples\":96,\"plain_tokens_per_second\":$mp,\"packed_tokens_per_second\":$mk,\"gain\":$(awk -v a="$mk" -v b="$mp" 'BEGIN { printf "%.2f", a / b }')}"
