/*  vote_store - the voting service's PostgreSQL: every SQL statement of
    the service is here, as a named constant, always parameterised; each
    change runs in one transaction with its outbox event.  */
#include "store.h"
#include "cab_actor.h"
#include "cab_crypto.h"
#include "cab_db.h"
#include "cab_log.h"
#include "cab_outbox.h"
#include "cab_uuid.h"
#include "signature.h"
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct _vote_store_t {
    PGconn *db;    //  borrowed
    int prepared;  //  server process s_hot is prepared in (0: none)
};

#define NUM_TEXT 24

static const char s_not_found[] = "Không tìm thấy biểu quyết";

/* ---- SQL ----------------------------------------------------------------------------- */

//  $2: the person asking.
static const char SQL_MEETING[] =
    "SELECT m.id, m.status, m.chair_id, m.secretary_id,"
    " EXISTS (SELECT 1 FROM invitees i WHERE i.meeting_id = m.id"
    "         AND (i.user_id = $2::uuid OR i.substitute_user_id = $2::uuid))"
    " FROM meetings m WHERE m.id = $1";

static const char SQL_INVITEES[] =
    "SELECT user_id, response, attendance, substitute_user_id FROM invitees"
    " WHERE meeting_id = $1 ORDER BY id";

//  Everything about a vote, and for the person asking ($2) whether they
//  may vote, have voted, and what (named votes only). The live counts of a
//  named vote come per option; a secret vote's only once it is closed.
#define VOTE_COLUMNS                                                                               \
    "v.id, v.meeting_id, v.question, array_to_json (v.options), v.secret,"                         \
    " v.signature_required, v.threshold, v.status, v.members, v.present, v.created_by,"            \
    " f_ts (v.created_at), f_ts (v.opened_at), f_ts (v.closed_at),"                                \
    " (SELECT count (*) FROM voters e WHERE e.vote_id = v.id),"                                    \
    " CASE WHEN v.secret THEN (SELECT count (*) FROM participation p WHERE p.vote_id = v.id)"      \
    "      ELSE (SELECT count (*) FROM ballots b WHERE b.vote_id = v.id) END,"                     \
    " array_to_string (CASE WHEN v.status = 'closed' THEN v.final_counts"                          \
    "   WHEN v.secret THEN NULL"                                                                   \
    "   ELSE ARRAY (SELECT count (b.voter_id)::int"                                                \
    "               FROM generate_series (0, cardinality (v.options) - 1) AS o (i)"                \
    "               LEFT JOIN ballots b ON b.vote_id = v.id AND b.option_index = o.i"              \
    "               GROUP BY o.i ORDER BY o.i) END, ','),"                                         \
    " (SELECT string_agg (r.user_id::text, ',' ORDER BY r.added_at, r.user_id)"                    \
    "  FROM remote_voters r WHERE r.vote_id = v.id),"                                              \
    " EXISTS (SELECT 1 FROM voters e WHERE e.vote_id = v.id AND e.user_id = $2::uuid),"            \
    " CASE WHEN v.secret THEN EXISTS (SELECT 1 FROM participation p WHERE p.vote_id = v.id"        \
    "                                 AND p.voter_id = $2::uuid)"                                  \
    "      ELSE EXISTS (SELECT 1 FROM ballots b WHERE b.vote_id = v.id"                            \
    "                   AND b.voter_id = $2::uuid) END,"                                           \
    " CASE WHEN v.secret THEN NULL ELSE (SELECT b.option_index FROM ballots b"                     \
    "   WHERE b.vote_id = v.id AND b.voter_id = $2::uuid) END,"                                    \
    " m.status, m.chair_id, m.secretary_id,"                                                       \
    " EXISTS (SELECT 1 FROM invitees i WHERE i.meeting_id = v.meeting_id"                          \
    "         AND (i.user_id = $2::uuid OR i.substitute_user_id = $2::uuid))"                      \
    " FROM votes v LEFT JOIN meetings m ON m.id = v.meeting_id"
enum {
    VC_ID,
    VC_MEETING,
    VC_QUESTION,
    VC_OPTIONS,
    VC_SECRET,
    VC_SIGNATURE,
    VC_THRESHOLD,
    VC_STATUS,
    VC_MEMBERS,
    VC_PRESENT,
    VC_CREATED_BY,
    VC_CREATED_AT,
    VC_OPENED_AT,
    VC_CLOSED_AT,
    VC_ELIGIBLE,
    VC_VOTED,
    VC_COUNTS,
    VC_REMOTE,
    VC_CALLER_ELIGIBLE,
    VC_CALLER_VOTED,
    VC_CALLER_OPTION,
    VC_M_STATUS,
    VC_M_CHAIR,
    VC_M_SECRETARY,
    VC_M_INVITEE,
};

static const char SQL_VOTE[] = "SELECT " VOTE_COLUMNS " WHERE v.id = $1";

static const char SQL_VOTES[] =
    "SELECT " VOTE_COLUMNS " WHERE v.meeting_id = $1 ORDER BY v.created_at, v.id";

//  Serialises creations per meeting, so the count below holds.
static const char SQL_MEETING_LOCK[] =
    "SELECT pg_advisory_xact_lock (hashtext ('vote-meeting:' || $1))";

static const char SQL_VOTE_COUNT[] = "SELECT count (*) FROM votes WHERE meeting_id = $1";

static const char SQL_VOTE_INSERT[] =
    "INSERT INTO votes (id, meeting_id, question, options, secret, signature_required,"
    "  threshold, created_by)"
    " VALUES ($1, $2, $3, $4::text[], $5::bool, $6::bool, $7, $8)";

static const char SQL_REMOTE_INSERT[] =
    "INSERT INTO remote_voters (vote_id, user_id, added_by)"
    " SELECT $1, unnest ($2::uuid[]), $3 ON CONFLICT DO NOTHING";

//  The vote's own row, locked: FOR UPDATE by whoever changes its state,
//  FOR SHARE by a ballot, so a close waits for the ballots under way and a
//  ballot after it sees the vote closed.
static const char SQL_VOTE_LOCK[] =
    "SELECT v.status, v.secret, v.meeting_id, m.status, cardinality (v.options) FROM votes v"
    " LEFT JOIN meetings m ON m.id = v.meeting_id WHERE v.id = $1 FOR UPDATE OF v";

static const char SQL_VOTES_OF_ENDED[] =
    "SELECT v.id FROM votes v JOIN meetings m ON m.id = v.meeting_id"
    " WHERE v.status = 'open' AND m.status IN ('ended', 'cancelled')";

static const char SQL_REMOTE_LIST[] = "SELECT user_id FROM remote_voters WHERE vote_id = $1";

static const char SQL_VOTERS_INSERT[] =
    "INSERT INTO voters (vote_id, user_id, member_id, kind)"
    " SELECT $1, u, m, k FROM unnest ($2::uuid[], $3::uuid[], $4::text[]) AS t (u, m, k)"
    " ON CONFLICT DO NOTHING";

static const char SQL_VOTE_OPEN[] =
    "UPDATE votes SET status = 'open', members = $2::int, present = $3::int, opened_by = $4,"
    "  opened_at = now () WHERE id = $1 AND status = 'draft'";

static const char SQL_NAMED_COUNTS[] =
    "SELECT option_index, count (*) FROM ballots WHERE vote_id = $1 GROUP BY option_index";

static const char SQL_SECRET_COUNTS[] =
    "SELECT option_index, count (*) FROM secret_choices WHERE vote_id = $1 GROUP BY option_index";

//  The choices again, in random order, with new random ids and no
//  receipts, in the closing transaction: every row gets the same
//  transaction id, and neither their place in the table nor their ids say
//  when each was cast.
static const char SQL_SECRET_SHUFFLE[] =
    "WITH gone AS (DELETE FROM secret_choices WHERE vote_id = $1 RETURNING option_index)"
    " INSERT INTO secret_choices (id, vote_id, option_index, receipt_hash)"
    " SELECT gen_random_uuid (), $1, option_index, NULL FROM gone ORDER BY random ()";

static const char SQL_SECRET_VACUUM[] = "VACUUM secret_choices";

static const char SQL_VOTE_CLOSE[] =
    "UPDATE votes SET status = 'closed', final_counts = $2::int[], closed_by = $3,"
    "  closed_at = now () WHERE id = $1 AND status = 'open'";

//  The start of a ballot: the vote FOR SHARE (see SQL_VOTE_LOCK) and what
//  judging the ballot needs, for the person casting ($2): their part in
//  the meeting, whether they are among the voters; and how many voters
//  there are (fixed while the vote is held).
static const char SQL_CAST_CONTEXT[] =
    "SELECT v.status, v.secret, v.signature_required, array_to_json (v.options), v.meeting_id,"
    " m.chair_id, m.secretary_id,"
    " EXISTS (SELECT 1 FROM invitees i WHERE i.meeting_id = v.meeting_id"
    "         AND (i.user_id = $2::uuid OR i.substitute_user_id = $2::uuid)),"
    " EXISTS (SELECT 1 FROM voters e WHERE e.vote_id = v.id AND e.user_id = $2::uuid),"
    " coalesce ((SELECT c.eligible FROM vote_counts c WHERE c.vote_id = v.id), 0), m.status"
    " FROM votes v LEFT JOIN meetings m ON m.id = v.meeting_id WHERE v.id = $1 FOR SHARE OF v";
