/*  rules - the identity service's pure decisions (see rules.h). Everything
    here is a function of its arguments: no I/O, no clock, no globals.  */
#include "rules.h"
#include "cab_actor.h"
#include "cab_time.h"
#include "cab_utf8.h"
#include <stdio.h>
#include <string.h>
#include <strings.h>

#define SECONDS_PER_MINUTE 60LL
#define SECONDS_PER_DAY 86400LL
#define DNS_LABEL_MAX 63

static const char *const s_roles[] = {
    IDENT_ROLE_SYSTEM_ADMIN, IDENT_ROLE_UNIT_ADMIN, IDENT_ROLE_CLERK,
    IDENT_ROLE_APPROVER,     IDENT_ROLE_MEMBER,     NULL,
};

static bool
s_is_digit (char c)
{
    return c >= '0' && c <= '9';
}

static bool
s_is_ascii_letter (char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool
s_is_control (unsigned char c)
{
    return c < 0x20 || c == 0x7f;
}

//  true if s has no character other than ASCII blanks.
static bool
s_blank (const char *s)
{
    for (; *s; s++)
        if (*s != ' ' && *s != '\t' && *s != '\n' && *s != '\r')
            return false;
    return true;
}

static bool
s_has_control (const char *s)
{
    for (; *s; s++)
        if (s_is_control ((unsigned char) *s))
            return true;
    return false;
}

void
ident_utf8_truncate (char *s, size_t max_bytes)
{
    size_t len = strlen (s);
    if (len <= max_bytes)
        return;
    size_t cut = max_bytes;
    //  Back up to the first byte of the sequence that would be split.
    while (cut > 0 && ((unsigned char) s[cut] & 0xC0) == 0x80)
        cut--;
    s[cut] = '\0';
}

const char *
ident_check_username (const char *s)
{
    if (!s || !*s)
        return "Vui lòng nhập tên đăng nhập";
    size_t len = strlen (s);
    for (const char *c = s; *c; c++)
        if (!((*c >= 'a' && *c <= 'z') || s_is_digit (*c) || *c == '.' || *c == '_' || *c == '-'))
            return "Tên đăng nhập chỉ gồm chữ thường không dấu, chữ số và . _ -";
    if (len < IDENT_USERNAME_MIN || len > IDENT_USERNAME_MAX)
        return "Tên đăng nhập phải dài từ 3 đến 64 ký tự";
    return NULL;
}

const char *
ident_check_full_name (const char *s)
{
    if (!s || s_blank (s))
        return "Vui lòng nhập họ và tên";
    if (cab_utf8_length (s) > IDENT_NAME_MAX)
        return "Họ và tên không được dài quá 200 ký tự";
    if (s_has_control (s))
        return "Họ và tên chứa ký tự không hợp lệ";
    return NULL;
}

const char *
ident_check_title (const char *s)
{
    if (!s || !*s)
        return NULL;
    if (cab_utf8_length (s) > IDENT_NAME_MAX)
        return "Chức vụ không được dài quá 200 ký tự";
    if (s_has_control (s))
        return "Chức vụ chứa ký tự không hợp lệ";
    return NULL;
}

const char *
ident_check_unit_name (const char *s)
{
    if (!s || s_blank (s))
        return "Vui lòng nhập tên đơn vị";
    if (cab_utf8_length (s) > IDENT_NAME_MAX)
        return "Tên đơn vị không được dài quá 200 ký tự";
    if (s_has_control (s))
        return "Tên đơn vị chứa ký tự không hợp lệ";
    return NULL;
}

//  RFC 5322 "atext" plus the dot, which s_check_local places.
static bool
s_is_atext (char c)
{
    return s_is_ascii_letter (c) || s_is_digit (c) || (c && strchr ("!#$%&'*+/=?^_`{|}~-", c));
}

static bool
s_email_local_ok (const char *s, size_t n)
{
    if (n == 0 || n > IDENT_EMAIL_LOCAL_MAX || s[0] == '.' || s[n - 1] == '.')
        return false;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '.') {
            if (s[i + 1] == '.')
                return false;
        } else if (!s_is_atext (s[i]))
            return false;
    }
    return true;
}

