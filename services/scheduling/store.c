/*  sched_store - the scheduling service's PostgreSQL: every SQL statement
    of the service is here, as a named constant, always parameterised; each
    change runs in one transaction with its outbox events.  */
#include "store.h"
#include "cab_db.h"
#include "cab_log.h"
#include "cab_outbox.h"
#include "cab_uuid.h"
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct _sched_store_t {
    PGconn *db;  //  borrowed
    char *node_id;
    sched_leads_t leads;
};

#define CONFLICTS_MAX 20                                  //  warnings listed per request
#define NUM_TEXT 24                                       //  a 64-bit number as text
#define ZERO_UUID "00000000-0000-0000-0000-000000000000"  //  "no agency" in comparisons

static const char s_changed_meanwhile[] =
    "Cuộc họp vừa được người khác thay đổi. Vui lòng tải lại và thử lại.";

/* ---- SQL ---------------------------------------------------------------------------- */

static const char SQL_LOCK[] = "SELECT pg_advisory_xact_lock (hashtext ($1))";

static const char SQL_PERSON[] = "SELECT id, unit_id, node_id, active, array_to_string (roles, ',')"
                                 " FROM users WHERE id = $1";

static const char SQL_UNIT[] = "SELECT name, node_id FROM units WHERE id = $1";

//  The agency and those above it, nearest first (depth bounded against a
//  cycle in data from elsewhere).
static const char SQL_UNIT_LINE[] =
    "WITH RECURSIVE up (id, parent_id, depth) AS ("
    "  SELECT id, parent_id, 0 FROM units WHERE id = $1"
    "  UNION ALL SELECT n.id, n.parent_id, up.depth + 1 FROM units n"
    "   JOIN up ON n.id = up.parent_id WHERE up.depth < 64)"
    " SELECT id FROM up ORDER BY depth";

#define CATALOG_COLUMNS                                                                            \
    "c.id, c.kind, c.code, c.name, c.unit_id, c.capacity, c.location, f_ts (c.created_at)"
enum { CC_ID, CC_KIND, CC_CODE, CC_NAME, CC_UNIT_ID, CC_CAPACITY, CC_LOCATION, CC_CREATED_AT };

static const char SQL_CATALOG_LIST[] =
    "SELECT " CATALOG_COLUMNS " FROM catalog c"
    " WHERE c.kind = $1 AND ($2::uuid IS NULL OR c.unit_id = $2::uuid)"
    "   AND ($3::text IS NULL OR f_unaccent (lower (c.name)) LIKE f_unaccent (lower ($3)))"
    "   AND ($4::uuid IS NULL OR (lower (c.name), c.id)"
    "        > (SELECT lower (a.name), a.id FROM catalog a WHERE a.id = $4::uuid))"
    " ORDER BY lower (c.name), c.id LIMIT $5::int";

static const char SQL_CATALOG_GET[] =
    "SELECT " CATALOG_COLUMNS " FROM catalog c WHERE c.kind = $1 AND c.id = $2";

static const char SQL_CATALOG_INSERT[] =
    "INSERT INTO catalog AS c (id, kind, name, unit_id, capacity, location, created_by)"
    " VALUES ($1, $2, $3, $4, $5::int, $6, $7) RETURNING " CATALOG_COLUMNS;

static const char SQL_CATALOG_SEED[] =
    "INSERT INTO catalog AS c (id, kind, name, unit_id, capacity, location)"
    " VALUES ($1, $2, $3, $4, $5::int, $6) ON CONFLICT DO NOTHING RETURNING " CATALOG_COLUMNS;

static const char SQL_UNIT_BY_NAME[] =
    "SELECT id FROM units WHERE lower (name) = lower ($1) AND node_id = $2"
    " ORDER BY id LIMIT 1";

static const char SQL_ROOM_SEED_PUT[] =
    "INSERT INTO room_seeds (unit_name, name, capacity, location) VALUES ($1, $2, $3::int, $4)"
    " ON CONFLICT DO NOTHING";

static const char SQL_ROOM_SEEDS_TAKE[] =
    "DELETE FROM room_seeds WHERE lower (unit_name) = lower ($1)"
    " RETURNING name, capacity, location";

#define MEETING_COLUMNS                                                                            \
    "m.id, m.node_id, m.title, m.content, f_ts (m.start_at), f_ts (m.end_at), m.room_id,"          \
    " r.name, m.form, m.type, m.field_id, f.name, m.chair_id, m.secretary_id, m.approver_id,"      \
    " m.preparer_id, m.preparer_unit_id, array_to_string (m.support_ids, ','), m.host_unit_id,"    \
    " h.name, m.created_by, m.status, m.reason, f_ts (m.submitted_at), f_ts (m.approved_at),"      \
    " f_ts (m.started_at), f_ts (m.ended_at), f_ts (m.cancelled_at), m.approval_forced,"           \
    " m.force_reason, (SELECT count (*) FROM violations v WHERE v.meeting_id = m.id),"             \
    " f_ts (m.created_at), f_ts (m.updated_at), extract (epoch FROM m.start_at)::bigint,"          \
    " extract (epoch FROM m.end_at)::bigint, m.published_at IS NOT NULL, m.version, md.n,"         \
    " md.pages, m.secret, m.secret_by, f_ts (m.secret_at)"
enum {
    MC_ID,
    MC_NODE_ID,
    MC_TITLE,
    MC_CONTENT,
    MC_START_AT,
    MC_END_AT,
    MC_ROOM_ID,
    MC_ROOM_NAME,
    MC_FORM,
    MC_TYPE,
    MC_FIELD_ID,
    MC_FIELD_NAME,
    MC_CHAIR_ID,
    MC_SECRETARY_ID,
    MC_APPROVER_ID,
    MC_PREPARER_ID,
    MC_PREPARER_UNIT_ID,
    MC_SUPPORT_IDS,
    MC_HOST_UNIT_ID,
    MC_HOST_UNIT_NAME,
    MC_CREATED_BY,
    MC_STATUS,
    MC_REASON,
    MC_SUBMITTED_AT,
    MC_APPROVED_AT,
    MC_STARTED_AT,
    MC_ENDED_AT,
    MC_CANCELLED_AT,
    MC_FORCED,
    MC_FORCE_REASON,
    MC_VIOLATIONS,
    MC_CREATED_AT,
    MC_UPDATED_AT,
    MC_START_EPOCH,
    MC_END_EPOCH,
    MC_PUBLISHED,
    MC_VERSION,
    MC_DOCUMENTS,
    MC_DOCUMENT_PAGES,
    MC_SECRET,
    MC_SECRET_BY,
    MC_SECRET_AT,
};

//  md: the documents the documents service reported and has not rejected
//  or purged, and their known pages.
#define MEETING_FROM                                                                               \
    " FROM meetings m LEFT JOIN catalog r ON r.id = m.room_id"                                     \
    " LEFT JOIN catalog f ON f.id = m.field_id LEFT JOIN units h ON h.id = m.host_unit_id"         \
    " CROSS JOIN LATERAL (SELECT count (*) AS n, coalesce (sum (d.pages), 0) AS pages"             \
    "   FROM meeting_documents d"                                                                  \
    "   WHERE d.meeting_id = m.id AND d.status IN ('pending', 'approved')) md"

static const char SQL_MEETING_GET[] = "SELECT " MEETING_COLUMNS MEETING_FROM " WHERE m.id = $1";

static const char SQL_MEETING_LOCK[] = "SELECT version FROM meetings WHERE id = $1 FOR UPDATE";

#define PARTICIPANT_COLUMNS                                                                        \
    "p.id, p.kind, p.user_id, p.unit_id, coalesce (u.full_name, n.name), p.node_id, p.response,"   \
    " p.reason, p.delegate_user_id, p.replaces_user_id, p.via_unit_id, f_ts (p.responded_at),"     \
    " p.late, p.attendance, p.attendance_reason, p.substitute_user_id, f_ts (p.checked_in_at),"    \
    " EXISTS (SELECT 1 FROM support_requests s"                                                    \
    "          WHERE s.meeting_id = p.meeting_id AND s.user_id = p.user_id),"                      \
    " f_ts (p.invited_at)"
enum {
    PC_ID,
    PC_KIND,
    PC_USER_ID,
    PC_UNIT_ID,
    PC_NAME,
    PC_NODE_ID,
    PC_RESPONSE,
    PC_REASON,
    PC_DELEGATE,
    PC_REPLACES,
    PC_VIA_UNIT,
    PC_RESPONDED_AT,
    PC_LATE,
    PC_ATTENDANCE,
    PC_ATTENDANCE_REASON,
    PC_SUBSTITUTE,
    PC_CHECKED_IN_AT,
    PC_SUPPORT,
    PC_INVITED_AT,
};

static const char SQL_PARTICIPANTS[] =
    "SELECT " PARTICIPANT_COLUMNS " FROM participants p"
    " LEFT JOIN users u ON p.kind = 'user' AND u.id = p.user_id"
    " LEFT JOIN units n ON p.kind = 'unit' AND n.id = p.unit_id"
    " WHERE p.meeting_id = $1 ORDER BY p.position, p.created_at, p.id";

static const char SQL_PARTICIPANT_BY_ID[] =
    "SELECT " PARTICIPANT_COLUMNS " FROM participants p"
    " LEFT JOIN users u ON p.kind = 'user' AND u.id = p.user_id"
    " LEFT JOIN units n ON p.kind = 'unit' AND n.id = p.unit_id"
    " WHERE p.id = $1";

static const char SQL_MEETING_INSERT[] =
    "INSERT INTO meetings (id, node_id, title, content, start_at, end_at, room_id, form, type,"
    "                      field_id, chair_id, secretary_id, approver_id, preparer_id,"
    "                      preparer_unit_id, support_ids, host_unit_id, created_by)"
    " VALUES ($1, $2, $3, $4, to_timestamp ($5::bigint), to_timestamp ($6::bigint), $7, $8, $9,"
    "         $10, $11, $12, $13, $14, $15, $16::uuid[], $17, $18)";

static const char SQL_MEETING_UPDATE[] =
    "UPDATE meetings SET title = $2, content = $3, start_at = to_timestamp ($4::bigint),"
    "  end_at = to_timestamp ($5::bigint), room_id = $6, form = $7, type = $8, field_id = $9,"
    "  chair_id = $10, secretary_id = $11, approver_id = $12, preparer_id = $13,"
    "  preparer_unit_id = $14, support_ids = $15::uuid[], version = version + 1,"
    "  updated_at = now ()"
    " WHERE id = $1";

//  $7 NULL: append after the last one. $8 NULL: pending.
static const char SQL_PARTICIPANT_INSERT[] =
    "INSERT INTO participants (id, meeting_id, kind, user_id, unit_id, node_id, position,"
    "                          response, responded_at, via_unit_id, replaces_user_id,"
    "                          invited_at)"
    " VALUES ($1, $2, $3, $4, $5, $6,"
    "         coalesce ($7::int, (SELECT coalesce (max (q.position), -1) + 1"
    "                              FROM participants q WHERE q.meeting_id = $2)),"
    "         coalesce ($8, 'pending'), CASE WHEN $8::text IS NULL THEN NULL ELSE now () END,"
    "         $9, $10, CASE WHEN $11::boolean THEN now () END)"
    " ON CONFLICT DO NOTHING RETURNING id";

//  Keep the invitees still listed, with the delegates and named attendees
//  that hang off them; drop the rest.
static const char SQL_PARTICIPANTS_PRUNE[] =
    "DELETE FROM participants p WHERE p.meeting_id = $1 AND NOT ("
    "     (p.kind = 'user' AND p.replaces_user_id IS NULL AND p.via_unit_id IS NULL"
    "      AND p.user_id = ANY ($2::uuid[]))"
    "  OR (p.kind = 'unit' AND p.unit_id = ANY ($3::uuid[]))"
    "  OR (p.replaces_user_id IS NOT NULL AND p.replaces_user_id = ANY ($2::uuid[]))"
    "  OR (p.via_unit_id IS NOT NULL AND p.via_unit_id = ANY ($3::uuid[])))";

