/*  rules - the voting service's pure decisions (see rules.h). Everything
    here is a function of its arguments: no I/O, no clock, no globals but
    constant tables.  */
#include "rules.h"
#include "cab_actor.h"
#include "cab_utf8.h"
#include "cab_uuid.h"
#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define PERCENT 100.0
#define HUNDREDTHS 100.0

void
vote_fault_clear (vote_fault_t *fault)
{
    fault->status = CAB_OK;
    fault->field = NULL;
    fault->code = NULL;
    fault->message[0] = '\0';
}

cab_status_t
vote_fault_set (vote_fault_t *fault, cab_status_t status, const char *field, const char *fmt, ...)
{
    fault->status = status;
    fault->field = field;
    fault->code = NULL;
    va_list args;
    va_start (args, fmt);
    vsnprintf (fault->message, sizeof fault->message, fmt, args);
    va_end (args);
    return status;
}

static bool
s_is (const char *a, const char *b)
{
    return a && b && strcmp (a, b) == 0;
}

/* ---- the caller in the meeting ------------------------------------------------------- */

void
vote_may_manage (unsigned roles, vote_fault_t *fault)
{
    vote_fault_clear (fault);
    if (!roles)
        vote_fault_set (fault, CAB_NOT_FOUND, NULL, "Không tìm thấy cuộc họp");
    else if (!(roles & (VOTE_ROLE_CHAIR | VOTE_ROLE_SECRETARY)))
        vote_fault_set (fault, CAB_PERMISSION_DENIED, NULL,
                        "Chỉ chủ trì hoặc thư ký cuộc họp được điều hành biểu quyết");
}

void
vote_may_see (unsigned roles, vote_fault_t *fault)
{
    vote_fault_clear (fault);
    if (!roles)
        vote_fault_set (fault, CAB_NOT_FOUND, NULL, "Không tìm thấy cuộc họp");
}

/* ---- states -------------------------------------------------------------------------- */

static const char *const s_states[] = {
    [VOTE_DRAFT] = "draft", [VOTE_OPEN] = "open", [VOTE_CLOSED] = "closed"};

const char *
vote_state_name (vote_state_t state)
{
    return state <= VOTE_CLOSED ? s_states[state] : "";
}

bool
vote_state_parse (const char *name, vote_state_t *state)
{
    for (int i = VOTE_DRAFT; i <= VOTE_CLOSED; i++)
        if (s_is (name, s_states[i])) {
            *state = (vote_state_t) i;
            return true;
        }
    return false;
}

const char *
vote_threshold_name (vote_threshold_t threshold)
{
    return threshold == VOTE_TWO_THIRDS ? "two_thirds" : "majority";
}

bool
vote_threshold_parse (const char *name, vote_threshold_t *threshold)
{
    if (!name || !*name || s_is (name, "majority"))
        *threshold = VOTE_MAJORITY;
    else if (s_is (name, "two_thirds"))
        *threshold = VOTE_TWO_THIRDS;
    else
        return false;
    return true;
}

//  The meeting's status in words, for messages.
static const char *
s_meeting_label (const char *status)
{
    static const struct {
        const char *name;
        const char *label;
    } labels[] = {
        {"draft", "Nháp"},
        {"pending_approval", "Chờ phê duyệt"},
        {"approved", "Đã phê duyệt"},
        {"rejected", "Bị từ chối"},
        {"cancelled", "Đã hủy"},
        {"in_progress", "Đang họp"},
        {"ended", "Đã kết thúc"},
    };
    for (size_t i = 0; i < sizeof labels / sizeof labels[0]; i++)
        if (s_is (status, labels[i].name))
            return labels[i].label;
    return status ? status : "?";
}

