/* An inode's identity as the gofer sends it after its replies and the sentry's memory of
 * lookups keys it (gofer/PROTOCOL.md, "Where names are"): one definition for both ends
 * of the wire (csrc/gofer_fast.c, csrc/answers.c). */
#ifndef RUNSC_INODE_ID_H
#define RUNSC_INODE_ID_H

#include <stdint.h>
#include <sys/stat.h>

struct inode_id {
    uint64_t dev, ino;
};

static inline struct inode_id identity_of(const struct stat *st)
{
    return (struct inode_id){.dev = (uint64_t)st->st_dev, .ino = (uint64_t)st->st_ino};
}

#endif
