/*  cab_time - RFC 3339 date-times: parse one with an offset, write one in
    Asia/Ho_Chi_Minh (+07:00); and the monotonic clock in milliseconds.  */
#ifndef CAB_TIME_H
#define CAB_TIME_H
#include <stdbool.h>
#include <stdint.h>

#define CAB_TIME_TEXT 26  //  "2026-12-01T08:00:00+07:00" and its NUL

//  Parse an RFC 3339 date-time that carries an offset ("Z" or "+07:00");
//  fractions of a second are dropped. Returns false if s is not one.
bool cab_time_parse (const char *s, int64_t *epoch);

//  Unix seconds as RFC 3339 in Asia/Ho_Chi_Minh (+07:00, no daylight
//  saving) into out. Returns out.
char *cab_time_format (int64_t epoch, char out[CAB_TIME_TEXT]);

//  Milliseconds of CLOCK_MONOTONIC: for timeouts and ages within a process
//  (never goes back when the wall clock is set).
int64_t cab_clock_ms (void);

#endif
