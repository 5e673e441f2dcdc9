#!/usr/bin/env bash
# test_identity.sh - the identity service as people and other systems meet
# it: through the gateway's HTTP API, the Kafka topics it feeds and the LDAP
# directory it signs people in with. Every check drives a real node (see
# lib.sh) and can fail.
source "$(dirname "$0")/lib.sh"

section() { printf '\n== %s\n' "$*"; }

# user_json USERNAME FULL_NAME UNIT_ID ROLES_JSON [TITLE] [EMAIL] [PHONE]
user_json() {
  jq -cn --arg u "$1" --arg n "$2" --arg unit "$3" --argjson r "$4" --arg t "${5-}" \
    --arg e "${6-}" --arg p "${7-}" '{username: $u, full_name: $n, unit_id: $unit, roles: $r}
      + (if $t != "" then {title: $t} else {} end)
      + (if $e != "" then {email: $e} else {} end)
      + (if $p != "" then {phone: $p} else {} end)'
}

matches() { [[ $1 =~ $2 ]]; }

password_json() { jq -cn --arg o "$1" --arg n "$2" '{old_password: $o, new_password: $n}'; }

# documented VERB PATH: the OpenAPI document in BODY has the operation
# (paths may be written relative to a server URL of /api/v1; parameter names
# in braces are free).
documented() {
  printf '%s' "$BODY" | jq -e --arg v "$1" --arg p "$2" '
    def norm: gsub("\\{[^}]*\\}"; "{}");
    ($p | norm) as $want
    | [.paths // {} | to_entries[]
       | select((.key | norm) == $want or (("/api/v1" + .key) | norm) == $want)
       | .value | has($v)] | any' >/dev/null
}

# kafka_find TOPIC KEY [CE_TYPE]: the last record of TOPIC with that key (and
# ce_type header), as kafka_events prints it; fails if there is none yet.
kafka_find() {
  local found
  found=$(kafka_events "$1" | awk -F'\t' -v k="$2" -v t="${3-}" '
    $3 == k && (t == "" || index("," $5 ",", ",ce_type=" t ",") > 0) { last = $0 } END { if (last != "") print last }')
  [ -n "$found" ] && printf '%s\n' "$found"
}

# event_fields TOPIC RECORD_LINE VIEW: decoded fields of that record.
event_fields() {
  local p o
  IFS=$'\t' read -r p o _ <<<"$2"
  kafka_value "$1" "$p" "$o" | pb_decode "$3" | pb_fields
}

env_start
NODE=$CABINET_NODE_ID
EVENTS=cabinet.$NODE.events
R=$(rand_suffix)
SQLI="'; DROP TABLE users; --"

# ---------------------------------------------------------------------------
section "health, metrics, OpenAPI"
call GET /healthz
assert_status "GET /healthz" 200
call GET /readyz
assert_status "GET /readyz" 200
call GET /metrics
assert_status "GET /metrics" 200
case $(header content-type) in
text/plain*) pass "/metrics is text/plain" ;;
*) fail "/metrics is text/plain" "Content-Type: $(header content-type)" ;;
esac
if printf '%s\n' "$BODY" | grep -E '^# TYPE [a-zA-Z_:][a-zA-Z0-9_:]* (counter|gauge|histogram|summary|untyped)$' >/dev/null; then
  pass "/metrics has # TYPE lines"
else
  fail "/metrics has # TYPE lines" "$(printf '%s' "$BODY" | head -n 5)"
fi
bad=$(printf '%s\n' "$BODY" | grep -vE '^(#.*)?$' |
  grep -vE '^[a-zA-Z_:][a-zA-Z0-9_:]*(\{([a-zA-Z_][a-zA-Z0-9_]*="([^"\\]|\\.)*",?)*\})? [-+]?([0-9]+(\.[0-9]*)?([eE][-+]?[0-9]+)?|\.[0-9]+|NaN|Inf)( -?[0-9]+)?$' | head -n 3)
if [ -z "$bad" ] && [ -n "$BODY" ]; then
  pass "/metrics is Prometheus text format"
else
  fail "/metrics is Prometheus text format" "lines that are not samples: $bad"
fi
if printf '%s\n' "$BODY" | grep -v '^#' | grep 'identity' >/dev/null; then
  pass "/metrics includes the identity service's metrics"
else
  fail "/metrics includes the identity service's metrics" "no sample mentions identity"
fi

call GET /api/v1/openapi.json
assert_status "GET /api/v1/openapi.json" 200
assert_json "OpenAPI document is version 3" '.openapi | type == "string" and startswith("3.")'
for op in "post /api/v1/auth/login" "post /api/v1/auth/logout" "get /api/v1/me" \
  "post /api/v1/me/password" "get /api/v1/units" "post /api/v1/units" "get /api/v1/units/{id}" \
  "patch /api/v1/units/{id}" "get /api/v1/users" "post /api/v1/users" "get /api/v1/users/{id}" \
  "patch /api/v1/users/{id}" "delete /api/v1/users/{id}" "post /api/v1/users/{id}/reset-password" \
  "get /api/v1/audit/logins" "get /api/v1/directory" "get /healthz" "get /readyz" "get /metrics"; do
  if documented ${op% *} "${op#* }"; then pass "OpenAPI documents $op"; else fail "OpenAPI documents $op"; fi
