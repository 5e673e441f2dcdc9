/*  poll_rules - the pure decisions of opinion polls (see poll_rules.h).
    Everything here is a function of its arguments: no I/O, no clock, no
    globals but constant tables.  */
#include "poll_rules.h"
#include "cab_utf8.h"
#include "cab_uuid.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DAY_S 86400

static bool
s_is (const char *a, const char *b)
{
    return a && b && strcmp (a, b) == 0;
}

/* ---- who ------------------------------------------------------------------------------ */

void
poll_may_create (const cab_actor_t *actor, vote_fault_t *fault)
{
    vote_fault_clear (fault);
    if (!actor->user_id || !(actor->system_admin || actor->clerk || actor->approver))
        vote_fault_set (fault, CAB_PERMISSION_DENIED, NULL,
                        "Chỉ văn thư, lãnh đạo và quản trị hệ thống được tạo phiếu lấy ý kiến");
}

unsigned
poll_roles (const cab_actor_t *actor, const char *creator_id, const char *creator_unit_id,
            bool respondent)
{
    unsigned roles = 0;
    if (!actor->user_id)
        return 0;
    if (cab_same_id (actor->user_id, creator_id))
        roles |= POLL_ROLE_CREATOR;
    if (actor->system_admin
        || ((actor->clerk || actor->approver) && cab_same_id (actor->unit_id, creator_unit_id)))
        roles |= POLL_ROLE_OFFICE;
    if (respondent)
        roles |= POLL_ROLE_RESPONDENT;
    return roles;
}

/* ---- states ----------------------------------------------------------------------------- */

static const char *const s_states[] = {[POLL_DRAFT] = "draft",
                                       [POLL_OPEN] = "open",
                                       [POLL_CLOSED] = "closed",
                                       [POLL_ARCHIVED] = "archived"};

const char *
poll_state_name (poll_state_t state)
{
    return state <= POLL_ARCHIVED ? s_states[state] : "";
}

bool
poll_state_parse (const char *name, poll_state_t *state)
{
    for (int i = POLL_DRAFT; i <= POLL_ARCHIVED; i++)
        if (s_is (name, s_states[i])) {
            *state = (poll_state_t) i;
            return true;
        }
    return false;
}

poll_state_t
poll_effective_state (poll_state_t stored, int64_t deadline, int64_t now)
{
    return stored == POLL_OPEN && deadline <= now ? POLL_CLOSED : stored;
}

static const char s_not_found[] = "Không tìm thấy phiếu lấy ý kiến";

void
poll_may_see (unsigned roles, poll_state_t state, vote_fault_t *fault)
{
    vote_fault_clear (fault);
    if (roles & (POLL_ROLE_CREATOR | POLL_ROLE_OFFICE))
        return;
    if ((roles & POLL_ROLE_RESPONDENT) && state != POLL_DRAFT)
        return;
    vote_fault_set (fault, CAB_NOT_FOUND, "poll_id", s_not_found);
}

void
poll_may_manage (unsigned roles, poll_state_t state, vote_fault_t *fault)
{
    poll_may_see (roles, state, fault);
    if (fault->status == CAB_OK && !(roles & POLL_ROLE_CREATOR))
        vote_fault_set (fault, CAB_PERMISSION_DENIED, NULL,
                        "Chỉ người tạo phiếu lấy ý kiến được sửa, gửi, kết thúc, lưu trữ hoặc "
                        "xóa phiếu");
}

void
poll_may_read_all (unsigned roles, vote_fault_t *fault)
{
    vote_fault_clear (fault);
    if (!(roles & (POLL_ROLE_CREATOR | POLL_ROLE_OFFICE)))
        vote_fault_set (fault, CAB_PERMISSION_DENIED, NULL,
                        "Chỉ người tạo phiếu và văn phòng được xem ý kiến của mọi người");
}

void
poll_may_read_results (unsigned roles, poll_state_t state, vote_fault_t *fault)
{
    vote_fault_clear (fault);
    if (roles & (POLL_ROLE_CREATOR | POLL_ROLE_OFFICE))
        return;
    if (state != POLL_CLOSED && state != POLL_ARCHIVED)
        vote_fault_set (fault, CAB_ABORTED, NULL,
                        "Kết quả lấy ý kiến được công bố cho người trả lời sau khi phiếu kết thúc");
}

