/*  notify_ical - iCalendar objects through libical (see ical.h).

    The time zone is a VTIMEZONE built here (one STANDARD observance at
    +07:00 since 1970) rather than libical's built-in one: the built-in
    zone comes from the system's zoneinfo with a TZID prefixed by libical's
    own namespace and a history of pre-1975 offsets, while ours has the
    plain TZID "Asia/Ho_Chi_Minh" every calendar recognises and is the same
    on every host. Each call builds its own zone, so calls from different
    threads share no libical state but the UTC zone, which is read-only.  */
#include "ical.h"
#include "cab_log.h"
#include "cab_utf8.h"
#include <libical/ical.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define TZ_OFFSET_S (7 * 3600)  //  Asia/Ho_Chi_Minh: +07:00 all year since 1975
#define TZ_NAME "+07"           //  TZNAME as the tz database writes it
#define TZ_SINCE "19700101T000000"
#define TIME_MAX 253402214400LL  //  9999-12-31T00:00:00Z: local times stay in year 9999
#define MAILTO "mailto:"
#define URN_UUID "urn:uuid:"

static bool
s_is (const char *a, const char *b)
{
    return a && b && strcmp (a, b) == 0;
}

//  A machine value (uid, address, url): valid UTF-8, no control character.
static bool
s_token_ok (const char *s)
{
    if (!s || !cab_utf8_valid (s, strlen (s)))
        return false;
    for (const unsigned char *c = (const unsigned char *) s; *c; c++)
        if (*c < 0x20 || *c == 0x7f)
            return false;
    return true;
}

//  NULL or valid UTF-8.
static bool
s_text_ok (const char *s)
{
    return !s || cab_utf8_valid (s, strlen (s));
}

//  A copy of text for a TEXT value: CR dropped (line breaks are LF, which
//  libical escapes as \n), other control characters but tab made spaces,
//  as RFC 5545 allows none in TEXT. in_param: a parameter value (CN),
//  where line breaks and tabs become spaces too. Returns NULL when out of
//  memory.
static char *
s_clean (const char *s, bool in_param)
{
    char *out = malloc (strlen (s) + 1);
    if (!out)
        return NULL;
    char *o = out;
    for (const unsigned char *c = (const unsigned char *) s; *c; c++) {
        if (*c == '\r')
            continue;
        if ((*c < 0x20 && (in_param || (*c != '\n' && *c != '\t'))) || *c == 0x7f)
            *o++ = ' ';
        else
            *o++ = (char) *c;
    }
    *o = '\0';
    return out;
}

//  "<prefix><value>", malloc'd, or NULL when out of memory.
static char *
s_concat (const char *prefix, const char *value)
{
    size_t size = strlen (prefix) + strlen (value) + 1;
    char *out = malloc (size);
    if (out)
        snprintf (out, size, "%s%s", prefix, value);
    return out;
}

//  icalcomponent_free, quiet on NULL (libical flags NULL as an error).
static void
s_component_free (icalcomponent *comp)
{
    if (comp)
        icalcomponent_free (comp);
}

//  An X- property name: value.
static void
s_add_x (icalcomponent *comp, const char *name, const char *value)
{
    icalproperty *prop = icalproperty_new_x (value);
    icalproperty_set_x_name (prop, name);
    icalcomponent_add_property (comp, prop);
}

/* ---- the time zone ----------------------------------------------------------------------- */

