#!/usr/bin/env bash
# bench/run.sh - `make bench`: throughput and tail latency of the API
# against a same-run baseline.
#
# Starts a node like the integration tests do (integration/lib.sh, without
# LDAP), signs in, and runs wrk (BENCH_CONNECTIONS connections, BENCH_THREADS
# threads, BENCH_SECONDS per round after a BENCH_WARMUP warm-up, BENCH_ROUNDS
# rounds, median reported) on
#   - a static file of the web UI served by the same gateway: the baseline,
#     everything but the RPCs;
#   - GET /api/v1/me with a bearer token;
#   - the week calendar (GET /api/v1/meetings) of the demo chair with
#     100,000 meetings and 1,000,000 invitations loaded (load_calendar.sql),
#     with its target: at least a quarter of the static rate, p99 <= 20 ms;
#   - the same calendar with every request a different period (no cache);
#   - meeting creation by the clerk (create_meeting.lua);
#   - document search (search.lua) over 10,000 documents with their text
#     (load_documents.sql), as a person the access rules narrow;
#   - uploads and downloads of 10 MB PDFs (BENCH_FILE_MB, BENCH_FILE_ROUNDS
#     files, median MB/s), each next to copying the same bytes on the same
#     disk: with fsync for uploads (the service makes every file durable),
#     through the page cache for downloads (curl writes the same way).
#   - the vote storm (storm.sh): 500 voters casting and changing ballots
#     over HTTP, with no stream open and with every voter following the
#     meeting's live stream (time from the close to the final tally on each
#     stream), next to pgbench's single-row durable inserts at the same
#     concurrency (insert.sql); targets reported, not checked.
# Prints a table and writes it, with the machine, between the markers of
# docs/benchmarks.md. BENCH_ONLY=storm runs the vote storm alone and only
# prints its table; BENCH_ONLY=notices the same for the notices benchmark.
SUITE=bench
source "$(dirname "$0")/../integration/lib.sh"
source "$(dirname "$0")/storm.sh"
source "$(dirname "$0")/notices.sh"

CONNS=${BENCH_CONNECTIONS:-50}
THREADS=${BENCH_THREADS:-2}
SECONDS_PER_ROUND=${BENCH_SECONDS:-10}
WARMUP=${BENCH_WARMUP:-3}
ROUNDS=${BENCH_ROUNDS:-3}
OUT=${BENCH_OUT:-$CAB_ROOT/docs/benchmarks.md}
RPS_static=0 P99_static=0 RPS_me=0 P99_me=0 # medians, set by bench()

command -v wrk >/dev/null || { log "wrk is not installed (deploy/install-deps.sh)"; exit 2; }

export ENV_LDAP=0
export CABINET_LOG_LEVEL=warn   # an access log line per request would measure the disk
# The notices benchmark's SMTP server (started by notices.sh): the node
# must know it from the start.
free_port NOTICE_SMTP_PORT || exit 2
export CABINET_SMTP_URL="smtp://127.0.0.1:$NOTICE_SMTP_PORT" CABINET_SMTP_TLS=none
export CABINET_MAIL_FROM=hop@bench.demo.gov.vn
env_start

login_ready TOKEN admin "$ADMIN_PASSWORD" || { fail "admin signs in"; finish; }
call GET /api/v1/me "" "$TOKEN"
assert_status "GET /api/v1/me answers before the benchmark" 200

STATIC=""
for f in index.html app.js style.css; do
  [ -f "$CABINET_WEB_DIR/$f" ] || continue
  call GET "/$f"
  if [ "$STATUS" == 200 ]; then
    STATIC=/$f
    break
  fi
done
check "the gateway serves a static file of the web UI" test -n "$STATIC"
[ -n "$STATIC" ] || finish
STATIC_BYTES=$(wc -c <"$CABINET_WEB_DIR${STATIC}")

# to_ms VALUE: wrk's "1.23ms" / "850.00us" / "1.02s" in milliseconds
to_ms() {
  awk -v v="$1" 'BEGIN {
    n = v + 0
    if (v ~ /us$/) n = n / 1000; else if (v ~ /ms$/) n = n; else if (v ~ /m$/) n = n * 60000; else if (v ~ /s$/) n = n * 1000
    printf "%.3f", n }'
}

