/*  gw_upload - POST /api/v1/meetings/{meeting_id}/documents (and
    /api/v1/library/{library}/documents): a multipart/form-data upload
    streamed to the documents service as it arrives. The form's text
    fields (title, doc_type_id, classification, access_user_ids) come first,
    then one part named "file"; when the file part begins the upload is
    opened (documents.UploadBegin, which checks everything it can before a
    byte is stored), its content goes in chunks of at most CHUNK bytes
    (documents.UploadChunk), and once the body is complete
    documents.UploadFinish decides the type by content, counts pages and
    answers with the document. The gateway holds one chunk at a time,
    never the file. A meeting's recording (classification=recording, sent
    before the file) has its own size limit, CABINET_RECORDING_MAX_MB:
    what is refused before the form is read is what passes the larger of
    the two; the file part is held to its own class's.

    Refusals: not multipart 415; a declared length over the node's limit
    413 before any byte is read; a body that passes the limit on the way
    (chunked) 413 at once for the service, which discards what it has;
    malformed or truncated multipart 400. An upload that is not finished
    (refused, connection lost) is aborted, so nothing partial stays.  */
#include "upload.h"
#include "cab_log.h"
#include "cab_pbjson.h"
#include "cab_utf8.h"
#include "cabinet/v1/documents.pb-c.h"
#include "cabinet/v1/identity.pb-c.h"
#include "multipart.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define HTTP_CREATED 201
#define HTTP_BAD_REQUEST 400
#define HTTP_TOO_LARGE 413
#define HTTP_UNSUPPORTED_TYPE 415
#define CHUNK (1024 * 1024)        //  bytes per UploadChunk (the service's maximum)
#define FIELD_MAX 4096             //  one text field
#define ACCESS_MAX 500             //  people on a secret document's access list
#define FORM_OVERHEAD (64 * 1024)  //  text fields and multipart framing beyond the file
#define BYTES_PER_MB (1024 * 1024)
#define FINISH_TIMEOUT_MS 130000  //  the service analyses the file for up to 120 s

static const char s_file_field[] = "file";

typedef struct {
    gw_request_t *req;
    gw_reply_t *reply;  //  where refusals are written
    gw_multipart_t *parser;
    cab_rpc_client_t *client;
    uint64_t limit;  //  largest file, bytes
    //  the form's text fields
    char *title;
    char *doc_type_id;
    char *classification;
    char *access[ACCESS_MAX];
    size_t n_access;
    char field[FIELD_MAX + 1];
    size_t field_len;
    //  the file
    bool file_seen;
    bool in_file;
    char *filename;
    char *upload_id;
    char *chunk;
    size_t chunk_len;
    uint64_t sent;  //  bytes handed to the service
    bool finished;
} s_upload_t;

//  The larger of the two limits: all that is known before the form is read.
static uint64_t
s_any_limit (const gw_env_t *env)
{
    return env->recording_max > env->upload_max ? env->recording_max : env->upload_max;
}

static void
s_invalid (s_upload_t *self, const char *message, const char *field)
{
    if (!gw_reply_decided (self->reply))
        gw_reply_error (self->reply, HTTP_BAD_REQUEST, "invalid_argument", message, field);
}

static void
s_too_large (gw_reply_t *reply, uint64_t limit)
{
    char message[128];
    snprintf (message, sizeof message, "Tệp quá lớn (tối đa %llu MB)",
              (unsigned long long) (limit / BYTES_PER_MB));
    gw_reply_error (reply, HTTP_TOO_LARGE, "too_large", message, "file");
}

