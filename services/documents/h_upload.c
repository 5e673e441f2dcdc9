/*  h_upload - a document arrives in pieces: UploadBegin validates
    everything and opens a temporary file under a generated name,
    UploadChunk appends at the offset reached (a repeated chunk is
    harmless, a gap is refused, the size limit discards the upload),
    UploadFinish analyses the file in a child process (kind by content,
    pages, text, signature), stores it by its SHA-256 and records the
    document and its event in one transaction; UploadAbort gives up.
    A meeting's recording (classification "recording", R6.5) comes the
    same way under rules of its own: audio only, by its organizers, not
    for a meeting the chair marked secret, its own size limit, no review.
    Whatever fails, no temporary file and no row is left behind, except an
    upload the caller can still finish after a failure of ours.  */
#include "analyze.h"
#include "cab_log.h"
#include "cab_utf8.h"
#include "cab_uuid.h"
#include "cabinet/v1/identity.pb-c.h"
#include "handlers.h"
#include "sandbox.h"
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#define UPLOADS_OPEN_MAX 8  //  unfinished uploads per person: the disk is shared

static const char s_upload_not_found[] =
    "Không tìm thấy phiên tải lên (phiên bị hủy hoặc đã hết hạn sau 1 giờ không hoạt động)";
static const char s_disk_full[] = "Hết dung lượng lưu trữ tài liệu; vui lòng báo quản trị hệ thống";

//  Legacy Vietnamese (TCVN3, VNI) made Unicode, then cleaned like any
//  typed text. NULL when in is NULL; *encoding is set when in is not NULL.
static char *
s_unicode_text (cab_call_t *call, const char *in, const char **encoding, bool *ok)
{
    if (!in)
        return NULL;
    char *converted = docs_text_to_unicode (in, strlen (in), encoding);
    if (!converted) {
        *ok = false;
        return NULL;
    }
    char *clean = docs_call_text (call, converted, ok);
    free (converted);
    return clean;
}

//  The last component of a path a browser may send ("C:\\Users\\a\\b.pdf").
static char *
s_basename (char *name)
{
    if (!name)
        return NULL;
    char *slash = strrchr (name, '/');
    char *back = strrchr (name, '\\');
    char *last = slash > back ? slash : back;
    return last ? last + 1 : name;
}

//  Forget an upload: its row and its temporary file.
static void
s_discard (docs_worker_t *w, const char *id)
{
    if (docs_store_upload_delete (w->store, id) != CAB_OK)
        cab_warn ("upload %s: the row stays until the stale-upload job removes it", id);
    docs_spool_remove (w->spool, id);
}