# wrk_figures FILE: wrk's output in FILE as "requests_per_s p99_ms non2xx errors"
wrk_figures() {
  local out=$1
  local rps p99 non2xx errors
  rps=$(awk '/^Requests\/sec:/ { print $2 }' "$out")
  p99=$(awk '$1 == "99%" { print $2 }' "$out")
  non2xx=$(awk '/Non-2xx or 3xx responses:/ { print $NF }' "$out")
  errors=$(awk '/Socket errors:/ { s = 0; for (i = 4; i <= NF; i += 2) s += $i; print s }' "$out")
  echo "${rps:-0} $(to_ms "${p99:-0}") ${non2xx:-0} ${errors:-0}"
}

# round PATH [HEADER] [SCRIPT]: one wrk run; prints "requests_per_s p99_ms non2xx errors"
round() {
  local path=$1 hdr=${2-} script=${3-} out=$ENV_DIR/wrk.out args=()
  [ -n "$hdr" ] && args+=(-H "$hdr")
  [ -n "$script" ] && args+=(-s "$CAB_ROOT/bench/$script")
  wrk -t "$THREADS" -c "$CONNS" -d "${SECONDS_PER_ROUND}s" --latency "${args[@]}" "$BASE_URL$path" >"$out" 2>&1
  wrk_figures "$out"
}

median() { sort -g | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }

# bench NAME PATH [HEADER] [SCRIPT]: warm-up, then ROUNDS rounds; sets RPS_<NAME>, P99_<NAME>
bench() {
  local name=$1 path=$2 hdr=${3-} script=${4-} i r all=() bad=0 args=()
  [ -n "$hdr" ] && args+=(-H "$hdr")
  [ -n "$script" ] && args+=(-s "$CAB_ROOT/bench/$script")
  wrk -t "$THREADS" -c "$CONNS" -d "${WARMUP}s" "${args[@]}" "$BASE_URL$path" >/dev/null 2>&1
  for i in $(seq 1 "$ROUNDS"); do
    r=$(round "$path" "$hdr" "$script")
    all+=("$r")
    printf '   %-14s round %d: %10.0f req/s   p99 %8.2f ms   non-2xx %s   socket errors %s\n' \
      "$name" "$i" $r
    set -- $r
    [ "$3" != 0 ] && bad=1
  done
  printf -v "RPS_$name" '%s' "$(printf '%s\n' "${all[@]}" | awk '{ print $1 }' | median)"
  printf -v "P99_$name" '%s' "$(printf '%s\n' "${all[@]}" | awk '{ print $2 }' | median)"
  if [ "$bad" == 0 ]; then pass "$name: every response was 2xx"; else
    fail "$name: every response was 2xx" "see non-2xx counts above"
  fi
}

# ratio A B: A / B with two decimals
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }'; }

if [ "${BENCH_ONLY:-}" == storm ]; then
  storm_main
  finish
fi
if [ "${BENCH_ONLY:-}" == notices ]; then
  notices_main
  finish
fi

# ---- the week calendar's data: 100,000 meetings, 1,000,000 invitations ----
login_ready TOK_CHAIR chutri "$DEMO_PASSWORD" || { fail "the chair signs in"; finish; }
login_ready TOK_CLERK vanthu "$DEMO_PASSWORD" || { fail "the clerk signs in"; finish; }
uid() { psql_q "SELECT id FROM identity.users WHERE username = '$1'"; }
ME=$(uid chutri)
OFFICE=$(psql_q "SELECT unit_id FROM identity.users WHERE username = 'vanthu'")
t0=$(now_ms)
as_pg "$PGBIN/psql" -h "$PG_DIR" -p 5432 -U postgres -d cabinet -qAt -v ON_ERROR_STOP=1 \
  -v me="$ME" -v unit="$OFFICE" -v node="$CABINET_NODE_ID" -f - <"$CAB_ROOT/bench/load_calendar.sql" >/dev/null ||
  { fail "benchmark data loads"; finish; }
N_MEETINGS=$(psql_q "SELECT count(*) FROM scheduling.meetings")
N_INVITATIONS=$(psql_q "SELECT count(*) FROM scheduling.participants")
note "loaded $N_MEETINGS meetings and $N_INVITATIONS invitations in $(($(now_ms) - t0)) ms"
check "100,000 meetings in the database" test "$N_MEETINGS" -ge 100000
check "1,000,000 invitations in the database" test "$N_INVITATIONS" -ge 1000000

call GET /api/v1/meetings "" "$TOK_CHAIR"
assert_status "the chair's week calendar answers" 200
WEEK_ITEMS=$(jget '.items | length')
assert_json "… with this week's meetings, in order of start" \
  '(.items | length) > 0 and ([.items[].start_at] == ([.items[].start_at] | sort))'
