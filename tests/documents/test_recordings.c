/*  Unit tests of the rules of a meeting's recordings (R6.5): who reads one
    (the chair and system admins, nobody else — not its uploader, not the
    approver), who stores one and when (the meeting's organizers who run
    it, once approved, never for a meeting marked secret), and what a
    recording never is: reviewed, put in a library, commented on, given an
    access list, or an audio file passing for a document.  */
#include "rules.h"
#include <stdbool.h>
#include <string.h>
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
#define CHAIR "0190c0de-0000-7000-8000-000000000002"
#define SECRETARY "0190c0de-0000-7000-8000-000000000003"
#define APPROVER "0190c0de-0000-7000-8000-000000000004"
#define CREATOR "0190c0de-0000-7000-8000-000000000005"
#define INVITEE "0190c0de-0000-7000-8000-000000000006"
#define STRANGER "0190c0de-0000-7000-8000-000000000007"
#define ADMIN "0190c0de-0000-7000-8000-000000000008"

static docs_actor_t
s_actor (const char *user_id, const char *unit_id, const char *role)
{
    docs_actor_t actor;
    char *roles[] = {(char *) role};
    cab_actor_init (&actor, user_id, unit_id, roles, role ? 1 : 0);
    return actor;
}

static unsigned
s_roles (const docs_actor_t *actor, bool invited)
{
    docs_meeting_people_t people = {
        .created_by = CREATOR,
        .host_unit_id = UNIT_HOST,
        .chair_id = CHAIR,
        .secretary_id = SECRETARY,
        .approver_id = APPROVER,
        .invitee = invited,
    };
    return docs_meeting_roles (actor, &people);
}

//  A recording of the standard meeting uploaded by uploader, as actor sees it.
static docs_doc_facts_t
s_recording (const docs_actor_t *actor, const char *uploader, bool invited)
{
    docs_doc_facts_t doc = {
        .uploaded_by = uploader,
        .status = DOCS_APPROVED,
        .classification = DOCS_RECORDING,
        .library = DOCS_LIBRARY_NONE,
        .meeting_roles = s_roles (actor, invited),
        .published = true,
        .on_access_list = false,
    };
    return doc;
}

static bool
s_view (const char *user, const char *unit, const char *role, const char *uploader, bool invited)
{
    docs_actor_t actor = s_actor (user, unit, role);
    docs_doc_facts_t doc = s_recording (&actor, uploader, invited);
    return docs_may_view (&actor, &doc);
}

/* ---- the class --------------------------------------------------------------------------- */

static void
test_class_recording_parsed_and_named (void **state)
{
    (void) state;
    docs_class_t c = DOCS_NORMAL;
    assert_true (docs_class_parse ("recording", &c));
    assert_int_equal (c, DOCS_RECORDING);
    assert_string_equal (docs_class_name (DOCS_RECORDING), "recording");
    assert_false (docs_class_parse ("audio", &c));
    assert_false (docs_class_parse ("Recording", &c));
}

/* ---- who reads a recording --------------------------------------------------------------- */

static void
test_recording_read_by_chair_and_system_admins (void **state)
{
    (void) state;
    assert_true (s_view (CHAIR, UNIT_OTHER, "member", SECRETARY, false));
    assert_true (s_view (CHAIR, UNIT_OTHER, "member", CHAIR, false));
    assert_true (s_view (ADMIN, UNIT_OTHER, "system_admin", SECRETARY, false));
}

static void
test_recording_hidden_from_its_uploader (void **state)
{
    (void) state;
    //  "Released only on the chair's request": storing it is no release.
    assert_false (s_view (SECRETARY, UNIT_OTHER, "member", SECRETARY, false));
    assert_false (s_view (CREATOR, UNIT_HOST, "clerk", CREATOR, false));
}

static void
test_recording_hidden_from_approver_organizers_invitees_and_strangers (void **state)
{
    (void) state;
    assert_false (s_view (APPROVER, UNIT_HOST, "approver", SECRETARY, false));
    assert_false (s_view (SECRETARY, UNIT_OTHER, "member", CREATOR, false));
    assert_false (s_view (STRANGER, UNIT_HOST, "clerk", SECRETARY, false));
    assert_false (s_view (INVITEE, UNIT_OTHER, "member", SECRETARY, true));
    assert_false (s_view (STRANGER, UNIT_OTHER, "unit_admin", SECRETARY, false));
    assert_false (s_view (NULL, NULL, NULL, SECRETARY, false));
}

