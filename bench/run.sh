#!/usr/bin/env bash
# bench/run.sh - `make bench`: throughput and tail latency of an
# authenticated API call against a same-run baseline.
#
# Starts a node like the integration tests do (integration/lib.sh, without
# LDAP), signs in, and runs wrk (BENCH_CONNECTIONS connections, BENCH_THREADS
# threads, BENCH_SECONDS per round after a BENCH_WARMUP warm-up, BENCH_ROUNDS
# rounds, median reported) on
#   - GET /api/v1/me with a bearer token: HTTP parsing, session check and
#     profile (two identity RPCs), protobuf -> JSON;
#   - a static file of the web UI served by the same gateway: the baseline,
#     everything but the RPC.
# Prints a table and writes it, with the machine and how to reproduce, to
# docs/benchmarks.md.
SUITE=bench
source "$(dirname "$0")/../integration/lib.sh"

CONNS=${BENCH_CONNECTIONS:-50}
THREADS=${BENCH_THREADS:-2}
SECONDS_PER_ROUND=${BENCH_SECONDS:-10}
WARMUP=${BENCH_WARMUP:-3}
ROUNDS=${BENCH_ROUNDS:-3}
OUT=${BENCH_OUT:-$CAB_ROOT/docs/benchmarks.md}
RPS_static=0 P99_static=0 RPS_me=0 P99_me=0 # medians, set by bench()

command -v wrk >/dev/null || { log "wrk is not installed (deploy/install-deps.sh)"; exit 2; }

export ENV_LDAP=0
export CABINET_LOG_LEVEL=warn   # an access log line per request would measure the disk
env_start

login_ready TOKEN admin "$ADMIN_PASSWORD" || { fail "admin signs in"; finish; }
call GET /api/v1/me "" "$TOKEN"
assert_status "GET /api/v1/me answers before the benchmark" 200

STATIC=""
for f in index.html app.js style.css; do
  [ -f "$CABINET_WEB_DIR/$f" ] || continue
  call GET "/$f"
  if [ "$STATUS" == 200 ]; then
    STATIC=/$f
    break
  fi
done
check "the gateway serves a static file of the web UI" test -n "$STATIC"
[ -n "$STATIC" ] || finish
STATIC_BYTES=$(wc -c <"$CABINET_WEB_DIR${STATIC}")

# to_ms VALUE: wrk's "1.23ms" / "850.00us" / "1.02s" in milliseconds
to_ms() {
  awk -v v="$1" 'BEGIN {
    n = v + 0
    if (v ~ /us$/) n = n / 1000; else if (v ~ /ms$/) n = n; else if (v ~ /m$/) n = n * 60000; else if (v ~ /s$/) n = n * 1000
    printf "%.3f", n }'
}

# round PATH [HEADER]: one wrk run; prints "requests_per_s p99_ms non2xx errors"
round() {
  local path=$1 hdr=${2-} out=$ENV_DIR/wrk.out args=()
  [ -n "$hdr" ] && args=(-H "$hdr")
  wrk -t "$THREADS" -c "$CONNS" -d "${SECONDS_PER_ROUND}s" --latency "${args[@]}" "$BASE_URL$path" >"$out" 2>&1
  local rps p99 non2xx errors
  rps=$(awk '/^Requests\/sec:/ { print $2 }' "$out")
  p99=$(awk '$1 == "99%" { print $2 }' "$out")
  non2xx=$(awk '/Non-2xx or 3xx responses:/ { print $NF }' "$out")
  errors=$(awk '/Socket errors:/ { s = 0; for (i = 4; i <= NF; i += 2) s += $i; print s }' "$out")
  echo "${rps:-0} $(to_ms "${p99:-0}") ${non2xx:-0} ${errors:-0}"
}

median() { sort -g | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }

