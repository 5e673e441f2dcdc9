/*  gw_services - the gateway's RPC clients by service name. Filled once at
    start-up by main, read by every HTTP thread afterwards without locks
    (cab_rpc_client_t is itself thread-safe; generations are atomic).  */
#include "services.h"
#include "cab_log.h"
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#define SERVICE_NAME_MAX 32

typedef struct {
    char name[SERVICE_NAME_MAX];
    cab_rpc_client_t *client;
    _Atomic uint64_t generation;  //  moves on when the service's data changes
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

//  The entry of a method ("identity.Login") or of a bare service name.
static s_entry_t *
s_find (const gw_services_t *self, const char *method)
{
    if (!self || !method)
        return NULL;
    const char *dot = strchr (method, '.');
    size_t len = dot ? (size_t) (dot - method) : strlen (method);
    for (size_t i = 0; i < self->size; i++)
        if (strlen (self->entries[i].name) == len
            && memcmp (self->entries[i].name, method, len) == 0)
            return (s_entry_t *) &self->entries[i];
    return NULL;
}

cab_rpc_client_t *
gw_services_for_method (const gw_services_t *self, const char *method)
{
    if (!method || !strchr (method, '.'))
        return NULL;
    s_entry_t *entry = s_find (self, method);
    return entry ? entry->client : NULL;
}

uint64_t
gw_services_generation (const gw_services_t *self, const char *method)
{
    s_entry_t *entry = s_find (self, method);
    return entry ? atomic_load (&entry->generation) : 0;
}

void
gw_services_changed (gw_services_t *self, const char *method)
{
    s_entry_t *entry = s_find (self, method);
    if (entry)
        atomic_fetch_add (&entry->generation, 1);
}

void
gw_services_changed_at (gw_services_t *self, size_t index)
{
    if (self && index < self->size)
        atomic_fetch_add (&self->entries[index].generation, 1);
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
