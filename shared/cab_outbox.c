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
#include "cab_arena.h"
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

//  outbox_append_many (shared/sql/004_outbox_append_many.sql): the same
//  for several events, one array per field.
static const char SQL_APPEND_MANY[] =
    "SELECT outbox_append_many ($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[],"
    " $6::text[], $7::bytea[], $8::text[], $9::text[], $10::text[], $11::text[])";

enum {
    F_ID,
    F_TYPE,
    F_SUBJECT,
    F_TOPIC,
    F_KEY,
    F_SCHEMA,
    F_PAYLOAD,
    F_ACTOR,
    F_TARGETS,
    F_MEETING,
    F_AUDIENCE,
    F_COUNT
};

//  Postgres array literal of node ids ([a-z0-9._-]) or user ids (UUIDs),
//  checked here, so no quoting is needed. Returns it in arena, or NULL.
static char *
s_id_array (cab_arena_t *arena, const char *const *items, int count)
{
    size_t size = 3;
    for (int i = 0; i < count; i++) {
        for (const char *c = items[i]; *c; c++)
            if (!((*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') || *c == '.' || *c == '-'
                  || *c == '_'))
                return NULL;
        size += strlen (items[i]) + 1;
    }
    char *text = cab_arena_alloc (arena, size);
    strcpy (text, "{");
    for (int i = 0; i < count; i++) {
        if (i)
            strcat (text, ",");
        strcat (text, items[i]);
    }
    strcat (text, "}");
    return text;
}

//  ev's fields as outbox_append takes them (text, in arena), with a new
//  event id. Returns false (logged) when a list of ids is invalid.
static bool
s_fields (cab_arena_t *arena, const cab_event_t *ev, char *fields[F_COUNT])
{
    char *event_id = cab_arena_alloc (arena, CAB_UUID_LEN + 1);
    cab_uuid_v7 (event_id);
    char *payload = NULL;
    if (ev->payload) {
        size_t size = protobuf_c_message_get_packed_size (ev->payload);
        unsigned char *packed = cab_arena_alloc (arena, size ? size : 1);
        protobuf_c_message_pack (ev->payload, packed);
        payload = cab_db_bytea (arena, packed, size);
    }
    char *targets = s_id_array (arena, ev->target_nodes, ev->target_nodes ? ev->target_count : 0);
    if (!targets) {
        cab_error ("outbox: invalid target node list for %s", ev->type);
        return false;
    }
    char *audience = NULL;
    if (ev->audience && !(audience = s_id_array (arena, ev->audience, ev->audience_count))) {
        cab_error ("outbox: invalid audience for %s", ev->type);
        return false;
    }
    fields[F_ID] = event_id;
    fields[F_TYPE] = (char *) ev->type;
    fields[F_SUBJECT] = (char *) ev->subject;
    fields[F_TOPIC] = (char *) ev->topic;
    fields[F_KEY] = (char *) (ev->key ? ev->key : ev->subject);
    fields[F_SCHEMA] = ev->payload ? (char *) ev->payload->descriptor->name : NULL;
    fields[F_PAYLOAD] = payload;
    fields[F_ACTOR] = (char *) ev->actor_id;
    fields[F_TARGETS] = targets;
    fields[F_MEETING] = (char *) ev->meeting_id;
    fields[F_AUDIENCE] = audience;
    return true;
}

//  Append evs[0..n) (one statement: outbox_append, or outbox_append_many
//  for more than one); with commit, COMMIT in the same round trip.
static cab_status_t
s_emit (PGconn *db, const cab_event_t *evs, size_t n, bool commit)
{
    cab_arena_t *arena = cab_arena_new ();
    if (!arena)
        return CAB_INTERNAL;
    cab_status_t status = CAB_INTERNAL;
    char **rows = cab_arena_alloc (arena, n * F_COUNT * sizeof *rows);
    for (size_t i = 0; i < n; i++)
        if (!s_fields (arena, &evs[i], rows + i * F_COUNT))
            goto cleanup;
    const char *params[F_COUNT];
    if (n == 1)
        memcpy (params, rows, sizeof params);
    else {
        char **column = cab_arena_alloc (arena, n * sizeof *column);
        for (int f = 0; f < F_COUNT; f++) {
            for (size_t i = 0; i < n; i++)
                column[i] = rows[i * F_COUNT + f];
            params[f] = cab_db_array (arena, column, n);
        }
    }
    const cab_db_stmt_t stmts[] = {{NULL, n == 1 ? SQL_APPEND : SQL_APPEND_MANY, F_COUNT, params},
                                   {NULL, "COMMIT", 0, NULL}};
    status = cab_db_pipeline (db, stmts, commit ? 2 : 1, NULL);
cleanup:
    cab_arena_destroy (&arena);
    return status;
}

cab_status_t
cab_outbox_emit (PGconn *db, const cab_event_t *ev)
{
    return s_emit (db, ev, 1, false);
}

cab_status_t
cab_outbox_emit_commit (PGconn *db, const cab_event_t *ev)
{
    return s_emit (db, ev, 1, true);
}

cab_status_t
cab_outbox_emit_all_commit (PGconn *db, const cab_event_t *evs, size_t n)
{
    if (n == 0)
        return cab_db_commit (db);
    return s_emit (db, evs, n, true);
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
