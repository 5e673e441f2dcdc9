/*  jobs - what the documents service does on its own: every ten minutes it
    forgets uploads untouched for an hour (and their temporary files, and
    temporary files no upload names any more); once a day it purges the
    documents whose retention is over (R5.6: released by a leader, meeting
    ended more than CABINET_RETENTION_MONTHS ago). The purge is also the
    command `cabinet-documents purge`, the clean-up the command
    `cabinet-documents clean-uploads`. The service refuses to start on
    settings it cannot honour (a retention under six months above all).  */
#include "cab_log.h"
#include "handlers.h"
#include <stdio.h>
#include <string.h>

#define STALE_UPLOAD_S 3600  //  an upload untouched this long is abandoned
#define STALE_INTERVAL_S 600
#define PURGE_INTERVAL_S 86400   //  daily
#define PURGE_FIRST_DELAY_S 900  //  not in the rush of a start
#define PURGE_BATCH 200
#define PURGE_BATCHES_MAX 1000  //  one run stops after this many batches

//  Forget stale uploads and leftover files; *removed counts both.
static int
s_clean_uploads (PGconn *db, const cab_service_env_t *env, int *removed)
{
    *removed = 0;
    docs_settings_t settings;
    docs_settings_load (&settings, env->node_id);
    docs_store_t *store = docs_store_new (db);
    docs_spool_t *spool = docs_spool_new (settings.data_dir);
    cab_arena_t *arena = cab_arena_new ();
    int rc = -1;
    char **ids = NULL;
    size_t n = 0;
    if (!store || !spool || !arena
        || docs_store_uploads_expire (store, arena, STALE_UPLOAD_S, &ids, &n) != CAB_OK)
        goto cleanup;
    for (size_t i = 0; i < n; i++)
        docs_spool_remove (spool, ids[i]);
    //  Files no row names (a crash between the two): older than any upload kept.
    int orphans = docs_spool_sweep (spool, docs_now () - STALE_UPLOAD_S - STALE_INTERVAL_S);
    if (n || orphans > 0)
        cab_info ("uploads: %zu stale uploads and %d leftover files removed", n,
                  orphans > 0 ? orphans : 0);
    *removed = (int) n + (orphans > 0 ? orphans : 0);
    rc = 0;
cleanup:
    cab_arena_destroy (&arena);
    docs_spool_destroy (&spool);
    docs_store_destroy (&store);
    return rc;
}

static int
s_stale_uploads (PGconn *db, void *arg)
{
    int removed = 0;
    return s_clean_uploads (db, arg, &removed);
}

//  One purge over everything due. *total counts the documents removed.
static int
s_purge_all (PGconn *db, const cab_service_env_t *env, int64_t *cutoff, int *total)
{
    *total = 0;
    docs_settings_t settings;
    if (docs_settings_load (&settings, env->node_id) != 0)
        return -1;
    docs_storage_t *storage = docs_storage_fs_new (settings.data_dir);
    if (!storage)
        return -1;
    *cutoff = docs_retention_cutoff (docs_now (), settings.retention_months);
    int rc = 0;
    for (int batch = 0; batch < PURGE_BATCHES_MAX; batch++) {
        int purged = 0;
        if (docs_store_purge (db, storage, *cutoff, PURGE_BATCH, &purged) != CAB_OK) {
            rc = -1;
            break;
        }
        *total += purged;
        if (purged < PURGE_BATCH)
            break;
    }
    docs_storage_destroy (&storage);
    return rc;
}

static int
s_purge (PGconn *db, void *arg)
{
    int64_t cutoff = 0;
    int total = 0;
    int rc = s_purge_all (db, arg, &cutoff, &total);
    if (total) {
        char text[DOCS_TIME_TEXT];
        cab_info ("retention: %d documents purged (meetings released and ended before %s)", total,
                  docs_time_format (cutoff, text));
    }
    return rc;
}

const cab_job_t docs_jobs[] = {
    {"stale-uploads", STALE_INTERVAL_S, STALE_INTERVAL_S, s_stale_uploads},
    {"retention-purge", PURGE_INTERVAL_S, PURGE_FIRST_DELAY_S, s_purge},
    {NULL, 0, 0, NULL},
};

int
docs_on_start (PGconn *db, const cab_service_env_t *env)
{
    (void) db;
    docs_settings_t settings;
    if (docs_settings_load (&settings, env->node_id) != 0)
        return -1;
    docs_storage_t *storage = docs_storage_fs_new (settings.data_dir);
    docs_spool_t *spool = storage ? docs_spool_new (settings.data_dir) : NULL;
    int rc = storage && spool ? 0 : -1;
    if (rc != 0)
        cab_error ("CABINET_DATA_DIR=%s cannot be used; refusing to start", settings.data_dir);
    docs_spool_destroy (&spool);
    docs_storage_destroy (&storage);
    return rc;
}

int
docs_command (PGconn *db, const cab_service_env_t *env, int argc, char **argv)
{
    if (argc >= 1 && strcmp (argv[0], "seed-demo") == 0) {
        //  Documents come from people: the demo province starts without any.
        printf ("Dịch vụ tài liệu của nút %s: không có dữ liệu mẫu cần tạo.\n", env->node_id);
        return 0;
    }
    if (argc >= 1 && strcmp (argv[0], "clean-uploads") == 0) {
        int removed = 0;
        if (s_clean_uploads (db, env, &removed) != 0) {
            fprintf (stderr, "clean-uploads: thất bại, xem nhật ký ở trên\n");
            return 1;
        }
        printf ("Đã dọn %d phiên tải lên bị bỏ dở.\n", removed);
        return 0;
    }
    if (argc >= 1 && strcmp (argv[0], "purge") == 0) {
        int64_t cutoff = 0;
        int total = 0;
        int rc = s_purge_all (db, env, &cutoff, &total);
        char text[DOCS_TIME_TEXT];
        if (rc != 0) {
            fprintf (stderr, "purge: thất bại, xem nhật ký ở trên (đã xóa %d tài liệu)\n", total);
            return 1;
        }
        printf ("Đã xóa %d tài liệu hết thời hạn lưu trữ (cuộc họp đã được lãnh đạo cho phép "
                "xóa và kết thúc trước %s).\n",
                total, docs_time_format (cutoff, text));
        return 0;
    }
    return -1;
}
