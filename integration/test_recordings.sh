#!/usr/bin/env bash
# test_recordings.sh - a meeting's audio recordings (R6.5) through the
# gateway, as the demo accounts use them: real WAV, MP3, Ogg Vorbis, Opus and
# FLAC files (integration/files/make_audio.py) uploaded as multipart forms with
# classification=recording by the secretary, the chair and the clerk; fetched
# byte for byte by the chair and the system admin and by nobody else (404 for
# the uploader, the approver, an invitee, a stranger); absent from search, the
# meeting's document list, the access report and scheduling's document
# counts for everyone else; recording.uploaded read back with kcat, its
# audience the chair, and on the chair's live stream only; the chair marks
# the meeting secret ("họp mật") and later recordings are refused, unmarks it
# and they are accepted; marking by anyone else or after the end refused; bad
# uploads refused with nothing written (database, temporary and stored
# files); the retention purge takes recordings like other documents.
source "$(dirname "$0")/lib.sh"

section() { printf '\n== %s\n' "$*"; }

export CABINET_UPLOAD_MAX_MB=2
export CABINET_RECORDING_MAX_MB=3
env_start
R=$(rand_suffix)
EVENTS=cabinet.$CABINET_NODE_ID.events
FILES=$ENV_DIR/files
SD=$ENV_DIR/streams
mkdir -p "$FILES" "$SD"
python3 "$CAB_ROOT/integration/files/make_files.py" "$FILES" || fail "the document files are made"
python3 "$CAB_ROOT/integration/files/make_audio.py" "$FILES" || fail "the audio files are made"

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
# record TOKEN FILE [FIELD...]: upload FILE to meeting $M as a recording.
record() {
  local token=$1 file=$2
  shift 2
  upload "$token" "/api/v1/meetings/$M/documents" "$file" "classification=recording" "$@"
}
# download TOKEN ID OUT: GET the content into OUT; sets STATUS.
download() {
  STATUS=$(curl -sS --max-time 60 -o "$3" -D "$ENV_DIR/headers" -w '%{http_code}' \
    -H "Authorization: Bearer $1" "$BASE_URL/api/v1/documents/$2/content" 2>"$ENV_DIR/curl.err")
}
# What a refusal must leave untouched: rows, temporary files, stored objects.
footprint() {
  printf '%s/%s/%s/%s' "$(psql_q "SELECT count (*) FROM documents.documents")" \
    "$(psql_q "SELECT count (*) FROM documents.uploads WHERE state <> 'done'")" \
    "$(find "$CABINET_DATA_DIR/tmp" -type f 2>/dev/null | wc -l)" \
    "$(find "$CABINET_DATA_DIR/objects" -type f 2>/dev/null | wc -l)"
}
# refused NAME STATUS [CODE]: the last request was refused with STATUS (and
# the error code CODE) and the footprint is what it was before ($BEFORE).
refused() {
  assert_error "$1" "$2"
  [ $# -lt 3 ] || assert_json "… code $3" --arg c "$3" '.error.code == $c'
  settled() { [ "$(footprint)" == "$BEFORE" ]; }
  if wait_for 10 settled; then pass "… nothing written"; else
    fail "… nothing written" "before: $BEFORE" "after:  $(footprint)"
  fi
}

section "a meeting with a chair, a secretary, an approver and an invitee"
login_ready ADMIN admin "$ADMIN_PASSWORD" || fail "admin signs in"
declare -A TOKEN=() ID=()
for u in vanthu lanhdao chutri thuky daibieu1 daibieu3; do
  login_ready "TOKEN[$u]" "$u" "$DEMO_PASSWORD" || fail "$u signs in"
  ID[$u]=$(psql_q "SELECT id FROM identity.users WHERE username = '$u'")
done
TOKEN[admin]=$ADMIN
wait_for 60 scheduling_settled || fail "the demo agencies and people reach the scheduling projection"
meeting_json() { # TITLE DAYS
  jq -cn --arg t "$1 $R" --arg s "$(vn_at "$2" 09:00)" --arg e "$(vn_at "$2" 11:00)" \
    --arg c "${ID[chutri]}" --arg sec "${ID[thuky]}" --arg a "${ID[lanhdao]}" --arg p "${ID[daibieu1]}" \
    '{title: $t, start_at: $s, end_at: $e, form: "in_person", type: "regular", chair_id: $c,
      secretary_id: $sec, approver_id: $a, participants: [{user_id: $p}]}'
}
meeting_approved M "${TOKEN[vanthu]}" "${TOKEN[lanhdao]}" "$(meeting_json "Họp giao ban có ghi âm" 6)" ||
  fail "the meeting is approved"
