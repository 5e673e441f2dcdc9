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
#include "cab_meeting_news.h"
#include "cab_people.h"
#include "cab_service.h"
#include "handlers.h"
#include <string.h>

//  One of scheduling's meeting events: the meeting, and the invitees it
//  names (meeting.* names them all: the list is replaced, unless the
//  event is older than what the row holds).
static cab_status_t
s_apply_news (PGconn *db, const Cabinet__V1__Event *ev, const cab_meeting_news_t *news)
{
    bool applied = false;
    uint64_t sequence = cab_event_sequence (ev);
    cab_status_t status = vote_store_put_meeting (db, news->meeting, sequence, &applied);
    if (status == CAB_OK && (applied || !news->all_people))
        status = vote_store_put_invitees (db, news->meeting->id, news->people, news->n_people,
                                          news->all_people, sequence);
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
    if (!own)
        return CAB_OK;
    cab_meeting_news_t news;
    cab_status_t status =
        cab_meeting_news_read (ev, &news) > 0 ? s_apply_news (db, ev, &news) : CAB_OK;
    cab_meeting_news_free (&news);
    //  Data the database refuses will not improve on retry.
    if (status == CAB_INVALID_ARGUMENT || status == CAB_FAILED_PRECONDITION) {
        cab_warn ("projection: event %s (%s) refused by the database: skipped", ev->id, ev->type);
        status = CAB_OK;
    }
    return status;
}
