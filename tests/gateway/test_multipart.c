/*  Unit tests: the streaming multipart/form-data parser. The same body must
    give the same parts however it is cut into pieces (every cut, byte by
    byte, random cuts); content that looks like a delimiter stays content;
    limits, truncation, preamble and epilogue, header forms.  */
#include "multipart.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
//  cmocka needs these before it, in this order.
// clang-format off
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
// clang-format on

#define PARTS_MAX 16
#define TEXT_MAX 256
#define RANDOM_RUNS 2000
#define RANDOM_SEED 20240611u

static const char s_type[] = "multipart/form-data; boundary=----cabinetB0undary7MA4YWxk";
static const char s_boundary[] = "----cabinetB0undary7MA4YWxk";

//  One part as the callbacks saw it.
typedef struct {
    size_t index;
    char name[TEXT_MAX];
    char filename[TEXT_MAX];
    bool has_filename;
    char type[TEXT_MAX];
    bool has_type;
    char *data;
    size_t size;
    bool ended;
} s_part_t;

typedef struct {
    s_part_t parts[PARTS_MAX];
    size_t count;
    size_t data_calls;
    bool out_of_order;     //  data or end without a begun part
    size_t abort_at_data;  //  return non-zero from this on_data call (1-based), 0: never
} s_recorder_t;

static int
s_on_begin (void *arg, const gw_multipart_part_t *part)
{
    s_recorder_t *rec = arg;
    if (rec->count > 0 && !rec->parts[rec->count - 1].ended)
        rec->out_of_order = true;
    assert_true (rec->count < PARTS_MAX);
    s_part_t *p = &rec->parts[rec->count++];
    memset (p, 0, sizeof *p);
    p->index = part->index;
    snprintf (p->name, sizeof p->name, "%s", part->name);
    if (part->filename) {
        p->has_filename = true;
        snprintf (p->filename, sizeof p->filename, "%s", part->filename);
    }
    if (part->content_type) {
        p->has_type = true;
        snprintf (p->type, sizeof p->type, "%s", part->content_type);
    }
    return 0;
}

static int
s_on_data (void *arg, const gw_multipart_part_t *part, const char *data, size_t size)
{
    s_recorder_t *rec = arg;
    assert_true (size > 0);
    if (rec->count == 0 || rec->parts[rec->count - 1].ended
        || rec->parts[rec->count - 1].index != part->index) {
        rec->out_of_order = true;
        return 0;
    }
    s_part_t *p = &rec->parts[rec->count - 1];
    p->data = realloc (p->data, p->size + size);
    assert_non_null (p->data);
    memcpy (p->data + p->size, data, size);
    p->size += size;
    rec->data_calls++;
    return rec->abort_at_data && rec->data_calls >= rec->abort_at_data;
}

static int
s_on_end (void *arg, const gw_multipart_part_t *part)
{
    s_recorder_t *rec = arg;
    if (rec->count == 0 || rec->parts[rec->count - 1].ended
        || rec->parts[rec->count - 1].index != part->index)
        rec->out_of_order = true;
    else
        rec->parts[rec->count - 1].ended = true;
    return 0;
}

static const gw_multipart_callbacks_t s_callbacks = {s_on_begin, s_on_data, s_on_end};

static void
s_recorder_reset (s_recorder_t *rec)
{
    for (size_t i = 0; i < rec->count; i++)
        free (rec->parts[i].data);
    memset (rec, 0, sizeof *rec);
}

//  Parse body cut at the given offsets (ascending); the status of the first
//  failing feed, else of finish.
static int
s_run_cuts (const char *type, const char *body, size_t size, const size_t *cuts, size_t ncuts,
            s_recorder_t *rec)
{
    gw_multipart_t *parser = gw_multipart_new (type, &s_callbacks, rec);
    assert_non_null (parser);
    size_t from = 0;
    int rc = GW_MULTIPART_OK;
    for (size_t i = 0; i <= ncuts && rc == GW_MULTIPART_OK; i++) {
        size_t to = i < ncuts ? cuts[i] : size;
        rc = gw_multipart_feed (parser, body + from, to - from);
        from = to;
    }
    if (rc == GW_MULTIPART_OK)
        rc = gw_multipart_finish (parser);
    gw_multipart_destroy (&parser);
    assert_null (parser);
    return rc;
}

static int
s_run (const char *type, const char *body, size_t size, s_recorder_t *rec)
{
    return s_run_cuts (type, body, size, NULL, 0, rec);
}

static int
s_run_bytewise (const char *type, const char *body, size_t size, s_recorder_t *rec)
{
    gw_multipart_t *parser = gw_multipart_new (type, &s_callbacks, rec);
    assert_non_null (parser);
    int rc = GW_MULTIPART_OK;
    for (size_t i = 0; i < size && rc == GW_MULTIPART_OK; i++)
        rc = gw_multipart_feed (parser, body + i, 1);
    if (rc == GW_MULTIPART_OK)
        rc = gw_multipart_finish (parser);
    gw_multipart_destroy (&parser);
    return rc;
}

