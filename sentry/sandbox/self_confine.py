"""The sentry confines itself once the box is running (DESIGN rule 5): it is no longer
dumpable, and a seccomp filter refuses the calls it never makes after setup, so a
compromised sentry cannot mount, load modules or programs into the kernel, or leave its
namespaces. Installed after the last fork: no child inherits it."""

from __future__ import annotations

import errno

from sentry import native
from sentry.native import check, ffi, lib
from syscall_tables import load_table

PR_SET_DUMPABLE = 4

REFUSED_AFTER_SETUP = (
    "mount", "umount2", "pivot_root", "chroot", "unshare", "setns", "mount_setattr",
    "move_mount", "open_tree", "fsopen", "fsconfig", "fsmount", "fspick", "init_module",
    "finit_module", "delete_module", "kexec_load", "kexec_file_load", "bpf",
    "perf_event_open", "userfaultfd", "io_uring_setup", "io_uring_enter", "io_uring_register",
    "keyctl", "add_key", "request_key", "open_by_handle_at", "name_to_handle_at", "reboot",
    "swapon", "swapoff", "sethostname", "setdomainname", "settimeofday", "clock_settime",
    "clock_adjtime", "adjtimex", "iopl", "ioperm", "acct", "quotactl", "execve", "execveat",
    "clone3", "fork", "vfork",
)


def confine_sentry() -> None:
    native.prctl(PR_SET_DUMPABLE, 0)
    table = load_table("x86_64")
    ctx = lib.seccomp_init(lib.SCMP_ACT_ALLOW)
    try:
        # Keep the sentry's own no_new_privs state as it is; it never execs anyway.
        check(lib.seccomp_attr_set(ctx, lib.SCMP_FLTATR_CTL_NNP, 0), "seccomp_attr_set")
        for name in REFUSED_AFTER_SETUP:
            check(lib.seccomp_rule_add_exact_array(ctx, lib.rsc_act_errno(errno.EPERM),
                                                   table.by_name[name].number, 0, ffi.NULL),
                  name)
        check(lib.seccomp_load(ctx), "seccomp_load (sentry)")
    finally:
        lib.seccomp_release(ctx)
