/*  cab_people - identity's people and agencies into a service's own
    tables (see cab_people.h).  */
#include "cab_people.h"
#include "cab_arena.h"
#include "cab_consumer.h"
#include "cab_db.h"
#include "cab_log.h"
#include "cab_uuid.h"
#include "cabinet/v1/identity.pb-c.h"
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#define SEQ_TEXT 24

static const char SQL_PUT_USER[] =
    "INSERT INTO users (id, unit_id, full_name, node_id, roles, active, source_sequence)"
    " VALUES ($1, $2, $3, $4, coalesce ($5::text[], '{}'), $6::bool, $7::bigint)"
    " ON CONFLICT (id) DO UPDATE SET unit_id = EXCLUDED.unit_id, full_name = EXCLUDED.full_name,"
    "   node_id = EXCLUDED.node_id, roles = EXCLUDED.roles, active = EXCLUDED.active,"
    "   source_sequence = EXCLUDED.source_sequence, updated_at = now ()"
    " WHERE users.source_sequence <= EXCLUDED.source_sequence";

static const char SQL_PUT_UNIT[] =
    "INSERT INTO units (id, name, parent_id, node_id, source_sequence)"
    " VALUES ($1, $2, $3, $4, $5::bigint)"
    " ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, parent_id = EXCLUDED.parent_id,"
    "   node_id = EXCLUDED.node_id, source_sequence = EXCLUDED.source_sequence,"
    "   updated_at = now ()"
    " WHERE units.source_sequence <= EXCLUDED.source_sequence";

static const char *
s_uuid_or_null (const char *s)
{
    return s && cab_uuid_valid (s) ? s : NULL;
}

static bool
s_prefix (const char *s, const char *prefix)
{
    return s && strncmp (s, prefix, strlen (prefix)) == 0;
}

static cab_status_t
s_user (PGconn *db, const Cabinet__V1__Event *ev, const char *node_id, const char *seq)
{
    Cabinet__V1__UserChanged *changed =
        cabinet__v1__user_changed__unpack (NULL, ev->payload.len, ev->payload.data);
    const Cabinet__V1__User *u = changed ? changed->user : NULL;
    cab_status_t status = CAB_OK;
    if (!u || !s_uuid_or_null (u->id) || !u->full_name)
        cab_warn ("people: unreadable user in event %s: skipped", ev->id);
    else {
        cab_arena_t *arena = cab_arena_new ();
        if (!arena)
            status = CAB_INTERNAL;
        else {
            const char *params[] = {u->id,
                                    s_uuid_or_null (u->unit_id),
                                    u->full_name,
                                    node_id,
                                    cab_db_array (arena, u->roles, u->n_roles),
                                    cab_db_bool_text (!u->has_active || u->active),
                                    seq};
            status = cab_db_exec (db, SQL_PUT_USER, 7, params, NULL);
            cab_arena_destroy (&arena);
        }
    }
    if (changed)
        cabinet__v1__user_changed__free_unpacked (changed, NULL);
    return status;
}

static cab_status_t
s_unit (PGconn *db, const Cabinet__V1__Event *ev, const char *node_id, const char *seq)
{
    Cabinet__V1__UnitChanged *changed =
        cabinet__v1__unit_changed__unpack (NULL, ev->payload.len, ev->payload.data);
    const Cabinet__V1__Unit *n = changed ? changed->unit : NULL;
    cab_status_t status = CAB_OK;
    if (!n || !s_uuid_or_null (n->id) || !n->name)
        cab_warn ("people: unreadable unit in event %s: skipped", ev->id);
    else {
        const char *params[] = {n->id, n->name, s_uuid_or_null (n->parent_id),
                                n->node_id && *n->node_id ? n->node_id : node_id, seq};
        status = cab_db_exec (db, SQL_PUT_UNIT, 5, params, NULL);
    }
    if (changed)
        cabinet__v1__unit_changed__free_unpacked (changed, NULL);
    return status;
}

bool
cab_people_apply (PGconn *db, const Cabinet__V1__Event *ev, const char *node_id,
                  cab_status_t *status)
{
    if (!ev || !ev->has_payload || ev->payload.len == 0 || !node_id || !ev->source
        || strcmp (ev->source, node_id) != 0 || !ev->service
        || strcmp (ev->service, "identity") != 0)
        return false;
    bool user = s_prefix (ev->type, "user.");
    if (!user && !s_prefix (ev->type, "unit."))
        return false;
    char seq[SEQ_TEXT];
    snprintf (seq, sizeof seq, "%" PRIu64, cab_event_sequence (ev));
    *status = user ? s_user (db, ev, node_id, seq) : s_unit (db, ev, node_id, seq);
    return true;
}