done

# ---------------------------------------------------------------------------
section "signing in"
call POST /api/v1/auth/login "$(login_json admin "$ADMIN_PASSWORD")"
assert_status "bootstrap admin signs in with CABINET_BOOTSTRAP_ADMIN_PASSWORD" 200
assert_json "login reply has token, csrf_token, expires_at, must_change_password" \
  '(.token | type == "string" and length >= 32) and (.csrf_token | type == "string" and length > 0)
   and (.expires_at | type == "string") and (.must_change_password | type == "boolean")'
assert_json "login reply names the user and its roles" \
  '.user.username == "admin" and (.user.roles | index("system_admin") != null)'
cookie=$(header set-cookie)
if [[ $cookie == cabinet_session=* ]] && [[ ${cookie,,} == *httponly* ]] && [[ ${cookie,,} == *samesite* ]]; then
  pass "login sets an HttpOnly SameSite cabinet_session cookie"
else
  fail "login sets an HttpOnly SameSite cabinet_session cookie" "Set-Cookie: $cookie"
fi
login_ready ADMIN admin "$ADMIN_PASSWORD" || fail "admin session"
call GET /api/v1/me "" "$ADMIN"
assert_status "GET /api/v1/me with the admin's bearer token" 200
assert_json "/me is the admin" '.username == "admin" and (.roles | index("system_admin") != null) and (.id | test("^[0-9a-f-]{36}$"))'
ADMIN_ID=$(jget .id)
call GET /api/v1/me
assert_error "GET /api/v1/me without a token" 401
call GET /api/v1/me "" "not-a-real-token-$R"
assert_error "GET /api/v1/me with an unknown token" 401

call POST /api/v1/auth/login "$(login_json daibieu5 "wrong-$R-1")"
assert_error "wrong password" 401
body_wrong=$BODY
call POST /api/v1/auth/login "$(login_json "khongtontai.$R" "wrong-$R-1")"
assert_error "unknown user" 401
body_unknown=$BODY
assert_eq "wrong password and unknown user give identical 401 bodies" "$body_wrong" "$body_unknown"

# ---------------------------------------------------------------------------
section "lockout after $CABINET_LOCKOUT_THRESHOLD failures"
for i in $(seq 1 "$CABINET_LOCKOUT_THRESHOLD"); do
  call POST /api/v1/auth/login "$(login_json daibieu4 "wrong-$R-$i")"
  assert_status "daibieu4 failure $i is 401" 401
done
call POST /api/v1/auth/login "$(login_json daibieu4 "$DEMO_PASSWORD")"
assert_error "locked account refuses even the right password" 429
body_locked=$BODY
for i in $(seq 1 "$CABINET_LOCKOUT_THRESHOLD"); do
  call POST /api/v1/auth/login "$(login_json "ma.khong.co.$R" "wrong-$R-$i")"
  assert_status "unknown name failure $i is 401" 401
done
call POST /api/v1/auth/login "$(login_json "ma.khong.co.$R" "wrong-$R-x")"
assert_error "unknown name is locked out the same way" 429
assert_eq "lockout replies are identical for a real and an unknown name" \
  "$(printf '%s' "$body_locked" | jq -c .error.code)" "$(printf '%s' "$BODY" | jq -c .error.code)"

# ---------------------------------------------------------------------------
section "login audit"
list_all "/api/v1/audit/logins" "$ADMIN" >"$ENV_DIR/logins" || true
assert_status "admin reads the login log" 200
check "the log has daibieu4's failed attempts" \
  jq -se 'map(select(.username == "daibieu4" and .success != true)) | length >= 3' "$ENV_DIR/logins"
check "the log has the attempts on an unknown name" \
  jq -se --arg u "ma.khong.co.$R" 'map(select(.username == $u and .success != true)) | length >= 3' "$ENV_DIR/logins"
check "the log has the admin's successful sign-in" \
  jq -se 'map(select(.username == "admin" and .success == true)) | length >= 1' "$ENV_DIR/logins"
login_ready MEMBER daibieu1 "$DEMO_PASSWORD" || fail "member daibieu1 signs in with the demo password"
call GET /api/v1/audit/logins "" "$MEMBER"
assert_error "a member may not read the login log" 403

# ---------------------------------------------------------------------------
section "units"
ROOT_UNIT=$(unit_id "Ủy ban nhân dân tỉnh" "$ADMIN")
VP_UNIT=$(unit_id "Văn phòng UBND tỉnh" "$ADMIN")
STTTT_UNIT=$(unit_id "Sở Thông tin và Truyền thông" "$ADMIN")
STC_UNIT=$(unit_id "Sở Tài chính" "$ADMIN")
check "demo units exist (UBND tỉnh, Văn phòng, Sở TTTT, Sở Tài chính)" \
  test -n "$ROOT_UNIT" -a -n "$VP_UNIT" -a -n "$STTTT_UNIT" -a -n "$STC_UNIT"
