# shellcheck shell=bash
# bench/storm.sh - the vote storm of `make bench`, sourced by bench/run.sh
# (which has started the node with integration/lib.sh); storm_main runs it:
#
#   storm_prepare   STORM_VOTERS (500) accounts created over HTTP by the
#                   admin, each with a session (seeded in identity's
#                   sessions table: signing in 500 times would only measure
#                   Argon2); a meeting with all of them invited, approved,
#                   started, every voter checking in.
#   storm_rounds    per round a new named vote, opened for the 500; wrk
#                   (bench/ballot.lua): each request a ballot by one of the
#                   voters, options taking turns, so that once each has
#                   voted every ballot replaces that voter's previous one;
#                   then the chair closes it, and the final tally must have
#                   one ballot per voter. Once with no stream open, once
#                   with every voter following the meeting's live stream
#                   (tools/sse_watch.c, one process), where each stream is
#                   timed from the close to its vote.closed, whose tally
#                   must be the final one.
#                   Each of the two also paced (tools/paced.c): ballots
#                   sent at STORM_RATE a second (2,000, the target) whatever
#                   the answers, each timed from when it was due, so that
#                   the p99 is the one of a node asked for 2,000 ballots a
#                   second, not of one kept saturated by wrk's closed loop.
#   storm_pgbench   the same machine's PostgreSQL: single-row inserts with
#                   synchronous_commit on, at the same concurrency.
#
# PostgreSQL is restarted with fsync on for the storm (the test harness, and
# the other rows of the bench, run it off): ballots and the pgbench baseline
# are both durable on disk, as on a real node.

STORM_VOTERS=${STORM_VOTERS:-500}
# Rounds of the storm (median): more than the other rows' BENCH_ROUNDS, as
# its rounds spread widely on a shared machine.
STORM_ROUNDS=${STORM_ROUNDS:-5}
# The paced rounds' rate: the target's ballots per second.
STORM_RATE=${STORM_RATE:-2000}
# The storm's node: the gateway and the voting service restarted with more
# threads than the defaults (4 and 4), as a node expecting a room of
# hundreds to vote at once would be set up: as many as wrk keeps
# connections open. A gateway thread holds on to its connection's RPC until
# the service answers, so with fewer threads than connections ballots
# queue in the gateway; and the voting service's workers bound how many
# ballots one group commit can write together (with 16 of each, batches
# held 6 ballots on average and the storm ran about a fifth slower).
# STORM_HTTP_THREADS and STORM_WORKERS: the storm's own counts (default:
# wrk's connections).

# storm_tune: restart the voting service and the gateway with the storm's
# thread counts (the gateway on a new port: BASE_URL changes).
storm_tune() {
  STORM_HTTP_THREADS=${STORM_HTTP_THREADS:-$CONNS}
  STORM_WORKERS=${STORM_WORKERS:-$CONNS}
  export CABINET_WORKERS=$STORM_WORKERS CABINET_HTTP_THREADS=$STORM_HTTP_THREADS
  stop_proc voting TERM
  assert_eq "storm: the voting service stops cleanly to take $STORM_WORKERS workers" 0 "$STOP_RC"
  service_start voting
  stop_proc gateway TERM
  assert_eq "storm: the gateway stops cleanly to take $STORM_HTTP_THREADS threads" 0 "$STOP_RC"
  gateway_start || { fail "storm: the gateway starts again"; return 1; }
  wait_ready || { fail "storm: the node is ready again"; return 1; }
  pass "storm: the node runs with CABINET_HTTP_THREADS=$STORM_HTTP_THREADS, CABINET_WORKERS=$STORM_WORKERS (voting)"
}

# storm_user_ids: ids of the storm's voters, in creation order.
storm_user_ids() {
  psql_q "SELECT id FROM identity.users WHERE username LIKE 'cutri-$STORM_R-%' ORDER BY username"
}

