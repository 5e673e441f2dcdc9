/*  vote_store - votes, who may vote, named and secret ballots, signing
    keys, idempotency records and the projection of this node's meetings in
    PostgreSQL: the only file of the voting service that speaks SQL. Every
    change is one transaction together with its outbox event (and its
    Idempotency-Key record), so nothing is half-stored, no event is lost or
    invented, and a reply is only sent for what has committed.

    A vote as read comes as the person asking may see it (vote_info_t):
    the store reads the facts, rules.c decides the tally. Results are
    protobuf messages in the caller's arena. Outcomes a person caused come
    back as a status with a Vietnamese explanation in a vote_fault_t;
    unexpected failures are logged here and come back as CAB_INTERNAL /
    CAB_UNAVAILABLE.  */
#ifndef VOTE_STORE_H
#define VOTE_STORE_H
#include "cab_arena.h"
#include "cab_idem.h"
#include "cab_status.h"
#include "cabinet/v1/scheduling.pb-c.h"
#include "cabinet/v1/voting.pb-c.h"
#include "rules.h"
#include <libpq-fe.h>
#include <stdbool.h>
#include <stdint.h>

typedef struct _vote_store_t vote_store_t;

//  Create a store on db, which stays the caller's (it must outlive the
//  store). Returns NULL on failure.
vote_store_t *vote_store_new (PGconn *db);

//  Destroy the store (not the connection); nulls *self_p. NULL-safe.
void vote_store_destroy (vote_store_t **self_p);

//  The connection, for cab_idem_replay.
PGconn *vote_store_db (vote_store_t *self);

/* ---- meetings (projection) ----------------------------------------------------------- */

typedef struct {
    const char *id;
    const char *status;
    const char *chair_id;
    const char *secretary_id;
} vote_meeting_t;

//  Meeting id as the projection knows it and the roles of user_id in it
//  (VOTE_ROLE_*): CAB_OK with *meeting (arena), CAB_NOT_FOUND, a failure.
cab_status_t vote_store_meeting (vote_store_t *self, cab_arena_t *arena, const char *id,
                                 const char *user_id, vote_meeting_t **meeting, unsigned *roles);

//  The person invitees of meeting_id: CAB_OK with *invitees (arena).
cab_status_t vote_store_invitees (vote_store_t *self, cab_arena_t *arena, const char *meeting_id,
                                  vote_invitee_t **invitees, size_t *n);

/* ---- votes --------------------------------------------------------------------------- */

//  A vote as user_id may see it.
typedef struct {
    Cabinet__V1__Vote *vote;  //  arena; tally and caller_* fields for user_id
    vote_state_t state;
    vote_threshold_t threshold;
    unsigned roles;              //  user_id's in the vote's meeting
    const char *meeting_status;  //  as the projection knows it
} vote_info_t;

//  Vote id for user_id: CAB_OK with *info, CAB_NOT_FOUND, or a failure.
cab_status_t vote_store_vote (vote_store_t *self, cab_arena_t *arena, const char *id,
                              const char *user_id, vote_info_t **info);

//  Every vote of meeting_id for user_id, oldest first.
cab_status_t vote_store_votes (vote_store_t *self, cab_arena_t *arena, const char *meeting_id,
                               const char *user_id, Cabinet__V1__VoteList **list);

typedef struct {
    const char *meeting_id;
    const char *question;
    char *const *options;
    size_t n_options;
    bool secret;
    bool signature_required;
    vote_threshold_t threshold;
    char *const *remote;  //  checked by the caller against the invitees
    size_t n_remote;
    const char *actor_id;
} vote_create_in_t;

//  Record a new draft vote, its remote voters and vote.created. CAB_OK with
//  *info (for the actor); CAB_FAILED_PRECONDITION with *fault when the
//  meeting has VOTE_PER_MEETING_MAX votes already; CAB_ABORTED with *fault
//  for an Idempotency-Key twin; or a failure.
cab_status_t vote_store_create (vote_store_t *self, cab_arena_t *arena, const vote_create_in_t *in,
                                const cab_idem_t *idem, vote_fault_t *fault, vote_info_t **info);

//  Open vote id: under its lock, judge it again (vote_may_open), fix who
//  may vote from the invitees and the remote voters (vote_eligible), and
//  publish vote.opened. CAB_OK with *info, CAB_ABORTED with *fault (state
//  changed meanwhile, or a twin), or a failure.
cab_status_t vote_store_open (vote_store_t *self, cab_arena_t *arena, const char *id,
                              const char *actor_id, const cab_idem_t *idem, vote_fault_t *fault,
                              vote_info_t **info);

