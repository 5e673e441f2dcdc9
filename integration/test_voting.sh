#!/usr/bin/env bash
# test_voting.sh - votes of a meeting (R6.3) as the demo province holds
# them, over HTTP: a meeting registered by the clerk (vanthu), approved
# (lanhdao), started by the chair (chutri), roll call by the secretary
# (thuky): daibieu1 and daibieu2 present, daibieu3 absent (allowed to vote
# remotely), daibieu4 replaced by a colleague, daibieu5 not called. Then:
#   - who may create, open and close votes (404 outside the meeting, 403 to
#     an invitee), bad input refused with nothing stored;
#   - a named vote: live tally, percentages, threshold, a second cast
#     replacing the first, concurrent casts by one person ending as one
#     ballot, Idempotency-Key, remote voters added while open, every
#     refusal leaving the tally as it was;
#   - a secret vote: receipts, a change presented with its receipt, no
#     tally before closing, and in the database no column or row linking a
#     voter to a choice (choices re-written at closing, receipts gone,
#     idempotency records forgotten);
#   - a signed vote: keys made with openssl, DER signatures with openssl
#     dgst, replays, stale times, tampered options, wrong keys refused; the
#     export of signed ballots re-verified offline by cabinet-voting
#     verify-export, and a tampered export refused;
#   - the projection: an older scheduling event does not overwrite a newer
#     one; the events (vote.*, ballot.cast) read back from Kafka, each with
#     its meeting, a secret ballot's without voter or option;
#   - a writer that took its outbox id first and commits last: a ballot
#     meanwhile is answered and published at once, the late row after it
#     (Kafka in the same order), and cabinet-voting verify-audit finds the
#     chain whole in its own order, and a changed row when there is one.
source "$(dirname "$0")/lib.sh"

section() { printf '\n== %s\n' "$*"; }

env_start
NODE=$CABINET_NODE_ID
EVENTS=cabinet.$NODE.events
R=$(rand_suffix)
KEYS=$ENV_DIR/keys
mkdir -p "$KEYS"

# ---------------------------------------------------------------------------
section "a meeting with its roll call"
login_ready ADMIN admin "$ADMIN_PASSWORD" || fail "admin signs in"
declare -A TOKEN=() ID=()
for u in vanthu lanhdao chutri thuky daibieu1 daibieu2 daibieu3 daibieu4 daibieu5 qtstttt; do
  login_ready "TOKEN[$u]" "$u" "$DEMO_PASSWORD" || fail "$u signs in"
  ID[$u]=$(psql_q "SELECT id FROM identity.users WHERE username = '$u'")
done
FIN=$(unit_id "Sở Tài chính" "$ADMIN")
# daibieu4's colleague at Sở Tài chính, who stands in for them.
call POST /api/v1/users "$(jq -cn --arg u "thaythe$R" --arg unit "$FIN" \
  '{username: $u, full_name: "Trương Văn Thay", unit_id: $unit, roles: ["member"]}')" "$ADMIN"
assert_status "admin creates daibieu4's colleague" 201
ID[thaythe]=$(jget .id)
login_ready "TOKEN[thaythe]" "thaythe$R" "$(jget .one_time_password)" || fail "the colleague signs in"
known_to_scheduling() {
  [ "$(psql_q "SELECT count (*) FROM scheduling.users WHERE id IN ('${ID[chutri]}', '${ID[thuky]}',
         '${ID[lanhdao]}', '${ID[daibieu1]}', '${ID[daibieu5]}', '${ID[thaythe]}')")" == 6 ]
}
wait_for 60 known_to_scheduling || fail "the people reach the scheduling projection"
wait_for 60 scheduling_settled || fail "the demo agencies and people reach the scheduling projection"
PARTICIPANTS=$(jq -cn --arg a "${ID[daibieu1]}" --arg b "${ID[daibieu2]}" --arg c "${ID[daibieu3]}" \
  --arg d "${ID[daibieu4]}" --arg e "${ID[daibieu5]}" '[$a, $b, $c, $d, $e] | map({user_id: .})')
MEETING_JSON=$(jq -cn --arg t "Kỳ họp thường kỳ tháng 12 $R" --arg s "$(vn_at 10 08:00)" \
  --arg e "$(vn_at 10 11:00)" --arg c "${ID[chutri]}" --arg sec "${ID[thuky]}" --arg a "${ID[lanhdao]}" \
  --argjson p "$PARTICIPANTS" '{title: $t, start_at: $s, end_at: $e, form: "in_person", type: "regular",
    chair_id: $c, secretary_id: $sec, approver_id: $a, participants: $p}')
meeting_approved M "${TOKEN[vanthu]}" "${TOKEN[lanhdao]}" "$MEETING_JSON"
meeting_status() { [ "$(psql_q "SELECT status FROM voting.meetings WHERE id = '$M'")" == "$1" ]; }
check "the voting projection knows the approved meeting" wait_for 60 meeting_status approved
check "… and its five person invitees" \
  test "$(psql_q "SELECT count (*) FROM voting.invitees WHERE meeting_id = '$M'")" == 5

# ---------------------------------------------------------------------------
section "who may create a vote, and bad input"
votes_count() { psql_q "SELECT count (*) FROM voting.votes"; }
BEFORE=$(votes_count)
call POST "/api/v1/meetings/$M/votes" '{"question": "Thông qua?"}' "${TOKEN[qtstttt]}"
assert_error "someone with no part in the meeting gets 404" 404
call POST "/api/v1/meetings/$M/votes" '{"question": "Thông qua?"}' "${TOKEN[daibieu1]}"
assert_error "an invitee who is not chair or secretary gets 403" 403
call GET "/api/v1/meetings/$M/votes" "" "${TOKEN[qtstttt]}"
assert_error "… and the list is 404 outside the meeting" 404
call POST "/api/v1/meetings/0190c0de-0000-7000-8000-00000000dead/votes" '{"question": "x"}' "${TOKEN[chutri]}"
assert_error "an unknown meeting" 404
call POST "/api/v1/meetings/khong-phai-uuid/votes" '{"question": "x"}' "${TOKEN[chutri]}"
assert_error "a malformed meeting id" 400
call POST "/api/v1/meetings/$M/votes" '{"question": "  "}' "${TOKEN[chutri]}"
assert_error "a blank question" 400
assert_json "… names the field" '.error.field == "question"'
call POST "/api/v1/meetings/$M/votes" '{"question": "Chọn?", "options": ["Một"]}' "${TOKEN[chutri]}"
assert_error "a single option" 400
call POST "/api/v1/meetings/$M/votes" '{"question": "Chọn?", "options": ["Một", "Một"]}' "${TOKEN[chutri]}"
assert_error "the same option twice" 400
call POST "/api/v1/meetings/$M/votes" '{"question": "Chọn?", "options": ["Một", "Hai\nBa"]}' "${TOKEN[chutri]}"
assert_error "an option over two lines" 400
call POST "/api/v1/meetings/$M/votes" '{"question": "Chọn?", "threshold": "unanimous"}' "${TOKEN[chutri]}"
assert_error "an unknown threshold" 400
call POST "/api/v1/meetings/$M/votes" '{"question": "Chọn?", "secret": "yes"}' "${TOKEN[chutri]}"
assert_error "secret that is not a boolean" 400
call POST "/api/v1/meetings/$M/votes" "$(jq -cn --arg u "${ID[qtstttt]}" \
  '{question: "Chọn?", remote_voter_ids: [$u]}')" "${TOKEN[chutri]}"
