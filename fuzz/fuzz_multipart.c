/*  libFuzzer target: untrusted upload bodies through gw_multipart, the
    streaming parser of multipart/form-data. The first byte picks the
    boundary and a part limit, the second seeds how the rest (the body) is
    cut into pieces. The body is parsed twice, whole and in pieces, and the
    two runs must agree exactly: status, parts, and every content byte in
    every part. Callbacks check the order begin, data..., end, and that no
    more content comes out than went in.  */
#include "cab_utf8.h"
#include "multipart.h"
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define FNV_OFFSET 14695981039346656037ull
#define FNV_PRIME 1099511628211ull
#define PIECE_MAX 64  //  longest piece in the cut run

static const char *const s_types[] = {
    "multipart/form-data; boundary=b",
    "multipart/form-data; boundary=XyZ",
    "multipart/form-data; boundary=\"a b:c\"",
    "multipart/form-data; boundary=----WebKitFormBoundary7MA4YWxkTrZu0gW",
};

//  What one run saw.
typedef struct {
    size_t begun;
    size_t ended;
    size_t bytes;   //  content bytes passed on
    uint64_t hash;  //  of the parts' names, filenames, types and content, in order
    bool open;      //  a part has begun and not ended
} s_run_t;

static uint64_t
s_hash (uint64_t hash, const void *data, size_t size)
{
    const unsigned char *p = data;
    for (size_t i = 0; i < size; i++)
        hash = (hash ^ p[i]) * FNV_PRIME;
    return hash;
}

static uint64_t
s_hash_string (uint64_t hash, const char *s)
{
    return s ? s_hash (hash, s, strlen (s) + 1) : s_hash (hash, "\xff", 1);
}

static int
s_on_begin (void *arg, const gw_multipart_part_t *part)
{
    s_run_t *run = arg;
    if (run->open || part->index != run->begun || !part->name)
        abort ();
    if (!cab_utf8_valid (part->name, strlen (part->name)))
        abort ();
    if (part->filename
        && (!cab_utf8_valid (part->filename, strlen (part->filename))
            || strchr (part->filename, '/') || strchr (part->filename, '\\')))
        abort ();
    run->open = true;
    run->begun++;
    run->hash = s_hash_string (run->hash, part->name);
    run->hash = s_hash_string (run->hash, part->filename);
    run->hash = s_hash_string (run->hash, part->content_type);
    return 0;
}

static int
s_on_data (void *arg, const gw_multipart_part_t *part, const char *data, size_t size)
{
    s_run_t *run = arg;
    if (!run->open || size == 0 || part->index + 1 != run->begun)
        abort ();
    run->bytes += size;
    run->hash = s_hash (run->hash, data, size);
    return 0;
}

static int
s_on_end (void *arg, const gw_multipart_part_t *part)
{
    s_run_t *run = arg;
    if (!run->open || part->index + 1 != run->begun)
        abort ();
    run->open = false;
    run->ended++;
    run->hash = s_hash (run->hash, "|", 1);
    return 0;
}

static const gw_multipart_callbacks_t s_callbacks = {s_on_begin, s_on_data, s_on_end};

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    const char *type = s_types[data[0] % (sizeof s_types / sizeof s_types[0])];
    size_t max_parts = (size_t) (data[0] >> 2) % 8 + 1;
    unsigned seed = data[1];
    const char *body = (const char *) data + 2;
    size_t body_size = size - 2;

    s_run_t whole = {.hash = FNV_OFFSET}, cut = {.hash = FNV_OFFSET};
    gw_multipart_t *a = gw_multipart_new (type, &s_callbacks, &whole);
    gw_multipart_t *b = gw_multipart_new (type, &s_callbacks, &cut);
    if (!a || !b)
        abort ();
    gw_multipart_set_max_parts (a, max_parts);
    gw_multipart_set_max_parts (b, max_parts);

    int rc_a = gw_multipart_feed (a, body, body_size);
    if (rc_a == GW_MULTIPART_OK)
        rc_a = gw_multipart_finish (a);

    int rc_b = GW_MULTIPART_OK;
    size_t at = 0;
    while (at < body_size && rc_b == GW_MULTIPART_OK) {
        seed = seed * 1103515245u + 12345u;  //  a small LCG: cuts depend on the input only
        size_t piece = (seed >> 16) % (PIECE_MAX + 1);
        if (piece > body_size - at)
            piece = body_size - at;
        rc_b = gw_multipart_feed (b, body + at, piece);
        at += piece;
    }
    if (rc_b == GW_MULTIPART_OK)
        rc_b = gw_multipart_finish (b);

    if (rc_a != rc_b || whole.begun != cut.begun || whole.ended != cut.ended
        || whole.bytes != cut.bytes || whole.hash != cut.hash)
        abort ();
    if (whole.bytes > body_size || whole.begun > max_parts)
        abort ();
    if (gw_multipart_parts (a) != whole.begun)
        abort ();
    if (rc_a == GW_MULTIPART_OK && (!gw_multipart_done (a) || whole.open))
        abort ();
    if (gw_multipart_error (a)[0] == '\0' && rc_a != GW_MULTIPART_OK)
        abort ();
    gw_multipart_destroy (&a);
    gw_multipart_destroy (&b);
    return 0;
}