export WEEK_START
WEEK_START=$(psql_q "SELECT extract (epoch FROM date_trunc ('week', now () AT TIME ZONE 'Asia/Ho_Chi_Minh') AT TIME ZONE 'Asia/Ho_Chi_Minh')::bigint")

# One meeting as the clerk registers it, a month ahead.
ID_SECRETARY=$(uid thuky)
ID_APPROVER=$(uid lanhdao)
START=$(TZ=Asia/Ho_Chi_Minh date -d "+30 days 09:00" +%Y-%m-%dT%H:%M:%S+07:00)
END=$(TZ=Asia/Ho_Chi_Minh date -d "+30 days 11:00" +%Y-%m-%dT%H:%M:%S+07:00)
export MEETING_BODY
MEETING_BODY=$(jq -cn --arg s "$START" --arg e "$END" --arg c "$ME" --arg sec "$ID_SECRETARY" \
  --arg a "$ID_APPROVER" --arg u "$OFFICE" \
  '{title: "Họp rà soát tiến độ chuyển đổi số", content: "1. Báo cáo\n2. Thảo luận",
    start_at: $s, end_at: $e, form: "in_person", type: "regular", chair_id: $c,
    secretary_id: $sec, approver_id: $a, participants: [{user_id: $sec}, {unit_id: $u}]}')
call POST /api/v1/meetings "$MEETING_BODY" "$TOK_CLERK"
assert_status "the clerk registers a meeting before the benchmark" 201

printf '\n== wrk: %d connections, %d threads, %d s x %d rounds (+%d s warm-up), median\n' \
  "$CONNS" "$THREADS" "$SECONDS_PER_ROUND" "$ROUNDS" "$WARMUP"
bench static "$STATIC"
bench me /api/v1/me "Authorization: Bearer $TOKEN"
bench calendar /api/v1/meetings "Authorization: Bearer $TOK_CHAIR"
bench calendar_miss /api/v1/meetings "Authorization: Bearer $TOK_CHAIR" calendar_miss.lua
before=$(psql_q "SELECT count(*) FROM scheduling.meetings")
bench create /api/v1/meetings "Authorization: Bearer $TOK_CLERK" create_meeting.lua
created=$(($(psql_q "SELECT count(*) FROM scheduling.meetings") - before))
check "every 201 of the creation benchmark is a stored meeting" test "$created" -gt 0

# ---- document search: 10,000 documents with their text ----
t0=$(now_ms)
as_pg "$PGBIN/psql" -h "$PG_DIR" -p 5432 -U postgres -d cabinet -qAt -v ON_ERROR_STOP=1 \
  -v me="$ME" -v unit="$OFFICE" -v node="$CABINET_NODE_ID" -f - <"$CAB_ROOT/bench/load_documents.sql" >/dev/null ||
  { fail "the documents of the search benchmark load"; finish; }
N_DOCUMENTS=$(psql_q "SELECT count(*) FROM documents.document_text")
note "loaded $N_DOCUMENTS documents with their text in $(($(now_ms) - t0)) ms"
check "10,000 documents with their text in the database" test "$N_DOCUMENTS" -ge 10000
call GET "/api/v1/documents?q=hop+khong+giay&limit=200" "" "$TOK_CHAIR"
assert_status "the chair searches the documents without diacritics" 200
# What the chair may read of the phrase (load_documents.sql): documents n
# with n % 13 == 0 on the meetings ending in 3, and in the shared library.
EXPECTED=$(awk 'BEGIN { for (n = 0; n < 10000; n++) if (n % 13 == 0 && (n >= 9000 || n % 10 == 3)) c++; print c }')
assert_json "… and finds exactly the $EXPECTED documents of the phrase they may read" \
  "(.items | length) == $EXPECTED and .next == null"
bench search /api/v1/documents "Authorization: Bearer $TOK_CHAIR" search.lua

# ---- uploads and downloads of 10 MB files ----
FILE_MB=${BENCH_FILE_MB:-10}
FILE_ROUNDS=${BENCH_FILE_ROUNDS:-5}
FILES=$ENV_DIR/files
mkdir -p "$FILES"
python3 "$CAB_ROOT/integration/files/make_files.py" "$FILES" $((FILE_MB * 1048576)) "$FILE_ROUNDS" ||
  { fail "the files of the upload benchmark are made"; finish; }