assert_error "a remote voter who is not invited" 422
call POST "/api/v1/meetings/$M/votes" '{"question": "Chọn?", "remote_voter_ids": ["x"]}' "${TOKEN[chutri]}"
assert_error "a malformed remote voter id" 400
assert_eq "no vote was stored by the refusals" "$BEFORE" "$(votes_count)"

call POST "/api/v1/meetings/$M/votes" "$(jq -cn --arg u "${ID[daibieu3]}" \
  '{question: "Thông qua Nghị quyết về kế hoạch chuyển đổi số năm 2027", remote_voter_ids: [$u]}')" \
  "${TOKEN[chutri]}" -H "Idempotency-Key: tao-bq-$R"
assert_status "the chair creates a named vote with daibieu3 allowed remotely" 201
V1=$(jget .id)
assert_json "… a draft with the default options, majority, the remote voter" --arg u "${ID[daibieu3]}" \
  '.status == "draft" and .options == ["Tán thành", "Không tán thành", "Không biểu quyết"]
   and .secret == false and .signature_required == false and .threshold == "majority"
   and .remote_voter_ids == [$u] and .meeting_id != null'
FIRST=$BODY
call POST "/api/v1/meetings/$M/votes" "$(jq -cn --arg u "${ID[daibieu3]}" \
  '{question: "Thông qua Nghị quyết về kế hoạch chuyển đổi số năm 2027", remote_voter_ids: [$u]}')" \
  "${TOKEN[chutri]}" -H "Idempotency-Key: tao-bq-$R"
assert_status "the same request again with its Idempotency-Key" 201
assert_eq "… answers the same vote and creates no other" "$(jq -r .id <<<"$FIRST") $((BEFORE + 1))" \
  "$(jget .id) $(votes_count)"
call POST "/api/v1/votes/$V1/open" "" "${TOKEN[chutri]}"
assert_error "a vote does not open before the meeting starts" 409

# ---------------------------------------------------------------------------
section "the meeting starts; roll call"
call POST "/api/v1/meetings/$M/start" "" "${TOKEN[chutri]}"
assert_status "the chair starts the meeting" 200
roll() { call POST "/api/v1/meetings/$M/roll-call" "$1" "${TOKEN[thuky]}"; }
roll "$(jq -cn --arg u "${ID[daibieu1]}" '{user_id: $u, status: "present"}')"
assert_status "daibieu1 present" 200
roll "$(jq -cn --arg u "${ID[daibieu2]}" '{user_id: $u, status: "present"}')"
assert_status "daibieu2 present" 200
roll "$(jq -cn --arg u "${ID[daibieu3]}" '{user_id: $u, status: "absent", reason: "Đi công tác Hà Nội"}')"
assert_status "daibieu3 absent" 200
roll "$(jq -cn --arg u "${ID[daibieu4]}" --arg s "${ID[thaythe]}" \
  '{user_id: $u, status: "substitute", reason: "Ốm", substitute_user_id: $s}')"
assert_status "daibieu4 replaced by a colleague" 200
attendance_known() {
  [ "$(psql_q "SELECT string_agg (coalesce (attendance, '-'), ',' ORDER BY user_id = '${ID[daibieu1]}' DESC,
        user_id = '${ID[daibieu2]}' DESC, user_id = '${ID[daibieu3]}' DESC, user_id = '${ID[daibieu4]}' DESC)
        || ':' || coalesce (max (substitute_user_id::text), '')
        FROM voting.invitees WHERE meeting_id = '$M'")" == "present,present,absent,substitute,-:${ID[thaythe]}" ]
}
if wait_for 60 attendance_known && meeting_status in_progress; then
  pass "the voting projection knows the meeting in progress and the attendance"
else
  fail "the voting projection knows the meeting in progress and the attendance" \
    "$(psql_q "SELECT user_id, attendance, substitute_user_id FROM voting.invitees WHERE meeting_id = '$M'")"
fi

# ---------------------------------------------------------------------------
section "a named vote"
call POST "/api/v1/votes/$V1/open" "" "${TOKEN[daibieu1]}"
assert_error "an invitee cannot open a vote" 403
call POST "/api/v1/votes/$V1/open" "" "${TOKEN[qtstttt]}"
assert_error "someone outside the meeting gets 404" 404
call POST "/api/v1/votes/$V1/open" "" "${TOKEN[thuky]}"
assert_status "the secretary opens it" 200
assert_json "… who may vote is fixed: two present, the substitute, the remote member" \
  '.status == "open" and .members == 5 and .present == 3 and .eligible == 4 and .voted == 0
   and .opened_at != null and .tally_visible == true and ([.tally[].count] == [0, 0, 0])'
call POST "/api/v1/votes/$V1/open" "" "${TOKEN[thuky]}"
assert_error "opening twice" 409

# ballot VOTE TOKEN JSON [CURL ARGS...]
ballot() { call POST "/api/v1/votes/$1/ballots" "$3" "$2" "${@:4}"; }
opt() { jq -cn --arg o "$1" '{option: $o}'; }
jcompact() { printf '%s' "$BODY" | jq -c "$1"; }
tally() { call GET "/api/v1/votes/$1" "" "${TOKEN[chutri]}"; jcompact '[[.tally[] | [.option, .count]], .voted]'; }

ballot "$V1" "${TOKEN[daibieu1]}" "$(opt "Tán thành")"
assert_status "daibieu1 votes" 200
assert_json "… the ballot as recorded" '.option == "Tán thành" and .replaced == false and .voted == 1 and .receipt == null'
call GET "/api/v1/votes/$V1" "" "${TOKEN[daibieu2]}"
assert_json "the tally of a named vote is live for every invitee" \
  '.tally[0] == {"option": "Tán thành", "count": 1, "percent_of_eligible": 25, "percent_of_present": 33.33}
   and .caller_eligible == true and .caller_voted == false and .caller_option == null'
