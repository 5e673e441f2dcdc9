/*  h_projection - the documents service's view of meetings, invitees,
    people, agencies and document types, built from events (it never reads
    another service's tables):
    - this node's identity events (user.*, unit.*: roles included) and
      other nodes' public entries on cabinet.directory, as scheduling keeps
      them;
    - this node's scheduling events: meeting.* (each carries the meeting
      and every invitee: the invitees are replaced), invitation.created,
      rsvp.submitted (the reply and a delegate), attendance.recorded (a
      substitute), invitation.opened (the access report), and
      catalog.created of document types;
    - this node's voting events: poll.sent (each respondent may read each
      document the poll was sent with).
    The consumer deduplicates by event id through the inbox table; an older
    meeting event (by sequence) never overwrites a newer one. Eventually
    consistent: a meeting registered a moment ago is "not found" until its
    event arrives.  */
#include "cab_config.h"
#include "cab_consumer.h"
#include "cab_log.h"
#include "cab_service.h"
#include "cab_uuid.h"
#include "cabinet/v1/identity.pb-c.h"
#include "cabinet/v1/polls.pb-c.h"
#include "cabinet/v1/scheduling.pb-c.h"
#include "handlers.h"
#include <string.h>

static bool
s_prefix (const char *s, const char *prefix)
{
    return s && strncmp (s, prefix, strlen (prefix)) == 0;
}

static bool
s_is (const char *s, const char *value)
{
    return s && strcmp (s, value) == 0;
}

static const char *
s_uuid_or_null (const char *s)
{
    return s && cab_uuid_valid (s) ? s : NULL;
}

/* ---- people and agencies ------------------------------------------------------------- */

static cab_status_t
s_apply_user (PGconn *db, const Cabinet__V1__Event *ev, const char *node_id)
{
    Cabinet__V1__UserChanged *changed =
        cabinet__v1__user_changed__unpack (NULL, ev->payload.len, ev->payload.data);
    cab_status_t status = CAB_OK;
    const Cabinet__V1__User *u = changed ? changed->user : NULL;
    if (!u || !s_uuid_or_null (u->id) || !u->full_name)
        cab_warn ("projection: unreadable user in event %s: skipped", ev->id);
    else
        status = docs_store_put_user (db, u->id, s_uuid_or_null (u->unit_id), u->full_name, node_id,
                                      u->roles, u->n_roles, !u->has_active || u->active,
                                      cab_event_sequence (ev));
    if (changed)
        cabinet__v1__user_changed__free_unpacked (changed, NULL);
    return status;
}

static cab_status_t
s_apply_unit (PGconn *db, const Cabinet__V1__Event *ev, const char *node_id)
{
    Cabinet__V1__UnitChanged *changed =
        cabinet__v1__unit_changed__unpack (NULL, ev->payload.len, ev->payload.data);
    cab_status_t status = CAB_OK;
    const Cabinet__V1__Unit *n = changed ? changed->unit : NULL;
    if (!n || !s_uuid_or_null (n->id) || !n->name)
        cab_warn ("projection: unreadable unit in event %s: skipped", ev->id);
    else
        status = docs_store_put_unit (db, n->id, n->name, s_uuid_or_null (n->parent_id),
                                      n->node_id && *n->node_id ? n->node_id : node_id,
                                      cab_event_sequence (ev));
    if (changed)
        cabinet__v1__unit_changed__free_unpacked (changed, NULL);
    return status;
}

