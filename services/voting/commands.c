/*  commands - the voting service's command verbs and periodic jobs:
    `seed-demo` (nothing to seed), `verify-export FILE` (the offline check
    of an export of signed ballots: it needs no database, only the file and
    OpenSSL), and the periodic jobs: forgetting old Idempotency-Key
    records, closing the votes a meeting left open when it ended, closing
    polls at their deadline and reminding those who have not answered.  */
#include "cab_config.h"
#include "cab_log.h"
#include "handlers.h"
#include "signature.h"
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define IDEM_MAX_AGE_S (7 * 24 * 3600)  //  a retry comes within seconds; a week is plenty
#define IDEM_JOB_INTERVAL_S 3600
#define IDEM_JOB_DELAY_S 60
#define HOUR_S 3600
#define POLL_REMIND_HOURS_MAX (24 * 30)
#define POLL_SWEEP_MAX_S 3600
#define VOTE_CLOSE_JOB_S 2  //  how soon a vote left open at the end of its meeting closes

static int
s_expire_idem (PGconn *db, void *arg)
{
    (void) arg;
    long deleted = 0;
    if (vote_store_expire_idem (db, IDEM_MAX_AGE_S, &deleted) != CAB_OK)
        return -1;
    if (deleted > 0)
        cab_info ("voting: forgot %ld Idempotency-Key records older than a week", deleted);
    return 0;
}

static int
s_close_votes (PGconn *db, void *arg)
{
    (void) arg;
    long closed = 0;
    if (vote_store_close_ended (db, &closed) != CAB_OK)
        return -1;
    if (closed > 0)
        cab_info ("voting: closed %ld votes left open when their meeting ended", closed);
    return 0;
}

//  Polls past their deadline are closed (poll.closed, poll.overdue) and
//  those due within CABINET_POLL_REMIND_HOURS reminded (poll.due_soon).
//  Readers and answers see a poll closed at its deadline at once; this
//  only writes it down and tells the others.
static int
s_sweep_polls (PGconn *db, void *arg)
{
    (void) arg;
    long closed = 0, reminded = 0;
    int remind_s =
        (int) cab_config_long ("CABINET_POLL_REMIND_HOURS", 0, POLL_REMIND_HOURS_MAX) * HOUR_S;
    if (poll_store_sweep (db, remind_s, &closed, &reminded) != CAB_OK)
        return -1;
    if (closed || reminded)
        cab_info ("voting: %ld polls closed at their deadline, %ld reminders", closed, reminded);
    return 0;
}

void
vote_jobs_fill (cab_job_t jobs[VOTE_JOBS])
{
    int sweep_s = (int) cab_config_long ("CABINET_POLL_SWEEP_SECONDS", 1, POLL_SWEEP_MAX_S);
    jobs[0] =
        (cab_job_t){"idempotency-expiry", IDEM_JOB_INTERVAL_S, IDEM_JOB_DELAY_S, s_expire_idem};
    jobs[1] = (cab_job_t){"poll-deadlines", sweep_s, 1, s_sweep_polls};
    jobs[2] = (cab_job_t){"votes-of-ended-meetings", VOTE_CLOSE_JOB_S, 1, s_close_votes};
    jobs[3] = (cab_job_t){NULL, 0, 0, NULL};
}

int
vote_command (PGconn *db, const cab_service_env_t *env, int argc, char **argv)
{
    (void) db;
    if (argc >= 1 && strcmp (argv[0], "seed-demo") == 0) {
        //  Votes are made in meetings: the demo province starts without any.
        printf ("Dịch vụ biểu quyết của nút %s: không có dữ liệu mẫu cần tạo.\n", env->node_id);
        return 0;
    }
    return -1;
}

/* ---- verify-export ------------------------------------------------------------------------ */

static const char *
s_text (const json_t *object, const char *name)
{
    return json_string_value (json_object_get (object, name));
}

//  true if option is among the vote's options (a JSON array).
static bool
s_offered (const json_t *options, const char *option)
{
    size_t i;
    json_t *item;
    json_array_foreach (options, i, item)
    {
        const char *text = json_string_value (item);
        if (text && option && strcmp (text, option) == 0)
            return true;
    }
    return false;
}