now_ns() { date +%s%N; }
# mbps BYTES NANOSECONDS: megabytes (MiB) per second
mbps() { awk -v b="$1" -v ns="$2" 'BEGIN { printf "%.1f", (ns > 0 ? b / 1048576 / (ns / 1e9) : 0) }'; }
up=() down=() copy_sync=() copy=() ok=0
for i in $(seq 0 $((FILE_ROUNDS - 1))); do
  f=$FILES/lon.pdf
  [ "$i" -gt 0 ] && f=$FILES/lon-$i.pdf
  size=$(stat -c %s "$f")
  sync
  t0=$(now_ns)
  dd if="$f" of="$CABINET_DATA_DIR/bench-copy" bs=1M conv=fsync status=none
  copy_sync+=("$(mbps "$size" $(($(now_ns) - t0)))")
  t0=$(now_ns)
  cat "$f" >"$ENV_DIR/bench-copy"
  copy+=("$(mbps "$size" $(($(now_ns) - t0)))")
  rm -f "$CABINET_DATA_DIR/bench-copy" "$ENV_DIR/bench-copy"
  t0=$(now_ns)
  code=$(curl -sS --max-time 300 -o "$ENV_DIR/body" -w '%{http_code}' -H "Authorization: Bearer $TOK_CLERK" \
    -F "title=Tài liệu lớn $i" -F "file=@$f" "$BASE_URL/api/v1/library/personal/documents")
  up+=("$(mbps "$size" $(($(now_ns) - t0)))")
  doc=$(jq -r .id "$ENV_DIR/body" 2>/dev/null)
  t0=$(now_ns)
  code2=$(curl -sS --max-time 300 -o "$ENV_DIR/download" -w '%{http_code}' \
    -H "Authorization: Bearer $TOK_CLERK" "$BASE_URL/api/v1/documents/$doc/content")
  down+=("$(mbps "$size" $(($(now_ns) - t0)))")
  if [ "$code" == 201 ] && [ "$code2" == 200 ] && cmp -s "$f" "$ENV_DIR/download"; then ok=$((ok + 1)); fi
  printf '   %-14s file %d: %s MB, upload %s MB/s (copy with fsync %s), download %s MB/s (copy %s)\n' \
    files "$i" "$(awk -v b="$size" 'BEGIN { printf "%.1f", b / 1048576 }')" "${up[-1]}" "${copy_sync[-1]}" \
    "${down[-1]}" "${copy[-1]}"
  rm -f "$ENV_DIR/download"
done
check "every upload is stored (201) and downloads byte for byte" test "$ok" == "$FILE_ROUNDS"
MB_up=$(printf '%s\n' "${up[@]}" | median)
MB_down=$(printf '%s\n' "${down[@]}" | median)
MB_copy_sync=$(printf '%s\n' "${copy_sync[@]}" | median)
MB_copy=$(printf '%s\n' "${copy[@]}" | median)
call GET /api/v1/me "" "$TOKEN"
assert_status "the node still answers after the benchmark" 200

# ---- notices (notices.sh): invitations to a 1,000-invitee meeting ----
notices_main || fail "the notices benchmark ran to its end"

# ---- the vote storm (storm.sh): last, as it turns fsync on ----
storm_main || fail "the vote storm ran to its end"

