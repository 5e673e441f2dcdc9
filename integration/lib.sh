# shellcheck shell=bash
# integration/lib.sh - the integration test harness. A suite sources it,
# calls env_start, drives the node from outside (HTTP with curl, Kafka with
# kcat, LDAP with ldapsearch) and ends with `finish`.
#
#   env_start   private temp dir (/tmp/cab.XXXXXX), free ports, a temporary
#               PostgreSQL cluster, slapd loaded with integration/ldap/
#               directory.ldif, the development Kafka broker, cabinet-identity
#               (bootstrap admin + seed-demo) and cabinet-gateway; waits for
#               /readyz. Settings a suite wants different (CABINET_LOCKOUT_
#               THRESHOLD, CABINET_RPC_TIMEOUT_MS, ...) are exported before.
#   env_stop    stops everything it started (also on EXIT/INT/TERM, so a
#               failing or interrupted suite leaves nothing behind), checks
#               that every service stopped cleanly and that no sanitizer
#               report is in their logs, removes the temp dir.
#
# Results: pass/fail/assert_* count checks; `finish` prints the closing line
# "<suite>: N passed, M failed" and exits non-zero if anything failed.
# Service logs go to $CABINET_TEST_LOG_DIR when set (tests/run-all.sh sets
# it), else into the temp dir, whose tails are printed on failure.

set -uo pipefail

