/*  poll_store - opinion polls in PostgreSQL (see poll_store.h): every SQL
    statement of the polls is here, as a named constant, always
    parameterised; each change runs in one transaction with its outbox
    event.  */
#include "poll_store.h"
#include "cab_actor.h"
#include "cab_db.h"
#include "cab_log.h"
#include "cab_outbox.h"
#include "cab_uuid.h"
#include "store.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct _poll_store_t {
    PGconn *db;  //  borrowed
};

#define SWEEP_BATCH 100  //  polls closed or reminded per sweep

static const char s_not_found[] = "Không tìm thấy phiếu lấy ý kiến";

/* ---- SQL ------------------------------------------------------------------------------------ */

//  The state every reader sees: an open poll past its deadline is closed.
#define EFFECTIVE_STATUS                                                                           \
    "CASE WHEN p.status = 'open' AND p.deadline <= now () THEN 'closed' ELSE p.status END"

//  $2: the person asking (may be NULL).
#define POLL_COLUMNS                                                                               \
    "p.id, p.title, p.description, p.status, f_ts (p.deadline),"                                   \
    " extract (epoch FROM p.deadline)::bigint, p.signature_required, p.created_by,"                \
    " p.creator_unit_id, f_ts (p.created_at), f_ts (p.sent_at), f_ts (p.closed_at),"               \
    " p.close_reason, f_ts (p.archived_at),"                                                       \
    " (SELECT count (*) FROM poll_respondents r WHERE r.poll_id = p.id),"                          \
    " (SELECT count (*) FROM poll_answers a WHERE a.poll_id = p.id),"                              \
    " EXISTS (SELECT 1 FROM poll_respondents r WHERE r.poll_id = p.id AND r.user_id = $2::uuid),"  \
    " EXISTS (SELECT 1 FROM poll_answers a WHERE a.poll_id = p.id"                                 \
    "         AND a.respondent_id = $2::uuid),"                                                    \
    " extract (epoch FROM now ())::bigint"
enum {
    PC_ID,
    PC_TITLE,
    PC_DESCRIPTION,
    PC_STATUS,
    PC_DEADLINE,
    PC_DEADLINE_S,
    PC_SIGNATURE,
    PC_CREATED_BY,
    PC_CREATOR_UNIT,
    PC_CREATED_AT,
    PC_SENT_AT,
    PC_CLOSED_AT,
    PC_CLOSE_REASON,
    PC_ARCHIVED_AT,
    PC_RESPONDENTS,
    PC_ANSWERED,
    PC_CALLER_RESPONDENT,
    PC_CALLER_ANSWERED,
    PC_NOW,
};

static const char SQL_POLL[] = "SELECT " POLL_COLUMNS " FROM polls p WHERE p.id = $1";

//  $1 limit + 1, $2 the person, $3 role, $4 status, $5 cursor.
static const char SQL_POLLS[] =
    "SELECT " POLL_COLUMNS " FROM polls p"
    " WHERE ((coalesce ($3, '') IN ('', 'created') AND p.created_by = $2::uuid)"
    "     OR (coalesce ($3, '') IN ('', 'addressed') AND p.status <> 'draft'"
    "         AND EXISTS (SELECT 1 FROM poll_respondents r WHERE r.poll_id = p.id"
    "                     AND r.user_id = $2::uuid)))"
    " AND ($4::text IS NOT NULL OR p.status <> 'archived')"
    " AND ($4::text IS NULL OR " EFFECTIVE_STATUS " = $4)"
    " AND ($5::uuid IS NULL OR p.id < $5::uuid)"
    " ORDER BY p.id DESC LIMIT $1::int";

static const char SQL_QUESTIONS[] =
    "SELECT id, kind, text, array_to_json (options), multiple, required, max_length"
    " FROM poll_questions WHERE poll_id = $1 ORDER BY position";

static const char SQL_DOCUMENTS[] =
    "SELECT document_id, title FROM poll_documents WHERE poll_id = $1 ORDER BY position";

static const char SQL_TARGETS[] =
    "SELECT t.kind, t.target_id, coalesce (u.full_name, n.name) FROM poll_targets t"
    " LEFT JOIN users u ON t.kind = 'user' AND u.id = t.target_id"
    " LEFT JOIN units n ON t.kind = 'unit' AND n.id = t.target_id"
    " WHERE t.poll_id = $1 ORDER BY t.position";

//  Per target, in order: known (an active person; an agency), and someone
//  to ask (the person; an active person of the agency).
static const char SQL_TARGETS_CHECK[] =
    "SELECT t.o, CASE WHEN t.k = 'user' THEN EXISTS (SELECT 1 FROM users u WHERE u.id = t.i"
    "                                                AND u.active)"
    "                 ELSE EXISTS (SELECT 1 FROM units n WHERE n.id = t.i) END,"
    "  CASE WHEN t.k = 'user' THEN true"
    "       ELSE EXISTS (SELECT 1 FROM users u WHERE u.unit_id = t.i AND u.active) END"
    " FROM unnest ($1::text[], $2::uuid[]) WITH ORDINALITY AS t (k, i, o) ORDER BY t.o";

static const char SQL_POLL_INSERT[] =
    "INSERT INTO polls (id, title, description, deadline, signature_required, created_by,"
    "  creator_unit_id)"
    " VALUES ($1, $2, $3, $4::timestamptz, $5::bool, $6, $7)";

static const char SQL_QUESTION_INSERT[] =
    "INSERT INTO poll_questions (id, poll_id, position, kind, text, options, multiple, required,"
    "  max_length)"
    " VALUES ($1, $2, $3::int, $4, $5, $6::text[], $7::bool, $8::bool, $9::int)";

static const char SQL_DOCUMENT_INSERT[] =
    "INSERT INTO poll_documents (poll_id, document_id, position, title)"
    " VALUES ($1, $2, $3::int, $4)";

static const char SQL_POLL_REWRITE[] =
    "UPDATE polls SET title = $2, description = $3, deadline = $4::timestamptz,"
    "  signature_required = $5::bool"
    " WHERE id = $1";

//  A draft's parts before they are written again, and a draft deleted
//  (its parts go with it: ON DELETE CASCADE).
static const char SQL_PARTS_DELETE[] = "WITH q AS (DELETE FROM poll_questions WHERE poll_id = $1),"
                                       "     d AS (DELETE FROM poll_documents WHERE poll_id = $1)"
                                       " DELETE FROM poll_targets WHERE poll_id = $1";
static const char SQL_POLL_DELETE[] = "DELETE FROM polls WHERE id = $1 AND status = 'draft'";

static const char SQL_TARGET_INSERT[] =
    "INSERT INTO poll_targets (poll_id, position, kind, target_id) VALUES ($1, $2::int, $3, $4)";

//  The poll's row: FOR UPDATE by whoever changes its state, FOR SHARE by
//  an answer, so a close waits for the answers under way and an answer
//  after it sees the poll closed.
#define POLL_STATE                                                                                 \
    "SELECT p.status, extract (epoch FROM p.deadline)::bigint, extract (epoch FROM now "           \
    "())::bigint"                                                                                  \
    " FROM polls p WHERE p.id = $1"
static const char SQL_POLL_LOCK[] = POLL_STATE " FOR UPDATE";
static const char SQL_POLL_SHARE[] = POLL_STATE " FOR SHARE";

static const char SQL_POLL_TARGET_LIST[] =
    "SELECT kind, target_id FROM poll_targets WHERE poll_id = $1 ORDER BY position";

//  The persons named first, so a person named and also in an agency named
//  counts as named.
static const char SQL_RESPONDENTS_PERSONS[] =
    "INSERT INTO poll_respondents (poll_id, user_id, via_unit_id)"
    " SELECT t.poll_id, u.id, NULL FROM poll_targets t JOIN users u ON u.id = t.target_id"
    " WHERE t.poll_id = $1 AND t.kind = 'user' AND u.active ON CONFLICT DO NOTHING";

static const char SQL_RESPONDENTS_UNITS[] =
    "INSERT INTO poll_respondents (poll_id, user_id, via_unit_id)"
    " SELECT t.poll_id, u.id, t.target_id FROM poll_targets t JOIN users u ON u.unit_id = "
    "t.target_id"
    " WHERE t.poll_id = $1 AND t.kind = 'unit' AND u.active ORDER BY t.position, u.id"
    " ON CONFLICT DO NOTHING";

static const char SQL_POLL_SENT[] =
    "UPDATE polls SET status = 'open', sent_at = now () WHERE id = $1 AND status = 'draft'";

