#!/usr/bin/env bash
# test_voting_restart.sh - killing the voting service (SIGKILL) while many
# ballots are being cast loses no acknowledged ballot and counts none twice.
#
# VOTERS members of a meeting in progress, all present, vote on one named
# vote, each casting ROUNDS ballots one after the other (each a different
# option from the last, each with its own Idempotency-Key), all voters at
# once, with curl. A ballot that gets no answer, a 5xx, or a 409 for its
# Idempotency-Key (a twin still running) is sent again with the same key
# until it is acknowledged (2xx). After KILL_AT ballots are acknowledged, a
# transaction from outside holds the vote's row for a few seconds, so that
# ballots are surely inside their transactions, and cabinet-voting gets
# SIGKILL then and is started again (ballots that happened to commit just
# before the kill, their replies lost, are the other case the retries
# meet). Then:
#   - every ballot of every voter was acknowledged, none refused;
#   - each voter has exactly one ballot, the option of their last
#     acknowledged one, and the tally equals those last options;
#   - each acknowledged ballot was committed exactly once: one ballot.cast
#     outbox row and one idempotency record per (voter, round);
#   - every outbox row reaches Kafka (at least once);
#   - the vote closes with that tally.
source "$(dirname "$0")/lib.sh"

VOTERS=${VOTING_RESTART_VOTERS:-20}
ROUNDS=${VOTING_RESTART_ROUNDS:-30}
KILL_AT=${VOTING_RESTART_KILL_AT:-$((VOTERS * ROUNDS / 4))}
export CABINET_RPC_TIMEOUT_MS=${CABINET_RPC_TIMEOUT_MS:-3000}
export ENV_LDAP=0
RETRY_FOR_MS=90000

section() { printf '\n== %s\n' "$*"; }

env_start
EVENTS=cabinet.$CABINET_NODE_ID.events
R=$(rand_suffix)
RES=$ENV_DIR/results
BODIES=$ENV_DIR/bodies
mkdir -p "$RES" "$BODIES"

# ---------------------------------------------------------------------------
section "$VOTERS members present at a meeting in progress"
login_ready ADMIN admin "$ADMIN_PASSWORD" || fail "admin signs in"
declare -A TOKEN=() ID=()
for u in vanthu lanhdao chutri thuky; do
  login_ready "TOKEN[$u]" "$u" "$DEMO_PASSWORD" || fail "$u signs in"
  ID[$u]=$(psql_q "SELECT id FROM identity.users WHERE username = '$u'")
done
FIN=$(unit_id "Sở Tài chính" "$ADMIN")
created=0
for i in $(seq 1 "$VOTERS"); do
  call POST /api/v1/users "$(jq -cn --arg u "dbk$R-$i" --arg unit "$FIN" --arg n "Đại biểu Khóa $i" \
    '{username: $u, full_name: $n, unit_id: $unit, roles: ["member"]}')" "$ADMIN"
  [ "$STATUS" == 201 ] || continue
  ID[v$i]=$(jget .id)
  login_ready "TOKEN[v$i]" "dbk$R-$i" "$(jget .one_time_password)" && created=$((created + 1))
done
assert_eq "$VOTERS accounts are created and signed in" "$VOTERS" "$created"
voter_ids() { for i in $(seq 1 "$VOTERS"); do printf '%s\n' "${ID[v$i]}"; done; }
in_list() { voter_ids | sed "s/.*/'&'/" | paste -sd,; }
known() { [ "$(psql_q "SELECT count (*) FROM scheduling.users WHERE id IN ($(in_list))")" == "$VOTERS" ]; }
check "… and reach the scheduling projection" wait_for 60 known
MEETING_JSON=$(jq -cn --arg t "Họp biểu quyết đông người $R" --arg s "$(vn_at 10 08:00)" \
  --arg e "$(vn_at 10 11:00)" --arg c "${ID[chutri]}" --arg sec "${ID[thuky]}" --arg a "${ID[lanhdao]}" \
  --argjson p "$(voter_ids | jq -R . | jq -sc 'map({user_id: .})')" \
  '{title: $t, start_at: $s, end_at: $e, form: "in_person", type: "regular", chair_id: $c,
    secretary_id: $sec, approver_id: $a, participants: $p}')
