/*  cab_log - JSON lines on stderr. One write(2) per line, so lines from
    different threads never interleave.  */
#include "cab_log.h"
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#define LOG_LINE_MAX 4096

//  Set once by cab_log_init before threads start, read-only afterwards.
static char s_component[32] = "cabinet";
static cab_log_level_t s_min_level = CAB_LOG_INFO;

static const char *s_level_names[] = {"debug", "info", "warn", "error"};

void
cab_log_init (const char *component)
{
    snprintf (s_component, sizeof s_component, "%s", component);
    const char *level = getenv ("CABINET_LOG_LEVEL");
    for (int i = CAB_LOG_DEBUG; level && i <= CAB_LOG_ERROR; i++)
        if (strcasecmp (level, s_level_names[i]) == 0)
            s_min_level = (cab_log_level_t) i;
}

//  Append text to buf as the inside of a JSON string. Returns the new length.
static size_t
s_escape (char *buf, size_t len, size_t cap, const char *text)
{
    for (const unsigned char *c = (const unsigned char *) text; *c && len + 8 < cap; c++) {
        if (*c == '"' || *c == '\\') {
            buf[len++] = '\\';
            buf[len++] = (char) *c;
        } else if (*c == '\n') {
            buf[len++] = '\\';
            buf[len++] = 'n';
        } else if (*c < 0x20)
            len += (size_t) snprintf (buf + len, cap - len, "\\u%04x", *c);
        else
            buf[len++] = (char) *c;
    }
    return len;
}

void
cab_log (cab_log_level_t level, const char *fmt, ...)
{
    if (level < s_min_level)
        return;
    char message[LOG_LINE_MAX / 2];
    va_list args;
    va_start (args, fmt);
    vsnprintf (message, sizeof message, fmt, args);
    va_end (args);

    struct timeval now;
    gettimeofday (&now, NULL);
    struct tm utc;
    gmtime_r (&now.tv_sec, &utc);
    char line[LOG_LINE_MAX];
    size_t len = strftime (line, sizeof line, "{\"ts\":\"%Y-%m-%dT%H:%M:%S", &utc);
    len += (size_t) snprintf (line + len, sizeof line - len,
                              ".%03ldZ\",\"level\":\"%s\",\"component\":\"%s\",\"msg\":\"",
                              (long) now.tv_usec / 1000, s_level_names[level], s_component);
    len = s_escape (line, len, sizeof line - 3, message);
    line[len++] = '"';
    line[len++] = '}';
    line[len++] = '\n';
    ssize_t written = write (STDERR_FILENO, line, len);
    (void) written;
}
