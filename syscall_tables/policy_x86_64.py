"""The x86_64 policy: one entry per syscall name of the 64-bit ABI (numbers_x86_64.py).

Hand-written, one line per call, grouped by domain. Stage without the gofer: path calls
pass through, confined by the box's mount namespace. Every emulate/deny note says why.
Nothing is KILL here: every call only hostile programs want is refused in BPF before it
reaches the kernel, which is as safe as killing and keeps probing programs alive; the
filter builder kills foreign architectures and x32 numbers itself. "In C" (fast_path)
holds on both platforms (csrc/answers.c) except for the first open of each process on
ptrace, which makes its fd courier in Python; the notes say where a call behaves
differently on ptrace.
"""

from __future__ import annotations

import errno
import socket

from .model import Support
from .policy import Policy, allow_values, deny, emulate, forbid_flags, gofer, passthrough

# include/uapi/linux/sched.h. CLONE_NEWTIME (0x80) is absent on purpose: clone(2) keeps
# its exit signal in that byte and the kernel strips it, so only clone3/unshare reach it.
CLONE_NEWNS = 0x0002_0000
CLONE_UNTRACED = 0x0080_0000
CLONE_NEWCGROUP = 0x0200_0000
CLONE_NEWUTS = 0x0400_0000
CLONE_NEWIPC = 0x0800_0000
CLONE_NEWUSER = 0x1000_0000
CLONE_NEWPID = 0x2000_0000
CLONE_NEWNET = 0x4000_0000
CLONE_FORBIDDEN = (
    CLONE_NEWNS
    | CLONE_NEWCGROUP
    | CLONE_NEWUTS
    | CLONE_NEWIPC
    | CLONE_NEWUSER
    | CLONE_NEWPID
    | CLONE_NEWNET
    | CLONE_UNTRACED
)

# include/uapi/linux/seccomp.h
SECCOMP_FILTER_FLAG_NEW_LISTENER = 1 << 3

SOCKET_FAMILIES = tuple(
    int(family) for family in (socket.AF_UNIX, socket.AF_INET, socket.AF_INET6, socket.AF_NETLINK)
)

CLONE_RULES = forbid_flags(0, CLONE_FORBIDDEN, errno.EPERM)
SOCKET_RULES = allow_values(0, SOCKET_FAMILIES, errno.EAFNOSUPPORT)
SECCOMP_RULES = forbid_flags(1, SECCOMP_FILTER_FLAG_NEW_LISTENER, errno.EPERM)

