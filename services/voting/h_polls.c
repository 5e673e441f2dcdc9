/*  h_polls - opinion polls (R7). The office (clerks, leaders) and system
    admins create a poll: questions (a choice, single or multiple, or a
    free answer), documents of the documents service attached by id
    (checked there as the creator: readable by them, approved, never
    secret), persons and agencies to ask, a deadline; the creator sends
    it (the respondents are fixed then), closes it early and archives it.
    Respondents answer until the deadline, replacing their answer as often
    as they like, with comments and suggested edits on the attached
    documents and, when the poll asks for it, an ECDSA signature over the
    canonical string (poll_rules.h), verified against their registered
    keys as ballots are. The creator and the office read every answer, the
    results and who has not answered; a respondent reads their own answer,
    and the results once the poll is closed.

    A request is judged in this order, and a refusal changes nothing: the
    fields (400), who may (404 / 403), the state (409), the rules against
    the poll and the other services' data (422); the store judges the
    state again under the poll's lock.  */
#include "cab_time.h"
#include "cab_uuid.h"
#include "cabinet/v1/documents.pb-c.h"
#include "cabinet/v1/identity.pb-c.h"
#include "handlers.h"
#include "signature.h"
#include <stdlib.h>
#include <string.h>

#define POLL_DESC &cabinet__v1__poll__descriptor
#define LIST_DEFAULT 50
#define POLLS_MAX 100
#define ANSWERS_MAX 200
#define SIGNATURE_MAX 200  //  characters of a base64 signature as sent

static const char s_msg_time[] =
    "Thời điểm phải theo RFC 3339 và có múi giờ, ví dụ 2026-12-01T17:00:00+07:00";

/* ---- the caller and the poll --------------------------------------------------------------- */

static void
s_actor (const cab_call_t *call, cab_actor_t *actor)
{
    const Cabinet__V1__Caller *c = call->caller;
    cab_actor_init (actor, vote_call_user (call), c ? c->unit_id : NULL, c ? c->roles : NULL,
                    c ? c->n_roles : 0);
}

//  Poll id as the caller may see it (full: questions, documents,
//  targets), with their roles in it; replies 400 / 404.
static cab_status_t
s_poll (cab_call_t *call, const char *id, bool full, poll_info_t **info, unsigned *roles)
{
    vote_fault_t fault;
    vote_check_id ("poll_id", id, true, &fault);
    if (fault.status != CAB_OK)
        return vote_call_fault (call, &fault);
    vote_worker_t *w = vote_call_worker (call);
    cab_status_t status =
        poll_store_get (w->polls, call->arena, id, vote_call_user (call), full, info);
    if (status == CAB_NOT_FOUND)
        return cab_call_error (call, status, "poll_id", "Không tìm thấy phiếu lấy ý kiến");
    if (status != CAB_OK)
        return vote_call_fail (call, status, NULL);
    cab_actor_t actor;
    s_actor (call, &actor);
    const Cabinet__V1__Poll *p = (*info)->poll;
    *roles = poll_roles (&actor, p->created_by, p->creator_unit_id, (*info)->respondent);
    poll_may_see (*roles, (*info)->state, &fault);
    return fault.status == CAB_OK ? CAB_OK : vote_call_fault (call, &fault);
}

//  limit as asked (0: the default), within 1..max; replies 400 otherwise.
static bool
s_limit (cab_call_t *call, bool has, int32_t limit, int max, int *out)
{
    *out = has && limit ? limit : LIST_DEFAULT;
    if (*out >= 1 && *out <= max)
        return true;
    vote_fault_t fault;
    vote_fault_set (&fault, CAB_INVALID_ARGUMENT, "limit", "Số mục mỗi trang phải từ 1 đến %d",
                    max);
    vote_call_fault (call, &fault);
    return false;
}

//  A cursor (an id) or nothing; replies 400 otherwise.
static bool
s_cursor (cab_call_t *call, const char *cursor)
{
    if (!cursor || !*cursor || cab_uuid_valid (cursor))
        return true;
    vote_call_invalid (call, "cursor", "Con trỏ phân trang không hợp lệ");
    return false;
}

/* ---- creating -------------------------------------------------------------------------------- */

