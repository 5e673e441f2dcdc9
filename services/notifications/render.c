/*  notify_render - templates of notices filled with their values (see
    render.h). A template is parsed from its embedded copy on every call:
    parsing a few hundred bytes costs nothing beside sending the notice,
    and without a cache calls from any thread share no state.  */
#include "render.h"
#include "cab_embed.h"
#include "cab_log.h"
#include "cab_utf8.h"
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

//  templates/*.tmpl, compiled in by the Makefile (tools/embed.c).
extern const cab_embedded_file_t notify_templates[];

#define FILE_NAME_MAX 128  //  "<kind>.<language>.tmpl"
#define VAR_NAME_MAX 64    //  longer runs between {{ and }} are text
#define UNKNOWN_MAX 16     //  distinct unknown names remembered per call, to log each once
#define BUF_INITIAL 512
#define SUBJECT_KEY "subject:"
#define SECTION_MARK "--- "

//  Every kind of notice the service sends; each has templates/<kind>.vi.tmpl
//  (tests/notifications/test_render.c holds the two lists together).
static const char *const s_kinds[] = {
    "invitation",
    "agency_invitation",
    "delegation",
    "meeting_changed",
    "meeting_cancelled",
    "document_published",
    "poll_received",
    "poll_due_soon",
    "poll_overdue",
    "poll_overdue_organiser",
    "vote_opened",
    "reminder",
    "reply_overdue",
    "reply_overdue_organiser",
    "documents_overdue",
    "digest",
    NULL,
};

const char *const *
notify_render_kinds (void)
{
    return s_kinds;
}

