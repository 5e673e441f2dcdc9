#!/usr/bin/env bash
# test_documents_http.sh - documents through the gateway, as people use
# them: real PDF, DOCX, XLSX and JPEG files (made by integration/files/
# make_files.py) uploaded as multipart forms with curl, pages counted, found
# by unaccented words, approved by the chair, downloaded by an invitee and
# refused (404) to someone not invited; bad uploads refused with nothing
# left behind; a file larger than one RPC piece streamed back byte for
# byte; the access report. Every check drives a real node (see lib.sh).
source "$(dirname "$0")/lib.sh"

section() { printf '\n== %s\n' "$*"; }

export CABINET_UPLOAD_MAX_MB=2
env_start
R=$(rand_suffix)
VN() { TZ=Asia/Ho_Chi_Minh date "$@"; }
at() { VN -d "$(VN +%F) +$1 days $2" +%Y-%m-%dT%H:%M:%S%:z; }
FILES=$ENV_DIR/files
mkdir -p "$FILES"
python3 "$CAB_ROOT/integration/files/make_files.py" "$FILES" 1500000 || fail "the test files are made"

# upload TOKEN PATH FILE [FIELD...]: POST a multipart form (curl -F); sets STATUS and BODY.
upload() {
  local token=$1 path=$2 file=$3 args=()
  shift 3
  for f in "$@"; do args+=(-F "$f"); done
  LAST_REQ="POST $path (multipart: $(basename "$file") $*)"
  STATUS=$(curl -sS --max-time 60 -o "$ENV_DIR/body" -w '%{http_code}' -H "Authorization: Bearer $token" \
    "${args[@]}" -F "file=@$file" "$BASE_URL$path" 2>"$ENV_DIR/curl.err")
  BODY=$(cat "$ENV_DIR/body")
}
# download TOKEN ID OUT: GET the content into OUT; sets STATUS.
download() {
  STATUS=$(curl -sS --max-time 60 -o "$3" -D "$ENV_DIR/headers" -w '%{http_code}' \
    -H "Authorization: Bearer $1" "$BASE_URL/api/v1/documents/$2/content" 2>"$ENV_DIR/curl.err")
}
leftovers() { find "$CABINET_DATA_DIR/tmp" -type f 2>/dev/null | wc -l; }

section "a meeting with an invitee"
login_ready ADMIN admin "$ADMIN_PASSWORD" || fail "admin signs in"
declare -A TOKEN=() ID=()
for u in vanthu lanhdao chutri thuky daibieu1 daibieu3; do
  login_ready "TOKEN[$u]" "$u" "$DEMO_PASSWORD" || fail "$u signs in"
  ID[$u]=$(psql_q "SELECT id FROM identity.users WHERE username = '$u'")
done
wait_for 60 scheduling_settled || fail "the demo agencies and people reach the scheduling projection"
call POST /api/v1/meetings "$(jq -cn --arg t "Họp triển khai phòng họp không giấy $R" \
  --arg s "$(at 10 09:00)" --arg e "$(at 10 11:00)" --arg c "${ID[chutri]}" --arg sec "${ID[thuky]}" \
  --arg a "${ID[lanhdao]}" --arg p "${ID[daibieu1]}" \
  '{title: $t, start_at: $s, end_at: $e, form: "in_person", type: "regular", chair_id: $c,
    secretary_id: $sec, approver_id: $a, participants: [{user_id: $p}]}')" "${TOKEN[vanthu]}"
assert_status "the clerk registers a meeting" 201
M=$(jget .id)
call POST "/api/v1/meetings/$M/submit" "" "${TOKEN[vanthu]}"
call POST "/api/v1/meetings/$M/approve" "" "${TOKEN[lanhdao]}"
assert_status "… approved" 200
known() { [ "$(psql_q "SELECT count (*) FROM documents.meetings WHERE id = '$M' AND published")" == 1 ]; }
check "the documents service knows the meeting" wait_for 60 known

section "uploads of real files"
upload "${TOKEN[vanthu]}" "/api/v1/meetings/$M/documents" "$FILES/ke-hoach.pdf" \
  "title=Kế hoạch họp không giấy $R" "classification=normal"
assert_status "the clerk uploads a PDF" 201
PDF=$(jget .id)
assert_json "… a PDF of 3 pages, pending the chair's approval, hashed" \
  --arg sha "$(sha256sum "$FILES/ke-hoach.pdf" | cut -d' ' -f1)" --argjson n "$(stat -c %s "$FILES/ke-hoach.pdf")" \
  '.mime_type == "application/pdf" and .pages == 3 and .status == "pending" and .sha256 == $sha
   and .size == $n and .meeting_id != null'
