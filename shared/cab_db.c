/*  cab_db - PostgreSQL connections, SQLSTATE mapping and migrations.  */
#include "cab_db.h"
#include "cab_log.h"
#include <ctype.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DB_TIMEZONE "Asia/Ho_Chi_Minh"

static const char SQL_MIGRATIONS_TABLE[] = "CREATE TABLE IF NOT EXISTS schema_migrations ("
                                           " name text PRIMARY KEY,"
                                           " applied_at timestamptz NOT NULL DEFAULT now())";
static const char SQL_MIGRATION_DONE[] = "SELECT 1 FROM schema_migrations WHERE name = $1";
static const char SQL_MIGRATION_RECORD[] = "INSERT INTO schema_migrations (name) VALUES ($1)";
static const char SQL_MIGRATE_LOCK[] =
    "SELECT pg_advisory_lock(hashtext('cabinet.migrate.' || $1))";
static const char SQL_MIGRATE_UNLOCK[] =
    "SELECT pg_advisory_unlock(hashtext('cabinet.migrate.' || $1))";

PGconn *
cab_db_connect (const char *conninfo, const char *schema, const char *app)
{
    char options[256];
    snprintf (options, sizeof options, "-c search_path=%s,public -c TimeZone=%s", schema,
              DB_TIMEZONE);
    //  expand_dbname: the first "dbname" is the whole conninfo; later
    //  keywords override what it says.
    const char *keys[] = {"dbname", "options", "application_name", "client_encoding", NULL};
    const char *values[] = {conninfo, options, app, "UTF8", NULL};
    PGconn *db = PQconnectdbParams (keys, values, 1);
    if (!db || PQstatus (db) != CONNECTION_OK) {
        cab_error ("database connection failed: %s", db ? PQerrorMessage (db) : "out of memory");
        PQfinish (db);
        return NULL;
    }
    return db;
}

static cab_status_t
s_map_sqlstate (const char *state)
{
    if (!state)
        return CAB_UNAVAILABLE;
    if (strcmp (state, "23505") == 0)
        return CAB_ALREADY_EXISTS;
    if (strcmp (state, "23503") == 0)
        return CAB_FAILED_PRECONDITION;
    if (strncmp (state, "22", 2) == 0 || strcmp (state, "23514") == 0
        || strcmp (state, "23502") == 0)
        return CAB_INVALID_ARGUMENT;
    if (strcmp (state, "40001") == 0 || strcmp (state, "40P01") == 0)
        return CAB_ABORTED;
    if (strncmp (state, "08", 2) == 0 || strcmp (state, "57P01") == 0)
        return CAB_UNAVAILABLE;
    return CAB_INTERNAL;
}

cab_status_t
cab_db_exec (PGconn *db, const char *sql, int nparams, const char *const *params, PGresult **res_p)
{
    if (res_p)
        *res_p = NULL;
    for (int attempt = 0; attempt < 2; attempt++) {
        bool idle = PQtransactionStatus (db) == PQTRANS_IDLE;
        PGresult *res = PQexecParams (db, sql, nparams, NULL, params, NULL, NULL, 0);
        ExecStatusType status = PQresultStatus (res);
        if (status == PGRES_TUPLES_OK || status == PGRES_COMMAND_OK) {
            if (res_p)
                *res_p = res;
            else
                PQclear (res);
            return CAB_OK;
        }
        const char *state = res ? PQresultErrorField (res, PG_DIAG_SQLSTATE) : NULL;
        cab_status_t mapped = s_map_sqlstate (state);
        //  A connection lost between requests (database restarted) is
        //  repaired once, but never in the middle of a transaction: its
        //  earlier statements are gone with the connection.
        if (PQstatus (db) == CONNECTION_BAD && idle && attempt == 0) {
            PQclear (res);
            cab_warn ("database connection lost; reconnecting");
            PQreset (db);
            continue;
        }
        if (mapped == CAB_INTERNAL || mapped == CAB_UNAVAILABLE)
            cab_error ("SQL failed (%s): %s", state ? state : "no state",
                       res ? PQresultErrorMessage (res) : PQerrorMessage (db));
        else
            cab_debug ("SQL refused (%s): %s", state, PQresultErrorMessage (res));
        PQclear (res);
        return mapped;
    }
    return CAB_UNAVAILABLE;
}

//  A connection lost earlier (the database restarted) is repaired at the
//  start of a transaction, where nothing of the caller's work can be lost.
static void
s_repair (PGconn *db)
{
    if (PQstatus (db) == CONNECTION_BAD) {
        cab_warn ("database connection lost; reconnecting");
        PQreset (db);
    }
}

