/*  gw_reply - replies under construction and the API's error documents.
    See reply.h.  */
#include "reply.h"
#include "cab_log.h"
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define HTTP_INTERNAL_ERROR 500
#define HTTP_SERVICE_UNAVAILABLE 503
#define HTTP_GATEWAY_TIMEOUT 504
#define HTTP_FIRST_ERROR 400
#define HTTP_TOO_LARGE 413
#define HTTP_UNSUPPORTED_TYPE 415

//  Shown instead of whatever the RPC layer said: the person can only retry.
static const char s_unavailable_message[] = "Dịch vụ tạm thời không sẵn sàng, vui lòng thử lại";
static const char s_timeout_message[] = "Dịch vụ phản hồi quá chậm, vui lòng thử lại sau ít phút";

//  The body used when even an error body cannot be built.
static const char s_oom_body[] = "{\"error\":{\"code\":\"internal\",\"message\":\"Lỗi hệ thống\"}}";

void
gw_reply_init (gw_reply_t *self)
{
    memset (self, 0, sizeof *self);
    self->fd = -1;
}

void
gw_reply_reset (gw_reply_t *self)
{
    free (self->body);
    for (int i = 0; i < self->header_count; i++)
        free (self->headers[i].value);
    if (self->fd >= 0)
        close (self->fd);
    if (self->reader_free)
        self->reader_free (self->reader_state);
    gw_reply_init (self);
}

void
gw_reply_stream (gw_reply_t *self, int status, const char *content_type, uint64_t size,
                 gw_reader_fn reader, void *state, void (*free_fn) (void *state))
{
    free (self->body);
    self->body = NULL;
    self->size = 0;
    if (self->reader_free)
        self->reader_free (self->reader_state);
    self->status = status;
    self->content_type = content_type;
    self->reader = reader;
    self->pull = NULL;
    self->reader_state = state;
    self->reader_free = free_fn;
    self->reader_size = size;
}

void
gw_reply_live (gw_reply_t *self, int status, const char *content_type, gw_pull_fn pull, void *state,
               void (*free_fn) (void *state))
{
    gw_reply_stream (self, status, content_type, 0, NULL, state, free_fn);
    self->pull = pull;
}

bool
gw_reply_decided (const gw_reply_t *self)
{
    return self->status != 0;
}

int
gw_reply_header (gw_reply_t *self, const char *name, const char *value)
{
    if (self->header_count >= GW_REPLY_MAX_HEADERS) {
        cab_error ("reply header list full, dropping %s", name);
        return -1;
    }
    char *copy = strdup (value);
    if (!copy)
        return -1;
    self->headers[self->header_count].name = name;
    self->headers[self->header_count].value = copy;
    self->header_count++;
    return 0;
}

//  Replace the body with a copy of text; on out-of-memory the reply becomes
//  a 500 with a static body.
static void
s_set_body (gw_reply_t *self, int status, const char *content_type, const char *text, size_t size)
{
    if (self->reader_free)
        self->reader_free (self->reader_state);
    self->reader = NULL;
    self->pull = NULL;
    self->reader_state = NULL;
    self->reader_free = NULL;
    free (self->body);
    self->body = NULL;
    self->size = 0;
    self->status = status;
    self->content_type = content_type;
    if (size == 0)
        return;
    self->body = malloc (size);
    if (!self->body) {
        self->status = HTTP_INTERNAL_ERROR;
        self->content_type = GW_CONTENT_JSON;
        self->body = strdup (s_oom_body);
        self->size = self->body ? strlen (self->body) : 0;
        return;
    }
    memcpy (self->body, text, size);
    self->size = size;
}

void
gw_reply_text (gw_reply_t *self, int status, const char *content_type, const char *text,
               size_t size)
{
    s_set_body (self, status, content_type, text, size);
}

void
gw_reply_json (gw_reply_t *self, int status, const json_t *json)
{
    char *text = json_dumps (json, JSON_COMPACT);
    if (!text) {
        s_set_body (self, HTTP_INTERNAL_ERROR, GW_CONTENT_JSON, s_oom_body, strlen (s_oom_body));
        return;
    }
    //  Hand the dumped text over rather than copying it: replies can be lists.
    free (self->body);
    self->body = text;
    self->size = strlen (text);
    self->status = status;
    self->content_type = GW_CONTENT_JSON;
}

void
gw_reply_empty (gw_reply_t *self, int status)
{
    s_set_body (self, status, NULL, NULL, 0);
}

char *
gw_error_body (const char *code, const char *message, const char *field)
{
    json_t *error = json_object ();
    json_t *doc = json_object ();
    char *text = NULL;
    if (!error || !doc)
        goto cleanup;
    if (json_object_set_new (error, "code", json_string (code))
        || json_object_set_new (error, "message", json_string (message)))
        goto cleanup;
    if (field && *field && json_object_set_new (error, "field", json_string (field)))
        goto cleanup;
    if (json_object_set (doc, "error", error))
        goto cleanup;
    text = json_dumps (doc, JSON_COMPACT);
cleanup:
    json_decref (error);
    json_decref (doc);
    return text;
}

void
gw_reply_error (gw_reply_t *self, int status, const char *code, const char *message,
                const char *field)
{
    snprintf (self->error_code, sizeof self->error_code, "%s", code);
    char *text = gw_error_body (code, message, field);
    if (!text) {
        s_set_body (self, HTTP_INTERNAL_ERROR, GW_CONTENT_JSON, s_oom_body, strlen (s_oom_body));
        return;
    }
    free (self->body);
    self->body = text;
    self->size = strlen (text);
    self->status = status;
    self->content_type = GW_CONTENT_JSON;
}

int
gw_reply_http_status (cab_status_t status)
{
    if (status == CAB_UNAVAILABLE)
        return HTTP_SERVICE_UNAVAILABLE;
    if (status == CAB_DEADLINE_EXCEEDED)
        return HTTP_GATEWAY_TIMEOUT;
    int http = cab_status_http (status);
    return http >= HTTP_FIRST_ERROR ? http : HTTP_INTERNAL_ERROR;
}

void
gw_reply_rpc_error (gw_reply_t *self, const cab_rpc_result_t *result)
{
    cab_status_t status = result->status;
    const char *code = result->code[0] ? result->code : cab_status_code (status);
    const char *message;
    //  A service's own words are kept (for UNAVAILABLE too: "the directory
    //  is unreachable" says more than "try again"); internal failures are
    //  never described to the outside.
    switch (status) {
    case CAB_UNAVAILABLE:
        message = result->message[0] ? result->message : s_unavailable_message;
        break;
    case CAB_DEADLINE_EXCEEDED:
        message = result->message[0] ? result->message : s_timeout_message;
        break;
    case CAB_INTERNAL:
    case CAB_UNKNOWN:
    case CAB_DATA_LOSS:
        message = cab_status_message (status);
        break;
    default:
        message = result->message[0] ? result->message : cab_status_message (status);
        break;
    }
    //  Two refusals have their own HTTP status whatever their RPC status:
    //  a file of a kind not taken (415) and a body over a limit (413).
    int http = gw_reply_http_status (status);
    if (strcmp (code, "unsupported_media_type") == 0)
        http = HTTP_UNSUPPORTED_TYPE;
    else if (strcmp (code, "too_large") == 0)
        http = HTTP_TOO_LARGE;
    gw_reply_error (self, http, code, message, result->field);
}
