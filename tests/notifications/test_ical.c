/*  Unit tests: the iCalendar objects of meetings - an invitation (REQUEST),
    a cancellation (CANCEL) and a feed (PUBLISH) written and read back with
    libical's parser: method, UID, SEQUENCE, the instants of DTSTART and
    DTEND in Asia/Ho_Chi_Minh, Vietnamese text intact, attendees and their
    PARTSTAT, STATUS; lines of at most 75 octets ending CRLF with no UTF-8
    character split by folding; invalid input refused.  */
#include "cab_utf8.h"
#include "ical.h"
#include <libical/ical.h>
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

#define UID "0190c0de-0000-7000-8000-000000000001@so-noi-vu.example.gov.vn"
#define UID2 "0190c0de-0000-7000-8000-000000000002@so-noi-vu.example.gov.vn"
#define UID3 "0190c0de-0000-7000-8000-000000000003@so-noi-vu.example.gov.vn"
#define USER3 "0190c0de-0000-7000-8000-00000000000c"
#define T_0800 1773277200   //  2026-03-12 08:00 +07:00
#define T_1130 1773289800   //  2026-03-12 11:30 +07:00
#define T_0600 1773356400   //  2026-03-13 06:00 +07:00, still 12 March in UTC
#define T_1400 1773385200   //  2026-03-13 14:00 +07:00
#define T_2330 1798734600   //  2026-12-31 23:30 +07:00
#define T_0100 1798740000   //  2027-01-01 01:00 +07:00
#define T_STAMP 1772330400  //  2026-03-01 09:00 +07:00 = 02:00Z
#define LINE_MAX_OCTETS 75

static const char s_summary[] =
    "Họp giao ban UBND tỉnh: đánh giá tình hình kinh tế – xã hội quý I; nhiệm vụ trọng tâm quý "
    "II, năm 2026";
static const char s_location[] = "Phòng họp số 1, tầng 3, trụ sở Ủy ban nhân dân tỉnh";
static const char s_description[] = "Thành phần: Chủ tịch, các Phó Chủ tịch UBND tỉnh;\n"
                                    "Giám đốc các sở, ban, ngành.\n"
                                    "Đề nghị các đồng chí nghiên cứu tài liệu trước cuộc họp.";

static const notify_ical_attendee_t s_attendees[] = {
    {"Nguyễn Văn Đức", "duc.nv@so-noi-vu.example.gov.vn", "u1", "ACCEPTED"},
    {"Trần Thị Hương", "huong.tt@so-tai-chinh.example.gov.vn", "u2", NULL},
    {"Lê Quốc Việt", NULL, USER3, "declined"},
};

static notify_ical_event_t
s_event (void)
{
    notify_ical_event_t ev = {
        .uid = UID,
        .sequence = 0,
        .start = T_0800,
        .end = T_1130,
        .stamp = T_STAMP,
        .summary = s_summary,
        .location = s_location,
        .description = s_description,
        .url = "https://hop.example.gov.vn/meetings/0190c0de-0000-7000-8000-000000000001",
        .organizer_name = "Văn phòng UBND tỉnh",
        .organizer_email = "vanphong@ubnd.example.gov.vn",
        .fallback_organizer = "no-reply@hop.example.gov.vn",
        .attendees = s_attendees,
        .n_attendees = 3,
    };
    return ev;
}

//  Every physical line: at most 75 octets, ended by CRLF, valid UTF-8 on
//  its own (so folding split no character), no bare CR or LF.
static void
s_assert_lines (const char *text)
{
    assert_non_null (text);
    size_t len = strlen (text);
    assert_true (len >= 2);
    assert_memory_equal (text + len - 2, "\r\n", 2);
    const char *line = text;
    size_t lines = 0;
    while (*line) {
        const char *crlf = strstr (line, "\r\n");
        assert_non_null (crlf);
        size_t n = (size_t) (crlf - line);
        assert_true (n <= LINE_MAX_OCTETS);
        assert_null (memchr (line, '\n', n));
        assert_null (memchr (line, '\r', n));
        assert_true (cab_utf8_valid (line, n));
        if (lines > 0 && line[0] == ' ')
            assert_true (((unsigned char) line[1] & 0xC0) != 0x80);
        line = crlf + 2;
        lines++;
    }
    assert_true (lines > 10);
}

