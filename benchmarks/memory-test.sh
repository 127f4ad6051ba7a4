#!/usr/bin/env bash
# Portcullis memory run: N distinct valid tokens, then N distinct forged ones, each sent once through the full-edge
# route; the gateway's heap after a full GC is sampled throughout and must stay bounded (the verified-token cache is
# bounded at portcullis.jwt.cache.max-entries = 100000; forged tokens are never cached).
#
#   benchmarks/memory-test.sh                              # VALID_N=1000000 FORGED_N=1000000
#   VALID_N=200000 FORGED_N=200000 benchmarks/memory-test.sh
#
# Valid tokens are RS256-signed by the token tool (every core; its timing is printed — about 1 ms per token per core on
# an idle machine, so 1M takes ~10 min on 2 cores). Forged ones carry random signature bytes (free to make, and exactly
# as costly for the gateway to refuse as a token signed by another key). Needs what load-test.sh needs.
# Env: VALID_N, FORGED_N, SAMPLE_EVERY (seconds, 15), CONNECTIONS (32), WORK_DIR, ports as in load-test.sh.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/.." && pwd)"
VALID_N="${VALID_N:-1000000}"
FORGED_N="${FORGED_N:-1000000}"
SAMPLE_EVERY="${SAMPLE_EVERY:-15}"
CONNECTIONS="${CONNECTIONS:-32}"
REDIS_PORT="${REDIS_PORT:-16399}"
BACKEND_PORT="${BACKEND_PORT:-18099}"
GATEWAY_PORT="${GATEWAY_PORT:-18080}"
GATEWAY_MGMT_PORT="${GATEWAY_MGMT_PORT:-18090}"
ISSUER="http://localhost:${GATEWAY_PORT}"
GATEWAY_JAR="$ROOT/gateway/target/portcullis-gateway-0.1.0-SNAPSHOT-exec.jar"
BENCH_JAR="$HERE/target/benchmarks.jar"
EMBEDDED_REDIS_JAR="${EMBEDDED_REDIS_JAR:-$HOME/.m2/repository/com/github/codemonstur/embedded-redis/1.4.3/embedded-redis-1.4.3.jar}"

die() { echo "memory-test: $*" >&2; exit 1; }
if ! command -v wrk >/dev/null 2>&1; then
  echo "memory-test: wrk is not installed. Install it with: sudo apt-get update && sudo apt-get install -y wrk" >&2
  exit 2
fi
# shellcheck source=/dev/null
. "$ROOT/.mvn/select-jdk.sh"
JAVA="${JAVA_HOME:+$JAVA_HOME/bin/}java"
JCMD="${JAVA_HOME:+$JAVA_HOME/bin/}jcmd"
for jar in "$GATEWAY_JAR" "$BENCH_JAR" "$EMBEDDED_REDIS_JAR"; do
  [ -f "$jar" ] || die "missing $jar; build first: ./mvnw -q -B -ntp -o -pl gateway,benchmarks,benchmarks/baseline-gateway package -DskipTests"
done

WORK_DIR="${WORK_DIR:-$(mktemp -d /tmp/portcullis-memory.XXXXXX)}"
mkdir -p "$WORK_DIR"
PIDS=()
cleanup() {
  local pid
  for pid in "${PIDS[@]:-}"; do [ -n "$pid" ] && kill "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]:-}"; do [ -n "$pid" ] && wait "$pid" 2>/dev/null || true; done
}
trap cleanup EXIT
trap 'exit 130' INT TERM
start() {
  local log="$1"; shift
  "$@" >"$log" 2>&1 &
  LAST_PID=$!
  PIDS+=("$LAST_PID")
}
wait_http() {
  local url="$1" expected="$2" pid="$3" limit="${4:-90}" i
  for ((i = 0; i < limit * 4; i++)); do
    kill -0 "$pid" 2>/dev/null || return 1
    [ "$(curl -s -o /dev/null -w '%{http_code}' "$url" || true)" = "$expected" ] && return 0
    sleep 0.25
  done
  return 1
}
field() { sed -n "s/.* $2=\([0-9.]*\).*/\1/p" <<<" $1"; }

REDIS_BIN="$WORK_DIR/redis-server"
[ -x "$REDIS_BIN" ] || { unzip -p "$EMBEDDED_REDIS_JAR" redis-server-6.2.6-v5-linux-amd64 >"$REDIS_BIN" && chmod +x "$REDIS_BIN"; }
start "$WORK_DIR/redis.log" "$REDIS_BIN" --port "$REDIS_PORT" --bind 127.0.0.1 --save "" --appendonly no

if [ -s "$WORK_DIR/tokens/valid.txt" ] && [ "$(wc -l <"$WORK_DIR/tokens/valid.txt")" -eq "$VALID_N" ] \
  && [ "$(wc -l <"$WORK_DIR/tokens/forged.txt")" -eq "$FORGED_N" ]; then
  echo "== tokens: reusing $WORK_DIR/tokens (they expire 3 h after they were made)"
else
  echo "== tokens: $VALID_N valid (RS256-signed), $FORGED_N forged (random signatures)"
  AUTH_ISSUER="$ISSUER" "$JAVA" -Xmx2g -cp "$BENCH_JAR" dev.portcullis.benchmarks.tokens.TokenTool \
    "$WORK_DIR/tokens" "$VALID_N" "$FORGED_N" "$VALID_N" 180 random
fi