//  The mapped status of a failed result, logged as cab_db_exec logs it.
static cab_status_t
s_failure (PGconn *db, const PGresult *res)
{
    const char *state = res ? PQresultErrorField (res, PG_DIAG_SQLSTATE) : NULL;
    cab_status_t mapped = s_map_sqlstate (state);
    if (mapped == CAB_INTERNAL || mapped == CAB_UNAVAILABLE)
        cab_error ("SQL failed (%s): %s", state ? state : "no state",
                   res ? PQresultErrorMessage (res) : PQerrorMessage (db));
    else
        cab_debug ("SQL refused (%s): %s", state, PQresultErrorMessage (res));
    return mapped;
}

//  Read what a pipeline of sent statements returns: each statement's
//  result (kept in res[i] when res is set and all went well), then the
//  synchronisation point. Returns the first failure's status.
static cab_status_t
s_pipeline_results (PGconn *db, int sent, PGresult **res)
{
    cab_status_t status = CAB_OK;
    for (int i = 0; i < sent; i++) {
        PGresult *r = PQgetResult (db);
        ExecStatusType st = PQresultStatus (r);
        if (st == PGRES_TUPLES_OK || st == PGRES_COMMAND_OK) {
            if (res)
                res[i] = r;
            else
                PQclear (r);
        } else {
            //  PGRES_PIPELINE_ABORTED: skipped after an earlier failure.
            if (status == CAB_OK)
                status = st == PGRES_PIPELINE_ABORTED ? CAB_INTERNAL : s_failure (db, r);
            PQclear (r);
            if (!r)
                return status == CAB_OK ? CAB_UNAVAILABLE : status;  //  connection lost
        }
        //  Each statement's results end with NULL.
        while ((r = PQgetResult (db)) != NULL)
            PQclear (r);
    }
    //  The synchronisation point.
    for (;;) {
        PGresult *r = PQgetResult (db);
        if (!r)
            return status == CAB_OK ? CAB_UNAVAILABLE : status;
        ExecStatusType st = PQresultStatus (r);
        PQclear (r);
        if (st == PGRES_PIPELINE_SYNC)
            return status;
        if (PQstatus (db) == CONNECTION_BAD)
            return status == CAB_OK ? CAB_UNAVAILABLE : status;
    }
}

cab_status_t
cab_db_pipeline (PGconn *db, const cab_db_stmt_t *stmts, int n, PGresult **res)
{
    for (int i = 0; res && i < n; i++)
        res[i] = NULL;
    if (PQtransactionStatus (db) == PQTRANS_IDLE || PQstatus (db) == CONNECTION_BAD)
        s_repair (db);
    if (PQenterPipelineMode (db) != 1) {
        cab_error ("cannot enter pipeline mode: %s", PQerrorMessage (db));
        return CAB_UNAVAILABLE;
    }
    int sent = 0;
    for (; sent < n; sent++) {
        const cab_db_stmt_t *s = &stmts[sent];
        int ok = s->name
                     ? PQsendQueryPrepared (db, s->name, s->nparams, s->params, NULL, NULL, 0)
                     : PQsendQueryParams (db, s->sql, s->nparams, NULL, s->params, NULL, NULL, 0);
        if (!ok)
            break;
    }
    cab_status_t status = CAB_UNAVAILABLE;
    if (sent == n && PQpipelineSync (db) == 1)
        status = s_pipeline_results (db, sent, res);
    else
        cab_error ("cannot send a pipeline: %s", PQerrorMessage (db));
    if (PQexitPipelineMode (db) != 1 && PQstatus (db) != CONNECTION_BAD) {
        //  Results left unread: the connection's state is unknown.
        cab_error ("cannot leave pipeline mode: %s", PQerrorMessage (db));
        PQreset (db);
        status = status == CAB_OK ? CAB_UNAVAILABLE : status;
    }
    if (status != CAB_OK)
        for (int i = 0; res && i < n; i++) {
            PQclear (res[i]);
            res[i] = NULL;
        }
    return status;
}

cab_status_t
cab_db_prepare (PGconn *db, const cab_db_prepared_t *list, int n, int *backend)
{
    if (*backend != 0 && *backend == PQbackendPID (db) && PQstatus (db) == CONNECTION_OK)
        return CAB_OK;
    s_repair (db);
    if (PQenterPipelineMode (db) != 1) {
        cab_error ("cannot enter pipeline mode: %s", PQerrorMessage (db));
        return CAB_UNAVAILABLE;
    }
    int sent = 0;
    while (sent < n
           && PQsendPrepare (db, list[sent].name, list[sent].sql, list[sent].nparams, NULL))
        sent++;
    cab_status_t status = CAB_UNAVAILABLE;
    if (sent == n && PQpipelineSync (db) == 1)
        status = s_pipeline_results (db, sent, NULL);
    if (PQexitPipelineMode (db) != 1 && PQstatus (db) != CONNECTION_BAD) {
        PQreset (db);
        status = CAB_UNAVAILABLE;
    }
    if (status == CAB_OK)
        *backend = PQbackendPID (db);
    return status;
}

