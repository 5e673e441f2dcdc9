/*  h_read - reading documents: metadata (GetDocument), content in pieces
    of at most 1 MiB (ReadContent), and the full-text and multi-criteria
    search (R5.9). Every path asks docs_may_view; a document the caller
    may not read is "not found" (404), so its existence does not leak.
    Views and downloads go to the access log (R1.5, R4.5); a download is
    recorded once per request, at its first piece (offset 0), with
    document.downloaded.  */
#include "cab_log.h"
#include "cab_utf8.h"
#include "handlers.h"
#include <errno.h>
#include <string.h>
#include <unistd.h>

#define SEARCH_BATCHES_MAX 10  //  candidate batches looked at for one page
#define SEARCH_BATCH_MIN 50

cab_status_t
docs_get_document (cab_call_t *call, const ProtobufCMessage *request)
{
    const Cabinet__V1__DocumentIdRequest *req = (const Cabinet__V1__DocumentIdRequest *) request;
    docs_worker_t *w = docs_call_worker (call);
    docs_doc_t *doc = NULL;
    if (docs_call_document (call, "id", req->id, &doc) != CAB_OK)
        return call->status;
    docs_actor_t actor;
    docs_call_actor (call, &actor);
    if (docs_store_record_access (w->store, doc, &actor, false) != CAB_OK)
        cab_warn ("document %s: a view could not be logged", doc->doc->id);
    if (docs_may_see_access_list (&actor, &doc->facts)) {
        char **ids = NULL;
        size_t n = 0;
        cab_status_t status =
            docs_store_access_list (w->store, call->arena, doc->doc->id, &ids, &n);
        if (status != CAB_OK)
            return docs_call_fail (call, status);
        doc->doc->access_user_ids = ids;
        doc->doc->n_access_user_ids = n;
    }
    return cab_call_reply (call, doc->doc);
}

cab_status_t
docs_read_content (cab_call_t *call, const ProtobufCMessage *request)
{
    const Cabinet__V1__ReadContentRequest *req = (const Cabinet__V1__ReadContentRequest *) request;
    docs_worker_t *w = docs_call_worker (call);
    int64_t offset = req->has_offset ? req->offset : 0;
    int32_t length = req->has_length && req->length ? req->length : DOCS_CHUNK_MAX;
    if (offset < 0)
        return docs_call_invalid (call, "offset", "Vị trí đọc không hợp lệ");
    if (length < 0 || length > DOCS_CHUNK_MAX)
        return docs_call_invalid (call, "length", "Mỗi lần đọc được tối đa 1 MiB");
    docs_doc_t *doc = NULL;
    if (docs_call_document (call, "id", req->id, &doc) != CAB_OK)
        return call->status;
    const Cabinet__V1__Document *d = doc->doc;
    if (offset > d->size)
        return cab_call_error (call, CAB_OUT_OF_RANGE, "offset",
                               "Vị trí đọc vượt quá kích thước tệp");
    docs_actor_t actor;
    docs_call_actor (call, &actor);
    //  No record, no download (R1.5): the log is written before a byte goes.
    if (offset == 0) {
        cab_status_t status = docs_store_record_access (w->store, doc, &actor, true);
        if (status != CAB_OK)
            return docs_call_fail (call, status);
    }
    int fd = docs_storage_open (w->storage, d->sha256);
    if (fd < 0) {
        cab_error ("document %s: its content %s cannot be opened: %s", d->id, d->sha256,
                   strerror (errno));
        return cab_call_error (call, CAB_INTERNAL, NULL,
                               "Không đọc được nội dung tài liệu; vui lòng báo quản trị hệ thống");
    }
    int64_t left = d->size - offset;
    size_t want = left < length ? (size_t) left : (size_t) length;
    uint8_t *data = cab_arena_alloc (call->arena, want ? want : 1);
    size_t got = 0;
    while (got < want) {
        ssize_t n = pread (fd, data + got, want - got, (off_t) (offset + (int64_t) got));
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        got += (size_t) n;
    }
    close (fd);
    if (got != want) {
        cab_error ("document %s: its content %s is shorter than recorded", d->id, d->sha256);
        return cab_call_error (call, CAB_DATA_LOSS, NULL, NULL);
    }
    Cabinet__V1__ContentChunk *reply = cab_arena_alloc (call->arena, sizeof *reply);
    cabinet__v1__content_chunk__init (reply);
    reply->has_data = reply->has_size = reply->has_offset = true;
    reply->data.data = data;
    reply->data.len = got;
    reply->size = d->size;
    reply->offset = offset;
    reply->mime_type = d->mime_type;
    reply->sha256 = d->sha256;
    reply->filename = d->filename;
    return cab_call_reply (call, reply);
}

