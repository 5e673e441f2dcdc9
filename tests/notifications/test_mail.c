/*  Unit tests: e-mail notices - RFC 2047 headers in Vietnamese (decoded back
    with OpenSSL), the rendered message's headers and MIME structure (each
    part decoded back to the exact text, HTML and calendar), and real sends
    through one mailer to an SMTP server on a loopback port
    (tests/notifications/smtp_sink.py), read back with Python's email
    package: the subject, the recipients, the calendar part, a refused
    recipient (permanent), a busy mailbox (temporary), a server that hangs
    and a server that is gone (neither permanent).  */
#include "cab_utf8.h"
#include "mail.h"
#include "sink.h"
#include <curl/curl.h>
#include <jansson.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
//  cmocka needs these before it, in this order.
// clang-format off
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
// clang-format on

#define FROM "hop@tinh.gov.vn"
#define FROM_NAME "Phòng họp không giấy"
#define TO "nguyen.van.an@sotc.tinh.gov.vn"
#define TO_NAME "Nguyễn Văn An"
#define SUBJECT "Giấy mời họp: Hội nghị tổng kết công tác năm 2024 của Ủy ban nhân dân tỉnh"
#define TEXT                                                                                                               \
    "Kính gửi đồng chí Nguyễn Văn An,\r\n\r\nỦy ban nhân dân tỉnh trân trọng kính mời đồng chí " \
    "dự cuộc họp.\r\n.Dòng bắt đầu bằng dấu chấm\r\nThời gian: 08:00 – 11:30, thứ Hai\r\n"
#define HTML                                                                                                      \
    "<p>Kính gửi đồng chí <b>Nguyễn Văn An</b>,</p>\r\n<p>Trân trọng kính mời đồng chí dự " \
    "cuộc họp &amp; thảo luận.</p>\r\n"
#define ICS                                                                                                  \
    "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//cabinet//notifications//VI\r\n"                             \
    "METHOD:REQUEST\r\nBEGIN:VEVENT\r\nUID:0190c0de-0000-7000-8000-000000000001@tinh.gov.vn\r\n"             \
    "DTSTAMP:20240304T010000Z\r\nDTSTART:20240305T010000Z\r\nDTEND:20240305T043000Z\r\n"                     \
    "SUMMARY:Hội nghị tổng kết công tác năm 2024\r\nLOCATION:Phòng họp số 1\\, tầng 3\r\n" \
    "ORGANIZER;CN=Văn phòng UBND tỉnh:mailto:hop@tinh.gov.vn\r\n"                                        \
    "ATTENDEE;CN=Nguyễn Văn An;RSVP=TRUE:mailto:nguyen.van.an@sotc.tinh.gov.vn\r\n"                       \
    "END:VEVENT\r\nEND:VCALENDAR\r\n"
#define MESSAGE_ID "<notice-0190c0de-0000-7000-8000-0000000000aa@node1.tinh.gov.vn>"
#define SEND_TIMEOUT_MS 10000
#define HANG_TIMEOUT_MS 400
#define SPAN_MAX 8

static const notify_mail_config_t s_config = {
    .url = "smtp://127.0.0.1:25",
    .tls = "none",
    .from_address = FROM,
    .from_name = FROM_NAME,
    .timeout_ms = SEND_TIMEOUT_MS,
};

static notify_mail_t
s_invitation (void)
{
    notify_mail_t mail = {.to_address = TO,
                          .to_name = TO_NAME,
                          .subject = SUBJECT,
                          .text = TEXT,
                          .html = HTML,
                          .ics = ICS,
                          .ics_method = "REQUEST",
                          .message_id = MESSAGE_ID};
    return mail;
}

/* ---- decoding helpers ---------------------------------------------------------------- */

//  Base64 text (line breaks ignored) decoded with OpenSSL; malloc'd, NUL
//  added, its length in *out_len. NULL on bad input.
static char *
s_b64_decode (const char *in, size_t len, size_t *out_len)
{
    char *clean = malloc (len + 1);
    size_t n = 0;
    for (size_t i = 0; i < len; i++)
        if (in[i] != '\r' && in[i] != '\n')
            clean[n++] = in[i];
    clean[n] = '\0';
    char *out = malloc (n / 4 * 3 + 4);
    int got =
        n % 4 == 0 ? EVP_DecodeBlock ((unsigned char *) out, (unsigned char *) clean, (int) n) : -1;
    if (got < 0) {
        free (clean);
        free (out);
        return NULL;
    }
    //  EVP_DecodeBlock counts the padding as zero bytes.
    for (size_t i = n; i > 0 && clean[i - 1] == '='; i--)
        got--;
    out[got] = '\0';
    *out_len = (size_t) got;
    free (clean);
    return out;
}

//  The encoded-words of a header text, checked and decoded: each framed,
//  at most 75 characters, decoding to whole UTF-8 characters, joined by
//  CRLF SPACE. Returns the decoded text (malloc'd) and the number of words.
static char *
s_decode_words (const char *encoded, int *words)
{
    char *out = calloc (1, strlen (encoded) + 1);
    *words = 0;
    const char *p = encoded;
    for (;;) {
        const char *end = strstr (p, "\r\n ");
        size_t len = end ? (size_t) (end - p) : strlen (p);
        assert_true (len <= NOTIFY_MAIL_WORD_MAX);
        assert_true (len > strlen ("=?UTF-8?B?") + strlen ("?="));
        assert_memory_equal (p, "=?UTF-8?B?", 10);
        assert_memory_equal (p + len - 2, "?=", 2);
        size_t n = 0;
        char *chunk = s_b64_decode (p + 10, len - 12, &n);
        assert_non_null (chunk);
        assert_true (cab_utf8_valid (chunk, n));  //  no character split across words
        strcat (out, chunk);
        free (chunk);
        (*words)++;
        if (!end)
            break;
        p = end + 3;
    }
    return out;
}

