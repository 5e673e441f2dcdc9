/*  Unit tests: the web UI's files - which paths may be served, types,
    index pages, revalidation, and nothing outside the folder.  */
#include "static.h"
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
//  cmocka needs these before it, in this order.
// clang-format off
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
// clang-format on

typedef struct {
    char base[PATH_MAX];  //  temporary folder holding web/ and a secret beside it
    char web[PATH_MAX];   //  resolved web folder
    gw_env_t env;
    gw_request_t req;
    gw_reply_t reply;
} s_fixture_t;

static void
s_write (const char *folder, const char *name, const char *text)
{
    char path[PATH_MAX + 64];
    snprintf (path, sizeof path, "%s/%s", folder, name);
    FILE *file = fopen (path, "w");
    assert_non_null (file);
    fputs (text, file);
    fclose (file);
}

static int
s_setup (void **state)
{
    static s_fixture_t fixture;
    memset (&fixture, 0, sizeof fixture);
    snprintf (fixture.base, sizeof fixture.base, "/tmp/gw-static-XXXXXX");
    if (!mkdtemp (fixture.base))
        return -1;
    char web[PATH_MAX + 8];
    snprintf (web, sizeof web, "%s/web", fixture.base);
    mkdir (web, 0700);
    snprintf (web + strlen (web), sizeof web - strlen (web), "/docs");
    mkdir (web, 0700);
    web[strlen (web) - 5] = '\0';
    if (!realpath (web, fixture.web))
        return -1;
    s_write (fixture.web, "index.html", "<!doctype html><title>Trang chủ</title>");
    s_write (fixture.web, "app.js", "'use strict';");
    s_write (fixture.web, "docs/index.html", "<p>Tài liệu</p>");
    s_write (fixture.web, ".env", "SECRET=1");
    s_write (fixture.base, "secret.txt", "do not serve");
    char link[PATH_MAX + 16], target[PATH_MAX + 16];
    snprintf (link, sizeof link, "%s/escape.txt", fixture.web);
    snprintf (target, sizeof target, "%s/secret.txt", fixture.base);
    if (symlink (target, link))
        return -1;
    fixture.env.web_dir = fixture.web;
    fixture.req.env = &fixture.env;
    fixture.req.verb = "GET";
    gw_reply_init (&fixture.reply);
    *state = &fixture;
    return 0;
}

static int
s_teardown (void **state)
{
    s_fixture_t *f = *state;
    gw_reply_reset (&f->reply);
    char command[PATH_MAX + 16];
    snprintf (command, sizeof command, "rm -rf '%s'", f->base);
    return system (command) == 0 ? 0 : -1;
}

static const char *
s_header (s_fixture_t *f, const char *name)
{
    for (int i = 0; i < f->reply.header_count; i++)
        if (strcmp (f->reply.headers[i].name, name) == 0)
            return f->reply.headers[i].value;
    return NULL;
}

static void
s_get (s_fixture_t *f, const char *path)
{
    gw_reply_reset (&f->reply);
    f->req.path = path;
    gw_static_serve (&f->req, &f->reply);
}

static void
test_serve_root_is_index_html (void **state)
{
    s_fixture_t *f = *state;
    s_get (f, "/");
    assert_int_equal (f->reply.status, 200);
    assert_true (f->reply.fd >= 0);
    assert_int_equal (f->reply.fd_size, strlen ("<!doctype html><title>Trang chủ</title>"));
    assert_string_equal (f->reply.content_type, "text/html; charset=utf-8");
    assert_non_null (s_header (f, "ETag"));
    assert_non_null (s_header (f, "Last-Modified"));
}

static void
test_serve_script_with_its_type (void **state)
{
    s_fixture_t *f = *state;
    s_get (f, "/app.js");
    assert_int_equal (f->reply.status, 200);
    assert_string_equal (f->reply.content_type, "text/javascript; charset=utf-8");
}

static void
test_serve_folder_is_its_index (void **state)
{
    s_fixture_t *f = *state;
    s_get (f, "/docs");
    assert_int_equal (f->reply.status, 200);
    assert_int_equal (f->reply.fd_size, strlen ("<p>Tài liệu</p>"));
}

static void
test_serve_missing_file_is_404 (void **state)
{
    s_fixture_t *f = *state;
    s_get (f, "/missing.css");
    assert_int_equal (f->reply.status, 404);
    assert_true (f->reply.fd < 0);
}

