/*  gw_hub - see hub.h.

    A room is one ring and the streams that read it: one per meeting that
    has had events or streams since the gateway started, and the personal
    room for events addressed to people. Rooms nobody reads are kept for
    reconnecting clients, within IDLE_ROOMS_MAX rooms and IDLE_BYTES_MAX
    bytes of frames; beyond that the least recently used go (a client of
    such a meeting that comes back is told to refresh, which is always
    correct).

    Parking without losing a wake-up, and without calling the HTTP library
    with our lock held (its own locks are taken inside suspend and resume,
    and it calls us with some of them held):
      pull:  [lock] nothing to send -> PARKING [unlock]  park (conn)
             [lock] WAKE_REQUESTED ? RUNNING, wake (conn) : PARKED [unlock]
      wake:  [lock] PARKED -> RUNNING, wake (conn) after unlocking;
                    PARKING -> WAKE_REQUESTED (the puller wakes it) [unlock]
    A connection is woken by exactly one party, and only once it is
    suspended.  */
#include "hub.h"
#include "cab_log.h"
#include "cab_time.h"
#include "cabinet/v1/event.pb-c.h"
#include "cabinet/v1/identity.pb-c.h"
#include "ring.h"
#include "sse.h"
#include <assert.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ROOM_BUCKETS 1024                  //  hash buckets of meeting rooms
#define USER_BUCKETS 1024                  //  hash buckets of per-person counts
#define IDLE_ROOMS_MAX 1024                //  rooms kept with no stream reading them
#define IDLE_BYTES_MAX (64 * 1024 * 1024)  //  frame bytes those rooms may hold
#define TICK_MS 1000                       //  how often timers are looked at
#define RETRY_HINT "retry: 3000\n\n"       //  the reconnection delay suggested to clients, ms
#define CTL_MAX 256                        //  a control frame (hello, refresh, end, ping)

typedef enum {
    S_RUNNING,         //  the connection is served normally
    S_PARKING,         //  pull is suspending it
    S_WAKE_REQUESTED,  //  woken while parking: the puller resumes it at once
    S_PARKED,          //  suspended; whoever wakes it resumes it
} s_park_t;

typedef struct _s_room_t s_room_t;

struct _gw_sub_t {
    s_room_t *room;  //  the ring it reads
    gw_sub_t *room_prev, *room_next;
    gw_sub_t *all_prev, *all_next;
    char *user_id;
    char *session_id;  //  NULL when not known
    bool personal;     //  shows only events addressed to user_id
    uint64_t cursor;   //  next sequence number of the ring to look at
    gw_event_t *cur;   //  the event being sent, and how much of it is out
    size_t cur_off;
    char ctl[CTL_MAX];  //  a control frame being sent
    size_t ctl_len, ctl_off;
    bool hello;           //  the retry hint is still to be sent
    const char *refresh;  //  a refresh is due, for this reason (static)
    const char *end;      //  an end is due, for this reason (static)
    bool ping;            //  a ping is due
    bool last;            //  the control frame under way is the last
    bool expired;         //  past its maximum age
    bool finished;        //  nothing more will be sent
    s_park_t park;
    void *conn;  //  the connection, known once pulled
    int64_t last_write_ms;
    int64_t expires_ms;  //  0: never
};

struct _s_room_t {
    char *meeting_id;  //  NULL for the personal room
    gw_ring_t *ring;
    gw_sub_t *subs;  //  streams reading it
    size_t n_subs;
    int64_t used_ms;  //  last event or stream
    s_room_t *next;   //  hash chain
};

typedef struct _s_user_t {
    struct _s_user_t *next;
    size_t streams;
    char id[];
} s_user_t;

struct _gw_hub_t {
    gw_hub_opts_t opts;
    pthread_mutex_t lock;
    s_room_t *rooms[ROOM_BUCKETS];
    s_room_t personal;
    s_user_t *users[USER_BUCKETS];
    gw_sub_t *subs;  //  every open stream
    size_t n_subs;
    size_t n_rooms;      //  meeting rooms, read or not
    size_t rooms_bytes;  //  frame bytes their rings hold
    bool closing;
    int64_t next_tick_ms;
};

//  Connections to wake once the lock is released.
typedef struct {
    void **conns;
    size_t count;
    size_t cap;
} s_wakes_t;

