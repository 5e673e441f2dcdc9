/*  ooxml - Office Open XML through libzip and libxml2 (see ooxml.h).

    Every part goes through s_read_part, the one place that inflates: it
    checks the declared size against the per-part limit and the file's
    remaining budget, allocates for the declared size only, and reads at
    most one byte more than declared (a part that yields more is lying and
    is refused).  */
#include "ooxml.h"
#include <errno.h>
#include <libxml/xmlreader.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zip.h>

#define SMALL_PART_MAX (4u << 20)  //  [Content_Types].xml, app.xml, workbook.xml
#define READ_STEP 65536
#define SLIDES_MAX 2000  //  slides read for text

typedef enum { PART_OK, PART_MISSING, PART_TOO_LARGE, PART_BROKEN } s_part_t;

struct _docs_ooxml_t {
    zip_t *za;
    docs_zip_limits_t limits;
    size_t inflated;
    bool typed;  //  [Content_Types].xml was read
    docs_ooxml_kind_t kind;
    char main_part[256];  //  the main part's name, without the leading '/'
};

docs_ooxml_t *
docs_ooxml_open (int fd, const docs_zip_limits_t *limits, const char **why)
{
    if (why)
        *why = NULL;
    int copy = dup (fd);
    if (copy < 0 || lseek (copy, 0, SEEK_SET) != 0) {
        if (copy >= 0)
            close (copy);
        if (why)
            *why = "Không đọc được tệp";
        return NULL;
    }
    int error = 0;
    zip_t *za = zip_fdopen (copy, ZIP_RDONLY, &error);  //  takes copy, also on failure
    if (!za) {
        if (why)
            *why = "Tệp nén bị hỏng hoặc không đúng cấu trúc ZIP";
        return NULL;
    }
    zip_int64_t entries = zip_get_num_entries (za, 0);
    if (entries < 0 || entries > limits->entries_max) {
        zip_discard (za);
        if (why)
            *why = "Tệp nén có quá nhiều thành phần";
        return NULL;
    }
    docs_ooxml_t *self = calloc (1, sizeof *self);
    if (!self) {
        zip_discard (za);
        return NULL;
    }
    self->za = za;
    self->limits = *limits;
    return self;
}

void
docs_ooxml_destroy (docs_ooxml_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    docs_ooxml_t *self = *self_p;
    zip_discard (self->za);
    free (self);
    *self_p = NULL;
}

size_t
docs_ooxml_inflated (const docs_ooxml_t *self)
{
    return self->inflated;
}

//  Inflate part name into a new buffer (NUL-terminated; *len bytes), at
//  most max bytes and within the file's budget.
static s_part_t
s_read_part (docs_ooxml_t *self, const char *name, size_t max, char **buf, size_t *len)
{
    *buf = NULL;
    *len = 0;
    zip_int64_t index = zip_name_locate (self->za, name, 0);
    if (index < 0)
        return PART_MISSING;
    zip_stat_t st;
    zip_stat_init (&st);
    if (zip_stat_index (self->za, (zip_uint64_t) index, 0, &st) != 0 || !(st.valid & ZIP_STAT_SIZE))
        return PART_BROKEN;
    size_t budget = self->limits.total_max - self->inflated;
    if (max > self->limits.part_max)
        max = self->limits.part_max;
    if (budget < max)
        max = budget;
    if (st.size > max)
        return PART_TOO_LARGE;
    size_t declared = (size_t) st.size;
    zip_file_t *zf = zip_fopen_index (self->za, (zip_uint64_t) index, 0);
    if (!zf)
        return PART_BROKEN;  //  encrypted or an unknown compression
    char *data = malloc (declared + 2);
    if (!data) {
        zip_fclose (zf);
        return PART_TOO_LARGE;
    }
    //  Read up to one byte past the declared size: more means it lied.
    size_t got = 0;
    s_part_t result = PART_OK;
    while (got <= declared) {
        size_t want = declared + 1 - got;
        if (want > READ_STEP)
            want = READ_STEP;
        zip_int64_t n = zip_fread (zf, data + got, want);
        if (n < 0) {
            result = PART_BROKEN;
            break;
        }
        if (n == 0)
            break;
        got += (size_t) n;
        self->inflated += (size_t) n;
    }
    zip_fclose (zf);
    if (result == PART_OK && got != declared)
        result = PART_BROKEN;
    if (result != PART_OK) {
        free (data);
        return result;
    }
    data[got] = '\0';
    *buf = data;
    *len = got;
    return PART_OK;
}

/* ---- XML ------------------------------------------------------------------------------ */

static void
s_silent (void *arg, const char *msg, xmlParserSeverities severity, xmlTextReaderLocatorPtr loc)
{
    (void) arg;
    (void) msg;
    (void) severity;
    (void) loc;
}

