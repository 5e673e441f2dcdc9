/*  h_keys - the caller's signing keys for signed ballots (R6.3): an ECDSA
    P-256 public key registered once per device (the web UI makes the pair
    with WebCrypto and keeps the private key in the browser), and the list
    of one's own keys. The server never sees a private key.  */
#include "handlers.h"
#include "signature.h"
#include <stdlib.h>

cab_status_t
vote_register_key (cab_call_t *call, const ProtobufCMessage *request)
{
    const Cabinet__V1__RegisterKeyRequest *req = (const Cabinet__V1__RegisterKeyRequest *) request;
    vote_worker_t *w = vote_call_worker (call);
    cab_idem_t idem;
    const cab_idem_t *idem_p = NULL;
    if (vote_call_replay (call, request, &cabinet__v1__signing_key__descriptor, &idem, &idem_p))
        return call->status;
    const char *user = vote_call_user (call);
    if (!user)
        return cab_call_error (call, CAB_PERMISSION_DENIED, NULL, NULL);
    bool ok = true;
    char *label = vote_call_text (call, req->label, &ok);
    if (!ok)
        return vote_call_invalid (call, "label", VOTE_MSG_NOT_UTF8);
    vote_fault_t fault;
    vote_check_label (label, &fault);
    if (fault.status != CAB_OK)
        return vote_call_fault (call, &fault);
    unsigned char *der = NULL;
    size_t der_len = 0;
    if (vote_key_parse (req->public_key, &der, &der_len, &fault) != 0)
        return vote_call_fault (call, &fault);
    Cabinet__V1__SigningKey *key = NULL;
    vote_fault_clear (&fault);
    cab_status_t status =
        vote_store_key_add (w->store, call->arena, user, der, der_len, label, idem_p, &fault, &key);
    free (der);
    if (status != CAB_OK)
        return vote_call_fail (call, status, &fault);
    return cab_call_reply (call, key);
}

cab_status_t
vote_list_keys (cab_call_t *call, const ProtobufCMessage *request)
{
    (void) request;
    vote_worker_t *w = vote_call_worker (call);
    const char *user = vote_call_user (call);
    if (!user)
        return cab_call_error (call, CAB_PERMISSION_DENIED, NULL, NULL);
    Cabinet__V1__SigningKeyList *list = NULL;
    cab_status_t status = vote_store_keys (w->store, call->arena, user, &list);
    if (status != CAB_OK)
        return vote_call_fail (call, status, NULL);
    return cab_call_reply (call, list);
}
