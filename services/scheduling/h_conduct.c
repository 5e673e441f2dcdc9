/*  h_conduct - the live conduct of a meeting (R6.2, R6.4, R6.6, R8): the
    speaker queue, messages and incidents, personal notes, the chair's
    conclusion, the secretary's minutes and the meeting log (R8.2).

    Who may do what: the people of the meeting (chair, secretary, invitees,
    substitutes, preparer and support staff) request the floor, send
    messages and keep notes; the chair (or the secretary, who runs the
    meeting with them) grants, finishes and reorders the floor; the chair
    writes the conclusion, the secretary (or the chair) the minutes. A
    meeting the caller may not see is 404; one they may see but take no
    part in is 403.  */
#include "cab_time.h"
#include "cab_utf8.h"
#include "cab_uuid.h"
#include "conduct_store.h"
#include "handlers.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PEOPLE (SCHED_ROLE_CHAIR | SCHED_ROLE_SECRETARY | SCHED_ROLE_INVITEE | SCHED_ROLE_STAFF)
#define RUNNERS (SCHED_ROLE_CHAIR | SCHED_ROLE_SECRETARY)
#define TOPIC_MAX 500
#define MESSAGE_MAX 4000
#define NOTE_MAX 20000
#define CONCLUSION_MAX 100000
#define MINUTES_MAX 200000
#define ATTACHMENTS_MAX 50

static const char MSG_NOT_PART[] = "Bạn không tham gia cuộc họp này";
static const char MSG_NO_SPEAKER[] = "Không tìm thấy lượt đăng ký phát biểu";

//  The meeting and the caller's roles, refused unless they hold one of
//  `needed`; message: the refusal.
static cab_status_t
s_meeting (cab_call_t *call, const char *id, unsigned needed, const char *message,
           sched_meeting_t **m, unsigned *roles)
{
    if (sched_call_meeting (call, id, m, roles) != CAB_OK)
        return call->status;
    if (!(*roles & needed))
        return cab_call_error (call, CAB_PERMISSION_DENIED, NULL, message);
    return CAB_OK;
}

//  What every write starts with: who acts, their Idempotency-Key, the
//  meeting and their roles in it, and a fault for the store to fill.
typedef struct {
    sched_actor_t actor;
    cab_idem_t idem;
    const cab_idem_t *idem_p;  //  NULL without a key
    sched_meeting_t *m;
    unsigned roles;
    sched_fault_t fault;
} s_write_t;

//  Start a write on meeting id by someone holding one of `needed` (else
//  `refusal`). false when the call is answered already: the reply recorded
//  for a repeated request, or a refusal.
static bool
s_write_begin (cab_call_t *call, const ProtobufCMessage *request,
               const ProtobufCMessageDescriptor *reply, const char *id, unsigned needed,
               const char *refusal, s_write_t *wr)
{
    sched_call_actor (call, &wr->actor);
    wr->idem_p = NULL;
    wr->m = NULL;
    wr->roles = 0;
    sched_fault_clear (&wr->fault);
    if (sched_call_replay (call, request, reply, &wr->idem, &wr->idem_p))
        return false;
    return s_meeting (call, id, needed, refusal, &wr->m, &wr->roles) == CAB_OK;
}

//  Answer a write: the store's refusal or failure, else out.
static cab_status_t
s_write_end (cab_call_t *call, cab_status_t status, const s_write_t *wr, const void *out)
{
    if (status != CAB_OK)
        return sched_call_fail (call, status, &wr->fault);
    return cab_call_reply (call, out);
}

//  Text of at most max characters, required: replies and returns NULL.
static char *
s_text (cab_call_t *call, const char *field, const char *in, size_t max, bool required)
{
    bool ok = true;
    char *text = sched_call_text (call, in, &ok);
    if (!ok) {
        sched_call_invalid (call, field, SCHED_MSG_NOT_UTF8);
        return NULL;
    }
    if (required && (!text || !*text)) {
        sched_call_invalid (call, field, "Nội dung không được để trống");
        return NULL;
    }
    if (text && cab_utf8_length (text) > max) {
        sched_call_invalid (call, field,
                            cab_arena_printf (call->arena, "Nội dung dài quá %zu ký tự", max));
        return NULL;
    }
    return text ? text : cab_arena_strdup (call->arena, "");
}

