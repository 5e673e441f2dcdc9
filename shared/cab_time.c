/*  cab_time - RFC 3339 times as the API writes them: parsed from any
    offset, written in Asia/Ho_Chi_Minh (+07:00 all year, no daylight
    saving), without the C library's time zone state.  */
#include "cab_time.h"
#include <stdio.h>
#include <string.h>
#include <time.h>

#define SECONDS_PER_MINUTE 60LL
#define SECONDS_PER_HOUR 3600LL
#define SECONDS_PER_DAY 86400LL
#define HANOI_OFFSET (7 * SECONDS_PER_HOUR)  //  Asia/Ho_Chi_Minh: UTC+7 all year

static bool
s_digits (const char **p, int n, int *value)
{
    *value = 0;
    for (int i = 0; i < n; i++) {
        char c = (*p)[i];
        if (c < '0' || c > '9')
            return false;
        *value = *value * 10 + (c - '0');
    }
    *p += n;
    return true;
}

static bool
s_expect (const char **p, const char *one_of)
{
    if (**p && strchr (one_of, **p)) {
        (*p)++;
        return true;
    }
    return false;
}

static bool
s_leap (int year)
{
    return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
}

static int
s_days_in_month (int year, int month)
{
    static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return month == 2 && s_leap (year) ? 29 : days[month - 1];
}

//  Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's
//  days_from_civil).
static int64_t
s_days_from_civil (int64_t y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

//  The inverse: year, month, day of a day count.
static void
s_civil_from_days (int64_t z, int *year, int *month, int *day)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t y = yoe + era * 400;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    int d = (int) (doy - (153 * mp + 2) / 5 + 1);
    int m = (int) (mp < 10 ? mp + 3 : mp - 9);
    *year = (int) (y + (m <= 2));
    *month = m;
    *day = d;
}

bool
cab_time_parse (const char *s, int64_t *epoch)
{
    if (!s)
        return false;
    const char *p = s;
    int year, month, day, hour, minute, second;
    if (!s_digits (&p, 4, &year) || !s_expect (&p, "-") || !s_digits (&p, 2, &month)
        || !s_expect (&p, "-") || !s_digits (&p, 2, &day) || !s_expect (&p, "Tt")
        || !s_digits (&p, 2, &hour) || !s_expect (&p, ":") || !s_digits (&p, 2, &minute)
        || !s_expect (&p, ":") || !s_digits (&p, 2, &second))
        return false;
    //  A leap second is read as the last second of its minute.
    if (year < 1 || month < 1 || month > 12 || day < 1 || day > s_days_in_month (year, month)
        || hour > 23 || minute > 59 || second > 60)
        return false;
    if (second == 60)
        second = 59;
    if (*p == '.') {
        p++;
        if (*p < '0' || *p > '9')
            return false;
        while (*p >= '0' && *p <= '9')
            p++;
    }
    int64_t offset = 0;
    if (!s_expect (&p, "Zz")) {
        bool minus = *p == '-';
        int off_hour, off_minute;
        if (!s_expect (&p, "+-") || !s_digits (&p, 2, &off_hour) || !s_expect (&p, ":")
            || !s_digits (&p, 2, &off_minute) || off_hour > 23 || off_minute > 59)
            return false;
        offset = (off_hour * SECONDS_PER_HOUR + off_minute * SECONDS_PER_MINUTE) * (minus ? -1 : 1);
    }
    if (*p != '\0')
        return false;
    *epoch = s_days_from_civil (year, month, day) * SECONDS_PER_DAY + hour * SECONDS_PER_HOUR
             + minute * SECONDS_PER_MINUTE + second - offset;
    return true;
}

char *
cab_time_format (int64_t epoch, char out[CAB_TIME_TEXT])
{
    int64_t local = epoch + HANOI_OFFSET;
    int64_t days = local / SECONDS_PER_DAY;
    int64_t rest = local % SECONDS_PER_DAY;
    if (rest < 0) {
        rest += SECONDS_PER_DAY;
        days--;
    }
    int year, month, day;
    s_civil_from_days (days, &year, &month, &day);
    //  Every field is in range, so the text has exactly CAB_TIME_TEXT - 1
    //  characters; the wider buffer only keeps the compiler's range check quiet.
    char text[64];
    snprintf (text, sizeof text, "%04d-%02d-%02dT%02d:%02d:%02d+07:00", year % 10000, month, day,
              (int) (rest / SECONDS_PER_HOUR), (int) (rest % SECONDS_PER_HOUR / 60),
              (int) (rest % 60));
    snprintf (out, CAB_TIME_TEXT, "%.25s", text);
    return out;
}

int64_t
cab_clock_ms (void)
{
    struct timespec now;
    clock_gettime (CLOCK_MONOTONIC, &now);
    return (int64_t) now.tv_sec * 1000 + now.tv_nsec / 1000000;
}
