#!/usr/bin/env bash
# test_polls.sh - opinion polls (R7) over HTTP, as the demo province holds
# them: the clerk (vanthu) keeps a draft regulation in her personal
# library and asks daibieu1 and the people of Sở Tài chính (daibieu2,
# daibieu4) for their opinion on it. Then:
#   - who may create, see, send and answer (403 to a member creating, 404 to
#     people the poll is not addressed to, 403 to the office answering);
#     every bad input refused with nothing stored (polls and answers counted);
#   - the respondents read the attached draft, others still get 404; a
#     secret document or one the clerk may not read cannot be attached;
#   - answers by a person and by an agency's people, a change replacing the
#     whole answer (comments included), Idempotency-Key, comments and
#     suggested edits anchored to the draft, results and who is late;
#   - a poll that requires signatures: keys made with openssl, the canonical
#     string built here, replays, tampering and missing keys refused; its
#     short deadline passes and the job closes it, after which nothing is
#     taken and the late respondent is listed as overdue;
#   - closing early, archiving (still readable), the list with its filters
#     and keyset paging;
#   - the events (poll.*), read back from Kafka with their payloads.
source "$(dirname "$0")/lib.sh"

section() { printf '\n== %s\n' "$*"; }

export CABINET_POLL_SWEEP_SECONDS=1
env_start
NODE=$CABINET_NODE_ID
EVENTS=cabinet.$NODE.events
R=$(rand_suffix)
KEYS=$ENV_DIR/keys
FILES=$ENV_DIR/files
mkdir -p "$KEYS" "$FILES"
python3 "$CAB_ROOT/integration/files/make_files.py" "$FILES" >/dev/null || fail "the test files are made"

# upload TOKEN PATH FILE [FIELD...]: POST a multipart form; sets STATUS and BODY.
upload() {
  local token=$1 path=$2 file=$3 args=() f
  shift 3
  for f in "$@"; do args+=(-F "$f"); done
  LAST_REQ="POST $path (multipart: $(basename "$file") $*)"
  STATUS=$(curl -sS --max-time 60 -o "$ENV_DIR/body" -w '%{http_code}' -H "Authorization: Bearer $token" \
    "${args[@]}" -F "file=@$file" "$BASE_URL$path" 2>"$ENV_DIR/curl.err")
  BODY=$(cat "$ENV_DIR/body")
}
# download TOKEN ID: the status of GET /documents/ID/content.
download() {
  curl -sS --max-time 30 -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $1" \
    "$BASE_URL/api/v1/documents/$2/content" 2>/dev/null
}
vn_time() { TZ=Asia/Ho_Chi_Minh date -d "@$1" +%Y-%m-%dT%H:%M:%S%:z; }

# ---------------------------------------------------------------------------
section "the people and a draft to consult on"
login_ready ADMIN admin "$ADMIN_PASSWORD" || fail "admin signs in"
declare -A TOKEN=() ID=()
for u in vanthu lanhdao chutri daibieu1 daibieu2 daibieu3 daibieu4 daibieu5; do
  login_ready "TOKEN[$u]" "$u" "$DEMO_PASSWORD" || fail "$u signs in"
  ID[$u]=$(psql_q "SELECT id FROM identity.users WHERE username = '$u'")
done
FIN=$(unit_id "Sở Tài chính" "$ADMIN")
# voting_settled: the voting projection holds every account of identity in its agency.
voting_settled() {
  [ "$(psql_q "SELECT count (*) FROM identity.users i LEFT JOIN voting.users v
                ON v.id = i.id AND v.unit_id = i.unit_id WHERE v.id IS NULL")" == 0 ] &&
    [ "$(psql_q "SELECT count (*) FROM identity.units i LEFT JOIN voting.units v ON v.id = i.id
                  WHERE v.id IS NULL")" == 0 ]
}
check "the voting service knows every agency and person (from identity's events)" wait_for 60 voting_settled
upload "${TOKEN[vanthu]}" /api/v1/library/personal/documents "$FILES/ke-hoach.pdf" \
  "title=Dự thảo Quy chế làm việc $R"
assert_status "the clerk keeps the draft in her personal library" 201
DRAFT=$(jget .id)
upload "${TOKEN[vanthu]}" /api/v1/library/personal/documents "$FILES/ke-hoach.pdf" \
  "title=Báo cáo mật $R" "classification=secret"
assert_status "… and a secret report" 201
SECRET=$(jget .id)
upload "${TOKEN[daibieu5]}" /api/v1/library/personal/documents "$FILES/bao-cao.docx" "title=Ghi chép riêng $R"
assert_status "daibieu5 keeps a document of their own" 201
OTHERS=$(jget .id)
assert_eq "before any poll, daibieu1 cannot read the draft" 404 "$(download "${TOKEN[daibieu1]}" "$DRAFT")"

# ---------------------------------------------------------------------------
section "creating a poll: who, and bad input"
polls_count() { psql_q "SELECT count (*) FROM voting.polls"; }
DEADLINE=$(vn_time $(($(date +%s) + 7 * 86400)))
Q='[{"kind": "choice", "text": "Anh/chị có đồng ý với dự thảo Quy chế?", "options": ["Đồng ý", "Không đồng ý", "Ý kiến khác"]},
    {"kind": "choice", "text": "Lĩnh vực cần bổ sung", "options": ["Kinh tế", "Xã hội", "Môi trường"], "multiple": true, "required": false},
    {"kind": "text", "text": "Ý kiến cụ thể", "max_length": 50}]'
