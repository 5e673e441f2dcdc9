/*  conduct_store - see conduct_store.h.  */
#include "conduct_store.h"
#include "cab_db.h"
#include "cab_outbox.h"
#include "cab_uuid.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char SQL_MEETING_SHARE[] = "SELECT status FROM meetings WHERE id = $1 FOR SHARE";

#define SPEAKER_COLUMNS                                                                            \
    "s.id, s.meeting_id, s.user_id, u.full_name, s.topic, s.status, f_ts (s.requested_at),"        \
    " f_ts (s.granted_at), f_ts (s.finished_at),"                                                  \
    " extract (epoch FROM s.finished_at - s.granted_at)::bigint,"                                  \
    " CASE WHEN s.status = 'waiting' THEN (SELECT count (*) FROM speakers w"                       \
    "   WHERE w.meeting_id = s.meeting_id AND w.status = 'waiting' AND w.rank <= s.rank) END"
#define SPEAKER_FROM " FROM speakers s LEFT JOIN users u ON u.id = s.user_id"

//  Speaking first, then those waiting in order, then the others by time.
static const char SQL_SPEAKERS[] =
    "SELECT " SPEAKER_COLUMNS SPEAKER_FROM " WHERE s.meeting_id = $1"
    " ORDER BY CASE s.status WHEN 'speaking' THEN 0 WHEN 'waiting' THEN 1 ELSE 2 END,"
    " CASE WHEN s.status = 'waiting' THEN s.rank END, s.requested_at, s.id";
static const char SQL_SPEAKER[] =
    "SELECT " SPEAKER_COLUMNS SPEAKER_FROM " WHERE s.id = $1 AND s.meeting_id = $2";
static const char SQL_SPEAKER_LOCK[] =
    "SELECT status, user_id FROM speakers WHERE id = $1 AND meeting_id = $2 FOR UPDATE";
static const char SQL_SPEAKER_INSERT[] =
    "INSERT INTO speakers (id, meeting_id, user_id, topic, status, rank)"
    " SELECT $1, $2, $3, $4, 'waiting', coalesce (max (rank), 0) + 1 FROM speakers"
    "  WHERE meeting_id = $2";
static const char SQL_SPEAKER_END_CURRENT[] =
    "UPDATE speakers SET status = 'finished', finished_at = now ()"
    " WHERE meeting_id = $1 AND status = 'speaking' RETURNING id";
static const char SQL_SPEAKER_SET[] =
    "UPDATE speakers SET status = $3,"
    " granted_at = CASE WHEN $3 = 'speaking' THEN now () ELSE granted_at END,"
    " granted_by = CASE WHEN $3 = 'speaking' THEN $4::uuid ELSE granted_by END,"
    " finished_at = CASE WHEN $3 IN ('finished', 'withdrawn') THEN now () ELSE finished_at END"
    " WHERE id = $1 AND meeting_id = $2";
static const char SQL_WAITING[] =
    "SELECT id FROM speakers WHERE meeting_id = $1 AND status = 'waiting' ORDER BY rank, id";
static const char SQL_RERANK[] =
    "UPDATE speakers s SET rank = o.n FROM unnest ($2::uuid[]) WITH ORDINALITY o (id, n)"
    " WHERE s.id = o.id AND s.meeting_id = $1";

#define MESSAGE_COLUMNS                                                                            \
    "g.id, g.meeting_id, g.author_id, u.full_name, g.kind,"                                        \
    " CASE WHEN g.to_kind = 'user' THEN g.to_user_id::text ELSE g.to_kind END, g.text,"            \
    " f_ts (g.created_at)"
static const char SQL_MESSAGE_INSERT[] =
    "INSERT INTO messages (id, meeting_id, author_id, kind, to_kind, to_user_id, text)"
    " VALUES ($1, $2, $3, $4, $5, $6, $7)";
static const char SQL_MESSAGE[] =
    "SELECT " MESSAGE_COLUMNS " FROM messages g LEFT JOIN users u ON u.id = g.author_id"
    " WHERE g.id = $1";
//  $2 reader, $3 chair, $4 secretariat, $5 offset, $6 limit.
static const char SQL_MESSAGES[] =
    "SELECT " MESSAGE_COLUMNS " FROM messages g LEFT JOIN users u ON u.id = g.author_id"
    " WHERE g.meeting_id = $1 AND (g.to_kind = 'all' OR g.author_id = $2 OR g.to_user_id = $2"
    "   OR (g.to_kind = 'chair' AND $3::bool) OR (g.to_kind = 'secretariat' AND $4::bool))"
    " ORDER BY g.created_at, g.id OFFSET $5::int LIMIT $6::int";

