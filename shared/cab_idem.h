/*  cab_idem - Idempotency-Key for a service's writes. The first successful
    reply of (caller, method, key) is recorded in the service's
    `idempotency` table in the same transaction as the change it reports;
    a repeat of the request gets that reply back and changes nothing, a
    different request under the same key is refused, and a twin running at
    the same moment loses at the insert and is told to try again.

    The table (in the service's own schema):
      idempotency (caller_id uuid, method text, key text, request_hash text,
                   reply bytea, scope text, created_at timestamptz,
                   PRIMARY KEY (caller_id, method, key))
    scope may name what the record belongs to, so the service can forget
    the records with it (cab_idem_forget).  */
#ifndef CAB_IDEM_H
#define CAB_IDEM_H
#include "cab_crypto.h"
#include "cab_rpc.h"
#include <libpq-fe.h>
#include <stdbool.h>

//  A request that carried an Idempotency-Key. Strings borrowed.
typedef struct {
    const char *caller_id;
    const char *method;
    const char *key;
    char request_hash[CAB_SHA256_HEX + 1];  //  of the packed request
    const char *scope;                      //  may be NULL
} cab_idem_t;

//  The message a second request under the same key gets.
#define CAB_IDEM_MSG_BUSY "Một yêu cầu cùng Idempotency-Key đang được xử lý; vui lòng thử lại"

//  For a handler, before it changes anything. When the call carries an
//  Idempotency-Key and a reply was recorded for it, reply that (unpacked
//  as reply_desc in the call's arena), or 422 if the key was used for
//  another request, or the store's failure; and return true. Otherwise
//  return false, with *idem_p pointing to idem filled for
//  cab_idem_record (NULL when the call has no key).
bool cab_idem_replay (cab_call_t *call, PGconn *db, const ProtobufCMessage *request,
                      const ProtobufCMessageDescriptor *reply_desc, cab_idem_t *idem,
                      const cab_idem_t **idem_p);

//  Record reply for idem inside the caller's open transaction (NULL idem:
//  nothing to do). Returns CAB_OK; CAB_ABORTED when a twin committed first
//  (the transaction must roll back; tell the client CAB_IDEM_MSG_BUSY); or
//  a failure.
cab_status_t cab_idem_record (PGconn *db, const cab_idem_t *idem, const ProtobufCMessage *reply);

//  Delete the records of scope inside the caller's open transaction.
cab_status_t cab_idem_forget (PGconn *db, const char *scope);

//  Delete records older than max_age_s seconds (a periodic job); *deleted
//  (may be NULL) counts them.
cab_status_t cab_idem_expire (PGconn *db, int max_age_s, long *deleted);

#endif
