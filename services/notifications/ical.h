/*  notify_ical - iCalendar objects (RFC 5545) for meetings: the invitation
    and cancellation attached to e-mail (iTIP, RFC 5546) and the personal
    calendar feed. Written through libical, which escapes text and folds
    lines; times are local to Asia/Ho_Chi_Minh (+07:00, no daylight saving)
    with the VTIMEZONE in the object, so calendars show them as the agency
    does whatever their own zone.  */
#ifndef NOTIFY_ICAL_H
#define NOTIFY_ICAL_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define NOTIFY_ICAL_PRODID "-//cabinet//Phong hop khong giay//VI"
#define NOTIFY_ICAL_TZID "Asia/Ho_Chi_Minh"

//  One person on the meeting. Strings are borrowed for the call.
typedef struct {
    const char *name;      //  UTF-8, may be NULL
    const char *email;     //  may be NULL: then written as urn:uuid:<user_id>
    const char *user_id;   //  required when email is NULL
    const char *partstat;  //  NEEDS-ACTION, ACCEPTED, DECLINED, TENTATIVE, DELEGATED (NULL:
                           //  NEEDS-ACTION), any case
} notify_ical_attendee_t;

//  One meeting. Strings are borrowed for the call.
typedef struct {
    const char *uid;     //  stable per meeting: "<meeting-id>@<node-id>"; required
    int sequence;        //  iTIP SEQUENCE: 0 at invitation, one more per change (>= 0)
    bool cancelled;      //  STATUS:CANCELLED (else CONFIRMED); METHOD:CANCEL implies it
    int64_t start, end;  //  Unix seconds, end >= start
    int64_t stamp;       //  DTSTAMP, Unix seconds
    const char *summary, *location, *description, *url;  //  UTF-8, any may be NULL
    const char *organizer_name, *organizer_email;        //  may be NULL
    //  E-mail address written as ORGANIZER when organizer_email is NULL
    //  (e.g. the node's no-reply address): iTIP requires an ORGANIZER in
    //  every method. May be NULL (see notify_ical_build).
    const char *fallback_organizer;
    const notify_ical_attendee_t *attendees;
    size_t n_attendees;
} notify_ical_event_t;

//  A VCALENDAR (PRODID NOTIFY_ICAL_PRODID, VERSION 2.0, CALSCALE GREGORIAN,
//  METHOD method: "REQUEST", "CANCEL" or "PUBLISH") holding events[0..n),
//  times written with TZID=Asia/Ho_Chi_Minh and a VTIMEZONE for it; DTSTAMP
//  in UTC. calname, when not NULL, is written as X-WR-CALNAME with
//  X-WR-TIMEZONE (feeds). Lines folded at 75 octets on UTF-8 boundaries,
//  ending CRLF.
//  REQUEST and CANCEL need at least one event, each with an organizer
//  (organizer_email or fallback_organizer); an event of a CANCEL is
//  STATUS:CANCELLED whatever its cancelled flag (the caller passes the
//  increased SEQUENCE). PUBLISH writes no ATTENDEE (RFC 5546 3.2.1) and
//  may hold no event (an empty feed); RFC 5546 wants an ORGANIZER there
//  too, so callers pass fallback_organizer, but an event without any is
//  written without one rather than refused (a feed must not fail).
//  Returns malloc'd text (the caller frees it), or NULL on invalid input
//  (unknown method, missing uid, end before start, negative sequence, a
//  time outside years 1970..9999, text that is not UTF-8, a control
//  character in uid, url or an address, an unknown partstat, an attendee
//  with neither email nor user_id, a missing organizer where required;
//  logged) or when out of memory.
char *notify_ical_build (const char *method, const char *calname, const notify_ical_event_t *events,
                         size_t n);

#endif
