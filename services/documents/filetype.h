/*  filetype - what a file is, from its content (libmagic), never from its
    name: a .pdf name on a PNG is a PNG, a program named report.pdf is a
    program. Zip files are only a first answer: the OOXML reader (ooxml.h)
    decides between Word, Excel, PowerPoint, macro documents and plain
    archives. Audio (a meeting's recordings, R6.5) is recognised here too,
    with its length when the header says it cheaply. Runs in the analysing
    child process.  */
#ifndef DOCS_FILETYPE_H
#define DOCS_FILETYPE_H
#include "rules.h"
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

//  libmagic's answer, as the service sorts it.
typedef enum {
    DOCS_MAGIC_PDF,
    DOCS_MAGIC_JPG,
    DOCS_MAGIC_PNG,
    DOCS_MAGIC_DOC,    //  Word 97-2003
    DOCS_MAGIC_XLS,    //  Excel 97-2003
    DOCS_MAGIC_ZIP,    //  a zip: look inside (docx, xlsx, pptx, macros, plain archive)
    DOCS_MAGIC_OLE,    //  another Office 97-2003 (compound file) kind
    DOCS_MAGIC_MACRO,  //  a macro-enabled Office file named as such by libmagic
    DOCS_MAGIC_EXE,    //  a program or script of any platform
    DOCS_MAGIC_AUDIO,  //  a kind of audio recordings may be (docs_magic_audio says which)
    DOCS_MAGIC_WEBM,   //  WebM: audio only, or video (look at its tracks)
    DOCS_MAGIC_OTHER,
} docs_magic_t;

//  Sort a MIME type and description (either may be NULL) as libmagic gives
//  them. Pure: tests call it with libmagic's strings.
docs_magic_t docs_magic_classify (const char *mime, const char *description);

//  The kind of audio libmagic's MIME type and description name, into
//  *kind. Returns false when they name none of docs_audio_t (WebM
//  included: its tracks decide, docs_webm_audio_only). Pure.
bool docs_magic_audio (const char *mime, const char *description, docs_audio_t *kind);

//  Does the start of a WebM file (head, len bytes: its header, before the
//  first cluster) declare audio tracks and no video? libmagic names every
//  WebM video/webm, so the CodecID of each track ("A_OPUS", "V_VP8") is
//  read. Pure.
bool docs_webm_audio_only (const unsigned char *head, size_t len);

//  The length in seconds (rounded) of a recording of kind whose first len
//  bytes are head and whole size file_size, when its header says it
//  without decoding: WAV (data bytes / byte rate) and FLAC (STREAMINFO
//  samples / rate). -1 otherwise. Pure.
int docs_audio_duration (docs_audio_t kind, const unsigned char *head, size_t len,
                         int64_t file_size);

//  The page count libmagic reads from a Word 97-2003 file's summary
//  information ("Number of Pages: 12"), or -1 when it says none (or 0).
int docs_magic_doc_pages (const char *description);

//  Ask libmagic about the file on fd (read from the start; the offset is
//  left at the start): its MIME type and description into the buffers.
//  Returns 0, or -1 when libmagic could not run (buffers "").
int docs_magic_identify (int fd, char *mime, size_t mime_cap, char *description,
                         size_t description_cap);

#endif
