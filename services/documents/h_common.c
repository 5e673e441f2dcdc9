/*  h_common - what every documents handler uses: the caller as an actor,
    clean input text, uniform error replies, paging, and loading a document
    or a meeting the caller may see.  */
#include "cab_utf8.h"
#include "cab_uuid.h"
#include "handlers.h"
#include <stdlib.h>
#include <string.h>
#include <time.h>

docs_worker_t *
docs_call_worker (const cab_call_t *call)
{
    return call->worker;
}

void
docs_call_actor (const cab_call_t *call, docs_actor_t *actor)
{
    const Cabinet__V1__Caller *caller = call->caller;
    if (!caller)
        cab_actor_init (actor, NULL, NULL, NULL, 0);
    else
        cab_actor_init (actor, caller->user_id, caller->unit_id, caller->roles, caller->n_roles);
    //  Ids are compared as the database writes them: lower case.
    if (actor->user_id && !cab_uuid_valid (actor->user_id))
        actor->user_id = NULL;
    if (actor->unit_id && !cab_uuid_valid (actor->unit_id))
        actor->unit_id = NULL;
}

cab_status_t
docs_call_fault (cab_call_t *call, const docs_fault_t *fault)
{
    const char *message = fault->message[0] ? fault->message : NULL;
    if (fault->code)
        return cab_call_error_code (call, fault->status, fault->code, fault->field, message);
    return cab_call_error (call, fault->status, fault->field, message);
}

cab_status_t
docs_call_fail (cab_call_t *call, cab_status_t status)
{
    return cab_call_error (call, status, NULL, NULL);
}

cab_status_t
docs_call_invalid (cab_call_t *call, const char *field, const char *message)
{
    return cab_call_error (call, CAB_INVALID_ARGUMENT, field, message);
}

char *
docs_call_text (cab_call_t *call, const char *in, bool *ok)
{
    char *out = cab_utf8_clean (call->arena, in);
    if (in && !out)
        *ok = false;
    return out;
}

bool
docs_call_id (cab_call_t *call, const char *field, const char *id, bool required)
{
    docs_fault_t fault;
    docs_check_id (field, id, required, &fault);
    if (fault.status == CAB_OK)
        return true;
    docs_call_fault (call, &fault);
    return false;
}

bool
docs_call_page (cab_call_t *call, const char *cursor, bool has_limit, int32_t limit, int *offset,
                int *size)
{
    if (!docs_cursor_parse (cursor, offset)) {
        docs_call_invalid (call, "cursor", "Con trỏ trang không hợp lệ");
        return false;
    }
    if (!has_limit || limit == 0) {
        *size = DOCS_PAGE_DEFAULT;
        return true;
    }
    if (limit < 1 || limit > DOCS_PAGE_MAX) {
        docs_call_invalid (call, "limit", "Số bản ghi mỗi trang phải từ 1 đến 200");
        return false;
    }
    *size = limit;
    return true;
}

cab_status_t
docs_call_document (cab_call_t *call, const char *field, const char *id, docs_doc_t **doc)
{
    if (!docs_call_id (call, field, id, true))
        return call->status;
    docs_worker_t *w = docs_call_worker (call);
    docs_actor_t actor;
    docs_call_actor (call, &actor);
    cab_status_t status = docs_store_document (w->store, call->arena, id, &actor, doc);
    if (status == CAB_NOT_FOUND)
        return cab_call_error (call, status, field, DOCS_MSG_DOCUMENT_NOT_FOUND);
    if (status != CAB_OK)
        return docs_call_fail (call, status);
    //  A document the caller may not read does not exist for them.
    if (!docs_may_view (&actor, &(*doc)->facts))
        return cab_call_error (call, CAB_NOT_FOUND, field, DOCS_MSG_DOCUMENT_NOT_FOUND);
    return CAB_OK;
}

cab_status_t
docs_call_meeting (cab_call_t *call, const char *field, const char *id, docs_meeting_t **meeting,
                   unsigned *roles)
{
    if (!docs_call_id (call, field, id, true))
        return call->status;
    docs_worker_t *w = docs_call_worker (call);
    docs_actor_t actor;
    docs_call_actor (call, &actor);
    cab_status_t status = docs_store_meeting (w->store, call->arena, id, actor.user_id, meeting);
    if (status == CAB_NOT_FOUND)
        return cab_call_error (call, status, field, DOCS_MSG_MEETING_NOT_FOUND);
    if (status != CAB_OK)
        return docs_call_fail (call, status);
    *roles = docs_meeting_roles (&actor, &(*meeting)->people);
    return CAB_OK;
}

int64_t
docs_now (void)
{
    return (int64_t) time (NULL);
}