static bool
s_offset (cab_call_t *call, const char *cursor, int *offset)
{
    *offset = 0;
    if (!cursor || !*cursor)
        return true;
    char *end = NULL;
    long v = strtol (cursor, &end, 10);
    if (*end || v < 0 || v > 1000000) {
        sched_call_invalid (call, "cursor", "Con trỏ trang không hợp lệ");
        return false;
    }
    *offset = (int) v;
    return true;
}

/* ---- the speaker queue ------------------------------------------------------------------ */

cab_status_t
sched_request_floor (cab_call_t *call, const ProtobufCMessage *request)
{
    const Cabinet__V1__RequestFloorRequest *req =
        (const Cabinet__V1__RequestFloorRequest *) request;
    sched_worker_t *w = sched_call_worker (call);
    s_write_t wr;
    if (!s_write_begin (call, request, &cabinet__v1__speaker__descriptor, req->id, PEOPLE,
                        MSG_NOT_PART, &wr))
        return call->status;
    char *topic = s_text (call, "topic", req->topic, TOPIC_MAX, false);
    if (!topic)
        return call->status;
    Cabinet__V1__Speaker *out = NULL;
    cab_status_t status =
        sched_conduct_request_floor (w->store, call->arena, wr.m->meeting->id, wr.actor.user_id,
                                     *topic ? topic : NULL, wr.idem_p, &out, &wr.fault);
    return s_write_end (call, status, &wr, out);
}

//  One step of the queue on the entry sid of meeting id (position: MOVE's).
static cab_status_t
s_speaker_step (cab_call_t *call, const ProtobufCMessage *request, const char *id, const char *sid,
                sched_speaker_action_t action, bool has_position, int position)
{
    sched_worker_t *w = sched_call_worker (call);
    //  Withdrawing is the requester's own (or the chair's); the rest is
    //  the chair's or the secretary's.
    bool withdraw = action == SCHED_SPEAKER_WITHDRAW;
    s_write_t wr;
    if (!s_write_begin (
            call, request, &cabinet__v1__speaker__descriptor, id, withdraw ? PEOPLE : RUNNERS,
            withdraw ? MSG_NOT_PART : "Chỉ chủ trì hoặc thư ký cuộc họp điều hành việc phát biểu",
            &wr))
        return call->status;
    if (!sid || !cab_uuid_valid (sid))
        return cab_call_error (call, CAB_NOT_FOUND, NULL, MSG_NO_SPEAKER);
    if (action == SCHED_SPEAKER_MOVE && (!has_position || position < 1))
        return sched_call_invalid (call, "position", "Vị trí mới phải là số từ 1 trở lên");
    const char *only = withdraw && !(wr.roles & RUNNERS) ? wr.actor.user_id : NULL;
    Cabinet__V1__Speaker *out = NULL;
    cab_status_t status =
        sched_conduct_speaker_step (w->store, call->arena, wr.m->meeting->id, sid, action, position,
                                    wr.actor.user_id, only, wr.idem_p, &out, &wr.fault);
    if (status == CAB_NOT_FOUND)
        return cab_call_error (call, CAB_NOT_FOUND, NULL, MSG_NO_SPEAKER);
    return s_write_end (call, status, &wr, out);
}

cab_status_t
sched_grant_floor (cab_call_t *call, const ProtobufCMessage *request)
{
    const Cabinet__V1__SpeakerActionRequest *req =
        (const Cabinet__V1__SpeakerActionRequest *) request;
    return s_speaker_step (call, request, req->id, req->sid, SCHED_SPEAKER_GRANT, false, 0);
}

cab_status_t
sched_finish_floor (cab_call_t *call, const ProtobufCMessage *request)
{
    const Cabinet__V1__SpeakerActionRequest *req =
        (const Cabinet__V1__SpeakerActionRequest *) request;
    return s_speaker_step (call, request, req->id, req->sid, SCHED_SPEAKER_FINISH, false, 0);
}

