/*  cab-paced - an open-loop HTTP load for `make bench`: requests sent at a
    fixed rate, whatever the server's answers, over at most CONNS keep-alive
    connections (libcurl's multi interface, one thread).

    wrk keeps each connection busy (a closed loop): the rate is whatever the
    server manages, and its latencies are those of a saturated server. This
    asks a different question: at RATE requests a second, how long does
    each take? Request n is due at start + n / RATE. A request is timed from
    when it was due, not from when a free connection took it: a server that
    falls behind sees its backlog in the latencies instead of slowing the
    sender down (no coordinated omission).

        cab-paced BASE_URL REQUESTS RATE CONNS SECONDS

    REQUESTS is a file of lines "METHOD<TAB>PATH<TAB>TOKEN<TAB>BODY" (an
    empty TOKEN sends no Authorization, an empty BODY none), used in turn
    and round again. Prints one line:

        due done rate_per_s p50_ms p99_ms max_ms non2xx errors

    rate_per_s counts answers over the time from the first request's due
    time to the last answer.  */
#include <curl/curl.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/select.h>
#include <time.h>

#define TEXT_MAX 8192
#define DRAIN_S 30     //  how long answers still due are waited for at the end
#define CONNS_MAX 512  //  connections at most: their sockets must fit an fd_set (s_wait)

typedef struct {
    char *method;
    char *path;
    char *token;
    char *body;
} s_request_t;

typedef struct {
    CURL *easy;
    struct curl_slist *headers;
    double due_s;  //  when its request was due
    char url[TEXT_MAX];
} s_slot_t;

static double
s_now (void)
{
    struct timespec ts;
    clock_gettime (CLOCK_MONOTONIC, &ts);
    return (double) ts.tv_sec + (double) ts.tv_nsec / 1e9;
}

static size_t
s_discard (char *data, size_t size, size_t n, void *arg)
{
    (void) data;
    (void) arg;
    return size * n;
}

//  Wait for an answer on multi's connections, or wait_s at most. Not
//  curl_multi_poll: its milliseconds would spin when the next request is
//  due in under one, and at 2,000 a second it always is.
static void
s_wait (CURLM *multi, double wait_s)
{
    fd_set read_set, write_set, error_set;
    FD_ZERO (&read_set);
    FD_ZERO (&write_set);
    FD_ZERO (&error_set);
    int max_fd = -1;
    curl_multi_fdset (multi, &read_set, &write_set, &error_set, &max_fd);
    long curl_ms = -1;
    curl_multi_timeout (multi, &curl_ms);
    if (curl_ms >= 0 && (double) curl_ms / 1000.0 < wait_s)
        wait_s = (double) curl_ms / 1000.0;
    struct timespec timeout = {(time_t) wait_s, (long) ((wait_s - floor (wait_s)) * 1e9)};
    if (max_fd < 0)
        nanosleep (&timeout, NULL);
    else
        pselect (max_fd + 1, &read_set, &write_set, &error_set, &timeout, NULL);
}

static int
s_compare (const void *a, const void *b)
{
    double x = *(const double *) a, y = *(const double *) b;
    return (x > y) - (x < y);
}

//  The requests file. Returns how many lines were read, 0 on error.
static size_t
s_load (const char *file, s_request_t **requests_p)
{
    FILE *in = fopen (file, "r");
    if (!in) {
        perror (file);
        return 0;
    }
    size_t count = 0, cap = 0;
    s_request_t *requests = NULL;
    char line[TEXT_MAX];
    while (fgets (line, sizeof line, in)) {
        line[strcspn (line, "\n")] = '\0';
        char *fields[4] = {line, NULL, NULL, NULL};
        for (int i = 1; i < 4; i++) {
            char *tab = strchr (fields[i - 1], '\t');
            if (!tab)
                break;
            *tab = '\0';
            fields[i] = tab + 1;
        }
        if (!fields[3])
            continue;
        if (count == cap) {
            cap = cap ? cap * 2 : 1024;
            s_request_t *more = realloc (requests, cap * sizeof *requests);
            if (!more)
                break;
            requests = more;
        }
        requests[count++] = (s_request_t){strdup (fields[0]), strdup (fields[1]),
                                          strdup (fields[2]), strdup (fields[3])};
    }
    fclose (in);
    *requests_p = requests;
    return count;
}

static void
s_start (CURLM *multi, s_slot_t *slot, const char *base, const s_request_t *request, double due_s)
{
    curl_slist_free_all (slot->headers);
    slot->headers = curl_slist_append (NULL, "Expect:");
    if (*request->token) {
        char header[TEXT_MAX];
        snprintf (header, sizeof header, "Authorization: Bearer %s", request->token);
        slot->headers = curl_slist_append (slot->headers, header);
    }
    if (*request->body)
        slot->headers = curl_slist_append (slot->headers, "Content-Type: application/json");
    snprintf (slot->url, sizeof slot->url, "%s%s", base, request->path);
    curl_easy_setopt (slot->easy, CURLOPT_URL, slot->url);
    curl_easy_setopt (slot->easy, CURLOPT_HTTPHEADER, slot->headers);
    //  The handle is reused as the last request left it: a body is set or
    //  the method put back to one without.
    if (*request->body) {
        curl_easy_setopt (slot->easy, CURLOPT_POSTFIELDS, request->body);
        curl_easy_setopt (slot->easy, CURLOPT_POSTFIELDSIZE, (long) strlen (request->body));
    } else
        curl_easy_setopt (slot->easy, CURLOPT_HTTPGET, 1L);
    curl_easy_setopt (slot->easy, CURLOPT_CUSTOMREQUEST, request->method);
    slot->due_s = due_s;
    curl_multi_add_handle (multi, slot->easy);
}

