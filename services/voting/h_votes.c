/*  h_votes - votes of a meeting (R6.1, R6.3): the chair or secretary
    creates a vote (question, options, named or secret, signed or not, the
    threshold, absent members allowed to vote remotely), opens it while
    the meeting is in progress (who may vote is fixed then), allows more
    remote voters, and closes it; everyone with a part in the meeting reads
    the votes and their results as the rules show them.  */
#include "handlers.h"

#define VOTE_DESC &cabinet__v1__vote__descriptor

//  The meeting id for the caller, with their roles; replies 400 / 404.
static cab_status_t
s_meeting (cab_call_t *call, const char *id, vote_meeting_t **meeting, unsigned *roles)
{
    if (!vote_call_id (call, "meeting_id", id))
        return call->status;
    vote_worker_t *w = vote_call_worker (call);
    cab_status_t status =
        vote_store_meeting (w->store, call->arena, id, vote_call_user (call), meeting, roles);
    if (status == CAB_NOT_FOUND)
        return cab_call_error (call, status, "meeting_id", VOTE_MSG_MEETING_NOT_FOUND);
    if (status != CAB_OK)
        return vote_call_fail (call, status, NULL);
    return CAB_OK;
}

//  Remote voters named: well-formed, each a member of the meeting who is
//  not attending. Replies and returns false otherwise.
static bool
s_remote_ok (cab_call_t *call, const char *field, const char *meeting_id, char *const *ids,
             size_t n)
{
    vote_fault_t fault;
    vote_check_id_list (field, ids, n, VOTE_REMOTE_MAX, &fault);
    if (fault.status != CAB_OK) {
        vote_call_fault (call, &fault);
        return false;
    }
    if (n == 0)
        return true;
    vote_worker_t *w = vote_call_worker (call);
    vote_invitee_t *invitees = NULL;
    size_t n_invitees = 0;
    cab_status_t status =
        vote_store_invitees (w->store, call->arena, meeting_id, &invitees, &n_invitees);
    if (status != CAB_OK) {
        vote_call_fail (call, status, NULL);
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        vote_check_remote (invitees, n_invitees, ids[i], &fault);
        if (fault.status != CAB_OK) {
            fault.field = field;
            vote_call_fault (call, &fault);
            return false;
        }
    }
    return true;
}

//  The options as sent, cleaned, or the default ones. Replies and returns
//  NULL when one is not text.
static char **
s_options (cab_call_t *call, const Cabinet__V1__CreateVoteRequest *req, size_t *n)
{
    *n = req->n_options ? req->n_options : VOTE_DEFAULT_OPTIONS;
    char **options = cab_arena_alloc (call->arena, *n * sizeof *options);
    for (size_t i = 0; i < *n; i++) {
        bool ok = true;
        options[i] = req->n_options ? vote_call_text (call, req->options[i], &ok)
                                    : (char *) vote_default_options[i];
        if (!ok) {
            vote_call_invalid (call, "options", VOTE_MSG_NOT_UTF8);
            return NULL;
        }
    }
    return options;
}

cab_status_t
vote_create (cab_call_t *call, const ProtobufCMessage *request)
{
    const Cabinet__V1__CreateVoteRequest *req = (const Cabinet__V1__CreateVoteRequest *) request;
    vote_worker_t *w = vote_call_worker (call);
    cab_idem_t idem;
    const cab_idem_t *idem_p = NULL;
    if (vote_call_replay (call, request, VOTE_DESC, &idem, &idem_p))
        return call->status;
    vote_meeting_t *m = NULL;
    unsigned roles = 0;
    if (s_meeting (call, req->meeting_id, &m, &roles) != CAB_OK)
        return call->status;
    vote_fault_t fault;
    vote_may_manage (roles, &fault);
    if (fault.status != CAB_OK)
        return vote_call_fault (call, &fault);

    bool ok = true;
    char *question = vote_call_text (call, req->question, &ok);
    if (!ok)
        return vote_call_invalid (call, "question", VOTE_MSG_NOT_UTF8);
    vote_check_question (question, &fault);
    if (fault.status != CAB_OK)
        return vote_call_fault (call, &fault);
    size_t n_options = 0;
    char **options = s_options (call, req, &n_options);
    if (!options)
        return call->status;
    vote_check_options (options, n_options, &fault);
    if (fault.status != CAB_OK)
        return vote_call_fault (call, &fault);
    vote_threshold_t threshold = VOTE_MAJORITY;
    if (!vote_threshold_parse (req->threshold, &threshold))
        return vote_call_invalid (call, "threshold",
                                  "Ngưỡng thông qua phải là majority (quá nửa) hoặc two_thirds "
                                  "(hai phần ba)");
    vote_may_create (m->status, &fault);
    if (fault.status != CAB_OK)
        return vote_call_fault (call, &fault);
    if (!s_remote_ok (call, "remote_voter_ids", m->id, req->remote_voter_ids,
                      req->n_remote_voter_ids))
        return call->status;

    vote_create_in_t in = {
        .meeting_id = m->id,
        .question = question,
        .options = options,
        .n_options = n_options,
        .secret = req->has_secret && req->secret,
        .signature_required = req->has_signature_required && req->signature_required,
        .threshold = threshold,
        .remote = req->remote_voter_ids,
        .n_remote = req->n_remote_voter_ids,
        .actor_id = vote_call_user (call),
    };
    vote_info_t *info = NULL;
    vote_fault_clear (&fault);
    cab_status_t status = vote_store_create (w->store, call->arena, &in, idem_p, &fault, &info);
    if (status != CAB_OK)
        return vote_call_fail (call, status, &fault);
    return cab_call_reply (call, info->vote);
}

