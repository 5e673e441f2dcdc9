/*  gw_ring - see ring.h. The ring grows by doubling up to its capacity, so
    a meeting with a handful of events costs a handful of slots, not the
    thousand a busy one may keep. Ids are found by a scan from the newest:
    a reconnecting reader is usually only a few events behind.  */
#include "ring.h"
#include <stdlib.h>
#include <string.h>

#define INITIAL_SLOTS 16

struct _gw_ring_t {
    gw_event_t **slots;  //  slots[(head + i) % cap] is the i-th oldest
    size_t cap;          //  slots allocated
    size_t capacity;     //  most events kept
    size_t head;
    size_t count;
    uint64_t first;  //  sequence number of the oldest
    size_t bytes;    //  frame bytes held
};

static char *
s_strdup_or_null (const char *s, bool *failed)
{
    if (!s)
        return NULL;
    char *copy = strdup (s);
    if (!copy)
        *failed = true;
    return copy;
}

gw_event_t *
gw_event_new (const char *id, const char *type, const char *meeting_id, char *const *audience,
              size_t n_audience, char *frame, size_t frame_len)
{
    gw_event_t *self = calloc (1, sizeof *self);
    if (!self) {
        free (frame);
        return NULL;
    }
    atomic_init (&self->refs, 1);
    self->frame = frame;
    self->frame_len = frame_len;
    bool failed = false;
    self->id = s_strdup_or_null (id ? id : "", &failed);
    self->type = s_strdup_or_null (type ? type : "", &failed);
    self->meeting_id = s_strdup_or_null (meeting_id, &failed);
    if (n_audience > 0) {
        self->audience = calloc (n_audience, sizeof (char *));
        failed = failed || !self->audience;
        for (size_t i = 0; self->audience && i < n_audience; i++) {
            self->audience[i] = s_strdup_or_null (audience[i] ? audience[i] : "", &failed);
            self->n_audience = i + 1;
        }
    }
    if (failed)
        gw_event_unref (&self);
    return self;
}

gw_event_t *
gw_event_ref (gw_event_t *event)
{
    atomic_fetch_add (&event->refs, 1);
    return event;
}

void
gw_event_unref (gw_event_t **event_p)
{
    if (!event_p || !*event_p)
        return;
    gw_event_t *self = *event_p;
    *event_p = NULL;
    if (atomic_fetch_sub (&self->refs, 1) > 1)
        return;
    for (size_t i = 0; i < self->n_audience; i++)
        free (self->audience[i]);
    free (self->audience);
    free (self->id);
    free (self->type);
    free (self->meeting_id);
    free (self->frame);
    free (self);
}

bool
gw_event_admits (const gw_event_t *event, const char *user_id, bool only_addressed)
{
    if (event->n_audience == 0)
        return !only_addressed;
    if (!user_id || !*user_id)
        return false;
    for (size_t i = 0; i < event->n_audience; i++)
        if (strcmp (event->audience[i], user_id) == 0)
            return true;
    return false;
}

gw_ring_t *
gw_ring_new (size_t capacity)
{
    if (capacity == 0)
        return NULL;
    gw_ring_t *self = calloc (1, sizeof *self);
    if (!self)
        return NULL;
    self->capacity = capacity;
    return self;
}

void
gw_ring_destroy (gw_ring_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    gw_ring_t *self = *self_p;
    for (size_t i = 0; i < self->count; i++)
        gw_event_unref (&self->slots[(self->head + i) % self->cap]);
    free (self->slots);
    free (self);
    *self_p = NULL;
}

//  Room for one more: grow (up to the capacity) or drop the oldest.
static bool
s_make_room (gw_ring_t *self)
{
    if (self->count < self->cap)
        return true;
    if (self->cap < self->capacity) {
        size_t cap = self->cap ? self->cap * 2 : INITIAL_SLOTS;
        if (cap > self->capacity)
            cap = self->capacity;
        gw_event_t **slots = calloc (cap, sizeof *slots);
        if (!slots)
            return false;
        for (size_t i = 0; i < self->count; i++)
            slots[i] = self->slots[(self->head + i) % self->cap];
        free (self->slots);
        self->slots = slots;
        self->cap = cap;
        self->head = 0;
        return true;
    }
    gw_event_t **oldest = &self->slots[self->head];
    self->bytes -= (*oldest)->frame_len;
    gw_event_unref (oldest);
    self->head = (self->head + 1) % self->cap;
    self->count--;
    self->first++;
    return true;
}

int64_t
gw_ring_push (gw_ring_t *self, gw_event_t *event)
{
    uint64_t seq;
    if (gw_ring_after (self, event->id, &seq) || !s_make_room (self))
        return -1;
    self->slots[(self->head + self->count) % self->cap] = gw_event_ref (event);
    self->count++;
    self->bytes += event->frame_len;
    return (int64_t) (self->first + self->count - 1);
}

uint64_t
gw_ring_first (const gw_ring_t *self)
{
    return self->first;
}

uint64_t
gw_ring_end (const gw_ring_t *self)
{
    return self->first + self->count;
}

gw_event_t *
gw_ring_at (const gw_ring_t *self, uint64_t seq)
{
    if (seq < self->first || seq >= self->first + self->count)
        return NULL;
    return self->slots[(self->head + (size_t) (seq - self->first)) % self->cap];
}

bool
gw_ring_after (const gw_ring_t *self, const char *last_id, uint64_t *seq_p)
{
    if (!last_id || !*last_id)
        return false;
    for (size_t i = self->count; i > 0; i--) {
        const gw_event_t *event = self->slots[(self->head + i - 1) % self->cap];
        if (strcmp (event->id, last_id) == 0) {
            *seq_p = self->first + i;
            return true;
        }
    }
    return false;
}

size_t
gw_ring_size (const gw_ring_t *self)
{
    return self->count;
}

size_t
gw_ring_bytes (const gw_ring_t *self)
{
    return self->bytes;
}
