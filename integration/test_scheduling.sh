#!/usr/bin/env bash
# test_scheduling.sh - the scheduling service as the demo province meets it:
# catalogs, a meeting registered by the clerk (vanthu), amended and approved
# by the approver (lanhdao), answered by the invitees (daibieu*), attendees
# named by an invited agency's clerk, started by the chair (chutri), roll
# call by the secretary (thuky), ended; bad input of every kind refused with
# the API's error document and nothing stored; Idempotency-Key; calendars and
# the public list; lead-time violations and double bookings; and every
# step's event read back from Kafka with kcat, in order. Every check drives a
# real node (see lib.sh) and can fail.
source "$(dirname "$0")/lib.sh"

section() { printf '\n== %s\n' "$*"; }

env_start
NODE=$CABINET_NODE_ID
EVENTS=cabinet.$NODE.events
R=$(rand_suffix)
VN() { TZ=Asia/Ho_Chi_Minh date "$@"; }

# at OFFSET HH:MM: RFC 3339 (+07:00) of that time of day, OFFSET days from today.
at() { VN -d "$(VN +%F) +$1 days $2" +%Y-%m-%dT%H:%M:%S%:z; }

# ---------------------------------------------------------------------------
section "accounts"
login_ready ADMIN admin "$ADMIN_PASSWORD" || fail "admin signs in"
declare -A TOKEN=() ID=()
for u in vanthu lanhdao chutri thuky daibieu1 daibieu2 daibieu3 daibieu4 daibieu5 qtstttt; do
  login_ready "TOKEN[$u]" "$u" "$DEMO_PASSWORD" || fail "$u signs in"
done
while IFS=$'\t' read -r name id; do ID[$name]=$id; done < <(list_all /api/v1/users "$ADMIN" | jq -r '[.username, .id] | @tsv')
OFFICE=$(unit_id "Văn phòng UBND tỉnh" "$ADMIN")
TOP=$(unit_id "Ủy ban nhân dân tỉnh" "$ADMIN")
ICT=$(unit_id "Sở Thông tin và Truyền thông" "$ADMIN")
FIN=$(unit_id "Sở Tài chính" "$ADMIN")
assert_ne "demo agencies are known" "" "$OFFICE$TOP$ICT$FIN"

# A clerk for Sở Tài chính, whose agency will be invited as a whole.
call POST /api/v1/users "$(jq -cn --arg u "ketoan$R" --arg unit "$FIN" \
  '{username: $u, full_name: "Lý Thị Kế", unit_id: $unit, roles: ["clerk"]}')" "$ADMIN"
assert_status "admin creates a clerk of Sở Tài chính" 201
ID[ketoan]=$(jget .id)
login_ready "TOKEN[ketoan]" "ketoan$R" "$(jget .one_time_password)" || fail "the new clerk signs in"
# The scheduling service learns people from identity's events.
projected() { [ "$(psql_q "SELECT count(*) FROM scheduling.users WHERE id = '$1'")" == 1 ]; }
if wait_for 30 projected "${ID[ketoan]}"; then pass "a new account reaches the scheduling projection"; else
  fail "a new account reaches the scheduling projection"
fi

# ---------------------------------------------------------------------------
section "catalogs"
rooms_seeded() {
  call GET "/api/v1/catalogs/rooms?unit_id=$OFFICE" "" "${TOKEN[vanthu]}"
  [ "$STATUS" == 200 ] && [ "$(jget '[.items[] | select(.name == "Phòng họp số 1")] | length')" == 1 ]
}
if wait_for 30 rooms_seeded; then pass "seed-demo gives the office its rooms (once its agency is known)"; else
  fail "seed-demo gives the office its rooms (once its agency is known)" "$BODY"
fi
ROOM1=$(jget '.items[] | select(.name == "Phòng họp số 1") | .id')
ROOM2=$(jget '.items[] | select(.name == "Phòng họp trực tuyến") | .id')
assert_json "a room names its agency and capacity" --arg u "$OFFICE" \
  '.items | all(.unit_id == $u and .kind == "rooms" and (.capacity | type == "number"))'
call GET /api/v1/catalogs/forms "" "${TOKEN[vanthu]}"
assert_json "forms are in_person, online, hybrid" '[.items[].code] | sort == ["hybrid", "in_person", "online"]'
call GET /api/v1/catalogs/types "" "${TOKEN[vanthu]}"
assert_json "types are regular, urgent, emergency, named in Vietnamese" \
  '([.items[].code] | sort == ["emergency", "regular", "urgent"]) and (.items | all(.name | explode | any(. > 127)))'
call GET /api/v1/catalogs/fields "" "${TOKEN[vanthu]}"
assert_json "demo fields include An toàn giao thông and Công nghệ thông tin" \
  '[.items[].name] | (index("An toàn giao thông") != null) and (index("Công nghệ thông tin") != null)'
FIELD_IT=$(jget '.items[] | select(.name == "Công nghệ thông tin") | .id')
call GET /api/v1/catalogs/doc-types "" "${TOKEN[vanthu]}"
assert_json "demo document types include Công văn, Nghị quyết, Chỉ thị, Kế hoạch" \
  '[.items[].name] as $n | ["Công văn", "Nghị quyết", "Chỉ thị", "Kế hoạch"] | all(. as $x | $n | index($x) != null)'
