/*  gw_schemas - see schemas.h. About a hundred names, looked up once per
    event: a plain scan is fast enough and needs no set-up.  */
#include "schemas.h"
#include <string.h>

const ProtobufCMessageDescriptor *
gw_schema_find (const char *full_name)
{
    if (!full_name)
        return NULL;
    for (size_t i = 0; gw_schema_list[i]; i++)
        if (strcmp (gw_schema_list[i]->name, full_name) == 0)
            return gw_schema_list[i];
    return NULL;
}

size_t
gw_schema_count (void)
{
    size_t n = 0;
    while (gw_schema_list[n])
        n++;
    return n;
}
