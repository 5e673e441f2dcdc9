#!/usr/bin/env bash
# test_notifications.sh - the notifications service as people and the
# outside world meet it (R9, R3.4, R7.3): a real SMTP server (aiosmtpd) and
# an HTTP receiver playing the SMS gateway are started here. A meeting is
# approved: the invitation mails (with a valid iCalendar REQUEST) and the
# SMS reach exactly the invited people on the channels each chose, the
# in-app inbox and the personal live stream show the notice; amended and
# approved again, invitees hear what changed (SEQUENCE moves on); the clock
# is moved through configuration (CABINET_CLOCK_OFFSET_SECONDS, the service
# restarted) so a reminder fires at its time and an overdue reply alerts
# the invitee and the organiser; with the mail server stopped the
# cancellation mails are retried and all arrive once it is back, none
# twice, while SMS go on; the personal calendar feed and its token; and
# bad input refused with Vietnamese errors.
source "$(dirname "$0")/lib.sh"

section() { printf '\n== %s\n' "$*"; }

# The SMTP server and the SMS receiver: ports now, processes once the
# environment (and its log folder) exists.
free_port SMTP_PORT || exit 2
free_port SMS_PORT || exit 2
export CABINET_SMTP_URL="smtp://127.0.0.1:$SMTP_PORT"
export CABINET_SMTP_TLS=none
export CABINET_MAIL_FROM="hop@ubnd.demo.gov.vn"
export CABINET_SMS_URL="http://127.0.0.1:$SMS_PORT/api/sms"
export CABINET_SMS_USER=cabinet
export CABINET_SMS_PASSWORD="Sms-Gateway-2026"
export CABINET_SEND_RETRY_SECONDS=1
export CABINET_SEND_TIMEOUT_MS=3000
export CABINET_PUBLIC_URL="https://hop.demo.gov.vn"
export CABINET_CLOCK_OFFSET_SECONDS=0
env_start
SINKS=$CAB_ROOT/tests/notifications
MAIL1=$ENV_DIR/mail1
MAIL2=$ENV_DIR/mail2
SMS_DIR=$ENV_DIR/sms
mkdir -p "$MAIL1" "$MAIL2" "$SMS_DIR"
smtp_up() { port_in_use "$SMTP_PORT"; }
smtp_start() { # DIR
  start_proc smtp python3 "$SINKS/smtp_sink.py" 127.0.0.1 "$SMTP_PORT" "$1"
  wait_for 20 smtp_up || env_abort "the SMTP server did not start"
}
smtp_start "$MAIL1"
start_proc sms python3 "$SINKS/http_sink.py" "$SMS_PORT" "$SMS_DIR"
sms_up() { port_in_use "$SMS_PORT"; }
wait_for 20 sms_up || env_abort "the SMS receiver did not start"

R=$(rand_suffix)
VN() { TZ=Asia/Ho_Chi_Minh date "$@"; }
at() { VN -d "$(VN +%F) +$1 days $2" +%Y-%m-%dT%H:%M:%S%:z; }
mails() { python3 "$CAB_ROOT/integration/mail_summary.py" "$MAIL1" "$MAIL2"; }
sms_requests() { cat "$SMS_DIR/requests.jsonl" 2>/dev/null; }
# deliveries QUERY: every notice the admin sees with that filter, one per line.
deliveries() { list_all "/api/v1/notifications/deliveries?limit=200&$1" "$ADMIN"; }
count_deliveries() { deliveries "$1" | wc -l; }
# settled QUERY N: N notices with that filter and none still waiting.
settled() {
  [ "$(count_deliveries "$1")" == "$2" ] &&
    [ "$(deliveries "$1" | jq -s '[.[] | select(.state != "sent")] | length')" == 0 ]
}
PROBE=0
restart_notifications() { # OFFSET_SECONDS
  stop_proc notifications TERM
  assert_eq "notifications stops cleanly for the clock change" 0 "$STOP_RC"
  export CABINET_CLOCK_OFFSET_SECONDS=$1
  service_start notifications
  wait_ready || fail "the node is ready again after the restart"
  local before
  before=$(psql_q "SELECT now ()")
  PROBE=$((PROBE + 1))
  call PATCH "/api/v1/users/${ID[daibieu4]}" "$(jq -cn --arg t "Trưởng phòng $PROBE" '{title: $t}')" "$ADMIN"
  probe_seen() {
    [ "$(psql_q "SELECT count (*) FROM notifications.contacts
                  WHERE user_id = '${ID[daibieu4]}' AND updated_at >= '$before'")" == 1 ]
  }
  wait_for 60 probe_seen || fail "the restarted service consumes events again"
}