void
vote_may_create (const char *meeting_status, vote_fault_t *fault)
{
    vote_fault_clear (fault);
    if (!s_is (meeting_status, "approved") && !s_is (meeting_status, "in_progress"))
        vote_fault_set (fault, CAB_ABORTED, NULL,
                        "Chỉ tạo biểu quyết cho cuộc họp đã phê duyệt hoặc đang diễn ra; "
                        "cuộc họp đang ở trạng thái «%s»",
                        s_meeting_label (meeting_status));
}

void
vote_may_open (vote_state_t state, const char *meeting_status, vote_fault_t *fault)
{
    vote_fault_clear (fault);
    if (state == VOTE_OPEN)
        vote_fault_set (fault, CAB_ABORTED, NULL, "Biểu quyết đã được mở");
    else if (state == VOTE_CLOSED)
        vote_fault_set (fault, CAB_ABORTED, NULL, "Biểu quyết đã kết thúc, không mở lại được");
    else if (!s_is (meeting_status, "in_progress"))
        vote_fault_set (fault, CAB_ABORTED, NULL,
                        "Chỉ mở biểu quyết khi cuộc họp đang diễn ra; cuộc họp đang ở trạng "
                        "thái «%s»",
                        s_meeting_label (meeting_status));
}

void
vote_may_close (vote_state_t state, vote_fault_t *fault)
{
    vote_fault_clear (fault);
    if (state == VOTE_DRAFT)
        vote_fault_set (fault, CAB_ABORTED, NULL, "Biểu quyết chưa được mở");
    else if (state == VOTE_CLOSED)
        vote_fault_set (fault, CAB_ABORTED, NULL, "Biểu quyết đã kết thúc");
}

void
vote_may_add_remote (vote_state_t state, vote_fault_t *fault)
{
    vote_fault_clear (fault);
    if (state == VOTE_CLOSED)
        vote_fault_set (fault, CAB_ABORTED, NULL,
                        "Biểu quyết đã kết thúc, không thêm người biểu quyết từ xa được");
}

void
vote_may_cast (vote_state_t state, const char *meeting_status, vote_fault_t *fault)
{
    vote_fault_clear (fault);
    if (state == VOTE_DRAFT)
        vote_fault_set (fault, CAB_ABORTED, NULL, "Biểu quyết chưa được mở, chưa thể bỏ phiếu");
    else if (state == VOTE_CLOSED)
        vote_fault_set (fault, CAB_ABORTED, NULL, "Biểu quyết đã kết thúc, không nhận thêm phiếu");
    else if (meeting_status && !s_is (meeting_status, "in_progress"))
        vote_fault_set (fault, CAB_ABORTED, NULL,
                        "Cuộc họp đã kết thúc, biểu quyết không nhận thêm phiếu");
    if (fault->status != CAB_OK)
        fault->code = "vote_not_open";
}

void
vote_may_export (vote_state_t state, bool secret, bool signature_required, vote_fault_t *fault)
{
    vote_fault_clear (fault);
    if (secret)
        vote_fault_set (fault, CAB_FAILED_PRECONDITION, NULL,
                        "Biểu quyết kín không lưu chữ ký của từng phiếu, không có gì để xuất");
    else if (!signature_required)
        vote_fault_set (fault, CAB_FAILED_PRECONDITION, NULL,
                        "Biểu quyết này không yêu cầu chữ ký số");
    else if (state != VOTE_CLOSED)
        vote_fault_set (fault, CAB_ABORTED, NULL, "Chỉ xuất phiếu sau khi biểu quyết kết thúc");
}

/* ---- inputs -------------------------------------------------------------------------- */

const char *const vote_default_options[VOTE_DEFAULT_OPTIONS] = {
    "Tán thành",
    "Không tán thành",
    "Không biểu quyết",
};

//  Control characters (C0, DEL, C1); line breaks and tabs pass when lines.
static bool
s_has_control (const char *s, bool lines)
{
    for (const unsigned char *p = (const unsigned char *) s; *p; p++) {
        if (lines && (*p == '\n' || *p == '\r' || *p == '\t'))
            continue;
        if (*p < 0x20 || *p == 0x7f)
            return true;
        //  C1 controls are U+0080..U+009F: 0xC2 0x80..0x9F in UTF-8.
        if (*p == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f)
            return true;
    }
    return false;
}