# bench NAME PATH [HEADER]: warm-up, then ROUNDS rounds; sets RPS_<NAME>, P99_<NAME>
bench() {
  local name=$1 path=$2 hdr=${3-} i r all=() bad=0 args=()
  [ -n "$hdr" ] && args=(-H "$hdr")
  wrk -t "$THREADS" -c "$CONNS" -d "${WARMUP}s" "${args[@]}" "$BASE_URL$path" >/dev/null 2>&1
  for i in $(seq 1 "$ROUNDS"); do
    r=$(round "$path" "$hdr")
    all+=("$r")
    printf '   %-8s round %d: %10.0f req/s   p99 %8.2f ms   non-2xx %s   socket errors %s\n' \
      "$name" "$i" $r
    set -- $r
    [ "$3" != 0 ] && bad=1
  done
  printf -v "RPS_$name" '%s' "$(printf '%s\n' "${all[@]}" | awk '{ print $1 }' | median)"
  printf -v "P99_$name" '%s' "$(printf '%s\n' "${all[@]}" | awk '{ print $2 }' | median)"
  if [ "$bad" == 0 ]; then pass "$name: every response was 2xx"; else
    fail "$name: every response was 2xx" "see non-2xx counts above"
  fi
}

printf '\n== wrk: %d connections, %d threads, %d s x %d rounds (+%d s warm-up), median\n' \
  "$CONNS" "$THREADS" "$SECONDS_PER_ROUND" "$ROUNDS" "$WARMUP"
bench static "$STATIC"
bench me /api/v1/me "Authorization: Bearer $TOKEN"
call GET /api/v1/me "" "$TOKEN"
assert_status "the node still answers after the benchmark" 200

ratio=$(awk -v a="$RPS_me" -v b="$RPS_static" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }')
CPU=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)
NPROC=$(nproc)
DATE=$(date -u +%Y-%m-%dT%H:%M:%SZ)
COMMIT=$(git -C "$CAB_ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)
TABLE=$(
  printf '| endpoint | requests/s (median) | p99 latency (median) |\n'
  printf '| --- | ---: | ---: |\n'
  printf '| `GET %s` (static, %s bytes) - baseline | %.0f | %.2f ms |\n' "$STATIC" "$STATIC_BYTES" "$RPS_static" "$P99_static"
  printf '| `GET /api/v1/me` (bearer token, 2 identity RPCs) | %.0f | %.2f ms |\n' "$RPS_me" "$P99_me"
  printf '| ratio me / static | %s | |\n' "$ratio"
)
printf '\n%s\n\n' "$TABLE"

if [ "$T_FAIL" -eq 0 ]; then
  mkdir -p "$(dirname "$OUT")"
  cat >"$OUT" <<EOF
# Benchmarks

Measured by \`make bench\` (bench/run.sh). Figures depend on the machine;
compare the ratio, which is measured in the same run against a baseline
served by the same gateway process.

- date: $DATE, commit $COMMIT, build \`$BUILD\`
- machine: $NPROC CPUs, $CPU
- load: wrk, $CONNS connections, $THREADS threads, ${SECONDS_PER_ROUND} s per round after a ${WARMUP} s warm-up,
  $ROUNDS rounds, median of the rounds; wrk, the gateway, the identity
  service and PostgreSQL share the machine.
- node: one gateway (CABINET_HTTP_THREADS=$CABINET_HTTP_THREADS), one identity service
  (CABINET_WORKERS=$CABINET_WORKERS), PostgreSQL on a Unix socket, log level warn.

$TABLE

\`GET /api/v1/me\` goes through HTTP parsing, two identity RPCs over ZeroMQ
(the session check \`identity.Authenticate\`, then \`identity.GetMe\`), each a
PostgreSQL query, and turns the protobuf reply into JSON; the static file
measures the same HTTP path without the RPCs.

## Reproduce

    make bench                                   # build, start a node, measure
    BENCH_SECONDS=30 BENCH_ROUNDS=5 make bench   # longer runs

or by hand against a running node (\`make run\`):

    TOKEN=\$(curl -s -H 'Content-Type: application/json' \\
      -d '{"username":"admin","password":"demo-Cabinet-2026"}' \\
      http://127.0.0.1:8080/api/v1/auth/login | jq -r .token)
    wrk -t2 -c50 -d10s --latency -H "Authorization: Bearer \$TOKEN" http://127.0.0.1:8080/api/v1/me
    wrk -t2 -c50 -d10s --latency http://127.0.0.1:8080$STATIC
EOF
  note "written to ${OUT#"$CAB_ROOT/"}"
fi
finish
