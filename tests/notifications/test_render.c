/*  Unit tests: the templates of notices - every kind renders in Vietnamese
    and English with the variables the service passes, leaves no
    placeholder, keeps its SMS within two messages, writes Vietnamese with
    its diacritics in NFC; values are escaped in HTML only, line breaks in
    values become <br> there and spaces in the subject; an unknown name
    renders as nothing, a language without the kind falls back to
    Vietnamese, an unknown kind fails; the list of kinds is the set of
    Vietnamese template files; the template format itself (comments,
    optional sections, malformed files).  */
#include "cab_embed.h"
#include "cab_utf8.h"
#include "render.h"
#include <dirent.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>
//  cmocka needs these before it, in this order.
// clang-format off
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
// clang-format on

extern const cab_embedded_file_t notify_templates[];

#define TEMPLATES_DIR SOURCE_DIR "/services/notifications/templates"
#define SMS_MAX 320  //  two SMS of 160 characters
#define KIND_VARS_MAX 10
#define NAME_MAX_LEN 64

//  The variables the service passes for each kind (besides recipient, url
//  and node, which every kind gets).
static const struct {
    const char *kind;
    const char *vars[KIND_VARS_MAX];
} s_kind_vars[] = {
    {"invitation",
     {"title", "start", "end", "room", "host", "chair", "form", "type_label", "reply_due"}},
    {"agency_invitation", {"unit", "title", "start", "end", "room", "host", "chair", "reply_due"}},
    {"delegation", {"from", "reason", "title", "start", "end", "room", "chair"}},
    {"meeting_changed", {"title", "start", "end", "room", "changes"}},
    {"meeting_cancelled", {"title", "start", "reason"}},
    {"document_published", {"document", "title", "start"}},
    {"poll_received", {"poll", "deadline", "creator"}},
    {"poll_due_soon", {"poll", "deadline"}},
    {"poll_overdue", {"poll", "deadline"}},
    {"poll_overdue_organiser", {"poll", "deadline", "count", "late"}},
    {"vote_opened", {"question", "title"}},
    {"reminder", {"title", "start", "end", "room", "lead"}},
    {"reply_overdue", {"title", "start", "reply_due"}},
    {"reply_overdue_organiser", {"title", "start", "reply_due", "count", "late"}},
    {"documents_overdue", {"title", "start", "documents_due"}},
    {"digest", {"unit", "date", "count", "items"}},
};
#define N_KINDS (sizeof s_kind_vars / sizeof s_kind_vars[0])

static const char *const s_common_vars[] = {"recipient", "url", "node"};

//  Every variable any kind gets, with typical values.
static const notify_var_t s_typical[] = {
    {"recipient", "Nguyễn Văn An"},
    {"url", "https://hop.lamdong.gov.vn/meetings/0190c0de-0000-7000-8000-000000000001"},
    {"node", "Ủy ban nhân dân tỉnh Lâm Đồng"},
    {"title", "Họp giao ban công tác tháng 3 năm 2026 của UBND tỉnh"},
    {"start", "12/03/2026 08:00"},
    {"end", "12/03/2026 11:30"},
    {"room", "Phòng họp số 1, trụ sở UBND tỉnh"},
    {"host", "Văn phòng UBND tỉnh"},
    {"chair", "Đồng chí Trần Văn Bình, Chủ tịch UBND tỉnh"},
    {"form", "Trực tiếp kết hợp trực tuyến"},
    {"type_label", "Họp giao ban"},
    {"reply_due", "10/03/2026 17:00"},
    {"unit", "Sở Tài chính"},
    {"from", "Lê Thị Cúc"},
    {"reason", "Bận công tác tại Trung ương"},
    {"changes", "Thời gian: 08:00 → 14:00\nĐịa điểm: Phòng họp số 2"},
    {"document", "Báo cáo tình hình kinh tế – xã hội quý I năm 2026"},
    {"poll", "Dự thảo Quy chế làm việc của UBND tỉnh nhiệm kỳ 2026–2031"},
    {"deadline", "20/03/2026 17:00"},
    {"creator", "Văn phòng UBND tỉnh"},
    {"count", "3"},
    {"late", "Nguyễn Văn A\nTrần Thị B\nLê Văn C"},
    {"question", "Thông qua Tờ trình số 25/TTr-SNV về phương án sắp xếp tổ chức bộ máy"},
    {"lead", "1 ngày"},
    {"lead.en", "1 day"},
    {"documents_due", "10/03/2026 17:00"},
    {"date", "12/03/2026"},
    {"items", "08:00 – Họp giao ban (Phòng họp số 1)\n14:00 – Họp Ban Chỉ đạo (Phòng họp số 2)"},
};
#define N_TYPICAL (sizeof s_typical / sizeof s_typical[0])