static void
test_recording_not_opened_by_an_access_list_or_the_shared_library (void **state)
{
    (void) state;
    docs_actor_t invitee = s_actor (INVITEE, UNIT_OTHER, "member");
    docs_doc_facts_t doc = s_recording (&invitee, SECRETARY, true);
    doc.on_access_list = true;
    doc.in_shared_library = true;
    assert_false (docs_may_view (&invitee, &doc));
}

/* ---- who stores one, and when ------------------------------------------------------------ */

static cab_status_t
s_upload (const char *user, const char *unit, const char *role, bool invited,
          docs_meeting_state_t state, bool secret, docs_fault_t *fault)
{
    docs_actor_t actor = s_actor (user, unit, role);
    bool published = docs_meeting_state_published (state) || state == DOCS_MEETING_CANCELLED;
    docs_may_upload_recording (&actor, s_roles (&actor, invited), published, state, secret, fault);
    return fault->status;
}

static void
test_recording_stored_by_clerk_chair_and_secretary (void **state)
{
    (void) state;
    docs_fault_t fault;
    static const docs_meeting_state_t on[] = {DOCS_MEETING_APPROVED, DOCS_MEETING_IN_PROGRESS,
                                              DOCS_MEETING_ENDED};
    for (size_t i = 0; i < sizeof on / sizeof on[0]; i++) {
        assert_int_equal (s_upload (SECRETARY, UNIT_OTHER, "member", false, on[i], false, &fault),
                          CAB_OK);
        assert_int_equal (s_upload (CHAIR, UNIT_OTHER, "member", false, on[i], false, &fault),
                          CAB_OK);
        assert_int_equal (s_upload (CREATOR, UNIT_HOST, "clerk", false, on[i], false, &fault),
                          CAB_OK);
        assert_int_equal (s_upload (STRANGER, UNIT_HOST, "clerk", false, on[i], false, &fault),
                          CAB_OK);
    }
}

static void
test_recording_refused_to_approver_invitee_and_admin (void **state)
{
    (void) state;
    docs_fault_t fault;
    assert_int_equal (
        s_upload (APPROVER, UNIT_HOST, "approver", false, DOCS_MEETING_ENDED, false, &fault),
        CAB_PERMISSION_DENIED);
    assert_string_equal (fault.field, "meeting_id");
    assert_non_null (strstr (fault.message, "bản ghi âm"));
    assert_int_equal (
        s_upload (INVITEE, UNIT_OTHER, "member", true, DOCS_MEETING_IN_PROGRESS, false, &fault),
        CAB_PERMISSION_DENIED);
    assert_int_equal (
        s_upload (ADMIN, UNIT_OTHER, "system_admin", false, DOCS_MEETING_ENDED, false, &fault),
        CAB_PERMISSION_DENIED);
}

static void
test_recording_of_an_unseen_meeting_not_found (void **state)
{
    (void) state;
    docs_fault_t fault;
    assert_int_equal (
        s_upload (STRANGER, UNIT_OTHER, "member", false, DOCS_MEETING_ENDED, false, &fault),
        CAB_NOT_FOUND);
    //  Invitations go out at approval: before it an invitee knows nothing.
    docs_actor_t invitee = s_actor (INVITEE, UNIT_OTHER, "member");
    docs_may_upload_recording (&invitee, s_roles (&invitee, true), false, DOCS_MEETING_PENDING,
                               false, &fault);
    assert_int_equal (fault.status, CAB_NOT_FOUND);
}

static void
test_recording_before_approval_or_after_cancel_conflict (void **state)
{
    (void) state;
    docs_fault_t fault;
    static const docs_meeting_state_t off[] = {DOCS_MEETING_DRAFT, DOCS_MEETING_PENDING,
                                               DOCS_MEETING_REJECTED, DOCS_MEETING_CANCELLED};
    for (size_t i = 0; i < sizeof off / sizeof off[0]; i++)
        assert_int_equal (s_upload (SECRETARY, UNIT_OTHER, "member", false, off[i], false, &fault),
                          CAB_ABORTED);
}

static void
test_recording_of_a_secret_meeting_refused (void **state)
{
    (void) state;
    docs_fault_t fault;
    assert_int_equal (
        s_upload (SECRETARY, UNIT_OTHER, "member", false, DOCS_MEETING_ENDED, true, &fault),
        CAB_FAILED_PRECONDITION);
    assert_string_equal (fault.code, "meeting_secret");
    assert_string_equal (fault.field, "classification");
    assert_non_null (strstr (fault.message, "họp mật"));
    //  The chair too: the mark is theirs to lift first.
    assert_int_equal (
        s_upload (CHAIR, UNIT_OTHER, "member", false, DOCS_MEETING_IN_PROGRESS, true, &fault),
        CAB_FAILED_PRECONDITION);
}

