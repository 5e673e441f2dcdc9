/*  notify_mail - e-mail over SMTP with libcurl (see mail.h). The message is
    rendered here, base64 through OpenSSL and boundaries from random tokens
    (cab_token_new: RAND_bytes), and
    handed to libcurl's SMTP upload as it is, so what the tests receive is
    exactly what was rendered. libcurl's protocol trace (its debug callback)
    tells which command the server refused and with what reply: only a 5xx
    to RCPT is permanent.  */
#include "mail.h"
#include "cab_crypto.h"
#include "cab_utf8.h"
#include "transport.h"
#include <curl/curl.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <utf8proc.h>

#define WORD_OPEN "=?UTF-8?B?"
#define WORD_CLOSE "?="
#define FOLD "\r\n "
#define CRLF "\r\n"
#define B64_LINE_BYTES 57  //  input bytes of one 76-character base64 line
#define B64_QUANTUM 4      //  base64 characters per 3 bytes
#define B64_BYTES 3
#define BOUNDARY_PREFIX "=_cabinet_"
#define BOUNDARY_MAX (sizeof BOUNDARY_PREFIX + CAB_TOKEN_LEN)
#define MESSAGE_ID_MAX 250
#define PART_HEADERS_MAX 128  //  bytes of the calendar part's headers
#define ADDRESS_MAX 254       //  RFC 5321: a path of at most 256 with its brackets
#define LOCAL_PART_MAX 64
#define DATE_MAX 48
#define REPLY_MAX 200  //  bytes kept of the server's last reply, for err
#define COMMAND_MAX 16
#define SMTP_PERMANENT_CLASS '5'

//  Vietnam keeps one offset all year (no daylight saving time).
#define VN_OFFSET_S (7 * 3600)
#define VN_OFFSET_TEXT "+0700"

struct _notify_mailer_t {
    notify_mail_config_t cfg;  //  its strings point to the copies below
    char *url;
    char *tls;
    char *user;
    char *password;
    char *from_address;
    char *from_name;
    char *ca_file;
    CURL *curl;
    char curl_error[CURL_ERROR_SIZE];
    char command[COMMAND_MAX];  //  the last SMTP command sent ("RCPT"), from the trace
    char refused[COMMAND_MAX];  //  the command of the send's first 4xx/5xx reply
    char reply[REPLY_MAX];      //  that reply's first line
};

//  The bytes of a message that libcurl reads while uploading.
typedef struct {
    const char *data;
    size_t len;
    size_t pos;
} upload_t;

static bool
s_utf8 (const char *s)
{
    return s && cab_utf8_valid (s, strlen (s));
}

//  true if s is printable ASCII only (space included, no control characters).
static bool
s_plain_ascii (const char *s)
{
    for (const unsigned char *p = (const unsigned char *) s; *p; p++)
        if (*p < 0x20 || *p > 0x7e)
            return false;
    return true;
}

/* ---- checks -------------------------------------------------------------------------- */

//  Printable ASCII other than space and the specials of RFC 5322 that would
//  need quoting: a mailbox we write as <local@domain> without escapes.
static bool
s_address_char (unsigned char c)
{
    return c > 0x20 && c < 0x7f && !strchr ("()<>[]:;,\\\"@", c);
}

bool
notify_mail_address_valid (const char *address)
{
    if (!address)
        return false;
    const char *at = strchr (address, '@');
    size_t len = strlen (address);
    if (!at || at == address || len > ADDRESS_MAX || (size_t) (at - address) > LOCAL_PART_MAX)
        return false;
    const char *domain = at + 1;
    if (!*domain || *domain == '.' || address[len - 1] == '.' || strstr (domain, ".."))
        return false;
    for (const char *p = address; *p; p++)
        if (p != at && !s_address_char ((unsigned char) *p))
            return false;
    return true;
}