static const char SQL_TRANSITION[] =
    "UPDATE meetings SET status = $2, version = version + 1, updated_at = now (),"
    "  reason = CASE WHEN $3::text IS NOT NULL THEN $3"
    "                WHEN $4 IN ('submit', 'approve') THEN NULL ELSE reason END,"
    "  submitted_at = CASE WHEN $4 = 'submit' THEN now () ELSE submitted_at END,"
    "  approved_at = CASE WHEN $4 = 'approve' THEN now ()"
    "                     WHEN $4 = 'unapprove' THEN NULL ELSE approved_at END,"
    "  published_at = CASE WHEN $4 = 'approve' THEN coalesce (published_at, now ())"
    "                      ELSE published_at END,"
    "  started_at = CASE WHEN $4 = 'start' THEN now () ELSE started_at END,"
    "  ended_at = CASE WHEN $4 = 'end' THEN now () ELSE ended_at END,"
    "  cancelled_at = CASE WHEN $4 = 'cancel' THEN now () ELSE cancelled_at END,"
    "  approval_forced = CASE WHEN $4 = 'approve' THEN $5::boolean"
    "                         WHEN $4 = 'unapprove' THEN false ELSE approval_forced END,"
    "  force_reason = CASE WHEN $4 = 'approve' THEN $6"
    "                      WHEN $4 = 'unapprove' THEN NULL ELSE force_reason END"
    " WHERE id = $1 AND status = $7 RETURNING id";

//  $2 the mark, $3 who sets it; nothing when it is that already.
static const char SQL_SET_SECRET[] =
    "UPDATE meetings SET secret = $2::boolean, secret_by = $3, secret_at = now (),"
    "  version = version + 1, updated_at = now ()"
    " WHERE id = $1 AND secret IS DISTINCT FROM $2::boolean RETURNING id";

static const char SQL_INVITE_NOW[] = "UPDATE participants SET invited_at = now ()"
                                     " WHERE meeting_id = $1 AND invited_at IS NULL RETURNING id";

static const char SQL_CONFLICTS[] =
    "SELECT m.id, m.title, f_ts (m.start_at), f_ts (m.end_at),"
    "       coalesce (m.room_id = $3::uuid, false), m.chair_id = $4::uuid"
    "  FROM meetings m"
    " WHERE ($1::uuid IS NULL OR m.id <> $1::uuid) AND m.status = ANY ($2::text[])"
    "   AND tstzrange (m.start_at, m.end_at) && tstzrange (to_timestamp ($5::bigint),"
    "                                                     to_timestamp ($6::bigint))"
    "   AND (m.room_id = $3::uuid OR m.chair_id = $4::uuid)"
    " ORDER BY m.start_at, m.id LIMIT $7::int";

static const char SQL_VIOLATION_INSERT[] =
    "INSERT INTO violations (id, meeting_id, rule, meeting_type, lead_seconds, due_at,"
    "                        occurred_at, late_seconds, user_id, message, document_id)"
    " VALUES ($1, $2, $3, $4, $5::bigint, $6::timestamptz, $7::timestamptz, $8::bigint, $9, $10,"
    "         $11::uuid)";

//  A document of one of our meetings, as the documents service's events
//  tell it: $1 document, $2 meeting, $3 pages, $4 status, $5 uploaded at,
//  $6 sequence. A newer event wins; a document of an unknown meeting is
//  ignored. Returns whether the row was inserted by this statement.
static const char SQL_DOCUMENT_PUT[] =
    "INSERT INTO meeting_documents (document_id, meeting_id, pages, status, uploaded_at,"
    "                               source_sequence)"
    " SELECT $1, $2, $3::int, $4, $5::timestamptz, $6::bigint"
    "  WHERE EXISTS (SELECT 1 FROM meetings WHERE id = $2)"
    " ON CONFLICT (document_id) DO UPDATE SET"
    "   pages = coalesce (EXCLUDED.pages, meeting_documents.pages), status = EXCLUDED.status,"
    "   source_sequence = EXCLUDED.source_sequence, updated_at = now ()"
    "  WHERE meeting_documents.source_sequence < EXCLUDED.source_sequence"
    "    AND meeting_documents.status <> 'purged'"
    " RETURNING xmax = 0";

static const char SQL_DOCUMENT_PURGED[] =
    "UPDATE meeting_documents SET status = 'purged', updated_at = now () WHERE document_id = $1";

static const char SQL_RSVP[] =
    "UPDATE participants SET response = $3, reason = $4, responded_at = now (),"
    "  late = $5::boolean, delegate_user_id = $6"
    " WHERE id = $1 AND meeting_id = $2 AND response = $7 RETURNING id";

static const char SQL_UNIT_ROW_ATTEND[] =
    "UPDATE participants SET response = 'attend', responded_at = coalesce (responded_at, now ())"
    " WHERE meeting_id = $1 AND kind = 'unit' AND unit_id = $2";

static const char SQL_ATTENDANCE[] =
    "UPDATE participants SET attendance = $3, attendance_reason = $4, substitute_user_id = $5,"
    "  attendance_by = $6, attendance_at = now (),"
    "  checked_in_at = CASE WHEN $7::boolean THEN coalesce (checked_in_at, now ())"
    "                       ELSE checked_in_at END"
    " WHERE id = $1 AND meeting_id = $2 AND kind = 'user' RETURNING id";

static const char SQL_COUNTS[] = "SELECT count (*),"
                                 "  count (*) FILTER (WHERE attendance = 'present'),"
                                 "  count (*) FILTER (WHERE attendance = 'absent'),"
                                 "  count (*) FILTER (WHERE attendance = 'substitute'),"
                                 "  count (*) FILTER (WHERE attendance IS NULL),"
                                 "  count (*) FILTER (WHERE checked_in_at IS NOT NULL),"
                                 "  count (*) FILTER (WHERE response = 'attend'),"
                                 "  count (*) FILTER (WHERE response = 'decline'),"
                                 "  count (*) FILTER (WHERE response = 'delegate'),"
                                 "  count (*) FILTER (WHERE response = 'pending'),"
                                 "  count (*) FILTER (WHERE late)"
                                 " FROM participants WHERE meeting_id = $1 AND kind = 'user'";

static const char SQL_COUNTS_BY_UNIT[] =
    "SELECT p.unit_id, n.name, count (*),"
    "  count (*) FILTER (WHERE p.attendance = 'present'),"
    "  count (*) FILTER (WHERE p.attendance = 'absent'),"
    "  count (*) FILTER (WHERE p.attendance = 'substitute')"
    " FROM participants p LEFT JOIN units n ON n.id = p.unit_id"
    " WHERE p.meeting_id = $1 AND p.kind = 'user'"
    " GROUP BY p.unit_id, n.name ORDER BY n.name NULLS LAST, p.unit_id";

static const char SQL_SUPPORT_INSERT[] =
    "INSERT INTO support_requests (id, meeting_id, user_id, kind, note, late)"
    " VALUES ($1, $2, $3, $4, $5, $6::boolean)"
    " RETURNING id, meeting_id, user_id, kind, note, late, f_ts (created_at)";

#define SUMMARY_COLUMNS                                                                            \
    "m.id, m.node_id, m.title, f_ts (m.start_at), f_ts (m.end_at), m.status, m.type, m.form,"      \
    " m.room_id, r.name, m.host_unit_id, h.name, m.field_id, m.chair_id, m.secretary_id,"          \
    " m.approver_id, m.created_by, extract (epoch FROM m.start_at)::bigint, m.secret"
enum {
    SC_ID,
    SC_NODE_ID,
    SC_TITLE,
    SC_START_AT,
    SC_END_AT,
    SC_STATUS,
    SC_TYPE,
    SC_FORM,
    SC_ROOM_ID,
    SC_ROOM_NAME,
    SC_HOST_UNIT_ID,
    SC_HOST_UNIT_NAME,
    SC_FIELD_ID,
    SC_CHAIR_ID,
    SC_SECRETARY_ID,
    SC_APPROVER_ID,
    SC_CREATED_BY,
    SC_START_EPOCH,
    SC_SECRET,
};

#define SUMMARY_FROM                                                                               \
    " FROM meetings m LEFT JOIN catalog r ON r.id = m.room_id"                                     \
    " LEFT JOIN units h ON h.id = m.host_unit_id"

//  Filters shared by the calendars and the public list: $2 from, $3 to,
//  $4 the current week, $5 search pattern, $6 host agency, $7 type,
//  $8 field, $9/$10 keyset cursor.
#define PERIOD_FILTERS                                                                             \
    " tstzrange (m.start_at, m.end_at) && tstzrange ("                                             \
    "   CASE WHEN $4::boolean THEN date_trunc ('week', now ()) ELSE to_timestamp ($2::bigint) "    \
    "END,"                                                                                         \
    "   CASE WHEN $4::boolean THEN date_trunc ('week', now ()) + interval '7 days'"                \
    "        ELSE to_timestamp ($3::bigint) END)"                                                  \
    " AND ($6::uuid IS NULL OR m.host_unit_id = $6::uuid)"                                         \
    " AND ($7::text IS NULL OR m.type = $7)"                                                       \
    " AND ($8::uuid IS NULL OR m.field_id = $8::uuid)"                                             \
    " AND ($9::bigint IS NULL OR (m.start_at, m.id) > (to_timestamp ($9::bigint), $10::uuid))"

//  $11 the caller, $12 a clerk of $13, $13 the caller's agency, $14 a
//  system admin.
#define INVITED_COND                                                                               \
    "(m.published_at IS NOT NULL AND EXISTS (SELECT 1 FROM participants p"                         \
    "   WHERE p.meeting_id = m.id AND p.kind = 'user'"                                             \
    "     AND (p.user_id = $11::uuid OR p.substitute_user_id = $11::uuid)))"
#define MINE_COND                                                                                  \
    "(m.created_by = $11::uuid OR m.chair_id = $11::uuid OR m.secretary_id = $11::uuid"            \
    " OR m.approver_id = $11::uuid"                                                                \
    " OR (m.published_at IS NOT NULL AND (m.preparer_id = $11::uuid"                               \
    "     OR $11::uuid = ANY (m.support_ids)))"                                                    \
    " OR " INVITED_COND ")"
#define UNIT_COND                                                                                  \
    "((m.host_unit_id = $13::uuid AND (m.published_at IS NOT NULL OR $12::boolean))"               \
    " OR (m.published_at IS NOT NULL AND EXISTS (SELECT 1 FROM participants p"                     \
    "     WHERE p.meeting_id = m.id AND p.unit_id = $13::uuid)))"

//  Text $5 matches (unaccented): the meeting's title and content, and
//  what was said and kept there (R8.3) — its conclusion, minutes and
//  recommendations, the topics of those who asked for the floor, the
//  messages to everyone, and the caller's ($11) own notes.
#define MATCHES(text) "f_unaccent (lower (" text ")) LIKE f_unaccent (lower ($5))"
#define SEARCH_COND                                                                                                                                                      \
    "($5::text IS NULL OR " MATCHES (                                                                                                                                    \
        "m.title || ' ' || coalesce (m.content, '')") " OR EXISTS "                                                                                                      \
                                                      "(SELECT 1 "                                                                                                       \
                                                      "FROM "                                                                                                            \
                                                      "conclusions "                                                                                                     \
                                                      "c WHERE "                                                                                                         \
                                                      "c.meeting_id "                                                                                                    \
                                                      "= m.id "                                                                                                          \
                                                      "AND"                                                                                                              \
                                                      " " MATCHES (                                                                                                      \
                                                          "c.text") ")"                                                                                                  \
                                                                    " OR EXISTS (SELECT "                                                                                \
                                                                    "1 FROM minutes x "                                                                                  \
                                                                    "WHERE x.meeting_id "                                                                                \
                                                                    "= m.id"                                                                                             \
                                                                    "     AND " MATCHES (                                                                                \
                                                                        "x.text || ' ' "                                                                                 \
                                                                        "|| coalesce "                                                                                   \
                                                                        "(x."                                                                                            \
                                                                        "recommendations"                                                                                \
                                                                        ", '')") ")"                                                                                     \
                                                                                 " OR "                                                                                  \
                                                                                 "EXISTS"                                                                                \
                                                                                 " ("                                                                                    \
                                                                                 "SELECT"                                                                                \
                                                                                 " 1 "                                                                                   \
                                                                                 "FROM "                                                                                 \
                                                                                 "speake"                                                                                \
                                                                                 "rs s "                                                                                 \
                                                                                 "WHERE "                                                                                \
                                                                                 "s."                                                                                    \
                                                                                 "meetin"                                                                                \
                                                                                 "g_id "                                                                                 \
                                                                                 "= "                                                                                    \
                                                                                 "m.id "                                                                                 \
                                                                                 "AND"                                                                                   \
                                                                                 " " MATCHES (                                                                           \
                                                                                     "s."                                                                                \
                                                                                     "to"                                                                                \
                                                                                     "pi"                                                                                \
                                                                                     "c") ")"                                                                            \
                                                                                          " OR "                                                                         \
                                                                                          "EXISTS"                                                                       \
                                                                                          " ("                                                                           \
                                                                                          "SELECT"                                                                       \
                                                                                          " 1 "                                                                          \
                                                                                          "FROM "                                                                        \
                                                                                          "messag"                                                                       \
                                                                                          "es g "                                                                        \
                                                                                          "WHERE "                                                                       \
                                                                                          "g."                                                                           \
                                                                                          "meetin"                                                                       \
                                                                                          "g_id "                                                                        \
                                                                                          "= "                                                                           \
                                                                                          "m.id "                                                                        \
                                                                                          "AND "                                                                         \
                                                                                          "g.to_"                                                                        \
                                                                                          "kind "                                                                        \
                                                                                          "= "                                                                           \
                                                                                          "'all'"                                                                        \
                                                                                          "     "                                                                        \
                                                                                          "AND"                                                                          \
                                                                                          " " MATCHES (                                                                  \
                                                                                              "g."                                                                       \
                                                                                              "te"                                                                       \
                                                                                              "x"                                                                        \
                                                                                              "t") ")"                                                                   \
                                                                                                   " OR EXISTS (SELECT 1 FROM meeting_notes n WHERE n.meeting_id = m.id" \
                                                                                                   "     AND n.author_id = $11::uuid AND " MATCHES (                     \
                                                                                                       "n.text") "))"