static const char SQL_NOTE_INSERT[] =
    "INSERT INTO meeting_notes (id, meeting_id, author_id, text) VALUES ($1, $2, $3, $4)"
    " RETURNING id, meeting_id, text, f_ts (created_at)";
static const char SQL_NOTES[] = "SELECT id, meeting_id, text, f_ts (created_at) FROM meeting_notes"
                                " WHERE meeting_id = $1 AND author_id = $2 ORDER BY created_at, id"
                                " OFFSET $3::int LIMIT $4::int";

static const char SQL_CONCLUSION_PUT[] =
    "INSERT INTO conclusions (meeting_id, text, author_id) VALUES ($1, $2, $3)"
    " ON CONFLICT (meeting_id) DO UPDATE SET text = EXCLUDED.text,"
    "   author_id = EXCLUDED.author_id, updated_at = now ()"
    " RETURNING meeting_id, text, author_id, f_ts (updated_at)";
static const char SQL_CONCLUSION[] =
    "SELECT meeting_id, text, author_id, f_ts (updated_at) FROM conclusions WHERE meeting_id = $1";

//  Attachments that are not documents of the meeting still counted.
static const char SQL_ATTACHMENTS_UNKNOWN[] =
    "SELECT a FROM unnest ($2::uuid[]) a WHERE NOT EXISTS (SELECT 1 FROM meeting_documents d"
    " WHERE d.document_id = a AND d.meeting_id = $1 AND d.status IN ('pending', 'approved'))"
    " LIMIT 1";
static const char SQL_MINUTES_PUT[] =
    "INSERT INTO minutes (meeting_id, text, attachment_ids, recommendations, author_id)"
    " VALUES ($1, $2, $3::uuid[], $4, $5)"
    " ON CONFLICT (meeting_id) DO UPDATE SET text = EXCLUDED.text,"
    "   attachment_ids = EXCLUDED.attachment_ids, recommendations = EXCLUDED.recommendations,"
    "   author_id = EXCLUDED.author_id, updated_at = now ()"
    " RETURNING meeting_id, text, array_to_string (attachment_ids, ','), recommendations,"
    "   author_id, f_ts (updated_at)";
static const char SQL_MINUTES[] =
    "SELECT meeting_id, text, array_to_string (attachment_ids, ','), recommendations,"
    " author_id, f_ts (updated_at) FROM minutes WHERE meeting_id = $1";

//  $1, $2 period (epoch), $3 host agency or NULL.
static const char SQL_LOG[] =
    "SELECT m.id, m.title || coalesce (': ' || m.content, ''), m.chair_id, c.full_name,"
    " f_ts (m.start_at), f_ts (m.end_at),"
    " (SELECT count (*) FROM participants p WHERE p.meeting_id = m.id AND p.kind = 'user'"
    "   AND p.attendance IN ('present', 'substitute')),"
    " (SELECT count (*) FROM messages g WHERE g.meeting_id = m.id AND g.kind = 'incident'),"
    " (SELECT string_agg (replace (g.text, E'\\x1f', ' '), E'\\x1f' ORDER BY g.created_at)"
    "   FROM messages g WHERE g.meeting_id = m.id AND g.kind = 'incident'),"
    " n.recommendations"
    " FROM meetings m LEFT JOIN users c ON c.id = m.chair_id"
    " LEFT JOIN minutes n ON n.meeting_id = m.id"
    " WHERE m.status = 'ended' AND m.start_at >= to_timestamp ($1::bigint)"
    "   AND m.start_at < to_timestamp ($2::bigint)"
    "   AND ($3::uuid IS NULL OR m.host_unit_id = $3::uuid)"
    " ORDER BY m.start_at, m.id LIMIT 5000";

static const char MSG_NOT_IN_PROGRESS[] =
    "Cuộc họp không diễn ra: chỉ đăng ký phát biểu và gửi tin nhắn trong khi họp";
static const char MSG_NOT_HELD[] =
    "Kết luận và biên bản chỉ ghi được khi cuộc họp đang diễn ra hoặc đã kết thúc";

/* ---- helpers -------------------------------------------------------------------------- */

