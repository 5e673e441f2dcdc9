/*  h_inbox - the in-app inbox (GET /notifications, read marks) and, for
    system administrators, every notice with its delivery state.  */
#include "cab_db.h"
#include "cab_uuid.h"
#include "cabinet/v1/notifications.pb-c.h"
#include "handlers.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LIMIT_DEFAULT 50
#define LIMIT_MAX 200

#define NOTICE_COLUMNS                                                                             \
    "id, user_id, kind, channel, title, body, meeting_id, poll_id, state, attempts, last_error,"   \
    " f_ts (created_at), f_ts (sent_at), f_ts (read_at), urgent, address,"                         \
    " f_ts (next_attempt_at), url"
enum {
    N_ID,
    N_USER,
    N_KIND,
    N_CHANNEL,
    N_TITLE,
    N_BODY,
    N_MEETING,
    N_POLL,
    N_STATE,
    N_ATTEMPTS,
    N_ERROR,
    N_CREATED,
    N_SENT,
    N_READ,
    N_URGENT,
    N_ADDRESS,
    N_NEXT,
    N_URL
};

//  The inbox: ids are UUIDv7, so their order is the order of creation.
static const char SQL_INBOX[] =
    "SELECT " NOTICE_COLUMNS " FROM notices"
    " WHERE user_id = $1 AND channel = 'app' AND ($2::uuid IS NULL OR id < $2)"
    "   AND (NOT $3::boolean OR read_at IS NULL)"
    " ORDER BY id DESC LIMIT $4";

static const char SQL_UNREAD[] =
    "SELECT count (*) FROM notices WHERE user_id = $1 AND channel = 'app' AND read_at IS NULL";

static const char SQL_READ[] =
    "UPDATE notices SET read_at = coalesce (read_at, now ())"
    " WHERE id = $1 AND user_id = $2 AND channel = 'app' RETURNING " NOTICE_COLUMNS;

static const char SQL_READ_ALL[] = "UPDATE notices SET read_at = now ()"
                                   " WHERE user_id = $1 AND channel = 'app' AND read_at IS NULL";

static const char SQL_DELIVERIES[] =
    "SELECT " NOTICE_COLUMNS " FROM notices"
    " WHERE ($1::text IS NULL OR state = $1) AND ($2::text IS NULL OR channel = $2)"
    "   AND ($3::uuid IS NULL OR meeting_id = $3) AND ($4::uuid IS NULL OR user_id = $4)"
    "   AND ($5::text IS NULL OR kind = $5) AND ($6::uuid IS NULL OR id < $6)"
    " ORDER BY id DESC LIMIT $7";

static char *
s_opt (cab_call_t *call, const PGresult *res, int row, int col)
{
    return PQgetisnull (res, row, col) ? NULL : cab_db_text (call->arena, res, row, col);
}

static Cabinet__V1__Notice *
s_notice (cab_call_t *call, const PGresult *res, int row, bool admin)
{
    Cabinet__V1__Notice *n = cab_arena_alloc (call->arena, sizeof *n);
    if (!n)
        return NULL;
    cabinet__v1__notice__init (n);
    n->id = s_opt (call, res, row, N_ID);
    n->user_id = s_opt (call, res, row, N_USER);
    n->kind = s_opt (call, res, row, N_KIND);
    n->channel = s_opt (call, res, row, N_CHANNEL);
    n->title = s_opt (call, res, row, N_TITLE);
    n->body = s_opt (call, res, row, N_BODY);
    n->meeting_id = s_opt (call, res, row, N_MEETING);
    n->poll_id = s_opt (call, res, row, N_POLL);
    n->state = s_opt (call, res, row, N_STATE);
    n->created_at = s_opt (call, res, row, N_CREATED);
    n->sent_at = s_opt (call, res, row, N_SENT);
    n->read_at = s_opt (call, res, row, N_READ);
    n->url = s_opt (call, res, row, N_URL);
    n->has_urgent = true;
    n->urgent = cab_db_bool (res, row, N_URGENT);
    if (admin) {
        n->has_attempts = true;
        n->attempts = (int32_t) cab_db_long (res, row, N_ATTEMPTS);
        n->last_error = s_opt (call, res, row, N_ERROR);
        n->address = s_opt (call, res, row, N_ADDRESS);
        if (strcmp (n->state, "failed") == 0)
            n->next_attempt_at = s_opt (call, res, row, N_NEXT);
    }
    return n;
}

//  The rows of a notice query as a list (next: the last id when full).
static cab_status_t
s_list (cab_call_t *call, const char *sql, int nparams, const char *const *params, int limit,
        bool admin, Cabinet__V1__NoticeList *out)
{
    PGresult *res =
        PQexecParams (notify_call_worker (call)->db, sql, nparams, NULL, params, NULL, NULL, 0);
    if (PQresultStatus (res) != PGRES_TUPLES_OK) {
        PQclear (res);
        return cab_call_error (call, CAB_UNAVAILABLE, NULL, NULL);
    }
    int rows = PQntuples (res);
    out->items = cab_arena_alloc (call->arena, (size_t) (rows ? rows : 1) * sizeof *out->items);
    for (int i = 0; out->items && i < rows; i++)
        out->items[out->n_items++] = s_notice (call, res, i, admin);
    if (rows == limit && rows > 0)
        out->next = out->items[rows - 1]->id;
    PQclear (res);
    return CAB_OK;
}

static int
s_limit (bool has, int32_t limit)
{
    return !has || limit <= 0 ? LIMIT_DEFAULT : limit > LIMIT_MAX ? LIMIT_MAX : limit;
}