static cab_status_t
s_apply_directory (PGconn *db, const Cabinet__V1__Event *ev)
{
    Cabinet__V1__DirectoryEntry *e =
        cabinet__v1__directory_entry__unpack (NULL, ev->payload.len, ev->payload.data);
    cab_status_t status = CAB_OK;
    if (!e || !s_uuid_or_null (e->id) || !e->name || !e->kind || !e->node_id)
        cab_warn ("projection: unreadable directory entry in event %s: skipped", ev->id);
    else if (ev->source && strcmp (e->node_id, ev->source) != 0)
        cab_warn ("projection: event %s from %s describes node %s: skipped", ev->id, ev->source,
                  e->node_id);
    else if (s_is (e->kind, "unit"))
        status = docs_store_put_unit (db, e->id, e->name, s_uuid_or_null (e->parent_id), e->node_id,
                                      cab_event_sequence (ev));
    else if (s_is (e->kind, "user"))
        status =
            docs_store_put_user (db, e->id, s_uuid_or_null (e->unit_id), e->name, e->node_id, NULL,
                                 0, !e->has_active || e->active, cab_event_sequence (ev));
    if (e)
        cabinet__v1__directory_entry__free_unpacked (e, NULL);
    return status;
}

/* ---- meetings ----------------------------------------------------------------------------- */

//  The meeting of an event, when it names one properly.
static bool
s_meeting_ok (const Cabinet__V1__MeetingSummary *m)
{
    return m && s_uuid_or_null (m->id) && m->status;
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
        status = docs_store_put_meeting (db, e->meeting,
                                         s_is (ev->type, "meeting.ended") ? ev->time : NULL,
                                         cab_event_sequence (ev), &applied);
        //  Every meeting.* event lists every invitee: the list is replaced.
        if (status == CAB_OK && applied)
            status =
                docs_store_put_participants (db, e->meeting->id, e->invitees, e->n_invitees, true);
    }
    if (e)
        cabinet__v1__meeting_event__free_unpacked (e, NULL);
    return status;
}

static cab_status_t
s_apply_invitation (PGconn *db, const Cabinet__V1__Event *ev, bool opened)
{
    Cabinet__V1__InvitationEvent *e =
        cabinet__v1__invitation_event__unpack (NULL, ev->payload.len, ev->payload.data);
    cab_status_t status = CAB_OK;
    //  invitation.opened needs no more than the meeting's id.
    if (!e || !e->meeting || !s_uuid_or_null (e->meeting->id)
        || (!opened && !s_meeting_ok (e->meeting))) {
        cab_warn ("projection: unreadable invitation in event %s: skipped", ev->id);
        goto cleanup;
    }
    bool applied = false;
    if (s_meeting_ok (e->meeting))
        status = docs_store_put_meeting (db, e->meeting, NULL, cab_event_sequence (ev), &applied);
    if (status != CAB_OK)
        goto cleanup;
    if (!opened) {
        status =
            docs_store_put_participants (db, e->meeting->id, e->invitees, e->n_invitees, false);
        goto cleanup;
    }
    //  invitation.opened: the invitees who opened it, else the one acting.
    bool any = false;
    for (size_t i = 0; status == CAB_OK && i < e->n_invitees; i++)
        if (s_uuid_or_null (e->invitees[i]->user_id)) {
            status = docs_store_invitation_opened (db, e->meeting->id, e->invitees[i]->user_id,
                                                   ev->time);
            any = true;
        }
    const char *actor = s_uuid_or_null (e->actor_id) ? e->actor_id : s_uuid_or_null (ev->actor_id);
    if (status == CAB_OK && !any && actor)
        status = docs_store_invitation_opened (db, e->meeting->id, actor, ev->time);
cleanup:
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
        status = docs_store_put_meeting (db, e->meeting, NULL, cab_event_sequence (ev), &applied);
        Cabinet__V1__Participant *people[2];
        size_t n = 0;
        if (e->participant)
            people[n++] = e->participant;
        if (e->delegate)
            people[n++] = e->delegate;
        if (status == CAB_OK)
            status = docs_store_put_participants (db, e->meeting->id, people, n, false);
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
        status = docs_store_put_meeting (db, e->meeting, NULL, cab_event_sequence (ev), &applied);
        if (status == CAB_OK && e->participant)
            status = docs_store_put_participants (db, e->meeting->id, &e->participant, 1, false);
    }
    if (e)
        cabinet__v1__attendance_event__free_unpacked (e, NULL);
    return status;
}