cab_status_t
docs_upload_begin (cab_call_t *call, const ProtobufCMessage *request)
{
    const Cabinet__V1__UploadBeginRequest *req = (const Cabinet__V1__UploadBeginRequest *) request;
    docs_worker_t *w = docs_call_worker (call);
    const docs_settings_t *settings = &w->settings;
    docs_actor_t actor;
    docs_call_actor (call, &actor);
    if (!actor.user_id)
        return cab_call_error (call, CAB_UNAUTHENTICATED, NULL, NULL);

    //  The shape of every field first.
    docs_upload_t up = {.caller_id = actor.user_id, .caller_unit_id = actor.unit_id};
    if (!docs_library_parse (req->library, true, &up.library))
        return docs_call_invalid (call, "library", "Thư viện phải là shared hoặc personal");
    bool has_meeting = req->meeting_id && *req->meeting_id;
    if (has_meeting == (up.library != DOCS_LIBRARY_NONE))
        return docs_call_invalid (call, has_meeting ? "library" : "meeting_id",
                                  has_meeting ? "Tài liệu của cuộc họp không thuộc thư viện"
                                              : "Vui lòng chọn cuộc họp hoặc thư viện cho tài "
                                                "liệu");
    if (has_meeting && !docs_call_id (call, "meeting_id", req->meeting_id, true))
        return call->status;
    if (!docs_class_parse (req->classification, &up.classification))
        return docs_call_invalid (call, "classification",
                                  "Độ mật phải là normal (thường), secret (mật) hoặc recording "
                                  "(bản ghi âm cuộc họp)");
    bool ok = true;
    const char *title_encoding = "unicode", *name_encoding = "unicode";
    char *title = s_unicode_text (call, req->title, &title_encoding, &ok);
    char *original = s_basename (s_unicode_text (call, req->filename, &name_encoding, &ok));
    if (!ok)
        return docs_call_invalid (call, NULL, DOCS_MSG_NOT_UTF8);
    docs_fault_t fault;
    docs_check_title (title, &fault);
    if (fault.status != CAB_OK)
        return docs_call_fault (call, &fault);
    if (original && *original) {
        docs_check_text ("filename", original, false, DOCS_ORIGINAL_NAME_MAX, &fault);
        if (fault.status != CAB_OK || strchr (original, '\n') || strchr (original, '\t'))
            return docs_call_invalid (call, "filename", "Tên tệp không hợp lệ");
    }
    if (!docs_call_id (call, "doc_type_id", req->doc_type_id, false))
        return call->status;
    docs_check_id_list ("access_user_ids", req->access_user_ids, req->n_access_user_ids, &fault);
    if (fault.status != CAB_OK)
        return docs_call_fault (call, &fault);
    docs_check_access_list_allowed (up.classification, req->n_access_user_ids, &fault);
    if (fault.status != CAB_OK)
        return docs_call_fault (call, &fault);
    int64_t limit =
        docs_upload_limit (up.classification, settings->max_bytes, settings->recording_max);
    docs_check_declared_size (req->has_size ? req->size : 0, limit, &fault);
    if (fault.status != CAB_OK)
        return docs_call_fault (call, &fault);
    docs_check_secret_allowed (up.classification, settings->secret_uploads, &fault);
    if (fault.status != CAB_OK)
        return docs_call_fault (call, &fault);

    //  Then what it names, and whether the caller may add to it.
    if (has_meeting) {
        docs_meeting_t *m = NULL;
        unsigned roles = 0;
        if (docs_call_meeting (call, "meeting_id", req->meeting_id, &m, &roles) != CAB_OK)
            return call->status;
        if (up.classification == DOCS_RECORDING)
            docs_may_upload_recording (&actor, roles, m->published, m->state, m->secret, &fault);
        else
            docs_may_upload_to_meeting (&actor, roles, m->published, m->state, &fault);
    } else
        docs_may_upload_to_library (&actor, up.library, up.classification, &fault);
    if (fault.status != CAB_OK)
        return docs_call_fault (call, &fault);
    if (req->doc_type_id && *req->doc_type_id) {
        char *name = NULL;
        cab_status_t status = docs_store_doc_type (w->store, call->arena, req->doc_type_id, &name);
        if (status == CAB_NOT_FOUND)
            return cab_call_error (call, status, "doc_type_id", "Không tìm thấy loại văn bản");
        if (status != CAB_OK)
            return docs_call_fail (call, status);
    }
    for (size_t i = 0; i < req->n_access_user_ids; i++) {
        docs_person_t *person = NULL;
        cab_status_t status =
            docs_store_person (w->store, call->arena, req->access_user_ids[i], &person);
        if (status == CAB_OK && !person->active)
            status = CAB_NOT_FOUND;
        if (status == CAB_NOT_FOUND)
            return cab_call_error (
                call, status, "access_user_ids",
                cab_arena_printf (call->arena,
                                  "Không tìm thấy người dùng thứ %zu của danh sách được xem "
                                  "trong danh bạ của hệ thống",
                                  i + 1));
        if (status != CAB_OK)
            return docs_call_fail (call, status);
    }

    //  The temporary file first (a generated name), then the row.
    char *id = cab_arena_alloc (call->arena, CAB_UUID_LEN + 1);
    cab_uuid_v7 (id);
    up.id = id;
    up.meeting_id = has_meeting ? req->meeting_id : NULL;
    up.title = title;
    up.title_encoding = title_encoding;
    up.doc_type_id = req->doc_type_id && *req->doc_type_id ? req->doc_type_id : NULL;
    up.access = req->access_user_ids;
    up.n_access = req->n_access_user_ids;
    up.original_name = original && *original ? original : NULL;
    up.declared_size = req->has_size ? req->size : 0;
    if (docs_spool_create (w->spool, id) != 0) {
        cab_error ("upload %s: cannot create its temporary file: %s", id, strerror (errno));
        return cab_call_error (call, errno == ENOSPC ? CAB_RESOURCE_EXHAUSTED : CAB_INTERNAL, NULL,
                               errno == ENOSPC ? s_disk_full : NULL);
    }
    docs_fault_clear (&fault);
    cab_status_t status = docs_store_upload_create (w->store, &up, UPLOADS_OPEN_MAX, &fault);
    if (status != CAB_OK) {
        docs_spool_remove (w->spool, id);
        return fault.status != CAB_OK ? docs_call_fault (call, &fault)
                                      : docs_call_fail (call, status);
    }
    Cabinet__V1__UploadBeginReply *reply = cab_arena_alloc (call->arena, sizeof *reply);
    cabinet__v1__upload_begin_reply__init (reply);
    reply->upload_id = id;
    reply->has_max_bytes = reply->has_chunk_max_bytes = true;
    reply->max_bytes = limit;
    reply->chunk_max_bytes = DOCS_CHUNK_MAX;
    return cab_call_reply (call, reply);
}

