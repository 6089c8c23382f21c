"""Typed methods for the string and bitmap commands (see redipy/commands/strings.py).

0.7.1's three methods (``set_value``, ``get_value``, ``incrby``) keep their names,
parameters and return shapes; the rest follow redis-py (``set``, ``getex``,
``incr``, ``bitcount``, ...). Conflicting options (``nx`` with ``xx``, two expiry
forms) are sent as given so that both backends answer with the server's own
``syntax error`` instead of a client-side guess.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any, Literal, overload

from redipy.api.base import CommandsBase, enc, to_bool, to_float, to_ok
from redipy.commands.build import set_value_args

if TYPE_CHECKING:
    from redipy.api import RSetMode

Value = str | bytes | int | float
Seconds = int | datetime.timedelta
Stamp = int | datetime.datetime

def _lcs_plain(reply: Any) -> Any:
    return reply


def _lcs_idx(reply: Any) -> dict[str, Any]:
    it = iter(reply)
    return dict(zip(it, it))


def _bitfield_reply(reply: Any) -> list[int | None]:
    return [None if item is None else int(item) for item in reply]


def _bitfield_ro_reply(reply: Any) -> list[int]:
    return [int(item) for item in reply]


def _secs(value: Seconds) -> str:
    if isinstance(value, datetime.timedelta):
        return str(int(value.total_seconds()))
    return enc(value)


def _millis(value: Seconds) -> str:
    if isinstance(value, datetime.timedelta):
        return str(int(value.total_seconds() * 1000))
    return enc(value)


def _at_secs(value: Stamp) -> str:
    if isinstance(value, datetime.datetime):
        return str(int(value.timestamp()))
    return enc(value)


def _at_millis(value: Stamp) -> str:
    if isinstance(value, datetime.datetime):
        return str(int(value.timestamp() * 1000))
    return enc(value)


def _expiry(ex: Seconds | None, px: Seconds | None, exat: Stamp | None,
            pxat: Stamp | None) -> list[str]:
    out: list[str] = []
    if ex is not None:
        out += ("EX", _secs(ex))
    if px is not None:
        out += ("PX", _millis(px))
    if exat is not None:
        out += ("EXAT", _at_secs(exat))
    if pxat is not None:
        out += ("PXAT", _at_millis(pxat))
    return out


def _keys(keys: str | Iterable[str], args: tuple[str, ...]) -> list[str]:
    """redis-py's list_or_args: one key or an iterable of keys, plus more keys."""
    first = [keys] if isinstance(keys, str | bytes) else list(keys)
    if args:
        first += args
    return [k if type(k) is str else enc(k) for k in first]


def _pairs(mapping: Mapping[str, Value]) -> list[str]:
    out: list[str] = []
    for key, value in mapping.items():
        out += (key, value if type(value) is str else enc(value))
    return out


def _same(reply: Any) -> Any:
    return reply


def _to_int(reply: Any) -> int:
    return int(reply)


