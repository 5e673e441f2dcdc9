/*  cab_metrics - a small registry of series (name + label text), rendered
    grouped by name with one HELP/TYPE header each. Series are few (tens),
    so a mutex-guarded list is simpler than anything cleverer.  */
#include "cab_metrics.h"
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const double s_buckets[] = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                   0.1,    0.25,  0.5,    1,     2.5,  5,     10};
#define BUCKETS (sizeof s_buckets / sizeof s_buckets[0])

typedef enum { KIND_COUNTER, KIND_GAUGE, KIND_HISTOGRAM } kind_t;

typedef struct _series_t {
    struct _series_t *next;
    char *name;
    char *labels;  //  without braces, "" for none
    char *help;    //  NULL if another series of the same name has it
    kind_t kind;
    double value;  //  counter/gauge value; histogram sum
    unsigned long count;
    unsigned long bucket[BUCKETS];
} series_t;

struct _cab_metrics_t {
    pthread_mutex_t lock;
    series_t *head;
    series_t *tail;  //  keeps creation order, so renders are stable
};

cab_metrics_t *
cab_metrics_new (void)
{
    cab_metrics_t *self = calloc (1, sizeof *self);
    if (self)
        pthread_mutex_init (&self->lock, NULL);
    return self;
}

void
cab_metrics_destroy (cab_metrics_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    cab_metrics_t *self = *self_p;
    for (series_t *s = self->head, *next; s; s = next) {
        next = s->next;
        free (s->name);
        free (s->labels);
        free (s->help);
        free (s);
    }
    pthread_mutex_destroy (&self->lock);
    free (self);
    *self_p = NULL;
}

//  Find or create a series; called with the lock held. NULL on out-of-memory.
static series_t *
s_series (cab_metrics_t *self, const char *name, const char *labels, const char *help, kind_t kind)
{
    labels = labels ? labels : "";
    bool named = false;
    for (series_t *s = self->head; s; s = s->next)
        if (strcmp (s->name, name) == 0) {
            named = true;
            if (strcmp (s->labels, labels) == 0)
                return s;
        }
    series_t *s = calloc (1, sizeof *s);
    if (!s)
        return NULL;
    s->name = strdup (name);
    s->labels = strdup (labels);
    s->help = !named && help ? strdup (help) : NULL;
    s->kind = kind;
    if (!s->name || !s->labels) {
        free (s->name);
        free (s->labels);
        free (s->help);
        free (s);
        return NULL;
    }
    //  Group series of one name together: insert after the last of its name.
    series_t *after = NULL;
    for (series_t *p = self->head; p; p = p->next)
        if (strcmp (p->name, name) == 0)
            after = p;
    if (after) {
        s->next = after->next;
        after->next = s;
        if (self->tail == after)
            self->tail = s;
    } else if (self->tail) {
        self->tail->next = s;
        self->tail = s;
    } else
        self->head = self->tail = s;
    return s;
}

void
cab_metrics_add (cab_metrics_t *self, const char *name, const char *labels, const char *help,
                 double delta)
{
    if (!self)
        return;
    pthread_mutex_lock (&self->lock);
    series_t *s = s_series (self, name, labels, help, KIND_COUNTER);
    if (s)
        s->value += delta;
    pthread_mutex_unlock (&self->lock);
}

void
cab_metrics_set (cab_metrics_t *self, const char *name, const char *labels, const char *help,
                 double value)
{
    if (!self)
        return;
    pthread_mutex_lock (&self->lock);
    series_t *s = s_series (self, name, labels, help, KIND_GAUGE);
    if (s)
        s->value = value;
    pthread_mutex_unlock (&self->lock);
}

void
cab_metrics_observe (cab_metrics_t *self, const char *name, const char *labels, const char *help,
                     double seconds)
{
    if (!self)
        return;
    pthread_mutex_lock (&self->lock);
    series_t *s = s_series (self, name, labels, help, KIND_HISTOGRAM);
    if (s) {
        s->value += seconds;
        s->count++;
        for (size_t i = 0; i < BUCKETS; i++)
            if (seconds <= s_buckets[i])
                s->bucket[i]++;
    }
    pthread_mutex_unlock (&self->lock);
}

static const char *s_kind_names[] = {"counter", "gauge", "histogram"};

char *
cab_metrics_render (cab_metrics_t *self)
{
    char *text = NULL;
    size_t size = 0;
    FILE *out = open_memstream (&text, &size);
    if (!out)
        return NULL;
    if (self) {
        pthread_mutex_lock (&self->lock);
        const char *last = "";
        for (series_t *s = self->head; s; s = s->next) {
            if (strcmp (last, s->name) != 0) {
                if (s->help)
                    fprintf (out, "# HELP %s %s\n", s->name, s->help);
                fprintf (out, "# TYPE %s %s\n", s->name, s_kind_names[s->kind]);
                last = s->name;
            }
            const char *sep = *s->labels ? "," : "";
            if (s->kind != KIND_HISTOGRAM) {
                fprintf (out, "%s%s%s%s %.17g\n", s->name, *s->labels ? "{" : "", s->labels,
                         *s->labels ? "}" : "", s->value);
                continue;
            }
            for (size_t i = 0; i < BUCKETS; i++)
                fprintf (out, "%s_bucket{%s%sle=\"%g\"} %lu\n", s->name, s->labels, sep,
                         s_buckets[i], s->bucket[i]);
            fprintf (out, "%s_bucket{%s%sle=\"+Inf\"} %lu\n", s->name, s->labels, sep, s->count);
            fprintf (out, "%s_sum%s%s%s %.17g\n", s->name, *s->labels ? "{" : "", s->labels,
                     *s->labels ? "}" : "", s->value);
            fprintf (out, "%s_count%s%s%s %lu\n", s->name, *s->labels ? "{" : "", s->labels,
                     *s->labels ? "}" : "", s->count);
        }
        pthread_mutex_unlock (&self->lock);
    }
    fclose (out);
    return text;
}
