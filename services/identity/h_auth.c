/*  h_auth - sign-in (local Argon2id or LDAP, lockout, TOTP), session
    checks for the gateway, sign-out, and what a person does with their own
    account: read it, change the password, set up the second factor.

    A wrong password, an unknown name, a deleted account and a wrong TOTP
    code all get the same reply, and unknown names still cost one Argon2
    verification, so neither the text nor the time of a refusal tells
    whether an account exists.  */
#include "cab_crypto.h"
#include "cab_log.h"
#include "cab_utf8.h"
#include "cab_uuid.h"
#include "handlers.h"
#include "totp.h"
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#define MSG_BAD_CREDENTIALS "Tên đăng nhập hoặc mật khẩu không đúng"
#define MSG_LDAP_DOWN "Không kết nối được hệ thống xác thực tập trung"
#define MSG_SESSION_INVALID "Phiên đăng nhập không hợp lệ hoặc đã hết hạn"
#define IP_MAX 64
#define USER_AGENT_MAX 512
#define TOKEN_MIN 16  //  anything shorter was never issued
#define TOKEN_MAX 256
#define TOUCH_SECONDS 60  //  last_seen_at is refreshed at most this often
#define TOTP_ISSUER "Cabinet"
#define TOTP_SECRET_TEXT 40  //  base32 of IDENT_TOTP_SECRET_BYTES, with room
#define TOTP_KEY_MAX 64

static const Cabinet__V1__Empty s_empty = CABINET__V1__EMPTY__INIT;

/* ---- sign-in ------------------------------------------------------------------ */

static void
s_ascii_lower (char *s)
{
    for (; s && *s; s++)
        if (*s >= 'A' && *s <= 'Z')
            *s = (char) (*s - 'A' + 'a');
}

//  Request metadata for the log: valid UTF-8 cut to the column's size, or NULL.
static const char *
s_meta (cab_call_t *call, const char *in, size_t max_bytes)
{
    if (!in || !*in || !cab_utf8_valid (in, strlen (in)))
        return NULL;
    return ident_call_fit (call, in, max_bytes);
}

static void
s_log (ident_worker_t *w, ident_login_record_t *record, const char *reason)
{
    record->reason = reason;
    if (ident_store_log_login (w->store, record) != CAB_OK)
        cab_error ("login log: cannot record attempt (%s)", reason);
}

//  Log a refused attempt and give the one reply that says nothing about
//  which part was wrong.
static cab_status_t
s_refuse (cab_call_t *call, ident_worker_t *w, ident_login_record_t *record, const char *reason)
{
    s_log (w, record, reason);
    return cab_call_error (call, CAB_UNAUTHENTICATED, NULL, MSG_BAD_CREDENTIALS);
}

//  The TOTP key of a stored base32 secret. Returns its length, or -1.
static int
s_totp_key (const char *secret, unsigned char *key, size_t cap)
{
    return secret ? cab_base32_decode (secret, key, cap) : -1;
}

