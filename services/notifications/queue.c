/*  queue - making notices: recipients, channels, rendering, recording.  */
#include "queue.h"
#include "cab_arena.h"
#include "cab_config.h"
#include "cab_db.h"
#include "cab_log.h"
#include "cab_outbox.h"
#include "cab_uuid.h"
#include "cabinet/v1/notifications.pb-c.h"
#include "ical.h"
#include "kinds.h"
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MAX_VARS 32

//  Each person once, with what is needed to reach them and the channels
//  they chose for the kind ($2). Deactivated accounts are not told.
static const char SQL_PEOPLE[] =
    "SELECT x.id, coalesce (u.full_name, ''), c.email, coalesce (p.language, 'vi'),"
    "       ch.channels"
    "  FROM (SELECT DISTINCT unnest ($1::uuid[]) AS id) x"
    "  LEFT JOIN users u ON u.id = x.id"
    "  LEFT JOIN contacts c ON c.user_id = x.id"
    "  LEFT JOIN preferences p ON p.user_id = x.id"
    "  LEFT JOIN channel_choices ch ON ch.user_id = x.id AND ch.kind = $2"
    " WHERE u.active IS NOT FALSE";
enum { P_ID, P_NAME, P_EMAIL, P_LANGUAGE, P_CHANNELS };

static const char SQL_ORGANIZER[] =
    "SELECT coalesce (u.full_name, ''), c.email FROM (SELECT $1::uuid AS id) x"
    "  LEFT JOIN users u ON u.id = x.id LEFT JOIN contacts c ON c.user_id = x.id";

//  An in-app notice is delivered by being recorded: state sent at once.
static const char SQL_INSERT[] =
    "INSERT INTO notices (id, user_id, kind, channel, dedup_key, meeting_id, poll_id, address,"
    "                     language, urgent, title, body, text_body, html_body, ics, ics_method,"
    "                     url, state, sent_at)"
    " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17,"
    "         CASE WHEN $4 = 'app' THEN 'sent' ELSE 'queued' END,"
    "         CASE WHEN $4 = 'app' THEN now () END)"
    " ON CONFLICT (dedup_key, user_id, channel) DO NOTHING"
    " RETURNING f_ts (created_at)";

bool
notify_email_on (void)
{
    return *cab_config_str ("CABINET_SMTP_URL") != '\0';
}

bool
notify_sms_on (void)
{
    return *cab_config_str ("CABINET_SMS_URL") != '\0';
}

//  The channels one person gets: their choice or the default, always the
//  app, everything when urgent, minus what cannot reach them.
static unsigned
s_channels (const notify_item_t *item, const PGresult *res, int row)
{
    unsigned set = PQgetisnull (res, row, P_CHANNELS)
                       ? notify_kind_default (item->kind)
                       : notify_channels_parse (PQgetvalue (res, row, P_CHANNELS));
    set |= NOTIFY_APP;
    if (item->urgent)
        set = NOTIFY_ALL;
    if (!notify_email_on () || PQgetisnull (res, row, P_EMAIL) || !*PQgetvalue (res, row, P_EMAIL))
        set &= ~NOTIFY_EMAIL;
    //  Phone numbers are not in events: the SMS lane asks identity for them.
    if (!notify_sms_on ())
        set &= ~NOTIFY_SMS;
    return set;
}

//  The meeting's organiser as the iCalendar names them, looked up once per
//  item (in arena; NULL when unknown).
static void
s_organizer (PGconn *db, cab_arena_t *arena, const notify_calendar_t *m, const char **name,
             const char **email)
{
    *name = *email = NULL;
    if (!m->organizer_id || !cab_uuid_valid (m->organizer_id))
        return;
    const char *params[] = {m->organizer_id};
    PGresult *res = PQexecParams (db, SQL_ORGANIZER, 1, NULL, params, NULL, NULL, 0);
    if (PQresultStatus (res) == PGRES_TUPLES_OK && PQntuples (res) == 1) {
        if (*PQgetvalue (res, 0, 0))
            *name = cab_db_text (arena, res, 0, 0);
        if (!PQgetisnull (res, 0, 1) && *PQgetvalue (res, 0, 1))
            *email = cab_db_text (arena, res, 0, 1);
    }
    PQclear (res);
}

//  The iCalendar of the item's meeting for one attendee (only them: a
//  meeting of a thousand invitees does not send each the thousand).
static char *
s_calendar (const notify_item_t *item, const char *organizer_name, const char *organizer_email,
            const char *name, const char *email, const char *user_id)
{
    const notify_calendar_t *m = item->calendar;
    char uid[128];
    snprintf (uid, sizeof uid, "%s@%s", m->id, cab_config_str ("CABINET_NODE_ID"));
    notify_ical_attendee_t attendee = {
        .name = name, .email = email, .user_id = user_id, .partstat = "NEEDS-ACTION"};
    notify_ical_event_t ev = {
        .uid = uid,
        .sequence = m->sequence,
        .cancelled = m->cancelled,
        .start = m->start,
        .end = m->end,
        .stamp = (int64_t) time (NULL),
        .summary = m->title,
        .location = m->room,
        .url = item->url,
        .organizer_name = organizer_name,
        .organizer_email = organizer_email,
        .fallback_organizer = cab_config_str ("CABINET_MAIL_FROM"),
        .attendees = &attendee,
        .n_attendees = 1,
    };
    return notify_ical_build (item->calendar_method, NULL, &ev, 1);
}