static void
s_assert_same (const s_recorder_t *a, const s_recorder_t *b)
{
    assert_false (a->out_of_order);
    assert_false (b->out_of_order);
    assert_int_equal (a->count, b->count);
    for (size_t i = 0; i < a->count; i++) {
        const s_part_t *x = &a->parts[i], *y = &b->parts[i];
        assert_int_equal (x->index, y->index);
        assert_string_equal (x->name, y->name);
        assert_int_equal (x->has_filename, y->has_filename);
        assert_string_equal (x->filename, y->filename);
        assert_int_equal (x->has_type, y->has_type);
        assert_string_equal (x->type, y->type);
        assert_int_equal (x->ended, y->ended);
        assert_int_equal (x->size, y->size);
        if (x->size)
            assert_memory_equal (x->data, y->data, x->size);
    }
}

//  The binary content of the realistic body: every byte value, and
//  sequences that start like the delimiter.
static size_t
s_binary (char *out)
{
    size_t n = 0;
    for (int i = 0; i < 256; i++)
        out[n++] = (char) i;
    static const char *const tricks[] = {
        "\r\n",
        "\r\n-",
        "\r\n--",
        "\r\n------cabinetB0undary7MA4YWx",  //  all but the last character
        "\r\r\n--",
        "------cabinetB0undary7MA4YWxk",  //  the boundary line without its CRLF
        "\n------cabinetB0undary7MA4YWxk",
        "\r------cabinetB0undary7MA4YWxk",
        "\r\n------cabinetB0undary7MA4YWxK",  //  one letter's case differs
        "\r",
    };
    for (size_t t = 0; t < sizeof tricks / sizeof tricks[0]; t++) {
        memcpy (out + n, tricks[t], strlen (tricks[t]));
        n += strlen (tricks[t]);
        out[n++] = 'x';
    }
    out[n++] = '\r';  //  the last byte of the file is CR, just before the delimiter
    return n;
}

//  A body like the upload form sends: Vietnamese text fields, a repeated
//  field, a file.
static size_t
s_realistic (char *out, char *file, size_t *file_size)
{
    size_t n = 0;
    n += (size_t) sprintf (out + n,
                           "--%s\r\n"
                           "Content-Disposition: form-data; name=\"title\"\r\n\r\n"
                           "Báo cáo tình hình kinh tế - xã hội quý III\r\n"
                           "--%s\r\n"
                           "Content-Disposition: form-data; name=\"doc_type_id\"\r\n\r\n"
                           "7\r\n"
                           "--%s\r\n"
                           "Content-Disposition: form-data; name=\"classification\"\r\n\r\n"
                           "normal\r\n"
                           "--%s\r\n"
                           "Content-Disposition: form-data; name=\"access_user_ids\"\r\n\r\n"
                           "0190a1b2-0000-7000-8000-000000000001\r\n"
                           "--%s\r\n"
                           "Content-Disposition: form-data; name=\"access_user_ids\"\r\n\r\n"
                           "0190a1b2-0000-7000-8000-000000000002\r\n"
                           "--%s\r\n"
                           "Content-Disposition: form-data; name=\"file\"; "
                           "filename=\"Báo cáo quý III.pdf\"\r\n"
                           "Content-Type: application/pdf\r\n\r\n",
                           s_boundary, s_boundary, s_boundary, s_boundary, s_boundary, s_boundary);
    *file_size = s_binary (file);
    memcpy (out + n, file, *file_size);
    n += *file_size;
    n += (size_t) sprintf (out + n, "\r\n--%s--\r\n", s_boundary);
    return n;
}

static void
s_assert_realistic (const s_recorder_t *rec, const char *file, size_t file_size)
{
    assert_false (rec->out_of_order);
    assert_int_equal (rec->count, 6);
    assert_string_equal (rec->parts[0].name, "title");
    assert_int_equal (rec->parts[0].size, strlen ("Báo cáo tình hình kinh tế - xã hội quý III"));
    assert_memory_equal (rec->parts[0].data, "Báo cáo tình hình kinh tế - xã hội quý III",
                         rec->parts[0].size);
    assert_false (rec->parts[0].has_filename);
    assert_false (rec->parts[0].has_type);
    assert_string_equal (rec->parts[1].name, "doc_type_id");
    assert_int_equal (rec->parts[1].size, 1);
    assert_string_equal (rec->parts[3].name, "access_user_ids");
    assert_string_equal (rec->parts[4].name, "access_user_ids");
    assert_memory_equal (rec->parts[4].data, "0190a1b2-0000-7000-8000-000000000002", 36);
    const s_part_t *f = &rec->parts[5];
    assert_string_equal (f->name, "file");
    assert_true (f->has_filename);
    assert_string_equal (f->filename, "Báo cáo quý III.pdf");
    assert_string_equal (f->type, "application/pdf");
    assert_int_equal (f->size, file_size);
    assert_memory_equal (f->data, file, file_size);
    for (size_t i = 0; i < rec->count; i++) {
        assert_int_equal (rec->parts[i].index, i);
        assert_true (rec->parts[i].ended);
    }
}

// ---- the Content-Type ---------------------------------------------------