call GET "/api/v1/units/$STC_UNIT" "" "$ADMIN"
assert_json "Sở Tài chính is a child of UBND tỉnh" --arg r "$ROOT_UNIT" '.parent_id == $r'

unit_name="Sở Kế hoạch và Đầu tư $R"
call POST /api/v1/units "$(jq -cn --arg n "$unit_name" --arg p "$ROOT_UNIT" '{name: $n, parent_id: $p}')" "$ADMIN"
assert_status "admin creates a unit" 201
assert_json "the new unit has id, name, parent and node" --arg n "$unit_name" --arg p "$ROOT_UNIT" --arg node "$NODE" \
  '(.id | test("^[0-9a-f-]{36}$")) and .name == $n and .parent_id == $p and .node_id == $node'
NEW_UNIT=$(jget '.id // empty')
call GET "/api/v1/units/$NEW_UNIT" "" "$ADMIN"
assert_status "GET the new unit" 200
assert_json "GET returns its name" --arg n "$unit_name" '.name == $n'
unit_name2="Sở Kế hoạch và Đầu tư tỉnh $R"
call PATCH "/api/v1/units/$NEW_UNIT" "$(jq -cn --arg n "$unit_name2" '{name: $n}')" "$ADMIN"
assert_status "admin renames the unit" 200
assert_json "PATCH returns the new name" --arg n "$unit_name2" '.name == $n'
check "the unit list has the renamed unit" test "$(unit_id "$unit_name2" "$ADMIN")" == "$NEW_UNIT"
call POST /api/v1/units "$(jq -cn --arg p "$ROOT_UNIT" '{name: "Sở không được tạo", parent_id: $p}')" "$MEMBER"
assert_error "a member may not create a unit" 403
call GET "/api/v1/units/00000000-0000-7000-8000-000000000000" "" "$ADMIN"
assert_error "unknown unit id" 404

# ---------------------------------------------------------------------------
section "accounts: create, first sign-in, password change"
count_before=$(list_all /api/v1/users "$ADMIN" | wc -l)
U1=an.nv.$R
U1_NAME="Nguyễn Văn An"
U1_PHONE="0912 345 678"
call POST /api/v1/users "$(user_json "$U1" "$U1_NAME" "$NEW_UNIT" '["member"]' "Chuyên viên" "an.$R@khdt.tinh.gov.vn" "$U1_PHONE")" "$ADMIN"
assert_status "admin creates a user" 201
assert_json "created user has id, username and a one-time password" --arg u "$U1" \
  '(.id | test("^[0-9a-f-]{36}$")) and .username == $u and (.one_time_password | type == "string" and length >= 10)'
U1_ID=$(jget '.id // empty')
U1_OTP=$(jget '.one_time_password // empty')
call GET "/api/v1/users/$U1_ID" "" "$ADMIN"
assert_status "GET the new user" 200
assert_json "the stored user matches" --arg n "$U1_NAME" --arg unit "$NEW_UNIT" \
  '.full_name == $n and .unit_id == $unit and .roles == ["member"] and .one_time_password == null'
call POST /api/v1/users "$(user_json "$U1" "Trùng Tên" "$NEW_UNIT" '["member"]')" "$ADMIN"
assert_error "a second user with the same username" 409
call POST /api/v1/users "$(user_json "khong.duoc.$R" "Không Được Tạo" "$NEW_UNIT" '["member"]')" "$MEMBER"
assert_error "a member may not create users" 403

call POST /api/v1/auth/login "$(login_json "$U1" "$U1_OTP")"
assert_status "new user signs in with the one-time password" 200
assert_json "and must change it" '.must_change_password == true'
U1_TOK=$(jget '.token // empty')
call GET /api/v1/units "" "$U1_TOK"
assert_error "before changing it, GET /api/v1/units is refused" 403
call GET /api/v1/users "" "$U1_TOK"
assert_error "before changing it, GET /api/v1/users is refused" 403
call POST /api/v1/me/password "$(password_json "$U1_OTP" "ngan1")" "$U1_TOK"
assert_error "a too short new password is refused" 400 422
call POST /api/v1/me/password "$(password_json "sai-$R-mat-khau" "Mat-khau-moi-$R-1")" "$U1_TOK"
assert_error "a wrong old password is refused" 400 401 403 422
U1_PW="Mat-khau-moi-$R-1"
call POST /api/v1/me/password "$(password_json "$U1_OTP" "$U1_PW")" "$U1_TOK"
assert_status "the user changes the password" 204
call POST /api/v1/auth/login "$(login_json "$U1" "$U1_OTP")"
assert_error "the one-time password no longer works" 401
call POST /api/v1/auth/login "$(login_json "$U1" "$U1_PW")"
assert_status "the new password works" 200
assert_json "and needs no change" '.must_change_password == false'
U1_TOK=$(jget '.token // empty')
call GET /api/v1/units "" "$U1_TOK"
assert_status "after the change, GET /api/v1/units works" 200
call GET /api/v1/me "" "$U1_TOK"
assert_json "/me shows the user's own profile" --arg n "$U1_NAME" --arg unit "$NEW_UNIT" --arg e "an.$R@khdt.tinh.gov.vn" \
  '.full_name == $n and .unit_id == $unit and .email == $e and .title == "Chuyên viên" and .roles == ["member"]'

