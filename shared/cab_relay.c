/*  cab_relay - outbox rows -> audit chain -> Kafka (confirmed) -> ZeroMQ PUB.

    The relay is the outbox's only chainer. One cycle: chain the rows that
    have committed since the last cycle (cab_chain_rows: each, lowest id
    first, gets the next place in the audit chain, seq, and its hash) and
    COMMIT, so a row's place is on disk before anyone sees it; read up to
    BATCH chained, unsent rows in seq order (rows from earlier cycles whose
    delivery failed come first); produce them all; flush, which waits for
    every delivery report; move the mark (outbox_sent: every row up to it
    is confirmed) to the end of the run of rows Kafka confirmed from the
    first on; then publish that run on PUB. A row whose delivery failed
    holds the mark back: it, and the rows after it, are sent again after a
    back-off, with the same seq, so nothing is skipped and nothing is marked
    sent that Kafka does not have (at-least-once: a crash between delivery
    and the mark sends a row twice; consumers dedupe by event id). The mark
    is committed without waiting for the disk: a mark lost in a crash only
    means such a repeat. (One mark, not a stamp per row: see
    shared/sql/006_outbox_sent_mark.sql.)

    Several processes of one service (replicas) each run a relay; one at a
    time works, holding the session lock '<schema>.outbox_relay', so the
    chain has one writer and the events go out in its order. The others
    try again at every wake-up and take over when its connection ends.

    Between cycles the relay sleeps on the connection's socket. Writers do
    not NOTIFY on every append (PostgreSQL serialises the commits of
    notifying transactions): the relay, finding nothing to do, first
    "rests" - takes the session lock '<schema>.outbox_rest', which it can
    only get while no writer is between its append and the end of its
    transaction - then looks once more, and sleeps only if that look finds
    nothing. While it rests, outbox_append notifies (see
    shared/sql/003_outbox_chain.sql); once it has work again it lets the
    lock go. While writers are in flight it cannot rest and looks again
    after BURST_LINGER_MS, as it does after every cycle of a burst. A poll
    timeout is the fallback.  */
#include "cab_relay.h"
#include "cab_chain.h"
#include "cab_config.h"
#include "cab_db.h"
#include "cab_kafka.h"
#include "cab_log.h"
#include "cabinet/v1/event.pb-c.h"
#include <librdkafka/rdkafka.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

#define BATCH 100
#define DELIVERY_MS 10000    //  default message.timeout.ms
#define FLUSH_GRACE_MS 2000  //  flush waits this much longer than delivery
#define IDLE_POLL_MS 1000    //  fallback wake-up without NOTIFY
#define STOP_CHECK_MS 200
#define BACKOFF_MIN_MS 100
#define BACKOFF_MAX_MS 5000
//  After a cycle that sent fewer rows than a batch, the next waits this
//  long for more: under a burst (a room voting) each cycle then carries
//  tens of events instead of two or three, and its fixed costs (the claim,
//  the flush to Kafka, the mark, a COMMIT) are shared by all of them. A
//  lone event still goes at once: the wait follows a cycle, never an idle
//  spell.
#define BURST_LINGER_MS 10

//  BATCH rows at most per cycle, in both statements.
static const char SQL_CLAIM[] =
    "SELECT seq, event_id, type, subject, topic, msg_key, schema_name, payload,"
    " to_char(created_at, 'YYYY-MM-DD\"T\"HH24:MI:SS.MSTZH:TZM'), coalesce(actor_id, ''),"
    " array_to_string(target_nodes, ','), meeting_id, array_to_string(audience, ',')"
    " FROM outbox WHERE seq > (SELECT seq FROM outbox_sent) ORDER BY seq LIMIT 100";
//  Never back: a mark only moves on.
static const char SQL_MARK_SENT[] =
    "UPDATE outbox_sent SET seq = $1::bigint, at = now() WHERE seq < $1::bigint";
//  The session locks (see the banner); the schema is the connection's.
static const char SQL_LEAD[] =
    "SELECT pg_try_advisory_lock (hashtext (current_schema () || '.outbox_relay'))";
static const char SQL_REST[] =
    "SELECT pg_try_advisory_lock (hashtext (current_schema () || '.outbox_rest'))";
