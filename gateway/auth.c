/*  gw_auth - authentication of HTTP requests. identity.Authenticate says
    whether a token opens a session and who the caller is; its verdict is
    kept in the session cache (cache.h) for CABINET_SESSION_CACHE_MS at
    most, never past the session's own expiry, and stamped with identity's
    generation: a sign-out, a password change, a lock, a role change or any
    other identity event or write seen by this gateway retires every kept
    verdict, so the next request asks again. The services check
    authorization themselves against the Caller passed on.

    CSRF: a cookie is sent by the browser whatever page started the request,
    so writes authenticated by the cookie must also carry X-CSRF-Token, the
    value of the cabinet_csrf cookie, which only our own pages can read.
    The token is derived from the session token (cab_csrf_token), so the
    gateway can check it without storing anything. Bearer tokens are never
    sent by a browser on its own and need no CSRF token.  */
#include "auth.h"
#include "cab_crypto.h"
#include "cab_log.h"
#include "cab_time.h"
#include "cab_utf8.h"
#include "cabinet/v1/identity.pb-c.h"
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#define HTTP_UNAUTHORIZED 401
#define MS_PER_S 1000
#define HTTP_FORBIDDEN 403

static const char s_bearer[] = "Bearer";
static const char s_authenticate_method[] = "identity.Authenticate";
static const char s_www_authenticate[] = "Bearer realm=\"cabinet\"";

//  RFC 6750 b64token: 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="
static bool
s_token_valid (const char *token)
{
    size_t n = 0;
    while (token[n] && (isalnum ((unsigned char) token[n]) || strchr ("-._~+/", token[n])))
        n++;
    if (n == 0)
        return false;
    while (token[n] == '=')
        n++;
    return token[n] == '\0' && n <= GW_TOKEN_MAX;
}

gw_token_source_t
gw_auth_token (const char *authorization, const char *cookie, const char **token_p)
{
    *token_p = NULL;
    if (authorization) {
        size_t len = strlen (s_bearer);
        if (strncasecmp (authorization, s_bearer, len) != 0 || authorization[len] != ' ')
            return GW_TOKEN_MALFORMED;
        const char *token = authorization + len;
        while (*token == ' ')
            token++;
        if (!s_token_valid (token))
            return GW_TOKEN_MALFORMED;
        *token_p = token;
        return GW_TOKEN_BEARER;
    }
    if (cookie) {
        if (!s_token_valid (cookie))
            return GW_TOKEN_MALFORMED;
        *token_p = cookie;
        return GW_TOKEN_COOKIE;
    }
    return GW_TOKEN_NONE;
}

bool
gw_auth_csrf_required (const char *verb, gw_token_source_t source)
{
    return source == GW_TOKEN_COOKIE && gw_verb_is_write (verb);
}

bool
gw_auth_csrf_ok (const char *verb, gw_token_source_t source, const char *token, const char *header)
{
    if (!gw_auth_csrf_required (verb, source))
        return true;
    if (!token || !header || !*header)
        return false;
    char expected[CAB_TOKEN_LEN + 1];
    cab_csrf_token (token, expected);
    return cab_secure_equal (expected, header);
}

char *
gw_auth_cookie (const char *name, const char *value, long max_age, bool http_only, bool secure)
{
    char age[32] = "";
    if (max_age >= 0)
        snprintf (age, sizeof age, "; Max-Age=%ld", max_age);
    char *cookie = NULL;
    if (asprintf (&cookie, "%s=%s; Path=/%s; SameSite=Strict%s%s", name, value, age,
                  http_only ? "; HttpOnly" : "", secure ? "; Secure" : "")
        < 0)
        return NULL;
    return cookie;
}

static void
s_add_cookie (gw_reply_t *reply, const char *name, const char *value, long max_age, bool http_only,
              bool secure)
{
    char *cookie = gw_auth_cookie (name, value, max_age, http_only, secure);
    if (cookie)
        gw_reply_header (reply, "Set-Cookie", cookie);
    free (cookie);
}

void
gw_auth_clear_cookies (const gw_env_t *env, gw_reply_t *reply)
{
    s_add_cookie (reply, GW_SESSION_COOKIE, "", 0, true, env->cookie_secure);
    s_add_cookie (reply, GW_CSRF_COOKIE, "", 0, false, env->cookie_secure);
}

