/*  gw_static - the web UI's files from CABINET_WEB_DIR, for every GET or
    HEAD outside /api/: "/" is index.html, Content-Type from the extension,
    ETag and Last-Modified with 304 answers, and nothing outside the folder:
    ".." and hidden names are refused and the resolved path must stay
    inside the resolved folder (symbolic links included).  */
#ifndef GW_STATIC_H
#define GW_STATIC_H
#include "reply.h"
#include "request.h"
#include <stdbool.h>

//  Serve req->path from req->env->web_dir into reply (the file is sent from
//  its descriptor). Missing, hidden or outside files are 404.
void gw_static_serve (gw_request_t *req, gw_reply_t *reply);

//  true if path may name a file of the web folder: absolute, no "." or
//  ".." segment, no hidden segment, no backslash.
bool gw_static_path_ok (const char *path);

//  Content-Type for a file name, from its extension. Static string.
const char *gw_static_type (const char *name);

//  true if an If-None-Match header (a list) holds etag, or is "*".
bool gw_etag_matches (const char *header, const char *etag);

#endif