storm_prepare() {
  local admin unit t0 n
  STORM_R=$(rand_suffix)
  STORM_DIR=$ENV_DIR/storm
  mkdir -p "$STORM_DIR"
  login_ready admin admin "$ADMIN_PASSWORD" || { fail "storm: admin signs in"; return 1; }
  unit=$(psql_q "SELECT id FROM identity.units WHERE name = 'Sở Tài chính'")
  t0=$(now_ms)
  # The accounts, four requests at a time (each hashes a one-time password).
  seq -f '%04g' 1 "$STORM_VOTERS" | xargs -P 4 -I{} curl -sS -o /dev/null -w '%{http_code}\n' \
    -H "Authorization: Bearer $admin" -H 'Content-Type: application/json' \
    --data-binary "{\"username\":\"cutri-$STORM_R-{}\",\"full_name\":\"Cử tri {}\",\"unit_id\":\"$unit\",\"roles\":[\"member\"]}" \
    "$BASE_URL/api/v1/users" >"$STORM_DIR/created"
  n=$(grep -c '^201$' "$STORM_DIR/created")
  assert_eq "storm: the admin creates $STORM_VOTERS accounts over HTTP" "$STORM_VOTERS" "$n"
  [ "$n" == "$STORM_VOTERS" ] || return 1
  note "$STORM_VOTERS accounts in $(($(now_ms) - t0)) ms"
  # One session each, as a sign-in would leave it.
  psql_q "UPDATE identity.users SET must_change_password = false WHERE username LIKE 'cutri-$STORM_R-%'" >/dev/null
  psql_q "WITH t AS (SELECT id AS user_id, username,
                            translate (encode (sha256 (convert_to (username || random ()::text || clock_timestamp ()::text, 'UTF8')), 'base64'), '+/=', '-_') AS token
                     FROM identity.users WHERE username LIKE 'cutri-$STORM_R-%'),
               s AS (INSERT INTO identity.sessions (id, token_hash, user_id, expires_at)
                     SELECT gen_random_uuid (), encode (sha256 (convert_to (token, 'UTF8')), 'hex'), user_id,
                            now () + interval '12 hours' FROM t)
          SELECT token FROM t ORDER BY username" >"$STORM_DIR/tokens"
  n=$(grep -c . "$STORM_DIR/tokens")
  assert_eq "storm: a session for each" "$STORM_VOTERS" "$n"
  [ "$n" == "$STORM_VOTERS" ] || return 1
  mapfile -t STORM_TOKENS <"$STORM_DIR/tokens"
  mapfile -t STORM_IDS < <(storm_user_ids)
  call GET /api/v1/me "" "${STORM_TOKENS[0]}"
  assert_status "storm: a voter's session is accepted" 200 || return 1

  storm_known() {
    [ "$(psql_q "SELECT count (*) FROM scheduling.users s JOIN identity.users i ON i.id = s.id
                 WHERE i.username LIKE 'cutri-$STORM_R-%'")" == "$STORM_VOTERS" ]
  }
  wait_for 120 storm_known || { fail "storm: the voters reach the scheduling projection"; return 1; }
  pass "storm: the voters reach the scheduling projection"

  local chair secretary approver clerk
  login_ready STORM_CHAIR chutri "$DEMO_PASSWORD" || { fail "storm: the chair signs in"; return 1; }
  login_ready STORM_SECRETARY thuky "$DEMO_PASSWORD" || { fail "storm: the secretary signs in"; return 1; }
  login_ready approver lanhdao "$DEMO_PASSWORD" || { fail "storm: the approver signs in"; return 1; }
  login_ready clerk vanthu "$DEMO_PASSWORD" || { fail "storm: the clerk signs in"; return 1; }
  chair=$(psql_q "SELECT id FROM identity.users WHERE username = 'chutri'")
  secretary=$(psql_q "SELECT id FROM identity.users WHERE username = 'thuky'")
  local approver_id
  approver_id=$(psql_q "SELECT id FROM identity.users WHERE username = 'lanhdao'")
  local body
  body=$(printf '%s\n' "${STORM_IDS[@]}" | jq -R . | jq -sc --arg t "Kỳ họp HĐND tỉnh $STORM_R" \
    --arg s "$(vn_at 20 08:00)" --arg e "$(vn_at 20 17:00)" --arg c "$chair" --arg sec "$secretary" \
    --arg a "$approver_id" '{title: $t, start_at: $s, end_at: $e, form: "in_person", type: "regular",
      chair_id: $c, secretary_id: $sec, approver_id: $a, participants: map({user_id: .})}')
  meeting_approved STORM_MEETING "$clerk" "$approver" "$body" || return 1
  call POST "/api/v1/meetings/$STORM_MEETING/start" "" "$STORM_CHAIR"
  assert_status "storm: the chair starts the meeting" 200 || return 1
  t0=$(now_ms)
  printf '%s\n' "${STORM_TOKENS[@]}" | xargs -P 4 -I{} curl -sS -o /dev/null -w '%{http_code}\n' -X POST \
    -H "Authorization: Bearer {}" "$BASE_URL/api/v1/meetings/$STORM_MEETING/check-in" >"$STORM_DIR/checkin"
  n=$(grep -c '^200$' "$STORM_DIR/checkin")
  assert_eq "storm: every voter checks in" "$STORM_VOTERS" "$n"
  [ "$n" == "$STORM_VOTERS" ] || return 1
  note "$STORM_VOTERS check-ins in $(($(now_ms) - t0)) ms"
  storm_present() {
    [ "$(psql_q "SELECT count (*) FROM voting.invitees i JOIN voting.meetings m ON m.id = i.meeting_id
                 WHERE i.meeting_id = '$STORM_MEETING' AND i.attendance = 'present' AND m.status = 'in_progress'")" \
      == "$STORM_VOTERS" ]
  }
  wait_for 120 storm_present || { fail "storm: the voting projection has them present"; return 1; }
  pass "storm: the voting projection has them present"
}

