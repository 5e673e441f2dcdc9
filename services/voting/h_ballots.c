/*  h_ballots - casting a ballot (R6.3) and the export of signed ballots.

    A ballot is judged in this order, and a refusal changes nothing: its
    fields (400), the vote's state (409: not open), whether the caller may
    vote (403), whether the option is offered (400), then for a vote that
    requires signatures the time signed (400: more than 5 minutes off the
    server's clock) and the ECDSA signature over the canonical string
    against the caller's registered keys (422 without a key, 400 when no
    key verifies it). The store then casts it, where a repeated or older
    signed ballot (409) and a wrong receipt (400) are refused too. All of
    it is one transaction that holds the vote FOR SHARE from the first read
    (what the vote is and who may vote in it) to the commit, in three
    round trips to PostgreSQL for a named ballot (the read; the ballot and
    the count; the event with the COMMIT). The reply is sent after the
    commit.  */
#include "cab_group.h"
#include "cab_time.h"
#include "cab_uuid.h"
#include "handlers.h"
#include "signature.h"
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#define RECEIPT_MAX 128  //  characters of a receipt as sent

//  For a vote that requires signatures: check the time and the signature
//  and fill in's signed fields. Replies and returns false when refused.
static bool
s_signature_ok (cab_call_t *call, const vote_cast_ctx_t *ctx, vote_cast_in_t *in)
{
    vote_fault_t fault;
    int64_t signed_at = 0;
    if (!cab_time_parse (in->signed_at_text, &signed_at)) {
        vote_call_invalid (call, "signed_at",
                           "Thời điểm ký phải theo RFC 3339 và có múi giờ, ví dụ "
                           "2026-12-01T08:00:00+07:00");
        return false;
    }
    vote_check_signed_at (signed_at, vote_now (), &fault);
    if (fault.status != CAB_OK) {
        vote_call_fault (call, &fault);
        return false;
    }
    size_t len = vote_canonical (NULL, 0, ctx->id, in->option, in->voter_id, in->signed_at_text);
    char *canonical = cab_arena_alloc (call->arena, len + 1);
    vote_canonical (canonical, len + 1, ctx->id, in->option, in->voter_id, in->signed_at_text);
    bool answered = false;
    const char *key_id = vote_call_verifying_key (call, canonical, in->signature, &answered);
    if (answered)
        return false;
    if (!key_id) {
        cab_call_error_code (call, CAB_INVALID_ARGUMENT, "signature_invalid", "signature",
                             "Chữ ký số không hợp lệ: không khớp với phiếu hoặc với khóa đã đăng "
                             "ký của bạn");
        return false;
    }
    in->signed_ = true;
    in->signed_at = signed_at;
    in->key_id = key_id;
    return true;
}

//  A ballot's text fields, cleaned into the call's arena.
typedef struct {
    const char *option;
    const char *signed_at;
    const char *signature;  //  as sent
    const char *receipt;    //  as sent
    bool text_ok;           //  every field was valid UTF-8
} s_fields_t;

static void
s_fields (cab_call_t *call, const Cabinet__V1__CastBallotRequest *req, s_fields_t *f)
{
    f->text_ok = true;
    f->option = vote_call_text (call, req->option, &f->text_ok);
    f->signed_at = vote_call_text (call, req->signed_at, &f->text_ok);
    f->signature = req->signature;
    f->receipt = req->receipt;
}

//  Judge voter's ballot f against ctx, in the order the file's banner
//  gives, up to its signature (the caller checks that): true with in
//  filled (arena: the option as offered), or false with *fault.
static bool
s_judge (const vote_cast_ctx_t *ctx, const char *voter, const s_fields_t *f, vote_cast_in_t *in,
         vote_fault_t *fault)
{
    //  A vote of a meeting the caller has no part in does not exist for them.
    vote_may_see (ctx->roles, fault);
    if (fault->status != CAB_OK) {
        vote_fault_set (fault, CAB_NOT_FOUND, "vote_id", "%s", VOTE_MSG_NOT_FOUND);
        return false;
    }
    if (!f->text_ok) {
        vote_fault_set (fault, CAB_INVALID_ARGUMENT, NULL, "%s", VOTE_MSG_NOT_UTF8);
        return false;
    }
    if (f->receipt && strlen (f->receipt) > RECEIPT_MAX) {
        vote_fault_set (fault, CAB_INVALID_ARGUMENT, "receipt", "Mã biên nhận không hợp lệ");
        return false;
    }
    vote_check_ballot (f->option, f->signature, f->signed_at, f->receipt, ctx->secret,
                       ctx->signature_required, fault);
    if (fault->status == CAB_OK)
        vote_may_cast (ctx->state, ctx->meeting_status, fault);
    if (fault->status != CAB_OK)
        return false;
    if (!ctx->caller_eligible) {
        vote_fault_set (fault, CAB_PERMISSION_DENIED, NULL,
                        "Bạn không có trong danh sách được biểu quyết của lần biểu quyết này");
        fault->code = "not_eligible";
        return false;
    }
    int index = vote_option_index (ctx->options, ctx->n_options, f->option);
    if (index < 0) {
        vote_fault_set (fault, CAB_INVALID_ARGUMENT, "option",
                        "Phương án này không có trong biểu quyết");
        fault->code = "option_not_offered";
        return false;
    }
    *in = (vote_cast_in_t){
        .vote_id = ctx->id,
        .voter_id = voter,
        .option = ctx->options[index],
        .option_index = index,
        .receipt = f->receipt && *f->receipt ? f->receipt : NULL,
        .signature = f->signature,
        .signed_at_text = f->signed_at,
    };
    return true;
}

