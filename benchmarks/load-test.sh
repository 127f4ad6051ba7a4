#!/usr/bin/env bash
# Portcullis load test: one run, six configurations, two token mixes, the same load, answers checked, every ratio
# against vanilla Spring Cloud Gateway (what a team would run instead) printed.
#
#   benchmarks/load-test.sh                      # WARMUP=30 DURATION=20 (the figures in benchmarks/README.md)
#   WARMUP=5 DURATION=5 benchmarks/load-test.sh  # smoke run
#
# Needs: wrk (apt-get install -y wrk), a JDK >= 21 (picked by .mvn/select-jdk.sh; Temurin 25 here), and the jars:
#   ./mvnw -q -B -ntp -o -pl gateway,benchmarks,benchmarks/baseline-gateway,benchmarks/scg-vanilla,benchmarks/scg-metrics -am package -DskipTests
# Env: WARMUP, DURATION (seconds), CONNECTIONS (32), THREADS (1), TOKENS (1000), CONFIGS (space-separated subset of
#   "direct scg scg-metrics plain edge baseline"), MIXES (subset of "users hot": 1,000 users round-robin, one hot
#   user), ROUNDS (1: how many times the whole set is run, alternating; >1 adds a table of medians), JFR=1 (record a JFR of each Java configuration's measured window), ASYNC_PROFILER=<path of
#   libasyncProfiler.so> (CPU profile of each measured window as collapsed stacks), WORK_DIR, and the ports REDIS_PORT
#   (16399), BACKEND_PORT (18099), GATEWAY_PORT (18080), GATEWAY_MGMT_PORT (18090), BASELINE_PORT (18180),
#   SCG_PORT (18280), SCG_MGMT_PORT (18290).
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/.." && pwd)"
WARMUP="${WARMUP:-30}"
DURATION="${DURATION:-20}"
CONNECTIONS="${CONNECTIONS:-32}"
THREADS="${THREADS:-1}"
TOKENS="${TOKENS:-1000}"
CONFIGS="${CONFIGS:-direct scg scg-metrics plain edge baseline}"
MIXES="${MIXES:-users hot}"
ROUNDS="${ROUNDS:-1}"
JFR="${JFR:-0}"
ASYNC_PROFILER="${ASYNC_PROFILER:-}"
REDIS_PORT="${REDIS_PORT:-16399}"
BACKEND_PORT="${BACKEND_PORT:-18099}"
GATEWAY_PORT="${GATEWAY_PORT:-18080}"
GATEWAY_MGMT_PORT="${GATEWAY_MGMT_PORT:-18090}"
BASELINE_PORT="${BASELINE_PORT:-18180}"
SCG_PORT="${SCG_PORT:-18280}"
SCG_MGMT_PORT="${SCG_MGMT_PORT:-18290}"
ISSUER="http://localhost:${GATEWAY_PORT}"
AUDIENCE="portcullis"
JAVA_OPTS_BENCH="${JAVA_OPTS_BENCH:--Xmx1g}"
# async-profiler is loaded into the running JVM at the start of the measured window
[ -n "$ASYNC_PROFILER" ] && JAVA_OPTS_BENCH="$JAVA_OPTS_BENCH -XX:+EnableDynamicAgentLoading"

GATEWAY_JAR="$ROOT/gateway/target/portcullis-gateway-0.1.0-SNAPSHOT-exec.jar"
BASELINE_JAR="$HERE/baseline-gateway/target/portcullis-baseline-gateway-0.1.0-SNAPSHOT-exec.jar"
BENCH_JAR="$HERE/target/benchmarks.jar"
SCG_JAR="$HERE/scg-vanilla/target/portcullis-scg-vanilla-0.1.0-SNAPSHOT-exec.jar"
SCG_METRICS_JAR="$HERE/scg-metrics/target/portcullis-scg-metrics-0.1.0-SNAPSHOT-exec.jar"
EMBEDDED_REDIS_JAR="${EMBEDDED_REDIS_JAR:-$HOME/.m2/repository/com/github/codemonstur/embedded-redis/1.4.3/embedded-redis-1.4.3.jar}"

