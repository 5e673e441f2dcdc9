/*  Unit tests: gw_sse, the Server-Sent Events text and the JSON of an
    event on a stream; gw_schemas, the registry of message types.  */
#include "cabinet/v1/identity.pb-c.h"
#include "cabinet/v1/scheduling.pb-c.h"
#include "schemas.h"
#include "sse.h"
#include <jansson.h>
#include <stdbool.h>
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

static void
test_frame_has_id_type_and_data (void **state)
{
    (void) state;
    size_t len = 0;
    char *frame = gw_sse_frame ("0190-1", "meeting.started", "{\"a\":1}", &len);
    assert_string_equal (frame, "id: 0190-1\nevent: meeting.started\ndata: {\"a\":1}\n\n");
    assert_int_equal (len, strlen (frame));
    free (frame);
}

static void
test_frame_splits_multiline_data (void **state)
{
    (void) state;
    size_t len = 0;
    //  LF, CRLF and CR all end a line; an empty line stays a line.
    char *frame = gw_sse_frame (NULL, "note", "one\ntwo\r\nthree\rfour\n\nsix", &len);
    assert_string_equal (frame, "event: note\ndata: one\ndata: two\ndata: three\ndata: four\n"
                                "data: \ndata: six\n\n");
    free (frame);
    frame = gw_sse_frame (NULL, NULL, "end\n", &len);
    assert_string_equal (frame, "data: end\ndata: \n\n");
    free (frame);
}

static void
test_frame_strips_line_breaks_from_id_and_type (void **state)
{
    (void) state;
    size_t len = 0;
    //  A line break would end the field early and start a forged one.
    char *frame = gw_sse_frame ("a\nevent: x", "t\r\ndata: y", "z", &len);
    assert_string_equal (frame, "id: aevent: x\nevent: tdata: y\ndata: z\n\n");
    free (frame);
}

static void
test_frame_without_data_still_dispatches (void **state)
{
    (void) state;
    size_t len = 0;
    char *frame = gw_sse_frame ("", "ping", NULL, &len);
    assert_string_equal (frame, "event: ping\ndata: \n\n");
    free (frame);
}

//  Pack msg as an event's payload.
static void
s_set_payload (Cabinet__V1__Event *ev, const ProtobufCMessage *msg)
{
    ev->has_payload = true;
    ev->payload.len = protobuf_c_message_get_packed_size (msg);
    ev->payload.data = malloc (ev->payload.len ? ev->payload.len : 1);
    protobuf_c_message_pack (msg, ev->payload.data);
    ev->schema = (char *) msg->descriptor->name;
}

static void
test_event_json_carries_the_payload_by_schema (void **state)
{
    (void) state;
    Cabinet__V1__MeetingEvent payload = CABINET__V1__MEETING_EVENT__INIT;
    Cabinet__V1__MeetingSummary meeting = CABINET__V1__MEETING_SUMMARY__INIT;
    meeting.id = "m-1";
    meeting.title = "Họp giao ban \"tuần\"\nthứ hai";
    payload.meeting = &meeting;
    payload.to_status = "in_progress";
    Cabinet__V1__Event ev = CABINET__V1__EVENT__INIT;
    ev.id = "0190c0de-0000-7000-8000-000000000001";
    ev.type = "meeting.started";
    ev.time = "2026-12-01T08:00:00+07:00";
    ev.meeting_id = "m-1";
    ev.subject = "m-1";
    ev.actor_id = "";  //  the system: null
    s_set_payload (&ev, &payload.base);

    char *text = gw_sse_event_json (&ev);
    assert_non_null (text);
    assert_null (strchr (text, '\n'));  //  one line, whatever the payload holds
    json_error_t error;
    json_t *json = json_loads (text, 0, &error);
    assert_non_null (json);
    assert_string_equal (json_string_value (json_object_get (json, "id")), ev.id);
    assert_string_equal (json_string_value (json_object_get (json, "type")), "meeting.started");
    assert_string_equal (json_string_value (json_object_get (json, "time")), ev.time);
    assert_string_equal (json_string_value (json_object_get (json, "meeting_id")), "m-1");
    assert_string_equal (json_string_value (json_object_get (json, "subject")), "m-1");
    assert_true (json_is_null (json_object_get (json, "actor_id")));
    json_t *p = json_object_get (json, "payload");
    assert_string_equal (json_string_value (json_object_get (p, "to_status")), "in_progress");
    assert_string_equal (
        json_string_value (json_object_get (json_object_get (p, "meeting"), "title")),
        meeting.title);
    assert_int_equal (json_object_size (json), 7);
    json_decref (json);
    free (text);
    free (ev.payload.data);
}

static void
test_event_json_unknown_schema_is_null_payload (void **state)
{
    (void) state;
    Cabinet__V1__Event ev = CABINET__V1__EVENT__INIT;
    ev.id = "e1";
    ev.type = "vote.opened";
    ev.schema = "cabinet.v1.NotYetKnown";
    ev.has_payload = true;
    ev.payload.data = (uint8_t *) "\x0a\x01x";
    ev.payload.len = 3;
    char *text = gw_sse_event_json (&ev);
    assert_string_equal (text, "{\"id\":\"e1\",\"type\":\"vote.opened\",\"time\":null,"
                               "\"meeting_id\":null,\"actor_id\":null,\"subject\":null,"
                               "\"payload\":null}");
    free (text);
    //  A known schema whose bytes do not unpack: null too.
    ev.schema = "cabinet.v1.SessionRevoked";
    ev.payload.data = (uint8_t *) "\xff\xff\xff";
    text = gw_sse_event_json (&ev);
    assert_non_null (strstr (text, "\"payload\":null"));
    free (text);
}

static void
test_registry_knows_every_linked_message (void **state)
{
    (void) state;
    assert_ptr_equal (gw_schema_find ("cabinet.v1.MeetingEvent"),
                      &cabinet__v1__meeting_event__descriptor);
    assert_ptr_equal (gw_schema_find ("cabinet.v1.SessionRevoked"),
                      &cabinet__v1__session_revoked__descriptor);
    assert_non_null (gw_schema_find ("cabinet.v1.DocumentEvent"));
    assert_non_null (gw_schema_find ("cabinet.v1.Event"));
    assert_null (gw_schema_find ("cabinet.v1.Nothing"));
    assert_null (gw_schema_find (NULL));
    assert_true (gw_schema_count () > 50);
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_frame_has_id_type_and_data),
        cmocka_unit_test (test_frame_splits_multiline_data),
        cmocka_unit_test (test_frame_strips_line_breaks_from_id_and_type),
        cmocka_unit_test (test_frame_without_data_still_dispatches),
        cmocka_unit_test (test_event_json_carries_the_payload_by_schema),
        cmocka_unit_test (test_event_json_unknown_schema_is_null_payload),
        cmocka_unit_test (test_registry_knows_every_linked_message),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
