/*  cab_config - every setting is an environment variable registered, with its
    default and meaning, in one table (cab_config.c). README's configuration
    table is checked against it by a test.  */
#ifndef CAB_CONFIG_H
#define CAB_CONFIG_H
#include <stdbool.h>
#include <stdio.h>

typedef struct {
    const char *name;      //  CABINET_...
    const char *fallback;  //  default when unset or empty
    const char *help;      //  one line, for --help and the README
} cab_config_var_t;

//  The table of every setting, ending with a NULL name.
extern const cab_config_var_t cab_config_vars[];

//  Value of a registered setting (environment, else its default). Borrowed.
//  Asking for an unregistered name is a programmer error (asserts).
const char *cab_config_str (const char *name);

//  Integer value; a value that is not an integer within [min, max] is logged
//  and the default is used.
long cab_config_long (const char *name, long min, long max);

//  true for 1/true/yes/on, false otherwise.
bool cab_config_bool (const char *name);

//  ZeroMQ endpoint of a service's socket: kind is "rpc" or "pub". Reads
//  CABINET_<SERVICE>_<KIND> or derives ipc://<CABINET_RUN_DIR>/<service>.<kind>.
//  Returns a new string: the caller frees it.
char *cab_config_endpoint (const char *service, const char *kind);

//  The node's Kafka topic for domain events: "cabinet.<node>.events".
//  Returns a new string: the caller frees it.
char *cab_config_events_topic (const char *node_id);

//  Print the table (name, default, meaning) for --help.
void cab_config_print (FILE *out);

#define CAB_DIRECTORY_TOPIC "cabinet.directory"
#define CAB_PUBLIC_TOPIC "cabinet.public.events"

#endif