//  The upload id of the caller, for a request: 400 bad id, 404 unknown or
//  another person's. Replies and returns the status.
static cab_status_t
s_own_upload (cab_call_t *call, const char *id, docs_upload_t **upload)
{
    if (!docs_call_id (call, "upload_id", id, true))
        return call->status;
    docs_worker_t *w = docs_call_worker (call);
    docs_actor_t actor;
    docs_call_actor (call, &actor);
    cab_status_t status = docs_store_upload_lock (w->store, call->arena, id, upload);
    //  Another person's upload does not exist for the caller.
    if (status == CAB_OK && (!actor.user_id || strcasecmp ((*upload)->caller_id, actor.user_id)))
        status = CAB_NOT_FOUND;
    if (status == CAB_NOT_FOUND)
        return cab_call_error (call, status, "upload_id", s_upload_not_found);
    if (status != CAB_OK)
        return docs_call_fail (call, status);
    return CAB_OK;
}

static cab_status_t
s_not_open (cab_call_t *call, const docs_upload_t *u)
{
    return cab_call_error (call, CAB_ABORTED, "upload_id",
                           strcmp (u->state, "done") == 0
                               ? "Phiên tải lên này đã hoàn tất"
                               : "Tệp đang được xử lý; vui lòng chờ kết quả");
}