# ---------------------------------------------------------------------------
section "password reset"
call POST "/api/v1/users/$U1_ID/reset-password" "" "$ADMIN"
assert_status "admin resets the user's password" 200
assert_json "reset returns a one-time password" '.one_time_password | type == "string" and length >= 10'
U1_OTP2=$(jget '.one_time_password // empty')
call POST /api/v1/auth/login "$(login_json "$U1" "$U1_PW")"
assert_error "the previous password stops working" 401
call POST /api/v1/auth/login "$(login_json "$U1" "$U1_OTP2")"
assert_status "the reset one-time password works" 200
assert_json "and forces a change" '.must_change_password == true'
t=$(jget '.token // empty')
U1_PW="Mat-khau-moi-$R-2"
call POST /api/v1/me/password "$(password_json "$U1_OTP2" "$U1_PW")" "$t"
assert_status "the user sets a new password after the reset" 204
call POST "/api/v1/users/$ADMIN_ID/reset-password" "" "$MEMBER"
assert_error "a member may not reset someone's password" 403

# ---------------------------------------------------------------------------
section "unit admin of Sở Thông tin và Truyền thông"
login_ready UADMIN qtstttt "$DEMO_PASSWORD" || fail "qtstttt signs in with the demo password"
call POST /api/v1/users "$(user_json "ngoai.$R" "Người Ngoài Sở" "$STC_UNIT" '["member"]')" "$UADMIN"
assert_error "unit admin creates a user in another agency" 403
call PATCH "/api/v1/users/$U1_ID" '{"title":"Không được sửa"}' "$UADMIN"
assert_error "unit admin changes a user of another agency" 403
call POST "/api/v1/users/$ADMIN_ID/reset-password" "" "$UADMIN"
assert_error "unit admin resets the system admin's password" 403
call POST /api/v1/users "$(user_json "quyen.$R" "Người Quá Quyền" "$STTTT_UNIT" '["system_admin"]')" "$UADMIN"
assert_error "unit admin grants system_admin" 403
call POST /api/v1/users "$(user_json "binh.tt.$R" "Trần Thanh Bình" "$STTTT_UNIT" '["member"]')" "$UADMIN"
assert_status "unit admin creates a user in its own agency" 201
OWN_ID=$(jget '.id // empty')
call PATCH "/api/v1/users/$OWN_ID" '{"title":"Chuyên viên chính"}' "$UADMIN"
assert_status "unit admin changes a user of its own agency" 200
assert_json "the change is returned" '.title == "Chuyên viên chính"'
call PATCH "/api/v1/users/$OWN_ID" "$(jq -cn --arg u "$STC_UNIT" '{unit_id: $u}')" "$UADMIN"
assert_error "unit admin moves its user into another agency" 403

# ---------------------------------------------------------------------------
section "bad input"
count_mid=$(list_all /api/v1/users "$ADMIN" | wc -l)
assert_eq "user count = before + 2 created" "$((count_before + 2))" "$count_mid"
count_before=$count_mid
identity_tables() { psql_q "SELECT string_agg(tablename, ',' ORDER BY tablename) FROM pg_tables WHERE schemaname = 'identity'"; }
tables_before=$(identity_tables)
check "the identity schema has tables" test -n "$tables_before"
f=$ENV_DIR/req.json
JSON=application/json

