/* Prints the errno name of io_uring_setup(1, &params), or "ok" if it succeeds. */
#define _GNU_SOURCE /* strerrorname_np */
#include <errno.h>
#include <linux/io_uring.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(void)
{
	struct io_uring_params params;
	memset(&params, 0, sizeof(params));
	long fd = syscall(SYS_io_uring_setup, 1, &params);
	if (fd >= 0) {
		close((int)fd);
		puts("ok");
	} else {
		puts(strerrorname_np(errno));
	}
	return 0;
}
