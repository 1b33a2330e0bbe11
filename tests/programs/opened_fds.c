/* The fds that opens hand back, as a program sees them: the lowest free number, the file
 * asked for, close-on-exec exactly when O_CLOEXEC was given; in the first process, a
 * forked child, a thread, and a process whose fd 1000 (where the ptrace platform keeps
 * its fd courier) is a pipe of its own. Many opens each, so that on ptrace most are
 * answered by the C loop, and the first of each process by Python. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static void show(const char *who, const char *path, int flags)
{
	char first[5] = {0};
	int fd = open(path, flags);
	if (fd < 0 || read(fd, first, 4) != 4) {
		printf("%s: %s: failed\n", who, path);
		return;
	}
	int cloexec = fcntl(fd, F_GETFD) & FD_CLOEXEC;
	printf("%s: %s: fd %d starts %s%s\n", who, path, fd, first, cloexec ? " cloexec" : "");
	fflush(stdout);
}

static void round_of_opens(const char *who)
{
	for (int i = 0; i < 3; i++) {
		show(who, "/etc/passwd", O_RDONLY);
		show(who, "/etc/group", O_RDONLY | O_CLOEXEC);
	}
	show(who, "/missing", O_RDONLY);
}

static void *thread_opens(void *unused)
{
	(void)unused;
	round_of_opens("thread");
	return NULL;
}

int main(void)
{
	round_of_opens("first");

	pid_t child = fork();
	if (child == 0) {
		round_of_opens("child");
		fflush(stdout);
		_exit(0);
	}
	waitpid(child, NULL, 0);

	pthread_t thread;
	pthread_create(&thread, NULL, thread_opens, NULL);
	pthread_join(thread, NULL);

	child = fork();
	if (child == 0) {
		int pipe_fds[2];
		if (pipe(pipe_fds) != 0 || dup2(pipe_fds[0], 1000) != 1000)
			_exit(2);
		round_of_opens("own fd 1000");
		char left;
		printf("own fd 1000: still its pipe: %s\n",
		       write(pipe_fds[1], "x", 1) == 1 && read(1000, &left, 1) == 1 ? "yes" : "no");
		fflush(stdout);
		_exit(0);
	}
	waitpid(child, NULL, 0);
	return 0;
}