//  The questions as sent, cleaned and checked; replies and returns NULL
//  when one is refused.
static poll_question_t *
s_questions (cab_call_t *call, const Cabinet__V1__CreatePollRequest *req)
{
    vote_fault_t fault;
    poll_check_question_count (req->n_questions, &fault);
    if (fault.status != CAB_OK) {
        vote_call_fault (call, &fault);
        return NULL;
    }
    poll_question_t *qs = cab_arena_alloc (call->arena, req->n_questions * sizeof *qs);
    for (size_t i = 0; i < req->n_questions; i++) {
        const Cabinet__V1__PollQuestion *in = req->questions[i];
        poll_question_t *q = &qs[i];
        if (!poll_kind_parse (in->kind, &q->kind)) {
            vote_fault_set (&fault, CAB_INVALID_ARGUMENT, "questions",
                            "Loại của câu hỏi thứ %zu phải là choice (lựa chọn) hoặc text (trả "
                            "lời tự do)",
                            i + 1);
            vote_call_fault (call, &fault);
            return NULL;
        }
        bool ok = true;
        q->text = vote_call_text (call, in->text, &ok);
        char **options =
            cab_arena_alloc (call->arena, (in->n_options ? in->n_options : 1) * sizeof *options);
        for (size_t k = 0; k < in->n_options; k++)
            options[k] = vote_call_text (call, in->options[k], &ok);
        if (!ok) {
            vote_call_invalid (call, "questions", VOTE_MSG_NOT_UTF8);
            return NULL;
        }
        q->options = options;
        q->n_options = in->n_options;
        q->multiple = in->has_multiple && in->multiple;
        q->required = !in->has_required || in->required;
        //  A max_length sent must be 1..the limit; unsent, the limit.
        q->max_length = in->has_max_length ? (in->max_length >= 1 ? in->max_length : -1) : 0;
        poll_check_question (i, q, &fault);
        if (fault.status != CAB_OK) {
            vote_call_fault (call, &fault);
            return NULL;
        }
        if (q->kind == POLL_TEXT && q->max_length == 0)
            q->max_length = POLL_TEXT_MAX;
    }
    return qs;
}

//  The documents to attach, asked of the documents service as the caller:
//  each readable by them, approved and not secret. Fills titles (arena).
//  Replies and returns false otherwise.
static bool
s_attachments (cab_call_t *call, char *const *ids, size_t n, char **titles)
{
    vote_worker_t *w = vote_call_worker (call);
    for (size_t i = 0; i < n; i++) {
        Cabinet__V1__DocumentIdRequest req = CABINET__V1__DOCUMENT_ID_REQUEST__INIT;
        req.id = ids[i];
        cab_call_opts_t opts = {.caller = call->caller, .idempotent = true};
        cab_rpc_result_t result;
        ProtobufCMessage *reply = NULL;
        cab_status_t status =
            cab_rpc_call (w->documents, "documents.GetDocument", &req.base,
                          &cabinet__v1__document__descriptor, NULL, &reply, &opts, &result);
        vote_fault_t fault;
        vote_fault_clear (&fault);
        if (status == CAB_NOT_FOUND || status == CAB_PERMISSION_DENIED) {
            vote_fault_set (&fault, CAB_FAILED_PRECONDITION, "document_ids",
                            "Tài liệu thứ %zu không tồn tại hoặc bạn không có quyền đọc", i + 1);
            fault.code = "document_not_readable";
        } else if (status != CAB_OK) {
            cab_call_error (call, status == CAB_DEADLINE_EXCEEDED ? status : CAB_UNAVAILABLE, NULL,
                            "Dịch vụ tài liệu tạm thời không trả lời; vui lòng thử lại");
            return false;
        } else {
            const Cabinet__V1__Document *d = (const Cabinet__V1__Document *) reply;
            if (d->classification && strcmp (d->classification, "normal") != 0) {
                vote_fault_set (&fault, CAB_FAILED_PRECONDITION, "document_ids",
                                "Tài liệu thứ %zu là tài liệu mật: không được gửi kèm phiếu lấy "
                                "ý kiến",
                                i + 1);
                fault.code = "secret_document";
            } else if (!d->status || strcmp (d->status, "approved") != 0) {
                vote_fault_set (&fault, CAB_FAILED_PRECONDITION, "document_ids",
                                "Tài liệu thứ %zu chưa được phê duyệt", i + 1);
                fault.code = "document_not_approved";
            } else
                titles[i] = cab_arena_strdup (call->arena, d->title ? d->title : "");
        }
        if (reply)
            protobuf_c_message_free_unpacked (reply, NULL);
        if (fault.status != CAB_OK) {
            vote_call_fault (call, &fault);
            return false;
        }
    }
    return true;
}