cab_status_t
sched_withdraw_floor (cab_call_t *call, const ProtobufCMessage *request)
{
    const Cabinet__V1__SpeakerActionRequest *req =
        (const Cabinet__V1__SpeakerActionRequest *) request;
    return s_speaker_step (call, request, req->id, req->sid, SCHED_SPEAKER_WITHDRAW, false, 0);
}

cab_status_t
sched_move_speaker (cab_call_t *call, const ProtobufCMessage *request)
{
    const Cabinet__V1__MoveSpeakerRequest *req = (const Cabinet__V1__MoveSpeakerRequest *) request;
    return s_speaker_step (call, request, req->id, req->sid, SCHED_SPEAKER_MOVE, req->has_position,
                           req->position);
}

cab_status_t
sched_list_speakers (cab_call_t *call, const ProtobufCMessage *request)
{
    const Cabinet__V1__MeetingIdRequest *req = (const Cabinet__V1__MeetingIdRequest *) request;
    sched_worker_t *w = sched_call_worker (call);
    sched_meeting_t *m = NULL;
    unsigned roles = 0;
    if (s_meeting (call, req->id, PEOPLE | SCHED_ROLE_APPROVER | SCHED_ROLE_CLERK, MSG_NOT_PART, &m,
                   &roles)
        != CAB_OK)
        return call->status;
    Cabinet__V1__SpeakerList *list = NULL;
    cab_status_t status = sched_conduct_speakers (w->store, call->arena, m->meeting->id, &list);
    if (status != CAB_OK)
        return sched_call_fail (call, status, NULL);
    return cab_call_reply (call, &list->base);
}

/* ---- messages, incidents, support ------------------------------------------------------------ */

//  Is user_id a person of meeting m (invitee, substitute, chair, secretary)?
static bool
s_in_meeting (const sched_meeting_t *m, const char *user_id)
{
    const Cabinet__V1__Meeting *mt = m->meeting;
    return (mt->chair_id && strcmp (mt->chair_id, user_id) == 0)
           || (mt->secretary_id && strcmp (mt->secretary_id, user_id) == 0)
           || sched_meeting_person (m, user_id) || sched_meeting_substituted (m, user_id);
}

//  The readers of a message to the secretariat: the secretary and the
//  support staff, and its author.
static char **
s_secretariat (cab_arena_t *arena, const Cabinet__V1__Meeting *mt, const char *author, size_t *n)
{
    char **out = cab_arena_alloc (arena, (mt->n_support_ids + 2) * sizeof *out);
    *n = 0;
    out[(*n)++] = (char *) author;
    if (mt->secretary_id)
        out[(*n)++] = mt->secretary_id;
    for (size_t i = 0; i < mt->n_support_ids; i++)
        out[(*n)++] = mt->support_ids[i];
    return out;
}

static bool
s_is_secretariat (const Cabinet__V1__Meeting *mt, const char *user_id)
{
    if (mt->secretary_id && strcmp (mt->secretary_id, user_id) == 0)
        return true;
    for (size_t i = 0; i < mt->n_support_ids; i++)
        if (strcmp (mt->support_ids[i], user_id) == 0)
            return true;
    return false;
}

