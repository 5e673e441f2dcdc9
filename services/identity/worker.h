/*  ident_worker - what one RPC worker thread of the identity service holds:
    its own database connection wrapped in a store, the settings it reads
    once at start, and a dummy password hash that keeps "no such user" as
    slow as "wrong password".  */
#ifndef IDENT_WORKER_H
#define IDENT_WORKER_H
#include "cab_service.h"
#include "ldap_auth.h"
#include "password.h"
#include "store.h"

//  Settings of the identity service (see shared/cab_config.c for each).
typedef struct {
    const char *node_id;
    long password_max_age_days;  //  0: passwords do not age
    long password_min_length;
    long lockout_threshold;  //  failures that lock a login name
    long lockout_minutes;    //  the window they are counted in
    long session_hours;
    ident_ldap_config_t ldap;
    const char *ldap_default_unit;  //  id or name; "" for none
} ident_settings_t;

//  Read the settings (strings are borrowed from the environment).
void ident_settings_load (ident_settings_t *self, const char *node_id);

typedef struct {
    PGconn *db;            //  owned
    ident_store_t *store;  //  owned, on db
    ident_settings_t settings;
    char dummy_hash[IDENT_HASH_TEXT_MAX];  //  verified when a login name is unknown
} ident_worker_t;

//  cab_service_t.worker_new: connect and prepare one worker. Returns NULL
//  on failure (logged).
void *ident_worker_new (const cab_service_env_t *env, int index);

//  cab_service_t.worker_destroy. NULL-safe.
void ident_worker_destroy (void *worker);

//  cab_service_t.worker_ready: true if the worker's database answers.
bool ident_worker_ready (void *worker, const char **detail);

#endif