section "people and their choices"
ADMIN=$(login admin "$ADMIN_PASSWORD")
declare -A TOKEN=() ID=() EMAIL=() PHONE=()
for u in vanthu lanhdao chutri thuky daibieu1 daibieu2 daibieu3 daibieu4; do
  login_ready "TOKEN[$u]" "$u" "$DEMO_PASSWORD" || fail "$u signs in"
  call GET /api/v1/me "" "${TOKEN[$u]}"
  ID[$u]=$(jget .id)
  EMAIL[$u]=$(jget .email)
  PHONE[$u]=$(jget .phone)
done
contacts_known() {
  [ "$(psql_q "SELECT count (*) FROM notifications.contacts WHERE email IS NOT NULL AND user_id IN
      ('${ID[vanthu]}', '${ID[chutri]}', '${ID[thuky]}', '${ID[daibieu1]}', '${ID[daibieu2]}',
       '${ID[daibieu3]}', '${ID[daibieu4]}')")" == 7 ]
}
wait_for 60 contacts_known || fail "the notifications service learns the people's addresses from identity's events"
wait_for 60 scheduling_settled || fail "the demo agencies and people reach the scheduling projection"

call GET /api/v1/me/notification-settings "" "${TOKEN[daibieu1]}"
assert_status "a person reads their notification settings" 200
assert_json "… Vietnamese by default, every kind listed with its default channels, the account's address" \
  --arg e "${EMAIL[daibieu1]}" \
  '.language == "vi" and (.kinds | length) >= 16 and .email == $e
   and (.kinds[] | select(.kind == "invitation") | .channels == ["app", "email", "sms"])
   and (.kinds[] | select(.kind == "document_published") | .channels == ["app", "email"])'
call PATCH /api/v1/me/notification-settings '{"kinds": [{"kind": "invitation", "channels": ["app"]}]}' "${TOKEN[daibieu2]}"
assert_status "daibieu2 wants invitations in the app only" 200
assert_json "… recorded" '.kinds[] | select(.kind == "invitation") | .channels == ["app"]'
call PATCH /api/v1/me/notification-settings '{"language": "en", "kinds": [{"kind": "invitation", "channels": ["email"]}]}' "${TOKEN[daibieu3]}"
assert_status "daibieu3 wants English and invitations by mail" 200
assert_json "… the app is always kept (it is the inbox)" \
  '.language == "en" and (.kinds[] | select(.kind == "invitation") | .channels == ["app", "email"])'
call PATCH /api/v1/me/notification-settings '{"language": "fr"}' "${TOKEN[daibieu1]}"
assert_error "a language other than vi or en" 400
call PATCH /api/v1/me/notification-settings '{"kinds": [{"kind": "fireworks", "channels": ["app"]}]}' "${TOKEN[daibieu1]}"
assert_error "a kind that does not exist" 400
call PATCH /api/v1/me/notification-settings '{"kinds": [{"kind": "reminder", "channels": ["fax"]}]}' "${TOKEN[daibieu1]}"
assert_error "a channel that does not exist" 400
call GET /api/v1/me/notification-settings "" "${TOKEN[daibieu1]}"
assert_json "… and refused changes changed nothing" \
  '.language == "vi" and (.kinds[] | select(.kind == "reminder") | .channels == ["app", "email", "sms"])'
call GET /api/v1/notifications
assert_error "the inbox without signing in" 401
call GET /api/v1/notifications/deliveries "" "${TOKEN[daibieu1]}"
assert_error "only a system admin reads the deliveries" 403

section "a meeting approved: invitations by mail, SMS and in the app"
# daibieu1 follows their own live stream meanwhile.
curl -sN --max-time 60 -H "Authorization: Bearer ${TOKEN[daibieu1]}" \
  "$BASE_URL/api/v1/stream" >"$ENV_DIR/stream1" 2>/dev/null &
