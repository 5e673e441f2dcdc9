#!/usr/bin/env bash
# test_outbox.sh - the event path every service shares (outbox -> relay ->
# Kafka -> consumer), driven by the C program integration/test_outbox.c
# against a real PostgreSQL and the Kafka broker: concurrent writers with
# rollbacks, per-key order, nothing lost or marked sent before delivery,
# each event's sequence its place in the audit chain, a row that commits
# after a later id chained and published after it (writers not waiting for
# each other), the relay woken by writers only while it rests, one relay
# per outbox at work and another taking over, rows chained by their writers
# before the relay chained them still valid, Kafka down without blocking
# writes, the audit chain catching tampering, consumers applying each event
# once. Each cmocka test counts as a check.
source "$(dirname "$0")/lib.sh"

PROGRAM=$CAB_BUILD/integration/test_outbox
[ -x "$PROGRAM" ] || { log "missing $PROGRAM (run make)"; exit 2; }

ENV_DIR=$(mktemp -d /tmp/cab.XXXXXX) || exit 2
chmod 711 "$ENV_DIR"
trap env_exit EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
ENV_LOG_DIR=${CABINET_TEST_LOG_DIR:-$ENV_DIR/log}
mkdir -p "$ENV_LOG_DIR"
export CABINET_NODE_ID=test.outbox

pg_start || env_abort "PostgreSQL did not start"
broker_start || env_abort "the Kafka broker did not start"

"$PROGRAM" >"$ENV_LOG_DIR/test_outbox.log" 2>&1
rc=$?
ran=0
while read -r verdict name; do
  ran=$((ran + 1))
  if [ "$verdict" == OK ]; then pass "$name"; else fail "$name" "see $ENV_LOG_DIR/test_outbox.log"; fi
done < <(sed -nE 's/^\[ +(OK|FAILED) +\] (test_[a-z0-9_]+)$/\1 \2/p' "$ENV_LOG_DIR/test_outbox.log")
check "the outbox program ran its tests" test "$ran" -ge 9
check "the outbox program exited 0 (status $rc)" test "$rc" -eq 0
[ "$rc" -eq 0 ] || grep -vE '"level":"(info|debug)"' "$ENV_LOG_DIR/test_outbox.log" | tail -30
finish
