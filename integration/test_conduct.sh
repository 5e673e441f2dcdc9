#!/usr/bin/env bash
# test_conduct.sh - the live conduct of a meeting through the gateway, as
# its people use it (R6.2, R6.4, R6.6, R6.7, R8): the speaker queue (first
# come, moved by the chair, one speaker at a time, timings), messages to
# everyone, to the chair, to the secretariat and to one person (each read
# only by whom it is for, also in the events' audience), incidents,
# personal notes, the chair's conclusion, the secretary's minutes with a
# document of the meeting attached, messages refused once the meeting has
# ended, and the meeting log (R8.2). Every check drives a real node.
source "$(dirname "$0")/lib.sh"

section() { printf '\n== %s\n' "$*"; }

env_start
R=$(rand_suffix)
VN() { TZ=Asia/Ho_Chi_Minh date "$@"; }
at() { VN -d "$(VN +%F) +$1 days $2" +%Y-%m-%dT%H:%M:%S%:z; }

section "a meeting in progress"
declare -A TOKEN=() ID=()
for u in vanthu lanhdao chutri thuky daibieu1 daibieu2 daibieu3; do
  login_ready "TOKEN[$u]" "$u" "$DEMO_PASSWORD" || fail "$u signs in"
  ID[$u]=$(psql_q "SELECT id FROM identity.users WHERE username = '$u'")
done
wait_for 60 scheduling_settled || fail "the demo agencies and people reach the scheduling projection"
call POST /api/v1/meetings "$(jq -cn --arg t "Họp điều hành $R" \
  --arg s "$(at 5 09:00)" --arg e "$(at 5 11:00)" --arg c "${ID[chutri]}" --arg sec "${ID[thuky]}" \
  --arg a "${ID[lanhdao]}" --arg p1 "${ID[daibieu1]}" --arg p2 "${ID[daibieu2]}" \
  '{title: $t, content: "Tình hình kinh tế - xã hội", start_at: $s, end_at: $e, form: "in_person",
    type: "regular", chair_id: $c, secretary_id: $sec, approver_id: $a,
    participants: [{user_id: $p1}, {user_id: $p2}]}')" "${TOKEN[vanthu]}"
assert_status "the clerk registers a meeting" 201
M=$(jget .id)
call POST "/api/v1/meetings/$M/submit" "" "${TOKEN[vanthu]}"
call POST "/api/v1/meetings/$M/approve" "" "${TOKEN[lanhdao]}"
assert_status "… approved" 200
call POST "/api/v1/meetings/$M/speakers" '{"topic": "Ý kiến về báo cáo"}' "${TOKEN[daibieu1]}"
assert_error "asking for the floor before the meeting starts" 409
call POST "/api/v1/meetings/$M/messages" '{"text": "Chào cả hội nghị"}' "${TOKEN[daibieu1]}"
assert_error "a message before the meeting starts" 409
call POST "/api/v1/meetings/$M/start" "" "${TOKEN[chutri]}"
assert_status "the chair starts it" 200
call POST "/api/v1/meetings/$M/roll-call" "$(jq -cn --arg u "${ID[daibieu1]}" '{user_id: $u, status: "present"}')" "${TOKEN[thuky]}"
assert_status "the secretary marks daibieu1 present" 200

section "the speaker queue"
call POST "/api/v1/meetings/$M/speakers" '{"topic": "Ý kiến về báo cáo"}' "${TOKEN[daibieu1]}"
assert_status "daibieu1 asks for the floor" 201
S1=$(jget .id)
assert_json "… waiting, first in line, with the topic" \
  '.status == "waiting" and .position == 1 and .topic == "Ý kiến về báo cáo" and .name != null'
call POST "/api/v1/meetings/$M/speakers" '{"topic": "Kiến nghị bổ sung vốn"}' "${TOKEN[daibieu2]}"
assert_status "daibieu2 asks after" 201
S2=$(jget .id)
assert_json "… second" '.position == 2'
call POST "/api/v1/meetings/$M/speakers" '{}' "${TOKEN[daibieu1]}"
assert_error "asking twice while waiting" 409
call POST "/api/v1/meetings/$M/speakers" '{}' "${TOKEN[daibieu3]}"
assert_error "someone not invited cannot ask" 404
call POST "/api/v1/meetings/$M/speakers/$S1/grant" "" "${TOKEN[daibieu2]}"
assert_error "an invitee cannot give the floor" 403
call POST "/api/v1/meetings/$M/speakers/$S2/move" '{"position": 1}' "${TOKEN[chutri]}"
assert_status "the chair moves daibieu2 first" 200
call GET "/api/v1/meetings/$M/speakers" "" "${TOKEN[daibieu1]}"
assert_json "… the queue reads daibieu2 then daibieu1" --arg a "$S2" --arg b "$S1" \
  '[.items[] | select(.status == "waiting") | .id] == [$a, $b] and ([.items[] | select(.status == "waiting") | .position] == [1, 2])'
