/*  gw_http - the gateway's HTTP server: one thread per CPU, each with its
    own libmicrohttpd daemon and its own RPC client in one poll loop, and a
    pool of threads for the calls that block (routes' own handlers, the end
    of an upload). Turns each request into a gw_request_t for gw_api, sends
    the gw_reply_t back with the headers every response carries, and writes
    the access log and the request metrics.  */
#ifndef GW_HTTP_H
#define GW_HTTP_H
#include "request.h"

#define GW_HTTP_CONNECTIONS 1024  //  open connections besides live streams

typedef struct {
    const char *addr;     //  IPv4 or IPv6 literal to listen on
    int port;             //  0: any free port (see gw_http_port)
    int threads;          //  threads for the calls that block (calls.h), >= 1
    size_t streams;       //  live streams at most, on top of the other connections
    const gw_env_t *env;  //  borrowed; must outlive the server
    void *zmq_ctx;        //  for the HTTP threads' RPC sockets
} gw_http_opts_t;

typedef struct _gw_http_t gw_http_t;

//  Listen and start serving. Returns NULL on failure (logged).
gw_http_t *gw_http_new (const gw_http_opts_t *opts);

//  Stop accepting, finish the requests in flight, free; nulls *self_p.
//  NULL-safe.
void gw_http_destroy (gw_http_t **self_p);

//  The port actually bound.
int gw_http_port (const gw_http_t *self);

//  Suspend a connection from within its live body's pull (gw_pull_fn):
//  it is not served again until gw_http_wake. conn is the pull's argument.
void gw_http_park (void *conn);

//  Resume a parked connection, from any thread; exactly once per park.
void gw_http_wake (void *conn);

#endif
