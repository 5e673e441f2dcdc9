/*  gw_multipart - a streaming multipart/form-data parser (RFC 7578 over the
    syntax of RFC 2046) for uploads far larger than anything the gateway
    keeps in memory. The body is fed in pieces of any size as the HTTP
    server receives them; the parser calls back when a part begins (its
    headers parsed), with each piece of the part's content (pointers into
    the piece being fed, never a copy of the part), and when the part ends.
    It holds at most one part's header block (GW_MULTIPART_HEADER_MAX) and
    never more than the delimiter's length of content.

    Deliberate strictness: delimiters and header lines end in CRLF; every
    part needs "Content-Disposition: form-data; name=..."; a delimiter
    followed by anything but blanks and CRLF (or "--" for the last one) is
    an error, as RFC 2046 forbids the delimiter inside a part. Deliberate
    leniency: a preamble before the first delimiter and anything after the
    closing one (the epilogue, even without its CRLF) are ignored; folded
    header lines are unfolded; a body with no part at all is accepted.  */
#ifndef GW_MULTIPART_H
#define GW_MULTIPART_H
#include <stdbool.h>
#include <stddef.h>

#define GW_MULTIPART_BOUNDARY_MAX 70    //  RFC 2046: 1 to 70 characters
#define GW_MULTIPART_HEADER_MAX 8192    //  one part's header block, blank line included
#define GW_MULTIPART_PARTS_DEFAULT 256  //  parts per body unless set otherwise

//  What went wrong; every code has a Vietnamese message (gw_multipart_strerror).
typedef enum {
    GW_MULTIPART_OK = 0,
    GW_MULTIPART_ENOMEM = -1,        //  out of memory
    GW_MULTIPART_ETYPE = -2,         //  Content-Type is not multipart/form-data
    GW_MULTIPART_ENOBOUNDARY = -3,   //  Content-Type has no boundary parameter
    GW_MULTIPART_EBOUNDARY = -4,     //  boundary parameter empty, too long or bad characters
    GW_MULTIPART_ENOSTART = -5,      //  the body ended before its first delimiter
    GW_MULTIPART_EDELIMITER = -6,    //  a delimiter followed by something else than CRLF or "--"
    GW_MULTIPART_EHEADER = -7,       //  a malformed part header, or no form-data name
    GW_MULTIPART_EHEADER_SIZE = -8,  //  a part's header block over GW_MULTIPART_HEADER_MAX
    GW_MULTIPART_EPARTS = -9,        //  more parts than allowed
    GW_MULTIPART_ETRUNCATED = -10,   //  the body ended before the closing delimiter
    GW_MULTIPART_EABORTED = -11,     //  a callback asked to stop
} gw_multipart_status_t;

//  One part, as its headers describe it. The strings belong to the parser
//  and stay valid from on_begin until on_end of the same part returns.
typedef struct {
    size_t index;              //  0 for the first part
    const char *name;          //  form field name, valid UTF-8 (may be "")
    const char *filename;      //  NULL: a plain field. Otherwise a hint only: the base name
                               //  sent (filename*, RFC 5987, preferred over filename), valid
                               //  UTF-8 without control characters, or "" when unusable
    const char *content_type;  //  as sent, NULL when absent (RFC 7578: then text/plain)
} gw_multipart_part_t;

//  Callbacks; any may be NULL. Returning non-zero stops the parse: the
//  feed that caused the call returns GW_MULTIPART_EABORTED, and so does
//  every later call.
typedef struct {
    //  A part's headers are in.
    int (*on_begin) (void *arg, const gw_multipart_part_t *part);
    //  Some bytes of the part's content, never empty. Called any number of
    //  times per part; data is only valid during the call.
    int (*on_data) (void *arg, const gw_multipart_part_t *part, const char *data, size_t size);
    //  The part's content is complete (its delimiter has been seen).
    int (*on_end) (void *arg, const gw_multipart_part_t *part);
} gw_multipart_callbacks_t;

typedef struct _gw_multipart_t gw_multipart_t;

//  Check a Content-Type header value and copy its boundary (unquoted) into
//  boundary, which holds GW_MULTIPART_BOUNDARY_MAX + 1 bytes (or NULL to
//  check only). Returns GW_MULTIPART_OK, ETYPE, ENOBOUNDARY or EBOUNDARY,
//  so the caller can answer 415 or 400 before reading the body.
int gw_multipart_boundary (const char *content_type, char *boundary);

//  A parser for a body of that Content-Type. The callbacks are copied; arg
//  is passed to them. Returns NULL when content_type has no valid
//  multipart/form-data boundary (see gw_multipart_boundary) or on
//  out-of-memory.
gw_multipart_t *gw_multipart_new (const char *content_type, const gw_multipart_callbacks_t *cb,
                                  void *arg);

//  Destroy the parser; nulls *self_p. NULL-safe.
void gw_multipart_destroy (gw_multipart_t **self_p);

//  Most parts a body may have (GW_MULTIPART_PARTS_DEFAULT unless set);
//  one more is GW_MULTIPART_EPARTS. Set it before the first feed.
void gw_multipart_set_max_parts (gw_multipart_t *self, size_t max_parts);

//  The next size bytes of the body (any split; size may be 0). Returns
//  GW_MULTIPART_OK or a negative gw_multipart_status_t; after an error
//  every call returns that error again. Bytes after the closing delimiter
//  are ignored.
int gw_multipart_feed (gw_multipart_t *self, const char *data, size_t size);

//  The body is complete. Returns GW_MULTIPART_OK if the closing delimiter
//  was seen, GW_MULTIPART_ENOSTART if no delimiter ever was, else
//  GW_MULTIPART_ETRUNCATED (a part left open gets no on_end), or the
//  error a feed already returned.
int gw_multipart_finish (gw_multipart_t *self);

//  true once the closing delimiter has been seen.
bool gw_multipart_done (const gw_multipart_t *self);

//  Parts begun so far (headers read, on_begin called).
size_t gw_multipart_parts (const gw_multipart_t *self);

//  The error of the parser so far (GW_MULTIPART_OK if none).
int gw_multipart_status (const gw_multipart_t *self);

//  A Vietnamese message for the user about the parser's error, "" if none.
const char *gw_multipart_error (const gw_multipart_t *self);

//  The Vietnamese message of a gw_multipart_status_t code.
const char *gw_multipart_strerror (int status);

#endif
