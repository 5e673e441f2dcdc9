/*  Unit tests: gw_hub, the fan-out of events to live streams, driven the
    way the HTTP server drives it (pull until it parks, wake, pull again)
    with a waker that only records what it was asked to do.  */
#include "cab_time.h"
#include "cabinet/v1/event.pb-c.h"
#include "cabinet/v1/identity.pb-c.h"
#include "hub.h"
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

#define BUF 4096

//  A connection as the waker sees it.
typedef struct {
    bool parked;
    int parks;
    int wakes;
} s_conn_t;

static void
s_park (void *conn)
{
    s_conn_t *c = conn;
    assert_false (c->parked);
    c->parked = true;
    c->parks++;
}

static void
s_wake (void *conn)
{
    s_conn_t *c = conn;
    assert_true (c->parked);  //  woken exactly once per park
    c->parked = false;
    c->wakes++;
}

static gw_hub_t *
s_hub (size_t replay, size_t max_streams, size_t max_per_user)
{
    gw_hub_opts_t opts = {
        .replay = replay,
        .max_streams = max_streams,
        .max_per_user = max_per_user,
        .ping_ms = 15000,
        .max_age_ms = 0,
        .waker = {s_park, s_wake},
    };
    gw_hub_t *hub = gw_hub_new (&opts);
    assert_non_null (hub);
    return hub;
}

static gw_sub_t *
s_sub (gw_hub_t *hub, const char *meeting, const char *user, const char *session, const char *last)
{
    gw_sub_opts_t opts = {meeting, user, session, last};
    gw_sub_t *sub = NULL;
    assert_int_equal (gw_hub_subscribe (hub, &opts, &sub), GW_HUB_OK);
    return sub;
}

//  Publish an event; audience is a NULL-terminated list or NULL.
static void
s_publish (gw_hub_t *hub, const char *id, const char *type, const char *meeting,
           const char **audience, const ProtobufCMessage *payload, const char *subject)
{
    Cabinet__V1__Event ev = CABINET__V1__EVENT__INIT;
    ev.id = (char *) id;
    ev.type = (char *) type;
    ev.meeting_id = (char *) meeting;
    ev.subject = (char *) subject;
    ev.time = "2026-12-01T08:00:00+07:00";
    size_t n = 0;
    while (audience && audience[n])
        n++;
    ev.n_audience = n;
    ev.audience = (char **) audience;
    uint8_t *bytes = NULL;
    if (payload) {
        ev.schema = (char *) payload->descriptor->name;
        ev.has_payload = true;
        ev.payload.len = protobuf_c_message_get_packed_size (payload);
        ev.payload.data = bytes = malloc (ev.payload.len + 1);
        protobuf_c_message_pack (payload, bytes);
    }
    size_t size = cabinet__v1__event__get_packed_size (&ev);
    uint8_t *envelope = malloc (size + 1);
    cabinet__v1__event__pack (&ev, envelope);
    gw_hub_publish (hub, envelope, size);
    free (envelope);
    free (bytes);
}

//  Pull until the stream parks or ends, max bytes at a time; returns what
//  came (caller frees) and sets *ended when it ended.
static char *
s_drain (gw_hub_t *hub, gw_sub_t *sub, s_conn_t *conn, size_t max, bool *ended)
{
    char *out = calloc (1, 1);
    size_t len = 0;
    char buf[BUF];
    *ended = false;
    for (;;) {
        long n = gw_hub_pull (hub, sub, conn, buf, max);
        if (n < 0) {
            *ended = true;
            break;
        }
        if (n == 0)
            break;  //  parked (or woken at once: pulled again next time)
        out = realloc (out, len + (size_t) n + 1);
        memcpy (out + len, buf, (size_t) n);
        len += (size_t) n;
        out[len] = '\0';
    }
    return out;
}

static size_t
s_count (const char *text, const char *what)
{
    size_t n = 0;
    for (const char *at = strstr (text, what); at; at = strstr (at + 1, what))
        n++;
    return n;
}