//  BEGIN, lock the meeting FOR SHARE and check its status.
static cab_status_t
s_begin (PGconn *db, const char *meeting_id, sched_when_t when, sched_fault_t *fault)
{
    cab_status_t status = cab_db_begin (db);
    if (status != CAB_OK)
        return status;
    const char *params[] = {meeting_id};
    PGresult *res = NULL;
    status = cab_db_query_row (db, SQL_MEETING_SHARE, 1, params, &res);
    if (status == CAB_OK) {
        const char *s = PQgetvalue (res, 0, 0);
        bool held = strcmp (s, "in_progress") == 0;
        bool ended = strcmp (s, "ended") == 0;
        if (when == SCHED_WHILE_IN_PROGRESS && !held)
            status = sched_fault_set (fault, CAB_ABORTED, NULL, MSG_NOT_IN_PROGRESS);
        else if (when == SCHED_WHILE_OR_AFTER_MEETING && !held && !ended)
            status = sched_fault_set (fault, CAB_ABORTED, NULL, MSG_NOT_HELD);
    }
    PQclear (res);
    if (status != CAB_OK)
        cab_db_rollback (db);
    return status;
}

//  Emit, record the reply under the idempotency key and COMMIT; ROLLBACK
//  on any failure.
static cab_status_t
s_finish (sched_store_t *self, const cab_event_t *ev, const cab_idem_t *idem,
          const ProtobufCMessage *reply, sched_fault_t *fault)
{
    PGconn *db = sched_store_db (self);
    cab_status_t status = ev ? cab_outbox_emit (db, ev) : CAB_OK;
    if (status == CAB_OK)
        status = sched_store_idem_record (self, idem, reply, fault);
    if (status == CAB_OK)
        status = cab_db_commit (db);
    if (status != CAB_OK)
        cab_db_rollback (db);
    return status;
}

//  How many rows of res a page of `limit` shows (the query asked for one
//  more, to know whether a next page exists) and its cursor in *next.
static size_t
s_page (cab_arena_t *arena, const PGresult *res, int offset, int limit, char **next)
{
    int rows = PQntuples (res);
    *next = rows > limit ? cab_arena_printf (arena, "%d", offset + limit) : NULL;
    return (size_t) (rows > limit ? limit : rows);
}

static Cabinet__V1__Speaker *
s_speaker_row (cab_arena_t *arena, const PGresult *res, int i)
{
    Cabinet__V1__Speaker *s = cab_arena_alloc (arena, sizeof *s);
    cabinet__v1__speaker__init (s);
    s->id = cab_db_text (arena, res, i, 0);
    s->meeting_id = cab_db_text (arena, res, i, 1);
    s->user_id = cab_db_text (arena, res, i, 2);
    s->name = cab_db_text (arena, res, i, 3);
    s->topic = cab_db_text (arena, res, i, 4);
    s->status = cab_db_text (arena, res, i, 5);
    s->requested_at = cab_db_text (arena, res, i, 6);
    s->granted_at = cab_db_text (arena, res, i, 7);
    s->finished_at = cab_db_text (arena, res, i, 8);
    if (cab_db_value (res, i, 9)) {
        s->has_spoke_seconds = true;
        s->spoke_seconds = cab_db_long (res, i, 9);
    }
    if (cab_db_value (res, i, 10)) {
        s->has_position = true;
        s->position = (int32_t) cab_db_long (res, i, 10);
    }
    return s;
}

static cab_status_t
s_speaker_read (PGconn *db, cab_arena_t *arena, const char *meeting_id, const char *id,
                Cabinet__V1__Speaker **out)
{
    const char *params[] = {id, meeting_id};
    PGresult *res = NULL;
    cab_status_t status = cab_db_query_row (db, SQL_SPEAKER, 2, params, &res);
    if (status == CAB_OK)
        *out = s_speaker_row (arena, res, 0);
    PQclear (res);
    return status;
}

cab_status_t
sched_conduct_speakers (sched_store_t *self, cab_arena_t *arena, const char *meeting_id,
                        Cabinet__V1__SpeakerList **list)
{
    const char *params[] = {meeting_id};
    PGresult *res = NULL;
    cab_status_t status = cab_db_exec (sched_store_db (self), SQL_SPEAKERS, 1, params, &res);
    if (status != CAB_OK)
        return status;
    Cabinet__V1__SpeakerList *out = cab_arena_alloc (arena, sizeof *out);
    cabinet__v1__speaker_list__init (out);
    out->n_items = (size_t) PQntuples (res);
    out->items = cab_arena_alloc (arena, (out->n_items ? out->n_items : 1) * sizeof *out->items);
    for (size_t i = 0; i < out->n_items; i++)
        out->items[i] = s_speaker_row (arena, res, (int) i);
    PQclear (res);
    *list = out;
    return CAB_OK;
}

