/*  gw_routes - the route table and how requests find their route.

    Every route the gateway serves is one row below. A row names the RPC
    method that does the work and the messages on both sides; the generic
    path in api.c then parses the JSON body into the request message, sets
    path and query parameters on it, calls the method and writes the reply
    message back as JSON. Hooks cover what a row cannot say (cookies at
    sign-in); handlers cover routes that are not one RPC at all.
    gateway/openapi.json documents exactly these rows, which
    tests/gateway/test_openapi.c checks in both directions.  */
#include "routes.h"
#include "cab_utf8.h"
#include "cabinet/v1/conduct.pb-c.h"
#include "cabinet/v1/documents.pb-c.h"
#include "cabinet/v1/identity.pb-c.h"
#include "cabinet/v1/notifications.pb-c.h"
#include "cabinet/v1/polls.pb-c.h"
#include "cabinet/v1/scheduling.pb-c.h"
#include "cabinet/v1/voting.pb-c.h"
#include "download.h"
#include "hooks.h"
#include "ops.h"
#include "stream.h"
#include "upload.h"
#include <string.h>

#define HTTP_OK 200
#define HTTP_CREATED 201
#define HTTP_NO_CONTENT 204

#define EMPTY &cabinet__v1__empty__descriptor
#define ID &cabinet__v1__id_request__descriptor
#define UNIT &cabinet__v1__unit__descriptor
#define USER &cabinet__v1__user__descriptor
#define MEETING &cabinet__v1__meeting__descriptor
#define MEETING_ID &cabinet__v1__meeting_id_request__descriptor
#define TRANSITION &cabinet__v1__transition_request__descriptor
#define VIOLATIONS &cabinet__v1__list_violations_request__descriptor
#define SPEAKER &cabinet__v1__speaker__descriptor
#define SPEAKER_ACTION &cabinet__v1__speaker_action_request__descriptor
#define CONDUCT_LIST &cabinet__v1__list_conduct_request__descriptor
#define VIOLATION_LIST &cabinet__v1__violation_list__descriptor
#define DOCUMENT &cabinet__v1__document__descriptor
#define UPLOAD &cabinet__v1__upload_begin_request__descriptor  //  a sink's path parameters
#define DOCUMENT_ID &cabinet__v1__document_id_request__descriptor
#define DOCUMENT_LIST &cabinet__v1__document_list__descriptor
#define REVIEW &cabinet__v1__review_request__descriptor
#define BY_DOCUMENT &cabinet__v1__list_by_document_request__descriptor
#define LIBRARY_ENTRY &cabinet__v1__library_entry_request__descriptor
#define VOTE &cabinet__v1__vote__descriptor
#define VOTE_ID &cabinet__v1__vote_id_request__descriptor
#define POLL &cabinet__v1__poll__descriptor
#define POLL_ID &cabinet__v1__poll_id_request__descriptor
#define NOTICE_LIST &cabinet__v1__notice_list__descriptor
#define NOTIFY_SETTINGS &cabinet__v1__notification_settings__descriptor
#define CALENDAR_TOKEN &cabinet__v1__calendar_token__descriptor

