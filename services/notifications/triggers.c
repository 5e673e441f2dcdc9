/*  triggers - events that tell people something.  */
#include "triggers.h"
#include "cab_arena.h"
#include "cab_db.h"
#include "cab_log.h"
#include "cab_time.h"
#include "cab_uuid.h"
#include "cabinet/v1/documents.pb-c.h"
#include "cabinet/v1/polls.pb-c.h"
#include "cabinet/v1/scheduling.pb-c.h"
#include "cabinet/v1/voting.pb-c.h"
#include "kinds.h"
#include "meeting.h"
#include "projection.h"
#include "queue.h"
#include <string.h>

//  Who has been told of the meeting already (an earlier approval).
static const char SQL_TOLD[] =
    "SELECT DISTINCT user_id FROM notices"
    " WHERE meeting_id = $1 AND kind IN ('invitation', 'delegation', 'meeting_changed')";

static const char SQL_PENDING[] =
    "SELECT (SELECT string_agg (DISTINCT c, ', ') FROM unnest (pending_changes) c)"
    "  FROM meetings WHERE id = $1";

static const char SQL_PENDING_CLEAR[] = "UPDATE meetings SET pending_changes = '{}' WHERE id = $1";

static const char SQL_PENDING_ADD[] =
    "UPDATE meetings SET pending_changes = pending_changes || $2::text[] WHERE id = $1";

static const char SQL_CLERKS[] =
    "SELECT id FROM users WHERE unit_id = $1 AND active AND 'clerk' = ANY (roles) ORDER BY id";

static bool
s_is (const char *s, const char *value)
{
    return s && strcmp (s, value) == 0;
}

//  Queue kind about meeting m for people, with m's variables and extra.
static cab_status_t
s_tell (PGconn *db, const Cabinet__V1__Event *ev, const notify_meeting_t *m, const char *kind,
        char *const *people, size_t n, const char *calendar_method)
{
    notify_item_t item = {.kind = kind,
                          .cause = ev->id,
                          .meeting_id = m->id,
                          .urgent = m->urgent,
                          .vars = m->vars,
                          .n_vars = m->n_vars,
                          .url = m->url,
                          .calendar = calendar_method ? &m->calendar : NULL,
                          .calendar_method = calendar_method};
    return notify_queue (db, &item, people, n, NULL);
}

/* ---- invitations ------------------------------------------------------------------------ */

static bool
s_in (char **list, size_t n, const char *id)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp (list[i], id) == 0)
            return true;
    return false;
}

//  Invitations went out (an approval, an agency naming its people, a
//  delegate). Someone told before, by an earlier approval of the same
//  meeting, gets no second invitation: what changed since comes with the
//  approval (s_reapproved).
static cab_status_t
s_invitation (PGconn *db, cab_arena_t *arena, const Cabinet__V1__Event *ev)
{
    Cabinet__V1__InvitationEvent *e =
        cabinet__v1__invitation_event__unpack (NULL, ev->payload.len, ev->payload.data);
    notify_meeting_t m;
    cab_status_t status = CAB_OK;
    if (!e || !e->meeting || notify_meeting_load (db, arena, e->meeting->id, &m) != CAB_OK)
        goto done;
    char **told = NULL;
    size_t n_told = 0;
    status = cab_db_column (db, arena, SQL_TOLD, m.id, &told, &n_told);
    char **people = cab_arena_alloc (arena, (e->n_invitees + 1) * sizeof *people);
    size_t n = 0;
    for (size_t i = 0; people && i < e->n_invitees && status == CAB_OK; i++) {
        Cabinet__V1__Participant *p = e->invitees[i];
        bool person = s_is (p->kind, "user") && p->user_id && cab_uuid_valid (p->user_id);
        if (person && s_in (told, n_told, p->user_id))
            continue;  //  told by an earlier approval: changes come with meeting.approved
        if (person && p->replaces_user_id) {
            //  A delegate: told who sent them, one notice of its own.
            notify_meeting_t d = m;
            notify_meeting_var (&d, "from", notify_person_name (db, arena, p->replaces_user_id));
            notify_meeting_var (&d, "reason", p->reason ? p->reason : "");
            status = s_tell (db, ev, &d, "delegation", &p->user_id, 1, "REQUEST");
        } else if (person)
            people[n++] = p->user_id;
        else if (s_is (p->kind, "unit") && p->unit_id && cab_uuid_valid (p->unit_id)) {
            //  An invited agency: its clerks name who attends.
            char **clerks = NULL;
            size_t k = 0;
            status = cab_db_column (db, arena, SQL_CLERKS, p->unit_id, &clerks, &k);
            notify_meeting_t u = m;
            notify_meeting_var (&u, "unit", p->name ? p->name : "");
            if (status == CAB_OK)
                status = s_tell (db, ev, &u, "agency_invitation", clerks, k, NULL);
        }
    }
    if (status == CAB_OK)
        status = s_tell (db, ev, &m, "invitation", people, n, "REQUEST");
done:
    if (e)
        cabinet__v1__invitation_event__free_unpacked (e, NULL);
    return status;
}