static bool
s_blank (const char *s)
{
    for (; s && *s; s++)
        if (!isspace ((unsigned char) *s))
            return false;
    return true;
}

bool
vote_text_has_control (const char *s, bool lines)
{
    return s && s_has_control (s, lines);
}

bool
vote_text_blank (const char *s)
{
    return s_blank (s);
}

void
vote_check_id (const char *field, const char *id, bool required, vote_fault_t *fault)
{
    vote_fault_clear (fault);
    if (!id || !*id) {
        if (required)
            vote_fault_set (fault, CAB_INVALID_ARGUMENT, field, "Thiếu mã định danh");
        return;
    }
    if (!cab_uuid_valid (id))
        vote_fault_set (fault, CAB_INVALID_ARGUMENT, field, "Mã định danh không hợp lệ");
}

void
vote_check_id_list (const char *field, char *const *ids, size_t n, size_t max, vote_fault_t *fault)
{
    vote_fault_clear (fault);
    if (n > max) {
        vote_fault_set (fault, CAB_INVALID_ARGUMENT, field, "Danh sách có quá %zu người", max);
        return;
    }
    for (size_t i = 0; i < n; i++)
        if (!ids[i] || !cab_uuid_valid (ids[i])) {
            vote_fault_set (fault, CAB_INVALID_ARGUMENT, field,
                            "Mã định danh thứ %zu trong danh sách không hợp lệ", i + 1);
            return;
        }
}

void
vote_check_question (const char *question, vote_fault_t *fault)
{
    vote_fault_clear (fault);
    if (!question || s_blank (question))
        vote_fault_set (fault, CAB_INVALID_ARGUMENT, "question",
                        "Vui lòng nhập nội dung cần biểu quyết");
    else if (cab_utf8_length (question) > VOTE_QUESTION_MAX)
        vote_fault_set (fault, CAB_INVALID_ARGUMENT, "question",
                        "Nội dung biểu quyết không được dài quá %d ký tự", VOTE_QUESTION_MAX);
    else if (s_has_control (question, true))
        vote_fault_set (fault, CAB_INVALID_ARGUMENT, "question",
                        "Nội dung biểu quyết chứa ký tự điều khiển không hợp lệ");
}

void
vote_check_options (char *const *options, size_t n, vote_fault_t *fault)
{
    vote_fault_clear (fault);
    if (n < VOTE_OPTIONS_MIN || n > VOTE_OPTIONS_MAX) {
        vote_fault_set (fault, CAB_INVALID_ARGUMENT, "options",
                        "Biểu quyết phải có từ %d đến %d phương án", VOTE_OPTIONS_MIN,
                        VOTE_OPTIONS_MAX);
        return;
    }
    for (size_t i = 0; i < n; i++) {
        const char *o = options[i];
        if (!o || s_blank (o))
            vote_fault_set (fault, CAB_INVALID_ARGUMENT, "options",
                            "Phương án thứ %zu đang để trống", i + 1);
        else if (cab_utf8_length (o) > VOTE_OPTION_MAX)
            vote_fault_set (fault, CAB_INVALID_ARGUMENT, "options",
                            "Phương án thứ %zu dài quá %d ký tự", i + 1, VOTE_OPTION_MAX);
        else if (s_has_control (o, false))
            vote_fault_set (fault, CAB_INVALID_ARGUMENT, "options",
                            "Phương án thứ %zu phải nằm trên một dòng, không có ký tự điều khiển",
                            i + 1);
        else
            for (size_t j = 0; j < i; j++)
                if (strcmp (options[j], o) == 0) {
                    vote_fault_set (fault, CAB_INVALID_ARGUMENT, "options",
                                    "Phương án «%s» bị lặp lại", o);
                    break;
                }
        if (fault->status != CAB_OK)
            return;
    }
}

