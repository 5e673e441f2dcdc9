/*  h_attendance - invitees and attendance (R4): replies (attend, decline
    with a reason, delegate a colleague of the same agency with a reason;
    late replies accepted and flagged), an invited agency's clerk naming who
    attends, support requests before the meeting, roll call by the
    secretary (or the chair), self check-in while the meeting runs, and the
    counts the chair may read at any time.  */
#include "cab_uuid.h"
#include "handlers.h"
#include <string.h>
#include <strings.h>

#define MSG_NOT_INVITED "Bạn không có trong thành phần mời của cuộc họp này"

//  An invitee's row as a person for the stand-in rules.
static sched_person_t
s_invitee_person (const Cabinet__V1__Participant *row)
{
    sched_person_t p = {
        .id = row->user_id, .unit_id = row->unit_id, .node_id = row->node_id, .active = true};
    return p;
}

//  The person id from the projection, or NULL if unknown. Replies and
//  returns false on a store failure.
static bool
s_lookup (cab_call_t *call, const char *id, sched_person_t **person)
{
    sched_worker_t *w = sched_call_worker (call);
    *person = NULL;
    cab_status_t status = sched_store_person (w->store, call->arena, id, person);
    if (status == CAB_OK || status == CAB_NOT_FOUND)
        return true;
    sched_call_fail (call, status, NULL);
    return false;
}

cab_status_t
sched_rsvp (cab_call_t *call, const ProtobufCMessage *request)
{
    const Cabinet__V1__RsvpRequest *req = (const Cabinet__V1__RsvpRequest *) request;
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
    Cabinet__V1__Participant *row = sched_meeting_person (m, actor.user_id);
    if (!row)
        return cab_call_error (call, CAB_PERMISSION_DENIED, NULL, MSG_NOT_INVITED);

    bool ok = true;
    char *reason = sched_call_text (call, req->reason, &ok);
    if (!ok)
        return sched_call_invalid (call, "reason", SCHED_MSG_NOT_UTF8);
    sched_fault_t fault;
    sched_check_reply_input (req->response, reason, req->delegate_user_id, &fault);
    if (fault.status != CAB_OK)
        return sched_call_fault (call, &fault);
    sched_reply_t response, current = SCHED_REPLY_PENDING;
    sched_reply_parse (req->response, &response);
    sched_reply_parse (row->response, &current);
    int64_t now = sched_now ();
    sched_check_reply_state (m->status, now, m->end, current, row->replaces_user_id != NULL,
                             response, &fault);
    if (fault.status != CAB_OK)
        return sched_call_fault (call, &fault);

    sched_person_t *delegate = NULL;
    if (response == SCHED_REPLY_DELEGATE) {
        if (!s_lookup (call, req->delegate_user_id, &delegate))
            return call->status;
        sched_person_t invitee = s_invitee_person (row);
        bool invited = sched_meeting_person (m, req->delegate_user_id) != NULL;
        sched_check_stand_in ("delegate_user_id", &invitee, delegate, invited, &fault);
        if (fault.status != CAB_OK)
            return sched_call_fault (call, &fault);
    }
    const Cabinet__V1__Violation *violation =
        sched_violation_new (call, m, SCHED_RULE_REPLY, actor.user_id, now);
    sched_rsvp_in_t in = {
        .meeting_id = m->meeting->id,
        .version = m->version,
        .participant_id = row->id,
        .current = row->response,
        .response = sched_reply_name (response),
        .reason = reason && *reason ? reason : NULL,
        .delegate = delegate,
        .late = violation != NULL,
        .violation = violation,
    };
    sched_meeting_t *after = NULL;
    sched_fault_clear (&fault);
    cab_status_t status =
        sched_store_rsvp (w->store, call->arena, &in, actor.user_id, idem_p, &after, &fault);
    if (status != CAB_OK)
        return sched_call_fail (call, status, &fault);
    return cab_call_reply (call, after->meeting);
}