static bool
s_blank (char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* ---- growing buffer ----------------------------------------------------------------------- */

typedef struct {
    char *data;
    size_t len;
    size_t cap;
    bool oom;
} s_buf_t;

static void
s_append (s_buf_t *buf, const char *data, size_t len)
{
    if (buf->oom)
        return;
    if (buf->cap - buf->len < len + 1) {
        size_t cap = buf->cap ? buf->cap : BUF_INITIAL;
        while (cap - buf->len < len + 1)
            cap *= 2;
        char *grown = realloc (buf->data, cap);
        if (!grown) {
            buf->oom = true;
            return;
        }
        buf->data = grown;
        buf->cap = cap;
    }
    memcpy (buf->data + buf->len, data, len);
    buf->len += len;
    buf->data[buf->len] = '\0';
}

static void
s_puts (s_buf_t *buf, const char *text)
{
    s_append (buf, text, strlen (text));
}

//  Blanks and line breaks off both ends of the buffer's text.
static void
s_buf_trim (s_buf_t *buf)
{
    if (buf->oom || !buf->data)
        return;
    size_t start = 0;
    while (start < buf->len && s_blank (buf->data[start]))
        start++;
    size_t len = buf->len;
    while (len > start && s_blank (buf->data[len - 1]))
        len--;
    memmove (buf->data, buf->data + start, len - start);
    buf->len = len - start;
    buf->data[buf->len] = '\0';
}

//  The buffer's text in NFC as a new string (the caller frees it), or
//  NULL when out of memory; the buffer is emptied either way.
static char *
s_finish (s_buf_t *buf)
{
    char *out = NULL;
    if (!buf->oom)
        out = buf->data ? cab_utf8_nfc (buf->data) : calloc (1, 1);
    free (buf->data);
    memset (buf, 0, sizeof *buf);
    return out;
}

/* ---- reading a template ------------------------------------------------------------------ */

//  A stretch of the embedded template.
typedef struct {
    const char *data;
    size_t len;
    bool present;
} s_span_t;

typedef struct {
    s_span_t subject;
    s_span_t sms;
    s_span_t text;
    s_span_t html;
} s_template_t;

static bool
s_is_blank (const char *data, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (!s_blank (data[i]))
            return false;
    return true;
}

//  Blanks off both ends of a one-line span.
static void
s_trim (s_span_t *span)
{
    while (span->len && s_blank (span->data[0])) {
        span->data++;
        span->len--;
    }
    while (span->len && s_blank (span->data[span->len - 1]))
        span->len--;
}

//  Blank lines off the start of a section (the first line keeps its
//  indent), blanks and line breaks off its end.
static void
s_trim_section (s_span_t *span)
{
    if (!span->present)
        return;
    for (;;) {
        const char *eol = memchr (span->data, '\n', span->len);
        if (!eol || !s_is_blank (span->data, (size_t) (eol - span->data)))
            break;
        span->len -= (size_t) (eol + 1 - span->data);
        span->data = eol + 1;
    }
    while (span->len && s_blank (span->data[span->len - 1]))
        span->len--;
}

static bool
s_line_is (const char *line, size_t len, const char *word)
{
    return len == strlen (word) && memcmp (line, word, len) == 0;
}

//  The section a "--- name" line opens, or NULL if the name is unknown.
static s_span_t *
s_section (s_template_t *t, const char *name, size_t len)
{
    if (s_line_is (name, len, "sms"))
        return &t->sms;
    if (s_line_is (name, len, "text"))
        return &t->text;
    if (s_line_is (name, len, "html"))
        return &t->html;
    return NULL;
}

//  Splits a template into its parts. Returns 0, or -1 (with why) when
//  malformed.
static int
s_parse (const char *data, size_t size, s_template_t *t, const char **why)
{
    memset (t, 0, sizeof *t);
    s_span_t *current = NULL;  //  the section whose lines are being read
    const char *p = data;
    const char *end = data + size;
    while (p < end) {
        const char *eol = memchr (p, '\n', (size_t) (end - p));
        const char *next = eol ? eol + 1 : end;
        size_t len = (size_t) ((eol ? eol : end) - p);
        if (len && p[len - 1] == '\r')
            len--;
        if (!t->subject.present) {
            if (len >= strlen (SUBJECT_KEY) && memcmp (p, SUBJECT_KEY, strlen (SUBJECT_KEY)) == 0) {
                t->subject = (s_span_t){p + strlen (SUBJECT_KEY), len - strlen (SUBJECT_KEY), true};
                s_trim (&t->subject);
            } else if (len && p[0] != '#' && !s_is_blank (p, len)) {
                *why = "text before the subject";
                return -1;
            }
        } else if (len >= strlen (SECTION_MARK)
                   && memcmp (p, SECTION_MARK, strlen (SECTION_MARK)) == 0) {
            s_span_t name = {p + strlen (SECTION_MARK), len - strlen (SECTION_MARK), true};
            s_trim (&name);
            current = s_section (t, name.data, name.len);
            if (!current || current->present) {
                *why = current ? "a section twice" : "an unknown section";
                return -1;
            }
            *current = (s_span_t){next, 0, true};
        } else if (current)
            current->len = (size_t) (next - current->data);
        else if (!s_is_blank (p, len)) {
            *why = "text between the subject and the first section";
            return -1;
        }
        p = next;
    }
    if (!t->subject.present || !t->subject.len || !t->text.present) {
        *why = "no subject or no text section";
        return -1;
    }
    s_trim_section (&t->sms);
    s_trim_section (&t->text);
    s_trim_section (&t->html);
    return 0;
}

//  The template of kind in language, or in the default language; NULL if
//  neither exists. *found is the language of the one returned.
static const cab_embedded_file_t *
s_find (const char *kind, const char *language, const char **found)
{
    char name[FILE_NAME_MAX];
    const cab_embedded_file_t *file = NULL;
    *found = language;
    if (language && *language) {
        int n = snprintf (name, sizeof name, "%s.%s.tmpl", kind, language);
        if (n > 0 && (size_t) n < sizeof name)
            file = cab_embed_find (notify_templates, name);
    }
    if (!file) {
        *found = NOTIFY_RENDER_DEFAULT_LANGUAGE;
        int n = snprintf (name, sizeof name, "%s.%s.tmpl", kind, NOTIFY_RENDER_DEFAULT_LANGUAGE);
        if (n > 0 && (size_t) n < sizeof name)
            file = cab_embed_find (notify_templates, name);
    }
    return file;
}

/* ---- filling in values ------------------------------------------------------------------- */

typedef enum {
    S_AS_IS,     //  text and sms: values as they are
    S_ONE_LINE,  //  subject: line breaks in values become spaces
    S_HTML,      //  html: values escaped, line breaks become <br>
} s_mode_t;

typedef struct {
    const char *label;     //  the template, for the log
    const char *language;  //  the template's language ("en"), or NULL
    const notify_var_t *vars;
    size_t n_vars;
    char unknown[UNKNOWN_MAX][VAR_NAME_MAX + 1];  //  names already logged
    size_t n_unknown;
} s_context_t;

//  Appends text HTML-escaped; line breaks (LF or CRLF) become "<br>\n".
static void
s_append_html (s_buf_t *buf, const char *text, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        switch (text[i]) {
        case '&':
            s_puts (buf, "&amp;");
            break;
        case '<':
            s_puts (buf, "&lt;");
            break;
        case '>':
            s_puts (buf, "&gt;");
            break;
        case '"':
            s_puts (buf, "&quot;");
            break;
        case '\'':
            s_puts (buf, "&#39;");
            break;
        case '\r':
            break;
        case '\n':
            s_puts (buf, "<br>\n");
            break;
        default:
            s_append (buf, text + i, 1);
        }
    }
}