//  Closed at the deadline by the job (the deadline is when it closed), or
//  now by its creator.
static const char SQL_POLL_CLOSED[] =
    "UPDATE polls SET status = 'closed', close_reason = $2,"
    "  closed_at = CASE WHEN $2 = 'deadline' THEN deadline ELSE now () END,"
    "  closed_by = $3 WHERE id = $1 AND status = 'open'";

static const char SQL_POLL_ARCHIVED[] = "UPDATE polls SET status = 'archived', archived_at = now "
                                        "() WHERE id = $1 AND status = 'closed'";

static const char SQL_RESPONDENT_IDS[] =
    "SELECT user_id FROM poll_respondents WHERE poll_id = $1 ORDER BY user_id";

static const char SQL_PENDING_IDS[] =
    "SELECT r.user_id FROM poll_respondents r WHERE r.poll_id = $1 AND NOT EXISTS"
    " (SELECT 1 FROM poll_answers a WHERE a.poll_id = r.poll_id AND a.respondent_id = r.user_id)"
    " ORDER BY r.user_id";

static const char SQL_IS_RESPONDENT[] =
    "SELECT 1 FROM poll_respondents WHERE poll_id = $1 AND user_id = $2";

static const char SQL_LAST_SIGNED[] =
    "SELECT extract (epoch FROM signed_at)::bigint FROM poll_answers"
    " WHERE poll_id = $1 AND respondent_id = $2 FOR UPDATE";

//  One answer per respondent: a second replaces the first (also when both
//  arrive at once: the key serialises them). Returns the revision and
//  whether a row was replaced (xmax is set on a row an upsert updated).
static const char SQL_ANSWER_UPSERT[] =
    "INSERT INTO poll_answers (poll_id, respondent_id, signature, signed_at_text, signed_at,"
    "  key_id, canonical)"
    " VALUES ($1, $2, $3, $4, to_timestamp ($5::bigint), $6, $7)"
    " ON CONFLICT (poll_id, respondent_id) DO UPDATE SET revision = poll_answers.revision + 1,"
    "   signature = EXCLUDED.signature, signed_at_text = EXCLUDED.signed_at_text,"
    "   signed_at = EXCLUDED.signed_at, key_id = EXCLUDED.key_id,"
    "   canonical = EXCLUDED.canonical, updated_at = now ()"
    " RETURNING revision, xmax::text <> '0', f_ts (answered_at), f_ts (updated_at)";

static const char SQL_ITEMS_DELETE[] =
    "DELETE FROM poll_answer_items WHERE poll_id = $1 AND respondent_id = $2";

static const char SQL_COMMENTS_DELETE[] =
    "DELETE FROM poll_comments WHERE poll_id = $1 AND respondent_id = $2";

static const char SQL_ITEMS_INSERT[] =
    "INSERT INTO poll_answer_items (poll_id, respondent_id, question_id, choices, text)"
    " SELECT $1, $2, q, nullif (c, '')::int[], nullif (t, '')"
    " FROM unnest ($3::uuid[], $4::text[], $5::text[]) AS x (q, c, t)";

static const char SQL_COMMENTS_INSERT[] =
    "INSERT INTO poll_comments (poll_id, respondent_id, position, document_id, page, quote, text,"
    "  suggestion)"
    " SELECT $1, $2, o - 1, d, nullif (pg, 0), nullif (q, ''), t, nullif (s, '')"
    " FROM unnest ($3::uuid[], $4::int[], $5::text[], $6::text[], $7::text[])"
    "      WITH ORDINALITY AS x (d, pg, q, t, s, o)";

static const char SQL_ANSWER_COUNTS[] =
    "SELECT (SELECT count (*) FROM poll_answers WHERE poll_id = $1),"
    " (SELECT count (*) FROM poll_respondents WHERE poll_id = $1)";

//  $2: one respondent or NULL; $3: after this respondent; $4: limit + 1.
static const char SQL_ANSWERS[] =
    "SELECT a.respondent_id, u.full_name, r.via_unit_id, a.revision, a.signature,"
    " a.signed_at_text, a.canonical, f_ts (a.answered_at), f_ts (a.updated_at)"
    " FROM poll_answers a JOIN poll_respondents r ON r.poll_id = a.poll_id"
    "   AND r.user_id = a.respondent_id LEFT JOIN users u ON u.id = a.respondent_id"
    " WHERE a.poll_id = $1 AND ($2::uuid IS NULL OR a.respondent_id = $2::uuid)"
    " AND ($3::uuid IS NULL OR a.respondent_id > $3::uuid)"
    " ORDER BY a.respondent_id LIMIT $4::int";

static const char SQL_ANSWER_ITEMS[] =
    "SELECT i.respondent_id, i.question_id, array_to_string (i.choices, ','), i.text"
    " FROM poll_answer_items i JOIN poll_questions q ON q.id = i.question_id"
    " WHERE i.poll_id = $1 AND i.respondent_id = ANY ($2::uuid[])"
    " ORDER BY i.respondent_id, q.position";

static const char SQL_ANSWER_COMMENTS[] =
    "SELECT respondent_id, document_id, page, quote, text, suggestion FROM poll_comments"
    " WHERE poll_id = $1 AND respondent_id = ANY ($2::uuid[]) ORDER BY respondent_id, position";

static const char SQL_RESULT_COUNTS[] =
    "SELECT i.question_id, c.idx, count (*) FROM poll_answer_items i,"
    " unnest (i.choices) AS c (idx) WHERE i.poll_id = $1 GROUP BY i.question_id, c.idx";

static const char SQL_RESULT_ANSWERED[] =
    "SELECT question_id, count (*) FROM poll_answer_items WHERE poll_id = $1 GROUP BY question_id";

static const char SQL_RESULT_TEXTS[] =
    "SELECT i.question_id, i.respondent_id, i.text FROM poll_answer_items i"
    " WHERE i.poll_id = $1 AND i.text IS NOT NULL ORDER BY i.question_id, i.respondent_id";

static const char SQL_RESULT_COMMENTS[] = "SELECT count (*) FROM poll_comments WHERE poll_id = $1";

static const char SQL_PENDING[] =
    "SELECT r.user_id, u.full_name, u.unit_id, r.via_unit_id FROM poll_respondents r"
    " LEFT JOIN users u ON u.id = r.user_id WHERE r.poll_id = $1 AND NOT EXISTS"
    " (SELECT 1 FROM poll_answers a WHERE a.poll_id = r.poll_id AND a.respondent_id = r.user_id)"
    " ORDER BY u.full_name, r.user_id";

static const char SQL_DUE[] =
    "SELECT id FROM polls WHERE status = 'open' AND deadline <= now () ORDER BY deadline"
    " LIMIT $1::int";

static const char SQL_REMIND[] =
    "SELECT id FROM polls WHERE status = 'open' AND reminded_at IS NULL AND deadline > now ()"
    " AND deadline <= now () + make_interval (secs => $1::int) ORDER BY deadline LIMIT $2::int";

static const char SQL_REMINDED[] =
    "UPDATE polls SET reminded_at = now () WHERE id = $1 AND status = 'open'"
    " AND reminded_at IS NULL AND deadline > now () RETURNING 1";

/* ---- construction ------------------------------------------------------------------------ */

poll_store_t *
poll_store_new (PGconn *db)
{
    if (!db)
        return NULL;
    poll_store_t *self = calloc (1, sizeof *self);
    if (self)
        self->db = db;
    return self;
}

void
poll_store_destroy (poll_store_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    free (*self_p);
    *self_p = NULL;
}

/* ---- small pieces ------------------------------------------------------------------------ */

static cab_status_t
s_fault (vote_fault_t *fault, cab_status_t status, const char *field, const char *message)
{
    vote_fault_set (fault, status, field, "%s", message);
    return status;
}

static char *
s_int (cab_arena_t *arena, long long n)
{
    return cab_arena_printf (arena, "%lld", n);
}

/* ---- reading ------------------------------------------------------------------------------ */

