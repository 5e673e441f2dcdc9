/*  cab_embed - files compiled into a binary by tools/embed.c (SQL
    migrations, documents served as they are).  */
#ifndef CAB_EMBED_H
#define CAB_EMBED_H
#include <stddef.h>

typedef struct {
    const char *name;  //  base name of the file, NULL ends the array
    const char *data;  //  contents, NUL-terminated for convenience
    size_t size;       //  bytes, without the terminating NUL
} cab_embedded_file_t;

//  Find a file by base name in a NULL-terminated array. Returns NULL if absent.
const cab_embedded_file_t *cab_embed_find (const cab_embedded_file_t *files, const char *name);

//  Migrations every service schema gets before its own (outbox, inbox).
extern const cab_embedded_file_t cab_shared_sql[];

#endif