call GET /api/v1/catalogs/doc-fields "" "${TOKEN[vanthu]}"
assert_json "document fields are seeded" '.items | length > 0'
call GET "/api/v1/catalogs/fields?q=an%20toan%20giao" "" "${TOKEN[vanthu]}"
assert_json "catalog search ignores diacritics" '[.items[].name] == ["An toàn giao thông"]'
call GET /api/v1/catalogs/buildings "" "${TOKEN[vanthu]}"
assert_error "an unknown catalog" 404
call GET /api/v1/catalogs/fields
assert_error "catalogs need a session" 401
call POST /api/v1/catalogs/fields "$(jq -cn --arg n "Khoa học và Công nghệ $R" '{name: $n}')" "$ADMIN"
assert_status "a system admin adds a field" 201
NEW_FIELD=$(jget .id)
call POST /api/v1/catalogs/fields "$(jq -cn --arg n "khoa học và công nghệ $R" '{name: $n}')" "$ADMIN"
assert_error "the same name twice (any case)" 409
call POST /api/v1/catalogs/fields '{"name":"Lĩnh vực của văn thư"}' "${TOKEN[vanthu]}"
assert_error "a clerk may not change the province's catalogs" 403
call POST /api/v1/catalogs/types '{"name":"Họp bất thường"}' "$ADMIN"
assert_error "meeting types are fixed by the API" 422
call POST /api/v1/catalogs/rooms "$(jq -cn --arg u "$ICT" --arg n "Phòng họp nhỏ $R" \
  '{name: $n, unit_id: $u, capacity: 12, location: "Tầng 5"}')" "${TOKEN[qtstttt]}"
assert_status "a unit admin adds a room of their own agency" 201
assert_json "the new room is the agency's" --arg u "$ICT" '.unit_id == $u and .capacity == 12'
call POST /api/v1/catalogs/rooms "$(jq -cn --arg u "$OFFICE" '{name: "Phòng lạ", unit_id: $u}')" "${TOKEN[qtstttt]}"
assert_error "a unit admin may not add another agency's room" 403
call POST /api/v1/catalogs/rooms '{"name":"Phòng không đơn vị"}' "$ADMIN"
assert_error "a room needs its agency" 400

# ---------------------------------------------------------------------------
section "registering a meeting"
S1=$(at 10 09:00)
E1=$(at 10 11:00)
TITLE1="Họp triển khai chuyển đổi số $R"
meeting_json() { # TITLE START END ROOM TYPE CHAIR SECRETARY APPROVER PARTICIPANTS_JSON
  jq -cn --arg t "$1" --arg s "$2" --arg e "$3" --arg r "$4" --arg ty "$5" --arg c "$6" --arg sec "$7" \
    --arg a "$8" --argjson p "$9" --arg f "$FIELD_IT" \
    '{title: $t, content: "1. Báo cáo tiến độ\n2. Thảo luận", start_at: $s, end_at: $e, room_id: $r,
      form: "in_person", type: $ty, field_id: $f, chair_id: $c, secretary_id: $sec, approver_id: $a,
      participants: $p}'
}
P1=$(jq -cn --arg a "${ID[daibieu1]}" --arg b "${ID[daibieu2]}" --arg f "$FIN" \
  '[{user_id: $a}, {user_id: $b}, {unit_id: $f}]')
BODY1=$(meeting_json "$TITLE1" "$S1" "$E1" "$ROOM1" regular "${ID[chutri]}" "${ID[thuky]}" "${ID[lanhdao]}" "$P1")
KEY1="tao-hop-$R"
call POST /api/v1/meetings "$BODY1" "${TOKEN[vanthu]}" -H "Idempotency-Key: $KEY1"
assert_status "the clerk registers a meeting" 201
M1=$(jget .id)
assert_json "a new meeting is a draft of the clerk's agency" --arg u "$OFFICE" --arg c "${ID[vanthu]}" \
  '.status == "draft" and .host_unit_id == $u and .created_by == $c and .node_id != null'
assert_json "every field comes back as sent, times in +07:00" --arg s "$S1" --arg r "$ROOM1" \
  '.start_at == $s and (.end_at | endswith("+07:00")) and .room_id == $r and .form == "in_person"
   and .type == "regular" and .room_name == "Phòng họp số 1" and .field_name == "Công nghệ thông tin"'
assert_json "invitees: two persons and an agency, all pending, not yet invited" \
  '(.participants | length == 3) and (.participants | all(.response == "pending" and .invited_at == null))
   and ([.participants[].kind] | sort == ["unit", "user", "user"])'
assert_json "lead-time deadlines follow the node's rules (notice 3 days before a regular meeting)" \
  --arg n "$(at 7 09:00)" '.notice_due_at == $n and .violations == 0 and .warnings == []'
call POST /api/v1/meetings "$BODY1" "${TOKEN[vanthu]}" -H "Idempotency-Key: $KEY1"
assert_status "the same request with the same Idempotency-Key" 201
assert_json "… returns the first result" --arg id "$M1" '.id == $id and .status == "draft"'
assert_eq "… and creates nothing" 1 "$(psql_q "SELECT count(*) FROM scheduling.meetings WHERE title = '$TITLE1'")"
call POST /api/v1/meetings "$(printf '%s' "$BODY1" | jq -c '.title = "Khác"')" "${TOKEN[vanthu]}" -H "Idempotency-Key: $KEY1"
assert_error "the same Idempotency-Key with another body" 422

section "bad input is refused and nothing is stored"
BAD="Sai $R"
bad() { # NAME STATUS JQ_EDIT [TOKEN]
  local body
  body=$(meeting_json "$BAD" "$S1" "$E1" "$ROOM1" regular "${ID[chutri]}" "${ID[thuky]}" "${ID[lanhdao]}" "$P1" | jq -c "$3")
  call POST /api/v1/meetings "$body" "${4:-${TOKEN[vanthu]}}"
  assert_error "$1" "$2"
}
bad "a start time without an offset" 400 '.start_at = (.start_at | sub("\\+07:00$"; ""))'
assert_json "… names start_at" '.error.field == "start_at"'
bad "an end before the start" 400 ".end_at = \"$(at 10 08:00)\""
assert_json "… names end_at" '.error.field == "end_at"'
bad "a start in the past" 422 ".start_at = \"$(at -1 09:00)\" | .end_at = \"$(at -1 10:00)\""
bad "an unknown chair" 404 '.chair_id = "0190c0de-0000-7000-8000-00000000dead"'
assert_json "… names chair_id" '.error.field == "chair_id"'
bad "a chair from an unrelated agency" 422 ".chair_id = \"${ID[daibieu1]}\""
bad "an approver without the approver role" 422 ".approver_id = \"${ID[thuky]}\""
bad "an unknown room" 404 '.room_id = "0190c0de-0000-7000-8000-00000000beef"'
bad "an unknown field" 404 '.field_id = "0190c0de-0000-7000-8000-00000000beef"'
bad "a malformed id" 400 '.secretary_id = "thuky"'
bad "an invitee naming a person and an agency at once" 400 \
  ".participants = [{user_id: \"${ID[daibieu1]}\", unit_id: \"$FIN\"}]"
