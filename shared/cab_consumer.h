/*  cab_consumer - consumes Kafka topics into a service's database, exactly
    once in effect: each event's id is recorded in the schema's inbox table
    in the same transaction as the handler's changes, so a redelivered event
    is skipped. An offset is stored only after that transaction, and stored
    offsets are committed to Kafka every second and at close.  */
#ifndef CAB_CONSUMER_H
#define CAB_CONSUMER_H
#include "cab_metrics.h"
#include "cab_status.h"
#include "cabinet/v1/event.pb-c.h"
#include <libpq-fe.h>
#include <stdint.h>

//  Apply one event inside an open transaction on db. ev is NULL for a
//  tombstone (then key names what was deleted). Return CAB_OK to commit;
//  anything else rolls back and the event is retried later.
typedef cab_status_t (*cab_consume_fn) (PGconn *db, const char *topic, const char *key,
                                        const Cabinet__V1__Event *ev, void *arg);

typedef struct {
    const char *conninfo;
    const char *schema;
    const char *bootstrap;
    const char *group_id;
    const char *const *topics;  //  NULL-terminated; "^..." is a regex
    cab_consume_fn handler;
    void *arg;
    cab_metrics_t *metrics;  //  borrowed, may be NULL
    //  The event types the handler applies, NULL-terminated ("meeting."
    //  ends with a dot: every type it begins); NULL: every event. An event
    //  of another type is passed over without a transaction: nothing of it
    //  is applied, so its id needs no inbox row. Tombstones always go to
    //  the handler.
    const char *const *types;
} cab_consumer_opts_t;

typedef struct _cab_consumer_t cab_consumer_t;

//  An event's place in its source's chain (Event.sequence), which
//  projections compare to apply only what is newer; 0 when it has none.
uint64_t cab_event_sequence (const Cabinet__V1__Event *ev);

//  Start the consumer thread. Strings are copied. Returns NULL on failure.
cab_consumer_t *cab_consumer_new (const cab_consumer_opts_t *opts);

//  Stop, close the consumer (leaving the group), free. NULL-safe.
void cab_consumer_destroy (cab_consumer_t **self_p);

#endif
