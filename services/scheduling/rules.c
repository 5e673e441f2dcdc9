/*  rules - the scheduling service's pure decisions (see rules.h).
    Everything here is a function of its arguments: no I/O, no clock, no
    globals but constant tables.  */
#include "rules.h"
#include "cab_utf8.h"
#include "cab_uuid.h"
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#define SECONDS_PER_MINUTE 60LL
#define SECONDS_PER_HOUR 3600LL
#define SECONDS_PER_DAY 86400LL
#define BIT(s) (1u << (unsigned) (s))

void
sched_fault_clear (sched_fault_t *fault)
{
    fault->status = CAB_OK;
    fault->field = NULL;
    fault->message[0] = '\0';
}

cab_status_t
sched_fault_set (sched_fault_t *fault, cab_status_t status, const char *field, const char *fmt, ...)
{
    fault->status = status;
    fault->field = field;
    va_list args;
    va_start (args, fmt);
    vsnprintf (fault->message, sizeof fault->message, fmt, args);
    va_end (args);
    return status;
}

/* ---- names ------------------------------------------------------------------- */

static const char *const s_status_names[SCHED_STATUS_COUNT] = {
    [SCHED_DRAFT] = "draft",         [SCHED_PENDING_APPROVAL] = "pending_approval",
    [SCHED_APPROVED] = "approved",   [SCHED_REJECTED] = "rejected",
    [SCHED_CANCELLED] = "cancelled", [SCHED_IN_PROGRESS] = "in_progress",
    [SCHED_ENDED] = "ended",
};

static const char *const s_status_labels[SCHED_STATUS_COUNT] = {
    [SCHED_DRAFT] = "Nháp",
    [SCHED_PENDING_APPROVAL] = "Chờ phê duyệt",
    [SCHED_APPROVED] = "Đã phê duyệt",
    [SCHED_REJECTED] = "Bị từ chối",
    [SCHED_CANCELLED] = "Đã hủy",
    [SCHED_IN_PROGRESS] = "Đang họp",
    [SCHED_ENDED] = "Đã kết thúc",
};

//  Index of name in names[0..n), or -1.
static int
s_lookup (const char *const *names, int n, const char *name)
{
    if (!name)
        return -1;
    for (int i = 0; i < n; i++)
        if (names[i] && strcmp (names[i], name) == 0)
            return i;
    return -1;
}

const char *
sched_status_name (sched_status_t status)
{
    return (unsigned) status < SCHED_STATUS_COUNT ? s_status_names[status] : "";
}

const char *
sched_status_label (sched_status_t status)
{
    return (unsigned) status < SCHED_STATUS_COUNT ? s_status_labels[status] : "";
}

bool
sched_status_parse (const char *name, sched_status_t *status)
{
    int i = s_lookup (s_status_names, SCHED_STATUS_COUNT, name);
    if (i < 0)
        return false;
    *status = (sched_status_t) i;
    return true;
}

static const char *const s_action_names[SCHED_ACTION_COUNT] = {
    [SCHED_SUBMIT] = "submit", [SCHED_APPROVE] = "approve",
    [SCHED_REJECT] = "reject", [SCHED_UNAPPROVE] = "unapprove",
    [SCHED_CANCEL] = "cancel", [SCHED_START] = "start",
    [SCHED_END] = "end",
};

static const char *const s_action_events[SCHED_ACTION_COUNT] = {
    [SCHED_SUBMIT] = "meeting.submitted", [SCHED_APPROVE] = "meeting.approved",
    [SCHED_REJECT] = "meeting.rejected",  [SCHED_UNAPPROVE] = "meeting.unapproved",
    [SCHED_CANCEL] = "meeting.cancelled", [SCHED_START] = "meeting.started",
    [SCHED_END] = "meeting.ended",
};

const char *
sched_action_name (sched_action_t action)
{
    return (unsigned) action < SCHED_ACTION_COUNT ? s_action_names[action] : "";
}

const char *
sched_action_event (sched_action_t action)
{
    return (unsigned) action < SCHED_ACTION_COUNT ? s_action_events[action] : "";
}

bool
sched_action_needs_reason (sched_action_t action)
{
    return action == SCHED_REJECT || action == SCHED_UNAPPROVE || action == SCHED_CANCEL;
}

/* ---- the state machine ---------------------------------------------------------
    One row per (action, set of statuses it starts from): where it leads and
    who may do it. Every status x action x role outcome follows from this
    table; tests/scheduling/test_transitions.c spells each one out.  */

typedef struct {
    sched_action_t action;
    unsigned from;  //  BIT(status) set
    sched_status_t to;
    unsigned roles;      //  SCHED_ROLE_* allowed
    const char *denied;  //  to other roles from these statuses
} s_transition_t;