//  Sign in through the directory: on success *account is the (created or
//  refreshed) account. Otherwise the reply is set and the status returned.
static cab_status_t
s_ldap_sign_in (cab_call_t *call, ident_worker_t *w, ident_login_record_t *record,
                const char *login, const char *password, ident_account_t **account)
{
    ident_ldap_entry_t entry;
    ident_ldap_result_t result =
        ident_ldap_authenticate (&w->settings.ldap, login, password, &entry);
    if (result == IDENT_LDAP_UNAVAILABLE) {
        s_log (w, record, "ldap_unavailable");
        return cab_call_error_code (call, CAB_UNAVAILABLE, "ldap_unavailable", NULL, MSG_LDAP_DOWN);
    }
    if (result != IDENT_LDAP_OK)
        return s_refuse (call, w, record, "bad_credentials");

    //  Fit what the directory says into our rules: overlong text is cut,
    //  malformed e-mail or phone numbers are left out.
    const char *uid = entry.uid && *entry.uid ? entry.uid : login;
    const char *name = entry.full_name && *entry.full_name ? entry.full_name : uid;
    ident_ldap_profile_t profile = {
        .dn = ident_call_fit (call, entry.dn, SIZE_MAX),
        .username = ident_call_fit (call, uid, IDENT_LOGIN_MAX),
        .full_name = ident_call_fit (call, name, IDENT_NAME_MAX),
        .title = ident_call_fit (call, entry.title, IDENT_NAME_MAX),
        .email =
            ident_check_email (entry.email) ? NULL : ident_call_fit (call, entry.email, SIZE_MAX),
        .phone =
            ident_check_phone (entry.phone) ? NULL : ident_call_fit (call, entry.phone, SIZE_MAX),
        .ou = ident_call_fit (call, entry.ou, SIZE_MAX),
        .default_unit = w->settings.ldap_default_unit,
    };
    ident_ldap_entry_clear (&entry);

    char *user_id = NULL;
    cab_status_t status = ident_store_ldap_sync (w->store, call->arena, &profile, &user_id);
    if (status == CAB_ALREADY_EXISTS)
        return s_refuse (call, w, record, "bad_credentials");
    if (status == CAB_FAILED_PRECONDITION) {
        s_log (w, record, "no_unit");
        return cab_call_error_code (call, CAB_FAILED_PRECONDITION, "ldap_no_unit", NULL,
                                    "Chưa xác định được đơn vị của tài khoản thư mục. "
                                    "Vui lòng liên hệ quản trị hệ thống.");
    }
    if (status == CAB_OK)
        status = ident_store_account_by_id (w->store, call->arena, user_id, account);
    if (status != CAB_OK)
        return ident_call_fail (call, status == CAB_NOT_FOUND ? CAB_INTERNAL : status, NULL);
    return CAB_OK;
}