PATH = passthrough(
    "path call not yet routed through the gofer: confined by the box's mount namespace",
    support=Support.PARTIAL,
)
GOFER_OPEN = gofer(
    "opened by the gofer in the box root (openat2 RESOLVE_IN_ROOT), fd installed with ADDFD "
    "then answered, sentry side in C; /dev/stdin, /proc/self/fd/N reopen the caller's fd; "
    "O_PATH continues after the check; on ptrace the caller receives the fd itself (injected "
    "recvmsg on a courier socket it then holds at fd 1000, CLOEXEC), in C but for the first "
    "open of each process, which makes the courier in Python",
    support=Support.PARTIAL,
    fast_path=True,
)
GOFER_STAT = gofer(
    "resolved by the gofer; the kernel's struct is copied into the caller; fd forms "
    "(AT_EMPTY_PATH) stat a copy of the caller's fd",
)
GOFER_LOOKUP = gofer(
    "hot lookup, sentry side in C: resolved by the gofer under the caller's credentials, "
    "the kernel's answer copied into the caller and remembered (not under /proc, /sys, /dev "
    "or bind mounts; a stat or readlink of an inode opened for writing or removed never); "
    "after a few misses in one directory the gofer lists it and every entry is remembered "
    "at once; fd forms (fstat's AT_EMPTY_PATH) are continued in C, stat a copy of the "
    "caller's fd in Python",
    fast_path=True,
)
GOFER_ACCESS = gofer(
    "hot lookup, sentry side in C: checked by the gofer with the caller's real ids (or "
    "effective, AT_EACCESS), as the kernel does, and remembered as stat is; the fd form "
    "(AT_EMPTY_PATH) is continued in C",
    fast_path=True,
)
GOFER_CHANGE = gofer(
    "done by the gofer in the box root under the caller's fs ids, groups and capabilities"
)
GOFER_CHECK = gofer(
    "checked by the gofer, then run by the kernel in the box's mount namespace (seccomp cannot "
    "redirect it to an fd); a path swapped in between still names a file of the box; sentry "
    "side in C",
    fast_path=True,
)
FD = passthrough("fd call: acts only on descriptors the box already holds")
FD_ATTRIBUTES = emulate(
    "fd call the kernel runs as made (continued); intercepted only so the C fast path "
    "forgets the stat and access answers it remembers",
    fast_path=True,
)
PATH_ATTRIBUTES = emulate(
    "path call not yet routed through the gofer: continued, confined by the box's mount "
    "namespace; intercepted so the C fast path forgets the lookups it remembers",
    support=Support.PARTIAL,
    fast_path=True,
)
MEMORY = passthrough("own address space; bounded by RLIMIT_AS and the memory cgroup")
SIGNAL = passthrough("signals reach only processes inside the box's pid namespace")
SIGNAL_SEND = passthrough(
    "signals reach only processes inside the box's pid namespace; on ptrace each delivery "
    "passes the sentry, and a stopped task reads 't (tracing stop)' in /proc, not 'T'"
)
TIME = passthrough("reads clocks or sleeps; changes no host state")
SOCKET = passthrough("socket call: confined by the box's network namespace")
IPC = passthrough("System V / POSIX IPC: confined by the box's ipc namespace")
PROCESS = passthrough("process call: confined by the box's pid namespace and rlimits")
SCHED = passthrough("scheduling: raising priority needs CAP_SYS_NICE, which the box lacks")
IDENTITY_SET = emulate(
    "the kernel changes the task's own credentials as asked (continued); intercepted only so "
    "the C fast path forgets the credentials it cached for the task",
    fast_path=True,
)
IDENTITY_GET = emulate(
    "answered in C by the sentry from the task's real credentials: intercepted so the box "
    "identity is the sentry's to present (the uid map point)",
    fast_path=True,
)
OBSOLETE = deny(errno.ENOSYS, "obsolete or never implemented: the kernel itself answers ENOSYS")
NO_64BIT_ENTRY = deny(errno.ENOSYS, "no 64-bit entry point: the kernel itself answers ENOSYS")
IO_URING = deny(
    errno.ENOSYS,
    "io_uring runs calls outside the filter and is kernel attack surface; ENOSYS makes "
    "runtimes fall back",
)
MOUNT = deny(errno.EPERM, "the box's mounts are fixed by the runtime; changing them escapes it")
MODULE = deny(errno.EPERM, "loads or removes host kernel code")
KEYS = deny(errno.EPERM, "kernel keyrings are not namespaced: keys would be shared with the host")
NAMESPACE = deny(errno.EPERM, "new or foreign namespaces would leave the box's confinement")
CROSS_PROCESS = deny(
    errno.EPERM, "reaches into another process's memory or fds; the box has no debugger rights"
)
HOST_TIME = deny(
    errno.EPERM, "sets the host clock (even read-only queries: modes is behind a pointer)"
)
HOST_ADMIN = deny(errno.EPERM, "host administration: would change state outside the box")
FS_HANDLE = deny(
    errno.EPERM, "file handles bypass path resolution and can open files outside the box"
)
FANOTIFY = deny(errno.EPERM, "fanotify watches whole filesystems, beyond the box's view")
HARDWARE = deny(errno.EPERM, "direct I/O port access to host hardware")

