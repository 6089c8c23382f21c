"""Run-time helpers of compiled Python scripts: Lua 5.1 semantics, in Python.

Numbers are always Python floats (Lua numbers are doubles), so arithmetic, overflow,
``-0`` and division behave as in Redis's Lua. Only ``None`` and ``False`` are falsy.
Strings convert to numbers by Lua's rules (``" 0x10 "`` is 16), numbers to strings
with ``%.14g``; results are JSON-encoded the way cjson does it.

Strings are byte strings, as everywhere inside the memory backend (one character per
byte), so ``string.len``, ``find`` and comparisons count and order bytes as Lua does.
JSON text is bytes too: cjson reads ``\\u00e9`` as the UTF-8 bytes of ``é`` and writes
bytes >= 0x80 as they are, and so do :func:`_loads` and :func:`cjson` here.
"""

from __future__ import annotations

import itertools
import json
import logging
import math
import re
from collections.abc import Callable, Sequence
from typing import Any

from redipy.errors import ResponseError
from redipy.memory.boundary import to_bytes, to_text
from redipy.memory.numbers import NOT_INT, parse_int
from redipy.reply import Status
from redipy.script.lua import arg_text

LOG = logging.getLogger("redipy.script")


class LuaError(Exception):
    """A run-time error of the script itself (what Lua would raise)."""


_TYPE_NAMES: dict[type, str] = {
    type(None): "nil", bool: "boolean", float: "number", int: "number", str: "string",
    list: "table", dict: "table",
}


def _tname(value: Any) -> str:
    return _TYPE_NAMES.get(type(value), "userdata")


# ---- numbers ------------------------------------------------------------------------

_DEC = re.compile(
    r"[ \t\n\v\f\r]*([+-]?(?:(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?"
    r"|inf(?:inity)?|nan))[ \t\n\v\f\r]*", re.IGNORECASE)
_HEX = re.compile(
    r"[ \t\n\v\f\r]*([+-]?)0[xX]((?:[0-9a-fA-F]+\.?[0-9a-fA-F]*|\.[0-9a-fA-F]+)"
    r"(?:[pP][+-]?[0-9]+)?)[ \t\n\v\f\r]*")


def str2num(text: str) -> float | None:
    """Lua 5.1's ``luaO_str2d`` (strtod, hex allowed, surrounding spaces allowed)."""
    if text.isascii() and "_" not in text:
        try:
            return float(text)  # the common case; Python's float() agrees with strtod here
        except ValueError:
            pass
    match = _DEC.fullmatch(text)
    if match is not None:
        return float(match.group(1))
    match = _HEX.fullmatch(text)
    if match is not None:
        body = match.group(2)
        if "p" not in body.lower():
            body += "p0"
        val = float.fromhex("0x" + body)
        return -val if match.group(1) == "-" else val
    return None


def _tonumber(value: Any) -> float | None:
    kind = type(value)
    if kind is float:
        return value  # type: ignore[no-any-return]
    if kind is str:
        return str2num(value)
    if kind is int:
        return float(value)
    return None


def _num(value: Any) -> float:
    """An arithmetic operand: numbers, and strings that read as numbers."""
    kind = type(value)
    if kind is float:
        return value  # type: ignore[no-any-return]
    if kind is str:
        num = str2num(value)
        if num is not None:
            return num
    elif kind is int:
        return float(value)
    raise LuaError(f"attempt to perform arithmetic on a {_tname(value)} value")


def _add(a: Any, b: Any) -> float:
    return _num(a) + _num(b)


def _sub(a: Any, b: Any) -> float:
    return _num(a) - _num(b)


def _mul(a: Any, b: Any) -> float:
    return _num(a) * _num(b)


_HW_NAN = math.inf - math.inf
"""The NaN the FPU makes for 0/0 or inf-inf (its sign bit is set on x86, so Lua
prints it ``-nan``); Python's ``math.nan`` is the other one, printed ``nan``."""


def _div(a: Any, b: Any) -> float:
    x, y = _num(a), _num(b)
    if y == 0.0:  # what the C division gives, where Python would raise
        if x != x:
            return x
        if x == 0.0:
            return _HW_NAN
        return math.copysign(math.inf, x) * math.copysign(1.0, y)
    return x / y


def _floor_any(num: float) -> float:
    """C's floor(): NaN and infinities pass through."""
    if num != num or num in (math.inf, -math.inf):
        return num
    return float(math.floor(num))


