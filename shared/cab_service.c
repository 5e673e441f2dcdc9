/*  cab_service - wiring shared by every service's main(): configuration,
    logging, signals, database and migrations, relay, consumers, jobs, RPC
    server; torn down in reverse order on SIGINT/SIGTERM.  */
#include "cab_service.h"
#include "cab_config.h"
#include "cab_db.h"
#include "cab_log.h"
#include "cab_outbox.h"
#include "cab_relay.h"
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <zmq.h>

#define DB_RETRY_MS 500
#define MAX_CONSUMERS 8
#define MAX_LANES 4

static volatile sig_atomic_t s_stop = 0;

static void
s_on_signal (int sig)
{
    (void) sig;
    s_stop = 1;
}

typedef struct {
    const cab_service_t *def;
    const cab_service_env_t *env;
} worker_arg_t;

static void *
s_worker_new (void *arg, int index)
{
    worker_arg_t *wa = arg;
    return wa->def->worker_new ? wa->def->worker_new (wa->env, index) : NULL;
}

//  ipc:// endpoints live in a folder that may not exist yet.
static void
s_make_ipc_dir (const char *endpoint)
{
    if (strncmp (endpoint, "ipc://", 6) != 0)
        return;
    char path[512];
    snprintf (path, sizeof path, "%s", endpoint + 6);
    for (char *slash = strchr (path + 1, '/'); slash; slash = strchr (slash + 1, '/')) {
        *slash = '\0';
        if (mkdir (path, 0755) != 0 && errno != EEXIST)
            cab_warn ("cannot create %s: %s", path, strerror (errno));
        *slash = '/';
    }
}

static PGconn *
s_connect_until_up (const char *conninfo, const char *schema, const char *app)
{
    int tries = 0;
    while (!s_stop) {
        PGconn *db = cab_db_connect (conninfo, schema, app);
        if (db)
            return db;
        if (++tries % 10 == 1)
            cab_warn ("waiting for the database");
        poll (NULL, 0, DB_RETRY_MS);
    }
    return NULL;
}

static void
s_usage (const cab_service_t *def)
{
    fprintf (stderr, "usage: cabinet-%s [--help] [COMMAND]\n\n", def->name);
    fprintf (stderr, "  verify-audit   walk the service's audit chain (its outbox); exit 1 if"
                     " a row does not match\n\n");
    cab_config_print (stderr);
}

//  The verb every service has: verify-audit. Returns the exit code.
static int
s_verify_audit (PGconn *db, const char *name)
{
    long long bad = 0;
    if (cab_outbox_verify (db, &bad)) {
        printf ("%s: chuỗi nhật ký kiểm toán nguyên vẹn\n", name);
        return 0;
    }
    if (bad > 0)
        printf ("%s: chuỗi nhật ký kiểm toán sai từ dòng outbox %lld\n", name, bad);
    else
        printf ("%s: không đọc được chuỗi nhật ký kiểm toán\n", name);
    return 1;
}

