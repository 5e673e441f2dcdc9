/*  rules - the voting service's pure decisions (R6.3): who may manage and
    see a vote, the shape of every input, the vote's states, who may cast a
    ballot once a vote opens, the tally with its percentages and threshold,
    and the canonical string a signed ballot signs. No database, no clock,
    no I/O: callers pass the facts and "now" in, so tests call these
    functions directly.

    A check fills a vote_fault_t: status CAB_OK when the request may go on,
    else the status to answer with (INVALID_ARGUMENT 400, NOT_FOUND 404,
    PERMISSION_DENIED 403, ABORTED 409 for a state conflict,
    FAILED_PRECONDITION 422 for a broken rule), the offending field (may be
    NULL), a finer error code for clients (may be NULL) and a Vietnamese
    message saying why.  */
#ifndef VOTE_RULES_H
#define VOTE_RULES_H
#include "cab_status.h"
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define VOTE_QUESTION_MAX 1000    //  code points
#define VOTE_OPTION_MAX 200       //  code points of one option
#define VOTE_OPTIONS_MIN 2        //  a vote offers a choice
#define VOTE_OPTIONS_MAX 20       //  options of one vote
#define VOTE_REMOTE_MAX 500       //  remote voters named in one request
#define VOTE_PER_MEETING_MAX 200  //  votes of one meeting
#define VOTE_KEYS_MAX 10          //  signing keys of one person
#define VOTE_LABEL_MAX 100        //  code points of a key's label
#define VOTE_SKEW_S 300           //  a signed ballot's time: within 5 minutes of the server's
#define VOTE_MESSAGE_MAX 320      //  bytes of a fault message
#define VOTE_CANONICAL_PREFIX "cabinet-ballot-v1"

typedef struct {
    cab_status_t status;  //  CAB_OK: go on
    const char *field;    //  offending input field, or NULL
    const char *code;     //  finer error code ("already_voted"), or NULL
    char message[VOTE_MESSAGE_MAX];
} vote_fault_t;

//  Reset fault to CAB_OK.
void vote_fault_clear (vote_fault_t *fault);

//  Fill fault (printf-style message). Returns status.
cab_status_t vote_fault_set (vote_fault_t *fault, cab_status_t status, const char *field,
                             const char *fmt, ...) __attribute__ ((format (printf, 4, 5)));

/* ---- the caller in the meeting ------------------------------------------------------- */

#define VOTE_ROLE_CHAIR 0x1
#define VOTE_ROLE_SECRETARY 0x2
#define VOTE_ROLE_INVITEE 0x4  //  a person invitee, or the substitute of one

//  Votes are run by the meeting's chair or secretary. Someone with no part
//  in the meeting gets NOT_FOUND (its existence does not leak), another
//  invitee PERMISSION_DENIED.
void vote_may_manage (unsigned roles, vote_fault_t *fault);

//  Anyone with a part in the meeting sees its votes; others get NOT_FOUND.
void vote_may_see (unsigned roles, vote_fault_t *fault);

/* ---- states -------------------------------------------------------------------------- */

typedef enum { VOTE_DRAFT, VOTE_OPEN, VOTE_CLOSED } vote_state_t;

const char *vote_state_name (vote_state_t state);
bool vote_state_parse (const char *name, vote_state_t *state);

typedef enum { VOTE_MAJORITY, VOTE_TWO_THIRDS } vote_threshold_t;

const char *vote_threshold_name (vote_threshold_t threshold);

//  "majority" or "two_thirds"; NULL or "" is majority.
bool vote_threshold_parse (const char *name, vote_threshold_t *threshold);

//  Votes are prepared for an approved meeting or one in progress.
void vote_may_create (const char *meeting_status, vote_fault_t *fault);

//  A draft vote opens while its meeting is in progress.
void vote_may_open (vote_state_t state, const char *meeting_status, vote_fault_t *fault);

//  An open vote closes.
void vote_may_close (vote_state_t state, vote_fault_t *fault);

//  Remote voters are allowed before or while the vote is open.
void vote_may_add_remote (vote_state_t state, vote_fault_t *fault);

//  Ballots go to an open vote only, while its meeting (meeting_status as
//  the projection knows it; NULL: unknown) is in progress: a vote left
//  open at the end is closed by a job a moment later, and takes nothing
//  meanwhile.
void vote_may_cast (vote_state_t state, const char *meeting_status, vote_fault_t *fault);

//  The signed ballots of a named, signed, closed vote may be exported.
void vote_may_export (vote_state_t state, bool secret, bool signature_required,
                      vote_fault_t *fault);

/* ---- inputs -------------------------------------------------------------------------- */

//  The options offered when the chair names none.
#define VOTE_DEFAULT_OPTIONS 3
extern const char *const vote_default_options[VOTE_DEFAULT_OPTIONS];

