/*  rules - the documents service's pure decisions (see rules.h).
    Everything here is a function of its arguments: no I/O, no clock, no
    globals but constant tables.  */
#include "rules.h"
#include "cab_utf8.h"
#include "cab_uuid.h"
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <utf8proc.h>

#define SECONDS_PER_MINUTE 60LL
#define SECONDS_PER_HOUR 3600LL
#define HANOI_OFFSET (7 * SECONDS_PER_HOUR)  //  Asia/Ho_Chi_Minh: UTC+7 all year
#define MONTHS_PER_YEAR 12

void
docs_fault_clear (docs_fault_t *fault)
{
    fault->status = CAB_OK;
    fault->field = NULL;
    fault->code = NULL;
    fault->message[0] = '\0';
}

cab_status_t
docs_fault_set (docs_fault_t *fault, cab_status_t status, const char *field, const char *fmt, ...)
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

/* ---- kinds of file ----------------------------------------------------------------- */

typedef struct {
    const char *name;
    const char *mime;
    const char *extension;
    const char *label;  //  for people
} s_type_info_t;

static const s_type_info_t s_types[DOCS_TYPE_COUNT] = {
    [DOCS_TYPE_PDF] = {"pdf", "application/pdf", "pdf", "PDF"},
    [DOCS_TYPE_DOCX] = {"docx",
                        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                        "docx", "Word (.docx)"},
    [DOCS_TYPE_XLSX] = {"xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                        "xlsx", "Excel (.xlsx)"},
    [DOCS_TYPE_PPTX] = {"pptx",
                        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
                        "pptx", "PowerPoint (.pptx)"},
    [DOCS_TYPE_DOC] = {"doc", "application/msword", "doc", "Word 97-2003 (.doc)"},
    [DOCS_TYPE_XLS] = {"xls", "application/vnd.ms-excel", "xls", "Excel 97-2003 (.xls)"},
    [DOCS_TYPE_JPG] = {"jpg", "image/jpeg", "jpg", "ảnh JPEG"},
    [DOCS_TYPE_PNG] = {"png", "image/png", "png", "ảnh PNG"},
};

const char *
docs_type_name (docs_type_t type)
{
    return (unsigned) type < DOCS_TYPE_COUNT ? s_types[type].name : "";
}

const char *
docs_type_mime (docs_type_t type)
{
    return (unsigned) type < DOCS_TYPE_COUNT ? s_types[type].mime : "application/octet-stream";
}

const char *
docs_type_extension (docs_type_t type)
{
    return (unsigned) type < DOCS_TYPE_COUNT ? s_types[type].extension : "bin";
}

bool
docs_type_parse (const char *name, docs_type_t *type)
{
    if (!name)
        return false;
    if (strcasecmp (name, "jpeg") == 0) {
        *type = DOCS_TYPE_JPG;
        return true;
    }
    for (int i = 0; i < DOCS_TYPE_COUNT; i++)
        if (strcasecmp (s_types[i].name, name) == 0) {
            *type = (docs_type_t) i;
            return true;
        }
    return false;
}

bool
docs_types_parse (const char *list, unsigned *mask, char *bad, size_t cap)
{
    *mask = 0;
    if (cap)
        bad[0] = '\0';
    const char *p = list ? list : "";
    while (*p) {
        while (*p == ',' || *p == ' ' || *p == '\t')
            p++;
        const char *start = p;
        while (*p && *p != ',' && *p != ' ' && *p != '\t')
            p++;
        size_t len = (size_t) (p - start);
        if (len == 0)
            continue;
        char name[16];
        docs_type_t type;
        if (len >= sizeof name) {
            snprintf (bad, cap, "%.*s", (int) len, start);
            return false;
        }
        memcpy (name, start, len);
        name[len] = '\0';
        if (!docs_type_parse (name, &type)) {
            snprintf (bad, cap, "%s", name);
            return false;
        }
        *mask |= 1u << type;
    }
    return *mask != 0;
}

//  "pdf, docx, png" for the kinds in mask, into out.
static void
s_type_list (unsigned mask, char *out, size_t cap)
{
    size_t used = 0;
    out[0] = '\0';
    for (int i = 0; i < DOCS_TYPE_COUNT; i++) {
        if (!(mask & (1u << i)))
            continue;
        int n = snprintf (out + used, cap - used, "%s%s", used ? ", " : "", s_types[i].name);
        if (n < 0 || (size_t) n >= cap - used)
            break;
        used += (size_t) n;
    }
}

void
docs_check_type (const char *what, const char *mime, unsigned accepted, docs_fault_t *fault)
{
    docs_fault_clear (fault);
    char list[128];
    s_type_list (accepted, list, sizeof list);
    docs_type_t type;
    docs_audio_t audio;
    if (docs_type_parse (what, &type)) {
        if (accepted & (1u << type))
            return;
        docs_fault_set (fault, CAB_INVALID_ARGUMENT, "file",
                        "Hệ thống không nhận tệp %s. Các loại tệp được nhận: %s",
                        s_types[type].label, list);
    } else if (docs_audio_parse (what, &audio))
        docs_fault_set (fault, CAB_INVALID_ARGUMENT, "file",
                        "Tệp âm thanh không phải là tài liệu. Bản ghi âm cuộc họp được tải lên "
                        "với classification=recording. Các loại tài liệu được nhận: %s",
                        list);
    else if (what && strcmp (what, "exe") == 0)
        docs_fault_set (fault, CAB_INVALID_ARGUMENT, "file",
                        "Tệp này là chương trình chạy được, không được phép tải lên "
                        "(dù tên tệp là gì). Các loại tệp được nhận: %s",
                        list);
    else if (what && strcmp (what, "macro") == 0)
        docs_fault_set (fault, CAB_INVALID_ARGUMENT, "file",
                        "Tệp Office có chứa macro, không được phép tải lên. Vui lòng lưu lại "
                        "thành .docx, .xlsx hoặc .pptx rồi tải lên");
    else if (what && strcmp (what, "zip") == 0)
        docs_fault_set (fault, CAB_INVALID_ARGUMENT, "file",
                        "Tệp nén không được nhận; vui lòng tải lên từng tài liệu. Các loại tệp "
                        "được nhận: %s",
                        list);
    else if (what && strcmp (what, "ole") == 0)
        docs_fault_set (fault, CAB_INVALID_ARGUMENT, "file",
                        "Không nhận ra loại tệp Office 97-2003 này (chỉ nhận .doc và .xls). Các "
                        "loại tệp được nhận: %s",
                        list);
    else
        docs_fault_set (fault, CAB_INVALID_ARGUMENT, "file",
                        "Loại tệp này (%s) không được nhận; loại tệp được xác định theo nội dung, "
                        "không theo tên. Các loại tệp được nhận: %s",
                        mime && *mime ? mime : "không xác định", list);
    fault->code = "unsupported_media_type";
}

/* ---- kinds of audio --------------------------------------------------------------- */

static const s_type_info_t s_audio[DOCS_AUDIO_COUNT] = {
    [DOCS_AUDIO_MP3] = {"mp3", "audio/mpeg", "mp3", "MP3"},
    [DOCS_AUDIO_WAV] = {"wav", "audio/wav", "wav", "WAV"},
    [DOCS_AUDIO_OGG] = {"ogg", "audio/ogg", "ogg", "Ogg Vorbis"},
    [DOCS_AUDIO_OPUS] = {"opus", "audio/ogg", "opus", "Ogg Opus"},
    [DOCS_AUDIO_FLAC] = {"flac", "audio/flac", "flac", "FLAC"},
    [DOCS_AUDIO_M4A] = {"m4a", "audio/mp4", "m4a", "M4A"},
    [DOCS_AUDIO_AAC] = {"aac", "audio/aac", "aac", "AAC"},
    [DOCS_AUDIO_WEBM] = {"webm", "audio/webm", "webm", "WebM (chỉ âm thanh)"},
};

const char *
docs_audio_name (docs_audio_t kind)
{
    return (unsigned) kind < DOCS_AUDIO_COUNT ? s_audio[kind].name : "";
}

const char *
docs_audio_mime (docs_audio_t kind)
{
    return (unsigned) kind < DOCS_AUDIO_COUNT ? s_audio[kind].mime : "application/octet-stream";
}

const char *
docs_audio_extension (docs_audio_t kind)
{
    return (unsigned) kind < DOCS_AUDIO_COUNT ? s_audio[kind].extension : "bin";
}

bool
docs_audio_parse (const char *name, docs_audio_t *kind)
{
    if (!name)
        return false;
    for (int i = 0; i < DOCS_AUDIO_COUNT; i++)
        if (strcasecmp (s_audio[i].name, name) == 0) {
            *kind = (docs_audio_t) i;
            return true;
        }
    return false;
}

const char *
docs_file_extension (const char *file_type)
{
    docs_type_t type;
    docs_audio_t kind;
    if (docs_type_parse (file_type, &type))
        return docs_type_extension (type);
    if (docs_audio_parse (file_type, &kind))
        return docs_audio_extension (kind);
    return "bin";
}

void
docs_check_recording_type (const char *what, const char *mime, docs_fault_t *fault)
{
    docs_fault_clear (fault);
    docs_audio_t kind;
    if (docs_audio_parse (what, &kind))
        return;
    char list[128];
    size_t used = 0;
    list[0] = '\0';
    for (int i = 0; i < DOCS_AUDIO_COUNT; i++) {
        int n =
            snprintf (list + used, sizeof list - used, "%s%s", used ? ", " : "", s_audio[i].label);
        if (n < 0 || (size_t) n >= sizeof list - used)
            break;
        used += (size_t) n;
    }
    docs_type_t type;
    if (docs_type_parse (what, &type))
        docs_fault_set (fault, CAB_INVALID_ARGUMENT, "file",
                        "Bản ghi âm phải là tệp âm thanh; tệp này là %s. Các loại được nhận: %s",
                        s_types[type].label, list);
    else if (what && strcmp (what, "video") == 0)
        docs_fault_set (fault, CAB_INVALID_ARGUMENT, "file",
                        "Tệp có hình ảnh (video), không phải bản ghi âm. Các loại được nhận: %s",
                        list);
    else
        docs_fault_set (fault, CAB_INVALID_ARGUMENT, "file",
                        "Bản ghi âm phải là tệp âm thanh; loại tệp này (%s) không được nhận (xác "
                        "định theo nội dung, không theo tên). Các loại được nhận: %s",
                        mime && *mime ? mime : "không xác định", list);
    fault->code = "unsupported_media_type";
}

/* ---- statuses, classification, libraries ---------------------------------------------- */

static const char *const s_status_names[DOCS_STATUS_COUNT] = {
    [DOCS_PENDING] = "pending",
    [DOCS_APPROVED] = "approved",
    [DOCS_REJECTED] = "rejected",
};

const char *
docs_status_name (docs_status_t status)
{
    return (unsigned) status < DOCS_STATUS_COUNT ? s_status_names[status] : "";
}

bool
docs_status_parse (const char *name, docs_status_t *status)
{
    int i = s_lookup (s_status_names, DOCS_STATUS_COUNT, name);
    if (i < 0)
        return false;
    *status = (docs_status_t) i;
    return true;
}

const char *
docs_class_name (docs_class_t c)
{
    return c == DOCS_SECRET ? "secret" : c == DOCS_RECORDING ? "recording" : "normal";
}

bool
docs_class_parse (const char *name, docs_class_t *c)
{
    if (!name || !*name || strcmp (name, "normal") == 0) {
        *c = DOCS_NORMAL;
        return true;
    }
    if (strcmp (name, "secret") == 0) {
        *c = DOCS_SECRET;
        return true;
    }
    if (strcmp (name, "recording") == 0) {
        *c = DOCS_RECORDING;
        return true;
    }
    return false;
}

const char *
docs_library_name (docs_library_t library)
{
    return library == DOCS_LIBRARY_SHARED     ? "shared"
           : library == DOCS_LIBRARY_PERSONAL ? "personal"
                                              : NULL;
}

bool
docs_library_parse (const char *name, bool allow_none, docs_library_t *library)
{
    if (!name || !*name) {
        *library = DOCS_LIBRARY_NONE;
        return allow_none;
    }
    if (strcmp (name, "shared") == 0)
        *library = DOCS_LIBRARY_SHARED;
    else if (strcmp (name, "personal") == 0)
        *library = DOCS_LIBRARY_PERSONAL;
    else
        return false;
    return true;
}

static const char *const s_meeting_states[DOCS_MEETING_STATE_COUNT] = {
    [DOCS_MEETING_DRAFT] = "draft",         [DOCS_MEETING_PENDING] = "pending_approval",
    [DOCS_MEETING_APPROVED] = "approved",   [DOCS_MEETING_REJECTED] = "rejected",
    [DOCS_MEETING_CANCELLED] = "cancelled", [DOCS_MEETING_IN_PROGRESS] = "in_progress",
    [DOCS_MEETING_ENDED] = "ended",
};

bool
docs_meeting_state_parse (const char *name, docs_meeting_state_t *state)
{
    int i = s_lookup (s_meeting_states, DOCS_MEETING_STATE_COUNT, name);
    if (i < 0)
        return false;
    *state = (docs_meeting_state_t) i;
    return true;
}

bool
docs_meeting_state_published (docs_meeting_state_t state)
{
    return state == DOCS_MEETING_APPROVED || state == DOCS_MEETING_IN_PROGRESS
           || state == DOCS_MEETING_ENDED;
}

/* ---- who is acting --------------------------------------------------------------------- */

bool
docs_actor_office (const docs_actor_t *actor)
{
    return actor->clerk || actor->approver || actor->unit_admin || actor->system_admin;
}

unsigned
docs_meeting_roles (const docs_actor_t *actor, const docs_meeting_people_t *people)
{
    unsigned roles = 0;
    if (!actor->user_id)
        return 0;
    if (cab_same_id (actor->user_id, people->created_by)
        || (actor->clerk && cab_same_id (actor->unit_id, people->host_unit_id)))
        roles |= DOCS_ROLE_CREATOR;
    if (cab_same_id (actor->user_id, people->chair_id))
        roles |= DOCS_ROLE_CHAIR;
    if (cab_same_id (actor->user_id, people->secretary_id))
        roles |= DOCS_ROLE_SECRETARY;
    if (cab_same_id (actor->user_id, people->approver_id))
        roles |= DOCS_ROLE_APPROVER;
    if (people->invitee)
        roles |= DOCS_ROLE_INVITEE;
    return roles;
}

bool
docs_may_see_meeting (const docs_actor_t *actor, unsigned roles, bool published)
{
    if (!actor->user_id)
        return false;
    if (actor->system_admin || (roles & DOCS_ROLE_ORGANIZER))
        return true;
    //  Invitations go out at approval: before that, invitees know nothing.
    return published && (roles & DOCS_ROLE_INVITEE);
}

/* ---- reading a document ------------------------------------------------------------------ */

bool
docs_may_view (const docs_actor_t *actor, const docs_doc_facts_t *doc)
{
    if (!actor->user_id)
        return false;
    //  R6.5: released only on the chair's request. Before the uploader's
    //  own right: the secretary who stored it does not hear it again.
    if (doc->classification == DOCS_RECORDING)
        return doc->library == DOCS_LIBRARY_NONE
               && (actor->system_admin || (doc->meeting_roles & DOCS_ROLE_CHAIR));
    if (cab_same_id (actor->user_id, doc->uploaded_by))
        return true;
    bool approved = doc->status == DOCS_APPROVED;
    bool meeting = doc->library == DOCS_LIBRARY_NONE;
    if (doc->classification == DOCS_SECRET) {
        //  Secret mode: the reviewers, and the access list once approved.
        if (meeting && (doc->meeting_roles & DOCS_ROLE_REVIEWER))
            return true;
        return doc->on_access_list && approved;
    }
    if ((doc->in_shared_library || doc->poll_respondent) && approved)
        return true;
    if (!meeting)
        return doc->on_access_list && approved;
    if (actor->system_admin || (doc->meeting_roles & DOCS_ROLE_ORGANIZER))
        return true;
    if (!approved)
        return false;
    if (doc->on_access_list)
        return true;
    return doc->published && (doc->meeting_roles & DOCS_ROLE_INVITEE);
}

bool
docs_may_see_access_list (const docs_actor_t *actor, const docs_doc_facts_t *doc)
{
    return cab_same_id (actor->user_id, doc->uploaded_by)
           || (doc->library == DOCS_LIBRARY_NONE && (doc->meeting_roles & DOCS_ROLE_REVIEWER));
}

/* ---- uploading -------------------------------------------------------------------------- */

void
docs_may_upload_to_meeting (const docs_actor_t *actor, unsigned roles, bool published,
                            docs_meeting_state_t state, docs_fault_t *fault)
{
    docs_fault_clear (fault);
    if (!docs_may_see_meeting (actor, roles, published)) {
        docs_fault_set (fault, CAB_NOT_FOUND, "meeting_id", "Không tìm thấy cuộc họp");
        return;
    }
    if (state == DOCS_MEETING_CANCELLED) {
        docs_fault_set (fault, CAB_ABORTED, "meeting_id",
                        "Cuộc họp đã bị hủy: không bổ sung tài liệu được nữa");
        return;
    }
    if (roles & DOCS_ROLE_ORGANIZER)
        return;
    if (!(roles & DOCS_ROLE_INVITEE)) {
        docs_fault_set (fault, CAB_PERMISSION_DENIED, "meeting_id",
                        "Chỉ văn thư, chủ trì, thư ký, người phê duyệt và đại biểu được mời mới "
                        "được thêm tài liệu vào cuộc họp");
        return;
    }
    if (state == DOCS_MEETING_ENDED)
        docs_fault_set (fault, CAB_FAILED_PRECONDITION, "meeting_id",
                        "Cuộc họp đã kết thúc: đại biểu không bổ sung tài liệu được nữa");
    else if (state != DOCS_MEETING_APPROVED && state != DOCS_MEETING_IN_PROGRESS)
        docs_fault_set (fault, CAB_ABORTED, "meeting_id",
                        "Đại biểu chỉ thêm được tài liệu khi cuộc họp đã được phê duyệt hoặc "
                        "đang diễn ra");
}

void
docs_may_upload_recording (const docs_actor_t *actor, unsigned roles, bool published,
                           docs_meeting_state_t state, bool secret, docs_fault_t *fault)
{
    docs_fault_clear (fault);
    if (!docs_may_see_meeting (actor, roles, published)) {
        docs_fault_set (fault, CAB_NOT_FOUND, "meeting_id", "Không tìm thấy cuộc họp");
        return;
    }
    if (!(roles & (DOCS_ROLE_CREATOR | DOCS_ROLE_CHAIR | DOCS_ROLE_SECRETARY))) {
        docs_fault_set (fault, CAB_PERMISSION_DENIED, "meeting_id",
                        "Chỉ văn thư của đơn vị chủ trì, chủ trì và thư ký cuộc họp được tải bản "
                        "ghi âm lên");
        return;
    }
    if (state != DOCS_MEETING_APPROVED && state != DOCS_MEETING_IN_PROGRESS
        && state != DOCS_MEETING_ENDED) {
        docs_fault_set (fault, CAB_ABORTED, "meeting_id",
                        "Chỉ tải bản ghi âm lên cuộc họp đã được phê duyệt, đang diễn ra hoặc đã "
                        "kết thúc");
        return;
    }
    if (secret) {
        docs_fault_set (fault, CAB_FAILED_PRECONDITION, "classification",
                        "Cuộc họp đã được chủ trì đánh dấu là họp mật: không ghi âm, không lưu "
                        "bản ghi âm");
        fault->code = "meeting_secret";
    }
}

void
docs_check_access_list_allowed (docs_class_t c, size_t n, docs_fault_t *fault)
{
    docs_fault_clear (fault);
    if (c == DOCS_RECORDING && n > 0)
        docs_fault_set (fault, CAB_INVALID_ARGUMENT, "access_user_ids",
                        "Bản ghi âm không có danh sách người được xem: chỉ chủ trì cuộc họp và "
                        "quản trị hệ thống được nghe");
}

int64_t
docs_upload_limit (docs_class_t c, int64_t max_bytes, int64_t recording_max)
{
    return c == DOCS_RECORDING ? recording_max : max_bytes;
}

void
docs_may_upload_to_library (const docs_actor_t *actor, docs_library_t library, docs_class_t c,
                            docs_fault_t *fault)
{
    docs_fault_clear (fault);
    if (library != DOCS_LIBRARY_NONE && c == DOCS_RECORDING) {
        docs_fault_set (fault, CAB_FAILED_PRECONDITION, "classification",
                        "Bản ghi âm thuộc về một cuộc họp, không đưa vào thư viện");
        return;
    }
    if (library != DOCS_LIBRARY_SHARED)
        return;
    if (!docs_actor_office (actor))
        docs_fault_set (fault, CAB_PERMISSION_DENIED, "library",
                        "Chỉ văn thư, lãnh đạo văn phòng và quản trị viên được đưa tài liệu vào "
                        "thư viện dùng chung");
    else if (c == DOCS_SECRET)
        docs_fault_set (fault, CAB_FAILED_PRECONDITION, "classification",
                        "Tài liệu mật không được đưa vào thư viện dùng chung");
}

void
docs_check_secret_allowed (docs_class_t c, bool secret_uploads, docs_fault_t *fault)
{
    docs_fault_clear (fault);
    if (c == DOCS_SECRET && !secret_uploads)
        docs_fault_set (fault, CAB_FAILED_PRECONDITION, "classification",
                        "Theo quy chế của đơn vị, tài liệu mật không được tải lên hệ thống");
}

docs_status_t
docs_initial_status (docs_library_t library, unsigned roles)
{
    if (library != DOCS_LIBRARY_NONE || (roles & DOCS_ROLE_REVIEWER))
        return DOCS_APPROVED;
    return DOCS_PENDING;
}

docs_status_t
docs_initial_status_of (docs_class_t c, docs_library_t library, unsigned roles)
{
    return c == DOCS_RECORDING ? DOCS_APPROVED : docs_initial_status (library, roles);
}

docs_chunk_t
docs_chunk_decide (int64_t received, int64_t offset, size_t len, int64_t max_bytes,
                   int64_t *overlap, int64_t *total)
{
    *overlap = 0;
    *total = received;
    if (len == 0 || len > DOCS_CHUNK_MAX || offset < 0 || received < 0)
        return DOCS_CHUNK_BAD;
    if (offset > received)
        return DOCS_CHUNK_GAP;
    int64_t end = offset + (int64_t) len;
    if (end > max_bytes)
        return DOCS_CHUNK_TOO_LARGE;
    *overlap = (end < received ? end : received) - offset;
    if (end <= received)
        return DOCS_CHUNK_REPEAT;
    *total = end;
    return DOCS_CHUNK_APPEND;
}

void
docs_fault_too_large (int64_t max_bytes, docs_fault_t *fault)
{
    docs_fault_set (fault, CAB_OUT_OF_RANGE, "file",
                    "Tệp vượt quá dung lượng tối đa cho phép (%lld MB)",
                    (long long) (max_bytes >> 20));
    fault->code = "too_large";
}

void
docs_check_declared_size (int64_t size, int64_t max_bytes, docs_fault_t *fault)
{
    docs_fault_clear (fault);
    if (size < 0)
        docs_fault_set (fault, CAB_INVALID_ARGUMENT, "size", "Kích thước tệp không hợp lệ");
    else if (size > max_bytes)
        docs_fault_too_large (max_bytes, fault);
}

/* ---- reviewing ------------------------------------------------------------------------------ */

void
docs_may_review (const docs_doc_facts_t *doc, docs_review_t action, docs_status_t *to,
                 docs_fault_t *fault)
{
    docs_fault_clear (fault);
    if (doc->library != DOCS_LIBRARY_NONE) {
        docs_fault_set (fault, CAB_FAILED_PRECONDITION, "id",
                        "Tài liệu của thư viện không cần phê duyệt");
        return;
    }
    if (doc->classification == DOCS_RECORDING) {
        docs_fault_set (fault, CAB_FAILED_PRECONDITION, "id",
                        "Bản ghi âm không công bố cho đại biểu nên không qua phê duyệt");
        return;
    }
    if (!(doc->meeting_roles & DOCS_ROLE_REVIEWER)) {
        docs_fault_set (fault, CAB_PERMISSION_DENIED, NULL,
                        "Chỉ chủ trì hoặc lãnh đạo phê duyệt của cuộc họp được duyệt tài liệu");
        return;
    }
    if (action == DOCS_APPROVE) {
        if (doc->status == DOCS_APPROVED)
            docs_fault_set (fault, CAB_ABORTED, "status", "Tài liệu đã được phê duyệt");
        else
            *to = DOCS_APPROVED;
    } else {
        if (doc->status == DOCS_REJECTED)
            docs_fault_set (fault, CAB_ABORTED, "status", "Tài liệu đã bị từ chối");
        else
            *to = DOCS_REJECTED;
    }
}

/* ---- libraries, discussion, report, retention -------------------------------------------- */

void
docs_may_add_to_library (const docs_actor_t *actor, docs_library_t kind,
                         const docs_doc_facts_t *doc, docs_fault_t *fault)
{
    docs_fault_clear (fault);
    if (doc->classification == DOCS_RECORDING) {
        docs_fault_set (fault, CAB_FAILED_PRECONDITION, "document_id",
                        "Bản ghi âm thuộc về một cuộc họp, không đưa vào thư viện");
        return;
    }
    if (kind == DOCS_LIBRARY_PERSONAL)
        return;
    if (!docs_actor_office (actor))
        docs_fault_set (fault, CAB_PERMISSION_DENIED, "kind",
                        "Chỉ văn thư, lãnh đạo văn phòng và quản trị viên được đưa tài liệu vào "
                        "thư viện dùng chung");
    else if (doc->classification == DOCS_SECRET)
        docs_fault_set (fault, CAB_FAILED_PRECONDITION, "document_id",
                        "Tài liệu mật không được đưa vào thư viện dùng chung");
    else if (doc->status != DOCS_APPROVED)
        docs_fault_set (fault, CAB_FAILED_PRECONDITION, "document_id",
                        "Chỉ tài liệu đã được phê duyệt mới đưa được vào thư viện dùng chung");
}

void
docs_may_remove_from_library (const docs_actor_t *actor, docs_library_t kind, docs_fault_t *fault)
{
    docs_fault_clear (fault);
    if (kind == DOCS_LIBRARY_SHARED && !docs_actor_office (actor))
        docs_fault_set (fault, CAB_PERMISSION_DENIED, "kind",
                        "Chỉ văn thư, lãnh đạo văn phòng và quản trị viên được sửa thư viện dùng "
                        "chung");
}

void
docs_may_comment (bool has_meeting, docs_meeting_state_t state, docs_fault_t *fault)
{
    docs_fault_clear (fault);
    if (!has_meeting)
        return;
    if (state == DOCS_MEETING_ENDED)
        docs_fault_set (fault, CAB_FAILED_PRECONDITION, "document_id",
                        "Cuộc họp đã kết thúc: đã hết thời gian góp ý");
    else if (state == DOCS_MEETING_CANCELLED)
        docs_fault_set (fault, CAB_FAILED_PRECONDITION, "document_id",
                        "Cuộc họp đã bị hủy: không góp ý được nữa");
}

void
docs_may_comment_on (const docs_doc_facts_t *doc, docs_fault_t *fault)
{
    docs_fault_clear (fault);
    if (doc->classification == DOCS_RECORDING)
        docs_fault_set (fault, CAB_FAILED_PRECONDITION, "document_id",
                        "Không góp ý trên bản ghi âm cuộc họp");
}

bool
docs_may_read_report (const docs_actor_t *actor, unsigned roles, const char *host_unit_id)
{
    if (!actor->user_id)
        return false;
    if (actor->system_admin || (roles & DOCS_ROLE_ORGANIZER))
        return true;
    return (actor->clerk || actor->approver || actor->unit_admin)
           && cab_same_id (actor->unit_id, host_unit_id);
}

void
docs_may_release (const docs_actor_t *actor, unsigned roles, const char *host_unit_id,
                  docs_fault_t *fault)
{
    docs_fault_clear (fault);
    if (actor->system_admin)
        return;
    bool leader = actor->approver
                  && ((roles & DOCS_ROLE_REVIEWER) || cab_same_id (actor->unit_id, host_unit_id));
    if (!leader)
        docs_fault_set (fault, CAB_PERMISSION_DENIED, NULL,
                        "Chỉ lãnh đạo (người phê duyệt) hoặc quản trị hệ thống được cho phép xóa "
                        "dữ liệu đã lưu trữ");
}

bool
docs_retention_parse (const char *text, int *months, docs_fault_t *fault)
{
    docs_fault_clear (fault);
    char *end = NULL;
    long value = text && *text ? strtol (text, &end, 10) : -1;
    if (!text || !*text || *end || value < DOCS_RETENTION_MIN_MONTHS
        || value > DOCS_RETENTION_MAX_MONTHS) {
        docs_fault_set (fault, CAB_INVALID_ARGUMENT, "CABINET_RETENTION_MONTHS",
                        "Thời hạn lưu trữ phải là số tháng nguyên từ %d đến %d (R5.6: ít nhất "
                        "6 tháng)",
                        DOCS_RETENTION_MIN_MONTHS, DOCS_RETENTION_MAX_MONTHS);
        return false;
    }
    *months = (int) value;
    return true;
}

static int
s_days_in_month (int year, int month)  //  month 0..11, year AD
{
    static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    return month == 1 && leap ? 29 : days[month];
}

int64_t
docs_retention_cutoff (int64_t now, int months)
{
    time_t local = (time_t) (now + HANOI_OFFSET);
    struct tm tm;
    gmtime_r (&local, &tm);
    int total = tm.tm_year * MONTHS_PER_YEAR + tm.tm_mon - months;
    tm.tm_year = total / MONTHS_PER_YEAR;
    tm.tm_mon = total % MONTHS_PER_YEAR;
    int last = s_days_in_month (tm.tm_year + 1900, tm.tm_mon);
    if (tm.tm_mday > last)
        tm.tm_mday = last;
    return (int64_t) timegm (&tm) - HANOI_OFFSET;
}

bool
docs_purge_due (bool released, bool in_shared_library, int64_t meeting_end, int64_t uploaded,
                int64_t cutoff)
{
    return released && !in_shared_library && meeting_end > 0 && meeting_end < cutoff
           && uploaded < cutoff;
}

/* ---- input shapes ---------------------------------------------------------------------------- */

//  Has s a control character (C0, DEL, C1)? Line breaks and tabs pass
//  when lines.
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

void
docs_check_title (const char *s, docs_fault_t *fault)
{
    docs_fault_clear (fault);
    if (!s || s_blank (s))
        docs_fault_set (fault, CAB_INVALID_ARGUMENT, "title", "Vui lòng nhập tên tài liệu");
    else if (cab_utf8_length (s) > DOCS_TITLE_MAX)
        docs_fault_set (fault, CAB_INVALID_ARGUMENT, "title",
                        "Tên tài liệu không được dài quá %d ký tự", DOCS_TITLE_MAX);
    else if (s_has_control (s, false))
        docs_fault_set (fault, CAB_INVALID_ARGUMENT, "title",
                        "Tên tài liệu chứa ký tự điều khiển không hợp lệ");
}

void
docs_check_text (const char *field, const char *s, bool required, size_t max, docs_fault_t *fault)
{
    docs_fault_clear (fault);
    if (!s || s_blank (s)) {
        if (required)
            docs_fault_set (fault, CAB_INVALID_ARGUMENT, field, "Vui lòng nhập nội dung");
        return;
    }
    if (cab_utf8_length (s) > max)
        docs_fault_set (fault, CAB_INVALID_ARGUMENT, field, "Nội dung không được dài quá %zu ký tự",
                        max);
    else if (s_has_control (s, true))
        docs_fault_set (fault, CAB_INVALID_ARGUMENT, field,
                        "Nội dung chứa ký tự điều khiển không hợp lệ");
}

void
docs_check_id (const char *field, const char *id, bool required, docs_fault_t *fault)
{
    docs_fault_clear (fault);
    if (!id || !*id) {
        if (required)
            docs_fault_set (fault, CAB_INVALID_ARGUMENT, field, "Thiếu mã định danh");
        return;
    }
    if (!cab_uuid_valid (id))
        docs_fault_set (fault, CAB_INVALID_ARGUMENT, field, "Mã định danh không hợp lệ");
}

void
docs_check_id_list (const char *field, char *const *ids, size_t n, docs_fault_t *fault)
{
    docs_fault_clear (fault);
    if (n > DOCS_ACCESS_MAX) {
        docs_fault_set (fault, CAB_INVALID_ARGUMENT, field, "Danh sách không được quá %d người",
                        DOCS_ACCESS_MAX);
        return;
    }
    for (size_t i = 0; i < n; i++) {
        if (!ids[i] || !cab_uuid_valid (ids[i])) {
            docs_fault_set (fault, CAB_INVALID_ARGUMENT, field,
                            "Mã người dùng thứ %zu không hợp lệ", i + 1);
            return;
        }
        for (size_t j = 0; j < i; j++)
            if (strcasecmp (ids[i], ids[j]) == 0) {
                docs_fault_set (fault, CAB_INVALID_ARGUMENT, field,
                                "Người dùng thứ %zu bị lặp lại trong danh sách", i + 1);
                return;
            }
    }
}

//  n decimal digits at s into *out. Returns false if they are not digits.
static bool
s_digits (const char *s, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return true;
}

bool
docs_time_parse (const char *s, int64_t *epoch)
{
    if (!s)
        return false;
    int year, month, day, hour = 0, minute = 0, second = 0;
    if (!s_digits (s, 4, &year) || s[4] != '-' || !s_digits (s + 5, 2, &month) || s[7] != '-'
        || !s_digits (s + 8, 2, &day))
        return false;
    if (month < 1 || month > MONTHS_PER_YEAR || day < 1 || day > s_days_in_month (year, month - 1))
        return false;
    const char *p = s + 10;
    int64_t offset = HANOI_OFFSET;  //  a bare date is a day in Asia/Ho_Chi_Minh
    if (*p) {
        if ((*p != 'T' && *p != 't' && *p != ' ') || !s_digits (p + 1, 2, &hour) || p[3] != ':'
            || !s_digits (p + 4, 2, &minute) || p[6] != ':' || !s_digits (p + 7, 2, &second))
            return false;
        if (hour > 23 || minute > 59 || second > 60)
            return false;
        p += 9;
        if (*p == '.') {
            p++;
            if (*p < '0' || *p > '9')
                return false;
            while (*p >= '0' && *p <= '9')
                p++;
        }
        if ((*p == 'Z' || *p == 'z') && !p[1])
            offset = 0;
        else if ((*p == '+' || *p == '-') && strlen (p) == 6 && p[3] == ':') {
            int oh, om;
            if (!s_digits (p + 1, 2, &oh) || !s_digits (p + 4, 2, &om) || oh > 23 || om > 59)
                return false;
            offset = (oh * SECONDS_PER_HOUR + om * SECONDS_PER_MINUTE) * (*p == '-' ? -1 : 1);
        } else
            return false;
    }
    struct tm tm = {.tm_year = year - 1900,
                    .tm_mon = month - 1,
                    .tm_mday = day,
                    .tm_hour = hour,
                    .tm_min = minute,
                    .tm_sec = second > 59 ? 59 : second};
    *epoch = (int64_t) timegm (&tm) - offset;
    return true;
}

char *
docs_time_format (int64_t epoch, char out[DOCS_TIME_TEXT])
{
    time_t local = (time_t) (epoch + HANOI_OFFSET);
    struct tm tm;
    gmtime_r (&local, &tm);
    strftime (out, DOCS_TIME_TEXT, "%Y-%m-%dT%H:%M:%S+07:00", &tm);
    return out;
}

bool
docs_cursor_parse (const char *s, int *offset)
{
    if (!s || !*s) {
        *offset = 0;
        return true;
    }
    int v = 0;
    for (const char *p = s; *p; p++) {
        if (*p < '0' || *p > '9' || p - s >= 6)
            return false;
        v = v * 10 + (*p - '0');
    }
    if (v > DOCS_OFFSET_MAX)
        return false;
    *offset = v;
    return true;
}

/* ---- folding ----------------------------------------------------------------------------------
    Every Vietnamese vowel with its marks, both cases, and đ Đ, to its base
    letter: the two arguments of translate() in sql/001_init.sql's
    f_unaccent, letter for letter.  */

static const char s_fold_from[] =
    "àÀáÁảẢãÃạẠăĂằẰắẮẳẲẵẴặẶâÂầẦấẤẩẨẫẪậẬèÈéÉẻẺẽẼẹẸêÊềỀếẾểỂễỄệỆìÌíÍỉỈĩĨịỊòÒóÓỏỎõÕọỌôÔồỒốỐổỔỗỖộỘơƠ"
    "ờỜớỚởỞỡỠợỢùÙúÚủỦũŨụỤưƯừỪứỨửỬữỮựỰỳỲýÝỷỶỹỸỵỴđĐ";
static const char s_fold_to[] =
    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaeeeeeeeeeeeeeeeeeeeeeeiiiiiiiiii"
    "oooooooooooooooooooooooooooooooooouuuuuuuuuuuuuuuuuuuuuuyyyyyyyyyydd";

char
docs_fold_letter (uint32_t cp)
{
    if (cp < 0x80)
        return 0;
    const utf8proc_uint8_t *p = (const utf8proc_uint8_t *) s_fold_from;
    size_t i = 0;
    while (*p && i < sizeof s_fold_to - 1) {
        utf8proc_int32_t c;
        utf8proc_ssize_t n = utf8proc_iterate (p, -1, &c);
        if (n <= 0)
            break;
        if ((uint32_t) c == cp)
            return s_fold_to[i];
        p += n;
        i++;
    }
    return 0;
}

char *
docs_fold (const char *in, char *out, size_t cap)
{
    size_t o = 0;
    const utf8proc_uint8_t *p = (const utf8proc_uint8_t *) (in ? in : "");
    while (*p && o + 1 < cap) {
        utf8proc_int32_t c;
        utf8proc_ssize_t n = utf8proc_iterate (p, -1, &c);
        if (n <= 0) {
            out[o++] = '?';
            p++;
            continue;
        }
        char base = docs_fold_letter ((uint32_t) c);
        if (c < 0x80)
            out[o++] = (char) tolower (c);
        else if (base)
            out[o++] = base;
        else if (o + (size_t) n < cap) {
            memcpy (out + o, p, (size_t) n);
            o += (size_t) n;
        } else
            break;
        p += n;
    }
    out[o] = '\0';
    return out;
}

//  The ASCII letter or digit a code point folds to, or 0: Vietnamese
//  letters by the table (keeping the case), other Latin letters by
//  dropping their marks.
static char
s_ascii_of (utf8proc_int32_t c)
{
    if (c < 0x80)
        return isalnum (c) ? (char) c : 0;
    char base = docs_fold_letter ((uint32_t) c);
    if (base)
        return utf8proc_isupper (c) ? (char) toupper (base) : base;
    utf8proc_int32_t parts[4];
    int last = 0;
    utf8proc_ssize_t n = utf8proc_decompose_char (
        c, parts, 4, UTF8PROC_DECOMPOSE | UTF8PROC_STRIPMARK | UTF8PROC_COMPAT, &last);
    return n == 1 && parts[0] < 0x80 && isalnum (parts[0]) ? (char) parts[0] : 0;
}

char *
docs_safe_filename (const char *title, docs_type_t type, char *out, size_t cap)
{
    return docs_safe_name (title, docs_type_extension (type), out, cap);
}

char *
docs_safe_name (const char *title, const char *extension, char *out, size_t cap)
{
    char stem[DOCS_FILENAME_STEM_MAX + 1];
    size_t o = 0;
    bool gap = false;
    const utf8proc_uint8_t *p = (const utf8proc_uint8_t *) (title ? title : "");
    while (*p && o < DOCS_FILENAME_STEM_MAX) {
        utf8proc_int32_t c;
        utf8proc_ssize_t n = utf8proc_iterate (p, -1, &c);
        if (n <= 0) {
            p++;
            gap = true;
            continue;
        }
        p += n;
        char a = s_ascii_of (c);
        if (!a) {
            gap = true;
            continue;
        }
        if (gap && o > 0) {
            stem[o++] = '-';
            if (o == DOCS_FILENAME_STEM_MAX)
                break;
        }
        gap = false;
        stem[o++] = a;
    }
    while (o > 0 && stem[o - 1] == '-')
        o--;
    stem[o] = '\0';
    snprintf (out, cap, "%s.%s", o ? stem : "tai-lieu", extension);
    return out;
}