poll_json() { # TITLE DEADLINE DOCS_JSON TARGETS_JSON [EXTRA_JQ]
  jq -cn --arg t "$1" --arg d "$2" --argjson docs "$3" --argjson tg "$4" --argjson q "$Q" \
    "{title: \$t, description: \"Xin ý kiến các cơ quan\", deadline: \$d, questions: \$q,
      document_ids: \$docs, targets: \$tg} ${5:+| $5}"
}
TARGETS=$(jq -cn --arg a "${ID[daibieu1]}" --arg u "$FIN" '[{user_id: $a}, {unit_id: $u}]')
GOOD=$(poll_json "Lấy ý kiến dự thảo Quy chế làm việc $R" "$DEADLINE" "[\"$DRAFT\"]" "$TARGETS")
BEFORE=$(polls_count)
call POST /api/v1/polls "$GOOD" "${TOKEN[daibieu1]}"
assert_error "a member may not create a poll" 403
call POST /api/v1/polls "$(jq -c '.title = "  "' <<<"$GOOD")" "${TOKEN[vanthu]}"
assert_error "a blank title" 400
assert_json "… names the field" '.error.field == "title"'
call POST /api/v1/polls "$(jq -c '.questions = []' <<<"$GOOD")" "${TOKEN[vanthu]}"
assert_error "no question" 400
call POST /api/v1/polls "$(jq -c '.questions[0].kind = "ranking"' <<<"$GOOD")" "${TOKEN[vanthu]}"
assert_error "an unknown kind of question" 400
call POST /api/v1/polls "$(jq -c '.questions[0].options = ["Một"]' <<<"$GOOD")" "${TOKEN[vanthu]}"
assert_error "a choice with one option" 400
call POST /api/v1/polls "$(jq -c '.questions[0].options = ["Một", "Một"]' <<<"$GOOD")" "${TOKEN[vanthu]}"
assert_error "the same option twice" 400
call POST /api/v1/polls "$(jq -c '.questions[2].options = ["A", "B"]' <<<"$GOOD")" "${TOKEN[vanthu]}"
assert_error "options on a free-text question" 400
call POST /api/v1/polls "$(jq -c --arg d "$(vn_time $(($(date +%s) - 60)))" '.deadline = $d' <<<"$GOOD")" "${TOKEN[vanthu]}"
assert_error "a deadline in the past" 400
assert_json "… names the field" '.error.field == "deadline"'
call POST /api/v1/polls "$(jq -c '.deadline = "thứ sáu tuần sau"' <<<"$GOOD")" "${TOKEN[vanthu]}"
assert_error "a deadline that is no time" 400
call POST /api/v1/polls "$(jq -c '.targets = []' <<<"$GOOD")" "${TOKEN[vanthu]}"
assert_error "nobody to ask" 400
call POST /api/v1/polls "$(jq -c --arg u "$FIN" '.targets[0].unit_id = $u' <<<"$GOOD")" "${TOKEN[vanthu]}"
assert_error "a target naming a person and an agency" 400
call POST /api/v1/polls "$(jq -c '.targets = [{user_id: "0190c0de-0000-7000-8000-00000000dead"}]' <<<"$GOOD")" "${TOKEN[vanthu]}"
assert_error "a person this node does not know" 422
assert_json "… says so" '.error.code == "unknown_respondent"'
call POST /api/v1/polls "$(jq -c --arg s "$SECRET" '.document_ids = [$s]' <<<"$GOOD")" "${TOKEN[vanthu]}"
assert_error "a secret document attached" 422
assert_json "… refused as secret" '.error.code == "secret_document" and .error.field == "document_ids"'
call POST /api/v1/polls "$(jq -c --arg s "$OTHERS" '.document_ids = [$s]' <<<"$GOOD")" "${TOKEN[vanthu]}"
assert_error "a document the clerk may not read" 422
assert_json "… refused as unreadable" '.error.code == "document_not_readable"'
call POST /api/v1/polls "$(jq -c '.document_ids = ["khong-phai-uuid"]' <<<"$GOOD")" "${TOKEN[vanthu]}"
assert_error "a malformed document id" 400
call POST /api/v1/polls "$(jq -c '.signature_required = "yes"' <<<"$GOOD")" "${TOKEN[vanthu]}"
assert_error "signature_required that is not a boolean" 400
printf '{"title":"Ti\xeau \xc4","deadline":"%s"}' "$DEADLINE" >"$ENV_DIR/bad.json"
call_raw POST /api/v1/polls application/json "$ENV_DIR/bad.json" "${TOKEN[vanthu]}"
assert_error "a body that is not UTF-8" 400
call POST /api/v1/polls "$(jq -c '.title = ("Dài " * 200)' <<<"$GOOD")" "${TOKEN[vanthu]}"
assert_error "a title too long" 400
assert_eq "no poll was stored by the refusals" "$BEFORE" "$(polls_count)"

call POST /api/v1/polls "$GOOD" "${TOKEN[vanthu]}" -H "Idempotency-Key: tao-phieu-$R"
assert_status "the clerk creates the poll (a draft)" 201
P1=$(jget .id)
assert_json "… a draft with three questions, the draft attached, two targets named" --arg d "$DRAFT" \
  '.status == "draft" and (.questions | length) == 3 and .questions[0].required == true
   and .questions[1].multiple == true and .questions[2].max_length == 50
   and .documents[0].document_id == $d and (.documents[0].title | startswith("Dự thảo Quy chế"))
   and (.targets | length) == 2 and .targets[1].name == "Sở Tài chính" and .caller_manages == true'
