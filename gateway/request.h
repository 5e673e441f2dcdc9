/*  gw_request - what the gateway knows about one HTTP request once its
    headers have arrived, taken out of libmicrohttpd by http.c so that route
    handlers, authentication and tests never touch the HTTP library; and the
    environment (settings and shared objects) every handler may use.  */
#ifndef GW_REQUEST_H
#define GW_REQUEST_H
#include "cab_arena.h"
#include "cab_metrics.h"
#include "cabinet/v1/rpc.pb-c.h"
#include "cache.h"
#include "hub.h"
#include "services.h"
#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define GW_MAX_PATH_PARAMS 4    //  {name} segments in one route pattern
#define GW_MAX_QUERY_PARAMS 32  //  more query parameters than this is refused
#define GW_REQUEST_ID_MAX 64    //  longest X-Request-Id taken from a client
#define GW_IP_MAX INET6_ADDRSTRLEN

//  Settings and shared objects, set up once by main and read-only after.
typedef struct {
    gw_services_t *services;  //  RPC clients by service name (borrowed)
    cab_metrics_t *metrics;   //  the gateway's own metrics (borrowed)
    const char *web_dir;      //  absolute, resolved folder of the web UI; NULL: none
    size_t max_body;          //  largest JSON request body accepted, bytes
    uint64_t upload_max;      //  largest uploaded file, bytes
    uint64_t recording_max;   //  largest meeting recording (classification=recording), bytes
    bool cookie_secure;       //  add Secure to cookies (behind HTTPS)
    long session_max_age;     //  cookie lifetime, seconds
    int rpc_timeout_ms;       //  per attempt, also used for health checks
    gw_cache_t *sessions;     //  identity.Authenticate verdicts by token; NULL: off
    gw_cache_t *answers;      //  answers of cached routes; NULL: off
    int session_cache_ms;     //  how long a verdict may be reused at most
    int answer_cache_ms;      //  how long an answer may be reused at most
    gw_hub_t *hub;            //  the live streams' fan-out (borrowed); NULL: none
} gw_env_t;

//  One path or query parameter. Path parameters point into the route
//  pattern (name) and the request path (value), so they are not
//  NUL-terminated: use the lengths.
typedef struct {
    const char *name;
    size_t name_len;
    const char *value;  //  "" for a query parameter without "="
    size_t value_len;
} gw_param_t;

typedef struct _gw_route_t gw_route_t;

typedef struct {
    const gw_env_t *env;
    cab_arena_t *arena;       //  lives as long as the request
    const char *verb;         //  "GET", as sent
    const char *path;         //  percent-decoded, without the query
    const gw_route_t *route;  //  the matched route; NULL: static or none
    gw_param_t params[GW_MAX_PATH_PARAMS];
    int param_count;
    gw_param_t *query;  //  in arena, in the order sent
    int query_count;
    //  Request headers (borrowed from the HTTP layer, NULL when absent)
    const char *authorization;
    const char *cookie_session;  //  value of the cabinet_session cookie
    const char *csrf_header;     //  X-CSRF-Token
    const char *idempotency_key;
    const char *user_agent;
    const char *content_type;
    const char *if_none_match;
    const char *if_modified_since;
    const char *last_event_id;  //  Last-Event-ID (a live stream reconnecting)
    long long content_length;   //  -1 when not sent
    bool has_body;              //  Content-Length > 0 or chunked
    char ip[GW_IP_MAX];         //  peer address
    char request_id[GW_REQUEST_ID_MAX + 1];
    //  The body, once it has been read completely
    const char *body;
    size_t body_size;
    //  Set by authentication
    Cabinet__V1__Caller *caller;  //  in arena; NULL for anonymous routes
    const char *token;            //  the session token that was presented
    bool token_from_cookie;       //  true: cookie, so writes need CSRF
    bool must_ask;                //  identity must still vouch for token (gw_api_authenticate)
    void *pending;                //  what gw_api_prepare left for gw_api_send (api.c)
    long long queued_ms;          //  when it began waiting for a call thread or its turn to send
                                  //  (monotonic), or 0
    long long waited_ms;          //  spent on calls before the main one (authentication)
} gw_request_t;

#endif
