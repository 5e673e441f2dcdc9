/*  cab_db - PostgreSQL connections and migrations. Each service owns one
    schema; its connections have search_path set to it, so SQL names tables
    unqualified. SQL is always parameterised.  */
#ifndef CAB_DB_H
#define CAB_DB_H
#include "cab_arena.h"
#include "cab_embed.h"
#include "cab_status.h"
#include <libpq-fe.h>
#include <stdbool.h>

//  Connect with conninfo (libpq keywords or URI) and session settings:
//  search_path = schema, public; TimeZone = Asia/Ho_Chi_Minh; application
//  name = app. The settings survive PQreset. Returns NULL on failure (logged).
PGconn *cab_db_connect (const char *conninfo, const char *schema, const char *app);

//  Create the schema if needed and apply, in order and each in its own
//  transaction, the shared migrations then the service's (NULL-terminated
//  array, applied in array order), recording each in schema_migrations.
//  Concurrent starts are serialised by an advisory lock. Returns 0 or -1.
int cab_db_migrate (PGconn *db, const char *schema, const cab_embedded_file_t *migrations);

//  Run one parameterised statement (params may contain NULL for SQL NULL).
//  On CAB_OK, *res_p (if res_p not NULL) is the result: the caller PQclears
//  it. Otherwise nothing to free and the SQLSTATE is mapped:
//  23505 -> ALREADY_EXISTS, 23503 -> FAILED_PRECONDITION, 22xxx / 23514 ->
//  INVALID_ARGUMENT, 40001 / 40P01 -> ABORTED, lost connection ->
//  UNAVAILABLE, other -> INTERNAL. Unexpected failures are logged here.
//  A lost connection outside a transaction is reset and the statement tried
//  once more.
cab_status_t cab_db_exec (PGconn *db, const char *sql, int nparams, const char *const *params,
                          PGresult **res_p);

//  One statement of cab_db_pipeline: the prepared statement name (see
//  cab_db_prepare), or, with name NULL, sql parsed for this run.
typedef struct {
    const char *name;
    const char *sql;
    int nparams;
    const char *const *params;
} cab_db_stmt_t;

//  Run stmts[0..n) in one round trip to the server (libpq's pipeline
//  mode), in order, each a statement of its own (under READ COMMITTED each
//  takes its own snapshot, as if sent one by one). On CAB_OK, when res is
//  not NULL, res[i] is statement i's result, the caller's to PQclear.
//  Otherwise nothing to free; the status is that of the first statement
//  that failed, mapped and logged as by cab_db_exec; the statements after
//  it did not run, and an open transaction is left aborted for the caller
//  to roll back. A connection lost while idle is repaired first; nothing
//  is ever sent twice.
cab_status_t cab_db_pipeline (PGconn *db, const cab_db_stmt_t *stmts, int n, PGresult **res);

//  A statement to prepare on a connection: its name, SQL and number of
//  parameters.
typedef struct {
    const char *name;
    const char *sql;
    int nparams;
} cab_db_prepared_t;

//  Prepare list[0..n) on db, in one round trip, unless *backend is already
//  the process id of db's server process (they were prepared there; a
//  connection that was reset has a new one, without them). Sets *backend on
//  success. Returns CAB_OK or a mapped failure (logged).
cab_status_t cab_db_prepare (PGconn *db, const cab_db_prepared_t *list, int n, int *backend);

//  cab_db_exec for a statement that must return rows: CAB_NOT_FOUND (nothing
//  to free) when it returns none.
cab_status_t cab_db_query_row (PGconn *db, const char *sql, int nparams, const char *const *params,
                               PGresult **res_p);

//  The LIKE pattern "%<in, with \ % _ escaped>%" into out (cap bytes), for a
//  "contains" search passed as a parameter. Returns false (out is "") if out
//  is too small.
bool cab_db_like_pattern (const char *in, char *out, size_t cap);

//  cab_db_exec for a statement whose result is not needed.
cab_status_t cab_db_command (PGconn *db, const char *sql, int nparams, const char *const *params);

//  cab_db_exec, and *any: whether it returned (or touched, with RETURNING)
//  a row.
cab_status_t cab_db_any_row (PGconn *db, const char *sql, int nparams, const char *const *params,
                             bool *any);

//  The rows of a one-column query with one parameter as strings in arena
//  (*out never NULL; NULL values stay NULL).
cab_status_t cab_db_column (PGconn *db, cab_arena_t *arena, const char *sql, const char *param,
                            char ***out, size_t *n);

//  Transaction helpers. begin/commit return CAB_OK or a mapped status;
//  rollback is safe to call in any state.
cab_status_t cab_db_begin (PGconn *db);
cab_status_t cab_db_commit (PGconn *db);
void cab_db_rollback (PGconn *db);

//  End the open transaction: COMMIT when status is CAB_OK, else (or when
//  the COMMIT fails) ROLLBACK. Returns the outcome.
cab_status_t cab_db_end (PGconn *db, cab_status_t status);

//  NULL for NULL or "", else s: an optional value as a parameter.
const char *cab_db_opt (const char *s);

//  true if the connection answers (resets it once if it was lost).
bool cab_db_ping (PGconn *db);

//  Value of row, column of res, or NULL for SQL NULL.
const char *cab_db_value (const PGresult *res, int row, int col);

//  true if the value is 't'.
bool cab_db_bool (const PGresult *res, int row, int col);

//  The value as a string in arena, NULL for SQL NULL.
char *cab_db_text (cab_arena_t *arena, const PGresult *res, int row, int col);

//  The value as a number, 0 for SQL NULL.
long long cab_db_long (const PGresult *res, int row, int col);

//  "true" or "false", for a boolean parameter.
const char *cab_db_bool_text (bool b);

//  Split "a,b,c" (string_agg output) into an array in arena; NULL and
//  *n = 0 for NULL or empty text.
char **cab_db_split (cab_arena_t *arena, const char *text, size_t *n);

//  bytea input text (\x0a1b...) of data[0..n), in arena, for a bytea
//  parameter.
char *cab_db_bytea (cab_arena_t *arena, const void *data, size_t n);

//  A PostgreSQL array literal of items[0..n) in arena, each element
//  double-quoted with \ and " escaped, so any text survives; a NULL item
//  is a NULL element.
char *cab_db_array (cab_arena_t *arena, char *const *items, size_t n);

//  The strings of a JSON array text (array_to_json output), in arena;
//  other elements are skipped. Never NULL; *n = 0 for NULL or no array.
char **cab_db_json_strings (cab_arena_t *arena, const char *json, size_t *n);

#endif
