/*  cab_group - see cab_group.h.

    Every caller waits on a condition of its own, so that finishing a batch
    wakes exactly its callers and, when items are left, the caller of the
    oldest one, who leads next: no herd of waiters woken to find nothing to
    do.  */
#include "cab_group.h"
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>

typedef enum { S_WAITING, S_TAKEN, S_DONE } s_state_t;

typedef struct _s_entry_t {
    struct _s_entry_t *next;
    void *item;
    s_state_t state;
    pthread_cond_t wake;
} s_entry_t;

struct _cab_group_t {
    pthread_mutex_t lock;
    s_entry_t *head, *tail;  //  handed in, not yet taken, oldest first
    bool leading;            //  a batch is running
    size_t batch_max;
    cab_group_run_fn *run;
};

cab_group_t *
cab_group_new (size_t batch_max, cab_group_run_fn *run)
{
    if (batch_max < 1 || batch_max > CAB_GROUP_MAX || !run)
        return NULL;
    cab_group_t *self = calloc (1, sizeof *self);
    if (!self)
        return NULL;
    pthread_mutex_init (&self->lock, NULL);
    self->batch_max = batch_max;
    self->run = run;
    return self;
}

void
cab_group_destroy (cab_group_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    pthread_mutex_destroy (&(*self_p)->lock);
    free (*self_p);
    *self_p = NULL;
}

//  Lead one batch: take the oldest waiting items, run them unlocked, wake
//  their callers and the next leader. Called and returns with the lock.
static void
s_lead (cab_group_t *self, void *ctx)
{
    s_entry_t *taken[CAB_GROUP_MAX];
    void *items[CAB_GROUP_MAX];
    size_t n = 0;
    self->leading = true;
    while (self->head && n < self->batch_max) {
        s_entry_t *e = self->head;
        self->head = e->next;
        e->state = S_TAKEN;
        taken[n] = e;
        items[n++] = e->item;
    }
    if (!self->head)
        self->tail = NULL;
    pthread_mutex_unlock (&self->lock);
    self->run (ctx, items, n);
    pthread_mutex_lock (&self->lock);
    for (size_t i = 0; i < n; i++) {
        taken[i]->state = S_DONE;
        pthread_cond_signal (&taken[i]->wake);
    }
    self->leading = false;
    if (self->head)
        pthread_cond_signal (&self->head->wake);
}

void
cab_group_run (cab_group_t *self, void *item, void *ctx)
{
    //  The entry lives on the caller's stack: it leaves the queue (taken
    //  into a batch) before it is done, and the caller returns only then.
    s_entry_t me = {.item = item, .state = S_WAITING};
    pthread_cond_init (&me.wake, NULL);
    pthread_mutex_lock (&self->lock);
    if (self->tail)
        self->tail->next = &me;  // cppcheck-suppress autoVariables
    else
        self->head = &me;  // cppcheck-suppress autoVariables
    self->tail = &me;      // cppcheck-suppress autoVariables
    while (me.state != S_DONE) {
        if (!self->leading && me.state == S_WAITING)
            s_lead (self, ctx);
        else
            pthread_cond_wait (&me.wake, &self->lock);
    }
    pthread_mutex_unlock (&self->lock);
    pthread_cond_destroy (&me.wake);
}
