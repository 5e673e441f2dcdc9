/*  notify_worker - what one RPC worker thread of the notifications service
    holds: its own database connection.  */
#ifndef NOTIFY_WORKER_H
#define NOTIFY_WORKER_H
#include "cab_service.h"

typedef struct {
    PGconn *db;  //  owned
} notify_worker_t;

//  cab_service_t.worker_new: connect one worker. Returns NULL on failure
//  (logged).
void *notify_worker_new (const cab_service_env_t *env, int index);

//  cab_service_t.worker_destroy. NULL-safe.
void notify_worker_destroy (void *worker);

//  cab_service_t.worker_ready: true if the worker's database answers.
bool notify_worker_ready (void *worker, const char **detail);

#endif
