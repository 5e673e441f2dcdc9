/*  meeting - a projected meeting as notices describe it.  */
#include "meeting.h"
#include "cab_config.h"
#include "cab_db.h"
#include "cab_time.h"
#include "cab_uuid.h"
#include "kinds.h"
#include <string.h>

#define SECONDS_PER_HOUR 3600
#define HOURS_MAX (24 * 60)

static const char SQL_MEETING[] =
    "SELECT m.id, m.status, m.type, m.created_by, m.chair_id, m.published, m.has_documents,"
    "       extract (epoch FROM m.start_at)::bigint, extract (epoch FROM m.end_at)::bigint,"
    "       m.title, coalesce (m.room_name, ''), coalesce (m.host_unit_name, ''),"
    "       coalesce (chair.full_name, ''), coalesce (m.form, ''), m.ical_sequence"
    "  FROM meetings m LEFT JOIN users chair ON chair.id = m.chair_id"
    " WHERE m.id = $1";
enum {
    M_ID,
    M_STATUS,
    M_TYPE,
    M_CREATED_BY,
    M_CHAIR_ID,
    M_PUBLISHED,
    M_HAS_DOCUMENTS,
    M_START,
    M_END,
    M_TITLE,
    M_ROOM,
    M_HOST,
    M_CHAIR,
    M_FORM,
    M_SEQUENCE
};

static const char SQL_INVITEES[] =
    "SELECT user_id FROM invitees WHERE meeting_id = $1 AND response NOT IN ('decline', 'delegate')"
    " ORDER BY user_id";

static const char SQL_NAME[] = "SELECT full_name FROM users WHERE id = $1";

static const char *
s_form_label (const char *form)
{
    if (strcmp (form, "online") == 0)
        return "Trực tuyến";
    if (strcmp (form, "hybrid") == 0)
        return "Trực tiếp kết hợp trực tuyến";
    return "Trực tiếp";
}

static const char *
s_type_label (const char *type)
{
    if (strcmp (type, "urgent") == 0)
        return "Họp đột xuất, khẩn";
    if (strcmp (type, "emergency") == 0)
        return "Họp khẩn cấp";
    return "Họp thường kỳ";
}

//  When replies are due: the type's reply lead time before the start (the
//  same settings scheduling judges replies by).
static int64_t
s_reply_due (const char *type, int64_t start)
{
    const char *name = strcmp (type, "urgent") == 0      ? "CABINET_REPLY_LEAD_HOURS_URGENT"
                       : strcmp (type, "emergency") == 0 ? "CABINET_REPLY_LEAD_HOURS_EMERGENCY"
                                                         : "CABINET_REPLY_LEAD_HOURS_REGULAR";
    return start - (int64_t) cab_config_long (name, 0, HOURS_MAX) * SECONDS_PER_HOUR;
}

void
notify_meeting_var (notify_meeting_t *m, const char *name, const char *value)
{
    if (m->n_vars < NOTIFY_MEETING_VARS)
        m->vars[m->n_vars++] = (notify_var_t){name, value};
}

static const char *
s_time (cab_arena_t *arena, int64_t epoch)
{
    char text[32];
    return cab_arena_strdup (arena, notify_format_time (epoch, text, sizeof text));
}

const char *
notify_public_url (cab_arena_t *arena, const char *path)
{
    const char *base = cab_config_str ("CABINET_PUBLIC_URL");
    size_t n = strlen (base);
    return cab_arena_printf (arena, "%.*s%s", (int) (n && base[n - 1] == '/' ? n - 1 : n), base,
                             path);
}

const char *
notify_url (cab_arena_t *arena, const char *what, const char *id)
{
    return notify_public_url (arena, cab_arena_printf (arena, "/?%s=%s", what, id));
}

cab_status_t
notify_meeting_load (PGconn *db, cab_arena_t *arena, const char *id, notify_meeting_t *m)
{
    memset (m, 0, sizeof *m);
    if (!id || !cab_uuid_valid (id))
        return CAB_NOT_FOUND;
    const char *params[] = {id};
    PGresult *res = NULL;
    cab_status_t status = cab_db_query_row (db, SQL_MEETING, 1, params, &res);
    if (status != CAB_OK)
        return status;
    m->id = cab_db_text (arena, res, 0, M_ID);
    m->status = cab_db_text (arena, res, 0, M_STATUS);
    m->type = cab_db_text (arena, res, 0, M_TYPE);
    m->created_by = cab_db_text (arena, res, 0, M_CREATED_BY);
    m->chair_id = cab_db_text (arena, res, 0, M_CHAIR_ID);
    m->published = cab_db_bool (res, 0, M_PUBLISHED);
    m->has_documents = cab_db_bool (res, 0, M_HAS_DOCUMENTS);
    m->urgent = strcmp (m->type, "regular") != 0;
    m->start = cab_db_long (res, 0, M_START);
    m->end = cab_db_long (res, 0, M_END);
    const char *title = cab_db_text (arena, res, 0, M_TITLE);
    const char *room = cab_db_text (arena, res, 0, M_ROOM);
    m->url = notify_url (arena, "meeting", m->id);
    notify_meeting_var (m, "title", title);
    notify_meeting_var (m, "start", s_time (arena, m->start));
    notify_meeting_var (m, "end", s_time (arena, m->end));
    notify_meeting_var (m, "room", *room ? room : "(chưa xếp phòng)");
    notify_meeting_var (m, "host", cab_db_text (arena, res, 0, M_HOST));
    notify_meeting_var (m, "chair", cab_db_text (arena, res, 0, M_CHAIR));
    notify_meeting_var (m, "form", s_form_label (PQgetvalue (res, 0, M_FORM)));
    notify_meeting_var (m, "type_label", s_type_label (m->type));
    notify_meeting_var (m, "reply_due", s_time (arena, s_reply_due (m->type, m->start)));
    notify_meeting_var (m, "url", m->url);
    m->calendar = (notify_calendar_t){.id = m->id,
                                      .title = title,
                                      .room = room,
                                      .start = m->start,
                                      .end = m->end,
                                      .sequence = (int) cab_db_long (res, 0, M_SEQUENCE),
                                      .cancelled = strcmp (m->status, "cancelled") == 0,
                                      .organizer_id = m->created_by};
    PQclear (res);
    return CAB_OK;
}

cab_status_t
notify_meeting_invitees (PGconn *db, cab_arena_t *arena, const char *id, char ***ids, size_t *n)
{
    return cab_db_column (db, arena, SQL_INVITEES, id, ids, n);
}

const char *
notify_person_name (PGconn *db, cab_arena_t *arena, const char *user_id)
{
    if (!user_id || !cab_uuid_valid (user_id))
        return "";
    const char *params[] = {user_id};
    PGresult *res = NULL;
    const char *name = "";
    if (cab_db_query_row (db, SQL_NAME, 1, params, &res) == CAB_OK) {
        name = cab_db_text (arena, res, 0, 0);
        PQclear (res);
    }
    return name;
}
