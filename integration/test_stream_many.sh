#!/usr/bin/env bash
# test_stream_many.sh - a thousand live streams on one gateway with four HTTP
# threads (integration/sse_many.py holds them from one process): every one
# receives the change made through REST, the gateway's thread count does not
# grow with them, the stream past CABINET_SSE_MAX_STREAMS is refused with
# 503, and SIGTERM still stops the gateway promptly and cleanly with all of
# them open. Prints the figures (threads, memory, delivery time). See lib.sh.
source "$(dirname "$0")/lib.sh"

section() { printf '\n== %s\n' "$*"; }

STREAMS=${STREAMS:-1000}
export CABINET_HTTP_THREADS=4
export CABINET_SSE_MAX_STREAMS=$STREAMS
export CABINET_SSE_MAX_PER_USER=$STREAMS
# one descriptor per stream on each side, and some to spare
ulimit -n "$((STREAMS * 2 + 1024))" 2>/dev/null || ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
env_start
R=$(rand_suffix)
VN() { TZ=Asia/Ho_Chi_Minh date "$@"; }
at() { VN -d "$(VN +%F) +$1 days $2" +%Y-%m-%dT%H:%M:%S%:z; }
GW_PID=${ENV_PID[gateway]}
status_of() { awk -v k="$1:" '$1 == k { print $2 }' "/proc/$GW_PID/status"; }

section "a meeting followed by many"
declare -A TOKEN=() ID=()
for u in vanthu lanhdao chutri thuky daibieu1 daibieu2; do
  login_ready "TOKEN[$u]" "$u" "$DEMO_PASSWORD" || fail "$u signs in"
  ID[$u]=$(psql_q "SELECT id FROM identity.users WHERE username = '$u'")
done
wait_for 60 scheduling_settled || fail "the demo people reach the scheduling projection"
call POST /api/v1/meetings "$(jq -cn --arg t "Hội nghị trực tuyến toàn tỉnh $R" \
  --arg s "$(at 10 09:00)" --arg e "$(at 10 11:00)" --arg c "${ID[chutri]}" --arg sec "${ID[thuky]}" \
  --arg a "${ID[lanhdao]}" --arg p "${ID[daibieu1]}" --arg q "${ID[daibieu2]}" \
  '{title: $t, start_at: $s, end_at: $e, form: "online", type: "regular", chair_id: $c,
    secretary_id: $sec, approver_id: $a, participants: [{user_id: $p}, {user_id: $q}]}')" "${TOKEN[vanthu]}"
assert_status "the clerk registers a meeting" 201
M=$(jget .id)
call POST "/api/v1/meetings/$M/submit" "" "${TOKEN[vanthu]}"
call POST "/api/v1/meetings/$M/approve" "" "${TOKEN[lanhdao]}"
assert_status "… approved" 200

THREADS_BEFORE=$(status_of Threads)
RSS_BEFORE=$(status_of VmRSS)
note "gateway before: $THREADS_BEFORE threads, $RSS_BEFORE kB resident"

section "$STREAMS streams"
D=$ENV_DIR/many
mkdir -p "$D"
TOKENS="${TOKEN[chutri]},${TOKEN[thuky]},${TOKEN[daibieu1]},${TOKEN[daibieu2]}"
t0=$(now_ms)
python3 "$CAB_ROOT/integration/sse_many.py" 127.0.0.1 "$HTTP_PORT" "/api/v1/meetings/$M/stream" \
  "$TOKENS" "$STREAMS" meeting.started "$D/ready" "$D/out" "$D/stop" 120 120 >"$D/client.log" 2>&1 &
CLIENT=$!
stop_client() { touch "$D/stop"; wait "$CLIENT" 2>/dev/null; }
check "the client opens them" wait_for 150 test -s "$D/ready"
note "opened in $(($(now_ms) - t0)) ms: $(cat "$D/ready" 2>/dev/null)"
assert_eq "all $STREAMS are open" "$STREAMS" "$(jq -r .opened "$D/ready" 2>/dev/null)"
counted() { curl -s "$BASE_URL/metrics" | grep -q "^cabinet_gateway_streams $STREAMS\$"; }
check "the gateway counts them" wait_for 10 counted
THREADS_OPEN=$(status_of Threads)
RSS_OPEN=$(status_of VmRSS)
note "gateway with $STREAMS streams: $THREADS_OPEN threads, $RSS_OPEN kB resident" \
  "($(((RSS_OPEN - RSS_BEFORE) * 1024 / STREAMS)) bytes per stream)"
check "the thread count does not grow with the streams" test "$THREADS_OPEN" -le "$((THREADS_BEFORE + 2))"
check "… and stays small (under 24)" test "$THREADS_OPEN" -lt 24
# about 41 kB each (mostly libmicrohttpd's connection buffer); the sanitizers' red zones add more
KB_MAX=64
[[ $BUILD == *san* ]] && KB_MAX=96
check "memory stays under $KB_MAX kB per stream" test "$(((RSS_OPEN - RSS_BEFORE) / STREAMS))" -lt "$KB_MAX"
call GET "/api/v1/meetings/$M/stream" "" "${TOKEN[daibieu1]}"
assert_error "the stream past CABINET_SSE_MAX_STREAMS is refused" 503
check "… with Retry-After" test -n "$(header Retry-After)"
check "REST still answers" sh -c "curl -s -o /dev/null -w '%{http_code}' '$BASE_URL/api/v1/meetings/$M' -H 'Authorization: Bearer ${TOKEN[chutri]}' | grep -q 200"

section "a change reaches every stream"
CPU_BEFORE=$(awk '{ print $14 + $15 }' "/proc/$GW_PID/stat")
t1=$(now_ms)
call POST "/api/v1/meetings/$M/start" "" "${TOKEN[chutri]}"
assert_status "the chair starts the meeting" 200
check "every stream receives meeting.started" wait_for 60 test -s "$D/out"
assert_eq "… all $STREAMS of them" "$STREAMS" "$(jq -r .got "$D/out" 2>/dev/null)"
assert_eq "… none ended early" 0 "$(jq -r .ended_early "$D/out" 2>/dev/null)"
LAST=$(jq -r .last_ms "$D/out" 2>/dev/null)
CPU_AFTER=$(awk '{ print $14 + $15 }' "/proc/$GW_PID/stat")
note "the last stream had it $((LAST - t1)) ms after the request was sent;" \
  "the gateway used $(((CPU_AFTER - CPU_BEFORE) * 1000 / $(getconf CLK_TCK))) ms of CPU meanwhile"
THREADS_AFTER=$(status_of Threads)
check "the fan-out needed no more threads" test "$THREADS_AFTER" -le "$((THREADS_BEFORE + 2))"
note "gateway after the fan-out: $THREADS_AFTER threads, $(status_of VmRSS) kB resident"

section "stopping with every stream open"
t2=$(now_ms)
stop_proc gateway TERM
assert_eq "the gateway stops cleanly on SIGTERM with $STREAMS streams open" 0 "$STOP_RC"
STOP_MS=$(($(now_ms) - t2))
note "stopped in $STOP_MS ms"
check "… promptly (under 5 s)" test "$STOP_MS" -lt 5000
client_done() { ! kill -0 "$CLIENT" 2>/dev/null; }
check "… and every stream ended with it" wait_for 20 client_done
stop_client
finish