static const char *const s_languages[] = {"vi", "en"};

static bool
s_has_non_ascii_letter (const char *s)
{
    const utf8proc_uint8_t *p = (const utf8proc_uint8_t *) s;
    utf8proc_int32_t cp;
    utf8proc_ssize_t used;
    while (*p && (used = utf8proc_iterate (p, -1, &cp)) > 0) {
        utf8proc_category_t category = utf8proc_category (cp);
        if (cp >= 0x80 && (category == UTF8PROC_CATEGORY_LU || category == UTF8PROC_CATEGORY_LL))
            return true;
        p += used;
    }
    return false;
}

static bool
s_is_nfc (const char *s)
{
    char *nfc = cab_utf8_nfc (s);
    bool same = nfc && strcmp (nfc, s) == 0;
    free (nfc);
    return same;
}

static void
s_assert_part (const char *part)
{
    assert_non_null (part);
    assert_true (*part);
    assert_null (strstr (part, "{{"));
    assert_null (strstr (part, "}}"));
    assert_true (s_is_nfc (part));
}

static void
s_assert_rendered (const notify_rendered_t *r)
{
    s_assert_part (r->subject);
    s_assert_part (r->sms);
    s_assert_part (r->text);
    s_assert_part (r->html);
    assert_null (strchr (r->subject, '\n'));
    assert_null (strchr (r->subject, '\r'));
}

static void
test_every_kind_renders_in_both_languages (void **state)
{
    (void) state;
    size_t n = 0;
    for (const char *const *kind = notify_render_kinds (); *kind; kind++, n++)
        for (size_t l = 0; l < 2; l++) {
            notify_rendered_t r;
            assert_int_equal (notify_render (*kind, s_languages[l], s_typical, N_TYPICAL, &r), 0);
            s_assert_rendered (&r);
            //  The values are there: the recipient's name at least.
            assert_non_null (strstr (r.text, "Nguyễn Văn An"));
            assert_non_null (strstr (r.html, "Nguyễn Văn An"));
            notify_rendered_free (&r);
        }
    assert_int_equal (n, N_KINDS);
}

static void
test_sms_fits_two_messages (void **state)
{
    (void) state;
    for (const char *const *kind = notify_render_kinds (); *kind; kind++)
        for (size_t l = 0; l < 2; l++) {
            notify_rendered_t r;
            assert_int_equal (notify_render (*kind, s_languages[l], s_typical, N_TYPICAL, &r), 0);
            if (cab_utf8_length (r.sms) > SMS_MAX)
                fail_msg ("%s.%s: SMS of %zu characters", *kind, s_languages[l],
                          cab_utf8_length (r.sms));
            notify_rendered_free (&r);
        }
}

//  With ASCII values, whatever Vietnamese a notice holds is its
//  template's own.
static void
test_vietnamese_templates_have_diacritics (void **state)
{
    (void) state;
    notify_var_t plain[N_TYPICAL];
    for (size_t i = 0; i < N_TYPICAL; i++)
        plain[i] = (notify_var_t){s_typical[i].name, "x"};
    for (const char *const *kind = notify_render_kinds (); *kind; kind++) {
        notify_rendered_t r;
        assert_int_equal (notify_render (*kind, "vi", plain, N_TYPICAL, &r), 0);
        if (!s_has_non_ascii_letter (r.subject) || !s_has_non_ascii_letter (r.text)
            || !s_has_non_ascii_letter (r.html))
            fail_msg ("%s.vi: no Vietnamese letter in subject, text or html", *kind);
        notify_rendered_free (&r);
    }
}

static void
test_template_files_are_nfc_utf8 (void **state)
{
    (void) state;
    size_t n = 0;
    for (const cab_embedded_file_t *f = notify_templates; f->name; f++, n++) {
        assert_true (cab_utf8_valid (f->data, f->size));
        utf8proc_uint8_t *nfc = utf8proc_NFC ((const utf8proc_uint8_t *) f->data);
        assert_non_null (nfc);
        if (strcmp ((const char *) nfc, f->data) != 0)
            fail_msg ("%s is not in NFC", f->name);
        free (nfc);
    }
    assert_int_equal (n, 2 * N_KINDS);
}

