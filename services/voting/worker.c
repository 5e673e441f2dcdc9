/*  vote_worker - per-thread state of the voting service.  */
#include "worker.h"
#include "cab_db.h"
#include "cab_log.h"
#include <stdlib.h>

void *
vote_worker_new (const cab_service_env_t *env, int index)
{
    vote_worker_t *self = calloc (1, sizeof *self);
    if (!self)
        return NULL;
    self->db = cab_db_connect (env->conninfo, "voting", "cabinet-voting");
    self->store = vote_store_new (self->db);
    if (!self->db || !self->store) {
        cab_error ("voting worker %d could not start", index);
        vote_worker_destroy (self);
        return NULL;
    }
    return self;
}

void
vote_worker_destroy (void *worker)
{
    vote_worker_t *self = worker;
    if (!self)
        return;
    vote_store_destroy (&self->store);
    if (self->db)
        PQfinish (self->db);
    free (self);
}

bool
vote_worker_ready (void *worker, const char **detail)
{
    vote_worker_t *self = worker;
    bool db = self && cab_db_ping (self->db);
    if (detail)
        *detail = db ? "ok" : "database unreachable";
    return db;
}
