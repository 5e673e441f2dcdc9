/*  docs_store - the documents service's PostgreSQL: every SQL statement of
    the service is here, as a named constant, always parameterised; each
    change runs in one transaction with its outbox events.  */
#include "store.h"
#include "cab_db.h"
#include "cab_log.h"
#include "cab_outbox.h"
#include "cab_uuid.h"
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct _docs_store_t {
    PGconn *db;  //  borrowed
};

#define NUM_TEXT 24
#define FILENAME_TEXT 128

static const char s_changed_meanwhile[] =
    "Tài liệu vừa được người khác thay đổi. Vui lòng tải lại và thử lại.";

/* ---- SQL ------------------------------------------------------------------------------- */

//  One advisory lock per stored object: an upload naming an object and a
//  purge removing it never interleave.
static const char SQL_OBJECT_LOCK[] =
    "SELECT pg_advisory_xact_lock (hashtext ('docs-object:' || $1))";

static const char SQL_OBJECT_USED[] = "SELECT 1 FROM documents WHERE sha256 = $1 LIMIT 1";

static const char SQL_PERSON[] =
    "SELECT id, unit_id, node_id, full_name, active FROM users WHERE id = $1";

static const char SQL_DOC_TYPE[] = "SELECT name FROM doc_types WHERE id = $1";

//  $2: the person asking.
static const char SQL_MEETING[] =
    "SELECT m.id, m.title, m.created_by, m.host_unit_id, m.chair_id, m.secretary_id,"
    " m.approver_id, m.status, m.published,"
    " EXISTS (SELECT 1 FROM participants p WHERE p.meeting_id = m.id AND p.kind = 'user'"
    "         AND (p.user_id = $2::uuid OR p.substitute_user_id = $2::uuid)),"
    " coalesce (extract (epoch FROM greatest (m.end_at, m.ended_at))::bigint, 0), m.secret"
    " FROM meetings m WHERE m.id = $1";

static const char SQL_UPLOADS_OPEN[] =
    "SELECT count (*) FROM uploads WHERE caller_id = $1 AND state <> 'done'";

static const char SQL_UPLOAD_INSERT[] =
    "INSERT INTO uploads (id, caller_id, caller_unit_id, meeting_id, library, title,"
    "                     title_encoding, doc_type_id, classification, access_user_ids,"
    "                     original_name, declared_size)"
    " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10::uuid[], $11, $12::bigint)";

#define UPLOAD_COLUMNS                                                                             \
    "id, caller_id, caller_unit_id, meeting_id, library, title, title_encoding, doc_type_id,"      \
    " classification, array_to_string (access_user_ids, ','), original_name, declared_size,"       \
    " received, state, document_id"
enum {
    UC_ID,
    UC_CALLER,
    UC_CALLER_UNIT,
    UC_MEETING,
    UC_LIBRARY,
    UC_TITLE,
    UC_TITLE_ENCODING,
    UC_DOC_TYPE,
    UC_CLASS,
    UC_ACCESS,
    UC_ORIGINAL,
    UC_DECLARED,
    UC_RECEIVED,
    UC_STATE,
    UC_DOCUMENT,
};

static const char SQL_UPLOAD_LOCK[] =
    "SELECT " UPLOAD_COLUMNS " FROM uploads WHERE id = $1 FOR UPDATE";

static const char SQL_UPLOAD_GET[] = "SELECT " UPLOAD_COLUMNS " FROM uploads WHERE id = $1";

static const char SQL_UPLOAD_ADVANCE[] =
    "UPDATE uploads SET received = $2::bigint, updated_at = now () WHERE id = $1";

static const char SQL_UPLOAD_CLAIM[] =
    "UPDATE uploads SET state = 'finishing', updated_at = now ()"
    " WHERE id = $1 AND state = 'open' RETURNING " UPLOAD_COLUMNS;

static const char SQL_UPLOAD_REOPEN[] =
    "UPDATE uploads SET state = 'open', updated_at = now () WHERE id = $1 AND state = 'finishing'";

static const char SQL_UPLOAD_DONE[] =
    "UPDATE uploads SET state = 'done', document_id = $2, updated_at = now ()"
    " WHERE id = $1 AND state = 'finishing'";

static const char SQL_UPLOAD_DELETE[] = "DELETE FROM uploads WHERE id = $1";

static const char SQL_UPLOADS_EXPIRE[] =
    "DELETE FROM uploads WHERE updated_at < now () - make_interval (secs => $1::int)"
    " RETURNING id, state";

//  Everything about a document, and for the person asking ($1) the facts
//  of its access rules.
#define DOC_COLUMNS                                                                                \
    "d.id, d.title, d.mime_type, d.size, d.sha256, d.pages, d.pages_note, d.status,"               \
    " d.classification, d.meeting_id, d.doc_type_id, d.uploaded_by, f_ts (d.created_at),"          \
    " d.text_encoding, d.library, d.file_type, d.uploader_unit_id, t.name, d.approved_by,"         \
    " f_ts (d.approved_at), d.reject_reason, d.original_name, f_ts (d.reviewed_at),"               \
    " d.sig_signed, d.sig_intact, d.sig_trusted, d.sig_whole, d.sig_count, d.sig_signer,"          \
    " d.sig_issuer, f_ts (d.sig_signed_at), d.sig_reason,"                                         \
    " m.created_by, m.host_unit_id, m.chair_id, m.secretary_id, m.approver_id,"                    \
    " coalesce (m.published, false), m.status,"                                                    \
    " EXISTS (SELECT 1 FROM participants p WHERE p.meeting_id = d.meeting_id"                      \
    "         AND p.kind = 'user' AND (p.user_id = $1::uuid OR p.substitute_user_id = $1::uuid))," \
    " EXISTS (SELECT 1 FROM document_access a WHERE a.document_id = d.id"                          \
    "         AND a.user_id = $1::uuid),"                                                          \
    " EXISTS (SELECT 1 FROM library_entries l WHERE l.document_id = d.id AND l.kind = 'shared'),"  \
    " EXISTS (SELECT 1 FROM poll_access g WHERE g.document_id = d.id AND g.user_id = $1::uuid),"   \
    " d.duration_seconds"
enum {
    DC_ID,
    DC_TITLE,
    DC_MIME,
    DC_SIZE,
    DC_SHA256,
    DC_PAGES,
    DC_PAGES_NOTE,
    DC_STATUS,
    DC_CLASS,
    DC_MEETING,
    DC_DOC_TYPE,
    DC_UPLOADED_BY,
    DC_CREATED_AT,
    DC_TEXT_ENCODING,
    DC_LIBRARY,
    DC_FILE_TYPE,
    DC_UPLOADER_UNIT,
    DC_DOC_TYPE_NAME,
    DC_APPROVED_BY,
    DC_APPROVED_AT,
    DC_REJECT_REASON,
    DC_ORIGINAL,
    DC_REVIEWED_AT,
    DC_SIG_SIGNED,
    DC_SIG_INTACT,
    DC_SIG_TRUSTED,
    DC_SIG_WHOLE,
    DC_SIG_COUNT,
    DC_SIG_SIGNER,
    DC_SIG_ISSUER,
    DC_SIG_SIGNED_AT,
    DC_SIG_REASON,
    DC_M_CREATED_BY,
    DC_M_HOST_UNIT,
    DC_M_CHAIR,
    DC_M_SECRETARY,
    DC_M_APPROVER,
    DC_M_PUBLISHED,
    DC_M_STATUS,
    DC_INVITEE,
    DC_LISTED,
    DC_SHARED,
    DC_POLL,
    DC_DURATION,
};

#define DOC_FROM                                                                                   \
    " FROM documents d LEFT JOIN meetings m ON m.id = d.meeting_id"                                \
    " LEFT JOIN doc_types t ON t.id = d.doc_type_id"

static const char SQL_DOCUMENT[] = "SELECT " DOC_COLUMNS DOC_FROM " WHERE d.id = $2";

static const char SQL_DOCUMENT_INSERT[] =
    "INSERT INTO documents (id, meeting_id, library, title, original_name, file_type, mime_type,"
    "  size, sha256, pages, pages_note, status, classification, doc_type_id, uploaded_by,"
    "  uploader_unit_id, text_encoding, sig_signed, sig_intact, sig_trusted, sig_whole, sig_count,"
    "  sig_signer, sig_issuer, sig_signed_at, sig_reason, approved_by, approved_at, reviewed_at,"
    "  duration_seconds)"
    " VALUES ($1, $2, $3, $4, $5, $6, $7, $8::bigint, $9, $10::int, $11, $12, $13, $14, $15, $16,"
    "  $17, $18::bool, $19::bool, $20::bool, $21::bool, $22::int, $23, $24, $25::timestamptz, $26,"
    "  $27, CASE WHEN $27::uuid IS NULL THEN NULL ELSE now () END,"
    "  CASE WHEN $27::uuid IS NULL THEN NULL ELSE now () END, $28::int)";

static const char SQL_TEXT_INSERT[] =
    "INSERT INTO document_text (document_id, title, body) VALUES ($1, $2, $3)";

static const char SQL_ACCESS_INSERT[] =
    "INSERT INTO document_access (document_id, user_id) SELECT $1, unnest ($2::uuid[])"
    " ON CONFLICT DO NOTHING";

static const char SQL_ACCESS_LIST[] =
    "SELECT user_id FROM document_access WHERE document_id = $1 ORDER BY user_id";

//  Who may read secret document $1 once approved (docs_may_view): its
//  access list, its uploader and its meeting's reviewers (chair, approver).
static const char SQL_SECRET_READERS[] =
    "SELECT user_id FROM document_access WHERE document_id = $1"
    " UNION SELECT r FROM documents d LEFT JOIN meetings m ON m.id = d.meeting_id,"
    "   unnest (ARRAY[d.uploaded_by, m.chair_id, m.approver_id]) AS r"
    "  WHERE d.id = $1 AND r IS NOT NULL ORDER BY 1";

