/*  seed - the bootstrap admin and the demo province (see seed.h).  */
#include "seed.h"
#include "cab_arena.h"
#include "cab_config.h"
#include "cab_log.h"
#include "password.h"
#include "rules.h"
#include "store.h"
#include "worker.h"
#include <stdio.h>
#include <string.h>

#define BOOTSTRAP_UNIT "Văn phòng UBND tỉnh"
#define BOOTSTRAP_USERNAME "admin"
#define BOOTSTRAP_NAME "Quản trị hệ thống"

#define DEMO_TOP "Ủy ban nhân dân tỉnh"
#define DEMO_OFFICE "Văn phòng UBND tỉnh"
#define DEMO_ICT "Sở Thông tin và Truyền thông"
#define DEMO_FINANCE "Sở Tài chính"

typedef struct {
    const char *name;
    const char *parent;  //  NULL: top level
} s_demo_unit_t;

static const s_demo_unit_t s_demo_units[] = {
    {DEMO_TOP, NULL}, {DEMO_OFFICE, DEMO_TOP}, {DEMO_ICT, DEMO_TOP}, {DEMO_FINANCE, DEMO_TOP},
    {NULL, NULL},
};

typedef struct {
    const char *username;
    const char *full_name;
    const char *title;
    const char *unit;
    const char *role;
    const char *email;
    const char *phone;
} s_demo_user_t;

static const s_demo_user_t s_demo_users[] = {
    {"admin", BOOTSTRAP_NAME, "Quản trị hệ thống", DEMO_OFFICE, IDENT_ROLE_SYSTEM_ADMIN,
     "admin@ubnd.demo.gov.vn", NULL},
    {"vanthu", "Nguyễn Thị Thu", "Văn thư", DEMO_OFFICE, IDENT_ROLE_CLERK,
     "vanthu@ubnd.demo.gov.vn", "0912 000 001"},
    {"lanhdao", "Trần Văn Hùng", "Phó Chánh Văn phòng", DEMO_OFFICE, IDENT_ROLE_APPROVER,
     "lanhdao@ubnd.demo.gov.vn", "0912 000 002"},
    {"chutri", "Lê Minh Tuấn", "Phó Chủ tịch UBND tỉnh", DEMO_TOP, IDENT_ROLE_MEMBER,
     "chutri@ubnd.demo.gov.vn", "0912 000 003"},
    {"thuky", "Phạm Thị Lan", "Chuyên viên Văn phòng", DEMO_OFFICE, IDENT_ROLE_MEMBER,
     "thuky@ubnd.demo.gov.vn", "0912 000 004"},
    {"daibieu1", "Hoàng Văn Nam", "Giám đốc Sở", DEMO_ICT, IDENT_ROLE_MEMBER,
     "daibieu1@stttt.demo.gov.vn", "0912 000 011"},
    {"daibieu2", "Võ Thị Mai", "Giám đốc Sở", DEMO_FINANCE, IDENT_ROLE_MEMBER,
     "daibieu2@stc.demo.gov.vn", "0912 000 012"},
    {"daibieu3", "Đặng Quốc Bảo", "Phó Giám đốc Sở", DEMO_ICT, IDENT_ROLE_MEMBER,
     "daibieu3@stttt.demo.gov.vn", "0912 000 013"},
    {"daibieu4", "Bùi Thị Hương", "Trưởng phòng Ngân sách", DEMO_FINANCE, IDENT_ROLE_MEMBER,
     "daibieu4@stc.demo.gov.vn", "0912 000 014"},
    {"daibieu5", "Đỗ Minh Khoa", "Trưởng phòng Bưu chính, Viễn thông", DEMO_ICT, IDENT_ROLE_MEMBER,
     "daibieu5@stttt.demo.gov.vn", "0912 000 015"},
    {"qtstttt", "Ngô Thanh Sơn", "Quản trị hệ thống thông tin", DEMO_ICT, IDENT_ROLE_UNIT_ADMIN,
     "qtstttt@stttt.demo.gov.vn", "0912 000 016"},
    {NULL, NULL, NULL, NULL, NULL, NULL, NULL},
};

