/*  cab_metrics - counters and latency histograms, rendered in Prometheus text
    format. Thread-safe; increments take a short mutex.  */
#ifndef CAB_METRICS_H
#define CAB_METRICS_H

typedef struct _cab_metrics_t cab_metrics_t;

//  Returns NULL on out-of-memory.
cab_metrics_t *cab_metrics_new (void);

//  NULL-safe; nulls *self_p.
void cab_metrics_destroy (cab_metrics_t **self_p);

//  Add delta to counter name{labels}. labels is Prometheus label text without
//  braces ("method=\"identity.Login\"") or NULL. The first use of a name
//  fixes its help text (help may be NULL later). NULL self is a no-op.
void cab_metrics_add (cab_metrics_t *self, const char *name, const char *labels, const char *help,
                      double delta);

//  Record one observation (seconds) in histogram name{labels}.
void cab_metrics_observe (cab_metrics_t *self, const char *name, const char *labels,
                          const char *help, double seconds);

//  Set gauge name{labels} to value.
void cab_metrics_set (cab_metrics_t *self, const char *name, const char *labels, const char *help,
                      double value);

//  Prometheus text exposition. Returns a new string: the caller frees it.
char *cab_metrics_render (cab_metrics_t *self);

#endif