call POST "/api/v1/meetings/$M/speakers/$S2/grant" "" "${TOKEN[chutri]}"
assert_status "the chair gives daibieu2 the floor" 200
assert_json "… speaking since now, out of the waiting line" '.status == "speaking" and .granted_at != null and .position == 0'
call POST "/api/v1/meetings/$M/speakers/$S1/grant" "" "${TOKEN[chutri]}"
assert_status "… then daibieu1" 200
call GET "/api/v1/meetings/$M/speakers" "" "${TOKEN[chutri]}"
assert_json "one speaker at a time: daibieu2 finished, with the time spoken" --arg a "$S2" --arg b "$S1" \
  '([.items[] | select(.status == "speaking") | .id] == [$b])
   and (.items[] | select(.id == $a) | .status == "finished" and .finished_at != null and .spoke_seconds >= 0)'
call POST "/api/v1/meetings/$M/speakers/$S1/finish" "" "${TOKEN[thuky]}"
assert_status "the secretary ends daibieu1's turn" 200
assert_json "… finished" '.status == "finished"'
call POST "/api/v1/meetings/$M/speakers/$S1/finish" "" "${TOKEN[chutri]}"
assert_error "finishing a finished turn" 409
call POST "/api/v1/meetings/$M/speakers" '{"topic": "Ý kiến thêm"}' "${TOKEN[daibieu2]}"
assert_status "daibieu2 asks again" 201
S3=$(jget .id)
call POST "/api/v1/meetings/$M/speakers/$S3/withdraw" "" "${TOKEN[daibieu1]}"
assert_error "daibieu1 cannot withdraw daibieu2's request" 404
call POST "/api/v1/meetings/$M/speakers/$S3/withdraw" "" "${TOKEN[daibieu2]}"
assert_status "daibieu2 withdraws it" 200
assert_json "… withdrawn" '.status == "withdrawn"'
# requested ×3, moved, granted ×2, finished, withdrawn; refusals leave none.
assert_eq "every step is an event of the meeting's stream" 8 \
  "$(psql_q "SELECT count (*) FROM scheduling.outbox WHERE subject = '$M' AND type LIKE 'speaker.%' AND meeting_id = '$M'")"

section "messages"
msg() { call POST "/api/v1/meetings/$M/messages" "$1" "${TOKEN[$2]}"; }
msg '{"text": "Đề nghị các đại biểu tập trung vào nội dung chính"}' chutri
assert_status "the chair writes to everyone" 201
assert_json "… to all" '.to == "all" and .kind == "message" and .author_name != null'
msg '{"text": "Xin phát biểu sau phần báo cáo", "to": "chair"}' daibieu1
assert_status "daibieu1 writes to the chair" 201
TO_CHAIR=$(jget .id)
msg '{"text": "Máy tính bảng không vào được tài liệu", "kind": "incident"}' daibieu2
assert_status "daibieu2 reports an incident" 201
assert_json "… to the secretariat" '.to == "secretariat" and .kind == "incident"'
msg "$(jq -cn --arg u "${ID[daibieu2]}" '{text: "Chị gửi giúp em số liệu quý III", to: $u}')" daibieu1
assert_status "daibieu1 writes to daibieu2 alone" 201
PRIVATE=$(jget .id)
msg "$(jq -cn --arg u "${ID[daibieu3]}" '{text: "Gửi người ngoài", to: $u}')" daibieu1
assert_error "a message to someone not in the meeting" 400
msg '{"text": ""}' daibieu1
assert_error "an empty message" 400
msg "$(jq -cn --arg t "$(head -c 4100 /dev/zero | tr '\0' 'a')" '{text: $t}')" daibieu1
assert_error "a message over 4,000 characters" 400
msg '{"text": "Sự cố", "kind": "incident", "to": "all"}' daibieu1
assert_error "an incident to everyone" 400
call GET "/api/v1/meetings/$M/messages" "" "${TOKEN[daibieu2]}"
assert_json "daibieu2 reads the message to all, their incident and the one to them, not the one to the chair" \
  --arg c "$TO_CHAIR" --arg p "$PRIVATE" \
  '(.items | length) == 3 and ([.items[].id] | index($c) == null) and ([.items[].id] | index($p) != null)'
