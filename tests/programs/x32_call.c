/* Makes an x32 system call: getpid (39) with the x32 bit (0x40000000) set. */
#define _GNU_SOURCE /* strerrorname_np */
#include <stdio.h>
#include <string.h>
#include <errno.h>
#include <unistd.h>

int main(void)
{
	long ret = syscall(0x40000000L | 39);
	printf("survived x32 call: %ld %s\n", ret, ret < 0 ? strerrorname_np(errno) : "");
	return 0;
}