static const s_transition_t s_transitions[] = {
    {SCHED_SUBMIT, BIT (SCHED_DRAFT) | BIT (SCHED_REJECTED), SCHED_PENDING_APPROVAL,
     SCHED_ROLE_CLERK, "Chỉ văn thư của đơn vị chủ trì được gửi duyệt cuộc họp"},
    {SCHED_APPROVE, BIT (SCHED_PENDING_APPROVAL), SCHED_APPROVED, SCHED_ROLE_APPROVER,
     "Chỉ người phê duyệt của cuộc họp được phê duyệt"},
    {SCHED_REJECT, BIT (SCHED_PENDING_APPROVAL), SCHED_REJECTED, SCHED_ROLE_APPROVER,
     "Chỉ người phê duyệt của cuộc họp được từ chối"},
    {SCHED_UNAPPROVE, BIT (SCHED_APPROVED), SCHED_PENDING_APPROVAL,
     SCHED_ROLE_CHAIR | SCHED_ROLE_SECRETARY,
     "Chỉ chủ trì hoặc thư ký cuộc họp được rút lại phê duyệt"},
    //  A clerk may drop their own unsubmitted work; once submitted, the
    //  meeting belongs to its chair and secretary.
    {SCHED_CANCEL, BIT (SCHED_DRAFT) | BIT (SCHED_REJECTED), SCHED_CANCELLED,
     SCHED_ROLE_CLERK | SCHED_ROLE_CHAIR | SCHED_ROLE_SECRETARY,
     "Chỉ văn thư, chủ trì hoặc thư ký được hủy cuộc họp chưa gửi duyệt"},
    {SCHED_CANCEL, BIT (SCHED_PENDING_APPROVAL) | BIT (SCHED_APPROVED), SCHED_CANCELLED,
     SCHED_ROLE_CHAIR | SCHED_ROLE_SECRETARY,
     "Cuộc họp đã gửi duyệt: chỉ chủ trì hoặc thư ký được hủy"},
    {SCHED_START, BIT (SCHED_APPROVED), SCHED_IN_PROGRESS, SCHED_ROLE_CHAIR | SCHED_ROLE_SECRETARY,
     "Chỉ chủ trì hoặc thư ký được bắt đầu cuộc họp"},
    {SCHED_END, BIT (SCHED_IN_PROGRESS), SCHED_ENDED, SCHED_ROLE_CHAIR | SCHED_ROLE_SECRETARY,
     "Chỉ chủ trì hoặc thư ký được kết thúc cuộc họp"},
};

#define TRANSITION_COUNT (sizeof s_transitions / sizeof s_transitions[0])

//  Per action: who may ever do it, and which statuses it needs.
static const char *const s_never[SCHED_ACTION_COUNT] = {
    [SCHED_SUBMIT] = "Chỉ văn thư của đơn vị chủ trì được gửi duyệt cuộc họp",
    [SCHED_APPROVE] = "Chỉ người phê duyệt của cuộc họp được phê duyệt",
    [SCHED_REJECT] = "Chỉ người phê duyệt của cuộc họp được từ chối",
    [SCHED_UNAPPROVE] = "Chỉ chủ trì hoặc thư ký cuộc họp được rút lại phê duyệt",
    [SCHED_CANCEL] = "Chỉ chủ trì, thư ký hoặc văn thư đăng ký được hủy cuộc họp",
    [SCHED_START] = "Chỉ chủ trì hoặc thư ký được bắt đầu cuộc họp",
    [SCHED_END] = "Chỉ chủ trì hoặc thư ký được kết thúc cuộc họp",
};

static const char *const s_needs[SCHED_ACTION_COUNT] = {
    [SCHED_SUBMIT] = "Chỉ gửi duyệt được cuộc họp ở trạng thái Nháp hoặc Bị từ chối",
    [SCHED_APPROVE] = "Chỉ phê duyệt được cuộc họp đang chờ phê duyệt",
    [SCHED_REJECT] = "Chỉ từ chối được cuộc họp đang chờ phê duyệt",
    [SCHED_UNAPPROVE] = "Chỉ rút lại phê duyệt được cuộc họp đã phê duyệt và chưa bắt đầu",
    [SCHED_CANCEL] = "Không thể hủy cuộc họp đã bắt đầu, đã kết thúc hoặc đã hủy",
    [SCHED_START] = "Chỉ bắt đầu được cuộc họp đã phê duyệt",
    [SCHED_END] = "Chỉ kết thúc được cuộc họp đang diễn ra",
};

void
sched_transition (sched_action_t action, sched_status_t from, unsigned roles, sched_status_t *to,
                  sched_fault_t *fault)
{
    sched_fault_clear (fault);
    if ((unsigned) action >= SCHED_ACTION_COUNT || (unsigned) from >= SCHED_STATUS_COUNT) {
        sched_fault_set (fault, CAB_INVALID_ARGUMENT, NULL, "Thao tác không hợp lệ");
        return;
    }
    unsigned ever = 0;
    const s_transition_t *row = NULL;
    for (size_t i = 0; i < TRANSITION_COUNT; i++) {
        if (s_transitions[i].action != action)
            continue;
        ever |= s_transitions[i].roles;
        if (s_transitions[i].from & BIT (from))
            row = &s_transitions[i];
    }
    if (!(roles & ever)) {
        sched_fault_set (fault, CAB_PERMISSION_DENIED, NULL, "%s", s_never[action]);
        return;
    }
    if (!row) {
        sched_fault_set (fault, CAB_ABORTED, "status", "%s; cuộc họp đang ở trạng thái «%s»",
                         s_needs[action], sched_status_label (from));
        return;
    }
    if (!(roles & row->roles)) {
        sched_fault_set (fault, CAB_PERMISSION_DENIED, NULL, "%s", row->denied);
        return;
    }
    *to = row->to;
}

#define EDIT_ALL 0x7FF

typedef struct {
    unsigned from;
    unsigned roles;
    unsigned fields;
    const char *denied;
} s_edit_t;

static const s_edit_t s_edits[] = {
    {BIT (SCHED_DRAFT) | BIT (SCHED_REJECTED), SCHED_ROLE_CLERK, EDIT_ALL,
     "Cuộc họp chưa gửi duyệt: chỉ văn thư của đơn vị chủ trì được sửa"},
    {BIT (SCHED_PENDING_APPROVAL), SCHED_ROLE_APPROVER, SCHED_EDIT_APPROVER_FIELDS,
     "Cuộc họp đang chờ phê duyệt: chỉ người phê duyệt được sửa"},
};

