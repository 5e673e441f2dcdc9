/*  notify_render - the words of a notice: the template of its kind and
    language (templates/<kind>.<language>.tmpl, compiled into the binary)
    filled with the notice's values, as a subject, an SMS, a plain text and
    an HTML body.

    A template file:
        # comment lines (and blank lines) before the subject
        subject: Giấy mời họp: {{title}}
        --- sms              (optional: without it the SMS is the subject)
        ...
        --- text             (required)
        ...
        --- html             (optional: without it, the text as escaped
        ...                   paragraphs, lines joined by <br>)
    {{name}} is replaced by the value of the variable name.  */
#ifndef NOTIFY_RENDER_H
#define NOTIFY_RENDER_H
#include <stddef.h>

//  The language every kind has, and the one used when a kind has none in
//  the language asked for.
#define NOTIFY_RENDER_DEFAULT_LANGUAGE "vi"

typedef struct {
    const char *name;
    const char *value;  //  UTF-8, may be NULL (renders as "")
} notify_var_t;

//  A rendered notice. Every string is malloc'd, NFC UTF-8, without a final
//  line break.
typedef struct {
    char *subject;  //  one line: line breaks in values become spaces
    char *sms;
    char *text;
    char *html;  //  a fragment (no <html> or <body>): the mailer wraps it
} notify_rendered_t;

//  Renders templates/<kind>.<language>.tmpl with vars[0..n_vars) into out
//  (whose previous contents are not freed). A language without that file
//  (or NULL) falls back to NOTIFY_RENDER_DEFAULT_LANGUAGE. A name not among
//  vars renders as "" and is logged once per call (cab_warn); when a name
//  is given twice the first value counts. A value named "<name>.<language>"
//  ("lead.en") stands in for {{<name>}} in the template of that language. In the html section
//  values are HTML-escaped (& < > " ') and a line break in a value becomes "<br>\n"; elsewhere
//  values go in as they are. Returns 0, or -1 (out zeroed) when no template exists for kind in
//  either language, when the template is malformed (no subject or no text section, an unknown or
//  repeated section; logged), when a value is not valid UTF-8 (logged) or when out of memory.
int notify_render (const char *kind, const char *language, const notify_var_t *vars, size_t n_vars,
                   notify_rendered_t *out);

//  Renders a template given as its text (NUL-terminated, in the format
//  above) as notify_render does: for previews and tests of the format.
//  Returns 0, or -1 (out zeroed) as notify_render.
int notify_render_source (const char *source, const notify_var_t *vars, size_t n_vars,
                          notify_rendered_t *out);

//  Frees the strings of r and zeroes it. NULL-safe.
void notify_rendered_free (notify_rendered_t *r);

//  The kinds that have a Vietnamese template (for checks and the settings
//  list): a static NULL-terminated array, not to be freed.
const char *const *notify_render_kinds (void);

#endif
