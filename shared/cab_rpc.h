/*  cab_rpc - request/reply between the gateway and services over ZeroMQ
    (client DEALER -> server ROUTER), in the envelopes of
    proto/cabinet/v1/rpc.proto.

    Server: a ROUTER socket in front of N worker threads (each with its own
    state, e.g. a database connection). Methods are declared in one table;
    the server unpacks the request, calls the handler, packs its reply.
    Requests already past their deadline are answered DEADLINE_EXCEEDED
    without running. Every service also answers <service>.Health and
    <service>.Metrics.

    Client: thread-safe and blocking; a pool of DEALER sockets. A request is only queued
    when a server is connected (ZMQ_IMMEDIATE), so "no server" is reported
    as UNAVAILABLE once the call's timeout passes without one coming back
    (a restarting service is waited for); a timeout is retried only when the call is
    declared idempotent.

    Asynchronous client: the same calls, with the same timeouts and retries,
    for one thread that runs its own poll loop (the gateway's HTTP threads):
    a call is sent at once and its end comes to a callback, so no thread
    waits for a service.  */
#ifndef CAB_RPC_H
#define CAB_RPC_H
#include "cab_arena.h"
#include "cab_metrics.h"
#include "cab_status.h"
#include "cabinet/v1/rpc.pb-c.h"
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <zmq.h>

/* ---- server side --------------------------------------------------------- */

typedef struct {
    const Cabinet__V1__Caller *caller;  //  NULL for anonymous calls
    const char *method;
    const char *request_id;
    const char *idempotency_key;  //  NULL when the client sent none
    void *worker;                 //  this worker thread's state
    cab_arena_t *arena;           //  freed after the reply is sent
    //  Reply, set through cab_call_reply / cab_call_error:
    const ProtobufCMessage *reply;
    cab_status_t status;
    const char *error_message;
    const char *error_field;
    const char *error_code;
} cab_call_t;

//  A method handler. request is unpacked in call->arena. Returns the status
//  set through cab_call_reply (CAB_OK) or cab_call_error.
typedef cab_status_t (*cab_handler_fn) (cab_call_t *call, const ProtobufCMessage *request);

//  Method flags. By default a method needs a signed-in caller whose
//  password is not due for change; the server enforces this before calling
//  the handler (UNAUTHENTICATED / PERMISSION_DENIED "password_change_required").
#define CAB_METHOD_ANONYMOUS 0x1        //  callable without a caller
#define CAB_METHOD_PASSWORD_CHANGE 0x2  //  allowed while the password must change

typedef struct {
    const char *name;                           //  "identity.Login"; NULL ends
    const ProtobufCMessageDescriptor *request;  //  request message type
    cab_handler_fn handler;
    unsigned flags;  //  CAB_METHOD_*
} cab_method_t;

//  Reply OK with msg (allocated in call->arena or static). Returns CAB_OK.
cab_status_t cab_call_reply (cab_call_t *call, const void *msg);

//  Reply with an error: message is Vietnamese text for a person (copied),
//  field the offending input field or NULL. Returns status.
cab_status_t cab_call_error (cab_call_t *call, cab_status_t status, const char *field,
                             const char *message);

//  Same, with a finer error code ("password_expired") for clients.
cab_status_t cab_call_error_code (cab_call_t *call, cab_status_t status, const char *code,
                                  const char *field, const char *message);

//  true if the caller is signed in and holds role (any unit).
bool cab_caller_has_role (const Cabinet__V1__Caller *caller, const char *role);

typedef void *(*cab_worker_new_fn) (void *arg, int index);
typedef void (*cab_worker_destroy_fn) (void *worker);
typedef bool (*cab_worker_ready_fn) (void *worker, const char **detail);

typedef struct {
    const char *service;           //  "identity": method prefix
    const char *endpoint;          //  to bind
    const cab_method_t *methods;   //  table ending with a NULL name
    int workers;                   //  threads, >= 1
    cab_worker_new_fn worker_new;  //  per thread; NULL result = failure
    cab_worker_destroy_fn worker_destroy;
    cab_worker_ready_fn worker_ready;  //  for <service>.Health; may be NULL
    void *arg;                         //  given to worker_new
    cab_metrics_t *metrics;            //  borrowed; may be NULL
    void *zmq_ctx;
} cab_rpc_server_opts_t;

typedef struct _cab_rpc_server_t cab_rpc_server_t;

//  Bind and start the workers. Returns NULL on failure (logged).
cab_rpc_server_t *cab_rpc_server_new (const cab_rpc_server_opts_t *opts);

//  Route requests until *stop becomes non-zero. Returns 0, or -1 on failure.
int cab_rpc_server_run (cab_rpc_server_t *self, volatile sig_atomic_t *stop);

//  Stop the workers (each finishes its request), close, free. NULL-safe.
void cab_rpc_server_destroy (cab_rpc_server_t **self_p);

/* ---- client side ---------------------------------------------------------- */

typedef struct _cab_rpc_client_t cab_rpc_client_t;

typedef struct {
    const Cabinet__V1__Caller *caller;  //  NULL: anonymous
    int timeout_ms;                     //  per attempt; 0: the default
    bool idempotent;                    //  safe to send again on timeout
    const char *idempotency_key;        //  passed to the server, may be NULL
} cab_call_opts_t;