upload "${TOKEN[vanthu]}" "/api/v1/meetings/$M/documents" "$FILES/bao-cao.docx" "title=Báo cáo $R"
assert_status "a DOCX" 201
DOCX=$(jget .id)
assert_json "… 4 pages from its metadata" '.file_type == "docx" and .pages == 4'
upload "${TOKEN[vanthu]}" "/api/v1/meetings/$M/documents" "$FILES/du-toan.xlsx" "title=Dự toán $R"
assert_status "an XLSX" 201
assert_json "… a page per sheet" '.file_type == "xlsx" and .pages == 2'
upload "${TOKEN[vanthu]}" "/api/v1/meetings/$M/documents" "$FILES/anh.jpg"
assert_status "a JPEG without a title" 201
assert_json "… one page, titled by its file name" '.file_type == "jpg" and .pages == 1 and (.title | test("anh"))'

section "bad uploads change nothing"
before=$(psql_q "SELECT count (*) FROM documents.documents")
upload "${TOKEN[vanthu]}" "/api/v1/meetings/$M/documents" "$FILES/gia-mao.pdf" "title=Giả mạo"
assert_error "a shell script named .pdf" 415
head -c $((3 * 1024 * 1024)) /dev/urandom >"$FILES/qua-lon.pdf"
t0=$(now_ms)
upload "${TOKEN[vanthu]}" "/api/v1/meetings/$M/documents" "$FILES/qua-lon.pdf" "title=Quá lớn"
assert_error "a file over CABINET_UPLOAD_MAX_MB" 413
note "refused in $(($(now_ms) - t0)) ms"
call POST "/api/v1/meetings/$M/documents" '{"title": "x"}' "${TOKEN[vanthu]}"
assert_error "JSON instead of a form" 415
LAST_REQ="POST truncated multipart"
STATUS=$(printf -- '--XyZ\r\nContent-Disposition: form-data; name="file"; filename="a.pdf"\r\n\r\n%%PDF-1.4 cut' |
  curl -sS -o "$ENV_DIR/body" -w '%{http_code}' -H "Authorization: Bearer ${TOKEN[vanthu]}" \
    -H 'Content-Type: multipart/form-data; boundary=XyZ' --data-binary @- "$BASE_URL/api/v1/meetings/$M/documents")
BODY=$(cat "$ENV_DIR/body")
assert_error "a form cut before its end" 400
upload "${TOKEN[vanthu]}" "/api/v1/meetings/$M/documents" "$FILES/ke-hoach.pdf" "nonsense=1"
assert_error "an unknown field" 400
upload "${TOKEN[daibieu3]}" "/api/v1/meetings/$M/documents" "$FILES/ke-hoach.pdf" "title=Người ngoài"
assert_error "someone with no part in the meeting" 404
upload "${TOKEN[vanthu]}" "/api/v1/meetings/0190c0de-0000-7000-8000-00000000dead/documents" "$FILES/ke-hoach.pdf"
assert_error "an unknown meeting" 404
assert_eq "no document was stored by the refusals" "$before" "$(psql_q "SELECT count (*) FROM documents.documents")"
settled() { [ "$(leftovers)" == 0 ]; }
check "no temporary file is left behind" wait_for 10 settled

section "approval, download, and refusal to strangers"
call GET "/api/v1/documents/$PDF" "" "${TOKEN[daibieu1]}"
assert_error "an invitee does not see a document before approval" 404
call POST "/api/v1/documents/$PDF/approve" "" "${TOKEN[daibieu1]}"
assert_error "an invitee cannot approve" 404
call POST "/api/v1/documents/$PDF/approve" "" "${TOKEN[chutri]}"
assert_status "the chair approves the PDF" 200
assert_json "… approved" '.status == "approved"'
call POST "/api/v1/documents/$DOCX/reject" '{"reason": "Cần bổ sung số liệu quý III"}' "${TOKEN[chutri]}"
assert_status "… and rejects the DOCX with a reason" 200
call GET "/api/v1/documents/$PDF" "" "${TOKEN[daibieu1]}"
assert_status "the invitee sees the approved PDF" 200
download "${TOKEN[daibieu1]}" "$PDF" "$FILES/back.pdf"
assert_eq "… and downloads it" 200 "$STATUS"
check "… byte for byte" cmp -s "$FILES/ke-hoach.pdf" "$FILES/back.pdf"
check "… as an attachment with its type" grep -qi '^content-type: application/pdf' "$ENV_DIR/headers"
check "… with a safe file name" grep -qi "^content-disposition: attachment; filename=\"[A-Za-z0-9._-]*\"" "$ENV_DIR/headers"
download "${TOKEN[daibieu1]}" "$DOCX" "$FILES/x"
assert_eq "a rejected document is not there for the invitee" 404 "$STATUS"
download "${TOKEN[daibieu3]}" "$PDF" "$FILES/x"
assert_eq "someone not invited gets 404 for the content" 404 "$STATUS"
call GET "/api/v1/documents/$PDF" "" "${TOKEN[daibieu3]}"
assert_error "… and for the metadata" 404

