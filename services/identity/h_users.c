/*  h_users - accounts (R1.1, R1.2, R1.6, R1.7). Everyone signed in may read
    profiles (phone and e-mail only for admins of the user's unit and the
    user themself); a system admin manages every account; a unit admin
    manages the accounts of their own unit, never grants system_admin and
    never touches a system admin's account. People may edit their own
    name, title, e-mail and phone.  */
#include "cab_uuid.h"
#include "handlers.h"
#include "password.h"
#include <stdio.h>
#include <string.h>
#include <strings.h>

#define MSG_GRANT_SYSTEM_ADMIN "Chỉ quản trị hệ thống được cấp vai trò quản trị hệ thống"
#define MSG_DELETED "Tài khoản đã bị xóa"
#define ROLE_NAME_MAX 32
#define CURSOR_MAX IDENT_LOGIN_MAX

static const Cabinet__V1__Empty s_empty = CABINET__V1__EMPTY__INIT;

//  Profile fields of a request, validated and normalised. NULL: not sent.
typedef struct {
    char *full_name;
    char *title;
    char *unit_id;
    char *email;
    char *phone;
} s_profile_t;

//  Read and check the profile fields; when creating, name and unit are
//  required. Replies and returns false on the first bad field.
static bool
s_profile_read (cab_call_t *call, const char *full_name, const char *title, const char *unit_id,
                const char *email, const char *phone, bool creating, s_profile_t *out)
{
    bool ok = true;
    out->full_name = ident_call_text (call, full_name, &ok);
    out->title = ident_call_text (call, title, &ok);
    out->unit_id = ident_call_text (call, unit_id, &ok);
    out->email = ident_call_text (call, email, &ok);
    out->phone = ident_call_text (call, phone, &ok);
    if (!ok) {
        ident_call_invalid (call, NULL, IDENT_MSG_NOT_UTF8);
        return false;
    }
    const char *why;
    if ((creating || out->full_name) && (why = ident_check_full_name (out->full_name))) {
        ident_call_invalid (call, "full_name", why);
        return false;
    }
    if ((why = ident_check_title (out->title))) {
        ident_call_invalid (call, "title", why);
        return false;
    }
    if (creating && (!out->unit_id || !*out->unit_id)) {
        ident_call_invalid (call, "unit_id", "Vui lòng chọn đơn vị");
        return false;
    }
    if (out->unit_id && !cab_uuid_valid (out->unit_id)) {
        ident_call_invalid (call, "unit_id", "Mã đơn vị không hợp lệ");
        return false;
    }
    if ((why = ident_check_email (out->email))) {
        ident_call_invalid (call, "email", why);
        return false;
    }
    if ((why = ident_check_phone (out->phone))) {
        ident_call_invalid (call, "phone", why);
        return false;
    }
    return true;
}

static bool
s_plain_role_name (const char *s)
{
    size_t n = 0;
    for (; s[n]; n++)
        if (!((s[n] >= 'a' && s[n] <= 'z') || s[n] == '_') || n >= ROLE_NAME_MAX)
            return false;
    return n > 0;
}

//  Check roles[0..n) and drop duplicates into *out (arena). Replies and
//  returns false on an unknown role.
static bool
s_roles_read (cab_call_t *call, char **roles, size_t n, char ***out, size_t *n_out)
{
    char **kept = cab_arena_alloc (call->arena, (n ? n : 1) * sizeof *kept);
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (!ident_role_valid (roles[i])) {
            char message[160];
            if (roles[i] && s_plain_role_name (roles[i]))
                snprintf (message, sizeof message, "Vai trò không hợp lệ: %s", roles[i]);
            else
                snprintf (message, sizeof message, "Vai trò không hợp lệ");
            ident_call_invalid (call, "roles", message);
            return false;
        }
        if (!ident_roles_have (kept, k, roles[i]))
            kept[k++] = roles[i];
    }
    *out = kept;
    *n_out = k;
    return true;
}

