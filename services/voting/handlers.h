/*  handlers - the voting service's RPC methods (one file per group:
    h_votes.c, h_ballots.c, h_keys.c, h_polls.c), the consumer that keeps the
    projection of this node's meetings, agencies and people
    (h_projection.c), opinion polls (h_polls.c), the command verbs
    and periodic jobs (commands.c), and the small functions they share
    (h_common.c). Each handler has the cab_handler_fn shape: it validates,
    authorizes with rules.c, calls the store and replies.  */
#ifndef VOTE_HANDLERS_H
#define VOTE_HANDLERS_H
#include "cab_consumer.h"
#include "cab_idem.h"
#include "cab_rpc.h"
#include "poll_rules.h"
#include "poll_store.h"
#include "rules.h"
#include "store.h"
#include "worker.h"

/* ---- h_votes.c: votes of a meeting (R6.3) -------------------------------------------- */
cab_status_t vote_create (cab_call_t *call, const ProtobufCMessage *request);
cab_status_t vote_list (cab_call_t *call, const ProtobufCMessage *request);
cab_status_t vote_get (cab_call_t *call, const ProtobufCMessage *request);
cab_status_t vote_open (cab_call_t *call, const ProtobufCMessage *request);
cab_status_t vote_close (cab_call_t *call, const ProtobufCMessage *request);
cab_status_t vote_add_remote (cab_call_t *call, const ProtobufCMessage *request);

/* ---- h_ballots.c: casting, and the export of signed ballots -------------------------- */
cab_status_t vote_cast (cab_call_t *call, const ProtobufCMessage *request);
cab_status_t vote_export (cab_call_t *call, const ProtobufCMessage *request);

/* ---- h_keys.c: the caller's signing keys --------------------------------------------- */
cab_status_t vote_register_key (cab_call_t *call, const ProtobufCMessage *request);
cab_status_t vote_list_keys (cab_call_t *call, const ProtobufCMessage *request);

/* ---- h_polls.c: opinion polls (R7) --------------------------------------------------- */
cab_status_t poll_create (cab_call_t *call, const ProtobufCMessage *request);
cab_status_t poll_list (cab_call_t *call, const ProtobufCMessage *request);
cab_status_t poll_get (cab_call_t *call, const ProtobufCMessage *request);
cab_status_t poll_send (cab_call_t *call, const ProtobufCMessage *request);
cab_status_t poll_update (cab_call_t *call, const ProtobufCMessage *request);
cab_status_t poll_delete (cab_call_t *call, const ProtobufCMessage *request);
cab_status_t poll_close (cab_call_t *call, const ProtobufCMessage *request);
cab_status_t poll_archive (cab_call_t *call, const ProtobufCMessage *request);
cab_status_t poll_answer (cab_call_t *call, const ProtobufCMessage *request);
cab_status_t poll_list_answers (cab_call_t *call, const ProtobufCMessage *request);
cab_status_t poll_results (cab_call_t *call, const ProtobufCMessage *request);
cab_status_t poll_overdue (cab_call_t *call, const ProtobufCMessage *request);

/* ---- h_projection.c ------------------------------------------------------------------ */

//  Consumer of the node's events topic: keeps the projection of this
//  node's meetings and their person invitees (arg is the service's
//  cab_service_env_t).
cab_status_t vote_projection_consume (PGconn *db, const char *topic, const char *key,
                                      const Cabinet__V1__Event *ev, void *arg);

/* ---- commands.c ---------------------------------------------------------------------- */

#define VOTE_JOBS 4  //  the service's periodic jobs, and the terminating entry

//  Fill jobs[0..VOTE_JOBS) with the periodic jobs (old idempotency
//  records; votes left open by an ended meeting, every 2 s; polls past
//  their deadline and reminders, every CABINET_POLL_SWEEP_SECONDS),
//  NULL-name terminated.
void vote_jobs_fill (cab_job_t jobs[VOTE_JOBS]);

//  cab_service_t.command: "seed-demo" (nothing to seed). Returns the exit
//  code, or -1 for an unknown verb.
int vote_command (PGconn *db, const cab_service_env_t *env, int argc, char **argv);

//  The verb of the offline check, run before anything else (no database).
#define VOTE_VERIFY_VERB "verify-export"

//  `cabinet-voting verify-export FILE`: re-verify every signed ballot of an
//  export (GET /votes/{id}/ballots/export) offline. Prints one line per
//  ballot; returns 0 when every one verifies, 1 when one does not, 2 when
//  the file cannot be read as an export.
int vote_verify_export (const char *path);

/* ---- h_common.c ---------------------------------------------------------------------- */

//  The worker state of this call.
vote_worker_t *vote_call_worker (const cab_call_t *call);

//  The caller's user id (a UUID), or NULL.
const char *vote_call_user (const cab_call_t *call);

//  Reply the fault's status, code, field and message. Returns the status.
cab_status_t vote_call_fault (cab_call_t *call, const vote_fault_t *fault);

//  After a store call: reply the fault when it holds one, else the
//  status's default message. Returns the status.
cab_status_t vote_call_fail (cab_call_t *call, cab_status_t status, const vote_fault_t *fault);

//  Reply INVALID_ARGUMENT for field. Returns the status.
cab_status_t vote_call_invalid (cab_call_t *call, const char *field, const char *message);

//  Text a person sent, ready to store: NFC, blanks trimmed, in the arena.
//  NULL stays NULL. If in is not valid UTF-8, sets *ok to false (never to
//  true) and returns NULL.
char *vote_call_text (cab_call_t *call, const char *in, bool *ok);

//  Check an id parameter (400 when malformed or missing). Replies and
//  returns false when it is not acceptable.
bool vote_call_id (cab_call_t *call, const char *field, const char *id);

//  Idempotency-Key: a recorded reply is sent again (true: the call is
//  answered); otherwise *idem_p is what the store records (see cab_idem).
bool vote_call_replay (cab_call_t *call, const ProtobufCMessage *request,
                       const ProtobufCMessageDescriptor *reply_desc, cab_idem_t *idem,
                       const cab_idem_t **idem_p);

//  Vote id as the caller may see it: replies (400 bad id, 404 unknown or
//  not the caller's to see: existence never leaks) and returns the status.
cab_status_t vote_call_vote (cab_call_t *call, const char *id, vote_info_t **info);

//  Vote id for its chair or secretary: as vote_call_vote, and 403 to
//  another invitee.
cab_status_t vote_call_managed_vote (cab_call_t *call, const char *id, vote_info_t **info);

//  The caller's registered key that verifies signature (base64 ECDSA) over
//  canonical, or NULL. Replies (422 no_signing_key without a key, a store
//  failure) and sets *answered when it has.
const char *vote_call_verifying_key (cab_call_t *call, const char *canonical, const char *signature,
                                     bool *answered);

//  Current time, Unix seconds.
int64_t vote_now (void);

//  Shared messages.
#define VOTE_MSG_NOT_UTF8 "Dữ liệu gửi lên không phải văn bản UTF-8 hợp lệ"
#define VOTE_MSG_NOT_FOUND "Không tìm thấy biểu quyết"
#define VOTE_MSG_MEETING_NOT_FOUND "Không tìm thấy cuộc họp"

#endif