cab_status_t
notify_list (cab_call_t *call, const ProtobufCMessage *request)
{
    const Cabinet__V1__ListNoticesRequest *req = (const void *) request;
    const char *user = notify_call_user (call);
    if (!user)
        return cab_call_error (call, CAB_UNAUTHENTICATED, NULL, NULL);
    if (req->cursor && !cab_uuid_valid (req->cursor))
        return cab_call_error (call, CAB_INVALID_ARGUMENT, "cursor", "Con trỏ trang không hợp lệ");
    int limit = s_limit (req->has_limit, req->limit);
    char limit_text[16];
    snprintf (limit_text, sizeof limit_text, "%d", limit);
    const char *params[] = {user, req->cursor, cab_db_bool_text (req->has_unread && req->unread),
                            limit_text};
    Cabinet__V1__NoticeList *list = cab_arena_alloc (call->arena, sizeof *list);
    if (!list)
        return cab_call_error (call, CAB_INTERNAL, NULL, NULL);
    cabinet__v1__notice_list__init (list);
    cab_status_t status = s_list (call, SQL_INBOX, 4, params, limit, false, list);
    if (status != CAB_OK)
        return status;
    PGresult *res = NULL;
    if (cab_db_query_row (notify_call_worker (call)->db, SQL_UNREAD, 1, params, &res) == CAB_OK) {
        list->has_unread = true;
        list->unread = (int32_t) cab_db_long (res, 0, 0);
        PQclear (res);
    }
    return cab_call_reply (call, list);
}

cab_status_t
notify_mark_read (cab_call_t *call, const ProtobufCMessage *request)
{
    const Cabinet__V1__NoticeIdRequest *req = (const void *) request;
    const char *user = notify_call_user (call);
    if (!user)
        return cab_call_error (call, CAB_UNAUTHENTICATED, NULL, NULL);
    if (!req->id || !cab_uuid_valid (req->id))
        return cab_call_error (call, CAB_NOT_FOUND, "id", "Không tìm thấy thông báo");
    const char *params[] = {req->id, user};
    PGresult *res = NULL;
    cab_status_t status =
        cab_db_query_row (notify_call_worker (call)->db, SQL_READ, 2, params, &res);
    if (status == CAB_NOT_FOUND)
        return cab_call_error (call, CAB_NOT_FOUND, "id", "Không tìm thấy thông báo");
    if (status != CAB_OK)
        return cab_call_error (call, status, NULL, NULL);
    Cabinet__V1__Notice *n = s_notice (call, res, 0, false);
    PQclear (res);
    return n ? cab_call_reply (call, n) : cab_call_error (call, CAB_INTERNAL, NULL, NULL);
}

cab_status_t
notify_mark_all_read (cab_call_t *call, const ProtobufCMessage *request)
{
    (void) request;
    const char *user = notify_call_user (call);
    if (!user)
        return cab_call_error (call, CAB_UNAUTHENTICATED, NULL, NULL);
    const char *params[] = {user};
    cab_status_t status = cab_db_command (notify_call_worker (call)->db, SQL_READ_ALL, 1, params);
    if (status != CAB_OK)
        return cab_call_error (call, status, NULL, NULL);
    static Cabinet__V1__NoticeList empty = CABINET__V1__NOTICE_LIST__INIT;
    return cab_call_reply (call, &empty);
}

static bool
s_one_of (const char *s, const char *const *values)
{
    for (; *values; values++)
        if (strcmp (s, *values) == 0)
            return true;
    return false;
}

cab_status_t
notify_deliveries (cab_call_t *call, const ProtobufCMessage *request)
{
    const Cabinet__V1__ListDeliveriesRequest *req = (const void *) request;
    if (!notify_call_user (call))
        return cab_call_error (call, CAB_UNAUTHENTICATED, NULL, NULL);
    if (!cab_caller_has_role (call->caller, "system_admin"))
        return cab_call_error (call, CAB_PERMISSION_DENIED, NULL,
                               "Chỉ quản trị hệ thống xem được tình trạng gửi thông báo");
    static const char *const states[] = {"queued", "sending", "sent", "failed", "given_up", NULL};
    static const char *const channels[] = {"app", "email", "sms", NULL};
    if (req->state && !s_one_of (req->state, states))
        return cab_call_error (call, CAB_INVALID_ARGUMENT, "state",
                               "Trạng thái phải là queued, sending, sent, failed hoặc given_up");
    if (req->channel && !s_one_of (req->channel, channels))
        return cab_call_error (call, CAB_INVALID_ARGUMENT, "channel",
                               "Kênh phải là app, email hoặc sms");
    if (req->meeting_id && !cab_uuid_valid (req->meeting_id))
        return cab_call_error (call, CAB_INVALID_ARGUMENT, "meeting_id",
                               "Mã cuộc họp không hợp lệ");
    if (req->user_id && !cab_uuid_valid (req->user_id))
        return cab_call_error (call, CAB_INVALID_ARGUMENT, "user_id", "Mã người dùng không hợp lệ");
    if (req->cursor && !cab_uuid_valid (req->cursor))
        return cab_call_error (call, CAB_INVALID_ARGUMENT, "cursor", "Con trỏ trang không hợp lệ");
    int limit = s_limit (req->has_limit, req->limit);
    char limit_text[16];
    snprintf (limit_text, sizeof limit_text, "%d", limit);
    const char *params[] = {req->state, req->channel, req->meeting_id, req->user_id,
                            req->kind,  req->cursor,  limit_text};
    Cabinet__V1__NoticeList *list = cab_arena_alloc (call->arena, sizeof *list);
    if (!list)
        return cab_call_error (call, CAB_INTERNAL, NULL, NULL);
    cabinet__v1__notice_list__init (list);
    cab_status_t status = s_list (call, SQL_DELIVERIES, 7, params, limit, true, list);
    return status == CAB_OK ? cab_call_reply (call, list) : status;
}
