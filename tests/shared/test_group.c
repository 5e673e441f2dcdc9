/*  Unit tests: cab_group (group commit). Threads hand in items at once;
    every item must be run exactly once, by one batch at a time, in the
    order handed in within a batch, and before its caller returns; batches
    must grow under load and never pass their limit; a caller alone runs at
    once.  */
#include "cab_group.h"
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <time.h>

/*  cmocka needs these first  */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#define THREADS 16
#define ROUNDS 200
#define LIMIT 5

typedef struct {
    int thread;
    int round;
    int runs;   //  how many batches ran it
    int batch;  //  which batch
} s_item_t;

static struct {
    pthread_mutex_t lock;
    int running;  //  batches running now
    int overlap;  //  times two ran at once
    int batches;
    int largest;
    int over_limit;
    int leader_mismatch;  //  ctx not a thread that handed an item in
} s_seen = {.lock = PTHREAD_MUTEX_INITIALIZER};

static void
s_run (void *ctx, void *const *items, size_t n)
{
    pthread_mutex_lock (&s_seen.lock);
    if (s_seen.running++)
        s_seen.overlap++;
    int batch = ++s_seen.batches;
    if ((int) n > s_seen.largest)
        s_seen.largest = (int) n;
    if (n > LIMIT)
        s_seen.over_limit++;
    int leader = *(int *) ctx;
    if (leader < 0 || leader >= THREADS)
        s_seen.leader_mismatch++;
    pthread_mutex_unlock (&s_seen.lock);
    //  Long enough for the others to pile up behind this batch.
    struct timespec pause = {0, 200000};
    nanosleep (&pause, NULL);
    for (size_t i = 0; i < n; i++) {
        s_item_t *item = items[i];
        item->runs++;
        item->batch = batch;
    }
    pthread_mutex_lock (&s_seen.lock);
    s_seen.running--;
    pthread_mutex_unlock (&s_seen.lock);
}

typedef struct {
    cab_group_t *group;
    int index;
    s_item_t items[ROUNDS];
    int not_done;  //  items whose caller returned before they ran
} s_thread_t;

static void *
s_caller (void *arg)
{
    s_thread_t *t = arg;
    for (int r = 0; r < ROUNDS; r++) {
        t->items[r] = (s_item_t){.thread = t->index, .round = r};
        cab_group_run (t->group, &t->items[r], &t->index);
        if (t->items[r].runs != 1)
            t->not_done++;
    }
    return NULL;
}

static void
test_group_runs_every_item_once_in_batches (void **state)
{
    (void) state;
    cab_group_t *group = cab_group_new (LIMIT, s_run);
    assert_non_null (group);
    static s_thread_t threads[THREADS];
    pthread_t ids[THREADS];
    for (int i = 0; i < THREADS; i++) {
        threads[i] = (s_thread_t){.group = group, .index = i};
        assert_int_equal (pthread_create (&ids[i], NULL, s_caller, &threads[i]), 0);
    }
    for (int i = 0; i < THREADS; i++)
        pthread_join (ids[i], NULL);
    int items = 0;
    for (int i = 0; i < THREADS; i++) {
        assert_int_equal (threads[i].not_done, 0);
        for (int r = 0; r < ROUNDS; r++) {
            assert_int_equal (threads[i].items[r].runs, 1);
            items++;
        }
    }
    assert_int_equal (items, THREADS * ROUNDS);
    assert_int_equal (s_seen.overlap, 0);
    assert_int_equal (s_seen.over_limit, 0);
    assert_int_equal (s_seen.leader_mismatch, 0);
    assert_int_equal (s_seen.largest, LIMIT);
    //  Under load the batches were shared: fewer batches than items.
    assert_true (s_seen.batches < items / 2);
    printf ("# %d items in %d batches\n", items, s_seen.batches);
    cab_group_destroy (&group);
    assert_null (group);
}

static int s_alone_runs;

static void
s_run_alone (void *ctx, void *const *items, size_t n)
{
    assert_int_equal (n, 1);
    assert_ptr_equal (items[0], ctx);
    s_alone_runs++;
}

static void
test_group_caller_alone_leads_its_own_batch (void **state)
{
    (void) state;
    cab_group_t *group = cab_group_new (LIMIT, s_run_alone);
    int item = 0;
    cab_group_run (group, &item, &item);
    cab_group_run (group, &item, &item);
    assert_int_equal (s_alone_runs, 2);
    cab_group_destroy (&group);
    //  Limits out of range are refused.
    assert_null (cab_group_new (0, s_run_alone));
    assert_null (cab_group_new (CAB_GROUP_MAX + 1, s_run_alone));
    assert_null (cab_group_new (1, NULL));
    cab_group_destroy (NULL);
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_group_runs_every_item_once_in_batches),
        cmocka_unit_test (test_group_caller_alone_leads_its_own_batch),
    };
    return cmocka_run_group_tests_name ("cab_group", tests, NULL, NULL);
}
