/*  h_directory - the province directory: this node's units and users plus
    the public entries other nodes publish on cabinet.directory, kept by
    the consumer below, so anyone in the province can be invited.  */
#include "cab_consumer.h"
#include "cab_log.h"
#include "cab_service.h"
#include "cab_utf8.h"
#include "cab_uuid.h"
#include "handlers.h"
#include <string.h>

#define NODE_ID_MAX 128

cab_status_t
ident_list_directory (cab_call_t *call, const ProtobufCMessage *request)
{
    const Cabinet__V1__ListDirectoryRequest *req =
        (const Cabinet__V1__ListDirectoryRequest *) request;
    ident_worker_t *w = ident_call_worker (call);
    ident_directory_query_t query = {0};
    if (req->node_id && *req->node_id) {
        if (strlen (req->node_id) > NODE_ID_MAX
            || !cab_utf8_valid (req->node_id, strlen (req->node_id)))
            return ident_call_invalid (call, "node_id", "Mã nút không hợp lệ");
        query.node_id = req->node_id;
    }
    if (req->cursor && *req->cursor) {
        if (!cab_uuid_valid (req->cursor))
            return ident_call_invalid (call, "cursor", "Con trỏ phân trang không hợp lệ");
        query.after = req->cursor;
    }
    if (!ident_call_pattern (call, req->q, &query.pattern)
        || !ident_call_page_size (call, req->has_limit, req->limit, &query.limit))
        return call->status;
    Cabinet__V1__DirectoryList *list = NULL;
    cab_status_t status = ident_store_directory_list (w->store, call->arena, &query, &list);
    if (status != CAB_OK)
        return ident_call_fail (call, status, NULL);
    return cab_call_reply (call, list);
}

//  true if the entry is something we can keep: an id, a kind, a name.
static bool
s_entry_usable (const Cabinet__V1__DirectoryEntry *entry)
{
    return entry->id && cab_uuid_valid (entry->id) && entry->kind
           && (strcmp (entry->kind, "unit") == 0 || strcmp (entry->kind, "user") == 0)
           && entry->name && *entry->name && entry->node_id && *entry->node_id;
}

cab_status_t
ident_directory_consume (PGconn *db, const char *topic, const char *key,
                         const Cabinet__V1__Event *ev, void *arg)
{
    const cab_service_env_t *env = arg;
    (void) topic;
    if (!ev) {
        //  A tombstone: the entry keyed so is gone. Our own entries are not
        //  in the table, so removing by key is right whoever sent it.
        return key && cab_uuid_valid (key) ? ident_store_directory_remove (db, key) : CAB_OK;
    }
    if (ev->source && env->node_id && strcmp (ev->source, env->node_id) == 0)
        return CAB_OK;  //  our own entries are read from our own tables
    if (!ev->type
        || (strcmp (ev->type, "directory.unit") != 0 && strcmp (ev->type, "directory.user") != 0))
        return CAB_OK;
    if (!ev->has_payload || ev->payload.len == 0)
        return key && cab_uuid_valid (key) ? ident_store_directory_remove (db, key) : CAB_OK;

    Cabinet__V1__DirectoryEntry *entry =
        cabinet__v1__directory_entry__unpack (NULL, ev->payload.len, ev->payload.data);
    cab_status_t status = CAB_OK;
    if (!entry)
        cab_warn ("directory: unreadable entry in event %s: skipped", ev->id);
    else if (!s_entry_usable (entry))
        cab_warn ("directory: incomplete entry in event %s: skipped", ev->id);
    else {
        //  The entry's node must be the node that sent it: a node speaks
        //  only for itself.
        if (ev->source && strcmp (entry->node_id, ev->source) != 0)
            cab_warn ("directory: event %s from %s describes node %s: skipped", ev->id, ev->source,
                      entry->node_id);
        else
            status = ident_store_directory_put (db, entry, cab_event_sequence (ev));
    }
    if (entry)
        cabinet__v1__directory_entry__free_unpacked (entry, NULL);
    //  Data we cannot use will not improve on retry; only database
    //  failures are retried.
    if (status == CAB_INVALID_ARGUMENT) {
        cab_warn ("directory: entry of event %s refused by the database: skipped", ev->id);
        status = CAB_OK;
    }
    return status;
}