def _modn(x: float, y: float) -> float:
    """``_mod`` for two numbers, ``y`` a non-zero literal (the loop counter's case)."""
    q = x / y
    if q != q or q in (math.inf, -math.inf):
        return x - q * y
    return x - math.floor(q) * y


def _mod(a: Any, b: Any) -> float:
    """Lua 5.1: ``a - floor(a / b) * b``, in C's double arithmetic."""
    x = _num(a)
    q = _div(x, b)
    return x - _floor_any(q) * _num(b)


def _neg(a: Any) -> float:
    return -_num(a)


def fmt14(value: float) -> str:
    """A number as Lua's ``tostring`` and ``..`` write it (``%.14g``)."""
    if -1e14 < value < 1e14 and value.is_integer() and value != 0:
        return str(int(value))
    if value != value:
        return "nan" if math.copysign(1.0, value) > 0 else "-nan"
    return f"{value:.14g}"


_SMALL_TEXT = {float(n): str(n) for n in range(-1024, 1025) if n}
"""Small whole numbers as text (counters, ``i % 10``). Zero is left out: -0.0 equals
0.0 as a key but is written ``-0``."""


def _sn(value: float) -> str:
    """``_s`` for a value the compiler knows is a number."""
    if type(value) is float:
        text = _SMALL_TEXT.get(value)
        if text is not None:
            return text
        if value.is_integer() and value != 0 and -1e14 < value < 1e14:
            return str(int(value))
    return _s(value)


def _s(value: Any) -> str:
    """An operand of ``..``: strings and numbers only."""
    kind = type(value)
    if kind is str:
        return value  # type: ignore[no-any-return]
    if kind is float or kind is int:
        return fmt14(value)
    raise LuaError(f"attempt to concatenate a {_tname(value)} value")


def _tostring(value: Any) -> str:
    kind = type(value)
    if kind is str:
        return value  # type: ignore[no-any-return]
    if kind is float or kind is int:
        return fmt14(value)
    if value is None:
        return "nil"
    if kind is bool:
        return "true" if value else "false"
    return f"table: 0x{id(value):08x}"


def _intstr(value: Any) -> str:
    num = _tonumber(value)
    if num is None:
        raise LuaError("bad argument #1 to 'floor' (number expected, got nil)")
    if num != num or num in (math.inf, -math.inf):
        return f"{num:.0f}"
    return str(math.floor(num))


def _floor(value: Any) -> float:
    num = _checknum(value, "floor")
    if num != num or num in (math.inf, -math.inf) or num == 0:
        return num
    return float(math.floor(num))


def _ceil(value: Any) -> float:
    num = _checknum(value, "ceil")
    if num != num or num in (math.inf, -math.inf) or num == 0:
        return num
    res = float(math.ceil(num))
    return -0.0 if res == 0 and num < 0 else res


def _abs(value: Any) -> float:
    return abs(_checknum(value, "abs"))


def _min(*values: Any) -> float:
    nums = [_checknum(v, "min") for v in values]
    best = nums[0]
    for num in nums[1:]:
        if num < best:
            best = num
    return best


def _max(*values: Any) -> float:
    nums = [_checknum(v, "max") for v in values]
    best = nums[0]
    for num in nums[1:]:
        if num > best:
            best = num
    return best


def _checknum(value: Any, fname: str) -> float:
    num = _tonumber(value) if type(value) is not bool else None
    if num is None:
        raise LuaError(f"bad argument #1 to '{fname}' (number expected, got {_tname(value)})")
    return num


# ---- truth, comparison ---------------------------------------------------------------


def _tr(value: Any) -> bool:
    return value is not None and value is not False


def _eq(a: Any, b: Any) -> bool:
    kind = type(a)
    if kind is not type(b):
        return False
    if kind is list or kind is dict:
        return a is b
    return bool(a == b)


def _ne(a: Any, b: Any) -> bool:
    return not _eq(a, b)


def _cmp_check(a: Any, b: Any) -> None:
    ta, tb = _tname(a), _tname(b)
    if ta == tb:
        raise LuaError(f"attempt to compare two {ta} values")
    raise LuaError(f"attempt to compare {ta} with {tb}")


def _ordered(a: Any, b: Any) -> bool:
    ta, tb = type(a), type(b)
    return (ta is tb and (ta is float or ta is str)) or (
        ta in (int, float) and tb in (int, float))