//  speaker.<what> with the entry and the queue after the change.
static cab_status_t
s_speaker_event (sched_store_t *self, cab_arena_t *arena, const char *type,
                 Cabinet__V1__Speaker *speaker, const char *actor_id, const cab_idem_t *idem,
                 sched_fault_t *fault)
{
    Cabinet__V1__SpeakerList *queue = NULL;
    cab_status_t status = sched_conduct_speakers (self, arena, speaker->meeting_id, &queue);
    if (status != CAB_OK) {
        cab_db_rollback (sched_store_db (self));
        return status;
    }
    Cabinet__V1__SpeakerEvent *payload = cab_arena_alloc (arena, sizeof *payload);
    cabinet__v1__speaker_event__init (payload);
    payload->speaker = speaker;
    payload->actor_id = (char *) actor_id;
    payload->queue =
        cab_arena_alloc (arena, (queue->n_items ? queue->n_items : 1) * sizeof (void *));
    for (size_t i = 0; i < queue->n_items; i++)
        if (strcmp (queue->items[i]->status, "waiting") == 0
            || strcmp (queue->items[i]->status, "speaking") == 0)
            payload->queue[payload->n_queue++] = queue->items[i];
    cab_event_t ev = {
        .type = type,
        .subject = speaker->meeting_id,
        .payload = &payload->base,
        .actor_id = actor_id,
        .meeting_id = speaker->meeting_id,
    };
    return s_finish (self, &ev, idem, &speaker->base, fault);
}

/* ---- the speaker queue ---------------------------------------------------------------- */

cab_status_t
sched_conduct_request_floor (sched_store_t *self, cab_arena_t *arena, const char *meeting_id,
                             const char *user_id, const char *topic, const cab_idem_t *idem,
                             Cabinet__V1__Speaker **out, sched_fault_t *fault)
{
    PGconn *db = sched_store_db (self);
    cab_status_t status = s_begin (db, meeting_id, SCHED_WHILE_IN_PROGRESS, fault);
    if (status != CAB_OK)
        return status;
    char id[CAB_UUID_LEN + 1];
    cab_uuid_v7 (id);
    const char *params[] = {id, meeting_id, user_id, topic};
    Cabinet__V1__Speaker *s = NULL;
    if ((status = cab_db_command (db, SQL_SPEAKER_INSERT, 4, params)) != CAB_OK
        || (status = s_speaker_read (db, arena, meeting_id, id, &s)) != CAB_OK) {
        cab_db_rollback (db);
        return status == CAB_ALREADY_EXISTS
                   ? sched_fault_set (fault, CAB_ALREADY_EXISTS, NULL,
                                      "Bạn đã đăng ký phát biểu và đang chờ (hoặc đang phát biểu)")
                   : status;
    }
    status = s_speaker_event (self, arena, "speaker.requested", s, user_id, idem, fault);
    if (status == CAB_OK)
        *out = s;
    return status;
}

//  The waiting ids with speaker_id moved to position (1-based).
static cab_status_t
s_move (PGconn *db, cab_arena_t *arena, const char *meeting_id, const char *speaker_id,
        int position)
{
    const char *params[] = {meeting_id};
    PGresult *res = NULL;
    cab_status_t status = cab_db_exec (db, SQL_WAITING, 1, params, &res);
    if (status != CAB_OK)
        return status;
    size_t n = (size_t) PQntuples (res), k = 0;
    char **order = cab_arena_alloc (arena, (n ? n : 1) * sizeof *order);
    size_t place = position < 1 ? 0 : (size_t) position - 1;
    for (size_t i = 0; i < n; i++) {
        const char *id = PQgetvalue (res, (int) i, 0);
        if (strcmp (id, speaker_id) != 0)
            order[k++] = cab_arena_strdup (arena, id);
    }
    if (place > k)
        place = k;
    memmove (order + place + 1, order + place, (k - place) * sizeof *order);
    order[place] = (char *) speaker_id;
    PQclear (res);
    const char *rerank[] = {meeting_id, cab_db_array (arena, order, k + 1)};
    return cab_db_command (db, SQL_RERANK, 2, rerank);
}