printf '{"username": "x", "full_name": ' >"$f"
call_raw POST /api/v1/users $JSON "$f" "$ADMIN"
assert_error "POST /users malformed JSON" 400
call_raw POST /api/v1/auth/login $JSON "$f"
assert_error "POST /auth/login malformed JSON" 400
printf '{"username":"ab\xff\xfecd","full_name":"T\xc3","unit_id":"%s","roles":["member"]}' "$NEW_UNIT" >"$f"
call_raw POST /api/v1/users $JSON "$f" "$ADMIN"
assert_error "POST /users invalid UTF-8" 400
printf '{"username":"ab\xffcd","password":"x\xc0\xafy"}' >"$f"
call_raw POST /api/v1/auth/login $JSON "$f"
assert_error "POST /auth/login invalid UTF-8" 400
printf '{"username":"ab\xed\xa0\x80cd","password":"x"}' >"$f"
call_raw POST /api/v1/auth/login $JSON "$f"
assert_error "POST /auth/login UTF-8-encoded surrogate" 400
call POST /api/v1/users "$(jq -cn --arg u "$NEW_UNIT" '{username: 5, full_name: "Kiểu Sai", unit_id: $u, roles: ["member"]}')" "$ADMIN"
assert_error "POST /users username is a number" 400 422
call POST /api/v1/users "$(jq -cn --arg u "$NEW_UNIT" '{username: "kieu.sai", full_name: "Kiểu Sai", unit_id: $u, roles: "member"}')" "$ADMIN"
assert_error "POST /users roles is a string" 400 422
call POST /api/v1/auth/login '{"username":5,"password":"x"}'
assert_error "POST /auth/login username is a number" 400 422
call POST /api/v1/auth/login '{"username":["a"],"password":{"x":1}}'
assert_error "POST /auth/login fields are array/object" 400 422
call POST /api/v1/users '{"full_name":"Thiếu Tên Đăng Nhập"}' "$ADMIN"
assert_error "POST /users missing username" 400 422
call POST /api/v1/auth/login "$(jq -cn --arg u "thieu.$R" '{username: $u}')"
assert_error "POST /auth/login missing password" 400 422
call POST /api/v1/auth/login '{}'
assert_error "POST /auth/login empty object" 400 422
call POST /api/v1/users "$(jq -cn --arg u "$NEW_UNIT" '{username: "la.truong", full_name: "Trường Lạ", unit_id: $u, roles: ["member"], is_root: true}')" "$ADMIN"
assert_error "POST /users unknown field" 400 422
call POST /api/v1/auth/login "$(jq -cn --arg u "la.$R" '{username: $u, password: "x", remember_forever: true}')"
assert_error "POST /auth/login unknown field" 400 422
call POST /api/v1/users '[1,2,3]' "$ADMIN"
assert_error "POST /users body is an array" 400 422
call POST /api/v1/auth/login 'null'
assert_error "POST /auth/login body is null" 400 422
: >"$f"
call_raw POST /api/v1/auth/login $JSON "$f"
assert_error "POST /auth/login empty body" 400 422
call POST /api/v1/users "$(jq -cn --arg u "$NEW_UNIT" '{username: "nul.byte", full_name: "Nul\u0000Byte", unit_id: $u, roles: ["member"]}')" "$ADMIN"
assert_error "POST /users NUL in a name" 400 422
call POST /api/v1/users "$(jq -cn --arg u "$NEW_UNIT" --arg n "$(printf 'Đ%.0s' $(seq 1 201))" '{username: "dai.qua", full_name: $n, unit_id: $u, roles: ["member"]}')" "$ADMIN"
assert_error "POST /users full name of 201 characters" 400 422
call POST /api/v1/users "$(user_json "vai.tro.la" "Vai Trò Lạ" "$NEW_UNIT" '["superuser"]')" "$ADMIN"
assert_error "POST /users unknown role" 400 422

big=$((CABINET_MAX_BODY_BYTES + 4096))
{ printf '{"username":"lon.qua","full_name":"'; head -c "$big" /dev/zero | tr '\0' 'a'; printf '","unit_id":"%s","roles":["member"]}' "$NEW_UNIT"; } >"$f"
call_raw POST /api/v1/users $JSON "$f" "$ADMIN"
assert_error "POST /users body over CABINET_MAX_BODY_BYTES" 413
{ printf '{"username":"lon.qua","password":"'; head -c "$big" /dev/zero | tr '\0' 'a'; printf '"}'; } >"$f"
call_raw POST /api/v1/auth/login $JSON "$f"
assert_error "POST /auth/login body over CABINET_MAX_BODY_BYTES" 413

user_json "kieu.noi.dung" "Kiểu Nội Dung" "$NEW_UNIT" '["member"]' >"$f"
call_raw POST /api/v1/users "text/plain" "$f" "$ADMIN"
assert_error "POST /users as text/plain" 415
printf 'username=kieu.%s&password=x' "$R" >"$f"
call_raw POST /api/v1/auth/login "application/x-www-form-urlencoded" "$f"
assert_error "POST /auth/login as a real form" 415
# `curl -d '{...}'` labels JSON as a form: taken as JSON.
login_json "kieu.$R" "x" >"$f"
call_raw POST /api/v1/auth/login "application/x-www-form-urlencoded" "$f"
assert_error "POST /auth/login with JSON labelled as a form is read as JSON" 401
login_json "kieu.$R" "x" >"$f"
call_raw POST /api/v1/auth/login "application/xml" "$f"
assert_error "POST /auth/login as XML" 415

# SQL metacharacters: fields with a fixed shape refuse them; free text
# (full name, title) may take them, stored exactly as sent.
accepted_sqli=()
for field in username unit_id email phone roles; do
  body=$(user_json "sqli.$field.$R" "Thử SQL" "$NEW_UNIT" '["member"]' "" "sqli.$R@khdt.tinh.gov.vn" "0912000111" |
    jq -c --arg f "$field" --arg s "$SQLI" 'if $f == "roles" then .roles = [$s] else .[$f] = $s end')
  call POST /api/v1/users "$body" "$ADMIN"
  assert_error "POST /users SQL text in $field" 400 404 422