//  FNV-1a over a NUL-terminated key.
static size_t
s_hash (const char *key, size_t buckets)
{
    uint64_t hash = 1469598103934665603ULL;
    for (const unsigned char *p = (const unsigned char *) key; *p; p++)
        hash = (hash ^ *p) * 1099511628211ULL;
    return (size_t) (hash % buckets);
}

static void
s_metrics_streams (gw_hub_t *self)
{
    cab_metrics_set (self->opts.metrics, "cabinet_gateway_streams", NULL,
                     "Live streams (Server-Sent Events) open", (double) self->n_subs);
}

// ---- waking -----------------------------------------------------------

static void
s_wake (gw_sub_t *sub, s_wakes_t *wakes)
{
    if (sub->park == S_PARKING) {
        sub->park = S_WAKE_REQUESTED;
        return;
    }
    if (sub->park != S_PARKED)
        return;
    if (wakes->count == wakes->cap) {
        size_t cap = wakes->cap ? wakes->cap * 2 : 64;
        void **conns = realloc (wakes->conns, cap * sizeof *conns);
        if (!conns) {
            //  Left parked: the next ping's wake-up retries. Logged, not lost.
            cab_error ("out of memory waking a live stream");
            return;
        }
        wakes->conns = conns;
        wakes->cap = cap;
    }
    sub->park = S_RUNNING;
    wakes->conns[wakes->count++] = sub->conn;
}

//  Resume what was collected; the lock must not be held.
static void
s_wake_all (gw_hub_t *self, s_wakes_t *wakes)
{
    for (size_t i = 0; i < wakes->count; i++)
        self->opts.waker.wake (wakes->conns[i]);
    if (wakes->count > 0)
        cab_metrics_add (self->opts.metrics, "cabinet_gateway_stream_wakes_total", NULL,
                         "Parked live streams woken (by events, pings, ends)",
                         (double) wakes->count);
    free (wakes->conns);
    memset (wakes, 0, sizeof *wakes);
}

// ---- rooms and people ----------------------------------------------------

static s_room_t *
s_room_find (gw_hub_t *self, const char *meeting_id, size_t *bucket_p)
{
    size_t bucket = s_hash (meeting_id, ROOM_BUCKETS);
    if (bucket_p)
        *bucket_p = bucket;
    for (s_room_t *room = self->rooms[bucket]; room; room = room->next)
        if (strcmp (room->meeting_id, meeting_id) == 0)
            return room;
    return NULL;
}

//  The meeting's room, made when needed. NULL on out-of-memory.
static s_room_t *
s_room_get (gw_hub_t *self, const char *meeting_id)
{
    size_t bucket;
    s_room_t *room = s_room_find (self, meeting_id, &bucket);
    if (room)
        return room;
    room = calloc (1, sizeof *room);
    if (!room)
        return NULL;
    room->meeting_id = strdup (meeting_id);
    room->ring = gw_ring_new (self->opts.replay);
    if (!room->meeting_id || !room->ring) {
        free (room->meeting_id);
        gw_ring_destroy (&room->ring);
        free (room);
        return NULL;
    }
    room->next = self->rooms[bucket];
    self->rooms[bucket] = room;
    self->n_rooms++;
    return room;
}

static void
s_room_free (s_room_t **room_p)
{
    s_room_t *room = *room_p;
    gw_ring_destroy (&room->ring);
    free (room->meeting_id);
    free (room);
    *room_p = NULL;
}

//  Drop the least recently used rooms nobody reads while there are too
//  many of them or they hold too much.
static void
s_trim_idle (gw_hub_t *self)
{
    //  Most of the time there is nothing to look for: all the rooms
    //  together are within the limits of the idle ones.
    if (self->n_rooms <= IDLE_ROOMS_MAX && self->rooms_bytes <= IDLE_BYTES_MAX)
        return;
    for (;;) {
        size_t idle = 0, bytes = 0;
        s_room_t **oldest = NULL;
        for (size_t b = 0; b < ROOM_BUCKETS; b++)
            for (s_room_t **at = &self->rooms[b]; *at; at = &(*at)->next) {
                if ((*at)->n_subs > 0)
                    continue;
                idle++;
                bytes += gw_ring_bytes ((*at)->ring);
                if (!oldest || (*at)->used_ms < (*oldest)->used_ms)
                    oldest = at;
            }
        if (!oldest || (idle <= IDLE_ROOMS_MAX && bytes <= IDLE_BYTES_MAX))
            return;
        s_room_t *room = *oldest;
        *oldest = room->next;
        self->n_rooms--;
        self->rooms_bytes -= gw_ring_bytes (room->ring);
        s_room_free (&room);
    }
}