void
sched_may_edit (sched_status_t status, unsigned roles, unsigned fields, sched_fault_t *fault)
{
    sched_fault_clear (fault);
    unsigned ever = 0;
    const s_edit_t *row = NULL;
    for (size_t i = 0; i < sizeof s_edits / sizeof s_edits[0]; i++) {
        ever |= s_edits[i].roles;
        if ((unsigned) status < SCHED_STATUS_COUNT && (s_edits[i].from & BIT (status)))
            row = &s_edits[i];
    }
    if (!(roles & ever)) {
        sched_fault_set (fault, CAB_PERMISSION_DENIED, NULL,
                         "Chỉ văn thư đăng ký hoặc người phê duyệt được sửa cuộc họp");
        return;
    }
    if (!row) {
        sched_fault_set (fault, CAB_ABORTED, "status",
                         "Chỉ sửa được cuộc họp ở trạng thái Nháp, Bị từ chối hoặc Chờ phê duyệt; "
                         "cuộc họp đang ở trạng thái «%s»",
                         sched_status_label (status));
        return;
    }
    if (!(roles & row->roles)) {
        sched_fault_set (fault, CAB_PERMISSION_DENIED, NULL, "%s", row->denied);
        return;
    }
    if (fields & ~row->fields)
        sched_fault_set (fault, CAB_PERMISSION_DENIED, NULL,
                         "Người phê duyệt chỉ được sửa tiêu đề, nội dung và thành phần tham dự");
}

bool
sched_may_view (unsigned roles, bool published, bool system_admin)
{
    if (system_admin)
        return true;
    if (roles & (SCHED_ROLE_CLERK | SCHED_ROLE_APPROVER | SCHED_ROLE_CHAIR | SCHED_ROLE_SECRETARY))
        return true;
    //  Invitations go out at approval: before that, invitees know nothing.
    return published && (roles & (SCHED_ROLE_INVITEE | SCHED_ROLE_UNIT_CLERK | SCHED_ROLE_STAFF));
}

bool
sched_may_see_attendance (unsigned roles, bool system_admin)
{
    return system_admin
           || (roles
               & (SCHED_ROLE_CLERK | SCHED_ROLE_APPROVER | SCHED_ROLE_CHAIR
                  | SCHED_ROLE_SECRETARY));
}

void
sched_may_roll_call (sched_status_t status, unsigned roles, sched_fault_t *fault)
{
    sched_fault_clear (fault);
    if (!(roles & (SCHED_ROLE_SECRETARY | SCHED_ROLE_CHAIR)))
        sched_fault_set (fault, CAB_PERMISSION_DENIED, NULL,
                         "Chỉ thư ký hoặc chủ trì cuộc họp được điểm danh");
    else if (status != SCHED_APPROVED && status != SCHED_IN_PROGRESS)
        sched_fault_set (fault, CAB_ABORTED, "status",
                         "Chỉ điểm danh được cuộc họp đã phê duyệt hoặc đang diễn ra; "
                         "cuộc họp đang ở trạng thái «%s»",
                         sched_status_label (status));
}

void
sched_may_check_in (sched_status_t status, unsigned roles, sched_fault_t *fault)
{
    sched_fault_clear (fault);
    if (!(roles & SCHED_ROLE_INVITEE))
        sched_fault_set (fault, CAB_PERMISSION_DENIED, NULL,
                         "Chỉ người được mời tham dự mới điểm danh được");
    else if (status != SCHED_IN_PROGRESS)
        sched_fault_set (fault, CAB_ABORTED, "status",
                         "Chỉ điểm danh được khi cuộc họp đang diễn ra; "
                         "cuộc họp đang ở trạng thái «%s»",
                         sched_status_label (status));
}

void
sched_may_name_attendees (sched_status_t status, unsigned roles, sched_fault_t *fault)
{
    sched_fault_clear (fault);
    if (!(roles & SCHED_ROLE_UNIT_CLERK))
        sched_fault_set (fault, CAB_PERMISSION_DENIED, "unit_id",
                         "Chỉ văn thư của đơn vị được mời mới cử được người dự họp");
    else if (status != SCHED_APPROVED && status != SCHED_IN_PROGRESS)
        sched_fault_set (fault, CAB_ABORTED, "status",
                         "Chỉ cử người dự được khi cuộc họp đã phê duyệt hoặc đang diễn ra; "
                         "cuộc họp đang ở trạng thái «%s»",
                         sched_status_label (status));
}

void
sched_may_mark_secret (sched_status_t status, unsigned roles, sched_fault_t *fault)
{
    sched_fault_clear (fault);
    if (!(roles & SCHED_ROLE_CHAIR))
        sched_fault_set (fault, CAB_PERMISSION_DENIED, NULL,
                         "Chỉ chủ trì cuộc họp được đánh dấu hoặc bỏ đánh dấu họp mật");
    else if (status == SCHED_ENDED || status == SCHED_CANCELLED || status == SCHED_REJECTED)
        sched_fault_set (fault, CAB_ABORTED, "status",
                         "Cuộc họp đang ở trạng thái «%s»: không đổi được chế độ họp mật nữa",
                         sched_status_label (status));
}

/* ---- the acting person --------------------------------------------------------- */

unsigned
sched_roles_of (const sched_actor_t *actor, const sched_people_t *people)
{
    unsigned roles = 0;
    if (!actor->user_id)
        return 0;
    if (cab_same_id (actor->user_id, people->created_by)
        || (actor->clerk && cab_same_id (actor->unit_id, people->host_unit_id)))
        roles |= SCHED_ROLE_CLERK;
    if (cab_same_id (actor->user_id, people->approver_id))
        roles |= SCHED_ROLE_APPROVER;
    if (cab_same_id (actor->user_id, people->chair_id))
        roles |= SCHED_ROLE_CHAIR;
    if (cab_same_id (actor->user_id, people->secretary_id))
        roles |= SCHED_ROLE_SECRETARY;
    if (people->invitee)
        roles |= SCHED_ROLE_INVITEE;
    if (people->unit_invited && actor->clerk)
        roles |= SCHED_ROLE_UNIT_CLERK;
    if (people->staff)
        roles |= SCHED_ROLE_STAFF;
    return roles;
}