cab_status_t
vote_list (cab_call_t *call, const ProtobufCMessage *request)
{
    const Cabinet__V1__ListVotesRequest *req = (const Cabinet__V1__ListVotesRequest *) request;
    vote_worker_t *w = vote_call_worker (call);
    vote_meeting_t *m = NULL;
    unsigned roles = 0;
    if (s_meeting (call, req->meeting_id, &m, &roles) != CAB_OK)
        return call->status;
    vote_fault_t fault;
    vote_may_see (roles, &fault);
    if (fault.status != CAB_OK)
        return vote_call_fault (call, &fault);
    Cabinet__V1__VoteList *list = NULL;
    cab_status_t status =
        vote_store_votes (w->store, call->arena, m->id, vote_call_user (call), &list);
    if (status != CAB_OK)
        return vote_call_fail (call, status, NULL);
    return cab_call_reply (call, list);
}

cab_status_t
vote_get (cab_call_t *call, const ProtobufCMessage *request)
{
    const Cabinet__V1__VoteIdRequest *req = (const Cabinet__V1__VoteIdRequest *) request;
    vote_info_t *info = NULL;
    if (vote_call_vote (call, req->vote_id, &info) != CAB_OK)
        return call->status;
    return cab_call_reply (call, info->vote);
}

typedef enum { S_OPEN, S_CLOSE } s_change_t;

//  Open or close: the chair or secretary, judged here and again by the
//  store under the vote's lock.
static cab_status_t
s_change (cab_call_t *call, const ProtobufCMessage *request, s_change_t change)
{
    const Cabinet__V1__VoteIdRequest *req = (const Cabinet__V1__VoteIdRequest *) request;
    vote_worker_t *w = vote_call_worker (call);
    cab_idem_t idem;
    const cab_idem_t *idem_p = NULL;
    if (vote_call_replay (call, request, VOTE_DESC, &idem, &idem_p))
        return call->status;
    vote_info_t *info = NULL;
    if (vote_call_managed_vote (call, req->vote_id, &info) != CAB_OK)
        return call->status;
    vote_fault_t fault;
    if (change == S_OPEN)
        vote_may_open (info->state, info->meeting_status, &fault);
    else
        vote_may_close (info->state, &fault);
    if (fault.status != CAB_OK)
        return vote_call_fault (call, &fault);
    vote_info_t *after = NULL;
    const char *actor = vote_call_user (call);
    cab_status_t status =
        change == S_OPEN
            ? vote_store_open (w->store, call->arena, info->vote->id, actor, idem_p, &fault, &after)
            : vote_store_close (w->store, call->arena, info->vote->id, actor, idem_p, &fault,
                                &after);
    if (status != CAB_OK)
        return vote_call_fail (call, status, &fault);
    return cab_call_reply (call, after->vote);
}

cab_status_t
vote_open (cab_call_t *call, const ProtobufCMessage *request)
{
    return s_change (call, request, S_OPEN);
}

cab_status_t
vote_close (cab_call_t *call, const ProtobufCMessage *request)
{
    return s_change (call, request, S_CLOSE);
}

cab_status_t
vote_add_remote (cab_call_t *call, const ProtobufCMessage *request)
{
    const Cabinet__V1__RemoteVotersRequest *req =
        (const Cabinet__V1__RemoteVotersRequest *) request;
    vote_worker_t *w = vote_call_worker (call);
    cab_idem_t idem;
    const cab_idem_t *idem_p = NULL;
    if (vote_call_replay (call, request, VOTE_DESC, &idem, &idem_p))
        return call->status;
    if (req->n_user_ids == 0)
        return vote_call_invalid (call, "user_ids",
                                  "Vui lòng chọn ít nhất một đại biểu được biểu quyết từ xa");
    vote_info_t *info = NULL;
    if (vote_call_managed_vote (call, req->vote_id, &info) != CAB_OK)
        return call->status;
    vote_fault_t fault;
    vote_may_add_remote (info->state, &fault);
    if (fault.status != CAB_OK)
        return vote_call_fault (call, &fault);
    //  Whether each may vote remotely is judged by the store, under the
    //  vote's lock.
    vote_check_id_list ("user_ids", req->user_ids, req->n_user_ids, VOTE_REMOTE_MAX, &fault);
    if (fault.status != CAB_OK)
        return vote_call_fault (call, &fault);
    vote_info_t *after = NULL;
    cab_status_t status =
        vote_store_add_remote (w->store, call->arena, info->vote->id, req->user_ids,
                               req->n_user_ids, vote_call_user (call), idem_p, &fault, &after);
    if (status != CAB_OK)
        return vote_call_fail (call, status, &fault);
    return cab_call_reply (call, after->vote);
}
