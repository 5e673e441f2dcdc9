/*  ident_store - the identity service's SQL (see store.h). Statements are
    named constants, always parameterised; each change runs in one
    transaction with its outbox events. Times go out as RFC 3339 with the
    session's offset (the connection runs in Asia/Ho_Chi_Minh).  */
#include "store.h"
#include "cab_config.h"
#include "cab_db.h"
#include "cab_log.h"
#include "cab_outbox.h"
#include "cab_uuid.h"
#include "rules.h"
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct _ident_store_t {
    PGconn *db;  //  borrowed
    char *node_id;
    long max_password_age_days;  //  0: passwords do not age
    bool prepared;               //  the hot statements are prepared on db
};

#define UNITS_LIST_MAX 5000  //  the agency tree of one node is small; a bound all the same
#define ROLES_TEXT_MAX 128   //  "{system_admin,unit_admin,clerk,approver,member}" fits

//  Tree changes are serialised so two concurrent moves cannot build a
//  cycle; role and activity changes so two concurrent demotions cannot
//  remove the last system admin.
#define LOCK_UNIT_TREE "identity.unit_tree"
#define LOCK_SYSTEM_ADMINS "identity.system_admins"

#define S_TS(col) "to_char (" col ", 'YYYY-MM-DD\"T\"HH24:MI:SSTZH:TZM')"

/* ---- statements --------------------------------------------------------------- */

#define USER_COLUMNS                                                                               \
    "u.id, u.username, u.full_name, u.title, u.unit_id, u.email, u.phone, u.source, u.active, "    \
    "u.must_change_password, " S_TS ("u.password_changed_at") ", " S_TS (                          \
        "u.created_at") ", " S_TS ("u.updated_at") ", u.totp_enabled, "                            \
                                                   "(SELECT string_agg (r.role, ',' ORDER BY "     \
                                                   "r.role) FROM user_roles r "                    \
                                                   "  WHERE r.user_id = u.id), "                   \
                                                   "u.version, extract (epoch FROM "               \
                                                   "u.password_changed_at)::bigint"
enum {
    UC_ID,
    UC_USERNAME,
    UC_FULL_NAME,
    UC_TITLE,
    UC_UNIT_ID,
    UC_EMAIL,
    UC_PHONE,
    UC_SOURCE,
    UC_ACTIVE,
    UC_MUST_CHANGE,
    UC_CHANGED_AT,
    UC_CREATED_AT,
    UC_UPDATED_AT,
    UC_TOTP_ENABLED,
    UC_ROLES,
    UC_VERSION,
    UC_CHANGED_EPOCH,
};

#define UNIT_COLUMNS                                                                               \
    "n.id, n.name, n.parent_id, n.node_id, " S_TS ("n.created_at") ", " S_TS ("n.updated_at")
enum { NC_ID, NC_NAME, NC_PARENT_ID, NC_NODE_ID, NC_CREATED_AT, NC_UPDATED_AT };

#define ACCOUNT_COLUMNS                                                                            \
    "id, username, unit_id, source, password_hash, must_change_password, "                         \
    "extract (epoch FROM password_changed_at)::bigint, totp_secret, totp_enabled, "                \
    "totp_last_step, active"
enum {
    AC_ID,
    AC_USERNAME,
    AC_UNIT_ID,
    AC_SOURCE,
    AC_HASH,
    AC_MUST_CHANGE,
    AC_CHANGED_EPOCH,
    AC_TOTP_SECRET,
    AC_TOTP_ENABLED,
    AC_TOTP_LAST_STEP,
    AC_ACTIVE,
};

static const char SQL_LOCK[] = "SELECT pg_advisory_xact_lock (hashtext ($1))";

static const char SQL_ACCOUNT_BY_USERNAME[] =
    "SELECT " ACCOUNT_COLUMNS " FROM users WHERE lower (username) = lower ($1)";

static const char SQL_ACCOUNT_BY_ID[] = "SELECT " ACCOUNT_COLUMNS " FROM users WHERE id = $1";

//  Failures that count towards lockout: wrong password or TOTP, and attempts
//  on a deleted account. Refusals while locked do not extend the lock.
static const char SQL_RECENT_FAILURES[] =
    "SELECT count (*), coalesce (extract (epoch FROM min (f.at))::bigint, 0) FROM ("
    "  SELECT l.at FROM login_log l"
    "   WHERE l.username = $1 AND NOT l.success"
    "     AND l.reason IN ('bad_credentials', 'inactive')"
    "     AND l.at > now () - make_interval (mins => $2::int)"
    "     AND l.at > coalesce ((SELECT max (s.at) FROM login_log s"
    "                            WHERE s.username = $1 AND s.success), '-infinity')"
    "     AND l.at > coalesce ((SELECT u.lockout_reset_at FROM users u"
    "                            WHERE lower (u.username) = $1), '-infinity')"
    "   ORDER BY l.at DESC LIMIT $3::int) f";

static const char SQL_LOG_LOGIN[] =
    "INSERT INTO login_log (id, username, user_id, unit_id, success, reason, method, ip,"
    "                       user_agent)"
    " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)";

static const char SQL_SESSION_INSERT[] =
    "INSERT INTO sessions (id, token_hash, user_id, expires_at, ip, user_agent)"
    " VALUES ($1, $2, $3, now () + make_interval (hours => $4::int), $5, $6)"
    " RETURNING " S_TS ("expires_at");

static const char SQL_TOTP_USE_STEP[] =
    "UPDATE users SET totp_last_step = $2 WHERE id = $1 AND totp_last_step < $2 RETURNING id";

//  One round trip: the live session, its user and roles; last_seen_at is
//  refreshed by the data-modifying CTE only when it is older than $2
//  seconds, so most calls write nothing.
static const char SQL_SESSION_LOOKUP[] =
    "WITH s AS ("
    "  SELECT id, user_id, expires_at, last_seen_at FROM sessions"
    "   WHERE token_hash = $1 AND revoked_at IS NULL AND expires_at > now ()),"
    " touched AS ("
    "  UPDATE sessions t SET last_seen_at = now () FROM s"
    "   WHERE t.id = s.id AND s.last_seen_at < now () - make_interval (secs => $2::int)"
    "  RETURNING t.id)"
    " SELECT s.id, u.id, u.unit_id, u.must_change_password,"
    "        extract (epoch FROM u.password_changed_at)::bigint, u.source,"
    "        " S_TS (
        "s.expires_at") ","
                        "        (SELECT string_agg (r.role, ',' ORDER BY r.role) FROM user_roles r"
                        "          WHERE r.user_id = u.id)"
                        "   FROM s JOIN users u ON u.id = s.user_id"
                        "  WHERE u.active";
enum {
    SC_ID,
    SC_USER_ID,
    SC_UNIT_ID,
    SC_MUST_CHANGE,
    SC_CHANGED_EPOCH,
    SC_SOURCE,
    SC_EXPIRES,
    SC_ROLES
};

static const char SQL_SESSION_REVOKE[] =
    "UPDATE sessions SET revoked_at = now () WHERE id = $1 AND revoked_at IS NULL RETURNING id";

static const char SQL_SESSIONS_REVOKE_USER[] =
    "UPDATE sessions SET revoked_at = now ()"
    " WHERE user_id = $1 AND revoked_at IS NULL AND ($2::uuid IS NULL OR id <> $2::uuid)";

static const char SQL_USER_GET[] = "SELECT " USER_COLUMNS " FROM users u WHERE u.id = $1";

static const char SQL_USER_GET_FOR_UPDATE[] =
    "SELECT " USER_COLUMNS " FROM users u WHERE u.id = $1 FOR UPDATE OF u";

static const char SQL_USER_LIST[] =
    "SELECT " USER_COLUMNS " FROM users u"
    " WHERE ($1::uuid IS NULL OR u.unit_id = $1::uuid)"
    "   AND ($2::text IS NULL OR f_unaccent (lower (u.username || ' ' || u.full_name || ' '"
    "                                               || coalesce (u.email, '')))"
    "                            LIKE f_unaccent (lower ($2)))"
    "   AND ($3::text IS NULL OR u.username > $3)"
    "   AND (u.active OR $4::boolean)"
    " ORDER BY u.username LIMIT $5::int";

static const char SQL_UNIT_EXISTS[] = "SELECT 1 FROM units WHERE id = $1";

static const char SQL_USER_INSERT[] =
    "INSERT INTO users (id, username, full_name, title, unit_id, email, phone, source, ldap_dn,"
    "                   password_hash, password_changed_at, must_change_password)"
    " VALUES ($1, $2, $3, nullif ($4, ''), $5, nullif ($6, ''), nullif ($7, ''), $8, $9, $10,"
    "         CASE WHEN $10::text IS NULL THEN NULL ELSE now () END, $11::boolean)";