typedef struct {
    const char *start;
    size_t len;
} span_t;

//  The parts of a multipart body between the delimiters of boundary.
static size_t
s_split (const char *body, size_t len, const char *boundary, span_t *parts, size_t max)
{
    char open[128], delimiter[128], close[128];
    snprintf (open, sizeof open, "--%s\r\n", boundary);
    snprintf (delimiter, sizeof delimiter, "\r\n--%s", boundary);
    snprintf (close, sizeof close, "\r\n--%s--\r\n", boundary);
    const char *p = memmem (body, len, open, strlen (open));
    assert_non_null (p);
    assert_ptr_equal (p, body);  //  no preamble: the first delimiter starts the body
    p += strlen (open);
    size_t n = 0;
    for (;;) {
        const char *next = memmem (p, len - (size_t) (p - body), delimiter, strlen (delimiter));
        assert_non_null (next);
        assert_true (n < max);
        parts[n].start = p;
        parts[n].len = (size_t) (next - p);
        n++;
        if (strncmp (next, close, strlen (close)) == 0)
            break;
        assert_memory_equal (next + strlen (delimiter), "\r\n", 2);
        p = next + strlen (delimiter) + 2;
    }
    return n;
}

//  The headers of a part (up to its blank line) and its body.
static void
s_part (span_t part, char *headers, size_t cap, span_t *body)
{
    const char *blank = memmem (part.start, part.len, "\r\n\r\n", 4);
    assert_non_null (blank);
    size_t hlen = (size_t) (blank - part.start) + 2;
    assert_true (hlen < cap);
    memcpy (headers, part.start, hlen);
    headers[hlen] = '\0';
    body->start = blank + 4;
    body->len = part.len - hlen - 2;
}

//  The boundary parameter of a Content-Type in headers.
static void
s_boundary (const char *headers, char *out, size_t cap)
{
    const char *b = strstr (headers, "boundary=\"");
    assert_non_null (b);
    b += strlen ("boundary=\"");
    const char *end = strchr (b, '"');
    assert_non_null (end);
    assert_true ((size_t) (end - b) < cap);
    memcpy (out, b, (size_t) (end - b));
    out[end - b] = '\0';
}

//  A part's base64 body decoded must equal expected exactly.
static void
s_assert_body (span_t body, const char *expected)
{
    size_t n = 0;
    char *decoded = s_b64_decode (body.start, body.len, &n);
    assert_non_null (decoded);
    assert_int_equal (n, strlen (expected));
    assert_string_equal (decoded, expected);
    free (decoded);
}

//  The value of header name (first line only) in headers, or NULL.
static char *
s_header (const char *headers, const char *name)
{
    char key[64];
    snprintf (key, sizeof key, "\r\n%s: ", name);
    const char *h;
    if (strncmp (headers, key + 2, strlen (key) - 2) == 0)
        h = headers + strlen (key) - 2;
    else if ((h = strstr (headers, key)))
        h += strlen (key);
    else
        return NULL;
    const char *end = strstr (h, "\r\n");
    //  folded continuation lines belong to the value
    while (end && end[2] == ' ')
        end = strstr (end + 2, "\r\n");
    return end ? strndup (h, (size_t) (end - h)) : NULL;
}

/* ---- RFC 2047 ------------------------------------------------------------------------ */

static void
test_encode_header_leaves_plain_ascii_unchanged (void **state)
{
    (void) state;
    const char *ascii[] = {"Meeting at 9:00 (room 1)", "", "a=?UTF-8?B?x?= b",
                           "A long subject without any diacritics that goes on well past "
                           "seventy-six characters"};
    for (size_t i = 0; i < sizeof ascii / sizeof ascii[0]; i++) {
        char *out = notify_mail_encode_header (ascii[i]);
        assert_non_null (out);
        assert_string_equal (out, ascii[i]);
        assert_ptr_not_equal (out, ascii[i]);
        free (out);
    }
}

static void
test_encode_header_vietnamese_round_trips_in_short_words (void **state)
{
    (void) state;
    char *out = notify_mail_encode_header (SUBJECT);
    assert_non_null (out);
    int words = 0;
    char *back = s_decode_words (out, &words);
    assert_string_equal (back, SUBJECT);
    //  99 bytes: at most 45 fit one word, so three words.
    assert_int_equal (words, 3);
    free (back);
    free (out);

    out = notify_mail_encode_header ("Họp");
    back = s_decode_words (out, &words);
    assert_string_equal (back, "Họp");
    assert_int_equal (words, 1);
    assert_string_equal (out, "=?UTF-8?B?SOG7jXA=?=");
    free (back);
    free (out);
}

static void
test_encode_header_never_splits_a_character (void **state)
{
    (void) state;
    //  Every length of a text of 1-, 2-, 3- and 4-byte characters, so each
    //  word boundary falls on every kind of character at every offset.
    const char *pattern = "aă😀ệ€ß";
    char text[1024] = "";
    for (int i = 0; i < 40; i++) {
        strcat (text, pattern);
        char *out = notify_mail_encode_header (text);
        assert_non_null (out);
        int words = 0;
        char *back = s_decode_words (out, &words);
        assert_string_equal (back, text);
        assert_true (words >= 1);
        free (back);
        free (out);
    }
}

