/*  h_calendar - the personal calendar feed (R9): a token per person
    (GET /api/v1/me/calendar-token creates it on first use, POST replaces
    it, which revokes the old address) and the feed itself
    (GET /api/v1/calendar.ics?token=), an iCalendar of the meetings the
    person is invited to, chairs or organised, from three months back to a
    year ahead, that calendar applications poll. The token is the only
    credential of the feed, so it is shown again on every GET, the way
    calendar services show a secret address; rotating it is the remedy for
    one that leaked.  */
#include "cab_config.h"
#include "cab_crypto.h"
#include "cab_db.h"
#include "cabinet/v1/notifications.pb-c.h"
#include "handlers.h"
#include "ical.h"
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define FEED_PAST_S (90L * 86400)
#define FEED_AHEAD_S (366L * 86400)

static const char SQL_GET[] =
    "SELECT token, f_ts (created_at) FROM calendar_tokens WHERE user_id = $1";

static const char SQL_PUT[] =
    "INSERT INTO calendar_tokens (user_id, token) VALUES ($1, $2)"
    " ON CONFLICT (user_id) DO UPDATE SET token = excluded.token, created_at = now ()"
    " RETURNING token, f_ts (created_at)";

static const char SQL_CREATE[] = "INSERT INTO calendar_tokens (user_id, token) VALUES ($1, $2)"
                                 " ON CONFLICT (user_id) DO NOTHING";

static const char SQL_OWNER[] = "SELECT user_id FROM calendar_tokens WHERE token = $1";

//  The person's meetings with their reply ($2, $3: the window).
static const char SQL_FEED[] =
    "SELECT m.id, m.title, coalesce (m.room_name, ''), extract (epoch FROM m.start_at)::bigint,"
    "       extract (epoch FROM m.end_at)::bigint, m.status, m.ical_sequence,"
    "       coalesce (o.full_name, ''), oc.email, coalesce (i.response, 'attend'),"
    "       extract (epoch FROM m.updated_at)::bigint"
    "  FROM meetings m"
    "  LEFT JOIN invitees i ON i.meeting_id = m.id AND i.user_id = $1"
    "  LEFT JOIN users o ON o.id = m.created_by LEFT JOIN contacts oc ON oc.user_id = m.created_by"
    " WHERE (i.user_id IS NOT NULL OR m.chair_id = $1 OR m.created_by = $1)"
    "   AND (m.published OR m.chair_id = $1 OR m.created_by = $1)"
    "   AND m.status IN ('approved', 'in_progress', 'ended', 'cancelled')"
    "   AND m.start_at >= to_timestamp ($2::float8) AND m.start_at < to_timestamp ($3::float8)"
    " ORDER BY m.start_at LIMIT 2000";  //  FEED_MAX
enum {
    F_ID,
    F_TITLE,
    F_ROOM,
    F_START,
    F_END,
    F_STATUS,
    F_SEQ,
    F_ORG,
    F_ORG_EMAIL,
    F_RESPONSE,
    F_STAMP
};

static const char SQL_ME[] = "SELECT coalesce ((SELECT full_name FROM users WHERE id = $1), ''),"
                             "       (SELECT email FROM contacts WHERE user_id = $1)";

static cab_status_t
s_token_reply (cab_call_t *call, const PGresult *res)
{
    Cabinet__V1__CalendarToken *out = cab_arena_alloc (call->arena, sizeof *out);
    if (!out)
        return cab_call_error (call, CAB_INTERNAL, NULL, NULL);
    cabinet__v1__calendar_token__init (out);
    out->token = cab_db_text (call->arena, res, 0, 0);
    out->created_at = cab_db_text (call->arena, res, 0, 1);
    out->url = (char *) notify_public_url (
        call->arena, cab_arena_printf (call->arena, "/api/v1/calendar.ics?token=%s", out->token));
    return cab_call_reply (call, out);
}

static cab_status_t
s_token (cab_call_t *call, bool rotate)
{
    const char *user = notify_call_user (call);
    if (!user)
        return cab_call_error (call, CAB_UNAUTHENTICATED, NULL, NULL);
    PGconn *db = notify_call_worker (call)->db;
    char token[CAB_TOKEN_LEN + 1];
    if (cab_token_new (token) != 0)
        return cab_call_error (call, CAB_INTERNAL, NULL, NULL);
    const char *params[] = {user, token};
    //  GET makes one when there is none (two racing GETs keep the first).
    cab_status_t status = rotate ? CAB_OK : cab_db_command (db, SQL_CREATE, 2, params);
    PGresult *res = NULL;
    if (status == CAB_OK)
        status = cab_db_query_row (db, rotate ? SQL_PUT : SQL_GET, rotate ? 2 : 1, params, &res);
    if (status != CAB_OK)
        return cab_call_error (call, status == CAB_NOT_FOUND ? CAB_UNAVAILABLE : status, NULL,
                               NULL);
    status = s_token_reply (call, res);
    PQclear (res);
    return status;
}

cab_status_t
notify_get_token (cab_call_t *call, const ProtobufCMessage *request)
{
    (void) request;
    return s_token (call, false);
}

cab_status_t
notify_rotate_token (cab_call_t *call, const ProtobufCMessage *request)
{
    (void) request;
    return s_token (call, true);
}