//  Check one ballot of the export. Returns NULL when it verifies, else
//  what is wrong (Vietnamese).
static const char *
s_check_ballot (const char *vote_id, const json_t *options, const json_t *ballot)
{
    const char *voter = s_text (ballot, "voter_id");
    const char *option = s_text (ballot, "option");
    const char *signed_at = s_text (ballot, "signed_at");
    const char *canonical = s_text (ballot, "canonical");
    const char *signature = s_text (ballot, "signature");
    const char *key = s_text (ballot, "public_key");
    if (!voter || !option || !signed_at || !canonical || !signature || !key)
        return "thiếu trường bắt buộc";
    if (!s_offered (options, option))
        return "phương án không có trong biểu quyết";
    size_t len = vote_canonical (NULL, 0, vote_id, option, voter, signed_at);
    char *expected = malloc (len + 1);
    if (!expected)
        return "hết bộ nhớ";
    vote_canonical (expected, len + 1, vote_id, option, voter, signed_at);
    bool same = strcmp (expected, canonical) == 0;
    free (expected);
    if (!same)
        return "chuỗi đã ký không khớp với biểu quyết, người bỏ phiếu, phương án và thời điểm";
    vote_fault_t fault;
    unsigned char *der = NULL;
    size_t der_len = 0;
    if (vote_key_parse (key, &der, &der_len, &fault) != 0)
        return "khóa công khai không đọc được";
    bool ok = vote_signature_verify (der, der_len, canonical, strlen (canonical), signature);
    free (der);
    return ok ? NULL : "chữ ký không hợp lệ";
}

int
vote_verify_export (const char *path)
{
    json_error_t error;
    json_t *doc = json_load_file (path, 0, &error);
    const json_t *vote = json_object_get (doc, "vote");
    const json_t *ballots = json_object_get (doc, "ballots");
    const char *vote_id = s_text (vote, "id");
    const json_t *options = json_object_get (vote, "options");
    const char *format = s_text (doc, "format");
    if (!doc || !vote_id || !json_is_array (options) || !json_is_array (ballots) || !format
        || strcmp (format, VOTE_CANONICAL_PREFIX) != 0) {
        fprintf (stderr, "%s: không phải tệp xuất phiếu biểu quyết (%s)\n", path,
                 doc ? "thiếu format, vote hoặc ballots" : error.text);
        json_decref (doc);
        return 2;
    }
    size_t i, bad = 0;
    json_t *ballot;
    json_array_foreach (ballots, i, ballot)
    {
        const char *voter = s_text (ballot, "voter_id");
        //  A voter with two ballots in one export is a forgery too.
        for (size_t j = 0; j < i && voter; j++) {
            const char *other = s_text (json_array_get (ballots, j), "voter_id");
            if (other && strcmp (other, voter) == 0) {
                printf ("SAI  %s: người bỏ phiếu có hơn một phiếu\n", voter);
                bad++;
            }
        }
        const char *why = s_check_ballot (vote_id, options, ballot);
        if (why) {
            printf ("SAI  %s: %s\n", voter ? voter : "?", why);
            bad++;
        } else
            printf ("ĐÚNG %s: %s\n", voter, s_text (ballot, "option"));
    }
    //  Every ballot of a signed vote is signed: the tally is the ballots'.
    json_t *entry;
    json_array_foreach (json_object_get (vote, "tally"), i, entry)
    {
        const char *option = s_text (entry, "option");
        json_int_t count = json_integer_value (json_object_get (entry, "count")), found = 0;
        size_t k;
        json_array_foreach (ballots, k, ballot)
        {
            const char *chosen = s_text (ballot, "option");
            found += option && chosen && strcmp (option, chosen) == 0;
        }
        if (found != count) {
            printf ("SAI  kết quả: phương án «%s» có %lld phiếu trong tệp, kết quả ghi %lld\n",
                    option ? option : "?", (long long) found, (long long) count);
            bad++;
        }
    }
    printf ("Biểu quyết %s: %zu phiếu, %zu lỗi.\n", vote_id, json_array_size (ballots), bad);
    json_decref (doc);
    return bad ? 1 : 0;
}