//  Roles are held in the user's own unit, system_admin globally.
static const char SQL_ROLES_INSERT[] =
    "INSERT INTO user_roles (user_id, role, unit_id)"
    " SELECT u.id, r, CASE WHEN r = 'system_admin' THEN NULL ELSE u.unit_id END"
    "   FROM users u, unnest ($2::text[]) AS r WHERE u.id = $1";

static const char SQL_ROLES_DELETE[] = "DELETE FROM user_roles WHERE user_id = $1";

static const char SQL_ROLES_FOLLOW_UNIT[] =
    "UPDATE user_roles r SET unit_id = u.unit_id FROM users u"
    " WHERE r.user_id = u.id AND u.id = $1 AND r.role <> 'system_admin'"
    "   AND r.unit_id IS DISTINCT FROM u.unit_id";

static const char SQL_USER_UPDATE[] =
    "UPDATE users SET"
    "  full_name = coalesce ($2, full_name),"
    "  title = CASE WHEN $3::text IS NULL THEN title ELSE nullif ($3, '') END,"
    "  unit_id = coalesce ($4::uuid, unit_id),"
    "  email = CASE WHEN $5::text IS NULL THEN email ELSE nullif ($5, '') END,"
    "  phone = CASE WHEN $6::text IS NULL THEN phone ELSE nullif ($6, '') END,"
    "  version = version + 1, updated_at = now ()"
    " WHERE id = $1 AND version = $7::int AND active RETURNING id";

static const char SQL_COUNT_SYSTEM_ADMINS[] =
    "SELECT count (*) FROM user_roles r JOIN users u ON u.id = r.user_id"
    " WHERE r.role = 'system_admin' AND u.active";

static const char SQL_USER_DEACTIVATE[] =
    "UPDATE users SET active = false, version = version + 1, updated_at = now ()"
    " WHERE id = $1 AND version = $2::int AND active RETURNING id";

//  $4: an admin reset, which also clears TOTP (a lost phone is the usual
//  reason to ask) and the lockout of the name.
static const char SQL_USER_SET_PASSWORD[] =
    "UPDATE users SET password_hash = $2, password_changed_at = now (),"
    "  must_change_password = $3::boolean,"
    "  totp_enabled = totp_enabled AND NOT $4::boolean,"
    "  totp_secret = CASE WHEN $4::boolean THEN NULL ELSE totp_secret END,"
    "  totp_last_step = CASE WHEN $4::boolean THEN 0 ELSE totp_last_step END,"
    "  lockout_reset_at = CASE WHEN $4::boolean THEN now () ELSE lockout_reset_at END,"
    "  version = version + 1, updated_at = now ()"
    " WHERE id = $1 AND active AND source = 'local'"
    //  The subquery reads the statement's snapshot: TOTP as it was before.
    " RETURNING (SELECT o.totp_enabled FROM users o WHERE o.id = $1)";

static const char SQL_TOTP_STAGE[] =
    "UPDATE users SET totp_secret = $2 WHERE id = $1 AND active AND NOT totp_enabled RETURNING id";

static const char SQL_TOTP_ENABLE[] =
    "UPDATE users SET totp_enabled = true, totp_last_step = greatest (totp_last_step, $2::bigint),"
    "  version = version + 1, updated_at = now ()"
    " WHERE id = $1 AND active AND NOT totp_enabled AND totp_secret = $3 RETURNING id";

static const char SQL_USER_BY_DN_FOR_UPDATE[] =
    "SELECT " USER_COLUMNS " FROM users u WHERE lower (u.ldap_dn) = lower ($1) FOR UPDATE OF u";

static const char SQL_USER_BY_NAME_FOR_UPDATE[] =
    "SELECT " USER_COLUMNS " FROM users u WHERE lower (u.username) = lower ($1) FOR UPDATE OF u";

static const char SQL_USER_LDAP_REFRESH[] =
    "UPDATE users SET ldap_dn = $2, full_name = $3, title = $4, email = $5, phone = $6,"
    "  unit_id = $7::uuid, version = version + 1, updated_at = now ()"
    " WHERE id = $1 AND (ldap_dn, full_name, title, email, phone, unit_id)"
    "       IS DISTINCT FROM ($2, $3, $4, $5, $6, $7::uuid)"
    " RETURNING id";

static const char SQL_UNIT_BY_NAME[] =
    "SELECT id FROM units WHERE lower (name) = lower ($1) ORDER BY created_at, id LIMIT 1";

static const char SQL_UNIT_GET[] = "SELECT " UNIT_COLUMNS " FROM units n WHERE n.id = $1";

static const char SQL_UNIT_GET_FOR_UPDATE[] =
    "SELECT " UNIT_COLUMNS " FROM units n WHERE n.id = $1 FOR UPDATE";

static const char SQL_UNIT_LIST[] =
    "SELECT " UNIT_COLUMNS " FROM units n"
    " WHERE ($1 = 'all' OR ($1 = 'top' AND n.parent_id IS NULL)"
    "        OR ($1 = 'children' AND n.parent_id = $2::uuid))"
    "   AND ($3::text IS NULL OR f_unaccent (lower (n.name)) LIKE f_unaccent (lower ($3)))"
    " ORDER BY n.name, n.id LIMIT $4::int";

static const char SQL_UNIT_INSERT[] =
    "INSERT INTO units AS n (id, name, parent_id, node_id) VALUES ($1, $2, $3, $4)"
    " RETURNING " UNIT_COLUMNS;

//  Is $2 the unit $1 itself or one of its ancestors? Then making $1 the
//  parent of $2 would close a cycle.
static const char SQL_UNIT_IS_ANCESTOR_OR_SELF[] =
    "WITH RECURSIVE up (id, parent_id) AS ("
    "  SELECT id, parent_id FROM units WHERE id = $1"
    "  UNION SELECT n.id, n.parent_id FROM units n JOIN up ON n.id = up.parent_id)"
    " SELECT 1 FROM up WHERE id = $2";

static const char SQL_UNIT_UPDATE[] =
    "UPDATE units AS n SET name = $2, parent_id = $3::uuid, version = version + 1,"
    "  updated_at = now () WHERE n.id = $1 RETURNING " UNIT_COLUMNS;

static const char SQL_COUNT_UNITS[] = "SELECT count (*) FROM units";

static const char SQL_LOGIN_LIST[] =
    "SELECT l.id, " S_TS ("l.at") ", l.username, l.user_id, l.unit_id, l.success, l.reason,"
                                  "       l.method, l.ip, l.user_agent"
                                  "  FROM login_log l"
                                  " WHERE ($1::uuid IS NULL OR l.user_id = $1::uuid)"
                                  "   AND ($2::uuid IS NULL OR l.unit_id = $2::uuid)"
                                  "   AND ($3::timestamptz IS NULL OR l.at >= $3::timestamptz)"
                                  "   AND ($4::timestamptz IS NULL OR l.at < $4::timestamptz)"
                                  "   AND ($5::uuid IS NULL OR l.id < $5::uuid)"
                                  " ORDER BY l.id DESC LIMIT $6::int";

static const char SQL_DIRECTORY_LIST[] =
    "SELECT e.id, e.kind, e.node_id, e.name, e.title, e.unit_id, e.parent_id, e.email,"
    "       e.active FROM ("
    "  SELECT n.id, 'unit' AS kind, n.node_id, n.name, NULL::text AS title,"
    "         NULL::uuid AS unit_id, n.parent_id, NULL::text AS email, true AS active"
    "    FROM units n"
    "  UNION ALL"
    "  SELECT u.id, 'user', $5, u.full_name, u.title, u.unit_id, NULL, u.email, u.active"
    "    FROM users u WHERE u.active"
    "  UNION ALL"
    "  SELECT d.id, d.kind, d.node_id, d.name, d.title, d.unit_id, d.parent_id, d.email,"
    "         d.active FROM directory d WHERE d.active) e"
    " WHERE ($1::text IS NULL OR e.node_id = $1)"
    "   AND ($2::text IS NULL OR f_unaccent (lower (e.name)) LIKE f_unaccent (lower ($2)))"
    "   AND ($3::uuid IS NULL OR e.id > $3::uuid)"
    " ORDER BY e.id LIMIT $4::int";

static const char SQL_DIRECTORY_PUT[] =
    "INSERT INTO directory (id, kind, node_id, name, title, unit_id, parent_id, email, active,"
    "                       source_sequence, updated_at)"
    " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9::boolean, $10::bigint, now ())"
    " ON CONFLICT (id) DO UPDATE SET kind = EXCLUDED.kind, node_id = EXCLUDED.node_id,"
    "   name = EXCLUDED.name, title = EXCLUDED.title, unit_id = EXCLUDED.unit_id,"
    "   parent_id = EXCLUDED.parent_id, email = EXCLUDED.email, active = EXCLUDED.active,"
    "   source_sequence = EXCLUDED.source_sequence, updated_at = now ()"
    " WHERE directory.source_sequence <= EXCLUDED.source_sequence";

