/*  gw_auth - who is calling: the session token from "Authorization: Bearer"
    or the cabinet_session cookie, the CSRF rule for cookie sessions, the
    identity service's verdict on the token (identity.Authenticate, for
    every authenticated request), and the session cookies themselves.  */
#ifndef GW_AUTH_H
#define GW_AUTH_H
#include "reply.h"
#include "request.h"
#include "routes.h"
#include <stdbool.h>

#define GW_SESSION_COOKIE "cabinet_session"
#define GW_CSRF_COOKIE "cabinet_csrf"
#define GW_TOKEN_MAX 256  //  longer tokens are refused without asking

typedef enum {
    GW_TOKEN_NONE,       //  neither header nor cookie
    GW_TOKEN_BEARER,     //  Authorization: Bearer <token>
    GW_TOKEN_COOKIE,     //  cabinet_session cookie
    GW_TOKEN_MALFORMED,  //  an Authorization header we cannot use, or a bad token
} gw_token_source_t;

//  Find the session token. The Authorization header wins over the cookie;
//  either may be NULL. On GW_TOKEN_BEARER / GW_TOKEN_COOKIE *token_p points
//  into authorization or cookie.
gw_token_source_t gw_auth_token (const char *authorization, const char *cookie,
                                 const char **token_p);

//  true if a request with this verb and token source needs X-CSRF-Token:
//  writes made with the session cookie.
bool gw_auth_csrf_required (const char *verb, gw_token_source_t source);

//  The CSRF decision: true if the request may proceed. token is the
//  session token, header the X-CSRF-Token value (NULL when absent).
bool gw_auth_csrf_ok (const char *verb, gw_token_source_t source, const char *token,
                      const char *header);

//  Authenticate req for route: token, CSRF, identity.Authenticate, and the
//  password-change rule, in two steps, so that the one that may wait for
//  identity runs where waiting holds up no other request. gw_auth_begin
//  does what needs no service (token, CSRF, the cache of verdicts) and
//  returns true when identity must still be asked, with gw_auth_ask;
//  otherwise the outcome is final. Either way it ends with req->caller
//  (with ip and user agent), req->token and req->token_from_cookie set, or
//  with the error (401, 403, 503...) in reply.
bool gw_auth_begin (gw_request_t *req, const gw_route_t *route, gw_reply_t *reply);
void gw_auth_ask (gw_request_t *req, const gw_route_t *route, gw_reply_t *reply);

//  A Set-Cookie value. max_age < 0 leaves Max-Age out; 0 expires the
//  cookie. http_only hides it from scripts. Returns a new string (caller
//  frees) or NULL on out-of-memory.
char *gw_auth_cookie (const char *name, const char *value, long max_age, bool http_only,
                      bool secure);

//  Add Set-Cookie headers that remove both session cookies.
void gw_auth_clear_cookies (const gw_env_t *env, gw_reply_t *reply);

//  A copy of a header value (User-Agent) fit to store: valid UTF-8, no
//  control characters, at most GW_USER_AGENT_MAX bytes. In arena; NULL in,
//  NULL out.
char *gw_auth_clean_text (cab_arena_t *arena, const char *text);

#define GW_USER_AGENT_MAX 512

#endif
