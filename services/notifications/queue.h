/*  queue - the one place notices are made: for each person, the channels
    their kind goes out on (their choice, or the kind's default; every
    channel for an urgent meeting; e-mail only with an address and a mail
    server, SMS only with a phone and a gateway), rendered from the kind's
    template in the person's language, and recorded once per person,
    channel and cause. In-app notices are delivered by being recorded (the
    inbox) and announced on the person's live stream; e-mail and SMS wait
    for their channel's lane (deliver.c).  */
#ifndef NOTIFY_QUEUE_H
#define NOTIFY_QUEUE_H
#include "cab_status.h"
#include "render.h"
#include <libpq-fe.h>
#include <stdbool.h>
#include <stdint.h>

//  A meeting as the e-mails' iCalendar part describes it.
typedef struct {
    const char *id;
    const char *title;
    const char *room;
    int64_t start, end;
    int sequence;  //  iTIP SEQUENCE
    bool cancelled;
    const char *organizer_id;  //  the organiser (ORGANIZER)
} notify_calendar_t;

typedef struct {
    const char *kind;          //  one of the kinds (kinds.h)
    const char *cause;         //  what caused it, unique per notice: an event id, a job's key
    const char *meeting_id;    //  may be NULL
    const char *poll_id;       //  may be NULL
    bool urgent;               //  every channel, whatever the person chose
    const notify_var_t *vars;  //  the template's variables ({{recipient}} is added per person)
    size_t n_vars;
    const char *url;                    //  where the subject is in the web UI
    const notify_calendar_t *calendar;  //  when set, e-mails carry it as an iCalendar ...
    const char *calendar_method;        //  ... with this iTIP method: REQUEST or CANCEL
} notify_item_t;

//  Queue item for each of the n people (duplicates and unknown people are
//  passed over) inside the caller's open transaction. *queued (may be NULL)
//  receives the number of notices recorded now (a cause already recorded
//  for a person and channel is not recorded again). Returns CAB_OK or a
//  database status.
cab_status_t notify_queue (PGconn *db, const notify_item_t *item, char *const *user_ids, size_t n,
                           long *queued);

//  Whether a mail server and an SMS gateway are configured.
bool notify_email_on (void);
bool notify_sms_on (void);

#endif
