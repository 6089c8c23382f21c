"""``cmsgpack`` as servers ship it (lua-cmsgpack 0.4): the smallest encoding for each
integer, a 32-bit float when it holds the value exactly, arrays for tables keyed 1..n
(the empty table included), maps otherwise, and nesting beyond 16 levels packed as nil.
"""

from __future__ import annotations

import math
import struct
from typing import Any

import lupa.lua51 as lupa

from redipy.memory.lua.wrap import LuaLib, LuaLibError, checknumber

MAX_NESTING = 16


def _int(n: int) -> bytes:
    if n >= 0:
        if n < 128:
            return bytes([n])
        if n <= 0xFF:
            return b"\xcc" + bytes([n])
        if n <= 0xFFFF:
            return b"\xcd" + struct.pack(">H", n)
        if n <= 0xFFFFFFFF:
            return b"\xce" + struct.pack(">I", n)
        return b"\xcf" + struct.pack(">Q", n & 0xFFFFFFFFFFFFFFFF)
    if n >= -32:
        return struct.pack(">b", n)
    if n >= -128:
        return b"\xd0" + struct.pack(">b", n)
    if n >= -32768:
        return b"\xd1" + struct.pack(">h", n)
    if n >= -2147483648:
        return b"\xd2" + struct.pack(">i", n)
    return b"\xd3" + struct.pack(">q", n)


def _number(x: float) -> bytes:
    if not math.isinf(x) and not math.isnan(x) and -2**63 <= x < 2**63 and x == int(x):
        return _int(int(x))
    if not math.isinf(x) and not math.isnan(x) and abs(x) > 3.4028234663852886e38:
        return b"\xcb" + struct.pack(">d", x)
    try:
        f = struct.unpack(">f", struct.pack(">f", x))[0]
    except OverflowError:
        f = None
    if f == x or (math.isnan(x) and f is not None):
        return b"\xca" + struct.pack(">f", x)
    return b"\xcb" + struct.pack(">d", x)


def _str(s: str) -> bytes:
    raw = s.encode("latin-1")
    n = len(raw)
    if n < 32:
        head = bytes([0xA0 | n])
    elif n <= 0xFF:
        head = b"\xd9" + bytes([n])
    elif n <= 0xFFFF:
        head = b"\xda" + struct.pack(">H", n)
    else:
        head = b"\xdb" + struct.pack(">I", n)
    return head + raw


def _encode(v: Any, level: int, out: list[bytes]) -> None:
    kind = type(v)
    if kind is str:
        out.append(_str(v))
    elif kind is int:
        out.append(_int(v) if -2**63 <= v < 2**64 else _number(float(v)))
    elif kind is float:
        out.append(_number(v))
    elif kind is bool:
        out.append(b"\xc3" if v else b"\xc2")
    elif lupa.lua_type(v) == "table" and level < MAX_NESTING:
        items = list(v.items())
        n = len(items)
        is_array = all(type(k) in (int, float) and k >= 1 and k == int(k) for k, _ in items) \
            and all(int(k) <= n for k, _ in items)
        if is_array:
            out.append(bytes([0x90 | n]) if n < 16 else
                       b"\xdc" + struct.pack(">H", n) if n <= 0xFFFF else
                       b"\xdd" + struct.pack(">I", n))
            by_index = {int(k): x for k, x in items}
            for i in range(1, n + 1):
                _encode(by_index.get(i), level + 1, out)
        else:
            out.append(bytes([0x80 | n]) if n < 16 else
                       b"\xde" + struct.pack(">H", n) if n <= 0xFFFF else
                       b"\xdf" + struct.pack(">I", n))
            for k, x in items:
                _encode(k, level + 1, out)
                _encode(x, level + 1, out)
    else:
        out.append(b"\xc0")