Q1=$(jget '.questions[0].id'); Q2=$(jget '.questions[1].id'); Q3=$(jget '.questions[2].id')
call POST /api/v1/polls "$GOOD" "${TOKEN[vanthu]}" -H "Idempotency-Key: tao-phieu-$R"
assert_eq "the same request again with its Idempotency-Key answers the same poll, creates none" \
  "$P1 $((BEFORE + 1))" "$(jget .id) $(polls_count)"
call GET "/api/v1/polls/$P1" "" "${TOKEN[daibieu1]}"
assert_error "a draft is invisible to those it will be sent to" 404
call GET "/api/v1/polls/$P1" "" "${TOKEN[lanhdao]}"
assert_status "the office's leader (same agency as the clerk) reads it" 200
call POST "/api/v1/polls/$P1/send" "" "${TOKEN[lanhdao]}"
assert_error "… but only its creator sends it" 403

# ---------------------------------------------------------------------------
section "sending, and the attached draft"
call POST "/api/v1/polls/$P1/send" "" "${TOKEN[vanthu]}"
assert_status "the clerk sends it" 200
assert_json "… open, three people to answer (daibieu1, and daibieu2 and daibieu4 of Sở Tài chính)" \
  '.status == "open" and .respondents == 3 and .answered == 0 and .sent_at != null'
assert_eq "… exactly those three" \
  "$(printf '%s\n' "${ID[daibieu1]}" "${ID[daibieu2]}" "${ID[daibieu4]}" | sort | tr '\n' ' ')" \
  "$(psql_q "SELECT user_id FROM voting.poll_respondents WHERE poll_id = '$P1' ORDER BY user_id" | tr '\n' ' ')"
call POST "/api/v1/polls/$P1/send" "" "${TOKEN[vanthu]}"
assert_error "sending twice" 409
call GET "/api/v1/polls/$P1" "" "${TOKEN[daibieu2]}"
assert_status "daibieu2 (asked through the agency) reads the poll" 200
assert_json "… as a respondent who has not answered" '.caller_respondent == true and .caller_answered == false and .caller_manages == false'
call GET "/api/v1/polls/$P1" "" "${TOKEN[daibieu3]}"
assert_error "someone not asked gets 404" 404
readable() { [ "$(download "${TOKEN[$1]}" "$DRAFT")" == 200 ]; }
check "daibieu1 may now download the attached draft" wait_for 30 readable daibieu1
check "… and so may daibieu4 (asked through the agency)" wait_for 30 readable daibieu4
assert_eq "daibieu5, not asked, still may not" 404 "$(download "${TOKEN[daibieu5]}" "$DRAFT")"
assert_eq "… nor daibieu3" 404 "$(download "${TOKEN[daibieu3]}" "$DRAFT")"
assert_eq "the secret report stays unreadable to daibieu1" 404 "$(download "${TOKEN[daibieu1]}" "$SECRET")"

# ---------------------------------------------------------------------------
section "answers: bad input changes nothing"
answers_state() { psql_q "SELECT count (*) || '/' || coalesce (sum (revision), 0) FROM voting.poll_answers WHERE poll_id = '$P1'"; }
items() { # CHOICE1 TEXT [CHOICES2_JSON]
  jq -cn --arg q1 "$Q1" --arg q2 "$Q2" --arg q3 "$Q3" --arg c "$1" --arg t "$2" --argjson c2 "${3:-[]}" \
    '[{question_id: $q1, choices: [$c]}, {question_id: $q2, choices: $c2}, {question_id: $q3, text: $t}]'
}
answer() { # TOKEN BODY [CURL ARGS]
  local t=$1 b=$2
  shift 2
  call POST "/api/v1/polls/$P1/answers" "$b" "$t" "$@"
}
A_BEFORE=$(answers_state)
answer "${TOKEN[daibieu1]}" "$(jq -cn --argjson a "$(items "Đồng ý" "Tốt")" --arg x "0190c0de-0000-7000-8000-00000000beef" \
  '{answers: ($a + [{question_id: $x, text: "?"}])}')"
assert_error "an unknown question" 400
assert_json "… says so" '.error.code == "unknown_question" and .error.field == "answers"'
answer "${TOKEN[daibieu1]}" "$(jq -cn --argjson a "$(items "Tán thành" "Tốt")" '{answers: $a}')"
assert_error "an option not offered" 400
assert_json "… says so" '.error.code == "option_not_offered"'
answer "${TOKEN[daibieu1]}" "$(jq -cn --argjson a "$(items "Đồng ý" "Tốt")" '{answers: ($a | .[0].choices += ["Không đồng ý"])}')"
assert_error "two options on a single choice" 400
assert_json "… says so" '.error.code == "too_many_choices"'
answer "${TOKEN[daibieu1]}" "$(jq -cn --argjson a "$(items "Đồng ý" "Tốt")" '{answers: $a[0:2]}')"
assert_error "a required question left out" 400
assert_json "… says so" '.error.code == "missing_answer"'
answer "${TOKEN[daibieu1]}" "$(jq -cn --argjson a "$(items "Đồng ý" "$(printf 'x%.0s' $(seq 1 51))")" '{answers: $a}')"
assert_error "a free answer longer than the question allows (51 > 50)" 400
assert_json "… says so" '.error.code == "text_too_long"'
answer "${TOKEN[daibieu1]}" "$(jq -cn --argjson a "$(items "Đồng ý" "Tốt")" '{answers: ($a | .[0] = {question_id: .[0].question_id, text: "Đồng ý"})}')"
assert_error "text for a choice" 400
answer "${TOKEN[daibieu1]}" "$(jq -cn --argjson a "$(items "Đồng ý" "Tốt")" --arg d "$SECRET" \
  '{answers: $a, comments: [{document_id: $d, text: "Sửa"}]}')"