call GET "/api/v1/meetings/$M/messages" "" "${TOKEN[chutri]}"
assert_json "the chair reads the message to all and the one to them, not the private one nor the incident" \
  --arg c "$TO_CHAIR" --arg p "$PRIVATE" \
  '(.items | length) == 2 and ([.items[].id] | index($c) != null) and ([.items[].id] | index($p) == null)'
call GET "/api/v1/meetings/$M/messages" "" "${TOKEN[thuky]}"
assert_json "the secretary reads the incident" '[.items[] | select(.kind == "incident")] | length == 1'
call GET "/api/v1/meetings/$M/messages" "" "${TOKEN[daibieu3]}"
assert_error "someone not invited reads nothing" 404
assert_eq "the private message's event names its two readers" \
  "$(printf '%s\n' "${ID[daibieu1]}" "${ID[daibieu2]}" | sort | paste -sd,)" \
  "$(psql_q "SELECT array_to_string (ARRAY (SELECT unnest (audience) ORDER BY 1), ',') FROM scheduling.outbox
             WHERE type = 'message.sent' AND subject = '$M' AND audience IS NOT NULL
               AND '${ID[daibieu2]}' = ANY (audience) AND NOT '${ID[thuky]}' = ANY (audience)")"
assert_eq "… and the message to all has no audience (the whole meeting)" 1 \
  "$(psql_q "SELECT count (*) FROM scheduling.outbox WHERE type = 'message.sent' AND subject = '$M' AND audience IS NULL")"

section "personal notes"
call POST "/api/v1/meetings/$M/notes" '{"text": "Cần hỏi lại số liệu giải ngân"}' "${TOKEN[daibieu1]}"
assert_status "daibieu1 keeps a note" 201
call GET "/api/v1/meetings/$M/notes" "" "${TOKEN[daibieu1]}"
assert_json "… and reads it back" '.items | length == 1 and .[0].text == "Cần hỏi lại số liệu giải ngân"'
call GET "/api/v1/meetings/$M/notes" "" "${TOKEN[chutri]}"
assert_json "the chair does not see it" '.items | length == 0'

section "conclusion and minutes"
call POST "/api/v1/meetings/$M/conclusion" '{"text": "Giao Sở Tài chính tham mưu bổ sung vốn"}' "${TOKEN[thuky]}"
assert_error "only the chair concludes" 403
call POST "/api/v1/meetings/$M/conclusion" '{"text": "Giao Sở Tài chính tham mưu bổ sung vốn"}' "${TOKEN[chutri]}"
assert_status "the chair records the conclusion" 200
call GET "/api/v1/meetings/$M/conclusion" "" "${TOKEN[daibieu2]}"
assert_json "an invitee reads it" '.text == "Giao Sở Tài chính tham mưu bổ sung vốn" and .author_id != null'
call POST "/api/v1/meetings/$M/minutes" "$(jq -cn --arg d "$(psql_q "SELECT gen_random_uuid ()")" \
  '{text: "Biên bản", attachment_ids: [$d]}')" "${TOKEN[thuky]}"
assert_error "minutes attaching something that is not a document of the meeting" 422
FILES=$ENV_DIR/files
mkdir -p "$FILES"
python3 "$CAB_ROOT/integration/files/make_files.py" "$FILES" || fail "the test files are made"
docs_known() { [ "$(psql_q "SELECT count (*) FROM documents.meetings WHERE id = '$M' AND published")" == 1 ]; }
wait_for 60 docs_known || fail "the documents service knows the meeting"
STATUS=$(curl -sS -o "$ENV_DIR/body" -w '%{http_code}' -H "Authorization: Bearer ${TOKEN[thuky]}" \
  -F "title=Phụ lục biên bản $R" -F "file=@$FILES/ke-hoach.pdf" "$BASE_URL/api/v1/meetings/$M/documents")