static const char SQL_DIRECTORY_REMOVE[] = "DELETE FROM directory WHERE id = $1";

//  The statements of every authenticated request (the gateway's
//  Authenticate, then GetMe and the like) are prepared once per
//  connection: for these one-row index lookups planning costs more than
//  running.
typedef enum { HOT_SESSION_LOOKUP, HOT_USER_GET, HOT_COUNT } s_hot_t;

static const struct {
    const char *name;
    const char *sql;
    int nparams;
} s_hot[HOT_COUNT] = {
    [HOT_SESSION_LOOKUP] = {"ident_session_lookup", SQL_SESSION_LOOKUP, 2},
    [HOT_USER_GET] = {"ident_user_get", SQL_USER_GET, 1},
};

#define SQLSTATE_NO_SUCH_STATEMENT "26000"
#define SQLSTATE_DUPLICATE_STATEMENT "42P05"

/* ---- construction ----------------------------------------------------------------- */

ident_store_t *
ident_store_new (PGconn *db, const char *node_id, long max_password_age_days)
{
    if (!db || !node_id)
        return NULL;
    ident_store_t *self = calloc (1, sizeof *self);
    if (!self)
        return NULL;
    self->db = db;
    self->node_id = strdup (node_id);
    self->max_password_age_days = max_password_age_days;
    if (!self->node_id) {
        free (self);
        return NULL;
    }
    return self;
}

void
ident_store_destroy (ident_store_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    ident_store_t *self = *self_p;
    free (self->node_id);
    free (self);
    *self_p = NULL;
}

PGconn *
ident_store_db (ident_store_t *self)
{
    return self->db;
}

/* ---- row readers ------------------------------------------------------------------ */

static void
s_fault (ident_fault_t *fault, const char *field, const char *message)
{
    if (fault) {
        fault->field = field;
        fault->message = message;
    }
}

//  Text of a PostgreSQL text[] literal for validated role names (which
//  need no quoting). Returns false if they do not fit.
static bool
s_roles_literal (char *const *roles, size_t n, char *out, size_t cap)
{
    size_t o = 0;
    int written = snprintf (out, cap, "{");
    o = (size_t) written;
    for (size_t i = 0; i < n; i++) {
        written = snprintf (out + o, cap - o, "%s%s", i ? "," : "", roles[i]);
        if (written < 0 || (size_t) written >= cap - o)
            return false;
        o += (size_t) written;
    }
    if (o + 2 > cap)
        return false;
    out[o++] = '}';
    out[o] = '\0';
    return true;
}

static Cabinet__V1__User *
s_user_from_row (ident_store_t *self, cab_arena_t *arena, const PGresult *res, int row,
                 int *version)
{
    Cabinet__V1__User *user = cab_arena_alloc (arena, sizeof *user);
    cabinet__v1__user__init (user);
    user->id = cab_db_text (arena, res, row, UC_ID);
    user->username = cab_db_text (arena, res, row, UC_USERNAME);
    user->full_name = cab_db_text (arena, res, row, UC_FULL_NAME);
    user->title = cab_db_text (arena, res, row, UC_TITLE);
    user->unit_id = cab_db_text (arena, res, row, UC_UNIT_ID);
    user->email = cab_db_text (arena, res, row, UC_EMAIL);
    user->phone = cab_db_text (arena, res, row, UC_PHONE);
    user->source = cab_db_text (arena, res, row, UC_SOURCE);
    user->has_active = true;
    user->active = cab_db_bool (res, row, UC_ACTIVE);
    bool local = user->source && strcmp (user->source, "local") == 0;
    user->has_must_change_password = true;
    user->must_change_password =
        cab_db_bool (res, row, UC_MUST_CHANGE)
        || (local
            && ident_password_expired (cab_db_long (res, row, UC_CHANGED_EPOCH),
                                       (long long) time (NULL), self->max_password_age_days));
    user->password_changed_at = cab_db_text (arena, res, row, UC_CHANGED_AT);
    user->created_at = cab_db_text (arena, res, row, UC_CREATED_AT);
    user->updated_at = cab_db_text (arena, res, row, UC_UPDATED_AT);
    user->has_totp_enabled = true;
    user->totp_enabled = cab_db_bool (res, row, UC_TOTP_ENABLED);
    user->roles = cab_db_split (arena, cab_db_value (res, row, UC_ROLES), &user->n_roles);
    if (version)
        *version = (int) cab_db_long (res, row, UC_VERSION);
    return user;
}

static Cabinet__V1__Unit *
s_unit_from_row (cab_arena_t *arena, const PGresult *res, int row)
{
    Cabinet__V1__Unit *unit = cab_arena_alloc (arena, sizeof *unit);
    cabinet__v1__unit__init (unit);
    unit->id = cab_db_text (arena, res, row, NC_ID);
    unit->name = cab_db_text (arena, res, row, NC_NAME);
    unit->parent_id = cab_db_text (arena, res, row, NC_PARENT_ID);
    unit->node_id = cab_db_text (arena, res, row, NC_NODE_ID);
    unit->created_at = cab_db_text (arena, res, row, NC_CREATED_AT);
    unit->updated_at = cab_db_text (arena, res, row, NC_UPDATED_AT);
    return unit;
}

static ident_account_t *
s_account_from_row (ident_store_t *self, cab_arena_t *arena, const PGresult *res)
{
    ident_account_t *account = cab_arena_alloc (arena, sizeof *account);
    account->id = cab_db_text (arena, res, 0, AC_ID);
    account->username = cab_db_text (arena, res, 0, AC_USERNAME);
    account->unit_id = cab_db_text (arena, res, 0, AC_UNIT_ID);
    account->source = cab_db_text (arena, res, 0, AC_SOURCE);
    account->password_hash = cab_db_text (arena, res, 0, AC_HASH);
    bool local = account->source && strcmp (account->source, "local") == 0;
    account->must_change_password =
        cab_db_bool (res, 0, AC_MUST_CHANGE)
        || (local
            && ident_password_expired (cab_db_long (res, 0, AC_CHANGED_EPOCH),
                                       (long long) time (NULL), self->max_password_age_days));
    account->totp_secret = cab_db_text (arena, res, 0, AC_TOTP_SECRET);
    account->totp_enabled = cab_db_bool (res, 0, AC_TOTP_ENABLED);
    account->totp_last_step = (int64_t) cab_db_long (res, 0, AC_TOTP_LAST_STEP);
    account->active = cab_db_bool (res, 0, AC_ACTIVE);
    return account;
}

static bool
s_prepare_hot (ident_store_t *self)
{
    for (int i = 0; i < HOT_COUNT; i++) {
        PGresult *res = PQprepare (self->db, s_hot[i].name, s_hot[i].sql, s_hot[i].nparams, NULL);
        const char *state = PQresultErrorField (res, PG_DIAG_SQLSTATE);
        //  "already exists": prepared earlier on this connection.
        bool ok = PQresultStatus (res) == PGRES_COMMAND_OK
                  || (state && strcmp (state, SQLSTATE_DUPLICATE_STATEMENT) == 0);
        PQclear (res);
        if (!ok)
            return false;
    }
    return true;
}

//  Run a hot statement, prepared, when no transaction is open (an error
//  would abort it). A connection found broken is reset here: once libpq
//  marks it bad it no longer reports itself idle, and cab_db_exec only
//  resets idle connections. After a reset the prepared statements are gone
//  and are prepared again. Any other trouble goes the ordinary way through
//  cab_db_exec, which maps and logs it.
static cab_status_t
s_exec_hot (ident_store_t *self, s_hot_t which, const char *const *params, PGresult **res_p)
{
    for (int attempt = 0; attempt < 2; attempt++) {
        if (PQstatus (self->db) == CONNECTION_BAD) {
            cab_warn ("database connection lost; reconnecting");
            self->prepared = false;
            PQreset (self->db);
            if (PQstatus (self->db) != CONNECTION_OK)
                break;
        }
        if (PQtransactionStatus (self->db) != PQTRANS_IDLE)
            break;
        if (!self->prepared)
            self->prepared = s_prepare_hot (self);
        if (!self->prepared)
            continue;  //  broken meanwhile: reset above, or give up after two tries
        PGresult *res = PQexecPrepared (self->db, s_hot[which].name, s_hot[which].nparams, params,
                                        NULL, NULL, 0);
        if (PQresultStatus (res) == PGRES_TUPLES_OK) {
            *res_p = res;
            return CAB_OK;
        }
        const char *state = PQresultErrorField (res, PG_DIAG_SQLSTATE);
        bool statement_lost = state && strcmp (state, SQLSTATE_NO_SUCH_STATEMENT) == 0;
        PQclear (res);
        self->prepared = false;
        if (!statement_lost && PQstatus (self->db) != CONNECTION_BAD)
            break;
    }
    return cab_db_exec (self->db, s_hot[which].sql, s_hot[which].nparams, params, res_p);
}

