/*  gw_api - the generic route: JSON body -> request message -> RPC ->
    reply message -> JSON, driven by the route table. Nothing here knows a
    particular route; what is particular lives in routes.c and its hooks.

    Routes marked cached keep their answers in the answer cache (cache.h),
    by caller (user, agency, roles) and exact query, stamped with the
    generation of the service that answered; every write sent to a service
    moves its generation on once the write is done, so a client reads its
    own writes at once, and events move it for changes made elsewhere.

    Every refusal of bad input is a 4xx with the API's error document; a 5xx
    only ever means the gateway or a service failed.  */
#include "api.h"
#include "auth.h"
#include "cab_log.h"
#include "cab_pbjson.h"
#include "cab_time.h"
#include "cab_utf8.h"
#include "routes.h"
#include "static.h"
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#define HTTP_BAD_REQUEST 400
#define HTTP_NOT_FOUND 404
#define HTTP_METHOD_NOT_ALLOWED 405
#define HTTP_TOO_LARGE 413
#define HTTP_UNSUPPORTED_TYPE 415
#define HTTP_NO_CONTENT 204

#define ALLOW_MAX 64
#define HTTP_OK 200
#define IDEMPOTENCY_KEY_MAX 128

static const char s_json_type[] = "application/json";
static const char s_busy_message[] = "Máy chủ đang quá tải, vui lòng thử lại sau giây lát";

bool
gw_api_path (const char *path)
{
    return strncmp (path, "/api", 4) == 0 && (path[4] == '\0' || path[4] == '/');
}

bool
gw_api_maybe_json_type (const char *content_type)
{
    static const char form[] = "application/x-www-form-urlencoded";
    return !content_type || !*content_type || strncasecmp (content_type, form, strlen (form)) == 0;
}

static void
s_unsupported_type (gw_reply_t *reply)
{
    gw_reply_error (reply, HTTP_UNSUPPORTED_TYPE, "unsupported_media_type",
                    "Nội dung phải là JSON (Content-Type: application/json)", "Content-Type");
}

bool
gw_api_json_type (const char *content_type)
{
    if (!content_type)
        return false;
    size_t len = strlen (s_json_type);
    if (strncasecmp (content_type, s_json_type, len) != 0)
        return false;
    const char *rest = content_type + len;
    while (*rest == ' ' || *rest == '\t')
        rest++;
    if (*rest == '\0')
        return true;
    if (*rest != ';')
        return false;
    //  The only parameter JSON has is a charset, and only UTF-8 is JSON.
    rest++;
    while (*rest == ' ' || *rest == '\t')
        rest++;
    if (strncasecmp (rest, "charset=", 8) != 0)
        return false;
    rest += 8;
    if (*rest == '"')
        rest++;
    if (strncasecmp (rest, "utf-8", 5) != 0)
        return false;
    rest += 5;
    if (*rest == '"')
        rest++;
    while (*rest == ' ' || *rest == '\t')
        rest++;
    return *rest == '\0';
}

void
gw_api_too_large (gw_request_t *req, gw_reply_t *reply)
{
    char message[128];
    snprintf (message, sizeof message, "Nội dung yêu cầu quá lớn (tối đa %zu byte)",
              req->env->max_body);
    gw_reply_error (reply, HTTP_TOO_LARGE, "too_large", message, NULL);
}

//  An Idempotency-Key worth passing on: printable ASCII, bounded.
static bool
s_idempotency_key_ok (const char *key)
{
    size_t n = 0;
    for (; key[n]; n++)
        if (!isgraph ((unsigned char) key[n]))
            return false;
    return n > 0 && n <= IDEMPOTENCY_KEY_MAX;
}