ballot "$V1" "${TOKEN[daibieu2]}" "$(opt "Không tán thành")"
assert_status "daibieu2 votes" 200
ballot "$V1" "${TOKEN[thaythe]}" "$(opt "Tán thành")"
assert_status "the substitute votes in daibieu4's place" 200
ballot "$V1" "${TOKEN[daibieu3]}" "$(opt "Tán thành")" -H "Idempotency-Key: phieu-db3-$R"
assert_status "daibieu3 votes remotely" 200
ballot "$V1" "${TOKEN[daibieu3]}" "$(opt "Tán thành")" -H "Idempotency-Key: phieu-db3-$R"
assert_status "… the same request again with its Idempotency-Key" 200
assert_json "… answers the first reply (not a replacement)" '.replaced == false and .voted == 4'
ballot "$V1" "${TOKEN[daibieu3]}" "$(opt "Không tán thành")" -H "Idempotency-Key: phieu-db3-$R"
assert_error "… the key with another ballot" 422
ballot "$V1" "${TOKEN[daibieu1]}" "$(opt "Không biểu quyết")"
assert_status "daibieu1 changes their ballot while the vote is open" 200
assert_json "… it replaces the first" '.replaced == true and .voted == 4'
call GET "/api/v1/votes/$V1" "" "${TOKEN[daibieu1]}"
assert_json "the tally: counts, percentages of eligible and present, threshold" \
  '[.tally[] | [.option, .count, .percent_of_eligible, .percent_of_present]] ==
     [["Tán thành", 2, 50, 66.67], ["Không tán thành", 1, 25, 33.33], ["Không biểu quyết", 1, 25, 33.33]]
   and .voted == 4 and .eligible == 4 and .threshold_met == false
   and .caller_voted == true and .caller_option == "Không biểu quyết"'
T_BEFORE=$(tally "$V1")

ballot "$V1" "${TOKEN[daibieu5]}" "$(opt "Tán thành")"
assert_error "a member who is not present and not allowed remotely" 403
assert_json "… says why" '.error.code == "not_eligible"'
ballot "$V1" "${TOKEN[qtstttt]}" "$(opt "Tán thành")"
assert_error "someone outside the meeting" 404
ballot "$V1" "${TOKEN[daibieu2]}" "$(opt "Đồng ý")"
assert_error "an option the vote does not offer" 400
assert_json "… names the field" '.error.field == "option" and .error.code == "option_not_offered"'
ballot "$V1" "${TOKEN[daibieu2]}" '{}'
assert_error "no option" 400
ballot "$V1" "${TOKEN[daibieu2]}" '{"option": "Tán thành", "signature": "AAAA", "signed_at": "2026-12-01T08:00:00+07:00"}'
assert_error "a signature on a vote that asks for none" 400
ballot "$V1" "${TOKEN[daibieu2]}" '{"option": "Tán thành", "receipt": "abc"}'
assert_error "a receipt on a named vote" 400
ballot "$V1" "${TOKEN[daibieu2]}" '{"option": "Tán thành", "nonsense": 1}'
assert_error "an unknown field" 400
assert_eq "the tally is untouched by every refusal" "$T_BEFORE" "$(tally "$V1")"

# Concurrent casts by one person: exactly one ballot remains.
RACERS=()
for i in 1 2 3 4 5 6 7 8; do
  o=$([ $((i % 2)) == 0 ] && echo "Tán thành" || echo "Không tán thành")
  curl -s -o /dev/null -w '%{http_code}\n' -X POST -H "Authorization: Bearer ${TOKEN[daibieu2]}" \
    -H 'Content-Type: application/json' --data-binary "$(opt "$o")" \
    "$BASE_URL/api/v1/votes/$V1/ballots" >"$ENV_DIR/race.$i" &
  RACERS+=($!)
done
wait "${RACERS[@]}"
assert_eq "eight concurrent casts by daibieu2 all succeed" "200 200 200 200 200 200 200 200" \
  "$(cat "$ENV_DIR"/race.* | tr '\n' ' ' | sed 's/ $//')"
assert_eq "… and leave exactly one ballot" 1 \
  "$(psql_q "SELECT count (*) FROM voting.ballots WHERE vote_id = '$V1' AND voter_id = '${ID[daibieu2]}'")"
call GET "/api/v1/votes/$V1" "" "${TOKEN[chutri]}"
assert_json "… counted once" '.voted == 4 and ([.tally[].count] | add) == 4'

# A burst of ballots at once, as a room votes: they are written together
# (one transaction for whoever casts at the same moment), yet each is judged
# and answered as if alone, and the refused ones change nothing.
BURST_FROM=$(psql_q "SELECT coalesce (max (id), 0) FROM voting.outbox")
burst() { # N USER VOTE OPTION
  curl -s -o /dev/null -w "$2 %{http_code}\n" -X POST -H "Authorization: Bearer ${TOKEN[$2]}" \
    -H 'Content-Type: application/json' --data-binary "$(opt "$4")" \
    "$BASE_URL/api/v1/votes/$3/ballots" >"$ENV_DIR/burst.$1" &
  RACERS+=($!)
}
RACERS=()
burst 1 daibieu1 "$V1" "Tán thành"
burst 2 daibieu2 "$V1" "Không tán thành"
burst 3 daibieu2 "$V1" "Không tán thành"
burst 4 daibieu2 "$V1" "Không tán thành"
burst 5 thaythe "$V1" "Không biểu quyết"
burst 6 daibieu3 "$V1" "Tán thành"
burst 7 daibieu5 "$V1" "Tán thành"
burst 8 qtstttt "$V1" "Tán thành"
burst 9 daibieu1 "$V1" "Đồng ý"
burst 10 daibieu2 0190c0de-0000-7000-8000-00000000beef "Tán thành"
wait "${RACERS[@]}"
assert_eq "a burst of ten ballots: each answered as if alone" \
  "daibieu1 200|daibieu2 200|daibieu2 200|daibieu2 200|thaythe 200|daibieu3 200|daibieu5 403|qtstttt 404|daibieu1 400|daibieu2 404" \
  "$(for i in $(seq 1 10); do cat "$ENV_DIR/burst.$i"; done | paste -sd '|')"
call GET "/api/v1/votes/$V1" "" "${TOKEN[chutri]}"
assert_json "… the tally holds each voter's ballot once, the refused ones nowhere" \
  '[.tally[] | [.option, .count]] == [["Tán thành", 2], ["Không tán thành", 1], ["Không biểu quyết", 1]]
   and .voted == 4'
assert_eq "… one ballot.cast per accepted ballot" 6 \
  "$(psql_q "SELECT count (*) FROM voting.outbox WHERE type = 'ballot.cast' AND id > $BURST_FROM")"
note "the burst's six ballots were written in $(psql_q "SELECT count (DISTINCT xmin::text) FROM voting.outbox
  WHERE type = 'ballot.cast' AND id > $BURST_FROM") transaction(s)"

call POST "/api/v1/votes/$V1/remote-voters" "$(jq -cn --arg u "${ID[daibieu1]}" '{user_ids: [$u]}')" \
  "${TOKEN[chutri]}"
assert_error "a present member is not a remote voter" 422
call POST "/api/v1/votes/$V1/remote-voters" '{"user_ids": []}' "${TOKEN[chutri]}"
assert_error "an empty list of remote voters" 400
call POST "/api/v1/votes/$V1/remote-voters" "$(jq -cn --arg u "${ID[daibieu5]}" '{user_ids: [$u]}')" \
  "${TOKEN[daibieu2]}"
