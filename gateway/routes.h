/*  gw_routes - the gateway's one route table: every HTTP route it serves,
    with the RPC method it becomes, the messages on both sides, who may call
    it, the success status, and hooks for the few routes that need more than
    the generic JSON <-> protobuf mapping. Matching a request to a route and
    binding path and query parameters onto the request message live here too.  */
#ifndef GW_ROUTES_H
#define GW_ROUTES_H
#include "cab_pbjson.h"
#include "reply.h"
#include "request.h"
#include <jansson.h>
#include <protobuf-c/protobuf-c.h>
#include <stdbool.h>
#include <stdint.h>

typedef enum {
    GW_AUTH_ANONYMOUS,        //  no session needed
    GW_AUTH_SESSION,          //  a session whose password need not change
    GW_AUTH_PASSWORD_CHANGE,  //  a session, even one that must change its password first
} gw_auth_t;

//  Before the RPC: adjust the request message msg (e.g. from the
//  connection); body is the parsed JSON body or NULL. Returns 0, or -1
//  after writing an error into reply.
typedef int (*gw_before_fn) (gw_request_t *req, ProtobufCMessage *msg, const json_t *body,
                             gw_reply_t *reply);

//  After a successful RPC, before the reply message is written out: may
//  change msg and add headers to reply (cookies).
typedef void (*gw_after_fn) (gw_request_t *req, ProtobufCMessage *msg, gw_reply_t *reply);

//  A route that is not one RPC call (health, metrics, documents): fills reply.
typedef void (*gw_handler_fn) (gw_request_t *req, gw_reply_t *reply);

//  A route whose body is streamed to a sink instead of being read whole
//  (uploads). http.c calls open once the headers are in and the caller is
//  authenticated, feed with each piece of the body, finish when it is
//  complete, and close always, last, also when the connection broke.
typedef struct {
    //  Returns the sink's state, or NULL after writing a reply (a refusal).
    void *(*open) (gw_request_t *req, gw_reply_t *reply);
    //  Returns 0, or -1 after writing a reply: the rest of the body is then
    //  read and dropped (or the connection closed when it is too long).
    int (*feed) (void *state, const char *data, size_t size, gw_reply_t *reply);
    //  The body is complete: write the reply.
    void (*finish) (void *state, gw_reply_t *reply);
    //  Free the state; undo what was begun and not finished.
    void (*close) (void *state);
    //  Longest body the sink takes, bytes (the route's own limit).
    uint64_t (*limit) (const gw_request_t *req);
} gw_sink_t;

struct _gw_route_t {
    const char *verb;                           //  "GET"; NULL ends the table
    const char *pattern;                        //  "/api/v1/users/{id}"
    const char *method;                         //  "identity.GetUser"; NULL with handler
    const ProtobufCMessageDescriptor *request;  //  built from body, path and query (a sink's:
                                                //  the path parameters' message)
    const ProtobufCMessageDescriptor *reply;    //  written out as the JSON body
    gw_auth_t auth;
    int status;             //  on success: 200, 201 or 204
    gw_before_fn before;    //  may be NULL
    gw_after_fn after;      //  may be NULL
    gw_handler_fn handler;  //  instead of an RPC; may be NULL
    bool cached;            //  GET answers may be served from the answer cache (cache.h)
    const gw_sink_t *sink;  //  the body goes to this sink instead of being read whole; may be NULL
};

//  The table, ending with a NULL verb. More specific patterns come first.
extern const gw_route_t gw_routes[];

typedef enum {
    GW_MATCH_FOUND,     //  verb and path match a route
    GW_MATCH_NO_PATH,   //  no route has this path: 404
    GW_MATCH_BAD_VERB,  //  the path exists with other verbs: 405
} gw_match_t;

//  Find the route for verb and path. On GW_MATCH_FOUND, *route_p is set and
//  params[0..*count_p) hold the path parameters (pointing into the pattern
//  and path). On GW_MATCH_BAD_VERB, allow (cap bytes, may be NULL) receives
//  the path's verbs for an Allow header ("GET, PATCH").
gw_match_t gw_route_match (const char *verb, const char *path, const gw_route_t **route_p,
                           gw_param_t params[GW_MAX_PATH_PARAMS], int *count_p, char *allow,
                           size_t cap);

//  true for the verbs that change state (POST, PUT, PATCH, DELETE).
bool gw_verb_is_write (const char *verb);

//  true if the route reads its input from a JSON body (POST, PUT, PATCH);
//  the others take query parameters instead.
bool gw_route_takes_body (const gw_route_t *route);

//  The path parameter called name, copied into the request's arena; NULL
//  when the route has none.
char *gw_route_param (const gw_request_t *req, const char *name);

typedef enum {
    GW_BIND_OK,
    GW_BIND_INVALID,   //  unknown parameter or bad value: 400 invalid_argument
    GW_BIND_ENCODING,  //  a value is not valid UTF-8: 400 invalid_encoding
} gw_bind_t;

//  Set the request's query parameters (for routes without a body; a route
//  with a body refuses any) and then its path parameters on msg, each
//  through cab_pbjson_set; a query parameter may not name a path parameter.
//  Strings are copied into req->arena. On failure err names the parameter.
gw_bind_t gw_route_bind (const gw_route_t *route, const gw_request_t *req, ProtobufCMessage *msg,
                         cab_pbjson_error_t *err);

#endif
