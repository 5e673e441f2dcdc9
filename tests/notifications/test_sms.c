/*  Unit tests: SMS notices - Vietnamese folded to ASCII (every vowel with
    every tone, đ/Đ, NFC and NFD input), texts split into parts (code
    points, exact limits, "(i/n) " prefixes, whole words, a word longer than
    a part), phone numbers, the request body's escaping (JSON and form), and
    real POSTs to an HTTP receiver on a loopback port
    (tests/notifications/http_sink.py): basic auth, the extra header, the
    content type, each part's body and id, and which failures are
    permanent (400) and which are not (500, 408, 429, no connection, a
    timeout).  */
#include "cab_utf8.h"
#include "sink.h"
#include "sms.h"
#include <curl/curl.h>
#include <jansson.h>
#include <utf8proc.h>
//  cmocka needs these before it, in this order.
// clang-format off
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
// clang-format on

#define PHONE "0912 345 678"
#define PHONE_NORMAL "84912345678"
#define USER "cabinet"
#define PASSWORD "s3cret"
#define BASIC_AUTH "Basic Y2FiaW5ldDpzM2NyZXQ="  //  base64 of "cabinet:s3cret"
#define LONG_TEXT                                                                                                               \
    "Kính mời đồng chí dự cuộc họp Ban Thường vụ Tỉnh ủy lúc 08:00 ngày 05/03/2025 tại Phòng họp " \
    "số 1, tầng 3, trụ sở Tỉnh ủy. Đề nghị đồng chí xác nhận tham dự trước 17:00 ngày 04/03."
#define SEND_TIMEOUT_MS 10000
#define HANG_TIMEOUT_MS 400

/* ---- folding to ASCII ---------------------------------------------------------------- */

typedef struct {
    const char *letters;  //  a base letter with every mark Vietnamese puts on it
    char base;
} s_vowels_t;

static const s_vowels_t s_vowels[] = {
    {"aáàảãạăắằẳẵặâấầẩẫậ", 'a'},
    {"eéèẻẽẹêếềểễệ", 'e'},
    {"iíìỉĩị", 'i'},
    {"oóòỏõọôốồổỗộơớờởỡợ", 'o'},
    {"uúùủũụưứừửữự", 'u'},
    {"yýỳỷỹỵ", 'y'},
    {"AÁÀẢÃẠĂẮẰẲẴẶÂẤẦẨẪẬ", 'A'},
    {"EÉÈẺẼẸÊẾỀỂỄỆ", 'E'},
    {"IÍÌỈĨỊ", 'I'},
    {"OÓÒỎÕỌÔỐỒỔỖỘƠỚỜỞỠỢ", 'O'},
    {"UÚÙỦŨỤƯỨỪỬỮỰ", 'U'},
    {"YÝỲỶỸỴ", 'Y'},
    {"đĐ", 0},
};

//  Fold letters and check each became base.
static void
s_assert_vowels (const char *letters, char base)
{
    char *folded = notify_sms_fold_ascii (letters);
    assert_non_null (folded);
    size_t n = cab_utf8_length (letters);
    assert_int_equal (strlen (folded), n);
    for (size_t i = 0; i < n; i++)
        assert_int_equal (folded[i], base);
    free (folded);
}

static void
test_fold_every_vowel_with_every_tone (void **state)
{
    (void) state;
    for (size_t i = 0; s_vowels[i].base; i++) {
        assert_int_equal (cab_utf8_length (s_vowels[i].letters),
                          s_vowels[i].base == 'a' || s_vowels[i].base == 'A'
                                  || s_vowels[i].base == 'o' || s_vowels[i].base == 'O'
                              ? 18
                          : s_vowels[i].base == 'i' || s_vowels[i].base == 'I'
                                  || s_vowels[i].base == 'y' || s_vowels[i].base == 'Y'
                              ? 6
                              : 12);
        s_assert_vowels (s_vowels[i].letters, s_vowels[i].base);
    }
    char *dd = notify_sms_fold_ascii ("đĐ");
    assert_string_equal (dd, "dD");
    free (dd);
}