bad "an unknown invited agency" 404 '.participants = [{unit_id: "0190c0de-0000-7000-8000-00000000cafe"}]'
bad "an unknown form" 400 '.form = "video"'
bad "an unknown type" 400 '.type = "normal"'
bad "a field the API does not have" 400 '.room = "A1"'
bad "a meeting registered by someone who is not a clerk" 403 '.' "${TOKEN[daibieu1]}"
bad "no title" 400 '.title = "   "'
call POST /api/v1/meetings '{"title": "x", "start_at": ' "${TOKEN[vanthu]}"
assert_error "malformed JSON" 400
assert_eq "none of the refused meetings was stored" 0 \
  "$(psql_q "SELECT count(*) FROM scheduling.meetings WHERE title = '$BAD' OR title = 'Khác'")"

# ---------------------------------------------------------------------------
section "the state machine: submit, amend, approve"
call POST "/api/v1/meetings/$M1/approve" "" "${TOKEN[lanhdao]}"
assert_error "approving a draft is out of order" 409
assert_json "… and says why" '.error.message | test("Nháp")'
call GET "/api/v1/meetings/$M1" "" "${TOKEN[daibieu1]}"
assert_error "an invitee does not see a draft" 404
call POST "/api/v1/meetings/$M1/submit" "" "${TOKEN[lanhdao]}"
assert_error "the approver cannot submit" 403
call POST "/api/v1/meetings/$M1/submit" "" "${TOKEN[vanthu]}"
assert_status "the clerk submits" 200
assert_json "… pending approval" '.status == "pending_approval" and .submitted_at != null'
call POST "/api/v1/meetings/$M1/submit" "" "${TOKEN[vanthu]}"
assert_error "submitting twice" 409
call GET "/api/v1/meetings?scope=pending_approval" "" "${TOKEN[lanhdao]}"
assert_json "the approver's pending list has it" --arg id "$M1" '[.items[].id] | index($id) != null'
call GET "/api/v1/meetings?scope=pending_approval" "" "${TOKEN[chutri]}"
assert_json "… nobody else's" --arg id "$M1" '[.items[].id] | index($id) == null'
call PATCH "/api/v1/meetings/$M1" '{"content":"Nội dung đã sửa"}' "${TOKEN[vanthu]}"
assert_error "the clerk cannot edit a meeting pending approval" 403
call PATCH "/api/v1/meetings/$M1" "{\"start_at\":\"$(at 11 09:00)\"}" "${TOKEN[lanhdao]}"
assert_error "the approver may not move the meeting" 403
P1B=$(printf '%s' "$P1" | jq -c --arg c "${ID[daibieu3]}" '. + [{user_id: $c}]')
call PATCH "/api/v1/meetings/$M1" "$(jq -cn --argjson p "$P1B" \
  '{content: "1. Báo cáo tiến độ\n2. Thảo luận\n3. Kết luận", participants: $p}')" "${TOKEN[lanhdao]}"
assert_status "the approver amends content and attendees before approving" 200
assert_json "… content and invitees changed" --arg c "${ID[daibieu3]}" \
  '(.content | endswith("Kết luận")) and (.participants | length == 4) and ([.participants[].user_id] | index($c) != null)'
call POST "/api/v1/meetings/$M1/start" "" "${TOKEN[chutri]}"
assert_error "starting a meeting not yet approved" 409
call POST "/api/v1/meetings/$M1/approve" "" "${TOKEN[lanhdao]}"
assert_status "the approver approves" 200
assert_json "… approved in time: no violation; invitations out" \
  '.status == "approved" and .violations == 0 and (.participants | all(.invited_at != null))'
call POST "/api/v1/meetings/$M1/approve" "" "${TOKEN[lanhdao]}"
assert_error "approving twice" 409
call GET "/api/v1/meetings/$M1" "" "${TOKEN[daibieu1]}"
assert_status "an invitee sees the approved meeting" 200
call GET "/api/v1/meetings/$M1" "" "${TOKEN[qtstttt]}"
assert_error "someone not involved does not" 404
call GET "/api/v1/meetings/not-a-uuid" "" "${TOKEN[vanthu]}"
assert_error "a malformed meeting id" 400
call GET "/api/v1/meetings/0190c0de-0000-7000-8000-0000000000aa" "" "${TOKEN[vanthu]}"
assert_error "an unknown meeting" 404