static bool
s_is_system_admin (const Cabinet__V1__User *user)
{
    return ident_roles_have (user->roles, user->n_roles, IDENT_ROLE_SYSTEM_ADMIN);
}

//  Reply PERMISSION_DENIED for an account the actor does not manage.
static cab_status_t
s_not_yours (cab_call_t *call, const ident_actor_t *actor)
{
    return ident_call_denied (call, actor->system_admin || actor->unit_admin ? IDENT_MSG_OTHER_UNIT
                                                                             : IDENT_MSG_NOT_ADMIN);
}

//  The user named by an id argument, or a reply saying why not.
static cab_status_t
s_load_user (cab_call_t *call, ident_worker_t *w, const char *id, Cabinet__V1__User **user,
             int *version)
{
    if (!ident_call_check_id (call, "id", id))
        return call->status;
    cab_status_t status = ident_store_user_get (w->store, call->arena, id, user, version);
    if (status == CAB_NOT_FOUND)
        return cab_call_error (call, status, NULL, IDENT_MSG_USER_NOT_FOUND);
    if (status != CAB_OK)
        return ident_call_fail (call, status, NULL);
    return CAB_OK;
}

//  A fresh one-time password and its hash, or a reply saying why not.
static cab_status_t
s_one_time_password (cab_call_t *call, ident_worker_t *w, char **password,
                     char hash[IDENT_HASH_TEXT_MAX])
{
    size_t cap = IDENT_OTP_MAX_CHARS + 1;
    *password = cab_arena_alloc (call->arena, cap);
    if (ident_password_generate (w->settings.password_min_length, *password, cap) != 0
        || ident_password_hash (*password, hash) != 0)
        return ident_call_fail (call, CAB_INTERNAL, NULL);
    return CAB_OK;
}

cab_status_t
ident_list_users (cab_call_t *call, const ProtobufCMessage *request)
{
    const Cabinet__V1__ListUsersRequest *req = (const Cabinet__V1__ListUsersRequest *) request;
    ident_worker_t *w = ident_call_worker (call);
    ident_actor_t actor;
    ident_call_actor (call, &actor);

    ident_user_query_t query = {0};
    if (req->unit_id && *req->unit_id) {
        if (!cab_uuid_valid (req->unit_id))
            return ident_call_invalid (call, "unit_id", "Mã đơn vị không hợp lệ");
        query.unit_id = req->unit_id;
    }
    if (!ident_call_pattern (call, req->q, &query.pattern)
        || !ident_call_page_size (call, req->has_limit, req->limit, &query.limit))
        return call->status;
    if (req->cursor && *req->cursor) {
        bool ok = true;
        query.after = ident_call_text (call, req->cursor, &ok);
        if (!ok || strlen (req->cursor) > CURSOR_MAX)
            return ident_call_invalid (call, "cursor", "Con trỏ phân trang không hợp lệ");
    }
    //  Deleted accounts are listed only to those who manage them.
    query.include_inactive =
        req->has_include_inactive && req->include_inactive
        && (actor.system_admin
            || (query.unit_id && ident_may_administer_unit (&actor, query.unit_id)));

    Cabinet__V1__UserList *list = NULL;
    cab_status_t status = ident_store_user_list (w->store, call->arena, &query, &list);
    if (status != CAB_OK)
        return ident_call_fail (call, status, NULL);
    for (size_t i = 0; i < list->n_items; i++)
        ident_user_redact (&actor, list->items[i]);
    return cab_call_reply (call, list);
}

cab_status_t
ident_get_user (cab_call_t *call, const ProtobufCMessage *request)
{
    const Cabinet__V1__IdRequest *req = (const Cabinet__V1__IdRequest *) request;
    ident_worker_t *w = ident_call_worker (call);
    ident_actor_t actor;
    ident_call_actor (call, &actor);
    Cabinet__V1__User *user = NULL;
    cab_status_t status = s_load_user (call, w, req->id, &user, NULL);
    if (status != CAB_OK)
        return status;
    ident_user_redact (&actor, user);
    return cab_call_reply (call, user);
}