upload "${TOKEN[chutri]}" "/api/v1/meetings/$M/documents" "$FILES/lon.pdf" "title=Tài liệu lớn $R"
assert_status "the chair uploads a 1.5 MB PDF (approved at once)" 201
BIG=$(jget .id)
assert_json "… approved, 2 pages" '.status == "approved" and .pages == 2'
download "${TOKEN[daibieu1]}" "$BIG" "$FILES/lon-back.pdf"
assert_eq "the invitee downloads it" 200 "$STATUS"
assert_eq "… every byte, across several pieces" "$(sha256sum <"$FILES/lon.pdf")" "$(sha256sum <"$FILES/lon-back.pdf")"

section "search"
found() { # TOKEN QUERY ID
  call GET "/api/v1/documents?q=$(printf '%s' "$2" | jq -sRr @uri)" "" "$1"
  [ "$STATUS" == 200 ] && printf '%s' "$BODY" | jq -e --arg id "$3" '[.items[].id] | index($id) != null' >/dev/null
}
check "unaccented words find the title 'Kế hoạch họp không giấy'" found "${TOKEN[chutri]}" "ke hoach hop khong giay" "$PDF"
check "… and the text inside the DOCX" found "${TOKEN[chutri]}" "giay to Binh Dinh" "$DOCX"
check "the invitee finds the approved PDF" found "${TOKEN[daibieu1]}" "hop khong giay" "$PDF"
if found "${TOKEN[daibieu1]}" "giay to Binh Dinh" "$DOCX"; then fail "the invitee does not find the rejected DOCX"; else
  pass "the invitee does not find the rejected DOCX"
fi
if found "${TOKEN[daibieu3]}" "hop khong giay" "$PDF"; then fail "someone not invited finds nothing"; else
  pass "someone not invited finds nothing"
fi

section "the access report"
call GET "/api/v1/meetings/$M" "" "${TOKEN[daibieu1]}"
assert_status "the invitee opens the meeting" 200
call GET "/api/v1/meetings/$M" "" "${TOKEN[daibieu1]}"
assert_eq "… recorded once, as invitation.opened" 1 \
  "$(psql_q "SELECT count (*) FROM scheduling.outbox WHERE type = 'invitation.opened' AND subject = '$M'")"
opened() {
  call GET "/api/v1/reports/access/$M" "" "${TOKEN[chutri]}"
  [ "$STATUS" == 200 ] && printf '%s' "$BODY" | jq -e --arg u "${ID[daibieu1]}" \
    '[.agencies[].people[] | select(.user_id == $u and .opened_invitation)] | length == 1' >/dev/null
}
check "the report shows that the invitee opened the invitation" wait_for 30 opened
call GET "/api/v1/reports/access/$M" "" "${TOKEN[chutri]}"
assert_status "the chair reads the meeting's access report" 200
assert_json "… the invitee downloaded the PDF and the large file" --arg u "${ID[daibieu1]}" --arg pdf "$PDF" --arg big "$BIG" \
  '[.agencies[].people[] | select(.user_id == $u) | .downloads[].document_id] | (index($pdf) != null and index($big) != null)'
call GET "/api/v1/reports/access/$M" "" "${TOKEN[daibieu1]}"
assert_error "an invitee may not read it" 403