static s_user_t **
s_user_slot (gw_hub_t *self, const char *user_id)
{
    s_user_t **at = &self->users[s_hash (user_id, USER_BUCKETS)];
    while (*at && strcmp ((*at)->id, user_id) != 0)
        at = &(*at)->next;
    return at;
}

static size_t
s_user_streams (gw_hub_t *self, const char *user_id)
{
    s_user_t *user = *s_user_slot (self, user_id);
    return user ? user->streams : 0;
}

static bool
s_user_add (gw_hub_t *self, const char *user_id)
{
    s_user_t **at = s_user_slot (self, user_id);
    if (!*at) {
        size_t len = strlen (user_id);
        s_user_t *user = calloc (1, sizeof *user + len + 1);
        if (!user)
            return false;
        memcpy (user->id, user_id, len + 1);
        *at = user;
    }
    (*at)->streams++;
    return true;
}

static void
s_user_remove (gw_hub_t *self, const char *user_id)
{
    s_user_t **at = s_user_slot (self, user_id);
    s_user_t *user = *at;
    if (user && --user->streams == 0) {
        *at = user->next;
        free (user);
    }
}

// ---- what a stream sends ---------------------------------------------------

//  Copy what is left of text[*off, len) into out (room bytes at most).
static size_t
s_copy (char *out, size_t room, const char *text, size_t *off, size_t len)
{
    size_t n = len - *off < room ? len - *off : room;
    memcpy (out, text + *off, n);
    *off += n;
    return n;
}

static void
s_control (gw_sub_t *sub, const char *text, size_t len)
{
    if (len >= CTL_MAX)
        len = 0;  //  never: control frames are short
    memcpy (sub->ctl, text, len);
    sub->ctl_len = len;
    sub->ctl_off = 0;
}

//  "event: refresh": the client re-reads over REST. It carries the id of
//  the newest event this person may see, so that after re-reading the
//  client goes on from there if it reconnects again; with none, no id, and
//  the client keeps the one it had (a later reconnection then asks again).
static void
s_control_refresh (gw_hub_t *self, gw_sub_t *sub, const char *reason)
{
    gw_ring_t *ring = sub->room->ring;
    const char *id = NULL;
    for (uint64_t seq = gw_ring_end (ring); seq > gw_ring_first (ring) && !id; seq--) {
        const gw_event_t *event = gw_ring_at (ring, seq - 1);
        if (gw_event_admits (event, sub->user_id, sub->personal))
            id = event->id;
    }
    char data[96];
    snprintf (data, sizeof data, "{\"reason\":\"%s\"}", reason);
    size_t len = 0;
    char *frame = gw_sse_frame (id, "refresh", data, &len);
    if (frame && len >= CTL_MAX) {
        free (frame);
        frame = gw_sse_frame (NULL, "refresh", data, &len);
    }
    if (frame)
        s_control (sub, frame, len);
    free (frame);
    char labels[64];
    snprintf (labels, sizeof labels, "reason=\"%s\"", reason);
    cab_metrics_add (self->opts.metrics, "cabinet_gateway_stream_refreshes_total", labels,
                     "Live streams told to re-read (event: refresh), by reason", 1);
}

static void
s_control_end (gw_sub_t *sub, const char *reason)
{
    char data[96];
    snprintf (data, sizeof data, "{\"reason\":\"%s\"}", reason);
    size_t len = 0;
    char *frame = gw_sse_frame (NULL, "end", data, &len);
    if (frame)
        s_control (sub, frame, len);
    free (frame);
}