def _lt(a: Any, b: Any) -> bool:
    if type(a) is float and type(b) is float:
        return a < b
    if not _ordered(a, b):
        _cmp_check(a, b)
    return bool(a < b)


def _le(a: Any, b: Any) -> bool:
    if type(a) is float and type(b) is float:
        return a <= b
    if not _ordered(a, b):
        _cmp_check(a, b)
    return bool(a <= b)


def _gt(a: Any, b: Any) -> bool:
    return _lt(b, a)


def _ge(a: Any, b: Any) -> bool:
    return _le(b, a)


# ---- strings ------------------------------------------------------------------------


def _bytes(value: Any, fname: str) -> bytes:
    kind = type(value)
    if kind is str:
        return value.encode("latin-1")  # type: ignore[no-any-return]
    if kind is float or kind is int:
        return fmt14(value).encode()
    raise LuaError(f"bad argument #1 to '{fname}' (string expected, got {_tname(value)})")


def _strlen(value: Any) -> float:
    if type(value) is str:
        return float(len(value))
    return float(len(_bytes(value, "len")))


_UPPER = {c: c - 32 for c in range(ord("a"), ord("z") + 1)}
_LOWER = {c: c + 32 for c in range(ord("A"), ord("Z") + 1)}


def _upper(value: Any) -> str:
    return _s_arg(value, "upper").translate(_UPPER)


def _lower(value: Any) -> str:
    return _s_arg(value, "lower").translate(_LOWER)


def _s_arg(value: Any, fname: str) -> str:
    kind = type(value)
    if kind is str:
        return value  # type: ignore[no-any-return]
    if kind is float or kind is int:
        return fmt14(value)
    raise LuaError(f"bad argument #1 to '{fname}' (string expected, got {_tname(value)})")


def _rep(value: Any, count: Any) -> str:
    text = _s_arg(value, "rep")
    num = _checknum(count, "rep")
    times = int(num) if num == num and abs(num) < 2**62 else 0
    return text * max(times, 0)


def _find(haystack: Any, needle: Any, start: Any = None) -> float | None:
    hay = _bytes(haystack, "find")
    ndl = _bytes(needle, "find")
    if start is None:
        init = 0
    else:
        num = _checknum(start, "find")
        pos = int(num)
        init = pos if pos >= 0 else len(hay) + pos
        init = min(max(init, 0), len(hay))
    found = hay.find(ndl, init)
    return None if found < 0 else float(found)


def _type(value: Any) -> str:
    return _tname(value)


_LEVELS = {0.0: (logging.DEBUG, "DEBUG"), 1.0: (logging.INFO, "VERBOSE"),
           2.0: (logging.INFO, "NOTICE"), 3.0: (logging.WARNING, "WARNING")}


def _log(level: Any, message: Any) -> None:
    """A server writes ``redis.log`` to its log; in memory the message goes to the
    ``redipy.script`` logger and, as 0.7.1 printed it, to stdout as ``LEVEL: message``."""
    num, name = _LEVELS.get(level, (logging.INFO, "NOTICE"))
    LOG.log(num, "%s", message)
    print(f"{name}: {message}")


# ---- tables -------------------------------------------------------------------------


def _index_error(value: Any) -> LuaError:
    return LuaError(f"attempt to index a {_tname(value)} value")


def _at(arr: Any, index: Any) -> Any:
    kind = type(arr)
    if kind is list:
        idx = _tonumber(index) if type(index) is not bool else None
        if idx is None or not idx.is_integer() or idx < 0 or idx >= len(arr):
            return None
        return arr[int(idx)]
    if kind is dict:
        key = index + 1.0 if type(index) is float else index
        return arr.get(key)
    raise _index_error(arr)


def _get(obj: Any, key: Any) -> Any:
    kind = type(obj)
    if kind is dict:
        return obj.get(key)
    if kind is list:
        if type(key) is float and key.is_integer() and 1 <= key <= len(obj):
            return obj[int(key) - 1]
        return None
    if kind is str:
        return None
    raise _index_error(obj)


