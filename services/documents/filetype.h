/*  filetype - what a file is, from its content (libmagic), never from its
    name: a .pdf name on a PNG is a PNG, a program named report.pdf is a
    program. Zip files are only a first answer: the OOXML reader (ooxml.h)
    decides between Word, Excel, PowerPoint, macro documents and plain
    archives. Runs in the analysing child process.  */
#ifndef DOCS_FILETYPE_H
#define DOCS_FILETYPE_H
#include <stddef.h>

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
    DOCS_MAGIC_OTHER,
} docs_magic_t;

//  Sort a MIME type and description (either may be NULL) as libmagic gives
//  them. Pure: tests call it with libmagic's strings.
docs_magic_t docs_magic_classify (const char *mime, const char *description);

//  The page count libmagic reads from a Word 97-2003 file's summary
//  information ("Number of Pages: 12"), or -1 when it says none (or 0).
int docs_magic_doc_pages (const char *description);

//  Ask libmagic about the file on fd (read from the start; the offset is
//  left at the start): its MIME type and description into the buffers.
//  Returns 0, or -1 when libmagic could not run (buffers "").
int docs_magic_identify (int fd, char *mime, size_t mime_cap, char *description,
                         size_t description_cap);

#endif
