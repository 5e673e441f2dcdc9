#!/usr/bin/env bash
# test_stream.sh - live streams (Server-Sent Events) as people use them: the
# chair and an invitee follow a meeting with `curl -N` while it is approved,
# started, called, answered and given documents, one of them secret; someone
# not invited gets 404; each stream shows what its person may see, with the
# event's id, type and JSON payload; the personal stream shows what is
# addressed to the person; a stream that reconnects with Last-Event-ID gets
# exactly what it missed, an unknown id gets "refresh"; idle streams are
# pinged; a person's streams are limited; signing out ends the session's
# streams; the gateway stops cleanly with streams open. See lib.sh.
source "$(dirname "$0")/lib.sh"

section() { printf '\n== %s\n' "$*"; }

export CABINET_UPLOAD_MAX_MB=2
export CABINET_SSE_MAX_PER_USER=4
export CABINET_SSE_PING_SECONDS=2
env_start
R=$(rand_suffix)
VN() { TZ=Asia/Ho_Chi_Minh date "$@"; }
at() { VN -d "$(VN +%F) +$1 days $2" +%Y-%m-%dT%H:%M:%S%:z; }
FILES=$ENV_DIR/files
SD=$ENV_DIR/streams
mkdir -p "$FILES" "$SD"
python3 "$CAB_ROOT/integration/files/make_files.py" "$FILES" 100000 || fail "the test files are made"