//  true if s holds control characters (C0, DEL, C1); with lines, line
//  breaks and tabs are allowed. NULL holds none.
bool vote_text_has_control (const char *s, bool lines);

//  true if s is NULL, empty or only blanks.
bool vote_text_blank (const char *s);

//  An id parameter (400 when malformed, or missing and required).
void vote_check_id (const char *field, const char *id, bool required, vote_fault_t *fault);

//  Every id of a list well-formed, at most max of them.
void vote_check_id_list (const char *field, char *const *ids, size_t n, size_t max,
                         vote_fault_t *fault);

//  The question: required, at most VOTE_QUESTION_MAX, no control characters
//  but line breaks.
void vote_check_question (const char *question, vote_fault_t *fault);

//  The options: VOTE_OPTIONS_MIN..MAX, each non-blank, at most
//  VOTE_OPTION_MAX, on one line (the canonical string separates its parts
//  with line breaks), all different.
void vote_check_options (char *const *options, size_t n, vote_fault_t *fault);

//  A signing key's label: optional, at most VOTE_LABEL_MAX, one line.
void vote_check_label (const char *label, vote_fault_t *fault);

//  Index of option among options[0..n), or -1.
int vote_option_index (char *const *options, size_t n, const char *option);

//  A ballot's fields for a vote that is secret or not and requires
//  signatures or not: an option; signature and signed_at together, and
//  required when the vote asks for them; a receipt only for a secret vote.
void vote_check_ballot (const char *option, const char *signature, const char *signed_at,
                        const char *receipt, bool secret, bool signature_required,
                        vote_fault_t *fault);

//  A signed ballot's time (Unix seconds) against the server's now: within
//  VOTE_SKEW_S either way.
void vote_check_signed_at (int64_t signed_at, int64_t now, vote_fault_t *fault);

/* ---- who may vote -------------------------------------------------------------------- */

//  A person invitee of the meeting, as the projection knows them.
typedef struct {
    const char *user_id;
    const char *response;            //  pending, attend, decline, delegate (NULL: pending)
    const char *attendance;          //  present, absent, substitute, or NULL before roll call
    const char *substitute_user_id;  //  with substitute
} vote_invitee_t;

typedef enum { VOTE_VOTER_PRESENT, VOTE_VOTER_SUBSTITUTE, VOTE_VOTER_REMOTE } vote_voter_kind_t;

const char *vote_voter_kind_name (vote_voter_kind_t kind);

//  One who may cast a ballot, and whose seat they hold.
typedef struct {
    const char *user_id;    //  borrowed from the invitees
    const char *member_id;  //  the member: user_id itself, or the substituted one
    vote_voter_kind_t kind;
} vote_voter_t;

//  true if the invitee counts as a member: a person invited who did not
//  hand their seat to a delegate (the delegate is an invitee of their own).
bool vote_is_member (const vote_invitee_t *invitee);

//  true if the member attends in person or through a substitute.
bool vote_is_attending (const vote_invitee_t *invitee);

//  Who may vote when a vote opens: members present in person, the
//  substitutes of members (in their place), and the members in remote[]
//  who are not attending. voters has room for n entries; *n_voters,
//  *members and *present are set (present: in person or substituted). A
//  person listed twice votes once.
void vote_eligible (const vote_invitee_t *invitees, size_t n, char *const *remote, size_t n_remote,
                    vote_voter_t *voters, size_t *n_voters, int *members, int *present);

//  Whether user_id (a member, found among invitees[0..n)) may be allowed
//  to vote remotely: a member who is not attending. Fills fault (422)
//  otherwise.
void vote_check_remote (const vote_invitee_t *invitees, size_t n, const char *user_id,
                        vote_fault_t *fault);

/* ---- results ------------------------------------------------------------------------- */

//  part of whole in percent, rounded to two decimals; 0 when whole is 0.
double vote_percent (int part, int whole);

//  Whether the first option's count reaches the threshold of the members:
//  more than half (majority), or at least two thirds. Never with no members.
bool vote_threshold_met (vote_threshold_t threshold, int first_count, int members);

typedef struct {
    int count;
    double percent_of_eligible;
    double percent_of_present;
} vote_result_t;

//  Results of counts[0..n) against eligible and present into out[0..n).
void vote_tally (const int *counts, size_t n, int eligible, int present, vote_result_t *out);

/* ---- the canonical string of a signed ballot ----------------------------------------- */

//  "cabinet-ballot-v1\n<vote id>\n<option>\n<voter id>\n<signed_at>" (UTF-8,
//  no final line break), with the option exactly as offered (NFC) and
//  signed_at exactly as the voter sent it. Written into out (cap bytes,
//  NUL-terminated, may be NULL with cap 0). Returns the length it needs
//  without the NUL, as snprintf does.
size_t vote_canonical (char *out, size_t cap, const char *vote_id, const char *option,
                       const char *voter_id, const char *signed_at);

#endif
