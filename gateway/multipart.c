/*  gw_multipart - streaming multipart/form-data (RFC 7578, RFC 2046).

    The body is a preamble, then parts each introduced by a delimiter line
    "--boundary" (after a CRLF, except at the very start of the body), then
    a closing "--boundary--" and an epilogue. Parsing the body as if it
    began with CRLF makes every delimiter the same sequence "\r\n--boundary".

    Finding it in a stream needs no copy of the content: the parser scans
    each piece for CR, and where the delimiter begins near the end of a
    piece it holds back only the bytes that match so far (a prefix of the
    delimiter, so they need not be stored: they are the delimiter's own
    bytes). If the next piece breaks the match, that prefix goes out as
    content. A boundary never contains CR (RFC 2046 bchars), so CR appears
    in the delimiter only at its start: a broken match cannot hide the
    start of another one, and scanning goes on where it broke.

    A part's headers are small and are collected whole (up to
    GW_MULTIPART_HEADER_MAX), unfolded, then parsed into a second buffer
    that holds the part's name, filename and Content-Type for the
    callbacks.  */
#include "multipart.h"
#include "cab_utf8.h"
#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define DELIM_MAX (4 + GW_MULTIPART_BOUNDARY_MAX)  //  "\r\n--" + boundary
#define VALUES_MAX (GW_MULTIPART_HEADER_MAX + 16)  //  decoded values are never longer
#define HEX_DIGITS 16

typedef enum {
    S_BODY,         //  content (or preamble), looking for a delimiter
    S_AFTER_DELIM,  //  a delimiter matched: "--", blanks or CRLF must follow
    S_CLOSE_DASH,   //  one '-' seen after the delimiter
    S_PADDING,      //  blanks after the delimiter
    S_DELIM_CR,     //  CR seen after the delimiter
    S_HEADERS,      //  collecting a part's header block
    S_EPILOGUE,     //  after the closing delimiter: everything is ignored
} s_state_t;

struct _gw_multipart_t {
    gw_multipart_callbacks_t cb;
    void *arg;
    char delim[DELIM_MAX + 1];  //  "\r\n--" + boundary
    size_t delim_len;
    size_t match;  //  bytes of delim matched at the end of the previous piece
    s_state_t state;
    int status;        //  first error, sticky
    bool in_part;      //  between a part's headers and its delimiter
    bool seen_delim;   //  at least one delimiter was found
    bool done;         //  the closing delimiter was found
    size_t parts;      //  parts whose headers were read
    size_t max_parts;  //  more is GW_MULTIPART_EPARTS
    gw_multipart_part_t part;
    size_t header_len;
    char header[GW_MULTIPART_HEADER_MAX];  //  the header block of the current part
    size_t values_len;
    char values[VALUES_MAX];  //  the part's name, filename, Content-Type
};

static const char *const s_messages[] = {
    "",
    "Không đủ bộ nhớ để đọc nội dung tải lên",
    "Nội dung tải lên phải có dạng multipart/form-data",
    "Content-Type thiếu tham số boundary của multipart/form-data",
    "Tham số boundary trong Content-Type không hợp lệ (1 đến 70 ký tự cho phép)",
    "Không tìm thấy ranh giới (boundary) nào trong nội dung tải lên",
    "Dòng ranh giới (boundary) giữa các phần không hợp lệ",
    ("Phần đầu (header) của một phần tải lên không hợp lệ hoặc thiếu Content-Disposition: "
     "form-data; name"),
    "Phần đầu (header) của một phần tải lên quá dài",
    "Nội dung tải lên có quá nhiều phần",
    "Nội dung tải lên bị cắt cụt: thiếu ranh giới kết thúc",
    "Việc tải lên đã bị dừng",
};

const char *
gw_multipart_strerror (int status)
{
    size_t index = status <= 0 ? (size_t) -status : SIZE_MAX;
    if (index >= sizeof s_messages / sizeof s_messages[0])
        return "Lỗi không xác định khi đọc nội dung tải lên";
    return s_messages[index];
}

//  RFC 2046 bchars: DIGIT / ALPHA / "'()+_,-./:=?" and space (not last).
static bool
s_bchar (char c)
{
    return isalnum ((unsigned char) c) || (c != '\0' && strchr ("'()+_,-./:=? ", c) != NULL);
}