void
vote_check_label (const char *label, vote_fault_t *fault)
{
    vote_fault_clear (fault);
    if (!label || !*label)
        return;
    if (cab_utf8_length (label) > VOTE_LABEL_MAX)
        vote_fault_set (fault, CAB_INVALID_ARGUMENT, "label",
                        "Tên gợi nhớ của khóa không được dài quá %d ký tự", VOTE_LABEL_MAX);
    else if (s_has_control (label, false))
        vote_fault_set (fault, CAB_INVALID_ARGUMENT, "label",
                        "Tên gợi nhớ của khóa chứa ký tự điều khiển không hợp lệ");
}

int
vote_option_index (char *const *options, size_t n, const char *option)
{
    if (!option)
        return -1;
    for (size_t i = 0; i < n; i++)
        if (s_is (options[i], option))
            return (int) i;
    return -1;
}

void
vote_check_ballot (const char *option, const char *signature, const char *signed_at,
                   const char *receipt, bool secret, bool signature_required, vote_fault_t *fault)
{
    vote_fault_clear (fault);
    bool has_signature = signature && *signature;
    bool has_time = signed_at && *signed_at;
    if (!option || !*option)
        vote_fault_set (fault, CAB_INVALID_ARGUMENT, "option", "Vui lòng chọn một phương án");
    else if (signature_required && !has_signature)
        vote_fault_set (fault, CAB_INVALID_ARGUMENT, "signature",
                        "Biểu quyết này yêu cầu chữ ký số trên phiếu");
    else if (signature_required && !has_time)
        vote_fault_set (fault, CAB_INVALID_ARGUMENT, "signed_at",
                        "Thiếu thời điểm ký (signed_at) của phiếu");
    else if (!signature_required && (has_signature || has_time))
        vote_fault_set (fault, CAB_INVALID_ARGUMENT, has_signature ? "signature" : "signed_at",
                        "Biểu quyết này không dùng chữ ký số; vui lòng gửi phiếu không kèm chữ ký");
    else if (receipt && *receipt && !secret)
        vote_fault_set (fault, CAB_INVALID_ARGUMENT, "receipt",
                        "Chỉ biểu quyết kín mới dùng mã biên nhận");
    if (fault->status == CAB_INVALID_ARGUMENT && s_is (fault->field, "signature"))
        fault->code = signature_required ? "signature_required" : NULL;
}

void
vote_check_signed_at (int64_t signed_at, int64_t now, vote_fault_t *fault)
{
    vote_fault_clear (fault);
    int64_t skew = signed_at - now;
    if (skew > VOTE_SKEW_S || skew < -VOTE_SKEW_S) {
        vote_fault_set (fault, CAB_INVALID_ARGUMENT, "signed_at",
                        "Thời điểm ký lệch quá %d phút so với giờ của hệ thống; vui lòng kiểm "
                        "tra đồng hồ thiết bị và ký lại",
                        VOTE_SKEW_S / 60);
        fault->code = "signature_stale";
    }
}

/* ---- who may vote -------------------------------------------------------------------- */

static const char *const s_kinds[] = {[VOTE_VOTER_PRESENT] = "present",
                                      [VOTE_VOTER_SUBSTITUTE] = "substitute",
                                      [VOTE_VOTER_REMOTE] = "remote"};

const char *
vote_voter_kind_name (vote_voter_kind_t kind)
{
    return kind <= VOTE_VOTER_REMOTE ? s_kinds[kind] : "";
}

bool
vote_is_member (const vote_invitee_t *invitee)
{
    return invitee->user_id && !s_is (invitee->response, "delegate");
}

bool
vote_is_attending (const vote_invitee_t *invitee)
{
    return s_is (invitee->attendance, "present")
           || (s_is (invitee->attendance, "substitute") && invitee->substitute_user_id
               && *invitee->substitute_user_id);
}