CPU=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)
NPROC=$(nproc)
DATE=$(date -u +%Y-%m-%dT%H:%M:%SZ)
COMMIT=$(git -C "$CAB_ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)
R_me=$(ratio "$RPS_me" "$RPS_static")
R_calendar=$(ratio "$RPS_calendar" "$RPS_static")
R_miss=$(ratio "$RPS_calendar_miss" "$RPS_static")
R_create=$(ratio "$RPS_create" "$RPS_static")
R_search=$(ratio "$RPS_search" "$RPS_static")
R_up=$(ratio "$MB_up" "$MB_copy_sync")
R_down=$(ratio "$MB_down" "$MB_copy")
# The target of the week calendar: a quarter of the static rate, p99 at most 20 ms.
MET=$(awk -v r="$R_calendar" -v p="$P99_calendar" 'BEGIN { print ((r >= 0.25 && p <= 20) ? "met" : "not met") }')
row() { printf '| %s | %.0f | %.2f ms | %s | %s |\n' "$@"; }
TABLE=$(
  printf '| what | requests/s (median) | p99 latency (median) | ratio to static | target |\n'
  printf '| --- | ---: | ---: | ---: | --- |\n'
  row "\`GET $STATIC\` (static file, $STATIC_BYTES bytes) - baseline" "$RPS_static" "$P99_static" 1.00 ""
  row '`GET /api/v1/me` (bearer token)' "$RPS_me" "$P99_me" "$R_me" ""
  row "\`GET /api/v1/meetings\` (the chair's week calendar, $WEEK_ITEMS meetings)" "$RPS_calendar" "$P99_calendar" "$R_calendar" "≥ 0.25 and p99 ≤ 20 ms: $MET"
  row '`GET /api/v1/meetings?from=…&to=…` (every request a different period: no cache)' "$RPS_calendar_miss" "$P99_calendar_miss" "$R_miss" ""
  row '`POST /api/v1/meetings` (meetings created per second)' "$RPS_create" "$P99_create" "$R_create" ""
  row "\`GET /api/v1/documents?q=…\` (search over $N_DOCUMENTS documents, unaccented, access rules applied)" \
    "$RPS_search" "$P99_search" "$R_search" ""
  printf '\n| what (%s MB PDF, one at a time, median of %s) | MB/s | baseline on the same disk | MB/s | ratio |\n' \
    "$FILE_MB" "$FILE_ROUNDS"
  printf '| --- | ---: | --- | ---: | ---: |\n'
  printf '| upload (multipart through the gateway, stored, pages and text read) | %s | copy with fsync (dd conv=fsync) | %s | %s |\n' \
    "$MB_up" "$MB_copy_sync" "$R_up"
  printf '| download (streamed through the gateway to a file) | %s | copy through the page cache (cat) | %s | %s |\n' \
    "$MB_down" "$MB_copy" "$R_down"
  printf '\n%s\n' "${NOTICE_TABLE:-}"
  printf '\n%s\n' "${STORM_TABLE:-}"
)
printf '\n%s\n\n' "$TABLE"
if [ "$MET" == met ]; then pass "the week calendar reaches its target (ratio $R_calendar, p99 $P99_calendar ms)"; else
  fail "the week calendar reaches its target" "ratio $R_calendar (≥ 0.25), p99 $P99_calendar ms (≤ 20)"
fi

# The figures go between the markers of docs/benchmarks.md; the text around
# them (how to read them, where the time goes) is kept as written.
if [ "$T_FAIL" -eq 0 ]; then
  GENERATED=$ENV_DIR/bench.md
  cat >"$GENERATED" <<EOF
<!-- bench:begin (written by bench/run.sh) -->
- date: $DATE, commit $COMMIT, build \`$BUILD\`
- machine: $NPROC CPUs, $CPU
- load: wrk, $CONNS connections, $THREADS threads, ${SECONDS_PER_ROUND} s per round after a ${WARMUP} s warm-up,
  $ROUNDS rounds, median of the rounds; wrk, the gateway, the services and PostgreSQL share the machine.
- node: one gateway (CABINET_HTTP_THREADS=$CABINET_HTTP_THREADS), one process per service
  (CABINET_WORKERS=$CABINET_WORKERS), PostgreSQL on a Unix socket, log level warn.
- data: $N_MEETINGS meetings, $N_INVITATIONS invitations (bench/load_calendar.sql);
  $N_DOCUMENTS documents with about 200 words of text each (bench/load_documents.sql).
- vote storm: $STORM_VOTERS voters invited and present, one new named vote per round, $STORM_ROUNDS
  rounds (median), wrk with bench/ballot.lua; the database vacuumed and analysed before it (the
  rows loaded above), PostgreSQL restarted for it with fsync on (the rows above run as the test
  harness starts it, with fsync off), synchronous_commit on; the gateway and the voting service with
  CABINET_HTTP_THREADS=$STORM_HTTP_THREADS and CABINET_WORKERS=$STORM_WORKERS; load on the machine
  meanwhile (other work shares it): $STORM_LOAD.

$TABLE
<!-- bench:end -->
EOF
  if [ -f "$OUT" ] && grep -q '^<!-- bench:begin' "$OUT" && grep -q '^<!-- bench:end' "$OUT"; then
    awk -v gen="$GENERATED" '
      /^<!-- bench:begin/ { while ((getline line < gen) > 0) print line; skip = 1; next }
      /^<!-- bench:end/ { skip = 0; next }
      !skip { print }' "$OUT" >"$OUT.new" && mv "$OUT.new" "$OUT"
  else
    mkdir -p "$(dirname "$OUT")"
    { printf '# Benchmarks\n\n'; cat "$GENERATED"; } >"$OUT"
  fi
  note "written to ${OUT#"$CAB_ROOT/"}"
fi
finish
