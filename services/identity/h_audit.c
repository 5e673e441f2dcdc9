/*  h_audit - the login log (R1.5): a system admin reads all of it, a unit
    admin the sign-ins of their own unit's accounts, nobody else any.  */
#include "cab_uuid.h"
#include "handlers.h"
#include <strings.h>

#define MSG_TIME_FORMAT "Thời điểm phải theo định dạng RFC 3339, ví dụ 2026-12-01T08:00:00+07:00"

//  An optional UUID filter: NULL or "" means none. Replies and returns
//  false if malformed.
static bool
s_id_filter (cab_call_t *call, const char *field, const char *in, const char **out)
{
    *out = NULL;
    if (!in || !*in)
        return true;
    if (!cab_uuid_valid (in)) {
        ident_call_invalid (call, field, "Mã định danh không hợp lệ");
        return false;
    }
    *out = in;
    return true;
}

static bool
s_time_filter (cab_call_t *call, const char *field, const char *in, const char **out)
{
    *out = NULL;
    if (!in || !*in)
        return true;
    if (!ident_rfc3339_valid (in)) {
        ident_call_invalid (call, field, MSG_TIME_FORMAT);
        return false;
    }
    *out = in;
    return true;
}

cab_status_t
ident_list_logins (cab_call_t *call, const ProtobufCMessage *request)
{
    const Cabinet__V1__ListLoginsRequest *req = (const Cabinet__V1__ListLoginsRequest *) request;
    ident_worker_t *w = ident_call_worker (call);
    ident_actor_t actor;
    ident_call_actor (call, &actor);
    ident_login_scope_t scope = ident_login_scope (&actor);
    if (scope == IDENT_LOGINS_DENIED)
        return ident_call_denied (call, "Chỉ quản trị viên được xem nhật ký đăng nhập");

    ident_login_query_t query = {0};
    if (!s_id_filter (call, "user_id", req->user_id, &query.user_id)
        || !s_id_filter (call, "unit_id", req->unit_id, &query.unit_id)
        || !s_time_filter (call, "from", req->from, &query.from)
        || !s_time_filter (call, "to", req->to, &query.to)
        || !s_id_filter (call, "cursor", req->cursor, &query.before)
        || !ident_call_page_size (call, req->has_limit, req->limit, &query.limit))
        return call->status;
    if (scope == IDENT_LOGINS_OWN_UNIT) {
        if (query.unit_id && strcasecmp (query.unit_id, actor.unit_id) != 0)
            return ident_call_denied (call, "Quản trị đơn vị chỉ xem nhật ký của đơn vị mình");
        query.unit_id = actor.unit_id;
    }
    Cabinet__V1__LoginList *list = NULL;
    cab_status_t status = ident_store_login_list (w->store, call->arena, &query, &list);
    if (status != CAB_OK)
        return ident_call_fail (call, status, NULL);
    return cab_call_reply (call, list);
}