cab_status_t
sched_send_message (cab_call_t *call, const ProtobufCMessage *request)
{
    const Cabinet__V1__SendMessageRequest *req = (const Cabinet__V1__SendMessageRequest *) request;
    sched_worker_t *w = sched_call_worker (call);
    s_write_t wr;
    if (!s_write_begin (call, request, &cabinet__v1__meeting_message__descriptor, req->id, PEOPLE,
                        MSG_NOT_PART, &wr))
        return call->status;
    const sched_actor_t actor = wr.actor;
    const sched_meeting_t *m = wr.m;
    const char *kind = req->kind && *req->kind ? req->kind : "message";
    if (strcmp (kind, "message") != 0 && strcmp (kind, "incident") != 0
        && strcmp (kind, "support") != 0)
        return sched_call_invalid (call, "kind", "Loại tin phải là message, incident hoặc support");
    //  Incidents and support requests go to the secretariat (R6.6).
    const char *to = req->to && *req->to             ? req->to
                     : strcmp (kind, "message") == 0 ? "all"
                                                     : "secretariat";
    char *text = s_text (call, "text", req->text, MESSAGE_MAX, true);
    if (!text)
        return call->status;
    const Cabinet__V1__Meeting *mt = m->meeting;
    sched_message_in_t in = {.meeting_id = mt->id,
                             .author_id = actor.user_id,
                             .kind = kind,
                             .to_kind = to,
                             .text = text};
    if (strcmp (to, "all") == 0) {
        if (strcmp (kind, "message") != 0)
            return sched_call_invalid (call, "to",
                                       "Sự cố và yêu cầu hỗ trợ gửi cho thư ký, bộ phận hỗ trợ");
    } else if (strcmp (to, "chair") == 0) {
        char **readers = cab_arena_alloc (call->arena, 2 * sizeof *readers);
        readers[0] = (char *) actor.user_id;
        readers[1] = mt->chair_id;
        in.audience = readers;
        in.n_audience = mt->chair_id ? 2 : 1;
    } else if (strcmp (to, "secretariat") == 0) {
        in.audience = s_secretariat (call->arena, mt, actor.user_id, &in.n_audience);
    } else if (cab_uuid_valid (to) && s_in_meeting (m, to)) {
        char **readers = cab_arena_alloc (call->arena, 2 * sizeof *readers);
        readers[0] = (char *) actor.user_id;
        readers[1] = (char *) to;
        in.audience = readers;
        in.n_audience = 2;
        in.to_kind = "user";
        in.to_user_id = to;
    } else {
        return sched_call_invalid (call, "to",
                                   "Người nhận phải là all, chair, secretariat hoặc một người "
                                   "tham gia cuộc họp");
    }
    Cabinet__V1__MeetingMessage *out = NULL;
    cab_status_t status =
        sched_conduct_send (w->store, call->arena, &in, wr.idem_p, &out, &wr.fault);
    return s_write_end (call, status, &wr, out);
}

cab_status_t
sched_list_messages (cab_call_t *call, const ProtobufCMessage *request)
{
    const Cabinet__V1__ListConductRequest *req = (const Cabinet__V1__ListConductRequest *) request;
    sched_worker_t *w = sched_call_worker (call);
    sched_actor_t actor;
    sched_call_actor (call, &actor);
    sched_meeting_t *m = NULL;
    unsigned roles = 0;
    int size = 0, offset = 0;
    if (s_meeting (call, req->id, PEOPLE, MSG_NOT_PART, &m, &roles) != CAB_OK
        || !sched_call_page_size (call, req->has_limit, req->limit, &size)
        || !s_offset (call, req->cursor, &offset))
        return call->status;
    Cabinet__V1__MeetingMessageList *list = NULL;
    cab_status_t status = sched_conduct_messages (
        w->store, call->arena, m->meeting->id, actor.user_id, (roles & SCHED_ROLE_CHAIR) != 0,
        s_is_secretariat (m->meeting, actor.user_id), offset, size, &list);
    if (status != CAB_OK)
        return sched_call_fail (call, status, NULL);
    return cab_call_reply (call, &list->base);
}

/* ---- personal notes ------------------------------------------------------------------------ */

cab_status_t
sched_add_meeting_note (cab_call_t *call, const ProtobufCMessage *request)
{
    const Cabinet__V1__AddMeetingNoteRequest *req =
        (const Cabinet__V1__AddMeetingNoteRequest *) request;
    sched_worker_t *w = sched_call_worker (call);
    s_write_t wr;
    if (!s_write_begin (call, request, &cabinet__v1__meeting_note__descriptor, req->id, PEOPLE,
                        MSG_NOT_PART, &wr))
        return call->status;
    char *text = s_text (call, "text", req->text, NOTE_MAX, true);
    if (!text)
        return call->status;
    Cabinet__V1__MeetingNote *out = NULL;
    cab_status_t status =
        sched_conduct_add_note (w->store, call->arena, wr.m->meeting->id, wr.actor.user_id, text,
                                wr.idem_p, &out, &wr.fault);
    return s_write_end (call, status, &wr, out);
}