void
poll_may_edit (poll_state_t state, vote_fault_t *fault)
{
    vote_fault_clear (fault);
    if (state != POLL_DRAFT)
        vote_fault_set (fault, CAB_ABORTED, NULL,
                        "Phiếu lấy ý kiến đã được gửi: không sửa hay xóa được nữa");
}

void
poll_may_send (poll_state_t state, int64_t deadline, int64_t now, vote_fault_t *fault)
{
    vote_fault_clear (fault);
    if (state != POLL_DRAFT)
        vote_fault_set (fault, CAB_ABORTED, NULL, "Phiếu lấy ý kiến đã được gửi");
    else if (deadline <= now)
        vote_fault_set (fault, CAB_FAILED_PRECONDITION, "deadline",
                        "Đã quá hạn trả lời của phiếu; không gửi được phiếu đã hết hạn");
}

void
poll_may_close (poll_state_t state, vote_fault_t *fault)
{
    vote_fault_clear (fault);
    if (state == POLL_DRAFT)
        vote_fault_set (fault, CAB_ABORTED, NULL, "Phiếu lấy ý kiến chưa được gửi");
    else if (state != POLL_OPEN)
        vote_fault_set (fault, CAB_ABORTED, NULL, "Phiếu lấy ý kiến đã kết thúc");
}

void
poll_may_archive (poll_state_t state, vote_fault_t *fault)
{
    vote_fault_clear (fault);
    if (state == POLL_ARCHIVED)
        vote_fault_set (fault, CAB_ABORTED, NULL, "Phiếu lấy ý kiến đã được lưu trữ");
    else if (state != POLL_CLOSED)
        vote_fault_set (fault, CAB_ABORTED, NULL, "Chỉ lưu trữ phiếu lấy ý kiến đã kết thúc");
}

void
poll_may_answer (poll_state_t state, unsigned roles, vote_fault_t *fault)
{
    vote_fault_clear (fault);
    if (!(roles & POLL_ROLE_RESPONDENT)) {
        vote_fault_set (fault, CAB_PERMISSION_DENIED, NULL,
                        "Bạn không thuộc danh sách được lấy ý kiến của phiếu này");
        fault->code = "not_respondent";
        return;
    }
    if (state == POLL_OPEN)
        return;
    if (state == POLL_DRAFT)
        vote_fault_set (fault, CAB_ABORTED, NULL, "Phiếu lấy ý kiến chưa được gửi");
    else
        vote_fault_set (fault, CAB_ABORTED, NULL,
                        "Phiếu lấy ý kiến đã hết hạn hoặc đã kết thúc, không nhận thêm ý kiến");
    fault->code = "poll_not_open";
}

/* ---- inputs ------------------------------------------------------------------------------ */

static void
s_text (const char *field, const char *label, const char *s, bool required, size_t max, bool lines,
        vote_fault_t *fault)
{
    vote_fault_clear (fault);
    if (!s || vote_text_blank (s)) {
        if (required)
            vote_fault_set (fault, CAB_INVALID_ARGUMENT, field, "Vui lòng nhập %s", label);
    } else if (cab_utf8_length (s) > max)
        vote_fault_set (fault, CAB_INVALID_ARGUMENT, field, "%s không được dài quá %zu ký tự",
                        label, max);
    else if (vote_text_has_control (s, lines))
        vote_fault_set (fault, CAB_INVALID_ARGUMENT, field, "%s chứa ký tự điều khiển không hợp lệ",
                        label);
}

void
poll_check_title (const char *title, vote_fault_t *fault)
{
    s_text ("title", "tiêu đề phiếu lấy ý kiến", title, true, POLL_TITLE_MAX, false, fault);
}

void
poll_check_description (const char *description, vote_fault_t *fault)
{
    s_text ("description", "nội dung", description, false, POLL_DESCRIPTION_MAX, true, fault);
}

