/*  gw_http - the HTTP server: one thread per CPU (the HTTP threads), each
    running its own libmicrohttpd daemon in "external" epoll mode on the
    one port (SO_REUSEPORT spreads the connections), and a pool of call
    threads (calls.h; CABINET_HTTP_THREADS of them) for what blocks.

    An HTTP thread polls, in one zmq_poll, libmicrohttpd's epoll set, its
    own eventfd and the DEALER sockets of its own asynchronous RPC client
    (cab_rpc_async). A request of the generic route, once read and checked
    (gw_api_prepare), sends its RPC from the HTTP thread (gw_api_send) and
    suspends its connection; the reply comes to the same thread, which
    writes the answer and resumes the connection, and libmicrohttpd then
    calls the access handler once more, which sends it. No other thread
    takes part: per request, the HTTP thread wakes for the request and for
    the reply, and ZeroMQ's I/O thread for each of their ways.  An HTTP
    thread has at most CABINET_HTTP_THREADS RPCs under way; past that,
    requests wait in order for one to end (s_send_call).

    What blocks goes to the call threads: a route's own handler (several
    RPCs, a file), the end of an upload (its analysis), and a session the
    gateway has no verdict for in its cache, which is asked of identity as
    soon as the headers are in (libmicrohttpd then repeats the first call).
    A connection resumed from another thread (a call thread, a live
    stream's producer) needs its HTTP thread to run libmicrohttpd: the
    eventfd wakes it (s_resume). Static files, refusals and cached answers
    are sent at once, on the HTTP thread; an upload's pieces, and a
    download's blocks, are passed on from there too.

    libmicrohttpd calls the access handler several times per request:
    first with the headers only, then once per piece of body, then a last
    time with no data. The first call decides everything it can (gw_api_begin),
    and a reply decided then is sent at once without reading the body;
    libmicrohttpd then closes the connection. A reply cannot be queued while
    the body is still arriving, so a chunked body that grows past the limit
    is read and dropped up to DISCARD_FACTOR times the limit, answered 413
    at its end, or cut off by closing the connection when it keeps coming.

    Routes with a sink (uploads) get their body streamed instead: each
    piece goes to the sink as it arrives, nothing is kept here, and the
    route's own limit replaces CABINET_MAX_BODY_BYTES. A reply the sink
    decides midway (a refusal) is sent once the rest has been dropped.

    A reply may also be produced while it is sent (gw_reply_stream,
    downloads): libmicrohttpd asks for each block when the socket has room.

    Live replies (gw_reply_live, the Server-Sent Events of stream.c) have
    no end known in advance and go out chunked. When one has nothing to
    send, its producer suspends the connection (gw_http_park) and returns
    0, so the connection holds no thread and costs no polling until the
    producer resumes it (gw_http_wake): thousands of open streams need no
    thread of their own. A suspended connection is not
    timed out, and a client gone meanwhile is noticed at the next write
    (the streams' pings come often enough). libmicrohttpd must not be
    stopped with a connection suspended: main ends every stream first
    (gw_hub_close).  */
#include "http.h"
#include "api.h"
#include "auth.h"
#include "cab_log.h"
#include "cab_time.h"
#include "cab_utf8.h"
#include "cab_uuid.h"
#include "calls.h"
#include "routes.h"
#include <arpa/inet.h>
#include <ctype.h>
#include <microhttpd.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>
#include <zmq.h>

#define CONNECTION_TIMEOUT_S 30        //  idle connections are closed after this
#define CONNECTION_MEMORY (64 * 1024)  //  per connection, for headers and body pieces
#define DISCARD_FACTOR 4               //  see the banner
#define BODY_INITIAL 4096              //  first body buffer; doubles as needed
#define STREAM_BLOCK (64 * 1024)       //  block size of bodies produced while sent
#define LIVE_BLOCK 1024                //  the same for live bodies, mostly idle
#define LOG_PATH_MAX 256               //  longest path written to the access log
#define LABELS_MAX 192
#define HTTP_BAD_REQUEST 400
#define HTTP_SERVER_ERROR 500
#define NS_PER_S 1e9
#define LOOPS_MAX 16          //  HTTP threads at most
#define POLL_SERVICES_MAX 16  //  services one HTTP thread calls

//  The web UI loads nothing from elsewhere and is never framed.
static const char s_csp_web[] = "default-src 'self'; img-src 'self' data:; object-src 'none'; "
                                "base-uri 'none'; form-action 'self'; frame-ancestors 'none'";
//  JSON is not a page: nothing may run or load in its name.
static const char s_csp_api[] = "default-src 'none'; frame-ancestors 'none'";
static const char s_stopping_message[] = "Máy chủ đang dừng, vui lòng thử lại sau giây lát";

