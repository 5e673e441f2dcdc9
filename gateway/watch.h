/*  gw_watch - the gateway's ear on the node's events: one thread
    subscribed to every service's ZeroMQ PUB socket. Each event a service
    publishes moves that service's generation on (gw_services_changed_at),
    which retires what the gateway cached from it (cache.h), and is handed
    to the live streams' hub (hub.h), which the thread also keeps on time
    (gw_hub_tick).  */
#ifndef GW_WATCH_H
#define GW_WATCH_H
#include "cab_metrics.h"
#include "hub.h"
#include "services.h"

typedef struct _gw_watch_t gw_watch_t;

//  Subscribe to the PUB endpoint of every service in services
//  (cab_config_endpoint (name, "pub")) and start the thread. services,
//  metrics and hub are borrowed and must outlive the watch; hub may be
//  NULL (no live streams). NULL on failure.
gw_watch_t *gw_watch_new (void *zmq_ctx, gw_services_t *services, cab_metrics_t *metrics,
                          gw_hub_t *hub);

//  Stop the thread and close the sockets; nulls *self_p. NULL-safe.
void gw_watch_destroy (gw_watch_t **self_p);

#endif