enum {
    CC_STATUS,
    CC_SECRET,
    CC_SIGNATURE,
    CC_OPTIONS,
    CC_MEETING,
    CC_CHAIR,
    CC_SECRETARY,
    CC_INVITEE,
    CC_CALLER_ELIGIBLE,
    CC_ELIGIBLE,
    CC_M_STATUS,
};

//  vote_counts (sql/003_vote_counts.sql): set at the opening, and again
//  when remote voters join an open vote; a voter's first ballot counts.
static const char SQL_COUNTS_ELIGIBLE[] =
    "INSERT INTO vote_counts (vote_id, eligible)"
    " SELECT $1, (SELECT count (*) FROM voters WHERE vote_id = $1)"
    " ON CONFLICT (vote_id) DO UPDATE SET eligible = EXCLUDED.eligible";

static const char SQL_COUNTS_VOTED[] =
    "UPDATE vote_counts SET voted = voted + 1 WHERE vote_id = $1 RETURNING voted";

static const char SQL_COUNTS_READ[] = "SELECT voted FROM vote_counts WHERE vote_id = $1";

//  One named ballot per voter: a second cast replaces the first (also when
//  both arrive at once: the key serialises them), unless it is signed no
//  later than the one kept (a replayed or older signed ballot); the voter's
//  first ballot counts in vote_counts. Returns whether a row was replaced
//  (xmax is set on a row an upsert updated) and how many have voted; no row
//  when the ballot was refused.
static const char SQL_BALLOT_UPSERT[] =
    "WITH up AS ("
    "  INSERT INTO ballots (vote_id, voter_id, option_index, signature, signed_at_text, signed_at,"
    "    key_id)"
    "  VALUES ($1, $2, $3::int, $4, $5, to_timestamp ($6::bigint), $7)"
    "  ON CONFLICT (vote_id, voter_id) DO UPDATE SET option_index = EXCLUDED.option_index,"
    "    signature = EXCLUDED.signature, signed_at_text = EXCLUDED.signed_at_text,"
    "    signed_at = EXCLUDED.signed_at, key_id = EXCLUDED.key_id, cast_at = now ()"
    "  WHERE EXCLUDED.signed_at IS NULL OR ballots.signed_at IS NULL"
    "    OR ballots.signed_at < EXCLUDED.signed_at"
    "  RETURNING xmax::text <> '0' AS replaced),"
    " counted AS ("
    "  UPDATE vote_counts SET voted = voted + 1 WHERE vote_id = $1"
    "    AND EXISTS (SELECT 1 FROM up WHERE NOT up.replaced) RETURNING voted)"
    " SELECT up.replaced, coalesce ((SELECT voted FROM counted),"
    "   (SELECT voted FROM vote_counts WHERE vote_id = $1))"
    " FROM up";

//  The start of a batch of named ballots (vote_store_batch_begin): the
//  columns of SQL_CAST_CONTEXT, in its order, for each (vote, voter) pair
//  of the arrays, in their order, each vote FOR SHARE; a pair whose vote
//  does not exist has no row. CB_ITEM: the pair's place (1-based).
static const char SQL_BATCH_CONTEXT[] =
    "WITH r AS (SELECT * FROM unnest ($1::uuid[], $2::uuid[]) WITH ORDINALITY AS r (vote, u, n)),"
    " v AS (SELECT v.id, v.status, v.secret, v.signature_required,"
    "         array_to_json (v.options) AS options, v.meeting_id,"
    "         coalesce ((SELECT c.eligible FROM vote_counts c WHERE c.vote_id = v.id), 0) AS "
    "eligible"
    "       FROM votes v WHERE v.id = ANY ($1::uuid[]) FOR SHARE)"
    //  Each vote once (locked once), each voter by index: scalar subqueries,
    //  which PostgreSQL never turns into a scan of every vote's voters.
    " SELECT v.status, v.secret, v.signature_required, v.options, v.meeting_id,"
    " m.chair_id, m.secretary_id,"
    " coalesce ((SELECT true FROM invitees i WHERE i.user_id = r.u AND i.meeting_id = v.meeting_id"
    "            LIMIT 1),"
    "           (SELECT true FROM invitees i WHERE i.substitute_user_id = r.u"
    "            AND i.meeting_id = v.meeting_id LIMIT 1), false),"
    " coalesce ((SELECT true FROM voters e WHERE e.vote_id = v.id AND e.user_id = r.u), false),"
    " v.eligible, m.status, r.n"
    " FROM r JOIN v ON v.id = r.vote LEFT JOIN meetings m ON m.id = v.meeting_id ORDER BY r.n";
#define CB_ITEM (CC_M_STATUS + 1)

//  Unsigned named ballots of one vote ($1), each voter once ($2, with the
//  option indexes $3): SQL_BALLOT_UPSERT for many rows. Returns each
//  voter's row (in no particular order) with whether it replaced one, and
//  how many have voted once the statement's first ballots are counted.
static const char SQL_BATCH_UPSERT[] =
    "WITH up AS ("
    "  INSERT INTO ballots (vote_id, voter_id, option_index)"
    "  SELECT $1, b.v, b.o FROM unnest ($2::uuid[], $3::int[]) AS b (v, o)"
    "  ON CONFLICT (vote_id, voter_id) DO UPDATE SET option_index = EXCLUDED.option_index,"
    "    signature = NULL, signed_at_text = NULL, signed_at = NULL, key_id = NULL,"
    "    cast_at = now ()"
    "  RETURNING voter_id, xmax::text <> '0' AS replaced),"
    " counted AS ("
    "  UPDATE vote_counts SET voted = voted + (SELECT count (*) FROM up WHERE NOT up.replaced)"
    "  WHERE vote_id = $1 AND EXISTS (SELECT 1 FROM up WHERE NOT up.replaced) RETURNING voted)"
    " SELECT up.voter_id, up.replaced, coalesce ((SELECT voted FROM counted),"
    "   (SELECT voted FROM vote_counts WHERE vote_id = $1))"
    " FROM up";

static const char SQL_PARTICIPATION_INSERT[] =
    "INSERT INTO participation (vote_id, voter_id, last_signed_at)"
    " VALUES ($1, $2, to_timestamp ($3::bigint)) ON CONFLICT DO NOTHING RETURNING 1";

static const char SQL_PARTICIPATION_LOCK[] =
    "SELECT extract (epoch FROM last_signed_at)::bigint FROM participation"
    " WHERE vote_id = $1 AND voter_id = $2 FOR UPDATE";

static const char SQL_PARTICIPATION_SIGNED[] =
    "UPDATE participation SET last_signed_at = to_timestamp ($3::bigint)"
    " WHERE vote_id = $1 AND voter_id = $2";

static const char SQL_CHOICE_INSERT[] =
    "INSERT INTO secret_choices (id, vote_id, option_index, receipt_hash)"
    " VALUES (gen_random_uuid (), $1, $2::int, $3)";

static const char SQL_CHOICE_CHANGE[] =
    "UPDATE secret_choices SET option_index = $3::int WHERE vote_id = $1 AND receipt_hash = $2"
    " RETURNING 1";

static const char SQL_EXPORT[] =
    "SELECT b.voter_id, b.option_index, b.signed_at_text, b.signature, k.public_key,"
    " k.fingerprint FROM ballots b JOIN signing_keys k ON k.id = b.key_id"
    " WHERE b.vote_id = $1 AND b.signature IS NOT NULL ORDER BY b.voter_id";

//  Serialises one person's key registrations, so the count below holds.
static const char SQL_KEYS_LOCK[] = "SELECT pg_advisory_xact_lock (hashtext ('vote-keys:' || $1))";

static const char SQL_KEYS_COUNT[] = "SELECT count (*) FROM signing_keys WHERE user_id = $1";

static const char SQL_KEY_INSERT[] =
    "INSERT INTO signing_keys (id, user_id, public_key, fingerprint, label)"
    " VALUES ($1, $2, $3::bytea, $4, $5) RETURNING f_ts (created_at)";

static const char SQL_KEYS[] =
    "SELECT id, public_key, fingerprint, label, f_ts (created_at) FROM signing_keys"
    " WHERE user_id = $1 ORDER BY created_at, id";

static const char SQL_PUT_MEETING[] =
    "INSERT INTO meetings (id, status, chair_id, secretary_id, source_sequence)"
    " VALUES ($1, $2, $3, $4, $5::bigint)"
    " ON CONFLICT (id) DO UPDATE SET status = EXCLUDED.status, chair_id = EXCLUDED.chair_id,"
    "   secretary_id = EXCLUDED.secretary_id, source_sequence = EXCLUDED.source_sequence,"
    "   updated_at = now ()"
    " WHERE meetings.source_sequence <= EXCLUDED.source_sequence"
    " RETURNING 1";

static const char SQL_INVITEES_TRIM[] =
    "DELETE FROM invitees WHERE meeting_id = $1 AND NOT (id = ANY ($2::uuid[]))"
    " AND source_sequence <= $3::bigint";

static const char SQL_PUT_INVITEE[] =
    "INSERT INTO invitees (id, meeting_id, user_id, response, attendance, substitute_user_id,"
    "  source_sequence)"
    " VALUES ($1, $2, $3, $4, $5, $6, $7::bigint)"
    " ON CONFLICT (id) DO UPDATE SET user_id = EXCLUDED.user_id, response = EXCLUDED.response,"
    "   attendance = EXCLUDED.attendance, substitute_user_id = EXCLUDED.substitute_user_id,"
    "   source_sequence = EXCLUDED.source_sequence, updated_at = now ()"
    " WHERE invitees.meeting_id = EXCLUDED.meeting_id"
    "   AND invitees.source_sequence <= EXCLUDED.source_sequence";