cab_status_t
cab_db_query_row (PGconn *db, const char *sql, int nparams, const char *const *params,
                  PGresult **res_p)
{
    PGresult *res = NULL;
    cab_status_t status = cab_db_exec (db, sql, nparams, params, &res);
    if (status != CAB_OK)
        return status;
    if (PQntuples (res) == 0) {
        PQclear (res);
        return CAB_NOT_FOUND;
    }
    *res_p = res;
    return CAB_OK;
}

bool
cab_db_like_pattern (const char *in, char *out, size_t cap)
{
    size_t o = 0;
    if (cap < 3)
        return false;
    out[o++] = '%';
    for (const char *c = in; *c; c++) {
        bool special = *c == '\\' || *c == '%' || *c == '_';
        if (o + (special ? 2 : 1) + 2 > cap) {
            out[0] = '\0';
            return false;
        }
        if (special)
            out[o++] = '\\';
        out[o++] = *c;
    }
    out[o++] = '%';
    out[o] = '\0';
    return true;
}

cab_status_t
cab_db_begin (PGconn *db)
{
    s_repair (db);
    return cab_db_exec (db, "BEGIN", 0, NULL, NULL);
}

cab_status_t
cab_db_commit (PGconn *db)
{
    return cab_db_exec (db, "COMMIT", 0, NULL, NULL);
}

void
cab_db_rollback (PGconn *db)
{
    //  A lost connection took its transaction with it: reconnect instead.
    if (PQstatus (db) == CONNECTION_BAD)
        s_repair (db);
    else if (PQtransactionStatus (db) != PQTRANS_IDLE) {
        PGresult *res = PQexec (db, "ROLLBACK");
        PQclear (res);
    }
}

bool
cab_db_ping (PGconn *db)
{
    if (!db)
        return false;
    return cab_db_exec (db, "SELECT 1", 0, NULL, NULL) == CAB_OK;
}

const char *
cab_db_value (const PGresult *res, int row, int col)
{
    return PQgetisnull (res, row, col) ? NULL : PQgetvalue (res, row, col);
}

bool
cab_db_bool (const PGresult *res, int row, int col)
{
    return !PQgetisnull (res, row, col) && PQgetvalue (res, row, col)[0] == 't';
}

char *
cab_db_text (cab_arena_t *arena, const PGresult *res, int row, int col)
{
    return cab_arena_strdup (arena, cab_db_value (res, row, col));
}

long long
cab_db_long (const PGresult *res, int row, int col)
{
    const char *v = cab_db_value (res, row, col);
    return v ? strtoll (v, NULL, 10) : 0;
}

const char *
cab_db_bool_text (bool b)
{
    return b ? "true" : "false";
}

char **
cab_db_split (cab_arena_t *arena, const char *text, size_t *n)
{
    *n = 0;
    if (!text || !*text)
        return NULL;
    size_t count = 1;
    for (const char *c = text; *c; c++)
        count += *c == ',';
    char **items = cab_arena_alloc (arena, count * sizeof *items);
    char *copy = cab_arena_strdup (arena, text);
    char *save = NULL;
    for (char *tok = strtok_r (copy, ",", &save); tok; tok = strtok_r (NULL, ",", &save))
        items[(*n)++] = tok;
    return items;
}

char *
cab_db_array (cab_arena_t *arena, char *const *items, size_t n)
{
    size_t cap = 3;
    for (size_t i = 0; i < n; i++)
        cap += items[i] ? 2 * strlen (items[i]) + 3 : sizeof "NULL,";
    char *out = cab_arena_alloc (arena, cap);
    size_t o = 0;
    out[o++] = '{';
    for (size_t i = 0; i < n; i++) {
        if (i)
            out[o++] = ',';
        if (!items[i]) {
            memcpy (out + o, "NULL", 4);
            o += 4;
            continue;
        }
        out[o++] = '"';
        for (const char *c = items[i]; *c; c++) {
            if (*c == '"' || *c == '\\')
                out[o++] = '\\';
            out[o++] = *c;
        }
        out[o++] = '"';
    }
    out[o++] = '}';
    out[o] = '\0';
    return out;
}

static bool
s_schema_name_ok (const char *schema)
{
    if (!*schema)
        return false;
    for (const char *c = schema; *c; c++)
        if (!islower ((unsigned char) *c) && *c != '_')
            return false;
    return true;
}

