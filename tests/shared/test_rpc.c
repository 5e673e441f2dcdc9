/*  Unit tests: the ZeroMQ RPC server and client, for real, over ipc:// in a
    temporary folder, with a test method table.  */
#include "cab_rpc.h"
#include "cabinet/v1/identity.pb-c.h"
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <zmq.h>

/*  cmocka needs these first  */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#define SLOW_MS 400

static atomic_int s_slow_calls;

static cab_status_t
s_echo (cab_call_t *call, const ProtobufCMessage *request)
{
    const Cabinet__V1__IdRequest *req = (const Cabinet__V1__IdRequest *) request;
    Cabinet__V1__Unit *unit = cab_arena_alloc (call->arena, sizeof *unit);
    cabinet__v1__unit__init (unit);
    unit->id = cab_arena_strdup (call->arena, req->id);
    unit->name = cab_arena_printf (call->arena, "worker %d", *(int *) call->worker);
    return cab_call_reply (call, unit);
}

static cab_status_t
s_refuse (cab_call_t *call, const ProtobufCMessage *request)
{
    (void) request;
    return cab_call_error_code (call, CAB_INVALID_ARGUMENT, "bad_name", "name", "Tên không hợp lệ");
}

static cab_status_t
s_slow (cab_call_t *call, const ProtobufCMessage *request)
{
    (void) request;
    atomic_fetch_add (&s_slow_calls, 1);
    struct timespec pause = {0, SLOW_MS * 1000000L};
    nanosleep (&pause, NULL);
    Cabinet__V1__Empty *empty = cab_arena_alloc (call->arena, sizeof *empty);
    cabinet__v1__empty__init (empty);
    return cab_call_reply (call, empty);
}

static const cab_method_t s_methods[] = {
    {"test.Echo", &cabinet__v1__id_request__descriptor, s_echo, CAB_METHOD_ANONYMOUS},
    {"test.Refuse", &cabinet__v1__id_request__descriptor, s_refuse, CAB_METHOD_ANONYMOUS},
    {"test.Private", &cabinet__v1__id_request__descriptor, s_echo, 0},
    {"test.Password", &cabinet__v1__id_request__descriptor, s_echo, CAB_METHOD_PASSWORD_CHANGE},
    {"test.Slow", &cabinet__v1__empty__descriptor, s_slow, CAB_METHOD_ANONYMOUS},
    {NULL, NULL, NULL, 0},
};

static void *
s_worker_new (void *arg, int index)
{
    (void) arg;
    int *state = malloc (sizeof *state);
    *state = index;
    return state;
}

static bool
s_worker_ready (void *worker, const char **detail)
{
    (void) worker;
    *detail = "sẵn sàng";
    return true;
}

typedef struct {
    char dir[64];
    char endpoint[128];
    void *ctx;
    cab_rpc_server_t *server;
    cab_rpc_client_t *client;
    cab_rpc_async_t *rpc;  //  the asynchronous client, closed even when a test fails
    cab_metrics_t *metrics;
    pthread_t thread;
    volatile sig_atomic_t stop;
} fixture_t;

static void *
s_run (void *arg)
{
    fixture_t *f = arg;
    cab_rpc_server_run (f->server, &f->stop);
    return NULL;
}

static int
s_setup (void **state)
{
    fixture_t *f = calloc (1, sizeof *f);
    snprintf (f->dir, sizeof f->dir, "/tmp/cab-rpc-XXXXXX");
    if (!mkdtemp (f->dir))
        return -1;
    snprintf (f->endpoint, sizeof f->endpoint, "ipc://%s/test.rpc", f->dir);
    f->ctx = zmq_ctx_new ();
    f->metrics = cab_metrics_new ();
    cab_rpc_server_opts_t opts = {.service = "test",
                                  .endpoint = f->endpoint,
                                  .methods = s_methods,
                                  .workers = 3,
                                  .worker_new = s_worker_new,
                                  .worker_destroy = free,
                                  .worker_ready = s_worker_ready,
                                  .metrics = f->metrics,
                                  .zmq_ctx = f->ctx};
    f->server = cab_rpc_server_new (&opts);
    f->client = cab_rpc_client_new (f->ctx, f->endpoint, 2000);
    f->rpc = cab_rpc_async_new (f->ctx);
    if (!f->server || !f->client || !f->rpc)
        return -1;
    pthread_create (&f->thread, NULL, s_run, f);
    *state = f;
    return 0;
}

