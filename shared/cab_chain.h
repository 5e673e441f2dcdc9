/*  cab_chain - the outbox's audit chain, built by the relay (its only
    chainer): committed rows not chained yet, lowest id first, each get the
    next place in the chain (seq), the previous row's hash and their own,
    hash = sha256 (prev_hash | event_id | type | subject | topic | key |
    schema | actor | [m:meeting |] [a:audience |] payload), in hex. The
    hashes are computed here and written with one statement for all the
    rows; cab_outbox_verify checks them again with the same expression in
    SQL.  */
#ifndef CAB_CHAIN_H
#define CAB_CHAIN_H
#include "cab_db.h"
#include <libpq-fe.h>
#include <stdbool.h>
#include <stddef.h>

#define CAB_CHAIN_HASH_HEX 64

//  The fields of a row that its hash covers. topic, schema and actor count
//  as "" when NULL; meeting and audience ("a,b" as array_to_string writes
//  it) only when not NULL; payload may be NULL (a tombstone).
typedef struct {
    const char *event_id;
    const char *type;
    const char *subject;
    const char *topic;
    const char *key;
    const char *schema;
    const char *actor;
    const char *meeting;
    const char *audience;
    const unsigned char *payload;
    size_t payload_len;
} cab_chain_fields_t;

//  The hash of a row whose predecessor's hash is prev ("" for the first).
//  Returns false only if the digest could not be computed.
bool cab_chain_hash (const char *prev, const cab_chain_fields_t *row,
                     char out[CAB_CHAIN_HASH_HEX + 1]);

//  Chain up to limit rows of the connection's outbox (its search_path) in
//  a transaction of its own, one chainer at a time (a transaction lock of
//  its own, which writers never take); then run the caller's statements
//  then[0..n), which end that transaction (its COMMIT first, say), in the
//  same round trip as the rows' UPDATE, their results in then_res (may be
//  NULL) as cab_db_pipeline gives them. Returns how many rows were
//  chained, or -1: then_res are all NULL and the caller rolls back.
int cab_chain_rows (PGconn *db, int limit, const cab_db_stmt_t *then, int n, PGresult **then_res);

#endif