void
gw_api_begin (gw_request_t *req, gw_reply_t *reply)
{
    char allow[ALLOW_MAX];
    const gw_route_t *route = NULL;
    gw_match_t match = gw_route_match (req->verb, req->path, &route, req->params, &req->param_count,
                                       allow, sizeof allow);
    if (match == GW_MATCH_BAD_VERB) {
        gw_reply_error (reply, HTTP_METHOD_NOT_ALLOWED, "method_not_allowed",
                        "Phương thức không được hỗ trợ cho địa chỉ này", NULL);
        gw_reply_header (reply, "Allow", allow);
        return;
    }
    if (match == GW_MATCH_NO_PATH) {
        if (gw_api_path (req->path))
            gw_reply_error (reply, HTTP_NOT_FOUND, "not_found", "Không tìm thấy địa chỉ yêu cầu",
                            NULL);
        else if (strcmp (req->verb, "GET") != 0 && strcmp (req->verb, "HEAD") != 0) {
            gw_reply_error (reply, HTTP_METHOD_NOT_ALLOWED, "method_not_allowed",
                            "Phương thức không được hỗ trợ cho địa chỉ này", NULL);
            gw_reply_header (reply, "Allow", "GET, HEAD");
        } else
            gw_static_serve (req, reply);
        return;
    }
    req->route = route;

    //  A route with a sink checks its body's size and type itself.
    if (!route->sink && req->content_length >= 0
        && (unsigned long long) req->content_length > req->env->max_body) {
        gw_api_too_large (req, reply);
        return;
    }
    if (!route->sink && req->has_body && !gw_api_json_type (req->content_type)
        && !gw_api_maybe_json_type (req->content_type)) {
        s_unsupported_type (reply);
        return;
    }
    if (req->idempotency_key && !s_idempotency_key_ok (req->idempotency_key)) {
        gw_reply_error (reply, HTTP_BAD_REQUEST, "invalid_argument",
                        "Idempotency-Key phải là chuỗi ASCII in được, tối đa 128 ký tự",
                        "Idempotency-Key");
        return;
    }
    //  Authenticate before the body is read: a stranger's upload is refused
    //  without being buffered. A verdict not in the cache is identity's to
    //  give, in gw_api_authenticate.
    if (route->auth != GW_AUTH_ANONYMOUS)
        req->must_ask = gw_auth_begin (req, route, reply);
}

void
gw_api_authenticate (gw_request_t *req, gw_reply_t *reply)
{
    req->must_ask = false;
    gw_auth_ask (req, req->route, reply);
}

//  A new, empty message of type desc in the request's arena.
static ProtobufCMessage *
s_message_new (gw_request_t *req, const ProtobufCMessageDescriptor *desc)
{
    ProtobufCMessage *msg = cab_arena_alloc (req->arena, desc->sizeof_message);
    protobuf_c_message_init (desc, msg);
    return msg;
}

//  Parse the body into json (an object). Returns NULL after writing the
//  error into reply.
static json_t *
s_parse_body (gw_request_t *req, gw_reply_t *reply)
{
    //  Sent without a JSON type (curl -d): JSON only if it looks like it.
    if (!gw_api_json_type (req->content_type)) {
        size_t i = 0;
        while (i < req->body_size && strchr (" \t\r\n", req->body[i]))
            i++;
        if (i == req->body_size || req->body[i] != '{') {
            s_unsupported_type (reply);
            return NULL;
        }
    }
    if (!cab_utf8_valid (req->body, req->body_size)) {
        gw_reply_error (reply, HTTP_BAD_REQUEST, "invalid_encoding",
                        "Nội dung không phải văn bản UTF-8 hợp lệ", NULL);
        return NULL;
    }
    json_error_t error;
    json_t *json = json_loadb (req->body, req->body_size, JSON_REJECT_DUPLICATES, &error);
    if (!json) {
        char message[160];
        snprintf (message, sizeof message, "Nội dung JSON không hợp lệ (dòng %d, cột %d)",
                  error.line, error.column);
        gw_reply_error (reply, HTTP_BAD_REQUEST, "invalid_json", message, NULL);
        return NULL;
    }
    if (!json_is_object (json)) {
        json_decref (json);
        gw_reply_error (reply, HTTP_BAD_REQUEST, "invalid_json",
                        "Nội dung JSON phải là một đối tượng {...}", NULL);
        return NULL;
    }
    return json;
}

//  The answer cache's key: who asks (user, agency and roles, since the
//  services answer by them) and exactly what (path and query parameters in
//  the order sent), each part prefixed with its length so that no two
//  requests share a key.
static char *
s_answer_key (const gw_request_t *req, size_t *len_p)
{
    const Cabinet__V1__Caller *caller = req->caller;
    size_t roles = caller ? caller->n_roles : 0;
    size_t max = 4 + roles + 2 * (size_t) req->query_count;
    const char **parts = cab_arena_alloc (req->arena, max * sizeof *parts);
    size_t count = 0;
    parts[count++] = caller && caller->user_id ? caller->user_id : "";
    parts[count++] = caller && caller->unit_id ? caller->unit_id : "";
    for (size_t i = 0; i < roles; i++)
        parts[count++] = caller->roles[i];
    parts[count++] = req->path;
    for (int i = 0; i < req->query_count; i++) {
        parts[count++] = req->query[i].name;
        parts[count++] = req->query[i].value;
    }
    size_t len = 0;
    for (size_t i = 0; i < count; i++)
        len += strlen (parts[i]) + 21;  //  the length, ':' and the part
    char *key = cab_arena_alloc (req->arena, len + 22);
    char *p = key + sprintf (key, "%zu;", roles);
    for (size_t i = 0; i < count; i++)
        p += sprintf (p, "%zu:%s", strlen (parts[i]), parts[i]);
    *len_p = (size_t) (p - key);
    return key;
}

