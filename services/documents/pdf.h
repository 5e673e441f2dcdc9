/*  pdf - pages and text of a PDF through poppler-glib. Poppler copes with
    the damaged and unusual files real offices produce (it rebuilds a
    broken cross-reference table) and extracts text with the fonts'
    Unicode maps, which is what the search and the legacy-encoding
    detection need. It runs only in the analysing child process (see
    sandbox.h), never in the service itself.  */
#ifndef DOCS_PDF_H
#define DOCS_PDF_H
#include <stdbool.h>
#include <stddef.h>

typedef struct {
    int pages;       //  -1: unknown (note says why)
    char note[256];  //  Vietnamese
    char *text;      //  UTF-8 as poppler gives it, NUL-terminated (owned); NULL when none
    size_t text_len;
    bool truncated;  //  text stopped at text_max bytes or the time budget
    bool encrypted;  //  protected by a password
} docs_pdf_info_t;

//  Inspect the PDF on fd (duplicated: fd stays the caller's): its pages,
//  and its text up to text_max bytes, spending at most text_seconds on
//  text. Fills out (release with docs_pdf_info_clear). Returns 0, or -1
//  when the file could not be read at all (out->note says why).
int docs_pdf_inspect (int fd, size_t text_max, int text_seconds, docs_pdf_info_t *out);

//  Free what out holds. NULL-safe.
void docs_pdf_info_clear (docs_pdf_info_t *out);

#endif
