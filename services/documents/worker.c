/*  docs_worker - per-thread state of the documents service, and its
    settings.  */
#include "worker.h"
#include "cab_config.h"
#include "cab_db.h"
#include "cab_log.h"
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define UPLOAD_MAX_MB_LIMIT 4096  //  4 GiB: beyond, a typing error
#define MIB (1024 * 1024)

int
docs_settings_load (docs_settings_t *self, const char *node_id)
{
    memset (self, 0, sizeof *self);
    self->node_id = node_id;
    self->data_dir = cab_config_str ("CABINET_DATA_DIR");
    self->max_bytes =
        (int64_t) cab_config_long ("CABINET_UPLOAD_MAX_MB", 1, UPLOAD_MAX_MB_LIMIT) * MIB;
    self->recording_max =
        (int64_t) cab_config_long ("CABINET_RECORDING_MAX_MB", 1, UPLOAD_MAX_MB_LIMIT) * MIB;
    self->trust_anchors = cab_config_str ("CABINET_TRUST_ANCHORS");
    int rc = 0;
    char bad[64];
    const char *types = cab_config_str ("CABINET_ACCEPTED_TYPES");
    if (!docs_types_parse (types, &self->accepted, bad, sizeof bad)) {
        cab_error ("CABINET_ACCEPTED_TYPES=%s: '%s' is not a document type this service keeps "
                   "(pdf, docx, xlsx, pptx, doc, xls, jpg, png); refusing to start",
                   types, bad);
        rc = -1;
    }
    const char *secret = cab_config_str ("CABINET_SECRET_UPLOADS");
    if (strcmp (secret, "allow") == 0)
        self->secret_uploads = true;
    else if (strcmp (secret, "forbid") != 0) {
        cab_error ("CABINET_SECRET_UPLOADS=%s: must be allow or forbid; refusing to start", secret);
        rc = -1;
    }
    const char *months = cab_config_str ("CABINET_RETENTION_MONTHS");
    docs_fault_t fault;
    if (!docs_retention_parse (months, &self->retention_months, &fault)) {
        cab_error ("CABINET_RETENTION_MONTHS=%s: documents must be kept at least %d months "
                   "(R5.6), at most %d; refusing to start",
                   months, DOCS_RETENTION_MIN_MONTHS, DOCS_RETENTION_MAX_MONTHS);
        rc = -1;
    }
    if (*self->trust_anchors && access (self->trust_anchors, R_OK) != 0)
        cab_warn ("CABINET_TRUST_ANCHORS=%s cannot be read: signatures will be reported "
                  "untrusted",
                  self->trust_anchors);
    return rc;
}

void *
docs_worker_new (const cab_service_env_t *env, int index)
{
    docs_worker_t *self = calloc (1, sizeof *self);
    if (!self)
        return NULL;
    if (docs_settings_load (&self->settings, env->node_id) != 0)
        goto fail;
    self->db = cab_db_connect (env->conninfo, "documents", "cabinet-documents");
    if (!self->db)
        goto fail;
    self->store = docs_store_new (self->db);
    self->storage = docs_storage_fs_new (self->settings.data_dir);
    self->spool = self->storage ? docs_spool_new (self->settings.data_dir) : NULL;
    if (!self->store || !self->storage || !self->spool)
        goto fail;
    return self;
fail:
    cab_error ("documents worker %d could not start", index);
    docs_worker_destroy (self);
    return NULL;
}

void
docs_worker_destroy (void *worker)
{
    docs_worker_t *self = worker;
    if (!self)
        return;
    docs_spool_destroy (&self->spool);
    docs_storage_destroy (&self->storage);
    docs_store_destroy (&self->store);
    if (self->db)
        PQfinish (self->db);
    free (self);
}

bool
docs_worker_ready (void *worker, const char **detail)
{
    docs_worker_t *self = worker;
    bool db = self && cab_db_ping (self->db);
    bool disk = self && access (self->settings.data_dir, W_OK | X_OK) == 0;
    if (detail)
        *detail = !db ? "database unreachable" : !disk ? "data folder not writable" : "ok";
    return db && disk;
}