//  The calendar text parsed back; asserts libical saw no error in it and
//  the object meets iTIP's restrictions for its method.
static icalcomponent *
s_parse (const char *text)
{
    icalcomponent *calendar = icalparser_parse_string (text);
    assert_non_null (calendar);
    assert_int_equal (icalcomponent_isa (calendar), ICAL_VCALENDAR_COMPONENT);
    assert_int_equal (icalcomponent_count_errors (calendar), 0);
    //  libical's own table of what each iTIP method requires and forbids.
    assert_true (icalrestriction_check (calendar));
    assert_string_equal (
        icalproperty_get_prodid (icalcomponent_get_first_property (calendar, ICAL_PRODID_PROPERTY)),
        NOTIFY_ICAL_PRODID);
    assert_string_equal (icalproperty_get_version (
                             icalcomponent_get_first_property (calendar, ICAL_VERSION_PROPERTY)),
                         "2.0");
    return calendar;
}

//  The VTIMEZONE: TZID Asia/Ho_Chi_Minh, +07:00, no daylight saving.
static void
s_assert_zone (icalcomponent *calendar)
{
    icalcomponent *vtimezone =
        icalcomponent_get_first_component (calendar, ICAL_VTIMEZONE_COMPONENT);
    assert_non_null (vtimezone);
    assert_null (icalcomponent_get_next_component (calendar, ICAL_VTIMEZONE_COMPONENT));
    assert_string_equal (
        icalproperty_get_tzid (icalcomponent_get_first_property (vtimezone, ICAL_TZID_PROPERTY)),
        "Asia/Ho_Chi_Minh");
    assert_null (icalcomponent_get_first_component (vtimezone, ICAL_XDAYLIGHT_COMPONENT));
    int observances = 0;
    for (icalcomponent *std =
             icalcomponent_get_first_component (vtimezone, ICAL_XSTANDARD_COMPONENT);
         std; std = icalcomponent_get_next_component (vtimezone, ICAL_XSTANDARD_COMPONENT)) {
        assert_int_equal (icalproperty_get_tzoffsetto (
                              icalcomponent_get_first_property (std, ICAL_TZOFFSETTO_PROPERTY)),
                          7 * 3600);
        observances++;
    }
    assert_int_equal (observances, 1);
}

//  A DTSTART or DTEND property: TZID Asia/Ho_Chi_Minh, the wall-clock
//  time at +07:00, and through the calendar's VTIMEZONE the instant.
static void
s_assert_time (icalcomponent *calendar, icalcomponent *vevent, icalproperty_kind kind,
               int64_t expected)
{
    icalproperty *prop = icalcomponent_get_first_property (vevent, kind);
    assert_non_null (prop);
    icalparameter *tzid = icalproperty_get_first_parameter (prop, ICAL_TZID_PARAMETER);
    assert_non_null (tzid);
    assert_string_equal (icalparameter_get_tzid (tzid), "Asia/Ho_Chi_Minh");
    struct icaltimetype local = kind == ICAL_DTSTART_PROPERTY ? icalproperty_get_dtstart (prop)
                                                              : icalproperty_get_dtend (prop);
    assert_false (icaltime_is_utc (local));
    time_t wall = (time_t) expected + 7 * 3600;
    struct tm tm;
    gmtime_r (&wall, &tm);
    assert_int_equal (local.year, tm.tm_year + 1900);
    assert_int_equal (local.month, tm.tm_mon + 1);
    assert_int_equal (local.day, tm.tm_mday);
    assert_int_equal (local.hour, tm.tm_hour);
    assert_int_equal (local.minute, tm.tm_min);
    icaltimezone *zone = icalcomponent_get_timezone (calendar, "Asia/Ho_Chi_Minh");
    assert_non_null (zone);
    assert_int_equal (icaltime_as_timet_with_zone (local, zone), expected);
}

static const char *
s_param (icalproperty *prop, icalparameter_kind kind)
{
    icalparameter *param = icalproperty_get_first_parameter (prop, kind);
    return param ? icalparameter_as_ical_string (param) : NULL;
}

