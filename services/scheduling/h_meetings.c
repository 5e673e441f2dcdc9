/*  h_meetings - registering a meeting with every R3.1 field (R3.1),
    amending it (the clerk in drafts, the approver before approving: R3.2),
    reading it, and the calendars (R3.7) and the public list (R3.6).

    Every reference is checked against the projection: the chair, the
    secretary and the approver are active people of this node in the host
    agency or above it (the approver holding the approver role); the room
    and the field exist; invited people and agencies exist anywhere in the
    province. A room or chair taken at an overlapping time is a warning in
    the reply here; at approval it is refused unless forced.  */
#include "cab_log.h"
#include "cab_uuid.h"
#include "handlers.h"
#include <string.h>
#include <strings.h>

#define CHANGED_MAX 16

//  What a request says about a meeting's fields (text already clean).
typedef struct {
    char *title;
    char *content;
    const char *start_at;
    const char *end_at;
    const char *room_id;
    const char *form;
    const char *type;
    const char *field_id;
    const char *chair_id;
    const char *secretary_id;
    const char *approver_id;
    const char *preparer_id;
    const char *preparer_unit_id;
    char **support_ids;
    size_t n_support;
    Cabinet__V1__ParticipantInput **participants;
    size_t n_participants;
} s_draft_t;

static bool
s_fail_fault (cab_call_t *call, const sched_fault_t *fault)
{
    if (fault->status == CAB_OK)
        return true;
    sched_call_fault (call, fault);
    return false;
}

//  Check the shape of every field and fill the plain parts of *out.
static bool
s_check_shape (cab_call_t *call, const s_draft_t *d, sched_meeting_in_t *out)
{
    sched_fault_t fault;
    sched_check_title (d->title, &fault);
    if (!s_fail_fault (call, &fault))
        return false;
    sched_check_content (d->content, &fault);
    if (!s_fail_fault (call, &fault))
        return false;
    sched_check_times (d->start_at, d->end_at, &out->start, &out->end, &fault);
    if (!s_fail_fault (call, &fault))
        return false;
    if (!sched_form_valid (d->form)) {
        sched_call_invalid (call, "form", "Hình thức họp phải là in_person, online hoặc hybrid");
        return false;
    }
    sched_type_t type;
    if (!sched_type_parse (d->type, &type)) {
        sched_call_invalid (call, "type", "Loại cuộc họp phải là regular, urgent hoặc emergency");
        return false;
    }
    static const char *const required[] = {"chair_id", "secretary_id", "approver_id"};
    const char *officers[] = {d->chair_id, d->secretary_id, d->approver_id};
    for (int i = 0; i < 3; i++) {
        sched_check_id (required[i], officers[i], true, &fault);
        if (!s_fail_fault (call, &fault))
            return false;
    }
    static const char *const optional[] = {"room_id", "field_id", "preparer_id",
                                           "preparer_unit_id"};
    const char *ids[] = {d->room_id, d->field_id, d->preparer_id, d->preparer_unit_id};
    for (int i = 0; i < 4; i++) {
        sched_check_id (optional[i], ids[i], false, &fault);
        if (!s_fail_fault (call, &fault))
            return false;
    }
    sched_check_id_list ("support_ids", d->support_ids, d->n_support, SCHED_SUPPORT_MAX, &fault);
    if (!s_fail_fault (call, &fault))
        return false;
    sched_invitee_t *invitees =
        cab_arena_alloc (call->arena, (d->n_participants + 1) * sizeof *invitees);
    for (size_t i = 0; i < d->n_participants; i++) {
        invitees[i].user_id = d->participants[i]->user_id;
        invitees[i].unit_id = d->participants[i]->unit_id;
    }
    sched_check_invitees (invitees, d->n_participants, &fault);
    if (!s_fail_fault (call, &fault))
        return false;
    out->title = d->title;
    out->content = d->content && *d->content ? d->content : NULL;
    out->form = d->form;
    out->type = d->type;
    out->room_id = d->room_id && *d->room_id ? d->room_id : NULL;
    out->field_id = d->field_id && *d->field_id ? d->field_id : NULL;
    out->chair_id = d->chair_id;
    out->secretary_id = d->secretary_id;
    out->approver_id = d->approver_id;
    out->preparer_id = d->preparer_id && *d->preparer_id ? d->preparer_id : NULL;
    out->preparer_unit_id =
        d->preparer_unit_id && *d->preparer_unit_id ? d->preparer_unit_id : NULL;
    out->support_ids = d->support_ids;
    out->n_support = d->n_support;
    return true;
}