bool
sched_may_create_meeting (const sched_actor_t *actor)
{
    return actor->user_id && actor->unit_id && actor->clerk;
}

/* ---- lead times ---------------------------------------------------------------------- */

static const char *const s_type_names[SCHED_TYPE_COUNT] = {
    [SCHED_TYPE_REGULAR] = "regular",
    [SCHED_TYPE_URGENT] = "urgent",
    [SCHED_TYPE_EMERGENCY] = "emergency",
};

static const char *const s_type_labels[SCHED_TYPE_COUNT] = {
    [SCHED_TYPE_REGULAR] = "cuộc họp thường",
    [SCHED_TYPE_URGENT] = "cuộc họp khẩn",
    [SCHED_TYPE_EMERGENCY] = "cuộc họp đột xuất",
};

const char *
sched_type_name (sched_type_t type)
{
    return (unsigned) type < SCHED_TYPE_COUNT ? s_type_names[type] : "";
}

const char *
sched_type_label (sched_type_t type)
{
    return (unsigned) type < SCHED_TYPE_COUNT ? s_type_labels[type] : "";
}

bool
sched_type_parse (const char *name, sched_type_t *type)
{
    int i = s_lookup (s_type_names, SCHED_TYPE_COUNT, name);
    if (i < 0)
        return false;
    *type = (sched_type_t) i;
    return true;
}

bool
sched_form_valid (const char *form)
{
    static const char *const forms[] = {"in_person", "online", "hybrid"};
    return s_lookup (forms, 3, form) >= 0;
}

static const char *const s_rule_names[SCHED_RULE_COUNT] = {
    [SCHED_RULE_NOTICE] = "notice",
    [SCHED_RULE_REPLY] = "reply",
    [SCHED_RULE_DOCUMENTS] = "documents",
    [SCHED_RULE_SUPPORT] = "support",
};

//  What each rule asks, for the violation text ("… phải … trước giờ họp").
static const char *const s_rule_texts[SCHED_RULE_COUNT] = {
    [SCHED_RULE_NOTICE] = "Giấy mời họp phải được phê duyệt và gửi",
    [SCHED_RULE_REPLY] = "Đại biểu phải trả lời giấy mời",
    [SCHED_RULE_DOCUMENTS] = "Tài liệu họp phải được gửi",
    [SCHED_RULE_SUPPORT] = "Yêu cầu hỗ trợ (thiết bị, tài khoản) phải được gửi",
};

const char *
sched_rule_name (sched_rule_t rule)
{
    return (unsigned) rule < SCHED_RULE_COUNT ? s_rule_names[rule] : "";
}

bool
sched_rule_parse (const char *name, sched_rule_t *rule)
{
    int i = s_lookup (s_rule_names, SCHED_RULE_COUNT, name);
    if (i < 0)
        return false;
    *rule = (sched_rule_t) i;
    return true;
}

int64_t
sched_due (const sched_leads_t *leads, sched_rule_t rule, sched_type_t type, int64_t start)
{
    return start - leads->seconds[rule][type];
}

bool
sched_in_time (const sched_leads_t *leads, sched_rule_t rule, sched_type_t type, int64_t start,
               int64_t at)
{
    return at <= sched_due (leads, rule, type, start);
}

int64_t
sched_late_seconds (const sched_leads_t *leads, sched_rule_t rule, sched_type_t type, int64_t start,
                    int64_t at)
{
    int64_t late = at - sched_due (leads, rule, type, start);
    return late > 0 ? late : 0;
}

//  "3 ngày", "5 giờ", "1 ngày 2 giờ", "45 phút", "10 giây" into buf.
static void
s_duration (int64_t seconds, char *buf, size_t cap)
{
    int64_t days = seconds / SECONDS_PER_DAY;
    int64_t hours = seconds % SECONDS_PER_DAY / SECONDS_PER_HOUR;
    int64_t minutes = seconds % SECONDS_PER_HOUR / SECONDS_PER_MINUTE;
    if (days && hours)
        snprintf (buf, cap, "%lld ngày %lld giờ", (long long) days, (long long) hours);
    else if (days)
        snprintf (buf, cap, "%lld ngày", (long long) days);
    else if (hours && minutes)
        snprintf (buf, cap, "%lld giờ %lld phút", (long long) hours, (long long) minutes);
    else if (hours)
        snprintf (buf, cap, "%lld giờ", (long long) hours);
    else if (minutes)
        snprintf (buf, cap, "%lld phút", (long long) minutes);
    else
        snprintf (buf, cap, "%lld giây", (long long) seconds);
}

const char *
sched_violation_text (sched_rule_t rule, sched_type_t type, int64_t lead_seconds,
                      int64_t late_seconds, char *buf, size_t cap)
{
    char lead[48], late[48];
    s_duration (lead_seconds, lead, sizeof lead);
    s_duration (late_seconds, late, sizeof late);
    snprintf (buf, cap, "%s trước giờ họp ít nhất %s (%s); trễ %s",
              (unsigned) rule < SCHED_RULE_COUNT ? s_rule_texts[rule] : "", lead,
              sched_type_label (type), late);
    return buf;
}