static void
test_request_reads_back (void **state)
{
    (void) state;
    notify_ical_event_t ev = s_event ();
    char *text = notify_ical_build ("REQUEST", NULL, &ev, 1);
    s_assert_lines (text);
    icalcomponent *calendar = s_parse (text);
    assert_int_equal (icalcomponent_get_method (calendar), ICAL_METHOD_REQUEST);
    assert_null (icalcomponent_get_first_property (calendar, ICAL_X_PROPERTY));
    s_assert_zone (calendar);

    icalcomponent *vevent = icalcomponent_get_first_component (calendar, ICAL_VEVENT_COMPONENT);
    assert_non_null (vevent);
    assert_null (icalcomponent_get_next_component (calendar, ICAL_VEVENT_COMPONENT));
    assert_string_equal (icalcomponent_get_uid (vevent), UID);
    assert_int_equal (icalcomponent_get_sequence (vevent), 0);
    assert_int_equal (icalcomponent_get_status (vevent), ICAL_STATUS_CONFIRMED);
    s_assert_time (calendar, vevent, ICAL_DTSTART_PROPERTY, T_0800);
    s_assert_time (calendar, vevent, ICAL_DTEND_PROPERTY, T_1130);
    struct icaltimetype stamp = icalcomponent_get_dtstamp (vevent);
    assert_true (icaltime_is_utc (stamp));
    assert_int_equal (icaltime_as_timet (stamp), T_STAMP);
    assert_string_equal (icalcomponent_get_summary (vevent), s_summary);
    assert_string_equal (icalcomponent_get_location (vevent), s_location);
    assert_string_equal (icalcomponent_get_description (vevent), s_description);
    assert_string_equal (
        icalproperty_get_url (icalcomponent_get_first_property (vevent, ICAL_URL_PROPERTY)),
        ev.url);

    icalproperty *organizer = icalcomponent_get_first_property (vevent, ICAL_ORGANIZER_PROPERTY);
    assert_non_null (organizer);
    assert_string_equal (icalproperty_get_organizer (organizer),
                         "mailto:vanphong@ubnd.example.gov.vn");
    assert_string_equal (
        icalparameter_get_cn (icalproperty_get_first_parameter (organizer, ICAL_CN_PARAMETER)),
        "Văn phòng UBND tỉnh");

    assert_int_equal (icalcomponent_count_properties (vevent, ICAL_ATTENDEE_PROPERTY), 3);
    icalproperty *a = icalcomponent_get_first_property (vevent, ICAL_ATTENDEE_PROPERTY);
    assert_string_equal (icalproperty_get_attendee (a), "mailto:duc.nv@so-noi-vu.example.gov.vn");
    assert_string_equal (
        icalparameter_get_cn (icalproperty_get_first_parameter (a, ICAL_CN_PARAMETER)),
        "Nguyễn Văn Đức");
    assert_int_equal (
        icalparameter_get_partstat (icalproperty_get_first_parameter (a, ICAL_PARTSTAT_PARAMETER)),
        ICAL_PARTSTAT_ACCEPTED);
    assert_null (s_param (a, ICAL_RSVP_PARAMETER));

    a = icalcomponent_get_next_property (vevent, ICAL_ATTENDEE_PROPERTY);
    assert_int_equal (
        icalparameter_get_partstat (icalproperty_get_first_parameter (a, ICAL_PARTSTAT_PARAMETER)),
        ICAL_PARTSTAT_NEEDSACTION);
    assert_string_equal (s_param (a, ICAL_RSVP_PARAMETER), "RSVP=TRUE");

    a = icalcomponent_get_next_property (vevent, ICAL_ATTENDEE_PROPERTY);
    assert_string_equal (icalproperty_get_attendee (a), "urn:uuid:" USER3);
    assert_string_equal (
        icalparameter_get_cn (icalproperty_get_first_parameter (a, ICAL_CN_PARAMETER)),
        "Lê Quốc Việt");
    assert_int_equal (
        icalparameter_get_partstat (icalproperty_get_first_parameter (a, ICAL_PARTSTAT_PARAMETER)),
        ICAL_PARTSTAT_DECLINED);

    icalcomponent_free (calendar);
    free (text);
}

