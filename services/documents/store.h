/*  docs_store - uploads, documents, access lists, libraries, comments,
    notes, the access log, retention and the projection of meetings and
    people in PostgreSQL: the only file of the documents service that
    speaks SQL. Every change is one transaction together with its outbox
    events, so nothing is half-stored and no event is lost or invented.

    A document as read comes with the facts the access rules need for the
    person asking (docs_doc_facts_t): the store reads them, rules.c
    decides. Results are protobuf messages allocated in the caller's arena.
    Outcomes a person caused come back as a status with a Vietnamese
    explanation in a docs_fault_t; unexpected failures are logged here and
    come back as CAB_INTERNAL / CAB_UNAVAILABLE.  */
#ifndef DOCS_STORE_H
#define DOCS_STORE_H
#include "cab_arena.h"
#include "cab_status.h"
#include "cabinet/v1/documents.pb-c.h"
#include "cabinet/v1/scheduling.pb-c.h"
#include "rules.h"
#include "storage.h"
#include <libpq-fe.h>
#include <stdbool.h>
#include <stdint.h>

typedef struct _docs_store_t docs_store_t;

//  Create a store on db, which stays the caller's (it must outlive the
//  store). Returns NULL on failure.
docs_store_t *docs_store_new (PGconn *db);

//  Destroy the store (not the connection); nulls *self_p. NULL-safe.
void docs_store_destroy (docs_store_t **self_p);

//  A transaction around work that is not SQL (writing an upload's chunk
//  while its row is locked). begin/commit return CAB_OK or a status.
cab_status_t docs_store_begin (docs_store_t *self);
cab_status_t docs_store_commit (docs_store_t *self);
void docs_store_rollback (docs_store_t *self);

/* ---- projection reads -------------------------------------------------------------- */

typedef struct {
    const char *id;
    const char *unit_id;
    const char *node_id;
    const char *name;
    bool active;
} docs_person_t;

//  A person as the projection knows them: CAB_OK with *person (arena),
//  CAB_NOT_FOUND, or a failure.
cab_status_t docs_store_person (docs_store_t *self, cab_arena_t *arena, const char *id,
                                docs_person_t **person);

//  A document type's name: CAB_OK with *name (arena), CAB_NOT_FOUND, or a
//  failure.
cab_status_t docs_store_doc_type (docs_store_t *self, cab_arena_t *arena, const char *id,
                                  char **name);

//  A meeting as the projection knows it, with the asking person's place.
typedef struct {
    const char *id;
    const char *title;
    docs_meeting_people_t people;  //  invitee: the person asking
    docs_meeting_state_t state;
    bool published;
    bool secret;  //  marked secret by the chair ("họp mật"): no recordings (R6.5)
    int64_t end;  //  Unix seconds: the later of the planned and the actual end
} docs_meeting_t;

//  Meeting id for user_id: CAB_OK with *meeting (arena), CAB_NOT_FOUND, or
//  a failure.
cab_status_t docs_store_meeting (docs_store_t *self, cab_arena_t *arena, const char *id,
                                 const char *user_id, docs_meeting_t **meeting);

/* ---- uploads ------------------------------------------------------------------------ */

//  An upload, as begun and as it stands.
typedef struct {
    const char *id;
    const char *caller_id;
    const char *caller_unit_id;
    const char *meeting_id;  //  NULL for a library upload
    docs_library_t library;
    const char *title;
    const char *title_encoding;
    const char *doc_type_id;
    docs_class_t classification;
    char **access;  //  the access list
    size_t n_access;
    const char *original_name;
    int64_t declared_size;
    int64_t received;
    const char *state;        //  open, finishing, done
    const char *document_id;  //  done: the document made
} docs_upload_t;

//  Record a new upload (in->id and the fields of UploadBegin; received 0),
//  unless its caller has open_max uploads open already (then
//  CAB_RESOURCE_EXHAUSTED with *fault).
cab_status_t docs_store_upload_create (docs_store_t *self, const docs_upload_t *in, int open_max,
                                       docs_fault_t *fault);

//  The upload id, its row locked until the transaction ends (inside
//  docs_store_begin), or read without a lock (outside). CAB_OK with
//  *upload, CAB_NOT_FOUND, or a failure.
cab_status_t docs_store_upload_lock (docs_store_t *self, cab_arena_t *arena, const char *id,
                                     docs_upload_t **upload);

//  Record the bytes received (inside the transaction of the lock).
cab_status_t docs_store_upload_advance (docs_store_t *self, const char *id, int64_t received);