//  Placeholders of a template: only its kind's variables and the common
//  ones, and each of its kind's variables used.
static void
test_templates_use_the_variables_passed (void **state)
{
    (void) state;
    for (const cab_embedded_file_t *f = notify_templates; f->name; f++) {
        size_t k = 0;
        while (k < N_KINDS
               && !(strncmp (f->name, s_kind_vars[k].kind, strlen (s_kind_vars[k].kind)) == 0
                    && f->name[strlen (s_kind_vars[k].kind)] == '.'))
            k++;
        if (k == N_KINDS)
            fail_msg ("%s: a template of no known kind", f->name);
        bool used[KIND_VARS_MAX] = {false};
        for (const char *p = strstr (f->data, "{{"); p; p = strstr (p + 2, "{{")) {
            const char *close = strstr (p, "}}");
            assert_non_null (close);
            char name[NAME_MAX_LEN + 1];
            int len = (int) (close - p - 2);
            assert_true (len > 0 && len <= NAME_MAX_LEN);
            snprintf (name, sizeof name, "%.*s", len, p + 2);
            bool known = false;
            for (size_t c = 0; c < 3; c++)
                known = known || strcmp (name, s_common_vars[c]) == 0;
            for (size_t v = 0; v < KIND_VARS_MAX && s_kind_vars[k].vars[v]; v++)
                if (strcmp (name, s_kind_vars[k].vars[v]) == 0)
                    known = used[v] = true;
            if (!known)
                fail_msg ("%s uses {{%s}}, which the service does not pass", f->name, name);
        }
        for (size_t v = 0; v < KIND_VARS_MAX && s_kind_vars[k].vars[v]; v++)
            if (!used[v])
                fail_msg ("%s leaves out {{%s}}", f->name, s_kind_vars[k].vars[v]);
    }
}

static void
test_html_escapes_values (void **state)
{
    (void) state;
    notify_var_t vars[N_TYPICAL];
    memcpy (vars, s_typical, sizeof vars);
    for (size_t i = 0; i < N_TYPICAL; i++)
        if (strcmp (vars[i].name, "title") == 0)
            vars[i].value = "<script>&\"'";
    notify_rendered_t r;
    assert_int_equal (notify_render ("invitation", "vi", vars, N_TYPICAL, &r), 0);
    assert_non_null (strstr (r.html, "&lt;script&gt;&amp;&quot;&#39;"));
    assert_null (strstr (r.html, "<script>"));
    assert_non_null (strstr (r.text, "<script>&\"'"));
    assert_non_null (strstr (r.subject, "<script>&\"'"));
    assert_non_null (strstr (r.sms, "<script>&\"'"));
    notify_rendered_free (&r);
}

static void
test_line_breaks_in_values (void **state)
{
    (void) state;
    notify_var_t vars[N_TYPICAL];
    memcpy (vars, s_typical, sizeof vars);
    for (size_t i = 0; i < N_TYPICAL; i++)
        if (strcmp (vars[i].name, "count") == 0)
            vars[i].value = "3\r\nngười";
    notify_rendered_t r;
    assert_int_equal (notify_render ("poll_overdue_organiser", "vi", vars, N_TYPICAL, &r), 0);
    //  html: <br>; text and sms: as given; subject: one line.
    assert_non_null (strstr (r.html, "Nguyễn Văn A<br>\nTrần Thị B<br>\nLê Văn C"));
    assert_non_null (strstr (r.text, "Nguyễn Văn A\nTrần Thị B\nLê Văn C"));
    assert_null (strstr (r.text, "<br>"));
    assert_non_null (strstr (r.sms, "3\r\nngười"));
    assert_non_null (strstr (r.subject, "Còn 3 người người"));
    assert_null (strchr (r.subject, '\n'));
    assert_null (strchr (r.subject, '\r'));
    notify_rendered_free (&r);
}

static void
test_unknown_variable_renders_empty (void **state)
{
    (void) state;
    //  Everything but the room, and a name no template uses.
    notify_var_t vars[N_TYPICAL + 1];
    size_t n = 0;
    for (size_t i = 0; i < N_TYPICAL; i++)
        if (strcmp (s_typical[i].name, "room") != 0)
            vars[n++] = s_typical[i];
    vars[n++] = (notify_var_t){"unused", "không dùng"};
    notify_rendered_t r;
    assert_int_equal (notify_render ("invitation", "vi", vars, n, &r), 0);
    assert_non_null (strstr (r.text, "  Địa điểm: \n"));
    assert_non_null (strstr (r.html, "<td>Địa điểm:</td><td></td>"));
    assert_non_null (strstr (r.sms, " tai . "));
    assert_null (strstr (r.text, "không dùng"));
    notify_rendered_free (&r);
}