typedef struct {
    cab_status_t status;
    char message[512];  //  Vietnamese, from the server or ours
    char field[64];
    char code[64];
} cab_rpc_result_t;

//  Client for one service endpoint. Returns NULL on failure.
cab_rpc_client_t *cab_rpc_client_new (void *zmq_ctx, const char *endpoint, int default_timeout_ms);

//  NULL-safe; nulls *self_p.
void cab_rpc_client_destroy (cab_rpc_client_t **self_p);

//  The endpoint the client calls.
const char *cab_rpc_client_endpoint (const cab_rpc_client_t *self);

//  Call method with request (may be NULL for an empty payload). On CAB_OK,
//  *reply_p is the unpacked reply of type reply_desc, allocated with alloc
//  (NULL: malloc - then free with protobuf_c_message_free_unpacked). On any
//  other status *reply_p is NULL and result says why. Returns result->status.
cab_status_t cab_rpc_call (cab_rpc_client_t *self, const char *method,
                           const ProtobufCMessage *request,
                           const ProtobufCMessageDescriptor *reply_desc, ProtobufCAllocator *alloc,
                           ProtobufCMessage **reply_p, const cab_call_opts_t *opts,
                           cab_rpc_result_t *result);

/* ---- asynchronous client --------------------------------------------------- */

typedef struct _cab_rpc_async_t cab_rpc_async_t;

//  The end of an asynchronous call: result says how it went; on CAB_OK
//  reply is the unpacked reply (allocated as the call asked), else NULL.
typedef void (cab_rpc_done_fn) (void *arg, ProtobufCMessage *reply, const cab_rpc_result_t *result);

//  Calls made and ended on the calling thread only. NULL when out of memory.
cab_rpc_async_t *cab_rpc_async_new (void *zmq_ctx);

//  Close every socket; calls not yet ended are dropped without their
//  callback (end them first: cab_rpc_async_pending). NULL-safe; nulls *self_p.
void cab_rpc_async_destroy (cab_rpc_async_t **self_p);

//  Send method with request (may be NULL) to the service at endpoint, as
//  cab_rpc_call would (opts->timeout_ms is required). done (arg, ...) is
//  called exactly once, from cab_rpc_async_dispatch, never from here.
//  method, opts->caller and opts->idempotency_key must last until then;
//  request is packed at once. Returns 0, or -1 when out of memory (then
//  done is never called).
int cab_rpc_async_call (cab_rpc_async_t *self, const char *endpoint, const char *method,
                        const ProtobufCMessage *request,
                        const ProtobufCMessageDescriptor *reply_desc, ProtobufCAllocator *alloc,
                        const cab_call_opts_t *opts, cab_rpc_done_fn *done, void *arg);

//  What the loop must poll for the calls: fills up to max items (one per
//  service called so far) and returns how many it filled.
size_t cab_rpc_async_items (cab_rpc_async_t *self, zmq_pollitem_t *items, size_t max);

//  Milliseconds until a call's time runs out (0: already), -1 when no
//  call is waiting.
long cab_rpc_async_timeout (const cab_rpc_async_t *self);

//  After polling the items: send what was waiting for a server, take the
//  replies that came and end the calls whose time ran out, calling their
//  callbacks.
void cab_rpc_async_dispatch (cab_rpc_async_t *self);

//  Calls started and not yet ended.
size_t cab_rpc_async_pending (const cab_rpc_async_t *self);

/* ---- the wire, shared by both clients ------------------------------------- */

//  The time envelopes carry deadlines in: milliseconds since 1970.
int64_t cab_rpc_now_ms (void);

//  A DEALER socket connected to endpoint, set as both clients need it.
//  NULL on failure (logged).
void *cab_rpc_dealer_new (void *zmq_ctx, const char *endpoint);

//  Fill result: message NULL or "" takes the status's own.
void cab_rpc_result_set (cab_rpc_result_t *result, cab_status_t status, const char *message,
                         const char *field, const char *code);

//  A request envelope for method, borrowing the strings; request packed
//  into *payload_p (malloc; free after the last send). The caller sets
//  deadline_unix_ms per attempt. Returns 0, or -1 when out of memory.
int cab_rpc_envelope_init (Cabinet__V1__RpcRequest *envelope, const char *request_id,
                           const char *method, const ProtobufCMessage *request,
                           const cab_call_opts_t *opts, uint8_t **payload_p);

//  envelope packed (malloc, *size_p bytes), or NULL when out of memory.
uint8_t *cab_rpc_envelope_pack (const Cabinet__V1__RpcRequest *envelope, size_t *size_p);

//  Receive one reply message from a DEALER socket (flags: 0 or
//  ZMQ_DONTWAIT). Returns 1 with *reply_p (NULL when it does not unpack;
//  free with cabinet__v1__rpc_reply__free_unpacked), 0 when none is
//  waiting, -1 on error.
int cab_rpc_reply_recv (void *socket, int flags, Cabinet__V1__RpcReply **reply_p);

//  Read a reply envelope into result and, when it is CAB_OK, its payload
//  into *reply_p as reply_desc with alloc. Returns result->status.
cab_status_t cab_rpc_reply_take (const Cabinet__V1__RpcReply *reply, const char *method,
                                 const ProtobufCMessageDescriptor *reply_desc,
                                 ProtobufCAllocator *alloc, ProtobufCMessage **reply_p,
                                 cab_rpc_result_t *result);

#endif