done
for field in full_name title; do
  body=$(user_json "sqli.${field//_/}.$R" "Thử SQL" "$NEW_UNIT" '["member"]' "Chuyên viên" |
    jq -c --arg f "$field" --arg s "$SQLI" '.[$f] = $s')
  call POST /api/v1/users "$body" "$ADMIN"
  if [ "$STATUS" == 201 ]; then
    id=$(jget .id)
    call GET "/api/v1/users/$id" "" "$ADMIN"
    assert_json "SQL text in $field is stored verbatim" --arg f "$field" --arg s "$SQLI" '.[$f] == $s'
    accepted_sqli+=("$id")
  else
    assert_error "POST /users SQL text in $field" 400 422
  fi
done
call POST /api/v1/auth/login "$(login_json "$SQLI" "x")"
assert_error "POST /auth/login SQL text as username" 400 401
call POST /api/v1/auth/login "$(login_json "sqli.$R" "$SQLI")"
assert_error "POST /auth/login SQL text as password" 401
call POST /api/v1/auth/login "$(login_json "admin' OR '1'='1" "' OR '1'='1")"
assert_error "POST /auth/login classic OR 1=1" 400 401
call PATCH "/api/v1/users/$U1_ID" "$(jq -cn --arg s "$SQLI" '{email: $s}')" "$ADMIN"
assert_error "PATCH /users SQL text in email" 400 422
call GET "/api/v1/users/$(jq -rn --arg s "$SQLI" '$s|@uri')" "" "$ADMIN"
assert_error "GET /users/{SQL text}" 400 404

for id in "${accepted_sqli[@]}"; do
  call DELETE "/api/v1/users/$id" "" "$ADMIN"
  assert_status "delete the account with SQL text in its name" 204
done
count_after=$(list_all /api/v1/users "$ADMIN" | wc -l)
assert_eq "the user count is unchanged after the bad input" "$count_before" "$count_after"
call GET /healthz
assert_status "the gateway still answers" 200
call GET /api/v1/me "" "$ADMIN"
assert_status "the identity service still answers" 200
assert_eq "the identity schema has all its tables after the bad input" "$tables_before" "$(identity_tables)"

# ---------------------------------------------------------------------------
section "Vietnamese text is stored in NFC"
nfd_name="Nguy$(printf 'e\xcc\x82\xcc\x83')n V$(printf 'a\xcc\x86')n Ti$(printf 'e\xcc\x82\xcc\x81')n"
nfc_name="Nguyễn Văn Tiến"
check "the test string really is decomposed" test "$nfd_name" != "$nfc_name"
call POST /api/v1/users "$(user_json "tien.nv.$R" "$nfd_name" "$NEW_UNIT" '["member"]' "Chuy$(printf 'e\xcc\x82')n vi$(printf 'e\xcc\x82')n")" "$ADMIN"
assert_status "create a user with a decomposed (NFD) name" 201
assert_json "the reply has the precomposed name" --arg n "$nfc_name" '.full_name == $n and .title == "Chuyên viên"'
NFC_ID=$(jget '.id // empty')
call GET "/api/v1/users/$NFC_ID" "" "$ADMIN"
assert_json "GET returns the precomposed name" --arg n "$nfc_name" '.full_name == $n'
call PATCH "/api/v1/users/$NFC_ID" "$(jq -cn --arg t "Ph$(printf 'o\xcc\x81') Gi$(printf 'a\xcc\x81')m $(printf '\xc4\x91o\xcc\x82\xcc\x81')c" '{title: $t}')" "$ADMIN"
assert_status "PATCH with a decomposed title" 200
assert_json "the title comes back precomposed" '.title == "Phó Giám đốc"'
call GET "/api/v1/users?q=$(jq -rn --arg s "Tiến" '$s|@uri')" "" "$ADMIN"
assert_json "search by the precomposed name finds the user" --arg id "$NFC_ID" '[.items[].id] | index($id) != null'

# ---------------------------------------------------------------------------
section "LDAP sign-in"
call POST /api/v1/auth/login "$(login_json nhungdt Ldap-Nhung-2026)"
assert_status "directory user signs in with the directory password" 200
assert_json "the profile carries the Vietnamese name from LDAP" \
  '.user.full_name == "Đặng Thị Hồng Nhung" and .must_change_password == false'
LDAP_TOK=$(jget '.token // empty')
call GET /api/v1/me "" "$LDAP_TOK"
assert_status "GET /me for the directory user" 200
assert_json "name, title, e-mail and phone come from the directory" \
  '.full_name == "Đặng Thị Hồng Nhung" and .title == "Chuyên viên chính" and .email == "nhungdt@stc.tinh.gov.vn" and ((.phone // "") | gsub(" "; "")) == "0912345678"'
assert_json "the directory user lands in the agency named by its ou" --arg u "$STC_UNIT" '.unit_id == $u'
LDAP_ID=$(jget '.id // empty')
call GET "/api/v1/users/$LDAP_ID" "" "$ADMIN"
assert_json "admin sees the account as an LDAP account" '.source == "ldap" and .username == "nhungdt"'
call POST /api/v1/auth/login "$(login_json nhungdt Ldap-sai-mat-khau-1)"
assert_error "wrong directory password" 401
assert_eq "wrong directory password gives the same 401 body as an unknown user" "$body_unknown" "$BODY"
call POST /api/v1/auth/login "$(login_json hoapn Ldap-Hoa-2026)"
assert_status "directory user of an agency the node does not know signs in" 200
t=$(jget '.token // empty')
call GET /api/v1/me "" "$t"
assert_json "and lands in CABINET_LDAP_DEFAULT_UNIT" --arg u "$VP_UNIT" '.unit_id == $u and .full_name == "Phạm Ngọc Hòa"'

