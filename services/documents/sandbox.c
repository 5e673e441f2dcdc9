/*  sandbox - the analysing child process (see sandbox.h). posix_spawn
    (vfork and exec, safe in a threaded process) starts it with the file as
    standard input, a pipe as standard output, standard error on
    /dev/null (parsers complain at length about damaged files) and every
    other descriptor closed; its resource limits are set by the child
    itself (analyze.c) before it reads a byte.  */
#include "sandbox.h"
#include "cab_log.h"
#include "cab_time.h"
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define FRAME_HEADER 4
#define FRAME_MAX (16u << 20)  //  a report holds at most 2 MiB of text
#define READ_STEP 65536

extern char **environ;

#if defined(__SANITIZE_ADDRESS__)
//  A sanitizer build: the child's leak report (poppler and glib keep
//  caches until exit) would make every analysis look like a crash.
static char **
s_child_environment (void)
{
    size_t n = 0;
    while (environ[n])
        n++;
    char **env = calloc (n + 2, sizeof *env);
    if (!env)
        return NULL;
    size_t k = 0;
    static char options[512];
    const char *old = getenv ("ASAN_OPTIONS");
    snprintf (options, sizeof options, "ASAN_OPTIONS=%s%sdetect_leaks=0", old ? old : "",
              old && *old ? ":" : "");
    for (size_t i = 0; i < n; i++)
        if (strncmp (environ[i], "ASAN_OPTIONS=", 13) != 0)
            env[k++] = environ[i];
    env[k++] = options;
    env[k] = NULL;
    return env;
}
#else
static char **
s_child_environment (void)
{
    return NULL;
}
#endif

static pid_t
s_spawn (const char *program, int fd, int out)
{
    posix_spawn_file_actions_t actions;
    posix_spawnattr_t attr;
    if (posix_spawn_file_actions_init (&actions) != 0)
        return -1;
    if (posix_spawnattr_init (&attr) != 0) {
        posix_spawn_file_actions_destroy (&actions);
        return -1;
    }
    sigset_t none;
    sigemptyset (&none);
    posix_spawnattr_setsigmask (&attr, &none);
    posix_spawnattr_setflags (&attr, POSIX_SPAWN_SETSIGMASK);
    posix_spawn_file_actions_adddup2 (&actions, fd, STDIN_FILENO);
    posix_spawn_file_actions_adddup2 (&actions, out, STDOUT_FILENO);
    posix_spawn_file_actions_addopen (&actions, STDERR_FILENO, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addclosefrom_np (&actions, STDERR_FILENO + 1);
    char *argv[] = {(char *) program, (char *) DOCS_SANDBOX_VERB, NULL};
    char **env = s_child_environment ();
    pid_t pid = -1;
    int rc = posix_spawn (&pid, program, &actions, &attr, argv, env ? env : environ);
    free (env);
    posix_spawnattr_destroy (&attr);
    posix_spawn_file_actions_destroy (&actions);
    if (rc != 0) {
        cab_error ("analysis: cannot start %s: %s", program, strerror (rc));
        return -1;
    }
    return pid;
}

Cabinet__V1__DocumentAnalysis *
docs_sandbox_analyze (const char *program, int fd, int timeout_ms, bool *ran, bool *finished)
{
    *ran = false;
    *finished = false;
    int pipe_fds[2];
    if (pipe2 (pipe_fds, O_CLOEXEC) != 0)
        return NULL;
    if (lseek (fd, 0, SEEK_SET) != 0) {
        close (pipe_fds[0]);
        close (pipe_fds[1]);
        return NULL;
    }
    pid_t pid = s_spawn (program, fd, pipe_fds[1]);
    close (pipe_fds[1]);
    if (pid < 0) {
        close (pipe_fds[0]);
        return NULL;
    }
    *ran = true;
    //  Read frames until the child closes its end or the deadline passes.
    uint8_t *buf = NULL;
    size_t len = 0, cap = 0;
    size_t last = 0, last_len = 0;  //  the latest complete frame in buf
    bool have = false, timed_out = false, broken = false;
    int64_t deadline = cab_clock_ms () + timeout_ms;
    for (;;) {
        int64_t left = deadline - cab_clock_ms ();
        if (left <= 0) {
            timed_out = true;
            break;
        }
        struct pollfd p = {.fd = pipe_fds[0], .events = POLLIN};
        int ready = poll (&p, 1, (int) left);
        if (ready < 0 && errno == EINTR)
            continue;
        if (ready <= 0)
            continue;
        if (len + READ_STEP > cap) {
            size_t grown_cap = cap ? cap * 2 : 2 * READ_STEP;
            //  Room for the last complete frame and the next one coming.
            uint8_t *grown = grown_cap <= 2 * (FRAME_MAX + FRAME_HEADER) + READ_STEP
                                 ? realloc (buf, grown_cap)
                                 : NULL;
            if (!grown) {
                broken = true;
                break;
            }
            buf = grown;
            cap = grown_cap;
        }
        ssize_t n = read (pipe_fds[0], buf + len, cap - len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        len += (size_t) n;
        //  Take every complete frame; keep the last, drop the ones before.
        size_t at = 0;
        while (len - at >= FRAME_HEADER) {
            size_t frame = (size_t) buf[at] << 24 | (size_t) buf[at + 1] << 16
                           | (size_t) buf[at + 2] << 8 | buf[at + 3];
            if (frame > FRAME_MAX) {
                broken = true;
                break;
            }
            if (len - at - FRAME_HEADER < frame)
                break;
            last = at + FRAME_HEADER;
            last_len = frame;
            have = true;
            at += FRAME_HEADER + frame;
        }
        if (broken)
            break;
        if (have && at > 0) {
            //  Move the last complete frame and any partial one to the front.
            size_t keep_from = last - FRAME_HEADER;
            memmove (buf, buf + keep_from, len - keep_from);
            len -= keep_from;
            last = FRAME_HEADER;
        }
    }
    close (pipe_fds[0]);
    if (timed_out || broken)
        kill (pid, SIGKILL);
    int status = 0;
    while (waitpid (pid, &status, 0) < 0 && errno == EINTR)
        ;
    Cabinet__V1__DocumentAnalysis *a =
        have ? cabinet__v1__document_analysis__unpack (NULL, last_len, buf + last) : NULL;
    free (buf);
    *finished = a && !timed_out && !broken && WIFEXITED (status) && WEXITSTATUS (status) == 0;
    if (!*finished)
        cab_warn ("analysis: the analysing process %s (%s)",
                  timed_out              ? "ran out of time"
                  : broken               ? "sent an unreadable report"
                  : WIFSIGNALED (status) ? "was killed by a signal"
                                         : "failed",
                  a ? "the kind of file is known" : "nothing is known of the file");
    return a;
}