die() { echo "load-test: $*" >&2; exit 1; }

# --- prerequisites --------------------------------------------------------------------------------------------------
if ! command -v wrk >/dev/null 2>&1; then
  echo "load-test: wrk is not installed. Install it with: sudo apt-get update && sudo apt-get install -y wrk" >&2
  exit 2
fi
# shellcheck source=/dev/null
. "$ROOT/.mvn/select-jdk.sh"
JAVA="${JAVA_HOME:+$JAVA_HOME/bin/}java"
JCMD="${JAVA_HOME:+$JAVA_HOME/bin/}jcmd"
for jar in "$GATEWAY_JAR" "$BASELINE_JAR" "$BENCH_JAR" "$SCG_JAR" "$SCG_METRICS_JAR"; do
  [ -f "$jar" ] || die "missing $jar; build first: ./mvnw -q -B -ntp -o -pl gateway,benchmarks,benchmarks/baseline-gateway,benchmarks/scg-vanilla,benchmarks/scg-metrics -am package -DskipTests"
done
[ -f "$EMBEDDED_REDIS_JAR" ] || die "missing $EMBEDDED_REDIS_JAR (the redis-server binary comes from it; set EMBEDDED_REDIS_JAR)"

WORK_DIR="${WORK_DIR:-$(mktemp -d /tmp/portcullis-bench.XXXXXX)}"
mkdir -p "$WORK_DIR"
CLK_TCK="$(getconf CLK_TCK)"
PIDS=()

