/*  transport - the mail and SMS senders' common ground (see transport.h).  */
#include "transport.h"
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

bool
notify_empty (const char *s)
{
    return !s || !*s;
}

int
notify_copy (char **dst, const char *src)
{
    *dst = src ? strdup (src) : NULL;
    return src && !*dst ? -1 : 0;
}

void
notify_error (char *err, size_t cap, const char *fmt, ...)
{
    if (!err || cap == 0)
        return;
    va_list args;
    va_start (args, fmt);
    vsnprintf (err, cap, fmt, args);
    va_end (args);
}

CURL *
notify_curl_new (const char *url, long timeout_ms, char *error_buffer, const char *user,
                 const char *password)
{
    CURL *c = curl_easy_init ();
    if (!c)
        return NULL;
    CURLcode rc = CURLE_OK;
    //  Each setopt either works or leaves rc set; the first failure is kept.
#define S_SET(opt, value)                                                                          \
    if (rc == CURLE_OK)                                                                            \
    rc = curl_easy_setopt (c, opt, value)
    S_SET (CURLOPT_URL, url);
    S_SET (CURLOPT_TIMEOUT_MS, timeout_ms);
    S_SET (CURLOPT_NOSIGNAL, 1L);
    S_SET (CURLOPT_ERRORBUFFER, error_buffer);
    if (!notify_empty (user)) {
        S_SET (CURLOPT_USERNAME, user);
        S_SET (CURLOPT_PASSWORD, password ? password : "");
    }
#undef S_SET
    if (rc != CURLE_OK) {
        curl_easy_cleanup (c);
        return NULL;
    }
    return c;
}
