/*  rules - the documents service's pure decisions: who may see, upload,
    review, share, discuss and report on documents (R3.3, R5.2, R5.3, R5.8,
    R4.5), how an upload's chunks fit together, which files are accepted,
    the shape of every input, retention (R5.6), diacritics folding and safe
    download names. No database, no files, no clock: callers pass the facts
    and "now" in, so tests call these functions directly.

    A check fills a docs_fault_t: status CAB_OK when the request may go on,
    else the status to answer with (INVALID_ARGUMENT 400, NOT_FOUND 404,
    PERMISSION_DENIED 403, ABORTED 409 for a state conflict,
    FAILED_PRECONDITION 422 for a broken rule, OUT_OF_RANGE for a size
    limit), the offending field (may be NULL), a finer error code for
    clients (may be NULL) and a Vietnamese message saying why.  */
#ifndef DOCS_RULES_H
#define DOCS_RULES_H
#include "cab_actor.h"
#include "cab_status.h"
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DOCS_TITLE_MAX 300          //  code points
#define DOCS_ORIGINAL_NAME_MAX 255  //  code points
#define DOCS_REASON_MAX 2000
#define DOCS_COMMENT_MAX 4000
#define DOCS_SUGGESTION_MAX 20000
#define DOCS_NOTE_MAX 20000
#define DOCS_QUERY_MAX 200
#define DOCS_ACCESS_MAX 200       //  people on a secret document's access list
#define DOCS_CHUNK_MAX (1 << 20)  //  bytes of one upload chunk or content read
#define DOCS_PAGE_DEFAULT 50
#define DOCS_PAGE_MAX 200
#define DOCS_OFFSET_MAX 10000        //  search results reachable by paging
#define DOCS_RETENTION_MIN_MONTHS 6  //  R5.6: at least six months
#define DOCS_RETENTION_MAX_MONTHS 1200
#define DOCS_FILENAME_STEM_MAX 80  //  characters of a download name before the extension
#define DOCS_MESSAGE_MAX 320       //  bytes of a fault message
#define DOCS_TIME_TEXT 26          //  "2026-12-01T08:00:00+07:00" and its NUL

typedef struct {
    cab_status_t status;  //  CAB_OK: go on
    const char *field;    //  offending input field, or NULL
    const char *code;     //  finer error code ("too_large"), or NULL
    char message[DOCS_MESSAGE_MAX];
} docs_fault_t;

//  Reset fault to CAB_OK.
void docs_fault_clear (docs_fault_t *fault);

//  Fill fault (printf-style message). Returns status.
cab_status_t docs_fault_set (docs_fault_t *fault, cab_status_t status, const char *field,
                             const char *fmt, ...) __attribute__ ((format (printf, 4, 5)));

/* ---- kinds of file -------------------------------------------------------------- */

//  The kinds of file the service keeps (CABINET_ACCEPTED_TYPES picks among
//  them); each is recognised from the content.
typedef enum {
    DOCS_TYPE_PDF,
    DOCS_TYPE_DOCX,
    DOCS_TYPE_XLSX,
    DOCS_TYPE_PPTX,
    DOCS_TYPE_DOC,
    DOCS_TYPE_XLS,
    DOCS_TYPE_JPG,
    DOCS_TYPE_PNG,
    DOCS_TYPE_COUNT
} docs_type_t;

#define DOCS_TYPES_ALL ((1u << DOCS_TYPE_COUNT) - 1)

//  "pdf"; "" if out of range.
const char *docs_type_name (docs_type_t type);

//  The MIME type recorded and served ("application/pdf").
const char *docs_type_mime (docs_type_t type);

//  The download extension without the dot ("pdf", "jpg").
const char *docs_type_extension (docs_type_t type);

//  Parse a kind name ("jpeg" is jpg). Returns false if unknown.
bool docs_type_parse (const char *name, docs_type_t *type);

//  Parse CABINET_ACCEPTED_TYPES ("pdf,docx, png"): a bit per kind in *mask.
//  Returns false, with the unknown name in bad (cap bytes), when a name is
//  not a kind; an empty list is refused too (bad is "").
bool docs_types_parse (const char *list, unsigned *mask, char *bad, size_t cap);

