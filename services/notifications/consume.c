/*  consume - the consumer of the node's events: the projection first, so
    the notices an event calls for see the state it made.  */
#include "handlers.h"
#include "projection.h"
#include "triggers.h"

cab_status_t
notify_consume (PGconn *db, const char *topic, const char *key, const Cabinet__V1__Event *ev,
                void *arg)
{
    (void) topic;
    (void) key;
    const cab_service_env_t *env = arg;
    if (!ev || !ev->has_payload || ev->payload.len == 0)
        return CAB_OK;
    cab_status_t status = notify_projection_apply (db, ev, env->node_id);
    if (status == CAB_OK)
        status = notify_triggers_apply (db, ev, env->node_id);
    //  Data the database refuses will not improve on retry.
    if (status == CAB_INVALID_ARGUMENT || status == CAB_FAILED_PRECONDITION)
        status = CAB_OK;
    return status;
}