call POST /api/v1/meetings "$(meeting_json "Họp còn là bản nháp" 7)" "${TOKEN[vanthu]}"
assert_status "… and another one left a draft" 201
DRAFT=$(jget .id)
known() { [ "$(psql_q "SELECT count (*) FROM documents.meetings WHERE id IN ('$M', '$DRAFT')
                       AND (status = 'draft' OR published)")" == 2 ]; }
check "the documents service knows both" wait_for 60 known
call GET "/api/v1/meetings/$M" "" "${TOKEN[chutri]}"
assert_json "a meeting is not secret unless the chair says so" '.secret == false and .secret_by == null'

# ---- streams: the chair's own and the secretary's view of the meeting ---------
declare -A STREAM_PID=()
stream_open() { # NAME TOKEN PATH
  : >"$SD/$1"
  curl -sS -N --max-time 300 -D "$SD/$1.headers" -o "$SD/$1" -H "Authorization: Bearer $2" \
    "$BASE_URL$3" 2>"$SD/$1.err" &
  STREAM_PID[$1]=$!
}
stream_ready() { grep -q '^HTTP/1.1 200' "$SD/$1.headers" 2>/dev/null && grep -q '^retry: ' "$SD/$1"; }
stream_has() { grep -q "^event: $2\$" <(tr -d '\r' <"$SD/$1"); } # NAME TYPE
stream_close() {
  kill "${STREAM_PID[$1]}" 2>/dev/null
  wait "${STREAM_PID[$1]}" 2>/dev/null
  unset "STREAM_PID[$1]"
}
stream_open chair_own "${TOKEN[chutri]}" /api/v1/stream
stream_open chair_meeting "${TOKEN[chutri]}" "/api/v1/meetings/$M/stream"
stream_open secretary_meeting "${TOKEN[thuky]}" "/api/v1/meetings/$M/stream"
for s in chair_own chair_meeting secretary_meeting; do
  check "the $s stream is open" wait_for 20 stream_ready "$s"
done

section "recordings uploaded by the meeting's people"
record "${TOKEN[thuky]}" "$FILES/ghi-am.wav" "title=Ghi âm phiên khai mạc $R"
assert_status "the secretary uploads a WAV recording" 201
WAV=$(jget .id)
assert_json "… audio/wav of 3 s, approved at once by no reviewer, no pages, no access list" \
  --arg sha "$(sha256sum "$FILES/ghi-am.wav" | cut -d' ' -f1)" --argjson n "$(stat -c %s "$FILES/ghi-am.wav")" \
  '.classification == "recording" and .status == "approved" and .approved_by == null
   and .file_type == "wav" and .mime_type == "audio/wav" and .duration_seconds == 3
   and .pages == null and .sha256 == $sha and .size == $n and (.filename | endswith(".wav"))'