static void
test_fold_nfd_input_like_nfc (void **state)
{
    (void) state;
    for (size_t i = 0; s_vowels[i].base; i++) {
        char *nfd = (char *) utf8proc_NFD ((const utf8proc_uint8_t *) s_vowels[i].letters);
        assert_non_null (nfd);
        //  decomposed: more code points than letters, the same folding
        assert_true (cab_utf8_length (nfd) > cab_utf8_length (s_vowels[i].letters));
        char *folded = notify_sms_fold_ascii (nfd);
        char *expected = notify_sms_fold_ascii (s_vowels[i].letters);
        assert_string_equal (folded, expected);
        free (folded);
        free (expected);
        free (nfd);
    }
    //  "Cuộc họp Đảng ủy" typed with combining marks
    char *folded = notify_sms_fold_ascii ("Cuo\u0323\u0302c ho\u0323p \u0110a\u0309ng u\u0309y");
    assert_string_equal (folded, "Cuoc hop Dang uy");
    free (folded);
}

static void
test_fold_sentences_and_punctuation (void **state)
{
    (void) state;
    const struct {
        const char *in;
        const char *out;
    } cases[] = {
        {"Cuộc họp Đảng ủy", "Cuoc hop Dang uy"},
        {"Đồng chí Nguyễn Thị Hường, Phó Chủ tịch UBND tỉnh",
         "Dong chi Nguyen Thi Huong, Pho Chu tich UBND tinh"},
        {"“Họp khẩn” – 08:00…", "\"Hop khan\" - 08:00..."},
        {"Giá: 5€ ½", "Gia: 5? 1?2"},
        {"dòng 1\ndòng\t2", "dong 1\ndong\t2"},
        {"", ""},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *out = notify_sms_fold_ascii (cases[i].in);
        assert_non_null (out);
        assert_string_equal (out, cases[i].out);
        for (const unsigned char *p = (const unsigned char *) out; *p; p++)
            assert_true (*p < 0x80);
        free (out);
    }
    assert_null (notify_sms_fold_ascii ("H\xe1\xbb"));
    assert_null (notify_sms_fold_ascii (NULL));
}

/* ---- splitting ----------------------------------------------------------------------- */

static void
test_split_short_text_is_one_part_without_prefix (void **state)
{
    (void) state;
    char **parts = NULL;
    assert_int_equal (notify_sms_split ("Mời họp lúc 8:00", 160, &parts), 1);
    assert_string_equal (parts[0], "Mời họp lúc 8:00");
    notify_sms_parts_free (parts, 1);
    //  blanks at the ends are not sent
    assert_int_equal (notify_sms_split ("  Mời họp \n", 160, &parts), 1);
    assert_string_equal (parts[0], "Mời họp");
    notify_sms_parts_free (parts, 1);
    //  no limit
    assert_int_equal (notify_sms_split (LONG_TEXT, 0, &parts), 1);
    assert_string_equal (parts[0], LONG_TEXT);
    notify_sms_parts_free (parts, 1);
}

static void
test_split_counts_code_points_not_bytes (void **state)
{
    (void) state;
    char text[4 * 200] = "";
    for (int i = 0; i < 160; i++)
        strcat (text, "ệ");  //  3 bytes, one code point
    assert_int_equal (strlen (text), 480);
    char **parts = NULL;
    assert_int_equal (notify_sms_split (text, 160, &parts), 1);
    assert_string_equal (parts[0], text);
    notify_sms_parts_free (parts, 1);
    strcat (text, "ệ");
    size_t n = notify_sms_split (text, 160, &parts);
    assert_int_equal (n, 2);
    assert_int_equal (cab_utf8_length (parts[0]), 160);  //  "(1/2) " + 154
    assert_int_equal (cab_utf8_length (parts[1]), 6 + 7);
    for (size_t i = 0; i < n; i++)
        assert_true (cab_utf8_valid (parts[i], strlen (parts[i])));
    notify_sms_parts_free (parts, n);
}

