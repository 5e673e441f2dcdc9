/*  pdf - pages and text through poppler-glib (see pdf.h).  */
#include "pdf.h"
#include <glib.h>
#include <poppler.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static double
s_seconds (void)
{
    struct timespec now;
    clock_gettime (CLOCK_MONOTONIC, &now);
    return (double) now.tv_sec + (double) now.tv_nsec / 1e9;
}

//  Append n bytes of s to out's text, cut on a character boundary at max.
static bool
s_append (docs_pdf_info_t *out, const char *s, size_t n, size_t max)
{
    if (out->text_len + n > max) {
        n = max - out->text_len;
        while (n > 0 && ((unsigned char) s[n] & 0xc0) == 0x80)
            n--;
        out->truncated = true;
    }
    char *grown = realloc (out->text, out->text_len + n + 1);
    if (!grown)
        return false;
    out->text = grown;
    memcpy (out->text + out->text_len, s, n);
    out->text_len += n;
    out->text[out->text_len] = '\0';
    return !out->truncated;
}

int
docs_pdf_inspect (int fd, size_t text_max, int text_seconds, docs_pdf_info_t *out)
{
    memset (out, 0, sizeof *out);
    out->pages = -1;
    int copy = dup (fd);
    if (copy < 0 || lseek (copy, 0, SEEK_SET) != 0) {
        if (copy >= 0)
            close (copy);
        snprintf (out->note, sizeof out->note, "Không đọc được tệp PDF");
        return -1;
    }
    GError *error = NULL;
    //  The document owns copy from here on and closes it.
    PopplerDocument *doc = poppler_document_new_from_fd (copy, NULL, &error);
    if (!doc) {
        out->encrypted =
            error && error->domain == POPPLER_ERROR && error->code == POPPLER_ERROR_ENCRYPTED;
        snprintf (out->note, sizeof out->note, "%s",
                  out->encrypted ? "Tệp PDF được bảo vệ bằng mật khẩu: không đọc được số trang "
                                   "và nội dung"
                                 : "Tệp PDF bị hỏng hoặc không đúng cấu trúc: không đếm được số "
                                   "trang");
        g_clear_error (&error);
        return -1;
    }
    int pages = poppler_document_get_n_pages (doc);
    if (pages > 0)
        out->pages = pages;
    else
        snprintf (out->note, sizeof out->note, "Tệp PDF không có trang nào đọc được");
    double deadline = s_seconds () + text_seconds;
    for (int i = 0; i < pages; i++) {
        if (s_seconds () > deadline) {
            out->truncated = true;
            break;
        }
        PopplerPage *page = poppler_document_get_page (doc, i);
        if (!page)
            continue;
        char *text = poppler_page_get_text (page);
        bool more = true;
        if (text && *text) {
            more = s_append (out, text, strlen (text), text_max);
            if (more && out->text_len && out->text[out->text_len - 1] != '\n')
                more = s_append (out, "\n", 1, text_max);
        }
        g_free (text);
        g_object_unref (page);
        if (!more)
            break;
    }
    g_object_unref (doc);
    return 0;
}

void
docs_pdf_info_clear (docs_pdf_info_t *out)
{
    if (!out)
        return;
    free (out->text);
    out->text = NULL;
    out->text_len = 0;
}
