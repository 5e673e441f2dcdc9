/*  gw_ops - health, readiness, metrics and the API document.

    /metrics concatenates the gateway's own exposition with every service's
    (from <service>.Metrics). Services name their metrics alike (the shared
    RPC server's counters), so each service's samples get a service="<name>"
    label and a family's HELP and TYPE lines are written only once;
    otherwise Prometheus would reject or merge them.  */
#include "ops.h"
#include "cab_embed.h"
#include "cab_log.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define HTTP_OK 200
#define HTTP_NOT_FOUND 404
#define HTTP_SERVICE_UNAVAILABLE 503

//  Probes have short deadlines (Kubernetes: 1 s by default): one attempt,
//  no retry, shorter than the probe's own timeout (or the RPC timeout, if
//  that is shorter still).
#define HEALTH_TIMEOUT_MS 800
#define METHOD_NAME_MAX 64

static const char s_metrics_type[] = "text/plain; version=0.0.4; charset=utf-8";
static const char s_openapi_name[] = "openapi.json";

void
gw_ops_healthz (gw_request_t *req, gw_reply_t *reply)
{
    (void) req;
    static const char body[] = "{\"status\":\"ok\"}";
    gw_reply_text (reply, HTTP_OK, GW_CONTENT_JSON, body, strlen (body));
}

//  Call <service>.<what> once with an empty request. Returns the status.
static cab_status_t
s_call_builtin (gw_request_t *req, size_t index, const char *what,
                const ProtobufCMessageDescriptor *reply_desc, ProtobufCMessage **reply_p,
                cab_rpc_result_t *result)
{
    const gw_services_t *services = req->env->services;
    char method[METHOD_NAME_MAX];
    snprintf (method, sizeof method, "%s.%s", gw_services_name (services, index), what);
    int timeout_ms = req->env->rpc_timeout_ms > 0 && req->env->rpc_timeout_ms < HEALTH_TIMEOUT_MS
                         ? req->env->rpc_timeout_ms
                         : HEALTH_TIMEOUT_MS;
    cab_call_opts_t opts = {.timeout_ms = timeout_ms, .idempotent = false};
    memset (result, 0, sizeof *result);
    return cab_rpc_call (gw_services_client (services, index), method, NULL, reply_desc,
                         cab_arena_allocator (req->arena), reply_p, &opts, result);
}

void
gw_ops_readyz (gw_request_t *req, gw_reply_t *reply)
{
    json_t *doc = json_object ();
    json_t *failing = json_object ();
    if (!doc || !failing) {
        gw_reply_error (reply, HTTP_SERVICE_UNAVAILABLE, "unavailable", "Hết bộ nhớ", NULL);
        goto cleanup;
    }
    const gw_services_t *services = req->env->services;
    for (size_t i = 0; i < gw_services_size (services); i++) {
        ProtobufCMessage *msg = NULL;
        cab_rpc_result_t result;
        cab_status_t status = s_call_builtin (
            req, i, "Health", &cabinet__v1__health_reply__descriptor, &msg, &result);
        const char *why = NULL;
        if (status != CAB_OK)
            why = cab_status_code (status);
        else {
            const Cabinet__V1__HealthReply *health = (const Cabinet__V1__HealthReply *) msg;
            if (!health->ready)
                why = health->detail && *health->detail ? health->detail : "not_ready";
        }
        if (why)
            json_object_set_new (failing, gw_services_name (services, i), json_string (why));
    }
    if (json_object_size (failing) == 0) {
        json_object_set_new (doc, "status", json_string ("ready"));
        gw_reply_json (reply, HTTP_OK, doc);
    } else {
        json_object_set_new (doc, "status", json_string ("not_ready"));
        json_object_set (doc, "services", failing);
        gw_reply_json (reply, HTTP_SERVICE_UNAVAILABLE, doc);
    }
cleanup:
    json_decref (failing);
    json_decref (doc);
}

//  true if out (so far) already has a "# HELP name" / "# TYPE name" line
//  for the same family as line (len bytes, starting "# HELP " or "# TYPE ").
static bool
s_family_line_seen (const char *out, const char *line, size_t len)
{
    const char *name_end = memchr (line + 7, ' ', len - 7);
    size_t prefix = name_end ? (size_t) (name_end - line) + 1 : len;
    for (const char *at = out; (at = strstr (at, "# ")) != NULL; at += 2)
        if ((at == out || at[-1] == '\n') && strncmp (at, line, prefix) == 0)
            return true;
    return false;
}