//  The statements of a named ballot, prepared once per connection:
//  planning them cost more than running them, and they only look rows up
//  by their keys (no count, no scan whose plan could go stale as a storm of
//  ballots grows the tables).
#define HOT_CAST_CONTEXT "vote_cast_context"
#define HOT_BALLOT_UPSERT "vote_ballot_upsert"
#define HOT_BATCH_CONTEXT "vote_batch_context"
#define HOT_BATCH_UPSERT "vote_batch_upsert"
static const cab_db_prepared_t s_hot[] = {
    {HOT_CAST_CONTEXT, SQL_CAST_CONTEXT, 2},
    {HOT_BALLOT_UPSERT, SQL_BALLOT_UPSERT, 7},
    {HOT_BATCH_CONTEXT, SQL_BATCH_CONTEXT, 2},
    {HOT_BATCH_UPSERT, SQL_BATCH_UPSERT, 3},
};

/* ---- construction -------------------------------------------------------------------- */

vote_store_t *
vote_store_new (PGconn *db)
{
    if (!db)
        return NULL;
    vote_store_t *self = calloc (1, sizeof *self);
    if (self)
        self->db = db;
    return self;
}

void
vote_store_destroy (vote_store_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    free (*self_p);
    *self_p = NULL;
}

PGconn *
vote_store_db (vote_store_t *self)
{
    return self->db;
}

/* ---- small pieces -------------------------------------------------------------------- */

//  An optional id from an event: a UUID or NULL.
static const char *
s_uuid (const char *s)
{
    return s && cab_uuid_valid (s) ? s : NULL;
}

static cab_status_t
s_fault (vote_fault_t *fault, cab_status_t status, const char *field, const char *message)
{
    vote_fault_set (fault, status, field, "%s", message);
    return status;
}

//  Record the reply of an idempotent request; a twin that committed first
//  makes this one fail with CAB_ABORTED and the busy message.
cab_status_t
vote_store_idem_record (PGconn *db, const cab_idem_t *idem, const ProtobufCMessage *reply,
                        vote_fault_t *fault)
{
    cab_status_t status = cab_idem_record (db, idem, reply);
    if (status == CAB_ABORTED)
        s_fault (fault, status, "Idempotency-Key", CAB_IDEM_MSG_BUSY);
    return status;
}

static char *
s_int_text (cab_arena_t *arena, long long n)
{
    return cab_arena_printf (arena, "%lld", n);
}

//  The tally of counts (one per option, NULL when not visible) into vote.
static void
s_fill_tally (cab_arena_t *arena, Cabinet__V1__Vote *v, const int *counts,
              vote_threshold_t threshold)
{
    v->has_tally_visible = true;
    v->tally_visible = counts != NULL;
    v->has_threshold_met = true;
    v->threshold_met = false;
    if (!counts)
        return;
    vote_result_t *results =
        cab_arena_alloc (arena, (v->n_options ? v->n_options : 1) * sizeof *results);
    vote_tally (counts, v->n_options, v->eligible, v->present, results);
    v->tally = cab_arena_alloc (arena, (v->n_options ? v->n_options : 1) * sizeof *v->tally);
    for (size_t i = 0; i < v->n_options; i++) {
        Cabinet__V1__TallyEntry *t = cab_arena_alloc (arena, sizeof *t);
        cabinet__v1__tally_entry__init (t);
        t->option = v->options[i];
        t->has_count = t->has_percent_of_eligible = t->has_percent_of_present = true;
        t->count = results[i].count;
        t->percent_of_eligible = results[i].percent_of_eligible;
        t->percent_of_present = results[i].percent_of_present;
        v->tally[i] = t;
    }
    v->n_tally = v->n_options;
    v->threshold_met = v->n_options > 0 && vote_threshold_met (threshold, counts[0], v->members);
}

//  Per-option counts from "3,0,1" (n options), in arena; NULL for NULL.
static int *
s_counts (cab_arena_t *arena, const char *text, size_t n)
{
    if (!text)
        return NULL;
    int *counts = cab_arena_alloc (arena, (n ? n : 1) * sizeof *counts);
    const char *p = text;
    for (size_t i = 0; i < n && *p; i++) {
        char *end = NULL;
        counts[i] = (int) strtol (p, &end, 10);
        p = *end == ',' ? end + 1 : end;
    }
    return counts;
}

//  Row of a VOTE_COLUMNS result as a vote_info_t in arena.
static vote_info_t *
s_vote_read (cab_arena_t *arena, const PGresult *res, int row, const char *user_id)
{
    vote_info_t *info = cab_arena_alloc (arena, sizeof *info);
    Cabinet__V1__Vote *v = cab_arena_alloc (arena, sizeof *v);
    cabinet__v1__vote__init (v);
    v->id = cab_db_text (arena, res, row, VC_ID);
    v->meeting_id = cab_db_text (arena, res, row, VC_MEETING);
    v->question = cab_db_text (arena, res, row, VC_QUESTION);
    v->options = cab_db_json_strings (arena, cab_db_value (res, row, VC_OPTIONS), &v->n_options);
    v->has_secret = v->has_signature_required = true;
    v->secret = cab_db_bool (res, row, VC_SECRET);
    v->signature_required = cab_db_bool (res, row, VC_SIGNATURE);
    v->threshold = cab_db_text (arena, res, row, VC_THRESHOLD);
    v->status = cab_db_text (arena, res, row, VC_STATUS);
    v->has_members = v->has_present = v->has_eligible = v->has_voted = true;
    v->members = (int32_t) cab_db_long (res, row, VC_MEMBERS);
    v->present = (int32_t) cab_db_long (res, row, VC_PRESENT);
    v->eligible = (int32_t) cab_db_long (res, row, VC_ELIGIBLE);
    v->voted = (int32_t) cab_db_long (res, row, VC_VOTED);
    v->created_by = cab_db_text (arena, res, row, VC_CREATED_BY);
    v->created_at = cab_db_text (arena, res, row, VC_CREATED_AT);
    v->opened_at = cab_db_text (arena, res, row, VC_OPENED_AT);
    v->closed_at = cab_db_text (arena, res, row, VC_CLOSED_AT);
    v->remote_voter_ids =
        cab_db_split (arena, cab_db_value (res, row, VC_REMOTE), &v->n_remote_voter_ids);
    if (!vote_state_parse (v->status, &info->state))
        info->state = VOTE_DRAFT;
    if (!vote_threshold_parse (v->threshold, &info->threshold))
        info->threshold = VOTE_MAJORITY;
    s_fill_tally (arena, v, s_counts (arena, cab_db_value (res, row, VC_COUNTS), v->n_options),
                  info->threshold);
    if (user_id) {
        v->has_caller_eligible = v->has_caller_voted = true;
        v->caller_eligible = cab_db_bool (res, row, VC_CALLER_ELIGIBLE);
        v->caller_voted = cab_db_bool (res, row, VC_CALLER_VOTED);
        const char *index = cab_db_value (res, row, VC_CALLER_OPTION);
        long i = index ? strtol (index, NULL, 10) : -1;
        if (i >= 0 && (size_t) i < v->n_options)
            v->caller_option = v->options[i];
    }
    info->vote = v;
    info->meeting_status = cab_db_text (arena, res, row, VC_M_STATUS);
    const char *chair = cab_db_value (res, row, VC_M_CHAIR);
    const char *secretary = cab_db_value (res, row, VC_M_SECRETARY);
    info->roles = 0;
    if (cab_same_id (chair, user_id))
        info->roles |= VOTE_ROLE_CHAIR;
    if (cab_same_id (secretary, user_id))
        info->roles |= VOTE_ROLE_SECRETARY;
    if (user_id && cab_db_bool (res, row, VC_M_INVITEE))
        info->roles |= VOTE_ROLE_INVITEE;
    return info;
}

//  Read vote id for user_id on db (inside or outside a transaction).
static cab_status_t
s_vote_get (PGconn *db, cab_arena_t *arena, const char *id, const char *user_id, vote_info_t **info)
{
    const char *params[] = {id, user_id};
    PGresult *res = NULL;
    cab_status_t status = cab_db_query_row (db, SQL_VOTE, 2, params, &res);
    if (status == CAB_OK)
        *info = s_vote_read (arena, res, 0, user_id);
    PQclear (res);
    return status;
}

//  The vote as an event tells it: no caller_* fields.
static Cabinet__V1__Vote *
s_event_vote (cab_arena_t *arena, const Cabinet__V1__Vote *v)
{
    Cabinet__V1__Vote *e = cab_arena_alloc (arena, sizeof *e);
    *e = *v;
    e->has_caller_eligible = e->has_caller_voted = false;
    e->caller_option = NULL;
    return e;
}

