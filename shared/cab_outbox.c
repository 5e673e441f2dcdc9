/*  cab_outbox - append events to the schema's outbox in the caller's
    transaction; verify the audit chain the relay builds from them.

    A writer inserts its row unchained and takes no lock another writer
    waits for: a schema's writers commit side by side, their flushes to
    disk shared (group commit). The relay (cab_relay) gives each committed
    row its place in the hash chain (seq) and its hash before it publishes
    it, so the chain's order is the order of publication, and a row whose
    id was taken before another's but which committed later simply comes
    after it (shared/sql/003_outbox_chain.sql explains why events that
    depend on each other still come in order). cab_outbox_emit_commit
    sends the append with the COMMIT in one round trip.  */
#include "cab_outbox.h"
#include "cab_db.h"
#include "cab_log.h"
#include "cab_uuid.h"
#include <stdlib.h>
#include <string.h>

//  outbox_append (shared/sql/003_outbox_chain.sql) inserts the row and,
//  when the relay rests, notifies it.
static const char SQL_APPEND[] =
    "SELECT outbox_append ($1::uuid, $2, $3, $4, $5, $6, $7::bytea, $8, $9::text[], $10,"
    " $11::text[])";

//  The hash covers every published field and the previous row's hash (as
//  outbox_chain computes it, in SQL). The live fields (meeting, audience)
//  count only when set, so rows written before they existed still verify.
#define HASH_EXPR(prev, ev, type, subject, topic, key, schema, payload, actor, meeting, audience)  \
    "encode(sha256(convert_to(" prev " || '|' || " ev " || '|' || " type " || '|' || " subject     \
    " || '|' || coalesce(" topic ", '') || '|' || " key " || '|' || coalesce(" schema              \
    ", '') || '|' || coalesce(" actor ", '') || '|'"                                               \
    " || coalesce('m:' || " meeting " || '|', '')"                                                 \
    " || coalesce('a:' || array_to_string(" audience ", ',') || '|', ''), 'UTF8')"                 \
    " || coalesce(" payload ", '\\x'::bytea)), 'hex')"

//  Rows in chain order (seq); rows not chained yet are not part of it.
static const char SQL_VERIFY[] =
    "SELECT id FROM (SELECT id, seq, prev_hash, hash,"
    " coalesce(lag(hash) OVER (ORDER BY seq), '') AS expected_prev, " HASH_EXPR (
        "prev_hash", "event_id::text", "type", "subject", "topic", "msg_key", "schema_name",
        "payload", "actor_id", "meeting_id",
        "audience") " AS expected FROM outbox WHERE seq IS NOT NULL) rows"
                    " WHERE prev_hash <> expected_prev OR hash <> expected"
                    " ORDER BY seq LIMIT 1";

//  Postgres text form of bytea: \x followed by hex. Returns a new string.
static char *
s_bytea_hex (const unsigned char *data, size_t n)
{
    char *text = malloc (2 * n + 3);
    if (!text)
        return NULL;
    text[0] = '\\';
    text[1] = 'x';
    for (size_t i = 0; i < n; i++) {
        text[2 + 2 * i] = "0123456789abcdef"[data[i] >> 4];
        text[3 + 2 * i] = "0123456789abcdef"[data[i] & 15];
    }
    text[2 + 2 * n] = '\0';
    return text;
}

//  Postgres array literal of node ids ([a-z0-9._-]) or user ids (UUIDs),
//  checked here, so no quoting is needed. Returns a new string or NULL.
static char *
s_text_array (const char *const *items, int count)
{
    size_t size = 3;
    for (int i = 0; i < count; i++) {
        for (const char *c = items[i]; *c; c++)
            if (!((*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') || *c == '.' || *c == '-'
                  || *c == '_'))
                return NULL;
        size += strlen (items[i]) + 1;
    }
    char *text = malloc (size);
    if (!text)
        return NULL;
    strcpy (text, "{");
    for (int i = 0; i < count; i++) {
        if (i)
            strcat (text, ",");
        strcat (text, items[i]);
    }
    strcat (text, "}");
    return text;
}

//  Append ev; with commit, COMMIT in the same round trip.
static cab_status_t
s_emit (PGconn *db, const cab_event_t *ev, bool commit)
{
    cab_status_t status = CAB_INTERNAL;
    char *payload_hex = NULL, *targets = NULL, *audience = NULL;
    unsigned char *packed = NULL;
    if (ev->payload) {
        size_t size = protobuf_c_message_get_packed_size (ev->payload);
        packed = malloc (size ? size : 1);
        if (!packed)
            goto cleanup;
        protobuf_c_message_pack (ev->payload, packed);
        payload_hex = s_bytea_hex (packed, size);
        if (!payload_hex)
            goto cleanup;
    }
    targets = s_text_array (ev->target_nodes, ev->target_nodes ? ev->target_count : 0);
    if (!targets) {
        cab_error ("outbox: invalid target node list for %s", ev->type);
        goto cleanup;
    }
    if (ev->audience && !(audience = s_text_array (ev->audience, ev->audience_count))) {
        cab_error ("outbox: invalid audience for %s", ev->type);
        goto cleanup;
    }
    char event_id[CAB_UUID_LEN + 1];
    cab_uuid_v7 (event_id);
    const char *params[] = {event_id,
                            ev->type,
                            ev->subject,
                            ev->topic,
                            ev->key ? ev->key : ev->subject,
                            ev->payload ? ev->payload->descriptor->name : NULL,
                            payload_hex,
                            ev->actor_id,
                            targets,
                            ev->meeting_id,
                            audience};
    if (commit) {
        const cab_db_stmt_t stmts[] = {{
                                           NULL,
                                           SQL_APPEND,
                                           11,
                                           params,
                                       },
                                       {NULL, "COMMIT", 0, NULL}};
        status = cab_db_pipeline (db, stmts, 2, NULL);
    } else
        status = cab_db_exec (db, SQL_APPEND, 11, params, NULL);
cleanup:
    free (packed);
    free (payload_hex);
    free (targets);
    free (audience);
    return status;
}

cab_status_t
cab_outbox_emit (PGconn *db, const cab_event_t *ev)
{
    return s_emit (db, ev, false);
}

cab_status_t
cab_outbox_emit_commit (PGconn *db, const cab_event_t *ev)
{
    return s_emit (db, ev, true);
}

bool
cab_outbox_verify (PGconn *db, long long *bad_id)
{
    PGresult *res = NULL;
    if (cab_db_exec (db, SQL_VERIFY, 0, NULL, &res) != CAB_OK)
        return false;
    bool intact = PQntuples (res) == 0;
    if (!intact && bad_id)
        *bad_id = atoll (PQgetvalue (res, 0, 0));
    PQclear (res);
    return intact;
}
