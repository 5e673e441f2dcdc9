/*  cabinet-documents - meeting documents and libraries: uploads in chunks
    checked by content, pages, text for search, digital signatures,
    publication approval, access rules, comments and notes, the access
    report, retention. This file only declares the service;
    cab_service_main runs it. `cabinet-documents analyze-file` is the
    analysing child process the service starts for each upload.  */
#include "analyze.h"
#include "cab_config.h"
#include "cab_meeting_news.h"
#include "cab_service.h"
#include "handlers.h"
#include "sandbox.h"
#include "worker.h"
#include <stdlib.h>
#include <string.h>

//  The service's SQL migrations (services/documents/sql/), embedded.
extern const cab_embedded_file_t documents_embedded[];

#define DOCUMENT_ID &cabinet__v1__document_id_request__descriptor
#define UPLOAD_ID &cabinet__v1__upload_id_request__descriptor
#define REVIEW &cabinet__v1__review_request__descriptor
#define LIBRARY_ENTRY &cabinet__v1__library_entry_request__descriptor
#define BY_DOCUMENT &cabinet__v1__list_by_document_request__descriptor

static const cab_method_t s_methods[] = {
    {"documents.UploadBegin", &cabinet__v1__upload_begin_request__descriptor, docs_upload_begin, 0},
    {"documents.UploadChunk", &cabinet__v1__upload_chunk_request__descriptor, docs_upload_chunk, 0},
    {"documents.UploadFinish", UPLOAD_ID, docs_upload_finish, 0},
    {"documents.UploadAbort", UPLOAD_ID, docs_upload_abort, 0},
    {"documents.GetDocument", DOCUMENT_ID, docs_get_document, 0},
    {"documents.ReadContent", &cabinet__v1__read_content_request__descriptor, docs_read_content, 0},
    {"documents.Search", &cabinet__v1__search_documents_request__descriptor, docs_search, 0},
    {"documents.Approve", REVIEW, docs_approve, 0},
    {"documents.Reject", REVIEW, docs_reject, 0},
    {"documents.ListLibrary", &cabinet__v1__list_library_request__descriptor, docs_list_library, 0},
    {"documents.AddToLibrary", LIBRARY_ENTRY, docs_add_to_library, 0},
    {"documents.RemoveFromLibrary", LIBRARY_ENTRY, docs_remove_from_library, 0},
    {"documents.AddComment", &cabinet__v1__add_comment_request__descriptor, docs_add_comment, 0},
    {"documents.ListComments", BY_DOCUMENT, docs_list_comments, 0},
    {"documents.AddNote", &cabinet__v1__add_note_request__descriptor, docs_add_note, 0},
    {"documents.ListNotes", BY_DOCUMENT, docs_list_notes, 0},
    {"documents.AccessReport", &cabinet__v1__access_report_request__descriptor, docs_access_report,
     0},
    {"documents.ReleaseForPurge", &cabinet__v1__release_for_purge_request__descriptor,
     docs_release_for_purge, 0},
    {NULL, NULL, NULL, 0},
};

int
main (int argc, char **argv)
{
    //  The analysing child: no database, no sockets, only the file.
    if (argc == 2 && strcmp (argv[1], DOCS_SANDBOX_VERB) == 0)
        return docs_analyze_main ();

    //  The projection follows identity's and scheduling's events on this
    //  node's own topic and other nodes' entries on the directory.
    char *events = cab_config_events_topic (cab_config_str ("CABINET_NODE_ID"));
    if (!events)
        return EXIT_FAILURE;
    const char *const topics[] = {events, CAB_DIRECTORY_TOPIC, NULL};
    //  What the projection applies (h_projection.c); other events (ballots,
    //  speakers, messages) are passed over without a transaction.
    static const char *const types[] = {"user.",
                                        "unit.",
                                        "directory.user",
                                        "directory.unit",
                                        CAB_MEETING_NEWS_TYPES,
                                        "invitation.opened",
                                        "catalog.created",
                                        "poll.sent",
                                        NULL};
    const cab_service_consumer_t consumers[] = {
        {"projection", topics, docs_projection_consume, types},
        {NULL, NULL, NULL, NULL},
    };
    const cab_service_t documents = {
        .name = "documents",
        .methods = s_methods,
        .migrations = documents_embedded,
        .worker_new = docs_worker_new,
        .worker_destroy = docs_worker_destroy,
        .worker_ready = docs_worker_ready,
        .on_start = docs_on_start,
        .command = docs_command,
        .consumers = consumers,
        .jobs = docs_jobs,
    };
    int rc = cab_service_main (&documents, argc, argv);
    free (events);
    return rc;
}