static void
test_encode_header_encodes_control_characters (void **state)
{
    (void) state;
    //  An ASCII text with a line break would start a new header: it is encoded.
    const char *evil = "Lich hop\r\nBcc: everyone@tinh.gov.vn";
    char *out = notify_mail_encode_header (evil);
    assert_non_null (out);
    assert_null (strstr (out, "Bcc"));
    //  the only CR LF are the folds, each followed by a space
    for (const char *p = strchr (out, '\r'); p; p = strchr (p + 1, '\r'))
        assert_memory_equal (p, "\r\n ", 3);
    int words = 0;
    char *back = s_decode_words (out, &words);
    assert_string_equal (back, evil);
    free (back);
    free (out);

    out = notify_mail_encode_header ("tab\there");
    assert_memory_equal (out, "=?UTF-8?B?", 10);
    free (out);
}

static void
test_encode_header_refuses_invalid_utf8 (void **state)
{
    (void) state;
    assert_null (notify_mail_encode_header ("H\xe1\xbb"));  //  a truncated "ọ"
    assert_null (notify_mail_encode_header ("\xff"));
    assert_null (notify_mail_encode_header (NULL));
}

/* ---- the rendered message ------------------------------------------------------------ */

static void
test_render_has_the_headers (void **state)
{
    (void) state;
    notify_mail_t mail = s_invitation ();
    char *msg = notify_mail_render (&s_config, &mail);
    assert_non_null (msg);
    char *end = strstr (msg, "\r\n\r\n");
    assert_non_null (end);
    char *headers = strndup (msg, (size_t) (end - msg) + 2);

    char *date = s_header (headers, "Date");
    assert_non_null (date);
    struct tm tm = {0};
    const char *rest = strptime (date, "%a, %d %b %Y %H:%M:%S ", &tm);
    assert_non_null (rest);
    assert_string_equal (rest, "+0700");
    time_t vn_now = time (NULL) + 7 * 3600;
    assert_true (labs ((long) (timegm (&tm) - vn_now)) < 5);
    free (date);

    int words = 0;
    char *from = s_header (headers, "From");
    char *lt = strstr (from, " <" FROM ">");
    assert_non_null (lt);
    assert_string_equal (lt, " <" FROM ">");
    *lt = '\0';
    char *name = s_decode_words (from, &words);
    assert_string_equal (name, FROM_NAME);
    free (name);
    free (from);

    char *to = s_header (headers, "To");
    lt = strstr (to, "<" TO ">");
    assert_non_null (lt);
    lt[-1] = '\0';  //  the fold or space before the address
    if (lt - to >= 3 && lt[-3] == '\r')
        lt[-3] = '\0';
    name = s_decode_words (to, &words);
    assert_string_equal (name, TO_NAME);
    free (name);
    free (to);

    char *subject = s_header (headers, "Subject");
    char *decoded = s_decode_words (subject, &words);
    assert_string_equal (decoded, SUBJECT);
    free (decoded);
    free (subject);

    char *id = s_header (headers, "Message-ID");
    assert_string_equal (id, MESSAGE_ID);
    free (id);
    char *version = s_header (headers, "MIME-Version");
    assert_string_equal (version, "1.0");
    free (version);
    char *type = s_header (headers, "Content-Type");
    assert_non_null (strstr (type, "multipart/mixed;"));
    free (type);
    free (headers);
    free (msg);
}

static void
test_render_ascii_names_are_quoted (void **state)
{
    (void) state;
    notify_mail_config_t cfg = s_config;
    cfg.from_name = "Van phong \"UBND\", tinh";
    notify_mail_t mail = s_invitation ();
    mail.to_name = NULL;
    mail.subject = "Lich hop";
    char *msg = notify_mail_render (&cfg, &mail);
    assert_non_null (msg);
    assert_non_null (strstr (msg, "\r\nFrom: \"Van phong \\\"UBND\\\", tinh\" <" FROM ">\r\n"));
    assert_non_null (strstr (msg, "\r\nTo: " TO "\r\n"));
    assert_non_null (strstr (msg, "\r\nSubject: Lich hop\r\n"));
    free (msg);
}

static void
test_render_parts_decode_to_the_exact_texts (void **state)
{
    (void) state;
    notify_mail_t mail = s_invitation ();
    char *msg = notify_mail_render (&s_config, &mail);
    assert_non_null (msg);
    const char *body = strstr (msg, "\r\n\r\n") + 4;
    char headers[1024], mixed[128], alternative[128];
    snprintf (headers, sizeof headers, "%.*s", (int) (body - msg), msg);
    s_boundary (headers, mixed, sizeof mixed);

    span_t top[SPAN_MAX], inner[SPAN_MAX], b;
    size_t n = s_split (body, strlen (body), mixed, top, SPAN_MAX);
    assert_int_equal (n, 2);
    //  the alternative first
    s_part (top[0], headers, sizeof headers, &b);
    assert_non_null (strstr (headers, "Content-Type: multipart/alternative;"));
    s_boundary (headers, alternative, sizeof alternative);
    assert_string_not_equal (alternative, mixed);
    n = s_split (b.start, b.len + 2, alternative, inner, SPAN_MAX);
    assert_int_equal (n, 3);
    s_part (inner[0], headers, sizeof headers, &b);
    assert_string_equal (headers, "Content-Type: text/plain; charset=utf-8\r\n"
                                  "Content-Transfer-Encoding: base64\r\n");
    s_assert_body (b, TEXT);
    s_part (inner[1], headers, sizeof headers, &b);
    assert_string_equal (headers, "Content-Type: text/html; charset=utf-8\r\n"
                                  "Content-Transfer-Encoding: base64\r\n");
    s_assert_body (b, HTML);
    s_part (inner[2], headers, sizeof headers, &b);
    assert_string_equal (headers, "Content-Type: text/calendar; charset=utf-8; method=REQUEST\r\n"
                                  "Content-Transfer-Encoding: base64\r\n");
    s_assert_body (b, ICS);
    //  then the attachment
    s_part (top[1], headers, sizeof headers, &b);
    assert_string_equal (headers, "Content-Type: application/ics; name=\"invite.ics\"\r\n"
                                  "Content-Disposition: attachment; filename=\"invite.ics\"\r\n"
                                  "Content-Transfer-Encoding: base64\r\n");
    s_assert_body (b, ICS);
    //  the message ends with the closing delimiter
    char close[160];
    snprintf (close, sizeof close, "\r\n--%s--\r\n", mixed);
    size_t len = strlen (msg);
    assert_string_equal (msg + len - strlen (close), close);
    free (msg);
}