assert_error "an invitee cannot allow remote voting" 403
call POST "/api/v1/votes/$V1/remote-voters" "$(jq -cn --arg u "${ID[daibieu5]}" '{user_ids: [$u]}')" \
  "${TOKEN[chutri]}"
assert_status "the chair allows daibieu5 to vote remotely while the vote is open" 200
assert_json "… who may vote at once" '.eligible == 5 and (.remote_voter_ids | length) == 2'
ballot "$V1" "${TOKEN[daibieu5]}" "$(opt "Tán thành")"
assert_status "daibieu5 votes remotely" 200

call POST "/api/v1/votes/$V1/close" "" "${TOKEN[daibieu1]}"
assert_error "an invitee cannot close a vote" 403
call POST "/api/v1/votes/$V1/close" "" "${TOKEN[chutri]}"
assert_status "the chair closes the vote" 200
assert_json "… the final result" '.status == "closed" and .closed_at != null and .voted == 5
   and ([.tally[].count] | add) == 5 and .tally_visible == true'
FINAL_V1=$(jcompact '[.tally[] | [.option, .count]]')
ballot "$V1" "${TOKEN[daibieu2]}" "$(opt "Tán thành")"
assert_error "a ballot after closing" 409
assert_json "… says the vote is not open" '.error.code == "vote_not_open"'
call POST "/api/v1/votes/$V1/close" "" "${TOKEN[chutri]}"
assert_error "closing twice" 409
call POST "/api/v1/votes/$V1/open" "" "${TOKEN[chutri]}"
assert_error "a closed vote does not open again" 409
call GET "/api/v1/votes/$V1" "" "${TOKEN[daibieu5]}"
assert_eq "the result stays as closed" "$FINAL_V1" "$(jcompact '[.tally[] | [.option, .count]]')"

# ---------------------------------------------------------------------------
section "a secret vote"
call POST "/api/v1/meetings/$M/votes" "$(jq -cn --arg u "${ID[daibieu3]}" '{question: "Bầu trưởng ban (bỏ phiếu kín)",
  options: ["Ông Nguyễn Văn An", "Bà Trần Thị Bình"], secret: true, threshold: "two_thirds", remote_voter_ids: [$u]}')" \
  "${TOKEN[thuky]}"
assert_status "the secretary creates a secret vote" 201
V2=$(jget .id)
call GET "/api/v1/votes/$V2/close" "" "${TOKEN[thuky]}"
assert_status "GET on a POST-only path: 405" 405
call POST "/api/v1/votes/$V2/close" "" "${TOKEN[thuky]}"
assert_error "closing a vote that never opened" 409
ballot "$V2" "${TOKEN[daibieu1]}" "$(opt "Ông Nguyễn Văn An")"
assert_error "a ballot before the vote opens" 409
call POST "/api/v1/votes/$V2/open" "" "${TOKEN[thuky]}"
assert_status "… opened" 200
ballot "$V2" "${TOKEN[daibieu1]}" "$(opt "Ông Nguyễn Văn An")"
assert_status "daibieu1 votes in secret" 200
assert_json "… and gets a receipt" '(.receipt | type == "string" and length >= 40) and .replaced == false'
RECEIPT1=$(jget .receipt)
ballot "$V2" "${TOKEN[daibieu1]}" "$(opt "Bà Trần Thị Bình")"
assert_error "a second ballot without the receipt" 409
assert_json "… says so" '.error.code == "already_voted"'
ballot "$V2" "${TOKEN[daibieu1]}" "$(jq -cn '{option: "Bà Trần Thị Bình", receipt: "sai-ma-bien-nhan"}')"
assert_error "a wrong receipt" 400
ballot "$V2" "${TOKEN[daibieu1]}" "$(jq -cn --arg r "$RECEIPT1" '{option: "Bà Trần Thị Bình", receipt: $r}')"
assert_status "daibieu1 changes the choice with the receipt" 200
assert_json "… replaced, no new receipt" '.replaced == true and .receipt == null and .voted == 1'
ballot "$V2" "${TOKEN[daibieu2]}" "$(opt "Bà Trần Thị Bình")" -H "Idempotency-Key: kin-db2-$R"
assert_status "daibieu2 votes" 200
RECEIPT2=$(jget .receipt)
ballot "$V2" "${TOKEN[daibieu2]}" "$(opt "Bà Trần Thị Bình")" -H "Idempotency-Key: kin-db2-$R"
assert_json "… a retry with its Idempotency-Key gets the same receipt" --arg r "$RECEIPT2" '.receipt == $r'
ballot "$V2" "${TOKEN[daibieu2]}" "$(jq -cn --arg r "$RECEIPT1" '{option: "Ông Nguyễn Văn An", receipt: $r}')"
assert_status "(a receipt changes the choice it belongs to, whoever presents it)" 200
ballot "$V2" "${TOKEN[daibieu1]}" "$(jq -cn --arg r "$RECEIPT1" '{option: "Bà Trần Thị Bình", receipt: $r}')"
assert_status "daibieu1 sets it back" 200
ballot "$V2" "${TOKEN[thaythe]}" "$(opt "Bà Trần Thị Bình")"
assert_status "the substitute votes" 200
ballot "$V2" "${TOKEN[daibieu3]}" "$(opt "Ông Nguyễn Văn An")"
assert_status "daibieu3 votes remotely" 200
call GET "/api/v1/votes/$V2" "" "${TOKEN[chutri]}"
assert_json "while open: how many voted, never the tally" \
  '.voted == 4 and .eligible == 4 and .tally == [] and .tally_visible == false and .threshold_met == false'
call GET "/api/v1/votes/$V2" "" "${TOKEN[daibieu1]}"
assert_json "… a voter sees that they voted, not a recorded choice" '.caller_voted == true and .caller_option == null'
assert_eq "while open the choices carry receipts' hashes only" "4 4 0" \
  "$(psql_q "SELECT count (*), count (receipt_hash), (SELECT count (*) FROM voting.ballots WHERE vote_id = '$V2')
             FROM voting.secret_choices WHERE vote_id = '$V2'" | tr '|' ' ')"
call POST "/api/v1/votes/$V2/close" "" "${TOKEN[chutri]}"
assert_status "the chair closes the secret vote" 200
assert_json "… the tally now: 3 of 5 members is short of two thirds" \
  '[.tally[] | [.option, .count]] == [["Ông Nguyễn Văn An", 1], ["Bà Trần Thị Bình", 3]]
   and .tally_visible == true and .threshold_met == false and .members == 5'
ballot "$V2" "${TOKEN[daibieu1]}" "$(jq -cn --arg r "$RECEIPT1" '{option: "Ông Nguyễn Văn An", receipt: $r}')"
assert_error "no change after closing, receipt or not" 409

