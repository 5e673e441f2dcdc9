/*  sink - what the transport tests share to talk to real servers: a free
    loopback port, a scratch folder, a sink server (smtp_sink.py,
    http_sink.py) started as a child process that is ready when it prints
    "ready" and that ends with the test process even when a test crashes
    (PR_SET_PDEATHSIG), and reading files and a command's output. Header
    only: each test binary is one file.  */
#ifndef NOTIFY_TEST_SINK_H
#define NOTIFY_TEST_SINK_H
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define SINK_READY_MS 15000  //  python and aiosmtpd start within this
#define SINK_STOP_MS 3000    //  a sink asked to stop has ended by then, else it is killed
#define SINK_POLL_MS 50
#define SINK_PYTHON "python3"
#define SINK_SCRIPT(name) SOURCE_DIR "/tests/notifications/" name

typedef struct {
    pid_t pid;  //  0 when not running
    int out;    //  read end of its standard output, -1 when closed
} sink_t;

static inline long
sink_now_ms (void)
{
    struct timespec ts;
    clock_gettime (CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

//  A loopback TCP port nobody listens on right now (the kernel's choice for
//  port 0). Returns -1 on failure.
static inline int
sink_free_port (void)
{
    int fd = socket (AF_INET, SOCK_STREAM, 0);
    if (fd < 0)
        return -1;
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_addr.s_addr = htonl (INADDR_LOOPBACK)};
    socklen_t len = sizeof addr;
    int port = -1;
    if (bind (fd, (struct sockaddr *) &addr, sizeof addr) == 0
        && getsockname (fd, (struct sockaddr *) &addr, &len) == 0)
        port = ntohs (addr.sin_port);
    close (fd);
    return port;
}

//  A loopback socket that listens but never accepts nor answers: a server
//  that hangs. Returns the fd (the caller closes it) and its port in *port.
static inline int
sink_silent_listener (int *port)
{
    int fd = socket (AF_INET, SOCK_STREAM, 0);
    if (fd < 0)
        return -1;
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_addr.s_addr = htonl (INADDR_LOOPBACK)};
    socklen_t len = sizeof addr;
    if (bind (fd, (struct sockaddr *) &addr, sizeof addr) != 0 || listen (fd, 4) != 0
        || getsockname (fd, (struct sockaddr *) &addr, &len) != 0) {
        close (fd);
        return -1;
    }
    *port = ntohs (addr.sin_port);
    return fd;
}

//  Stop the sink (SIGTERM, then SIGKILL after SINK_STOP_MS) and reap it.
//  Idempotent.
static inline void
sink_stop (sink_t *sink)
{
    if (sink->pid > 0) {
        kill (sink->pid, SIGTERM);
        long deadline = sink_now_ms () + SINK_STOP_MS;
        int status;
        while (waitpid (sink->pid, &status, WNOHANG) == 0) {
            if (sink_now_ms () > deadline) {
                kill (sink->pid, SIGKILL);
                waitpid (sink->pid, &status, 0);
                break;
            }
            usleep (SINK_POLL_MS * 1000);
        }
        sink->pid = 0;
    }
    if (sink->out >= 0) {
        close (sink->out);
        sink->out = -1;
    }
}