//  The person id, or NULL when the projection does not know them. Replies
//  and returns false on a store failure.
static bool
s_person (cab_call_t *call, const char *id, sched_person_t **person)
{
    sched_worker_t *w = sched_call_worker (call);
    *person = NULL;
    cab_status_t status = sched_store_person (w->store, call->arena, id, person);
    if (status == CAB_OK || status == CAB_NOT_FOUND)
        return true;
    sched_call_fail (call, status, NULL);
    return false;
}

static bool
s_unit_exists (cab_call_t *call, const char *field, const char *id, char **node_id)
{
    sched_worker_t *w = sched_call_worker (call);
    cab_status_t status = sched_store_unit (w->store, call->arena, id, NULL, node_id);
    if (status == CAB_NOT_FOUND)
        cab_call_error (call, status, field, "Không tìm thấy đơn vị trong danh bạ của hệ thống");
    else if (status != CAB_OK)
        sched_call_fail (call, status, NULL);
    return status == CAB_OK;
}

static bool
s_catalog_exists (cab_call_t *call, const char *kind, const char *field, const char *id,
                  const char *missing)
{
    sched_worker_t *w = sched_call_worker (call);
    Cabinet__V1__CatalogEntry *entry = NULL;
    cab_status_t status = sched_store_catalog_get (w->store, call->arena, kind, id, &entry);
    if (status == CAB_NOT_FOUND)
        cab_call_error (call, status, field, missing);
    else if (status != CAB_OK)
        sched_call_fail (call, status, NULL);
    return status == CAB_OK;
}

//  Check the references that `fields` (SCHED_EDIT_* bits) cover against the
//  projection and the catalogs; resolve the invitees into out.
static bool
s_check_refs (cab_call_t *call, const char *host_unit_id, const s_draft_t *d, unsigned fields,
              sched_meeting_in_t *out)
{
    sched_worker_t *w = sched_call_worker (call);
    const char *node_id = w->settings.node_id;
    sched_fault_t fault;
    if (fields & SCHED_EDIT_OFFICERS) {
        char **line = NULL;
        size_t n_line = 0;
        cab_status_t status =
            sched_store_unit_line (w->store, call->arena, host_unit_id, &line, &n_line);
        if (status != CAB_OK) {
            sched_call_fail (call, status, NULL);
            return false;
        }
        const char *ids[] = {out->chair_id, out->secretary_id, out->approver_id};
        const sched_officer_t which[] = {SCHED_OFFICER_CHAIR, SCHED_OFFICER_SECRETARY,
                                         SCHED_OFFICER_APPROVER};
        for (int i = 0; i < 3; i++) {
            sched_person_t *person = NULL;
            if (!s_person (call, ids[i], &person))
                return false;
            sched_check_officer (which[i], person, node_id, line, n_line, &fault);
            if (!s_fail_fault (call, &fault))
                return false;
        }
    }
    if ((fields & SCHED_EDIT_ROOM) && out->room_id
        && !s_catalog_exists (call, "rooms", "room_id", out->room_id, "Không tìm thấy phòng họp"))
        return false;
    if ((fields & SCHED_EDIT_FIELD) && out->field_id
        && !s_catalog_exists (call, "fields", "field_id", out->field_id,
                              "Không tìm thấy lĩnh vực trong danh mục"))
        return false;
    if (fields & SCHED_EDIT_PREPARER) {
        if (out->preparer_unit_id
            && !s_unit_exists (call, "preparer_unit_id", out->preparer_unit_id, NULL))
            return false;
        if (out->preparer_id) {
            sched_person_t *person = NULL;
            if (!s_person (call, out->preparer_id, &person))
                return false;
            sched_check_staff ("preparer_id", person, node_id, out->preparer_unit_id, &fault);
            if (!s_fail_fault (call, &fault))
                return false;
        }
    }
    if (fields & SCHED_EDIT_SUPPORT)
        for (size_t i = 0; i < out->n_support; i++) {
            sched_person_t *person = NULL;
            if (!s_person (call, out->support_ids[i], &person))
                return false;
            sched_check_staff ("support_ids", person, node_id, NULL, &fault);
            if (!s_fail_fault (call, &fault))
                return false;
        }
    if (fields & SCHED_EDIT_PARTICIPANTS) {
        sched_invitation_t *inv =
            cab_arena_alloc (call->arena, (d->n_participants + 1) * sizeof *inv);
        for (size_t i = 0; i < d->n_participants; i++) {
            const Cabinet__V1__ParticipantInput *p = d->participants[i];
            if (p->user_id && *p->user_id) {
                sched_person_t *person = NULL;
                if (!s_person (call, p->user_id, &person))
                    return false;
                sched_check_invited_person (person, &fault);
                if (!s_fail_fault (call, &fault))
                    return false;
                inv[i] = (sched_invitation_t){.kind = "user",
                                              .user_id = person->id,
                                              .unit_id = person->unit_id,
                                              .node_id = person->node_id};
            } else {
                char *unit_node = NULL;
                if (!s_unit_exists (call, "participants", p->unit_id, &unit_node))
                    return false;
                inv[i] = (sched_invitation_t){
                    .kind = "unit", .unit_id = p->unit_id, .node_id = unit_node};
            }
        }
        out->invitations = inv;
        out->n_invitations = d->n_participants;
        out->invitations_set = true;
    }
    return true;
}