//  Apply one migration file unless recorded. Returns 0 or -1.
static int
s_apply (PGconn *db, const char *record_name, const char *sql)
{
    const char *params[] = {record_name};
    PGresult *res = NULL;
    if (cab_db_exec (db, SQL_MIGRATION_DONE, 1, params, &res) != CAB_OK)
        return -1;
    bool done = PQntuples (res) > 0;
    PQclear (res);
    if (done)
        return 0;
    if (cab_db_begin (db) != CAB_OK)
        return -1;
    //  A migration file holds several statements: the simple protocol.
    res = PQexec (db, sql);
    if (PQresultStatus (res) != PGRES_COMMAND_OK && PQresultStatus (res) != PGRES_TUPLES_OK) {
        cab_error ("migration %s failed: %s", record_name, PQresultErrorMessage (res));
        PQclear (res);
        cab_db_rollback (db);
        return -1;
    }
    PQclear (res);
    if (cab_db_exec (db, SQL_MIGRATION_RECORD, 1, params, NULL) != CAB_OK
        || cab_db_commit (db) != CAB_OK) {
        cab_db_rollback (db);
        return -1;
    }
    cab_info ("applied migration %s", record_name);
    return 0;
}

int
cab_db_migrate (PGconn *db, const char *schema, const cab_embedded_file_t *migrations)
{
    if (!s_schema_name_ok (schema)) {
        cab_error ("invalid schema name '%s'", schema);
        return -1;
    }
    const char *params[] = {schema};
    if (cab_db_exec (db, SQL_MIGRATE_LOCK, 1, params, NULL) != CAB_OK)
        return -1;
    int rc = -1;
    char sql[160];
    //  The name was checked above: letters and underscores only.
    snprintf (sql, sizeof sql, "CREATE SCHEMA IF NOT EXISTS %s", schema);
    if (cab_db_exec (db, sql, 0, NULL, NULL) != CAB_OK
        || cab_db_exec (db, SQL_MIGRATIONS_TABLE, 0, NULL, NULL) != CAB_OK)
        goto cleanup;
    for (const cab_embedded_file_t *file = cab_shared_sql; file->name; file++) {
        char name[128];
        snprintf (name, sizeof name, "shared/%s", file->name);
        if (s_apply (db, name, file->data) != 0)
            goto cleanup;
    }
    for (const cab_embedded_file_t *file = migrations; file && file->name; file++)
        if (s_apply (db, file->name, file->data) != 0)
            goto cleanup;
    rc = 0;
cleanup:
    cab_db_exec (db, SQL_MIGRATE_UNLOCK, 1, params, NULL);
    return rc;
}

char *
cab_db_bytea (cab_arena_t *arena, const void *data, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    const unsigned char *bytes = data;
    char *text = cab_arena_alloc (arena, 2 * n + 3);
    text[0] = '\\';
    text[1] = 'x';
    for (size_t i = 0; i < n; i++) {
        text[2 + 2 * i] = hex[bytes[i] >> 4];
        text[3 + 2 * i] = hex[bytes[i] & 15];
    }
    text[2 + 2 * n] = '\0';
    return text;
}

cab_status_t
cab_db_command (PGconn *db, const char *sql, int nparams, const char *const *params)
{
    return cab_db_exec (db, sql, nparams, params, NULL);
}

cab_status_t
cab_db_any_row (PGconn *db, const char *sql, int nparams, const char *const *params, bool *any)
{
    PGresult *res = NULL;
    cab_status_t status = cab_db_exec (db, sql, nparams, params, &res);
    if (status == CAB_OK)
        *any = PQntuples (res) > 0;
    PQclear (res);
    return status;
}

cab_status_t
cab_db_column (PGconn *db, cab_arena_t *arena, const char *sql, const char *param, char ***out,
               size_t *n)
{
    const char *params[] = {param};
    PGresult *res = NULL;
    cab_status_t status = cab_db_exec (db, sql, 1, params, &res);
    if (status != CAB_OK)
        return status;
    int rows = PQntuples (res);
    *out = cab_arena_alloc (arena, (size_t) (rows ? rows : 1) * sizeof **out);
    for (int i = 0; i < rows; i++)
        (*out)[i] = cab_db_text (arena, res, i, 0);
    *n = (size_t) rows;
    PQclear (res);
    return CAB_OK;
}

cab_status_t
cab_db_end (PGconn *db, cab_status_t status)
{
    if (status == CAB_OK)
        status = cab_db_commit (db);
    if (status != CAB_OK)
        cab_db_rollback (db);
    return status;
}

const char *
cab_db_opt (const char *s)
{
    return s && *s ? s : NULL;
}

char **
cab_db_json_strings (cab_arena_t *arena, const char *json, size_t *n)
{
    *n = 0;
    json_t *array = json ? json_loads (json, 0, NULL) : NULL;
    size_t size = json_is_array (array) ? json_array_size (array) : 0;
    char **out = cab_arena_alloc (arena, (size ? size : 1) * sizeof *out);
    for (size_t i = 0; i < size; i++) {
        const char *text = json_string_value (json_array_get (array, i));
        if (text)
            out[(*n)++] = cab_arena_strdup (arena, text);
    }
    json_decref (array);
    return out;
}
