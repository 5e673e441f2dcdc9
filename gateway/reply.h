/*  gw_reply - an HTTP reply under construction, independent of the HTTP
    library: status, body or file, extra headers. Route handlers fill one;
    http.c turns it into a libmicrohttpd response and adds the headers every
    response carries. Also the one place error bodies are written, so every
    error has the API's shape:
        {"error": {"code": "...", "message": "<Vietnamese>", "field": "..."}}  */
#ifndef GW_REPLY_H
#define GW_REPLY_H
#include "cab_rpc.h"
#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define GW_REPLY_MAX_HEADERS 8

#define GW_CONTENT_JSON "application/json; charset=utf-8"

typedef struct {
    const char *name;  //  static header name
    char *value;       //  owned copy
} gw_header_t;

//  A body produced while it is sent (downloads): write up to max bytes at
//  position pos into buf. Returns the bytes written (> 0), or -1 when the
//  body cannot be continued (the connection is then closed).
typedef long (*gw_reader_fn) (void *state, uint64_t pos, char *buf, size_t max);

//  A body without a known end, produced as things happen (live streams):
//  write up to max bytes into buf and return how many (> 0); or return 0
//  when nothing is ready, having parked conn (gw_http_park) so that the
//  server stops asking until someone wakes it (gw_http_wake); or -1 when
//  the body has ended. conn identifies the connection to the server.
typedef long (*gw_pull_fn) (void *state, void *conn, char *buf, size_t max);

typedef struct {
    int status;                //  HTTP status; 0 while nothing is decided
    char *body;                //  owned (malloc); NULL for an empty body
    size_t size;               //  bytes of body
    const char *content_type;  //  static or in the request's arena; NULL for none
    int fd;                    //  file sent instead of body (owned), or -1
    uint64_t fd_size;          //  bytes of fd to send
    gw_reader_fn reader;       //  body produced by a reader instead, or NULL
    void *reader_state;        //  owned: reader_free releases it
    void (*reader_free) (void *state);
    uint64_t reader_size;  //  bytes the reader produces
    gw_pull_fn pull;       //  a live body instead (state in reader_state), or NULL
    char error_code[64];   //  code of an error reply, for the access log
    gw_header_t headers[GW_REPLY_MAX_HEADERS];
    int header_count;
} gw_reply_t;

//  Start with an empty, undecided reply.
void gw_reply_init (gw_reply_t *self);

//  Free what the reply holds (body, header values, file) and start over.
void gw_reply_reset (gw_reply_t *self);

//  true once a status has been set.
bool gw_reply_decided (const gw_reply_t *self);

//  Add a header (name is kept as given and must be static; value copied).
//  Returns 0, or -1 when the header list is full or memory ran out.
int gw_reply_header (gw_reply_t *self, const char *name, const char *value);

//  Set status and a body copied from text (size bytes) with content_type
//  (static). Replaces an earlier body.
void gw_reply_text (gw_reply_t *self, int status, const char *content_type, const char *text,
                    size_t size);

//  Set status and the compact JSON text of json (borrowed).
void gw_reply_json (gw_reply_t *self, int status, const json_t *json);

//  Set status and a body of size bytes produced by reader as it is sent.
//  Takes state (freed with free_fn, also when the reply is reset unsent).
void gw_reply_stream (gw_reply_t *self, int status, const char *content_type, uint64_t size,
                      gw_reader_fn reader, void *state, void (*free_fn) (void *state));

//  Set status and a live body produced by pull while the connection lasts.
//  Takes state (freed with free_fn once the request is over, also when the
//  reply is reset unsent).
void gw_reply_live (gw_reply_t *self, int status, const char *content_type, gw_pull_fn pull,
                    void *state, void (*free_fn) (void *state));

//  Set status and no body (204, 304).
void gw_reply_empty (gw_reply_t *self, int status);

//  An error reply: status, API error code, Vietnamese message, and the
//  offending field (NULL or "" when not known).
void gw_reply_error (gw_reply_t *self, int status, const char *code, const char *message,
                     const char *field);

//  The error reply for a failed RPC: HTTP status from the status code
//  (UNAVAILABLE 503, DEADLINE_EXCEEDED 504), the service's finer error code
//  when it sent one, its message when it sent one (never for UNAVAILABLE or
//  INTERNAL, whose details stay in the logs).
void gw_reply_rpc_error (gw_reply_t *self, const cab_rpc_result_t *result);

//  The error document as compact JSON text. field may be NULL or "" (then
//  absent). Returns a new string (caller frees), NULL on out-of-memory.
char *gw_error_body (const char *code, const char *message, const char *field);

//  HTTP status for an RPC status code, with the gateway's own choices for
//  the statuses that describe the call rather than the request.
int gw_reply_http_status (cab_status_t status);

#endif
