/*  cab_rpc_server - ROUTER front, worker threads behind an inproc ROUTER.

    The main thread only forwards frames between the two sockets, and only
    to a worker that is free: each worker says so once when it starts
    (a message of one empty frame) and then with each reply, and the main
    thread keeps the free ones in a queue, the longest free first. A
    request thus never waits behind another worker's slow one while a
    worker is free; when none is, requests wait in the front socket. Each
    worker thread owns its DEALER socket and its own state (database
    connection), handles one request at a time, and never shares either.
    Clients send [empty, RpcRequest] from a DEALER; a worker gets the
    client's address frames before them and sends them back with its reply.  */
#include "cab_log.h"
#include "cab_rpc.h"
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <zmq.h>

#define POLL_MS 250  //  how often loops look at their stop flags
#define BACKEND_FMT "inproc://cab-rpc-%p"
#define ENVELOPE_MAX 8  //  address frames of a request, at most
#define WORKER_ID_MAX 255

typedef struct _cab_rpc_server_t cab_rpc_server_t;

typedef struct {
    cab_rpc_server_t *server;
    pthread_t thread;
    int index;
    bool started;
} worker_t;

//  A free worker, by its address on the back socket.
typedef struct {
    uint8_t id[WORKER_ID_MAX];
    size_t size;
} s_free_t;

struct _cab_rpc_server_t {
    cab_rpc_server_opts_t opts;
    char *service;
    void *frontend;  //  ROUTER, clients connect here
    void *backend;   //  ROUTER, workers connect here
    char backend_endpoint[64];
    worker_t *workers;
    atomic_int stopping;
    atomic_int ready_workers;  //  workers whose state was created
    atomic_int failed_workers;
    s_free_t *free;  //  ring of the free workers, oldest first
    size_t free_head;
    size_t free_count;
};

/* ---- call helpers --------------------------------------------------------- */

cab_status_t
cab_call_reply (cab_call_t *call, const void *msg)
{
    call->reply = msg;
    call->status = CAB_OK;
    return CAB_OK;
}

cab_status_t
cab_call_error_code (cab_call_t *call, cab_status_t status, const char *code, const char *field,
                     const char *message)
{
    call->status = status;
    call->error_code = cab_arena_strdup (call->arena, code);
    call->error_field = cab_arena_strdup (call->arena, field);
    call->error_message =
        cab_arena_strdup (call->arena, message ? message : cab_status_message (status));
    call->reply = NULL;
    return status;
}

cab_status_t
cab_call_error (cab_call_t *call, cab_status_t status, const char *field, const char *message)
{
    return cab_call_error_code (call, status, NULL, field, message);
}

bool
cab_caller_has_role (const Cabinet__V1__Caller *caller, const char *role)
{
    if (!caller || !caller->user_id || !*caller->user_id)
        return false;
    for (size_t i = 0; i < caller->n_roles; i++)
        if (strcmp (caller->roles[i], role) == 0)
            return true;
    return false;
}

/* ---- built-in methods ----------------------------------------------------- */

static cab_status_t
s_builtin (cab_rpc_server_t *self, cab_call_t *call, const char *verb)
{
    if (strcmp (verb, "Health") == 0) {
        Cabinet__V1__HealthReply *reply = cab_arena_alloc (call->arena, sizeof *reply);
        cabinet__v1__health_reply__init (reply);
        const char *detail = "ok";
        bool ready = !self->opts.worker_ready || self->opts.worker_ready (call->worker, &detail);
        reply->has_ready = true;
        reply->ready = ready;
        reply->detail = cab_arena_strdup (call->arena, detail);
        return cab_call_reply (call, reply);
    }
    if (strcmp (verb, "Metrics") == 0) {
        Cabinet__V1__Text *reply = cab_arena_alloc (call->arena, sizeof *reply);
        cabinet__v1__text__init (reply);
        char *text = cab_metrics_render (self->opts.metrics);
        reply->text = cab_arena_strdup (call->arena, text ? text : "");
        free (text);
        return cab_call_reply (call, reply);
    }
    return CAB_UNIMPLEMENTED;
}

static const cab_method_t *
s_find_method (cab_rpc_server_t *self, const char *name)
{
    for (const cab_method_t *m = self->opts.methods; m && m->name; m++)
        if (strcmp (m->name, name) == 0)
            return m;
    return NULL;
}