static const char SQL_LIBRARY_INSERT[] =
    "INSERT INTO library_entries (document_id, kind, owner_id, added_by)"
    " VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING RETURNING 1";

static const char SQL_LIBRARY_DELETE[] =
    "DELETE FROM library_entries WHERE document_id = $1 AND kind = $2"
    " AND owner_id IS NOT DISTINCT FROM $3::uuid RETURNING 1";

//  $1 the person asking, $2 kind, $3 owner (NULL: shared), $4 offset, $5 limit.
static const char SQL_LIBRARY_LIST[] =
    "SELECT " DOC_COLUMNS DOC_FROM " JOIN library_entries e ON e.document_id = d.id"
    " WHERE e.kind = $2 AND e.owner_id IS NOT DISTINCT FROM $3::uuid"
    " ORDER BY e.added_at DESC, d.id DESC OFFSET $4::int LIMIT $5::int";

//  The search: $1 the person asking; $2 query; $3 meeting; $4 document
//  type; $5 uploader's agency; $6, $7 period; $8 library; $9 system admin;
//  $10 clerk; $11 their agency; $12 offset; $13 limit. The last condition
//  narrows to what the person may possibly read (rules.c decides): its
//  subqueries do not depend on the row, so each runs once per search (a
//  hashed set) instead of once per matching document.
static const char SQL_SEARCH[] =
    "SELECT " DOC_COLUMNS DOC_FROM " JOIN document_text x ON x.document_id = d.id"
    " WHERE ($2::text IS NULL OR x.search @@ websearch_to_tsquery ('simple', f_fold ($2::text)))"
    "   AND ($3::uuid IS NULL OR d.meeting_id = $3::uuid)"
    "   AND ($4::uuid IS NULL OR d.doc_type_id = $4::uuid)"
    "   AND ($5::uuid IS NULL OR d.uploader_unit_id = $5::uuid)"
    "   AND ($6::bigint IS NULL OR d.created_at >= to_timestamp ($6::bigint))"
    "   AND ($7::bigint IS NULL OR d.created_at < to_timestamp ($7::bigint))"
    "   AND ($8::text IS NULL OR d.library = $8::text)"
    "   AND ($9::bool OR d.uploaded_by = $1::uuid"
    "        OR d.id IN (SELECT a.document_id FROM document_access a WHERE a.user_id = $1::uuid)"
    "        OR d.id IN (SELECT l.document_id FROM library_entries l WHERE l.kind = 'shared')"
    "        OR $1::uuid IN (m.created_by, m.chair_id, m.secretary_id, m.approver_id)"
    "        OR ($10::bool AND m.host_unit_id = $11::uuid)"
    "        OR d.meeting_id IN (SELECT p.meeting_id FROM participants p WHERE p.kind = 'user'"
    "                            AND (p.user_id = $1::uuid OR p.substitute_user_id = $1::uuid)))"
    " ORDER BY CASE WHEN $2::text IS NULL THEN 0"
    "          ELSE ts_rank_cd (x.search, websearch_to_tsquery ('simple', f_fold ($2::text)))"
    "          END DESC, d.created_at DESC, d.id DESC"
    " OFFSET $12::int LIMIT $13::int";

static const char SQL_ACCESS_LOG[] =
    "INSERT INTO access_log (document_id, meeting_id, user_id, unit_id, action)"
    " VALUES ($1, $2, $3, $4, $5) RETURNING f_ts (at)";

static const char SQL_REVIEW[] =
    "UPDATE documents SET status = $3, reject_reason = $4, reviewed_at = now (),"
    "  approved_by = CASE WHEN $3 = 'approved' THEN $5::uuid ELSE approved_by END,"
    "  approved_at = CASE WHEN $3 = 'approved' THEN now () ELSE approved_at END,"
    "  updated_at = now ()"
    " WHERE id = $1 AND status = $2 RETURNING 1";

static const char SQL_COMMENT_INSERT[] =
    "INSERT INTO comments (id, document_id, author_id, text, suggestion)"
    " VALUES ($1, $2, $3, $4, $5) RETURNING f_ts (created_at)";

#define COMMENT_COLUMNS                                                                            \
    "c.id, c.document_id, c.author_id, u.full_name, c.text, c.suggestion, f_ts (c.created_at)"

static const char SQL_COMMENT_LIST[] =
    "SELECT " COMMENT_COLUMNS " FROM comments c LEFT JOIN users u ON u.id = c.author_id"
    " WHERE c.document_id = $1 ORDER BY c.created_at, c.id OFFSET $2::int LIMIT $3::int";

static const char SQL_NOTE_INSERT[] =
    "INSERT INTO notes (id, document_id, author_id, text) VALUES ($1, $2, $3, $4)"
    " RETURNING f_ts (created_at)";

static const char SQL_NOTE_LIST[] =
    "SELECT id, document_id, text, f_ts (created_at) FROM notes"
    " WHERE document_id = $1 AND author_id = $2 ORDER BY created_at, id"
    " OFFSET $3::int LIMIT $4::int";

//  Invitees of a meeting with their names; substitutes with theirs.
static const char SQL_REPORT_PEOPLE[] =
    "SELECT p.kind, p.user_id, p.unit_id, u.full_name, p.replaces_user_id, p.via_unit_id,"
    " p.substitute_user_id, s.full_name, s.unit_id"
    " FROM participants p LEFT JOIN users u ON u.id = p.user_id"
    " LEFT JOIN users s ON s.id = p.substitute_user_id"
    " WHERE p.meeting_id = $1 ORDER BY p.invited_at NULLS LAST, p.id";

static const char SQL_UNIT_NAME[] = "SELECT name FROM units WHERE id = $1";

static const char SQL_REPORT_OPENS[] =
    "SELECT user_id, f_ts (opened_at) FROM invitation_opens WHERE meeting_id = $1";

//  Recordings are the chair's alone (R6.5): neither counted nor listed.
static const char SQL_REPORT_DOWNLOADS[] =
    "SELECT l.user_id, l.document_id, d.title, coalesce (d.classification, 'normal'),"
    " f_ts (min (l.at)), count (*)"
    " FROM access_log l LEFT JOIN documents d ON d.id = l.document_id"
    " WHERE l.meeting_id = $1 AND l.action = 'download'"
    "   AND d.classification IS DISTINCT FROM 'recording'"
    " GROUP BY l.user_id, l.document_id, d.title, d.classification ORDER BY min (l.at)";

static const char SQL_REPORT_COUNTS[] =
    "SELECT count (*), coalesce (sum (pages), 0) FROM documents"
    " WHERE meeting_id = $1 AND status <> 'rejected' AND classification <> 'recording'";

static const char SQL_RELEASE_INSERT[] =
    "INSERT INTO retention_releases (meeting_id, released_by, reason) VALUES ($1, $2, $3)"
    " ON CONFLICT (meeting_id) DO NOTHING RETURNING 1";

static const char SQL_RELEASE_GET[] =
    "SELECT r.meeting_id, r.released_by, f_ts (r.released_at), r.reason,"
    " f_ts (greatest (m.end_at, m.ended_at) + make_interval (months => $2::int))"
    " FROM retention_releases r LEFT JOIN meetings m ON m.id = r.meeting_id"
    " WHERE r.meeting_id = $1";

//  Documents the purge may take: meeting released, ended before the cutoff
//  ($1, Unix seconds), uploaded before it, not in the shared library.
static const char SQL_PURGE_CANDIDATES[] =
    "SELECT d.id, d.meeting_id, d.sha256, d.size, d.pages, d.classification,"
    " extract (epoch FROM d.created_at)::bigint,"
    " coalesce (extract (epoch FROM greatest (m.end_at, m.ended_at))::bigint, 0), r.released_by,"
    " EXISTS (SELECT 1 FROM library_entries l WHERE l.document_id = d.id AND l.kind = 'shared')"
    " FROM documents d JOIN meetings m ON m.id = d.meeting_id"
    " JOIN retention_releases r ON r.meeting_id = d.meeting_id"
    " WHERE d.created_at < to_timestamp ($1::bigint)"
    "   AND greatest (m.end_at, m.ended_at) < to_timestamp ($1::bigint)"
    "   AND NOT EXISTS (SELECT 1 FROM library_entries l WHERE l.document_id = d.id"
    "                   AND l.kind = 'shared')"
    " ORDER BY d.created_at, d.id LIMIT $2::int";

static const char SQL_PURGE_DELETE[] =
    "DELETE FROM documents WHERE id = $1 RETURNING sha256, f_ts (created_at)";

static const char SQL_PURGE_LOG[] =
    "INSERT INTO purge_log (document_id, meeting_id, classification, sha256, size, pages,"
    "  uploaded_at, released_by, cutoff)"
    " VALUES ($1, $2, $3, $4, $5::bigint, $6::int, $7::timestamptz, $8, to_timestamp ($9::bigint))"
    " RETURNING f_ts (purged_at), f_ts (cutoff)";

static const char SQL_PUT_USER[] =
    "INSERT INTO users (id, unit_id, full_name, node_id, roles, active, source_sequence)"
    " VALUES ($1, $2, $3, $4, coalesce ($5::text[], '{}'), $6::bool, $7::bigint)"
    " ON CONFLICT (id) DO UPDATE SET unit_id = EXCLUDED.unit_id, full_name = EXCLUDED.full_name,"
    "   node_id = EXCLUDED.node_id,"
    "   roles = CASE WHEN $5::text[] IS NULL THEN users.roles ELSE EXCLUDED.roles END,"
    "   active = EXCLUDED.active, source_sequence = EXCLUDED.source_sequence, updated_at = now ()"
    " WHERE users.source_sequence <= EXCLUDED.source_sequence";

