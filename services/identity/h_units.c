/*  h_units - the agency tree: anyone signed in lists and reads units; a
    system admin creates, renames and moves them; a unit admin may rename
    only their own unit.  */
#include "cab_uuid.h"
#include "handlers.h"
#include <string.h>
#include <strings.h>

#define MSG_PARENT_ID_INVALID "Mã đơn vị cấp trên không hợp lệ"

//  parent_id as sent: NULL (absent), "" (top level) or a UUID. Replies and
//  returns false for anything else.
static bool
s_check_parent (cab_call_t *call, const char *parent_id)
{
    if (!parent_id || !*parent_id || cab_uuid_valid (parent_id))
        return true;
    ident_call_invalid (call, "parent_id", MSG_PARENT_ID_INVALID);
    return false;
}

cab_status_t
ident_list_units (cab_call_t *call, const ProtobufCMessage *request)
{
    const Cabinet__V1__ListUnitsRequest *req = (const Cabinet__V1__ListUnitsRequest *) request;
    ident_worker_t *w = ident_call_worker (call);
    const char *pattern = NULL;
    if (!s_check_parent (call, req->parent_id) || !ident_call_pattern (call, req->q, &pattern))
        return call->status;
    Cabinet__V1__UnitList *list = NULL;
    cab_status_t status =
        ident_store_unit_list (w->store, call->arena, req->parent_id, pattern, &list);
    if (status != CAB_OK)
        return ident_call_fail (call, status, NULL);
    return cab_call_reply (call, list);
}

cab_status_t
ident_get_unit (cab_call_t *call, const ProtobufCMessage *request)
{
    const Cabinet__V1__IdRequest *req = (const Cabinet__V1__IdRequest *) request;
    ident_worker_t *w = ident_call_worker (call);
    if (!ident_call_check_id (call, "id", req->id))
        return call->status;
    Cabinet__V1__Unit *unit = NULL;
    cab_status_t status = ident_store_unit_get (w->store, call->arena, req->id, &unit);
    if (status == CAB_NOT_FOUND)
        return cab_call_error (call, status, NULL, IDENT_MSG_UNIT_NOT_FOUND);
    if (status != CAB_OK)
        return ident_call_fail (call, status, NULL);
    return cab_call_reply (call, unit);
}

cab_status_t
ident_create_unit (cab_call_t *call, const ProtobufCMessage *request)
{
    const Cabinet__V1__CreateUnitRequest *req = (const Cabinet__V1__CreateUnitRequest *) request;
    ident_worker_t *w = ident_call_worker (call);
    ident_actor_t actor;
    ident_call_actor (call, &actor);
    if (!ident_may_restructure_units (&actor))
        return ident_call_denied (call, "Chỉ quản trị hệ thống được tạo đơn vị");

    bool ok = true;
    char *name = ident_call_text (call, req->name, &ok);
    if (!ok)
        return ident_call_invalid (call, "name", IDENT_MSG_NOT_UTF8);
    const char *why = ident_check_unit_name (name);
    if (why)
        return ident_call_invalid (call, "name", why);
    if (!s_check_parent (call, req->parent_id))
        return call->status;
    const char *parent_id = req->parent_id && *req->parent_id ? req->parent_id : NULL;

    Cabinet__V1__Unit *unit = NULL;
    ident_fault_t fault = {0};
    cab_status_t status = ident_store_unit_create (w->store, call->arena, name, parent_id,
                                                   actor.user_id, &unit, &fault);
    if (status != CAB_OK)
        return ident_call_fail (call, status, &fault);
    return cab_call_reply (call, unit);
}

cab_status_t
ident_update_unit (cab_call_t *call, const ProtobufCMessage *request)
{
    const Cabinet__V1__UpdateUnitRequest *req = (const Cabinet__V1__UpdateUnitRequest *) request;
    ident_worker_t *w = ident_call_worker (call);
    ident_actor_t actor;
    ident_call_actor (call, &actor);
    if (!ident_call_check_id (call, "id", req->id))
        return call->status;

    bool ok = true;
    char *name = ident_call_text (call, req->name, &ok);
    if (!ok)
        return ident_call_invalid (call, "name", IDENT_MSG_NOT_UTF8);
    const char *why = name ? ident_check_unit_name (name) : NULL;
    if (why)
        return ident_call_invalid (call, "name", why);
    if (!s_check_parent (call, req->parent_id))
        return call->status;

    Cabinet__V1__Unit *current = NULL;
    cab_status_t status = ident_store_unit_get (w->store, call->arena, req->id, &current);
    if (status == CAB_NOT_FOUND)
        return cab_call_error (call, status, NULL, IDENT_MSG_UNIT_NOT_FOUND);
    if (status != CAB_OK)
        return ident_call_fail (call, status, NULL);

    //  Moving is restructuring (system admins); sending the current parent
    //  again is not a move.
    const char *current_parent = current->parent_id ? current->parent_id : "";
    bool moves = req->parent_id && strcasecmp (req->parent_id, current_parent) != 0;
    if (moves && !ident_may_restructure_units (&actor))
        return ident_call_denied (call, "Chỉ quản trị hệ thống được chuyển đơn vị trong cây");
    if (!ident_may_rename_unit (&actor, req->id))
        return ident_call_denied (call, "Quản trị đơn vị chỉ được đổi tên đơn vị của mình");

    Cabinet__V1__Unit *unit = NULL;
    ident_fault_t fault = {0};
    status = ident_store_unit_update (w->store, call->arena, req->id, name,
                                      moves ? req->parent_id : NULL, actor.user_id, &unit, &fault);
    if (status != CAB_OK)
        return ident_call_fail (call, status, &fault);
    return cab_call_reply (call, unit);
}
