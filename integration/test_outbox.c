/*  Integration test of the event path of every service: cab_outbox_emit ->
    cab_relay -> Kafka -> cab_consumer, against a real PostgreSQL
    (CABINET_DB) and a real Kafka broker (CABINET_KAFKA_BOOTSTRAP), both
    started by integration/test_outbox.sh. Each test uses its own schema and
    topic, so nothing depends on order.  */
#include "cab_config.h"
#include "cab_consumer.h"
#include "cab_db.h"
#include "cab_log.h"
#include "cab_outbox.h"
#include "cab_relay.h"
#include "cab_uuid.h"
#include "cabinet/v1/identity.pb-c.h"
#include <librdkafka/rdkafka.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zmq.h>

/*  cmocka needs these first  */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#define WRITERS 4
#define PER_WRITER 60
#define SUBJECTS 5
#define WAIT_MS 30000

static const char *s_conninfo;
static const char *s_bootstrap;

static const cab_embedded_file_t s_migrations[] = {
    {"001_things.sql", "CREATE TABLE things (id text PRIMARY KEY);", 0},
    {"002_applied.sql", "CREATE TABLE applied (event_id text, key text, tombstone bool);", 0},
    {NULL, NULL, 0},
};

static int64_t
s_now_ms (void)
{
    struct timespec now;
    clock_gettime (CLOCK_MONOTONIC, &now);
    return (int64_t) now.tv_sec * 1000 + now.tv_nsec / 1000000;
}

//  A fresh schema (and so a fresh outbox) per test: "t" + random suffix.
static PGconn *
s_fresh_schema (char *schema, size_t size)
{
    char id[CAB_UUID_LEN + 1];
    cab_uuid_v7 (id);
    snprintf (schema, size, "t_%c%c%c%c%c%c", 'a' + id[30] % 26, 'a' + id[31] % 26,
              'a' + id[32] % 26, 'a' + id[33] % 26, 'a' + id[34] % 26, 'a' + id[35] % 26);
    PGconn *db = cab_db_connect (s_conninfo, schema, "test-outbox");
    assert_non_null (db);
    assert_int_equal (cab_db_migrate (db, schema, s_migrations), 0);
    return db;
}

//  Insert a thing and its event in one transaction; roll back when asked.
static cab_status_t
s_write (PGconn *db, const char *subject, int n, bool rollback, char *event_name)
{
    char id[64];
    snprintf (id, sizeof id, "%s-%d", subject, n);
    Cabinet__V1__Unit unit = CABINET__V1__UNIT__INIT;
    unit.id = id;
    unit.name = "Sở Thông tin và Truyền thông";
    const char *params[] = {id};
    cab_event_t ev = {.type = "unit.created", .subject = subject, .payload = &unit.base};
    cab_status_t status = cab_db_begin (db);
    if (status == CAB_OK)
        status = cab_db_exec (db, "INSERT INTO things (id) VALUES ($1)", 1, params, NULL);
    if (status == CAB_OK)
        status = cab_outbox_emit (db, &ev);
    if (status == CAB_OK && !rollback)
        status = cab_db_commit (db);
    cab_db_rollback (db);
    if (event_name)
        snprintf (event_name, 64, "%s", id);
    return status;
}

typedef struct {
    const char *schema;
    int index;
    int committed;
} writer_t;

static void *
s_writer (void *arg)
{
    writer_t *w = arg;
    PGconn *db = cab_db_connect (s_conninfo, w->schema, "test-writer");
    for (int i = 0; db && i < PER_WRITER; i++) {
        char subject[32];
        snprintf (subject, sizeof subject, "subject-%d", (w->index + i) % SUBJECTS);
        bool rollback = i % 7 == 3;  //  some transactions never commit
        if (s_write (db, subject, w->index * 1000 + i, rollback, NULL) == CAB_OK && !rollback)
            w->committed++;
    }
    PQfinish (db);
    return NULL;
}

static cab_relay_t *
s_relay (const char *schema, const char *node, const char *bootstrap, int delivery_ms)
{
    cab_relay_opts_t opts = {.conninfo = s_conninfo,
                             .schema = schema,
                             .service = schema,
                             .node_id = node,
                             .bootstrap = bootstrap,
                             .delivery_timeout_ms = delivery_ms};
    cab_relay_t *relay = cab_relay_new (&opts);
    assert_non_null (relay);
    return relay;
}

