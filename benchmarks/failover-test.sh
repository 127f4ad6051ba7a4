#!/usr/bin/env bash
# What losing a Redis master costs the gateway, measured: runs the gateway's fail-over tests (a real Redis Cluster of
# three masters + three replicas, and a master + replica + three Sentinels; two gateway instances under client
# traffic; one master SIGKILLed) RUNS times and prints, per scenario, Redis' own fail-over time (kill -> replica
# promoted and every node healthy) and each instance's window of refused requests (first to last 503) and how long
# after Redis was healthy it still refused.
#
#   benchmarks/failover-test.sh            # RUNS=3
#   RUNS=5 benchmarks/failover-test.sh
#
# Figures come from gateway/target/failover-measurements.log, one line per fail-over, written by the tests
# (RedisFailoverTestSupport). Each run executes every test twice (the module's default and BlockHound surefire
# executions both honour -Dtest), so RUNS=3 gives six samples per scenario. Timing bounds in the tests are generous;
# the exact figures are what this prints. Run it on an idle machine: a loaded one stretches every step.
set -euo pipefail
cd "$(dirname "$0")/.."

RUNS=${RUNS:-3}
LOG=gateway/target/failover-measurements.log
TESTS='RedisClusterFailoverIntegrationTest,RedisSentinelFailoverIntegrationTest'
mkdir -p gateway/target
rm -f "$LOG"

for run in $(seq 1 "$RUNS"); do
  echo "run $run/$RUNS ..." >&2
  if ! ./mvnw -q -B -ntp -pl gateway -am test -Dtest="$TESTS" -Dsurefire.failIfNoSpecifiedTests=false >/dev/null 2>&1; then
    echo "run $run: a test failed (its figures are still in $LOG); see gateway/target/surefire-reports" >&2
  fi
done

[ -s "$LOG" ] || { echo "no measurements in $LOG" >&2; exit 1; }

echo
echo "every fail-over (ms):"
cat "$LOG"
echo
# scenario | samples | Redis fail-over (median, min-max) | refused window per instance (median, max) | refused after
# Redis was healthy (median, max)
awk '
  function num(s) { gsub(/[^0-9]/, "", s); return s + 0 }
  {
    what = ""; for (i = 1; i <= NF; i++) if ($i ~ /^what=/) what = substr($i, 6)
    match($0, /redis_failover_ms=[0-9]+/); redis = num(substr($0, RSTART, RLENGTH))
    match($0, /refused_window_ms=\[[0-9]+, [0-9]+\]/); w = substr($0, RSTART, RLENGTH); split(w, ws, ",")
    match($0, /serving_after_healthy_ms=\[[0-9]+, [0-9]+\]/); a = substr($0, RSTART, RLENGTH); split(a, as, ",")
    n[what]++; k = n[what]
    R[what, k] = redis; W[what, 2 * k - 1] = num(substr(ws[1], index(ws[1], "[")));
    W[what, 2 * k] = num(ws[2]); A[what, 2 * k - 1] = num(substr(as[1], index(as[1], "["))); A[what, 2 * k] = num(as[2])
  }
  function stats(arr, what, count,    i, j, t, v) {
    for (i = 1; i <= count; i++) v[i] = arr[what, i]
    for (i = 1; i <= count; i++) for (j = i + 1; j <= count; j++) if (v[j] < v[i]) { t = v[i]; v[i] = v[j]; v[j] = t }
    return sprintf("%6d  %6d-%-6d", v[int((count + 1) / 2)], v[1], v[count])
  }
  END {
    printf "%-28s %7s  %-22s  %-22s  %-22s\n", "scenario", "samples", "Redis fail-over", "refused window", "refused after healthy"
    printf "%-28s %7s  %-22s  %-22s  %-22s\n", "", "", "median  min-max", "median  min-max", "median  min-max"
    for (what in n) printf "%-28s %7d  %-22s  %-22s  %-22s\n", what, n[what], stats(R, what, n[what]),
        stats(W, what, 2 * n[what]), stats(A, what, 2 * n[what])
  }' "$LOG"
