"""The aarch64 policy: the x86_64 policy by name, so one call gets one answer everywhere.

Names only arm64 has would need their own entries in ONLY_AARCH64. In the 6.12 tables
there are none (every arm64 64-bit name also exists on x86_64); a test checks that
every aarch64 number gets an entry.
"""

from __future__ import annotations

from .numbers_aarch64 import SYSCALLS
from .policy import Policy
from .policy_x86_64 import POLICY as X86_64_POLICY

ONLY_AARCH64: dict[str, Policy] = {}

POLICY: dict[str, Policy] = {
    **{name: X86_64_POLICY[name] for _, name in SYSCALLS if name in X86_64_POLICY},
    **ONLY_AARCH64,
}
