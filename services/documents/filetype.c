/*  filetype - libmagic and how its answers are sorted (see filetype.h).  */
#include "filetype.h"
#include "cab_log.h"
#include <magic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

static bool
s_prefix (const char *s, const char *prefix)
{
    return s && strncasecmp (s, prefix, strlen (prefix)) == 0;
}

static bool
s_in (const char *s, const char *const *list)
{
    for (; s && *list; list++)
        if (strcasecmp (s, *list) == 0)
            return true;
    return false;
}

static const char *const s_programs[] = {
    "application/x-executable",
    "application/x-pie-executable",
    "application/x-sharedlib",
    "application/x-dosexec",
    "application/x-msdownload",
    "application/x-mach-binary",
    "application/x-elf",
    "application/x-object",
    "application/x-coredump",
    "application/x-msi",
    "application/java-archive",
    "application/x-java-applet",
    "application/vnd.microsoft.portable-executable",
    "text/x-shellscript",
    "text/x-msdos-batch",
    "application/x-bat",
    "text/x-python",
    "text/x-perl",
    "application/javascript",
    "text/javascript",
    "application/x-httpd-php",
    "text/x-php",
    "application/x-ms-shortcut",
    NULL,
};

static const char *const s_zips[] = {
    "application/zip",
    "application/x-zip",
    "application/x-zip-compressed",
    NULL,
};

static const char *const s_ole[] = {
    "application/vnd.ms-office", "application/x-ole-storage", "application/CDFV2",
    "application/CDFV2-unknown", "application/CDFV2-corrupt", NULL,
};

docs_magic_t
docs_magic_classify (const char *mime, const char *description)
{
    if (!mime)
        return DOCS_MAGIC_OTHER;
    if (strcasecmp (mime, "application/pdf") == 0)
        return DOCS_MAGIC_PDF;
    if (strcasecmp (mime, "image/jpeg") == 0)
        return DOCS_MAGIC_JPG;
    if (strcasecmp (mime, "image/png") == 0)
        return DOCS_MAGIC_PNG;
    if (s_in (mime, s_programs)
        || (description && (strstr (description, "executable") || strstr (description, "PE32"))))
        return DOCS_MAGIC_EXE;
    if (strcasecmp (mime, "application/msword") == 0)
        return DOCS_MAGIC_DOC;
    if (strcasecmp (mime, "application/vnd.ms-excel") == 0)
        return DOCS_MAGIC_XLS;
    if (strcasestr (mime, "macroEnabled"))
        return DOCS_MAGIC_MACRO;
    //  Office Open XML and anything zipped: the content decides.
    if (s_in (mime, s_zips) || s_prefix (mime, "application/vnd.openxmlformats-officedocument."))
        return DOCS_MAGIC_ZIP;
    if (s_in (mime, s_ole)) {
        //  A compound file libmagic did not name: its description may.
        if (description && strstr (description, "Microsoft Excel"))
            return DOCS_MAGIC_XLS;
        if (description
            && (strstr (description, "Microsoft Office Word")
                || strstr (description, "Microsoft Word")))
            return DOCS_MAGIC_DOC;
        return DOCS_MAGIC_OLE;
    }
    return DOCS_MAGIC_OTHER;
}

int
docs_magic_doc_pages (const char *description)
{
    const char *at = description ? strstr (description, "Number of Pages: ") : NULL;
    if (!at)
        return -1;
    char *end = NULL;
    long pages = strtol (at + strlen ("Number of Pages: "), &end, 10);
    return end && pages > 0 && pages < 1000000 ? (int) pages : -1;
}

//  One libmagic answer with flags for the file on fd.
static int
s_ask (int fd, int flags, char *out, size_t cap)
{
    out[0] = '\0';
    //  No decompression: a compressed payload is not a document we keep.
    magic_t cookie = magic_open (flags | MAGIC_NO_CHECK_COMPRESS | MAGIC_ERROR);
    if (!cookie)
        return -1;
    int rc = -1;
    if (magic_load (cookie, NULL) == 0 && lseek (fd, 0, SEEK_SET) == 0) {
        const char *answer = magic_descriptor (cookie, fd);
        if (answer) {
            snprintf (out, cap, "%s", answer);
            rc = 0;
        } else
            cab_warn ("libmagic: %s", magic_error (cookie) ? magic_error (cookie) : "no answer");
    }
    magic_close (cookie);
    lseek (fd, 0, SEEK_SET);
    return rc;
}

int
docs_magic_identify (int fd, char *mime, size_t mime_cap, char *description, size_t description_cap)
{
    int rc = s_ask (fd, MAGIC_MIME_TYPE, mime, mime_cap);
    if (rc == 0)
        rc = s_ask (fd, MAGIC_NONE, description, description_cap);
    return rc;
}
