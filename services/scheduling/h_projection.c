/*  h_projection - the scheduling service's view of the province's agencies
    and people, built from events (it never reads identity's tables): this
    node's unit.* and user.* events (UnitChanged, UserChanged, roles
    included) from the node's own topic, and other nodes' public entries
    (DirectoryEntry, no roles; a tombstone when a person is gone) from
    cabinet.directory. The consumer deduplicates by event id through the
    inbox table; an older event (by sequence) never overwrites a newer one.

    It also follows the documents service's events about this node's
    meetings: what Meeting.documents counts, and the documents lead-time
    rule (R3.4). A document stored for a meeting after its documents were
    due, and before the meeting began, is recorded as a violation of its
    uploader (violation.recorded); documents added during or after the
    meeting (minutes, recordings) are not preparation and never late.

    The projection is eventually consistent: a person created a moment ago
    may not be known yet, and requests naming them are answered 404 until
    they are.  */
#include "cab_config.h"
#include "cab_consumer.h"
#include "cab_log.h"
#include "cab_service.h"
#include "cab_time.h"
#include "cab_uuid.h"
#include "cabinet/v1/documents.pb-c.h"
#include "cabinet/v1/identity.pb-c.h"
#include "handlers.h"
#include <string.h>

static bool
s_prefix (const char *s, const char *prefix)
{
    return s && strncmp (s, prefix, strlen (prefix)) == 0;
}

static const char *
s_uuid_or_null (const char *s)
{
    return s && cab_uuid_valid (s) ? s : NULL;
}

//  user.* of this node: the record with its roles.
static cab_status_t
s_apply_user (PGconn *db, const Cabinet__V1__Event *ev, const char *node_id)
{
    Cabinet__V1__UserChanged *changed =
        cabinet__v1__user_changed__unpack (NULL, ev->payload.len, ev->payload.data);
    cab_status_t status = CAB_OK;
    const Cabinet__V1__User *u = changed ? changed->user : NULL;
    if (!u || !u->id || !cab_uuid_valid (u->id) || !u->full_name)
        cab_warn ("projection: unreadable user in event %s: skipped", ev->id);
    else
        status = sched_store_put_user (db, u->id, s_uuid_or_null (u->unit_id), u->full_name,
                                       u->title, node_id, u->roles, u->n_roles,
                                       !u->has_active || u->active, cab_event_sequence (ev));
    if (changed)
        cabinet__v1__user_changed__free_unpacked (changed, NULL);
    return status;
}

//  unit.* of this node.
static cab_status_t
s_apply_unit (PGconn *db, const Cabinet__V1__Event *ev, const char *node_id)
{
    Cabinet__V1__UnitChanged *changed =
        cabinet__v1__unit_changed__unpack (NULL, ev->payload.len, ev->payload.data);
    cab_status_t status = CAB_OK;
    const Cabinet__V1__Unit *n = changed ? changed->unit : NULL;
    if (!n || !n->id || !cab_uuid_valid (n->id) || !n->name)
        cab_warn ("projection: unreadable unit in event %s: skipped", ev->id);
    else
        status = sched_store_put_unit (db, n->id, n->name, s_uuid_or_null (n->parent_id),
                                       n->node_id && *n->node_id ? n->node_id : node_id, node_id,
                                       cab_event_sequence (ev));
    if (changed)
        cabinet__v1__unit_changed__free_unpacked (changed, NULL);
    return status;
}

//  Another node's public entry.
static cab_status_t
s_apply_directory (PGconn *db, const Cabinet__V1__Event *ev, const char *own_node)
{
    Cabinet__V1__DirectoryEntry *e =
        cabinet__v1__directory_entry__unpack (NULL, ev->payload.len, ev->payload.data);
    cab_status_t status = CAB_OK;
    uint64_t seq = cab_event_sequence (ev);
    if (!e || !e->id || !cab_uuid_valid (e->id) || !e->name || !e->kind || !e->node_id)
        cab_warn ("projection: unreadable directory entry in event %s: skipped", ev->id);
    else if (ev->source && strcmp (e->node_id, ev->source) != 0)
        cab_warn ("projection: event %s from %s describes node %s: skipped", ev->id, ev->source,
                  e->node_id);
    else if (strcmp (e->kind, "unit") == 0)
        status = sched_store_put_unit (db, e->id, e->name, s_uuid_or_null (e->parent_id),
                                       e->node_id, own_node, seq);
    else if (strcmp (e->kind, "user") == 0)
        status = sched_store_put_user (db, e->id, s_uuid_or_null (e->unit_id), e->name, e->title,
                                       e->node_id, NULL, 0, !e->has_active || e->active, seq);
    if (e)
        cabinet__v1__directory_entry__free_unpacked (e, NULL);
    return status;
}