CAB_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${BUILD:-build}
case $BUILD in
/*) CAB_BUILD=$BUILD ;;
*) CAB_BUILD=$CAB_ROOT/$BUILD ;;
esac
CAB_BIN=$CAB_BUILD/bin
SUITE=${SUITE:-$(basename "$0" .sh)}
SUITE=${SUITE#test_}

T_PASS=0
T_FAIL=0
T_FAILED_NAMES=()
ENV_DIR=""
ENV_LOG_DIR=""
ENV_STOPPED=0
ENV_FINISHED=0
ENV_PORTS=()
declare -A ENV_PID=()
ENV_ORDER=()          # start order of tracked processes; stopped in reverse
API_TIMEOUT=${API_TIMEOUT:-15}
ENV_READY_TIMEOUT=${ENV_READY_TIMEOUT:-90}
ENV_LDAP=${ENV_LDAP:-1}
CAB_PG_FSYNC=${CAB_PG_FSYNC:-off} # tests need no durability (pg_restart can change it)

# LDAP test directory (integration/ldap/directory.ldif)
LDAP_SUFFIX="dc=tinh,dc=gov,dc=vn"
LDAP_PEOPLE="ou=people,$LDAP_SUFFIX"
LDAP_SERVICE_DN="cn=cabinet,ou=services,$LDAP_SUFFIX"
LDAP_SERVICE_PW="Ldap-Service-2026"

DEMO_PASSWORD=${CABINET_DEMO_PASSWORD:-demo-Cabinet-2026}

# ---- output and counters -------------------------------------------------

log() { printf '%s\n' "$*" >&2; }
note() { printf '   .. %s\n' "$*"; }

pass() {
  T_PASS=$((T_PASS + 1))
  printf '  ok    %s\n' "$1"
}

# fail NAME [DETAIL...]
fail() {
  local name=$1
  shift
  T_FAIL=$((T_FAIL + 1))
  T_FAILED_NAMES+=("$name")
  printf '  FAIL  %s\n' "$name"
  [ $# -gt 0 ] && printf '%s\n' "$@" | head -c 3000 | sed 's/^/        /'
  return 0
}

# check NAME COMMAND...: passes when the command succeeds.
check() {
  local name=$1
  shift
  if "$@" >/dev/null 2>&1; then pass "$name"; else fail "$name" "command failed: $*"; fi
}

# assert_eq NAME EXPECTED ACTUAL
assert_eq() {
  if [ "$2" == "$3" ]; then
    pass "$1"
  else
    fail "$1" "expected: $2" "got:      $3"
  fi
}

assert_ne() {
  if [ "$2" != "$3" ]; then
    pass "$1"
  else
    fail "$1" "expected anything but: $2"
  fi
}

# assert_status NAME STATUS... : the last request's status is one of them.
assert_status() {
  local name=$1 want
  shift
  for want in "$@"; do
    if [ "$STATUS" == "$want" ]; then
      pass "$name"
      return 0
    fi
  done
  fail "$name" "request: $LAST_REQ" "expected status: $*" "got: $STATUS $(printf '%s' "$BODY" | head -c 600)"
  return 1
}

# assert_json NAME [JQ ARGS...] JQ_FILTER: the filter is true on the last
# body (jq options such as --arg name value go before the filter).
assert_json() {
  local name=$1
  shift
  local filter=${!#}
  local args=("${@:1:$#-1}")
  # jq -e succeeds on empty input: an empty body is a failure here.
  if [ -n "$BODY" ] && printf '%s' "$BODY" | jq -e "${args[@]}" "$filter" >/dev/null 2>&1; then
    pass "$name"
  else
    fail "$name" "request: $LAST_REQ ($STATUS)" "expected: $filter ${args[*]}" \
      "body: $(printf '%s' "$BODY" | head -c 600)"
  fi
}

# assert_error NAME STATUS...: the status is one of them and the body is the
# API's error document with a Vietnamese (non-ASCII) message.
assert_error() {
  local name=$1
  shift
  assert_status "$name: status" "$@" || true
  if printf '%s' "$BODY" | jq -e '(.error.code | type == "string" and length > 0)
        and (.error.message | type == "string" and (explode | any(. > 127)))' \
    >/dev/null 2>&1; then
    pass "$name: error body"
  else
    fail "$name: error body" "request: $LAST_REQ ($STATUS)" \
      'expected {"error":{"code":"...","message":"<Vietnamese>"}}' \
      "got: $(printf '%s' "$BODY" | head -c 600)"
  fi
}

# ---- waiting ---------------------------------------------------------------

now_ms() { date +%s%3N; }

# wait_for TIMEOUT_SECONDS COMMAND...: polls the command until it succeeds.
wait_for() {
  local timeout=$1
  shift
  local deadline=$(($(now_ms) + timeout * 1000))
  while ! "$@" >/dev/null 2>&1; do
    [ "$(now_ms)" -ge "$deadline" ] && return 1
    sleep 0.1
  done
  return 0
}

# ---- ports -------------------------------------------------------------------

port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# free_port VAR: a TCP port nobody listens on, below the kernel's ephemeral
# range (so outgoing connections cannot take it meanwhile), not handed out
# before in this run. Random, so parallel suites do not pick the same one.
free_port() {
  local -n _out=$1
  local low=32768 p i
  read -r low _ </proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || true
  [ "$low" -gt 12000 ] || low=32768
  for i in $(seq 1 500); do
    p=$((10000 + (RANDOM * 32768 + RANDOM) % (low - 10000)))
    [[ " ${ENV_PORTS[*]-} " == *" $p "* ]] && continue
    port_in_use "$p" && continue
    ENV_PORTS+=("$p")
    _out=$p
    return 0
  done
  log "no free TCP port found"
  return 1
}

# ---- processes ---------------------------------------------------------------

# start_proc NAME COMMAND...: runs it in the background, output appended to
# $ENV_LOG_DIR/NAME.log, and tracks its pid.
start_proc() {
  local name=$1
  shift
  "$@" >>"$ENV_LOG_DIR/$name.log" 2>&1 &
  ENV_PID[$name]=$!
  local n
  for n in "${ENV_ORDER[@]}"; do [ "$n" == "$name" ] && return 0; done
  ENV_ORDER+=("$name")
}

proc_alive() { [ -n "${ENV_PID[$1]:-}" ] && kill -0 "${ENV_PID[$1]}" 2>/dev/null; }

# stop_proc NAME [SIGNAL]: signals it, waits up to 20 s (then SIGKILL);
# STOP_RC is its exit status (128+n for a signal).
STOP_RC=""
stop_proc() {
  local name=$1 sig=${2:-TERM} pid=${ENV_PID[$1]:-} i
  STOP_RC=""
  [ -n "$pid" ] || return 0
  # the shell's own "Killed" job notice would only clutter the output
  exec 4>&2 2>/dev/null
  kill -"$sig" "$pid"
  for i in $(seq 1 200); do
    kill -0 "$pid" || break
    sleep 0.1
  done
  if kill -0 "$pid"; then
    log "$name (pid $pid) did not stop within 20 s after SIG$sig; killing it" 2>&4
    kill -KILL "$pid"
  fi
  wait "$pid"
  STOP_RC=$?
  exec 2>&4 4>&-
  unset "ENV_PID[$name]"
}

tail_logs() {
  local f
  for f in "$ENV_LOG_DIR"/*.log; do
    [ -f "$f" ] || continue
    echo "---- last lines of $f"
    tail -n "${1:-25}" "$f"
  done
}

# ---- PostgreSQL ----------------------------------------------------------------

PGBIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)

as_pg() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

pg_start() {
  [ -x "$PGBIN/initdb" ] || { log "PostgreSQL server binaries not found under /usr/lib/postgresql"; return 1; }
  PG_DIR=$ENV_DIR/pg
  mkdir -p "$PG_DIR"
  [ "$(id -u)" -eq 0 ] && chown postgres: "$PG_DIR"
  as_pg "$PGBIN/initdb" -D "$PG_DIR/data" -U postgres -E UTF8 --locale=C.UTF-8 \
    -A trust -N >"$ENV_DIR/initdb.log" 2>&1 ||
    { cat "$ENV_DIR/initdb.log" >&2; return 1; }
  as_pg "$PGBIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/postgres.log" -w -t 60 -o "$(pg_opts)" \
    start >/dev/null 2>&1 ||
    { cat "$PG_DIR/postgres.log" >&2; return 1; }
  as_pg "$PGBIN/psql" -h "$PG_DIR" -p 5432 -U postgres -d postgres -qAt \
    -c "CREATE DATABASE cabinet" >/dev/null || return 1
  export CABINET_DB="host=$PG_DIR port=5432 user=postgres dbname=cabinet"
}

# pg_opts: the server's settings (fsync as CAB_PG_FSYNC says).
pg_opts() { echo "-k $PG_DIR -c listen_addresses='' -p 5432 -c fsync=$CAB_PG_FSYNC -c max_connections=200"; }

# pg_restart: stop and start the node's PostgreSQL with pg_opts as they are
# now; the services reconnect by themselves.
pg_restart() {
  as_pg "$PGBIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/postgres.log" -w -t 60 -m fast -o "$(pg_opts)" \
    restart >/dev/null 2>&1
}

pg_stop() {
  [ -n "${PG_DIR:-}" ] && [ -f "$PG_DIR/data/postmaster.pid" ] || return 0
  as_pg "$PGBIN/pg_ctl" -D "$PG_DIR/data" -m fast -w -t 30 stop >/dev/null 2>&1 || {
    local pid
    pid=$(head -n 1 "$PG_DIR/data/postmaster.pid" 2>/dev/null)
    [ -n "$pid" ] && kill -KILL "$pid" 2>/dev/null
  }
  [ -f "$PG_DIR/postgres.log" ] && cp "$PG_DIR/postgres.log" "$ENV_LOG_DIR/postgres.log" 2>/dev/null
  return 0
}

# psql_q SQL: runs SQL in the node's database, unaligned tuples only.
psql_q() {
  as_pg "$PGBIN/psql" -h "$PG_DIR" -p 5432 -U postgres -d cabinet -qAt -v ON_ERROR_STOP=1 -c "$1"
}

# ---- slapd -------------------------------------------------------------------------

ldap_start() {
  local dir=$ENV_DIR/ldap attempt
  mkdir -p "$dir/db"
  cat >"$dir/slapd.conf" <<EOF
include /etc/ldap/schema/core.schema
include /etc/ldap/schema/cosine.schema
include /etc/ldap/schema/inetorgperson.schema
modulepath /usr/lib/ldap
moduleload back_mdb
pidfile $dir/slapd.pid
database mdb
maxsize 16777216
suffix "$LDAP_SUFFIX"
rootdn "cn=admin,$LDAP_SUFFIX"
rootpw Ldap-Root-$RANDOM$RANDOM
directory $dir/db
access to attrs=userPassword by anonymous auth by self write by * none
access to * by users read by * none
EOF
  /usr/sbin/slapadd -q -f "$dir/slapd.conf" -l "$CAB_ROOT/integration/ldap/directory.ldif" \
    >"$ENV_LOG_DIR/slapadd.log" 2>&1 || { cat "$ENV_LOG_DIR/slapadd.log" >&2; return 1; }
  for attempt in 1 2 3; do
    free_port LDAP_PORT || return 1
    LDAP_URI="ldap://127.0.0.1:$LDAP_PORT"
    # -d 0: stay in the foreground (so it is our child and we hold its pid)
    start_proc slapd /usr/sbin/slapd -d 0 -f "$dir/slapd.conf" -h "$LDAP_URI/"
    if wait_for 15 ldap_ping; then
      return 0
    fi
    log "slapd did not answer on $LDAP_URI (attempt $attempt)"
    stop_proc slapd
  done
  return 1
}

ldap_ping() {
  proc_alive slapd &&
    ldapsearch -x -LLL -o nettimeout=2 -H "$LDAP_URI" -D "$LDAP_SERVICE_DN" -w "$LDAP_SERVICE_PW" \
      -b "$LDAP_SUFFIX" -s base dn
}

# ---- Kafka (development broker) ------------------------------------------------------

broker_start() {
  local boot=$ENV_DIR/kafka.bootstrap
  rm -f "$boot"
  start_proc broker "$CAB_BIN/cabinet-broker" --bootstrap-file "$boot" \
    --topic "cabinet.$CABINET_NODE_ID.events:4"
  wait_for 20 test -s "$boot" || { log "the broker wrote no bootstrap address"; return 1; }
  KAFKA_BOOTSTRAP=$(cat "$boot")
  export CABINET_KAFKA_BOOTSTRAP=$KAFKA_BOOTSTRAP
}

# kafka_events TOPIC: every record of the topic, one line each:
#   partition <TAB> offset <TAB> key <TAB> value size (-1: tombstone) <TAB> headers
kafka_events() {
  kcat -C -b "$KAFKA_BOOTSTRAP" -t "$1" -o beginning -e -q -m 10 \
    -f '%p\t%o\t%k\t%S\t%h\n' 2>/dev/null
}

# kafka_value TOPIC PARTITION OFFSET: the raw value of one record.
kafka_value() {
  kcat -C -b "$KAFKA_BOOTSTRAP" -t "$1" -p "$2" -o "$3" -c 1 -e -q -m 10 -f '%s' 2>/dev/null
}

# header VALUE of name in a kcat headers field ("a=1,b=2").
kafka_header() {
  printf '%s' "$1" | tr ',' '\n' | sed -n "s/^$2=//p" | head -n 1
}

# pb_decode VIEW < raw: text form of an event (views in integration/event_views.proto:
# UserEvent, UnitEvent, DirectoryEvent) or of a cabinet.v1 message (full name).
pb_decode() {
  local type=$1
  [[ $type == *.* ]] || type=cabinet.test.$type
  protoc-c -I"$CAB_ROOT/proto" -I"$CAB_ROOT/integration" --decode="$type" \
    "$CAB_ROOT/integration/event_views.proto"
}

# pb_fields < text: the decoded text as "path<TAB>value" lines
# (payload.user.full_name<TAB>"...").
pb_fields() {
  awk '
    /^ *[A-Za-z0-9_]+ \{$/ { s = $0; sub(/^ */, "", s); sub(/ \{$/, "", s); stack[++n] = s; next }
    /^ *\}$/ { n--; next }
    {
      line = $0; sub(/^ */, "", line); i = index(line, ": ")
      if (i == 0) next
      p = ""; for (k = 1; k <= n; k++) p = p stack[k] "."
      print p substr(line, 1, i - 1) "\t" substr(line, i + 2)
    }'
}

