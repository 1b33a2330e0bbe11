#!/usr/bin/env bash
# Builds a busybox OCI bundle: DIR/rootfs from Debian's busybox-static, and a DIR/config.json
# running /bin/sh if DIR has none yet. Safe to run again on the same DIR.
#
#   examples/build-busybox-bundle.sh DIR
#   BUSYBOX=/path/to/static/busybox examples/build-busybox-bundle.sh DIR
set -euo pipefail

if [ $# -ne 1 ]; then
    echo "usage: $0 DIR" >&2
    exit 2
fi
bundle=$1
busybox=${BUSYBOX:-/bin/busybox}

if [ ! -x "$busybox" ]; then
    echo "$0: $busybox not found; install Debian's busybox-static" >&2
    exit 1
fi
if ldd "$busybox" >/dev/null 2>&1; then
    echo "$0: $busybox is dynamically linked; install Debian's busybox-static" >&2
    exit 1
fi

rootfs=$bundle/rootfs
mkdir -p "$rootfs"/{bin,usr/bin,proc,dev,sys,tmp,etc,root,mnt}
chmod 1777 "$rootfs/tmp"
chmod 700 "$rootfs/root"

cp "$busybox" "$rootfs/bin/busybox"
chmod 755 "$rootfs/bin/busybox"
for applet in $("$rootfs/bin/busybox" --list); do
    if [ "$applet" != busybox ]; then
        ln -sfn busybox "$rootfs/bin/$applet"
    fi
done

cat >"$rootfs/etc/passwd" <<'PASSWD'
root:x:0:0:root:/root:/bin/sh
nobody:x:65534:65534:nobody:/nonexistent:/bin/false
PASSWD
cat >"$rootfs/etc/group" <<'GROUP'
root:x:0:
nogroup:x:65534:
GROUP
echo busybox >"$rootfs/etc/hostname"

if [ ! -e "$bundle/config.json" ]; then
    cat >"$bundle/config.json" <<'CONFIG'
{
  "ociVersion": "1.0.2",
  "process": {
    "terminal": false,
    "user": {"uid": 0, "gid": 0},
    "args": ["/bin/sh"],
    "env": ["PATH=/bin:/usr/bin", "HOME=/root"],
    "cwd": "/",
    "noNewPrivileges": true
  },
  "root": {"path": "rootfs", "readonly": true},
  "hostname": "busybox",
  "mounts": [
    {"destination": "/proc", "type": "proc", "source": "proc"},
    {"destination": "/dev", "type": "tmpfs", "source": "tmpfs",
     "options": ["nosuid", "strictatime", "mode=755", "size=65536k"]},
    {"destination": "/tmp", "type": "tmpfs", "source": "tmpfs", "options": ["nosuid", "nodev"]}
  ],
  "linux": {
    "namespaces": [
      {"type": "pid"}, {"type": "mount"}, {"type": "ipc"}, {"type": "uts"}, {"type": "network"}
    ]
  }
}
CONFIG
fi