void
sched_check_start_in_future (int64_t start, int64_t now, sched_fault_t *fault)
{
    sched_fault_clear (fault);
    if (start <= now)
        sched_fault_set (fault, CAB_FAILED_PRECONDITION, "start_at",
                         "Thời gian bắt đầu cuộc họp đã qua");
}

void
sched_check_approve_time (int64_t start, int64_t now, sched_fault_t *fault)
{
    sched_fault_clear (fault);
    if (now >= start)
        sched_fault_set (fault, CAB_FAILED_PRECONDITION, "start_at",
                         "Cuộc họp đã đến giờ bắt đầu: không thể phê duyệt; "
                         "hãy đổi thời gian họp trước");
}

/* ---- input shapes -------------------------------------------------------------------- */

static bool
s_blank (const char *s)
{
    for (; *s; s++)
        if (*s != ' ' && *s != '\t' && *s != '\n' && *s != '\r')
            return false;
    return true;
}

//  Control characters other than line breaks and tabs (which long texts
//  such as an agenda may hold).
static bool
s_has_control (const char *s, bool multiline)
{
    for (; *s; s++) {
        unsigned char c = (unsigned char) *s;
        if (multiline && (c == '\n' || c == '\r' || c == '\t'))
            continue;
        if (c < 0x20 || c == 0x7f)
            return true;
    }
    return false;
}

void
sched_check_title (const char *s, sched_fault_t *fault)
{
    sched_fault_clear (fault);
    if (!s || s_blank (s))
        sched_fault_set (fault, CAB_INVALID_ARGUMENT, "title", "Vui lòng nhập tiêu đề cuộc họp");
    else if (cab_utf8_length (s) > SCHED_TITLE_MAX)
        sched_fault_set (fault, CAB_INVALID_ARGUMENT, "title",
                         "Tiêu đề không được dài quá %d ký tự", SCHED_TITLE_MAX);
    else if (s_has_control (s, false))
        sched_fault_set (fault, CAB_INVALID_ARGUMENT, "title", "Tiêu đề chứa ký tự không hợp lệ");
}

void
sched_check_content (const char *s, sched_fault_t *fault)
{
    sched_fault_clear (fault);
    if (!s)
        return;
    if (cab_utf8_length (s) > SCHED_CONTENT_MAX)
        sched_fault_set (fault, CAB_INVALID_ARGUMENT, "content",
                         "Nội dung không được dài quá %d ký tự", SCHED_CONTENT_MAX);
    else if (s_has_control (s, true))
        sched_fault_set (fault, CAB_INVALID_ARGUMENT, "content",
                         "Nội dung chứa ký tự không hợp lệ");
}

void
sched_check_reason (const char *field, const char *s, bool required, sched_fault_t *fault)
{
    sched_fault_clear (fault);
    if (!s || s_blank (s)) {
        if (required)
            sched_fault_set (fault, CAB_INVALID_ARGUMENT, field, "Vui lòng nêu lý do");
        return;
    }
    if (cab_utf8_length (s) > SCHED_REASON_MAX)
        sched_fault_set (fault, CAB_INVALID_ARGUMENT, field, "Lý do không được dài quá %d ký tự",
                         SCHED_REASON_MAX);
    else if (s_has_control (s, true))
        sched_fault_set (fault, CAB_INVALID_ARGUMENT, field, "Lý do chứa ký tự không hợp lệ");
}

void
sched_check_name (const char *s, sched_fault_t *fault)
{
    sched_fault_clear (fault);
    if (!s || s_blank (s))
        sched_fault_set (fault, CAB_INVALID_ARGUMENT, "name", "Vui lòng nhập tên");
    else if (cab_utf8_length (s) > SCHED_NAME_MAX)
        sched_fault_set (fault, CAB_INVALID_ARGUMENT, "name", "Tên không được dài quá %d ký tự",
                         SCHED_NAME_MAX);
    else if (s_has_control (s, false))
        sched_fault_set (fault, CAB_INVALID_ARGUMENT, "name", "Tên chứa ký tự không hợp lệ");
}

void
sched_check_times (const char *start, const char *end, int64_t *start_out, int64_t *end_out,
                   sched_fault_t *fault)
{
    sched_fault_clear (fault);
    static const char bad[] =
        "Thời gian phải theo RFC 3339 và có múi giờ, ví dụ 2026-12-01T08:00:00+07:00";
    if (!start || !*start) {
        sched_fault_set (fault, CAB_INVALID_ARGUMENT, "start_at",
                         "Vui lòng nhập thời gian bắt đầu");
        return;
    }
    if (!end || !*end) {
        sched_fault_set (fault, CAB_INVALID_ARGUMENT, "end_at", "Vui lòng nhập thời gian kết thúc");
        return;
    }
    if (!cab_time_parse (start, start_out)) {
        sched_fault_set (fault, CAB_INVALID_ARGUMENT, "start_at", "%s", bad);
        return;
    }
    if (!cab_time_parse (end, end_out)) {
        sched_fault_set (fault, CAB_INVALID_ARGUMENT, "end_at", "%s", bad);
        return;
    }
    if (*end_out <= *start_out)
        sched_fault_set (fault, CAB_INVALID_ARGUMENT, "end_at",
                         "Thời gian kết thúc phải sau thời gian bắt đầu");
}

void
sched_check_id (const char *field, const char *id, bool required, sched_fault_t *fault)
{
    sched_fault_clear (fault);
    if (!id || !*id) {
        if (required)
            sched_fault_set (fault, CAB_INVALID_ARGUMENT, field, "Thiếu mã định danh");
        return;
    }
    if (!cab_uuid_valid (id))
        sched_fault_set (fault, CAB_INVALID_ARGUMENT, field, "Mã định danh không hợp lệ");
}