//  A local account with a known password, not forced to change.
static cab_status_t
s_create_user (ident_store_t *store, cab_arena_t *arena, const s_demo_user_t *spec,
               const char *unit_id, const char *password)
{
    char hash[IDENT_HASH_TEXT_MAX];
    if (ident_password_hash (password, hash) != 0)
        return CAB_INTERNAL;
    char *roles[] = {(char *) spec->role};
    ident_new_user_t in = {
        .username = spec->username,
        .full_name = spec->full_name,
        .title = spec->title,
        .unit_id = unit_id,
        .email = spec->email,
        .phone = spec->phone,
        .roles = roles,
        .n_roles = 1,
        .source = "local",
        .password_hash = hash,
        .must_change_password = false,
    };
    Cabinet__V1__User *user = NULL;
    ident_fault_t fault = {0};
    cab_status_t status = ident_store_user_create (store, arena, &in, NULL, &user, &fault);
    if (status != CAB_OK)
        cab_error ("cannot create account %s: %s", spec->username,
                   fault.message ? fault.message : cab_status_code (status));
    return status;
}

//  The unit for the bootstrap admin: the office unit if it exists, else
//  the first top-level unit, else a new office unit.
static cab_status_t
s_bootstrap_unit (ident_store_t *store, cab_arena_t *arena, char **unit_id)
{
    cab_status_t status = ident_store_unit_find (store, arena, BOOTSTRAP_UNIT, unit_id);
    if (status != CAB_NOT_FOUND)
        return status;
    Cabinet__V1__UnitList *top = NULL;
    status = ident_store_unit_list (store, arena, "", NULL, &top);
    if (status != CAB_OK)
        return status;
    if (top->n_items > 0) {
        *unit_id = top->items[0]->id;
        return CAB_OK;
    }
    Cabinet__V1__Unit *unit = NULL;
    ident_fault_t fault = {0};
    status = ident_store_unit_create (store, arena, BOOTSTRAP_UNIT, NULL, NULL, &unit, &fault);
    if (status == CAB_OK) {
        *unit_id = unit->id;
        cab_info ("bootstrap: created unit %s", BOOTSTRAP_UNIT);
    }
    return status;
}

int
ident_seed_on_start (PGconn *db, const cab_service_env_t *env)
{
    const char *password = cab_config_str ("CABINET_BOOTSTRAP_ADMIN_PASSWORD");
    if (!*password)
        return 0;
    ident_settings_t settings;
    ident_settings_load (&settings, env->node_id);
    ident_store_t *store = ident_store_new (db, env->node_id, settings.password_max_age_days);
    cab_arena_t *arena = cab_arena_new ();
    int rc = -1;
    long admins = 0;
    if (!store || !arena || ident_store_count_system_admins (store, &admins) != CAB_OK)
        goto cleanup;
    if (admins > 0) {
        rc = 0;
        goto cleanup;
    }
    if (ident_password_policy (password, BOOTSTRAP_USERNAME, NULL, settings.password_min_length)
        != IDENT_PW_OK)
        cab_warn ("bootstrap: CABINET_BOOTSTRAP_ADMIN_PASSWORD does not meet the password "
                  "policy; change it after signing in");
    ident_account_t *existing = NULL;
    cab_status_t status =
        ident_store_account_by_username (store, arena, BOOTSTRAP_USERNAME, &existing);
    if (status == CAB_OK) {
        //  A deleted or demoted "admin" keeps its name: a person must sort
        //  this out; starting the service is still useful.
        cab_error ("bootstrap: no active system admin, but account '%s' exists; "
                   "not touching it",
                   BOOTSTRAP_USERNAME);
        rc = 0;
        goto cleanup;
    }
    if (status != CAB_NOT_FOUND)
        goto cleanup;
    char *unit_id = NULL;
    if (s_bootstrap_unit (store, arena, &unit_id) != CAB_OK)
        goto cleanup;
    s_demo_user_t spec = {BOOTSTRAP_USERNAME,
                          BOOTSTRAP_NAME,
                          BOOTSTRAP_NAME,
                          NULL,
                          IDENT_ROLE_SYSTEM_ADMIN,
                          NULL,
                          NULL};
    if (s_create_user (store, arena, &spec, unit_id, password) != CAB_OK)
        goto cleanup;
    cab_info ("bootstrap: created system admin '%s'", BOOTSTRAP_USERNAME);
    rc = 0;
cleanup:
    cab_arena_destroy (&arena);
    ident_store_destroy (&store);
    return rc;
}