static void
test_render_lines_are_crlf_and_short (void **state)
{
    (void) state;
    notify_mail_t mail = s_invitation ();
    char *msg = notify_mail_render (&s_config, &mail);
    assert_non_null (msg);
    int lines = 0;
    for (const char *p = msg; *p;) {
        const char *eol = strstr (p, "\r\n");
        assert_non_null (eol);  //  the message ends with CRLF
        assert_true (eol - p <= NOTIFY_MAIL_LINE_MAX);
        for (const char *q = p; q < eol; q++)
            assert_true (*q != '\r' && *q != '\n');  //  no bare CR or LF
        lines++;
        p = eol + 2;
    }
    assert_true (lines > 30);
    free (msg);
}

static void
test_render_without_html_or_calendar_has_only_text (void **state)
{
    (void) state;
    notify_mail_t mail = {.to_address = TO, .subject = "Nhắc lịch họp", .text = "Chỉ có văn bản"};
    char *msg = notify_mail_render (&s_config, &mail);
    assert_non_null (msg);
    assert_null (strstr (msg, "text/html"));
    assert_null (strstr (msg, "calendar"));
    assert_null (strstr (msg, "invite.ics"));
    const char *body = strstr (msg, "\r\n\r\n") + 4;
    char headers[1024], mixed[128], alternative[128];
    snprintf (headers, sizeof headers, "%.*s", (int) (body - msg), msg);
    s_boundary (headers, mixed, sizeof mixed);
    span_t top[SPAN_MAX], inner[SPAN_MAX], b;
    assert_int_equal (s_split (body, strlen (body), mixed, top, SPAN_MAX), 1);
    s_part (top[0], headers, sizeof headers, &b);
    s_boundary (headers, alternative, sizeof alternative);
    assert_int_equal (s_split (b.start, b.len + 2, alternative, inner, SPAN_MAX), 1);
    s_part (inner[0], headers, sizeof headers, &b);
    s_assert_body (b, "Chỉ có văn bản");
    //  a random Message-ID at the sender's domain
    char *id = s_header (msg, "Message-ID");
    assert_non_null (id);
    assert_int_equal (id[0], '<');
    assert_non_null (strstr (id, "@tinh.gov.vn>"));
    free (id);
    free (msg);
}

static void
test_render_line_breaks_become_crlf (void **state)
{
    (void) state;
    notify_mail_t mail = {.to_address = TO,
                          .subject = "x",
                          .text = "một\nhai\rba\r\nbốn\n",
                          .ics = "BEGIN:VCALENDAR\nEND:VCALENDAR\n",
                          .ics_method = "CANCEL"};
    char *msg = notify_mail_render (&s_config, &mail);
    assert_non_null (msg);
    assert_non_null (strstr (msg, "Content-Type: text/calendar; charset=utf-8; method=CANCEL\r\n"));
    const char *body = strstr (msg, "\r\n\r\n") + 4;
    char headers[1024], mixed[128], alternative[128];
    snprintf (headers, sizeof headers, "%.*s", (int) (body - msg), msg);
    s_boundary (headers, mixed, sizeof mixed);
    span_t top[SPAN_MAX], inner[SPAN_MAX], b;
    assert_int_equal (s_split (body, strlen (body), mixed, top, SPAN_MAX), 2);
    s_part (top[0], headers, sizeof headers, &b);
    s_boundary (headers, alternative, sizeof alternative);
    assert_int_equal (s_split (b.start, b.len + 2, alternative, inner, SPAN_MAX), 2);
    s_part (inner[0], headers, sizeof headers, &b);
    s_assert_body (b, "một\r\nhai\r\nba\r\nbốn\r\n");
    s_part (inner[1], headers, sizeof headers, &b);
    s_assert_body (b, "BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n");
    free (msg);
}

static void
test_render_boundaries_are_random (void **state)
{
    (void) state;
    notify_mail_t mail = s_invitation ();
    char *one = notify_mail_render (&s_config, &mail);
    char *two = notify_mail_render (&s_config, &mail);
    char b1[128], b2[128];
    s_boundary (one, b1, sizeof b1);
    s_boundary (two, b2, sizeof b2);
    assert_string_not_equal (b1, b2);
    assert_true (strlen (b1) >= 20);
    free (one);
    free (two);
}