static cab_status_t
s_lock (ident_store_t *self, const char *key)
{
    const char *params[] = {key};
    return cab_db_command (self->db, SQL_LOCK, 1, params);
}

static cab_status_t
s_count (ident_store_t *self, const char *sql, long *count)
{
    PGresult *res = NULL;
    cab_status_t status = cab_db_exec (self->db, sql, 0, NULL, &res);
    if (status == CAB_OK)
        *count = PQntuples (res) ? (long) cab_db_long (res, 0, 0) : 0;
    PQclear (res);
    return status;
}

static cab_status_t
s_user_read (ident_store_t *self, cab_arena_t *arena, const char *sql, const char *key,
             Cabinet__V1__User **user, int *version)
{
    const char *params[] = {key};
    PGresult *res = NULL;
    cab_status_t status = cab_db_query_row (self->db, sql, 1, params, &res);
    if (status == CAB_OK)
        *user = s_user_from_row (self, arena, res, 0, version);
    PQclear (res);
    return status;
}

/* ---- events ----------------------------------------------------------------------- */

//  user.* event: the record without phone (never in events) or secrets.
static cab_status_t
s_emit_user (ident_store_t *self, const char *type, const Cabinet__V1__User *user,
             const char *const *changed, size_t n_changed, const char *actor_id)
{
    Cabinet__V1__User public_user = *user;
    public_user.phone = NULL;
    public_user.one_time_password = NULL;
    Cabinet__V1__UserChanged payload = CABINET__V1__USER_CHANGED__INIT;
    payload.user = &public_user;
    payload.n_changed_fields = n_changed;
    payload.changed_fields = (char **) changed;
    cab_event_t ev = {
        .type = type,
        .subject = user->id,
        .payload = &payload.base,
        .actor_id = actor_id,
    };
    return cab_outbox_emit (self->db, &ev);
}

//  The user's public profile on the compacted directory topic; an inactive
//  user is a tombstone.
static cab_status_t
s_emit_directory_user (ident_store_t *self, const Cabinet__V1__User *user, const char *actor_id)
{
    Cabinet__V1__DirectoryEntry entry = CABINET__V1__DIRECTORY_ENTRY__INIT;
    entry.id = user->id;
    entry.kind = "user";
    entry.node_id = self->node_id;
    entry.name = user->full_name;
    entry.title = user->title;
    entry.unit_id = user->unit_id;
    entry.email = user->email;
    entry.has_active = true;
    entry.active = user->active;
    cab_event_t ev = {
        .type = "directory.user",
        .subject = user->id,
        .payload = user->active ? &entry.base : NULL,
        .topic = CAB_DIRECTORY_TOPIC,
        .key = user->id,
        .actor_id = actor_id,
    };
    return cab_outbox_emit (self->db, &ev);
}

static cab_status_t
s_emit_unit (ident_store_t *self, const char *type, const Cabinet__V1__Unit *unit,
             const char *actor_id)
{
    Cabinet__V1__UnitChanged payload = CABINET__V1__UNIT_CHANGED__INIT;
    payload.unit = (Cabinet__V1__Unit *) unit;
    cab_event_t ev = {
        .type = type,
        .subject = unit->id,
        .payload = &payload.base,
        .actor_id = actor_id,
    };
    cab_status_t status = cab_outbox_emit (self->db, &ev);
    if (status != CAB_OK)
        return status;

    Cabinet__V1__DirectoryEntry entry = CABINET__V1__DIRECTORY_ENTRY__INIT;
    entry.id = unit->id;
    entry.kind = "unit";
    entry.node_id = unit->node_id;
    entry.name = unit->name;
    entry.parent_id = unit->parent_id;
    entry.has_active = true;
    entry.active = true;
    cab_event_t dir = {
        .type = "directory.unit",
        .subject = unit->id,
        .payload = &entry.base,
        .topic = CAB_DIRECTORY_TOPIC,
        .key = unit->id,
        .actor_id = actor_id,
    };
    return cab_outbox_emit (self->db, &dir);
}

/* ---- sign-in ---------------------------------------------------------------------- */

static cab_status_t
s_account_read (ident_store_t *self, cab_arena_t *arena, const char *sql, const char *key,
                ident_account_t **account)
{
    const char *params[] = {key};
    PGresult *res = NULL;
    cab_status_t status = cab_db_query_row (self->db, sql, 1, params, &res);
    if (status == CAB_OK)
        *account = s_account_from_row (self, arena, res);
    PQclear (res);
    return status;
}

cab_status_t
ident_store_account_by_username (ident_store_t *self, cab_arena_t *arena, const char *username,
                                 ident_account_t **account)
{
    return s_account_read (self, arena, SQL_ACCOUNT_BY_USERNAME, username, account);
}

cab_status_t
ident_store_account_by_id (ident_store_t *self, cab_arena_t *arena, const char *id,
                           ident_account_t **account)
{
    return s_account_read (self, arena, SQL_ACCOUNT_BY_ID, id, account);
}

cab_status_t
ident_store_recent_failures (ident_store_t *self, const char *username, long window_minutes,
                             long limit, long *count, long long *oldest_at)
{
    char window[24], cap[24];
    snprintf (window, sizeof window, "%ld", window_minutes);
    snprintf (cap, sizeof cap, "%ld", limit);
    const char *params[] = {username, window, cap};
    PGresult *res = NULL;
    cab_status_t status = cab_db_exec (self->db, SQL_RECENT_FAILURES, 3, params, &res);
    if (status == CAB_OK) {
        *count = PQntuples (res) ? (long) cab_db_long (res, 0, 0) : 0;
        *oldest_at = PQntuples (res) ? cab_db_long (res, 0, 1) : 0;
    }
    PQclear (res);
    return status;
}

static cab_status_t
s_log_login (ident_store_t *self, const ident_login_record_t *record)
{
    char id[CAB_UUID_LEN + 1];
    cab_uuid_v7 (id);
    bool success = strcmp (record->reason, "ok") == 0;
    const char *params[] = {
        id,
        record->username,
        record->user_id,
        record->unit_id,
        success ? "true" : "false",
        record->reason,
        record->method,
        record->ip,
        record->user_agent,
    };
    return cab_db_command (self->db, SQL_LOG_LOGIN, 9, params);
}

cab_status_t
ident_store_log_login (ident_store_t *self, const ident_login_record_t *record)
{
    return s_log_login (self, record);
}

cab_status_t
ident_store_session_open (ident_store_t *self, cab_arena_t *arena, const ident_session_spec_t *spec,
                          const ident_login_record_t *record, char **expires_at)
{
    char id[CAB_UUID_LEN + 1];
    char hours[24], step[24];
    cab_uuid_v7 (id);
    snprintf (hours, sizeof hours, "%ld", spec->hours);
    snprintf (step, sizeof step, "%" PRId64, spec->totp_step);
    PGresult *res = NULL;

    cab_status_t status = cab_db_begin (self->db);
    if (status != CAB_OK)
        return status;
    if (spec->totp_step > 0) {
        //  A code works once: if another sign-in used this step meanwhile,
        //  this one loses.
        const char *params[] = {spec->user_id, step};
        bool used = false;
        status = cab_db_any_row (self->db, SQL_TOTP_USE_STEP, 2, params, &used);
        if (status == CAB_OK && !used)
            status = CAB_ABORTED;
        if (status != CAB_OK)
            goto cleanup;
    }
    const char *params[] = {id, spec->token_hash, spec->user_id, hours, spec->ip, spec->user_agent};
    status = cab_db_query_row (self->db, SQL_SESSION_INSERT, 6, params, &res);
    if (status != CAB_OK)
        goto cleanup;
    *expires_at = cab_db_text (arena, res, 0, 0);
    status = s_log_login (self, record);
    if (status == CAB_OK)
        status = cab_db_commit (self->db);
cleanup:
    if (status != CAB_OK)
        cab_db_rollback (self->db);
    PQclear (res);
    return status;
}

