/* The gofer's C loop for hot lookups (see gofer_fast.c). */
#ifndef RUNSC_GOFER_FAST_H
#define RUNSC_GOFER_FAST_H

#include <stddef.h>
#include <stdint.h>

int rsc_gofer_become(uint32_t fsuid, uint32_t fsgid, const uint32_t *groups, int ngroups,
                     uint64_t caps);
/* Serve until a request needs Python: returns its length (buf holds it, *fd_out its fd or
 * -1), 0 when the sentry closed its end, or -errno. */
int rsc_gofer_serve(int sock, int root_fd, char *buf, size_t size, int *fd_out);

#endif
