/*  gw_cache - see cache.h. Sets are guarded by striped mutexes, so threads
    looking up different keys rarely wait on each other; a lookup copies
    the value out under the lock and never hands out a pointer into the
    cache.  */
#include "cache.h"
#include "cab_time.h"
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LOCKS 64
#define FNV_OFFSET 14695981039346656037ULL
#define FNV_PRIME 1099511628211ULL
#define REFRESH_CLAIM_MS 1000  //  a refresh not done by then may be tried again

typedef struct {
    uint64_t hash;
    char *key;  //  NULL: empty slot
    size_t key_len;
    char *value;
    size_t size;
    uint64_t stamp;
    int64_t expires_ms;
    int64_t refresh_ms;  //  from then on, one lookup is sent to refresh it
    int64_t stored_ms;
} s_slot_t;

struct _gw_cache_t {
    size_t sets;
    s_slot_t *slots;  //  sets * GW_CACHE_WAYS
    pthread_mutex_t locks[LOCKS];
};

//  FNV-1a: keys are short and collisions only cost an eviction.
static uint64_t
s_hash (const void *key, size_t len)
{
    const unsigned char *p = key;
    uint64_t h = FNV_OFFSET;
    for (size_t i = 0; i < len; i++) {
        h ^= p[i];
        h *= FNV_PRIME;
    }
    return h;
}

gw_cache_t *
gw_cache_new (size_t capacity)
{
    if (capacity == 0)
        return NULL;
    gw_cache_t *self = calloc (1, sizeof *self);
    if (!self)
        return NULL;
    self->sets = (capacity + GW_CACHE_WAYS - 1) / GW_CACHE_WAYS;
    self->slots = calloc (self->sets * GW_CACHE_WAYS, sizeof (s_slot_t));
    if (!self->slots) {
        free (self);
        return NULL;
    }
    for (int i = 0; i < LOCKS; i++)
        pthread_mutex_init (&self->locks[i], NULL);
    return self;
}

static void
s_slot_clear (s_slot_t *slot)
{
    free (slot->key);
    free (slot->value);
    memset (slot, 0, sizeof *slot);
}

void
gw_cache_destroy (gw_cache_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    gw_cache_t *self = *self_p;
    for (size_t i = 0; i < self->sets * GW_CACHE_WAYS; i++)
        s_slot_clear (&self->slots[i]);
    for (int i = 0; i < LOCKS; i++)
        pthread_mutex_destroy (&self->locks[i]);
    free (self->slots);
    free (self);
    *self_p = NULL;
}

static s_slot_t *
s_set (gw_cache_t *self, uint64_t hash, pthread_mutex_t **lock_p)
{
    size_t set = (size_t) (hash % self->sets);
    *lock_p = &self->locks[set % LOCKS];
    return &self->slots[set * GW_CACHE_WAYS];
}

static bool
s_same_key (const s_slot_t *slot, uint64_t hash, const void *key, size_t key_len)
{
    return slot->key && slot->hash == hash && slot->key_len == key_len
           && memcmp (slot->key, key, key_len) == 0;
}

bool
gw_cache_get (gw_cache_t *self, const void *key, size_t key_len, uint64_t stamp, int64_t now_ms,
              cab_arena_t *arena, const char **value_p, size_t *size_p)
{
    if (!self || key_len > GW_CACHE_KEY_MAX)
        return false;
    uint64_t hash = s_hash (key, key_len);
    pthread_mutex_t *lock;
    s_slot_t *set = s_set (self, hash, &lock);
    bool hit = false;
    pthread_mutex_lock (lock);
    for (int i = 0; i < GW_CACHE_WAYS && !hit; i++) {
        s_slot_t *slot = &set[i];
        if (!s_same_key (slot, hash, key, key_len))
            continue;
        if (slot->stamp != stamp || now_ms >= slot->expires_ms)
            break;
        if (now_ms >= slot->refresh_ms) {
            //  This caller refreshes; the others are served until it has.
            slot->refresh_ms = now_ms + REFRESH_CLAIM_MS;
            break;
        }
        char *copy = cab_arena_alloc (arena, slot->size + 1);
        memcpy (copy, slot->value, slot->size);
        copy[slot->size] = '\0';
        *value_p = copy;
        *size_p = slot->size;
        hit = true;
    }
    pthread_mutex_unlock (lock);
    return hit;
}

void
gw_cache_put (gw_cache_t *self, const void *key, size_t key_len, uint64_t stamp, int64_t expires_ms,
              const void *value, size_t size)
{
    if (!self || size > GW_CACHE_VALUE_MAX || key_len > GW_CACHE_KEY_MAX)
        return;
    //  Copies are made before taking the lock; a failed one keeps nothing.
    char *key_copy = malloc (key_len ? key_len : 1);
    char *value_copy = malloc (size ? size : 1);
    if (!key_copy || !value_copy) {
        free (key_copy);
        free (value_copy);
        return;
    }
    memcpy (key_copy, key, key_len);
    memcpy (value_copy, value, size);
    uint64_t hash = s_hash (key, key_len);
    int64_t now_ms = cab_clock_ms ();
    pthread_mutex_t *lock;
    s_slot_t *set = s_set (self, hash, &lock);
    pthread_mutex_lock (lock);
    //  The same key, else an empty slot, else an expired one, else the oldest.
    s_slot_t *victim = NULL;
    for (int i = 0; i < GW_CACHE_WAYS && !victim; i++)
        if (s_same_key (&set[i], hash, key, key_len))
            victim = &set[i];
    for (int i = 0; i < GW_CACHE_WAYS && !victim; i++)
        if (!set[i].key || set[i].expires_ms <= now_ms)
            victim = &set[i];
    if (!victim) {
        victim = &set[0];
        for (int i = 1; i < GW_CACHE_WAYS; i++)
            if (set[i].stored_ms < victim->stored_ms)
                victim = &set[i];
    }
    s_slot_clear (victim);
    *victim = (s_slot_t){
        .hash = hash,
        .key = key_copy,
        .key_len = key_len,
        .value = value_copy,
        .size = size,
        .stamp = stamp,
        .expires_ms = expires_ms,
        .refresh_ms = expires_ms - (expires_ms - now_ms) / 4,
        .stored_ms = now_ms,
    };
    pthread_mutex_unlock (lock);
}

size_t
gw_cache_size (gw_cache_t *self)
{
    if (!self)
        return 0;
    size_t n = 0;
    for (size_t set = 0; set < self->sets; set++) {
        pthread_mutex_t *lock = &self->locks[set % LOCKS];
        pthread_mutex_lock (lock);
        for (int i = 0; i < GW_CACHE_WAYS; i++)
            n += self->slots[set * GW_CACHE_WAYS + i].key != NULL;
        pthread_mutex_unlock (lock);
    }
    return n;
}

void
gw_cache_count (cab_metrics_t *metrics, const char *name, bool hit)
{
    char labels[96];
    snprintf (labels, sizeof labels, "cache=\"%s\",result=\"%s\"", name, hit ? "hit" : "miss");
    cab_metrics_add (metrics, "cabinet_gateway_cache_total", labels,
                     "Lookups in the gateway's caches", 1);
}