static void
test_render_refuses_malformed_mail (void **state)
{
    (void) state;
    char err[128];
    notify_mail_t mail = s_invitation ();
    assert_int_equal (notify_mail_check (&s_config, &mail, err, sizeof err), 0);

    const char *bad_addresses[] = {"",
                                   "no-at-sign",
                                   "@tinh.gov.vn",
                                   "an@",
                                   "an@tinh..vn",
                                   "an @tinh.gov.vn",
                                   "an@tinh.gov.vn\r\nBcc: x@y.vn",
                                   "<an@tinh.gov.vn>",
                                   "an@b@c.vn",
                                   "nguyễn@tinh.gov.vn"};
    for (size_t i = 0; i < sizeof bad_addresses / sizeof bad_addresses[0]; i++) {
        mail = s_invitation ();
        mail.to_address = bad_addresses[i];
        assert_int_equal (notify_mail_check (&s_config, &mail, err, sizeof err), -1);
        assert_non_null (strstr (err, "recipient"));
        assert_null (notify_mail_render (&s_config, &mail));
    }
    mail = s_invitation ();
    mail.message_id = "notice-1@node";  //  no angle brackets
    assert_int_equal (notify_mail_check (&s_config, &mail, err, sizeof err), -1);
    mail.message_id = "<notice 1@node>\r\nBcc: x@y.vn";
    assert_int_equal (notify_mail_check (&s_config, &mail, err, sizeof err), -1);
    assert_null (notify_mail_render (&s_config, &mail));
    mail = s_invitation ();
    mail.subject = "H\xe1\xbb";
    assert_int_equal (notify_mail_check (&s_config, &mail, err, sizeof err), -1);
    mail = s_invitation ();
    mail.text = NULL;
    assert_int_equal (notify_mail_check (&s_config, &mail, err, sizeof err), -1);
    mail = s_invitation ();
    mail.ics_method = "DELETE";
    assert_int_equal (notify_mail_check (&s_config, &mail, err, sizeof err), -1);
    assert_null (notify_mail_render (NULL, &mail));
}

static void
test_mailer_new_refuses_bad_configuration (void **state)
{
    (void) state;
    notify_mail_config_t cfg = s_config;
    notify_mailer_t *mailer = notify_mailer_new (&cfg);
    assert_non_null (mailer);
    notify_mailer_destroy (&mailer);
    assert_null (mailer);
    notify_mailer_destroy (&mailer);  //  NULL-safe
    notify_mailer_destroy (NULL);

    cfg.url = "";
    assert_null (notify_mailer_new (&cfg));
    cfg = s_config;
    cfg.tls = "sometimes";
    assert_null (notify_mailer_new (&cfg));
    cfg = s_config;
    cfg.from_address = "hop";
    assert_null (notify_mailer_new (&cfg));
    assert_null (notify_mailer_new (NULL));
    const char *modes[] = {"none", "try", "starttls", "", NULL};
    for (size_t i = 0; i < sizeof modes / sizeof modes[0]; i++) {
        cfg = s_config;
        cfg.tls = modes[i];
        mailer = notify_mailer_new (&cfg);
        assert_non_null (mailer);
        notify_mailer_destroy (&mailer);
    }
}

static void
test_send_malformed_mail_is_permanent (void **state)
{
    (void) state;
    notify_mailer_t *mailer = notify_mailer_new (&s_config);
    notify_mail_t mail = s_invitation ();
    mail.to_address = "an@tinh.gov.vn>\r\nRCPT TO:<x@y.vn";
    char err[128] = "";
    bool permanent = false;
    assert_int_equal (notify_mailer_send (mailer, &mail, err, sizeof err, &permanent), -1);
    assert_true (permanent);
    assert_non_null (strstr (err, "malformed recipient"));
    notify_mailer_destroy (&mailer);
}

static void
test_send_to_a_silent_server_times_out_not_permanent (void **state)
{
    (void) state;
    int port = 0;
    int listener = sink_silent_listener (&port);
    assert_true (listener >= 0);
    char url[64];
    snprintf (url, sizeof url, "smtp://127.0.0.1:%d", port);
    notify_mail_config_t cfg = s_config;
    cfg.url = url;
    cfg.timeout_ms = HANG_TIMEOUT_MS;
    notify_mailer_t *mailer = notify_mailer_new (&cfg);
    notify_mail_t mail = s_invitation ();
    char err[256] = "";
    bool permanent = true;
    long start = sink_now_ms ();
    assert_int_equal (notify_mailer_send (mailer, &mail, err, sizeof err, &permanent), -1);
    long took = sink_now_ms () - start;
    assert_false (permanent);
    assert_true (took >= HANG_TIMEOUT_MS - 50 && took < HANG_TIMEOUT_MS * 10);
    assert_true (strlen (err) > 0);
    notify_mailer_destroy (&mailer);
    close (listener);
}

/* ---- real sends ---------------------------------------------------------------------- */

typedef struct {
    sink_t sink;
    char dir[256];
    char url[64];
    char cert[300];  //  the server's self-signed certificate (PEM), for STARTTLS
    char key[300];
} server_t;

//  A self-signed P-256 certificate for 127.0.0.1 (also its subjectAltName,
//  which is what libcurl checks) into cert and key. Returns 0 or -1.
static int
s_make_certificate (const char *cert, const char *key)
{
    EVP_PKEY *pkey = EVP_EC_gen ("P-256");
    X509 *x509 = X509_new ();
    X509_EXTENSION *san = NULL;
    FILE *f = NULL;
    int rc = -1;
    if (!pkey || !x509)
        goto cleanup;
    X509_set_version (x509, 2);
    ASN1_INTEGER_set (X509_get_serialNumber (x509), 1);
    X509_gmtime_adj (X509_getm_notBefore (x509), -3600);
    X509_gmtime_adj (X509_getm_notAfter (x509), 24 * 3600);
    X509_set_pubkey (x509, pkey);
    X509_NAME *name = X509_get_subject_name (x509);
    X509_NAME_add_entry_by_txt (name, "CN", MBSTRING_ASC, (const unsigned char *) "127.0.0.1", -1,
                                -1, 0);
    X509_set_issuer_name (x509, name);
    san = X509V3_EXT_conf_nid (NULL, NULL, NID_subject_alt_name, "IP:127.0.0.1");
    if (!san || !X509_add_ext (x509, san, -1) || !X509_sign (x509, pkey, EVP_sha256 ()))
        goto cleanup;
    if (!(f = fopen (cert, "w")) || !PEM_write_X509 (f, x509) || fclose (f) != 0)
        goto cleanup;
    if (!(f = fopen (key, "w")) || !PEM_write_PrivateKey (f, pkey, NULL, NULL, 0, NULL, NULL)
        || fclose (f) != 0)
        goto cleanup;
    f = NULL;
    rc = 0;
cleanup:
    if (f)
        fclose (f);
    X509_EXTENSION_free (san);
    X509_free (x509);
    EVP_PKEY_free (pkey);
    return rc;
}

