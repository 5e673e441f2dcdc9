/*  docs_worker - what one RPC worker thread of the documents service holds:
    its own database connection wrapped in a store, the storage of document
    contents, the spool of uploads in progress, and the node's settings,
    read once at start.  */
#ifndef DOCS_WORKER_H
#define DOCS_WORKER_H
#include "cab_service.h"
#include "rules.h"
#include "spool.h"
#include "storage.h"
#include "store.h"

//  Settings of the documents service (see shared/cab_config.c for each).
typedef struct {
    const char *node_id;        //  borrowed
    const char *data_dir;       //  CABINET_DATA_DIR, borrowed
    int64_t max_bytes;          //  CABINET_UPLOAD_MAX_MB in bytes
    int64_t recording_max;      //  CABINET_RECORDING_MAX_MB in bytes
    unsigned accepted;          //  CABINET_ACCEPTED_TYPES: a bit per docs_type_t
    bool secret_uploads;        //  CABINET_SECRET_UPLOADS=allow
    const char *trust_anchors;  //  CABINET_TRUST_ANCHORS, borrowed ("" for none)
    int retention_months;       //  CABINET_RETENTION_MONTHS
} docs_settings_t;

//  Read and check the settings. Returns 0, or -1 when one is unusable (a
//  retention under six months, an unknown file type, a secret-upload
//  policy other than allow or forbid): logged, and the service must not
//  start with it.
int docs_settings_load (docs_settings_t *self, const char *node_id);

//  The program that analyses uploads in a child process: this binary.
#define DOCS_ANALYZER "/proc/self/exe"

typedef struct {
    PGconn *db;               //  owned
    docs_store_t *store;      //  owned, on db
    docs_storage_t *storage;  //  owned
    docs_spool_t *spool;      //  owned
    docs_settings_t settings;
} docs_worker_t;

//  cab_service_t.worker_new: connect and prepare one worker. Returns NULL
//  on failure (logged).
void *docs_worker_new (const cab_service_env_t *env, int index);

//  cab_service_t.worker_destroy. NULL-safe.
void docs_worker_destroy (void *worker);

//  cab_service_t.worker_ready: true if the worker's database answers and
//  the data folder is there.
bool docs_worker_ready (void *worker, const char **detail);

#endif
