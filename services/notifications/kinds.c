/*  kinds - notice kinds, their default channels, and the clock.  */
#include "kinds.h"
#include "cab_config.h"
#include <stdio.h>
#include <string.h>
#include <time.h>

#define CLOCK_OFFSET_MAX (400L * 24 * 3600)  //  a year and more either way
#define VN_OFFSET_S (7 * 3600)               //  Asia/Ho_Chi_Minh, no daylight saving

typedef struct {
    const char *kind;
    unsigned channels;
} s_kind_t;

//  What people are told, and how by default: anything about taking part in
//  a meeting on every channel; documents, polls and alerts in the app and
//  by mail; the digest by mail.
static const s_kind_t s_kinds[] = {
    {"invitation", NOTIFY_ALL},
    {"agency_invitation", NOTIFY_ALL},
    {"delegation", NOTIFY_ALL},
    {"meeting_changed", NOTIFY_ALL},
    {"meeting_cancelled", NOTIFY_ALL},
    {"reminder", NOTIFY_ALL},
    {"document_published", NOTIFY_APP | NOTIFY_EMAIL},
    {"poll_received", NOTIFY_APP | NOTIFY_EMAIL},
    {"poll_due_soon", NOTIFY_APP | NOTIFY_EMAIL},
    {"poll_overdue", NOTIFY_APP | NOTIFY_EMAIL},
    {"poll_overdue_organiser", NOTIFY_APP | NOTIFY_EMAIL},
    {"vote_opened", NOTIFY_APP | NOTIFY_SMS},
    {"reply_overdue", NOTIFY_APP | NOTIFY_EMAIL},
    {"reply_overdue_organiser", NOTIFY_APP | NOTIFY_EMAIL},
    {"documents_overdue", NOTIFY_APP | NOTIFY_EMAIL},
    {"digest", NOTIFY_APP | NOTIFY_EMAIL},
};
#define KIND_COUNT (sizeof s_kinds / sizeof s_kinds[0])

size_t
notify_kind_count (void)
{
    return KIND_COUNT;
}

const char *
notify_kind_name (size_t index)
{
    return index < KIND_COUNT ? s_kinds[index].kind : NULL;
}

unsigned
notify_kind_default (const char *kind)
{
    for (size_t i = 0; kind && i < KIND_COUNT; i++)
        if (strcmp (s_kinds[i].kind, kind) == 0)
            return s_kinds[i].channels;
    return 0;
}

bool
notify_kind_known (const char *kind)
{
    return notify_kind_default (kind) != 0;
}

unsigned
notify_channels_parse (const char *pg_array)
{
    unsigned set = 0;
    if (!pg_array)
        return 0;
    char buf[128];
    snprintf (buf, sizeof buf, "%s", pg_array);
    char *save = NULL;
    for (char *tok = strtok_r (buf, "{},\" ", &save); tok; tok = strtok_r (NULL, "{},\" ", &save)) {
        if (strcmp (tok, "app") == 0)
            set |= NOTIFY_APP;
        else if (strcmp (tok, "email") == 0)
            set |= NOTIFY_EMAIL;
        else if (strcmp (tok, "sms") == 0)
            set |= NOTIFY_SMS;
    }
    return set;
}

const char *
notify_channel_name (unsigned bit)
{
    return bit == NOTIFY_EMAIL ? "email" : bit == NOTIFY_SMS ? "sms" : "app";
}

int64_t
notify_now (void)
{
    return (int64_t) time (NULL)
           + cab_config_long ("CABINET_CLOCK_OFFSET_SECONDS", -CLOCK_OFFSET_MAX, CLOCK_OFFSET_MAX);
}

char *
notify_format_time (int64_t epoch, char *out, size_t cap)
{
    time_t t = (time_t) (epoch + VN_OFFSET_S);
    struct tm tm;
    gmtime_r (&t, &tm);
    strftime (out, cap, "%d/%m/%Y %H:%M", &tm);
    return out;
}
