/*  Unit tests of the analysing child process: the analysis of a file made
    in a child and reported back; a child that crashes before it knows
    anything, one that crashes or hangs after naming the kind, and one that
    cannot be started. This binary is its own child: run with the verb
    analyze-file it analyses its standard input, misbehaving as the
    environment variable DOCS_TEST_CHILD asks.  */
#include "analyze.h"
#include "fixtures.h"
#include "sandbox.h"
#include <signal.h>
#include <stdbool.h>
#include <string.h>
#include <time.h>
//  cmocka needs these before it, in this order.
// clang-format off
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
// clang-format on

#define SELF "/proc/self/exe"

/* ---- the child's side ---------------------------------------------------------------------- */

//  The first report as the real child writes it, then misbehave.
static void
s_report_then_misbehave (const Cabinet__V1__DocumentAnalysis *a, void *arg)
{
    const char *how = arg;
    size_t len = cabinet__v1__document_analysis__get_packed_size (a);
    uint8_t *buf = malloc (len + 4);
    buf[0] = (uint8_t) (len >> 24);
    buf[1] = (uint8_t) (len >> 16);
    buf[2] = (uint8_t) (len >> 8);
    buf[3] = (uint8_t) len;
    cabinet__v1__document_analysis__pack (a, buf + 4);
    if (write (STDOUT_FILENO, buf, len + 4) != (ssize_t) (len + 4))
        abort ();
    free (buf);
    if (strcmp (how, "hang") == 0)
        for (;;)
            pause ();
    abort ();
}

static int
s_child (void)
{
    const char *mode = getenv ("DOCS_TEST_CHILD");
    if (!mode || !*mode)
        return docs_analyze_main ();
    if (strcmp (mode, "crash") == 0)
        abort ();
    docs_analyze_opts_t opts;
    docs_analyze_opts_default (&opts, NULL);
    docs_analyze_fd (STDIN_FILENO, &opts, s_report_then_misbehave, (void *) mode);
    return 0;
}

/* ---- the service's side --------------------------------------------------------------------- */

static int
s_teardown (void **state)
{
    (void) state;
    unsetenv ("DOCS_TEST_CHILD");
    return 0;
}

static void
test_analysis_runs_in_a_child (void **state)
{
    (void) state;
    fx_buf_t pdf = fx_pdf (5, "Thong bao ket luan", false);
    int fd = fx_fd (pdf.data, pdf.len);
    bool ran = false, finished = false;
    Cabinet__V1__DocumentAnalysis *a = docs_sandbox_analyze (SELF, fd, 30000, &ran, &finished);
    close (fd);
    assert_true (ran);
    assert_true (finished);
    assert_non_null (a);
    assert_string_equal (a->file_type, "pdf");
    assert_int_equal (a->pages_known_case, CABINET__V1__DOCUMENT_ANALYSIS__PAGES_KNOWN_PAGES);
    assert_int_equal (a->pages, 5);
    assert_non_null (strstr (a->text, "Thong bao ket luan 5"));
    assert_non_null (a->signature);
    assert_false (a->signature->signed_);
    protobuf_c_message_free_unpacked (&a->base, NULL);
    free (pdf.data);
}

static void
test_child_crashing_at_once_gives_nothing (void **state)
{
    (void) state;
    setenv ("DOCS_TEST_CHILD", "crash", 1);
    int fd = fx_fd (fx_png, sizeof fx_png);
    bool ran = false, finished = true;
    Cabinet__V1__DocumentAnalysis *a = docs_sandbox_analyze (SELF, fd, 30000, &ran, &finished);
    close (fd);
    assert_true (ran);
    assert_false (finished);
    assert_null (a);
}

static void
test_child_crashing_after_the_kind_gives_the_kind (void **state)
{
    (void) state;
    setenv ("DOCS_TEST_CHILD", "crash-after-kind", 1);
    fx_buf_t pdf = fx_pdf (2, "Hong", false);
    int fd = fx_fd (pdf.data, pdf.len);
    bool ran = false, finished = true;
    Cabinet__V1__DocumentAnalysis *a = docs_sandbox_analyze (SELF, fd, 30000, &ran, &finished);
    close (fd);
    assert_false (finished);
    assert_non_null (a);
    assert_string_equal (a->file_type, "pdf");
    assert_true (a->accepted_kind);
    assert_int_equal (a->pages_known_case, CABINET__V1__DOCUMENT_ANALYSIS__PAGES_KNOWN__NOT_SET);
    protobuf_c_message_free_unpacked (&a->base, NULL);
    free (pdf.data);
}

static void
test_hanging_child_killed_at_the_deadline (void **state)
{
    (void) state;
    setenv ("DOCS_TEST_CHILD", "hang", 1);
    int fd = fx_fd (fx_png, sizeof fx_png);
    bool ran = false, finished = true;
    time_t start = time (NULL);
    Cabinet__V1__DocumentAnalysis *a = docs_sandbox_analyze (SELF, fd, 1000, &ran, &finished);
    close (fd);
    assert_true (time (NULL) - start < 10);
    assert_false (finished);
    assert_non_null (a);
    assert_string_equal (a->file_type, "png");
    protobuf_c_message_free_unpacked (&a->base, NULL);
}

static void
test_missing_program_did_not_run (void **state)
{
    (void) state;
    int fd = fx_fd (fx_png, sizeof fx_png);
    bool ran = true, finished = true;
    Cabinet__V1__DocumentAnalysis *a =
        docs_sandbox_analyze ("/nonexistent/cabinet-documents", fd, 1000, &ran, &finished);
    close (fd);
    assert_false (ran);
    assert_false (finished);
    assert_null (a);
}

int
main (int argc, char **argv)
{
    if (argc == 2 && strcmp (argv[1], DOCS_SANDBOX_VERB) == 0)
        return s_child ();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown (test_analysis_runs_in_a_child, s_teardown),
        cmocka_unit_test_teardown (test_child_crashing_at_once_gives_nothing, s_teardown),
        cmocka_unit_test_teardown (test_child_crashing_after_the_kind_gives_the_kind, s_teardown),
        cmocka_unit_test_teardown (test_hanging_child_killed_at_the_deadline, s_teardown),
        cmocka_unit_test_teardown (test_missing_program_did_not_run, s_teardown),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