static int
s_teardown (void **state)
{
    fixture_t *f = *state;
    f->stop = 1;
    pthread_join (f->thread, NULL);
    cab_rpc_client_destroy (&f->client);
    cab_rpc_async_destroy (&f->rpc);
    cab_rpc_server_destroy (&f->server);
    zmq_ctx_term (f->ctx);
    cab_metrics_destroy (&f->metrics);
    char path[160];
    snprintf (path, sizeof path, "%s/test.rpc", f->dir);
    unlink (path);
    rmdir (f->dir);
    free (f);
    return 0;
}

static cab_status_t
s_call (fixture_t *f, const char *method, const char *id, const Cabinet__V1__Caller *caller,
        Cabinet__V1__Unit **unit, cab_rpc_result_t *result)
{
    Cabinet__V1__IdRequest req = CABINET__V1__ID_REQUEST__INIT;
    req.id = (char *) id;
    cab_call_opts_t opts = {.caller = caller};
    return cab_rpc_call (f->client, method, &req.base, &cabinet__v1__unit__descriptor, NULL,
                         (ProtobufCMessage **) unit, &opts, result);
}

static void
test_call_returns_reply (void **state)
{
    fixture_t *f = *state;
    Cabinet__V1__Unit *unit = NULL;
    cab_rpc_result_t result;
    assert_int_equal (s_call (f, "test.Echo", "họp-1", NULL, &unit, &result), CAB_OK);
    assert_string_equal (unit->id, "họp-1");
    assert_non_null (strstr (unit->name, "worker "));
    cabinet__v1__unit__free_unpacked (unit, NULL);
}

static void
test_call_carries_error_fields (void **state)
{
    fixture_t *f = *state;
    Cabinet__V1__Unit *unit = NULL;
    cab_rpc_result_t result;
    assert_int_equal (s_call (f, "test.Refuse", "x", NULL, &unit, &result), CAB_INVALID_ARGUMENT);
    assert_null (unit);
    assert_string_equal (result.message, "Tên không hợp lệ");
    assert_string_equal (result.field, "name");
    assert_string_equal (result.code, "bad_name");
}

static void
test_call_unknown_method_is_unimplemented (void **state)
{
    fixture_t *f = *state;
    Cabinet__V1__Unit *unit = NULL;
    cab_rpc_result_t result;
    assert_int_equal (s_call (f, "test.Nope", "x", NULL, &unit, &result), CAB_UNIMPLEMENTED);
}

static void
test_call_without_caller_is_unauthenticated (void **state)
{
    fixture_t *f = *state;
    Cabinet__V1__Unit *unit = NULL;
    cab_rpc_result_t result;
    assert_int_equal (s_call (f, "test.Private", "x", NULL, &unit, &result), CAB_UNAUTHENTICATED);
    Cabinet__V1__Caller caller = CABINET__V1__CALLER__INIT;
    caller.user_id = "u1";
    assert_int_equal (s_call (f, "test.Private", "x", &caller, &unit, &result), CAB_OK);
    cabinet__v1__unit__free_unpacked (unit, NULL);
}

static void
test_call_while_password_must_change_is_limited (void **state)
{
    fixture_t *f = *state;
    Cabinet__V1__Unit *unit = NULL;
    cab_rpc_result_t result;
    Cabinet__V1__Caller caller = CABINET__V1__CALLER__INIT;
    caller.user_id = "u1";
    caller.has_must_change_password = true;
    caller.must_change_password = true;
    assert_int_equal (s_call (f, "test.Private", "x", &caller, &unit, &result),
                      CAB_PERMISSION_DENIED);
    assert_string_equal (result.code, "password_change_required");
    assert_int_equal (s_call (f, "test.Password", "x", &caller, &unit, &result), CAB_OK);
    cabinet__v1__unit__free_unpacked (unit, NULL);
}

static void
test_call_builtin_health_and_metrics (void **state)
{
    fixture_t *f = *state;
    cab_rpc_result_t result;
    Cabinet__V1__HealthReply *health = NULL;
    assert_int_equal (cab_rpc_call (f->client, "test.Health", NULL,
                                    &cabinet__v1__health_reply__descriptor, NULL,
                                    (ProtobufCMessage **) &health, NULL, &result),
                      CAB_OK);
    assert_true (health->ready);
    assert_string_equal (health->detail, "sẵn sàng");
    cabinet__v1__health_reply__free_unpacked (health, NULL);
    Cabinet__V1__Text *text = NULL;
    assert_int_equal (cab_rpc_call (f->client, "test.Metrics", NULL, &cabinet__v1__text__descriptor,
                                    NULL, (ProtobufCMessage **) &text, NULL, &result),
                      CAB_OK);
    assert_non_null (strstr (text->text, "cabinet_rpc_requests_total{method=\"test.Health\""));
    cabinet__v1__text__free_unpacked (text, NULL);
}