class _Reader:
    def __init__(self, lua: Any, data: bytes) -> None:
        self.lua = lua
        self.d = data
        self.i = 0

    def need(self, n: int) -> bytes:
        if self.i + n > len(self.d):
            raise LuaLibError("Missing bytes in input.")
        chunk = self.d[self.i:self.i + n]
        self.i += n
        return chunk

    def value(self) -> Any:
        c = self.need(1)[0]
        if c < 0x80:
            return c
        if c >= 0xE0:
            return c - 256
        if 0x80 <= c <= 0x8F:
            return self.map(c & 0x0F)
        if 0x90 <= c <= 0x9F:
            return self.array(c & 0x0F)
        if 0xA0 <= c <= 0xBF:
            return self.need(c & 0x1F).decode("latin-1")
        fixed = {0xcc: ">B", 0xcd: ">H", 0xce: ">I", 0xcf: ">Q", 0xd0: ">b", 0xd1: ">h",
                 0xd2: ">i", 0xd3: ">q", 0xca: ">f", 0xcb: ">d"}
        if c in fixed:
            fmt = fixed[c]
            value = struct.unpack(fmt, self.need(struct.calcsize(fmt)))[0]
            if isinstance(value, float):
                if math.isfinite(value) and value == int(value) and abs(value) < 2**63:
                    return int(value)
                return value
            return value if value < 2**63 else float(value)
        if c == 0xc0:
            return None
        if c == 0xc2:
            return False
        if c == 0xc3:
            return True
        lens = {0xd9: ">B", 0xda: ">H", 0xdb: ">I", 0xc4: ">B", 0xc5: ">H", 0xc6: ">I"}
        if c in lens:
            fmt = lens[c]
            n = struct.unpack(fmt, self.need(struct.calcsize(fmt)))[0]
            return self.need(n).decode("latin-1")
        if c in (0xdc, 0xdd):
            fmt = ">H" if c == 0xdc else ">I"
            return self.array(struct.unpack(fmt, self.need(struct.calcsize(fmt)))[0])
        if c in (0xde, 0xdf):
            fmt = ">H" if c == 0xde else ">I"
            return self.map(struct.unpack(fmt, self.need(struct.calcsize(fmt)))[0])
        raise LuaLibError("Bad data format in input.")

    def array(self, n: int) -> Any:
        t = self.lua.table()
        for i in range(1, n + 1):
            t[i] = self.value()
        return t

    def map(self, n: int) -> Any:
        t = self.lua.table()
        for _ in range(n):
            k = self.value()
            v = self.value()
            if k is not None:
                t[k] = v
        return t


def build(lua: Any, where: Any) -> Any:
    lib = LuaLib(lua, "cmsgpack", where)

    @lib.fn
    def _pack(*args: Any) -> Any:
        if not args:
            raise LuaLibError("bad argument #0 to 'pack' (MessagePack pack needs input.)")
        out: list[bytes] = []
        for v in args:
            _encode(v, 0, out)
        return b"".join(out).decode("latin-1")

    def unpack(data: Any, limit: int, offset: int) -> tuple[Any, ...]:
        if type(data) is not str:
            raise LuaLibError("bad argument #1 to 'unpack' (string expected, got "
                              f"{lupa.lua_type(data) or 'nil'})")
        raw = data.encode("latin-1")
        if offset < 0 or offset > len(raw):
            raise LuaLibError("bad argument #2 to 'unpack' (Start offset "
                              f"{offset} greater than input length {len(raw)}.)")
        reader = _Reader(lua, raw)
        reader.i = offset
        values: list[Any] = []
        while reader.i < len(raw) and (limit <= 0 or len(values) < limit):
            values.append(reader.value())
        return reader.i, tuple(values)

    @lib.fn
    def _unpack(*args: Any) -> Any:
        _, values = unpack(args[0] if args else None, 0, 0)
        return values if values else None

    @lib.fn
    def _unpack_one(*args: Any) -> Any:
        offset = int(checknumber(args, 2, "unpack_one")) if len(args) > 1 else 0
        end, values = unpack(args[0] if args else None, 1, offset)
        return (-1 if end >= len(args[0].encode("latin-1")) else end, *values)

    @lib.fn
    def _unpack_limit(*args: Any) -> Any:
        limit = int(checknumber(args, 2, "unpack_limit"))
        offset = int(checknumber(args, 3, "unpack_limit")) if len(args) > 2 else 0
        end, values = unpack(args[0] if args else None, limit, offset)
        return (-1 if end >= len(args[0].encode("latin-1")) else end, *values)

    return lib.table(_NAME="lua-cmsgpack", _VERSION="lua-cmsgpack 0.4.0",
                     _COPYRIGHT="Copyright (C) 2012, Salvatore Sanfilippo",
                     _DESCRIPTION="MessagePack C implementation for Lua")
