/*  gw_upload - the sink of the document upload routes: a multipart/form-data
    body streamed to the documents service (see upload.c).  */
#ifndef GW_UPLOAD_H
#define GW_UPLOAD_H
#include "routes.h"

extern const gw_sink_t gw_upload_sink;

#endif