//  Run one request: fills call's reply or error.
static void
s_dispatch (cab_rpc_server_t *self, cab_call_t *call, const Cabinet__V1__RpcRequest *request)
{
    call->method = request->method ? request->method : "";
    call->request_id = request->request_id;
    call->caller = request->caller;
    call->idempotency_key =
        request->idempotency_key && *request->idempotency_key ? request->idempotency_key : NULL;
    if (request->has_deadline_unix_ms && request->deadline_unix_ms > 0
        && cab_rpc_now_ms () > request->deadline_unix_ms) {
        cab_call_error (call, CAB_DEADLINE_EXCEEDED, NULL, NULL);
        return;
    }
    size_t prefix = strlen (self->service);
    if (strncmp (call->method, self->service, prefix) == 0 && call->method[prefix] == '.'
        && s_builtin (self, call, call->method + prefix + 1) == CAB_OK)
        return;
    const cab_method_t *method = s_find_method (self, call->method);
    if (!method) {
        cab_call_error (call, CAB_UNIMPLEMENTED, NULL, NULL);
        return;
    }
    bool signed_in = call->caller && call->caller->user_id && *call->caller->user_id;
    if (!signed_in && !(method->flags & CAB_METHOD_ANONYMOUS)) {
        cab_call_error (call, CAB_UNAUTHENTICATED, NULL, NULL);
        return;
    }
    if (signed_in && call->caller->has_must_change_password && call->caller->must_change_password
        && !(method->flags & (CAB_METHOD_PASSWORD_CHANGE | CAB_METHOD_ANONYMOUS))) {
        cab_call_error_code (call, CAB_PERMISSION_DENIED, "password_change_required", NULL,
                             "Bạn cần đổi mật khẩu trước khi tiếp tục");
        return;
    }
    ProtobufCMessage *payload = protobuf_c_message_unpack (
        method->request, cab_arena_allocator (call->arena),
        request->has_payload ? request->payload.len : 0,
        request->has_payload ? request->payload.data : (const uint8_t *) "");
    if (!payload) {
        cab_call_error (call, CAB_INVALID_ARGUMENT, NULL, "Yêu cầu không đúng định dạng");
        return;
    }
    cab_status_t status = method->handler (call, payload);
    if (status == CAB_OK && !call->reply) {
        cab_error ("%s returned OK without a reply", call->method);
        cab_call_error (call, CAB_INTERNAL, NULL, NULL);
    }
}

//  Pack the reply envelope of call into a new zmq message.
static int
s_pack_reply (cab_call_t *call, zmq_msg_t *out)
{
    Cabinet__V1__RpcReply reply = CABINET__V1__RPC_REPLY__INIT;
    reply.request_id = (char *) call->request_id;
    reply.has_status = true;
    reply.status = (Cabinet__V1__Status) call->status;
    reply.error_message = (char *) call->error_message;
    reply.error_field = (char *) call->error_field;
    reply.error_code = (char *) call->error_code;
    if (call->status == CAB_OK && call->reply) {
        size_t size = protobuf_c_message_get_packed_size (call->reply);
        uint8_t *data = cab_arena_alloc (call->arena, size ? size : 1);
        protobuf_c_message_pack (call->reply, data);
        reply.has_payload = true;
        reply.payload.len = size;
        reply.payload.data = data;
    }
    size_t size = cabinet__v1__rpc_reply__get_packed_size (&reply);
    if (zmq_msg_init_size (out, size) != 0)
        return -1;
    cabinet__v1__rpc_reply__pack (&reply, zmq_msg_data (out));
    return 0;
}

//  Handle the request in, and send the reply behind the n address frames
//  it came with.
static void
s_handle (cab_rpc_server_t *self, void *worker, zmq_msg_t *in, zmq_msg_t *envelope, int n,
          void *socket)
{
    struct timeval start;
    gettimeofday (&start, NULL);
    cab_call_t call = {.worker = worker, .arena = cab_arena_new (), .status = CAB_INTERNAL};
    if (!call.arena)
        return;
    Cabinet__V1__RpcRequest *request = cabinet__v1__rpc_request__unpack (
        cab_arena_allocator (call.arena), zmq_msg_size (in), zmq_msg_data (in));
    if (!request) {
        call.method = "";
        cab_call_error (&call, CAB_INVALID_ARGUMENT, NULL, "Yêu cầu không đúng định dạng");
    } else
        s_dispatch (self, &call, request);

    zmq_msg_t out;
    if (s_pack_reply (&call, &out) != 0)
        zmq_msg_init (&out);  //  none: the worker still says it is free
    for (int i = 0; i < n; i++)
        zmq_msg_send (&envelope[i], socket, ZMQ_SNDMORE);
    if (zmq_msg_send (&out, socket, 0) < 0) {
        cab_warn ("cannot send reply to %s: %s", call.method, zmq_strerror (zmq_errno ()));
        zmq_msg_close (&out);
    }
    struct timeval end;
    gettimeofday (&end, NULL);
    double seconds = (double) (end.tv_sec - start.tv_sec) + (end.tv_usec - start.tv_usec) / 1e6;
    char labels[160];
    snprintf (labels, sizeof labels, "method=\"%.80s\",code=\"%s\"", call.method,
              cab_status_code (call.status));
    cab_metrics_add (self->opts.metrics, "cabinet_rpc_requests_total", labels,
                     "RPC requests handled, by method and result", 1);
    snprintf (labels, sizeof labels, "method=\"%.80s\"", call.method);
    cab_metrics_observe (self->opts.metrics, "cabinet_rpc_duration_seconds", labels,
                         "RPC handling time", seconds);
    if (call.status == CAB_INTERNAL)
        cab_error ("%s failed: %s", call.method, call.error_message ? call.error_message : "");
    cab_arena_destroy (&call.arena);
}

