/*  gw_stream - see stream.h. A route decides everything before the status
    goes out: who is asking (the route table authenticates), whether they
    may see the meeting, where a reconnecting client goes on from
    (Last-Event-ID, or ?last_event_id= for clients that cannot set
    headers), and whether the limits leave room for one more stream
    (503 past CABINET_SSE_MAX_STREAMS, 429 past CABINET_SSE_MAX_PER_USER).
    Then the reply is live: gw_hub_pull produces it while the connection
    lasts, and closing the request closes the stream.  */
#include "stream.h"
#include "cab_log.h"
#include "cabinet/v1/scheduling.pb-c.h"
#include "routes.h"
#include <stdlib.h>
#include <string.h>

#define HTTP_OK 200
#define HTTP_BAD_REQUEST 400
#define HTTP_TOO_MANY_REQUESTS 429
#define HTTP_INTERNAL_ERROR 500
#define HTTP_UNAVAILABLE 503
#define RETRY_AFTER_S "10"    //  suggested wait after a refusal for lack of room
#define LAST_EVENT_ID_MAX 64  //  an id longer than this is unknown by definition

static const char s_get_meeting[] = "scheduling.GetMeeting";
static const char s_last_event_param[] = "last_event_id";

typedef struct {
    gw_hub_t *hub;
    gw_sub_t *sub;
} s_stream_t;

static long
s_pull (void *state, void *conn, char *buf, size_t max)
{
    s_stream_t *self = state;
    return gw_hub_pull (self->hub, self->sub, conn, buf, max);
}

static void
s_free (void *state)
{
    s_stream_t *self = state;
    if (!self)
        return;
    gw_hub_unsubscribe (self->hub, &self->sub);
    free (self);
}

//  Where a reconnecting client goes on from: the Last-Event-ID header, else
//  ?last_event_id=; any other parameter is refused. An id that is too long
//  or not plain text can be in no ring: it is kept as "unknown" (""), so the
//  client is told to refresh. Returns false after writing the error.
static bool
s_last_event_id (gw_request_t *req, gw_reply_t *reply, const char **id_p)
{
    const char *id = req->last_event_id;
    for (int i = 0; i < req->query_count; i++) {
        const gw_param_t *q = &req->query[i];
        if (q->name_len != strlen (s_last_event_param)
            || memcmp (q->name, s_last_event_param, q->name_len) != 0) {
            gw_reply_error (reply, HTTP_BAD_REQUEST, "invalid_argument",
                            "Tham số không được hỗ trợ; chỉ nhận last_event_id", NULL);
            return false;
        }
        if (!id)
            id = q->value;
    }
    if (id) {
        size_t n = strlen (id);
        bool plain = n > 0 && n <= LAST_EVENT_ID_MAX;
        for (size_t i = 0; plain && i < n; i++)
            plain = id[i] > ' ' && id[i] < 0x7F;
        if (!plain)
            id = "";
    }
    *id_p = id;
    return true;
}

//  Subscribe and make the reply live, or refuse.
static void
s_open (gw_request_t *req, gw_reply_t *reply, const char *meeting_id, const char *last_event_id)
{
    s_stream_t *self = calloc (1, sizeof *self);
    if (!self) {
        cab_rpc_result_t result = {.status = CAB_INTERNAL};
        gw_reply_rpc_error (reply, &result);
        return;
    }
    self->hub = req->env->hub;
    gw_sub_opts_t opts = {
        .meeting_id = meeting_id,
        .user_id = req->caller->user_id,
        .session_id = req->caller->session_id,
        .last_event_id = last_event_id,
    };
    switch (gw_hub_subscribe (self->hub, &opts, &self->sub)) {
    case GW_HUB_OK:
        //  Proxies that buffer (nginx) pass this reply through at once.
        gw_reply_header (reply, "X-Accel-Buffering", "no");
        gw_reply_live (reply, HTTP_OK, GW_CONTENT_SSE, s_pull, self, s_free);
        return;
    case GW_HUB_USER_FULL:
        gw_reply_error (reply, HTTP_TOO_MANY_REQUESTS, "rate_limited",
                        "Bạn đang mở quá nhiều luồng cập nhật trực tiếp; hãy đóng bớt các thẻ "
                        "hoặc cửa sổ khác rồi thử lại",
                        NULL);
        break;
    case GW_HUB_FULL:
    case GW_HUB_CLOSED:
        gw_reply_error (reply, HTTP_UNAVAILABLE, "unavailable",
                        "Máy chủ đang phục vụ quá nhiều luồng cập nhật trực tiếp, vui lòng thử "
                        "lại sau ít phút",
                        NULL);
        gw_reply_header (reply, "Retry-After", RETRY_AFTER_S);
        break;
    case GW_HUB_NO_MEMORY:
        gw_reply_error (reply, HTTP_INTERNAL_ERROR, "internal",
                        "Lỗi hệ thống, vui lòng thử lại sau", NULL);
        break;
    }
    free (self);
}

//  Everything both routes check first. false after writing the refusal.
static bool
s_ready (gw_request_t *req, gw_reply_t *reply, const char **last_event_id_p)
{
    if (!s_last_event_id (req, reply, last_event_id_p))
        return false;
    if (!req->env->hub || !req->caller || !req->caller->user_id || !*req->caller->user_id) {
        cab_rpc_result_t result = {.status = CAB_UNAVAILABLE};
        gw_reply_rpc_error (reply, &result);
        return false;
    }
    return true;
}

void
gw_stream_meeting (gw_request_t *req, gw_reply_t *reply)
{
    const char *last_event_id = NULL;
    if (!s_ready (req, reply, &last_event_id))
        return;
    cab_rpc_result_t result;
    memset (&result, 0, sizeof result);
    cab_rpc_client_t *client = gw_services_for_method (req->env->services, s_get_meeting);
    if (!client) {
        result.status = CAB_UNAVAILABLE;
        gw_reply_rpc_error (reply, &result);
        return;
    }
    //  The scheduling service decides who may see the meeting, as for
    //  GET /api/v1/meetings/{id}: the stream shows no more than that.
    Cabinet__V1__MeetingIdRequest msg = CABINET__V1__MEETING_ID_REQUEST__INIT;
    msg.id = gw_route_param (req, "id");
    ProtobufCMessage *answer = NULL;
    cab_call_opts_t opts = {.caller = req->caller, .idempotent = true};
    if (cab_rpc_call (client, s_get_meeting, &msg.base, &cabinet__v1__meeting__descriptor,
                      cab_arena_allocator (req->arena), &answer, &opts, &result)
        != CAB_OK) {
        gw_reply_rpc_error (reply, &result);
        return;
    }
    const Cabinet__V1__Meeting *meeting = (const Cabinet__V1__Meeting *) answer;
    if (!meeting->id || !*meeting->id) {
        cab_error ("%s answered without the meeting's id", s_get_meeting);
        result.status = CAB_INTERNAL;
        gw_reply_rpc_error (reply, &result);
        return;
    }
    //  The events name the meeting as scheduling writes its id.
    s_open (req, reply, meeting->id, last_event_id);
}

void
gw_stream_personal (gw_request_t *req, gw_reply_t *reply)
{
    const char *last_event_id = NULL;
    if (s_ready (req, reply, &last_event_id))
        s_open (req, reply, NULL, last_event_id);
}