cab_status_t
ident_create_user (cab_call_t *call, const ProtobufCMessage *request)
{
    const Cabinet__V1__CreateUserRequest *req = (const Cabinet__V1__CreateUserRequest *) request;
    ident_worker_t *w = ident_call_worker (call);
    ident_actor_t actor;
    ident_call_actor (call, &actor);
    if (!actor.system_admin && !actor.unit_admin)
        return ident_call_denied (call, IDENT_MSG_NOT_ADMIN);

    bool ok = true;
    char *username = ident_call_text (call, req->username, &ok);
    //  Names are unique case-insensitively and stored lower-case.
    for (char *c = username; c && *c; c++)
        if (*c >= 'A' && *c <= 'Z')
            *c = (char) (*c - 'A' + 'a');
    const char *why = ok ? ident_check_username (username) : IDENT_MSG_NOT_UTF8;
    if (why)
        return ident_call_invalid (call, "username", why);
    s_profile_t profile;
    if (!s_profile_read (call, req->full_name, req->title, req->unit_id, req->email, req->phone,
                         true, &profile))
        return call->status;
    char **roles = NULL;
    size_t n_roles = 0;
    if (!s_roles_read (call, req->roles, req->n_roles, &roles, &n_roles))
        return call->status;
    if (n_roles == 0) {
        roles[0] = IDENT_ROLE_MEMBER;
        n_roles = 1;
    }
    if (!ident_may_manage_user (&actor, profile.unit_id, false))
        return s_not_yours (call, &actor);
    if (!ident_may_grant_roles (&actor, roles, n_roles))
        return ident_call_denied (call, MSG_GRANT_SYSTEM_ADMIN);

    char *one_time = NULL;
    char hash[IDENT_HASH_TEXT_MAX];
    cab_status_t status = s_one_time_password (call, w, &one_time, hash);
    if (status != CAB_OK)
        return status;
    ident_new_user_t in = {
        .username = username,
        .full_name = profile.full_name,
        .title = profile.title,
        .unit_id = profile.unit_id,
        .email = profile.email,
        .phone = profile.phone,
        .roles = roles,
        .n_roles = n_roles,
        .source = "local",
        .password_hash = hash,
        .must_change_password = true,
    };
    Cabinet__V1__User *user = NULL;
    ident_fault_t fault = {0};
    status = ident_store_user_create (w->store, call->arena, &in, actor.user_id, &user, &fault);
    if (status != CAB_OK)
        return ident_call_fail (call, status, &fault);
    user->one_time_password = one_time;
    return cab_call_reply (call, user);
}

cab_status_t
ident_update_user (cab_call_t *call, const ProtobufCMessage *request)
{
    const Cabinet__V1__UpdateUserRequest *req = (const Cabinet__V1__UpdateUserRequest *) request;
    ident_worker_t *w = ident_call_worker (call);
    ident_actor_t actor;
    ident_call_actor (call, &actor);
    if (!ident_call_check_id (call, "id", req->id))
        return call->status;
    s_profile_t profile;
    if (!s_profile_read (call, req->full_name, req->title, req->unit_id, req->email, req->phone,
                         false, &profile))
        return call->status;
    bool roles_set = req->has_roles_set && req->roles_set;
    char **roles = NULL;
    size_t n_roles = 0;
    if (roles_set && !s_roles_read (call, req->roles, req->n_roles, &roles, &n_roles))
        return call->status;

    Cabinet__V1__User *current = NULL;
    int version = 0;
    cab_status_t status = s_load_user (call, w, req->id, &current, &version);
    if (status != CAB_OK)
        return status;
    bool self = actor.user_id && strcasecmp (actor.user_id, current->id) == 0;
    bool manages = ident_may_manage_user (&actor, current->unit_id, s_is_system_admin (current));
    if (!manages && !self)
        return s_not_yours (call, &actor);
    if (!manages && (profile.unit_id || roles_set))
        return ident_call_denied (call, "Bạn không được tự đổi đơn vị hoặc vai trò của mình");
    if (!current->active)
        return cab_call_error (call, CAB_FAILED_PRECONDITION, NULL, MSG_DELETED);
    if (profile.unit_id && strcasecmp (profile.unit_id, current->unit_id) != 0
        && !ident_may_manage_user (&actor, profile.unit_id, false))
        return s_not_yours (call, &actor);
    if (roles_set && !ident_may_grant_roles (&actor, roles, n_roles))
        return ident_call_denied (call, MSG_GRANT_SYSTEM_ADMIN);

    ident_user_patch_t patch = {
        .full_name = profile.full_name,
        .title = profile.title,
        .unit_id = profile.unit_id,
        .email = profile.email,
        .phone = profile.phone,
        .roles_set = roles_set,
        .roles = roles,
        .n_roles = n_roles,
        .version = version,
    };
    Cabinet__V1__User *user = NULL;
    ident_fault_t fault = {0};
    status = ident_store_user_update (w->store, call->arena, current->id, &patch, actor.user_id,
                                      &user, &fault);
    if (status != CAB_OK)
        return ident_call_fail (call, status, &fault);
    ident_user_redact (&actor, user);
    return cab_call_reply (call, user);
}

