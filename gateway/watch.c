/*  gw_watch - see watch.h. A PUB message is two frames, the event type and
    the Event envelope (cab_relay). For the caches only the arrival
    matters; the envelope goes to the hub as it came, read once here for
    every stream, and what arrived together (a relay sends tens of events
    at once during a burst) goes to the hub together, so that a stream is
    woken once per burst rather than once per event. PUB drops messages when a subscriber falls
   behind or is not yet connected: the caches' expiry times cover what is missed, and a live
   stream's client re-reads when it reconnects (a dropped event is simply not in the ring).  */
#include "watch.h"
#include "cab_config.h"
#include "cab_log.h"
#include "cab_time.h"
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <zmq.h>

#define POLL_MS 200    //  how often the thread looks at the stop flag
#define BURST_MAX 256  //  messages handed to the hub at once

struct _gw_watch_t {
    gw_services_t *services;
    cab_metrics_t *metrics;
    gw_hub_t *hub;  //  NULL: no live streams
    void *sockets[GW_SERVICES_MAX];
    size_t count;
    pthread_t thread;
    bool started;
    atomic_bool stop;
};

//  Read one whole message, if one is waiting (false when none is). Its
//  envelope, the second frame, is copied to *envelope (empty when it had
//  none), which the caller closes.
static bool
s_read_one (void *socket, zmq_msg_t *envelope)
{
    zmq_msg_t frame;
    zmq_msg_init (&frame);
    if (zmq_msg_recv (&frame, socket, ZMQ_DONTWAIT) < 0) {
        zmq_msg_close (&frame);
        return false;
    }
    zmq_msg_init (envelope);
    for (int index = 1; zmq_msg_more (&frame); index++) {
        zmq_msg_close (&frame);
        zmq_msg_init (&frame);
        if (zmq_msg_recv (&frame, socket, 0) < 0)
            break;
        if (index == 1)
            zmq_msg_copy (envelope, &frame);
    }
    zmq_msg_close (&frame);
    return true;
}

//  Read what has arrived on socket, up to BURST_MAX messages, and hand
//  their envelopes to the hub as one burst. Returns the messages read.
static int
s_drain_burst (gw_watch_t *self, void *socket)
{
    zmq_msg_t messages[BURST_MAX];
    const uint8_t *envelopes[BURST_MAX];
    size_t sizes[BURST_MAX];
    int n = 0;
    while (n < BURST_MAX && s_read_one (socket, &messages[n]))
        n++;
    size_t kept = 0;
    for (int i = 0; i < n; i++)
        if (zmq_msg_size (&messages[i]) > 0) {
            envelopes[kept] = zmq_msg_data (&messages[i]);
            sizes[kept++] = zmq_msg_size (&messages[i]);
        }
    if (kept > 0 && self->hub)
        gw_hub_publish_many (self->hub, envelopes, sizes, kept);
    for (int i = 0; i < n; i++)
        zmq_msg_close (&messages[i]);
    return n;
}

static void *
s_run (void *arg)
{
    gw_watch_t *self = arg;
    zmq_pollitem_t items[GW_SERVICES_MAX];
    for (size_t i = 0; i < self->count; i++)
        items[i] = (zmq_pollitem_t){.socket = self->sockets[i], .events = ZMQ_POLLIN};
    while (!atomic_load (&self->stop)) {
        int ready = zmq_poll (items, (int) self->count, POLL_MS);
        if (self->hub)
            gw_hub_tick (self->hub, cab_clock_ms ());
        if (ready <= 0)
            continue;
        for (size_t i = 0; i < self->count; i++) {
            if (!(items[i].revents & ZMQ_POLLIN))
                continue;
            //  Several events in a row make one change as far as caches go.
            int events = 0, burst;
            while ((burst = s_drain_burst (self, self->sockets[i])) > 0)
                events += burst;
            if (events > 0) {
                gw_services_changed_at (self->services, i);
                cab_metrics_add (self->metrics, "cabinet_gateway_events_total", NULL,
                                 "Service events seen by the gateway (cache invalidation)", events);
            }
        }
    }
    return NULL;
}

gw_watch_t *
gw_watch_new (void *zmq_ctx, gw_services_t *services, cab_metrics_t *metrics, gw_hub_t *hub)
{
    gw_watch_t *self = calloc (1, sizeof *self);
    if (!self)
        return NULL;
    self->services = services;
    self->metrics = metrics;
    self->hub = hub;
    atomic_init (&self->stop, false);
    size_t n = gw_services_size (services);
    for (size_t i = 0; i < n; i++) {
        const char *name = gw_services_name (services, i);
        char *endpoint = cab_config_endpoint (name, "pub");
        void *socket = zmq_socket (zmq_ctx, ZMQ_SUB);
        int linger = 0;
        if (!endpoint || !socket || zmq_setsockopt (socket, ZMQ_LINGER, &linger, sizeof linger)
            || zmq_setsockopt (socket, ZMQ_SUBSCRIBE, "", 0) || zmq_connect (socket, endpoint)) {
            cab_error ("cannot subscribe to %s events at %s: %s", name,
                       endpoint ? endpoint : "(no endpoint)", zmq_strerror (zmq_errno ()));
            if (socket)
                zmq_close (socket);
            free (endpoint);
            gw_watch_destroy (&self);
            return NULL;
        }
        cab_info ("watching %s events at %s", name, endpoint);
        free (endpoint);
        self->sockets[self->count++] = socket;
    }
    if (pthread_create (&self->thread, NULL, s_run, self) != 0) {
        cab_error ("cannot start the event watch thread");
        gw_watch_destroy (&self);
        return NULL;
    }
    self->started = true;
    return self;
}

void
gw_watch_destroy (gw_watch_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    gw_watch_t *self = *self_p;
    atomic_store (&self->stop, true);
    if (self->started)
        pthread_join (self->thread, NULL);
    for (size_t i = 0; i < self->count; i++)
        zmq_close (self->sockets[i]);
    free (self);
    *self_p = NULL;
}
