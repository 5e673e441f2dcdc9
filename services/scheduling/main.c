/*  cabinet-scheduling - catalogs, meetings and their approval, invitations,
    replies, roll call and calendars, with lead-time rules. This file only
    declares the service; cab_service_main runs it.  */
#include "cab_config.h"
#include "cab_service.h"
#include "cabinet/v1/conduct.pb-c.h"
#include "handlers.h"
#include "seed.h"
#include "worker.h"
#include <stdlib.h>

//  The service's SQL migrations (services/scheduling/sql/), embedded.
extern const cab_embedded_file_t scheduling_embedded[];

#define ANONYMOUS CAB_METHOD_ANONYMOUS
#define TRANSITION &cabinet__v1__transition_request__descriptor
#define MEETING_ID &cabinet__v1__meeting_id_request__descriptor
#define VIOLATIONS &cabinet__v1__list_violations_request__descriptor
#define SPEAKER_ACTION &cabinet__v1__speaker_action_request__descriptor
#define CONDUCT_LIST &cabinet__v1__list_conduct_request__descriptor

static const cab_method_t s_methods[] = {
    {"scheduling.ListCatalog", &cabinet__v1__list_catalog_request__descriptor, sched_list_catalog,
     0},
    {"scheduling.CreateCatalogEntry", &cabinet__v1__create_catalog_entry_request__descriptor,
     sched_create_catalog_entry, 0},
    {"scheduling.CreateMeeting", &cabinet__v1__create_meeting_request__descriptor,
     sched_create_meeting, 0},
    {"scheduling.ListMeetings", &cabinet__v1__list_meetings_request__descriptor,
     sched_list_meetings, 0},
    {"scheduling.GetMeeting", MEETING_ID, sched_get_meeting, 0},
    {"scheduling.UpdateMeeting", &cabinet__v1__update_meeting_request__descriptor,
     sched_update_meeting, 0},
    {"scheduling.SetMeetingSecret", &cabinet__v1__set_secret_request__descriptor,
     sched_set_meeting_secret, 0},
    {"scheduling.SubmitMeeting", TRANSITION, sched_submit_meeting, 0},
    {"scheduling.ApproveMeeting", TRANSITION, sched_approve_meeting, 0},
    {"scheduling.RejectMeeting", TRANSITION, sched_reject_meeting, 0},
    {"scheduling.UnapproveMeeting", TRANSITION, sched_unapprove_meeting, 0},
    {"scheduling.CancelMeeting", TRANSITION, sched_cancel_meeting, 0},
    {"scheduling.StartMeeting", TRANSITION, sched_start_meeting, 0},
    {"scheduling.EndMeeting", TRANSITION, sched_end_meeting, 0},
    {"scheduling.Rsvp", &cabinet__v1__rsvp_request__descriptor, sched_rsvp, 0},
    {"scheduling.NameAttendees", &cabinet__v1__name_attendees_request__descriptor,
     sched_name_attendees, 0},
    {"scheduling.RollCall", &cabinet__v1__roll_call_request__descriptor, sched_roll_call, 0},
    {"scheduling.CheckIn", MEETING_ID, sched_check_in, 0},
    {"scheduling.CreateSupportRequest", &cabinet__v1__create_support_request__descriptor,
     sched_create_support_request, 0},
    {"scheduling.GetAttendance", MEETING_ID, sched_get_attendance, 0},
    {"scheduling.ListMeetingViolations", VIOLATIONS, sched_list_meeting_violations, 0},
    {"scheduling.ListViolations", VIOLATIONS, sched_list_violations, 0},
    {"scheduling.ListPublicMeetings", &cabinet__v1__list_public_meetings_request__descriptor,
     sched_list_public_meetings, ANONYMOUS},
    //  the live conduct (h_conduct.c)
    {"scheduling.RequestFloor", &cabinet__v1__request_floor_request__descriptor,
     sched_request_floor, 0},
    {"scheduling.GrantFloor", SPEAKER_ACTION, sched_grant_floor, 0},
    {"scheduling.FinishFloor", SPEAKER_ACTION, sched_finish_floor, 0},
    {"scheduling.WithdrawFloor", SPEAKER_ACTION, sched_withdraw_floor, 0},
    {"scheduling.MoveSpeaker", &cabinet__v1__move_speaker_request__descriptor, sched_move_speaker,
     0},
    {"scheduling.ListSpeakers", MEETING_ID, sched_list_speakers, 0},
    {"scheduling.SendMessage", &cabinet__v1__send_message_request__descriptor, sched_send_message,
     0},
    {"scheduling.ListMessages", CONDUCT_LIST, sched_list_messages, 0},
    {"scheduling.AddMeetingNote", &cabinet__v1__add_meeting_note_request__descriptor,
     sched_add_meeting_note, 0},
    {"scheduling.ListMeetingNotes", CONDUCT_LIST, sched_list_meeting_notes, 0},
    {"scheduling.SetConclusion", &cabinet__v1__set_conclusion_request__descriptor,
     sched_set_conclusion, 0},
    {"scheduling.GetConclusion", MEETING_ID, sched_get_conclusion, 0},
    {"scheduling.SetMinutes", &cabinet__v1__set_minutes_request__descriptor, sched_set_minutes, 0},
    {"scheduling.GetMinutes", MEETING_ID, sched_get_minutes, 0},
    {"scheduling.MeetingLog", &cabinet__v1__meeting_log_request__descriptor, sched_meeting_log, 0},
    {NULL, NULL, NULL, 0},
};

int
main (int argc, char **argv)
{
    //  The projection follows identity's events on this node's own topic
    //  (named after the node) and other nodes' entries on the directory.
    char *events = cab_config_events_topic (cab_config_str ("CABINET_NODE_ID"));
    if (!events)
        return EXIT_FAILURE;
    const char *const topics[] = {events, CAB_DIRECTORY_TOPIC, NULL};
    //  What the projection applies (h_projection.c); other events (votes,
    //  the conduct's own) are passed over without a transaction.
    static const char *const types[] = {"user.",
                                        "unit.",
                                        "directory.user",
                                        "directory.unit",
                                        "document.uploaded",
                                        "document.approved",
                                        "document.rejected",
                                        "document.purged",
                                        NULL};
    const cab_service_consumer_t consumers[] = {
        {"projection", topics, sched_projection_consume, types},
        {NULL, NULL, NULL, NULL},
    };
    const cab_service_t scheduling = {
        .name = "scheduling",
        .methods = s_methods,
        .migrations = scheduling_embedded,
        .worker_new = sched_worker_new,
        .worker_destroy = sched_worker_destroy,
        .worker_ready = sched_worker_ready,
        .command = sched_seed_command,
        .consumers = consumers,
    };
    int rc = cab_service_main (&scheduling, argc, argv);
    free (events);
    return rc;
}
