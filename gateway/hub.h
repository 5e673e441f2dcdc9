/*  gw_hub - the fan-out of the node's events to the gateway's live
    streams (Server-Sent Events). The event watch (watch.c) hands the hub
    every envelope a service publishes, once; the hub keeps, per meeting, a
    ring of the last N events that name it (Event.meeting_id), plus one
    ring of the events addressed to people (Event.audience) for the
    personal streams, and tells the streams concerned that there is
    something to send.

    A stream (gw_sub_t) is a cursor into one ring, not a queue: an event
    is written once, as its SSE frame, and every stream sends it from the
    ring by reference. A stream that falls so far behind that the ring has
    dropped what it had not sent yet gets "event: refresh" (re-read over
    REST) and goes on from the newest, so memory does not grow with slow
    clients. The same happens to a reconnecting client whose Last-Event-ID
    is no longer (or never was) in the ring.

    Who sees what: a meeting's stream shows the meeting's events whose
    audience is empty or names the stream's person; a personal stream
    shows the events whose audience names the person. session.revoked of
    the stream's session, and user.deleted or user.password_reset of its
    person, end the stream with "event: end".

    Streams hold no thread while they wait. gw_hub_pull is the HTTP
    server's content reader: with nothing to send it parks the connection
    (the server suspends it) and returns 0; a new event, a ping that is
    due, or the gateway stopping wakes it (the server resumes it). Parking
    and waking go through the waker given at creation, and are never called
    with the hub's lock held.

    Thread-safe: one mutex guards rings and streams.  */
#ifndef GW_HUB_H
#define GW_HUB_H
#include "cab_metrics.h"
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

//  How the hub parks and wakes the connection of a stream (http.c:
//  MHD_suspend_connection / MHD_resume_connection).
typedef struct {
    void (*park) (void *conn);
    void (*wake) (void *conn);
} gw_hub_waker_t;

typedef struct {
    size_t replay;           //  events kept per meeting (CABINET_SSE_REPLAY), >= 1
    size_t max_streams;      //  open streams in all (CABINET_SSE_MAX_STREAMS)
    size_t max_per_user;     //  open streams of one person (CABINET_SSE_MAX_PER_USER)
    int64_t ping_ms;         //  a comment line after this long without a byte sent
    int64_t max_age_ms;      //  a stream ends after this long (0: never)
    gw_hub_waker_t waker;    //  both functions required
    cab_metrics_t *metrics;  //  borrowed; may be NULL
} gw_hub_opts_t;

typedef struct _gw_hub_t gw_hub_t;
typedef struct _gw_sub_t gw_sub_t;

//  A hub with no streams. NULL on out-of-memory or bad options.
gw_hub_t *gw_hub_new (const gw_hub_opts_t *opts);

//  Free rings and hub; nulls *self_p. Every stream must have been
//  unsubscribed first. NULL-safe.
void gw_hub_destroy (gw_hub_t **self_p);

//  One envelope as a service published it (a packed cabinet.v1.Event;
//  borrowed). Events that no stream could show are only looked at for the
//  end of sessions. A repeated delivery (same id) is shown once.
void gw_hub_publish (gw_hub_t *self, const uint8_t *envelope, size_t size);

//  gw_hub_publish of envelopes[0..n) (sizes[i] bytes each; borrowed), in
//  order, as one burst: the streams they concern are woken once, after the
//  last, instead of after each.
void gw_hub_publish_many (gw_hub_t *self, const uint8_t *const *envelopes, const size_t *sizes,
                          size_t n);

//  Timers: marks a ping due on streams idle for ping_ms and ends streams
//  past max_age_ms, waking them. Call often (the watch calls it every
//  poll); it does its work at most once a second. now_ms is cab_clock_ms.
void gw_hub_tick (gw_hub_t *self, int64_t now_ms);

typedef enum {
    GW_HUB_OK,
    GW_HUB_FULL,       //  max_streams reached: 503
    GW_HUB_USER_FULL,  //  max_per_user reached for this person: 429
    GW_HUB_CLOSED,     //  the gateway is stopping: 503
    GW_HUB_NO_MEMORY,
} gw_hub_status_t;

typedef struct {
    const char *meeting_id;     //  the meeting's stream; NULL: the person's own stream
    const char *user_id;        //  who watches (audience filtering), required
    const char *session_id;     //  their session (its revocation ends the stream); may be NULL
    const char *last_event_id;  //  reconnection: go on after this event; NULL: live only
} gw_sub_opts_t;

//  Open a stream. On GW_HUB_OK *sub_p is the stream, whose first bytes
//  are a retry hint, then either what followed last_event_id or one
//  "event: refresh" (id unknown), then live events. Strings are copied.
gw_hub_status_t gw_hub_subscribe (gw_hub_t *self, const gw_sub_opts_t *opts, gw_sub_t **sub_p);

//  Close a stream and free it; nulls *sub_p. NULL-safe. Never call it
//  while the stream's connection is parked.
void gw_hub_unsubscribe (gw_hub_t *self, gw_sub_t **sub_p);

//  The stream's next bytes, at most max into buf. Returns their count
//  (> 0); 0 when there is nothing to send, having parked conn (it is woken
//  when there is); -1 when the stream has ended.
long gw_hub_pull (gw_hub_t *self, gw_sub_t *sub, void *conn, char *buf, size_t max);

//  The gateway is stopping: no new streams, every stream ends (those
//  parked are woken to find out). Idempotent.
void gw_hub_close (gw_hub_t *self);

//  Open streams, and those parked (or about to be).
size_t gw_hub_streams (gw_hub_t *self);
size_t gw_hub_parked (gw_hub_t *self);

#endif