static void
test_null_value_renders_empty (void **state)
{
    (void) state;
    notify_var_t vars[N_TYPICAL];
    memcpy (vars, s_typical, sizeof vars);
    for (size_t i = 0; i < N_TYPICAL; i++)
        if (strcmp (vars[i].name, "reason") == 0)
            vars[i].value = NULL;
    notify_rendered_t r;
    assert_int_equal (notify_render ("meeting_cancelled", "vi", vars, N_TYPICAL, &r), 0);
    assert_non_null (strstr (r.text, "  Lý do: \n"));
    notify_rendered_free (&r);
}

static void
test_language_falls_back_to_vietnamese (void **state)
{
    (void) state;
    notify_rendered_t vi, fr, none, en;
    assert_int_equal (notify_render ("reminder", "vi", s_typical, N_TYPICAL, &vi), 0);
    assert_int_equal (notify_render ("reminder", "fr", s_typical, N_TYPICAL, &fr), 0);
    assert_int_equal (notify_render ("reminder", NULL, s_typical, N_TYPICAL, &none), 0);
    assert_int_equal (notify_render ("reminder", "en", s_typical, N_TYPICAL, &en), 0);
    assert_string_equal (fr.subject, vi.subject);
    assert_string_equal (fr.text, vi.text);
    assert_string_equal (fr.html, vi.html);
    assert_string_equal (fr.sms, vi.sms);
    assert_string_equal (none.text, vi.text);
    assert_string_not_equal (en.text, vi.text);
    assert_non_null (strstr (en.text, "Dear Nguyễn Văn An,"));
    //  A value in the template's language stands in for the plain one.
    assert_non_null (strstr (en.text, "starts in 1 day:"));
    assert_null (strstr (en.text, "ngày"));
    assert_non_null (strstr (vi.text, "Còn 1 ngày nữa"));
    assert_non_null (strstr (fr.text, "Còn 1 ngày nữa"));
    notify_rendered_free (&vi);
    notify_rendered_free (&fr);
    notify_rendered_free (&none);
    notify_rendered_free (&en);
}

static void
test_unknown_kind_fails (void **state)
{
    (void) state;
    notify_rendered_t r;
    memset (&r, 0xab, sizeof r);
    assert_int_equal (notify_render ("no_such_kind", "vi", s_typical, N_TYPICAL, &r), -1);
    assert_null (r.subject);
    assert_null (r.sms);
    assert_null (r.text);
    assert_null (r.html);
    assert_int_equal (notify_render (NULL, "vi", s_typical, N_TYPICAL, &r), -1);
    assert_int_equal (notify_render ("invitation.vi", "tmpl", s_typical, N_TYPICAL, &r), -1);
    notify_rendered_free (&r);
    notify_rendered_free (NULL);
}

static void
test_value_not_utf8_fails (void **state)
{
    (void) state;
    const notify_var_t vars[] = {{"title", "H\xe1\xbb"}};
    notify_rendered_t r;
    assert_int_equal (notify_render ("invitation", "vi", vars, 1, &r), -1);
    assert_null (r.text);
}

static void
test_values_come_out_nfc (void **state)
{
    (void) state;
    //  "Nguyễn" with the circumflex and the tilde as combining marks.
    const notify_var_t vars[] = {{"recipient", "Nguye\xcc\x82\xcc\x83n"}};
    notify_rendered_t r;
    assert_int_equal (notify_render ("poll_due_soon", "vi", vars, 1, &r), 0);
    assert_non_null (strstr (r.text, "đồng chí Nguyễn,"));
    assert_true (s_is_nfc (r.text));
    assert_true (s_is_nfc (r.html));
    notify_rendered_free (&r);
}

//  The list of kinds is the set of templates/*.vi.tmpl, and every kind has
//  an English file too, in the source tree and in the binary.
static void
test_kinds_are_the_vietnamese_files (void **state)
{
    (void) state;
    const char *const *kinds = notify_render_kinds ();
    size_t n_kinds = 0;
    while (kinds[n_kinds])
        n_kinds++;
    DIR *dir = opendir (TEMPLATES_DIR);
    assert_non_null (dir);
    size_t n_vi = 0, n_en = 0;
    struct dirent *entry;
    while ((entry = readdir (dir))) {
        const char *name = entry->d_name;
        size_t len = strlen (name);
        const char *suffix = len > 8 ? name + len - 8 : "";
        if (strcmp (suffix, ".vi.tmpl") == 0 || strcmp (suffix, ".en.tmpl") == 0) {
            bool listed = false;
            for (size_t i = 0; i < n_kinds; i++)
                listed =
                    listed
                    || (strlen (kinds[i]) == len - 8 && strncmp (kinds[i], name, len - 8) == 0);
            if (!listed)
                fail_msg ("%s is of no listed kind", name);
            n_vi += suffix[1] == 'v';
            n_en += suffix[1] == 'e';
        } else if (name[0] != '.')
            fail_msg ("templates/%s: not <kind>.vi.tmpl or <kind>.en.tmpl", name);
    }
    closedir (dir);
    assert_int_equal (n_vi, n_kinds);
    assert_int_equal (n_en, n_kinds);
    for (size_t i = 0; i < n_kinds; i++)
        for (size_t l = 0; l < 2; l++) {
            char file[128];
            snprintf (file, sizeof file, "%s.%s.tmpl", kinds[i], s_languages[l]);
            if (!cab_embed_find (notify_templates, file))
                fail_msg ("%s is not compiled in", file);
        }
}

