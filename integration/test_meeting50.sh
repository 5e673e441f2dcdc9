#!/usr/bin/env bash
# test_meeting50.sh - a meeting of fifty, as it runs in the room (R6): the
# admin creates the accounts over HTTP (fifty participants, the chair, the
# secretary and a colleague who stands in for one of them), each signs in
# and changes the one-time password; the clerk registers the meeting with
# the fifty invited, the approver approves it, and every person follows
# the meeting's live stream (integration/sse_record.py, one process,
# every event recorded as it arrives). Then, with many requests in
# parallel as people would send them:
#   - roll call: present, absent with reasons, a substitute, a self
#     check-in; an absent member allowed to vote remotely;
#   - the speaker queue: requests, the chair moving, granting and
#     finishing, a withdrawal;
#   - messages to everyone, to the chair, to one person, an incident to
#     the secretariat;
#   - a named vote, a secret vote (receipts, changes, a retry under its
#     Idempotency-Key) and a signed vote (a P-256 key per voter made with
#     openssl, ballots signed over the canonical string of docs/events.md),
#     with ballots changed in each, and a member who may not vote refused.
# Checks: every stream received exactly the events it may see - the
# meeting's events in the services' outboxes whose audience is empty or
# names its person, a personal stream those that name its person - each
# once, each service's in the order of its audit chain, with no refresh; Kafka holds every
# one of them; each final tally (the reply, the vote as read, vote.closed
# on every stream) equals the tally the test computes from the ballots it
# sent; the secret vote: no column of the schema and no row of the data
# ties a voter to a choice, no time or sequence orders the choices.
source "$(dirname "$0")/lib.sh"

T_SECTION=$(date +%s%3N)
section() {
  printf "\n== %s (at %d ms)\n" "$*" $(($(date +%s%3N) - T_SECTION))
}

N=50
env_start
R=$(rand_suffix)
D=$ENV_DIR/m50
KEYS=$D/keys
SD=$D/streams
mkdir -p "$D" "$KEYS" "$SD"
EVENTS=cabinet.$CABINET_NODE_ID.events