//  What to tell a person whose file of kind what (a docs_type_name, a
//  docs_audio_name, or "exe", "macro", "zip", "ole", "video", "other") and
//  MIME type mime was refused by accepted (mask); into fault
//  (INVALID_ARGUMENT, field "file", code "unsupported_media_type"). Leaves
//  fault CAB_OK when it is accepted. Audio is never a document: it is
//  refused here, with a word on recordings.
void docs_check_type (const char *what, const char *mime, unsigned accepted, docs_fault_t *fault);

/* ---- kinds of audio (recordings, R6.5) ---------------------------------------------- */

//  The kinds of audio a meeting's recording may be, each recognised from
//  the content; never a document (CABINET_ACCEPTED_TYPES does not name
//  them) and a recording is never anything else.
typedef enum {
    DOCS_AUDIO_MP3,
    DOCS_AUDIO_WAV,
    DOCS_AUDIO_OGG,   //  Ogg Vorbis (or FLAC in Ogg)
    DOCS_AUDIO_OPUS,  //  Ogg Opus
    DOCS_AUDIO_FLAC,
    DOCS_AUDIO_M4A,   //  MPEG-4 audio (AAC or ALAC in an .m4a)
    DOCS_AUDIO_AAC,   //  raw AAC (ADTS)
    DOCS_AUDIO_WEBM,  //  WebM holding audio tracks only (a browser's MediaRecorder)
    DOCS_AUDIO_COUNT
} docs_audio_t;

//  "mp3"; "" if out of range.
const char *docs_audio_name (docs_audio_t kind);

//  The MIME type recorded and served ("audio/mpeg").
const char *docs_audio_mime (docs_audio_t kind);

//  The download extension without the dot ("mp3").
const char *docs_audio_extension (docs_audio_t kind);

//  Parse an audio kind's name. Returns false if unknown.
bool docs_audio_parse (const char *name, docs_audio_t *kind);

//  The download extension of a stored file_type, document or audio
//  ("pdf", "mp3"; "bin" when unknown).
const char *docs_file_extension (const char *file_type);

//  What to tell a person whose recording was found to be of kind what
//  (as for docs_check_type) with MIME type mime: accepted when what is an
//  audio kind, else INVALID_ARGUMENT, field "file", code
//  "unsupported_media_type", naming what the file is.
void docs_check_recording_type (const char *what, const char *mime, docs_fault_t *fault);

/* ---- statuses, classification, libraries ------------------------------------------ */

typedef enum { DOCS_PENDING, DOCS_APPROVED, DOCS_REJECTED, DOCS_STATUS_COUNT } docs_status_t;

const char *docs_status_name (docs_status_t status);
bool docs_status_parse (const char *name, docs_status_t *status);

//  normal; secret (R5.2, secret mode); recording: a meeting's audio
//  recording (R6.5), read only by the meeting's chair and system admins.
typedef enum { DOCS_NORMAL, DOCS_SECRET, DOCS_RECORDING } docs_class_t;

const char *docs_class_name (docs_class_t c);

//  "normal", "secret" or "recording"; NULL or "" is normal.
bool docs_class_parse (const char *name, docs_class_t *c);

typedef enum { DOCS_LIBRARY_NONE, DOCS_LIBRARY_SHARED, DOCS_LIBRARY_PERSONAL } docs_library_t;

//  "shared", "personal"; NULL for none.
const char *docs_library_name (docs_library_t library);

//  "shared" or "personal" (NULL and "" are none when allow_none).
bool docs_library_parse (const char *name, bool allow_none, docs_library_t *library);

//  The meeting's status as scheduling publishes it.
typedef enum {
    DOCS_MEETING_DRAFT,
    DOCS_MEETING_PENDING,
    DOCS_MEETING_APPROVED,
    DOCS_MEETING_REJECTED,
    DOCS_MEETING_CANCELLED,
    DOCS_MEETING_IN_PROGRESS,
    DOCS_MEETING_ENDED,
    DOCS_MEETING_STATE_COUNT
} docs_meeting_state_t;

//  Parse scheduling's status names ("pending_approval" ...). Returns false
//  if unknown.
bool docs_meeting_state_parse (const char *name, docs_meeting_state_t *state);

//  true for the statuses that publish a meeting to its invitees.
bool docs_meeting_state_published (docs_meeting_state_t state);

/* ---- who is acting ------------------------------------------------------------------- */