static void
test_recording_never_to_a_library (void **state)
{
    (void) state;
    docs_fault_t fault;
    docs_actor_t clerk = s_actor (CREATOR, UNIT_HOST, "clerk");
    docs_may_upload_to_library (&clerk, DOCS_LIBRARY_SHARED, DOCS_RECORDING, &fault);
    assert_int_equal (fault.status, CAB_FAILED_PRECONDITION);
    assert_string_equal (fault.field, "classification");
    docs_may_upload_to_library (&clerk, DOCS_LIBRARY_PERSONAL, DOCS_RECORDING, &fault);
    assert_int_equal (fault.status, CAB_FAILED_PRECONDITION);
    docs_may_upload_to_library (&clerk, DOCS_LIBRARY_PERSONAL, DOCS_NORMAL, &fault);
    assert_int_equal (fault.status, CAB_OK);
}

static void
test_recording_has_no_access_list (void **state)
{
    (void) state;
    docs_fault_t fault;
    docs_check_access_list_allowed (DOCS_RECORDING, 1, &fault);
    assert_int_equal (fault.status, CAB_INVALID_ARGUMENT);
    assert_string_equal (fault.field, "access_user_ids");
    docs_check_access_list_allowed (DOCS_RECORDING, 0, &fault);
    assert_int_equal (fault.status, CAB_OK);
    docs_check_access_list_allowed (DOCS_SECRET, 3, &fault);
    assert_int_equal (fault.status, CAB_OK);
}

static void
test_recording_has_its_own_size_limit (void **state)
{
    (void) state;
    assert_int_equal (docs_upload_limit (DOCS_RECORDING, 100, 2048), 2048);
    assert_int_equal (docs_upload_limit (DOCS_NORMAL, 100, 2048), 100);
    assert_int_equal (docs_upload_limit (DOCS_SECRET, 100, 2048), 100);
}

static void
test_recording_starts_approved_whoever_stores_it (void **state)
{
    (void) state;
    assert_int_equal (
        docs_initial_status_of (DOCS_RECORDING, DOCS_LIBRARY_NONE, DOCS_ROLE_SECRETARY),
        DOCS_APPROVED);
    assert_int_equal (docs_initial_status_of (DOCS_NORMAL, DOCS_LIBRARY_NONE, DOCS_ROLE_SECRETARY),
                      DOCS_PENDING);
    assert_int_equal (docs_initial_status_of (DOCS_NORMAL, DOCS_LIBRARY_NONE, DOCS_ROLE_CHAIR),
                      DOCS_APPROVED);
}

/* ---- what a recording never is ----------------------------------------------------------- */

static void
test_recording_never_reviewed (void **state)
{
    (void) state;
    docs_actor_t chair = s_actor (CHAIR, UNIT_OTHER, "member");
    docs_doc_facts_t doc = s_recording (&chair, SECRETARY, false);
    docs_status_t to = DOCS_PENDING;
    docs_fault_t fault;
    docs_may_review (&doc, DOCS_APPROVE, &to, &fault);
    assert_int_equal (fault.status, CAB_FAILED_PRECONDITION);
    docs_may_review (&doc, DOCS_REJECT, &to, &fault);
    assert_int_equal (fault.status, CAB_FAILED_PRECONDITION);
    assert_non_null (strstr (fault.message, "Bản ghi âm"));
}

static void
test_recording_never_in_a_library_afterwards (void **state)
{
    (void) state;
    docs_actor_t admin = s_actor (ADMIN, UNIT_OTHER, "system_admin");
    docs_doc_facts_t doc = s_recording (&admin, SECRETARY, false);
    docs_fault_t fault;
    docs_may_add_to_library (&admin, DOCS_LIBRARY_SHARED, &doc, &fault);
    assert_int_equal (fault.status, CAB_FAILED_PRECONDITION);
    docs_may_add_to_library (&admin, DOCS_LIBRARY_PERSONAL, &doc, &fault);
    assert_int_equal (fault.status, CAB_FAILED_PRECONDITION);
    assert_string_equal (fault.field, "document_id");
}