static void
test_stream_parks_and_is_woken_by_an_event (void **state)
{
    (void) state;
    gw_hub_t *hub = s_hub (16, 10, 10);
    s_conn_t conn = {0};
    gw_sub_t *sub = s_sub (hub, "m1", "u1", NULL, NULL);
    bool ended;
    char *text = s_drain (hub, sub, &conn, BUF, &ended);
    assert_string_equal (text, "retry: 3000\n\n");
    free (text);
    assert_true (conn.parked);
    assert_int_equal (gw_hub_parked (hub), 1);

    s_publish (hub, "e1", "meeting.started", "m1", NULL, NULL, "m1");
    assert_false (conn.parked);
    assert_int_equal (conn.wakes, 1);
    text = s_drain (hub, sub, &conn, BUF, &ended);
    assert_non_null (strstr (text, "id: e1\nevent: meeting.started\ndata: {\"id\":\"e1\""));
    assert_non_null (strstr (text, "\"meeting_id\":\"m1\""));
    assert_false (ended);
    free (text);
    //  An event of another meeting wakes nobody here.
    s_publish (hub, "e2", "meeting.started", "m2", NULL, NULL, "m2");
    assert_int_equal (conn.wakes, 1);
    assert_true (conn.parked);
    gw_hub_close (hub);  //  unpark before leaving
    gw_hub_unsubscribe (hub, &sub);
    assert_null (sub);
    gw_hub_destroy (&hub);
}

//  The envelope of a plain meeting event (caller frees).
static uint8_t *
s_pack (const char *id, const char *meeting, size_t *size)
{
    Cabinet__V1__Event ev = CABINET__V1__EVENT__INIT;
    ev.id = (char *) id;
    ev.type = "ballot.cast";
    ev.meeting_id = (char *) meeting;
    ev.subject = "v1";
    *size = cabinet__v1__event__get_packed_size (&ev);
    uint8_t *envelope = malloc (*size + 1);
    cabinet__v1__event__pack (&ev, envelope);
    return envelope;
}

static void
test_burst_wakes_each_stream_once (void **state)
{
    (void) state;
    gw_hub_t *hub = s_hub (16, 10, 10);
    s_conn_t c1 = {0}, c2 = {0};
    gw_sub_t *one = s_sub (hub, "m1", "u1", NULL, NULL);
    gw_sub_t *two = s_sub (hub, "m1", "u2", NULL, NULL);
    bool ended;
    free (s_drain (hub, one, &c1, BUF, &ended));
    free (s_drain (hub, two, &c2, BUF, &ended));
    assert_int_equal (gw_hub_parked (hub), 2);
    //  Five events arrive together, four of them for the meeting.
    const char *ids[] = {"b1", "b2", "x1", "b3", "b4"};
    const char *meetings[] = {"m1", "m1", "m2", "m1", "m1"};
    uint8_t *envelopes[5];
    size_t sizes[5];
    for (int i = 0; i < 5; i++)
        envelopes[i] = s_pack (ids[i], meetings[i], &sizes[i]);
    gw_hub_publish_many (hub, (const uint8_t *const *) envelopes, sizes, 5);
    //  Each stream is woken once, and its next pull has all four, in order.
    assert_int_equal (c1.wakes, 1);
    assert_int_equal (c2.wakes, 1);
    char *text = s_drain (hub, one, &c1, BUF, &ended);
    assert_int_equal (s_count (text, "event: ballot.cast"), 4);
    const char *b1 = strstr (text, "id: b1\n"), *b2 = strstr (text, "id: b2\n");
    const char *b3 = strstr (text, "id: b3\n"), *b4 = strstr (text, "id: b4\n");
    assert_true (b1 && b2 && b3 && b4 && b1 < b2 && b2 < b3 && b3 < b4);
    assert_null (strstr (text, "id: x1\n"));
    free (text);
    for (int i = 0; i < 5; i++)
        free (envelopes[i]);
    gw_hub_close (hub);
    gw_hub_unsubscribe (hub, &one);
    gw_hub_unsubscribe (hub, &two);
    gw_hub_destroy (&hub);
}

