/* Job control under the sentry: a child stopped with SIGSTOP is seen stopped by its parent
 * (waitpid WUNTRACED) and does not run; SIGCONT resumes it (WCONTINUED); SIGTERM ends it.
 * The child counts in shared memory, so "does not run" is checked, not assumed. */
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

int main(void)
{
	volatile unsigned long *counter = mmap(NULL, sizeof(*counter), PROT_READ | PROT_WRITE,
					       MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (counter == MAP_FAILED)
		return 2;
	pid_t pid = fork();
	if (pid == 0)
		for (;;)
			(*counter)++;
	int status;
	while (*counter == 0)
		sched_yield();
	kill(pid, SIGSTOP);
	if (waitpid(pid, &status, WUNTRACED) == pid && WIFSTOPPED(status))
		printf("stopped by %s\n", WSTOPSIG(status) == SIGSTOP ? "SIGSTOP" : "another signal");
	unsigned long before = *counter;
	struct timespec pause = {0, 50 * 1000 * 1000};
	nanosleep(&pause, NULL);
	printf("%s while stopped\n", *counter == before ? "did not run" : "RAN");
	kill(pid, SIGCONT);
	if (waitpid(pid, &status, WCONTINUED) == pid && WIFCONTINUED(status))
		printf("continued\n");
	before = *counter;
	while (*counter == before)
		sched_yield();
	printf("runs again\n");
	kill(pid, SIGTERM);
	if (waitpid(pid, &status, 0) == pid && WIFSIGNALED(status))
		printf("ended by %s\n", WTERMSIG(status) == SIGTERM ? "SIGTERM" : "another signal");
	return 0;
}
