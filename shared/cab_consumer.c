/*  cab_consumer - Kafka -> handler, deduplicated through the inbox table.

    Per message: BEGIN; INSERT the event id into inbox (ON CONFLICT DO
    NOTHING); if it was new, run the handler; COMMIT; then store the offset,
    which librdkafka commits to the broker every OFFSET_COMMIT_MS (and when
    the consumer closes): one request a second rather than one per message,
    which under a storm of events cost the broker more than the events. A
    crash after COMMIT but before the offset's commit redelivers the
    messages since the last one and the inbox turns them away. A handler failure is retried on the
   same message (with back-off), so one partition's order is kept.  */
#include "cab_consumer.h"
#include "cab_db.h"
#include "cab_kafka.h"
#include "cab_log.h"
#include <librdkafka/rdkafka.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define POLL_MS 250
#define BACKOFF_MIN_MS 100
#define BACKOFF_MAX_MS 5000
#define MAX_TOPICS 16
#define MAX_TYPES 32
#define OFFSET_COMMIT_MS "1000"  //  how often stored offsets go to the broker

static const char SQL_INBOX[] =
    "INSERT INTO inbox (event_id, topic) VALUES ($1, $2) ON CONFLICT DO NOTHING RETURNING 1";

struct _cab_consumer_t {
    char *conninfo, *schema, *group_id;
    char *topics[MAX_TOPICS];
    int topic_count;
    char *types[MAX_TYPES];  //  what the handler applies; none: everything
    int type_count;
    cab_consume_fn handler;
    void *arg;
    cab_metrics_t *metrics;
    rd_kafka_t *rk;
    PGconn *db;
    pthread_t thread;
    bool started;
    atomic_int stop;
};

//  true if the handler applies events of type (see cab_consumer_opts_t).
static bool
s_wanted (const cab_consumer_t *self, const char *type)
{
    if (self->type_count == 0)
        return true;
    for (int i = 0; type && i < self->type_count; i++) {
        size_t len = strlen (self->types[i]);
        bool prefix = len > 0 && self->types[i][len - 1] == '.';
        if (prefix ? strncmp (type, self->types[i], len) == 0 : strcmp (type, self->types[i]) == 0)
            return true;
    }
    return false;
}

//  Apply one message in one transaction. Returns CAB_OK when it is done
//  with (applied, duplicate or unreadable), another status to retry.
static cab_status_t
s_apply (cab_consumer_t *self, const rd_kafka_message_t *msg)
{
    const char *topic = rd_kafka_topic_name (msg->rkt);
    char key[256] = "";
    if (msg->key && msg->key_len < sizeof key) {
        memcpy (key, msg->key, msg->key_len);
        key[msg->key_len] = '\0';
    }
    Cabinet__V1__Event *ev = NULL;
    if (msg->payload) {
        ev = cabinet__v1__event__unpack (NULL, msg->len, msg->payload);
        if (!ev || !ev->id) {
            //  Retrying cannot fix it; skipping must be visible.
            cab_error ("unreadable event at %s [%d] offset %lld: skipped", topic,
                       (int) msg->partition, (long long) msg->offset);
            cab_metrics_add (self->metrics, "cabinet_consumer_unreadable_total", NULL,
                             "Kafka messages that were not event envelopes", 1);
            if (ev)
                cabinet__v1__event__free_unpacked (ev, NULL);
            return CAB_OK;
        }
        if (!s_wanted (self, ev->type)) {
            cab_metrics_add (self->metrics, "cabinet_consumer_events_total", "result=\"ignored\"",
                             "Kafka events consumed, applied or skipped as duplicates", 1);
            cabinet__v1__event__free_unpacked (ev, NULL);
            return CAB_OK;
        }
    }
    cab_status_t status = cab_db_begin (self->db);
    bool fresh = true;
    if (status == CAB_OK && ev) {
        const char *params[] = {ev->id, topic};
        PGresult *res = NULL;
        status = cab_db_exec (self->db, SQL_INBOX, 2, params, &res);
        fresh = status == CAB_OK && PQntuples (res) == 1;
        PQclear (res);
    }
    if (status == CAB_OK && fresh)
        status = self->handler (self->db, topic, key, ev, self->arg);
    if (status == CAB_OK)
        status = cab_db_commit (self->db);
    if (status != CAB_OK)
        cab_db_rollback (self->db);
    else
        cab_metrics_add (self->metrics, "cabinet_consumer_events_total",
                         fresh ? "result=\"applied\"" : "result=\"duplicate\"",
                         "Kafka events consumed, applied or skipped as duplicates", 1);
    if (ev)
        cabinet__v1__event__free_unpacked (ev, NULL);
    return status;
}

