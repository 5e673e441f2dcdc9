/*  rules - the scheduling service's pure decisions: the meeting state
    machine (who may do which transition from which status), who may edit
    what and when, lead-time rules, reply, roll-call and support checks,
    the shape of every input, and RFC 3339 times. No database, no network,
    no clock: callers pass "now" and the facts in, so tests call these
    functions directly.

    A check fills a sched_fault_t: status CAB_OK when the request may go
    on, else the status to answer with (INVALID_ARGUMENT 400, NOT_FOUND 404,
    PERMISSION_DENIED 403, ABORTED 409 for a state conflict,
    FAILED_PRECONDITION 422 for a broken rule), the offending field (may be
    NULL) and a Vietnamese message saying why.  */
#ifndef SCHED_RULES_H
#define SCHED_RULES_H
#include "cab_actor.h"
#include "cab_status.h"
#include "cab_time.h"
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SCHED_TITLE_MAX 300      //  code points
#define SCHED_CONTENT_MAX 20000  //  code points: content and agenda
#define SCHED_REASON_MAX 2000
#define SCHED_NAME_MAX 200  //  catalog names
#define SCHED_LOCATION_MAX 300
#define SCHED_CAPACITY_MAX 100000
#define SCHED_NOTE_MAX 2000
#define SCHED_PARTICIPANTS_MAX 2000
#define SCHED_SUPPORT_MAX 50
#define SCHED_ATTENDEES_MAX 200  //  named by one agency at once
#define SCHED_QUERY_MAX 200
#define SCHED_PAGE_DEFAULT 50
#define SCHED_PAGE_MAX 200
#define SCHED_MESSAGE_MAX 320  //  bytes of a fault message

typedef struct {
    cab_status_t status;  //  CAB_OK: go on
    const char *field;    //  offending input field, or NULL
    char message[SCHED_MESSAGE_MAX];
} sched_fault_t;

//  Reset fault to CAB_OK.
void sched_fault_clear (sched_fault_t *fault);

//  Fill fault (printf-style message). Returns status.
cab_status_t sched_fault_set (sched_fault_t *fault, cab_status_t status, const char *field,
                              const char *fmt, ...) __attribute__ ((format (printf, 4, 5)));

/* ---- statuses, actions, roles ----------------------------------------------- */

typedef enum {
    SCHED_DRAFT,
    SCHED_PENDING_APPROVAL,
    SCHED_APPROVED,
    SCHED_REJECTED,
    SCHED_CANCELLED,
    SCHED_IN_PROGRESS,
    SCHED_ENDED,
    SCHED_STATUS_COUNT
} sched_status_t;

//  The API name ("pending_approval") of a status; "" if out of range.
const char *sched_status_name (sched_status_t status);

//  Vietnamese label of a status ("Chờ phê duyệt").
const char *sched_status_label (sched_status_t status);

//  Parse an API name. Returns false if unknown.
bool sched_status_parse (const char *name, sched_status_t *status);

typedef enum {
    SCHED_SUBMIT,
    SCHED_APPROVE,
    SCHED_REJECT,
    SCHED_UNAPPROVE,
    SCHED_CANCEL,
    SCHED_START,
    SCHED_END,
    SCHED_ACTION_COUNT
} sched_action_t;

//  "approve"; "" if out of range.
const char *sched_action_name (sched_action_t action);

//  The event type of a transition: "meeting.approved".
const char *sched_action_event (sched_action_t action);

//  true if the action must carry a reason (reject, unapprove, cancel).
bool sched_action_needs_reason (sched_action_t action);

//  What the acting person is to one meeting: a set of these bits (0: none).
#define SCHED_ROLE_CLERK 0x01       //  registered it, or a clerk of the host agency
#define SCHED_ROLE_APPROVER 0x02    //  the meeting's approver
#define SCHED_ROLE_CHAIR 0x04       //  the meeting's chair
#define SCHED_ROLE_SECRETARY 0x08   //  the meeting's secretary
#define SCHED_ROLE_INVITEE 0x10     //  an invited person (delegates, substitutes included)
#define SCHED_ROLE_UNIT_CLERK 0x20  //  a clerk of an invited agency
#define SCHED_ROLE_STAFF 0x40       //  document preparer or support staff