//  Literal patterns come before parameterised ones with the same prefix:
//  the first row whose pattern and verb match wins.
const gw_route_t gw_routes[] = {
    //  operations
    {"GET", "/healthz", NULL, NULL, NULL, GW_AUTH_ANONYMOUS, HTTP_OK, NULL, NULL, gw_ops_healthz,
     false, NULL},
    {"GET", "/readyz", NULL, NULL, NULL, GW_AUTH_ANONYMOUS, HTTP_OK, NULL, NULL, gw_ops_readyz,
     false, NULL},
    {"GET", "/metrics", NULL, NULL, NULL, GW_AUTH_ANONYMOUS, HTTP_OK, NULL, NULL, gw_ops_metrics,
     false, NULL},
    {"GET", "/api/v1/openapi.json", NULL, NULL, NULL, GW_AUTH_ANONYMOUS, HTTP_OK, NULL, NULL,
     gw_ops_openapi, false, NULL},

    //  sign-in, session, own account
    {"POST", "/api/v1/auth/login", "identity.Login", &cabinet__v1__login_request__descriptor,
     &cabinet__v1__login_reply__descriptor, GW_AUTH_ANONYMOUS, HTTP_OK, gw_hook_login_before,
     gw_hook_login_after, NULL, false, NULL},
    {"POST", "/api/v1/auth/logout", "identity.Logout", EMPTY, EMPTY, GW_AUTH_PASSWORD_CHANGE,
     HTTP_NO_CONTENT, NULL, gw_hook_logout_after, NULL, false, NULL},
    {"GET", "/api/v1/me", "identity.GetMe", EMPTY, USER, GW_AUTH_PASSWORD_CHANGE, HTTP_OK, NULL,
     NULL, NULL, false, NULL},
    {"POST", "/api/v1/me/password", "identity.ChangePassword",
     &cabinet__v1__change_password_request__descriptor, EMPTY, GW_AUTH_PASSWORD_CHANGE,
     HTTP_NO_CONTENT, NULL, NULL, NULL, false, NULL},
    {"POST", "/api/v1/me/totp", "identity.SetupTotp", EMPTY,
     &cabinet__v1__totp_setup_reply__descriptor, GW_AUTH_SESSION, HTTP_OK, NULL, NULL, NULL, false,
     NULL},
    {"POST", "/api/v1/me/totp/confirm", "identity.ConfirmTotp",
     &cabinet__v1__totp_confirm_request__descriptor, EMPTY, GW_AUTH_SESSION, HTTP_NO_CONTENT, NULL,
     NULL, NULL, false, NULL},

    //  agencies
    {"GET", "/api/v1/units", "identity.ListUnits", &cabinet__v1__list_units_request__descriptor,
     &cabinet__v1__unit_list__descriptor, GW_AUTH_SESSION, HTTP_OK, NULL, NULL, NULL, false, NULL},
    {"POST", "/api/v1/units", "identity.CreateUnit", &cabinet__v1__create_unit_request__descriptor,
     UNIT, GW_AUTH_SESSION, HTTP_CREATED, NULL, NULL, NULL, false, NULL},
    {"GET", "/api/v1/units/{id}", "identity.GetUnit", ID, UNIT, GW_AUTH_SESSION, HTTP_OK, NULL,
     NULL, NULL, false, NULL},
    {"PATCH", "/api/v1/units/{id}", "identity.UpdateUnit",
     &cabinet__v1__update_unit_request__descriptor, UNIT, GW_AUTH_SESSION, HTTP_OK, NULL, NULL,
     NULL, false, NULL},

    //  accounts
    {"GET", "/api/v1/users", "identity.ListUsers", &cabinet__v1__list_users_request__descriptor,
     &cabinet__v1__user_list__descriptor, GW_AUTH_SESSION, HTTP_OK, NULL, NULL, NULL, false, NULL},
    {"POST", "/api/v1/users", "identity.CreateUser", &cabinet__v1__create_user_request__descriptor,
     USER, GW_AUTH_SESSION, HTTP_CREATED, NULL, NULL, NULL, false, NULL},
    {"POST", "/api/v1/users/{id}/reset-password", "identity.ResetPassword", ID,
     &cabinet__v1__reset_password_reply__descriptor, GW_AUTH_SESSION, HTTP_OK, NULL, NULL, NULL,
     false, NULL},
    {"GET", "/api/v1/users/{id}", "identity.GetUser", ID, USER, GW_AUTH_SESSION, HTTP_OK, NULL,
     NULL, NULL, false, NULL},
    {"PATCH", "/api/v1/users/{id}", "identity.UpdateUser",
     &cabinet__v1__update_user_request__descriptor, USER, GW_AUTH_SESSION, HTTP_OK, NULL, NULL,
     NULL, false, NULL},
    {"DELETE", "/api/v1/users/{id}", "identity.DeleteUser", ID, EMPTY, GW_AUTH_SESSION,
     HTTP_NO_CONTENT, NULL, NULL, NULL, false, NULL},

    //  login log and the province's directory
    {"GET", "/api/v1/audit/logins", "identity.ListLogins",
     &cabinet__v1__list_logins_request__descriptor, &cabinet__v1__login_list__descriptor,
     GW_AUTH_SESSION, HTTP_OK, NULL, NULL, NULL, false, NULL},
    {"GET", "/api/v1/directory", "identity.ListDirectory",
     &cabinet__v1__list_directory_request__descriptor, &cabinet__v1__directory_list__descriptor,
     GW_AUTH_SESSION, HTTP_OK, NULL, NULL, NULL, false, NULL},

    //  catalogs (R2)
    {"GET", "/api/v1/catalogs/{kind}", "scheduling.ListCatalog",
     &cabinet__v1__list_catalog_request__descriptor, &cabinet__v1__catalog_list__descriptor,
     GW_AUTH_SESSION, HTTP_OK, NULL, NULL, NULL, false, NULL},
    {"POST", "/api/v1/catalogs/{kind}", "scheduling.CreateCatalogEntry",
     &cabinet__v1__create_catalog_entry_request__descriptor,
     &cabinet__v1__catalog_entry__descriptor, GW_AUTH_SESSION, HTTP_CREATED, NULL, NULL, NULL,
     false, NULL},

    //  meetings (R3): registering, calendars, the state machine
    {"GET", "/api/v1/meetings", "scheduling.ListMeetings",
     &cabinet__v1__list_meetings_request__descriptor, &cabinet__v1__meeting_list__descriptor,
     GW_AUTH_SESSION, HTTP_OK, NULL, NULL, NULL, true, NULL},
    {"POST", "/api/v1/meetings", "scheduling.CreateMeeting",
     &cabinet__v1__create_meeting_request__descriptor, MEETING, GW_AUTH_SESSION, HTTP_CREATED, NULL,
     NULL, NULL, false, NULL},
    {"GET", "/api/v1/meetings/{id}", "scheduling.GetMeeting", MEETING_ID, MEETING, GW_AUTH_SESSION,
     HTTP_OK, NULL, NULL, NULL, false, NULL},
    {"PATCH", "/api/v1/meetings/{id}", "scheduling.UpdateMeeting",
     &cabinet__v1__update_meeting_request__descriptor, MEETING, GW_AUTH_SESSION, HTTP_OK, NULL,
     NULL, NULL, false, NULL},
    {"POST", "/api/v1/meetings/{id}/submit", "scheduling.SubmitMeeting", TRANSITION, MEETING,
     GW_AUTH_SESSION, HTTP_OK, NULL, NULL, NULL, false, NULL},
    {"POST", "/api/v1/meetings/{id}/approve", "scheduling.ApproveMeeting", TRANSITION, MEETING,
     GW_AUTH_SESSION, HTTP_OK, NULL, NULL, NULL, false, NULL},
    {"POST", "/api/v1/meetings/{id}/reject", "scheduling.RejectMeeting", TRANSITION, MEETING,
     GW_AUTH_SESSION, HTTP_OK, NULL, NULL, NULL, false, NULL},
    {"POST", "/api/v1/meetings/{id}/unapprove", "scheduling.UnapproveMeeting", TRANSITION, MEETING,
     GW_AUTH_SESSION, HTTP_OK, NULL, NULL, NULL, false, NULL},
    {"POST", "/api/v1/meetings/{id}/cancel", "scheduling.CancelMeeting", TRANSITION, MEETING,
     GW_AUTH_SESSION, HTTP_OK, NULL, NULL, NULL, false, NULL},
    {"POST", "/api/v1/meetings/{id}/start", "scheduling.StartMeeting", TRANSITION, MEETING,
     GW_AUTH_SESSION, HTTP_OK, NULL, NULL, NULL, false, NULL},
    {"POST", "/api/v1/meetings/{id}/end", "scheduling.EndMeeting", TRANSITION, MEETING,
     GW_AUTH_SESSION, HTTP_OK, NULL, NULL, NULL, false, NULL},
    {"POST", "/api/v1/meetings/{id}/secret", "scheduling.SetMeetingSecret",
     &cabinet__v1__set_secret_request__descriptor, MEETING, GW_AUTH_SESSION, HTTP_OK, NULL, NULL,
     NULL, false, NULL},

    //  attendance (R4)
    {"POST", "/api/v1/meetings/{id}/rsvp", "scheduling.Rsvp",
     &cabinet__v1__rsvp_request__descriptor, MEETING, GW_AUTH_SESSION, HTTP_OK, NULL, NULL, NULL,
     false, NULL},
    {"POST", "/api/v1/meetings/{id}/attendees", "scheduling.NameAttendees",
     &cabinet__v1__name_attendees_request__descriptor, MEETING, GW_AUTH_SESSION, HTTP_OK, NULL,
     NULL, NULL, false, NULL},
    {"POST", "/api/v1/meetings/{id}/roll-call", "scheduling.RollCall",
     &cabinet__v1__roll_call_request__descriptor, MEETING, GW_AUTH_SESSION, HTTP_OK, NULL, NULL,
     NULL, false, NULL},
    {"POST", "/api/v1/meetings/{id}/check-in", "scheduling.CheckIn", MEETING_ID, MEETING,
     GW_AUTH_SESSION, HTTP_OK, NULL, NULL, NULL, false, NULL},
    {"POST", "/api/v1/meetings/{id}/support-requests", "scheduling.CreateSupportRequest",
     &cabinet__v1__create_support_request__descriptor, &cabinet__v1__support_request__descriptor,
     GW_AUTH_SESSION, HTTP_CREATED, NULL, NULL, NULL, false, NULL},
    {"GET", "/api/v1/meetings/{id}/attendance", "scheduling.GetAttendance", MEETING_ID,
     &cabinet__v1__attendance_counts__descriptor, GW_AUTH_SESSION, HTTP_OK, NULL, NULL, NULL, false,
     NULL},

    //  the live conduct (R6.2, R6.4, R6.6, R8): speakers, messages, notes,
    //  conclusion, minutes, the meeting log
    {"GET", "/api/v1/meetings/{id}/speakers", "scheduling.ListSpeakers", MEETING_ID,
     &cabinet__v1__speaker_list__descriptor, GW_AUTH_SESSION, HTTP_OK, NULL, NULL, NULL, false,
     NULL},
    {"POST", "/api/v1/meetings/{id}/speakers", "scheduling.RequestFloor",
     &cabinet__v1__request_floor_request__descriptor, SPEAKER, GW_AUTH_SESSION, HTTP_CREATED, NULL,
     NULL, NULL, false, NULL},
    {"POST", "/api/v1/meetings/{id}/speakers/{sid}/grant", "scheduling.GrantFloor", SPEAKER_ACTION,
     SPEAKER, GW_AUTH_SESSION, HTTP_OK, NULL, NULL, NULL, false, NULL},
    {"POST", "/api/v1/meetings/{id}/speakers/{sid}/finish", "scheduling.FinishFloor",
     SPEAKER_ACTION, SPEAKER, GW_AUTH_SESSION, HTTP_OK, NULL, NULL, NULL, false, NULL},
    {"POST", "/api/v1/meetings/{id}/speakers/{sid}/withdraw", "scheduling.WithdrawFloor",
     SPEAKER_ACTION, SPEAKER, GW_AUTH_SESSION, HTTP_OK, NULL, NULL, NULL, false, NULL},
    {"POST", "/api/v1/meetings/{id}/speakers/{sid}/move", "scheduling.MoveSpeaker",
     &cabinet__v1__move_speaker_request__descriptor, SPEAKER, GW_AUTH_SESSION, HTTP_OK, NULL, NULL,
     NULL, false, NULL},
    {"GET", "/api/v1/meetings/{id}/messages", "scheduling.ListMessages", CONDUCT_LIST,
     &cabinet__v1__meeting_message_list__descriptor, GW_AUTH_SESSION, HTTP_OK, NULL, NULL, NULL,
     false, NULL},
    {"POST", "/api/v1/meetings/{id}/messages", "scheduling.SendMessage",
     &cabinet__v1__send_message_request__descriptor, &cabinet__v1__meeting_message__descriptor,
     GW_AUTH_SESSION, HTTP_CREATED, NULL, NULL, NULL, false, NULL},
    {"GET", "/api/v1/meetings/{id}/notes", "scheduling.ListMeetingNotes", CONDUCT_LIST,
     &cabinet__v1__meeting_note_list__descriptor, GW_AUTH_SESSION, HTTP_OK, NULL, NULL, NULL, false,
     NULL},
    {"POST", "/api/v1/meetings/{id}/notes", "scheduling.AddMeetingNote",
     &cabinet__v1__add_meeting_note_request__descriptor, &cabinet__v1__meeting_note__descriptor,
     GW_AUTH_SESSION, HTTP_CREATED, NULL, NULL, NULL, false, NULL},
    {"GET", "/api/v1/meetings/{id}/conclusion", "scheduling.GetConclusion", MEETING_ID,
     &cabinet__v1__conclusion__descriptor, GW_AUTH_SESSION, HTTP_OK, NULL, NULL, NULL, false, NULL},
    {"POST", "/api/v1/meetings/{id}/conclusion", "scheduling.SetConclusion",
     &cabinet__v1__set_conclusion_request__descriptor, &cabinet__v1__conclusion__descriptor,
     GW_AUTH_SESSION, HTTP_OK, NULL, NULL, NULL, false, NULL},
    {"GET", "/api/v1/meetings/{id}/minutes", "scheduling.GetMinutes", MEETING_ID,
     &cabinet__v1__minutes__descriptor, GW_AUTH_SESSION, HTTP_OK, NULL, NULL, NULL, false, NULL},
    {"POST", "/api/v1/meetings/{id}/minutes", "scheduling.SetMinutes",
     &cabinet__v1__set_minutes_request__descriptor, &cabinet__v1__minutes__descriptor,
     GW_AUTH_SESSION, HTTP_OK, NULL, NULL, NULL, false, NULL},
    {"GET", "/api/v1/meeting-log", "scheduling.MeetingLog",
     &cabinet__v1__meeting_log_request__descriptor, &cabinet__v1__meeting_log__descriptor,
     GW_AUTH_SESSION, HTTP_OK, NULL, NULL, NULL, false, NULL},

    //  live streams (Server-Sent Events, stream.c): a meeting's, a person's own
    {"GET", "/api/v1/meetings/{id}/stream", NULL, NULL, NULL, GW_AUTH_SESSION, HTTP_OK, NULL, NULL,
     gw_stream_meeting, false, NULL},
    {"GET", "/api/v1/stream", NULL, NULL, NULL, GW_AUTH_SESSION, HTTP_OK, NULL, NULL,
     gw_stream_personal, false, NULL},

    //  lead-time violations (R3.4) and the public list (R3.6)
    {"GET", "/api/v1/meetings/{id}/violations", "scheduling.ListMeetingViolations", VIOLATIONS,
     VIOLATION_LIST, GW_AUTH_SESSION, HTTP_OK, NULL, NULL, NULL, false, NULL},
    {"GET", "/api/v1/lead-time-violations", "scheduling.ListViolations", VIOLATIONS, VIOLATION_LIST,
     GW_AUTH_SESSION, HTTP_OK, NULL, NULL, NULL, false, NULL},
    {"GET", "/api/v1/public/meetings", "scheduling.ListPublicMeetings",
     &cabinet__v1__list_public_meetings_request__descriptor,
     &cabinet__v1__public_meeting_list__descriptor, GW_AUTH_ANONYMOUS, HTTP_OK, NULL, NULL, NULL,
     true, NULL},

    //  documents (R5, R3.3, R4.5): uploads are streamed (upload.c), files
    //  are sent while read (download.c)
    {"POST", "/api/v1/meetings/{meeting_id}/documents", NULL, UPLOAD, DOCUMENT, GW_AUTH_SESSION,
     HTTP_CREATED, NULL, NULL, NULL, false, &gw_upload_sink},
    {"POST", "/api/v1/meetings/{meeting_id}/retention-release", "documents.ReleaseForPurge",
     &cabinet__v1__release_for_purge_request__descriptor,
     &cabinet__v1__retention_release__descriptor, GW_AUTH_SESSION, HTTP_OK, NULL, NULL, NULL, false,
     NULL},
    {"GET", "/api/v1/documents", "documents.Search",
     &cabinet__v1__search_documents_request__descriptor, DOCUMENT_LIST, GW_AUTH_SESSION, HTTP_OK,
     NULL, NULL, NULL, false, NULL},
    {"GET", "/api/v1/documents/{id}", "documents.GetDocument", DOCUMENT_ID, DOCUMENT,
     GW_AUTH_SESSION, HTTP_OK, NULL, NULL, NULL, false, NULL},
    {"GET", "/api/v1/documents/{id}/content", NULL, NULL, NULL, GW_AUTH_SESSION, HTTP_OK, NULL,
     NULL, gw_download_content, false, NULL},
    {"POST", "/api/v1/documents/{id}/approve", "documents.Approve", REVIEW, DOCUMENT,
     GW_AUTH_SESSION, HTTP_OK, NULL, NULL, NULL, false, NULL},
    {"POST", "/api/v1/documents/{id}/reject", "documents.Reject", REVIEW, DOCUMENT, GW_AUTH_SESSION,
     HTTP_OK, NULL, NULL, NULL, false, NULL},
    {"GET", "/api/v1/documents/{document_id}/comments", "documents.ListComments", BY_DOCUMENT,
     &cabinet__v1__comment_list__descriptor, GW_AUTH_SESSION, HTTP_OK, NULL, NULL, NULL, false,
     NULL},
    {"POST", "/api/v1/documents/{document_id}/comments", "documents.AddComment",
     &cabinet__v1__add_comment_request__descriptor, &cabinet__v1__comment__descriptor,
     GW_AUTH_SESSION, HTTP_CREATED, NULL, NULL, NULL, false, NULL},
    {"GET", "/api/v1/documents/{document_id}/notes", "documents.ListNotes", BY_DOCUMENT,
     &cabinet__v1__note_list__descriptor, GW_AUTH_SESSION, HTTP_OK, NULL, NULL, NULL, false, NULL},
    {"POST", "/api/v1/documents/{document_id}/notes", "documents.AddNote",
     &cabinet__v1__add_note_request__descriptor, &cabinet__v1__note__descriptor, GW_AUTH_SESSION,
     HTTP_CREATED, NULL, NULL, NULL, false, NULL},
    {"POST", "/api/v1/library/{library}/documents", NULL, UPLOAD, DOCUMENT, GW_AUTH_SESSION,
     HTTP_CREATED, NULL, NULL, NULL, false, &gw_upload_sink},
    {"GET", "/api/v1/library/{kind}", "documents.ListLibrary",
     &cabinet__v1__list_library_request__descriptor, DOCUMENT_LIST, GW_AUTH_SESSION, HTTP_OK, NULL,
     NULL, NULL, false, NULL},
    {"POST", "/api/v1/library/{kind}", "documents.AddToLibrary", LIBRARY_ENTRY, DOCUMENT,
     GW_AUTH_SESSION, HTTP_CREATED, NULL, NULL, NULL, false, NULL},
    {"DELETE", "/api/v1/library/{kind}/{document_id}", "documents.RemoveFromLibrary", LIBRARY_ENTRY,
     EMPTY, GW_AUTH_SESSION, HTTP_NO_CONTENT, NULL, NULL, NULL, false, NULL},
    {"GET", "/api/v1/reports/access/{meeting_id}", "documents.AccessReport",
     &cabinet__v1__access_report_request__descriptor, &cabinet__v1__access_report__descriptor,
     GW_AUTH_SESSION, HTTP_OK, NULL, NULL, NULL, false, NULL},

    //  votes (R6.3): named, secret and signed ballots; signing keys
    {"GET", "/api/v1/me/signing-keys", "voting.ListKeys", EMPTY,
     &cabinet__v1__signing_key_list__descriptor, GW_AUTH_SESSION, HTTP_OK, NULL, NULL, NULL, false,
     NULL},
    {"POST", "/api/v1/me/signing-keys", "voting.RegisterKey",
     &cabinet__v1__register_key_request__descriptor, &cabinet__v1__signing_key__descriptor,
     GW_AUTH_SESSION, HTTP_CREATED, NULL, NULL, NULL, false, NULL},
    {"GET", "/api/v1/meetings/{meeting_id}/votes", "voting.ListVotes",
     &cabinet__v1__list_votes_request__descriptor, &cabinet__v1__vote_list__descriptor,
     GW_AUTH_SESSION, HTTP_OK, NULL, NULL, NULL, false, NULL},
    {"POST", "/api/v1/meetings/{meeting_id}/votes", "voting.CreateVote",
     &cabinet__v1__create_vote_request__descriptor, VOTE, GW_AUTH_SESSION, HTTP_CREATED, NULL, NULL,
     NULL, false, NULL},
    {"GET", "/api/v1/votes/{vote_id}", "voting.GetVote", VOTE_ID, VOTE, GW_AUTH_SESSION, HTTP_OK,
     NULL, NULL, NULL, false, NULL},
    {"POST", "/api/v1/votes/{vote_id}/open", "voting.OpenVote", VOTE_ID, VOTE, GW_AUTH_SESSION,
     HTTP_OK, NULL, NULL, NULL, false, NULL},
    {"POST", "/api/v1/votes/{vote_id}/close", "voting.CloseVote", VOTE_ID, VOTE, GW_AUTH_SESSION,
     HTTP_OK, NULL, NULL, NULL, false, NULL},
    {"POST", "/api/v1/votes/{vote_id}/remote-voters", "voting.AddRemoteVoters",
     &cabinet__v1__remote_voters_request__descriptor, VOTE, GW_AUTH_SESSION, HTTP_OK, NULL, NULL,
     NULL, false, NULL},
    {"POST", "/api/v1/votes/{vote_id}/ballots", "voting.CastBallot",
     &cabinet__v1__cast_ballot_request__descriptor, &cabinet__v1__ballot__descriptor,
     GW_AUTH_SESSION, HTTP_OK, NULL, NULL, NULL, false, NULL},
    {"GET", "/api/v1/votes/{vote_id}/ballots/export", "voting.ExportBallots", VOTE_ID,
     &cabinet__v1__ballot_export__descriptor, GW_AUTH_SESSION, HTTP_OK, NULL, NULL, NULL, false,
     NULL},

    //  notifications (R9): the inbox, each person's choices, the calendar feed
    {"GET", "/api/v1/notifications", "notifications.ListNotices",
     &cabinet__v1__list_notices_request__descriptor, NOTICE_LIST, GW_AUTH_SESSION, HTTP_OK, NULL,
     NULL, NULL, false, NULL},
    {"POST", "/api/v1/notifications/read-all", "notifications.MarkAllRead", EMPTY, NOTICE_LIST,
     GW_AUTH_SESSION, HTTP_NO_CONTENT, NULL, NULL, NULL, false, NULL},
    {"GET", "/api/v1/notifications/deliveries", "notifications.ListDeliveries",
     &cabinet__v1__list_deliveries_request__descriptor, NOTICE_LIST, GW_AUTH_SESSION, HTTP_OK, NULL,
     NULL, NULL, false, NULL},
    {"POST", "/api/v1/notifications/{id}/read", "notifications.MarkRead",
     &cabinet__v1__notice_id_request__descriptor, &cabinet__v1__notice__descriptor, GW_AUTH_SESSION,
     HTTP_OK, NULL, NULL, NULL, false, NULL},
    {"GET", "/api/v1/me/notification-settings", "notifications.GetSettings", EMPTY, NOTIFY_SETTINGS,
     GW_AUTH_SESSION, HTTP_OK, NULL, NULL, NULL, false, NULL},
    {"PATCH", "/api/v1/me/notification-settings", "notifications.UpdateSettings", NOTIFY_SETTINGS,
     NOTIFY_SETTINGS, GW_AUTH_SESSION, HTTP_OK, NULL, NULL, NULL, false, NULL},
    {"GET", "/api/v1/me/calendar-token", "notifications.GetCalendarToken", EMPTY, CALENDAR_TOKEN,
     GW_AUTH_SESSION, HTTP_OK, NULL, NULL, NULL, false, NULL},
    {"POST", "/api/v1/me/calendar-token", "notifications.RotateCalendarToken", EMPTY,
     CALENDAR_TOKEN, GW_AUTH_SESSION, HTTP_OK, NULL, NULL, NULL, false, NULL},
    {"GET", "/api/v1/calendar.ics", "notifications.CalendarFeed",
     &cabinet__v1__calendar_feed_request__descriptor, &cabinet__v1__calendar_feed__descriptor,
     GW_AUTH_ANONYMOUS, HTTP_OK, NULL, gw_hook_calendar_after, NULL, false, NULL},

    //  opinion polls (R7): questions, documents, respondents, answers, results
    {"GET", "/api/v1/polls", "voting.ListPolls", &cabinet__v1__list_polls_request__descriptor,
     &cabinet__v1__poll_list__descriptor, GW_AUTH_SESSION, HTTP_OK, NULL, NULL, NULL, false, NULL},
    {"POST", "/api/v1/polls", "voting.CreatePoll", &cabinet__v1__create_poll_request__descriptor,
     POLL, GW_AUTH_SESSION, HTTP_CREATED, NULL, NULL, NULL, false, NULL},
    {"GET", "/api/v1/polls/{poll_id}", "voting.GetPoll", POLL_ID, POLL, GW_AUTH_SESSION, HTTP_OK,
     NULL, NULL, NULL, false, NULL},
    {"PUT", "/api/v1/polls/{poll_id}", "voting.UpdatePoll",
     &cabinet__v1__create_poll_request__descriptor, POLL, GW_AUTH_SESSION, HTTP_OK, NULL, NULL,
     NULL, false, NULL},
    {"DELETE", "/api/v1/polls/{poll_id}", "voting.DeletePoll", POLL_ID, EMPTY, GW_AUTH_SESSION,
     HTTP_NO_CONTENT, NULL, NULL, NULL, false, NULL},
    {"POST", "/api/v1/polls/{poll_id}/send", "voting.SendPoll", POLL_ID, POLL, GW_AUTH_SESSION,
     HTTP_OK, NULL, NULL, NULL, false, NULL},
    {"POST", "/api/v1/polls/{poll_id}/close", "voting.ClosePoll", POLL_ID, POLL, GW_AUTH_SESSION,
     HTTP_OK, NULL, NULL, NULL, false, NULL},
    {"POST", "/api/v1/polls/{poll_id}/archive", "voting.ArchivePoll", POLL_ID, POLL,
     GW_AUTH_SESSION, HTTP_OK, NULL, NULL, NULL, false, NULL},
    {"GET", "/api/v1/polls/{poll_id}/answers", "voting.ListAnswers",
     &cabinet__v1__list_answers_request__descriptor, &cabinet__v1__poll_answer_list__descriptor,
     GW_AUTH_SESSION, HTTP_OK, NULL, NULL, NULL, false, NULL},
    {"POST", "/api/v1/polls/{poll_id}/answers", "voting.SubmitAnswer",
     &cabinet__v1__submit_answer_request__descriptor, &cabinet__v1__poll_answer__descriptor,
     GW_AUTH_SESSION, HTTP_OK, NULL, NULL, NULL, false, NULL},
    {"GET", "/api/v1/polls/{poll_id}/results", "voting.PollResults", POLL_ID,
     &cabinet__v1__poll_results__descriptor, GW_AUTH_SESSION, HTTP_OK, NULL, NULL, NULL, false,
     NULL},
    {"GET", "/api/v1/polls/{poll_id}/overdue", "voting.PollOverdue", POLL_ID,
     &cabinet__v1__poll_overdue__descriptor, GW_AUTH_SESSION, HTTP_OK, NULL, NULL, NULL, false,
     NULL},

    {NULL, NULL, NULL, NULL, NULL, GW_AUTH_ANONYMOUS, 0, NULL, NULL, NULL, false, NULL},
};

