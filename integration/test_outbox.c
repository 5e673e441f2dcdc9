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
    uint64_t *seqs;  //  each record's Event.sequence, as ids
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
    seen->seqs = calloc ((size_t) want + 64, sizeof (uint64_t));
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
                if (seen->records < want + 64) {
                    seen->ids[seen->records] = strdup (ev->id);
                    seen->seqs[seen->records] = ev->sequence;
                }
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
    free (seen->seqs);
}

//  The sequence Kafka carried for event_id, 0 if it was not seen.
static uint64_t
s_seen_seq (const seen_t *seen, int n, const char *event_id)
{
    for (int i = 0; i < seen->records && i < n; i++)
        if (seen->ids[i] && strcmp (seen->ids[i], event_id) == 0)
            return seen->seqs[i];
    return 0;
}

//  Wait until the one-number query sql returns want (or the time runs
//  out). Returns whether it did.
static bool
s_wait_count (PGconn *db, const char *sql, long want)
{
    int64_t deadline = s_now_ms () + WAIT_MS;
    while (s_count (db, sql) != want && s_now_ms () < deadline)
        poll (NULL, 0, 20);
    return s_count (db, sql) == want;
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
    //  Every committed row's event id was published, its sequence the row's
    //  place in the audit chain.
    assert_true (s_wait_count (db, "SELECT count(*) FROM outbox WHERE seq IS NULL", 0));
    PGresult *res = NULL;
    assert_int_equal (cab_db_exec (db, "SELECT event_id::text, seq FROM outbox", 0, NULL, &res),
                      CAB_OK);
    for (int r = 0; r < PQntuples (res); r++) {
        uint64_t seq = s_seen_seq (&seen, committed + 64, PQgetvalue (res, r, 0));
        if (seq == 0)
            fail_msg ("event %s was never published", PQgetvalue (res, r, 0));
        assert_int_equal (seq, strtoull (PQgetvalue (res, r, 1), NULL, 10));
    }
    PQclear (res);
    //  The chain has no gaps: the places are 1..committed.
    assert_int_equal (s_count (db, "SELECT count(DISTINCT seq) FROM outbox"), committed);
    assert_int_equal (s_count (db, "SELECT max(seq) FROM outbox"), committed);
    //  Marked sent only once delivered: poll until the relay stamped all.
    int64_t deadline = s_now_ms () + WAIT_MS;
    while (s_count (db, "SELECT count(*) FROM outbox_unsent") > 0 && s_now_ms () < deadline)
        poll (NULL, 0, 50);
    assert_int_equal (s_count (db, "SELECT count(*) FROM outbox_unsent"), 0);
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
    char node[48];
    snprintf (node, sizeof node, "tamper-%s", schema + 2);
    cab_relay_t *relay = s_relay (schema, node, s_bootstrap, 0);
    for (int i = 0; i < 5; i++)
        assert_int_equal (s_write (db, "subject-1", i, false, NULL), CAB_OK);
    //  The relay chains what has committed, then sends it.
    assert_true (s_wait_count (
        db, "SELECT count(*) FROM outbox WHERE seq <= (SELECT seq FROM outbox_sent)", 5));
    cab_relay_destroy (&relay);
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
test_events_appended_together_keep_their_order_and_fields (void **state)
{
    (void) state;
    char schema[32];
    PGconn *db = s_fresh_schema (schema, sizeof schema);
    char node[48];
    snprintf (node, sizeof node, "many-%s", schema + 2);
    Cabinet__V1__Unit unit = CABINET__V1__UNIT__INIT;
    unit.id = "u-1";
    unit.name = "Văn phòng \"UBND\" tỉnh \\ Hà Nam";
    const char *const targets[] = {"node-b", "node.c"};
    const char *const audience[] = {"0190a0b0-0000-7000-8000-000000000001",
                                    "0190a0b0-0000-7000-8000-000000000002"};
    const cab_event_t evs[] = {
        {.type = "unit.created", .subject = "quote\"and\\slash", .payload = &unit.base},
        {.type = "unit.deleted", .subject = "u-2", .payload = NULL, .key = "k-2"},
        {.type = "unit.created",
         .subject = "u-3",
         .payload = &unit.base,
         .target_nodes = targets,
         .target_count = 2,
         .actor_id = "0190a0b0-0000-7000-8000-000000000009",
         .meeting_id = "m-1",
         .audience = audience,
         .audience_count = 2},
        {.type = "unit.created", .subject = "u-4", .payload = &unit.base, .topic = "other"},
    };
    assert_int_equal (cab_db_begin (db), CAB_OK);
    assert_int_equal (cab_db_exec (db, "INSERT INTO things (id) VALUES ('many')", 0, NULL, NULL),
                      CAB_OK);
    assert_int_equal (cab_outbox_emit_all_commit (db, evs, 4), CAB_OK);
    //  Committed: the thing and the four rows, in the order given.
    assert_int_equal (s_count (db, "SELECT count(*) FROM things"), 1);
    PGresult *res = NULL;
    assert_int_equal (
        cab_db_exec (db,
                     "SELECT type, subject, msg_key, coalesce (topic, '-'),"
                     " array_to_string (target_nodes, ','), coalesce (actor_id, '-'),"
                     " coalesce (meeting_id, '-'), coalesce (array_to_string (audience, ','), '-'),"
                     " payload IS NULL, coalesce (schema_name, '-') FROM outbox ORDER BY id",
                     0, NULL, &res),
        CAB_OK);
    assert_int_equal (PQntuples (res), 4);
    assert_string_equal (PQgetvalue (res, 0, 1), "quote\"and\\slash");
    assert_string_equal (PQgetvalue (res, 0, 9), "cabinet.v1.Unit");
    assert_string_equal (PQgetvalue (res, 1, 0), "unit.deleted");
    assert_string_equal (PQgetvalue (res, 1, 2), "k-2");
    assert_string_equal (PQgetvalue (res, 1, 8), "t");
    assert_string_equal (PQgetvalue (res, 2, 4), "node-b,node.c");
    assert_string_equal (PQgetvalue (res, 2, 5), "0190a0b0-0000-7000-8000-000000000009");
    assert_string_equal (PQgetvalue (res, 2, 6), "m-1");
    assert_string_equal (
        PQgetvalue (res, 2, 7),
        "0190a0b0-0000-7000-8000-000000000001,0190a0b0-0000-7000-8000-000000000002");
    assert_string_equal (PQgetvalue (res, 3, 3), "other");
    assert_string_equal (PQgetvalue (res, 3, 4), "");
    assert_string_equal (PQgetvalue (res, 3, 7), "-");
    PQclear (res);
    //  The payload is the message's bytes.
    assert_int_equal (s_count (db,
                               "SELECT count(*) FROM outbox WHERE payload IS NOT NULL AND"
                               " position (convert_to ('Văn phòng \"UBND\" tỉnh \\ Hà Nam', 'UTF8')"
                               " IN payload) > 0"),
                      3);
    //  An invalid audience refuses the whole append: nothing is written.
    const char *const bad[] = {"not an id"};
    const cab_event_t worse[] = {
        evs[0], {.type = "unit.created", .subject = "u-5", .audience = bad, .audience_count = 1}};
    assert_int_equal (cab_db_begin (db), CAB_OK);
    assert_int_not_equal (cab_outbox_emit_all_commit (db, worse, 2), CAB_OK);
    cab_db_rollback (db);
    assert_int_equal (s_count (db, "SELECT count(*) FROM outbox"), 4);
    //  None: just the COMMIT.
    assert_int_equal (cab_db_begin (db), CAB_OK);
    assert_int_equal (cab_outbox_emit_all_commit (db, evs, 0), CAB_OK);
    //  The relay chains and sends them in that order; the chain verifies.
    cab_relay_t *relay = s_relay (schema, node, s_bootstrap, 0);
    assert_true (s_wait_count (
        db, "SELECT count(*) FROM outbox WHERE seq <= (SELECT seq FROM outbox_sent)", 4));
    cab_relay_destroy (&relay);
    assert_int_equal (s_count (db, "SELECT count(*) FROM outbox o1 JOIN outbox o2 ON o2.id > o1.id"
                                   " WHERE o2.seq < o1.seq"),
                      0);
    assert_true (cab_outbox_verify (db, NULL));
    PQfinish (db);
}

//  Begin a transaction on db that writes a thing and appends its event,
//  and leave it open.
static void
s_write_open (PGconn *db, const char *subject, int n)
{
    char id[64];
    snprintf (id, sizeof id, "%s-%d", subject, n);
    Cabinet__V1__Unit unit = CABINET__V1__UNIT__INIT;
    unit.id = id;
    unit.name = "Văn phòng UBND tỉnh";
    const char *params[] = {id};
    cab_event_t ev = {.type = "unit.created", .subject = subject, .payload = &unit.base};
    assert_int_equal (cab_db_begin (db), CAB_OK);
    assert_int_equal (cab_db_exec (db, "INSERT INTO things (id) VALUES ($1)", 1, params, NULL),
                      CAB_OK);
    assert_int_equal (cab_outbox_emit (db, &ev), CAB_OK);
}

static void
test_row_committed_late_is_chained_and_published_after (void **state)
{
    (void) state;
    char schema[32];
    PGconn *db = s_fresh_schema (schema, sizeof schema);
    char node[48];
    snprintf (node, sizeof node, "late-%s", schema + 2);
    cab_relay_t *relay = s_relay (schema, node, s_bootstrap, 0);
    //  The slow writer takes its id first and keeps its transaction open.
    PGconn *slow = cab_db_connect (s_conninfo, schema, "test-slow");
    PGconn *fast = cab_db_connect (s_conninfo, schema, "test-fast");
    assert_non_null (slow);
    assert_non_null (fast);
    s_write_open (slow, "subject-3", 1);
    //  The fast writer commits meanwhile: writers do not wait for each
    //  other (were it made to wait, the timeout would fail it).
    assert_int_equal (cab_db_exec (fast, "SET statement_timeout = 5000", 0, NULL, NULL), CAB_OK);
    assert_int_equal (s_write (fast, "subject-4", 1, false, NULL), CAB_OK);
    //  Its event is published while the slow one is still open.
    assert_true (s_wait_count (
        db, "SELECT count(*) FROM outbox WHERE seq <= (SELECT seq FROM outbox_sent)", 1));
    assert_int_equal (s_count (db, "SELECT count(*) FROM outbox"), 1);
    //  The slow writer commits: its row, with the lower id, is not passed
    //  over but chained after the fast one, and published.
    assert_int_equal (cab_db_commit (slow), CAB_OK);
    assert_true (s_wait_count (
        db, "SELECT count(*) FROM outbox WHERE seq <= (SELECT seq FROM outbox_sent)", 2));
    assert_int_equal (s_count (db,
                               "SELECT count(*) FROM outbox slow, outbox fast"
                               " WHERE slow.subject = 'subject-3' AND fast.subject = 'subject-4'"
                               " AND slow.id < fast.id AND slow.seq = fast.seq + 1"
                               " AND slow.prev_hash = fast.hash"),
                      1);
    //  The chain verifies in its own order (in id order it would not).
    assert_true (cab_outbox_verify (db, NULL));
    //  Kafka has both, each with its place in the chain as its sequence.
    char *topic = cab_config_events_topic (node);
    seen_t seen = {0};
    s_read_topic (topic, 2, &seen);
    assert_int_equal (seen.records, 2);
    PGresult *res = NULL;
    assert_int_equal (
        cab_db_exec (db, "SELECT event_id::text, seq FROM outbox ORDER BY seq", 0, NULL, &res),
        CAB_OK);
    assert_int_equal (PQntuples (res), 2);
    for (int r = 0; r < 2; r++)
        assert_int_equal (s_seen_seq (&seen, 2 + 64, PQgetvalue (res, r, 0)),
                          strtoull (PQgetvalue (res, r, 1), NULL, 10));
    PQclear (res);
    s_seen_free (&seen, 2 + 64);
    free (topic);
    PQfinish (slow);
    PQfinish (fast);
    cab_relay_destroy (&relay);
    PQfinish (db);
}

//  Whether db's session has received a notification on its channels.
//  Two round trips first, so one the server had to send is in by then.
static bool
s_notified (PGconn *db)
{
    for (int i = 0; i < 2; i++)
        assert_int_equal (cab_db_exec (db, "SELECT 1", 0, NULL, NULL), CAB_OK);
    PQconsumeInput (db);
    bool any = false;
    PGnotify *note;
    while ((note = PQnotifies (db))) {
        PQfreemem (note);
        any = true;
    }
    return any;
}

static void
test_writers_wake_the_relay_only_while_it_rests (void **state)
{
    (void) state;
    char schema[32];
    PGconn *db = s_fresh_schema (schema, sizeof schema);
    char node[48], sql[256], rest_key[64], hold[128];
    snprintf (node, sizeof node, "rest-%s", schema + 2);
    snprintf (rest_key, sizeof rest_key, "%s.outbox_rest", schema);
    PGconn *listener = cab_db_connect (s_conninfo, schema, "test-listener");
    assert_non_null (listener);
    snprintf (sql, sizeof sql, "LISTEN cab_outbox_%s", schema);
    assert_int_equal (cab_db_exec (listener, sql, 0, NULL, NULL), CAB_OK);
    //  Whether the relay rests: it holds the rest lock.
    snprintf (sql, sizeof sql,
              "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted"
              " AND mode = 'ExclusiveLock' AND objsubid = 1"
              " AND objid::bigint = (hashtext ('%s')::bigint & 4294967295)",
              rest_key);
    //  A writer in the middle of its transaction (this session holds the
    //  lock a writer holds until its transaction ends) keeps the relay
    //  from resting: commits send no NOTIFY, and the relay, looking again
    //  by itself, still sends their events.
    PGconn *inflight = cab_db_connect (s_conninfo, schema, "test-inflight");
    assert_non_null (inflight);
    snprintf (hold, sizeof hold, "SELECT pg_advisory_lock_shared (hashtext ('%s'))", rest_key);
    assert_int_equal (cab_db_exec (inflight, hold, 0, NULL, NULL), CAB_OK);
    cab_relay_t *relay = s_relay (schema, node, s_bootstrap, 0);
    for (int i = 0; i < 3; i++)
        assert_int_equal (s_write (db, "subject-0", i, false, NULL), CAB_OK);
    assert_true (s_wait_count (
        db, "SELECT count(*) FROM outbox WHERE seq <= (SELECT seq FROM outbox_sent)", 3));
    assert_false (s_notified (listener));
    assert_int_equal (s_count (db, sql), 0);
    //  The writer ends: the relay, with nothing to do, rests.
    PQfinish (inflight);
    assert_true (s_wait_count (db, sql, 1));
    //  A commit while it rests notifies it, and its event goes out.
    assert_false (s_notified (listener));
    assert_int_equal (s_write (db, "subject-0", 3, false, NULL), CAB_OK);
    assert_true (s_notified (listener));
    assert_true (s_wait_count (
        db, "SELECT count(*) FROM outbox WHERE seq <= (SELECT seq FROM outbox_sent)", 4));
    //  ... and it rests again.
    assert_true (s_wait_count (db, sql, 1));
    assert_true (cab_outbox_verify (db, NULL));
    cab_relay_destroy (&relay);
    PQfinish (listener);
    PQfinish (db);
}

//  The application name of the relay that holds the schema's relay lock.
static char *
s_working_relay (PGconn *db, const char *schema)
{
    char sql[512];
    snprintf (sql, sizeof sql,
              "SELECT a.application_name FROM pg_locks l JOIN pg_stat_activity a USING (pid)"
              " WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1"
              " AND l.objid::bigint = (hashtext ('%s.outbox_relay')::bigint & 4294967295)",
              schema);
    PGresult *res = NULL;
    assert_int_equal (cab_db_exec (db, sql, 0, NULL, &res), CAB_OK);
    char *name = PQntuples (res) == 1 ? strdup (PQgetvalue (res, 0, 0)) : NULL;
    PQclear (res);
    return name;
}

static void
test_one_relay_per_schema_works_and_another_takes_over (void **state)
{
    (void) state;
    char schema[32];
    PGconn *db = s_fresh_schema (schema, sizeof schema);
    char node[48];
    snprintf (node, sizeof node, "pair-%s", schema + 2);
    //  Two processes of one service: two relays on one outbox.
    cab_relay_opts_t opts = {.conninfo = s_conninfo,
                             .schema = schema,
                             .service = "one",
                             .node_id = node,
                             .bootstrap = s_bootstrap};
    cab_relay_t *one = cab_relay_new (&opts);
    opts.service = "two";
    cab_relay_t *two = cab_relay_new (&opts);
    assert_non_null (one);
    assert_non_null (two);
    for (int i = 0; i < 10; i++)
        assert_int_equal (s_write (db, "subject-2", i, false, NULL), CAB_OK);
    assert_true (s_wait_count (
        db, "SELECT count(*) FROM outbox WHERE seq <= (SELECT seq FROM outbox_sent)", 10));
    //  The working one stops; the other goes on from where it was.
    char *working = s_working_relay (db, schema);
    assert_non_null (working);
    bool first = strcmp (working, "cabinet-one-relay") == 0;
    assert_true (first || strcmp (working, "cabinet-two-relay") == 0);
    cab_relay_destroy (first ? &one : &two);
    for (int i = 10; i < 20; i++)
        assert_int_equal (s_write (db, "subject-2", i, false, NULL), CAB_OK);
    assert_true (s_wait_count (
        db, "SELECT count(*) FROM outbox WHERE seq <= (SELECT seq FROM outbox_sent)", 20));
    char *now = s_working_relay (db, schema);
    assert_non_null (now);
    assert_string_equal (now, first ? "cabinet-two-relay" : "cabinet-one-relay");
    //  Kafka: the 20, in chain order; the chain is whole.
    char *topic = cab_config_events_topic (node);
    seen_t seen = {0};
    s_read_topic (topic, 20, &seen);
    assert_int_equal (seen.records, 20);
    assert_int_equal (seen.out_of_order, 0);
    for (int i = 0; i < 20; i++)
        assert_int_equal (seen.seqs[i], (uint64_t) i + 1);
    assert_true (cab_outbox_verify (db, NULL));
    s_seen_free (&seen, 20 + 64);
    free (topic);
    free (working);
    free (now);
    cab_relay_destroy (&one);
    cab_relay_destroy (&two);
    PQfinish (db);
}

//  Append one event in its own transaction, without a change of its own
//  (the outbox as it was before the service's tables); roll back if asked.
static void
s_emit_alone (PGconn *db, int n, bool rollback)
{
    char id[32];
    snprintf (id, sizeof id, "old-%d", n);
    Cabinet__V1__Unit unit = CABINET__V1__UNIT__INIT;
    unit.id = id;
    unit.name = "Sở Nội vụ";
    cab_event_t ev = {.type = "unit.updated", .subject = "subject-1", .payload = &unit.base};
    assert_int_equal (cab_db_begin (db), CAB_OK);
    assert_int_equal (cab_outbox_emit (db, &ev), CAB_OK);
    if (rollback)
        cab_db_rollback (db);
    else
        assert_int_equal (cab_db_commit (db), CAB_OK);
}

static void
test_rows_chained_by_their_writers_stay_valid_after_the_migration (void **state)
{
    (void) state;
    //  A schema at the shared migrations before 003: its writers chained
    //  their rows themselves, in id order, with gaps where one rolled back.
    char id[CAB_UUID_LEN + 1], schema[32], sql[128], node[48];
    cab_uuid_v7 (id);
    snprintf (schema, sizeof schema, "t_old_%c%c%c%c%c", 'a' + id[31] % 26, 'a' + id[32] % 26,
              'a' + id[33] % 26, 'a' + id[34] % 26, 'a' + id[35] % 26);
    snprintf (node, sizeof node, "old-%s", schema + 6);
    PGconn *db = cab_db_connect (s_conninfo, schema, "test-outbox");
    assert_non_null (db);
    snprintf (sql, sizeof sql, "CREATE SCHEMA %s", schema);
    assert_int_equal (cab_db_exec (db, sql, 0, NULL, NULL), CAB_OK);
    assert_int_equal (cab_db_exec (db,
                                   "CREATE TABLE schema_migrations (name text PRIMARY KEY,"
                                   " applied_at timestamptz NOT NULL DEFAULT now())",
                                   0, NULL, NULL),
                      CAB_OK);
    for (const cab_embedded_file_t *file = cab_shared_sql; file->name; file++) {
        if (strcmp (file->name, "003") >= 0)
            break;
        PGresult *res = PQexec (db, file->data);
        assert_int_equal (PQresultStatus (res), PGRES_COMMAND_OK);
        PQclear (res);
        char name[64];
        snprintf (name, sizeof name, "shared/%s", file->name);
        const char *params[] = {name};
        assert_int_equal (
            cab_db_exec (db, "INSERT INTO schema_migrations (name) VALUES ($1)", 1, params, NULL),
            CAB_OK);
    }
    for (int i = 0; i < 6; i++)
        s_emit_alone (db, i, i == 2);
    assert_int_equal (s_count (db, "SELECT count(*) FROM outbox WHERE hash IS NOT NULL"), 5);
    //  The service starts with this version: 003 and its own migrations.
    assert_int_equal (cab_db_migrate (db, schema, s_migrations), 0);
    assert_int_equal (s_count (db, "SELECT count(*) FROM outbox WHERE seq = id"), 5);
    assert_true (cab_outbox_verify (db, NULL));
    //  New rows go on from the last one, chained by the relay.
    cab_relay_t *relay = s_relay (schema, node, s_bootstrap, 0);
    for (int i = 0; i < 3; i++)
        assert_int_equal (s_write (db, "subject-1", i, false, NULL), CAB_OK);
    assert_true (s_wait_count (db, "SELECT count(*) FROM outbox_unsent", 0));
    assert_int_equal (s_count (db,
                               "SELECT count(*) FROM outbox WHERE seq > (SELECT max(id) FROM"
                               " outbox WHERE subject = 'subject-1' AND type = 'unit.updated')"),
                      3);
    assert_true (cab_outbox_verify (db, NULL));
    //  Kafka: the 8, in order; the old ones with their ids as sequences.
    char *topic = cab_config_events_topic (node);
    seen_t seen = {0};
    s_read_topic (topic, 8, &seen);
    assert_int_equal (seen.records, 8);
    assert_int_equal (seen.out_of_order, 0);
    s_seen_free (&seen, 8 + 64);
    free (topic);
    cab_relay_destroy (&relay);
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
    assert_int_equal (s_count (db, "SELECT count(*) FROM outbox_unsent"), 10);
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
        cmocka_unit_test (test_events_appended_together_keep_their_order_and_fields),
        cmocka_unit_test (test_row_committed_late_is_chained_and_published_after),
        cmocka_unit_test (test_writers_wake_the_relay_only_while_it_rests),
        cmocka_unit_test (test_one_relay_per_schema_works_and_another_takes_over),
        cmocka_unit_test (test_rows_chained_by_their_writers_stay_valid_after_the_migration),
        cmocka_unit_test (test_kafka_down_neither_blocks_writes_nor_loses_events),
        cmocka_unit_test (test_consumer_applies_each_event_once),
    };
    return cmocka_run_group_tests_name ("outbox relay and consumer", tests, NULL, NULL);
}