cleanup() {
  local pid
  for pid in "${PIDS[@]:-}"; do
    [ -n "$pid" ] && kill "$pid" 2>/dev/null || true
  done
  for pid in "${PIDS[@]:-}"; do
    [ -n "$pid" ] && wait "$pid" 2>/dev/null || true
  done
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# start NAME LOGFILE CMD... : runs in the background, remembers the pid
start() {
  local name="$1" log="$2"; shift 2
  "$@" >"$log" 2>&1 &
  local pid=$!
  PIDS+=("$pid")
  echo "$pid" >"$WORK_DIR/$name.pid"
  LAST_PID=$pid
}

stop() {
  local pid="$1"
  kill "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  local kept=() p
  for p in "${PIDS[@]}"; do [ "$p" != "$pid" ] && kept+=("$p"); done
  PIDS=("${kept[@]:-}")
}

# wait_http URL EXPECTED_STATUS PID SECONDS
wait_http() {
  local url="$1" expected="$2" pid="$3" limit="${4:-90}" i status
  for ((i = 0; i < limit * 4; i++)); do
    kill -0 "$pid" 2>/dev/null || return 1
    status="$(curl -s -o /dev/null -w '%{http_code}' "$url" || true)"
    [ "$status" = "$expected" ] && return 0
    sleep 0.25
  done
  return 1
}

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

# rate_limit_outcomes: "allowed denied unchecked" totals of the gateway's rate-limit decisions on the edge route
rate_limit_outcomes() {
  curl -s "http://127.0.0.1:$GATEWAY_MGMT_PORT/actuator/prometheus" | awk '
    /^portcullis_ratelimit_decisions_total\{/ && /route="bench-edge"/ {
      o = $0; sub(/.*outcome="/, "", o); sub(/".*/, "", o); n[o] += $NF }
    END { printf "%d %d %d\n", n["allowed"], n["denied"], n["unchecked"] }'
}

# run_wrk SECONDS URL TOKENS_FILE CHECK -> prints the RESULT line
run_wrk() {
  local seconds="$1" url="$2" tokens="$3" check="$4" path
  path="/${url#http://*/}"
  TOKENS_FILE="$tokens" REQ_PATH="$path" CHECK="$check" \
    wrk -t"$THREADS" -c"$CONNECTIONS" -d"${seconds}s" --timeout 5s -s "$HERE/lua/pool.lua" "$url" 2>&1 | grep '^RESULT' || true
}

field() { sed -n "s/.* $2=\([0-9.]*\).*/\1/p" <<<" $1"; }

# --- shared processes: Redis, tokens, backend ------------------------------------------------------------------------
REDIS_BIN="$WORK_DIR/redis-server"
if [ ! -x "$REDIS_BIN" ]; then
  unzip -p "$EMBEDDED_REDIS_JAR" redis-server-6.2.6-v5-linux-amd64 >"$REDIS_BIN" || die "cannot extract redis-server"
  chmod +x "$REDIS_BIN"
fi
start redis "$WORK_DIR/redis.log" "$REDIS_BIN" --port "$REDIS_PORT" --bind 127.0.0.1 --save "" --appendonly no
REDIS_PID=$LAST_PID

echo "== tokens: $TOKENS valid + $TOKENS forged (RS256, kid bench-rsa-1)"
AUTH_ISSUER="$ISSUER" AUTH_AUDIENCE="$AUDIENCE" "$JAVA" -cp "$BENCH_JAR" dev.portcullis.benchmarks.tokens.TokenTool \
  "$WORK_DIR/tokens" "$TOKENS" "$TOKENS" "$TOKENS" 60 attacker
POOL="$WORK_DIR/tokens/valid.txt"
FORGED="$WORK_DIR/tokens/forged.txt"
# the hot mix: one user, one token, every request (the verified-token cache and one rate-limit bucket answer)
HOT="$WORK_DIR/tokens/hot.txt"
head -n 1 "$POOL" >"$HOT"

start backend "$WORK_DIR/backend.log" env BACKEND_PORT="$BACKEND_PORT" JWKS_FILE="$WORK_DIR/tokens/jwks.json" \
  "$JAVA" -Xmx256m -cp "$BENCH_JAR" dev.portcullis.benchmarks.backend.BackendStandIn
BACKEND_PID=$LAST_PID
wait_http "http://127.0.0.1:$BACKEND_PORT/" 200 "$BACKEND_PID" 60 || die "backend did not start (see $WORK_DIR/backend.log)"
JWKS_URI="http://127.0.0.1:$BACKEND_PORT/.well-known/jwks.json"

# --- one configuration ------------------------------------------------------------------------------------------------
declare -A RESULT CPU_GW CPU_BACKEND CPU_REDIS UNCHECKED

start_config() {
  case "$1" in
    direct) SUT_PID=$BACKEND_PID; URL="http://127.0.0.1:$BACKEND_PORT/"; SUT_OWN=0 ;;
    scg | scg-metrics)
      local jar="$SCG_JAR"
      [ "$1" = scg-metrics ] && jar="$SCG_METRICS_JAR"
      # scg-metrics: the actuator on its own port with Prometheus exposed, as any production gateway has it
      start "$1" "$WORK_DIR/$1.log" env SERVER_PORT="$SCG_PORT" BACKEND_URL="http://127.0.0.1:$BACKEND_PORT" \
        MANAGEMENT_SERVER_PORT="$SCG_MGMT_PORT" MANAGEMENT_ENDPOINTS_WEB_EXPOSURE_INCLUDE="health,prometheus" \
        "$JAVA" $JAVA_OPTS_BENCH -jar "$jar"
      SUT_PID=$LAST_PID; SUT_OWN=1
      wait_http "http://127.0.0.1:$SCG_PORT/edge/orders" 200 "$SUT_PID" 120 || die "$1 did not start (see $WORK_DIR/$1.log)"
      if [ "$1" = scg-metrics ]; then
        wait_http "http://127.0.0.1:$SCG_MGMT_PORT/actuator/prometheus" 200 "$SUT_PID" 30 \
          || die "scg-metrics exposes no /actuator/prometheus (see $WORK_DIR/$1.log)"
      fi
      URL="http://127.0.0.1:$SCG_PORT/edge/orders" ;;
    plain | edge | plain@* | edge@*)
      # plain@NAME / edge@NAME: the same route with the gateway's environment extended by $VARIANT_NAME (space-separated
      # KEY=VALUE pairs), for an A/B of one setting in the same run, e.g.
      #   VARIANT_noobs="SPRING_CLOUD_GATEWAY_SERVER_WEBFLUX_OBSERVABILITY_ENABLED=false" CONFIGS="plain plain@noobs"
      # JAR_NAME, when set, runs another build of the gateway under that name (e.g. the commit before a change).
      local route="${1%%@*}" variant="" jarvar="" jar="$GATEWAY_JAR" extra=()
      if [ "$route" != "$1" ]; then
        variant="VARIANT_${1#*@}"; jarvar="JAR_${1#*@}"
        [ -n "${!variant:-}" ] || [ -n "${!jarvar:-}" ] \
          || die "configuration $1 needs $variant (KEY=VALUE pairs for the gateway's environment) or $jarvar (a gateway jar)"
        [ -n "${!variant:-}" ] && read -r -a extra <<<"${!variant}"
        [ -n "${!jarvar:-}" ] && jar="${!jarvar}"
      fi
      start "gateway-$1" "$WORK_DIR/gateway-$1.log" env "${extra[@]}" SERVER_PORT="$GATEWAY_PORT" MANAGEMENT_SERVER_PORT="$GATEWAY_MGMT_PORT" \
        AUTH_JWKS_URI="$JWKS_URI" AUTH_ISSUER="$ISSUER" AUTH_AUDIENCE="$AUDIENCE" REDIS_URL="redis://127.0.0.1:$REDIS_PORT" \
        BACKEND_URL="http://127.0.0.1:$BACKEND_PORT" SPRING_CONFIG_ADDITIONAL_LOCATION="file:$HERE/config/portcullis-bench.yml" \
        "$JAVA" $JAVA_OPTS_BENCH -jar "$jar"
      SUT_PID=$LAST_PID; SUT_OWN=1
      wait_http "http://127.0.0.1:$GATEWAY_MGMT_PORT/actuator/health/readiness" 200 "$SUT_PID" 120 \
        || die "gateway did not become ready (see $WORK_DIR/gateway-$1.log)"
      URL="http://127.0.0.1:$GATEWAY_PORT/$route/orders" ;;
    baseline)
      start baseline "$WORK_DIR/baseline.log" env SERVER_PORT="$BASELINE_PORT" AUTH_JWKS_URI="$JWKS_URI" AUTH_ISSUER="$ISSUER" \
        AUTH_AUDIENCE="$AUDIENCE" REDIS_URL="redis://127.0.0.1:$REDIS_PORT" BACKEND_URL="http://127.0.0.1:$BACKEND_PORT" \
        "$JAVA" $JAVA_OPTS_BENCH -jar "$BASELINE_JAR"
      SUT_PID=$LAST_PID; SUT_OWN=1
      wait_http "http://127.0.0.1:$BASELINE_PORT/edge/orders" 401 "$SUT_PID" 120 \
        || die "baseline did not start (see $WORK_DIR/baseline.log)"
      URL="http://127.0.0.1:$BASELINE_PORT/edge/orders" ;;
    *) die "unknown configuration $1" ;;
  esac
}