//  Publish a VoteEvent of type for the vote.
static cab_status_t
s_emit_vote (PGconn *db, cab_arena_t *arena, const char *type, const Cabinet__V1__Vote *v,
             const char *actor_id)
{
    Cabinet__V1__VoteEvent payload = CABINET__V1__VOTE_EVENT__INIT;
    payload.vote = s_event_vote (arena, v);
    payload.actor_id = (char *) actor_id;
    cab_event_t ev = {
        .type = type,
        .subject = v->id,
        .key = v->meeting_id,
        .payload = &payload.base,
        .actor_id = actor_id,
        .meeting_id = v->meeting_id,
    };
    return cab_outbox_emit (db, &ev);
}

/* ---- meetings ------------------------------------------------------------------------ */

cab_status_t
vote_store_meeting (vote_store_t *self, cab_arena_t *arena, const char *id, const char *user_id,
                    vote_meeting_t **meeting, unsigned *roles)
{
    const char *params[] = {id, user_id};
    PGresult *res = NULL;
    cab_status_t status = cab_db_query_row (self->db, SQL_MEETING, 2, params, &res);
    if (status != CAB_OK)
        return status;
    vote_meeting_t *m = cab_arena_alloc (arena, sizeof *m);
    m->id = cab_db_text (arena, res, 0, 0);
    m->status = cab_db_text (arena, res, 0, 1);
    m->chair_id = cab_db_text (arena, res, 0, 2);
    m->secretary_id = cab_db_text (arena, res, 0, 3);
    *roles = 0;
    if (cab_same_id (m->chair_id, user_id))
        *roles |= VOTE_ROLE_CHAIR;
    if (cab_same_id (m->secretary_id, user_id))
        *roles |= VOTE_ROLE_SECRETARY;
    if (user_id && cab_db_bool (res, 0, 4))
        *roles |= VOTE_ROLE_INVITEE;
    PQclear (res);
    *meeting = m;
    return CAB_OK;
}

static cab_status_t
s_invitees (PGconn *db, cab_arena_t *arena, const char *meeting_id, vote_invitee_t **invitees,
            size_t *n)
{
    const char *params[] = {meeting_id};
    PGresult *res = NULL;
    cab_status_t status = cab_db_exec (db, SQL_INVITEES, 1, params, &res);
    if (status != CAB_OK)
        return status;
    int rows = PQntuples (res);
    vote_invitee_t *list = cab_arena_alloc (arena, (size_t) (rows ? rows : 1) * sizeof *list);
    for (int i = 0; i < rows; i++) {
        list[i].user_id = cab_db_text (arena, res, i, 0);
        list[i].response = cab_db_text (arena, res, i, 1);
        list[i].attendance = cab_db_text (arena, res, i, 2);
        list[i].substitute_user_id = cab_db_text (arena, res, i, 3);
    }
    PQclear (res);
    *invitees = list;
    *n = (size_t) rows;
    return CAB_OK;
}

cab_status_t
vote_store_invitees (vote_store_t *self, cab_arena_t *arena, const char *meeting_id,
                     vote_invitee_t **invitees, size_t *n)
{
    return s_invitees (self->db, arena, meeting_id, invitees, n);
}

/* ---- votes --------------------------------------------------------------------------- */

cab_status_t
vote_store_vote (vote_store_t *self, cab_arena_t *arena, const char *id, const char *user_id,
                 vote_info_t **info)
{
    return s_vote_get (self->db, arena, id, user_id, info);
}

cab_status_t
vote_store_votes (vote_store_t *self, cab_arena_t *arena, const char *meeting_id,
                  const char *user_id, Cabinet__V1__VoteList **list)
{
    const char *params[] = {meeting_id, user_id};
    PGresult *res = NULL;
    cab_status_t status = cab_db_exec (self->db, SQL_VOTES, 2, params, &res);
    if (status != CAB_OK)
        return status;
    int rows = PQntuples (res);
    Cabinet__V1__VoteList *l = cab_arena_alloc (arena, sizeof *l);
    cabinet__v1__vote_list__init (l);
    l->items = cab_arena_alloc (arena, (size_t) (rows ? rows : 1) * sizeof *l->items);
    for (int i = 0; i < rows; i++)
        l->items[l->n_items++] = s_vote_read (arena, res, i, user_id)->vote;
    PQclear (res);
    *list = l;
    return CAB_OK;
}

cab_status_t
vote_store_create (vote_store_t *self, cab_arena_t *arena, const vote_create_in_t *in,
                   const cab_idem_t *idem, vote_fault_t *fault, vote_info_t **info)
{
    PGconn *db = self->db;
    char id[CAB_UUID_LEN + 1];
    cab_uuid_v7 (id);
    cab_status_t status = cab_db_begin (db);
    if (status != CAB_OK)
        return status;
    const char *lock_params[] = {in->meeting_id};
    PGresult *res = NULL;
    if ((status = cab_db_command (db, SQL_MEETING_LOCK, 1, lock_params)) != CAB_OK)
        goto cleanup;
    if ((status = cab_db_query_row (db, SQL_VOTE_COUNT, 1, lock_params, &res)) != CAB_OK)
        goto cleanup;
    if (cab_db_long (res, 0, 0) >= VOTE_PER_MEETING_MAX) {
        vote_fault_set (fault, CAB_FAILED_PRECONDITION, NULL,
                        "Cuộc họp đã có %d biểu quyết, không tạo thêm được", VOTE_PER_MEETING_MAX);
        status = fault->status;
        goto cleanup;
    }
    const char *params[] = {id,
                            in->meeting_id,
                            in->question,
                            cab_db_array (arena, in->options, in->n_options),
                            cab_db_bool_text (in->secret),
                            cab_db_bool_text (in->signature_required),
                            vote_threshold_name (in->threshold),
                            in->actor_id};
    if ((status = cab_db_command (db, SQL_VOTE_INSERT, 8, params)) != CAB_OK)
        goto cleanup;
    if (in->n_remote) {
        const char *remote_params[] = {id, cab_db_array (arena, in->remote, in->n_remote),
                                       in->actor_id};
        if ((status = cab_db_command (db, SQL_REMOTE_INSERT, 3, remote_params)) != CAB_OK)
            goto cleanup;
    }
    if ((status = s_vote_get (db, arena, id, in->actor_id, info)) != CAB_OK)
        goto cleanup;
    if ((status = s_emit_vote (db, arena, "vote.created", (*info)->vote, in->actor_id)) != CAB_OK)
        goto cleanup;
    status = vote_store_idem_record (db, idem, &(*info)->vote->base, fault);
cleanup:
    PQclear (res);
    return cab_db_end (db, status);
}

//  A vote locked for a change of state.
typedef struct {
    vote_state_t state;
    bool secret;
    char *meeting_id;
    char *meeting_status;  //  as the projection knows it
    size_t n_options;
} s_locked_t;

//  Lock vote id for a change of state (FOR UPDATE until the transaction
//  ends).
static cab_status_t
s_vote_lock (PGconn *db, cab_arena_t *arena, const char *id, s_locked_t *locked,
             vote_fault_t *fault)
{
    const char *params[] = {id};
    PGresult *res = NULL;
    cab_status_t status = cab_db_query_row (db, SQL_VOTE_LOCK, 1, params, &res);
    if (status == CAB_NOT_FOUND)
        return s_fault (fault, status, "vote_id", s_not_found);
    if (status != CAB_OK)
        return status;
    if (!vote_state_parse (cab_db_value (res, 0, 0), &locked->state))
        locked->state = VOTE_DRAFT;
    locked->secret = cab_db_bool (res, 0, 1);
    locked->meeting_id = cab_db_text (arena, res, 0, 2);
    locked->meeting_status = cab_db_text (arena, res, 0, 3);
    locked->n_options = (size_t) cab_db_long (res, 0, 4);
    PQclear (res);
    return CAB_OK;
}

//  Insert voters[0..n) of vote id.
static cab_status_t
s_voters_insert (PGconn *db, cab_arena_t *arena, const char *id, const vote_voter_t *voters,
                 size_t n)
{
    if (n == 0)
        return CAB_OK;
    char **users = cab_arena_alloc (arena, n * sizeof *users);
    char **members = cab_arena_alloc (arena, n * sizeof *members);
    char **kinds = cab_arena_alloc (arena, n * sizeof *kinds);
    for (size_t i = 0; i < n; i++) {
        users[i] = (char *) voters[i].user_id;
        members[i] = (char *) voters[i].member_id;
        kinds[i] = (char *) vote_voter_kind_name (voters[i].kind);
    }
    const char *params[] = {id, cab_db_array (arena, users, n), cab_db_array (arena, members, n),
                            cab_db_array (arena, kinds, n)};
    return cab_db_command (db, SQL_VOTERS_INSERT, 4, params);
}

