/*  h_discuss - comments and suggested edits on a document (R5.8), read by
    whoever may read the document and closed when its meeting ends (R6.7),
    never on a recording; and personal notes, which only their author ever
    reads (the chair may keep some on a recording).  */
#include "handlers.h"

cab_status_t
docs_add_comment (cab_call_t *call, const ProtobufCMessage *request)
{
    const Cabinet__V1__AddCommentRequest *req = (const Cabinet__V1__AddCommentRequest *) request;
    docs_worker_t *w = docs_call_worker (call);
    bool ok = true;
    char *text = docs_call_text (call, req->text, &ok);
    char *suggestion = docs_call_text (call, req->suggestion, &ok);
    if (!ok)
        return docs_call_invalid (call, NULL, DOCS_MSG_NOT_UTF8);
    docs_fault_t fault;
    docs_check_text ("text", text, true, DOCS_COMMENT_MAX, &fault);
    if (fault.status == CAB_OK)
        docs_check_text ("suggestion", suggestion, false, DOCS_SUGGESTION_MAX, &fault);
    if (fault.status != CAB_OK)
        return docs_call_fault (call, &fault);
    docs_doc_t *doc = NULL;
    if (docs_call_document (call, "document_id", req->document_id, &doc) != CAB_OK)
        return call->status;
    docs_may_comment_on (&doc->facts, &fault);
    if (fault.status == CAB_OK)
        docs_may_comment (doc->has_meeting, doc->meeting_state, &fault);
    if (fault.status != CAB_OK)
        return docs_call_fault (call, &fault);
    docs_actor_t actor;
    docs_call_actor (call, &actor);
    Cabinet__V1__Comment *comment = NULL;
    cab_status_t status = docs_store_comment_add (w->store, call->arena, doc->doc->id,
                                                  actor.user_id, text, suggestion, &comment);
    if (status != CAB_OK)
        return docs_call_fail (call, status);
    return cab_call_reply (call, comment);
}

cab_status_t
docs_list_comments (cab_call_t *call, const ProtobufCMessage *request)
{
    const Cabinet__V1__ListByDocumentRequest *req =
        (const Cabinet__V1__ListByDocumentRequest *) request;
    docs_worker_t *w = docs_call_worker (call);
    int offset = 0, size = 0;
    if (!docs_call_page (call, req->cursor, req->has_limit, req->limit, &offset, &size))
        return call->status;
    docs_doc_t *doc = NULL;
    if (docs_call_document (call, "document_id", req->document_id, &doc) != CAB_OK)
        return call->status;
    Cabinet__V1__CommentList *list = NULL;
    cab_status_t status =
        docs_store_comment_list (w->store, call->arena, doc->doc->id, offset, size, &list);
    if (status != CAB_OK)
        return docs_call_fail (call, status);
    return cab_call_reply (call, list);
}

cab_status_t
docs_add_note (cab_call_t *call, const ProtobufCMessage *request)
{
    const Cabinet__V1__AddNoteRequest *req = (const Cabinet__V1__AddNoteRequest *) request;
    docs_worker_t *w = docs_call_worker (call);
    bool ok = true;
    char *text = docs_call_text (call, req->text, &ok);
    if (!ok)
        return docs_call_invalid (call, "text", DOCS_MSG_NOT_UTF8);
    docs_fault_t fault;
    docs_check_text ("text", text, true, DOCS_NOTE_MAX, &fault);
    if (fault.status != CAB_OK)
        return docs_call_fault (call, &fault);
    docs_doc_t *doc = NULL;
    if (docs_call_document (call, "document_id", req->document_id, &doc) != CAB_OK)
        return call->status;
    docs_actor_t actor;
    docs_call_actor (call, &actor);
    Cabinet__V1__Note *note = NULL;
    cab_status_t status =
        docs_store_note_add (w->store, call->arena, doc->doc->id, actor.user_id, text, &note);
    if (status != CAB_OK)
        return docs_call_fail (call, status);
    return cab_call_reply (call, note);
}

cab_status_t
docs_list_notes (cab_call_t *call, const ProtobufCMessage *request)
{
    const Cabinet__V1__ListByDocumentRequest *req =
        (const Cabinet__V1__ListByDocumentRequest *) request;
    docs_worker_t *w = docs_call_worker (call);
    int offset = 0, size = 0;
    if (!docs_call_page (call, req->cursor, req->has_limit, req->limit, &offset, &size))
        return call->status;
    docs_doc_t *doc = NULL;
    if (docs_call_document (call, "document_id", req->document_id, &doc) != CAB_OK)
        return call->status;
    docs_actor_t actor;
    docs_call_actor (call, &actor);
    Cabinet__V1__NoteList *list = NULL;
    cab_status_t status = docs_store_note_list (w->store, call->arena, doc->doc->id, actor.user_id,
                                                offset, size, &list);
    if (status != CAB_OK)
        return docs_call_fail (call, status);
    return cab_call_reply (call, list);
}
