/*  h_common - what every identity handler uses: the caller as an actor,
    clean input text, uniform error replies.  */
#include "cab_db.h"
#include "cab_utf8.h"
#include "cab_uuid.h"
#include "handlers.h"
#include <stdlib.h>
#include <string.h>

ident_worker_t *
ident_call_worker (const cab_call_t *call)
{
    return call->worker;
}

void
ident_call_actor (const cab_call_t *call, ident_actor_t *actor)
{
    const Cabinet__V1__Caller *caller = call->caller;
    if (!caller) {
        cab_actor_init (actor, NULL, NULL, NULL, 0);
        return;
    }
    cab_actor_init (actor, caller->user_id, caller->unit_id, caller->roles, caller->n_roles);
}

char *
ident_call_text (cab_call_t *call, const char *in, bool *ok)
{
    char *out = cab_utf8_clean (call->arena, in);
    if (in && !out)
        *ok = false;
    return out;
}

cab_status_t
ident_call_invalid (cab_call_t *call, const char *field, const char *message)
{
    return cab_call_error (call, CAB_INVALID_ARGUMENT, field, message);
}

cab_status_t
ident_call_denied (cab_call_t *call, const char *message)
{
    return cab_call_error (call, CAB_PERMISSION_DENIED, NULL, message);
}

cab_status_t
ident_call_fail (cab_call_t *call, cab_status_t status, const ident_fault_t *fault)
{
    if (fault && fault->message)
        return cab_call_error (call, status, fault->field, fault->message);
    return cab_call_error (call, status, NULL, NULL);
}

bool
ident_call_check_id (cab_call_t *call, const char *field, const char *id)
{
    if (id && cab_uuid_valid (id))
        return true;
    ident_call_invalid (call, field,
                        id && *id ? "Mã định danh không hợp lệ" : "Thiếu mã định danh");
    return false;
}

bool
ident_call_page_size (cab_call_t *call, bool has_limit, int32_t limit, int *size)
{
    if (!has_limit || limit == 0) {
        *size = IDENT_PAGE_DEFAULT;
        return true;
    }
    if (limit < 1 || limit > IDENT_PAGE_MAX) {
        ident_call_invalid (call, "limit", "Số bản ghi mỗi trang phải từ 1 đến 200");
        return false;
    }
    *size = limit;
    return true;
}

bool
ident_call_pattern (cab_call_t *call, const char *q, const char **pattern)
{
    bool ok = true;
    char *text = ident_call_text (call, q, &ok);
    *pattern = NULL;
    if (!ok) {
        ident_call_invalid (call, "q", IDENT_MSG_NOT_UTF8);
        return false;
    }
    if (!text || !*text)
        return true;
    if (cab_utf8_length (text) > IDENT_QUERY_MAX) {
        ident_call_invalid (call, "q", "Từ khóa tìm kiếm không được dài quá 200 ký tự");
        return false;
    }
    //  Every byte may gain a backslash; plus the two % and the NUL.
    size_t cap = 2 * strlen (text) + 3;
    char *out = cab_arena_alloc (call->arena, cap);
    if (!cab_db_like_pattern (text, out, cap)) {
        ident_call_invalid (call, "q", "Từ khóa tìm kiếm không hợp lệ");
        return false;
    }
    *pattern = out;
    return true;
}

void
ident_user_redact (const ident_actor_t *actor, Cabinet__V1__User *user)
{
    if (!ident_may_see_contact (actor, user->id, user->unit_id)) {
        user->phone = NULL;
        user->email = NULL;
    }
}

char *
ident_call_fit (cab_call_t *call, const char *s, size_t max_bytes)
{
    if (!s)
        return NULL;
    char *copy = cab_arena_strdup (call->arena, s);
    ident_utf8_truncate (copy, max_bytes);
    return copy;
}
