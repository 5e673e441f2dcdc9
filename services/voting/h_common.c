/*  h_common - what every voting handler uses: the caller, clean input
    text, uniform error replies, Idempotency-Key replays, and loading a
    vote the caller may see or manage.  */
#include "cab_utf8.h"
#include "cab_uuid.h"
#include "handlers.h"
#include "signature.h"
#include <string.h>
#include <time.h>

vote_worker_t *
vote_call_worker (const cab_call_t *call)
{
    return call->worker;
}

const char *
vote_call_user (const cab_call_t *call)
{
    const char *id = call->caller ? call->caller->user_id : NULL;
    return id && cab_uuid_valid (id) ? id : NULL;
}

cab_status_t
vote_call_fault (cab_call_t *call, const vote_fault_t *fault)
{
    const char *message = fault->message[0] ? fault->message : NULL;
    if (fault->code)
        return cab_call_error_code (call, fault->status, fault->code, fault->field, message);
    return cab_call_error (call, fault->status, fault->field, message);
}

cab_status_t
vote_call_fail (cab_call_t *call, cab_status_t status, const vote_fault_t *fault)
{
    if (fault && fault->status != CAB_OK)
        return vote_call_fault (call, fault);
    return cab_call_error (call, status, NULL, NULL);
}

cab_status_t
vote_call_invalid (cab_call_t *call, const char *field, const char *message)
{
    return cab_call_error (call, CAB_INVALID_ARGUMENT, field, message);
}

char *
vote_call_text (cab_call_t *call, const char *in, bool *ok)
{
    char *out = cab_utf8_clean (call->arena, in);
    if (in && !out)
        *ok = false;
    return out;
}

bool
vote_call_id (cab_call_t *call, const char *field, const char *id)
{
    vote_fault_t fault;
    vote_check_id (field, id, true, &fault);
    if (fault.status == CAB_OK)
        return true;
    vote_call_fault (call, &fault);
    return false;
}

bool
vote_call_replay (cab_call_t *call, const ProtobufCMessage *request,
                  const ProtobufCMessageDescriptor *reply_desc, cab_idem_t *idem,
                  const cab_idem_t **idem_p)
{
    vote_worker_t *w = vote_call_worker (call);
    return cab_idem_replay (call, vote_store_db (w->store), request, reply_desc, idem, idem_p);
}

cab_status_t
vote_call_vote (cab_call_t *call, const char *id, vote_info_t **info)
{
    if (!vote_call_id (call, "vote_id", id))
        return call->status;
    vote_worker_t *w = vote_call_worker (call);
    cab_status_t status = vote_store_vote (w->store, call->arena, id, vote_call_user (call), info);
    if (status == CAB_NOT_FOUND)
        return cab_call_error (call, status, "vote_id", VOTE_MSG_NOT_FOUND);
    if (status != CAB_OK)
        return vote_call_fail (call, status, NULL);
    //  A vote of a meeting the caller has no part in does not exist for them.
    vote_fault_t fault;
    vote_may_see ((*info)->roles, &fault);
    if (fault.status != CAB_OK)
        return cab_call_error (call, CAB_NOT_FOUND, "vote_id", VOTE_MSG_NOT_FOUND);
    return CAB_OK;
}

cab_status_t
vote_call_managed_vote (cab_call_t *call, const char *id, vote_info_t **info)
{
    if (vote_call_vote (call, id, info) != CAB_OK)
        return call->status;
    vote_fault_t fault;
    vote_may_manage ((*info)->roles, &fault);
    return fault.status == CAB_OK ? CAB_OK : vote_call_fault (call, &fault);
}

int64_t
vote_now (void)
{
    return (int64_t) time (NULL);
}

const char *
vote_call_verifying_key (cab_call_t *call, const char *canonical, const char *signature,
                         bool *answered)
{
    vote_worker_t *w = vote_call_worker (call);
    vote_key_t *keys = NULL;
    size_t n = 0;
    *answered = false;
    cab_status_t status =
        vote_store_key_ders (w->store, call->arena, vote_call_user (call), &keys, &n);
    if (status != CAB_OK) {
        vote_call_fail (call, status, NULL);
        *answered = true;
        return NULL;
    }
    if (n == 0) {
        cab_call_error_code (call, CAB_FAILED_PRECONDITION, "no_signing_key", "signature",
                             "Bạn chưa đăng ký khóa ký số; hãy đăng ký khóa công khai trước khi "
                             "gửi phiếu có chữ ký");
        *answered = true;
        return NULL;
    }
    for (size_t i = 0; i < n; i++)
        if (vote_signature_verify (keys[i].der, keys[i].der_len, canonical, strlen (canonical),
                                   signature))
            return keys[i].id;
    return NULL;
}
