/*  notify_worker - per-thread state of the notifications service.  */
#include "worker.h"
#include "cab_db.h"
#include "cab_log.h"
#include "cab_uuid.h"
#include "handlers.h"
#include <stdlib.h>

void *
notify_worker_new (const cab_service_env_t *env, int index)
{
    notify_worker_t *self = calloc (1, sizeof *self);
    if (!self)
        return NULL;
    self->db = cab_db_connect (env->conninfo, "notifications", "cabinet-notifications");
    if (!self->db) {
        cab_error ("notifications worker %d could not start", index);
        notify_worker_destroy (self);
        return NULL;
    }
    return self;
}

void
notify_worker_destroy (void *worker)
{
    notify_worker_t *self = worker;
    if (!self)
        return;
    if (self->db)
        PQfinish (self->db);
    free (self);
}

bool
notify_worker_ready (void *worker, const char **detail)
{
    notify_worker_t *self = worker;
    bool db = self && cab_db_ping (self->db);
    if (detail)
        *detail = db ? "ok" : "database unreachable";
    return db;
}

const char *
notify_call_user (const cab_call_t *call)
{
    const char *id = call->caller ? call->caller->user_id : NULL;
    return id && cab_uuid_valid (id) ? id : NULL;
}
