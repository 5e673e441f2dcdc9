/*  sandbox - runs the analysis of an uploaded file (analyze.h) in a child
    process: the service's own binary started again as `cabinet-documents
    analyze-file`, the file on its standard input, the analysis back on a
    pipe. The parsers (libmagic, libzip, libxml2, poppler, OpenSSL) read
    untrusted bytes; in a child bounded in memory and CPU time, with a
    wall-clock deadline and no other descriptors, a crash or a hang on a
    hostile file costs that file its analysis, never the service.

    The child reports twice: once the kind is known, and when it is done.
    If it dies in between, the first report still says what the file is
    (the service keeps it with pages unknown); if it dies before, nothing
    is known and the file is refused.  */
#ifndef DOCS_SANDBOX_H
#define DOCS_SANDBOX_H
#include "cabinet/v1/documents.pb-c.h"
#include <stdbool.h>

#define DOCS_SANDBOX_VERB "analyze-file"
#define DOCS_SANDBOX_TIMEOUT_MS 120000

//  Analyse the file open on fd with program (a path to a binary that runs
//  docs_analyze_main for the verb DOCS_SANDBOX_VERB, e.g. /proc/self/exe)
//  within timeout_ms. Returns the child's last complete report (malloc'd:
//  free with protobuf_c_message_free_unpacked), or NULL when it gave none;
//  *ran is false when no child could be started at all (a fault of this
//  machine, not of the file), *finished whether the child exited normally
//  after its final report.
Cabinet__V1__DocumentAnalysis *docs_sandbox_analyze (const char *program, int fd, int timeout_ms,
                                                     bool *ran, bool *finished);

#endif