cab_status_t
docs_search (cab_call_t *call, const ProtobufCMessage *request)
{
    const Cabinet__V1__SearchDocumentsRequest *req =
        (const Cabinet__V1__SearchDocumentsRequest *) request;
    docs_worker_t *w = docs_call_worker (call);
    docs_actor_t actor;
    docs_call_actor (call, &actor);
    docs_search_t query = {0};
    int size = 0;
    bool ok = true;
    char *q = docs_call_text (call, req->q, &ok);
    if (!ok)
        return docs_call_invalid (call, "q", DOCS_MSG_NOT_UTF8);
    if (q && cab_utf8_length (q) > DOCS_QUERY_MAX)
        return docs_call_invalid (call, "q", "Từ khóa tìm kiếm không được dài quá 200 ký tự");
    if (!docs_call_id (call, "meeting_id", req->meeting_id, false)
        || !docs_call_id (call, "doc_type_id", req->doc_type_id, false)
        || !docs_call_id (call, "unit_id", req->unit_id, false)
        || !docs_call_page (call, req->cursor, req->has_limit, req->limit, &query.offset, &size))
        return call->status;
    if (req->from && *req->from && !(query.has_from = docs_time_parse (req->from, &query.from)))
        return docs_call_invalid (call, "from", "Thời gian phải theo RFC 3339, ví dụ 2026-12-01");
    if (req->to && *req->to && !(query.has_to = docs_time_parse (req->to, &query.to)))
        return docs_call_invalid (call, "to", "Thời gian phải theo RFC 3339, ví dụ 2026-12-31");
    docs_library_t library = DOCS_LIBRARY_NONE;
    if (!docs_library_parse (req->library, true, &library))
        return docs_call_invalid (call, "library", "Thư viện phải là shared hoặc personal");
    query.q = q && *q ? q : NULL;
    query.meeting_id = req->meeting_id;
    query.doc_type_id = req->doc_type_id;
    query.unit_id = req->unit_id;
    query.library = docs_library_name (library);
    query.limit = size * 2 > SEARCH_BATCH_MIN ? size * 2 : SEARCH_BATCH_MIN;

    //  The store narrows to what the caller may possibly read; the rules
    //  decide each candidate. The cursor counts candidates, not results.
    Cabinet__V1__DocumentList *list = cab_arena_alloc (call->arena, sizeof *list);
    cabinet__v1__document_list__init (list);
    list->items = cab_arena_alloc (call->arena, (size_t) size * sizeof *list->items);
    bool more = true;
    for (int batch = 0; batch < SEARCH_BATCHES_MAX && more && (int) list->n_items < size; batch++) {
        docs_doc_t **docs = NULL;
        size_t n = 0;
        cab_status_t status =
            docs_store_search (w->store, call->arena, &query, &actor, &docs, &n, &more);
        if (status != CAB_OK)
            return docs_call_fail (call, status);
        size_t used = 0;
        for (; used < n && (int) list->n_items < size; used++)
            if (docs_may_view (&actor, &docs[used]->facts))
                list->items[list->n_items++] = docs[used]->doc;
        query.offset += (int) used;
        more = more || used < n;
        if (query.offset > DOCS_OFFSET_MAX)
            more = false;
    }
    if (more)
        list->next = cab_arena_printf (call->arena, "%d", query.offset);
    return cab_call_reply (call, list);
}