void
poll_check_deadline (int64_t deadline, int64_t now, vote_fault_t *fault)
{
    vote_fault_clear (fault);
    if (deadline <= now)
        vote_fault_set (fault, CAB_INVALID_ARGUMENT, "deadline",
                        "Hạn trả lời phải sau thời điểm hiện tại");
    else if (deadline - now > (int64_t) POLL_DEADLINE_MAX_DAYS * DAY_S)
        vote_fault_set (fault, CAB_INVALID_ARGUMENT, "deadline",
                        "Hạn trả lời không được xa quá %d ngày", POLL_DEADLINE_MAX_DAYS);
}

const char *
poll_kind_name (poll_kind_t kind)
{
    return kind == POLL_TEXT ? "text" : "choice";
}

bool
poll_kind_parse (const char *name, poll_kind_t *kind)
{
    if (s_is (name, "choice"))
        *kind = POLL_CHOICE;
    else if (s_is (name, "text"))
        *kind = POLL_TEXT;
    else
        return false;
    return true;
}

void
poll_check_question (size_t index, const poll_question_t *q, vote_fault_t *fault)
{
    size_t no = index + 1;
    vote_fault_clear (fault);
    if (!q->text || vote_text_blank (q->text))
        vote_fault_set (fault, CAB_INVALID_ARGUMENT, "questions", "Câu hỏi thứ %zu đang để trống",
                        no);
    else if (cab_utf8_length (q->text) > POLL_QUESTION_TEXT_MAX)
        vote_fault_set (fault, CAB_INVALID_ARGUMENT, "questions",
                        "Câu hỏi thứ %zu không được dài quá %d ký tự", no, POLL_QUESTION_TEXT_MAX);
    else if (vote_text_has_control (q->text, true))
        vote_fault_set (fault, CAB_INVALID_ARGUMENT, "questions",
                        "Câu hỏi thứ %zu chứa ký tự điều khiển không hợp lệ", no);
    if (fault->status != CAB_OK)
        return;
    if (q->kind == POLL_TEXT) {
        if (q->n_options || q->multiple)
            vote_fault_set (fault, CAB_INVALID_ARGUMENT, "questions",
                            "Câu hỏi thứ %zu là câu trả lời tự do, không có phương án lựa chọn",
                            no);
        else if (q->max_length < 0 || q->max_length > POLL_TEXT_MAX)
            vote_fault_set (fault, CAB_INVALID_ARGUMENT, "questions",
                            "Độ dài tối đa của câu trả lời thứ %zu phải từ 1 đến %d ký tự", no,
                            POLL_TEXT_MAX);
        return;
    }
    if (q->max_length) {
        vote_fault_set (fault, CAB_INVALID_ARGUMENT, "questions",
                        "Câu hỏi lựa chọn thứ %zu không dùng độ dài tối đa", no);
        return;
    }
    if (q->n_options < POLL_OPTIONS_MIN || q->n_options > POLL_OPTIONS_MAX) {
        vote_fault_set (fault, CAB_INVALID_ARGUMENT, "questions",
                        "Câu hỏi thứ %zu phải có từ %d đến %d phương án", no, POLL_OPTIONS_MIN,
                        POLL_OPTIONS_MAX);
        return;
    }
    for (size_t i = 0; i < q->n_options && fault->status == CAB_OK; i++) {
        const char *o = q->options[i];
        if (!o || vote_text_blank (o))
            vote_fault_set (fault, CAB_INVALID_ARGUMENT, "questions",
                            "Phương án thứ %zu của câu hỏi thứ %zu đang để trống", i + 1, no);
        else if (cab_utf8_length (o) > POLL_OPTION_MAX)
            vote_fault_set (fault, CAB_INVALID_ARGUMENT, "questions",
                            "Phương án thứ %zu của câu hỏi thứ %zu dài quá %d ký tự", i + 1, no,
                            POLL_OPTION_MAX);
        else if (vote_text_has_control (o, false))
            vote_fault_set (fault, CAB_INVALID_ARGUMENT, "questions",
                            "Phương án thứ %zu của câu hỏi thứ %zu phải nằm trên một dòng", i + 1,
                            no);
        else
            for (size_t j = 0; j < i; j++)
                if (strcmp (q->options[j], o) == 0) {
                    vote_fault_set (fault, CAB_INVALID_ARGUMENT, "questions",
                                    "Câu hỏi thứ %zu có phương án «%s» bị lặp lại", no, o);
                    break;
                }
    }
}

