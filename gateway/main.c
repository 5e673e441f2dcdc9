/*  cabinet-gateway - the node's HTTP front door: the web UI's files and the
    REST API, each API route turned into an RPC to the service behind it.
    This file only wires: settings -> logging and signals -> RPC clients ->
    caches, live streams' hub, event watch -> HTTP server -> wait for
    SIGINT/SIGTERM -> stop in reverse order (live streams end first).  */
#include "cab_config.h"
#include "cab_log.h"
#include "cab_metrics.h"
#include "cab_rpc.h"
#include "cache.h"
#include "http.h"
#include "hub.h"
#include "request.h"
#include "routes.h"
#include "services.h"
#include "watch.h"
#include <jansson.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <zmq.h>

//  The services the gateway calls, one RPC client each. Adding a service
//  to the API means adding its name here and its routes to routes.c.
static const char *const s_services[] = {
    "identity", "scheduling", "documents", "voting", "notifications", NULL,
};

#define PORT_MAX 65535
#define THREADS_MAX 256
#define BODY_MIN 1024
#define BODY_MAX (64L * 1024 * 1024)
#define TIMEOUT_MIN_MS 100
#define TIMEOUT_MAX_MS 600000
#define SESSION_HOURS_MAX (24 * 365)
#define SECONDS_PER_HOUR 3600
#define CACHE_MS_MAX 600000
#define UPLOAD_MB_MAX 4096
#define BYTES_PER_MB (1024ULL * 1024)
#define CACHE_ENTRIES_MAX 10000000
#define REPLAY_MAX 100000
#define STREAMS_MAX 1000000
#define PING_S_MAX 3600
#define STREAM_MINUTES_MAX (24 * 60)
#define MS_PER_S 1000
#define MS_PER_MINUTE 60000
#define FDS_SPARE 256      //  descriptors besides the connections
#define PARK_WAIT_MS 2000  //  longest wait for the streams to leave suspension
#define PARK_POLL_MS 5
#define NS_PER_MS 1000000L

static volatile sig_atomic_t s_stop = 0;

static void
s_on_signal (int signum)
{
    (void) signum;
    s_stop = 1;
}

//  One descriptor per connection: raise the soft limit as far as the hard
//  one allows, and say so when even that is short of what is allowed.
static void
s_raise_fd_limit (size_t connections)
{
    struct rlimit limit;
    if (getrlimit (RLIMIT_NOFILE, &limit) != 0)
        return;
    rlim_t want = (rlim_t) (connections + FDS_SPARE);
    if (limit.rlim_cur < want) {
        limit.rlim_cur = limit.rlim_max < want ? limit.rlim_max : want;
        setrlimit (RLIMIT_NOFILE, &limit);
    }
    if (limit.rlim_cur < want)
        cab_warn ("open files limited to %llu: fewer connections than the %zu allowed",
                  (unsigned long long) limit.rlim_cur, connections);
}

//  Before libmicrohttpd stops, no connection may be suspended: end every
//  live stream and wait (briefly) until none is parked any more.
static void
s_end_streams (gw_hub_t *hub)
{
    if (!hub)
        return;
    gw_hub_close (hub);
    struct timespec pause = {0, PARK_POLL_MS * NS_PER_MS};
    for (int waited = 0; gw_hub_parked (hub) > 0 && waited < PARK_WAIT_MS; waited += PARK_POLL_MS)
        nanosleep (&pause, NULL);
    if (gw_hub_parked (hub) > 0)
        cab_warn ("%zu live streams still parked at stop", gw_hub_parked (hub));
}

//  Warn about routes whose service has no client: they would answer 503.
static void
s_check_routes (const gw_services_t *services)
{
    for (const gw_route_t *route = gw_routes; route->verb; route++)
        if (route->method && !gw_services_for_method (services, route->method))
            cab_warn ("route %s %s: no client for %s", route->verb, route->pattern, route->method);
}

