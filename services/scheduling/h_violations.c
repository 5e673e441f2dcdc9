/*  h_violations - lead-time violations (R3.4), queried and counted: those
    of one meeting (for whoever runs it), and those of every meeting of an
    agency (its clerks, approvers and unit admin) or of the node (system
    admins), filtered by rule and period, newest first, with the total and
    the count per rule.  */
#include "cab_uuid.h"
#include "handlers.h"
#include <string.h>
#include <strings.h>

//  rule, from, to, cursor, limit into query. Replies and returns false on
//  bad input.
static bool
s_query (cab_call_t *call, const Cabinet__V1__ListViolationsRequest *req,
         sched_violation_query_t *query)
{
    if (req->rule && *req->rule) {
        sched_rule_t rule;
        if (!sched_rule_parse (req->rule, &rule)) {
            sched_call_invalid (call, "rule",
                                "Quy định phải là notice, reply, documents hoặc support");
            return false;
        }
        query->rule = req->rule;
    }
    if (!sched_call_time (call, "from", req->from, &query->has_from, &query->from)
        || !sched_call_time (call, "to", req->to, &query->has_to, &query->to)
        || !sched_call_opt_id (call, "unit_id", req->unit_id)
        || !sched_call_page_size (call, req->has_limit, req->limit, &query->limit))
        return false;
    if (req->cursor && *req->cursor) {
        char *id = cab_arena_alloc (call->arena, CAB_UUID_LEN + 1);
        if (!sched_cursor_parse (req->cursor, &query->before_at, id)) {
            sched_call_invalid (call, "cursor", "Con trỏ phân trang không hợp lệ");
            return false;
        }
        query->has_before = true;
        query->before_id = id;
    }
    return true;
}

static cab_status_t
s_reply (cab_call_t *call, const sched_violation_query_t *query)
{
    sched_worker_t *w = sched_call_worker (call);
    Cabinet__V1__ViolationList *list = NULL;
    cab_status_t status = sched_store_violation_list (w->store, call->arena, query, &list);
    if (status != CAB_OK)
        return sched_call_fail (call, status, NULL);
    return cab_call_reply (call, list);
}

cab_status_t
sched_list_meeting_violations (cab_call_t *call, const ProtobufCMessage *request)
{
    const Cabinet__V1__ListViolationsRequest *req =
        (const Cabinet__V1__ListViolationsRequest *) request;
    sched_actor_t actor;
    sched_call_actor (call, &actor);
    sched_meeting_t *m = NULL;
    unsigned roles = 0;
    if (sched_call_meeting (call, req->id, &m, &roles) != CAB_OK)
        return call->status;
    if (!sched_may_see_attendance (roles, actor.system_admin))
        return cab_call_error (call, CAB_PERMISSION_DENIED, NULL,
                               "Chỉ chủ trì, thư ký, người phê duyệt và văn thư xem được "
                               "vi phạm thời hạn của cuộc họp");
    sched_violation_query_t query = {.meeting_id = m->meeting->id};
    if (!s_query (call, req, &query))
        return call->status;
    query.host_unit_id = req->unit_id && *req->unit_id ? req->unit_id : NULL;
    return s_reply (call, &query);
}

cab_status_t
sched_list_violations (cab_call_t *call, const ProtobufCMessage *request)
{
    const Cabinet__V1__ListViolationsRequest *req =
        (const Cabinet__V1__ListViolationsRequest *) request;
    sched_actor_t actor;
    sched_call_actor (call, &actor);
    if (req->id && *req->id && !cab_uuid_valid (req->id))
        return sched_call_invalid (call, "id", "Mã cuộc họp không hợp lệ");
    sched_violation_query_t query = {.meeting_id = req->id && *req->id ? req->id : NULL};
    if (!s_query (call, req, &query))
        return call->status;
    const char *unit = req->unit_id && *req->unit_id ? req->unit_id : NULL;
    if (actor.system_admin)
        query.host_unit_id = unit;
    else if ((actor.clerk || actor.approver || actor.unit_admin) && actor.unit_id) {
        //  The agency's own meetings only.
        if (unit && strcasecmp (unit, actor.unit_id) != 0)
            return cab_call_error (call, CAB_PERMISSION_DENIED, "unit_id",
                                   "Bạn chỉ xem được vi phạm của các cuộc họp do đơn vị mình "
                                   "chủ trì");
        query.host_unit_id = actor.unit_id;
    } else
        return cab_call_error (call, CAB_PERMISSION_DENIED, NULL,
                               "Chỉ văn thư, lãnh đạo phê duyệt và quản trị xem được thống kê "
                               "vi phạm thời hạn");
    return s_reply (call, &query);
}
