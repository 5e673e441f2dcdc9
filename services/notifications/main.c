/*  cabinet-notifications - tells people (R9, R7.3, R3.4): consumes the
    node's events and queues notices per person and channel (in-app, e-mail
    over SMTP with an iCalendar invitation, SMS through an HTTP gateway),
    delivers them with retries (one lane per channel, so a channel that is
    down holds up no other), reminds before meetings, alerts on overdue
    replies, documents and poll answers, sends agency clerks a daily digest,
    and serves the inbox, each person's choices and the personal calendar
    feed. This file only declares the service; cab_service_main runs it.  */
#include "cab_config.h"
#include "cab_people.h"
#include "cab_service.h"
#include "handlers.h"
#include <stdlib.h>

//  The service's SQL migrations (services/notifications/sql/), embedded.
extern const cab_embedded_file_t notifications_embedded[];

static const cab_method_t s_methods[] = {
    {NULL, NULL, NULL, 0},
};

int
main (int argc, char **argv)
{
    const cab_service_t notifications = {
        .name = "notifications",
        .methods = s_methods,
        .migrations = notifications_embedded,
        .worker_new = notify_worker_new,
        .worker_destroy = notify_worker_destroy,
        .worker_ready = notify_worker_ready,
        .command = notify_command,
    };
    return cab_service_main (&notifications, argc, argv);
}
