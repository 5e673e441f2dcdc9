/*  analyze - kind, pages, text and signature of an uploaded file (see
    analyze.h), and the analysing child process's main.  */
#include "analyze.h"
#include "cab_config.h"
#include "cab_log.h"
#include "filetype.h"
#include "legacy.h"
#include "pdf.h"
#include "rules.h"
#include "signature.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#define MIME_TEXT 128
#define DESCRIPTION_TEXT 1024
#define NOTE_TEXT 256
#define FRAME_HEADER 4                    //  big-endian length before each frame
#define CHILD_MEMORY_MAX (1536ull << 20)  //  address space of the analysing process
#define CHILD_CPU_SECONDS 120
#define AUDIO_HEAD (64 * 1024)  //  bytes read of a recording: its header and track list

void
docs_analyze_opts_default (docs_analyze_opts_t *opts, const char *trust_anchors)
{
    opts->zip.part_max = DOCS_ZIP_PART_MAX;
    opts->zip.total_max = DOCS_ZIP_TOTAL_MAX;
    opts->zip.entries_max = DOCS_ZIP_ENTRIES_MAX;
    opts->zip.text_max = DOCS_TEXT_MAX;
    opts->text_max = DOCS_TEXT_MAX;
    opts->pdf_text_seconds = DOCS_PDF_TEXT_SECONDS;
    opts->trust_anchors = trust_anchors;
}

char *
docs_text_to_unicode (const char *bytes, size_t size, const char **encoding)
{
    //  NUL and control characters other than line breaks and tabs go first:
    //  they mean nothing in a title or a search text.
    char *clean = malloc (size + 1);
    if (!clean)
        return NULL;
    size_t n = 0;
    for (size_t i = 0; i < size; i++) {
        unsigned char c = (unsigned char) bytes[i];
        if (c >= 0x20 || c == '\n' || c == '\t')
            clean[n++] = (char) c;
        else if (c == '\r' || c == '\f' || c == '\v')
            clean[n++] = '\n';
    }
    clean[n] = '\0';
    *encoding = "unicode";
    char *text = doc_legacy_to_unicode (clean, n, encoding);
    free (clean);
    if (text && !*encoding)
        *encoding = "unicode";
    return text;
}

static void
s_set_pages (Cabinet__V1__DocumentAnalysis *a, int pages, const char *note)
{
    if (pages >= 1) {
        a->pages_known_case = CABINET__V1__DOCUMENT_ANALYSIS__PAGES_KNOWN_PAGES;
        a->pages = pages;
    } else
        a->pages_known_case = CABINET__V1__DOCUMENT_ANALYSIS__PAGES_KNOWN__NOT_SET;
    free (a->pages_note);
    a->pages_note = note && *note ? strdup (note) : NULL;
}

//  Store text (raw bytes as extracted) in a, converted to Unicode.
static void
s_set_text (Cabinet__V1__DocumentAnalysis *a, const char *raw, size_t len, bool truncated,
            size_t max)
{
    if (!raw || len == 0)
        return;
    const char *encoding = "unicode";
    char *text = docs_text_to_unicode (raw, len, &encoding);
    if (!text)
        return;
    //  Conversion may lengthen it: cut again on a character boundary.
    size_t n = strlen (text);
    if (n > max) {
        n = max;
        while (n > 0 && ((unsigned char) text[n] & 0xc0) == 0x80)
            n--;
        text[n] = '\0';
        truncated = true;
    }
    a->text = text;
    a->text_encoding = strdup (encoding);
    a->has_text_truncated = true;
    a->text_truncated = truncated;
}

static Cabinet__V1__DocumentSignature *
s_signature_message (const docs_signature_t *sig)
{
    Cabinet__V1__DocumentSignature *m = malloc (sizeof *m);
    if (!m)
        return NULL;
    cabinet__v1__document_signature__init (m);
    m->has_signed_ = m->has_valid = m->has_intact = m->has_trusted = true;
    m->has_covers_whole_file = m->has_count = true;
    m->signed_ = sig->is_signed;
    m->intact = sig->intact;
    m->trusted = sig->trusted;
    m->valid = sig->intact && sig->trusted;
    m->covers_whole_file = sig->covers_whole;
    m->count = sig->count;
    m->signer = sig->signer[0] ? strdup (sig->signer) : NULL;
    m->issuer = sig->issuer[0] ? strdup (sig->issuer) : NULL;
    if (sig->signed_at) {
        char text[DOCS_TIME_TEXT];
        m->signed_at = strdup (docs_time_format (sig->signed_at, text));
    }
    m->reason = strdup (sig->reason);
    return m;
}

static void
s_pdf (int fd, int64_t size, const docs_analyze_opts_t *opts, Cabinet__V1__DocumentAnalysis *a)
{
    docs_pdf_info_t info;
    docs_pdf_inspect (fd, opts->text_max, opts->pdf_text_seconds, &info);
    s_set_pages (a, info.pages, info.note);
    s_set_text (a, info.text, info.text_len, info.truncated, opts->text_max);
    docs_pdf_info_clear (&info);
    docs_signature_t sig;
    docs_signature_check (fd, size, opts->trust_anchors, &sig);
    a->signature = s_signature_message (&sig);
}