//  Claim an open upload for finishing (open -> finishing). CAB_OK with
//  *upload; CAB_NOT_FOUND when there is no such upload; CAB_ABORTED with
//  *upload when it is not open (finishing, or done: then its document_id).
cab_status_t docs_store_upload_claim (docs_store_t *self, cab_arena_t *arena, const char *id,
                                      docs_upload_t **upload);

//  Give a claimed upload back (finishing -> open) after a failure the
//  caller may retry.
cab_status_t docs_store_upload_reopen (docs_store_t *self, const char *id);

//  Forget an upload.
cab_status_t docs_store_upload_delete (docs_store_t *self, const char *id);

//  Forget uploads untouched for max_age_s seconds (done ones: their
//  answer is no longer needed; others: abandoned). Their ids come back in
//  *ids (arena) so their temporary files can go.
cab_status_t docs_store_uploads_expire (docs_store_t *self, cab_arena_t *arena, int max_age_s,
                                        char ***ids, size_t *n);

/* ---- documents ------------------------------------------------------------------------ */

//  A document as read, with the facts of its access rules for the person
//  asking.
typedef struct {
    Cabinet__V1__Document *doc;  //  arena; no access list
    docs_doc_facts_t facts;
    bool has_meeting;
    docs_meeting_state_t meeting_state;  //  when has_meeting
    const char *chair_id;                //  the meeting's chair (arena), or NULL
} docs_doc_t;

//  A finished upload becoming a document.
typedef struct {
    const docs_upload_t *upload;
    const char *id;
    docs_status_t status;
    const char *approved_by;  //  when it starts approved as a meeting document
    const char *file_type;
    const char *mime_type;
    int64_t size;
    const char *sha256;
    int pages;  //  -1: unknown
    const char *pages_note;
    const char *text;  //  for search, may be NULL
    const char *text_encoding;
    const Cabinet__V1__DocumentSignature *signature;  //  may be NULL
    const char *temp_path;                            //  the finished file, moved into storage
    int duration_seconds;                             //  a recording's length; -1: unknown
} docs_doc_in_t;

//  Store the file in storage and record the document with its text,
//  access list, library entry, the upload marked done, and
//  document.uploaded (recording.uploaded for a recording, its audience the
//  meeting's chair), all or nothing: on failure the transaction is rolled
//  back and an object this call created is removed again (the temporary
//  file stays then). CAB_OK with *doc (facts for actor), or a failure
//  (CAB_RESOURCE_EXHAUSTED when the disk is full).
cab_status_t docs_store_document_create (docs_store_t *self, cab_arena_t *arena,
                                         docs_storage_t *storage, const docs_doc_in_t *in,
                                         const docs_actor_t *actor, docs_doc_t **doc);

//  Document id with the facts for actor: CAB_OK, CAB_NOT_FOUND, a failure.
cab_status_t docs_store_document (docs_store_t *self, cab_arena_t *arena, const char *id,
                                  const docs_actor_t *actor, docs_doc_t **doc);

//  The access list of document id into *ids (arena).
cab_status_t docs_store_access_list (docs_store_t *self, cab_arena_t *arena, const char *id,
                                     char ***ids, size_t *n);

//  A search. Criteria NULL / false when not given.
typedef struct {
    const char *q;  //  websearch syntax, folded here
    const char *meeting_id;
    const char *doc_type_id;
    const char *unit_id;  //  uploader's agency
    bool has_from, has_to;
    int64_t from, to;  //  uploaded in [from, to)
    const char *library;
    int offset;  //  candidates skipped
    int limit;   //  candidates returned
} docs_search_t;

//  Candidates of a search for actor, best first: documents the actor may
//  possibly read (the store narrows, docs_may_view decides). *more when
//  there are candidates after these.
cab_status_t docs_store_search (docs_store_t *self, cab_arena_t *arena, const docs_search_t *query,
                                const docs_actor_t *actor, docs_doc_t ***docs, size_t *n,
                                bool *more);

//  Record a view or a download of doc by actor; a download also publishes
//  document.downloaded.
cab_status_t docs_store_record_access (docs_store_t *self, const docs_doc_t *doc,
                                       const docs_actor_t *actor, bool download);

//  Approve or reject document id, judged in status from: status to,
//  reason (rejection), document.approved / document.rejected. CAB_OK with
//  *doc, CAB_ABORTED (changed meanwhile) with *fault, or a failure.
cab_status_t docs_store_review (docs_store_t *self, cab_arena_t *arena, const char *id,
                                docs_status_t from, docs_status_t to, const char *reason,
                                const docs_actor_t *actor, docs_doc_t **doc, docs_fault_t *fault);

/* ---- libraries -------------------------------------------------------------------------- */

