/*  sched_store - catalogs, meetings, participants, violations, support
    requests, idempotency records and the projection of agencies and people
    in PostgreSQL: the only file of the scheduling service that speaks SQL.
    Every change is one transaction together with its outbox events (and,
    when the request carried an Idempotency-Key, the reply it produced), so
    nothing is half-stored and no event is lost or invented.

    Results are protobuf messages allocated in the caller's arena. A change
    that races with another one on the same meeting (the status or version
    the handler judged is gone) comes back CAB_ABORTED with a fault;
    outcomes a person caused come back as a status with a Vietnamese
    explanation in a sched_fault_t; unexpected failures are logged here and
    come back as CAB_INTERNAL / CAB_UNAVAILABLE.  */
#ifndef SCHED_STORE_H
#define SCHED_STORE_H
#include "cab_arena.h"
#include "cab_idem.h"
#include "cab_status.h"
#include "cabinet/v1/scheduling.pb-c.h"
#include "rules.h"
#include <libpq-fe.h>
#include <stdbool.h>
#include <stdint.h>

typedef struct _sched_store_t sched_store_t;

//  Create a store on db, which stays the caller's (it must outlive the
//  store). node_id and leads are copied: the meetings the store returns
//  carry the due times of the node's lead-time rules. Returns NULL on
//  failure.
sched_store_t *sched_store_new (PGconn *db, const char *node_id, const sched_leads_t *leads);

//  Destroy the store (not the connection); nulls *self_p. NULL-safe.
void sched_store_destroy (sched_store_t **self_p);

/* ---- for the conduct store ------------------------------------------------------- */

//  For the conduct store (conduct_store.c): the connection, and the reply
//  of a request with an Idempotency-Key recorded inside the open
//  transaction (CAB_ABORTED with *fault while the same key is in flight;
//  NULL idem: nothing to do).
PGconn *sched_store_db (sched_store_t *self);
cab_status_t sched_store_idem_record (sched_store_t *self, const cab_idem_t *idem,
                                      const ProtobufCMessage *reply, sched_fault_t *fault);

/* ---- projection reads ------------------------------------------------------------- */

//  A person as the projection knows them. Returns CAB_OK with *person
//  (arena), CAB_NOT_FOUND, or a failure.
cab_status_t sched_store_person (sched_store_t *self, cab_arena_t *arena, const char *id,
                                 sched_person_t **person);

//  An agency: CAB_OK with *name and *node_id (arena; either may be NULL
//  when not wanted), CAB_NOT_FOUND, or a failure.
cab_status_t sched_store_unit (sched_store_t *self, cab_arena_t *arena, const char *id, char **name,
                               char **node_id);

//  The agency unit_id and those above it, nearest first, into an arena
//  array. An unknown agency gives an empty line.
cab_status_t sched_store_unit_line (sched_store_t *self, cab_arena_t *arena, const char *unit_id,
                                    char ***ids, size_t *n);

/* ---- catalogs ------------------------------------------------------------------------ */

typedef struct {
    const char *kind;     //  API name
    const char *unit_id;  //  rooms of this agency, or NULL
    const char *pattern;  //  LIKE pattern on the name, or NULL
    const char *after;    //  keyset cursor: id of the last entry seen, or NULL
    int limit;
} sched_catalog_query_t;

cab_status_t sched_store_catalog_list (sched_store_t *self, cab_arena_t *arena,
                                       const sched_catalog_query_t *query,
                                       Cabinet__V1__CatalogList **list);

//  Entry id of catalog kind (API name). CAB_OK, CAB_NOT_FOUND, or a failure.
cab_status_t sched_store_catalog_get (sched_store_t *self, cab_arena_t *arena, const char *kind,
                                      const char *id, Cabinet__V1__CatalogEntry **entry);

typedef struct {
    const char *kind;
    const char *name;
    const char *unit_id;  //  rooms
    int capacity;
    const char *location;
} sched_catalog_in_t;

//  Add an entry with its catalog.created event. Returns CAB_OK with *entry,
//  CAB_ALREADY_EXISTS (same name), CAB_NOT_FOUND (unknown agency), each
//  with *fault, or a failure. idem may be NULL.
cab_status_t sched_store_catalog_create (sched_store_t *self, cab_arena_t *arena,
                                         const sched_catalog_in_t *in, const char *actor_id,
                                         const cab_idem_t *idem, Cabinet__V1__CatalogEntry **entry,
                                         sched_fault_t *fault);

