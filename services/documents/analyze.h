/*  analyze - everything the service learns from an uploaded file's bytes:
    its kind (libmagic, then the zip's content types), its pages, its text
    (bounded, converted from legacy Vietnamese encodings, for search) and
    its digital signature. The parsers run over untrusted input, so in the
    service this runs in a child process with resource limits (sandbox.h,
    `cabinet-documents analyze-file`); tests and the fuzz target call it
    directly.

    Decisions, in one place:
    - The kind comes from the content. What libmagic recognises as a kind
      the service keeps (PDF, JPEG, PNG, Word/Excel 97-2003, or a zip whose
      [Content_Types].xml names a Word, Excel or PowerPoint main part) is
      that kind; anything else (programs, macro documents, plain zips,
      unknown data) is refused by the service with a message naming it.
    - A file of a kept kind whose inside cannot be read (a damaged PDF or
      DOCX, a password-protected PDF, a part too large to inflate safely)
      is kept with pages unknown and the reason: the person who uploaded
      it may well be able to open it, and a signed original must not be
      thrown away because a parser failed. It is never refused for that.
    - Images count one page; Word 97-2003 files the count libmagic reads
      from their summary information, when present; Excel 97-2003 files
      are unknown.
    - Audio (MP3, WAV, Ogg Vorbis or Opus, FLAC, M4A, AAC, WebM with audio
      tracks only) is reported as such (audio, its kind in file_type), never
      as an accepted document kind: it can only be a meeting's recording.
      Its length is read from WAV and FLAC headers; nothing is decoded.  */
#ifndef DOCS_ANALYZE_H
#define DOCS_ANALYZE_H
#include "cabinet/v1/documents.pb-c.h"
#include "ooxml.h"
#include <stdbool.h>
#include <stdint.h>

#define DOCS_TEXT_MAX (2u << 20)         //  bytes of extracted text kept for search
#define DOCS_ZIP_PART_MAX (64u << 20)    //  largest zip part inflated
#define DOCS_ZIP_TOTAL_MAX (160u << 20)  //  bytes inflated from one zip file
#define DOCS_ZIP_ENTRIES_MAX 20000
#define DOCS_PDF_TEXT_SECONDS 30  //  time spent extracting a PDF's text

typedef struct {
    docs_zip_limits_t zip;
    size_t text_max;
    int pdf_text_seconds;
    const char *trust_anchors;  //  PEM file path, or NULL / "" for none
} docs_analyze_opts_t;

//  The limits above, and trust_anchors.
void docs_analyze_opts_default (docs_analyze_opts_t *opts, const char *trust_anchors);

//  Called once the kind is known, before the slower work (pages, text,
//  signature), with what is known so far.
typedef void (docs_analyze_stage_fn) (const Cabinet__V1__DocumentAnalysis *analysis, void *arg);

//  Analyse the file open on fd (read with pread and dup'd descriptors: the
//  caller's offset does not matter). on_kind may be NULL. Returns the
//  analysis (allocated with malloc: free with
//  protobuf_c_message_free_unpacked (&a->base, NULL)), or NULL on
//  out-of-memory.
Cabinet__V1__DocumentAnalysis *docs_analyze_fd (int fd, const docs_analyze_opts_t *opts,
                                                docs_analyze_stage_fn *on_kind, void *arg);

//  Vietnamese text as received (UTF-8, or raw 8-bit legacy bytes), made
//  Unicode NFC: legacy TCVN3 and VNI converted, control characters other
//  than line breaks and tabs dropped. Returns a new string (caller frees)
//  and sets *encoding ("unicode", "tcvn3", "vni"); NULL on out-of-memory.
char *docs_text_to_unicode (const char *bytes, size_t size, const char **encoding);

//  `cabinet-documents analyze-file`: analyse the file on standard input
//  under resource limits and write length-prefixed packed
//  DocumentAnalysis frames on standard output (the first when the kind is
//  known, the last when done). Returns the exit code.
int docs_analyze_main (void);

#endif