cab_status_t
sched_name_attendees (cab_call_t *call, const ProtobufCMessage *request)
{
    const Cabinet__V1__NameAttendeesRequest *req =
        (const Cabinet__V1__NameAttendeesRequest *) request;
    sched_worker_t *w = sched_call_worker (call);
    sched_actor_t actor;
    sched_call_actor (call, &actor);
    cab_idem_t idem;
    const cab_idem_t *idem_p = NULL;
    if (sched_call_replay (call, request, &cabinet__v1__meeting__descriptor, &idem, &idem_p))
        return call->status;
    sched_fault_t fault;
    sched_check_id ("unit_id", req->unit_id, true, &fault);
    if (fault.status != CAB_OK)
        return sched_call_fault (call, &fault);
    if (req->n_user_ids == 0)
        return sched_call_invalid (call, "user_ids", "Vui lòng chọn người dự họp");
    sched_check_id_list ("user_ids", req->user_ids, req->n_user_ids, SCHED_ATTENDEES_MAX, &fault);
    if (fault.status != CAB_OK)
        return sched_call_fault (call, &fault);
    sched_meeting_t *m = NULL;
    unsigned roles = 0;
    if (sched_call_meeting (call, req->id, &m, &roles) != CAB_OK)
        return call->status;
    //  The clerk speaks for their own agency only.
    if (!actor.unit_id || strcasecmp (actor.unit_id, req->unit_id) != 0)
        roles &= ~(unsigned) SCHED_ROLE_UNIT_CLERK;
    sched_may_name_attendees (m->status, roles, &fault);
    if (fault.status != CAB_OK)
        return sched_call_fault (call, &fault);
    if (sched_now () >= m->end)
        return cab_call_error (call, CAB_ABORTED, "status", "Cuộc họp đã kết thúc");

    const sched_person_t **people = cab_arena_alloc (call->arena, req->n_user_ids * sizeof *people);
    for (size_t i = 0; i < req->n_user_ids; i++) {
        sched_person_t *person = NULL;
        if (!s_lookup (call, req->user_ids[i], &person))
            return call->status;
        if (!person)
            return cab_call_error (call, CAB_NOT_FOUND, "user_ids",
                                   "Không tìm thấy người được cử trong danh bạ");
        if (!person->active)
            return cab_call_error (call, CAB_FAILED_PRECONDITION, "user_ids",
                                   "Người được cử không còn hoạt động");
        if (!person->unit_id || strcasecmp (person->unit_id, req->unit_id) != 0)
            return cab_call_error (call, CAB_FAILED_PRECONDITION, "user_ids",
                                   "Người được cử phải thuộc đơn vị được mời");
        people[i] = person;
    }
    sched_meeting_t *after = NULL;
    sched_fault_clear (&fault);
    cab_status_t status =
        sched_store_name_attendees (w->store, call->arena, m->meeting->id, m->version, req->unit_id,
                                    (const sched_person_t *const *) people, req->n_user_ids,
                                    actor.user_id, idem_p, &after, &fault);
    if (status != CAB_OK)
        return sched_call_fail (call, status, &fault);
    return cab_call_reply (call, after->meeting);
}

cab_status_t
sched_roll_call (cab_call_t *call, const ProtobufCMessage *request)
{
    const Cabinet__V1__RollCallRequest *req = (const Cabinet__V1__RollCallRequest *) request;
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
    sched_fault_t fault;
    sched_may_roll_call (m->status, roles, &fault);
    if (fault.status != CAB_OK)
        return sched_call_fault (call, &fault);

    bool ok = true;
    char *reason = sched_call_text (call, req->reason, &ok);
    if (!ok)
        return sched_call_invalid (call, "reason", SCHED_MSG_NOT_UTF8);
    sched_check_id ("user_id", req->user_id, true, &fault);
    if (fault.status != CAB_OK)
        return sched_call_fault (call, &fault);
    sched_check_roll_call_input (req->status, reason, req->substitute_user_id, &fault);
    if (fault.status != CAB_OK)
        return sched_call_fault (call, &fault);
    Cabinet__V1__Participant *row = sched_meeting_person (m, req->user_id);
    if (!row)
        return cab_call_error (call, CAB_NOT_FOUND, "user_id",
                               "Người này không có trong thành phần mời của cuộc họp");
    bool substitute = req->substitute_user_id && *req->substitute_user_id;
    if (substitute) {
        sched_person_t *person = NULL;
        if (!s_lookup (call, req->substitute_user_id, &person))
            return call->status;
        sched_person_t invitee = s_invitee_person (row);
        bool invited = sched_meeting_person (m, req->substitute_user_id) != NULL;
        sched_check_stand_in ("substitute_user_id", &invitee, person, invited, &fault);
        if (fault.status != CAB_OK)
            return sched_call_fault (call, &fault);
    }
    sched_attendance_in_t in = {
        .meeting_id = m->meeting->id,
        .version = m->version,
        .participant_id = row->id,
        .attendance = req->status,
        .reason = reason && *reason ? reason : NULL,
        .substitute_user_id = substitute ? req->substitute_user_id : NULL,
    };
    sched_meeting_t *after = NULL;
    sched_fault_clear (&fault);
    cab_status_t status =
        sched_store_attendance (w->store, call->arena, &in, actor.user_id, idem_p, &after, &fault);
    if (status != CAB_OK)
        return sched_call_fail (call, status, &fault);
    return cab_call_reply (call, after->meeting);
}

