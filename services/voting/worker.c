/*  vote_worker - per-thread state of the voting service.  */
#include "worker.h"
#include "cab_config.h"
#include "cab_db.h"
#include "cab_log.h"
#include <stdlib.h>

#define RPC_TIMEOUT_MAX_MS 600000

void *
vote_worker_new (const cab_service_env_t *env, int index)
{
    vote_worker_t *self = calloc (1, sizeof *self);
    if (!self)
        return NULL;
    self->db = cab_db_connect (env->conninfo, "voting", "cabinet-voting");
    self->store = vote_store_new (self->db);
    self->polls = poll_store_new (self->db);
    char *endpoint = cab_config_endpoint ("documents", "rpc");
    if (endpoint)
        self->documents = cab_rpc_client_new (
            env->zmq_ctx, endpoint,
            (int) cab_config_long ("CABINET_RPC_TIMEOUT_MS", 1, RPC_TIMEOUT_MAX_MS));
    free (endpoint);
    if (!self->db || !self->store || !self->polls || !self->documents) {
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
    cab_rpc_client_destroy (&self->documents);
    poll_store_destroy (&self->polls);
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