static const char SQL_PUT_UNIT[] =
    "INSERT INTO units (id, name, parent_id, node_id, source_sequence)"
    " VALUES ($1, $2, $3, $4, $5::bigint)"
    " ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, parent_id = EXCLUDED.parent_id,"
    "   node_id = EXCLUDED.node_id, source_sequence = EXCLUDED.source_sequence,"
    "   updated_at = now ()"
    " WHERE units.source_sequence <= EXCLUDED.source_sequence";

static const char SQL_POLL_ACCESS[] =
    "INSERT INTO poll_access (document_id, user_id, poll_id)"
    " SELECT d, u, $1 FROM unnest ($2::uuid[]) AS d, unnest ($3::uuid[]) AS u"
    " ON CONFLICT DO NOTHING";

static const char SQL_FORGET[] =
    "UPDATE users SET active = false, updated_at = now () WHERE id = $1 AND node_id <> $2";

static const char SQL_PUT_DOC_TYPE[] = "INSERT INTO doc_types (id, name) VALUES ($1, $2)"
                                       " ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name";

static const char SQL_PUT_MEETING[] =
    "INSERT INTO meetings (id, node_id, title, status, start_at, end_at, host_unit_id,"
    "  created_by, chair_id, secretary_id, approver_id, published, ended_at, source_sequence,"
    "  secret)"
    " VALUES ($1, $2, $3, $4, $5::timestamptz, $6::timestamptz, $7, $8, $9, $10, $11, $12::bool,"
    "  $13::timestamptz, $14::bigint, coalesce ($15::bool, false))"
    " ON CONFLICT (id) DO UPDATE SET node_id = EXCLUDED.node_id, title = EXCLUDED.title,"
    "   status = EXCLUDED.status, start_at = EXCLUDED.start_at, end_at = EXCLUDED.end_at,"
    "   host_unit_id = EXCLUDED.host_unit_id, created_by = EXCLUDED.created_by,"
    "   chair_id = EXCLUDED.chair_id, secretary_id = EXCLUDED.secretary_id,"
    "   approver_id = EXCLUDED.approver_id,"
    "   published = meetings.published OR EXCLUDED.published,"
    "   ended_at = coalesce (EXCLUDED.ended_at, meetings.ended_at),"
    "   secret = coalesce ($15::bool, meetings.secret),"
    "   source_sequence = EXCLUDED.source_sequence, updated_at = now ()"
    " WHERE meetings.source_sequence <= EXCLUDED.source_sequence"
    " RETURNING 1";

static const char SQL_PARTICIPANTS_TRIM[] =
    "DELETE FROM participants WHERE meeting_id = $1 AND NOT (id = ANY ($2::uuid[]))";

static const char SQL_PUT_PARTICIPANT[] =
    "INSERT INTO participants (id, meeting_id, kind, user_id, unit_id, node_id, response,"
    "  replaces_user_id, via_unit_id, substitute_user_id, invited_at)"
    " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11::timestamptz)"
    " ON CONFLICT (id) DO UPDATE SET kind = EXCLUDED.kind, user_id = EXCLUDED.user_id,"
    "   unit_id = EXCLUDED.unit_id, node_id = EXCLUDED.node_id, response = EXCLUDED.response,"
    "   replaces_user_id = EXCLUDED.replaces_user_id, via_unit_id = EXCLUDED.via_unit_id,"
    "   substitute_user_id = EXCLUDED.substitute_user_id,"
    "   invited_at = coalesce (EXCLUDED.invited_at, participants.invited_at), updated_at = now ()"
    " WHERE participants.meeting_id = EXCLUDED.meeting_id";

static const char SQL_INVITATION_OPENED[] =
    "INSERT INTO invitation_opens (meeting_id, user_id, opened_at)"
    " VALUES ($1, $2, coalesce ($3::timestamptz, now ())) ON CONFLICT DO NOTHING";

/* ---- construction ----------------------------------------------------------------------- */

docs_store_t *
docs_store_new (PGconn *db)
{
    if (!db)
        return NULL;
    docs_store_t *self = calloc (1, sizeof *self);
    if (self)
        self->db = db;
    return self;
}

void
docs_store_destroy (docs_store_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    free (*self_p);
    *self_p = NULL;
}

cab_status_t
docs_store_begin (docs_store_t *self)
{
    return cab_db_begin (self->db);
}

cab_status_t
docs_store_commit (docs_store_t *self)
{
    return cab_db_commit (self->db);
}

void
docs_store_rollback (docs_store_t *self)
{
    cab_db_rollback (self->db);
}

/* ---- small pieces ------------------------------------------------------------------------ */

static cab_status_t
s_fault (docs_fault_t *fault, cab_status_t status, const char *field, const char *message)
{
    if (fault)
        docs_fault_set (fault, status, field, "%s", message);
    return status;
}

/* ---- stored objects --------------------------------------------------------------------- */

//  Remove object sha256 unless a document names it, under its lock, in a
//  transaction of its own. Failures are logged: an object left behind
//  costs disk space, never a document.
static void
s_object_release (PGconn *db, docs_storage_t *storage, const char *sha256)
{
    const char *params[] = {sha256};
    bool used = true;
    if (cab_db_begin (db) == CAB_OK && cab_db_command (db, SQL_OBJECT_LOCK, 1, params) == CAB_OK
        && cab_db_any_row (db, SQL_OBJECT_USED, 1, params, &used) == CAB_OK && !used)
        docs_storage_remove (storage, sha256);
    if (cab_db_commit (db) != CAB_OK)
        cab_warn ("documents: object %s could not be released; it stays on disk", sha256);
    cab_db_rollback (db);
}

/* ---- projection reads ------------------------------------------------------------------ */

cab_status_t
docs_store_person (docs_store_t *self, cab_arena_t *arena, const char *id, docs_person_t **person)
{
    const char *params[] = {id};
    PGresult *res = NULL;
    cab_status_t status = cab_db_query_row (self->db, SQL_PERSON, 1, params, &res);
    if (status != CAB_OK)
        return status;
    docs_person_t *p = cab_arena_alloc (arena, sizeof *p);
    p->id = cab_db_text (arena, res, 0, 0);
    p->unit_id = cab_db_text (arena, res, 0, 1);
    p->node_id = cab_db_text (arena, res, 0, 2);
    p->name = cab_db_text (arena, res, 0, 3);
    p->active = cab_db_bool (res, 0, 4);
    PQclear (res);
    *person = p;
    return CAB_OK;
}

cab_status_t
docs_store_doc_type (docs_store_t *self, cab_arena_t *arena, const char *id, char **name)
{
    const char *params[] = {id};
    PGresult *res = NULL;
    cab_status_t status = cab_db_query_row (self->db, SQL_DOC_TYPE, 1, params, &res);
    if (status == CAB_OK)
        *name = cab_db_text (arena, res, 0, 0);
    PQclear (res);
    return status;
}

cab_status_t
docs_store_meeting (docs_store_t *self, cab_arena_t *arena, const char *id, const char *user_id,
                    docs_meeting_t **meeting)
{
    const char *params[] = {id, user_id};
    PGresult *res = NULL;
    cab_status_t status = cab_db_query_row (self->db, SQL_MEETING, 2, params, &res);
    if (status != CAB_OK)
        return status;
    docs_meeting_t *m = cab_arena_alloc (arena, sizeof *m);
    m->id = cab_db_text (arena, res, 0, 0);
    m->title = cab_db_text (arena, res, 0, 1);
    m->people.created_by = cab_db_text (arena, res, 0, 2);
    m->people.host_unit_id = cab_db_text (arena, res, 0, 3);
    m->people.chair_id = cab_db_text (arena, res, 0, 4);
    m->people.secretary_id = cab_db_text (arena, res, 0, 5);
    m->people.approver_id = cab_db_text (arena, res, 0, 6);
    if (!docs_meeting_state_parse (cab_db_value (res, 0, 7), &m->state))
        m->state = DOCS_MEETING_DRAFT;
    m->published = cab_db_bool (res, 0, 8);
    m->people.invitee = cab_db_bool (res, 0, 9);
    m->end = cab_db_long (res, 0, 10);
    m->secret = cab_db_bool (res, 0, 11);
    PQclear (res);
    *meeting = m;
    return CAB_OK;
}

/* ---- uploads ------------------------------------------------------------------------------- */

cab_status_t
docs_store_upload_create (docs_store_t *self, const docs_upload_t *in, int open_max,
                          docs_fault_t *fault)
{
    cab_arena_t *arena = cab_arena_new ();
    if (!arena)
        return CAB_INTERNAL;
    const char *count_params[] = {in->caller_id};
    PGresult *res = NULL;
    cab_status_t status = cab_db_query_row (self->db, SQL_UPLOADS_OPEN, 1, count_params, &res);
    if (status == CAB_OK && cab_db_long (res, 0, 0) >= open_max)
        status = s_fault (fault, CAB_RESOURCE_EXHAUSTED, NULL,
                          "Bạn đang có quá nhiều tệp tải lên dở dang; vui lòng hoàn tất hoặc hủy "
                          "bớt rồi thử lại");
    PQclear (res);
    if (status == CAB_OK) {
        const char *params[] = {in->id,
                                in->caller_id,
                                cab_db_opt (in->caller_unit_id),
                                cab_db_opt (in->meeting_id),
                                docs_library_name (in->library),
                                in->title,
                                in->title_encoding,
                                cab_db_opt (in->doc_type_id),
                                docs_class_name (in->classification),
                                cab_db_array (arena, in->access, in->n_access),
                                cab_db_opt (in->original_name),
                                cab_arena_printf (arena, "%lld", (long long) in->declared_size)};
        status = cab_db_command (self->db, SQL_UPLOAD_INSERT, 12, params);
    }
    cab_arena_destroy (&arena);
    return status;
}

