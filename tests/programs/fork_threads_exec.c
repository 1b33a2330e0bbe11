/* 200 forked children, 16 threads, then an execve from a thread while the others still run.
 * Every child and thread makes an intercepted call (getuid), so each task meets the sentry.
 * Child i exits with i % 50; the threads sum slices of 1..16*SLICE. A 17th thread then
 * execs /bin/echo with both results while the 16 wait forever: the kernel must kill them
 * and hand the process's pid to the exec'ing thread. */
#include <pthread.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

#define CHILDREN 200
#define THREADS 16
#define SLICE 1000ULL

static unsigned long long partial[THREADS];
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t done = PTHREAD_COND_INITIALIZER;
static int finished;
static char line[128];

static void *work(void *arg)
{
	unsigned long long i = (unsigned long long)(unsigned long)arg, sum = getuid();
	for (unsigned long long n = i * SLICE + 1; n <= (i + 1) * SLICE; n++)
		sum += n;
	partial[i] = sum;
	pthread_mutex_lock(&lock);
	finished++;
	pthread_cond_broadcast(&done);
	for (;;) /* still alive when the exec comes */
		pthread_cond_wait(&done, &lock);
	return NULL;
}

static void *exec_echo(void *arg)
{
	(void)arg;
	execl("/bin/echo", "echo", line, (char *)NULL);
	perror("execl");
	_exit(3);
}

int main(void)
{
	int statuses = 0;
	for (int i = 0; i < CHILDREN; i++) {
		pid_t pid = fork();
		if (pid < 0)
			return 2;
		if (pid == 0)
			_exit(getuid() == 0 ? i % 50 : 255);
	}
	for (int i = 0; i < CHILDREN; i++) {
		int status;
		if (wait(&status) < 0 || !WIFEXITED(status))
			return 2;
		statuses += WEXITSTATUS(status);
	}
	pthread_t threads[THREADS + 1];
	for (unsigned long i = 0; i < THREADS; i++)
		if (pthread_create(&threads[i], NULL, work, (void *)i) != 0)
			return 2;
	pthread_mutex_lock(&lock);
	while (finished < THREADS)
		pthread_cond_wait(&done, &lock);
	pthread_mutex_unlock(&lock);
	unsigned long long total = 0;
	for (int i = 0; i < THREADS; i++)
		total += partial[i];
	snprintf(line, sizeof(line), "children %d threads %llu", statuses, total);
	if (pthread_create(&threads[THREADS], NULL, exec_echo, NULL) != 0)
		return 2;
	pthread_join(threads[THREADS], NULL);
	return 4; /* the exec replaced us */
}