# ---------------------------------------------------------------------------
section "replies"
rsvp() { call POST "/api/v1/meetings/$M1/rsvp" "$1" "${TOKEN[$2]}"; }
person() { jget ".participants[] | select(.user_id == \"${ID[$1]}\") | $2"; }
rsvp '{"response":"attend"}' daibieu1
assert_status "daibieu1 will attend" 200
assert_eq "… recorded, in time" "attend false" "$(person daibieu1 '"\(.response) \(.late)"')"
rsvp '{"response":"decline"}' daibieu2
assert_error "declining without a reason" 400
assert_json "… names reason" '.error.field == "reason"'
rsvp '{"response":"decline","reason":"Đi công tác Hà Nội"}' daibieu2
assert_status "daibieu2 declines with a reason" 200
assert_eq "… recorded with its reason" "decline Đi công tác Hà Nội" "$(person daibieu2 '"\(.response) \(.reason)"')"
rsvp "$(jq -cn --arg d "${ID[daibieu4]}" '{response: "delegate", reason: "Bận tiếp khách", delegate_user_id: $d}')" daibieu3
assert_error "delegating to someone of another agency" 422
rsvp "$(jq -cn --arg d "${ID[daibieu5]}" '{response: "delegate", delegate_user_id: $d}')" daibieu3
assert_error "delegating without a reason" 400
rsvp '{"response":"delegate","reason":"Bận"}' daibieu3
assert_error "delegating without naming the colleague" 400
rsvp "$(jq -cn --arg d "${ID[daibieu5]}" '{response: "delegate", reason: "Bận tiếp đoàn công tác", delegate_user_id: $d}')" daibieu3
assert_status "daibieu3 delegates to a colleague of the same agency" 200
assert_eq "… the colleague is invited in their place" "${ID[daibieu3]} pending" \
  "$(person daibieu5 '"\(.replaces_user_id) \(.response)"')"
rsvp '{"response":"attend"}' daibieu3
assert_error "someone who delegated cannot reply again" 409
rsvp "$(jq -cn --arg d "${ID[qtstttt]}" '{response: "delegate", reason: "Bận", delegate_user_id: $d}')" daibieu5
assert_error "a delegate cannot delegate on" 422
rsvp '{"response":"attend"}' daibieu5
assert_status "the delegate attends" 200
rsvp '{"response":"maybe"}' daibieu1
assert_error "an unknown reply" 400
rsvp '{"response":"attend"}' qtstttt
assert_error "someone not invited cannot reply" 404
rsvp '{"response":"attend"}' chutri
assert_error "the chair is not an invitee" 403

section "an invited agency's clerk names who attends"
attendees() { call POST "/api/v1/meetings/$M1/attendees" "$1" "${TOKEN[$2]}"; }
attendees "$(jq -cn --arg u "$FIN" --arg d "${ID[daibieu1]}" '{unit_id: $u, user_ids: [$d]}')" ketoan
assert_error "naming someone of another agency" 422
attendees "$(jq -cn --arg u "$FIN" --arg d "${ID[daibieu4]}" '{unit_id: $u, user_ids: [$d]}')" vanthu
assert_error "the host's clerk does not speak for an invited agency" 403
attendees "$(jq -cn --arg u "$FIN" '{unit_id: $u, user_ids: []}')" ketoan
assert_error "naming nobody" 400
attendees "$(jq -cn --arg u "$FIN" --arg d "${ID[daibieu4]}" '{unit_id: $u, user_ids: [$d]}')" ketoan
assert_status "Sở Tài chính's clerk names daibieu4" 200
assert_eq "… daibieu4 attends for the agency" "$FIN attend" "$(person daibieu4 '"\(.via_unit_id) \(.response)"')"
assert_json "… and the agency's invitation is answered" --arg u "$FIN" \
  '.participants[] | select(.kind == "unit" and .unit_id == $u) | .response == "attend"'

section "support before the meeting"
call POST "/api/v1/meetings/$M1/support-requests" '{"kind":"device","note":"Chưa được cấp máy tính bảng"}' "${TOKEN[daibieu4]}"
assert_status "an invitee without a device asks for support" 201
assert_json "… in time" --arg m "$M1" '.meeting_id == $m and .kind == "device" and .late == false'
call POST "/api/v1/meetings/$M1/support-requests" '{"kind":"coffee"}' "${TOKEN[daibieu4]}"
assert_error "an unknown kind of support" 400
call POST "/api/v1/meetings/$M1/support-requests" '{"kind":"account"}' "${TOKEN[thuky]}"
assert_error "support is for invitees" 403

# ---------------------------------------------------------------------------
section "calendars"
FROM=$(at 9 00:00)
TO=$(at 12 00:00)
q_time() { jq -rn --arg v "$1" '$v | @uri'; }
PERIOD="from=$(q_time "$FROM")&to=$(q_time "$TO")"
call GET "/api/v1/meetings?scope=invited&$PERIOD" "" "${TOKEN[daibieu1]}"
assert_json "an invitee's calendar has the meeting" --arg id "$M1" '[.items[].id] | index($id) != null'
call GET "/api/v1/meetings?scope=invited" "" "${TOKEN[daibieu1]}"
assert_json "by default only the current week (this one is in ten days)" --arg id "$M1" '[.items[].id] | index($id) == null'
call GET "/api/v1/meetings?scope=mine&$PERIOD&q=chuyen%20doi%20so%20$R" "" "${TOKEN[chutri]}"
assert_json "search without diacritics finds it in the chair's calendar" --arg id "$M1" '[.items[].id] == [$id]'
call GET "/api/v1/meetings?scope=unit&$PERIOD" "" "${TOKEN[ketoan]}"
assert_json "the invited agency's calendar has it" --arg id "$M1" '[.items[].id] | index($id) != null'
call GET "/api/v1/meetings?scope=unit&$PERIOD&type=urgent" "" "${TOKEN[vanthu]}"
assert_json "filter by type" --arg id "$M1" '[.items[].id] | index($id) == null'
call GET "/api/v1/meetings?scope=unit&$PERIOD&type=regular&field_id=$FIELD_IT&unit_id=$OFFICE" "" "${TOKEN[vanthu]}"
assert_json "filter by type, field and host agency" --arg id "$M1" '[.items[].id] | index($id) != null'
call GET "/api/v1/meetings?scope=invited&$PERIOD" "" "${TOKEN[qtstttt]}"
assert_json "someone not invited does not see it" --arg id "$M1" '[.items[].id] | index($id) == null'
call GET "/api/v1/meetings?from=tomorrow" "" "${TOKEN[vanthu]}"
assert_error "a period that is not RFC 3339" 400
call GET "/api/v1/meetings?scope=everything" "" "${TOKEN[vanthu]}"
assert_error "an unknown scope" 400
call GET "/api/v1/meetings?limit=1000" "" "${TOKEN[vanthu]}"
assert_error "a page too large" 400
call GET /api/v1/meetings
assert_error "calendars need a session" 401

