/*  cab-sse-watch - many live streams held open from one process, for the
    vote storm of `make bench`: when does each stream receive each
    vote.closed?

        cab-sse-watch HOST PORT PATH TOKENS_FILE READY OUT STOP TIMEOUT

    Opens one stream (GET PATH) per token of TOKENS_FILE (one a line)
    against the gateway at HOST:PORT (loopback only), at most 50 still
    opening at a time. Writes READY (JSON: how many opened, the statuses of
    those refused, "connect" for a refused connection) once every stream
    has its headers and its retry hint, or failed. Then, for every
    vote.closed event a stream receives, appends a line to OUT as it
    arrives:

        {"vote": ID, "stream": N, "at": EPOCH_MS, "tally": [COUNTS]}

    and for every refresh or end {"control": "refresh"|"end", "stream": N,
    "at": EPOCH_MS}. Runs until STOP exists, every stream has ended, or
    TIMEOUT seconds have passed since READY.

    The storm's streams carry hundreds of megabytes a second, and this
    shares the machine with the node it measures: it must cost little per
    byte. One thread, epoll, large reads; the chunked body is undone in
    place, read line by line with memchr, and only the few events that
    matter are parsed (jansson).  */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define OPENING_AT_ONCE 50
#define READ_MAX (256 * 1024)
#define HEAD_MAX 8192
#define TOKEN_MAX 512

static const char RETRY[] = "retry: ";

typedef enum { S_IDLE, S_OPENING, S_HEAD, S_BODY, S_DONE } s_phase_t;

typedef struct {
    int fd;
    int index;
    s_phase_t phase;
    bool ready;      //  headers and the retry hint seen
    bool chunked;    //  Transfer-Encoding: chunked
    bool in_closed;  //  within a vote.closed event
    long left;       //  bytes of the current chunk to come; -1: a size line next
    char status[8];
    char *raw;  //  bytes read but not yet consumed: the head, or a partial chunk size line
    size_t raw_len;
    char *events;  //  a line of the body cut short by the end of a read
    size_t events_len, events_cap;
} s_stream_t;

static FILE *s_out;