# storm_vote N: the chair creates and opens the round's vote; STORM_VOTE.
storm_vote() {
  call POST "/api/v1/meetings/$STORM_MEETING/votes" \
    "$(jq -cn --arg q "Biểu quyết lần $1: thông qua Nghị quyết về dự toán ngân sách tỉnh năm 2027" '{question: $q}')" \
    "$STORM_CHAIR"
  [ "$STATUS" == 201 ] || { fail "storm: vote $1 is created" "$STATUS $BODY"; return 1; }
  STORM_VOTE=$(jget .id)
  call POST "/api/v1/votes/$STORM_VOTE/open" "" "$STORM_CHAIR"
  [ "$STATUS" == 200 ] && [ "$(jget .eligible)" == "$STORM_VOTERS" ] ||
    { fail "storm: vote $1 opens with $STORM_VOTERS voters" "$STATUS $BODY"; return 1; }
}

# storm_wrk SECONDS: wrk's ballots against STORM_VOTE; prints "rps p99_ms non2xx errors".
storm_wrk() {
  local out=$STORM_DIR/wrk.out
  STORM_VOTE=$STORM_VOTE STORM_TOKENS=$STORM_DIR/tokens STORM_THREADS=$THREADS \
    wrk -t "$THREADS" -c "$CONNS" -d "${1}s" --latency -s "$CAB_ROOT/bench/ballot.lua" "$BASE_URL" >"$out" 2>&1
  wrk_figures "$out"
  cat "$out" >>"$STORM_DIR/wrk.all"
}

# storm_requests: the ballots for cab-paced, in the order ballot.lua sends
# them (voters taking turns, the option moving on each time they come
# round): three rounds of the voters, then again from the start.
storm_requests() {
  awk -v path="/api/v1/votes/$STORM_VOTE/ballots" '
    { token[NR - 1] = $1 }
    END {
      split("Tán thành|Không tán thành|Không biểu quyết", option, "|")
      for (n = 0; n < 3 * NR; n++) {
        v = n % NR
        printf "POST\t%s\t%s\t{\"option\":\"%s\"}\n", path, token[v], option[(int (n / NR) + v) % 3 + 1]
      }
    }' "$STORM_DIR/tokens" >"$STORM_DIR/requests"
}

# storm_paced SECONDS: ballots against STORM_VOTE at STORM_RATE a second over
# CONNS connections; prints "rps p99_ms non2xx errors" (errors: socket
# errors and ballots not answered).
storm_paced() {
  local out
  out=$("${PACED:-$CAB_BUILD/tools/cab-paced}" "$BASE_URL" "$STORM_DIR/requests" "$STORM_RATE" "$CONNS" "$1")
  echo "$out" >>"$STORM_DIR/paced.all"
  set -- $out
  echo "$3 $5 $7 $8"
}