static void
s_append_value (s_buf_t *buf, const char *value, s_mode_t mode)
{
    if (mode == S_HTML)
        s_append_html (buf, value, strlen (value));
    else if (mode == S_ONE_LINE) {
        for (const char *c = value; *c; c++)
            if (*c == '\n')
                s_puts (buf, " ");
            else if (*c != '\r')
                s_append (buf, c, 1);
    } else
        s_puts (buf, value);
}

//  The value of the variable name[0..len), "" for NULL; NULL if no
//  variable has that name (logged once per call).
static const char *
s_lookup (s_context_t *ctx, const char *name, size_t len)
{
    //  A value in the template's own language first: "lead.en" for {{lead}}.
    size_t lang_len = ctx->language ? strlen (ctx->language) : 0;
    for (size_t i = 0; lang_len && i < ctx->n_vars; i++) {
        const char *var = ctx->vars[i].name;
        if (var && strlen (var) == len + 1 + lang_len && memcmp (var, name, len) == 0
            && var[len] == '.' && strcmp (var + len + 1, ctx->language) == 0)
            return ctx->vars[i].value ? ctx->vars[i].value : "";
    }
    for (size_t i = 0; i < ctx->n_vars; i++) {
        const char *var = ctx->vars[i].name;
        if (var && strlen (var) == len && memcmp (var, name, len) == 0)
            return ctx->vars[i].value ? ctx->vars[i].value : "";
    }
    for (size_t i = 0; i < ctx->n_unknown; i++)
        if (strlen (ctx->unknown[i]) == len && memcmp (ctx->unknown[i], name, len) == 0)
            return NULL;
    if (ctx->n_unknown < UNKNOWN_MAX) {
        memcpy (ctx->unknown[ctx->n_unknown], name, len);
        ctx->unknown[ctx->n_unknown++][len] = '\0';
    }
    cab_warn ("render: template %s uses {{%.*s}}, which was not given", ctx->label, (int) len,
              name);
    return NULL;
}