# ---------------------------------------------------------------------------
section "lead times: a late approval, a late reply, double bookings"
S2=$(VN -d '+2 hours' +%Y-%m-%dT%H:%M:%S%:z)
E2=$(VN -d '+3 hours' +%Y-%m-%dT%H:%M:%S%:z)
P2=$(jq -cn --arg a "${ID[daibieu1]}" '[{user_id: $a}]')
call POST /api/v1/meetings "$(meeting_json "Họp khẩn về bão số 9 $R" "$S2" "$E2" "$ROOM2" urgent "${ID[chutri]}" \
  "${ID[thuky]}" "${ID[lanhdao]}" "$P2")" "${TOKEN[vanthu]}"
assert_status "an urgent meeting in two hours" 201
M2=$(jget .id)
call POST "/api/v1/meetings/$M2/submit" "" "${TOKEN[vanthu]}"
call POST "/api/v1/meetings/$M2/approve" "" "${TOKEN[lanhdao]}"
assert_status "approving later than the notice lead time is allowed" 200
assert_json "… and recorded as a violation" '.status == "approved" and .violations == 1'
call GET "/api/v1/meetings/$M2/violations" "" "${TOKEN[chutri]}"
assert_status "the meeting's violations" 200
assert_json "… name the broken rule" \
  '.total == 1 and .items[0].rule == "notice" and .items[0].meeting_type == "urgent"
   and .items[0].lead_seconds == 86400 and .items[0].late_seconds > 0 and (.items[0].message | test("Giấy mời"))'
call POST "/api/v1/meetings/$M2/rsvp" '{"response":"attend"}' "${TOKEN[daibieu1]}"
assert_status "a reply after the reply lead time is accepted" 200
assert_json "… flagged late" --arg u "${ID[daibieu1]}" '.participants[] | select(.user_id == $u) | .late == true'
call GET "/api/v1/lead-time-violations?rule=reply" "" "${TOKEN[lanhdao]}"
assert_json "violations are queryable by rule" --arg m "$M2" '.total >= 1 and ([.items[].meeting_id] | index($m) != null) and (.items | all(.rule == "reply"))'
call GET "/api/v1/lead-time-violations" "" "${TOKEN[lanhdao]}"
assert_json "… and counted per rule" \
  '([.by_rule[] | select(.rule == "notice") | .count][0] >= 1) and ([.by_rule[] | select(.rule == "reply") | .count][0] >= 1) and .total == ([.by_rule[].count] | add)'
call GET "/api/v1/lead-time-violations" "" "${TOKEN[daibieu1]}"
assert_error "a member cannot read the statistics" 403
call GET "/api/v1/lead-time-violations?unit_id=$FIN" "" "${TOKEN[lanhdao]}"
assert_error "an approver reads only their agency's" 403
call GET "/api/v1/lead-time-violations?rule=late" "" "$ADMIN"
assert_error "an unknown rule" 400

# The default week: the urgent meeting is in it unless the week ends first.
WEEK_END=$(($(VN -d "$(VN +%F) -$(($(VN +%u) - 1)) days" +%s) + 7 * 86400))
call GET "/api/v1/meetings?scope=mine" "" "${TOKEN[vanthu]}"
if [ "$(VN -d "$S2" +%s)" -lt "$WEEK_END" ]; then
  assert_json "the default calendar is the current week" --arg id "$M2" '[.items[].id] | index($id) != null'
else
  assert_json "the default calendar is the current week" --arg id "$M2" '[.items[].id] | index($id) == null'
fi
assert_json "… ascending by start" '[.items[].start_at] == ([.items[].start_at] | sort)'

P4=$(jq -cn --arg a "${ID[daibieu2]}" '[{user_id: $a}]')
call POST /api/v1/meetings "$(meeting_json "Họp trùng lịch $R" "$(at 10 10:00)" "$(at 10 12:00)" "$ROOM1" regular \
  "${ID[chutri]}" "${ID[thuky]}" "${ID[lanhdao]}" "$P4")" "${TOKEN[vanthu]}"
assert_status "a meeting in the same room with the same chair at an overlapping time" 201
M4=$(jget .id)
assert_json "… is registered with warnings" --arg m "$M1" \
  '([.warnings[].code] | sort == ["chair_busy", "room_busy"]) and (.warnings | all(.meeting_id == $m))'
call POST "/api/v1/meetings/$M4/submit" "" "${TOKEN[vanthu]}"
call POST "/api/v1/meetings/$M4/approve" "" "${TOKEN[lanhdao]}"
assert_error "… and refused at approval" 422
call POST "/api/v1/meetings/$M4/approve" '{"force":true}' "${TOKEN[lanhdao]}"
assert_error "forcing without a reason" 400
call POST "/api/v1/meetings/$M4/approve" '{"force":true,"force_reason":"Chủ trì dự 30 phút đầu, phòng họp ghép"}' "${TOKEN[lanhdao]}"
assert_status "forced with a reason" 200
assert_json "… recorded as forced" '.status == "approved" and .approval_forced == true and (.force_reason | length > 0)'
call POST "/api/v1/meetings/$M4/unapprove" "" "${TOKEN[thuky]}"
assert_error "withdrawing approval without a reason" 400
call POST "/api/v1/meetings/$M4/unapprove" '{"reason":"Đổi phòng họp"}' "${TOKEN[thuky]}"
assert_status "the secretary withdraws the approval" 200
assert_json "… back to pending approval" '.status == "pending_approval" and .approval_forced == false'
call POST "/api/v1/meetings/$M4/cancel" '{"reason":"Ghép vào cuộc họp chính"}' "${TOKEN[vanthu]}"
assert_error "the clerk cannot cancel a submitted meeting" 403
call POST "/api/v1/meetings/$M4/cancel" '{"reason":"Ghép vào cuộc họp chính"}' "${TOKEN[chutri]}"
assert_status "the chair cancels" 200
assert_json "… cancelled with its reason" '.status == "cancelled" and .reason == "Ghép vào cuộc họp chính"'
call POST "/api/v1/meetings/$M4/cancel" '{"reason":"lại"}' "${TOKEN[chutri]}"
assert_error "cancelling twice" 409