//  The VTIMEZONE of Asia/Ho_Chi_Minh wrapped in an icaltimezone, which
//  owns the component. Returns NULL when out of memory.
static icaltimezone *
s_zone_new (void)
{
    icalcomponent *vtimezone = icalcomponent_new_vtimezone ();
    icalcomponent *standard = icalcomponent_new_xstandard ();
    icaltimezone *zone = icaltimezone_new ();
    if (!vtimezone || !standard || !zone) {
        s_component_free (vtimezone);
        s_component_free (standard);
        if (zone)
            icaltimezone_free (zone, 1);
        return NULL;
    }
    icalcomponent_add_property (vtimezone, icalproperty_new_tzid (NOTIFY_ICAL_TZID));
    s_add_x (vtimezone, "X-LIC-LOCATION", NOTIFY_ICAL_TZID);
    icalcomponent_add_property (standard, icalproperty_new_tzoffsetfrom (TZ_OFFSET_S));
    icalcomponent_add_property (standard, icalproperty_new_tzoffsetto (TZ_OFFSET_S));
    icalcomponent_add_property (standard, icalproperty_new_tzname (TZ_NAME));
    icalcomponent_add_property (standard,
                                icalproperty_new_dtstart (icaltime_from_string (TZ_SINCE)));
    icalcomponent_add_component (vtimezone, standard);
    if (!icaltimezone_set_component (zone, vtimezone)) {
        icalcomponent_free (vtimezone);
        icaltimezone_free (zone, 1);
        return NULL;
    }
    return zone;
}

//  An instant as a local time in zone. icaltime_from_timet_with_zone is
//  not used with zone directly: libical 3.0 leaves such a result marked
//  UTC, so the time is made in UTC and converted.
static struct icaltimetype
s_local_time (int64_t when, icaltimezone *zone)
{
    struct icaltimetype utc =
        icaltime_from_timet_with_zone ((time_t) when, 0, icaltimezone_get_utc_timezone ());
    return icaltime_convert_to_zone (utc, zone);
}

/* ---- checks ----------------------------------------------------------------------------- */

static const struct {
    const char *name;
    icalparameter_partstat value;
} s_partstats[] = {
    {"NEEDS-ACTION", ICAL_PARTSTAT_NEEDSACTION}, {"ACCEPTED", ICAL_PARTSTAT_ACCEPTED},
    {"DECLINED", ICAL_PARTSTAT_DECLINED},        {"TENTATIVE", ICAL_PARTSTAT_TENTATIVE},
    {"DELEGATED", ICAL_PARTSTAT_DELEGATED},
};

static bool
s_partstat_parse (const char *name, icalparameter_partstat *value)
{
    if (!name) {
        *value = ICAL_PARTSTAT_NEEDSACTION;
        return true;
    }
    for (size_t i = 0; i < sizeof s_partstats / sizeof s_partstats[0]; i++)
        if (strcasecmp (name, s_partstats[i].name) == 0) {
            *value = s_partstats[i].value;
            return true;
        }
    return false;
}

static bool
s_time_ok (int64_t t)
{
    return t >= 0 && t <= TIME_MAX;
}

//  Whether ev can be written under method; logs why not.
static bool
s_event_valid (const notify_ical_event_t *ev, icalproperty_method method)
{
    const char *uid = ev->uid ? ev->uid : "";
    if (!ev->uid || !*ev->uid || !s_token_ok (ev->uid)) {
        cab_warn ("ical: event without a valid uid");
        return false;
    }
    if (ev->sequence < 0 || !s_time_ok (ev->start) || !s_time_ok (ev->end) || !s_time_ok (ev->stamp)
        || ev->end < ev->start) {
        cab_warn ("ical: event %s: bad sequence or times", uid);
        return false;
    }
    if (!s_text_ok (ev->summary) || !s_text_ok (ev->location) || !s_text_ok (ev->description)
        || !s_text_ok (ev->organizer_name) || (ev->url && !s_token_ok (ev->url))
        || (ev->organizer_email && !s_token_ok (ev->organizer_email))
        || (ev->fallback_organizer && !s_token_ok (ev->fallback_organizer))) {
        cab_warn ("ical: event %s: text that is not UTF-8 or a bad url or address", uid);
        return false;
    }
    if (method != ICAL_METHOD_PUBLISH && !ev->organizer_email && !ev->fallback_organizer) {
        cab_warn ("ical: event %s: no organizer for an iTIP %s", uid,
                  icalproperty_method_to_string (method));
        return false;
    }
    if (ev->n_attendees && !ev->attendees) {
        cab_warn ("ical: event %s: attendees missing", uid);
        return false;
    }
    for (size_t i = 0; i < ev->n_attendees; i++) {
        const notify_ical_attendee_t *a = &ev->attendees[i];
        icalparameter_partstat partstat;
        if ((a->email ? !s_token_ok (a->email) : !s_token_ok (a->user_id)) || !s_text_ok (a->name)
            || !s_partstat_parse (a->partstat, &partstat)) {
            cab_warn ("ical: event %s: attendee %zu without address, or a bad name or partstat",
                      uid, i);
            return false;
        }
    }
    return true;
}