static void
test_boundary_reads_plain_and_quoted (void **state)
{
    (void) state;
    char b[GW_MULTIPART_BOUNDARY_MAX + 1];
    assert_int_equal (gw_multipart_boundary ("multipart/form-data; boundary=abc", b), 0);
    assert_string_equal (b, "abc");
    assert_int_equal (
        gw_multipart_boundary ("Multipart/Form-Data ; charset=utf-8;BOUNDARY = \"a b:c=d?\"", b),
        0);
    assert_string_equal (b, "a b:c=d?");
    assert_int_equal (gw_multipart_boundary ("multipart/form-data;boundary=\"xyz\" ; x=y", b), 0);
    assert_string_equal (b, "xyz");
    char seventy[GW_MULTIPART_BOUNDARY_MAX + 40];
    snprintf (seventy, sizeof seventy, "multipart/form-data; boundary=%070d", 7);
    assert_int_equal (gw_multipart_boundary (seventy, b), 0);
    assert_int_equal (strlen (b), GW_MULTIPART_BOUNDARY_MAX);
    assert_int_equal (gw_multipart_boundary (s_type, NULL), 0);
}

static void
test_boundary_refuses_other_types (void **state)
{
    (void) state;
    assert_int_equal (gw_multipart_boundary (NULL, NULL), GW_MULTIPART_ETYPE);
    assert_int_equal (gw_multipart_boundary ("application/json", NULL), GW_MULTIPART_ETYPE);
    assert_int_equal (gw_multipart_boundary ("multipart/mixed; boundary=a", NULL),
                      GW_MULTIPART_ETYPE);
    assert_int_equal (gw_multipart_boundary ("multipart/form-dataX; boundary=a", NULL),
                      GW_MULTIPART_ETYPE);
    assert_int_equal (gw_multipart_boundary ("application/x-www-form-urlencoded", NULL),
                      GW_MULTIPART_ETYPE);
}

static void
test_boundary_refuses_missing (void **state)
{
    (void) state;
    assert_int_equal (gw_multipart_boundary ("multipart/form-data", NULL),
                      GW_MULTIPART_ENOBOUNDARY);
    assert_int_equal (gw_multipart_boundary ("multipart/form-data; charset=utf-8", NULL),
                      GW_MULTIPART_ENOBOUNDARY);
    assert_int_equal (gw_multipart_boundary ("multipart/form-data; boundaryx=a", NULL),
                      GW_MULTIPART_ENOBOUNDARY);
    assert_null (gw_multipart_new ("multipart/form-data", &s_callbacks, NULL));
    assert_null (gw_multipart_new ("text/plain; boundary=a", &s_callbacks, NULL));
}

static void
test_boundary_refuses_bad_values (void **state)
{
    (void) state;
    static const char *const bad[] = {
        "multipart/form-data; boundary=",
        "multipart/form-data; boundary=\"\"",
        "multipart/form-data; boundary=\"ends with space \"",
        "multipart/form-data; boundary=a@b",
        "multipart/form-data; boundary=a b",
        "multipart/form-data; boundary=\"unclosed",
        "multipart/form-data; boundary=\"a\r\nb\"",
        "multipart/form-data; boundary=a; boundary=b",
        "multipart/form-data; boundary=0123456789012345678901234567890123456789012345678901234567"
        "89012345678901",  //  71 characters
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_int_equal (gw_multipart_boundary (bad[i], NULL), GW_MULTIPART_EBOUNDARY);
        assert_null (gw_multipart_new (bad[i], &s_callbacks, NULL));
    }
}

// ---- the body -----------------------------------------------------------

static void
test_parse_realistic_body (void **state)
{
    (void) state;
    char body[4096], file[1024];
    size_t file_size;
    size_t size = s_realistic (body, file, &file_size);
    s_recorder_t rec = {0};
    assert_int_equal (s_run (s_type, body, size, &rec), GW_MULTIPART_OK);
    s_assert_realistic (&rec, file, file_size);
    s_recorder_reset (&rec);
}

static void
test_every_split_gives_same_parts (void **state)
{
    (void) state;
    char body[4096], file[1024];
    size_t file_size;
    size_t size = s_realistic (body, file, &file_size);
    s_recorder_t whole = {0}, rec = {0};
    assert_int_equal (s_run (s_type, body, size, &whole), GW_MULTIPART_OK);
    s_assert_realistic (&whole, file, file_size);

    assert_int_equal (s_run_bytewise (s_type, body, size, &rec), GW_MULTIPART_OK);
    s_assert_same (&whole, &rec);
    s_recorder_reset (&rec);
    //  Every single cut, and every pair of cuts in the end of the file part
    //  (where the delimiter-like sequences are) and its closing delimiter.
    for (size_t cut = 0; cut <= size; cut++) {
        assert_int_equal (s_run_cuts (s_type, body, size, &cut, 1, &rec), GW_MULTIPART_OK);
        s_assert_same (&whole, &rec);
        s_recorder_reset (&rec);
    }
    size_t from = size - 300;
    for (size_t a = from; a <= size; a++)
        for (size_t b = a; b <= size; b++) {
            size_t cuts[2] = {a, b};
            assert_int_equal (s_run_cuts (s_type, body, size, cuts, 2, &rec), GW_MULTIPART_OK);
            s_assert_same (&whole, &rec);
            s_recorder_reset (&rec);
        }
    s_recorder_reset (&whole);
}