static void *
s_consumer_main (void *arg)
{
    cab_consumer_t *self = arg;
    while (!atomic_load (&self->stop)) {
        rd_kafka_message_t *msg = rd_kafka_consumer_poll (self->rk, POLL_MS);
        if (!msg)
            continue;
        if (msg->err) {
            if (msg->err != RD_KAFKA_RESP_ERR__PARTITION_EOF)
                cab_debug ("consumer: %s", rd_kafka_message_errstr (msg));
            rd_kafka_message_destroy (msg);
            continue;
        }
        int backoff = BACKOFF_MIN_MS;
        while (!atomic_load (&self->stop)) {
            if (!self->db || PQstatus (self->db) != CONNECTION_OK) {
                if (self->db)
                    PQreset (self->db);
                else
                    self->db = cab_db_connect (self->conninfo, self->schema, self->group_id);
            }
            if (self->db && PQstatus (self->db) == CONNECTION_OK && s_apply (self, msg) == CAB_OK) {
                rd_kafka_offset_store (msg->rkt, msg->partition, msg->offset);
                break;
            }
            poll (NULL, 0, backoff);
            backoff = backoff * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : backoff * 2;
        }
        rd_kafka_message_destroy (msg);
    }
    return NULL;
}

uint64_t
cab_event_sequence (const Cabinet__V1__Event *ev)
{
    return ev && ev->has_sequence ? ev->sequence : 0;
}

cab_consumer_t *
cab_consumer_new (const cab_consumer_opts_t *opts)
{
    cab_consumer_t *self = calloc (1, sizeof *self);
    if (!self)
        return NULL;
    self->conninfo = strdup (opts->conninfo);
    self->schema = strdup (opts->schema);
    self->group_id = strdup (opts->group_id);
    self->handler = opts->handler;
    self->arg = opts->arg;
    self->metrics = opts->metrics;
    rd_kafka_topic_partition_list_t *topics = NULL;
    if (!self->conninfo || !self->schema || !self->group_id)
        goto fail;
    for (const char *const *t = opts->types; t && *t && self->type_count < MAX_TYPES; t++)
        if (!(self->types[self->type_count++] = strdup (*t)))
            goto fail;

    char errstr[512];
    const char *const settings[][2] = {{"bootstrap.servers", opts->bootstrap},
                                       {"group.id", opts->group_id},
                                       {"enable.auto.commit", "true"},
                                       {"enable.auto.offset.store", "false"},
                                       {"auto.commit.interval.ms", OFFSET_COMMIT_MS},
                                       {"auto.offset.reset", "earliest"},
                                       //  A member gone without leaving (killed) is
                                       //  noticed in 10 s, and a rebalance waits at
                                       //  most 30 s for the members to rejoin: a
                                       //  restarted service consumes again soon.
                                       {"session.timeout.ms", "10000"},
                                       {"max.poll.interval.ms", "30000"},
                                       {"topic.metadata.refresh.interval.ms", "5000"},
                                       {"log_level", "4"}};
    rd_kafka_conf_t *conf = cab_kafka_conf (settings, sizeof settings / sizeof settings[0]);
    if (!conf)
        goto fail;
    self->rk = rd_kafka_new (RD_KAFKA_CONSUMER, conf, errstr, sizeof errstr);
    if (!self->rk) {
        cab_error ("cannot create Kafka consumer: %s", errstr);
        rd_kafka_conf_destroy (conf);
        goto fail;
    }
    conf = NULL;  //  rd_kafka_new() took ownership of conf
    rd_kafka_poll_set_consumer (self->rk);
    topics = rd_kafka_topic_partition_list_new (MAX_TOPICS);
    for (const char *const *t = opts->topics; t && *t && self->topic_count < MAX_TOPICS; t++) {
        rd_kafka_topic_partition_list_add (topics, *t, RD_KAFKA_PARTITION_UA);
        self->topics[self->topic_count++] = strdup (*t);
    }
    rd_kafka_resp_err_t err = rd_kafka_subscribe (self->rk, topics);
    rd_kafka_topic_partition_list_destroy (topics);
    if (err) {
        cab_error ("cannot subscribe: %s", rd_kafka_err2str (err));
        goto fail;
    }
    if (pthread_create (&self->thread, NULL, s_consumer_main, self) != 0)
        goto fail;
    self->started = true;
    cab_info ("consumer %s started", self->group_id);
    return self;
fail:
    cab_consumer_destroy (&self);
    return NULL;
}

void
cab_consumer_destroy (cab_consumer_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    cab_consumer_t *self = *self_p;
    atomic_store (&self->stop, 1);
    if (self->started)
        pthread_join (self->thread, NULL);
    if (self->rk) {
        rd_kafka_consumer_close (self->rk);
        rd_kafka_destroy (self->rk);
    }
    PQfinish (self->db);
    for (int i = 0; i < self->topic_count; i++)
        free (self->topics[i]);
    for (int i = 0; i < self->type_count; i++)
        free (self->types[i]);
    free (self->conninfo);
    free (self->schema);
    free (self->group_id);
    free (self);
    *self_p = NULL;
}
