/*  Unit tests of the documents service's pure rules: who may read a
    document (secret mode, publication approval, invitation, libraries),
    upload, review, share, comment and report; how chunks fit; settings;
    retention; search folding (the C map and the schema's SQL map agree);
    safe download names; input shapes.  */
#include "rules.h"
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>
//  cmocka needs these before it, in this order.
// clang-format off
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
// clang-format on

#define UNIT_HOST "0190c0de-0000-7000-8000-0000000000a1"
#define UNIT_OTHER "0190c0de-0000-7000-8000-0000000000b2"
#define UPLOADER "0190c0de-0000-7000-8000-000000000001"
#define CHAIR "0190c0de-0000-7000-8000-000000000002"
#define SECRETARY "0190c0de-0000-7000-8000-000000000003"
#define APPROVER "0190c0de-0000-7000-8000-000000000004"
#define CREATOR "0190c0de-0000-7000-8000-000000000005"
#define INVITEE "0190c0de-0000-7000-8000-000000000006"
#define STRANGER "0190c0de-0000-7000-8000-000000000007"
#define ADMIN "0190c0de-0000-7000-8000-000000000008"
#define LISTED "0190c0de-0000-7000-8000-000000000009"

static docs_actor_t
s_actor (const char *user_id, const char *unit_id, const char *role)
{
    docs_actor_t actor;
    char *roles[] = {(char *) role};
    cab_actor_init (&actor, user_id, unit_id, roles, role ? 1 : 0);
    return actor;
}

static const docs_meeting_people_t s_people = {
    .created_by = CREATOR,
    .host_unit_id = UNIT_HOST,
    .chair_id = CHAIR,
    .secretary_id = SECRETARY,
    .approver_id = APPROVER,
};

//  The roles of user in the standard meeting (invitee when invited).
static unsigned
s_roles (const docs_actor_t *actor, bool invited)
{
    docs_meeting_people_t people = s_people;
    people.invitee = invited;
    return docs_meeting_roles (actor, &people);
}

//  May user (invited or not, on the access list or not) read a meeting
//  document of this status and classification?
static bool
s_view (const char *user, const char *role, bool invited, bool listed, docs_status_t status,
        docs_class_t c, bool published)
{
    docs_actor_t actor = s_actor (user, UNIT_OTHER, role);
    docs_doc_facts_t doc = {
        .uploaded_by = UPLOADER,
        .status = status,
        .classification = c,
        .library = DOCS_LIBRARY_NONE,
        .meeting_roles = s_roles (&actor, invited),
        .published = published,
        .on_access_list = listed,
    };
    return docs_may_view (&actor, &doc);
}

/* ---- roles in a meeting ------------------------------------------------------------------ */

static void
test_roles_from_the_meeting_people (void **state)
{
    (void) state;
    docs_actor_t chair = s_actor (CHAIR, UNIT_OTHER, "member");
    assert_int_equal (s_roles (&chair, false), DOCS_ROLE_CHAIR);
    docs_actor_t host_clerk = s_actor (STRANGER, UNIT_HOST, "clerk");
    assert_int_equal (s_roles (&host_clerk, false), DOCS_ROLE_CREATOR);
    docs_actor_t other_clerk = s_actor (STRANGER, UNIT_OTHER, "clerk");
    assert_int_equal (s_roles (&other_clerk, false), 0);
    docs_actor_t invitee = s_actor (INVITEE, UNIT_OTHER, "member");
    assert_int_equal (s_roles (&invitee, true), DOCS_ROLE_INVITEE);
    docs_actor_t nobody = s_actor (NULL, NULL, NULL);
    assert_int_equal (s_roles (&nobody, true), 0);
}

/* ---- reading: normal documents ---------------------------------------------------------- */

static void
test_uploader_always_reads_own_document (void **state)
{
    (void) state;
    assert_true (s_view (UPLOADER, "member", false, false, DOCS_PENDING, DOCS_NORMAL, false));
    assert_true (s_view (UPLOADER, "member", false, false, DOCS_REJECTED, DOCS_SECRET, false));
}

static void
test_organizers_read_pending_documents (void **state)
{
    (void) state;
    const char *organizers[] = {CHAIR, SECRETARY, APPROVER, CREATOR};
    for (int i = 0; i < 4; i++) {
        assert_true (
            s_view (organizers[i], "member", false, false, DOCS_PENDING, DOCS_NORMAL, false));
        assert_true (
            s_view (organizers[i], "member", false, false, DOCS_REJECTED, DOCS_NORMAL, true));
    }
}

static void
test_invitee_reads_only_approved_documents_of_a_published_meeting (void **state)
{
    (void) state;
    //  R3.3: published to attendees only after approval.
    assert_false (s_view (INVITEE, "member", true, false, DOCS_PENDING, DOCS_NORMAL, true));
    assert_false (s_view (INVITEE, "member", true, false, DOCS_REJECTED, DOCS_NORMAL, true));
    assert_true (s_view (INVITEE, "member", true, false, DOCS_APPROVED, DOCS_NORMAL, true));
    //  Before the meeting is published, invitees know nothing of it.
    assert_false (s_view (INVITEE, "member", true, false, DOCS_APPROVED, DOCS_NORMAL, false));
}