cab_status_t
vote_store_open (vote_store_t *self, cab_arena_t *arena, const char *id, const char *actor_id,
                 const cab_idem_t *idem, vote_fault_t *fault, vote_info_t **info)
{
    PGconn *db = self->db;
    s_locked_t v;
    vote_invitee_t *invitees = NULL;
    size_t n_invitees = 0, n_remote = 0, n_voters = 0;
    char **remote = NULL;
    int members = 0, present = 0;
    cab_status_t status = cab_db_begin (db);
    if (status != CAB_OK)
        return status;
    if ((status = s_vote_lock (db, arena, id, &v, fault)) != CAB_OK)
        goto cleanup;
    vote_may_open (v.state, v.meeting_status, fault);
    if ((status = fault->status) != CAB_OK)
        goto cleanup;
    if ((status = s_invitees (db, arena, v.meeting_id, &invitees, &n_invitees)) != CAB_OK)
        goto cleanup;
    if ((status = cab_db_column (db, arena, SQL_REMOTE_LIST, id, &remote, &n_remote)) != CAB_OK)
        goto cleanup;
    vote_voter_t *voters = cab_arena_alloc (arena, (n_invitees ? n_invitees : 1) * sizeof *voters);
    vote_eligible (invitees, n_invitees, remote, n_remote, voters, &n_voters, &members, &present);
    if ((status = s_voters_insert (db, arena, id, voters, n_voters)) != CAB_OK)
        goto cleanup;
    const char *count_params[] = {id};
    if ((status = cab_db_command (db, SQL_COUNTS_ELIGIBLE, 1, count_params)) != CAB_OK)
        goto cleanup;
    const char *params[] = {id, s_int_text (arena, members), s_int_text (arena, present), actor_id};
    if ((status = cab_db_command (db, SQL_VOTE_OPEN, 4, params)) != CAB_OK)
        goto cleanup;
    if ((status = s_vote_get (db, arena, id, actor_id, info)) != CAB_OK)
        goto cleanup;
    if ((status = s_emit_vote (db, arena, "vote.opened", (*info)->vote, actor_id)) != CAB_OK)
        goto cleanup;
    status = vote_store_idem_record (db, idem, &(*info)->vote->base, fault);
cleanup:
    return cab_db_end (db, status);
}

//  The final counts of vote id (n options) as an int[] literal in arena.
static cab_status_t
s_final_counts (PGconn *db, cab_arena_t *arena, const char *id, bool secret, size_t n,
                char **literal)
{
    const char *params[] = {id};
    PGresult *res = NULL;
    cab_status_t status =
        cab_db_exec (db, secret ? SQL_SECRET_COUNTS : SQL_NAMED_COUNTS, 1, params, &res);
    if (status != CAB_OK)
        return status;
    long long *counts = cab_arena_alloc (arena, (n ? n : 1) * sizeof *counts);
    for (int i = 0; i < PQntuples (res); i++) {
        long long index = cab_db_long (res, i, 0);
        if (index >= 0 && (size_t) index < n)
            counts[index] = cab_db_long (res, i, 1);
    }
    PQclear (res);
    size_t cap = n * NUM_TEXT + 3;
    char *text = cab_arena_alloc (arena, cap);
    size_t used = (size_t) snprintf (text, cap, "{");
    for (size_t i = 0; i < n; i++)
        used += (size_t) snprintf (text + used, cap - used, "%s%lld", i ? "," : "", counts[i]);
    snprintf (text + used, cap - used, "}");
    *literal = text;
    return CAB_OK;
}

cab_status_t
vote_store_close (vote_store_t *self, cab_arena_t *arena, const char *id, const char *actor_id,
                  const cab_idem_t *idem, vote_fault_t *fault, vote_info_t **info)
{
    PGconn *db = self->db;
    s_locked_t v = {.secret = false};
    char *counts = NULL;
    const char *params[] = {id};
    cab_status_t status = cab_db_begin (db);
    if (status != CAB_OK)
        return status;
    if ((status = s_vote_lock (db, arena, id, &v, fault)) != CAB_OK)
        goto cleanup;
    vote_may_close (v.state, fault);
    if ((status = fault->status) != CAB_OK)
        goto cleanup;
    if ((status = s_final_counts (db, arena, id, v.secret, v.n_options, &counts)) != CAB_OK)
        goto cleanup;
    if (v.secret) {
        if ((status = cab_db_command (db, SQL_SECRET_SHUFFLE, 1, params)) != CAB_OK)
            goto cleanup;
        //  Replies recorded for retried ballots hold choices and receipts.
        if ((status = cab_idem_forget (db, id)) != CAB_OK)
            goto cleanup;
    }
    const char *close_params[] = {id, counts, actor_id};
    if ((status = cab_db_command (db, SQL_VOTE_CLOSE, 3, close_params)) != CAB_OK)
        goto cleanup;
    if ((status = s_vote_get (db, arena, id, actor_id, info)) != CAB_OK)
        goto cleanup;
    if ((status = s_emit_vote (db, arena, "vote.closed", (*info)->vote, actor_id)) != CAB_OK)
        goto cleanup;
    status = vote_store_idem_record (db, idem, &(*info)->vote->base, fault);
cleanup:
    status = cab_db_end (db, status);
    //  The versions of the choices written while the vote was open (each
    //  with the transaction of its ballot) are dead now; vacuum removes
    //  them instead of waiting for autovacuum. Not in a transaction.
    if (status == CAB_OK && v.secret && cab_db_command (db, SQL_SECRET_VACUUM, 0, NULL) != CAB_OK)
        cab_warn ("voting: secret_choices could not be vacuumed after closing vote %s", id);
    return status;
}

cab_status_t
vote_store_close_ended (PGconn *db, long *closed)
{
    *closed = 0;
    PGresult *res = NULL;
    cab_status_t status = cab_db_exec (db, SQL_VOTES_OF_ENDED, 0, NULL, &res);
    if (status != CAB_OK)
        return status;
    vote_store_t *store = vote_store_new (db);
    cab_arena_t *arena = cab_arena_new ();
    if (!store || !arena)
        status = CAB_INTERNAL;
    for (int i = 0; status == CAB_OK && i < PQntuples (res); i++) {
        vote_fault_t fault;
        vote_fault_clear (&fault);
        vote_info_t *info = NULL;
        status = vote_store_close (store, arena, PQgetvalue (res, i, 0), NULL, NULL, &fault, &info);
        if (status == CAB_OK)
            (*closed)++;
        else if (fault.status == status)
            status = CAB_OK;  //  closed by its chair meanwhile
    }
    cab_arena_destroy (&arena);
    vote_store_destroy (&store);
    PQclear (res);
    return status;
}

cab_status_t
vote_store_add_remote (vote_store_t *self, cab_arena_t *arena, const char *id,
                       char *const *user_ids, size_t n, const char *actor_id,
                       const cab_idem_t *idem, vote_fault_t *fault, vote_info_t **info)
{
    PGconn *db = self->db;
    s_locked_t v;
    vote_invitee_t *invitees = NULL;
    size_t n_invitees = 0;
    cab_status_t status = cab_db_begin (db);
    if (status != CAB_OK)
        return status;
    if ((status = s_vote_lock (db, arena, id, &v, fault)) != CAB_OK)
        goto cleanup;
    vote_may_add_remote (v.state, fault);
    if ((status = fault->status) != CAB_OK)
        goto cleanup;
    if ((status = s_invitees (db, arena, v.meeting_id, &invitees, &n_invitees)) != CAB_OK)
        goto cleanup;
    vote_voter_t *voters = cab_arena_alloc (arena, (n ? n : 1) * sizeof *voters);
    for (size_t i = 0; i < n; i++) {
        vote_check_remote (invitees, n_invitees, user_ids[i], fault);
        if ((status = fault->status) != CAB_OK)
            goto cleanup;
        voters[i] = (vote_voter_t){user_ids[i], user_ids[i], VOTE_VOTER_REMOTE};
    }
    const char *params[] = {id, cab_db_array (arena, user_ids, n), actor_id};
    if ((status = cab_db_command (db, SQL_REMOTE_INSERT, 3, params)) != CAB_OK)
        goto cleanup;
    //  An open vote's voters are fixed but for these, who join at once.
    if (v.state == VOTE_OPEN
        && ((status = s_voters_insert (db, arena, id, voters, n)) != CAB_OK
            || (status = cab_db_command (db, SQL_COUNTS_ELIGIBLE, 1, params)) != CAB_OK))
        goto cleanup;
    if ((status = s_vote_get (db, arena, id, actor_id, info)) != CAB_OK)
        goto cleanup;
    status = s_emit_vote (db, arena, "vote.remote_voters_added", (*info)->vote, actor_id);
    if (status != CAB_OK)
        goto cleanup;
    status = vote_store_idem_record (db, idem, &(*info)->vote->base, fault);
cleanup:
    return cab_db_end (db, status);
}

/* ---- ballots ------------------------------------------------------------------------- */

//  The reply to ballot in, in arena.
static Cabinet__V1__Ballot *
s_ballot_reply (cab_arena_t *arena, const vote_cast_in_t *in, bool replaced, long long voted,
                char *receipt)
{
    Cabinet__V1__Ballot *b = cab_arena_alloc (arena, sizeof *b);
    cabinet__v1__ballot__init (b);
    b->vote_id = (char *) in->vote_id;
    b->option = (char *) in->option;
    b->has_replaced = b->has_voted = b->has_signed_ = true;
    b->replaced = replaced;
    b->receipt = receipt;
    b->voted = (int32_t) voted;
    b->signed_ = in->signed_;
    b->signed_at = in->signed_ ? (char *) in->signed_at_text : NULL;
    return b;
}

