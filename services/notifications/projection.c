/*  projection - the notifications service's view of people and meetings.  */
#include "projection.h"
#include "cab_arena.h"
#include "cab_consumer.h"
#include "cab_db.h"
#include "cab_log.h"
#include "cab_meeting_news.h"
#include "cab_people.h"
#include "cab_uuid.h"
#include "cabinet/v1/documents.pb-c.h"
#include "cabinet/v1/identity.pb-c.h"
#include "cabinet/v1/scheduling.pb-c.h"
#include <stdio.h>
#include <string.h>

static const char SQL_CONTACT[] =
    "INSERT INTO contacts (user_id, email, source_sequence) VALUES ($1, $2, $3)"
    " ON CONFLICT (user_id) DO UPDATE SET email = excluded.email,"
    "   source_sequence = excluded.source_sequence, updated_at = now ()"
    " WHERE contacts.source_sequence <= excluded.source_sequence";

//  A meeting's iTIP SEQUENCE moves on with every change people were told
//  of ($14: the event changes what a calendar shows), once published.
static const char SQL_MEETING[] =
    "INSERT INTO meetings (id, title, start_at, end_at, status, type, form, room_name,"
    "                      host_unit_name, chair_id, secretary_id, created_by, secret,"
    "                      source_sequence)"
    " VALUES ($1, $2, $3, $4, $5, coalesce ($6, 'regular'), $7, $8, $9, $10, $11, $12,"
    "         coalesce ($13::boolean, false), $15)"
    " ON CONFLICT (id) DO UPDATE SET title = excluded.title, start_at = excluded.start_at,"
    "   end_at = excluded.end_at, status = excluded.status, type = excluded.type,"
    "   form = excluded.form, room_name = excluded.room_name,"
    "   host_unit_name = excluded.host_unit_name, chair_id = excluded.chair_id,"
    "   secretary_id = excluded.secretary_id, created_by = excluded.created_by,"
    "   secret = excluded.secret, source_sequence = excluded.source_sequence,"
    "   ical_sequence = meetings.ical_sequence"
    "                   + CASE WHEN meetings.published AND $14::boolean THEN 1 ELSE 0 END,"
    "   updated_at = now ()"
    " WHERE meetings.source_sequence < excluded.source_sequence"
    " RETURNING id";

static const char SQL_PUBLISHED[] = "UPDATE meetings SET published = true WHERE id = $1";

static const char SQL_INVITEE[] =
    "INSERT INTO invitees (meeting_id, user_id, response, invited_at)"
    " VALUES ($1, $2, coalesce ($3, 'pending'), $4)"
    " ON CONFLICT (meeting_id, user_id) DO UPDATE SET response = excluded.response,"
    "   invited_at = coalesce (excluded.invited_at, invitees.invited_at)";

static const char SQL_DROP_INVITEES[] =
    "DELETE FROM invitees WHERE meeting_id = $1 AND NOT (user_id = ANY ($2::uuid[]))";

static const char SQL_HAS_DOCUMENTS[] = "UPDATE meetings SET has_documents = true WHERE id = $1";

static bool
s_is (const char *s, const char *value)
{
    return s && strcmp (s, value) == 0;
}

static bool
s_changes_calendar (const Cabinet__V1__MeetingEvent *e, const char *type)
{
    if (s_is (type, "meeting.cancelled"))
        return true;
    if (!s_is (type, "meeting.updated"))
        return false;
    for (size_t i = 0; i < e->n_changed_fields; i++) {
        const char *f = e->changed_fields[i];
        if (s_is (f, "title") || s_is (f, "start_at") || s_is (f, "end_at") || s_is (f, "room_id")
            || s_is (f, "form") || s_is (f, "content"))
            return true;
    }
    return false;
}

static cab_status_t
s_put_meeting (PGconn *db, const Cabinet__V1__MeetingSummary *m, uint64_t sequence,
               bool changes_calendar, bool *applied)
{
    char seq[24];
    snprintf (seq, sizeof seq, "%llu", (unsigned long long) sequence);
    const char *params[] = {m->id,
                            m->title ? m->title : "",
                            m->start_at,
                            m->end_at,
                            m->status,
                            m->type,
                            m->form,
                            m->room_name,
                            m->host_unit_name,
                            cab_db_opt (m->chair_id),
                            cab_db_opt (m->secretary_id),
                            cab_db_opt (m->created_by),
                            m->has_secret ? cab_db_bool_text (m->secret) : NULL,
                            cab_db_bool_text (changes_calendar),
                            seq};
    *applied = false;
    if (!m->start_at || !m->end_at)
        return CAB_OK;
    return cab_db_any_row (db, SQL_MEETING, 15, params, applied);
}

static cab_status_t
s_put_invitee (PGconn *db, const char *meeting_id, const Cabinet__V1__Participant *p)
{
    if (!p || !s_is (p->kind, "user") || !p->user_id || !cab_uuid_valid (p->user_id))
        return CAB_OK;
    const char *params[] = {meeting_id, p->user_id, p->response, cab_db_opt (p->invited_at)};
    return cab_db_command (db, SQL_INVITEE, 4, params);
}