static void
test_stranger_reads_nothing (void **state)
{
    (void) state;
    assert_false (s_view (STRANGER, "member", false, false, DOCS_APPROVED, DOCS_NORMAL, true));
    assert_false (s_view (STRANGER, "clerk", false, false, DOCS_APPROVED, DOCS_NORMAL, true));
    assert_false (s_view (STRANGER, "approver", false, false, DOCS_APPROVED, DOCS_NORMAL, true));
    assert_false (s_view (NULL, NULL, true, true, DOCS_APPROVED, DOCS_NORMAL, true));
}

static void
test_system_admin_reads_normal_documents (void **state)
{
    (void) state;
    assert_true (s_view (ADMIN, "system_admin", false, false, DOCS_PENDING, DOCS_NORMAL, false));
}

static void
test_access_list_shares_an_approved_normal_document (void **state)
{
    (void) state;
    assert_true (s_view (LISTED, "member", false, true, DOCS_APPROVED, DOCS_NORMAL, false));
    assert_false (s_view (LISTED, "member", false, true, DOCS_PENDING, DOCS_NORMAL, true));
}

/* ---- reading: secret documents (R5.2) --------------------------------------------------- */

static void
test_secret_document_reviewers_read_it (void **state)
{
    (void) state;
    assert_true (s_view (CHAIR, "member", false, false, DOCS_PENDING, DOCS_SECRET, false));
    assert_true (s_view (APPROVER, "approver", false, false, DOCS_PENDING, DOCS_SECRET, false));
}

static void
test_secret_document_hidden_from_invitees_secretary_and_admins (void **state)
{
    (void) state;
    assert_false (s_view (INVITEE, "member", true, false, DOCS_APPROVED, DOCS_SECRET, true));
    assert_false (s_view (SECRETARY, "member", false, false, DOCS_APPROVED, DOCS_SECRET, true));
    assert_false (s_view (CREATOR, "clerk", false, false, DOCS_APPROVED, DOCS_SECRET, true));
    assert_false (s_view (ADMIN, "system_admin", false, false, DOCS_APPROVED, DOCS_SECRET, true));
}

static void
test_secret_document_access_list_reads_it_once_approved (void **state)
{
    (void) state;
    assert_false (s_view (LISTED, "member", true, true, DOCS_PENDING, DOCS_SECRET, true));
    assert_true (s_view (LISTED, "member", true, true, DOCS_APPROVED, DOCS_SECRET, true));
    assert_true (s_view (LISTED, "member", false, true, DOCS_APPROVED, DOCS_SECRET, false));
}

static void
test_secret_document_never_readable_through_the_shared_library (void **state)
{
    (void) state;
    docs_actor_t actor = s_actor (STRANGER, UNIT_OTHER, "member");
    docs_doc_facts_t doc = {.uploaded_by = UPLOADER,
                            .status = DOCS_APPROVED,
                            .classification = DOCS_SECRET,
                            .library = DOCS_LIBRARY_NONE,
                            .in_shared_library = true};
    assert_false (docs_may_view (&actor, &doc));
}

/* ---- reading: libraries ---------------------------------------------------------------------- */

static void
test_shared_library_document_read_by_everyone_signed_in (void **state)
{
    (void) state;
    docs_actor_t actor = s_actor (STRANGER, UNIT_OTHER, "member");
    docs_doc_facts_t doc = {.uploaded_by = UPLOADER,
                            .status = DOCS_APPROVED,
                            .classification = DOCS_NORMAL,
                            .library = DOCS_LIBRARY_SHARED,
                            .in_shared_library = true};
    assert_true (docs_may_view (&actor, &doc));
    docs_actor_t anonymous = s_actor (NULL, NULL, NULL);
    assert_false (docs_may_view (&anonymous, &doc));
}

static void
test_personal_upload_read_by_owner_and_access_list_only (void **state)
{
    (void) state;
    docs_doc_facts_t doc = {.uploaded_by = UPLOADER,
                            .status = DOCS_APPROVED,
                            .classification = DOCS_NORMAL,
                            .library = DOCS_LIBRARY_PERSONAL};
    docs_actor_t owner = s_actor (UPLOADER, UNIT_OTHER, "member");
    docs_actor_t admin = s_actor (ADMIN, UNIT_OTHER, "system_admin");
    docs_actor_t listed = s_actor (LISTED, UNIT_OTHER, "member");
    assert_true (docs_may_view (&owner, &doc));
    assert_false (docs_may_view (&admin, &doc));
    assert_false (docs_may_view (&listed, &doc));
    doc.on_access_list = true;
    assert_true (docs_may_view (&listed, &doc));
}

static void
test_access_list_shown_to_uploader_and_reviewers (void **state)
{
    (void) state;
    docs_actor_t uploader = s_actor (UPLOADER, UNIT_OTHER, "member");
    docs_actor_t chair = s_actor (CHAIR, UNIT_OTHER, "member");
    docs_actor_t invitee = s_actor (INVITEE, UNIT_OTHER, "member");
    docs_doc_facts_t doc = {.uploaded_by = UPLOADER, .library = DOCS_LIBRARY_NONE};
    doc.meeting_roles = s_roles (&chair, false);
    assert_true (docs_may_see_access_list (&chair, &doc));
    doc.meeting_roles = 0;
    assert_true (docs_may_see_access_list (&uploader, &doc));
    doc.meeting_roles = s_roles (&invitee, true);
    assert_false (docs_may_see_access_list (&invitee, &doc));
}