static void
test_audience_limits_who_gets_an_event (void **state)
{
    (void) state;
    gw_hub_t *hub = s_hub (16, 10, 10);
    s_conn_t c1 = {0}, c2 = {0};
    gw_sub_t *chair = s_sub (hub, "m1", "u-chair", NULL, NULL);
    gw_sub_t *invitee = s_sub (hub, "m1", "u-invitee", NULL, NULL);
    bool ended;
    free (s_drain (hub, chair, &c1, BUF, &ended));
    free (s_drain (hub, invitee, &c2, BUF, &ended));
    const char *only_chair[] = {"u-chair", NULL};
    s_publish (hub, "secret", "document.approved", "m1", only_chair, NULL, "d1");
    assert_int_equal (c1.wakes, 1);
    assert_int_equal (c2.wakes, 0);  //  not even woken
    s_publish (hub, "open", "document.approved", "m1", NULL, NULL, "d2");
    char *a = s_drain (hub, chair, &c1, BUF, &ended);
    char *b = s_drain (hub, invitee, &c2, BUF, &ended);
    assert_non_null (strstr (a, "id: secret\n"));
    assert_non_null (strstr (a, "id: open\n"));
    assert_null (strstr (b, "secret"));
    assert_non_null (strstr (b, "id: open\n"));
    free (a);
    free (b);
    gw_hub_close (hub);
    gw_hub_unsubscribe (hub, &chair);
    gw_hub_unsubscribe (hub, &invitee);
    gw_hub_destroy (&hub);
}

static void
test_personal_stream_shows_only_what_names_the_person (void **state)
{
    (void) state;
    gw_hub_t *hub = s_hub (16, 10, 10);
    s_conn_t conn = {0};
    gw_sub_t *mine = s_sub (hub, NULL, "u1", NULL, NULL);
    bool ended;
    free (s_drain (hub, mine, &conn, BUF, &ended));
    s_publish (hub, "e1", "meeting.started", "m1", NULL, NULL, "m1");
    const char *other[] = {"u2", NULL};
    s_publish (hub, "e2", "document.approved", "m1", other, NULL, "d1");
    assert_int_equal (conn.wakes, 0);
    const char *me[] = {"u2", "u1", NULL};
    s_publish (hub, "e3", "notice.sent", NULL, me, NULL, "u1");
    char *text = s_drain (hub, mine, &conn, BUF, &ended);
    assert_non_null (strstr (text, "id: e3\nevent: notice.sent\n"));
    assert_int_equal (s_count (text, "id: "), 1);
    free (text);
    gw_hub_close (hub);
    gw_hub_unsubscribe (hub, &mine);
    gw_hub_destroy (&hub);
}

static void
test_reconnect_replays_what_followed_in_order (void **state)
{
    (void) state;
    gw_hub_t *hub = s_hub (16, 10, 10);
    const char *chair[] = {"u-chair", NULL};
    s_publish (hub, "e1", "meeting.started", "m1", NULL, NULL, "m1");
    s_publish (hub, "e2", "attendance.recorded", "m1", NULL, NULL, "m1");
    s_publish (hub, "e3", "document.approved", "m1", chair, NULL, "d1");
    s_publish (hub, "e4", "rsvp.submitted", "m1", NULL, NULL, "m1");
    s_conn_t conn = {0};
    gw_sub_t *sub = s_sub (hub, "m1", "u-invitee", NULL, "e1");
    bool ended;
    char *text = s_drain (hub, sub, &conn, BUF, &ended);
    //  After e1: e2 and e4 (e3 is not the invitee's), in order, nothing before.
    const char *e2 = strstr (text, "id: e2\n");
    const char *e4 = strstr (text, "id: e4\n");
    assert_non_null (e2);
    assert_non_null (e4);
    assert_true (e2 < e4);
    assert_null (strstr (text, "id: e1\n"));
    assert_null (strstr (text, "id: e3\n"));
    assert_null (strstr (text, "refresh"));
    assert_int_equal (strncmp (text, "retry: 3000\n\n", 13), 0);
    free (text);
    gw_hub_close (hub);
    gw_hub_unsubscribe (hub, &sub);
    gw_hub_destroy (&hub);
}

static void
test_unknown_last_id_gets_a_refresh (void **state)
{
    (void) state;
    gw_hub_t *hub = s_hub (16, 10, 10);
    const char *chair[] = {"u-chair", NULL};
    s_publish (hub, "e1", "meeting.started", "m1", NULL, NULL, "m1");
    s_publish (hub, "e2", "document.approved", "m1", chair, NULL, "d1");
    s_conn_t conn = {0};
    gw_sub_t *sub = s_sub (hub, "m1", "u-invitee", NULL, "gone");
    bool ended;
    char *text = s_drain (hub, sub, &conn, BUF, &ended);
    //  The refresh names the newest event the invitee may see (e1, not e2).
    assert_string_equal (text, "retry: 3000\n\nid: e1\nevent: refresh\n"
                               "data: {\"reason\":\"unknown_last_event_id\"}\n\n");
    free (text);
    //  With nothing at all in the ring: a refresh without an id.
    s_conn_t c2 = {0};
    gw_sub_t *fresh = s_sub (hub, "m9", "u-invitee", NULL, "gone");
    text = s_drain (hub, fresh, &c2, BUF, &ended);
    assert_string_equal (text, "retry: 3000\n\nevent: refresh\n"
                               "data: {\"reason\":\"unknown_last_event_id\"}\n\n");
    free (text);
    //  …and it goes on live.
    s_publish (hub, "e3", "meeting.ended", "m9", NULL, NULL, "m9");
    text = s_drain (hub, fresh, &c2, BUF, &ended);
    assert_non_null (strstr (text, "id: e3\n"));
    free (text);
    gw_hub_close (hub);
    gw_hub_unsubscribe (hub, &sub);
    gw_hub_unsubscribe (hub, &fresh);
    gw_hub_destroy (&hub);
}