//  Seeding: add the entry unless one of that name exists (no idempotency
//  record, system actor). *created tells which.
cab_status_t sched_store_catalog_seed (sched_store_t *self, const char *kind, const char *name,
                                       bool *created);

//  Seeding: a room of the agency named unit_name. If the projection knows
//  the agency, the room is added now (*outcome 1, or 0 if it existed);
//  otherwise it waits in room_seeds until the agency arrives (*outcome -1).
cab_status_t sched_store_room_seed (sched_store_t *self, const char *unit_name, const char *name,
                                    int capacity, const char *location, int *outcome);

/* ---- meetings ------------------------------------------------------------------------ */

//  A meeting as read, with what the rules need next to the message.
typedef struct {
    Cabinet__V1__Meeting *meeting;  //  participants included
    sched_status_t status;
    sched_type_t type;
    int64_t start;  //  Unix seconds
    int64_t end;
    bool published;  //  approved at some time: invitees know of it
    int version;
} sched_meeting_t;

//  user_id opened meeting m: the first time for each of their invitations
//  (as invitee or substitute), record when and emit invitation.opened, in
//  one transaction. Later openings change nothing.
cab_status_t sched_store_invitation_opened (sched_store_t *self, cab_arena_t *arena,
                                            const sched_meeting_t *m, const char *user_id);

//  Meeting id. CAB_OK with *meeting, CAB_NOT_FOUND, or a failure.
cab_status_t sched_store_meeting_get (sched_store_t *self, cab_arena_t *arena, const char *id,
                                      sched_meeting_t **meeting);

//  An invitee resolved against the projection.
typedef struct {
    const char *kind;  //  "user" or "unit"
    const char *user_id;
    const char *unit_id;  //  the person's agency, or the invited agency
    const char *node_id;
} sched_invitation_t;

//  Every field of a meeting, validated (NULL: none).
typedef struct {
    const char *title;
    const char *content;
    int64_t start;
    int64_t end;
    const char *room_id;
    const char *form;
    const char *type;
    const char *field_id;
    const char *chair_id;
    const char *secretary_id;
    const char *approver_id;
    const char *preparer_id;
    const char *preparer_unit_id;
    char *const *support_ids;
    size_t n_support;
    const sched_invitation_t *invitations;
    size_t n_invitations;
    bool invitations_set;      //  update: replace the invitees with these
    const char *host_unit_id;  //  create only
} sched_meeting_in_t;

//  Register a draft meeting with its invitees and meeting.created (warnings
//  go into the event and the reply). Returns CAB_OK with *meeting,
//  CAB_ABORTED (a twin request with the same Idempotency-Key is being
//  handled) with *fault, or a failure. idem may be NULL.
cab_status_t sched_store_meeting_create (sched_store_t *self, cab_arena_t *arena,
                                         const sched_meeting_in_t *in,
                                         Cabinet__V1__Warning **warnings, size_t n_warnings,
                                         const char *actor_id, const cab_idem_t *idem,
                                         sched_meeting_t **meeting, sched_fault_t *fault);

//  Replace the fields of meeting id, judged at version in status, with in;
//  meeting.updated names changed[0..n_changed). Invitees removed lose their
//  delegates and named attendees; invitees kept keep their replies.
//  Returns CAB_OK with *meeting, CAB_ABORTED (changed meanwhile) with
//  *fault, or a failure.
cab_status_t sched_store_meeting_update (sched_store_t *self, cab_arena_t *arena, const char *id,
                                         int version, const sched_meeting_in_t *in,
                                         const char *const *changed, size_t n_changed,
                                         Cabinet__V1__Warning **warnings, size_t n_warnings,
                                         const char *actor_id, const cab_idem_t *idem,
                                         sched_meeting_t **meeting, sched_fault_t *fault);

//  Mark meeting id (judged at version) secret or not, by actor_id (R6.5):
//  a change is stored with who and when, bumps the version and is announced
//  as meeting.updated (changed_fields: secret), *changed true; the same
//  mark again changes nothing and emits nothing. The reply is recorded
//  under idem either way. Returns CAB_OK with *meeting, CAB_ABORTED
//  (changed meanwhile) with *fault, or a failure.
cab_status_t sched_store_set_secret (sched_store_t *self, cab_arena_t *arena, const char *id,
                                     int version, bool secret, const char *actor_id,
                                     const cab_idem_t *idem, sched_meeting_t **meeting,
                                     bool *changed, sched_fault_t *fault);

