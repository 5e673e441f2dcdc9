/*  gw_calls - a queue of calls and the threads that run them (calls.h).
    The queue is a linked list of nodes allocated per call; a thread with
    nothing to do sleeps on the condition variable.  */
#include "calls.h"
#include "cab_log.h"
#include <pthread.h>
#include <stdlib.h>

typedef struct s_call_t {
    gw_call_fn *fn;
    void *arg;
    struct s_call_t *next;
} s_call_t;

struct _gw_calls_t {
    pthread_mutex_t lock;
    pthread_cond_t ready;  //  a call was queued, or the pool is stopping
    s_call_t *head;        //  oldest first
    s_call_t *tail;
    bool stopping;
    int threads;
    pthread_t *ids;
};

static void *
s_thread (void *arg)
{
    gw_calls_t *self = arg;
    pthread_mutex_lock (&self->lock);
    while (true) {
        while (!self->head && !self->stopping)
            pthread_cond_wait (&self->ready, &self->lock);
        s_call_t *call = self->head;
        if (!call)
            break;  //  stopping, and nothing left
        self->head = call->next;
        if (!self->head)
            self->tail = NULL;
        pthread_mutex_unlock (&self->lock);
        call->fn (call->arg);
        free (call);
        pthread_mutex_lock (&self->lock);
    }
    pthread_mutex_unlock (&self->lock);
    return NULL;
}

gw_calls_t *
gw_calls_new (int threads)
{
    gw_calls_t *self = calloc (1, sizeof *self);
    if (!self || threads < 1)
        goto fail;
    self->ids = calloc ((size_t) threads, sizeof *self->ids);
    if (!self->ids)
        goto fail;
    pthread_mutex_init (&self->lock, NULL);
    pthread_cond_init (&self->ready, NULL);
    for (; self->threads < threads; self->threads++)
        if (pthread_create (&self->ids[self->threads], NULL, s_thread, self) != 0) {
            cab_error ("cannot start the gateway's call threads");
            gw_calls_destroy (&self);
            return NULL;
        }
    return self;
fail:
    cab_error ("out of memory for the gateway's call threads");
    if (self)
        free (self->ids);
    free (self);
    return NULL;
}

bool
gw_calls_push (gw_calls_t *self, gw_call_fn *fn, void *arg)
{
    s_call_t *call = malloc (sizeof *call);
    if (!call)
        return false;
    *call = (s_call_t){.fn = fn, .arg = arg};
    pthread_mutex_lock (&self->lock);
    bool queued = !self->stopping;
    if (queued) {
        if (self->tail)
            self->tail->next = call;
        else
            self->head = call;
        self->tail = call;
        pthread_cond_signal (&self->ready);
    }
    pthread_mutex_unlock (&self->lock);
    if (!queued)
        free (call);
    return queued;
}

void
gw_calls_destroy (gw_calls_t **self_p)
{
    gw_calls_t *self = self_p ? *self_p : NULL;
    if (!self)
        return;
    pthread_mutex_lock (&self->lock);
    self->stopping = true;
    pthread_cond_broadcast (&self->ready);
    pthread_mutex_unlock (&self->lock);
    for (int i = 0; i < self->threads; i++)
        pthread_join (self->ids[i], NULL);
    pthread_cond_destroy (&self->ready);
    pthread_mutex_destroy (&self->lock);
    free (self->ids);
    free (self);
    *self_p = NULL;
}
