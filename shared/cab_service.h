/*  cab_service - the one main() of every service. A service declares itself
    in a cab_service_t table (name, methods, migrations, worker state,
    consumers); cab_service_main does the wiring: configuration and logging,
    signals, database migrations, the outbox relay, consumers, periodic
    jobs, the RPC server with its workers, and an orderly stop in reverse on
    SIGINT/SIGTERM.  */
#ifndef CAB_SERVICE_H
#define CAB_SERVICE_H
#include "cab_consumer.h"
#include "cab_embed.h"
#include "cab_jobs.h"
#include "cab_metrics.h"
#include "cab_rpc.h"
#include <libpq-fe.h>

//  What a service's worker and start hook get to know.
typedef struct {
    const char *name;  //  service name = schema name
    const char *node_id;
    const char *conninfo;
    cab_metrics_t *metrics;
    void *zmq_ctx;
} cab_service_env_t;

typedef struct {
    const char *group;          //  consumer group suffix: <node>.<service>.<group>
    const char *const *topics;  //  NULL-terminated
    cab_consume_fn handler;
    const char *const *types;  //  the event types handler applies, or NULL (cab_consumer_opts_t)
} cab_service_consumer_t;

typedef struct {
    const char *name;                       //  "identity"
    const cab_method_t *methods;            //  NULL-name terminated
    const cab_embedded_file_t *migrations;  //  the service's sql/, in order
    //  Per worker thread: returns the state handlers find in call->worker.
    void *(*worker_new) (const cab_service_env_t *env, int index);
    void (*worker_destroy) (void *worker);
    bool (*worker_ready) (void *worker, const char **detail);
    //  After migrations, before serving (seeding, bootstrap). May be NULL.
    //  Returns 0, or -1 to abort start-up.
    int (*on_start) (PGconn *db, const cab_service_env_t *env);
    //  Extra command-line verbs ("seed-demo"), run after migrations instead
    //  of serving. Returns the exit code, or -1 for an unknown verb. May be NULL.
    int (*command) (PGconn *db, const cab_service_env_t *env, int argc, char **argv);
    //  Consumers; each handler's arg is the service's cab_service_env_t.
    const cab_service_consumer_t *consumers;  //  NULL-group terminated; may be NULL
    //  Periodic jobs, on one thread with its own connection; each run's arg
    //  is the service's cab_service_env_t.
    const cab_job_t *jobs;  //  NULL-name terminated; may be NULL
    //  Lanes: more job lists, each on a thread and connection of its own,
    //  for work that must not wait behind the other jobs (one delivery
    //  channel that is down must not hold up another).
    const cab_job_t *const *lanes;  //  NULL-terminated list of job lists; may be NULL
} cab_service_t;

//  Run the service until SIGINT/SIGTERM. Returns the process exit code.
int cab_service_main (const cab_service_t *def, int argc, char **argv);

#endif