static poll_info_t *
s_poll_read (cab_arena_t *arena, const PGresult *res, int row, const char *user_id)
{
    poll_info_t *info = cab_arena_alloc (arena, sizeof *info);
    Cabinet__V1__Poll *p = cab_arena_alloc (arena, sizeof *p);
    cabinet__v1__poll__init (p);
    p->id = cab_db_text (arena, res, row, PC_ID);
    p->title = cab_db_text (arena, res, row, PC_TITLE);
    p->description = cab_db_text (arena, res, row, PC_DESCRIPTION);
    p->deadline = cab_db_text (arena, res, row, PC_DEADLINE);
    p->has_signature_required = true;
    p->signature_required = cab_db_bool (res, row, PC_SIGNATURE);
    p->created_by = cab_db_text (arena, res, row, PC_CREATED_BY);
    p->creator_unit_id = cab_db_text (arena, res, row, PC_CREATOR_UNIT);
    p->created_at = cab_db_text (arena, res, row, PC_CREATED_AT);
    p->sent_at = cab_db_text (arena, res, row, PC_SENT_AT);
    p->closed_at = cab_db_text (arena, res, row, PC_CLOSED_AT);
    p->close_reason = cab_db_text (arena, res, row, PC_CLOSE_REASON);
    p->archived_at = cab_db_text (arena, res, row, PC_ARCHIVED_AT);
    p->has_respondents = p->has_answered = p->has_overdue = true;
    p->respondents = (int32_t) cab_db_long (res, row, PC_RESPONDENTS);
    p->answered = (int32_t) cab_db_long (res, row, PC_ANSWERED);
    info->deadline = cab_db_long (res, row, PC_DEADLINE_S);
    info->now = cab_db_long (res, row, PC_NOW);
    if (!poll_state_parse (cab_db_value (res, row, PC_STATUS), &info->stored))
        info->stored = POLL_DRAFT;
    info->state = poll_effective_state (info->stored, info->deadline, info->now);
    p->status = (char *) poll_state_name (info->state);
    //  The deadline passed with answers missing (a draft has no one to be late).
    p->overdue =
        info->stored != POLL_DRAFT && info->deadline <= info->now && p->answered < p->respondents;
    //  Before the job writes it, a poll past its deadline reads as closed then.
    if (info->state == POLL_CLOSED && info->stored == POLL_OPEN) {
        p->closed_at = p->deadline;
        p->close_reason = "deadline";
    }
    info->respondent = user_id && cab_db_bool (res, row, PC_CALLER_RESPONDENT);
    if (user_id) {
        p->has_caller_manages = p->has_caller_respondent = p->has_caller_answered = true;
        p->caller_manages = cab_same_id (user_id, p->created_by);
        p->caller_respondent = info->respondent;
        p->caller_answered = cab_db_bool (res, row, PC_CALLER_ANSWERED);
    }
    info->poll = p;
    return info;
}

//  Questions, documents and targets of info's poll.
static cab_status_t
s_poll_parts (PGconn *db, cab_arena_t *arena, poll_info_t *info)
{
    Cabinet__V1__Poll *p = info->poll;
    const char *params[] = {p->id};
    PGresult *res = NULL;
    cab_status_t status = cab_db_exec (db, SQL_QUESTIONS, 1, params, &res);
    if (status != CAB_OK)
        return status;
    int rows = PQntuples (res);
    size_t room = (size_t) (rows ? rows : 1);
    info->questions = cab_arena_alloc (arena, room * sizeof *info->questions);
    p->questions = cab_arena_alloc (arena, room * sizeof *p->questions);
    for (int i = 0; i < rows; i++) {
        poll_question_t *q = &info->questions[i];
        q->id = cab_db_text (arena, res, i, 0);
        if (!poll_kind_parse (cab_db_value (res, i, 1), &q->kind))
            q->kind = POLL_TEXT;
        q->text = cab_db_text (arena, res, i, 2);
        size_t n_options = 0;
        q->options = cab_db_json_strings (arena, cab_db_value (res, i, 3), &n_options);
        q->n_options = n_options;
        q->multiple = cab_db_bool (res, i, 4);
        q->required = cab_db_bool (res, i, 5);
        q->max_length = (int) cab_db_long (res, i, 6);
        Cabinet__V1__PollQuestion *m = cab_arena_alloc (arena, sizeof *m);
        cabinet__v1__poll_question__init (m);
        m->id = (char *) q->id;
        m->kind = (char *) poll_kind_name (q->kind);
        m->text = (char *) q->text;
        m->options = (char **) q->options;
        m->n_options = q->n_options;
        m->has_multiple = m->has_required = true;
        m->multiple = q->multiple;
        m->required = q->required;
        if (q->kind == POLL_TEXT) {
            m->has_max_length = true;
            m->max_length = q->max_length;
        }
        p->questions[i] = m;
    }
    info->n_questions = p->n_questions = (size_t) rows;
    PQclear (res);

    if ((status = cab_db_exec (db, SQL_DOCUMENTS, 1, params, &res)) != CAB_OK)
        return status;
    rows = PQntuples (res);
    room = (size_t) (rows ? rows : 1);
    info->document_ids = cab_arena_alloc (arena, room * sizeof *info->document_ids);
    p->documents = cab_arena_alloc (arena, room * sizeof *p->documents);
    for (int i = 0; i < rows; i++) {
        Cabinet__V1__PollDocument *d = cab_arena_alloc (arena, sizeof *d);
        cabinet__v1__poll_document__init (d);
        d->document_id = cab_db_text (arena, res, i, 0);
        d->title = cab_db_text (arena, res, i, 1);
        info->document_ids[i] = d->document_id;
        p->documents[i] = d;
    }
    info->n_documents = p->n_documents = (size_t) rows;
    PQclear (res);

    if ((status = cab_db_exec (db, SQL_TARGETS, 1, params, &res)) != CAB_OK)
        return status;
    rows = PQntuples (res);
    p->targets = cab_arena_alloc (arena, (size_t) (rows ? rows : 1) * sizeof *p->targets);
    for (int i = 0; i < rows; i++) {
        Cabinet__V1__PollTarget *t = cab_arena_alloc (arena, sizeof *t);
        cabinet__v1__poll_target__init (t);
        bool user = strcmp (PQgetvalue (res, i, 0), "user") == 0;
        char *id = cab_db_text (arena, res, i, 1);
        if (user)
            t->user_id = id;
        else
            t->unit_id = id;
        t->name = cab_db_text (arena, res, i, 2);
        p->targets[i] = t;
    }
    p->n_targets = (size_t) rows;
    PQclear (res);
    return CAB_OK;
}

static cab_status_t
s_poll_get (PGconn *db, cab_arena_t *arena, const char *id, const char *user_id, bool full,
            poll_info_t **info)
{
    const char *params[] = {id, user_id};
    PGresult *res = NULL;
    cab_status_t status = cab_db_query_row (db, SQL_POLL, 2, params, &res);
    if (status != CAB_OK)
        return status;
    *info = s_poll_read (arena, res, 0, user_id);
    PQclear (res);
    return full ? s_poll_parts (db, arena, *info) : CAB_OK;
}

cab_status_t
poll_store_get (poll_store_t *self, cab_arena_t *arena, const char *id, const char *user_id,
                bool full, poll_info_t **info)
{
    return s_poll_get (self->db, arena, id, user_id, full, info);
}

cab_status_t
poll_store_list (poll_store_t *self, cab_arena_t *arena, const poll_query_t *query,
                 Cabinet__V1__PollList **list)
{
    const char *params[] = {s_int (arena, query->limit + 1), query->user_id,
                            cab_db_opt (query->role), cab_db_opt (query->status),
                            cab_db_opt (query->after)};
    PGresult *res = NULL;
    cab_status_t status = cab_db_exec (self->db, SQL_POLLS, 5, params, &res);
    if (status != CAB_OK)
        return status;
    int rows = PQntuples (res);
    Cabinet__V1__PollList *l = cab_arena_alloc (arena, sizeof *l);
    cabinet__v1__poll_list__init (l);
    l->items = cab_arena_alloc (arena, (size_t) (rows ? rows : 1) * sizeof *l->items);
    for (int i = 0; i < rows && i < query->limit; i++)
        l->items[l->n_items++] = s_poll_read (arena, res, i, query->user_id)->poll;
    if (rows > query->limit && l->n_items)
        l->next = l->items[l->n_items - 1]->id;
    PQclear (res);
    *list = l;
    return CAB_OK;
}