int
main (int argc, char **argv)
{
    if (argc > 1 && (strcmp (argv[1], "--help") == 0 || strcmp (argv[1], "-h") == 0)) {
        printf ("usage: cabinet-gateway\n\n");
        cab_config_print (stdout);
        return 0;
    }
    cab_log_init ("gateway");

    //  Signals are blocked in every thread (the ones started below inherit
    //  the mask) and taken only by sigsuspend in this one, so a signal can
    //  neither be lost between the check and the wait nor land in a worker.
    sigset_t stop_signals, old_mask;
    sigemptyset (&stop_signals);
    sigaddset (&stop_signals, SIGINT);
    sigaddset (&stop_signals, SIGTERM);
    struct sigaction action;
    memset (&action, 0, sizeof action);
    action.sa_handler = s_on_signal;
    sigemptyset (&action.sa_mask);
    sigaction (SIGINT, &action, NULL);
    sigaction (SIGTERM, &action, NULL);
    signal (SIGPIPE, SIG_IGN);
    pthread_sigmask (SIG_BLOCK, &stop_signals, &old_mask);

    int rc = EXIT_FAILURE;
    void *zmq_ctx = NULL;
    cab_metrics_t *metrics = NULL;
    gw_services_t *services = NULL;
    gw_http_t *http = NULL;
    gw_watch_t *watch = NULL;
    gw_hub_t *hub = NULL;
    gw_cache_t *sessions = NULL;
    gw_cache_t *answers = NULL;
    char *web_dir = NULL;

    //  jansson seeds its hash function on first use; do it before threads.
    json_object_seed (0);
    zmq_ctx = zmq_ctx_new ();
    metrics = cab_metrics_new ();
    services = gw_services_new ();
    if (!zmq_ctx || !metrics || !services) {
        cab_error ("out of memory at start-up");
        goto cleanup;
    }
    int timeout_ms =
        (int) cab_config_long ("CABINET_RPC_TIMEOUT_MS", TIMEOUT_MIN_MS, TIMEOUT_MAX_MS);
    for (int i = 0; s_services[i]; i++) {
        char *endpoint = cab_config_endpoint (s_services[i], "rpc");
        cab_rpc_client_t *client =
            endpoint ? cab_rpc_client_new (zmq_ctx, endpoint, timeout_ms) : NULL;
        if (!client || gw_services_add (services, s_services[i], &client)) {
            cab_error ("cannot create the %s client (%s)", s_services[i],
                       endpoint ? endpoint : "no endpoint");
            free (endpoint);
            goto cleanup;
        }
        cab_info ("%s service at %s", s_services[i], endpoint);
        free (endpoint);
    }
    s_check_routes (services);

    //  Caches, and the events that retire what they hold (cache.h, watch.h).
    long session_ms = cab_config_long ("CABINET_SESSION_CACHE_MS", 0, CACHE_MS_MAX);
    long answer_ms = cab_config_long ("CABINET_ANSWER_CACHE_MS", 0, CACHE_MS_MAX);
    size_t entries = (size_t) cab_config_long ("CABINET_CACHE_ENTRIES", 1, CACHE_ENTRIES_MAX);
    sessions = session_ms > 0 ? gw_cache_new (entries) : NULL;
    answers = answer_ms > 0 ? gw_cache_new (entries) : NULL;
    if ((session_ms > 0 && !sessions) || (answer_ms > 0 && !answers)) {
        cab_error ("out of memory for the caches");
        goto cleanup;
    }
    //  Live streams: the hub, fed by the same watch (hub.h).
    gw_hub_opts_t hub_opts = {
        .replay = (size_t) cab_config_long ("CABINET_SSE_REPLAY", 1, REPLAY_MAX),
        .max_streams = (size_t) cab_config_long ("CABINET_SSE_MAX_STREAMS", 0, STREAMS_MAX),
        .max_per_user = (size_t) cab_config_long ("CABINET_SSE_MAX_PER_USER", 1, STREAMS_MAX),
        .ping_ms = cab_config_long ("CABINET_SSE_PING_SECONDS", 1, PING_S_MAX) * MS_PER_S,
        .max_age_ms =
            cab_config_long ("CABINET_SSE_MAX_MINUTES", 0, STREAM_MINUTES_MAX) * MS_PER_MINUTE,
        .waker = {gw_http_park, gw_http_wake},
        .metrics = metrics,
    };
    hub = gw_hub_new (&hub_opts);
    if (!hub) {
        cab_error ("out of memory for the live streams");
        goto cleanup;
    }
    watch = gw_watch_new (zmq_ctx, services, metrics, hub);
    if (!watch)
        goto cleanup;

    const char *web_setting = cab_config_str ("CABINET_WEB_DIR");
    web_dir = realpath (web_setting, NULL);
    if (!web_dir)
        cab_warn ("CABINET_WEB_DIR=%s does not exist: no web UI", web_setting);

    gw_env_t env = {
        .services = services,
        .metrics = metrics,
        .web_dir = web_dir,
        .max_body = (size_t) cab_config_long ("CABINET_MAX_BODY_BYTES", BODY_MIN, BODY_MAX),
        .upload_max =
            (uint64_t) cab_config_long ("CABINET_UPLOAD_MAX_MB", 1, UPLOAD_MB_MAX) * BYTES_PER_MB,
        .recording_max = (uint64_t) cab_config_long ("CABINET_RECORDING_MAX_MB", 1, UPLOAD_MB_MAX)
                         * BYTES_PER_MB,
        .cookie_secure = cab_config_bool ("CABINET_COOKIE_SECURE"),
        .session_max_age =
            cab_config_long ("CABINET_SESSION_HOURS", 1, SESSION_HOURS_MAX) * SECONDS_PER_HOUR,
        .rpc_timeout_ms = timeout_ms,
        .sessions = sessions,
        .answers = answers,
        .session_cache_ms = (int) session_ms,
        .answer_cache_ms = (int) answer_ms,
        .hub = hub,
    };
    gw_http_opts_t opts = {
        .addr = cab_config_str ("CABINET_HTTP_ADDR"),
        .port = (int) cab_config_long ("CABINET_HTTP_PORT", 0, PORT_MAX),
        .threads = (int) cab_config_long ("CABINET_HTTP_THREADS", 1, THREADS_MAX),
        .streams = hub_opts.max_streams,
        .env = &env,
        .zmq_ctx = zmq_ctx,
    };
    s_raise_fd_limit (opts.streams + GW_HTTP_CONNECTIONS);
    http = gw_http_new (&opts);
    if (!http)
        goto cleanup;
    bool v6 = strchr (opts.addr, ':') != NULL;
    cab_info ("gateway listening on http://%s%s%s:%d", v6 ? "[" : "", opts.addr, v6 ? "]" : "",
              gw_http_port (http));

    while (!s_stop)
        sigsuspend (&old_mask);
    cab_info ("stopping");
    rc = EXIT_SUCCESS;

cleanup:
    s_end_streams (hub);
    gw_http_destroy (&http);
    gw_watch_destroy (&watch);
    gw_hub_destroy (&hub);
    gw_cache_destroy (&answers);
    gw_cache_destroy (&sessions);
    gw_services_destroy (&services);
    cab_metrics_destroy (&metrics);
    if (zmq_ctx)
        zmq_ctx_term (zmq_ctx);
    free (web_dir);
    return rc;
}
