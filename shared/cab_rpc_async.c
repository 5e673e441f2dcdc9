/*  cab_rpc_async - the asynchronous RPC client (cab_rpc.h): one DEALER
    socket per service, owned by the one thread that polls them.

    A call is sent at once when its service is connected, and otherwise
    waits in that service's queue until the socket can take it (the loop
    polls for ZMQ_POLLOUT while the queue holds calls). Replies are matched
    to their calls by request id through a hash table. Each call has one
    moment it is due: the end of its attempt once sent, the end of the
    whole call while it waits to be sent; a scan of the calls runs only when
    the earliest of those moments has come. The rules are the blocking
    client's: the whole call within its timeout, an idempotent call's first
    attempt getting half of it and a second attempt the rest, no server
    within the time meaning UNAVAILABLE and no reply DEADLINE_EXCEEDED.  */
#include "cab_log.h"
#include "cab_rpc.h"
#include "cab_uuid.h"
#include <stdlib.h>
#include <string.h>

#define PEERS_MAX 16
#define BUCKETS 256
#define NEVER INT64_MAX

typedef struct s_call_t s_call_t;

//  One service, with the calls that wait for it to be connected.
typedef struct {
    char *endpoint;
    void *socket;
    s_call_t *unsent;  //  oldest first
    s_call_t *unsent_tail;
} s_peer_t;

struct s_call_t {
    s_call_t *prev, *next;  //  every call not yet ended
    s_call_t *chain;        //  the next in its hash bucket
    s_call_t *queued;       //  the next waiting to be sent to its peer
    s_peer_t *peer;
    char request_id[CAB_UUID_LEN + 1];
    const char *method;
    Cabinet__V1__RpcRequest envelope;
    uint8_t *payload;
    const ProtobufCMessageDescriptor *reply_desc;
    ProtobufCAllocator *alloc;
    cab_rpc_done_fn *done;
    void *arg;
    int64_t end;    //  of the whole call
    int64_t until;  //  of the attempt under way
    int attempt;
    bool idempotent;
    bool sent;  //  the attempt under way is on the wire
};

struct _cab_rpc_async_t {
    void *zmq_ctx;
    s_peer_t peers[PEERS_MAX];
    size_t n_peers;
    s_call_t *calls;
    s_call_t *buckets[BUCKETS];
    size_t pending;
    int64_t next_due;  //  no call is due before this
};

cab_rpc_async_t *
cab_rpc_async_new (void *zmq_ctx)
{
    cab_rpc_async_t *self = calloc (1, sizeof *self);
    if (self) {
        self->zmq_ctx = zmq_ctx;
        self->next_due = NEVER;
    }
    return self;
}

static void
s_call_free (s_call_t *call)
{
    free (call->payload);
    free (call);
}

void
cab_rpc_async_destroy (cab_rpc_async_t **self_p)
{
    cab_rpc_async_t *self = self_p ? *self_p : NULL;
    if (!self)
        return;
    for (s_call_t *call = self->calls, *next; call; call = next) {
        next = call->next;
        s_call_free (call);
    }
    for (size_t i = 0; i < self->n_peers; i++) {
        zmq_close (self->peers[i].socket);
        free (self->peers[i].endpoint);
    }
    free (self);
    *self_p = NULL;
}

static size_t
s_bucket (const char *request_id)
{
    //  FNV-1a; a UUIDv7 ends in random bits, which spread the buckets.
    uint32_t hash = 2166136261u;
    for (const char *p = request_id; *p; p++)
        hash = (hash ^ (unsigned char) *p) * 16777619u;
    return hash % BUCKETS;
}

static s_peer_t *
s_peer (cab_rpc_async_t *self, const char *endpoint)
{
    for (size_t i = 0; i < self->n_peers; i++)
        if (strcmp (self->peers[i].endpoint, endpoint) == 0)
            return &self->peers[i];
    if (self->n_peers == PEERS_MAX) {
        cab_error ("more than %d services to call", PEERS_MAX);
        return NULL;
    }
    s_peer_t *peer = &self->peers[self->n_peers];
    *peer = (s_peer_t){.endpoint = strdup (endpoint)};
    if (peer->endpoint)
        peer->socket = cab_rpc_dealer_new (self->zmq_ctx, endpoint);
    if (!peer->socket) {
        free (peer->endpoint);
        return NULL;
    }
    self->n_peers++;
    return peer;
}