# pb_get PATH < fields: the first value at PATH, string escapes undone.
pb_get() {
  local v
  v=$(awk -F'\t' -v p="$1" '$1 == p { sub(/^[^\t]*\t/, ""); print; exit }')
  if [[ $v == \"*\" ]]; then
    v=${v#\"}
    v=${v%\"}
    v=${v//%/%%}
    # shellcheck disable=SC2059 # protoc's C escapes (\303\241, \") are printf's
    printf -- "$v"
  else
    printf '%s' "$v"
  fi
}

# ---- services ------------------------------------------------------------------------

# The node's services in start order, as the Makefile lists them.
mapfile -t CAB_SERVICES < <(make -s --no-print-directory -C "$CAB_ROOT" print-services | tr ' ' '\n')

service_start() { # NAME
  start_proc "$1" "$CAB_BIN/cabinet-$1"
}

identity_start() {
  service_start identity
}

is_service() { # NAME
  local s
  for s in "${CAB_SERVICES[@]}"; do [ "$s" == "$1" ] && return 0; done
  return 1
}

gateway_start() {
  local attempt
  for attempt in 1 2 3; do
    free_port HTTP_PORT || return 1
    export CABINET_HTTP_PORT=$HTTP_PORT
    BASE_URL="http://127.0.0.1:$HTTP_PORT"
    start_proc gateway "$CAB_BIN/cabinet-gateway"
    if wait_for 20 gateway_up; then
      return 0
    fi
    log "the gateway did not answer on $BASE_URL (attempt $attempt)"
    stop_proc gateway
  done
  return 1
}

gateway_up() {
  proc_alive gateway && [ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$BASE_URL/healthz")" == 200 ]
}

readyz_ok() {
  [ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 3 "$BASE_URL/readyz")" == 200 ]
}

# wait_ready [TIMEOUT]: /readyz answers 200 while every service still runs.
wait_ready() {
  local timeout=${1:-$ENV_READY_TIMEOUT}
  local deadline=$(($(now_ms) + timeout * 1000)) name
  while :; do
    readyz_ok && return 0
    for name in "${CAB_SERVICES[@]}" gateway; do
      if ! proc_alive "$name"; then
        log "$name exited while waiting for /readyz"
        return 1
      fi
    done
    [ "$(now_ms)" -ge "$deadline" ] && { log "/readyz not 200 after ${timeout}s"; return 1; }
    sleep 0.1
  done
}

env_start() {
  local need name
  for need in curl jq kcat protoc-c ldapsearch; do
    command -v "$need" >/dev/null || { log "missing tool: $need (run deploy/install-deps.sh)"; exit 2; }
  done
  for need in cabinet-broker "${CAB_SERVICES[@]/#/cabinet-}" cabinet-gateway; do
    [ -x "$CAB_BIN/$need" ] || { log "missing $CAB_BIN/$need (run make)"; exit 2; }
  done
  ENV_DIR=$(mktemp -d /tmp/cab.XXXXXX) || exit 2
  chmod 711 "$ENV_DIR"   # PostgreSQL (user postgres) must traverse it
  trap env_exit EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
  ENV_LOG_DIR=${CABINET_TEST_LOG_DIR:-$ENV_DIR/log}
  mkdir -p "$ENV_LOG_DIR" "$ENV_DIR/run"
  local t0
  t0=$(now_ms)

  # One node, every setting explicit. The tunables below keep a value the
  # suite exported before env_start; the rest is always the harness's own.
  unset CABINET_IDENTITY_RPC CABINET_IDENTITY_PUB
  export CABINET_NODE_ID=${CABINET_NODE_ID:-test.node}
  export CABINET_RUN_DIR=$ENV_DIR/run
  export CABINET_DATA_DIR=$ENV_DIR/data   # stored documents and uploads of this node only
  export CABINET_HTTP_ADDR=127.0.0.1
  export CABINET_WEB_DIR=$CAB_ROOT/gateway/web
  export CABINET_LOG_LEVEL=${CABINET_LOG_LEVEL:-info}
  export CABINET_WORKERS=${CABINET_WORKERS:-4}
  export CABINET_HTTP_THREADS=${CABINET_HTTP_THREADS:-16}
  export CABINET_RPC_TIMEOUT_MS=${CABINET_RPC_TIMEOUT_MS:-5000}
  export CABINET_MAX_BODY_BYTES=${CABINET_MAX_BODY_BYTES:-65536}
  export CABINET_LOCKOUT_THRESHOLD=${CABINET_LOCKOUT_THRESHOLD:-3}
  export CABINET_LOCKOUT_MINUTES=${CABINET_LOCKOUT_MINUTES:-15}
  export CABINET_PASSWORD_MIN_LENGTH=${CABINET_PASSWORD_MIN_LENGTH:-10}
  export CABINET_PASSWORD_MAX_AGE_DAYS=${CABINET_PASSWORD_MAX_AGE_DAYS:-90}
  export CABINET_SESSION_HOURS=${CABINET_SESSION_HOURS:-12}
  export CABINET_COOKIE_SECURE=0
  export CABINET_DEMO_PASSWORD=$DEMO_PASSWORD
  ADMIN_PASSWORD="Quan-tri-$RANDOM-$RANDOM"
  export CABINET_BOOTSTRAP_ADMIN_PASSWORD=$ADMIN_PASSWORD

  pg_start || env_abort "PostgreSQL did not start"
  if [ "$ENV_LDAP" == 1 ]; then
    ldap_start || env_abort "slapd did not start"
    export CABINET_LDAP_URI=$LDAP_URI
    export CABINET_LDAP_BASE_DN=$LDAP_PEOPLE
    export CABINET_LDAP_BIND_DN=$LDAP_SERVICE_DN
    export CABINET_LDAP_BIND_PASSWORD=$LDAP_SERVICE_PW
    export CABINET_LDAP_DEFAULT_UNIT="Văn phòng UBND tỉnh"
    export CABINET_LDAP_TIMEOUT_MS=3000
  else
    unset CABINET_LDAP_URI CABINET_LDAP_BASE_DN CABINET_LDAP_BIND_DN CABINET_LDAP_BIND_PASSWORD \
      CABINET_LDAP_DEFAULT_UNIT
  fi
  broker_start || env_abort "the Kafka broker did not start"
  for name in "${CAB_SERVICES[@]}"; do service_start "$name"; done
  gateway_start || env_abort "the gateway did not start"
  wait_ready || env_abort "the node did not become ready"
  # The demo province, next to the bootstrap admin made at first start.
  for name in "${CAB_SERVICES[@]}"; do
    "$CAB_BIN/cabinet-$name" seed-demo >>"$ENV_LOG_DIR/seed-demo.log" 2>&1 ||
      env_abort "cabinet-$name seed-demo failed"
  done
  wait_ready || env_abort "the node is not ready after seeding"
  note "node ready at $BASE_URL in $(($(now_ms) - t0)) ms (temp $ENV_DIR, logs $ENV_LOG_DIR)"
}

env_abort() {
  log "$SUITE: environment: $*"
  fail "environment: $*"
  tail_logs 40 >&2
  exit 1
}

# env_stop: stop in reverse start order, PostgreSQL last; each service must
# exit 0 on SIGTERM; a sanitizer report in a log fails the suite.
env_stop() {
  [ "$ENV_STOPPED" == 1 ] && return 0
  ENV_STOPPED=1
  local i name rc f
  for ((i = ${#ENV_ORDER[@]} - 1; i >= 0; i--)); do
    name=${ENV_ORDER[$i]}
    [ -n "${ENV_PID[$name]:-}" ] || continue
    stop_proc "$name" TERM
    rc=$STOP_RC
    if is_service "$name" || [ "$name" == gateway ] || [ "$name" == broker ]; then
      if [ "$rc" == 0 ]; then pass "$name stops cleanly on SIGTERM"; else
        fail "$name stops cleanly on SIGTERM" "exit status $rc (see $ENV_LOG_DIR/$name.log)"
      fi
    fi
  done
  pg_stop
  for f in "$ENV_LOG_DIR"/*.log; do
    [ -f "$f" ] || continue
    if grep -qE 'ERROR: (Address|Leak|Memory|Thread)Sanitizer|runtime error: |SUMMARY: (Address|Undefined|Leak)' "$f"; then
      fail "no sanitizer report in $(basename "$f")" "$(grep -m 3 -E 'Sanitizer|runtime error' "$f")"
    fi
  done
  if [ "$T_FAIL" -gt 0 ] && [ "$ENV_LOG_DIR" == "$ENV_DIR/log" ]; then
    tail_logs 30
  fi
  if [ -n "$ENV_DIR" ] && [ -d "$ENV_DIR" ]; then
    rm -rf "$ENV_DIR"
  fi
}

env_exit() {
  local rc=$?
  trap - EXIT INT TERM
  if [ "$ENV_FINISHED" != 1 ]; then
    [ "$rc" -ne 0 ] && [ "$T_FAIL" -eq 0 ] && fail "suite ended early (exit status $rc)"
    env_stop
    summary
    [ "$T_FAIL" -gt 0 ] && exit 1
  fi
  exit "$rc"
}

summary() {
  if [ "$T_FAIL" -gt 0 ]; then
    printf 'failed checks:\n'
    printf '  - %s\n' "${T_FAILED_NAMES[@]}"
  fi
  printf '%s: %d passed, %d failed\n' "$SUITE" "$T_PASS" "$T_FAIL"
}

# finish: stop the environment, print the closing line, exit.
finish() {
  env_stop
  ENV_FINISHED=1
  trap - EXIT INT TERM
  summary
  [ "$T_FAIL" -eq 0 ]
  exit $?
}

# ---- HTTP ------------------------------------------------------------------------------

STATUS=""
BODY=""
LAST_REQ=""

# call VERB PATH [JSON] [TOKEN] [EXTRA CURL ARGS...]: one request; sets
# STATUS (000 when no answer in API_TIMEOUT s), BODY and HEADERS.
call() {
  local verb=$1 path=$2 json=${3-} token=${4-}
  shift $(($# < 4 ? $# : 4))
  local args=(-sS -X "$verb" --max-time "$API_TIMEOUT" -o "$ENV_DIR/body" -D "$ENV_DIR/headers"
    -w '%{http_code}')
  [ -n "$token" ] && args+=(-H "Authorization: Bearer $token")
  LAST_REQ="$verb $path"
  if [ -n "$json" ]; then
    args+=(-H 'Content-Type: application/json' --data-binary @-)
    LAST_REQ+=" $(printf '%s' "$json" | head -c 300)"
  fi
  : >"$ENV_DIR/body"
  STATUS=$(printf '%s' "$json" | curl "${args[@]}" "$@" "$BASE_URL$path" 2>"$ENV_DIR/curl.err")
  [ -n "$STATUS" ] || STATUS=000
  BODY=$(cat "$ENV_DIR/body")
  HEADERS=$(tr -d '\r' <"$ENV_DIR/headers" 2>/dev/null)
  echo "$STATUS" >"$ENV_DIR/status"
}

# api VERB PATH [JSON] [TOKEN]: like call, and prints the body. In a command
# substitution the status is still available through last_status.
api() {
  call "$@"
  printf '%s\n' "$BODY"
}

last_status() { cat "$ENV_DIR/status"; }

# call_raw VERB PATH CONTENT_TYPE BODY_FILE [TOKEN]: a body sent byte for byte.
call_raw() {
  local verb=$1 path=$2 ctype=$3 file=$4 token=${5-}
  local args=(-sS -X "$verb" --max-time "$API_TIMEOUT" -o "$ENV_DIR/body" -D "$ENV_DIR/headers"
    -w '%{http_code}' --data-binary "@$file")
  [ -n "$ctype" ] && args+=(-H "Content-Type: $ctype")
  [ -n "$token" ] && args+=(-H "Authorization: Bearer $token")
  LAST_REQ="$verb $path [$ctype, $(wc -c <"$file") bytes: $(head -c 80 "$file" | tr -c '[:print:]' '?')]"
  : >"$ENV_DIR/body"
  STATUS=$(curl "${args[@]}" "$BASE_URL$path" 2>"$ENV_DIR/curl.err")
  [ -n "$STATUS" ] || STATUS=000
  BODY=$(cat "$ENV_DIR/body")
  HEADERS=$(tr -d '\r' <"$ENV_DIR/headers" 2>/dev/null)
}

# header NAME: value of a response header of the last request (first one).
header() {
  printf '%s\n' "$HEADERS" | awk -v n="$(printf '%s' "$1" | tr 'A-Z' 'a-z')" '
    { i = index($0, ":"); if (i && tolower(substr($0, 1, i - 1)) == n) { v = substr($0, i + 1); sub(/^ */, "", v); print v; exit } }'
}

# jget FILTER: jq -r on the last body.
jget() { printf '%s' "$BODY" | jq -r "$1" 2>/dev/null; }

# login_json USER PASS: the JSON body of a sign-in.
login_json() { jq -cn --arg u "$1" --arg p "$2" '{username: $u, password: $p}'; }

# login USER PASS: prints the session token (empty on failure); the reply
# stays in BODY/STATUS when not called in a command substitution.
login() {
  call POST /api/v1/auth/login "$(login_json "$1" "$2")"
  if [ "$STATUS" == 200 ]; then jget '.token // empty'; fi
}

# login_ready VAR USER PASS: signs in and, if the account must change its
# password first, changes it to PASS-moi-1 and signs in again. Sets VAR to
# the token and PASSWORD_OF[USER] to the password in force.
declare -A PASSWORD_OF=()
login_ready() {
  local -n _tok=$1
  local user=$2 pw=$3 t
  call POST /api/v1/auth/login "$(login_json "$user" "$pw")"
  t=$(jget '.token // empty')
  if [ "$STATUS" == 200 ] && [ "$(jget .must_change_password)" == true ]; then
    local newpw="$pw-moi-1"
    call POST /api/v1/me/password "$(jq -cn --arg o "$pw" --arg n "$newpw" \
      '{old_password: $o, new_password: $n}')" "$t"
    note "$user had to change its password first (status $STATUS)"
    pw=$newpw
    call POST /api/v1/auth/login "$(login_json "$user" "$pw")"
    t=$(jget '.token // empty')
  fi
  PASSWORD_OF[$user]=$pw
  _tok=$t
  [ -n "$t" ]
}

# list_all PATH TOKEN: every item of a paged list ({"items","next"}), one
# compact JSON object per line, following "next" as ?cursor=.
list_all() {
  local path=$1 token=$2 cursor="" sep page=0
  while :; do
    sep='?'
    [[ $path == *\?* ]] && sep='&'
    if [ -n "$cursor" ]; then
      call GET "$path${sep}cursor=$(jq -rn --arg c "$cursor" '$c|@uri')" "" "$token"
    else
      call GET "$path" "" "$token"
    fi
    [ "$STATUS" == 200 ] || { log "list_all $path: status $STATUS"; return 1; }
    jget '.items[] | tojson'
    cursor=$(jget '.next // empty')
    page=$((page + 1))
    [ -n "$cursor" ] && [ "$page" -lt 200 ] || break
  done
}

# scheduling_settled: scheduling's projection holds every agency identity has,
# in its place in the tree, and every account in its agency: what its rules
# read (who may chair a meeting of which agency). It is built from events, so
# a suite that registers meetings right after seeding waits for it first.
scheduling_settled() {
  [ "$(psql_q "SELECT (SELECT count (*) FROM identity.units i LEFT JOIN scheduling.units s
                         ON s.id = i.id AND s.parent_id IS NOT DISTINCT FROM i.parent_id
                        WHERE s.id IS NULL)
                    + (SELECT count (*) FROM identity.users i LEFT JOIN scheduling.users s
                         ON s.id = i.id AND s.unit_id = i.unit_id WHERE s.id IS NULL)")" == 0 ]
}

# unit_id NAME TOKEN: id of the unit with that exact name.
unit_id() {
  list_all /api/v1/units "$2" | jq -r --arg n "$1" 'select(.name == $n) | .id' | head -n 1
}

rand_suffix() { printf '%04x%04x' "$RANDOM" "$RANDOM"; }

# ---- meetings (scheduling over HTTP) -----------------------------------------------------

# vn_at OFFSET HH:MM: RFC 3339 (+07:00) of that time of day, OFFSET days from today.
vn_at() {
  TZ=Asia/Ho_Chi_Minh date -d "$(TZ=Asia/Ho_Chi_Minh date +%F) +$1 days $2" +%Y-%m-%dT%H:%M:%S%:z
}

# meeting_approved VAR CLERK APPROVER JSON: the clerk registers the meeting
# (JSON: the body of POST /api/v1/meetings) and submits it, the approver
# approves it (tokens). VAR gets its id. Returns non-zero, with the refused
# step as a failed check, when a step is refused.
meeting_approved() {
  local -n _mid=$1
  local clerk=$2 approver=$3 json=$4
  _mid=""
  call POST /api/v1/meetings "$json" "$clerk"
  assert_status "the clerk registers the meeting" 201 || return 1
  _mid=$(jget .id)
  call POST "/api/v1/meetings/$_mid/submit" "" "$clerk"
  assert_status "… submits it" 200 || return 1
  call POST "/api/v1/meetings/$_mid/approve" "" "$approver"
  assert_status "… the approver approves it" 200
}