int
cab_service_main (const cab_service_t *def, int argc, char **argv)
{
    cab_log_init (def->name);
    if (argc > 1 && (strcmp (argv[1], "--help") == 0 || strcmp (argv[1], "-h") == 0)) {
        s_usage (def);
        return 0;
    }
    struct sigaction action = {.sa_handler = s_on_signal};
    sigaction (SIGINT, &action, NULL);
    sigaction (SIGTERM, &action, NULL);
    signal (SIGPIPE, SIG_IGN);

    int rc = 1;
    char app[64];
    snprintf (app, sizeof app, "cabinet-%s", def->name);
    cab_service_env_t env = {.name = def->name,
                             .node_id = cab_config_str ("CABINET_NODE_ID"),
                             .conninfo = cab_config_str ("CABINET_DB"),
                             .metrics = cab_metrics_new (),
                             .zmq_ctx = zmq_ctx_new ()};
    char *rpc_endpoint = cab_config_endpoint (def->name, "rpc");
    char *pub_endpoint = cab_config_endpoint (def->name, "pub");
    cab_relay_t *relay = NULL;
    cab_consumer_t *consumers[MAX_CONSUMERS] = {NULL};
    cab_jobs_t *jobs = NULL;
    cab_jobs_t *lanes[MAX_LANES] = {NULL};
    cab_rpc_server_t *server = NULL;
    PGconn *db = NULL;
    if (!env.metrics || !env.zmq_ctx || !rpc_endpoint || !pub_endpoint)
        goto cleanup;

    db = s_connect_until_up (env.conninfo, def->name, app);
    if (!db || cab_db_migrate (db, def->name, def->migrations) != 0)
        goto cleanup;
    if (argc > 1 && strcmp (argv[1], "verify-audit") == 0) {
        rc = s_verify_audit (db, def->name);
        goto cleanup;
    }
    if (argc > 1) {
        rc = def->command ? def->command (db, &env, argc - 1, argv + 1) : -1;
        if (rc == -1) {
            s_usage (def);
            rc = 2;
        }
        goto cleanup;
    }
    if (def->on_start && def->on_start (db, &env) != 0)
        goto cleanup;
    PQfinish (db);
    db = NULL;

    s_make_ipc_dir (rpc_endpoint);
    s_make_ipc_dir (pub_endpoint);
    const char *bootstrap = cab_config_str ("CABINET_KAFKA_BOOTSTRAP");
    cab_relay_opts_t relay_opts = {.conninfo = env.conninfo,
                                   .schema = def->name,
                                   .service = def->name,
                                   .node_id = env.node_id,
                                   .bootstrap = bootstrap,
                                   .pub_endpoint = pub_endpoint,
                                   .zmq_ctx = env.zmq_ctx,
                                   .metrics = env.metrics};
    relay = cab_relay_new (&relay_opts);
    if (!relay)
        goto cleanup;
    for (int i = 0; def->consumers && def->consumers[i].group && i < MAX_CONSUMERS; i++) {
        char group[256];
        snprintf (group, sizeof group, "%s.%s.%s", env.node_id, def->name, def->consumers[i].group);
        cab_consumer_opts_t opts = {.conninfo = env.conninfo,
                                    .schema = def->name,
                                    .bootstrap = bootstrap,
                                    .group_id = group,
                                    .topics = def->consumers[i].topics,
                                    .handler = def->consumers[i].handler,
                                    .types = def->consumers[i].types,
                                    .arg = &env,
                                    .metrics = env.metrics};
        consumers[i] = cab_consumer_new (&opts);
        if (!consumers[i])
            goto cleanup;
    }
    if (def->jobs && def->jobs[0].name) {
        cab_jobs_opts_t jobs_opts = {.conninfo = env.conninfo,
                                     .schema = def->name,
                                     .app = app,
                                     .jobs = def->jobs,
                                     .arg = &env};
        jobs = cab_jobs_new (&jobs_opts);
        if (!jobs)
            goto cleanup;
    }
    for (int i = 0; def->lanes && def->lanes[i]; i++) {
        if (i == MAX_LANES) {
            cab_error ("%s: more than %d job lanes", def->name, MAX_LANES);
            goto cleanup;
        }
        cab_jobs_opts_t lane_opts = {.conninfo = env.conninfo,
                                     .schema = def->name,
                                     .app = app,
                                     .jobs = def->lanes[i],
                                     .arg = &env};
        lanes[i] = cab_jobs_new (&lane_opts);
        if (!lanes[i])
            goto cleanup;
    }
    worker_arg_t worker_arg = {.def = def, .env = &env};
    cab_rpc_server_opts_t server_opts = {
        .service = def->name,
        .endpoint = rpc_endpoint,
        .methods = def->methods,
        .workers = (int) cab_config_long ("CABINET_WORKERS", 1, 64),
        .worker_new = s_worker_new,
        .worker_destroy = def->worker_destroy,
        .worker_ready = def->worker_ready,
        .arg = &worker_arg,
        .metrics = env.metrics,
        .zmq_ctx = env.zmq_ctx,
    };
    server = cab_rpc_server_new (&server_opts);
    if (!server)
        goto cleanup;
    cab_info ("%s ready (node %s)", def->name, env.node_id);
    rc = cab_rpc_server_run (server, &s_stop) == 0 ? 0 : 1;
    cab_info ("%s stopping", def->name);

cleanup:
    cab_rpc_server_destroy (&server);
    for (int i = MAX_LANES - 1; i >= 0; i--)
        cab_jobs_destroy (&lanes[i]);
    cab_jobs_destroy (&jobs);
    for (int i = MAX_CONSUMERS - 1; i >= 0; i--)
        cab_consumer_destroy (&consumers[i]);
    cab_relay_destroy (&relay);
    PQfinish (db);
    if (env.zmq_ctx)
        zmq_ctx_term (env.zmq_ctx);
    cab_metrics_destroy (&env.metrics);
    free (rpc_endpoint);
    free (pub_endpoint);
    return rc;
}
