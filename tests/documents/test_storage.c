/*  Unit tests of the content-addressed storage (objects/<2 hex>/<sha256>)
    and the spool of uploads in progress: objects moved in whole, the same
    bytes stored once, addresses checked, temporary files named only after
    upload ids, written at offsets, cut, swept when abandoned.  */
#include "cab_crypto.h"
#include "cab_uuid.h"
#include "spool.h"
#include "storage.h"
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <utime.h>
//  cmocka needs these before it, in this order.
// clang-format off
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
// clang-format on

typedef struct {
    char root[64];
    docs_storage_t *storage;
    docs_spool_t *spool;
} s_env_t;

static int
s_setup (void **state)
{
    s_env_t *env = calloc (1, sizeof *env);
    snprintf (env->root, sizeof env->root, "/tmp/cabinet-docs-store.XXXXXX");
    if (!mkdtemp (env->root)) {
        free (env);
        return -1;
    }
    char data[128];
    snprintf (data, sizeof data, "%s/var/data", env->root);  //  folders made as needed
    env->storage = docs_storage_fs_new (data);
    env->spool = docs_spool_new (data);
    *state = env;
    return env->storage && env->spool ? 0 : -1;
}

static int
s_teardown (void **state)
{
    s_env_t *env = *state;
    docs_spool_destroy (&env->spool);
    docs_storage_destroy (&env->storage);
    char command[160];
    snprintf (command, sizeof command, "rm -rf '%s'", env->root);
    if (system (command) != 0)
        return -1;
    free (env);
    return 0;
}

//  A finished upload: a temporary file with text, its address into sha.
static void
s_temp (s_env_t *env, const char *upload_id, const char *text, char path[PATH_MAX], char sha[65])
{
    assert_int_equal (docs_spool_create (env->spool, upload_id), 0);
    assert_int_equal (docs_spool_write (env->spool, upload_id, 0, text, strlen (text)), 0);
    assert_int_equal (docs_spool_path (env->spool, upload_id, path), 0);
    cab_sha256_hex (text, strlen (text), sha);
}

static void
test_put_moves_the_file_under_its_address (void **state)
{
    s_env_t *env = *state;
    char id[CAB_UUID_LEN + 1], path[PATH_MAX], sha[65];
    cab_uuid_v7 (id);
    s_temp (env, id, "Nội dung tài liệu họp", path, sha);
    bool created = false;
    assert_int_equal (docs_storage_put (env->storage, path, sha, &created), 0);
    assert_true (created);
    assert_int_equal (access (path, F_OK), -1);  //  moved, not copied
    assert_true (docs_storage_exists (env->storage, sha));
    char object[PATH_MAX];
    snprintf (object, sizeof object, "%s/var/data/objects/%.2s/%s", env->root, sha, sha);
    struct stat st;
    assert_int_equal (stat (object, &st), 0);
    assert_int_equal (st.st_mode & 0777, 0600);
    int fd = docs_storage_open (env->storage, sha);
    assert_true (fd >= 0);
    char back[64] = {0};
    assert_int_equal (read (fd, back, sizeof back - 1), (ssize_t) strlen ("Nội dung tài liệu họp"));
    assert_string_equal (back, "Nội dung tài liệu họp");
    char address[65];
    assert_int_equal (docs_storage_address_of (fd, address), 0);
    assert_string_equal (address, sha);
    close (fd);
}

static void
test_same_bytes_stored_once (void **state)
{
    s_env_t *env = *state;
    char a[CAB_UUID_LEN + 1], b[CAB_UUID_LEN + 1], path_a[PATH_MAX], path_b[PATH_MAX], sha[65];
    cab_uuid_v7 (a);
    cab_uuid_v7 (b);
    s_temp (env, a, "Giấy mời họp", path_a, sha);
    s_temp (env, b, "Giấy mời họp", path_b, sha);
    bool created = false;
    assert_int_equal (docs_storage_put (env->storage, path_a, sha, &created), 0);
    assert_true (created);
    assert_int_equal (docs_storage_put (env->storage, path_b, sha, &created), 0);
    assert_false (created);
    assert_int_equal (access (path_b, F_OK), -1);  //  the second copy is gone
    assert_true (docs_storage_exists (env->storage, sha));
}

static void
test_remove_and_missing_objects (void **state)
{
    s_env_t *env = *state;
    char id[CAB_UUID_LEN + 1], path[PATH_MAX], sha[65];
    cab_uuid_v7 (id);
    s_temp (env, id, "Biên bản", path, sha);
    bool created = false;
    assert_int_equal (docs_storage_put (env->storage, path, sha, &created), 0);
    assert_int_equal (docs_storage_remove (env->storage, sha), 0);
    assert_false (docs_storage_exists (env->storage, sha));
    assert_int_equal (docs_storage_remove (env->storage, sha), 0);  //  gone already: fine
    errno = 0;
    assert_int_equal (docs_storage_open (env->storage, sha), -1);
    assert_int_equal (errno, ENOENT);
}