# ---- streams: curl -N in the background, one file per stream -----------------
declare -A STREAM_PID=()
# stream_open NAME TOKEN PATH [CURL ARGS...]: follow a stream into $SD/NAME.
stream_open() {
  local name=$1 token=$2 path=$3
  shift 3
  : >"$SD/$name"
  curl -sS -N --max-time 600 -D "$SD/$name.headers" -o "$SD/$name" \
    -H "Authorization: Bearer $token" "$@" "$BASE_URL$path" 2>"$SD/$name.err" &
  STREAM_PID[$name]=$!
}
# stream_ready NAME: its headers are in (200) and the retry hint arrived.
stream_ready() { grep -q '^HTTP/1.1 200' "$SD/$1.headers" 2>/dev/null && grep -q '^retry: ' "$SD/$1"; }
stream_alive() { kill -0 "${STREAM_PID[$1]}" 2>/dev/null; }
stream_close() {
  local pid=${STREAM_PID[$1]:-}
  [ -n "$pid" ] || return 0
  kill "$pid" 2>/dev/null
  wait "$pid" 2>/dev/null
  unset "STREAM_PID[$1]"
}
close_all_streams() { local n; for n in "${!STREAM_PID[@]}"; do stream_close "$n"; done; }
# events NAME: the complete events of a stream, one JSON object per line:
# {"id","event","data"} with data parsed (comments and the retry hint left out).
events() {
  tr -d '\r' <"$SD/$1" | awk '
    /^$/ { if (has || ev != "") print id "\t" ev "\t" data; id = ""; ev = ""; data = ""; has = 0; next }
    /^:/ || /^retry: / { next }
    /^id: / { id = substr($0, 5); next }
    /^event: / { ev = substr($0, 8); next }
    /^data: / { d = substr($0, 7); data = has ? data "\n" d : d; has = 1; next }' |
    jq -Rc 'split("\t") | {id: .[0], event: .[1], data: (.[2] | fromjson? // .)}'
}
# has_event NAME TYPE [JQ ARGS...] [FILTER]: the stream holds an event of TYPE
# (whose data passes FILTER, if given).
has_event() {
  local name=$1 type=$2
  shift 2
  local filter='true' args=()
  if [ $# -gt 0 ]; then
    filter=${!#}
    args=("${@:1:$#-1}")
  fi
  events "$name" | jq -e -s --arg t "$type" "${args[@]}" "map(select(.event == \$t and (.data | $filter))) | length > 0" >/dev/null
}
count_events() { events "$1" | jq -s --arg t "$2" 'map(select(.event == $t)) | length'; }
# event_id NAME TYPE: id of the first event of TYPE.
event_id() { events "$1" | jq -rs --arg t "$2" 'map(select(.event == $t)) | .[0].id // empty'; }
# expect NAME TYPE DESCRIPTION [JQ ARGS...] [FILTER]: waits for the event.
expect() {
  local name=$1 type=$2 what=$3
  shift 3
  if wait_for 30 has_event "$name" "$type" "$@"; then pass "$what"; else
    fail "$what" "stream $name: $(events "$name" | jq -c '{event, id}' | tr '\n' ' ' | head -c 1500)"
  fi
}

upload() { # TOKEN PATH FILE [FIELD...]: a multipart form
  local token=$1 path=$2 file=$3 args=() f
  shift 3
  for f in "$@"; do args+=(-F "$f"); done
  LAST_REQ="POST $path (multipart: $(basename "$file") $*)"
  STATUS=$(curl -sS --max-time 60 -o "$ENV_DIR/body" -w '%{http_code}' -H "Authorization: Bearer $token" \
    "${args[@]}" -F "file=@$file" "$BASE_URL$path" 2>"$ENV_DIR/curl.err")
  BODY=$(cat "$ENV_DIR/body")
}

section "a meeting and the people who follow it"
declare -A TOKEN=() ID=()
for u in vanthu lanhdao chutri thuky daibieu1 daibieu3; do
  login_ready "TOKEN[$u]" "$u" "$DEMO_PASSWORD" || fail "$u signs in"
  ID[$u]=$(psql_q "SELECT id FROM identity.users WHERE username = '$u'")
done
wait_for 60 scheduling_settled || fail "the demo people reach the scheduling projection"
call POST /api/v1/meetings "$(jq -cn --arg t "Họp trực tuyến theo dõi trực tiếp $R" \
  --arg s "$(at 10 09:00)" --arg e "$(at 10 11:00)" --arg c "${ID[chutri]}" --arg sec "${ID[thuky]}" \
  --arg a "${ID[lanhdao]}" --arg p "${ID[daibieu1]}" \
  '{title: $t, start_at: $s, end_at: $e, form: "hybrid", type: "regular", chair_id: $c,
    secretary_id: $sec, approver_id: $a, participants: [{user_id: $p}]}')" "${TOKEN[vanthu]}"
assert_status "the clerk registers a meeting" 201
M=$(jget .id)
call POST "/api/v1/meetings/$M/submit" "" "${TOKEN[vanthu]}"
assert_status "… and submits it" 200

stream_open chair "${TOKEN[chutri]}" "/api/v1/meetings/$M/stream"
check "the chair opens the meeting's stream" wait_for 15 stream_ready chair
check "… as text/event-stream" grep -qi '^content-type: text/event-stream' "$SD/chair.headers"
check "… not cached, not buffered by proxies" grep -qi '^x-accel-buffering: no' "$SD/chair.headers"
stream_open chair_own "${TOKEN[chutri]}" /api/v1/stream
check "the chair opens the personal stream" wait_for 15 stream_ready chair_own

call POST "/api/v1/meetings/$M/approve" "" "${TOKEN[lanhdao]}"
assert_status "the approver approves the meeting" 200
expect chair meeting.approved "the chair's stream shows the approval, with its JSON" --arg m "$M" \
  '.id != null and .type == "meeting.approved" and .meeting_id == $m and .subject == $m
   and (.time | test("\\+07:00$")) and .payload.to_status == "approved" and .payload.meeting.id == $m'
events chair | jq -e -s --arg a "${ID[lanhdao]}" 'map(select(.event == "meeting.approved"))[0]
  | .id == .data.id and .data.actor_id == $a' >/dev/null &&
  pass "… the SSE id is the event's id, the actor is the approver" || fail "… the SSE id is the event's id, the actor is the approver" "$(events chair)"

stream_open invitee "${TOKEN[daibieu1]}" "/api/v1/meetings/$M/stream"
check "the invitee opens the meeting's stream" wait_for 15 stream_ready invitee
stream_open invitee_own "${TOKEN[daibieu1]}" /api/v1/stream
check "the invitee opens the personal stream" wait_for 15 stream_ready invitee_own

call GET "/api/v1/meetings/$M/stream" "" "${TOKEN[daibieu3]}"
assert_error "someone not invited gets 404 before any stream" 404
call GET "/api/v1/meetings/0190c0de-0000-7000-8000-00000000dead/stream" "" "${TOKEN[chutri]}"
assert_error "an unknown meeting: 404" 404
call GET "/api/v1/meetings/$M/stream"
assert_error "no session: 401" 401
call GET "/api/v1/meetings/$M/stream?since=0" "" "${TOKEN[chutri]}"
assert_error "an unknown parameter: 400" 400
call POST "/api/v1/meetings/$M/stream" "" "${TOKEN[chutri]}"
assert_error "only GET" 405

section "the meeting runs; each stream shows what its person may see"
call POST "/api/v1/meetings/$M/start" "" "${TOKEN[chutri]}"
assert_status "the chair starts the meeting" 200
expect chair meeting.started "the chair's stream shows the start" '.payload.to_status == "in_progress"'
expect invitee meeting.started "… so does the invitee's"
call POST "/api/v1/meetings/$M/roll-call" "$(jq -cn --arg u "${ID[daibieu1]}" '{user_id: $u, status: "present"}')" "${TOKEN[thuky]}"
assert_status "the secretary marks the invitee present" 200
expect chair attendance.recorded "the roll call reaches the chair" --arg u "${ID[daibieu1]}" \
  '.payload.method == "roll_call" and .payload.participant.user_id == $u and .payload.counts.present == 1'
expect invitee attendance.recorded "… and the invitee"
SEEN=$(event_id invitee attendance.recorded)
stream_close invitee
note "the invitee's stream drops after $SEEN"

call POST "/api/v1/meetings/$M/rsvp" '{"response":"attend"}' "${TOKEN[daibieu1]}"
assert_status "the invitee answers the invitation" 200
expect chair rsvp.submitted "the reply reaches the chair" --arg u "${ID[daibieu1]}" \
  '.payload.participant.user_id == $u and .payload.participant.response == "attend"'

upload "${TOKEN[vanthu]}" "/api/v1/meetings/$M/documents" "$FILES/ke-hoach.pdf" "title=Kế hoạch $R"
assert_status "the clerk uploads a PDF (pending)" 201
DOC=$(jget .id)
call POST "/api/v1/documents/$DOC/approve" "" "${TOKEN[chutri]}"
assert_status "the chair approves it" 200
expect chair document.approved "the approved document reaches the chair" --arg d "$DOC" --arg m "$M" \
  '.subject == $d and .payload.document.id == $d and .payload.document.status == "approved"
   and .payload.document.title != null and .payload.document.meeting_id == $m'
check "a pending document was never shown" test "$(count_events chair document.uploaded)" == 0

upload "${TOKEN[chutri]}" "/api/v1/meetings/$M/documents" "$FILES/ke-hoach.pdf" "title=Tài liệu mật $R" \
  "classification=secret" "access_user_ids=${ID[thuky]}"
assert_status "the chair uploads a secret document for the secretary alone (approved at once)" 201
SECRET=$(jget .id)
assert_json "… approved, secret" '.status == "approved" and .classification == "secret"'
expect chair document.uploaded "the secret document reaches the chair's meeting stream (who may read it though not on its list)" --arg d "$SECRET" \
  '.subject == $d and .payload.document.classification == "secret" and .payload.document.title == null'
expect chair_own document.uploaded "… and the chair's personal stream" --arg d "$SECRET" '.subject == $d'

section "reconnecting"
stream_open invitee2 "${TOKEN[daibieu1]}" "/api/v1/meetings/$M/stream" -H "Last-Event-ID: $SEEN"
check "the invitee reconnects with Last-Event-ID" wait_for 15 stream_ready invitee2
expect invitee2 document.approved "… and gets what it missed"
MISSED=$(events chair | jq -rs --arg s "$SEEN" '
  (map(.id) | index($s)) as $i | .[($i + 1):] | map(select(.data.subject != "'"$SECRET"'")) | map(.event) | join(" ")')
GOT=$(events invitee2 | jq -rs 'map(.event) | join(" ")')
assert_eq "… exactly the missed events, in order, the secret one left out" "rsvp.submitted document.approved" "$GOT"
assert_eq "… the same the chair saw after that point" "$MISSED" "$GOT"
assert_eq "… with the same ids" "$(events chair | jq -rs --arg s "$SEEN" '(map(.id) | index($s)) as $i | .[($i + 1):]
  | map(select(.event != "document.uploaded") | .id) | join(" ")')" "$(events invitee2 | jq -rs 'map(.id) | join(" ")')"

stream_open chair2 "${TOKEN[chutri]}" "/api/v1/meetings/$M/stream?last_event_id=$(event_id chair meeting.started)"
check "the chair reconnects with ?last_event_id=" wait_for 15 stream_ready chair2
expect chair2 document.uploaded "… and gets everything after the start, the secret document too"
assert_eq "… in order" "attendance.recorded rsvp.submitted document.approved document.uploaded" \
  "$(events chair2 | jq -rs 'map(.event) | join(" ")')"

stream_open stranger "${TOKEN[daibieu1]}" "/api/v1/meetings/$M/stream" -H "Last-Event-ID: 0190c0de-0000-7000-8000-00000000beef"
check "a stream reconnecting with an unknown id opens" wait_for 15 stream_ready stranger
expect stranger refresh "… and is told to refresh first" '.reason == "unknown_last_event_id"'
events stranger | jq -e -s --arg id "$(event_id invitee2 document.approved)" \
  '.[0].event == "refresh" and .[0].id == $id' >/dev/null &&
  pass "… carrying the id of the newest event it may see" ||
  fail "… carrying the id of the newest event it may see" "$(events stranger)"

call POST "/api/v1/meetings/$M/check-in" "" "${TOKEN[daibieu1]}"
call POST "/api/v1/meetings/$M/end" "" "${TOKEN[thuky]}"
assert_status "the secretary ends the meeting" 200
expect invitee2 meeting.ended "the reconnected stream goes on live"
expect stranger meeting.ended "… so does the refreshed one"

section "who saw what"
for s in invitee invitee2 stranger; do
  if events "$s" | jq -e -s --arg d "$SECRET" 'map(select(.data.subject == $d or (.data | tostring | contains($d)))) | length == 0' >/dev/null; then
    pass "the invitee's stream ($s) never showed the secret document"
  else
    fail "the invitee's stream ($s) never showed the secret document" "$(events "$s")"
  fi
done
# Personal streams also carry the person's own in-app notices
# (notification.created, from the notifications service): set apart here.
assert_eq "nor did anything but the invitee's own notices reach their personal stream" 0 \
  "$(events invitee_own | jq -s 'map(select(.event != "notification.created")) | length')"
assert_eq "… and those notices are all addressed to the invitee" 0 \
  "$(events invitee_own | jq -s --arg u "${ID[daibieu1]}" 'map(select(.event == "notification.created" and .data.payload.notice.user_id != $u)) | length')"
assert_eq "the chair's personal stream shows only what is addressed to the chair" "document.uploaded" \
  "$(events chair_own | jq -rs 'map(select(.event != "notification.created") | .event) | join(" ")')"
assert_eq "each event once on the chair's stream" 0 "$(events chair | jq -s 'group_by(.id) | map(select(length > 1)) | length')"
has_ping() { grep -q '^: ping' "$SD/$1"; }
check "an idle stream is pinged" wait_for 10 has_ping invitee_own

section "limits"
# daibieu1 has three streams open (invitee2, stranger, invitee_own): one more is allowed.
stream_open fourth "${TOKEN[daibieu1]}" /api/v1/stream
check "a person's fourth stream opens" wait_for 15 stream_ready fourth
call GET /api/v1/stream "" "${TOKEN[daibieu1]}"
assert_error "the fifth is refused (CABINET_SSE_MAX_PER_USER=4)" 429
stream_close fourth
reopened() { call GET /api/v1/stream "" "${TOKEN[daibieu1]}" --max-time 2; [ "$STATUS" == 200 ]; }
check "closing one makes room again" wait_for 10 reopened

section "signing out ends the session's streams"
call POST /api/v1/auth/logout "" "${TOKEN[chutri]}"
assert_status "the chair signs out" 204
expect chair end "the chair's meeting stream is told it ends" '.reason == "session_revoked"'
expect chair_own end "… and the personal stream"
ended() { ! stream_alive "$1"; }
check "… which the gateway then closes" wait_for 10 ended chair_own
check "… both" wait_for 10 ended chair
check "the invitee's streams go on" stream_alive invitee2

section "metrics"
call GET /metrics
check "the gateway counts its open streams" grep -q '^cabinet_gateway_streams ' <<<"$BODY"
check "… and the refreshes it asked for" grep -q 'cabinet_gateway_stream_refreshes_total{reason="unknown_last_event_id"} 1' <<<"$BODY"

# The gateway must stop cleanly with streams still open (env_stop checks its
# exit status); what is left of them ends with it.
note "streams still open at the stop: ${!STREAM_PID[*]}"
t0=$(now_ms)
stop_proc gateway TERM
assert_eq "the gateway stops cleanly on SIGTERM with live streams open" 0 "$STOP_RC"
note "stopped in $(($(now_ms) - t0)) ms"
gone() { ! stream_alive invitee2 && ! stream_alive stranger; }
check "… and the streams end with it" wait_for 10 gone
close_all_streams
finish