//  The poll as defined by req (POST /polls, PUT /polls/{id}), checked in
//  this order: its text, deadline, questions, documents (their number, then
//  each asked of the documents service) and targets. true with in filled
//  (arena), or false once replied.
static bool
s_definition (cab_call_t *call, const Cabinet__V1__CreatePollRequest *req, const cab_actor_t *actor,
              poll_create_in_t *in)
{
    vote_worker_t *w = vote_call_worker (call);
    vote_fault_t fault;
    bool ok = true;
    char *title = vote_call_text (call, req->title, &ok);
    char *description = vote_call_text (call, req->description, &ok);
    char *deadline_text = vote_call_text (call, req->deadline, &ok);
    if (!ok)
        return vote_call_invalid (call, NULL, VOTE_MSG_NOT_UTF8), false;
    poll_check_title (title, &fault);
    if (fault.status == CAB_OK)
        poll_check_description (description, &fault);
    if (fault.status != CAB_OK)
        return vote_call_fault (call, &fault), false;
    int64_t deadline = 0;
    if (!deadline_text || !*deadline_text)
        return vote_call_invalid (call, "deadline", "Vui lòng chọn hạn trả lời"), false;
    if (!cab_time_parse (deadline_text, &deadline))
        return vote_call_invalid (call, "deadline", s_msg_time), false;
    poll_check_deadline (deadline, vote_now (), &fault);
    if (fault.status != CAB_OK)
        return vote_call_fault (call, &fault), false;
    poll_question_t *questions = s_questions (call, req);
    if (!questions)
        return false;
    poll_check_documents (req->document_ids, req->n_document_ids, &fault);
    if (fault.status != CAB_OK)
        return vote_call_fault (call, &fault), false;
    size_t n_targets = req->n_targets;
    poll_target_in_t *targets =
        cab_arena_alloc (call->arena, (n_targets ? n_targets : 1) * sizeof *targets);
    for (size_t i = 0; i < n_targets; i++) {
        targets[i].user_id = req->targets[i]->user_id;
        targets[i].unit_id = req->targets[i]->unit_id;
    }
    poll_check_targets (targets, n_targets, true, &fault);
    if (fault.status != CAB_OK)
        return vote_call_fault (call, &fault), false;
    //  Now the other services' data: the documents, the people.
    char **titles = cab_arena_alloc (call->arena, (req->n_document_ids ? req->n_document_ids : 1)
                                                      * sizeof *titles);
    if (!s_attachments (call, req->document_ids, req->n_document_ids, titles))
        return false;
    cab_status_t status =
        poll_store_check_targets (w->polls, call->arena, targets, n_targets, &fault);
    if (status != CAB_OK)
        return vote_call_fail (call, status, NULL), false;
    if (fault.status != CAB_OK)
        return vote_call_fault (call, &fault), false;

    //  The deadline as this service writes times (+07:00).
    char *deadline_out = cab_arena_alloc (call->arena, CAB_TIME_TEXT);
    cab_time_format (deadline, deadline_out);
    *in = (poll_create_in_t){
        .title = title,
        .description = description,
        .deadline_text = deadline_out,
        .deadline = deadline,
        .signature_required = req->has_signature_required && req->signature_required,
        .questions = questions,
        .n_questions = req->n_questions,
        .document_ids = req->document_ids,
        .document_titles = titles,
        .n_documents = req->n_document_ids,
        .targets = targets,
        .n_targets = n_targets,
        .send = req->has_send && req->send,
        .actor_id = actor->user_id,
        .actor_unit_id = actor->unit_id,
    };
    return true;
}