//  meeting.* lists every participant: the person invitees are replaced.
static cab_status_t
s_replace_invitees (PGconn *db, const char *meeting_id, Cabinet__V1__Participant *const *list,
                    size_t n)
{
    cab_arena_t *arena = cab_arena_new ();
    char **ids = arena ? cab_arena_alloc (arena, (n + 1) * sizeof *ids) : NULL;
    if (!ids) {
        cab_arena_destroy (&arena);
        return CAB_INTERNAL;
    }
    size_t k = 0;
    cab_status_t status = CAB_OK;
    for (size_t i = 0; i < n && status == CAB_OK; i++) {
        status = s_put_invitee (db, meeting_id, list[i]);
        if (s_is (list[i]->kind, "user") && list[i]->user_id && cab_uuid_valid (list[i]->user_id))
            ids[k++] = list[i]->user_id;
    }
    if (status == CAB_OK) {
        const char *params[] = {meeting_id, cab_db_array (arena, ids, k)};
        status = cab_db_command (db, SQL_DROP_INVITEES, 2, params);
    }
    cab_arena_destroy (&arena);
    return status;
}

//  One of scheduling's meeting events (cab_meeting_news): the meeting, and
//  the invitees it names (meeting.* names them all: the list is replaced,
//  unless the event is older than what the row holds). An invitation sent
//  publishes the meeting: from then on, a change of what a calendar shows
//  moves its iTIP sequence on.
static cab_status_t
s_apply_news (PGconn *db, const Cabinet__V1__Event *ev, const cab_meeting_news_t *news)
{
    bool applied = false;
    bool calendar = news->meeting_event && s_changes_calendar (news->meeting_event, ev->type);
    cab_status_t status =
        s_put_meeting (db, news->meeting, cab_event_sequence (ev), calendar, &applied);
    if (status == CAB_OK && news->all_people)
        return applied ? s_replace_invitees (db, news->meeting->id, news->people, news->n_people)
                       : CAB_OK;
    for (size_t i = 0; i < news->n_people && status == CAB_OK; i++)
        status = s_put_invitee (db, news->meeting->id, news->people[i]);
    const char *params[] = {news->meeting->id};
    if (status == CAB_OK && s_is (ev->type, "invitation.created"))
        status = cab_db_command (db, SQL_PUBLISHED, 1, params);
    return status;
}

//  The meeting events kept here: attendance is not (whom to notify follows
//  the invitations and replies).
static cab_status_t
s_scheduling_event (PGconn *db, const Cabinet__V1__Event *ev)
{
    if (s_is (ev->type, "attendance.recorded"))
        return CAB_OK;
    cab_meeting_news_t news;
    cab_status_t status =
        cab_meeting_news_read (ev, &news) > 0 ? s_apply_news (db, ev, &news) : CAB_OK;
    cab_meeting_news_free (&news);
    return status;
}

static cab_status_t
s_user_event (PGconn *db, const Cabinet__V1__Event *ev)
{
    if (strncmp (ev->type, "user.", 5) != 0)
        return CAB_OK;
    Cabinet__V1__UserChanged *e =
        cabinet__v1__user_changed__unpack (NULL, ev->payload.len, ev->payload.data);
    cab_status_t status = CAB_OK;
    if (e && e->user && e->user->id && cab_uuid_valid (e->user->id)) {
        char seq[24];
        snprintf (seq, sizeof seq, "%llu", (unsigned long long) cab_event_sequence (ev));
        const char *params[] = {e->user->id, cab_db_opt (e->user->email), seq};
        status = cab_db_command (db, SQL_CONTACT, 3, params);
    }
    if (e)
        cabinet__v1__user_changed__free_unpacked (e, NULL);
    return status;
}

static cab_status_t
s_document_event (PGconn *db, const Cabinet__V1__Event *ev)
{
    Cabinet__V1__DocumentEvent *e =
        cabinet__v1__document_event__unpack (NULL, ev->payload.len, ev->payload.data);
    cab_status_t status = CAB_OK;
    if (e && e->document && e->document->meeting_id && cab_uuid_valid (e->document->meeting_id)) {
        const char *params[] = {e->document->meeting_id};
        status = cab_db_command (db, SQL_HAS_DOCUMENTS, 1, params);
    }
    if (e)
        cabinet__v1__document_event__free_unpacked (e, NULL);
    return status;
}

cab_status_t
notify_projection_apply (PGconn *db, const Cabinet__V1__Event *ev, const char *node_id)
{
    bool own = ev->source && node_id && strcmp (ev->source, node_id) == 0;
    if (!own || !ev->type)
        return CAB_OK;
    cab_status_t status = CAB_OK;
    if (s_is (ev->service, "identity")) {
        if (cab_people_apply (db, ev, node_id, &status) && status == CAB_OK)
            status = s_user_event (db, ev);
    } else if (s_is (ev->service, "scheduling"))
        status = s_scheduling_event (db, ev);
    else if (s_is (ev->service, "documents") && s_is (ev->type, "document.uploaded"))
        status = s_document_event (db, ev);
    return status;
}
