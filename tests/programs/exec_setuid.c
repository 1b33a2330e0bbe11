/* Identity across an exec that changes it: as uid 1000, asks geteuid (so the sentry has
 * the caller's credentials at hand), then execs argv[2], a setuid-root copy of this file,
 * from the leader (argv[1] "leader") or from a second thread ("thread", after which the
 * new image runs under the leader's id); the new image asks again. What the sentry knew
 * before the exec must not answer for the new image. */
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

static char *setuid_copy;

static void *exec_setuid_copy(void *arg)
{
    (void)arg;
    char *argv[] = {setuid_copy, "after", NULL};
    execv(setuid_copy, argv);
    perror("execv");
    return NULL;
}

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "after") == 0) {
        printf("after exec: uid %ld euid %ld\n", syscall(SYS_getuid), syscall(SYS_geteuid));
        return 0;
    }
    printf("before exec: uid %ld euid %ld\n", syscall(SYS_getuid), syscall(SYS_geteuid));
    fflush(stdout);
    setuid_copy = argv[2];
    if (strcmp(argv[1], "leader") == 0) {
        exec_setuid_copy(NULL);
        return 1;
    }
    pthread_t thread;
    pthread_create(&thread, NULL, exec_setuid_copy, NULL);
    pthread_join(thread, NULL);
    return 1;
}