/* ---- uploading ---------------------------------------------------------------------------- */

static cab_status_t
s_upload (const char *user, const char *role, bool invited, bool published,
          docs_meeting_state_t state)
{
    docs_actor_t actor = s_actor (user, UNIT_OTHER, role);
    docs_fault_t fault;
    docs_may_upload_to_meeting (&actor, s_roles (&actor, invited), published, state, &fault);
    return fault.status;
}

static void
test_organizers_upload_until_cancelled (void **state)
{
    (void) state;
    const char *organizers[] = {CHAIR, SECRETARY, APPROVER, CREATOR};
    for (int i = 0; i < 4; i++) {
        assert_int_equal (s_upload (organizers[i], "member", false, false, DOCS_MEETING_DRAFT),
                          CAB_OK);
        assert_int_equal (s_upload (organizers[i], "member", false, true, DOCS_MEETING_ENDED),
                          CAB_OK);
        assert_int_equal (s_upload (organizers[i], "member", false, true, DOCS_MEETING_CANCELLED),
                          CAB_ABORTED);
    }
}

static void
test_invitees_upload_while_meeting_is_on (void **state)
{
    (void) state;
    //  R5.8: attendees may add documents.
    assert_int_equal (s_upload (INVITEE, "member", true, true, DOCS_MEETING_APPROVED), CAB_OK);
    assert_int_equal (s_upload (INVITEE, "member", true, true, DOCS_MEETING_IN_PROGRESS), CAB_OK);
    assert_int_equal (s_upload (INVITEE, "member", true, true, DOCS_MEETING_ENDED),
                      CAB_FAILED_PRECONDITION);
    assert_int_equal (s_upload (INVITEE, "member", true, true, DOCS_MEETING_PENDING), CAB_ABORTED);
}

static void
test_meeting_unknown_to_caller_is_not_found (void **state)
{
    (void) state;
    assert_int_equal (s_upload (INVITEE, "member", true, false, DOCS_MEETING_PENDING),
                      CAB_NOT_FOUND);
    assert_int_equal (s_upload (STRANGER, "clerk", false, true, DOCS_MEETING_APPROVED),
                      CAB_NOT_FOUND);
    //  A system admin sees every meeting but adds to none it has no part in.
    assert_int_equal (s_upload (ADMIN, "system_admin", false, true, DOCS_MEETING_APPROVED),
                      CAB_PERMISSION_DENIED);
}

static void
test_shared_library_uploads_by_office_roles_only (void **state)
{
    (void) state;
    docs_fault_t fault;
    docs_actor_t member = s_actor (STRANGER, UNIT_OTHER, "member");
    docs_actor_t clerk = s_actor (STRANGER, UNIT_OTHER, "clerk");
    docs_may_upload_to_library (&member, DOCS_LIBRARY_SHARED, DOCS_NORMAL, &fault);
    assert_int_equal (fault.status, CAB_PERMISSION_DENIED);
    docs_may_upload_to_library (&member, DOCS_LIBRARY_PERSONAL, DOCS_NORMAL, &fault);
    assert_int_equal (fault.status, CAB_OK);
    docs_may_upload_to_library (&clerk, DOCS_LIBRARY_SHARED, DOCS_NORMAL, &fault);
    assert_int_equal (fault.status, CAB_OK);
    docs_may_upload_to_library (&clerk, DOCS_LIBRARY_SHARED, DOCS_SECRET, &fault);
    assert_int_equal (fault.status, CAB_FAILED_PRECONDITION);
}

static void
test_secret_uploads_follow_the_node_setting (void **state)
{
    (void) state;
    docs_fault_t fault;
    docs_check_secret_allowed (DOCS_SECRET, false, &fault);
    assert_int_equal (fault.status, CAB_FAILED_PRECONDITION);
    assert_string_equal (fault.field, "classification");
    docs_check_secret_allowed (DOCS_SECRET, true, &fault);
    assert_int_equal (fault.status, CAB_OK);
    docs_check_secret_allowed (DOCS_NORMAL, false, &fault);
    assert_int_equal (fault.status, CAB_OK);
}

static void
test_initial_status (void **state)
{
    (void) state;
    assert_int_equal (docs_initial_status (DOCS_LIBRARY_NONE, DOCS_ROLE_INVITEE), DOCS_PENDING);
    assert_int_equal (docs_initial_status (DOCS_LIBRARY_NONE, DOCS_ROLE_SECRETARY), DOCS_PENDING);
    assert_int_equal (docs_initial_status (DOCS_LIBRARY_NONE, DOCS_ROLE_CHAIR), DOCS_APPROVED);
    assert_int_equal (docs_initial_status (DOCS_LIBRARY_PERSONAL, 0), DOCS_APPROVED);
}

/* ---- chunks ---------------------------------------------------------------------------------- */