static bool
s_name_char (char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

//  Appends span with each {{name}} replaced by its value in mode. Text of
//  the template itself goes in as it is; a "{{" that opens no well-formed
//  name is text.
static void
s_fill (s_context_t *ctx, s_span_t span, s_mode_t mode, s_buf_t *buf)
{
    const char *p = span.data;
    const char *end = span.data + span.len;
    while (p < end) {
        const char *open = memmem (p, (size_t) (end - p), "{{", 2);
        if (!open) {
            s_append (buf, p, (size_t) (end - p));
            break;
        }
        s_append (buf, p, (size_t) (open - p));
        const char *name = open + 2;
        while (name < end && *name == ' ')
            name++;
        const char *name_end = name;
        while (name_end < end && s_name_char (*name_end))
            name_end++;
        const char *close = name_end;
        while (close < end && *close == ' ')
            close++;
        size_t len = (size_t) (name_end - name);
        if (len == 0 || len > VAR_NAME_MAX || end - close < 2 || memcmp (close, "}}", 2) != 0) {
            s_append (buf, open, 2);
            p = open + 2;
            continue;
        }
        const char *value = s_lookup (ctx, name, len);
        if (value)
            s_append_value (buf, value, mode);
        p = close + 2;
    }
}

//  The html of a notice without an html section: its rendered text as
//  paragraphs (split at blank lines), escaped, lines joined by <br>.
static void
s_paragraphs (const char *text, s_buf_t *buf)
{
    bool open = false;  //  inside a <p>
    const char *p = text;
    while (*p) {
        const char *eol = strchr (p, '\n');
        size_t len = eol ? (size_t) (eol - p) : strlen (p);
        if (s_is_blank (p, len)) {
            if (open)
                s_puts (buf, "</p>\n");
            open = false;
        } else {
            s_puts (buf, open ? "<br>\n" : "<p>");
            s_append_html (buf, p, len);
            open = true;
        }
        p += len + (eol ? 1 : 0);
    }
    if (open)
        s_puts (buf, "</p>");
    while (buf->len && buf->data[buf->len - 1] == '\n')
        buf->data[--buf->len] = '\0';
}

/* ---- the notice ---------------------------------------------------------------------------- */

void
notify_rendered_free (notify_rendered_t *r)
{
    if (!r)
        return;
    free (r->subject);
    free (r->sms);
    free (r->text);
    free (r->html);
    memset (r, 0, sizeof *r);
}

//  Renders the template data[0..size) (label names it in the log) as
//  notify_render does.
static int
s_render (const char *label, const char *language, const char *data, size_t size,
          const notify_var_t *vars, size_t n_vars, notify_rendered_t *out)
{
    s_template_t t;
    const char *why = NULL;
    if (s_parse (data, size, &t, &why)) {
        cab_error ("render: template %s is malformed: %s", label, why);
        return -1;
    }
    for (size_t i = 0; i < n_vars; i++) {
        const char *value = vars[i].value;
        if (value && !cab_utf8_valid (value, strlen (value))) {
            cab_warn ("render: %s: the value of %s is not UTF-8", label,
                      vars[i].name ? vars[i].name : "(null)");
            return -1;
        }
    }

    s_context_t ctx = {.label = label, .language = language, .vars = vars, .n_vars = n_vars};
    s_buf_t buf = {0};
    s_fill (&ctx, t.subject, S_ONE_LINE, &buf);
    //  The subject's own blanks are trimmed already; a value's may remain.
    s_buf_trim (&buf);
    out->subject = s_finish (&buf);

    s_fill (&ctx, t.text, S_AS_IS, &buf);
    out->text = s_finish (&buf);

    if (t.sms.present)
        s_fill (&ctx, t.sms, S_AS_IS, &buf);
    else if (out->subject)
        s_puts (&buf, out->subject);
    out->sms = s_finish (&buf);

    if (t.html.present)
        s_fill (&ctx, t.html, S_HTML, &buf);
    else if (out->text)
        s_paragraphs (out->text, &buf);
    out->html = s_finish (&buf);

    if (!out->subject || !out->text || !out->sms || !out->html) {
        cab_error ("render: out of memory rendering %s", label);
        notify_rendered_free (out);
        return -1;
    }
    return 0;
}

int
notify_render (const char *kind, const char *language, const notify_var_t *vars, size_t n_vars,
               notify_rendered_t *out)
{
    memset (out, 0, sizeof *out);
    const char *found = NULL;
    const cab_embedded_file_t *file = kind ? s_find (kind, language, &found) : NULL;
    if (!file) {
        cab_warn ("render: no template for kind %s", kind ? kind : "(null)");
        return -1;
    }
    return s_render (file->name, found, file->data, file->size, vars, n_vars, out);
}

int
notify_render_source (const char *source, const notify_var_t *vars, size_t n_vars,
                      notify_rendered_t *out)
{
    memset (out, 0, sizeof *out);
    if (!source)
        return -1;
    return s_render ("(source)", NULL, source, strlen (source), vars, n_vars, out);
}