//  Match path against pattern segment by segment; "{name}" takes one
//  non-empty segment. Fills params on success.
static bool
s_pattern_matches (const char *pattern, const char *path, gw_param_t params[GW_MAX_PATH_PARAMS],
                   int *count_p)
{
    const char *p = pattern;
    const char *s = path;
    int count = 0;
    while (*p && *s) {
        if (*p == '{') {
            const char *close = strchr (p, '}');
            const char *end = strchr (s, '/');
            if (!end)
                end = s + strlen (s);
            if (!close || end == s || count == GW_MAX_PATH_PARAMS)
                return false;
            params[count].name = p + 1;
            params[count].name_len = (size_t) (close - p - 1);
            params[count].value = s;
            params[count].value_len = (size_t) (end - s);
            count++;
            p = close + 1;
            s = end;
        } else {
            if (*p != *s)
                return false;
            p++;
            s++;
        }
    }
    if (*p || *s)
        return false;
    *count_p = count;
    return true;
}

//  Append verb to the Allow list unless it is there already.
static void
s_allow_add (char *allow, size_t cap, const char *verb)
{
    if (!allow || cap == 0)
        return;
    size_t vlen = strlen (verb);
    for (const char *at = strstr (allow, verb); at; at = strstr (at + 1, verb))
        if ((at == allow || at[-1] == ' ') && (at[vlen] == ',' || at[vlen] == '\0'))
            return;
    size_t used = strlen (allow);
    snprintf (allow + used, cap - used, "%s%s", used ? ", " : "", verb);
}

