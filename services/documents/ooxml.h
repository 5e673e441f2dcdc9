/*  ooxml - Office Open XML files (docx, xlsx, pptx) as the documents
    service reads them: which of the three a zip is (from its
    [Content_Types].xml, never from its name), its pages and its text.

    Zip files are untrusted: decompression is bounded. A part is read only
    when its declared size is within the limits, reading stops at the
    declared size plus one byte whatever the file claims, and the bytes
    inflated over the whole file are counted against a budget, so a zip
    bomb disguised as a document costs at most that budget. XML is parsed
    by libxml2's reader without network access, DTD loading or entity
    substitution.  */
#ifndef DOCS_OOXML_H
#define DOCS_OOXML_H
#include <stdbool.h>
#include <stddef.h>

typedef struct {
    size_t part_max;   //  largest part inflated, declared or actual
    size_t total_max;  //  bytes inflated from one file, over all its parts
    long entries_max;  //  a zip with more entries is not read
    size_t text_max;   //  bytes of text collected
} docs_zip_limits_t;

//  What a zip holds, by the content type of its main part.
typedef enum {
    DOCS_OOXML_NONE,   //  not an Office document (a plain zip)
    DOCS_OOXML_DOCX,   //  Word document or template
    DOCS_OOXML_XLSX,   //  Excel workbook or template
    DOCS_OOXML_PPTX,   //  PowerPoint presentation, show or template
    DOCS_OOXML_MACRO,  //  an Office document carrying macros (docm, xlsm, pptm, vbaProject)
} docs_ooxml_kind_t;

typedef struct _docs_ooxml_t docs_ooxml_t;

//  Open the zip file on fd (duplicated: fd stays the caller's). Returns
//  NULL when it is not a zip libzip can read, or has more than
//  entries_max entries; then *why (if not NULL) is a Vietnamese reason.
docs_ooxml_t *docs_ooxml_open (int fd, const docs_zip_limits_t *limits, const char **why);

//  NULL-safe; nulls *self_p.
void docs_ooxml_destroy (docs_ooxml_t **self_p);

//  The kind, from [Content_Types].xml (read once).
docs_ooxml_kind_t docs_ooxml_kind (docs_ooxml_t *self);

//  Pages of a document of kind: Word from docProps/app.xml's <Pages>;
//  Excel one per visible sheet of the workbook; PowerPoint one per slide
//  of the presentation. Returns the count (>= 1), or -1 when unknown with
//  the reason in note. note may also explain a count (sheets, slides);
//  it is "" otherwise.
int docs_ooxml_pages (docs_ooxml_t *self, docs_ooxml_kind_t kind, char *note, size_t cap);

//  The text of a document of kind (Word: the main document; Excel: the
//  shared strings; PowerPoint: the slides), paragraphs on their own lines,
//  at most text_max bytes (*truncated then). Returns a new NUL-terminated
//  string (the caller frees it; "" when there is none), *len its length;
//  NULL on out-of-memory.
char *docs_ooxml_text (docs_ooxml_t *self, docs_ooxml_kind_t kind, size_t *len, bool *truncated);

//  Bytes inflated so far from the file (for tests and the bound's proof).
size_t docs_ooxml_inflated (const docs_ooxml_t *self);

#endif