//  Find the next event this stream may see: *event_p (the ring's, not
//  referenced: good while the hub's lock is held), or NULL when the
//  stream fell behind the ring and now has a refresh under way. false if
//  there is neither.
static bool
s_next_event (gw_hub_t *self, gw_sub_t *sub, gw_event_t **event_p)
{
    *event_p = NULL;
    gw_ring_t *ring = sub->room->ring;
    if (sub->cursor < gw_ring_first (ring)) {
        //  The ring dropped events this stream had not sent: too slow.
        sub->cursor = gw_ring_end (ring);
        s_control_refresh (self, sub, "too_slow");
        return true;
    }
    while (sub->cursor < gw_ring_end (ring)) {
        gw_event_t *event = gw_ring_at (ring, sub->cursor++);
        if (gw_event_admits (event, sub->user_id, sub->personal)) {
            *event_p = event;
            return true;
        }
    }
    return false;
}

//  Copy what of event's frame fits into buf; a frame cut short is kept
//  (referenced: the ring may drop it before the next pull) to go on with.
//  Whole frames, nearly all of them, cost no reference: an event's count,
//  counted up and down by every stream of its meeting from every HTTP
//  thread, was a cache line passed to and fro between the CPUs.
static size_t
s_copy_event (gw_sub_t *sub, gw_event_t *event, char *buf, size_t max)
{
    size_t off = 0;
    size_t n = s_copy (buf, max, event->frame, &off, event->frame_len);
    if (off < event->frame_len) {
        sub->cur = gw_event_ref (event);
        sub->cur_off = off;
    }
    return n;
}

//  Fill buf with what the stream has to send, in this order: what is under
//  way, the retry hint, an end, a refresh, events, a ping. Returns the
//  bytes written, or -1 when the stream has ended and nothing was written.
static long
s_fill (gw_hub_t *self, gw_sub_t *sub, char *buf, size_t max)
{
    size_t n = 0;
    gw_event_t *event = NULL;
    for (;;) {
        if (self->closing) {
            sub->finished = true;  //  stopping: at once, even mid-frame
            break;
        }
        if (sub->ctl_off < sub->ctl_len) {
            n += s_copy (buf + n, max - n, sub->ctl, &sub->ctl_off, sub->ctl_len);
            if (sub->ctl_off < sub->ctl_len)
                break;
            sub->ctl_len = sub->ctl_off = 0;
            if (sub->last)
                sub->finished = true;
            continue;
        }
        if (sub->cur) {
            n += s_copy (buf + n, max - n, sub->cur->frame, &sub->cur_off, sub->cur->frame_len);
            if (sub->cur_off < sub->cur->frame_len)
                break;
            gw_event_unref (&sub->cur);
            continue;
        }
        if (sub->finished || n == max)
            break;
        if (sub->expired) {
            sub->finished = true;
            break;
        }
        if (sub->hello) {
            s_control (sub, RETRY_HINT, sizeof RETRY_HINT - 1);
            sub->hello = false;
        } else if (sub->end) {
            s_control_end (sub, sub->end);
            sub->end = NULL;
            sub->last = true;
        } else if (sub->refresh) {
            s_control_refresh (self, sub, sub->refresh);
            sub->refresh = NULL;
        } else if (s_next_event (self, sub, &event)) {
            if (event)
                n += s_copy_event (sub, event, buf + n, max - n);
            continue;
        } else if (sub->ping) {
            static const char ping[] = ": ping\n\n";
            s_control (sub, ping, sizeof ping - 1);
            sub->ping = false;
        } else
            break;
    }
    if (n == 0 && sub->finished)
        return -1;
    return (long) n;
}

// ---- the hub ------------------------------------------------------------------

gw_hub_t *
gw_hub_new (const gw_hub_opts_t *opts)
{
    if (!opts || opts->replay == 0 || !opts->waker.park || !opts->waker.wake)
        return NULL;
    gw_hub_t *self = calloc (1, sizeof *self);
    if (!self)
        return NULL;
    self->opts = *opts;
    self->personal.ring = gw_ring_new (opts->replay);
    if (!self->personal.ring || pthread_mutex_init (&self->lock, NULL) != 0) {
        gw_ring_destroy (&self->personal.ring);
        free (self);
        return NULL;
    }
    s_metrics_streams (self);
    return self;
}