//  RFC 7230 tchar, for header and parameter names.
static bool
s_tchar (char c)
{
    return isalnum ((unsigned char) c) || (c != '\0' && strchr ("!#$%&'*+-.^_`|~", c) != NULL);
}

static const char *
s_skip_ows (const char *p)
{
    while (*p == ' ' || *p == '\t')
        p++;
    return p;
}

int
gw_multipart_boundary (const char *content_type, char *boundary)
{
    static const char type[] = "multipart/form-data";
    static const char param[] = "boundary";
    if (!content_type)
        return GW_MULTIPART_ETYPE;
    const char *p = s_skip_ows (content_type);
    if (strncasecmp (p, type, sizeof type - 1) != 0)
        return GW_MULTIPART_ETYPE;
    p = s_skip_ows (p + sizeof type - 1);
    if (*p != '\0' && *p != ';')
        return GW_MULTIPART_ETYPE;
    bool found = false;
    while (*p == ';') {
        p = s_skip_ows (p + 1);
        const char *name = p;
        while (s_tchar (*p))
            p++;
        size_t name_len = (size_t) (p - name);
        p = s_skip_ows (p);
        if (name_len == 0 || *p != '=')
            return found ? GW_MULTIPART_OK : GW_MULTIPART_ENOBOUNDARY;
        p = s_skip_ows (p + 1);
        char value[GW_MULTIPART_BOUNDARY_MAX + 1];
        size_t len = 0;
        bool too_long = false;
        if (*p == '"') {
            for (p++; *p && *p != '"'; p++) {
                if (*p == '\\' && p[1])
                    p++;
                if (len < GW_MULTIPART_BOUNDARY_MAX)
                    value[len++] = *p;
                else
                    too_long = true;
            }
            if (*p != '"')
                return GW_MULTIPART_EBOUNDARY;
            p++;
        } else {
            for (; *p && *p != ';' && *p != ' ' && *p != '\t'; p++) {
                if (len < GW_MULTIPART_BOUNDARY_MAX)
                    value[len++] = *p;
                else
                    too_long = true;
            }
        }
        value[len] = '\0';
        p = s_skip_ows (p);
        if (*p != '\0' && *p != ';')
            return GW_MULTIPART_EBOUNDARY;  //  "boundary=a b": a space needs quotes
        if (name_len != sizeof param - 1 || strncasecmp (name, param, name_len) != 0)
            continue;  //  charset and the like say nothing to a multipart parser
        if (found)
            return GW_MULTIPART_EBOUNDARY;  //  two boundaries: which one?
        if (too_long || len == 0 || value[len - 1] == ' ')
            return GW_MULTIPART_EBOUNDARY;
        for (size_t i = 0; i < len; i++)
            if (!s_bchar (value[i]))
                return GW_MULTIPART_EBOUNDARY;
        if (boundary)
            memcpy (boundary, value, len + 1);
        found = true;
    }
    return found ? GW_MULTIPART_OK : GW_MULTIPART_ENOBOUNDARY;
}

gw_multipart_t *
gw_multipart_new (const char *content_type, const gw_multipart_callbacks_t *cb, void *arg)
{
    char boundary[GW_MULTIPART_BOUNDARY_MAX + 1];
    if (gw_multipart_boundary (content_type, boundary) != GW_MULTIPART_OK)
        return NULL;
    gw_multipart_t *self = calloc (1, sizeof *self);
    if (!self)
        return NULL;
    if (cb)
        self->cb = *cb;
    self->arg = arg;
    self->delim_len = 4 + strlen (boundary);
    memcpy (self->delim, "\r\n--", 4);
    memcpy (self->delim + 4, boundary, strlen (boundary) + 1);
    //  As if the body began with CRLF: a delimiter may open the body.
    self->match = 2;
    self->state = S_BODY;
    self->max_parts = GW_MULTIPART_PARTS_DEFAULT;
    return self;
}

void
gw_multipart_destroy (gw_multipart_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    free (*self_p);
    *self_p = NULL;
}

void
gw_multipart_set_max_parts (gw_multipart_t *self, size_t max_parts)
{
    self->max_parts = max_parts;
}

