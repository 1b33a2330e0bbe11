/* One thread flips a path buffer between a box file and a host path while another opens
 * it: the sentry must open what it read, never let the kernel re-read the buffer.
 * Prints how many opens read the host's file (must be 0). Usage: path_flip_race HOST_FILE */
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static char path[256];
static const char *host_path;
static volatile int done;

static void *flipper(void *unused)
{
    (void)unused;
    while (!done) {
        strcpy(path, host_path);
        strcpy(path, "/tmp/boxfile");
    }
    return NULL;
}

int main(int argc, char **argv)
{
    if (argc != 2 || strlen(argv[1]) >= sizeof(path))
        return 2;
    host_path = argv[1];
    int fd = open("/tmp/boxfile", O_CREAT | O_WRONLY | O_TRUNC, 0644);
    write(fd, "BOX", 3);
    close(fd);
    strcpy(path, "/tmp/boxfile");
    pthread_t thread;
    pthread_create(&thread, NULL, flipper, NULL);
    int escaped = 0, boxed = 0;
    for (int i = 0; i < 3000; i++) {
        char buf[8] = {0};
        fd = open(path, O_RDONLY);
        if (fd < 0)
            continue;
        read(fd, buf, sizeof(buf) - 1);
        close(fd);
        if (strncmp(buf, "HOST", 4) == 0)
            escaped++;
        else if (strncmp(buf, "BOX", 3) == 0)
            boxed++;
    }
    done = 1;
    pthread_join(thread, NULL);
    printf("escaped=%d boxed=%d\n", escaped, boxed);
    return 0;
}
