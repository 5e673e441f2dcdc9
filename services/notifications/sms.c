/*  notify_sms - SMS through an HTTP gateway with libcurl (see sms.h).
    Unicode work (decomposition, categories) is utf8proc's, JSON escaping
    jansson's and percent-encoding libcurl's; what is done here is the
    splitting into parts, the phone numbers and the gateway's answers.  */
#include "sms.h"
#include "cab_utf8.h"
#include "transport.h"
#include <curl/curl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

#define ANSWER_MAX 160  //  bytes of the gateway's answer kept for err
#define REF_MAX 256     //  bytes of a part's id
#define DIGITS_MAX 20   //  digits read from a phone number before giving up
#define VN_CODE "84"
#define VN_NATIONAL 9  //  digits of a Vietnamese number after 0 or 84
#define E164_MIN 8
#define E164_MAX 15
#define PREFIX_FIXED 4  //  "(", "/", ")" and the space of "(i/n) "
#define HTTP_CLASS 100
#define HTTP_OK 2
#define HTTP_CLIENT_ERROR 4
#define HTTP_REQUEST_TIMEOUT 408
#define HTTP_TOO_MANY_REQUESTS 429

struct _notify_sms_t {
    char *url;
    char *user;
    char *password;
    char *body_template;
    char *content_type;
    bool ascii;
    int max_chars;
    CURL *curl;
    struct curl_slist *headers;
    char curl_error[CURL_ERROR_SIZE];
    char answer[ANSWER_MAX];  //  the start of the gateway's last answer
    size_t answer_len;
};

static bool
s_is_json (const char *content_type)
{
    return notify_empty (content_type) || strcmp (content_type, NOTIFY_SMS_JSON) == 0;
}

static bool
s_is_form (const char *content_type)
{
    return content_type && strcmp (content_type, NOTIFY_SMS_FORM) == 0;
}

/* ---- folding to ASCII ---------------------------------------------------------------- */

//  The ASCII kin of a character NFKD leaves outside ASCII, or '?'.
static char
s_ascii_kin (utf8proc_int32_t code)
{
    static const struct {
        utf8proc_int32_t code;
        char ascii;
    } kin[] = {
        {0x0110, 'D'},  {0x0111, 'd'},  //  Đ đ: a letter of its own, not D with a mark
        {0x2018, '\''}, {0x2019, '\''}, {0x201A, '\''}, {0x2032, '\''}, {0x201C, '"'},
        {0x201D, '"'},  {0x201E, '"'},  {0x2033, '"'},  {0x00AB, '"'},  {0x00BB, '"'},
        {0x2010, '-'},  {0x2011, '-'},  {0x2012, '-'},  {0x2013, '-'},  {0x2014, '-'},
        {0x2015, '-'},  {0x2212, '-'},  {0x2022, '*'},  {0x00B7, '.'},
    };
    for (size_t i = 0; i < sizeof kin / sizeof kin[0]; i++)
        if (kin[i].code == code)
            return kin[i].ascii;
    if (utf8proc_category (code) == UTF8PROC_CATEGORY_ZS)
        return ' ';
    return '?';
}

static bool
s_is_mark (utf8proc_int32_t code)
{
    utf8proc_category_t category = utf8proc_category (code);
    return category == UTF8PROC_CATEGORY_MN || category == UTF8PROC_CATEGORY_MC
           || category == UTF8PROC_CATEGORY_ME;
}

char *
notify_sms_fold_ascii (const char *utf8)
{
    if (!utf8 || !cab_utf8_valid (utf8, strlen (utf8)))
        return NULL;
    utf8proc_uint8_t *decomposed = NULL;
    utf8proc_ssize_t len =
        utf8proc_map ((const utf8proc_uint8_t *) utf8, 0, &decomposed,
                      UTF8PROC_NULLTERM | UTF8PROC_STABLE | UTF8PROC_DECOMPOSE | UTF8PROC_COMPAT);
    if (len < 0)
        return NULL;
    //  Every code point becomes at most one byte.
    char *out = malloc ((size_t) len + 1);
    size_t o = 0;
    for (utf8proc_ssize_t pos = 0; out && pos < len;) {
        utf8proc_int32_t code;
        utf8proc_ssize_t n = utf8proc_iterate (decomposed + pos, len - pos, &code);
        if (n <= 0)
            break;
        pos += n;
        if (code < 0x80)
            out[o++] = (char) code;
        else if (!s_is_mark (code))
            out[o++] = s_ascii_kin (code);
    }
    if (out)
        out[o] = '\0';
    free (decomposed);
    return out;
}