cab_status_t
poll_create (cab_call_t *call, const ProtobufCMessage *request)
{
    const Cabinet__V1__CreatePollRequest *req = (const Cabinet__V1__CreatePollRequest *) request;
    vote_worker_t *w = vote_call_worker (call);
    cab_idem_t idem;
    const cab_idem_t *idem_p = NULL;
    if (vote_call_replay (call, request, POLL_DESC, &idem, &idem_p))
        return call->status;
    cab_actor_t actor;
    s_actor (call, &actor);
    vote_fault_t fault;
    poll_may_create (&actor, &fault);
    if (fault.status != CAB_OK)
        return vote_call_fault (call, &fault);
    poll_create_in_t in;
    if (!s_definition (call, req, &actor, &in))
        return call->status;
    poll_info_t *info = NULL;
    vote_fault_clear (&fault);
    cab_status_t status = poll_store_create (w->polls, call->arena, &in, idem_p, &fault, &info);
    if (status != CAB_OK)
        return vote_call_fail (call, status, &fault);
    return cab_call_reply (call, info->poll);
}

//  poll_id as its creator may change it (a draft), or false once replied.
static bool
s_draft (cab_call_t *call, const char *poll_id, poll_info_t **info)
{
    unsigned roles = 0;
    if (s_poll (call, poll_id, false, info, &roles) != CAB_OK)
        return false;
    vote_fault_t fault;
    poll_may_manage (roles, (*info)->state, &fault);
    if (fault.status == CAB_OK)
        poll_may_edit ((*info)->state, &fault);
    if (fault.status != CAB_OK)
        return vote_call_fault (call, &fault), false;
    return true;
}

cab_status_t
poll_update (cab_call_t *call, const ProtobufCMessage *request)
{
    const Cabinet__V1__CreatePollRequest *req = (const Cabinet__V1__CreatePollRequest *) request;
    vote_worker_t *w = vote_call_worker (call);
    cab_idem_t idem;
    const cab_idem_t *idem_p = NULL;
    if (vote_call_replay (call, request, POLL_DESC, &idem, &idem_p))
        return call->status;
    poll_info_t *info = NULL;
    if (!s_draft (call, req->poll_id, &info))
        return call->status;
    cab_actor_t actor;
    s_actor (call, &actor);
    poll_create_in_t in;
    if (!s_definition (call, req, &actor, &in))
        return call->status;
    vote_fault_t fault;
    vote_fault_clear (&fault);
    poll_info_t *after = NULL;
    cab_status_t status =
        poll_store_update (w->polls, call->arena, info->poll->id, &in, idem_p, &fault, &after);
    if (status != CAB_OK)
        return vote_call_fail (call, status, &fault);
    return cab_call_reply (call, after->poll);
}

cab_status_t
poll_delete (cab_call_t *call, const ProtobufCMessage *request)
{
    const Cabinet__V1__PollIdRequest *req = (const Cabinet__V1__PollIdRequest *) request;
    vote_worker_t *w = vote_call_worker (call);
    poll_info_t *info = NULL;
    if (!s_draft (call, req->poll_id, &info))
        return call->status;
    vote_fault_t fault;
    vote_fault_clear (&fault);
    cab_status_t status =
        poll_store_delete (w->polls, call->arena, info->poll->id, vote_call_user (call), &fault);
    if (status != CAB_OK)
        return vote_call_fail (call, status, &fault);
    static const Cabinet__V1__Empty empty = CABINET__V1__EMPTY__INIT;
    return cab_call_reply (call, &empty);
}

/* ---- reading -----------------------------------------------------------------------------------
 */