# Nothing in the schema links a voter to a choice. Tables only: a view
# (outbox_unsent) shows nothing its tables do not hold.
COLUMNS=$(psql_q "SELECT c.table_name || '.' || c.column_name FROM information_schema.columns c
                  JOIN information_schema.tables t USING (table_schema, table_name)
                  WHERE c.table_schema = 'voting' AND t.table_type = 'BASE TABLE' ORDER BY 1")
tables_with() { # REGEX: tables having a column whose name matches
  printf '%s\n' "$COLUMNS" | awk -F. -v re="$1" '$2 ~ re { print $1 }' | sort -u
}
PEOPLE=$(tables_with '^(voter_id|user_id|member_id|caller_id|created_by|opened_by|closed_by|added_by|actor_id)$')
CHOICES=$(tables_with '^(option_index|option|reply|payload)$')
assert_eq "the only table with both a person and a choice is ballots (named votes) - and outbox/idempotency, checked below" \
  "ballots idempotency outbox" "$(comm -12 <(echo "$PEOPLE") <(echo "$CHOICES") | tr '\n' ' ' | sed 's/ $//')"
assert_eq "secret_choices: a random id, the vote, the option, a receipt hash - no person, no time" \
  "secret_choices.id secret_choices.option_index secret_choices.receipt_hash secret_choices.vote_id" \
  "$(printf '%s\n' "$COLUMNS" | grep '^secret_choices\.' | tr '\n' ' ' | sed 's/ $//')"
assert_eq "participation: who voted, nothing of what" \
  "participation.last_signed_at participation.vote_id participation.voter_id" \
  "$(printf '%s\n' "$COLUMNS" | grep '^participation\.' | tr '\n' ' ' | sed 's/ $//')"
assert_eq "the secret vote has no named ballots" 0 \
  "$(psql_q "SELECT count (*) FROM voting.ballots WHERE vote_id = '$V2'")"
assert_eq "its idempotency records (choice and receipt) are gone" 0 \
  "$(psql_q "SELECT count (*) FROM voting.idempotency WHERE scope = '$V2' OR method = 'voting.CastBallot'
             AND caller_id = '${ID[daibieu2]}' AND key = 'kin-db2-$R'")"
assert_eq "its ballot.cast outbox rows name nobody" 0 \
  "$(psql_q "SELECT count (*) FROM voting.outbox WHERE type = 'ballot.cast' AND subject = '$V2' AND actor_id IS NOT NULL")"
assert_eq "after closing: one row per ballot, no receipts, random (v4) ids, all written by one transaction" \
  "4 0 4 1" \
  "$(psql_q "SELECT count (*), count (receipt_hash), count (*) FILTER (WHERE substr (id::text, 15, 1) = '4'),
             count (DISTINCT xmin::text) FROM voting.secret_choices WHERE vote_id = '$V2'" | tr '|' ' ')"
XMIN_CLOSE=$(psql_q "SELECT DISTINCT xmin::text FROM voting.secret_choices WHERE vote_id = '$V2'")
XMIN_VOTERS=$(psql_q "SELECT string_agg (DISTINCT xmin::text, ',') FROM voting.participation WHERE vote_id = '$V2'")
check "… a transaction none of the ballots ran in" \
  bash -c "[[ ,$XMIN_VOTERS, != *,$XMIN_CLOSE,* ]]"

# ---------------------------------------------------------------------------
section "signing keys"
mkkey() { openssl ecparam -name prime256v1 -genkey -noout -out "$KEYS/$1.pem" 2>/dev/null; }
spki_b64() { openssl ec -in "$KEYS/$1.pem" -pubout -outform DER 2>/dev/null | base64 -w0; }
for k in daibieu1 daibieu2 daibieu3 thaythe; do mkkey "$k"; done
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$KEYS/rsa.pem" 2>/dev/null
openssl ecparam -name secp384r1 -genkey -noout -out "$KEYS/p384.pem" 2>/dev/null
key_json() { jq -cn --arg k "$1" --arg l "${2:-}" '{public_key: $k} + (if $l == "" then {} else {label: $l} end)'; }
call POST /api/v1/me/signing-keys "$(key_json "$(spki_b64 daibieu1)" "Máy tính bảng")" "${TOKEN[daibieu1]}"
assert_status "daibieu1 registers a P-256 key (base64 SPKI DER, as WebCrypto exports it)" 201
assert_json "… its fingerprint is the SHA-256 of the DER key" \
  --arg f "$(openssl ec -in "$KEYS/daibieu1.pem" -pubout -outform DER 2>/dev/null | sha256sum | cut -d' ' -f1)" \
  '.fingerprint == $f and .algorithm == "ECDSA-P256-SHA256" and .label == "Máy tính bảng"'
call POST /api/v1/me/signing-keys "$(key_json "$(spki_b64 daibieu1)")" "${TOKEN[daibieu1]}"
assert_error "the same key twice" 409
call POST /api/v1/me/signing-keys "$(key_json "$(spki_b64 daibieu1)")" "${TOKEN[daibieu2]}"
assert_error "someone else's key" 409
call POST /api/v1/me/signing-keys "$(key_json "$(openssl pkey -in "$KEYS/rsa.pem" -pubout -outform DER 2>/dev/null | base64 -w0)")" "${TOKEN[daibieu2]}"
assert_error "an RSA key" 400
call POST /api/v1/me/signing-keys "$(key_json "$(openssl ec -in "$KEYS/p384.pem" -pubout -outform DER 2>/dev/null | base64 -w0)")" "${TOKEN[daibieu2]}"
assert_error "a P-384 key" 400
call POST /api/v1/me/signing-keys "$(key_json "không phải khóa")" "${TOKEN[daibieu2]}"
assert_error "not a key" 400
assert_json "… names the field" '.error.field == "public_key"'
call POST /api/v1/me/signing-keys "$(key_json "$(spki_b64 daibieu2)")" "${TOKEN[daibieu2]}"
assert_status "daibieu2 registers a key" 201
call POST /api/v1/me/signing-keys "$(key_json "$(openssl ec -in "$KEYS/daibieu3.pem" -pubout 2>/dev/null)")" "${TOKEN[daibieu3]}"
assert_status "daibieu3 registers a key as PEM" 201
call GET /api/v1/me/signing-keys "" "${TOKEN[daibieu1]}"
assert_status "daibieu1 lists their keys" 200
assert_json "… their own only" '(.items | length) == 1 and .items[0].label == "Máy tính bảng"'

# ---------------------------------------------------------------------------
section "a signed vote"
call POST "/api/v1/meetings/$M/votes" "$(jq -cn --arg u "${ID[daibieu3]}" '{question: "Thông qua dự toán ngân sách 2027",
  signature_required: true, remote_voter_ids: [$u]}')" "${TOKEN[chutri]}"
