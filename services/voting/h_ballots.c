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
#include "cab_time.h"
#include "handlers.h"
#include "signature.h"
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

//  Judge the ballot req against ctx, in the order the file's banner
//  gives, filling in. Replies and returns false when it is refused.
static bool
s_judge (cab_call_t *call, const vote_cast_ctx_t *ctx, const Cabinet__V1__CastBallotRequest *req,
         vote_cast_in_t *in)
{
    vote_fault_t fault;
    //  A vote of a meeting the caller has no part in does not exist for them.
    vote_may_see (ctx->roles, &fault);
    if (fault.status != CAB_OK) {
        cab_call_error (call, CAB_NOT_FOUND, "vote_id", VOTE_MSG_NOT_FOUND);
        return false;
    }
    bool ok = true;
    char *option = vote_call_text (call, req->option, &ok);
    char *signed_at = vote_call_text (call, req->signed_at, &ok);
    if (!ok) {
        vote_call_invalid (call, NULL, VOTE_MSG_NOT_UTF8);
        return false;
    }
    if (req->receipt && strlen (req->receipt) > RECEIPT_MAX) {
        vote_call_invalid (call, "receipt", "Mã biên nhận không hợp lệ");
        return false;
    }
    vote_check_ballot (option, req->signature, signed_at, req->receipt, ctx->secret,
                       ctx->signature_required, &fault);
    if (fault.status == CAB_OK)
        vote_may_cast (ctx->state, ctx->meeting_status, &fault);
    if (fault.status != CAB_OK) {
        vote_call_fault (call, &fault);
        return false;
    }
    if (!ctx->caller_eligible) {
        cab_call_error_code (call, CAB_PERMISSION_DENIED, "not_eligible", NULL,
                             "Bạn không có trong danh sách được biểu quyết của lần biểu quyết "
                             "này");
        return false;
    }
    int index = vote_option_index (ctx->options, ctx->n_options, option);
    if (index < 0) {
        cab_call_error_code (call, CAB_INVALID_ARGUMENT, "option_not_offered", "option",
                             "Phương án này không có trong biểu quyết");
        return false;
    }
    *in = (vote_cast_in_t){
        .vote_id = ctx->id,
        .voter_id = vote_call_user (call),
        .option = ctx->options[index],
        .option_index = index,
        .receipt = req->receipt && *req->receipt ? req->receipt : NULL,
        .signature = req->signature,
        .signed_at_text = signed_at,
    };
    return !ctx->signature_required || s_signature_ok (call, ctx, in);
}

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
    if (!s_judge (call, ctx, req, &in)) {
        vote_store_cast_abort (w->store);
        return call->status;
    }
    Cabinet__V1__Ballot *ballot = NULL;
    vote_fault_t fault;
    vote_fault_clear (&fault);
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
