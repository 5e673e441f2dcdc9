/*  poll_rules - the pure decisions of opinion polls (R7): who may create,
    see, manage and answer a poll, its states, the shape of every input,
    how an answer is read against the poll's questions, and the canonical
    string a signed answer signs. No database, no clock, no I/O: callers
    pass the facts and "now" in, so tests call these functions directly.
    Checks fill a vote_fault_t as the votes' rules do (rules.h).  */
#ifndef POLL_RULES_H
#define POLL_RULES_H
#include "cab_actor.h"
#include "rules.h"
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define POLL_TITLE_MAX 300           //  code points
#define POLL_DESCRIPTION_MAX 10000   //  code points
#define POLL_QUESTIONS_MAX 50        //  questions of one poll
#define POLL_QUESTION_TEXT_MAX 1000  //  code points of a question
#define POLL_OPTIONS_MIN 2           //  a choice offers a choice
#define POLL_OPTIONS_MAX 20          //  options of one question
#define POLL_OPTION_MAX 200          //  code points of one option
#define POLL_TEXT_MAX 10000          //  code points of a free answer (and its max_length's limit)
#define POLL_DOCUMENTS_MAX 20        //  documents attached to one poll
#define POLL_TARGETS_MAX 500         //  persons and agencies named
#define POLL_COMMENTS_MAX 100        //  comments in one answer
#define POLL_COMMENT_MAX 4000        //  code points of a comment
#define POLL_QUOTE_MAX 2000          //  code points of the passage a comment is about
#define POLL_SUGGESTION_MAX 10000    //  code points of a suggested wording
#define POLL_PAGE_MAX 100000         //  a comment's page number
#define POLL_DEADLINE_MAX_DAYS 366   //  a deadline within a year
#define POLL_CANONICAL_PREFIX "cabinet-poll-answer-v1"

/* ---- who ------------------------------------------------------------------------------ */

#define POLL_ROLE_CREATOR 0x1  //  created it: manages it, reads every answer
#define POLL_ROLE_OFFICE                                                                           \
    0x2  //  system admin, or clerk / approver of the creator's agency: reads all
#define POLL_ROLE_RESPONDENT 0x4  //  must answer it (once sent)

//  Polls are created by the office roles (clerk, approver) and system
//  admins; others get PERMISSION_DENIED.
void poll_may_create (const cab_actor_t *actor, vote_fault_t *fault);

//  The actor's POLL_ROLE_* bits for a poll created by creator_id of
//  creator_unit_id; respondent: the actor is among its respondents.
unsigned poll_roles (const cab_actor_t *actor, const char *creator_id, const char *creator_unit_id,
                     bool respondent);

/* ---- states ----------------------------------------------------------------------------- */

typedef enum { POLL_DRAFT, POLL_OPEN, POLL_CLOSED, POLL_ARCHIVED } poll_state_t;

const char *poll_state_name (poll_state_t state);
bool poll_state_parse (const char *name, poll_state_t *state);

//  The state every reader and writer sees: an open poll whose deadline
//  (Unix seconds) is not after now is closed, whether or not the job has
//  written it yet.
poll_state_t poll_effective_state (poll_state_t stored, int64_t deadline, int64_t now);

//  Anyone who may see a poll: its creator and the office in every state,
//  a respondent once it is sent. Others (and respondents of a draft) get
//  NOT_FOUND: its existence does not leak.
void poll_may_see (unsigned roles, poll_state_t state, vote_fault_t *fault);

//  Changing, sending, closing, archiving and deleting are the creator's: NOT_FOUND to those who
//  may not see it, PERMISSION_DENIED to the others.
void poll_may_manage (unsigned roles, poll_state_t state, vote_fault_t *fault);

//  Every answer, and who has not answered: the creator and the office
//  (PERMISSION_DENIED to a respondent).
void poll_may_read_all (unsigned roles, vote_fault_t *fault);

//  Results: the creator and the office at any time; a respondent once the
//  poll is closed (ABORTED before).
void poll_may_read_results (unsigned roles, poll_state_t state, vote_fault_t *fault);

//  Only a draft (seen by nobody but its creator) is changed or deleted:
//  ABORTED once it was sent.
void poll_may_edit (poll_state_t state, vote_fault_t *fault);

//  A draft is sent while its deadline is still ahead.
void poll_may_send (poll_state_t state, int64_t deadline, int64_t now, vote_fault_t *fault);

//  An open poll is closed early by its creator.
void poll_may_close (poll_state_t state, vote_fault_t *fault);

//  A closed poll is archived (R7.4: it stays readable).
void poll_may_archive (poll_state_t state, vote_fault_t *fault);

//  Answers go to an open poll before its deadline (ABORTED, code
//  poll_not_open, otherwise), from its respondents (PERMISSION_DENIED, code
//  not_respondent).
void poll_may_answer (poll_state_t state, unsigned roles, vote_fault_t *fault);

/* ---- inputs ------------------------------------------------------------------------------ */

//  The title: required, at most POLL_TITLE_MAX, one line.
void poll_check_title (const char *title, vote_fault_t *fault);