# req NAME VERB PATH TOKEN [JSON] [CURL ARGS...]: one request that may run in
# the background: $D/NAME.status gets the HTTP status, $D/NAME.body the body.
req() {
  local name=$1 verb=$2 path=$3 token=$4 json=${5-} args=()
  shift $(($# < 5 ? $# : 5))
  [ -n "$json" ] && args+=(-H 'Content-Type: application/json' --data-binary "$json")
  curl -sS -X "$verb" --max-time "$API_TIMEOUT" -o "$D/$name.body" -w '%{http_code}' \
    -H "Authorization: Bearer $token" "${args[@]}" "$@" "$BASE_URL$path" >"$D/$name.status" 2>/dev/null
}
status_of() { cat "$D/$1.status" 2>/dev/null; }
body_of() { cat "$D/$1.body" 2>/dev/null; }
# statuses PREFIX: the statuses of $D/PREFIX*.status, counted ("200 47").
statuses() {
  local f
  for f in "$D/$1"*.status; do [ -f "$f" ] && { cat "$f"; echo; }; done | sort | uniq -c |
    awk '{ printf "%s%s %s", (NR > 1 ? ", " : ""), $2, $1 }'
}
# spawn COMMAND...: run it in the background; jobs_wait waits for what was
# spawned (never for the node's processes, which are background jobs too).
BG=()
spawn() {
  "$@" &
  BG+=($!)
}
jobs_wait() {
  [ ${#BG[@]} -eq 0 ] || wait "${BG[@]}"
  BG=()
}

# ---------------------------------------------------------------------------
section "fifty-three accounts, made over HTTP"
login_ready ADMIN admin "$ADMIN_PASSWORD" || fail "admin signs in"
declare -A TOKEN=() ID=()
for u in vanthu lanhdao; do
  login_ready "TOKEN[$u]" "$u" "$DEMO_PASSWORD" || fail "$u signs in"
  ID[$u]=$(psql_q "SELECT id FROM identity.users WHERE username = '$u'")
done
OFFICE=$(psql_q "SELECT unit_id FROM identity.users WHERE username = 'vanthu'")
MEMBERS_UNIT=$(unit_id "Sở Thông tin và Truyền thông" "$ADMIN")
PEOPLE=(chair secretary substitute)
for i in $(seq -w 1 $N); do PEOPLE+=("p$i"); done
new_account() { # KEY FULL_NAME UNIT
  req "user.$1" POST /api/v1/users "$ADMIN" "$(jq -cn --arg u "m50-$R-$1" --arg n "$2" --arg unit "$3" \
    '{username: $u, full_name: $n, unit_id: $unit, roles: ["member"]}')"
}
spawn new_account chair "Nguyễn Chủ Trì" "$OFFICE"
spawn new_account secretary "Trần Thư Ký" "$OFFICE"
spawn new_account substitute "Lê Văn Thay" "$MEMBERS_UNIT"
for i in $(seq -w 1 $N); do
  spawn new_account "p$i" "Đại biểu số $i" "$MEMBERS_UNIT"
  [ $((10#$i % 4)) == 0 ] && jobs_wait
done
jobs_wait
assert_eq "the admin creates the 53 accounts" "201 53" "$(statuses user.)"
for k in "${PEOPLE[@]}"; do ID[$k]=$(body_of "user.$k" | jq -r '.id // empty'); done
# first_sign_in KEY: sign in with the one-time password, change it, sign in again.
first_sign_in() {
  local k=$1 otp pw t
  otp=$(body_of "user.$k" | jq -r '.one_time_password // empty')
  pw="Mat-khau-$R-$k"
  t=$(curl -sS --max-time "$API_TIMEOUT" -H 'Content-Type: application/json' \
    --data-binary "$(login_json "m50-$R-$k" "$otp")" "$BASE_URL/api/v1/auth/login" | jq -r '.token // empty')
  req "pw.$k" POST /api/v1/me/password "$t" "$(jq -cn --arg o "$otp" --arg n "$pw" '{old_password: $o, new_password: $n}')"
  curl -sS --max-time "$API_TIMEOUT" -H 'Content-Type: application/json' \
    --data-binary "$(login_json "m50-$R-$k" "$pw")" "$BASE_URL/api/v1/auth/login" | jq -r '.token // empty' >"$D/token.$k"
}
n=0
for k in "${PEOPLE[@]}"; do
  spawn first_sign_in "$k"
  n=$((n + 1))
  [ $((n % 3)) == 0 ] && jobs_wait
done
jobs_wait
assert_eq "each changes the one-time password at first sign-in" "204 53" "$(statuses pw.)"
for k in "${PEOPLE[@]}"; do TOKEN[$k]=$(cat "$D/token.$k"); done
signed_in=0
for k in "${PEOPLE[@]}"; do [ -n "${TOKEN[$k]}" ] && signed_in=$((signed_in + 1)); done
assert_eq "… and signs in with the new one" 53 "$signed_in"
ID_LIST=$(printf "'%s'," "${ID[@]}")
known_to_scheduling() {
  [ "$(psql_q "SELECT count (*) FROM scheduling.users WHERE id IN (${ID_LIST%,})")" == "${#ID[@]}" ]
}
check "the accounts reach the scheduling projection" wait_for 60 known_to_scheduling
wait_for 60 scheduling_settled || fail "the agencies and people settle in the scheduling projection"

# ---------------------------------------------------------------------------
section "the meeting, approved, followed by everyone"
PARTICIPANTS=$(for i in $(seq -w 1 $N); do echo "${ID[p$i]}"; done | jq -R . | jq -sc 'map({user_id: .})')
meeting_approved M "${TOKEN[vanthu]}" "${TOKEN[lanhdao]}" "$(jq -cn --arg t "Hội nghị năm mươi đại biểu $R" \
  --arg s "$(vn_at 12 08:00)" --arg e "$(vn_at 12 17:00)" --arg c "${ID[chair]}" --arg sec "${ID[secretary]}" \
  --arg a "${ID[lanhdao]}" --argjson p "$PARTICIPANTS" \
  '{title: $t, content: "Kỳ họp chuyên đề", start_at: $s, end_at: $e, form: "hybrid", type: "regular",
    chair_id: $c, secretary_id: $sec, approver_id: $a, participants: $p}')"
APPROVED_ID=$(psql_q "SELECT event_id FROM scheduling.outbox WHERE subject = '$M' AND type = 'meeting.approved'")
# Every stream opens from the approval on (Last-Event-ID), so what each must
# show is exactly what the outboxes hold after it. The gateway must have it
# first: a stream asking for an id it does not hold gets "refresh".
hub_has_approval() {
  local out
  out=$(curl -sN --max-time 1 -H "Authorization: Bearer ${TOKEN[chair]}" -H "Last-Event-ID: $APPROVED_ID" \
    "$BASE_URL/api/v1/meetings/$M/stream" 2>/dev/null)
  grep -q '^retry:' <<<"$out" && ! grep -q '^event: refresh' <<<"$out"
}
check "the gateway's live streams hold the approval" wait_for 30 hub_has_approval
# Its place in scheduling's audit chain, given as it was published: the
# event's sequence, which orders what each stream must show after it.
APPROVED_SEQ=$(psql_q "SELECT seq FROM scheduling.outbox WHERE event_id = '$APPROVED_ID'")
# spec NAME TOKEN PATH [LAST_EVENT_ID]: one stream of a recorder's spec.
spec() { jq -cn --arg n "$1" --arg t "$2" --arg p "$3" --arg l "${4-}" '{name: $n, token: $t, path: $p} + (if $l == "" then {} else {last_event_id: $l} end)'; }
# Personal streams (events addressed to the person) of the chair and of the
# two people who will write to each other.
{
  for k in chair secretary $(for i in $(seq -w 1 $N); do echo "p$i"; done); do
    spec "$k" "${TOKEN[$k]}" "/api/v1/meetings/$M/stream" "$APPROVED_ID"
  done
  for k in chair p06 p07; do spec "own-$k" "${TOKEN[$k]}" /api/v1/stream; done
} | jq -s . >"$D/spec.json"
python3 "$CAB_ROOT/integration/sse_record.py" record 127.0.0.1 "$HTTP_PORT" "$D/spec.json" "$SD" \
  "$D/ready" "$D/stop" 300 >"$D/recorder.log" 2>&1 &
RECORDERS=($!)
check "55 streams open: the meeting's for the chair, the secretary and the fifty; three personal" \
  wait_for 60 test -s "$D/ready"
assert_eq "… all of them" '{"opened":55,"refused":{}}' "$(jq -c . "$D/ready" 2>/dev/null)"
stop_recorders() { touch "$D/stop"; wait "${RECORDERS[@]}"; }

# ---------------------------------------------------------------------------
section "the meeting starts; roll call"
call POST "/api/v1/meetings/$M/start" "" "${TOKEN[chair]}"
assert_status "the chair starts the meeting" 200
P() { printf 'p%02d' "$1"; }
roll() { # KEY JSON
  req "roll.$1" POST "/api/v1/meetings/$M/roll-call" "${TOKEN[secretary]}" "$2"
}
for i in $(seq 1 44); do
  spawn roll "$(P "$i")" "$(jq -cn --arg u "${ID[$(P "$i")]}" '{user_id: $u, status: "present"}')"
  [ $((i % 8)) == 0 ] && jobs_wait
done
for i in 45 46 47 48; do
  spawn roll "$(P "$i")" "$(jq -cn --arg u "${ID[$(P "$i")]}" --arg r "Công tác tại huyện số $i" \
    '{user_id: $u, status: "absent", reason: $r}')"
done
spawn roll p49 "$(jq -cn --arg u "${ID[p49]}" --arg s "${ID[substitute]}" \
  '{user_id: $u, status: "substitute", reason: "Ốm", substitute_user_id: $s}')"
spawn req checkin.p50 POST "/api/v1/meetings/$M/check-in" "${TOKEN[p50]}"
jobs_wait
assert_eq "the secretary calls 49 names (44 present, 4 absent, 1 substitute)" "200 49" "$(statuses roll.)"
assert_eq "p50 checks in" 200 "$(status_of checkin.p50)"
# The substitute follows the meeting too, from the approval on: their stream
# replays what came before it opened.
spec substitute "${TOKEN[substitute]}" "/api/v1/meetings/$M/stream" "$APPROVED_ID" | jq -s . >"$D/spec2.json"
python3 "$CAB_ROOT/integration/sse_record.py" record 127.0.0.1 "$HTTP_PORT" "$D/spec2.json" "$SD" \
  "$D/ready2" "$D/stop" 300 >"$D/recorder2.log" 2>&1 &
RECORDERS+=($!)
check "the substitute opens the meeting's stream" wait_for 30 test -s "$D/ready2"
assert_eq "… and may" '{"opened":1,"refused":{}}' "$(jq -c . "$D/ready2" 2>/dev/null)"
attendance_known() {
  [ "$(psql_q "SELECT string_agg (a || ':' || n, ' ' ORDER BY a) FROM (SELECT coalesce (attendance, '-') a, count (*) n
               FROM voting.invitees WHERE meeting_id = '$M' GROUP BY 1) c")" == "absent:4 present:45 substitute:1" ]
}
check "the voting projection has the attendance: 45 present, 4 absent, 1 replaced" wait_for 60 attendance_known
call GET "/api/v1/meetings/$M" "" "${TOKEN[chair]}"
assert_json "the meeting as read counts them" \
  '[.participants[] | .attendance] | (map(select(. == "present")) | length) == 45
   and (map(select(. == "absent")) | length) == 4 and (map(select(. == "substitute")) | length) == 1'

# ---------------------------------------------------------------------------
section "the speaker queue"
declare -A SPK=()
for k in p03 p01 p02 p04; do
  call POST "/api/v1/meetings/$M/speakers" "$(jq -cn --arg t "Ý kiến của $k" '{topic: $t}')" "${TOKEN[$k]}"
  assert_status "$k asks for the floor" 201
  SPK[${k#p}]=$(jget .id)
done
call POST "/api/v1/meetings/$M/speakers/${SPK[01]}/move" '{"position": 1}' "${TOKEN[chair]}"
assert_status "the chair moves p01 to the front" 200
call POST "/api/v1/meetings/$M/speakers/${SPK[01]}/grant" "" "${TOKEN[chair]}"
assert_status "… gives p01 the floor" 200
call POST "/api/v1/meetings/$M/speakers/${SPK[03]}/grant" "" "${TOKEN[chair]}"
assert_status "… then p03 (p01's turn ends)" 200
call POST "/api/v1/meetings/$M/speakers/${SPK[03]}/finish" "" "${TOKEN[secretary]}"
assert_status "the secretary ends p03's turn" 200
call POST "/api/v1/meetings/$M/speakers/${SPK[02]}/withdraw" "" "${TOKEN[p02]}"
assert_status "p02 withdraws" 200
call POST "/api/v1/meetings/$M/speakers/${SPK[04]}/grant" "" "${TOKEN[chair]}"
assert_status "the chair gives p04 the floor" 200
call POST "/api/v1/meetings/$M/speakers/${SPK[04]}/finish" "" "${TOKEN[chair]}"
assert_status "… and ends it" 200
call GET "/api/v1/meetings/$M/speakers" "" "${TOKEN[p10]}"
assert_json "the queue as read: p01, p03, p04 spoke, p02 withdrew, nobody speaks" \
  --arg a "${SPK[01]}" --arg b "${SPK[02]}" --arg c "${SPK[03]}" --arg d "${SPK[04]}" \
  '([.items[] | select(.status == "finished") | .id] | sort) == ([$a, $c, $d] | sort)
   and ([.items[] | select(.status == "withdrawn") | .id] == [$b])
   and ([.items[] | select(.status == "speaking")] | length) == 0'

# ---------------------------------------------------------------------------
section "messages"
call POST "/api/v1/meetings/$M/messages" '{"text": "Đề nghị các đại biểu chuẩn bị biểu quyết"}' "${TOKEN[chair]}"
assert_status "the chair writes to everyone" 201
MSG_ALL=$(psql_q "SELECT event_id FROM scheduling.outbox WHERE type = 'message.sent' AND subject = '$M' ORDER BY id DESC LIMIT 1")
call POST "/api/v1/meetings/$M/messages" '{"text": "Xin phát biểu bổ sung", "to": "chair"}' "${TOKEN[p05]}"
assert_status "p05 writes to the chair" 201
MSG_CHAIR=$(psql_q "SELECT event_id FROM scheduling.outbox WHERE type = 'message.sent' AND subject = '$M' ORDER BY id DESC LIMIT 1")
call POST "/api/v1/meetings/$M/messages" "$(jq -cn --arg u "${ID[p07]}" '{text: "Anh gửi giúp số liệu quý III", to: $u}')" "${TOKEN[p06]}"
assert_status "p06 writes to p07 alone" 201
MSG_ONE=$(psql_q "SELECT event_id FROM scheduling.outbox WHERE type = 'message.sent' AND subject = '$M' ORDER BY id DESC LIMIT 1")
call POST "/api/v1/meetings/$M/messages" '{"text": "Micro số 8 không hoạt động", "kind": "incident"}' "${TOKEN[p08]}"
assert_status "p08 reports an incident to the secretariat" 201
MSG_INCIDENT=$(psql_q "SELECT event_id FROM scheduling.outbox WHERE type = 'message.sent' AND subject = '$M' ORDER BY id DESC LIMIT 1")

# ---------------------------------------------------------------------------
# Voters: the 45 present (p01-p44, p50), the substitute in p49's seat, and
# p45, absent, allowed to vote remotely. p46-p48 are absent and may not.
VOTERS=(substitute p45 p50)
for i in $(seq 1 44); do VOTERS+=("$(P "$i")"); done
NV=${#VOTERS[@]}
OPTS=("Tán thành" "Không tán thành" "Không biểu quyết")
opt_json() { jq -cn --arg o "$1" '{option: $o}'; }
# tally_of FILE_PREFIX OPTIONS...: counts of the options among the final
# choices the test recorded ($D/FILE_PREFIX.<voter>.final), as a JSON array.
tally_of() {
  local prefix=$1 o
  shift
  for o in "$@"; do
    cat "$D/$prefix".*.final 2>/dev/null | grep -cxF -- "$o"
  done | jq -sc .
}
# MEETING_STREAMS: the recordings of the 53 meeting streams.
meeting_streams() { ls "$SD"/chair.jsonl "$SD"/secretary.jsonl "$SD"/substitute.jsonl "$SD"/p*.jsonl; }
# stream_tallies VOTE: the distinct tallies ([counts]) of vote.closed of VOTE
# on the meeting streams, each with how many streams have it ("53 [16,15,16]").
stream_tallies() {
  meeting_streams | xargs jq -c --arg v "$1" \
    'select(.event == "vote.closed" and .data.subject == $v) | [.data.payload.vote.tally[].count]' |
    sort | uniq -c | awk '{ print $1 " " $2 }'
}

section "a named vote"
call POST "/api/v1/meetings/$M/votes" "$(jq -cn --arg u "${ID[p45]}" \
  '{question: "Thông qua Nghị quyết về chương trình chuyển đổi số", remote_voter_ids: [$u]}')" "${TOKEN[chair]}"
assert_status "the chair creates a named vote, p45 allowed remotely" 201
V1=$(jget .id)
call POST "/api/v1/votes/$V1/open" "" "${TOKEN[chair]}"
assert_status "… and opens it" 200
assert_json "… 50 members, 46 present, 47 may vote" '.members == 50 and .present == 46 and .eligible == 47 and .voted == 0'
named_voter() { # INDEX KEY
  local i=$1 k=$2 o=${OPTS[$(($1 % 3))]}
  req "v1.$k.a" POST "/api/v1/votes/$V1/ballots" "${TOKEN[$k]}" "$(opt_json "$o")"
  [ "$(status_of "v1.$k.a")" == 200 ] && echo "$o" >"$D/v1.$k.final"
  if [ $((i % 5)) == 0 ]; then
    o=${OPTS[$(((i + 1) % 3))]}
    req "v1.$k.b" POST "/api/v1/votes/$V1/ballots" "${TOKEN[$k]}" "$(opt_json "$o")"
    [ "$(status_of "v1.$k.b")" == 200 ] && echo "$o" >"$D/v1.$k.final"
  fi
  return 0
}
for i in "${!VOTERS[@]}"; do
  spawn named_voter "$i" "${VOTERS[$i]}"
  [ $((i % 12)) == 11 ] && jobs_wait
done
jobs_wait
assert_eq "47 voters cast, 10 change their ballot: every one accepted" "200 57" "$(statuses v1.)"
req v1.refused POST "/api/v1/votes/$V1/ballots" "${TOKEN[p46]}" "$(opt_json "Tán thành")"
assert_eq "p46 (absent, not allowed remotely) is refused" 403 "$(status_of v1.refused)"
EXPECT_V1=$(tally_of v1 "${OPTS[@]}")
call GET "/api/v1/votes/$V1" "" "${TOKEN[p20]}"
assert_json "the live tally equals the ballots sent" --argjson t "$EXPECT_V1" '[.tally[].count] == $t and .voted == 47'
call POST "/api/v1/votes/$V1/close" "" "${TOKEN[chair]}"
assert_status "the chair closes it" 200
assert_json "the final tally equals the ballots sent ($EXPECT_V1)" --argjson t "$EXPECT_V1" \
  '.status == "closed" and [.tally[].count] == $t and .voted == 47 and .eligible == 47'

section "a secret vote"
SOPTS=("Ông Nguyễn Văn An" "Bà Trần Thị Bình" "Ông Lê Hoàng Cường")
call POST "/api/v1/meetings/$M/votes" "$(jq -cn --arg u "${ID[p45]}" --arg a "${SOPTS[0]}" --arg b "${SOPTS[1]}" \
  --arg c "${SOPTS[2]}" '{question: "Bầu trưởng ban (bỏ phiếu kín)", options: [$a, $b, $c], secret: true,
   remote_voter_ids: [$u]}')" "${TOKEN[secretary]}"
assert_status "the secretary creates a secret vote" 201
V2=$(jget .id)
call POST "/api/v1/votes/$V2/open" "" "${TOKEN[secretary]}"
assert_status "… and opens it" 200
secret_voter() { # INDEX KEY
  local i=$1 k=$2 o=${SOPTS[$(($1 % 3))]} receipt args=()
  [ "$i" == 7 ] && args=(-H "Idempotency-Key: kin-$R-$k")
  req "v2.$k.a" POST "/api/v1/votes/$V2/ballots" "${TOKEN[$k]}" "$(opt_json "$o")" "${args[@]}"
  [ "$(status_of "v2.$k.a")" == 200 ] || return 0
  receipt=$(body_of "v2.$k.a" | jq -r '.receipt // empty')
  echo "$o" >"$D/v2.$k.final"
  if [ "$i" == 7 ]; then # a retry of the same request: the same answer, nothing counted twice
    req "v2.$k.retry" POST "/api/v1/votes/$V2/ballots" "${TOKEN[$k]}" "$(opt_json "$o")" "${args[@]}"
    [ "$(body_of "v2.$k.retry" | jq -r '.receipt // empty')" == "$receipt" ] && touch "$D/v2.same-receipt"
  fi
  if [ $((i % 4)) == 0 ]; then
    o=${SOPTS[$(((i + 2) % 3))]}
    req "v2.$k.b" POST "/api/v1/votes/$V2/ballots" "${TOKEN[$k]}" "$(jq -cn --arg o "$o" --arg r "$receipt" \
      '{option: $o, receipt: $r}')"
    [ "$(status_of "v2.$k.b")" == 200 ] && echo "$o" >"$D/v2.$k.final"
  fi
  return 0
}
for i in "${!VOTERS[@]}"; do
  spawn secret_voter "$i" "${VOTERS[$i]}"
  [ $((i % 12)) == 11 ] && jobs_wait
done
jobs_wait
assert_eq "47 voters cast in secret, 12 change with their receipt, one retries: every one accepted" "200 60" "$(statuses v2.)"
check "… the retry under its Idempotency-Key got the same receipt" test -f "$D/v2.same-receipt"
req v2.again POST "/api/v1/votes/$V2/ballots" "${TOKEN[p10]}" "$(opt_json "${SOPTS[0]}")"
assert_eq "a second ballot without the receipt is refused" 409 "$(status_of v2.again)"
call GET "/api/v1/votes/$V2" "" "${TOKEN[p20]}"
assert_json "while open: 47 voted, no tally" '.voted == 47 and .tally == [] and .tally_visible == false'
EXPECT_V2=$(tally_of v2 "${SOPTS[@]}")
call POST "/api/v1/votes/$V2/close" "" "${TOKEN[secretary]}"
assert_status "the secretary closes it" 200
assert_json "the final tally equals the ballots sent ($EXPECT_V2)" --argjson t "$EXPECT_V2" \
  '[.tally[].count] == $t and .voted == 47 and .tally_visible == true'

section "a signed vote"
mkkey() { # KEY: a P-256 key pair, registered
  openssl ecparam -name prime256v1 -genkey -noout -out "$KEYS/$1.pem" 2>/dev/null
  req "key.$1" POST /api/v1/me/signing-keys "${TOKEN[$1]}" \
    "$(jq -cn --arg k "$(openssl ec -in "$KEYS/$1.pem" -pubout -outform DER 2>/dev/null | base64 -w0)" '{public_key: $k}')"
}
for i in "${!VOTERS[@]}"; do
  spawn mkkey "${VOTERS[$i]}"
  [ $((i % 12)) == 11 ] && jobs_wait
done
jobs_wait
assert_eq "every voter registers a P-256 key made with openssl" "201 47" "$(statuses key.)"
call POST "/api/v1/meetings/$M/votes" "$(jq -cn --arg u "${ID[p45]}" \
  '{question: "Thông qua dự toán ngân sách năm 2027", signature_required: true, remote_voter_ids: [$u]}')" "${TOKEN[chair]}"
assert_status "the chair creates a vote that requires signatures" 201
V3=$(jget .id)
call POST "/api/v1/votes/$V3/open" "" "${TOKEN[chair]}"
assert_status "… and opens it" 200
vn_time() { TZ=Asia/Ho_Chi_Minh date -d "@$1" +%Y-%m-%dT%H:%M:%S%:z; }
NOW=$(date +%s)
T1=$(vn_time $((NOW - 20)))
T2=$(vn_time $((NOW - 10)))
signed_ballot() { # KEY OPTION SIGNED_AT: the body, signed over the canonical string
  local sig
  sig=$(printf 'cabinet-ballot-v1\n%s\n%s\n%s\n%s' "$V3" "$2" "${ID[$1]}" "$3" |
    openssl dgst -sha256 -sign "$KEYS/$1.pem" | base64 -w0)
  jq -cn --arg o "$2" --arg s "$sig" --arg t "$3" '{option: $o, signature: $s, signed_at: $t}'
}
signed_voter() { # INDEX KEY
  local i=$1 k=$2 o=${OPTS[$((($1 + 2) % 3))]}
  req "v3.$k.a" POST "/api/v1/votes/$V3/ballots" "${TOKEN[$k]}" "$(signed_ballot "$k" "$o" "$T1")"
  [ "$(status_of "v3.$k.a")" == 200 ] && echo "$o" >"$D/v3.$k.final"
  if [ $((i % 6)) == 0 ]; then
    o=${OPTS[$((i % 3))]}
    req "v3.$k.b" POST "/api/v1/votes/$V3/ballots" "${TOKEN[$k]}" "$(signed_ballot "$k" "$o" "$T2")"
    [ "$(status_of "v3.$k.b")" == 200 ] && echo "$o" >"$D/v3.$k.final"
  fi
  return 0
}
for i in "${!VOTERS[@]}"; do
  spawn signed_voter "$i" "${VOTERS[$i]}"
  [ $((i % 12)) == 11 ] && jobs_wait
done
jobs_wait
assert_eq "47 signed ballots, 8 replaced by a later signature: every one accepted" "200 55" "$(statuses v3.)"
req v3.replay POST "/api/v1/votes/$V3/ballots" "${TOKEN[p01]}" "$(signed_ballot p01 "${OPTS[0]}" "$T1")"
assert_eq "a ballot signed no later than the one kept is refused" 409 "$(status_of v3.replay)"
req v3.forged POST "/api/v1/votes/$V3/ballots" "${TOKEN[p02]}" "$(signed_ballot p01 "${OPTS[0]}" "$(vn_time $((NOW - 5)))")"
assert_eq "a ballot signed with someone else's key is refused" 400 "$(status_of v3.forged)"
EXPECT_V3=$(tally_of v3 "${OPTS[@]}")
call POST "/api/v1/votes/$V3/close" "" "${TOKEN[chair]}"
assert_status "the chair closes it" 200
assert_json "the final tally equals the ballots sent ($EXPECT_V3)" --argjson t "$EXPECT_V3" \
  '[.tally[].count] == $t and .voted == 47'
call GET "/api/v1/votes/$V3/ballots/export" "" "${TOKEN[secretary]}"
assert_status "the secretary exports the signed ballots" 200
printf '%s' "$BODY" >"$D/export.json"
check "… and cabinet-voting verify-export checks all 47 offline" \
  sh -c "'$CAB_BIN/cabinet-voting' verify-export '$D/export.json' && test \"\$(jq '.ballots | length' '$D/export.json')\" = 47"

call POST "/api/v1/meetings/$M/end" "" "${TOKEN[chair]}"
assert_status "the chair ends the meeting" 200

# ---------------------------------------------------------------------------
section "every stream saw every change it may see"
# What the node published: every outbox row of the meeting, and every row
# addressed to someone (personal streams), once Kafka has confirmed them all.
OUTBOXES=(scheduling voting documents)
all_sent() {
  local s
  for s in "${OUTBOXES[@]}"; do
    [ "$(psql_q "SELECT count (*) FROM $s.outbox_unsent")" == 0 ] || return 1
  done
}
check "the relays have published everything to Kafka" wait_for 60 all_sent
published() {
  local s sql=""
  for s in "${OUTBOXES[@]}"; do
    sql+="${sql:+ UNION ALL }SELECT event_id, '$s' AS service, seq, type, meeting_id, audience
            FROM $s.outbox WHERE meeting_id = '$M' OR audience IS NOT NULL"
  done
  psql_q "SELECT coalesce (json_agg (e ORDER BY service, seq), '[]') FROM ($sql) e"
}
published | jq -c . >"$D/expected.json"
note "$(jq length "$D/expected.json") events published for the meeting or addressed to people"
{
  for k in chair secretary substitute $(for i in $(seq -w 1 $N); do echo "p$i"; done); do
    jq -cn --arg n "$k" --arg u "${ID[$k]}" --arg m "$M" --argjson a "$APPROVED_SEQ" \
      '{name: $n, user_id: $u, kind: "meeting", meeting_id: $m, after: {scheduling: $a}}'
  done
  for k in chair p06 p07; do
    jq -cn --arg n "own-$k" --arg u "${ID[$k]}" '{name: $n, user_id: $u, kind: "personal"}'
  done
} | jq -s . >"$D/streams.json"
compare() { python3 "$CAB_ROOT/integration/sse_record.py" compare "$D/expected.json" "$D/streams.json" "$SD"; }
all_arrived() { compare | jq -e '.exact == .streams' >/dev/null; }
wait_for 60 all_arrived || true
REPORT=$(compare)
note "$(jq -r '"\(.streams) streams, \(.events_expected) events expected, \(.events_received) received"' <<<"$REPORT")"
if jq -e '.exact == .streams and .streams == 56' <<<"$REPORT" >/dev/null; then
  pass "each of the 56 streams received exactly the events it may see, each once"
else
  fail "each of the 56 streams received exactly the events it may see, each once" \
    "$(jq -c '.problems[:6][]' <<<"$REPORT")"
fi
assert_eq "… each service's events in the order of its audit chain" 56 "$(jq .in_order <<<"$REPORT")"
assert_eq "… and no stream was told to refresh or ended" 56 "$(jq .without_control <<<"$REPORT")"
# count_on_streams TYPE: how many events of TYPE the meeting streams hold,
# as "N on S" (S streams have N each).
count_on_streams() {
  meeting_streams | xargs jq -r --arg t "$1" 'select(.event == $t) | input_filename' | sort | uniq -c |
    awk '{ print $1 }' | sort | uniq -c | awk '{ printf "%s%s on %s", (NR > 1 ? ", " : ""), $2, $1 }'
}
assert_eq "… among them, on every meeting stream, the 171 ballots accepted (57 + 60 - 1 retry + 55)" \
  "171 on 53" "$(count_on_streams ballot.cast)"
assert_eq "… and the 50 names of the roll call" "50 on 53" "$(count_on_streams attendance.recorded)"
# streams_with EVENT_ID: the streams that received the event, sorted.
streams_with() { grep -l "\"id\": \"$1\"" "$SD"/*.jsonl | xargs -n1 basename | sed 's/\.jsonl$//' | sort | paste -sd' '; }
assert_eq "the message to one person: only on the meeting and personal streams of its author and reader" \
  "own-p06 own-p07 p06 p07" "$(streams_with "$MSG_ONE")"
assert_eq "the message to the chair: the chair's and its author's" "chair own-chair p05" "$(streams_with "$MSG_CHAIR")"
assert_eq "the incident: the secretary's and its author's" "p08 secretary" "$(streams_with "$MSG_INCIDENT")"
assert_eq "the message to everyone: every meeting stream" 53 "$(streams_with "$MSG_ALL" | wc -w)"
for v in V1 V2 V3; do
  expect_var=EXPECT_$v
  assert_eq "vote.closed of the ${v#V}. vote on all 53 meeting streams, with the tally the ballots make" \
    "53 ${!expect_var}" "$(stream_tallies "${!v}")"
done
secret_cast_on_streams=$(jq -c --arg v "$V2" 'select(.event == "ballot.cast" and .data.subject == $v)
  | [.data.actor_id, .data.payload.voter_id, .data.payload.option, (.data.payload.replaced // false)]' "$SD"/p01.jsonl | sort | uniq -c)
assert_eq "the secret vote's 59 ballot.cast on a stream say only how many voted: no actor, voter, option, change" \
  "59 [null,null,null,false]" "$(awk '{ print $1 " " $2 }' <<<"$secret_cast_on_streams")"
kafka_ids() { kafka_events "$EVENTS" | awk -F'\t' '{ print $5 }' | tr ',' '\n' | sed -n 's/^ce_id=//p' | sort -u; }
kafka_ids >"$D/kafka.ids"
missing_in_kafka=$(jq -r '.[].event_id' "$D/expected.json" | sort -u | comm -23 - "$D/kafka.ids" | wc -l)
assert_eq "Kafka holds every one of those events" 0 "$missing_in_kafka"

# ---------------------------------------------------------------------------
section "the secret vote cannot be joined back to its voters"
# Tables only: a view (outbox_unsent) shows nothing its tables do not hold.
COLS=$(psql_q "SELECT c.table_name || '.' || c.column_name || ':' || c.data_type || ':' || coalesce (c.column_default, '')
               FROM information_schema.columns c JOIN information_schema.tables t USING (table_schema, table_name)
               WHERE c.table_schema = 'voting' AND t.table_type = 'BASE TABLE' ORDER BY 1")
assert_eq "secret_choices: a random id, the vote, the option, a receipt's hash - nothing else" \
  "secret_choices.id:uuid:gen_random_uuid() secret_choices.option_index:integer: secret_choices.receipt_hash:text: secret_choices.vote_id:uuid:" \
  "$(grep '^secret_choices\.' <<<"$COLS" | tr '\n' ' ' | sed 's/ $//')"
assert_eq "… no time, date or sequence in it: nothing orders the choices" "" \
  "$(grep '^secret_choices\.' <<<"$COLS" | grep -Ei ':(timestamp|date|time|interval)|nextval|serial' || true)"
assert_eq "participation: who voted, never what" \
  "participation.last_signed_at participation.vote_id participation.voter_id" \
  "$(grep '^participation\.' <<<"$COLS" | cut -d: -f1 | tr '\n' ' ' | sed 's/ $//')"
assert_eq "… the two share only the vote" "vote_id" \
  "$(comm -12 <(grep '^participation\.' <<<"$COLS" | cut -d: -f1 | cut -d. -f2 | sort) \
     <(grep '^secret_choices\.' <<<"$COLS" | cut -d: -f1 | cut -d. -f2 | sort) | paste -sd' ')"
PEOPLE_COLS='^(voter_id|user_id|member_id|caller_id|created_by|opened_by|closed_by|added_by|actor_id)$'
CHOICE_COLS='^(option_index|option|reply|payload)$'
tables_with() { cut -d: -f1 <<<"$COLS" | awk -F. -v re="$1" '$2 ~ re { print $1 }' | sort -u; }
assert_eq "no table has a person and a choice but named ballots, and replies and events checked below" \
  "ballots idempotency outbox" "$(comm -12 <(tables_with "$PEOPLE_COLS") <(tables_with "$CHOICE_COLS") | paste -sd' ')"
VOTER_IDS=$(psql_q "SELECT voter_id FROM voting.participation WHERE vote_id = '$V2' ORDER BY 1")
assert_eq "participation names the 47 voters" 47 "$(grep -c . <<<"$VOTER_IDS")"
VOTER_RE=$(paste -sd'|' <<<"$VOTER_IDS")
OPT_RE=$(printf '%s|' "${SOPTS[@]}")
OPT_RE=${OPT_RE%|}
linked_rows=0
for t in $(cut -d: -f1 <<<"$COLS" | cut -d. -f1 | sort -u); do
  c=$(psql_q "SELECT count (*) FROM voting.$t x WHERE x::text ~ '($VOTER_RE)' AND x::text ~ '($OPT_RE)'")
  [ "$c" != 0 ] && note "voting.$t: $c rows name a voter and a choice of the secret vote"
  linked_rows=$((linked_rows + c))
done
assert_eq "no row of any voting table names a voter of the secret vote and one of its choices" 0 "$linked_rows"
bytes_of() { printf "convert_to ('%s', 'UTF8')" "$1"; }
cond=$(for u in $VOTER_IDS; do printf "position (%s IN payload) > 0 OR " "$(bytes_of "$u")"; done)
for o in "${SOPTS[@]}"; do cond+="position ($(bytes_of "$o") IN payload) > 0 OR "; done
assert_eq "no ballot.cast of the secret vote names an actor, or holds a voter's id or an option in its payload" "59 0" \
  "$(psql_q "SELECT count (*), count (*) FILTER (WHERE actor_id IS NOT NULL OR ${cond% OR })
             FROM voting.outbox WHERE type = 'ballot.cast' AND subject = '$V2'" | tr '|' ' ')"
assert_eq "no Idempotency-Key record of the secret vote is left (they held a choice and a receipt)" 0 \
  "$(psql_q "SELECT count (*) FROM voting.idempotency WHERE scope = '$V2'
             OR ${cond//payload/reply} FALSE")"
assert_eq "the secret vote has no named ballot" 0 "$(psql_q "SELECT count (*) FROM voting.ballots WHERE vote_id = '$V2'")"
assert_eq "its choices: one per voter, no receipt, random (v4) ids, written by one transaction" "47 0 47 1" \
  "$(psql_q "SELECT count (*), count (receipt_hash), count (*) FILTER (WHERE substr (id::text, 15, 1) = '4'),
             count (DISTINCT xmin::text) FROM voting.secret_choices WHERE vote_id = '$V2'" | tr '|' ' ')"
XMIN_CHOICES=$(psql_q "SELECT DISTINCT xmin::text FROM voting.secret_choices WHERE vote_id = '$V2'")
assert_eq "… the closing's, which wrote no participation: casting order is not in the choices" 0 \
  "$(psql_q "SELECT count (*) FROM voting.participation WHERE vote_id = '$V2' AND xmin::text = '$XMIN_CHOICES'")"
assert_eq "… and their counts are the tally" "$EXPECT_V2" \
  "$(psql_q "SELECT json_agg (n ORDER BY i) FROM (SELECT o.i, count (c.id) n FROM generate_series (0, 2) o (i)
             LEFT JOIN voting.secret_choices c ON c.vote_id = '$V2' AND c.option_index = o.i GROUP BY o.i) t" | tr -d ' ')"

stop_recorders
finish
