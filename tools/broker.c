/*  cabinet-broker - the development Kafka broker: librdkafka's own mock
    cluster (real Kafka wire protocol, in memory, loopback only), so `make
    run` and the tests need no JVM. Services only ever see its bootstrap
    address through CABINET_KAFKA_BOOTSTRAP; nothing special-cases it.

    usage: cabinet-broker [--brokers N] [--bootstrap-file PATH]
                          [--topic NAME[:PARTITIONS]]...
    Prints the bootstrap address on stdout (and writes it to PATH, atomically)
    and runs until SIGINT or SIGTERM.  */
#include "cab_config.h"
#include "cab_log.h"
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define DEFAULT_BROKERS 3
#define DEFAULT_PARTITIONS 4
#define MAX_TOPICS 64

static volatile sig_atomic_t s_stop = 0;

static void
s_on_signal (int sig)
{
    (void) sig;
    s_stop = 1;
}

static int
s_write_file (const char *path, const char *text)
{
    char tmp[4096];
    snprintf (tmp, sizeof tmp, "%s.tmp", path);
    FILE *file = fopen (tmp, "w");
    if (!file)
        return -1;
    fprintf (file, "%s\n", text);
    if (fclose (file) != 0 || rename (tmp, path) != 0)
        return -1;
    return 0;
}

static void
s_usage (void)
{
    fprintf (stderr, "usage: cabinet-broker [--brokers N] [--bootstrap-file PATH] "
                     "[--topic NAME[:PARTITIONS]]...\n");
}

int
main (int argc, char **argv)
{
    cab_log_init ("broker");
    int brokers = DEFAULT_BROKERS;
    const char *bootstrap_file = NULL;
    const char *topics[MAX_TOPICS];
    int topic_count = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp (argv[i], "--brokers") == 0 && i + 1 < argc)
            brokers = atoi (argv[++i]);
        else if (strcmp (argv[i], "--bootstrap-file") == 0 && i + 1 < argc)
            bootstrap_file = argv[++i];
        else if (strcmp (argv[i], "--topic") == 0 && i + 1 < argc && topic_count < MAX_TOPICS)
            topics[topic_count++] = argv[++i];
        else {
            s_usage ();
            return 2;
        }
    }
    if (brokers < 1) {
        s_usage ();
        return 2;
    }

    //  Signals stay blocked except inside sigsuspend(), so a stop request
    //  can never slip in between testing the flag and waiting.
    struct sigaction action = {.sa_handler = s_on_signal};
    sigaction (SIGINT, &action, NULL);
    sigaction (SIGTERM, &action, NULL);
    sigset_t blocked, waiting;
    sigemptyset (&blocked);
    sigaddset (&blocked, SIGINT);
    sigaddset (&blocked, SIGTERM);
    sigprocmask (SIG_BLOCK, &blocked, &waiting);

    //  The mock cluster lives inside a client instance, used only for that.
    char errstr[512];
    rd_kafka_conf_t *conf = rd_kafka_conf_new ();
    rd_kafka_conf_set (conf, "log_level", "3", NULL, 0);
    rd_kafka_t *rk = rd_kafka_new (RD_KAFKA_PRODUCER, conf, errstr, sizeof errstr);
    if (!rk) {
        rd_kafka_conf_destroy (conf);
        cab_error ("cannot create the Kafka handle: %s", errstr);
        return 1;
    }
    conf = NULL;  //  rd_kafka_new() took ownership of conf

    rd_kafka_mock_cluster_t *cluster = rd_kafka_mock_cluster_new (rk, brokers);
    if (!cluster) {
        cab_error ("cannot start the mock Kafka cluster");
        rd_kafka_destroy (rk);
        return 1;
    }
    //  The directory topic and the public topic exist from the start, so
    //  consumers subscribing to them never see "unknown topic".
    const char *always[] = {CAB_DIRECTORY_TOPIC, CAB_PUBLIC_TOPIC};
    for (size_t i = 0; i < sizeof always / sizeof always[0]; i++)
        rd_kafka_mock_topic_create (cluster, always[i], DEFAULT_PARTITIONS,
                                    brokers < 3 ? brokers : 3);
    for (int i = 0; i < topic_count; i++) {
        char name[256];
        snprintf (name, sizeof name, "%s", topics[i]);
        int partitions = DEFAULT_PARTITIONS;
        char *colon = strrchr (name, ':');
        if (colon) {
            *colon = '\0';
            partitions = atoi (colon + 1);
        }
        bool created = false;  //  the always-present topics need no second creation
        for (size_t j = 0; j < sizeof always / sizeof always[0]; j++)
            created |= strcmp (name, always[j]) == 0;
        if (created)
            continue;
        if (partitions < 1
            || rd_kafka_mock_topic_create (cluster, name, partitions, brokers < 3 ? brokers : 3)) {
            cab_error ("cannot create topic %s", topics[i]);
            rd_kafka_mock_cluster_destroy (cluster);
            rd_kafka_destroy (rk);
            return 1;
        }
    }

    const char *bootstraps = rd_kafka_mock_cluster_bootstraps (cluster);
    if (bootstrap_file && s_write_file (bootstrap_file, bootstraps) != 0) {
        cab_error ("cannot write %s", bootstrap_file);
        s_stop = 1;
    }
    printf ("%s\n", bootstraps);
    fflush (stdout);
    cab_info ("mock Kafka cluster with %d brokers at %s", brokers, bootstraps);

    while (!s_stop)
        sigsuspend (&waiting);

    cab_info ("stopping the mock Kafka cluster");
    rd_kafka_mock_cluster_destroy (cluster);
    rd_kafka_destroy (rk);
    return 0;
}