static const char SQL_MEETING_LIST[] =
    "SELECT " SUMMARY_COLUMNS SUMMARY_FROM " WHERE" PERIOD_FILTERS " AND " SEARCH_COND
    " AND CASE $1"
    "   WHEN 'mine' THEN " MINE_COND "   WHEN 'invited' THEN " INVITED_COND
    "   WHEN 'unit' THEN " UNIT_COND
    "   WHEN 'pending_approval' THEN m.status = 'pending_approval' AND m.approver_id = $11::uuid"
    "   WHEN 'in_progress' THEN m.status = 'in_progress'"
    "        AND ($14::boolean OR " MINE_COND " OR " UNIT_COND ")"
    "   ELSE false END"
    " ORDER BY m.start_at, m.id LIMIT $15::int";

static const char SQL_PUBLIC_LIST[] =
    "SELECT m.title, f_ts (m.start_at), f_ts (m.end_at), r.name, h.name,"
    "       extract (epoch FROM m.start_at)::bigint, m.id" SUMMARY_FROM
    " WHERE m.status IN ('approved', 'in_progress', 'ended') AND" PERIOD_FILTERS
    " AND ($5::text IS NULL OR f_unaccent (lower (m.title)) LIKE f_unaccent (lower ($5)))"
    //  $1 is unused here; naming it gives it a type.
    " AND $1::text IS NULL"
    " ORDER BY m.start_at, m.id LIMIT $11::int";

#define VIOLATION_COLUMNS                                                                          \
    "v.id, v.meeting_id, m.title, m.host_unit_id, v.rule, v.meeting_type, v.lead_seconds,"         \
    " f_ts (v.due_at), f_ts (v.occurred_at), v.late_seconds, v.user_id, v.message,"                \
    " extract (epoch FROM v.occurred_at)::bigint"
enum {
    VC_ID,
    VC_MEETING_ID,
    VC_TITLE,
    VC_HOST_UNIT_ID,
    VC_RULE,
    VC_TYPE,
    VC_LEAD,
    VC_DUE_AT,
    VC_OCCURRED_AT,
    VC_LATE,
    VC_USER_ID,
    VC_MESSAGE,
    VC_OCCURRED_EPOCH,
};

#define VIOLATION_FILTERS                                                                          \
    " FROM violations v JOIN meetings m ON m.id = v.meeting_id"                                    \
    " WHERE ($1::uuid IS NULL OR v.meeting_id = $1::uuid) AND ($2::text IS NULL OR v.rule = $2)"   \
    "   AND ($3::uuid IS NULL OR m.host_unit_id = $3::uuid)"                                       \
    "   AND ($4::bigint IS NULL OR v.occurred_at >= to_timestamp ($4::bigint))"                    \
    "   AND ($5::bigint IS NULL OR v.occurred_at < to_timestamp ($5::bigint))"

static const char SQL_VIOLATION_LIST[] =
    "SELECT " VIOLATION_COLUMNS VIOLATION_FILTERS
    "   AND ($6::bigint IS NULL OR (v.occurred_at, v.id) < (to_timestamp ($6::bigint), $7::uuid))"
    " ORDER BY v.occurred_at DESC, v.id DESC LIMIT $8::int";

static const char SQL_VIOLATION_COUNTS[] =
    "SELECT v.rule, count (*)" VIOLATION_FILTERS " GROUP BY v.rule ORDER BY v.rule";

static const char SQL_PUT_USER[] =
    "INSERT INTO users (id, unit_id, full_name, title, node_id, roles, active, source_sequence,"
    "                   updated_at)"
    " VALUES ($1, $2, $3, $4, $5, coalesce ($6::text[], '{}'), $7::boolean, $8::bigint, now ())"
    " ON CONFLICT (id) DO UPDATE SET unit_id = EXCLUDED.unit_id,"
    "   full_name = EXCLUDED.full_name, title = EXCLUDED.title, node_id = EXCLUDED.node_id,"
    "   roles = EXCLUDED.roles, active = EXCLUDED.active,"
    "   source_sequence = EXCLUDED.source_sequence, updated_at = now ()"
    " WHERE users.source_sequence <= EXCLUDED.source_sequence";

static const char SQL_PUT_UNIT[] =
    "INSERT INTO units (id, name, parent_id, node_id, source_sequence, updated_at)"
    " VALUES ($1, $2, $3, $4, $5::bigint, now ())"
    " ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, parent_id = EXCLUDED.parent_id,"
    "   node_id = EXCLUDED.node_id, source_sequence = EXCLUDED.source_sequence,"
    "   updated_at = now ()"
    " WHERE units.source_sequence <= EXCLUDED.source_sequence";

static const char SQL_FORGET[] =
    "UPDATE users SET active = false, updated_at = now () WHERE id = $1 AND node_id <> $2";

/* ---- construction ------------------------------------------------------------------ */

sched_store_t *
sched_store_new (PGconn *db, const char *node_id, const sched_leads_t *leads)
{
    if (!db || !node_id || !leads)
        return NULL;
    sched_store_t *self = calloc (1, sizeof *self);
    if (!self)
        return NULL;
    self->db = db;
    self->node_id = strdup (node_id);
    self->leads = *leads;
    if (!self->node_id) {
        free (self);
        return NULL;
    }
    return self;
}

void
sched_store_destroy (sched_store_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    sched_store_t *self = *self_p;
    free (self->node_id);
    free (self);
    *self_p = NULL;
}

/* ---- small pieces -------------------------------------------------------------------- */

//  A number as text in the arena, for a parameter.
static char *
s_num (cab_arena_t *arena, long long v)
{
    return cab_arena_printf (arena, "%lld", v);
}

static cab_status_t
s_fault_set (sched_fault_t *fault, cab_status_t status, const char *field, const char *message)
{
    if (fault)
        sched_fault_set (fault, status, field, "%s", message);
    return status;
}

static cab_status_t
s_lock (sched_store_t *self, const char *key)
{
    const char *params[] = {key};
    return cab_db_command (self->db, SQL_LOCK, 1, params);
}

//  Take the meeting's row lock and check it is still the version the
//  handler judged: every change to one meeting is serialised here.
static cab_status_t
s_lock_meeting (sched_store_t *self, const char *id, int version, sched_fault_t *fault)
{
    char v[NUM_TEXT];
    snprintf (v, sizeof v, "%d", version);
    const char *params[] = {id};
    PGresult *res = NULL;
    cab_status_t status = cab_db_query_row (self->db, SQL_MEETING_LOCK, 1, params, &res);
    if (status == CAB_NOT_FOUND)
        return s_fault_set (fault, CAB_ABORTED, NULL, s_changed_meanwhile);
    if (status != CAB_OK)
        return status;
    bool same = strcmp (PQgetvalue (res, 0, 0), v) == 0;
    PQclear (res);
    return same ? CAB_OK : s_fault_set (fault, CAB_ABORTED, NULL, s_changed_meanwhile);
}

//  Record the reply of an idempotent request inside the open transaction.
//  A concurrent twin that committed first wins: this one is refused.
static cab_status_t
s_idem_record (sched_store_t *self, const cab_idem_t *idem, const ProtobufCMessage *reply,
               sched_fault_t *fault)
{
    cab_status_t status = cab_idem_record (self->db, idem, reply);
    if (status == CAB_ABORTED)
        s_fault_set (fault, status, "Idempotency-Key", CAB_IDEM_MSG_BUSY);
    return status;
}

/* ---- projection reads ---------------------------------------------------------------- */

cab_status_t
sched_store_person (sched_store_t *self, cab_arena_t *arena, const char *id,
                    sched_person_t **person)
{
    const char *params[] = {id};
    PGresult *res = NULL;
    cab_status_t status = cab_db_query_row (self->db, SQL_PERSON, 1, params, &res);
    if (status != CAB_OK)
        return status;
    sched_person_t *p = cab_arena_alloc (arena, sizeof *p);
    p->id = cab_db_text (arena, res, 0, 0);
    p->unit_id = cab_db_text (arena, res, 0, 1);
    p->node_id = cab_db_text (arena, res, 0, 2);
    p->active = cab_db_bool (res, 0, 3);
    size_t n = 0;
    p->roles = cab_db_split (arena, cab_db_value (res, 0, 4), &n);
    p->n_roles = n;
    PQclear (res);
    *person = p;
    return CAB_OK;
}

cab_status_t
sched_store_unit (sched_store_t *self, cab_arena_t *arena, const char *id, char **name,
                  char **node_id)
{
    const char *params[] = {id};
    PGresult *res = NULL;
    cab_status_t status = cab_db_query_row (self->db, SQL_UNIT, 1, params, &res);
    if (status != CAB_OK)
        return status;
    if (name)
        *name = cab_db_text (arena, res, 0, 0);
    if (node_id)
        *node_id = cab_db_text (arena, res, 0, 1);
    PQclear (res);
    return CAB_OK;
}

cab_status_t
sched_store_unit_line (sched_store_t *self, cab_arena_t *arena, const char *unit_id, char ***ids,
                       size_t *n)
{
    const char *params[] = {unit_id};
    PGresult *res = NULL;
    cab_status_t status = cab_db_exec (self->db, SQL_UNIT_LINE, 1, params, &res);
    if (status != CAB_OK)
        return status;
    int rows = PQntuples (res);
    *ids = cab_arena_alloc (arena, (size_t) (rows ? rows : 1) * sizeof **ids);
    for (int i = 0; i < rows; i++)
        (*ids)[i] = cab_db_text (arena, res, i, 0);
    *n = (size_t) rows;
    PQclear (res);
    return CAB_OK;
}

/* ---- catalogs ------------------------------------------------------------------------ */

static Cabinet__V1__CatalogEntry *
s_entry_from_row (cab_arena_t *arena, const PGresult *res, int row)
{
    Cabinet__V1__CatalogEntry *e = cab_arena_alloc (arena, sizeof *e);
    cabinet__v1__catalog_entry__init (e);
    e->id = cab_db_text (arena, res, row, CC_ID);
    e->kind = cab_db_text (arena, res, row, CC_KIND);
    e->code = cab_db_text (arena, res, row, CC_CODE);
    e->name = cab_db_text (arena, res, row, CC_NAME);
    e->unit_id = cab_db_text (arena, res, row, CC_UNIT_ID);
    e->has_capacity = true;
    e->capacity = (int32_t) cab_db_long (res, row, CC_CAPACITY);
    e->location = cab_db_text (arena, res, row, CC_LOCATION);
    e->created_at = cab_db_text (arena, res, row, CC_CREATED_AT);
    return e;
}

static cab_status_t
s_emit_catalog (PGconn *db, const Cabinet__V1__CatalogEntry *entry, const char *actor_id)
{
    Cabinet__V1__CatalogEvent payload = CABINET__V1__CATALOG_EVENT__INIT;
    payload.entry = (Cabinet__V1__CatalogEntry *) entry;
    payload.actor_id = (char *) actor_id;
    cab_event_t ev = {
        .type = "catalog.created",
        .subject = entry->id,
        .payload = &payload.base,
        .actor_id = actor_id,
    };
    return cab_outbox_emit (db, &ev);
}

