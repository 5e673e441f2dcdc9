/*  cabinet-voting - votes of a meeting in progress (R6.3): named, secret
    and digitally signed ballots, remote voting by absent members, live
    tallies, the export of signed ballots and its offline check
    (`cabinet-voting verify-export FILE`); opinion polls (R7) with their
    documents, answers (signed as ballots are), comments, results and
    deadlines. This file only declares the service; cab_service_main runs
    it.  */
#include "cab_config.h"
#include "cab_meeting_news.h"
#include "cab_people.h"
#include "cab_service.h"
#include "cabinet/v1/identity.pb-c.h"
#include "handlers.h"
#include <stdlib.h>
#include <string.h>

//  The service's SQL migrations (services/voting/sql/), embedded.
extern const cab_embedded_file_t voting_embedded[];

#define VOTE_ID &cabinet__v1__vote_id_request__descriptor
#define POLL_ID &cabinet__v1__poll_id_request__descriptor

static const cab_method_t s_methods[] = {
    {"voting.CreateVote", &cabinet__v1__create_vote_request__descriptor, vote_create, 0},
    {"voting.ListVotes", &cabinet__v1__list_votes_request__descriptor, vote_list, 0},
    {"voting.GetVote", VOTE_ID, vote_get, 0},
    {"voting.OpenVote", VOTE_ID, vote_open, 0},
    {"voting.CloseVote", VOTE_ID, vote_close, 0},
    {"voting.AddRemoteVoters", &cabinet__v1__remote_voters_request__descriptor, vote_add_remote, 0},
    {"voting.CastBallot", &cabinet__v1__cast_ballot_request__descriptor, vote_cast, 0},
    {"voting.ExportBallots", VOTE_ID, vote_export, 0},
    {"voting.RegisterKey", &cabinet__v1__register_key_request__descriptor, vote_register_key, 0},
    {"voting.ListKeys", &cabinet__v1__empty__descriptor, vote_list_keys, 0},
    {"voting.CreatePoll", &cabinet__v1__create_poll_request__descriptor, poll_create, 0},
    {"voting.ListPolls", &cabinet__v1__list_polls_request__descriptor, poll_list, 0},
    {"voting.GetPoll", POLL_ID, poll_get, 0},
    {"voting.UpdatePoll", &cabinet__v1__create_poll_request__descriptor, poll_update, 0},
    {"voting.DeletePoll", POLL_ID, poll_delete, 0},
    {"voting.SendPoll", POLL_ID, poll_send, 0},
    {"voting.ClosePoll", POLL_ID, poll_close, 0},
    {"voting.ArchivePoll", POLL_ID, poll_archive, 0},
    {"voting.SubmitAnswer", &cabinet__v1__submit_answer_request__descriptor, poll_answer, 0},
    {"voting.ListAnswers", &cabinet__v1__list_answers_request__descriptor, poll_list_answers, 0},
    {"voting.PollResults", POLL_ID, poll_results, 0},
    {"voting.PollOverdue", POLL_ID, poll_overdue, 0},
    {NULL, NULL, NULL, 0},
};

int
main (int argc, char **argv)
{
    //  The offline check: no database, no sockets, only the file.
    if (argc == 3 && strcmp (argv[1], VOTE_VERIFY_VERB) == 0)
        return vote_verify_export (argv[2]);

    //  The projection follows scheduling's and identity's events on this
    //  node's topic.
    char *events = cab_config_events_topic (cab_config_str ("CABINET_NODE_ID"));
    if (!events)
        return EXIT_FAILURE;
    const char *const topics[] = {events, NULL};
    //  What the projection applies (h_projection.c): the rest, the
    //  service's own ballots first, is passed over without a transaction.
    static const char *const types[] = {CAB_PEOPLE_TYPES, CAB_MEETING_NEWS_TYPES, NULL};
    const cab_service_consumer_t consumers[] = {
        {"projection", topics, vote_projection_consume, types},
        {NULL, NULL, NULL, NULL},
    };
    cab_job_t jobs[VOTE_JOBS];
    vote_jobs_fill (jobs);
    const cab_service_t voting = {
        .name = "voting",
        .methods = s_methods,
        .migrations = voting_embedded,
        .worker_new = vote_worker_new,
        .worker_destroy = vote_worker_destroy,
        .worker_ready = vote_worker_ready,
        .command = vote_command,
        .consumers = consumers,
        .jobs = jobs,
    };
    int rc = cab_service_main (&voting, argc, argv);
    free (events);
    return rc;
}