//  Seven events e0..e6 into meeting m1: more than a ring of 4 keeps.
static void
s_overtake (gw_hub_t *hub)
{
    char id[16];
    for (int i = 0; i < 7; i++) {
        snprintf (id, sizeof id, "e%d", i);
        s_publish (hub, id, "attendance.recorded", "m1", NULL, NULL, "m1");
    }
}

static void
test_slow_stream_is_told_to_refresh (void **state)
{
    (void) state;
    gw_hub_t *hub = s_hub (4, 10, 10);
    s_conn_t conn = {0};
    gw_sub_t *sub = s_sub (hub, "m1", "u1", NULL, NULL);
    bool ended;
    free (s_drain (hub, sub, &conn, BUF, &ended));
    s_overtake (hub);  //  none sent
    char *text = s_drain (hub, sub, &conn, BUF, &ended);
    assert_string_equal (text, "id: e6\nevent: refresh\ndata: {\"reason\":\"too_slow\"}\n\n");
    free (text);
    gw_hub_close (hub);
    gw_hub_unsubscribe (hub, &sub);
    gw_hub_destroy (&hub);
}

static void
test_events_hidden_from_a_stream_do_not_make_it_slow (void **state)
{
    (void) state;
    gw_hub_t *hub = s_hub (4, 10, 10);
    s_conn_t conn = {0};
    gw_sub_t *sub = s_sub (hub, "m1", "u-invitee", NULL, NULL);
    bool ended;
    free (s_drain (hub, sub, &conn, BUF, &ended));
    const char *chair[] = {"u-chair", NULL};
    char id[16];
    for (int i = 0; i < 9; i++) {
        snprintf (id, sizeof id, "s%d", i);
        s_publish (hub, id, "document.approved", "m1", chair, NULL, "d");
    }
    s_publish (hub, "open", "meeting.ended", "m1", NULL, NULL, "m1");
    char *text = s_drain (hub, sub, &conn, BUF, &ended);
    assert_null (strstr (text, "refresh"));
    assert_non_null (strstr (text, "id: open\n"));
    free (text);
    gw_hub_close (hub);
    gw_hub_unsubscribe (hub, &sub);
    gw_hub_destroy (&hub);
}

static void
test_small_pulls_send_whole_frames_in_pieces (void **state)
{
    (void) state;
    gw_hub_t *hub = s_hub (16, 10, 10);
    s_conn_t a = {0}, b = {0};
    gw_sub_t *whole = s_sub (hub, "m1", "u1", NULL, NULL);
    gw_sub_t *pieces = s_sub (hub, "m1", "u2", NULL, NULL);
    s_publish (hub, "e1", "meeting.started", "m1", NULL, NULL, "m1");
    s_publish (hub, "e2", "meeting.ended", "m1", NULL, NULL, "m1");
    bool ended;
    char *one = s_drain (hub, whole, &a, BUF, &ended);
    char *two = s_drain (hub, pieces, &b, 7, &ended);
    assert_string_equal (one, two);
    assert_non_null (strstr (one, "id: e1\n"));
    assert_non_null (strstr (one, "id: e2\n"));
    free (one);
    free (two);
    gw_hub_close (hub);
    gw_hub_unsubscribe (hub, &whole);
    gw_hub_unsubscribe (hub, &pieces);
    gw_hub_destroy (&hub);
}

