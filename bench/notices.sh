# shellcheck shell=bash
# bench/notices.sh - the notices benchmark of `make bench`, sourced by
# bench/run.sh (which exported CABINET_SMTP_URL before starting the node);
# notices_main runs it:
#
#   NOTICE_PEOPLE (1000) accounts with an e-mail address, created over HTTP
#   by the admin; per round a meeting inviting all of them is registered,
#   submitted and approved, and the time is taken from the approval's answer
#   to the moment the last invitation mail was accepted by the SMTP server
#   (the notice recorded sent, which the service does once the server said
#   250): invitation.created consumed, 1,000 notices rendered with their
#   iCalendar and recorded (plus the in-app ones, announced), then mailed.
#   Baseline: the same SMTP server receiving the same number of mails of
#   the same size from Python's smtplib over one connection
#   (bench/smtp_blast.py), on the same machine in the same run.

NOTICE_PEOPLE=${NOTICE_PEOPLE:-1000}

notices_prepare() {
  local admin unit n
  NOTICE_R=$(rand_suffix)
  NOTICE_DIR=$ENV_DIR/notices
  mkdir -p "$NOTICE_DIR/mail"
  start_proc bench-smtp python3 "$CAB_ROOT/tests/notifications/smtp_sink.py" 127.0.0.1 "$NOTICE_SMTP_PORT" "$NOTICE_DIR/mail"
  notices_smtp_up() { port_in_use "$NOTICE_SMTP_PORT"; }
  wait_for 20 notices_smtp_up || { fail "notices: the SMTP server starts"; return 1; }
  login_ready admin admin "$ADMIN_PASSWORD" || { fail "notices: admin signs in"; return 1; }
  unit=$(psql_q "SELECT id FROM identity.units WHERE name = 'Sở Tài chính'")
  seq -f '%04g' 1 "$NOTICE_PEOPLE" | xargs -P 4 -I{} curl -sS -o /dev/null -w '%{http_code}\n' \
    -H "Authorization: Bearer $admin" -H 'Content-Type: application/json' \
    --data-binary "{\"username\":\"nguoi-$NOTICE_R-{}\",\"full_name\":\"Đại biểu {}\",\"unit_id\":\"$unit\",\"email\":\"nguoi-$NOTICE_R-{}@bench.demo.gov.vn\",\"roles\":[\"member\"]}" \
    "$BASE_URL/api/v1/users" >"$NOTICE_DIR/created"
  n=$(grep -c '^201$' "$NOTICE_DIR/created")
  assert_eq "notices: the admin creates $NOTICE_PEOPLE accounts with an e-mail address" "$NOTICE_PEOPLE" "$n"
  [ "$n" == "$NOTICE_PEOPLE" ] || return 1
  mapfile -t NOTICE_IDS < <(psql_q "SELECT id FROM identity.users WHERE username LIKE 'nguoi-$NOTICE_R-%' ORDER BY username")
  notices_known() {
    [ "$(psql_q "SELECT (SELECT count (*) FROM notifications.contacts c JOIN identity.users i ON i.id = c.user_id
                          WHERE i.username LIKE 'nguoi-$NOTICE_R-%' AND c.email IS NOT NULL)
                      + (SELECT count (*) FROM scheduling.users s JOIN identity.users i ON i.id = s.id
                          WHERE i.username LIKE 'nguoi-$NOTICE_R-%')")" == $((2 * NOTICE_PEOPLE)) ]
  }
  wait_for 180 notices_known || { fail "notices: the people reach scheduling and notifications"; return 1; }
  login_ready NOTICE_CLERK vanthu "$DEMO_PASSWORD" || return 1
  login_ready NOTICE_APPROVER lanhdao "$DEMO_PASSWORD" || return 1
}