//  The acting person, from the RPC caller (strings borrowed). Roles are
//  identity's (system_admin, unit_admin, clerk, approver, member), held in
//  the caller's own agency.
typedef cab_actor_t docs_actor_t;

//  Office roles (clerk, approver) and administrators manage the shared
//  library.
bool docs_actor_office (const docs_actor_t *actor);

//  What the actor is to one meeting: a set of these bits (0: nothing).
#define DOCS_ROLE_CREATOR 0x01    //  registered it, or a clerk of its host agency
#define DOCS_ROLE_CHAIR 0x02      //  the meeting's chair
#define DOCS_ROLE_SECRETARY 0x04  //  the meeting's secretary
#define DOCS_ROLE_APPROVER 0x08   //  the meeting's approver (the office leader)
#define DOCS_ROLE_INVITEE 0x10    //  invited person, delegate, named attendee, substitute
#define DOCS_ROLE_ORGANIZER                                                                        \
    (DOCS_ROLE_CREATOR | DOCS_ROLE_CHAIR | DOCS_ROLE_SECRETARY | DOCS_ROLE_APPROVER)
#define DOCS_ROLE_REVIEWER (DOCS_ROLE_CHAIR | DOCS_ROLE_APPROVER)  //  approve documents (R3.3)

//  The people of a meeting, as the projection knows them.
typedef struct {
    const char *created_by;
    const char *host_unit_id;
    const char *chair_id;
    const char *secretary_id;
    const char *approver_id;
    bool invitee;  //  the actor is an invited person (delegates, named attendees, substitutes)
} docs_meeting_people_t;

//  The actor's roles in a meeting (DOCS_ROLE_* bits).
unsigned docs_meeting_roles (const docs_actor_t *actor, const docs_meeting_people_t *people);

//  May the actor see that the meeting exists? Organizers always; invitees
//  once it has been published (approved at some time); system admins.
bool docs_may_see_meeting (const docs_actor_t *actor, unsigned roles, bool published);

/* ---- reading a document -------------------------------------------------------------- */

//  What decides whether one person may read one document.
typedef struct {
    const char *uploaded_by;
    docs_status_t status;
    docs_class_t classification;
    docs_library_t library;  //  uploaded to a library (no meeting), or NONE
    unsigned meeting_roles;  //  the actor's roles in the document's meeting
    bool published;          //  the meeting has been approved at some time
    bool on_access_list;     //  the actor is on the document's access list
    bool in_shared_library;  //  the document is in the shared library
    bool poll_respondent;    //  the actor was asked in a poll sent with the document (R7.1)
} docs_doc_facts_t;

//  May the actor read the document (metadata, content, comments)? The one
//  rule of every read path (get, content, search, libraries):
//  - the uploader always;
//  - a secret document (R5.2, secret mode with an access list): the
//    meeting's reviewers (chair, approver), and the people on its access
//    list once it is approved; nobody else, system admins included;
//  - a normal document: anyone when it is approved and in the shared
//    library; of a meeting: its organizers (creator, chair, secretary,
//    approver) and system admins in every status, its invitees and the
//    people on its access list once approved (R3.3) and the meeting
//    published; of a personal library upload: the access list; and,
//    wherever it is, once approved, the respondents of an opinion poll
//    sent with it (R7.1).
//  A recording (R6.5: "released only on the chair's request") is read by
//  the meeting's chair and system admins, and by nobody else: not its
//  uploader, not the approver, whatever the rest says.
//  A document the actor may not read does not exist for them (404).
bool docs_may_view (const docs_actor_t *actor, const docs_doc_facts_t *doc);

//  May the actor see a document's access list? Its uploader and reviewers.
bool docs_may_see_access_list (const docs_actor_t *actor, const docs_doc_facts_t *doc);

/* ---- uploading ------------------------------------------------------------------------- */

//  May the actor add documents to a meeting in state (roles: theirs in it)?
//  NOT_FOUND when they may not see the meeting; organizers add documents
//  until it is cancelled (minutes and conclusions follow an ended
//  meeting); invitees (R5.8) while it is approved or in progress.
void docs_may_upload_to_meeting (const docs_actor_t *actor, unsigned roles, bool published,
                                 docs_meeting_state_t state, docs_fault_t *fault);