/* ---- splitting ----------------------------------------------------------------------- */

static bool
s_space (utf8proc_int32_t code)
{
    return code == ' ' || code == '\t' || code == '\n' || code == '\r';
}

static int
s_digits (size_t n)
{
    int d = 1;
    while (n >= 10) {
        n /= 10;
        d++;
    }
    return d;
}

//  The text as code points: code[i] starts at byte at[i]; at[count] is the
//  end. Both malloc'd.
typedef struct {
    utf8proc_int32_t *code;
    size_t *at;
    size_t count;
} points_t;

static int
s_points (const char *text, points_t *points)
{
    size_t len = strlen (text);
    points->code = malloc ((len + 1) * sizeof *points->code);
    points->at = malloc ((len + 1) * sizeof *points->at);
    points->count = 0;
    if (!points->code || !points->at)
        return -1;
    size_t pos = 0;
    while (pos < len) {
        utf8proc_int32_t code;
        utf8proc_ssize_t n = utf8proc_iterate ((const utf8proc_uint8_t *) text + pos,
                                               (utf8proc_ssize_t) (len - pos), &code);
        if (n <= 0)
            return -1;
        points->code[points->count] = code;
        points->at[points->count++] = pos;
        pos += (size_t) n;
    }
    points->at[points->count] = len;
    return 0;
}

//  One piece [*start, *end) of at most room code points from p (not a
//  space): cut at white space where one is in reach, else at room. Returns
//  where the next piece starts (spaces skipped) ; last is the end of text.
static size_t
s_piece (const points_t *pt, size_t p, size_t last, size_t room, size_t *end)
{
    size_t cut;
    if (last - p <= room)
        cut = last;
    else if (s_space (pt->code[p + room]))
        cut = p + room;  //  the whole room is words
    else {
        cut = p + room;  //  a word longer than a part is cut where the part ends
        for (size_t j = p + room - 1; j > p; j--)
            if (s_space (pt->code[j])) {
                cut = j;
                break;
            }
    }
    size_t e = cut;
    while (e > p && s_space (pt->code[e - 1]))
        e--;
    *end = e;
    while (cut < last && s_space (pt->code[cut]))
        cut++;
    return cut;
}

//  Number of pieces of [first, last) with room code points each.
static size_t
s_count (const points_t *pt, size_t first, size_t last, size_t room)
{
    size_t n = 0, end;
    for (size_t p = first; p < last; n++)
        p = s_piece (pt, p, last, room, &end);
    return n;
}

void
notify_sms_parts_free (char **parts, size_t n)
{
    if (!parts)
        return;
    for (size_t i = 0; i < n; i++)
        free (parts[i]);
    free (parts);
}

size_t
notify_sms_split (const char *text, int max, char ***parts_p)
{
    *parts_p = NULL;
    if (!text || !cab_utf8_valid (text, strlen (text)))
        return 0;
    points_t pt = {NULL, NULL, 0};
    char **parts = NULL;
    size_t n = 0;
    if (s_points (text, &pt))
        goto cleanup;
    size_t first = 0, last = pt.count;
    while (first < last && s_space (pt.code[first]))
        first++;
    while (last > first && s_space (pt.code[last - 1]))
        last--;
    if (first == last)
        goto cleanup;
    if (max <= 0 || last - first <= (size_t) max) {
        parts = malloc (sizeof *parts);
        if (parts && (parts[0] = strndup (text + pt.at[first], pt.at[last] - pt.at[first])))
            n = 1;
        goto cleanup;
    }
    //  The prefix's room depends on the number of parts: assume one digit,
    //  and count again with more while the count needs more.
    int digits = 1;
    size_t count, room;
    for (;;) {
        size_t prefix = PREFIX_FIXED + 2 * (size_t) digits;
        if ((size_t) max <= prefix)
            goto cleanup;  //  no room for text after "(i/n) "
        room = (size_t) max - prefix;
        count = s_count (&pt, first, last, room);
        if (s_digits (count) <= digits)
            break;
        digits = s_digits (count);
    }
    parts = calloc (count, sizeof *parts);
    if (!parts)
        goto cleanup;
    size_t p = first;
    for (size_t i = 0; i < count; i++) {
        size_t end, next = s_piece (&pt, p, last, room, &end);
        if (asprintf (&parts[i], "(%zu/%zu) %.*s", i + 1, count, (int) (pt.at[end] - pt.at[p]),
                      text + pt.at[p])
            < 0) {
            parts[i] = NULL;
            notify_sms_parts_free (parts, i);
            parts = NULL;
            goto cleanup;
        }
        p = next;
    }
    n = count;
cleanup:
    free (pt.code);
    free (pt.at);
    if (n == 0) {
        free (parts);
        parts = NULL;
    }
    *parts_p = parts;
    return n;
}