static docs_upload_t *
s_upload_from_row (cab_arena_t *arena, const PGresult *res)
{
    docs_upload_t *u = cab_arena_alloc (arena, sizeof *u);
    u->id = cab_db_text (arena, res, 0, UC_ID);
    u->caller_id = cab_db_text (arena, res, 0, UC_CALLER);
    u->caller_unit_id = cab_db_text (arena, res, 0, UC_CALLER_UNIT);
    u->meeting_id = cab_db_text (arena, res, 0, UC_MEETING);
    docs_library_parse (cab_db_value (res, 0, UC_LIBRARY), true, &u->library);
    u->title = cab_db_text (arena, res, 0, UC_TITLE);
    u->title_encoding = cab_db_text (arena, res, 0, UC_TITLE_ENCODING);
    u->doc_type_id = cab_db_text (arena, res, 0, UC_DOC_TYPE);
    docs_class_parse (cab_db_value (res, 0, UC_CLASS), &u->classification);
    u->access = cab_db_split (arena, cab_db_value (res, 0, UC_ACCESS), &u->n_access);
    u->original_name = cab_db_text (arena, res, 0, UC_ORIGINAL);
    u->declared_size = cab_db_long (res, 0, UC_DECLARED);
    u->received = cab_db_long (res, 0, UC_RECEIVED);
    u->state = cab_db_text (arena, res, 0, UC_STATE);
    u->document_id = cab_db_text (arena, res, 0, UC_DOCUMENT);
    return u;
}

cab_status_t
docs_store_upload_lock (docs_store_t *self, cab_arena_t *arena, const char *id,
                        docs_upload_t **upload)
{
    const char *params[] = {id};
    PGresult *res = NULL;
    bool in_transaction = PQtransactionStatus (self->db) == PQTRANS_INTRANS;
    cab_status_t status = cab_db_query_row (
        self->db, in_transaction ? SQL_UPLOAD_LOCK : SQL_UPLOAD_GET, 1, params, &res);
    if (status == CAB_OK)
        *upload = s_upload_from_row (arena, res);
    PQclear (res);
    return status;
}

cab_status_t
docs_store_upload_advance (docs_store_t *self, const char *id, int64_t received)
{
    char text[NUM_TEXT];
    snprintf (text, sizeof text, "%lld", (long long) received);
    const char *params[] = {id, text};
    return cab_db_command (self->db, SQL_UPLOAD_ADVANCE, 2, params);
}

cab_status_t
docs_store_upload_claim (docs_store_t *self, cab_arena_t *arena, const char *id,
                         docs_upload_t **upload)
{
    const char *params[] = {id};
    PGresult *res = NULL;
    cab_status_t status = cab_db_query_row (self->db, SQL_UPLOAD_CLAIM, 1, params, &res);
    if (status == CAB_OK) {
        *upload = s_upload_from_row (arena, res);
        PQclear (res);
        return CAB_OK;
    }
    if (status != CAB_NOT_FOUND)
        return status;
    //  Not open: say what it is.
    status = cab_db_query_row (self->db, SQL_UPLOAD_GET, 1, params, &res);
    if (status != CAB_OK)
        return status;
    *upload = s_upload_from_row (arena, res);
    PQclear (res);
    return CAB_ABORTED;
}

cab_status_t
docs_store_upload_reopen (docs_store_t *self, const char *id)
{
    const char *params[] = {id};
    return cab_db_command (self->db, SQL_UPLOAD_REOPEN, 1, params);
}

cab_status_t
docs_store_upload_delete (docs_store_t *self, const char *id)
{
    const char *params[] = {id};
    return cab_db_command (self->db, SQL_UPLOAD_DELETE, 1, params);
}

cab_status_t
docs_store_uploads_expire (docs_store_t *self, cab_arena_t *arena, int max_age_s, char ***ids,
                           size_t *n)
{
    char age[NUM_TEXT];
    snprintf (age, sizeof age, "%d", max_age_s);
    const char *params[] = {age};
    PGresult *res = NULL;
    cab_status_t status = cab_db_exec (self->db, SQL_UPLOADS_EXPIRE, 1, params, &res);
    if (status != CAB_OK)
        return status;
    int rows = PQntuples (res);
    *ids = cab_arena_alloc (arena, (size_t) (rows ? rows : 1) * sizeof **ids);
    *n = 0;
    for (int i = 0; i < rows; i++)
        (*ids)[(*n)++] = cab_db_text (arena, res, i, 0);
    PQclear (res);
    return CAB_OK;
}

/* ---- documents --------------------------------------------------------------------------- */

static Cabinet__V1__DocumentSignature *
s_signature_from_row (cab_arena_t *arena, const PGresult *res, int row)
{
    Cabinet__V1__DocumentSignature *s = cab_arena_alloc (arena, sizeof *s);
    cabinet__v1__document_signature__init (s);
    s->has_signed_ = s->has_valid = s->has_intact = s->has_trusted = true;
    s->has_covers_whole_file = s->has_count = true;
    s->signed_ = cab_db_bool (res, row, DC_SIG_SIGNED);
    s->intact = cab_db_bool (res, row, DC_SIG_INTACT);
    s->trusted = cab_db_bool (res, row, DC_SIG_TRUSTED);
    s->valid = s->intact && s->trusted;
    s->covers_whole_file = cab_db_bool (res, row, DC_SIG_WHOLE);
    s->count = (int32_t) cab_db_long (res, row, DC_SIG_COUNT);
    s->signer = cab_db_text (arena, res, row, DC_SIG_SIGNER);
    s->issuer = cab_db_text (arena, res, row, DC_SIG_ISSUER);
    s->signed_at = cab_db_text (arena, res, row, DC_SIG_SIGNED_AT);
    s->reason = cab_db_text (arena, res, row, DC_SIG_REASON);
    return s;
}

static docs_doc_t *
s_doc_from_row (cab_arena_t *arena, const PGresult *res, int row, const docs_actor_t *actor)
{
    Cabinet__V1__Document *d = cab_arena_alloc (arena, sizeof *d);
    cabinet__v1__document__init (d);
    d->id = cab_db_text (arena, res, row, DC_ID);
    d->title = cab_db_text (arena, res, row, DC_TITLE);
    d->mime_type = cab_db_text (arena, res, row, DC_MIME);
    d->has_size = true;
    d->size = cab_db_long (res, row, DC_SIZE);
    d->sha256 = cab_db_text (arena, res, row, DC_SHA256);
    if (cab_db_value (res, row, DC_PAGES)) {
        d->pages_known_case = CABINET__V1__DOCUMENT__PAGES_KNOWN_PAGES;
        d->pages = (int32_t) cab_db_long (res, row, DC_PAGES);
    }
    d->pages_note = cab_db_text (arena, res, row, DC_PAGES_NOTE);
    d->status = cab_db_text (arena, res, row, DC_STATUS);
    d->classification = cab_db_text (arena, res, row, DC_CLASS);
    d->meeting_id = cab_db_text (arena, res, row, DC_MEETING);
    d->doc_type_id = cab_db_text (arena, res, row, DC_DOC_TYPE);
    d->uploaded_by = cab_db_text (arena, res, row, DC_UPLOADED_BY);
    d->created_at = cab_db_text (arena, res, row, DC_CREATED_AT);
    d->text_encoding = cab_db_text (arena, res, row, DC_TEXT_ENCODING);
    d->library = cab_db_text (arena, res, row, DC_LIBRARY);
    d->file_type = cab_db_text (arena, res, row, DC_FILE_TYPE);
    d->uploader_unit_id = cab_db_text (arena, res, row, DC_UPLOADER_UNIT);
    d->doc_type_name = cab_db_text (arena, res, row, DC_DOC_TYPE_NAME);
    d->approved_by = cab_db_text (arena, res, row, DC_APPROVED_BY);
    d->approved_at = cab_db_text (arena, res, row, DC_APPROVED_AT);
    d->reject_reason = cab_db_text (arena, res, row, DC_REJECT_REASON);
    d->original_name = cab_db_text (arena, res, row, DC_ORIGINAL);
    d->reviewed_at = cab_db_text (arena, res, row, DC_REVIEWED_AT);
    d->signature = s_signature_from_row (arena, res, row);
    if (cab_db_value (res, row, DC_DURATION)) {
        d->has_duration_seconds = true;
        d->duration_seconds = (int32_t) cab_db_long (res, row, DC_DURATION);
    }
    d->filename = docs_safe_name (d->title, docs_file_extension (d->file_type),
                                  cab_arena_alloc (arena, FILENAME_TEXT), FILENAME_TEXT);

    docs_doc_t *out = cab_arena_alloc (arena, sizeof *out);
    out->doc = d;
    docs_doc_facts_t *f = &out->facts;
    f->uploaded_by = d->uploaded_by;
    if (!docs_status_parse (d->status, &f->status))
        f->status = DOCS_PENDING;
    docs_class_parse (d->classification, &f->classification);
    docs_library_parse (d->library, true, &f->library);
    out->has_meeting = d->meeting_id != NULL;
    if (out->has_meeting) {
        docs_meeting_people_t people = {
            .created_by = cab_db_value (res, row, DC_M_CREATED_BY),
            .host_unit_id = cab_db_value (res, row, DC_M_HOST_UNIT),
            .chair_id = cab_db_value (res, row, DC_M_CHAIR),
            .secretary_id = cab_db_value (res, row, DC_M_SECRETARY),
            .approver_id = cab_db_value (res, row, DC_M_APPROVER),
            .invitee = cab_db_bool (res, row, DC_INVITEE),
        };
        f->meeting_roles = docs_meeting_roles (actor, &people);
        out->chair_id = cab_db_text (arena, res, row, DC_M_CHAIR);
        f->published = cab_db_bool (res, row, DC_M_PUBLISHED);
        if (!docs_meeting_state_parse (cab_db_value (res, row, DC_M_STATUS), &out->meeting_state))
            out->meeting_state = DOCS_MEETING_DRAFT;
    }
    f->on_access_list = cab_db_bool (res, row, DC_LISTED);
    f->in_shared_library = cab_db_bool (res, row, DC_SHARED);
    f->poll_respondent = cab_db_bool (res, row, DC_POLL);
    return out;
}