assert_status "the chair creates a vote that requires signatures" 201
V3=$(jget .id)
call POST "/api/v1/votes/$V3/open" "" "${TOKEN[chutri]}"
assert_status "… opened" 200
canonical() { printf 'cabinet-ballot-v1\n%s\n%s\n%s\n%s' "$V3" "$1" "$2" "$3"; } # OPTION VOTER SIGNED_AT
sign() { canonical "$2" "$3" "$4" | openssl dgst -sha256 -sign "$KEYS/$1.pem" | base64 -w0; } # KEY OPTION VOTER SIGNED_AT
signed_ballot() { jq -cn --arg o "$1" --arg s "$2" --arg t "$3" '{option: $o, signature: $s, signed_at: $t}'; }
vn_time() { TZ=Asia/Ho_Chi_Minh date -d "@$1" +%Y-%m-%dT%H:%M:%S%:z; }
NOW=$(date +%s)
T1=$(vn_time $((NOW - 5)))
ballot "$V3" "${TOKEN[daibieu1]}" "$(opt "Tán thành")"
assert_error "a ballot without its signature" 400
assert_json "… says a signature is required" '.error.code == "signature_required"'
SIG=$(sign daibieu1 "Tán thành" "${ID[daibieu1]}" "$T1")
ballot "$V3" "${TOKEN[daibieu1]}" "$(signed_ballot "Tán thành" "$SIG" "$T1")"
assert_status "daibieu1 casts a ballot signed with openssl dgst (DER)" 200
assert_json "… verified" --arg t "$T1" '.signed == true and .signed_at == $t'
T_BEFORE=$(tally "$V3")
ballot "$V3" "${TOKEN[daibieu1]}" "$(signed_ballot "Tán thành" "$SIG" "$T1")"
assert_error "the same signed ballot again (a replay)" 409
assert_json "… says so" '.error.code == "signature_replayed"'
TOLD=$(vn_time $((NOW - 600)))
ballot "$V3" "${TOKEN[daibieu2]}" "$(signed_ballot "Tán thành" "$(sign daibieu2 "Tán thành" "${ID[daibieu2]}" "$TOLD")" "$TOLD")"
assert_error "a ballot signed ten minutes ago" 400
assert_json "… says the time is off" '.error.code == "signature_stale" and .error.field == "signed_at"'
T2=$(vn_time $((NOW - 3)))
ballot "$V3" "${TOKEN[daibieu2]}" "$(signed_ballot "Không tán thành" "$(sign daibieu2 "Tán thành" "${ID[daibieu2]}" "$T2")" "$T2")"
assert_error "a signature over another option (tampered)" 400
assert_json "… says the signature is invalid" '.error.code == "signature_invalid"'
ballot "$V3" "${TOKEN[daibieu2]}" "$(signed_ballot "Tán thành" "$(sign daibieu1 "Tán thành" "${ID[daibieu2]}" "$T2")" "$T2")"
assert_error "a signature by someone else's key" 400
ballot "$V3" "${TOKEN[daibieu2]}" "$(signed_ballot "Tán thành" "$(sign daibieu2 "Tán thành" "${ID[daibieu1]}" "$T2")" "$T2")"
assert_error "a signature made for another voter" 400
ballot "$V3" "${TOKEN[daibieu2]}" "$(signed_ballot "Tán thành" "$(sign daibieu2 "Tán thành" "${ID[daibieu2]}" "$T2")" "ngày mai")"
assert_error "a signing time that is not RFC 3339" 400
ballot "$V3" "${TOKEN[thaythe]}" "$(signed_ballot "Tán thành" "$(sign thaythe "Tán thành" "${ID[thaythe]}" "$T2")" "$T2")"
assert_error "a voter without a registered key" 422
assert_json "… says so" '.error.code == "no_signing_key"'
assert_eq "the tally is untouched by every refusal" "$T_BEFORE" "$(tally "$V3")"

ballot "$V3" "${TOKEN[daibieu2]}" "$(signed_ballot "Không tán thành" "$(sign daibieu2 "Không tán thành" "${ID[daibieu2]}" "$T2")" "$T2")"
assert_status "daibieu2 casts a signed ballot" 200
call POST /api/v1/me/signing-keys "$(key_json "$(spki_b64 thaythe)")" "${TOKEN[thaythe]}"
assert_status "the substitute registers a key" 201
ballot "$V3" "${TOKEN[thaythe]}" "$(signed_ballot "Tán thành" "$(sign thaythe "Tán thành" "${ID[thaythe]}" "$T2")" "$T2")"
assert_status "… and casts a signed ballot" 200
ballot "$V3" "${TOKEN[daibieu3]}" "$(signed_ballot "Tán thành" "$(sign daibieu3 "Tán thành" "${ID[daibieu3]}" "$T2")" "$T2")"
assert_status "daibieu3 casts a signed ballot remotely" 200
T3=$(vn_time $((NOW - 1)))
ballot "$V3" "${TOKEN[daibieu1]}" "$(signed_ballot "Không biểu quyết" "$(sign daibieu1 "Không biểu quyết" "${ID[daibieu1]}" "$T3")" "$T3")"
assert_status "daibieu1 signs a new ballot later: it replaces the first" 200
assert_json "… replaced" '.replaced == true'
ballot "$V3" "${TOKEN[daibieu1]}" "$(signed_ballot "Tán thành" "$SIG" "$T1")"
assert_error "the older signed ballot cannot come back" 409
call GET "/api/v1/votes/$V3/ballots/export" "" "${TOKEN[chutri]}"
assert_error "no export while the vote is open" 409
call POST "/api/v1/votes/$V3/close" "" "${TOKEN[chutri]}"
assert_status "the chair closes the signed vote" 200
assert_json "… 2 of 5 members do not make a majority" \
  '[.tally[].count] == [2, 1, 1] and .threshold_met == false'

call GET "/api/v1/votes/$V3/ballots/export" "" "${TOKEN[daibieu1]}"
assert_error "an invitee cannot export the ballots" 403
call GET "/api/v1/votes/$V2/ballots/export" "" "${TOKEN[chutri]}"
assert_error "a secret vote keeps no signatures to export" 422
call GET "/api/v1/votes/$V1/ballots/export" "" "${TOKEN[chutri]}"
assert_error "a vote without signatures has none to export" 422
call GET "/api/v1/votes/$V3/ballots/export" "" "${TOKEN[thuky]}"
assert_status "the secretary exports the signed ballots" 200
assert_json "… every ballot with its canonical string, signature and public key" \
  --arg v "$V3" --arg k "$(spki_b64 daibieu1)" --arg u "${ID[daibieu1]}" \
  '.format == "cabinet-ballot-v1" and .vote.id == $v and (.ballots | length) == 4
   and (.ballots[] | select(.voter_id == $u) | .public_key == $k and .option == "Không biểu quyết"
        and (.canonical | startswith("cabinet-ballot-v1\n" + $v + "\nKhông biểu quyết\n" + $u + "\n")))'
printf '%s' "$BODY" >"$ENV_DIR/export.json"
if "$CAB_BIN/cabinet-voting" verify-export "$ENV_DIR/export.json" >"$ENV_DIR/verify.out" 2>&1; then
  pass "cabinet-voting verify-export re-verifies every signature offline"
else
  fail "cabinet-voting verify-export re-verifies every signature offline" "$(cat "$ENV_DIR/verify.out")"
fi
jq --arg u "${ID[daibieu2]}" '(.ballots[] | select(.voter_id == $u)) |= (.option = "Tán thành"
  | .canonical |= sub("Không tán thành"; "Tán thành"))' "$ENV_DIR/export.json" >"$ENV_DIR/forged.json"