cab_status_t
docs_upload_chunk (cab_call_t *call, const ProtobufCMessage *request)
{
    const Cabinet__V1__UploadChunkRequest *req = (const Cabinet__V1__UploadChunkRequest *) request;
    docs_worker_t *w = docs_call_worker (call);
    if (!docs_call_id (call, "upload_id", req->upload_id, true))
        return call->status;
    size_t len = req->has_data ? req->data.len : 0;
    if (len > DOCS_CHUNK_MAX)
        return docs_call_invalid (call, "data", "Mỗi phần dữ liệu không được lớn quá 1 MiB");
    if (len == 0)
        return docs_call_invalid (call, "data", "Phần dữ liệu rỗng");
    int64_t offset = req->has_offset ? req->offset : 0;
    if (offset < 0)
        return docs_call_invalid (call, "offset", "Vị trí ghi không hợp lệ");

    //  The row stays locked while the bytes are written: chunks of one
    //  upload never interleave.
    cab_status_t status = docs_store_begin (w->store);
    if (status != CAB_OK)
        return docs_call_fail (call, status);
    docs_upload_t *u = NULL;
    if (s_own_upload (call, req->upload_id, &u) != CAB_OK) {
        docs_store_rollback (w->store);
        return call->status;
    }
    if (strcmp (u->state, "open") != 0) {
        docs_store_rollback (w->store);
        return s_not_open (call, u);
    }
    int64_t overlap = 0, total = 0;
    int64_t limit =
        docs_upload_limit (u->classification, w->settings.max_bytes, w->settings.recording_max);
    docs_chunk_t fit = docs_chunk_decide (u->received, offset, len, limit, &overlap, &total);
    docs_fault_t fault;
    switch (fit) {
    case DOCS_CHUNK_BAD:
        docs_store_rollback (w->store);
        return docs_call_invalid (call, "data", "Phần dữ liệu không hợp lệ");
    case DOCS_CHUNK_GAP:
        docs_store_rollback (w->store);
        return cab_call_error_code (
            call, CAB_FAILED_PRECONDITION, "upload_gap", "offset",
            cab_arena_printf (call->arena,
                              "Dữ liệu phải gửi liền mạch: đã nhận %lld byte nhưng phần này bắt "
                              "đầu ở byte %lld",
                              (long long) u->received, (long long) offset));
    case DOCS_CHUNK_TOO_LARGE:
        docs_store_rollback (w->store);
        s_discard (w, u->id);
        docs_fault_too_large (limit, &fault);
        return docs_call_fault (call, &fault);
    case DOCS_CHUNK_REPEAT:
    case DOCS_CHUNK_APPEND:
        break;
    }
    if (overlap > 0) {
        //  A chunk sent again must be the same bytes.
        char *stored = cab_arena_alloc (call->arena, (size_t) overlap);
        ssize_t got = docs_spool_read (w->spool, u->id, offset, stored, (size_t) overlap);
        if (got != overlap || memcmp (stored, req->data.data, (size_t) overlap) != 0) {
            docs_store_rollback (w->store);
            return cab_call_error_code (call, CAB_ABORTED, "upload_mismatch", "offset",
                                        "Phần dữ liệu gửi lại khác với phần đã nhận ở cùng vị trí");
        }
    }
    if (fit == DOCS_CHUNK_APPEND) {
        if (docs_spool_write (w->spool, u->id, offset + overlap, req->data.data + overlap,
                              len - (size_t) overlap)
            != 0) {
            int saved = errno;
            docs_store_rollback (w->store);
            cab_error ("upload %s: cannot write: %s", u->id, strerror (saved));
            if (saved == ENOSPC || saved == EDQUOT) {
                s_discard (w, u->id);
                return cab_call_error (call, CAB_RESOURCE_EXHAUSTED, NULL, s_disk_full);
            }
            return docs_call_fail (call, CAB_INTERNAL);
        }
        status = docs_store_upload_advance (w->store, u->id, total);
    }
    if (status == CAB_OK)
        status = docs_store_commit (w->store);
    if (status != CAB_OK) {
        //  Bytes past the recorded size are cut before the file is used.
        docs_store_rollback (w->store);
        return docs_call_fail (call, status);
    }
    Cabinet__V1__UploadChunkReply *reply = cab_arena_alloc (call->arena, sizeof *reply);
    cabinet__v1__upload_chunk_reply__init (reply);
    reply->has_received = true;
    reply->received = fit == DOCS_CHUNK_APPEND ? total : u->received;
    return cab_call_reply (call, reply);
}

//  A repeated UploadFinish of a finished upload: the same document. Its
//  uploader no longer reads a recording, yet the first answer was theirs
//  (the gateway repeats a finish whose answer it lost): the upload, which
//  only its starter may name, stands for the right to that one answer.
static cab_status_t
s_finished_already (cab_call_t *call, const docs_upload_t *u)
{
    if (strcmp (u->state, "done") != 0 || !u->document_id)
        return s_not_open (call, u);
    docs_doc_t *doc = NULL;
    if (u->classification == DOCS_RECORDING) {
        docs_worker_t *w = docs_call_worker (call);
        docs_actor_t actor;
        docs_call_actor (call, &actor);
        cab_status_t status =
            docs_store_document (w->store, call->arena, u->document_id, &actor, &doc);
        if (status == CAB_NOT_FOUND)
            return cab_call_error (call, status, "upload_id", DOCS_MSG_DOCUMENT_NOT_FOUND);
        if (status != CAB_OK)
            return docs_call_fail (call, status);
        return cab_call_reply (call, doc->doc);
    }
    if (docs_call_document (call, "upload_id", u->document_id, &doc) != CAB_OK)
        return call->status;
    return cab_call_reply (call, doc->doc);
}

