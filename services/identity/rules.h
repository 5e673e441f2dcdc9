/*  rules - the identity service's pure decisions: the shape of every input,
    the password policy, lockout, password age, who may do what, and LDAP
    filter escaping. No database, no network, no clock: callers pass "now"
    and counts in, so tests call these functions directly.  */
#ifndef IDENT_RULES_H
#define IDENT_RULES_H
#include "cab_actor.h"
#include <stdbool.h>
#include <stddef.h>

#define IDENT_USERNAME_MIN 3  //  characters
#define IDENT_USERNAME_MAX 64
#define IDENT_LOGIN_MAX 254  //  what a sign-in form may send (an e-mail for LDAP)
#define IDENT_NAME_MAX 200   //  full name, unit name, title (code points)
#define IDENT_EMAIL_MAX 254
#define IDENT_EMAIL_LOCAL_MAX 64
#define IDENT_PHONE_MAX 32  //  characters, spaces included
#define IDENT_PHONE_DIGITS_MIN 3
#define IDENT_PHONE_DIGITS_MAX 15  //  E.164
#define IDENT_PASSWORD_MAX 256     //  code points; longer input is refused, not truncated
#define IDENT_QUERY_MAX 200        //  search text
#define IDENT_PAGE_DEFAULT 50
#define IDENT_PAGE_MAX 200
#define IDENT_TOTP_DIGITS 6

#define IDENT_ROLE_SYSTEM_ADMIN "system_admin"
#define IDENT_ROLE_UNIT_ADMIN "unit_admin"
#define IDENT_ROLE_CLERK "clerk"
#define IDENT_ROLE_APPROVER "approver"
#define IDENT_ROLE_MEMBER "member"

/* ---- input shapes ---------------------------------------------------------
    Each check returns NULL when the value is acceptable, else a Vietnamese
    message for the person who typed it (static, never freed). s is NUL-
    terminated UTF-8; NULL counts as missing.  */

//  Login name of a local account: 3-64 of [a-z0-9._-].
const char *ident_check_username (const char *s);

//  Full name: required, at most IDENT_NAME_MAX code points, no control chars.
const char *ident_check_full_name (const char *s);

//  Job title: optional ("" clears it), at most IDENT_NAME_MAX code points.
const char *ident_check_title (const char *s);

//  Agency name: required, at most IDENT_NAME_MAX code points.
const char *ident_check_unit_name (const char *s);

//  E-mail: optional (""), else local@domain.tld in ASCII.
const char *ident_check_email (const char *s);

//  Phone: optional (""), else digits and spaces, an optional leading +,
//  IDENT_PHONE_DIGITS_MIN..MAX digits.
const char *ident_check_phone (const char *s);

//  true if role is one of the five role names.
bool ident_role_valid (const char *role);

//  true if roles[0..n) contains role.
bool ident_roles_have (char *const *roles, size_t n, const char *role);

//  true if s is a 6-digit TOTP code.
bool ident_totp_code_valid (const char *s);

//  true if s is an RFC 3339 date-time with an offset
//  ("2026-12-01T08:00:00+07:00", fractions and Z allowed).
bool ident_rfc3339_valid (const char *s);

//  Cut s in place to at most max_bytes bytes without splitting a UTF-8
//  sequence.
void ident_utf8_truncate (char *s, size_t max_bytes);

/* ---- passwords ------------------------------------------------------------ */

typedef enum {
    IDENT_PW_OK = 0,
    IDENT_PW_TOO_SHORT,
    IDENT_PW_TOO_LONG,
    IDENT_PW_LETTER_AND_DIGIT,  //  needs at least one letter and one digit
    IDENT_PW_IS_USERNAME,       //  equals the login name (any case)
    IDENT_PW_UNCHANGED,         //  equals the old password
} ident_pw_verdict_t;

//  Judge a new password against the policy. username and old_password may
//  be NULL (not compared). min_length counts code points.
ident_pw_verdict_t ident_password_policy (const char *password, const char *username,
                                          const char *old_password, long min_length);

//  Vietnamese message for a verdict, written into buf (cap bytes) because it
//  may carry the minimum length. Returns buf.
const char *ident_password_policy_message (ident_pw_verdict_t verdict, long min_length, char *buf,
                                           size_t cap);

//  true if a password set at changed_at (Unix seconds; 0 = never recorded)
//  is older than max_age_days at now. max_age_days <= 0 turns ageing off.
bool ident_password_expired (long long changed_at, long long now, long max_age_days);

/* ---- lockout ----------------------------------------------------------------
    The store counts failed attempts of a login name since its last success,
    within the lockout window, newest first, at most threshold of them, and
    gives the time of the oldest counted one (the threshold-th newest).  */

//  true if failures (within the window) reach the threshold.
bool ident_lockout_locked (long failures, long threshold);

//  Whole minutes, at least 1, until the lock lifts: the oldest counted
//  failure (oldest_at, Unix seconds) leaves the window of window_minutes.
long ident_lockout_minutes_left (long long oldest_at, long long now, long window_minutes);

/* ---- authorization ---------------------------------------------------------- */

//  Who is acting, from the RPC caller (cab_actor_init). Strings are borrowed.
typedef cab_actor_t ident_actor_t;

//  true if the actor is an administrator of unit_id (system admins are
//  administrators of every unit).
bool ident_may_administer_unit (const ident_actor_t *actor, const char *unit_id);

//  true if the actor may create, change, reset or delete an account in
//  target_unit_id. Only a system admin touches an account that holds
//  system_admin (a unit admin could otherwise reset its password and take
//  it over).
bool ident_may_manage_user (const ident_actor_t *actor, const char *target_unit_id,
                            bool target_is_system_admin);

//  true if the actor may give the roles roles[0..n): system_admin is granted
//  only by a system admin.
bool ident_may_grant_roles (const ident_actor_t *actor, char *const *roles, size_t n);

//  true if the actor may see the phone and e-mail of a user: the user
//  themself, a system admin, or the unit admin of that user's unit.
bool ident_may_see_contact (const ident_actor_t *actor, const char *target_id,
                            const char *target_unit_id);

//  true if the actor may create units or move them in the tree.
bool ident_may_restructure_units (const ident_actor_t *actor);

//  true if the actor may rename unit_id: a system admin, or the unit admin
//  of that very unit.
bool ident_may_rename_unit (const ident_actor_t *actor, const char *unit_id);

typedef enum {
    IDENT_LOGINS_DENIED = 0,
    IDENT_LOGINS_ALL,       //  system admin
    IDENT_LOGINS_OWN_UNIT,  //  unit admin: their agency only
} ident_login_scope_t;

//  How much of the login log the actor may read.
ident_login_scope_t ident_login_scope (const ident_actor_t *actor);

/* ---- text for queries ------------------------------------------------------ */

//  Escape the RFC 4515 specials of in (* ( ) \, and control bytes) as \XX
//  into out (cap bytes), for an LDAP filter value; UTF-8 passes as it is.
//  Returns false if out is too small (out is then "").
bool ident_ldap_escape (const char *in, char *out, size_t cap);

#endif
