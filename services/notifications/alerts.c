/*  alerts - reminders, overdue alerts and the digest, by the clock.  */
#include "alerts.h"
#include "cab_arena.h"
#include "cab_config.h"
#include "cab_db.h"
#include "cab_log.h"
#include "kinds.h"
#include "meeting.h"
#include "queue.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MINUTES_MAX (60 * 24 * 60)
#define SECONDS_PER_HOUR 3600
#define HOURS_MAX (24 * 60)
#define REMINDERS_MAX 8
#define VN_OFFSET_S (7 * 3600)
#define SECONDS_PER_DAY 86400

//  Meetings whose reminder of $2 seconds is due at $1 and that have not
//  begun, with the invitees who were invited before it was due (someone
//  invited an hour before is not "reminded" a day before) and have not had
//  it yet (the notice's cause, as s_reminder_row writes it). $3: the
//  smaller offsets, whose reminder supersedes this one once due. Each query
//  below passes over what was already told in the same way, so a run every
//  few seconds renders nothing twice.
static const char SQL_REMINDERS[] =
    "SELECT m.id, string_agg (i.user_id::text, ',' ORDER BY i.user_id)"
    "  FROM meetings m JOIN invitees i ON i.meeting_id = m.id"
    " WHERE m.status = 'approved' AND m.published"
    "   AND m.start_at > to_timestamp ($1::float8)"
    "   AND m.start_at - make_interval (secs => $2::float8) <= to_timestamp ($1::float8)"
    "   AND m.start_at - make_interval (secs => $3::float8) > to_timestamp ($1::float8)"
    "   AND i.response NOT IN ('decline', 'delegate')"
    "   AND (i.invited_at IS NULL"
    "        OR i.invited_at <= m.start_at - make_interval (secs => $2::float8))"
    "   AND NOT EXISTS (SELECT 1 FROM notices n WHERE n.user_id = i.user_id"
    "                     AND n.dedup_key = 'reminder:' || m.id || ':' || ($2::bigint / 60))"
    " GROUP BY m.id";

//  The lead before the start by type ($2 regular, $3 urgent, $4 emergency).
#define LEAD                                                                                       \
    "make_interval (secs => CASE m.type WHEN 'urgent' THEN $3::float8"                             \
    " WHEN 'emergency' THEN $4::float8 ELSE $2::float8 END)"

//  Meetings not begun whose replies were due, with who has not replied
//  (and has not been alerted).
static const char SQL_REPLIES_DUE[] =
    "SELECT m.id, string_agg (i.user_id::text, ',' ORDER BY i.user_id)"
    "  FROM meetings m JOIN invitees i ON i.meeting_id = m.id"
    " WHERE m.status = 'approved' AND m.published AND m.start_at > to_timestamp ($1::float8)"
    "   AND m.start_at - " LEAD " <= to_timestamp ($1::float8) AND i.response = 'pending'"
    "   AND NOT EXISTS (SELECT 1 FROM notices n WHERE n.user_id = i.user_id"
    "                     AND n.dedup_key = 'reply_overdue:' || m.id)"
    " GROUP BY m.id";

//  Meetings not begun whose documents were due and that have none (and
//  whose alert has not gone out).
static const char SQL_DOCUMENTS_DUE[] =
    "SELECT m.id, extract (epoch FROM m.start_at - " LEAD ")::bigint FROM meetings m"
    " WHERE m.status = 'approved' AND m.published AND NOT m.has_documents"
    "   AND m.start_at > to_timestamp ($1::float8)"
    "   AND m.start_at - " LEAD " <= to_timestamp ($1::float8)"
    "   AND NOT EXISTS (SELECT 1 FROM notices n WHERE n.dedup_key = 'documents_overdue:' || m.id)";

