/*  cab_rpc_client - a thread-safe client over a pool of DEALER sockets.

    A ZeroMQ socket must stay in one thread at a time, so a caller borrows a
    socket from the pool for the length of one call. After a timeout the
    socket is closed rather than returned: a late reply must not surprise
    the next borrower (replies are also matched by request id).  */
#include "cab_log.h"
#include "cab_rpc.h"
#include "cab_uuid.h"
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

#define DEFAULT_TIMEOUT_MS 5000

typedef struct _pooled_t {
    struct _pooled_t *next;
    void *socket;
} pooled_t;

struct _cab_rpc_client_t {
    void *zmq_ctx;
    char *endpoint;
    int default_timeout_ms;
    pthread_mutex_t lock;
    pooled_t *idle;
};

cab_rpc_client_t *
cab_rpc_client_new (void *zmq_ctx, const char *endpoint, int default_timeout_ms)
{
    cab_rpc_client_t *self = calloc (1, sizeof *self);
    if (!self)
        return NULL;
    self->zmq_ctx = zmq_ctx;
    self->endpoint = strdup (endpoint);
    self->default_timeout_ms = default_timeout_ms > 0 ? default_timeout_ms : DEFAULT_TIMEOUT_MS;
    pthread_mutex_init (&self->lock, NULL);
    if (!self->endpoint)
        cab_rpc_client_destroy (&self);
    return self;
}

void
cab_rpc_client_destroy (cab_rpc_client_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    cab_rpc_client_t *self = *self_p;
    for (pooled_t *p = self->idle, *next; p; p = next) {
        next = p->next;
        zmq_close (p->socket);
        free (p);
    }
    pthread_mutex_destroy (&self->lock);
    free (self->endpoint);
    free (self);
    *self_p = NULL;
}

const char *
cab_rpc_client_endpoint (const cab_rpc_client_t *self)
{
    return self->endpoint;
}

static void *
s_borrow (cab_rpc_client_t *self)
{
    pthread_mutex_lock (&self->lock);
    pooled_t *p = self->idle;
    if (p)
        self->idle = p->next;
    pthread_mutex_unlock (&self->lock);
    if (p) {
        void *socket = p->socket;
        free (p);
        return socket;
    }
    return cab_rpc_dealer_new (self->zmq_ctx, self->endpoint);
}

static void
s_give_back (cab_rpc_client_t *self, void *socket)
{
    pooled_t *p = malloc (sizeof *p);
    if (!p) {
        zmq_close (socket);
        return;
    }
    p->socket = socket;
    pthread_mutex_lock (&self->lock);
    p->next = self->idle;
    self->idle = p;
    pthread_mutex_unlock (&self->lock);
}

//  Receive frames until the reply to request_id or the deadline. Returns 0
//  with *reply_p set (free with __free_unpacked), or -1 on timeout/error.
static int
s_receive (void *socket, const char *request_id, int64_t deadline, Cabinet__V1__RpcReply **reply_p)
{
    while (true) {
        int64_t left = deadline - cab_rpc_now_ms ();
        if (left <= 0)
            return -1;
        zmq_pollitem_t item = {socket, 0, ZMQ_POLLIN, 0};
        int rc = zmq_poll (&item, 1, (long) left);
        if (rc < 0 && zmq_errno () == EINTR)
            continue;
        if (rc <= 0)
            return -1;
        Cabinet__V1__RpcReply *reply = NULL;
        if (cab_rpc_reply_recv (socket, 0, &reply) < 0)
            return -1;
        if (reply && reply->request_id && strcmp (reply->request_id, request_id) == 0) {
            *reply_p = reply;
            return 0;
        }
        //  A late reply to an earlier, abandoned request: drop it.
        if (reply)
            cabinet__v1__rpc_reply__free_unpacked (reply, NULL);
    }
}

//  One attempt. Returns the status; on CAB_OK *reply_p holds the envelope.
static cab_status_t
s_attempt (cab_rpc_client_t *self, const uint8_t *packed, size_t size, const char *request_id,
           int timeout_ms, Cabinet__V1__RpcReply **reply_p)
{
    void *socket = s_borrow (self);
    if (!socket)
        return CAB_UNAVAILABLE;
    int64_t deadline = cab_rpc_now_ms () + timeout_ms;
    zmq_setsockopt (socket, ZMQ_SNDTIMEO, &timeout_ms, sizeof timeout_ms);
    if (zmq_send (socket, "", 0, ZMQ_SNDMORE) < 0 || zmq_send (socket, packed, size, 0) < 0) {
        //  EAGAIN after SNDTIMEO: no server connected; nothing was sent.
        zmq_close (socket);
        return CAB_UNAVAILABLE;
    }
    if (s_receive (socket, request_id, deadline, reply_p) != 0) {
        zmq_close (socket);
        return CAB_DEADLINE_EXCEEDED;
    }
    s_give_back (self, socket);
    return CAB_OK;
}

cab_status_t
cab_rpc_call (cab_rpc_client_t *self, const char *method, const ProtobufCMessage *request,
              const ProtobufCMessageDescriptor *reply_desc, ProtobufCAllocator *alloc,
              ProtobufCMessage **reply_p, const cab_call_opts_t *opts, cab_rpc_result_t *result)
{
    *reply_p = NULL;
    cab_call_opts_t defaults = {0};
    if (!opts)
        opts = &defaults;
    int timeout_ms = opts->timeout_ms > 0 ? opts->timeout_ms : self->default_timeout_ms;
    char request_id[CAB_UUID_LEN + 1];
    cab_uuid_v7 (request_id);

    Cabinet__V1__RpcRequest envelope;
    uint8_t *payload = NULL;
    if (cab_rpc_envelope_init (&envelope, request_id, method, request, opts, &payload) != 0) {
        cab_rpc_result_set (result, CAB_INTERNAL, NULL, NULL, NULL);
        return result->status;
    }

    //  The whole call, retries included, stays within timeout_ms. A send
    //  that found no server (UNAVAILABLE) delivered nothing and may be
    //  repeated in the time left; a timeout may have run the method, so only
    //  idempotent calls repeat it, their first attempt getting half the time.
    Cabinet__V1__RpcReply *reply = NULL;
    cab_status_t status = CAB_UNAVAILABLE;
    uint8_t *packed = NULL;
    int64_t end = cab_rpc_now_ms () + timeout_ms;
    for (int attempt = 0; status != CAB_OK; attempt++) {
        int64_t left = end - cab_rpc_now_ms ();
        if (left <= 0)
            break;
        int attempt_ms = (int) (opts->idempotent && attempt == 0 ? (left + 1) / 2 : left);
        //  Each attempt carries its own deadline: the server drops work
        //  nobody waits for any more.
        envelope.deadline_unix_ms = cab_rpc_now_ms () + attempt_ms;
        size_t size = 0;
        free (packed);
        packed = cab_rpc_envelope_pack (&envelope, &size);
        if (!packed) {
            status = CAB_INTERNAL;
            break;
        }
        status = s_attempt (self, packed, size, request_id, attempt_ms, &reply);
        if (status == CAB_DEADLINE_EXCEEDED && (!opts->idempotent || attempt >= 1))
            break;
    }
    free (payload);
    free (packed);
    if (status != CAB_OK) {
        cab_warn ("%s on %s: %s", method, self->endpoint, cab_status_code (status));
        cab_rpc_result_set (result, status, NULL, NULL, NULL);
        return status;
    }
    cab_rpc_reply_take (reply, method, reply_desc, alloc, reply_p, result);
    cabinet__v1__rpc_reply__free_unpacked (reply, NULL);
    return result->status;
}