bool
gw_multipart_done (const gw_multipart_t *self)
{
    return self->done;
}

size_t
gw_multipart_parts (const gw_multipart_t *self)
{
    return self->parts;
}

int
gw_multipart_status (const gw_multipart_t *self)
{
    return self->status;
}

const char *
gw_multipart_error (const gw_multipart_t *self)
{
    return gw_multipart_strerror (self->status);
}

static int
s_fail (gw_multipart_t *self, int status)
{
    self->status = status;
    return status;
}

//  Content of the current part; the preamble goes nowhere.
static int
s_content (gw_multipart_t *self, const char *data, size_t size)
{
    if (size == 0 || !self->in_part || !self->cb.on_data)
        return GW_MULTIPART_OK;
    if (self->cb.on_data (self->arg, &self->part, data, size) != 0)
        return s_fail (self, GW_MULTIPART_EABORTED);
    return GW_MULTIPART_OK;
}

//  A delimiter was found: the current part, if any, is complete.
static int
s_delimiter (gw_multipart_t *self)
{
    self->seen_delim = true;
    self->state = S_AFTER_DELIM;
    if (!self->in_part)
        return GW_MULTIPART_OK;
    self->in_part = false;
    if (self->cb.on_end && self->cb.on_end (self->arg, &self->part) != 0)
        return s_fail (self, GW_MULTIPART_EABORTED);
    return GW_MULTIPART_OK;
}

//  Scan content from *pos for the delimiter. Passes on the content before
//  it; stops after the delimiter (state S_AFTER_DELIM) or at the end of
//  the piece, holding back a partial match in self->match.
static int
s_scan_body (gw_multipart_t *self, const char *data, size_t size, size_t *pos)
{
    const char *delim = self->delim;
    size_t delim_len = self->delim_len;
    size_t i = *pos;
    size_t start = i;  //  content from here on is not passed on yet
    int rc;
    if (self->match > 0) {
        //  The previous piece ended inside a possible delimiter.
        size_t k = self->match;
        while (k < delim_len && i < size && data[i] == delim[k]) {
            k++;
            i++;
        }
        if (k == delim_len) {
            self->match = 0;
            *pos = i;
            return s_delimiter (self);
        }
        if (i == size) {
            self->match = k;
            *pos = i;
            return GW_MULTIPART_OK;
        }
        //  No delimiter after all: what was held back is content, and so
        //  are the bytes just matched (still in data, from start).
        rc = s_content (self, delim, self->match);
        self->match = 0;
        if (rc != GW_MULTIPART_OK)
            return rc;
    }
    while (i < size) {
        const char *cr = memchr (data + i, '\r', size - i);
        if (!cr) {
            i = size;
            break;
        }
        size_t at = (size_t) (cr - data);
        size_t k = 0;
        while (k < delim_len && at + k < size && data[at + k] == delim[k])
            k++;
        if (k == delim_len) {
            rc = s_content (self, data + start, at - start);
            *pos = at + delim_len;
            return rc != GW_MULTIPART_OK ? rc : s_delimiter (self);
        }
        if (at + k == size) {
            //  A possible delimiter runs past the piece: hold it back.
            self->match = k;
            *pos = size;
            return s_content (self, data + start, at - start);
        }
        i = at + 1;
    }
    *pos = size;
    return s_content (self, data + start, size - start);
}

// ---- part headers ------------------------------------------------------

//  Copy len bytes into the values buffer as a string; NULL if full.
static char *
s_value (gw_multipart_t *self, const char *src, size_t len)
{
    if (len + 1 > VALUES_MAX - self->values_len)
        return NULL;
    char *out = self->values + self->values_len;
    memcpy (out, src, len);
    out[len] = '\0';
    self->values_len += len + 1;
    return out;
}

