/*  deliver - the channels' lanes (R9): each run claims the notices of its
    channel that are due (queued, or failed and past their backoff), marks
    them sending and commits before anything goes out, sends them, then
    records sent, failed (tried again after 5 s, 10 s, 20 s ... at most an
    hour; CABINET_SEND_RETRY_SECONDS is the first step) or given up (a
    permanent refusal, or CABINET_SEND_ATTEMPTS tries). Each channel runs
    on a lane of its own (cab_service_t.lanes), so a mail server that is
    down holds up no SMS. A stop between sending and recording leaves the
    notice "sending"; notify_on_start queues it again: sent at most once
    more, never lost.  */
#ifndef NOTIFY_DELIVER_H
#define NOTIFY_DELIVER_H
#include <libpq-fe.h>

//  One run of the e-mail lane and of the SMS lane (cab_job_t.run shape).
int notify_deliver_email (PGconn *db, void *arg);
int notify_deliver_sms (PGconn *db, void *arg);

//  Put notices left sending back in the queue. Returns 0 or -1.
int notify_deliver_recover (PGconn *db);

#endif