//  Check targets given as kinds[] and ids[] (n each).
static cab_status_t
s_targets_check (PGconn *db, cab_arena_t *arena, char **kinds, char **ids, size_t n,
                 vote_fault_t *fault)
{
    const char *params[] = {cab_db_array (arena, kinds, n), cab_db_array (arena, ids, n)};
    PGresult *res = NULL;
    cab_status_t status = cab_db_exec (db, SQL_TARGETS_CHECK, 2, params, &res);
    if (status != CAB_OK)
        return status;
    for (int i = 0; i < PQntuples (res) && fault->status == CAB_OK; i++) {
        long long no = cab_db_long (res, i, 0);
        bool user = strcmp (kinds[i], "user") == 0;
        if (!cab_db_bool (res, i, 1))
            vote_fault_set (fault, CAB_FAILED_PRECONDITION, "targets",
                            user ? "Người nhận thứ %lld không có (hoặc đã ngừng hoạt động) trong "
                                   "danh bạ của nút này"
                                 : "Cơ quan thứ %lld không có trong danh bạ của nút này",
                            no);
        else if (!cab_db_bool (res, i, 2))
            vote_fault_set (fault, CAB_FAILED_PRECONDITION, "targets",
                            "Cơ quan thứ %lld chưa có người dùng nào để lấy ý kiến", no);
        if (fault->status != CAB_OK)
            fault->code = "unknown_respondent";
    }
    PQclear (res);
    return fault->status;
}

cab_status_t
poll_store_check_targets (poll_store_t *self, cab_arena_t *arena, const poll_target_in_t *targets,
                          size_t n, vote_fault_t *fault)
{
    char **kinds = cab_arena_alloc (arena, (n ? n : 1) * sizeof *kinds);
    char **ids = cab_arena_alloc (arena, (n ? n : 1) * sizeof *ids);
    for (size_t i = 0; i < n; i++) {
        bool user = targets[i].user_id && *targets[i].user_id;
        kinds[i] = user ? "user" : "unit";
        ids[i] = (char *) (user ? targets[i].user_id : targets[i].unit_id);
    }
    cab_status_t status = s_targets_check (self->db, arena, kinds, ids, n, fault);
    return status == CAB_FAILED_PRECONDITION ? CAB_OK : status;
}

/* ---- events ------------------------------------------------------------------------------- */

//  The poll as an event tells it: no caller_* fields.
static Cabinet__V1__Poll *
s_event_poll (cab_arena_t *arena, const Cabinet__V1__Poll *p)
{
    Cabinet__V1__Poll *e = cab_arena_alloc (arena, sizeof *e);
    *e = *p;
    e->has_caller_manages = e->has_caller_respondent = e->has_caller_answered = false;
    return e;
}

//  Publish a PollEvent of type for info's poll; its audience: the creator
//  and audience[0..n).
static cab_status_t
s_emit_poll (PGconn *db, cab_arena_t *arena, const char *type, const poll_info_t *info,
             const char *actor_id, char **respondents, size_t n_respondents, char **pending,
             size_t n_pending, bool with_documents, char **audience, size_t n_audience)
{
    const Cabinet__V1__Poll *p = info->poll;
    Cabinet__V1__PollEvent payload = CABINET__V1__POLL_EVENT__INIT;
    payload.poll = s_event_poll (arena, p);
    payload.actor_id = (char *) actor_id;
    payload.respondent_ids = respondents;
    payload.n_respondent_ids = n_respondents;
    payload.pending_ids = pending;
    payload.n_pending_ids = n_pending;
    if (with_documents) {
        payload.document_ids = info->document_ids;
        payload.n_document_ids = info->n_documents;
    }
    const char **who = cab_arena_alloc (arena, (n_audience + 1) * sizeof *who);
    size_t n_who = 0;
    who[n_who++] = p->created_by;
    for (size_t i = 0; i < n_audience; i++)
        if (!cab_same_id (audience[i], p->created_by))
            who[n_who++] = audience[i];
    cab_event_t ev = {
        .type = type,
        .subject = p->id,
        .payload = &payload.base,
        .actor_id = actor_id,
        .audience = who,
        .audience_count = (int) n_who,
    };
    return cab_outbox_emit (db, &ev);
}

/* ---- writing ------------------------------------------------------------------------------ */

//  Fix the respondents of locked draft id and publish poll.sent.
static cab_status_t
s_send (PGconn *db, cab_arena_t *arena, const char *id, const char *actor_id, vote_fault_t *fault,
        poll_info_t **info)
{
    char **kinds = NULL, **ids = NULL;
    size_t n = 0;
    const char *params[] = {id};
    PGresult *res = NULL;
    cab_status_t status = cab_db_exec (db, SQL_POLL_TARGET_LIST, 1, params, &res);
    if (status != CAB_OK)
        return status;
    n = (size_t) PQntuples (res);
    kinds = cab_arena_alloc (arena, (n ? n : 1) * sizeof *kinds);
    ids = cab_arena_alloc (arena, (n ? n : 1) * sizeof *ids);
    for (size_t i = 0; i < n; i++) {
        kinds[i] = cab_db_text (arena, res, (int) i, 0);
        ids[i] = cab_db_text (arena, res, (int) i, 1);
    }
    PQclear (res);
    if (n == 0)
        return s_fault (fault, CAB_FAILED_PRECONDITION, "targets",
                        "Phiếu lấy ý kiến chưa có người hoặc cơ quan nhận");
    //  The people may have changed since the draft was made.
    if ((status = s_targets_check (db, arena, kinds, ids, n, fault)) != CAB_OK)
        return status;
    if ((status = cab_db_exec (db, SQL_RESPONDENTS_PERSONS, 1, params, NULL)) != CAB_OK
        || (status = cab_db_exec (db, SQL_RESPONDENTS_UNITS, 1, params, NULL)) != CAB_OK
        || (status = cab_db_exec (db, SQL_POLL_SENT, 1, params, NULL)) != CAB_OK)
        return status;
    if ((status = s_poll_get (db, arena, id, actor_id, true, info)) != CAB_OK)
        return status;
    char **respondents = NULL;
    size_t n_respondents = 0;
    if ((status = cab_db_column (db, arena, SQL_RESPONDENT_IDS, id, &respondents, &n_respondents))
        != CAB_OK)
        return status;
    return s_emit_poll (db, arena, "poll.sent", *info, actor_id, respondents, n_respondents, NULL,
                        0, true, respondents, n_respondents);
}

//  The questions, documents and targets of poll id, in the order given.
static cab_status_t
s_insert_parts (PGconn *db, cab_arena_t *arena, const char *id, const poll_create_in_t *in)
{
    cab_status_t status = CAB_OK;
    for (size_t i = 0; i < in->n_questions; i++) {
        const poll_question_t *q = &in->questions[i];
        char qid[CAB_UUID_LEN + 1];
        cab_uuid_v7 (qid);
        const char *qp[] = {qid,
                            id,
                            s_int (arena, (long long) i),
                            poll_kind_name (q->kind),
                            q->text,
                            cab_db_array (arena, q->options, q->n_options),
                            cab_db_bool_text (q->multiple),
                            cab_db_bool_text (q->required),
                            s_int (arena, q->kind == POLL_TEXT ? q->max_length : 0)};
        if ((status = cab_db_exec (db, SQL_QUESTION_INSERT, 9, qp, NULL)) != CAB_OK)
            return status;
    }
    for (size_t i = 0; i < in->n_documents; i++) {
        const char *dp[] = {id, in->document_ids[i], s_int (arena, (long long) i),
                            in->document_titles[i]};
        if ((status = cab_db_exec (db, SQL_DOCUMENT_INSERT, 4, dp, NULL)) != CAB_OK)
            return status;
    }
    for (size_t i = 0; i < in->n_targets; i++) {
        bool user = in->targets[i].user_id && *in->targets[i].user_id;
        const char *tp[] = {id, s_int (arena, (long long) i), user ? "user" : "unit",
                            user ? in->targets[i].user_id : in->targets[i].unit_id};
        if ((status = cab_db_exec (db, SQL_TARGET_INSERT, 4, tp, NULL)) != CAB_OK)
            return status;
    }
    return status;
}

//  Poll id's row written (new or rewritten) from in: its parts, then the
//  poll read back, its event (type), its sending when in asks for it, and
//  the reply kept for its Idempotency-Key.
static cab_status_t
s_written (PGconn *db, cab_arena_t *arena, const char *id, const char *type,
           const poll_create_in_t *in, const cab_idem_t *idem, vote_fault_t *fault,
           poll_info_t **info)
{
    cab_status_t status = s_insert_parts (db, arena, id, in);
    if (status == CAB_OK)
        status = s_poll_get (db, arena, id, in->actor_id, true, info);
    if (status == CAB_OK)
        status =
            s_emit_poll (db, arena, type, *info, in->actor_id, NULL, 0, NULL, 0, false, NULL, 0);
    if (status == CAB_OK && in->send)
        status = s_send (db, arena, id, in->actor_id, fault, info);
    if (status == CAB_OK)
        status = vote_store_idem_record (db, idem, &(*info)->poll->base, fault);
    return status;
}