cab_status_t
sched_list_meeting_notes (cab_call_t *call, const ProtobufCMessage *request)
{
    const Cabinet__V1__ListConductRequest *req = (const Cabinet__V1__ListConductRequest *) request;
    sched_worker_t *w = sched_call_worker (call);
    sched_actor_t actor;
    sched_call_actor (call, &actor);
    sched_meeting_t *m = NULL;
    unsigned roles = 0;
    int size = 0, offset = 0;
    if (s_meeting (call, req->id, PEOPLE, MSG_NOT_PART, &m, &roles) != CAB_OK
        || !sched_call_page_size (call, req->has_limit, req->limit, &size)
        || !s_offset (call, req->cursor, &offset))
        return call->status;
    Cabinet__V1__MeetingNoteList *list = NULL;
    cab_status_t status = sched_conduct_notes (w->store, call->arena, m->meeting->id, actor.user_id,
                                               offset, size, &list);
    if (status != CAB_OK)
        return sched_call_fail (call, status, NULL);
    return cab_call_reply (call, &list->base);
}

/* ---- conclusion and minutes ------------------------------------------------------------------ */

cab_status_t
sched_set_conclusion (cab_call_t *call, const ProtobufCMessage *request)
{
    const Cabinet__V1__SetConclusionRequest *req =
        (const Cabinet__V1__SetConclusionRequest *) request;
    sched_worker_t *w = sched_call_worker (call);
    s_write_t wr;
    if (!s_write_begin (call, request, &cabinet__v1__conclusion__descriptor, req->id,
                        SCHED_ROLE_CHAIR, "Chỉ chủ trì cuộc họp ghi kết luận", &wr))
        return call->status;
    char *text = s_text (call, "text", req->text, CONCLUSION_MAX, true);
    if (!text)
        return call->status;
    Cabinet__V1__Conclusion *out = NULL;
    cab_status_t status =
        sched_conduct_set_conclusion (w->store, call->arena, wr.m->meeting->id, wr.actor.user_id,
                                      text, wr.idem_p, &out, &wr.fault);
    return s_write_end (call, status, &wr, out);
}

cab_status_t
sched_get_conclusion (cab_call_t *call, const ProtobufCMessage *request)
{
    const Cabinet__V1__MeetingIdRequest *req = (const Cabinet__V1__MeetingIdRequest *) request;
    sched_worker_t *w = sched_call_worker (call);
    sched_meeting_t *m = NULL;
    unsigned roles = 0;
    if (s_meeting (call, req->id, PEOPLE | SCHED_ROLE_APPROVER | SCHED_ROLE_CLERK, MSG_NOT_PART, &m,
                   &roles)
        != CAB_OK)
        return call->status;
    Cabinet__V1__Conclusion *out = NULL;
    cab_status_t status = sched_conduct_conclusion (w->store, call->arena, m->meeting->id, &out);
    if (status == CAB_NOT_FOUND)
        return cab_call_error (call, CAB_NOT_FOUND, NULL, "Cuộc họp chưa có kết luận");
    if (status != CAB_OK)
        return sched_call_fail (call, status, NULL);
    return cab_call_reply (call, &out->base);
}