def _setat(arr: Any, index: Any, value: Any) -> None:
    kind = type(arr)
    if kind is list:
        idx = _num(index)
        if idx.is_integer():
            pos = int(idx)
            if 0 <= pos < len(arr):
                arr[pos] = value
                return
            if pos == len(arr):
                arr.append(value)
                return
        raise LuaError("redipy: set_at index out of the array's range (a sparse array)")
    if kind is dict:
        _setkey(arr, _num(index) + 1.0, value)
        return
    raise _index_error(arr)


def _setkey(obj: Any, key: Any, value: Any) -> None:
    kind = type(obj)
    if key is None:
        raise LuaError("table index is nil")
    if kind is dict:
        obj[key] = value
        return
    if kind is list:
        if type(key) is float and key.is_integer() and 1 <= key <= len(obj) + 1:
            _setat(obj, key - 1.0, value)
            return
        raise LuaError("redipy: set_key on an array with a non-index key")
    raise _index_error(obj)


def _mkdict(value: dict[Any, Any]) -> dict[Any, Any]:
    if None in value:
        raise LuaError("table index is nil")
    return value


def _arrlen(value: Any) -> float:
    kind = type(value)
    if kind is list:
        return float(len(value))
    if kind is dict:
        return 0.0
    raise LuaError(f"attempt to get length of a {_tname(value)} value")


def _iter(value: Any) -> Sequence[Any]:
    kind = type(value)
    if kind is list:
        return value  # type: ignore[no-any-return]
    if kind is dict:
        return []
    got = _tname(value).replace("nil", "no value")
    raise LuaError(f"bad argument #1 to 'ipairs' (table expected, got {got})")


def _count() -> itertools.count[float]:
    return itertools.count(0.0)


# ---- redis replies and arguments ------------------------------------------------------


def _arg(value: Any) -> str:
    """A script value as a command argument (strings and numbers only)."""
    kind = type(value)
    if kind is str:
        return value  # type: ignore[no-any-return]
    if kind is float:
        if value.is_integer() and -4e18 < value < 4e18:
            return str(int(value))  # arg_text's first case, inline
        return arg_text(value)
    if kind is int:
        return arg_text(value)
    raise LuaError("Command arguments must be strings or integers")


def _argn(value: Any) -> str:
    """``_arg`` for a value the compiler knows is a number (its first branch inline)."""
    if type(value) is float and value.is_integer() and -4e18 < value < 4e18:
        return str(int(value))
    return _arg(value)


def _intarg(value: Any) -> int:
    """A script value as an integer argument: what the handler would parse from
    ``_arg(value)``, without the round trip through text for whole numbers."""
    if type(value) is float and value.is_integer() and -9e15 < value < 9e15:
        return int(value)
    num = parse_int(_arg(value))
    if num is None:
        raise ResponseError(NOT_INT)
    return num


def _intarg_or_none(value: Any) -> int | None:
    """``_intarg``, or None where it would fail (the call site then raises)."""
    try:
        return _intarg(value)
    except (LuaError, ResponseError):
        return None


def _raw(reply: Any) -> Any:
    kind = type(reply)
    if kind is int:
        return float(reply)
    if kind is Status:
        return str(reply)
    if kind is list:
        return [_raw(item) for item in reply]
    return reply


def _fnum(reply: Any) -> float | None:
    if reply is None:
        return None
    if type(reply) is str:
        return str2num(reply)
    return float(reply)


def _pdict(reply: list[Any]) -> dict[Any, Any]:
    it = iter(reply)
    return dict(zip(it, it))


def _hmget(handler: Callable[[Any, Sequence[str]], Any], db: Any,
           args: list[str]) -> dict[Any, Any]:
    values = handler(db, args)
    return dict(zip(args[1:], values))


def _spairs(reply: list[Any]) -> list[list[Any]]:
    it = iter(reply)
    return [[member, str2num(score)] for member, score in zip(it, it)]


def _sentries(reply: list[Any]) -> list[list[Any]]:
    """Stream entries as ``[id, {field: value}]`` pairs."""
    out = []
    for sid, flat in reply:
        it = iter(flat)
        out.append([sid, dict(zip(it, it))])
    return out


def _ttl(reply: int) -> float | None:
    return None if reply < 0 else reply / 1000


def _rtype(reply: Any) -> str | None:
    text = str(reply)
    return None if text == "none" else text


# ---- JSON (cjson's way) -------------------------------------------------------------


_DECODER = json.JSONDecoder(parse_int=float)
_NUM_START = frozenset("-0123456789")