char *
gw_auth_clean_text (cab_arena_t *arena, const char *text)
{
    if (!text)
        return NULL;
    size_t n = strlen (text);
    if (n > GW_USER_AGENT_MAX) {
        n = GW_USER_AGENT_MAX;
        //  Do not cut a UTF-8 sequence in half: back off continuation bytes.
        while (n > 0 && ((unsigned char) text[n] & 0xC0) == 0x80)
            n--;
    }
    char *copy = cab_arena_alloc (arena, n + 1);
    memcpy (copy, text, n);
    bool valid = cab_utf8_valid (copy, n);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char) copy[i];
        if (c < 0x20 || c == 0x7F || (!valid && c >= 0x80))
            copy[i] = '?';
    }
    return copy;
}

static void
s_unauthenticated (gw_request_t *req, gw_reply_t *reply, gw_token_source_t source, const char *code,
                   const char *message)
{
    gw_reply_error (reply, HTTP_UNAUTHORIZED, code, message, NULL);
    gw_reply_header (reply, "WWW-Authenticate", s_www_authenticate);
    //  A cookie that no longer opens a session only gets in the way.
    if (source == GW_TOKEN_COOKIE)
        gw_auth_clear_cookies (req->env, reply);
}

//  The cache key of a token: its SHA-256, so the cache never holds tokens.
static void
s_token_key (const char *token, char key[CAB_SHA256_HEX + 1])
{
    cab_sha256_hex (token, strlen (token), key);
}

//  The caller of a kept verdict under key, or NULL.
static Cabinet__V1__Caller *
s_cached_caller (gw_request_t *req, const char *key)
{
    if (!req->env->sessions)
        return NULL;
    const char *bytes = NULL;
    size_t size = 0;
    uint64_t stamp = gw_services_generation (req->env->services, s_authenticate_method);
    if (!gw_cache_get (req->env->sessions, key, CAB_SHA256_HEX, stamp, cab_clock_ms (), req->arena,
                       &bytes, &size)) {
        gw_cache_count (req->env->metrics, "sessions", false);
        return NULL;
    }
    Cabinet__V1__Caller *caller = cabinet__v1__caller__unpack (cab_arena_allocator (req->arena),
                                                               size, (const uint8_t *) bytes);
    gw_cache_count (req->env->metrics, "sessions", caller != NULL);
    return caller;
}

//  Keep the verdict: caller as identity described it, until the cache's
//  limit or the session's expiry (expires_at), whichever comes first.
static void
s_keep_caller (gw_request_t *req, const char *key, const Cabinet__V1__Caller *caller,
               const char *expires_at, uint64_t stamp)
{
    if (!req->env->sessions)
        return;
    int64_t now_ms = cab_clock_ms ();
    int64_t expires_ms = now_ms + req->env->session_cache_ms;
    int64_t session_end = 0;
    if (expires_at && cab_time_parse (expires_at, &session_end)) {
        int64_t left_ms = (session_end - (int64_t) time (NULL)) * MS_PER_S;
        if (now_ms + left_ms < expires_ms)
            expires_ms = now_ms + left_ms;
    }
    if (expires_ms <= now_ms)
        return;
    size_t size = cabinet__v1__caller__get_packed_size (caller);
    uint8_t *bytes = cab_arena_alloc (req->arena, size ? size : 1);
    cabinet__v1__caller__pack (caller, bytes);
    gw_cache_put (req->env->sessions, key, CAB_SHA256_HEX, stamp, expires_ms, bytes, size);
}

