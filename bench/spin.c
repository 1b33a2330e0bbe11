/* Compute-bound loop: fixed work with no syscalls, so a sandbox can only slow it down
 * through start-up or by stealing CPU, never through interception.
 *
 *   spin ITERATIONS
 *
 * Prints the loop's own elapsed nanoseconds (start-up excluded); bench/run.py also takes
 * the wall time of the whole run (start-up counted) and calibrates ITERATIONS natively.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "common.h"

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s ITERATIONS\n", argv[0]);
        return 2;
    }
    uint64_t n = strtoull(argv[1], NULL, 10);
    uint64_t x = 88172645463325252ull, acc = 0;
    uint64_t t0 = now_ns();
    for (uint64_t i = 0; i < n; i++) { /* xorshift64: a dependent chain the compiler keeps */
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        acc += x & 0xff;
    }
    uint64_t dt = now_ns() - t0;
    printf("%llu\n", (unsigned long long)dt);
    fprintf(stderr, "checksum %llu\n", (unsigned long long)acc);
    return 0;
}