static void
test_split_exact_limits (void **state)
{
    (void) state;
    char **parts = NULL;
    //  exactly max: one part
    const char *twenty = "aaaa bbbb cccc dđdđ!";
    assert_int_equal (cab_utf8_length (twenty), 20);
    assert_int_equal (notify_sms_split (twenty, 20, &parts), 1);
    assert_string_equal (parts[0], twenty);
    notify_sms_parts_free (parts, 1);
    //  one more: parts, each filled to the limit when the words fit exactly
    size_t n = notify_sms_split ("aaaa bbbb cccc dddd eeee ffff", 20, &parts);
    assert_int_equal (n, 2);
    assert_string_equal (parts[0], "(1/2) aaaa bbbb cccc");
    assert_string_equal (parts[1], "(2/2) dddd eeee ffff");
    assert_int_equal (strlen (parts[0]), 20);
    notify_sms_parts_free (parts, n);
    n = notify_sms_split ("aaaa bbbb cccc dddd eeee ffff!", 20, &parts);
    assert_int_equal (n, 3);
    assert_string_equal (parts[1], "(2/3) dddd eeee");
    assert_string_equal (parts[2], "(3/3) ffff!");
    notify_sms_parts_free (parts, n);
}

//  The words of s (split on white space) in order, into words; returns count.
static size_t
s_words (const char *s, char words[][64], size_t max)
{
    size_t n = 0;
    char *copy = strdup (s), *save = NULL;
    for (char *w = strtok_r (copy, " \t\r\n", &save); w && n < max;
         w = strtok_r (NULL, " \t\r\n", &save))
        snprintf (words[n++], 64, "%s", w);
    free (copy);
    return n;
}

static void
test_split_keeps_words_whole_with_prefixes (void **state)
{
    (void) state;
    const int max = 60;
    char **parts = NULL;
    size_t n = notify_sms_split (LONG_TEXT, max, &parts);
    assert_true (n >= 3 && n <= 9);
    char all[64][64], got[64][64];
    size_t total = s_words (LONG_TEXT, all, 64), seen = 0;
    for (size_t i = 0; i < n; i++) {
        char prefix[48];
        snprintf (prefix, sizeof prefix, "(%zu/%zu) ", i + 1, n);
        assert_memory_equal (parts[i], prefix, strlen (prefix));
        assert_true (cab_utf8_length (parts[i]) <= (size_t) max);
        const char *body = parts[i] + strlen (prefix);
        size_t k = s_words (body, got, 64);
        for (size_t j = 0; j < k; j++)
            assert_string_equal (got[j], all[seen + j]);  //  whole words, in order
        //  greedy: the next word would not have fitted
        if (i + 1 < n)
            assert_true (cab_utf8_length (parts[i]) + 1 + cab_utf8_length (all[seen + k])
                         > (size_t) max);
        seen += k;
    }
    assert_int_equal (seen, total);
    notify_sms_parts_free (parts, n);
}

static void
test_split_cuts_a_word_longer_than_a_part (void **state)
{
    (void) state;
    char word[51];
    memset (word, 'x', 50);
    word[50] = '\0';
    char **parts = NULL;
    size_t n = notify_sms_split (word, 20, &parts);
    assert_int_equal (n, 4);  //  14 + 14 + 14 + 8 after "(i/4) "
    char joined[64] = "";
    for (size_t i = 0; i < n; i++) {
        assert_true (strlen (parts[i]) <= 20);
        strcat (joined, parts[i] + 6);
    }
    assert_int_equal (strlen (parts[0]), 20);
    assert_string_equal (joined, word);
    notify_sms_parts_free (parts, n);

    //  a long link between short words: the words before it stay whole, the
    //  link's end shares a part with what follows
    n = notify_sms_split ("Xem https://hop.tinh.gov.vn/m/0190c0de ngay", 20, &parts);
    assert_int_equal (n, 4);
    assert_string_equal (parts[0], "(1/4) Xem");
    assert_string_equal (parts[1], "(2/4) https://hop.ti");
    assert_string_equal (parts[2], "(3/4) nh.gov.vn/m/01");
    assert_string_equal (parts[3], "(4/4) 90c0de ngay");
    notify_sms_parts_free (parts, n);
}

