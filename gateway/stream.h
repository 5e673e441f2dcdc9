/*  gw_stream - the live streams' routes (Server-Sent Events, fed by the
    hub, hub.h): a meeting's stream for everyone who may see the meeting,
    and a person's own stream of what is addressed to them.  */
#ifndef GW_STREAM_H
#define GW_STREAM_H
#include "reply.h"
#include "request.h"

#define GW_CONTENT_SSE "text/event-stream; charset=utf-8"

//  GET /api/v1/meetings/{id}/stream: authorised by asking scheduling for
//  the meeting as the caller (scheduling.GetMeeting), before anything is
//  streamed, so a meeting the caller may not see is the API's 404.
void gw_stream_meeting (gw_request_t *req, gw_reply_t *reply);

//  GET /api/v1/stream: the caller's own stream.
void gw_stream_personal (gw_request_t *req, gw_reply_t *reply);

#endif
