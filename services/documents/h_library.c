/*  h_library - the shared library (central and provincial resolutions,
    directives, plans: R5.3), kept by office roles and administrators, and
    each person's own library. An entry points to a document; reading it
    still follows the document's rules, so a personal library never opens
    a document its owner may no longer read.  */
#include "cabinet/v1/identity.pb-c.h"
#include "handlers.h"

#define MSG_KIND "Thư viện phải là shared (dùng chung) hoặc personal (cá nhân)"
#define LIBRARY_BATCHES_MAX 10

cab_status_t
docs_list_library (cab_call_t *call, const ProtobufCMessage *request)
{
    const Cabinet__V1__ListLibraryRequest *req = (const Cabinet__V1__ListLibraryRequest *) request;
    docs_worker_t *w = docs_call_worker (call);
    docs_library_t kind;
    if (!docs_library_parse (req->kind, false, &kind))
        return docs_call_invalid (call, "kind", MSG_KIND);
    int offset = 0, size = 0;
    if (!docs_call_page (call, req->cursor, req->has_limit, req->limit, &offset, &size))
        return call->status;
    docs_actor_t actor;
    docs_call_actor (call, &actor);
    Cabinet__V1__DocumentList *list = cab_arena_alloc (call->arena, sizeof *list);
    cabinet__v1__document_list__init (list);
    list->items = cab_arena_alloc (call->arena, (size_t) size * sizeof *list->items);
    bool more = true;
    for (int batch = 0; batch < LIBRARY_BATCHES_MAX && more && (int) list->n_items < size;
         batch++) {
        docs_doc_t **docs = NULL;
        size_t n = 0;
        cab_status_t status = docs_store_library_list (w->store, call->arena, kind, actor.user_id,
                                                       offset, size, &actor, &docs, &n, &more);
        if (status != CAB_OK)
            return docs_call_fail (call, status);
        size_t used = 0;
        for (; used < n && (int) list->n_items < size; used++)
            if (docs_may_view (&actor, &docs[used]->facts))
                list->items[list->n_items++] = docs[used]->doc;
        offset += (int) used;
        more = more || used < n;
    }
    if (more)
        list->next = cab_arena_printf (call->arena, "%d", offset);
    return cab_call_reply (call, list);
}

cab_status_t
docs_add_to_library (cab_call_t *call, const ProtobufCMessage *request)
{
    const Cabinet__V1__LibraryEntryRequest *req =
        (const Cabinet__V1__LibraryEntryRequest *) request;
    docs_worker_t *w = docs_call_worker (call);
    docs_library_t kind;
    if (!docs_library_parse (req->kind, false, &kind))
        return docs_call_invalid (call, "kind", MSG_KIND);
    docs_doc_t *doc = NULL;
    if (docs_call_document (call, "document_id", req->document_id, &doc) != CAB_OK)
        return call->status;
    docs_actor_t actor;
    docs_call_actor (call, &actor);
    docs_fault_t fault;
    docs_may_add_to_library (&actor, kind, &doc->facts, &fault);
    if (fault.status != CAB_OK)
        return docs_call_fault (call, &fault);
    bool added = false;
    cab_status_t status =
        docs_store_library_add (w->store, kind, actor.user_id, doc->doc->id, actor.user_id, &added);
    if (status != CAB_OK)
        return docs_call_fail (call, status);
    return cab_call_reply (call, doc->doc);
}

cab_status_t
docs_remove_from_library (cab_call_t *call, const ProtobufCMessage *request)
{
    const Cabinet__V1__LibraryEntryRequest *req =
        (const Cabinet__V1__LibraryEntryRequest *) request;
    docs_worker_t *w = docs_call_worker (call);
    docs_library_t kind;
    if (!docs_library_parse (req->kind, false, &kind))
        return docs_call_invalid (call, "kind", MSG_KIND);
    if (!docs_call_id (call, "document_id", req->document_id, true))
        return call->status;
    docs_actor_t actor;
    docs_call_actor (call, &actor);
    docs_fault_t fault;
    docs_may_remove_from_library (&actor, kind, &fault);
    if (fault.status != CAB_OK)
        return docs_call_fault (call, &fault);
    bool removed = false;
    cab_status_t status =
        docs_store_library_remove (w->store, kind, actor.user_id, req->document_id, &removed);
    if (status != CAB_OK)
        return docs_call_fail (call, status);
    if (!removed)
        return cab_call_error (call, CAB_NOT_FOUND, "document_id",
                               "Tài liệu không có trong thư viện này");
    Cabinet__V1__Empty *reply = cab_arena_alloc (call->arena, sizeof *reply);
    cabinet__v1__empty__init (reply);
    return cab_call_reply (call, reply);
}