cab_status_t
sched_store_catalog_list (sched_store_t *self, cab_arena_t *arena,
                          const sched_catalog_query_t *query, Cabinet__V1__CatalogList **list)
{
    const char *params[] = {query->kind, query->unit_id, query->pattern, query->after,
                            s_num (arena, query->limit + 1)};
    PGresult *res = NULL;
    cab_status_t status = cab_db_exec (self->db, SQL_CATALOG_LIST, 5, params, &res);
    if (status != CAB_OK)
        return status;
    Cabinet__V1__CatalogList *out = cab_arena_alloc (arena, sizeof *out);
    cabinet__v1__catalog_list__init (out);
    int rows = PQntuples (res);
    int take = rows > query->limit ? query->limit : rows;
    out->items = cab_arena_alloc (arena, (size_t) (take ? take : 1) * sizeof *out->items);
    for (int i = 0; i < take; i++)
        out->items[out->n_items++] = s_entry_from_row (arena, res, i);
    if (rows > query->limit && take > 0)
        out->next = out->items[take - 1]->id;
    PQclear (res);
    *list = out;
    return CAB_OK;
}

cab_status_t
sched_store_catalog_get (sched_store_t *self, cab_arena_t *arena, const char *kind, const char *id,
                         Cabinet__V1__CatalogEntry **entry)
{
    const char *params[] = {kind, id};
    PGresult *res = NULL;
    cab_status_t status = cab_db_query_row (self->db, SQL_CATALOG_GET, 2, params, &res);
    if (status != CAB_OK)
        return status;
    *entry = s_entry_from_row (arena, res, 0);
    PQclear (res);
    return CAB_OK;
}

cab_status_t
sched_store_catalog_create (sched_store_t *self, cab_arena_t *arena, const sched_catalog_in_t *in,
                            const char *actor_id, const cab_idem_t *idem,
                            Cabinet__V1__CatalogEntry **entry, sched_fault_t *fault)
{
    char id[CAB_UUID_LEN + 1];
    cab_uuid_v7 (id);
    PGresult *res = NULL;
    cab_status_t status = cab_db_begin (self->db);
    if (status != CAB_OK)
        return status;
    if (in->unit_id) {
        status = sched_store_unit (self, arena, in->unit_id, NULL, NULL);
        if (status == CAB_NOT_FOUND)
            s_fault_set (fault, status, "unit_id", "Không tìm thấy đơn vị");
        if (status != CAB_OK)
            goto cleanup;
    }
    const char *params[] = {id,
                            in->kind,
                            in->name,
                            in->unit_id,
                            s_num (arena, in->capacity),
                            cab_db_opt (in->location),
                            actor_id};
    status = cab_db_query_row (self->db, SQL_CATALOG_INSERT, 7, params, &res);
    if (status == CAB_ALREADY_EXISTS)
        s_fault_set (fault, status, "name", "Danh mục đã có mục cùng tên");
    if (status != CAB_OK)
        goto cleanup;
    *entry = s_entry_from_row (arena, res, 0);
    if ((status = s_emit_catalog (self->db, *entry, actor_id)) != CAB_OK)
        goto cleanup;
    if ((status = s_idem_record (self, idem, &(*entry)->base, fault)) != CAB_OK)
        goto cleanup;
    status = cab_db_commit (self->db);
cleanup:
    if (status != CAB_OK)
        cab_db_rollback (self->db);
    PQclear (res);
    return status;
}

//  Insert a seeded entry (ON CONFLICT: nothing) and its event if it is new.
static cab_status_t
s_seed_entry (PGconn *db, const char *kind, const char *name, const char *unit_id, int capacity,
              const char *location, bool *created)
{
    cab_arena_t *arena = cab_arena_new ();
    if (!arena)
        return CAB_INTERNAL;
    char id[CAB_UUID_LEN + 1];
    cab_uuid_v7 (id);
    const char *params[] = {id, kind, name, unit_id, s_num (arena, capacity), location};
    PGresult *res = NULL;
    cab_status_t status = cab_db_exec (db, SQL_CATALOG_SEED, 6, params, &res);
    *created = status == CAB_OK && PQntuples (res) > 0;
    if (*created)
        status = s_emit_catalog (db, s_entry_from_row (arena, res, 0), NULL);
    PQclear (res);
    cab_arena_destroy (&arena);
    return status;
}

cab_status_t
sched_store_catalog_seed (sched_store_t *self, const char *kind, const char *name, bool *created)
{
    cab_status_t status = cab_db_begin (self->db);
    if (status == CAB_OK)
        status = s_seed_entry (self->db, kind, name, NULL, 0, NULL, created);
    if (status == CAB_OK)
        status = cab_db_commit (self->db);
    if (status != CAB_OK)
        cab_db_rollback (self->db);
    return status;
}

cab_status_t
sched_store_room_seed (sched_store_t *self, const char *unit_name, const char *name, int capacity,
                       const char *location, int *outcome)
{
    char cap[NUM_TEXT];
    snprintf (cap, sizeof cap, "%d", capacity);
    PGresult *res = NULL;
    cab_status_t status = cab_db_begin (self->db);
    if (status != CAB_OK)
        return status;
    const char *find[] = {unit_name, self->node_id};
    status = cab_db_query_row (self->db, SQL_UNIT_BY_NAME, 2, find, &res);
    if (status == CAB_NOT_FOUND) {
        const char *params[] = {unit_name, name, cap, location};
        status = cab_db_command (self->db, SQL_ROOM_SEED_PUT, 4, params);
        *outcome = -1;
    } else if (status == CAB_OK) {
        bool created = false;
        status = s_seed_entry (self->db, "rooms", name, PQgetvalue (res, 0, 0), capacity, location,
                               &created);
        *outcome = created ? 1 : 0;
    }
    if (status == CAB_OK)
        status = cab_db_commit (self->db);
    if (status != CAB_OK)
        cab_db_rollback (self->db);
    PQclear (res);
    return status;
}

/* ---- meetings: reading ----------------------------------------------------------------- */

static Cabinet__V1__Participant *
s_participant_from_row (cab_arena_t *arena, const PGresult *res, int row)
{
    Cabinet__V1__Participant *p = cab_arena_alloc (arena, sizeof *p);
    cabinet__v1__participant__init (p);
    p->id = cab_db_text (arena, res, row, PC_ID);
    p->kind = cab_db_text (arena, res, row, PC_KIND);
    p->user_id = cab_db_text (arena, res, row, PC_USER_ID);
    p->unit_id = cab_db_text (arena, res, row, PC_UNIT_ID);
    p->name = cab_db_text (arena, res, row, PC_NAME);
    p->node_id = cab_db_text (arena, res, row, PC_NODE_ID);
    p->response = cab_db_text (arena, res, row, PC_RESPONSE);
    p->reason = cab_db_text (arena, res, row, PC_REASON);
    p->delegate_user_id = cab_db_text (arena, res, row, PC_DELEGATE);
    p->replaces_user_id = cab_db_text (arena, res, row, PC_REPLACES);
    p->via_unit_id = cab_db_text (arena, res, row, PC_VIA_UNIT);
    p->responded_at = cab_db_text (arena, res, row, PC_RESPONDED_AT);
    p->has_late = true;
    p->late = cab_db_bool (res, row, PC_LATE);
    p->attendance = cab_db_text (arena, res, row, PC_ATTENDANCE);
    p->attendance_reason = cab_db_text (arena, res, row, PC_ATTENDANCE_REASON);
    p->substitute_user_id = cab_db_text (arena, res, row, PC_SUBSTITUTE);
    p->checked_in_at = cab_db_text (arena, res, row, PC_CHECKED_IN_AT);
    p->has_support_requested = true;
    p->support_requested = cab_db_bool (res, row, PC_SUPPORT);
    p->invited_at = cab_db_text (arena, res, row, PC_INVITED_AT);
    return p;
}

static cab_status_t
s_participant_read (sched_store_t *self, cab_arena_t *arena, const char *id,
                    Cabinet__V1__Participant **out)
{
    const char *params[] = {id};
    PGresult *res = NULL;
    cab_status_t status = cab_db_query_row (self->db, SQL_PARTICIPANT_BY_ID, 1, params, &res);
    if (status == CAB_OK)
        *out = s_participant_from_row (arena, res, 0);
    PQclear (res);
    return status;
}

static char *
s_due_text (cab_arena_t *arena, const sched_leads_t *leads, sched_rule_t rule, sched_type_t type,
            int64_t start)
{
    char *text = cab_arena_alloc (arena, CAB_TIME_TEXT);
    return cab_time_format (sched_due (leads, rule, type, start), text);
}

static sched_meeting_t *
s_meeting_from_row (sched_store_t *self, cab_arena_t *arena, const PGresult *res)
{
    Cabinet__V1__Meeting *m = cab_arena_alloc (arena, sizeof *m);
    cabinet__v1__meeting__init (m);
    m->id = cab_db_text (arena, res, 0, MC_ID);
    m->node_id = cab_db_text (arena, res, 0, MC_NODE_ID);
    m->title = cab_db_text (arena, res, 0, MC_TITLE);
    m->content = cab_db_text (arena, res, 0, MC_CONTENT);
    m->start_at = cab_db_text (arena, res, 0, MC_START_AT);
    m->end_at = cab_db_text (arena, res, 0, MC_END_AT);
    m->room_id = cab_db_text (arena, res, 0, MC_ROOM_ID);
    m->room_name = cab_db_text (arena, res, 0, MC_ROOM_NAME);
    m->form = cab_db_text (arena, res, 0, MC_FORM);
    m->type = cab_db_text (arena, res, 0, MC_TYPE);
    m->field_id = cab_db_text (arena, res, 0, MC_FIELD_ID);
    m->field_name = cab_db_text (arena, res, 0, MC_FIELD_NAME);
    m->chair_id = cab_db_text (arena, res, 0, MC_CHAIR_ID);
    m->secretary_id = cab_db_text (arena, res, 0, MC_SECRETARY_ID);
    m->approver_id = cab_db_text (arena, res, 0, MC_APPROVER_ID);
    m->preparer_id = cab_db_text (arena, res, 0, MC_PREPARER_ID);
    m->preparer_unit_id = cab_db_text (arena, res, 0, MC_PREPARER_UNIT_ID);
    m->support_ids = cab_db_split (arena, cab_db_value (res, 0, MC_SUPPORT_IDS), &m->n_support_ids);
    m->host_unit_id = cab_db_text (arena, res, 0, MC_HOST_UNIT_ID);
    m->host_unit_name = cab_db_text (arena, res, 0, MC_HOST_UNIT_NAME);
    m->created_by = cab_db_text (arena, res, 0, MC_CREATED_BY);
    m->status = cab_db_text (arena, res, 0, MC_STATUS);
    m->reason = cab_db_text (arena, res, 0, MC_REASON);
    m->submitted_at = cab_db_text (arena, res, 0, MC_SUBMITTED_AT);
    m->approved_at = cab_db_text (arena, res, 0, MC_APPROVED_AT);
    m->started_at = cab_db_text (arena, res, 0, MC_STARTED_AT);
    m->ended_at = cab_db_text (arena, res, 0, MC_ENDED_AT);
    m->cancelled_at = cab_db_text (arena, res, 0, MC_CANCELLED_AT);
    m->has_approval_forced = true;
    m->approval_forced = cab_db_bool (res, 0, MC_FORCED);
    m->force_reason = cab_db_text (arena, res, 0, MC_FORCE_REASON);
    m->has_violations = true;
    m->violations = (int32_t) cab_db_long (res, 0, MC_VIOLATIONS);
    m->created_at = cab_db_text (arena, res, 0, MC_CREATED_AT);
    m->updated_at = cab_db_text (arena, res, 0, MC_UPDATED_AT);
    m->has_secret = true;
    m->secret = cab_db_bool (res, 0, MC_SECRET);
    m->secret_by = cab_db_text (arena, res, 0, MC_SECRET_BY);
    m->secret_at = cab_db_text (arena, res, 0, MC_SECRET_AT);
    //  Documents live in the documents service; its events fill these
    //  (stored and not rejected; pages of those whose pages are known).
    Cabinet__V1__DocumentsSummary *docs = cab_arena_alloc (arena, sizeof *docs);
    cabinet__v1__documents_summary__init (docs);
    docs->has_count = docs->has_pages = true;
    docs->count = (int32_t) cab_db_long (res, 0, MC_DOCUMENTS);
    docs->pages = (int32_t) cab_db_long (res, 0, MC_DOCUMENT_PAGES);
    m->documents = docs;

    sched_meeting_t *out = cab_arena_alloc (arena, sizeof *out);
    out->meeting = m;
    sched_status_parse (m->status, &out->status);
    sched_type_parse (m->type, &out->type);
    out->start = cab_db_long (res, 0, MC_START_EPOCH);
    out->end = cab_db_long (res, 0, MC_END_EPOCH);
    out->published = cab_db_bool (res, 0, MC_PUBLISHED);
    out->version = (int) cab_db_long (res, 0, MC_VERSION);
    m->notice_due_at = s_due_text (arena, &self->leads, SCHED_RULE_NOTICE, out->type, out->start);
    m->reply_due_at = s_due_text (arena, &self->leads, SCHED_RULE_REPLY, out->type, out->start);
    m->documents_due_at =
        s_due_text (arena, &self->leads, SCHED_RULE_DOCUMENTS, out->type, out->start);
    m->support_due_at = s_due_text (arena, &self->leads, SCHED_RULE_SUPPORT, out->type, out->start);
    return out;
}