cab_status_t
ident_delete_user (cab_call_t *call, const ProtobufCMessage *request)
{
    const Cabinet__V1__IdRequest *req = (const Cabinet__V1__IdRequest *) request;
    ident_worker_t *w = ident_call_worker (call);
    ident_actor_t actor;
    ident_call_actor (call, &actor);
    Cabinet__V1__User *user = NULL;
    int version = 0;
    cab_status_t status = s_load_user (call, w, req->id, &user, &version);
    if (status != CAB_OK)
        return status;
    if (!ident_may_manage_user (&actor, user->unit_id, s_is_system_admin (user)))
        return s_not_yours (call, &actor);
    if (!user->active)
        return cab_call_reply (call, &s_empty);  //  deleted already: the same outcome
    ident_fault_t fault = {0};
    status = ident_store_user_delete (w->store, user->id, version, actor.user_id, &fault);
    if (status != CAB_OK)
        return ident_call_fail (call, status, &fault);
    return cab_call_reply (call, &s_empty);
}

cab_status_t
ident_reset_password (cab_call_t *call, const ProtobufCMessage *request)
{
    const Cabinet__V1__IdRequest *req = (const Cabinet__V1__IdRequest *) request;
    ident_worker_t *w = ident_call_worker (call);
    ident_actor_t actor;
    ident_call_actor (call, &actor);
    Cabinet__V1__User *user = NULL;
    cab_status_t status = s_load_user (call, w, req->id, &user, NULL);
    if (status != CAB_OK)
        return status;
    if (!ident_may_manage_user (&actor, user->unit_id, s_is_system_admin (user)))
        return s_not_yours (call, &actor);
    if (!user->active)
        return cab_call_error (call, CAB_FAILED_PRECONDITION, NULL, MSG_DELETED);
    if (strcmp (user->source, "local") != 0)
        return cab_call_error (call, CAB_FAILED_PRECONDITION, NULL,
                               "Mật khẩu của tài khoản thư mục (LDAP) được đặt lại tại hệ thống "
                               "xác thực tập trung");

    char *one_time = NULL;
    char hash[IDENT_HASH_TEXT_MAX];
    status = s_one_time_password (call, w, &one_time, hash);
    if (status != CAB_OK)
        return status;
    ident_fault_t fault = {0};
    status = ident_store_user_set_password (w->store, user->id, hash, true, IDENT_PASSWORD_RESET,
                                            NULL, actor.user_id, &fault);
    if (status != CAB_OK)
        return ident_call_fail (call, status, &fault);
    Cabinet__V1__ResetPasswordReply *reply = cab_arena_alloc (call->arena, sizeof *reply);
    cabinet__v1__reset_password_reply__init (reply);
    reply->one_time_password = one_time;
    return cab_call_reply (call, reply);
}
