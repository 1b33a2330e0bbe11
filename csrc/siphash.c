/* See siphash.h. Written from the paper's description; checked against the reference
 * implementation's test vectors (tests/test_siphash.py). */
#include "siphash.h"

#include <string.h>

#define ROTL(x, b) (uint64_t)(((x) << (b)) | ((x) >> (64 - (b))))

#define SIPROUND                                                      \
    do {                                                              \
        v0 += v1; v1 = ROTL(v1, 13); v1 ^= v0; v0 = ROTL(v0, 32);     \
        v2 += v3; v3 = ROTL(v3, 16); v3 ^= v2;                        \
        v0 += v3; v3 = ROTL(v3, 21); v3 ^= v0;                        \
        v2 += v1; v1 = ROTL(v1, 17); v1 ^= v2; v2 = ROTL(v2, 32);     \
    } while (0)

void rsc_siphash128(const uint64_t key[2], const void *data, size_t len, uint64_t out[2])
{
    uint64_t v0 = 0x736f6d6570736575ULL ^ key[0], v1 = 0x646f72616e646f6dULL ^ key[1];
    uint64_t v2 = 0x6c7967656e657261ULL ^ key[0], v3 = 0x7465646279746573ULL ^ key[1];
    v1 ^= 0xee;  /* the 128-bit variant */
    const unsigned char *bytes = data;
    size_t words = len / 8;
    for (size_t i = 0; i < words; i++) {
        uint64_t m;
        memcpy(&m, bytes + 8 * i, 8);  /* x86_64 and arm64 here: little-endian */
        v3 ^= m;
        SIPROUND;
        SIPROUND;
        v0 ^= m;
    }
    uint64_t last = (uint64_t)len << 56;
    for (size_t i = 0; i < len % 8; i++)
        last |= (uint64_t)bytes[8 * words + i] << (8 * i);
    v3 ^= last;
    SIPROUND;
    SIPROUND;
    v0 ^= last;
    v2 ^= 0xee;
    for (int half = 0; half < 2; half++) {
        if (half)
            v1 ^= 0xdd;
        for (int i = 0; i < 4; i++)  /* the finalization's rounds */
            SIPROUND;
        out[half] = v0 ^ v1 ^ v2 ^ v3;
    }
}
