/*  sched_worker - per-thread state of the scheduling service.  */
#include "worker.h"
#include "cab_config.h"
#include "cab_db.h"
#include "cab_log.h"
#include <stdlib.h>

#define LEAD_HOURS_MAX (24 * 60)  //  sixty days: longer leads are typing errors
#define SECONDS_PER_HOUR 3600

//  The settings of the per-type rules, by rule then type.
static const char *const s_lead_settings[SCHED_RULE_COUNT][SCHED_TYPE_COUNT] = {
    [SCHED_RULE_NOTICE] = {"CABINET_NOTICE_LEAD_HOURS_REGULAR", "CABINET_NOTICE_LEAD_HOURS_URGENT",
                           "CABINET_NOTICE_LEAD_HOURS_EMERGENCY"},
    [SCHED_RULE_REPLY] = {"CABINET_REPLY_LEAD_HOURS_REGULAR", "CABINET_REPLY_LEAD_HOURS_URGENT",
                          "CABINET_REPLY_LEAD_HOURS_EMERGENCY"},
    [SCHED_RULE_DOCUMENTS] = {"CABINET_DOCUMENTS_LEAD_HOURS_REGULAR",
                              "CABINET_DOCUMENTS_LEAD_HOURS_URGENT",
                              "CABINET_DOCUMENTS_LEAD_HOURS_EMERGENCY"},
    //  Support: one lead for every type (R4.3 names no distinction).
    [SCHED_RULE_SUPPORT] = {"CABINET_SUPPORT_LEAD_HOURS", "CABINET_SUPPORT_LEAD_HOURS",
                            "CABINET_SUPPORT_LEAD_HOURS"},
};

void
sched_settings_load (sched_settings_t *self, const char *node_id)
{
    self->node_id = node_id;
    for (int rule = 0; rule < SCHED_RULE_COUNT; rule++)
        for (int type = 0; type < SCHED_TYPE_COUNT; type++)
            self->leads.seconds[rule][type] =
                (int64_t) cab_config_long (s_lead_settings[rule][type], 0, LEAD_HOURS_MAX)
                * SECONDS_PER_HOUR;
}

void *
sched_worker_new (const cab_service_env_t *env, int index)
{
    sched_worker_t *self = calloc (1, sizeof *self);
    if (!self)
        return NULL;
    sched_settings_load (&self->settings, env->node_id);
    self->db = cab_db_connect (env->conninfo, "scheduling", "cabinet-scheduling");
    if (!self->db)
        goto fail;
    self->store = sched_store_new (self->db, env->node_id, &self->settings.leads);
    if (!self->store)
        goto fail;
    return self;
fail:
    cab_error ("scheduling worker %d could not start", index);
    sched_worker_destroy (self);
    return NULL;
}

void
sched_worker_destroy (void *worker)
{
    sched_worker_t *self = worker;
    if (!self)
        return;
    sched_store_destroy (&self->store);
    if (self->db)
        PQfinish (self->db);
    free (self);
}

bool
sched_worker_ready (void *worker, const char **detail)
{
    sched_worker_t *self = worker;
    bool ready = self && cab_db_ping (self->db);
    if (detail)
        *detail = ready ? "ok" : "database unreachable";
    return ready;
}