start "$WORK_DIR/backend.log" env BACKEND_PORT="$BACKEND_PORT" JWKS_FILE="$WORK_DIR/tokens/jwks.json" \
  "$JAVA" -Xmx256m -cp "$BENCH_JAR" dev.portcullis.benchmarks.backend.BackendStandIn
BACKEND_PID=$LAST_PID
wait_http "http://127.0.0.1:$BACKEND_PORT/" 200 "$BACKEND_PID" 60 || die "backend did not start"

start "$WORK_DIR/gateway.log" env SERVER_PORT="$GATEWAY_PORT" MANAGEMENT_SERVER_PORT="$GATEWAY_MGMT_PORT" \
  AUTH_JWKS_URI="http://127.0.0.1:$BACKEND_PORT/.well-known/jwks.json" AUTH_ISSUER="$ISSUER" AUTH_AUDIENCE=portcullis \
  REDIS_URL="redis://127.0.0.1:$REDIS_PORT" BACKEND_URL="http://127.0.0.1:$BACKEND_PORT" \
  SPRING_CONFIG_ADDITIONAL_LOCATION="file:$HERE/config/portcullis-bench.yml" \
  "$JAVA" -Xmx1g -jar "$GATEWAY_JAR"
GATEWAY_PID=$LAST_PID
wait_http "http://127.0.0.1:$GATEWAY_MGMT_PORT/actuator/health/readiness" 200 "$GATEWAY_PID" 120 || die "gateway not ready"
URL="http://127.0.0.1:$GATEWAY_PORT/edge/orders"

# sample PHASE: full GC, then heap used, verified-token cache size and requests answered so far
T0=$(date +%s)
SAMPLES="$WORK_DIR/heap.csv"
echo "seconds,phase,heap_used_after_gc_mb,verified_token_cache_entries,edge_requests" >"$SAMPLES"
sample() {
  local used metrics cache requests
  "$JCMD" "$GATEWAY_PID" GC.run >/dev/null 2>&1 || return 0
  used=$("$JCMD" "$GATEWAY_PID" GC.heap_info 2>/dev/null | sed -n 's/.*heap .*[ ,]used \([0-9]*\)K.*/\1/p' | head -n 1)
  metrics=$(curl -s "http://127.0.0.1:$GATEWAY_MGMT_PORT/actuator/prometheus" || true)
  cache=$(awk '/^cache_size\{.*portcullis.verified_tokens/ { printf "%d", $NF }' <<<"$metrics")
  requests=$(awk '/^portcullis_gateway_requests_seconds_count\{.*route="bench-edge"/ { s += $NF } END { printf "%d", s }' <<<"$metrics")
  echo "$(( $(date +%s) - T0 )),$1,$(( ${used:-0} / 1024 )),${cache:-?},${requests:-?}" | tee -a "$SAMPLES"
}
requests_so_far() {
  curl -s "http://127.0.0.1:$GATEWAY_MGMT_PORT/actuator/prometheus" \
    | awk '/^portcullis_gateway_requests_seconds_count\{.*route="bench-edge"/ { s += $NF } END { printf "%d", s }'
}

# phase NAME FILE EXPECTED_STATUS COUNT: every token once; wrk is interrupted when the gateway stops receiving requests
phase() {
  local name="$1" file="$2" expected="$3" count="$4" wrk_pid line last=-1 now idle=0 next_sample
  echo "== phase $name: $count tokens, expecting $expected"
  TOKENS_FILE="$file" REQ_PATH=/edge/orders \
    wrk -t1 -c"$CONNECTIONS" -d24h --timeout 10s -s "$HERE/lua/stream.lua" "$URL" >"$WORK_DIR/wrk-$name.out" 2>&1 &
  wrk_pid=$!
  PIDS+=("$wrk_pid")
  next_sample=$(( $(date +%s) + SAMPLE_EVERY ))
  while kill -0 "$wrk_pid" 2>/dev/null; do
    sleep 1
    now=$(requests_so_far)
    if [ "$now" = "$last" ]; then idle=$((idle + 1)); else idle=0; fi
    last=$now
    [ "$idle" -ge 3 ] && kill -INT "$wrk_pid" 2>/dev/null && break
    if [ "$(date +%s)" -ge "$next_sample" ]; then sample "$name"; next_sample=$(( $(date +%s) + SAMPLE_EVERY )); fi
  done
  wait "$wrk_pid" 2>/dev/null || true
  line=$(grep '^RESULT' "$WORK_DIR/wrk-$name.out" || true)
  echo "   $line"
  [ -n "$line" ] || die "phase $name: wrk produced no result (see $WORK_DIR/wrk-$name.out)"
  [ "$(field "$line" sent)" = "$count" ] || die "phase $name: sent $(field "$line" sent) of $count tokens"
  [ "$(field "$line" "status_$expected")" = "$(field "$line" requests)" ] || die "phase $name: not every answer was $expected: $line"
  sample "$name-end"
}

sample start
phase valid "$WORK_DIR/tokens/valid.txt" 200 "$VALID_N"
phase forged "$WORK_DIR/tokens/forged.txt" 401 "$FORGED_N"
sample end

echo
echo "heap after full GC (MB) and verified-token cache entries, sampled every ${SAMPLE_EVERY}s ($SAMPLES):"
column -s, -t <"$SAMPLES"
awk -F, 'NR > 1 && $3 > max { max = $3 } NR == 2 { first = $3 } { last = $3 }
  END { printf "\nheap after GC: start %d MB, max %d MB, end %d MB (-Xmx1g); cache bound 100000 entries\n", first, max, last }' "$SAMPLES"