assert_error "a comment on a document not sent with the poll" 400
assert_json "… says so" '.error.code == "document_not_attached"'
answer "${TOKEN[daibieu1]}" "$(jq -cn --argjson a "$(items "Đồng ý" "Tốt")" --arg d "$DRAFT" \
  '{answers: $a, comments: [{document_id: $d, text: "  "}]}')"
assert_error "a blank comment" 400
answer "${TOKEN[daibieu1]}" "$(jq -cn --argjson a "$(items "Đồng ý" "Tốt")" '{answers: $a, signature: "MEUCIQ=="}')"
assert_error "a signature on a poll that asks for none" 400
answer "${TOKEN[lanhdao]}" "$(jq -cn --argjson a "$(items "Đồng ý" "Tốt")" '{answers: $a}')"
assert_error "the office's leader, who was not asked, may not answer" 403
assert_json "… says so" '.error.code == "not_respondent"'
answer "${TOKEN[daibieu3]}" "$(jq -cn --argjson a "$(items "Đồng ý" "Tốt")" '{answers: $a}')"
assert_error "someone not asked gets 404 on answering" 404
printf '{"answers":[{"question_id":"%s","text":"\xff\xfe"}]}' "$Q3" >"$ENV_DIR/bad.json"
call_raw POST "/api/v1/polls/$P1/answers" application/json "$ENV_DIR/bad.json" "${TOKEN[daibieu1]}"
assert_error "an answer that is not UTF-8" 400
assert_eq "no answer was stored by the refusals" "$A_BEFORE" "$(answers_state)"

# ---------------------------------------------------------------------------
section "answers, changes, comments on the draft"
answer "${TOKEN[daibieu1]}" "$(jq -cn --argjson a "$(items "Không đồng ý" "Cần sửa Điều 5" '["Xã hội", "Kinh tế"]')" --arg d "$DRAFT" \
  '{answers: $a, comments: [{document_id: $d, page: 2, quote: "Điều 5. Chế độ họp", text: "Nên quy định rõ thời hạn",
     suggestion: "Điều 5. Chế độ họp định kỳ hằng tháng"}, {document_id: $d, text: "Thiếu căn cứ pháp lý"}]}')" \
  -H "Idempotency-Key: tl-1-$R"
assert_status "daibieu1 answers with two comments on the draft" 200
assert_json "… revision 1, choices in the question's order, the comments anchored" --arg d "$DRAFT" \
  '.revision == 1 and .replaced == false and .answers[1].choices == ["Kinh tế", "Xã hội"]
   and (.comments | length) == 2 and .comments[0].page == 2 and .comments[0].document_id == $d
   and .comments[0].suggestion == "Điều 5. Chế độ họp định kỳ hằng tháng" and .comments[1].quote == null'
answer "${TOKEN[daibieu1]}" "$(jq -cn --argjson a "$(items "Không đồng ý" "Cần sửa Điều 5" '["Xã hội", "Kinh tế"]')" --arg d "$DRAFT" \
  '{answers: $a, comments: [{document_id: $d, page: 2, quote: "Điều 5. Chế độ họp", text: "Nên quy định rõ thời hạn",
     suggestion: "Điều 5. Chế độ họp định kỳ hằng tháng"}, {document_id: $d, text: "Thiếu căn cứ pháp lý"}]}')" \
  -H "Idempotency-Key: tl-1-$R"
assert_json "the same answer again under its Idempotency-Key is the first reply" '.revision == 1'
assert_eq "… and stored nothing more" "1/1" "$(answers_state)"
answer "${TOKEN[daibieu1]}" "$(jq -cn --argjson a "$(items "Đồng ý" "Đã rõ")" '{answers: $a}')"
assert_status "daibieu1 changes their mind" 200
assert_json "… the answer is replaced (revision 2)" '.revision == 2 and .replaced == true and (.answers | length) == 2'
call GET "/api/v1/polls/$P1/answers" "" "${TOKEN[daibieu1]}"
assert_json "daibieu1 reads one answer: the new one, whole (the optional question and the comments gone)" \
  '(.items | length) == 1 and .items[0].answers[0].choices == ["Đồng ý"] and .items[0].answers[1].text == "Đã rõ"
   and (.items[0].comments | length) == 0 and .items[0].revision == 2'
assert_eq "… and the database holds only it" "2 0" \
  "$(psql_q "SELECT (SELECT count (*) FROM voting.poll_answer_items WHERE poll_id = '$P1') || ' ' ||
                    (SELECT count (*) FROM voting.poll_comments WHERE poll_id = '$P1')")"
answer "${TOKEN[daibieu2]}" "$(jq -cn --argjson a "$(items "Không đồng ý" "Chưa phù hợp" '["Môi trường"]')" --arg d "$DRAFT" \
  '{answers: $a, comments: [{document_id: $d, page: 1, quote: "Phạm vi điều chỉnh", text: "Đề nghị bổ sung", suggestion: "Phạm vi điều chỉnh và đối tượng áp dụng"}]}')"
assert_status "daibieu2 answers (asked through Sở Tài chính) with a suggested edit" 200
call GET "/api/v1/polls/$P1/answers" "" "${TOKEN[daibieu2]}"
assert_json "daibieu2 reads only their own answer" --arg u "${ID[daibieu2]}" \
  '(.items | length) == 1 and .items[0].respondent_id == $u and .items[0].unit_id != null'
call GET "/api/v1/polls/$P1/answers" "" "${TOKEN[vanthu]}"
assert_json "the clerk reads both, with names and the suggested edit" \
  '(.items | length) == 2 and all(.items[]; .respondent_name != null)
   and ([.items[].comments[]] | length) == 1 and ([.items[].comments[].suggestion] == ["Phạm vi điều chỉnh và đối tượng áp dụng"])'
