/*  ident_store - accounts, agencies, sessions, the login log and the
    province directory in PostgreSQL: the only file of the identity service
    that speaks SQL. Every change is one transaction together with its
    outbox events (domain event + public directory entry), so nothing is
    half-stored and no event is lost or invented.

    Results are protobuf messages allocated in the caller's arena. Outcomes
    a person caused come back as a status with a Vietnamese explanation in
    an ident_fault_t; unexpected failures are logged here and come back as
    CAB_INTERNAL / CAB_UNAVAILABLE.  */
#ifndef IDENT_STORE_H
#define IDENT_STORE_H
#include "cab_arena.h"
#include "cab_status.h"
#include "cabinet/v1/identity.pb-c.h"
#include <libpq-fe.h>
#include <stdbool.h>
#include <stdint.h>

typedef struct _ident_store_t ident_store_t;

//  Why a change was refused, for the reply: field may be NULL. Static text.
typedef struct {
    const char *field;
    const char *message;
} ident_fault_t;

//  Create a store on db, which stays the caller's (it must outlive the
//  store). node_id is copied; max_password_age_days (0: off) decides the
//  must_change_password of the users it returns. Returns NULL on failure.
ident_store_t *ident_store_new (PGconn *db, const char *node_id, long max_password_age_days);

//  Destroy the store (not the connection); nulls *self_p. NULL-safe.
void ident_store_destroy (ident_store_t **self_p);

//  The store's connection (borrowed).
PGconn *ident_store_db (ident_store_t *self);

/* ---- sign-in ---------------------------------------------------------------- */

//  What sign-in needs to know about an account. Strings live in the arena.
typedef struct {
    char *id;
    char *username;
    char *unit_id;
    char *source;               //  "local" or "ldap"
    char *password_hash;        //  NULL for directory accounts
    bool must_change_password;  //  set by an admin reset or an expired password
    char *totp_secret;          //  base32, NULL if never set up
    bool totp_enabled;
    int64_t totp_last_step;
    bool active;
} ident_account_t;

//  The account whose user name is username (case-insensitively). Returns
//  CAB_OK with *account set, CAB_NOT_FOUND, or a failure.
cab_status_t ident_store_account_by_username (ident_store_t *self, cab_arena_t *arena,
                                              const char *username, ident_account_t **account);

//  The same by id.
cab_status_t ident_store_account_by_id (ident_store_t *self, cab_arena_t *arena, const char *id,
                                        ident_account_t **account);

//  Failed sign-ins of login name username (lower-cased as typed) within the
//  last window_minutes, after its last success and after an admin reset,
//  newest first, at most limit of them: *count and the time (Unix seconds)
//  of the oldest counted one.
cab_status_t ident_store_recent_failures (ident_store_t *self, const char *username,
                                          long window_minutes, long limit, long *count,
                                          long long *oldest_at);

//  One line of the login log. user_id / unit_id / ip / user_agent may be NULL.
typedef struct {
    const char *username;
    const char *user_id;
    const char *unit_id;
    const char *reason;  //  ok, bad_credentials, locked, totp_required, inactive, ...
    const char *method;  //  local or ldap
    const char *ip;
    const char *user_agent;
} ident_login_record_t;

//  Append a failed (reason != "ok") attempt to the login log.
cab_status_t ident_store_log_login (ident_store_t *self, const ident_login_record_t *record);

//  A new session: its token's hash, lifetime, and where it came from.
typedef struct {
    const char *user_id;
    const char *token_hash;  //  SHA-256 hex of the token
    long hours;
    const char *ip;
    const char *user_agent;
    int64_t totp_step;  //  > 0: the TOTP step just used, remembered so it works once
} ident_session_spec_t;

//  Open a session and log the successful sign-in, in one transaction.
//  *expires_at (RFC 3339) is allocated in arena. Returns CAB_OK, CAB_ABORTED
//  if the TOTP step was used meanwhile, or a failure.
cab_status_t ident_store_session_open (ident_store_t *self, cab_arena_t *arena,
                                       const ident_session_spec_t *spec,
                                       const ident_login_record_t *record, char **expires_at);

//  The signed-in caller behind a live session (not expired, not revoked,
//  active user), found by token hash in one round trip that also refreshes
//  last_seen_at when it is older than touch_seconds. Returns CAB_OK with
//  *caller (roles, unit, session id, must_change_password) and *expires_at
//  in arena, CAB_NOT_FOUND, or a failure.
cab_status_t ident_store_session_lookup (ident_store_t *self, cab_arena_t *arena,
                                         const char *token_hash, long touch_seconds,
                                         Cabinet__V1__Caller **caller, char **expires_at);

