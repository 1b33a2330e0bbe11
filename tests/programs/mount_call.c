/* Prints the errno name of mount("none", "/mnt", "tmpfs", 0, NULL), or "ok" if it succeeds. */
#define _GNU_SOURCE /* strerrorname_np */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>

int main(void)
{
	if (mount("none", "/mnt", "tmpfs", 0, NULL) == 0)
		puts("ok");
	else
		puts(strerrorname_np(errno));
	return 0;
}
