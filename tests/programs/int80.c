/* Makes i386 system calls with `int $0x80` from a 64-bit program: getpid, then exit(0). */
#include <stdio.h>

static long int80(long nr, long arg)
{
	long ret;
	__asm__ volatile("int $0x80" : "=a"(ret) : "a"(nr), "b"(arg) : "memory");
	return ret;
}

int main(void)
{
	long pid = int80(20, 0); /* i386 getpid */
	printf("survived int 0x80: getpid returned %ld\n", pid);
	fflush(stdout);
	int80(1, 0); /* i386 exit */
	return 0;
}
