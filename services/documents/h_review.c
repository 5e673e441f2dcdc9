/*  h_review - publication approval of a meeting's documents (R3.3): the
    meeting's chair or its approver (the office leader) approves a
    document, which makes it visible to the invitees, or rejects it with a
    reason; and the release of a meeting's stored data for deletion by a
    leader (R5.6), without which the retention purge never touches it.  */
#include "handlers.h"

static cab_status_t
s_review (cab_call_t *call, const ProtobufCMessage *request, docs_review_t action)
{
    const Cabinet__V1__ReviewRequest *req = (const Cabinet__V1__ReviewRequest *) request;
    docs_worker_t *w = docs_call_worker (call);
    bool ok = true;
    char *reason = docs_call_text (call, req->reason, &ok);
    if (!ok)
        return docs_call_invalid (call, "reason", DOCS_MSG_NOT_UTF8);
    docs_fault_t fault;
    docs_check_text ("reason", reason, action == DOCS_REJECT, DOCS_REASON_MAX, &fault);
    if (fault.status != CAB_OK) {
        if (action == DOCS_REJECT && (!reason || !*reason))
            return docs_call_invalid (call, "reason", "Vui lòng nêu lý do từ chối tài liệu");
        return docs_call_fault (call, &fault);
    }
    docs_doc_t *doc = NULL;
    if (docs_call_document (call, "id", req->id, &doc) != CAB_OK)
        return call->status;
    docs_status_t to = DOCS_PENDING;
    docs_may_review (&doc->facts, action, &to, &fault);
    if (fault.status != CAB_OK)
        return docs_call_fault (call, &fault);
    docs_actor_t actor;
    docs_call_actor (call, &actor);
    docs_fault_clear (&fault);
    docs_doc_t *reviewed = NULL;
    cab_status_t status = docs_store_review (w->store, call->arena, doc->doc->id, doc->facts.status,
                                             to, reason, &actor, &reviewed, &fault);
    if (status != CAB_OK)
        return fault.status != CAB_OK ? docs_call_fault (call, &fault)
                                      : docs_call_fail (call, status);
    return cab_call_reply (call, reviewed->doc);
}

cab_status_t
docs_approve (cab_call_t *call, const ProtobufCMessage *request)
{
    return s_review (call, request, DOCS_APPROVE);
}

cab_status_t
docs_reject (cab_call_t *call, const ProtobufCMessage *request)
{
    return s_review (call, request, DOCS_REJECT);
}

cab_status_t
docs_release_for_purge (cab_call_t *call, const ProtobufCMessage *request)
{
    const Cabinet__V1__ReleaseForPurgeRequest *req =
        (const Cabinet__V1__ReleaseForPurgeRequest *) request;
    docs_worker_t *w = docs_call_worker (call);
    bool ok = true;
    char *reason = docs_call_text (call, req->reason, &ok);
    if (!ok)
        return docs_call_invalid (call, "reason", DOCS_MSG_NOT_UTF8);
    docs_fault_t fault;
    docs_check_text ("reason", reason, false, DOCS_REASON_MAX, &fault);
    if (fault.status != CAB_OK)
        return docs_call_fault (call, &fault);
    docs_meeting_t *m = NULL;
    unsigned roles = 0;
    if (docs_call_meeting (call, "meeting_id", req->meeting_id, &m, &roles) != CAB_OK)
        return call->status;
    docs_actor_t actor;
    docs_call_actor (call, &actor);
    docs_may_release (&actor, roles, m->people.host_unit_id, &fault);
    if (fault.status != CAB_OK) {
        if (!docs_may_see_meeting (&actor, roles, m->published))
            return cab_call_error (call, CAB_NOT_FOUND, "meeting_id", DOCS_MSG_MEETING_NOT_FOUND);
        return docs_call_fault (call, &fault);
    }
    Cabinet__V1__RetentionRelease *release = NULL;
    cab_status_t status = docs_store_release (w->store, call->arena, m->id, actor.user_id,
                                              reason && *reason ? reason : NULL,
                                              w->settings.retention_months, &release);
    if (status != CAB_OK)
        return docs_call_fail (call, status);
    return cab_call_reply (call, release);
}