//  A frame half sent when the ring drops its event is still sent whole
//  (the stream keeps it), then the stream is told to refresh.
static void
test_frame_cut_short_outlives_the_ring (void **state)
{
    (void) state;
    gw_hub_t *hub = s_hub (4, 10, 10);
    s_conn_t conn = {0};
    gw_sub_t *sub = s_sub (hub, "m1", "u1", NULL, NULL);
    bool ended;
    free (s_drain (hub, sub, &conn, BUF, &ended));
    s_publish (hub, "first", "meeting.started", "m1", NULL, NULL, "m1");
    char buf[8];
    assert_int_equal (gw_hub_pull (hub, sub, &conn, buf, sizeof buf), (long) sizeof buf);
    assert_memory_equal (buf, "id: firs", sizeof buf);
    s_overtake (hub);  //  the ring drops "first"
    char *text = s_drain (hub, sub, &conn, BUF, &ended);
    const char *refresh = strstr (text, "id: e6\nevent: refresh\n");
    assert_non_null (refresh);
    static const char rest[] = "t\nevent: meeting.started\ndata: {\"id\":\"first\"";
    assert_memory_equal (text, rest, sizeof rest - 1);
    assert_true (refresh > text && refresh[-1] == '\n' && refresh[-2] == '\n');
    assert_int_equal (s_count (text, "\n\n"), 2);  //  the rest of "first", the refresh
    free (text);
    gw_hub_close (hub);
    gw_hub_unsubscribe (hub, &sub);
    gw_hub_destroy (&hub);
}

static void
test_repeated_delivery_is_sent_once (void **state)
{
    (void) state;
    gw_hub_t *hub = s_hub (16, 10, 10);
    s_conn_t conn = {0};
    gw_sub_t *sub = s_sub (hub, "m1", "u1", NULL, NULL);
    bool ended;
    free (s_drain (hub, sub, &conn, BUF, &ended));
    s_publish (hub, "e1", "meeting.started", "m1", NULL, NULL, "m1");
    s_publish (hub, "e1", "meeting.started", "m1", NULL, NULL, "m1");
    char *text = s_drain (hub, sub, &conn, BUF, &ended);
    assert_int_equal (s_count (text, "id: e1\n"), 1);
    free (text);
    gw_hub_close (hub);
    gw_hub_unsubscribe (hub, &sub);
    gw_hub_destroy (&hub);
}

static void
test_sign_out_ends_the_sessions_streams (void **state)
{
    (void) state;
    gw_hub_t *hub = s_hub (16, 10, 10);
    s_conn_t c1 = {0}, c2 = {0}, c3 = {0};
    gw_sub_t *meeting = s_sub (hub, "m1", "u1", "s1", NULL);
    gw_sub_t *mine = s_sub (hub, NULL, "u1", "s1", NULL);
    gw_sub_t *other = s_sub (hub, NULL, "u1", "s2", NULL);
    bool ended;
    free (s_drain (hub, meeting, &c1, BUF, &ended));
    free (s_drain (hub, mine, &c2, BUF, &ended));
    free (s_drain (hub, other, &c3, BUF, &ended));
    Cabinet__V1__SessionRevoked revoked = CABINET__V1__SESSION_REVOKED__INIT;
    revoked.session_id = "s1";
    revoked.user_id = "u1";
    revoked.reason = "logout";
    s_publish (hub, "r1", "session.revoked", NULL, NULL, &revoked.base, "u1");
    char *text = s_drain (hub, mine, &c2, BUF, &ended);
    assert_string_equal (text, "event: end\ndata: {\"reason\":\"session_revoked\"}\n\n");
    assert_true (ended);
    free (text);
    text = s_drain (hub, meeting, &c1, BUF, &ended);
    assert_true (ended);
    free (text);
    assert_int_equal (c3.wakes, 0);  //  another session of the same person goes on
    //  Deleting the account ends every stream of the person.
    s_publish (hub, "r2", "user.deleted", NULL, NULL, NULL, "u1");
    text = s_drain (hub, other, &c3, BUF, &ended);
    assert_string_equal (text, "event: end\ndata: {\"reason\":\"user_deleted\"}\n\n");
    assert_true (ended);
    free (text);
    gw_hub_unsubscribe (hub, &meeting);
    gw_hub_unsubscribe (hub, &mine);
    gw_hub_unsubscribe (hub, &other);
    gw_hub_destroy (&hub);
}

