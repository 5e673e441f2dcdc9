/*  Unit tests: UUIDv7, status mapping, crypto helpers, UTF-8/NFC, arena,
    metrics rendering, configuration.  */
#include "cab_arena.h"
#include "cab_chain.h"
#include "cab_config.h"
#include "cab_crypto.h"
#include "cab_db.h"
#include "cab_metrics.h"
#include "cab_status.h"
#include "cab_utf8.h"
#include "cab_uuid.h"
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/*  cmocka needs these first  */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

static void
test_uuid_v7_has_version_and_variant (void **state)
{
    (void) state;
    char id[CAB_UUID_LEN + 1];
    cab_uuid_v7 (id);
    assert_true (cab_uuid_valid (id));
    assert_int_equal (id[14], '7');
    assert_non_null (strchr ("89ab", id[19]));
}

static void
test_uuid_v7_sorts_by_time (void **state)
{
    (void) state;
    char a[CAB_UUID_LEN + 1], b[CAB_UUID_LEN + 1];
    cab_uuid_v7 (a);
    struct timespec pause = {0, 2000000};
    nanosleep (&pause, NULL);
    cab_uuid_v7 (b);
    assert_true (strcmp (a, b) < 0);
}

static void
test_uuid_valid_rejects_malformed (void **state)
{
    (void) state;
    assert_false (cab_uuid_valid (NULL));
    assert_false (cab_uuid_valid (""));
    assert_false (cab_uuid_valid ("0190c0de-0000-7000-8000-00000000000"));
    assert_false (cab_uuid_valid ("0190c0de-0000-7000-8000-00000000000g"));
    assert_false (cab_uuid_valid ("0190c0de00000-7000-8000-000000000000"));
    assert_false (cab_uuid_valid ("' OR 1=1 --                         "));
    assert_true (cab_uuid_valid ("0190c0de-0000-7000-8000-000000000000"));
}

static void
test_status_maps_to_api_http (void **state)
{
    (void) state;
    assert_int_equal (cab_status_http (CAB_INVALID_ARGUMENT), 400);
    assert_int_equal (cab_status_http (CAB_UNAUTHENTICATED), 401);
    assert_int_equal (cab_status_http (CAB_PERMISSION_DENIED), 403);
    assert_int_equal (cab_status_http (CAB_NOT_FOUND), 404);
    assert_int_equal (cab_status_http (CAB_ABORTED), 409);
    assert_int_equal (cab_status_http (CAB_ALREADY_EXISTS), 409);
    assert_int_equal (cab_status_http (CAB_FAILED_PRECONDITION), 422);
    assert_int_equal (cab_status_http (CAB_RESOURCE_EXHAUSTED), 429);
    assert_int_equal (cab_status_http (CAB_UNAVAILABLE), 503);
    assert_string_equal (cab_status_code (CAB_INVALID_ARGUMENT), "invalid_argument");
    assert_string_equal (cab_status_code ((cab_status_t) 99), "unknown");
}

static void
test_status_messages_are_vietnamese (void **state)
{
    (void) state;
    for (int s = 0; s <= CAB_STATUS_MAX; s++) {
        const char *message = cab_status_message ((cab_status_t) s);
        assert_non_null (message);
        bool non_ascii = false;
        for (const char *c = message; *c; c++)
            non_ascii |= (unsigned char) *c >= 0x80;
        assert_true (non_ascii);
    }
}

static void
test_token_new_is_random_base64url (void **state)
{
    (void) state;
    char a[CAB_TOKEN_LEN + 1], b[CAB_TOKEN_LEN + 1];
    assert_int_equal (cab_token_new (a), 0);
    assert_int_equal (cab_token_new (b), 0);
    assert_int_equal (strlen (a), CAB_TOKEN_LEN);
    assert_string_not_equal (a, b);
    for (const char *c = a; *c; c++)
        assert_non_null (
            strchr ("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_", *c));
}

