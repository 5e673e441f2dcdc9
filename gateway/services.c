/*  gw_services - the gateway's RPC clients by service name. Filled once at
    start-up by main, read by every HTTP thread afterwards without locks
    (cab_rpc_client_t is itself thread-safe).  */
#include "services.h"
#include "cab_log.h"
#include <stdlib.h>
#include <string.h>

#define SERVICE_NAME_MAX 32

typedef struct {
    char name[SERVICE_NAME_MAX];
    cab_rpc_client_t *client;
} s_entry_t;

struct _gw_services_t {
    s_entry_t entries[GW_SERVICES_MAX];
    size_t size;
};

gw_services_t *
gw_services_new (void)
{
    return calloc (1, sizeof (gw_services_t));
}

void
gw_services_destroy (gw_services_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    gw_services_t *self = *self_p;
    for (size_t i = 0; i < self->size; i++)
        cab_rpc_client_destroy (&self->entries[i].client);
    free (self);
    *self_p = NULL;
}

int
gw_services_add (gw_services_t *self, const char *name, cab_rpc_client_t **client_p)
{
    size_t len = strlen (name);
    bool taken = false;
    for (size_t i = 0; i < self->size; i++)
        taken = taken || strcmp (self->entries[i].name, name) == 0;
    if (self->size >= GW_SERVICES_MAX || len == 0 || len >= SERVICE_NAME_MAX || taken) {
        cab_error ("cannot register service '%s'", name);
        cab_rpc_client_destroy (client_p);
        return -1;
    }
    s_entry_t *entry = &self->entries[self->size++];
    memcpy (entry->name, name, len + 1);
    entry->client = *client_p;
    *client_p = NULL;
    return 0;
}

cab_rpc_client_t *
gw_services_for_method (const gw_services_t *self, const char *method)
{
    const char *dot = strchr (method, '.');
    if (!self || !dot)
        return NULL;
    size_t len = (size_t) (dot - method);
    for (size_t i = 0; i < self->size; i++)
        if (strlen (self->entries[i].name) == len
            && memcmp (self->entries[i].name, method, len) == 0)
            return self->entries[i].client;
    return NULL;
}

size_t
gw_services_size (const gw_services_t *self)
{
    return self ? self->size : 0;
}

const char *
gw_services_name (const gw_services_t *self, size_t index)
{
    return index < self->size ? self->entries[index].name : NULL;
}

cab_rpc_client_t *
gw_services_client (const gw_services_t *self, size_t index)
{
    return index < self->size ? self->entries[index].client : NULL;
}
