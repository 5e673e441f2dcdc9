/*  Unit tests: gw_ring, the live streams' memory of recent events, and
    who an event admits (its audience).  */
#include "ring.h"
#include <stdio.h>
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

//  An event whose id is "e<n>", with a frame of frame_len bytes.
static gw_event_t *
s_event (int n, size_t frame_len)
{
    char id[16];
    snprintf (id, sizeof id, "e%d", n);
    char *frame = malloc (frame_len + 1);
    memset (frame, 'x', frame_len);
    frame[frame_len] = '\0';
    gw_event_t *event = gw_event_new (id, "meeting.started", "m1", NULL, 0, frame, frame_len);
    assert_non_null (event);
    return event;
}

//  Push event n and drop the caller's reference.
static int64_t
s_push (gw_ring_t *ring, int n)
{
    gw_event_t *event = s_event (n, 10);
    int64_t seq = gw_ring_push (ring, event);
    gw_event_unref (&event);
    return seq;
}

static void
test_push_numbers_events_in_order (void **state)
{
    (void) state;
    gw_ring_t *ring = gw_ring_new (8);
    assert_int_equal (gw_ring_first (ring), 0);
    assert_int_equal (gw_ring_end (ring), 0);
    for (int i = 0; i < 3; i++)
        assert_int_equal (s_push (ring, i), i);
    assert_int_equal (gw_ring_size (ring), 3);
    assert_int_equal (gw_ring_bytes (ring), 30);
    assert_string_equal (gw_ring_at (ring, 1)->id, "e1");
    assert_null (gw_ring_at (ring, 3));
    gw_ring_destroy (&ring);
    assert_null (ring);
}

static void
test_replay_goes_on_after_the_last_id (void **state)
{
    (void) state;
    gw_ring_t *ring = gw_ring_new (8);
    for (int i = 0; i < 5; i++)
        s_push (ring, i);
    uint64_t seq = 0;
    assert_true (gw_ring_after (ring, "e2", &seq));
    assert_int_equal (seq, 3);
    //  What follows, in order: e3, e4.
    assert_string_equal (gw_ring_at (ring, seq)->id, "e3");
    assert_string_equal (gw_ring_at (ring, seq + 1)->id, "e4");
    assert_null (gw_ring_at (ring, seq + 2));
    //  The newest: nothing missed.
    assert_true (gw_ring_after (ring, "e4", &seq));
    assert_int_equal (seq, gw_ring_end (ring));
    gw_ring_destroy (&ring);
}

static void
test_unknown_id_is_not_found (void **state)
{
    (void) state;
    gw_ring_t *ring = gw_ring_new (8);
    uint64_t seq = 99;
    assert_false (gw_ring_after (ring, "e0", &seq));  //  empty
    s_push (ring, 0);
    assert_false (gw_ring_after (ring, "e7", &seq));
    assert_false (gw_ring_after (ring, "", &seq));
    assert_false (gw_ring_after (ring, NULL, &seq));
    assert_int_equal (seq, 99);
    gw_ring_destroy (&ring);
}

static void
test_wrap_around_drops_the_oldest (void **state)
{
    (void) state;
    //  Past the first growth (16 slots) and around the ring several times.
    gw_ring_t *ring = gw_ring_new (20);
    for (int i = 0; i < 57; i++)
        assert_int_equal (s_push (ring, i), i);
    assert_int_equal (gw_ring_size (ring), 20);
    assert_int_equal (gw_ring_first (ring), 37);
    assert_int_equal (gw_ring_end (ring), 57);
    assert_int_equal (gw_ring_bytes (ring), 200);
    for (uint64_t seq = 37; seq < 57; seq++) {
        char id[16];
        snprintf (id, sizeof id, "e%d", (int) seq);
        assert_string_equal (gw_ring_at (ring, seq)->id, id);
    }
    uint64_t seq = 0;
    assert_false (gw_ring_after (ring, "e36", &seq));  //  dropped: the reader must refresh
    assert_true (gw_ring_after (ring, "e37", &seq));
    assert_int_equal (seq, 38);
    assert_null (gw_ring_at (ring, 36));
    gw_ring_destroy (&ring);
}

