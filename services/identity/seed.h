/*  seed - accounts the identity service creates by itself: the bootstrap
    system admin at start-up, and the demo province of `cabinet-identity
    seed-demo`. Both go through the store, so the usual events are emitted,
    and both are idempotent.  */
#ifndef IDENT_SEED_H
#define IDENT_SEED_H
#include "cab_service.h"

//  cab_service_t.on_start: if CABINET_BOOTSTRAP_ADMIN_PASSWORD is set and
//  no active system admin exists, create user "admin" (and a first unit if
//  there is none). Returns 0, or -1 to abort start-up.
int ident_seed_on_start (PGconn *db, const cab_service_env_t *env);

//  cab_service_t.command: "seed-demo" seeds the demo province with
//  CABINET_DEMO_PASSWORD and prints what it did. argv[0] is the verb.
//  Returns the exit code, or -1 for an unknown verb.
int ident_seed_command (PGconn *db, const cab_service_env_t *env, int argc, char **argv);

#endif