static int
s_server_down (void **state)
{
    server_t *server = *state;
    if (server) {
        sink_stop (&server->sink);
        sink_rmdir (server->dir);
        free (server);
    }
    return 0;
}

//  Start the server with its certificate in a fresh folder. Returns 0 or -1.
static int
s_server_start (server_t *server)
{
    server->sink.pid = 0;
    server->sink.out = -1;
    int port = sink_free_port ();
    if (port < 0 || sink_tmpdir (server->dir, sizeof server->dir, "smtp"))
        return -1;
    snprintf (server->url, sizeof server->url, "smtp://127.0.0.1:%d", port);
    snprintf (server->cert, sizeof server->cert, "%s/cert.pem", server->dir);
    snprintf (server->key, sizeof server->key, "%s/key.pem", server->dir);
    if (s_make_certificate (server->cert, server->key))
        return -1;
    char port_text[16];
    snprintf (port_text, sizeof port_text, "%d", port);
    char *argv[] = {SINK_PYTHON, SINK_SCRIPT ("smtp_sink.py"),
                    "127.0.0.1", port_text,
                    server->dir, server->cert,
                    server->key, NULL};
    return sink_start (&server->sink, argv);
}

static int
s_server_up (void **state)
{
    server_t *server = calloc (1, sizeof *server);
    *state = server;
    if (server && s_server_start (server) == 0)
        return 0;
    s_server_down (state);
    *state = NULL;
    return -1;
}

//  The path of the received message with this Message-ID, into path.
static bool
s_find_message (const char *dir, const char *message_id, char *path, size_t cap)
{
    char needle[300];
    snprintf (needle, sizeof needle, "\r\nMessage-ID: %s\r\n", message_id);
    DIR *d = opendir (dir);
    bool found = false;
    struct dirent *e;
    while (d && !found && (e = readdir (d))) {
        size_t len = strlen (e->d_name);
        if (len < 4 || strcmp (e->d_name + len - 4, ".eml") != 0)
            continue;
        snprintf (path, cap, "%s/%s", dir, e->d_name);
        char *data = sink_read_file (path, NULL);
        found = data && strstr (data, needle);
        free (data);
    }
    if (d)
        closedir (d);
    return found;
}

//  What Python's email package reads in the received message.
static json_t *
s_show (const char *path)
{
    char *argv[] = {SINK_PYTHON, SINK_SCRIPT ("smtp_sink.py"), "show", (char *) path, NULL};
    char *out = sink_run (argv);
    assert_non_null (out);
    json_error_t error;
    json_t *shown = json_loads (out, 0, &error);
    free (out);
    assert_non_null (shown);
    return shown;
}

//  The envelope the server recorded beside the message at path (.eml).
static json_t *
s_envelope (const char *path)
{
    char meta[512];
    snprintf (meta, sizeof meta, "%.*s.json", (int) (strlen (path) - 4), path);
    json_error_t error;
    json_t *envelope = json_load_file (meta, 0, &error);
    assert_non_null (envelope);
    return envelope;
}

static const char *
s_str (json_t *object, const char *key)
{
    return json_string_value (json_object_get (object, key));
}

