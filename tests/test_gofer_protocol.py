"""The gofer protocol is versioned and bounded: anything out of bounds is refused."""

from __future__ import annotations

import struct

import pytest

from gofer.protocol import (
    MAX_PATH,
    Caller,
    Op,
    ProtocolError,
    Reply,
    Request,
    decode_reply,
    decode_request,
    encode_reply,
    encode_request,
)

CALLER = Caller(fsuid=1000, fsgid=1000, groups=(10, 20), cap_effective=0)


def test_a_request_round_trips():
    request = Request(Op.RENAME, CALLER, (b"/a", b"/b"), ints=(1, 2, 3, 4), blob=b"x")
    assert decode_request(encode_request(request)) == request


def test_a_reply_round_trips():
    reply = Reply(status=-2, payload=b"stat bytes")
    assert decode_reply(encode_reply(reply)) == reply


def test_a_path_longer_than_path_max_is_refused():
    with pytest.raises(ProtocolError):
        encode_request(Request(Op.OPEN, CALLER, (b"/" + b"a" * MAX_PATH,)))


def test_a_path_with_a_nul_is_refused():
    with pytest.raises(ProtocolError):
        encode_request(Request(Op.OPEN, CALLER, (b"/etc\0/passwd",)))


def test_another_version_is_refused():
    data = bytearray(encode_request(Request(Op.STAT, CALLER, (b"/",))))
    data[2] = 2
    with pytest.raises(ProtocolError):
        decode_request(bytes(data))


def test_a_length_field_past_the_datagram_is_refused():
    data = encode_request(Request(Op.STAT, CALLER, (b"/etc",)))
    path_length_at = data.index(b"/etc") - 2
    forged = data[:path_length_at] + struct.pack("<H", 4000) + data[path_length_at + 2:]
    with pytest.raises(ProtocolError):
        decode_request(forged)


def test_trailing_bytes_are_refused():
    data = encode_request(Request(Op.STAT, CALLER, (b"/etc",)))
    with pytest.raises(ProtocolError):
        decode_request(data + b"junk")


def test_an_unknown_op_is_refused():
    data = bytearray(encode_request(Request(Op.STAT, CALLER, (b"/",))))
    data[3] = 200
    with pytest.raises(ProtocolError):
        decode_request(bytes(data))


def test_a_positive_status_in_a_reply_is_refused():
    with pytest.raises(ProtocolError):
        decode_reply(encode_reply(Reply(status=0))[:3] + struct.pack("<iI", 5, 0))