static void
test_limits_refuse_streams_beyond_them (void **state)
{
    (void) state;
    gw_hub_t *hub = s_hub (16, 2, 1);
    gw_sub_t *a = s_sub (hub, "m1", "u1", NULL, NULL);
    gw_sub_opts_t opts = {"m1", "u1", NULL, NULL};
    gw_sub_t *sub = NULL;
    assert_int_equal (gw_hub_subscribe (hub, &opts, &sub), GW_HUB_USER_FULL);
    assert_null (sub);
    gw_sub_t *b = s_sub (hub, NULL, "u2", NULL, NULL);
    opts.user_id = "u3";
    assert_int_equal (gw_hub_subscribe (hub, &opts, &sub), GW_HUB_FULL);
    assert_int_equal (gw_hub_streams (hub), 2);
    gw_hub_unsubscribe (hub, &a);
    opts.user_id = "u1";
    assert_int_equal (gw_hub_subscribe (hub, &opts, &sub), GW_HUB_OK);
    gw_hub_unsubscribe (hub, &sub);
    gw_hub_unsubscribe (hub, &b);
    gw_hub_destroy (&hub);
}

static void
test_close_ends_every_stream (void **state)
{
    (void) state;
    gw_hub_t *hub = s_hub (16, 10, 10);
    s_conn_t conn = {0};
    gw_sub_t *sub = s_sub (hub, "m1", "u1", NULL, NULL);
    bool ended;
    free (s_drain (hub, sub, &conn, BUF, &ended));
    assert_true (conn.parked);
    gw_hub_close (hub);
    assert_false (conn.parked);
    assert_int_equal (gw_hub_parked (hub), 0);
    char buf[64];
    assert_int_equal (gw_hub_pull (hub, sub, &conn, buf, sizeof buf), -1);
    gw_sub_opts_t opts = {"m1", "u2", NULL, NULL};
    gw_sub_t *late = NULL;
    assert_int_equal (gw_hub_subscribe (hub, &opts, &late), GW_HUB_CLOSED);
    gw_hub_unsubscribe (hub, &sub);
    gw_hub_destroy (&hub);
}

static void
test_idle_stream_is_pinged_and_old_one_ends (void **state)
{
    (void) state;
    gw_hub_opts_t opts = {
        .replay = 4,
        .max_streams = 10,
        .max_per_user = 10,
        .ping_ms = 1000,
        .max_age_ms = 60000,
        .waker = {s_park, s_wake},
    };
    gw_hub_t *hub = gw_hub_new (&opts);
    s_conn_t conn = {0};
    gw_sub_t *sub = s_sub (hub, "m1", "u1", NULL, NULL);
    bool ended;
    free (s_drain (hub, sub, &conn, BUF, &ended));
    int64_t now = cab_clock_ms ();
    gw_hub_tick (hub, now + 500);
    assert_true (conn.parked);  //  not idle long enough
    gw_hub_tick (hub, now + 2000);
    assert_false (conn.parked);
    char *text = s_drain (hub, sub, &conn, BUF, &ended);
    assert_string_equal (text, ": ping\n\n");
    free (text);
    gw_hub_tick (hub, now + 61000);  //  past its age: ends, the client reconnects
    text = s_drain (hub, sub, &conn, BUF, &ended);
    assert_string_equal (text, "");
    assert_true (ended);
    free (text);
    gw_hub_unsubscribe (hub, &sub);
    gw_hub_destroy (&hub);
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_stream_parks_and_is_woken_by_an_event),
        cmocka_unit_test (test_burst_wakes_each_stream_once),
        cmocka_unit_test (test_audience_limits_who_gets_an_event),
        cmocka_unit_test (test_personal_stream_shows_only_what_names_the_person),
        cmocka_unit_test (test_reconnect_replays_what_followed_in_order),
        cmocka_unit_test (test_unknown_last_id_gets_a_refresh),
        cmocka_unit_test (test_slow_stream_is_told_to_refresh),
        cmocka_unit_test (test_events_hidden_from_a_stream_do_not_make_it_slow),
        cmocka_unit_test (test_small_pulls_send_whole_frames_in_pieces),
        cmocka_unit_test (test_frame_cut_short_outlives_the_ring),
        cmocka_unit_test (test_repeated_delivery_is_sent_once),
        cmocka_unit_test (test_sign_out_ends_the_sessions_streams),
        cmocka_unit_test (test_limits_refuse_streams_beyond_them),
        cmocka_unit_test (test_close_ends_every_stream),
        cmocka_unit_test (test_idle_stream_is_pinged_and_old_one_ends),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
