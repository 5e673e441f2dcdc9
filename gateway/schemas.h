/*  gw_schemas - every protobuf message type the gateway links, found by
    its full name ("cabinet.v1.MeetingEvent"): how a live stream turns an
    event's payload into JSON from the envelope's schema name alone. The
    list is generated at build time from the generated headers (Makefile:
    gateway_schemas.c), so the messages of a new .proto file are known
    without editing anything here.  */
#ifndef GW_SCHEMAS_H
#define GW_SCHEMAS_H
#include <protobuf-c/protobuf-c.h>
#include <stddef.h>

//  The generated list, ending with NULL.
extern const ProtobufCMessageDescriptor *const gw_schema_list[];

//  The message type called full_name, or NULL when the gateway does not
//  know it (or full_name is NULL). Borrowed, static.
const ProtobufCMessageDescriptor *gw_schema_find (const char *full_name);

//  Number of message types known.
size_t gw_schema_count (void);

#endif