static bool
s_email_domain_ok (const char *s)
{
    int labels = 0;
    const char *label = s;
    const char *last = s;
    for (const char *c = s;; c++) {
        if (*c == '.' || *c == '\0') {
            size_t n = (size_t) (c - label);
            if (n == 0 || n > DNS_LABEL_MAX || label[0] == '-' || label[n - 1] == '-')
                return false;
            labels++;
            last = label;
            if (*c == '\0')
                break;
            label = c + 1;
        } else if (!s_is_ascii_letter (*c) && !s_is_digit (*c) && *c != '-')
            return false;
    }
    //  At least name.tld, and the top-level label is letters only.
    if (labels < 2 || strlen (last) < 2)
        return false;
    for (const char *c = last; *c; c++)
        if (!s_is_ascii_letter (*c))
            return false;
    return true;
}

const char *
ident_check_email (const char *s)
{
    if (!s || !*s)
        return NULL;
    const char *at = strchr (s, '@');
    if (strlen (s) > IDENT_EMAIL_MAX || !at || strchr (at + 1, '@')
        || !s_email_local_ok (s, (size_t) (at - s)) || !s_email_domain_ok (at + 1))
        return "Địa chỉ thư điện tử không hợp lệ";
    return NULL;
}

const char *
ident_check_phone (const char *s)
{
    if (!s || !*s)
        return NULL;
    if (strlen (s) > IDENT_PHONE_MAX)
        return "Số điện thoại không được dài quá 32 ký tự";
    int digits = 0;
    bool seen_any = false;
    for (const char *c = s; *c; c++) {
        if (s_is_digit (*c))
            digits++;
        else if (*c == '+') {
            if (seen_any)
                return "Số điện thoại chỉ gồm chữ số, dấu cách và dấu + ở đầu";
        } else if (*c != ' ')
            return "Số điện thoại chỉ gồm chữ số, dấu cách và dấu + ở đầu";
        if (*c != ' ')
            seen_any = true;
    }
    if (digits < IDENT_PHONE_DIGITS_MIN || digits > IDENT_PHONE_DIGITS_MAX)
        return "Số điện thoại phải có từ 3 đến 15 chữ số";
    return NULL;
}

bool
ident_role_valid (const char *role)
{
    if (!role)
        return false;
    for (const char *const *r = s_roles; *r; r++)
        if (strcmp (*r, role) == 0)
            return true;
    return false;
}

bool
ident_roles_have (char *const *roles, size_t n, const char *role)
{
    for (size_t i = 0; i < n; i++)
        if (roles[i] && strcmp (roles[i], role) == 0)
            return true;
    return false;
}

bool
ident_totp_code_valid (const char *s)
{
    if (!s)
        return false;
    size_t n = 0;
    for (; s[n]; n++)
        if (!s_is_digit (s[n]))
            return false;
    return n == IDENT_TOTP_DIGITS;
}

bool
ident_rfc3339_valid (const char *s)
{
    int64_t epoch;
    return cab_time_parse (s, &epoch);
}

ident_pw_verdict_t
ident_password_policy (const char *password, const char *username, const char *old_password,
                       long min_length)
{
    if (!password)
        return IDENT_PW_TOO_SHORT;
    size_t chars = cab_utf8_length (password);
    if ((long) chars < min_length)
        return IDENT_PW_TOO_SHORT;
    if (chars > IDENT_PASSWORD_MAX)
        return IDENT_PW_TOO_LONG;
    bool letter = false, digit = false;
    for (const char *c = password; *c; c++) {
        //  Bytes of non-ASCII characters count as letters: Vietnamese
        //  letters with diacritics are letters too.
        if (s_is_ascii_letter (*c) || (unsigned char) *c >= 0x80)
            letter = true;
        else if (s_is_digit (*c))
            digit = true;
    }
    if (!letter || !digit)
        return IDENT_PW_LETTER_AND_DIGIT;
    if (username && strcasecmp (password, username) == 0)
        return IDENT_PW_IS_USERNAME;
    if (old_password && strcmp (password, old_password) == 0)
        return IDENT_PW_UNCHANGED;
    return IDENT_PW_OK;
}