static void
test_chunk_appended_at_the_end (void **state)
{
    (void) state;
    int64_t overlap = -1, total = -1;
    assert_int_equal (docs_chunk_decide (0, 0, 100, 1000, &overlap, &total), DOCS_CHUNK_APPEND);
    assert_int_equal (overlap, 0);
    assert_int_equal (total, 100);
    assert_int_equal (docs_chunk_decide (100, 100, 50, 1000, &overlap, &total), DOCS_CHUNK_APPEND);
    assert_int_equal (total, 150);
}

static void
test_chunk_sent_again_is_a_repeat (void **state)
{
    (void) state;
    int64_t overlap = 0, total = 0;
    assert_int_equal (docs_chunk_decide (150, 100, 50, 1000, &overlap, &total), DOCS_CHUNK_REPEAT);
    assert_int_equal (overlap, 50);
    assert_int_equal (total, 150);
    //  Partly received: the known part compared, the rest appended.
    assert_int_equal (docs_chunk_decide (150, 100, 80, 1000, &overlap, &total), DOCS_CHUNK_APPEND);
    assert_int_equal (overlap, 50);
    assert_int_equal (total, 180);
}

static void
test_chunk_with_a_gap_refused (void **state)
{
    (void) state;
    int64_t overlap = 0, total = 0;
    assert_int_equal (docs_chunk_decide (100, 101, 10, 1000, &overlap, &total), DOCS_CHUNK_GAP);
}

static void
test_chunk_past_the_limit_too_large (void **state)
{
    (void) state;
    int64_t overlap = 0, total = 0;
    assert_int_equal (docs_chunk_decide (990, 990, 10, 1000, &overlap, &total), DOCS_CHUNK_APPEND);
    assert_int_equal (docs_chunk_decide (990, 990, 11, 1000, &overlap, &total),
                      DOCS_CHUNK_TOO_LARGE);
    docs_fault_t fault;
    docs_fault_too_large (100LL << 20, &fault);
    assert_int_equal (fault.status, CAB_OUT_OF_RANGE);
    assert_string_equal (fault.code, "too_large");
    assert_non_null (strstr (fault.message, "100 MB"));
}

static void
test_bad_chunks_refused (void **state)
{
    (void) state;
    int64_t overlap = 0, total = 0;
    assert_int_equal (docs_chunk_decide (0, 0, 0, 1000, &overlap, &total), DOCS_CHUNK_BAD);
    assert_int_equal (docs_chunk_decide (0, -1, 1, 1000, &overlap, &total), DOCS_CHUNK_BAD);
    assert_int_equal (docs_chunk_decide (0, 0, DOCS_CHUNK_MAX + 1, 1LL << 40, &overlap, &total),
                      DOCS_CHUNK_BAD);
    assert_int_equal (docs_chunk_decide (0, 0, DOCS_CHUNK_MAX, 1LL << 40, &overlap, &total),
                      DOCS_CHUNK_APPEND);
}

static void
test_declared_size_checked (void **state)
{
    (void) state;
    docs_fault_t fault;
    docs_check_declared_size (0, 1000, &fault);
    assert_int_equal (fault.status, CAB_OK);
    docs_check_declared_size (1001, 1000, &fault);
    assert_int_equal (fault.status, CAB_OUT_OF_RANGE);
    docs_check_declared_size (-5, 1000, &fault);
    assert_int_equal (fault.status, CAB_INVALID_ARGUMENT);
}

/* ---- reviewing --------------------------------------------------------------------------------
 */

static cab_status_t
s_review (unsigned roles, docs_library_t library, docs_status_t from, docs_review_t action,
          docs_status_t *to)
{
    docs_doc_facts_t doc = {.status = from, .library = library, .meeting_roles = roles};
    docs_fault_t fault;
    docs_may_review (&doc, action, to, &fault);
    return fault.status;
}

static void
test_chair_and_approver_review (void **state)
{
    (void) state;
    docs_status_t to = DOCS_PENDING;
    assert_int_equal (
        s_review (DOCS_ROLE_CHAIR, DOCS_LIBRARY_NONE, DOCS_PENDING, DOCS_APPROVE, &to), CAB_OK);
    assert_int_equal (to, DOCS_APPROVED);
    assert_int_equal (
        s_review (DOCS_ROLE_APPROVER, DOCS_LIBRARY_NONE, DOCS_PENDING, DOCS_REJECT, &to), CAB_OK);
    assert_int_equal (to, DOCS_REJECTED);
    assert_int_equal (
        s_review (DOCS_ROLE_APPROVER, DOCS_LIBRARY_NONE, DOCS_REJECTED, DOCS_APPROVE, &to), CAB_OK);
    assert_int_equal (
        s_review (DOCS_ROLE_CHAIR, DOCS_LIBRARY_NONE, DOCS_APPROVED, DOCS_REJECT, &to), CAB_OK);
}

static void
test_others_may_not_review (void **state)
{
    (void) state;
    docs_status_t to;
    const unsigned others[] = {DOCS_ROLE_SECRETARY, DOCS_ROLE_CREATOR, DOCS_ROLE_INVITEE, 0};
    for (int i = 0; i < 4; i++)
        assert_int_equal (s_review (others[i], DOCS_LIBRARY_NONE, DOCS_PENDING, DOCS_APPROVE, &to),
                          CAB_PERMISSION_DENIED);
}

