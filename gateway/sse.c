/*  gw_sse - see sse.h.  */
#include "sse.h"
#include "cab_pbjson.h"
#include "cab_utf8.h"
#include "schemas.h"
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

//  Append a field line "name: value\n", value without CR or LF.
static char *
s_put_field (char *out, const char *name, const char *value, size_t len)
{
    size_t n = strlen (name);
    memcpy (out, name, n);
    out += n;
    *out++ = ':';
    *out++ = ' ';
    for (size_t i = 0; i < len; i++)
        if (value[i] != '\r' && value[i] != '\n')
            *out++ = value[i];
    *out++ = '\n';
    return out;
}

char *
gw_sse_frame (const char *id, const char *type, const char *data, size_t *len_p)
{
    size_t id_len = id ? strlen (id) : 0;
    size_t type_len = type ? strlen (type) : 0;
    size_t data_len = data ? strlen (data) : 0;
    //  Worst case: every byte of data a line break, each becoming a line
    //  of its own ("data: \n" is 7 bytes).
    size_t cap = id_len + type_len + 16 + 7 * (data_len + 1) + 2;
    char *frame = malloc (cap);
    if (!frame)
        return NULL;
    char *out = frame;
    if (id_len)
        out = s_put_field (out, "id", id, id_len);
    if (type_len)
        out = s_put_field (out, "event", type, type_len);
    //  One data line per line of text: CRLF, CR and LF all end a line.
    size_t start = 0;
    for (size_t i = 0; i <= data_len; i++) {
        bool end = i == data_len || data[i] == '\r' || data[i] == '\n';
        if (!end)
            continue;
        out = s_put_field (out, "data", data ? data + start : "", i - start);
        if (i < data_len && data[i] == '\r' && i + 1 < data_len && data[i + 1] == '\n')
            i++;
        start = i + 1;
    }
    *out++ = '\n';
    *out = '\0';
    *len_p = (size_t) (out - frame);
    return frame;
}

//  A string member, or null when unset, empty or not valid UTF-8.
static void
s_set_text (json_t *obj, const char *key, const char *value)
{
    json_t *text =
        value && *value && cab_utf8_valid (value, strlen (value)) ? json_string (value) : NULL;
    json_object_set_new (obj, key, text ? text : json_null ());
}

//  The payload as JSON, or null.
static json_t *
s_payload (const Cabinet__V1__Event *event)
{
    const ProtobufCMessageDescriptor *desc = gw_schema_find (event->schema);
    if (!desc || !event->has_payload)
        return json_null ();
    ProtobufCMessage *msg =
        protobuf_c_message_unpack (desc, NULL, event->payload.len, event->payload.data);
    if (!msg)
        return json_null ();
    json_t *json = cab_pbjson_dump (msg);
    protobuf_c_message_free_unpacked (msg, NULL);
    return json ? json : json_null ();
}

char *
gw_sse_event_json (const Cabinet__V1__Event *event)
{
    json_t *obj = json_object ();
    if (!obj)
        return NULL;
    s_set_text (obj, "id", event->id);
    s_set_text (obj, "type", event->type);
    s_set_text (obj, "time", event->time);
    s_set_text (obj, "meeting_id", event->meeting_id);
    s_set_text (obj, "actor_id", event->actor_id);
    s_set_text (obj, "subject", event->subject);
    json_object_set_new (obj, "payload", s_payload (event));
    char *text = json_dumps (obj, JSON_COMPACT);
    json_decref (obj);
    return text;
}
