/*  notify_sms - SMS notices through an operator's HTTP gateway with libcurl:
    one POST per part of the text, its body made from a configured template
    ({{phone}}, {{text}}, {{id}}) with the values JSON-escaped or
    percent-encoded, with HTTP basic auth and/or one extra header. Texts can
    be folded to Vietnamese without diacritics (what many gateways need) and
    are split into parts of at most max_chars code points, prefixed
    "(i/n) ". The pure helpers are public so tests call them directly.

    libcurl must be initialised once by the program (curl_global_init) before
    threads start; a sender belongs to one thread at a time.  */
#ifndef NOTIFY_SMS_H
#define NOTIFY_SMS_H
#include <stdbool.h>
#include <stddef.h>

#define NOTIFY_SMS_JSON "application/json"
#define NOTIFY_SMS_FORM "application/x-www-form-urlencoded"
#define NOTIFY_SMS_TEMPLATE_JSON "{\"to\":\"{{phone}}\",\"text\":\"{{text}}\",\"ref\":\"{{id}}\"}"
#define NOTIFY_SMS_TEMPLATE_FORM "to={{phone}}&text={{text}}&ref={{id}}"
#define NOTIFY_SMS_MAX_CHARS 160     //  one part's code points when the configuration names none
#define NOTIFY_SMS_MIN_CHARS 20      //  fewer leave no room for a part's "(i/n) " and its words
#define NOTIFY_SMS_TIMEOUT_MS 30000  //  one request's limit when the configuration names none
#define NOTIFY_SMS_PHONE_MAX 16  //  bytes of a normalised number with its NUL (E.164: 15 digits)

typedef struct {
    const char *url;            //  the gateway's POST address
    const char *user;           //  HTTP basic auth; may be NULL/""
    const char *password;       //  with user
    const char *header;         //  one extra request header ("Authorization: Bearer x"), may be
                                //  NULL/""
    const char *body_template;  //  e.g. {"to":"{{phone}}","text":"{{text}}","ref":"{{id}}"};
                                //  NULL/"": NOTIFY_SMS_TEMPLATE_JSON or _FORM by content type
    const char *content_type;   //  NOTIFY_SMS_JSON (values JSON-escaped) or NOTIFY_SMS_FORM
                                //  (values percent-encoded); NULL/"": JSON
    bool ascii;                 //  Vietnamese without diacritics: "Cuộc họp Đảng ủy" ->
                                //  "Cuoc hop Dang uy"
    int max_chars;              //  one message's length in code points; 0: NOTIFY_SMS_MAX_CHARS
    long timeout_ms;            //  each request; 0: NOTIFY_SMS_TIMEOUT_MS
} notify_sms_config_t;

typedef struct _notify_sms_t notify_sms_t;

//  Create a sender for cfg; every string is copied. Returns NULL when the
//  url is empty, the content type is neither JSON nor form, the header has
//  no "Name:" or holds a line break, max_chars is below NOTIFY_SMS_MIN_CHARS,
//  or on out-of-memory.
notify_sms_t *notify_sms_new (const notify_sms_config_t *cfg);

//  Destroy the sender; nulls *self_p. NULL-safe.
void notify_sms_destroy (notify_sms_t **self_p);

//  Send text to phone (normalised here): one POST per part, the parts' ids
//  "<id>-1", "<id>-2", ... (also for a single part), stopping at the first
//  part not accepted; 2xx = accepted. Returns 0 when every part was
//  accepted, else -1 with a short reason in err (cap bytes; err may be
//  NULL) and *permanent (may be NULL): true for a 4xx other than 408/429,
//  a phone that is not a number, an empty text or one that is not UTF-8;
//  false for 5xx, 408, 429, timeouts and no connection. A retry sends every
//  part again, under the same ids.
int notify_sms_send (notify_sms_t *self, const char *phone, const char *text, const char *id,
                     char *err, size_t cap, bool *permanent);

/* ---- pure helpers -------------------------------------------------------------------- */

//  utf8 in ASCII: compatibility decomposition (NFKD, utf8proc), combining
//  marks dropped, đ/Đ -> d/D, typographic quotes, dashes and spaces to their
//  ASCII kin, any other character that is still not ASCII -> '?'. Returns a
//  malloc'd string, or NULL on out-of-memory or when utf8 is NULL or not
//  UTF-8.
char *notify_sms_fold_ascii (const char *utf8);

//  Split text into parts of at most max characters (Unicode code points,
//  not bytes), on white space where possible (the space at a cut is
//  dropped), a word longer than a part cut where the part ends; with more
//  than one part each begins "(i/n) " within the limit. max <= 0: no limit.
//  Returns the count; *parts_p is a malloc'd array of malloc'd strings (free
//  with notify_sms_parts_free). Returns 0 with *parts_p NULL for an empty
//  or blank text, a text that is not UTF-8, or on out-of-memory.
size_t notify_sms_split (const char *text, int max, char ***parts_p);

//  Free parts[0..n) and the array. NULL-safe.
void notify_sms_parts_free (char **parts, size_t n);

//  A phone number as gateways want it: digits only. Vietnamese numbers,
//  0xxxxxxxxx, +84xxxxxxxxx, 84xxxxxxxxx (also +84 0xxxxxxxxx), become
//  84xxxxxxxxx (9 digits after 84); another country's number with its "+"
//  becomes its 8 to 15 digits. Spaces, dots, dashes and parentheses are
//  ignored. Returns false (and writes nothing useful) for something that is
//  not a phone number or when out (cap bytes) is too small.
bool notify_sms_normalise_phone (const char *in, char *out, size_t cap);

//  The request body: body_template with {{phone}}, {{text}} and {{id}}
//  replaced by the values JSON-escaped (content_type NOTIFY_SMS_JSON, NULL
//  or "") or percent-encoded (NOTIFY_SMS_FORM); other text is kept as it is.
//  A NULL value is empty. Returns a malloc'd string, or NULL on
//  out-of-memory or an unknown content type.
char *notify_sms_render_body (const char *body_template, const char *content_type,
                              const char *phone, const char *text, const char *id);

#endif
