/*  cab_config - the settings table and its typed getters. Adding a setting
    means adding a row here; README.md's configuration table must list it
    (checked by tests/shared/test_config.c).  */
#include "cab_config.h"
#include "cab_log.h"
#include <assert.h>
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

const cab_config_var_t cab_config_vars[] = {
    {"CABINET_NODE_ID", "demo.node", "this node's id, e.g. binhdinh.stttt (names its Kafka topic)"},
    {"CABINET_DB", "dbname=cabinet", "PostgreSQL connection (libpq keywords or URI)"},
    {"CABINET_KAFKA_BOOTSTRAP", "127.0.0.1:9092", "Kafka bootstrap servers"},
    {"CABINET_RUN_DIR", "var/run", "folder for the node's ipc:// sockets"},
    {"CABINET_IDENTITY_RPC", "", "identity RPC endpoint (default ipc://RUN_DIR/identity.rpc)"},
    {"CABINET_IDENTITY_PUB", "",
     "identity event PUB endpoint (default ipc://RUN_DIR/identity.pub)"},
    {"CABINET_SCHEDULING_RPC", "",
     "scheduling RPC endpoint (default ipc://RUN_DIR/scheduling.rpc)"},
    {"CABINET_SCHEDULING_PUB", "",
     "scheduling event PUB endpoint (default ipc://RUN_DIR/scheduling.pub)"},
    {"CABINET_DOCUMENTS_RPC", "", "documents RPC endpoint (default ipc://RUN_DIR/documents.rpc)"},
    {"CABINET_DOCUMENTS_PUB", "",
     "documents event PUB endpoint (default ipc://RUN_DIR/documents.pub)"},
    {"CABINET_VOTING_RPC", "", "voting RPC endpoint (default ipc://RUN_DIR/voting.rpc)"},
    {"CABINET_VOTING_PUB", "", "voting event PUB endpoint (default ipc://RUN_DIR/voting.pub)"},
    {"CABINET_NOTIFICATIONS_RPC", "",
     "notifications RPC endpoint (default ipc://RUN_DIR/notifications.rpc)"},
    {"CABINET_NOTIFICATIONS_PUB", "",
     "notifications event PUB endpoint (default ipc://RUN_DIR/notifications.pub)"},
    {"CABINET_POLL_SWEEP_SECONDS", "30",
     "voting: how often polls past their deadline are closed and reminders sent (readers see a "
     "poll closed at its deadline at once)"},
    {"CABINET_POLL_REMIND_HOURS", "24",
     "voting: poll.due_soon names who has not answered this long before a poll's deadline (0: "
     "never)"},
    {"CABINET_WORKERS", "4", "worker threads per service"},
    {"CABINET_RPC_TIMEOUT_MS", "5000", "gateway -> service call timeout"},
    {"CABINET_LOG_LEVEL", "info", "debug, info, warn or error"},
    {"CABINET_HTTP_ADDR", "127.0.0.1", "gateway listen address"},
    {"CABINET_HTTP_PORT", "8080", "gateway listen port"},
    {"CABINET_HTTP_THREADS", "16", "gateway threads waiting for the services"},
    {"CABINET_SESSION_CACHE_MS", "5000",
     "gateway: reuse a session check this long at most (0: ask identity every time)"},
    {"CABINET_ANSWER_CACHE_MS", "2000",
     "gateway: reuse a calendar answer this long at most (0: never)"},
    {"CABINET_CACHE_ENTRIES", "20000", "gateway: entries of each cache (sessions, answers)"},
    {"CABINET_SSE_REPLAY", "1000",
     "gateway: events kept per meeting for live streams that reconnect (Last-Event-ID)"},
    {"CABINET_SSE_MAX_STREAMS", "10000", "gateway: live streams open at once (beyond: 503)"},
    {"CABINET_SSE_MAX_PER_USER", "20", "gateway: live streams of one person (beyond: 429)"},
    {"CABINET_SSE_PING_SECONDS", "15", "gateway: a comment line on a live stream idle this long"},
    {"CABINET_SSE_MAX_MINUTES", "60",
     "gateway: a live stream ends after this long, the client reconnects and is checked again "
     "(0: never)"},
    {"CABINET_WEB_DIR", "gateway/web", "static web UI folder served at /"},
    {"CABINET_MAX_BODY_BYTES", "1048576", "largest JSON request body accepted"},
    {"CABINET_COOKIE_SECURE", "0", "mark session cookies Secure (set 1 behind HTTPS)"},
    {"CABINET_SESSION_HOURS", "12", "session lifetime"},
    {"CABINET_PASSWORD_MAX_AGE_DAYS", "90", "maximum password age before a forced change (R1.3)"},
    {"CABINET_PASSWORD_MIN_LENGTH", "10", "minimum password length"},
    {"CABINET_LOCKOUT_THRESHOLD", "5", "failed sign-ins that lock an account name"},
    {"CABINET_LOCKOUT_MINUTES", "15", "how long the lock lasts"},
    {"CABINET_LDAP_URI", "",
     "LDAP directory for sign-in, e.g. ldap://ldap.tinh.gov.vn (empty: off)"},
    {"CABINET_LDAP_BASE_DN", "", "where users are searched"},
    {"CABINET_LDAP_BIND_DN", "", "service account for the search (empty: anonymous)"},
    {"CABINET_LDAP_BIND_PASSWORD", "", "its password"},
    {"CABINET_LDAP_DEFAULT_UNIT", "",
     "agency (id or name) of directory users whose ou matches none"},
    {"CABINET_LDAP_TIMEOUT_MS", "3000", "LDAP network timeout"},
    {"CABINET_NOTICE_LEAD_HOURS_REGULAR", "72",
     "invitations out (meeting approved) at least this long before a regular meeting (R3.4)"},
    {"CABINET_NOTICE_LEAD_HOURS_URGENT", "24", "the same for an urgent meeting"},
    {"CABINET_NOTICE_LEAD_HOURS_EMERGENCY", "0", "the same for an emergency meeting"},
    {"CABINET_REPLY_LEAD_HOURS_REGULAR", "24",
     "invitees reply at least this long before a regular meeting (R4.1)"},
    {"CABINET_REPLY_LEAD_HOURS_URGENT", "5", "the same for an urgent meeting"},
    {"CABINET_REPLY_LEAD_HOURS_EMERGENCY", "0", "the same for an emergency meeting"},
    {"CABINET_DOCUMENTS_LEAD_HOURS_REGULAR", "72",
     "documents submitted at least this long before a regular meeting (R3.4)"},
    {"CABINET_DOCUMENTS_LEAD_HOURS_URGENT", "24", "the same for an urgent meeting"},
    {"CABINET_DOCUMENTS_LEAD_HOURS_EMERGENCY", "0", "the same for an emergency meeting"},
    {"CABINET_SUPPORT_LEAD_HOURS", "24",
     "support (device, account) asked for at least this long before a meeting (R4.3)"},
    {"CABINET_PUBLIC_URL", "http://localhost:8080",
     "the web address people open: links in notices and the calendar feed's address"},
    {"CABINET_SMTP_URL", "",
     "notifications: mail server, smtp://host:587 or smtps://host:465 (empty: no e-mail)"},
    {"CABINET_SMTP_TLS", "try",
     "notifications: STARTTLS none, try (when offered) or starttls (required)"},
    {"CABINET_SMTP_USER", "", "notifications: mail server account (empty: no AUTH)"},
    {"CABINET_SMTP_PASSWORD", "", "its password"},
    {"CABINET_SMTP_CA_FILE", "",
     "notifications: CA certificates for the mail server (empty: the system's)"},
    {"CABINET_SMTP_INSECURE", "0",
     "notifications: 1 skips checking the mail server's certificate (tests)"},
    {"CABINET_MAIL_FROM", "hop@localhost", "notifications: the sender address of every mail"},
    {"CABINET_MAIL_FROM_NAME", "Phòng họp không giấy", "notifications: the sender's display name"},
    {"CABINET_SMS_URL", "",
     "notifications: the SMS gateway's HTTP address, POSTed once per message part (empty: no SMS)"},
    {"CABINET_SMS_USER", "", "notifications: SMS gateway account (HTTP basic auth; empty: none)"},
    {"CABINET_SMS_PASSWORD", "", "its password"},
    {"CABINET_SMS_HEADER", "",
     "notifications: one more request header, e.g. 'Authorization: Bearer …'"},
    {"CABINET_SMS_BODY", "{\"to\":\"{{phone}}\",\"text\":\"{{text}}\",\"ref\":\"{{id}}\"}",
     "notifications: the request body; {{phone}}, {{text}} and {{id}} are filled in"},
    {"CABINET_SMS_CONTENT_TYPE", "application/json",
     "notifications: application/json or application/x-www-form-urlencoded (how values are "
     "escaped)"},
    {"CABINET_SMS_ASCII", "1", "notifications: 1 sends Vietnamese without diacritics"},
    {"CABINET_SMS_MAX_CHARS", "160", "notifications: characters per SMS; longer texts are split"},
    {"CABINET_SEND_TIMEOUT_MS", "10000",
     "notifications: one mail or SMS request at most this long"},
    {"CABINET_SEND_RETRY_SECONDS", "5",
     "notifications: first wait before a failed mail or SMS is tried again (doubles each time)"},
    {"CABINET_SEND_ATTEMPTS", "8", "notifications: tries per notice before it is given up"},
    {"CABINET_REMINDER_MINUTES", "1440,60",
     "notifications: reminders this many minutes before each meeting (comma-separated)"},
    {"CABINET_DIGEST_HOUR", "7",
     "notifications: hour of the day the agency clerks' digest goes out"},
    {"CABINET_CLOCK_OFFSET_SECONDS", "0",
     "notifications: seconds added to the clock for reminders and alerts (drills and tests)"},
    {"CABINET_DATA_DIR", "var/data",
     "stored documents (objects/, by SHA-256) and uploads in progress (tmp/)"},
    {"CABINET_UPLOAD_MAX_MB", "100", "largest document accepted, in MiB (documents and gateway)"},
    {"CABINET_RECORDING_MAX_MB", "2048",
     "largest meeting recording (audio) accepted, in MiB (documents and gateway)"},
    {"CABINET_ACCEPTED_TYPES", "pdf,docx,xlsx,doc,xls,pptx,jpg,png",
     "document types accepted, as recognised from the content (not the name)"},
    {"CABINET_SECRET_UPLOADS", "allow", "allow or forbid uploading secret (MẬT) documents (R5.2)"},
    {"CABINET_TRUST_ANCHORS", "",
     "PEM file of CAs trusted for PDF signatures (empty: integrity only, untrusted)"},
    {"CABINET_RETENTION_MONTHS", "6",
     "documents are kept at least this many months after their meeting (R5.6; at least 6)"},
    {"CABINET_BOOTSTRAP_ADMIN_PASSWORD", "",
     "if set and no system admin exists, create 'admin' with it"},
    {"CABINET_DEMO_PASSWORD", "demo-Cabinet-2026", "password of the demo accounts (make run)"},
    {NULL, NULL, NULL},
};