# check_answers NAME: valid tokens must all get 200; where a token is required, forged ones must all get 401
check_answers() {
  local name="$1" line requests
  line="$(run_wrk 2 "$URL" "$VALID" 1)"
  requests="$(field "$line" requests)"
  if [ -z "$requests" ] || [ "$requests" -eq 0 ] || [ "$(field "$line" status_200)" != "$requests" ]; then
    die "$name: valid tokens did not all get 200: $line"
  fi
  if [ "${name%%@*}" = edge ] || [ "$name" = baseline ]; then
    line="$(run_wrk 2 "$URL" "$FORGED" 1)"
    requests="$(field "$line" requests)"
    # refused: 401, or on the edge 429 once this client's budget of failed verifications is spent (no RSA work then)
    local refused=$(( $(field "$line" status_401) + 0 ))
    [ "${name%%@*}" = edge ] && refused=$(( refused + $(field "$line" status_429) + 0 ))
    if [ -z "$requests" ] || [ "$requests" -eq 0 ] || [ "$refused" != "$requests" ]; then
      die "$name: forged tokens were not all refused: $line"
    fi
    echo "   answers ok: valid -> 200, forged -> refused (401 $(field "$line" status_401), 429 $(field "$line" status_429))"
  else
    echo "   answers ok: valid -> 200 (no token check on this configuration)"
  fi
}