//  Close vote id: under its lock, count the ballots into the final tally,
//  re-write a secret vote's choices in random order without receipts and
//  forget its idempotency records, publish vote.closed with the tally.
//  After the commit the choices' table is vacuumed (best effort), so the
//  versions written while the vote was open go. Same results as open.
cab_status_t vote_store_close (vote_store_t *self, cab_arena_t *arena, const char *id,
                               const char *actor_id, const cab_idem_t *idem, vote_fault_t *fault,
                               vote_info_t **info);

//  Allow user_ids[0..n) to vote remotely on vote id (each judged by
//  vote_check_remote against the invitees, under the vote's lock); an open
//  vote takes them as voters at once; vote.remote_voters_added. Same
//  results as open (CAB_FAILED_PRECONDITION with *fault for a person who
//  may not).
cab_status_t vote_store_add_remote (vote_store_t *self, cab_arena_t *arena, const char *id,
                                    char *const *user_ids, size_t n, const char *actor_id,
                                    const cab_idem_t *idem, vote_fault_t *fault,
                                    vote_info_t **info);

/* ---- ballots ------------------------------------------------------------------------- */

typedef struct {
    const char *vote_id;
    const char *voter_id;
    const char *option;  //  as offered
    int option_index;
    const char *receipt;  //  secret vote: presented to change one's choice, or NULL
    bool signed_;         //  the signature below was verified
    const char *signature;
    const char *signed_at_text;  //  as signed
    int64_t signed_at;           //  Unix seconds
    const char *key_id;          //  the key that verified it
} vote_cast_in_t;

//  What a ballot needs to know of its vote, read under the vote's shared
//  lock at the start of the ballot's transaction.
typedef struct {
    const char *id;
    const char *meeting_id;
    const char *meeting_status;  //  as the projection knows it (NULL: unknown)
    vote_state_t state;
    bool secret;
    bool signature_required;
    char **options;  //  as offered
    size_t n_options;
    unsigned roles;        //  the caller's in the vote's meeting (VOTE_ROLE_*)
    bool caller_eligible;  //  the caller is among the vote's voters
    int eligible;          //  how many voters the vote has
} vote_cast_ctx_t;

//  Begin user_id's ballot on vote id: open its transaction, take the vote
//  FOR SHARE (a close waits for the ballot, a ballot after the close sees
//  it closed; ballots do not wait for each other) and read *ctx (arena),
//  in one round trip. CAB_OK with the transaction open: the caller judges
//  the ballot, then ends it with vote_store_cast or vote_store_cast_abort.
//  CAB_NOT_FOUND or a failure with no transaction left open.
cab_status_t vote_store_cast_begin (vote_store_t *self, cab_arena_t *arena, const char *id,
                                    const char *user_id, vote_cast_ctx_t **ctx);

//  Give up a ballot begun with vote_store_cast_begin (rolls back).
void vote_store_cast_abort (vote_store_t *self);

//  Cast (or replace) in->voter_id's ballot, judged by the caller against
//  ctx, with ballot.cast, and end the transaction vote_store_cast_begin
//  opened: committed on CAB_OK, rolled back otherwise. Named: one row per
//  voter, replaced by a later cast. Secret: a first cast records
//  participation and a choice with a new receipt (returned once in the
//  ballot); a later one must present that receipt. A signed ballot must be
//  signed later than the voter's last one. CAB_OK with *ballot; with
//  *fault: CAB_ABORTED (already voted without a receipt; a signature not
//  newer than the last; a twin), CAB_INVALID_ARGUMENT (wrong receipt); or
//  a failure. The event is appended last, after the rows it describes are
//  written (so a ballot waiting for another's row is chained after it),
//  and sent with the COMMIT in one round trip.
cab_status_t vote_store_cast (vote_store_t *self, cab_arena_t *arena, const vote_cast_ctx_t *ctx,
                              const vote_cast_in_t *in, const cab_idem_t *idem, vote_fault_t *fault,
                              Cabinet__V1__Ballot **ballot);

//  Ballots written together (group commit, h_ballots.c): one
//  transaction, one statement per vote for the rows, one for the events.