//  The meeting with its participants (inside or outside a transaction).
static cab_status_t
s_meeting_read (sched_store_t *self, cab_arena_t *arena, const char *id, sched_meeting_t **out)
{
    const char *params[] = {id};
    PGresult *res = NULL;
    cab_status_t status = cab_db_query_row (self->db, SQL_MEETING_GET, 1, params, &res);
    if (status != CAB_OK)
        return status;
    sched_meeting_t *m = s_meeting_from_row (self, arena, res);
    PQclear (res);
    res = NULL;
    status = cab_db_exec (self->db, SQL_PARTICIPANTS, 1, params, &res);
    if (status != CAB_OK)
        return status;
    int rows = PQntuples (res);
    m->meeting->participants =
        cab_arena_alloc (arena, (size_t) (rows ? rows : 1) * sizeof *m->meeting->participants);
    for (int i = 0; i < rows; i++)
        m->meeting->participants[m->meeting->n_participants++] =
            s_participant_from_row (arena, res, i);
    PQclear (res);
    *out = m;
    return CAB_OK;
}

cab_status_t
sched_store_meeting_get (sched_store_t *self, cab_arena_t *arena, const char *id,
                         sched_meeting_t **meeting)
{
    return s_meeting_read (self, arena, id, meeting);
}

/* ---- events ----------------------------------------------------------------------------- */

static Cabinet__V1__MeetingSummary *
s_summary (cab_arena_t *arena, const Cabinet__V1__Meeting *m)
{
    Cabinet__V1__MeetingSummary *s = cab_arena_alloc (arena, sizeof *s);
    cabinet__v1__meeting_summary__init (s);
    s->id = m->id;
    s->node_id = m->node_id;
    s->title = m->title;
    s->start_at = m->start_at;
    s->end_at = m->end_at;
    s->status = m->status;
    s->type = m->type;
    s->form = m->form;
    s->room_id = m->room_id;
    s->room_name = m->room_name;
    s->host_unit_id = m->host_unit_id;
    s->host_unit_name = m->host_unit_name;
    s->field_id = m->field_id;
    s->chair_id = m->chair_id;
    s->secretary_id = m->secretary_id;
    s->approver_id = m->approver_id;
    s->created_by = m->created_by;
    //  Every event carries the mark, so projections never lose it.
    s->has_secret = true;
    s->secret = m->has_secret && m->secret;
    return s;
}

//  What a meeting.* event says besides the meeting and its invitees.
typedef struct {
    const char *type;
    const char *from_status;
    const char *reason;
    const Cabinet__V1__Violation *violation;
    Cabinet__V1__Warning **warnings;
    size_t n_warnings;
    const char *const *changed;
    size_t n_changed;
    bool forced;
    const char *force_reason;
} s_meeting_event_t;

static cab_status_t
s_emit_meeting (sched_store_t *self, cab_arena_t *arena, const sched_meeting_t *m,
                const s_meeting_event_t *what, const char *actor_id)
{
    Cabinet__V1__MeetingEvent payload = CABINET__V1__MEETING_EVENT__INIT;
    payload.meeting = s_summary (arena, m->meeting);
    payload.actor_id = (char *) actor_id;
    payload.from_status = (char *) what->from_status;
    payload.to_status = m->meeting->status;
    payload.reason = (char *) what->reason;
    payload.invitees = m->meeting->participants;
    payload.n_invitees = m->meeting->n_participants;
    Cabinet__V1__Violation *violations[1];
    if (what->violation) {
        violations[0] = (Cabinet__V1__Violation *) what->violation;
        payload.violations = violations;
        payload.n_violations = 1;
    }
    payload.warnings = what->warnings;
    payload.n_warnings = what->n_warnings;
    payload.changed_fields = (char **) what->changed;
    payload.n_changed_fields = what->n_changed;
    payload.has_forced = what->forced;
    payload.forced = what->forced;
    payload.force_reason = (char *) what->force_reason;
    cab_event_t ev = {
        .type = what->type,
        .subject = m->meeting->id,
        .payload = &payload.base,
        .actor_id = actor_id,
        .meeting_id = m->meeting->id,
    };
    return cab_outbox_emit (self->db, &ev);
}

//  An invitation event (type) for the participants whose ids are ids[0..n).
static cab_status_t
s_emit_invitation_event (sched_store_t *self, cab_arena_t *arena, const char *type,
                         const sched_meeting_t *m, char *const *ids, size_t n, const char *actor_id)
{
    if (n == 0)
        return CAB_OK;
    Cabinet__V1__InvitationEvent payload = CABINET__V1__INVITATION_EVENT__INIT;
    payload.meeting = s_summary (arena, m->meeting);
    payload.actor_id = (char *) actor_id;
    payload.invitees = cab_arena_alloc (arena, n * sizeof *payload.invitees);
    for (size_t i = 0; i < m->meeting->n_participants; i++)
        for (size_t j = 0; j < n; j++)
            if (strcmp (m->meeting->participants[i]->id, ids[j]) == 0)
                payload.invitees[payload.n_invitees++] = m->meeting->participants[i];
    cab_event_t ev = {
        .type = type,
        .subject = m->meeting->id,
        .payload = &payload.base,
        .actor_id = actor_id,
    };
    return cab_outbox_emit (self->db, &ev);
}

//  invitation.created for the participants whose ids are ids[0..n).
static cab_status_t
s_emit_invitations (sched_store_t *self, cab_arena_t *arena, const sched_meeting_t *m,
                    char *const *ids, size_t n, const char *actor_id)
{
    return s_emit_invitation_event (self, arena, "invitation.created", m, ids, n, actor_id);
}

static const char SQL_INVITATION_OPENED[] =
    "UPDATE participants SET opened_at = now ()"
    " WHERE meeting_id = $1 AND kind = 'user' AND opened_at IS NULL"
    "   AND (user_id = $2 OR substitute_user_id = $2) RETURNING id";

cab_status_t
sched_store_invitation_opened (sched_store_t *self, cab_arena_t *arena, const sched_meeting_t *m,
                               const char *user_id)
{
    cab_status_t status = cab_db_begin (self->db);
    if (status != CAB_OK)
        return status;
    const char *params[] = {m->meeting->id, user_id};
    PGresult *res = NULL;
    status = cab_db_exec (self->db, SQL_INVITATION_OPENED, 2, params, &res);
    if (status == CAB_OK && PQntuples (res) > 0) {
        size_t n = (size_t) PQntuples (res);
        char **ids = cab_arena_alloc (arena, n * sizeof *ids);
        for (size_t i = 0; i < n; i++)
            ids[i] = cab_arena_strdup (arena, PQgetvalue (res, (int) i, 0));
        status = s_emit_invitation_event (self, arena, "invitation.opened", m, ids, n, user_id);
    }
    PQclear (res);
    if (status == CAB_OK)
        status = cab_db_commit (self->db);
    else
        cab_db_rollback (self->db);
    return status;
}

//  Store a violation (its id is set here) inside the open transaction;
//  document_id: the late document it is about, or NULL.
static cab_status_t
s_violation_insert_for (sched_store_t *self, cab_arena_t *arena, const char *meeting_id,
                        Cabinet__V1__Violation *v, const char *document_id)
{
    char id[CAB_UUID_LEN + 1];
    cab_uuid_v7 (id);
    v->id = cab_arena_strdup (arena, id);
    v->meeting_id = (char *) meeting_id;
    const char *params[] = {v->id,
                            meeting_id,
                            v->rule,
                            v->meeting_type,
                            s_num (arena, v->lead_seconds),
                            v->due_at,
                            v->occurred_at,
                            s_num (arena, v->late_seconds),
                            v->user_id,
                            v->message,
                            document_id};
    return cab_db_command (self->db, SQL_VIOLATION_INSERT, 11, params);
}

static cab_status_t
s_violation_insert (sched_store_t *self, cab_arena_t *arena, const char *meeting_id,
                    Cabinet__V1__Violation *v)
{
    return s_violation_insert_for (self, arena, meeting_id, v, NULL);
}

//  A copy of *v the store may fill (id, meeting) without touching the caller's.
static Cabinet__V1__Violation *
s_violation_copy (cab_arena_t *arena, const Cabinet__V1__Violation *v)
{
    if (!v)
        return NULL;
    Cabinet__V1__Violation *copy = cab_arena_alloc (arena, sizeof *copy);
    *copy = *v;
    return copy;
}

/* ---- meetings: changing ------------------------------------------------------------------ */

//  Insert one invitee. invited: the invitation goes out now. response NULL:
//  pending. *inserted is false when the person or agency is invited
//  already. *id_out (may be NULL) receives the new row's id.
static cab_status_t
s_invite (sched_store_t *self, cab_arena_t *arena, const char *meeting_id,
          const sched_invitation_t *inv, int position, const char *response,
          const char *via_unit_id, const char *replaces_user_id, bool invited, bool *inserted,
          char **id_out)
{
    char id[CAB_UUID_LEN + 1];
    cab_uuid_v7 (id);
    const char *params[] = {id,
                            meeting_id,
                            inv->kind,
                            inv->user_id,
                            inv->unit_id,
                            inv->node_id,
                            position >= 0 ? s_num (arena, position) : NULL,
                            response,
                            via_unit_id,
                            replaces_user_id,
                            cab_db_bool_text (invited)};
    bool any = false;
    cab_status_t status = cab_db_any_row (self->db, SQL_PARTICIPANT_INSERT, 11, params, &any);
    if (inserted)
        *inserted = any;
    if (status == CAB_OK && any && id_out)
        *id_out = cab_arena_strdup (arena, id);
    return status;
}

static const char *
s_support_literal (cab_arena_t *arena, const sched_meeting_in_t *in)
{
    return cab_db_array (arena, in->support_ids, in->n_support);
}

cab_status_t
sched_store_meeting_create (sched_store_t *self, cab_arena_t *arena, const sched_meeting_in_t *in,
                            Cabinet__V1__Warning **warnings, size_t n_warnings,
                            const char *actor_id, const cab_idem_t *idem, sched_meeting_t **meeting,
                            sched_fault_t *fault)
{
    char id[CAB_UUID_LEN + 1];
    cab_uuid_v7 (id);
    cab_status_t status = cab_db_begin (self->db);
    if (status != CAB_OK)
        return status;
    const char *params[] = {id,
                            self->node_id,
                            in->title,
                            cab_db_opt (in->content),
                            s_num (arena, in->start),
                            s_num (arena, in->end),
                            cab_db_opt (in->room_id),
                            in->form,
                            in->type,
                            cab_db_opt (in->field_id),
                            in->chair_id,
                            in->secretary_id,
                            in->approver_id,
                            cab_db_opt (in->preparer_id),
                            cab_db_opt (in->preparer_unit_id),
                            s_support_literal (arena, in),
                            in->host_unit_id,
                            actor_id};
    if ((status = cab_db_command (self->db, SQL_MEETING_INSERT, 18, params)) != CAB_OK)
        goto cleanup;
    for (size_t i = 0; i < in->n_invitations; i++)
        if ((status = s_invite (self, arena, id, &in->invitations[i], (int) i, NULL, NULL, NULL,
                                false, NULL, NULL))
            != CAB_OK)
            goto cleanup;
    if ((status = s_meeting_read (self, arena, id, meeting)) != CAB_OK)
        goto cleanup;
    (*meeting)->meeting->warnings = warnings;
    (*meeting)->meeting->n_warnings = n_warnings;
    s_meeting_event_t what = {
        .type = "meeting.created", .warnings = warnings, .n_warnings = n_warnings};
    if ((status = s_emit_meeting (self, arena, *meeting, &what, actor_id)) != CAB_OK)
        goto cleanup;
    if ((status = s_idem_record (self, idem, &(*meeting)->meeting->base, fault)) != CAB_OK)
        goto cleanup;
cleanup:
    return cab_db_end (self->db, status);
}