//  The clerks without the digest of the day ($3) and, per clerk, the
//  meetings of the day ($1, $2: its bounds) their agency's people are
//  invited to.
static const char SQL_DIGEST[] =
    "SELECT c.id, coalesce (un.name, ''), count (DISTINCT m.id),"
    "       string_agg (DISTINCT to_char (m.start_at, 'HH24:MI') || ' – ' || m.title"
    "                   || coalesce (' (' || m.room_name || ')', ''), E'\\n')"
    "  FROM users c JOIN units un ON un.id = c.unit_id"
    "  JOIN users p ON p.unit_id = c.unit_id"
    "  JOIN invitees i ON i.user_id = p.id"
    "  JOIN meetings m ON m.id = i.meeting_id"
    " WHERE c.active AND 'clerk' = ANY (c.roles) AND m.status IN ('approved', 'in_progress')"
    "   AND m.start_at >= to_timestamp ($1::float8) AND m.start_at < to_timestamp ($2::float8)"
    "   AND NOT EXISTS (SELECT 1 FROM notices n WHERE n.user_id = c.id"
    "                     AND n.dedup_key = 'digest:' || $3)"
    " GROUP BY c.id, un.name";

static char *
s_epoch (char out[24], int64_t t)
{
    snprintf (out, 24, "%lld", (long long) t);
    return out;
}

//  The reminder offsets in seconds, ascending. Returns their number.
static int
s_offsets (long out[REMINDERS_MAX])
{
    char buf[128];
    snprintf (buf, sizeof buf, "%s", cab_config_str ("CABINET_REMINDER_MINUTES"));
    int n = 0;
    char *save = NULL;
    for (char *tok = strtok_r (buf, ", ", &save); tok && n < REMINDERS_MAX;
         tok = strtok_r (NULL, ", ", &save)) {
        char *end = NULL;
        long minutes = strtol (tok, &end, 10);
        if (end == tok || *end || minutes <= 0 || minutes > MINUTES_MAX) {
            cab_warn ("CABINET_REMINDER_MINUTES: '%s' is not a number of minutes: ignored", tok);
            continue;
        }
        out[n++] = minutes * 60;
    }
    for (int i = 1; i < n; i++)  //  insertion sort: a handful of values
        for (int j = i; j > 0 && out[j] < out[j - 1]; j--) {
            long t = out[j];
            out[j] = out[j - 1];
            out[j - 1] = t;
        }
    return n;
}

//  A reminder's lead in the largest whole unit: "1 ngày", "2 giờ", "30
//  phút"; in English ("1 day", "2 hours") when english.
static const char *
s_lead_text (cab_arena_t *arena, long seconds, bool english)
{
    long n = seconds / 60;
    const char *vi = "phút", *en = "minute";
    if (n % (24 * 60) == 0) {
        n /= 24 * 60;
        vi = "ngày";
        en = "day";
    } else if (n % 60 == 0) {
        n /= 60;
        vi = "giờ";
        en = "hour";
    }
    if (english)
        return cab_arena_printf (arena, "%ld %s%s", n, en, n == 1 ? "" : "s");
    return cab_arena_printf (arena, "%ld %s", n, vi);
}

//  Queue kind about meeting id to people (a PostgreSQL array text).
static cab_status_t
s_tell (PGconn *db, cab_arena_t *arena, const char *id, const char *kind, const char *cause,
        char **people, size_t n, const notify_var_t *extra, size_t n_extra)
{
    notify_meeting_t m;
    cab_status_t status = notify_meeting_load (db, arena, id, &m);
    if (status != CAB_OK)
        return status == CAB_NOT_FOUND ? CAB_OK : status;
    for (size_t i = 0; i < n_extra; i++)
        notify_meeting_var (&m, extra[i].name, extra[i].value);
    notify_item_t item = {.kind = kind,
                          .cause = cause,
                          .meeting_id = m.id,
                          .urgent = m.urgent,
                          .vars = m.vars,
                          .n_vars = m.n_vars,
                          .url = m.url};
    long queued = 0;
    status = notify_queue (db, &item, people, n, &queued);
    if (status == CAB_OK && queued > 0)
        cab_info ("notifications: %s for meeting %s: %ld notices", kind, id, queued);
    return status;
}

//  Run fn for each row of a query inside one transaction per row.
typedef cab_status_t (*s_row_fn) (PGconn *db, cab_arena_t *arena, const PGresult *res, int row,
                                  void *arg);