//  Revoke one session of user_id and, when it was live, record
//  session.revoked in the same transaction. Revoking a revoked or unknown
//  session is CAB_OK and records nothing.
cab_status_t ident_store_session_revoke (ident_store_t *self, const char *session_id,
                                         const char *user_id);

/* ---- users ------------------------------------------------------------------ */

//  The full record of user id (phone and e-mail included: the caller
//  redacts). *version (may be NULL) is the row version for updates.
//  Returns CAB_OK, CAB_NOT_FOUND, or a failure.
cab_status_t ident_store_user_get (ident_store_t *self, cab_arena_t *arena, const char *id,
                                   Cabinet__V1__User **user, int *version);

typedef struct {
    const char *unit_id;  //  NULL: every unit
    const char *pattern;  //  SQL LIKE pattern (see cab_db_like_pattern), or NULL
    const char *after;    //  keyset cursor: user name of the last row seen, or NULL
    int limit;
    bool include_inactive;
} ident_user_query_t;

//  Users ordered by user name. (*list)->next is set when more rows follow.
cab_status_t ident_store_user_list (ident_store_t *self, cab_arena_t *arena,
                                    const ident_user_query_t *query, Cabinet__V1__UserList **list);

//  A new account. Strings are final (validated, NFC); "" or NULL leave the
//  optional ones empty.
typedef struct {
    const char *username;
    const char *full_name;
    const char *title;
    const char *unit_id;
    const char *email;
    const char *phone;
    char *const *roles;  //  valid role names, no duplicates
    size_t n_roles;
    const char *source;         //  "local" or "ldap"
    const char *ldap_dn;        //  directory accounts only
    const char *password_hash;  //  local accounts only
    bool must_change_password;
} ident_new_user_t;

//  Create an account with its roles and events (user.created, directory).
//  actor_id may be NULL (the system). Returns CAB_OK with *user,
//  CAB_ALREADY_EXISTS (user name taken), CAB_INVALID_ARGUMENT (unknown
//  unit), each with *fault, or a failure.
cab_status_t ident_store_user_create (ident_store_t *self, cab_arena_t *arena,
                                      const ident_new_user_t *in, const char *actor_id,
                                      Cabinet__V1__User **user, ident_fault_t *fault);

//  A change to an account: NULL fields stay as they are; "" clears title,
//  e-mail and phone.
typedef struct {
    const char *full_name;
    const char *title;
    const char *unit_id;
    const char *email;
    const char *phone;
    bool roles_set;  //  replace the roles with roles[0..n_roles)
    char *const *roles;
    size_t n_roles;
    int version;  //  the version the caller judged; another one means someone else changed it
} ident_user_patch_t;

//  Apply patch to active user id, with user.updated and directory events.
//  Returns CAB_OK with *user, CAB_ABORTED (changed meanwhile or deleted),
//  CAB_FAILED_PRECONDITION (would leave no active system admin),
//  CAB_INVALID_ARGUMENT (unknown unit), each with *fault, or a failure.
cab_status_t ident_store_user_update (ident_store_t *self, cab_arena_t *arena, const char *id,
                                      const ident_user_patch_t *patch, const char *actor_id,
                                      Cabinet__V1__User **user, ident_fault_t *fault);

//  Soft-delete active user id at version: inactive, sessions revoked,
//  user.deleted and a directory tombstone. Returns CAB_OK, CAB_ABORTED,
//  CAB_FAILED_PRECONDITION (the last active system admin), with *fault, or
//  a failure.
cab_status_t ident_store_user_delete (ident_store_t *self, const char *id, int version,
                                      const char *actor_id, ident_fault_t *fault);

typedef enum {
    IDENT_PASSWORD_CHANGED,  //  by the user: user.password_changed
    IDENT_PASSWORD_RESET,    //  by an admin: user.password_reset, TOTP and lockout cleared
} ident_password_event_t;

//  Store a new password hash for local, active user id. must_change forces
//  a change at next sign-in. Sessions of the user are revoked, except
//  keep_session_id (may be NULL). Returns CAB_OK, CAB_FAILED_PRECONDITION
//  (not a local active account) with *fault, or a failure.
cab_status_t ident_store_user_set_password (ident_store_t *self, const char *id,
                                            const char *password_hash, bool must_change,
                                            ident_password_event_t event,
                                            const char *keep_session_id, const char *actor_id,
                                            ident_fault_t *fault);

//  Remember a new TOTP secret (base32) for user id, not yet enabled.
//  Returns CAB_OK, CAB_FAILED_PRECONDITION (already enabled) with *fault,
//  or a failure.
cab_status_t ident_store_totp_stage (ident_store_t *self, const char *id, const char *secret,
                                     ident_fault_t *fault);

//  Enable TOTP for user id after a code of step was checked; user.totp_enabled.
//  Returns CAB_OK, CAB_FAILED_PRECONDITION with *fault, or a failure.
cab_status_t ident_store_totp_enable (ident_store_t *self, const char *id, int64_t step,
                                      const char *actor_id, ident_fault_t *fault);