cab_status_t
ident_store_session_lookup (ident_store_t *self, cab_arena_t *arena, const char *token_hash,
                            long touch_seconds, Cabinet__V1__Caller **caller, char **expires_at)
{
    char touch[24];
    snprintf (touch, sizeof touch, "%ld", touch_seconds);
    const char *params[] = {token_hash, touch};
    PGresult *res = NULL;
    cab_status_t status = s_exec_hot (self, HOT_SESSION_LOOKUP, params, &res);
    if (status != CAB_OK)
        return status;
    if (PQntuples (res) == 0) {
        PQclear (res);
        return CAB_NOT_FOUND;
    }
    Cabinet__V1__Caller *c = cab_arena_alloc (arena, sizeof *c);
    cabinet__v1__caller__init (c);
    c->session_id = cab_db_text (arena, res, 0, SC_ID);
    c->user_id = cab_db_text (arena, res, 0, SC_USER_ID);
    c->unit_id = cab_db_text (arena, res, 0, SC_UNIT_ID);
    c->node_id = cab_arena_strdup (arena, self->node_id);
    c->roles = cab_db_split (arena, cab_db_value (res, 0, SC_ROLES), &c->n_roles);
    const char *source = cab_db_value (res, 0, SC_SOURCE);
    bool local = source && strcmp (source, "local") == 0;
    c->has_must_change_password = true;
    c->must_change_password =
        cab_db_bool (res, 0, SC_MUST_CHANGE)
        || (local
            && ident_password_expired (cab_db_long (res, 0, SC_CHANGED_EPOCH),
                                       (long long) time (NULL), self->max_password_age_days));
    *expires_at = cab_db_text (arena, res, 0, SC_EXPIRES);
    *caller = c;
    PQclear (res);
    return CAB_OK;
}

cab_status_t
ident_store_session_revoke (ident_store_t *self, const char *session_id, const char *user_id)
{
    cab_status_t status = cab_db_begin (self->db);
    if (status != CAB_OK)
        return status;
    const char *params[] = {session_id};
    bool revoked = false;
    status = cab_db_any_row (self->db, SQL_SESSION_REVOKE, 1, params, &revoked);
    if (status == CAB_OK && revoked) {
        Cabinet__V1__SessionRevoked payload = CABINET__V1__SESSION_REVOKED__INIT;
        payload.session_id = (char *) session_id;
        payload.user_id = (char *) user_id;
        payload.reason = "logout";
        cab_event_t ev = {
            .type = "session.revoked",
            .subject = user_id,
            .payload = &payload.base,
            .actor_id = user_id,
        };
        status = cab_outbox_emit (self->db, &ev);
    }
    if (status == CAB_OK)
        status = cab_db_commit (self->db);
    else
        cab_db_rollback (self->db);
    return status;
}

/* ---- users ------------------------------------------------------------------------ */

cab_status_t
ident_store_user_get (ident_store_t *self, cab_arena_t *arena, const char *id,
                      Cabinet__V1__User **user, int *version)
{
    const char *params[] = {id};
    PGresult *res = NULL;
    cab_status_t status = s_exec_hot (self, HOT_USER_GET, params, &res);
    if (status != CAB_OK)
        return status;
    if (PQntuples (res) == 0)
        status = CAB_NOT_FOUND;
    else
        *user = s_user_from_row (self, arena, res, 0, version);
    PQclear (res);
    return status;
}

cab_status_t
ident_store_user_list (ident_store_t *self, cab_arena_t *arena, const ident_user_query_t *query,
                       Cabinet__V1__UserList **list)
{
    char limit[24];
    //  One row more than asked tells whether another page follows.
    snprintf (limit, sizeof limit, "%d", query->limit + 1);
    const char *params[] = {query->unit_id, query->pattern, query->after,
                            query->include_inactive ? "true" : "false", limit};
    PGresult *res = NULL;
    cab_status_t status = cab_db_exec (self->db, SQL_USER_LIST, 5, params, &res);
    if (status != CAB_OK)
        return status;
    Cabinet__V1__UserList *out = cab_arena_alloc (arena, sizeof *out);
    cabinet__v1__user_list__init (out);
    int rows = PQntuples (res);
    int take = rows > query->limit ? query->limit : rows;
    out->items = cab_arena_alloc (arena, (size_t) (take ? take : 1) * sizeof *out->items);
    for (int i = 0; i < take; i++)
        out->items[out->n_items++] = s_user_from_row (self, arena, res, i, NULL);
    if (rows > query->limit && take > 0)
        out->next = cab_arena_strdup (arena, out->items[take - 1]->username);
    PQclear (res);
    *list = out;
    return CAB_OK;
}

static cab_status_t
s_unit_exists (ident_store_t *self, const char *unit_id, bool *exists)
{
    const char *params[] = {unit_id};
    return cab_db_any_row (self->db, SQL_UNIT_EXISTS, 1, params, exists);
}

static cab_status_t
s_roles_insert (ident_store_t *self, const char *user_id, char *const *roles, size_t n)
{
    char literal[ROLES_TEXT_MAX];
    if (!s_roles_literal (roles, n, literal, sizeof literal)) {
        cab_error ("store: role list does not fit (%zu roles)", n);
        return CAB_INTERNAL;
    }
    const char *params[] = {user_id, literal};
    return cab_db_command (self->db, SQL_ROLES_INSERT, 2, params);
}

//  Insert a user, its roles and its events inside the open transaction.
static cab_status_t
s_user_insert (ident_store_t *self, cab_arena_t *arena, const ident_new_user_t *in,
               const char *actor_id, Cabinet__V1__User **user, ident_fault_t *fault)
{
    bool exists = false;
    cab_status_t status = s_unit_exists (self, in->unit_id, &exists);
    if (status != CAB_OK)
        return status;
    if (!exists) {
        s_fault (fault, "unit_id", "Đơn vị không tồn tại");
        return CAB_INVALID_ARGUMENT;
    }
    char id[CAB_UUID_LEN + 1];
    cab_uuid_v7 (id);
    const char *params[] = {
        id,
        in->username,
        in->full_name,
        in->title ? in->title : "",
        in->unit_id,
        in->email ? in->email : "",
        in->phone ? in->phone : "",
        in->source,
        in->ldap_dn,
        in->password_hash,
        in->must_change_password ? "true" : "false",
    };
    status = cab_db_command (self->db, SQL_USER_INSERT, 11, params);
    if (status == CAB_ALREADY_EXISTS) {
        s_fault (fault, "username", "Tên đăng nhập đã tồn tại");
        return status;
    }
    if (status != CAB_OK)
        return status;
    if (in->n_roles && (status = s_roles_insert (self, id, in->roles, in->n_roles)) != CAB_OK)
        return status;
    if ((status = s_user_read (self, arena, SQL_USER_GET, id, user, NULL)) != CAB_OK)
        return status;
    status = s_emit_user (self, "user.created", *user, NULL, 0, actor_id);
    if (status == CAB_OK)
        status = s_emit_directory_user (self, *user, actor_id);
    return status;
}

cab_status_t
ident_store_user_create (ident_store_t *self, cab_arena_t *arena, const ident_new_user_t *in,
                         const char *actor_id, Cabinet__V1__User **user, ident_fault_t *fault)
{
    cab_status_t status = cab_db_begin (self->db);
    if (status != CAB_OK)
        return status;
    if (ident_roles_have (in->roles, in->n_roles, IDENT_ROLE_SYSTEM_ADMIN))
        status = s_lock (self, LOCK_SYSTEM_ADMINS);
    if (status == CAB_OK)
        status = s_user_insert (self, arena, in, actor_id, user, fault);
    if (status == CAB_OK)
        status = cab_db_commit (self->db);
    if (status != CAB_OK)
        cab_db_rollback (self->db);
    return status;
}

static bool
s_differs (const char *a, const char *b)
{
    return (a == NULL) != (b == NULL) || (a && b && strcmp (a, b) != 0);
}

static bool
s_roles_differ (const Cabinet__V1__User *a, const Cabinet__V1__User *b)
{
    if (a->n_roles != b->n_roles)
        return true;
    for (size_t i = 0; i < a->n_roles; i++)
        if (strcmp (a->roles[i], b->roles[i]) != 0)
            return true;
    return false;
}

//  Names of the profile fields that differ between before and after, into
//  changed (room for 8). Returns how many.
static size_t
s_changed_fields (const Cabinet__V1__User *before, const Cabinet__V1__User *after,
                  const char **changed)
{
    size_t n = 0;
    if (s_differs (before->full_name, after->full_name))
        changed[n++] = "full_name";
    if (s_differs (before->title, after->title))
        changed[n++] = "title";
    if (s_differs (before->unit_id, after->unit_id))
        changed[n++] = "unit_id";
    if (s_differs (before->email, after->email))
        changed[n++] = "email";
    if (s_differs (before->phone, after->phone))
        changed[n++] = "phone";
    if (s_roles_differ (before, after))
        changed[n++] = "roles";
    return n;
}

