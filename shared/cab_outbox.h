/*  cab_outbox - the transactional outbox. A service writes its change and
    the event describing it in ONE transaction; the relay (cab_relay) later
    chains and publishes the event. Outbox rows are kept, hash-chained in
    the order the relay published them, as the service's audit log of state
    changes: tampering with a chained row breaks the chain.  */
#ifndef CAB_OUTBOX_H
#define CAB_OUTBOX_H
#include "cab_status.h"
#include <libpq-fe.h>
#include <protobuf-c/protobuf-c.h>
#include <stdbool.h>
#include <stddef.h>

typedef struct {
    const char *type;                 //  "user.created"
    const char *subject;              //  aggregate id (Kafka key by default)
    const ProtobufCMessage *payload;  //  NULL: a tombstone (compacted topics)
    const char *topic;                //  NULL: the node's events topic
    const char *key;                  //  NULL: subject
    const char *actor_id;             //  NULL: the system itself
    const char *const *target_nodes;  //  addressed federation, may be NULL
    int target_count;
    const char *meeting_id;       //  the meeting whose live stream shows it, or NULL
    const char *const *audience;  //  user ids who may see it live; NULL: all of the meeting
    int audience_count;
} cab_event_t;

//  Append ev to the outbox inside the caller's open transaction (the change
//  and its event commit or vanish together). Returns CAB_OK or a status.
cab_status_t cab_outbox_emit (PGconn *db, const cab_event_t *ev);

//  cab_outbox_emit as the last statement of the caller's transaction, sent
//  with its COMMIT in one round trip. CAB_OK once committed; otherwise the
//  transaction is left for the caller to roll back.
cab_status_t cab_outbox_emit_commit (PGconn *db, const cab_event_t *ev);

//  Append evs[0..n) in order, in one statement, as the last of the
//  caller's transaction, sent with its COMMIT in one round trip (a
//  transaction that wrote many changes at once). As cab_outbox_emit_commit.
cab_status_t cab_outbox_emit_all_commit (PGconn *db, const cab_event_t *evs, size_t n);

//  Walk the hash chain of this schema's outbox in chain order (seq), over
//  the rows the relay has chained (a committed row is chained at the
//  relay's next cycle). Returns true if intact; on false, *bad_id (if not
//  NULL) is the id of the first row in chain order that does not match.
bool cab_outbox_verify (PGconn *db, long long *bad_id);

#endif