static void
test_review_state_conflicts (void **state)
{
    (void) state;
    docs_status_t to;
    assert_int_equal (
        s_review (DOCS_ROLE_CHAIR, DOCS_LIBRARY_NONE, DOCS_APPROVED, DOCS_APPROVE, &to),
        CAB_ABORTED);
    assert_int_equal (
        s_review (DOCS_ROLE_CHAIR, DOCS_LIBRARY_NONE, DOCS_REJECTED, DOCS_REJECT, &to),
        CAB_ABORTED);
    assert_int_equal (
        s_review (DOCS_ROLE_CHAIR, DOCS_LIBRARY_SHARED, DOCS_APPROVED, DOCS_APPROVE, &to),
        CAB_FAILED_PRECONDITION);
}

/* ---- libraries, comments, report, release -----------------------------------------------------
 */

static void
test_shared_library_takes_approved_normal_documents_from_office_roles (void **state)
{
    (void) state;
    docs_fault_t fault;
    docs_actor_t clerk = s_actor (STRANGER, UNIT_OTHER, "clerk");
    docs_actor_t member = s_actor (STRANGER, UNIT_OTHER, "member");
    docs_doc_facts_t doc = {.status = DOCS_APPROVED, .classification = DOCS_NORMAL};
    docs_may_add_to_library (&clerk, DOCS_LIBRARY_SHARED, &doc, &fault);
    assert_int_equal (fault.status, CAB_OK);
    docs_may_add_to_library (&member, DOCS_LIBRARY_SHARED, &doc, &fault);
    assert_int_equal (fault.status, CAB_PERMISSION_DENIED);
    docs_may_add_to_library (&member, DOCS_LIBRARY_PERSONAL, &doc, &fault);
    assert_int_equal (fault.status, CAB_OK);
    doc.status = DOCS_PENDING;
    docs_may_add_to_library (&clerk, DOCS_LIBRARY_SHARED, &doc, &fault);
    assert_int_equal (fault.status, CAB_FAILED_PRECONDITION);
    doc.status = DOCS_APPROVED;
    doc.classification = DOCS_SECRET;
    docs_may_add_to_library (&clerk, DOCS_LIBRARY_SHARED, &doc, &fault);
    assert_int_equal (fault.status, CAB_FAILED_PRECONDITION);
    docs_may_remove_from_library (&member, DOCS_LIBRARY_SHARED, &fault);
    assert_int_equal (fault.status, CAB_PERMISSION_DENIED);
    docs_may_remove_from_library (&member, DOCS_LIBRARY_PERSONAL, &fault);
    assert_int_equal (fault.status, CAB_OK);
}

static void
test_comments_close_when_the_meeting_ends (void **state)
{
    (void) state;
    docs_fault_t fault;
    docs_may_comment (true, DOCS_MEETING_IN_PROGRESS, &fault);
    assert_int_equal (fault.status, CAB_OK);
    docs_may_comment (true, DOCS_MEETING_ENDED, &fault);
    assert_int_equal (fault.status, CAB_FAILED_PRECONDITION);
    docs_may_comment (true, DOCS_MEETING_CANCELLED, &fault);
    assert_int_equal (fault.status, CAB_FAILED_PRECONDITION);
    docs_may_comment (false, DOCS_MEETING_ENDED, &fault);
    assert_int_equal (fault.status, CAB_OK);
}

static void
test_access_report_readers (void **state)
{
    (void) state;
    docs_actor_t chair = s_actor (CHAIR, UNIT_OTHER, "member");
    docs_actor_t secretary = s_actor (SECRETARY, UNIT_OTHER, "member");
    docs_actor_t host_approver = s_actor (STRANGER, UNIT_HOST, "approver");
    docs_actor_t other_approver = s_actor (STRANGER, UNIT_OTHER, "approver");
    docs_actor_t admin = s_actor (ADMIN, UNIT_OTHER, "system_admin");
    docs_actor_t invitee = s_actor (INVITEE, UNIT_OTHER, "member");
    assert_true (docs_may_read_report (&chair, s_roles (&chair, false), UNIT_HOST));
    assert_true (docs_may_read_report (&secretary, s_roles (&secretary, false), UNIT_HOST));
    assert_true (docs_may_read_report (&host_approver, 0, UNIT_HOST));
    assert_true (docs_may_read_report (&admin, 0, UNIT_HOST));
    assert_false (docs_may_read_report (&other_approver, 0, UNIT_HOST));
    assert_false (docs_may_read_report (&invitee, s_roles (&invitee, true), UNIT_HOST));
}