call GET "/api/v1/polls/$P1/answers?limit=1" "" "${TOKEN[vanthu]}"
assert_json "… one page at a time" '(.items | length) == 1 and .next != null'
call GET "/api/v1/polls/$P1/answers?limit=1&cursor=$(jget .next)" "" "${TOKEN[vanthu]}"
assert_json "… the next page holds the other, and is the last" '(.items | length) == 1 and .next == null'

call GET "/api/v1/polls/$P1/results" "" "${TOKEN[vanthu]}"
assert_status "the clerk reads the results" 200
assert_json "… counts per option and the free answers with who wrote them" \
  '.respondents == 3 and .answered == 2 and .final == false and .comments == 1
   and ([.questions[0].counts[].count] == [1, 1, 0]) and ([.questions[1].counts[].count] == [0, 0, 1])
   and .questions[1].answered == 1 and (.questions[2].texts | length) == 2
   and all(.questions[2].texts[]; .respondent_id != null)'
call GET "/api/v1/polls/$P1/results" "" "${TOKEN[daibieu2]}"
assert_error "a respondent sees the results only once the poll is closed" 409
call GET "/api/v1/polls/$P1/overdue" "" "${TOKEN[vanthu]}"
assert_json "who has not answered: daibieu4, not late yet" --arg u "${ID[daibieu4]}" \
  '.overdue == false and (.items | length) == 1 and .items[0].user_id == $u and .items[0].via_unit_id != null
   and .items[0].full_name == "Bùi Thị Hương"'
call GET "/api/v1/polls/$P1/overdue" "" "${TOKEN[daibieu1]}"
assert_error "a respondent may not list the others" 403

# ---------------------------------------------------------------------------
section "a poll that requires signatures, with a short deadline"
mkkey() { openssl ecparam -name prime256v1 -genkey -noout -out "$KEYS/$1.pem" 2>/dev/null; }
mkkey daibieu1
call POST /api/v1/me/signing-keys "$(jq -cn --arg k "$(openssl ec -in "$KEYS/daibieu1.pem" -pubout -outform DER 2>/dev/null | base64 -w0)" \
  '{public_key: $k, label: "Điện thoại"}')" "${TOKEN[daibieu1]}"
assert_status "daibieu1 registers a key made with openssl" 201
SHORT=$(vn_time $(($(date +%s) + 20)))
SQ='[{"kind": "choice", "text": "Biểu quyết thông qua dự thảo?", "options": ["Tán thành", "Không tán thành"]},
     {"kind": "text", "text": "Góp ý", "required": false}]'
call POST /api/v1/polls "$(jq -cn --arg d "$SHORT" --argjson q "$SQ" --arg a "${ID[daibieu1]}" --arg b "${ID[daibieu3]}" \
  --arg doc "$DRAFT" '{title: "Lấy ý kiến có ký số", deadline: $d, signature_required: true, questions: $q,
   document_ids: [$doc], targets: [{user_id: $a}, {user_id: $b}], send: true}')" "${TOKEN[vanthu]}"
assert_status "the clerk creates and sends at once a poll that requires signatures, due in 20 s" 201
P2=$(jget .id)
S1=$(jget '.questions[0].id'); S2=$(jget '.questions[1].id')
assert_json "… open, two respondents" '.status == "open" and .respondents == 2 and .signature_required == true'
canonical() { # SIGNED_AT CHOICE TEXT
  printf 'cabinet-poll-answer-v1\n%s\n%s\n%s\nq %s %s\nq %s %s\nc %s 3 %s %s null' "$P2" "${ID[daibieu1]}" "$1" \
    "$S1" "$(jq -cn --arg c "$2" '[$c]')" "$S2" "$(jq -cn --arg t "$3" '$t')" "$DRAFT" \
    "$(jq -cn '"Điều 1"')" "$(jq -cn '"Dòng 1\nDòng \"2\""')"
}
signed_body() { # SIGNED_AT CHOICE TEXT SIGNATURE
  jq -cn --arg s1 "$S1" --arg s2 "$S2" --arg c "$2" --arg t "$3" --arg at "$1" --arg sig "$4" --arg d "$DRAFT" \
    '{answers: [{question_id: $s1, choices: [$c]}, {question_id: $s2, text: $t}],
      comments: [{document_id: $d, page: 3, quote: "Điều 1", text: "Dòng 1\nDòng \"2\""}], signature: $sig, signed_at: $at}'
}
sign() { canonical "$@" | openssl dgst -sha256 -sign "$KEYS/daibieu1.pem" | base64 -w0; }
T1=$(vn_time $(($(date +%s) - 2)))
SIG=$(sign "$T1" "Tán thành" "Đồng ý, đề nghị ban hành")
call POST "/api/v1/polls/$P2/answers" "$(signed_body "$T1" "Tán thành" "Đồng ý, đề nghị ban hành" "")" "${TOKEN[daibieu1]}"
assert_error "an answer without its signature" 400
assert_json "… says a signature is required" '.error.code == "signature_required"'
call POST "/api/v1/polls/$P2/answers" "$(signed_body "$T1" "Tán thành" "Đồng ý, đề nghị ban hành" "$SIG")" "${TOKEN[daibieu1]}"
assert_status "daibieu1's answer signed with openssl dgst over the canonical string" 200
assert_json "… verified, the canonical string kept" --arg t "$T1" --arg c "$(canonical "$T1" "Tán thành" "Đồng ý, đề nghị ban hành")" \
  '.signed == true and .signed_at == $t and .canonical == $c'
