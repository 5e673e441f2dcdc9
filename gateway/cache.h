/*  gw_cache - a bounded, thread-safe cache of byte strings for the
    gateway: the verdicts of identity.Authenticate by session token, and the
    answers of the read routes that are marked cacheable.

    Every entry carries a stamp, the generation of the service it came from
    when the call that produced it started (gw_services_generation); an entry
    whose stamp is not the current generation is a miss. A service's
    generation moves on every event it publishes and on every write this
    gateway sends it, so nothing is served from before a change the gateway
    has seen; the expiry time bounds what it cannot see.

    An entry is refreshed ahead of its expiry: a lookup in the last quarter
    of its life is told to refresh it (once; the others keep being served
    from the entry meanwhile), so a popular entry never expires under load
    and the requests on it never all miss at once.

    Set-associative: a key hashes to one set of GW_CACHE_WAYS slots; a new
    entry takes an empty, expired or stale slot of its set, else the oldest.
    Memory is bounded by the slot count and GW_CACHE_VALUE_MAX.  */
#ifndef GW_CACHE_H
#define GW_CACHE_H
#include "cab_arena.h"
#include "cab_metrics.h"
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define GW_CACHE_WAYS 4
#define GW_CACHE_VALUE_MAX (256 * 1024)  //  larger values are not kept
#define GW_CACHE_KEY_MAX 4096            //  longer keys are not kept

typedef struct _gw_cache_t gw_cache_t;

//  A cache of about capacity entries (rounded up to whole sets). capacity 0
//  gives NULL: every call below accepts NULL as a cache that keeps nothing.
gw_cache_t *gw_cache_new (size_t capacity);

//  Free every entry and the cache; nulls *self_p. NULL-safe.
void gw_cache_destroy (gw_cache_t **self_p);

//  Look key up. On a hit (same stamp, not expired at now_ms), copies the
//  value into arena (NUL-terminated for convenience) and sets *value_p and
//  *size_p. Returns true on a hit, false on a miss and when this caller is
//  the one to refresh an entry near its expiry (then it fetches and puts
//  as on a miss, while other callers are still served the entry).
bool gw_cache_get (gw_cache_t *self, const void *key, size_t key_len, uint64_t stamp,
                   int64_t now_ms, cab_arena_t *arena, const char **value_p, size_t *size_p);

//  Keep a copy of value under key, valid for stamp until expires_ms.
//  Replaces an entry with the same key. Values or keys over the limits are
//  not kept; out of memory keeps nothing.
void gw_cache_put (gw_cache_t *self, const void *key, size_t key_len, uint64_t stamp,
                   int64_t expires_ms, const void *value, size_t size);

//  Number of entries held (expired or stale ones included).
size_t gw_cache_size (gw_cache_t *self);

//  Count one lookup in metrics: cabinet_gateway_cache_total{cache=name,
//  result="hit"|"miss"}.
void gw_cache_count (cab_metrics_t *metrics, const char *name, bool hit);

#endif