/* ---- changes and cancellation ---------------------------------------------------------- */

static const char *
s_field_label (const char *field)
{
    static const struct {
        const char *field, *label;
    } labels[] = {{"title", "nội dung"},     {"content", "chương trình"},
                  {"start_at", "thời gian"}, {"end_at", "thời gian kết thúc"},
                  {"room_id", "địa điểm"},   {"form", "hình thức"}};
    for (size_t i = 0; i < sizeof labels / sizeof labels[0]; i++)
        if (strcmp (labels[i].field, field) == 0)
            return labels[i].label;
    return NULL;
}

//  Approved again after its approval was withdrawn and it was amended:
//  those told before hear what changed (the calendar's SEQUENCE moved on
//  with each change).
static cab_status_t
s_reapproved (PGconn *db, cab_arena_t *arena, const Cabinet__V1__Event *ev, notify_meeting_t *m)
{
    char **pending = NULL, **told = NULL, **expected = NULL;
    size_t n_pending = 0, n_told = 0, n_expected = 0;
    cab_status_t status = cab_db_column (db, arena, SQL_PENDING, m->id, &pending, &n_pending);
    if (status != CAB_OK || n_pending != 1 || !pending[0] || !*pending[0])
        return status;
    status = cab_db_column (db, arena, SQL_TOLD, m->id, &told, &n_told);
    if (status == CAB_OK)
        status = notify_meeting_invitees (db, arena, m->id, &expected, &n_expected);
    char **people = cab_arena_alloc (arena, (n_expected + 1) * sizeof *people);
    size_t n = 0;
    for (size_t i = 0; status == CAB_OK && people && i < n_expected; i++)
        if (s_in (told, n_told, expected[i]))
            people[n++] = expected[i];
    notify_meeting_var (m, "changes", pending[0]);
    if (status == CAB_OK)
        status = s_tell (db, ev, m, "meeting_changed", people, n, "REQUEST");
    const char *params[] = {m->id};
    if (status == CAB_OK)
        status = cab_db_command (db, SQL_PENDING_CLEAR, 1, params);
    return status;
}

