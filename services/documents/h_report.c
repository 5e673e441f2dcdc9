/*  h_report - the access report of a meeting (R4.5, R10.4): per invited
    agency and person, whether they opened the invitation (scheduling's
    invitation.opened events) and which documents they downloaded, when
    first and how often. For the meeting's chair, secretary, creator and
    approver, the office roles of its host agency and system admins.  */
#include "handlers.h"

cab_status_t
docs_access_report (cab_call_t *call, const ProtobufCMessage *request)
{
    const Cabinet__V1__AccessReportRequest *req =
        (const Cabinet__V1__AccessReportRequest *) request;
    docs_worker_t *w = docs_call_worker (call);
    docs_meeting_t *m = NULL;
    unsigned roles = 0;
    if (docs_call_meeting (call, "meeting_id", req->meeting_id, &m, &roles) != CAB_OK)
        return call->status;
    docs_actor_t actor;
    docs_call_actor (call, &actor);
    if (!docs_may_read_report (&actor, roles, m->people.host_unit_id)) {
        if (!docs_may_see_meeting (&actor, roles, m->published))
            return cab_call_error (call, CAB_NOT_FOUND, "meeting_id", DOCS_MSG_MEETING_NOT_FOUND);
        return cab_call_error (call, CAB_PERMISSION_DENIED, NULL,
                               "Chỉ chủ trì, thư ký, người tạo cuộc họp, văn phòng của đơn vị "
                               "chủ trì và quản trị hệ thống được xem báo cáo truy cập");
    }
    Cabinet__V1__AccessReport *report = NULL;
    cab_status_t status = docs_store_access_report (w->store, call->arena, m, &report);
    if (status != CAB_OK)
        return docs_call_fail (call, status);
    report->generated_at =
        docs_time_format (docs_now (), cab_arena_alloc (call->arena, DOCS_TIME_TEXT));
    return cab_call_reply (call, report);
}