cab_status_t
sched_store_meeting_update (sched_store_t *self, cab_arena_t *arena, const char *id, int version,
                            const sched_meeting_in_t *in, const char *const *changed,
                            size_t n_changed, Cabinet__V1__Warning **warnings, size_t n_warnings,
                            const char *actor_id, const cab_idem_t *idem, sched_meeting_t **meeting,
                            sched_fault_t *fault)
{
    cab_status_t status = cab_db_begin (self->db);
    if (status != CAB_OK)
        return status;
    if ((status = s_lock_meeting (self, id, version, fault)) != CAB_OK)
        goto cleanup;
    const char *params[] = {id,
                            in->title,
                            cab_db_opt (in->content),
                            s_num (arena, in->start),
                            s_num (arena, in->end),
                            cab_db_opt (in->room_id),
                            in->form,
                            in->type,
                            cab_db_opt (in->field_id),
                            in->chair_id,
                            in->secretary_id,
                            in->approver_id,
                            cab_db_opt (in->preparer_id),
                            cab_db_opt (in->preparer_unit_id),
                            s_support_literal (arena, in)};
    if ((status = cab_db_command (self->db, SQL_MEETING_UPDATE, 15, params)) != CAB_OK)
        goto cleanup;
    if (in->invitations_set) {
        char **users = cab_arena_alloc (arena, (in->n_invitations + 1) * sizeof *users);
        char **units = cab_arena_alloc (arena, (in->n_invitations + 1) * sizeof *units);
        size_t n_users = 0, n_units = 0;
        for (size_t i = 0; i < in->n_invitations; i++) {
            if (strcmp (in->invitations[i].kind, "user") == 0)
                users[n_users++] = (char *) in->invitations[i].user_id;
            else
                units[n_units++] = (char *) in->invitations[i].unit_id;
        }
        const char *prune[] = {id, cab_db_array (arena, users, n_users),
                               cab_db_array (arena, units, n_units)};
        if ((status = cab_db_command (self->db, SQL_PARTICIPANTS_PRUNE, 3, prune)) != CAB_OK)
            goto cleanup;
        //  Kept invitees keep their row (and reply); new ones are appended.
        for (size_t i = 0; i < in->n_invitations; i++)
            if ((status = s_invite (self, arena, id, &in->invitations[i], -1, NULL, NULL, NULL,
                                    false, NULL, NULL))
                != CAB_OK)
                goto cleanup;
    }
    if ((status = s_meeting_read (self, arena, id, meeting)) != CAB_OK)
        goto cleanup;
    (*meeting)->meeting->warnings = warnings;
    (*meeting)->meeting->n_warnings = n_warnings;
    s_meeting_event_t what = {.type = "meeting.updated",
                              .warnings = warnings,
                              .n_warnings = n_warnings,
                              .changed = changed,
                              .n_changed = n_changed};
    if ((status = s_emit_meeting (self, arena, *meeting, &what, actor_id)) != CAB_OK)
        goto cleanup;
    if ((status = s_idem_record (self, idem, &(*meeting)->meeting->base, fault)) != CAB_OK)
        goto cleanup;
cleanup:
    return cab_db_end (self->db, status);
}

cab_status_t
sched_store_set_secret (sched_store_t *self, cab_arena_t *arena, const char *id, int version,
                        bool secret, const char *actor_id, const cab_idem_t *idem,
                        sched_meeting_t **meeting, bool *changed, sched_fault_t *fault)
{
    *changed = false;
    cab_status_t status = cab_db_begin (self->db);
    if (status != CAB_OK)
        return status;
    if ((status = s_lock_meeting (self, id, version, fault)) != CAB_OK)
        goto cleanup;
    const char *params[] = {id, cab_db_bool_text (secret), actor_id};
    if ((status = cab_db_any_row (self->db, SQL_SET_SECRET, 3, params, changed)) != CAB_OK)
        goto cleanup;
    if ((status = s_meeting_read (self, arena, id, meeting)) != CAB_OK)
        goto cleanup;
    if (*changed) {
        static const char *const what_changed[] = {"secret"};
        s_meeting_event_t what = {
            .type = "meeting.updated", .changed = what_changed, .n_changed = 1};
        if ((status = s_emit_meeting (self, arena, *meeting, &what, actor_id)) != CAB_OK)
            goto cleanup;
    }
    if ((status = s_idem_record (self, idem, &(*meeting)->meeting->base, fault)) != CAB_OK)
        goto cleanup;
cleanup:
    return cab_db_end (self->db, status);
}

static const char *
s_booked_literal (sched_booked_t booked)
{
    return booked == SCHED_BOOKED_CONFIRMED ? "{approved,in_progress}"
                                            : "{pending_approval,approved,in_progress}";
}

cab_status_t
sched_store_conflicts (sched_store_t *self, cab_arena_t *arena, const char *exclude_id,
                       const char *room_id, const char *chair_id, int64_t start, int64_t end,
                       sched_booked_t booked, Cabinet__V1__Warning ***warnings, size_t *n)
{
    const char *params[] = {
        cab_db_opt (exclude_id), s_booked_literal (booked), cab_db_opt (room_id),        chair_id,
        s_num (arena, start),    s_num (arena, end),        s_num (arena, CONFLICTS_MAX)};
    PGresult *res = NULL;
    cab_status_t status = cab_db_exec (self->db, SQL_CONFLICTS, 7, params, &res);
    if (status != CAB_OK)
        return status;
    int rows = PQntuples (res);
    //  A meeting may take both the room and the chair: two warnings.
    Cabinet__V1__Warning **out = cab_arena_alloc (arena, (size_t) (2 * rows + 1) * sizeof *out);
    size_t count = 0;
    for (int i = 0; i < rows; i++) {
        for (int which = 0; which < 2; which++) {
            if (!cab_db_bool (res, i, 4 + which))
                continue;
            Cabinet__V1__Warning *w = cab_arena_alloc (arena, sizeof *w);
            cabinet__v1__warning__init (w);
            w->code = which == 0 ? "room_busy" : "chair_busy";
            w->meeting_id = cab_db_text (arena, res, i, 0);
            w->meeting_title = cab_db_text (arena, res, i, 1);
            w->start_at = cab_db_text (arena, res, i, 2);
            w->end_at = cab_db_text (arena, res, i, 3);
            w->message = cab_arena_printf (arena, "%s cuộc họp «%s» (%s – %s)",
                                           which == 0 ? "Phòng họp đã được đặt cho"
                                                      : "Người chủ trì đã chủ trì",
                                           w->meeting_title, w->start_at, w->end_at);
            out[count++] = w;
        }
    }
    PQclear (res);
    *warnings = out;
    *n = count;
    return CAB_OK;
}

//  Advisory locks on the room and the chair, always in this order, so two
//  approvals that would double-book them are serialised.
static cab_status_t
s_lock_bookings (sched_store_t *self, cab_arena_t *arena, const sched_meeting_t *m)
{
    cab_status_t status = CAB_OK;
    if (m->meeting->room_id)
        status = s_lock (self, cab_arena_printf (arena, "scheduling.room.%s", m->meeting->room_id));
    if (status == CAB_OK)
        status =
            s_lock (self, cab_arena_printf (arena, "scheduling.chair.%s", m->meeting->chair_id));
    return status;
}

cab_status_t
sched_store_transition (sched_store_t *self, cab_arena_t *arena, const char *id,
                        const sched_transition_in_t *in, const char *actor_id,
                        const cab_idem_t *idem, sched_meeting_t **meeting,
                        Cabinet__V1__Warning ***warnings, size_t *n_warnings, sched_fault_t *fault)
{
    *n_warnings = 0;
    *warnings = NULL;
    sched_meeting_t *before = NULL;
    PGresult *res = NULL;
    Cabinet__V1__Violation *violation = s_violation_copy (arena, in->violation);
    cab_status_t status = cab_db_begin (self->db);
    if (status != CAB_OK)
        return status;
    if ((status = s_lock_meeting (self, id, in->version, fault)) != CAB_OK)
        goto cleanup;
    if (in->action == SCHED_APPROVE) {
        if ((status = s_meeting_read (self, arena, id, &before)) != CAB_OK)
            goto cleanup;
        if ((status = s_lock_bookings (self, arena, before)) != CAB_OK)
            goto cleanup;
        status = sched_store_conflicts (self, arena, id, before->meeting->room_id,
                                        before->meeting->chair_id, before->start, before->end,
                                        SCHED_BOOKED_CONFIRMED, warnings, n_warnings);
        if (status != CAB_OK)
            goto cleanup;
        if (*n_warnings > 0 && !in->force) {
            status = s_fault_set (fault, CAB_FAILED_PRECONDITION, "force", (*warnings)[0]->message);
            goto cleanup;
        }
    }
    const char *params[] = {id,
                            sched_status_name (in->to),
                            cab_db_opt (in->reason),
                            sched_action_name (in->action),
                            cab_db_bool_text (in->force && *n_warnings > 0),
                            in->force && *n_warnings > 0 ? cab_db_opt (in->force_reason) : NULL,
                            sched_status_name (in->from)};
    bool moved = false;
    if ((status = cab_db_any_row (self->db, SQL_TRANSITION, 7, params, &moved)) != CAB_OK)
        goto cleanup;
    if (!moved) {
        status = s_fault_set (fault, CAB_ABORTED, NULL, s_changed_meanwhile);
        goto cleanup;
    }
    if (violation && (status = s_violation_insert (self, arena, id, violation)) != CAB_OK)
        goto cleanup;
    //  Invitations go out with the approval, to those not told before.
    char **invited = NULL;
    size_t n_invited = 0;
    if (in->action == SCHED_APPROVE) {
        const char *one[] = {id};
        if ((status = cab_db_exec (self->db, SQL_INVITE_NOW, 1, one, &res)) != CAB_OK)
            goto cleanup;
        n_invited = (size_t) PQntuples (res);
        invited = cab_arena_alloc (arena, (n_invited + 1) * sizeof *invited);
        for (size_t i = 0; i < n_invited; i++)
            invited[i] = cab_db_text (arena, res, (int) i, 0);
    }
    if ((status = s_meeting_read (self, arena, id, meeting)) != CAB_OK)
        goto cleanup;
    s_meeting_event_t what = {
        .type = sched_action_event (in->action),
        .from_status = sched_status_name (in->from),
        .reason = cab_db_opt (in->reason),
        .violation = violation,
        .warnings = *warnings,
        .n_warnings = *n_warnings,
        .forced = in->force && *n_warnings > 0,
        .force_reason = in->force && *n_warnings > 0 ? in->force_reason : NULL,
    };
    if ((status = s_emit_meeting (self, arena, *meeting, &what, actor_id)) != CAB_OK)
        goto cleanup;
    if ((status = s_emit_invitations (self, arena, *meeting, invited, n_invited, actor_id))
        != CAB_OK)
        goto cleanup;
    (*meeting)->meeting->warnings = *warnings;
    (*meeting)->meeting->n_warnings = *n_warnings;
    if ((status = s_idem_record (self, idem, &(*meeting)->meeting->base, fault)) != CAB_OK)
        goto cleanup;
    status = cab_db_commit (self->db);
cleanup:
    if (status != CAB_OK)
        cab_db_rollback (self->db);
    PQclear (res);
    return status;
}

/* ---- replies and attendance -------------------------------------------------------------- */

