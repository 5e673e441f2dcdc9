/*  h_transitions - the meeting state machine over RPC: submit (clerk),
    approve and reject (the approver), unapprove, cancel, start and end
    (chair or secretary). rules.c decides who may do what from which
    status; an illegal transition is 409 with the reason.

    Approving records the notice rule: later than the node's notice lead
    time is allowed and recorded as a violation. A room or chair already
    taken by an approved meeting at the same time refuses the approval
    (422) unless it is forced with a reason.  */
#include "handlers.h"
#include <string.h>

static cab_status_t
s_transition (cab_call_t *call, const ProtobufCMessage *request, sched_action_t action)
{
    const Cabinet__V1__TransitionRequest *req = (const Cabinet__V1__TransitionRequest *) request;
    sched_worker_t *w = sched_call_worker (call);
    sched_actor_t actor;
    sched_call_actor (call, &actor);
    cab_idem_t idem;
    const cab_idem_t *idem_p = NULL;
    if (sched_call_replay (call, request, &cabinet__v1__meeting__descriptor, &idem, &idem_p))
        return call->status;
    sched_meeting_t *m = NULL;
    unsigned roles = 0;
    if (sched_call_meeting (call, req->id, &m, &roles) != CAB_OK)
        return call->status;

    bool ok = true;
    char *reason = sched_call_text (call, req->reason, &ok);
    char *force_reason = sched_call_text (call, req->force_reason, &ok);
    if (!ok)
        return sched_call_invalid (call, NULL, SCHED_MSG_NOT_UTF8);
    sched_fault_t fault;
    sched_check_reason ("reason", reason, sched_action_needs_reason (action), &fault);
    if (fault.status != CAB_OK)
        return sched_call_fault (call, &fault);
    bool force = req->has_force && req->force;
    if (force && action != SCHED_APPROVE)
        return sched_call_invalid (call, "force", "Chỉ dùng force khi phê duyệt cuộc họp");
    if (force || (force_reason && *force_reason)) {
        sched_check_reason ("force_reason", force_reason, true, &fault);
        if (fault.status != CAB_OK)
            return sched_call_fault (call, &fault);
        if (!force)
            return sched_call_invalid (call, "force_reason",
                                       "Chỉ nêu force_reason khi phê duyệt với force=true");
    }

    sched_status_t to;
    sched_transition (action, m->status, roles, &to, &fault);
    if (fault.status != CAB_OK)
        return sched_call_fault (call, &fault);
    int64_t now = sched_now ();
    const Cabinet__V1__Violation *violation = NULL;
    if (action == SCHED_APPROVE) {
        sched_check_approve_time (m->start, now, &fault);
        if (fault.status != CAB_OK)
            return sched_call_fault (call, &fault);
        violation = sched_violation_new (call, m, SCHED_RULE_NOTICE, actor.user_id, now);
    }
    sched_transition_in_t in = {
        .action = action,
        .from = m->status,
        .to = to,
        .version = m->version,
        .reason = sched_action_needs_reason (action) ? reason : NULL,
        .force = force,
        .force_reason = force ? force_reason : NULL,
        .now = now,
        .violation = violation,
    };
    sched_meeting_t *after = NULL;
    Cabinet__V1__Warning **warnings = NULL;
    size_t n_warnings = 0;
    sched_fault_clear (&fault);
    cab_status_t status =
        sched_store_transition (w->store, call->arena, m->meeting->id, &in, actor.user_id, idem_p,
                                &after, &warnings, &n_warnings, &fault);
    if (status == CAB_FAILED_PRECONDITION && n_warnings > 0) {
        char *message = cab_arena_printf (
            call->arena,
            "Không thể phê duyệt: %s. Nếu vẫn phê duyệt, gửi force=true kèm force_reason",
            warnings[0]->message);
        return cab_call_error_code (call, status, warnings[0]->code, "force", message);
    }
    if (status != CAB_OK)
        return sched_call_fail (call, status, &fault);
    return cab_call_reply (call, after->meeting);
}

cab_status_t
sched_submit_meeting (cab_call_t *call, const ProtobufCMessage *request)
{
    return s_transition (call, request, SCHED_SUBMIT);
}

cab_status_t
sched_approve_meeting (cab_call_t *call, const ProtobufCMessage *request)
{
    return s_transition (call, request, SCHED_APPROVE);
}

cab_status_t
sched_reject_meeting (cab_call_t *call, const ProtobufCMessage *request)
{
    return s_transition (call, request, SCHED_REJECT);
}

cab_status_t
sched_unapprove_meeting (cab_call_t *call, const ProtobufCMessage *request)
{
    return s_transition (call, request, SCHED_UNAPPROVE);
}

cab_status_t
sched_cancel_meeting (cab_call_t *call, const ProtobufCMessage *request)
{
    return s_transition (call, request, SCHED_CANCEL);
}

cab_status_t
sched_start_meeting (cab_call_t *call, const ProtobufCMessage *request)
{
    return s_transition (call, request, SCHED_START);
}

cab_status_t
sched_end_meeting (cab_call_t *call, const ProtobufCMessage *request)
{
    return s_transition (call, request, SCHED_END);
}
