/*  cab_chain - the audit chain of the outbox, computed in the relay and
    written in one statement (see cab_chain.h).

    Two round trips: the BEGIN, the lock, the chain's last row and the rows to chain
    in one; the new places and hashes of every row, one UPDATE from arrays,
    and what the caller runs next, in the other. (Until shared/sql/005_outbox_chain_in_c.sql this
   was a PL/pgSQL loop of one UPDATE per row, which cost the server about twice as much per event.)
 */
#include "cab_chain.h"
#include "cab_arena.h"
#include "cab_db.h"
#include "cab_log.h"
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char SQL_LOCK[] =
    "SELECT pg_advisory_xact_lock (hashtext (current_schema () || '.outbox_chain'))";
//  Planned at every call, for the outbox as it is now (see cab_relay.c).
static const char SQL_LAST[] =
    "SELECT seq, hash FROM outbox WHERE seq IS NOT NULL ORDER BY seq DESC LIMIT 1";
static const char SQL_NEXT[] =
    "SELECT id, event_id, type, subject, topic, msg_key, schema_name, actor_id, meeting_id,"
    " array_to_string (audience, ','), payload FROM outbox WHERE seq IS NULL ORDER BY id"
    " LIMIT $1";
static const char SQL_SET[] =
    "UPDATE outbox o SET seq = u.seq, prev_hash = u.prev, hash = u.hash"
    " FROM unnest ($1::bigint[], $2::bigint[], $3::text[], $4::text[]) AS u (id, seq, prev, hash)"
    " WHERE o.id = u.id";

enum {
    N_ID,
    N_EVENT_ID,
    N_TYPE,
    N_SUBJECT,
    N_TOPIC,
    N_KEY,
    N_SCHEMA,
    N_ACTOR,
    N_MEETING,
    N_AUDIENCE,
    N_PAYLOAD
};

static void
s_put (EVP_MD_CTX *md, const char *text)
{
    if (text)
        EVP_DigestUpdate (md, text, strlen (text));
}

bool
cab_chain_hash (const char *prev, const cab_chain_fields_t *row, char out[CAB_CHAIN_HASH_HEX + 1])
{
    EVP_MD_CTX *md = EVP_MD_CTX_new ();
    if (!md || EVP_DigestInit_ex (md, EVP_sha256 (), NULL) != 1) {
        EVP_MD_CTX_free (md);
        return false;
    }
    const char *fields[] = {prev,       row->event_id, row->type,   row->subject,
                            row->topic, row->key,      row->schema, row->actor};
    for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++) {
        if (i > 0)
            s_put (md, "|");
        s_put (md, fields[i]);
    }
    s_put (md, "|");
    if (row->meeting) {
        s_put (md, "m:");
        s_put (md, row->meeting);
        s_put (md, "|");
    }
    if (row->audience) {
        s_put (md, "a:");
        s_put (md, row->audience);
        s_put (md, "|");
    }
    if (row->payload && row->payload_len > 0)
        EVP_DigestUpdate (md, row->payload, row->payload_len);
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int size = 0;
    bool ok = EVP_DigestFinal_ex (md, digest, &size) == 1 && size * 2 == CAB_CHAIN_HASH_HEX;
    EVP_MD_CTX_free (md);
    for (unsigned i = 0; ok && i < size; i++)
        snprintf (out + 2 * i, 3, "%02x", digest[i]);
    return ok;
}