POLICY: dict[str, Policy] = {
    # --- files and descriptors ---
    "read": FD,
    "write": FD,
    "close": FD,
    "fstat": FD,
    "lseek": FD,
    "pread64": FD,
    "pwrite64": FD,
    "readv": FD,
    "writev": FD,
    "preadv": FD,
    "pwritev": FD,
    "preadv2": FD,
    "pwritev2": FD,
    "ioctl": passthrough(
        "fd call, no request rules: TIOCSTI needs CAP_SYS_ADMIN only if dev.tty.legacy_tiocsti"
        "=0 (this host: 1), so the box must not share the host's controlling tty"
    ),
    "pipe": FD,
    "pipe2": FD,
    "dup": FD,
    "dup2": FD,
    "dup3": FD,
    "fcntl": FD,
    "flock": FD,
    "fsync": FD,
    "fdatasync": FD,
    "syncfs": FD,
    "sync_file_range": FD,
    "sync": passthrough("flushes host filesystems: costs host I/O but changes no state"),
    "ftruncate": FD,
    "fallocate": FD,
    "getdents": FD,
    "getdents64": FD,
    "fchdir": FD,
    "fchmod": FD_ATTRIBUTES,
    "fchown": FD_ATTRIBUTES,
    "fstatfs": FD,
    "fsetxattr": FD_ATTRIBUTES,
    "fgetxattr": FD,
    "flistxattr": FD,
    "fremovexattr": FD_ATTRIBUTES,
    "readahead": FD,
    "fadvise64": FD,
    "sendfile": FD,
    "splice": FD,
    "tee": FD,
    "vmsplice": FD,
    "copy_file_range": FD,
    "cachestat": FD,
    "close_range": FD,
    "poll": FD,
    "ppoll": FD,
    "select": FD,
    "pselect6": FD,
    "epoll_create": FD,
    "epoll_create1": FD,
    "epoll_ctl": FD,
    "epoll_wait": FD,
    "epoll_pwait": FD,
    "epoll_pwait2": FD,
    "epoll_ctl_old": NO_64BIT_ENTRY,
    "epoll_wait_old": NO_64BIT_ENTRY,
    "eventfd": FD,
    "eventfd2": FD,
    "signalfd": FD,
    "signalfd4": FD,
    "timerfd_create": FD,
    "timerfd_settime": FD,
    "timerfd_gettime": FD,
    "inotify_init": FD,
    "inotify_init1": FD,
    "inotify_rm_watch": FD,
    "memfd_create": FD,
    "getcwd": passthrough("reports the cwd within the box's mount namespace"),
    "umask": emulate(
        "the kernel sets the task's own mask as asked (continued); intercepted only so the "
        "C fast path forgets the umask it cached for creating files",
        fast_path=True,
    ),
    # --- paths ---
    "open": GOFER_OPEN,
    "openat": GOFER_OPEN,
    "openat2": deny(
        errno.ENOSYS, "its resolve flags are not offered yet; callers fall back to openat"
    ),
    "creat": gofer(
        "opened by the gofer in the box root, fd injected with ADDFD+SEND (Python side); on "
        "ptrace received by the caller through its courier socket, as open"
    ),
    "stat": GOFER_LOOKUP,
    "lstat": GOFER_LOOKUP,
    "newfstatat": GOFER_LOOKUP,
    "statx": GOFER_LOOKUP,
    "access": GOFER_ACCESS,
    "faccessat": GOFER_ACCESS,
    "faccessat2": GOFER_ACCESS,
    "readlink": GOFER_LOOKUP,
    "readlinkat": GOFER_LOOKUP,
    "mkdir": GOFER_CHANGE,
    "mkdirat": GOFER_CHANGE,
    "mknod": gofer(
        "regular files, FIFOs and sockets by the gofer; device nodes refused (EPERM)",
        support=Support.PARTIAL,
    ),
    "mknodat": gofer(
        "regular files, FIFOs and sockets by the gofer; device nodes refused (EPERM)",
        support=Support.PARTIAL,
    ),
    "unlink": GOFER_CHANGE,
    "unlinkat": GOFER_CHANGE,
    "rmdir": GOFER_CHANGE,
    "rename": GOFER_CHANGE,
    "renameat": GOFER_CHANGE,
    "renameat2": GOFER_CHANGE,
    "link": GOFER_CHANGE,
    "linkat": gofer(
        "done by the gofer; linking an fd (AT_EMPTY_PATH) is refused with ENOENT",
        support=Support.PARTIAL,
    ),
    "symlink": GOFER_CHANGE,
    "symlinkat": GOFER_CHANGE,
    "chmod": GOFER_CHANGE,
    "fchmodat": GOFER_CHANGE,
    "fchmodat2": GOFER_CHANGE,
    "chown": GOFER_CHANGE,
    "lchown": GOFER_CHANGE,
    "fchownat": GOFER_CHANGE,
    "utime": GOFER_CHANGE,
    "utimes": GOFER_CHANGE,
    "futimesat": GOFER_CHANGE,
    "utimensat": gofer(
        "a path: done by the gofer in the box root under the caller's ids, groups and "
        "capabilities; the fd form (NULL path, futimens) is continued in C, the kernel "
        "checking the caller's own rights, after the C fast path forgets remembered lookups",
        fast_path=True,
    ),
    "truncate": GOFER_CHANGE,
    "statfs": GOFER_STAT,
    "chdir": GOFER_CHECK,
    "execve": GOFER_CHECK,
    "execveat": GOFER_CHECK,
    "setxattr": PATH_ATTRIBUTES,
    "lsetxattr": PATH_ATTRIBUTES,
    "getxattr": PATH,
    "lgetxattr": PATH,
    "listxattr": PATH,
    "llistxattr": PATH,
    "removexattr": PATH_ATTRIBUTES,
    "lremovexattr": PATH_ATTRIBUTES,
    "inotify_add_watch": PATH,
    "chroot": deny(errno.EPERM, "the box's root is fixed by the runtime; a chroot could hide it"),
    "name_to_handle_at": FS_HANDLE,
    "open_by_handle_at": FS_HANDLE,
    "fanotify_init": FANOTIFY,
    "fanotify_mark": FANOTIFY,
    "ustat": deny(errno.ENOSYS, "obsolete (statfs replaces it); it reports host block devices"),
    "sysfs": deny(errno.ENOSYS, "obsolete (/proc/filesystems replaces it); lists host filesystems"),
    # --- mounts ---
    "mount": MOUNT,
    "umount2": MOUNT,
    "pivot_root": MOUNT,
    "mount_setattr": MOUNT,
    "move_mount": MOUNT,
    "open_tree": MOUNT,
    "fsopen": MOUNT,
    "fsconfig": MOUNT,
    "fsmount": MOUNT,
    "fspick": MOUNT,
    "statmount": passthrough("reads mounts of the box's own mount namespace, as mountinfo does"),
    "listmount": passthrough("lists mounts of the box's own mount namespace, as mountinfo does"),
    "quotactl": HOST_ADMIN,
    "quotactl_fd": HOST_ADMIN,
    "swapon": HOST_ADMIN,
    "swapoff": HOST_ADMIN,
    # --- memory ---
    "mmap": MEMORY,
    "mprotect": MEMORY,
    "munmap": MEMORY,
    "brk": MEMORY,
    "mremap": MEMORY,
    "msync": MEMORY,
    "mincore": MEMORY,
    "madvise": MEMORY,
    "mlock": MEMORY,
    "mlock2": MEMORY,
    "munlock": MEMORY,
    "mlockall": MEMORY,
    "munlockall": MEMORY,
    "remap_file_pages": MEMORY,
    "pkey_mprotect": MEMORY,
    "pkey_alloc": MEMORY,
    "pkey_free": MEMORY,
    "map_shadow_stack": MEMORY,
    "mseal": MEMORY,
    "membarrier": MEMORY,
    "mbind": MEMORY,
    "set_mempolicy": MEMORY,
    "get_mempolicy": MEMORY,
    "set_mempolicy_home_node": MEMORY,
    "migrate_pages": PROCESS,
    "move_pages": PROCESS,
    "memfd_secret": deny(
        errno.ENOSYS, "secret memory is unreadable by the sentry, which must read call arguments"
    ),
    "userfaultfd": deny(
        errno.EPERM,
        "stalls kernel accesses at will, an exploit aid; unprivileged kernels say EPERM",
    ),
    "process_madvise": CROSS_PROCESS,
    "process_mrelease": passthrough("frees memory of a box process already killed by SIGKILL"),
    # --- processes ---
    "clone": passthrough(
        "allowed unless it asks for new namespaces or CLONE_UNTRACED (EPERM; on ptrace that "
        "refusal keeps every new task traced)",
        rules=CLONE_RULES,
        support=Support.PARTIAL,
    ),
    "clone3": deny(
        errno.ENOSYS,
        "seccomp cannot read its flags (they are behind a pointer); glibc falls back to clone",
    ),
    "fork": PROCESS,
    "vfork": PROCESS,
    "exit": PROCESS,
    "exit_group": PROCESS,
    "wait4": PROCESS,
    "waitid": PROCESS,
    "getpid": PROCESS,
    "getppid": PROCESS,
    "gettid": PROCESS,
    "getpgrp": PROCESS,
    "getpgid": PROCESS,
    "setpgid": PROCESS,
    "getsid": PROCESS,
    "setsid": PROCESS,
    "set_tid_address": PROCESS,
    "set_robust_list": PROCESS,
    "get_robust_list": PROCESS,
    "futex": PROCESS,
    "futex_waitv": PROCESS,
    "futex_wake": PROCESS,
    "futex_wait": PROCESS,
    "futex_requeue": PROCESS,
    "rseq": PROCESS,
    "restart_syscall": PROCESS,
    "arch_prctl": PROCESS,
    "prctl": PROCESS,
    "getrlimit": PROCESS,
    "setrlimit": PROCESS,
    "prlimit64": PROCESS,
    "getrusage": PROCESS,
    "times": PROCESS,
    "sysinfo": passthrough("memory totals and load are the host's, as under runc"),
    "getcpu": PROCESS,
    "getrandom": passthrough("reads the kernel's random pool; changes no host state"),
    "capget": PROCESS,
    "capset": emulate(
        "the kernel applies it (continued; it can only lower what the runtime left); "
        "intercepted so the C fast path forgets the capabilities it cached",
        fast_path=True,
    ),
    "pidfd_open": PROCESS,
    "pidfd_getfd": CROSS_PROCESS,
    "process_vm_readv": CROSS_PROCESS,
    "process_vm_writev": CROSS_PROCESS,
    "ptrace": CROSS_PROCESS,
    "kcmp": deny(errno.EPERM, "compares kernel objects of other processes; needs ptrace rights"),
    "seccomp": passthrough(
        "own filters stack and can only refuse more; a new listener fd is refused (EPERM) as it "
        "could steal and CONTINUE the sentry's notifications; on ptrace an own filter's "
        "RET_TRACE stops at the sentry, which answers ENOSYS as a missing tracer would",
        rules=SECCOMP_RULES,
        support=Support.PARTIAL,
    ),
    "landlock_create_ruleset": passthrough("landlock can only restrict the task further"),
    "landlock_add_rule": passthrough("landlock can only restrict the task further"),
    "landlock_restrict_self": passthrough("landlock can only restrict the task further"),
    "personality": emulate(
        "query (0xffffffff) and PER_LINUX only; other personalities change the ABI under the "
        "filter (EPERM)",
        support=Support.PARTIAL,
    ),
    "modify_ldt": deny(
        errno.ENOSYS,
        "LDT code has a CVE history and only 16-bit code needs it; kernels without "
        "CONFIG_MODIFY_LDT_SYSCALL say the same",
    ),
    "set_thread_area": NO_64BIT_ENTRY,
    "get_thread_area": NO_64BIT_ENTRY,
    "uretprobe": passthrough(
        "only the host's uretprobe trampoline calls it; refusing would crash probed programs"
    ),
    "unshare": NAMESPACE,
    "setns": NAMESPACE,
    # --- identity ---
    "getuid": IDENTITY_GET,
    "geteuid": IDENTITY_GET,
    "getgid": IDENTITY_GET,
    "getegid": IDENTITY_GET,
    "getresuid": IDENTITY_GET,
    "getresgid": IDENTITY_GET,
    "getgroups": IDENTITY_GET,
    "setuid": IDENTITY_SET,
    "setgid": IDENTITY_SET,
    "setreuid": IDENTITY_SET,
    "setregid": IDENTITY_SET,
    "setresuid": IDENTITY_SET,
    "setresgid": IDENTITY_SET,
    "setfsuid": IDENTITY_SET,
    "setfsgid": IDENTITY_SET,
    "setgroups": emulate(
        "the kernel sets the task's own groups as asked (continued), at most 256 of them "
        "(EINVAL beyond: every gofer request carries its caller's groups); intercepted so "
        "the C fast path forgets the credentials it cached for the task",
        support=Support.PARTIAL,
        fast_path=True,
    ),
    "uname": emulate(
        "answered in C: hostname from config.json, host details hidden (intercepted so the box "
        "presents its own identity)",
        fast_path=True,
    ),
    "sethostname": deny(errno.EPERM, "the box's hostname comes from config.json, as uname shows"),
    "setdomainname": deny(errno.EPERM, "the box's domain name is fixed by the runtime"),
    "lsm_get_self_attr": deny(
        errno.ENOSYS, "the host's LSM stack is a host detail; callers fall back to /proc/self/attr"
    ),
    "lsm_list_modules": deny(
        errno.ENOSYS, "the host's LSM stack is a host detail; callers fall back to /proc/self/attr"
    ),
    "lsm_set_self_attr": deny(errno.EPERM, "the box's security label is set by the runtime"),
    # --- signals ---
    "rt_sigaction": SIGNAL,
    "rt_sigprocmask": SIGNAL,
    "rt_sigreturn": SIGNAL,
    "rt_sigpending": SIGNAL,
    "rt_sigtimedwait": SIGNAL,
    "rt_sigqueueinfo": SIGNAL,
    "rt_tgsigqueueinfo": SIGNAL,
    "rt_sigsuspend": SIGNAL,
    "sigaltstack": SIGNAL,
    "pause": SIGNAL,
    "kill": SIGNAL_SEND,
    "tkill": SIGNAL_SEND,
    "tgkill": SIGNAL_SEND,
    "pidfd_send_signal": SIGNAL,
    # --- time ---
    "nanosleep": TIME,
    "clock_nanosleep": TIME,
    "clock_gettime": TIME,
    "clock_getres": TIME,
    "gettimeofday": TIME,
    "time": TIME,
    "alarm": TIME,
    "getitimer": TIME,
    "setitimer": TIME,
    "timer_create": TIME,
    "timer_settime": TIME,
    "timer_gettime": TIME,
    "timer_getoverrun": TIME,
    "timer_delete": TIME,
    "settimeofday": HOST_TIME,
    "clock_settime": HOST_TIME,
    "clock_adjtime": HOST_TIME,
    "adjtimex": HOST_TIME,
    # --- scheduling ---
    "sched_yield": SCHED,
    "sched_setparam": SCHED,
    "sched_getparam": SCHED,
    "sched_setscheduler": SCHED,
    "sched_getscheduler": SCHED,
    "sched_get_priority_max": SCHED,
    "sched_get_priority_min": SCHED,
    "sched_rr_get_interval": SCHED,
    "sched_setaffinity": passthrough("CPU affinity within the box's cpuset cgroup"),
    "sched_getaffinity": SCHED,
    "sched_setattr": SCHED,
    "sched_getattr": SCHED,
    "getpriority": SCHED,
    "setpriority": SCHED,
    "ioprio_set": SCHED,
    "ioprio_get": SCHED,
    # --- sockets ---
    "socket": passthrough(
        "AF_UNIX, AF_INET, AF_INET6 and AF_NETLINK only; other families are kernel attack "
        "surface (EAFNOSUPPORT)",
        rules=SOCKET_RULES,
        support=Support.PARTIAL,
    ),
    "socketpair": passthrough(
        "same families as socket (EAFNOSUPPORT otherwise)",
        rules=SOCKET_RULES,
        support=Support.PARTIAL,
    ),
    "connect": gofer(
        "unix socket paths connected by the gofer in the box root; other families run as made (no "
        "file named)"
    ),
    "accept": SOCKET,
    "accept4": SOCKET,
    "bind": gofer(
        "unix socket paths bound by the gofer in the box root; other families run as made (no file"
        " named)"
    ),
    "listen": SOCKET,
    "shutdown": SOCKET,
    "sendto": SOCKET,
    "recvfrom": SOCKET,
    "sendmsg": SOCKET,
    "recvmsg": SOCKET,
    "sendmmsg": SOCKET,
    "recvmmsg": SOCKET,
    "getsockname": SOCKET,
    "getpeername": SOCKET,
    "setsockopt": SOCKET,
    "getsockopt": SOCKET,
    # --- IPC ---
    "shmget": IPC,
    "shmat": IPC,
    "shmctl": IPC,
    "shmdt": IPC,
    "semget": IPC,
    "semop": IPC,
    "semctl": IPC,
    "semtimedop": IPC,
    "msgget": IPC,
    "msgsnd": IPC,
    "msgrcv": IPC,
    "msgctl": IPC,
    "mq_open": IPC,
    "mq_unlink": IPC,
    "mq_timedsend": IPC,
    "mq_timedreceive": IPC,
    "mq_notify": IPC,
    "mq_getsetattr": IPC,
    # --- asynchronous I/O ---
    "io_setup": passthrough("Linux AIO on the box's fds; contexts count against host aio-max-nr"),
    "io_destroy": FD,
    "io_submit": FD,
    "io_cancel": FD,
    "io_getevents": FD,
    "io_pgetevents": FD,
    "io_uring_setup": IO_URING,
    "io_uring_enter": IO_URING,
    "io_uring_register": IO_URING,
    # --- kernel and host administration ---
    "bpf": deny(errno.EPERM, "kernel attack surface; unprivileged_bpf_disabled hosts say EPERM"),
    "perf_event_open": deny(
        errno.EPERM, "host-wide profiling and kernel attack surface; paranoid hosts say EPERM"
    ),
    "kexec_load": deny(errno.EPERM, "would replace the host kernel"),
    "kexec_file_load": deny(errno.EPERM, "would replace the host kernel"),
    "init_module": MODULE,
    "finit_module": MODULE,
    "delete_module": MODULE,
    "keyctl": KEYS,
    "add_key": KEYS,
    "request_key": KEYS,
    "reboot": HOST_ADMIN,
    "acct": deny(errno.EPERM, "process accounting writes host-wide records"),
    "syslog": deny(errno.EPERM, "the kernel log is the host's; dmesg_restrict hosts say EPERM"),
    "vhangup": HOST_ADMIN,
    "iopl": HARDWARE,
    "ioperm": HARDWARE,
    "lookup_dcookie": OBSOLETE,
    "_sysctl": OBSOLETE,
    "uselib": OBSOLETE,
    "create_module": OBSOLETE,
    "get_kernel_syms": OBSOLETE,
    "query_module": OBSOLETE,
    "nfsservctl": OBSOLETE,
    "getpmsg": OBSOLETE,
    "putpmsg": OBSOLETE,
    "afs_syscall": OBSOLETE,
    "tuxcall": OBSOLETE,
    "security": OBSOLETE,
    "vserver": OBSOLETE,
}
