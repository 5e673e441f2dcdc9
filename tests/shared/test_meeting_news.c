/*  test_meeting_news - scheduling's meeting events as every service's
    projection reads them (cab_meeting_news).  */
#include "cab_meeting_news.h"
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
// clang-format off
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
// clang-format on
#include <cmocka.h>

#define MEETING_ID "0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b"

typedef struct {
    Cabinet__V1__Event ev;
    uint8_t *packed;
} s_event_t;

//  An event of service and type whose payload is message packed.
static void
s_event (s_event_t *e, const char *service, const char *type, const ProtobufCMessage *message)
{
    Cabinet__V1__Event init = CABINET__V1__EVENT__INIT;
    e->ev = init;
    e->ev.id = "event-1";
    e->ev.service = (char *) service;
    e->ev.type = (char *) type;
    e->packed = NULL;
    if (message) {
        size_t size = protobuf_c_message_get_packed_size (message);
        e->packed = malloc (size ? size : 1);
        assert_non_null (e->packed);
        protobuf_c_message_pack (message, e->packed);
        e->ev.has_payload = true;
        e->ev.payload.data = e->packed;
        e->ev.payload.len = size;
    }
}

static Cabinet__V1__MeetingSummary
s_meeting (const char *id, const char *status)
{
    Cabinet__V1__MeetingSummary m = CABINET__V1__MEETING_SUMMARY__INIT;
    m.id = (char *) id;
    m.status = (char *) status;
    return m;
}

static Cabinet__V1__Participant
s_person (const char *user_id)
{
    Cabinet__V1__Participant p = CABINET__V1__PARTICIPANT__INIT;
    p.kind = "user";
    p.user_id = (char *) user_id;
    return p;
}

static void
test_meeting_event_names_every_invitee (void **state)
{
    (void) state;
    Cabinet__V1__MeetingSummary m = s_meeting (MEETING_ID, "approved");
    Cabinet__V1__Participant a = s_person ("a"), b = s_person ("b");
    Cabinet__V1__Participant *list[] = {&a, &b};
    char *changed[] = {"title"};
    Cabinet__V1__MeetingEvent me = CABINET__V1__MEETING_EVENT__INIT;
    me.meeting = &m;
    me.invitees = list;
    me.n_invitees = 2;
    me.changed_fields = changed;
    me.n_changed_fields = 1;
    s_event_t e;
    s_event (&e, "scheduling", "meeting.updated", &me.base);
    cab_meeting_news_t news;
    assert_int_equal (cab_meeting_news_read (&e.ev, &news), 1);
    assert_string_equal (news.type, "meeting.updated");
    assert_string_equal (news.meeting->id, MEETING_ID);
    assert_true (news.all_people);
    assert_int_equal (news.n_people, 2);
    assert_string_equal (news.people[0]->user_id, "a");
    assert_string_equal (news.people[1]->user_id, "b");
    assert_non_null (news.meeting_event);
    assert_int_equal (news.meeting_event->n_changed_fields, 1);
    cab_meeting_news_free (&news);
    assert_null (news.payload);
    free (e.packed);
}

static void
test_invitation_names_the_new_invitees_only (void **state)
{
    (void) state;
    Cabinet__V1__MeetingSummary m = s_meeting (MEETING_ID, "published");
    Cabinet__V1__Participant a = s_person ("a");
    Cabinet__V1__Participant *list[] = {&a};
    Cabinet__V1__InvitationEvent ie = CABINET__V1__INVITATION_EVENT__INIT;
    ie.meeting = &m;
    ie.invitees = list;
    ie.n_invitees = 1;
    s_event_t e;
    s_event (&e, "scheduling", "invitation.created", &ie.base);
    cab_meeting_news_t news;
    assert_int_equal (cab_meeting_news_read (&e.ev, &news), 1);
    assert_false (news.all_people);
    assert_null (news.meeting_event);
    assert_int_equal (news.n_people, 1);
    assert_string_equal (news.people[0]->user_id, "a");
    cab_meeting_news_free (&news);
    free (e.packed);
}

