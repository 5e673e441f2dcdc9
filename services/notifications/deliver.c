/*  deliver - sending e-mail and SMS notices, with retries.  */
#include "deliver.h"
#include "cab_config.h"
#include "cab_db.h"
#include "cab_log.h"
#include "cab_outbox.h"
#include "cab_rpc.h"
#include "cab_service.h"
#include "cabinet/v1/identity.pb-c.h"
#include "cabinet/v1/notifications.pb-c.h"
#include "mail.h"
#include "sms.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define BATCH "50"
#define RUN_BUDGET_S 20  //  a run ends after this long, so a stop is not kept waiting
#define BACKOFF_MAX_S 3600
#define TIMEOUT_MAX_MS 300000
#define ATTEMPTS_MAX 100
#define RETRY_MAX_S 3600
#define ERROR_MAX 300

static const char SQL_CLAIM[] =
    "WITH due AS ("
    "  SELECT id FROM notices"
    "   WHERE channel = $1 AND state IN ('queued', 'failed') AND next_attempt_at <= now ()"
    "   ORDER BY next_attempt_at, id LIMIT " BATCH " FOR UPDATE SKIP LOCKED),"
    " claimed AS ("
    "  UPDATE notices n SET state = 'sending', attempts = n.attempts + 1 FROM due"
    "   WHERE n.id = due.id RETURNING n.*)"
    " SELECT c.id, c.address, c.title, c.body, c.text_body, c.html_body, c.ics, c.ics_method,"
    "        c.attempts, coalesce (u.full_name, ''), c.user_id, c.kind"
    "   FROM claimed c LEFT JOIN users u ON u.id = c.user_id ORDER BY c.id";
enum {
    C_ID,
    C_ADDRESS,
    C_TITLE,
    C_BODY,
    C_TEXT,
    C_HTML,
    C_ICS,
    C_METHOD,
    C_ATTEMPTS,
    C_NAME,
    C_USER,
    C_KIND
};

static const char SQL_SENT[] =
    "UPDATE notices SET state = 'sent', sent_at = now (), last_error = NULL WHERE id = $1";

static const char SQL_FAILED[] =
    "UPDATE notices SET state = 'failed', last_error = $2,"
    "   next_attempt_at = now () + make_interval (secs => $3::float8) WHERE id = $1";

static const char SQL_GIVEN_UP[] =
    "UPDATE notices SET state = 'given_up', last_error = $2 WHERE id = $1";

static const char SQL_RECOVER[] = "UPDATE notices SET state = 'queued' WHERE state = 'sending'";

int
notify_deliver_recover (PGconn *db)
{
    PGresult *res = PQexec (db, SQL_RECOVER);
    int rc = PQresultStatus (res) == PGRES_COMMAND_OK ? 0 : -1;
    if (rc == 0 && atoi (PQcmdTuples (res)) > 0)
        cab_info ("notifications: %s notices left sending at the last stop queued again",
                  PQcmdTuples (res));
    PQclear (res);
    return rc;
}

//  Seconds before try number attempts + 1: the first step doubled per try.
static long
s_backoff (long attempts)
{
    long delay = cab_config_long ("CABINET_SEND_RETRY_SECONDS", 1, RETRY_MAX_S);
    for (long i = 1; i < attempts && delay < BACKOFF_MAX_S; i++)
        delay *= 2;
    return delay < BACKOFF_MAX_S ? delay : BACKOFF_MAX_S;
}

//  Record the outcome of one send in its own transaction; a notice given
//  up is announced (notification.given_up) for the operators.
static void
s_record (PGconn *db, const char *channel, const PGresult *res, int row, int rc, const char *err,
          bool permanent)
{
    const char *id = PQgetvalue (res, row, C_ID);
    long attempts = cab_db_long (res, row, C_ATTEMPTS);
    long max = cab_config_long ("CABINET_SEND_ATTEMPTS", 1, ATTEMPTS_MAX);
    cab_status_t status = cab_db_begin (db);
    if (rc == 0) {
        const char *params[] = {id};
        if (status == CAB_OK)
            status = cab_db_command (db, SQL_SENT, 1, params);
    } else if (permanent || attempts >= max) {
        const char *params[] = {id, err};
        if (status == CAB_OK)
            status = cab_db_command (db, SQL_GIVEN_UP, 2, params);
        Cabinet__V1__Notice notice = CABINET__V1__NOTICE__INIT;
        notice.id = (char *) id;
        notice.user_id = (char *) PQgetvalue (res, row, C_USER);
        notice.kind = (char *) PQgetvalue (res, row, C_KIND);
        notice.channel = (char *) channel;
        notice.state = "given_up";
        notice.last_error = (char *) err;
        notice.has_attempts = true;
        notice.attempts = (int32_t) attempts;
        Cabinet__V1__NoticeFailedEvent payload = CABINET__V1__NOTICE_FAILED_EVENT__INIT;
        payload.notice = &notice;
        cab_event_t ev = {.type = "notification.given_up", .subject = id, .payload = &payload.base};
        if (status == CAB_OK)
            status = cab_outbox_emit (db, &ev);
        cab_warn ("notifications: notice %s given up after %ld tries: %s", id, attempts, err);
    } else {
        char delay[24];
        snprintf (delay, sizeof delay, "%ld", s_backoff (attempts));
        const char *params[] = {id, err, delay};
        if (status == CAB_OK)
            status = cab_db_command (db, SQL_FAILED, 3, params);
    }
    if (cab_db_end (db, status) != CAB_OK)
        cab_error ("notifications: could not record the outcome of notice %s", id);
}

