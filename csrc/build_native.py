"""cffi builder for `sentry._native`: libseccomp bindings (the PyPI wrapper lacks
`seccomp_notify_fd`) and the C helpers in native.c."""

from cffi import FFI

ffibuilder = FFI()
ffibuilder.cdef(
    """
    typedef void *scmp_filter_ctx;
    struct scmp_arg_cmp { unsigned int arg; int op; uint64_t datum_a; uint64_t datum_b; };
    enum scmp_compare { SCMP_CMP_NE = 1, SCMP_CMP_LT = 2, SCMP_CMP_LE = 3, SCMP_CMP_EQ = 4,
                        SCMP_CMP_GE = 5, SCMP_CMP_GT = 6, SCMP_CMP_MASKED_EQ = 7 };
    enum scmp_filter_attr { SCMP_FLTATR_ACT_DEFAULT = 1, SCMP_FLTATR_ACT_BADARCH = 2,
                            SCMP_FLTATR_CTL_NNP = 3, SCMP_FLTATR_CTL_TSYNC = 4,
                            SCMP_FLTATR_API_TSKIP = 5, SCMP_FLTATR_CTL_LOG = 6,
                            SCMP_FLTATR_CTL_SSB = 7, SCMP_FLTATR_CTL_OPTIMIZE = 8,
                            SCMP_FLTATR_API_SYSRAWRC = 9 };
    #define SCMP_ACT_KILL_PROCESS ...
    #define SCMP_ACT_KILL_THREAD ...
    #define SCMP_ACT_ALLOW ...
    #define SCMP_ACT_NOTIFY ...
    #define SCMP_ACT_LOG ...
    #define SCMP_ACT_TRAP ...
    #define SCMP_ARCH_X86_64 ...
    #define SCMP_ARCH_X86 ...
    #define SCMP_ARCH_X32 ...

    scmp_filter_ctx seccomp_init(uint32_t def_action);
    void seccomp_release(scmp_filter_ctx ctx);
    int seccomp_attr_set(scmp_filter_ctx ctx, enum scmp_filter_attr attr, uint32_t value);
    int seccomp_rule_add_array(scmp_filter_ctx ctx, uint32_t action, int syscall,
                               unsigned int arg_cnt, const struct scmp_arg_cmp *arg_array);
    int seccomp_rule_add_exact_array(scmp_filter_ctx ctx, uint32_t action, int syscall,
                                     unsigned int arg_cnt, const struct scmp_arg_cmp *arg_array);
    int seccomp_load(scmp_filter_ctx ctx);
    int seccomp_notify_fd(scmp_filter_ctx ctx);
    int seccomp_export_bpf(scmp_filter_ctx ctx, int fd);

    struct seccomp_data { int nr; uint32_t arch; uint64_t instruction_pointer; uint64_t args[6]; };
    struct seccomp_notif { uint64_t id; uint32_t pid; uint32_t flags; struct seccomp_data data; };
    #define SECCOMP_USER_NOTIF_FLAG_CONTINUE ...
    #define SECCOMP_ADDFD_FLAG_SETFD ...
    #define SECCOMP_ADDFD_FLAG_SEND ...

    int rsc_notif_recv(int fd, struct seccomp_notif *req);
    int rsc_notif_respond(int fd, uint64_t id, int64_t val, int32_t error, uint32_t flags);
    int rsc_notif_id_valid(int fd, uint64_t id);
    int rsc_notif_addfd(int fd, uint64_t id, int srcfd, uint32_t newfd, uint32_t newfd_flags,
                        uint32_t flags);
    int rsc_notif_set_sync_wakeup(int fd);
    int rsc_unshare(int flags);
    int rsc_setns(int fd, int nstype);
    int rsc_mount(const char *source, const char *target, const char *fstype,
                  unsigned long flags, const char *data);
    int rsc_umount2(const char *target, int flags);
    int rsc_pivot_root(const char *new_root, const char *put_old);
    int rsc_prctl(int option, unsigned long a2, unsigned long a3, unsigned long a4,
                  unsigned long a5);
    int rsc_capset(uint64_t effective, uint64_t permitted, uint64_t inheritable);
        int rsc_openat2(int dirfd, const char *path, uint64_t flags, uint64_t mode,
                    uint64_t resolve);
    #define RESOLVE_NO_XDEV ...
    #define RESOLVE_NO_MAGICLINKS ...
    #define RESOLVE_NO_SYMLINKS ...
    #define RESOLVE_BENEATH ...
    #define RESOLVE_IN_ROOT ...
    int64_t rsc_vm_read(int pid, uint64_t remote, void *buf, uint64_t len);
    int64_t rsc_vm_write(int pid, uint64_t remote, const void *buf, uint64_t len);
    int rsc_fstatat_raw(int dirfd, const char *path, int flags, void *buf144);
    int rsc_statx_raw(int dirfd, const char *path, int flags, unsigned int mask, void *buf256);
    int rsc_fstatfs_raw(int fd, void *buf120);
    int rsc_utimensat(int dirfd, const char *path, const int64_t *times4, int flags);
    int rsc_renameat2(int olddirfd, const char *oldpath, int newdirfd, const char *newpath,
                      unsigned int flags);
    int rsc_faccessat2(int dirfd, const char *path, int mode, int flags);
    int rsc_fchmodat2(int dirfd, const char *path, unsigned int mode, int flags);
    int rsc_pidfd_getfd(int pidfd, int targetfd);
    uint32_t rsc_act_errno(uint32_t errno_value);
    uint32_t rsc_act_trace(uint32_t data);

    #define RSC_MAX_NR ...
    enum rsc_kind {
        RSC_PYTHON, RSC_GETUID, RSC_GETEUID, RSC_GETGID, RSC_GETEGID,
        RSC_GETRESUID, RSC_GETRESGID, RSC_GETGROUPS, RSC_UNAME,
        RSC_STAT, RSC_LSTAT, RSC_NEWFSTATAT, RSC_STATX,
        RSC_ACCESS, RSC_FACCESSAT, RSC_FACCESSAT2,
        RSC_READLINK, RSC_READLINKAT, RSC_OPEN, RSC_OPENAT, RSC_CREDENTIALS_CHANGE,
        RSC_ATTRIBUTES_CHANGE, RSC_CHDIR, RSC_EXECVE, RSC_EXECVEAT, RSC_UTIMENSAT, ...
    };
    enum rsc_serve_result { RSC_EVENT = 1, RSC_WAKE = 2, RSC_HUP = 3, RSC_DRAIN = 4 };
    struct rsc_tally_cell { uint32_t key; uint32_t count; };
    struct rsc_tally {
        uint32_t used;
        uint16_t order[1024];
        struct rsc_tally_cell cells[1024];
    };
    struct rsc_gofer_link { int fd; int pid; int cpu; };
    struct rsc_fastpath {
        int notify_fd;
        struct rsc_gofer_link gofer;
        uint8_t kind[512];
        char utsname[390];
        struct rsc_tally answered;
    };
    void rsc_lookups_forget(void);
    void rsc_lookups_note_writer(int fd, int said);
    void rsc_lookups_note_removed(uint64_t dev, uint64_t ino);
    void rsc_lookups_never_remember(const char *tree);
    int rsc_dir_path(int tid, int dirfd, char *out);
    bool rsc_follows_last_link(int op, const int64_t ints[4]);
    int rsc_box_path(int tid, long box_tgid, long box_tid, int dirfd, const char *path,
                     char *out);
    int rsc_serve(struct rsc_fastpath *f, const int *watch, int nwatch, int timeout_ms,
                  struct seccomp_notif *req);
    int rsc_fastpath_start(void);
    void rsc_fastpath_stop(void);

    struct task {
        uint32_t uid[4], gid[4];
        uint32_t groups[256];
        int ngroups;
        uint64_t cap_eff, cap_prm;
        uint32_t umask;
        long host_tgid;
        long box_tgid, box_tid;
    };
    int rsc_task_of(int tid, struct task *t);
    void rsc_task_forget(int tid);
    void rsc_task_exec_allowed(int tid);
    enum rsc_ptrace_result { RSC_PT_STATUS = 1, RSC_PT_WAKE = 2, RSC_PT_LOOK = 3,
                             RSC_PT_DRAIN = 4 };
    struct rsc_ptrace_fast {
        int sigchld_fd;
        int tid;
        int status;
        struct rsc_gofer_link gofer;
        uint8_t kind[512];
        char utsname[390];
        struct rsc_tally answered;
        int seen_count;
        int seen[512][2];
        uint64_t own_call_mark;
        int couriers;
        char courier_names[256][6];
    };
    #define RSC_MAX_COURIERS ...
    #define RSC_COURIER_NAME ...
    int rsc_ptrace_serve(struct rsc_ptrace_fast *f, const int *watch, int nwatch,
                         int timeout_ms);
    int rsc_ptrace_fast_start(void);
    int rsc_ptrace_resume(int tid, bool to_syscall_stop, int sig);

    int rsc_gofer_become(uint32_t fsuid, uint32_t fsgid, const uint32_t *groups, int ngroups,
                         uint64_t caps);
    int rsc_gofer_serve(int sock, int root_fd, char *buf, size_t size, int *fd_out);
    void rsc_siphash128(const uint64_t key[2], const void *data, size_t len, uint64_t out[2]);
    """
)
ffibuilder.set_source(
    "sentry._native",
    '#include <seccomp.h>\n#include <linux/openat2.h>\n#include "native.h"\n'
    '#include "fastpath.h"\n#include "ptrace_fast.h"\n#include "task_cache.h"\n'
    '#include "gofer_fast.h"\n#include "siphash.h"\n',
    # relative paths: setuptools refuses absolute ones
    sources=["csrc/native.c", "csrc/task_cache.c", "csrc/answers.c", "csrc/fastpath.c",
             "csrc/ptrace_fast.c", "csrc/tally.c", "csrc/placement.c", "csrc/gofer_fast.c",
             "csrc/watcher.c", "csrc/siphash.c"],
    include_dirs=["csrc"],
    libraries=["seccomp"],
    extra_compile_args=["-O2", "-Wall"],
)

if __name__ == "__main__":
    ffibuilder.compile(verbose=False)
