/*  libFuzzer target: untrusted bytes -> JSON -> protobuf messages through
    cab_pbjson (the path of every request body) and back to JSON.  */
#include "cab_arena.h"
#include "cab_pbjson.h"
#include "cabinet/v1/identity.pb-c.h"
#include <stdint.h>
#include <stdlib.h>

static const ProtobufCMessageDescriptor *s_targets[] = {
    &cabinet__v1__create_user_request__descriptor, &cabinet__v1__update_user_request__descriptor,
    &cabinet__v1__login_request__descriptor,       &cabinet__v1__list_logins_request__descriptor,
    &cabinet__v1__login_reply__descriptor,  //  nested message
};

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    //  The first byte picks the message type, the rest is the body.
    const ProtobufCMessageDescriptor *desc =
        s_targets[data[0] % (sizeof s_targets / sizeof s_targets[0])];
    json_t *json =
        json_loadb ((const char *) data + 1, size - 1, JSON_DECODE_ANY | JSON_ALLOW_NUL, NULL);
    if (!json)
        return 0;
    cab_arena_t *arena = cab_arena_new ();
    cab_pbjson_error_t err;
    ProtobufCMessage *msg = cab_pbjson_parse (desc, json, cab_arena_allocator (arena), &err);
    if (msg) {
        json_t *back = cab_pbjson_dump (msg);
        char *text = json_dumps (back, JSON_COMPACT);
        free (text);
        json_decref (back);
        //  Packing must work for whatever was accepted.
        size_t packed = protobuf_c_message_get_packed_size (msg);
        uint8_t *buf = cab_arena_alloc (arena, packed + 1);
        protobuf_c_message_pack (msg, buf);
    }
    //  The malloc path must free cleanly too.
    msg = cab_pbjson_parse (desc, json, NULL, &err);
    if (msg)
        protobuf_c_message_free_unpacked (msg, NULL);
    cab_arena_destroy (&arena);
    json_decref (json);
    return 0;
}