static void
test_split_ten_parts_or_more_keep_the_limit (void **state)
{
    (void) state;
    char text[1024] = "";
    for (int i = 1; i <= 40; i++) {
        char word[32];
        snprintf (word, sizeof word, "%sword%02d", i > 1 ? " " : "", i);
        strcat (text, word);
    }
    char **parts = NULL;
    size_t n = notify_sms_split (text, 20, &parts);
    assert_true (n >= 10);
    for (size_t i = 0; i < n; i++) {
        char prefix[48];
        snprintf (prefix, sizeof prefix, "(%zu/%zu) ", i + 1, n);
        assert_memory_equal (parts[i], prefix, strlen (prefix));
        assert_true (strlen (parts[i]) <= 20);
    }
    notify_sms_parts_free (parts, n);
}

static void
test_split_refuses_blank_invalid_and_no_room (void **state)
{
    (void) state;
    char **parts = (char **) 1;
    assert_int_equal (notify_sms_split ("", 160, &parts), 0);
    assert_null (parts);
    assert_int_equal (notify_sms_split (" \n\t ", 160, &parts), 0);
    assert_null (parts);
    assert_int_equal (notify_sms_split ("H\xe1\xbb", 160, &parts), 0);
    assert_int_equal (notify_sms_split (NULL, 160, &parts), 0);
    //  "(1/9) " leaves nothing of 6
    assert_int_equal (notify_sms_split ("aaaa bbbb cccc", 6, &parts), 0);
    assert_null (parts);
    notify_sms_parts_free (NULL, 0);
}

/* ---- phone numbers ------------------------------------------------------------------- */

static void
test_phone_numbers_normalised (void **state)
{
    (void) state;
    const struct {
        const char *in;
        const char *out;
    } good[] = {
        {"0912345678", PHONE_NORMAL},       {"0912 345 678", PHONE_NORMAL},
        {"0912.345.678", PHONE_NORMAL},     {"+84912345678", PHONE_NORMAL},
        {"+84 912-345-678", PHONE_NORMAL},  {"(+84) 912 345 678", PHONE_NORMAL},
        {"84912345678", PHONE_NORMAL},      {"+84 (0) 912 345 678", PHONE_NORMAL},
        {"0084912345678", PHONE_NORMAL},    {"0387654321", "84387654321"},
        {"+1 202 555 0143", "12025550143"}, {"+33 1 23 45 67 89", "33123456789"},
    };
    char out[NOTIFY_SMS_PHONE_MAX];
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        assert_true (notify_sms_normalise_phone (good[i].in, out, sizeof out));
        assert_string_equal (out, good[i].out);
    }
    const char *bad[] = {"",           "abc",           "12345",
                         "091234567",  "09123456789",   "0912345678x",
                         "+",          "++84912345678", "84 91234567",
                         "912345678",  "0012",          "+84 0012345678",
                         "0012345678", "+123",          "+1234567890123456",
                         NULL};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_false (notify_sms_normalise_phone (bad[i], out, sizeof out));
    char small[11];  //  one byte short
    assert_false (notify_sms_normalise_phone ("0912345678", small, sizeof small));
    char exact[12];
    assert_true (notify_sms_normalise_phone ("0912345678", exact, sizeof exact));
}

/* ---- the request body ---------------------------------------------------------------- */

static void
test_body_json_escapes_values (void **state)
{
    (void) state;
    const char *text = "Họp \"khẩn\" \\ phòng 1\nlúc 8:00\t\x01 </b>";
    char *body = notify_sms_render_body (NULL, NULL, PHONE_NORMAL, text, "notice-1-1");
    assert_non_null (body);
    assert_non_null (strstr (body, "\\\"khẩn\\\""));
    assert_non_null (strstr (body, " \\\\ "));
    assert_non_null (strstr (body, "\\n"));
    assert_non_null (strstr (body, "\\t"));
    assert_non_null (strstr (body, "\\u0001"));
    assert_null (strchr (body, '\n'));
    json_error_t error;
    json_t *parsed = json_loads (body, 0, &error);
    assert_non_null (parsed);
    assert_string_equal (json_string_value (json_object_get (parsed, "to")), PHONE_NORMAL);
    assert_string_equal (json_string_value (json_object_get (parsed, "text")), text);
    assert_string_equal (json_string_value (json_object_get (parsed, "ref")), "notice-1-1");
    json_decref (parsed);
    free (body);

    //  a gateway's own shape; other braces and unknown names stay as they are
    body = notify_sms_render_body ("{\"msisdn\":\"{{phone}}\",\"msg\":{\"t\":\"{{text}}\"},"
                                   "\"x\":\"{{other}}\",\"again\":\"{{phone}}\"}",
                                   NOTIFY_SMS_JSON, "849", "a\"b", NULL);
    assert_string_equal (body, "{\"msisdn\":\"849\",\"msg\":{\"t\":\"a\\\"b\"},"
                               "\"x\":\"{{other}}\",\"again\":\"849\"}");
    free (body);
}