static xmlTextReaderPtr
s_reader (const char *xml, size_t len)
{
    if (len > INT32_MAX)
        return NULL;
    //  No network, no DTD, no entity substitution: nothing outside the part.
    xmlTextReaderPtr reader = xmlReaderForMemory (xml, (int) len, NULL, NULL,
                                                  XML_PARSE_NONET | XML_PARSE_NOERROR
                                                      | XML_PARSE_NOWARNING | XML_PARSE_NOCDATA);
    if (reader)
        xmlTextReaderSetErrorHandler (reader, s_silent, NULL);
    return reader;
}

static bool
s_is (xmlTextReaderPtr reader, const char *localname)
{
    const xmlChar *name = xmlTextReaderConstLocalName (reader);
    return name && strcmp ((const char *) name, localname) == 0;
}

//  The attribute's value (a new string for xmlFree) or NULL.
static char *
s_attr (xmlTextReaderPtr reader, const char *name)
{
    return (char *) xmlTextReaderGetAttribute (reader, (const xmlChar *) name);
}

typedef struct {
    const char *content_type;
    docs_ooxml_kind_t kind;
} s_main_type_t;

#define OPENXML "application/vnd.openxmlformats-officedocument."
static const s_main_type_t s_main_types[] = {
    {OPENXML "wordprocessingml.document.main+xml", DOCS_OOXML_DOCX},
    {OPENXML "wordprocessingml.template.main+xml", DOCS_OOXML_DOCX},
    {OPENXML "spreadsheetml.sheet.main+xml", DOCS_OOXML_XLSX},
    {OPENXML "spreadsheetml.template.main+xml", DOCS_OOXML_XLSX},
    {OPENXML "presentationml.presentation.main+xml", DOCS_OOXML_PPTX},
    {OPENXML "presentationml.slideshow.main+xml", DOCS_OOXML_PPTX},
    {OPENXML "presentationml.template.main+xml", DOCS_OOXML_PPTX},
    {"application/vnd.ms-word.document.macroEnabled.main+xml", DOCS_OOXML_MACRO},
    {"application/vnd.ms-word.template.macroEnabledTemplate.main+xml", DOCS_OOXML_MACRO},
    {"application/vnd.ms-excel.sheet.macroEnabled.main+xml", DOCS_OOXML_MACRO},
    {"application/vnd.ms-excel.template.macroEnabled.main+xml", DOCS_OOXML_MACRO},
    {"application/vnd.ms-excel.addin.macroEnabled.main+xml", DOCS_OOXML_MACRO},
    {"application/vnd.ms-powerpoint.presentation.macroEnabled.main+xml", DOCS_OOXML_MACRO},
    {"application/vnd.ms-powerpoint.slideshow.macroEnabled.main+xml", DOCS_OOXML_MACRO},
    {"application/vnd.ms-powerpoint.template.macroEnabled.main+xml", DOCS_OOXML_MACRO},
    {"application/vnd.ms-powerpoint.addin.macroEnabled.main+xml", DOCS_OOXML_MACRO},
    {NULL, DOCS_OOXML_NONE},
};

static docs_ooxml_kind_t
s_main_kind (const char *content_type)
{
    for (const s_main_type_t *t = s_main_types; t->content_type; t++)
        if (strcmp (t->content_type, content_type) == 0)
            return t->kind;
    return DOCS_OOXML_NONE;
}

docs_ooxml_kind_t
docs_ooxml_kind (docs_ooxml_t *self)
{
    if (self->typed)
        return self->kind;
    self->typed = true;
    self->kind = DOCS_OOXML_NONE;
    char *xml = NULL;
    size_t len = 0;
    if (s_read_part (self, "[Content_Types].xml", SMALL_PART_MAX, &xml, &len) != PART_OK)
        return self->kind;
    xmlTextReaderPtr reader = s_reader (xml, len);
    bool macros = false;
    while (reader && xmlTextReaderRead (reader) == 1) {
        if (xmlTextReaderNodeType (reader) != XML_READER_TYPE_ELEMENT
            || !(s_is (reader, "Override") || s_is (reader, "Default")))
            continue;
        char *type = s_attr (reader, "ContentType");
        char *part = s_attr (reader, "PartName");
        if (type && strstr (type, "vbaProject"))
            macros = true;
        docs_ooxml_kind_t kind = type ? s_main_kind (type) : DOCS_OOXML_NONE;
        if (kind != DOCS_OOXML_NONE && self->kind == DOCS_OOXML_NONE && part) {
            self->kind = kind;
            snprintf (self->main_part, sizeof self->main_part, "%s",
                      part[0] == '/' ? part + 1 : part);
        }
        xmlFree (type);
        xmlFree (part);
    }
    xmlFreeTextReader (reader);
    free (xml);
    //  A macro project anywhere makes it a macro document, whatever it says.
    if (macros || zip_name_locate (self->za, "vbaProject.bin", ZIP_FL_NODIR | ZIP_FL_NOCASE) >= 0)
        if (self->kind != DOCS_OOXML_NONE)
            self->kind = DOCS_OOXML_MACRO;
    return self->kind;
}

