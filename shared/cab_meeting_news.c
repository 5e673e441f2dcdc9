/*  cab_meeting_news - scheduling's meeting events, read once for every
    service's projection (see cab_meeting_news.h).  */
#include "cab_meeting_news.h"
#include "cab_log.h"
#include "cab_uuid.h"
#include <string.h>

typedef enum { NEWS_NONE, NEWS_MEETING, NEWS_INVITATION, NEWS_RSVP, NEWS_ATTENDANCE } s_kind_t;

static s_kind_t
s_kind (const Cabinet__V1__Event *ev)
{
    if (!ev->service || strcmp (ev->service, "scheduling") != 0 || !ev->type)
        return NEWS_NONE;
    if (strncmp (ev->type, "meeting.", strlen ("meeting.")) == 0)
        return NEWS_MEETING;
    if (strcmp (ev->type, "invitation.created") == 0)
        return NEWS_INVITATION;
    if (strcmp (ev->type, "rsvp.submitted") == 0)
        return NEWS_RSVP;
    if (strcmp (ev->type, "attendance.recorded") == 0)
        return NEWS_ATTENDANCE;
    return NEWS_NONE;
}

//  The pair's people that are there, first ones first.
static void
s_pair (cab_meeting_news_t *news, Cabinet__V1__Participant *a, Cabinet__V1__Participant *b)
{
    news->n_people = 0;
    if (a)
        news->pair[news->n_people++] = a;
    if (b)
        news->pair[news->n_people++] = b;
    news->people = news->pair;
}

int
cab_meeting_news_read (const Cabinet__V1__Event *ev, cab_meeting_news_t *news)
{
    memset (news, 0, sizeof *news);
    s_kind_t kind = ev ? s_kind (ev) : NEWS_NONE;
    if (kind == NEWS_NONE || !ev->has_payload || ev->payload.len == 0)
        return 0;
    news->type = ev->type;
    size_t len = ev->payload.len;
    const uint8_t *data = ev->payload.data;
    switch (kind) {
    case NEWS_MEETING: {
        Cabinet__V1__MeetingEvent *e = cabinet__v1__meeting_event__unpack (NULL, len, data);
        news->payload = (ProtobufCMessage *) e;
        if (e) {
            news->meeting = e->meeting;
            news->people = e->invitees;
            news->n_people = e->n_invitees;
            news->all_people = true;
            news->meeting_event = e;
        }
        break;
    }
    case NEWS_INVITATION: {
        Cabinet__V1__InvitationEvent *e = cabinet__v1__invitation_event__unpack (NULL, len, data);
        news->payload = (ProtobufCMessage *) e;
        if (e) {
            news->meeting = e->meeting;
            news->people = e->invitees;
            news->n_people = e->n_invitees;
        }
        break;
    }
    case NEWS_RSVP: {
        Cabinet__V1__RsvpEvent *e = cabinet__v1__rsvp_event__unpack (NULL, len, data);
        news->payload = (ProtobufCMessage *) e;
        if (e) {
            news->meeting = e->meeting;
            s_pair (news, e->participant, e->delegate);
        }
        break;
    }
    case NEWS_ATTENDANCE: {
        Cabinet__V1__AttendanceEvent *e = cabinet__v1__attendance_event__unpack (NULL, len, data);
        news->payload = (ProtobufCMessage *) e;
        if (e) {
            news->meeting = e->meeting;
            s_pair (news, e->participant, NULL);
        }
        break;
    }
    case NEWS_NONE:
        break;
    }
    const Cabinet__V1__MeetingSummary *m = news->meeting;
    if (!m || !m->id || !cab_uuid_valid (m->id) || !m->status) {
        cab_warn ("projection: unreadable %s in event %s: skipped", ev->type,
                  ev->id ? ev->id : "?");
        cab_meeting_news_free (news);
        return -1;
    }
    return 1;
}

void
cab_meeting_news_free (cab_meeting_news_t *news)
{
    if (news && news->payload)
        protobuf_c_message_free_unpacked (news->payload, NULL);
    if (news)
        memset (news, 0, sizeof *news);
}