//  Hash the rows of next (SQL_NEXT) after last_hash, from place last_seq
//  on, into the arrays of SQL_SET. Returns false if one could not be.
static bool
s_hash_rows (cab_arena_t *arena, PGresult *next, long long last_seq, const char *last_hash,
             char **ids, char **seqs, char **prevs, char **hashes)
{
    const char *prev = last_hash;
    for (int i = 0; i < PQntuples (next); i++) {
        size_t payload_len = 0;
        unsigned char *payload = NULL;
        if (!PQgetisnull (next, i, N_PAYLOAD)) {
            payload = PQunescapeBytea ((const unsigned char *) PQgetvalue (next, i, N_PAYLOAD),
                                       &payload_len);
            if (!payload)
                return false;
        }
        cab_chain_fields_t row = {
            .event_id = PQgetvalue (next, i, N_EVENT_ID),
            .type = PQgetvalue (next, i, N_TYPE),
            .subject = PQgetvalue (next, i, N_SUBJECT),
            .topic = PQgetvalue (next, i, N_TOPIC),
            .key = PQgetvalue (next, i, N_KEY),
            .schema = PQgetvalue (next, i, N_SCHEMA),
            .actor = PQgetvalue (next, i, N_ACTOR),
            .meeting = cab_db_value (next, i, N_MEETING),
            .audience = cab_db_value (next, i, N_AUDIENCE),
            .payload = payload,
            .payload_len = payload_len,
        };
        char *hash = cab_arena_alloc (arena, CAB_CHAIN_HASH_HEX + 1);
        char *seq = cab_arena_alloc (arena, 24);
        bool ok = hash && seq && cab_chain_hash (prev, &row, hash);
        PQfreemem (payload);
        if (!ok)
            return false;
        snprintf (seq, 24, "%lld", last_seq + 1 + i);
        ids[i] = PQgetvalue (next, i, N_ID);
        seqs[i] = seq;
        prevs[i] = (char *) prev;
        hashes[i] = hash;
        prev = hash;
    }
    return true;
}

//  The UPDATE of the rows (when any) and the caller's statements, in one
//  round trip. Returns CAB_OK with then_res set.
static cab_status_t
s_write (PGconn *db, const char *const *set_params, const cab_db_stmt_t *then, int n,
         PGresult **then_res)
{
    int first = set_params ? 1 : 0;
    cab_db_stmt_t *stmts = calloc ((size_t) (n + first), sizeof *stmts);
    PGresult **res = calloc ((size_t) (n + first), sizeof *res);
    cab_status_t status = CAB_INTERNAL;
    if (stmts && res) {
        if (set_params)
            stmts[0] = (cab_db_stmt_t){NULL, SQL_SET, 4, set_params};
        for (int i = 0; i < n; i++)
            stmts[first + i] = then[i];
        status = cab_db_pipeline (db, stmts, n + first, res);
    }
    if (status == CAB_OK) {
        if (first)
            PQclear (res[0]);
        for (int i = 0; i < n; i++) {
            if (then_res)
                then_res[i] = res[first + i];
            else
                PQclear (res[first + i]);
        }
    }
    free (stmts);
    free (res);
    return status;
}

int
cab_chain_rows (PGconn *db, int limit, const cab_db_stmt_t *then, int n, PGresult **then_res)
{
    for (int i = 0; then_res && i < n; i++)
        then_res[i] = NULL;
    char limit_text[16];
    snprintf (limit_text, sizeof limit_text, "%d", limit > 0 ? limit : 1);
    const char *limit_param[] = {limit_text};
    const cab_db_stmt_t read[] = {{NULL, "BEGIN", 0, NULL},
                                  {NULL, SQL_LOCK, 0, NULL},
                                  {NULL, SQL_LAST, 0, NULL},
                                  {NULL, SQL_NEXT, 1, limit_param}};
    PGresult *res[4] = {NULL, NULL, NULL, NULL};
    if (cab_db_pipeline (db, read, 4, res) != CAB_OK)
        return -1;
    PGresult *last = res[2], *next = res[3];
    int count = PQntuples (next);
    int chained = -1;
    cab_arena_t *arena = cab_arena_new ();
    const char *params[4] = {NULL, NULL, NULL, NULL};
    bool ready = arena && count == 0;
    if (arena && count > 0) {
        bool first = PQntuples (last) == 0;
        long long last_seq = first ? 0 : cab_db_long (last, 0, 0);
        const char *last_hash = first ? "" : PQgetvalue (last, 0, 1);
        char **cols = cab_arena_alloc (arena, 4 * (size_t) count * sizeof *cols);
        if (cols
            && s_hash_rows (arena, next, last_seq, last_hash, cols, cols + count, cols + 2 * count,
                            cols + 3 * count)) {
            for (int c = 0; c < 4; c++)
                params[c] = cab_db_array (arena, cols + c * count, (size_t) count);
            ready = params[0] && params[1] && params[2] && params[3];
        } else
            cab_error ("cannot hash the outbox rows to chain");
    }
    if (ready && s_write (db, count > 0 ? params : NULL, then, n, then_res) == CAB_OK)
        chained = count;
    cab_arena_destroy (&arena);
    for (int i = 0; i < 4; i++)
        PQclear (res[i]);
    return chained;
}