//  One RPC to the documents service within timeout_ms (0: the gateway's
//  default); false after writing the error reply.
static bool
s_call_within (s_upload_t *self, const char *method, const ProtobufCMessage *msg,
               const ProtobufCMessageDescriptor *reply_desc, bool idempotent, int timeout_ms,
               ProtobufCMessage **answer)
{
    cab_rpc_result_t result;
    memset (&result, 0, sizeof result);
    if (!self->client) {
        result.status = CAB_UNAVAILABLE;
        gw_reply_rpc_error (self->reply, &result);
        return false;
    }
    cab_call_opts_t opts = {
        .caller = self->req->caller, .timeout_ms = timeout_ms, .idempotent = idempotent};
    if (cab_rpc_call (self->client, method, msg, reply_desc, cab_arena_allocator (self->req->arena),
                      answer, &opts, &result)
        != CAB_OK) {
        if (!gw_reply_decided (self->reply))
            gw_reply_rpc_error (self->reply, &result);
        return false;
    }
    return true;
}

static bool
s_call (s_upload_t *self, const char *method, const ProtobufCMessage *msg,
        const ProtobufCMessageDescriptor *reply_desc, bool idempotent, ProtobufCMessage **answer)
{
    return s_call_within (self, method, msg, reply_desc, idempotent, 0, answer);
}

//  Send what the chunk buffer holds.
static bool
s_flush (s_upload_t *self)
{
    if (self->chunk_len == 0)
        return true;
    Cabinet__V1__UploadChunkRequest msg = CABINET__V1__UPLOAD_CHUNK_REQUEST__INIT;
    msg.upload_id = self->upload_id;
    msg.has_offset = true;
    msg.offset = (int64_t) self->sent;
    msg.has_data = true;
    msg.data.data = (uint8_t *) self->chunk;
    msg.data.len = self->chunk_len;
    ProtobufCMessage *answer = NULL;
    //  A chunk sent again at the same offset changes nothing: retry allowed.
    if (!s_call (self, "documents.UploadChunk", &msg.base,
                 &cabinet__v1__upload_chunk_reply__descriptor, true, &answer))
        return false;
    self->sent += self->chunk_len;
    self->chunk_len = 0;
    return true;
}

static bool
s_begin_upload (s_upload_t *self)
{
    Cabinet__V1__UploadBeginRequest msg = CABINET__V1__UPLOAD_BEGIN_REQUEST__INIT;
    msg.meeting_id = gw_route_param (self->req, "meeting_id");
    msg.library = gw_route_param (self->req, "library");
    //  Without a title the file's name stands for it.
    msg.title = self->title && *self->title ? self->title : self->filename;
    msg.doc_type_id = self->doc_type_id;
    msg.classification = self->classification;
    msg.n_access_user_ids = self->n_access;
    msg.access_user_ids = self->access;
    msg.filename = self->filename;
    //  The class is known now (its field comes before the file).
    if (self->classification && strcmp (self->classification, "recording") == 0)
        self->limit = self->req->env->recording_max;
    else
        self->limit = self->req->env->upload_max;
    if (self->req->content_length > 0) {
        msg.has_size = true;
        msg.size = self->req->content_length;
    }
    ProtobufCMessage *answer = NULL;
    if (!s_call (self, "documents.UploadBegin", &msg.base,
                 &cabinet__v1__upload_begin_reply__descriptor, false, &answer))
        return false;
    const Cabinet__V1__UploadBeginReply *begun = (const Cabinet__V1__UploadBeginReply *) answer;
    if (!begun->upload_id) {
        cab_rpc_result_t result = {.status = CAB_INTERNAL};
        gw_reply_rpc_error (self->reply, &result);
        return false;
    }
    self->upload_id = strdup (begun->upload_id);
    self->chunk = malloc (CHUNK);
    if (!self->upload_id || !self->chunk) {
        cab_rpc_result_t result = {.status = CAB_INTERNAL};
        gw_reply_rpc_error (self->reply, &result);
        return false;
    }
    return true;
}

static int
s_on_begin (void *arg, const gw_multipart_part_t *part)
{
    s_upload_t *self = arg;
    self->field_len = 0;
    if (!part->filename) {
        if (self->file_seen) {
            s_invalid (self, "Các trường thông tin phải được gửi trước tệp", part->name);
            return 1;
        }
        return 0;
    }
    if (strcmp (part->name, s_file_field) != 0) {
        s_invalid (self, "Tệp phải được gửi trong trường «file»", part->name);
        return 1;
    }
    if (self->file_seen) {
        s_invalid (self, "Mỗi lần chỉ tải lên một tệp", s_file_field);
        return 1;
    }
    self->file_seen = self->in_file = true;
    self->filename = strdup (part->filename);
    if (!self->filename)
        return 1;
    return s_begin_upload (self) ? 0 : 1;
}