//  Rooms and chairs taken by other requested meetings at the same time.
static bool
s_warnings (cab_call_t *call, const char *exclude_id, const sched_meeting_in_t *in,
            Cabinet__V1__Warning ***warnings, size_t *n)
{
    sched_worker_t *w = sched_call_worker (call);
    cab_status_t status =
        sched_store_conflicts (w->store, call->arena, exclude_id, in->room_id, in->chair_id,
                               in->start, in->end, SCHED_BOOKED_REQUESTED, warnings, n);
    if (status != CAB_OK) {
        sched_call_fail (call, status, NULL);
        return false;
    }
    return true;
}

//  Clean every text field of a draft. Replies and returns false if one is
//  not UTF-8.
static bool
s_clean (cab_call_t *call, s_draft_t *d, const char *title, const char *content)
{
    bool ok = true;
    d->title = sched_call_text (call, title, &ok);
    d->content = sched_call_text (call, content, &ok);
    if (!ok)
        sched_call_invalid (call, NULL, SCHED_MSG_NOT_UTF8);
    return ok;
}

cab_status_t
sched_create_meeting (cab_call_t *call, const ProtobufCMessage *request)
{
    const Cabinet__V1__CreateMeetingRequest *req =
        (const Cabinet__V1__CreateMeetingRequest *) request;
    sched_worker_t *w = sched_call_worker (call);
    sched_actor_t actor;
    sched_call_actor (call, &actor);
    if (!sched_may_create_meeting (&actor))
        return cab_call_error (call, CAB_PERMISSION_DENIED, NULL,
                               "Chỉ văn thư (đầu mối chuẩn bị cuộc họp) được đăng ký cuộc họp");
    cab_idem_t idem;
    const cab_idem_t *idem_p = NULL;
    if (sched_call_replay (call, request, &cabinet__v1__meeting__descriptor, &idem, &idem_p))
        return call->status;

    s_draft_t d = {
        .start_at = req->start_at,
        .end_at = req->end_at,
        .room_id = req->room_id,
        .form = req->form,
        .type = req->type,
        .field_id = req->field_id,
        .chair_id = req->chair_id,
        .secretary_id = req->secretary_id,
        .approver_id = req->approver_id,
        .preparer_id = req->preparer_id,
        .preparer_unit_id = req->preparer_unit_id,
        .support_ids = req->support_ids,
        .n_support = req->n_support_ids,
        .participants = req->participants,
        .n_participants = req->n_participants,
    };
    if (!s_clean (call, &d, req->title, req->content))
        return call->status;
    sched_meeting_in_t in = {.host_unit_id = actor.unit_id};
    if (!s_check_shape (call, &d, &in))
        return call->status;
    sched_fault_t fault;
    sched_check_start_in_future (in.start, sched_now (), &fault);
    if (fault.status != CAB_OK)
        return sched_call_fault (call, &fault);
    unsigned all = SCHED_EDIT_OFFICERS | SCHED_EDIT_ROOM | SCHED_EDIT_FIELD | SCHED_EDIT_PREPARER
                   | SCHED_EDIT_SUPPORT | SCHED_EDIT_PARTICIPANTS;
    if (!s_check_refs (call, actor.unit_id, &d, all, &in))
        return call->status;
    Cabinet__V1__Warning **warnings = NULL;
    size_t n_warnings = 0;
    if (!s_warnings (call, NULL, &in, &warnings, &n_warnings))
        return call->status;
    sched_meeting_t *m = NULL;
    sched_fault_clear (&fault);
    cab_status_t status = sched_store_meeting_create (
        w->store, call->arena, &in, warnings, n_warnings, actor.user_id, idem_p, &m, &fault);
    if (status != CAB_OK)
        return sched_call_fail (call, status, &fault);
    return cab_call_reply (call, m->meeting);
}

