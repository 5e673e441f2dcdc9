/*  triggers - which events tell whom what (R9.1): invitations (to each
    invited person; to an invited agency's clerks; to a named delegate),
    changes and cancellation of a published meeting (with the iCalendar
    update or cancellation), documents published to the invitees, polls
    received, due soon and overdue (R7.3), and votes opened to absent
    members allowed to vote remotely. Runs in the consumer's transaction
    after the projection has applied the event.  */
#ifndef NOTIFY_TRIGGERS_H
#define NOTIFY_TRIGGERS_H
#include "cab_status.h"
#include "cabinet/v1/event.pb-c.h"
#include <libpq-fe.h>

//  Queue the notices ev calls for. Returns CAB_OK or a status to retry on.
cab_status_t notify_triggers_apply (PGconn *db, const Cabinet__V1__Event *ev, const char *node_id);

//  The event types that tell someone something, for the consumer's list.
#define NOTIFY_TRIGGER_TYPES                                                                       \
    "invitation.created", "meeting.updated", "meeting.cancelled", "meeting.approved",              \
        "document.approved", "poll.sent", "poll.due_soon", "poll.overdue", "vote.opened",          \
        "vote.remote_voters_added"

#endif
