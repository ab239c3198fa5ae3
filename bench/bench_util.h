/*
 * bench_util.h
 *		What the benchmark drivers share: raw RGB8 fixtures
 *		(tools/reference/fixtures/NAME.WxH.rgb) and timing.
 */
#ifndef FACEREC_BENCH_UTIL_H
#define FACEREC_BENCH_UTIL_H

#include <stdint.h>

/* the pixels of path, whose name gives the size; exits on any error */
extern uint8_t *read_fixture(const char *path, int *w, int *h);

/* path without its directories, for printing */
extern const char *fixture_name(const char *path);

/* a monotonic clock in milliseconds */
extern double now_ms(void);

/* sorts ms[0..n-1] (n > 0) and returns its median */
extern double sort_median(double *ms, int n);

#endif							/* FACEREC_BENCH_UTIL_H */
