/*  h_catalogs - the catalogs of R2: meeting rooms per agency, meeting forms
    and types (fixed by the API), meeting fields, document types and
    document fields. Everyone signed in reads them; system admins manage
    them, and a unit admin adds the rooms of their own agency.  */
#include "cab_utf8.h"
#include "cab_uuid.h"
#include "handlers.h"
#include <string.h>

#define MSG_KIND "Danh mục phải là rooms, forms, types, fields, doc-types hoặc doc-fields"

cab_status_t
sched_list_catalog (cab_call_t *call, const ProtobufCMessage *request)
{
    const Cabinet__V1__ListCatalogRequest *req = (const Cabinet__V1__ListCatalogRequest *) request;
    sched_worker_t *w = sched_call_worker (call);
    sched_catalog_t kind;
    if (!sched_catalog_parse (req->kind, &kind))
        return cab_call_error (call, CAB_NOT_FOUND, "kind", MSG_KIND);
    sched_catalog_query_t query = {.kind = sched_catalog_name (kind)};
    if (!sched_call_opt_id (call, "unit_id", req->unit_id)
        || !sched_call_opt_id (call, "cursor", req->cursor)
        || !sched_call_pattern (call, req->q, &query.pattern)
        || !sched_call_page_size (call, req->has_limit, req->limit, &query.limit))
        return call->status;
    query.unit_id = req->unit_id && *req->unit_id ? req->unit_id : NULL;
    query.after = req->cursor && *req->cursor ? req->cursor : NULL;
    Cabinet__V1__CatalogList *list = NULL;
    cab_status_t status = sched_store_catalog_list (w->store, call->arena, &query, &list);
    if (status != CAB_OK)
        return sched_call_fail (call, status, NULL);
    return cab_call_reply (call, list);
}

cab_status_t
sched_create_catalog_entry (cab_call_t *call, const ProtobufCMessage *request)
{
    const Cabinet__V1__CreateCatalogEntryRequest *req =
        (const Cabinet__V1__CreateCatalogEntryRequest *) request;
    sched_worker_t *w = sched_call_worker (call);
    sched_actor_t actor;
    sched_call_actor (call, &actor);
    sched_catalog_t kind;
    if (!sched_catalog_parse (req->kind, &kind))
        return cab_call_error (call, CAB_NOT_FOUND, "kind", MSG_KIND);

    bool ok = true;
    char *name = sched_call_text (call, req->name, &ok);
    char *location = sched_call_text (call, req->location, &ok);
    if (!ok)
        return sched_call_invalid (call, NULL, SCHED_MSG_NOT_UTF8);
    sched_fault_t fault;
    sched_check_name (name, &fault);
    if (fault.status != CAB_OK)
        return sched_call_fault (call, &fault);
    bool room = kind == SCHED_CATALOG_ROOMS;
    if (room && (!req->unit_id || !*req->unit_id))
        return sched_call_invalid (call, "unit_id", "Vui lòng chọn đơn vị sở hữu phòng họp");
    if (!room && ((req->unit_id && *req->unit_id) || req->has_capacity || location))
        return sched_call_invalid (call, NULL, "Chỉ phòng họp mới có đơn vị, sức chứa và vị trí");
    if (room && !cab_uuid_valid (req->unit_id))
        return sched_call_invalid (call, "unit_id", "Mã đơn vị không hợp lệ");
    if (req->has_capacity && (req->capacity < 0 || req->capacity > SCHED_CAPACITY_MAX))
        return sched_call_invalid (call, "capacity", "Sức chứa phải từ 0 đến 100000 chỗ");
    if (location && cab_utf8_length (location) > SCHED_LOCATION_MAX)
        return sched_call_invalid (call, "location", "Vị trí không được dài quá 300 ký tự");
    sched_may_add_catalog (&actor, kind, room ? req->unit_id : NULL, &fault);
    if (fault.status != CAB_OK)
        return sched_call_fault (call, &fault);

    cab_idem_t idem;
    const cab_idem_t *idem_p = NULL;
    if (sched_call_replay (call, request, &cabinet__v1__catalog_entry__descriptor, &idem, &idem_p))
        return call->status;
    sched_catalog_in_t in = {
        .kind = sched_catalog_name (kind),
        .name = name,
        .unit_id = room ? req->unit_id : NULL,
        .capacity = req->has_capacity ? req->capacity : 0,
        .location = location && *location ? location : NULL,
    };
    Cabinet__V1__CatalogEntry *entry = NULL;
    sched_fault_clear (&fault);
    cab_status_t status = sched_store_catalog_create (w->store, call->arena, &in, actor.user_id,
                                                      idem_p, &entry, &fault);
    if (status != CAB_OK)
        return sched_call_fail (call, status, &fault);
    return cab_call_reply (call, entry);
}
