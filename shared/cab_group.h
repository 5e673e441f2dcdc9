/*  cab_group - group commit for a service's worker threads. Callers hand in
    items that are cheaper written together (one transaction, one flush to
    disk, one statement for many rows); one caller at a time, the leader,
    takes every item handed in so far (up to a limit, oldest first) and runs
    them as one batch with its own resources (its database connection),
    while the others wait for their item to be done. A caller who finds no
    leader leads; a leader who finishes hands the lead to the caller of the
    oldest item still waiting. There is no thread of its own and no delay:
    a caller alone runs its item at once, and under load batches grow by
    themselves, to the number of callers that came while the previous batch
    ran.  */
#ifndef CAB_GROUP_H
#define CAB_GROUP_H
#include <stddef.h>

#define CAB_GROUP_MAX 256  //  items of one batch at most

typedef struct _cab_group_t cab_group_t;

//  Run a batch: the items' data in the order they were handed in, and the
//  leader's ctx. Must finish every item (its data says how it went): the
//  callers return as soon as it returns.
typedef void (cab_group_run_fn) (void *ctx, void *const *items, size_t n);

//  A group whose batches hold at most batch_max items (1..CAB_GROUP_MAX)
//  and are run by run. NULL when out of memory.
cab_group_t *cab_group_new (size_t batch_max, cab_group_run_fn *run);

//  Destroy; no caller may be inside cab_group_run. NULL-safe.
void cab_group_destroy (cab_group_t **self_p);

//  Hand in item and return once a batch holding it has run, on this
//  thread (with ctx) or on another caller's.
void cab_group_run (cab_group_t *self, void *item, void *ctx);

#endif