cab_status_t
sched_conduct_speaker_step (sched_store_t *self, cab_arena_t *arena, const char *meeting_id,
                            const char *speaker_id, sched_speaker_action_t action, int position,
                            const char *actor_id, const char *only_user, const cab_idem_t *idem,
                            Cabinet__V1__Speaker **out, sched_fault_t *fault)
{
    static const char *const types[] = {
        [SCHED_SPEAKER_GRANT] = "speaker.granted",
        [SCHED_SPEAKER_FINISH] = "speaker.finished",
        [SCHED_SPEAKER_WITHDRAW] = "speaker.withdrawn",
        [SCHED_SPEAKER_MOVE] = "speaker.moved",
    };
    PGconn *db = sched_store_db (self);
    cab_status_t status = s_begin (db, meeting_id, SCHED_WHILE_IN_PROGRESS, fault);
    if (status != CAB_OK)
        return status;
    const char *params[] = {speaker_id, meeting_id};
    PGresult *res = NULL;
    if ((status = cab_db_query_row (db, SQL_SPEAKER_LOCK, 2, params, &res)) != CAB_OK) {
        cab_db_rollback (db);
        return status;
    }
    bool waiting = strcmp (PQgetvalue (res, 0, 0), "waiting") == 0;
    bool speaking = strcmp (PQgetvalue (res, 0, 0), "speaking") == 0;
    bool own = !only_user || strcmp (PQgetvalue (res, 0, 1), only_user) == 0;
    PQclear (res);
    if (!own) {
        cab_db_rollback (db);
        return CAB_NOT_FOUND;
    }
    if (action == SCHED_SPEAKER_FINISH ? !speaking : !waiting) {
        cab_db_rollback (db);
        return sched_fault_set (fault, CAB_ABORTED, NULL,
                                action == SCHED_SPEAKER_FINISH
                                    ? "Người này không đang phát biểu"
                                    : "Lượt đăng ký này không còn chờ phát biểu");
    }
    switch (action) {
    case SCHED_SPEAKER_GRANT: {
        //  Whoever speaks now finishes: the chair passes the floor on.
        const char *current[] = {meeting_id};
        status = cab_db_command (db, SQL_SPEAKER_END_CURRENT, 1, current);
        const char *set[] = {speaker_id, meeting_id, "speaking", actor_id};
        if (status == CAB_OK)
            status = cab_db_command (db, SQL_SPEAKER_SET, 4, set);
        break;
    }
    case SCHED_SPEAKER_FINISH:
    case SCHED_SPEAKER_WITHDRAW: {
        const char *set[] = {speaker_id, meeting_id,
                             action == SCHED_SPEAKER_FINISH ? "finished" : "withdrawn", actor_id};
        status = cab_db_command (db, SQL_SPEAKER_SET, 4, set);
        break;
    }
    case SCHED_SPEAKER_MOVE:
        status = s_move (db, arena, meeting_id, speaker_id, position);
        break;
    }
    Cabinet__V1__Speaker *s = NULL;
    if (status == CAB_OK)
        status = s_speaker_read (db, arena, meeting_id, speaker_id, &s);
    if (status != CAB_OK) {
        cab_db_rollback (db);
        return status;
    }
    status = s_speaker_event (self, arena, types[action], s, actor_id, idem, fault);
    if (status == CAB_OK)
        *out = s;
    return status;
}

/* ---- messages ------------------------------------------------------------------------- */

static Cabinet__V1__MeetingMessage *
s_message_row (cab_arena_t *arena, const PGresult *res, int i)
{
    Cabinet__V1__MeetingMessage *g = cab_arena_alloc (arena, sizeof *g);
    cabinet__v1__meeting_message__init (g);
    g->id = cab_db_text (arena, res, i, 0);
    g->meeting_id = cab_db_text (arena, res, i, 1);
    g->author_id = cab_db_text (arena, res, i, 2);
    g->author_name = cab_db_text (arena, res, i, 3);
    g->kind = cab_db_text (arena, res, i, 4);
    g->to = cab_db_text (arena, res, i, 5);
    g->text = cab_db_text (arena, res, i, 6);
    g->created_at = cab_db_text (arena, res, i, 7);
    return g;
}

