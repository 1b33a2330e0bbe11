/* An open made with the stack pointer a few bytes above unmapped memory. The ptrace
 * platform hands the fd over by turning the call into a recvmsg whose msghdr it writes
 * below the caller's red zone; with no memory there the open must fail (EFAULT), and the
 * kernel must never run the caller's own open, which would re-read a path the sentry
 * did not resolve. The seccomp platform installs the fd without touching the stack. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

static long open_with_stack(char *stack_top, const char *path)
{
	long ret;
	__asm__ volatile(
		"mov %%rsp, %%r12\n\t"
		"mov %[top], %%rsp\n\t"
		"syscall\n\t"
		"mov %%r12, %%rsp"
		: "=a"(ret)
		: "a"((long)SYS_open), "D"(path), "S"((long)O_RDONLY), "d"(0L),
		  [top] "r"(stack_top)
		: "rcx", "r11", "r12", "memory");
	return ret;
}

int main(void)
{
	/* a first open, so that on ptrace the process has its fd courier */
	int first = open("/etc/passwd", O_RDONLY);
	if (first < 0)
		return 2;
	close(first);
	char *pages = mmap(NULL, 2 * 4096, PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (pages == MAP_FAILED || munmap(pages, 4096) != 0)
		return 3;
	long fd = open_with_stack(pages + 4096 + 64, "/etc/passwd");
	if (fd >= 0)
		printf("opened\n");
	else
		printf("failed: %ld\n", -fd);
	return 0;
}