static void
test_send_two_mails_over_one_connection (void **state)
{
    server_t *server = *state;
    notify_mail_config_t cfg = s_config;
    cfg.url = server->url;
    notify_mailer_t *mailer = notify_mailer_new (&cfg);
    assert_non_null (mailer);
    char err[256] = "";
    bool permanent = true;
    notify_mail_t first = s_invitation ();
    assert_int_equal (notify_mailer_send (mailer, &first, err, sizeof err, &permanent), 0);
    notify_mail_t second = {.to_address = "tran.thi.binh@stp.tinh.gov.vn",
                            .to_name = "Trần Thị Bình",
                            .subject = "Nhắc lịch: họp giao ban sáng thứ Hai",
                            .text = "Đồng chí có lịch họp giao ban lúc 07:30.",
                            .message_id = "<notice-2@node1.tinh.gov.vn>"};
    assert_int_equal (notify_mailer_send (mailer, &second, err, sizeof err, &permanent), 0);
    notify_mailer_destroy (&mailer);

    char path[600], path2[600];
    assert_true (s_find_message (server->dir, MESSAGE_ID, path, sizeof path));
    json_t *shown = s_show (path);
    json_t *headers = json_object_get (shown, "headers");
    assert_string_equal (s_str (headers, "subject"), SUBJECT);
    assert_string_equal (s_str (headers, "message-id"), MESSAGE_ID);
    assert_string_equal (s_str (json_object_get (shown, "from"), "name"), FROM_NAME);
    assert_string_equal (s_str (json_object_get (shown, "from"), "address"), FROM);
    assert_string_equal (s_str (json_object_get (shown, "to"), "name"), TO_NAME);
    assert_string_equal (s_str (json_object_get (shown, "to"), "address"), TO);
    assert_int_equal (json_array_size (json_object_get (shown, "defects")), 0);
    //  the structure Outlook and Google read an invitation from
    const char *structure[] = {"multipart/mixed", "multipart/alternative", "text/plain",
                               "text/html",       "text/calendar",         "application/ics"};
    json_t *walk = json_object_get (shown, "structure");
    assert_int_equal (json_array_size (walk), 6);
    for (size_t i = 0; i < 6; i++)
        assert_string_equal (json_string_value (json_array_get (walk, i)), structure[i]);
    json_t *parts = json_object_get (shown, "parts");
    assert_string_equal (s_str (json_array_get (parts, 0), "content"), TEXT);
    assert_string_equal (s_str (json_array_get (parts, 1), "content"), HTML);
    json_t *calendar = json_array_get (parts, 2);
    assert_string_equal (s_str (calendar, "content"), ICS);
    assert_string_equal (s_str (calendar, "charset"), "utf-8");
    assert_string_equal (s_str (json_object_get (calendar, "params"), "method"), "REQUEST");
    json_t *attachment = json_array_get (parts, 3);
    assert_string_equal (s_str (attachment, "content"), ICS);
    assert_string_equal (s_str (attachment, "filename"), NOTIFY_MAIL_ATTACHMENT);
    assert_string_equal (s_str (attachment, "disposition"), "attachment");
    json_decref (shown);

    assert_true (s_find_message (server->dir, "<notice-2@node1.tinh.gov.vn>", path2, sizeof path2));
    shown = s_show (path2);
    headers = json_object_get (shown, "headers");
    assert_string_equal (s_str (headers, "subject"), "Nhắc lịch: họp giao ban sáng thứ Hai");
    assert_string_equal (s_str (json_object_get (shown, "to"), "name"), "Trần Thị Bình");
    assert_int_equal (json_array_size (json_object_get (shown, "parts")), 1);
    json_decref (shown);

    //  the envelopes: each mail to its own recipient, both over one connection
    json_t *one = s_envelope (path), *two = s_envelope (path2);
    assert_string_equal (s_str (one, "mail_from"), FROM);
    assert_string_equal (s_str (two, "mail_from"), FROM);
    json_t *rcpt = json_object_get (one, "rcpt_tos");
    assert_int_equal (json_array_size (rcpt), 1);
    assert_string_equal (json_string_value (json_array_get (rcpt, 0)), TO);
    rcpt = json_object_get (two, "rcpt_tos");
    assert_int_equal (json_array_size (rcpt), 1);
    assert_string_equal (json_string_value (json_array_get (rcpt, 0)),
                         "tran.thi.binh@stp.tinh.gov.vn");
    //  tls "none": no STARTTLS although the server offers it
    assert_false (json_is_true (json_object_get (one, "tls")));
    json_t *peer1 = json_array_get (json_object_get (one, "peer"), 1);
    json_t *peer2 = json_array_get (json_object_get (two, "peer"), 1);
    assert_non_null (peer1);
    assert_int_equal (json_integer_value (peer1), json_integer_value (peer2));
    json_decref (one);
    json_decref (two);

    //  on the wire exactly what render makes: CRLF lines, nothing bare
    size_t len = 0;
    char *raw = sink_read_file (path, &len);
    assert_non_null (raw);
    assert_int_equal (strlen (raw), len);
    for (const char *p = raw; (p = strchr (p, '\n')); p++)
        assert_int_equal (p[-1], '\r');
    free (raw);
}

static void
test_send_refused_recipient_is_permanent (void **state)
{
    server_t *server = *state;
    notify_mail_config_t cfg = s_config;
    cfg.url = server->url;
    notify_mailer_t *mailer = notify_mailer_new (&cfg);
    notify_mail_t mail = s_invitation ();
    mail.to_address = "refuse.me@tinh.gov.vn";
    mail.message_id = "<notice-refused@node1.tinh.gov.vn>";
    char err[256] = "";
    bool permanent = false;
    assert_int_equal (notify_mailer_send (mailer, &mail, err, sizeof err, &permanent), -1);
    assert_true (permanent);
    assert_non_null (strstr (err, "550"));
    assert_non_null (strstr (err, "RCPT"));
    char path[600];
    assert_false (s_find_message (server->dir, mail.message_id, path, sizeof path));
    //  the same mailer goes on working
    mail.to_address = TO;
    mail.message_id = "<notice-after-refusal@node1.tinh.gov.vn>";
    assert_int_equal (notify_mailer_send (mailer, &mail, err, sizeof err, &permanent), 0);
    assert_true (s_find_message (server->dir, mail.message_id, path, sizeof path));
    notify_mailer_destroy (&mailer);
}

static void
test_send_busy_mailbox_is_not_permanent (void **state)
{
    server_t *server = *state;
    notify_mail_config_t cfg = s_config;
    cfg.url = server->url;
    notify_mailer_t *mailer = notify_mailer_new (&cfg);
    notify_mail_t mail = s_invitation ();
    mail.to_address = "later@tinh.gov.vn";
    char err[256] = "";
    bool permanent = true;
    assert_int_equal (notify_mailer_send (mailer, &mail, err, sizeof err, &permanent), -1);
    assert_false (permanent);
    assert_non_null (strstr (err, "450"));
    notify_mailer_destroy (&mailer);
}

static void
test_send_refused_sender_is_not_permanent (void **state)
{
    server_t *server = *state;
    notify_mail_config_t cfg = s_config;
    cfg.url = server->url;
    cfg.from_address = "refuse-sender@tinh.gov.vn";
    notify_mailer_t *mailer = notify_mailer_new (&cfg);
    notify_mail_t mail = s_invitation ();
    char err[256] = "";
    bool permanent = true;
    //  a 5xx, but to MAIL FROM: the configuration is wrong, not the recipient
    assert_int_equal (notify_mailer_send (mailer, &mail, err, sizeof err, &permanent), -1);
    assert_false (permanent);
    assert_non_null (strstr (err, "MAIL"));
    assert_non_null (strstr (err, "553"));
    notify_mailer_destroy (&mailer);
}