cab_status_t
sched_store_rsvp (sched_store_t *self, cab_arena_t *arena, const sched_rsvp_in_t *in,
                  const char *actor_id, const cab_idem_t *idem, sched_meeting_t **meeting,
                  sched_fault_t *fault)
{
    Cabinet__V1__Violation *violation = s_violation_copy (arena, in->violation);
    cab_status_t status = cab_db_begin (self->db);
    if (status != CAB_OK)
        return status;
    if ((status = s_lock_meeting (self, in->meeting_id, in->version, fault)) != CAB_OK)
        goto cleanup;
    const char *params[] = {in->participant_id,
                            in->meeting_id,
                            in->response,
                            cab_db_opt (in->reason),
                            cab_db_bool_text (in->late),
                            in->delegate ? in->delegate->id : NULL,
                            in->current};
    bool updated = false;
    if ((status = cab_db_any_row (self->db, SQL_RSVP, 7, params, &updated)) != CAB_OK)
        goto cleanup;
    if (!updated) {
        status = s_fault_set (fault, CAB_ABORTED, "response",
                              "Trả lời của bạn vừa được thay đổi ở nơi khác; vui lòng tải lại");
        goto cleanup;
    }
    Cabinet__V1__Participant *replier = NULL;
    if ((status = s_participant_read (self, arena, in->participant_id, &replier)) != CAB_OK)
        goto cleanup;
    char *delegate_row = NULL;
    if (in->delegate) {
        sched_invitation_t inv = {.kind = "user",
                                  .user_id = in->delegate->id,
                                  .unit_id = in->delegate->unit_id,
                                  .node_id = in->delegate->node_id};
        bool inserted = false;
        status = s_invite (self, arena, in->meeting_id, &inv, -1, NULL, NULL, replier->user_id,
                           true, &inserted, &delegate_row);
        if (status == CAB_OK && !inserted)
            status = s_fault_set (fault, CAB_ALREADY_EXISTS, "delegate_user_id",
                                  "Người này đã có trong thành phần mời của cuộc họp");
        if (status != CAB_OK)
            goto cleanup;
    }
    if (violation
        && (status = s_violation_insert (self, arena, in->meeting_id, violation)) != CAB_OK)
        goto cleanup;
    if ((status = s_meeting_read (self, arena, in->meeting_id, meeting)) != CAB_OK)
        goto cleanup;
    Cabinet__V1__RsvpEvent payload = CABINET__V1__RSVP_EVENT__INIT;
    payload.meeting = s_summary (arena, (*meeting)->meeting);
    payload.participant = replier;
    payload.violation = violation;
    payload.actor_id = (char *) actor_id;
    if (delegate_row
        && (status = s_participant_read (self, arena, delegate_row, &payload.delegate)) != CAB_OK)
        goto cleanup;
    cab_event_t ev = {.type = "rsvp.submitted",
                      .subject = in->meeting_id,
                      .meeting_id = in->meeting_id,
                      .payload = &payload.base,
                      .actor_id = actor_id};
    if ((status = cab_outbox_emit (self->db, &ev)) != CAB_OK)
        goto cleanup;
    if (delegate_row
        && (status = s_emit_invitations (self, arena, *meeting, &delegate_row, 1, actor_id))
               != CAB_OK)
        goto cleanup;
    if ((status = s_idem_record (self, idem, &(*meeting)->meeting->base, fault)) != CAB_OK)
        goto cleanup;
cleanup:
    return cab_db_end (self->db, status);
}

cab_status_t
sched_store_name_attendees (sched_store_t *self, cab_arena_t *arena, const char *meeting_id,
                            int version, const char *unit_id, const sched_person_t *const *people,
                            size_t n, const char *actor_id, const cab_idem_t *idem,
                            sched_meeting_t **meeting, sched_fault_t *fault)
{
    char **rows = cab_arena_alloc (arena, (n + 1) * sizeof *rows);
    size_t n_rows = 0;
    cab_status_t status = cab_db_begin (self->db);
    if (status != CAB_OK)
        return status;
    if ((status = s_lock_meeting (self, meeting_id, version, fault)) != CAB_OK)
        goto cleanup;
    for (size_t i = 0; i < n; i++) {
        sched_invitation_t inv = {.kind = "user",
                                  .user_id = people[i]->id,
                                  .unit_id = people[i]->unit_id,
                                  .node_id = people[i]->node_id};
        bool inserted = false;
        char *row = NULL;
        status = s_invite (self, arena, meeting_id, &inv, -1, "attend", unit_id, NULL, true,
                           &inserted, &row);
        if (status != CAB_OK)
            goto cleanup;
        if (inserted)
            rows[n_rows++] = row;  //  someone invited already keeps their invitation
    }
    const char *params[] = {meeting_id, unit_id};
    if ((status = cab_db_command (self->db, SQL_UNIT_ROW_ATTEND, 2, params)) != CAB_OK)
        goto cleanup;
    if ((status = s_meeting_read (self, arena, meeting_id, meeting)) != CAB_OK)
        goto cleanup;
    if ((status = s_emit_invitations (self, arena, *meeting, rows, n_rows, actor_id)) != CAB_OK)
        goto cleanup;
    if ((status = s_idem_record (self, idem, &(*meeting)->meeting->base, fault)) != CAB_OK)
        goto cleanup;
cleanup:
    return cab_db_end (self->db, status);
}

static int32_t
s_int (const PGresult *res, int row, int col)
{
    return (int32_t) cab_db_long (res, row, col);
}

cab_status_t
sched_store_counts (sched_store_t *self, cab_arena_t *arena, const char *meeting_id,
                    Cabinet__V1__AttendanceCounts **counts)
{
    const char *params[] = {meeting_id};
    PGresult *res = NULL;
    cab_status_t status = cab_db_query_row (self->db, SQL_COUNTS, 1, params, &res);
    if (status != CAB_OK)
        return status;
    Cabinet__V1__AttendanceCounts *c = cab_arena_alloc (arena, sizeof *c);
    cabinet__v1__attendance_counts__init (c);
    c->meeting_id = cab_arena_strdup (arena, meeting_id);
    int32_t *fields[] = {&c->invited,  &c->present,    &c->absent,      &c->substitutes,
                         &c->unmarked, &c->checked_in, &c->attend,      &c->decline,
                         &c->delegate, &c->pending,    &c->late_replies};
    for (int i = 0; i < (int) (sizeof fields / sizeof fields[0]); i++)
        *fields[i] = s_int (res, 0, i);
    c->has_invited = c->has_present = c->has_absent = c->has_substitutes = c->has_unmarked =
        c->has_checked_in = c->has_attend = c->has_decline = c->has_delegate = c->has_pending =
            c->has_late_replies = true;
    PQclear (res);
    res = NULL;
    if ((status = cab_db_exec (self->db, SQL_COUNTS_BY_UNIT, 1, params, &res)) != CAB_OK)
        return status;
    int rows = PQntuples (res);
    c->by_unit = cab_arena_alloc (arena, (size_t) (rows ? rows : 1) * sizeof *c->by_unit);
    for (int i = 0; i < rows; i++) {
        Cabinet__V1__UnitAttendance *u = cab_arena_alloc (arena, sizeof *u);
        cabinet__v1__unit_attendance__init (u);
        u->unit_id = cab_db_text (arena, res, i, 0);
        u->unit_name = cab_db_text (arena, res, i, 1);
        u->has_invited = u->has_present = u->has_absent = u->has_substitutes = true;
        u->invited = s_int (res, i, 2);
        u->present = s_int (res, i, 3);
        u->absent = s_int (res, i, 4);
        u->substitutes = s_int (res, i, 5);
        c->by_unit[c->n_by_unit++] = u;
    }
    PQclear (res);
    *counts = c;
    return CAB_OK;
}

cab_status_t
sched_store_attendance (sched_store_t *self, cab_arena_t *arena, const sched_attendance_in_t *in,
                        const char *actor_id, const cab_idem_t *idem, sched_meeting_t **meeting,
                        sched_fault_t *fault)
{
    cab_status_t status = cab_db_begin (self->db);
    if (status != CAB_OK)
        return status;
    if ((status = s_lock_meeting (self, in->meeting_id, in->version, fault)) != CAB_OK)
        goto cleanup;
    const char *params[] = {in->participant_id,
                            in->meeting_id,
                            in->attendance,
                            cab_db_opt (in->reason),
                            cab_db_opt (in->substitute_user_id),
                            actor_id,
                            cab_db_bool_text (in->check_in)};
    bool updated = false;
    if ((status = cab_db_any_row (self->db, SQL_ATTENDANCE, 7, params, &updated)) != CAB_OK)
        goto cleanup;
    if (!updated) {
        status = s_fault_set (fault, CAB_ABORTED, NULL, s_changed_meanwhile);
        goto cleanup;
    }
    Cabinet__V1__AttendanceEvent payload = CABINET__V1__ATTENDANCE_EVENT__INIT;
    if ((status = s_participant_read (self, arena, in->participant_id, &payload.participant))
        != CAB_OK)
        goto cleanup;
    if ((status = sched_store_counts (self, arena, in->meeting_id, &payload.counts)) != CAB_OK)
        goto cleanup;
    if ((status = s_meeting_read (self, arena, in->meeting_id, meeting)) != CAB_OK)
        goto cleanup;
    payload.meeting = s_summary (arena, (*meeting)->meeting);
    payload.method = in->check_in ? "check_in" : "roll_call";
    payload.actor_id = (char *) actor_id;
    cab_event_t ev = {.type = "attendance.recorded",
                      .subject = in->meeting_id,
                      .meeting_id = in->meeting_id,
                      .payload = &payload.base,
                      .actor_id = actor_id};
    if ((status = cab_outbox_emit (self->db, &ev)) != CAB_OK)
        goto cleanup;
    if ((status = s_idem_record (self, idem, &(*meeting)->meeting->base, fault)) != CAB_OK)
        goto cleanup;
cleanup:
    return cab_db_end (self->db, status);
}

cab_status_t
sched_store_support (sched_store_t *self, cab_arena_t *arena, const sched_support_in_t *in,
                     const cab_idem_t *idem, Cabinet__V1__SupportRequest **request,
                     sched_fault_t *fault)
{
    char id[CAB_UUID_LEN + 1];
    cab_uuid_v7 (id);
    PGresult *res = NULL;
    Cabinet__V1__Violation *violation = s_violation_copy (arena, in->violation);
    cab_status_t status = cab_db_begin (self->db);
    if (status != CAB_OK)
        return status;
    if ((status = s_lock_meeting (self, in->meeting_id, in->version, fault)) != CAB_OK)
        goto cleanup;
    const char *params[] = {id,       in->meeting_id,        in->user_id,
                            in->kind, cab_db_opt (in->note), cab_db_bool_text (in->late)};
    if ((status = cab_db_query_row (self->db, SQL_SUPPORT_INSERT, 6, params, &res)) != CAB_OK)
        goto cleanup;
    Cabinet__V1__SupportRequest *r = cab_arena_alloc (arena, sizeof *r);
    cabinet__v1__support_request__init (r);
    r->id = cab_db_text (arena, res, 0, 0);
    r->meeting_id = cab_db_text (arena, res, 0, 1);
    r->user_id = cab_db_text (arena, res, 0, 2);
    r->kind = cab_db_text (arena, res, 0, 3);
    r->note = cab_db_text (arena, res, 0, 4);
    r->has_late = true;
    r->late = cab_db_bool (res, 0, 5);
    r->created_at = cab_db_text (arena, res, 0, 6);
    if (violation
        && (status = s_violation_insert (self, arena, in->meeting_id, violation)) != CAB_OK)
        goto cleanup;
    sched_meeting_t *m = NULL;
    if ((status = s_meeting_read (self, arena, in->meeting_id, &m)) != CAB_OK)
        goto cleanup;
    Cabinet__V1__SupportEvent payload = CABINET__V1__SUPPORT_EVENT__INIT;
    payload.meeting = s_summary (arena, m->meeting);
    payload.request = r;
    payload.violation = violation;
    cab_event_t ev = {.type = "support.requested",
                      .subject = in->meeting_id,
                      .payload = &payload.base,
                      .actor_id = in->user_id};
    if ((status = cab_outbox_emit (self->db, &ev)) != CAB_OK)
        goto cleanup;
    if ((status = s_idem_record (self, idem, &r->base, fault)) != CAB_OK)
        goto cleanup;
    status = cab_db_commit (self->db);
    if (status == CAB_OK)
        *request = r;
cleanup:
    if (status != CAB_OK)
        cab_db_rollback (self->db);
    PQclear (res);
    return status;
}

PGconn *
sched_store_db (sched_store_t *self)
{
    return self->db;
}

cab_status_t
sched_store_idem_record (sched_store_t *self, const cab_idem_t *idem, const ProtobufCMessage *reply,
                         sched_fault_t *fault)
{
    return s_idem_record (self, idem, reply, fault);
}

/* ---- calendars and violations ---------------------------------------------------------- */

static const char *const s_scope_names[] = {
    [SCHED_SCOPE_MINE] = "mine",
    [SCHED_SCOPE_INVITED] = "invited",
    [SCHED_SCOPE_UNIT] = "unit",
    [SCHED_SCOPE_PENDING_APPROVAL] = "pending_approval",
    [SCHED_SCOPE_IN_PROGRESS] = "in_progress",
};

//  The ten parameters PERIOD_FILTERS and the pattern use, into params[1..10].
static void
s_period_params (cab_arena_t *arena, const sched_meeting_query_t *q, const char **params)
{
    params[1] = q->has_from ? s_num (arena, q->from) : NULL;
    params[2] = q->has_to ? s_num (arena, q->to) : NULL;
    params[3] = cab_db_bool_text (q->this_week);
    params[4] = q->pattern;
    params[5] = q->host_unit_id;
    params[6] = q->type;
    params[7] = q->field_id;
    params[8] = q->has_after ? s_num (arena, q->after_start) : NULL;
    params[9] = q->has_after ? q->after_id : NULL;
}

