"""The sentry's memory of lookups keys its answers by SipHash-2-4-128 under a secret key
(csrc/siphash.h): the implementation gives the reference implementation's answers."""

from __future__ import annotations

import pytest

from sentry.native import ffi, lib

# veorq/SipHash vectors.h, vectors_sip128: key bytes 00..0f, message i = bytes 00..(i-1)
REFERENCE = {
    0: "a3817f04ba25a8e66df67214c7550293",
    1: "da87c1d86b99af44347659119b22fc45",
    2: "8177228da4a45dc7fca38bdef60affe4",
    3: "9c70b60c5267a94e5f33b6b02985ed51",
    4: "f88164c12d9c8faf7d0f6e7c7bcd5579",
    7: "a1f1ebbed8dbc153c0b84aa61ff08239",
    8: "3b62a9ba6258f5610f83e264f31497b4",
    15: "5493e99933b0a8117e08ec0f97cfc3d9",
}


def siphash128(key: bytes, message: bytes) -> bytes:
    words = ffi.new("uint64_t[2]", [int.from_bytes(key[:8], "little"),
                                    int.from_bytes(key[8:], "little")])
    out = ffi.new("uint64_t[2]")
    lib.rsc_siphash128(words, message, len(message), out)
    return out[0].to_bytes(8, "little") + out[1].to_bytes(8, "little")


@pytest.mark.parametrize("length", sorted(REFERENCE))
def test_gives_the_reference_vectors(length: int) -> None:
    assert siphash128(bytes(range(16)), bytes(range(length))).hex() == REFERENCE[length]


def test_another_key_gives_another_hash() -> None:
    message = b"/usr/include/stdio.h"
    assert siphash128(bytes(16), message) != siphash128(bytes(range(16)), message)
