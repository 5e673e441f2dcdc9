/*  handlers - the notifications service's RPC methods, its consumer and
    command verbs.  */
#ifndef NOTIFY_HANDLERS_H
#define NOTIFY_HANDLERS_H
#include "cab_consumer.h"
#include "cab_rpc.h"
#include "cab_service.h"
#include "worker.h"

//  cab_service_t.command: "seed-demo" (nothing to seed). Returns the exit
//  code, or -1 for an unknown verb.
int notify_command (PGconn *db, const cab_service_env_t *env, int argc, char **argv);

#endif