/* ---- ballots written together -------------------------------------------------------- */

/*  Under load, the ballots of named votes without signatures are written
    together (cab_group: one worker at a time leads, the others wait for
    their ballot): one transaction, one round trip to read what judging
    them needs, one statement per vote for the rows, one for the events
    with the COMMIT. Judging and replies are the same as one by one.
    Ballots of secret or signed votes, and requests with an
    Idempotency-Key, go one by one (below); so does a batch whose reading
    failed, each ballot then tried alone.  */

#define GROUP_MAX 128    //  ballots in one batch at most
#define SINGLE_KNOWN 64  //  votes remembered as taking the single path

//  One ballot handed to the group.
typedef struct {
    const char *vote_id;
    const char *voter_id;
    const s_fields_t *fields;
    cab_arena_t *arena;   //  the call's
    bool single;          //  out: to be cast one by one
    cab_status_t status;  //  out otherwise: CAB_OK with ballot, or fault
    vote_fault_t fault;
    Cabinet__V1__Ballot *ballot;
} s_grouped_t;

//  Votes known to take the single path (secret or signed: fixed at
//  creation), most recent first out.
static struct {
    pthread_mutex_t lock;
    char ids[SINGLE_KNOWN][CAB_UUID_LEN + 1];
    size_t next;
} s_single = {.lock = PTHREAD_MUTEX_INITIALIZER};

static bool
s_single_known (const char *vote_id)
{
    bool known = false;
    pthread_mutex_lock (&s_single.lock);
    for (size_t i = 0; i < SINGLE_KNOWN && !known; i++)
        known = cab_same_id (s_single.ids[i], vote_id);
    pthread_mutex_unlock (&s_single.lock);
    return known;
}

static void
s_single_remember (const char *vote_id)
{
    if (s_single_known (vote_id))
        return;
    pthread_mutex_lock (&s_single.lock);
    snprintf (s_single.ids[s_single.next], sizeof s_single.ids[0], "%s", vote_id);
    s_single.next = (s_single.next + 1) % SINGLE_KNOWN;
    pthread_mutex_unlock (&s_single.lock);
}

//  cab_group_run_fn: a batch of s_grouped_t, on the leading worker's
//  connection.
static void
s_run_group (void *worker, void *const *items, size_t n)
{
    vote_worker_t *w = worker;
    if (n == 0 || n > GROUP_MAX)  //  never: the group's batches hold 1..GROUP_MAX
        return;
    s_grouped_t *g[GROUP_MAX];
    const char *votes[GROUP_MAX], *voters[GROUP_MAX];
    cab_arena_t *arenas[GROUP_MAX];
    vote_cast_ctx_t *ctxs[GROUP_MAX];
    vote_cast_in_t ins[GROUP_MAX];
    vote_batch_ballot_t ballots[GROUP_MAX];
    for (size_t i = 0; i < n; i++) {
        g[i] = items[i];
        votes[i] = g[i]->vote_id;
        voters[i] = g[i]->voter_id;
        arenas[i] = g[i]->arena;
        vote_fault_clear (&g[i]->fault);
    }
    if (vote_store_batch_begin (w->store, n, votes, voters, arenas, ctxs) != CAB_OK) {
        for (size_t i = 0; i < n; i++)
            g[i]->single = true;
        return;
    }
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        if (!ctxs[i])
            g[i]->status =
                vote_fault_set (&g[i]->fault, CAB_NOT_FOUND, "vote_id", "%s", VOTE_MSG_NOT_FOUND);
        else if (ctxs[i]->secret || ctxs[i]->signature_required) {
            g[i]->single = true;
            s_single_remember (g[i]->vote_id);
        } else if (!s_judge (ctxs[i], g[i]->voter_id, g[i]->fields, &ins[i], &g[i]->fault))
            g[i]->status = g[i]->fault.status;
        else
            ballots[m++] = (vote_batch_ballot_t){.ctx = ctxs[i], .in = &ins[i], .arena = arenas[i]};
    }
    cab_status_t status = vote_store_batch_cast (w->store, ballots, m);
    for (size_t i = 0, k = 0; i < n && k < m; i++)
        if (ballots[k].in == &ins[i]) {
            g[i]->status = status;
            g[i]->ballot = ballots[k++].ballot;
        }
}