static void
test_release_by_leaders_only (void **state)
{
    (void) state;
    docs_fault_t fault;
    docs_actor_t admin = s_actor (ADMIN, UNIT_OTHER, "system_admin");
    docs_actor_t host_leader = s_actor (STRANGER, UNIT_HOST, "approver");
    docs_actor_t meeting_approver = s_actor (APPROVER, UNIT_OTHER, "approver");
    docs_actor_t other_leader = s_actor (STRANGER, UNIT_OTHER, "approver");
    docs_actor_t chair_member = s_actor (CHAIR, UNIT_HOST, "member");
    docs_may_release (&admin, 0, UNIT_HOST, &fault);
    assert_int_equal (fault.status, CAB_OK);
    docs_may_release (&host_leader, 0, UNIT_HOST, &fault);
    assert_int_equal (fault.status, CAB_OK);
    docs_may_release (&meeting_approver, s_roles (&meeting_approver, false), UNIT_HOST, &fault);
    assert_int_equal (fault.status, CAB_OK);
    docs_may_release (&other_leader, 0, UNIT_HOST, &fault);
    assert_int_equal (fault.status, CAB_PERMISSION_DENIED);
    docs_may_release (&chair_member, s_roles (&chair_member, false), UNIT_HOST, &fault);
    assert_int_equal (fault.status, CAB_PERMISSION_DENIED);
}

/* ---- settings and retention ------------------------------------------------------------------ */

static void
test_accepted_types_parsed (void **state)
{
    (void) state;
    unsigned mask = 0;
    char bad[32];
    assert_true (docs_types_parse ("pdf,docx,xlsx,doc,xls,pptx,jpg,png", &mask, bad, sizeof bad));
    assert_int_equal (mask, DOCS_TYPES_ALL);
    assert_true (docs_types_parse (" PDF , jpeg,", &mask, bad, sizeof bad));
    assert_int_equal (mask, (1u << DOCS_TYPE_PDF) | (1u << DOCS_TYPE_JPG));
    assert_false (docs_types_parse ("pdf,exe", &mask, bad, sizeof bad));
    assert_string_equal (bad, "exe");
    assert_false (docs_types_parse ("", &mask, bad, sizeof bad));
}

static void
test_retention_under_six_months_refused (void **state)
{
    (void) state;
    int months = 0;
    docs_fault_t fault;
    assert_true (docs_retention_parse ("6", &months, &fault));
    assert_int_equal (months, 6);
    assert_true (docs_retention_parse ("24", &months, &fault));
    assert_false (docs_retention_parse ("5", &months, &fault));
    assert_false (docs_retention_parse ("0", &months, &fault));
    assert_false (docs_retention_parse ("-6", &months, &fault));
    assert_false (docs_retention_parse ("6 tháng", &months, &fault));
    assert_false (docs_retention_parse ("", &months, &fault));
    assert_non_null (strstr (fault.message, "6 tháng"));
}

static void
test_retention_cutoff_in_calendar_months (void **state)
{
    (void) state;
    int64_t now = 0, expected = 0;
    //  2026-08-31 10:00 +07:00, six months back: 2026-02-28 (no 31st).
    assert_true (docs_time_parse ("2026-08-31T10:00:00+07:00", &now));
    assert_true (docs_time_parse ("2026-02-28T10:00:00+07:00", &expected));
    assert_int_equal (docs_retention_cutoff (now, 6), expected);
    assert_true (docs_time_parse ("2027-01-15T00:30:00+07:00", &now));
    assert_true (docs_time_parse ("2026-07-15T00:30:00+07:00", &expected));
    assert_int_equal (docs_retention_cutoff (now, 6), expected);
}

static void
test_purge_needs_release_both_ends_before_cutoff_and_no_library (void **state)
{
    (void) state;
    const int64_t cutoff = 1000000;
    assert_true (docs_purge_due (true, false, cutoff - 1, cutoff - 10, cutoff));
    assert_false (docs_purge_due (false, false, cutoff - 1, cutoff - 10, cutoff));  //  not released
    assert_false (docs_purge_due (true, true, cutoff - 1, cutoff - 10, cutoff));  //  shared library
    assert_false (docs_purge_due (true, false, cutoff, cutoff - 10, cutoff));     //  meeting recent
    assert_false (
        docs_purge_due (true, false, cutoff - 1, cutoff + 10, cutoff));   //  document recent
    assert_false (docs_purge_due (true, false, 0, cutoff - 10, cutoff));  //  end unknown
}

/* ---- folding and names ------------------------------------------------------------------------
 */

//  The two string arguments of translate () in the schema's f_unaccent.
static void
s_sql_map (char *from, char *to, size_t cap)
{
    FILE *f = fopen (SOURCE_DIR "/services/documents/sql/001_init.sql", "r");
    assert_non_null (f);
    static char sql[1 << 16];
    size_t n = fread (sql, 1, sizeof sql - 1, f);
    fclose (f);
    sql[n] = '\0';
    char *at = strstr (sql, "translate ($1,");
    assert_non_null (at);
    char *quotes[4];
    const char *from_here = at;
    for (int i = 0; i < 4; i++) {
        quotes[i] = strchr (from_here, '\'');
        assert_non_null (quotes[i]);
        from_here = quotes[i] + 1;
    }
    char *q1 = quotes[0], *q2 = quotes[1], *q3 = quotes[2], *q4 = quotes[3];
    assert_true ((size_t) (q2 - q1) < cap && (size_t) (q4 - q3) < cap);
    snprintf (from, cap, "%.*s", (int) (q2 - q1 - 1), q1 + 1);
    snprintf (to, cap, "%.*s", (int) (q4 - q3 - 1), q3 + 1);
}

