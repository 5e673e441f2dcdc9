/*  gw_hooks - the route hooks for the few routes that need more than the
    generic JSON <-> protobuf mapping: sign-in (the caller's address, the
    session cookies), sign-out (clearing them), and user updates (telling
    the service whether the roles were sent at all).  */
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

//  UpdateUserRequest: roles_set is true exactly when the body had "roles"
//  (not null), so an absent list leaves roles alone and [] removes them all.
int gw_hook_update_user_before (gw_request_t *req, ProtobufCMessage *msg, const json_t *body,
                                gw_reply_t *reply);

#endif
