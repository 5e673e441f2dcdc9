/*  commands - the notifications service's periodic jobs (the clock's
    alerts, on the jobs thread; the channels' deliveries, each on a lane of
    its own), the start-up recovery of notices left sending, and the
    command verbs: `seed-demo` (nothing to seed: notices come from
    events).  */
#include "alerts.h"
#include "cab_log.h"
#include "deliver.h"
#include "handlers.h"
#include <string.h>

#define ALERTS_INTERVAL_S 2  //  how late a reminder or an alert may be
#define DIGEST_INTERVAL_S 60
#define LANE_INTERVAL_S 1

void
notify_jobs_fill (cab_job_t jobs[NOTIFY_JOBS])
{
    jobs[0] = (cab_job_t){"reminders", ALERTS_INTERVAL_S, 1, notify_alerts_reminders};
    jobs[1] = (cab_job_t){"overdue", ALERTS_INTERVAL_S, 1, notify_alerts_overdue};
    jobs[2] = (cab_job_t){"digest", DIGEST_INTERVAL_S, 5, notify_alerts_digest};
    jobs[3] = (cab_job_t){NULL, 0, 0, NULL};
}

int
notify_on_start (PGconn *db, const cab_service_env_t *env)
{
    (void) env;
    return notify_deliver_recover (db);
}

int
notify_command (PGconn *db, const cab_service_env_t *env, int argc, char **argv)
{
    (void) db;
    (void) env;
    if (argc >= 1 && strcmp (argv[0], "seed-demo") == 0)
        return 0;
    return -1;
}