static void
test_repeated_delivery_is_kept_once (void **state)
{
    (void) state;
    gw_ring_t *ring = gw_ring_new (4);
    assert_int_equal (s_push (ring, 1), 0);
    assert_int_equal (s_push (ring, 1), -1);
    assert_int_equal (gw_ring_size (ring), 1);
    gw_ring_destroy (&ring);
}

//  Many more events than the ring holds, so that the index of ids drops
//  and moves entries all the time: after each push, every event held is
//  found at its number, every event dropped is not, and a repeat of one
//  held is refused.
static void
test_ids_stay_found_through_many_wraps (void **state)
{
    (void) state;
    enum { CAPACITY = 37, EVENTS = 3000 };
    gw_ring_t *ring = gw_ring_new (CAPACITY);
    for (int n = 0; n < EVENTS; n++) {
        assert_int_equal (s_push (ring, n), n);
        int oldest = n >= CAPACITY ? n - CAPACITY + 1 : 0;
        for (int k = oldest; k <= n; k++) {
            char id[16];
            snprintf (id, sizeof id, "e%d", k);
            uint64_t seq = 0;
            assert_true (gw_ring_after (ring, id, &seq));
            assert_int_equal (seq, k + 1);
        }
        if (oldest > 0) {
            char gone[16];
            snprintf (gone, sizeof gone, "e%d", oldest - 1);
            uint64_t seq = 0;
            assert_false (gw_ring_after (ring, gone, &seq));
        }
        if (n % 97 == 0)
            assert_int_equal (s_push (ring, oldest), -1);
    }
    assert_int_equal (gw_ring_size (ring), CAPACITY);
    gw_ring_destroy (&ring);
}

static void
test_events_outlive_the_ring_while_referenced (void **state)
{
    (void) state;
    gw_ring_t *ring = gw_ring_new (1);
    s_push (ring, 0);
    gw_event_t *held = gw_event_ref (gw_ring_at (ring, 0));
    s_push (ring, 1);  //  drops e0 from the ring
    assert_string_equal (held->id, "e0");
    assert_int_equal (held->frame_len, 10);
    gw_event_unref (&held);
    assert_null (held);
    gw_ring_destroy (&ring);
}

static void
test_audience_decides_who_sees (void **state)
{
    (void) state;
    char *audience[] = {"u-chair", "u-secretary"};
    gw_event_t *secret =
        gw_event_new ("e1", "document.approved", "m1", audience, 2, strdup ("x"), 1);
    gw_event_t *open = gw_event_new ("e2", "meeting.started", "m1", NULL, 0, strdup ("x"), 1);
    //  A meeting's stream: an empty audience is everyone the stream admits.
    assert_true (gw_event_admits (open, "u-invitee", false));
    assert_true (gw_event_admits (secret, "u-chair", false));
    assert_true (gw_event_admits (secret, "u-secretary", false));
    assert_false (gw_event_admits (secret, "u-invitee", false));
    assert_false (gw_event_admits (secret, "", false));
    //  A personal stream: only what names the person.
    assert_false (gw_event_admits (open, "u-chair", true));
    assert_true (gw_event_admits (secret, "u-chair", true));
    assert_false (gw_event_admits (secret, "u-invitee", true));
    gw_event_unref (&secret);
    gw_event_unref (&open);
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_push_numbers_events_in_order),
        cmocka_unit_test (test_replay_goes_on_after_the_last_id),
        cmocka_unit_test (test_unknown_id_is_not_found),
        cmocka_unit_test (test_wrap_around_drops_the_oldest),
        cmocka_unit_test (test_repeated_delivery_is_kept_once),
        cmocka_unit_test (test_ids_stay_found_through_many_wraps),
        cmocka_unit_test (test_events_outlive_the_ring_while_referenced),
        cmocka_unit_test (test_audience_decides_who_sees),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