typedef int (*s_send_fn) (void *sender, const PGresult *res, int row, char *err, size_t cap,
                          bool *permanent);
//  Before a claimed batch is sent (may be NULL): what the sends need.
typedef void (*s_batch_fn) (void *sender, const PGresult *res);

//  Claim and send until nothing is due or the run's time is up.
static int
s_run (PGconn *db, const char *channel, void *sender, s_batch_fn batch, s_send_fn send)
{
    time_t until = time (NULL) + RUN_BUDGET_S;
    long sent = 0, failed = 0;
    while (time (NULL) < until) {
        const char *params[] = {channel};
        PGresult *res = PQexecParams (db, SQL_CLAIM, 1, NULL, params, NULL, NULL, 0);
        if (PQresultStatus (res) != PGRES_TUPLES_OK) {
            cab_error ("notifications: claiming %s notices: %s", channel,
                       PQresultErrorMessage (res));
            PQclear (res);
            return -1;
        }
        int rows = PQntuples (res);
        if (batch && rows > 0)
            batch (sender, res);
        for (int row = 0; row < rows; row++) {
            char err[ERROR_MAX] = "";
            bool permanent = false;
            int rc = send (sender, res, row, err, sizeof err, &permanent);
            s_record (db, channel, res, row, rc, err, permanent);
            if (rc == 0)
                sent++;
            else
                failed++;
        }
        PQclear (res);
        if (rows == 0)
            break;
    }
    if (sent || failed)
        cab_info ("notifications: %s: %ld sent, %ld failed", channel, sent, failed);
    return 0;
}

/* ---- e-mail ------------------------------------------------------------------------------ */

static const char *
s_opt (const PGresult *res, int row, int col)
{
    return PQgetisnull (res, row, col) ? NULL : PQgetvalue (res, row, col);
}

static int
s_send_mail (void *sender, const PGresult *res, int row, char *err, size_t cap, bool *permanent)
{
    char message_id[160];
    snprintf (message_id, sizeof message_id, "<%s@%s>", PQgetvalue (res, row, C_ID),
              cab_config_str ("CABINET_NODE_ID"));
    const char *name = PQgetvalue (res, row, C_NAME);
    notify_mail_t mail = {.to_address = PQgetvalue (res, row, C_ADDRESS),
                          .to_name = *name ? name : NULL,
                          .subject = PQgetvalue (res, row, C_TITLE),
                          .text = s_opt (res, row, C_TEXT) ? s_opt (res, row, C_TEXT)
                                                           : PQgetvalue (res, row, C_BODY),
                          .html = s_opt (res, row, C_HTML),
                          .ics = s_opt (res, row, C_ICS),
                          .ics_method = s_opt (res, row, C_METHOD),
                          .message_id = message_id};
    return notify_mailer_send (sender, &mail, err, cap, permanent);
}

int
notify_deliver_email (PGconn *db, void *arg)
{
    (void) arg;
    const char *url = cab_config_str ("CABINET_SMTP_URL");
    if (!*url)
        return 0;
    notify_mail_config_t cfg = {
        .url = url,
        .tls = cab_config_str ("CABINET_SMTP_TLS"),
        .user = cab_config_str ("CABINET_SMTP_USER"),
        .password = cab_config_str ("CABINET_SMTP_PASSWORD"),
        .from_address = cab_config_str ("CABINET_MAIL_FROM"),
        .from_name = cab_config_str ("CABINET_MAIL_FROM_NAME"),
        .ca_file = *cab_config_str ("CABINET_SMTP_CA_FILE")
                       ? cab_config_str ("CABINET_SMTP_CA_FILE")
                       : NULL,
        .insecure = cab_config_bool ("CABINET_SMTP_INSECURE"),
        .timeout_ms = cab_config_long ("CABINET_SEND_TIMEOUT_MS", 100, TIMEOUT_MAX_MS)};
    notify_mailer_t *mailer = notify_mailer_new (&cfg);
    if (!mailer)
        return -1;
    int rc = s_run (db, "email", mailer, NULL, s_send_mail);
    notify_mailer_destroy (&mailer);
    return rc;
}