cab_status_t
sched_set_minutes (cab_call_t *call, const ProtobufCMessage *request)
{
    const Cabinet__V1__SetMinutesRequest *req = (const Cabinet__V1__SetMinutesRequest *) request;
    sched_worker_t *w = sched_call_worker (call);
    s_write_t wr;
    if (!s_write_begin (call, request, &cabinet__v1__minutes__descriptor, req->id, RUNNERS,
                        "Chỉ thư ký hoặc chủ trì cuộc họp ghi biên bản", &wr))
        return call->status;
    Cabinet__V1__SetMinutesRequest in = *req;
    if (!(in.text = s_text (call, "text", req->text, MINUTES_MAX, true))
        || !(in.recommendations =
                 s_text (call, "recommendations", req->recommendations, NOTE_MAX, false)))
        return call->status;
    if (req->n_attachment_ids > ATTACHMENTS_MAX)
        return sched_call_invalid (call, "attachment_ids", "Tối đa 50 tệp đính kèm");
    for (size_t i = 0; i < req->n_attachment_ids; i++)
        if (!cab_uuid_valid (req->attachment_ids[i]))
            return sched_call_invalid (call, "attachment_ids", "Mã tài liệu đính kèm không hợp lệ");
    Cabinet__V1__Minutes *out = NULL;
    cab_status_t status =
        sched_conduct_set_minutes (w->store, call->arena, wr.m->meeting->id, wr.actor.user_id, &in,
                                   wr.idem_p, &out, &wr.fault);
    return s_write_end (call, status, &wr, out);
}

cab_status_t
sched_get_minutes (cab_call_t *call, const ProtobufCMessage *request)
{
    const Cabinet__V1__MeetingIdRequest *req = (const Cabinet__V1__MeetingIdRequest *) request;
    sched_worker_t *w = sched_call_worker (call);
    sched_meeting_t *m = NULL;
    unsigned roles = 0;
    if (s_meeting (call, req->id, PEOPLE | SCHED_ROLE_APPROVER | SCHED_ROLE_CLERK, MSG_NOT_PART, &m,
                   &roles)
        != CAB_OK)
        return call->status;
    Cabinet__V1__Minutes *out = NULL;
    cab_status_t status = sched_conduct_minutes (w->store, call->arena, m->meeting->id, &out);
    if (status == CAB_NOT_FOUND)
        return cab_call_error (call, CAB_NOT_FOUND, NULL, "Cuộc họp chưa có biên bản");
    if (status != CAB_OK)
        return sched_call_fail (call, status, NULL);
    return cab_call_reply (call, &out->base);
}

/* ---- the meeting log (R8.2) ---------------------------------------------------------------- */

cab_status_t
sched_meeting_log (cab_call_t *call, const ProtobufCMessage *request)
{
    const Cabinet__V1__MeetingLogRequest *req = (const Cabinet__V1__MeetingLogRequest *) request;
    sched_worker_t *w = sched_call_worker (call);
    sched_actor_t actor;
    sched_call_actor (call, &actor);
    //  The office keeps the log: its clerks (their agency's meetings) and
    //  the system admin (every agency of the node).
    if (!actor.system_admin && !actor.clerk)
        return cab_call_error (call, CAB_PERMISSION_DENIED, NULL,
                               "Chỉ văn thư và quản trị hệ thống xem sổ theo dõi cuộc họp");
    bool has_from = false, has_to = false;
    int64_t from = 0, to = 0;
    if (!sched_call_time (call, "from", req->from, &has_from, &from)
        || !sched_call_time (call, "to", req->to, &has_to, &to))
        return call->status;
    if (!has_from || !has_to) {
        //  The current year, in Vietnam's time.
        char now[CAB_TIME_TEXT], jan[48];
        int year = atoi (cab_time_format (sched_now (), now));
        snprintf (jan, sizeof jan, "%04d-01-01T00:00:00+07:00", year);
        if (!has_from)
            cab_time_parse (jan, &from);
        snprintf (jan, sizeof jan, "%04d-01-01T00:00:00+07:00", year + 1);
        if (!has_to)
            cab_time_parse (jan, &to);
    }
    if (to <= from)
        return sched_call_invalid (call, "to", "Thời điểm kết thúc phải sau thời điểm bắt đầu");
    Cabinet__V1__MeetingLog *log = NULL;
    cab_status_t status = sched_conduct_log (w->store, call->arena, from, to,
                                             actor.system_admin ? NULL : actor.unit_id, &log);
    if (status != CAB_OK)
        return sched_call_fail (call, status, NULL);
    return cab_call_reply (call, &log->base);
}