static const cab_config_var_t *
s_find (const char *name)
{
    for (const cab_config_var_t *v = cab_config_vars; v->name; v++)
        if (strcmp (v->name, name) == 0)
            return v;
    return NULL;
}

const char *
cab_config_str (const char *name)
{
    const cab_config_var_t *var = s_find (name);
    assert (var && "setting not registered in cab_config_vars");
    const char *value = getenv (name);
    return value && *value ? value : var->fallback;
}

long
cab_config_long (const char *name, long min, long max)
{
    const cab_config_var_t *var = s_find (name);
    assert (var);
    const char *text = cab_config_str (name);
    char *end = NULL;
    errno = 0;
    long value = strtol (text, &end, 10);
    if (errno || end == text || *end || value < min || value > max) {
        cab_warn ("%s=%s is not a whole number in [%ld, %ld]; using %s", name, text, min, max,
                  var->fallback);
        value = strtol (var->fallback, NULL, 10);
    }
    return value;
}

bool
cab_config_bool (const char *name)
{
    const char *text = cab_config_str (name);
    return strcmp (text, "1") == 0 || strcasecmp (text, "true") == 0
           || strcasecmp (text, "yes") == 0 || strcasecmp (text, "on") == 0;
}

char *
cab_config_endpoint (const char *service, const char *kind)
{
    char name[96];
    snprintf (name, sizeof name, "CABINET_%s_%s", service, kind);
    for (char *c = name; *c; c++)
        *c = (char) toupper ((unsigned char) *c);
    const cab_config_var_t *var = s_find (name);
    const char *value = var ? cab_config_str (name) : "";
    char *endpoint = NULL;
    if (*value)
        endpoint = strdup (value);
    else if (asprintf (&endpoint, "ipc://%s/%s.%s", cab_config_str ("CABINET_RUN_DIR"), service,
                       kind)
             < 0)
        endpoint = NULL;
    return endpoint;
}

char *
cab_config_events_topic (const char *node_id)
{
    char *topic = NULL;
    if (asprintf (&topic, "cabinet.%s.events", node_id) < 0)
        return NULL;
    return topic;
}

void
cab_config_print (FILE *out)
{
    fprintf (out, "Settings (environment variables):\n");
    for (const cab_config_var_t *v = cab_config_vars; v->name; v++)
        fprintf (out, "  %-34s %-20s %s\n", v->name, *v->fallback ? v->fallback : "(empty)",
                 v->help);
}