STREAM_PID=$!
TITLE="Họp bàn kế hoạch chuyển đổi số $R"
call POST /api/v1/meetings "$(jq -cn --arg t "$TITLE" --arg s "$(at 3 09:00)" --arg e "$(at 3 11:00)" \
  --arg c "${ID[chutri]}" --arg sec "${ID[thuky]}" --arg a "${ID[lanhdao]}" \
  --arg p1 "${ID[daibieu1]}" --arg p2 "${ID[daibieu2]}" --arg p3 "${ID[daibieu3]}" \
  '{title: $t, content: "Kế hoạch năm 2027", start_at: $s, end_at: $e, form: "in_person",
    type: "regular", chair_id: $c, secretary_id: $sec, approver_id: $a,
    participants: [{user_id: $p1}, {user_id: $p2}, {user_id: $p3}]}')" "${TOKEN[vanthu]}"
assert_status "the clerk registers a meeting" 201
M=$(jget .id)
call POST "/api/v1/meetings/$M/submit" "" "${TOKEN[vanthu]}"
call POST "/api/v1/meetings/$M/approve" "" "${TOKEN[lanhdao]}"
assert_status "the leader approves it" 200
call GET "/api/v1/meetings/$M" "" "${TOKEN[vanthu]}"
mapfile -t INVITED < <(jget '.participants[] | select(.kind == "user") | .user_id' | sort)
note "invited people: ${#INVITED[@]}"
check "daibieu1, 2 and 3 are among the invited" \
  bash -c "printf '%s\n' ${INVITED[*]} | grep -qx ${ID[daibieu1]} && printf '%s\n' ${INVITED[*]} | grep -qx ${ID[daibieu3]}"
# What each invited person gets: e-mail but daibieu2 (app only); SMS but
# daibieu2 and daibieu3 (mail only).
WANT_MAIL=()
WANT_SMS=()
ALL_MAIL=()
for uid in "${INVITED[@]}"; do
  for u in "${!ID[@]}"; do
    [ "${ID[$u]}" == "$uid" ] || continue
    ALL_MAIL+=("${EMAIL[$u]}")
    [ "$u" != daibieu2 ] && WANT_MAIL+=("${EMAIL[$u]}")
    [ "$u" != daibieu2 ] && [ "$u" != daibieu3 ] &&
      WANT_SMS+=("$(printf '%s' "${PHONE[$u]}" | tr -cd '0-9' | sed 's/^0/84/')")
  done
