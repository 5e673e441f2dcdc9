/*  gw_sse - the text of Server-Sent Events (the WHATWG "event stream"
    format) and the JSON an event shows on a live stream. Pure functions:
    no state, no I/O.

    A frame is "id: <id>\nevent: <type>\ndata: <line>\n…\n\n". Text with
    line breaks goes out as one "data:" line per line, which a client joins
    back with "\n"; an id or a type loses any line break it holds, since it
    would end the field early.  */
#ifndef GW_SSE_H
#define GW_SSE_H
#include "cabinet/v1/event.pb-c.h"
#include <stddef.h>

//  One event's frame. id and type may be NULL or "" (then the field is
//  left out); data may be NULL (an empty "data:" line). Returns a new
//  string (caller frees) and its length in *len_p; NULL on out-of-memory.
char *gw_sse_frame (const char *id, const char *type, const char *data, size_t *len_p);

//  The JSON of event as a stream shows it, on one line:
//  {"id","type","time","meeting_id","actor_id","subject","payload"}, with
//  the payload turned into JSON by its schema name (gw_schema_find), as
//  the REST API writes messages (cab_pbjson); null for what is unset, for
//  a schema the gateway does not know and for a payload that does not
//  unpack. Returns a new string (caller frees), NULL on out-of-memory.
char *gw_sse_event_json (const Cabinet__V1__Event *event);

#endif