record "${TOKEN[chutri]}" "$FILES/ghi-am.mp3" "title=Ghi âm phiên thảo luận $R"
assert_status "the chair uploads an MP3" 201
MP3=$(jget .id)
assert_json "… audio/mpeg" '.file_type == "mp3" and .mime_type == "audio/mpeg" and .classification == "recording"'
record "${TOKEN[vanthu]}" "$FILES/ghi-am.ogg" "title=Ghi âm Ogg $R"
assert_status "the clerk uploads an Ogg Vorbis file" 201
OGG=$(jget .id)
assert_json "… audio/ogg" '.file_type == "ogg" and .mime_type == "audio/ogg"'
record "${TOKEN[thuky]}" "$FILES/ghi-am.opus" "title=Ghi âm Opus $R"
assert_status "an Ogg Opus file" 201
assert_json "… told from Vorbis" '.file_type == "opus" and .mime_type == "audio/ogg"'
record "${TOKEN[thuky]}" "$FILES/ghi-am.flac" "title=Ghi âm FLAC $R"
assert_status "a FLAC file" 201
FLAC=$(jget .id)
assert_json "… 3 s from its STREAMINFO" '.file_type == "flac" and .mime_type == "audio/flac" and .duration_seconds == 3'
record "${TOKEN[thuky]}" "$FILES/ghi-am.webm" "title=Ghi âm từ trình duyệt $R"
assert_status "a WebM holding an audio track only (a browser's MediaRecorder)" 201
assert_json "… audio/webm" '.file_type == "webm" and .mime_type == "audio/webm"'
record "${TOKEN[thuky]}" "$FILES/dai.wav" "title=Ghi âm dài $R"
assert_status "a 2.5 MB recording: over the document limit, within the recording limit" 201
LONG=$(jget .id)
assert_json "… 80 s" '.duration_seconds == 80'
RECORDINGS=7
upload "${TOKEN[vanthu]}" "/api/v1/meetings/$M/documents" "$FILES/ke-hoach.pdf" "title=Kế hoạch $R"
assert_status "the clerk also uploads a normal document (a PDF)" 201
PDF=$(jget .id)
call POST "/api/v1/documents/$PDF/approve" "" "${TOKEN[chutri]}"
assert_status "… approved by the chair" 200

section "who fetches a recording"
for who in chutri admin; do
  call GET "/api/v1/documents/$WAV" "" "${TOKEN[$who]}"
  assert_status "$who reads the WAV's metadata" 200
  assert_json "… with its class and length" '.classification == "recording" and .duration_seconds == 3'
  download "${TOKEN[$who]}" "$WAV" "$FILES/back-$who.wav"
  assert_eq "$who downloads it" 200 "$STATUS"
  check "… byte for byte" cmp -s "$FILES/ghi-am.wav" "$FILES/back-$who.wav"
  check "… as audio/wav" grep -qi '^content-type: audio/wav' "$ENV_DIR/headers"
  check "… named .wav" grep -qi '^content-disposition: attachment; filename="[A-Za-z0-9._-]*\.wav"' "$ENV_DIR/headers"
done
download "${TOKEN[chutri]}" "$LONG" "$FILES/back-long.wav"
assert_eq "the chair downloads the long one across several pieces" \
  "$(sha256sum <"$FILES/dai.wav")" "$(sha256sum <"$FILES/back-long.wav")"
download "${TOKEN[admin]}" "$FLAC" "$FILES/back.flac"
check "the admin downloads the FLAC byte for byte" cmp -s "$FILES/ghi-am.flac" "$FILES/back.flac"
for who in thuky lanhdao daibieu1 daibieu3 vanthu; do
  call GET "/api/v1/documents/$WAV" "" "${TOKEN[$who]}"
  assert_error "$who (uploader, approver, invitee, stranger, clerk) gets 404 for the metadata" 404
  download "${TOKEN[$who]}" "$WAV" "$FILES/x"
  assert_eq "… and 404 for the content" 404 "$STATUS"
done
call GET "/api/v1/documents/$MP3" "" "${TOKEN[chutri]}"
assert_status "the chair reads the recording they uploaded" 200
call GET "/api/v1/documents/$OGG" "" "${TOKEN[vanthu]}"
assert_error "the clerk no longer reads the one they uploaded" 404