section "the public list"
call POST /api/v1/meetings "$(meeting_json "Nháp riêng $R" "$(at 10 14:00)" "$(at 10 15:00)" "$ROOM2" regular \
  "${ID[chutri]}" "${ID[thuky]}" "${ID[lanhdao]}" "$P4")" "${TOKEN[vanthu]}"
call GET "/api/v1/public/meetings?$PERIOD"
assert_status "anyone reads the public list" 200
assert_json "it has the approved meeting: title, time, room, host agency only" --arg t "$TITLE1" \
  '[.items[] | select(.title == $t)] | length == 1 and (.[0] | keys == ["end_at", "host_unit", "room", "start_at", "title"])
   and .[0].room == "Phòng họp số 1" and .[0].host_unit == "Văn phòng UBND tỉnh"'
assert_json "… never drafts or cancelled meetings" --arg r "$R" \
  '[.items[].title] | map(select(test("Nháp riêng|trùng lịch"))) | length == 0'
call GET "/api/v1/public/meetings?$PERIOD&q=TRIEN%20KHAI"
assert_json "… searchable without diacritics" --arg t "$TITLE1" '[.items[].title] | index($t) != null'

# ---------------------------------------------------------------------------
section "the meeting runs"
call POST "/api/v1/meetings/$M1/check-in" "" "${TOKEN[daibieu1]}"
assert_error "checking in before the meeting starts" 409
call POST "/api/v1/meetings/$M1/start" "" "${TOKEN[daibieu1]}"
assert_error "an invitee cannot start the meeting" 403
call POST "/api/v1/meetings/$M1/start" "" "${TOKEN[chutri]}"
assert_status "the chair starts the meeting" 200
assert_json "… in progress" '.status == "in_progress" and .started_at != null'
call POST "/api/v1/meetings/$M1/start" "" "${TOKEN[chutri]}"
assert_error "starting twice" 409
call GET "/api/v1/meetings?scope=in_progress" "" "${TOKEN[daibieu1]}"
assert_json "the in-progress calendar has it" --arg id "$M1" '[.items[].id] | index($id) != null'
roll() { call POST "/api/v1/meetings/$M1/roll-call" "$1" "${TOKEN[${2:-thuky}]}"; }
roll "$(jq -cn --arg u "${ID[daibieu1]}" '{user_id: $u, status: "present"}')"
assert_status "the secretary marks daibieu1 present" 200
roll "$(jq -cn --arg u "${ID[daibieu2]}" '{user_id: $u, status: "absent"}')"
assert_error "absent without a reason" 400
roll "$(jq -cn --arg u "${ID[daibieu2]}" '{user_id: $u, status: "absent", reason: "Đi công tác"}')"
assert_status "daibieu2 absent with a reason" 200
roll "$(jq -cn --arg u "${ID[daibieu4]}" --arg s "${ID[daibieu2]}" '{user_id: $u, status: "substitute", reason: "Ốm", substitute_user_id: $s}')"
assert_error "a substitute who is invited already" 409
roll "$(jq -cn --arg u "${ID[daibieu4]}" --arg s "${ID[daibieu5]}" '{user_id: $u, status: "substitute", reason: "Ốm", substitute_user_id: $s}')"
assert_error "a substitute from another agency" 422
roll "$(jq -cn --arg u "${ID[daibieu4]}" --arg s "${ID[ketoan]}" '{user_id: $u, status: "substitute", reason: "Ốm"}')"
assert_error "a substitute without who" 400
roll "$(jq -cn --arg u "${ID[daibieu4]}" --arg s "${ID[ketoan]}" '{user_id: $u, status: "substitute", reason: "Ốm", substitute_user_id: $s}')"
assert_status "daibieu4 replaced by a colleague, with who and why" 200
roll "$(jq -cn --arg u "${ID[qtstttt]}" '{user_id: $u, status: "present"}')"
assert_error "roll call of someone not invited" 404
roll "$(jq -cn --arg u "${ID[daibieu2]}" '{user_id: $u, status: "present"}')" daibieu1
assert_error "an invitee cannot run the roll call" 403
call POST "/api/v1/meetings/$M1/check-in" "" "${TOKEN[daibieu5]}"
assert_status "the delegate checks in" 200
assert_json "… present, with the time" --arg u "${ID[daibieu5]}" \
  '.participants[] | select(.user_id == $u) | .attendance == "present" and .checked_in_at != null'
call POST "/api/v1/meetings/$M1/check-in" "" "${TOKEN[ketoan]}"
assert_status "the substitute checks in" 200
call POST "/api/v1/meetings/$M1/check-in" "" "${TOKEN[qtstttt]}"
assert_error "someone not invited cannot check in" 404
call GET "/api/v1/meetings/$M1/attendance" "" "${TOKEN[chutri]}"
assert_status "the chair reads the counts at any time" 200
assert_json "present, absent and substitutes are counted" \
  '.invited == 5 and .present == 2 and .absent == 1 and .substitutes == 1 and .unmarked == 1 and .checked_in == 2
   and .attend == 3 and .decline == 1 and .delegate == 1 and .pending == 0'