cab_status_t
ident_login (cab_call_t *call, const ProtobufCMessage *request)
{
    const Cabinet__V1__LoginRequest *req = (const Cabinet__V1__LoginRequest *) request;
    ident_worker_t *w = ident_call_worker (call);
    bool ok = true;
    char *login = ident_call_text (call, req->username, &ok);
    s_ascii_lower (login);
    if (!ok || !login || !*login)
        return ident_call_invalid (call, "username", "Vui lòng nhập tên đăng nhập");
    if (!req->password || !*req->password)
        return ident_call_invalid (call, "password", "Vui lòng nhập mật khẩu");

    ident_login_record_t record = {
        .username = ident_call_fit (call, login, IDENT_LOGIN_MAX),
        .method = ident_ldap_enabled (&w->settings.ldap) ? "ldap" : "local",
        .ip = s_meta (call, req->ip, IP_MAX),
        .user_agent = s_meta (call, req->user_agent, USER_AGENT_MAX),
    };
    const char *password = req->password;
    bool usable = strlen (login) <= IDENT_LOGIN_MAX && cab_utf8_valid (password, strlen (password));

    //  Lockout first: a locked name is refused before any password check,
    //  whether or not an account has that name.
    long failures = 0;
    long long oldest_at = 0;
    cab_status_t status =
        ident_store_recent_failures (w->store, record.username, w->settings.lockout_minutes,
                                     w->settings.lockout_threshold, &failures, &oldest_at);
    if (status != CAB_OK)
        return ident_call_fail (call, status, NULL);
    ident_account_t *account = NULL;
    status = usable ? ident_store_account_by_username (w->store, call->arena, login, &account)
                    : CAB_NOT_FOUND;
    if (status != CAB_OK && status != CAB_NOT_FOUND)
        return ident_call_fail (call, status, NULL);
    if (account) {
        record.user_id = account->id;
        record.unit_id = account->unit_id;
        record.method = account->source;
    }
    if (ident_lockout_locked (failures, w->settings.lockout_threshold)) {
        long minutes = ident_lockout_minutes_left (oldest_at, (long long) time (NULL),
                                                   w->settings.lockout_minutes);
        char message[160];
        snprintf (message, sizeof message,
                  "Đăng nhập sai quá nhiều lần. Vui lòng thử lại sau %ld phút.", minutes);
        s_log (w, &record, "locked");
        return cab_call_error_code (call, CAB_RESOURCE_EXHAUSTED, "account_locked", NULL, message);
    }

    bool directory = ident_ldap_enabled (&w->settings.ldap)
                     && (!account || strcmp (account->source, "ldap") == 0);
    if (directory && usable) {
        record.method = "ldap";
        status = s_ldap_sign_in (call, w, &record, login, password, &account);
        if (status != CAB_OK)
            return status;
        record.user_id = account->id;
        record.unit_id = account->unit_id;
    } else {
        //  Unknown names and directory accounts without a directory are
        //  checked against the dummy hash: same time, certain mismatch.
        bool local = account && account->password_hash;
        bool match = ident_password_verify (local ? account->password_hash : w->dummy_hash,
                                            usable ? password : "");
        if (!local || !match || !usable)
            return s_refuse (call, w, &record, "bad_credentials");
    }
    if (!account->active)
        return s_refuse (call, w, &record, "inactive");

    int64_t step = 0;
    if (account->totp_enabled) {
        if (!req->totp || !*req->totp) {
            s_log (w, &record, "totp_required");
            return cab_call_error_code (call, CAB_UNAUTHENTICATED, "totp_required", "totp",
                                        "Vui lòng nhập mã xác thực hai lớp (6 chữ số)");
        }
        unsigned char key[TOTP_KEY_MAX];
        int key_len = s_totp_key (account->totp_secret, key, sizeof key);
        if (key_len <= 0
            || !ident_totp_verify (key, (size_t) key_len, req->totp, (int64_t) time (NULL),
                                   account->totp_last_step, &step))
            return s_refuse (call, w, &record, "bad_credentials");
    }

    char token[CAB_TOKEN_LEN + 1], token_hash[CAB_SHA256_HEX + 1];
    if (cab_token_new (token) != 0)
        return ident_call_fail (call, CAB_INTERNAL, NULL);
    cab_sha256_hex (token, strlen (token), token_hash);
    ident_session_spec_t spec = {
        .user_id = account->id,
        .token_hash = token_hash,
        .hours = w->settings.session_hours,
        .ip = record.ip,
        .user_agent = record.user_agent,
        .totp_step = step,
    };
    record.reason = "ok";
    char *expires_at = NULL;
    status = ident_store_session_open (w->store, call->arena, &spec, &record, &expires_at);
    if (status == CAB_ABORTED)  //  the TOTP code was used by a concurrent sign-in
        return s_refuse (call, w, &record, "bad_credentials");
    if (status != CAB_OK)
        return ident_call_fail (call, status, NULL);

    Cabinet__V1__User *user = NULL;
    status = ident_store_user_get (w->store, call->arena, account->id, &user, NULL);
    if (status != CAB_OK)
        return ident_call_fail (call, status == CAB_NOT_FOUND ? CAB_INTERNAL : status, NULL);

    Cabinet__V1__LoginReply *reply = cab_arena_alloc (call->arena, sizeof *reply);
    cabinet__v1__login_reply__init (reply);
    reply->token = cab_arena_strdup (call->arena, token);
    reply->user = user;
    reply->has_must_change_password = true;
    reply->must_change_password = account->must_change_password;
    reply->expires_at = expires_at;
    char csrf[CAB_TOKEN_LEN + 1];
    cab_csrf_token (token, csrf);
    reply->csrf_token = cab_arena_strdup (call->arena, csrf);
    return cab_call_reply (call, reply);
}

/* ---- sessions ------------------------------------------------------------------- */

cab_status_t
ident_authenticate (cab_call_t *call, const ProtobufCMessage *request)
{
    const Cabinet__V1__AuthenticateRequest *req =
        (const Cabinet__V1__AuthenticateRequest *) request;
    ident_worker_t *w = ident_call_worker (call);
    size_t len = req->token ? strlen (req->token) : 0;
    if (len < TOKEN_MIN || len > TOKEN_MAX)
        return cab_call_error (call, CAB_UNAUTHENTICATED, NULL, MSG_SESSION_INVALID);
    char token_hash[CAB_SHA256_HEX + 1];
    cab_sha256_hex (req->token, len, token_hash);
    Cabinet__V1__AuthenticateReply *reply = cab_arena_alloc (call->arena, sizeof *reply);
    cabinet__v1__authenticate_reply__init (reply);
    cab_status_t status = ident_store_session_lookup (
        w->store, call->arena, token_hash, TOUCH_SECONDS, &reply->caller, &reply->expires_at);
    if (status == CAB_NOT_FOUND)
        return cab_call_error (call, CAB_UNAUTHENTICATED, NULL, MSG_SESSION_INVALID);
    if (status != CAB_OK)
        return ident_call_fail (call, status, NULL);
    return cab_call_reply (call, reply);
}

