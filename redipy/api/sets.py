"""Typed methods for the set commands (see redipy/commands/sets.py)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from redipy.api.base import CommandsBase, enc, to_bool


def key_list(keys: str | Iterable[str], args: tuple[str | Iterable[str], ...]) -> list[str]:
    """redis-py's ``list_or_args``: one key or an iterable of keys, plus more of either."""
    out = [keys] if isinstance(keys, str) else list(keys)
    for arg in args:
        if isinstance(arg, str):
            out.append(arg)
        else:
            out.extend(arg)
    return out


def to_opt_str(reply: Any) -> str | None:
    return None if reply is None else str(reply)


def to_strs(reply: Any) -> list[str]:
    return list(reply)


def to_set(reply: Any) -> set[str]:
    return set(reply)


def to_bools(reply: Any) -> list[bool]:
    return [bool(item) for item in reply]


def to_scan(reply: Any) -> tuple[int, list[str]]:
    return int(reply[0]), list(reply[1])


class SetCommands(CommandsBase):
    """The set commands."""

    def sadd(self, key: str, *values: str) -> int:
        """Add members; returns how many were not there before."""
        return self._conv(int, "SADD", key, *values)

    def srem(self, key: str, *values: str) -> int:
        """Remove members; returns how many were there (an emptied set is deleted)."""
        return self._conv(int, "SREM", key, *values)

    def sismember(self, key: str, value: str) -> bool:
        """Whether ``value`` is a member of the set."""
        return self._conv(to_bool, "SISMEMBER", key, value)

    def smismember(self, name: str, values: str | Iterable[str], *args: str) -> list[bool]:
        """Membership of each value, in the order asked."""
        return self._conv(to_bools, "SMISMEMBER", name, *key_list(values, args))

    def scard(self, key: str) -> int:
        """The number of members (0 for a missing key)."""
        return self._conv(int, "SCARD", key)

    def smembers(self, key: str) -> set[str]:
        """Every member."""
        return self._conv(to_set, "SMEMBERS", key)

    def spop(self, name: str, count: int | None = None) -> str | list[str] | None:
        """Remove random members: one member (or ``None``) without ``count``, else a list."""
        if count is None:
            return self._conv(to_opt_str, "SPOP", name)
        return self._conv(to_strs, "SPOP", name, enc(count))

    def srandmember(self, name: str, number: int | None = None) -> str | list[str] | None:
        """Random members without removing them; a negative ``number`` may repeat some."""
        if number is None:
            return self._conv(to_opt_str, "SRANDMEMBER", name)
        return self._conv(to_strs, "SRANDMEMBER", name, enc(number))

    def smove(self, src: str, dst: str, value: str) -> bool:
        """Move a member from ``src`` to ``dst``; False when ``src`` did not have it."""
        return self._conv(to_bool, "SMOVE", src, dst, value)

    def sinter(self, keys: str | Iterable[str], *args: str) -> set[str]:
        """Members of every given set."""
        return self._conv(to_set, "SINTER", *key_list(keys, args))

    def sunion(self, keys: str | Iterable[str], *args: str) -> set[str]:
        """Members of any given set."""
        return self._conv(to_set, "SUNION", *key_list(keys, args))

    def sdiff(self, keys: str | Iterable[str], *args: str) -> set[str]:
        """Members of the first set that the others lack."""
        return self._conv(to_set, "SDIFF", *key_list(keys, args))

    def sinterstore(self, dest: str, keys: str | Iterable[str], *args: str) -> int:
        """Store the intersection in ``dest``; returns its size."""
        return self._conv(
            int, "SINTERSTORE", dest, *key_list(keys, args))

    def sunionstore(self, dest: str, keys: str | Iterable[str], *args: str) -> int:
        """Store the union in ``dest``; returns its size."""
        return self._conv(
            int, "SUNIONSTORE", dest, *key_list(keys, args))

    def sdiffstore(self, dest: str, keys: str | Iterable[str], *args: str) -> int:
        """Store the difference in ``dest``; returns its size."""
        return self._conv(
            int, "SDIFFSTORE", dest, *key_list(keys, args))

    def sintercard(self, numkeys: int, keys: Iterable[str], limit: int = 0) -> int:
        """Size of the intersection, counting at most ``limit`` (0: no limit)."""
        return self._conv(
            int, "SINTERCARD", enc(numkeys), *keys, "LIMIT", enc(limit))

    def sscan(self, name: str, cursor: int = 0, match: str | None = None,
              count: int | None = None) -> tuple[int, list[str]]:
        """One step of a cursor walk: (next cursor, members); cursor 0 ends it."""
        args = [name, enc(cursor)]
        if match is not None:
            args += ["MATCH", match]
        if count is not None:
            args += ["COUNT", enc(count)]
        return self._conv(to_scan, "SSCAN", *args)

    def sscan_iter(self, name: str, match: str | None = None,
                   count: int | None = None) -> Iterator[str]:
        """Every member through SSCAN (a member may come twice if the set changes)."""
        cursor = 0
        while True:
            step = self.sscan(name, cursor, match, count)
            if step is None:
                raise TypeError("sscan_iter needs each reply at once: it cannot run in a pipeline")
            cursor, members = step
            yield from members
            if cursor == 0:
                return