void
gw_hub_destroy (gw_hub_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    gw_hub_t *self = *self_p;
    if (self->n_subs > 0)
        cab_error ("%zu live streams still open when the hub is destroyed", self->n_subs);
    for (size_t b = 0; b < ROOM_BUCKETS; b++)
        while (self->rooms[b]) {
            s_room_t *room = self->rooms[b];
            self->rooms[b] = room->next;
            s_room_free (&room);
        }
    for (size_t b = 0; b < USER_BUCKETS; b++)
        while (self->users[b]) {
            s_user_t *user = self->users[b];
            self->users[b] = user->next;
            free (user);
        }
    gw_ring_destroy (&self->personal.ring);
    pthread_mutex_destroy (&self->lock);
    free (self);
    *self_p = NULL;
}

//  Put event in room's ring and tell the streams that may see it.
static void
s_deliver (s_room_t *room, gw_event_t *event, int64_t now, s_wakes_t *wakes)
{
    int64_t seq = gw_ring_push (room->ring, event);
    if (seq < 0)
        return;  //  a repeated delivery
    room->used_ms = now;
    for (gw_sub_t *sub = room->subs; sub; sub = sub->room_next) {
        if (gw_event_admits (event, sub->user_id, sub->personal))
            s_wake (sub, wakes);
        else if (sub->cursor == (uint64_t) seq)
            sub->cursor++;  //  up to date, and nothing for it: stays up to date
    }
}

//  Streams of session_id, or of user_id, end (with reason).
static void
s_end_streams (gw_hub_t *self, const char *session_id, const char *user_id, const char *reason,
               s_wakes_t *wakes)
{
    for (gw_sub_t *sub = self->subs; sub; sub = sub->all_next) {
        bool match = (session_id && *session_id && sub->session_id
                      && strcmp (sub->session_id, session_id) == 0)
                     || (user_id && *user_id && strcmp (sub->user_id, user_id) == 0);
        if (!match || sub->finished || sub->last)
            continue;
        sub->end = reason;
        s_wake (sub, wakes);
    }
}

//  The event, built once for every stream that shows it. NULL on failure
//  (logged).
static gw_event_t *
s_event_new (const Cabinet__V1__Event *ev)
{
    char *json = gw_sse_event_json (ev);
    size_t len = 0;
    char *frame = json ? gw_sse_frame (ev->id, ev->type, json, &len) : NULL;
    free (json);
    gw_event_t *event = frame ? gw_event_new (ev->id, ev->type, ev->meeting_id, ev->audience,
                                              ev->n_audience, frame, len)
                              : NULL;
    if (!event)
        cab_error ("out of memory for event %s on the live streams", ev->id);
    return event;
}

//  One envelope into the rings; the streams to wake are added to wakes.
static void
s_publish (gw_hub_t *self, const uint8_t *envelope, size_t size, s_wakes_t *wakes)
{
    Cabinet__V1__Event *ev = cabinet__v1__event__unpack (NULL, size, envelope);
    if (!ev || !ev->id || !*ev->id || !ev->type) {
        cab_warn ("an event envelope that does not unpack (%zu bytes) is ignored", size);
        if (ev)
            cabinet__v1__event__free_unpacked (ev, NULL);
        return;
    }
    //  What ends streams: a session signed out, an account deleted or reset.
    Cabinet__V1__SessionRevoked *revoked = NULL;
    const char *end_session = NULL, *end_user = NULL, *reason = NULL;
    if (strcmp (ev->type, "session.revoked") == 0 && ev->has_payload) {
        revoked = cabinet__v1__session_revoked__unpack (NULL, ev->payload.len, ev->payload.data);
        end_session = revoked ? revoked->session_id : NULL;
        reason = "session_revoked";
    } else if (strcmp (ev->type, "user.deleted") == 0) {
        end_user = ev->subject;
        reason = "user_deleted";
    } else if (strcmp (ev->type, "user.password_reset") == 0) {
        end_user = ev->subject;
        reason = "password_reset";
    }
    bool for_meeting = ev->meeting_id && *ev->meeting_id;
    bool addressed = ev->n_audience > 0;
    gw_event_t *event = for_meeting || addressed ? s_event_new (ev) : NULL;

    int64_t now = cab_clock_ms ();
    pthread_mutex_lock (&self->lock);
    if (reason)
        s_end_streams (self, end_session, end_user, reason, wakes);
    if (event && for_meeting) {
        s_room_t *room = s_room_get (self, ev->meeting_id);
        if (room) {
            size_t before = gw_ring_bytes (room->ring);
            s_deliver (room, event, now, wakes);
            self->rooms_bytes += gw_ring_bytes (room->ring) - before;
        } else
            cab_error ("out of memory for the live stream of meeting %s", ev->meeting_id);
    }
    if (event && addressed)
        s_deliver (&self->personal, event, now, wakes);
    if (event)
        s_trim_idle (self);
    pthread_mutex_unlock (&self->lock);

    if (event)
        cab_metrics_add (self->opts.metrics, "cabinet_gateway_stream_events_total", NULL,
                         "Events taken into the live streams' rings", 1);
    gw_event_unref (&event);
    if (revoked)
        cabinet__v1__session_revoked__free_unpacked (revoked, NULL);
    cabinet__v1__event__free_unpacked (ev, NULL);
}