section "recordings are out of every list but the chair's and the admins'"
# listed TOKEN QUERY: GET /api/v1/documents?QUERY; IDS the ids found ("" and
# a failure when the request is refused).
listed() {
  IDS=""
  call GET "/api/v1/documents?$2" "" "$1"
  [ "$STATUS" == 200 ] && IDS=$(jget '[.items[].id] | join(" ")')
}
TITLES="q=$(jq -rn --arg q "ghi am $R" '$q|@uri')"
for who in thuky lanhdao daibieu1 vanthu; do
  if ! listed "${TOKEN[$who]}" "meeting_id=$M" ||
    [[ " $IDS " == *" $WAV "* || " $IDS " == *" $MP3 "* || " $IDS " == *" $OGG "* ]]; then
    fail "$who's list of the meeting's documents holds no recording" "$STATUS $IDS"
  else pass "$who's list of the meeting's documents holds no recording"; fi
  if listed "${TOKEN[$who]}" "$TITLES" && [ -z "$IDS" ]; then pass "… nor does a search for their titles"; else
    fail "… nor does a search for their titles" "$STATUS $IDS"
  fi
done
listed "${TOKEN[thuky]}" "meeting_id=$M"
if [[ " $IDS " == *" $PDF "* ]]; then pass "… while the secretary lists the PDF"; else
  fail "… while the secretary lists the PDF" "$IDS"
fi
listed "${TOKEN[chutri]}" "meeting_id=$M"
assert_eq "the chair lists the meeting's recordings and the PDF" $((RECORDINGS + 1)) "$(wc -w <<<"$IDS")"
listed "${TOKEN[chutri]}" "$TITLES"
assert_eq "… and finds them by their titles" $RECORDINGS "$(wc -w <<<"$IDS")"
listed "${TOKEN[admin]}" "meeting_id=$M"
assert_eq "the system admin too" $((RECORDINGS + 1)) "$(wc -w <<<"$IDS")"
call GET "/api/v1/reports/access/$M" "" "${TOKEN[chutri]}"
assert_status "the access report" 200
assert_json "… counts the PDF only" '.documents == 1 and .pages == 3'
counted() {
  call GET "/api/v1/meetings/$M" "" "${TOKEN[chutri]}"
  [ "$STATUS" == 200 ] && [ "$(jget '.documents.count')" == 1 ]
}
# The PDF's event follows the recordings' on the meeting's key: once it is
# counted, every recording event before it was seen (and left out).
check "scheduling's document count of the meeting is the PDF alone, for the chair too" wait_for 30 counted

section "a recording is not reviewed, shared, discussed or given readers"
call POST "/api/v1/documents/$WAV/approve" "" "${TOKEN[chutri]}"
assert_error "the chair cannot approve a recording" 422
call POST "/api/v1/documents/$WAV/reject" '{"reason": "Không cần"}' "${TOKEN[chutri]}"
assert_error "… nor reject it" 422
call POST "/api/v1/documents/$WAV/approve" "" "${TOKEN[lanhdao]}"
assert_error "the approver does not see it to approve" 404
call POST "/api/v1/documents/$WAV/comments" '{"text": "Góp ý"}' "${TOKEN[chutri]}"
assert_error "no comments on a recording" 422
call POST "/api/v1/documents/$WAV/comments" '{"text": "Góp ý"}' "${TOKEN[daibieu1]}"
assert_error "… and none from an invitee, who does not see it" 404
call POST /api/v1/library/shared "$(jq -cn --arg d "$WAV" '{document_id: $d}')" "${TOKEN[admin]}"
assert_error "no recording in the shared library" 422
call POST /api/v1/library/personal "$(jq -cn --arg d "$WAV" '{document_id: $d}')" "${TOKEN[chutri]}"
assert_error "… nor in a personal one" 422
call POST "/api/v1/documents/$WAV/notes" '{"text": "Phút 12: ý kiến của Sở Tài chính"}' "${TOKEN[chutri]}"
assert_status "the chair keeps a personal note on it" 201

section "recording.uploaded: the hook for speech-to-text, shown to the chair alone"
assert_eq "one recording.uploaded per recording, none as document.uploaded" "$RECORDINGS/0" \
  "$(psql_q "SELECT count (*) FILTER (WHERE type = 'recording.uploaded') || '/'
                 || count (*) FILTER (WHERE type = 'document.uploaded') FROM documents.outbox
             WHERE subject IN (SELECT id::text FROM documents.documents WHERE classification = 'recording')")"