cab_status_t
sched_check_in (cab_call_t *call, const ProtobufCMessage *request)
{
    const Cabinet__V1__MeetingIdRequest *req = (const Cabinet__V1__MeetingIdRequest *) request;
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
    sched_fault_t fault;
    sched_may_check_in (m->status, roles, &fault);
    if (fault.status != CAB_OK)
        return sched_call_fault (call, &fault);
    //  The invitee in person, or the substitute the secretary recorded.
    sched_attendance_in_t in = {
        .meeting_id = m->meeting->id,
        .version = m->version,
        .check_in = true,
    };
    Cabinet__V1__Participant *row = sched_meeting_person (m, actor.user_id);
    if (row) {
        in.participant_id = row->id;
        in.attendance = "present";
    } else {
        row = sched_meeting_substituted (m, actor.user_id);
        if (!row)
            return cab_call_error (call, CAB_PERMISSION_DENIED, NULL, MSG_NOT_INVITED);
        in.participant_id = row->id;
        in.attendance = "substitute";
        in.reason = row->attendance_reason;
        in.substitute_user_id = row->substitute_user_id;
    }
    sched_meeting_t *after = NULL;
    sched_fault_clear (&fault);
    cab_status_t status =
        sched_store_attendance (w->store, call->arena, &in, actor.user_id, idem_p, &after, &fault);
    if (status != CAB_OK)
        return sched_call_fail (call, status, &fault);
    return cab_call_reply (call, after->meeting);
}

cab_status_t
sched_create_support_request (cab_call_t *call, const ProtobufCMessage *request)
{
    const Cabinet__V1__CreateSupportRequest *req =
        (const Cabinet__V1__CreateSupportRequest *) request;
    sched_worker_t *w = sched_call_worker (call);
    sched_actor_t actor;
    sched_call_actor (call, &actor);
    cab_idem_t idem;
    const cab_idem_t *idem_p = NULL;
    if (sched_call_replay (call, request, &cabinet__v1__support_request__descriptor, &idem,
                           &idem_p))
        return call->status;
    sched_meeting_t *m = NULL;
    unsigned roles = 0;
    if (sched_call_meeting (call, req->id, &m, &roles) != CAB_OK)
        return call->status;
    if (!sched_meeting_person (m, actor.user_id))
        return cab_call_error (call, CAB_PERMISSION_DENIED, NULL, MSG_NOT_INVITED);
    bool ok = true;
    char *note = sched_call_text (call, req->note, &ok);
    if (!ok)
        return sched_call_invalid (call, "note", SCHED_MSG_NOT_UTF8);
    sched_fault_t fault;
    sched_check_support_input (req->kind, note, &fault);
    if (fault.status != CAB_OK)
        return sched_call_fault (call, &fault);
    int64_t now = sched_now ();
    sched_check_support_state (m->status, now, m->start, &fault);
    if (fault.status != CAB_OK)
        return sched_call_fault (call, &fault);
    const Cabinet__V1__Violation *violation =
        sched_violation_new (call, m, SCHED_RULE_SUPPORT, actor.user_id, now);
    sched_support_in_t in = {
        .meeting_id = m->meeting->id,
        .version = m->version,
        .user_id = actor.user_id,
        .kind = req->kind,
        .note = note && *note ? note : NULL,
        .late = violation != NULL,
        .violation = violation,
    };
    Cabinet__V1__SupportRequest *out = NULL;
    sched_fault_clear (&fault);
    cab_status_t status = sched_store_support (w->store, call->arena, &in, idem_p, &out, &fault);
    if (status != CAB_OK)
        return sched_call_fail (call, status, &fault);
    return cab_call_reply (call, out);
}

cab_status_t
sched_get_attendance (cab_call_t *call, const ProtobufCMessage *request)
{
    const Cabinet__V1__MeetingIdRequest *req = (const Cabinet__V1__MeetingIdRequest *) request;
    sched_worker_t *w = sched_call_worker (call);
    sched_actor_t actor;
    sched_call_actor (call, &actor);
    sched_meeting_t *m = NULL;
    unsigned roles = 0;
    if (sched_call_meeting (call, req->id, &m, &roles) != CAB_OK)
        return call->status;
    if (!sched_may_see_attendance (roles, actor.system_admin))
        return cab_call_error (call, CAB_PERMISSION_DENIED, NULL,
                               "Chỉ chủ trì, thư ký, người phê duyệt và văn thư xem được "
                               "số liệu điểm danh");
    Cabinet__V1__AttendanceCounts *counts = NULL;
    cab_status_t status = sched_store_counts (w->store, call->arena, m->meeting->id, &counts);
    if (status != CAB_OK)
        return sched_call_fail (call, status, NULL);
    return cab_call_reply (call, counts);
}