//  Decide a transition. On CAB_OK *to is the new status. Otherwise
//  PERMISSION_DENIED when the roles may not do it (never, or not from this
//  status), ABORTED when the meeting's status does not allow it, each with
//  a message saying why.
void sched_transition (sched_action_t action, sched_status_t from, unsigned roles,
                       sched_status_t *to, sched_fault_t *fault);

//  Fields of a meeting, for edit permissions.
#define SCHED_EDIT_TITLE 0x001
#define SCHED_EDIT_CONTENT 0x002
#define SCHED_EDIT_TIMES 0x004
#define SCHED_EDIT_ROOM 0x008
#define SCHED_EDIT_FORM 0x010
#define SCHED_EDIT_TYPE 0x020
#define SCHED_EDIT_FIELD 0x040
#define SCHED_EDIT_OFFICERS 0x080  //  chair, secretary, approver
#define SCHED_EDIT_PARTICIPANTS 0x100
#define SCHED_EDIT_PREPARER 0x200
#define SCHED_EDIT_SUPPORT 0x400

//  What the approver may amend before approving (R3.2).
#define SCHED_EDIT_APPROVER_FIELDS (SCHED_EDIT_TITLE | SCHED_EDIT_CONTENT | SCHED_EDIT_PARTICIPANTS)

//  May roles change fields (SCHED_EDIT_* bits) of a meeting in status? The
//  clerk edits drafts and rejected meetings; the approver amends title,
//  content and participants of a meeting pending approval. Faults as for
//  sched_transition.
void sched_may_edit (sched_status_t status, unsigned roles, unsigned fields, sched_fault_t *fault);

//  true if roles (with published: the meeting has been approved at some
//  time) may read the meeting. system_admin reads everything.
bool sched_may_view (unsigned roles, bool published, bool system_admin);

//  true if roles may read the attendance counts and roll call (the chair,
//  the secretary, the approver, the host's clerks; system admins).
bool sched_may_see_attendance (unsigned roles, bool system_admin);

//  Roll call: by the secretary or the chair, while the meeting is approved
//  or in progress.
void sched_may_roll_call (sched_status_t status, unsigned roles, sched_fault_t *fault);

//  Self check-in: by an invitee while the meeting is in progress.
void sched_may_check_in (sched_status_t status, unsigned roles, sched_fault_t *fault);

//  Naming attendees: by a clerk of an invited agency, while the meeting is
//  approved or in progress.
void sched_may_name_attendees (sched_status_t status, unsigned roles, sched_fault_t *fault);

//  Marking a meeting secret ("họp mật": not recorded, R6.5) or unmarking
//  it: by its chair only, until it has ended, been cancelled or rejected.
void sched_may_mark_secret (sched_status_t status, unsigned roles, sched_fault_t *fault);

/* ---- the acting person --------------------------------------------------------- */

//  Who is acting, from the RPC caller (strings borrowed). Roles are held in
//  the caller's own agency.
typedef cab_actor_t sched_actor_t;

//  The people of a meeting, as far as roles go.
typedef struct {
    const char *created_by;
    const char *host_unit_id;
    const char *chair_id;
    const char *secretary_id;
    const char *approver_id;
    bool invitee;       //  the actor is an invited person or a substitute
    bool unit_invited;  //  the actor's agency is invited as a whole
    bool staff;         //  the actor prepares documents or supports
} sched_people_t;

//  The actor's roles in a meeting (SCHED_ROLE_* bits).
unsigned sched_roles_of (const sched_actor_t *actor, const sched_people_t *people);

//  May the actor register meetings (a clerk)?
bool sched_may_create_meeting (const sched_actor_t *actor);

/* ---- lead times (R3.4, R4.1, R4.3) ------------------------------------------------ */

typedef enum {
    SCHED_TYPE_REGULAR,
    SCHED_TYPE_URGENT,
    SCHED_TYPE_EMERGENCY,
    SCHED_TYPE_COUNT
} sched_type_t;

//  "regular"; "" if out of range.
const char *sched_type_name (sched_type_t type);
const char *sched_type_label (sched_type_t type);
bool sched_type_parse (const char *name, sched_type_t *type);