measure() {
  local name="$1" key="$MIX:$1:$ROUND" before_sut before_backend before_redis line requests
  echo "== $name ($MIX, round $ROUND/$ROUNDS): warm-up ${WARMUP}s"
  run_wrk "$WARMUP" "$URL" "$VALID" 0 >/dev/null
  check_answers "$name"
  if [ "$JFR" = 1 ] && [ "$SUT_OWN" = 1 ]; then
    "$JCMD" "$SUT_PID" JFR.start name=bench duration="${DURATION}s" filename="$WORK_DIR/$MIX-$name-$ROUND.jfr" settings=profile >/dev/null
  fi
  if [ -n "$ASYNC_PROFILER" ] && [ "$SUT_OWN" = 1 ]; then
    "$JAVA" "$HERE/scripts/AgentLoad.java" "$SUT_PID" "$ASYNC_PROFILER" "start,event=${PROFILE_EVENT:-cpu},interval=${PROFILE_INTERVAL:-1ms}" >/dev/null
  fi
  local limits_before=""
  [ "${name%%@*}" = edge ] && limits_before="$(rate_limit_outcomes)"
  before_sut=$(cpu_ticks "$SUT_PID"); before_backend=$(cpu_ticks "$BACKEND_PID"); before_redis=$(cpu_ticks "$REDIS_PID")
  echo "== $name: measuring ${DURATION}s (wrk -t$THREADS -c$CONNECTIONS)"
  line="$(run_wrk "$DURATION" "$URL" "$VALID" 0)"
  [ -n "$line" ] || die "$name: wrk produced no result"
  requests="$(field "$line" requests)"
  [ "$(field "$line" non2xx)" = 0 ] || die "$name: non-2xx answers during the measured run: $line"
  RESULT[$key]="$line"
  CPU_GW[$key]=$(( $(cpu_ticks "$SUT_PID") - before_sut ))
  CPU_BACKEND[$key]=$(( $(cpu_ticks "$BACKEND_PID") - before_backend ))
  CPU_REDIS[$key]=$(( $(cpu_ticks "$REDIS_PID") - before_redis ))
  echo "   $line"
  if [ -n "$limits_before" ]; then
    # the rate limit must have been checked, not skipped: "unchecked" means Redis did not answer in time (fail-open)
    read -r a0 d0 u0 <<<"$limits_before"; read -r a1 d1 u1 <<<"$(rate_limit_outcomes)"
    UNCHECKED[$key]=$(( u1 - u0 ))
    echo "   rate limit during the window: allowed $(( a1 - a0 )), denied $(( d1 - d0 )), unchecked $(( u1 - u0 ))"
  fi
  if [ -n "$ASYNC_PROFILER" ] && [ "$SUT_OWN" = 1 ]; then
    "$JAVA" "$HERE/scripts/AgentLoad.java" "$SUT_PID" "$ASYNC_PROFILER" "stop,collapsed${PROFILE_TOTAL:+,total},file=$WORK_DIR/$MIX-$name-$ROUND.collapsed" >/dev/null
    echo "   profile: $WORK_DIR/$MIX-$name-$ROUND.collapsed (async-profiler, CPU, collapsed stacks)"
  fi
  if [ "$JFR" = 1 ] && [ "$SUT_OWN" = 1 ]; then
    sleep 2
    echo "   JFR: $WORK_DIR/$MIX-$name-$ROUND.jfr"
  fi
}

# Rounds alternate the configurations (scg, plain, edge, ..., scg, plain, edge, ...) so that a slow minute of a shared
# machine hits every configuration alike; the summary takes the median of each round's ratios.
for ((ROUND = 1; ROUND <= ROUNDS; ROUND++)); do
  for MIX in $MIXES; do
    case "$MIX" in
      users) VALID="$POOL" ;;
      hot) VALID="$HOT" ;;
      *) die "unknown token mix $MIX (users, hot)" ;;
    esac
    for config in $CONFIGS; do
      start_config "$config"
      measure "$config"
      if [ "$SUT_OWN" = 1 ]; then stop "$SUT_PID"; fi
    done
  done