cab_status_t
sched_get_meeting (cab_call_t *call, const ProtobufCMessage *request)
{
    const Cabinet__V1__MeetingIdRequest *req = (const Cabinet__V1__MeetingIdRequest *) request;
    sched_meeting_t *m = NULL;
    unsigned roles = 0;
    if (sched_call_meeting (call, req->id, &m, &roles) != CAB_OK)
        return call->status;
    //  An invitee opening a published meeting is what the access report
    //  calls "opened the invitation" (R4.5); failing to record it does not
    //  keep the meeting from them.
    const char *me = call->caller ? call->caller->user_id : NULL;
    bool invited = false;
    for (size_t i = 0; m->published && me && i < m->meeting->n_participants && !invited; i++) {
        const Cabinet__V1__Participant *p = m->meeting->participants[i];
        invited = (p->user_id && strcmp (p->user_id, me) == 0)
                  || (p->substitute_user_id && strcmp (p->substitute_user_id, me) == 0);
    }
    if (invited) {
        sched_worker_t *w = sched_call_worker (call);
        cab_status_t status = sched_store_invitation_opened (w->store, call->arena, m, me);
        if (status != CAB_OK)
            cab_warn ("meeting %s: opening by %s not recorded (%s)", m->meeting->id, me,
                      cab_status_code (status));
    }
    return cab_call_reply (call, m->meeting);
}

static bool
s_differs (const char *sent, const char *current)
{
    if (!sent)
        return false;  //  not sent: unchanged
    const char *a = *sent ? sent : NULL;
    return (a == NULL) != (current == NULL) || (a && current && strcasecmp (a, current) != 0);
}

//  Participants as a request would name them, from the meeting's own
//  direct invitees (not delegates, not named attendees).
static bool
s_same_invitees (const sched_meeting_t *m, Cabinet__V1__ParticipantInput **sent, size_t n)
{
    size_t direct = 0;
    for (size_t i = 0; i < m->meeting->n_participants; i++) {
        const Cabinet__V1__Participant *p = m->meeting->participants[i];
        if (p->replaces_user_id || p->via_unit_id)
            continue;
        direct++;
        bool found = false;
        for (size_t j = 0; j < n && !found; j++) {
            const char *want = strcmp (p->kind, "user") == 0 ? p->user_id : p->unit_id;
            const char *have = strcmp (p->kind, "user") == 0 ? sent[j]->user_id : sent[j]->unit_id;
            found = have && *have && strcasecmp (want, have) == 0;
        }
        if (!found)
            return false;
    }
    return direct == n;
}