//  true for in_person, online, hybrid.
bool sched_form_valid (const char *form);

typedef enum {
    SCHED_RULE_NOTICE,     //  invitations out (approval) before the start
    SCHED_RULE_REPLY,      //  invitees reply before the start
    SCHED_RULE_DOCUMENTS,  //  documents submitted before the start
    SCHED_RULE_SUPPORT,    //  support asked for before the start
    SCHED_RULE_COUNT
} sched_rule_t;

const char *sched_rule_name (sched_rule_t rule);
bool sched_rule_parse (const char *name, sched_rule_t *rule);

//  Lead times in seconds, per rule and meeting type (the node's settings).
typedef struct {
    int64_t seconds[SCHED_RULE_COUNT][SCHED_TYPE_COUNT];
} sched_leads_t;

//  The latest moment the rule allows for a meeting starting at start.
int64_t sched_due (const sched_leads_t *leads, sched_rule_t rule, sched_type_t type, int64_t start);

//  true if doing it at `at` keeps the rule (at the due moment exactly: kept).
bool sched_in_time (const sched_leads_t *leads, sched_rule_t rule, sched_type_t type, int64_t start,
                    int64_t at);

//  Seconds past the due moment (0 when in time).
int64_t sched_late_seconds (const sched_leads_t *leads, sched_rule_t rule, sched_type_t type,
                            int64_t start, int64_t at);

//  Vietnamese text of a violation naming the rule, what it asks and by how
//  much it was missed, into buf. Returns buf.
const char *sched_violation_text (sched_rule_t rule, sched_type_t type, int64_t lead_seconds,
                                  int64_t late_seconds, char *buf, size_t cap);

//  A meeting may be registered only to start in the future.
void sched_check_start_in_future (int64_t start, int64_t now, sched_fault_t *fault);

//  Approving or starting makes no sense once the meeting should be over;
//  approving after the start is refused (the invitations would come too
//  late to be of use).
void sched_check_approve_time (int64_t start, int64_t now, sched_fault_t *fault);

/* ---- input shapes ------------------------------------------------------------------ */

//  Each check leaves fault CAB_OK when the value is acceptable. s is NFC
//  UTF-8 (NULL: absent).

void sched_check_title (const char *s, sched_fault_t *fault);
void sched_check_content (const char *s, sched_fault_t *fault);

//  A reason: required (non-blank) when required, at most SCHED_REASON_MAX.
void sched_check_reason (const char *field, const char *s, bool required, sched_fault_t *fault);

//  Catalog entry name: required, at most SCHED_NAME_MAX, no control chars.
void sched_check_name (const char *s, sched_fault_t *fault);

//  start and end: RFC 3339 with an offset, end after start. On CAB_OK
//  *start_out and *end_out are Unix seconds.
void sched_check_times (const char *start, const char *end, int64_t *start_out, int64_t *end_out,
                        sched_fault_t *fault);

//  An optional id: NULL or "" is fine, else a UUID.
void sched_check_id (const char *field, const char *id, bool required, sched_fault_t *fault);

//  An invitee as a request names it.
typedef struct {
    const char *user_id;
    const char *unit_id;
} sched_invitee_t;

//  Each invitee names exactly one person or one agency by UUID, none
//  twice, at most SCHED_PARTICIPANTS_MAX of them.
void sched_check_invitees (const sched_invitee_t *items, size_t n, sched_fault_t *fault);

//  Ids of a list (support staff, attendees): UUIDs, none twice, at most max.
void sched_check_id_list (const char *field, char *const *ids, size_t n, size_t max,
                          sched_fault_t *fault);

/* ---- who may hold which place ---------------------------------------------------- */

//  A person as the projection knows them.
typedef struct {
    const char *id;
    const char *unit_id;
    const char *node_id;
    bool active;
    char *const *roles;  //  held in unit_id
    size_t n_roles;
} sched_person_t;

typedef enum {
    SCHED_OFFICER_CHAIR,
    SCHED_OFFICER_SECRETARY,
    SCHED_OFFICER_APPROVER,
} sched_officer_t;

