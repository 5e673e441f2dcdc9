/*  kinds - the kinds of notice the service sends, the channels each goes
    out on unless the person chose otherwise, and the service's clock.  */
#ifndef NOTIFY_KINDS_H
#define NOTIFY_KINDS_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

//  Channels, as bits of a set.
#define NOTIFY_APP 1u
#define NOTIFY_EMAIL 2u
#define NOTIFY_SMS 4u
#define NOTIFY_ALL (NOTIFY_APP | NOTIFY_EMAIL | NOTIFY_SMS)

//  The kinds, in the order the settings list them: how many, and the
//  index-th (NULL past the end).
size_t notify_kind_count (void);
const char *notify_kind_name (size_t index);

//  True if kind is one of the kinds.
bool notify_kind_known (const char *kind);

//  The channels a kind goes out on by default (NOTIFY_* bits); 0 for an
//  unknown kind.
unsigned notify_kind_default (const char *kind);

//  The channel set of a text array of channel names ("{app,email}" as
//  PostgreSQL writes it, or NULL: none). Unknown names are ignored.
unsigned notify_channels_parse (const char *pg_array);

//  A channel's name: "app", "email", "sms".
const char *notify_channel_name (unsigned bit);

//  The service's clock: now plus CABINET_CLOCK_OFFSET_SECONDS (reminders,
//  overdue alerts and the digest follow it; deliveries use the real one).
int64_t notify_now (void);

//  Unix seconds as "dd/mm/yyyy HH:MM" in Asia/Ho_Chi_Minh into out (cap
//  >= 17). Returns out.
char *notify_format_time (int64_t epoch, char *out, size_t cap);

#endif
