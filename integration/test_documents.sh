#!/usr/bin/env bash
# test_documents.sh - the documents service on a real node. A meeting is
# registered and approved through the gateway (vanthu, lanhdao) and reaches
# the documents service's projection through Kafka; then the C program
# integration/test_documents_rpc.c drives the documents RPC contract as the
# demo province's people (uploads in chunks, kinds by content, approval,
# secret mode, search, libraries, comments, notes, access report, release);
# the gateway's document routes do not exist yet. Afterwards the database,
# the data folder and the events are checked, and the retention purge is run
# on data aged past CABINET_RETENTION_MONTHS. Every check can fail.
source "$(dirname "$0")/lib.sh"

section() { printf '\n== %s\n' "$*"; }

PROGRAM=$CAB_BUILD/integration/test_documents_rpc
[ -x "$PROGRAM" ] || { log "missing $PROGRAM (run make)"; exit 2; }

export CABINET_UPLOAD_MAX_MB=1   # the size limit is reached with two chunks
env_start
EVENTS=cabinet.$CABINET_NODE_ID.events
R=$(rand_suffix)
VN() { TZ=Asia/Ho_Chi_Minh date "$@"; }
at() { VN -d "$(VN +%F) +$1 days $2" +%Y-%m-%dT%H:%M:%S%:z; }

# ---------------------------------------------------------------------------
section "a meeting, approved, in the documents projection"
login_ready ADMIN admin "$ADMIN_PASSWORD" || fail "admin signs in"
declare -A TOKEN=()
for u in vanthu lanhdao; do
  login_ready "TOKEN[$u]" "$u" "$DEMO_PASSWORD" || fail "$u signs in"
done
USERS=$(list_all /api/v1/users "$ADMIN" |
  jq -r '"\(.username) \(.id) \(.unit_id) \(.roles[0] // "member")"')
id_of() { printf '%s\n' "$USERS" | awk -v u="$1" '$1 == u { print $2 }'; }
FIN=$(unit_id "Sở Tài chính" "$ADMIN")
assert_ne "the demo accounts are known" "" "$(id_of daibieu1)$FIN"
doc_types_seeded() {
  call GET /api/v1/catalogs/doc-types "" "${TOKEN[vanthu]}"
  [ "$STATUS" == 200 ] && [ "$(jget '.items | length')" -gt 0 ]
}
wait_for 30 doc_types_seeded || fail "document types are seeded"
DOC_TYPE=$(jget '.items[0].id')

# Scheduling learns agencies and people from identity's events: wait until it knows them.
wait_for 60 scheduling_settled || fail "the demo agencies and people reach the scheduling projection"
MEETING_JSON=$(jq -cn --arg t "Họp triển khai phòng họp không giấy $R" --arg s "$(at 10 09:00)" \
  --arg e "$(at 10 11:00)" --arg c "$(id_of chutri)" --arg sec "$(id_of thuky)" \
  --arg a "$(id_of lanhdao)" --arg p "$(id_of daibieu1)" --arg f "$FIN" \
  '{title: $t, content: "Tài liệu họp", start_at: $s, end_at: $e, form: "in_person",
    type: "regular", chair_id: $c, secretary_id: $sec, approver_id: $a,
    participants: [{user_id: $p}, {unit_id: $f}]}')
call POST /api/v1/meetings "$MEETING_JSON" "${TOKEN[vanthu]}"
assert_status "the clerk registers a meeting" 201
M=$(jget .id)
call POST "/api/v1/meetings/$M/submit" "" "${TOKEN[vanthu]}"
assert_status "… submits it" 200
call POST "/api/v1/meetings/$M/approve" "" "${TOKEN[lanhdao]}"
assert_status "… the approver approves it" 200

projected() {
  [ "$(psql_q "SELECT m.published AND (SELECT count (*) FROM documents.participants p
                 WHERE p.meeting_id = m.id) = 2
               AND EXISTS (SELECT 1 FROM documents.doc_types WHERE id = '$DOC_TYPE')
               AND (SELECT count (*) FROM documents.users) >= 10
               FROM documents.meetings m WHERE m.id = '$M'")" == t ]
}
if wait_for 60 projected; then pass "the approved meeting, its invitees and the people reach the projection"; else
  fail "the approved meeting, its invitees and the people reach the projection" \
    "$(psql_q "SELECT status, published FROM documents.meetings WHERE id = '$M'")"
fi