static void
test_random_splits_give_same_parts (void **state)
{
    (void) state;
    char body[4096], file[1024];
    size_t file_size;
    size_t size = s_realistic (body, file, &file_size);
    s_recorder_t whole = {0}, rec = {0};
    assert_int_equal (s_run (s_type, body, size, &whole), GW_MULTIPART_OK);
    srand (RANDOM_SEED);
    size_t cuts[64];
    for (int run = 0; run < RANDOM_RUNS; run++) {
        size_t n = (size_t) rand () % 64;
        for (size_t i = 0; i < n; i++)
            cuts[i] = (size_t) rand () % (size + 1);
        for (size_t i = 1; i < n; i++)  //  insertion sort: cuts ascend
            for (size_t j = i; j > 0 && cuts[j - 1] > cuts[j]; j--) {
                size_t t = cuts[j];
                cuts[j] = cuts[j - 1];
                cuts[j - 1] = t;
            }
        assert_int_equal (s_run_cuts (s_type, body, size, cuts, n, &rec), GW_MULTIPART_OK);
        s_assert_same (&whole, &rec);
        s_recorder_reset (&rec);
    }
    s_recorder_reset (&whole);
}

static void
test_delimiter_prefix_at_piece_end_is_content (void **state)
{
    (void) state;
    const char *type = "multipart/form-data; boundary=bound";
    gw_multipart_t *p;
    s_recorder_t rec = {0};
    p = gw_multipart_new (type, &s_callbacks, &rec);
    assert_int_equal (
        gw_multipart_feed (p, "--bound\r\nContent-Disposition: form-data; name=f\r\n\r\nab", 53),
        0);
    //  The piece ends in what may be a delimiter: nothing of it is passed on yet.
    assert_int_equal (gw_multipart_feed (p, "\r\n--bou", 7), 0);
    assert_int_equal (rec.parts[0].size, 2);
    //  It was not one: the held-back bytes are content after all.
    assert_int_equal (gw_multipart_feed (p, "X\r\n--boun", 9), 0);
    assert_int_equal (gw_multipart_feed (p, "", 0), 0);
    assert_int_equal (gw_multipart_feed (p, "x\r\n--bound--", 12), 0);
    assert_true (gw_multipart_done (p));
    assert_int_equal (gw_multipart_finish (p), 0);
    assert_int_equal (rec.parts[0].size, strlen ("ab\r\n--bouX\r\n--bounx"));
    assert_memory_equal (rec.parts[0].data, "ab\r\n--bouX\r\n--bounx", rec.parts[0].size);
    gw_multipart_destroy (&p);
    s_recorder_reset (&rec);
}

static void
test_preamble_and_epilogue_ignored (void **state)
{
    (void) state;
    //  "--b" counts only at the start of a line; the epilogue may hold anything.
    static const char body[] = "This is the preamble --b\r\n- -b\r\n"
                               "--b\r\n"
                               "Content-Disposition: form-data; name=\"a\"\r\n\r\n"
                               "1\r\n"
                               "--b--\r\n"
                               "This is the epilogue.\r\n--bX\r\nContent-Disposition: x\r\n\r\n";
    s_recorder_t rec = {0};
    assert_int_equal (s_run ("multipart/form-data; boundary=b", body, sizeof body - 1, &rec), 0);
    assert_int_equal (rec.count, 1);
    s_recorder_reset (&rec);
    static const char good[] = "preamble\r\n--b\r\n"
                               "Content-Disposition: form-data; name=\"a\"\r\n\r\n"
                               "1\r\n"
                               "--b--\r\n"
                               "epilogue\r\n--b\r\nContent-Disposition: x\r\n\r\nzz";
    assert_int_equal (s_run ("multipart/form-data; boundary=b", good, sizeof good - 1, &rec), 0);
    assert_int_equal (rec.count, 1);
    assert_int_equal (rec.parts[0].size, 1);
    assert_true (rec.parts[0].ended);
    s_recorder_reset (&rec);
}

static void
test_padding_after_delimiter_accepted (void **state)
{
    (void) state;
    static const char body[] = "--b \t \r\n"
                               "Content-Disposition: form-data; name=\"a\"\r\n\r\n"
                               "1\r\n"
                               "--b--  \r\n";
    s_recorder_t rec = {0};
    assert_int_equal (s_run ("multipart/form-data; boundary=b", body, sizeof body - 1, &rec), 0);
    assert_int_equal (rec.count, 1);
    s_recorder_reset (&rec);
}

static void
test_quoted_boundary_used_unquoted (void **state)
{
    (void) state;
    static const char body[] = "--a b:c=d?\r\n"
                               "Content-Disposition: form-data; name=\"a\"\r\n\r\n"
                               "\r\n--a b:c=d\r\n"
                               "--a b:c=d?--\r\n";
    s_recorder_t rec = {0};
    assert_int_equal (
        s_run ("multipart/form-data; boundary=\"a b:c=d?\"", body, sizeof body - 1, &rec), 0);
    assert_int_equal (rec.count, 1);
    assert_int_equal (rec.parts[0].size, strlen ("\r\n--a b:c=d"));
    s_recorder_reset (&rec);
}

