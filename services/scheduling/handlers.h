/*  handlers - the scheduling service's RPC methods (one file per group:
    h_catalogs.c, h_meetings.c, h_transitions.c, h_attendance.c,
    h_violations.c), the consumer that keeps the projection of agencies and
    people (h_projection.c), and the small functions they share
    (h_common.c). Each handler has the cab_handler_fn shape: it validates,
    authorizes with rules.c, calls the store and replies.  */
#ifndef SCHED_HANDLERS_H
#define SCHED_HANDLERS_H
#include "cab_consumer.h"
#include "cab_rpc.h"
#include "rules.h"
#include "store.h"
#include "worker.h"

/* ---- h_catalogs.c: rooms, forms, types, fields, document types and fields ---- */
cab_status_t sched_list_catalog (cab_call_t *call, const ProtobufCMessage *request);
cab_status_t sched_create_catalog_entry (cab_call_t *call, const ProtobufCMessage *request);

/* ---- h_meetings.c: registering, reading, amending, marking secret, calendars ---- */
cab_status_t sched_create_meeting (cab_call_t *call, const ProtobufCMessage *request);
cab_status_t sched_get_meeting (cab_call_t *call, const ProtobufCMessage *request);
cab_status_t sched_update_meeting (cab_call_t *call, const ProtobufCMessage *request);
cab_status_t sched_list_meetings (cab_call_t *call, const ProtobufCMessage *request);
cab_status_t sched_list_public_meetings (cab_call_t *call, const ProtobufCMessage *request);
cab_status_t sched_set_meeting_secret (cab_call_t *call, const ProtobufCMessage *request);

/* ---- h_transitions.c: the state machine --------------------------------------- */
cab_status_t sched_submit_meeting (cab_call_t *call, const ProtobufCMessage *request);
cab_status_t sched_approve_meeting (cab_call_t *call, const ProtobufCMessage *request);
cab_status_t sched_reject_meeting (cab_call_t *call, const ProtobufCMessage *request);
cab_status_t sched_unapprove_meeting (cab_call_t *call, const ProtobufCMessage *request);
cab_status_t sched_cancel_meeting (cab_call_t *call, const ProtobufCMessage *request);
cab_status_t sched_start_meeting (cab_call_t *call, const ProtobufCMessage *request);
cab_status_t sched_end_meeting (cab_call_t *call, const ProtobufCMessage *request);

/* ---- h_attendance.c: replies, attendees, roll call, check-in, support --------- */
cab_status_t sched_rsvp (cab_call_t *call, const ProtobufCMessage *request);
cab_status_t sched_name_attendees (cab_call_t *call, const ProtobufCMessage *request);
cab_status_t sched_roll_call (cab_call_t *call, const ProtobufCMessage *request);
cab_status_t sched_check_in (cab_call_t *call, const ProtobufCMessage *request);
cab_status_t sched_create_support_request (cab_call_t *call, const ProtobufCMessage *request);
cab_status_t sched_get_attendance (cab_call_t *call, const ProtobufCMessage *request);

/* ---- h_violations.c: lead-time violations -------------------------------------- */
cab_status_t sched_list_meeting_violations (cab_call_t *call, const ProtobufCMessage *request);
cab_status_t sched_list_violations (cab_call_t *call, const ProtobufCMessage *request);

/* ---- h_projection.c ------------------------------------------------------------- */

//  Consumer of the node's events topic and cabinet.directory: keeps the
//  projection of agencies and people (arg is the service's
//  cab_service_env_t).
cab_status_t sched_projection_consume (PGconn *db, const char *topic, const char *key,
                                       const Cabinet__V1__Event *ev, void *arg);

/* ---- h_conduct.c: the live conduct of a meeting and the meeting log ---------------- */

cab_status_t sched_request_floor (cab_call_t *call, const ProtobufCMessage *request);
cab_status_t sched_grant_floor (cab_call_t *call, const ProtobufCMessage *request);
cab_status_t sched_finish_floor (cab_call_t *call, const ProtobufCMessage *request);
cab_status_t sched_withdraw_floor (cab_call_t *call, const ProtobufCMessage *request);
cab_status_t sched_move_speaker (cab_call_t *call, const ProtobufCMessage *request);
cab_status_t sched_list_speakers (cab_call_t *call, const ProtobufCMessage *request);
cab_status_t sched_send_message (cab_call_t *call, const ProtobufCMessage *request);
cab_status_t sched_list_messages (cab_call_t *call, const ProtobufCMessage *request);
cab_status_t sched_add_meeting_note (cab_call_t *call, const ProtobufCMessage *request);
cab_status_t sched_list_meeting_notes (cab_call_t *call, const ProtobufCMessage *request);
cab_status_t sched_set_conclusion (cab_call_t *call, const ProtobufCMessage *request);
cab_status_t sched_get_conclusion (cab_call_t *call, const ProtobufCMessage *request);
cab_status_t sched_set_minutes (cab_call_t *call, const ProtobufCMessage *request);
cab_status_t sched_get_minutes (cab_call_t *call, const ProtobufCMessage *request);
cab_status_t sched_meeting_log (cab_call_t *call, const ProtobufCMessage *request);