//  Refuse (FAILED_PRECONDITION) if no active system admin would remain.
static cab_status_t
s_require_system_admin (ident_store_t *self, ident_fault_t *fault)
{
    long admins = 0;
    cab_status_t status = s_count (self, SQL_COUNT_SYSTEM_ADMINS, &admins);
    if (status == CAB_OK && admins < 1) {
        s_fault (fault, NULL, "Không thể gỡ bỏ quản trị hệ thống cuối cùng đang hoạt động");
        status = CAB_FAILED_PRECONDITION;
    }
    return status;
}

cab_status_t
ident_store_user_update (ident_store_t *self, cab_arena_t *arena, const char *id,
                         const ident_user_patch_t *patch, const char *actor_id,
                         Cabinet__V1__User **user, ident_fault_t *fault)
{
    char version[24];
    snprintf (version, sizeof version, "%d", patch->version);
    Cabinet__V1__User *before = NULL;
    cab_status_t status = cab_db_begin (self->db);
    if (status != CAB_OK)
        return status;
    if (patch->roles_set && (status = s_lock (self, LOCK_SYSTEM_ADMINS)) != CAB_OK)
        goto cleanup;
    if (patch->unit_id) {
        bool exists = false;
        if ((status = s_unit_exists (self, patch->unit_id, &exists)) != CAB_OK)
            goto cleanup;
        if (!exists) {
            s_fault (fault, "unit_id", "Đơn vị không tồn tại");
            status = CAB_INVALID_ARGUMENT;
            goto cleanup;
        }
    }
    status = s_user_read (self, arena, SQL_USER_GET_FOR_UPDATE, id, &before, NULL);
    if (status == CAB_NOT_FOUND)
        status = CAB_ABORTED;
    if (status != CAB_OK)
        goto cleanup;

    const char *params[] = {id,           patch->full_name, patch->title, patch->unit_id,
                            patch->email, patch->phone,     version};
    bool updated = false;
    if ((status = cab_db_any_row (self->db, SQL_USER_UPDATE, 7, params, &updated)) != CAB_OK)
        goto cleanup;
    if (!updated) {
        s_fault (fault, NULL,
                 "Tài khoản vừa được người khác thay đổi hoặc đã bị xóa. "
                 "Vui lòng tải lại và thử lại.");
        status = CAB_ABORTED;
        goto cleanup;
    }
    const char *id_param[] = {id};
    if (patch->roles_set) {
        if ((status = cab_db_command (self->db, SQL_ROLES_DELETE, 1, id_param)) != CAB_OK)
            goto cleanup;
        if (patch->n_roles
            && (status = s_roles_insert (self, id, patch->roles, patch->n_roles)) != CAB_OK)
            goto cleanup;
        if ((status = s_require_system_admin (self, fault)) != CAB_OK)
            goto cleanup;
    } else if ((status = cab_db_command (self->db, SQL_ROLES_FOLLOW_UNIT, 1, id_param)) != CAB_OK)
        goto cleanup;

    if ((status = s_user_read (self, arena, SQL_USER_GET, id, user, NULL)) != CAB_OK)
        goto cleanup;
    const char *changed[8];
    size_t n_changed = s_changed_fields (before, *user, changed);
    if (n_changed == 0) {
        //  Nothing to say: keep the old version and send no event.
        cab_db_rollback (self->db);
        *user = before;
        return CAB_OK;
    }
    status = s_emit_user (self, "user.updated", *user, changed, n_changed, actor_id);
    if (status == CAB_OK)
        status = s_emit_directory_user (self, *user, actor_id);
cleanup:
    return cab_db_end (self->db, status);
}

cab_status_t
ident_store_user_delete (ident_store_t *self, const char *id, int version, const char *actor_id,
                         ident_fault_t *fault)
{
    char version_text[24];
    snprintf (version_text, sizeof version_text, "%d", version);
    cab_arena_t *arena = cab_arena_new ();
    if (!arena)
        return CAB_INTERNAL;
    cab_status_t status = cab_db_begin (self->db);
    if (status != CAB_OK)
        goto cleanup;
    if ((status = s_lock (self, LOCK_SYSTEM_ADMINS)) != CAB_OK)
        goto cleanup;
    const char *params[] = {id, version_text};
    bool done = false;
    if ((status = cab_db_any_row (self->db, SQL_USER_DEACTIVATE, 2, params, &done)) != CAB_OK)
        goto cleanup;
    if (!done) {
        s_fault (fault, NULL,
                 "Tài khoản vừa được người khác thay đổi hoặc đã bị xóa. "
                 "Vui lòng tải lại và thử lại.");
        status = CAB_ABORTED;
        goto cleanup;
    }
    const char *revoke[] = {id, NULL};
    if ((status = cab_db_command (self->db, SQL_SESSIONS_REVOKE_USER, 2, revoke)) != CAB_OK)
        goto cleanup;
    if ((status = s_require_system_admin (self, fault)) != CAB_OK)
        goto cleanup;
    Cabinet__V1__User *user = NULL;
    if ((status = s_user_read (self, arena, SQL_USER_GET, id, &user, NULL)) != CAB_OK)
        goto cleanup;
    const char *changed[] = {"active"};
    status = s_emit_user (self, "user.deleted", user, changed, 1, actor_id);
    if (status == CAB_OK)
        status = s_emit_directory_user (self, user, actor_id);
    if (status == CAB_OK)
        status = cab_db_commit (self->db);
cleanup:
    if (status != CAB_OK)
        cab_db_rollback (self->db);
    cab_arena_destroy (&arena);
    return status;
}

cab_status_t
ident_store_user_set_password (ident_store_t *self, const char *id, const char *password_hash,
                               bool must_change, ident_password_event_t event,
                               const char *keep_session_id, const char *actor_id,
                               ident_fault_t *fault)
{
    bool reset = event == IDENT_PASSWORD_RESET;
    PGresult *res = NULL;
    cab_arena_t *arena = cab_arena_new ();
    if (!arena)
        return CAB_INTERNAL;
    cab_status_t status = cab_db_begin (self->db);
    if (status != CAB_OK)
        goto cleanup;
    const char *params[] = {id, password_hash, must_change ? "true" : "false",
                            reset ? "true" : "false"};
    status = cab_db_query_row (self->db, SQL_USER_SET_PASSWORD, 4, params, &res);
    if (status == CAB_NOT_FOUND) {
        s_fault (fault, NULL, "Tài khoản không còn hoạt động hoặc không dùng mật khẩu cục bộ");
        status = CAB_FAILED_PRECONDITION;
    }
    if (status != CAB_OK)
        goto cleanup;
    bool totp_was_enabled = cab_db_bool (res, 0, 0);
    const char *revoke[] = {id, keep_session_id};
    if ((status = cab_db_command (self->db, SQL_SESSIONS_REVOKE_USER, 2, revoke)) != CAB_OK)
        goto cleanup;
    Cabinet__V1__User *user = NULL;
    if ((status = s_user_read (self, arena, SQL_USER_GET, id, &user, NULL)) != CAB_OK)
        goto cleanup;
    const char *changed[] = {"password", "totp_enabled"};
    size_t n_changed = reset && totp_was_enabled ? 2 : 1;
    status = s_emit_user (self, reset ? "user.password_reset" : "user.password_changed", user,
                          changed, n_changed, actor_id);
    if (status == CAB_OK)
        status = cab_db_commit (self->db);
cleanup:
    if (status != CAB_OK)
        cab_db_rollback (self->db);
    PQclear (res);
    cab_arena_destroy (&arena);
    return status;
}

cab_status_t
ident_store_totp_stage (ident_store_t *self, const char *id, const char *secret,
                        ident_fault_t *fault)
{
    const char *params[] = {id, secret};
    bool staged = false;
    cab_status_t status = cab_db_any_row (self->db, SQL_TOTP_STAGE, 2, params, &staged);
    if (status == CAB_OK && !staged) {
        s_fault (fault, NULL, "Xác thực hai lớp đã được bật cho tài khoản này");
        status = CAB_FAILED_PRECONDITION;
    }
    return status;
}

