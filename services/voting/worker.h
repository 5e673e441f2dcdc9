/*  vote_worker - what one RPC worker thread of the voting service holds:
    its own database connection wrapped in the stores of votes and polls,
    and a client of the documents service (the documents a poll is sent
    with are checked there, as their creator).  */
#ifndef VOTE_WORKER_H
#define VOTE_WORKER_H
#include "cab_rpc.h"
#include "cab_service.h"
#include "poll_store.h"
#include "store.h"

typedef struct {
    PGconn *db;                   //  owned
    vote_store_t *store;          //  owned, on db
    poll_store_t *polls;          //  owned, on db
    cab_rpc_client_t *documents;  //  owned: documents.GetDocument
} vote_worker_t;

//  cab_service_t.worker_new: connect and prepare one worker. Returns NULL
//  on failure (logged).
void *vote_worker_new (const cab_service_env_t *env, int index);

//  cab_service_t.worker_destroy. NULL-safe.
void vote_worker_destroy (void *worker);

//  cab_service_t.worker_ready: true if the worker's database answers.
bool vote_worker_ready (void *worker, const char **detail);

#endif