//  A person the directory vouched for (strings NFC, lengths already fitted).
typedef struct {
    const char *dn;
    const char *username;  //  uid, lower-cased
    const char *full_name;
    const char *title;
    const char *email;
    const char *phone;
    const char *ou;            //  agency name to match, may be NULL
    const char *default_unit;  //  CABINET_LDAP_DEFAULT_UNIT: id or name, may be ""
} ident_ldap_profile_t;

//  Create or refresh the directory account of profile (events as for
//  create/update; new accounts get role member in their unit). Returns
//  CAB_OK with *user_id in arena, CAB_ALREADY_EXISTS (a local account has
//  that name), CAB_FAILED_PRECONDITION (no unit matches and no default),
//  or a failure.
cab_status_t ident_store_ldap_sync (ident_store_t *self, cab_arena_t *arena,
                                    const ident_ldap_profile_t *profile, char **user_id);

//  Number of active accounts holding system_admin.
cab_status_t ident_store_count_system_admins (ident_store_t *self, long *count);

/* ---- units ------------------------------------------------------------------ */

//  Unit id. Returns CAB_OK with *unit, CAB_NOT_FOUND, or a failure.
cab_status_t ident_store_unit_get (ident_store_t *self, cab_arena_t *arena, const char *id,
                                   Cabinet__V1__Unit **unit);

//  Units ordered by name: parent_id NULL = all, "" = top level only, else the
//  children of that unit; pattern as for users (may be NULL).
cab_status_t ident_store_unit_list (ident_store_t *self, cab_arena_t *arena, const char *parent_id,
                                    const char *pattern, Cabinet__V1__UnitList **list);

//  The first unit named name (case-insensitively), anywhere in the tree.
//  Returns CAB_OK with *id in arena, CAB_NOT_FOUND, or a failure.
cab_status_t ident_store_unit_find (ident_store_t *self, cab_arena_t *arena, const char *name,
                                    char **id);

//  Create a unit under parent_id (NULL: top level), with unit.created and
//  directory events. Returns CAB_OK with *unit, CAB_INVALID_ARGUMENT
//  (unknown parent), CAB_ALREADY_EXISTS (a sibling has that name), each
//  with *fault, or a failure.
cab_status_t ident_store_unit_create (ident_store_t *self, cab_arena_t *arena, const char *name,
                                      const char *parent_id, const char *actor_id,
                                      Cabinet__V1__Unit **unit, ident_fault_t *fault);

//  Rename (name not NULL) and/or move (parent_id not NULL; "" = top level)
//  unit id, refusing cycles, with unit.updated and directory events.
//  Returns CAB_OK with *unit, CAB_NOT_FOUND, CAB_INVALID_ARGUMENT (unknown
//  parent, cycle), CAB_ALREADY_EXISTS, each with *fault, or a failure.
cab_status_t ident_store_unit_update (ident_store_t *self, cab_arena_t *arena, const char *id,
                                      const char *name, const char *parent_id, const char *actor_id,
                                      Cabinet__V1__Unit **unit, ident_fault_t *fault);

//  Number of units.
cab_status_t ident_store_count_units (ident_store_t *self, long *count);

/* ---- login log, directory ------------------------------------------------------ */

typedef struct {
    const char *user_id;  //  filters, NULL: any
    const char *unit_id;
    const char *from;    //  RFC 3339, inclusive
    const char *to;      //  RFC 3339, exclusive
    const char *before;  //  keyset cursor: id of the last entry seen
    int limit;
} ident_login_query_t;

//  Login log entries, newest first.
cab_status_t ident_store_login_list (ident_store_t *self, cab_arena_t *arena,
                                     const ident_login_query_t *query,
                                     Cabinet__V1__LoginList **list);

typedef struct {
    const char *node_id;  //  NULL: every node
    const char *pattern;  //  LIKE pattern on the name, or NULL
    const char *after;    //  keyset cursor: id of the last entry seen
    int limit;
} ident_directory_query_t;

//  This node's units and active users plus other nodes' entries, by id.
cab_status_t ident_store_directory_list (ident_store_t *self, cab_arena_t *arena,
                                         const ident_directory_query_t *query,
                                         Cabinet__V1__DirectoryList **list);

//  Upsert another node's directory entry inside the caller's open
//  transaction on db; an entry older (by sequence) than the one kept is
//  ignored.
cab_status_t ident_store_directory_put (PGconn *db, const Cabinet__V1__DirectoryEntry *entry,
                                        uint64_t sequence);

//  Forget directory entry id (a tombstone), inside the caller's transaction.
cab_status_t ident_store_directory_remove (PGconn *db, const char *id);

#endif