call POST "/api/v1/polls/$P2/answers" "$(signed_body "$T1" "Tán thành" "Đồng ý, đề nghị ban hành" "$SIG")" "${TOKEN[daibieu1]}"
assert_error "the same signed answer again (a replay)" 409
assert_json "… says so" '.error.code == "signature_replayed"'
T2=$(vn_time $(($(date +%s) - 1)))
call POST "/api/v1/polls/$P2/answers" "$(signed_body "$T2" "Không tán thành" "Đồng ý, đề nghị ban hành" "$(sign "$T2" "Tán thành" "Đồng ý, đề nghị ban hành")")" "${TOKEN[daibieu1]}"
assert_error "a signature over another choice (tampered)" 400
assert_json "… says the signature is invalid" '.error.code == "signature_invalid"'
TOLD=$(vn_time $(($(date +%s) - 600)))
call POST "/api/v1/polls/$P2/answers" "$(signed_body "$TOLD" "Tán thành" "x" "$(sign "$TOLD" "Tán thành" "x")")" "${TOKEN[daibieu1]}"
assert_error "an answer signed ten minutes ago" 400
assert_json "… says the time is off" '.error.code == "signature_stale"'
call POST "/api/v1/polls/$P2/answers" "$(signed_body "$T2" "Tán thành" "x" "$SIG")" "${TOKEN[daibieu3]}"
assert_error "daibieu3 has no key registered" 422
assert_json "… says so" '.error.code == "no_signing_key"'
assert_eq "the refusals stored nothing" "1 1" \
  "$(psql_q "SELECT count (*) || ' ' || max (revision) FROM voting.poll_answers WHERE poll_id = '$P2'")"
closed_by_job() { [ "$(psql_q "SELECT status || ' ' || close_reason FROM voting.polls WHERE id = '$P2'")" == "closed deadline" ]; }
check "the deadline passes and the job closes the poll" wait_for 60 closed_by_job
call GET "/api/v1/polls/$P2" "" "${TOKEN[daibieu3]}"
assert_json "daibieu3 sees it closed at its deadline, overdue" --arg d "$SHORT" \
  '.status == "closed" and .close_reason == "deadline" and .closed_at == $d and .overdue == true'
T3=$(vn_time $(($(date +%s))))
call POST "/api/v1/polls/$P2/answers" "$(signed_body "$T3" "Tán thành" "Muộn" "$(sign "$T3" "Tán thành" "Muộn")")" "${TOKEN[daibieu1]}"
assert_error "an answer after the deadline" 409
assert_json "… says the poll is not open" '.error.code == "poll_not_open"'
call GET "/api/v1/polls/$P2/overdue" "" "${TOKEN[vanthu]}"
assert_json "daibieu3 is listed as late" --arg u "${ID[daibieu3]}" \
  '.overdue == true and [.items[].user_id] == [$u]'
call GET "/api/v1/polls/$P2/results" "" "${TOKEN[daibieu1]}"
assert_status "a respondent reads the final results" 200
assert_json "… without who wrote the free answers" \
  '.final == true and ([.questions[0].counts[].count] == [1, 0]) and .questions[1].texts[0].text == "Đồng ý, đề nghị ban hành"
   and .questions[1].texts[0].respondent_id == null'

# ---------------------------------------------------------------------------
section "closing early, archiving, the lists"
call POST "/api/v1/polls/$P1/close" "" "${TOKEN[daibieu1]}"
assert_error "a respondent may not close the poll" 403
call POST "/api/v1/polls/$P1/archive" "" "${TOKEN[vanthu]}"
assert_error "an open poll is not archived" 409
call POST "/api/v1/polls/$P1/close" "" "${TOKEN[vanthu]}"
assert_status "the clerk closes the poll before its deadline" 200
assert_json "… closed by its creator, not overdue" '.status == "closed" and .close_reason == "creator" and .overdue == false'
answer "${TOKEN[daibieu4]}" "$(jq -cn --argjson a "$(items "Đồng ý" "Muộn")" '{answers: $a}')"
assert_error "daibieu4 answers after the close" 409
call POST "/api/v1/polls/$P1/archive" "" "${TOKEN[vanthu]}"
assert_status "the clerk archives it" 200
assert_json "… archived" '.status == "archived" and .archived_at != null'
call GET "/api/v1/polls/$P1/answers" "" "${TOKEN[daibieu2]}"
assert_json "an archived poll's answers stay readable (R7.4)" '(.items | length) == 1'
check "… and so does its draft" readable daibieu2
call GET "/api/v1/polls" "" "${TOKEN[vanthu]}"
assert_json "the clerk's list: P2 (closed), not the archived P1" --arg p "$P2" '[.items[].id] == [$p]'
call GET "/api/v1/polls?status=archived" "" "${TOKEN[vanthu]}"
assert_json "… the archive on demand" --arg p "$P1" '[.items[].id] == [$p]'
call GET "/api/v1/polls?role=addressed&status=closed" "" "${TOKEN[daibieu1]}"
assert_json "daibieu1's polls addressed to them and closed" --arg p "$P2" '[.items[].id] == [$p] and .items[0].caller_answered == true'
call POST /api/v1/polls "$(jq -c '.title = "Nháp thứ hai"' <<<"$GOOD")" "${TOKEN[vanthu]}"
P3=$(jget .id)
call GET "/api/v1/polls?limit=1" "" "${TOKEN[vanthu]}"
assert_json "newest first, one per page" --arg p "$P3" '[.items[].id] == [$p] and .next != null'
call GET "/api/v1/polls?limit=1&cursor=$(jget .next)" "" "${TOKEN[vanthu]}"
assert_json "… then the one before" --arg p "$P2" '[.items[].id] == [$p]'
call GET "/api/v1/polls?status=finished" "" "${TOKEN[vanthu]}"
assert_error "an unknown status filter" 400
call GET "/api/v1/polls?role=everyone" "" "${TOKEN[vanthu]}"
assert_error "an unknown role filter" 400