/* ---- pages -------------------------------------------------------------------------------- */

//  The integer content of the first element named localname, or -1.
static long
s_element_number (const char *xml, size_t len, const char *localname)
{
    xmlTextReaderPtr reader = s_reader (xml, len);
    long value = -1;
    while (reader && value < 0 && xmlTextReaderRead (reader) == 1) {
        if (xmlTextReaderNodeType (reader) != XML_READER_TYPE_ELEMENT || !s_is (reader, localname))
            continue;
        xmlChar *text = xmlTextReaderReadString (reader);
        if (text) {
            char *end = NULL;
            long v = strtol ((const char *) text, &end, 10);
            while (end && (*end == ' ' || *end == '\n' || *end == '\r' || *end == '\t'))
                end++;
            if (end && end != (char *) text && !*end && v >= 0 && v <= INT32_MAX)
                value = v;
            else
                value = -2;  //  there, but not a number
            xmlFree (text);
        }
    }
    xmlFreeTextReader (reader);
    return value < 0 ? -1 : value;
}

//  Elements named localname; with skip_hidden, those whose state attribute
//  is hidden or veryHidden are not counted. -1 if the XML is unreadable.
static long
s_count_elements (const char *xml, size_t len, const char *localname, bool skip_hidden)
{
    xmlTextReaderPtr reader = s_reader (xml, len);
    if (!reader)
        return -1;
    long count = 0;
    int rc;
    while ((rc = xmlTextReaderRead (reader)) == 1) {
        if (xmlTextReaderNodeType (reader) != XML_READER_TYPE_ELEMENT || !s_is (reader, localname))
            continue;
        char *state = skip_hidden ? s_attr (reader, "state") : NULL;
        if (!state || strcmp (state, "visible") == 0)
            count++;
        xmlFree (state);
    }
    xmlFreeTextReader (reader);
    return rc < 0 ? -1 : count;
}

static const char *
s_part_problem (s_part_t part)
{
    switch (part) {
    case PART_MISSING:
        return "thiếu thành phần";
    case PART_TOO_LARGE:
        return "thành phần quá lớn để đọc an toàn";
    default:
        return "thành phần bị hỏng";
    }
}

static int
s_docx_pages (docs_ooxml_t *self, char *note, size_t cap)
{
    char *xml = NULL;
    size_t len = 0;
    s_part_t part = s_read_part (self, "docProps/app.xml", SMALL_PART_MAX, &xml, &len);
    if (part != PART_OK) {
        snprintf (note, cap,
                  "Tệp Word không ghi số trang (docProps/app.xml: %s); số trang chỉ biết được "
                  "khi mở tệp để dàn trang",
                  s_part_problem (part));
        return -1;
    }
    long pages = s_element_number (xml, len, "Pages");
    free (xml);
    if (pages < 1) {
        snprintf (note, cap,
                  "Tệp Word không ghi số trang trong thuộc tính của tệp; số trang chỉ biết được "
                  "khi mở tệp để dàn trang");
        return -1;
    }
    return (int) pages;
}

static int
s_xlsx_pages (docs_ooxml_t *self, char *note, size_t cap)
{
    char *xml = NULL;
    size_t len = 0;
    s_part_t part = s_read_part (self, self->main_part, SMALL_PART_MAX, &xml, &len);
    if (part != PART_OK) {
        snprintf (note, cap, "Không đọc được danh sách trang tính của tệp Excel (%s)",
                  s_part_problem (part));
        return -1;
    }
    long sheets = s_count_elements (xml, len, "sheet", true);
    free (xml);
    if (sheets < 1) {
        snprintf (note, cap, "Không đọc được danh sách trang tính của tệp Excel");
        return -1;
    }
    snprintf (note, cap, "Mỗi trang tính (sheet) được tính là một trang");
    return (int) sheets;
}

static int
s_pptx_pages (docs_ooxml_t *self, char *note, size_t cap)
{
    char *xml = NULL;
    size_t len = 0;
    long slides = -1;
    if (s_read_part (self, self->main_part, SMALL_PART_MAX, &xml, &len) == PART_OK)
        slides = s_count_elements (xml, len, "sldId", false);
    free (xml);
    if (slides < 1
        && s_read_part (self, "docProps/app.xml", SMALL_PART_MAX, &xml, &len) == PART_OK) {
        slides = s_element_number (xml, len, "Slides");
        free (xml);
    }
    if (slides < 1) {
        snprintf (note, cap, "Không đọc được danh sách trang chiếu của tệp PowerPoint");
        return -1;
    }
    snprintf (note, cap, "Mỗi trang chiếu (slide) được tính là một trang");
    return (int) slides;
}