/* ---- h_common.c ------------------------------------------------------------------- */

//  The worker state of this call.
sched_worker_t *sched_call_worker (const cab_call_t *call);

//  The acting person of this call (all false / NULL when anonymous).
void sched_call_actor (const cab_call_t *call, sched_actor_t *actor);

//  Text a person sent, ready to store: NFC, ASCII blanks trimmed at both
//  ends, in the call's arena. NULL stays NULL. If in is not valid UTF-8,
//  sets *ok to false (never to true) and returns NULL.
char *sched_call_text (cab_call_t *call, const char *in, bool *ok);

//  Reply the fault's status, field and message. Returns the status.
cab_status_t sched_call_fault (cab_call_t *call, const sched_fault_t *fault);

//  Reply a store outcome: the fault's message when it has one, else the
//  status's default. Returns status.
cab_status_t sched_call_fail (cab_call_t *call, cab_status_t status, const sched_fault_t *fault);

//  Reply INVALID_ARGUMENT for field. Returns the status.
cab_status_t sched_call_invalid (cab_call_t *call, const char *field, const char *message);

//  Page size from an optional limit (default SCHED_PAGE_DEFAULT); replies
//  INVALID_ARGUMENT and returns false if outside 1..SCHED_PAGE_MAX.
bool sched_call_page_size (cab_call_t *call, bool has_limit, int32_t limit, int *size);

//  Search text q as a LIKE pattern in the arena (NULL for none); replies
//  and returns false if it is too long.
bool sched_call_pattern (cab_call_t *call, const char *q, const char **pattern);

//  An optional RFC 3339 time parameter: *has false when absent or "".
//  Replies and returns false when it is not a time with an offset.
bool sched_call_time (cab_call_t *call, const char *field, const char *text, bool *has,
                      int64_t *out);

//  An optional id parameter ("" counts as absent): replies and returns
//  false when it is not a UUID.
bool sched_call_opt_id (cab_call_t *call, const char *field, const char *id);

//  Idempotency-Key: when the call carries one and a reply was recorded for
//  it, reply that (unpacked as reply_desc) or 422 if the key was used for
//  another request, and return true. Otherwise fill *idem and set *idem_p
//  to it (NULL without a key) for the store to record the reply, and
//  return false.
bool sched_call_replay (cab_call_t *call, const ProtobufCMessage *request,
                        const ProtobufCMessageDescriptor *reply_desc, cab_idem_t *idem,
                        const cab_idem_t **idem_p);

//  The caller's roles in meeting m.
unsigned sched_meeting_roles (const sched_actor_t *actor, const sched_meeting_t *m);

//  Meeting id as the caller may see it, and the caller's roles in it:
//  replies (400 bad id, 404 unknown or not visible) and returns the status.
cab_status_t sched_call_meeting (cab_call_t *call, const char *id, sched_meeting_t **m,
                                 unsigned *roles);

//  The person row of user_id in m (NULL: none).
Cabinet__V1__Participant *sched_meeting_person (const sched_meeting_t *m, const char *user_id);

//  The person row whose substitute is user_id (NULL: none).
Cabinet__V1__Participant *sched_meeting_substituted (const sched_meeting_t *m, const char *user_id);

//  A violation of rule by user_id at `now` for meeting m (arena), or NULL
//  when in time.
Cabinet__V1__Violation *sched_violation_new (cab_call_t *call, const sched_meeting_t *m,
                                             sched_rule_t rule, const char *user_id, int64_t now);

//  The same with the lead times given, outside a call (the projection).
Cabinet__V1__Violation *sched_violation_build (cab_arena_t *arena, const sched_leads_t *leads,
                                               const sched_meeting_t *m, sched_rule_t rule,
                                               const char *user_id, int64_t now);

//  Current time, Unix seconds.
int64_t sched_now (void);

//  Shared messages.
#define SCHED_MSG_NOT_UTF8 "Dữ liệu gửi lên không phải văn bản UTF-8 hợp lệ"
#define SCHED_MSG_MEETING_NOT_FOUND "Không tìm thấy cuộc họp"

#endif