//  Announce an in-app notice on the person's own live stream.
static cab_status_t
s_announce (PGconn *db, const char *id, const char *user_id, const notify_item_t *item,
            const notify_rendered_t *r, const char *created_at)
{
    Cabinet__V1__Notice notice = CABINET__V1__NOTICE__INIT;
    notice.id = (char *) id;
    notice.user_id = (char *) user_id;
    notice.kind = (char *) item->kind;
    notice.channel = "app";
    notice.title = r->subject;
    notice.body = r->text;
    notice.meeting_id = (char *) item->meeting_id;
    notice.poll_id = (char *) item->poll_id;
    notice.state = "sent";
    notice.created_at = (char *) created_at;
    notice.url = (char *) item->url;
    notice.has_urgent = true;
    notice.urgent = item->urgent;
    Cabinet__V1__NoticeEvent payload = CABINET__V1__NOTICE_EVENT__INIT;
    payload.notice = &notice;
    const char *audience[] = {user_id};
    cab_event_t ev = {.type = "notification.created",
                      .subject = user_id,
                      .payload = &payload.base,
                      .audience = audience,
                      .audience_count = 1};
    return cab_outbox_emit (db, &ev);
}

static cab_status_t
s_record (PGconn *db, const notify_item_t *item, const PGresult *people, int row, unsigned channel,
          const notify_rendered_t *r, const char *ics, long *queued)
{
    char id[CAB_UUID_LEN + 1];
    cab_uuid_v7 (id);
    const char *user_id = PQgetvalue (people, row, P_ID);
    const char *address = channel == NOTIFY_EMAIL ? PQgetvalue (people, row, P_EMAIL) : NULL;
    bool mail = channel == NOTIFY_EMAIL;
    const char *params[] = {id,
                            user_id,
                            item->kind,
                            notify_channel_name (channel),
                            item->cause,
                            item->meeting_id,
                            item->poll_id,
                            address,
                            PQgetvalue (people, row, P_LANGUAGE),
                            cab_db_bool_text (item->urgent),
                            r->subject,
                            channel == NOTIFY_SMS ? r->sms : r->text,
                            mail ? r->text : NULL,
                            mail ? r->html : NULL,
                            mail ? ics : NULL,
                            mail && ics ? item->calendar_method : NULL,
                            item->url};
    PGresult *res = NULL;
    cab_status_t status = cab_db_query_row (db, SQL_INSERT, 17, params, &res);
    if (status == CAB_OK) {
        if (queued)
            (*queued)++;
        if (channel == NOTIFY_APP)
            status = s_announce (db, id, user_id, item, r, PQgetvalue (res, 0, 0));
    } else if (status == CAB_NOT_FOUND)
        status = CAB_OK;  //  recorded before for this cause: nothing to do
    PQclear (res);
    return status;
}

static cab_status_t
s_person (PGconn *db, const notify_item_t *item, const char *const organizer[2],
          const PGresult *people, int row, long *queued)
{
    unsigned set = s_channels (item, people, row);
    notify_var_t vars[MAX_VARS + 2];
    size_t n = item->n_vars < MAX_VARS ? item->n_vars : MAX_VARS;
    memcpy (vars, item->vars, n * sizeof vars[0]);
    const char *name = PQgetvalue (people, row, P_NAME);
    vars[n++] = (notify_var_t){"recipient", *name ? name : "đồng chí"};
    if (n < MAX_VARS + 1)
        vars[n++] = (notify_var_t){"node", cab_config_str ("CABINET_MAIL_FROM_NAME")};
    notify_rendered_t r = {0};
    if (notify_render (item->kind, PQgetvalue (people, row, P_LANGUAGE), vars, n, &r) != 0) {
        cab_error ("notifications: no template for %s", item->kind);
        return CAB_OK;  //  a missing template will not appear on retry
    }
    char *ics = NULL;
    if ((set & NOTIFY_EMAIL) && item->calendar)
        ics = s_calendar (item, organizer[0], organizer[1], name, PQgetvalue (people, row, P_EMAIL),
                          PQgetvalue (people, row, P_ID));
    cab_status_t status = CAB_OK;
    const unsigned order[] = {NOTIFY_APP, NOTIFY_EMAIL, NOTIFY_SMS};
    for (size_t i = 0; i < 3 && status == CAB_OK; i++)
        if (set & order[i])
            status = s_record (db, item, people, row, order[i], &r, ics, queued);
    free (ics);
    notify_rendered_free (&r);
    return status;
}

cab_status_t
notify_queue (PGconn *db, const notify_item_t *item, char *const *user_ids, size_t n, long *queued)
{
    if (queued)
        *queued = 0;
    if (n == 0)
        return CAB_OK;
    cab_arena_t *arena = cab_arena_new ();
    if (!arena)
        return CAB_INTERNAL;
    //  Only well-formed ids reach the query.
    char **valid = cab_arena_alloc (arena, n * sizeof *valid);
    size_t m = 0;
    for (size_t i = 0; valid && i < n; i++)
        if (user_ids[i] && cab_uuid_valid (user_ids[i]))
            valid[m++] = user_ids[i];
    cab_status_t status = valid ? CAB_OK : CAB_INTERNAL;
    PGresult *people = NULL;
    if (status == CAB_OK && m > 0) {
        const char *params[] = {cab_db_array (arena, valid, m), item->kind};
        people = PQexecParams (db, SQL_PEOPLE, 2, NULL, params, NULL, NULL, 0);
        if (PQresultStatus (people) != PGRES_TUPLES_OK) {
            cab_error ("notifications: recipients: %s", PQresultErrorMessage (people));
            status = CAB_UNAVAILABLE;
        }
        const char *organizer[2] = {NULL, NULL};
        if (status == CAB_OK && item->calendar)
            s_organizer (db, arena, item->calendar, &organizer[0], &organizer[1]);
        for (int row = 0; status == CAB_OK && row < PQntuples (people); row++)
            status = s_person (db, item, organizer, people, row, queued);
    }
    PQclear (people);
    cab_arena_destroy (&arena);
    return status;
}