//  ballot.cast for ballot b (in, judged against ctx), its payload in
//  *payload. A secret ballot's event says how many have voted, nothing
//  more: not who (the envelope has no actor either) and never what.
static cab_event_t
s_ballot_event (const vote_cast_ctx_t *ctx, const vote_cast_in_t *in, const Cabinet__V1__Ballot *b,
                Cabinet__V1__BallotEvent *payload)
{
    cabinet__v1__ballot_event__init (payload);
    payload->vote_id = (char *) in->vote_id;
    payload->has_secret = payload->has_voted = payload->has_eligible = payload->has_signed_ = true;
    payload->secret = ctx->secret;
    payload->voted = b->voted;
    payload->eligible = ctx->eligible;
    payload->signed_ = in->signed_;
    if (!ctx->secret) {
        payload->voter_id = (char *) in->voter_id;
        payload->option = (char *) in->option;
        payload->has_replaced = true;
        payload->replaced = b->replaced;
    }
    payload->meeting_id = (char *) ctx->meeting_id;
    return (cab_event_t){
        .type = "ballot.cast",
        .subject = in->vote_id,
        .key = ctx->meeting_id,
        .payload = &payload->base,
        .actor_id = ctx->secret ? NULL : in->voter_id,
        .meeting_id = ctx->meeting_id,
    };
}

//  A named ballot: the upsert, counted when it is the voter's first, in one
//  statement. *replaced tells whether one was replaced.
static cab_status_t
s_cast_named (PGconn *db, cab_arena_t *arena, const vote_cast_in_t *in, vote_fault_t *fault,
              bool *replaced, long long *voted)
{
    const char *params[] = {in->vote_id,
                            in->voter_id,
                            s_int_text (arena, in->option_index),
                            in->signed_ ? in->signature : NULL,
                            in->signed_ ? in->signed_at_text : NULL,
                            in->signed_ ? s_int_text (arena, in->signed_at) : NULL,
                            in->signed_ ? in->key_id : NULL};
    const cab_db_stmt_t stmt[] = {{HOT_BALLOT_UPSERT, NULL, 7, params}};
    PGresult *res = NULL;
    cab_status_t status = cab_db_pipeline (db, stmt, 1, &res);
    if (status != CAB_OK)
        return status;
    if (PQntuples (res) == 0) {
        status = s_fault (fault, CAB_ABORTED, "signed_at",
                          "Phiếu có chữ ký này đã được dùng, hoặc ký trước phiếu đã ghi nhận; "
                          "vui lòng ký lại phiếu mới");
        fault->code = "signature_replayed";
    } else {
        *replaced = cab_db_bool (res, 0, 0);
        *voted = cab_db_long (res, 0, 1);
    }
    PQclear (res);
    return status;
}

//  A secret ballot: participation and choice, apart. A first cast gets a
//  new receipt (*receipt, in arena); a change presents it.
static cab_status_t
s_cast_secret (PGconn *db, cab_arena_t *arena, const vote_cast_in_t *in, vote_fault_t *fault,
               bool *replaced, char **receipt)
{
    const char *signed_at = in->signed_ ? s_int_text (arena, in->signed_at) : NULL;
    const char *index = s_int_text (arena, in->option_index);
    const char *params[] = {in->vote_id, in->voter_id, signed_at};
    PGresult *res = NULL;
    cab_status_t status;
    *replaced = false;
    if (!in->receipt || !*in->receipt) {
        bool first = false;
        if ((status = cab_db_any_row (db, SQL_PARTICIPATION_INSERT, 3, params, &first)) != CAB_OK)
            return status;
        if (!first) {
            status = s_fault (fault, CAB_ABORTED, "receipt",
                              "Bạn đã bỏ phiếu kín cho biểu quyết này; muốn đổi lựa chọn, hãy gửi "
                              "kèm mã biên nhận đã nhận khi bỏ phiếu");
            fault->code = "already_voted";
            return status;
        }
        char *token = cab_arena_alloc (arena, CAB_TOKEN_LEN + 1);
        char hash[CAB_SHA256_HEX + 1];
        if (cab_token_new (token) != 0)
            return CAB_INTERNAL;
        cab_sha256_hex (token, strlen (token), hash);
        const char *choice_params[] = {in->vote_id, index, hash};
        if ((status = cab_db_command (db, SQL_CHOICE_INSERT, 3, choice_params)) == CAB_OK)
            *receipt = token;
        return status;
    }
    //  A change: the voter has voted, signs later than before, and holds
    //  the receipt of a choice of this vote.
    status = cab_db_query_row (db, SQL_PARTICIPATION_LOCK, 2, params, &res);
    if (status == CAB_NOT_FOUND)
        return s_fault (fault, CAB_ABORTED, "receipt",
                        "Bạn chưa bỏ phiếu cho biểu quyết này nên chưa có gì để đổi");
    if (status != CAB_OK)
        return status;
    bool had_signature = !PQgetisnull (res, 0, 0);
    long long last = cab_db_long (res, 0, 0);
    PQclear (res);
    if (in->signed_ && had_signature && in->signed_at <= last) {
        status = s_fault (fault, CAB_ABORTED, "signed_at",
                          "Phiếu có chữ ký này đã được dùng, hoặc ký trước phiếu đã ghi nhận; "
                          "vui lòng ký lại phiếu mới");
        fault->code = "signature_replayed";
        return status;
    }
    if (in->signed_
        && (status = cab_db_command (db, SQL_PARTICIPATION_SIGNED, 3, params)) != CAB_OK)
        return status;
    char hash[CAB_SHA256_HEX + 1];
    cab_sha256_hex (in->receipt, strlen (in->receipt), hash);
    const char *change_params[] = {in->vote_id, hash, index};
    bool changed = false;
    if ((status = cab_db_any_row (db, SQL_CHOICE_CHANGE, 3, change_params, &changed)) != CAB_OK)
        return status;
    if (!changed) {
        status = s_fault (fault, CAB_INVALID_ARGUMENT, "receipt",
                          "Mã biên nhận không đúng với phiếu nào của biểu quyết này");
        fault->code = "receipt_invalid";
        return status;
    }
    *replaced = true;
    return CAB_OK;
}

//  The ballot context of row of r (SQL_CAST_CONTEXT's columns) for
//  user_id's ballot on vote id, in arena.
static vote_cast_ctx_t *
s_cast_ctx (cab_arena_t *arena, const PGresult *r, int row, const char *id, const char *user_id)
{
    vote_cast_ctx_t *c = cab_arena_alloc (arena, sizeof *c);
    c->id = cab_arena_strdup (arena, id);
    c->meeting_id = cab_db_text (arena, r, row, CC_MEETING);
    c->meeting_status = cab_db_text (arena, r, row, CC_M_STATUS);
    if (!vote_state_parse (cab_db_value (r, row, CC_STATUS), &c->state))
        c->state = VOTE_DRAFT;
    c->secret = cab_db_bool (r, row, CC_SECRET);
    c->signature_required = cab_db_bool (r, row, CC_SIGNATURE);
    c->options = cab_db_json_strings (arena, cab_db_value (r, row, CC_OPTIONS), &c->n_options);
    c->roles = 0;
    if (cab_same_id (cab_db_value (r, row, CC_CHAIR), user_id))
        c->roles |= VOTE_ROLE_CHAIR;
    if (cab_same_id (cab_db_value (r, row, CC_SECRETARY), user_id))
        c->roles |= VOTE_ROLE_SECRETARY;
    if (user_id && cab_db_bool (r, row, CC_INVITEE))
        c->roles |= VOTE_ROLE_INVITEE;
    c->caller_eligible = cab_db_bool (r, row, CC_CALLER_ELIGIBLE);
    c->eligible = (int) cab_db_long (r, row, CC_ELIGIBLE);
    return c;
}

cab_status_t
vote_store_cast_begin (vote_store_t *self, cab_arena_t *arena, const char *id, const char *user_id,
                       vote_cast_ctx_t **ctx)
{
    PGconn *db = self->db;
    cab_status_t status =
        cab_db_prepare (db, s_hot, sizeof s_hot / sizeof s_hot[0], &self->prepared);
    if (status != CAB_OK)
        return status;
    const char *params[] = {id, user_id};
    const cab_db_stmt_t stmts[] = {{NULL, "BEGIN", 0, NULL}, {HOT_CAST_CONTEXT, NULL, 2, params}};
    PGresult *res[2] = {NULL, NULL};
    status = cab_db_pipeline (db, stmts, 2, res);
    if (status == CAB_OK && PQntuples (res[1]) == 0)
        status = CAB_NOT_FOUND;
    if (status == CAB_OK)
        *ctx = s_cast_ctx (arena, res[1], 0, id, user_id);
    PQclear (res[0]);
    PQclear (res[1]);
    if (status != CAB_OK)
        cab_db_rollback (db);
    return status;
}

void
vote_store_cast_abort (vote_store_t *self)
{
    cab_db_rollback (self->db);
}

cab_status_t
vote_store_cast (vote_store_t *self, cab_arena_t *arena, const vote_cast_ctx_t *ctx,
                 const vote_cast_in_t *in, const cab_idem_t *idem, vote_fault_t *fault,
                 Cabinet__V1__Ballot **ballot)
{
    PGconn *db = self->db;
    PGresult *res = NULL;
    bool replaced = false;
    long long voted = 0;
    char *receipt = NULL;
    cab_status_t status;
    if (ctx->secret) {
        status = s_cast_secret (db, arena, in, fault, &replaced, &receipt);
        //  A voter's first secret ballot counts; a change does not.
        const char *params[] = {in->vote_id};
        if (status == CAB_OK
            && (status = cab_db_query_row (db, replaced ? SQL_COUNTS_READ : SQL_COUNTS_VOTED, 1,
                                           params, &res))
                   == CAB_OK)
            voted = cab_db_long (res, 0, 0);
        PQclear (res);
    } else
        status = s_cast_named (db, arena, in, fault, &replaced, &voted);
    if (status != CAB_OK)
        goto cleanup;
    Cabinet__V1__Ballot *b = s_ballot_reply (arena, in, replaced, voted, receipt);

    //  A secret ballot's recorded reply (choice, receipt) goes with the
    //  vote's closing.
    cab_idem_t scoped;
    if (idem && ctx->secret) {
        scoped = *idem;
        scoped.scope = in->vote_id;
        idem = &scoped;
    }
    if ((status = vote_store_idem_record (db, idem, &b->base, fault)) != CAB_OK)
        goto cleanup;

    Cabinet__V1__BallotEvent payload;
    cab_event_t ev = s_ballot_event (ctx, in, b, &payload);
    //  Last, after every row it describes, and with the COMMIT (one round trip).
    if ((status = cab_outbox_emit_commit (db, &ev)) == CAB_OK)
        *ballot = b;
cleanup:
    if (status != CAB_OK)
        cab_db_rollback (db);
    return status;
}