//  A zip: decide the kind from inside, then pages and text.
static void
s_zip (int fd, const docs_analyze_opts_t *opts, Cabinet__V1__DocumentAnalysis *a,
       docs_analyze_stage_fn *on_kind, void *arg)
{
    const char *why = NULL;
    docs_ooxml_t *zip = docs_ooxml_open (fd, &opts->zip, &why);
    docs_ooxml_kind_t kind = zip ? docs_ooxml_kind (zip) : DOCS_OOXML_NONE;
    static const docs_type_t types[] = {
        [DOCS_OOXML_DOCX] = DOCS_TYPE_DOCX,
        [DOCS_OOXML_XLSX] = DOCS_TYPE_XLSX,
        [DOCS_OOXML_PPTX] = DOCS_TYPE_PPTX,
    };
    bool office = kind == DOCS_OOXML_DOCX || kind == DOCS_OOXML_XLSX || kind == DOCS_OOXML_PPTX;
    bool named = strstr (a->mime_type ? a->mime_type : "", "openxmlformats") != NULL;
    if (!office && named && kind == DOCS_OOXML_NONE && !why)
        why = "không đọc được danh mục thành phần ([Content_Types].xml)";
    if (office || (named && kind == DOCS_OOXML_NONE)) {
        //  libmagic named an Office document the reader cannot open: kept,
        //  with what is wrong with it (see analyze.h).
        docs_type_t type = office                                    ? types[kind]
                           : strstr (a->mime_type, "spreadsheetml")  ? DOCS_TYPE_XLSX
                           : strstr (a->mime_type, "presentationml") ? DOCS_TYPE_PPTX
                                                                     : DOCS_TYPE_DOCX;
        free (a->file_type);
        free (a->mime_type);
        a->file_type = strdup (docs_type_name (type));
        a->mime_type = strdup (docs_type_mime (type));
        a->has_accepted_kind = a->accepted_kind = true;
    } else {
        free (a->file_type);
        a->file_type = strdup (kind == DOCS_OOXML_MACRO ? "macro" : "zip");
    }
    if (on_kind)
        on_kind (a, arg);
    if (!office) {
        if (a->accepted_kind) {
            char note[NOTE_TEXT];
            snprintf (note, sizeof note, "Tệp Office bị hỏng: %s", why ? why : "không đọc được");
            s_set_pages (a, -1, note);
        }
        docs_ooxml_destroy (&zip);
        return;
    }
    char note[NOTE_TEXT];
    int pages = docs_ooxml_pages (zip, kind, note, sizeof note);
    s_set_pages (a, pages, note);
    size_t len = 0;
    bool truncated = false;
    char *text = docs_ooxml_text (zip, kind, &len, &truncated);
    s_set_text (a, text, len, truncated, opts->text_max);
    free (text);
    a->has_inflated_bytes = true;
    a->inflated_bytes = (int64_t) docs_ooxml_inflated (zip);
    docs_ooxml_destroy (&zip);
}

//  Audio (a recording, R6.5): its kind and, when the header says it, its
//  length; no pages, no text. A WebM file is kept only when its tracks are
//  audio, else it is a "video". Never an accepted document kind.
static void
s_audio (int fd, int64_t size, const char *mime, const char *description, docs_magic_t magic,
         Cabinet__V1__DocumentAnalysis *a)
{
    unsigned char *head = malloc (AUDIO_HEAD);
    ssize_t got = head ? pread (fd, head, AUDIO_HEAD, 0) : -1;
    size_t len = got > 0 ? (size_t) got : 0;
    docs_audio_t kind = DOCS_AUDIO_COUNT;
    if (magic == DOCS_MAGIC_WEBM) {
        if (docs_webm_audio_only (head, len))
            kind = DOCS_AUDIO_WEBM;
    } else
        docs_magic_audio (mime, description, &kind);
    a->accepted_kind = false;
    if (kind == DOCS_AUDIO_COUNT) {
        a->file_type = strdup ("video");
        free (head);
        return;
    }
    a->file_type = strdup (docs_audio_name (kind));
    free (a->mime_type);
    a->mime_type = strdup (docs_audio_mime (kind));
    a->has_audio = a->audio = true;
    int seconds = docs_audio_duration (kind, head, len, size);
    if (seconds >= 0) {
        a->has_duration_seconds = true;
        a->duration_seconds = seconds;
    }
    free (head);
}