static cab_status_t
s_apply_catalog (PGconn *db, const Cabinet__V1__Event *ev)
{
    Cabinet__V1__CatalogEvent *e =
        cabinet__v1__catalog_event__unpack (NULL, ev->payload.len, ev->payload.data);
    cab_status_t status = CAB_OK;
    const Cabinet__V1__CatalogEntry *entry = e ? e->entry : NULL;
    if (entry && s_is (entry->kind, "doc-types") && s_uuid_or_null (entry->id) && entry->name)
        status = docs_store_put_doc_type (db, entry->id, entry->name);
    if (e)
        cabinet__v1__catalog_event__free_unpacked (e, NULL);
    return status;
}

static cab_status_t
s_apply_scheduling (PGconn *db, const Cabinet__V1__Event *ev)
{
    const char *type = ev->type;
    if (s_prefix (type, "meeting."))
        return s_apply_meeting (db, ev);
    if (s_is (type, "invitation.created"))
        return s_apply_invitation (db, ev, false);
    if (s_is (type, "invitation.opened"))
        return s_apply_invitation (db, ev, true);
    if (s_is (type, "rsvp.submitted"))
        return s_apply_rsvp (db, ev);
    if (s_is (type, "attendance.recorded"))
        return s_apply_attendance (db, ev);
    if (s_is (type, "catalog.created"))
        return s_apply_catalog (db, ev);
    return CAB_OK;
}

//  poll.sent of the voting service: its respondents may read the documents
//  it was sent with.
static cab_status_t
s_apply_poll (PGconn *db, const Cabinet__V1__Event *ev)
{
    Cabinet__V1__PollEvent *e =
        cabinet__v1__poll_event__unpack (NULL, ev->payload.len, ev->payload.data);
    cab_status_t status = CAB_OK;
    const char *poll_id = e && e->poll ? s_uuid_or_null (e->poll->id) : NULL;
    if (!poll_id)
        cab_warn ("projection: unreadable poll in event %s: skipped", ev->id);
    else if (e->n_document_ids && e->n_respondent_ids)
        status = docs_store_poll_access (db, poll_id, e->document_ids, e->n_document_ids,
                                         e->respondent_ids, e->n_respondent_ids);
    if (e)
        cabinet__v1__poll_event__free_unpacked (e, NULL);
    return status;
}

cab_status_t
docs_projection_consume (PGconn *db, const char *topic, const char *key,
                         const Cabinet__V1__Event *ev, void *arg)
{
    const cab_service_env_t *env = arg;
    bool directory = topic && strcmp (topic, CAB_DIRECTORY_TOPIC) == 0;
    if (!ev) {
        //  A tombstone on the directory: that person of another node is gone.
        return directory && key && cab_uuid_valid (key) ? docs_store_forget (db, key, env->node_id)
                                                        : CAB_OK;
    }
    if (!ev->has_payload || ev->payload.len == 0)
        return CAB_OK;
    bool own = ev->source && env->node_id && strcmp (ev->source, env->node_id) == 0;
    cab_status_t status = CAB_OK;
    if (directory) {
        //  Our own people come with their roles on our own topic.
        if (!own && (s_is (ev->type, "directory.user") || s_is (ev->type, "directory.unit")))
            status = s_apply_directory (db, ev);
    } else if (own && s_is (ev->service, "identity")) {
        if (s_prefix (ev->type, "user."))
            status = s_apply_user (db, ev, env->node_id);
        else if (s_prefix (ev->type, "unit."))
            status = s_apply_unit (db, ev, env->node_id);
    } else if (own && s_is (ev->service, "scheduling"))
        status = s_apply_scheduling (db, ev);
    else if (own && s_is (ev->service, "voting") && s_is (ev->type, "poll.sent"))
        status = s_apply_poll (db, ev);
    //  Data the database refuses will not improve on retry.
    if (status == CAB_INVALID_ARGUMENT || status == CAB_FAILED_PRECONDITION) {
        cab_warn ("projection: event %s (%s) refused by the database: skipped", ev->id,
                  ev->type ? ev->type : "?");
        status = CAB_OK;
    }
    return status;
}