static int
s_on_data (void *arg, const gw_multipart_part_t *part, const char *data, size_t size)
{
    s_upload_t *self = arg;
    (void) part;
    if (!self->in_file) {
        if (size > FIELD_MAX - self->field_len) {
            s_invalid (self, "Trường thông tin quá dài", part->name);
            return 1;
        }
        memcpy (self->field + self->field_len, data, size);
        self->field_len += size;
        return 0;
    }
    if (self->sent + self->chunk_len + size > self->limit) {
        s_too_large (self->reply, self->limit);
        return 1;
    }
    while (size > 0) {
        size_t n = CHUNK - self->chunk_len < size ? CHUNK - self->chunk_len : size;
        memcpy (self->chunk + self->chunk_len, data, n);
        self->chunk_len += n;
        data += n;
        size -= n;
        if (self->chunk_len == CHUNK && !s_flush (self))
            return 1;
    }
    return 0;
}

//  Keep a text field's value (copied, checked).
static int
s_keep_field (s_upload_t *self, const char *name)
{
    self->field[self->field_len] = '\0';
    if (!cab_utf8_valid (self->field, self->field_len) || strlen (self->field) != self->field_len) {
        if (!gw_reply_decided (self->reply))
            gw_reply_error (self->reply, HTTP_BAD_REQUEST, "invalid_encoding",
                            "Nội dung không phải văn bản UTF-8 hợp lệ", name);
        return 1;
    }
    char **slot = NULL;
    if (strcmp (name, "title") == 0)
        slot = &self->title;
    else if (strcmp (name, "doc_type_id") == 0)
        slot = &self->doc_type_id;
    else if (strcmp (name, "classification") == 0)
        slot = &self->classification;
    else if (strcmp (name, "access_user_ids") == 0) {
        //  Repeated fields, or one field with ids separated by commas.
        char *save = NULL;
        for (char *id = strtok_r (self->field, ", \t\r\n", &save); id;
             id = strtok_r (NULL, ", \t\r\n", &save)) {
            if (self->n_access == ACCESS_MAX) {
                s_invalid (self, "Danh sách người được xem quá dài", name);
                return 1;
            }
            self->access[self->n_access] = strdup (id);
            if (!self->access[self->n_access])
                return 1;
            self->n_access++;
        }
        return 0;
    } else {
        char message[160];
        snprintf (message, sizeof message, "Trường không được hỗ trợ: %.64s", name);
        s_invalid (self, message, name);
        return 1;
    }
    if (*slot) {
        s_invalid (self, "Trường thông tin bị gửi hai lần", name);
        return 1;
    }
    *slot = strdup (self->field);
    return *slot ? 0 : 1;
}

static int
s_on_end (void *arg, const gw_multipart_part_t *part)
{
    s_upload_t *self = arg;
    if (self->in_file) {
        self->in_file = false;
        return s_flush (self) ? 0 : 1;
    }
    return s_keep_field (self, part->name);
}

