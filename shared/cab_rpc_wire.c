/*  cab_rpc_wire - what both RPC clients (the blocking one and the
    asynchronous one) do alike: the DEALER socket's settings, the request
    envelope, receiving a reply's frames and reading its envelope.  */
#include "cab_log.h"
#include "cab_rpc.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <zmq.h>

#define RECONNECT_MS 100
#define RECONNECT_MAX_MS 1000

int64_t
cab_rpc_now_ms (void)
{
    struct timeval now;
    gettimeofday (&now, NULL);
    return (int64_t) now.tv_sec * 1000 + now.tv_usec / 1000;
}

void *
cab_rpc_dealer_new (void *zmq_ctx, const char *endpoint)
{
    void *socket = zmq_socket (zmq_ctx, ZMQ_DEALER);
    if (!socket)
        return NULL;
    int linger = 0, immediate = 1, ivl = RECONNECT_MS, ivl_max = RECONNECT_MAX_MS;
    zmq_setsockopt (socket, ZMQ_LINGER, &linger, sizeof linger);
    //  Queue only to connected servers: no server means UNAVAILABLE now,
    //  not a request delivered minutes later to a restarted service.
    zmq_setsockopt (socket, ZMQ_IMMEDIATE, &immediate, sizeof immediate);
    zmq_setsockopt (socket, ZMQ_RECONNECT_IVL, &ivl, sizeof ivl);
    zmq_setsockopt (socket, ZMQ_RECONNECT_IVL_MAX, &ivl_max, sizeof ivl_max);
    if (zmq_connect (socket, endpoint) != 0) {
        cab_error ("cannot connect to %s: %s", endpoint, zmq_strerror (zmq_errno ()));
        zmq_close (socket);
        return NULL;
    }
    return socket;
}

void
cab_rpc_result_set (cab_rpc_result_t *result, cab_status_t status, const char *message,
                    const char *field, const char *code)
{
    result->status = status;
    snprintf (result->message, sizeof result->message, "%s",
              message && *message ? message : cab_status_message (status));
    snprintf (result->field, sizeof result->field, "%s", field ? field : "");
    snprintf (result->code, sizeof result->code, "%s", code ? code : "");
}

int
cab_rpc_envelope_init (Cabinet__V1__RpcRequest *envelope, const char *request_id,
                       const char *method, const ProtobufCMessage *request,
                       const cab_call_opts_t *opts, uint8_t **payload_p)
{
    *envelope = (Cabinet__V1__RpcRequest) CABINET__V1__RPC_REQUEST__INIT;
    *payload_p = NULL;
    envelope->request_id = (char *) request_id;
    envelope->method = (char *) method;
    envelope->caller = (Cabinet__V1__Caller *) opts->caller;  //  packing only reads it
    envelope->idempotency_key = (char *) opts->idempotency_key;
    envelope->has_deadline_unix_ms = true;
    if (!request)
        return 0;
    size_t size = protobuf_c_message_get_packed_size (request);
    uint8_t *payload = malloc (size ? size : 1);
    if (!payload)
        return -1;
    protobuf_c_message_pack (request, payload);
    envelope->has_payload = true;
    envelope->payload.len = size;
    envelope->payload.data = payload;
    *payload_p = payload;
    return 0;
}

uint8_t *
cab_rpc_envelope_pack (const Cabinet__V1__RpcRequest *envelope, size_t *size_p)
{
    size_t size = cabinet__v1__rpc_request__get_packed_size (envelope);
    uint8_t *packed = malloc (size ? size : 1);
    if (packed)
        cabinet__v1__rpc_request__pack (envelope, packed);
    *size_p = size;
    return packed;
}

int
cab_rpc_reply_recv (void *socket, int flags, Cabinet__V1__RpcReply **reply_p)
{
    //  [empty delimiter, reply]
    *reply_p = NULL;
    zmq_msg_t frame;
    zmq_msg_init (&frame);
    if (zmq_msg_recv (&frame, socket, flags) < 0) {
        zmq_msg_close (&frame);
        return zmq_errno () == EAGAIN ? 0 : -1;
    }
    while (true) {
        bool more = zmq_msg_more (&frame);
        if (!more && zmq_msg_size (&frame) > 0)
            *reply_p =
                cabinet__v1__rpc_reply__unpack (NULL, zmq_msg_size (&frame), zmq_msg_data (&frame));
        //  The rest of a message that has begun is there already.
        if (!more || zmq_msg_recv (&frame, socket, 0) < 0)
            break;
    }
    zmq_msg_close (&frame);
    return 1;
}

cab_status_t
cab_rpc_reply_take (const Cabinet__V1__RpcReply *reply, const char *method,
                    const ProtobufCMessageDescriptor *reply_desc, ProtobufCAllocator *alloc,
                    ProtobufCMessage **reply_p, cab_rpc_result_t *result)
{
    *reply_p = NULL;
    cab_status_t status = reply->has_status ? (cab_status_t) reply->status : CAB_UNKNOWN;
    cab_rpc_result_set (result, status, reply->error_message, reply->error_field,
                        reply->error_code);
    if (status == CAB_OK) {
        *reply_p = protobuf_c_message_unpack (
            reply_desc, alloc, reply->has_payload ? reply->payload.len : 0,
            reply->has_payload ? reply->payload.data : (const uint8_t *) "");
        if (!*reply_p) {
            cab_error ("%s: reply does not unpack as %s", method, reply_desc->name);
            cab_rpc_result_set (result, CAB_INTERNAL, NULL, NULL, NULL);
        }
    }
    return result->status;
}
