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
#include "cab_meeting_news.h"
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

//  One of scheduling's meeting events (cab_meeting_news): the meeting,
//  with when it ended on meeting.ended, and the participants it names
//  (meeting.* names them all: the list is replaced, unless the event is
//  older than what the row holds).
static cab_status_t
s_apply_news (PGconn *db, const Cabinet__V1__Event *ev, const cab_meeting_news_t *news)
{
    bool applied = false;
    cab_status_t status = docs_store_put_meeting (
        db, news->meeting, s_is (ev->type, "meeting.ended") ? ev->time : NULL,
        cab_event_sequence (ev), &applied);
    if (status == CAB_OK && (applied || !news->all_people))
        status = docs_store_put_participants (db, news->meeting->id, news->people, news->n_people,
                                              news->all_people);
    return status;
}

//  invitation.opened (the access report): the invitees who opened it, else
//  the one acting. It needs no more of the meeting than its id.
static cab_status_t
s_apply_opened (PGconn *db, const Cabinet__V1__Event *ev)
{
    Cabinet__V1__InvitationEvent *e =
        cabinet__v1__invitation_event__unpack (NULL, ev->payload.len, ev->payload.data);
    cab_status_t status = CAB_OK;
    if (!e || !e->meeting || !s_uuid_or_null (e->meeting->id)) {
        cab_warn ("projection: unreadable invitation in event %s: skipped", ev->id);
        goto cleanup;
    }
    bool applied = false;
    if (e->meeting->status)
        status = docs_store_put_meeting (db, e->meeting, NULL, cab_event_sequence (ev), &applied);
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
    if (s_is (ev->type, "invitation.opened"))
        return s_apply_opened (db, ev);
    if (s_is (ev->type, "catalog.created"))
        return s_apply_catalog (db, ev);
    cab_meeting_news_t news;
    cab_status_t status =
        cab_meeting_news_read (ev, &news) > 0 ? s_apply_news (db, ev, &news) : CAB_OK;
    cab_meeting_news_free (&news);
    return status;
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
