/*  cab_log - JSON-lines logging to stderr: one object per line with ts,
    level, component and msg, so log shippers need no parsing rules.  */
#ifndef CAB_LOG_H
#define CAB_LOG_H

typedef enum { CAB_LOG_DEBUG, CAB_LOG_INFO, CAB_LOG_WARN, CAB_LOG_ERROR } cab_log_level_t;

//  Name the component and read CABINET_LOG_LEVEL. Call once, first thing in
//  main, before any thread starts.
void cab_log_init (const char *component);

void cab_log (cab_log_level_t level, const char *fmt, ...) __attribute__ ((format (printf, 2, 3)));

#define cab_debug(...) cab_log (CAB_LOG_DEBUG, __VA_ARGS__)
#define cab_info(...) cab_log (CAB_LOG_INFO, __VA_ARGS__)
#define cab_warn(...) cab_log (CAB_LOG_WARN, __VA_ARGS__)
#define cab_error(...) cab_log (CAB_LOG_ERROR, __VA_ARGS__)

#endif
