/* Forks; the child execs `/bin/echo child`; the parent waits and prints the child's status. */
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

int main(void)
{
	pid_t pid = fork();
	if (pid < 0)
		return 2;
	if (pid == 0) {
		execl("/bin/echo", "echo", "child", (char *)NULL);
		_exit(127);
	}
	int status;
	if (waitpid(pid, &status, 0) != pid)
		return 3;
	if (WIFEXITED(status))
		printf("child exited with %d\n", WEXITSTATUS(status));
	else
		printf("child ended with status 0x%x\n", status);
	return 0;
}