assert_eq "… each with the chair as its audience and the meeting named" "$RECORDINGS" \
  "$(psql_q "SELECT count (*) FROM documents.outbox WHERE type = 'recording.uploaded'
             AND audience = ARRAY['${ID[chutri]}']::text[] AND meeting_id::text = '$M'")"
assert_eq "… no title in any of them" 0 \
  "$(psql_q "SELECT count (*) FROM documents.outbox WHERE type = 'recording.uploaded'
             AND position (convert_to ('Ghi âm', 'UTF8') IN payload) > 0")"
on_kafka() { [ "$(kafka_events "$EVENTS" | grep -c 'ce_type=recording.uploaded')" -ge "$RECORDINGS" ]; }
if wait_for 30 on_kafka; then pass "every recording.uploaded reaches Kafka"; else
  fail "every recording.uploaded reaches Kafka" "$(kafka_events "$EVENTS" | tail -5)"
fi
line=$(kafka_events "$EVENTS" | grep 'ce_type=recording.uploaded' | head -n 1)
FIELDS=$(kafka_value "$EVENTS" "$(cut -f1 <<<"$line")" "$(cut -f2 <<<"$line")" | pb_decode DocumentEventView | pb_fields)
assert_eq "… read with kcat: keyed by the meeting" "$M" "$(cut -f3 <<<"$line")"
assert_eq "… its audience the chair" "${ID[chutri]}" "$(pb_get audience <<<"$FIELDS")"
assert_eq "… its meeting" "$M" "$(pb_get meeting_id <<<"$FIELDS")"
assert_eq "… the recording's id, class and type in the payload" "$WAV/recording/audio/wav" \
  "$(pb_get payload.document.id <<<"$FIELDS")/$(pb_get payload.document.classification <<<"$FIELDS")/$(pb_get payload.document.mime_type <<<"$FIELDS")"
assert_eq "… and no title" "" "$(pb_get payload.document.title <<<"$FIELDS")"
check "the chair's own stream shows recording.uploaded" wait_for 20 stream_has chair_own recording.uploaded
check "… so does the chair's view of the meeting" wait_for 20 stream_has chair_meeting recording.uploaded
check "the secretary's view of the meeting shows the approved PDF" wait_for 20 stream_has secretary_meeting document.approved
if stream_has secretary_meeting recording.uploaded; then fail "… and no recording, not even their own"; else
  pass "… and no recording, not even their own"
fi
for s in chair_own chair_meeting secretary_meeting; do stream_close "$s"; done

section "bad uploads change nothing"
BEFORE=$(footprint)
record "${TOKEN[thuky]}" "$FILES/ke-hoach.pdf" "title=PDF giả làm ghi âm"
refused "a PDF as a recording" 415 unsupported_media_type
record "${TOKEN[thuky]}" "$FILES/gia-mao.pdf" "title=Văn bản"
refused "a text file as a recording" 415 unsupported_media_type
record "${TOKEN[thuky]}" "$FILES/video.webm" "title=Video"
refused "a WebM with a video track" 415 unsupported_media_type
upload "${TOKEN[thuky]}" "/api/v1/meetings/$M/documents" "$FILES/ghi-am.wav" "title=Âm thanh làm tài liệu"
refused "audio as a normal document" 415 unsupported_media_type
check "… told to send it as a recording" grep -q 'classification=recording' <<<"$BODY"
upload "${TOKEN[thuky]}" "/api/v1/meetings/$M/documents" "$FILES/ghi-am.wav" "classification=ghi-am"
refused "an unknown classification" 400
upload "${TOKEN[thuky]}" "/api/v1/meetings/$M/documents" "$FILES/dai.wav" "title=Dài" "classification=secret"
refused "the long WAV as a (secret) document: the document limit holds" 413 too_large
record "${TOKEN[thuky]}" "$FILES/qua-dai.wav" "title=Quá dài"
refused "a recording over CABINET_RECORDING_MAX_MB" 413 too_large
record "${TOKEN[thuky]}" "$FILES/ghi-am.wav" "access_user_ids=${ID[daibieu1]}"
refused "a recording with an access list" 400
record "${TOKEN[daibieu1]}" "$FILES/ghi-am.wav"
refused "an invitee may not store a recording" 403
record "${TOKEN[lanhdao]}" "$FILES/ghi-am.wav"
refused "… nor the approver" 403
record "${TOKEN[daibieu3]}" "$FILES/ghi-am.wav"
refused "someone with no part in the meeting" 404
upload "${TOKEN[thuky]}" "/api/v1/meetings/$DRAFT/documents" "$FILES/ghi-am.wav" "classification=recording"
refused "a recording of a meeting not yet approved" 409
upload "${TOKEN[vanthu]}" /api/v1/library/personal/documents "$FILES/ghi-am.wav" "classification=recording"
refused "a recording into a library" 422
assert_eq "no recording.uploaded was added by the refusals" "$RECORDINGS" \
  "$(psql_q "SELECT count (*) FROM documents.outbox WHERE type = 'recording.uploaded'")"

