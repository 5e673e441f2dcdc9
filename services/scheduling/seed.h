/*  seed - the demo catalogs of `cabinet-scheduling seed-demo`: meeting rooms
    of the demo agencies, meeting fields, document types and document
    fields, with Vietnamese names. Idempotent; goes through the store, so
    the usual catalog.created events are emitted.  */
#ifndef SCHED_SEED_H
#define SCHED_SEED_H
#include "cab_service.h"

//  cab_service_t.command: "seed-demo" seeds the demo catalogs and prints
//  what it did. argv[0] is the verb. Returns the exit code, or -1 for an
//  unknown verb.
int sched_seed_command (PGconn *db, const cab_service_env_t *env, int argc, char **argv);

#endif