//  Entries of library kind (personal: owner's), newest first, from offset.
cab_status_t docs_store_library_list (docs_store_t *self, cab_arena_t *arena, docs_library_t kind,
                                      const char *owner, int offset, int limit,
                                      const docs_actor_t *actor, docs_doc_t ***docs, size_t *n,
                                      bool *more);

//  Put document_id into library kind (personal: owner's); *added false
//  when it was there.
cab_status_t docs_store_library_add (docs_store_t *self, docs_library_t kind, const char *owner,
                                     const char *document_id, const char *actor_id, bool *added);

//  Take it out; *removed false when it was not there.
cab_status_t docs_store_library_remove (docs_store_t *self, docs_library_t kind, const char *owner,
                                        const char *document_id, bool *removed);

/* ---- comments and notes ------------------------------------------------------------------ */

cab_status_t docs_store_comment_add (docs_store_t *self, cab_arena_t *arena,
                                     const char *document_id, const char *author_id,
                                     const char *text, const char *suggestion,
                                     Cabinet__V1__Comment **comment);

cab_status_t docs_store_comment_list (docs_store_t *self, cab_arena_t *arena,
                                      const char *document_id, int offset, int limit,
                                      Cabinet__V1__CommentList **list);

cab_status_t docs_store_note_add (docs_store_t *self, cab_arena_t *arena, const char *document_id,
                                  const char *author_id, const char *text,
                                  Cabinet__V1__Note **note);

//  The author's own notes on the document only.
cab_status_t docs_store_note_list (docs_store_t *self, cab_arena_t *arena, const char *document_id,
                                   const char *author_id, int offset, int limit,
                                   Cabinet__V1__NoteList **list);

/* ---- access report and retention ---------------------------------------------------------- */

//  Per invited agency and person of meeting m: invitation opened, documents
//  downloaded (secret documents without their title), and the documents'
//  count and pages; recordings are no part of it.
cab_status_t docs_store_access_report (docs_store_t *self, cab_arena_t *arena,
                                       const docs_meeting_t *m, Cabinet__V1__AccessReport **report);

//  Record that a leader released meeting_id's stored data for deletion,
//  with retention.released (a second release keeps the first). *release
//  says when its documents may go (months after the meeting's end).
cab_status_t docs_store_release (docs_store_t *self, cab_arena_t *arena, const char *meeting_id,
                                 const char *actor_id, const char *reason, int months,
                                 Cabinet__V1__RetentionRelease **release);

//  The purge (jobs, `cabinet-documents purge`): delete up to max documents
//  whose meeting was released and ended before cutoff and that were
//  uploaded before it, each with its purge_log row and document.purged in
//  one transaction, then their stored objects no other document names.
//  *purged counts them. Works on a connection of its own (no store).
cab_status_t docs_store_purge (PGconn *db, docs_storage_t *storage, int64_t cutoff, int max,
                               int *purged);

/* ---- projection writes (consumer; inside the caller's open transaction) ------------------- */

//  Upsert a person; an update older (by sequence) than the one kept is
//  ignored. roles may be NULL (other nodes publish none).
cab_status_t docs_store_put_user (PGconn *db, const char *id, const char *unit_id,
                                  const char *full_name, const char *node_id, char *const *roles,
                                  size_t n_roles, bool active, uint64_t sequence);

cab_status_t docs_store_put_unit (PGconn *db, const char *id, const char *name,
                                  const char *parent_id, const char *node_id, uint64_t sequence);

//  A directory tombstone: the person of another node is gone.
cab_status_t docs_store_forget (PGconn *db, const char *id, const char *own_node);

cab_status_t docs_store_put_doc_type (PGconn *db, const char *id, const char *name);

//  Upsert the meeting of a scheduling event (ended_at: the event's time for
//  meeting.ended, else NULL); *applied false when the event is older than
//  what is kept.
cab_status_t docs_store_put_meeting (PGconn *db, const Cabinet__V1__MeetingSummary *m,
                                     const char *ended_at, uint64_t sequence, bool *applied);

//  Replace the meeting's invitees with these (those not listed go).
cab_status_t docs_store_put_participants (PGconn *db, const char *meeting_id,
                                          Cabinet__V1__Participant *const *items, size_t n,
                                          bool replace);

//  The first time user_id opened the invitation to meeting_id.
cab_status_t docs_store_invitation_opened (PGconn *db, const char *meeting_id, const char *user_id,
                                           const char *at);

//  The respondents user_ids[0..nu) of poll poll_id may read its documents
//  doc_ids[0..nd) (inside the consumer's open transaction; repeats are
//  kept once).
cab_status_t docs_store_poll_access (PGconn *db, const char *poll_id, char *const *doc_ids,
                                     size_t nd, char *const *user_ids, size_t nu);

#endif