static void *
s_worker_main (void *arg)
{
    worker_t *me = arg;
    cab_rpc_server_t *self = me->server;
    void *state = self->opts.worker_new ? self->opts.worker_new (self->opts.arg, me->index) : NULL;
    if (self->opts.worker_new && !state) {
        cab_error ("worker %d could not start", me->index);
        atomic_fetch_add (&self->failed_workers, 1);
        return NULL;
    }
    void *socket = zmq_socket (self->opts.zmq_ctx, ZMQ_DEALER);
    int linger = 0;
    zmq_setsockopt (socket, ZMQ_LINGER, &linger, sizeof linger);
    if (zmq_connect (socket, self->backend_endpoint) != 0 || zmq_send (socket, "", 0, 0) != 0) {
        cab_error ("worker %d cannot connect: %s", me->index, zmq_strerror (zmq_errno ()));
        atomic_fetch_add (&self->failed_workers, 1);
        goto cleanup;
    }
    atomic_fetch_add (&self->ready_workers, 1);
    while (!atomic_load (&self->stopping)) {
        zmq_pollitem_t item = {socket, 0, ZMQ_POLLIN, 0};
        if (zmq_poll (&item, 1, POLL_MS) <= 0)
            continue;
        //  [address frames..., request]
        zmq_msg_t frames[ENVELOPE_MAX + 1];
        int n = 0;
        bool more = true;
        while (more && n <= ENVELOPE_MAX) {
            zmq_msg_init (&frames[n]);
            if (zmq_msg_recv (&frames[n], socket, 0) < 0) {
                zmq_msg_close (&frames[n]);
                break;
            }
            more = zmq_msg_more (&frames[n++]);
        }
        if (!more && n > 0)
            s_handle (self, state, &frames[n - 1], frames, n - 1, socket);
        else
            cab_warn ("%s: a request with too many address frames was dropped", self->service);
        for (int i = 0; i < n; i++)
            zmq_msg_close (&frames[i]);
    }
cleanup:
    zmq_close (socket);
    if (state && self->opts.worker_destroy)
        self->opts.worker_destroy (state);
    return NULL;
}

cab_rpc_server_t *
cab_rpc_server_new (const cab_rpc_server_opts_t *opts)
{
    cab_rpc_server_t *self = calloc (1, sizeof *self);
    if (!self)
        return NULL;
    self->opts = *opts;
    self->service = strdup (opts->service);
    int workers = opts->workers > 0 ? opts->workers : 1;
    self->opts.workers = workers;
    self->workers = calloc ((size_t) workers, sizeof *self->workers);
    self->free = calloc ((size_t) workers, sizeof *self->free);
    self->frontend = zmq_socket (opts->zmq_ctx, ZMQ_ROUTER);
    self->backend = zmq_socket (opts->zmq_ctx, ZMQ_ROUTER);
    if (!self->service || !self->workers || !self->free || !self->frontend || !self->backend)
        goto fail;
    int linger = 0, one = 1;
    zmq_setsockopt (self->frontend, ZMQ_LINGER, &linger, sizeof linger);
    zmq_setsockopt (self->backend, ZMQ_LINGER, &linger, sizeof linger);
    //  A request to a worker that has gone is an error, not silence.
    zmq_setsockopt (self->backend, ZMQ_ROUTER_MANDATORY, &one, sizeof one);
    if (zmq_bind (self->frontend, opts->endpoint) != 0) {
        cab_error ("cannot bind %s: %s", opts->endpoint, zmq_strerror (zmq_errno ()));
        goto fail;
    }
    snprintf (self->backend_endpoint, sizeof self->backend_endpoint, BACKEND_FMT, (void *) self);
    if (zmq_bind (self->backend, self->backend_endpoint) != 0)
        goto fail;
    for (int i = 0; i < workers; i++) {
        self->workers[i].server = self;
        self->workers[i].index = i;
        if (pthread_create (&self->workers[i].thread, NULL, s_worker_main, &self->workers[i]) != 0)
            goto fail;
        self->workers[i].started = true;
    }
    //  Start-up fails as a whole if any worker cannot create its state.
    while (atomic_load (&self->ready_workers) + atomic_load (&self->failed_workers) < workers) {
        zmq_pollitem_t none[1];
        zmq_poll (none, 0, 10);
    }
    if (atomic_load (&self->failed_workers) > 0)
        goto fail;
    cab_info ("%s serving on %s with %d workers", self->service, opts->endpoint, workers);
    return self;
fail:
    cab_rpc_server_destroy (&self);
    return NULL;
}