//  Rows of a document query into an arena array.
static docs_doc_t **
s_docs_from_result (cab_arena_t *arena, const PGresult *res, const docs_actor_t *actor, size_t *n)
{
    int rows = PQntuples (res);
    docs_doc_t **docs = cab_arena_alloc (arena, (size_t) (rows ? rows : 1) * sizeof *docs);
    for (int i = 0; i < rows; i++)
        docs[i] = s_doc_from_row (arena, res, i, actor);
    *n = (size_t) rows;
    return docs;
}

static cab_status_t
s_document_read (PGconn *db, cab_arena_t *arena, const char *id, const docs_actor_t *actor,
                 docs_doc_t **doc)
{
    const char *params[] = {actor && actor->user_id ? actor->user_id : NULL, id};
    PGresult *res = NULL;
    cab_status_t status = cab_db_query_row (db, SQL_DOCUMENT, 2, params, &res);
    if (status == CAB_OK)
        *doc = s_doc_from_row (arena, res, 0, actor);
    PQclear (res);
    return status;
}

cab_status_t
docs_store_document (docs_store_t *self, cab_arena_t *arena, const char *id,
                     const docs_actor_t *actor, docs_doc_t **doc)
{
    return s_document_read (self->db, arena, id, actor, doc);
}

cab_status_t
docs_store_access_list (docs_store_t *self, cab_arena_t *arena, const char *id, char ***ids,
                        size_t *n)
{
    return cab_db_column (self->db, arena, SQL_ACCESS_LIST, id, ids, n);
}

//  What an event may say of a document: never its text or access list;
//  of a secret document only its id, meeting, classification and status.
static Cabinet__V1__Document *
s_event_document (cab_arena_t *arena, const Cabinet__V1__Document *d)
{
    Cabinet__V1__Document *e = cab_arena_alloc (arena, sizeof *e);
    if (d->classification && strcmp (d->classification, "recording") == 0) {
        //  What a speech-to-text worker needs to fetch and read it; no
        //  title, no file name.
        cabinet__v1__document__init (e);
        e->id = d->id;
        e->meeting_id = d->meeting_id;
        e->classification = d->classification;
        e->status = d->status;
        e->mime_type = d->mime_type;
        e->file_type = d->file_type;
        e->has_size = d->has_size;
        e->size = d->size;
        e->sha256 = d->sha256;
        e->has_duration_seconds = d->has_duration_seconds;
        e->duration_seconds = d->duration_seconds;
        e->uploaded_by = d->uploaded_by;
        e->created_at = d->created_at;
        return e;
    }
    if (d->classification && strcmp (d->classification, "secret") == 0) {
        cabinet__v1__document__init (e);
        e->id = d->id;
        e->meeting_id = d->meeting_id;
        e->classification = d->classification;
        e->status = d->status;
        return e;
    }
    *e = *d;
    e->n_access_user_ids = 0;
    e->access_user_ids = NULL;
    return e;
}

static cab_status_t
s_emit_document (PGconn *db, cab_arena_t *arena, const char *type, const docs_doc_t *doc,
                 const char *actor_id, const char *from_status, const char *reason)
{
    const Cabinet__V1__Document *d = doc->doc;
    Cabinet__V1__DocumentEvent payload = CABINET__V1__DOCUMENT_EVENT__INIT;
    payload.document = s_event_document (arena, d);
    payload.actor_id = (char *) actor_id;
    payload.from_status = (char *) from_status;
    payload.reason = (char *) reason;
    //  A meeting's live stream shows a document once its invitees may read
    //  it (approved); a secret one only to those who may read it (its access
    //  list, its uploader, the meeting's chair and approver), read here in
    //  the change's transaction (the document as read holds no list).
    bool live = d->meeting_id && d->status && strcmp (d->status, "approved") == 0;
    bool secret = d->classification && strcmp (d->classification, "secret") == 0;
    bool recording = d->classification && strcmp (d->classification, "recording") == 0;
    char **audience = NULL;
    size_t n_audience = 0;
    if (live && secret) {
        cab_status_t status =
            cab_db_column (db, arena, SQL_SECRET_READERS, d->id, &audience, &n_audience);
        if (status != CAB_OK)
            return status;
    }
    //  A recording (R6.5) is the chair's: their streams alone show it.
    char *chair[1] = {(char *) doc->chair_id};
    if (live && recording && doc->chair_id) {
        audience = chair;
        n_audience = 1;
    }
    cab_event_t ev = {
        .type = type,
        .subject = d->id,
        .key = d->meeting_id ? d->meeting_id : d->id,
        .payload = &payload.base,
        .actor_id = actor_id,
        .meeting_id = live ? d->meeting_id : NULL,
        .audience = (const char *const *) audience,
        .audience_count = (int) n_audience,
    };
    //  A restricted document nobody may read is shown to nobody.
    if (live && (secret || recording) && n_audience == 0)
        ev.meeting_id = NULL;
    return cab_outbox_emit (db, &ev);
}

//  The inserts of a new document inside the open transaction.
static cab_status_t
s_document_insert (PGconn *db, cab_arena_t *arena, const docs_doc_in_t *in)
{
    const docs_upload_t *u = in->upload;
    const Cabinet__V1__DocumentSignature *sig = in->signature;
    const char *params[] = {
        in->id,
        cab_db_opt (u->meeting_id),
        docs_library_name (u->library),
        u->title,
        cab_db_opt (u->original_name),
        in->file_type,
        in->mime_type,
        cab_arena_printf (arena, "%lld", (long long) in->size),
        in->sha256,
        in->pages >= 1 ? cab_arena_printf (arena, "%d", in->pages) : NULL,
        cab_db_opt (in->pages_note),
        docs_status_name (in->status),
        docs_class_name (u->classification),
        cab_db_opt (u->doc_type_id),
        u->caller_id,
        cab_db_opt (u->caller_unit_id),
        in->text_encoding ? in->text_encoding : "unicode",
        cab_db_bool_text (sig && sig->signed_),
        cab_db_bool_text (sig && sig->intact),
        cab_db_bool_text (sig && sig->trusted),
        cab_db_bool_text (sig && sig->covers_whole_file),
        cab_arena_printf (arena, "%d", sig ? (int) sig->count : 0),
        sig ? cab_db_opt (sig->signer) : NULL,
        sig ? cab_db_opt (sig->issuer) : NULL,
        sig ? cab_db_opt (sig->signed_at) : NULL,
        sig ? cab_db_opt (sig->reason) : NULL,
        in->approved_by,
        in->duration_seconds >= 0 ? cab_arena_printf (arena, "%d", in->duration_seconds) : NULL,
    };
    cab_status_t status = cab_db_command (db, SQL_DOCUMENT_INSERT, 28, params);
    if (status != CAB_OK)
        return status;
    const char *text_params[] = {in->id, u->title, cab_db_opt (in->text)};
    if ((status = cab_db_command (db, SQL_TEXT_INSERT, 3, text_params)) != CAB_OK)
        return status;
    if (u->n_access) {
        const char *access_params[] = {in->id, cab_db_array (arena, u->access, u->n_access)};
        if ((status = cab_db_command (db, SQL_ACCESS_INSERT, 2, access_params)) != CAB_OK)
            return status;
    }
    if (u->library != DOCS_LIBRARY_NONE) {
        const char *library_params[] = {in->id, docs_library_name (u->library),
                                        u->library == DOCS_LIBRARY_PERSONAL ? u->caller_id : NULL,
                                        u->caller_id};
        if ((status = cab_db_command (db, SQL_LIBRARY_INSERT, 4, library_params)) != CAB_OK)
            return status;
    }
    const char *done_params[] = {u->id, in->id};
    return cab_db_command (db, SQL_UPLOAD_DONE, 2, done_params);
}

cab_status_t
docs_store_document_create (docs_store_t *self, cab_arena_t *arena, docs_storage_t *storage,
                            const docs_doc_in_t *in, const docs_actor_t *actor, docs_doc_t **doc)
{
    PGconn *db = self->db;
    bool created = false;
    cab_status_t status = cab_db_begin (db);
    const char *lock_params[] = {in->sha256};
    if (status == CAB_OK)
        status = cab_db_command (db, SQL_OBJECT_LOCK, 1, lock_params);
    if (status == CAB_OK && docs_storage_put (storage, in->temp_path, in->sha256, &created) != 0)
        status = errno == ENOSPC || errno == EDQUOT ? CAB_RESOURCE_EXHAUSTED : CAB_INTERNAL;
    if (status == CAB_OK)
        status = s_document_insert (db, arena, in);
    if (status == CAB_OK)
        status = s_document_read (db, arena, in->id, actor, doc);
    //  A recording's own event, the hook of a speech-to-text worker: it
    //  never passes for a document (live streams, scheduling's counts).
    const char *type =
        in->upload->classification == DOCS_RECORDING ? "recording.uploaded" : "document.uploaded";
    if (status == CAB_OK)
        status = s_emit_document (db, arena, type, *doc, in->upload->caller_id, NULL, NULL);
    if (status == CAB_OK)
        status = cab_db_commit (db);
    if (status != CAB_OK) {
        cab_db_rollback (db);
        if (created)
            s_object_release (db, storage, in->sha256);
    }
    return status;
}

