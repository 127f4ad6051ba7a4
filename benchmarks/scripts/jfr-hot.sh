#!/usr/bin/env bash
# Top frames of a JFR recording: self time (top frame) and inclusive time (anywhere on the stack), from
# jdk.ExecutionSample events. Usage: benchmarks/scripts/jfr-hot.sh FILE.jfr [N=25] [FILTER=regex for inclusive view]
set -euo pipefail
FILE="$1"; N="${2:-25}"; FILTER="${3:-dev\.portcullis}"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
# shellcheck source=/dev/null
. "$ROOT/.mvn/select-jdk.sh"
JFR_TOOL="${JAVA_HOME:+$JAVA_HOME/bin/}jfr"
OUT="$(mktemp)"
trap 'rm -f "$OUT"' EXIT
"$JFR_TOOL" print --events jdk.ExecutionSample --stack-depth 64 "$FILE" >"$OUT"
TOTAL=$(grep -c 'jdk.ExecutionSample' "$OUT" || true)
echo "samples: $TOTAL"
echo "--- self (top frame) ---"
awk '/stackTrace = \[/ { getline; sub(/^[ \t]+/, ""); sub(/[ \t]+line:.*/, ""); print }' "$OUT" \
  | sort | uniq -c | sort -rn | head -n "$N" | awk -v t="$TOTAL" '{ printf "%6.1f%%  %s\n", 100 * $1 / t, substr($0, index($0, $2)) }'
echo "--- inclusive, frames matching /$FILTER/ (each counted once per sample) ---"
awk -v f="$FILTER" '
  /stackTrace = \[/ { inside = 1; delete seen; next }
  inside && /^[ \t]*\]/ { inside = 0; next }
  inside { line = $0; sub(/^[ \t]+/, "", line); sub(/[ \t]+line:.*/, "", line); if (line ~ f && !(line in seen)) { seen[line] = 1; print line } }
' "$OUT" | sort | uniq -c | sort -rn | head -n "$N" | awk -v t="$TOTAL" '{ printf "%6.1f%%  %s\n", 100 * $1 / t, substr($0, index($0, $2)) }'