/* ---- SMS ------------------------------------------------------------------------------------ */

//  Phone numbers never travel in events: the lane asks identity for the
//  batch's (identity.GetContacts), so a number changed a minute ago is
//  the one used.
typedef struct {
    notify_sms_t *sms;
    cab_rpc_client_t *identity;
    Cabinet__V1__ContactList *contacts;  //  of the current batch, or NULL
    char why[ERROR_MAX];                 //  when the contacts could not be read
} s_sms_lane_t;

static void
s_sms_batch (void *sender, const PGresult *res)
{
    s_sms_lane_t *self = sender;
    if (self->contacts)
        cabinet__v1__contact_list__free_unpacked (self->contacts, NULL);
    self->contacts = NULL;
    int rows = PQntuples (res);
    char **ids = calloc ((size_t) rows, sizeof *ids);
    if (!ids)
        return;
    for (int i = 0; i < rows; i++)
        ids[i] = PQgetvalue (res, i, C_USER);
    Cabinet__V1__ContactsRequest req = CABINET__V1__CONTACTS_REQUEST__INIT;
    req.user_ids = ids;
    req.n_user_ids = (size_t) rows;
    cab_call_opts_t opts = {.idempotent = true};
    cab_rpc_result_t result;
    ProtobufCMessage *answer = NULL;
    if (cab_rpc_call (self->identity, "identity.GetContacts", &req.base,
                      &cabinet__v1__contact_list__descriptor, NULL, &answer, &opts, &result)
        == CAB_OK)
        self->contacts = (Cabinet__V1__ContactList *) answer;
    else
        snprintf (self->why, sizeof self->why,
                  "Không đọc được số điện thoại từ dịch vụ định danh: %.150s", result.message);
    free (ids);
}

static int
s_send_sms (void *sender, const PGresult *res, int row, char *err, size_t cap, bool *permanent)
{
    s_sms_lane_t *self = sender;
    const char *user = PQgetvalue (res, row, C_USER);
    if (!self->contacts) {
        snprintf (err, cap, "%s", self->why);
        return -1;  //  identity unreachable: tried again later
    }
    const Cabinet__V1__Contact *contact = NULL;
    for (size_t i = 0; i < self->contacts->n_items; i++)
        if (strcmp (self->contacts->items[i]->user_id, user) == 0)
            contact = self->contacts->items[i];
    if (!contact || !contact->phone || !*contact->phone
        || (contact->has_active && !contact->active)) {
        snprintf (err, cap, "Người nhận không có số điện thoại");
        *permanent = true;
        return -1;
    }
    return notify_sms_send (self->sms, contact->phone, PQgetvalue (res, row, C_BODY),
                            PQgetvalue (res, row, C_ID), err, cap, permanent);
}

int
notify_deliver_sms (PGconn *db, void *arg)
{
    const cab_service_env_t *env = arg;
    const char *url = cab_config_str ("CABINET_SMS_URL");
    if (!*url)
        return 0;
    notify_sms_config_t cfg = {
        .url = url,
        .user = cab_config_str ("CABINET_SMS_USER"),
        .password = cab_config_str ("CABINET_SMS_PASSWORD"),
        .header = cab_config_str ("CABINET_SMS_HEADER"),
        .body_template = cab_config_str ("CABINET_SMS_BODY"),
        .content_type = cab_config_str ("CABINET_SMS_CONTENT_TYPE"),
        .ascii = cab_config_bool ("CABINET_SMS_ASCII"),
        .max_chars = (int) cab_config_long ("CABINET_SMS_MAX_CHARS", 20, 1000),
        .timeout_ms = cab_config_long ("CABINET_SEND_TIMEOUT_MS", 100, TIMEOUT_MAX_MS)};
    s_sms_lane_t lane = {.sms = notify_sms_new (&cfg)};
    char *endpoint = cab_config_endpoint ("identity", "rpc");
    if (endpoint)
        lane.identity = cab_rpc_client_new (
            env->zmq_ctx, endpoint, (int) cab_config_long ("CABINET_RPC_TIMEOUT_MS", 1, 600000));
    free (endpoint);
    int rc = lane.sms && lane.identity ? s_run (db, "sms", &lane, s_sms_batch, s_send_sms) : -1;
    if (lane.contacts)
        cabinet__v1__contact_list__free_unpacked (lane.contacts, NULL);
    cab_rpc_client_destroy (&lane.identity);
    notify_sms_destroy (&lane.sms);
    return rc;
}