/* ---- the format --------------------------------------------------------------------------- */

static void
test_format_comments_and_optional_sections (void **state)
{
    (void) state;
    const char source[] = "# a comment\n"
                          "\n"
                          "#another\n"
                          "subject:   Họp {{ title }}  \n"
                          "--- text\n"
                          "\n"
                          "  Dòng 1 {{title}}\n"
                          "Dòng 2\n"
                          "\n"
                          "\n"
                          "Đoạn <2> & {{ who}} {{not closed\n"
                          "\n";
    const notify_var_t vars[] = {{"title", "A&B"}, {"who", "C\nD"}, {"title", "not me"}};
    notify_rendered_t r;
    assert_int_equal (notify_render_source (source, vars, 3, &r), 0);
    assert_string_equal (r.subject, "Họp A&B");
    assert_string_equal (r.sms, "Họp A&B");
    assert_string_equal (r.text, "  Dòng 1 A&B\nDòng 2\n\n\nĐoạn <2> & C\nD {{not closed");
    assert_string_equal (r.html, "<p>  Dòng 1 A&amp;B<br>\nDòng 2</p>\n"
                                 "<p>Đoạn &lt;2&gt; &amp; C<br>\nD {{not closed</p>");
    notify_rendered_free (&r);
}

static void
test_format_sections_in_any_order (void **state)
{
    (void) state;
    const char source[] = "subject: S\r\n"
                          "--- html\r\n"
                          "<b>{{x}}</b>\r\n"
                          "--- sms\r\n"
                          "sms {{x}}\r\n"
                          "--- text\r\n"
                          "text {{x}}\r\n";
    const notify_var_t vars[] = {{"x", "<1>"}};
    notify_rendered_t r;
    assert_int_equal (notify_render_source (source, vars, 1, &r), 0);
    assert_string_equal (r.subject, "S");
    assert_string_equal (r.sms, "sms <1>");
    assert_string_equal (r.text, "text <1>");
    assert_string_equal (r.html, "<b>&lt;1&gt;</b>");
    notify_rendered_free (&r);
}

static void
test_format_malformed_fails (void **state)
{
    (void) state;
    const char *const bad[] = {
        "--- text\nno subject\n",
        "subject: S\n--- sms\nno text\n",
        "subject:   \n--- text\nempty subject\n",
        "text first\nsubject: S\n--- text\nt\n",
        "subject: S\nstray\n--- text\nt\n",
        "subject: S\n--- text\nt\n--- text\nagain\n",
        "subject: S\n--- text\nt\n--- fax\nf\n",
        "",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        notify_rendered_t r;
        if (notify_render_source (bad[i], NULL, 0, &r) != -1)
            fail_msg ("accepted malformed template %zu", i);
        assert_null (r.subject);
    }
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_every_kind_renders_in_both_languages),
        cmocka_unit_test (test_sms_fits_two_messages),
        cmocka_unit_test (test_vietnamese_templates_have_diacritics),
        cmocka_unit_test (test_template_files_are_nfc_utf8),
        cmocka_unit_test (test_templates_use_the_variables_passed),
        cmocka_unit_test (test_html_escapes_values),
        cmocka_unit_test (test_line_breaks_in_values),
        cmocka_unit_test (test_unknown_variable_renders_empty),
        cmocka_unit_test (test_null_value_renders_empty),
        cmocka_unit_test (test_language_falls_back_to_vietnamese),
        cmocka_unit_test (test_unknown_kind_fails),
        cmocka_unit_test (test_value_not_utf8_fails),
        cmocka_unit_test (test_values_come_out_nfc),
        cmocka_unit_test (test_kinds_are_the_vietnamese_files),
        cmocka_unit_test (test_format_comments_and_optional_sections),
        cmocka_unit_test (test_format_sections_in_any_order),
        cmocka_unit_test (test_format_malformed_fails),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
