/*  h_projection - the voting service's view of this node's meetings, built
    from scheduling's events on the node's topic (it never reads another
    service's tables): meeting.* (each carries the meeting and every
    invitee: the person invitees are replaced), invitation.created (new
    invitees), rsvp.submitted (the reply, and a delegate as a new invitee)
    and attendance.recorded (one participant's new attendance, with a
    substitute). Kept: each meeting's status, chair and secretary, and per
    person invitee the reply, the attendance and the substitute. And, for
    the polls, this node's agencies and people from identity's unit.* and
    user.* events (the shared cab_people).

    The consumer deduplicates by event id through the inbox table. Every
    row remembers the sequence of the event that wrote it, and an older
    event never overwrites a newer one. Eventually consistent: a roll call
    made a moment ago counts for a vote opened once its event has arrived.  */
#include "cab_consumer.h"
#include "cab_log.h"
#include "cab_people.h"
#include "cab_service.h"
#include "cab_uuid.h"
#include "cabinet/v1/scheduling.pb-c.h"
#include "handlers.h"
#include <string.h>

static bool
s_is (const char *s, const char *value)
{
    return s && strcmp (s, value) == 0;
}

//  The meeting of an event, when it names one properly.
static bool
s_meeting_ok (const Cabinet__V1__MeetingSummary *m)
{
    return m && m->id && cab_uuid_valid (m->id) && m->status;
}

static cab_status_t
s_apply_meeting (PGconn *db, const Cabinet__V1__Event *ev)
{
    Cabinet__V1__MeetingEvent *e =
        cabinet__v1__meeting_event__unpack (NULL, ev->payload.len, ev->payload.data);
    cab_status_t status = CAB_OK;
    if (!e || !s_meeting_ok (e->meeting))
        cab_warn ("projection: unreadable meeting in event %s: skipped", ev->id);
    else {
        bool applied = false;
        status = vote_store_put_meeting (db, e->meeting, cab_event_sequence (ev), &applied);
        //  Every meeting.* event lists every invitee: the list is replaced.
        if (status == CAB_OK && applied)
            status = vote_store_put_invitees (db, e->meeting->id, e->invitees, e->n_invitees, true,
                                              cab_event_sequence (ev));
    }
    if (e)
        cabinet__v1__meeting_event__free_unpacked (e, NULL);
    return status;
}

static cab_status_t
s_apply_invitation (PGconn *db, const Cabinet__V1__Event *ev)
{
    Cabinet__V1__InvitationEvent *e =
        cabinet__v1__invitation_event__unpack (NULL, ev->payload.len, ev->payload.data);
    cab_status_t status = CAB_OK;
    if (!e || !s_meeting_ok (e->meeting))
        cab_warn ("projection: unreadable invitation in event %s: skipped", ev->id);
    else {
        bool applied = false;
        status = vote_store_put_meeting (db, e->meeting, cab_event_sequence (ev), &applied);
        if (status == CAB_OK)
            status = vote_store_put_invitees (db, e->meeting->id, e->invitees, e->n_invitees, false,
                                              cab_event_sequence (ev));
    }
    if (e)
        cabinet__v1__invitation_event__free_unpacked (e, NULL);
    return status;
}

static cab_status_t
s_apply_rsvp (PGconn *db, const Cabinet__V1__Event *ev)
{
    Cabinet__V1__RsvpEvent *e =
        cabinet__v1__rsvp_event__unpack (NULL, ev->payload.len, ev->payload.data);
    cab_status_t status = CAB_OK;
    if (!e || !s_meeting_ok (e->meeting))
        cab_warn ("projection: unreadable reply in event %s: skipped", ev->id);
    else {
        bool applied = false;
        status = vote_store_put_meeting (db, e->meeting, cab_event_sequence (ev), &applied);
        Cabinet__V1__Participant *people[2];
        size_t n = 0;
        if (e->participant)
            people[n++] = e->participant;
        if (e->delegate)
            people[n++] = e->delegate;
        if (status == CAB_OK)
            status = vote_store_put_invitees (db, e->meeting->id, people, n, false,
                                              cab_event_sequence (ev));
    }
    if (e)
        cabinet__v1__rsvp_event__free_unpacked (e, NULL);
    return status;
}

static cab_status_t
s_apply_attendance (PGconn *db, const Cabinet__V1__Event *ev)
{
    Cabinet__V1__AttendanceEvent *e =
        cabinet__v1__attendance_event__unpack (NULL, ev->payload.len, ev->payload.data);
    cab_status_t status = CAB_OK;
    if (!e || !s_meeting_ok (e->meeting))
        cab_warn ("projection: unreadable attendance in event %s: skipped", ev->id);
    else {
        bool applied = false;
        status = vote_store_put_meeting (db, e->meeting, cab_event_sequence (ev), &applied);
        if (status == CAB_OK && e->participant)
            status = vote_store_put_invitees (db, e->meeting->id, &e->participant, 1, false,
                                              cab_event_sequence (ev));
    }
    if (e)
        cabinet__v1__attendance_event__free_unpacked (e, NULL);
    return status;
}

cab_status_t
vote_projection_consume (PGconn *db, const char *topic, const char *key,
                         const Cabinet__V1__Event *ev, void *arg)
{
    (void) topic;
    (void) key;
    const cab_service_env_t *env = arg;
    if (!ev || !ev->has_payload || ev->payload.len == 0)
        return CAB_OK;
    //  The agencies and people (whose are an agency's people, who holds an
    //  office role), as every service that needs them keeps them.
    cab_status_t people = CAB_OK;
    if (cab_people_apply (db, ev, env->node_id, &people))
        return people;
    //  Only this node's own meetings: votes are held where the meeting is.
    bool own = ev->source && env->node_id && strcmp (ev->source, env->node_id) == 0;
    if (!own || !s_is (ev->service, "scheduling") || !ev->type)
        return CAB_OK;
    cab_status_t status = CAB_OK;
    if (strncmp (ev->type, "meeting.", strlen ("meeting.")) == 0)
        status = s_apply_meeting (db, ev);
    else if (s_is (ev->type, "invitation.created"))
        status = s_apply_invitation (db, ev);
    else if (s_is (ev->type, "rsvp.submitted"))
        status = s_apply_rsvp (db, ev);
    else if (s_is (ev->type, "attendance.recorded"))
        status = s_apply_attendance (db, ev);
    //  Data the database refuses will not improve on retry.
    if (status == CAB_INVALID_ARGUMENT || status == CAB_FAILED_PRECONDITION) {
        cab_warn ("projection: event %s (%s) refused by the database: skipped", ev->id, ev->type);
        status = CAB_OK;
    }
    return status;
}
