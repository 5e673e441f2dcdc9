/*  gw_calls - the threads for what blocks (a route's own handler, the end
    of an upload, a session check). An HTTP thread hands such work here and
    goes on serving its other connections; one of these threads runs it
    and hands the request back. Calls are taken oldest first by whichever
    thread is free, so a slow call delays no request but its own.  */
#ifndef GW_CALLS_H
#define GW_CALLS_H
#include <stdbool.h>

typedef struct _gw_calls_t gw_calls_t;

//  Run fn (arg) on one of the pool's threads.
typedef void (gw_call_fn) (void *arg);

//  A pool of threads (>= 1) running calls. NULL on failure (logged).
gw_calls_t *gw_calls_new (int threads);

//  Queue fn (arg). Returns false, without queueing, once the pool is
//  stopping: the caller then runs it itself.
bool gw_calls_push (gw_calls_t *self, gw_call_fn *fn, void *arg);

//  Refuse new calls, run every call queued, join the threads, free; nulls
//  *self_p. NULL-safe.
void gw_calls_destroy (gw_calls_t **self_p);

#endif
