#!/usr/bin/env bash
# Sets up a fresh Debian 12 machine to run runsc-py and its tests, then builds the example
# bundle (examples/hello/rootfs). Safe to run again: it only installs what is missing.
#
#   ./setup.sh && runsc-py run examples/hello
#
# PYTHON selects the interpreter to install into (default: python3).
set -euo pipefail
cd "$(dirname "$0")"

python=${PYTHON:-python3}
# chromium: the tests render the HTML coverage report headless (tests/test_coverage_report.py).
packages=(libseccomp-dev busybox-static gcc libc6-dev strace chromium)

sudo=()
if [ "$(id -u)" -ne 0 ]; then
    sudo=(sudo)
fi

installed() {
    dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'
}

# The system python on a fresh Debian needs pip, and Python.h to build the C fast path.
if ! "$python" -m pip --version >/dev/null 2>&1; then
    packages+=(python3-pip)
fi
if ! "$python" -c 'import os, sys, sysconfig
sys.exit(not os.path.exists(os.path.join(sysconfig.get_paths()["include"], "Python.h")))'; then
    packages+=(python3-dev)
fi

missing=()
if command -v dpkg-query >/dev/null; then
    for package in "${packages[@]}"; do
        installed "$package" || missing+=("$package")
    done
else
    echo "setup.sh: not a Debian system; make sure these are installed: ${packages[*]}" >&2
fi
if [ ${#missing[@]} -gt 0 ]; then
    "${sudo[@]}" apt-get update
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive \
        apt-get install -y --no-install-recommends "${missing[@]}"
fi

# Debian's own python refuses pip installs outside a venv (PEP 668) unless told otherwise.
pip_flags=()
if "$python" -c 'import os, sys, sysconfig
sys.exit(not os.path.exists(os.path.join(sysconfig.get_paths()["stdlib"], "EXTERNALLY-MANAGED")))'
then
    pip_flags+=(--break-system-packages)
fi
# compat: the editable install is a plain path line in a .pth file. The default mode
# installs an import finder that site imports (with pathlib and importlib.util) at every
# Python start, which cost 11-20 ms of each runsc-py command.
"$python" -m pip install "${pip_flags[@]}" -e '.[test]' --config-settings editable_mode=compat
# Bytecode now: with PYTHONDONTWRITEBYTECODE set (as on these machines) every start of
# runsc-py would compile the sentry from source again (about 100 ms).
"$python" -m compileall -q sentry gofer syscall_tables runsc.py

examples/build-busybox-bundle.sh examples/hello