void
gw_hub_publish (gw_hub_t *self, const uint8_t *envelope, size_t size)
{
    gw_hub_publish_many (self, &envelope, &size, 1);
}

void
gw_hub_publish_many (gw_hub_t *self, const uint8_t *const *envelopes, const size_t *sizes, size_t n)
{
    //  A stream woken by the first event is running (or about to) when the
    //  next arrives, and is not woken again: one wake-up, and one pull that
    //  writes every frame that came meanwhile, per burst and stream.
    s_wakes_t wakes = {0};
    for (size_t i = 0; i < n; i++)
        s_publish (self, envelopes[i], sizes[i], &wakes);
    s_wake_all (self, &wakes);
}

void
gw_hub_tick (gw_hub_t *self, int64_t now_ms)
{
    s_wakes_t wakes = {0};
    pthread_mutex_lock (&self->lock);
    if (now_ms >= self->next_tick_ms) {
        self->next_tick_ms = now_ms + TICK_MS;
        for (gw_sub_t *sub = self->subs; sub; sub = sub->all_next) {
            if (sub->finished)
                continue;
            if (sub->expires_ms && now_ms >= sub->expires_ms && !sub->expired) {
                sub->expired = true;
                s_wake (sub, &wakes);
            } else if (!sub->ping && now_ms - sub->last_write_ms >= self->opts.ping_ms) {
                sub->ping = true;
                s_wake (sub, &wakes);
            }
        }
    }
    pthread_mutex_unlock (&self->lock);
    s_wake_all (self, &wakes);
}

static void
s_sub_free (gw_sub_t **sub_p)
{
    gw_sub_t *sub = *sub_p;
    gw_event_unref (&sub->cur);
    free (sub->user_id);
    free (sub->session_id);
    free (sub);
    *sub_p = NULL;
}

gw_hub_status_t
gw_hub_subscribe (gw_hub_t *self, const gw_sub_opts_t *opts, gw_sub_t **sub_p)
{
    assert (opts->user_id && *opts->user_id);
    *sub_p = NULL;
    gw_sub_t *sub = calloc (1, sizeof *sub);
    if (!sub)
        return GW_HUB_NO_MEMORY;
    sub->user_id = strdup (opts->user_id);
    sub->session_id = opts->session_id && *opts->session_id ? strdup (opts->session_id) : NULL;
    if (!sub->user_id || (opts->session_id && *opts->session_id && !sub->session_id)) {
        s_sub_free (&sub);
        return GW_HUB_NO_MEMORY;
    }
    sub->personal = opts->meeting_id == NULL;
    sub->hello = true;
    int64_t now = cab_clock_ms ();
    sub->last_write_ms = now;
    if (self->opts.max_age_ms > 0) {
        //  Up to a tenth earlier, so streams opened together do not all
        //  come back at the same moment (the address is spread enough).
        int64_t spread = self->opts.max_age_ms / 10;
        int64_t early = spread > 0 ? (int64_t) (((uintptr_t) sub >> 4) % (uint64_t) spread) : 0;
        sub->expires_ms = now + self->opts.max_age_ms - early;
    }

    gw_hub_status_t status = GW_HUB_OK;
    pthread_mutex_lock (&self->lock);
    s_room_t *room = NULL;
    if (self->closing)
        status = GW_HUB_CLOSED;
    else if (self->n_subs >= self->opts.max_streams)
        status = GW_HUB_FULL;
    else if (s_user_streams (self, sub->user_id) >= self->opts.max_per_user)
        status = GW_HUB_USER_FULL;
    else {
        room = sub->personal ? &self->personal : s_room_get (self, opts->meeting_id);
        if (!room || !s_user_add (self, sub->user_id))
            status = GW_HUB_NO_MEMORY;
    }
    if (status == GW_HUB_OK) {
        sub->room = room;
        sub->cursor = gw_ring_end (room->ring);
        uint64_t seq;
        if (opts->last_event_id && gw_ring_after (room->ring, opts->last_event_id, &seq))
            sub->cursor = seq;
        else if (opts->last_event_id)
            sub->refresh = "unknown_last_event_id";
        sub->room_next = room->subs;
        if (room->subs)
            room->subs->room_prev = sub;
        room->subs = sub;
        room->n_subs++;
        room->used_ms = now;
        sub->all_next = self->subs;
        if (self->subs)
            self->subs->all_prev = sub;
        self->subs = sub;
        self->n_subs++;
        s_metrics_streams (self);
    }
    pthread_mutex_unlock (&self->lock);
    if (status != GW_HUB_OK)
        s_sub_free (&sub);
    *sub_p = sub;
    return status;
}