# storm_rounds NAME STREAMS(0|1) [DRIVER]: STORM_ROUNDS rounds, each a new vote: warm-up,
# then DRIVER (storm_wrk, the default, or storm_paced) for SECONDS_PER_ROUND, then the close, timed on every stream when
# they are open. Sets STORM_RPS_<NAME>, STORM_P99_<NAME> and, with streams,
# STORM_MAX_<NAME> / STORM_MED_<NAME> (ms from the close to vote.closed on
# the last stream / the median stream), medians of the rounds.
storm_rounds() {
  local name=$1 streams=$2 driver=${3:-storm_wrk} i r all=() maxes=() meds=() bad=0 t0 tally got
  for i in $(seq 1 "$STORM_ROUNDS"); do
    storm_vote "$name-$i" || return 1
    [ "$driver" == storm_paced ] && storm_requests
    "$driver" "$WARMUP" >/dev/null
    r=$("$driver" "$SECONDS_PER_ROUND")
    all+=("$r")
    set -- $r
    [ "$3" != 0 ] && bad=1
    t0=$(now_ms)
    call POST "/api/v1/votes/$STORM_VOTE/close" "" "$STORM_CHAIR"
    [ "$STATUS" == 200 ] || { fail "storm: the chair closes vote $name-$i" "$STATUS $BODY"; return 1; }
    tally=$(jget '[.tally[].count]' | jq -c .)
    if [ "$(jget '.voted')" != "$STORM_VOTERS" ] || [ "$(jq add <<<"$tally")" != "$STORM_VOTERS" ] ||
      [ "$(psql_q "SELECT count (*) FROM voting.ballots WHERE vote_id = '$STORM_VOTE'")" != "$STORM_VOTERS" ]; then
      fail "storm: vote $name-$i closes with one ballot per voter" "tally $tally, $BODY"
      bad=1
    fi
    if [ "$streams" == 1 ]; then
      storm_all_closed() { [ "$(grep -c "\"vote\": \"$STORM_VOTE\"" "$STORM_DIR/watch.out")" -ge "$STORM_VOTERS" ]; }
      wait_for 60 storm_all_closed || bad=1
      got=$(jq -sc --arg v "$STORM_VOTE" --argjson t0 "$t0" '[.[] | select(.vote == $v)]
        | {n: length, tallies: (map(.tally) | unique), ms: (map(.at - $t0) | sort)}
        | {n, tallies, max: .ms[-1], median: .ms[(.ms | length) / 2 | floor]}' "$STORM_DIR/watch.out")
      if [ "$(jq .n <<<"$got")" != "$STORM_VOTERS" ] || [ "$(jq -c .tallies <<<"$got")" != "[$tally]" ]; then
        fail "storm: every stream receives vote.closed of $name-$i with the final tally" "$got (tally $tally)"
        bad=1
      fi
      maxes+=("$(jq .max <<<"$got")")
      meds+=("$(jq .median <<<"$got")")
      printf '   %-14s round %d: %8.0f ballots/s   p99 %8.2f ms   non-2xx %s   socket errors %s   final tally on %s streams %s ms after the close (median %s ms)\n' \
        "$name" "$i" $r "$(jq .n <<<"$got")" "${maxes[-1]}" "${meds[-1]}"
    else
      printf '   %-14s round %d: %8.0f ballots/s   p99 %8.2f ms   non-2xx %s   socket errors %s\n' "$name" "$i" $r
    fi
  done
  printf -v "STORM_RPS_$name" '%s' "$(printf '%s\n' "${all[@]}" | awk '{ print $1 }' | median)"
  printf -v "STORM_P99_$name" '%s' "$(printf '%s\n' "${all[@]}" | awk '{ print $2 }' | median)"
  if [ "$streams" == 1 ]; then
    printf -v "STORM_MAX_$name" '%s' "$(printf '%s\n' "${maxes[@]}" | median)"
    printf -v "STORM_MED_$name" '%s' "$(printf '%s\n' "${meds[@]}" | median)"
  fi
  if [ "$bad" == 0 ]; then pass "storm $name: every ballot 2xx, one ballot per voter, every tally as closed"; else
    fail "storm $name: every ballot 2xx, one ballot per voter, every tally as closed" "see the rounds above"
  fi
}

# storm_streams_open: every voter follows the meeting (cab-sse-watch).
storm_streams_open() {
  ulimit -n "$((STORM_VOTERS * 2 + 1024))" 2>/dev/null || true
  rm -f "$STORM_DIR/watch.ready" "$STORM_DIR/watch.stop"
  : >"$STORM_DIR/watch.out"
  "${SSEWATCH:-$CAB_BUILD/tools/cab-sse-watch}" 127.0.0.1 "$HTTP_PORT" "/api/v1/meetings/$STORM_MEETING/stream" \
    "$STORM_DIR/tokens" "$STORM_DIR/watch.ready" "$STORM_DIR/watch.out" "$STORM_DIR/watch.stop" 900 \
    >"$STORM_DIR/watch.log" 2>&1 &
  STORM_WATCHER=$!
  check "storm: the $STORM_VOTERS voters open the meeting's live stream" wait_for 120 test -s "$STORM_DIR/watch.ready"
  assert_eq "storm: … all of them" "{\"opened\":$STORM_VOTERS,\"refused\":{}}" "$(jq -c . "$STORM_DIR/watch.ready" 2>/dev/null)"
}

# storm_streams_close: STORM_REFRESHES counts the streams told to refresh
# (they fell more than CABINET_SSE_REPLAY events behind: the client reading
# them shares the machine); none may have ended.
storm_streams_close() {
  touch "$STORM_DIR/watch.stop"
  wait "$STORM_WATCHER" 2>/dev/null
  assert_eq "storm: no stream ended" 0 "$(grep -c '"control": "end"' "$STORM_DIR/watch.out")"
  STORM_REFRESHES=$(grep -c '"control": "refresh"' "$STORM_DIR/watch.out")
  note "streams told to refresh (fallen behind) during the storm: $STORM_REFRESHES"
}

# storm_pgbench: STORM_ROUNDS rounds of pgbench (bench/insert.sql) with CONNS
# clients; sets STORM_PG_TPS and STORM_PG_P99 (medians).
storm_pgbench() {
  local i out tps p99 all=() dir=$STORM_DIR/pgbench
  mkdir -p "$dir"
  [ "$(id -u)" -eq 0 ] && chown postgres: "$dir"
  psql_q "CREATE TABLE public.bench_storm (id bigserial PRIMARY KEY, voter int NOT NULL,
            option_index int NOT NULL, cast_at timestamptz NOT NULL DEFAULT now ())" >/dev/null
  for i in $(seq 0 "$STORM_ROUNDS"); do
    rm -f "$dir"/pgb*
    out=$(cd "$dir" && as_pg "$PGBIN/pgbench" -n -h "$PG_DIR" -p 5432 -U postgres -c "$CONNS" -j "$THREADS" \
      -T "$([ "$i" == 0 ] && echo "$WARMUP" || echo "$SECONDS_PER_ROUND")" -l --log-prefix="$dir/pgb" \
      -f "$CAB_ROOT/bench/insert.sql" cabinet 2>&1)
    [ "$i" == 0 ] && continue # the warm-up
    tps=$(awk '/^tps = / { print $3 }' <<<"$out")
    p99=$(cat "$dir"/pgb* | awk '{ print $3 / 1000 }' | sort -g | awk '{ a[NR] = $1 } END { printf "%.3f", a[int(NR * 0.99)] }')
    all+=("${tps:-0} ${p99:-0}")
    printf '   %-14s round %d: %8.0f inserts/s   p99 %8.2f ms\n' pgbench "$i" "${tps:-0}" "${p99:-0}"
  done
  STORM_PG_TPS=$(printf '%s\n' "${all[@]}" | awk '{ print $1 }' | median)
  STORM_PG_P99=$(printf '%s\n' "${all[@]}" | awk '{ print $2 }' | median)
  check "pgbench inserted rows" test "$(psql_q "SELECT count (*) FROM public.bench_storm")" -gt 0
  psql_q "DROP TABLE public.bench_storm" >/dev/null
}

# storm_main: the whole storm; sets STORM_TABLE (markdown) and STORM_LOAD
# (the machine's load average around it: other work may share the machine).
storm_main() {
  local load_before
  load_before=$(cut -d' ' -f1-3 /proc/loadavg)
  printf '\n== vote storm: %d voters, wrk %d connections, %d threads, %d s x %d rounds (+%d s warm-up), median\n' \
    "$STORM_VOTERS" "$CONNS" "$THREADS" "$SECONDS_PER_ROUND" "$STORM_ROUNDS" "$WARMUP"
  local http_threads=$CABINET_HTTP_THREADS workers=$CABINET_WORKERS t0
  # The node settled first: the rows the other benchmarks loaded vacuumed
  # and analysed now, so that autovacuum does not read and write them
  # during the storm, competing with its flushes to disk.
  t0=$(now_ms)
  psql_q "VACUUM (ANALYZE)" >/dev/null
  note "database vacuumed and analysed before the storm in $(($(now_ms) - t0)) ms"
  CAB_PG_FSYNC=on
  pg_restart || { fail "storm: PostgreSQL restarts with fsync on"; return 1; }
  wait_ready || { fail "storm: the node is ready after PostgreSQL's restart"; return 1; }
  storm_prepare || return 1
  storm_tune || return 1
  # Ballots and the baseline durable on disk (see the top of this file).
  check "storm: PostgreSQL syncs to disk" test "$(psql_q "SHOW fsync")" == on
  check "storm: … and commits synchronously" test "$(psql_q "SHOW synchronous_commit")" == on
  storm_rounds bare 0 || return 1
  storm_rounds bare_paced 0 storm_paced || return 1
  storm_streams_open
  storm_rounds streams 1 || return 1
  storm_rounds streams_paced 1 storm_paced || return 1
  storm_streams_close
  storm_pgbench
  STORM_LOAD="load average $load_before before, $(cut -d' ' -f1-3 /proc/loadavg) after"
  export CABINET_HTTP_THREADS=$http_threads CABINET_WORKERS=$workers # for what the report says of the other rows
  local r_bare r_streams
  r_bare=$(ratio "$STORM_RPS_bare" "$STORM_PG_TPS")
  r_streams=$(ratio "$STORM_RPS_streams" "$STORM_PG_TPS")
  # Targets: >= 2,000 ballots/s with p99 <= 25 ms; >= half the pgbench rate;
  # the final tally on every stream <= 200 ms after the close.
  met_rate() { awk -v r="$1" -v p="$2" 'BEGIN { print ((r >= 2000 && p <= 25) ? "met" : "not met") }'; }
  # paced: every ballot answered at the rate asked (but for the last ones'
  # own latency, which the rate's clock includes) with p99 <= 25 ms
  met_paced() { awk -v r="$1" -v p="$2" -v want="$STORM_RATE" 'BEGIN { print ((want >= 2000 && r >= 0.98 * want && p <= 25) ? "met" : "not met") }'; }
  met_ratio() { awk -v r="$1" 'BEGIN { print ((r >= 0.5) ? "met" : "not met") }'; }
  STORM_MET_TALLY=$(awk -v m="$STORM_MAX_streams" 'BEGIN { print ((m <= 200) ? "met" : "not met") }')
  STORM_TABLE=$(
    printf '| what (%d voters, wrk %d connections) | ballots/s (median) | p99 latency (median) | baseline: pgbench, single-row durable INSERT, %d clients | inserts/s (p99) | ratio | final tally on every stream after the close: last (median stream) | targets |\n' \
      "$STORM_VOTERS" "$CONNS" "$CONNS"
    printf '| --- | ---: | ---: | --- | ---: | ---: | ---: | --- |\n'
    printf '| `POST /api/v1/votes/{id}/ballots`, no stream open | %.0f | %.2f ms | same machine, same PostgreSQL | %.0f (%.2f ms) | %s | | ≥ 2000/s, p99 ≤ 25 ms: %s; ratio ≥ 0.5: %s |\n' \
      "$STORM_RPS_bare" "$STORM_P99_bare" "$STORM_PG_TPS" "$STORM_PG_P99" "$r_bare" \
      "$(met_rate "$STORM_RPS_bare" "$STORM_P99_bare")" "$(met_ratio "$r_bare")"
    printf '| the same, paced: %s ballots/s asked, each timed from when it was due | %.0f | %.2f ms | | | | | %s ballots/s with p99 ≤ 25 ms: %s |\n' \
      "$STORM_RATE" "$STORM_RPS_bare_paced" "$STORM_P99_bare_paced" "$STORM_RATE" "$(met_paced "$STORM_RPS_bare_paced" "$STORM_P99_bare_paced")"
    printf '| the same, every voter following the meeting'"'"'s live stream (%s refreshes) | %.0f | %.2f ms | | | %s | %s ms (%s ms) | ≥ 2000/s, p99 ≤ 25 ms: %s; ratio ≥ 0.5: %s; ≤ 200 ms: %s |\n' \
      "$STORM_REFRESHES" "$STORM_RPS_streams" "$STORM_P99_streams" "$r_streams" "$STORM_MAX_streams" "$STORM_MED_streams" \
      "$(met_rate "$STORM_RPS_streams" "$STORM_P99_streams")" "$(met_ratio "$r_streams")" "$STORM_MET_TALLY"
    printf '| the same with the streams, paced: %s ballots/s asked | %.0f | %.2f ms | | | | | %s ballots/s with p99 ≤ 25 ms: %s |\n' \
      "$STORM_RATE" "$STORM_RPS_streams_paced" "$STORM_P99_streams_paced" "$STORM_RATE" "$(met_paced "$STORM_RPS_streams_paced" "$STORM_P99_streams_paced")"
  )
  printf '\n%s\n\n' "$STORM_TABLE"
}