/* ---- phone numbers ------------------------------------------------------------------- */

bool
notify_sms_normalise_phone (const char *in, char *out, size_t cap)
{
    if (!in || !out)
        return false;
    char digits[DIGITS_MAX + 1];
    size_t n = 0;
    bool plus = false;
    for (const char *p = in; *p; p++) {
        if (strchr (" .-()", *p))
            continue;
        if (*p == '+' && n == 0 && !plus)
            plus = true;
        else if (*p >= '0' && *p <= '9' && n < DIGITS_MAX)
            digits[n++] = *p;
        else
            return false;
    }
    digits[n] = '\0';
    const char *d = digits;
    //  "0084...", the international dialling prefix 00 before 84, is +84.
    if (!plus && strncmp (d, "00" VN_CODE, 2 + strlen (VN_CODE)) == 0) {
        plus = true;
        d += 2;
    }
    const char *national = NULL;
    if (strncmp (d, VN_CODE, strlen (VN_CODE)) == 0 && (plus || strlen (d) == 2 + VN_NATIONAL)) {
        national = d + strlen (VN_CODE);
        if (plus && national[0] == '0')
            national++;  //  "+84 (0) 912 ..." as people write it
    } else if (!plus && d[0] == '0')
        national = d + 1;
    char normal[DIGITS_MAX + sizeof VN_CODE];
    if (national) {
        if (strlen (national) != VN_NATIONAL || national[0] == '0')
            return false;
        snprintf (normal, sizeof normal, VN_CODE "%s", national);
    } else if (plus && strlen (d) >= E164_MIN && strlen (d) <= E164_MAX && d[0] != '0')
        snprintf (normal, sizeof normal, "%s", d);
    else
        return false;
    if (strlen (normal) + 1 > cap)
        return false;
    memcpy (out, normal, strlen (normal) + 1);
    return true;
}

/* ---- the request body ---------------------------------------------------------------- */

//  value as the inside of a JSON string (jansson's escaping), or NULL.
static char *
s_json_escape (const char *value)
{
    json_t *string = json_string (value);
    char *quoted = string ? json_dumps (string, JSON_ENCODE_ANY) : NULL;
    json_decref (string);
    if (!quoted)
        return NULL;
    size_t len = strlen (quoted);
    memmove (quoted, quoted + 1, len - 2);  //  drop the quotes
    quoted[len - 2] = '\0';
    return quoted;
}

//  value percent-encoded (libcurl's escaping: all but unreserved), or NULL.
static char *
s_form_escape (const char *value)
{
    char *escaped = curl_easy_escape (NULL, value, 0);
    char *copy = escaped ? strdup (escaped) : NULL;
    curl_free (escaped);
    return copy;
}

char *
notify_sms_render_body (const char *body_template, const char *content_type, const char *phone,
                        const char *text, const char *id)
{
    bool json = s_is_json (content_type);
    if (!json && !s_is_form (content_type))
        return NULL;
    if (notify_empty (body_template))
        body_template = json ? NOTIFY_SMS_TEMPLATE_JSON : NOTIFY_SMS_TEMPLATE_FORM;
    const struct {
        const char *name;
        const char *value;
    } fields[] = {{"{{phone}}", phone}, {"{{text}}", text}, {"{{id}}", id}};
    char *out = NULL;
    size_t len = 0;
    FILE *f = open_memstream (&out, &len);
    if (!f)
        return NULL;
    bool ok = true;
    for (const char *p = body_template; *p && ok;) {
        size_t i = 0;
        while (i < sizeof fields / sizeof fields[0]
               && strncmp (p, fields[i].name, strlen (fields[i].name)) != 0)
            i++;
        if (i == sizeof fields / sizeof fields[0]) {
            fputc (*p++, f);
            continue;
        }
        const char *value = fields[i].value ? fields[i].value : "";
        char *escaped = json ? s_json_escape (value) : s_form_escape (value);
        ok = escaped != NULL;
        if (escaped)
            fputs (escaped, f);
        free (escaped);
        p += strlen (fields[i].name);
    }
    if (ferror (f))
        ok = false;
    if (fclose (f) != 0)
        ok = false;
    if (!ok) {
        free (out);
        return NULL;
    }
    return out;
}