meeting_approved M "${TOKEN[vanthu]}" "${TOKEN[lanhdao]}" "$MEETING_JSON"
call POST "/api/v1/meetings/$M/start" "" "${TOKEN[chutri]}"
assert_status "the chair starts the meeting" 200
marked=0
for i in $(seq 1 "$VOTERS"); do
  call POST "/api/v1/meetings/$M/roll-call" "$(jq -cn --arg u "${ID[v$i]}" '{user_id: $u, status: "present"}')" \
    "${TOKEN[thuky]}"
  [ "$STATUS" == 200 ] && marked=$((marked + 1))
done
assert_eq "the secretary marks everyone present" "$VOTERS" "$marked"
all_present() {
  [ "$(psql_q "SELECT count (*) FROM voting.invitees i JOIN voting.meetings m ON m.id = i.meeting_id
               WHERE i.meeting_id = '$M' AND i.attendance = 'present' AND m.status = 'in_progress'")" == "$VOTERS" ]
}
check "the voting projection knows the attendance" wait_for 60 all_present
call POST "/api/v1/meetings/$M/votes" '{"question": "Thông qua phương án sắp xếp đơn vị hành chính"}' "${TOKEN[chutri]}"
assert_status "the chair creates a named vote" 201
V=$(jget .id)
call POST "/api/v1/votes/$V/open" "" "${TOKEN[chutri]}"
assert_status "… and opens it" 200
assert_json "… all $VOTERS may vote" --argjson n "$VOTERS" '.eligible == $n and .members == $n'
mapfile -t OPTIONS < <(jget '.options[]')
for n in "${!OPTIONS[@]}"; do jq -cn --arg o "${OPTIONS[$n]}" '{option: $o}' >"$ENV_DIR/option.$n"; done

# ---------------------------------------------------------------------------
section "$VOTERS voters x $ROUNDS ballots; SIGKILL after $KILL_AT acknowledged"
# voter I: ROUNDS ballots, each retried with its key until acknowledged.
# Acknowledged: "round attempts option" lines in $RES/ack.I; refusals in $RES/err.I.
voter() {
  local i=$1 token=${TOKEN[v$1]} k o body code attempts deadline out=$RES/ack.$1 err=$RES/err.$1
  for k in $(seq 1 "$ROUNDS"); do
    o=$(((i + k) % ${#OPTIONS[@]}))
    body=$ENV_DIR/option.$o
    attempts=0
    deadline=$(($(now_ms) + RETRY_FOR_MS))
    while :; do
      attempts=$((attempts + 1))
      code=$(curl -s -o "$BODIES/$i.$k" -w '%{http_code}' --max-time 20 -X POST \
        -H "Authorization: Bearer $token" -H "Idempotency-Key: rs$R-$i-$k" \
        -H 'Content-Type: application/json' --data-binary "@$body" "$BASE_URL/api/v1/votes/$V/ballots")
      case $code in
      2??)
        echo "$k $attempts ${OPTIONS[$o]}" >>"$out"
        break
        ;;
      000 | 5??) ;;
      409) grep -q '"Idempotency-Key"' "$BODIES/$i.$k" || {
        echo "$k $code $(head -c 300 "$BODIES/$i.$k")" >>"$err"
        break
      } ;;
      *)
        echo "$k $code $(head -c 300 "$BODIES/$i.$k")" >>"$err"
        break
        ;;
      esac
      if [ "$(now_ms)" -ge "$deadline" ]; then
        echo "$k gave up after $attempts attempts ($code)" >>"$err"
        break
      fi
      sleep 0.05
    done
  done
}
acknowledged() { cat "$RES"/ack.* 2>/dev/null | wc -l; }
at_least() { [ "$(acknowledged)" -ge "$1" ]; }
T0=$(now_ms)
PIDS=()
for i in $(seq 1 "$VOTERS"); do
  voter "$i" &
  PIDS+=($!)
done
if ! wait_for 120 at_least "$KILL_AT"; then
  fail "the first $KILL_AT ballots are acknowledged" "$(acknowledged) acknowledged"
fi
# Hold the vote's row: ballots wait inside their transactions.
as_pg "$PGBIN/psql" -h "$PG_DIR" -p 5432 -U postgres -d cabinet -qAt -c "BEGIN;
  SELECT 1 FROM voting.votes WHERE id = '$V' FOR UPDATE; SELECT pg_sleep (4); COMMIT;" >/dev/null &
