"""The data types as data: what TYPE answers, and the commands that measure, read and
rebuild a value of each, for tools that handle whole keys (the shell's ``--bigkeys``
and ``--keystats``, the server side of :mod:`redipy.records`) instead of each keeping
its own table.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class DataType:
    """One value type. ``read`` is the argv (after the key) that returns the whole
    value flat; ``write`` the command that rebuilds it from that flat reply (with the
    pairs swapped when ``swap_pairs``: ZRANGE gives member, score and ZADD wants score,
    member). A type without a flat form (streams) has neither."""

    name: str
    length: str
    unit: str
    read: tuple[str, ...] = ()
    write: str = ""
    swap_pairs: bool = False


TYPES: dict[str, DataType] = {t.name: t for t in (
    DataType("list", "LLEN", "items", ("LRANGE", "0", "-1"), "RPUSH"),
    DataType("hash", "HLEN", "fields", ("HGETALL",), "HSET"),
    DataType("string", "STRLEN", "bytes", ("GET",), "SET"),
    DataType("stream", "XLEN", "entries"),
    DataType("set", "SCARD", "members", ("SMEMBERS",), "SADD"),
    DataType("zset", "ZCARD", "members", ("ZRANGE", "0", "-1", "WITHSCORES"), "ZADD",
             swap_pairs=True),
)}
"""In the order redis-cli's ``--bigkeys`` summary lists them."""


def length_command(kind: str) -> str | None:
    """The command giving a value's size (STRLEN, LLEN, ...), ``None`` for other types."""
    found = TYPES.get(kind)
    return found.length if found else None