# ---------------------------------------------------------------------------
section "the RPC contract, as the demo province's people"
RPC_LOG=$ENV_LOG_DIR/test_documents_rpc.log
DOCS_RPC="ipc://$CABINET_RUN_DIR/documents.rpc" DOCS_MEETING=$M DOCS_DOC_TYPE=$DOC_TYPE \
  DOCS_DATA_DIR=$CABINET_DATA_DIR DOCS_MAX_BYTES=$((CABINET_UPLOAD_MAX_MB * 1048576)) \
  DOCS_USERS=$USERS "$PROGRAM" >"$RPC_LOG" 2>&1
rc=$?
ran=0
while read -r verdict name; do
  ran=$((ran + 1))
  if [ "$verdict" == OK ]; then pass "$name"; else
    fail "$name" "$(grep -A 3 "RUN.*$name\$" "$RPC_LOG" | grep -E 'ERROR|LINE|error' | head -4)"
  fi
done < <(sed -nE 's/^\[ +(OK|FAILED) +\] (test_[a-z0-9_]+)$/\1 \2/p' "$RPC_LOG" | awk '!seen[$2]++')
check "the RPC program ran its tests" test "$ran" -ge 20
check "the RPC program exited 0 (status $rc)" test "$rc" -eq 0
[ "$rc" -eq 0 ] || grep -vE '"level":"(info|debug)"' "$RPC_LOG" | tail -30

# ---------------------------------------------------------------------------
section "what is left in the database, on disk and in the events"
ABANDONED=$(sed -n 's/^abandoned upload //p' "$RPC_LOG")
assert_eq "no upload is left open but the one abandoned on purpose" "$ABANDONED" \
  "$(psql_q "SELECT id FROM documents.uploads WHERE state <> 'done'")"
assert_eq "no temporary file is left but its own" "$ABANDONED.part" \
  "$(find "$CABINET_DATA_DIR/tmp" -type f -printf '%f\n')"
out=$("$CAB_BIN/cabinet-documents" clean-uploads 2>>"$ENV_LOG_DIR/clean-uploads.log")
assert_eq "an upload active within the hour is kept" "Đã dọn 0" "$(printf '%s' "$out" | grep -o 'Đã dọn [0-9]*')"
psql_q "UPDATE documents.uploads SET updated_at = now () - interval '2 hours'
        WHERE id = '$ABANDONED'" >/dev/null
touch -d '2 hours ago' "$CABINET_DATA_DIR/tmp/$ABANDONED.part"
out=$("$CAB_BIN/cabinet-documents" clean-uploads 2>>"$ENV_LOG_DIR/clean-uploads.log")
check "an upload untouched for an hour is forgotten" test -n "$(printf '%s' "$out" | grep 'Đã dọn [1-9]')"
assert_eq "… its row gone" 0 "$(psql_q "SELECT count (*) FROM documents.uploads WHERE state <> 'done'")"
assert_eq "… its temporary file gone" 0 "$(find "$CABINET_DATA_DIR/tmp" -type f | wc -l)"
assert_eq "one stored object per distinct content" \
  "$(psql_q "SELECT count (DISTINCT sha256) FROM documents.documents")" \
  "$(find "$CABINET_DATA_DIR/objects" -type f | wc -l)"
for type in document.uploaded document.approved document.rejected document.downloaded retention.released; do
  check "$type is in the outbox" test "$(psql_q "SELECT count (*) FROM documents.outbox WHERE type = '$type'")" -ge 1
done
assert_eq "a secret document's title is in no event" 0 \
  "$(psql_q "SELECT count (*) FROM documents.outbox
             WHERE position (convert_to ('phương án nhân sự', 'UTF8') IN payload) > 0")"
check "a normal document's title is" test "$(psql_q "SELECT count (*) FROM documents.outbox
             WHERE position (convert_to ('kế hoạch triển khai', 'UTF8') IN payload) > 0")" -ge 1
assert_eq "no file content is in any event" 0 \
  "$(psql_q "SELECT count (*) FROM documents.outbox
             WHERE position (convert_to ('%PDF-', 'UTF8') IN payload) > 0")"
downloaded_on_kafka() {
  kafka_events "$EVENTS" | grep -q 'ce_type=document.downloaded'
}
if wait_for 30 downloaded_on_kafka; then pass "document.downloaded reaches Kafka with its CloudEvents headers"; else
  fail "document.downloaded reaches Kafka with its CloudEvents headers"
fi

# ---------------------------------------------------------------------------
section "invitation.opened, as scheduling is to publish it (R4.5)"
# Scheduling does not emit it yet: the event is made here, in the shape it
# will have (an InvitationEvent naming the meeting and who opened it), and
# produced to the node's topic with kcat like any producer would.
octal() { od -An -v -to1 | tr -s ' \n' ' ' | sed 's/ \([0-7][0-7]*\)/\\\1/g; s/ //g'; }
PAYLOAD=$(printf 'meeting { id: "%s" }\ninvitees { kind: "user" user_id: "%s" }\n' "$M" \
  "$(id_of daibieu1)" | protoc-c -I"$CAB_ROOT/proto" --encode=cabinet.v1.InvitationEvent \
  "$CAB_ROOT/proto/cabinet/v1/scheduling.proto" | octal)