//  May person (NULL: unknown) be the meeting's chair, secretary or
//  approver? They must be active people of this node (node_id) whose agency
//  is the host agency or one above it (host_line: the host agency and its
//  ancestors); the approver must hold the approver role.
void sched_check_officer (sched_officer_t which, const sched_person_t *person, const char *node_id,
                          char *const *host_line, size_t n_line, sched_fault_t *fault);

//  May person (NULL: unknown) be preparer or support staff (field names
//  which)? Active, of this node; a preparer named with preparer_unit_id
//  (may be NULL) must belong to it.
void sched_check_staff (const char *field, const sched_person_t *person, const char *node_id,
                        const char *preparer_unit_id, sched_fault_t *fault);

//  May person (NULL: unknown) be invited? Active, any node.
void sched_check_invited_person (const sched_person_t *person, sched_fault_t *fault);

/* ---- replies (R4.1) ---------------------------------------------------------- */

typedef enum {
    SCHED_REPLY_PENDING,
    SCHED_REPLY_ATTEND,
    SCHED_REPLY_DECLINE,
    SCHED_REPLY_DELEGATE,
} sched_reply_t;

const char *sched_reply_name (sched_reply_t reply);
bool sched_reply_parse (const char *name, sched_reply_t *reply);

//  The shape of a reply: a response a person may send (attend, decline,
//  delegate); a reason for decline and delegate; a colleague's id exactly
//  when delegating.
void sched_check_reply_input (const char *response, const char *reason,
                              const char *delegate_user_id, sched_fault_t *fault);

//  What the meeting and the invitee's current reply allow: the meeting is
//  approved or in progress and not over (now before its end); someone who
//  has delegated cannot reply again; a delegate cannot delegate on.
void sched_check_reply_state (sched_status_t status, int64_t now, int64_t end,
                              sched_reply_t current, bool is_delegate, sched_reply_t response,
                              sched_fault_t *fault);

//  May person (NULL: unknown) stand in for invitee (delegate or
//  substitute; field names the input)? Not the invitee, active, of the same
//  agency, not invited already.
void sched_check_stand_in (const char *field, const sched_person_t *invitee,
                           const sched_person_t *person, bool already_invited,
                           sched_fault_t *fault);

/* ---- roll call and support (R4.3, R4.4) ----------------------------------------------- */

typedef enum {
    SCHED_PRESENT,
    SCHED_ABSENT,
    SCHED_SUBSTITUTE,
} sched_attendance_t;

const char *sched_attendance_name (sched_attendance_t a);
bool sched_attendance_parse (const char *name, sched_attendance_t *a);

//  present; absent with a reason; substitute with who and why.
void sched_check_roll_call_input (const char *status, const char *reason,
                                  const char *substitute_user_id, sched_fault_t *fault);

//  kind device, account or other; note at most SCHED_NOTE_MAX.
void sched_check_support_input (const char *kind, const char *note, sched_fault_t *fault);

//  Support is asked for before the meeting: approved, not started (now
//  before start).
void sched_check_support_state (sched_status_t status, int64_t now, int64_t start,
                                sched_fault_t *fault);

/* ---- catalogs ----------------------------------------------------------------------- */

typedef enum {
    SCHED_CATALOG_ROOMS,
    SCHED_CATALOG_FORMS,
    SCHED_CATALOG_TYPES,
    SCHED_CATALOG_FIELDS,
    SCHED_CATALOG_DOC_TYPES,
    SCHED_CATALOG_DOC_FIELDS,
    SCHED_CATALOG_COUNT
} sched_catalog_t;

const char *sched_catalog_name (sched_catalog_t kind);
bool sched_catalog_parse (const char *name, sched_catalog_t *kind);

//  May the actor add an entry to catalog kind (rooms: of unit_id)? Rooms:
//  a system admin, or the unit admin of that agency; fields and document
//  catalogs: system admins; forms and types are fixed by the API (422).
void sched_may_add_catalog (const sched_actor_t *actor, sched_catalog_t kind, const char *unit_id,
                            sched_fault_t *fault);

/* ---- times and text ----------------------------------------------------------------- */

//  A keyset cursor "<start seconds>_<uuid>": parse it. Returns false if
//  it is not one.
bool sched_cursor_parse (const char *s, int64_t *start, char id[37]);

#endif