cab_status_t
ident_store_totp_enable (ident_store_t *self, const char *id, int64_t step, const char *actor_id,
                         ident_fault_t *fault)
{
    char step_text[24];
    snprintf (step_text, sizeof step_text, "%" PRId64, step);
    cab_arena_t *arena = cab_arena_new ();
    if (!arena)
        return CAB_INTERNAL;
    ident_account_t *account = NULL;
    cab_status_t status = cab_db_begin (self->db);
    if (status != CAB_OK)
        goto cleanup;
    //  Enable only the secret that was checked (a second SetupTotp in
    //  between replaces it).
    if ((status = s_account_read (self, arena, SQL_ACCOUNT_BY_ID, id, &account)) != CAB_OK)
        goto cleanup;
    const char *params[] = {id, step_text, account->totp_secret};
    bool enabled = false;
    if ((status = cab_db_any_row (self->db, SQL_TOTP_ENABLE, 3, params, &enabled)) != CAB_OK)
        goto cleanup;
    if (!enabled) {
        s_fault (fault, NULL, "Vui lòng thiết lập lại xác thực hai lớp");
        status = CAB_FAILED_PRECONDITION;
        goto cleanup;
    }
    Cabinet__V1__User *user = NULL;
    if ((status = s_user_read (self, arena, SQL_USER_GET, id, &user, NULL)) != CAB_OK)
        goto cleanup;
    const char *changed[] = {"totp_enabled"};
    status = s_emit_user (self, "user.totp_enabled", user, changed, 1, actor_id);
    if (status == CAB_OK)
        status = cab_db_commit (self->db);
cleanup:
    if (status != CAB_OK)
        cab_db_rollback (self->db);
    cab_arena_destroy (&arena);
    return status;
}

//  Unit of a directory account: the unit named like its ou, else the
//  configured default (an id or a name). *unit_id NULL when none matches.
static cab_status_t
s_ldap_unit (ident_store_t *self, cab_arena_t *arena, const ident_ldap_profile_t *profile,
             char **unit_id)
{
    *unit_id = NULL;
    cab_status_t status = CAB_NOT_FOUND;
    if (profile->ou && *profile->ou)
        status = ident_store_unit_find (self, arena, profile->ou, unit_id);
    if (status != CAB_NOT_FOUND)
        return status;
    const char *fallback = profile->default_unit;
    if (!fallback || !*fallback)
        return CAB_OK;
    if (cab_uuid_valid (fallback)) {
        bool exists = false;
        status = s_unit_exists (self, fallback, &exists);
        if (status == CAB_OK && exists)
            *unit_id = cab_arena_strdup (arena, fallback);
        return status;
    }
    status = ident_store_unit_find (self, arena, fallback, unit_id);
    return status == CAB_NOT_FOUND ? CAB_OK : status;
}

cab_status_t
ident_store_ldap_sync (ident_store_t *self, cab_arena_t *arena, const ident_ldap_profile_t *profile,
                       char **user_id)
{
    Cabinet__V1__User *before = NULL, *user = NULL;
    char *unit_id = NULL;
    cab_status_t status = cab_db_begin (self->db);
    if (status != CAB_OK)
        return status;
    if ((status = s_ldap_unit (self, arena, profile, &unit_id)) != CAB_OK)
        goto cleanup;
    status = s_user_read (self, arena, SQL_USER_BY_DN_FOR_UPDATE, profile->dn, &before, NULL);
    if (status == CAB_NOT_FOUND)
        status = s_user_read (self, arena, SQL_USER_BY_NAME_FOR_UPDATE, profile->username, &before,
                              NULL);
    if (status == CAB_NOT_FOUND) {
        //  First sign-in: a member of their agency.
        if (!unit_id) {
            cab_warn ("ldap: no unit for '%s' (ou '%s') and no CABINET_LDAP_DEFAULT_UNIT",
                      profile->username, profile->ou ? profile->ou : "");
            status = CAB_FAILED_PRECONDITION;
            goto cleanup;
        }
        char *member[] = {IDENT_ROLE_MEMBER};
        ident_new_user_t in = {
            .username = profile->username,
            .full_name = profile->full_name,
            .title = profile->title,
            .unit_id = unit_id,
            .email = profile->email,
            .phone = profile->phone,
            .roles = member,
            .n_roles = 1,
            .source = "ldap",
            .ldap_dn = profile->dn,
        };
        ident_fault_t fault = {0};
        status = s_user_insert (self, arena, &in, NULL, &user, &fault);
        if (status != CAB_OK)
            goto cleanup;
    } else if (status != CAB_OK)
        goto cleanup;
    else if (strcmp (before->source, "ldap") != 0) {
        cab_warn ("ldap: directory entry '%s' has the name of local account '%s'", profile->dn,
                  before->username);
        status = CAB_ALREADY_EXISTS;
        goto cleanup;
    } else if (!before->active)
        user = before;  //  deleted accounts stay deleted; sign-in refuses them
    else {
        const char *params[] = {
            before->id,
            profile->dn,
            profile->full_name,
            profile->title,
            profile->email,
            profile->phone,
            unit_id ? unit_id : before->unit_id,
        };
        bool updated = false;
        if ((status = cab_db_any_row (self->db, SQL_USER_LDAP_REFRESH, 7, params, &updated))
            != CAB_OK)
            goto cleanup;
        user = before;
        if (updated) {
            const char *id_param[] = {before->id};
            if ((status = cab_db_command (self->db, SQL_ROLES_FOLLOW_UNIT, 1, id_param)) != CAB_OK)
                goto cleanup;
            if ((status = s_user_read (self, arena, SQL_USER_GET, before->id, &user, NULL))
                != CAB_OK)
                goto cleanup;
            const char *changed[8];
            size_t n_changed = s_changed_fields (before, user, changed);
            if (n_changed > 0) {
                status = s_emit_user (self, "user.updated", user, changed, n_changed, NULL);
                if (status == CAB_OK)
                    status = s_emit_directory_user (self, user, NULL);
                if (status != CAB_OK)
                    goto cleanup;
            }
        }
    }
    *user_id = user->id;
cleanup:
    return cab_db_end (self->db, status);
}

cab_status_t
ident_store_count_system_admins (ident_store_t *self, long *count)
{
    return s_count (self, SQL_COUNT_SYSTEM_ADMINS, count);
}

/* ---- units ------------------------------------------------------------------------ */

static cab_status_t
s_unit_read (ident_store_t *self, cab_arena_t *arena, const char *sql, const char *id,
             Cabinet__V1__Unit **unit)
{
    const char *params[] = {id};
    PGresult *res = NULL;
    cab_status_t status = cab_db_query_row (self->db, sql, 1, params, &res);
    if (status == CAB_OK)
        *unit = s_unit_from_row (arena, res, 0);
    PQclear (res);
    return status;
}

cab_status_t
ident_store_unit_get (ident_store_t *self, cab_arena_t *arena, const char *id,
                      Cabinet__V1__Unit **unit)
{
    return s_unit_read (self, arena, SQL_UNIT_GET, id, unit);
}

cab_status_t
ident_store_unit_list (ident_store_t *self, cab_arena_t *arena, const char *parent_id,
                       const char *pattern, Cabinet__V1__UnitList **list)
{
    char limit[24];
    snprintf (limit, sizeof limit, "%d", UNITS_LIST_MAX);
    const char *mode = !parent_id ? "all" : !*parent_id ? "top" : "children";
    const char *params[] = {mode, parent_id && *parent_id ? parent_id : NULL, pattern, limit};
    PGresult *res = NULL;
    cab_status_t status = cab_db_exec (self->db, SQL_UNIT_LIST, 4, params, &res);
    if (status != CAB_OK)
        return status;
    Cabinet__V1__UnitList *out = cab_arena_alloc (arena, sizeof *out);
    cabinet__v1__unit_list__init (out);
    int rows = PQntuples (res);
    out->items = cab_arena_alloc (arena, (size_t) (rows ? rows : 1) * sizeof *out->items);
    for (int i = 0; i < rows; i++)
        out->items[out->n_items++] = s_unit_from_row (arena, res, i);
    PQclear (res);
    *list = out;
    return CAB_OK;
}

cab_status_t
ident_store_unit_find (ident_store_t *self, cab_arena_t *arena, const char *name, char **id)
{
    const char *params[] = {name};
    PGresult *res = NULL;
    cab_status_t status = cab_db_query_row (self->db, SQL_UNIT_BY_NAME, 1, params, &res);
    if (status == CAB_OK)
        *id = cab_db_text (arena, res, 0, 0);
    PQclear (res);
    return status;
}

static cab_status_t
s_parent_must_exist (ident_store_t *self, const char *parent_id, ident_fault_t *fault)
{
    bool exists = false;
    cab_status_t status = s_unit_exists (self, parent_id, &exists);
    if (status == CAB_OK && !exists) {
        s_fault (fault, "parent_id", "Đơn vị cấp trên không tồn tại");
        status = CAB_INVALID_ARGUMENT;
    }
    return status;
}

static const char s_sibling_taken[] = "Đã có đơn vị cùng tên trong cùng đơn vị cấp trên";

