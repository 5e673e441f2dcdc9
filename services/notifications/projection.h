/*  projection - what the notifications service knows of the node, built
    from events (it never reads another service's tables): agencies and
    people with their roles (cab_people) and where to reach them (contacts,
    from identity's user.*), meetings and their person invitees with their
    replies (scheduling's meeting.*, invitation.created, rsvp.submitted),
    and whether a meeting has documents yet (documents' document.uploaded).
    Every row remembers the sequence of the event that wrote it; an older
    event never overwrites a newer one.  */
#ifndef NOTIFY_PROJECTION_H
#define NOTIFY_PROJECTION_H
#include "cab_status.h"
#include "cabinet/v1/event.pb-c.h"
#include <libpq-fe.h>

//  Apply ev inside the caller's open transaction (node_id: this node).
//  Returns CAB_OK (also for events it does not keep) or a status to retry
//  the event on.
cab_status_t notify_projection_apply (PGconn *db, const Cabinet__V1__Event *ev,
                                      const char *node_id);

//  The event types the projection applies, for the consumer's list.
#define NOTIFY_PROJECTION_TYPES                                                                    \
    "user.", "unit.", "meeting.", "invitation.created", "rsvp.submitted", "document.uploaded"

#endif
