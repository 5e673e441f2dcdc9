/*  h_common - what every scheduling handler uses: the caller as an actor,
    clean input text, uniform error replies, Idempotency-Key replays, and
    loading a meeting the caller may see.  */
#include "cab_db.h"
#include "cab_utf8.h"
#include "cab_uuid.h"
#include "handlers.h"
#include <string.h>
#include <strings.h>
#include <time.h>

sched_worker_t *
sched_call_worker (const cab_call_t *call)
{
    return call->worker;
}

void
sched_call_actor (const cab_call_t *call, sched_actor_t *actor)
{
    const Cabinet__V1__Caller *caller = call->caller;
    if (!caller) {
        cab_actor_init (actor, NULL, NULL, NULL, 0);
        return;
    }
    cab_actor_init (actor, caller->user_id, caller->unit_id, caller->roles, caller->n_roles);
}

char *
sched_call_text (cab_call_t *call, const char *in, bool *ok)
{
    char *out = cab_utf8_clean (call->arena, in);
    if (in && !out)
        *ok = false;
    return out;
}

cab_status_t
sched_call_fault (cab_call_t *call, const sched_fault_t *fault)
{
    return cab_call_error (call, fault->status, fault->field,
                           fault->message[0] ? fault->message : NULL);
}

cab_status_t
sched_call_fail (cab_call_t *call, cab_status_t status, const sched_fault_t *fault)
{
    if (fault && fault->status != CAB_OK && fault->message[0])
        return cab_call_error (call, status, fault->field, fault->message);
    return cab_call_error (call, status, NULL, NULL);
}

cab_status_t
sched_call_invalid (cab_call_t *call, const char *field, const char *message)
{
    return cab_call_error (call, CAB_INVALID_ARGUMENT, field, message);
}

bool
sched_call_page_size (cab_call_t *call, bool has_limit, int32_t limit, int *size)
{
    if (!has_limit || limit == 0) {
        *size = SCHED_PAGE_DEFAULT;
        return true;
    }
    if (limit < 1 || limit > SCHED_PAGE_MAX) {
        sched_call_invalid (call, "limit", "Số bản ghi mỗi trang phải từ 1 đến 200");
        return false;
    }
    *size = limit;
    return true;
}

bool
sched_call_pattern (cab_call_t *call, const char *q, const char **pattern)
{
    bool ok = true;
    char *text = sched_call_text (call, q, &ok);
    *pattern = NULL;
    if (!ok) {
        sched_call_invalid (call, "q", SCHED_MSG_NOT_UTF8);
        return false;
    }
    if (!text || !*text)
        return true;
    if (cab_utf8_length (text) > SCHED_QUERY_MAX) {
        sched_call_invalid (call, "q", "Từ khóa tìm kiếm không được dài quá 200 ký tự");
        return false;
    }
    //  Every byte may gain a backslash; plus the two % and the NUL.
    size_t cap = 2 * strlen (text) + 3;
    char *out = cab_arena_alloc (call->arena, cap);
    if (!cab_db_like_pattern (text, out, cap)) {
        sched_call_invalid (call, "q", "Từ khóa tìm kiếm không hợp lệ");
        return false;
    }
    *pattern = out;
    return true;
}

bool
sched_call_time (cab_call_t *call, const char *field, const char *text, bool *has, int64_t *out)
{
    *has = false;
    if (!text || !*text)
        return true;
    if (!cab_time_parse (text, out)) {
        sched_call_invalid (call, field,
                            "Thời gian phải theo RFC 3339 và có múi giờ, ví dụ "
                            "2026-12-01T08:00:00+07:00");
        return false;
    }
    *has = true;
    return true;
}

bool
sched_call_opt_id (cab_call_t *call, const char *field, const char *id)
{
    if (!id || !*id || cab_uuid_valid (id))
        return true;
    sched_call_invalid (call, field, "Mã định danh không hợp lệ");
    return false;
}

bool
sched_call_replay (cab_call_t *call, const ProtobufCMessage *request,
                   const ProtobufCMessageDescriptor *reply_desc, cab_idem_t *idem,
                   const cab_idem_t **idem_p)
{
    sched_worker_t *w = sched_call_worker (call);
    return cab_idem_replay (call, w->db, request, reply_desc, idem, idem_p);
}

static bool
s_same (const char *a, const char *b)
{
    return a && b && strcasecmp (a, b) == 0;
}

Cabinet__V1__Participant *
sched_meeting_person (const sched_meeting_t *m, const char *user_id)
{
    for (size_t i = 0; i < m->meeting->n_participants; i++) {
        Cabinet__V1__Participant *p = m->meeting->participants[i];
        if (strcmp (p->kind, "user") == 0 && s_same (p->user_id, user_id))
            return p;
    }
    return NULL;
}