/* ---- the sender ---------------------------------------------------------------------- */

//  A header line "Name: value" without line breaks.
static bool
s_header_valid (const char *header)
{
    const char *colon = strchr (header, ':');
    return colon && colon != header && !strpbrk (header, "\r\n");
}

//  Keep the start of the gateway's answer, for err.
static size_t
s_answer (char *data, size_t size, size_t nitems, void *arg)
{
    notify_sms_t *self = arg;
    size_t n = size * nitems;
    size_t room = sizeof self->answer - 1 - self->answer_len;
    size_t take = n < room ? n : room;
    memcpy (self->answer + self->answer_len, data, take);
    self->answer_len += take;
    self->answer[self->answer_len] = '\0';
    return n;
}

//  The answer as one line of UTF-8 in place: control characters as spaces,
//  bytes that are not UTF-8 as '?', a character cut at the end dropped.
static void
s_answer_clean (notify_sms_t *self)
{
    char *a = self->answer;
    size_t len = self->answer_len, o = 0;
    for (size_t i = 0; i < len;) {
        utf8proc_int32_t code;
        utf8proc_ssize_t n = utf8proc_iterate ((const utf8proc_uint8_t *) a + i,
                                               (utf8proc_ssize_t) (len - i), &code);
        if (n <= 0 && len - i < 4 && (unsigned char) a[i] >= 0xc0)
            break;  //  the kept bytes end inside a character
        if (n <= 0) {
            a[o++] = '?';
            i++;
            continue;
        }
        if (code < 0x20 || code == 0x7f)
            a[o++] = ' ';
        else {
            memmove (a + o, a + i, (size_t) n);
            o += (size_t) n;
        }
        i += (size_t) n;
    }
    a[o] = '\0';
    self->answer_len = o;
}

notify_sms_t *
notify_sms_new (const notify_sms_config_t *cfg)
{
    if (!cfg || notify_empty (cfg->url)
        || (!s_is_json (cfg->content_type) && !s_is_form (cfg->content_type))
        || (!notify_empty (cfg->header) && !s_header_valid (cfg->header))
        || (cfg->max_chars != 0 && cfg->max_chars < NOTIFY_SMS_MIN_CHARS))
        return NULL;
    notify_sms_t *self = calloc (1, sizeof *self);
    if (!self)
        return NULL;
    bool json = s_is_json (cfg->content_type);
    const char *body_template = !notify_empty (cfg->body_template) ? cfg->body_template
                                : json                             ? NOTIFY_SMS_TEMPLATE_JSON
                                                                   : NOTIFY_SMS_TEMPLATE_FORM;
    if (notify_copy (&self->url, cfg->url) || notify_copy (&self->user, cfg->user)
        || notify_copy (&self->password, cfg->password)
        || notify_copy (&self->body_template, body_template)
        || notify_copy (&self->content_type, json ? NOTIFY_SMS_JSON : NOTIFY_SMS_FORM))
        goto err;
    self->ascii = cfg->ascii;
    self->max_chars = cfg->max_chars > 0 ? cfg->max_chars : NOTIFY_SMS_MAX_CHARS;
    char content_type[64];
    snprintf (content_type, sizeof content_type, "Content-Type: %s", self->content_type);
    struct curl_slist *list = curl_slist_append (NULL, content_type);
    //  libcurl would wait for "100 Continue" before a larger body; gateways
    //  seldom send it.
    if (list)
        self->headers = list = curl_slist_append (list, "Expect:");
    if (list && !notify_empty (cfg->header))
        self->headers = list = curl_slist_append (list, cfg->header);
    if (!list)
        goto err;
    self->curl =
        notify_curl_new (self->url, cfg->timeout_ms > 0 ? cfg->timeout_ms : NOTIFY_SMS_TIMEOUT_MS,
                         self->curl_error, self->user, self->password);
    if (!self->curl)
        goto err;
    CURL *c = self->curl;
    CURLcode rc = CURLE_OK;
#define S_SET(opt, value)                                                                          \
    if (rc == CURLE_OK)                                                                            \
    rc = curl_easy_setopt (c, opt, value)
    S_SET (CURLOPT_POST, 1L);
    S_SET (CURLOPT_HTTPHEADER, self->headers);
    S_SET (CURLOPT_PROTOCOLS_STR, "http,https");
    S_SET (CURLOPT_WRITEFUNCTION, s_answer);
    S_SET (CURLOPT_WRITEDATA, self);
    if (!notify_empty (self->user))
        S_SET (CURLOPT_HTTPAUTH, (long) CURLAUTH_BASIC);
#undef S_SET
    if (rc != CURLE_OK)
        goto err;
    return self;
err:
    notify_sms_destroy (&self);
    return NULL;
}