typedef struct s_exchange s_exchange_t;

//  One HTTP thread: its own libmicrohttpd daemon on the shared port, and
//  its own RPC client, polled together.
typedef struct {
    gw_http_t *server;
    struct MHD_Daemon *daemon;
    cab_rpc_async_t *rpc;
    int wake_fd;  //  eventfd: stop
    atomic_bool stopping;
    int in_flight;          //  RPCs sent and not ended
    int flight_max;         //  its share of CABINET_HTTP_THREADS
    s_exchange_t *waiting;  //  requests waiting for one of those to end, oldest first
    s_exchange_t *waiting_tail;
    bool running;
    pthread_t thread;
} s_loop_t;

struct _gw_http_t {
    s_loop_t loops[LOOPS_MAX];
    int n_loops;
    gw_calls_t *calls;
    const gw_env_t *env;
    int port;
};

//  One request from first header to last byte sent.
struct s_exchange {
    gw_http_t *server;
    s_loop_t *loop;  //  the HTTP thread serving it
    struct MHD_Connection *conn;
    gw_request_t req;
    gw_reply_t reply;
    char *body;  //  what has arrived of the body
    size_t size;
    size_t cap;
    size_t discarded;  //  bytes dropped after the limit was passed
    bool too_large;
    bool is_static;         //  a web UI file, not the API
    const gw_sink_t *sink;  //  the route's sink, once opened
    void *sink_state;
    int sent_status;             //  status queued, 0 if none was
    bool called;                 //  the call threads have run the request's call, or its RPC ended
    s_exchange_t *next_waiting;  //  the next request waiting to send its RPC
    bool authenticated;          //  the call threads have asked identity for the session
    struct timespec start;
};

static double
s_seconds_since (const struct timespec *start)
{
    struct timespec now;
    clock_gettime (CLOCK_MONOTONIC, &now);
    return (double) (now.tv_sec - start->tv_sec)
           + (double) (now.tv_nsec - start->tv_nsec) / NS_PER_S;
}

static const char *
s_header (struct MHD_Connection *conn, const char *name)
{
    return MHD_lookup_connection_value (conn, MHD_HEADER_KIND, name);
}

//  X-Request-Id from the client is kept when it is short and plain, so a
//  request can be followed through a proxy; otherwise a new UUIDv7.
static void
s_request_id (s_exchange_t *ex, const char *given)
{
    size_t n = 0;
    if (given)
        while (given[n] && n <= GW_REQUEST_ID_MAX
               && (isalnum ((unsigned char) given[n]) || strchr ("-_.", given[n])))
            n++;
    if (given && n > 0 && n <= GW_REQUEST_ID_MAX && given[n] == '\0')
        memcpy (ex->req.request_id, given, n + 1);
    else
        cab_uuid_v7 (ex->req.request_id);
}