cab_status_t
poll_list (cab_call_t *call, const ProtobufCMessage *request)
{
    const Cabinet__V1__ListPollsRequest *req = (const Cabinet__V1__ListPollsRequest *) request;
    vote_worker_t *w = vote_call_worker (call);
    const char *user = vote_call_user (call);
    if (!user)
        return cab_call_error (call, CAB_PERMISSION_DENIED, NULL, NULL);
    poll_state_t state;
    if (req->status && *req->status && !poll_state_parse (req->status, &state))
        return vote_call_invalid (call, "status",
                                  "Trạng thái phải là draft, open, closed hoặc archived");
    if (req->role && *req->role && strcmp (req->role, "created") != 0
        && strcmp (req->role, "addressed") != 0)
        return vote_call_invalid (call, "role",
                                  "role phải là created (phiếu tôi tạo) hoặc addressed (phiếu gửi "
                                  "tôi)");
    poll_query_t query = {
        .user_id = user, .role = req->role, .status = req->status, .after = req->cursor};
    if (!s_cursor (call, req->cursor)
        || !s_limit (call, req->has_limit, req->limit, POLLS_MAX, &query.limit))
        return call->status;
    Cabinet__V1__PollList *list = NULL;
    cab_status_t status = poll_store_list (w->polls, call->arena, &query, &list);
    if (status != CAB_OK)
        return vote_call_fail (call, status, NULL);
    return cab_call_reply (call, list);
}

cab_status_t
poll_get (cab_call_t *call, const ProtobufCMessage *request)
{
    const Cabinet__V1__PollIdRequest *req = (const Cabinet__V1__PollIdRequest *) request;
    poll_info_t *info = NULL;
    unsigned roles = 0;
    if (s_poll (call, req->poll_id, true, &info, &roles) != CAB_OK)
        return call->status;
    return cab_call_reply (call, info->poll);
}

/* ---- the creator's changes ------------------------------------------------------------------ */

static cab_status_t
s_change (cab_call_t *call, const ProtobufCMessage *request, poll_change_t change)
{
    const Cabinet__V1__PollIdRequest *req = (const Cabinet__V1__PollIdRequest *) request;
    vote_worker_t *w = vote_call_worker (call);
    cab_idem_t idem;
    const cab_idem_t *idem_p = NULL;
    if (vote_call_replay (call, request, POLL_DESC, &idem, &idem_p))
        return call->status;
    poll_info_t *info = NULL;
    unsigned roles = 0;
    if (s_poll (call, req->poll_id, false, &info, &roles) != CAB_OK)
        return call->status;
    vote_fault_t fault;
    poll_may_manage (roles, info->state, &fault);
    if (fault.status == CAB_OK && change == POLL_SEND)
        poll_may_send (info->state, info->deadline, info->now, &fault);
    else if (fault.status == CAB_OK && change == POLL_CLOSE)
        poll_may_close (info->state, &fault);
    else if (fault.status == CAB_OK)
        poll_may_archive (info->state, &fault);
    if (fault.status != CAB_OK)
        return vote_call_fault (call, &fault);
    poll_info_t *after = NULL;
    cab_status_t status = poll_store_change (w->polls, call->arena, info->poll->id, change,
                                             vote_call_user (call), idem_p, &fault, &after);
    if (status != CAB_OK)
        return vote_call_fail (call, status, &fault);
    return cab_call_reply (call, after->poll);
}

cab_status_t
poll_send (cab_call_t *call, const ProtobufCMessage *request)
{
    return s_change (call, request, POLL_SEND);
}

cab_status_t
poll_close (cab_call_t *call, const ProtobufCMessage *request)
{
    return s_change (call, request, POLL_CLOSE);
}

cab_status_t
poll_archive (cab_call_t *call, const ProtobufCMessage *request)
{
    return s_change (call, request, POLL_ARCHIVE);
}

/* ---- answering ---------------------------------------------------------------------------------
 */