static bool
s_support_differs (const sched_meeting_t *m, char **sent, size_t n)
{
    if (n != m->meeting->n_support_ids)
        return true;
    for (size_t i = 0; i < n; i++) {
        bool found = false;
        for (size_t j = 0; j < n && !found; j++)
            found = strcasecmp (sent[i], m->meeting->support_ids[j]) == 0;
        if (!found)
            return true;
    }
    return false;
}

cab_status_t
sched_update_meeting (cab_call_t *call, const ProtobufCMessage *request)
{
    const Cabinet__V1__UpdateMeetingRequest *req =
        (const Cabinet__V1__UpdateMeetingRequest *) request;
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
    const Cabinet__V1__Meeting *cur = m->meeting;

    s_draft_t sent = {0};
    if (!s_clean (call, &sent, req->title, req->content))
        return call->status;
    //  What actually changes, field by field.
    unsigned fields = 0;
    const char *changed[CHANGED_MAX];
    size_t n_changed = 0;
    struct {
        const char *name;
        const char *sent;
        const char *current;
        unsigned bit;
    } plain[] = {
        {"title", sent.title, cur->title, SCHED_EDIT_TITLE},
        {"content", sent.content, cur->content, SCHED_EDIT_CONTENT},
        {"start_at", req->start_at, cur->start_at, SCHED_EDIT_TIMES},
        {"end_at", req->end_at, cur->end_at, SCHED_EDIT_TIMES},
        {"room_id", req->room_id, cur->room_id, SCHED_EDIT_ROOM},
        {"form", req->form, cur->form, SCHED_EDIT_FORM},
        {"type", req->type, cur->type, SCHED_EDIT_TYPE},
        {"field_id", req->field_id, cur->field_id, SCHED_EDIT_FIELD},
        {"chair_id", req->chair_id, cur->chair_id, SCHED_EDIT_OFFICERS},
        {"secretary_id", req->secretary_id, cur->secretary_id, SCHED_EDIT_OFFICERS},
        {"approver_id", req->approver_id, cur->approver_id, SCHED_EDIT_OFFICERS},
        {"preparer_id", req->preparer_id, cur->preparer_id, SCHED_EDIT_PREPARER},
        {"preparer_unit_id", req->preparer_unit_id, cur->preparer_unit_id, SCHED_EDIT_PREPARER},
    };
    for (size_t i = 0; i < sizeof plain / sizeof plain[0]; i++) {
        if (!plain[i].sent)
            continue;
        bool differs;
        if (plain[i].bit == SCHED_EDIT_TIMES) {
            //  Times are compared as instants: the same moment may be
            //  written with another offset. One that does not parse is
            //  a change, refused below with the reason.
            int64_t a = 0, b = 0;
            differs = !cab_time_parse (plain[i].sent, &a) || !cab_time_parse (plain[i].current, &b)
                      || a != b;
        } else
            differs = s_differs (plain[i].sent, plain[i].current);
        if (differs) {
            fields |= plain[i].bit;
            changed[n_changed++] = plain[i].name;
        }
    }
    bool participants_set = req->has_participants_set && req->participants_set;
    if (participants_set && !s_same_invitees (m, req->participants, req->n_participants)) {
        fields |= SCHED_EDIT_PARTICIPANTS;
        changed[n_changed++] = "participants";
    }
    bool support_set = req->has_support_ids_set && req->support_ids_set;
    if (support_set && s_support_differs (m, req->support_ids, req->n_support_ids)) {
        fields |= SCHED_EDIT_SUPPORT;
        changed[n_changed++] = "support_ids";
    }
    sched_fault_t fault;
    sched_may_edit (m->status, roles, fields, &fault);
    if (fault.status != CAB_OK)
        return sched_call_fault (call, &fault);
    if (n_changed == 0)
        return cab_call_reply (call, m->meeting);  //  nothing changes: no new version, no event

    //  The meeting as it would be.
    s_draft_t d = {
        .title = sent.title ? sent.title : cur->title,
        .content = sent.content ? sent.content : cur->content,
        .start_at = req->start_at ? req->start_at : cur->start_at,
        .end_at = req->end_at ? req->end_at : cur->end_at,
        .room_id = req->room_id ? req->room_id : cur->room_id,
        .form = req->form ? req->form : cur->form,
        .type = req->type ? req->type : cur->type,
        .field_id = req->field_id ? req->field_id : cur->field_id,
        .chair_id = req->chair_id ? req->chair_id : cur->chair_id,
        .secretary_id = req->secretary_id ? req->secretary_id : cur->secretary_id,
        .approver_id = req->approver_id ? req->approver_id : cur->approver_id,
        .preparer_id = req->preparer_id ? req->preparer_id : cur->preparer_id,
        .preparer_unit_id = req->preparer_unit_id ? req->preparer_unit_id : cur->preparer_unit_id,
        .support_ids = support_set ? req->support_ids : cur->support_ids,
        .n_support = support_set ? req->n_support_ids : cur->n_support_ids,
        .participants = participants_set ? req->participants : NULL,
        .n_participants = participants_set ? req->n_participants : 0,
    };
    sched_meeting_in_t in = {0};
    if (!s_check_shape (call, &d, &in))
        return call->status;
    if (fields & SCHED_EDIT_TIMES) {
        sched_check_start_in_future (in.start, sched_now (), &fault);
        if (fault.status != CAB_OK)
            return sched_call_fault (call, &fault);
    }
    if (!s_check_refs (call, cur->host_unit_id, &d, fields, &in))
        return call->status;
    Cabinet__V1__Warning **warnings = NULL;
    size_t n_warnings = 0;
    if (!s_warnings (call, cur->id, &in, &warnings, &n_warnings))
        return call->status;
    sched_meeting_t *after = NULL;
    sched_fault_clear (&fault);
    cab_status_t status = sched_store_meeting_update (w->store, call->arena, cur->id, m->version,
                                                      &in, changed, n_changed, warnings, n_warnings,
                                                      actor.user_id, idem_p, &after, &fault);
    if (status != CAB_OK)
        return sched_call_fail (call, status, &fault);
    return cab_call_reply (call, after->meeting);
}