static const char SQL_UNREST[] =
    "SELECT pg_advisory_unlock (hashtext (current_schema () || '.outbox_rest'))";

typedef enum {
    COL_SEQ,
    COL_EVENT_ID,
    COL_TYPE,
    COL_SUBJECT,
    COL_TOPIC,
    COL_KEY,
    COL_SCHEMA,
    COL_PAYLOAD,
    COL_TIME,
    COL_ACTOR,
    COL_TARGETS,
    COL_MEETING,
    COL_AUDIENCE
} column_t;

typedef struct {
    uint8_t *envelope;  //  packed Event
    size_t size;
    char *type;
    atomic_int state;  //  0 in flight, 1 delivered, -1 failed
} row_t;

struct _cab_relay_t {
    char *conninfo, *schema, *service, *node_id, *bootstrap, *pub_endpoint, *events_topic;
    void *zmq_ctx;
    cab_metrics_t *metrics;
    pthread_t thread;
    bool started;
    atomic_int stop;
    PGconn *db;
    rd_kafka_t *producer;
    void *pub;
    int delivery_ms;
    int flush_ms;
    int listen_pid;  //  the server process that LISTENs for this relay (0: none)
    int leader_pid;  //  the server process holding the relay lock for it (0: none)
    int rest_pid;    //  the server process holding the rest lock for it (0: awake)
};

static void
s_on_delivery (rd_kafka_t *rk, const rd_kafka_message_t *message, void *opaque)
{
    (void) rk;
    (void) opaque;
    row_t *row = message->_private;
    atomic_store (&row->state, message->err ? -1 : 1);
}

static rd_kafka_t *
s_producer_new (cab_relay_t *self)
{
    char errstr[512], timeout[24];
    snprintf (timeout, sizeof timeout, "%d", self->delivery_ms);
    const char *const settings[][2] = {{"bootstrap.servers", self->bootstrap},
                                       {"enable.idempotence", "true"},
                                       {"acks", "all"},
                                       {"linger.ms", "2"},
                                       {"message.timeout.ms", timeout},
                                       {"log_level", "4"}};
    rd_kafka_conf_t *conf = cab_kafka_conf (settings, sizeof settings / sizeof settings[0]);
    if (!conf)
        return NULL;
    rd_kafka_conf_set_dr_msg_cb (conf, s_on_delivery);
    rd_kafka_t *rk = rd_kafka_new (RD_KAFKA_PRODUCER, conf, errstr, sizeof errstr);
    if (!rk) {
        cab_error ("cannot create Kafka producer: %s", errstr);
        rd_kafka_conf_destroy (conf);
    }
    //  On success rd_kafka_new() took ownership of conf.
    return rk;
}