static cab_status_t
s_meeting (PGconn *db, cab_arena_t *arena, const Cabinet__V1__Event *ev)
{
    Cabinet__V1__MeetingEvent *e =
        cabinet__v1__meeting_event__unpack (NULL, ev->payload.len, ev->payload.data);
    notify_meeting_t m;
    cab_status_t status = CAB_OK;
    if (!e || !e->meeting || notify_meeting_load (db, arena, e->meeting->id, &m) != CAB_OK
        || !m.published)
        goto done;
    char **people = NULL;
    size_t n = 0;
    if (s_is (ev->type, "meeting.approved")) {
        status = s_reapproved (db, arena, ev, &m);
        goto done;
    }
    if (s_is (ev->type, "meeting.cancelled")) {
        notify_meeting_var (&m, "reason", e->reason ? e->reason : "");
        status = notify_meeting_invitees (db, arena, m.id, &people, &n);
        if (status == CAB_OK)
            status = s_tell (db, ev, &m, "meeting_cancelled", people, n, "CANCEL");
        goto done;
    }
    //  An amendment people must know of: what a calendar shows changed.
    char *changes = cab_arena_strdup (arena, "");
    for (size_t i = 0; changes && i < e->n_changed_fields; i++) {
        const char *label = s_field_label (e->changed_fields[i]);
        if (label && !strstr (changes, label))
            changes = cab_arena_printf (arena, "%s%s%s", changes, *changes ? ", " : "", label);
    }
    if (!changes || !*changes)
        goto done;
    if (!s_is (m.status, "approved") && !s_is (m.status, "in_progress")) {
        //  Amended while its approval is withdrawn: told at the next one.
        char **labels = cab_arena_alloc (arena, e->n_changed_fields * sizeof *labels + 1);
        size_t k = 0;
        for (size_t i = 0; labels && i < e->n_changed_fields; i++)
            if (s_field_label (e->changed_fields[i]))
                labels[k++] = (char *) s_field_label (e->changed_fields[i]);
        const char *params[] = {m.id, cab_db_array (arena, labels, k)};
        status = cab_db_command (db, SQL_PENDING_ADD, 2, params);
        goto done;
    }
    notify_meeting_var (&m, "changes", changes);
    status = notify_meeting_invitees (db, arena, m.id, &people, &n);
    if (status == CAB_OK)
        status = s_tell (db, ev, &m, "meeting_changed", people, n, "REQUEST");
done:
    if (e)
        cabinet__v1__meeting_event__free_unpacked (e, NULL);
    return status;
}

/* ---- documents ---------------------------------------------------------------------------- */

//  A document published to a published meeting's invitees; a secret one
//  only to those who may read it (the event's audience).
static cab_status_t
s_document (PGconn *db, cab_arena_t *arena, const Cabinet__V1__Event *ev)
{
    Cabinet__V1__DocumentEvent *e =
        cabinet__v1__document_event__unpack (NULL, ev->payload.len, ev->payload.data);
    notify_meeting_t m;
    cab_status_t status = CAB_OK;
    if (!e || !e->document || !s_is (e->document->status, "approved")
        || s_is (e->document->classification, "recording")
        || notify_meeting_load (db, arena, e->document->meeting_id, &m) != CAB_OK || !m.published)
        goto done;
    bool secret = s_is (e->document->classification, "secret");
    notify_meeting_var (&m, "document", e->document->title ? e->document->title : "(tài liệu mật)");
    char **people = NULL;
    size_t n = 0;
    if (secret) {
        people = ev->audience;
        n = ev->n_audience;
    } else
        status = notify_meeting_invitees (db, arena, m.id, &people, &n);
    if (status == CAB_OK)
        status = s_tell (db, ev, &m, "document_published", people, n, NULL);
done:
    if (e)
        cabinet__v1__document_event__free_unpacked (e, NULL);
    return status;
}

/* ---- polls (R7.3) ------------------------------------------------------------------------- */

static const char *
s_deadline (cab_arena_t *arena, const char *rfc3339)
{
    int64_t t = 0;
    char text[32];
    if (!rfc3339 || !cab_time_parse (rfc3339, &t))
        return "";
    return cab_arena_strdup (arena, notify_format_time (t, text, sizeof text));
}