static void
test_body_form_percent_encodes_values (void **state)
{
    (void) state;
    char *body = notify_sms_render_body (NULL, NOTIFY_SMS_FORM, PHONE_NORMAL, "a b&c=d/é+", "n-1");
    assert_string_equal (body, "to=84912345678&text=a%20b%26c%3Dd%2F%C3%A9%2B&ref=n-1");
    free (body);
    body = notify_sms_render_body ("u=x&p=y&dest={{phone}}&sms={{text}}", NOTIFY_SMS_FORM, "84",
                                   "Họp\n", "id");
    assert_string_equal (body, "u=x&p=y&dest=84&sms=H%E1%BB%8Dp%0A");
    free (body);
    assert_null (notify_sms_render_body (NULL, "text/plain", "84", "x", "id"));
}

static void
test_new_refuses_bad_configuration (void **state)
{
    (void) state;
    notify_sms_config_t cfg = {.url = "http://127.0.0.1:1/sms"};
    notify_sms_t *sms = notify_sms_new (&cfg);
    assert_non_null (sms);
    notify_sms_destroy (&sms);
    assert_null (sms);
    notify_sms_destroy (&sms);
    notify_sms_destroy (NULL);
    cfg.url = "";
    assert_null (notify_sms_new (&cfg));
    cfg.url = NULL;
    assert_null (notify_sms_new (&cfg));
    cfg.url = "http://127.0.0.1:1/sms";
    cfg.content_type = "text/plain";
    assert_null (notify_sms_new (&cfg));
    cfg.content_type = NOTIFY_SMS_FORM;
    cfg.header = "no colon";
    assert_null (notify_sms_new (&cfg));
    cfg.header = "X-A: b\r\nX-Injected: c";
    assert_null (notify_sms_new (&cfg));
    cfg.header = "Authorization: Bearer x";
    cfg.max_chars = 5;
    assert_null (notify_sms_new (&cfg));
    cfg.max_chars = 70;
    sms = notify_sms_new (&cfg);
    assert_non_null (sms);
    notify_sms_destroy (&sms);
    assert_null (notify_sms_new (NULL));
}

static void
test_send_refuses_bad_input_as_permanent (void **state)
{
    (void) state;
    int port = sink_free_port ();
    char url[64];
    snprintf (url, sizeof url, "http://127.0.0.1:%d/sms", port);
    notify_sms_config_t cfg = {.url = url};
    notify_sms_t *sms = notify_sms_new (&cfg);
    char err[256] = "";
    bool permanent = false;
    assert_int_equal (notify_sms_send (sms, "12345", "Họp", "n", err, sizeof err, &permanent), -1);
    assert_true (permanent);
    assert_non_null (strstr (err, "phone"));
    permanent = false;
    assert_int_equal (notify_sms_send (sms, PHONE, "  ", "n", err, sizeof err, &permanent), -1);
    assert_true (permanent);
    permanent = false;
    assert_int_equal (notify_sms_send (sms, PHONE, "H\xe1\xbb", "n", err, sizeof err, &permanent),
                      -1);
    assert_true (permanent);
    permanent = false;
    assert_int_equal (notify_sms_send (sms, PHONE, "Họp", "", err, sizeof err, &permanent), -1);
    assert_true (permanent);
    notify_sms_destroy (&sms);
}

static void
test_send_connection_refused_is_not_permanent (void **state)
{
    (void) state;
    int port = sink_free_port ();
    char url[64];
    snprintf (url, sizeof url, "http://127.0.0.1:%d/sms", port);
    notify_sms_config_t cfg = {.url = url, .timeout_ms = SEND_TIMEOUT_MS};
    notify_sms_t *sms = notify_sms_new (&cfg);
    char err[256] = "";
    bool permanent = true;
    assert_int_equal (notify_sms_send (sms, PHONE, "Họp", "n", err, sizeof err, &permanent), -1);
    assert_false (permanent);
    assert_non_null (strstr (err, "part 1/1"));
    notify_sms_destroy (&sms);
}