"$CAB_BIN/cabinet-voting" verify-export "$ENV_DIR/forged.json" >"$ENV_DIR/verify.out" 2>&1
assert_eq "… and refuses an export where one ballot's option was changed (exit 1)" 1 "$?"
check "… naming the ballot" grep -q "SAI  ${ID[daibieu2]}" "$ENV_DIR/verify.out"
"$CAB_BIN/cabinet-voting" verify-export "$ENV_DIR/khong-co.json" >/dev/null 2>&1
assert_eq "… and a file that is not an export (exit 2)" 2 "$?"

call GET "/api/v1/meetings/$M/votes" "" "${TOKEN[daibieu5]}"
assert_status "an invitee lists the meeting's votes" 200
assert_json "… all three, oldest first, as they stand" --arg a "$V1" --arg b "$V2" --arg c "$V3" \
  '[.items[].id] == [$a, $b, $c] and ([.items[].status] | unique) == ["closed"] and .next == null'

# ---------------------------------------------------------------------------
section "the projection keeps the newer attendance"
cat >"$ENV_DIR/views.proto" <<'PROTO'
syntax = "proto2";
package cabinet.votetest;
import "cabinet/v1/scheduling.proto";
import "cabinet/v1/voting.proto";
message AttendanceView { optional string id = 1; optional string type = 2; optional string source = 3;
  optional string subject = 4; optional string time = 5; optional uint64 sequence = 6;
  optional string schema = 7; optional cabinet.v1.AttendanceEvent payload = 8; repeated string target_nodes = 9;
  optional string actor_id = 10; optional string service = 11; optional string meeting_id = 12; }
message VoteView { optional string id = 1; optional string type = 2; optional string source = 3;
  optional string subject = 4; optional string time = 5; optional uint64 sequence = 6;
  optional string schema = 7; optional cabinet.v1.VoteEvent payload = 8; repeated string target_nodes = 9;
  optional string actor_id = 10; optional string service = 11; optional string meeting_id = 12; }
message BallotView { optional string id = 1; optional string type = 2; optional string source = 3;
  optional string subject = 4; optional string time = 5; optional uint64 sequence = 6;
  optional string schema = 7; optional cabinet.v1.BallotEvent payload = 8; repeated string target_nodes = 9;
  optional string actor_id = 10; optional string service = 11; optional string meeting_id = 12; }
PROTO
views() { protoc-c -I"$CAB_ROOT/proto" -I"$ENV_DIR" "$@" "$ENV_DIR/views.proto"; }
PARTICIPANT1=$(psql_q "SELECT id FROM voting.invitees WHERE meeting_id = '$M' AND user_id = '${ID[daibieu1]}'")
# A stale attendance.recorded (sequence 1) saying daibieu1 was absent, from
# this node's scheduling, as a redelivery from long ago would look.
views --encode=cabinet.votetest.AttendanceView >"$ENV_DIR/stale.bin" <<EOF
id: "0190c0de-0000-7000-b000-$(printf '%012x' $((RANDOM * 32768 + RANDOM)))" type: "attendance.recorded"
source: "$NODE" subject: "$M" sequence: 1 service: "scheduling" schema: "cabinet.v1.AttendanceEvent"
payload { meeting { id: "$M" status: "approved" chair_id: "${ID[chutri]}" secretary_id: "${ID[thuky]}" }
  participant { id: "$PARTICIPANT1" kind: "user" user_id: "${ID[daibieu1]}" attendance: "absent" } }
EOF
kcat -P -b "$KAFKA_BOOTSTRAP" -t "$EVENTS" -k "$M" "$ENV_DIR/stale.bin" 2>/dev/null
consumed() { [ "$(psql_q "SELECT count (*) FROM voting.inbox WHERE event_id LIKE '0190c0de-0000-7000-b000-%'")" -ge 1 ]; }
check "the voting service consumes the stale event" wait_for 30 consumed
assert_eq "… and keeps the newer attendance and meeting status" "present in_progress" \
  "$(psql_q "SELECT i.attendance || ' ' || m.status FROM voting.invitees i JOIN voting.meetings m ON m.id = i.meeting_id
             WHERE i.id = '$PARTICIPANT1'")"

# ---------------------------------------------------------------------------
section "events"
# vote_events: ce_type of every voting record keyed by the meeting, in order.
vote_events() {
  kafka_events "$EVENTS" | awk -F'\t' -v k="$M" '$3 == k' | while IFS=$'\t' read -r _ _ _ _ h; do
    t=$(kafka_header "$h" ce_type)
    case $t in vote.* | ballot.*) echo "$t" ;; esac
  done
}
enough_events() { [ "$(vote_events | grep -c .)" -ge 30 ]; }
wait_for 30 enough_events || true
assert_eq "each vote's life is in events, keyed by the meeting, in order" \
  "vote.created vote.opened vote.closed" \
  "$(vote_events | grep '^vote\.' | grep -v remote | head -3 | tr '\n' ' ' | sed 's/ $//')"
# record TYPE SUBJECT [N]: the Nth record of that type about the subject (a vote).
record() {
  kafka_events "$EVENTS" | awk -F'\t' -v k="$M" -v t="$1" -v s="$2" -v n="${3:-1}" '
    $3 == k && index("," $5 ",", ",ce_type=" t ",") > 0 && index("," $5 ",", ",ce_subject=" s ",") > 0 {
      if (++c == n) { print; exit } }'
}
decode() { # VIEW RECORD
  local p o
  IFS=$'\t' read -r p o _ <<<"$2"
  kafka_value "$EVENTS" "$p" "$o" | views --decode="cabinet.votetest.$1" | pb_fields
}
F=$(decode VoteView "$(record vote.closed "$V1")")
assert_eq "vote.closed: schema, service, meeting (for the live stream), who closed it" \
  "cabinet.v1.VoteEvent voting $M ${ID[chutri]}" \
  "$(pb_get schema <<<"$F") $(pb_get service <<<"$F") $(pb_get meeting_id <<<"$F") $(pb_get actor_id <<<"$F")"
assert_eq "… with the final tally" "5" \
  "$(grep '^payload.vote.tally.count' <<<"$F" | awk -F'\t' '{ s += $2 } END { print s }')"
F=$(decode BallotView "$(record ballot.cast "$V1")")
assert_eq "a named ballot.cast says who chose what" "$M ${ID[daibieu1]} Tán thành 1" \
  "$(pb_get meeting_id <<<"$F") $(pb_get payload.voter_id <<<"$F") $(pb_get payload.option <<<"$F") $(pb_get payload.voted <<<"$F")"
F=$(decode BallotView "$(record ballot.cast "$V2" 2)")
assert_eq "a secret ballot.cast says how many voted, with its meeting" "$M true 1" \
  "$(pb_get meeting_id <<<"$F") $(pb_get payload.secret <<<"$F") $(pb_get payload.voted <<<"$F")"