cab_status_t
docs_store_search (docs_store_t *self, cab_arena_t *arena, const docs_search_t *query,
                   const docs_actor_t *actor, docs_doc_t ***docs, size_t *n, bool *more)
{
    const char *params[] = {
        actor->user_id,
        cab_db_opt (query->q),
        cab_db_opt (query->meeting_id),
        cab_db_opt (query->doc_type_id),
        cab_db_opt (query->unit_id),
        query->has_from ? cab_arena_printf (arena, "%lld", (long long) query->from) : NULL,
        query->has_to ? cab_arena_printf (arena, "%lld", (long long) query->to) : NULL,
        cab_db_opt (query->library),
        cab_db_bool_text (actor->system_admin),
        cab_db_bool_text (actor->clerk),
        actor->unit_id,
        cab_arena_printf (arena, "%d", query->offset),
        cab_arena_printf (arena, "%d", query->limit + 1),
    };
    PGresult *res = NULL;
    cab_status_t status = cab_db_exec (self->db, SQL_SEARCH, 13, params, &res);
    if (status != CAB_OK)
        return status;
    *docs = s_docs_from_result (arena, res, actor, n);
    *more = *n > (size_t) query->limit;
    if (*more)
        *n = (size_t) query->limit;
    PQclear (res);
    return CAB_OK;
}

cab_status_t
docs_store_record_access (docs_store_t *self, const docs_doc_t *doc, const docs_actor_t *actor,
                          bool download)
{
    const Cabinet__V1__Document *d = doc->doc;
    const char *params[] = {d->id, d->meeting_id, actor->user_id, actor->unit_id,
                            download ? "download" : "view"};
    if (!download)
        return cab_db_command (self->db, SQL_ACCESS_LOG, 5, params);
    PGresult *res = NULL;
    cab_status_t status = cab_db_begin (self->db);
    if (status == CAB_OK)
        status = cab_db_query_row (self->db, SQL_ACCESS_LOG, 5, params, &res);
    if (status == CAB_OK) {
        Cabinet__V1__DocumentDownloadEvent payload = CABINET__V1__DOCUMENT_DOWNLOAD_EVENT__INIT;
        payload.document_id = d->id;
        payload.meeting_id = d->meeting_id;
        payload.user_id = (char *) actor->user_id;
        payload.unit_id = (char *) actor->unit_id;
        payload.classification = d->classification;
        payload.at = PQgetvalue (res, 0, 0);
        if (d->pages_known_case == CABINET__V1__DOCUMENT__PAGES_KNOWN_PAGES) {
            payload.has_pages = true;
            payload.pages = d->pages;
        }
        cab_event_t ev = {
            .type = "document.downloaded",
            .subject = d->id,
            .key = d->meeting_id ? d->meeting_id : d->id,
            .payload = &payload.base,
            .actor_id = actor->user_id,
        };
        status = cab_outbox_emit (self->db, &ev);
    }
    PQclear (res);
    if (status == CAB_OK)
        status = cab_db_commit (self->db);
    if (status != CAB_OK)
        cab_db_rollback (self->db);
    return status;
}

cab_status_t
docs_store_review (docs_store_t *self, cab_arena_t *arena, const char *id, docs_status_t from,
                   docs_status_t to, const char *reason, const docs_actor_t *actor,
                   docs_doc_t **doc, docs_fault_t *fault)
{
    PGconn *db = self->db;
    const char *params[] = {id, docs_status_name (from), docs_status_name (to),
                            to == DOCS_REJECTED ? reason : NULL, actor->user_id};
    bool changed = false;
    cab_status_t status = cab_db_begin (db);
    if (status == CAB_OK)
        status = cab_db_any_row (db, SQL_REVIEW, 5, params, &changed);
    if (status == CAB_OK && !changed)
        status = s_fault (fault, CAB_ABORTED, NULL, s_changed_meanwhile);
    if (status == CAB_OK)
        status = s_document_read (db, arena, id, actor, doc);
    if (status == CAB_OK)
        status = s_emit_document (db, arena,
                                  to == DOCS_APPROVED ? "document.approved" : "document.rejected",
                                  *doc, actor->user_id, docs_status_name (from), params[3]);
    if (status == CAB_OK)
        status = cab_db_commit (db);
    if (status != CAB_OK)
        cab_db_rollback (db);
    return status;
}

/* ---- libraries ---------------------------------------------------------------------------- */

cab_status_t
docs_store_library_list (docs_store_t *self, cab_arena_t *arena, docs_library_t kind,
                         const char *owner, int offset, int limit, const docs_actor_t *actor,
                         docs_doc_t ***docs, size_t *n, bool *more)
{
    const char *params[] = {
        actor->user_id, docs_library_name (kind), kind == DOCS_LIBRARY_PERSONAL ? owner : NULL,
        cab_arena_printf (arena, "%d", offset), cab_arena_printf (arena, "%d", limit + 1)};
    PGresult *res = NULL;
    cab_status_t status = cab_db_exec (self->db, SQL_LIBRARY_LIST, 5, params, &res);
    if (status != CAB_OK)
        return status;
    *docs = s_docs_from_result (arena, res, actor, n);
    *more = *n > (size_t) limit;
    if (*more)
        *n = (size_t) limit;
    PQclear (res);
    return CAB_OK;
}

cab_status_t
docs_store_library_add (docs_store_t *self, docs_library_t kind, const char *owner,
                        const char *document_id, const char *actor_id, bool *added)
{
    const char *params[] = {document_id, docs_library_name (kind),
                            kind == DOCS_LIBRARY_PERSONAL ? owner : NULL, actor_id};
    return cab_db_any_row (self->db, SQL_LIBRARY_INSERT, 4, params, added);
}

cab_status_t
docs_store_library_remove (docs_store_t *self, docs_library_t kind, const char *owner,
                           const char *document_id, bool *removed)
{
    const char *params[] = {document_id, docs_library_name (kind),
                            kind == DOCS_LIBRARY_PERSONAL ? owner : NULL};
    return cab_db_any_row (self->db, SQL_LIBRARY_DELETE, 3, params, removed);
}

/* ---- comments and notes ----------------------------------------------------------------- */

cab_status_t
docs_store_comment_add (docs_store_t *self, cab_arena_t *arena, const char *document_id,
                        const char *author_id, const char *text, const char *suggestion,
                        Cabinet__V1__Comment **comment)
{
    char *id = cab_arena_alloc (arena, CAB_UUID_LEN + 1);
    cab_uuid_v7 (id);
    const char *params[] = {id, document_id, author_id, text, cab_db_opt (suggestion)};
    PGresult *res = NULL;
    cab_status_t status = cab_db_query_row (self->db, SQL_COMMENT_INSERT, 5, params, &res);
    if (status != CAB_OK)
        return status;
    Cabinet__V1__Comment *c = cab_arena_alloc (arena, sizeof *c);
    cabinet__v1__comment__init (c);
    c->id = id;
    c->document_id = cab_arena_strdup (arena, document_id);
    c->author_id = cab_arena_strdup (arena, author_id);
    c->text = cab_arena_strdup (arena, text);
    c->suggestion = cab_arena_strdup (arena, cab_db_opt (suggestion));
    c->created_at = cab_db_text (arena, res, 0, 0);
    PQclear (res);
    docs_person_t *author = NULL;
    if (docs_store_person (self, arena, author_id, &author) == CAB_OK)
        c->author_name = (char *) author->name;
    *comment = c;
    return CAB_OK;
}

cab_status_t
docs_store_comment_list (docs_store_t *self, cab_arena_t *arena, const char *document_id,
                         int offset, int limit, Cabinet__V1__CommentList **list)
{
    const char *params[] = {document_id, cab_arena_printf (arena, "%d", offset),
                            cab_arena_printf (arena, "%d", limit + 1)};
    PGresult *res = NULL;
    cab_status_t status = cab_db_exec (self->db, SQL_COMMENT_LIST, 3, params, &res);
    if (status != CAB_OK)
        return status;
    Cabinet__V1__CommentList *out = cab_arena_alloc (arena, sizeof *out);
    cabinet__v1__comment_list__init (out);
    int rows = PQntuples (res);
    int shown = rows > limit ? limit : rows;
    out->items = cab_arena_alloc (arena, (size_t) (shown ? shown : 1) * sizeof *out->items);
    for (int i = 0; i < shown; i++) {
        Cabinet__V1__Comment *c = cab_arena_alloc (arena, sizeof *c);
        cabinet__v1__comment__init (c);
        c->id = cab_db_text (arena, res, i, 0);
        c->document_id = cab_db_text (arena, res, i, 1);
        c->author_id = cab_db_text (arena, res, i, 2);
        c->author_name = cab_db_text (arena, res, i, 3);
        c->text = cab_db_text (arena, res, i, 4);
        c->suggestion = cab_db_text (arena, res, i, 5);
        c->created_at = cab_db_text (arena, res, i, 6);
        out->items[out->n_items++] = c;
    }
    if (rows > limit)
        out->next = cab_arena_printf (arena, "%d", offset + limit);
    PQclear (res);
    *list = out;
    return CAB_OK;
}

cab_status_t
docs_store_note_add (docs_store_t *self, cab_arena_t *arena, const char *document_id,
                     const char *author_id, const char *text, Cabinet__V1__Note **note)
{
    char *id = cab_arena_alloc (arena, CAB_UUID_LEN + 1);
    cab_uuid_v7 (id);
    const char *params[] = {id, document_id, author_id, text};
    PGresult *res = NULL;
    cab_status_t status = cab_db_query_row (self->db, SQL_NOTE_INSERT, 4, params, &res);
    if (status != CAB_OK)
        return status;
    Cabinet__V1__Note *n = cab_arena_alloc (arena, sizeof *n);
    cabinet__v1__note__init (n);
    n->id = id;
    n->document_id = cab_arena_strdup (arena, document_id);
    n->text = cab_arena_strdup (arena, text);
    n->created_at = cab_db_text (arena, res, 0, 0);
    PQclear (res);
    *note = n;
    return CAB_OK;
}