void
sched_check_invitees (const sched_invitee_t *items, size_t n, sched_fault_t *fault)
{
    sched_fault_clear (fault);
    if (n > SCHED_PARTICIPANTS_MAX) {
        sched_fault_set (fault, CAB_INVALID_ARGUMENT, "participants",
                         "Không mời quá %d người hoặc đơn vị trong một cuộc họp",
                         SCHED_PARTICIPANTS_MAX);
        return;
    }
    for (size_t i = 0; i < n; i++) {
        bool user = items[i].user_id && *items[i].user_id;
        bool unit = items[i].unit_id && *items[i].unit_id;
        if (user == unit) {
            sched_fault_set (fault, CAB_INVALID_ARGUMENT, "participants",
                             "Mỗi thành phần mời là một người (user_id) hoặc một đơn vị (unit_id)");
            return;
        }
        const char *id = user ? items[i].user_id : items[i].unit_id;
        if (!cab_uuid_valid (id)) {
            sched_fault_set (fault, CAB_INVALID_ARGUMENT, "participants",
                             "Mã định danh trong thành phần mời không hợp lệ");
            return;
        }
        for (size_t j = 0; j < i; j++) {
            const char *other =
                items[j].user_id && *items[j].user_id ? items[j].user_id : items[j].unit_id;
            bool other_user = items[j].user_id && *items[j].user_id;
            if (other_user == user && cab_same_id (id, other)) {
                sched_fault_set (fault, CAB_INVALID_ARGUMENT, "participants",
                                 "Thành phần mời bị trùng");
                return;
            }
        }
    }
}

void
sched_check_id_list (const char *field, char *const *ids, size_t n, size_t max,
                     sched_fault_t *fault)
{
    sched_fault_clear (fault);
    if (n > max) {
        sched_fault_set (fault, CAB_INVALID_ARGUMENT, field, "Danh sách quá dài (tối đa %zu)", max);
        return;
    }
    for (size_t i = 0; i < n; i++) {
        if (!ids[i] || !cab_uuid_valid (ids[i])) {
            sched_fault_set (fault, CAB_INVALID_ARGUMENT, field, "Mã định danh không hợp lệ");
            return;
        }
        for (size_t j = 0; j < i; j++)
            if (cab_same_id (ids[i], ids[j])) {
                sched_fault_set (fault, CAB_INVALID_ARGUMENT, field, "Danh sách có người bị trùng");
                return;
            }
    }
}

/* ---- who may hold which place ---------------------------------------------------- */

static bool
s_in_line (const char *unit_id, char *const *line, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (cab_same_id (unit_id, line[i]))
            return true;
    return false;
}

void
sched_check_officer (sched_officer_t which, const sched_person_t *person, const char *node_id,
                     char *const *host_line, size_t n_line, sched_fault_t *fault)
{
    static const char *const fields[] = {"chair_id", "secretary_id", "approver_id"};
    static const char *const names[] = {"Người chủ trì", "Thư ký", "Người phê duyệt"};
    sched_fault_clear (fault);
    const char *field = fields[which];
    if (!person) {
        sched_fault_set (fault, CAB_NOT_FOUND, field, "%s không tồn tại trong danh bạ của hệ thống",
                         names[which]);
        return;
    }
    if (!person->active) {
        sched_fault_set (fault, CAB_FAILED_PRECONDITION, field, "%s không còn hoạt động",
                         names[which]);
        return;
    }
    if (!person->node_id || !node_id || strcmp (person->node_id, node_id) != 0) {
        sched_fault_set (fault, CAB_FAILED_PRECONDITION, field,
                         "%s phải là người của hệ thống (nút) tổ chức cuộc họp", names[which]);
        return;
    }
    if (!s_in_line (person->unit_id, host_line, n_line)) {
        sched_fault_set (fault, CAB_FAILED_PRECONDITION, field,
                         "%s phải thuộc đơn vị chủ trì cuộc họp hoặc đơn vị cấp trên",
                         names[which]);
        return;
    }
    if (which == SCHED_OFFICER_APPROVER
        && !cab_roles_has (person->roles, person->n_roles, "approver"))
        sched_fault_set (fault, CAB_FAILED_PRECONDITION, field,
                         "Người được chọn không có vai trò lãnh đạo phê duyệt");
}

void
sched_check_staff (const char *field, const sched_person_t *person, const char *node_id,
                   const char *preparer_unit_id, sched_fault_t *fault)
{
    sched_fault_clear (fault);
    if (!person) {
        sched_fault_set (fault, CAB_NOT_FOUND, field, "Không tìm thấy người được chọn");
        return;
    }
    if (!person->active) {
        sched_fault_set (fault, CAB_FAILED_PRECONDITION, field,
                         "Người được chọn không còn hoạt động");
        return;
    }
    if (!person->node_id || !node_id || strcmp (person->node_id, node_id) != 0) {
        sched_fault_set (fault, CAB_FAILED_PRECONDITION, field,
                         "Người chuẩn bị tài liệu và người hỗ trợ phải là người của hệ thống "
                         "tổ chức cuộc họp");
        return;
    }
    if (preparer_unit_id && *preparer_unit_id && !cab_same_id (person->unit_id, preparer_unit_id))
        sched_fault_set (fault, CAB_FAILED_PRECONDITION, field,
                         "Người chuẩn bị tài liệu phải thuộc đơn vị chuẩn bị tài liệu");
}

void
sched_check_invited_person (const sched_person_t *person, sched_fault_t *fault)
{
    sched_fault_clear (fault);
    if (!person)
        sched_fault_set (fault, CAB_NOT_FOUND, "participants",
                         "Không tìm thấy người được mời trong danh bạ");
    else if (!person->active)
        sched_fault_set (fault, CAB_FAILED_PRECONDITION, "participants",
                         "Người được mời không còn hoạt động");
}