section "the chair marks the meeting secret (họp mật: not recorded)"
call POST "/api/v1/meetings/$M/secret" '{"secret": true}' "${TOKEN[thuky]}"
assert_error "the secretary may not" 403
call POST "/api/v1/meetings/$M/secret" '{"secret": true}' "${TOKEN[lanhdao]}"
assert_error "nor the approver" 403
call POST "/api/v1/meetings/$M/secret" '{"secret": true}' "${TOKEN[daibieu3]}"
assert_error "someone with no part in it gets 404" 404
call POST "/api/v1/meetings/$M/secret" '{}' "${TOKEN[chutri]}"
assert_error "the mark is required" 400
call POST "/api/v1/meetings/$M/secret" '{"secret": "có"}' "${TOKEN[chutri]}"
assert_error "… as a boolean" 400
UPDATED=$(psql_q "SELECT count (*) FROM scheduling.outbox WHERE type = 'meeting.updated' AND subject = '$M'")
KEY=secret-$R
call POST "/api/v1/meetings/$M/secret" '{"secret": true}' "${TOKEN[chutri]}" -H "Idempotency-Key: $KEY"
assert_status "the chair marks it secret" 200
assert_json "… secret, by the chair, now" --arg c "${ID[chutri]}" '.secret == true and .secret_by == $c and .secret_at != null'
call POST "/api/v1/meetings/$M/secret" '{"secret": true}' "${TOKEN[chutri]}" -H "Idempotency-Key: $KEY"
assert_status "the same request again (Idempotency-Key)" 200
call POST "/api/v1/meetings/$M/secret" '{"secret": true}' "${TOKEN[chutri]}"
assert_status "the same mark again, a new request: a no-op" 200
assert_eq "… one meeting.updated in all, naming secret" "$((UPDATED + 1))/1" \
  "$(psql_q "SELECT count (*) FROM scheduling.outbox WHERE type = 'meeting.updated' AND subject = '$M'")/$(
    psql_q "SELECT count (*) FROM scheduling.outbox WHERE type = 'meeting.updated' AND subject = '$M'
            AND position (convert_to ('secret', 'UTF8') IN payload) > 0")"