static void
test_cancel_keeps_uid_with_the_new_sequence (void **state)
{
    (void) state;
    notify_ical_event_t ev = s_event ();
    ev.sequence = 2;  //  invited, changed once, now cancelled
    ev.cancelled = false;
    char *text = notify_ical_build ("CANCEL", NULL, &ev, 1);
    s_assert_lines (text);
    icalcomponent *calendar = s_parse (text);
    assert_int_equal (icalcomponent_get_method (calendar), ICAL_METHOD_CANCEL);
    s_assert_zone (calendar);
    icalcomponent *vevent = icalcomponent_get_first_component (calendar, ICAL_VEVENT_COMPONENT);
    assert_non_null (vevent);
    assert_string_equal (icalcomponent_get_uid (vevent), UID);
    assert_int_equal (icalcomponent_get_sequence (vevent), 2);
    assert_int_equal (icalcomponent_get_status (vevent), ICAL_STATUS_CANCELLED);
    s_assert_time (calendar, vevent, ICAL_DTSTART_PROPERTY, T_0800);
    s_assert_time (calendar, vevent, ICAL_DTEND_PROPERTY, T_1130);
    assert_string_equal (icalcomponent_get_summary (vevent), s_summary);
    assert_non_null (icalcomponent_get_first_property (vevent, ICAL_ORGANIZER_PROPERTY));
    assert_int_equal (icalcomponent_count_properties (vevent, ICAL_ATTENDEE_PROPERTY), 3);
    icalcomponent_free (calendar);
    free (text);
}

static void
test_publish_feed_holds_every_event (void **state)
{
    (void) state;
    notify_ical_event_t events[3] = {s_event (), s_event (), s_event ()};
    events[1].uid = UID2;
    events[1].sequence = 3;
    events[1].start = T_0600;
    events[1].end = T_1400;
    events[1].summary = "Hội nghị trực tuyến tổng kết công tác cải cách hành chính";
    events[1].location = "Điểm cầu Ủy ban nhân dân huyện Đắk Glong";
    events[1].description = NULL;
    events[1].cancelled = true;
    events[2].uid = UID3;
    events[2].start = T_2330;
    events[2].end = T_0100;
    events[2].summary = "Trực Tết Nguyên đán";
    events[2].location = NULL;
    events[2].url = NULL;
    events[2].organizer_email = NULL;  //  the node's address stands in
    const char calname[] = "Lịch họp - Nguyễn Thị Ánh Tuyết";
    char *text = notify_ical_build ("PUBLISH", calname, events, 3);
    s_assert_lines (text);
    icalcomponent *calendar = s_parse (text);
    assert_int_equal (icalcomponent_get_method (calendar), ICAL_METHOD_PUBLISH);
    s_assert_zone (calendar);
    icalproperty *x = icalcomponent_get_first_property (calendar, ICAL_X_PROPERTY);
    assert_non_null (x);
    assert_string_equal (icalproperty_get_x_name (x), "X-WR-CALNAME");
    assert_string_equal (icalproperty_get_x (x), calname);
    assert_int_equal (icalcomponent_count_components (calendar, ICAL_VEVENT_COMPONENT), 3);

    icalcomponent *vevent = icalcomponent_get_first_component (calendar, ICAL_VEVENT_COMPONENT);
    for (int i = 0; i < 3; i++) {
        assert_non_null (vevent);
        assert_string_equal (icalcomponent_get_uid (vevent), events[i].uid);
        assert_int_equal (icalcomponent_get_sequence (vevent), events[i].sequence);
        assert_int_equal (icalcomponent_get_status (vevent),
                          events[i].cancelled ? ICAL_STATUS_CANCELLED : ICAL_STATUS_CONFIRMED);
        s_assert_time (calendar, vevent, ICAL_DTSTART_PROPERTY, events[i].start);
        s_assert_time (calendar, vevent, ICAL_DTEND_PROPERTY, events[i].end);
        assert_string_equal (icalcomponent_get_summary (vevent), events[i].summary);
        if (events[i].location)
            assert_string_equal (icalcomponent_get_location (vevent), events[i].location);
        else
            assert_null (icalcomponent_get_first_property (vevent, ICAL_LOCATION_PROPERTY));
        if (!events[i].description)
            assert_null (icalcomponent_get_first_property (vevent, ICAL_DESCRIPTION_PROPERTY));
        //  RFC 5546 3.2.1: no ATTENDEE in a PUBLISH.
        assert_int_equal (icalcomponent_count_properties (vevent, ICAL_ATTENDEE_PROPERTY), 0);
        assert_string_equal (icalproperty_get_organizer (icalcomponent_get_first_property (
                                 vevent, ICAL_ORGANIZER_PROPERTY)),
                             events[i].organizer_email ? "mailto:vanphong@ubnd.example.gov.vn"
                                                       : "mailto:no-reply@hop.example.gov.vn");
        vevent = icalcomponent_get_next_component (calendar, ICAL_VEVENT_COMPONENT);
    }
    icalcomponent_free (calendar);
    free (text);
}