static void
test_call_times_out_without_retrying_writes (void **state)
{
    fixture_t *f = *state;
    atomic_store (&s_slow_calls, 0);
    cab_rpc_result_t result;
    Cabinet__V1__Empty *reply = NULL;
    cab_call_opts_t opts = {.timeout_ms = SLOW_MS / 4};
    assert_int_equal (cab_rpc_call (f->client, "test.Slow", NULL, &cabinet__v1__empty__descriptor,
                                    NULL, (ProtobufCMessage **) &reply, &opts, &result),
                      CAB_DEADLINE_EXCEEDED);
    usleep (SLOW_MS * 1000 * 2);
    assert_int_equal (atomic_load (&s_slow_calls), 1);
    //  An idempotent call is tried twice within the same time budget.
    opts.timeout_ms = SLOW_MS / 2;
    opts.idempotent = true;
    assert_int_equal (cab_rpc_call (f->client, "test.Slow", NULL, &cabinet__v1__empty__descriptor,
                                    NULL, (ProtobufCMessage **) &reply, &opts, &result),
                      CAB_DEADLINE_EXCEEDED);
    usleep (SLOW_MS * 1000 * 2);
    assert_int_equal (atomic_load (&s_slow_calls), 3);
}

static void
test_call_without_server_is_unavailable (void **state)
{
    fixture_t *f = *state;
    cab_rpc_client_t *lonely =
        cab_rpc_client_new (f->ctx, "ipc:///tmp/cab-no-such-server.rpc", 200);
    cab_rpc_result_t result;
    Cabinet__V1__Empty *reply = NULL;
    assert_int_equal (cab_rpc_call (lonely, "test.Echo", NULL, &cabinet__v1__empty__descriptor,
                                    NULL, (ProtobufCMessage **) &reply, NULL, &result),
                      CAB_UNAVAILABLE);
    assert_non_null (strstr (result.message, "không sẵn sàng"));
    //  Retries of an idempotent call stay within the one time budget.
    struct timespec start, end;
    clock_gettime (CLOCK_MONOTONIC, &start);
    cab_call_opts_t opts = {.idempotent = true};
    assert_int_equal (cab_rpc_call (lonely, "test.Echo", NULL, &cabinet__v1__empty__descriptor,
                                    NULL, (ProtobufCMessage **) &reply, &opts, &result),
                      CAB_UNAVAILABLE);
    clock_gettime (CLOCK_MONOTONIC, &end);
    long elapsed_ms = (end.tv_sec - start.tv_sec) * 1000 + (end.tv_nsec - start.tv_nsec) / 1000000;
    assert_true (elapsed_ms >= 150 && elapsed_ms < 400);
    cab_rpc_client_destroy (&lonely);
}

typedef struct {
    fixture_t *f;
    int ok;
} hammer_t;

static void *
s_hammer (void *arg)
{
    hammer_t *h = arg;
    for (int i = 0; i < 50; i++) {
        char id[32];
        snprintf (id, sizeof id, "id-%d", i);
        Cabinet__V1__Unit *unit = NULL;
        cab_rpc_result_t result;
        if (s_call (h->f, "test.Echo", id, NULL, &unit, &result) == CAB_OK
            && strcmp (unit->id, id) == 0)
            h->ok++;
        if (unit)
            cabinet__v1__unit__free_unpacked (unit, NULL);
    }
    return NULL;
}

static void
test_call_from_many_threads_matches_replies (void **state)
{
    fixture_t *f = *state;
    pthread_t threads[6];
    hammer_t hammers[6];
    for (int i = 0; i < 6; i++) {
        hammers[i] = (hammer_t){f, 0};
        pthread_create (&threads[i], NULL, s_hammer, &hammers[i]);
    }
    for (int i = 0; i < 6; i++) {
        pthread_join (threads[i], NULL);
        assert_int_equal (hammers[i].ok, 50);
    }
}

/* ---- the asynchronous client ----------------------------------------------- */

typedef struct {
    char id[32];
    int ends;  //  times its callback ran
    cab_status_t status;
    char field[64];
    Cabinet__V1__Unit *unit;
} s_ended_t;

static void
s_ended (void *arg, ProtobufCMessage *reply, const cab_rpc_result_t *result)
{
    s_ended_t *e = arg;
    e->ends++;
    e->status = result->status;
    snprintf (e->field, sizeof e->field, "%s", result->field);
    e->unit = (Cabinet__V1__Unit *) reply;
}

