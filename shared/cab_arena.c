/*  cab_arena - bump allocation in chained blocks; one free for everything.  */
#include "cab_arena.h"
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ARENA_BLOCK 8192
#define ARENA_ALIGN 16

typedef struct _block_t {
    struct _block_t *next;
    size_t used;
    size_t size;
    _Alignas(ARENA_ALIGN) unsigned char data[];
} block_t;

struct _cab_arena_t {
    block_t *blocks;               //  newest first
    ProtobufCAllocator allocator;  //  protobuf-c view of this arena
};

static void *
s_pb_alloc (void *data, size_t size)
{
    return cab_arena_alloc ((cab_arena_t *) data, size);
}

static void
s_pb_free (void *data, void *pointer)
{
    //  Arena memory is released all at once by cab_arena_destroy.
    (void) data;
    (void) pointer;
}

cab_arena_t *
cab_arena_new (void)
{
    cab_arena_t *self = calloc (1, sizeof *self);
    if (!self)
        return NULL;
    self->allocator.alloc = s_pb_alloc;
    self->allocator.free = s_pb_free;
    self->allocator.allocator_data = self;
    return self;
}

void
cab_arena_destroy (cab_arena_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    cab_arena_t *self = *self_p;
    block_t *block = self->blocks;
    while (block) {
        block_t *next = block->next;
        free (block);
        block = next;
    }
    free (self);
    *self_p = NULL;
}

void *
cab_arena_alloc (cab_arena_t *self, size_t size)
{
    size = (size + ARENA_ALIGN - 1) & ~(size_t) (ARENA_ALIGN - 1);
    if (size == 0)
        size = ARENA_ALIGN;
    block_t *block = self->blocks;
    if (!block || block->size - block->used < size) {
        size_t capacity = size > ARENA_BLOCK ? size : ARENA_BLOCK;
        block = malloc (sizeof *block + capacity);
        if (!block) {
            fprintf (stderr, "cab_arena_alloc: out of memory\n");
            abort ();
        }
        block->used = 0;
        block->size = capacity;
        //  A big one-off allocation goes behind the current block so the
        //  current block's free room stays usable.
        if (self->blocks && capacity > ARENA_BLOCK) {
            block->next = self->blocks->next;
            self->blocks->next = block;
        } else {
            block->next = self->blocks;
            self->blocks = block;
        }
    }
    void *pointer = block->data + block->used;
    block->used += size;
    memset (pointer, 0, size);
    return pointer;
}

char *
cab_arena_strdup (cab_arena_t *self, const char *s)
{
    if (!s)
        return NULL;
    size_t n = strlen (s) + 1;
    char *copy = cab_arena_alloc (self, n);
    memcpy (copy, s, n);
    return copy;
}

char *
cab_arena_printf (cab_arena_t *self, const char *fmt, ...)
{
    va_list args;
    va_start (args, fmt);
    int n = vsnprintf (NULL, 0, fmt, args);
    va_end (args);
    if (n < 0)
        return NULL;
    char *text = cab_arena_alloc (self, (size_t) n + 1);
    va_start (args, fmt);
    vsnprintf (text, (size_t) n + 1, fmt, args);
    va_end (args);
    return text;
}

ProtobufCAllocator *
cab_arena_allocator (cab_arena_t *self)
{
    return &self->allocator;
}
