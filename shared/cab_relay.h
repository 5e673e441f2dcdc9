/*  cab_relay - publishes a service's outbox: one thread, its own database
    connection, an idempotent Kafka producer (acks=all) and the service's
    ZeroMQ PUB socket. Rows are claimed with FOR UPDATE SKIP LOCKED, sent in
    id order keyed by subject, and marked sent only after Kafka confirmed
    delivery; then published on PUB for live consumers. Woken by
    LISTEN/NOTIFY, polling as a fallback. Kafka being down delays events,
    never loses them and never blocks the service.  */
#ifndef CAB_RELAY_H
#define CAB_RELAY_H
#include "cab_metrics.h"

typedef struct {
    const char *conninfo;      //  database
    const char *schema;        //  the service's schema (its outbox)
    const char *service;       //  "identity"
    const char *node_id;       //  source of the events
    const char *bootstrap;     //  Kafka bootstrap servers
    const char *pub_endpoint;  //  ZeroMQ PUB endpoint to bind, NULL for none
    void *zmq_ctx;
    cab_metrics_t *metrics;   //  borrowed, may be NULL
    int delivery_timeout_ms;  //  a delivery not confirmed by then is retried
                              //  later; 0: 10 s
} cab_relay_opts_t;

typedef struct _cab_relay_t cab_relay_t;

//  Start the relay thread. Strings are copied. Returns NULL on failure.
cab_relay_t *cab_relay_new (const cab_relay_opts_t *opts);

//  Stop the thread (finishing the batch in flight), flush, free. NULL-safe.
void cab_relay_destroy (cab_relay_t **self_p);

#endif
