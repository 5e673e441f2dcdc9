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
#include <sys/time.h>
#include <zmq.h>

#define DEFAULT_TIMEOUT_MS 5000
#define RECONNECT_MS 100
#define RECONNECT_MAX_MS 1000

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

static int64_t
s_now_ms (void)
{
    struct timeval now;
    gettimeofday (&now, NULL);
    return (int64_t) now.tv_sec * 1000 + now.tv_usec / 1000;
}

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
    void *socket = zmq_socket (self->zmq_ctx, ZMQ_DEALER);
    if (!socket)
        return NULL;
    int linger = 0, immediate = 1, ivl = RECONNECT_MS, ivl_max = RECONNECT_MAX_MS;
    zmq_setsockopt (socket, ZMQ_LINGER, &linger, sizeof linger);
    //  Queue only to connected servers: no server means UNAVAILABLE now,
    //  not a request delivered minutes later to a restarted service.
    zmq_setsockopt (socket, ZMQ_IMMEDIATE, &immediate, sizeof immediate);
    zmq_setsockopt (socket, ZMQ_RECONNECT_IVL, &ivl, sizeof ivl);
    zmq_setsockopt (socket, ZMQ_RECONNECT_IVL_MAX, &ivl_max, sizeof ivl_max);
    if (zmq_connect (socket, self->endpoint) != 0) {
        cab_error ("cannot connect to %s: %s", self->endpoint, zmq_strerror (zmq_errno ()));
        zmq_close (socket);
        return NULL;
    }
    return socket;
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

static void
s_result (cab_rpc_result_t *result, cab_status_t status, const char *message, const char *field,
          const char *code)
{
    result->status = status;
    snprintf (result->message, sizeof result->message, "%s",
              message && *message ? message : cab_status_message (status));
    snprintf (result->field, sizeof result->field, "%s", field ? field : "");
    snprintf (result->code, sizeof result->code, "%s", code ? code : "");
}

//  Receive frames until the reply to request_id or the deadline. Returns 0
//  with *reply_p set (free with __free_unpacked), or -1 on timeout/error.
static int
s_receive (void *socket, const char *request_id, int64_t deadline, Cabinet__V1__RpcReply **reply_p)
{
    while (true) {
        int64_t left = deadline - s_now_ms ();
        if (left <= 0)
            return -1;
        zmq_pollitem_t item = {socket, 0, ZMQ_POLLIN, 0};
        int rc = zmq_poll (&item, 1, (long) left);
        if (rc < 0 && zmq_errno () == EINTR)
            continue;
        if (rc <= 0)
            return -1;
        //  [empty delimiter, reply]
        zmq_msg_t frame;
        zmq_msg_init (&frame);
        Cabinet__V1__RpcReply *reply = NULL;
        while (zmq_msg_recv (&frame, socket, 0) >= 0) {
            bool more = zmq_msg_more (&frame);
            if (!more && zmq_msg_size (&frame) > 0)
                reply = cabinet__v1__rpc_reply__unpack (NULL, zmq_msg_size (&frame),
                                                        zmq_msg_data (&frame));
            if (!more)
                break;
        }
        zmq_msg_close (&frame);
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
    int64_t deadline = s_now_ms () + timeout_ms;
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

    Cabinet__V1__RpcRequest envelope = CABINET__V1__RPC_REQUEST__INIT;
    envelope.request_id = request_id;
    envelope.method = (char *) method;
    envelope.caller = (Cabinet__V1__Caller *) opts->caller;  //  packing only reads it
    envelope.idempotency_key = (char *) opts->idempotency_key;
    uint8_t *payload = NULL;
    if (request) {
        size_t size = protobuf_c_message_get_packed_size (request);
        payload = malloc (size ? size : 1);
        if (!payload) {
            s_result (result, CAB_INTERNAL, NULL, NULL, NULL);
            return result->status;
        }
        protobuf_c_message_pack (request, payload);
        envelope.has_payload = true;
        envelope.payload.len = size;
        envelope.payload.data = payload;
    }
    envelope.has_deadline_unix_ms = true;

    //  The whole call, retries included, stays within timeout_ms. A send
    //  that found no server (UNAVAILABLE) delivered nothing and may be
    //  repeated in the time left; a timeout may have run the method, so only
    //  idempotent calls repeat it, their first attempt getting half the time.
    Cabinet__V1__RpcReply *reply = NULL;
    cab_status_t status = CAB_UNAVAILABLE;
    uint8_t *packed = NULL;
    int64_t end = s_now_ms () + timeout_ms;
    for (int attempt = 0; status != CAB_OK; attempt++) {
        int64_t left = end - s_now_ms ();
        if (left <= 0)
            break;
        int attempt_ms = (int) (opts->idempotent && attempt == 0 ? (left + 1) / 2 : left);
        //  Each attempt carries its own deadline: the server drops work
        //  nobody waits for any more.
        envelope.deadline_unix_ms = s_now_ms () + attempt_ms;
        size_t size = cabinet__v1__rpc_request__get_packed_size (&envelope);
        free (packed);
        packed = malloc (size ? size : 1);
        if (!packed) {
            status = CAB_INTERNAL;
            break;
        }
        cabinet__v1__rpc_request__pack (&envelope, packed);
        status = s_attempt (self, packed, size, request_id, attempt_ms, &reply);
        if (status == CAB_DEADLINE_EXCEEDED && (!opts->idempotent || attempt >= 1))
            break;
    }
    free (payload);
    free (packed);
    if (status != CAB_OK) {
        cab_warn ("%s on %s: %s", method, self->endpoint, cab_status_code (status));
        s_result (result, status, NULL, NULL, NULL);
        return status;
    }
    status = reply->has_status ? (cab_status_t) reply->status : CAB_UNKNOWN;
    s_result (result, status, reply->error_message, reply->error_field, reply->error_code);
    if (status == CAB_OK) {
        *reply_p = protobuf_c_message_unpack (
            reply_desc, alloc, reply->has_payload ? reply->payload.len : 0,
            reply->has_payload ? reply->payload.data : (const uint8_t *) "");
        if (!*reply_p) {
            cab_error ("%s: reply does not unpack as %s", method, reply_desc->name);
            s_result (result, CAB_INTERNAL, NULL, NULL, NULL);
        }
    }
    cabinet__v1__rpc_reply__free_unpacked (reply, NULL);
    return result->status;
}
