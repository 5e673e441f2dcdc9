/*  gw_ring - see ring.h. The ring grows by doubling up to its capacity, so
    a meeting with a handful of events costs a handful of slots, not the
    thousand a busy one may keep. Ids are found through an index (open
    addressing, linear probing, twice as many entries as slots): every
    event pushed is looked up first, to drop repeated deliveries, and a
    scan of a full ring per event was the gateway's costliest step in a
    vote storm.  */
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
    uint64_t first;   //  sequence number of the oldest
    size_t bytes;     //  frame bytes held
    uint64_t *index;  //  by hash of the event id: its sequence number + 1; 0 = free
    size_t index_mask;
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

// ---- the index of ids ------------------------------------------------------------

static size_t
s_hash (const char *id)
{
    uint64_t h = 14695981039346656037ULL;  //  FNV-1a
    for (const unsigned char *c = (const unsigned char *) id; *c; c++)
        h = (h ^ *c) * 1099511628211ULL;
    return (size_t) (h ^ (h >> 32));
}

static gw_event_t *
s_event (const gw_ring_t *self, uint64_t seq)
{
    return self->slots[(self->head + (size_t) (seq - self->first)) % self->cap];
}

static void
s_index_put (gw_ring_t *self, uint64_t seq)
{
    size_t i = s_hash (s_event (self, seq)->id) & self->index_mask;
    while (self->index[i])
        i = (i + 1) & self->index_mask;
    self->index[i] = seq + 1;
}

//  The index entry of the event with this id, or -1.
static long
s_index_find (const gw_ring_t *self, const char *id)
{
    if (!self->index)
        return -1;
    for (size_t i = s_hash (id) & self->index_mask; self->index[i]; i = (i + 1) & self->index_mask)
        if (strcmp (s_event (self, self->index[i] - 1)->id, id) == 0)
            return (long) i;
    return -1;
}

//  Take the event numbered seq (held) out of the index: its entry is freed
//  and the entries after it that may move closer to their place do.
static void
s_index_remove (gw_ring_t *self, uint64_t seq)
{
    long found = s_index_find (self, s_event (self, seq)->id);
    if (found < 0)
        return;
    size_t mask = self->index_mask, hole = (size_t) found;
    for (size_t j = (hole + 1) & mask; self->index[j]; j = (j + 1) & mask) {
        size_t home = s_hash (s_event (self, self->index[j] - 1)->id) & mask;
        //  The entry at j stays if its home lies cyclically in (hole, j].
        bool stays = hole <= j ? (hole < home && home <= j) : (hole < home || home <= j);
        if (stays)
            continue;
        self->index[hole] = self->index[j];
        hole = j;
    }
    self->index[hole] = 0;
}

//  An index for cap slots, holding the events there are. false on
//  out-of-memory (the old index stays).
static bool
s_index_rebuild (gw_ring_t *self, size_t cap)
{
    size_t size = 1;
    while (size < 2 * cap)
        size *= 2;
    uint64_t *index = calloc (size, sizeof *index);
    if (!index)
        return false;
    free (self->index);
    self->index = index;
    self->index_mask = size - 1;
    for (uint64_t seq = self->first; seq < self->first + self->count; seq++)
        s_index_put (self, seq);
    return true;
}

// ---- the ring ---------------------------------------------------------------------

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
    free (self->index);
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
        gw_event_t **old = self->slots;
        size_t old_cap = self->cap, old_head = self->head;
        self->slots = slots;
        self->cap = cap;
        self->head = 0;
        if (!s_index_rebuild (self, cap)) {
            self->slots = old;
            self->cap = old_cap;
            self->head = old_head;
            free (slots);
            return false;
        }
        free (old);
        return true;
    }
    s_index_remove (self, self->first);
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
    s_index_put (self, self->first + self->count - 1);
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
    long found = s_index_find (self, last_id);
    if (found < 0)
        return false;
    *seq_p = self->index[found];  //  the number after it
    return true;
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