//  document.uploaded / .approved / .rejected: the document counts (or no
//  longer does); the first time it is seen, the lead-time rule is checked.
static cab_status_t
s_apply_document (PGconn *db, const Cabinet__V1__Event *ev, const char *node_id)
{
    Cabinet__V1__DocumentEvent *e =
        cabinet__v1__document_event__unpack (NULL, ev->payload.len, ev->payload.data);
    const Cabinet__V1__Document *d = e ? e->document : NULL;
    if (!d || !d->id || !cab_uuid_valid (d->id)) {
        cab_warn ("projection: unreadable document in event %s: skipped", ev->id);
        if (e)
            cabinet__v1__document_event__free_unpacked (e, NULL);
        return CAB_OK;
    }
    if (!d->meeting_id || !cab_uuid_valid (d->meeting_id)) {  //  a library's document
        cabinet__v1__document_event__free_unpacked (e, NULL);
        return CAB_OK;
    }
    const char *status = strcmp (ev->type, "document.approved") == 0        ? "approved"
                         : strcmp (ev->type, "document.rejected") == 0      ? "rejected"
                         : d->status && strcmp (d->status, "approved") == 0 ? "approved"
                                                                            : "pending";
    //  Secret documents carry no creation time: the event's time is as good.
    int64_t at = 0;
    const char *at_text = d->created_at;
    if (!at_text || !cab_time_parse (at_text, &at))
        at_text = ev->time;
    if (at_text == ev->time && (!at_text || !cab_time_parse (at_text, &at))) {
        cab_warn ("projection: document event %s has no time: skipped", ev->id);
        cabinet__v1__document_event__free_unpacked (e, NULL);
        return CAB_OK;
    }
    int pages = d->pages_known_case == CABINET__V1__DOCUMENT__PAGES_KNOWN_PAGES ? d->pages : 0;
    sched_settings_t settings;
    sched_settings_load (&settings, node_id);
    sched_store_t *store = sched_store_new (db, node_id, &settings.leads);
    cab_arena_t *arena = cab_arena_new ();
    cab_status_t rc = store && arena ? CAB_OK : CAB_INTERNAL;
    bool first = false;
    if (rc == CAB_OK)
        rc = sched_store_document_put (store, d->id, d->meeting_id, pages, status, at_text,
                                       cab_event_sequence (ev), &first);
    sched_meeting_t *m = NULL;
    if (rc == CAB_OK && first && strcmp (ev->type, "document.uploaded") == 0
        && (rc = sched_store_meeting_get (store, arena, d->meeting_id, &m)) == CAB_OK
        && at < m->start) {
        const char *who = d->uploaded_by ? d->uploaded_by
                          : e->actor_id  ? e->actor_id
                                         : ev->actor_id;
        Cabinet__V1__Violation *v =
            sched_violation_build (arena, &settings.leads, m, SCHED_RULE_DOCUMENTS,
                                   who && cab_uuid_valid (who) ? who : NULL, at);
        if (v)
            rc = sched_store_document_late (store, arena, m, v, d->id);
    }
    if (rc == CAB_NOT_FOUND)  //  the meeting went between the two statements
        rc = CAB_OK;
    cab_arena_destroy (&arena);
    sched_store_destroy (&store);
    cabinet__v1__document_event__free_unpacked (e, NULL);
    return rc;
}

//  document.purged: the retention purge deleted it.
static cab_status_t
s_apply_purge (PGconn *db, const Cabinet__V1__Event *ev, const char *node_id)
{
    Cabinet__V1__DocumentPurgeEvent *e =
        cabinet__v1__document_purge_event__unpack (NULL, ev->payload.len, ev->payload.data);
    cab_status_t rc = CAB_OK;
    if (!e || !e->document_id || !cab_uuid_valid (e->document_id))
        cab_warn ("projection: unreadable purge in event %s: skipped", ev->id);
    else {
        sched_settings_t settings;
        sched_settings_load (&settings, node_id);
        sched_store_t *store = sched_store_new (db, node_id, &settings.leads);
        rc = store ? sched_store_document_purged (store, e->document_id) : CAB_INTERNAL;
        sched_store_destroy (&store);
    }
    if (e)
        cabinet__v1__document_purge_event__free_unpacked (e, NULL);
    return rc;
}

cab_status_t
sched_projection_consume (PGconn *db, const char *topic, const char *key,
                          const Cabinet__V1__Event *ev, void *arg)
{
    const cab_service_env_t *env = arg;
    bool directory = topic && strcmp (topic, CAB_DIRECTORY_TOPIC) == 0;
    if (!ev) {
        //  A tombstone on the directory: that person of another node is gone.
        return directory && key && cab_uuid_valid (key) ? sched_store_forget (db, key, env->node_id)
                                                        : CAB_OK;
    }
    if (!ev->has_payload || ev->payload.len == 0)
        return CAB_OK;
    bool own = ev->source && env->node_id && strcmp (ev->source, env->node_id) == 0;
    cab_status_t status = CAB_OK;
    if (directory) {
        //  Our own people come with their roles on our own topic.
        if (!own
            && (strcmp (ev->type ? ev->type : "", "directory.user") == 0
                || strcmp (ev->type ? ev->type : "", "directory.unit") == 0))
            status = s_apply_directory (db, ev, env->node_id);
    } else if (own && ev->service && strcmp (ev->service, "identity") == 0) {
        if (s_prefix (ev->type, "user."))
            status = s_apply_user (db, ev, env->node_id);
        else if (s_prefix (ev->type, "unit."))
            status = s_apply_unit (db, ev, env->node_id);
    } else if (own && ev->service && strcmp (ev->service, "documents") == 0 && ev->type) {
        if (strcmp (ev->type, "document.uploaded") == 0
            || strcmp (ev->type, "document.approved") == 0
            || strcmp (ev->type, "document.rejected") == 0)
            status = s_apply_document (db, ev, env->node_id);
        else if (strcmp (ev->type, "document.purged") == 0)
            status = s_apply_purge (db, ev, env->node_id);
    }
    //  Data the database refuses will not improve on retry.
    if (status == CAB_INVALID_ARGUMENT) {
        cab_warn ("projection: event %s refused by the database: skipped", ev->id);
        status = CAB_OK;
    }
    return status;
}