static void
test_missing_final_crlf_accepted (void **state)
{
    (void) state;
    static const char body[] = "--b\r\n"
                               "Content-Disposition: form-data; name=\"a\"\r\n\r\n"
                               "1\r\n"
                               "--b--";
    s_recorder_t rec = {0};
    assert_int_equal (s_run ("multipart/form-data; boundary=b", body, sizeof body - 1, &rec), 0);
    assert_int_equal (rec.count, 1);
    assert_true (rec.parts[0].ended);
    assert_int_equal (
        s_run_bytewise ("multipart/form-data; boundary=b", body, sizeof body - 1, &rec), 0);
    s_recorder_reset (&rec);
}

static void
test_garbage_after_close_ignored (void **state)
{
    (void) state;
    s_recorder_t rec = {0};
    gw_multipart_t *p = gw_multipart_new ("multipart/form-data; boundary=b", &s_callbacks, &rec);
    static const char body[] = "--b\r\n"
                               "Content-Disposition: form-data; name=\"a\"\r\n\r\n"
                               "1\r\n"
                               "--b--garbage\x00\xff";
    assert_int_equal (gw_multipart_feed (p, body, sizeof body - 1), 0);
    assert_int_equal (gw_multipart_feed (p, "\r\n--b\r\nmore", 11), 0);
    assert_true (gw_multipart_done (p));
    assert_int_equal (gw_multipart_finish (p), 0);
    assert_int_equal (gw_multipart_parts (p), 1);
    assert_int_equal (rec.count, 1);
    gw_multipart_destroy (&p);
    s_recorder_reset (&rec);
}

static void
test_empty_body_of_parts_accepted (void **state)
{
    (void) state;
    s_recorder_t rec = {0};
    assert_int_equal (s_run ("multipart/form-data; boundary=b", "--b--\r\n", 7, &rec), 0);
    assert_int_equal (rec.count, 0);
}

static void
test_empty_part_and_defaults (void **state)
{
    (void) state;
    static const char body[] = "--b\r\n"
                               "content-disposition: FORM-DATA; NAME=e; FileName=\"\"\r\n\r\n"
                               "\r\n"
                               "--b--\r\n";
    s_recorder_t rec = {0};
    assert_int_equal (s_run ("multipart/form-data; boundary=b", body, sizeof body - 1, &rec), 0);
    assert_int_equal (rec.count, 1);
    assert_string_equal (rec.parts[0].name, "e");
    assert_true (rec.parts[0].has_filename);  //  a file field with nothing chosen
    assert_string_equal (rec.parts[0].filename, "");
    assert_false (rec.parts[0].has_type);
    assert_int_equal (rec.parts[0].size, 0);
    assert_true (rec.parts[0].ended);
    s_recorder_reset (&rec);
}

static void
test_truncated_body_reported (void **state)
{
    (void) state;
    static const char body[] = "--b\r\n"
                               "Content-Disposition: form-data; name=\"a\"\r\n\r\n"
                               "1234\r\n"
                               "--b--";
    const char *type = "multipart/form-data; boundary=b";
    s_recorder_t rec = {0};
    //  Cut anywhere before the closing "--": truncated, and no on_end for the open part.
    for (size_t len = 1; len < sizeof body - 3; len++) {
        int rc = s_run (type, body, len, &rec);
        assert_int_equal (rc, len < 3 ? GW_MULTIPART_ENOSTART : GW_MULTIPART_ETRUNCATED);
        if (rec.count == 1)
            assert_false (rec.parts[0].ended);
        s_recorder_reset (&rec);
    }
    //  A whole part and its delimiter but not the closing "--".
    assert_int_equal (s_run (type, body, sizeof body - 3, &rec), GW_MULTIPART_ETRUNCATED);
    assert_true (rec.parts[0].ended);
    s_recorder_reset (&rec);
    assert_int_equal (s_run (type, "no delimiter at all", 19, &rec), GW_MULTIPART_ENOSTART);
    assert_int_equal (s_run (type, "", 0, &rec), GW_MULTIPART_ENOSTART);

    gw_multipart_t *p = gw_multipart_new (type, &s_callbacks, &rec);
    assert_int_equal (gw_multipart_feed (p, body, 12), 0);
    assert_int_equal (gw_multipart_finish (p), GW_MULTIPART_ETRUNCATED);
    assert_int_equal (gw_multipart_status (p), GW_MULTIPART_ETRUNCATED);
    assert_string_equal (gw_multipart_error (p),
                         "Nội dung tải lên bị cắt cụt: thiếu ranh giới kết thúc");
    //  Sticky: later calls give the same error.
    assert_int_equal (gw_multipart_feed (p, body + 12, sizeof body - 13), GW_MULTIPART_ETRUNCATED);
    gw_multipart_destroy (&p);
    s_recorder_reset (&rec);
}