//  Find or create a demo unit under parent_id, moving it there if it sits
//  elsewhere (the bootstrap puts its office unit at the top).
static cab_status_t
s_ensure_unit (ident_store_t *store, cab_arena_t *arena, const char *name, const char *parent_id,
               char **unit_id)
{
    ident_fault_t fault = {0};
    cab_status_t status = ident_store_unit_find (store, arena, name, unit_id);
    if (status == CAB_NOT_FOUND) {
        Cabinet__V1__Unit *unit = NULL;
        status = ident_store_unit_create (store, arena, name, parent_id, NULL, &unit, &fault);
        if (status == CAB_OK) {
            *unit_id = unit->id;
            printf ("  + đơn vị   %s\n", name);
        }
    } else if (status == CAB_OK) {
        Cabinet__V1__Unit *unit = NULL;
        status = ident_store_unit_get (store, arena, *unit_id, &unit);
        bool placed = status == CAB_OK
                      && (!parent_id ? !unit->parent_id
                                     : unit->parent_id && strcmp (unit->parent_id, parent_id) == 0);
        if (status == CAB_OK && !placed) {
            status = ident_store_unit_update (store, arena, *unit_id, NULL,
                                              parent_id ? parent_id : "", NULL, &unit, &fault);
            if (status == CAB_OK)
                printf ("  ~ đơn vị   %s (chuyển vào đúng vị trí trong cây)\n", name);
        } else if (status == CAB_OK)
            printf ("  = đơn vị   %s (đã có)\n", name);
    }
    if (status != CAB_OK)
        cab_error ("seed: unit %s: %s", name,
                   fault.message ? fault.message : cab_status_code (status));
    return status;
}

static int
s_seed_demo (PGconn *db, const cab_service_env_t *env)
{
    const char *password = cab_config_str ("CABINET_DEMO_PASSWORD");
    ident_settings_t settings;
    ident_settings_load (&settings, env->node_id);
    ident_store_t *store = ident_store_new (db, env->node_id, settings.password_max_age_days);
    cab_arena_t *arena = cab_arena_new ();
    int rc = 1;
    if (!store || !arena)
        goto cleanup;
    printf ("Dữ liệu mẫu của nút %s:\n", env->node_id);

    const char *unit_ids[sizeof s_demo_units / sizeof s_demo_units[0]] = {NULL};
    for (size_t i = 0; s_demo_units[i].name; i++) {
        const char *parent_id = NULL;
        for (size_t j = 0; j < i && s_demo_units[i].parent; j++)
            if (strcmp (s_demo_units[j].name, s_demo_units[i].parent) == 0)
                parent_id = unit_ids[j];
        char *id = NULL;
        if (s_ensure_unit (store, arena, s_demo_units[i].name, parent_id, &id) != CAB_OK)
            goto cleanup;
        unit_ids[i] = id;
    }
    for (const s_demo_user_t *spec = s_demo_users; spec->username; spec++) {
        ident_account_t *existing = NULL;
        cab_status_t status =
            ident_store_account_by_username (store, arena, spec->username, &existing);
        if (status == CAB_OK) {
            printf ("  = tài khoản %-10s (đã có, giữ nguyên mật khẩu)\n", spec->username);
            continue;
        }
        if (status != CAB_NOT_FOUND)
            goto cleanup;
        const char *unit_id = NULL;
        for (size_t i = 0; s_demo_units[i].name; i++)
            if (strcmp (s_demo_units[i].name, spec->unit) == 0)
                unit_id = unit_ids[i];
        if (!unit_id || s_create_user (store, arena, spec, unit_id, password) != CAB_OK)
            goto cleanup;
        printf ("  + tài khoản %-10s %s, %s (%s)\n", spec->username, spec->full_name, spec->unit,
                spec->role);
    }
    printf ("Mật khẩu của các tài khoản mới: giá trị của CABINET_DEMO_PASSWORD.\n");
    rc = 0;
cleanup:
    if (rc != 0)
        fprintf (stderr, "seed-demo: thất bại, xem nhật ký ở trên\n");
    fflush (stdout);
    cab_arena_destroy (&arena);
    ident_store_destroy (&store);
    return rc;
}

int
ident_seed_command (PGconn *db, const cab_service_env_t *env, int argc, char **argv)
{
    if (argc >= 1 && strcmp (argv[0], "seed-demo") == 0)
        return s_seed_demo (db, env);
    return -1;
}