//  The answer cache's key for a cacheable request, or NULL.
static const char *
s_cache_key (gw_request_t *req, const gw_route_t *route, size_t *len_p)
{
    if (!route->cached || !req->env->answers || strcmp (req->verb, "GET") != 0)
        return NULL;
    return s_answer_key (req, len_p);
}

//  Answer from the cache if it holds a current answer under key (stamped
//  stamp). true if it did.
static bool
s_cached_answer (gw_request_t *req, const char *key, size_t len, uint64_t stamp, gw_reply_t *reply)
{
    const char *body = NULL;
    size_t size = 0;
    bool hit = gw_cache_get (req->env->answers, key, len, stamp, cab_clock_ms (), req->arena, &body,
                             &size);
    gw_cache_count (req->env->metrics, "answers", hit);
    if (hit)
        gw_reply_text (reply, HTTP_OK, GW_CONTENT_JSON, body, size);
    return hit;
}

//  What the generic route's preparation leaves for its call, and what
//  its call needs until it ends.
typedef struct {
    ProtobufCMessage *msg;  //  the request message, in the request's arena
    const char *key;        //  the answer cache's key, or NULL
    size_t key_len;
    uint64_t stamp;  //  the service's generation before the call
    gw_request_t *req;
    gw_reply_t *reply;
    gw_api_done_fn *done;
    void *done_arg;
} s_pending_t;

//  The generic route, up to its RPC: the body and parameters read into the
//  request message, the route's own checks, the answer cache. NULL when
//  that decided the reply (a refusal, a cached answer).
static s_pending_t *
s_prepare (gw_request_t *req, const gw_route_t *route, gw_reply_t *reply)
{
    json_t *body = NULL;
    ProtobufCMessage *msg = NULL;
    s_pending_t *pending = NULL;
    ProtobufCAllocator *alloc = cab_arena_allocator (req->arena);
    cab_pbjson_error_t perr;
    memset (&perr, 0, sizeof perr);

    if (req->body_size > 0) {
        if (!gw_route_takes_body (route)) {
            gw_reply_error (reply, HTTP_BAD_REQUEST, "invalid_argument",
                            "Yêu cầu này không nhận nội dung; hãy dùng tham số trên địa chỉ", NULL);
            goto cleanup;
        }
        body = s_parse_body (req, reply);
        if (!body)
            goto cleanup;
        //  Strings and bytes are copied into the arena: the message outlives body.
        msg = cab_pbjson_parse (route->request, body, alloc, &perr);
        if (!msg) {
            gw_reply_error (reply, HTTP_BAD_REQUEST, "invalid_argument",
                            perr.message[0] ? perr.message : "Nội dung yêu cầu không hợp lệ",
                            perr.field);
            goto cleanup;
        }
    } else
        msg = s_message_new (req, route->request);

    switch (gw_route_bind (route, req, msg, &perr)) {
    case GW_BIND_OK:
        break;
    case GW_BIND_ENCODING:
        gw_reply_error (reply, HTTP_BAD_REQUEST, "invalid_encoding", perr.message, perr.field);
        goto cleanup;
    case GW_BIND_INVALID:
        gw_reply_error (reply, HTTP_BAD_REQUEST, "invalid_argument", perr.message, perr.field);
        goto cleanup;
    }
    if (route->before && route->before (req, msg, body, reply))
        goto cleanup;
    pending = cab_arena_alloc (req->arena, sizeof *pending);
    pending->msg = msg;
    //  The generation is read before the call: a change that lands during
    //  it retires what the call answers.
    pending->stamp = gw_services_generation (req->env->services, route->method);
    pending->key = s_cache_key (req, route, &pending->key_len);
    if (pending->key
        && s_cached_answer (req, pending->key, pending->key_len, pending->stamp, reply))
        pending = NULL;

cleanup:
    json_decref (body);
    return pending;
}

