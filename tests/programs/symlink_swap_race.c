/* One thread swaps "lnk" between a directory of the box and a symlink to a host path
 * while another opens "lnk/secret" through it. Prints how many opens read the host's
 * file (must be 0) and how many read the box's. Usage: symlink_swap_race HOST_DIR */
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static volatile int done;

static void *swapper(void *target)
{
    while (!done) {
        rename("lnk", "tmp-link");
        rename("dir", "lnk");
        rename("lnk", "dir");
        rename("tmp-link", "lnk");
    }
    (void)target;
    return NULL;
}

int main(int argc, char **argv)
{
    if (argc != 2)
        return 2;
    mkdir("dir", 0755);
    int fd = open("dir/secret", O_CREAT | O_WRONLY | O_TRUNC, 0644);
    write(fd, "BOX", 3);
    close(fd);
    symlink(argv[1], "lnk");
    pthread_t thread;
    pthread_create(&thread, NULL, swapper, argv[1]);
    int escaped = 0, boxed = 0;
    for (int i = 0; i < 3000; i++) {
        char buf[8] = {0};
        fd = open("lnk/secret", O_RDONLY);
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