# ---------------------------------------------------------------------------
section "events on Kafka"
if wait_for 30 kafka_find "$EVENTS" "$U1_ID" user.created; then
  pass "user.created for the new user is on $EVENTS, keyed by the user id"
  rec=$(kafka_find "$EVENTS" "$U1_ID" user.created)
  hdrs=$(printf '%s' "$rec" | cut -f5)
  ce_id=$(kafka_header "$hdrs" ce_id)
  check "ce_id header is set" test -n "$ce_id"
  assert_eq "ce_specversion header" "1.0" "$(kafka_header "$hdrs" ce_specversion)"
  src=$(kafka_header "$hdrs" ce_source)
  check "ce_source header names the node ($src)" test "${src#*"$NODE"}" != "$src"
  check "ce_time header is RFC 3339" matches "$(kafka_header "$hdrs" ce_time)" \
    '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+(Z|[+-][0-9]{2}:[0-9]{2})$'
  check "content-type header is set" test -n "$(kafka_header "$hdrs" content-type)"
  event_fields "$EVENTS" "$rec" UserEvent >"$ENV_DIR/ev"
  assert_eq "envelope id = ce_id" "$ce_id" "$(pb_get id <"$ENV_DIR/ev")"
  assert_eq "envelope type" "user.created" "$(pb_get type <"$ENV_DIR/ev")"
  assert_eq "envelope source" "$NODE" "$(pb_get source <"$ENV_DIR/ev")"
  assert_eq "envelope subject" "$U1_ID" "$(pb_get subject <"$ENV_DIR/ev")"
  assert_eq "envelope schema" "cabinet.v1.UserChanged" "$(pb_get schema <"$ENV_DIR/ev")"
  assert_eq "envelope actor is the admin" "$ADMIN_ID" "$(pb_get actor_id <"$ENV_DIR/ev")"
  assert_eq "payload user id" "$U1_ID" "$(pb_get payload.user.id <"$ENV_DIR/ev")"
  assert_eq "payload username" "$U1" "$(pb_get payload.user.username <"$ENV_DIR/ev")"
  assert_eq "payload full name" "$U1_NAME" "$(pb_get payload.user.full_name <"$ENV_DIR/ev")"
  assert_eq "the event carries no one-time password" "" "$(pb_get payload.user.one_time_password <"$ENV_DIR/ev")"
else
  fail "user.created for the new user is on $EVENTS, keyed by the user id" \
    "records: $(kafka_events "$EVENTS" | tail -n 5)"
fi
if wait_for 20 kafka_find "$EVENTS" "$NFC_ID" user.created; then
  event_fields "$EVENTS" "$(kafka_find "$EVENTS" "$NFC_ID" user.created)" UserEvent >"$ENV_DIR/ev"
  assert_eq "the event carries the NFC name" "$nfc_name" "$(pb_get payload.user.full_name <"$ENV_DIR/ev")"
else
  fail "user.created for the NFD-named user"
fi
if wait_for 20 kafka_find "$EVENTS" "$NEW_UNIT" unit.created; then
  event_fields "$EVENTS" "$(kafka_find "$EVENTS" "$NEW_UNIT" unit.created)" UnitEvent >"$ENV_DIR/ev"
  assert_eq "unit.created carries the unit name" "$unit_name" "$(pb_get payload.unit.name <"$ENV_DIR/ev")"
else
  fail "unit.created for the new unit is on $EVENTS"
fi
check "unit.updated for the renamed unit is on $EVENTS" wait_for 20 kafka_find "$EVENTS" "$NEW_UNIT" unit.updated
check "user.password_changed is on $EVENTS" wait_for 20 kafka_find "$EVENTS" "$U1_ID" user.password_changed
check "user.password_reset is on $EVENTS" wait_for 20 kafka_find "$EVENTS" "$U1_ID" user.password_reset
check "user.updated for the unit admin's change is on $EVENTS" wait_for 20 kafka_find "$EVENTS" "$OWN_ID" user.updated