/* ---- writing ---------------------------------------------------------------------------- */

//  Adds a TEXT property made by make from value (cleaned). Returns -1 when
//  out of memory. NULL value: nothing.
static int
s_add_text (icalcomponent *comp, icalproperty *(*make) (const char *), const char *value)
{
    if (!value)
        return 0;
    char *clean = s_clean (value, false);
    if (!clean)
        return -1;
    icalcomponent_add_property (comp, make (clean));
    free (clean);
    return 0;
}

//  Adds a CN parameter to prop when name is not NULL. Returns -1 when out
//  of memory.
static int
s_add_cn (icalproperty *prop, const char *name)
{
    if (!name)
        return 0;
    char *clean = s_clean (name, true);
    if (!clean)
        return -1;
    icalproperty_add_parameter (prop, icalparameter_new_cn (clean));
    free (clean);
    return 0;
}

static int
s_add_organizer (icalcomponent *vevent, const notify_ical_event_t *ev)
{
    const char *email = ev->organizer_email ? ev->organizer_email : ev->fallback_organizer;
    if (!email)
        return 0;
    char *address = s_concat (MAILTO, email);
    if (!address)
        return -1;
    icalproperty *organizer = icalproperty_new_organizer (address);
    free (address);
    icalcomponent_add_property (vevent, organizer);
    //  The fallback is the node's address, not a person: no name on it.
    return s_add_cn (organizer, ev->organizer_email ? ev->organizer_name : NULL);
}

static int
s_add_attendee (icalcomponent *vevent, const notify_ical_attendee_t *a, icalproperty_method method)
{
    char *address = a->email ? s_concat (MAILTO, a->email) : s_concat (URN_UUID, a->user_id);
    if (!address)
        return -1;
    icalproperty *attendee = icalproperty_new_attendee (address);
    free (address);
    icalcomponent_add_property (vevent, attendee);
    icalparameter_partstat partstat = ICAL_PARTSTAT_NEEDSACTION;
    s_partstat_parse (a->partstat, &partstat);  //  checked in s_event_valid
    icalproperty_add_parameter (attendee, icalparameter_new_cutype (ICAL_CUTYPE_INDIVIDUAL));
    icalproperty_add_parameter (attendee, icalparameter_new_role (ICAL_ROLE_REQPARTICIPANT));
    icalproperty_add_parameter (attendee, icalparameter_new_partstat (partstat));
    //  A reply is asked for only where one is still awaited.
    if (method == ICAL_METHOD_REQUEST && partstat == ICAL_PARTSTAT_NEEDSACTION)
        icalproperty_add_parameter (attendee, icalparameter_new_rsvp (ICAL_RSVP_TRUE));
    return s_add_cn (attendee, a->name);
}