int
docs_ooxml_pages (docs_ooxml_t *self, docs_ooxml_kind_t kind, char *note, size_t cap)
{
    note[0] = '\0';
    docs_ooxml_kind (self);
    switch (kind) {
    case DOCS_OOXML_DOCX:
        return s_docx_pages (self, note, cap);
    case DOCS_OOXML_XLSX:
        return s_xlsx_pages (self, note, cap);
    case DOCS_OOXML_PPTX:
        return s_pptx_pages (self, note, cap);
    default:
        snprintf (note, cap, "Không phải tài liệu Office");
        return -1;
    }
}

/* ---- text ---------------------------------------------------------------------------------- */

typedef struct {
    char *buf;
    size_t len;
    size_t cap;
    size_t max;
    bool truncated;
    bool oom;
} s_text_t;

static bool
s_full (const s_text_t *text)
{
    return text->truncated || text->oom;
}

static void
s_append (s_text_t *text, const char *s, size_t n)
{
    if (s_full (text))
        return;
    if (text->len + n > text->max) {
        //  Cut on a UTF-8 character boundary.
        n = text->max - text->len;
        while (n > 0 && ((unsigned char) s[n] & 0xc0) == 0x80)
            n--;
        text->truncated = true;
    }
    if (text->len + n + 1 > text->cap) {
        size_t cap = text->cap ? text->cap : 4096;
        while (cap < text->len + n + 1)
            cap *= 2;
        char *grown = realloc (text->buf, cap);
        if (!grown) {
            text->oom = true;
            return;
        }
        text->buf = grown;
        text->cap = cap;
    }
    memcpy (text->buf + text->len, s, n);
    text->len += n;
    text->buf[text->len] = '\0';
}

//  Collect the text of the XML's <t> elements; a line break after each
//  paragraph element (localname para), a tab for <tab/>, a line break for
//  <br/> and <cr/>.
static void
s_collect (const char *xml, size_t len, const char *para, s_text_t *text)
{
    xmlTextReaderPtr reader = s_reader (xml, len);
    bool in_text = false;
    while (reader && !s_full (text) && xmlTextReaderRead (reader) == 1) {
        int type = xmlTextReaderNodeType (reader);
        if (type == XML_READER_TYPE_ELEMENT) {
            if (s_is (reader, "t"))
                in_text = !xmlTextReaderIsEmptyElement (reader);
            else if (s_is (reader, "tab"))
                s_append (text, "\t", 1);
            else if (s_is (reader, "br") || s_is (reader, "cr"))
                s_append (text, "\n", 1);
        } else if (type == XML_READER_TYPE_END_ELEMENT) {
            if (s_is (reader, "t"))
                in_text = false;
            else if (s_is (reader, para) && text->len && text->buf[text->len - 1] != '\n')
                s_append (text, "\n", 1);
        } else if (in_text
                   && (type == XML_READER_TYPE_TEXT
                       || type == XML_READER_TYPE_SIGNIFICANT_WHITESPACE
                       || type == XML_READER_TYPE_WHITESPACE)) {
            const xmlChar *value = xmlTextReaderConstValue (reader);
            if (value)
                s_append (text, (const char *) value, strlen ((const char *) value));
        }
    }
    xmlFreeTextReader (reader);
}

static void
s_collect_part (docs_ooxml_t *self, const char *name, const char *para, s_text_t *text)
{
    char *xml = NULL;
    size_t len = 0;
    if (s_read_part (self, name, self->limits.part_max, &xml, &len) == PART_OK)
        s_collect (xml, len, para, text);
    else
        text->truncated = text->truncated || zip_name_locate (self->za, name, 0) >= 0;
    free (xml);
}

char *
docs_ooxml_text (docs_ooxml_t *self, docs_ooxml_kind_t kind, size_t *len, bool *truncated)
{
    s_text_t text = {.max = self->limits.text_max};
    docs_ooxml_kind (self);
    if (kind == DOCS_OOXML_DOCX)
        s_collect_part (self, self->main_part, "p", &text);
    else if (kind == DOCS_OOXML_XLSX)
        s_collect_part (self, "xl/sharedStrings.xml", "si", &text);
    else if (kind == DOCS_OOXML_PPTX) {
        for (int i = 1; i <= SLIDES_MAX && !s_full (&text); i++) {
            char name[64];
            snprintf (name, sizeof name, "ppt/slides/slide%d.xml", i);
            if (zip_name_locate (self->za, name, 0) < 0)
                break;
            s_collect_part (self, name, "p", &text);
        }
    }
    if (text.oom) {
        free (text.buf);
        return NULL;
    }
    if (!text.buf)
        text.buf = strdup ("");
    *len = text.len;
    *truncated = text.truncated;
    return text.buf;
}
