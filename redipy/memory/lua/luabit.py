"""``bit`` (LuaBitOp 1.0): 32-bit operations on Lua numbers, results signed.

A number becomes 32 bits as LuaBitOp's ``tobit`` does: rounded to the nearest integer
(ties to even, the 2^52 + 2^51 trick) and reduced modulo 2^32.
"""

from __future__ import annotations

from typing import Any

from redipy.memory.lua.wrap import LuaLib, checknumber


def tobit(x: float) -> int:
    v = round(x) & 0xFFFFFFFF
    return v - (1 << 32) if v & 0x80000000 else v


def _u(x: float) -> int:
    return round(x) & 0xFFFFFFFF


def _s(v: int) -> int:
    v &= 0xFFFFFFFF
    return v - (1 << 32) if v & 0x80000000 else v


def build(lua: Any, where: Any) -> Any:
    lib = LuaLib(lua, "bit", where)

    @lib.fn
    def _tobit(*a: Any) -> Any:
        return tobit(checknumber(a, 1, "tobit"))

    @lib.fn
    def _bnot(*a: Any) -> Any:
        return _s(~_u(checknumber(a, 1, "bnot")))

    def fold(name: str, op: Any) -> None:
        def f(*a: Any) -> Any:
            acc = _u(checknumber(a, 1, name))
            for i in range(2, len(a) + 1):
                acc = op(acc, _u(checknumber(a, i, name)))
            return _s(acc)
        lib.add(name, f)

    fold("band", lambda x, y: x & y)
    fold("bor", lambda x, y: x | y)
    fold("bxor", lambda x, y: x ^ y)

    def shift(name: str, op: Any) -> None:
        def f(*a: Any) -> Any:
            x = _u(checknumber(a, 1, name))
            n = _u(checknumber(a, 2, name)) & 31
            return _s(op(x, n))
        lib.add(name, f)

    shift("lshift", lambda x, n: x << n)
    shift("rshift", lambda x, n: x >> n)
    shift("arshift", lambda x, n: _s(x) >> n)
    shift("rol", lambda x, n: (x << n) | (x >> (32 - n)) if n else x)
    shift("ror", lambda x, n: (x >> n) | (x << (32 - n)) if n else x)

    @lib.fn
    def _bswap(*a: Any) -> Any:
        x = _u(checknumber(a, 1, "bswap"))
        return _s(int.from_bytes(x.to_bytes(4, "little"), "big"))

    @lib.fn
    def _tohex(*a: Any) -> Any:
        x = _u(checknumber(a, 1, "tohex"))
        n = 8 if len(a) < 2 or a[1] is None else tobit(checknumber(a, 2, "tohex"))
        upper = n < 0
        n = min(abs(n), 8)
        text = f"{x:08x}"[8 - n:] if n else ""
        return text.upper() if upper else text

    return lib.table()