//  The chair marks the meeting secret ("họp mật", R6.5: it is not
//  recorded, and the documents service refuses its recordings) or unmarks
//  it. Only the chair: the regulation gives the decision to them, so the
//  clerk's registration does not take it. The same mark again is a no-op.
cab_status_t
sched_set_meeting_secret (cab_call_t *call, const ProtobufCMessage *request)
{
    const Cabinet__V1__SetSecretRequest *req = (const Cabinet__V1__SetSecretRequest *) request;
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
    if (!req->has_secret)
        return sched_call_invalid (call, "secret",
                                   "Vui lòng cho biết secret: true (họp mật, không ghi âm) hoặc "
                                   "false");
    sched_fault_t fault;
    sched_may_mark_secret (m->status, roles, &fault);
    if (fault.status != CAB_OK)
        return sched_call_fault (call, &fault);
    sched_meeting_t *after = NULL;
    bool changed = false;
    cab_status_t status =
        sched_store_set_secret (w->store, call->arena, m->meeting->id, m->version, req->secret,
                                actor.user_id, idem_p, &after, &changed, &fault);
    if (status != CAB_OK)
        return sched_call_fail (call, status, &fault);
    return cab_call_reply (call, after->meeting);
}

static const struct {
    const char *name;
    sched_scope_t scope;
} s_scopes[] = {
    {"mine", SCHED_SCOPE_MINE},
    {"invited", SCHED_SCOPE_INVITED},
    {"unit", SCHED_SCOPE_UNIT},
    {"pending_approval", SCHED_SCOPE_PENDING_APPROVAL},
    {"in_progress", SCHED_SCOPE_IN_PROGRESS},
};