//  Poll and dispatch until no call is left; the milliseconds it took.
static long
s_drive (cab_rpc_async_t *rpc)
{
    struct timespec start, end;
    clock_gettime (CLOCK_MONOTONIC, &start);
    while (cab_rpc_async_pending (rpc) > 0) {
        zmq_pollitem_t items[4];
        size_t n = cab_rpc_async_items (rpc, items, 4);
        zmq_poll (items, (int) n, cab_rpc_async_timeout (rpc));
        cab_rpc_async_dispatch (rpc);
    }
    clock_gettime (CLOCK_MONOTONIC, &end);
    return (end.tv_sec - start.tv_sec) * 1000 + (end.tv_nsec - start.tv_nsec) / 1000000;
}

static void
test_async_calls_end_with_their_own_replies (void **state)
{
    fixture_t *f = *state;
    cab_rpc_async_t *rpc = f->rpc;
    enum { CALLS = 40 };
    s_ended_t ended[CALLS + 1];
    memset (ended, 0, sizeof ended);
    cab_call_opts_t opts = {.timeout_ms = 2000};
    for (int i = 0; i < CALLS; i++) {
        snprintf (ended[i].id, sizeof ended[i].id, "id-%d", i);
        Cabinet__V1__IdRequest req = CABINET__V1__ID_REQUEST__INIT;
        req.id = ended[i].id;
        assert_int_equal (cab_rpc_async_call (rpc, f->endpoint, "test.Echo", &req.base,
                                              &cabinet__v1__unit__descriptor, NULL, &opts, s_ended,
                                              &ended[i]),
                          0);
    }
    assert_int_equal (cab_rpc_async_call (rpc, f->endpoint, "test.Refuse", NULL,
                                          &cabinet__v1__unit__descriptor, NULL, &opts, s_ended,
                                          &ended[CALLS]),
                      0);
    //  Nothing ends inside the call itself.
    assert_int_equal (cab_rpc_async_pending (rpc), CALLS + 1);
    for (int i = 0; i <= CALLS; i++)
        assert_int_equal (ended[i].ends, 0);
    s_drive (rpc);
    for (int i = 0; i < CALLS; i++) {
        assert_int_equal (ended[i].ends, 1);
        assert_int_equal (ended[i].status, CAB_OK);
        assert_string_equal (ended[i].unit->id, ended[i].id);
        cabinet__v1__unit__free_unpacked (ended[i].unit, NULL);
    }
    assert_int_equal (ended[CALLS].ends, 1);
    assert_int_equal (ended[CALLS].status, CAB_INVALID_ARGUMENT);
    assert_string_equal (ended[CALLS].field, "name");
    assert_null (ended[CALLS].unit);
}

static void
test_async_times_out_and_retries_only_idempotent_calls (void **state)
{
    fixture_t *f = *state;
    atomic_store (&s_slow_calls, 0);
    cab_rpc_async_t *rpc = f->rpc;
    s_ended_t write = {.ends = 0}, read = {.ends = 0};
    cab_call_opts_t opts = {.timeout_ms = SLOW_MS / 4};
    cab_rpc_async_call (rpc, f->endpoint, "test.Slow", NULL, &cabinet__v1__empty__descriptor, NULL,
                        &opts, s_ended, &write);
    long ms = s_drive (rpc);
    assert_int_equal (write.ends, 1);
    assert_int_equal (write.status, CAB_DEADLINE_EXCEEDED);
    assert_true (ms >= SLOW_MS / 4 - 5 && ms < SLOW_MS);
    usleep (SLOW_MS * 1000 * 2);
    assert_int_equal (atomic_load (&s_slow_calls), 1);
    //  An idempotent call is tried twice within the same time budget.
    opts = (cab_call_opts_t){.timeout_ms = SLOW_MS / 2, .idempotent = true};
    cab_rpc_async_call (rpc, f->endpoint, "test.Slow", NULL, &cabinet__v1__empty__descriptor, NULL,
                        &opts, s_ended, &read);
    ms = s_drive (rpc);
    assert_int_equal (read.ends, 1);
    assert_int_equal (read.status, CAB_DEADLINE_EXCEEDED);
    assert_true (ms >= SLOW_MS / 2 - 5 && ms < SLOW_MS);
    usleep (SLOW_MS * 1000 * 2);
    assert_int_equal (atomic_load (&s_slow_calls), 3);
}

