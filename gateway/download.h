/*  gw_download - the route handler that sends a document's file, streamed
    from the documents service (see download.c).  */
#ifndef GW_DOWNLOAD_H
#define GW_DOWNLOAD_H
#include "reply.h"
#include "request.h"

//  GET /api/v1/documents/{id}/content.
void gw_download_content (gw_request_t *req, gw_reply_t *reply);

#endif