//  from, to, q, unit_id, cursor and limit, shared by the calendars and the
//  public list; the current week when neither from nor to is given and
//  default_week says so.
static bool
s_period_query (cab_call_t *call, const char *from, const char *to, const char *q,
                const char *unit_id, const char *cursor, bool has_limit, int32_t limit,
                bool default_week, sched_meeting_query_t *query)
{
    if (!sched_call_time (call, "from", from, &query->has_from, &query->from)
        || !sched_call_time (call, "to", to, &query->has_to, &query->to)
        || !sched_call_pattern (call, q, &query->pattern)
        || !sched_call_opt_id (call, "unit_id", unit_id)
        || !sched_call_page_size (call, has_limit, limit, &query->limit))
        return false;
    if (query->has_from && query->has_to && query->to <= query->from) {
        sched_call_invalid (call, "to", "Thời điểm cuối phải sau thời điểm đầu");
        return false;
    }
    query->this_week = default_week && !query->has_from && !query->has_to;
    query->host_unit_id = unit_id && *unit_id ? unit_id : NULL;
    if (cursor && *cursor) {
        char *id = cab_arena_alloc (call->arena, CAB_UUID_LEN + 1);
        if (!sched_cursor_parse (cursor, &query->after_start, id)) {
            sched_call_invalid (call, "cursor", "Con trỏ phân trang không hợp lệ");
            return false;
        }
        query->has_after = true;
        query->after_id = id;
    }
    return true;
}

cab_status_t
sched_list_meetings (cab_call_t *call, const ProtobufCMessage *request)
{
    const Cabinet__V1__ListMeetingsRequest *req =
        (const Cabinet__V1__ListMeetingsRequest *) request;
    sched_worker_t *w = sched_call_worker (call);
    sched_actor_t actor;
    sched_call_actor (call, &actor);
    sched_meeting_query_t query = {.scope = SCHED_SCOPE_MINE};
    if (req->scope && *req->scope) {
        size_t i = 0;
        for (; i < sizeof s_scopes / sizeof s_scopes[0]; i++)
            if (strcmp (s_scopes[i].name, req->scope) == 0)
                break;
        if (i == sizeof s_scopes / sizeof s_scopes[0])
            return sched_call_invalid (call, "scope",
                                       "Phạm vi phải là mine, invited, unit, pending_approval "
                                       "hoặc in_progress");
        query.scope = s_scopes[i].scope;
    }
    //  Pending approvals and meetings in progress are wanted whatever their
    //  week; the calendars show the current week unless told otherwise.
    bool default_week =
        query.scope != SCHED_SCOPE_PENDING_APPROVAL && query.scope != SCHED_SCOPE_IN_PROGRESS;
    if (!s_period_query (call, req->from, req->to, req->q, req->unit_id, req->cursor,
                         req->has_limit, req->limit, default_week, &query)
        || !sched_call_opt_id (call, "field_id", req->field_id))
        return call->status;
    if (req->type && *req->type) {
        sched_type_t type;
        if (!sched_type_parse (req->type, &type))
            return sched_call_invalid (call, "type",
                                       "Loại cuộc họp phải là regular, urgent hoặc emergency");
        query.type = req->type;
    }
    query.field_id = req->field_id && *req->field_id ? req->field_id : NULL;
    query.user_id = actor.user_id;
    query.unit_id = actor.unit_id;
    query.clerk = actor.clerk;
    query.system_admin = actor.system_admin;
    Cabinet__V1__MeetingList *list = NULL;
    cab_status_t status = sched_store_meeting_list (w->store, call->arena, &query, &list);
    if (status != CAB_OK)
        return sched_call_fail (call, status, NULL);
    return cab_call_reply (call, list);
}

cab_status_t
sched_list_public_meetings (cab_call_t *call, const ProtobufCMessage *request)
{
    const Cabinet__V1__ListPublicMeetingsRequest *req =
        (const Cabinet__V1__ListPublicMeetingsRequest *) request;
    sched_worker_t *w = sched_call_worker (call);
    sched_meeting_query_t query = {0};
    if (!s_period_query (call, req->from, req->to, req->q, req->unit_id, req->cursor,
                         req->has_limit, req->limit, true, &query))
        return call->status;
    Cabinet__V1__PublicMeetingList *list = NULL;
    cab_status_t status = sched_store_public_list (w->store, call->arena, &query, &list);
    if (status != CAB_OK)
        return sched_call_fail (call, status, NULL);
    return cab_call_reply (call, list);
}
