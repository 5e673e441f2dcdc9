/*  handlers - the documents service's RPC methods (one file per group:
    h_upload.c, h_read.c, h_review.c, h_library.c, h_discuss.c,
    h_report.c), the consumer that keeps the projection of meetings and
    people (h_projection.c), the periodic jobs and command verbs (jobs.c),
    and the small functions they share (h_common.c). Each handler has the
    cab_handler_fn shape: it validates, authorizes with rules.c, calls the
    store and replies.  */
#ifndef DOCS_HANDLERS_H
#define DOCS_HANDLERS_H
#include "cab_consumer.h"
#include "cab_rpc.h"
#include "rules.h"
#include "store.h"
#include "worker.h"

/* ---- h_upload.c: UploadBegin, UploadChunk, UploadFinish, UploadAbort ------------------ */
cab_status_t docs_upload_begin (cab_call_t *call, const ProtobufCMessage *request);
cab_status_t docs_upload_chunk (cab_call_t *call, const ProtobufCMessage *request);
cab_status_t docs_upload_finish (cab_call_t *call, const ProtobufCMessage *request);
cab_status_t docs_upload_abort (cab_call_t *call, const ProtobufCMessage *request);

/* ---- h_read.c: GetDocument, ReadContent, Search ---------------------------------------- */
cab_status_t docs_get_document (cab_call_t *call, const ProtobufCMessage *request);
cab_status_t docs_read_content (cab_call_t *call, const ProtobufCMessage *request);
cab_status_t docs_search (cab_call_t *call, const ProtobufCMessage *request);

/* ---- h_review.c: Approve, Reject (R3.3), ReleaseForPurge (R5.6) ------------------------- */
cab_status_t docs_approve (cab_call_t *call, const ProtobufCMessage *request);
cab_status_t docs_reject (cab_call_t *call, const ProtobufCMessage *request);
cab_status_t docs_release_for_purge (cab_call_t *call, const ProtobufCMessage *request);

/* ---- h_library.c: ListLibrary, AddToLibrary, RemoveFromLibrary (R5.3) -------------------- */
cab_status_t docs_list_library (cab_call_t *call, const ProtobufCMessage *request);
cab_status_t docs_add_to_library (cab_call_t *call, const ProtobufCMessage *request);
cab_status_t docs_remove_from_library (cab_call_t *call, const ProtobufCMessage *request);

/* ---- h_discuss.c: comments, suggested edits, personal notes (R5.8) ----------------------- */
cab_status_t docs_add_comment (cab_call_t *call, const ProtobufCMessage *request);
cab_status_t docs_list_comments (cab_call_t *call, const ProtobufCMessage *request);
cab_status_t docs_add_note (cab_call_t *call, const ProtobufCMessage *request);
cab_status_t docs_list_notes (cab_call_t *call, const ProtobufCMessage *request);

/* ---- h_report.c: AccessReport (R4.5, R10.4) ---------------------------------------------- */
cab_status_t docs_access_report (cab_call_t *call, const ProtobufCMessage *request);

/* ---- h_projection.c --------------------------------------------------------------------- */

//  Consumer of the node's events topic and cabinet.directory: keeps the
//  projection of meetings, invitees, people, agencies and document types
//  (arg is the service's cab_service_env_t).
cab_status_t docs_projection_consume (PGconn *db, const char *topic, const char *key,
                                      const Cabinet__V1__Event *ev, void *arg);

/* ---- jobs.c ------------------------------------------------------------------------------- */

//  The periodic jobs (stale uploads, the daily purge), NULL-name terminated.
extern const cab_job_t docs_jobs[];

//  cab_service_t.on_start: refuses to start on unusable settings (logged).
int docs_on_start (PGconn *db, const cab_service_env_t *env);

//  cab_service_t.command: "purge" (the retention purge, once, now),
//  "clean-uploads" (forget abandoned uploads now) and "seed-demo" (nothing
//  to seed). Returns the exit code, or -1 for an unknown verb.
int docs_command (PGconn *db, const cab_service_env_t *env, int argc, char **argv);

/* ---- h_common.c ----------------------------------------------------------------------------- */

//  The worker state of this call.
docs_worker_t *docs_call_worker (const cab_call_t *call);

//  The acting person of this call.
void docs_call_actor (const cab_call_t *call, docs_actor_t *actor);

//  Reply the fault's status, code, field and message. Returns the status.
cab_status_t docs_call_fault (cab_call_t *call, const docs_fault_t *fault);

//  Reply a store failure with the status's default message. Returns it.
cab_status_t docs_call_fail (cab_call_t *call, cab_status_t status);

//  Reply INVALID_ARGUMENT for field. Returns the status.
cab_status_t docs_call_invalid (cab_call_t *call, const char *field, const char *message);

//  Text a person sent, ready to store: NFC, blanks trimmed, in the arena.
//  NULL stays NULL. If in is not valid UTF-8, sets *ok to false (never to
//  true) and returns NULL.
char *docs_call_text (cab_call_t *call, const char *in, bool *ok);

//  Check an id parameter (400 when malformed, or missing and required).
//  Replies and returns false when it is not acceptable.
bool docs_call_id (cab_call_t *call, const char *field, const char *id, bool required);

//  Paging: *offset from the cursor, *limit from the optional limit
//  (default DOCS_PAGE_DEFAULT, 1..DOCS_PAGE_MAX). Replies 400 and returns
//  false when either is bad.
bool docs_call_page (cab_call_t *call, const char *cursor, bool has_limit, int32_t limit,
                     int *offset, int *size);

//  Document id as the caller may read it: replies (400 bad id, 404 unknown
//  or not readable: existence never leaks) and returns the status.
cab_status_t docs_call_document (cab_call_t *call, const char *field, const char *id,
                                 docs_doc_t **doc);

//  Meeting id as the projection knows it, with the caller's roles in it:
//  replies (400, 404 unknown) and returns the status. Visibility is the
//  caller's to judge.
cab_status_t docs_call_meeting (cab_call_t *call, const char *field, const char *id,
                                docs_meeting_t **meeting, unsigned *roles);

//  Current time, Unix seconds.
int64_t docs_now (void);

//  Shared messages.
#define DOCS_MSG_NOT_UTF8 "Dữ liệu gửi lên không phải văn bản UTF-8 hợp lệ"
#define DOCS_MSG_DOCUMENT_NOT_FOUND "Không tìm thấy tài liệu"
#define DOCS_MSG_MEETING_NOT_FOUND "Không tìm thấy cuộc họp"

#endif
