/*  cab_people - a service's projection of this node's agencies and people,
    applied from identity's unit.* and user.* events (UnitChanged,
    UserChanged, roles included) on the node's topic. A service that needs
    to know whose an agency's people are, or who holds an office role,
    consumes its node's topic and hands each event here first.

    The tables, in the service's own schema:
      units (id uuid PRIMARY KEY, name text, parent_id uuid, node_id text,
             source_sequence bigint, updated_at timestamptz)
      users (id uuid PRIMARY KEY, unit_id uuid, full_name text, node_id text,
             roles text[], active boolean, source_sequence bigint,
             updated_at timestamptz)
    An event older (by its per-service sequence) than what a row holds never
    overwrites it; the consumer's inbox already drops repeats.  */
#ifndef CAB_PEOPLE_H
#define CAB_PEOPLE_H
#include "cab_status.h"
#include "cabinet/v1/event.pb-c.h"
#include <libpq-fe.h>
#include <stdbool.h>

//  If ev is one of identity's user.* or unit.* events from node_id, apply
//  it inside the caller's open transaction and return true with *status
//  (CAB_OK, or a failure to retry the event on). Otherwise return false
//  and leave *status alone. An unreadable payload is logged and skipped
//  (CAB_OK).
bool cab_people_apply (PGconn *db, const Cabinet__V1__Event *ev, const char *node_id,
                       cab_status_t *status);

//  The event types cab_people_apply applies, for a consumer's list of the
//  types its handler applies (cab_service_consumer_t.types).
#define CAB_PEOPLE_TYPES "user.", "unit."

#endif
