/*  cab_arena - a bump allocator for one request: everything a handler builds
    for its reply (strings, messages, unpacked requests) lives here and is
    freed at once when the reply has been sent.  */
#ifndef CAB_ARENA_H
#define CAB_ARENA_H
#include <protobuf-c/protobuf-c.h>
#include <stddef.h>

typedef struct _cab_arena_t cab_arena_t;

//  Returns NULL on out-of-memory.
cab_arena_t *cab_arena_new (void);

//  Free everything; nulls *self_p. NULL-safe.
void cab_arena_destroy (cab_arena_t **self_p);

//  Zeroed memory, aligned for any type. Aborts on out-of-memory.
void *cab_arena_alloc (cab_arena_t *self, size_t size);

//  Copy of s (NULL gives NULL).
char *cab_arena_strdup (cab_arena_t *self, const char *s);

char *cab_arena_printf (cab_arena_t *self, const char *fmt, ...)
    __attribute__ ((format (printf, 2, 3)));

//  A protobuf-c allocator drawing from the arena (free is a no-op), for
//  __unpack calls whose result lives as long as the arena.
ProtobufCAllocator *cab_arena_allocator (cab_arena_t *self);

#endif