class StringCommands(CommandsBase):
    """String values, counters and bitmaps."""

    # ---- 0.7.1 ---------------------------------------------------------------------

    @overload
    def set_value(self, key: str, value: str, *, mode: RSetMode = ...,
                  return_previous: Literal[True],
                  expire_timestamp: datetime.datetime | None = ...,
                  expire_in: float | None = ..., keep_ttl: bool = ...) -> str | None: ...

    @overload
    def set_value(self, key: str, value: str, *, mode: RSetMode = ...,
                  return_previous: Literal[False] = ...,
                  expire_timestamp: datetime.datetime | None = ...,
                  expire_in: float | None = ..., keep_ttl: bool = ...) -> bool: ...

    @overload
    def set_value(self, key: str, value: str, *, mode: RSetMode = ...,
                  return_previous: bool = ...,
                  expire_timestamp: datetime.datetime | None = ...,
                  expire_in: float | None = ..., keep_ttl: bool = ...) -> str | bool | None: ...

    def set_value(self, key: str, value: str, *, mode: RSetMode = "always",
                  return_previous: bool = False,
                  expire_timestamp: datetime.datetime | None = None,
                  expire_in: float | None = None,
                  keep_ttl: bool = False) -> str | bool | None:
        """SET: store ``value``; returns whether it was stored, or with
        ``return_previous`` the value it replaced (``None`` if there was none).

        ``mode`` "if_missing" is NX, "if_exists" is XX; ``expire_in`` is in seconds,
        ``expire_timestamp`` an absolute time; ``keep_ttl`` keeps the current expiry.
        """
        if (mode == "always" and expire_in is None and expire_timestamp is None
                and not (return_previous or keep_ttl)):
            # the common call, as set_value_args builds it (tests/test_key_twins.py)
            return self._conv(to_ok, "SET", key, enc(value))
        args = [key, *set_value_args(
            enc(value), mode, return_previous=return_previous,
            millis=None if expire_in is None else str(int(expire_in * 1000)),
            at_millis=None if expire_timestamp is None else _at_millis(expire_timestamp),
            keep_ttl=keep_ttl)]
        if return_previous:
            return self._conv(_same, "SET", *args)  # type: ignore[no-any-return]
        return self._conv(to_ok, "SET", *args)

    def get_value(self, key: str) -> str | None:
        """GET: the string at ``key``, ``None`` when missing."""
        return self._call("GET", key)  # type: ignore[no-any-return]

    def incrby(self, key: str, inc: float | int) -> float:
        """0.7.1's one method for both: INCRBYFLOAT for an int or a float (so an int adds
        to a value holding a float, as 0.7.1 and the script key objects do); the new value
        as a float. ``incr`` is redis-py's integer INCRBY."""
        return self._conv(to_float, "INCRBYFLOAT", key, enc(inc))

    # ---- redis-py names --------------------------------------------------------------

    def get(self, name: str) -> str | None:
        """GET: the string at ``name``, ``None`` when missing."""
        return self._call("GET", name)  # type: ignore[no-any-return]

    @overload
    def set(self, name: str, value: Value, ex: Seconds | None = ...,
            px: Seconds | None = ..., nx: bool = ..., xx: bool = ..., keepttl: bool = ...,
            *, get: Literal[True], exat: Stamp | None = ...,
            pxat: Stamp | None = ...) -> str | None: ...

    @overload
    def set(self, name: str, value: Value, ex: Seconds | None = ...,
            px: Seconds | None = ..., nx: bool = ..., xx: bool = ..., keepttl: bool = ...,
            get: Literal[False] = ..., exat: Stamp | None = ...,
            pxat: Stamp | None = ...) -> bool: ...

    @overload
    def set(self, name: str, value: Value, ex: Seconds | None = ...,
            px: Seconds | None = ..., nx: bool = ..., xx: bool = ..., keepttl: bool = ...,
            get: bool = ..., exat: Stamp | None = ...,
            pxat: Stamp | None = ...) -> str | bool | None: ...

    def set(self, name: str, value: Value, ex: Seconds | None = None,
            px: Seconds | None = None, nx: bool = False, xx: bool = False,
            keepttl: bool = False, get: bool = False, exat: Stamp | None = None,
            pxat: Stamp | None = None) -> str | bool | None:
        """SET with redis-py's options; whether it was stored (``bool``), or with
        ``get=True`` the previous value (``str | None``)."""
        args = [name, enc(value), *_expiry(ex, px, exat, pxat)]
        if keepttl:
            args.append("KEEPTTL")
        if nx:
            args.append("NX")
        if xx:
            args.append("XX")
        if get:
            args.append("GET")
            return self._conv(_same, "SET", *args)  # type: ignore[no-any-return]
        return self._conv(to_ok, "SET", *args)

    def getdel(self, name: str) -> str | None:
        """GETDEL: the string at ``name`` (``None`` when missing), deleting the key."""
        return self._call("GETDEL", name)  # type: ignore[no-any-return]

    def getex(self, name: str, ex: Seconds | None = None, px: Seconds | None = None,
              exat: Stamp | None = None, pxat: Stamp | None = None,
              persist: bool = False) -> str | None:
        """GETEX: the string at ``name``, setting (or with ``persist`` removing) its expiry."""
        args = [name, *_expiry(ex, px, exat, pxat)]
        if persist:
            args.append("PERSIST")
        return self._call("GETEX", *args)  # type: ignore[no-any-return]

    def getset(self, name: str, value: Value) -> str | None:
        """GETSET: store ``value`` and return the previous one (``None`` if none)."""
        return self._call("GETSET", name, enc(value))  # type: ignore[no-any-return]

    def mget(self, keys: str | Iterable[str], *args: str) -> list[str | None]:
        """MGET: the values of the keys in order (``None`` for missing or non-string)."""
        return self._call("MGET", *_keys(keys, args))  # type: ignore[no-any-return]

    def mset(self, mapping: Mapping[str, Value]) -> bool:
        """MSET: store every key/value pair of ``mapping``."""
        return self._conv(to_ok, "MSET", *_pairs(mapping))

    def msetnx(self, mapping: Mapping[str, Value]) -> bool:
        """MSETNX: store the pairs only if no key exists; whether it did."""
        return self._conv(to_bool, "MSETNX", *_pairs(mapping))

    def msetex(self, mapping: Mapping[str, Value],
               data_persist_option: Literal["NX", "XX"] | None = None,
               ex: Seconds | None = None, px: Seconds | None = None,
               exat: Stamp | None = None, pxat: Stamp | None = None,
               keepttl: bool = False) -> bool:
        """MSETEX (Valkey 9.1, Redis 8.4): store the pairs with one expiry, with ``"NX"``
        only if no key exists, with ``"XX"`` only if all do; whether it stored them."""
        args = [str(len(mapping)), *_pairs(mapping)]
        if data_persist_option is not None:
            args.append(getattr(data_persist_option, "value", data_persist_option))
        args += _expiry(ex, px, exat, pxat)
        if keepttl:
            args.append("KEEPTTL")
        return self._conv(to_bool, "MSETEX", *args)

    def delifeq(self, name: str, value: Value) -> bool:
        """DELIFEQ (Valkey 9): delete ``name`` only if it holds ``value``; whether it did."""
        return self._conv(to_bool, "DELIFEQ", name, enc(value))

    def setnx(self, name: str, value: Value) -> bool:
        """SETNX: store ``value`` only if ``name`` does not exist; whether it did."""
        return self._conv(to_bool, "SETNX", name, enc(value))

    def setex(self, name: str, time: Seconds, value: Value) -> bool:
        """SETEX: store ``value`` expiring after ``time`` seconds."""
        return self._conv(to_ok, "SETEX", name, _secs(time), enc(value))

    def psetex(self, name: str, time_ms: Seconds, value: Value) -> bool:
        """PSETEX: store ``value`` expiring after ``time_ms`` milliseconds."""
        return self._conv(to_ok, "PSETEX", name, _millis(time_ms), enc(value))

    def append(self, key: str, value: Value) -> int:
        """APPEND: add ``value`` at the end; the new length in bytes."""
        return self._conv(_to_int, "APPEND", key, enc(value))

    def strlen(self, name: str) -> int:
        """STRLEN: the length in bytes (0 when missing)."""
        return self._conv(_to_int, "STRLEN", name)

    def getrange(self, key: str, start: int, end: int) -> str:
        """GETRANGE: bytes ``start`` to ``end`` inclusive (negative: from the end)."""
        return self._call("GETRANGE", key, enc(start), enc(end))  # type: ignore[no-any-return]

    @overload
    def lcs(self, key1: str, key2: str, len: Literal[False] = False,
            idx: Literal[False] = False, minmatchlen: int = 0,
            withmatchlen: bool = False) -> str: ...

    @overload
    def lcs(self, key1: str, key2: str, len: Literal[True],
            idx: Literal[False] = False, minmatchlen: int = 0,
            withmatchlen: bool = False) -> int: ...

    @overload
    def lcs(self, key1: str, key2: str, len: bool = False, *, idx: Literal[True],
            minmatchlen: int = 0, withmatchlen: bool = False) -> dict[str, Any]: ...

    def lcs(self, key1: str, key2: str, len: bool = False, idx: bool = False,
            minmatchlen: int = 0, withmatchlen: bool = False) -> str | int | dict[str, Any]:
        """LCS, in redis-py's argument order: the longest common subsequence of the two
        strings; with ``len`` its length; with ``idx`` a dict ``{"matches": [[[a0, a1],
        [b0, b1]] (+ [length] with ``withmatchlen``), ...], "len": n}``, runs shorter than
        ``minmatchlen`` left out."""
        args = [key1, key2]
        if len:
            args.append("LEN")
        if idx:
            args.append("IDX")
        if minmatchlen:
            args += ["MINMATCHLEN", enc(minmatchlen)]
        if withmatchlen:
            args.append("WITHMATCHLEN")
        conv = _lcs_idx if idx and not len else _lcs_plain
        return self._conv(conv, "LCS", *args)  # type: ignore[no-any-return]

    def setrange(self, name: str, offset: int, value: Value) -> int:
        """SETRANGE: overwrite from byte ``offset``; the new length in bytes."""
        return self._conv(_to_int, "SETRANGE", name, enc(offset), enc(value))

    def incr(self, name: str, amount: int = 1) -> int:
        """Add ``amount`` to the integer at ``name`` (INCRBY, as redis-py sends it)."""
        return self._conv(_to_int, "INCRBY", name, enc(amount))

    def decr(self, name: str, amount: int = 1) -> int:
        """Subtract ``amount`` from the integer at ``name`` (DECRBY)."""
        return self._conv(_to_int, "DECRBY", name, enc(amount))

    def decrby(self, name: str, amount: int = 1) -> int:
        """DECRBY: subtract ``amount`` from the integer at ``name``."""
        return self._conv(_to_int, "DECRBY", name, enc(amount))

    def incrbyfloat(self, name: str, amount: float = 1.0) -> float:
        """INCRBYFLOAT: add ``amount``; the new value."""
        return self._conv(to_float, "INCRBYFLOAT", name, enc(amount))

    def setbit(self, name: str, offset: int, value: int | bool) -> int:
        """SETBIT: set (truthy ``value``) or clear a bit; its previous value."""
        return self._conv(_to_int, "SETBIT", name, enc(offset), "1" if value else "0")

    def getbit(self, name: str, offset: int) -> int:
        """GETBIT: the bit at ``offset`` (0 past the end)."""
        return self._conv(_to_int, "GETBIT", name, enc(offset))

    def bitcount(self, key: str, start: int | None = None, end: int | None = None,
                 mode: str | None = None) -> int:
        """BITCOUNT: set bits, optionally in a ``start``..``end`` range of bytes
        (or of bits with ``mode="BIT"``)."""
        if end is not None and start is None:
            raise ValueError("bitcount: end needs a start")
        args = [key]
        if start is not None:
            args.append(enc(start))
        if end is not None:
            args.append(enc(end))
        if mode is not None:
            args.append(mode)
        return self._conv(_to_int, "BITCOUNT", *args)

    def bitpos(self, key: str, bit: int, start: int | None = None, end: int | None = None,
               mode: str | None = None) -> int:
        """BITPOS: the position of the first ``bit`` (0 or 1), or -1."""
        if end is not None and start is None:
            raise ValueError("bitpos: end needs a start")
        args = [key, enc(bit)]
        if start is not None:
            args.append(enc(start))
        if end is not None:
            args.append(enc(end))
        if mode is not None:
            args.append(mode)
        return self._conv(_to_int, "BITPOS", *args)

    def bitop(self, operation: str, dest: str, *keys: str) -> int:
        """BITOP: ``operation`` (AND, OR, XOR, NOT) of ``keys`` into ``dest``; its length."""
        return self._conv(_to_int, "BITOP", operation, dest, *keys)

    def bitfield(self, key: str, ops: Iterable[tuple[str, str, int | str] |
                                               tuple[str, str, int | str, int]],
                 overflow: str | None = None) -> list[int | None]:
        """BITFIELD: ``ops`` as ``("GET", "u8", offset)``, ``("SET", "i16", offset,
        value)`` or ``("INCRBY", "u4", "#2", incr)`` (an offset ``"#n"`` counts fields
        of that width); ``overflow`` (WRAP, SAT, FAIL) applies from the start. One
        reply per op; None where OVERFLOW FAIL refused a write. (redis-py builds the
        same call with a chained BitFieldOperation; a list keeps it one call here.)"""
        if overflow is None and type(ops) is list and len(ops) == 1 and len(ops[0]) == 4:
            sub, kind, offset, value = ops[0]  # one op (an INCRBY counter): the usual call
            return self._conv(_bitfield_reply, "BITFIELD", key, str(sub), str(kind),
                              enc(offset), enc(value))
        args = [key]
        if overflow is not None:
            args += ["OVERFLOW", overflow]
        for op in ops:
            args += [str(op[0]), str(op[1])] + [enc(part) for part in op[2:]]
        return self._conv(_bitfield_reply, "BITFIELD", *args)

    def bitfield_ro(self, key: str, encoding: str, offset: int | str,
                    items: Iterable[tuple[str, int | str]] | None = None) -> list[int]:
        """BITFIELD_RO: the field ``encoding`` at ``offset``, then each of ``items``
        (redis-py's signature)."""
        args = [key, "GET", encoding, enc(offset)]
        for enc_, off in items or ():
            args += ["GET", enc_, enc(off)]
        return self._conv(_bitfield_ro_reply, "BITFIELD_RO", *args)