static void
test_fold_map_agrees_with_the_sql_function (void **state)
{
    (void) state;
    char from[1024], to[256];
    s_sql_map (from, to, sizeof to > sizeof from ? sizeof to : sizeof from);
    const utf8proc_uint8_t *p = (const utf8proc_uint8_t *) from;
    size_t i = 0;
    while (*p) {
        utf8proc_int32_t c;
        utf8proc_ssize_t n = utf8proc_iterate (p, -1, &c);
        assert_true (n > 0);
        assert_true (i < strlen (to));
        assert_int_equal (docs_fold_letter ((uint32_t) c), to[i]);
        p += n;
        i++;
    }
    assert_int_equal (i, strlen (to));
}

static void
test_fold_covers_every_vietnamese_vowel_and_tone (void **state)
{
    (void) state;
    //  Every vowel with each tone, both cases, through NFC: none left over.
    static const char *const vowels[] = {"a", "ă", "â", "e", "ê", "i",
                                         "o", "ô", "ơ", "u", "ư", "y"};
    static const char bases[] = "aaaeeiooouuy";
    static const char *const tones[] = {"\xcc\x80", "\xcc\x81", "\xcc\x89", "\xcc\x83", "\xcc\xa3"};
    for (size_t v = 0; v < sizeof vowels / sizeof vowels[0]; v++)
        for (size_t t = 0; t < 5; t++)
            for (int upper = 0; upper < 2; upper++) {
                char decomposed[16];
                snprintf (decomposed, sizeof decomposed, "%s%s", vowels[v], tones[t]);
                char *nfc = (char *) utf8proc_NFC ((const utf8proc_uint8_t *) decomposed);
                utf8proc_int32_t c;
                utf8proc_iterate ((const utf8proc_uint8_t *) nfc, -1, &c);
                if (upper)
                    c = utf8proc_toupper (c);
                assert_int_equal (docs_fold_letter ((uint32_t) c), bases[v]);
                free (nfc);
            }
}

static void
test_fold_makes_search_diacritics_insensitive (void **state)
{
    (void) state;
    char a[128], b[128];
    assert_int_equal (docs_fold_letter (0x0111), 'd');  //  đ
    assert_int_equal (docs_fold_letter (0x0110), 'd');  //  Đ
    assert_int_equal (docs_fold_letter ('a'), 0);
    assert_string_equal (docs_fold ("Họp không giấy", a, sizeof a), "hop khong giay");
    assert_string_equal (docs_fold ("hop khong giay", b, sizeof b), "hop khong giay");
    assert_string_equal (docs_fold ("ĐẦU TƯ CÔNG", a, sizeof a), "dau tu cong");
    assert_string_equal (docs_fold ("Ủy ban 2026", a, sizeof a), "uy ban 2026");
}

static void
test_safe_filename_from_title (void **state)
{
    (void) state;
    char out[128];
    assert_string_equal (
        docs_safe_filename ("Báo cáo tình hình KT-XH năm 2026", DOCS_TYPE_PDF, out, sizeof out),
        "Bao-cao-tinh-hinh-KT-XH-nam-2026.pdf");
    assert_string_equal (
        docs_safe_filename ("Đề án \"số hóa\" / phần 1", DOCS_TYPE_DOCX, out, sizeof out),
        "De-an-so-hoa-phan-1.docx");
    assert_string_equal (docs_safe_filename ("../../etc/passwd", DOCS_TYPE_PNG, out, sizeof out),
                         "etc-passwd.png");
    assert_string_equal (docs_safe_filename ("会议", DOCS_TYPE_JPG, out, sizeof out),
                         "tai-lieu.jpg");
    assert_string_equal (docs_safe_filename ("Café résumé", DOCS_TYPE_XLSX, out, sizeof out),
                         "Cafe-resume.xlsx");
    char long_title[400];
    memset (long_title, 'a', sizeof long_title - 1);
    long_title[sizeof long_title - 1] = '\0';
    docs_safe_filename (long_title, DOCS_TYPE_PDF, out, sizeof out);
    assert_int_equal (strlen (out), DOCS_FILENAME_STEM_MAX + strlen (".pdf"));
}

/* ---- input shapes ------------------------------------------------------------------------------
 */

static void
test_title_checked (void **state)
{
    (void) state;
    docs_fault_t fault;
    docs_check_title ("Tờ trình số 12/TTr-UBND", &fault);
    assert_int_equal (fault.status, CAB_OK);
    docs_check_title ("   ", &fault);
    assert_int_equal (fault.status, CAB_INVALID_ARGUMENT);
    assert_string_equal (fault.field, "title");
    docs_check_title (NULL, &fault);
    assert_int_equal (fault.status, CAB_INVALID_ARGUMENT);
    docs_check_title ("dòng 1\ndòng 2", &fault);
    assert_int_equal (fault.status, CAB_INVALID_ARGUMENT);
    char longer[DOCS_TITLE_MAX * 2 + 8];
    memset (longer, 'x', sizeof longer - 1);
    longer[sizeof longer - 1] = '\0';
    docs_check_title (longer, &fault);
    assert_int_equal (fault.status, CAB_INVALID_ARGUMENT);
}