cab_status_t
sched_store_meeting_list (sched_store_t *self, cab_arena_t *arena,
                          const sched_meeting_query_t *query, Cabinet__V1__MeetingList **list)
{
    const char *params[15];
    params[0] = s_scope_names[query->scope];
    s_period_params (arena, query, params);
    params[10] = query->user_id;
    params[11] = cab_db_bool_text (query->clerk);
    params[12] = query->unit_id ? query->unit_id : ZERO_UUID;
    params[13] = cab_db_bool_text (query->system_admin);
    params[14] = s_num (arena, query->limit + 1);
    PGresult *res = NULL;
    cab_status_t status = cab_db_exec (self->db, SQL_MEETING_LIST, 15, params, &res);
    if (status != CAB_OK)
        return status;
    Cabinet__V1__MeetingList *out = cab_arena_alloc (arena, sizeof *out);
    cabinet__v1__meeting_list__init (out);
    int rows = PQntuples (res);
    int take = rows > query->limit ? query->limit : rows;
    out->items = cab_arena_alloc (arena, (size_t) (take ? take : 1) * sizeof *out->items);
    for (int i = 0; i < take; i++) {
        Cabinet__V1__MeetingSummary *s = cab_arena_alloc (arena, sizeof *s);
        cabinet__v1__meeting_summary__init (s);
        s->id = cab_db_text (arena, res, i, SC_ID);
        s->node_id = cab_db_text (arena, res, i, SC_NODE_ID);
        s->title = cab_db_text (arena, res, i, SC_TITLE);
        s->start_at = cab_db_text (arena, res, i, SC_START_AT);
        s->end_at = cab_db_text (arena, res, i, SC_END_AT);
        s->status = cab_db_text (arena, res, i, SC_STATUS);
        s->type = cab_db_text (arena, res, i, SC_TYPE);
        s->form = cab_db_text (arena, res, i, SC_FORM);
        s->room_id = cab_db_text (arena, res, i, SC_ROOM_ID);
        s->room_name = cab_db_text (arena, res, i, SC_ROOM_NAME);
        s->host_unit_id = cab_db_text (arena, res, i, SC_HOST_UNIT_ID);
        s->host_unit_name = cab_db_text (arena, res, i, SC_HOST_UNIT_NAME);
        s->field_id = cab_db_text (arena, res, i, SC_FIELD_ID);
        s->chair_id = cab_db_text (arena, res, i, SC_CHAIR_ID);
        s->secretary_id = cab_db_text (arena, res, i, SC_SECRETARY_ID);
        s->approver_id = cab_db_text (arena, res, i, SC_APPROVER_ID);
        s->created_by = cab_db_text (arena, res, i, SC_CREATED_BY);
        s->has_secret = true;
        s->secret = cab_db_bool (res, i, SC_SECRET);
        out->items[out->n_items++] = s;
    }
    if (rows > query->limit && take > 0)
        out->next = cab_arena_printf (arena, "%lld_%s", cab_db_long (res, take - 1, SC_START_EPOCH),
                                      out->items[take - 1]->id);
    PQclear (res);
    *list = out;
    return CAB_OK;
}

cab_status_t
sched_store_public_list (sched_store_t *self, cab_arena_t *arena,
                         const sched_meeting_query_t *query, Cabinet__V1__PublicMeetingList **list)
{
    const char *params[11];
    params[0] = NULL;
    s_period_params (arena, query, params);
    params[6] = NULL;  //  no type or field filter on the public list
    params[7] = NULL;
    params[10] = s_num (arena, query->limit + 1);
    PGresult *res = NULL;
    cab_status_t status = cab_db_exec (self->db, SQL_PUBLIC_LIST, 11, params, &res);
    if (status != CAB_OK)
        return status;
    Cabinet__V1__PublicMeetingList *out = cab_arena_alloc (arena, sizeof *out);
    cabinet__v1__public_meeting_list__init (out);
    int rows = PQntuples (res);
    int take = rows > query->limit ? query->limit : rows;
    out->items = cab_arena_alloc (arena, (size_t) (take ? take : 1) * sizeof *out->items);
    for (int i = 0; i < take; i++) {
        Cabinet__V1__PublicMeeting *p = cab_arena_alloc (arena, sizeof *p);
        cabinet__v1__public_meeting__init (p);
        p->title = cab_db_text (arena, res, i, 0);
        p->start_at = cab_db_text (arena, res, i, 1);
        p->end_at = cab_db_text (arena, res, i, 2);
        p->room = cab_db_text (arena, res, i, 3);
        p->host_unit = cab_db_text (arena, res, i, 4);
        out->items[out->n_items++] = p;
    }
    if (rows > query->limit && take > 0)
        out->next = cab_arena_printf (arena, "%lld_%s", cab_db_long (res, take - 1, 5),
                                      cab_db_value (res, take - 1, 6));
    PQclear (res);
    *list = out;
    return CAB_OK;
}

cab_status_t
sched_store_violation_list (sched_store_t *self, cab_arena_t *arena,
                            const sched_violation_query_t *query, Cabinet__V1__ViolationList **list)
{
    const char *params[] = {
        query->meeting_id,
        query->rule,
        query->host_unit_id,
        query->has_from ? s_num (arena, query->from) : NULL,
        query->has_to ? s_num (arena, query->to) : NULL,
        query->has_before ? s_num (arena, query->before_at) : NULL,
        query->has_before ? query->before_id : NULL,
        s_num (arena, query->limit + 1),
    };
    PGresult *res = NULL;
    cab_status_t status = cab_db_exec (self->db, SQL_VIOLATION_LIST, 8, params, &res);
    if (status != CAB_OK)
        return status;
    Cabinet__V1__ViolationList *out = cab_arena_alloc (arena, sizeof *out);
    cabinet__v1__violation_list__init (out);
    int rows = PQntuples (res);
    int take = rows > query->limit ? query->limit : rows;
    out->items = cab_arena_alloc (arena, (size_t) (take ? take : 1) * sizeof *out->items);
    for (int i = 0; i < take; i++) {
        Cabinet__V1__Violation *v = cab_arena_alloc (arena, sizeof *v);
        cabinet__v1__violation__init (v);
        v->id = cab_db_text (arena, res, i, VC_ID);
        v->meeting_id = cab_db_text (arena, res, i, VC_MEETING_ID);
        v->meeting_title = cab_db_text (arena, res, i, VC_TITLE);
        v->host_unit_id = cab_db_text (arena, res, i, VC_HOST_UNIT_ID);
        v->rule = cab_db_text (arena, res, i, VC_RULE);
        v->meeting_type = cab_db_text (arena, res, i, VC_TYPE);
        v->has_lead_seconds = v->has_late_seconds = true;
        v->lead_seconds = cab_db_long (res, i, VC_LEAD);
        v->due_at = cab_db_text (arena, res, i, VC_DUE_AT);
        v->occurred_at = cab_db_text (arena, res, i, VC_OCCURRED_AT);
        v->late_seconds = cab_db_long (res, i, VC_LATE);
        v->user_id = cab_db_text (arena, res, i, VC_USER_ID);
        v->message = cab_db_text (arena, res, i, VC_MESSAGE);
        out->items[out->n_items++] = v;
    }
    if (rows > query->limit && take > 0)
        out->next =
            cab_arena_printf (arena, "%lld_%s", cab_db_long (res, take - 1, VC_OCCURRED_EPOCH),
                              out->items[take - 1]->id);
    PQclear (res);
    res = NULL;
    if ((status = cab_db_exec (self->db, SQL_VIOLATION_COUNTS, 5, params, &res)) != CAB_OK)
        return status;
    rows = PQntuples (res);
    out->by_rule = cab_arena_alloc (arena, (size_t) (rows ? rows : 1) * sizeof *out->by_rule);
    out->has_total = true;
    for (int i = 0; i < rows; i++) {
        Cabinet__V1__RuleCount *c = cab_arena_alloc (arena, sizeof *c);
        cabinet__v1__rule_count__init (c);
        c->rule = cab_db_text (arena, res, i, 0);
        c->has_count = true;
        c->count = cab_db_long (res, i, 1);
        out->total += c->count;
        out->by_rule[out->n_by_rule++] = c;
    }
    PQclear (res);
    *list = out;
    return CAB_OK;
}

/* ---- projection writes ------------------------------------------------------------------ */

cab_status_t
sched_store_put_user (PGconn *db, const char *id, const char *unit_id, const char *full_name,
                      const char *title, const char *node_id, char *const *roles, size_t n_roles,
                      bool active, uint64_t sequence)
{
    cab_arena_t *arena = cab_arena_new ();
    if (!arena)
        return CAB_INTERNAL;
    char seq[NUM_TEXT];
    snprintf (seq, sizeof seq, "%" PRIu64, sequence);
    const char *params[] = {id,
                            unit_id,
                            full_name,
                            title,
                            node_id,
                            roles ? cab_db_array (arena, roles, n_roles) : NULL,
                            cab_db_bool_text (active),
                            seq};
    cab_status_t status = cab_db_command (db, SQL_PUT_USER, 8, params);
    cab_arena_destroy (&arena);
    return status;
}

cab_status_t
sched_store_put_unit (PGconn *db, const char *id, const char *name, const char *parent_id,
                      const char *node_id, const char *own_node, uint64_t sequence)
{
    char seq[NUM_TEXT];
    snprintf (seq, sizeof seq, "%" PRIu64, sequence);
    const char *params[] = {id, name, parent_id, node_id, seq};
    cab_status_t status = cab_db_command (db, SQL_PUT_UNIT, 5, params);
    if (status != CAB_OK || !own_node || strcmp (node_id, own_node) != 0)
        return status;
    //  Rooms seeded before this agency was known.
    PGresult *res = NULL;
    const char *take[] = {name};
    if ((status = cab_db_exec (db, SQL_ROOM_SEEDS_TAKE, 1, take, &res)) != CAB_OK)
        return status;
    for (int i = 0; i < PQntuples (res) && status == CAB_OK; i++) {
        bool created = false;
        status = s_seed_entry (db, "rooms", PQgetvalue (res, i, 0), id,
                               (int) cab_db_long (res, i, 1), cab_db_value (res, i, 2), &created);
        if (status == CAB_OK && created)
            cab_info ("room '%s' of %s created from the demo seed", PQgetvalue (res, i, 0), name);
    }
    PQclear (res);
    return status;
}

cab_status_t
sched_store_forget (PGconn *db, const char *id, const char *own_node)
{
    const char *params[] = {id, own_node};
    return cab_db_command (db, SQL_FORGET, 2, params);
}

/* ---- documents of meetings (documents' events) --------------------------------------------- */

cab_status_t
sched_store_document_put (sched_store_t *self, const char *document_id, const char *meeting_id,
                          int pages, const char *status, const char *uploaded_at, uint64_t sequence,
                          bool *first)
{
    char pages_text[NUM_TEXT], seq[NUM_TEXT];
    snprintf (pages_text, sizeof pages_text, "%d", pages);
    snprintf (seq, sizeof seq, "%" PRIu64, sequence);
    const char *params[] = {document_id, meeting_id,  pages >= 1 ? pages_text : NULL,
                            status,      uploaded_at, seq};
    PGresult *res = NULL;
    cab_status_t rc = cab_db_exec (self->db, SQL_DOCUMENT_PUT, 6, params, &res);
    if (rc != CAB_OK)
        return rc;
    *first = PQntuples (res) == 1 && cab_db_bool (res, 0, 0);
    PQclear (res);
    return CAB_OK;
}

cab_status_t
sched_store_document_purged (sched_store_t *self, const char *document_id)
{
    const char *params[] = {document_id};
    return cab_db_command (self->db, SQL_DOCUMENT_PURGED, 1, params);
}

cab_status_t
sched_store_document_late (sched_store_t *self, cab_arena_t *arena, const sched_meeting_t *m,
                           Cabinet__V1__Violation *v, const char *document_id)
{
    cab_status_t status = s_violation_insert_for (self, arena, m->meeting->id, v, document_id);
    if (status != CAB_OK)
        return status;
    cab_event_t ev = {
        .type = "violation.recorded",
        .subject = m->meeting->id,
        .payload = &v->base,
        .actor_id = v->user_id,
    };
    return cab_outbox_emit (self->db, &ev);
}