# ---------------------------------------------------------------------------
section "changing or deleting a draft"
# draft_state POLL: what is stored of it: title, questions, documents, targets.
draft_state() {
  psql_q "SELECT p.title || '|' || (SELECT count (*) FROM voting.poll_questions WHERE poll_id = p.id)
            || '|' || (SELECT count (*) FROM voting.poll_documents WHERE poll_id = p.id)
            || '|' || (SELECT count (*) FROM voting.poll_targets WHERE poll_id = p.id)
          FROM voting.polls p WHERE p.id = '$1'"
}
KEPT=$(draft_state "$P3")
assert_eq "P3, the second draft: as created" "Nháp thứ hai|3|1|2" "$KEPT"
EDIT=$(jq -c --arg d3 "${ID[daibieu3]}" '.title = "Nháp thứ hai (sửa)" | .questions = [.questions[2]]
  | .document_ids = [] | .targets = [{user_id: $d3}] | .signature_required = true' <<<"$GOOD")
call PUT "/api/v1/polls/$P3" "$EDIT" "${TOKEN[daibieu3]}"
assert_error "a draft cannot be changed by someone it will be sent to (not seen: 404)" 404
call PUT "/api/v1/polls/$P3" "$EDIT" "${TOKEN[lanhdao]}"
assert_error "… nor by the office's leader, who may read it" 403
call PUT "/api/v1/polls/$P3" "$(jq -c '.title = ""' <<<"$EDIT")" "${TOKEN[vanthu]}"
assert_error "the creator's change with a blank title" 400
call PUT "/api/v1/polls/$P3" "$(jq -c '.questions = []' <<<"$EDIT")" "${TOKEN[vanthu]}"
assert_error "… with no question" 400
call PUT "/api/v1/polls/$P3" "$(jq -c --arg s "$SECRET" '.document_ids = [$s]' <<<"$EDIT")" "${TOKEN[vanthu]}"
assert_error "… with the secret report attached" 422
call PUT "/api/v1/polls/$P3" "$(jq -c '.targets = [{user_id: "0190c0de-0000-7000-8000-00000000dead"}]' <<<"$EDIT")" "${TOKEN[vanthu]}"
assert_error "… asking a person this node does not know" 422
call PUT "/api/v1/polls/0190c0de-0000-7000-8000-00000000dead" "$EDIT" "${TOKEN[vanthu]}"
assert_error "… of a poll that does not exist" 404
assert_eq "the refusals changed nothing" "$KEPT" "$(draft_state "$P3")"
call PUT "/api/v1/polls/$P3" "$EDIT" "${TOKEN[vanthu]}"
assert_status "the clerk changes her draft" 200
assert_json "… replaced as a whole: new title, one question, no document, daibieu3 to ask, signed answers" \
  --arg p "$P3" --arg d3 "${ID[daibieu3]}" \
  '.id == $p and .status == "draft" and .title == "Nháp thứ hai (sửa)" and (.questions | length) == 1
   and .questions[0].kind == "text" and (.documents | length) == 0 and .targets == [.targets[0]]
   and .targets[0].user_id == $d3 and .signature_required == true'
assert_eq "… and so it is stored" "Nháp thứ hai (sửa)|1|0|1" "$(draft_state "$P3")"
call PUT "/api/v1/polls/$P3" "$EDIT" "${TOKEN[vanthu]}" -H "Idempotency-Key: sua-nhap-$R"
assert_status "the same change again, with an Idempotency-Key" 200
call PUT "/api/v1/polls/$P3" "$(jq -c '.title = "Khác"' <<<"$EDIT")" "${TOKEN[vanthu]}" -H "Idempotency-Key: sua-nhap-$R"
assert_error "the same Idempotency-Key with another body" 422
call DELETE "/api/v1/polls/$P3" "" "${TOKEN[lanhdao]}"
assert_error "the office's leader may not delete the clerk's draft" 403
call DELETE "/api/v1/polls/$P3" "" "${TOKEN[vanthu]}"
assert_status "the clerk deletes it" 204
call GET "/api/v1/polls/$P3" "" "${TOKEN[vanthu]}"
assert_error "… it is gone" 404
assert_eq "… with its questions and targets" "0 0 0" \
  "$(psql_q "SELECT (SELECT count (*) FROM voting.polls WHERE id = '$P3') || ' ' ||
              (SELECT count (*) FROM voting.poll_questions WHERE poll_id = '$P3') || ' ' ||
              (SELECT count (*) FROM voting.poll_targets WHERE poll_id = '$P3')")"
call DELETE "/api/v1/polls/$P3" "" "${TOKEN[vanthu]}"
assert_error "deleting it again" 404
call POST /api/v1/polls "$(jq -c '.title = "Nháp thứ ba"' <<<"$GOOD")" "${TOKEN[vanthu]}"
P4=$(jget .id)
call PUT "/api/v1/polls/$P4" "$(jq -c '.title = "Nháp thứ ba, gửi ngay" | .send = true' <<<"$EDIT")" "${TOKEN[vanthu]}"
assert_status "a change with send: true" 200
assert_json "… sends the poll as changed" '.status == "open" and .respondents == 1 and .title == "Nháp thứ ba, gửi ngay"'
call PUT "/api/v1/polls/$P4" "$EDIT" "${TOKEN[vanthu]}"
assert_error "a poll sent cannot be changed" 409
call DELETE "/api/v1/polls/$P4" "" "${TOKEN[vanthu]}"
assert_error "… nor deleted" 409
assert_eq "… it stays as sent" "Nháp thứ ba, gửi ngay|1|0|1" "$(draft_state "$P4")"

# ---------------------------------------------------------------------------
section "events"
cat >"$ENV_DIR/views.proto" <<'PROTO'
syntax = "proto2";
package cabinet.polltest;
import "cabinet/v1/polls.proto";
message PollView { optional string id = 1; optional string type = 2; optional string source = 3;
  optional string subject = 4; optional string time = 5; optional uint64 sequence = 6;
  optional string schema = 7; optional cabinet.v1.PollEvent payload = 8; repeated string target_nodes = 9;
  optional string actor_id = 10; optional string service = 11; optional string meeting_id = 12;
  repeated string audience = 13; }
message AnswerView { optional string id = 1; optional string type = 2; optional string source = 3;
  optional string subject = 4; optional string time = 5; optional uint64 sequence = 6;
  optional string schema = 7; optional cabinet.v1.PollAnswerEvent payload = 8; repeated string target_nodes = 9;
  optional string actor_id = 10; optional string service = 11; optional string meeting_id = 12;
  repeated string audience = 13; }
PROTO
views() { protoc-c -I"$CAB_ROOT/proto" -I"$ENV_DIR" "$@" "$ENV_DIR/views.proto"; }
poll_events() { # POLL: ce_type of its records, in order
  kafka_events "$EVENTS" | awk -F'\t' -v k="$1" '$3 == k' | while IFS=$'\t' read -r _ _ _ _ h; do
    printf '%s\n' "$(kafka_header "$h" ce_type)"
  done
}
enough() {
  [ "$(poll_events "$P1" | grep -c .)" -ge 7 ] && poll_events "$P2" | grep -q poll.overdue &&
    poll_events "$P3" | grep -q poll.deleted && poll_events "$P4" | grep -q poll.sent
}
wait_for 30 enough || true
assert_eq "P1's life in events, keyed by the poll, in order" \
  "poll.created poll.sent poll.answered poll.answered poll.answered poll.closed poll.archived" \
  "$(poll_events "$P1" | tr '\n' ' ' | sed 's/ $//')"
assert_eq "P2's: sent at once, answered, closed by the deadline, overdue" \
  "poll.created poll.sent poll.answered poll.closed poll.overdue" \
  "$(poll_events "$P2" | grep -v due_soon | tr '\n' ' ' | sed 's/ $//')"
assert_eq "… reminded once (due within a day) between its sending and its closing" "1 sent due closed" \
  "$(poll_events "$P2" | grep -c due_soon) $(poll_events "$P2" | sed -n 's/^poll\.\(sent\|due_soon\|closed\)$/\1/p' | sed 's/_soon//' | tr '\n' ' ' | sed 's/ $//')"
assert_eq "a draft changed twice, then deleted: its events" "poll.created poll.updated poll.updated poll.deleted" \
  "$(poll_events "$P3" | tr '\n' ' ' | sed 's/ $//')"
assert_eq "a draft changed and sent at once" "poll.created poll.updated poll.sent" \
  "$(poll_events "$P4" | tr '\n' ' ' | sed 's/ $//')"
record() { # TYPE POLL
  kafka_events "$EVENTS" | awk -F'\t' -v k="$2" -v t="$1" '$3 == k && index("," $5 ",", ",ce_type=" t ",") > 0 { print; exit }'
}
decode() { # VIEW RECORD
  local p o
  IFS=$'\t' read -r p o _ <<<"$2"
  kafka_value "$EVENTS" "$p" "$o" | views --decode="cabinet.polltest.$1" | pb_fields
}
F=$(decode PollView "$(record poll.sent "$P1")")
assert_eq "poll.sent: schema, service, who sent it, the attached draft, three respondents" \
  "cabinet.v1.PollEvent voting ${ID[vanthu]} $DRAFT 3" \
  "$(pb_get schema <<<"$F") $(pb_get service <<<"$F") $(pb_get actor_id <<<"$F") $(pb_get payload.document_ids <<<"$F") $(grep -c '^payload.respondent_ids' <<<"$F")"
assert_eq "… its audience: the creator and the three respondents" 4 "$(grep -c '^audience' <<<"$F")"
F=$(decode PollView "$(record poll.deleted "$P3")")
assert_eq "poll.deleted carries the draft as it was, and who deleted it" "Nháp thứ hai (sửa) draft ${ID[vanthu]}" \
  "$(pb_get payload.poll.title <<<"$F") $(pb_get payload.poll.status <<<"$F") $(pb_get actor_id <<<"$F")"
F=$(decode PollView "$(record poll.overdue "$P2")")
assert_eq "poll.overdue names daibieu3, and no actor (the deadline did it)" "${ID[daibieu3]} " \
  "$(pb_get payload.pending_ids <<<"$F") $(pb_get actor_id <<<"$F")"
F=$(decode PollView "$(record poll.closed "$P2")")
assert_eq "poll.closed says why" "deadline closed" "$(pb_get payload.poll.close_reason <<<"$F") $(pb_get payload.poll.status <<<"$F")"
F=$(decode AnswerView "$(record poll.answered "$P2")")
assert_eq "poll.answered: who, signed, how many have answered" "${ID[daibieu1]} true 1 2 1" \
  "$(pb_get payload.respondent_id <<<"$F") $(pb_get payload.signed <<<"$F") $(pb_get payload.answered <<<"$F") $(pb_get payload.respondents <<<"$F") $(pb_get payload.comments <<<"$F")"

finish