static bool
s_message_id_valid (const char *id)
{
    size_t len = strlen (id);
    if (len < 5 || len > MESSAGE_ID_MAX || id[0] != '<' || id[len - 1] != '>')
        return false;
    const char *at = strchr (id, '@');
    if (!at || at == id + 1 || at == id + len - 2 || strchr (at + 1, '@'))
        return false;
    for (size_t i = 1; i + 1 < len; i++)
        if (!s_address_char ((unsigned char) id[i]) && id[i] != '@')
            return false;
    return true;
}

static bool
s_method_valid (const char *method)
{
    return !method || strcmp (method, "REQUEST") == 0 || strcmp (method, "CANCEL") == 0
           || strcmp (method, "PUBLISH") == 0;
}

int
notify_mail_check (const notify_mail_config_t *cfg, const notify_mail_t *mail, char *err,
                   size_t cap)
{
    if (!cfg || !mail)
        notify_error (err, cap, "no mail");
    else if (!notify_mail_address_valid (cfg->from_address))
        notify_error (err, cap, "malformed sender address");
    else if (!notify_mail_address_valid (mail->to_address))
        notify_error (err, cap, "malformed recipient address");
    else if (mail->message_id && !s_message_id_valid (mail->message_id))
        notify_error (err, cap, "malformed Message-ID");
    else if (!s_utf8 (mail->subject) || !s_utf8 (mail->text))
        notify_error (err, cap, "subject and text must be UTF-8");
    else if ((mail->html && !s_utf8 (mail->html)) || (mail->ics && !s_utf8 (mail->ics))
             || (mail->to_name && !s_utf8 (mail->to_name))
             || (cfg->from_name && !s_utf8 (cfg->from_name)))
        notify_error (err, cap, "names, HTML and calendar must be UTF-8");
    else if (!s_method_valid (mail->ics_method))
        notify_error (err, cap, "unknown calendar method");
    else
        return 0;
    return -1;
}

/* ---- RFC 2047 ------------------------------------------------------------------------ */

//  Raw bytes that fit in an encoded-word of at most max characters.
static size_t
s_word_bytes (size_t max)
{
    size_t room = max - strlen (WORD_OPEN) - strlen (WORD_CLOSE);
    return room / B64_QUANTUM * B64_BYTES;
}

//  utf8 as encoded-words, the first at most first_max characters (room left
//  on the header's first line), the others NOTIFY_MAIL_WORD_MAX. NULL on
//  out-of-memory or invalid UTF-8.
static char *
s_encode_words (const char *utf8, size_t first_max)
{
    size_t len = strlen (utf8);
    //  Every 3 bytes become 4 characters, plus a word's frame and a fold per
    //  word; a word carries at least one character (4 bytes).
    size_t words = len + 1;
    size_t cap = len / B64_BYTES * B64_QUANTUM + B64_QUANTUM + 1
                 + words * (strlen (WORD_OPEN) + strlen (WORD_CLOSE) + strlen (FOLD) + B64_QUANTUM);
    char *out = malloc (cap);
    if (!out)
        return NULL;
    size_t o = 0, pos = 0, max_bytes = s_word_bytes (first_max);
    while (pos < len) {
        size_t take = 0;
        while (pos + take < len) {
            utf8proc_int32_t code;
            utf8proc_ssize_t n = utf8proc_iterate ((const utf8proc_uint8_t *) utf8 + pos + take,
                                                   (utf8proc_ssize_t) (len - pos - take), &code);
            if (n < 0) {
                free (out);
                return NULL;
            }
            if (take + (size_t) n > max_bytes)
                break;
            take += (size_t) n;
        }
        if (o > 0) {
            memcpy (out + o, FOLD, strlen (FOLD));
            o += strlen (FOLD);
        }
        memcpy (out + o, WORD_OPEN, strlen (WORD_OPEN));
        o += strlen (WORD_OPEN);
        o += (size_t) EVP_EncodeBlock ((unsigned char *) out + o,
                                       (const unsigned char *) utf8 + pos, (int) take);
        memcpy (out + o, WORD_CLOSE, strlen (WORD_CLOSE));
        o += strlen (WORD_CLOSE);
        pos += take;
        max_bytes = s_word_bytes (NOTIFY_MAIL_WORD_MAX);
    }
    out[o] = '\0';
    return out;
}