//  May the actor add a recording (R6.5) to a meeting in state marked
//  secret or not (roles: theirs in it)? NOT_FOUND when they may not see
//  the meeting; only its organizers who run it (creator or host clerk,
//  chair, secretary: 403 for others); once approved, in progress or ended
//  (409 before, or when cancelled or rejected); never when the chair
//  marked the meeting secret (422, code "meeting_secret").
void docs_may_upload_recording (const docs_actor_t *actor, unsigned roles, bool published,
                                docs_meeting_state_t state, bool secret, docs_fault_t *fault);

//  A recording has no access list (its readers are fixed): 400 when n
//  people are named for one.
void docs_check_access_list_allowed (docs_class_t c, size_t n, docs_fault_t *fault);

//  The size limit of an upload of classification c: recording_max for a
//  recording (CABINET_RECORDING_MAX_MB), max_bytes for the rest.
int64_t docs_upload_limit (docs_class_t c, int64_t max_bytes, int64_t recording_max);

//  May the actor upload a document of classification c into library?
//  Shared: office roles and administrators, never a secret document;
//  personal: anyone. A recording never goes to a library.
void docs_may_upload_to_library (const docs_actor_t *actor, docs_library_t library, docs_class_t c,
                                 docs_fault_t *fault);

//  Is a secret upload allowed by the node (CABINET_SECRET_UPLOADS)?
void docs_check_secret_allowed (docs_class_t c, bool secret_uploads, docs_fault_t *fault);

//  The status a new document starts in: approved when it needs no
//  approval (a library upload) or its uploader is one of the meeting's
//  reviewers, else pending.
docs_status_t docs_initial_status (docs_library_t library, unsigned roles);

//  The same for classification c: a recording is never published, so it
//  has no review and starts approved.
docs_status_t docs_initial_status_of (docs_class_t c, docs_library_t library, unsigned roles);

//  How one chunk fits the bytes received so far.
typedef enum {
    DOCS_CHUNK_APPEND,     //  new bytes (maybe after some already received)
    DOCS_CHUNK_REPEAT,     //  every byte was received already: nothing to do
    DOCS_CHUNK_GAP,        //  starts past what was received
    DOCS_CHUNK_TOO_LARGE,  //  the upload would pass max_bytes
    DOCS_CHUNK_BAD,        //  empty, negative offset or larger than DOCS_CHUNK_MAX
} docs_chunk_t;

//  Decide a chunk of len bytes at offset after received bytes. On APPEND
//  and REPEAT, *overlap is how many of its first bytes were received
//  already (they must be the same bytes) and *total the bytes received
//  after it.
docs_chunk_t docs_chunk_decide (int64_t received, int64_t offset, size_t len, int64_t max_bytes,
                                int64_t *overlap, int64_t *total);

//  A declared size (0: unknown) over max_bytes: OUT_OF_RANGE "too_large".
void docs_check_declared_size (int64_t size, int64_t max_bytes, docs_fault_t *fault);

//  The fault for an upload that passed max_bytes.
void docs_fault_too_large (int64_t max_bytes, docs_fault_t *fault);

/* ---- reviewing (R3.3) --------------------------------------------------------------------- */

typedef enum { DOCS_APPROVE, DOCS_REJECT } docs_review_t;

//  May the actor approve or reject a document (which they may read) now
//  in status from? Library documents and recordings need no approval
//  (422); only the meeting's chair or approver review (403); approve from pending or
//  rejected, reject from pending or approved (409 otherwise). On CAB_OK
//  *to is the new status.
void docs_may_review (const docs_doc_facts_t *doc, docs_review_t action, docs_status_t *to,
                      docs_fault_t *fault);

/* ---- libraries, discussion, report, retention ------------------------------------------- */

//  May the actor put a document (which they may read) into library kind?
//  Shared: office roles and administrators, an approved normal document;
//  personal: anyone. Never a recording (422).
void docs_may_add_to_library (const docs_actor_t *actor, docs_library_t kind,
                              const docs_doc_facts_t *doc, docs_fault_t *fault);

//  May the actor take an entry out of library kind? Shared: office roles
//  and administrators; personal: their own (always).
void docs_may_remove_from_library (const docs_actor_t *actor, docs_library_t kind,
                                   docs_fault_t *fault);