cab_status_t
poll_store_create (poll_store_t *self, cab_arena_t *arena, const poll_create_in_t *in,
                   const cab_idem_t *idem, vote_fault_t *fault, poll_info_t **info)
{
    PGconn *db = self->db;
    char id[CAB_UUID_LEN + 1];
    cab_uuid_v7 (id);
    cab_status_t status = cab_db_begin (db);
    if (status != CAB_OK)
        return status;
    const char *params[] = {id,
                            in->title,
                            cab_db_opt (in->description),
                            in->deadline_text,
                            cab_db_bool_text (in->signature_required),
                            in->actor_id,
                            cab_db_opt (in->actor_unit_id)};
    status = cab_db_exec (db, SQL_POLL_INSERT, 7, params, NULL);
    if (status == CAB_OK)
        status = s_written (db, arena, id, "poll.created", in, idem, fault, info);
    return cab_db_end (db, status);
}

//  Close locked poll id (reason "deadline" or "creator") and publish
//  poll.closed, and for a deadline with answers missing poll.overdue.
static cab_status_t
s_close (PGconn *db, cab_arena_t *arena, const char *id, const char *reason, const char *actor_id,
         poll_info_t **info)
{
    const char *params[] = {id, reason, actor_id};
    cab_status_t status = cab_db_exec (db, SQL_POLL_CLOSED, 3, params, NULL);
    if (status != CAB_OK)
        return status;
    if ((status = s_poll_get (db, arena, id, actor_id, true, info)) != CAB_OK)
        return status;
    char **pending = NULL, **respondents = NULL;
    size_t n_pending = 0, n_respondents = 0;
    if ((status = cab_db_column (db, arena, SQL_PENDING_IDS, id, &pending, &n_pending)) != CAB_OK
        || (status =
                cab_db_column (db, arena, SQL_RESPONDENT_IDS, id, &respondents, &n_respondents))
               != CAB_OK)
        return status;
    status = s_emit_poll (db, arena, "poll.closed", *info, actor_id, NULL, 0, pending, n_pending,
                          false, respondents, n_respondents);
    if (status == CAB_OK && strcmp (reason, "deadline") == 0 && n_pending)
        status = s_emit_poll (db, arena, "poll.overdue", *info, NULL, NULL, 0, pending, n_pending,
                              false, pending, n_pending);
    return status;
}

//  Lock poll id FOR UPDATE: its stored and effective state.
static cab_status_t
s_lock (PGconn *db, const char *sql, const char *id, poll_state_t *stored, poll_state_t *state,
        vote_fault_t *fault, int64_t *deadline, int64_t *now)
{
    const char *params[] = {id};
    PGresult *res = NULL;
    cab_status_t status = cab_db_query_row (db, sql, 1, params, &res);
    if (status == CAB_NOT_FOUND)
        return s_fault (fault, status, "poll_id", s_not_found);
    if (status != CAB_OK)
        return status;
    if (!poll_state_parse (cab_db_value (res, 0, 0), stored))
        *stored = POLL_DRAFT;
    *deadline = cab_db_long (res, 0, 1);
    *now = cab_db_long (res, 0, 2);
    *state = poll_effective_state (*stored, *deadline, *now);
    PQclear (res);
    return CAB_OK;
}

//  Begin a transaction holding draft id's row lock: CAB_OK, or the
//  transaction ended (the poll missing, or no longer a draft: fault).
static cab_status_t
s_begin_draft (PGconn *db, const char *id, vote_fault_t *fault)
{
    poll_state_t stored = POLL_DRAFT, state = POLL_DRAFT;
    int64_t deadline = 0, now = 0;
    cab_status_t status = cab_db_begin (db);
    if (status != CAB_OK)
        return status;
    status = s_lock (db, SQL_POLL_LOCK, id, &stored, &state, fault, &deadline, &now);
    if (status == CAB_OK) {
        poll_may_edit (state, fault);
        status = fault->status;
    }
    return status == CAB_OK ? CAB_OK : cab_db_end (db, status);
}

cab_status_t
poll_store_update (poll_store_t *self, cab_arena_t *arena, const char *id,
                   const poll_create_in_t *in, const cab_idem_t *idem, vote_fault_t *fault,
                   poll_info_t **info)
{
    PGconn *db = self->db;
    cab_status_t status = s_begin_draft (db, id, fault);
    if (status != CAB_OK)
        return status;
    const char *params[] = {id, in->title, cab_db_opt (in->description), in->deadline_text,
                            cab_db_bool_text (in->signature_required)};
    const char *key[] = {id};
    if ((status = cab_db_exec (db, SQL_POLL_REWRITE, 5, params, NULL)) == CAB_OK
        && (status = cab_db_exec (db, SQL_PARTS_DELETE, 1, key, NULL)) == CAB_OK)
        status = s_written (db, arena, id, "poll.updated", in, idem, fault, info);
    return cab_db_end (db, status);
}

cab_status_t
poll_store_delete (poll_store_t *self, cab_arena_t *arena, const char *id, const char *actor_id,
                   vote_fault_t *fault)
{
    PGconn *db = self->db;
    poll_info_t *info = NULL;
    cab_status_t status = s_begin_draft (db, id, fault);
    if (status != CAB_OK)
        return status;
    //  The event carries the draft as it was, read before it goes.
    const char *key[] = {id};
    if ((status = s_poll_get (db, arena, id, actor_id, true, &info)) != CAB_OK
        || (status = s_emit_poll (db, arena, "poll.deleted", info, actor_id, NULL, 0, NULL, 0,
                                  false, NULL, 0))
               != CAB_OK)
        goto cleanup;
    status = cab_db_exec (db, SQL_POLL_DELETE, 1, key, NULL);
cleanup:
    return cab_db_end (db, status);
}

cab_status_t
poll_store_change (poll_store_t *self, cab_arena_t *arena, const char *id, poll_change_t change,
                   const char *actor_id, const cab_idem_t *idem, vote_fault_t *fault,
                   poll_info_t **info)
{
    PGconn *db = self->db;
    poll_state_t stored = POLL_DRAFT, state = POLL_DRAFT;
    int64_t deadline = 0, now = 0;
    cab_status_t status = cab_db_begin (db);
    if (status != CAB_OK)
        return status;
    if ((status = s_lock (db, SQL_POLL_LOCK, id, &stored, &state, fault, &deadline, &now))
        != CAB_OK)
        goto cleanup;
    const char *params[] = {id};
    switch (change) {
    case POLL_SEND:
        poll_may_send (state, deadline, now, fault);
        if ((status = fault->status) == CAB_OK)
            status = s_send (db, arena, id, actor_id, fault, info);
        break;
    case POLL_CLOSE:
        poll_may_close (state, fault);
        if ((status = fault->status) == CAB_OK)
            status = s_close (db, arena, id, "creator", actor_id, info);
        break;
    case POLL_ARCHIVE:
        poll_may_archive (state, fault);
        if ((status = fault->status) != CAB_OK)
            break;
        //  Past its deadline and not yet closed by the job: closed first,
        //  so its closing is in the events like any other.
        if (stored == POLL_OPEN
            && (status = s_close (db, arena, id, "deadline", NULL, info)) != CAB_OK)
            break;
        if ((status = cab_db_exec (db, SQL_POLL_ARCHIVED, 1, params, NULL)) != CAB_OK
            || (status = s_poll_get (db, arena, id, actor_id, true, info)) != CAB_OK)
            break;
        status = s_emit_poll (db, arena, "poll.archived", *info, actor_id, NULL, 0, NULL, 0, false,
                              NULL, 0);
        break;
    }
    if (status == CAB_OK)
        status = vote_store_idem_record (db, idem, &(*info)->poll->base, fault);
cleanup:
    return cab_db_end (db, status);
}