//  The header text as it goes after "<name>: ": unchanged when plain ASCII,
//  else encoded-words whose first fits the header's first line.
static char *
s_header_text (const char *name, const char *utf8)
{
    if (s_plain_ascii (utf8))
        return strdup (utf8);
    size_t first = NOTIFY_MAIL_LINE_MAX - strlen (name) - strlen (": ");
    return s_encode_words (utf8, first < NOTIFY_MAIL_WORD_MAX ? first : NOTIFY_MAIL_WORD_MAX);
}

char *
notify_mail_encode_header (const char *utf8)
{
    if (!utf8)
        return NULL;
    if (s_plain_ascii (utf8))
        return strdup (utf8);
    return s_encode_words (utf8, NOTIFY_MAIL_WORD_MAX);
}

/* ---- rendering ----------------------------------------------------------------------- */

static void
s_date (char *out, size_t cap, time_t now)
{
    static const char *const days[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    static const char *const months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                         "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    time_t local = now + VN_OFFSET_S;
    struct tm tm;
    gmtime_r (&local, &tm);
    snprintf (out, cap, "%s, %02d %s %04d %02d:%02d:%02d " VN_OFFSET_TEXT, days[tm.tm_wday],
              tm.tm_mday, months[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

//  A fresh boundary (out: BOUNDARY_MAX bytes): "=_" cannot occur in base64
//  text, so no part's body can hold it. Returns -1 if the random generator
//  fails.
static int
s_boundary (char *out)
{
    char token[CAB_TOKEN_LEN + 1];
    if (cab_token_new (token))
        return -1;
    snprintf (out, BOUNDARY_MAX, BOUNDARY_PREFIX "%s", token);
    return 0;
}

//  "Header: Name <address>" (or the address alone), the name quoted when
//  ASCII, encoded-words otherwise; the address goes on a line of its own
//  when it would make the name's last line longer than a line may be.
static int
s_mailbox (FILE *f, const char *header, const char *name, const char *address)
{
    if (notify_empty (name)) {
        fprintf (f, "%s: %s" CRLF, header, address);
        return 0;
    }
    size_t used;
    if (s_plain_ascii (name)) {
        fprintf (f, "%s: \"", header);
        for (const char *p = name; *p; p++)
            fprintf (f, "%s%c", *p == '"' || *p == '\\' ? "\\" : "", *p);
        fputc ('"', f);
        used = strlen (header) + strlen (": \"\"") + strlen (name);
    } else {
        char *words = s_header_text (header, name);
        if (!words)
            return -1;
        fprintf (f, "%s: %s", header, words);
        const char *last = strrchr (words, '\n');
        used = last ? strlen (last + 1) : strlen (header) + strlen (": ") + strlen (words);
        free (words);
    }
    bool fold = used + strlen (" <>") + strlen (address) > NOTIFY_MAIL_LINE_MAX;
    fprintf (f, "%s<%s>" CRLF, fold ? FOLD : " ", address);
    return 0;
}

//  s with every line break as CRLF: the canonical form of text/* bodies
//  (RFC 2046), which base64 keeps as it is. NULL on out-of-memory.
static char *
s_crlf (const char *s)
{
    size_t len = strlen (s);
    char *out = malloc (2 * len + 1);
    if (!out)
        return NULL;
    size_t o = 0;
    for (size_t i = 0; i < len; i++) {
        if (s[i] == '\r' || s[i] == '\n') {
            out[o++] = '\r';
            out[o++] = '\n';
            if (s[i] == '\r' && s[i + 1] == '\n')
                i++;
        } else
            out[o++] = s[i];
    }
    out[o] = '\0';
    return out;
}

//  One part's headers and its body, base64 in lines of 76 characters.
static int
s_part (FILE *f, const char *boundary, const char *headers, const char *body)
{
    char *canonical = s_crlf (body);
    if (!canonical)
        return -1;
    fprintf (f, "--%s" CRLF "%sContent-Transfer-Encoding: base64" CRLF CRLF, boundary, headers);
    const unsigned char *data = (const unsigned char *) canonical;
    size_t len = strlen (canonical);
    unsigned char line[NOTIFY_MAIL_LINE_MAX + 1];
    for (size_t pos = 0; pos < len; pos += B64_LINE_BYTES) {
        size_t n = len - pos < B64_LINE_BYTES ? len - pos : B64_LINE_BYTES;
        EVP_EncodeBlock (line, data + pos, (int) n);
        fprintf (f, "%s" CRLF, (const char *) line);
    }
    free (canonical);
    return 0;
}

//  The Message-ID to use: the mail's, or a random one at the sender's domain.
static char *
s_message_id (const notify_mail_config_t *cfg, const notify_mail_t *mail)
{
    if (mail->message_id)
        return strdup (mail->message_id);
    char token[CAB_TOKEN_LEN + 1];
    if (cab_token_new (token))
        return NULL;
    char *id = NULL;
    if (asprintf (&id, "<%s@%s>", token, strchr (cfg->from_address, '@') + 1) < 0)
        return NULL;
    return id;
}

static int
s_render (FILE *f, const notify_mail_config_t *cfg, const notify_mail_t *mail)
{
    char mixed[BOUNDARY_MAX], alternative[BOUNDARY_MAX], date[DATE_MAX];
    if (s_boundary (mixed) || s_boundary (alternative))
        return -1;
    s_date (date, sizeof date, time (NULL));
    char *subject = s_header_text ("Subject", mail->subject);
    char *message_id = s_message_id (cfg, mail);
    int rc = -1;
    if (!subject || !message_id)
        goto cleanup;
    fprintf (f, "Date: %s" CRLF, date);
    if (s_mailbox (f, "From", cfg->from_name, cfg->from_address)
        || s_mailbox (f, "To", mail->to_name, mail->to_address))
        goto cleanup;
    fprintf (f, "Subject: %s" CRLF, subject);
    fprintf (f, "Message-ID: %s" CRLF, message_id);
    fputs ("MIME-Version: 1.0" CRLF, f);
    //  A notice is sent by the system: auto-responders should not answer it.
    fputs ("Auto-Submitted: auto-generated" CRLF, f);
    fprintf (f, "Content-Type: multipart/mixed;" FOLD "boundary=\"%s\"" CRLF CRLF, mixed);

    fprintf (f, "--%s" CRLF "Content-Type: multipart/alternative;" FOLD "boundary=\"%s\"" CRLF CRLF,
             mixed, alternative);
    if (s_part (f, alternative, "Content-Type: text/plain; charset=utf-8" CRLF, mail->text))
        goto cleanup;
    if (mail->html
        && s_part (f, alternative, "Content-Type: text/html; charset=utf-8" CRLF, mail->html))
        goto cleanup;
    const char *method = mail->ics_method ? mail->ics_method : "REQUEST";
    char headers[PART_HEADERS_MAX];
    if (mail->ics) {
        //  Inside the alternative: what calendar clients read as the invitation.
        snprintf (headers, sizeof headers,
                  "Content-Type: text/calendar; charset=utf-8; method=%s" CRLF, method);
        if (s_part (f, alternative, headers, mail->ics))
            goto cleanup;
    }
    fprintf (f, "--%s--" CRLF, alternative);
    if (mail->ics) {
        //  The same calendar as a file, for clients that only show attachments.
        if (s_part (f, mixed,
                    "Content-Type: application/ics; name=\"" NOTIFY_MAIL_ATTACHMENT "\"" CRLF
                    "Content-Disposition: attachment; filename=\"" NOTIFY_MAIL_ATTACHMENT "\"" CRLF,
                    mail->ics))
            goto cleanup;
    }
    fprintf (f, "--%s--" CRLF, mixed);
    rc = 0;
cleanup:
    free (subject);
    free (message_id);
    return rc;
}

char *
notify_mail_render (const notify_mail_config_t *cfg, const notify_mail_t *mail)
{
    if (notify_mail_check (cfg, mail, NULL, 0))
        return NULL;
    char *out = NULL;
    size_t len = 0;
    FILE *f = open_memstream (&out, &len);
    if (!f)
        return NULL;
    int rc = s_render (f, cfg, mail);
    if (ferror (f))
        rc = -1;
    if (fclose (f) != 0)
        rc = -1;
    if (rc) {
        free (out);
        return NULL;
    }
    return out;
}

/* ---- the mailer ---------------------------------------------------------------------- */

//  Copy src into *dst (NULL stays NULL). Returns -1 on out-of-memory.

static bool
s_tls_parse (const char *tls, long *use_ssl)
{
    if (notify_empty (tls) || strcmp (tls, "try") == 0)
        *use_ssl = (long) CURLUSESSL_TRY;
    else if (strcmp (tls, "none") == 0)
        *use_ssl = (long) CURLUSESSL_NONE;
    else if (strcmp (tls, "starttls") == 0)
        *use_ssl = (long) CURLUSESSL_ALL;
    else
        return false;
    return true;
}

//  data's first line (or first word) as printable ASCII into out.
static void
s_trace_line (char *out, size_t cap, const char *data, size_t size, bool first_word)
{
    size_t o = 0;
    for (size_t i = 0; i < size && o + 1 < cap; i++) {
        unsigned char c = (unsigned char) data[i];
        if (c == '\r' || c == '\n' || (first_word && c == ' '))
            break;
        out[o++] = c >= 0x20 && c < 0x7f ? (char) c : '?';
    }
    out[o] = '\0';
}

static int
s_trace (CURL *curl, curl_infotype type, char *data, size_t size, void *arg)
{
    (void) curl;
    notify_mailer_t *self = arg;
    //  The first refusal is the one that counts: libcurl may go on to QUIT,
    //  whose reply is no reason.
    if (type == CURLINFO_HEADER_OUT)
        s_trace_line (self->command, sizeof self->command, data, size, true);
    else if (type == CURLINFO_HEADER_IN && size > 0 && (data[0] == '4' || data[0] == '5')
             && !self->reply[0]) {
        memcpy (self->refused, self->command, sizeof self->refused);
        s_trace_line (self->reply, sizeof self->reply, data, size, false);
    }
    return 0;
}

static size_t
s_read (char *buffer, size_t size, size_t nitems, void *arg)
{
    upload_t *reader = arg;
    size_t n = size * nitems;
    if (n > reader->len - reader->pos)
        n = reader->len - reader->pos;
    memcpy (buffer, reader->data + reader->pos, n);
    reader->pos += n;
    return n;
}

notify_mailer_t *
notify_mailer_new (const notify_mail_config_t *cfg)
{
    long use_ssl;
    if (!cfg || notify_empty (cfg->url) || !notify_mail_address_valid (cfg->from_address)
        || !s_tls_parse (cfg->tls, &use_ssl) || (cfg->from_name && !s_utf8 (cfg->from_name)))
        return NULL;
    notify_mailer_t *self = calloc (1, sizeof *self);
    if (!self)
        return NULL;
    if (notify_copy (&self->url, cfg->url) || notify_copy (&self->tls, cfg->tls)
        || notify_copy (&self->user, cfg->user) || notify_copy (&self->password, cfg->password)
        || notify_copy (&self->from_address, cfg->from_address)
        || notify_copy (&self->from_name, cfg->from_name)
        || notify_copy (&self->ca_file, cfg->ca_file))
        goto err;
    self->cfg = (notify_mail_config_t){.url = self->url,
                                       .tls = self->tls,
                                       .user = self->user,
                                       .password = self->password,
                                       .from_address = self->from_address,
                                       .from_name = self->from_name,
                                       .ca_file = self->ca_file,
                                       .insecure = cfg->insecure,
                                       .timeout_ms = cfg->timeout_ms > 0 ? cfg->timeout_ms
                                                                         : NOTIFY_MAIL_TIMEOUT_MS};
    self->curl = notify_curl_new (self->url, self->cfg.timeout_ms, self->curl_error, self->user,
                                  self->password);
    if (!self->curl)
        goto err;
    char from[ADDRESS_MAX + 3];
    snprintf (from, sizeof from, "<%s>", self->from_address);
    CURL *c = self->curl;
    CURLcode rc = CURLE_OK;
    //  Each setopt either works or leaves rc set; the first failure is kept.
#define S_SET(opt, value)                                                                          \
    if (rc == CURLE_OK)                                                                            \
    rc = curl_easy_setopt (c, opt, value)
    S_SET (CURLOPT_USE_SSL, use_ssl);
    S_SET (CURLOPT_MAIL_FROM, from);
    S_SET (CURLOPT_UPLOAD, 1L);
    S_SET (CURLOPT_READFUNCTION, s_read);
    //  The trace is how we learn which command a refusal answered.
    S_SET (CURLOPT_DEBUGFUNCTION, s_trace);
    S_SET (CURLOPT_DEBUGDATA, self);
    S_SET (CURLOPT_VERBOSE, 1L);
    if (!notify_empty (self->ca_file))
        S_SET (CURLOPT_CAINFO, self->ca_file);
    if (cfg->insecure) {
        S_SET (CURLOPT_SSL_VERIFYPEER, 0L);
        S_SET (CURLOPT_SSL_VERIFYHOST, 0L);
    }
#undef S_SET
    if (rc != CURLE_OK)
        goto err;
    return self;
err:
    notify_mailer_destroy (&self);
    return NULL;
}

void
notify_mailer_destroy (notify_mailer_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    notify_mailer_t *self = *self_p;
    if (self->curl)
        curl_easy_cleanup (self->curl);
    free (self->url);
    free (self->tls);
    free (self->user);
    free (self->password);
    free (self->from_address);
    free (self->from_name);
    free (self->ca_file);
    free (self);
    *self_p = NULL;
}

int
notify_mailer_send (notify_mailer_t *self, const notify_mail_t *mail, char *err, size_t cap,
                    bool *permanent)
{
    bool dummy;
    if (!permanent)
        permanent = &dummy;
    *permanent = false;
    if (!self) {
        notify_error (err, cap, "no mailer");
        return -1;
    }
    char reason[CURL_ERROR_SIZE];
    if (notify_mail_check (&self->cfg, mail, reason, sizeof reason)) {
        notify_error (err, cap, "%s", reason);
        *permanent = true;
        return -1;
    }
    char *message = notify_mail_render (&self->cfg, mail);
    char to[ADDRESS_MAX + 3];
    snprintf (to, sizeof to, "<%s>", mail->to_address);
    struct curl_slist *rcpt = message ? curl_slist_append (NULL, to) : NULL;
    if (!rcpt) {
        notify_error (err, cap, "out of memory");
        free (message);
        return -1;
    }
    upload_t reader = {message, strlen (message), 0};
    self->curl_error[0] = self->command[0] = self->refused[0] = self->reply[0] = '\0';
    CURLcode rc = curl_easy_setopt (self->curl, CURLOPT_MAIL_RCPT, rcpt);
    if (rc == CURLE_OK)
        rc = curl_easy_setopt (self->curl, CURLOPT_READDATA, &reader);
    if (rc == CURLE_OK)
        rc = curl_easy_perform (self->curl);
    //  The handle must not keep pointers to what is freed below.
    curl_easy_setopt (self->curl, CURLOPT_MAIL_RCPT, NULL);
    curl_easy_setopt (self->curl, CURLOPT_READDATA, NULL);
    curl_slist_free_all (rcpt);
    free (message);
    if (rc == CURLE_OK)
        return 0;
    //  A server that refuses the recipient with 5xx will refuse it again;
    //  everything else (no connection, a timeout, 4xx, a refused sender or
    //  login, which the configuration can fix) may pass later.
    *permanent = strcmp (self->refused, "RCPT") == 0 && self->reply[0] == SMTP_PERMANENT_CLASS;
    if (self->reply[0])
        notify_error (err, cap, "SMTP %s refused: %s",
                      self->refused[0] ? self->refused : "greeting", self->reply);
    else
        notify_error (err, cap, "%s",
                      self->curl_error[0] ? self->curl_error : curl_easy_strerror (rc));
    return -1;
}