//  Send the attempt under way; false when the service is not connected
//  (nothing was sent) or the message cannot be made.
static bool
s_send (s_call_t *call)
{
    call->envelope.deadline_unix_ms = call->until;
    size_t size = 0;
    uint8_t *packed = cab_rpc_envelope_pack (&call->envelope, &size);
    if (!packed)
        return false;
    void *socket = call->peer->socket;
    //  A message's first frame decides: the rest always follows it.
    bool sent = zmq_send (socket, "", 0, ZMQ_SNDMORE | ZMQ_DONTWAIT) == 0
                && zmq_send (socket, packed, size, 0) == (int) size;
    free (packed);
    return sent;
}

static void
s_queue (s_call_t *call)
{
    s_peer_t *peer = call->peer;
    call->queued = NULL;
    if (peer->unsent_tail)
        peer->unsent_tail->queued = call;
    else
        peer->unsent = call;
    peer->unsent_tail = call;
}

static void
s_due (cab_rpc_async_t *self, const s_call_t *call)
{
    int64_t due = call->sent ? call->until : call->end;
    if (due < self->next_due)
        self->next_due = due;
}

//  Begin an attempt: sent at once, or queued until the service is there.
static void
s_attempt (cab_rpc_async_t *self, s_call_t *call, int64_t now)
{
    int64_t left = call->end - now;
    call->until = call->idempotent && call->attempt == 0 ? now + (left + 1) / 2 : call->end;
    call->sent = s_send (call);
    if (!call->sent)
        s_queue (call);
    s_due (self, call);
}

int
cab_rpc_async_call (cab_rpc_async_t *self, const char *endpoint, const char *method,
                    const ProtobufCMessage *request, const ProtobufCMessageDescriptor *reply_desc,
                    ProtobufCAllocator *alloc, const cab_call_opts_t *opts, cab_rpc_done_fn *done,
                    void *arg)
{
    s_peer_t *peer = s_peer (self, endpoint);
    s_call_t *call = peer ? calloc (1, sizeof *call) : NULL;
    if (!call)
        return -1;
    cab_uuid_v7 (call->request_id);
    if (cab_rpc_envelope_init (&call->envelope, call->request_id, method, request, opts,
                               &call->payload)
        != 0) {
        free (call);
        return -1;
    }
    call->peer = peer;
    call->method = method;
    call->reply_desc = reply_desc;
    call->alloc = alloc;
    call->done = done;
    call->arg = arg;
    call->idempotent = opts->idempotent;
    int64_t now = cab_rpc_now_ms ();
    call->end = now + (opts->timeout_ms > 0 ? opts->timeout_ms : 1);

    call->next = self->calls;
    if (self->calls)
        self->calls->prev = call;
    self->calls = call;
    size_t bucket = s_bucket (call->request_id);
    call->chain = self->buckets[bucket];
    self->buckets[bucket] = call;
    self->pending++;
    s_attempt (self, call, now);
    return 0;
}

size_t
cab_rpc_async_items (cab_rpc_async_t *self, zmq_pollitem_t *items, size_t max)
{
    size_t n = 0;
    for (; n < self->n_peers && n < max; n++) {
        s_peer_t *peer = &self->peers[n];
        short events = ZMQ_POLLIN | (peer->unsent ? ZMQ_POLLOUT : 0);
        items[n] = (zmq_pollitem_t){.socket = peer->socket, .events = events};
    }
    return n;
}

long
cab_rpc_async_timeout (const cab_rpc_async_t *self)
{
    if (!self->pending)
        return -1;
    int64_t left = self->next_due - cab_rpc_now_ms ();
    return left > 0 ? (long) left : 0;
}