cab_status_t
sched_conduct_send (sched_store_t *self, cab_arena_t *arena, const sched_message_in_t *in,
                    const cab_idem_t *idem, Cabinet__V1__MeetingMessage **out, sched_fault_t *fault)
{
    PGconn *db = sched_store_db (self);
    cab_status_t status = s_begin (db, in->meeting_id, SCHED_WHILE_IN_PROGRESS, fault);
    if (status != CAB_OK)
        return status;
    char id[CAB_UUID_LEN + 1];
    cab_uuid_v7 (id);
    const char *params[] = {id,          in->meeting_id, in->author_id, in->kind,
                            in->to_kind, in->to_user_id, in->text};
    PGresult *res = NULL;
    if ((status = cab_db_command (db, SQL_MESSAGE_INSERT, 7, params)) == CAB_OK) {
        const char *get[] = {id};
        status = cab_db_query_row (db, SQL_MESSAGE, 1, get, &res);
    }
    if (status != CAB_OK) {
        cab_db_rollback (db);
        return status;
    }
    Cabinet__V1__MeetingMessage *g = s_message_row (arena, res, 0);
    PQclear (res);
    Cabinet__V1__MessageEvent payload = CABINET__V1__MESSAGE_EVENT__INIT;
    payload.message = g;
    cab_event_t ev = {
        .type = "message.sent",
        .subject = in->meeting_id,
        .payload = &payload.base,
        .actor_id = in->author_id,
        .meeting_id = in->meeting_id,
        .audience = (const char *const *) in->audience,
        .audience_count = (int) in->n_audience,
    };
    status = s_finish (self, &ev, idem, &g->base, fault);
    if (status == CAB_OK)
        *out = g;
    return status;
}

cab_status_t
sched_conduct_messages (sched_store_t *self, cab_arena_t *arena, const char *meeting_id,
                        const char *reader, bool chair, bool secretariat, int offset, int limit,
                        Cabinet__V1__MeetingMessageList **list)
{
    const char *params[] = {meeting_id,
                            reader,
                            cab_db_bool_text (chair),
                            cab_db_bool_text (secretariat),
                            cab_arena_printf (arena, "%d", offset),
                            cab_arena_printf (arena, "%d", limit + 1)};
    PGresult *res = NULL;
    cab_status_t status = cab_db_exec (sched_store_db (self), SQL_MESSAGES, 6, params, &res);
    if (status != CAB_OK)
        return status;
    Cabinet__V1__MeetingMessageList *out = cab_arena_alloc (arena, sizeof *out);
    cabinet__v1__meeting_message_list__init (out);
    out->n_items = s_page (arena, res, offset, limit, &out->next);
    out->items = cab_arena_alloc (arena, (out->n_items ? out->n_items : 1) * sizeof *out->items);
    for (size_t i = 0; i < out->n_items; i++)
        out->items[i] = s_message_row (arena, res, (int) i);
    PQclear (res);
    *list = out;
    return CAB_OK;
}

/* ---- personal notes --------------------------------------------------------------------- */

static Cabinet__V1__MeetingNote *
s_note_row (cab_arena_t *arena, const PGresult *res, int i)
{
    Cabinet__V1__MeetingNote *n = cab_arena_alloc (arena, sizeof *n);
    cabinet__v1__meeting_note__init (n);
    n->id = cab_db_text (arena, res, i, 0);
    n->meeting_id = cab_db_text (arena, res, i, 1);
    n->text = cab_db_text (arena, res, i, 2);
    n->created_at = cab_db_text (arena, res, i, 3);
    return n;
}

cab_status_t
sched_conduct_add_note (sched_store_t *self, cab_arena_t *arena, const char *meeting_id,
                        const char *author_id, const char *text, const cab_idem_t *idem,
                        Cabinet__V1__MeetingNote **out, sched_fault_t *fault)
{
    PGconn *db = sched_store_db (self);
    cab_status_t status = cab_db_begin (db);
    if (status != CAB_OK)
        return status;
    char id[CAB_UUID_LEN + 1];
    cab_uuid_v7 (id);
    const char *params[] = {id, meeting_id, author_id, text};
    PGresult *res = NULL;
    if ((status = cab_db_query_row (db, SQL_NOTE_INSERT, 4, params, &res)) != CAB_OK) {
        cab_db_rollback (db);
        return status;
    }
    Cabinet__V1__MeetingNote *n = s_note_row (arena, res, 0);
    PQclear (res);
    //  Private: no event.
    status = s_finish (self, NULL, idem, &n->base, fault);
    if (status == CAB_OK)
        *out = n;
    return status;
}