printf 'id: "%s" type: "invitation.opened" source: "%s" subject: "%s" time: "%s" service: "scheduling" schema: "cabinet.v1.InvitationEvent" payload: "%s"\n' \
  "$(cat /proc/sys/kernel/random/uuid)" "$CABINET_NODE_ID" "$M" "$(VN +%Y-%m-%dT%H:%M:%S%:z)" \
  "$PAYLOAD" | protoc-c -I"$CAB_ROOT/proto" --encode=cabinet.v1.Event \
  "$CAB_ROOT/proto/cabinet/v1/event.proto" >"$ENV_DIR/opened.bin"
kcat -P -b "$KAFKA_BOOTSTRAP" -t "$EVENTS" -k "$M" "$ENV_DIR/opened.bin" 2>/dev/null
opened() {
  [ "$(psql_q "SELECT count (*) FROM documents.invitation_opens
               WHERE meeting_id = '$M' AND user_id = '$(id_of daibieu1)'")" == 1 ]
}
if wait_for 30 opened; then pass "an opened invitation reaches the access report's data"; else
  fail "an opened invitation reaches the access report's data"
fi
assert_eq "… without touching the meeting it names" t \
  "$(psql_q "SELECT title IS NOT NULL AND chair_id IS NOT NULL FROM documents.meetings WHERE id = '$M'")"

# ---------------------------------------------------------------------------
section "retention (R5.6)"
out=$("$CAB_BIN/cabinet-documents" purge 2>>"$ENV_LOG_DIR/purge.log")
assert_eq "nothing goes before its time" "Đã xóa 0" "$(printf '%s' "$out" | grep -o 'Đã xóa [0-9]*')"
# Age the meeting and its documents past the retention.
psql_q "UPDATE documents.meetings SET start_at = now () - interval '8 months 2 hours',
          end_at = now () - interval '8 months' WHERE id = '$M';
        UPDATE documents.documents SET created_at = now () - interval '8 months'
          WHERE meeting_id = '$M'" >/dev/null
DUE=$(psql_q "SELECT count (*) FROM documents.documents d WHERE d.meeting_id = '$M'
              AND NOT EXISTS (SELECT 1 FROM documents.library_entries l
                              WHERE l.document_id = d.id AND l.kind = 'shared')")
KEPT=$(psql_q "SELECT count (*) FROM documents.documents WHERE meeting_id IS NULL OR id IN
                 (SELECT document_id FROM documents.library_entries WHERE kind = 'shared')")
check "documents are due" test "$DUE" -ge 3
out=$(CABINET_RETENTION_MONTHS=3 "$CAB_BIN/cabinet-documents" purge 2>"$ENV_LOG_DIR/purge-3.log")
rc=$?
check "a retention under six months is refused" test "$rc" -ne 0
check "… with a clear log line" grep -q 'CABINET_RETENTION_MONTHS=3' "$ENV_LOG_DIR/purge-3.log"
timeout 30 env CABINET_RETENTION_MONTHS=5 "$CAB_BIN/cabinet-documents" >"$ENV_LOG_DIR/start-5.log" 2>&1
rc=$?
check "the service refuses to start with it (status $rc)" test "$rc" -ne 0 -a "$rc" -ne 124
out=$("$CAB_BIN/cabinet-documents" purge 2>>"$ENV_LOG_DIR/purge.log")
assert_eq "the released, ended, aged documents go" "Đã xóa $DUE" \
  "$(printf '%s' "$out" | grep -o 'Đã xóa [0-9]*')"
assert_eq "… and only those" "$KEPT" "$(psql_q "SELECT count (*) FROM documents.documents")"
assert_eq "… each in the purge log" "$DUE" "$(psql_q "SELECT count (*) FROM documents.purge_log")"
assert_eq "… each with document.purged" "$DUE" \
  "$(psql_q "SELECT count (*) FROM documents.outbox WHERE type = 'document.purged'")"
assert_eq "… their stored objects removed" \
  "$(psql_q "SELECT count (DISTINCT sha256) FROM documents.documents")" \
  "$(find "$CABINET_DATA_DIR/objects" -type f | wc -l)"
check "… the access log kept" test "$(psql_q "SELECT count (*) FROM documents.access_log
                                           WHERE meeting_id = '$M'")" -ge 1

finish
