/*  cab_kafka - librdkafka configuration with logging through cab_log.  */
#include "cab_kafka.h"
#include "cab_log.h"

static void
s_log (const rd_kafka_t *rk, int level, const char *facility, const char *message)
{
    //  syslog levels. Connection trouble is logged at 3 by librdkafka: a
    //  warning for us, since every caller rides out Kafka outages.
    cab_log (level <= 2   ? CAB_LOG_ERROR
             : level <= 4 ? CAB_LOG_WARN
                          : CAB_LOG_DEBUG,
             "kafka %s %s: %s", rd_kafka_name (rk), facility, message);
}

rd_kafka_conf_t *
cab_kafka_conf (const char *const settings[][2], size_t count)
{
    char errstr[512];
    rd_kafka_conf_t *conf = rd_kafka_conf_new ();
    for (size_t i = 0; i < count; i++)
        if (rd_kafka_conf_set (conf, settings[i][0], settings[i][1], errstr, sizeof errstr)
            != RD_KAFKA_CONF_OK) {
            cab_error ("Kafka setting %s: %s", settings[i][0], errstr);
            rd_kafka_conf_destroy (conf);
            return NULL;
        }
    rd_kafka_conf_set_log_cb (conf, s_log);
    return conf;
}