section "the meeting's documents and their lead time, in scheduling"
# Stored and not rejected: the PDF, the XLSX, the JPEG and the large PDF
# (3 + 2 + 1 + 2 pages); the DOCX was rejected.
counted() {
  call GET "/api/v1/meetings/$M" "" "${TOKEN[chutri]}"
  [ "$STATUS" == 200 ] && [ "$(jget '.documents.count')" == 4 ] && [ "$(jget '.documents.pages')" == 8 ]
}
check "the meeting counts its documents and their pages, rejected ones apart" wait_for 30 counted
call GET "/api/v1/meetings/$M/violations" "" "${TOKEN[chutri]}"
assert_json "… all submitted in time: no documents violation" '[.items[] | select(.rule == "documents")] | length == 0'
# A regular meeting two days ahead: its documents were due 72 hours before.
call POST /api/v1/meetings "$(jq -cn --arg t "Họp gấp về tài liệu $R" \
  --arg s "$(at 2 14:00)" --arg e "$(at 2 16:00)" --arg c "${ID[chutri]}" --arg sec "${ID[thuky]}" \
  --arg a "${ID[lanhdao]}" --arg p "${ID[daibieu1]}" \
  '{title: $t, start_at: $s, end_at: $e, form: "in_person", type: "regular", chair_id: $c,
    secretary_id: $sec, approver_id: $a, participants: [{user_id: $p}]}')" "${TOKEN[vanthu]}"
assert_status "the clerk registers a meeting two days ahead" 201
M2=$(jget .id)
call POST "/api/v1/meetings/$M2/submit" "" "${TOKEN[vanthu]}"
call POST "/api/v1/meetings/$M2/approve" "" "${TOKEN[lanhdao]}"
assert_status "… approved" 200
known2() { [ "$(psql_q "SELECT count (*) FROM documents.meetings WHERE id = '$M2' AND published")" == 1 ]; }
check "the documents service knows it" wait_for 60 known2
upload "${TOKEN[vanthu]}" "/api/v1/meetings/$M2/documents" "$FILES/ke-hoach.pdf" "title=Kế hoạch muộn $R"
assert_status "the clerk uploads its plan a day before" 201
LATE=$(jget .id)
late() {
  call GET "/api/v1/meetings/$M2/violations" "" "${TOKEN[chutri]}"
  [ "$STATUS" == 200 ] && printf '%s' "$BODY" | jq -e '[.items[] | select(.rule == "documents")] | length == 1' >/dev/null
}
check "scheduling records the late document as a documents violation" wait_for 30 late
assert_json "… of the clerk, 72 hours asked, late by under the two days left, in Vietnamese" --arg u "${ID[vanthu]}" \
  '.items[] | select(.rule == "documents") | .user_id == $u and .lead_seconds == 259200
   and .late_seconds > 0 and .late_seconds < 259200 - 86400 and (.message | startswith("Tài liệu họp"))'
assert_eq "… once, announced as violation.recorded" 1 \
  "$(psql_q "SELECT count (*) FROM scheduling.outbox WHERE type = 'violation.recorded' AND subject = '$M2'")"
call GET "/api/v1/meetings/$M2" "" "${TOKEN[chutri]}"
assert_json "… and the meeting counts the document and its violations" \
  '.documents.count == 1 and .documents.pages == 3 and .violations >= 1'
call POST "/api/v1/documents/$LATE/reject" '{"reason": "Nộp muộn, đề nghị bổ sung"}' "${TOKEN[chutri]}"
assert_status "the chair rejects it" 200
uncounted() {
  call GET "/api/v1/meetings/$M2" "" "${TOKEN[chutri]}"
  [ "$STATUS" == 200 ] && [ "$(jget '.documents.count')" == 0 ]
}
check "… and the meeting no longer counts it" wait_for 30 uncounted

section "comments, notes and the library"
call POST "/api/v1/documents/$PDF/comments" '{"text": "Đề nghị bổ sung tiến độ", "suggestion": "Thêm mục 3"}' "${TOKEN[daibieu1]}"
assert_status "the invitee comments with a suggested edit" 201
call POST "/api/v1/documents/$PDF/notes" '{"text": "Ghi chú riêng của tôi"}' "${TOKEN[daibieu1]}"
assert_status "… and keeps a personal note" 201
call GET "/api/v1/documents/$PDF/notes" "" "${TOKEN[chutri]}"
assert_json "the chair does not see it" '.items | length == 0'
call POST /api/v1/library/personal "$(jq -cn --arg d "$PDF" '{document_id: $d}')" "${TOKEN[daibieu1]}"
assert_status "the invitee keeps the PDF in the personal library" 201
call GET /api/v1/library/personal "" "${TOKEN[daibieu1]}"
assert_json "… and finds it there" --arg d "$PDF" '[.items[].id] | index($d) != null'
finish