//  Append one service's exposition, labelling its samples with service.
static void
s_append_service (FILE *out, char **sofar, const char *text, const char *service)
{
    const char *line = text;
    while (*line) {
        const char *end = strchr (line, '\n');
        size_t len = end ? (size_t) (end - line) : strlen (line);
        fflush (out);  //  makes *sofar current (and terminated) for the duplicate check
        if (len == 0) {
            //  blank lines carry nothing
        } else if (line[0] == '#') {
            bool family =
                len > 7 && (strncmp (line, "# HELP ", 7) == 0 || strncmp (line, "# TYPE ", 7) == 0);
            if (!family || !s_family_line_seen (*sofar, line, len))
                fprintf (out, "%.*s\n", (int) len, line);
        } else {
            size_t name_len = strcspn (line, "{ ");
            if (name_len > len)
                name_len = len;
            const char *rest = line + name_len;
            size_t rest_len = len - name_len;
            if (rest_len && *rest == '{')
                fprintf (out, "%.*s{service=\"%s\"%s%.*s\n", (int) name_len, line, service,
                         rest_len > 1 && rest[1] != '}' ? "," : "", (int) rest_len - 1, rest + 1);
            else
                fprintf (out, "%.*s{service=\"%s\"}%.*s\n", (int) name_len, line, service,
                         (int) rest_len, rest);
        }
        line = end ? end + 1 : line + len;
    }
}

void
gw_ops_metrics (gw_request_t *req, gw_reply_t *reply)
{
    const gw_services_t *services = req->env->services;
    size_t count = gw_services_size (services);
    const char **texts = cab_arena_alloc (req->arena, sizeof (char *) * (count + 1));
    for (size_t i = 0; i < count; i++) {
        ProtobufCMessage *msg = NULL;
        cab_rpc_result_t result;
        cab_status_t status =
            s_call_builtin (req, i, "Metrics", &cabinet__v1__text__descriptor, &msg, &result);
        texts[i] = status == CAB_OK ? ((const Cabinet__V1__Text *) msg)->text : NULL;
        char labels[METHOD_NAME_MAX];
        snprintf (labels, sizeof labels, "service=\"%s\"", gw_services_name (services, i));
        cab_metrics_set (req->env->metrics, "cabinet_gateway_service_up", labels,
                         "1 if the service answered its last metrics scrape", status == CAB_OK);
    }

    const char **names = cab_arena_alloc (req->arena, sizeof (char *) * (count + 1));
    for (size_t i = 0; i < count; i++)
        names[i] = gw_services_name (services, i);
    char *own = cab_metrics_render (req->env->metrics);
    char *text = gw_ops_merge_metrics (own, names, texts, count);
    free (own);
    if (!text) {
        gw_reply_error (reply, HTTP_SERVICE_UNAVAILABLE, "unavailable", "Hết bộ nhớ", NULL);
        return;
    }
    gw_reply_text (reply, HTTP_OK, s_metrics_type, text, strlen (text));
    free (text);
}

char *
gw_ops_merge_metrics (const char *own, const char *const *names, const char *const *texts,
                      size_t count)
{
    char *text = NULL;
    size_t size = 0;
    FILE *out = open_memstream (&text, &size);
    if (!out)
        return NULL;
    if (own)
        fputs (own, out);
    for (size_t i = 0; i < count; i++)
        if (texts[i])
            s_append_service (out, &text, texts[i], names[i]);
    if (fclose (out)) {
        free (text);
        return NULL;
    }
    return text;
}

const char *
gw_ops_openapi_text (size_t *size_p)
{
    const cab_embedded_file_t *file = cab_embed_find (gateway_embedded, s_openapi_name);
    if (!file)
        return NULL;
    if (size_p)
        *size_p = file->size;
    return file->data;
}

void
gw_ops_openapi (gw_request_t *req, gw_reply_t *reply)
{
    (void) req;
    size_t size = 0;
    const char *text = gw_ops_openapi_text (&size);
    if (!text) {
        gw_reply_error (reply, HTTP_NOT_FOUND, "not_found", "Không có tài liệu API", NULL);
        return;
    }
    gw_reply_text (reply, HTTP_OK, GW_CONTENT_JSON, text, size);
}