//  Forward the rest of a message, from its frame frame (received, more
//  to come when more), from one socket to the other.
static int
s_forward_rest (zmq_msg_t *frame, bool more, void *from, void *to)
{
    while (true) {
        if (zmq_msg_send (frame, to, more ? ZMQ_SNDMORE : 0) < 0) {
            zmq_msg_close (frame);
            return -1;
        }
        if (!more)
            return 0;
        zmq_msg_init (frame);
        if (zmq_msg_recv (frame, from, 0) < 0) {
            zmq_msg_close (frame);
            return -1;
        }
        more = zmq_msg_more (frame);
    }
}

//  Receive one frame without waiting: 1 with *more, 0 when none, -1 on error.
static int
s_recv_frame (zmq_msg_t *frame, void *from, bool *more)
{
    zmq_msg_init (frame);
    if (zmq_msg_recv (frame, from, ZMQ_DONTWAIT) < 0) {
        zmq_msg_close (frame);
        return zmq_errno () == EAGAIN ? 0 : -1;
    }
    *more = zmq_msg_more (frame);
    return 1;
}

//  Every reply (or first word) from the workers: the worker is free again,
//  and a reply goes on to its client.
static void
s_from_workers (cab_rpc_server_t *self)
{
    zmq_msg_t frame;
    bool more = false;
    while (s_recv_frame (&frame, self->backend, &more) == 1) {
        size_t size = zmq_msg_size (&frame);
        if (size <= WORKER_ID_MAX && self->free_count < (size_t) self->opts.workers) {
            s_free_t *f =
                &self->free[(self->free_head + self->free_count++) % (size_t) self->opts.workers];
            memcpy (f->id, zmq_msg_data (&frame), size);
            f->size = size;
        }
        zmq_msg_close (&frame);
        if (!more || s_recv_frame (&frame, self->backend, &more) != 1)
            continue;
        if (!more && zmq_msg_size (&frame) == 0)
            zmq_msg_close (&frame);  //  a worker's first word: it is free
        else
            s_forward_rest (&frame, more, self->backend, self->frontend);
    }
}

//  Requests, each to the worker free the longest, while one is free.
static void
s_to_workers (cab_rpc_server_t *self)
{
    zmq_msg_t frame;
    bool more = false;
    while (self->free_count > 0 && s_recv_frame (&frame, self->frontend, &more) == 1) {
        s_free_t *f = &self->free[self->free_head];
        self->free_head = (self->free_head + 1) % (size_t) self->opts.workers;
        self->free_count--;
        if (zmq_send (self->backend, f->id, f->size, ZMQ_SNDMORE) < 0) {
            zmq_msg_close (&frame);
            continue;
        }
        s_forward_rest (&frame, more, self->frontend, self->backend);
    }
}

int
cab_rpc_server_run (cab_rpc_server_t *self, volatile sig_atomic_t *stop)
{
    while (!*stop) {
        zmq_pollitem_t items[] = {{self->backend, 0, ZMQ_POLLIN, 0},
                                  {self->frontend, 0, ZMQ_POLLIN, 0}};
        int rc = zmq_poll (items, self->free_count > 0 ? 2 : 1, POLL_MS);
        if (rc < 0) {
            if (zmq_errno () == EINTR)
                continue;
            cab_error ("rpc poll failed: %s", zmq_strerror (zmq_errno ()));
            return -1;
        }
        s_from_workers (self);
        s_to_workers (self);
    }
    return 0;
}

void
cab_rpc_server_destroy (cab_rpc_server_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    cab_rpc_server_t *self = *self_p;
    atomic_store (&self->stopping, 1);
    for (int i = 0; self->workers && i < self->opts.workers; i++)
        if (self->workers[i].started)
            pthread_join (self->workers[i].thread, NULL);
    if (self->frontend)
        zmq_close (self->frontend);
    if (self->backend)
        zmq_close (self->backend);
    free (self->workers);
    free (self->free);
    free (self->service);
    free (self);
    *self_p = NULL;
}