//  The items and comments as sent, cleaned (NFC, blanks trimmed). Replies
//  and returns false when one is not UTF-8.
static bool
s_answer_input (cab_call_t *call, const Cabinet__V1__SubmitAnswerRequest *req,
                poll_item_in_t **items, poll_comment_t **comments)
{
    bool ok = true;
    *items = cab_arena_alloc (call->arena, (req->n_answers ? req->n_answers : 1) * sizeof **items);
    for (size_t i = 0; i < req->n_answers; i++) {
        const Cabinet__V1__PollAnswerItem *a = req->answers[i];
        poll_item_in_t *it = &(*items)[i];
        it->question_id = a->question_id;
        it->text = vote_call_text (call, a->text, &ok);
        char **choices =
            cab_arena_alloc (call->arena, (a->n_choices ? a->n_choices : 1) * sizeof *choices);
        for (size_t k = 0; k < a->n_choices; k++)
            choices[k] = vote_call_text (call, a->choices[k], &ok);
        it->choices = choices;
        it->n_choices = a->n_choices;
    }
    *comments =
        cab_arena_alloc (call->arena, (req->n_comments ? req->n_comments : 1) * sizeof **comments);
    for (size_t i = 0; i < req->n_comments; i++) {
        const Cabinet__V1__PollComment *c = req->comments[i];
        poll_comment_t *out = &(*comments)[i];
        out->document_id = c->document_id;
        out->page = c->has_page ? (c->page >= 1 ? c->page : -1) : 0;
        out->quote = vote_call_text (call, c->quote, &ok);
        out->text = vote_call_text (call, c->text, &ok);
        out->suggestion = vote_call_text (call, c->suggestion, &ok);
        if (out->quote && !*out->quote)
            out->quote = NULL;
        if (out->suggestion && !*out->suggestion)
            out->suggestion = NULL;
    }
    if (!ok)
        vote_call_invalid (call, NULL, VOTE_MSG_NOT_UTF8);
    return ok;
}

//  For a poll that requires signatures: the time and the signature over
//  the canonical string. Fills in's signed fields; replies and returns
//  false when refused.
static bool
s_signed (cab_call_t *call, const char *signature, const char *signed_at_text, poll_answer_in_t *in)
{
    vote_fault_t fault;
    int64_t signed_at = 0;
    if (!cab_time_parse (signed_at_text, &signed_at)) {
        vote_call_invalid (call, "signed_at", s_msg_time);
        return false;
    }
    vote_check_signed_at (signed_at, vote_now (), &fault);
    if (fault.status != CAB_OK) {
        vote_call_fault (call, &fault);
        return false;
    }
    if (strlen (signature) > SIGNATURE_MAX) {
        vote_call_invalid (call, "signature", "Chữ ký số không hợp lệ");
        return false;
    }
    char *canonical =
        poll_canonical (in->info->poll->id, in->respondent_id, signed_at_text, in->info->questions,
                        in->items, in->n_items, in->comments, in->n_comments);
    if (!canonical) {
        cab_call_error (call, CAB_INTERNAL, NULL, NULL);
        return false;
    }
    in->canonical = cab_arena_strdup (call->arena, canonical);
    free (canonical);
    bool answered = false;
    const char *key_id = vote_call_verifying_key (call, in->canonical, signature, &answered);
    if (answered)
        return false;
    if (!key_id) {
        cab_call_error_code (call, CAB_INVALID_ARGUMENT, "signature_invalid", "signature",
                             "Chữ ký số không hợp lệ: không khớp với câu trả lời hoặc với khóa đã "
                             "đăng ký của bạn");
        return false;
    }
    in->signed_ = true;
    in->signature = signature;
    in->signed_at_text = signed_at_text;
    in->signed_at = signed_at;
    in->key_id = key_id;
    return true;
}

cab_status_t
poll_answer (cab_call_t *call, const ProtobufCMessage *request)
{
    const Cabinet__V1__SubmitAnswerRequest *req =
        (const Cabinet__V1__SubmitAnswerRequest *) request;
    vote_worker_t *w = vote_call_worker (call);
    cab_idem_t idem;
    const cab_idem_t *idem_p = NULL;
    if (vote_call_replay (call, request, &cabinet__v1__poll_answer__descriptor, &idem, &idem_p))
        return call->status;
    poll_info_t *info = NULL;
    unsigned roles = 0;
    if (s_poll (call, req->poll_id, true, &info, &roles) != CAB_OK)
        return call->status;
    poll_item_in_t *items_in = NULL;
    poll_comment_t *comments = NULL;
    if (!s_answer_input (call, req, &items_in, &comments))
        return call->status;
    bool ok = true;
    char *signed_at = vote_call_text (call, req->signed_at, &ok);
    if (!ok)
        return vote_call_invalid (call, "signed_at", VOTE_MSG_NOT_UTF8);
    vote_fault_t fault;
    poll_check_signature_fields (req->signature, signed_at, info->poll->signature_required, &fault);
    if (fault.status == CAB_OK)
        poll_may_answer (info->state, roles, &fault);
    if (fault.status != CAB_OK)
        return vote_call_fault (call, &fault);
    poll_item_t *items =
        cab_arena_alloc (call->arena, (req->n_answers ? req->n_answers : 1) * sizeof *items);
    size_t n_items = 0;
    poll_read_answers (info->questions, info->n_questions, items_in, req->n_answers, items,
                       &n_items, &fault);
    if (fault.status == CAB_OK)
        poll_check_comments (comments, req->n_comments, info->document_ids, info->n_documents,
                             &fault);
    if (fault.status != CAB_OK)
        return vote_call_fault (call, &fault);
    poll_answer_in_t in = {
        .info = info,
        .respondent_id = vote_call_user (call),
        .items = items,
        .n_items = n_items,
        .comments = comments,
        .n_comments = req->n_comments,
    };
    if (info->poll->signature_required && !s_signed (call, req->signature, signed_at, &in))
        return call->status;
    Cabinet__V1__PollAnswer *answer = NULL;
    vote_fault_clear (&fault);
    cab_status_t status = poll_store_answer (w->polls, call->arena, &in, idem_p, &fault, &answer);
    if (status != CAB_OK)
        return vote_call_fail (call, status, &fault);
    return cab_call_reply (call, answer);
}