assert_eq "the secretary uploads an annex" 201 "$STATUS"
ANNEX=$(jq -r .id "$ENV_DIR/body")
counted() { [ "$(psql_q "SELECT count (*) FROM scheduling.meeting_documents WHERE document_id = '$ANNEX'")" == 1 ]; }
check "scheduling hears of it" wait_for 30 counted
call POST "/api/v1/meetings/$M/minutes" "$(jq -cn --arg d "$ANNEX" \
  '{text: "Biên bản cuộc họp điều hành", attachment_ids: [$d], recommendations: "Đề nghị UBND tỉnh bổ sung vốn"}')" "${TOKEN[thuky]}"
assert_status "the secretary records the minutes with the annex" 200
assert_json "… text, attachment and recommendations" --arg d "$ANNEX" \
  '.text == "Biên bản cuộc họp điều hành" and .attachment_ids == [$d] and .recommendations == "Đề nghị UBND tỉnh bổ sung vốn"'
call GET "/api/v1/meetings/$M/minutes" "" "${TOKEN[daibieu1]}"
assert_status "an invitee reads the minutes" 200

section "after the meeting"
call POST "/api/v1/meetings/$M/end" "" "${TOKEN[chutri]}"
assert_status "the chair ends the meeting" 200
msg '{"text": "Còn một ý nữa"}' daibieu1
assert_error "a message after the end: commenting has closed" 409
call POST "/api/v1/meetings/$M/speakers" '{}' "${TOKEN[daibieu1]}"
assert_error "asking for the floor after the end" 409
call POST "/api/v1/meetings/$M/conclusion" '{"text": "Giao Sở Tài chính tham mưu bổ sung 50 tỷ đồng"}' "${TOKEN[chutri]}"
assert_status "the chair may still amend the conclusion" 200
call POST "/api/v1/meetings/$M/notes" '{"text": "Ghi chú sau họp"}' "${TOKEN[daibieu1]}"
assert_status "personal notes stay open" 201
call GET "/api/v1/meeting-log" "" "${TOKEN[daibieu1]}"
assert_error "the meeting log is the office's" 403
call GET "/api/v1/meeting-log" "" "${TOKEN[vanthu]}"
assert_status "the clerk reads the meeting log" 200
assert_json "… with the meeting: content, chair, attendees, the incident, the recommendations" --arg m "$M" \
  '.items[] | select(.meeting_id == $m) | (.content | startswith("Họp điều hành")) and .chair_name != null
   and .attendees == 1 and .incidents == 1 and .incident_texts == ["Máy tính bảng không vào được tài liệu"]
   and .recommendations == "Đề nghị UBND tỉnh bổ sung vốn" and .number >= 1'
call GET "/api/v1/meeting-log?from=2020-01-01T00:00:00%2B07:00&to=2020-12-31T00:00:00%2B07:00" "" "${TOKEN[vanthu]}"
assert_json "… and not in another year" --arg m "$M" '[.items[].meeting_id] | index($m) == null'
call GET "/api/v1/meeting-log?from=2026-02-30" "" "${TOKEN[vanthu]}"
assert_error "a period that is not a time" 400

section "an ended meeting stays searchable (R8.3)"
uri() { jq -rn --arg v "$1" '$v | @uri'; }
found() { # QUERY USER: does the search find the meeting for the user?
  call GET "/api/v1/meetings?scope=mine&from=$(uri "$(at 5 00:00)")&to=$(uri "$(at 6 00:00)")&q=$(uri "$1")" "" "${TOKEN[$2]}"
  [ "$STATUS" == 200 ] && jq -e --arg m "$M" '[.items[].id] | index($m) != null' <<<"$BODY" >/dev/null
}
check "by its title, without diacritics" found "hop dieu hanh $R" daibieu2
check "by the chair's conclusion" found "50 tỷ đồng" daibieu2
check "by the minutes' recommendations, without diacritics" found "ubnd tinh bo sung von" daibieu2
check "by a speaker's topic" found "y kien ve bao cao" daibieu2
check "by what was said to everyone" found "tap trung vao noi dung chinh" daibieu2
check "by one's own notes" found "giai ngan" daibieu1
check_not() { ! "$@"; }
check "… and not by someone else's notes" check_not found "giai ngan" daibieu2
check "… nor by a message to someone else" check_not found "xin phat bieu sau phan bao cao" daibieu2
check "nor by words that are nowhere" check_not found "khong co o dau ca $R" daibieu1
finish