static int
s_each (PGconn *db, const char *sql, int nparams, const char *const *params, s_row_fn fn, void *arg)
{
    PGresult *res = PQexecParams (db, sql, nparams, NULL, params, NULL, NULL, 0);
    if (PQresultStatus (res) != PGRES_TUPLES_OK) {
        cab_error ("notifications: alerts: %s", PQresultErrorMessage (res));
        PQclear (res);
        return -1;
    }
    int rc = 0;
    for (int row = 0; row < PQntuples (res); row++) {
        cab_arena_t *arena = cab_arena_new ();
        cab_status_t status = arena ? cab_db_begin (db) : CAB_INTERNAL;
        if (status == CAB_OK)
            status = cab_db_end (db, fn (db, arena, res, row, arg));
        cab_arena_destroy (&arena);
        if (status != CAB_OK)
            rc = -1;
    }
    PQclear (res);
    return rc;
}

typedef struct {
    long offset;
} s_reminder_t;

static cab_status_t
s_reminder_row (PGconn *db, cab_arena_t *arena, const PGresult *res, int row, void *arg)
{
    const s_reminder_t *r = arg;
    const char *id = PQgetvalue (res, row, 0);
    size_t n = 0;
    char **people = cab_db_split (arena, PQgetvalue (res, row, 1), &n);
    const notify_var_t lead[] = {{"lead", s_lead_text (arena, r->offset, false)},
                                 {"lead.en", s_lead_text (arena, r->offset, true)}};
    const char *cause = cab_arena_printf (arena, "reminder:%s:%ld", id, r->offset / 60);
    return s_tell (db, arena, id, "reminder", cause, people, n, lead, 2);
}

int
notify_alerts_reminders (PGconn *db, void *arg)
{
    (void) arg;
    long offsets[REMINDERS_MAX];
    int n = s_offsets (offsets);
    char now[24], secs[24], smaller[24];
    s_epoch (now, notify_now ());
    int rc = 0;
    for (int i = 0; i < n; i++) {
        s_reminder_t r = {.offset = offsets[i]};
        snprintf (secs, sizeof secs, "%ld", offsets[i]);
        snprintf (smaller, sizeof smaller, "%ld", i > 0 ? offsets[i - 1] : 0L);
        const char *params[] = {now, secs, smaller};
        if (s_each (db, SQL_REMINDERS, 3, params, s_reminder_row, &r) != 0)
            rc = -1;
    }
    return rc;
}

/* ---- overdue ------------------------------------------------------------------------------ */

static cab_status_t
s_reply_row (PGconn *db, cab_arena_t *arena, const PGresult *res, int row, void *arg)
{
    (void) arg;
    const char *id = PQgetvalue (res, row, 0);
    size_t n = 0;
    char **people = cab_db_split (arena, PQgetvalue (res, row, 1), &n);
    const char *cause = cab_arena_printf (arena, "reply_overdue:%s", id);
    cab_status_t status = s_tell (db, arena, id, "reply_overdue", cause, people, n, NULL, 0);
    //  The organiser: one alert naming everyone who has not replied.
    notify_meeting_t m;
    if (status != CAB_OK || notify_meeting_load (db, arena, id, &m) != CAB_OK || !m.created_by)
        return status;
    char *late = cab_arena_strdup (arena, "");
    for (size_t i = 0; late && i < n; i++)
        late = cab_arena_printf (arena, "%s%s%s", late, *late ? "\n" : "",
                                 notify_person_name (db, arena, people[i]));
    const notify_var_t extra[] = {{"count", cab_arena_printf (arena, "%zu", n)}, {"late", late}};
    char *organiser = (char *) m.created_by;
    return s_tell (db, arena, id, "reply_overdue_organiser", cause, &organiser, 1, extra, 2);
}

