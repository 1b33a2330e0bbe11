/* open(2) returns the lowest free fd, also after a program closed every fd it did not
 * need (as subprocess and daemons do): the classic `close(0); open(...)` redirect. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

static void show(const char *path)
{
	char first[5] = {0};
	int fd = open(path, O_RDONLY);
	if (fd < 0 || read(fd, first, 4) != 4) {
		perror(path);
		return;
	}
	printf("%s: fd %d starts %s\n", path, fd, first);
}

int main(void)
{
	if (close_range(3, ~0U, 0) != 0)
		return 2;
	close(0);
	show("/etc/passwd");
	show("/etc/group");
	return 0;
}
