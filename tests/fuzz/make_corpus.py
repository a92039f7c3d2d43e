#!/usr/bin/env python3
"""Writes the seed corpus for fuzz_ttrpc (corpus/ttrpc/*): ttrpc byte streams.

The files are committed; rerun this only to change them.
"""
import os
import struct

HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus", "ttrpc")


def varint(n):
    out = bytearray()
    n &= (1 << 64) - 1
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def field(num, value):
    if isinstance(value, int):
        return varint(num << 3) + varint(value)
    return varint(num << 3 | 2) + varint(len(value)) + value


def request(service, method, payload=b"", timeout=0, metadata=()):
    body = field(1, service) + field(2, method) + field(3, payload)
    if timeout:
        body += field(4, timeout)
    for k, v in metadata:
        body += field(5, field(1, k) + field(2, v))
    return body


def frame(sid, body, typ=1, flags=0, length=None):
    return struct.pack(">IIBB", len(body) if length is None else length, sid, typ, flags) + body


SEEDS = {
    "create_vm": frame(1, request(b"fccontrol.Firecracker", b"CreateVM", b"\x0a\x03vm1",
                                  1_000_000_000, [(b"containerd-namespace-ttrpc", b"default")])),
    "two_frames": frame(1, request(b"Test", b"Echo", b"a")) + frame(3, request(b"Test", b"Echo")),
    "empty_body": frame(5, b""),
    "even_stream": frame(2, request(b"S", b"M")),
    "response_type": frame(1, field(1, field(1, 5) + field(2, b"x")) + field(2, b"p"), typ=2),
    "oversized_then_valid": frame(7, b"", length=(4 << 20) + 1) + b"\0" * 64
    + frame(9, request(b"S", b"M")),
    "truncated": frame(1, request(b"Firecracker", b"GetVMInfo"))[:13],
}

os.makedirs(HERE, exist_ok=True)
for name, data in SEEDS.items():
    with open(os.path.join(HERE, name), "wb") as f:
        f.write(data)