//  The generic route's reply, from its service's answer.
static void
s_answer (gw_request_t *req, const s_pending_t *pending, ProtobufCMessage *answer,
          const cab_rpc_result_t *result, gw_reply_t *reply)
{
    const gw_route_t *route = req->route;
    json_t *out = NULL;
    if (result->status != CAB_OK) {
        gw_reply_rpc_error (reply, result);
        goto cleanup;
    }
    if (route->after)
        route->after (req, answer, reply);
    if (gw_reply_decided (reply))  //  the hook wrote the answer itself (not JSON)
        goto cleanup;
    if (route->status == HTTP_NO_CONTENT) {
        gw_reply_empty (reply, HTTP_NO_CONTENT);
        goto cleanup;
    }
    out = cab_pbjson_dump (answer);
    if (!out) {
        cab_error ("%s: cannot write the reply as JSON", route->method);
        cab_rpc_result_t failed = {.status = CAB_INTERNAL};
        gw_reply_rpc_error (reply, &failed);
        goto cleanup;
    }
    gw_reply_json (reply, route->status, out);
    if (pending->key && reply->status == HTTP_OK && reply->body)
        gw_cache_put (req->env->answers, pending->key, pending->key_len, pending->stamp,
                      cab_clock_ms () + req->env->answer_cache_ms, reply->body, reply->size);

cleanup:
    json_decref (out);
}

//  Whatever the outcome (a timed-out write may still have been done),
//  what was cached from the service may be out of date now.
static void
s_after_call (gw_request_t *req)
{
    const gw_route_t *route = req->route;
    if (route->method && gw_verb_is_write (req->verb))
        gw_services_changed (req->env->services, route->method);
}

//  cab_rpc_done_fn: the generic route's call has ended.
static void
s_ended (void *arg, ProtobufCMessage *answer, const cab_rpc_result_t *result)
{
    s_pending_t *pending = arg;
    gw_request_t *req = pending->req;
    s_answer (req, pending, answer, result, pending->reply);
    s_after_call (req);
    req->pending = NULL;
    pending->done (pending->done_arg);
}

bool
gw_api_send (gw_request_t *req, gw_reply_t *reply, cab_rpc_async_t *rpc, gw_api_done_fn *done,
             void *arg)
{
    const gw_route_t *route = req->route;
    s_pending_t *pending = req->pending;
    cab_rpc_result_t result = {.status = CAB_UNAVAILABLE};
    cab_rpc_client_t *client = gw_services_for_method (req->env->services, route->method);
    //  The time a request spent authenticating and waiting for its turn
    //  counts against its call's: no answer of the generic path comes
    //  later than one timeout after the request was read.
    int timeout_ms = req->env->rpc_timeout_ms - (int) req->waited_ms;
    if (req->queued_ms > 0)
        timeout_ms -= (int) (cab_clock_ms () - req->queued_ms);
    if (!client || timeout_ms <= 0) {
        if (client) {
            cab_warn ("%s: no turn to call within the timeout", route->method);
            cab_rpc_result_set (&result, CAB_UNAVAILABLE, s_busy_message, NULL, NULL);
        }
        gw_reply_rpc_error (reply, &result);
        req->pending = NULL;
        return false;
    }
    bool write = gw_verb_is_write (req->verb);
    cab_call_opts_t opts = {
        .caller = req->caller,
        .idempotent = !write,
        .idempotency_key = write ? req->idempotency_key : NULL,
        .timeout_ms = timeout_ms,
    };
    pending->req = req;
    pending->reply = reply;
    pending->done = done;
    pending->done_arg = arg;
    if (cab_rpc_async_call (rpc, cab_rpc_client_endpoint (client), route->method, pending->msg,
                            route->reply, cab_arena_allocator (req->arena), &opts, s_ended, pending)
        != 0) {
        result.status = CAB_INTERNAL;
        gw_reply_rpc_error (reply, &result);
        req->pending = NULL;
        return false;
    }
    return true;
}

bool
gw_api_prepare (gw_request_t *req, gw_reply_t *reply)
{
    req->pending = NULL;
    if (gw_reply_decided (reply))
        return false;
    const gw_route_t *route = req->route;
    if (!route || req->must_ask) {  //  never past authentication unasked
        cab_error ("request finished without a route or a verdict: %s %s", req->verb, req->path);
        cab_rpc_result_t result = {.status = CAB_INTERNAL};
        gw_reply_rpc_error (reply, &result);
        return false;
    }
    if (route->handler)
        return true;  //  all of it in gw_api_call
    req->pending = s_prepare (req, route, reply);
    return req->pending != NULL;
}

bool
gw_api_sends (const gw_request_t *req)
{
    return req->route && !req->route->handler;
}

void
gw_api_call (gw_request_t *req, gw_reply_t *reply)
{
    req->route->handler (req, reply);
    s_after_call (req);
}