static cab_status_t
s_poll (PGconn *db, cab_arena_t *arena, const Cabinet__V1__Event *ev)
{
    Cabinet__V1__PollEvent *e =
        cabinet__v1__poll_event__unpack (NULL, ev->payload.len, ev->payload.data);
    cab_status_t status = CAB_OK;
    if (!e || !e->poll || !e->poll->id)
        goto done;
    const Cabinet__V1__Poll *p = e->poll;
    char count[16];
    snprintf (count, sizeof count, "%zu", e->n_pending_ids);
    //  The names of those late: only the creator's overdue alert shows them.
    char *late = cab_arena_strdup (arena, "");
    bool overdue = s_is (ev->type, "poll.overdue");
    for (size_t i = 0; overdue && late && i < e->n_pending_ids; i++)
        late = cab_arena_printf (arena, "%s%s%s", late, *late ? "\n" : "",
                                 notify_person_name (db, arena, e->pending_ids[i]));
    const notify_var_t vars[] = {{"poll", p->title},
                                 {"deadline", s_deadline (arena, p->deadline)},
                                 {"creator", notify_person_name (db, arena, p->created_by)},
                                 {"count", count},
                                 {"late", late},
                                 {"url", notify_url (arena, "poll", p->id)}};
    notify_item_t item = {.cause = ev->id,
                          .poll_id = p->id,
                          .vars = vars,
                          .n_vars = sizeof vars / sizeof vars[0],
                          .url = vars[5].value};
    if (s_is (ev->type, "poll.sent")) {
        item.kind = "poll_received";
        status = notify_queue (db, &item, e->respondent_ids, e->n_respondent_ids, NULL);
    } else if (s_is (ev->type, "poll.due_soon")) {
        item.kind = "poll_due_soon";
        status = notify_queue (db, &item, e->pending_ids, e->n_pending_ids, NULL);
    } else if (s_is (ev->type, "poll.overdue")) {
        item.kind = "poll_overdue";
        status = notify_queue (db, &item, e->pending_ids, e->n_pending_ids, NULL);
        item.kind = "poll_overdue_organiser";
        if (status == CAB_OK && p->created_by)
            status = notify_queue (db, &item, &p->created_by, 1, NULL);
    }
done:
    if (e)
        cabinet__v1__poll_event__free_unpacked (e, NULL);
    return status;
}

/* ---- votes ---------------------------------------------------------------------------------- */

//  Absent members allowed to vote remotely are told once the vote is open
//  (once per vote: those added later are told when they are added).
static cab_status_t
s_vote (PGconn *db, cab_arena_t *arena, const Cabinet__V1__Event *ev)
{
    Cabinet__V1__VoteEvent *e =
        cabinet__v1__vote_event__unpack (NULL, ev->payload.len, ev->payload.data);
    notify_meeting_t m;
    cab_status_t status = CAB_OK;
    if (!e || !e->vote || !e->vote->id || !s_is (e->vote->status, "open")
        || e->vote->n_remote_voter_ids == 0
        || notify_meeting_load (db, arena, e->vote->meeting_id, &m) != CAB_OK)
        goto done;
    notify_meeting_var (&m, "question", e->vote->question);
    notify_item_t item = {.kind = "vote_opened",
                          .cause = cab_arena_printf (arena, "vote:%s", e->vote->id),
                          .meeting_id = m.id,
                          .urgent = m.urgent,
                          .vars = m.vars,
                          .n_vars = m.n_vars,
                          .url = m.url};
    status = notify_queue (db, &item, e->vote->remote_voter_ids, e->vote->n_remote_voter_ids, NULL);
done:
    if (e)
        cabinet__v1__vote_event__free_unpacked (e, NULL);
    return status;
}

cab_status_t
notify_triggers_apply (PGconn *db, const Cabinet__V1__Event *ev, const char *node_id)
{
    bool own = ev->source && node_id && strcmp (ev->source, node_id) == 0;
    if (!own || !ev->type || !ev->id)
        return CAB_OK;
    cab_arena_t *arena = cab_arena_new ();
    if (!arena)
        return CAB_INTERNAL;
    cab_status_t status = CAB_OK;
    if (s_is (ev->type, "invitation.created"))
        status = s_invitation (db, arena, ev);
    else if (s_is (ev->type, "meeting.updated") || s_is (ev->type, "meeting.cancelled")
             || s_is (ev->type, "meeting.approved"))
        status = s_meeting (db, arena, ev);
    else if (s_is (ev->type, "document.approved") || s_is (ev->type, "document.uploaded"))
        status = s_document (db, arena, ev);
    else if (strncmp (ev->type, "poll.", 5) == 0)
        status = s_poll (db, arena, ev);
    else if (s_is (ev->type, "vote.opened") || s_is (ev->type, "vote.remote_voters_added"))
        status = s_vote (db, arena, ev);
    cab_arena_destroy (&arena);
    return status;
}
