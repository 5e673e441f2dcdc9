/*  alerts - what the clock triggers (R9.2, R3.4): reminders before each
    meeting (CABINET_REMINDER_MINUTES, by default a day and an hour before),
    alerts when replies are overdue (to the invitee and the organiser) and
    when a meeting's documents were due and none is there (to the organiser
    and the chair), and the agency clerks' daily digest. The clock is
    notify_now (): moving it through CABINET_CLOCK_OFFSET_SECONDS moves all
    of these. Each notice's cause names the meeting (or the day), so a run
    repeated after a restart queues nothing twice.  */
#ifndef NOTIFY_ALERTS_H
#define NOTIFY_ALERTS_H
#include <libpq-fe.h>

//  One run of each (cab_job_t.run shape; arg unused). Return 0 or -1.
int notify_alerts_reminders (PGconn *db, void *arg);
int notify_alerts_overdue (PGconn *db, void *arg);
int notify_alerts_digest (PGconn *db, void *arg);

#endif