static void
test_async_without_server_is_unavailable (void **state)
{
    fixture_t *f = *state;
    cab_rpc_async_t *rpc = f->rpc;
    s_ended_t lonely = {.ends = 0}, served = {.ends = 0};
    cab_call_opts_t opts = {.timeout_ms = 200, .idempotent = true};
    cab_rpc_async_call (rpc, "ipc:///tmp/cab-no-such-server.rpc", "test.Echo", NULL,
                        &cabinet__v1__unit__descriptor, NULL, &opts, s_ended, &lonely);
    //  A call to a service that is there is not held up by it.
    Cabinet__V1__IdRequest req = CABINET__V1__ID_REQUEST__INIT;
    req.id = "here";
    cab_rpc_async_call (rpc, f->endpoint, "test.Echo", &req.base, &cabinet__v1__unit__descriptor,
                        NULL, &opts, s_ended, &served);
    while (served.ends == 0) {
        zmq_pollitem_t items[4];
        size_t n = cab_rpc_async_items (rpc, items, 4);
        assert_int_equal (n, 2);
        zmq_poll (items, (int) n, cab_rpc_async_timeout (rpc));
        cab_rpc_async_dispatch (rpc);
    }
    assert_int_equal (served.status, CAB_OK);
    assert_int_equal (lonely.ends, 0);
    cabinet__v1__unit__free_unpacked (served.unit, NULL);
    long ms = s_drive (rpc);
    assert_int_equal (lonely.ends, 1);
    assert_int_equal (lonely.status, CAB_UNAVAILABLE);
    assert_true (ms < 400);
}

static void
test_call_never_waits_behind_a_busy_worker (void **state)
{
    fixture_t *f = *state;
    atomic_store (&s_slow_calls, 0);
    cab_rpc_async_t *rpc = f->rpc;
    s_ended_t slow = {.ends = 0};
    cab_call_opts_t opts = {.timeout_ms = 2000};
    cab_rpc_async_call (rpc, f->endpoint, "test.Slow", NULL, &cabinet__v1__empty__descriptor, NULL,
                        &opts, s_ended, &slow);
    while (atomic_load (&s_slow_calls) == 0) {  //  sent once its socket is connected
        zmq_pollitem_t items[1];
        size_t n = cab_rpc_async_items (rpc, items, 1);
        zmq_poll (items, (int) n, 5);
        cab_rpc_async_dispatch (rpc);
    }
    //  One of the three workers is busy for SLOW_MS: every other request
    //  goes to the two free ones, none into the busy one's queue.
    for (int i = 0; i < 12; i++) {
        struct timespec start, end;
        clock_gettime (CLOCK_MONOTONIC, &start);
        Cabinet__V1__Unit *unit = NULL;
        cab_rpc_result_t result;
        assert_int_equal (s_call (f, "test.Echo", "quick", NULL, &unit, &result), CAB_OK);
        assert_string_not_equal (unit->name, "");
        cabinet__v1__unit__free_unpacked (unit, NULL);
        clock_gettime (CLOCK_MONOTONIC, &end);
        long ms = (end.tv_sec - start.tv_sec) * 1000 + (end.tv_nsec - start.tv_nsec) / 1000000;
        assert_true (ms < SLOW_MS / 2);
    }
    assert_int_equal (slow.ends, 0);
    s_drive (rpc);
    assert_int_equal (slow.status, CAB_OK);
    protobuf_c_message_free_unpacked ((ProtobufCMessage *) slow.unit, NULL);
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown (test_call_returns_reply, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_call_carries_error_fields, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_call_unknown_method_is_unimplemented, s_setup,
                                         s_teardown),
        cmocka_unit_test_setup_teardown (test_call_without_caller_is_unauthenticated, s_setup,
                                         s_teardown),
        cmocka_unit_test_setup_teardown (test_call_while_password_must_change_is_limited, s_setup,
                                         s_teardown),
        cmocka_unit_test_setup_teardown (test_call_builtin_health_and_metrics, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_call_times_out_without_retrying_writes, s_setup,
                                         s_teardown),
        cmocka_unit_test_setup_teardown (test_call_without_server_is_unavailable, s_setup,
                                         s_teardown),
        cmocka_unit_test_setup_teardown (test_async_calls_end_with_their_own_replies, s_setup,
                                         s_teardown),
        cmocka_unit_test_setup_teardown (test_async_times_out_and_retries_only_idempotent_calls,
                                         s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_async_without_server_is_unavailable, s_setup,
                                         s_teardown),
        cmocka_unit_test_setup_teardown (test_call_never_waits_behind_a_busy_worker, s_setup,
                                         s_teardown),
        cmocka_unit_test_setup_teardown (test_call_from_many_threads_matches_replies, s_setup,
                                         s_teardown),
    };
    return cmocka_run_group_tests_name ("shared rpc", tests, NULL, NULL);
}
