/*  ident_worker - per-thread state of the identity service.  */
#include "worker.h"
#include "cab_config.h"
#include "cab_crypto.h"
#include "cab_db.h"
#include "cab_log.h"
#include <stdlib.h>

#define MAX_AGE_DAYS_MAX 3650
#define MIN_LENGTH_LOW 8  //  below this no setting is accepted
#define MIN_LENGTH_HIGH 128
#define LOCKOUT_MAX 1000
#define LOCKOUT_MINUTES_MAX 10080  //  a week
#define SESSION_HOURS_MAX 720      //  thirty days
#define LDAP_TIMEOUT_MIN 100
#define LDAP_TIMEOUT_MAX 60000

void
ident_settings_load (ident_settings_t *self, const char *node_id)
{
    self->node_id = node_id;
    self->password_max_age_days =
        cab_config_long ("CABINET_PASSWORD_MAX_AGE_DAYS", 0, MAX_AGE_DAYS_MAX);
    self->password_min_length =
        cab_config_long ("CABINET_PASSWORD_MIN_LENGTH", MIN_LENGTH_LOW, MIN_LENGTH_HIGH);
    self->lockout_threshold = cab_config_long ("CABINET_LOCKOUT_THRESHOLD", 1, LOCKOUT_MAX);
    self->lockout_minutes = cab_config_long ("CABINET_LOCKOUT_MINUTES", 1, LOCKOUT_MINUTES_MAX);
    self->session_hours = cab_config_long ("CABINET_SESSION_HOURS", 1, SESSION_HOURS_MAX);
    self->ldap.uri = cab_config_str ("CABINET_LDAP_URI");
    self->ldap.base_dn = cab_config_str ("CABINET_LDAP_BASE_DN");
    self->ldap.bind_dn = cab_config_str ("CABINET_LDAP_BIND_DN");
    self->ldap.bind_password = cab_config_str ("CABINET_LDAP_BIND_PASSWORD");
    self->ldap.timeout_ms =
        cab_config_long ("CABINET_LDAP_TIMEOUT_MS", LDAP_TIMEOUT_MIN, LDAP_TIMEOUT_MAX);
    self->ldap_default_unit = cab_config_str ("CABINET_LDAP_DEFAULT_UNIT");
}

void *
ident_worker_new (const cab_service_env_t *env, int index)
{
    ident_worker_t *self = calloc (1, sizeof *self);
    if (!self)
        return NULL;
    ident_settings_load (&self->settings, env->node_id);
    self->db = cab_db_connect (env->conninfo, "identity", "cabinet-identity");
    if (!self->db)
        goto fail;
    self->store = ident_store_new (self->db, env->node_id, self->settings.password_max_age_days);
    if (!self->store)
        goto fail;
    //  A hash of a random password nobody knows: unknown names are checked
    //  against it, so they cost the same Argon2 time as known ones.
    unsigned char secret[IDENT_SALT_BYTES];
    char text[2 * IDENT_SALT_BYTES + 4];
    if (cab_random (secret, sizeof secret))
        goto fail;
    cab_base64url (secret, sizeof secret, text);
    if (ident_password_hash (text, self->dummy_hash))
        goto fail;
    return self;
fail:
    cab_error ("identity worker %d could not start", index);
    ident_worker_destroy (self);
    return NULL;
}

void
ident_worker_destroy (void *worker)
{
    ident_worker_t *self = worker;
    if (!self)
        return;
    ident_store_destroy (&self->store);
    if (self->db)
        PQfinish (self->db);
    free (self);
}

bool
ident_worker_ready (void *worker, const char **detail)
{
    ident_worker_t *self = worker;
    bool ready = self && cab_db_ping (self->db);
    if (detail)
        *detail = ready ? "ok" : "database unreachable";
    return ready;
}
