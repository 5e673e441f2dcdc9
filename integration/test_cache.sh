#!/usr/bin/env bash
# test_cache.sh - the gateway's caches never serve what a change has made
# untrue. A second gateway whose caches would keep everything for ten
# minutes shows that: a write sent through it is read back at once; a write
# or a sign-out through the first gateway reaches it through the services'
# events within seconds; a deleted account is refused. Every check drives
# two real gateways in front of the same services (see lib.sh).
source "$(dirname "$0")/lib.sh"

section() { printf '\n== %s\n' "$*"; }

export ENV_LDAP=0
env_start
EVENTS=cabinet.$CABINET_NODE_ID.events
R=$(rand_suffix)
VN() { TZ=Asia/Ho_Chi_Minh date "$@"; }
at() { VN -d "$(VN +%F) +$1 days $2" +%Y-%m-%dT%H:%M:%S%:z; }

section "a second gateway that would keep answers for ten minutes"
BASE1=$BASE_URL
free_port PORT2 || fail "a free port for the second gateway"
BASE2="http://127.0.0.1:$PORT2"
CABINET_HTTP_PORT=$PORT2 CABINET_ANSWER_CACHE_MS=600000 CABINET_SESSION_CACHE_MS=600000 \
  start_proc gateway2 "$CAB_BIN/cabinet-gateway"
gateway2_up() { [ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$BASE2/readyz")" == 200 ]; }
check "the second gateway is ready" wait_for 20 gateway2_up
# via2 COMMAND...: run a call (or any helper using call) against the second gateway.
via2() {
  BASE_URL=$BASE2
  "$@"
  BASE_URL=$BASE1
}
# metric2 NAME LABELS: a counter of the second gateway's /metrics (0 when absent).
metric2() {
  local name=$1
  [ -n "${2-}" ] && name="$1{$2}"
  curl -s "$BASE2/metrics" | awk -v n="$name" 'index($0, n " ") == 1 { print $2; f = 1 } END { if (!f) print 0 }'
}

login_ready ADMIN admin "$ADMIN_PASSWORD" || fail "admin signs in"
login_ready CHAIR chutri "$DEMO_PASSWORD" || fail "the chair signs in"
login_ready CLERK vanthu "$DEMO_PASSWORD" || fail "the clerk signs in"
uid() { psql_q "SELECT id FROM identity.users WHERE username = '$1'"; }
ID_CHAIR=$(uid chutri)
ID_SECRETARY=$(uid thuky)
ID_APPROVER=$(uid lanhdao)
OFFICE=$(psql_q "SELECT unit_id FROM identity.users WHERE username = 'vanthu'")

# A day three weeks ahead; the calendar asks for exactly that day.
uri() { printf '%s' "$1" | jq -sRr @uri; }
CAL="/api/v1/meetings?from=$(uri "$(at 21 00:00)")&to=$(uri "$(at 22 00:00)")"
projected() { # ID...: every one of them is in scheduling's projection
  local ids
  ids=$(printf "'%s'," "$@")
  [ "$(psql_q "SELECT count(*) FROM scheduling.users WHERE id IN (${ids%,})")" == "$#" ]
}
check "the demo people have reached the scheduling service" \
  wait_for 30 projected "$ID_CHAIR" "$ID_SECRETARY" "$ID_APPROVER"
check "… in their agencies, in the agencies' tree" wait_for 30 scheduling_settled
meeting() { # TITLE FROM TO (HH:MM of that day)
  jq -cn --arg t "$1" --arg s "$(at 21 "$2")" --arg e "$(at 21 "$3")" \
    --arg c "$ID_CHAIR" --arg sec "$ID_SECRETARY" --arg a "$ID_APPROVER" --arg u "$OFFICE" \
    '{title: $t, start_at: $s, end_at: $e, form: "in_person", type: "regular", chair_id: $c,
      secretary_id: $sec, approver_id: $a, participants: [{unit_id: $u}]}'
}
# has_meeting ID: the chair's calendar of that day, through the second gateway, lists ID.
has_meeting() {
  via2 call GET "$CAL" "" "$CHAIR"
  [ "$STATUS" == 200 ] && printf '%s' "$BODY" | jq -e --arg id "$1" '[.items[].id] | index($id) != null' >/dev/null
}

