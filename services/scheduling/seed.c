/*  seed - the demo catalogs (see seed.h).

    Rooms belong to agencies, which this service knows only from identity's
    events. Seeding may run before those have arrived (make run seeds every
    service before starting any): a room whose agency is not known yet
    waits in room_seeds and is created by the projection when the agency
    appears.  */
#include "seed.h"
#include "cab_log.h"
#include "store.h"
#include "worker.h"
#include <stdio.h>
#include <string.h>

typedef struct {
    const char *kind;
    const char *name;
} s_entry_t;

static const s_entry_t s_entries[] = {
    {"fields", "An toàn giao thông"},
    {"fields", "Công nghệ thông tin"},
    {"fields", "Tài chính – Ngân sách"},
    {"fields", "Đầu tư công"},
    {"fields", "Giáo dục và Đào tạo"},
    {"fields", "Y tế"},
    {"fields", "Cải cách hành chính"},
    {"fields", "Tài nguyên và Môi trường"},
    {"doc-types", "Công văn"},
    {"doc-types", "Nghị quyết"},
    {"doc-types", "Chỉ thị"},
    {"doc-types", "Kế hoạch"},
    {"doc-types", "Quyết định"},
    {"doc-types", "Báo cáo"},
    {"doc-types", "Tờ trình"},
    {"doc-types", "Thông báo kết luận"},
    {"doc-types", "Biên bản"},
    {"doc-fields", "Hành chính – Văn phòng"},
    {"doc-fields", "Tài chính – Kế toán"},
    {"doc-fields", "Công nghệ thông tin"},
    {"doc-fields", "Xây dựng – Quy hoạch"},
    {"doc-fields", "Tổ chức – Cán bộ"},
    {NULL, NULL},
};

typedef struct {
    const char *unit;  //  the demo agency (seeded by cabinet-identity seed-demo)
    const char *name;
    int capacity;
    const char *location;
} s_room_t;

static const s_room_t s_rooms[] = {
    {"Ủy ban nhân dân tỉnh", "Hội trường UBND tỉnh", 200, "Tầng 1, nhà B, trụ sở UBND tỉnh"},
    {"Văn phòng UBND tỉnh", "Phòng họp số 1", 40, "Tầng 2, nhà A, trụ sở UBND tỉnh"},
    {"Văn phòng UBND tỉnh", "Phòng họp trực tuyến", 30, "Tầng 3, nhà A, trụ sở UBND tỉnh"},
    {"Sở Thông tin và Truyền thông", "Phòng họp Sở Thông tin và Truyền thông", 25,
     "Tầng 4, trụ sở Sở"},
    {"Sở Tài chính", "Phòng họp Sở Tài chính", 25, "Tầng 2, trụ sở Sở"},
    {NULL, NULL, 0, NULL},
};

static int
s_seed_demo (PGconn *db, const cab_service_env_t *env)
{
    sched_settings_t settings;
    sched_settings_load (&settings, env->node_id);
    sched_store_t *store = sched_store_new (db, env->node_id, &settings.leads);
    int rc = 1;
    if (!store)
        goto cleanup;
    printf ("Danh mục mẫu của nút %s:\n", env->node_id);
    for (const s_entry_t *e = s_entries; e->kind; e++) {
        bool created = false;
        if (sched_store_catalog_seed (store, e->kind, e->name, &created) != CAB_OK) {
            cab_error ("seed: %s '%s' could not be added", e->kind, e->name);
            goto cleanup;
        }
        printf ("  %c %-10s %s%s\n", created ? '+' : '=', e->kind, e->name,
                created ? "" : " (đã có)");
    }
    for (const s_room_t *r = s_rooms; r->unit; r++) {
        int outcome = 0;
        if (sched_store_room_seed (store, r->unit, r->name, r->capacity, r->location, &outcome)
            != CAB_OK) {
            cab_error ("seed: room '%s' could not be added", r->name);
            goto cleanup;
        }
        if (outcome < 0)
            printf ("  ~ rooms      %s (chờ đơn vị «%s» từ dịch vụ định danh)\n", r->name, r->unit);
        else
            printf ("  %c rooms      %s — %s%s\n", outcome ? '+' : '=', r->name, r->unit,
                    outcome ? "" : " (đã có)");
    }
    rc = 0;
cleanup:
    if (rc != 0)
        fprintf (stderr, "seed-demo: thất bại, xem nhật ký ở trên\n");
    fflush (stdout);
    sched_store_destroy (&store);
    return rc;
}

int
sched_seed_command (PGconn *db, const cab_service_env_t *env, int argc, char **argv)
{
    if (argc >= 1 && strcmp (argv[0], "seed-demo") == 0)
        return s_seed_demo (db, env);
    return -1;
}
