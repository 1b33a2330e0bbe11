"""A classic-BPF evaluator for seccomp filters.

It runs an exported filter on a `seccomp_data` value, so tests and the coverage report
can prove that what the kernel will enforce is exactly what the syscall table says.
"""

from __future__ import annotations

import struct
from typing import NamedTuple

SECCOMP_RET_ACTION_FULL = 0xFFFF0000
SECCOMP_RET_DATA = 0x0000FFFF
SECCOMP_RET_KILL_PROCESS = 0x80000000
SECCOMP_RET_KILL_THREAD = 0x00000000
SECCOMP_RET_TRAP = 0x00030000
SECCOMP_RET_ERRNO = 0x00050000
SECCOMP_RET_USER_NOTIF = 0x7FC00000
SECCOMP_RET_TRACE = 0x7FF00000
SECCOMP_RET_LOG = 0x7FFC0000
SECCOMP_RET_ALLOW = 0x7FFF0000

_MASK32 = 0xFFFF_FFFF


class Instruction(NamedTuple):
    code: int
    jt: int
    jf: int
    k: int


def decode(program: bytes) -> list[Instruction]:
    if len(program) % 8:
        raise ValueError("a BPF program is a whole number of 8-byte instructions")
    return [Instruction(*struct.unpack_from("<HBBI", program, off))
            for off in range(0, len(program), 8)]


def seccomp_data(nr: int, arch: int, args: tuple[int, ...] = (0,) * 6,
                 instruction_pointer: int = 0) -> bytes:
    padded = (tuple(args) + (0,) * 6)[:6]
    return struct.pack("<iIQ6Q", nr, arch, instruction_pointer,
                       *(a & 0xFFFF_FFFF_FFFF_FFFF for a in padded))


def run(program: list[Instruction], data: bytes) -> int:
    """Return the filter's 32-bit verdict for `data`, as the kernel would compute it."""
    acc = index = 0
    scratch = [0] * 16
    pc = 0
    while pc < len(program):
        ins = program[pc]
        pc += 1
        cls = ins.code & 0x07
        if cls == 0x00:  # LD
            acc = _load(ins, data, scratch, index)
        elif cls == 0x01:  # LDX
            index = _load(ins, data, scratch, index)
        elif cls == 0x02:  # ST
            scratch[ins.k] = acc
        elif cls == 0x03:  # STX
            scratch[ins.k] = index
        elif cls == 0x04:  # ALU
            operand = index if ins.code & 0x08 else ins.k
            acc = _alu(ins.code & 0xF0, acc, operand) & _MASK32
        elif cls == 0x05:  # JMP
            op = ins.code & 0xF0
            if op == 0x00:  # JA
                pc += ins.k
                continue
            operand = index if ins.code & 0x08 else ins.k
            taken = {0x10: acc == operand, 0x20: acc > operand, 0x30: acc >= operand,
                     0x40: bool(acc & operand)}[op]
            pc += ins.jt if taken else ins.jf
        elif cls == 0x06:  # RET
            return (acc if ins.code & 0x18 == 0x10 else ins.k) & _MASK32
        else:  # MISC: TAX / TXA
            if ins.code & 0xF8 == 0x00:
                index = acc
            else:
                acc = index
    raise ValueError("BPF program ran off its end")


def _load(ins: Instruction, data: bytes, scratch: list[int], index: int) -> int:
    mode = ins.code & 0xE0
    if mode == 0x00:  # IMM
        return ins.k
    if mode == 0x60:  # MEM
        return scratch[ins.k]
    if mode == 0x80:  # LEN
        return len(data)
    offset = ins.k + (index if mode == 0x40 else 0)
    if ins.code & 0x18 != 0x00 or offset % 4:
        raise ValueError("seccomp filters load aligned 32-bit words only")
    return int(struct.unpack_from("<I", data, offset)[0])


def _alu(op: int, acc: int, operand: int) -> int:
    match op:
        case 0x00:
            return acc + operand
        case 0x10:
            return acc - operand
        case 0x20:
            return acc * operand
        case 0x30:
            return acc // operand
        case 0x40:
            return acc | operand
        case 0x50:
            return acc & operand
        case 0x60:
            return acc << operand
        case 0x70:
            return acc >> operand
        case 0x80:
            return -acc
        case 0x90:
            return acc % operand
        case 0xA0:
            return acc ^ operand
    raise ValueError(f"unknown BPF ALU op {op:#x}")


def describe(verdict: int) -> str:
    """A short name for a verdict: allow, notify, trace, errno(N), kill_process, ..."""
    action = verdict & SECCOMP_RET_ACTION_FULL
    data = verdict & SECCOMP_RET_DATA
    names = {SECCOMP_RET_ALLOW: "allow", SECCOMP_RET_USER_NOTIF: "notify",
             SECCOMP_RET_KILL_PROCESS: "kill_process", SECCOMP_RET_KILL_THREAD: "kill_thread",
             SECCOMP_RET_TRAP: "trap", SECCOMP_RET_LOG: "log"}
    if action == SECCOMP_RET_ERRNO:
        return f"errno({data})"
    if action == SECCOMP_RET_TRACE:
        return f"trace({data})"
    return names.get(action, f"unknown({verdict:#x})")