void
notify_sms_destroy (notify_sms_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    notify_sms_t *self = *self_p;
    if (self->curl)
        curl_easy_cleanup (self->curl);
    curl_slist_free_all (self->headers);
    free (self->url);
    free (self->user);
    free (self->password);
    free (self->body_template);
    free (self->content_type);
    free (self);
    *self_p = NULL;
}

//  POST one part. Returns 0 when the gateway accepted it (2xx), else -1
//  with err and *permanent.
static int
s_post (notify_sms_t *self, const char *body, const char *what, char *err, size_t cap,
        bool *permanent)
{
    self->curl_error[0] = self->answer[0] = '\0';
    self->answer_len = 0;
    CURLcode rc = curl_easy_setopt (self->curl, CURLOPT_POSTFIELDS, body);
    if (rc == CURLE_OK)
        rc = curl_easy_setopt (self->curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t) strlen (body));
    if (rc == CURLE_OK)
        rc = curl_easy_perform (self->curl);
    curl_easy_setopt (self->curl, CURLOPT_POSTFIELDS, NULL);
    if (rc != CURLE_OK) {
        notify_error (err, cap, "SMS gateway, %s: %s", what,
                      self->curl_error[0] ? self->curl_error : curl_easy_strerror (rc));
        return -1;
    }
    long status = 0;
    curl_easy_getinfo (self->curl, CURLINFO_RESPONSE_CODE, &status);
    if (status / HTTP_CLASS == HTTP_OK)
        return 0;
    //  A request the gateway refuses as it is will be refused again; being
    //  busy, rate-limited or broken is for now only.
    *permanent = status / HTTP_CLASS == HTTP_CLIENT_ERROR && status != HTTP_REQUEST_TIMEOUT
                 && status != HTTP_TOO_MANY_REQUESTS;
    s_answer_clean (self);
    notify_error (err, cap, "SMS gateway answered HTTP %ld, %s: %s", status, what, self->answer);
    return -1;
}

int
notify_sms_send (notify_sms_t *self, const char *phone, const char *text, const char *id, char *err,
                 size_t cap, bool *permanent)
{
    bool dummy;
    if (!permanent)
        permanent = &dummy;
    *permanent = false;
    if (!self) {
        notify_error (err, cap, "no SMS sender");
        return -1;
    }
    char number[NOTIFY_SMS_PHONE_MAX];
    *permanent = true;
    if (!notify_sms_normalise_phone (phone, number, sizeof number)) {
        notify_error (err, cap, "not a phone number");
        return -1;
    }
    if (notify_empty (id) || strlen (id) > REF_MAX / 2) {
        notify_error (err, cap, "no notice id, or one too long");
        return -1;
    }
    if (!text || !cab_utf8_valid (text, strlen (text))) {
        notify_error (err, cap, "the text is not UTF-8");
        return -1;
    }
    *permanent = false;
    char *folded = self->ascii ? notify_sms_fold_ascii (text) : strdup (text);
    if (!folded) {
        notify_error (err, cap, "out of memory");
        return -1;
    }
    char **parts = NULL;
    size_t n = notify_sms_split (folded, self->max_chars, &parts);
    if (n == 0) {
        //  the text is UTF-8: it is blank, or memory ran out
        *permanent = strspn (folded, " \t\r\n") == strlen (folded);
        notify_error (err, cap, "%s", *permanent ? "empty text" : "out of memory");
        free (folded);
        return -1;
    }
    free (folded);
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++) {
        char ref[REF_MAX], what[REF_MAX + 32];
        snprintf (ref, sizeof ref, "%s-%zu", id, i + 1);
        snprintf (what, sizeof what, "part %zu/%zu", i + 1, n);
        char *body =
            notify_sms_render_body (self->body_template, self->content_type, number, parts[i], ref);
        if (!body) {
            notify_error (err, cap, "out of memory");
            rc = -1;
        } else
            rc = s_post (self, body, what, err, cap, permanent);
        free (body);
    }
    notify_sms_parts_free (parts, n);
    return rc;
}