cab_status_t
ident_logout (cab_call_t *call, const ProtobufCMessage *request)
{
    (void) request;
    ident_worker_t *w = ident_call_worker (call);
    const char *session_id = call->caller ? call->caller->session_id : NULL;
    if (session_id && cab_uuid_valid (session_id)) {
        cab_status_t status =
            ident_store_session_revoke (w->store, session_id, call->caller->user_id);
        if (status != CAB_OK)
            return ident_call_fail (call, status, NULL);
    }
    return cab_call_reply (call, &s_empty);
}

/* ---- own account ---------------------------------------------------------------- */

cab_status_t
ident_get_me (cab_call_t *call, const ProtobufCMessage *request)
{
    (void) request;
    ident_worker_t *w = ident_call_worker (call);
    if (!cab_uuid_valid (call->caller->user_id))
        return cab_call_error (call, CAB_UNAUTHENTICATED, NULL, MSG_SESSION_INVALID);
    Cabinet__V1__User *user = NULL;
    cab_status_t status =
        ident_store_user_get (w->store, call->arena, call->caller->user_id, &user, NULL);
    if (status == CAB_NOT_FOUND || (status == CAB_OK && !user->active))
        return cab_call_error (call, CAB_UNAUTHENTICATED, NULL, MSG_SESSION_INVALID);
    if (status != CAB_OK)
        return ident_call_fail (call, status, NULL);
    return cab_call_reply (call, user);
}

//  The caller's own account, or a reply saying why there is none.
static cab_status_t
s_own_account (cab_call_t *call, ident_worker_t *w, ident_account_t **account)
{
    if (!cab_uuid_valid (call->caller->user_id))
        return cab_call_error (call, CAB_UNAUTHENTICATED, NULL, MSG_SESSION_INVALID);
    cab_status_t status =
        ident_store_account_by_id (w->store, call->arena, call->caller->user_id, account);
    if (status == CAB_NOT_FOUND || (status == CAB_OK && !(*account)->active))
        return cab_call_error (call, CAB_UNAUTHENTICATED, NULL, MSG_SESSION_INVALID);
    if (status != CAB_OK)
        return ident_call_fail (call, status, NULL);
    return CAB_OK;
}

cab_status_t
ident_change_password (cab_call_t *call, const ProtobufCMessage *request)
{
    const Cabinet__V1__ChangePasswordRequest *req =
        (const Cabinet__V1__ChangePasswordRequest *) request;
    ident_worker_t *w = ident_call_worker (call);
    ident_account_t *account = NULL;
    cab_status_t status = s_own_account (call, w, &account);
    if (status != CAB_OK)
        return status;
    if (strcmp (account->source, "local") != 0)
        return cab_call_error (call, CAB_FAILED_PRECONDITION, NULL,
                               "Mật khẩu của tài khoản thư mục (LDAP) được đổi tại hệ thống xác "
                               "thực tập trung");
    if (!req->old_password || !*req->old_password)
        return ident_call_invalid (call, "old_password", "Vui lòng nhập mật khẩu hiện tại");
    if (!req->new_password || !*req->new_password)
        return ident_call_invalid (call, "new_password", "Vui lòng nhập mật khẩu mới");
    if (!cab_utf8_valid (req->new_password, strlen (req->new_password)))
        return ident_call_invalid (call, "new_password", IDENT_MSG_NOT_UTF8);

    long min_length = w->settings.password_min_length;
    ident_pw_verdict_t verdict =
        ident_password_policy (req->new_password, account->username, req->old_password, min_length);
    if (verdict != IDENT_PW_OK) {
        char message[160];
        return ident_call_invalid (
            call, "new_password",
            ident_password_policy_message (verdict, min_length, message, sizeof message));
    }
    if (!ident_password_verify (account->password_hash, req->old_password))
        return ident_call_invalid (call, "old_password", "Mật khẩu hiện tại không đúng");

    char hash[IDENT_HASH_TEXT_MAX];
    if (ident_password_hash (req->new_password, hash) != 0)
        return ident_call_fail (call, CAB_INTERNAL, NULL);
    ident_fault_t fault = {0};
    //  Other sessions end: whoever else knew the old password is signed out.
    const char *session_id = call->caller->session_id;
    status = ident_store_user_set_password (
        w->store, account->id, hash, false, IDENT_PASSWORD_CHANGED,
        cab_uuid_valid (session_id) ? session_id : NULL, account->id, &fault);
    if (status != CAB_OK)
        return ident_call_fail (call, status, &fault);
    return cab_call_reply (call, &s_empty);
}