void
gw_hub_unsubscribe (gw_hub_t *self, gw_sub_t **sub_p)
{
    if (!sub_p || !*sub_p)
        return;
    gw_sub_t *sub = *sub_p;
    pthread_mutex_lock (&self->lock);
    s_room_t *room = sub->room;
    if (sub->room_prev)
        sub->room_prev->room_next = sub->room_next;
    else
        room->subs = sub->room_next;
    if (sub->room_next)
        sub->room_next->room_prev = sub->room_prev;
    room->n_subs--;
    room->used_ms = cab_clock_ms ();
    if (sub->all_prev)
        sub->all_prev->all_next = sub->all_next;
    else
        self->subs = sub->all_next;
    if (sub->all_next)
        sub->all_next->all_prev = sub->all_prev;
    self->n_subs--;
    s_user_remove (self, sub->user_id);
    s_trim_idle (self);
    s_metrics_streams (self);
    pthread_mutex_unlock (&self->lock);
    s_sub_free (sub_p);
}

long
gw_hub_pull (gw_hub_t *self, gw_sub_t *sub, void *conn, char *buf, size_t max)
{
    int64_t now = cab_clock_ms ();
    pthread_mutex_lock (&self->lock);
    long n = s_fill (self, sub, buf, max);
    if (n > 0)
        sub->last_write_ms = now;
    if (n != 0) {
        pthread_mutex_unlock (&self->lock);
        return n;
    }
    sub->park = S_PARKING;
    sub->conn = conn;
    pthread_mutex_unlock (&self->lock);
    self->opts.waker.park (conn);
    pthread_mutex_lock (&self->lock);
    bool woken = sub->park == S_WAKE_REQUESTED;
    sub->park = woken ? S_RUNNING : S_PARKED;
    pthread_mutex_unlock (&self->lock);
    if (woken)
        self->opts.waker.wake (conn);
    return 0;
}

void
gw_hub_close (gw_hub_t *self)
{
    if (!self)
        return;
    s_wakes_t wakes = {0};
    pthread_mutex_lock (&self->lock);
    self->closing = true;
    for (gw_sub_t *sub = self->subs; sub; sub = sub->all_next)
        s_wake (sub, &wakes);
    pthread_mutex_unlock (&self->lock);
    s_wake_all (self, &wakes);
}

size_t
gw_hub_streams (gw_hub_t *self)
{
    pthread_mutex_lock (&self->lock);
    size_t n = self->n_subs;
    pthread_mutex_unlock (&self->lock);
    return n;
}

size_t
gw_hub_parked (gw_hub_t *self)
{
    pthread_mutex_lock (&self->lock);
    size_t n = 0;
    for (gw_sub_t *sub = self->subs; sub; sub = sub->all_next)
        n += sub->park != S_RUNNING;
    pthread_mutex_unlock (&self->lock);
    return n;
}