static void
test_addresses_are_checked (void **state)
{
    s_env_t *env = *state;
    assert_true (docs_storage_address_valid (
        "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"));
    assert_false (docs_storage_address_valid (
        "9F86D081884C7D659A2FEAA0C55AD015A3BF4F1B2B0B822CD15D6C15B0F00A08"));
    assert_false (docs_storage_address_valid ("../../etc/passwd"));
    assert_false (docs_storage_address_valid (NULL));
    bool created = true;
    assert_int_equal (docs_storage_put (env->storage, "/etc/hostname", "../x", &created), -1);
    assert_false (created);
    assert_int_equal (docs_storage_open (env->storage, "../../../etc/passwd"), -1);
    assert_false (docs_storage_exists (env->storage, "ab"));
}

/* ---- the spool ---------------------------------------------------------------------------- */

static void
test_spool_names_only_upload_ids (void **state)
{
    s_env_t *env = *state;
    char path[PATH_MAX];
    assert_int_equal (docs_spool_path (env->spool, "../../etc/passwd", path), -1);
    assert_int_equal (docs_spool_path (env->spool, "bao-cao.pdf", path), -1);
    assert_int_equal (docs_spool_create (env->spool, "../x"), -1);
    char id[CAB_UUID_LEN + 1];
    cab_uuid_v7 (id);
    assert_int_equal (docs_spool_path (env->spool, id, path), 0);
    assert_non_null (strstr (path, "/tmp/"));
    assert_non_null (strstr (path, id));
}

static void
test_spool_writes_at_offsets_and_cuts (void **state)
{
    s_env_t *env = *state;
    char id[CAB_UUID_LEN + 1];
    cab_uuid_v7 (id);
    assert_int_equal (docs_spool_create (env->spool, id), 0);
    assert_int_equal (docs_spool_create (env->spool, id), -1);  //  never reopened as new
    assert_int_equal (docs_spool_write (env->spool, id, 0, "abcdef", 6), 0);
    assert_int_equal (docs_spool_write (env->spool, id, 6, "ghij", 4), 0);
    assert_int_equal (docs_spool_write (env->spool, id, 3, "DEF", 3), 0);
    char buf[16] = {0};
    assert_int_equal (docs_spool_read (env->spool, id, 0, buf, sizeof buf), 10);
    assert_string_equal (buf, "abcDEFghij");
    assert_int_equal (docs_spool_truncate (env->spool, id, 4), 0);
    memset (buf, 0, sizeof buf);
    assert_int_equal (docs_spool_read (env->spool, id, 0, buf, sizeof buf), 4);
    assert_string_equal (buf, "abcD");
    assert_int_equal (docs_spool_remove (env->spool, id), 0);
    assert_int_equal (docs_spool_open (env->spool, id), -1);
    assert_int_equal (docs_spool_remove (env->spool, id), 0);
}

static void
test_spool_sweep_removes_only_old_files (void **state)
{
    s_env_t *env = *state;
    char old[CAB_UUID_LEN + 1], fresh[CAB_UUID_LEN + 1], path[PATH_MAX];
    cab_uuid_v7 (old);
    cab_uuid_v7 (fresh);
    assert_int_equal (docs_spool_create (env->spool, old), 0);
    assert_int_equal (docs_spool_create (env->spool, fresh), 0);
    assert_int_equal (docs_spool_path (env->spool, old, path), 0);
    time_t two_hours_ago = time (NULL) - 7200;
    struct utimbuf times = {two_hours_ago, two_hours_ago};
    assert_int_equal (utime (path, &times), 0);
    int removed = docs_spool_sweep (env->spool, (int64_t) time (NULL) - 3600);
    assert_true (removed >= 1);
    assert_int_equal (docs_spool_open (env->spool, old), -1);
    int fd = docs_spool_open (env->spool, fresh);
    assert_true (fd >= 0);
    close (fd);
    docs_spool_remove (env->spool, fresh);
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_put_moves_the_file_under_its_address),
        cmocka_unit_test (test_same_bytes_stored_once),
        cmocka_unit_test (test_remove_and_missing_objects),
        cmocka_unit_test (test_addresses_are_checked),
        cmocka_unit_test (test_spool_names_only_upload_ids),
        cmocka_unit_test (test_spool_writes_at_offsets_and_cuts),
        cmocka_unit_test (test_spool_sweep_removes_only_old_files),
    };
    return cmocka_run_group_tests (tests, s_setup, s_teardown);
}