//  The description: optional, at most POLL_DESCRIPTION_MAX, line breaks allowed.
void poll_check_description (const char *description, vote_fault_t *fault);

//  The deadline (Unix seconds): after now, within POLL_DEADLINE_MAX_DAYS.
void poll_check_deadline (int64_t deadline, int64_t now, vote_fault_t *fault);

typedef enum { POLL_CHOICE, POLL_TEXT } poll_kind_t;

const char *poll_kind_name (poll_kind_t kind);
bool poll_kind_parse (const char *name, poll_kind_t *kind);

//  A question as the poll holds it.
typedef struct {
    const char *id;
    poll_kind_t kind;
    const char *text;
    char *const *options;
    size_t n_options;
    bool multiple;
    bool required;
    int max_length;  //  text: code points
} poll_question_t;

//  Question number index (from 0) as sent: its text (required, at most
//  POLL_QUESTION_TEXT_MAX, line breaks allowed); a choice has
//  POLL_OPTIONS_MIN..MAX options, each non-blank, one line, at most
//  POLL_OPTION_MAX, all different, and no max_length; a text question has
//  no options, no multiple, and max_length in 1..POLL_TEXT_MAX (0: the
//  limit).
void poll_check_question (size_t index, const poll_question_t *q, vote_fault_t *fault);

//  How many questions: 1..POLL_QUESTIONS_MAX.
void poll_check_question_count (size_t n, vote_fault_t *fault);

//  Document ids: well-formed, none twice, at most POLL_DOCUMENTS_MAX.
void poll_check_documents (char *const *ids, size_t n, vote_fault_t *fault);

//  A target as sent: exactly one of user_id and unit_id, a UUID.
typedef struct {
    const char *user_id;
    const char *unit_id;
} poll_target_in_t;

//  The targets: 1..POLL_TARGETS_MAX (0 is allowed while a draft is not
//  sent: required false), each well-formed, none twice.
void poll_check_targets (const poll_target_in_t *targets, size_t n, bool required,
                         vote_fault_t *fault);

/* ---- answers ------------------------------------------------------------------------------ */

//  An answer to one question as sent (strings NFC).
typedef struct {
    const char *question_id;
    char *const *choices;
    size_t n_choices;
    const char *text;
} poll_item_in_t;

//  The same, read against the poll: the question's index and the options
//  chosen as indexes, ascending.
typedef struct {
    size_t question;
    int choices[POLL_OPTIONS_MAX];
    size_t n_choices;
    const char *text;  //  text questions; NULL for choices
} poll_item_t;

//  Read items[0..n) against questions[0..nq) into out (room for n), in
//  the poll's question order; *n_out is how many carry an answer (a blank
//  text or no choice on an optional question is no answer). Refused (400,
//  field "answers", a code): an unknown question (unknown_question), one
//  answered twice, choices for a text question or text for a choice, an
//  option not offered (option_not_offered), several options for a single
//  choice (too_many_choices), a text over the question's max_length
//  (text_too_long) or with control characters, a required question left
//  unanswered (missing_answer).
void poll_read_answers (const poll_question_t *questions, size_t nq, const poll_item_in_t *items,
                        size_t n, poll_item_t *out, size_t *n_out, vote_fault_t *fault);

//  A comment or suggested edit as sent.
typedef struct {
    const char *document_id;
    int page;  //  0: none
    const char *quote;
    const char *text;
    const char *suggestion;
} poll_comment_t;

//  Comments[0..n): at most POLL_COMMENTS_MAX; each on a document attached
//  to the poll (documents[0..nd), 400 document_not_attached), page in
//  1..POLL_PAGE_MAX when given, text required, lengths within their
//  limits, no control characters but line breaks.
void poll_check_comments (const poll_comment_t *comments, size_t n, char *const *documents,
                          size_t nd, vote_fault_t *fault);

//  The fields of a submission for a poll that requires signatures or not:
//  signature and signed_at together, and required when the poll asks for
//  them (code signature_required); refused when it does not.
void poll_check_signature_fields (const char *signature, const char *signed_at, bool required,
                                  vote_fault_t *fault);

/* ---- the canonical string of a signed answer --------------------------------------------- */

//  The UTF-8 string a signed answer signs, lines joined by a line feed, no
//  final one:
//    cabinet-poll-answer-v1
//    <poll id>
//    <respondent id>
//    <signed_at exactly as sent>
//    q <question id> <answer as JSON>             one per answered question, in the poll's order
//    c <document id> <page or -> <quote> <text> <suggestion>   one per comment, in the order sent
//  A choice's answer is the JSON array of the options chosen (as offered,
//  in the question's order), a text's the JSON string; quote and
//  suggestion are JSON strings or null. JSON as JSON.stringify and jq -c
//  write it: no spaces, only " \ and U+0000..U+001F escaped (\b \f \n \r
//  \t, others \u00xx). Returns a malloc'd string (the caller frees it), or
//  NULL when out of memory.
char *poll_canonical (const char *poll_id, const char *respondent_id, const char *signed_at,
                      const poll_question_t *questions, const poll_item_t *items, size_t n_items,
                      const poll_comment_t *comments, size_t n_comments);

#endif