static long
s_count (PGconn *db, const char *sql)
{
    PGresult *res = NULL;
    assert_int_equal (cab_db_exec (db, sql, 0, NULL, &res), CAB_OK);
    long n = atol (PQgetvalue (res, 0, 0));
    PQclear (res);
    return n;
}

//  Read every record of topic from the beginning until want records or
//  the time runs out. Checks per-key order of sequences and collects ids.
typedef struct {
    int records;
    int out_of_order;
    int unreadable;
    char **ids;
} seen_t;

static void
s_read_topic (const char *topic, int want, seen_t *seen)
{
    char errstr[512];
    rd_kafka_conf_t *conf = rd_kafka_conf_new ();
    rd_kafka_conf_set (conf, "bootstrap.servers", s_bootstrap, errstr, sizeof errstr);
    rd_kafka_conf_set (conf, "group.id", topic, errstr, sizeof errstr);
    rd_kafka_conf_set (conf, "auto.offset.reset", "earliest", errstr, sizeof errstr);
    rd_kafka_t *rk = rd_kafka_new (RD_KAFKA_CONSUMER, conf, errstr, sizeof errstr);
    assert_non_null (rk);
    rd_kafka_poll_set_consumer (rk);
    rd_kafka_topic_partition_list_t *list = rd_kafka_topic_partition_list_new (1);
    rd_kafka_topic_partition_list_add (list, topic, RD_KAFKA_PARTITION_UA);
    assert_int_equal (rd_kafka_subscribe (rk, list), 0);
    rd_kafka_topic_partition_list_destroy (list);
    uint64_t last_seq[SUBJECTS] = {0};
    seen->ids = calloc ((size_t) want + 64, sizeof (char *));
    int64_t deadline = s_now_ms () + WAIT_MS;
    while (seen->records < want && s_now_ms () < deadline) {
        rd_kafka_message_t *msg = rd_kafka_consumer_poll (rk, 200);
        if (!msg)
            continue;
        if (!msg->err && msg->payload) {
            Cabinet__V1__Event *ev = cabinet__v1__event__unpack (NULL, msg->len, msg->payload);
            if (!ev)
                seen->unreadable++;
            else {
                int subject = atoi (ev->subject + strlen ("subject-"));
                if (subject >= 0 && subject < SUBJECTS) {
                    if (ev->sequence <= last_seq[subject])
                        seen->out_of_order++;
                    last_seq[subject] = ev->sequence;
                }
                if (seen->records < want + 64)
                    seen->ids[seen->records] = strdup (ev->id);
                seen->records++;
                cabinet__v1__event__free_unpacked (ev, NULL);
            }
        }
        rd_kafka_message_destroy (msg);
    }
    rd_kafka_consumer_close (rk);
    rd_kafka_destroy (rk);
}

static void
s_seen_free (seen_t *seen, int n)
{
    for (int i = 0; i < n && seen->ids; i++)
        free (seen->ids[i]);
    free (seen->ids);
}