cab_status_t
sched_conduct_notes (sched_store_t *self, cab_arena_t *arena, const char *meeting_id,
                     const char *author_id, int offset, int limit,
                     Cabinet__V1__MeetingNoteList **list)
{
    const char *params[] = {meeting_id, author_id, cab_arena_printf (arena, "%d", offset),
                            cab_arena_printf (arena, "%d", limit + 1)};
    PGresult *res = NULL;
    cab_status_t status = cab_db_exec (sched_store_db (self), SQL_NOTES, 4, params, &res);
    if (status != CAB_OK)
        return status;
    Cabinet__V1__MeetingNoteList *out = cab_arena_alloc (arena, sizeof *out);
    cabinet__v1__meeting_note_list__init (out);
    out->n_items = s_page (arena, res, offset, limit, &out->next);
    out->items = cab_arena_alloc (arena, (out->n_items ? out->n_items : 1) * sizeof *out->items);
    for (size_t i = 0; i < out->n_items; i++)
        out->items[i] = s_note_row (arena, res, (int) i);
    PQclear (res);
    *list = out;
    return CAB_OK;
}

/* ---- conclusion and minutes -------------------------------------------------------------- */

static Cabinet__V1__Conclusion *
s_conclusion_row (cab_arena_t *arena, const PGresult *res)
{
    Cabinet__V1__Conclusion *c = cab_arena_alloc (arena, sizeof *c);
    cabinet__v1__conclusion__init (c);
    c->meeting_id = cab_db_text (arena, res, 0, 0);
    c->text = cab_db_text (arena, res, 0, 1);
    c->author_id = cab_db_text (arena, res, 0, 2);
    c->updated_at = cab_db_text (arena, res, 0, 3);
    return c;
}

cab_status_t
sched_conduct_set_conclusion (sched_store_t *self, cab_arena_t *arena, const char *meeting_id,
                              const char *author_id, const char *text, const cab_idem_t *idem,
                              Cabinet__V1__Conclusion **out, sched_fault_t *fault)
{
    PGconn *db = sched_store_db (self);
    cab_status_t status = s_begin (db, meeting_id, SCHED_WHILE_OR_AFTER_MEETING, fault);
    if (status != CAB_OK)
        return status;
    const char *params[] = {meeting_id, text, author_id};
    PGresult *res = NULL;
    if ((status = cab_db_query_row (db, SQL_CONCLUSION_PUT, 3, params, &res)) != CAB_OK) {
        cab_db_rollback (db);
        return status;
    }
    Cabinet__V1__Conclusion *c = s_conclusion_row (arena, res);
    PQclear (res);
    Cabinet__V1__ConclusionEvent payload = CABINET__V1__CONCLUSION_EVENT__INIT;
    payload.conclusion = c;
    cab_event_t ev = {.type = "conclusion.recorded",
                      .subject = meeting_id,
                      .payload = &payload.base,
                      .actor_id = author_id,
                      .meeting_id = meeting_id};
    status = s_finish (self, &ev, idem, &c->base, fault);
    if (status == CAB_OK)
        *out = c;
    return status;
}

cab_status_t
sched_conduct_conclusion (sched_store_t *self, cab_arena_t *arena, const char *meeting_id,
                          Cabinet__V1__Conclusion **out)
{
    const char *params[] = {meeting_id};
    PGresult *res = NULL;
    cab_status_t status = cab_db_query_row (sched_store_db (self), SQL_CONCLUSION, 1, params, &res);
    if (status == CAB_OK)
        *out = s_conclusion_row (arena, res);
    PQclear (res);
    return status;
}

static Cabinet__V1__Minutes *
s_minutes_row (cab_arena_t *arena, const PGresult *res)
{
    Cabinet__V1__Minutes *m = cab_arena_alloc (arena, sizeof *m);
    cabinet__v1__minutes__init (m);
    m->meeting_id = cab_db_text (arena, res, 0, 0);
    m->text = cab_db_text (arena, res, 0, 1);
    m->attachment_ids = cab_db_split (arena, cab_db_value (res, 0, 2), &m->n_attachment_ids);
    m->recommendations = cab_db_text (arena, res, 0, 3);
    m->author_id = cab_db_text (arena, res, 0, 4);
    m->updated_at = cab_db_text (arena, res, 0, 5);
    return m;
}

