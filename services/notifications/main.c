/*  cabinet-notifications - tells people (R9, R7.3, R3.4): consumes the
    node's events and queues notices per person and channel (in-app, e-mail
    over SMTP with an iCalendar invitation, SMS through an HTTP gateway),
    delivers them with retries (one lane per channel, so a channel that is
    down holds up no other), reminds before meetings, alerts on overdue
    replies and documents, sends agency clerks a daily digest, and serves
    the inbox, each person's choices and the personal calendar feed. This
    file only declares the service; cab_service_main runs it.  */
#include "cab_config.h"
#include "cab_service.h"
#include "cabinet/v1/identity.pb-c.h"
#include "cabinet/v1/notifications.pb-c.h"
#include "deliver.h"
#include "handlers.h"
#include "projection.h"
#include "triggers.h"
#include <curl/curl.h>
#include <stdlib.h>

//  The service's SQL migrations (services/notifications/sql/), embedded.
extern const cab_embedded_file_t notifications_embedded[];

#define EMPTY &cabinet__v1__empty__descriptor
#define SETTINGS &cabinet__v1__notification_settings__descriptor

static const cab_method_t s_methods[] = {
    {"notifications.ListNotices", &cabinet__v1__list_notices_request__descriptor, notify_list, 0},
    {"notifications.MarkRead", &cabinet__v1__notice_id_request__descriptor, notify_mark_read, 0},
    {"notifications.MarkAllRead", EMPTY, notify_mark_all_read, 0},
    {"notifications.ListDeliveries", &cabinet__v1__list_deliveries_request__descriptor,
     notify_deliveries, 0},
    {"notifications.GetSettings", EMPTY, notify_get_settings, 0},
    {"notifications.UpdateSettings", SETTINGS, notify_update_settings, 0},
    {"notifications.GetCalendarToken", EMPTY, notify_get_token, 0},
    {"notifications.RotateCalendarToken", EMPTY, notify_rotate_token, 0},
    {"notifications.CalendarFeed", &cabinet__v1__calendar_feed_request__descriptor,
     notify_calendar_feed, CAB_METHOD_ANONYMOUS},
    {NULL, NULL, NULL, 0},
};

static const cab_job_t s_email_lane[] = {
    {"deliver-email", 1, 1, notify_deliver_email},
    {NULL, 0, 0, NULL},
};
static const cab_job_t s_sms_lane[] = {
    {"deliver-sms", 1, 1, notify_deliver_sms},
    {NULL, 0, 0, NULL},
};
static const cab_job_t *const s_lanes[] = {s_email_lane, s_sms_lane, NULL};

int
main (int argc, char **argv)
{
    char *events = cab_config_events_topic (cab_config_str ("CABINET_NODE_ID"));
    if (!events)
        return EXIT_FAILURE;
    const char *const topics[] = {events, NULL};
    static const char *const types[] = {NOTIFY_PROJECTION_TYPES, NOTIFY_TRIGGER_TYPES, NULL};
    const cab_service_consumer_t consumers[] = {
        {"notices", topics, notify_consume, types},
        {NULL, NULL, NULL, NULL},
    };
    cab_job_t jobs[NOTIFY_JOBS];
    notify_jobs_fill (jobs);
    const cab_service_t notifications = {
        .name = "notifications",
        .methods = s_methods,
        .migrations = notifications_embedded,
        .worker_new = notify_worker_new,
        .worker_destroy = notify_worker_destroy,
        .worker_ready = notify_worker_ready,
        .on_start = notify_on_start,
        .command = notify_command,
        .consumers = consumers,
        .jobs = jobs,
        .lanes = s_lanes,
    };
    //  libcurl's global state, once, before any thread uses it.
    if (curl_global_init (CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        free (events);
        return EXIT_FAILURE;
    }
    int rc = cab_service_main (&notifications, argc, argv);
    curl_global_cleanup ();
    free (events);
    return rc;
}