//  The uploader's roles in the meeting of u now, re-checking that they may
//  still add to it (it may have been cancelled meanwhile). Replies and
//  returns false when not.
static bool
s_still_allowed (cab_call_t *call, const docs_upload_t *u, const docs_actor_t *actor,
                 unsigned *roles)
{
    *roles = 0;
    docs_fault_t fault;
    if (u->library != DOCS_LIBRARY_NONE) {
        docs_may_upload_to_library (actor, u->library, u->classification, &fault);
    } else {
        docs_meeting_t *m = NULL;
        if (docs_call_meeting (call, "meeting_id", u->meeting_id, &m, roles) != CAB_OK)
            return false;
        //  A meeting marked secret meanwhile takes no recording either.
        if (u->classification == DOCS_RECORDING)
            docs_may_upload_recording (actor, *roles, m->published, m->state, m->secret, &fault);
        else
            docs_may_upload_to_meeting (actor, *roles, m->published, m->state, &fault);
    }
    if (fault.status == CAB_OK)
        return true;
    docs_call_fault (call, &fault);
    return false;
}

//  The signature to record when the analysis could not finish.
static Cabinet__V1__DocumentSignature *
s_unchecked_signature (cab_call_t *call)
{
    Cabinet__V1__DocumentSignature *s = cab_arena_alloc (call->arena, sizeof *s);
    cabinet__v1__document_signature__init (s);
    s->reason = "Chưa kiểm tra được chữ ký số: không phân tích được tệp";
    return s;
}