static void
test_empty_feed_is_a_calendar (void **state)
{
    (void) state;
    char *text = notify_ical_build ("PUBLISH", "Lịch họp", NULL, 0);
    assert_non_null (text);
    icalcomponent *calendar = s_parse (text);
    s_assert_zone (calendar);
    assert_int_equal (icalcomponent_count_components (calendar, ICAL_VEVENT_COMPONENT), 0);
    icalcomponent_free (calendar);
    free (text);
}

static void
test_long_text_is_folded_on_character_boundaries (void **state)
{
    (void) state;
    //  Lines of two- to four-octet characters at every offset against the
    //  75-octet limit.
    char description[4096] = "";
    const char *pieces[] = {"ệ", "đ", "a", "–", "Ử", "𝔸", " "};
    for (size_t i = 0; i < 600; i++)
        strcat (description, pieces[(i * 7 + i / 5) % 7]);
    notify_ical_event_t ev = s_event ();
    ev.description = description;
    const notify_ical_attendee_t long_name = {
        "Nguyễn Hoàng Thị Phượng Uyên Trường Khánh Quỳnh Hương Ngọc Diễm Kiều Loan", "a@b.vn", "u9",
        NULL};
    ev.attendees = &long_name;
    ev.n_attendees = 1;
    for (int method = 0; method < 3; method++) {
        const char *names[] = {"REQUEST", "CANCEL", "PUBLISH"};
        char *text = notify_ical_build (names[method], "Lịch họp", &ev, 1);
        s_assert_lines (text);
        icalcomponent *calendar = s_parse (text);
        icalcomponent *vevent = icalcomponent_get_first_component (calendar, ICAL_VEVENT_COMPONENT);
        assert_string_equal (icalcomponent_get_description (vevent), description);
        if (method < 2)
            assert_string_equal (
                icalparameter_get_cn (icalproperty_get_first_parameter (
                    icalcomponent_get_first_property (vevent, ICAL_ATTENDEE_PROPERTY),
                    ICAL_CN_PARAMETER)),
                long_name.name);
        icalcomponent_free (calendar);
        free (text);
    }
}

static void
test_line_breaks_and_controls_are_cleaned (void **state)
{
    (void) state;
    notify_ical_event_t ev = s_event ();
    ev.description = "Dòng một\r\nDòng hai; phẩy, \"ngoặc\"\x01hết";
    const notify_ical_attendee_t odd = {"Phạm \"Văn\"\nMinh, P.GĐ", "m@b.vn", "u7", NULL};
    ev.attendees = &odd;
    ev.n_attendees = 1;
    char *text = notify_ical_build ("REQUEST", NULL, &ev, 1);
    s_assert_lines (text);
    icalcomponent *calendar = s_parse (text);
    icalcomponent *vevent = icalcomponent_get_first_component (calendar, ICAL_VEVENT_COMPONENT);
    assert_string_equal (icalcomponent_get_description (vevent),
                         "Dòng một\nDòng hai; phẩy, \"ngoặc\" hết");
    assert_string_equal (
        icalparameter_get_cn (icalproperty_get_first_parameter (
            icalcomponent_get_first_property (vevent, ICAL_ATTENDEE_PROPERTY), ICAL_CN_PARAMETER)),
        "Phạm \"Văn\" Minh, P.GĐ");
    icalcomponent_free (calendar);
    free (text);
}