static int64_t
s_epoch_ms (void)
{
    struct timespec ts;
    clock_gettime (CLOCK_REALTIME, &ts);
    return (int64_t) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static double
s_now (void)
{
    struct timespec ts;
    clock_gettime (CLOCK_MONOTONIC, &ts);
    return (double) ts.tv_sec + (double) ts.tv_nsec / 1e9;
}

static bool
s_append (char **buf, size_t *len, size_t *cap, const char *data, size_t n)
{
    if (*len + n > *cap) {
        size_t want = *cap ? *cap : 4096;
        while (want < *len + n)
            want *= 2;
        char *more = realloc (*buf, want);
        if (!more)
            return false;
        *buf = more;
        *cap = want;
    }
    memcpy (*buf + *len, data, n);
    *len += n;
    return true;
}

//  A vote.closed event's data line: its subject and tally, as a line of
//  OUT.
static void
s_vote_closed (const s_stream_t *s, const char *data, size_t len, int64_t at)
{
    json_t *event = json_loadb (data, len, 0, NULL);
    if (!event)
        return;
    json_t *line = json_object ();
    json_object_set (line, "vote", json_object_get (event, "subject"));
    json_object_set_new (line, "stream", json_integer (s->index));
    json_object_set_new (line, "at", json_integer (at));
    json_t *tally = json_array ();
    json_t *item;
    size_t i;
    json_array_foreach (
        json_object_get (json_object_get (json_object_get (event, "payload"), "vote"), "tally"), i,
        item)
    {
        json_t *count = json_object_get (item, "count");
        json_array_append_new (tally, json_integer (count ? json_integer_value (count) : 0));
    }
    json_object_set_new (line, "tally", tally);
    //  Spaced as Python's json.dumps writes, which the bench's greps expect.
    char *text = json_dumps (line, JSON_PRESERVE_ORDER);
    if (text)
        fprintf (s_out, "%s\n", text);
    free (text);
    json_decref (line);
    json_decref (event);
}

static void
s_control (const s_stream_t *s, const char *name)
{
    fprintf (s_out, "{\"control\": \"%s\", \"stream\": %d, \"at\": %lld}\n", name, s->index,
             (long long) s_epoch_ms ());
}

static bool
s_starts (const char *line, size_t len, const char *prefix, size_t prefix_len)
{
    return len >= prefix_len && memcmp (line, prefix, prefix_len) == 0;
}

//  One line of the event stream, without its line feed.
static void
s_line (s_stream_t *s, const char *line, size_t len)
{
    if (len == 0)
        s->in_closed = false;  //  an event's end
    else if (line[0] == 'e' && s_starts (line, len, "event: ", 7)) {
        line += 7;
        len -= 7;
        if (len == 11 && memcmp (line, "vote.closed", 11) == 0)
            s->in_closed = true;
        else if (len == 7 && memcmp (line, "refresh", 7) == 0)
            s_control (s, "refresh");
        else if (len == 3 && memcmp (line, "end", 3) == 0)
            s_control (s, "end");
    } else if (s->in_closed && s_starts (line, len, "data: ", 6))
        s_vote_closed (s, line + 6, len - 6, s_epoch_ms ());
    else if (!s->ready && s_starts (line, len, RETRY, sizeof RETRY - 1))
        s->ready = true;
}

//  Un-chunked body bytes, line by line (one pass of memchr, the only
//  search made over most of the bytes); a line cut short waits for the
//  rest.
static bool
s_body (s_stream_t *s, const char *data, size_t n)
{
    const char *end = data + n;
    if (s->events_len > 0) {  //  the rest of a line begun in an earlier read
        const char *nl = memchr (data, '\n', n);
        size_t take = nl ? (size_t) (nl - data) : n;
        if (!s_append (&s->events, &s->events_len, &s->events_cap, data, take))
            return false;
        if (!nl)
            return true;
        s_line (s, s->events, s->events_len);
        s->events_len = 0;
        data = nl + 1;
    }
    const char *nl;
    while (data < end && (nl = memchr (data, '\n', (size_t) (end - data)))) {
        s_line (s, data, (size_t) (nl - data));
        data = nl + 1;
    }
    if (data < end
        && !s_append (&s->events, &s->events_len, &s->events_cap, data, (size_t) (end - data)))
        return false;
    fflush (s_out);
    return true;
}

//  Chunked transfer: sizes, data, CRLFs. False when the stream ended (a
//  zero-size chunk) or is broken.
static bool
s_unchunk (s_stream_t *s, const char *data, size_t n)
{
    size_t pos = 0;
    while (pos < n) {
        if (s->left < 0) {  //  a size line, perhaps split over reads
            const char *nl = memchr (data + pos, '\n', n - pos);
            size_t take = nl ? (size_t) (nl - (data + pos)) + 1 : n - pos;
            if (s->raw_len + take > 64)
                return false;
            memcpy (s->raw + s->raw_len, data + pos, take);
            s->raw_len += take;
            pos += take;
            if (!nl)
                return true;
            s->raw[s->raw_len] = '\0';
            s->raw_len = 0;
            if (s->raw[0] == '\r' || s->raw[0] == '\n')
                continue;  //  the CRLF ending the last chunk's data
            char *end = NULL;
            long size = strtol (s->raw, &end, 16);
            if (end == s->raw || size < 0)
                return false;
            if (size == 0)
                return false;
            s->left = size;
            continue;
        }
        size_t take = (size_t) s->left < n - pos ? (size_t) s->left : n - pos;
        if (!s_body (s, data + pos, take))
            return false;
        pos += take;
        s->left -= (long) take;
        if (s->left == 0)
            s->left = -1;
    }
    return true;
}

//  Body bytes, chunked or not. False when the stream is over.
static bool
s_more (s_stream_t *s, const char *data, size_t n)
{
    return s->chunked ? s_unchunk (s, data, n) : s_body (s, data, n);
}

//  The reply's head, then its body. False when the stream is over.
static bool
s_received (s_stream_t *s, const char *data, size_t n)
{
    if (s->phase != S_HEAD)
        return s_more (s, data, n);
    //  The head is gathered in raw; what raw cannot take waits in data.
    size_t take = n < HEAD_MAX - s->raw_len ? n : HEAD_MAX - s->raw_len;
    memcpy (s->raw + s->raw_len, data, take);
    s->raw_len += take;
    s->raw[s->raw_len] = '\0';
    char *blank = strstr (s->raw, "\r\n\r\n");
    if (!blank)
        return s->raw_len < HEAD_MAX;
    *blank = '\0';
    const char *sp = strchr (s->raw, ' ');
    snprintf (s->status, sizeof s->status, "%.3s", sp ? sp + 1 : "none");
    for (char *p = s->raw; *p; p++)
        if (*p >= 'A' && *p <= 'Z')
            *p = (char) (*p - 'A' + 'a');
    s->chunked = strstr (s->raw, "\ntransfer-encoding: chunked") != NULL;
    s->left = -1;
    s->phase = S_BODY;
    if (strcmp (s->status, "200") != 0)
        return false;
    //  The body's first bytes: those raw took after the head (copied out:
    //  raw goes on to hold chunk size lines), then the rest of data.
    size_t body_at = (size_t) (blank + 4 - s->raw);
    size_t rest = s->raw_len - body_at;
    char first[HEAD_MAX];
    memcpy (first, s->raw + body_at, rest);
    s->raw_len = 0;
    if (rest && !s_more (s, first, rest))
        return false;
    return take == n || s_more (s, data + take, n - take);
}

static int
s_connect (int epoll_fd, s_stream_t *s, const struct sockaddr_in *addr)
{
    s->fd = socket (AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (s->fd < 0)
        return -1;
    if (connect (s->fd, (const struct sockaddr *) addr, sizeof *addr) < 0 && errno != EINPROGRESS)
        return -1;
    struct epoll_event ev = {.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP, .data.ptr = s};
    return epoll_ctl (epoll_fd, EPOLL_CTL_ADD, s->fd, &ev);
}

static void
s_finish (int epoll_fd, s_stream_t *s)
{
    if (s->fd >= 0) {
        epoll_ctl (epoll_fd, EPOLL_CTL_DEL, s->fd, NULL);
        close (s->fd);
        s->fd = -1;
    }
    if (!s->status[0])
        snprintf (s->status, sizeof s->status, "connect");
    s->phase = S_DONE;
}

//  READY: {"opened": N, "refused": {STATUS: COUNT, ...}}, written whole.
static bool
s_write_ready (const char *file, const s_stream_t *streams, int count)
{
    json_t *refused = json_object ();
    int opened = 0;
    for (int i = 0; i < count; i++) {
        if (streams[i].ready) {
            opened++;
            continue;
        }
        const char *status = streams[i].status[0] ? streams[i].status : "timeout";
        json_t *n = json_object_get (refused, status);
        json_object_set_new (refused, status, json_integer (n ? json_integer_value (n) + 1 : 1));
    }
    json_t *ready = json_pack ("{s:i, s:o}", "opened", opened, "refused", refused);
    char tmp[4096];
    snprintf (tmp, sizeof tmp, "%s.tmp", file);
    bool ok =
        ready && json_dump_file (ready, tmp, JSON_PRESERVE_ORDER) == 0 && rename (tmp, file) == 0;
    json_decref (ready);
    return ok;
}

int
main (int argc, char **argv)
{
    if (argc != 9) {
        fprintf (stderr, "usage: %s HOST PORT PATH TOKENS_FILE READY OUT STOP TIMEOUT\n", argv[0]);
        return 2;
    }
    const char *host = argv[1], *path = argv[3], *ready_file = argv[5], *stop_file = argv[7];
    int port = atoi (argv[2]);
    double timeout = atof (argv[8]);
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons ((uint16_t) port)};
    if (strncmp (host, "127.", 4) != 0 || inet_pton (AF_INET, host, &addr.sin_addr) != 1) {
        fprintf (stderr, "%s: loopback only\n", argv[0]);
        return 2;
    }
    FILE *tokens_in = fopen (argv[4], "r");
    s_out = fopen (argv[6], "a");
    if (!tokens_in || !s_out) {
        perror ("cab-sse-watch");
        return 2;
    }
    char (*tokens)[TOKEN_MAX] = NULL;
    int count = 0, cap = 0;
    char line[TOKEN_MAX];
    while (fgets (line, sizeof line, tokens_in)) {
        line[strcspn (line, "\r\n \t")] = '\0';
        if (!*line)
            continue;
        if (count == cap) {
            cap = cap ? cap * 2 : 256;
            char (*more)[TOKEN_MAX] = realloc (tokens, (size_t) cap * sizeof *tokens);
            if (!more) {
                free (tokens);
                return 2;
            }
            tokens = more;
        }
        snprintf (tokens[count++], TOKEN_MAX, "%s", line);
    }
    fclose (tokens_in);
    s_stream_t *streams = calloc ((size_t) count + 1, sizeof *streams);
    char *buf = malloc (READ_MAX);
    int epoll_fd = epoll_create1 (EPOLL_CLOEXEC);
    if (!streams || !buf || epoll_fd < 0)
        return 2;
    for (int i = 0; i < count; i++)
        streams[i] = (s_stream_t){.fd = -1, .index = i, .phase = S_IDLE, .left = -1};

    double deadline = s_now () + timeout;
    int next = 0, opening = 0, live = 0;
    bool ready_written = false;
    double stop_checked = 0;
    struct epoll_event events[256];
    while (s_now () < deadline) {
        //  Open more while fewer than OPENING_AT_ONCE are still opening.
        while (!ready_written && next < count && opening < OPENING_AT_ONCE) {
            s_stream_t *s = &streams[next++];
            s->raw = malloc (HEAD_MAX + 1);
            if (!s->raw || s_connect (epoll_fd, s, &addr) < 0) {
                s_finish (epoll_fd, s);
                continue;
            }
            s->phase = S_OPENING;
            opening++;
            live++;
        }
        if (!ready_written && opening == 0 && next == count) {
            ready_written = s_write_ready (ready_file, streams, count);
            if (!ready_written)
                return 2;
            deadline = s_now () + timeout;
        }
        if (ready_written && live == 0)
            break;
        if (ready_written && s_now () - stop_checked > 0.05) {
            if (access (stop_file, F_OK) == 0)
                break;
            stop_checked = s_now ();
        }
        int n = epoll_wait (epoll_fd, events, 256, 50);
        for (int e = 0; e < n; e++) {
            s_stream_t *s = events[e].data.ptr;
            if (s->phase == S_DONE)
                continue;
            bool was_opening = !s->ready;
            bool keep = true;
            if (s->phase == S_OPENING) {
                int error = 0;
                socklen_t len = sizeof error;
                getsockopt (s->fd, SOL_SOCKET, SO_ERROR, &error, &len);
                if (error || !(events[e].events & EPOLLOUT))
                    keep = false;
                else {
                    char request[TOKEN_MAX + 1024];
                    int size = snprintf (request, sizeof request,
                                         "GET %s HTTP/1.1\r\nHost: %s:%d\r\nAuthorization: "
                                         "Bearer %s\r\nAccept: text/event-stream\r\n\r\n",
                                         path, host, port, tokens[s->index]);
                    //  A fresh socket's buffer takes a request this small whole.
                    keep = write (s->fd, request, (size_t) size) == size;
                    struct epoll_event ev = {.events = EPOLLIN | EPOLLRDHUP, .data.ptr = s};
                    epoll_ctl (epoll_fd, EPOLL_CTL_MOD, s->fd, &ev);
                    s->phase = S_HEAD;
                }
            } else {
                while (keep) {
                    ssize_t got = read (s->fd, buf, READ_MAX);
                    if (got > 0)
                        keep = s_received (s, buf, (size_t) got);
                    else if (got < 0 && (errno == EAGAIN || errno == EINTR))
                        break;
                    else
                        keep = false;
                    if (got < READ_MAX)
                        break;
                }
            }
            if (was_opening && (s->ready || !keep))
                opening--;
            if (!keep) {
                bool was_ready = s->ready;
                s_finish (epoll_fd, s);
                s->ready = was_ready;
                live--;
            }
        }
    }
    if (!ready_written)
        s_write_ready (ready_file, streams, count);
    for (int i = 0; i < count; i++) {
        if (streams[i].fd >= 0)
            close (streams[i].fd);
        free (streams[i].raw);
        free (streams[i].events);
    }
    fclose (s_out);
    close (epoll_fd);
    free (streams);
    free (tokens);
    free (buf);
    return 0;
}
