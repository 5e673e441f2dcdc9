/*  h_settings - each person's choices: the language of their notices and
    the channels of each kind (GET, PUT /api/v1/me/notification-settings).
    The in-app notice is always kept (it is the inbox); an urgent meeting
    uses every channel whatever was chosen.  */
#include "cab_db.h"
#include "cabinet/v1/notifications.pb-c.h"
#include "handlers.h"
#include "kinds.h"
#include <string.h>

static const char SQL_LANGUAGE[] =
    "SELECT coalesce ((SELECT language FROM preferences WHERE user_id = $1), 'vi'),"
    "       (SELECT email FROM contacts WHERE user_id = $1)";

static const char SQL_CHOICES[] = "SELECT kind, channels FROM channel_choices WHERE user_id = $1";

static const char SQL_PUT_LANGUAGE[] =
    "INSERT INTO preferences (user_id, language) VALUES ($1, $2)"
    " ON CONFLICT (user_id) DO UPDATE SET language = excluded.language, updated_at = now ()";

static const char SQL_PUT_CHOICE[] =
    "INSERT INTO channel_choices (user_id, kind, channels) VALUES ($1, $2, $3)"
    " ON CONFLICT (user_id, kind) DO UPDATE SET channels = excluded.channels";

static char **
s_names (cab_call_t *call, unsigned set, size_t *n)
{
    char **names = cab_arena_alloc (call->arena, 3 * sizeof *names);
    *n = 0;
    const unsigned order[] = {NOTIFY_APP, NOTIFY_EMAIL, NOTIFY_SMS};
    for (size_t i = 0; names && i < 3; i++)
        if (set & order[i])
            names[(*n)++] = (char *) notify_channel_name (order[i]);
    return names;
}

//  The caller's settings, every kind listed.
static cab_status_t
s_reply (cab_call_t *call, const char *user)
{
    PGconn *db = notify_call_worker (call)->db;
    const char *params[] = {user};
    PGresult *lang = NULL;
    if (cab_db_query_row (db, SQL_LANGUAGE, 1, params, &lang) != CAB_OK)
        return cab_call_error (call, CAB_UNAVAILABLE, NULL, NULL);
    PGresult *choices = PQexecParams (db, SQL_CHOICES, 1, NULL, params, NULL, NULL, 0);
    if (PQresultStatus (choices) != PGRES_TUPLES_OK) {
        PQclear (lang);
        PQclear (choices);
        return cab_call_error (call, CAB_UNAVAILABLE, NULL, NULL);
    }
    Cabinet__V1__NotificationSettings *out = cab_arena_alloc (call->arena, sizeof *out);
    size_t kinds = notify_kind_count ();
    Cabinet__V1__ChannelChoice *rows = cab_arena_alloc (call->arena, kinds * sizeof *rows);
    Cabinet__V1__ChannelChoice **list = cab_arena_alloc (call->arena, kinds * sizeof *list);
    if (!out || !rows || !list) {
        PQclear (lang);
        PQclear (choices);
        return cab_call_error (call, CAB_INTERNAL, NULL, NULL);
    }
    cabinet__v1__notification_settings__init (out);
    out->language = cab_db_text (call->arena, lang, 0, 0);
    out->email = PQgetisnull (lang, 0, 1) ? NULL : cab_db_text (call->arena, lang, 0, 1);
    for (size_t k = 0; k < kinds; k++) {
        const char *kind = notify_kind_name (k);
        unsigned set = notify_kind_default (kind);
        for (int r = 0; r < PQntuples (choices); r++)
            if (strcmp (PQgetvalue (choices, r, 0), kind) == 0)
                set = notify_channels_parse (PQgetvalue (choices, r, 1)) | NOTIFY_APP;
        cabinet__v1__channel_choice__init (&rows[k]);
        rows[k].kind = (char *) kind;
        rows[k].channels = s_names (call, set, &rows[k].n_channels);
        list[k] = &rows[k];
    }
    out->kinds = list;
    out->n_kinds = kinds;
    PQclear (lang);
    PQclear (choices);
    return cab_call_reply (call, out);
}

cab_status_t
notify_get_settings (cab_call_t *call, const ProtobufCMessage *request)
{
    (void) request;
    const char *user = notify_call_user (call);
    return user ? s_reply (call, user) : cab_call_error (call, CAB_UNAUTHENTICATED, NULL, NULL);
}

//  Check a request: known language, known kinds, known channel names.
static cab_status_t
s_check (cab_call_t *call, const Cabinet__V1__NotificationSettings *req)
{
    if (req->language && strcmp (req->language, "vi") != 0 && strcmp (req->language, "en") != 0)
        return cab_call_error (call, CAB_INVALID_ARGUMENT, "language",
                               "Ngôn ngữ phải là vi (tiếng Việt) hoặc en (tiếng Anh)");
    for (size_t i = 0; i < req->n_kinds; i++) {
        const Cabinet__V1__ChannelChoice *c = req->kinds[i];
        if (!c->kind || !notify_kind_known (c->kind))
            return cab_call_error (call, CAB_INVALID_ARGUMENT, "kinds",
                                   "Loại thông báo không có trong danh sách");
        for (size_t j = 0; j < c->n_channels; j++)
            if (notify_channels_parse (c->channels[j]) == 0 || strchr (c->channels[j], ','))
                return cab_call_error (call, CAB_INVALID_ARGUMENT, "channels",
                                       "Kênh phải là app, email hoặc sms");
    }
    return CAB_OK;
}

cab_status_t
notify_update_settings (cab_call_t *call, const ProtobufCMessage *request)
{
    const Cabinet__V1__NotificationSettings *req = (const void *) request;
    const char *user = notify_call_user (call);
    if (!user)
        return cab_call_error (call, CAB_UNAUTHENTICATED, NULL, NULL);
    if (s_check (call, req) != CAB_OK)
        return call->status;
    PGconn *db = notify_call_worker (call)->db;
    cab_status_t status = cab_db_begin (db);
    if (status == CAB_OK && req->language) {
        const char *params[] = {user, req->language};
        status = cab_db_command (db, SQL_PUT_LANGUAGE, 2, params);
    }
    for (size_t i = 0; status == CAB_OK && i < req->n_kinds; i++) {
        unsigned set = NOTIFY_APP;
        for (size_t j = 0; j < req->kinds[i]->n_channels; j++)
            set |= notify_channels_parse (req->kinds[i]->channels[j]);
        size_t n = 0;
        char **names = s_names (call, set, &n);
        const char *params[] = {user, req->kinds[i]->kind, cab_db_array (call->arena, names, n)};
        status = cab_db_command (db, SQL_PUT_CHOICE, 3, params);
    }
    status = cab_db_end (db, status);
    if (status != CAB_OK)
        return cab_call_error (call, status, NULL, NULL);
    return s_reply (call, user);
}