//  Send the invitation with this Message-ID through a mailer for tls,
//  ca_file and insecure; returns the result.
static int
s_send_tls (server_t *server, const char *tls, const char *ca_file, bool insecure,
            const char *message_id, char *err, size_t cap, bool *permanent)
{
    notify_mail_config_t cfg = s_config;
    cfg.url = server->url;
    cfg.tls = tls;
    cfg.ca_file = ca_file;
    cfg.insecure = insecure;
    notify_mailer_t *mailer = notify_mailer_new (&cfg);
    assert_non_null (mailer);
    notify_mail_t mail = s_invitation ();
    mail.message_id = message_id;
    int rc = notify_mailer_send (mailer, &mail, err, cap, permanent);
    notify_mailer_destroy (&mailer);
    return rc;
}

//  Whether the message with this Message-ID came over an encrypted connection.
static bool
s_came_encrypted (server_t *server, const char *message_id)
{
    char path[600];
    assert_true (s_find_message (server->dir, message_id, path, sizeof path));
    json_t *envelope = s_envelope (path);
    bool tls = json_is_true (json_object_get (envelope, "tls"));
    json_decref (envelope);
    return tls;
}

static void
test_send_starttls_verifies_against_the_ca_file (void **state)
{
    server_t *server = *state;
    char err[256] = "";
    bool permanent = true;
    assert_int_equal (s_send_tls (server, "starttls", server->cert, false, "<tls-ca@node1>", err,
                                  sizeof err, &permanent),
                      0);
    assert_true (s_came_encrypted (server, "<tls-ca@node1>"));
    //  "try" takes STARTTLS when offered
    assert_int_equal (s_send_tls (server, "try", server->cert, false, "<tls-try@node1>", err,
                                  sizeof err, &permanent),
                      0);
    assert_true (s_came_encrypted (server, "<tls-try@node1>"));
}

static void
test_send_starttls_unknown_certificate_is_not_permanent (void **state)
{
    server_t *server = *state;
    char err[256] = "";
    bool permanent = true;
    //  the system's CAs do not know the test server's certificate
    assert_int_equal (s_send_tls (server, "starttls", NULL, false, "<tls-unknown@node1>", err,
                                  sizeof err, &permanent),
                      -1);
    assert_false (permanent);
    assert_true (strlen (err) > 0);
    char path[600];
    assert_false (s_find_message (server->dir, "<tls-unknown@node1>", path, sizeof path));
}

static void
test_send_insecure_skips_verification (void **state)
{
    server_t *server = *state;
    char err[256] = "";
    bool permanent = true;
    assert_int_equal (s_send_tls (server, "starttls", NULL, true, "<tls-insecure@node1>", err,
                                  sizeof err, &permanent),
                      0);
    assert_true (s_came_encrypted (server, "<tls-insecure@node1>"));
}

//  Last of its group: it stops the server.
static void
test_send_with_the_server_stopped_is_not_permanent (void **state)
{
    server_t *server = *state;
    notify_mail_config_t cfg = s_config;
    cfg.url = server->url;
    notify_mailer_t *mailer = notify_mailer_new (&cfg);
    notify_mail_t mail = s_invitation ();
    mail.message_id = "<notice-before-stop@node1.tinh.gov.vn>";
    char err[256] = "";
    bool permanent = true;
    assert_int_equal (notify_mailer_send (mailer, &mail, err, sizeof err, &permanent), 0);
    sink_stop (&server->sink);
    //  the kept connection is gone, and a new one is refused
    mail.message_id = "<notice-after-stop@node1.tinh.gov.vn>";
    assert_int_equal (notify_mailer_send (mailer, &mail, err, sizeof err, &permanent), -1);
    assert_false (permanent);
    assert_true (strlen (err) > 0);
    notify_mailer_destroy (&mailer);
}

int
main (void)
{
    const struct CMUnitTest pure[] = {
        cmocka_unit_test (test_encode_header_leaves_plain_ascii_unchanged),
        cmocka_unit_test (test_encode_header_vietnamese_round_trips_in_short_words),
        cmocka_unit_test (test_encode_header_never_splits_a_character),
        cmocka_unit_test (test_encode_header_encodes_control_characters),
        cmocka_unit_test (test_encode_header_refuses_invalid_utf8),
        cmocka_unit_test (test_render_has_the_headers),
        cmocka_unit_test (test_render_ascii_names_are_quoted),
        cmocka_unit_test (test_render_parts_decode_to_the_exact_texts),
        cmocka_unit_test (test_render_lines_are_crlf_and_short),
        cmocka_unit_test (test_render_without_html_or_calendar_has_only_text),
        cmocka_unit_test (test_render_line_breaks_become_crlf),
        cmocka_unit_test (test_render_boundaries_are_random),
        cmocka_unit_test (test_render_refuses_malformed_mail),
        cmocka_unit_test (test_mailer_new_refuses_bad_configuration),
        cmocka_unit_test (test_send_malformed_mail_is_permanent),
        cmocka_unit_test (test_send_to_a_silent_server_times_out_not_permanent),
    };
    const struct CMUnitTest server[] = {
        cmocka_unit_test (test_send_two_mails_over_one_connection),
        cmocka_unit_test (test_send_refused_recipient_is_permanent),
        cmocka_unit_test (test_send_busy_mailbox_is_not_permanent),
        cmocka_unit_test (test_send_refused_sender_is_not_permanent),
        cmocka_unit_test (test_send_starttls_verifies_against_the_ca_file),
        cmocka_unit_test (test_send_starttls_unknown_certificate_is_not_permanent),
        cmocka_unit_test (test_send_insecure_skips_verification),
        cmocka_unit_test (test_send_with_the_server_stopped_is_not_permanent),
    };
    curl_global_init (CURL_GLOBAL_DEFAULT);
    int failed = cmocka_run_group_tests_name ("mail", pure, NULL, NULL);
    failed += cmocka_run_group_tests_name ("mail_smtp", server, s_server_up, s_server_down);
    curl_global_cleanup ();
    return failed;
}