//  Which meetings count as taking a room or a chair.
typedef enum {
    SCHED_BOOKED_REQUESTED,  //  pending approval, approved, in progress: warnings at creation
    SCHED_BOOKED_CONFIRMED,  //  approved, in progress: refusals at approval
} sched_booked_t;

//  Meetings other than exclude_id (may be NULL) overlapping [start, end)
//  that take room_id (may be NULL) or chair_id: one warning each.
cab_status_t sched_store_conflicts (sched_store_t *self, cab_arena_t *arena, const char *exclude_id,
                                    const char *room_id, const char *chair_id, int64_t start,
                                    int64_t end, sched_booked_t booked,
                                    Cabinet__V1__Warning ***warnings, size_t *n);

//  A transition the rules allowed, to apply.
typedef struct {
    sched_action_t action;
    sched_status_t from;
    sched_status_t to;
    int version;  //  as judged
    const char *reason;
    bool force;  //  approve: despite conflicts
    const char *force_reason;
    int64_t now;
    //  approve: a notice violation to record (NULL: in time)
    const Cabinet__V1__Violation *violation;
} sched_transition_in_t;

//  Apply a transition with its event (meeting.<done>; at approval also
//  invitation.created for invitees not yet told). An approval re-checks the
//  room and the chair under lock: conflicts without force give
//  CAB_FAILED_PRECONDITION with *warnings. Returns CAB_OK with *meeting,
//  CAB_ABORTED (changed meanwhile) with *fault, or a failure.
cab_status_t sched_store_transition (sched_store_t *self, cab_arena_t *arena, const char *id,
                                     const sched_transition_in_t *in, const char *actor_id,
                                     const cab_idem_t *idem, sched_meeting_t **meeting,
                                     Cabinet__V1__Warning ***warnings, size_t *n_warnings,
                                     sched_fault_t *fault);

/* ---- replies and attendance ---------------------------------------------------------- */

typedef struct {
    const char *meeting_id;
    int version;                 //  the meeting as judged
    const char *participant_id;  //  the invitee's row
    const char *current;         //  its response as judged
    const char *response;
    const char *reason;
    const sched_person_t *delegate;  //  response delegate: the colleague
    bool late;
    const Cabinet__V1__Violation *violation;  //  late: the reply rule
} sched_rsvp_in_t;

//  Record a reply (and the delegate as a new invitee) with rsvp.submitted
//  (and invitation.created for a delegate). Returns CAB_OK with *meeting,
//  CAB_ABORTED (changed meanwhile), CAB_ALREADY_EXISTS (the colleague is
//  invited already), each with *fault, or a failure.
cab_status_t sched_store_rsvp (sched_store_t *self, cab_arena_t *arena, const sched_rsvp_in_t *in,
                               const char *actor_id, const cab_idem_t *idem,
                               sched_meeting_t **meeting, sched_fault_t *fault);

//  An invited agency's clerk names people[0..n) of unit_id: each not yet
//  invited becomes an invitee (reply attend, via_unit_id) with
//  invitation.created; the agency's own row is marked attend.
cab_status_t sched_store_name_attendees (sched_store_t *self, cab_arena_t *arena,
                                         const char *meeting_id, int version, const char *unit_id,
                                         const sched_person_t *const *people, size_t n,
                                         const char *actor_id, const cab_idem_t *idem,
                                         sched_meeting_t **meeting, sched_fault_t *fault);

typedef struct {
    const char *meeting_id;
    int version;
    const char *participant_id;
    const char *attendance;  //  present, absent, substitute
    const char *reason;
    const char *substitute_user_id;
    bool check_in;  //  self check-in (else roll call by the secretary)
} sched_attendance_in_t;

//  Record attendance with attendance.recorded (carrying the new counts).
cab_status_t sched_store_attendance (sched_store_t *self, cab_arena_t *arena,
                                     const sched_attendance_in_t *in, const char *actor_id,
                                     const cab_idem_t *idem, sched_meeting_t **meeting,
                                     sched_fault_t *fault);

//  Counts of meeting id's persons: replies, roll call, check-ins, by agency.
cab_status_t sched_store_counts (sched_store_t *self, cab_arena_t *arena, const char *meeting_id,
                                 Cabinet__V1__AttendanceCounts **counts);

typedef struct {
    const char *meeting_id;
    int version;
    const char *user_id;
    const char *kind;
    const char *note;
    bool late;
    const Cabinet__V1__Violation *violation;
} sched_support_in_t;

