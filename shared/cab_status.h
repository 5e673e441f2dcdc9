/*  cab_status - status codes (gRPC's list, as in proto/cabinet/v1/rpc.proto)
    and their one mapping to HTTP and to the API's error codes.  */
#ifndef CAB_STATUS_H
#define CAB_STATUS_H

typedef enum {
    CAB_OK = 0,
    CAB_CANCELLED = 1,
    CAB_UNKNOWN = 2,
    CAB_INVALID_ARGUMENT = 3,
    CAB_DEADLINE_EXCEEDED = 4,
    CAB_NOT_FOUND = 5,
    CAB_ALREADY_EXISTS = 6,
    CAB_PERMISSION_DENIED = 7,
    CAB_RESOURCE_EXHAUSTED = 8,
    CAB_FAILED_PRECONDITION = 9,  //  a rule is violated: HTTP 422
    CAB_ABORTED = 10,             //  state conflict: HTTP 409
    CAB_OUT_OF_RANGE = 11,
    CAB_UNIMPLEMENTED = 12,
    CAB_INTERNAL = 13,
    CAB_UNAVAILABLE = 14,
    CAB_DATA_LOSS = 15,
    CAB_UNAUTHENTICATED = 16,
} cab_status_t;

#define CAB_STATUS_MAX CAB_UNAUTHENTICATED

//  API error code for a status: "invalid_argument", "not_found", "conflict"...
const char *cab_status_code (cab_status_t status);

//  HTTP status for a status code (400, 401, 403, 404, 409, 422, 429, 503...).
int cab_status_http (cab_status_t status);

//  A default Vietnamese message for the status, for when none is more precise.
const char *cab_status_message (cab_status_t status);

#endif
