/* Under a linux.seccomp profile that refuses socket, fcntl and recvmsg: files still open
 * (the sentry delivers the fd), while the workload's own socket call is refused. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int main(void)
{
	char first[5] = {0};
	int fd = open("/etc/passwd", O_RDONLY | O_CLOEXEC);
	if (fd < 0 || read(fd, first, 4) != 4)
		printf("open: %s\n", strerrorname_np(errno));
	else
		printf("open: starts %s\n", first);
	int sock = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	printf("socket: %s\n", sock < 0 ? strerrorname_np(errno) : "succeeded");
	return 0;
}