//  Start argv (argv[0] looked up in PATH) with its standard output on a pipe
//  and wait until it prints "ready". Returns 0, or -1 (the child is stopped).
static inline int
sink_start (sink_t *sink, char *const argv[])
{
    sink->pid = 0;
    sink->out = -1;
    int pipe_fd[2];
    if (pipe (pipe_fd) != 0)
        return -1;
    pid_t parent = getpid ();
    pid_t pid = fork ();
    if (pid < 0) {
        close (pipe_fd[0]);
        close (pipe_fd[1]);
        return -1;
    }
    if (pid == 0) {
        //  End with the test process, however it ends.
        prctl (PR_SET_PDEATHSIG, SIGTERM);
        if (getppid () != parent)
            _exit (1);
        dup2 (pipe_fd[1], STDOUT_FILENO);
        close (pipe_fd[0]);
        close (pipe_fd[1]);
        int null = open ("/dev/null", O_RDONLY);
        if (null >= 0)
            dup2 (null, STDIN_FILENO);
        execvp (argv[0], argv);
        _exit (127);
    }
    close (pipe_fd[1]);
    sink->pid = pid;
    sink->out = pipe_fd[0];
    char seen[256] = "";
    size_t used = 0;
    long deadline = sink_now_ms () + SINK_READY_MS;
    while (!strstr (seen, "ready\n")) {
        long left = deadline - sink_now_ms ();
        struct pollfd pfd = {.fd = sink->out, .events = POLLIN};
        if (left <= 0 || poll (&pfd, 1, (int) left) <= 0)
            break;
        ssize_t n = read (sink->out, seen + used, sizeof seen - 1 - used);
        if (n <= 0)
            break;
        used += (size_t) n;
        seen[used] = '\0';
        if (used == sizeof seen - 1)
            break;
    }
    if (strstr (seen, "ready\n"))
        return 0;
    fprintf (stderr, "sink %s did not start (%s)\n", argv[1], seen);
    sink_stop (sink);
    return -1;
}

//  A fresh scratch folder in dir (cap bytes). Returns 0 or -1.
static inline int
sink_tmpdir (char *dir, size_t cap, const char *name)
{
    const char *tmp = getenv ("TMPDIR");
    snprintf (dir, cap, "%s/cabinet-%s-XXXXXX", tmp && *tmp ? tmp : "/tmp", name);
    return mkdtemp (dir) ? 0 : -1;
}

//  Remove the files of a flat folder and the folder. NULL-safe.
static inline void
sink_rmdir (const char *dir)
{
    DIR *d = dir && *dir ? opendir (dir) : NULL;
    if (!d)
        return;
    struct dirent *e;
    while ((e = readdir (d))) {
        if (strcmp (e->d_name, ".") == 0 || strcmp (e->d_name, "..") == 0)
            continue;
        char path[4096];
        snprintf (path, sizeof path, "%s/%s", dir, e->d_name);
        unlink (path);
    }
    closedir (d);
    rmdir (dir);
}

//  The whole file, NUL-terminated, its size in *len (may be NULL). NULL if
//  it cannot be read. The caller frees it.
static inline char *
sink_read_file (const char *path, size_t *len)
{
    FILE *f = fopen (path, "rb");
    if (!f)
        return NULL;
    char *data = NULL;
    size_t size = 0, cap = 0;
    for (;;) {
        if (size + 4096 + 1 > cap) {
            cap = cap ? cap * 2 : 8192;
            char *bigger = realloc (data, cap);
            if (!bigger) {
                free (data);
                fclose (f);
                return NULL;
            }
            data = bigger;
        }
        size_t n = fread (data + size, 1, 4096, f);
        size += n;
        if (n < 4096)
            break;
    }
    fclose (f);
    data[size] = '\0';
    if (len)
        *len = size;
    return data;
}

//  Run argv and return what it printed (the caller frees it), or NULL if it
//  could not run or did not exit 0.
static inline char *
sink_run (char *const argv[])
{
    int pipe_fd[2];
    if (pipe (pipe_fd) != 0)
        return NULL;
    pid_t pid = fork ();
    if (pid < 0) {
        close (pipe_fd[0]);
        close (pipe_fd[1]);
        return NULL;
    }
    if (pid == 0) {
        dup2 (pipe_fd[1], STDOUT_FILENO);
        close (pipe_fd[0]);
        close (pipe_fd[1]);
        execvp (argv[0], argv);
        _exit (127);
    }
    close (pipe_fd[1]);
    char *out = NULL;
    size_t size = 0;
    FILE *mem = open_memstream (&out, &size);
    char buffer[4096];
    ssize_t n;
    while ((n = read (pipe_fd[0], buffer, sizeof buffer)) > 0)
        if (mem)
            fwrite (buffer, 1, (size_t) n, mem);
    close (pipe_fd[0]);
    if (mem)
        fclose (mem);
    int status = 0;
    waitpid (pid, &status, 0);
    if (!WIFEXITED (status) || WEXITSTATUS (status) != 0) {
        free (out);
        return NULL;
    }
    return out;
}

#endif
