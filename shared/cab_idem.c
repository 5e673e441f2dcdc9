/*  cab_idem - Idempotency-Key records in a service's own schema (see
    cab_idem.h).  */
#include "cab_idem.h"
#include "cab_db.h"
#include "cab_log.h"
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char SQL_IDEM_GET[] = "SELECT request_hash, reply FROM idempotency"
                                   " WHERE caller_id = $1 AND method = $2 AND key = $3";

static const char SQL_IDEM_PUT[] =
    "INSERT INTO idempotency (caller_id, method, key, request_hash, reply, scope)"
    " VALUES ($1, $2, $3, $4, $5::bytea, $6) ON CONFLICT DO NOTHING RETURNING 1";

static const char SQL_IDEM_FORGET[] = "DELETE FROM idempotency WHERE scope = $1";

static const char SQL_IDEM_EXPIRE[] =
    "DELETE FROM idempotency WHERE created_at < now () - make_interval (secs => $1::int)";

//  The packed form of msg in arena; *len its size.
static uint8_t *
s_pack (cab_arena_t *arena, const ProtobufCMessage *msg, size_t *len)
{
    *len = protobuf_c_message_get_packed_size (msg);
    uint8_t *packed = cab_arena_alloc (arena, *len ? *len : 1);
    protobuf_c_message_pack (msg, packed);
    return packed;
}

//  The recorded reply of idem: CAB_OK with *msg, CAB_NOT_FOUND,
//  CAB_FAILED_PRECONDITION (another request under this key), or a failure.
static cab_status_t
s_find (PGconn *db, cab_arena_t *arena, const cab_idem_t *idem,
        const ProtobufCMessageDescriptor *reply_desc, ProtobufCMessage **msg)
{
    const char *params[] = {idem->caller_id, idem->method, idem->key};
    PGresult *res = NULL;
    cab_status_t status = cab_db_query_row (db, SQL_IDEM_GET, 3, params, &res);
    if (status != CAB_OK)
        return status;
    if (strcmp (PQgetvalue (res, 0, 0), idem->request_hash) != 0) {
        PQclear (res);
        return CAB_FAILED_PRECONDITION;
    }
    size_t n = 0;
    unsigned char *raw = PQunescapeBytea ((const unsigned char *) PQgetvalue (res, 0, 1), &n);
    PQclear (res);
    if (!raw)
        return CAB_INTERNAL;
    *msg = protobuf_c_message_unpack (reply_desc, cab_arena_allocator (arena), n, raw);
    PQfreemem (raw);
    if (!*msg) {
        cab_error ("%s: the recorded reply for an Idempotency-Key is unreadable", idem->method);
        return CAB_INTERNAL;
    }
    return CAB_OK;
}

bool
cab_idem_replay (cab_call_t *call, PGconn *db, const ProtobufCMessage *request,
                 const ProtobufCMessageDescriptor *reply_desc, cab_idem_t *idem,
                 const cab_idem_t **idem_p)
{
    *idem_p = NULL;
    if (!call->idempotency_key || !call->caller || !call->caller->user_id)
        return false;
    memset (idem, 0, sizeof *idem);
    size_t len = 0;
    uint8_t *packed = s_pack (call->arena, request, &len);
    cab_sha256_hex (packed, len, idem->request_hash);
    idem->caller_id = call->caller->user_id;
    idem->method = call->method;
    idem->key = call->idempotency_key;

    ProtobufCMessage *msg = NULL;
    cab_status_t status = s_find (db, call->arena, idem, reply_desc, &msg);
    if (status == CAB_NOT_FOUND) {
        *idem_p = idem;
        return false;
    }
    if (status == CAB_FAILED_PRECONDITION)
        cab_call_error (call, status, "Idempotency-Key",
                        "Idempotency-Key này đã được dùng cho một yêu cầu khác");
    else if (status != CAB_OK)
        cab_call_error (call, status, NULL, NULL);
    else
        cab_call_reply (call, msg);
    return true;
}

cab_status_t
cab_idem_record (PGconn *db, const cab_idem_t *idem, const ProtobufCMessage *reply)
{
    if (!idem || !idem->key)
        return CAB_OK;
    cab_arena_t *arena = cab_arena_new ();
    if (!arena)
        return CAB_INTERNAL;
    size_t len = 0;
    uint8_t *packed = s_pack (arena, reply, &len);
    const char *params[] = {idem->caller_id,
                            idem->method,
                            idem->key,
                            idem->request_hash,
                            cab_db_bytea (arena, packed, len),
                            idem->scope};
    PGresult *res = NULL;
    cab_status_t status = cab_db_exec (db, SQL_IDEM_PUT, 6, params, &res);
    //  Nothing inserted: a twin under the same key committed first.
    if (status == CAB_OK && PQntuples (res) == 0)
        status = CAB_ABORTED;
    PQclear (res);
    cab_arena_destroy (&arena);
    return status;
}

cab_status_t
cab_idem_forget (PGconn *db, const char *scope)
{
    const char *params[] = {scope};
    return cab_db_exec (db, SQL_IDEM_FORGET, 1, params, NULL);
}

cab_status_t
cab_idem_expire (PGconn *db, int max_age_s, long *deleted)
{
    char age[24];
    snprintf (age, sizeof age, "%d", max_age_s);
    const char *params[] = {age};
    PGresult *res = NULL;
    cab_status_t status = cab_db_exec (db, SQL_IDEM_EXPIRE, 1, params, &res);
    if (status == CAB_OK && deleted)
        *deleted = strtol (PQcmdTuples (res), NULL, 10);
    PQclear (res);
    return status;
}