static void *
s_open (gw_request_t *req, gw_reply_t *reply)
{
    int check = gw_multipart_boundary (req->content_type, NULL);
    if (check == GW_MULTIPART_ETYPE) {
        gw_reply_error (reply, HTTP_UNSUPPORTED_TYPE, "unsupported_media_type",
                        "Tệp phải được gửi dạng multipart/form-data", "Content-Type");
        return NULL;
    }
    if (check != GW_MULTIPART_OK) {
        gw_reply_error (reply, HTTP_BAD_REQUEST, "invalid_argument", gw_multipart_strerror (check),
                        "Content-Type");
        return NULL;
    }
    uint64_t limit = s_any_limit (req->env);
    if (req->content_length >= 0 && (uint64_t) req->content_length > limit + FORM_OVERHEAD) {
        s_too_large (reply, limit);
        return NULL;
    }
    s_upload_t *self = calloc (1, sizeof *self);
    if (!self)
        return NULL;
    self->req = req;
    self->reply = reply;
    self->limit = limit;
    self->client = gw_services_for_method (req->env->services, "documents.UploadBegin");
    gw_multipart_callbacks_t cb = {
        .on_begin = s_on_begin, .on_data = s_on_data, .on_end = s_on_end};
    self->parser = gw_multipart_new (req->content_type, &cb, self);
    if (!self->parser) {
        free (self);
        return NULL;
    }
    gw_multipart_set_max_parts (self->parser, ACCESS_MAX + 8);
    return self;
}

static int
s_feed (void *state, const char *data, size_t size, gw_reply_t *reply)
{
    s_upload_t *self = state;
    int rc = gw_multipart_feed (self->parser, data, size);
    if (rc == GW_MULTIPART_OK)
        return 0;
    if (!gw_reply_decided (reply))
        gw_reply_error (reply, HTTP_BAD_REQUEST, "invalid_argument",
                        gw_multipart_error (self->parser), NULL);
    return -1;
}

static void
s_finish (void *state, gw_reply_t *reply)
{
    s_upload_t *self = state;
    int rc = gw_multipart_finish (self->parser);
    if (rc != GW_MULTIPART_OK) {
        if (!gw_reply_decided (reply))
            gw_reply_error (reply, HTTP_BAD_REQUEST, "invalid_argument",
                            gw_multipart_error (self->parser), NULL);
        return;
    }
    if (!self->file_seen) {
        s_invalid (self, "Thiếu tệp tải lên (trường «file»)", s_file_field);
        return;
    }
    Cabinet__V1__UploadIdRequest msg = CABINET__V1__UPLOAD_ID_REQUEST__INIT;
    msg.upload_id = self->upload_id;
    ProtobufCMessage *answer = NULL;
    self->finished = true;  //  stored or refused: the service has dealt with it
    //  A repeat returns the same document: safe to send again.
    if (!s_call_within (self, "documents.UploadFinish", &msg.base,
                        &cabinet__v1__document__descriptor, true, FINISH_TIMEOUT_MS, &answer))
        return;
    json_t *out = cab_pbjson_dump (answer);
    if (!out) {
        cab_rpc_result_t result = {.status = CAB_INTERNAL};
        gw_reply_rpc_error (reply, &result);
        return;
    }
    gw_reply_json (reply, HTTP_CREATED, out);
    json_decref (out);
}

static void
s_close (void *state)
{
    s_upload_t *self = state;
    if (self->upload_id && !self->finished) {
        Cabinet__V1__UploadIdRequest msg = CABINET__V1__UPLOAD_ID_REQUEST__INIT;
        msg.upload_id = self->upload_id;
        gw_reply_t scratch;
        gw_reply_init (&scratch);
        self->reply = &scratch;
        ProtobufCMessage *answer = NULL;
        if (!s_call (self, "documents.UploadAbort", &msg.base, &cabinet__v1__empty__descriptor,
                     true, &answer))
            cab_warn ("upload %s not aborted; the service cleans it up later", self->upload_id);
        gw_reply_reset (&scratch);
    }
    if (self->file_seen)
        gw_services_changed (self->req->env->services, "documents");
    gw_multipart_destroy (&self->parser);
    free (self->title);
    free (self->doc_type_id);
    free (self->classification);
    for (size_t i = 0; i < self->n_access; i++)
        free (self->access[i]);
    free (self->filename);
    free (self->upload_id);
    free (self->chunk);
    free (self);
}

static uint64_t
s_limit (const gw_request_t *req)
{
    return s_any_limit (req->env) + FORM_OVERHEAD;
}

const gw_sink_t gw_upload_sink = {
    .open = s_open,
    .feed = s_feed,
    .finish = s_finish,
    .close = s_close,
    .limit = s_limit,
};
