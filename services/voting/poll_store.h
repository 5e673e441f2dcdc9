/*  poll_store - opinion polls in PostgreSQL (R7): polls with their
    questions, documents and respondents, answers with their comments,
    results, who has not answered, and the job that closes polls at their
    deadline and reminds those who have not answered. The only file of the
    voting service's polls that speaks SQL. Every change is one transaction
    with its outbox event (and its Idempotency-Key record), so nothing is
    half-stored and no event is lost or invented.

    Results are protobuf messages in the caller's arena. Outcomes a person
    caused come back as a status with a Vietnamese explanation in a
    vote_fault_t; unexpected failures are logged (cab_db) and come back as
    CAB_INTERNAL / CAB_UNAVAILABLE.  */
#ifndef POLL_STORE_H
#define POLL_STORE_H
#include "cab_arena.h"
#include "cab_idem.h"
#include "cab_status.h"
#include "cabinet/v1/polls.pb-c.h"
#include "poll_rules.h"
#include <libpq-fe.h>
#include <stdbool.h>
#include <stdint.h>

typedef struct _poll_store_t poll_store_t;

//  A store on db, which stays the caller's. Returns NULL on failure.
poll_store_t *poll_store_new (PGconn *db);

//  Destroy the store (not the connection); nulls *self_p. NULL-safe.
void poll_store_destroy (poll_store_t **self_p);

/* ---- reading ---------------------------------------------------------------------------- */

//  A poll as one person may see it.
typedef struct {
    Cabinet__V1__Poll *poll;  //  arena; caller_* fields for the person asking (except manages)
    poll_state_t state;       //  effective (an open poll past its deadline is closed)
    poll_state_t stored;
    int64_t deadline;  //  Unix seconds
    int64_t now;       //  the database's clock when read
    poll_question_t *questions;
    size_t n_questions;
    char **document_ids;
    size_t n_documents;
    bool respondent;  //  the person asking must answer it (once sent)
} poll_info_t;

//  Poll id for user_id (may be NULL): CAB_OK with *info, CAB_NOT_FOUND, or
//  a failure. full: with questions, documents and targets.
cab_status_t poll_store_get (poll_store_t *self, cab_arena_t *arena, const char *id,
                             const char *user_id, bool full, poll_info_t **info);

typedef struct {
    const char *user_id;
    const char *role;    //  created, addressed, or NULL for both
    const char *status;  //  a state name, or NULL: all but archived
    const char *after;   //  the cursor: the last id of the page before, or NULL
    int limit;
} poll_query_t;

//  user_id's polls (created, or addressed once sent), newest first, as
//  summaries (no questions, documents or targets); next set when more.
cab_status_t poll_store_list (poll_store_t *self, cab_arena_t *arena, const poll_query_t *query,
                              Cabinet__V1__PollList **list);

//  Whether targets[0..n) are known to the projection (a person active, an
//  agency with at least one active person). CAB_OK; *fault (422, field
//  targets) names the first that is not.
cab_status_t poll_store_check_targets (poll_store_t *self, cab_arena_t *arena,
                                       const poll_target_in_t *targets, size_t n,
                                       vote_fault_t *fault);

/* ---- writing ------------------------------------------------------------------------------ */

typedef struct {
    const char *title;
    const char *description;
    const char *deadline_text;  //  as sent (parsed into deadline)
    int64_t deadline;
    bool signature_required;
    const poll_question_t *questions;
    size_t n_questions;
    char *const *document_ids;
    char *const *document_titles;  //  from the documents service
    size_t n_documents;
    const poll_target_in_t *targets;
    size_t n_targets;
    bool send;
    const char *actor_id;
    const char *actor_unit_id;
} poll_create_in_t;

//  Record a new poll and poll.created; with send, send it in the same
//  transaction (see poll_store_send). CAB_OK with *info (for the actor);
//  with *fault: CAB_FAILED_PRECONDITION (an agency with nobody to ask),
//  CAB_ABORTED (an Idempotency-Key twin); or a failure.
cab_status_t poll_store_create (poll_store_t *self, cab_arena_t *arena, const poll_create_in_t *in,
                                const cab_idem_t *idem, vote_fault_t *fault, poll_info_t **info);