//  Build the envelope of one claimed row. Returns 0 or -1.
static int
s_envelope (cab_relay_t *self, PGresult *res, int i, row_t *row)
{
    Cabinet__V1__Event ev = CABINET__V1__EVENT__INIT;
    ev.id = PQgetvalue (res, i, COL_EVENT_ID);
    ev.type = PQgetvalue (res, i, COL_TYPE);
    ev.source = self->node_id;
    ev.subject = PQgetvalue (res, i, COL_SUBJECT);
    ev.time = PQgetvalue (res, i, COL_TIME);
    ev.has_sequence = true;
    ev.sequence = strtoull (PQgetvalue (res, i, COL_SEQ), NULL, 10);
    ev.schema = (char *) cab_db_value (res, i, COL_SCHEMA);
    ev.actor_id = PQgetvalue (res, i, COL_ACTOR);
    ev.service = self->service;
    char *targets = PQgetvalue (res, i, COL_TARGETS);
    char *target_list[64];
    size_t target_count = 0;
    char *copy = strdup (targets);
    for (char *save = NULL, *t = copy ? strtok_r (copy, ",", &save) : NULL; t && target_count < 64;
         t = strtok_r (NULL, ",", &save))
        target_list[target_count++] = t;
    ev.n_target_nodes = target_count;
    ev.target_nodes = target_list;
    ev.meeting_id = (char *) cab_db_value (res, i, COL_MEETING);
    //  The audience: "a,b,c" split in place of a copy.
    char *audience =
        cab_db_value (res, i, COL_AUDIENCE) ? strdup (PQgetvalue (res, i, COL_AUDIENCE)) : NULL;
    char **audience_list = NULL;
    if (audience && *audience) {
        size_t n = 1;
        for (const char *c = audience; *c; c++)
            n += *c == ',';
        audience_list = calloc (n, sizeof *audience_list);
        for (char *save = NULL, *t = audience_list ? strtok_r (audience, ",", &save) : NULL; t;
             t = strtok_r (NULL, ",", &save))
            audience_list[ev.n_audience++] = t;
        ev.audience = audience_list;
    }
    size_t payload_len = 0;
    unsigned char *payload = NULL;
    if (!PQgetisnull (res, i, COL_PAYLOAD)) {
        payload = PQunescapeBytea ((const unsigned char *) PQgetvalue (res, i, COL_PAYLOAD),
                                   &payload_len);
        if (!payload) {
            free (copy);
            free (audience);
            free (audience_list);
            return -1;
        }
        ev.has_payload = true;
        ev.payload.data = payload;
        ev.payload.len = payload_len;
    }
    row->size = cabinet__v1__event__get_packed_size (&ev);
    row->envelope = malloc (row->size ? row->size : 1);
    row->type = strdup (ev.type);
    if (row->envelope)
        cabinet__v1__event__pack (&ev, row->envelope);
    PQfreemem (payload);
    free (copy);
    free (audience);
    free (audience_list);
    return row->envelope && row->type ? 0 : -1;
}