static void
test_send_timeout_is_not_permanent (void **state)
{
    (void) state;
    int port = 0;
    int listener = sink_silent_listener (&port);
    assert_true (listener >= 0);
    char url[64];
    snprintf (url, sizeof url, "http://127.0.0.1:%d/sms", port);
    notify_sms_config_t cfg = {.url = url, .timeout_ms = HANG_TIMEOUT_MS};
    notify_sms_t *sms = notify_sms_new (&cfg);
    char err[256] = "";
    bool permanent = true;
    long start = sink_now_ms ();
    assert_int_equal (notify_sms_send (sms, PHONE, "Họp", "n", err, sizeof err, &permanent), -1);
    long took = sink_now_ms () - start;
    assert_false (permanent);
    assert_true (took >= HANG_TIMEOUT_MS - 50 && took < HANG_TIMEOUT_MS * 10);
    notify_sms_destroy (&sms);
    close (listener);
}

/* ---- real sends ---------------------------------------------------------------------- */

typedef struct {
    sink_t sink;
    char dir[256];
    int port;
} server_t;

static int
s_server_down (void **state)
{
    server_t *server = *state;
    if (server) {
        sink_stop (&server->sink);
        sink_rmdir (server->dir);
        free (server);
    }
    return 0;
}

//  Start the receiver in a fresh folder. Returns 0 or -1.
static int
s_server_start (server_t *server)
{
    server->sink.pid = 0;
    server->sink.out = -1;
    server->port = sink_free_port ();
    if (server->port < 0 || sink_tmpdir (server->dir, sizeof server->dir, "sms"))
        return -1;
    char port_text[16];
    snprintf (port_text, sizeof port_text, "%d", server->port);
    char *argv[] = {SINK_PYTHON, SINK_SCRIPT ("http_sink.py"), port_text, server->dir, NULL};
    return sink_start (&server->sink, argv);
}

static int
s_server_up (void **state)
{
    server_t *server = calloc (1, sizeof *server);
    *state = server;
    if (server && s_server_start (server) == 0)
        return 0;
    s_server_down (state);
    *state = NULL;
    return -1;
}

//  The requests the receiver recorded for path, in order (a new array).
static json_t *
s_requests (server_t *server, const char *path)
{
    char file[512];
    snprintf (file, sizeof file, "%s/requests.jsonl", server->dir);
    json_t *found = json_array ();
    char *data = sink_read_file (file, NULL);
    if (!data)
        return found;
    char *save = NULL;
    for (char *line = strtok_r (data, "\n", &save); line; line = strtok_r (NULL, "\n", &save)) {
        json_error_t error;
        json_t *request = json_loads (line, 0, &error);
        assert_non_null (request);
        const char *p = json_string_value (json_object_get (request, "path"));
        if (p && strcmp (p, path) == 0)
            json_array_append (found, request);
        json_decref (request);
    }
    free (data);
    return found;
}

static const char *
s_at (json_t *request, const char *object, const char *key)
{
    return json_string_value (json_object_get (json_object_get (request, object), key));
}