static void
test_header_block_limit (void **state)
{
    (void) state;
    static const char head[] = "--b\r\nContent-Disposition: form-data; name=\"a\"\r\nX-Pad: ";
    static const char tail[] = "\r\n\r\n1\r\n--b--\r\n";
    //  The header block runs from after the delimiter line to the blank line.
    size_t fixed = strlen (head) - 5 + strlen ("\r\n\r\n");
    char *body = malloc (GW_MULTIPART_HEADER_MAX + 128);
    s_recorder_t rec = {0};
    for (int over = 0; over <= 1; over++) {
        size_t pad = GW_MULTIPART_HEADER_MAX - fixed + (size_t) over;
        size_t n = 0;
        memcpy (body, head, strlen (head));
        n += strlen (head);
        memset (body + n, 'x', pad);
        n += pad;
        memcpy (body + n, tail, strlen (tail));
        n += strlen (tail);
        int rc = s_run ("multipart/form-data; boundary=b", body, n, &rec);
        assert_int_equal (rc, over ? GW_MULTIPART_EHEADER_SIZE : GW_MULTIPART_OK);
        assert_int_equal (rec.count, over ? 0 : 1);
        s_recorder_reset (&rec);
        rc = s_run_bytewise ("multipart/form-data; boundary=b", body, n, &rec);
        assert_int_equal (rc, over ? GW_MULTIPART_EHEADER_SIZE : GW_MULTIPART_OK);
        s_recorder_reset (&rec);
    }
    free (body);
}

static void
test_too_many_parts_refused (void **state)
{
    (void) state;
    char body[1024];
    size_t n = 0;
    for (int i = 0; i < 4; i++)
        n += (size_t) sprintf (body + n,
                               "--b\r\nContent-Disposition: form-data; name=p%d\r\n\r\n"
                               "v\r\n",
                               i);
    n += (size_t) sprintf (body + n, "--b--\r\n");
    s_recorder_t rec = {0};
    gw_multipart_t *p = gw_multipart_new ("multipart/form-data; boundary=b", &s_callbacks, &rec);
    gw_multipart_set_max_parts (p, 3);
    assert_int_equal (gw_multipart_feed (p, body, n), GW_MULTIPART_EPARTS);
    assert_int_equal (rec.count, 3);
    assert_int_equal (gw_multipart_finish (p), GW_MULTIPART_EPARTS);
    gw_multipart_destroy (&p);
    s_recorder_reset (&rec);
    p = gw_multipart_new ("multipart/form-data; boundary=b", &s_callbacks, &rec);
    gw_multipart_set_max_parts (p, 4);
    assert_int_equal (gw_multipart_feed (p, body, n), 0);
    assert_int_equal (gw_multipart_finish (p), 0);
    gw_multipart_destroy (&p);
    s_recorder_reset (&rec);
}

static void
test_default_part_limit (void **state)
{
    (void) state;
    s_recorder_t rec = {0};
    gw_multipart_callbacks_t none = {0};
    gw_multipart_t *p = gw_multipart_new ("multipart/form-data; boundary=b", &none, &rec);
    static const char part[] = "--b\r\nContent-Disposition: form-data; name=x\r\n\r\nv\r\n";
    int rc = 0;
    for (int i = 0; i <= GW_MULTIPART_PARTS_DEFAULT && rc == 0; i++)
        rc = gw_multipart_feed (p, part, sizeof part - 1);
    assert_int_equal (rc, GW_MULTIPART_EPARTS);
    assert_int_equal (gw_multipart_parts (p), GW_MULTIPART_PARTS_DEFAULT);
    gw_multipart_destroy (&p);
}

static void
test_filename_ext_value_preferred (void **state)
{
    (void) state;
    static const char body[] =
        "--b\r\n"
        "Content-Disposition: form-data; name=\"f\"; filename=\"Anh.pdf\"; "
        "filename*=UTF-8''%E1%BA%A2nh%20ch%E1%BB%A5p%20bi%C3%AAn%20b%E1%BA%A3n.pdf\r\n\r\n"
        "x\r\n"
        "--b\r\n"
        "Content-Disposition: form-data; name=\"g\"; filename*=iso-8859-1'vi'caf%E9.txt\r\n\r\n"
        "x\r\n"
        "--b\r\n"
        "Content-Disposition: form-data; name=\"h\"; filename=\"fallback.txt\"; "
        "filename*=KOI8-R''%C1\r\n\r\n"
        "x\r\n"
        "--b\r\n"
        "Content-Disposition: form-data; name=\"i\"; filename*=UTF-8''%C3\r\n\r\n"
        "x\r\n"
        "--b--\r\n";
    s_recorder_t rec = {0};
    assert_int_equal (s_run ("multipart/form-data; boundary=b", body, sizeof body - 1, &rec), 0);
    assert_int_equal (rec.count, 4);
    assert_string_equal (rec.parts[0].filename, "Ảnh chụp biên bản.pdf");
    assert_string_equal (rec.parts[1].filename, "café.txt");
    assert_string_equal (rec.parts[2].filename, "fallback.txt");  //  unknown charset
    assert_true (rec.parts[3].has_filename);                      //  a file, name unusable
    assert_string_equal (rec.parts[3].filename, "");
    s_recorder_reset (&rec);
}

