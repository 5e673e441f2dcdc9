/*  gw_download - GET /api/v1/documents/{id}/content: a document's file,
    read from the documents service in pieces of at most PIECE bytes
    (documents.ReadContent) while it is sent, so the gateway holds one
    piece, never the file. The first piece is read before anything is
    sent: it decides the status (404 for a document the caller may not see,
    as for one that does not exist) and brings the size, type, hash and a
    safe file name. The service records the download at that first piece.  */
#include "download.h"
#include "cab_log.h"
#include "cabinet/v1/documents.pb-c.h"
#include "routes.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define HTTP_OK 200
#define PIECE (1024 * 1024)  //  bytes per ReadContent (the service's maximum)
#define HEADER_MAX 512

typedef struct {
    cab_rpc_client_t *client;
    Cabinet__V1__Caller *caller;  //  owned copy (unpacked)
    char *id;
    uint64_t size;
    uint8_t *piece;  //  the piece read last
    uint64_t piece_at;
    size_t piece_len;
} s_download_t;

static void
s_download_free (void *state)
{
    s_download_t *self = state;
    if (!self)
        return;
    if (self->caller)
        cabinet__v1__caller__free_unpacked (self->caller, NULL);
    free (self->id);
    free (self->piece);
    free (self);
}

//  Read the piece at offset into self->piece. false on failure (result set).
static bool
s_read_piece (s_download_t *self, uint64_t offset, ProtobufCAllocator *alloc,
              Cabinet__V1__ContentChunk **chunk_p, cab_rpc_result_t *result)
{
    Cabinet__V1__ReadContentRequest msg = CABINET__V1__READ_CONTENT_REQUEST__INIT;
    msg.id = self->id;
    msg.has_offset = msg.has_length = true;
    msg.offset = (int64_t) offset;
    msg.length = PIECE;
    ProtobufCMessage *answer = NULL;
    cab_call_opts_t opts = {.caller = self->caller, .idempotent = true};
    memset (result, 0, sizeof *result);
    if (cab_rpc_call (self->client, "documents.ReadContent", &msg.base,
                      &cabinet__v1__content_chunk__descriptor, alloc, &answer, &opts, result)
        != CAB_OK)
        return false;
    Cabinet__V1__ContentChunk *chunk = (Cabinet__V1__ContentChunk *) answer;
    if (chunk->data.len == 0 || chunk->data.len > PIECE) {
        result->status = CAB_INTERNAL;
        return false;
    }
    memcpy (self->piece, chunk->data.data, chunk->data.len);
    self->piece_at = offset;
    self->piece_len = chunk->data.len;
    *chunk_p = chunk;
    return true;
}

//  libmicrohttpd wants bytes from pos: from the piece in hand, or the next one.
static long
s_reader (void *state, uint64_t pos, char *buf, size_t max)
{
    s_download_t *self = state;
    if (pos < self->piece_at || pos >= self->piece_at + self->piece_len) {
        cab_arena_t *arena = cab_arena_new ();
        if (!arena)
            return -1;
        Cabinet__V1__ContentChunk *chunk = NULL;
        cab_rpc_result_t result;
        bool ok = s_read_piece (self, pos, cab_arena_allocator (arena), &chunk, &result);
        cab_arena_destroy (&arena);
        if (!ok) {
            cab_warn ("download of %s stopped at byte %llu: %s", self->id, (unsigned long long) pos,
                      cab_status_code (result.status));
            return -1;
        }
    }
    size_t at = (size_t) (pos - self->piece_at);
    size_t n = self->piece_len - at < max ? self->piece_len - at : max;
    memcpy (buf, self->piece + at, n);
    return (long) n;
}

//  Content-Disposition with an ASCII name and the RFC 5987 form of it.
static void
s_disposition (gw_reply_t *reply, const char *filename)
{
    char ascii[HEADER_MAX / 2] = "";
    char encoded[HEADER_MAX] = "";
    size_t a = 0, e = 0;
    for (const unsigned char *p = (const unsigned char *) (filename ? filename : "tai-lieu");
         *p && a < sizeof ascii - 1 && e < sizeof encoded - 4; p++) {
        bool plain = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z')
                     || (*p >= '0' && *p <= '9') || strchr ("-._", *p);
        ascii[a++] = plain ? (char) *p : '_';
        e += (size_t) (plain ? snprintf (encoded + e, sizeof encoded - e, "%c", *p)
                             : snprintf (encoded + e, sizeof encoded - e, "%%%02X", *p));
    }
    ascii[a] = '\0';
    char header[HEADER_MAX * 2];
    snprintf (header, sizeof header, "attachment; filename=\"%s\"; filename*=UTF-8''%s", ascii,
              encoded);
    gw_reply_header (reply, "Content-Disposition", header);
}

void
gw_download_content (gw_request_t *req, gw_reply_t *reply)
{
    cab_rpc_result_t result;
    memset (&result, 0, sizeof result);
    s_download_t *self = calloc (1, sizeof *self);
    if (!self) {
        result.status = CAB_INTERNAL;
        gw_reply_rpc_error (reply, &result);
        return;
    }
    self->client = gw_services_for_method (req->env->services, "documents.ReadContent");
    self->piece = malloc (PIECE);
    const char *id = gw_route_param (req, "id");
    self->id = id ? strdup (id) : NULL;
    //  The caller outlives the request's arena in the reader: a copy.
    size_t packed = cabinet__v1__caller__get_packed_size (req->caller);
    uint8_t *bytes = cab_arena_alloc (req->arena, packed ? packed : 1);
    cabinet__v1__caller__pack (req->caller, bytes);
    self->caller = cabinet__v1__caller__unpack (NULL, packed, bytes);
    if (!self->client || !self->piece || !self->id || !self->caller) {
        result.status = self->client ? CAB_INTERNAL : CAB_UNAVAILABLE;
        gw_reply_rpc_error (reply, &result);
        s_download_free (self);
        return;
    }
    Cabinet__V1__ContentChunk *first = NULL;
    if (!s_read_piece (self, 0, cab_arena_allocator (req->arena), &first, &result)) {
        gw_reply_rpc_error (reply, &result);
        s_download_free (self);
        return;
    }
    self->size = first->has_size ? (uint64_t) first->size : self->piece_len;
    const char *type = cab_arena_strdup (req->arena, first->mime_type ? first->mime_type
                                                                      : "application/octet-stream");
    s_disposition (reply, first->filename);
    if (first->sha256) {
        char etag[80];
        snprintf (etag, sizeof etag, "\"%.64s\"", first->sha256);
        gw_reply_header (reply, "ETag", etag);
    }
    gw_reply_header (reply, "Cache-Control", "private, no-store");
    gw_reply_stream (reply, HTTP_OK, type, self->size, s_reader, self, s_download_free);
}