void
poll_check_question_count (size_t n, vote_fault_t *fault)
{
    vote_fault_clear (fault);
    if (n == 0)
        vote_fault_set (fault, CAB_INVALID_ARGUMENT, "questions",
                        "Phiếu lấy ý kiến phải có ít nhất một câu hỏi");
    else if (n > POLL_QUESTIONS_MAX)
        vote_fault_set (fault, CAB_INVALID_ARGUMENT, "questions",
                        "Phiếu lấy ý kiến có tối đa %d câu hỏi", POLL_QUESTIONS_MAX);
}

void
poll_check_documents (char *const *ids, size_t n, vote_fault_t *fault)
{
    vote_fault_clear (fault);
    if (n > POLL_DOCUMENTS_MAX) {
        vote_fault_set (fault, CAB_INVALID_ARGUMENT, "document_ids",
                        "Phiếu lấy ý kiến kèm tối đa %d tài liệu", POLL_DOCUMENTS_MAX);
        return;
    }
    for (size_t i = 0; i < n; i++) {
        if (!ids[i] || !cab_uuid_valid (ids[i])) {
            vote_fault_set (fault, CAB_INVALID_ARGUMENT, "document_ids",
                            "Mã tài liệu thứ %zu không hợp lệ", i + 1);
            return;
        }
        for (size_t j = 0; j < i; j++)
            if (cab_same_id (ids[i], ids[j])) {
                vote_fault_set (fault, CAB_INVALID_ARGUMENT, "document_ids",
                                "Tài liệu thứ %zu được đính kèm hai lần", i + 1);
                return;
            }
    }
}

void
poll_check_targets (const poll_target_in_t *targets, size_t n, bool required, vote_fault_t *fault)
{
    vote_fault_clear (fault);
    if (n == 0 && required) {
        vote_fault_set (fault, CAB_INVALID_ARGUMENT, "targets",
                        "Vui lòng chọn người hoặc cơ quan được lấy ý kiến");
        return;
    }
    if (n > POLL_TARGETS_MAX) {
        vote_fault_set (fault, CAB_INVALID_ARGUMENT, "targets",
                        "Mỗi phiếu gửi tối đa %d người hoặc cơ quan", POLL_TARGETS_MAX);
        return;
    }
    for (size_t i = 0; i < n; i++) {
        const char *user = targets[i].user_id && *targets[i].user_id ? targets[i].user_id : NULL;
        const char *unit = targets[i].unit_id && *targets[i].unit_id ? targets[i].unit_id : NULL;
        const char *id = user ? user : unit;
        if ((user != NULL) == (unit != NULL) || !cab_uuid_valid (id)) {
            vote_fault_set (fault, CAB_INVALID_ARGUMENT, "targets",
                            "Người nhận thứ %zu phải có đúng một mã người dùng (user_id) hoặc "
                            "mã cơ quan (unit_id) hợp lệ",
                            i + 1);
            return;
        }
        for (size_t j = 0; j < i; j++)
            if (cab_same_id (targets[j].user_id, user) || cab_same_id (targets[j].unit_id, unit)) {
                vote_fault_set (fault, CAB_INVALID_ARGUMENT, "targets",
                                "Người nhận thứ %zu bị lặp lại", i + 1);
                return;
            }
    }
}

/* ---- answers ------------------------------------------------------------------------------ */

//  An answer refused (400, field "answers") with a finer code; evaluates
//  to the status. A macro, so the compiler checks each message's format.
#define s_answer_fault(fault, fault_code, ...)                                                     \
    s_coded (vote_fault_set ((fault), CAB_INVALID_ARGUMENT, "answers", __VA_ARGS__), (fault),      \
             (fault_code))

//  Set fault's code; returns status.
static cab_status_t
s_coded (cab_status_t status, vote_fault_t *fault, const char *code)
{
    fault->code = code;
    return status;
}