//  A parameter value at *p_p: a quoted-string or a token. Backslash
//  escapes only '"' and '\': browsers send Windows paths unescaped, and
//  the HTML standard percent-encodes quotes in names. Returns the value in
//  the values buffer and moves *p_p past it, or NULL if malformed.
static char *
s_param_value (gw_multipart_t *self, const char **p_p)
{
    const char *p = *p_p;
    char *out = self->values + self->values_len;
    size_t room = VALUES_MAX - self->values_len;
    size_t len = 0;
    if (*p == '"') {
        for (p++; *p && *p != '"'; p++) {
            if (*p == '\\' && (p[1] == '"' || p[1] == '\\'))
                p++;
            if (len + 1 >= room)
                return NULL;
            out[len++] = *p;
        }
        if (*p != '"')
            return NULL;
        p++;
    } else {
        for (; *p && *p != ';' && *p != ' ' && *p != '\t' && *p != '"'; p++) {
            if (len + 1 >= room)
                return NULL;
            out[len++] = *p;
        }
        if (len == 0)
            return NULL;
    }
    out[len] = '\0';
    self->values_len += len + 1;
    *p_p = p;
    return out;
}

static int
s_hex (char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c = (char) tolower ((unsigned char) c);
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

//  RFC 5987 ext-value: charset "'" [language] "'" percent-encoded bytes,
//  UTF-8 or ISO-8859-1. Decoded in place (never longer). Returns false
//  for other charsets and malformed values.
static bool
s_ext_value (char *value)
{
    char *quote = strchr (value, '\'');
    char *second = quote ? strchr (quote + 1, '\'') : NULL;
    if (!second)
        return false;
    size_t charset_len = (size_t) (quote - value);
    bool utf8 = charset_len == 5 && strncasecmp (value, "UTF-8", 5) == 0;
    bool latin1 = charset_len == 10 && strncasecmp (value, "ISO-8859-1", 10) == 0;
    if (!utf8 && !latin1)
        return false;
    //  Bytes first, then (ISO-8859-1) widened to UTF-8: at most two bytes
    //  per byte, and each byte came from three characters or one ASCII.
    unsigned char bytes[GW_MULTIPART_HEADER_MAX];
    size_t n = 0;
    for (const char *p = second + 1; *p; p++) {
        unsigned char c = (unsigned char) *p;
        if (c == '%') {
            int hi = s_hex (p[1]);
            int lo = hi < 0 ? -1 : s_hex (p[2]);
            if (lo < 0)
                return false;
            c = (unsigned char) (hi * HEX_DIGITS + lo);
            p += 2;
        } else if (c <= ' ' || c >= 0x7F)
            return false;
        if (n == sizeof bytes)
            return false;
        bytes[n++] = c;
    }
    char *out = value;
    for (size_t i = 0; i < n; i++) {
        if (latin1 && bytes[i] >= 0x80) {
            *out++ = (char) (0xC0 | (bytes[i] >> 6));
            *out++ = (char) (0x80 | (bytes[i] & 0x3F));
        } else
            *out++ = (char) bytes[i];
    }
    *out = '\0';
    return true;
}

//  The filename hint: the last path component, valid UTF-8, no control
//  characters; "" when nothing usable is left.
static const char *
s_filename_hint (char *name)
{
    char *base = name;
    for (char *p = name; *p; p++)
        if (*p == '/' || *p == '\\')
            base = p + 1;
    size_t len = strlen (base);
    if (!cab_utf8_valid (base, len) || strcmp (base, ".") == 0 || strcmp (base, "..") == 0)
        return "";
    for (size_t i = 0; i < len; i++)
        if ((unsigned char) base[i] < 0x20 || base[i] == 0x7F)
            return "";
    return base;
}

//  "form-data; name=...; filename=...; filename*=..."
static int
s_disposition (gw_multipart_t *self, const char *p)
{
    static const char form_data[] = "form-data";
    const char *type = p;
    while (s_tchar (*p))
        p++;
    if ((size_t) (p - type) != sizeof form_data - 1
        || strncasecmp (type, form_data, sizeof form_data - 1) != 0)
        return GW_MULTIPART_EHEADER;
    char *name = NULL, *filename = NULL, *filename_ext = NULL;
    for (;;) {
        p = s_skip_ows (p);
        if (*p == '\0')
            break;
        if (*p != ';')
            return GW_MULTIPART_EHEADER;
        p = s_skip_ows (p + 1);
        if (*p == '\0')
            break;  //  a trailing ';' harms nobody
        const char *param = p;
        while (s_tchar (*p))
            p++;
        size_t param_len = (size_t) (p - param);
        p = s_skip_ows (p);
        if (param_len == 0 || *p != '=')
            return GW_MULTIPART_EHEADER;
        p = s_skip_ows (p + 1);
        char *value = s_param_value (self, &p);
        if (!value)
            return GW_MULTIPART_EHEADER;
        char **slot = NULL;
        if (param_len == 4 && strncasecmp (param, "name", 4) == 0)
            slot = &name;
        else if (param_len == 8 && strncasecmp (param, "filename", 8) == 0)
            slot = &filename;
        else if (param_len == 9 && strncasecmp (param, "filename*", 9) == 0)
            slot = &filename_ext;
        if (!slot)
            continue;
        //  The same parameter twice is ambiguous; another reader might take the other one.
        if (*slot)
            return GW_MULTIPART_EHEADER;
        *slot = value;
    }
    if (!name || !cab_utf8_valid (name, strlen (name)))
        return GW_MULTIPART_EHEADER;
    self->part.name = name;
    if (filename_ext && s_ext_value (filename_ext))
        self->part.filename = s_filename_hint (filename_ext);
    else if (filename)
        self->part.filename = s_filename_hint (filename);
    else if (filename_ext)
        self->part.filename = "";  //  a file, named in a way we cannot read
    return GW_MULTIPART_OK;
}

//  Content-Type of a part: printable ASCII, kept as sent.
static int
s_part_type (gw_multipart_t *self, const char *value)
{
    size_t len = strlen (value);
    for (size_t i = 0; i < len; i++)
        if ((unsigned char) value[i] < 0x20 || (unsigned char) value[i] >= 0x7F)
            return GW_MULTIPART_EHEADER;
    self->part.content_type = s_value (self, value, len);
    return self->part.content_type ? GW_MULTIPART_OK : GW_MULTIPART_EHEADER;
}

//  Turn the header block (CRLF lines, a blank line last) into lines ending
//  in '\n', joining folded lines (RFC 5322 unfolding: a line that starts
//  with a blank continues the one before). In place. Refuses NUL, lone
//  CR or LF, other control characters, and a block that starts folded.
static bool
s_unfold (char *block, size_t len)
{
    size_t out = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char) block[i];
        if (c == '\r') {
            if (i + 1 >= len || block[i + 1] != '\n')
                return false;
            i++;
            bool folded = i + 1 < len && (block[i + 1] == ' ' || block[i + 1] == '\t');
            if (folded && out == 0)
                return false;
            if (!folded)
                block[out++] = '\n';
            continue;
        }
        if (c == '\n' || (c < 0x20 && c != '\t') || c == 0x7F)
            return false;
        block[out++] = (char) c;
    }
    block[out] = '\0';
    return true;
}