static void
test_send_posts_each_part_as_json_with_auth (void **state)
{
    server_t *server = *state;
    char url[128];
    snprintf (url, sizeof url, "http://127.0.0.1:%d/sms/json", server->port);
    notify_sms_config_t cfg = {.url = url,
                               .user = USER,
                               .password = PASSWORD,
                               .header = "X-Api-Key: k-123",
                               .body_template = NOTIFY_SMS_TEMPLATE_JSON,
                               .content_type = NOTIFY_SMS_JSON,
                               .max_chars = 70,
                               .timeout_ms = SEND_TIMEOUT_MS};
    notify_sms_t *sms = notify_sms_new (&cfg);
    assert_non_null (sms);
    char err[256] = "";
    bool permanent = true;
    assert_int_equal (
        notify_sms_send (sms, PHONE, LONG_TEXT, "notice-42", err, sizeof err, &permanent), 0);
    notify_sms_destroy (&sms);

    char **parts = NULL;
    size_t n = notify_sms_split (LONG_TEXT, 70, &parts);
    assert_true (n >= 3);
    json_t *requests = s_requests (server, "/sms/json");
    assert_int_equal (json_array_size (requests), n);
    for (size_t i = 0; i < n; i++) {
        json_t *r = json_array_get (requests, i);
        assert_string_equal (json_string_value (json_object_get (r, "method")), "POST");
        assert_string_equal (s_at (r, "headers", "authorization"), BASIC_AUTH);
        assert_string_equal (s_at (r, "headers", "content-type"), "application/json");
        assert_string_equal (s_at (r, "headers", "x-api-key"), "k-123");
        assert_null (s_at (r, "headers", "expect"));
        assert_string_equal (s_at (r, "json", "to"), PHONE_NORMAL);
        assert_string_equal (s_at (r, "json", "text"), parts[i]);
        char ref[64];
        snprintf (ref, sizeof ref, "notice-42-%zu", i + 1);
        assert_string_equal (s_at (r, "json", "ref"), ref);
    }
    json_decref (requests);
    notify_sms_parts_free (parts, n);
}

static void
test_send_form_encoded_without_diacritics (void **state)
{
    server_t *server = *state;
    char url[128];
    snprintf (url, sizeof url, "http://127.0.0.1:%d/sms/form", server->port);
    notify_sms_config_t cfg = {.url = url,
                               .header = "Authorization: Bearer tok",
                               .content_type = NOTIFY_SMS_FORM,
                               .ascii = true,
                               .timeout_ms = SEND_TIMEOUT_MS};
    notify_sms_t *sms = notify_sms_new (&cfg);
    char err[256] = "";
    bool permanent = true;
    assert_int_equal (notify_sms_send (sms, "+84 387 654 321",
                                       "Cuộc họp Đảng ủy lúc 8:00 & ăn trưa", "n-7", err,
                                       sizeof err, &permanent),
                      0);
    notify_sms_destroy (&sms);
    json_t *requests = s_requests (server, "/sms/form");
    assert_int_equal (json_array_size (requests), 1);
    json_t *r = json_array_get (requests, 0);
    assert_string_equal (s_at (r, "headers", "content-type"), NOTIFY_SMS_FORM);
    assert_string_equal (s_at (r, "headers", "authorization"), "Bearer tok");
    assert_string_equal (s_at (r, "form", "to"), "84387654321");
    assert_string_equal (s_at (r, "form", "text"), "Cuoc hop Dang uy luc 8:00 & an trua");
    assert_string_equal (s_at (r, "form", "ref"), "n-7-1");
    json_decref (requests);
}

//  Send a three-part text to path?status=status; return the result.
static int
s_send_answered (server_t *server, const char *path, int status, bool *permanent, char *err,
                 size_t cap)
{
    char url[160];
    snprintf (url, sizeof url, "http://127.0.0.1:%d%s?status=%d", server->port, path, status);
    notify_sms_config_t cfg = {.url = url, .max_chars = 70, .timeout_ms = SEND_TIMEOUT_MS};
    notify_sms_t *sms = notify_sms_new (&cfg);
    int rc = notify_sms_send (sms, PHONE, LONG_TEXT, "n", err, cap, permanent);
    notify_sms_destroy (&sms);
    return rc;
}

static void
test_send_server_error_is_not_permanent (void **state)
{
    server_t *server = *state;
    char err[256] = "";
    bool permanent = true;
    assert_int_equal (s_send_answered (server, "/sms/500", 500, &permanent, err, sizeof err), -1);
    assert_false (permanent);
    assert_non_null (strstr (err, "HTTP 500"));
    assert_non_null (strstr (err, "part 1/"));
    assert_non_null (strstr (err, "\"status\": 500"));  //  the gateway's answer
    //  the first refused part ends the send
    json_t *requests = s_requests (server, "/sms/500");
    assert_int_equal (json_array_size (requests), 1);
    json_decref (requests);
}