static void
test_relay_publishes_every_committed_event_in_order (void **state)
{
    (void) state;
    char schema[32];
    PGconn *db = s_fresh_schema (schema, sizeof schema);
    char node[48];
    snprintf (node, sizeof node, "node-%s", schema + 2);
    //  The relay runs while writers commit concurrently.
    cab_relay_t *relay = s_relay (schema, node, s_bootstrap, 0);
    pthread_t threads[WRITERS];
    writer_t writers[WRITERS];
    for (int i = 0; i < WRITERS; i++) {
        writers[i] = (writer_t){.schema = schema, .index = i};
        pthread_create (&threads[i], NULL, s_writer, &writers[i]);
    }
    int committed = 0;
    for (int i = 0; i < WRITERS; i++) {
        pthread_join (threads[i], NULL);
        committed += writers[i].committed;
    }
    assert_true (committed > WRITERS * PER_WRITER / 2);
    assert_int_equal (s_count (db, "SELECT count(*) FROM outbox"), committed);

    char *topic = cab_config_events_topic (node);
    seen_t seen = {0};
    s_read_topic (topic, committed, &seen);
    assert_int_equal (seen.unreadable, 0);
    assert_int_equal (seen.out_of_order, 0);
    assert_true (seen.records >= committed);
    //  Every committed row's event id was published.
    PGresult *res = NULL;
    assert_int_equal (cab_db_exec (db, "SELECT event_id::text FROM outbox", 0, NULL, &res), CAB_OK);
    for (int r = 0; r < PQntuples (res); r++) {
        bool found = false;
        for (int i = 0; i < seen.records && i < committed + 64 && !found; i++)
            found = seen.ids[i] && strcmp (seen.ids[i], PQgetvalue (res, r, 0)) == 0;
        if (!found)
            fail_msg ("event %s was never published", PQgetvalue (res, r, 0));
    }
    PQclear (res);
    //  Marked sent only once delivered: poll until the relay stamped all.
    int64_t deadline = s_now_ms () + WAIT_MS;
    while (s_count (db, "SELECT count(*) FROM outbox WHERE sent_at IS NULL") > 0
           && s_now_ms () < deadline)
        poll (NULL, 0, 50);
    assert_int_equal (s_count (db, "SELECT count(*) FROM outbox WHERE sent_at IS NULL"), 0);
    assert_true (cab_outbox_verify (db, NULL));
    s_seen_free (&seen, committed + 64);
    free (topic);
    cab_relay_destroy (&relay);
    PQfinish (db);
}

static void
test_rolled_back_change_emits_nothing (void **state)
{
    (void) state;
    char schema[32];
    PGconn *db = s_fresh_schema (schema, sizeof schema);
    assert_int_equal (s_write (db, "subject-0", 1, true, NULL), CAB_OK);
    assert_int_equal (s_count (db, "SELECT count(*) FROM outbox"), 0);
    assert_int_equal (s_count (db, "SELECT count(*) FROM things"), 0);
    PQfinish (db);
}

static void
test_chain_detects_tampering (void **state)
{
    (void) state;
    char schema[32];
    PGconn *db = s_fresh_schema (schema, sizeof schema);
    for (int i = 0; i < 5; i++)
        assert_int_equal (s_write (db, "subject-1", i, false, NULL), CAB_OK);
    long long bad = 0;
    assert_true (cab_outbox_verify (db, &bad));
    assert_int_equal (cab_db_exec (db,
                                   "UPDATE outbox SET type = 'unit.deleted' WHERE id = "
                                   "(SELECT min(id) + 2 FROM outbox)",
                                   0, NULL, NULL),
                      CAB_OK);
    assert_false (cab_outbox_verify (db, &bad));
    assert_int_equal (bad, s_count (db, "SELECT min(id) + 2 FROM outbox"));
    PQfinish (db);
}

static void
test_kafka_down_neither_blocks_writes_nor_loses_events (void **state)
{
    (void) state;
    char schema[32];
    PGconn *db = s_fresh_schema (schema, sizeof schema);
    char node[48];
    snprintf (node, sizeof node, "down-%s", schema + 2);
    //  A broker address where nothing listens.
    cab_relay_t *relay = s_relay (schema, node, "127.0.0.1:1", 500);
    int64_t start = s_now_ms ();
    for (int i = 0; i < 10; i++)
        assert_int_equal (s_write (db, "subject-2", i, false, NULL), CAB_OK);
    assert_true (s_now_ms () - start < 2000);
    poll (NULL, 0, 1500);  //  let delivery attempts time out at least once
    assert_int_equal (s_count (db, "SELECT count(*) FROM outbox WHERE sent_at IS NULL"), 10);
    cab_relay_destroy (&relay);

    //  Kafka "comes back": a relay that reaches it sends everything.
    relay = s_relay (schema, node, s_bootstrap, 0);
    char *topic = cab_config_events_topic (node);
    seen_t seen = {0};
    s_read_topic (topic, 10, &seen);
    assert_int_equal (seen.records, 10);
    assert_int_equal (seen.out_of_order, 0);
    s_seen_free (&seen, 10 + 64);
    free (topic);
    cab_relay_destroy (&relay);
    PQfinish (db);
}