HOLDER=$!
waiting() {
  [ "$(psql_q "SELECT count (*) FROM pg_stat_activity WHERE application_name = 'cabinet-voting'
               AND wait_event_type = 'Lock'")" -ge 3 ]
}
check "ballots wait inside their transactions" wait_for 10 waiting
stop_proc voting KILL
ACK_AT_KILL=$(acknowledged)
note "voting killed at +$(($(now_ms) - T0)) ms after $(acknowledged) acknowledged ballots"
service_start voting
if wait_ready 60; then pass "voting is ready again after the restart"; else fail "voting is ready again after the restart"; fi
note "ready again at +$(($(now_ms) - T0)) ms with $(acknowledged) acknowledged"
wait "${PIDS[@]}" "$HOLDER"
note "all ballots answered at +$(($(now_ms) - T0)) ms"

TOTAL=$((VOTERS * ROUNDS))
assert_eq "every ballot was acknowledged" "$TOTAL" "$(acknowledged)"
assert_eq "none was refused" "" "$(cat "$RES"/err.* 2>/dev/null | head -n 5)"
retried=$(cat "$RES"/ack.* 2>/dev/null | awk '$2 > 1' | wc -l)
note "$retried ballots needed more than one attempt"
check "the kill hit ballots in flight (some needed a retry)" test "$retried" -ge 1
check "the kill came in the middle: ballots were acknowledged after the restart ($ACK_AT_KILL before)" \
  test "$ACK_AT_KILL" -lt "$TOTAL"

# each voter's last acknowledged option, and the tally they make
for i in $(seq 1 "$VOTERS"); do
  printf '%s\t%s\n' "${ID[v$i]}" "$(sort -n "$RES/ack.$i" | tail -n 1 | cut -d' ' -f3-)"
done | sort >"$ENV_DIR/expected"
EXPECTED_TALLY=$(cut -f2 "$ENV_DIR/expected" | sort | uniq -c | awk '{ c = $1; $1 = ""; sub(/^ /, ""); print $0 "\t" c }' | sort)
psql_q "SELECT b.voter_id, v.options[b.option_index + 1] FROM voting.ballots b JOIN voting.votes v ON v.id = b.vote_id
        WHERE b.vote_id = '$V' ORDER BY 1" | tr '|' '\t' | sort >"$ENV_DIR/stored"
assert_eq "each voter has exactly one ballot: their last acknowledged option" "" \
  "$(diff "$ENV_DIR/expected" "$ENV_DIR/stored")"
call GET "/api/v1/votes/$V" "" "${TOKEN[chutri]}"
assert_eq "the tally equals the last acknowledged ballots" "$EXPECTED_TALLY" \
  "$(jget '.tally[] | select(.count > 0) | "\(.option)\t\(.count)"' | sort)"
assert_json "… $VOTERS voted" --argjson n "$VOTERS" '.voted == $n'
assert_eq "every acknowledged ballot was committed exactly once (one ballot.cast outbox row each)" "$TOTAL" \
  "$(psql_q "SELECT count (*) FROM voting.outbox WHERE type = 'ballot.cast' AND subject = '$V'")"
assert_eq "… and one Idempotency-Key record each" "$TOTAL" \
  "$(psql_q "SELECT count (*) FROM voting.idempotency WHERE method = 'voting.CastBallot' AND key LIKE 'rs$R-%'")"
relayed() { [ "$(psql_q "SELECT count (*) FROM voting.outbox_unsent")" == 0 ]; }
check "every outbox row is relayed to Kafka" wait_for 60 relayed
in_kafka() {
  [ "$(kafka_events "$EVENTS" | awk -F'\t' -v s="$V" 'index("," $5 ",", ",ce_type=ballot.cast,") &&
         index("," $5 ",", ",ce_subject=" s ",")' | wc -l)" -ge "$TOTAL" ]
}
check "… and every ballot.cast is in Kafka (duplicates allowed)" wait_for 60 in_kafka
call POST "/api/v1/votes/$V/close" "" "${TOKEN[chutri]}"
assert_status "the chair closes the vote" 200
assert_eq "… with that tally" "$EXPECTED_TALLY" \
  "$(jget '.tally[] | select(.count > 0) | "\(.option)\t\(.count)"' | sort)"

finish
