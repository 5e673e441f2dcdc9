/*  gw_hooks - route hooks for sign-in, sign-out and user updates.
    See hooks.h.  */
#include "hooks.h"
#include "auth.h"
#include "cab_crypto.h"
#include "cab_log.h"
#include "cabinet/v1/identity.pb-c.h"
#include "cabinet/v1/notifications.pb-c.h"
#include "static.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define HTTP_OK 200
#define HTTP_NOT_MODIFIED 304

int
gw_hook_login_before (gw_request_t *req, ProtobufCMessage *msg, const json_t *body,
                      gw_reply_t *reply)
{
    (void) body;
    (void) reply;
    Cabinet__V1__LoginRequest *login = (Cabinet__V1__LoginRequest *) msg;
    login->ip = cab_arena_strdup (req->arena, req->ip);
    login->user_agent = gw_auth_clean_text (req->arena, req->user_agent);
    return 0;
}

void
gw_hook_login_after (gw_request_t *req, ProtobufCMessage *msg, gw_reply_t *reply)
{
    Cabinet__V1__LoginReply *login = (Cabinet__V1__LoginReply *) msg;
    const char *token = NULL;
    //  Only a token that could come back to us as a cookie becomes one.
    if (!login->token || gw_auth_token (NULL, login->token, &token) != GW_TOKEN_COOKIE) {
        cab_error ("identity.Login answered OK without a usable token");
        return;
    }
    char *csrf = cab_arena_alloc (req->arena, CAB_TOKEN_LEN + 1);
    cab_csrf_token (login->token, csrf);
    login->csrf_token = csrf;

    const gw_env_t *env = req->env;
    char *session = gw_auth_cookie (GW_SESSION_COOKIE, login->token, env->session_max_age, true,
                                    env->cookie_secure);
    char *readable =
        gw_auth_cookie (GW_CSRF_COOKIE, csrf, env->session_max_age, false, env->cookie_secure);
    if (session)
        gw_reply_header (reply, "Set-Cookie", session);
    if (readable)
        gw_reply_header (reply, "Set-Cookie", readable);
    free (session);
    free (readable);
}

void
gw_hook_logout_after (gw_request_t *req, ProtobufCMessage *msg, gw_reply_t *reply)
{
    (void) msg;
    gw_auth_clear_cookies (req->env, reply);
}

void
gw_hook_calendar_after (gw_request_t *req, ProtobufCMessage *msg, gw_reply_t *reply)
{
    const Cabinet__V1__CalendarFeed *feed = (const Cabinet__V1__CalendarFeed *) msg;
    if (!feed->ics)
        return;
    char etag[80] = "";
    if (feed->etag)
        snprintf (etag, sizeof etag, "\"%.64s\"", feed->etag);
    gw_reply_header (reply, "Cache-Control", "private, max-age=300");
    if (*etag) {
        gw_reply_header (reply, "ETag", etag);
        if (req->if_none_match && gw_etag_matches (req->if_none_match, etag)) {
            gw_reply_empty (reply, HTTP_NOT_MODIFIED);
            return;
        }
    }
    gw_reply_text (reply, HTTP_OK, "text/calendar; charset=utf-8", feed->ics, strlen (feed->ics));
}