via2 call GET "$CAL" "" "$CHAIR"
assert_status "the chair's calendar of the day, through the second gateway" 200
BEFORE=$(jget '.items | length')
# hit_again: a read of the same calendar is answered from the cache. The
# seeding's events may still be arriving and retire the entry in between,
# so the read is tried again until one is a hit.
hits_now() { metric2 cabinet_gateway_cache_total 'cache="answers",result="hit"'; }
hit_again() {
  local before
  before=$(hits_now)
  via2 call GET "$CAL" "" "$CHAIR"
  [ "$STATUS" == 200 ] && [ "$(hits_now)" == "$((before + 1))" ]
}
check "… read again, it is answered from the cache" wait_for 10 hit_again
assert_json "… with the same answer" --argjson n "$BEFORE" '.items | length == $n'
hits=$(hits_now)
via2 call GET "$CAL&limit=5" "" "$CHAIR"
assert_status "another query is another entry" 200
assert_eq "… not a hit" "$hits" "$(hits_now)"

section "read your own writes"
via2 call POST /api/v1/meetings "$(meeting "Họp kiểm tra bộ nhớ đệm A $R" 08:00 09:00)" "$CLERK"
assert_status "the clerk registers a meeting through the second gateway" 201
M_A=$(jget .id)
via2 call GET "$CAL" "" "$CHAIR"
assert_json "the chair's cached calendar shows it at once" --arg id "$M_A" '[.items[].id] | index($id) != null'

section "changes made elsewhere arrive as events"
call POST /api/v1/meetings "$(meeting "Họp kiểm tra bộ nhớ đệm B $R" 14:00 15:00)" "$CLERK"
assert_status "the clerk registers another meeting through the first gateway" 201
M_B=$(jget .id)
t0=$(now_ms)
check "the second gateway's calendar shows it within 10 s, not after ten minutes" wait_for 10 has_meeting "$M_B"
note "shown after $(($(now_ms) - t0)) ms"
check "the second gateway counted the services' events" test "$(metric2 cabinet_gateway_events_total)" != 0

section "sessions"
via2 call GET /api/v1/catalogs/types "" "$CHAIR"
assert_status "the chair's session is known to the second gateway" 200
call POST /api/v1/auth/logout "" "$CHAIR"
assert_status "the chair signs out through the first gateway" 204
# refused2 TOKEN: the second gateway turns the token away. Asked of a
# scheduling route, which trusts the gateway's verdict on the session.
refused2() { via2 call GET /api/v1/catalogs/types "" "$1"; [ "$STATUS" == 401 ]; }
check "the second gateway refuses the token within 10 s" wait_for 10 refused2 "$CHAIR"
revoked() { kafka_events "$EVENTS" | awk -F'\t' -v k="$ID_CHAIR" '$3 == k' | grep -q 'ce_type=session.revoked'; }
check "the sign-out is the event session.revoked, keyed by the person" wait_for 10 revoked

login_ready CHAIR chutri "$DEMO_PASSWORD" || fail "the chair signs in again"
via2 call GET /api/v1/me "" "$CHAIR"
assert_status "a new session works on the second gateway" 200
via2 call POST /api/v1/auth/logout "" "$CHAIR"
assert_status "… signing out through the second gateway" 204
via2 call GET /api/v1/catalogs/types "" "$CHAIR"
assert_status "… is refused by it at once" 401

U="bonho.$R"
call POST /api/v1/users "$(jq -cn --arg u "$U" --arg unit "$OFFICE" \
  '{username: $u, full_name: "Đặng Văn Bộ", unit_id: $unit, roles: ["member"]}')" "$ADMIN"
assert_status "the admin creates an account" 201
U_ID=$(jget .id)
OTP=$(jget '.one_time_password // empty')
check "… with a one-time password" test -n "$OTP"
login_ready U_TOK "$U" "$OTP" || fail "the new account signs in"
via2 call GET /api/v1/catalogs/types "" "$U_TOK"
assert_status "the account's session is known to the second gateway" 200
call DELETE "/api/v1/users/$U_ID" "" "$ADMIN"
assert_status "the admin deletes the account through the first gateway" 204
check "the second gateway refuses its token within 10 s" wait_for 10 refused2 "$U_TOK"

stop_proc gateway2
assert_eq "the second gateway stops cleanly" 0 "$STOP_RC"
finish
