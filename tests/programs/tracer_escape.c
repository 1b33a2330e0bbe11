/* Tries to leave the sentry's sight: `clone` with CLONE_UNTRACED, or ptrace itself.
 * Prints what each attempt returned, then the hostname uname(2) reports: an answer from
 * the sentry (the config's hostname) shows the task is still intercepted. A task that
 * escaped would get ENOSYS from uname: the filter sends it to a tracer that is not there. */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

static void report(const char *what, long ret)
{
	printf("%s: %s\n", what, ret < 0 ? strerrorname_np(errno) : "succeeded");
}

static void show_hostname(const char *who)
{
	struct utsname name;
	if (uname(&name) == 0)
		printf("%s uname: %s\n", who, name.nodename);
	else
		printf("%s uname: %s\n", who, strerrorname_np(errno));
	fflush(stdout);
}

int main(int argc, char **argv)
{
	if (argc == 2 && strcmp(argv[1], "clone") == 0) {
		long pid = syscall(SYS_clone, CLONE_UNTRACED | SIGCHLD, 0, 0, 0, 0);
		if (pid == 0) {
			show_hostname("untraced child");
			_exit(0);
		}
		report("clone(CLONE_UNTRACED)", pid);
		if (pid > 0)
			waitpid(pid, NULL, 0);
	} else if (argc == 2 && strcmp(argv[1], "ptrace") == 0) {
		report("ptrace(PTRACE_TRACEME)", ptrace(PTRACE_TRACEME, 0, 0, 0));
		report("ptrace(PTRACE_ATTACH, parent)", ptrace(PTRACE_ATTACH, getppid(), 0, 0));
		report("ptrace(PTRACE_SEIZE, self)", ptrace(PTRACE_SEIZE, getpid(), 0, 0));
	} else {
		return 2;
	}
	show_hostname("workload");
	return 0;
}
