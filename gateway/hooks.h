/*  gw_hooks - the route hooks for the few routes that need more than the
    generic JSON <-> protobuf mapping: sign-in (the caller's address, the
    session cookies) and sign-out (clearing them). Whether a repeated field
    such as UpdateUserRequest.roles was sent is told by cab_pbjson itself
    (its "<field>_set" flag).  */
#ifndef GW_HOOKS_H
#define GW_HOOKS_H
#include "routes.h"

//  LoginRequest: ip and user_agent come from the connection, never the body.
int gw_hook_login_before (gw_request_t *req, ProtobufCMessage *msg, const json_t *body,
                          gw_reply_t *reply);

//  LoginReply: set the cabinet_session and cabinet_csrf cookies.
void gw_hook_login_after (gw_request_t *req, ProtobufCMessage *msg, gw_reply_t *reply);

//  After sign-out: expire both cookies.
void gw_hook_logout_after (gw_request_t *req, ProtobufCMessage *msg, gw_reply_t *reply);

//  GET /api/v1/calendar.ics: the feed goes out as text/calendar, not JSON,
//  with its ETag (a calendar application polling it gets 304 when nothing
//  changed).
void gw_hook_calendar_after (gw_request_t *req, ProtobufCMessage *msg, gw_reply_t *reply);

#endif