const char *
ident_password_policy_message (ident_pw_verdict_t verdict, long min_length, char *buf, size_t cap)
{
    switch (verdict) {
    case IDENT_PW_OK:
        snprintf (buf, cap, "Mật khẩu hợp lệ");
        break;
    case IDENT_PW_TOO_SHORT:
        snprintf (buf, cap, "Mật khẩu phải có ít nhất %ld ký tự", min_length);
        break;
    case IDENT_PW_TOO_LONG:
        snprintf (buf, cap, "Mật khẩu không được dài quá %d ký tự", IDENT_PASSWORD_MAX);
        break;
    case IDENT_PW_LETTER_AND_DIGIT:
        snprintf (buf, cap, "Mật khẩu phải có ít nhất một chữ cái và một chữ số");
        break;
    case IDENT_PW_IS_USERNAME:
        snprintf (buf, cap, "Mật khẩu không được trùng với tên đăng nhập");
        break;
    case IDENT_PW_UNCHANGED:
        snprintf (buf, cap, "Mật khẩu mới phải khác mật khẩu hiện tại");
        break;
    }
    return buf;
}

bool
ident_password_expired (long long changed_at, long long now, long max_age_days)
{
    if (max_age_days <= 0)
        return false;
    //  A local password without a recorded change time is treated as due.
    if (changed_at <= 0)
        return true;
    return now - changed_at > (long long) max_age_days * SECONDS_PER_DAY;
}

bool
ident_lockout_locked (long failures, long threshold)
{
    return threshold > 0 && failures >= threshold;
}

long
ident_lockout_minutes_left (long long oldest_at, long long now, long window_minutes)
{
    long long lifts_at = oldest_at + (long long) window_minutes * SECONDS_PER_MINUTE;
    long long left = lifts_at - now;
    long minutes = (long) ((left + SECONDS_PER_MINUTE - 1) / SECONDS_PER_MINUTE);
    if (minutes < 1)
        minutes = 1;
    if (minutes > window_minutes && window_minutes > 0)
        minutes = window_minutes;
    return minutes;
}

bool
ident_may_administer_unit (const ident_actor_t *actor, const char *unit_id)
{
    if (actor->system_admin)
        return true;
    return actor->unit_admin && cab_same_id (actor->unit_id, unit_id);
}

bool
ident_may_manage_user (const ident_actor_t *actor, const char *target_unit_id,
                       bool target_is_system_admin)
{
    if (actor->system_admin)
        return true;
    if (target_is_system_admin)
        return false;
    return ident_may_administer_unit (actor, target_unit_id);
}

bool
ident_may_grant_roles (const ident_actor_t *actor, char *const *roles, size_t n)
{
    if (actor->system_admin)
        return true;
    if (!actor->unit_admin)
        return false;
    return !ident_roles_have (roles, n, IDENT_ROLE_SYSTEM_ADMIN);
}

bool
ident_may_see_contact (const ident_actor_t *actor, const char *target_id,
                       const char *target_unit_id)
{
    if (cab_same_id (actor->user_id, target_id))
        return true;
    return ident_may_administer_unit (actor, target_unit_id);
}

bool
ident_may_restructure_units (const ident_actor_t *actor)
{
    return actor->system_admin;
}

bool
ident_may_rename_unit (const ident_actor_t *actor, const char *unit_id)
{
    return ident_may_administer_unit (actor, unit_id);
}

ident_login_scope_t
ident_login_scope (const ident_actor_t *actor)
{
    if (actor->system_admin)
        return IDENT_LOGINS_ALL;
    if (actor->unit_admin && actor->unit_id)
        return IDENT_LOGINS_OWN_UNIT;
    return IDENT_LOGINS_DENIED;
}

bool
ident_ldap_escape (const char *in, char *out, size_t cap)
{
    static const char hex[] = "0123456789abcdef";
    size_t o = 0;
    for (const unsigned char *c = (const unsigned char *) in; *c; c++) {
        bool special = *c == '*' || *c == '(' || *c == ')' || *c == '\\' || s_is_control (*c);
        size_t need = special ? 3 : 1;
        if (o + need >= cap) {
            if (cap)
                out[0] = '\0';
            return false;
        }
        if (special) {
            out[o++] = '\\';
            out[o++] = hex[*c >> 4];
            out[o++] = hex[*c & 0xF];
        } else
            out[o++] = (char) *c;
    }
    if (o >= cap)
        return false;
    out[o] = '\0';
    return true;
}