static int
s_question_index (const poll_question_t *qs, size_t nq, const char *id)
{
    for (size_t i = 0; id && i < nq; i++)
        if (cab_same_id (qs[i].id, id))
            return (int) i;
    return -1;
}

static int
s_option_index (const poll_question_t *q, const char *option)
{
    for (size_t i = 0; option && i < q->n_options; i++)
        if (strcmp (q->options[i], option) == 0)
            return (int) i;
    return -1;
}

static int
s_int_cmp (const void *a, const void *b)
{
    return *(const int *) a - *(const int *) b;
}

//  One item read against its question into out. Returns the status.
static cab_status_t
s_read_item (const poll_question_t *q, size_t qi, const poll_item_in_t *in, poll_item_t *out,
             vote_fault_t *fault)
{
    size_t no = qi + 1;
    out->question = qi;
    out->n_choices = 0;
    out->text = NULL;
    if (q->kind == POLL_TEXT) {
        if (in->n_choices)
            return s_answer_fault (fault, "answer_kind",
                                   "Câu hỏi thứ %zu cần câu trả lời bằng lời, không chọn phương án",
                                   no);
        if (in->text && cab_utf8_length (in->text) > (size_t) q->max_length) {
            vote_fault_set (fault, CAB_INVALID_ARGUMENT, "answers",
                            "Câu trả lời cho câu hỏi thứ %zu dài quá %d ký tự", no, q->max_length);
            fault->code = "text_too_long";
            return fault->status;
        }
        if (vote_text_has_control (in->text, true))
            return s_answer_fault (fault, NULL,
                                   "Câu trả lời cho câu hỏi thứ %zu chứa ký tự điều khiển không "
                                   "hợp lệ",
                                   no);
        out->text = in->text && !vote_text_blank (in->text) ? in->text : NULL;
        return CAB_OK;
    }
    if (in->text && *in->text)
        return s_answer_fault (fault, "answer_kind",
                               "Câu hỏi thứ %zu là câu hỏi lựa chọn: hãy chọn phương án", no);
    if (in->n_choices > 1 && !q->multiple)
        return s_answer_fault (fault, "too_many_choices",
                               "Câu hỏi thứ %zu chỉ được chọn một phương án", no);
    if (in->n_choices > q->n_options)
        return s_answer_fault (fault, "too_many_choices",
                               "Câu hỏi thứ %zu có phương án được chọn hai lần", no);
    for (size_t i = 0; i < in->n_choices; i++) {
        int index = s_option_index (q, in->choices[i]);
        if (index < 0) {
            vote_fault_set (fault, CAB_INVALID_ARGUMENT, "answers",
                            "Phương án «%s» không có trong câu hỏi thứ %zu",
                            in->choices[i] ? in->choices[i] : "", no);
            fault->code = "option_not_offered";
            return fault->status;
        }
        for (size_t j = 0; j < out->n_choices; j++)
            if (out->choices[j] == index)
                return s_answer_fault (fault, "too_many_choices",
                                       "Câu hỏi thứ %zu có phương án được chọn hai lần", no);
        out->choices[out->n_choices++] = index;
    }
    qsort (out->choices, out->n_choices, sizeof out->choices[0], s_int_cmp);
    return CAB_OK;
}

