/*  handlers - the notifications service's RPC methods (h_inbox.c: the
    inbox and the deliveries list; h_settings.c: each person's choices;
    h_calendar.c: the calendar feed and its token), its consumer
    (consume.c: projection, then triggers), its periodic jobs and lanes
    (commands.c with alerts.c and deliver.c) and command verbs.  */
#ifndef NOTIFY_HANDLERS_H
#define NOTIFY_HANDLERS_H
#include "cab_consumer.h"
#include "cab_rpc.h"
#include "cab_service.h"
#include "meeting.h"
#include "worker.h"

/* ---- h_inbox.c ------------------------------------------------------------------------ */
cab_status_t notify_list (cab_call_t *call, const ProtobufCMessage *request);
cab_status_t notify_mark_read (cab_call_t *call, const ProtobufCMessage *request);
cab_status_t notify_mark_all_read (cab_call_t *call, const ProtobufCMessage *request);
cab_status_t notify_deliveries (cab_call_t *call, const ProtobufCMessage *request);

/* ---- h_settings.c --------------------------------------------------------------------- */
cab_status_t notify_get_settings (cab_call_t *call, const ProtobufCMessage *request);
cab_status_t notify_update_settings (cab_call_t *call, const ProtobufCMessage *request);

/* ---- h_calendar.c --------------------------------------------------------------------- */
cab_status_t notify_get_token (cab_call_t *call, const ProtobufCMessage *request);
cab_status_t notify_rotate_token (cab_call_t *call, const ProtobufCMessage *request);
cab_status_t notify_calendar_feed (cab_call_t *call, const ProtobufCMessage *request);

/* ---- consume.c ------------------------------------------------------------------------ */

//  Consumer of the node's events topic: the projection, then the notices
//  the event calls for, in one transaction (arg: cab_service_env_t).
cab_status_t notify_consume (PGconn *db, const char *topic, const char *key,
                             const Cabinet__V1__Event *ev, void *arg);

/* ---- commands.c ----------------------------------------------------------------------- */

#define NOTIFY_JOBS 4  //  reminders, overdue alerts, digest, and the terminating entry

//  Fill jobs with the clock's jobs (alerts.c), NULL-name terminated.
void notify_jobs_fill (cab_job_t jobs[NOTIFY_JOBS]);

//  cab_service_t.on_start: notices left "sending" by a stop mid-send go
//  back to the queue (sent at most once more). Returns 0 or -1.
int notify_on_start (PGconn *db, const cab_service_env_t *env);

//  cab_service_t.command: "seed-demo" (nothing to seed). Returns the exit
//  code, or -1 for an unknown verb.
int notify_command (PGconn *db, const cab_service_env_t *env, int argc, char **argv);

/* ---- helpers ---------------------------------------------------------------------------- */

//  The worker state of this call.
static inline notify_worker_t *
notify_call_worker (const cab_call_t *call)
{
    return call->worker;
}

//  The signed-in caller's user id, or NULL.
const char *notify_call_user (const cab_call_t *call);

#endif
