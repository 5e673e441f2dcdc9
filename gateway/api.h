/*  gw_api - what the gateway does with a request, in two steps that match
    how HTTP delivers it: once the headers are in (find the route, refuse
    what can be refused before reading a byte of body: unknown path, wrong
    verb, too large, wrong Content-Type, not signed in, CSRF), and once the
    body is in (parse it, build the request message, call the service,
    write the reply).  */
#ifndef GW_API_H
#define GW_API_H
#include "reply.h"
#include "request.h"
#include <stdbool.h>

//  Headers are in. Sets req->route, or serves a static file, or decides an
//  error; when reply is decided afterwards, it is sent without reading the
//  body.
void gw_api_begin (gw_request_t *req, gw_reply_t *reply);

//  When gw_api_begin leaves req->must_ask set, the session is not known
//  yet: this asks identity (it may block for as long as identity takes)
//  and decides an error in reply if it refuses. On any thread, once.
void gw_api_authenticate (gw_request_t *req, gw_reply_t *reply);

//  The body is in (req->body, req->body_size). Everything that needs no
//  service: the body and parameters read and checked, the answer cache.
//  Returns true when the request still needs its call; false when reply
//  is decided.
bool gw_api_prepare (gw_request_t *req, gw_reply_t *reply);

//  true when that call is the generic route's one RPC, sent with
//  gw_api_send; false when it is a route's own handler (gw_api_call).
bool gw_api_sends (const gw_request_t *req);

typedef void (gw_api_done_fn) (void *arg);

//  Send the generic route's RPC on rpc, which belongs to the calling
//  thread; when it ends, from cab_rpc_async_dispatch on that thread, reply
//  is filled and done (arg) called. Returns false, with reply decided and
//  done never called, when it cannot be sent.
bool gw_api_send (gw_request_t *req, gw_reply_t *reply, cab_rpc_async_t *rpc, gw_api_done_fn *done,
                  void *arg);

//  A route's own handler, which may block for as long as its services
//  take: fills reply. On any thread, once.
void gw_api_call (gw_request_t *req, gw_reply_t *reply);

//  true for paths of the JSON API (/api and below), which never fall back
//  to static files.
bool gw_api_path (const char *path);

//  true if a Content-Type header value names JSON in UTF-8
//  ("application/json", optionally with "; charset=utf-8").
bool gw_api_json_type (const char *content_type);

//  true for the types command-line clients send by default (none, or
//  application/x-www-form-urlencoded from `curl -d`): the body is taken as
//  JSON if it is a JSON object, else refused with 415. Safe because writes
//  authenticated by cookie also need the X-CSRF-Token header.
bool gw_api_maybe_json_type (const char *content_type);

//  Reply for a request body larger than the limit (413).
void gw_api_too_large (gw_request_t *req, gw_reply_t *reply);

#endif