gw_match_t
gw_route_match (const char *verb, const char *path, const gw_route_t **route_p,
                gw_param_t params[GW_MAX_PATH_PARAMS], int *count_p, char *allow, size_t cap)
{
    bool path_known = false;
    gw_param_t found[GW_MAX_PATH_PARAMS];
    int count = 0;
    if (allow && cap)
        allow[0] = '\0';
    for (const gw_route_t *route = gw_routes; route->verb; route++) {
        if (!s_pattern_matches (route->pattern, path, found, &count))
            continue;
        if (strcmp (route->verb, verb) == 0) {
            *route_p = route;
            memcpy (params, found, sizeof (gw_param_t) * (size_t) count);
            *count_p = count;
            return GW_MATCH_FOUND;
        }
        path_known = true;
        s_allow_add (allow, cap, route->verb);
    }
    *route_p = NULL;
    *count_p = 0;
    return path_known ? GW_MATCH_BAD_VERB : GW_MATCH_NO_PATH;
}

char *
gw_route_param (const gw_request_t *req, const char *name)
{
    size_t len = strlen (name);
    for (int i = 0; i < req->param_count; i++) {
        const gw_param_t *param = &req->params[i];
        if (param->name_len == len && memcmp (param->name, name, len) == 0) {
            char *value = cab_arena_alloc (req->arena, param->value_len + 1);
            memcpy (value, param->value, param->value_len);
            value[param->value_len] = '\0';
            return value;
        }
    }
    return NULL;
}