static bool
s_listed (char *const *ids, size_t n, const char *id)
{
    for (size_t i = 0; i < n; i++)
        if (cab_same_id (ids[i], id))
            return true;
    return false;
}

static bool
s_voter_known (const vote_voter_t *voters, size_t n, const char *user_id)
{
    for (size_t i = 0; i < n; i++)
        if (cab_same_id (voters[i].user_id, user_id))
            return true;
    return false;
}

void
vote_eligible (const vote_invitee_t *invitees, size_t n, char *const *remote, size_t n_remote,
               vote_voter_t *voters, size_t *n_voters, int *members, int *present)
{
    *n_voters = 0;
    *members = 0;
    *present = 0;
    for (size_t i = 0; i < n; i++) {
        const vote_invitee_t *p = &invitees[i];
        if (!vote_is_member (p))
            continue;
        (*members)++;
        vote_voter_t v = {.user_id = p->user_id, .member_id = p->user_id};
        if (s_is (p->attendance, "present"))
            v.kind = VOTE_VOTER_PRESENT;
        else if (vote_is_attending (p)) {
            //  The substitute votes in the member's place.
            v.kind = VOTE_VOTER_SUBSTITUTE;
            v.user_id = p->substitute_user_id;
        } else if (s_listed (remote, n_remote, p->user_id))
            v.kind = VOTE_VOTER_REMOTE;
        else
            continue;
        if (v.kind != VOTE_VOTER_REMOTE)
            (*present)++;
        if (!s_voter_known (voters, *n_voters, v.user_id))
            voters[(*n_voters)++] = v;
    }
}

void
vote_check_remote (const vote_invitee_t *invitees, size_t n, const char *user_id,
                   vote_fault_t *fault)
{
    vote_fault_clear (fault);
    for (size_t i = 0; i < n; i++) {
        const vote_invitee_t *p = &invitees[i];
        if (!cab_same_id (p->user_id, user_id) || !vote_is_member (p))
            continue;
        if (vote_is_attending (p))
            vote_fault_set (fault, CAB_FAILED_PRECONDITION, "user_ids",
                            "Đại biểu này đang có mặt (hoặc có người dự thay) tại cuộc họp, "
                            "không cần biểu quyết từ xa");
        return;
    }
    vote_fault_set (fault, CAB_FAILED_PRECONDITION, "user_ids",
                    "Chỉ thành viên được mời dự cuộc họp mới được biểu quyết từ xa");
}

/* ---- results ------------------------------------------------------------------------- */

double
vote_percent (int part, int whole)
{
    if (whole <= 0)
        return 0.0;
    return round (PERCENT * HUNDREDTHS * part / whole) / HUNDREDTHS;
}

bool
vote_threshold_met (vote_threshold_t threshold, int first_count, int members)
{
    if (members <= 0)
        return false;
    long long c = first_count, m = members;
    if (threshold == VOTE_TWO_THIRDS)
        return 3 * c >= 2 * m;
    return 2 * c > m;
}

void
vote_tally (const int *counts, size_t n, int eligible, int present, vote_result_t *out)
{
    for (size_t i = 0; i < n; i++) {
        out[i].count = counts[i];
        out[i].percent_of_eligible = vote_percent (counts[i], eligible);
        out[i].percent_of_present = vote_percent (counts[i], present);
    }
}

/* ---- canonical string ---------------------------------------------------------------- */

size_t
vote_canonical (char *out, size_t cap, const char *vote_id, const char *option,
                const char *voter_id, const char *signed_at)
{
    int n = snprintf (out, cap, "%s\n%s\n%s\n%s\n%s", VOTE_CANONICAL_PREFIX, vote_id ? vote_id : "",
                      option ? option : "", voter_id ? voter_id : "", signed_at ? signed_at : "");
    return n < 0 ? 0 : (size_t) n;
}
