/* remembered_per_caller PATH: looks PATH up as root, twice (the second answer comes from
 * the sentry's memory), then as uid 1000, twice, and says what each lookup found: an
 * answer remembered for one caller must never reach another. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void look(const char *who, const char *path)
{
    struct stat st;
    char link[64];
    printf("%s stat: %s\n", who, stat(path, &st) == 0 ? "found" : strerror(errno));
    printf("%s access: %s\n", who, access(path, R_OK) == 0 ? "allowed" : strerror(errno));
    printf("%s readlink: %s\n", who,
           readlink(path, link, sizeof(link)) >= 0 ? "a link" : strerror(errno));
}

int main(int argc, char **argv)
{
    if (argc != 2)
        return 2;
    look("root", argv[1]);
    look("root", argv[1]);
    if (setresgid(1000, 1000, 1000) != 0 || setresuid(1000, 1000, 1000) != 0) {
        perror("setresuid");
        return 1;
    }
    look("uid 1000", argv[1]);
    look("uid 1000", argv[1]);
    return 0;
}