static void
s_peer_address (s_exchange_t *ex, struct MHD_Connection *conn)
{
    const union MHD_ConnectionInfo *info =
        MHD_get_connection_info (conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    const struct sockaddr *sa = info ? info->client_addr : NULL;
    char *out = ex->req.ip;
    out[0] = '\0';
    if (sa && sa->sa_family == AF_INET)
        inet_ntop (AF_INET, &((const struct sockaddr_in *) (const void *) sa)->sin_addr, out,
                   GW_IP_MAX);
    else if (sa && sa->sa_family == AF_INET6)
        inet_ntop (AF_INET6, &((const struct sockaddr_in6 *) (const void *) sa)->sin6_addr, out,
                   GW_IP_MAX);
}

static enum MHD_Result
s_collect_query (void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
    (void) kind;
    gw_request_t *req = cls;
    if (req->query_count >= GW_MAX_QUERY_PARAMS)
        return MHD_NO;
    gw_param_t *param = &req->query[req->query_count++];
    param->name = key;
    param->name_len = strlen (key);
    param->value = value ? value : "";
    param->value_len = strlen (param->value);
    return MHD_YES;
}

static s_exchange_t *
s_exchange_new (s_loop_t *loop, struct MHD_Connection *conn, const char *url, const char *method)
{
    gw_http_t *self = loop->server;
    s_exchange_t *ex = calloc (1, sizeof *ex);
    if (!ex)
        return NULL;
    ex->req.arena = cab_arena_new ();
    if (!ex->req.arena) {
        free (ex);
        return NULL;
    }
    clock_gettime (CLOCK_MONOTONIC, &ex->start);
    ex->server = self;
    ex->loop = loop;
    ex->conn = conn;
    gw_reply_init (&ex->reply);
    gw_request_t *req = &ex->req;
    req->env = self->env;
    req->verb = method;
    req->path = url;
    req->authorization = s_header (conn, MHD_HTTP_HEADER_AUTHORIZATION);
    req->cookie_session = MHD_lookup_connection_value (conn, MHD_COOKIE_KIND, GW_SESSION_COOKIE);
    req->csrf_header = s_header (conn, "X-CSRF-Token");
    req->idempotency_key = s_header (conn, "Idempotency-Key");
    req->user_agent = s_header (conn, MHD_HTTP_HEADER_USER_AGENT);
    req->content_type = s_header (conn, MHD_HTTP_HEADER_CONTENT_TYPE);
    req->if_none_match = s_header (conn, MHD_HTTP_HEADER_IF_NONE_MATCH);
    req->if_modified_since = s_header (conn, MHD_HTTP_HEADER_IF_MODIFIED_SINCE);
    req->last_event_id = s_header (conn, "Last-Event-ID");
    //  libmicrohttpd has already refused a malformed Content-Length.
    const char *length = s_header (conn, MHD_HTTP_HEADER_CONTENT_LENGTH);
    req->content_length = length ? strtoll (length, NULL, 10) : -1;
    req->has_body =
        req->content_length > 0 || s_header (conn, MHD_HTTP_HEADER_TRANSFER_ENCODING) != NULL;
    s_peer_address (ex, conn);
    s_request_id (ex, s_header (conn, "X-Request-Id"));

    int count = MHD_get_connection_values (conn, MHD_GET_ARGUMENT_KIND, NULL, NULL);
    if (count > GW_MAX_QUERY_PARAMS)
        gw_reply_error (&ex->reply, HTTP_BAD_REQUEST, "invalid_argument",
                        "Quá nhiều tham số trên địa chỉ", NULL);
    else if (count > 0) {
        req->query = cab_arena_alloc (req->arena, sizeof (gw_param_t) * (size_t) count);
        MHD_get_connection_values (conn, MHD_GET_ARGUMENT_KIND, s_collect_query, req);
    }
    return ex;
}

static void
s_exchange_destroy (s_exchange_t **ex_p)
{
    s_exchange_t *ex = *ex_p;
    if (!ex)
        return;
    if (ex->sink)
        ex->sink->close (ex->sink_state);
    gw_reply_reset (&ex->reply);
    cab_arena_destroy (&ex->req.arena);
    free (ex->body);
    free (ex);
    *ex_p = NULL;
}

//  true if the reply already has a header of that name.
static bool
s_reply_has (const gw_reply_t *reply, const char *name)
{
    for (int i = 0; i < reply->header_count; i++)
        if (strcasecmp (reply->headers[i].name, name) == 0)
            return true;
    return false;
}

//  libmicrohttpd asks for the next block of a body produced while sent.
//  The reply (and so the reader's state) lives until the request is
//  completed, which comes after the response has been sent or abandoned.
static ssize_t
s_read (void *cls, uint64_t pos, char *buf, size_t max)
{
    gw_reply_t *reply = cls;
    if (pos >= reply->reader_size)
        return MHD_CONTENT_READER_END_OF_STREAM;
    long n = reply->reader (reply->reader_state, pos, buf, max);
    return n > 0 ? (ssize_t) n : MHD_CONTENT_READER_END_WITH_ERROR;
}

//  The next bytes of a live body: 0 means the producer has parked the
//  connection, which is resumed when there is more.
static ssize_t
s_pull (void *cls, uint64_t pos, char *buf, size_t max)
{
    (void) pos;
    s_exchange_t *ex = cls;
    long n = ex->reply.pull (ex->reply.reader_state, ex, buf, max);
    return n >= 0 ? (ssize_t) n : MHD_CONTENT_READER_END_OF_STREAM;
}

//  Resume a suspended connection from another thread than its own: the
//  HTTP thread must then run libmicrohttpd, which it learns from its
//  eventfd.
static void
s_resume (s_exchange_t *ex)
{
    MHD_resume_connection (ex->conn);
    uint64_t one = 1;
    if (write (ex->loop->wake_fd, &one, sizeof one) < 0)
        cab_warn ("cannot wake the HTTP thread of %s", ex->req.request_id);
}

void
gw_http_park (void *token)
{
    s_exchange_t *ex = token;
    MHD_suspend_connection (ex->conn);
}

void
gw_http_wake (void *token)
{
    s_resume (token);
}

static enum MHD_Result
s_send (s_exchange_t *ex, struct MHD_Connection *conn)
{
    gw_reply_t *reply = &ex->reply;
    struct MHD_Response *response;
    if (reply->pull) {
        response =
            MHD_create_response_from_callback (MHD_SIZE_UNKNOWN, LIVE_BLOCK, s_pull, ex, NULL);
    } else if (reply->reader) {
        response = MHD_create_response_from_callback (reply->reader_size, STREAM_BLOCK, s_read,
                                                      reply, NULL);
    } else if (reply->fd >= 0) {
        response = MHD_create_response_from_fd64 (reply->fd_size, reply->fd);
        if (response)
            reply->fd = -1;  //  the response closes it
    } else {
        response =
            MHD_create_response_from_buffer (reply->size, reply->body, MHD_RESPMEM_MUST_FREE);
        if (response)
            reply->body = NULL;  //  the response frees it
    }
    if (!response) {
        cab_error ("cannot create a response for %s %s", ex->req.verb, ex->req.path);
        return MHD_NO;
    }
    MHD_add_response_header (response, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header (response, "Referrer-Policy", "no-referrer");
    MHD_add_response_header (response, "X-Frame-Options", "DENY");
    MHD_add_response_header (response, "Content-Security-Policy",
                             ex->is_static ? s_csp_web : s_csp_api);
    MHD_add_response_header (response, "X-Request-Id", ex->req.request_id);
    if (!s_reply_has (reply, MHD_HTTP_HEADER_CACHE_CONTROL))
        MHD_add_response_header (response, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
    if (reply->content_type)
        MHD_add_response_header (response, MHD_HTTP_HEADER_CONTENT_TYPE, reply->content_type);
    for (int i = 0; i < reply->header_count; i++)
        MHD_add_response_header (response, reply->headers[i].name, reply->headers[i].value);
    enum MHD_Result queued = MHD_queue_response (conn, (unsigned) reply->status, response);
    MHD_destroy_response (response);
    if (queued == MHD_YES)
        ex->sent_status = reply->status;
    return queued;
}

//  Keep the body, or count it as dropped once it has passed the limit.
//  Returns false when the connection should be closed.
static bool
s_take_body (s_exchange_t *ex, const char *data, size_t n)
{
    size_t max = ex->server->env->max_body;
    if (!ex->too_large && n > max - ex->size) {
        ex->too_large = true;
        free (ex->body);
        ex->body = NULL;
        ex->size = ex->cap = 0;
    }
    if (ex->too_large) {
        ex->discarded += n;
        return ex->discarded / DISCARD_FACTOR <= max;
    }
    if (ex->size + n > ex->cap) {
        size_t cap = ex->cap ? ex->cap : BODY_INITIAL;
        while (cap < ex->size + n)
            cap *= 2;
        if (cap > max)
            cap = max;
        char *body = realloc (ex->body, cap);
        if (!body)
            return false;
        ex->body = body;
        ex->cap = cap;
    }
    memcpy (ex->body + ex->size, data, n);
    ex->size += n;
    return true;
}

//  A piece of a streamed body: to the sink, or dropped once a reply is
//  decided. Returns false when the connection should be closed.
static bool
s_stream_body (s_exchange_t *ex, const char *data, size_t n)
{
    if (!gw_reply_decided (&ex->reply) && ex->sink->feed (ex->sink_state, data, n, &ex->reply) == 0)
        return true;
    ex->discarded += n;
    return ex->discarded <= ex->sink->limit (&ex->req);
}

//  What a complete request still needs from its services on a call
//  thread: a route's own handler, or the end of a streamed body (an
//  upload's analysis, which may take seconds).
static void
s_finish (s_exchange_t *ex)
{
    if (ex->sink)
        ex->sink->finish (ex->sink_state, &ex->reply);
    else
        gw_api_call (&ex->req, &ex->reply);
}

//  On a call thread: s_finish, then back to libmicrohttpd.
static void
s_run_call (void *arg)
{
    s_exchange_t *ex = arg;
    s_finish (ex);
    ex->called = true;
    s_resume (ex);
}

//  Send the reply of a request that has been handled to the end.
static enum MHD_Result
s_send_finished (s_exchange_t *ex, struct MHD_Connection *conn)
{
    if (ex->reply.pull) {
        //  A live reply may last hours and keeps copies of what it needs:
        //  what the request's handling put in the arena goes now (only the
        //  access log reads the request later, and not from the arena).
        cab_arena_destroy (&ex->req.arena);
        ex->req.query = NULL;
        ex->req.query_count = 0;
        ex->req.caller = NULL;
    }
    return s_send (ex, conn);
}

//  Suspend the connection and queue run (ex) for the call threads, which
//  resume it. false when they are stopping: the connection runs on, and the
//  caller does the work here.
static bool
s_queue (gw_http_t *self, s_exchange_t *ex, struct MHD_Connection *conn, void (*run) (void *))
{
    ex->req.queued_ms = cab_clock_ms ();
    MHD_suspend_connection (conn);
    if (gw_calls_push (self->calls, run, ex))
        return true;
    MHD_resume_connection (conn);
    return false;
}

//  Hand the request over to the call threads; when they are stopping,
//  finish and answer it here.
static enum MHD_Result
s_hand_over (gw_http_t *self, s_exchange_t *ex, struct MHD_Connection *conn)
{
    if (s_queue (self, ex, conn, s_run_call))
        return MHD_YES;
    ex->req.queued_ms = 0;
    s_finish (ex);
    return s_send_finished (ex, conn);
}

//  Send the RPC of ex, whose connection is suspended; when it cannot be
//  sent, its reply is decided and the connection resumed.
static void s_send_now (s_exchange_t *ex);

//  gw_api_done_fn, on the request's HTTP thread: its RPC has ended, which
//  lets the oldest request waiting for a place send its own.
static void
s_sent_ended (void *arg)
{
    s_exchange_t *ex = arg;
    s_loop_t *loop = ex->loop;
    ex->called = true;
    MHD_resume_connection (ex->conn);
    loop->in_flight--;
    while (loop->waiting && loop->in_flight < loop->flight_max) {
        s_exchange_t *next = loop->waiting;
        loop->waiting = next->next_waiting;
        if (!loop->waiting)
            loop->waiting_tail = NULL;
        s_send_now (next);
    }
}

static void
s_send_now (s_exchange_t *ex)
{
    s_loop_t *loop = ex->loop;
    if (gw_api_send (&ex->req, &ex->reply, loop->rpc, s_sent_ended, ex)) {
        loop->in_flight++;
        return;
    }
    ex->called = true;
    MHD_resume_connection (ex->conn);
}

//  Send the generic route's RPC from this thread and suspend the
//  connection until it ends. At most flight_max RPCs of one HTTP thread
//  are under way at once (the services' workers are few; the time a
//  request waits here counts against its timeout); the others wait, in
//  order. When it cannot be sent, or the server is stopping, answer at
//  once.
static enum MHD_Result
s_send_call (s_exchange_t *ex, struct MHD_Connection *conn)
{
    s_loop_t *loop = ex->loop;
    if (atomic_load (&loop->stopping)) {
        cab_rpc_result_t result;
        cab_rpc_result_set (&result, CAB_UNAVAILABLE, s_stopping_message, NULL, NULL);
        gw_reply_rpc_error (&ex->reply, &result);
        ex->req.pending = NULL;
        return s_send_finished (ex, conn);
    }
    if (loop->in_flight >= loop->flight_max) {
        ex->req.queued_ms = cab_clock_ms ();
        ex->next_waiting = NULL;
        if (loop->waiting_tail)
            loop->waiting_tail->next_waiting = ex;
        else
            loop->waiting = ex;
        loop->waiting_tail = ex;
        MHD_suspend_connection (conn);
        return MHD_YES;
    }
    if (!gw_api_send (&ex->req, &ex->reply, loop->rpc, s_sent_ended, ex))
        return s_send_finished (ex, conn);
    loop->in_flight++;
    MHD_suspend_connection (conn);
    return MHD_YES;
}

//  The end of the first call, the caller known: open the route's sink.
static enum MHD_Result
s_headers_done (s_exchange_t *ex, struct MHD_Connection *conn)
{
    const gw_route_t *route = ex->req.route;
    if (route && route->sink && !gw_reply_decided (&ex->reply)) {
        ex->sink_state = route->sink->open (&ex->req, &ex->reply);
        if (ex->sink_state)
            ex->sink = route->sink;
    }
    //  A reply queued now is "early" to libmicrohttpd, which then closes
    //  the connection. Only worth it when a body would follow: without
    //  one, the next call comes at once and the connection stays open.
    if (gw_reply_decided (&ex->reply) && ex->req.has_body)
        return s_send (ex, conn);
    return MHD_YES;
}

//  Ask identity for the session, counting the wait for a call thread.
static void
s_authenticate (s_exchange_t *ex)
{
    ex->req.waited_ms += cab_clock_ms () - ex->req.queued_ms;
    ex->req.queued_ms = 0;
    gw_api_authenticate (&ex->req, &ex->reply);
}

//  On a call thread: s_authenticate, then back to libmicrohttpd, which
//  repeats the first call of a connection suspended in it.
static void
s_run_authentication (void *arg)
{
    s_exchange_t *ex = arg;
    s_authenticate (ex);
    ex->authenticated = true;
    s_resume (ex);
}

//  A session not in the cache: identity is asked on the call threads, so
//  that no other connection of this HTTP thread waits for it.
static enum MHD_Result
s_hand_over_authentication (gw_http_t *self, s_exchange_t *ex, struct MHD_Connection *conn)
{
    if (s_queue (self, ex, conn, s_run_authentication))
        return MHD_YES;
    s_authenticate (ex);
    return s_headers_done (ex, conn);
}

static enum MHD_Result
s_on_request (void *cls, struct MHD_Connection *conn, const char *url, const char *method,
              const char *version, const char *upload, size_t *upload_size, void **con_cls)
{
    (void) version;
    s_loop_t *loop = cls;
    gw_http_t *self = loop->server;
    s_exchange_t *ex = *con_cls;
    if (!ex) {
        ex = s_exchange_new (loop, conn, url, method);
        if (!ex)
            return MHD_NO;
        *con_cls = ex;
        if (!gw_reply_decided (&ex->reply)) {
            gw_api_begin (&ex->req, &ex->reply);
            ex->is_static = !ex->req.route && !gw_api_path (ex->req.path);
        }
        if (ex->req.must_ask)
            return s_hand_over_authentication (self, ex, conn);
        return s_headers_done (ex, conn);
    }
    if (ex->authenticated) {  //  back from the call threads: the first call again
        ex->authenticated = false;
        return s_headers_done (ex, conn);
    }
    if (*upload_size && ex->sink) {
        bool keep = s_stream_body (ex, upload, *upload_size);
        *upload_size = 0;
        if (!keep)
            cab_warn ("closing connection %s: body far beyond the limit", ex->req.request_id);
        return keep ? MHD_YES : MHD_NO;
    }
    if (*upload_size) {
        bool keep = s_take_body (ex, upload, *upload_size);
        *upload_size = 0;
        if (!keep)
            cab_warn ("closing connection %s: body far beyond the limit", ex->req.request_id);
        return keep ? MHD_YES : MHD_NO;
    }
    //  The request is complete; a reply decided with the headers stands.
    if (ex->called)  //  back from the call threads, or its RPC ended
        return s_send_finished (ex, conn);
    if (ex->sink)
        return gw_reply_decided (&ex->reply) ? s_send (ex, conn) : s_hand_over (self, ex, conn);
    if (ex->too_large && !gw_reply_decided (&ex->reply))
        gw_api_too_large (&ex->req, &ex->reply);
    ex->req.body = ex->body;
    ex->req.body_size = ex->size;
    if (!gw_api_prepare (&ex->req, &ex->reply))
        return s_send_finished (ex, conn);
    if (gw_api_sends (&ex->req))
        return s_send_call (ex, conn);
    return s_hand_over (self, ex, conn);
}

//  A label value for a verb: the known ones, so strange verbs cannot grow
//  the metrics without bound.
static const char *
s_verb_label (const char *verb)
{
    static const char *const known[] = {"GET",   "HEAD",   "POST",    "PUT",
                                        "PATCH", "DELETE", "OPTIONS", NULL};
    for (int i = 0; known[i]; i++)
        if (strcmp (verb, known[i]) == 0)
            return known[i];
    return "other";
}

static void
s_on_completed (void *cls, struct MHD_Connection *conn, void **con_cls,
                enum MHD_RequestTerminationCode toe)
{
    (void) cls;
    (void) conn;
    s_exchange_t *ex = *con_cls;
    if (!ex)
        return;
    double seconds = s_seconds_since (&ex->start);
    const gw_request_t *req = &ex->req;
    const char *verb = s_verb_label (req->verb);
    const char *route = req->route ? req->route->pattern : ex->is_static ? "static" : "unmatched";
    char labels[LABELS_MAX];
    cab_metrics_t *metrics = ex->server->env->metrics;
    snprintf (labels, sizeof labels, "method=\"%s\",route=\"%s\",status=\"%d\"", verb, route,
              ex->sent_status);
    cab_metrics_add (metrics, "cabinet_gateway_http_requests_total", labels,
                     "HTTP requests by route and status (0: no response was sent)", 1);
    snprintf (labels, sizeof labels, "method=\"%s\",route=\"%s\"", verb, route);
    cab_metrics_observe (metrics, "cabinet_gateway_http_request_duration_seconds", labels,
                         "HTTP request latency, first header to last byte", seconds);

    //  The path as sent may hold anything; the log line gets a tame copy.
    char path[LOG_PATH_MAX];
    size_t n = 0;
    bool utf8 = cab_utf8_valid (req->path, strlen (req->path));
    for (; req->path[n] && n < sizeof path - 1; n++) {
        unsigned char c = (unsigned char) req->path[n];
        bool tame = c >= 0x20 && c != 0x7F && c != '"' && c != '\\' && (utf8 || c < 0x80);
        path[n] = tame ? (char) c : '?';
    }
    while (n > 0 && ((unsigned char) req->path[n] & 0xC0) == 0x80)
        n--;  //  cut before a character, not inside one
    path[n] = '\0';
    cab_info ("http %s %s %d %.1fms id=%s%s%s%s", req->verb, path, ex->sent_status,
              seconds * 1000.0, req->request_id, ex->reply.error_code[0] ? " code=" : "",
              ex->reply.error_code,
              toe == MHD_REQUEST_TERMINATED_COMPLETED_OK ? "" : " (connection closed early)");
    s_exchange_destroy (&ex);
    *con_cls = NULL;
}

__attribute__ ((format (printf, 2, 0))) static void
s_on_mhd_log (void *cls, const char *fmt, va_list ap)
{
    (void) cls;
    char line[512];
    vsnprintf (line, sizeof line, fmt, ap);
    size_t n = strlen (line);
    while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
        line[--n] = '\0';
    cab_warn ("http server: %s", line);
}

//  An HTTP thread: libmicrohttpd's sockets (through its epoll set), the
//  stop signal and the services' sockets in one poll, then whatever is
//  ready: the RPCs' replies first (each resumes its connection), then
//  libmicrohttpd, which sends those replies and reads new requests. Once
//  stopping, it runs until no RPC of its own is left.
static void *
s_loop_run (void *arg)
{
    s_loop_t *loop = arg;
    const union MHD_DaemonInfo *info = MHD_get_daemon_info (loop->daemon, MHD_DAEMON_INFO_EPOLL_FD);
    int epoll_fd = info ? info->epoll_fd : -1;
    zmq_pollitem_t items[2 + POLL_SERVICES_MAX];
    while (!atomic_load (&loop->stopping) || cab_rpc_async_pending (loop->rpc) > 0
           || loop->waiting) {
        items[0] = (zmq_pollitem_t){.fd = epoll_fd, .events = ZMQ_POLLIN};
        items[1] = (zmq_pollitem_t){.fd = loop->wake_fd, .events = ZMQ_POLLIN};
        size_t n = 2 + cab_rpc_async_items (loop->rpc, items + 2, POLL_SERVICES_MAX);
        long timeout = cab_rpc_async_timeout (loop->rpc);
        MHD_UNSIGNED_LONG_LONG mhd_ms = 0;
        if (MHD_get_timeout (loop->daemon, &mhd_ms) == MHD_YES
            && (timeout < 0 || mhd_ms < (MHD_UNSIGNED_LONG_LONG) timeout))
            timeout = (long) mhd_ms;
        if (zmq_poll (items, (int) n, timeout) < 0 && zmq_errno () != EINTR) {
            cab_error ("HTTP thread cannot poll: %s", zmq_strerror (zmq_errno ()));
            break;
        }
        uint64_t count;
        if (items[1].revents && read (loop->wake_fd, &count, sizeof count) < 0)
            cab_warn ("HTTP thread cannot read its eventfd");
        cab_rpc_async_dispatch (loop->rpc);
        MHD_run (loop->daemon);
    }
    return NULL;
}

//  Stop one HTTP thread and its daemon; NULL-safe parts.
static void
s_loop_stop (s_loop_t *loop)
{
    if (loop->running) {
        atomic_store (&loop->stopping, true);
        uint64_t one = 1;
        if (write (loop->wake_fd, &one, sizeof one) < 0)
            cab_warn ("cannot wake an HTTP thread to stop");
        pthread_join (loop->thread, NULL);
        loop->running = false;
    }
    if (loop->daemon)
        MHD_stop_daemon (loop->daemon);
    loop->daemon = NULL;
    cab_rpc_async_destroy (&loop->rpc);
    if (loop->wake_fd >= 0)
        close (loop->wake_fd);
    loop->wake_fd = -1;
}

//  The daemon of one HTTP thread, listening on addr (port 0: any; the
//  threads after the first share the first's port).
static struct MHD_Daemon *
s_daemon (s_loop_t *loop, unsigned flags, const struct sockaddr *addr, unsigned connections)
{
    return MHD_start_daemon (flags, 0, NULL, NULL, s_on_request, loop, MHD_OPTION_EXTERNAL_LOGGER,
                             s_on_mhd_log, loop, MHD_OPTION_SOCK_ADDR, addr,
                             MHD_OPTION_CONNECTION_LIMIT, connections,
                             MHD_OPTION_CONNECTION_TIMEOUT, (unsigned) CONNECTION_TIMEOUT_S,
                             MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t) CONNECTION_MEMORY,
                             MHD_OPTION_LISTENING_ADDRESS_REUSE, 1u, MHD_OPTION_NOTIFY_COMPLETED,
                             s_on_completed, loop, MHD_OPTION_END);
}

//  Start the index-th HTTP thread. Returns 0, or -1 (logged).
static int
s_loop_start (gw_http_t *self, int index, unsigned flags, const struct sockaddr *addr,
              unsigned connections, int flight_max, void *zmq_ctx)
{
    s_loop_t *loop = &self->loops[index];
    *loop = (s_loop_t){
        .server = self,
        .wake_fd = eventfd (0, EFD_NONBLOCK | EFD_CLOEXEC),
        .flight_max = flight_max,
    };
    atomic_init (&loop->stopping, false);
    loop->rpc = cab_rpc_async_new (zmq_ctx);
    if (loop->wake_fd < 0 || !loop->rpc) {
        cab_error ("cannot set up an HTTP thread");
        return -1;
    }
    loop->daemon = s_daemon (loop, flags, addr, connections);
    if (!loop->daemon)
        return -1;
    if (pthread_create (&loop->thread, NULL, s_loop_run, loop) != 0) {
        cab_error ("cannot start an HTTP thread");
        return -1;
    }
    loop->running = true;
    return 0;
}

gw_http_t *
gw_http_new (const gw_http_opts_t *opts)
{
    gw_http_t *self = calloc (1, sizeof *self);
    if (!self)
        return NULL;
    self->env = opts->env;

    struct sockaddr_in v4;
    struct sockaddr_in6 v6;
    memset (&v4, 0, sizeof v4);
    memset (&v6, 0, sizeof v6);
    struct sockaddr *addr;
    in_port_t *port;
    unsigned flags = MHD_USE_EPOLL | MHD_USE_ERROR_LOG | MHD_ALLOW_SUSPEND_RESUME;
    if (inet_pton (AF_INET, opts->addr, &v4.sin_addr) == 1) {
        v4.sin_family = AF_INET;
        port = &v4.sin_port;
        addr = (struct sockaddr *) &v4;
    } else if (inet_pton (AF_INET6, opts->addr, &v6.sin6_addr) == 1) {
        v6.sin6_family = AF_INET6;
        port = &v6.sin6_port;
        addr = (struct sockaddr *) &v6;
        flags |= MHD_USE_IPv6;
    } else {
        cab_error ("CABINET_HTTP_ADDR=%s is not an IP address", opts->addr);
        free (self);
        return NULL;
    }
    *port = htons ((uint16_t) opts->port);
    if (MHD_is_feature_supported (MHD_FEATURE_EPOLL) != MHD_YES) {
        cab_error ("libmicrohttpd was built without epoll");
        free (self);
        return NULL;
    }
    self->calls = gw_calls_new (opts->threads);
    if (!self->calls) {
        free (self);
        return NULL;
    }
    //  The HTTP threads never wait for a service: one per CPU serves.
    long cpus = sysconf (_SC_NPROCESSORS_ONLN);
    long loops = cpus < 1 ? 1 : cpus > LOOPS_MAX ? LOOPS_MAX : cpus;
    unsigned total = (unsigned) (GW_HTTP_CONNECTIONS + opts->streams);
    unsigned connections = (unsigned) ((total + (unsigned) loops - 1) / (unsigned) loops);
    //  CABINET_HTTP_THREADS also bounds the RPCs each HTTP thread has under
    //  way: not shared out, since connections are not spread evenly.
    int flight_max = opts->threads;
    for (; self->n_loops < loops; self->n_loops++) {
        if (s_loop_start (self, self->n_loops, flags, addr, connections, flight_max, opts->zmq_ctx)
            != 0) {
            self->n_loops++;
            cab_error ("cannot listen on %s:%d", opts->addr, opts->port);
            gw_http_destroy (&self);
            return NULL;
        }
        if (self->n_loops == 0) {
            const union MHD_DaemonInfo *info =
                MHD_get_daemon_info (self->loops[0].daemon, MHD_DAEMON_INFO_BIND_PORT);
            self->port = info ? info->port : opts->port;
            *port = htons ((uint16_t) self->port);
        }
    }
    return self;
}

void
gw_http_destroy (gw_http_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    gw_http_t *self = *self_p;
    //  The calls first: each resumes its connection, which libmicrohttpd
    //  must not be stopped with suspended; the HTTP threads still run and
    //  send their replies. A request read meanwhile runs its call on its
    //  HTTP thread. Then each HTTP thread ends its RPCs.
    gw_calls_destroy (&self->calls);
    for (int i = 0; i < self->n_loops; i++)
        s_loop_stop (&self->loops[i]);
    free (self);
    *self_p = NULL;
}

int
gw_http_port (const gw_http_t *self)
{
    return self->port;
}
