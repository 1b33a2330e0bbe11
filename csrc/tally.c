/* See tally.h. */
#include "tally.h"

void rsc_tally_add(struct rsc_tally *t, uint32_t nr, int error, bool continued)
{
    uint32_t key = 1 + (nr << 13 | (uint32_t)continued << 12 | ((uint32_t)error & 0xFFF));
    uint32_t at = (key * 2654435761u) % RSC_TALLY_SLOTS;
    while (t->cells[at].key && t->cells[at].key != key)
        at = (at + 1) % RSC_TALLY_SLOTS;
    if (!t->cells[at].key) {
        t->cells[at].key = key;
        t->order[t->used++] = (uint16_t)at;
    }
    t->cells[at].count++;
}