static void
test_fallback_organizer_stands_in (void **state)
{
    (void) state;
    notify_ical_event_t ev = s_event ();
    ev.organizer_email = NULL;
    char *text = notify_ical_build ("REQUEST", NULL, &ev, 1);
    assert_non_null (text);
    icalcomponent *calendar = s_parse (text);
    icalcomponent *vevent = icalcomponent_get_first_component (calendar, ICAL_VEVENT_COMPONENT);
    icalproperty *organizer = icalcomponent_get_first_property (vevent, ICAL_ORGANIZER_PROPERTY);
    assert_string_equal (icalproperty_get_organizer (organizer),
                         "mailto:no-reply@hop.example.gov.vn");
    icalcomponent_free (calendar);
    free (text);
}

static void
test_invalid_input_gives_null (void **state)
{
    (void) state;
    notify_ical_event_t ev = s_event ();
    assert_null (notify_ical_build ("REFRESH", NULL, &ev, 1));
    assert_null (notify_ical_build (NULL, NULL, &ev, 1));
    assert_null (notify_ical_build ("REQUEST", NULL, NULL, 0));
    assert_null (notify_ical_build ("CANCEL", NULL, NULL, 0));
    assert_null (notify_ical_build ("PUBLISH", NULL, NULL, 1));

    ev.end = ev.start - 1;
    assert_null (notify_ical_build ("REQUEST", NULL, &ev, 1));
    ev = s_event ();
    ev.uid = NULL;
    assert_null (notify_ical_build ("REQUEST", NULL, &ev, 1));
    ev.uid = "";
    assert_null (notify_ical_build ("PUBLISH", NULL, &ev, 1));
    ev.uid = "a\r\nb@c";
    assert_null (notify_ical_build ("PUBLISH", NULL, &ev, 1));
    ev = s_event ();
    ev.sequence = -1;
    assert_null (notify_ical_build ("REQUEST", NULL, &ev, 1));
    ev = s_event ();
    ev.start = -10;
    assert_null (notify_ical_build ("REQUEST", NULL, &ev, 1));
    ev = s_event ();
    ev.summary = "H\xe1\xbb";  //  a truncated character
    assert_null (notify_ical_build ("REQUEST", NULL, &ev, 1));
    ev = s_event ();
    ev.organizer_email = NULL;
    ev.fallback_organizer = NULL;
    assert_null (notify_ical_build ("REQUEST", NULL, &ev, 1));
    assert_null (notify_ical_build ("CANCEL", NULL, &ev, 1));
    char *feed = notify_ical_build ("PUBLISH", NULL, &ev, 1);
    assert_non_null (feed);  //  a feed goes out without one rather than not at all
    free (feed);

    notify_ical_attendee_t bad = {"X", NULL, NULL, NULL};
    ev = s_event ();
    ev.attendees = &bad;
    ev.n_attendees = 1;
    assert_null (notify_ical_build ("REQUEST", NULL, &ev, 1));
    bad.email = "x@b.vn";
    bad.partstat = "MAYBE";
    assert_null (notify_ical_build ("REQUEST", NULL, &ev, 1));

    //  One bad event spoils the feed.
    notify_ical_event_t events[2] = {s_event (), s_event ()};
    events[1].uid = NULL;
    assert_null (notify_ical_build ("PUBLISH", NULL, events, 2));
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_request_reads_back),
        cmocka_unit_test (test_cancel_keeps_uid_with_the_new_sequence),
        cmocka_unit_test (test_publish_feed_holds_every_event),
        cmocka_unit_test (test_empty_feed_is_a_calendar),
        cmocka_unit_test (test_long_text_is_folded_on_character_boundaries),
        cmocka_unit_test (test_line_breaks_and_controls_are_cleaned),
        cmocka_unit_test (test_fallback_organizer_stands_in),
        cmocka_unit_test (test_invalid_input_gives_null),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