static void
test_recording_takes_no_comments (void **state)
{
    (void) state;
    docs_actor_t chair = s_actor (CHAIR, UNIT_OTHER, "member");
    docs_doc_facts_t doc = s_recording (&chair, SECRETARY, false);
    docs_fault_t fault;
    docs_may_comment_on (&doc, &fault);
    assert_int_equal (fault.status, CAB_FAILED_PRECONDITION);
    doc.classification = DOCS_NORMAL;
    docs_may_comment_on (&doc, &fault);
    assert_int_equal (fault.status, CAB_OK);
}

/* ---- audio is a recording, and only that ------------------------------------------------- */

static void
test_audio_kinds_named (void **state)
{
    (void) state;
    docs_audio_t kind = DOCS_AUDIO_COUNT;
    assert_true (docs_audio_parse ("opus", &kind));
    assert_int_equal (kind, DOCS_AUDIO_OPUS);
    assert_string_equal (docs_audio_mime (DOCS_AUDIO_WAV), "audio/wav");
    assert_string_equal (docs_audio_extension (DOCS_AUDIO_M4A), "m4a");
    assert_false (docs_audio_parse ("pdf", &kind));
    assert_string_equal (docs_file_extension ("mp3"), "mp3");
    assert_string_equal (docs_file_extension ("docx"), "docx");
    assert_string_equal (docs_file_extension ("nonsense"), "bin");
    char name[64];
    assert_string_equal (docs_safe_name ("Ghi âm phiên họp sáng", "mp3", name, sizeof name),
                         "Ghi-am-phien-hop-sang.mp3");
}

static void
test_audio_never_a_document_and_not_an_accepted_type (void **state)
{
    (void) state;
    unsigned mask = 0;
    char bad[32];
    assert_false (docs_types_parse ("pdf,mp3", &mask, bad, sizeof bad));
    assert_string_equal (bad, "mp3");
    docs_fault_t fault;
    docs_check_type ("wav", "audio/wav", DOCS_TYPES_ALL, &fault);
    assert_int_equal (fault.status, CAB_INVALID_ARGUMENT);
    assert_string_equal (fault.code, "unsupported_media_type");
    assert_non_null (strstr (fault.message, "classification=recording"));
}

static void
test_recording_must_be_audio (void **state)
{
    (void) state;
    docs_fault_t fault;
    for (int i = 0; i < DOCS_AUDIO_COUNT; i++) {
        docs_check_recording_type (docs_audio_name ((docs_audio_t) i), NULL, &fault);
        assert_int_equal (fault.status, CAB_OK);
    }
    docs_check_recording_type ("pdf", "application/pdf", &fault);
    assert_int_equal (fault.status, CAB_INVALID_ARGUMENT);
    assert_string_equal (fault.code, "unsupported_media_type");
    assert_string_equal (fault.field, "file");
    assert_non_null (strstr (fault.message, "PDF"));
    docs_check_recording_type ("video", "video/webm", &fault);
    assert_non_null (strstr (fault.message, "video"));
    docs_check_recording_type ("other", "text/plain", &fault);
    assert_non_null (strstr (fault.message, "text/plain"));
    docs_check_recording_type (NULL, NULL, &fault);
    assert_int_equal (fault.status, CAB_INVALID_ARGUMENT);
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_class_recording_parsed_and_named),
        cmocka_unit_test (test_recording_read_by_chair_and_system_admins),
        cmocka_unit_test (test_recording_hidden_from_its_uploader),
        cmocka_unit_test (test_recording_hidden_from_approver_organizers_invitees_and_strangers),
        cmocka_unit_test (test_recording_not_opened_by_an_access_list_or_the_shared_library),
        cmocka_unit_test (test_recording_stored_by_clerk_chair_and_secretary),
        cmocka_unit_test (test_recording_refused_to_approver_invitee_and_admin),
        cmocka_unit_test (test_recording_of_an_unseen_meeting_not_found),
        cmocka_unit_test (test_recording_before_approval_or_after_cancel_conflict),
        cmocka_unit_test (test_recording_of_a_secret_meeting_refused),
        cmocka_unit_test (test_recording_never_to_a_library),
        cmocka_unit_test (test_recording_has_no_access_list),
        cmocka_unit_test (test_recording_has_its_own_size_limit),
        cmocka_unit_test (test_recording_starts_approved_whoever_stores_it),
        cmocka_unit_test (test_recording_never_reviewed),
        cmocka_unit_test (test_recording_never_in_a_library_afterwards),
        cmocka_unit_test (test_recording_takes_no_comments),
        cmocka_unit_test (test_audio_kinds_named),
        cmocka_unit_test (test_audio_never_a_document_and_not_an_accepted_type),
        cmocka_unit_test (test_recording_must_be_audio),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
