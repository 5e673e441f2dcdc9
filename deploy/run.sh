#!/usr/bin/env bash
# deploy/run.sh - `make run`: a demo node on this machine.
#
# Starts, in order: a private PostgreSQL cluster in ./var/pg (created on the
# first run, kept with its data afterwards), the development Kafka broker,
# every service of the Makefile's SERVICES (after each one's seed-demo, which
# is idempotent) and cabinet-gateway; waits for /readyz, prints the URL and the demo accounts,
# and runs until Ctrl-C or SIGTERM, which stop everything in reverse order.
# Logs: ./var/log/*.log. Sockets: ./var/run. Built binaries: $BUILD/bin.
#
# Settings come from the environment (see `cabinet-identity --help`);
# CABINET_HTTP_PORT (default 8080) picks the port.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-build}
case $BUILD in /*) BIN=$BUILD/bin ;; *) BIN=$ROOT/$BUILD/bin ;; esac
VAR=$ROOT/var
PGDATA_DIR=$VAR/pg/data
PGSOCK=$VAR/pg
LOG=$VAR/log
RUN=$VAR/run
PORT=${CABINET_HTTP_PORT:-8080}
ADDR=${CABINET_HTTP_ADDR:-127.0.0.1}
NODE=${CABINET_NODE_ID:-demo.tinh}
DEMO_PASSWORD=${CABINET_DEMO_PASSWORD:-demo-Cabinet-2026}
READY_TIMEOUT=${READY_TIMEOUT:-60}

say() { printf 'cabinet: %s\n' "$*"; }
die() {
  printf 'cabinet: %s\n' "$*" >&2
  exit 1
}
now_ms() { date +%s%3N; }

# The node's services in start order, as the Makefile lists them.
read -r -a SERVICES <<<"$(make -s --no-print-directory -C "$ROOT" print-services)"
for b in cabinet-broker "${SERVICES[@]/#/cabinet-}" cabinet-gateway; do
  [ -x "$BIN/$b" ] || die "$BIN/$b is missing: run make first"
done
PGBIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
[ -n "$PGBIN" ] && [ -x "$PGBIN/pg_ctl" ] || die "PostgreSQL is not installed (deploy/install-deps.sh)"

# The port first: if it is taken, stop before touching anything.
if (exec 3<>"/dev/tcp/$ADDR/$PORT") 2>/dev/null; then
  die "port $PORT on $ADDR is already in use (another 'make run'?). Stop that program or pick another port: CABINET_HTTP_PORT=8081 make run"
fi

mkdir -p "$LOG" "$RUN"
rm -f "$RUN"/*.rpc "$RUN"/*.pub "$RUN/kafka.bootstrap"
# ZeroMQ ipc:// paths are limited to about 100 bytes
if [ $((${#RUN} + 16)) -gt 100 ]; then
  RUN=$(mktemp -d /tmp/cabinet-run.XXXXXX)
  say "the checkout path is long; sockets go to $RUN instead"
fi

# ---- stopping: reverse order, whatever state we are in --------------------
PIDS=()   # name:pid in start order
PG_STARTED=0
STOPPING=0
stop_all() {
  [ "$STOPPING" == 1 ] && return
  STOPPING=1
  trap '' INT TERM
  local i name pid
  for ((i = ${#PIDS[@]} - 1; i >= 0; i--)); do
    name=${PIDS[$i]%%:*}
    pid=${PIDS[$i]#*:}
    kill -0 "$pid" 2>/dev/null || continue
    say "stopping $name"
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 150); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    if kill -0 "$pid" 2>/dev/null; then
      say "$name did not stop within 15 s; killing it"
      kill -KILL "$pid" 2>/dev/null || true
    fi
    wait "$pid" 2>/dev/null || true
  done
  if [ "$PG_STARTED" == 1 ]; then
    say "stopping PostgreSQL"
    as_pg "$PGBIN/pg_ctl" -D "$PGDATA_DIR" -m fast -w -t 60 stop >/dev/null 2>&1 || true
  fi
  [[ $RUN == /tmp/cabinet-run.* ]] && rm -rf "$RUN"
  say "stopped"
}
trap 'stop_all' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

as_pg() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

# start NAME COMMAND...: in its own session, so that Ctrl-C reaches only this
# script, which then stops the services in order.
start() {
  local name=$1
  shift
  setsid "$@" >>"$LOG/$name.log" 2>&1 </dev/null &
  PIDS+=("$name:$!")
}

alive() { kill -0 "$1" 2>/dev/null; }
pid_of() {
  local e
  for e in "${PIDS[@]}"; do [ "${e%%:*}" == "$1" ] && echo "${e#*:}"; done
}

# ---- PostgreSQL --------------------------------------------------------------
if [ "$(id -u)" -eq 0 ]; then
  # PostgreSQL refuses to run as root: its folder belongs to postgres, and
  # every folder above must let postgres through.
  d=$ROOT
  while [ "$d" != / ]; do
    if ! runuser -u postgres -- test -x "$d"; then
      say "letting user postgres traverse $d (chmod o+x)"
      chmod o+x "$d"
    fi
    d=$(dirname "$d")
  done
  mkdir -p "$VAR/pg"
  chmod 755 "$VAR"
  chown postgres: "$VAR/pg"
  touch "$LOG/postgres.log"
  chown postgres: "$LOG/postgres.log"
fi
if [ ! -f "$PGDATA_DIR/PG_VERSION" ]; then
  say "creating the PostgreSQL cluster in $PGDATA_DIR"
  as_pg "$PGBIN/initdb" -D "$PGDATA_DIR" -U postgres -E UTF8 --locale=C.UTF-8 -A trust \
    >>"$LOG/postgres.log" 2>&1 || die "initdb failed; see $LOG/postgres.log"
fi
if as_pg "$PGBIN/pg_ctl" -D "$PGDATA_DIR" status >/dev/null 2>&1; then
  say "PostgreSQL is already running in $PGDATA_DIR (left over from an earlier run); using it"
else
  rm -f "$PGSOCK/.s.PGSQL.5432.lock"
  # its own session: Ctrl-C must not reach the postmaster before the
  # services that use it have stopped
  setsid -w bash -c "$(declare -f as_pg)"'; as_pg "$@"' _ "$PGBIN/pg_ctl" -D "$PGDATA_DIR" \
    -l "$LOG/postgres.log" -w -t 60 -o "-k $PGSOCK -c listen_addresses='' -p 5432" start >/dev/null ||
    die "PostgreSQL did not start; see $LOG/postgres.log"
fi
PG_STARTED=1
PSQL=("$PGBIN/psql" -h "$PGSOCK" -p 5432 -U postgres -qAt)
if [ "$(as_pg "${PSQL[@]}" -d postgres -c "SELECT 1 FROM pg_database WHERE datname = 'cabinet'")" != 1 ]; then
  say "creating database cabinet"
  as_pg "${PSQL[@]}" -d postgres -c "CREATE DATABASE cabinet" >/dev/null
fi

export CABINET_NODE_ID=$NODE
export CABINET_DB="host=$PGSOCK port=5432 user=postgres dbname=cabinet"
export CABINET_RUN_DIR=$RUN
export CABINET_DATA_DIR=${CABINET_DATA_DIR:-$VAR/data}
export CABINET_HTTP_ADDR=$ADDR
export CABINET_HTTP_PORT=$PORT
export CABINET_WEB_DIR=${CABINET_WEB_DIR:-$ROOT/gateway/web}
export CABINET_DEMO_PASSWORD=$DEMO_PASSWORD
unset CABINET_IDENTITY_RPC CABINET_IDENTITY_PUB

# ---- Kafka (development broker, in memory) -------------------------------------
BOOT_FILE=$RUN/kafka.bootstrap
start broker "$BIN/cabinet-broker" --bootstrap-file "$BOOT_FILE" --topic "cabinet.$NODE.events:4"
deadline=$(($(now_ms) + 20000))
until [ -s "$BOOT_FILE" ]; do
  alive "$(pid_of broker)" || die "the broker stopped; see $LOG/broker.log"
  [ "$(now_ms)" -lt "$deadline" ] || die "the broker wrote no address in 20 s; see $LOG/broker.log"
  sleep 0.1
done
CABINET_KAFKA_BOOTSTRAP=$(cat "$BOOT_FILE")
export CABINET_KAFKA_BOOTSTRAP

# ---- services --------------------------------------------------------------------
say "seeding the demo province"
for name in "${SERVICES[@]}"; do
  "$BIN/cabinet-$name" seed-demo >>"$LOG/seed-demo.log" 2>&1 ||
    die "cabinet-$name seed-demo failed; see $LOG/seed-demo.log"
done
for name in "${SERVICES[@]}"; do start "$name" "$BIN/cabinet-$name"; done
start gateway "$BIN/cabinet-gateway"

URL="http://$ADDR:$PORT"
deadline=$(($(now_ms) + READY_TIMEOUT * 1000))
until [ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$URL/readyz")" == 200 ]; do
  for name in "${SERVICES[@]}" gateway; do
    alive "$(pid_of "$name")" || die "$name stopped; see $LOG/$name.log: $(tail -n 3 "$LOG/$name.log")"
  done
  [ "$(now_ms)" -lt "$deadline" ] || die "$URL/readyz did not answer 200 within ${READY_TIMEOUT}s; see $LOG/"
  sleep 0.2
done

cat <<EOF

  cabinet is running: $URL   (node $NODE)

  Demo accounts, password: $DEMO_PASSWORD
    admin                        system administrator
    qtstttt                      unit administrator, Sở Thông tin và Truyền thông
    vanthu                       clerk (văn thư)
    lanhdao                      approver (lãnh đạo)
    chutri, thuky                members (chair, secretary)
    daibieu1 ... daibieu5        members (delegates)

  Logs: $LOG/   Data: $VAR/pg (kept between runs)
  Kafka (development broker): $CABINET_KAFKA_BOOTSTRAP
  Ctrl-C stops everything.

EOF

# Run until a signal, or until a service stops on its own.
while :; do
  wait -n || true
  for e in "${PIDS[@]}"; do
    if ! alive "${e#*:}"; then
      say "${e%%:*} stopped unexpectedly; see $LOG/${e%%:*}.log"
      exit 1
    fi
  done
done
