/*  notify_mail - e-mail notices over SMTP with libcurl. The message is built
    here byte for byte (notify_mail_render): RFC 5322 headers with RFC 2047
    encoded Vietnamese, a multipart/mixed body holding a multipart/alternative
    (text/plain, text/html and, for an invitation, the text/calendar part
    that makes Outlook and Google show Accept/Decline) and the same calendar
    as an attachment invite.ics. A mailer keeps one CURL handle, so
    consecutive sends reuse the SMTP connection.

    libcurl must be initialised once by the program (curl_global_init) before
    threads start; a mailer belongs to one thread at a time.  */
#ifndef NOTIFY_MAIL_H
#define NOTIFY_MAIL_H
#include <stdbool.h>
#include <stddef.h>

#define NOTIFY_MAIL_WORD_MAX 75  //  characters of one RFC 2047 encoded-word
#define NOTIFY_MAIL_LINE_MAX                                                                       \
    76  //  characters of a body line (base64) and of a header line
        //  that holds encoded-words
#define NOTIFY_MAIL_ATTACHMENT "invite.ics"
#define NOTIFY_MAIL_TIMEOUT_MS 60000  //  a transaction's limit when the configuration names none

typedef struct {
    const char *url;           //  "smtp://host:port" or "smtps://host:port" (implicit TLS); a
                               //  path names the EHLO domain ("smtp://host:587/tinh.gov.vn")
    const char *tls;           //  "none", "try" (STARTTLS if offered), "starttls" (required);
                               //  NULL or "" is "try"
    const char *user;          //  may be NULL or "": no AUTH
    const char *password;      //  with user
    const char *from_address;  //  "hop@tinh.gov.vn"
    const char *from_name;     //  UTF-8, e.g. "Phòng họp không giấy"; may be NULL
    const char *ca_file;       //  may be NULL: the system's CAs
    bool insecure;             //  do not verify the server's certificate (test servers only)
    long timeout_ms;           //  whole transaction; 0: NOTIFY_MAIL_TIMEOUT_MS
} notify_mail_config_t;

typedef struct {
    const char *to_address;
    const char *to_name;     //  UTF-8, may be NULL
    const char *subject;     //  UTF-8 (Vietnamese with diacritics)
    const char *text;        //  UTF-8 plain-text part
    const char *html;        //  UTF-8 HTML part, may be NULL
    const char *ics;         //  iCalendar text (CRLF lines), may be NULL
    const char *ics_method;  //  "REQUEST", "CANCEL", "PUBLISH" (with ics; NULL is "REQUEST")
    const char *message_id;  //  "<notice-uuid@node>": stable per notice, so a resent mail is the
                             //  same message; NULL: a random one
} notify_mail_t;

typedef struct _notify_mailer_t notify_mailer_t;

//  Create a mailer for cfg; every string is copied. Returns NULL when cfg
//  lacks a url or a valid from_address, names an unknown tls mode, or on
//  out-of-memory.
notify_mailer_t *notify_mailer_new (const notify_mail_config_t *cfg);

//  Destroy the mailer, closing its connection; nulls *self_p. NULL-safe.
void notify_mailer_destroy (notify_mailer_t **self_p);

//  Send one mail; keeps the CURL handle (and so the SMTP connection) between
//  calls. Returns 0 when the server accepted the message; -1 otherwise with
//  a short reason in err (cap bytes, NUL-terminated; err may be NULL) and
//  *permanent (may be NULL) true only when retrying cannot help: a 5xx reply
//  to RCPT (the recipient refused) or a malformed mail (address, message id,
//  text that is not UTF-8). Connection refused, timeouts and 4xx replies are
//  not permanent.
int notify_mailer_send (notify_mailer_t *self, const notify_mail_t *mail, char *err, size_t cap,
                        bool *permanent);

//  RFC 2047: a UTF-8 header text as encoded-words "=?UTF-8?B?...?=", each at
//  most NOTIFY_MAIL_WORD_MAX characters, split on whole UTF-8 characters,
//  joined by CRLF SPACE (folding). Pure printable ASCII (no control
//  characters) is returned unchanged; so a CR or LF can never start a new
//  header. Returns a malloc'd string (the caller frees it), or NULL on
//  out-of-memory or when utf8 is NULL or not UTF-8.
char *notify_mail_encode_header (const char *utf8);

//  The message itself (headers + MIME body, CRLF lines) as the mailer sends
//  it, for tests and logs, with fresh random boundaries and the Date of now
//  (+0700). Returns a malloc'd string (the caller frees it), or NULL when
//  the mail is malformed (see notify_mail_check) or on out-of-memory.
char *notify_mail_render (const notify_mail_config_t *cfg, const notify_mail_t *mail);

//  Whether cfg and mail make a message: addresses of the form local@domain
//  (printable ASCII, no spaces or specials), a message id "<left@right>" or
//  NULL, a subject and text that are UTF-8, a known ics_method. Returns 0,
//  or -1 with the reason in err (cap bytes; err may be NULL).
int notify_mail_check (const notify_mail_config_t *cfg, const notify_mail_t *mail, char *err,
                       size_t cap);

//  true if address is a mailbox local@domain as notify_mail_check accepts it.
bool notify_mail_address_valid (const char *address);

#endif