void
poll_read_answers (const poll_question_t *questions, size_t nq, const poll_item_in_t *items,
                   size_t n, poll_item_t *out, size_t *n_out, vote_fault_t *fault)
{
    vote_fault_clear (fault);
    *n_out = 0;
    //  Which item answers each question (-1: none).
    int *by_question = calloc (nq ? nq : 1, sizeof *by_question);
    if (!by_question) {
        vote_fault_set (fault, CAB_INTERNAL, NULL, "Hết bộ nhớ");
        return;
    }
    for (size_t i = 0; i < nq; i++)
        by_question[i] = -1;
    for (size_t i = 0; i < n && fault->status == CAB_OK; i++) {
        int qi = s_question_index (questions, nq, items[i].question_id);
        if (qi < 0)
            s_answer_fault (fault, "unknown_question",
                            "Câu trả lời thứ %zu nói tới câu hỏi «%s» không có trong phiếu", i + 1,
                            items[i].question_id ? items[i].question_id : "");
        else if (by_question[qi] >= 0)
            s_answer_fault (fault, NULL, "Câu hỏi thứ %zu được trả lời hai lần", (size_t) qi + 1);
        else
            by_question[qi] = (int) i;
    }
    for (size_t qi = 0; qi < nq && fault->status == CAB_OK; qi++) {
        poll_item_t item;
        bool answered = false;
        if (by_question[qi] >= 0) {
            if (s_read_item (&questions[qi], qi, &items[by_question[qi]], &item, fault) != CAB_OK)
                break;
            answered = item.text || item.n_choices;
        }
        if (!answered && questions[qi].required)
            s_answer_fault (fault, "missing_answer", "Vui lòng trả lời câu hỏi thứ %zu (bắt buộc)",
                            qi + 1);
        else if (answered)
            out[(*n_out)++] = item;
    }
    free (by_question);
}

void
poll_check_comments (const poll_comment_t *comments, size_t n, char *const *documents, size_t nd,
                     vote_fault_t *fault)
{
    vote_fault_clear (fault);
    if (n > POLL_COMMENTS_MAX) {
        vote_fault_set (fault, CAB_INVALID_ARGUMENT, "comments",
                        "Mỗi ý kiến có tối đa %d góp ý trên tài liệu", POLL_COMMENTS_MAX);
        return;
    }
    for (size_t i = 0; i < n; i++) {
        const poll_comment_t *c = &comments[i];
        size_t no = i + 1;
        bool attached = false;
        for (size_t j = 0; j < nd && !attached; j++)
            attached = cab_same_id (documents[j], c->document_id);
        if (!attached) {
            vote_fault_set (fault, CAB_INVALID_ARGUMENT, "comments",
                            "Góp ý thứ %zu nói tới tài liệu không được gửi kèm phiếu này", no);
            fault->code = "document_not_attached";
        } else if (c->page < 0 || c->page > POLL_PAGE_MAX)
            vote_fault_set (fault, CAB_INVALID_ARGUMENT, "comments",
                            "Số trang của góp ý thứ %zu không hợp lệ", no);
        else if (!c->text || vote_text_blank (c->text))
            vote_fault_set (fault, CAB_INVALID_ARGUMENT, "comments",
                            "Góp ý thứ %zu chưa có nội dung", no);
        else if (cab_utf8_length (c->text) > POLL_COMMENT_MAX
                 || (c->quote && cab_utf8_length (c->quote) > POLL_QUOTE_MAX)
                 || (c->suggestion && cab_utf8_length (c->suggestion) > POLL_SUGGESTION_MAX)) {
            vote_fault_set (fault, CAB_INVALID_ARGUMENT, "comments",
                            "Góp ý thứ %zu quá dài (nội dung tối đa %d, đoạn trích %d, đề xuất "
                            "sửa %d ký tự)",
                            no, POLL_COMMENT_MAX, POLL_QUOTE_MAX, POLL_SUGGESTION_MAX);
            fault->code = "text_too_long";
        } else if (vote_text_has_control (c->text, true) || vote_text_has_control (c->quote, true)
                   || vote_text_has_control (c->suggestion, true))
            vote_fault_set (fault, CAB_INVALID_ARGUMENT, "comments",
                            "Góp ý thứ %zu chứa ký tự điều khiển không hợp lệ", no);
        if (fault->status != CAB_OK)
            return;
    }
}

void
poll_check_signature_fields (const char *signature, const char *signed_at, bool required,
                             vote_fault_t *fault)
{
    vote_fault_clear (fault);
    bool has_signature = signature && *signature;
    bool has_time = signed_at && *signed_at;
    if (required && !has_signature) {
        vote_fault_set (fault, CAB_INVALID_ARGUMENT, "signature",
                        "Phiếu lấy ý kiến này yêu cầu chữ ký số trên câu trả lời");
        fault->code = "signature_required";
    } else if (required && !has_time)
        vote_fault_set (fault, CAB_INVALID_ARGUMENT, "signed_at",
                        "Thiếu thời điểm ký (signed_at) của câu trả lời");
    else if (!required && (has_signature || has_time))
        vote_fault_set (fault, CAB_INVALID_ARGUMENT, has_signature ? "signature" : "signed_at",
                        "Phiếu lấy ý kiến này không dùng chữ ký số; vui lòng gửi không kèm chữ ký");
}