//  Hand one row to the producer, waiting while its queue is full.
static int
s_produce (cab_relay_t *self, PGresult *res, int i, row_t *row)
{
    const char *topic = cab_db_value (res, i, COL_TOPIC);
    const char *key = PQgetvalue (res, i, COL_KEY);
    bool tombstone = PQgetisnull (res, i, COL_PAYLOAD);
    rd_kafka_headers_t *headers = rd_kafka_headers_new (6);
    rd_kafka_header_add (headers, "ce_specversion", -1, "1.0", -1);
    rd_kafka_header_add (headers, "ce_id", -1, PQgetvalue (res, i, COL_EVENT_ID), -1);
    rd_kafka_header_add (headers, "ce_type", -1, PQgetvalue (res, i, COL_TYPE), -1);
    rd_kafka_header_add (headers, "ce_source", -1, self->node_id, -1);
    rd_kafka_header_add (headers, "ce_time", -1, PQgetvalue (res, i, COL_TIME), -1);
    rd_kafka_header_add (headers, "ce_subject", -1, PQgetvalue (res, i, COL_SUBJECT), -1);
    rd_kafka_header_add (headers, "content-type", -1, "application/protobuf", -1);
    while (true) {
        rd_kafka_resp_err_t err = rd_kafka_producev (
            self->producer, RD_KAFKA_V_TOPIC (topic ? topic : self->events_topic),
            RD_KAFKA_V_KEY (key, strlen (key)),
            RD_KAFKA_V_VALUE (tombstone ? NULL : row->envelope, tombstone ? 0 : row->size),
            RD_KAFKA_V_MSGFLAGS (RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_HEADERS (headers),
            RD_KAFKA_V_OPAQUE (row), RD_KAFKA_V_END);
        if (err == RD_KAFKA_RESP_ERR_NO_ERROR)
            return 0;  //  the message now owns headers
        if (err != RD_KAFKA_RESP_ERR__QUEUE_FULL) {
            cab_error ("cannot produce event: %s", rd_kafka_err2str (err));
            rd_kafka_headers_destroy (headers);
            return -1;
        }
        rd_kafka_poll (self->producer, 100);
    }
}

//  One chain-claim-send-mark cycle. Returns rows claimed (0: idle), or -1
//  when something failed and the caller should back off.
static int
s_cycle (cab_relay_t *self)
{
    //  The chain and its COMMIT, with the claim after it in the same round
    //  trip; the mark and its COMMIT in another. Not prepared: planned each
    //  cycle, for the outbox as it is now (a plan cached while it was small
    //  would scan it all as it grows by thousands of rows between two of
    //  autovacuum's analyses). The claim reads committed rows only, so it
    //  needs no lock: this relay is the schema's only one at work (see
    //  s_lead).
    const cab_db_stmt_t claim[] = {{NULL, "COMMIT", 0, NULL}, {NULL, SQL_CLAIM, 0, NULL}};
    PGresult *claimed[2] = {NULL, NULL};
    if (cab_chain_rows (self->db, BATCH, claim, 2, claimed) < 0) {
        cab_db_rollback (self->db);
        return -1;
    }
    PQclear (claimed[0]);
    PGresult *res = claimed[1];
    if (PQbackendPID (self->db) != self->leader_pid) {
        //  The connection was repaired on the way: a new server process,
        //  without the relay lock. What was chained stays chained; another
        //  relay may be sending it, so this one sends nothing until it
        //  holds the lock again.
        PQclear (res);
        return -1;
    }
    int count = PQntuples (res);
    if (count == 0) {
        PQclear (res);
        return 0;
    }
    row_t *rows = calloc ((size_t) count, sizeof *rows);
    int rc = -1, produced = 0;
    if (!rows)
        goto cleanup;
    for (int i = 0; i < count; i++) {
        atomic_store (&rows[i].state, -1);
        if (s_envelope (self, res, i, &rows[i]) != 0)
            break;
        atomic_store (&rows[i].state, 0);
        if (s_produce (self, res, i, &rows[i]) != 0) {
            atomic_store (&rows[i].state, -1);
            break;
        }
        produced++;
    }
    rd_kafka_flush (self->producer, self->flush_ms);
    //  Reports still missing past the flush: purge, so every row has its
    //  report (failed) before this function frees what the reports point to.
    for (int i = 0; i < produced; i++)
        if (atomic_load (&rows[i].state) == 0) {
            rd_kafka_purge (self->producer, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
            rd_kafka_flush (self->producer, self->flush_ms);
            break;
        }

    //  The run of confirmed rows from the first on: the mark moves to its
    //  last one, and it alone goes out on PUB now (what follows a failed
    //  row goes out with it when it is sent again).
    int delivered = 0;
    while (delivered < produced && atomic_load (&rows[delivered].state) == 1)
        delivered++;
    const char *params[] = {delivered > 0 ? PQgetvalue (res, delivered - 1, COL_SEQ) : NULL};
    const cab_db_stmt_t mark[] = {{NULL, "BEGIN", 0, NULL},
                                  {NULL, "SET LOCAL synchronous_commit = off", 0, NULL},
                                  {NULL, SQL_MARK_SENT, 1, params},
                                  {NULL, "COMMIT", 0, NULL}};
    if (delivered > 0 && cab_db_pipeline (self->db, mark, 4, NULL) != CAB_OK)
        //  Kafka has them but they stay unsent here: sent again later, and
        //  deduplicated by subscribers. Never the other way round.
        goto cleanup;
    for (int i = 0; i < delivered && self->pub; i++) {
        zmq_send (self->pub, rows[i].type, strlen (rows[i].type), ZMQ_SNDMORE);
        zmq_send (self->pub, rows[i].envelope, rows[i].size, 0);
    }
    cab_metrics_add (self->metrics, "cabinet_outbox_published_total", NULL,
                     "Outbox events confirmed by Kafka", delivered);
    if (delivered < count) {
        cab_warn ("%d of %d events not confirmed by Kafka (or after one that was not); they"
                  " stay queued and are retried",
                  count - delivered, count);
        cab_metrics_add (self->metrics, "cabinet_outbox_failed_total", NULL,
                         "Outbox events whose delivery failed (retried later)", count - delivered);
    }
    rc = delivered == count ? count : -1;
cleanup:
    cab_db_rollback (self->db);
    for (int i = 0; rows && i < count; i++) {
        free (rows[i].envelope);
        free (rows[i].type);
    }
    free (rows);
    PQclear (res);
    return rc;
}

//  Sleep until NOTIFY, timeout or stop. Drains pending notifications.
static void
s_wait (cab_relay_t *self, int timeout_ms)
{
    int waited = 0;
    while (!atomic_load (&self->stop) && waited < timeout_ms) {
        struct pollfd pfd = {.fd = PQsocket (self->db), .events = POLLIN};
        int slice = timeout_ms - waited < STOP_CHECK_MS ? timeout_ms - waited : STOP_CHECK_MS;
        int rc = pfd.fd >= 0 ? poll (&pfd, 1, slice) : poll (NULL, 0, slice);
        waited += slice;
        if (rc > 0) {
            PQconsumeInput (self->db);
            PGnotify *note;
            bool woken = false;
            while ((note = PQnotifies (self->db))) {
                PQfreemem (note);
                woken = true;
            }
            if (woken || PQstatus (self->db) != CONNECTION_OK)
                return;
        }
    }
}

//  The relay's session, after every (re)connection: LISTEN for the
//  writers' wake-up, and claims by index scan only. Every row chained or
//  sent leaves a dead entry in the partial indexes of unchained and unsent
//  rows until vacuum; an index scan marks each one dead the first time it
//  meets it and skips it ever after, where the bitmap scan the planner
//  otherwise picks once it has seen thousands of them reads them all again
//  on every claim (2 ms per claim after a few thousand ballots, against
//  0.06 ms). A new server process holds none of the session's locks.
static int
s_listen (cab_relay_t *self)
{
    char sql[128];
    //  The schema name is one of ours (checked by cab_db_migrate): no quoting.
    snprintf (sql, sizeof sql, "LISTEN cab_outbox_%s", self->schema);
    if (cab_db_exec (self->db, "SET enable_bitmapscan = off", 0, NULL, NULL) != CAB_OK
        || cab_db_exec (self->db, sql, 0, NULL, NULL) != CAB_OK)
        return -1;
    self->listen_pid = PQbackendPID (self->db);
    self->leader_pid = 0;
    self->rest_pid = 0;
    return 0;
}

//  Run a one-boolean statement (a lock function). Returns its value; false
//  when it failed (logged).
static bool
s_lock_call (cab_relay_t *self, const char *sql)
{
    PGresult *res = NULL;
    if (cab_db_exec (self->db, sql, 0, NULL, &res) != CAB_OK)
        return false;
    bool value = cab_db_bool (res, 0, 0);
    PQclear (res);
    return value;
}

//  true if this relay is the schema's working one: it holds the relay lock,
//  or takes it now (the one that held it stopped, or lost its connection).
static bool
s_lead (cab_relay_t *self)
{
    int pid = PQbackendPID (self->db);
    if (self->leader_pid == pid)
        return true;
    if (!s_lock_call (self, SQL_LEAD))
        return false;
    self->leader_pid = pid;
    cab_info ("outbox relay for %s: publishing", self->schema);
    return true;
}

//  Rest: take the rest lock, from now on writers NOTIFY. false while a
//  writer is between its append and its transaction's end (or on failure).
static bool
s_rest (cab_relay_t *self)
{
    if (!s_lock_call (self, SQL_REST))
        return false;
    self->rest_pid = PQbackendPID (self->db);
    return true;
}

//  Stop resting: let the rest lock go, writers stop notifying.
static void
s_wake (cab_relay_t *self)
{
    if (PQstatus (self->db) == CONNECTION_OK && self->rest_pid == PQbackendPID (self->db))
        s_lock_call (self, SQL_UNREST);
    self->rest_pid = 0;
}

static void *
s_relay_main (void *arg)
{
    cab_relay_t *self = arg;
    int backoff = BACKOFF_MIN_MS;
    bool listening = false;
    while (!atomic_load (&self->stop)) {
        if (!self->db || PQstatus (self->db) != CONNECTION_OK) {
            if (self->db)
                PQreset (self->db);
            else {
                char app[64];
                snprintf (app, sizeof app, "cabinet-%s-relay", self->service);
                self->db = cab_db_connect (self->conninfo, self->schema, app);
            }
            listening = false;
        }
        //  A connection repaired inside a cycle (the database restarted) is
        //  a new server process, without the LISTEN, the session's settings
        //  and locks: set them up again, or the relay would only poll.
        if (listening && self->db && PQbackendPID (self->db) != self->listen_pid)
            listening = false;
        if (self->db && PQstatus (self->db) == CONNECTION_OK && !listening)
            listening = s_listen (self) == 0;
        if (listening && !s_lead (self)) {
            s_wait (self, IDLE_POLL_MS);  //  another relay of the schema works
            continue;
        }
        if (!self->producer)
            self->producer = s_producer_new (self);
        int rc = listening && self->producer ? s_cycle (self) : -1;
        if (self->producer && rd_kafka_fatal_error (self->producer, NULL, 0)) {
            cab_warn ("Kafka producer hit a fatal error; starting a new one");
            rd_kafka_destroy (self->producer);
            self->producer = NULL;
        }
        if (rc != 0 && self->rest_pid)
            s_wake (self);  //  work to do (or to retry): writers need not wake us
        if (rc > 0) {
            backoff = BACKOFF_MIN_MS;
            if (rc < BATCH)
                poll (NULL, 0, BURST_LINGER_MS);  //  a burst: let the next cycle carry more
            continue;                             //  there may be more
        }
        if (rc == 0) {
            backoff = BACKOFF_MIN_MS;
            if (self->rest_pid == PQbackendPID (self->db))
                s_wait (self, IDLE_POLL_MS);  //  resting: woken by a writer
            else if (!s_rest (self))
                poll (NULL, 0, BURST_LINGER_MS);  //  writers in flight: look again soon
            //  Resting now: one more look, for rows committed before.
            continue;
        }
        if (self->db && PQstatus (self->db) == CONNECTION_OK)
            s_wait (self, backoff);
        else
            poll (NULL, 0, backoff);
        backoff = backoff * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : backoff * 2;
    }
    return NULL;
}

cab_relay_t *
cab_relay_new (const cab_relay_opts_t *opts)
{
    cab_relay_t *self = calloc (1, sizeof *self);
    if (!self)
        return NULL;
    self->conninfo = strdup (opts->conninfo);
    self->schema = strdup (opts->schema);
    self->service = strdup (opts->service);
    self->node_id = strdup (opts->node_id);
    self->bootstrap = strdup (opts->bootstrap);
    self->pub_endpoint = opts->pub_endpoint ? strdup (opts->pub_endpoint) : NULL;
    self->events_topic = cab_config_events_topic (opts->node_id);
    self->zmq_ctx = opts->zmq_ctx;
    self->metrics = opts->metrics;
    self->delivery_ms = opts->delivery_timeout_ms > 0 ? opts->delivery_timeout_ms : DELIVERY_MS;
    self->flush_ms = self->delivery_ms + FLUSH_GRACE_MS;
    if (!self->conninfo || !self->schema || !self->service || !self->node_id || !self->bootstrap
        || !self->events_topic || (opts->pub_endpoint && !self->pub_endpoint))
        goto fail;
    if (self->pub_endpoint) {
        //  Bound here, used only by the relay thread from now on.
        self->pub = zmq_socket (self->zmq_ctx, ZMQ_PUB);
        int linger = 0;
        zmq_setsockopt (self->pub, ZMQ_LINGER, &linger, sizeof linger);
        if (!self->pub || zmq_bind (self->pub, self->pub_endpoint) != 0) {
            cab_error ("cannot bind %s: %s", self->pub_endpoint, zmq_strerror (zmq_errno ()));
            goto fail;
        }
    }
    if (pthread_create (&self->thread, NULL, s_relay_main, self) != 0)
        goto fail;
    self->started = true;
    cab_info ("outbox relay for %s -> %s", self->schema, self->events_topic);
    return self;
fail:
    cab_relay_destroy (&self);
    return NULL;
}

void
cab_relay_destroy (cab_relay_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    cab_relay_t *self = *self_p;
    atomic_store (&self->stop, 1);
    if (self->started)
        pthread_join (self->thread, NULL);
    if (self->producer) {
        rd_kafka_flush (self->producer, self->flush_ms);
        rd_kafka_destroy (self->producer);
    }
    if (self->pub)
        zmq_close (self->pub);
    PQfinish (self->db);
    free (self->conninfo);
    free (self->schema);
    free (self->service);
    free (self->node_id);
    free (self->bootstrap);
    free (self->pub_endpoint);
    free (self->events_topic);
    free (self);
    *self_p = NULL;
}