cab_status_t
docs_upload_finish (cab_call_t *call, const ProtobufCMessage *request)
{
    const Cabinet__V1__UploadIdRequest *req = (const Cabinet__V1__UploadIdRequest *) request;
    docs_worker_t *w = docs_call_worker (call);
    docs_actor_t actor;
    docs_call_actor (call, &actor);
    docs_upload_t *u = NULL;
    if (s_own_upload (call, req->upload_id, &u) != CAB_OK)
        return call->status;
    cab_status_t status = docs_store_upload_claim (w->store, call->arena, u->id, &u);
    if (status == CAB_ABORTED)
        return s_finished_already (call, u);
    if (status == CAB_NOT_FOUND)
        return cab_call_error (call, status, "upload_id", s_upload_not_found);
    if (status != CAB_OK)
        return docs_call_fail (call, status);

    //  From here the upload is ours: it ends discarded, done, or (after a
    //  failure of this machine) open again for another try.
    if (u->received == 0) {
        s_discard (w, u->id);
        return docs_call_invalid (call, "file", "Tệp rỗng (0 byte): không có gì để lưu");
    }
    unsigned roles = 0;
    if (!s_still_allowed (call, u, &actor, &roles)) {
        //  Refused: gone. A failure of ours: the caller may try again.
        if (call->status == CAB_INTERNAL || call->status == CAB_UNAVAILABLE)
            docs_store_upload_reopen (w->store, u->id);
        else
            s_discard (w, u->id);
        return call->status;
    }
    int fd = -1;
    char path[PATH_MAX];
    char sha256[65];
    if (docs_spool_truncate (w->spool, u->id, u->received) != 0
        || (fd = docs_spool_open (w->spool, u->id)) < 0 || docs_spool_path (w->spool, u->id, path)
        || docs_storage_address_of (fd, sha256) != 0) {
        cab_error ("upload %s: its temporary file cannot be read: %s", u->id, strerror (errno));
        if (fd >= 0)
            close (fd);
        s_discard (w, u->id);
        return docs_call_fail (call, CAB_INTERNAL);
    }
    bool ran = false, finished = false;
    Cabinet__V1__DocumentAnalysis *a =
        docs_sandbox_analyze (DOCS_ANALYZER, fd, DOCS_SANDBOX_TIMEOUT_MS, &ran, &finished);
    close (fd);
    if (!ran) {
        docs_store_upload_reopen (w->store, u->id);
        return docs_call_fail (call, CAB_UNAVAILABLE);
    }
    docs_fault_t fault;
    if (!a) {
        s_discard (w, u->id);
        docs_fault_set (&fault, CAB_INVALID_ARGUMENT, "file",
                        "Không xác định được loại tệp (tệp có thể bị hỏng)");
        fault.code = "unsupported_media_type";
        return docs_call_fault (call, &fault);
    }
    bool recording = u->classification == DOCS_RECORDING;
    //  A recording is audio and nothing else; a document is anything but.
    if (recording)
        docs_check_recording_type (a->file_type, a->mime_type, &fault);
    else
        docs_check_type (a->file_type, a->mime_type, a->accepted_kind ? w->settings.accepted : 0,
                         &fault);
    if (fault.status != CAB_OK) {
        cab_info ("upload %s refused: content is %s (%s)", u->id, a->file_type, a->mime_type);
        protobuf_c_message_free_unpacked (&a->base, NULL);
        s_discard (w, u->id);
        return docs_call_fault (call, &fault);
    }

    bool pages_known =
        finished && a->pages_known_case == CABINET__V1__DOCUMENT_ANALYSIS__PAGES_KNOWN_PAGES;
    docs_status_t initial = docs_initial_status_of (u->classification, u->library, roles);
    char *id = cab_arena_alloc (call->arena, CAB_UUID_LEN + 1);
    cab_uuid_v7 (id);
    docs_doc_in_t in = {
        .upload = u,
        .id = id,
        .status = initial,
        //  Nobody reviews a recording: approved, by no one.
        .approved_by = initial == DOCS_APPROVED && u->library == DOCS_LIBRARY_NONE && !recording
                           ? actor.user_id
                           : NULL,
        .file_type = a->file_type,
        .mime_type = a->mime_type,
        .size = u->received,
        .sha256 = sha256,
        .pages = pages_known ? a->pages : -1,
        //  A recording has no pages to count.
        .pages_note = recording  ? NULL
                      : finished ? a->pages_note
                                 : "Không phân tích được nội dung tệp (tệp có thể bị hỏng hoặc "
                                   "quá phức tạp): chưa biết số trang",
        .text = finished ? a->text : NULL,
        .text_encoding = finished && a->text && *a->text ? a->text_encoding : u->title_encoding,
        .signature = finished                            ? a->signature
                     : strcmp (a->file_type, "pdf") == 0 ? s_unchecked_signature (call)
                                                         : NULL,
        .temp_path = path,
        .duration_seconds = a->has_duration_seconds ? a->duration_seconds : -1,
    };
    docs_doc_t *doc = NULL;
    status = docs_store_document_create (w->store, call->arena, w->storage, &in, &actor, &doc);
    protobuf_c_message_free_unpacked (&a->base, NULL);
    if (status != CAB_OK) {
        bool file_left = access (path, F_OK) == 0;
        if (status == CAB_RESOURCE_EXHAUSTED || !file_left) {
            s_discard (w, u->id);
            return status == CAB_RESOURCE_EXHAUSTED
                       ? cab_call_error (call, status, NULL, s_disk_full)
                       : docs_call_fail (call, status);
        }
        docs_store_upload_reopen (w->store, u->id);
        return docs_call_fail (call, status);
    }
    cab_info ("document %s stored (%s, %lld bytes) from upload %s", id, doc->doc->file_type,
              (long long) doc->doc->size, u->id);
    if (u->n_access) {
        doc->doc->access_user_ids = u->access;
        doc->doc->n_access_user_ids = u->n_access;
    }
    return cab_call_reply (call, doc->doc);
}

cab_status_t
docs_upload_abort (cab_call_t *call, const ProtobufCMessage *request)
{
    const Cabinet__V1__UploadIdRequest *req = (const Cabinet__V1__UploadIdRequest *) request;
    docs_worker_t *w = docs_call_worker (call);
    docs_upload_t *u = NULL;
    if (s_own_upload (call, req->upload_id, &u) != CAB_OK)
        return call->status;
    //  Claiming it first: a finish under way is not pulled from under it.
    cab_status_t status = docs_store_upload_claim (w->store, call->arena, u->id, &u);
    if (status == CAB_ABORTED)
        return s_not_open (call, u);
    if (status == CAB_NOT_FOUND)
        return cab_call_error (call, status, "upload_id", s_upload_not_found);
    if (status != CAB_OK)
        return docs_call_fail (call, status);
    s_discard (w, u->id);
    Cabinet__V1__Empty *reply = cab_arena_alloc (call->arena, sizeof *reply);
    cabinet__v1__empty__init (reply);
    return cab_call_reply (call, reply);
}
