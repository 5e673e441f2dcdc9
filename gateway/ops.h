/*  gw_ops - the operational routes: liveness, readiness of the services
    behind the gateway, Prometheus metrics (the gateway's own and each
    service's), and the OpenAPI document compiled into the binary.  */
#ifndef GW_OPS_H
#define GW_OPS_H
#include "cab_embed.h"
#include "routes.h"

//  Files compiled into the gateway by the build (openapi.json).
extern const cab_embedded_file_t gateway_embedded[];

//  GET /healthz: 200 while the process serves requests.
void gw_ops_healthz (gw_request_t *req, gw_reply_t *reply);

//  GET /readyz: asks every service's <service>.Health; 200 {"status":"ready"}
//  or 503 {"status":"not_ready","services":{"<name>":"<why>"}}.
void gw_ops_readyz (gw_request_t *req, gw_reply_t *reply);

//  GET /metrics: the gateway's metrics, then each service's <service>.Metrics.
void gw_ops_metrics (gw_request_t *req, gw_reply_t *reply);

//  The gateway's exposition own (may be NULL) followed by each service's
//  texts[i] (NULL ones skipped): samples get a service="<names[i]>" label,
//  and a family's HELP and TYPE lines are kept once. Returns a new string
//  (caller frees), NULL on out-of-memory.
char *gw_ops_merge_metrics (const char *own, const char *const *names, const char *const *texts,
                            size_t count);

//  GET /api/v1/openapi.json: the embedded document.
void gw_ops_openapi (gw_request_t *req, gw_reply_t *reply);

//  The embedded OpenAPI document (openapi.json), or NULL if the build did
//  not embed one. Borrowed, static.
const char *gw_ops_openapi_text (size_t *size_p);

#endif