//  Begin a batch: open its transaction and read, for each (vote_ids[i],
//  voter_ids[i]), what judging that ballot needs into ctxs[i] (in
//  arenas[i]), NULL when the vote does not exist; every vote FOR SHARE, as
//  vote_store_cast_begin; one round trip. CAB_OK with the transaction
//  open: the caller judges each ballot, then ends it with
//  vote_store_batch_cast or vote_store_cast_abort. A failure leaves no
//  transaction open.
cab_status_t vote_store_batch_begin (vote_store_t *self, size_t n, const char *const *vote_ids,
                                     const char *const *voter_ids, cab_arena_t *const *arenas,
                                     vote_cast_ctx_t **ctxs);

//  One ballot of a batch: of a named vote without signatures, judged.
typedef struct {
    const vote_cast_ctx_t *ctx;
    const vote_cast_in_t *in;
    cab_arena_t *arena;           //  the reply's
    Cabinet__V1__Ballot *ballot;  //  the reply, set on CAB_OK
} vote_batch_ballot_t;

//  Cast ballots[0..n) in order (a voter's later ballot replaces an
//  earlier one, in the batch too) with their ballot.cast events, and
//  commit the transaction vote_store_batch_begin opened (n may be 0).
//  CAB_OK with every reply set; otherwise rolled back, and a failure.
cab_status_t vote_store_batch_cast (vote_store_t *self, vote_batch_ballot_t *ballots, size_t n);

//  The signed ballots of a closed named vote, with the keys that verified
//  them.
cab_status_t vote_store_export (vote_store_t *self, cab_arena_t *arena, const vote_info_t *info,
                                Cabinet__V1__BallotExport **export);

/* ---- signing keys -------------------------------------------------------------------- */

//  A registered key: id and DER.
typedef struct {
    const char *id;
    unsigned char *der;
    size_t der_len;
} vote_key_t;

//  Register a key for user_id (signing_key.registered). CAB_OK with *key;
//  CAB_ALREADY_EXISTS with *fault when the key is registered already;
//  CAB_FAILED_PRECONDITION with *fault past VOTE_KEYS_MAX keys; CAB_ABORTED
//  (a twin); or a failure.
cab_status_t vote_store_key_add (vote_store_t *self, cab_arena_t *arena, const char *user_id,
                                 const unsigned char *der, size_t der_len, const char *label,
                                 const cab_idem_t *idem, vote_fault_t *fault,
                                 Cabinet__V1__SigningKey **key);

//  user_id's keys, oldest first, as listed; and as DER for verifying.
cab_status_t vote_store_keys (vote_store_t *self, cab_arena_t *arena, const char *user_id,
                              Cabinet__V1__SigningKeyList **list);
cab_status_t vote_store_key_ders (vote_store_t *self, cab_arena_t *arena, const char *user_id,
                                  vote_key_t **keys, size_t *n);

/* ---- projection writes (consumer; inside the caller's open transaction) -------------- */

//  Upsert the meeting of a scheduling event; *applied false when the event
//  is older (by sequence) than what is kept.
cab_status_t vote_store_put_meeting (PGconn *db, const Cabinet__V1__MeetingSummary *m,
                                     uint64_t sequence, bool *applied);

//  Upsert the person invitees of items[0..n) (agencies skipped); with
//  replace, the meeting's other invitees go. A row written by a newer event
//  than sequence is left as it is.
cab_status_t vote_store_put_invitees (PGconn *db, const char *meeting_id,
                                      Cabinet__V1__Participant *const *items, size_t n,
                                      bool replace, uint64_t sequence);

//  Close the open votes of meetings that ended or were cancelled, each as
//  vote_store_close does with no actor (vote.closed with the final tally),
//  so no vote outlives its meeting (a periodic job). *closed counts them.
cab_status_t vote_store_close_ended (PGconn *db, long *closed);

//  Forget idempotency records older than max_age_s (a periodic job).
cab_status_t vote_store_expire_idem (PGconn *db, int max_age_s, long *deleted);

//  Record reply under idem inside the open transaction (cab_idem_record;
//  NULL idem: nothing to do). CAB_ABORTED with *fault when a twin under
//  the same key committed first. For the votes' and the polls' stores.
cab_status_t vote_store_idem_record (PGconn *db, const cab_idem_t *idem,
                                     const ProtobufCMessage *reply, vote_fault_t *fault);

#endif
