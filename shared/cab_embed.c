/*  cab_embed - lookup in embedded file arrays.  */
#include "cab_embed.h"
#include <string.h>

const cab_embedded_file_t *
cab_embed_find (const cab_embedded_file_t *files, const char *name)
{
    for (const cab_embedded_file_t *file = files; file && file->name; file++)
        if (strcmp (file->name, name) == 0)
            return file;
    return NULL;
}