static int
s_parse_headers (gw_multipart_t *self)
{
    memset (&self->part, 0, sizeof self->part);
    self->part.index = self->parts;
    self->values_len = 0;
    //  The block ends in CRLF CRLF (or is CRLF alone); it has room for the NUL
    //  because the last CRLF pairs shrink to one '\n' each.
    if (!s_unfold (self->header, self->header_len))
        return GW_MULTIPART_EHEADER;
    bool have_disposition = false;
    char *line = self->header;
    while (*line) {
        char *end = strchr (line, '\n');
        *end = '\0';
        if (line == end)
            break;  //  the blank line
        char *colon = line;
        while (s_tchar (*colon))
            colon++;
        if (colon == line || *colon != ':')
            return GW_MULTIPART_EHEADER;
        *colon = '\0';
        char *value = (char *) s_skip_ows (colon + 1);
        size_t vlen = strlen (value);
        while (vlen > 0 && (value[vlen - 1] == ' ' || value[vlen - 1] == '\t'))
            value[--vlen] = '\0';
        int rc = GW_MULTIPART_OK;
        if (strcasecmp (line, "Content-Disposition") == 0) {
            rc = have_disposition ? GW_MULTIPART_EHEADER : s_disposition (self, value);
            have_disposition = true;
        } else if (strcasecmp (line, "Content-Type") == 0)
            rc = self->part.content_type ? GW_MULTIPART_EHEADER : s_part_type (self, value);
        //  Other headers (Content-Transfer-Encoding, deprecated by RFC 7578) are ignored.
        if (rc != GW_MULTIPART_OK)
            return rc;
        line = end + 1;
    }
    return have_disposition ? GW_MULTIPART_OK : GW_MULTIPART_EHEADER;
}

