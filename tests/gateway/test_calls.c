/*  Unit tests: gw_calls (the threads that wait for the services). Every
    call handed in runs exactly once; a call that blocks delays none of the
    others; one thread takes them oldest first; destroying the pool runs
    what is queued first, and a pool that is stopping refuses new calls
    (the caller then runs them itself).  */
#include "calls.h"
#include <pthread.h>
#include <stdbool.h>
#include <time.h>

/*  cmocka needs these first  */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#define CALLS 1000
#define QUICK 20
#define WAIT_S 10

static struct {
    pthread_mutex_t lock;
    pthread_cond_t changed;
    int runs[CALLS];
    int order[CALLS];
    int done;
    bool release;  //  the blocking call may return
} s_seen = {.lock = PTHREAD_MUTEX_INITIALIZER, .changed = PTHREAD_COND_INITIALIZER};

static void
s_reset (void)
{
    pthread_mutex_lock (&s_seen.lock);
    for (int i = 0; i < CALLS; i++)
        s_seen.runs[i] = s_seen.order[i] = 0;
    s_seen.done = 0;
    s_seen.release = false;
    pthread_mutex_unlock (&s_seen.lock);
}

static void
s_count (void *arg)
{
    int i = (int) (intptr_t) arg;
    pthread_mutex_lock (&s_seen.lock);
    s_seen.runs[i]++;
    s_seen.order[s_seen.done++] = i;
    pthread_cond_broadcast (&s_seen.changed);
    pthread_mutex_unlock (&s_seen.lock);
}

//  Returns only once s_seen.release is set.
static void
s_block (void *arg)
{
    pthread_mutex_lock (&s_seen.lock);
    while (!s_seen.release)
        pthread_cond_wait (&s_seen.changed, &s_seen.lock);
    pthread_mutex_unlock (&s_seen.lock);
    s_count (arg);
}

//  Wait until done reaches n; false after WAIT_S seconds.
static bool
s_wait_done (int n)
{
    struct timespec until;
    clock_gettime (CLOCK_REALTIME, &until);
    until.tv_sec += WAIT_S;
    pthread_mutex_lock (&s_seen.lock);
    while (s_seen.done < n)
        if (pthread_cond_timedwait (&s_seen.changed, &s_seen.lock, &until) != 0)
            break;
    bool reached = s_seen.done >= n;
    pthread_mutex_unlock (&s_seen.lock);
    return reached;
}

static void
test_every_call_runs_once (void **state)
{
    (void) state;
    s_reset ();
    gw_calls_t *calls = gw_calls_new (8);
    assert_non_null (calls);
    for (int i = 0; i < CALLS; i++)
        assert_true (gw_calls_push (calls, s_count, (void *) (intptr_t) i));
    gw_calls_destroy (&calls);  //  runs what is still queued
    assert_null (calls);
    assert_int_equal (s_seen.done, CALLS);
    for (int i = 0; i < CALLS; i++)
        assert_int_equal (s_seen.runs[i], 1);
}

static void
test_a_blocked_call_delays_no_other (void **state)
{
    (void) state;
    s_reset ();
    gw_calls_t *calls = gw_calls_new (2);
    assert_non_null (calls);
    assert_true (gw_calls_push (calls, s_block, (void *) 0));
    for (int i = 1; i <= QUICK; i++)
        assert_true (gw_calls_push (calls, s_count, (void *) (intptr_t) i));
    //  The other thread runs them all while the first call still blocks.
    assert_true (s_wait_done (QUICK));
    pthread_mutex_lock (&s_seen.lock);
    assert_int_equal (s_seen.runs[0], 0);
    s_seen.release = true;
    pthread_cond_broadcast (&s_seen.changed);
    pthread_mutex_unlock (&s_seen.lock);
    assert_true (s_wait_done (QUICK + 1));
    assert_int_equal (s_seen.order[QUICK], 0);
    gw_calls_destroy (&calls);
}

static void
test_one_thread_takes_the_oldest_first (void **state)
{
    (void) state;
    s_reset ();
    gw_calls_t *calls = gw_calls_new (1);
    assert_non_null (calls);
    for (int i = 0; i < QUICK; i++)
        assert_true (gw_calls_push (calls, s_count, (void *) (intptr_t) i));
    assert_true (s_wait_done (QUICK));
    for (int i = 0; i < QUICK; i++)
        assert_int_equal (s_seen.order[i], i);
    gw_calls_destroy (&calls);
}

//  Pushes a call from inside a call while the pool is being destroyed.
static gw_calls_t *s_stopping_pool;
static bool s_refused;

static void
s_push_while_stopping (void *arg)
{
    (void) arg;
    pthread_mutex_lock (&s_seen.lock);
    while (!s_seen.release)
        pthread_cond_wait (&s_seen.changed, &s_seen.lock);
    pthread_mutex_unlock (&s_seen.lock);
    s_refused = !gw_calls_push (s_stopping_pool, s_count, (void *) 1);
}

static void *
s_destroy_thread (void *arg)
{
    (void) arg;
    gw_calls_destroy (&s_stopping_pool);
    return NULL;
}

static void
test_a_stopping_pool_refuses_calls (void **state)
{
    (void) state;
    s_reset ();
    s_refused = false;
    s_stopping_pool = gw_calls_new (1);
    assert_non_null (s_stopping_pool);
    assert_true (gw_calls_push (s_stopping_pool, s_push_while_stopping, NULL));
    gw_calls_t *pool = s_stopping_pool;
    pthread_t destroyer;
    assert_int_equal (pthread_create (&destroyer, NULL, s_destroy_thread, NULL), 0);
    //  Let the destroyer mark the pool stopping before the call pushes.
    for (int i = 0; i < WAIT_S * 1000 && gw_calls_push (pool, s_count, (void *) 2); i++) {
        struct timespec pause = {0, 1000000};
        nanosleep (&pause, NULL);
    }
    pthread_mutex_lock (&s_seen.lock);
    s_seen.release = true;
    pthread_cond_broadcast (&s_seen.changed);
    pthread_mutex_unlock (&s_seen.lock);
    pthread_join (destroyer, NULL);
    assert_true (s_refused);
    assert_int_equal (s_seen.runs[1], 0);
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_every_call_runs_once),
        cmocka_unit_test (test_a_blocked_call_delays_no_other),
        cmocka_unit_test (test_one_thread_takes_the_oldest_first),
        cmocka_unit_test (test_a_stopping_pool_refuses_calls),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