done

# --- report -----------------------------------------------------------------------------------------------------------
label() {
  case "$1" in
    direct) echo "backend direct (reactor-netty stand-in)" ;;
    scg) echo "vanilla Spring Cloud Gateway (one route, no actuator)" ;;
    scg-metrics) echo "Spring Cloud Gateway + actuator/Prometheus" ;;
    plain) echo "Portcullis, plain route (public, no rate limit)" ;;
    edge) echo "Portcullis, full edge (token, revocation, rate limit, identity)" ;;
    baseline) echo "baseline: SCG + Spring Security RS + Redis GET" ;;
    *@*) echo "$(label "${1%%@*}") @${1#*@}" ;;
  esac
}
us() { awk -v v="$1" 'BEGIN { printf "%.2f", v / 1000 }'; }
echo
echo "Portcullis load test — $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores, loopback, wrk -t$THREADS -c$CONNECTIONS, warm-up ${WARMUP}s, measured ${DURATION}s"
echo "java: $("$JAVA" -version 2>&1 | head -n 1), $JAVA_OPTS_BENCH; access logs off in every configuration"
# ratio A B: A against B (req/s, p99 difference, proxy CPU per request)
ratio() {
  local a="${RESULT[$1]:-}" b="${RESULT[$2]:-}"
  [ -n "$a" ] && [ -n "$b" ] || { echo "-"; return 0; }
  awk -v x="$(field "$a" rps)" -v y="$(field "$b" rps)" -v px="$(field "$a" p99_us)" -v py="$(field "$b" p99_us)" \
    -v cx="${CPU_GW[$1]}" -v cy="${CPU_GW[$2]}" -v nx="$(field "$a" requests)" -v ny="$(field "$b" requests)" \
    'BEGIN { if (cy > 0) printf "%.2fx req/s, p99 %+.2f ms, %.2fx CPU/req", x / y, (px - py) / 1000, (cx / nx) / (cy / ny);
             else printf "%.2fx req/s, p99 %+.2f ms", x / y, (px - py) / 1000 }'
}
for ((R = 1; R <= ROUNDS; R++)); do
  for MIX in $MIXES; do
    echo
    case "$MIX" in users) echo "### token mix: $TOKENS users round-robin (round $R/$ROUNDS)" ;; hot) echo "### token mix: one hot user (round $R/$ROUNDS)" ;; esac
    printf '| %-56s | %7s | %6s | %6s | %8s | %11s | %12s | %12s | %-44s |\n' configuration "req/s" "p50 ms" "p99 ms" \
      "p99.9 ms" "proxy CPU s" "proxy µs/req" "redis µs/req" "x vanilla SCG"
    echo '|---|---:|---:|---:|---:|---:|---:|---:|---|'
    for config in $CONFIGS; do
      key="$MIX:$config:$R"
      line="${RESULT[$key]}"
      requests="$(field "$line" requests)"
      proxy_cpu="-"; proxy_per="-"
      if [ "$config" != direct ]; then
        proxy_cpu=$(awk -v t="${CPU_GW[$key]}" -v hz="$CLK_TCK" 'BEGIN { printf "%.1f", t / hz }')
        proxy_per=$(awk -v t="${CPU_GW[$key]}" -v hz="$CLK_TCK" -v n="$requests" 'BEGIN { printf "%.1f", t / hz * 1e6 / n }')
      fi
      redis_per=$(awk -v t="${CPU_REDIS[$key]}" -v hz="$CLK_TCK" -v n="$requests" 'BEGIN { printf "%.1f", t / hz * 1e6 / n }')
      versus="-"
      [ "$config" != scg ] && [ "$config" != direct ] && versus="$(ratio "$key" "$MIX:scg:$R")"
      printf '| %-56s | %7.0f | %6s | %6s | %8s | %11s | %12s | %12s | %-44s |\n' "$(label "$config")" "$(field "$line" rps)" \
        "$(us "$(field "$line" p50_us)")" "$(us "$(field "$line" p99_us)")" "$(us "$(field "$line" p999_us)")" \
        "$proxy_cpu" "$proxy_per" "$redis_per" "$versus"
    done
    echo
    echo "full edge / Spring Security baseline: $(ratio "$MIX:edge:$R" "$MIX:baseline:$R")"
    echo "full edge / Portcullis plain route:   $(ratio "$MIX:edge:$R" "$MIX:plain:$R")"
    echo "full edge, rate-limit decisions left unchecked (Redis too slow: fail-open) in the window: ${UNCHECKED[$MIX:edge:$R]:--}"
  done