static void
test_send_bad_request_is_permanent (void **state)
{
    server_t *server = *state;
    char err[256] = "";
    bool permanent = false;
    assert_int_equal (s_send_answered (server, "/sms/400", 400, &permanent, err, sizeof err), -1);
    assert_true (permanent);
    assert_non_null (strstr (err, "HTTP 400"));
    permanent = false;
    assert_int_equal (s_send_answered (server, "/sms/401", 401, &permanent, err, sizeof err), -1);
    assert_true (permanent);
}

static void
test_send_reports_the_gateway_answer_on_one_line (void **state)
{
    server_t *server = *state;
    const char *answer = "Số điện thoại\r\nkhông hợp lệ";
    char *escaped = curl_easy_escape (NULL, answer, 0);
    char url[256];
    snprintf (url, sizeof url, "http://127.0.0.1:%d/sms/answer?status=422&answer=%s", server->port,
              escaped);
    curl_free (escaped);
    notify_sms_config_t cfg = {.url = url, .timeout_ms = SEND_TIMEOUT_MS};
    notify_sms_t *sms = notify_sms_new (&cfg);
    char err[256] = "";
    bool permanent = false;
    assert_int_equal (notify_sms_send (sms, PHONE, "Họp", "n", err, sizeof err, &permanent), -1);
    assert_true (permanent);
    assert_string_equal (err,
                         "SMS gateway answered HTTP 422, part 1/1: Số điện thoại  không hợp lệ");
    notify_sms_destroy (&sms);
}

static void
test_send_busy_gateway_is_not_permanent (void **state)
{
    server_t *server = *state;
    char err[256] = "";
    const int busy[] = {408, 429, 503};
    for (size_t i = 0; i < sizeof busy / sizeof busy[0]; i++) {
        bool permanent = true;
        assert_int_equal (
            s_send_answered (server, "/sms/busy", busy[i], &permanent, err, sizeof err), -1);
        assert_false (permanent);
    }
    //  and 2xx other than 200 is accepted
    bool permanent = true;
    assert_int_equal (s_send_answered (server, "/sms/202", 202, &permanent, err, sizeof err), 0);
    json_t *requests = s_requests (server, "/sms/202");
    assert_true (json_array_size (requests) >= 3);
    json_decref (requests);
}

int
main (void)
{
    const struct CMUnitTest pure[] = {
        cmocka_unit_test (test_fold_every_vowel_with_every_tone),
        cmocka_unit_test (test_fold_nfd_input_like_nfc),
        cmocka_unit_test (test_fold_sentences_and_punctuation),
        cmocka_unit_test (test_split_short_text_is_one_part_without_prefix),
        cmocka_unit_test (test_split_counts_code_points_not_bytes),
        cmocka_unit_test (test_split_exact_limits),
        cmocka_unit_test (test_split_keeps_words_whole_with_prefixes),
        cmocka_unit_test (test_split_cuts_a_word_longer_than_a_part),
        cmocka_unit_test (test_split_ten_parts_or_more_keep_the_limit),
        cmocka_unit_test (test_split_refuses_blank_invalid_and_no_room),
        cmocka_unit_test (test_phone_numbers_normalised),
        cmocka_unit_test (test_body_json_escapes_values),
        cmocka_unit_test (test_body_form_percent_encodes_values),
        cmocka_unit_test (test_new_refuses_bad_configuration),
        cmocka_unit_test (test_send_refuses_bad_input_as_permanent),
        cmocka_unit_test (test_send_connection_refused_is_not_permanent),
        cmocka_unit_test (test_send_timeout_is_not_permanent),
    };
    const struct CMUnitTest server[] = {
        cmocka_unit_test (test_send_posts_each_part_as_json_with_auth),
        cmocka_unit_test (test_send_form_encoded_without_diacritics),
        cmocka_unit_test (test_send_server_error_is_not_permanent),
        cmocka_unit_test (test_send_bad_request_is_permanent),
        cmocka_unit_test (test_send_reports_the_gateway_answer_on_one_line),
        cmocka_unit_test (test_send_busy_gateway_is_not_permanent),
    };
    curl_global_init (CURL_GLOBAL_DEFAULT);
    int failed = cmocka_run_group_tests_name ("sms", pure, NULL, NULL);
    failed += cmocka_run_group_tests_name ("sms_http", server, s_server_up, s_server_down);
    curl_global_cleanup ();
    return failed;
}