def _bytes_json(value: Any) -> Any:
    """Every string of a decoded JSON value as its UTF-8 byte string."""
    kind = type(value)
    if kind is str:
        return to_bytes(value)
    if kind is list:
        return [_bytes_json(item) for item in value]
    if kind is dict:
        return {_bytes_json(k): _bytes_json(v) for k, v in value.items()}
    return value


def _loads(text: str) -> Any:
    """cjson.decode of JSON bytes: escapes (``\\u00e9``) become UTF-8 bytes, raw
    bytes stay as they are."""
    if text.isascii():
        value = _DECODER.decode(text)
        return _bytes_json(value) if "\\u" in text else value
    return _bytes_json(_DECODER.decode(to_text(text)))


def _fromjson_arg(text: str) -> Any:
    """A JSON argument (numbers as floats, like cjson's doubles)."""
    if text and text[0] in _NUM_START:
        try:
            return float(text)
        except ValueError:
            pass
    elif len(text) >= 2 and text[0] == '"' and text[-1] == '"' and "\\" not in text \
            and '"' not in text[1:-1]:
        return text[1:-1]
    return _loads(text)


def _fromjson(value: Any) -> Any:
    if type(value) is not str:
        raise LuaError(f"bad argument #1 to 'decode' (string expected, got {_tname(value)})")
    try:
        return _loads(value)
    except ValueError as err:
        raise LuaError(f"Expected value but found invalid token: {err}") from None


def _jstr(text: str) -> str:
    return json.dumps(text, ensure_ascii=False).replace("/", "\\/").replace("\x7f", "\\u007f")


def _jnum(value: float) -> str:
    if value != value or value in (math.inf, -math.inf):
        raise LuaError("Cannot serialise number: must not be NaN or Inf")
    return f"{value:.14g}"


def cjson(value: Any) -> str:
    """``cjson.encode``: empty tables are ``{}``, numbers have 14 significant digits."""
    kind = type(value)
    if kind is str:
        return _jstr(value)
    if kind is float or kind is int:
        return _jnum(value)
    if value is None:
        return "null"
    if kind is bool:
        return "true" if value else "false"
    if kind is list:
        if not value:
            return "{}"
        return "[" + ",".join([cjson(item) for item in value]) + "]"
    if kind is dict:
        parts = []
        for key, item in value.items():
            ktype = type(key)
            if ktype is str:
                ktext = _jstr(key)
            elif ktype is float or ktype is int:
                ktext = '"' + _jnum(key) + '"'
            else:
                raise LuaError("Cannot serialise table: table key must be a number or string")
            parts.append(ktext + ":" + cjson(item))
        return "{" + ",".join(parts) + "}"
    raise LuaError(f"Cannot serialise {_tname(value)}: type not supported")


def shaped(value: Any, shape: Any) -> str:
    """JSON text following a static shape (see :mod:`redipy.script.types`)."""
    kind = type(value)
    if shape is None or (kind is not list and kind is not dict):
        return cjson(value)
    if not value:
        return "[]" if shape[0] == "a" else "{}"
    _, items, each, fields = shape
    if items is None and each is None and fields is None:
        return cjson(value)
    if shape[0] == "a" and kind is list:
        parts = []
        for pos, item in enumerate(value):
            sub = items[pos] if items is not None and pos < len(items) else None
            parts.append(shaped(item, sub if sub is not None else each))
        return "[" + ",".join(parts) + "]"
    if kind is dict:
        fmap = dict(fields) if fields is not None else {}
        parts = []
        for key, item in value.items():
            sub = fmap.get(key)
            ktext = _jstr(key) if type(key) is str else '"' + _jnum(key) + '"'
            parts.append(ktext + ":" + shaped(item, sub if sub is not None else each))
        return "{" + ",".join(parts) + "}"
    return cjson(value)


def _tojson(value: Any, shape: Any = None) -> str:
    return shaped(value, shape)


def _enc(value: Any, shape: Any) -> str:
    kind = type(value)
    if kind is str:
        if value.isascii() and value.isalnum():
            return '"' + str(value) + '"'
        return _jstr(value)
    if value is None:
        return "null"
    return shaped(value, shape)


NAMESPACE: dict[str, Any] = {
    name: obj for name, obj in globals().items()
    if name.startswith("_") and not name.startswith("__") and callable(obj)}
NAMESPACE.update({"LuaError": LuaError, "_INF": math.inf, "_NAN": math.nan})