//  Text arrays of the items for SQL_ITEMS_INSERT: question ids, choices as
//  int[] literals ("" for a text) and texts ("" for a choice; a text
//  answer is never blank).
static void
s_items_arrays (cab_arena_t *arena, const poll_answer_in_t *in, const char **qids,
                const char **choices, const char **texts)
{
    size_t n = in->n_items;
    char **q = cab_arena_alloc (arena, (n ? n : 1) * sizeof *q);
    char **c = cab_arena_alloc (arena, (n ? n : 1) * sizeof *c);
    char **t = cab_arena_alloc (arena, (n ? n : 1) * sizeof *t);
    for (size_t i = 0; i < n; i++) {
        const poll_item_t *item = &in->items[i];
        q[i] = (char *) in->info->questions[item->question].id;
        size_t cap = 2 + item->n_choices * 4 + 1;
        char *text = cab_arena_alloc (arena, cap);
        size_t used = (size_t) snprintf (text, cap, "{");
        for (size_t k = 0; k < item->n_choices; k++)
            used +=
                (size_t) snprintf (text + used, cap - used, "%s%d", k ? "," : "", item->choices[k]);
        snprintf (text + used, cap - used, "}");
        c[i] = item->text ? "" : text;
        t[i] = (char *) (item->text ? item->text : "");
    }
    *qids = cab_db_array (arena, q, n);
    *choices = cab_db_array (arena, c, n);
    *texts = cab_db_array (arena, t, n);
}

//  Comments of the answer; optional texts go as "" and are stored as NULL.
static cab_status_t
s_comments_insert (PGconn *db, cab_arena_t *arena, const poll_answer_in_t *in)
{
    size_t n = in->n_comments;
    if (n == 0)
        return CAB_OK;
    char **docs = cab_arena_alloc (arena, n * sizeof *docs);
    char **pages = cab_arena_alloc (arena, n * sizeof *pages);
    char **quotes = cab_arena_alloc (arena, n * sizeof *quotes);
    char **texts = cab_arena_alloc (arena, n * sizeof *texts);
    char **suggestions = cab_arena_alloc (arena, n * sizeof *suggestions);
    for (size_t i = 0; i < n; i++) {
        const poll_comment_t *c = &in->comments[i];
        docs[i] = (char *) c->document_id;
        pages[i] = s_int (arena, c->page);
        quotes[i] = (char *) (c->quote ? c->quote : "");
        texts[i] = (char *) c->text;
        suggestions[i] = (char *) (c->suggestion ? c->suggestion : "");
    }
    const char *params[] = {in->info->poll->id,
                            in->respondent_id,
                            cab_db_array (arena, docs, n),
                            cab_db_array (arena, pages, n),
                            cab_db_array (arena, quotes, n),
                            cab_db_array (arena, texts, n),
                            cab_db_array (arena, suggestions, n)};
    return cab_db_exec (db, SQL_COMMENTS_INSERT, 7, params, NULL);
}

//  The answer as sent back, from in and what the upsert returned.
static Cabinet__V1__PollAnswer *
s_answer_reply (cab_arena_t *arena, const poll_answer_in_t *in, const PGresult *res)
{
    Cabinet__V1__PollAnswer *a = cab_arena_alloc (arena, sizeof *a);
    cabinet__v1__poll_answer__init (a);
    a->poll_id = in->info->poll->id;
    a->respondent_id = (char *) in->respondent_id;
    a->has_revision = a->has_replaced = a->has_signed_ = true;
    a->revision = (int32_t) cab_db_long (res, 0, 0);
    a->replaced = cab_db_bool (res, 0, 1);
    a->answered_at = cab_db_text (arena, res, 0, 2);
    a->updated_at = cab_db_text (arena, res, 0, 3);
    a->signed_ = in->signed_;
    if (in->signed_) {
        a->signed_at = (char *) in->signed_at_text;
        a->signature = (char *) in->signature;
        a->canonical = (char *) in->canonical;
    }
    a->answers = cab_arena_alloc (arena, (in->n_items ? in->n_items : 1) * sizeof *a->answers);
    for (size_t i = 0; i < in->n_items; i++) {
        const poll_item_t *item = &in->items[i];
        const poll_question_t *q = &in->info->questions[item->question];
        Cabinet__V1__PollAnswerItem *m = cab_arena_alloc (arena, sizeof *m);
        cabinet__v1__poll_answer_item__init (m);
        m->question_id = (char *) q->id;
        m->text = (char *) item->text;
        m->choices =
            cab_arena_alloc (arena, (item->n_choices ? item->n_choices : 1) * sizeof *m->choices);
        for (size_t k = 0; k < item->n_choices; k++)
            m->choices[m->n_choices++] = q->options[item->choices[k]];
        a->answers[a->n_answers++] = m;
    }
    a->comments =
        cab_arena_alloc (arena, (in->n_comments ? in->n_comments : 1) * sizeof *a->comments);
    for (size_t i = 0; i < in->n_comments; i++) {
        const poll_comment_t *c = &in->comments[i];
        Cabinet__V1__PollComment *m = cab_arena_alloc (arena, sizeof *m);
        cabinet__v1__poll_comment__init (m);
        m->document_id = (char *) c->document_id;
        m->has_page = c->page > 0;
        m->page = c->page;
        m->quote = (char *) c->quote;
        m->text = (char *) c->text;
        m->suggestion = (char *) c->suggestion;
        a->comments[a->n_comments++] = m;
    }
    return a;
}

cab_status_t
poll_store_answer (poll_store_t *self, cab_arena_t *arena, const poll_answer_in_t *in,
                   const cab_idem_t *idem, vote_fault_t *fault, Cabinet__V1__PollAnswer **answer)
{
    PGconn *db = self->db;
    const char *poll_id = in->info->poll->id;
    const char *key[] = {poll_id, in->respondent_id};
    poll_state_t stored = POLL_DRAFT, state = POLL_DRAFT;
    int64_t deadline = 0, now = 0;
    PGresult *res = NULL;
    bool respondent = false;
    cab_status_t status = cab_db_begin (db);
    if (status != CAB_OK)
        return status;
    //  Shared lock: a close waits until this answer is in; after the
    //  deadline (now () of this transaction) nothing is taken.
    if ((status = s_lock (db, SQL_POLL_SHARE, poll_id, &stored, &state, fault, &deadline, &now))
        != CAB_OK)
        goto cleanup;
    if ((status = cab_db_exec (db, SQL_IS_RESPONDENT, 2, key, &res)) != CAB_OK)
        goto cleanup;
    respondent = PQntuples (res) > 0;
    PQclear (res);
    res = NULL;
    poll_may_answer (state, respondent ? POLL_ROLE_RESPONDENT : 0, fault);
    if ((status = fault->status) != CAB_OK)
        goto cleanup;
    if (in->signed_) {
        //  A signature is never accepted twice, nor one older than the last.
        if ((status = cab_db_exec (db, SQL_LAST_SIGNED, 2, key, &res)) != CAB_OK)
            goto cleanup;
        bool older = PQntuples (res) > 0 && !PQgetisnull (res, 0, 0)
                     && in->signed_at <= cab_db_long (res, 0, 0);
        PQclear (res);
        res = NULL;
        if (older) {
            status = s_fault (fault, CAB_ABORTED, "signed_at",
                              "Câu trả lời có chữ ký này đã được dùng, hoặc ký trước câu trả lời "
                              "đã ghi nhận; vui lòng ký lại");
            fault->code = "signature_replayed";
            goto cleanup;
        }
    }
    const char *up[] = {poll_id,
                        in->respondent_id,
                        in->signed_ ? in->signature : NULL,
                        in->signed_ ? in->signed_at_text : NULL,
                        in->signed_ ? s_int (arena, in->signed_at) : NULL,
                        in->signed_ ? in->key_id : NULL,
                        in->signed_ ? in->canonical : NULL};
    if ((status = cab_db_query_row (db, SQL_ANSWER_UPSERT, 7, up, &res)) != CAB_OK)
        goto cleanup;
    Cabinet__V1__PollAnswer *a = s_answer_reply (arena, in, res);
    PQclear (res);
    res = NULL;
    if ((status = cab_db_exec (db, SQL_ITEMS_DELETE, 2, key, NULL)) != CAB_OK
        || (status = cab_db_exec (db, SQL_COMMENTS_DELETE, 2, key, NULL)) != CAB_OK)
        goto cleanup;
    if (in->n_items) {
        const char *ip[5] = {poll_id, in->respondent_id};
        s_items_arrays (arena, in, &ip[2], &ip[3], &ip[4]);
        if ((status = cab_db_exec (db, SQL_ITEMS_INSERT, 5, ip, NULL)) != CAB_OK)
            goto cleanup;
    }
    if ((status = s_comments_insert (db, arena, in)) != CAB_OK)
        goto cleanup;
    const char *cp[] = {poll_id};
    if ((status = cab_db_query_row (db, SQL_ANSWER_COUNTS, 1, cp, &res)) != CAB_OK)
        goto cleanup;
    Cabinet__V1__PollAnswerEvent payload = CABINET__V1__POLL_ANSWER_EVENT__INIT;
    payload.poll_id = (char *) poll_id;
    payload.respondent_id = (char *) in->respondent_id;
    payload.has_replaced = payload.has_signed_ = payload.has_revision = true;
    payload.has_answered = payload.has_respondents = payload.has_comments = true;
    payload.replaced = a->replaced;
    payload.signed_ = in->signed_;
    payload.revision = a->revision;
    payload.answered = (int32_t) cab_db_long (res, 0, 0);
    payload.respondents = (int32_t) cab_db_long (res, 0, 1);
    payload.comments = (int32_t) in->n_comments;
    const char *audience[] = {in->info->poll->created_by, in->respondent_id};
    bool self_asked = cab_same_id (audience[0], audience[1]);
    cab_event_t ev = {
        .type = "poll.answered",
        .subject = poll_id,
        .payload = &payload.base,
        .actor_id = in->respondent_id,
        .audience = audience,
        .audience_count = self_asked ? 1 : 2,
    };
    if ((status = cab_outbox_emit (db, &ev)) != CAB_OK)
        goto cleanup;
    if ((status = vote_store_idem_record (db, idem, &a->base, fault)) != CAB_OK)
        goto cleanup;
    *answer = a;
cleanup:
    PQclear (res);
    return cab_db_end (db, status);
}

