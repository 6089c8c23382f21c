"""Numbers crossing between Lua and the server, formatted as Valkey formats them.

Lua 5.1 has one number type (a C double). A number passed to ``redis.call`` becomes
an integer's digits when it is integral and within ``LLONG_MAX / 2`` (Valkey's
``double2ll``), and the shortest round-trip text otherwise (``fpconv_dtoa``); a
``{double=n}`` reply is written as ``d2string`` writes it; a number returned from a
script is truncated to a 64-bit integer as C's cast does on x86 (out of range and
NaN give ``LLONG_MIN``). Redis 7.0 writes ``%.17g`` instead (``0.1`` becomes
``0.10000000000000001``); redipy follows Valkey.
"""

from __future__ import annotations

import math

LL_HALF = 4611686018427387904.0  # (double)(LLONG_MAX / 2): Valkey's double2ll bound
_INT64_MIN = -(1 << 63)


def _digits(x: float) -> tuple[str, int]:
    """Shortest decimal digits of positive ``x`` and ``K`` with ``x == digits * 10**K``."""
    text = repr(x)
    mantissa, _, exp = text.partition("e")
    whole, _, frac = mantissa.partition(".")
    if frac == "0":
        frac = ""
    digits = (whole + frac).lstrip("0")
    k = (int(exp) if exp else 0) - len(frac)
    stripped = digits.rstrip("0")
    k += len(digits) - len(stripped)
    return stripped, k


def fpconv(x: float) -> str:
    """``fpconv_dtoa``: the shortest text that reads back as ``x`` (grisu's layout)."""
    neg = math.copysign(1.0, x) < 0
    sign = "-" if neg else ""
    if math.isnan(x):
        return sign + "nan"
    if math.isinf(x):
        return sign + "inf"
    if x == 0:
        return sign + "0"
    digits, k = _digits(abs(x))
    nd = len(digits)
    exp = abs(k + nd - 1)
    if k >= 0 and exp < nd + 7:
        return sign + digits + "0" * k
    if k < 0 and (k > -7 or exp < 4):
        offset = nd + k
        if offset <= 0:
            return sign + "0." + "0" * (-offset) + digits
        return sign + digits[:offset] + "." + digits[offset:]
    nd = min(nd, 18 - neg)
    out = digits[0]
    if nd > 1:
        out += "." + digits[1:nd]
    esign = "-" if k + nd - 1 < 0 else "+"
    return f"{sign}{out}e{esign}{exp}"


def _double2ll(x: float) -> int | None:
    if -LL_HALF <= x <= LL_HALF and x == int(x):
        return int(x)
    return None


def arg_text(x: int | float) -> str:
    """A Lua number given to ``redis.call`` as the argument text Valkey sends."""
    if type(x) is int:
        if -LL_HALF <= x <= LL_HALF:
            return str(x)
        x = float(x)
    if math.isnan(x) or math.isinf(x):
        return fpconv(x)
    ll = _double2ll(x)
    return str(ll) if ll is not None else fpconv(x)


def double_text(x: float) -> str:
    """``d2string``: how a ``{double=n}`` reply (and RESP2's doubles) is written."""
    if math.isnan(x):
        return "nan"
    if math.isinf(x):
        return "-inf" if x < 0 else "inf"
    if x == 0:
        return "-0" if math.copysign(1.0, x) < 0 else "0"
    ll = _double2ll(x)
    return str(ll) if ll is not None else fpconv(x)


def to_integer(x: float) -> int:
    """``(long long)x`` as x86 computes it: truncation, ``LLONG_MIN`` when it cannot fit."""
    if math.isnan(x) or not (-9223372036854775808.0 <= x < 9223372036854775808.0):
        return _INT64_MIN
    return int(x)


def lua_tostring(x: int | float) -> str:
    """Lua 5.1's ``tostring`` of a number (``%.14g``)."""
    return f"{x:.14g}"