cab_status_t
ident_store_unit_create (ident_store_t *self, cab_arena_t *arena, const char *name,
                         const char *parent_id, const char *actor_id, Cabinet__V1__Unit **unit,
                         ident_fault_t *fault)
{
    char id[CAB_UUID_LEN + 1];
    cab_uuid_v7 (id);
    PGresult *res = NULL;
    cab_status_t status = cab_db_begin (self->db);
    if (status != CAB_OK)
        return status;
    if ((status = s_lock (self, LOCK_UNIT_TREE)) != CAB_OK)
        goto cleanup;
    if (parent_id && (status = s_parent_must_exist (self, parent_id, fault)) != CAB_OK)
        goto cleanup;
    const char *params[] = {id, name, parent_id, self->node_id};
    status = cab_db_query_row (self->db, SQL_UNIT_INSERT, 4, params, &res);
    if (status == CAB_ALREADY_EXISTS)
        s_fault (fault, "name", s_sibling_taken);
    if (status != CAB_OK)
        goto cleanup;
    *unit = s_unit_from_row (arena, res, 0);
    status = s_emit_unit (self, "unit.created", *unit, actor_id);
    if (status == CAB_OK)
        status = cab_db_commit (self->db);
cleanup:
    if (status != CAB_OK)
        cab_db_rollback (self->db);
    PQclear (res);
    return status;
}

cab_status_t
ident_store_unit_update (ident_store_t *self, cab_arena_t *arena, const char *id, const char *name,
                         const char *parent_id, const char *actor_id, Cabinet__V1__Unit **unit,
                         ident_fault_t *fault)
{
    Cabinet__V1__Unit *before = NULL;
    PGresult *res = NULL;
    cab_status_t status = cab_db_begin (self->db);
    if (status != CAB_OK)
        return status;
    if ((status = s_lock (self, LOCK_UNIT_TREE)) != CAB_OK)
        goto cleanup;
    status = s_unit_read (self, arena, SQL_UNIT_GET_FOR_UPDATE, id, &before);
    if (status == CAB_NOT_FOUND)
        s_fault (fault, "id", "Không tìm thấy đơn vị");
    if (status != CAB_OK)
        goto cleanup;

    const char *new_name = name ? name : before->name;
    const char *new_parent = before->parent_id;
    if (parent_id)
        new_parent = *parent_id ? parent_id : NULL;
    bool moves = s_differs (new_parent, before->parent_id);
    if (moves && new_parent) {
        if ((status = s_parent_must_exist (self, new_parent, fault)) != CAB_OK)
            goto cleanup;
        const char *params[] = {new_parent, id};
        bool cycle = false;
        if ((status = cab_db_any_row (self->db, SQL_UNIT_IS_ANCESTOR_OR_SELF, 2, params, &cycle))
            != CAB_OK)
            goto cleanup;
        if (cycle) {
            s_fault (fault, "parent_id",
                     "Không thể chuyển đơn vị vào chính nó hoặc đơn vị cấp dưới của nó");
            status = CAB_INVALID_ARGUMENT;
            goto cleanup;
        }
    }
    if (!moves && strcmp (new_name, before->name) == 0) {
        cab_db_rollback (self->db);  //  nothing changes: no new version, no event
        *unit = before;
        return CAB_OK;
    }
    const char *params[] = {id, new_name, new_parent};
    status = cab_db_query_row (self->db, SQL_UNIT_UPDATE, 3, params, &res);
    if (status == CAB_ALREADY_EXISTS)
        s_fault (fault, "name", s_sibling_taken);
    if (status != CAB_OK)
        goto cleanup;
    *unit = s_unit_from_row (arena, res, 0);
    status = s_emit_unit (self, "unit.updated", *unit, actor_id);
    if (status == CAB_OK)
        status = cab_db_commit (self->db);
cleanup:
    if (status != CAB_OK)
        cab_db_rollback (self->db);
    PQclear (res);
    return status;
}

cab_status_t
ident_store_count_units (ident_store_t *self, long *count)
{
    return s_count (self, SQL_COUNT_UNITS, count);
}

/* ---- login log, directory ------------------------------------------------------------ */

cab_status_t
ident_store_login_list (ident_store_t *self, cab_arena_t *arena, const ident_login_query_t *query,
                        Cabinet__V1__LoginList **list)
{
    char limit[24];
    snprintf (limit, sizeof limit, "%d", query->limit + 1);
    const char *params[] = {query->user_id, query->unit_id, query->from,
                            query->to,      query->before,  limit};
    PGresult *res = NULL;
    cab_status_t status = cab_db_exec (self->db, SQL_LOGIN_LIST, 6, params, &res);
    if (status != CAB_OK)
        return status;
    Cabinet__V1__LoginList *out = cab_arena_alloc (arena, sizeof *out);
    cabinet__v1__login_list__init (out);
    int rows = PQntuples (res);
    int take = rows > query->limit ? query->limit : rows;
    out->items = cab_arena_alloc (arena, (size_t) (take ? take : 1) * sizeof *out->items);
    for (int i = 0; i < take; i++) {
        Cabinet__V1__LoginEntry *e = cab_arena_alloc (arena, sizeof *e);
        cabinet__v1__login_entry__init (e);
        e->id = cab_db_text (arena, res, i, 0);
        e->at = cab_db_text (arena, res, i, 1);
        e->username = cab_db_text (arena, res, i, 2);
        e->user_id = cab_db_text (arena, res, i, 3);
        e->unit_id = cab_db_text (arena, res, i, 4);
        e->has_success = true;
        e->success = cab_db_bool (res, i, 5);
        e->reason = cab_db_text (arena, res, i, 6);
        e->method = cab_db_text (arena, res, i, 7);
        e->ip = cab_db_text (arena, res, i, 8);
        e->user_agent = cab_db_text (arena, res, i, 9);
        out->items[out->n_items++] = e;
    }
    if (rows > query->limit && take > 0)
        out->next = cab_arena_strdup (arena, out->items[take - 1]->id);
    PQclear (res);
    *list = out;
    return CAB_OK;
}

cab_status_t
ident_store_directory_list (ident_store_t *self, cab_arena_t *arena,
                            const ident_directory_query_t *query, Cabinet__V1__DirectoryList **list)
{
    char limit[24];
    snprintf (limit, sizeof limit, "%d", query->limit + 1);
    const char *params[] = {query->node_id, query->pattern, query->after, limit, self->node_id};
    PGresult *res = NULL;
    cab_status_t status = cab_db_exec (self->db, SQL_DIRECTORY_LIST, 5, params, &res);
    if (status != CAB_OK)
        return status;
    Cabinet__V1__DirectoryList *out = cab_arena_alloc (arena, sizeof *out);
    cabinet__v1__directory_list__init (out);
    int rows = PQntuples (res);
    int take = rows > query->limit ? query->limit : rows;
    out->items = cab_arena_alloc (arena, (size_t) (take ? take : 1) * sizeof *out->items);
    for (int i = 0; i < take; i++) {
        Cabinet__V1__DirectoryEntry *e = cab_arena_alloc (arena, sizeof *e);
        cabinet__v1__directory_entry__init (e);
        e->id = cab_db_text (arena, res, i, 0);
        e->kind = cab_db_text (arena, res, i, 1);
        e->node_id = cab_db_text (arena, res, i, 2);
        e->name = cab_db_text (arena, res, i, 3);
        e->title = cab_db_text (arena, res, i, 4);
        e->unit_id = cab_db_text (arena, res, i, 5);
        e->parent_id = cab_db_text (arena, res, i, 6);
        e->email = cab_db_text (arena, res, i, 7);
        e->has_active = true;
        e->active = cab_db_bool (res, i, 8);
        out->items[out->n_items++] = e;
    }
    if (rows > query->limit && take > 0)
        out->next = cab_arena_strdup (arena, out->items[take - 1]->id);
    PQclear (res);
    *list = out;
    return CAB_OK;
}

//  An id from another node, or NULL if it is not a UUID.
static const char *
s_uuid_or_null (const char *s)
{
    return s && cab_uuid_valid (s) ? s : NULL;
}

cab_status_t
ident_store_directory_put (PGconn *db, const Cabinet__V1__DirectoryEntry *entry, uint64_t sequence)
{
    char seq[24];
    snprintf (seq, sizeof seq, "%" PRIu64, sequence);
    const char *params[] = {
        entry->id,
        entry->kind,
        entry->node_id,
        entry->name,
        entry->title,
        s_uuid_or_null (entry->unit_id),
        s_uuid_or_null (entry->parent_id),
        entry->email,
        !entry->has_active || entry->active ? "true" : "false",
        seq,
    };
    return cab_db_exec (db, SQL_DIRECTORY_PUT, 10, params, NULL);
}

cab_status_t
ident_store_directory_remove (PGconn *db, const char *id)
{
    const char *params[] = {id};
    return cab_db_exec (db, SQL_DIRECTORY_REMOVE, 1, params, NULL);
}