//  Percent-encode s (RFC 3986 unreserved characters pass) into the arena.
static char *
s_url_encode (cab_call_t *call, const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    char *out = cab_arena_alloc (call->arena, 3 * strlen (s) + 1);
    char *o = out;
    for (const unsigned char *c = (const unsigned char *) s; *c; c++) {
        if ((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9')
            || *c == '-' || *c == '.' || *c == '_' || *c == '~')
            *o++ = (char) *c;
        else {
            *o++ = '%';
            *o++ = hex[*c >> 4];
            *o++ = hex[*c & 0xF];
        }
    }
    *o = '\0';
    return out;
}

cab_status_t
ident_setup_totp (cab_call_t *call, const ProtobufCMessage *request)
{
    (void) request;
    ident_worker_t *w = ident_call_worker (call);
    ident_account_t *account = NULL;
    cab_status_t status = s_own_account (call, w, &account);
    if (status != CAB_OK)
        return status;
    if (account->totp_enabled)
        return cab_call_error (call, CAB_FAILED_PRECONDITION, NULL,
                               "Xác thực hai lớp đã được bật cho tài khoản này");
    unsigned char key[IDENT_TOTP_SECRET_BYTES];
    if (cab_random (key, sizeof key) != 0)
        return ident_call_fail (call, CAB_INTERNAL, NULL);
    char secret[TOTP_SECRET_TEXT];
    cab_base32_encode (key, sizeof key, secret);
    ident_fault_t fault = {0};
    status = ident_store_totp_stage (w->store, account->id, secret, &fault);
    if (status != CAB_OK)
        return ident_call_fail (call, status, &fault);

    Cabinet__V1__TotpSetupReply *reply = cab_arena_alloc (call->arena, sizeof *reply);
    cabinet__v1__totp_setup_reply__init (reply);
    reply->secret = cab_arena_strdup (call->arena, secret);
    reply->otpauth_url = cab_arena_printf (
        call->arena, "otpauth://totp/%s:%s?secret=%s&issuer=%s&algorithm=SHA1&digits=%d&period=%d",
        TOTP_ISSUER, s_url_encode (call, account->username), secret, TOTP_ISSUER, IDENT_TOTP_DIGITS,
        IDENT_TOTP_STEP_SECONDS);
    return cab_call_reply (call, reply);
}

cab_status_t
ident_confirm_totp (cab_call_t *call, const ProtobufCMessage *request)
{
    const Cabinet__V1__TotpConfirmRequest *req = (const Cabinet__V1__TotpConfirmRequest *) request;
    ident_worker_t *w = ident_call_worker (call);
    if (!ident_totp_code_valid (req->code))
        return ident_call_invalid (call, "code", "Mã xác thực gồm 6 chữ số");
    ident_account_t *account = NULL;
    cab_status_t status = s_own_account (call, w, &account);
    if (status != CAB_OK)
        return status;
    if (account->totp_enabled)
        return cab_call_error (call, CAB_FAILED_PRECONDITION, NULL,
                               "Xác thực hai lớp đã được bật cho tài khoản này");
    unsigned char key[TOTP_KEY_MAX];
    int key_len = s_totp_key (account->totp_secret, key, sizeof key);
    if (key_len <= 0)
        return cab_call_error (call, CAB_FAILED_PRECONDITION, NULL,
                               "Vui lòng thiết lập xác thực hai lớp trước khi xác nhận");
    int64_t step = 0;
    if (!ident_totp_verify (key, (size_t) key_len, req->code, (int64_t) time (NULL),
                            account->totp_last_step, &step))
        return ident_call_invalid (call, "code", "Mã xác thực không đúng");
    ident_fault_t fault = {0};
    status = ident_store_totp_enable (w->store, account->id, step, account->id, &fault);
    if (status != CAB_OK)
        return ident_call_fail (call, status, &fault);
    return cab_call_reply (call, &s_empty);
}
