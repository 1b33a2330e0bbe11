/* What the bench programs share: a monotonic clock in nanoseconds, and dying with the
 * name of the call that failed (exit status 2). Each program is still built alone
 * (`gcc -static bench/NAME.c`): this header is found beside it. */
#ifndef RUNSC_BENCH_COMMON_H
#define RUNSC_BENCH_COMMON_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static inline uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static inline void die(const char *what)
{
    perror(what);
    exit(2);
}

#endif