/* ---- answers, results, late respondents ----------------------------------------------------- */

static int
s_question_of (const poll_info_t *info, const char *id)
{
    for (size_t i = 0; i < info->n_questions; i++)
        if (cab_same_id (info->questions[i].id, id))
            return (int) i;
    return -1;
}

//  Append an item row (respondent, question, "1,2", text) to answer a.
static void
s_add_item (cab_arena_t *arena, const poll_info_t *info, Cabinet__V1__PollAnswer *a,
            const PGresult *res, int row)
{
    int qi = s_question_of (info, cab_db_value (res, row, 1));
    if (qi < 0)
        return;
    const poll_question_t *q = &info->questions[qi];
    Cabinet__V1__PollAnswerItem *m = cab_arena_alloc (arena, sizeof *m);
    cabinet__v1__poll_answer_item__init (m);
    m->question_id = (char *) q->id;
    m->text = cab_db_text (arena, res, row, 3);
    size_t n = 0;
    char **indexes = cab_db_split (arena, cab_db_value (res, row, 2), &n);
    m->choices = cab_arena_alloc (arena, (n ? n : 1) * sizeof *m->choices);
    for (size_t k = 0; k < n; k++) {
        long index = strtol (indexes[k], NULL, 10);
        if (index >= 0 && (size_t) index < q->n_options)
            m->choices[m->n_choices++] = q->options[index];
    }
    a->answers[a->n_answers++] = m;
}

cab_status_t
poll_store_answers (poll_store_t *self, cab_arena_t *arena, const poll_info_t *info,
                    const char *only_respondent, const char *after, int limit,
                    Cabinet__V1__PollAnswerList **list)
{
    PGconn *db = self->db;
    const char *poll_id = info->poll->id;
    const char *params[] = {poll_id, only_respondent, cab_db_opt (after), s_int (arena, limit + 1)};
    PGresult *res = NULL;
    cab_status_t status = cab_db_exec (db, SQL_ANSWERS, 4, params, &res);
    if (status != CAB_OK)
        return status;
    int rows = PQntuples (res);
    Cabinet__V1__PollAnswerList *l = cab_arena_alloc (arena, sizeof *l);
    cabinet__v1__poll_answer_list__init (l);
    size_t room = (size_t) (rows ? rows : 1);
    l->items = cab_arena_alloc (arena, room * sizeof *l->items);
    char **ids = cab_arena_alloc (arena, room * sizeof *ids);
    for (int i = 0; i < rows && i < limit; i++) {
        Cabinet__V1__PollAnswer *a = cab_arena_alloc (arena, sizeof *a);
        cabinet__v1__poll_answer__init (a);
        a->poll_id = (char *) poll_id;
        a->respondent_id = cab_db_text (arena, res, i, 0);
        a->respondent_name = cab_db_text (arena, res, i, 1);
        a->unit_id = cab_db_text (arena, res, i, 2);
        a->has_revision = a->has_signed_ = true;
        a->revision = (int32_t) cab_db_long (res, i, 3);
        a->signature = cab_db_text (arena, res, i, 4);
        a->signed_ = a->signature != NULL;
        a->signed_at = cab_db_text (arena, res, i, 5);
        a->canonical = cab_db_text (arena, res, i, 6);
        a->answered_at = cab_db_text (arena, res, i, 7);
        a->updated_at = cab_db_text (arena, res, i, 8);
        a->answers = cab_arena_alloc (arena, (info->n_questions ? info->n_questions : 1)
                                                 * sizeof *a->answers);
        ids[l->n_items] = a->respondent_id;
        l->items[l->n_items++] = a;
    }
    if (rows > limit && l->n_items)
        l->next = l->items[l->n_items - 1]->respondent_id;
    PQclear (res);
    *list = l;
    if (l->n_items == 0)
        return CAB_OK;

    const char *part[] = {poll_id, cab_db_array (arena, ids, l->n_items)};
    if ((status = cab_db_exec (db, SQL_ANSWER_ITEMS, 2, part, &res)) != CAB_OK)
        return status;
    size_t at = 0;
    for (int i = 0; i < PQntuples (res); i++) {
        const char *who = cab_db_value (res, i, 0);
        while (at < l->n_items && !cab_same_id (l->items[at]->respondent_id, who))
            at++;
        if (at < l->n_items && l->items[at]->n_answers < info->n_questions)
            s_add_item (arena, info, l->items[at], res, i);
    }
    PQclear (res);

    if ((status = cab_db_exec (db, SQL_ANSWER_COMMENTS, 2, part, &res)) != CAB_OK)
        return status;
    int rows_c = PQntuples (res);
    for (size_t k = 0; k < l->n_items; k++) {
        Cabinet__V1__PollAnswer *a = l->items[k];
        a->comments = cab_arena_alloc (arena, (size_t) (rows_c ? rows_c : 1) * sizeof *a->comments);
    }
    at = 0;
    for (int i = 0; i < rows_c; i++) {
        const char *who = cab_db_value (res, i, 0);
        while (at < l->n_items && !cab_same_id (l->items[at]->respondent_id, who))
            at++;
        if (at >= l->n_items)
            break;
        Cabinet__V1__PollComment *m = cab_arena_alloc (arena, sizeof *m);
        cabinet__v1__poll_comment__init (m);
        m->document_id = cab_db_text (arena, res, i, 1);
        m->has_page = cab_db_value (res, i, 2) != NULL;
        m->page = (int32_t) cab_db_long (res, i, 2);
        m->quote =
            cab_db_opt (cab_db_text (arena, res, i, 3)) ? cab_db_text (arena, res, i, 3) : NULL;
        m->text = cab_db_text (arena, res, i, 4);
        m->suggestion =
            cab_db_opt (cab_db_value (res, i, 5)) ? cab_db_text (arena, res, i, 5) : NULL;
        Cabinet__V1__PollAnswer *a = l->items[at];
        a->comments[a->n_comments++] = m;
    }
    PQclear (res);
    return CAB_OK;
}