Cabinet__V1__DocumentAnalysis *
docs_analyze_fd (int fd, const docs_analyze_opts_t *opts, docs_analyze_stage_fn *on_kind, void *arg)
{
    Cabinet__V1__DocumentAnalysis *a = malloc (sizeof *a);
    if (!a)
        return NULL;
    cabinet__v1__document_analysis__init (a);
    a->has_accepted_kind = true;
    struct stat st;
    if (fstat (fd, &st) != 0) {
        a->file_type = strdup ("other");
        a->refusal = strdup ("Không đọc được tệp");
        return a;
    }
    int64_t size = (int64_t) st.st_size;
    char mime[MIME_TEXT], description[DESCRIPTION_TEXT];
    docs_magic_identify (fd, mime, sizeof mime, description, sizeof description);
    a->mime_type = strdup (mime[0] ? mime : "application/octet-stream");
    docs_magic_t magic = docs_magic_classify (mime, description);
    docs_type_t type = DOCS_TYPE_COUNT;
    switch (magic) {
    case DOCS_MAGIC_PDF:
        type = DOCS_TYPE_PDF;
        break;
    case DOCS_MAGIC_JPG:
        type = DOCS_TYPE_JPG;
        break;
    case DOCS_MAGIC_PNG:
        type = DOCS_TYPE_PNG;
        break;
    case DOCS_MAGIC_DOC:
        type = DOCS_TYPE_DOC;
        break;
    case DOCS_MAGIC_XLS:
        type = DOCS_TYPE_XLS;
        break;
    case DOCS_MAGIC_ZIP:
        s_zip (fd, opts, a, on_kind, arg);
        return a;
    case DOCS_MAGIC_EXE:
        a->file_type = strdup ("exe");
        break;
    case DOCS_MAGIC_MACRO:
        a->file_type = strdup ("macro");
        break;
    case DOCS_MAGIC_OLE:
        a->file_type = strdup ("ole");
        break;
    case DOCS_MAGIC_AUDIO:
    case DOCS_MAGIC_WEBM:
        s_audio (fd, size, mime, description, magic, a);
        break;
    case DOCS_MAGIC_OTHER:
        a->file_type = strdup ("other");
        break;
    }
    if (type == DOCS_TYPE_COUNT) {
        if (on_kind)
            on_kind (a, arg);
        return a;
    }
    a->file_type = strdup (docs_type_name (type));
    free (a->mime_type);
    a->mime_type = strdup (docs_type_mime (type));
    a->accepted_kind = true;
    if (on_kind)
        on_kind (a, arg);
    switch (type) {
    case DOCS_TYPE_PDF:
        s_pdf (fd, size, opts, a);
        break;
    case DOCS_TYPE_JPG:
    case DOCS_TYPE_PNG:
        s_set_pages (a, 1, NULL);
        break;
    case DOCS_TYPE_DOC: {
        int pages = docs_magic_doc_pages (description);
        s_set_pages (a, pages,
                     pages < 1 ? "Tệp Word 97-2003 không ghi số trang trong thông tin tóm tắt"
                               : NULL);
        break;
    }
    default:
        s_set_pages (a, -1, "Chưa đếm được số trang của tệp Excel 97-2003");
        break;
    }
    return a;
}

/* ---- the analysing child process ----------------------------------------------------- */

static int
s_write_all (int fd, const uint8_t *data, size_t len)
{
    while (len > 0) {
        ssize_t n = write (fd, data, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        data += n;
        len -= (size_t) n;
    }
    return 0;
}

//  One frame on standard output: the length (4 bytes, big-endian), the
//  packed analysis.
static void
s_write_frame (const Cabinet__V1__DocumentAnalysis *a, void *arg)
{
    (void) arg;
    size_t len = cabinet__v1__document_analysis__get_packed_size (a);
    uint8_t *buf = malloc (len + FRAME_HEADER);
    if (!buf)
        return;
    buf[0] = (uint8_t) (len >> 24);
    buf[1] = (uint8_t) (len >> 16);
    buf[2] = (uint8_t) (len >> 8);
    buf[3] = (uint8_t) len;
    cabinet__v1__document_analysis__pack (a, buf + FRAME_HEADER);
    s_write_all (STDOUT_FILENO, buf, len + FRAME_HEADER);
    free (buf);
}

//  Bounds of the analysing process: memory and CPU time. A sanitizer
//  build reserves terabytes of shadow memory, so it keeps only the CPU
//  bound.
static void
s_limit_resources (void)
{
#if !defined(__SANITIZE_ADDRESS__)
    struct rlimit memory = {CHILD_MEMORY_MAX, CHILD_MEMORY_MAX};
    setrlimit (RLIMIT_AS, &memory);
#endif
    struct rlimit cpu = {CHILD_CPU_SECONDS, CHILD_CPU_SECONDS};
    setrlimit (RLIMIT_CPU, &cpu);
    struct rlimit files = {0, 0};  //  no core files of untrusted data
    setrlimit (RLIMIT_CORE, &files);
}

int
docs_analyze_main (void)
{
    cab_log_init ("documents-analyze");
    s_limit_resources ();
    docs_analyze_opts_t opts;
    docs_analyze_opts_default (&opts, cab_config_str ("CABINET_TRUST_ANCHORS"));
    Cabinet__V1__DocumentAnalysis *a = docs_analyze_fd (STDIN_FILENO, &opts, s_write_frame, NULL);
    if (!a)
        return 1;
    s_write_frame (a, NULL);
    protobuf_c_message_free_unpacked (&a->base, NULL);
    return 0;
}