int
main (int argc, char **argv)
{
    if (argc != 6) {
        fprintf (stderr, "usage: %s BASE_URL REQUESTS RATE CONNS SECONDS\n", argv[0]);
        return 2;
    }
    const char *base = argv[1];
    double rate = atof (argv[3]), seconds = atof (argv[5]);
    int conns = atoi (argv[4]);
    s_request_t *requests = NULL;
    size_t count = s_load (argv[2], &requests);
    if (conns > CONNS_MAX) {
        fprintf (stderr, "%s: at most %d connections\n", argv[0], CONNS_MAX);
        return 2;
    }
    if (!count || rate <= 0 || seconds <= 0 || conns <= 0) {
        fprintf (stderr, "%s: nothing to send\n", argv[0]);
        return 2;
    }
    curl_global_init (CURL_GLOBAL_DEFAULT);
    CURLM *multi = curl_multi_init ();
    curl_multi_setopt (multi, CURLMOPT_MAX_TOTAL_CONNECTIONS, (long) conns);
    curl_multi_setopt (multi, CURLMOPT_MAX_HOST_CONNECTIONS, (long) conns);
    s_slot_t *slots = calloc ((size_t) conns, sizeof *slots);
    s_slot_t **idle = calloc ((size_t) conns, sizeof *idle);
    size_t total = (size_t) ceil (rate * seconds);
    double *latency = calloc (total, sizeof *latency);
    if (!slots || !idle || !latency)
        return 2;
    int idle_count = 0;
    for (int i = 0; i < conns; i++) {
        CURL *easy = curl_easy_init ();
        curl_easy_setopt (easy, CURLOPT_WRITEFUNCTION, s_discard);
        curl_easy_setopt (easy, CURLOPT_PRIVATE, &slots[i]);
        curl_easy_setopt (easy, CURLOPT_TIMEOUT, (long) DRAIN_S);
        curl_easy_setopt (easy, CURLOPT_NOSIGNAL, 1L);  //  no signal handlers per request
        slots[i].easy = easy;
        idle[idle_count++] = &slots[i];
    }

    double start = s_now (), last = start;
    size_t due = 0, done = 0, non2xx = 0, errors = 0;
    int running = 0;
    while (done < total) {
        double now = s_now ();
        if (now > start + seconds + DRAIN_S)
            break;
        //  Whatever is due, as far as connections are free: the rest waits,
        //  its clock running.
        while (due < total && idle_count > 0 && start + (double) due / rate <= now) {
            s_start (multi, idle[--idle_count], base, &requests[due % count],
                     start + (double) due / rate);
            due++;
        }
        curl_multi_perform (multi, &running);
        CURLMsg *msg;
        int left;
        while ((msg = curl_multi_info_read (multi, &left))) {
            if (msg->msg != CURLMSG_DONE)
                continue;
            s_slot_t *slot = NULL;
            curl_easy_getinfo (msg->easy_handle, CURLINFO_PRIVATE, (char **) &slot);
            double at = s_now ();
            long status = 0;
            curl_easy_getinfo (msg->easy_handle, CURLINFO_RESPONSE_CODE, &status);
            if (msg->data.result != CURLE_OK)
                errors++;
            else if (status < 200 || status > 299)
                non2xx++;
            latency[done++] = (at - slot->due_s) * 1000.0;
            last = at;
            curl_multi_remove_handle (multi, msg->easy_handle);
            idle[idle_count++] = slot;
        }
        //  Sleep until the next request is due, or an answer comes.
        double wait_s = 1.0;
        if (due < total && idle_count > 0)
            wait_s = fmax (0.0, start + (double) due / rate - s_now ());
        s_wait (multi, wait_s);
    }
    qsort (latency, done, sizeof *latency, s_compare);
    double p50 = done ? latency[done / 2] : 0;
    double p99 = done ? latency[(size_t) ((double) done * 0.99)] : 0;
    double max = done ? latency[done - 1] : 0;
    double elapsed = last > start ? last - start : 1;
    printf ("%zu %zu %.0f %.2f %.2f %.2f %zu %zu\n", due, done, (double) done / elapsed, p50, p99,
            max, non2xx, errors + (due - done));

    for (int i = 0; i < conns; i++) {
        curl_multi_remove_handle (multi, slots[i].easy);
        curl_easy_cleanup (slots[i].easy);
        curl_slist_free_all (slots[i].headers);
    }
    curl_multi_cleanup (multi);
    curl_global_cleanup ();
    for (size_t i = 0; i < count; i++) {
        free (requests[i].method);
        free (requests[i].path);
        free (requests[i].token);
        free (requests[i].body);
    }
    free (requests);
    free (slots);
    free (idle);
    free (latency);
    return 0;
}