Cabinet__V1__Participant *
sched_meeting_substituted (const sched_meeting_t *m, const char *user_id)
{
    for (size_t i = 0; i < m->meeting->n_participants; i++) {
        Cabinet__V1__Participant *p = m->meeting->participants[i];
        if (s_same (p->substitute_user_id, user_id))
            return p;
    }
    return NULL;
}

unsigned
sched_meeting_roles (const sched_actor_t *actor, const sched_meeting_t *m)
{
    const Cabinet__V1__Meeting *meeting = m->meeting;
    sched_people_t people = {
        .created_by = meeting->created_by,
        .host_unit_id = meeting->host_unit_id,
        .chair_id = meeting->chair_id,
        .secretary_id = meeting->secretary_id,
        .approver_id = meeting->approver_id,
    };
    if (actor->user_id) {
        people.invitee = sched_meeting_person (m, actor->user_id)
                         || sched_meeting_substituted (m, actor->user_id);
        for (size_t i = 0; i < meeting->n_participants && actor->unit_id; i++) {
            const Cabinet__V1__Participant *p = meeting->participants[i];
            if (strcmp (p->kind, "unit") == 0 && s_same (p->unit_id, actor->unit_id))
                people.unit_invited = true;
        }
        people.staff = s_same (meeting->preparer_id, actor->user_id);
        for (size_t i = 0; i < meeting->n_support_ids; i++)
            people.staff = people.staff || s_same (meeting->support_ids[i], actor->user_id);
    }
    return sched_roles_of (actor, &people);
}

cab_status_t
sched_call_meeting (cab_call_t *call, const char *id, sched_meeting_t **m, unsigned *roles)
{
    if (!id || !cab_uuid_valid (id))
        return sched_call_invalid (call, "id",
                                   id && *id ? "Mã cuộc họp không hợp lệ" : "Thiếu mã cuộc họp");
    sched_worker_t *w = sched_call_worker (call);
    cab_status_t status = sched_store_meeting_get (w->store, call->arena, id, m);
    if (status == CAB_NOT_FOUND)
        return cab_call_error (call, status, NULL, SCHED_MSG_MEETING_NOT_FOUND);
    if (status != CAB_OK)
        return sched_call_fail (call, status, NULL);
    sched_actor_t actor;
    sched_call_actor (call, &actor);
    *roles = sched_meeting_roles (&actor, *m);
    //  A meeting the caller may not see does not exist for them.
    if (!sched_may_view (*roles, (*m)->published, actor.system_admin))
        return cab_call_error (call, CAB_NOT_FOUND, NULL, SCHED_MSG_MEETING_NOT_FOUND);
    return CAB_OK;
}

Cabinet__V1__Violation *
sched_violation_new (cab_call_t *call, const sched_meeting_t *m, sched_rule_t rule,
                     const char *user_id, int64_t now)
{
    sched_worker_t *w = sched_call_worker (call);
    return sched_violation_build (call->arena, &w->settings.leads, m, rule, user_id, now);
}

Cabinet__V1__Violation *
sched_violation_build (cab_arena_t *arena, const sched_leads_t *leads, const sched_meeting_t *m,
                       sched_rule_t rule, const char *user_id, int64_t now)
{
    if (sched_in_time (leads, rule, m->type, m->start, now))
        return NULL;
    Cabinet__V1__Violation *v = cab_arena_alloc (arena, sizeof *v);
    cabinet__v1__violation__init (v);
    v->meeting_title = m->meeting->title;
    v->host_unit_id = m->meeting->host_unit_id;
    v->rule = (char *) sched_rule_name (rule);
    v->meeting_type = (char *) sched_type_name (m->type);
    v->has_lead_seconds = v->has_late_seconds = true;
    v->lead_seconds = leads->seconds[rule][m->type];
    v->late_seconds = sched_late_seconds (leads, rule, m->type, m->start, now);
    v->due_at = cab_time_format (sched_due (leads, rule, m->type, m->start),
                                 cab_arena_alloc (arena, CAB_TIME_TEXT));
    v->occurred_at = cab_time_format (now, cab_arena_alloc (arena, CAB_TIME_TEXT));
    v->user_id = (char *) user_id;
    char *text = cab_arena_alloc (arena, SCHED_MESSAGE_MAX);
    v->message = (char *) sched_violation_text (rule, m->type, v->lead_seconds, v->late_seconds,
                                                text, SCHED_MESSAGE_MAX);
    return v;
}

int64_t
sched_now (void)
{
    return (int64_t) time (NULL);
}