//  Record a support request with support.requested. Returns CAB_OK with
//  *request, CAB_ABORTED with *fault, or a failure.
cab_status_t sched_store_support (sched_store_t *self, cab_arena_t *arena,
                                  const sched_support_in_t *in, const cab_idem_t *idem,
                                  Cabinet__V1__SupportRequest **request, sched_fault_t *fault);

/* ---- calendars and violations ---------------------------------------------------------- */

typedef enum {
    SCHED_SCOPE_MINE,
    SCHED_SCOPE_INVITED,
    SCHED_SCOPE_UNIT,
    SCHED_SCOPE_PENDING_APPROVAL,
    SCHED_SCOPE_IN_PROGRESS,
} sched_scope_t;

typedef struct {
    sched_scope_t scope;
    const char *user_id;  //  the caller
    const char *unit_id;  //  the caller's agency
    bool clerk;           //  the caller is a clerk of unit_id
    bool system_admin;
    bool has_from, has_to;
    int64_t from, to;     //  meetings overlapping [from, to)
    bool this_week;       //  neither given: the current week (Monday, Asia/Ho_Chi_Minh)
    const char *pattern;  //  LIKE pattern on title and content, or NULL
    const char *host_unit_id;
    const char *type;
    const char *field_id;
    bool has_after;  //  keyset cursor
    int64_t after_start;
    const char *after_id;
    int limit;
} sched_meeting_query_t;

cab_status_t sched_store_meeting_list (sched_store_t *self, cab_arena_t *arena,
                                       const sched_meeting_query_t *query,
                                       Cabinet__V1__MeetingList **list);

//  The public list: approved, in progress and ended meetings, summaries
//  only. Uses from/to/this_week, pattern, host_unit_id, cursor and limit.
cab_status_t sched_store_public_list (sched_store_t *self, cab_arena_t *arena,
                                      const sched_meeting_query_t *query,
                                      Cabinet__V1__PublicMeetingList **list);

typedef struct {
    const char *meeting_id;    //  NULL: every meeting
    const char *rule;          //  NULL: every rule
    const char *host_unit_id;  //  NULL: every agency
    bool has_from, has_to;
    int64_t from, to;  //  when it happened
    bool has_before;   //  keyset cursor (newest first)
    int64_t before_at;
    const char *before_id;
    int limit;
} sched_violation_query_t;

//  Violations newest first, with the total and the count per rule of
//  everything that matches.
cab_status_t sched_store_violation_list (sched_store_t *self, cab_arena_t *arena,
                                         const sched_violation_query_t *query,
                                         Cabinet__V1__ViolationList **list);

/* ---- projection writes (consumers; inside the caller's open transaction) ------------ */

//  Upsert a person; an update older (by sequence) than the one kept is
//  ignored. roles may be NULL (other nodes publish none).
cab_status_t sched_store_put_user (PGconn *db, const char *id, const char *unit_id,
                                   const char *full_name, const char *title, const char *node_id,
                                   char *const *roles, size_t n_roles, bool active,
                                   uint64_t sequence);

//  Upsert an agency the same way; an agency of own_node that has rooms
//  waiting in room_seeds gets them (with catalog.created events).
cab_status_t sched_store_put_unit (PGconn *db, const char *id, const char *name,
                                   const char *parent_id, const char *node_id, const char *own_node,
                                   uint64_t sequence);

//  A directory tombstone: the person of another node is gone.
cab_status_t sched_store_forget (PGconn *db, const char *id, const char *own_node);

//  A document of one of our meetings as document.uploaded, .approved or
//  .rejected tells it: status pending, approved or rejected; pages < 1 when
//  unknown; uploaded_at RFC 3339. An event older (by sequence) than the one
//  kept changes nothing, nor does anything after a purge; a document of an
//  unknown meeting is ignored. *first: this event brought the document.
cab_status_t sched_store_document_put (sched_store_t *self, const char *document_id,
                                       const char *meeting_id, int pages, const char *status,
                                       const char *uploaded_at, uint64_t sequence, bool *first);

//  document.purged: the document no longer counts.
cab_status_t sched_store_document_purged (sched_store_t *self, const char *document_id);

//  Record v (its id is set here), a violation of the documents rule by the
//  document document_id of meeting m, and emit violation.recorded.
cab_status_t sched_store_document_late (sched_store_t *self, cab_arena_t *arena,
                                        const sched_meeting_t *m, Cabinet__V1__Violation *v,
                                        const char *document_id);

#endif