assert_json "… also per agency" --arg f "$FIN" '.by_unit[] | select(.unit_id == $f) | .invited == 2 and .absent == 1 and .substitutes == 1'
call GET "/api/v1/meetings/$M1/attendance" "" "${TOKEN[daibieu1]}"
assert_error "an invitee cannot read the counts" 403
call POST "/api/v1/meetings/$M1/end" "" "${TOKEN[thuky]}"
assert_status "the secretary ends the meeting" 200
assert_json "… ended" '.status == "ended" and .ended_at != null'
call POST "/api/v1/meetings/$M1/rsvp" '{"response":"decline","reason":"muộn"}' "${TOKEN[daibieu1]}"
assert_error "a reply after the meeting ended" 409
call POST "/api/v1/meetings/$M1/cancel" '{"reason":"x"}' "${TOKEN[chutri]}"
assert_error "cancelling an ended meeting" 409
call PATCH "/api/v1/meetings/$M1" '{"title":"Đổi tên"}' "${TOKEN[vanthu]}"
assert_error "editing an ended meeting" 409

# ---------------------------------------------------------------------------
section "people of other nodes"
# Another node publishes an agency and a person to cabinet.directory.
cat >"$ENV_DIR/views.proto" <<'PROTO'
syntax = "proto2";
package cabinet.schedtest;
import "cabinet/v1/identity.proto";
import "cabinet/v1/scheduling.proto";
message DirectoryView { optional string id = 1; optional string type = 2; optional string source = 3;
  optional string subject = 4; optional string time = 5; optional uint64 sequence = 6;
  optional string schema = 7; optional cabinet.v1.DirectoryEntry payload = 8; repeated string target_nodes = 9;
  optional string actor_id = 10; optional string service = 11; }
message MeetingView { optional string id = 1; optional string type = 2; optional string source = 3;
  optional string subject = 4; optional string time = 5; optional uint64 sequence = 6;
  optional string schema = 7; optional cabinet.v1.MeetingEvent payload = 8; repeated string target_nodes = 9;
  optional string actor_id = 10; optional string service = 11; }
message InvitationView { optional string id = 1; optional string type = 2; optional string source = 3;
  optional string subject = 4; optional string time = 5; optional uint64 sequence = 6;
  optional string schema = 7; optional cabinet.v1.InvitationEvent payload = 8; repeated string target_nodes = 9;
  optional string actor_id = 10; optional string service = 11; }
message RsvpView { optional string id = 1; optional string type = 2; optional string source = 3;
  optional string subject = 4; optional string time = 5; optional uint64 sequence = 6;
  optional string schema = 7; optional cabinet.v1.RsvpEvent payload = 8; repeated string target_nodes = 9;
  optional string actor_id = 10; optional string service = 11; }
message AttendanceView { optional string id = 1; optional string type = 2; optional string source = 3;
  optional string subject = 4; optional string time = 5; optional uint64 sequence = 6;
  optional string schema = 7; optional cabinet.v1.AttendanceEvent payload = 8; repeated string target_nodes = 9;
  optional string actor_id = 10; optional string service = 11; }