done

# median of the per-round values of one quantity: median KIND MIX CONFIG (KIND: rps, us, rps_ratio, cpu_ratio, p99_diff)
value() {
  local kind="$1" key="$2" base="$3" a b
  a="${RESULT[$key]:-}"; b="${RESULT[$base]:-}"
  [ -n "$a" ] || return 0
  case "$kind" in
    rps) field "$a" rps ;;
    p99) field "$a" p99_us ;;
    us) awk -v t="${CPU_GW[$key]}" -v hz="$CLK_TCK" -v n="$(field "$a" requests)" 'BEGIN { printf "%.1f", t / hz * 1e6 / n }' ;;
    rps_ratio) [ -n "$b" ] && awk -v x="$(field "$a" rps)" -v y="$(field "$b" rps)" 'BEGIN { printf "%.3f", x / y }' ;;
    cpu_ratio) [ -n "$b" ] && awk -v cx="${CPU_GW[$key]}" -v cy="${CPU_GW[$base]}" -v nx="$(field "$a" requests)" \
      -v ny="$(field "$b" requests)" 'BEGIN { if (cy > 0) printf "%.3f", (cx / nx) / (cy / ny) }' ;;
    p99_diff) [ -n "$b" ] && awk -v x="$(field "$a" p99_us)" -v y="$(field "$b" p99_us)" 'BEGIN { printf "%.2f", (x - y) / 1000 }' ;;
  esac
}
median() {
  local kind="$1" mix="$2" config="$3" against="${4:-scg}" r values=()
  for ((r = 1; r <= ROUNDS; r++)); do
    values+=("$(value "$kind" "$mix:$config:$r" "$mix:$against:$r")")
  done
  printf '%s\n' "${values[@]}" | grep -v '^$' | sort -g | awk '{ v[NR] = $1 } END { if (NR == 0) print "-"; else if (NR % 2) print v[(NR + 1) / 2]; else printf "%.3f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
if [ "$ROUNDS" -gt 1 ]; then
  for MIX in $MIXES; do
    echo
    case "$MIX" in users) echo "### median of $ROUNDS rounds — $TOKENS users round-robin" ;; hot) echo "### median of $ROUNDS rounds — one hot user" ;; esac
    printf '| %-56s | %7s | %7s | %12s | %14s | %12s | %14s |\n' configuration "req/s" "p99 ms" "proxy µs/req" "x SCG req/s" "p99 vs SCG" "x SCG CPU/req"
    echo '|---|---:|---:|---:|---:|---:|---:|'
    for config in $CONFIGS; do
      [ "$config" = direct ] && continue
      printf '| %-56s | %7.0f | %7s | %12s | %14s | %12s | %14s |\n' "$(label "$config")" "$(median rps "$MIX" "$config")" \
        "$(us "$(median p99 "$MIX" "$config")")" "$(median us "$MIX" "$config")" "$(median rps_ratio "$MIX" "$config")" \
        "$(median p99_diff "$MIX" "$config")" "$(median cpu_ratio "$MIX" "$config")"
    done
    case " $CONFIGS " in *" baseline "*) echo "full edge / Spring Security baseline (median): $(median rps_ratio "$MIX" edge baseline)x req/s, $(median cpu_ratio "$MIX" edge baseline)x CPU/req" ;; esac
  done
fi
echo "(CPU from /proc/<pid>/stat utime+stime over the measured window; wrk's own CPU is not counted. Work dir: $WORK_DIR)"
