/*  cab_jobs - the periodic-jobs thread (see cab_jobs.h). It sleeps in short
    slices so a stop request is seen within POLL_MS; the connection is made
    when a job is first due and remade after it is lost.  */
#include "cab_jobs.h"
#include "cab_db.h"
#include "cab_log.h"
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define POLL_MS 250
#define RECONNECT_S 30  //  after a failed connection, jobs wait this long
#define JOBS_MAX 16

struct _cab_jobs_t {
    char *conninfo, *schema, *app;
    const cab_job_t *jobs;
    void *arg;
    int64_t due[JOBS_MAX];  //  monotonic seconds of each job's next run
    int count;
    PGconn *db;
    pthread_t thread;
    bool started;
    atomic_int stop;
};

static int64_t
s_now (void)
{
    struct timespec now;
    clock_gettime (CLOCK_MONOTONIC, &now);
    return (int64_t) now.tv_sec;
}

static bool
s_connected (cab_jobs_t *self)
{
    if (self->db && PQstatus (self->db) == CONNECTION_OK)
        return true;
    if (self->db) {
        PQreset (self->db);
        if (PQstatus (self->db) == CONNECTION_OK)
            return true;
        PQfinish (self->db);
        self->db = NULL;
    }
    self->db = cab_db_connect (self->conninfo, self->schema, self->app);
    return self->db != NULL;
}

static void *
s_jobs_main (void *arg)
{
    cab_jobs_t *self = arg;
    while (!atomic_load (&self->stop)) {
        int64_t now = s_now ();
        for (int i = 0; i < self->count && !atomic_load (&self->stop); i++) {
            const cab_job_t *job = &self->jobs[i];
            if (now < self->due[i])
                continue;
            if (!s_connected (self)) {
                cab_warn ("job %s: no database connection; trying again in %d s", job->name,
                          RECONNECT_S);
                self->due[i] = now + RECONNECT_S;
                continue;
            }
            self->due[i] = now + job->interval_s;
            cab_debug ("job %s: running", job->name);
            if (job->run (self->db, self->arg) != 0)
                cab_warn ("job %s failed; it runs again in %d s", job->name, job->interval_s);
        }
        poll (NULL, 0, POLL_MS);
    }
    return NULL;
}

cab_jobs_t *
cab_jobs_new (const cab_jobs_opts_t *opts)
{
    cab_jobs_t *self = calloc (1, sizeof *self);
    if (!self)
        return NULL;
    self->conninfo = strdup (opts->conninfo);
    self->schema = strdup (opts->schema);
    self->app = strdup (opts->app);
    self->jobs = opts->jobs;
    self->arg = opts->arg;
    if (!self->conninfo || !self->schema || !self->app)
        goto fail;
    int64_t now = s_now ();
    for (const cab_job_t *job = opts->jobs; job && job->name; job++) {
        if (self->count == JOBS_MAX || job->interval_s < 1 || !job->run) {
            cab_error ("job %s: too many jobs or a bad definition", job->name);
            goto fail;
        }
        self->due[self->count++] = now + job->first_delay_s;
    }
    if (pthread_create (&self->thread, NULL, s_jobs_main, self) != 0)
        goto fail;
    self->started = true;
    return self;
fail:
    cab_jobs_destroy (&self);
    return NULL;
}

void
cab_jobs_destroy (cab_jobs_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    cab_jobs_t *self = *self_p;
    atomic_store (&self->stop, 1);
    if (self->started)
        pthread_join (self->thread, NULL);
    PQfinish (self->db);
    free (self->conninfo);
    free (self->schema);
    free (self->app);
    free (self);
    *self_p = NULL;
}
