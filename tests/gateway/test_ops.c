/*  Unit tests: the operational routes that need no service - liveness,
    the API document - and how service metrics join the gateway's.  */
#include "ops.h"
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
//  cmocka needs these before it, in this order.
// clang-format off
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
// clang-format on

static const char s_own[] = "# HELP cabinet_gateway_up up\n"
                            "# TYPE cabinet_gateway_up gauge\n"
                            "cabinet_gateway_up 1\n";

static const char s_service[] = "# HELP cabinet_rpc_requests_total RPC requests\n"
                                "# TYPE cabinet_rpc_requests_total counter\n"
                                "cabinet_rpc_requests_total{method=\"x.Get\",code=\"ok\"} 3\n"
                                "cabinet_uptime_seconds 12.5\n"
                                "cabinet_empty_labels{} 1\n";

//  Number of lines of text equal to line.
static int
s_count_lines (const char *text, const char *line)
{
    int count = 0;
    size_t len = strlen (line);
    for (const char *at = text; (at = strstr (at, line)) != NULL; at += len)
        if ((at == text || at[-1] == '\n') && (at[len] == '\n' || at[len] == '\0'))
            count++;
    return count;
}

static void
test_merge_labels_samples_with_service (void **state)
{
    (void) state;
    const char *names[] = {"identity"};
    const char *texts[] = {s_service};
    char *text = gw_ops_merge_metrics (s_own, names, texts, 1);
    assert_non_null (text);
    assert_int_equal (
        s_count_lines (
            text,
            "cabinet_rpc_requests_total{service=\"identity\",method=\"x.Get\",code=\"ok\"} 3"),
        1);
    assert_int_equal (s_count_lines (text, "cabinet_uptime_seconds{service=\"identity\"} 12.5"), 1);
    assert_int_equal (s_count_lines (text, "cabinet_empty_labels{service=\"identity\"} 1"), 1);
    free (text);
}

static void
test_merge_keeps_own_metrics_first_and_unlabelled (void **state)
{
    (void) state;
    const char *names[] = {"identity"};
    const char *texts[] = {s_service};
    char *text = gw_ops_merge_metrics (s_own, names, texts, 1);
    assert_memory_equal (text, s_own, strlen (s_own));
    free (text);
}

static void
test_merge_writes_family_comments_once (void **state)
{
    (void) state;
    const char *names[] = {"identity", "scheduling"};
    const char *texts[] = {s_service, s_service};
    char *text = gw_ops_merge_metrics (s_own, names, texts, 2);
    assert_int_equal (s_count_lines (text, "# TYPE cabinet_rpc_requests_total counter"), 1);
    assert_int_equal (s_count_lines (text, "# HELP cabinet_rpc_requests_total RPC requests"), 1);
    assert_int_equal (s_count_lines (text, "cabinet_uptime_seconds{service=\"scheduling\"} 12.5"),
                      1);
    free (text);
}

static void
test_merge_skips_silent_services (void **state)
{
    (void) state;
    const char *names[] = {"identity"};
    const char *texts[] = {NULL};
    char *text = gw_ops_merge_metrics (s_own, names, texts, 1);
    assert_string_equal (text, s_own);
    free (text);
}

static void
test_healthz_answers_ok (void **state)
{
    (void) state;
    gw_request_t req;
    memset (&req, 0, sizeof req);
    gw_reply_t reply;
    gw_reply_init (&reply);
    gw_ops_healthz (&req, &reply);
    assert_int_equal (reply.status, 200);
    json_t *doc = json_loadb (reply.body, reply.size, 0, NULL);
    assert_string_equal (json_string_value (json_object_get (doc, "status")), "ok");
    json_decref (doc);
    gw_reply_reset (&reply);
}

static void
test_openapi_serves_the_embedded_document (void **state)
{
    (void) state;
    gw_request_t req;
    memset (&req, 0, sizeof req);
    gw_reply_t reply;
    gw_reply_init (&reply);
    gw_ops_openapi (&req, &reply);
    assert_int_equal (reply.status, 200);
    assert_string_equal (reply.content_type, GW_CONTENT_JSON);
    size_t size = 0;
    const char *text = gw_ops_openapi_text (&size);
    assert_non_null (text);
    assert_int_equal (reply.size, size);
    assert_memory_equal (reply.body, text, size);
    gw_reply_reset (&reply);
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_merge_labels_samples_with_service),
        cmocka_unit_test (test_merge_keeps_own_metrics_first_and_unlabelled),
        cmocka_unit_test (test_merge_writes_family_comments_once),
        cmocka_unit_test (test_merge_skips_silent_services),
        cmocka_unit_test (test_healthz_answers_ok),
        cmocka_unit_test (test_openapi_serves_the_embedded_document),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