bool
gw_verb_is_write (const char *verb)
{
    return strcmp (verb, "POST") == 0 || strcmp (verb, "PUT") == 0 || strcmp (verb, "PATCH") == 0
           || strcmp (verb, "DELETE") == 0;
}

bool
gw_route_takes_body (const gw_route_t *route)
{
    return strcmp (route->verb, "POST") == 0 || strcmp (route->verb, "PUT") == 0
           || strcmp (route->verb, "PATCH") == 0;
}

static char *
s_arena_strndup (cab_arena_t *arena, const char *s, size_t n)
{
    char *copy = cab_arena_alloc (arena, n + 1);
    memcpy (copy, s, n);
    copy[n] = '\0';
    return copy;
}

static void
s_fail (cab_pbjson_error_t *err, const char *field, const char *message)
{
    snprintf (err->field, sizeof err->field, "%s", field);
    snprintf (err->message, sizeof err->message, "%s", message);
}

//  Set one parameter; name and value are NUL-terminated arena copies.
static gw_bind_t
s_set (ProtobufCMessage *msg, const char *name, const char *value, cab_arena_t *arena,
       cab_pbjson_error_t *err)
{
    if (!cab_utf8_valid (name, strlen (name))) {
        s_fail (err, "", "Tên tham số không phải UTF-8 hợp lệ");
        return GW_BIND_ENCODING;
    }
    if (!cab_utf8_valid (value, strlen (value))) {
        s_fail (err, name, "Giá trị tham số không phải UTF-8 hợp lệ");
        return GW_BIND_ENCODING;
    }
    memset (err, 0, sizeof *err);
    if (cab_pbjson_set (msg, name, value, cab_arena_allocator (arena), err)) {
        if (!err->field[0])
            snprintf (err->field, sizeof err->field, "%s", name);
        if (!err->message[0])
            snprintf (err->message, sizeof err->message, "Tham số không hợp lệ");
        return GW_BIND_INVALID;
    }
    return GW_BIND_OK;
}