static cab_status_t
s_documents_row (PGconn *db, cab_arena_t *arena, const PGresult *res, int row, void *arg)
{
    (void) arg;
    const char *id = PQgetvalue (res, row, 0);
    notify_meeting_t m;
    cab_status_t status = notify_meeting_load (db, arena, id, &m);
    if (status != CAB_OK)
        return status == CAB_NOT_FOUND ? CAB_OK : status;
    char *people[2];
    size_t n = 0;
    if (m.created_by && *m.created_by)
        people[n++] = (char *) m.created_by;
    if (m.chair_id && *m.chair_id)
        people[n++] = (char *) m.chair_id;
    const char *cause = cab_arena_printf (arena, "documents_overdue:%s", id);
    char due[32];
    notify_format_time (cab_db_long (res, row, 1), due, sizeof due);
    const notify_var_t extra[] = {{"documents_due", due}};
    return s_tell (db, arena, id, "documents_overdue", cause, people, n, extra, 1);
}

static void
s_leads (const char *const names[3], char out[3][24])
{
    for (int i = 0; i < 3; i++)
        snprintf (out[i], 24, "%ld", cab_config_long (names[i], 0, HOURS_MAX) * SECONDS_PER_HOUR);
}

int
notify_alerts_overdue (PGconn *db, void *arg)
{
    (void) arg;
    static const char *const reply[] = {"CABINET_REPLY_LEAD_HOURS_REGULAR",
                                        "CABINET_REPLY_LEAD_HOURS_URGENT",
                                        "CABINET_REPLY_LEAD_HOURS_EMERGENCY"};
    static const char *const documents[] = {"CABINET_DOCUMENTS_LEAD_HOURS_REGULAR",
                                            "CABINET_DOCUMENTS_LEAD_HOURS_URGENT",
                                            "CABINET_DOCUMENTS_LEAD_HOURS_EMERGENCY"};
    char now[24], leads[3][24];
    s_epoch (now, notify_now ());
    s_leads (reply, leads);
    const char *p1[] = {now, leads[0], leads[1], leads[2]};
    int rc = s_each (db, SQL_REPLIES_DUE, 4, p1, s_reply_row, NULL);
    s_leads (documents, leads);
    const char *p2[] = {now, leads[0], leads[1], leads[2]};
    if (s_each (db, SQL_DOCUMENTS_DUE, 4, p2, s_documents_row, NULL) != 0)
        rc = -1;
    return rc;
}

/* ---- digest ----------------------------------------------------------------------------- */

typedef struct {
    const char *date;  //  dd/mm/yyyy
    const char *day;   //  yyyy-mm-dd: the cause
} s_digest_t;

static cab_status_t
s_digest_row (PGconn *db, cab_arena_t *arena, const PGresult *res, int row, void *arg)
{
    const s_digest_t *d = arg;
    const notify_var_t vars[] = {{"unit", PQgetvalue (res, row, 1)},
                                 {"date", d->date},
                                 {"count", PQgetvalue (res, row, 2)},
                                 {"items", PQgetvalue (res, row, 3)},
                                 {"url", notify_url (arena, "date", d->day)}};
    notify_item_t item = {.kind = "digest",
                          .cause = cab_arena_printf (arena, "digest:%s", d->day),
                          .vars = vars,
                          .n_vars = sizeof vars / sizeof vars[0],
                          .url = vars[4].value};
    char *clerk = (char *) PQgetvalue (res, row, 0);
    return notify_queue (db, &item, &clerk, 1, NULL);
}

int
notify_alerts_digest (PGconn *db, void *arg)
{
    (void) arg;
    int64_t now = notify_now ();
    int64_t local = now + VN_OFFSET_S;
    int64_t day_start = local - local % SECONDS_PER_DAY - VN_OFFSET_S;
    long hour = cab_config_long ("CABINET_DIGEST_HOUR", 0, 23);
    if (now < day_start + hour * SECONDS_PER_HOUR)
        return 0;
    char date[32], day[16], from[24], to[24];
    time_t t = (time_t) local;
    struct tm tm;
    gmtime_r (&t, &tm);
    strftime (date, sizeof date, "%d/%m/%Y", &tm);
    strftime (day, sizeof day, "%Y-%m-%d", &tm);
    s_digest_t d = {.date = date, .day = day};
    const char *params[] = {s_epoch (from, day_start), s_epoch (to, day_start + SECONDS_PER_DAY),
                            day};
    return s_each (db, SQL_DIGEST, 3, params, s_digest_row, &d);
}