static const char *
s_partstat (const char *response)
{
    if (strcmp (response, "decline") == 0)
        return "DECLINED";
    if (strcmp (response, "delegate") == 0)
        return "DELEGATED";
    if (strcmp (response, "attend") == 0)
        return "ACCEPTED";
    return "NEEDS-ACTION";
}

//  Build the feed of user from the rows of SQL_FEED.
static char *
s_feed (cab_call_t *call, const char *user, const PGresult *rows, const PGresult *me)
{
    int n = PQntuples (rows);
    notify_ical_event_t *events =
        cab_arena_alloc (call->arena, (size_t) (n ? n : 1) * sizeof *events);
    notify_ical_attendee_t *people =
        cab_arena_alloc (call->arena, (size_t) (n ? n : 1) * sizeof *people);
    if (!events || !people)
        return NULL;
    const char *node = cab_config_str ("CABINET_NODE_ID");
    for (int i = 0; i < n; i++) {
        people[i] =
            (notify_ical_attendee_t){.name = PQgetvalue (me, 0, 0),
                                     .email = PQgetisnull (me, 0, 1) ? NULL : PQgetvalue (me, 0, 1),
                                     .user_id = user,
                                     .partstat = s_partstat (PQgetvalue (rows, i, F_RESPONSE))};
        const char *id = PQgetvalue (rows, i, F_ID);
        events[i] = (notify_ical_event_t){
            .uid = cab_arena_printf (call->arena, "%s@%s", id, node),
            .sequence = (int) cab_db_long (rows, i, F_SEQ),
            .cancelled = strcmp (PQgetvalue (rows, i, F_STATUS), "cancelled") == 0,
            .start = cab_db_long (rows, i, F_START),
            .end = cab_db_long (rows, i, F_END),
            .stamp = cab_db_long (rows, i, F_STAMP),
            .summary = PQgetvalue (rows, i, F_TITLE),
            .location = *PQgetvalue (rows, i, F_ROOM) ? PQgetvalue (rows, i, F_ROOM) : NULL,
            .url = notify_url (call->arena, "meeting", id),
            .organizer_name = *PQgetvalue (rows, i, F_ORG) ? PQgetvalue (rows, i, F_ORG) : NULL,
            .organizer_email =
                PQgetisnull (rows, i, F_ORG_EMAIL) ? NULL : PQgetvalue (rows, i, F_ORG_EMAIL),
            .fallback_organizer = cab_config_str ("CABINET_MAIL_FROM"),
            .attendees = &people[i],
            .n_attendees = 1};
    }
    return notify_ical_build ("PUBLISH", "Lịch họp", events, (size_t) n);
}

cab_status_t
notify_calendar_feed (cab_call_t *call, const ProtobufCMessage *request)
{
    const Cabinet__V1__CalendarFeedRequest *req = (const void *) request;
    //  Whatever is wrong with a token, the answer is the same: not found.
    if (!req->token || strlen (req->token) != CAB_TOKEN_LEN)
        return cab_call_error (call, CAB_NOT_FOUND, "token", "Không tìm thấy lịch");
    PGconn *db = notify_call_worker (call)->db;
    const char *params[] = {req->token};
    PGresult *owner = NULL;
    cab_status_t status = cab_db_query_row (db, SQL_OWNER, 1, params, &owner);
    if (status == CAB_NOT_FOUND)
        return cab_call_error (call, CAB_NOT_FOUND, "token", "Không tìm thấy lịch");
    if (status != CAB_OK)
        return cab_call_error (call, status, NULL, NULL);
    const char *user = cab_db_text (call->arena, owner, 0, 0);
    PQclear (owner);
    char from[24], to[24];
    int64_t now = (int64_t) time (NULL);
    snprintf (from, sizeof from, "%lld", (long long) (now - FEED_PAST_S));
    snprintf (to, sizeof to, "%lld", (long long) (now + FEED_AHEAD_S));
    const char *feed_params[] = {user, from, to};
    PGresult *rows = PQexecParams (db, SQL_FEED, 3, NULL, feed_params, NULL, NULL, 0);
    PGresult *me = PQexecParams (db, SQL_ME, 1, NULL, &user, NULL, NULL, 0);
    char *ics = NULL;
    if (PQresultStatus (rows) == PGRES_TUPLES_OK && PQresultStatus (me) == PGRES_TUPLES_OK)
        ics = s_feed (call, user, rows, me);
    PQclear (rows);
    PQclear (me);
    if (!ics)
        return cab_call_error (call, CAB_UNAVAILABLE, NULL, NULL);
    Cabinet__V1__CalendarFeed *out = cab_arena_alloc (call->arena, sizeof *out);
    if (!out) {
        free (ics);
        return cab_call_error (call, CAB_INTERNAL, NULL, NULL);
    }
    cabinet__v1__calendar_feed__init (out);
    out->ics = cab_arena_strdup (call->arena, ics);
    char etag[CAB_SHA256_HEX + 1];
    cab_sha256_hex (ics, strlen (ics), etag);
    out->etag = cab_arena_strdup (call->arena, etag);
    free (ics);
    return cab_call_reply (call, out);
}