static void
test_serve_dot_dot_is_404 (void **state)
{
    s_fixture_t *f = *state;
    s_get (f, "/../secret.txt");
    assert_int_equal (f->reply.status, 404);
    s_get (f, "/docs/../../secret.txt");
    assert_int_equal (f->reply.status, 404);
}

static void
test_serve_link_out_of_folder_is_404 (void **state)
{
    s_fixture_t *f = *state;
    s_get (f, "/escape.txt");
    assert_int_equal (f->reply.status, 404);
}

static void
test_serve_hidden_file_is_404 (void **state)
{
    s_fixture_t *f = *state;
    s_get (f, "/.env");
    assert_int_equal (f->reply.status, 404);
}

static void
test_serve_matching_etag_is_304 (void **state)
{
    s_fixture_t *f = *state;
    s_get (f, "/app.js");
    char etag[64];
    snprintf (etag, sizeof etag, "%s", s_header (f, "ETag"));
    f->req.if_none_match = etag;
    s_get (f, "/app.js");
    f->req.if_none_match = NULL;
    assert_int_equal (f->reply.status, 304);
    assert_true (f->reply.fd < 0);
    assert_int_equal (f->reply.size, 0);
}

static void
test_serve_other_etag_is_200 (void **state)
{
    s_fixture_t *f = *state;
    f->req.if_none_match = "\"0-0\"";
    s_get (f, "/app.js");
    f->req.if_none_match = NULL;
    assert_int_equal (f->reply.status, 200);
}

static void
test_serve_same_modification_date_is_304 (void **state)
{
    s_fixture_t *f = *state;
    s_get (f, "/app.js");
    char date[64];
    snprintf (date, sizeof date, "%s", s_header (f, "Last-Modified"));
    f->req.if_modified_since = date;
    s_get (f, "/app.js");
    f->req.if_modified_since = NULL;
    assert_int_equal (f->reply.status, 304);
}

static void
test_serve_without_folder_is_404 (void **state)
{
    s_fixture_t *f = *state;
    f->env.web_dir = NULL;
    s_get (f, "/");
    f->env.web_dir = f->web;
    assert_int_equal (f->reply.status, 404);
}

static void
test_path_ok_refuses_traversal_and_hidden (void **state)
{
    (void) state;
    assert_true (gw_static_path_ok ("/"));
    assert_true (gw_static_path_ok ("/css/style.css"));
    assert_true (gw_static_path_ok ("/a..b.js"));
    assert_false (gw_static_path_ok ("/.."));
    assert_false (gw_static_path_ok ("/a/../b"));
    assert_false (gw_static_path_ok ("/./a"));
    assert_false (gw_static_path_ok ("/.git/config"));
    assert_false (gw_static_path_ok ("/a\\..\\b"));
    assert_false (gw_static_path_ok ("relative"));
}

static void
test_type_by_extension (void **state)
{
    (void) state;
    assert_string_equal (gw_static_type ("/x/style.CSS"), "text/css; charset=utf-8");
    assert_string_equal (gw_static_type ("logo.svg"), "image/svg+xml");
    assert_string_equal (gw_static_type ("/v1.0/README"), "application/octet-stream");
    assert_string_equal (gw_static_type ("archive.bin"), "application/octet-stream");
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_serve_root_is_index_html),
        cmocka_unit_test (test_serve_script_with_its_type),
        cmocka_unit_test (test_serve_folder_is_its_index),
        cmocka_unit_test (test_serve_missing_file_is_404),
        cmocka_unit_test (test_serve_dot_dot_is_404),
        cmocka_unit_test (test_serve_link_out_of_folder_is_404),
        cmocka_unit_test (test_serve_hidden_file_is_404),
        cmocka_unit_test (test_serve_matching_etag_is_304),
        cmocka_unit_test (test_serve_other_etag_is_200),
        cmocka_unit_test (test_serve_same_modification_date_is_304),
        cmocka_unit_test (test_serve_without_folder_is_404),
        cmocka_unit_test (test_path_ok_refuses_traversal_and_hidden),
        cmocka_unit_test (test_type_by_extension),
    };
    return cmocka_run_group_tests (tests, s_setup, s_teardown);
}
