/* SipHash-2-4 with its 128-bit output (Aumasson and Bernstein, "SipHash: a fast
 * short-input PRF", 2012): without the key, nobody can make two inputs hash alike. The
 * sentry's memory of lookups (answers.c) keys each answer by a hash of the caller's
 * credentials and path, which the box chooses: with a hash anyone can compute, a program
 * could make up a path whose key matches the key of another caller's answer (a grader
 * running as root, say) and be handed that answer. */
#ifndef RUNSC_SIPHASH_H
#define RUNSC_SIPHASH_H

#include <stddef.h>
#include <stdint.h>

/* The 128-bit SipHash-2-4 of `len` bytes at `data` under `key` (its 16 bytes read as two
 * little-endian words, as the reference implementation reads them). */
void rsc_siphash128(const uint64_t key[2], const void *data, size_t len, uint64_t out[2]);

#endif