static cab_status_t
s_apply (PGconn *db, const char *topic, const char *key, const Cabinet__V1__Event *ev, void *arg)
{
    (void) topic;
    (void) arg;
    const char *params[] = {ev ? ev->id : NULL, key, ev ? "false" : "true"};
    return cab_db_exec (db, "INSERT INTO applied (event_id, key, tombstone) VALUES ($1, $2, $3)", 3,
                        params, NULL);
}

static void
test_consumer_applies_each_event_once (void **state)
{
    (void) state;
    char schema[32];
    PGconn *db = s_fresh_schema (schema, sizeof schema);
    char topic[64];
    snprintf (topic, sizeof topic, "dedup.%s", schema);
    //  Produce the same envelope three times and one tombstone.
    char errstr[512];
    rd_kafka_conf_t *conf = rd_kafka_conf_new ();
    rd_kafka_conf_set (conf, "bootstrap.servers", s_bootstrap, errstr, sizeof errstr);
    rd_kafka_t *producer = rd_kafka_new (RD_KAFKA_PRODUCER, conf, errstr, sizeof errstr);
    assert_non_null (producer);
    Cabinet__V1__Event ev = CABINET__V1__EVENT__INIT;
    char id[CAB_UUID_LEN + 1];
    cab_uuid_v7 (id);
    ev.id = id;
    ev.type = "user.updated";
    ev.subject = "u1";
    uint8_t buf[256];
    size_t len = cabinet__v1__event__pack (&ev, buf);
    for (int i = 0; i < 3; i++)
        assert_int_equal (rd_kafka_producev (producer, RD_KAFKA_V_TOPIC (topic),
                                             RD_KAFKA_V_KEY ("u1", 2), RD_KAFKA_V_VALUE (buf, len),
                                             RD_KAFKA_V_MSGFLAGS (RD_KAFKA_MSG_F_COPY),
                                             RD_KAFKA_V_END),
                          0);
    assert_int_equal (rd_kafka_producev (producer, RD_KAFKA_V_TOPIC (topic),
                                         RD_KAFKA_V_KEY ("u1", 2), RD_KAFKA_V_VALUE (NULL, 0),
                                         RD_KAFKA_V_END),
                      0);
    assert_int_equal (rd_kafka_flush (producer, 10000), 0);
    rd_kafka_destroy (producer);

    const char *topics[] = {topic, NULL};
    cab_consumer_opts_t opts = {.conninfo = s_conninfo,
                                .schema = schema,
                                .bootstrap = s_bootstrap,
                                .group_id = topic,
                                .topics = topics,
                                .handler = s_apply};
    cab_consumer_t *consumer = cab_consumer_new (&opts);
    assert_non_null (consumer);
    int64_t deadline = s_now_ms () + WAIT_MS;
    while (s_count (db, "SELECT count(*) FROM applied WHERE tombstone") == 0
           && s_now_ms () < deadline)
        poll (NULL, 0, 50);
    cab_consumer_destroy (&consumer);
    assert_int_equal (s_count (db, "SELECT count(*) FROM applied WHERE NOT tombstone"), 1);
    assert_int_equal (s_count (db, "SELECT count(*) FROM applied WHERE tombstone"), 1);
    assert_int_equal (s_count (db, "SELECT count(*) FROM inbox"), 1);
    PQfinish (db);
}

int
main (void)
{
    cab_log_init ("test-outbox");
    s_conninfo = getenv ("CABINET_DB");
    s_bootstrap = getenv ("CABINET_KAFKA_BOOTSTRAP");
    if (!s_conninfo || !s_bootstrap) {
        fprintf (stderr, "CABINET_DB and CABINET_KAFKA_BOOTSTRAP must point at a live PostgreSQL "
                         "and Kafka (integration/test_outbox.sh starts both)\n");
        return 2;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_relay_publishes_every_committed_event_in_order),
        cmocka_unit_test (test_rolled_back_change_emits_nothing),
        cmocka_unit_test (test_chain_detects_tampering),
        cmocka_unit_test (test_kafka_down_neither_blocks_writes_nor_loses_events),
        cmocka_unit_test (test_consumer_applies_each_event_once),
    };
    return cmocka_run_group_tests_name ("outbox relay and consumer", tests, NULL, NULL);
}
