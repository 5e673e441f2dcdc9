/*  cab_kafka - librdkafka configuration shared by the relay and the
    consumer: settings from a table, and the client's own log lines routed
    through cab_log so every line a process writes is JSON.  */
#ifndef CAB_KAFKA_H
#define CAB_KAFKA_H
#include <librdkafka/rdkafka.h>
#include <stddef.h>

//  A new configuration with count {name, value} settings applied and the
//  log callback installed. Returns NULL (logged) if a setting is refused.
//  The caller owns the result until rd_kafka_new() takes it.
rd_kafka_conf_t *cab_kafka_conf (const char *const settings[][2], size_t count);

#endif
