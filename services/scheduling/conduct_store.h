/*  conduct_store - the SQL of a meeting's live conduct: the speaker queue,
    messages and incidents, personal notes, the conclusion and the minutes
    (sql/005_conduct.sql), and the meeting log. Each write is one
    transaction that first locks the meeting row FOR SHARE and checks its
    status there, so nothing is written to a meeting that has meanwhile
    ended (R6.7); its event goes to the outbox in the same transaction.  */
#ifndef SCHED_CONDUCT_STORE_H
#define SCHED_CONDUCT_STORE_H
#include "cabinet/v1/conduct.pb-c.h"
#include "store.h"

//  Which statuses of the meeting a write needs.
typedef enum {
    SCHED_WHILE_IN_PROGRESS,      //  speakers, messages
    SCHED_WHILE_OR_AFTER_MEETING  //  conclusion, minutes (in progress or ended)
} sched_when_t;

//  Request the floor. CAB_ALREADY_EXISTS when the person already waits or
//  speaks; CAB_ABORTED with *fault when the meeting is not in progress.
cab_status_t sched_conduct_request_floor (sched_store_t *self, cab_arena_t *arena,
                                          const char *meeting_id, const char *user_id,
                                          const char *topic, const cab_idem_t *idem,
                                          Cabinet__V1__Speaker **out, sched_fault_t *fault);

typedef enum {
    SCHED_SPEAKER_GRANT,     //  waiting -> speaking (whoever speaks finishes)
    SCHED_SPEAKER_FINISH,    //  speaking -> finished
    SCHED_SPEAKER_WITHDRAW,  //  waiting -> withdrawn
    SCHED_SPEAKER_MOVE,      //  waiting, to another place in the queue
} sched_speaker_action_t;

//  One step of the queue by actor_id. only_user: when not NULL, the entry
//  must be that person's (withdrawing one's own request). position: the new
//  place for MOVE (1 = next; past the end = last). CAB_NOT_FOUND for an
//  unknown entry; CAB_ABORTED with *fault for an entry in the wrong state.
cab_status_t sched_conduct_speaker_step (sched_store_t *self, cab_arena_t *arena,
                                         const char *meeting_id, const char *speaker_id,
                                         sched_speaker_action_t action, int position,
                                         const char *actor_id, const char *only_user,
                                         const cab_idem_t *idem, Cabinet__V1__Speaker **out,
                                         sched_fault_t *fault);

//  The queue: the speaker, those waiting in order, then the others by time.
cab_status_t sched_conduct_speakers (sched_store_t *self, cab_arena_t *arena,
                                     const char *meeting_id, Cabinet__V1__SpeakerList **list);

//  A message: in->to is "all", "chair", "secretariat" or a user id (then
//  to_user set); audience: its readers (NULL: everyone in the meeting).
typedef struct {
    const char *meeting_id;
    const char *author_id;
    const char *kind;
    const char *to_kind;
    const char *to_user_id;
    const char *text;
    char *const *audience;
    size_t n_audience;
} sched_message_in_t;

cab_status_t sched_conduct_send (sched_store_t *self, cab_arena_t *arena,
                                 const sched_message_in_t *in, const cab_idem_t *idem,
                                 Cabinet__V1__MeetingMessage **out, sched_fault_t *fault);

//  The messages reader may read: to everyone, theirs, to them, to the chair
//  when chair, to the secretariat when secretariat. Oldest first.
cab_status_t sched_conduct_messages (sched_store_t *self, cab_arena_t *arena,
                                     const char *meeting_id, const char *reader, bool chair,
                                     bool secretariat, int offset, int limit,
                                     Cabinet__V1__MeetingMessageList **list);

//  Personal notes: only their author reads them.
cab_status_t sched_conduct_add_note (sched_store_t *self, cab_arena_t *arena,
                                     const char *meeting_id, const char *author_id,
                                     const char *text, const cab_idem_t *idem,
                                     Cabinet__V1__MeetingNote **out, sched_fault_t *fault);
cab_status_t sched_conduct_notes (sched_store_t *self, cab_arena_t *arena, const char *meeting_id,
                                  const char *author_id, int offset, int limit,
                                  Cabinet__V1__MeetingNoteList **list);

//  The chair's conclusion and the secretary's minutes (replace the previous
//  text). attachment ids must be documents of the meeting the documents
//  service has reported and not rejected (CAB_ABORTED with *fault).
cab_status_t sched_conduct_set_conclusion (sched_store_t *self, cab_arena_t *arena,
                                           const char *meeting_id, const char *author_id,
                                           const char *text, const cab_idem_t *idem,
                                           Cabinet__V1__Conclusion **out, sched_fault_t *fault);
cab_status_t sched_conduct_conclusion (sched_store_t *self, cab_arena_t *arena,
                                       const char *meeting_id, Cabinet__V1__Conclusion **out);
cab_status_t sched_conduct_set_minutes (sched_store_t *self, cab_arena_t *arena,
                                        const char *meeting_id, const char *author_id,
                                        const Cabinet__V1__SetMinutesRequest *in,
                                        const cab_idem_t *idem, Cabinet__V1__Minutes **out,
                                        sched_fault_t *fault);
cab_status_t sched_conduct_minutes (sched_store_t *self, cab_arena_t *arena, const char *meeting_id,
                                    Cabinet__V1__Minutes **out);

//  The meeting log (R8.2): ended meetings that started in [from, to),
//  hosted by unit_id (NULL: every agency of the node), in order of start.
cab_status_t sched_conduct_log (sched_store_t *self, cab_arena_t *arena, int64_t from, int64_t to,
                                const char *unit_id, Cabinet__V1__MeetingLog **log);

#endif