/* ---- replies ----------------------------------------------------------------------- */

static const char *const s_reply_names[] = {
    [SCHED_REPLY_PENDING] = "pending",
    [SCHED_REPLY_ATTEND] = "attend",
    [SCHED_REPLY_DECLINE] = "decline",
    [SCHED_REPLY_DELEGATE] = "delegate",
};

const char *
sched_reply_name (sched_reply_t reply)
{
    return (unsigned) reply <= SCHED_REPLY_DELEGATE ? s_reply_names[reply] : "";
}

bool
sched_reply_parse (const char *name, sched_reply_t *reply)
{
    int i = s_lookup (s_reply_names, SCHED_REPLY_DELEGATE + 1, name);
    if (i < 0)
        return false;
    *reply = (sched_reply_t) i;
    return true;
}

void
sched_check_reply_input (const char *response, const char *reason, const char *delegate_user_id,
                         sched_fault_t *fault)
{
    sched_fault_clear (fault);
    sched_reply_t reply;
    if (!sched_reply_parse (response, &reply) || reply == SCHED_REPLY_PENDING) {
        sched_fault_set (fault, CAB_INVALID_ARGUMENT, "response",
                         "Trả lời phải là attend (tham dự), decline (không tham dự) hoặc "
                         "delegate (cử người dự thay)");
        return;
    }
    bool delegating = reply == SCHED_REPLY_DELEGATE;
    sched_check_reason ("reason", reason, reply != SCHED_REPLY_ATTEND, fault);
    if (fault->status != CAB_OK) {
        if (!reason || s_blank (reason))
            sched_fault_set (fault, CAB_INVALID_ARGUMENT, "reason",
                             delegating ? "Vui lòng nêu lý do cử người dự thay"
                                        : "Vui lòng nêu lý do không tham dự");
        return;
    }
    bool named = delegate_user_id && *delegate_user_id;
    if (delegating && !named)
        sched_fault_set (fault, CAB_INVALID_ARGUMENT, "delegate_user_id",
                         "Vui lòng chọn người dự thay");
    else if (!delegating && named)
        sched_fault_set (fault, CAB_INVALID_ARGUMENT, "delegate_user_id",
                         "Chỉ chọn người dự thay khi trả lời delegate");
    else if (named && !cab_uuid_valid (delegate_user_id))
        sched_fault_set (fault, CAB_INVALID_ARGUMENT, "delegate_user_id",
                         "Mã người dự thay không hợp lệ");
}

void
sched_check_reply_state (sched_status_t status, int64_t now, int64_t end, sched_reply_t current,
                         bool is_delegate, sched_reply_t response, sched_fault_t *fault)
{
    sched_fault_clear (fault);
    if (status == SCHED_ENDED || status == SCHED_CANCELLED
        || ((status == SCHED_APPROVED || status == SCHED_IN_PROGRESS) && now >= end))
        sched_fault_set (fault, CAB_ABORTED, "status",
                         "Cuộc họp đã kết thúc hoặc đã hủy: không thể trả lời giấy mời");
    else if (status != SCHED_APPROVED && status != SCHED_IN_PROGRESS)
        sched_fault_set (fault, CAB_ABORTED, "status",
                         "Giấy mời chưa được phát hành (cuộc họp chưa được phê duyệt)");
    else if (current == SCHED_REPLY_DELEGATE)
        sched_fault_set (fault, CAB_ABORTED, "response",
                         "Bạn đã cử người dự thay: không thể trả lời lại");
    else if (is_delegate && response == SCHED_REPLY_DELEGATE)
        sched_fault_set (fault, CAB_FAILED_PRECONDITION, "response",
                         "Người dự thay không được cử tiếp người khác");
}

void
sched_check_stand_in (const char *field, const sched_person_t *invitee,
                      const sched_person_t *person, bool already_invited, sched_fault_t *fault)
{
    sched_fault_clear (fault);
    if (!person) {
        sched_fault_set (fault, CAB_NOT_FOUND, field, "Không tìm thấy người dự thay");
        return;
    }
    if (cab_same_id (person->id, invitee->id)) {
        sched_fault_set (fault, CAB_INVALID_ARGUMENT, field, "Người dự thay phải là người khác");
        return;
    }
    if (!person->active) {
        sched_fault_set (fault, CAB_FAILED_PRECONDITION, field,
                         "Người dự thay không còn hoạt động");
        return;
    }
    if (!cab_same_id (person->unit_id, invitee->unit_id)) {
        sched_fault_set (fault, CAB_FAILED_PRECONDITION, field,
                         "Người dự thay phải cùng đơn vị với người được mời");
        return;
    }
    if (already_invited)
        sched_fault_set (fault, CAB_ALREADY_EXISTS, field,
                         "Người này đã có trong thành phần mời của cuộc họp");
}

/* ---- roll call and support ------------------------------------------------------------ */

static const char *const s_attendance_names[] = {
    [SCHED_PRESENT] = "present",
    [SCHED_ABSENT] = "absent",
    [SCHED_SUBSTITUTE] = "substitute",
};

const char *
sched_attendance_name (sched_attendance_t a)
{
    return (unsigned) a <= SCHED_SUBSTITUTE ? s_attendance_names[a] : "";
}

bool
sched_attendance_parse (const char *name, sched_attendance_t *a)
{
    int i = s_lookup (s_attendance_names, SCHED_SUBSTITUTE + 1, name);
    if (i < 0)
        return false;
    *a = (sched_attendance_t) i;
    return true;
}

