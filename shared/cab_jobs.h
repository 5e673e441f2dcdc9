/*  cab_jobs - periodic jobs of a service (cleaning up, retention, reminders):
    one thread with its own database connection runs each job when it is
    due. A job that fails is logged by the job and simply runs again at its
    next time; jobs of one service never run at the same time.  */
#ifndef CAB_JOBS_H
#define CAB_JOBS_H
#include <libpq-fe.h>

typedef struct {
    const char *name;   //  for the log: "stale-uploads"
    int interval_s;     //  between the starts of two runs, >= 1
    int first_delay_s;  //  after the thread starts
    //  One run on the jobs thread's connection (outside any transaction),
    //  with the arg of cab_jobs_opts_t. Returns 0, or -1 (logged by the job).
    int (*run) (PGconn *db, void *arg);
} cab_job_t;

typedef struct {
    const char *conninfo;
    const char *schema;     //  search_path of the connection
    const char *app;        //  application name
    const cab_job_t *jobs;  //  NULL-name terminated; borrowed, must outlive the runner
    void *arg;              //  given to every run
} cab_jobs_opts_t;

typedef struct _cab_jobs_t cab_jobs_t;

//  Start the thread. Strings are copied. Returns NULL on failure (logged).
cab_jobs_t *cab_jobs_new (const cab_jobs_opts_t *opts);

//  Stop (a run in progress finishes first), close, free; nulls *self_p.
//  NULL-safe.
void cab_jobs_destroy (cab_jobs_t **self_p);

#endif