call GET "/api/v1/meetings/$M" "" "${TOKEN[daibieu1]}"
assert_json "the invitee sees that the meeting is secret" '.secret == true'
secret_known() { [ "$(psql_q "SELECT secret FROM documents.meetings WHERE id = '$M'")" == t ]; }
check "the documents service learns it from the meeting's event" wait_for 30 secret_known
BEFORE=$(footprint)
record "${TOKEN[thuky]}" "$FILES/ghi-am.mp3" "title=Ghi âm họp mật"
refused "a recording of the secret meeting" 422 meeting_secret
record "${TOKEN[chutri]}" "$FILES/ghi-am.mp3"
refused "… not even by the chair" 422 meeting_secret
upload "${TOKEN[thuky]}" "/api/v1/meetings/$M/documents" "$FILES/anh.jpg" "title=Ảnh hội trường $R"
assert_status "normal documents are still taken" 201
call POST "/api/v1/meetings/$M/secret" '{"secret": false}' "${TOKEN[chutri]}"
assert_status "the chair lifts the mark" 200
assert_json "… not secret, lifted by the chair" --arg c "${ID[chutri]}" '.secret == false and .secret_by == $c'
secret_lifted() { [ "$(psql_q "SELECT secret FROM documents.meetings WHERE id = '$M'")" == f ]; }
check "the documents service learns that too" wait_for 30 secret_lifted
record "${TOKEN[thuky]}" "$FILES/ghi-am.mp3" "title=Ghi âm sau khi bỏ họp mật $R"
assert_status "a recording is accepted again" 201
RECORDINGS=$((RECORDINGS + 1))

section "after the meeting"
call POST "/api/v1/meetings/$M/start" "" "${TOKEN[chutri]}"
assert_status "the chair starts the meeting" 200
call POST "/api/v1/meetings/$M/end" "" "${TOKEN[chutri]}"
assert_status "… and ends it" 200
call POST "/api/v1/meetings/$M/secret" '{"secret": true}' "${TOKEN[chutri]}"
assert_error "an ended meeting cannot be marked secret any more" 409
ended() { [ "$(psql_q "SELECT status FROM documents.meetings WHERE id = '$M'")" == ended ]; }
check "the documents service learns that it ended" wait_for 30 ended
record "${TOKEN[thuky]}" "$FILES/ghi-am.flac" "title=Ghi âm bổ sung sau cuộc họp $R"
assert_status "a recording is still stored after the end (the minutes are written from it)" 201
RECORDINGS=$((RECORDINGS + 1))
call GET "/api/v1/documents/$(jget .id)" "" "${TOKEN[chutri]}"
assert_status "… and the chair reads it" 200

section "retention: recordings are purged like other documents"
call POST "/api/v1/meetings/$M/retention-release" '{"reason": "Hết thời hạn lưu trữ"}' "${TOKEN[lanhdao]}"
assert_status "the leader releases the meeting's data" 200
psql_q "UPDATE documents.meetings SET start_at = now () - interval '8 months 2 hours',
          end_at = now () - interval '8 months', ended_at = now () - interval '8 months' WHERE id = '$M';
        UPDATE documents.documents SET created_at = now () - interval '8 months'
          WHERE meeting_id = '$M'" >/dev/null
DUE=$(psql_q "SELECT count (*) FROM documents.documents WHERE meeting_id = '$M'")
OBJECTS=$(find "$CABINET_DATA_DIR/objects" -type f | wc -l)
out=$("$CAB_BIN/cabinet-documents" purge 2>>"$ENV_LOG_DIR/purge.log")
assert_eq "the purge takes every document of the meeting" "Đã xóa $DUE" "$(printf '%s' "$out" | grep -o 'Đã xóa [0-9]*')"
assert_eq "… the $RECORDINGS recordings among them, each logged with document.purged" "$RECORDINGS/$RECORDINGS" \
  "$(psql_q "SELECT count (*) FROM documents.purge_log WHERE classification = 'recording'")/$(
    psql_q "SELECT count (*) FROM documents.outbox WHERE type = 'document.purged'
            AND position (convert_to ('recording', 'UTF8') IN payload) > 0")"
assert_eq "… none left" 0 "$(psql_q "SELECT count (*) FROM documents.documents WHERE classification = 'recording'")"
check "… their stored files removed" test "$(find "$CABINET_DATA_DIR/objects" -type f | wc -l)" -lt "$OBJECTS"
assert_eq "… every stored file now named by a document" \
  "$(psql_q "SELECT count (DISTINCT sha256) FROM documents.documents")" \
  "$(find "$CABINET_DATA_DIR/objects" -type f | wc -l)"
finish