//  Replace draft id as a whole by in (its title, description, deadline,
//  signature rule, questions, documents and targets) and publish
//  poll.updated; with in->send, send it in the same transaction. Under the
//  poll's row lock, judged again there: a poll sent meanwhile is refused
//  (fault, CAB_ABORTED). in->actor_id is the creator.
cab_status_t poll_store_update (poll_store_t *self, cab_arena_t *arena, const char *id,
                                const poll_create_in_t *in, const cab_idem_t *idem,
                                vote_fault_t *fault, poll_info_t **info);

//  Delete draft id with its parts and publish poll.deleted (the draft as
//  it was), under its row lock; a poll sent meanwhile is refused (fault).
cab_status_t poll_store_delete (poll_store_t *self, cab_arena_t *arena, const char *id,
                                const char *actor_id, vote_fault_t *fault);

typedef enum { POLL_SEND, POLL_CLOSE, POLL_ARCHIVE } poll_change_t;

//  Send, close or archive poll id, under its row lock, judged again there:
//  sending fixes the respondents (the persons named and the active people
//  of the agencies named) and publishes poll.sent; closing publishes
//  poll.closed (reason creator); archiving a poll past its deadline that
//  the job has not closed yet closes it first (reason deadline).
//  CAB_OK with *info; CAB_ABORTED / CAB_FAILED_PRECONDITION with *fault;
//  or a failure.
cab_status_t poll_store_change (poll_store_t *self, cab_arena_t *arena, const char *id,
                                poll_change_t change, const char *actor_id, const cab_idem_t *idem,
                                vote_fault_t *fault, poll_info_t **info);

typedef struct {
    const poll_info_t *info;  //  the poll as read before (questions, documents)
    const char *respondent_id;
    const poll_item_t *items;
    size_t n_items;
    const poll_comment_t *comments;
    size_t n_comments;
    bool signed_;                //  the signature below was verified
    const char *signature;       //  as sent
    const char *signed_at_text;  //  as signed
    int64_t signed_at;
    const char *key_id;
    const char *canonical;  //  the string signed
} poll_answer_in_t;

//  Record or replace the respondent's whole answer and poll.answered, under
//  the poll's shared lock (a close waits for it). CAB_OK with *answer;
//  with *fault: CAB_ABORTED (not open any more, a signature not newer than
//  the last one accepted, a twin), CAB_PERMISSION_DENIED (not a
//  respondent); or a failure.
cab_status_t poll_store_answer (poll_store_t *self, cab_arena_t *arena, const poll_answer_in_t *in,
                                const cab_idem_t *idem, vote_fault_t *fault,
                                Cabinet__V1__PollAnswer **answer);

/* ---- answers, results, late respondents ------------------------------------------------- */

//  The answers of info's poll, by respondent id: all of them, or only
//  only_respondent's (when not NULL); after: a respondent id (cursor).
cab_status_t poll_store_answers (poll_store_t *self, cab_arena_t *arena, const poll_info_t *info,
                                 const char *only_respondent, const char *after, int limit,
                                 Cabinet__V1__PollAnswerList **list);

//  Counts per option, text answers (with respondent ids when
//  with_respondents), answers per question.
cab_status_t poll_store_results (poll_store_t *self, cab_arena_t *arena, const poll_info_t *info,
                                 bool with_respondents, Cabinet__V1__PollResults **results);

//  Respondents who have not answered, by name.
cab_status_t poll_store_pending (poll_store_t *self, cab_arena_t *arena, const poll_info_t *info,
                                 Cabinet__V1__PollOverdue **overdue);

/* ---- the periodic job (on the jobs thread's connection) ------------------------------------ */

//  Close every open poll whose deadline has passed (poll.closed, reason
//  deadline, and poll.overdue naming who did not answer), and publish
//  poll.due_soon once for open polls due within remind_s seconds that
//  someone has not answered. *closed and *reminded count them.
cab_status_t poll_store_sweep (PGconn *db, int remind_s, long *closed, long *reminded);

#endif