cab_status_t
poll_store_results (poll_store_t *self, cab_arena_t *arena, const poll_info_t *info,
                    bool with_respondents, Cabinet__V1__PollResults **results)
{
    PGconn *db = self->db;
    const Cabinet__V1__Poll *p = info->poll;
    size_t nq = info->n_questions;
    Cabinet__V1__PollResults *r = cab_arena_alloc (arena, sizeof *r);
    cabinet__v1__poll_results__init (r);
    r->poll_id = p->id;
    r->status = p->status;
    r->has_respondents = r->has_answered = r->has_final = r->has_comments = true;
    r->respondents = p->respondents;
    r->answered = p->answered;
    r->final = info->state == POLL_CLOSED || info->state == POLL_ARCHIVED;
    r->questions = cab_arena_alloc (arena, (nq ? nq : 1) * sizeof *r->questions);
    for (size_t i = 0; i < nq; i++) {
        const poll_question_t *q = &info->questions[i];
        Cabinet__V1__PollQuestionResult *m = cab_arena_alloc (arena, sizeof *m);
        cabinet__v1__poll_question_result__init (m);
        m->question_id = (char *) q->id;
        m->kind = (char *) poll_kind_name (q->kind);
        m->text = (char *) q->text;
        m->has_answered = true;
        m->counts = cab_arena_alloc (arena, (q->n_options ? q->n_options : 1) * sizeof *m->counts);
        for (size_t k = 0; k < q->n_options; k++) {
            Cabinet__V1__PollOptionCount *c = cab_arena_alloc (arena, sizeof *c);
            cabinet__v1__poll_option_count__init (c);
            c->option = q->options[k];
            c->has_count = true;
            m->counts[m->n_counts++] = c;
        }
        r->questions[i] = m;
    }
    r->n_questions = nq;
    const char *params[] = {p->id};
    PGresult *res = NULL;
    cab_status_t status = cab_db_exec (db, SQL_RESULT_COUNTS, 1, params, &res);
    if (status != CAB_OK)
        return status;
    for (int i = 0; i < PQntuples (res); i++) {
        int qi = s_question_of (info, cab_db_value (res, i, 0));
        long long index = cab_db_long (res, i, 1);
        if (qi >= 0 && index >= 0 && (size_t) index < r->questions[qi]->n_counts)
            r->questions[qi]->counts[index]->count = (int32_t) cab_db_long (res, i, 2);
    }
    PQclear (res);
    if ((status = cab_db_exec (db, SQL_RESULT_ANSWERED, 1, params, &res)) != CAB_OK)
        return status;
    for (int i = 0; i < PQntuples (res); i++) {
        int qi = s_question_of (info, cab_db_value (res, i, 0));
        if (qi >= 0)
            r->questions[qi]->answered = (int32_t) cab_db_long (res, i, 1);
    }
    PQclear (res);
    if ((status = cab_db_exec (db, SQL_RESULT_TEXTS, 1, params, &res)) != CAB_OK)
        return status;
    int rows = PQntuples (res);
    for (size_t i = 0; i < nq; i++)
        r->questions[i]->texts =
            cab_arena_alloc (arena, (size_t) (rows ? rows : 1) * sizeof *r->questions[i]->texts);
    for (int i = 0; i < rows; i++) {
        int qi = s_question_of (info, cab_db_value (res, i, 0));
        if (qi < 0)
            continue;
        Cabinet__V1__PollTextAnswer *t = cab_arena_alloc (arena, sizeof *t);
        cabinet__v1__poll_text_answer__init (t);
        t->respondent_id = with_respondents ? cab_db_text (arena, res, i, 1) : NULL;
        t->text = cab_db_text (arena, res, i, 2);
        Cabinet__V1__PollQuestionResult *m = r->questions[qi];
        m->texts[m->n_texts++] = t;
    }
    PQclear (res);
    if ((status = cab_db_query_row (db, SQL_RESULT_COMMENTS, 1, params, &res)) != CAB_OK)
        return status;
    r->comments = (int32_t) cab_db_long (res, 0, 0);
    PQclear (res);
    *results = r;
    return CAB_OK;
}

cab_status_t
poll_store_pending (poll_store_t *self, cab_arena_t *arena, const poll_info_t *info,
                    Cabinet__V1__PollOverdue **overdue)
{
    const char *params[] = {info->poll->id};
    PGresult *res = NULL;
    cab_status_t status = cab_db_exec (self->db, SQL_PENDING, 1, params, &res);
    if (status != CAB_OK)
        return status;
    int rows = PQntuples (res);
    Cabinet__V1__PollOverdue *o = cab_arena_alloc (arena, sizeof *o);
    cabinet__v1__poll_overdue__init (o);
    o->poll_id = info->poll->id;
    o->deadline = info->poll->deadline;
    o->has_overdue = true;
    o->overdue = info->stored != POLL_DRAFT && info->deadline <= info->now;
    o->items = cab_arena_alloc (arena, (size_t) (rows ? rows : 1) * sizeof *o->items);
    for (int i = 0; i < rows; i++) {
        Cabinet__V1__PollRespondent *r = cab_arena_alloc (arena, sizeof *r);
        cabinet__v1__poll_respondent__init (r);
        r->user_id = cab_db_text (arena, res, i, 0);
        r->full_name = cab_db_text (arena, res, i, 1);
        r->unit_id = cab_db_text (arena, res, i, 2);
        r->via_unit_id = cab_db_text (arena, res, i, 3);
        o->items[o->n_items++] = r;
    }
    PQclear (res);
    *overdue = o;
    return CAB_OK;
}

/* ---- the periodic job ------------------------------------------------------------------------ */

//  Close one poll past its deadline, in its own transaction.
static cab_status_t
s_sweep_close (PGconn *db, cab_arena_t *arena, const char *id, bool *closed)
{
    poll_state_t stored = POLL_DRAFT, state = POLL_DRAFT;
    int64_t deadline = 0, now = 0;
    vote_fault_t fault;
    vote_fault_clear (&fault);
    *closed = false;
    cab_status_t status = cab_db_begin (db);
    if (status != CAB_OK)
        return status;
    status = s_lock (db, SQL_POLL_LOCK, id, &stored, &state, &fault, &deadline, &now);
    if (status == CAB_OK && stored == POLL_OPEN && state == POLL_CLOSED) {
        poll_info_t *info = NULL;
        status = s_close (db, arena, id, "deadline", NULL, &info);
        *closed = status == CAB_OK;
    }
    if (status == CAB_NOT_FOUND)
        status = CAB_OK;
    return cab_db_end (db, status);
}

//  Remind the respondents of one poll due soon, in its own transaction.
static cab_status_t
s_sweep_remind (PGconn *db, cab_arena_t *arena, const char *id, bool *reminded)
{
    *reminded = false;
    cab_status_t status = cab_db_begin (db);
    if (status != CAB_OK)
        return status;
    const char *params[] = {id};
    PGresult *res = NULL;
    status = cab_db_exec (db, SQL_REMINDED, 1, params, &res);
    bool due = status == CAB_OK && PQntuples (res) > 0;
    PQclear (res);
    char **pending = NULL;
    size_t n_pending = 0;
    poll_info_t *info = NULL;
    if (due
        && (status = cab_db_column (db, arena, SQL_PENDING_IDS, id, &pending, &n_pending)) == CAB_OK
        && n_pending && (status = s_poll_get (db, arena, id, NULL, true, &info)) == CAB_OK) {
        status = s_emit_poll (db, arena, "poll.due_soon", info, NULL, NULL, 0, pending, n_pending,
                              false, pending, n_pending);
        *reminded = status == CAB_OK;
    }
    return cab_db_end (db, status);
}

cab_status_t
poll_store_sweep (PGconn *db, int remind_s, long *closed, long *reminded)
{
    *closed = *reminded = 0;
    cab_arena_t *arena = cab_arena_new ();
    if (!arena)
        return CAB_INTERNAL;
    char **ids = NULL;
    size_t n = 0;
    char batch[16];
    snprintf (batch, sizeof batch, "%d", SWEEP_BATCH);
    const char *due_params[] = {batch};
    PGresult *res = NULL;
    cab_status_t status = cab_db_exec (db, SQL_DUE, 1, due_params, &res);
    if (status == CAB_OK) {
        n = (size_t) PQntuples (res);
        ids = cab_arena_alloc (arena, (n ? n : 1) * sizeof *ids);
        for (size_t i = 0; i < n; i++)
            ids[i] = cab_db_text (arena, res, (int) i, 0);
        PQclear (res);
    }
    for (size_t i = 0; status == CAB_OK && i < n; i++) {
        bool done = false;
        status = s_sweep_close (db, arena, ids[i], &done);
        *closed += done;
    }
    if (status == CAB_OK && remind_s > 0) {
        char secs[16];
        snprintf (secs, sizeof secs, "%d", remind_s);
        const char *remind_params[] = {secs, batch};
        status = cab_db_exec (db, SQL_REMIND, 2, remind_params, &res);
        if (status == CAB_OK) {
            n = (size_t) PQntuples (res);
            ids = cab_arena_alloc (arena, (n ? n : 1) * sizeof *ids);
            for (size_t i = 0; i < n; i++)
                ids[i] = cab_db_text (arena, res, (int) i, 0);
            PQclear (res);
        }
        for (size_t i = 0; status == CAB_OK && i < n; i++) {
            bool done = false;
            status = s_sweep_remind (db, arena, ids[i], &done);
            *reminded += done;
        }
    }
    cab_arena_destroy (&arena);
    return status;
}