static void
test_reply_names_the_person_and_a_delegate (void **state)
{
    (void) state;
    Cabinet__V1__MeetingSummary m = s_meeting (MEETING_ID, "published");
    Cabinet__V1__Participant a = s_person ("a"), d = s_person ("d");
    Cabinet__V1__RsvpEvent re = CABINET__V1__RSVP_EVENT__INIT;
    re.meeting = &m;
    re.participant = &a;
    re.delegate = &d;
    s_event_t e;
    s_event (&e, "scheduling", "rsvp.submitted", &re.base);
    cab_meeting_news_t news;
    assert_int_equal (cab_meeting_news_read (&e.ev, &news), 1);
    assert_int_equal (news.n_people, 2);
    assert_string_equal (news.people[0]->user_id, "a");
    assert_string_equal (news.people[1]->user_id, "d");
    cab_meeting_news_free (&news);
    free (e.packed);

    //  No reply, only a delegate: the list has no gap.
    re.participant = NULL;
    s_event (&e, "scheduling", "rsvp.submitted", &re.base);
    assert_int_equal (cab_meeting_news_read (&e.ev, &news), 1);
    assert_int_equal (news.n_people, 1);
    assert_string_equal (news.people[0]->user_id, "d");
    cab_meeting_news_free (&news);
    free (e.packed);
}

static void
test_attendance_names_one_participant (void **state)
{
    (void) state;
    Cabinet__V1__MeetingSummary m = s_meeting (MEETING_ID, "in_progress");
    Cabinet__V1__Participant a = s_person ("a");
    Cabinet__V1__AttendanceEvent ae = CABINET__V1__ATTENDANCE_EVENT__INIT;
    ae.meeting = &m;
    ae.participant = &a;
    s_event_t e;
    s_event (&e, "scheduling", "attendance.recorded", &ae.base);
    cab_meeting_news_t news;
    assert_int_equal (cab_meeting_news_read (&e.ev, &news), 1);
    assert_int_equal (news.n_people, 1);
    assert_string_equal (news.people[0]->user_id, "a");
    assert_string_equal (news.meeting->status, "in_progress");
    cab_meeting_news_free (&news);
    free (e.packed);
}

static void
test_other_events_are_not_news (void **state)
{
    (void) state;
    Cabinet__V1__MeetingSummary m = s_meeting (MEETING_ID, "approved");
    Cabinet__V1__MeetingEvent me = CABINET__V1__MEETING_EVENT__INIT;
    me.meeting = &m;
    const char *const cases[][2] = {{"voting", "meeting.updated"},
                                    {"scheduling", "invitation.opened"},
                                    {"scheduling", "speaker.requested"},
                                    {NULL, "meeting.updated"}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        s_event_t e;
        s_event (&e, cases[i][0], cases[i][1], &me.base);
        cab_meeting_news_t news;
        assert_int_equal (cab_meeting_news_read (&e.ev, &news), 0);
        assert_null (news.meeting);
        cab_meeting_news_free (&news);
        free (e.packed);
    }
    s_event_t empty;
    s_event (&empty, "scheduling", "meeting.updated", NULL);
    cab_meeting_news_t news;
    assert_int_equal (cab_meeting_news_read (&empty.ev, &news), 0);
    cab_meeting_news_free (&news);
}

static void
test_unreadable_meeting_is_refused (void **state)
{
    (void) state;
    const char *const meetings[][2] = {{"not-a-uuid", "approved"}, {MEETING_ID, NULL}};
    for (size_t i = 0; i < sizeof meetings / sizeof meetings[0]; i++) {
        Cabinet__V1__MeetingSummary m = s_meeting (meetings[i][0], meetings[i][1]);
        Cabinet__V1__RsvpEvent re = CABINET__V1__RSVP_EVENT__INIT;
        re.meeting = &m;
        s_event_t e;
        s_event (&e, "scheduling", "rsvp.submitted", &re.base);
        cab_meeting_news_t news;
        assert_int_equal (cab_meeting_news_read (&e.ev, &news), -1);
        assert_null (news.payload);  //  freed already
        cab_meeting_news_free (&news);
        free (e.packed);
    }
    //  No meeting at all, and a payload that is not a message.
    Cabinet__V1__AttendanceEvent ae = CABINET__V1__ATTENDANCE_EVENT__INIT;
    ae.method = "roll_call";
    s_event_t e;
    s_event (&e, "scheduling", "attendance.recorded", &ae.base);
    cab_meeting_news_t news;
    assert_int_equal (cab_meeting_news_read (&e.ev, &news), -1);
    cab_meeting_news_free (&news);
    free (e.packed);
    uint8_t garbage[] = {0xff, 0xff, 0xff};
    e.ev.payload.data = garbage;
    e.ev.payload.len = sizeof garbage;
    assert_int_equal (cab_meeting_news_read (&e.ev, &news), -1);
    cab_meeting_news_free (&news);
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_meeting_event_names_every_invitee),
        cmocka_unit_test (test_invitation_names_the_new_invitees_only),
        cmocka_unit_test (test_reply_names_the_person_and_a_delegate),
        cmocka_unit_test (test_attendance_names_one_participant),
        cmocka_unit_test (test_other_events_are_not_news),
        cmocka_unit_test (test_unreadable_meeting_is_refused),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
