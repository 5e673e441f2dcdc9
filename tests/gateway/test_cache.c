/*  test_cache - the gateway's cache: hits, stamps, expiry, refresh ahead
    of expiry, replacement within a set, limits, and NULL as "no cache".  */
#include "cab_time.h"
#include "cache.h"
#include <stdio.h>
#include <string.h>
//  cmocka needs these before it, in this order.
// clang-format off
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
// clang-format on

static cab_arena_t *s_arena;

static int
s_setup (void **state)
{
    (void) state;
    s_arena = cab_arena_new ();
    return s_arena ? 0 : -1;
}

static int
s_teardown (void **state)
{
    (void) state;
    cab_arena_destroy (&s_arena);
    return 0;
}

//  The value under key, or NULL on a miss.
static const char *
s_get (gw_cache_t *cache, const char *key, uint64_t stamp, int64_t now_ms)
{
    const char *value = NULL;
    size_t size = 0;
    if (!gw_cache_get (cache, key, strlen (key), stamp, now_ms, s_arena, &value, &size))
        return NULL;
    assert_int_equal (strlen (value), size);
    return value;
}

static void
s_put (gw_cache_t *cache, const char *key, uint64_t stamp, int64_t expires_ms, const char *value)
{
    gw_cache_put (cache, key, strlen (key), stamp, expires_ms, value, strlen (value));
}

static void
test_hit_and_miss (void **state)
{
    (void) state;
    gw_cache_t *cache = gw_cache_new (64);
    assert_non_null (cache);
    int64_t now = cab_clock_ms ();
    assert_null (s_get (cache, "a", 1, now));
    s_put (cache, "a", 1, now + 1000, "{\"items\":[]}");
    assert_string_equal (s_get (cache, "a", 1, now), "{\"items\":[]}");
    assert_null (s_get (cache, "b", 1, now));
    //  A key is compared whole, not by prefix.
    assert_null (s_get (cache, "aa", 1, now));
    //  Replacing keeps one entry.
    s_put (cache, "a", 1, now + 1000, "new");
    assert_string_equal (s_get (cache, "a", 1, now), "new");
    assert_int_equal (gw_cache_size (cache), 1);
    gw_cache_destroy (&cache);
    assert_null (cache);
}

static void
test_stamp_retires_entries (void **state)
{
    (void) state;
    gw_cache_t *cache = gw_cache_new (64);
    int64_t now = cab_clock_ms ();
    s_put (cache, "calendar", 7, now + 60000, "before");
    assert_non_null (s_get (cache, "calendar", 7, now));
    //  The service changed: generation 8. The old answer is never served,
    //  however long it had left.
    assert_null (s_get (cache, "calendar", 8, now));
    //  An answer fetched while the change happened carries the old stamp
    //  and is refused too.
    s_put (cache, "calendar", 7, now + 60000, "fetched during the change");
    assert_null (s_get (cache, "calendar", 8, now));
    s_put (cache, "calendar", 8, now + 60000, "after");
    assert_string_equal (s_get (cache, "calendar", 8, now), "after");
    gw_cache_destroy (&cache);
}

static void
test_expiry_and_refresh_ahead (void **state)
{
    (void) state;
    gw_cache_t *cache = gw_cache_new (64);
    int64_t now = cab_clock_ms ();
    s_put (cache, "k", 1, now + 1000, "v");
    //  First three quarters of its life: everyone is served.
    assert_non_null (s_get (cache, "k", 1, now + 740));
    //  Last quarter: the first caller is sent to refresh it, the others
    //  are still served meanwhile.
    assert_null (s_get (cache, "k", 1, now + 800));
    assert_non_null (s_get (cache, "k", 1, now + 801));
    assert_non_null (s_get (cache, "k", 1, now + 999));
    //  Past its expiry nobody is served, refresh or not.
    assert_null (s_get (cache, "k", 1, now + 1000));
    //  The refresh arrives: served again until its own last quarter.
    s_put (cache, "k", 1, now + 2000, "v2");
    assert_string_equal (s_get (cache, "k", 1, now + 1000), "v2");
    gw_cache_destroy (&cache);
}

static void
test_bounded (void **state)
{
    (void) state;
    gw_cache_t *cache = gw_cache_new (16);
    int64_t now = cab_clock_ms ();
    char key[32];
    for (int i = 0; i < 1000; i++) {
        snprintf (key, sizeof key, "user-%d", i);
        s_put (cache, key, 1, now + 60000, key);
    }
    assert_true (gw_cache_size (cache) <= 16);
    //  The newest entry is always there.
    assert_string_equal (s_get (cache, "user-999", 1, now), "user-999");
    //  Values over the limit are not kept.
    static char big[GW_CACHE_VALUE_MAX + 2];
    memset (big, 'x', sizeof big - 1);
    s_put (cache, "big", 1, now + 60000, big);
    assert_null (s_get (cache, "big", 1, now));
    gw_cache_destroy (&cache);
}

static void
test_binary_keys_and_values (void **state)
{
    (void) state;
    gw_cache_t *cache = gw_cache_new (8);
    int64_t now = cab_clock_ms ();
    const char key1[] = {'a', '\0', 'b'};
    const char key2[] = {'a', '\0', 'c'};
    const unsigned char value[] = {0, 1, 2, 255};
    gw_cache_put (cache, key1, sizeof key1, 1, now + 1000, value, sizeof value);
    const char *out = NULL;
    size_t size = 0;
    assert_false (gw_cache_get (cache, key2, sizeof key2, 1, now, s_arena, &out, &size));
    assert_true (gw_cache_get (cache, key1, sizeof key1, 1, now, s_arena, &out, &size));
    assert_int_equal (size, sizeof value);
    assert_memory_equal (out, value, sizeof value);
    gw_cache_destroy (&cache);
}

static void
test_null_cache (void **state)
{
    (void) state;
    assert_null (gw_cache_new (0));
    gw_cache_t *none = NULL;
    s_put (none, "a", 1, cab_clock_ms () + 1000, "v");
    assert_null (s_get (none, "a", 1, cab_clock_ms ()));
    assert_int_equal (gw_cache_size (none), 0);
    gw_cache_destroy (&none);
    gw_cache_destroy (NULL);
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_hit_and_miss),
        cmocka_unit_test (test_stamp_retires_entries),
        cmocka_unit_test (test_expiry_and_refresh_ahead),
        cmocka_unit_test (test_bounded),
        cmocka_unit_test (test_binary_keys_and_values),
        cmocka_unit_test (test_null_cache),
    };
    return cmocka_run_group_tests (tests, s_setup, s_teardown);
}