cab_status_t
docs_store_note_list (docs_store_t *self, cab_arena_t *arena, const char *document_id,
                      const char *author_id, int offset, int limit, Cabinet__V1__NoteList **list)
{
    const char *params[] = {document_id, author_id, cab_arena_printf (arena, "%d", offset),
                            cab_arena_printf (arena, "%d", limit + 1)};
    PGresult *res = NULL;
    cab_status_t status = cab_db_exec (self->db, SQL_NOTE_LIST, 4, params, &res);
    if (status != CAB_OK)
        return status;
    Cabinet__V1__NoteList *out = cab_arena_alloc (arena, sizeof *out);
    cabinet__v1__note_list__init (out);
    int rows = PQntuples (res);
    int shown = rows > limit ? limit : rows;
    out->items = cab_arena_alloc (arena, (size_t) (shown ? shown : 1) * sizeof *out->items);
    for (int i = 0; i < shown; i++) {
        Cabinet__V1__Note *n = cab_arena_alloc (arena, sizeof *n);
        cabinet__v1__note__init (n);
        n->id = cab_db_text (arena, res, i, 0);
        n->document_id = cab_db_text (arena, res, i, 1);
        n->text = cab_db_text (arena, res, i, 2);
        n->created_at = cab_db_text (arena, res, i, 3);
        out->items[out->n_items++] = n;
    }
    if (rows > limit)
        out->next = cab_arena_printf (arena, "%d", offset + limit);
    PQclear (res);
    *list = out;
    return CAB_OK;
}

/* ---- access report ------------------------------------------------------------------------ */

//  The agency entry of unit_id in report (added when missing).
static Cabinet__V1__AgencyAccess *
s_agency (docs_store_t *self, cab_arena_t *arena, Cabinet__V1__AccessReport *report,
          const char *unit_id, size_t cap)
{
    const char *key = unit_id ? unit_id : "";
    for (size_t i = 0; i < report->n_agencies; i++)
        if (strcmp (report->agencies[i]->unit_id ? report->agencies[i]->unit_id : "", key) == 0)
            return report->agencies[i];
    if (report->n_agencies == cap)
        return NULL;
    Cabinet__V1__AgencyAccess *a = cab_arena_alloc (arena, sizeof *a);
    cabinet__v1__agency_access__init (a);
    a->unit_id = unit_id ? cab_arena_strdup (arena, unit_id) : NULL;
    a->has_invited_as_agency = a->has_persons = a->has_opened = a->has_downloaded = true;
    a->people = cab_arena_alloc (arena, cap * sizeof *a->people);
    if (unit_id) {
        const char *params[] = {unit_id};
        PGresult *res = NULL;
        if (cab_db_query_row (self->db, SQL_UNIT_NAME, 1, params, &res) == CAB_OK)
            a->unit_name = cab_db_text (arena, res, 0, 0);
        PQclear (res);
    }
    report->agencies[report->n_agencies++] = a;
    return a;
}

static void
s_add_person (Cabinet__V1__AgencyAccess *a, cab_arena_t *arena, const char *user_id,
              const char *name, const char *unit_id, const char *role)
{
    for (size_t i = 0; i < a->n_people; i++)
        if (strcmp (a->people[i]->user_id, user_id) == 0)
            return;
    Cabinet__V1__PersonAccess *p = cab_arena_alloc (arena, sizeof *p);
    cabinet__v1__person_access__init (p);
    p->user_id = cab_arena_strdup (arena, user_id);
    p->name = cab_arena_strdup (arena, name);
    p->unit_id = cab_arena_strdup (arena, unit_id);
    p->role = (char *) role;
    p->has_opened_invitation = true;
    a->people[a->n_people++] = p;
    a->persons++;
}

//  The person entry of user_id anywhere in report, or NULL.
static Cabinet__V1__PersonAccess *
s_find_person (const Cabinet__V1__AccessReport *report, const char *user_id,
               Cabinet__V1__AgencyAccess **agency)
{
    for (size_t i = 0; i < report->n_agencies; i++)
        for (size_t j = 0; j < report->agencies[i]->n_people; j++)
            if (strcmp (report->agencies[i]->people[j]->user_id, user_id) == 0) {
                *agency = report->agencies[i];
                return report->agencies[i]->people[j];
            }
    return NULL;
}

cab_status_t
docs_store_access_report (docs_store_t *self, cab_arena_t *arena, const docs_meeting_t *m,
                          Cabinet__V1__AccessReport **report)
{
    const char *params[] = {m->id};
    PGresult *res = NULL;
    cab_status_t status = cab_db_exec (self->db, SQL_REPORT_PEOPLE, 1, params, &res);
    if (status != CAB_OK)
        return status;
    Cabinet__V1__AccessReport *r = cab_arena_alloc (arena, sizeof *r);
    cabinet__v1__access_report__init (r);
    r->meeting_id = (char *) m->id;
    r->meeting_title = (char *) m->title;
    int rows = PQntuples (res);
    //  Each row gives at most one agency and two people.
    size_t cap = (size_t) (2 * rows + 1);
    r->agencies = cab_arena_alloc (arena, cap * sizeof *r->agencies);
    for (int i = 0; i < rows; i++) {
        const char *kind = cab_db_value (res, i, 0);
        const char *user_id = cab_db_value (res, i, 1);
        const char *unit_id = cab_db_value (res, i, 2);
        Cabinet__V1__AgencyAccess *a = s_agency (self, arena, r, unit_id, cap);
        if (!a)
            continue;
        if (kind && strcmp (kind, "unit") == 0) {
            a->invited_as_agency = true;
            continue;
        }
        if (!user_id)
            continue;
        const char *role = cab_db_value (res, i, 4)   ? "delegate"
                           : cab_db_value (res, i, 5) ? "named"
                                                      : "invitee";
        s_add_person (a, arena, user_id, cab_db_value (res, i, 3), unit_id, role);
        const char *substitute = cab_db_value (res, i, 6);
        if (substitute) {
            const char *sub_unit = cab_db_value (res, i, 8);
            Cabinet__V1__AgencyAccess *sa = s_agency (self, arena, r, sub_unit, cap);
            if (sa)
                s_add_person (sa, arena, substitute, cab_db_value (res, i, 7), sub_unit,
                              "substitute");
        }
    }
    PQclear (res);

    if ((status = cab_db_exec (self->db, SQL_REPORT_OPENS, 1, params, &res)) != CAB_OK)
        return status;
    for (int i = 0; i < PQntuples (res); i++) {
        Cabinet__V1__AgencyAccess *a = NULL;
        Cabinet__V1__PersonAccess *p = s_find_person (r, cab_db_value (res, i, 0), &a);
        if (p && !p->opened_invitation) {
            p->opened_invitation = true;
            p->opened_at = cab_db_text (arena, res, i, 1);
            a->opened++;
        }
    }
    PQclear (res);

    if ((status = cab_db_exec (self->db, SQL_REPORT_DOWNLOADS, 1, params, &res)) != CAB_OK)
        return status;
    int downloads = PQntuples (res);
    for (int i = 0; i < downloads; i++) {
        Cabinet__V1__AgencyAccess *a = NULL;
        Cabinet__V1__PersonAccess *p = s_find_person (r, cab_db_value (res, i, 0), &a);
        if (!p)
            continue;  //  organisers download too; the report is of the invited
        if (!p->downloads) {
            p->downloads = cab_arena_alloc (arena, (size_t) downloads * sizeof *p->downloads);
            a->downloaded++;
        }
        Cabinet__V1__DownloadEntry *e = cab_arena_alloc (arena, sizeof *e);
        cabinet__v1__download_entry__init (e);
        e->document_id = cab_db_text (arena, res, i, 1);
        e->classification = cab_db_text (arena, res, i, 3);
        if (strcmp (e->classification, "secret") != 0)
            e->title = cab_db_text (arena, res, i, 2);
        e->first_at = cab_db_text (arena, res, i, 4);
        e->has_count = true;
        e->count = (int32_t) cab_db_long (res, i, 5);
        p->downloads[p->n_downloads++] = e;
    }
    PQclear (res);

    if ((status = cab_db_query_row (self->db, SQL_REPORT_COUNTS, 1, params, &res)) != CAB_OK)
        return status;
    r->has_documents = r->has_pages = true;
    r->documents = (int32_t) cab_db_long (res, 0, 0);
    r->pages = (int32_t) cab_db_long (res, 0, 1);
    PQclear (res);
    *report = r;
    return CAB_OK;
}

/* ---- retention ---------------------------------------------------------------------------- */

cab_status_t
docs_store_release (docs_store_t *self, cab_arena_t *arena, const char *meeting_id,
                    const char *actor_id, const char *reason, int months,
                    Cabinet__V1__RetentionRelease **release)
{
    PGconn *db = self->db;
    const char *params[] = {meeting_id, actor_id, cab_db_opt (reason)};
    const char *get_params[] = {meeting_id, cab_arena_printf (arena, "%d", months)};
    bool fresh = false;
    PGresult *res = NULL;
    cab_status_t status = cab_db_begin (db);
    if (status == CAB_OK)
        status = cab_db_any_row (db, SQL_RELEASE_INSERT, 3, params, &fresh);
    if (status == CAB_OK)
        status = cab_db_query_row (db, SQL_RELEASE_GET, 2, get_params, &res);
    if (status == CAB_OK) {
        Cabinet__V1__RetentionRelease *r = cab_arena_alloc (arena, sizeof *r);
        cabinet__v1__retention_release__init (r);
        r->meeting_id = cab_db_text (arena, res, 0, 0);
        r->released_by = cab_db_text (arena, res, 0, 1);
        r->released_at = cab_db_text (arena, res, 0, 2);
        r->reason = cab_db_text (arena, res, 0, 3);
        r->purge_after = cab_db_text (arena, res, 0, 4);
        *release = r;
        if (fresh) {
            Cabinet__V1__RetentionEvent payload = CABINET__V1__RETENTION_EVENT__INIT;
            payload.release = r;
            payload.actor_id = (char *) actor_id;
            cab_event_t ev = {
                .type = "retention.released",
                .subject = meeting_id,
                .payload = &payload.base,
                .actor_id = actor_id,
            };
            status = cab_outbox_emit (db, &ev);
        }
    }
    PQclear (res);
    if (status == CAB_OK)
        status = cab_db_commit (db);
    if (status != CAB_OK)
        cab_db_rollback (db);
    return status;
}

