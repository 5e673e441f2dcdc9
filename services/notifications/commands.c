/*  commands - the notifications service's command verbs: `seed-demo`
    (nothing to seed: notices come from events).  */
#include "handlers.h"
#include <string.h>

int
notify_command (PGconn *db, const cab_service_env_t *env, int argc, char **argv)
{
    (void) db;
    (void) env;
    if (argc >= 1 && strcmp (argv[0], "seed-demo") == 0)
        return 0;
    return -1;
}