assert_eq "… and never who or what" "" \
  "$(pb_get actor_id <<<"$F")$(grep -E '^payload\.(voter_id|option|replaced)' <<<"$F")"
F=$(decode VoteView "$(record vote.closed "$V2")")
assert_eq "the secret vote's closing carries its tally" "1 3" \
  "$(grep '^payload.vote.tally.count' <<<"$F" | cut -f2 | tr '\n' ' ' | sed 's/ $//')"
secret_cast_count=$(kafka_events "$EVENTS" | awk -F'\t' -v s="$V2" 'index("," $5 ",", ",ce_type=ballot.cast,") && index("," $5 ",", ",ce_subject=" s ",")' | wc -l)
check "every secret ballot (casts and changes: 7) has its event" test "$secret_cast_count" -ge 7


# ---------------------------------------------------------------------------
section "a change that commits after later ones"
call POST "/api/v1/meetings/$M/votes" '{"question": "Thông qua chương trình kỳ họp?"}' "${TOKEN[chutri]}"
assert_status "the chair prepares a vote" 201
V8=$(jget .id)
call POST "/api/v1/votes/$V8/open" "" "${TOKEN[chutri]}"
assert_status "… and opens it" 200
# A writer of the voting schema takes its outbox id (appending an event)
# and keeps its transaction open: its commit will come after later ones.
LATE_EVENT=$(cat /proc/sys/kernel/random/uuid)
LATE_CONN="host=$PG_DIR port=5432 user=postgres dbname=cabinet application_name=cab-late-writer"
coproc LATE { as_pg "$PGBIN/psql" -d "$LATE_CONN" -qAt -v ON_ERROR_STOP=1 >/dev/null 2>&1; }
printf '%s
' "SET search_path = voting;" "BEGIN;" \
  "SELECT outbox_append ('$LATE_EVENT', 'note.recorded', '$V8', NULL, '$M', NULL, NULL, NULL, '{}', NULL, NULL);" \
  >&"${LATE[1]}"
late_open() {
  [ "$(psql_q "SELECT count (*) FROM pg_stat_activity
               WHERE application_name = 'cab-late-writer' AND state = 'idle in transaction'")" == 1 ]
}
check "a writer has appended an event and keeps its transaction open" wait_for 15 late_open
ballot "$V8" "${TOKEN[daibieu1]}" "$(opt "Tán thành")"
assert_status "a ballot meanwhile is answered (writers do not wait for each other)" 200
BALLOT_EVENT=$(psql_q "SELECT event_id FROM voting.outbox WHERE type = 'ballot.cast' AND subject = '$V8'")
sent() { [ "$(psql_q "SELECT count (*) FROM voting.outbox WHERE event_id = '$1' AND seq <= (SELECT seq FROM voting.outbox_sent)")" == 1 ]; }
check "… and its event published" wait_for 15 sent "$BALLOT_EVENT"
check "… while the other transaction is still open" late_open
printf '%s
' "COMMIT;" '\q' >&"${LATE[1]}"
wait "$LATE_PID"
check "the late commit is published too, not passed over" wait_for 15 sent "$LATE_EVENT"
assert_eq "its id is the lower, its place in the audit chain (the event's sequence) after the ballot's" "t t" \
  "$(psql_q "SELECT l.id < b.id, l.seq = b.seq + 1 FROM voting.outbox l, voting.outbox b
             WHERE l.event_id = '$LATE_EVENT' AND b.event_id = '$BALLOT_EVENT'" | tr '|' ' ')"
# kafka_order: the two events as Kafka holds them (one key, one partition).
kafka_order() {
  kafka_events "$EVENTS" | awk -F'\t' -v k="$M" '$3 == k' | while IFS=$'\t' read -r _ _ _ _ h; do
    case $(kafka_header "$h" ce_id) in
      "$BALLOT_EVENT") echo ballot ;;
      "$LATE_EVENT") echo late ;;
    esac
  done | paste -sd' '
}
assert_eq "Kafka has the ballot, then the late one" "ballot late" "$(kafka_order)"
assert_eq "cabinet-voting verify-audit: the chain is whole, in its own order" \
  "voting: chuỗi nhật ký kiểm toán nguyên vẹn" "$("$CAB_BIN/cabinet-voting" verify-audit 2>/dev/null)"
LATE_ID=$(psql_q "SELECT id FROM voting.outbox WHERE event_id = '$LATE_EVENT'")
psql_q "UPDATE voting.outbox SET subject = '$V1' WHERE id = $LATE_ID" >/dev/null
OUT=$("$CAB_BIN/cabinet-voting" verify-audit 2>/dev/null)
RC=$?
assert_eq "… and a row changed afterwards is found (exit 1)" \
  "1 voting: chuỗi nhật ký kiểm toán sai từ dòng outbox $LATE_ID" "$RC $OUT"
psql_q "UPDATE voting.outbox SET subject = '$V8' WHERE id = $LATE_ID" >/dev/null
assert_eq "… until it is put back" "voting: chuỗi nhật ký kiểm toán nguyên vẹn" \
  "$("$CAB_BIN/cabinet-voting" verify-audit 2>/dev/null)"

# ---------------------------------------------------------------------------
section "a vote left open when the meeting ends"
call POST "/api/v1/meetings/$M/votes" '{"question": "Kéo dài thời gian họp thêm 30 phút?"}' "${TOKEN[chutri]}"
assert_status "the chair prepares one more vote" 201
V9=$(jget .id)
call POST "/api/v1/votes/$V9/open" "" "${TOKEN[chutri]}"
assert_status "… and opens it" 200
ballot "$V9" "${TOKEN[daibieu1]}" "$(opt "Tán thành")"
assert_status "daibieu1 votes" 200
call POST "/api/v1/meetings/$M/end" "" "${TOKEN[chutri]}"
assert_status "the chair ends the meeting without closing the vote" 200
v9_closed() { [ "$(psql_q "SELECT status FROM voting.votes WHERE id = '$V9'")" == closed ]; }
check "the voting service closes it once it learns the meeting ended" wait_for 30 v9_closed
call GET "/api/v1/votes/$V9" "" "${TOKEN[daibieu2]}"
assert_json "… with the final tally of the ballots cast" \
  '.status == "closed" and .voted == 1 and ([.tally[].count] == [1, 0, 0]) and .closed_at != null'
ballot "$V9" "${TOKEN[daibieu2]}" "$(opt "Tán thành")"
assert_error "a ballot after the meeting ended is refused" 409
auto_closed() { [ -n "$(record vote.closed "$V9")" ]; }
check "vote.closed is published for it" wait_for 30 auto_closed
F=$(decode VoteView "$(record vote.closed "$V9")")
assert_eq "… by nobody (the service itself), with its meeting and tally" "$M  1" \
  "$(pb_get meeting_id <<<"$F") $(pb_get actor_id <<<"$F") $(grep '^payload.vote.tally.count' <<<"$F" | awk -F'\t' '{ s += $2 } END { print s }')"

finish
