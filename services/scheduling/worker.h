/*  sched_worker - what one RPC worker thread of the scheduling service
    holds: its own database connection wrapped in a store, and the node's
    settings (lead times) read once at start.  */
#ifndef SCHED_WORKER_H
#define SCHED_WORKER_H
#include "cab_service.h"
#include "rules.h"
#include "store.h"

//  Settings of the scheduling service (see shared/cab_config.c for each).
typedef struct {
    const char *node_id;  //  borrowed
    sched_leads_t leads;  //  seconds, per rule and meeting type
} sched_settings_t;

//  Read the settings: CABINET_<RULE>_LEAD_HOURS_<TYPE> and
//  CABINET_SUPPORT_LEAD_HOURS.
void sched_settings_load (sched_settings_t *self, const char *node_id);

typedef struct {
    PGconn *db;            //  owned
    sched_store_t *store;  //  owned, on db
    sched_settings_t settings;
} sched_worker_t;

//  cab_service_t.worker_new: connect and prepare one worker. Returns NULL
//  on failure (logged).
void *sched_worker_new (const cab_service_env_t *env, int index);

//  cab_service_t.worker_destroy. NULL-safe.
void sched_worker_destroy (void *worker);

//  cab_service_t.worker_ready: true if the worker's database answers.
bool sched_worker_ready (void *worker, const char **detail);

#endif
