/*  transport - what the mail and SMS senders (mail.c, sms.c) share: their
    settings copied, their error text, and a libcurl handle set up the same
    way for both.  */
#ifndef NOTIFY_TRANSPORT_H
#define NOTIFY_TRANSPORT_H
#include <curl/curl.h>
#include <stdbool.h>
#include <stddef.h>

//  true for NULL or "".
bool notify_empty (const char *s);

//  *dst = a copy of src (NULL for NULL). Returns 0, or -1 out of memory.
int notify_copy (char **dst, const char *src);

//  Write the formatted text into err (cap bytes; nothing when err is NULL).
void notify_error (char *err, size_t cap, const char *fmt, ...)
    __attribute__ ((format (printf, 3, 4)));

//  A libcurl handle for url: timeout_ms for a whole transfer, no signals
//  (threads), libcurl's own message in error_buffer (CURL_ERROR_SIZE
//  bytes, which must outlive the handle), and user and password when user
//  is set. The strings must outlive the handle too. NULL on failure.
CURL *notify_curl_new (const char *url, long timeout_ms, char *error_buffer, const char *user,
                       const char *password);

#endif