//  Ask identity.Authenticate. Returns the caller, or NULL after writing the
//  refusal or failure into reply.
static Cabinet__V1__Caller *
s_authenticate (gw_request_t *req, const char *token, const char *key, gw_token_source_t source,
                gw_reply_t *reply)
{
    Cabinet__V1__AuthenticateRequest request = CABINET__V1__AUTHENTICATE_REQUEST__INIT;
    request.token = (char *) token;
    ProtobufCMessage *msg = NULL;
    cab_rpc_result_t result;
    memset (&result, 0, sizeof result);
    cab_call_opts_t opts = {.caller = NULL, .idempotent = true};
    long long started_ms = cab_clock_ms ();
    cab_rpc_client_t *client = gw_services_for_method (req->env->services, s_authenticate_method);
    if (!client) {
        result.status = CAB_UNAVAILABLE;
        gw_reply_rpc_error (reply, &result);
        return NULL;
    }
    //  Read before the call: a change that lands during it retires the verdict.
    uint64_t stamp = gw_services_generation (req->env->services, s_authenticate_method);
    cab_status_t status = cab_rpc_call (client, s_authenticate_method, &request.base,
                                        &cabinet__v1__authenticate_reply__descriptor,
                                        cab_arena_allocator (req->arena), &msg, &opts, &result);
    //  The request's main call gets what is left of one timeout.
    req->waited_ms += cab_clock_ms () - started_ms;
    if (status == CAB_UNAUTHENTICATED) {
        s_unauthenticated (req, reply, source, result.code[0] ? result.code : "unauthenticated",
                           result.message[0] ? result.message
                                             : "Phiên làm việc đã hết hạn, vui lòng đăng nhập lại");
        return NULL;
    }
    if (status != CAB_OK) {
        gw_reply_rpc_error (reply, &result);
        return NULL;
    }
    Cabinet__V1__AuthenticateReply *verdict = (Cabinet__V1__AuthenticateReply *) msg;
    Cabinet__V1__Caller *caller = verdict->caller;
    if (!caller || !caller->user_id || !*caller->user_id) {
        cab_error ("identity.Authenticate answered OK without a caller");
        s_unauthenticated (req, reply, source, "unauthenticated",
                           "Phiên làm việc đã hết hạn, vui lòng đăng nhập lại");
        return NULL;
    }
    s_keep_caller (req, key, caller, verdict->expires_at, stamp);
    return caller;
}

//  The caller is known: apply the password-change rule and keep it.
static void
s_accept (gw_request_t *req, const gw_route_t *route, Cabinet__V1__Caller *caller,
          gw_reply_t *reply)
{
    if (route->auth == GW_AUTH_SESSION && caller->has_must_change_password
        && caller->must_change_password) {
        gw_reply_error (reply, HTTP_FORBIDDEN, "password_change_required",
                        "Bạn cần đổi mật khẩu trước khi tiếp tục", NULL);
        return;
    }
    //  Where the request came from is ours to say, not the session's.
    caller->ip = cab_arena_strdup (req->arena, req->ip);
    caller->user_agent = gw_auth_clean_text (req->arena, req->user_agent);
    req->caller = caller;
}

bool
gw_auth_begin (gw_request_t *req, const gw_route_t *route, gw_reply_t *reply)
{
    const char *token = NULL;
    gw_token_source_t source = gw_auth_token (req->authorization, req->cookie_session, &token);
    if (source == GW_TOKEN_NONE) {
        s_unauthenticated (req, reply, source, "unauthenticated",
                           "Bạn chưa đăng nhập hoặc phiên làm việc đã hết hạn");
        return false;
    }
    if (source == GW_TOKEN_MALFORMED) {
        s_unauthenticated (req, reply, source, "unauthenticated",
                           "Thông tin xác thực không hợp lệ");
        return false;
    }
    if (!gw_auth_csrf_ok (req->verb, source, token, req->csrf_header)) {
        gw_reply_error (reply, HTTP_FORBIDDEN, "csrf",
                        "Thiếu hoặc sai mã chống giả mạo yêu cầu (CSRF), vui lòng tải lại trang",
                        NULL);
        return false;
    }
    req->token = token;
    req->token_from_cookie = source == GW_TOKEN_COOKIE;
    char key[CAB_SHA256_HEX + 1];
    s_token_key (token, key);
    Cabinet__V1__Caller *caller = s_cached_caller (req, key);
    if (!caller)
        return true;
    s_accept (req, route, caller, reply);
    return false;
}

void
gw_auth_ask (gw_request_t *req, const gw_route_t *route, gw_reply_t *reply)
{
    char key[CAB_SHA256_HEX + 1];
    s_token_key (req->token, key);
    gw_token_source_t source = req->token_from_cookie ? GW_TOKEN_COOKIE : GW_TOKEN_BEARER;
    Cabinet__V1__Caller *caller = s_authenticate (req, req->token, key, source, reply);
    if (caller)
        s_accept (req, route, caller, reply);
}