PROTO
views() { protoc-c -I"$CAB_ROOT/proto" -I"$ENV_DIR" "$@" "$ENV_DIR/views.proto"; }
OTHER_UNIT=0190c0de-0000-7000-8000-$(printf '%012x' $((16#${R})))
OTHER_USER=0190c0de-0000-7000-9000-$(printf '%012x' $((16#${R})))
publish_entry() { # ID KIND NAME UNIT
  views --encode=cabinet.schedtest.DirectoryView >"$ENV_DIR/entry.bin" <<EOF
id: "0190c0de-0000-7000-a000-$(printf '%012x' $((RANDOM * 32768 + RANDOM)))" type: "directory.$2" source: "other.node"
subject: "$1" sequence: 1 service: "identity"
payload { id: "$1" kind: "$2" node_id: "other.node" name: "$3" unit_id: "$4" active: true }
EOF
  kcat -P -b "$KAFKA_BOOTSTRAP" -t "$CAB_DIRECTORY_TOPIC" -k "$1" "$ENV_DIR/entry.bin" 2>/dev/null
}
CAB_DIRECTORY_TOPIC=cabinet.directory
publish_entry "$OTHER_UNIT" unit "Sở Nội vụ tỉnh bạn" ""
publish_entry "$OTHER_USER" user "Trần Khách Mời" "$OTHER_UNIT"
if wait_for 30 projected "$OTHER_USER"; then pass "a person of another node reaches the projection"; else
  fail "a person of another node reaches the projection"
fi
# The two entries have different keys, so they may sit on different
# partitions of the directory topic and arrive in either order.
unit_projected() { [ "$(psql_q "SELECT count(*) FROM scheduling.units WHERE id = '$1'")" == 1 ]; }
check "… and their agency" wait_for 30 unit_projected "$OTHER_UNIT"
call POST /api/v1/meetings "$(meeting_json "$BAD" "$S1" "$E1" "$ROOM2" regular "$OTHER_USER" "${ID[thuky]}" \
  "${ID[lanhdao]}" "[]")" "${TOKEN[vanthu]}"
assert_error "a chair from another node" 422
P5=$(jq -cn --arg a "$OTHER_USER" --arg u "$OTHER_UNIT" '[{user_id: $a}, {unit_id: $u}]')
call POST /api/v1/meetings "$(meeting_json "Họp liên tỉnh $R" "$(at 12 09:00)" "$(at 12 10:00)" "$ROOM2" regular \
  "${ID[chutri]}" "${ID[thuky]}" "${ID[lanhdao]}" "$P5")" "${TOKEN[vanthu]}"
assert_status "people and agencies of other nodes may be invited" 201
assert_json "… with their node" '.participants | all(.node_id == "other.node")'
assert_eq "the refused meeting was not stored" 0 "$(psql_q "SELECT count(*) FROM scheduling.meetings WHERE title = '$BAD'")"

# ---------------------------------------------------------------------------
section "events"
# meeting_events ID: ce_type of every record keyed by the meeting, in order.
meeting_events() {
  kafka_events "$EVENTS" | awk -F'\t' -v k="$1" '$3 == k' | while IFS=$'\t' read -r _ _ _ _ h; do
    kafka_header "$h" ce_type
  done
}
EXPECTED_M1="meeting.created meeting.submitted meeting.updated meeting.approved invitation.created \
invitation.opened rsvp.submitted rsvp.submitted rsvp.submitted invitation.created rsvp.submitted invitation.created \
support.requested meeting.started attendance.recorded attendance.recorded attendance.recorded \
attendance.recorded attendance.recorded meeting.ended"
m1_events_complete() { [ "$(meeting_events "$M1" | grep -c .)" -ge 20 ]; }
wait_for 30 m1_events_complete || true
assert_eq "every step of the meeting is an event, in order (key = meeting id)" "$EXPECTED_M1" \
  "$(meeting_events "$M1" | tr '\n' ' ' | sed 's/ *$//')"
m4_events_complete() { [ "$(meeting_events "$M4" | grep -c .)" -ge 6 ]; }
wait_for 30 m4_events_complete || true
assert_eq "withdrawn and cancelled: events too" \
  "meeting.created meeting.submitted meeting.approved invitation.created meeting.unapproved meeting.cancelled" \
  "$(meeting_events "$M4" | tr '\n' ' ' | sed 's/ *$//')"
# record TYPE MEETING [N]: the Nth (default first) record of that type for the meeting.
record() {
  kafka_events "$EVENTS" | awk -F'\t' -v k="$2" -v t="$1" -v n="${3:-1}" \
    '$3 == k && index("," $5 ",", ",ce_type=" t ",") > 0 { if (++c == n) { print; exit } }'
}
decode() { # VIEW RECORD
  local p o
  IFS=$'\t' read -r p o _ <<<"$2"
  kafka_value "$EVENTS" "$p" "$o" | views --decode="cabinet.schedtest.$1" | pb_fields
}
REC=$(record meeting.approved "$M1")
F=$(decode MeetingView "$REC")
assert_eq "meeting.approved: schema, source, service" "cabinet.v1.MeetingEvent $NODE scheduling" \
  "$(pb_get schema <<<"$F") $(pb_get source <<<"$F") $(pb_get service <<<"$F")"
assert_eq "… who approved it" "${ID[lanhdao]} ${ID[lanhdao]}" "$(pb_get actor_id <<<"$F") $(pb_get payload.actor_id <<<"$F")"
assert_eq "… the meeting summary and the transition" "$M1 $TITLE1 pending_approval approved" \
  "$(pb_get payload.meeting.id <<<"$F") $(pb_get payload.meeting.title <<<"$F") $(pb_get payload.from_status <<<"$F") $(pb_get payload.to_status <<<"$F")"
assert_eq "… every invitee" 4 "$(grep -c '^payload.invitees.id' <<<"$F")"
h=$(cut -f5 <<<"$REC")
assert_eq "CloudEvents headers" "meeting.approved $NODE $M1 application/protobuf" \
  "$(kafka_header "$h" ce_type) $(kafka_header "$h" ce_source) $(kafka_header "$h" ce_subject) $(kafka_header "$h" content-type)"
F=$(decode InvitationView "$(record invitation.created "$M1")")
assert_eq "invitation.created at approval lists the four invitees" 4 "$(grep -c '^payload.invitees.id' <<<"$F")"
F=$(decode RsvpView "$(record rsvp.submitted "$M1" 3)")
assert_eq "rsvp.submitted of the delegation: the reply, its reason and the new invitee" \
  "${ID[daibieu3]} delegate Bận tiếp đoàn công tác ${ID[daibieu5]} ${ID[daibieu3]}" \
  "$(pb_get payload.participant.user_id <<<"$F") $(pb_get payload.participant.response <<<"$F") $(pb_get payload.participant.reason <<<"$F") $(pb_get payload.delegate.user_id <<<"$F") $(pb_get payload.delegate.replaces_user_id <<<"$F")"
F=$(decode AttendanceView "$(record attendance.recorded "$M1" 5)")
assert_eq "attendance.recorded carries the method and the counts" "check_in 2 1 1" \
  "$(pb_get payload.method <<<"$F") $(pb_get payload.counts.present <<<"$F") $(pb_get payload.counts.absent <<<"$F") $(pb_get payload.counts.substitutes <<<"$F")"
wait_for 30 test -n "$(record meeting.approved "$M2")" || true
F=$(decode MeetingView "$(record meeting.approved "$M2")")
assert_eq "a late approval's event names the violated rule" "notice urgent" \
  "$(pb_get payload.violations.rule <<<"$F") $(pb_get payload.violations.meeting_type <<<"$F")"
F=$(decode RsvpView "$(record rsvp.submitted "$M2")")
assert_eq "a late reply's event carries the violation" "true reply" \
  "$(pb_get payload.participant.late <<<"$F") $(pb_get payload.violation.rule <<<"$F")"
F=$(decode MeetingView "$(record meeting.created "$M4")")
assert_eq "meeting.created carries the double-booking warnings" 2 "$(grep -c '^payload.warnings.code' <<<"$F")"
assert_eq "catalog.created for the new field (key = entry id)" 1 \
  "$(kafka_events "$EVENTS" | awk -F'\t' -v k="$NEW_FIELD" '$3 == k' | grep -c 'ce_type=catalog.created')"
assert_eq "the refused and repeated requests published nothing" 1 \
  "$(meeting_events "$M1" | grep -c '^meeting.created$')"
finish