size_t
cab_rpc_async_pending (const cab_rpc_async_t *self)
{
    return self->pending;
}

//  Take call out of every list it is in.
static void
s_unlink (cab_rpc_async_t *self, s_call_t *call)
{
    if (call->prev)
        call->prev->next = call->next;
    else
        self->calls = call->next;
    if (call->next)
        call->next->prev = call->prev;
    s_call_t **p = &self->buckets[s_bucket (call->request_id)];
    while (*p != call)
        p = &(*p)->chain;
    *p = call->chain;
    if (!call->sent) {
        s_peer_t *peer = call->peer;
        s_call_t **q = &peer->unsent, *before = NULL;
        while (*q && *q != call) {
            before = *q;
            q = &(*q)->queued;
        }
        if (*q)
            *q = call->queued;
        if (peer->unsent_tail == call)
            peer->unsent_tail = before;
    }
    self->pending--;
}

//  End call with its reply envelope, or with status when there is none.
static void
s_end (cab_rpc_async_t *self, s_call_t *call, const Cabinet__V1__RpcReply *envelope,
       cab_status_t status)
{
    s_unlink (self, call);
    cab_rpc_result_t result;
    ProtobufCMessage *reply = NULL;
    if (envelope)
        cab_rpc_reply_take (envelope, call->method, call->reply_desc, call->alloc, &reply, &result);
    else {
        cab_warn ("%s on %s: %s", call->method, call->peer->endpoint, cab_status_code (status));
        cab_rpc_result_set (&result, status, NULL, NULL, NULL);
    }
    call->done (call->arg, reply, &result);
    s_call_free (call);
}

static s_call_t *
s_find (cab_rpc_async_t *self, const char *request_id)
{
    s_call_t *call = self->buckets[s_bucket (request_id)];
    while (call && strcmp (call->request_id, request_id) != 0)
        call = call->chain;
    return call;
}

static void
s_receive (cab_rpc_async_t *self, s_peer_t *peer)
{
    Cabinet__V1__RpcReply *envelope = NULL;
    while (cab_rpc_reply_recv (peer->socket, ZMQ_DONTWAIT, &envelope) == 1) {
        //  A reply nobody waits for any more (its call ended) is dropped.
        s_call_t *call =
            envelope && envelope->request_id ? s_find (self, envelope->request_id) : NULL;
        if (call && call->sent)
            s_end (self, call, envelope, CAB_OK);
        if (envelope)
            cabinet__v1__rpc_reply__free_unpacked (envelope, NULL);
    }
}

static void
s_send_queued (cab_rpc_async_t *self, s_peer_t *peer)
{
    while (peer->unsent) {
        s_call_t *call = peer->unsent;
        if (!s_send (call))
            break;
        peer->unsent = call->queued;
        if (!peer->unsent)
            peer->unsent_tail = NULL;
        call->sent = true;
        s_due (self, call);
    }
}

//  End or retry the calls that are due, and find when the next one is.
static void
s_expire (cab_rpc_async_t *self, int64_t now)
{
    self->next_due = NEVER;
    for (s_call_t *call = self->calls, *next; call; call = next) {
        next = call->next;
        int64_t due = call->sent ? call->until : call->end;
        if (due > now)
            s_due (self, call);
        else if (!call->sent)
            s_end (self, call, NULL, CAB_UNAVAILABLE);
        else if (call->idempotent && call->attempt == 0 && call->end > now) {
            call->attempt++;
            s_attempt (self, call, now);
        } else
            s_end (self, call, NULL, CAB_DEADLINE_EXCEEDED);
    }
}

void
cab_rpc_async_dispatch (cab_rpc_async_t *self)
{
    for (size_t i = 0; i < self->n_peers; i++) {
        s_receive (self, &self->peers[i]);
        s_send_queued (self, &self->peers[i]);
    }
    int64_t now = cab_rpc_now_ms ();
    if (self->pending && now >= self->next_due)
        s_expire (self, now);
}