//  May someone who reads a document comment on it now? Commenting on a
//  meeting's documents closes when the meeting ends or is cancelled (R6.7);
//  has_meeting false for library documents (always open).
void docs_may_comment (bool has_meeting, docs_meeting_state_t state, docs_fault_t *fault);

//  Comments are the discussion of a document among those who read it; a
//  recording takes none (422).
void docs_may_comment_on (const docs_doc_facts_t *doc, docs_fault_t *fault);

//  May the actor read a meeting's access report (R4.5)? Its chair,
//  secretary, creator and approver; clerks, approvers and unit admins of
//  its host agency; system admins.
bool docs_may_read_report (const docs_actor_t *actor, unsigned roles, const char *host_unit_id);

//  May the actor release a meeting's stored data for deletion (R5.6)? A
//  system admin, or a leader (approver role) who is the meeting's approver
//  or chair or belongs to its host agency (roles: the actor's in it).
void docs_may_release (const docs_actor_t *actor, unsigned roles, const char *host_unit_id,
                       docs_fault_t *fault);

//  Parse CABINET_RETENTION_MONTHS. Returns false (message in fault) when
//  it is not a whole number in [DOCS_RETENTION_MIN_MONTHS,
//  DOCS_RETENTION_MAX_MONTHS].
bool docs_retention_parse (const char *text, int *months, docs_fault_t *fault);

//  The retention cutoff: now minus months calendar months in
//  Asia/Ho_Chi_Minh (a day the earlier month lacks becomes its last day).
int64_t docs_retention_cutoff (int64_t now, int months);

//  May a document go? Only when its meeting was released by a leader, the
//  meeting ended before cutoff and the document was uploaded before it;
//  never while it is in the shared library (kept for reference, R5.3).
bool docs_purge_due (bool released, bool in_shared_library, int64_t meeting_end, int64_t uploaded,
                     int64_t cutoff);

/* ---- input shapes ------------------------------------------------------------------------ */

//  Each check leaves fault CAB_OK when the value is acceptable; s is NFC
//  UTF-8 (NULL: absent).

//  Title: required, at most DOCS_TITLE_MAX, no control characters.
void docs_check_title (const char *s, docs_fault_t *fault);

//  Free text in field: required or not, at most max code points; line
//  breaks and tabs allowed, other control characters not.
void docs_check_text (const char *field, const char *s, bool required, size_t max,
                      docs_fault_t *fault);

//  An id: NULL or "" is fine unless required, else a UUID.
void docs_check_id (const char *field, const char *id, bool required, docs_fault_t *fault);

//  The access list: UUIDs, none twice, at most DOCS_ACCESS_MAX.
void docs_check_id_list (const char *field, char *const *ids, size_t n, docs_fault_t *fault);

//  Parse an RFC 3339 date-time with an offset ("Z" or "+07:00"), or a
//  date ("2026-12-01", midnight in Asia/Ho_Chi_Minh). Returns false if s
//  is neither.
bool docs_time_parse (const char *s, int64_t *epoch);

//  Unix seconds as RFC 3339 in +07:00 into out. Returns out.
char *docs_time_format (int64_t epoch, char out[DOCS_TIME_TEXT]);

//  A paging cursor (a non-negative offset, at most DOCS_OFFSET_MAX).
bool docs_cursor_parse (const char *s, int *offset);

/* ---- folding ------------------------------------------------------------------------------- */

//  The base letter of a Vietnamese letter with its marks (either case; đ
//  is d), or 0 for any other code point. The same map as the SQL
//  function f_unaccent of the schema (tests check they agree).
char docs_fold_letter (uint32_t cp);

//  Text folded for comparison: Vietnamese letters to their base letter,
//  ASCII lower-cased, anything else kept, into out (cap bytes, always
//  terminated). Returns out.
char *docs_fold (const char *in, char *out, size_t cap);

//  The download name of a document: its title folded to ASCII letters and
//  digits joined by '-', at most DOCS_FILENAME_STEM_MAX characters
//  ("tai-lieu" when nothing is left), "." and the extension of type.
//  Into out (cap bytes). Returns out.
char *docs_safe_filename (const char *title, docs_type_t type, char *out, size_t cap);

//  The same with the extension given (without the dot: "mp3").
char *docs_safe_name (const char *title, const char *extension, char *out, size_t cap);

#endif
