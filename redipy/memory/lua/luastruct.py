"""``struct`` (Roberto Ierusalimschy's library, as servers embed it): ``pack``,
``unpack`` and ``size`` with its format letters, sizes (``l``/``L``/``T`` are 8 bytes on
the 64-bit servers), alignment (``!``), endianness and messages.
"""

from __future__ import annotations

import struct as pystruct
from typing import Any

from redipy.memory.lua.wrap import LuaLib, LuaLibError, checknumber, checkstring

MAXINTSIZE = 32
MAXALIGN = 8
_SIZES = {"b": 1, "B": 1, "h": 2, "H": 2, "l": 8, "L": 8, "T": 8, "f": 4, "d": 8,
          "x": 1, "s": 0, "c": 1, "i": 4, "I": 4}


class _Format:
    def __init__(self, fmt: str, fname: str) -> None:
        self.fmt = fmt
        self.pos = 0
        self.little = True
        self.align = 1
        self.fname = fname

    def number(self, default: int) -> int:
        fmt = self.fmt
        if self.pos >= len(fmt) or not fmt[self.pos].isdigit():
            return default
        start = self.pos
        while self.pos < len(fmt) and fmt[self.pos].isdigit():
            self.pos += 1
        return int(fmt[start:self.pos])

    def options(self) -> Any:
        """Yields (letter, size) for each data option, handling the control ones."""
        fmt = self.fmt
        while self.pos < len(fmt):
            c = fmt[self.pos]
            self.pos += 1
            if c in " ":
                continue
            if c == ">":
                self.little = False
                continue
            if c in "<=":
                self.little = True
                continue
            if c == "!":
                a = self.number(MAXALIGN)
                if a & (a - 1):
                    raise LuaLibError(f"bad argument #1 to '{self.fname}' (alignment {a} "
                                      "is not a power of 2)")
                self.align = a
                continue
            if c in "iI":
                size = self.number(4)
                if size > MAXINTSIZE:
                    raise LuaLibError(f"integral size {size} is larger than limit of "
                                      f"{MAXINTSIZE}")
                yield c, size
                continue
            if c == "c":
                yield c, self.number(1)
                continue
            if c in _SIZES:
                yield c, _SIZES[c]
                continue
            raise LuaLibError(f"bad argument #1 to '{self.fname}' (invalid format option "
                              f"'{c}')")

    def padding(self, total: int, c: str, size: int) -> int:
        if c in "csx" or size <= 1:
            return 0
        align = min(size, self.align)
        if align & (align - 1):
            raise LuaLibError(f"bad argument #1 to '{self.fname}' (alignment {align} is "
                              "not a power of 2)")
        return (align - (total & (align - 1))) & (align - 1)


def _int_bytes(value: float, size: int, little: bool) -> bytes:
    n = int(value) & ((1 << (8 * min(size, 8))) - 1)
    if value < 0 and size > 8:
        n = int(value) & ((1 << (8 * size)) - 1)
    raw = n.to_bytes(size, "little")
    return raw if little else raw[::-1]


def build(lua: Any, where: Any) -> Any:
    lib = LuaLib(lua, "struct", where)

    @lib.fn
    def _pack(*args: Any) -> Any:
        fmt = _Format(checkstring(args, 1, "pack"), "pack")
        out = bytearray()
        arg = 2
        for c, size in fmt.options():
            out += b"\0" * fmt.padding(len(out), c, size)
            little = fmt.little
            if c in "bBhHlLTiI":
                value = checknumber(args, arg, "pack", "nil")
                arg += 1
                out += _int_bytes(value, size, little)
            elif c == "x":
                out += b"\0"
            elif c in "fd":
                value = checknumber(args, arg, "pack", "nil")
                arg += 1
                code = ("<" if little else ">") + c
                out += pystruct.pack(code, float(value))
            elif c in "cs":
                text = checkstring(args, arg, "pack").encode("latin-1")
                arg += 1
                if c == "c":
                    if size == 0:
                        size = len(text)
                    if len(text) < size:
                        raise LuaLibError(f"bad argument #{arg - 1} to 'pack' (string too "
                                          "short)")
                    out += text[:size]
                else:
                    out += text + b"\0"
        return out.decode("latin-1")

    @lib.fn
    def _unpack(*args: Any) -> Any:
        fmt = _Format(checkstring(args, 1, "unpack"), "unpack")
        data = checkstring(args, 2, "unpack").encode("latin-1")
        pos = int(checknumber(args, 3, "unpack")) - 1 if len(args) > 2 else 0
        if pos < 0:
            raise LuaLibError("bad argument #3 to 'unpack' (offset must be 1 or greater)")
        values: list[Any] = []
        for c, size in fmt.options():
            pos += fmt.padding(pos, c, size)
            if c == "s":
                end = data.find(b"\0", pos)
                if end < 0:
                    raise LuaLibError("bad argument #2 to 'unpack' (unfinished string in "
                                      "data)")
                values.append(data[pos:end].decode("latin-1"))
                pos = end + 1
                continue
            if c == "c" and size == 0:
                if not values or type(values[-1]) not in (int, float):
                    raise LuaLibError("format 'c0' needs a previous size")
                size = int(values.pop())
            if pos + size > len(data):
                raise LuaLibError("bad argument #2 to 'unpack' (data string too short)")
            chunk = data[pos:pos + size]
            if c in "bBhHlLTiI":
                raw = chunk if fmt.little else chunk[::-1]
                n = int.from_bytes(raw, "little")
                if c in "bhli" and size and n >= 1 << (8 * size - 1):
                    n -= 1 << (8 * size)
                values.append(n if -2**63 <= n < 2**63 else float(n))
            elif c in "fd":
                code = ("<" if fmt.little else ">") + c
                x = pystruct.unpack(code, chunk)[0]
                values.append(int(x) if x == x and abs(x) < 2**63 and x == int(x) else x)
            elif c == "c":
                values.append(chunk.decode("latin-1"))
            pos += size
        return (*values, pos + 1)

    @lib.fn
    def _size(*args: Any) -> Any:
        fmt = _Format(checkstring(args, 1, "size"), "size")
        total = 0
        for c, size in fmt.options():
            if c == "s" or (c == "c" and size == 0):
                raise LuaLibError("bad argument #1 to 'size' (options 'c0' - 's' have "
                                  "undefined sizes)")
            total += fmt.padding(total, c, size) + size
        return total

    return lib.table()