//  Collect header bytes from *pos up to the blank line; then parse them and
//  begin the part.
static int
s_scan_headers (gw_multipart_t *self, const char *data, size_t size, size_t *pos)
{
    size_t i = *pos;
    while (i < size) {
        const char *lf = memchr (data + i, '\n', size - i);
        size_t take = lf ? (size_t) (lf - (data + i)) + 1 : size - i;
        if (take > GW_MULTIPART_HEADER_MAX - self->header_len)
            return s_fail (self, GW_MULTIPART_EHEADER_SIZE);
        memcpy (self->header + self->header_len, data + i, take);
        self->header_len += take;
        i += take;
        if (!lf)
            break;
        size_t n = self->header_len;
        bool blank_line = (n == 2 && self->header[0] == '\r')
                          || (n >= 4 && memcmp (self->header + n - 4, "\r\n\r\n", 4) == 0);
        if (!blank_line)
            continue;
        *pos = i;
        int rc = s_parse_headers (self);
        if (rc != GW_MULTIPART_OK)
            return s_fail (self, rc);
        self->parts++;
        self->in_part = true;
        self->state = S_BODY;
        self->match = 0;
        if (self->cb.on_begin && self->cb.on_begin (self->arg, &self->part) != 0)
            return s_fail (self, GW_MULTIPART_EABORTED);
        return GW_MULTIPART_OK;
    }
    *pos = i;
    return GW_MULTIPART_OK;
}

//  One byte of the delimiter line's tail (after "--boundary").
static int
s_delimiter_tail (gw_multipart_t *self, char c)
{
    switch (self->state) {
    case S_AFTER_DELIM:
        if (c == '-')
            self->state = S_CLOSE_DASH;
        else if (c == ' ' || c == '\t')
            self->state = S_PADDING;
        else if (c == '\r')
            self->state = S_DELIM_CR;
        else
            return s_fail (self, GW_MULTIPART_EDELIMITER);
        return GW_MULTIPART_OK;
    case S_CLOSE_DASH:
        if (c != '-')
            return s_fail (self, GW_MULTIPART_EDELIMITER);
        self->done = true;
        self->state = S_EPILOGUE;
        return GW_MULTIPART_OK;
    case S_PADDING:
        if (c == '\r')
            self->state = S_DELIM_CR;
        else if (c != ' ' && c != '\t')
            return s_fail (self, GW_MULTIPART_EDELIMITER);
        return GW_MULTIPART_OK;
    default:  //  S_DELIM_CR
        if (c != '\n')
            return s_fail (self, GW_MULTIPART_EDELIMITER);
        if (self->parts >= self->max_parts)
            return s_fail (self, GW_MULTIPART_EPARTS);
        self->header_len = 0;
        self->state = S_HEADERS;
        return GW_MULTIPART_OK;
    }
}

int
gw_multipart_feed (gw_multipart_t *self, const char *data, size_t size)
{
    if (self->status != GW_MULTIPART_OK)
        return self->status;
    size_t pos = 0;
    while (pos < size) {
        int rc;
        switch (self->state) {
        case S_EPILOGUE:
            return GW_MULTIPART_OK;
        case S_BODY:
            rc = s_scan_body (self, data, size, &pos);
            break;
        case S_HEADERS:
            rc = s_scan_headers (self, data, size, &pos);
            break;
        default:
            rc = s_delimiter_tail (self, data[pos++]);
            break;
        }
        if (rc != GW_MULTIPART_OK)
            return s_fail (self, rc);
    }
    return GW_MULTIPART_OK;
}

int
gw_multipart_finish (gw_multipart_t *self)
{
    if (self->status != GW_MULTIPART_OK)
        return self->status;
    if (self->done)
        return GW_MULTIPART_OK;
    return s_fail (self, self->seen_delim ? GW_MULTIPART_ETRUNCATED : GW_MULTIPART_ENOSTART);
}