//  Purge one candidate row of SQL_PURGE_CANDIDATES in its own transaction.
//  *sha256 (arena) is its object, to release afterwards.
static cab_status_t
s_purge_one (PGconn *db, cab_arena_t *arena, const PGresult *res, int row, int64_t cutoff)
{
    const char *id = cab_db_value (res, row, 0);
    const char *meeting_id = cab_db_value (res, row, 1);
    PGresult *deleted = NULL, *logged = NULL;
    const char *params[] = {id};
    cab_status_t status = cab_db_begin (db);
    if (status == CAB_OK)
        status = cab_db_query_row (db, SQL_PURGE_DELETE, 1, params, &deleted);
    if (status == CAB_OK) {
        const char *log_params[] = {id,
                                    meeting_id,
                                    cab_db_value (res, row, 5),
                                    cab_db_value (res, row, 2),
                                    cab_db_value (res, row, 3),
                                    cab_db_value (res, row, 4),
                                    cab_db_value (deleted, 0, 1),
                                    cab_db_value (res, row, 8),
                                    cab_arena_printf (arena, "%lld", (long long) cutoff)};
        status = cab_db_query_row (db, SQL_PURGE_LOG, 9, log_params, &logged);
    }
    if (status == CAB_OK) {
        Cabinet__V1__DocumentPurgeEvent payload = CABINET__V1__DOCUMENT_PURGE_EVENT__INIT;
        payload.document_id = (char *) id;
        payload.meeting_id = (char *) meeting_id;
        payload.classification = (char *) cab_db_value (res, row, 5);
        payload.sha256 = (char *) cab_db_value (res, row, 2);
        payload.has_size = true;
        payload.size = cab_db_long (res, row, 3);
        payload.released_by = (char *) cab_db_value (res, row, 8);
        payload.purged_at = PQgetvalue (logged, 0, 0);
        payload.cutoff = PQgetvalue (logged, 0, 1);
        cab_event_t ev = {
            .type = "document.purged",
            .subject = id,
            .key = meeting_id,
            .payload = &payload.base,
        };
        status = cab_outbox_emit (db, &ev);
    }
    PQclear (deleted);
    PQclear (logged);
    if (status == CAB_OK)
        status = cab_db_commit (db);
    if (status != CAB_OK)
        cab_db_rollback (db);
    return status;
}

cab_status_t
docs_store_purge (PGconn *db, docs_storage_t *storage, int64_t cutoff, int max, int *purged)
{
    *purged = 0;
    cab_arena_t *arena = cab_arena_new ();
    if (!arena)
        return CAB_INTERNAL;
    const char *params[] = {cab_arena_printf (arena, "%lld", (long long) cutoff),
                            cab_arena_printf (arena, "%d", max)};
    PGresult *res = NULL;
    cab_status_t status = cab_db_exec (db, SQL_PURGE_CANDIDATES, 2, params, &res);
    for (int i = 0; status == CAB_OK && i < PQntuples (res); i++) {
        //  The rule once more, in C: the query must never be the only guard.
        if (!docs_purge_due (true, cab_db_bool (res, i, 9), cab_db_long (res, i, 7),
                             cab_db_long (res, i, 6), cutoff)) {
            cab_error ("purge: document %s does not meet the retention rule; kept",
                       cab_db_value (res, i, 0));
            continue;
        }
        status = s_purge_one (db, arena, res, i, cutoff);
        if (status == CAB_NOT_FOUND) {
            status = CAB_OK;  //  another replica's purge took it first
            continue;
        }
        if (status == CAB_OK) {
            (*purged)++;
            s_object_release (db, storage, cab_db_value (res, i, 2));
            cab_info ("purge: document %s of meeting %s removed", cab_db_value (res, i, 0),
                      cab_db_value (res, i, 1));
        }
    }
    PQclear (res);
    cab_arena_destroy (&arena);
    return status;
}

/* ---- projection writes ------------------------------------------------------------------ */

cab_status_t
docs_store_put_user (PGconn *db, const char *id, const char *unit_id, const char *full_name,
                     const char *node_id, char *const *roles, size_t n_roles, bool active,
                     uint64_t sequence)
{
    cab_arena_t *arena = cab_arena_new ();
    if (!arena)
        return CAB_INTERNAL;
    const char *params[] = {id,
                            unit_id,
                            full_name,
                            node_id,
                            roles ? cab_db_array (arena, roles, n_roles) : NULL,
                            cab_db_bool_text (active),
                            cab_arena_printf (arena, "%" PRIu64, sequence)};
    cab_status_t status = cab_db_command (db, SQL_PUT_USER, 7, params);
    cab_arena_destroy (&arena);
    return status;
}

cab_status_t
docs_store_put_unit (PGconn *db, const char *id, const char *name, const char *parent_id,
                     const char *node_id, uint64_t sequence)
{
    char seq[NUM_TEXT];
    snprintf (seq, sizeof seq, "%" PRIu64, sequence);
    const char *params[] = {id, name, parent_id, node_id, seq};
    return cab_db_command (db, SQL_PUT_UNIT, 5, params);
}

cab_status_t
docs_store_forget (PGconn *db, const char *id, const char *own_node)
{
    const char *params[] = {id, own_node};
    return cab_db_command (db, SQL_FORGET, 2, params);
}

cab_status_t
docs_store_put_doc_type (PGconn *db, const char *id, const char *name)
{
    const char *params[] = {id, name};
    return cab_db_command (db, SQL_PUT_DOC_TYPE, 2, params);
}

//  An optional id from an event: a UUID or NULL.
static const char *
s_uuid (const char *s)
{
    return s && cab_uuid_valid (s) ? s : NULL;
}

cab_status_t
docs_store_put_meeting (PGconn *db, const Cabinet__V1__MeetingSummary *m, const char *ended_at,
                        uint64_t sequence, bool *applied)
{
    char seq[NUM_TEXT];
    snprintf (seq, sizeof seq, "%" PRIu64, sequence);
    docs_meeting_state_t state = DOCS_MEETING_DRAFT;
    bool known = docs_meeting_state_parse (m->status, &state);
    //  An event from before the mark existed leaves it as it is.
    const char *secret = m->has_secret ? cab_db_bool_text (m->secret) : NULL;
    const char *params[] = {m->id,
                            m->node_id,
                            m->title,
                            known ? m->status : "draft",
                            cab_db_opt (m->start_at),
                            cab_db_opt (m->end_at),
                            s_uuid (m->host_unit_id),
                            s_uuid (m->created_by),
                            s_uuid (m->chair_id),
                            s_uuid (m->secretary_id),
                            s_uuid (m->approver_id),
                            cab_db_bool_text (known && docs_meeting_state_published (state)),
                            cab_db_opt (ended_at),
                            seq,
                            secret};
    return cab_db_any_row (db, SQL_PUT_MEETING, 15, params, applied);
}

cab_status_t
docs_store_put_participants (PGconn *db, const char *meeting_id,
                             Cabinet__V1__Participant *const *items, size_t n, bool replace)
{
    cab_arena_t *arena = cab_arena_new ();
    if (!arena)
        return CAB_INTERNAL;
    cab_status_t status = CAB_OK;
    if (replace) {
        char **ids = cab_arena_alloc (arena, (n ? n : 1) * sizeof *ids);
        size_t k = 0;
        for (size_t i = 0; i < n; i++)
            if (s_uuid (items[i]->id))
                ids[k++] = items[i]->id;
        const char *params[] = {meeting_id, cab_db_array (arena, ids, k)};
        status = cab_db_command (db, SQL_PARTICIPANTS_TRIM, 2, params);
    }
    for (size_t i = 0; status == CAB_OK && i < n; i++) {
        const Cabinet__V1__Participant *p = items[i];
        if (!s_uuid (p->id) || !p->kind)
            continue;
        const char *params[] = {p->id,
                                meeting_id,
                                p->kind,
                                s_uuid (p->user_id),
                                s_uuid (p->unit_id),
                                p->node_id,
                                p->response,
                                s_uuid (p->replaces_user_id),
                                s_uuid (p->via_unit_id),
                                s_uuid (p->substitute_user_id),
                                cab_db_opt (p->invited_at)};
        status = cab_db_command (db, SQL_PUT_PARTICIPANT, 11, params);
    }
    cab_arena_destroy (&arena);
    return status;
}

cab_status_t
docs_store_invitation_opened (PGconn *db, const char *meeting_id, const char *user_id,
                              const char *at)
{
    const char *params[] = {meeting_id, user_id, cab_db_opt (at)};
    return cab_db_command (db, SQL_INVITATION_OPENED, 3, params);
}

cab_status_t
docs_store_poll_access (PGconn *db, const char *poll_id, char *const *doc_ids, size_t nd,
                        char *const *user_ids, size_t nu)
{
    cab_arena_t *arena = cab_arena_new ();
    if (!arena)
        return CAB_INTERNAL;
    const char *params[] = {poll_id, cab_db_array (arena, doc_ids, nd),
                            cab_db_array (arena, user_ids, nu)};
    cab_status_t status = cab_db_command (db, SQL_POLL_ACCESS, 3, params);
    cab_arena_destroy (&arena);
    return status;
}