static pthread_once_t s_group_once = PTHREAD_ONCE_INIT;
static cab_group_t *s_group;

static void
s_group_new (void)
{
    s_group = cab_group_new (GROUP_MAX, s_run_group);
}

//  Cast the ballot with whoever casts at the same time. Returns false when
//  it must be cast one by one instead; true once it is answered.
static bool
s_cast_grouped (cab_call_t *call, const char *vote_id, const s_fields_t *f)
{
    pthread_once (&s_group_once, s_group_new);
    if (!s_group || s_single_known (vote_id))
        return false;
    s_grouped_t g = {
        .vote_id = vote_id,
        .voter_id = vote_call_user (call),
        .fields = f,
        .arena = call->arena,
    };
    cab_group_run (s_group, &g, vote_call_worker (call));
    if (g.single)
        return false;
    if (g.status == CAB_OK)
        cab_call_reply (call, g.ballot);
    else
        vote_call_fail (call, g.status, &g.fault);
    return true;
}

/* ---- one by one ---------------------------------------------------------------------- */

cab_status_t
vote_cast (cab_call_t *call, const ProtobufCMessage *request)
{
    const Cabinet__V1__CastBallotRequest *req = (const Cabinet__V1__CastBallotRequest *) request;
    vote_worker_t *w = vote_call_worker (call);
    cab_idem_t idem;
    const cab_idem_t *idem_p = NULL;
    if (vote_call_replay (call, request, &cabinet__v1__ballot__descriptor, &idem, &idem_p))
        return call->status;
    if (!vote_call_id (call, "vote_id", req->vote_id))
        return call->status;
    s_fields_t f;
    s_fields (call, req, &f);
    if (!idem_p && s_cast_grouped (call, req->vote_id, &f))
        return call->status;
    vote_cast_ctx_t *ctx = NULL;
    cab_status_t status =
        vote_store_cast_begin (w->store, call->arena, req->vote_id, vote_call_user (call), &ctx);
    if (status == CAB_NOT_FOUND)
        return cab_call_error (call, status, "vote_id", VOTE_MSG_NOT_FOUND);
    if (status != CAB_OK)
        return vote_call_fail (call, status, NULL);
    //  The ballot's transaction is open: it ends in vote_store_cast, or
    //  here when the ballot is refused.
    vote_cast_in_t in;
    vote_fault_t fault;
    vote_fault_clear (&fault);
    if (!s_judge (ctx, vote_call_user (call), &f, &in, &fault)) {
        vote_store_cast_abort (w->store);
        return vote_call_fault (call, &fault);
    }
    if (ctx->signature_required && !s_signature_ok (call, ctx, &in)) {
        vote_store_cast_abort (w->store);
        return call->status;
    }
    Cabinet__V1__Ballot *ballot = NULL;
    status = vote_store_cast (w->store, call->arena, ctx, &in, idem_p, &fault, &ballot);
    if (status != CAB_OK)
        return vote_call_fail (call, status, &fault);
    return cab_call_reply (call, ballot);
}

cab_status_t
vote_export (cab_call_t *call, const ProtobufCMessage *request)
{
    const Cabinet__V1__VoteIdRequest *req = (const Cabinet__V1__VoteIdRequest *) request;
    vote_worker_t *w = vote_call_worker (call);
    vote_info_t *info = NULL;
    if (vote_call_managed_vote (call, req->vote_id, &info) != CAB_OK)
        return call->status;
    vote_fault_t fault;
    vote_may_export (info->state, info->vote->secret, info->vote->signature_required, &fault);
    if (fault.status != CAB_OK)
        return vote_call_fault (call, &fault);
    Cabinet__V1__BallotExport *export = NULL;
    cab_status_t status = vote_store_export (w->store, call->arena, info, &export);
    if (status != CAB_OK)
        return vote_call_fail (call, status, NULL);
    export->exported_at = cab_arena_alloc (call->arena, CAB_TIME_TEXT);
    cab_time_format (vote_now (), export->exported_at);
    return cab_call_reply (call, export);
}