cab_status_t
poll_list_answers (cab_call_t *call, const ProtobufCMessage *request)
{
    const Cabinet__V1__ListAnswersRequest *req = (const Cabinet__V1__ListAnswersRequest *) request;
    vote_worker_t *w = vote_call_worker (call);
    poll_info_t *info = NULL;
    unsigned roles = 0;
    if (s_poll (call, req->poll_id, true, &info, &roles) != CAB_OK)
        return call->status;
    int limit = 0;
    if (!s_cursor (call, req->cursor)
        || !s_limit (call, req->has_limit, req->limit, ANSWERS_MAX, &limit))
        return call->status;
    //  The creator and the office read every answer; a respondent their own.
    vote_fault_t fault;
    poll_may_read_all (roles, &fault);
    const char *only = fault.status == CAB_OK ? NULL : vote_call_user (call);
    Cabinet__V1__PollAnswerList *list = NULL;
    cab_status_t status =
        poll_store_answers (w->polls, call->arena, info, only, req->cursor, limit, &list);
    if (status != CAB_OK)
        return vote_call_fail (call, status, NULL);
    return cab_call_reply (call, list);
}

cab_status_t
poll_results (cab_call_t *call, const ProtobufCMessage *request)
{
    const Cabinet__V1__PollIdRequest *req = (const Cabinet__V1__PollIdRequest *) request;
    vote_worker_t *w = vote_call_worker (call);
    poll_info_t *info = NULL;
    unsigned roles = 0;
    if (s_poll (call, req->poll_id, true, &info, &roles) != CAB_OK)
        return call->status;
    vote_fault_t fault;
    poll_may_read_results (roles, info->state, &fault);
    if (fault.status != CAB_OK)
        return vote_call_fault (call, &fault);
    bool managers = roles & (POLL_ROLE_CREATOR | POLL_ROLE_OFFICE);
    Cabinet__V1__PollResults *results = NULL;
    cab_status_t status = poll_store_results (w->polls, call->arena, info, managers, &results);
    if (status != CAB_OK)
        return vote_call_fail (call, status, NULL);
    return cab_call_reply (call, results);
}

cab_status_t
poll_overdue (cab_call_t *call, const ProtobufCMessage *request)
{
    const Cabinet__V1__PollIdRequest *req = (const Cabinet__V1__PollIdRequest *) request;
    vote_worker_t *w = vote_call_worker (call);
    poll_info_t *info = NULL;
    unsigned roles = 0;
    if (s_poll (call, req->poll_id, false, &info, &roles) != CAB_OK)
        return call->status;
    vote_fault_t fault;
    poll_may_read_all (roles, &fault);
    if (fault.status != CAB_OK)
        return vote_call_fault (call, &fault);
    Cabinet__V1__PollOverdue *overdue = NULL;
    cab_status_t status = poll_store_pending (w->polls, call->arena, info, &overdue);
    if (status != CAB_OK)
        return vote_call_fail (call, status, NULL);
    return cab_call_reply (call, overdue);
}
