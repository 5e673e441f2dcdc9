/*  cab_pbjson - JSON <-> protobuf through protobuf-c's descriptors, so the
    gateway maps any REST body to any RPC message without per-message code.

    Field names are the proto field names (snake_case, as in API.md).
    Parsing: unknown fields, wrong JSON types and invalid UTF-8 are refused
    with the field's name and a Vietnamese message; every string is
    normalised to NFC; JSON null or an absent field leaves the field unset.
    Dumping: unset optional strings and messages become null; scalars are
    always written, except a member of a oneof that is not the one set,
    which is null (a oneof of one scalar field is how a message says
    "unknown" for a number); repeated fields are arrays; int64 as JSON
    numbers.  */
#ifndef CAB_PBJSON_H
#define CAB_PBJSON_H
#include <jansson.h>
#include <protobuf-c/protobuf-c.h>
#include <stdbool.h>
#include <stddef.h>

typedef struct {
    char field[64];     //  offending field path ("roles[2]"), "" for the body
    char message[256];  //  Vietnamese
} cab_pbjson_error_t;

//  Build a message of type desc from JSON object json. Memory comes from
//  alloc (an arena allocator: nothing to free separately; with NULL, free
//  with protobuf_c_message_free_unpacked). Returns NULL and fills err on
//  bad input.
ProtobufCMessage *cab_pbjson_parse (const ProtobufCMessageDescriptor *desc, json_t *json,
                                    ProtobufCAllocator *alloc, cab_pbjson_error_t *err);

//  Set one singular scalar or string field from text (path and query
//  parameters): strings as they are (NFC), numbers and booleans parsed;
//  a repeated string field gets value appended. Returns 0, or -1 with err
//  filled (unknown field or bad value).
int cab_pbjson_set (ProtobufCMessage *msg, const char *field, const char *value,
                    ProtobufCAllocator *alloc, cab_pbjson_error_t *err);

//  true if msg's type has a field of that name.
bool cab_pbjson_has_field (const ProtobufCMessageDescriptor *desc, const char *field);

//  JSON for msg. Returns a new reference.
json_t *cab_pbjson_dump (const ProtobufCMessage *msg);

#endif