static void
test_filename_kept_as_base_name (void **state)
{
    (void) state;
    static const char body[] =
        "--b\r\n"
        "Content-Disposition: form-data; name=\"f\"; filename=\"C:\\Users\\vt\\Biên bản.docx\"\r\n"
        "\r\nx\r\n"
        "--b\r\n"
        "Content-Disposition: form-data; name=\"f\"; filename=\"../../etc/passwd\"\r\n\r\nx\r\n"
        "--b\r\n"
        "Content-Disposition: form-data; name=\"f\"; filename=\"say \\\"hi\\\".txt\"\r\n\r\nx\r\n"
        "--b\r\n"
        "Content-Disposition: form-data; name=\"f\"; filename=\"bad\xff.txt\"\r\n\r\nx\r\n"
        "--b\r\n"
        "Content-Disposition: form-data; name=\"f\"; filename=plain.txt\r\n\r\nx\r\n"
        "--b--\r\n";
    s_recorder_t rec = {0};
    assert_int_equal (s_run ("multipart/form-data; boundary=b", body, sizeof body - 1, &rec), 0);
    assert_int_equal (rec.count, 5);
    assert_string_equal (rec.parts[0].filename, "Biên bản.docx");
    assert_string_equal (rec.parts[1].filename, "passwd");
    assert_string_equal (rec.parts[2].filename, "say \"hi\".txt");
    assert_string_equal (rec.parts[3].filename, "");  //  not UTF-8
    assert_string_equal (rec.parts[4].filename, "plain.txt");
    s_recorder_reset (&rec);
}

static void
test_folded_header_unfolded (void **state)
{
    (void) state;
    static const char body[] = "--b\r\n"
                               "Content-Disposition: form-data;\r\n"
                               "\tname=\"folded\";\r\n"
                               "  filename=\"a.txt\"\r\n"
                               "Content-Type: text/plain;\r\n charset=utf-8\r\n\r\n"
                               "x\r\n"
                               "--b--\r\n";
    s_recorder_t rec = {0};
    assert_int_equal (s_run ("multipart/form-data; boundary=b", body, sizeof body - 1, &rec), 0);
    assert_int_equal (rec.count, 1);
    assert_string_equal (rec.parts[0].name, "folded");
    assert_string_equal (rec.parts[0].filename, "a.txt");
    assert_string_equal (rec.parts[0].type, "text/plain; charset=utf-8");
    s_recorder_reset (&rec);
}

static void
test_malformed_headers_refused (void **state)
{
    (void) state;
    static const char *const heads[] = {
        "Content-Type: text/plain\r\n\r\n",                        //  no disposition
        "\r\n",                                                    //  no header at all
        "Content-Disposition: attachment; name=\"a\"\r\n\r\n",     //  not form-data
        "Content-Disposition: form-data\r\n\r\n",                  //  no name
        "Content-Disposition: form-data; filename=\"a\"\r\n\r\n",  //  no name
        "Content-Disposition: form-data; name=a; name=b\r\n\r\n",  //  name twice
        "Content-Disposition: form-data; name=\"a\"\r\n"
        "Content-Disposition: form-data; name=\"b\"\r\n\r\n",  //  disposition twice
        "Content-Disposition: form-data; name=\"a\r\n\r\n",    //  unclosed quote
        "Content-Disposition: form-data; name=\"a\"\r\nno colon here\r\n\r\n",  //  no colon
        " Content-Disposition: form-data; name=\"a\"\r\n\r\n",                  //  starts folded
        "Content-Disposition: form-data; name=\"a\"\nX: y\r\n\r\n",             //  bare LF
        "Content-Disposition: form-data; name=\"a\x01\"\r\n\r\n",  //  control character
        "Content-Disposition: form-data; name=\"\xc3\"\r\n\r\n",   //  name not UTF-8
        "Content-Disposition: form-data; name=\"a\"\r\nContent-Type: t\xc3\xa9\r\n\r\n",
        "Content-Disposition: form-data; name=\"a\" junk\r\n\r\n",  //  junk after a value
        "Content-Disposition: form-data; =x; name=\"a\"\r\n\r\n",   //  empty parameter name
    };
    s_recorder_t rec = {0};
    char body[512];
    for (size_t i = 0; i < sizeof heads / sizeof heads[0]; i++) {
        int n = snprintf (body, sizeof body, "--b\r\n%sx\r\n--b--\r\n", heads[i]);
        int rc = s_run ("multipart/form-data; boundary=b", body, (size_t) n, &rec);
        assert_int_equal (rc, GW_MULTIPART_EHEADER);
        assert_int_equal (rec.count, 0);
        s_recorder_reset (&rec);
    }
}

static void
test_bad_delimiter_line_refused (void **state)
{
    (void) state;
    static const char *const bodies[] = {
        "--bX\r\n",                                                          //  longer boundary
        "--b-x",                                                             //  one dash
        "--b \tx\r\n",                                                       //  junk after blanks
        "--b\rx",                                                            //  CR without LF
        "--b\r\nContent-Disposition: form-data; name=a\r\n\r\n1\r\n--bb--",  //  inside the body
    };
    s_recorder_t rec = {0};
    for (size_t i = 0; i < sizeof bodies / sizeof bodies[0]; i++) {
        int rc = s_run ("multipart/form-data; boundary=b", bodies[i], strlen (bodies[i]), &rec);
        assert_int_equal (rc, GW_MULTIPART_EDELIMITER);
        s_recorder_reset (&rec);
    }
}

