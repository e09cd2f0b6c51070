#!/usr/bin/env bash
# Where a Java Flight Recorder recording's samples of one thread fall: the share of samples (Java and native) by the
# innermost frame of the project's own code (dev.loraforge.*), and by the innermost frame overall (the native op or
# JDK method running). A sampling profile: shares of time, not exact times.
#
# Usage: bench/profile-summary.sh RECORDING.jfr [thread name, default bench] [rows, default 25]
set -euo pipefail
FILE="$1"
THREAD="${2:-bench}"
ROWS="${3:-25}"
command -v jfr > /dev/null || { echo "jfr (the JDK's tool) is not on PATH" >&2; exit 2; }
counts="$(jfr print --events jdk.ExecutionSample,jdk.NativeMethodSample --stack-depth 96 "$FILE" | awk -v thread="\"$THREAD\"" '
  /^jdk\.(ExecutionSample|NativeMethodSample)/ { inside = 1; ours = ""; top = ""; keep = 0; next }
  inside && /sampledThread = / { keep = index($0, thread) > 0 }
  inside && /^[ \t]+[a-zA-Z_$][a-zA-Z0-9_$.]*\(/ {
    frame = $1; sub(/\(.*/, "", frame)
    if (top == "") top = frame
    if (ours == "" && frame ~ /^dev\.loraforge\./) ours = frame
  }
  inside && /^}/ {
    if (keep) { total++; o[ours == "" ? "(outside dev.loraforge)" : ours]++; t[top]++ }
    inside = 0
  }
  END {
    print "N", total + 0
    for (k in o) print "O", o[k], k
    for (k in t) print "T", t[k], k
  }')"
total="$(awk '$1 == "N" { print $2 }' <<< "$counts")"
[[ "$total" -gt 0 ]] || { echo "no samples of thread \"$THREAD\" in $FILE" >&2; exit 1; }
echo "$total samples of thread \"$THREAD\""
for section in O T; do
  [[ "$section" == O ]] && printf '\nby innermost project frame:\n' || printf '\nby innermost frame:\n'
  awk -v s="$section" -v n="$total" '$1 == s { printf "%d\t%5.1f%%  %s\n", $2, 100 * $2 / n, $3 }' <<< "$counts" \
    | sort -t$'\t' -k1,1nr | head -n "$ROWS" | cut -f2- | sed 's/^/  /'
done
