/* Prints the errno name of clone3() asking for a plain child, or "ok" if it succeeds. */
#define _GNU_SOURCE /* strerrorname_np */
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

int main(void)
{
	/* struct clone_args, version 0: flags, pidfd, child_tid, parent_tid, exit_signal,
	 * stack, stack_size, tls. */
	uint64_t args[8];
	memset(args, 0, sizeof(args));
	args[4] = SIGCHLD;
	long pid = syscall(SYS_clone3, args, sizeof(args));
	if (pid == 0)
		_exit(0);
	if (pid > 0) {
		waitpid((pid_t)pid, NULL, 0);
		puts("ok");
	} else {
		puts(strerrorname_np(errno));
	}
	return 0;
}
