"""FUNCTION DUMP / RESTORE payloads, in the servers' RDB form.

A payload is, per library, the ``RDB_OPCODE_FUNCTION2`` byte (245) and the library code
as an RDB string, then the RDB version (2 bytes, little endian) and the CRC-64 (Jones
polynomial, as Redis's ``crc64``) of everything before it. redipy writes Valkey 9.1's
RDB version (80) and stores the code uncompressed (servers LZF-compress long strings, so
their bytes differ, but each side restores the other's payload); it reads LZF-compressed
strings and any version up to 80.
"""

from __future__ import annotations

import struct

from redipy.errors import ResponseError

RDB_VERSION = 80
OPCODE_FUNCTION2 = 245
BAD_PAYLOAD = "ERR DUMP payload version or checksum are wrong"

_POLY = 0x95AC9329AC4BC9B5  # Jones polynomial, reflected


def _table() -> list[int]:
    out = []
    for i in range(256):
        crc = i
        for _ in range(8):
            crc = (crc >> 1) ^ _POLY if crc & 1 else crc >> 1
        out.append(crc)
    return out


_TABLE = _table()


def crc64(data: bytes, crc: int = 0) -> int:
    table = _TABLE
    for byte in data:
        crc = table[(crc ^ byte) & 0xFF] ^ (crc >> 8)
    return crc


def _length(n: int) -> bytes:
    if n < 64:
        return bytes([n])
    if n < 16384:
        return bytes([0x40 | (n >> 8), n & 0xFF])
    if n <= 0xFFFFFFFF:
        return b"\x80" + struct.pack(">I", n)
    return b"\x81" + struct.pack(">Q", n)


def dump(codes: list[bytes]) -> bytes:
    body = b"".join(bytes([OPCODE_FUNCTION2]) + _length(len(c)) + c for c in codes)
    body += struct.pack("<H", RDB_VERSION)
    return body + struct.pack("<Q", crc64(body))


class _Reader:
    def __init__(self, data: bytes) -> None:
        self.d = data
        self.i = 0

    def take(self, n: int) -> bytes:
        if self.i + n > len(self.d):
            raise ResponseError("ERR payload contains unexpected data")
        out = self.d[self.i:self.i + n]
        self.i += n
        return out

    def length(self) -> tuple[int, bool]:
        first = self.take(1)[0]
        kind = first >> 6
        if kind == 0:
            return first & 0x3F, False
        if kind == 1:
            return ((first & 0x3F) << 8) | self.take(1)[0], False
        if first == 0x80:
            return struct.unpack(">I", self.take(4))[0], False
        if first == 0x81:
            return struct.unpack(">Q", self.take(8))[0], False
        return first & 0x3F, True

    def string(self) -> bytes:
        n, encoded = self.length()
        if not encoded:
            return self.take(n)
        if n in (0, 1, 2):
            size = (1, 2, 4)[n]
            value = int.from_bytes(self.take(size), "little", signed=True)
            return str(value).encode()
        if n == 3:
            clen, _ = self.length()
            ulen, _ = self.length()
            return lzf_decompress(self.take(clen), ulen)
        raise ResponseError("ERR payload contains unexpected data")


def lzf_decompress(data: bytes, size: int) -> bytes:
    out = bytearray()
    i = 0
    while i < len(data):
        ctrl = data[i]
        i += 1
        if ctrl < 32:
            out += data[i:i + ctrl + 1]
            i += ctrl + 1
            continue
        length = ctrl >> 5
        if length == 7:
            length += data[i]
            i += 1
        ref = len(out) - ((ctrl & 0x1F) << 8) - data[i] - 1
        i += 1
        for _ in range(length + 2):
            out.append(out[ref])
            ref += 1
    if len(out) != size:
        raise ResponseError("ERR payload contains unexpected data")
    return bytes(out)


def restore(payload: bytes) -> list[bytes]:
    """The library codes in a payload (checks version and checksum first)."""
    if len(payload) < 10:
        raise ResponseError(BAD_PAYLOAD)
    version = struct.unpack("<H", payload[-10:-8])[0]
    crc = struct.unpack("<Q", payload[-8:])[0]
    if version > RDB_VERSION or (crc != 0 and crc64(payload[:-8]) != crc):
        raise ResponseError(BAD_PAYLOAD)
    reader = _Reader(payload[:-10])
    codes: list[bytes] = []
    while reader.i < len(reader.d):
        op = reader.take(1)[0]
        if op != OPCODE_FUNCTION2:
            raise ResponseError("ERR given type is not a function")
        codes.append(reader.string())
    return codes