done
N_MAIL=${#WANT_MAIL[@]}
N_SMS=${#WANT_SMS[@]}
N_ALL=${#ALL_MAIL[@]} # the other kinds go to everyone on every channel by default
wait_for 60 settled "meeting_id=$M&kind=invitation&channel=email" "$N_MAIL" ||
  fail "every invitation mail is sent" "$(deliveries "meeting_id=$M&kind=invitation")"
wait_for 30 settled "meeting_id=$M&kind=invitation&channel=sms" "$N_SMS" ||
  fail "every invitation SMS is sent" "$(deliveries "meeting_id=$M&kind=invitation&channel=sms")"
assert_eq "one in-app notice per invited person" "${#INVITED[@]}" \
  "$(count_deliveries "meeting_id=$M&kind=invitation&channel=app")"

# The mails at the SMTP server, tied to their notices by Message-ID.
deliveries "meeting_id=$M&kind=invitation&channel=email" | jq -s 'map({key: .id, value: .}) | from_entries' >"$ENV_DIR/inv.json"
wait_for 20 bash -c "[ \$(python3 '$CAB_ROOT/integration/mail_summary.py' '$MAIL1' | wc -l) -ge $N_MAIL ]" ||
  fail "the invitation mails reach the SMTP server"
mails | jq -c --slurpfile n "$ENV_DIR/inv.json" \
  'select((.message_id | split("@")[0]) as $id | $n[0][$id] != null)' >"$ENV_DIR/inv_mails"
assert_eq "the SMTP server received exactly one invitation per person who wants mail" \
  "$(printf '%s\n' "${WANT_MAIL[@]}" | sort | jq -R . | jq -sc .)" \
  "$(jq -r '.rcpt[]' "$ENV_DIR/inv_mails" | sort | jq -R . | jq -sc .)"
assert_eq "… daibieu2 (app only) got no mail" 0 \
  "$(grep -c "${EMAIL[daibieu2]}" "$ENV_DIR/inv_mails")"
assert_eq "… nor did daibieu4, who is not invited" 0 "$(mails | grep -c "${EMAIL[daibieu4]}")"
D1=$(jq -c --arg a "${EMAIL[daibieu1]}" 'select(.rcpt == [$a])' "$ENV_DIR/inv_mails")
BODY=$D1
assert_json "daibieu1's mail: the Vietnamese subject (RFC 2047) names the meeting, no parser defect" \
  --arg t "$TITLE" '(.subject | contains($t)) and (.defects == []) and (.from | contains("hop@ubnd.demo.gov.vn"))'
assert_json "… plain text and HTML, in Vietnamese, with the time and the link" \
  --arg d "$(VN -d "$(VN +%F) +3 days" +%d/%m/%Y)" --arg m "$M" \
  '(.types | index("text/plain")) and (.types | index("text/html")) and (.text | contains($d))
   and (.text | contains("09:00")) and (.text | contains($m)) and (.html | contains("<"))'
assert_json "… an iCalendar REQUEST (RFC 5546): stable UID, SEQUENCE 0, the start in Asia/Ho_Chi_Minh" \
  --arg uid "$M@test.node" --arg s "$(VN -d "$(VN +%F) +3 days" +%Y%m%dT090000)" \
  '.ical.begin_calendar and .ical.end_calendar and .ical.method == "REQUEST"
   and .ical_method_param == "REQUEST" and .ical.events == 1 and .ical.uid == $uid
   and .ical.sequence == "0" and (.ical.dtstart | contains("Asia/Ho_Chi_Minh")) and (.ical.dtstart | endswith($s))
   and (.ical.organizer | length > 0) and (.ical.attendees | length == 1) and (.attachment | endswith(".ics"))'
BODY=$(jq -c --arg a "${EMAIL[daibieu3]}" 'select(.rcpt == [$a])' "$ENV_DIR/inv_mails")
assert_json "daibieu3's mail is in English" --arg t "$TITLE" \
  '(.subject | contains($t)) and (.text | test("[Mm]eeting"))'

# The SMS at the receiver, tied to their notices by the reference.
SMS_LINES=$(sms_requests | jq -c --arg m "$M" 'select(.path == "/api/sms")')
deliveries "meeting_id=$M&kind=invitation&channel=sms" | jq -r .id | sort >"$ENV_DIR/inv_sms_ids"
printf '%s\n' "$SMS_LINES" | jq -r '.json.ref | sub("-[0-9]+$"; "")' | sort -u >"$ENV_DIR/got_sms_ids"
check "every invitation SMS notice reached the gateway" diff "$ENV_DIR/inv_sms_ids" \
  <(comm -12 "$ENV_DIR/inv_sms_ids" "$ENV_DIR/got_sms_ids")
assert_eq "the gateway received invitation SMS for exactly the invited people who want them" \
  "$(printf '%s\n' "${WANT_SMS[@]}" | sort -u | jq -R . | jq -sc .)" \
  "$(printf '%s\n' "$SMS_LINES" | jq -r --slurpfile ids <(jq -R . "$ENV_DIR/inv_sms_ids" | jq -s .) \
      'select((.json.ref | sub("-[0-9]+$"; "")) as $r | $ids[0] | index($r)) | .json.to' | sort -u | jq -R . | jq -sc .)"
BODY=$(printf '%s\n' "$SMS_LINES" | head -n 1)
assert_json "… with the gateway's credentials, as JSON, without diacritics" \
  --arg auth "Basic $(printf 'cabinet:Sms-Gateway-2026' | base64)" \
  '.method == "POST" and .headers.authorization == $auth
   and (.headers["content-type"] | startswith("application/json"))
   and (.json.text | explode | all(. < 128)) and (.json.text | length > 0)'

call GET /api/v1/notifications "" "${TOKEN[daibieu2]}"
assert_status "daibieu2 reads the inbox" 200
assert_json "… the invitation is there, unread, with the meeting's link" --arg m "$M" --arg t "$TITLE" \
  '([.items[] | select(.kind == "invitation" and .meeting_id == $m)] | length == 1)
   and (.items[] | select(.meeting_id == $m) | (.title | contains($t)) and .read_at == null
        and (.url | contains($m)) and .channel == "app")
   and .unread >= 1 and (.items[0].address == null)'
N2=$(printf '%s' "$BODY" | jq -r --arg m "$M" '[.items[] | select(.meeting_id == $m)][0].id')
UNREAD=$(jget .unread)
call POST "/api/v1/notifications/$N2/read" "" "${TOKEN[daibieu2]}"
assert_status "daibieu2 marks it read" 200
assert_json "… read" '.read_at != null'
call GET "/api/v1/notifications?unread=true" "" "${TOKEN[daibieu2]}"
assert_json "… one unread fewer, and gone from the unread list" --argjson u "$UNREAD" --arg n "$N2" \
  '.unread == $u - 1 and ([.items[].id] | index($n) == null)'
call POST "/api/v1/notifications/$N2/read" "" "${TOKEN[daibieu1]}"
assert_error "someone else's notice cannot be marked" 404
call POST "/api/v1/notifications/not-a-uuid/read" "" "${TOKEN[daibieu1]}"
assert_error "a malformed notice id" 404
call GET "/api/v1/notifications?cursor=nope" "" "${TOKEN[daibieu1]}"
assert_error "a malformed cursor" 400
stream_has_notice() { grep -q "notification.created" "$ENV_DIR/stream1" && grep -q "$M" "$ENV_DIR/stream1"; }
wait_for 20 stream_has_notice
check "daibieu1's live stream carried the invitation notice" stream_has_notice
kill "$STREAM_PID" 2>/dev/null
wait "$STREAM_PID" 2>/dev/null
check "… and nobody else's" bash -c "! grep -q '${ID[daibieu2]}' '$ENV_DIR/stream1'"
call GET /api/v1/notifications "" "${TOKEN[daibieu4]}"
assert_json "daibieu4, not invited, has no notice of it" --arg m "$M" '[.items[] | select(.meeting_id == $m)] | length == 0'

section "amended and approved again: what changed, SEQUENCE 1"
call POST "/api/v1/meetings/$M/unapprove" '{"reason": "Đổi giờ họp"}' "${TOKEN[chutri]}"
assert_status "the chair withdraws the approval" 200
call POST "/api/v1/meetings/$M/reject" '{"reason": "Chuyển sang buổi chiều"}' "${TOKEN[lanhdao]}"
assert_status "the approver sends it back to the clerk" 200
call PATCH "/api/v1/meetings/$M" "$(jq -cn --arg s "$(at 3 14:00)" --arg e "$(at 3 16:00)" '{start_at: $s, end_at: $e}')" "${TOKEN[vanthu]}"
assert_status "the clerk moves it to the afternoon" 200
call POST "/api/v1/meetings/$M/submit" "" "${TOKEN[vanthu]}"
call POST "/api/v1/meetings/$M/approve" "" "${TOKEN[lanhdao]}"
assert_status "… and the approver approves it again" 200
wait_for 60 settled "meeting_id=$M&kind=meeting_changed&channel=email" "$N_ALL" ||
  fail "the change is mailed to every invitee (a change goes by mail unless one chose otherwise)" \
    "$(psql_q "SELECT kind, channel, state, user_id FROM notifications.notices WHERE meeting_id = '$M' ORDER BY kind, channel")" "$(deliveries "meeting_id=$M&kind=meeting_changed")"
assert_eq "nobody gets a second invitation" "$N_MAIL" "$(count_deliveries "meeting_id=$M&kind=invitation&channel=email")"
deliveries "meeting_id=$M&kind=meeting_changed&channel=email" | jq -r .id >"$ENV_DIR/chg_ids"
wait_for 20 bash -c "[ \$(python3 '$CAB_ROOT/integration/mail_summary.py' '$MAIL1' | grep -c -f '$ENV_DIR/chg_ids') -ge $N_ALL ]"
BODY=$(mails | grep -F -f "$ENV_DIR/chg_ids" | jq -c --arg a "${EMAIL[daibieu1]}" 'select(.rcpt == [$a])')
assert_json "daibieu1's change mail: the same UID, SEQUENCE 1, the new start, what changed" \
  --arg uid "$M@test.node" --arg s "$(VN -d "$(VN +%F) +3 days" +%Y%m%dT140000)" \
  '.ical.method == "REQUEST" and .ical.uid == $uid and .ical.sequence == "1"
   and (.ical.dtstart | endswith($s)) and (.text | contains("14:00")) and (.text | contains("thời gian"))'

section "the clock moves: a reminder a day before, overdue replies"
call POST "/api/v1/meetings/$M/rsvp" '{"response": "attend"}' "${TOKEN[daibieu1]}"
assert_status "daibieu1 replies: attends" 200
replied() { [ "$(psql_q "SELECT response FROM notifications.invitees WHERE meeting_id = '$M' AND user_id = '${ID[daibieu1]}'")" == attend ]; }
wait_for 30 replied || fail "the reply reaches the notifications projection"
assert_eq "no reminder yet" 0 "$(count_deliveries "meeting_id=$M&kind=reminder")"
START=$(date -d "$(at 3 14:00)" +%s)
# A day before the start plus a minute: the day-before reminder is due,
# the hour-before one is not; replies (24 h before) are overdue too.
restart_notifications $((START - 86400 + 60 - $(date +%s)))
PENDING=0
for uid in "${INVITED[@]}"; do [ "$uid" != "${ID[daibieu1]}" ] && PENDING=$((PENDING + 1)); done
wait_for 60 settled "meeting_id=$M&kind=reminder&channel=email" "$N_ALL" ||
  fail "the day-before reminder is mailed to every invitee who wants mail" "$(deliveries "meeting_id=$M&kind=reminder")"
assert_eq "… one reminder per person in the app" "${#INVITED[@]}" "$(count_deliveries "meeting_id=$M&kind=reminder&channel=app")"
reminder_text() { # USER: the text of that person's day-before reminder mail
  psql_q "SELECT text_body FROM notifications.notices WHERE meeting_id = '$M' AND kind = 'reminder'
          AND channel = 'email' AND user_id = '$1' AND dedup_key LIKE 'reminder:%:1440'"
}
check "… in each person's language: 'starts in 1 day' for daibieu3 (English), 'Còn 1 ngày nữa' for daibieu1" \
  bash -c "printf '%s' \"\$1\" | grep -q 'starts in 1 day:' && ! printf '%s' \"\$1\" | grep -q 'ngày' &&
           printf '%s' \"\$2\" | grep -q 'Còn 1 ngày nữa'" _ "$(reminder_text "${ID[daibieu3]}")" "$(reminder_text "${ID[daibieu1]}")"
assert_eq "… the hour-before reminder is not due" 0 \
  "$(psql_q "SELECT count (*) FROM notifications.notices WHERE meeting_id = '$M' AND dedup_key LIKE 'reminder:%:60'")"
wait_for 30 bash -c "[ \$(curl -s -H 'Authorization: Bearer $ADMIN' '$BASE_URL/api/v1/notifications/deliveries?limit=200&meeting_id=$M&kind=reply_overdue&channel=app' | jq '.items | length') -eq $PENDING ]" ||
  fail "every invitee who has not replied is alerted"
call GET "/api/v1/notifications/deliveries?limit=200&meeting_id=$M&kind=reply_overdue&channel=app" "" "$ADMIN"
assert_json "… but not daibieu1, who replied" --arg u "${ID[daibieu1]}" '[.items[] | select(.user_id == $u)] | length == 0'
wait_for 30 settled "meeting_id=$M&kind=reply_overdue_organiser&channel=app" 1
call GET "/api/v1/notifications" "" "${TOKEN[vanthu]}"
assert_json "the organiser (the clerk) gets one alert naming those late" --arg m "$M" \
  '[.items[] | select(.kind == "reply_overdue_organiser" and .meeting_id == $m)] | length == 1'
ORG_MAIL=$(deliveries "meeting_id=$M&kind=reply_overdue_organiser&channel=email" | jq -r .id | head -n 1)
ORG_TEXT=$(psql_q "SELECT text_body FROM notifications.notices WHERE id = '$ORG_MAIL'")
check "… its mail names daibieu2 and daibieu3, who have not replied, not daibieu1" \
  bash -c "printf '%s' \"\$1\" | grep -q 'Võ Thị Mai' && printf '%s' \"\$1\" | grep -q 'Đặng Quốc Bảo' && ! printf '%s' \"\$1\" | grep -q 'Hoàng Văn Nam'" _ "$ORG_TEXT"
wait_for 30 settled "meeting_id=$M&kind=documents_overdue&channel=app" 2 ||
  fail "no document by the documents' lead time: the organiser and the chair are alerted"
# An hour before: the hour reminder, and nothing sent twice.
restart_notifications $((START - 3600 + 60 - $(date +%s)))
wait_for 60 settled "meeting_id=$M&kind=reminder&channel=app" $((2 * ${#INVITED[@]})) ||
  fail "the hour-before reminder follows"
assert_eq "restarts and repeated runs sent no reminder, alert or invitation twice" 0 \
  "$(psql_q "SELECT count (*) FROM (SELECT 1 FROM notifications.notices WHERE meeting_id = '$M'
              GROUP BY user_id, channel, dedup_key HAVING count (*) > 1) d")"

wait_for 60 settled "meeting_id=$M&kind=reminder&channel=email" $((2 * N_ALL)) ||
  fail "the hour-before reminder is mailed too"

section "the mail server down: retried, all arrive once it is back, SMS go on"
stop_proc smtp TERM
SMS_BEFORE=$(sms_requests | wc -l)
call POST "/api/v1/meetings/$M/cancel" '{"reason": "Lãnh đạo bận công tác đột xuất"}' "${TOKEN[chutri]}"
assert_status "the chair cancels the meeting" 200
failed_mail() { [ "$(count_deliveries "meeting_id=$M&kind=meeting_cancelled&channel=email&state=failed")" -ge 1 ]; }
wait_for 30 failed_mail || fail "with the mail server down the cancellation mails fail"
call GET "/api/v1/notifications/deliveries?meeting_id=$M&kind=meeting_cancelled&channel=email&state=failed" "" "$ADMIN"
assert_json "… recorded failed with the error and when they are tried again" \
  '.items | length >= 1 and all(.attempts >= 1 and (.last_error | length > 0) and .next_attempt_at != null)'
wait_for 30 settled "meeting_id=$M&kind=meeting_cancelled&channel=sms" "$N_ALL" ||
  fail "the SMS channel is not held up by the mail server"
wait_for 30 bash -c "[ \$(curl -s -H 'Authorization: Bearer $ADMIN' '$BASE_URL/api/v1/notifications/deliveries?limit=200&meeting_id=$M&kind=meeting_cancelled&channel=email' | jq '[.items[] | select(.attempts >= 2)] | length') -ge 1 ]" ||
  fail "the mails are tried again while the server is down"
smtp_start "$MAIL2"
wait_for 60 settled "meeting_id=$M&kind=meeting_cancelled&channel=email" "$N_ALL" ||
  fail "once the server is back every cancellation mail is sent" "$(deliveries "meeting_id=$M&kind=meeting_cancelled&channel=email")"
deliveries "meeting_id=$M&kind=meeting_cancelled&channel=email" | jq -r .id >"$ENV_DIR/cxl_ids"
wait_for 20 bash -c "[ \$(python3 '$CAB_ROOT/integration/mail_summary.py' '$MAIL2' | grep -c -F -f '$ENV_DIR/cxl_ids') -ge $N_ALL ]"
assert_eq "all cancellation mails arrived, each exactly once" \
  "$(printf '%s\n' "${ALL_MAIL[@]}" | sort | jq -R . | jq -sc .)" \
  "$(mails | grep -F -f "$ENV_DIR/cxl_ids" | jq -r '.rcpt[]' | sort | jq -R . | jq -sc .)"
assert_eq "no mail of any kind was received twice (Message-ID)" 0 \
  "$(mails | jq -r .message_id | sort | uniq -d | wc -l)"
BODY=$(mails | grep -F -f "$ENV_DIR/cxl_ids" | head -n 1)
assert_json "the cancellation is an iCalendar CANCEL of the same UID, SEQUENCE moved on" --arg uid "$M@test.node" \
  '.ical.method == "CANCEL" and .ical.uid == $uid and .ical.status == "CANCELLED" and (.ical.sequence | tonumber) >= 2'

section "the SMS gateway failing"
echo 503 >"$SMS_DIR/status"
call POST "/api/v1/polls" "$(jq -cn --arg d "$(at 5 17:00)" --arg u "${ID[daibieu1]}" \
  '{title: "Góp ý dự thảo quy chế", deadline: $d, questions: [{kind: "text", text: "Ý kiến của đồng chí"}],
    targets: [{user_id: $u}]}')" "${TOKEN[vanthu]}"
assert_status "the clerk makes a poll" 201
P=$(jget .id)
call PATCH /api/v1/me/notification-settings '{"kinds": [{"kind": "poll_received", "channels": ["app", "sms"]}]}' "${TOKEN[daibieu1]}"
call POST "/api/v1/polls/$P/send" "" "${TOKEN[vanthu]}"
assert_status "… and sends it to daibieu1" 200
sms_failing() { [ "$(count_deliveries "kind=poll_received&channel=sms&state=failed")" == 1 ]; }
wait_for 30 sms_failing || fail "a gateway answering 503 leaves the SMS failed, to be tried again"
call GET /api/v1/notifications "" "${TOKEN[daibieu1]}"
assert_json "the poll is in daibieu1's inbox meanwhile" --arg p "$P" '[.items[] | select(.kind == "poll_received" and .poll_id == $p)] | length == 1'
rm -f "$SMS_DIR/status"
wait_for 30 settled "kind=poll_received&channel=sms" 1 || fail "… sent once the gateway answers again"

section "the personal calendar feed"
call GET /api/v1/me/calendar-token "" "${TOKEN[daibieu1]}"
assert_status "daibieu1 asks for the calendar address" 200
assert_json "… a token and the feed's address" '(.token | length) >= 32 and (.url | startswith("https://hop.demo.gov.vn/api/v1/calendar.ics?token="))'
TOK=$(jget .token)
call GET /api/v1/me/calendar-token "" "${TOKEN[daibieu1]}"
assert_json "… the same token when asked again" --arg t "$TOK" '.token == $t'
call GET "/api/v1/calendar.ics?token=$TOK"
assert_status "the feed, without signing in, by its token" 200
check "… as text/calendar" bash -c "printf '%s' \"\$1\" | grep -qi '^content-type: text/calendar'" _ "$HEADERS"
FEED=$BODY
check "… a VCALENDAR PUBLISH holding the cancelled meeting by its UID" \
  bash -c "printf '%s' \"\$1\" | tr -d '\r' | grep -q '^METHOD:PUBLISH' && printf '%s' \"\$1\" | tr -d '\r' | grep -q '^UID:$M@test.node' && printf '%s' \"\$1\" | tr -d '\r' | grep -q '^STATUS:CANCELLED'" _ "$FEED"
ETAG=$(header ETag)
call GET "/api/v1/calendar.ics?token=$TOK" "" "" -H "If-None-Match: $ETAG"
assert_status "… unchanged: 304 for the calendar application polling it" 304
call GET "/api/v1/calendar.ics?token=$TOK" "" "${TOKEN[daibieu4]}"
check "someone else's session changes nothing: the token's owner's calendar" bash -c "printf '%s' \"\$1\" | grep -q '$M'" _ "$BODY"
call POST /api/v1/me/calendar-token "" "${TOKEN[daibieu1]}"
assert_status "daibieu1 rotates the token" 200
NEW=$(jget .token)
assert_ne "… a new one" "$TOK" "$NEW"
call GET "/api/v1/calendar.ics?token=$TOK"
assert_error "the old address no longer works" 404
call GET "/api/v1/calendar.ics?token=$NEW"
assert_status "… the new one does" 200
call GET "/api/v1/calendar.ics?token=$(printf 'x%.0s' $(seq 1 43))"
assert_error "an unknown token" 404
call GET "/api/v1/calendar.ics"
assert_error "no token" 404
call GET "/api/v1/calendar.ics?token=$NEW" "" "" -H "If-None-Match: \"nope\""
assert_status "a stale ETag gets the feed" 200

finish