/* ---- canonical string ------------------------------------------------------------------- */

typedef struct {
    char *data;
    size_t len;
    size_t cap;
    bool failed;
} s_buf_t;

static void
s_put (s_buf_t *b, const char *s, size_t n)
{
    if (b->failed)
        return;
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (b->len + n + 1 > cap)
            cap *= 2;
        char *data = realloc (b->data, cap);
        if (!data) {
            b->failed = true;
            return;
        }
        b->data = data;
        b->cap = cap;
    }
    memcpy (b->data + b->len, s, n);
    b->len += n;
    b->data[b->len] = '\0';
}

static void
s_puts (s_buf_t *b, const char *s)
{
    s_put (b, s, strlen (s));
}

//  s as a JSON string (JSON.stringify's escaping), or null for NULL.
static void
s_put_json (s_buf_t *b, const char *s)
{
    if (!s) {
        s_puts (b, "null");
        return;
    }
    s_puts (b, "\"");
    for (const unsigned char *p = (const unsigned char *) s; *p; p++) {
        char esc[8];
        switch (*p) {
        case '"':
            s_puts (b, "\\\"");
            break;
        case '\\':
            s_puts (b, "\\\\");
            break;
        case '\b':
            s_puts (b, "\\b");
            break;
        case '\f':
            s_puts (b, "\\f");
            break;
        case '\n':
            s_puts (b, "\\n");
            break;
        case '\r':
            s_puts (b, "\\r");
            break;
        case '\t':
            s_puts (b, "\\t");
            break;
        default:
            if (*p < 0x20) {
                snprintf (esc, sizeof esc, "\\u%04x", *p);
                s_puts (b, esc);
            } else
                s_put (b, (const char *) p, 1);
        }
    }
    s_puts (b, "\"");
}

char *
poll_canonical (const char *poll_id, const char *respondent_id, const char *signed_at,
                const poll_question_t *questions, const poll_item_t *items, size_t n_items,
                const poll_comment_t *comments, size_t n_comments)
{
    s_buf_t b = {0};
    s_puts (&b, POLL_CANONICAL_PREFIX "\n");
    s_puts (&b, poll_id ? poll_id : "");
    s_puts (&b, "\n");
    s_puts (&b, respondent_id ? respondent_id : "");
    s_puts (&b, "\n");
    s_puts (&b, signed_at ? signed_at : "");
    for (size_t i = 0; i < n_items; i++) {
        const poll_item_t *item = &items[i];
        const poll_question_t *q = &questions[item->question];
        s_puts (&b, "\nq ");
        s_puts (&b, q->id);
        s_puts (&b, " ");
        if (q->kind == POLL_TEXT)
            s_put_json (&b, item->text ? item->text : "");
        else {
            s_puts (&b, "[");
            for (size_t k = 0; k < item->n_choices; k++) {
                if (k)
                    s_puts (&b, ",");
                s_put_json (&b, q->options[item->choices[k]]);
            }
            s_puts (&b, "]");
        }
    }
    for (size_t i = 0; i < n_comments; i++) {
        const poll_comment_t *c = &comments[i];
        char page[24];
        snprintf (page, sizeof page, "%d", c->page);
        s_puts (&b, "\nc ");
        s_puts (&b, c->document_id ? c->document_id : "");
        s_puts (&b, " ");
        s_puts (&b, c->page > 0 ? page : "-");
        s_puts (&b, " ");
        s_put_json (&b, c->quote);
        s_puts (&b, " ");
        s_put_json (&b, c->text ? c->text : "");
        s_puts (&b, " ");
        s_put_json (&b, c->suggestion);
    }
    if (b.failed) {
        free (b.data);
        return NULL;
    }
    return b.data;
}