# the directory entry: an Event envelope around a DirectoryEntry, or the
# DirectoryEntry itself
directory_entry() { # RECORD_LINE -> fields with the entry under "entry."
  local p o raw=$ENV_DIR/dir.raw
  IFS=$'\t' read -r p o _ <<<"$1"
  kafka_value cabinet.directory "$p" "$o" >"$raw"
  if pb_decode DirectoryEvent <"$raw" 2>/dev/null | pb_fields >"$ENV_DIR/dir.f" &&
    [ -n "$(pb_get payload.id <"$ENV_DIR/dir.f")" ]; then
    sed 's/^payload\./entry./' "$ENV_DIR/dir.f"
  else
    pb_decode cabinet.v1.DirectoryEntry <"$raw" | pb_fields | sed 's/^/entry./'
  fi
}
if wait_for 30 kafka_find cabinet.directory "$U1_ID"; then
  pass "cabinet.directory has the new user, keyed by id"
  rec=$(kafka_find cabinet.directory "$U1_ID")
  directory_entry "$rec" >"$ENV_DIR/ev"
  assert_eq "directory entry name" "$U1_NAME" "$(pb_get entry.name <"$ENV_DIR/ev")"
  assert_eq "directory entry kind" "user" "$(pb_get entry.kind <"$ENV_DIR/ev")"
  assert_eq "directory entry unit" "$NEW_UNIT" "$(pb_get entry.unit_id <"$ENV_DIR/ev")"
  assert_eq "directory entry node" "$NODE" "$(pb_get entry.node_id <"$ENV_DIR/ev")"
  IFS=$'\t' read -r p o _ <<<"$rec"
  if kafka_value cabinet.directory "$p" "$o" | tr -d ' ' | grep -a "${U1_PHONE// /}" >/dev/null; then
    fail "the directory entry has no phone number" "found ${U1_PHONE} in the record"
  else
    pass "the directory entry has no phone number"
  fi
else
  fail "cabinet.directory has the new user, keyed by id" "$(kafka_events cabinet.directory | tail -n 5)"
fi
check "cabinet.directory has the new unit" wait_for 20 kafka_find cabinet.directory "$NEW_UNIT"

directory_has() {
  list_all /api/v1/directory "$1" | jq -se --arg id "$2" 'map(select(.id == $id)) | length == 1'
}
if wait_for 30 directory_has "$MEMBER" "$U1_ID"; then
  pass "GET /api/v1/directory lists the new user"
  list_all /api/v1/directory "$MEMBER" >"$ENV_DIR/dir.json"
  check "directory entries carry no phone" jq -se 'map(select(has("phone"))) | length == 0' "$ENV_DIR/dir.json"
else
  fail "GET /api/v1/directory lists the new user" "status $STATUS $(printf '%s' "$BODY" | head -c 300)"
fi

# ---------------------------------------------------------------------------
section "delete"
call DELETE "/api/v1/users/$U1_ID" "" "$MEMBER"
assert_error "a member may not delete users" 403
call DELETE "/api/v1/users/$U1_ID" "" "$ADMIN"
assert_status "admin deletes the user" 204
call POST /api/v1/auth/login "$(login_json "$U1" "$U1_PW")"
assert_error "the deleted user cannot sign in" 401
call GET /api/v1/me "" "$U1_TOK"
assert_error "the deleted user's session is gone" 401
call GET "/api/v1/users/$U1_ID" "" "$ADMIN"
if [ "$STATUS" == 404 ]; then pass "the deleted user is gone (404)"; else
  assert_json "the deleted user is gone (404) or inactive" '.active == false'
fi
check "user.deleted is on $EVENTS" wait_for 30 kafka_find "$EVENTS" "$U1_ID" user.deleted
tombstone() { kafka_find cabinet.directory "$1" | awk -F'\t' '$4 == -1 { f = 1 } END { exit !f }'; }
check "the directory topic has a tombstone for the deleted user" wait_for 30 tombstone "$U1_ID"

# ---------------------------------------------------------------------------
section "sign out"
login_ready T2 daibieu2 "$DEMO_PASSWORD" || fail "daibieu2 signs in"
call GET /api/v1/me "" "$T2"
assert_status "token works before logout" 200
call POST /api/v1/auth/logout "" "$T2"
assert_status "logout" 200 204
call GET /api/v1/me "" "$T2"
assert_error "the token is refused after logout" 401

call POST /api/v1/auth/login "$(login_json daibieu3 "${PASSWORD_OF[daibieu3]:-$DEMO_PASSWORD}")"
csrf=$(jget '.csrf_token // empty')
sess=$(header set-cookie | sed -n 's/^cabinet_session=\([^;]*\).*/\1/p')
check "web sign-in gives a session cookie" test -n "$sess"
call GET /api/v1/me "" "" -H "Cookie: cabinet_session=$sess"
assert_status "the session cookie authenticates" 200
call POST /api/v1/auth/logout "" "" -H "Cookie: cabinet_session=$sess"
assert_error "a cookie-authenticated write without X-CSRF-Token is refused" 403
call POST /api/v1/auth/logout "" "" -H "Cookie: cabinet_session=$sess" -H "X-CSRF-Token: wrong-$R"
assert_error "a cookie-authenticated write with a wrong X-CSRF-Token is refused" 403
call POST /api/v1/auth/logout "" "" -H "Cookie: cabinet_session=$sess" -H "X-CSRF-Token: $csrf"
assert_status "logout with cookie and CSRF token" 200 204
call GET /api/v1/me "" "" -H "Cookie: cabinet_session=$sess"
assert_error "the cookie is refused after logout" 401

finish