# notices_round I: one meeting of NOTICE_PEOPLE invitees approved; prints
# the seconds from the approval to the last mail accepted.
notices_round() {
  local body m t0 t1
  body=$(printf '%s\n' "${NOTICE_IDS[@]}" | jq -R . | jq -sc --arg t "Hội nghị triển khai nhiệm vụ năm 2027 ($NOTICE_R-$1)" \
    --arg s "$(vn_at $((30 + $1)) 08:00)" --arg e "$(vn_at $((30 + $1)) 11:00)" \
    --arg c "$(psql_q "SELECT id FROM identity.users WHERE username = 'chutri'")" \
    --arg sec "$(psql_q "SELECT id FROM identity.users WHERE username = 'thuky'")" \
    --arg a "$(psql_q "SELECT id FROM identity.users WHERE username = 'lanhdao'")" \
    '{title: $t, start_at: $s, end_at: $e, form: "in_person", type: "regular", chair_id: $c,
      secretary_id: $sec, approver_id: $a, participants: map({user_id: .})}')
  call POST /api/v1/meetings "$body" "$NOTICE_CLERK"
  [ "$STATUS" == 201 ] || { log "notices: registering the meeting: $STATUS $BODY"; return 1; }
  m=$(jget .id)
  call POST "/api/v1/meetings/$m/submit" "" "$NOTICE_CLERK"
  call POST "/api/v1/meetings/$m/approve" "" "$NOTICE_APPROVER"
  t0=$(now_ms)
  [ "$STATUS" == 200 ] || { log "notices: approving: $STATUS $BODY"; return 1; }
  notices_all_sent() {
    [ "$(psql_q "SELECT count (*) FROM notifications.notices
                  WHERE meeting_id = '$m' AND channel = 'email' AND state = 'sent'")" -ge "$NOTICE_PEOPLE" ]
  }
  wait_for 600 notices_all_sent || { log "notices: not every mail was sent"; return 1; }
  t1=$(now_ms)
  awk -v ms="$((t1 - t0))" 'BEGIN { printf "%.2f\n", ms / 1000 }'
}

notices_main() {
  printf '\n== notices: %d invitees per meeting, %d rounds, median\n' "$NOTICE_PEOPLE" "$ROUNDS"
  notices_prepare || return 1
  local i s secs=() rates=() base=()
  for i in $(seq 1 "$ROUNDS"); do
    s=$(notices_round "$i") || { fail "notices: round $i"; return 1; }
    secs+=("$s")
    rates+=("$(awk -v n="$NOTICE_PEOPLE" -v s="$s" 'BEGIN { printf "%.1f", n / s }')")
    base+=("$(python3 "$CAB_ROOT/bench/smtp_blast.py" 127.0.0.1 "$NOTICE_SMTP_PORT" "$NOTICE_PEOPLE")")
    printf '   notices round %d: %s s for %d mails (%s notices/s); smtplib baseline %s mails/s\n' \
      "$i" "$s" "$NOTICE_PEOPLE" "${rates[-1]}" "${base[-1]}"
  done
  local received
  received=$(grep -l "nguoi-$NOTICE_R-" "$NOTICE_DIR"/mail/*.json 2>/dev/null | wc -l)
  assert_eq "notices: the SMTP server received one invitation per invitee per round" \
    "$((ROUNDS * NOTICE_PEOPLE))" "$received"
  NOTICE_SECS=$(printf '%s\n' "${secs[@]}" | median)
  NOTICE_RATE=$(printf '%s\n' "${rates[@]}" | median)
  NOTICE_BASE=$(printf '%s\n' "${base[@]}" | median)
  NOTICE_TABLE=$(
    printf '| what (%d invitees, median of %d) | notices/s | seconds | baseline: the same SMTP server, Python smtplib, one connection | mails/s | ratio |\n' \
      "$NOTICE_PEOPLE" "$ROUNDS"
    printf '| --- | ---: | ---: | --- | ---: | ---: |\n'
    printf '| meeting approved → every invitation mail (with its iCalendar) accepted by the SMTP server | %s | %s | %d mails of the same size | %s | %s |\n' \
      "$NOTICE_RATE" "$NOTICE_SECS" "$NOTICE_PEOPLE" "$NOTICE_BASE" "$(ratio "$NOTICE_RATE" "$NOTICE_BASE")"
  )
  printf '\n%s\n' "$NOTICE_TABLE"
}