gw_bind_t
gw_route_bind (const gw_route_t *route, const gw_request_t *req, ProtobufCMessage *msg,
               cab_pbjson_error_t *err)
{
    bool body = gw_route_takes_body (route);
    for (int i = 0; i < req->query_count; i++) {
        const gw_param_t *q = &req->query[i];
        char *name = s_arena_strndup (req->arena, q->name, q->name_len);
        char *value = s_arena_strndup (req->arena, q->value, q->value_len);
        if (!cab_utf8_valid (name, strlen (name))) {
            s_fail (err, "", "Tên tham số không phải UTF-8 hợp lệ");
            return GW_BIND_ENCODING;
        }
        if (body) {
            s_fail (err, name, "Yêu cầu này nhận dữ liệu trong nội dung JSON, không qua tham số");
            return GW_BIND_INVALID;
        }
        for (int j = 0; j < req->param_count; j++)
            if (req->params[j].name_len == q->name_len
                && memcmp (req->params[j].name, q->name, q->name_len) == 0) {
                s_fail (err, name, "Tham số này đã có trong đường dẫn");
                return GW_BIND_INVALID;
            }
        gw_bind_t rc = s_set (msg, name, value, req->arena, err);
        if (rc != GW_BIND_OK)
            return rc;
    }
    //  Path parameters last: they name the resource, whatever the body said.
    for (int i = 0; i < req->param_count; i++) {
        const gw_param_t *p = &req->params[i];
        char *name = s_arena_strndup (req->arena, p->name, p->name_len);
        char *value = s_arena_strndup (req->arena, p->value, p->value_len);
        gw_bind_t rc = s_set (msg, name, value, req->arena, err);
        if (rc != GW_BIND_OK)
            return rc;
    }
    return GW_BIND_OK;
}
