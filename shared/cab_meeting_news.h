/*  cab_meeting_news - what one of scheduling's events says about a meeting
    and its people, read the same way by every service that keeps its own
    projection of the node's meetings (documents, voting, notifications).

    The events: meeting.* (MeetingEvent: the meeting and every one of its
    invitees), invitation.created (InvitationEvent: the meeting and the new
    invitees), rsvp.submitted (RsvpEvent: the reply, and the delegate of a
    delegation as a new invitee) and attendance.recorded (AttendanceEvent:
    one participant's new attendance). Each carries the meeting's summary;
    a news is read only when that summary names the meeting properly (a
    UUID id and a status). What the service keeps of it is its own.  */
#ifndef CAB_MEETING_NEWS_H
#define CAB_MEETING_NEWS_H
#include "cabinet/v1/event.pb-c.h"
#include "cabinet/v1/scheduling.pb-c.h"
#include <stdbool.h>
#include <stddef.h>

typedef struct {
    const char *type;                                //  the event's type
    const Cabinet__V1__MeetingSummary *meeting;      //  never NULL once read
    Cabinet__V1__Participant *const *people;         //  who the event names
    size_t n_people;                                 //  none of them NULL
    bool all_people;                                 //  meeting.*: people is every invitee
    const Cabinet__V1__MeetingEvent *meeting_event;  //  meeting.* only, else NULL
    //  Owned: the unpacked payload, and the list of an rsvp's two people.
    ProtobufCMessage *payload;
    Cabinet__V1__Participant *pair[2];
} cab_meeting_news_t;

//  The types cab_meeting_news_read reads, for a consumer's list of the
//  types its handler applies (cab_service_consumer_t.types).
#define CAB_MEETING_NEWS_TYPES                                                                     \
    "meeting.", "invitation.created", "rsvp.submitted", "attendance.recorded"

//  Read ev into news when it is one of scheduling's events above: returns 1.
//  0 when it is not (another service's, another type, no payload); -1 when
//  it is one but its payload or its meeting cannot be read (logged with the
//  event's id: the caller skips it). After any return, news may be handed
//  to cab_meeting_news_free.
int cab_meeting_news_read (const Cabinet__V1__Event *ev, cab_meeting_news_t *news);

void cab_meeting_news_free (cab_meeting_news_t *news);

#endif