//  The VEVENT of ev (valid) in zone, added to calendar. Returns 0, or -1
//  when out of memory.
static int
s_add_event (icalcomponent *calendar, const notify_ical_event_t *ev, icalproperty_method method,
             icaltimezone *zone)
{
    icalcomponent *vevent = icalcomponent_new_vevent ();
    if (!vevent)
        return -1;
    icalcomponent_add_component (calendar, vevent);  //  calendar owns it from here
    icalcomponent_set_uid (vevent, ev->uid);
    icalcomponent_set_sequence (vevent, ev->sequence);
    icalcomponent_set_dtstamp (
        vevent,
        icaltime_from_timet_with_zone ((time_t) ev->stamp, 0, icaltimezone_get_utc_timezone ()));
    //  icalcomponent_set_dtstart/_dtend write the TZID parameter of the
    //  time's zone.
    icalcomponent_set_dtstart (vevent, s_local_time (ev->start, zone));
    icalcomponent_set_dtend (vevent, s_local_time (ev->end, zone));
    bool cancelled = ev->cancelled || method == ICAL_METHOD_CANCEL;
    icalcomponent_set_status (vevent, cancelled ? ICAL_STATUS_CANCELLED : ICAL_STATUS_CONFIRMED);
    icalcomponent_add_property (vevent, icalproperty_new_transp (ICAL_TRANSP_OPAQUE));
    if (s_add_text (vevent, icalproperty_new_summary, ev->summary)
        || s_add_text (vevent, icalproperty_new_location, ev->location)
        || s_add_text (vevent, icalproperty_new_description, ev->description))
        return -1;
    if (ev->url)
        icalcomponent_add_property (vevent, icalproperty_new_url (ev->url));
    if (s_add_organizer (vevent, ev))
        return -1;
    if (method != ICAL_METHOD_PUBLISH)
        for (size_t i = 0; i < ev->n_attendees; i++)
            if (s_add_attendee (vevent, &ev->attendees[i], method))
                return -1;
    return 0;
}

static icalproperty_method
s_method_parse (const char *method)
{
    if (s_is (method, "REQUEST"))
        return ICAL_METHOD_REQUEST;
    if (s_is (method, "CANCEL"))
        return ICAL_METHOD_CANCEL;
    if (s_is (method, "PUBLISH"))
        return ICAL_METHOD_PUBLISH;
    return ICAL_METHOD_NONE;
}

char *
notify_ical_build (const char *method, const char *calname, const notify_ical_event_t *events,
                   size_t n)
{
    icalproperty_method kind = s_method_parse (method);
    if (kind == ICAL_METHOD_NONE) {
        cab_warn ("ical: unknown method %s", method ? method : "(null)");
        return NULL;
    }
    if ((n > 0 && !events) || (n == 0 && kind != ICAL_METHOD_PUBLISH)) {
        cab_warn ("ical: %s without events", method);
        return NULL;
    }
    if (!s_text_ok (calname)) {
        cab_warn ("ical: calendar name is not UTF-8");
        return NULL;
    }
    for (size_t i = 0; i < n; i++)
        if (!s_event_valid (&events[i], kind))
            return NULL;

    char *result = NULL;
    char *name = NULL;
    icaltimezone *zone = s_zone_new ();
    icalcomponent *calendar = icalcomponent_new_vcalendar ();
    icalcomponent *vtimezone =
        zone ? icalcomponent_new_clone (icaltimezone_get_component (zone)) : NULL;
    if (!zone || !calendar || !vtimezone) {
        s_component_free (vtimezone);
        goto cleanup;
    }
    icalcomponent_add_property (calendar, icalproperty_new_prodid (NOTIFY_ICAL_PRODID));
    icalcomponent_add_property (calendar, icalproperty_new_version ("2.0"));
    icalcomponent_add_property (calendar, icalproperty_new_calscale ("GREGORIAN"));
    icalcomponent_add_property (calendar, icalproperty_new_method (kind));
    if (calname) {
        name = s_clean (calname, true);
        if (!name) {
            s_component_free (vtimezone);
            goto cleanup;
        }
        s_add_x (calendar, "X-WR-CALNAME", name);
        s_add_x (calendar, "X-WR-TIMEZONE", NOTIFY_ICAL_TZID);
    }
    icalcomponent_add_component (calendar, vtimezone);
    for (size_t i = 0; i < n; i++)
        if (s_add_event (calendar, &events[i], kind, zone))
            goto cleanup;

    //  libical folds at 75 octets without splitting a UTF-8 sequence and
    //  ends lines with CRLF. Its buffer is copied so the caller frees with
    //  free() whatever allocator libical was built with.
    char *text = icalcomponent_as_ical_string_r (calendar);
    if (text) {
        result = strdup (text);
        icalmemory_free_buffer (text);
    }
cleanup:
    if (!result)
        cab_error ("ical: out of memory writing a %s", method);
    free (name);
    s_component_free (calendar);
    if (zone)
        icaltimezone_free (zone, 1);
    return result;
}
