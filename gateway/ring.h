/*  gw_ring - the live streams' memory of recent events: gw_event_t, one
    event as every stream sends it (its SSE frame, written once, shared by
    reference), and gw_ring_t, the last N events of one meeting (or of the
    personal streams) in arrival order, numbered by a sequence that never
    goes back. A reader keeps a sequence number as its cursor; one that
    reconnects with the id of the last event it saw goes on after it, or,
    when that id has left the ring, is told to re-read (see hub.h).

    A ring is not thread-safe: the hub holds its lock around every call.
    References to an event may be taken and dropped from any thread.  */
#ifndef GW_RING_H
#define GW_RING_H
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct {
    atomic_size_t refs;  //  holders: rings, and streams in the middle of sending it
    char *id;            //  event id (UUIDv7)
    char *type;          //  "meeting.started"
    char *meeting_id;    //  NULL when the event belongs to no meeting
    char **audience;     //  user ids who may see it; none: everyone the stream admits
    size_t n_audience;
    char *frame;  //  the SSE text: "id: …\nevent: …\ndata: …\n\n"
    size_t frame_len;
} gw_event_t;

//  A new event with one reference, copying every argument (meeting_id may
//  be NULL, audience NULL when n_audience is 0). Takes ownership of frame
//  (malloc'd, frame_len bytes). NULL on out-of-memory (frame is freed).
gw_event_t *gw_event_new (const char *id, const char *type, const char *meeting_id,
                          char *const *audience, size_t n_audience, char *frame, size_t frame_len);

//  One more reference; returns event.
gw_event_t *gw_event_ref (gw_event_t *event);

//  Drop a reference (the last one frees); nulls *event_p. NULL-safe.
void gw_event_unref (gw_event_t **event_p);

//  true if user_id may see the event: its audience is empty or names the
//  user. With only_addressed, an empty audience admits nobody (the personal
//  streams show only what is addressed to the person).
bool gw_event_admits (const gw_event_t *event, const char *user_id, bool only_addressed);

typedef struct _gw_ring_t gw_ring_t;

//  An empty ring that keeps at most capacity (>= 1) events. NULL on
//  out-of-memory.
gw_ring_t *gw_ring_new (size_t capacity);

//  Drop every event held and free; nulls *self_p. NULL-safe.
void gw_ring_destroy (gw_ring_t **self_p);

//  Append event (the ring takes a reference of its own), dropping the
//  oldest when full. Returns its sequence number, or -1 when an event with
//  the same id is held already (a repeated delivery: nothing is added) or
//  memory ran out.
int64_t gw_ring_push (gw_ring_t *self, gw_event_t *event);

//  Sequence number of the oldest event held (= gw_ring_end when empty).
uint64_t gw_ring_first (const gw_ring_t *self);

//  Sequence number the next event will get.
uint64_t gw_ring_end (const gw_ring_t *self);

//  The event numbered seq, or NULL when it is not held. Borrowed.
gw_event_t *gw_ring_at (const gw_ring_t *self, uint64_t seq);

//  Where a reader that has seen the event last_id goes on: true with
//  *seq_p the number after it, or false when no event held has that id
//  (never seen, or dropped since).
bool gw_ring_after (const gw_ring_t *self, const char *last_id, uint64_t *seq_p);

//  Events held, and the bytes of their frames.
size_t gw_ring_size (const gw_ring_t *self);
size_t gw_ring_bytes (const gw_ring_t *self);

#endif
