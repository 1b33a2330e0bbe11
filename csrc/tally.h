/* What a C loop answered, counted per (syscall, errno, continued) for the coverage record.
 * Counting in place, rather than logging each call, lets the loop run on without ever
 * stopping for Python's bookkeeping: Python takes the counts whenever it runs anyway. */
#ifndef RUNSC_TALLY_H
#define RUNSC_TALLY_H

#include <stdbool.h>
#include <stdint.h>

#define RSC_TALLY_SLOTS 1024
#define RSC_TALLY_FULL (RSC_TALLY_SLOTS * 3 / 4)  /* then the loop hands over to Python */

struct rsc_tally_cell {
    uint32_t key;    /* 0: empty; else 1 + (nr << 13 | continued << 12 | errno) */
    uint32_t count;
};

struct rsc_tally {
    uint32_t used;                          /* cells in use, listed in `order` */
    uint16_t order[RSC_TALLY_SLOTS];
    struct rsc_tally_cell cells[RSC_TALLY_SLOTS];
};

/* Count one answer: `error` a positive errno or 0. */
void rsc_tally_add(struct rsc_tally *t, uint32_t nr, int error, bool continued);

#endif
