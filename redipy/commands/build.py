"""Argument builders shared by the typed API and the script key objects.

Where a redipy method has options of its own (0.7.1's ``mode=`` names rather than a
command's tokens), the translation to a command lives here once, so that
``r.expire(...)``, a pipeline's ``expire(...)`` and a script's ``RedisVar.expire(...)``
cannot send different commands for the same call.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TypeVar

from redipy.errors import DataError

T = TypeVar("T")

#: 0.7.1's expire modes and the PEXPIRE/PEXPIREAT flag each one means
EXPIRE_FLAGS: dict[str, tuple[str, ...]] = {
    "always": (),
    "if_persist": ("NX",),
    "if_expire": ("XX",),
    "if_later": ("GT",),
    "if_earlier": ("LT",),
}


def expire_command(mode: str, *, millis: T | None = None,
                   at_millis: T | None = None) -> tuple[str, tuple[T | str, ...]] | None:
    """The command for 0.7.1's ``expire(key, mode=..., expire_in=/expire_timestamp=)``,
    key left out: ``PEXPIRE ms [flag]``, ``PEXPIREAT ms [flag]`` or, with no time,
    ``PERSIST``. ``None`` means nothing can change, so the answer is False without a
    command: no expiry is never *earlier* than the key's (0.7.1 answered the same).
    Raises ``ValueError`` for an unknown mode or for both times at once."""
    flags = EXPIRE_FLAGS.get(mode)
    if flags is None:
        raise ValueError(f"unknown expire mode {mode!r}: use one of {', '.join(EXPIRE_FLAGS)}")
    if millis is not None:
        if at_millis is not None:
            raise ValueError("expire_in and expire_timestamp cannot be both set")
        return "PEXPIRE", (millis, *flags)
    if at_millis is not None:
        return "PEXPIREAT", (at_millis, *flags)
    if mode == "if_earlier":
        return None
    return "PERSIST", ()


#: 0.7.1's set modes and the SET flag each one means
SET_FLAGS: dict[str, tuple[str, ...]] = {
    "always": (), "if_missing": ("NX",), "if_exists": ("XX",)}


def set_value_args(value: T, mode: str, *, return_previous: bool = False,
                   millis: T | None = None, at_millis: T | None = None,
                   keep_ttl: bool = False) -> list[T | str]:
    """SET's arguments (key left out) for 0.7.1's ``set_value(key, value, mode=...,
    return_previous=..., expire_in=/expire_timestamp=, keep_ttl=...)``. An expiry with
    ``keep_ttl`` is sent as given, so the server answers its own syntax error (0.7.1's
    script builder dropped ``keep_ttl`` there, its typed API sent both). Raises
    ``ValueError`` for an unknown mode or for both times at once."""
    flags = SET_FLAGS.get(mode)
    if flags is None:
        raise ValueError(f"unknown set mode {mode!r}: use 'always', 'if_missing' "
                         "or 'if_exists'")
    args: list[T | str] = [value, *flags]
    if return_previous:
        args.append("GET")
    if millis is not None:
        if at_millis is not None:
            raise ValueError("expire_in and expire_timestamp cannot both be set")
        args += ("PX", millis)
    elif at_millis is not None:
        args += ("PXAT", at_millis)
    if keep_ttl:
        args.append("KEEPTTL")
    return args


def count_args(count: T | None) -> tuple[T, ...]:
    """The optional count of LPOP, RPOP, ZPOPMIN, ZPOPMAX: none when ``None``."""
    return () if count is None else (count,)


def zadd_args(pairs: Iterable[tuple[T, T]], *, nx: bool = False, xx: bool = False,
              gt: bool = False, lt: bool = False, ch: bool = False,
              incr: bool = False) -> list[T | str]:
    """ZADD's arguments (key left out) for ``(member, score)`` pairs: the flags in
    redis-py's order (conflicts left for the server to refuse), then score, member."""
    args: list[T | str] = []
    if nx:
        args.append("NX")
    if xx:
        args.append("XX")
    if gt:
        args.append("GT")
    if lt:
        args.append("LT")
    if ch:
        args.append("CH")
    if incr:
        args.append("INCR")
    for member, score in pairs:
        args += (score, member)
    return args


def stream_trim_args(maxlen: T | None, minid: T | None, approximate: bool,
                     limit: T | None) -> list[T | str]:
    """XADD's / XTRIM's trimming part: ``MAXLEN|MINID [~] threshold [LIMIT n]`` (none
    without a threshold). Raises ``ValueError`` for both thresholds, or a limit alone."""
    if maxlen is not None and minid is not None:
        raise ValueError("only one of maxlen and minid can be given")
    if maxlen is None and minid is None:
        if limit is not None:
            raise ValueError("limit needs maxlen or minid")
        return []
    out: list[T | str] = ["MAXLEN" if maxlen is not None else "MINID"]
    if approximate:
        out.append("~")
    out.append(maxlen if maxlen is not None else minid)  # type: ignore[arg-type]
    if limit is not None:
        out += ("LIMIT", limit)
    return out


def xtrim_args(maxlen: T | None, minid: T | None, approximate: bool,
               limit: T | None) -> list[T | str]:
    """XTRIM's arguments (key left out); ``ValueError`` without a threshold."""
    if maxlen is None and minid is None:
        raise ValueError("xtrim needs maxlen or minid")
    return stream_trim_args(maxlen, minid, approximate, limit)


def xadd_args(pairs: list[tuple[T, T]], id: T | str = "*", *, maxlen: T | None = None,
              minid: T | None = None, approximate: bool = True, nomkstream: bool = False,
              limit: T | None = None) -> list[T | str]:
    """XADD's arguments (key left out) for ``(field, value)`` pairs; ``ValueError``
    without a field or for conflicting trim options."""
    if not pairs:
        raise ValueError("xadd needs at least one field")
    args: list[T | str] = ["NOMKSTREAM"] if nomkstream else []
    args += stream_trim_args(maxlen, minid, approximate, limit)
    args.append(id)
    for field, value in pairs:
        args += (field, value)
    return args


def xrange_args(start: T, end: T, count: T | None) -> list[T | str]:
    """XRANGE's / XREVRANGE's arguments (key left out): the two ends, ``COUNT n``."""
    return [start, end] if count is None else [start, end, "COUNT", count]


#: GEODIST / GEOSEARCH / GEORADIUS units
GEO_UNITS = ("m", "km", "mi", "ft")


def geo_unit(unit: str | None) -> str:
    """A geo unit as sent (meters when ``None``); ``DataError`` for another word (the
    servers take the four in any case; redis-py, and so redipy, only in lower case)."""
    if unit is None:
        return "m"
    if unit not in GEO_UNITS:
        raise DataError(f"invalid geo unit {unit!r}: use one of m, km, mi, ft")
    return unit


def geodist_args(member1: T, member2: T, unit: str | None) -> list[T | str]:
    """GEODIST's arguments (key left out): the unit only when one is given (meters
    otherwise, as the servers default)."""
    return [member1, member2, geo_unit(unit)] if unit else [member1, member2]