static void
test_callback_stops_parse (void **state)
{
    (void) state;
    char body[4096], file[1024];
    size_t file_size;
    size_t size = s_realistic (body, file, &file_size);
    s_recorder_t rec = {0};
    rec.abort_at_data = 3;
    gw_multipart_t *p = gw_multipart_new (s_type, &s_callbacks, &rec);
    assert_int_equal (gw_multipart_feed (p, body, size), GW_MULTIPART_EABORTED);
    assert_int_equal (rec.data_calls, 3);
    assert_int_equal (gw_multipart_feed (p, body, 1), GW_MULTIPART_EABORTED);
    assert_int_equal (gw_multipart_finish (p), GW_MULTIPART_EABORTED);
    assert_string_equal (gw_multipart_error (p), "Việc tải lên đã bị dừng");
    gw_multipart_destroy (&p);
    gw_multipart_destroy (&p);  //  NULL-safe, idempotent
    gw_multipart_destroy (NULL);
    s_recorder_reset (&rec);
}

static void
test_vietnamese_values_pass_unchanged (void **state)
{
    (void) state;
    //  Field values are content: bytes as sent, decomposed forms included.
    static const char body[] = "--b\r\n"
                               "Content-Disposition: form-data; name=\"tiêu_đề\"\r\n\r\n"
                               "Hội nghị Ủy ban nhân dân tỉnh Bình Định\r\n"
                               "--b\r\n"
                               "Content-Disposition: form-data; name=\"nfd\"\r\n\r\n"
                               "Vie\xcc\xa3\xcc\x82t\r\n"
                               "--b--\r\n";
    s_recorder_t rec = {0};
    assert_int_equal (s_run ("multipart/form-data; boundary=b", body, sizeof body - 1, &rec), 0);
    assert_int_equal (rec.count, 2);
    assert_string_equal (rec.parts[0].name, "tiêu_đề");
    assert_int_equal (rec.parts[0].size, strlen ("Hội nghị Ủy ban nhân dân tỉnh Bình Định"));
    assert_memory_equal (rec.parts[0].data, "Hội nghị Ủy ban nhân dân tỉnh Bình Định",
                         rec.parts[0].size);
    assert_int_equal (rec.parts[1].size, 8);
    s_recorder_reset (&rec);
}

static void
test_error_messages_are_vietnamese (void **state)
{
    (void) state;
    assert_string_equal (gw_multipart_strerror (GW_MULTIPART_OK), "");
    for (int code = GW_MULTIPART_ENOMEM; code >= GW_MULTIPART_EABORTED; code--) {
        const char *message = gw_multipart_strerror (code);
        assert_true (strlen (message) > 10);
    }
    assert_string_equal (gw_multipart_strerror (GW_MULTIPART_EHEADER_SIZE),
                         "Phần đầu (header) của một phần tải lên quá dài");
    assert_true (strlen (gw_multipart_strerror (-99)) > 0);
    assert_true (strlen (gw_multipart_strerror (5)) > 0);
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_boundary_reads_plain_and_quoted),
        cmocka_unit_test (test_boundary_refuses_other_types),
        cmocka_unit_test (test_boundary_refuses_missing),
        cmocka_unit_test (test_boundary_refuses_bad_values),
        cmocka_unit_test (test_parse_realistic_body),
        cmocka_unit_test (test_every_split_gives_same_parts),
        cmocka_unit_test (test_random_splits_give_same_parts),
        cmocka_unit_test (test_delimiter_prefix_at_piece_end_is_content),
        cmocka_unit_test (test_preamble_and_epilogue_ignored),
        cmocka_unit_test (test_padding_after_delimiter_accepted),
        cmocka_unit_test (test_quoted_boundary_used_unquoted),
        cmocka_unit_test (test_missing_final_crlf_accepted),
        cmocka_unit_test (test_garbage_after_close_ignored),
        cmocka_unit_test (test_empty_body_of_parts_accepted),
        cmocka_unit_test (test_empty_part_and_defaults),
        cmocka_unit_test (test_truncated_body_reported),
        cmocka_unit_test (test_header_block_limit),
        cmocka_unit_test (test_too_many_parts_refused),
        cmocka_unit_test (test_default_part_limit),
        cmocka_unit_test (test_filename_ext_value_preferred),
        cmocka_unit_test (test_filename_kept_as_base_name),
        cmocka_unit_test (test_folded_header_unfolded),
        cmocka_unit_test (test_malformed_headers_refused),
        cmocka_unit_test (test_bad_delimiter_line_refused),
        cmocka_unit_test (test_callback_stops_parse),
        cmocka_unit_test (test_vietnamese_values_pass_unchanged),
        cmocka_unit_test (test_error_messages_are_vietnamese),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