/* ---- ballots written together (group commit) ----------------------------------------- */

cab_status_t
vote_store_batch_begin (vote_store_t *self, size_t n, const char *const *vote_ids,
                        const char *const *voter_ids, cab_arena_t *const *arenas,
                        vote_cast_ctx_t **ctxs)
{
    PGconn *db = self->db;
    cab_status_t status =
        cab_db_prepare (db, s_hot, sizeof s_hot / sizeof s_hot[0], &self->prepared);
    if (status != CAB_OK)
        return status;
    cab_arena_t *arena = cab_arena_new ();
    if (!arena)
        return CAB_INTERNAL;
    const char *params[] = {cab_db_array (arena, (char *const *) vote_ids, n),
                            cab_db_array (arena, (char *const *) voter_ids, n)};
    const cab_db_stmt_t stmts[] = {{NULL, "BEGIN", 0, NULL}, {HOT_BATCH_CONTEXT, NULL, 2, params}};
    PGresult *res[2] = {NULL, NULL};
    status = cab_db_pipeline (db, stmts, 2, res);
    cab_arena_destroy (&arena);
    for (size_t i = 0; i < n; i++)
        ctxs[i] = NULL;
    for (int row = 0; status == CAB_OK && row < PQntuples (res[1]); row++) {
        long long item = cab_db_long (res[1], row, CB_ITEM) - 1;
        if (item >= 0 && (size_t) item < n)
            ctxs[item] = s_cast_ctx (arenas[item], res[1], row, vote_ids[item], voter_ids[item]);
    }
    PQclear (res[0]);
    PQclear (res[1]);
    if (status != CAB_OK)
        cab_db_rollback (db);
    return status;
}

//  One upsert of a batch: the ballots of one vote, each voter once.
typedef struct {
    const char *vote_id;
    size_t *items;  //  indexes into the batch, in its order
    size_t n;
} s_upsert_t;

//  Split ballots[0..n) into upserts: per vote, the first ballot of each
//  voter in the first, a voter's second in the next, and so on (a
//  statement cannot change a row twice), in order. Returns how many, in
//  *ups (arena).
static size_t
s_upserts (cab_arena_t *arena, const vote_batch_ballot_t *ballots, size_t n, s_upsert_t **ups)
{
    size_t *round = cab_arena_alloc (arena, n * sizeof *round);
    size_t rounds = 0;
    for (size_t i = 0; i < n; i++) {
        round[i] = 0;
        for (size_t j = 0; j < i; j++)
            if (strcmp (ballots[j].in->vote_id, ballots[i].in->vote_id) == 0
                && strcmp (ballots[j].in->voter_id, ballots[i].in->voter_id) == 0)
                round[i] = round[j] + 1;
        if (round[i] + 1 > rounds)
            rounds = round[i] + 1;
    }
    s_upsert_t *list = cab_arena_alloc (arena, n * sizeof *list);
    size_t count = 0;
    for (size_t r = 0; r < rounds; r++) {
        size_t first = count;  //  the round's upserts
        for (size_t i = 0; i < n; i++) {
            if (round[i] != r)
                continue;
            size_t u = first;
            while (u < count && strcmp (list[u].vote_id, ballots[i].in->vote_id) != 0)
                u++;
            if (u == count)
                list[count++] = (s_upsert_t){.vote_id = ballots[i].in->vote_id,
                                             .items = cab_arena_alloc (arena, n * sizeof (size_t))};
            list[u].items[list[u].n++] = i;
        }
    }
    *ups = list;
    return count;
}

cab_status_t
vote_store_batch_cast (vote_store_t *self, vote_batch_ballot_t *ballots, size_t n)
{
    PGconn *db = self->db;
    cab_arena_t *arena = cab_arena_new ();
    if (!arena) {
        cab_db_rollback (db);
        return CAB_INTERNAL;
    }
    s_upsert_t *ups = NULL;
    size_t n_ups = s_upserts (arena, ballots, n, &ups);
    cab_db_stmt_t *stmts = cab_arena_alloc (arena, (n_ups ? n_ups : 1) * sizeof *stmts);
    for (size_t u = 0; u < n_ups; u++) {
        char **voters = cab_arena_alloc (arena, ups[u].n * sizeof *voters);
        char **options = cab_arena_alloc (arena, ups[u].n * sizeof *options);
        for (size_t k = 0; k < ups[u].n; k++) {
            const vote_cast_in_t *in = ballots[ups[u].items[k]].in;
            voters[k] = (char *) in->voter_id;
            options[k] = s_int_text (arena, in->option_index);
        }
        const char **params = cab_arena_alloc (arena, 3 * sizeof *params);
        params[0] = ups[u].vote_id;
        params[1] = cab_db_array (arena, voters, ups[u].n);
        params[2] = cab_db_array (arena, options, ups[u].n);
        stmts[u] = (cab_db_stmt_t){HOT_BATCH_UPSERT, NULL, 3, params};
    }
    PGresult **res = cab_arena_alloc (arena, (n_ups ? n_ups : 1) * sizeof *res);
    cab_status_t status = n_ups ? cab_db_pipeline (db, stmts, (int) n_ups, res) : CAB_OK;
    for (size_t u = 0; status == CAB_OK && u < n_ups; u++) {
        //  How many had voted before: the count after, less the first
        //  ballots of this statement; then each ballot in order.
        const PGresult *r = res[u];
        long long voted = PQntuples (r) ? cab_db_long (r, 0, 2) : 0;
        for (int row = 0; row < PQntuples (r); row++)
            voted -= !cab_db_bool (r, row, 1);
        for (size_t k = 0; k < ups[u].n; k++) {
            vote_batch_ballot_t *b = &ballots[ups[u].items[k]];
            bool replaced = false, found = false;
            for (int row = 0; row < PQntuples (r) && !found; row++)
                if (cab_same_id (cab_db_value (r, row, 0), b->in->voter_id)) {
                    found = true;
                    replaced = cab_db_bool (r, row, 1);
                }
            if (!found) {
                cab_error ("voting: the batch upsert returned no row for a ballot");
                status = CAB_INTERNAL;
                break;
            }
            voted += !replaced;
            b->ballot = s_ballot_reply (b->arena, b->in, replaced, voted, NULL);
        }
    }
    for (size_t u = 0; u < n_ups; u++)  //  NULL where the pipeline failed (zeroed by the arena)
        PQclear (res[u]);
    if (status == CAB_OK) {
        cab_event_t *evs = cab_arena_alloc (arena, (n ? n : 1) * sizeof *evs);
        Cabinet__V1__BallotEvent *payloads =
            cab_arena_alloc (arena, (n ? n : 1) * sizeof *payloads);
        for (size_t i = 0; i < n; i++)
            evs[i] =
                s_ballot_event (ballots[i].ctx, ballots[i].in, ballots[i].ballot, &payloads[i]);
        //  Last, after every row they describe, and with the COMMIT.
        status = cab_outbox_emit_all_commit (db, evs, n);
    }
    if (status != CAB_OK) {
        cab_db_rollback (db);
        for (size_t i = 0; i < n; i++)
            ballots[i].ballot = NULL;
    }
    cab_arena_destroy (&arena);
    return status;
}

cab_status_t
vote_store_export (vote_store_t *self, cab_arena_t *arena, const vote_info_t *info,
                   Cabinet__V1__BallotExport **export)
{
    const Cabinet__V1__Vote *v = info->vote;
    const char *params[] = {v->id};
    PGresult *res = NULL;
    cab_status_t status = cab_db_exec (self->db, SQL_EXPORT, 1, params, &res);
    if (status != CAB_OK)
        return status;
    int rows = PQntuples (res);
    Cabinet__V1__BallotExport *e = cab_arena_alloc (arena, sizeof *e);
    cabinet__v1__ballot_export__init (e);
    e->format = VOTE_CANONICAL_PREFIX;
    e->vote = s_event_vote (arena, v);
    e->ballots = cab_arena_alloc (arena, (size_t) (rows ? rows : 1) * sizeof *e->ballots);
    for (int i = 0; i < rows; i++) {
        long long index = cab_db_long (res, i, 1);
        if (index < 0 || (size_t) index >= v->n_options)
            continue;
        Cabinet__V1__SignedBallot *b = cab_arena_alloc (arena, sizeof *b);
        cabinet__v1__signed_ballot__init (b);
        b->voter_id = cab_db_text (arena, res, i, 0);
        b->option = v->options[index];
        b->signed_at = cab_db_text (arena, res, i, 2);
        b->signature = cab_db_text (arena, res, i, 3);
        size_t len = vote_canonical (NULL, 0, v->id, b->option, b->voter_id, b->signed_at);
        b->canonical = cab_arena_alloc (arena, len + 1);
        vote_canonical (b->canonical, len + 1, v->id, b->option, b->voter_id, b->signed_at);
        size_t der_len = 0;
        unsigned char *der =
            PQunescapeBytea ((const unsigned char *) PQgetvalue (res, i, 4), &der_len);
        if (!der) {
            PQclear (res);
            return CAB_INTERNAL;
        }
        b->public_key = cab_arena_alloc (arena, 4 * ((der_len + 2) / 3) + 1);
        vote_base64_encode (der, der_len, b->public_key);
        PQfreemem (der);
        b->key_fingerprint = cab_db_text (arena, res, i, 5);
        e->ballots[e->n_ballots++] = b;
    }
    PQclear (res);
    *export = e;
    return CAB_OK;
}