static void
test_access_list_checked (void **state)
{
    (void) state;
    docs_fault_t fault;
    char *ok[] = {INVITEE, LISTED};
    docs_check_id_list ("access_user_ids", ok, 2, &fault);
    assert_int_equal (fault.status, CAB_OK);
    char *twice[] = {INVITEE, INVITEE};
    docs_check_id_list ("access_user_ids", twice, 2, &fault);
    assert_int_equal (fault.status, CAB_INVALID_ARGUMENT);
    char *bad[] = {"robert'); DROP TABLE documents;--"};
    docs_check_id_list ("access_user_ids", bad, 1, &fault);
    assert_int_equal (fault.status, CAB_INVALID_ARGUMENT);
}

static void
test_times_parsed (void **state)
{
    (void) state;
    int64_t t = 0, u = 0;
    assert_true (docs_time_parse ("2026-12-01T08:00:00+07:00", &t));
    assert_true (docs_time_parse ("2026-12-01T01:00:00Z", &u));
    assert_int_equal (t, u);
    assert_true (docs_time_parse ("2026-12-01", &u));
    assert_int_equal (t - u, 8 * 3600);
    assert_false (docs_time_parse ("2026-12-01T08:00:00", &t));  //  no offset
    assert_false (docs_time_parse ("2026-02-30", &t));
    assert_false (docs_time_parse ("hôm qua", &t));
    char text[DOCS_TIME_TEXT];
    assert_string_equal (docs_time_format (u, text), "2026-12-01T00:00:00+07:00");
}

static void
test_cursor_parsed (void **state)
{
    (void) state;
    int offset = -1;
    assert_true (docs_cursor_parse (NULL, &offset));
    assert_int_equal (offset, 0);
    assert_true (docs_cursor_parse ("150", &offset));
    assert_int_equal (offset, 150);
    assert_false (docs_cursor_parse ("-1", &offset));
    assert_false (docs_cursor_parse ("99999999", &offset));
    assert_false (docs_cursor_parse ("1e3", &offset));
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_roles_from_the_meeting_people),
        cmocka_unit_test (test_uploader_always_reads_own_document),
        cmocka_unit_test (test_organizers_read_pending_documents),
        cmocka_unit_test (test_invitee_reads_only_approved_documents_of_a_published_meeting),
        cmocka_unit_test (test_stranger_reads_nothing),
        cmocka_unit_test (test_system_admin_reads_normal_documents),
        cmocka_unit_test (test_access_list_shares_an_approved_normal_document),
        cmocka_unit_test (test_secret_document_reviewers_read_it),
        cmocka_unit_test (test_secret_document_hidden_from_invitees_secretary_and_admins),
        cmocka_unit_test (test_secret_document_access_list_reads_it_once_approved),
        cmocka_unit_test (test_secret_document_never_readable_through_the_shared_library),
        cmocka_unit_test (test_shared_library_document_read_by_everyone_signed_in),
        cmocka_unit_test (test_personal_upload_read_by_owner_and_access_list_only),
        cmocka_unit_test (test_access_list_shown_to_uploader_and_reviewers),
        cmocka_unit_test (test_organizers_upload_until_cancelled),
        cmocka_unit_test (test_invitees_upload_while_meeting_is_on),
        cmocka_unit_test (test_meeting_unknown_to_caller_is_not_found),
        cmocka_unit_test (test_shared_library_uploads_by_office_roles_only),
        cmocka_unit_test (test_secret_uploads_follow_the_node_setting),
        cmocka_unit_test (test_initial_status),
        cmocka_unit_test (test_chunk_appended_at_the_end),
        cmocka_unit_test (test_chunk_sent_again_is_a_repeat),
        cmocka_unit_test (test_chunk_with_a_gap_refused),
        cmocka_unit_test (test_chunk_past_the_limit_too_large),
        cmocka_unit_test (test_bad_chunks_refused),
        cmocka_unit_test (test_declared_size_checked),
        cmocka_unit_test (test_chair_and_approver_review),
        cmocka_unit_test (test_others_may_not_review),
        cmocka_unit_test (test_review_state_conflicts),
        cmocka_unit_test (test_shared_library_takes_approved_normal_documents_from_office_roles),
        cmocka_unit_test (test_comments_close_when_the_meeting_ends),
        cmocka_unit_test (test_access_report_readers),
        cmocka_unit_test (test_release_by_leaders_only),
        cmocka_unit_test (test_accepted_types_parsed),
        cmocka_unit_test (test_retention_under_six_months_refused),
        cmocka_unit_test (test_retention_cutoff_in_calendar_months),
        cmocka_unit_test (test_purge_needs_release_both_ends_before_cutoff_and_no_library),
        cmocka_unit_test (test_fold_map_agrees_with_the_sql_function),
        cmocka_unit_test (test_fold_covers_every_vietnamese_vowel_and_tone),
        cmocka_unit_test (test_fold_makes_search_diacritics_insensitive),
        cmocka_unit_test (test_safe_filename_from_title),
        cmocka_unit_test (test_title_checked),
        cmocka_unit_test (test_access_list_checked),
        cmocka_unit_test (test_times_parsed),
        cmocka_unit_test (test_cursor_parsed),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