void
sched_check_roll_call_input (const char *status, const char *reason, const char *substitute_user_id,
                             sched_fault_t *fault)
{
    sched_fault_clear (fault);
    sched_attendance_t a;
    if (!sched_attendance_parse (status, &a)) {
        sched_fault_set (fault, CAB_INVALID_ARGUMENT, "status",
                         "Trạng thái điểm danh phải là present (có mặt), absent (vắng) hoặc "
                         "substitute (có người dự thay)");
        return;
    }
    sched_check_reason ("reason", reason, a != SCHED_PRESENT, fault);
    if (fault->status != CAB_OK) {
        if (!reason || s_blank (reason))
            sched_fault_set (fault, CAB_INVALID_ARGUMENT, "reason",
                             a == SCHED_ABSENT ? "Vui lòng nêu lý do vắng mặt"
                                               : "Vui lòng nêu lý do dự thay");
        return;
    }
    bool named = substitute_user_id && *substitute_user_id;
    if (a == SCHED_SUBSTITUTE && !named)
        sched_fault_set (fault, CAB_INVALID_ARGUMENT, "substitute_user_id",
                         "Vui lòng chọn người dự thay");
    else if (a != SCHED_SUBSTITUTE && named)
        sched_fault_set (fault, CAB_INVALID_ARGUMENT, "substitute_user_id",
                         "Chỉ chọn người dự thay khi điểm danh substitute");
    else if (named && !cab_uuid_valid (substitute_user_id))
        sched_fault_set (fault, CAB_INVALID_ARGUMENT, "substitute_user_id",
                         "Mã người dự thay không hợp lệ");
}

void
sched_check_support_input (const char *kind, const char *note, sched_fault_t *fault)
{
    static const char *const kinds[] = {"device", "account", "other"};
    sched_fault_clear (fault);
    if (s_lookup (kinds, 3, kind) < 0)
        sched_fault_set (fault, CAB_INVALID_ARGUMENT, "kind",
                         "Loại hỗ trợ phải là device (thiết bị), account (tài khoản) hoặc other");
    else if (note && cab_utf8_length (note) > SCHED_NOTE_MAX)
        sched_fault_set (fault, CAB_INVALID_ARGUMENT, "note", "Ghi chú không được dài quá %d ký tự",
                         SCHED_NOTE_MAX);
    else if (note && s_has_control (note, true))
        sched_fault_set (fault, CAB_INVALID_ARGUMENT, "note", "Ghi chú chứa ký tự không hợp lệ");
}

void
sched_check_support_state (sched_status_t status, int64_t now, int64_t start, sched_fault_t *fault)
{
    sched_fault_clear (fault);
    if (status != SCHED_APPROVED || now >= start)
        sched_fault_set (fault, CAB_ABORTED, "status",
                         "Chỉ gửi yêu cầu hỗ trợ trước khi cuộc họp (đã phê duyệt) bắt đầu");
}

/* ---- catalogs ------------------------------------------------------------------------ */

static const char *const s_catalog_names[SCHED_CATALOG_COUNT] = {
    [SCHED_CATALOG_ROOMS] = "rooms",         [SCHED_CATALOG_FORMS] = "forms",
    [SCHED_CATALOG_TYPES] = "types",         [SCHED_CATALOG_FIELDS] = "fields",
    [SCHED_CATALOG_DOC_TYPES] = "doc-types", [SCHED_CATALOG_DOC_FIELDS] = "doc-fields",
};

const char *
sched_catalog_name (sched_catalog_t kind)
{
    return (unsigned) kind < SCHED_CATALOG_COUNT ? s_catalog_names[kind] : "";
}

bool
sched_catalog_parse (const char *name, sched_catalog_t *kind)
{
    int i = s_lookup (s_catalog_names, SCHED_CATALOG_COUNT, name);
    if (i < 0)
        return false;
    *kind = (sched_catalog_t) i;
    return true;
}

void
sched_may_add_catalog (const sched_actor_t *actor, sched_catalog_t kind, const char *unit_id,
                       sched_fault_t *fault)
{
    sched_fault_clear (fault);
    if (kind == SCHED_CATALOG_FORMS || kind == SCHED_CATALOG_TYPES) {
        sched_fault_set (
            fault, CAB_FAILED_PRECONDITION, "kind",
            "Danh mục hình thức và loại cuộc họp do quy định cố định, không thêm được");
        return;
    }
    if (actor->system_admin)
        return;
    if (kind == SCHED_CATALOG_ROOMS && actor->unit_admin && cab_same_id (actor->unit_id, unit_id))
        return;
    sched_fault_set (fault, CAB_PERMISSION_DENIED, NULL,
                     kind == SCHED_CATALOG_ROOMS
                         ? "Chỉ quản trị hệ thống hoặc quản trị của đơn vị được thêm phòng họp"
                         : "Chỉ quản trị hệ thống được quản lý danh mục này");
}

/* ---- times and text ---------------------------------------------------------------- */

bool
sched_cursor_parse (const char *s, int64_t *start, char id[37])
{
    if (!s)
        return false;
    const char *sep = strchr (s, '_');
    if (!sep || sep == s || sep - s > 20 || strlen (sep + 1) != 36)
        return false;
    int64_t v = 0;
    const char *p = s;
    bool minus = *p == '-';
    if (minus)
        p++;
    if (p == sep)
        return false;
    for (; p < sep; p++) {
        if (*p < '0' || *p > '9')
            return false;
        v = v * 10 + (*p - '0');
    }
    if (!cab_uuid_valid (sep + 1))
        return false;
    *start = minus ? -v : v;
    memcpy (id, sep + 1, 37);
    return true;
}