/* ---- signing keys -------------------------------------------------------------------- */

static Cabinet__V1__SigningKey *
s_key_new (cab_arena_t *arena, const char *id, const unsigned char *der, size_t der_len,
           const char *fingerprint, const char *label, const char *created_at)
{
    Cabinet__V1__SigningKey *k = cab_arena_alloc (arena, sizeof *k);
    cabinet__v1__signing_key__init (k);
    k->id = cab_arena_strdup (arena, id);
    k->algorithm = VOTE_ALGORITHM;
    k->fingerprint = cab_arena_strdup (arena, fingerprint);
    k->public_key = cab_arena_alloc (arena, 4 * ((der_len + 2) / 3) + 1);
    vote_base64_encode (der, der_len, k->public_key);
    k->label = cab_arena_strdup (arena, label);
    k->created_at = cab_arena_strdup (arena, created_at);
    return k;
}

cab_status_t
vote_store_key_add (vote_store_t *self, cab_arena_t *arena, const char *user_id,
                    const unsigned char *der, size_t der_len, const char *label,
                    const cab_idem_t *idem, vote_fault_t *fault, Cabinet__V1__SigningKey **key)
{
    PGconn *db = self->db;
    char id[CAB_UUID_LEN + 1];
    cab_uuid_v7 (id);
    char fingerprint[CAB_SHA256_HEX + 1];
    cab_sha256_hex (der, der_len, fingerprint);
    const char *user_params[] = {user_id};
    PGresult *res = NULL;
    cab_status_t status = cab_db_begin (db);
    if (status != CAB_OK)
        return status;
    if ((status = cab_db_command (db, SQL_KEYS_LOCK, 1, user_params)) != CAB_OK)
        goto cleanup;
    if ((status = cab_db_query_row (db, SQL_KEYS_COUNT, 1, user_params, &res)) != CAB_OK)
        goto cleanup;
    bool full = cab_db_long (res, 0, 0) >= VOTE_KEYS_MAX;
    PQclear (res);
    res = NULL;
    if (full) {
        vote_fault_set (fault, CAB_FAILED_PRECONDITION, "public_key",
                        "Mỗi người đăng ký tối đa %d khóa ký số", VOTE_KEYS_MAX);
        status = fault->status;
        goto cleanup;
    }
    const char *params[] = {id, user_id, cab_db_bytea (arena, der, der_len), fingerprint,
                            cab_db_opt (label)};
    status = cab_db_query_row (db, SQL_KEY_INSERT, 5, params, &res);
    if (status == CAB_ALREADY_EXISTS) {
        s_fault (fault, status, "public_key", "Khóa công khai này đã được đăng ký");
        goto cleanup;
    }
    if (status != CAB_OK)
        goto cleanup;
    *key = s_key_new (arena, id, der, der_len, fingerprint, cab_db_opt (label),
                      PQgetvalue (res, 0, 0));
    cab_event_t ev = {
        .type = "signing_key.registered",
        .subject = user_id,
        .payload = &(*key)->base,
        .actor_id = user_id,
    };
    if ((status = cab_outbox_emit (db, &ev)) != CAB_OK)
        goto cleanup;
    status = vote_store_idem_record (db, idem, &(*key)->base, fault);
cleanup:
    PQclear (res);
    return cab_db_end (db, status);
}

cab_status_t
vote_store_keys (vote_store_t *self, cab_arena_t *arena, const char *user_id,
                 Cabinet__V1__SigningKeyList **list)
{
    size_t n = 0;
    const char *params[] = {user_id};
    PGresult *res = NULL;
    cab_status_t status = cab_db_exec (self->db, SQL_KEYS, 1, params, &res);
    if (status != CAB_OK)
        return status;
    int rows = PQntuples (res);
    Cabinet__V1__SigningKeyList *l = cab_arena_alloc (arena, sizeof *l);
    cabinet__v1__signing_key_list__init (l);
    l->items = cab_arena_alloc (arena, (size_t) (rows ? rows : 1) * sizeof *l->items);
    for (int i = 0; i < rows; i++) {
        size_t der_len = 0;
        unsigned char *der =
            PQunescapeBytea ((const unsigned char *) PQgetvalue (res, i, 1), &der_len);
        if (!der)
            continue;
        l->items[n++] =
            s_key_new (arena, PQgetvalue (res, i, 0), der, der_len, PQgetvalue (res, i, 2),
                       cab_db_value (res, i, 3), PQgetvalue (res, i, 4));
        PQfreemem (der);
    }
    l->n_items = n;
    PQclear (res);
    *list = l;
    return CAB_OK;
}

cab_status_t
vote_store_key_ders (vote_store_t *self, cab_arena_t *arena, const char *user_id, vote_key_t **keys,
                     size_t *n)
{
    const char *params[] = {user_id};
    PGresult *res = NULL;
    cab_status_t status = cab_db_exec (self->db, SQL_KEYS, 1, params, &res);
    if (status != CAB_OK)
        return status;
    int rows = PQntuples (res);
    vote_key_t *list = cab_arena_alloc (arena, (size_t) (rows ? rows : 1) * sizeof *list);
    *n = 0;
    for (int i = 0; i < rows; i++) {
        size_t der_len = 0;
        unsigned char *der =
            PQunescapeBytea ((const unsigned char *) PQgetvalue (res, i, 1), &der_len);
        if (!der)
            continue;
        vote_key_t *k = &list[(*n)++];
        k->id = cab_db_text (arena, res, i, 0);
        k->der = cab_arena_alloc (arena, der_len ? der_len : 1);
        memcpy (k->der, der, der_len);
        k->der_len = der_len;
        PQfreemem (der);
    }
    PQclear (res);
    *keys = list;
    return CAB_OK;
}

/* ---- projection writes --------------------------------------------------------------- */

cab_status_t
vote_store_put_meeting (PGconn *db, const Cabinet__V1__MeetingSummary *m, uint64_t sequence,
                        bool *applied)
{
    char seq[NUM_TEXT];
    snprintf (seq, sizeof seq, "%" PRIu64, sequence);
    const char *params[] = {m->id, m->status, s_uuid (m->chair_id), s_uuid (m->secretary_id), seq};
    return cab_db_any_row (db, SQL_PUT_MEETING, 5, params, applied);
}

//  Attendance as the projection keeps it: a known value or NULL.
static const char *
s_attendance (const char *a)
{
    static const char *const known[] = {"present", "absent", "substitute"};
    for (size_t i = 0; a && i < sizeof known / sizeof known[0]; i++)
        if (strcmp (a, known[i]) == 0)
            return known[i];
    return NULL;
}

cab_status_t
vote_store_put_invitees (PGconn *db, const char *meeting_id, Cabinet__V1__Participant *const *items,
                         size_t n, bool replace, uint64_t sequence)
{
    cab_arena_t *arena = cab_arena_new ();
    if (!arena)
        return CAB_INTERNAL;
    char seq[NUM_TEXT];
    snprintf (seq, sizeof seq, "%" PRIu64, sequence);
    cab_status_t status = CAB_OK;
    if (replace) {
        char **ids = cab_arena_alloc (arena, (n ? n : 1) * sizeof *ids);
        size_t k = 0;
        for (size_t i = 0; i < n; i++)
            if (s_uuid (items[i]->id) && items[i]->kind && strcmp (items[i]->kind, "user") == 0)
                ids[k++] = items[i]->id;
        const char *params[] = {meeting_id, cab_db_array (arena, ids, k), seq};
        status = cab_db_command (db, SQL_INVITEES_TRIM, 3, params);
    }
    for (size_t i = 0; status == CAB_OK && i < n; i++) {
        const Cabinet__V1__Participant *p = items[i];
        if (!s_uuid (p->id) || !p->kind || strcmp (p->kind, "user") != 0 || !s_uuid (p->user_id))
            continue;
        const char *params[] = {p->id,
                                meeting_id,
                                p->user_id,
                                cab_db_opt (p->response),
                                s_attendance (p->attendance),
                                s_uuid (p->substitute_user_id),
                                seq};
        status = cab_db_command (db, SQL_PUT_INVITEE, 7, params);
    }
    cab_arena_destroy (&arena);
    return status;
}

cab_status_t
vote_store_expire_idem (PGconn *db, int max_age_s, long *deleted)
{
    return cab_idem_expire (db, max_age_s, deleted);
}
