/*  gw_services - the RPC clients the gateway talks to, one per service,
    found by a method name's prefix ("identity.GetUser" -> identity), and
    each service's generation: a counter that moves on whenever the
    gateway learns that the service's data changed (an event it published,
    a write sent to it), which is what cached answers are stamped with.  */
#ifndef GW_SERVICES_H
#define GW_SERVICES_H
#include "cab_rpc.h"
#include <stddef.h>
#include <stdint.h>

#define GW_SERVICES_MAX 16

typedef struct _gw_services_t gw_services_t;

//  An empty registry. Returns NULL on out-of-memory.
gw_services_t *gw_services_new (void);

//  Destroy every client and the registry; nulls *self_p. NULL-safe.
void gw_services_destroy (gw_services_t **self_p);

//  Register client for service name (copied). Takes ownership of *client_p
//  and nulls it, also on failure (then the client is destroyed).
//  Returns 0, or -1 when the registry is full or the name is taken.
int gw_services_add (gw_services_t *self, const char *name, cab_rpc_client_t **client_p);

//  The client serving method ("identity.Login"), or NULL if none does.
//  Borrowed.
cab_rpc_client_t *gw_services_for_method (const gw_services_t *self, const char *method);

//  The generation of the service of method ("scheduling.ListMeetings") or
//  of a service name ("scheduling"); 0 for an unknown one.
uint64_t gw_services_generation (const gw_services_t *self, const char *method);

//  The service of method (or name) changed: move its generation on.
void gw_services_changed (gw_services_t *self, const char *method);

//  The same by index (index < size).
void gw_services_changed_at (gw_services_t *self, size_t index);

//  Number of registered services.
size_t gw_services_size (const gw_services_t *self);

//  Name and client of the index-th service (index < size). Borrowed.
const char *gw_services_name (const gw_services_t *self, size_t index);
cab_rpc_client_t *gw_services_client (const gw_services_t *self, size_t index);

#endif