cab_status_t
sched_conduct_set_minutes (sched_store_t *self, cab_arena_t *arena, const char *meeting_id,
                           const char *author_id, const Cabinet__V1__SetMinutesRequest *in,
                           const cab_idem_t *idem, Cabinet__V1__Minutes **out, sched_fault_t *fault)
{
    PGconn *db = sched_store_db (self);
    cab_status_t status = s_begin (db, meeting_id, SCHED_WHILE_OR_AFTER_MEETING, fault);
    if (status != CAB_OK)
        return status;
    const char *attachments = cab_db_array (arena, in->attachment_ids, in->n_attachment_ids);
    const char *check[] = {meeting_id, attachments};
    PGresult *res = NULL;
    if ((status = cab_db_exec (db, SQL_ATTACHMENTS_UNKNOWN, 2, check, &res)) != CAB_OK) {
        cab_db_rollback (db);
        return status;
    }
    bool unknown = PQntuples (res) > 0;
    PQclear (res);
    res = NULL;
    if (unknown) {
        cab_db_rollback (db);
        return sched_fault_set (fault, CAB_FAILED_PRECONDITION, "attachment_ids",
                                "Tệp đính kèm phải là tài liệu của cuộc họp này "
                                "(đã tải lên và không bị từ chối)");
    }
    const char *params[] = {
        meeting_id, in->text, attachments,
        in->recommendations && *in->recommendations ? in->recommendations : NULL, author_id};
    if ((status = cab_db_query_row (db, SQL_MINUTES_PUT, 5, params, &res)) != CAB_OK) {
        cab_db_rollback (db);
        return status;
    }
    Cabinet__V1__Minutes *m = s_minutes_row (arena, res);
    PQclear (res);
    Cabinet__V1__MinutesEvent payload = CABINET__V1__MINUTES_EVENT__INIT;
    payload.minutes = m;
    cab_event_t ev = {.type = "minutes.recorded",
                      .subject = meeting_id,
                      .payload = &payload.base,
                      .actor_id = author_id,
                      .meeting_id = meeting_id};
    status = s_finish (self, &ev, idem, &m->base, fault);
    if (status == CAB_OK)
        *out = m;
    return status;
}

cab_status_t
sched_conduct_minutes (sched_store_t *self, cab_arena_t *arena, const char *meeting_id,
                       Cabinet__V1__Minutes **out)
{
    const char *params[] = {meeting_id};
    PGresult *res = NULL;
    cab_status_t status = cab_db_query_row (sched_store_db (self), SQL_MINUTES, 1, params, &res);
    if (status == CAB_OK)
        *out = s_minutes_row (arena, res);
    PQclear (res);
    return status;
}

/* ---- the meeting log ------------------------------------------------------------------------ */

cab_status_t
sched_conduct_log (sched_store_t *self, cab_arena_t *arena, int64_t from, int64_t to,
                   const char *unit_id, Cabinet__V1__MeetingLog **log)
{
    const char *params[] = {cab_arena_printf (arena, "%lld", (long long) from),
                            cab_arena_printf (arena, "%lld", (long long) to), unit_id};
    PGresult *res = NULL;
    cab_status_t status = cab_db_exec (sched_store_db (self), SQL_LOG, 3, params, &res);
    if (status != CAB_OK)
        return status;
    Cabinet__V1__MeetingLog *out = cab_arena_alloc (arena, sizeof *out);
    cabinet__v1__meeting_log__init (out);
    out->n_items = (size_t) PQntuples (res);
    out->items = cab_arena_alloc (arena, (out->n_items ? out->n_items : 1) * sizeof *out->items);
    for (size_t i = 0; i < out->n_items; i++) {
        int r = (int) i;
        Cabinet__V1__MeetingLogEntry *e = cab_arena_alloc (arena, sizeof *e);
        cabinet__v1__meeting_log_entry__init (e);
        e->has_number = e->has_attendees = e->has_incidents = true;
        e->number = (int32_t) i + 1;
        e->meeting_id = cab_db_text (arena, res, r, 0);
        e->content = cab_db_text (arena, res, r, 1);
        e->chair_id = cab_db_text (arena, res, r, 2);
        e->chair_name = cab_db_text (arena, res, r, 3);
        e->start_at = cab_db_text (arena, res, r, 4);
        e->end_at = cab_db_text (arena, res, r, 5);
        e->attendees = (int32_t) cab_db_long (res, r, 6);
        e->incidents = (int32_t) cab_db_long (res, r, 7);
        //  Incident texts joined by the unit separator (never in the texts).
        const char *texts = cab_db_value (res, r, 8);
        if (texts) {
            size_t n = 1;
            for (const char *c = texts; *c; c++)
                n += *c == '\x1f';
            e->incident_texts = cab_arena_alloc (arena, n * sizeof *e->incident_texts);
            char *copy = cab_arena_strdup (arena, texts);
            for (char *save = NULL, *t = strtok_r (copy, "\x1f", &save); t;
                 t = strtok_r (NULL, "\x1f", &save))
                e->incident_texts[e->n_incident_texts++] = t;
        }
        e->recommendations = cab_db_text (arena, res, r, 9);
        out->items[i] = e;
    }
    PQclear (res);
    *log = out;
    return CAB_OK;
}