static void
test_sha256_hex_matches_known_vector (void **state)
{
    (void) state;
    char hex[CAB_SHA256_HEX + 1];
    cab_sha256_hex ("abc", 3, hex);
    assert_string_equal (hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

//  The audit chain's hash: the fields joined by '|' (NULL topic, schema and
//  actor as ""), the meeting and the audience only when set, then the
//  payload's bytes, as cab_outbox_verify's SQL expression hashes them.
static void
test_chain_hash_covers_the_fields_as_the_sql_does (void **state)
{
    (void) state;
    char hex[CAB_CHAIN_HASH_HEX + 1];
    const unsigned char payload[] = {0, 1, 2, 255};
    cab_chain_fields_t row = {.event_id = "0b6a3c1e-1f2d-4c3b-9a8e-7d6c5b4a3f21",
                              .type = "ballot.cast",
                              .subject = "vote-1",
                              .key = "key-1",
                              .schema = "cabinet.v1.Ballot",
                              .meeting = "meet-1",
                              .audience = "u1,u2",
                              .payload = payload,
                              .payload_len = sizeof payload};
    assert_true (cab_chain_hash ("prev0", &row, hex));
    assert_string_equal (hex, "66ea37135940a01e4076ab8d6bd44642114cd388a154ee8528054307e96b2296");
    //  The first row (no previous hash), no meeting, no audience, a tombstone.
    cab_chain_fields_t first = {
        .event_id = "e", .type = "t", .subject = "s", .topic = "topic", .key = "k"};
    assert_true (cab_chain_hash ("", &first, hex));
    assert_string_equal (hex, "9cec98a937165158838aa88b44feaa80c770d6c3b8049283862ae0658f33ac2b");
    //  An empty meeting and an empty audience still count (they are set).
    cab_chain_fields_t empty = {
        .event_id = "e", .type = "t", .subject = "s", .key = "", .meeting = "", .audience = ""};
    assert_true (cab_chain_hash ("h", &empty, hex));
    assert_string_equal (hex, "56f83df1630ec12fc542a8c956378bf1ea4e807b2f5e79cfdcd281652e380717");
}

static void
test_csrf_token_depends_on_session (void **state)
{
    (void) state;
    char a[CAB_TOKEN_LEN + 1], a2[CAB_TOKEN_LEN + 1], b[CAB_TOKEN_LEN + 1];
    cab_csrf_token ("session-one", a);
    cab_csrf_token ("session-one", a2);
    cab_csrf_token ("session-two", b);
    assert_string_equal (a, a2);
    assert_string_not_equal (a, b);
    assert_int_equal (strlen (a), CAB_TOKEN_LEN);
}

static void
test_secure_equal_refuses_empty_and_prefix (void **state)
{
    (void) state;
    assert_true (cab_secure_equal ("abc", "abc"));
    assert_false (cab_secure_equal ("abc", "abd"));
    assert_false (cab_secure_equal ("abc", "ab"));
    assert_false (cab_secure_equal ("", ""));
    assert_false (cab_secure_equal (NULL, "abc"));
}

static void
test_base32_round_trips_rfc4648 (void **state)
{
    (void) state;
    char text[32];
    cab_base32_encode ((const unsigned char *) "foobar", 6, text);
    assert_string_equal (text, "MZXW6YTBOI");
    unsigned char back[16];
    assert_int_equal (cab_base32_decode ("MZXW6YTBOI", back, sizeof back), 6);
    assert_memory_equal (back, "foobar", 6);
    assert_int_equal (cab_base32_decode ("MZ1!", back, sizeof back), -1);
}

static void
test_utf8_valid_rejects_bad_sequences (void **state)
{
    (void) state;
    assert_true (cab_utf8_valid ("Phòng họp không giấy", strlen ("Phòng họp không giấy")));
    assert_false (cab_utf8_valid ("\xff", 1));
    assert_false (cab_utf8_valid ("\xc3", 1));          //  truncated
    assert_false (cab_utf8_valid ("\xc0\xaf", 2));      //  overlong '/'
    assert_false (cab_utf8_valid ("\xed\xa0\x80", 3));  //  surrogate
    assert_false (cab_utf8_valid ("a\0b", 3));          //  NUL byte
}

static void
test_utf8_nfc_composes_vietnamese (void **state)
{
    (void) state;
    //  "ế" typed as e + combining circumflex + combining acute.
    char *nfc = cab_utf8_nfc ("Nguye\xcc\x82\xcc\x81n");
    assert_non_null (nfc);
    assert_string_equal (nfc, "Nguyến");
    assert_int_equal (cab_utf8_length (nfc), 6);
    free (nfc);
    assert_null (cab_utf8_nfc ("\xff"));
}

static void
test_arena_allocates_aligned_zeroed_memory (void **state)
{
    (void) state;
    cab_arena_t *arena = cab_arena_new ();
    assert_non_null (arena);
    for (int i = 1; i < 200; i++) {
        unsigned char *p = cab_arena_alloc (arena, (size_t) i * 7);
        assert_int_equal ((uintptr_t) p % 16, 0);
        for (int j = 0; j < i * 7; j++)
            assert_int_equal (p[j], 0);
        memset (p, 0xab, (size_t) i * 7);
    }
    char *big = cab_arena_alloc (arena, 100000);
    assert_non_null (big);
    assert_string_equal (cab_arena_printf (arena, "%s-%d", "họp", 7), "họp-7");
    assert_null (cab_arena_strdup (arena, NULL));
    cab_arena_destroy (&arena);
    assert_null (arena);
    cab_arena_destroy (&arena);
}

static void
test_metrics_render_prometheus_text (void **state)
{
    (void) state;
    cab_metrics_t *m = cab_metrics_new ();
    cab_metrics_add (m, "cabinet_x_total", "method=\"a\"", "Things", 2);
    cab_metrics_add (m, "cabinet_y_total", NULL, "Other", 1);
    cab_metrics_add (m, "cabinet_x_total", "method=\"b\"", NULL, 1);
    cab_metrics_add (m, "cabinet_x_total", "method=\"a\"", NULL, 3);
    cab_metrics_observe (m, "cabinet_latency_seconds", NULL, "Latency", 0.003);
    char *text = cab_metrics_render (m);
    assert_non_null (strstr (text, "# HELP cabinet_x_total Things\n# TYPE cabinet_x_total counter\n"
                                   "cabinet_x_total{method=\"a\"} 5\n"
                                   "cabinet_x_total{method=\"b\"} 1\n"));
    assert_non_null (strstr (text, "cabinet_y_total 1\n"));
    assert_non_null (strstr (text, "cabinet_latency_seconds_bucket{le=\"0.0025\"} 0\n"));
    assert_non_null (strstr (text, "cabinet_latency_seconds_bucket{le=\"0.005\"} 1\n"));
    assert_non_null (strstr (text, "cabinet_latency_seconds_count 1\n"));
    free (text);
    cab_metrics_destroy (&m);
    assert_null (m);
}

static void
test_config_reads_environment_and_defaults (void **state)
{
    (void) state;
    unsetenv ("CABINET_HTTP_PORT");
    assert_string_equal (cab_config_str ("CABINET_HTTP_PORT"), "8080");
    setenv ("CABINET_HTTP_PORT", "9999", 1);
    assert_int_equal (cab_config_long ("CABINET_HTTP_PORT", 1, 65535), 9999);
    setenv ("CABINET_HTTP_PORT", "99999", 1);
    assert_int_equal (cab_config_long ("CABINET_HTTP_PORT", 1, 65535), 8080);
    setenv ("CABINET_HTTP_PORT", "80x", 1);
    assert_int_equal (cab_config_long ("CABINET_HTTP_PORT", 1, 65535), 8080);
    unsetenv ("CABINET_HTTP_PORT");
}

static void
test_config_endpoint_derives_from_run_dir (void **state)
{
    (void) state;
    setenv ("CABINET_RUN_DIR", "/tmp/node-a", 1);
    unsetenv ("CABINET_IDENTITY_RPC");
    char *endpoint = cab_config_endpoint ("identity", "rpc");
    assert_string_equal (endpoint, "ipc:///tmp/node-a/identity.rpc");
    free (endpoint);
    setenv ("CABINET_IDENTITY_RPC", "tcp://10.0.0.5:5550", 1);
    endpoint = cab_config_endpoint ("identity", "rpc");
    assert_string_equal (endpoint, "tcp://10.0.0.5:5550");
    free (endpoint);
    unsetenv ("CABINET_IDENTITY_RPC");
    char *topic = cab_config_events_topic ("binhdinh.stttt");
    assert_string_equal (topic, "cabinet.binhdinh.stttt.events");
    free (topic);
}

static void
test_like_pattern_escapes_wildcards (void **state)
{
    (void) state;
    char out[64];
    assert_true (cab_db_like_pattern ("50%_a\\b", out, sizeof out));
    assert_string_equal (out, "%50\\%\\_a\\\\b%");
    assert_true (cab_db_like_pattern ("a%b_c\\", out, 32));
    assert_string_equal (out, "%a\\%b\\_c\\\\%");
    assert_false (cab_db_like_pattern ("abcdef", out, 6));
    assert_string_equal (out, "");
}

static void
test_utf8_clean_trims_and_composes (void **state)
{
    (void) state;
    cab_arena_t *arena = cab_arena_new ();
    assert_string_equal (cab_utf8_clean (arena, " \t Nguye\xcc\x82\xcc\x81n\r\n"), "Nguyến");
    assert_string_equal (cab_utf8_clean (arena, "   "), "");
    assert_null (cab_utf8_clean (arena, "\xff"));
    assert_null (cab_utf8_clean (arena, NULL));
    cab_arena_destroy (&arena);
}

//  README.md's configuration table must list every setting.
static void
test_config_every_setting_is_in_readme (void **state)
{
    (void) state;
    FILE *file = fopen (SOURCE_DIR "/README.md", "r");
    assert_non_null (file);
    static char text[1 << 17];
    size_t n = fread (text, 1, sizeof text - 1, file);
    text[n] = '\0';
    fclose (file);
    for (const cab_config_var_t *v = cab_config_vars; v->name; v++) {
        char needle[96];
        snprintf (needle, sizeof needle, "`%s`", v->name);
        if (!strstr (text, needle))
            fail_msg ("README.md does not document %s", v->name);
    }
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_uuid_v7_has_version_and_variant),
        cmocka_unit_test (test_uuid_v7_sorts_by_time),
        cmocka_unit_test (test_uuid_valid_rejects_malformed),
        cmocka_unit_test (test_status_maps_to_api_http),
        cmocka_unit_test (test_status_messages_are_vietnamese),
        cmocka_unit_test (test_token_new_is_random_base64url),
        cmocka_unit_test (test_sha256_hex_matches_known_vector),
        cmocka_unit_test (test_chain_hash_covers_the_fields_as_the_sql_does),
        cmocka_unit_test (test_csrf_token_depends_on_session),
        cmocka_unit_test (test_secure_equal_refuses_empty_and_prefix),
        cmocka_unit_test (test_base32_round_trips_rfc4648),
        cmocka_unit_test (test_utf8_valid_rejects_bad_sequences),
        cmocka_unit_test (test_utf8_nfc_composes_vietnamese),
        cmocka_unit_test (test_arena_allocates_aligned_zeroed_memory),
        cmocka_unit_test (test_metrics_render_prometheus_text),
        cmocka_unit_test (test_config_reads_environment_and_defaults),
        cmocka_unit_test (test_config_endpoint_derives_from_run_dir),
        cmocka_unit_test (test_like_pattern_escapes_wildcards),
        cmocka_unit_test (test_utf8_clean_trims_and_composes),
        cmocka_unit_test (test_config_every_setting_is_in_readme),
    };
    return cmocka_run_group_tests_name ("shared basics", tests, NULL, NULL);
}
