"""Typed methods for the list commands (see redipy/commands/lists.py).

0.7.1's methods keep their names and shapes (``lpop(key)`` is a value, ``lpop(key,
count)`` a list); the rest follow redis-py's names and parameters.
"""

from __future__ import annotations

from typing import Any, Literal, cast, overload

from redipy.api.base import CommandsBase, enc, to_none, to_ok

Side = Literal["LEFT", "RIGHT", "left", "right"]


class ListCommands(CommandsBase):
    """The list commands."""

    def lpush(self, key: str, *values: str) -> int:
        """Push values at the head (the last one ends up first); returns the new length."""
        if not values:  # Redis needs at least one value; 0.7.1 answered the length
            return cast(int, self._call("LLEN", key))
        return cast(int, self._call("LPUSH", key, *map(enc, values)))

    def rpush(self, key: str, *values: str) -> int:
        """Push values at the tail; returns the new length."""
        if not values:
            return cast(int, self._call("LLEN", key))
        return cast(int, self._call("RPUSH", key, *map(enc, values)))

    def lpushx(self, name: str, *values: str) -> int:
        """Push at the head only if the list exists; returns its length (0 if missing)."""
        if not values:
            return cast(int, self._call("LLEN", name))
        return cast(int, self._call("LPUSHX", name, *map(enc, values)))

    def rpushx(self, name: str, *values: str) -> int:
        """Push at the tail only if the list exists; returns its length (0 if missing)."""
        if not values:
            return cast(int, self._call("LLEN", name))
        return cast(int, self._call("RPUSHX", name, *map(enc, values)))

    @overload
    def lpop(self, key: str, count: None = None) -> str | None: ...

    @overload
    def lpop(self, key: str, count: int) -> list[str] | None: ...

    def lpop(self, key: str, count: int | None = None) -> str | list[str] | None:
        """Pop from the head: one value (or None), or with ``count`` a list in pop
        order (None when the list is missing)."""
        if count is None:
            return cast("str | list[str] | None", self._call("LPOP", key))
        return cast("str | list[str] | None", self._call("LPOP", key, enc(count)))

    @overload
    def rpop(self, key: str, count: None = None) -> str | None: ...

    @overload
    def rpop(self, key: str, count: int) -> list[str] | None: ...

    def rpop(self, key: str, count: int | None = None) -> str | list[str] | None:
        """Pop from the tail: one value (or None), or with ``count`` a list in pop
        order (None when the list is missing)."""
        if count is None:
            return cast("str | list[str] | None", self._call("RPOP", key))
        return cast("str | list[str] | None", self._call("RPOP", key, enc(count)))

    def llen(self, key: str) -> int:
        """The length of the list (0 when it is missing)."""
        return cast(int, self._call("LLEN", key))

    def lrange(self, key: str, start: int, stop: int) -> list[str]:
        """Elements from ``start`` to ``stop``, both included; negative counts from the
        end and out-of-range indexes are clipped."""
        return cast("list[str]", self._call("LRANGE", key, enc(start), enc(stop)))

    def lindex(self, key: str, index: int) -> str | None:
        """The element at ``index`` (negative from the end), None outside the list."""
        return cast("str | None", self._call("LINDEX", key, enc(index)))

    def lset(self, key: str, index: int, value: str) -> None:
        """Overwrite the element at ``index``; raises ``ResponseError`` outside the list
        (``ERR index out of range``) or for a missing key (``ERR no such key``)."""
        return self._conv(to_none, "LSET", key, enc(index), enc(value))

    def linsert(self, name: str, where: str, refvalue: str, value: str) -> int:
        """Insert ``value`` ``where`` ("BEFORE"/"AFTER") the first ``refvalue``; the new
        length, -1 when ``refvalue`` is absent, 0 when the list is missing."""
        return cast(int, self._call("LINSERT", name, where, enc(refvalue), enc(value)))

    def lrem(self, name: str, count: int, value: str) -> int:
        """Remove ``count`` occurrences of ``value`` from the head (negative: from the
        tail, 0: all); returns how many went."""
        return cast(int, self._call("LREM", name, enc(count), enc(value)))

    def ltrim(self, name: str, start: int, end: int) -> bool:
        """Keep only ``start``..``end`` (inclusive); True (redis-py's answer)."""
        return self._conv(to_ok, "LTRIM", name, enc(start), enc(end))

    def lpos(
            self,
            name: str,
            value: str,
            rank: int | None = None,
            count: int | None = None,
            maxlen: int | None = None) -> int | list[int] | None:
        """Index of ``value`` (None if absent), or with ``count`` a list of indexes
        (``count=0``: all). ``rank`` picks the n-th match, negative from the tail;
        ``maxlen`` limits how many elements are compared."""
        args = [name, enc(value)]
        if rank is not None:
            args += ["RANK", enc(rank)]
        if count is not None:
            args += ["COUNT", enc(count)]
        if maxlen is not None:
            args += ["MAXLEN", enc(maxlen)]
        return cast("int | list[int] | None", self._call("LPOS", *args))

    def lmove(
            self,
            first_list: str,
            second_list: str,
            src: Side = "LEFT",
            dest: Side = "RIGHT") -> str | None:
        """Move one element from an end of ``first_list`` to an end of ``second_list``
        (atomically); returns it, or None when the source is missing."""
        return cast("str | None", self._call("LMOVE", first_list, second_list, src, dest))

    def rpoplpush(self, src: str, dst: str) -> str | None:
        """Move the last element of ``src`` to the head of ``dst``; returns it."""
        return cast("str | None", self._call("RPOPLPUSH", src, dst))

    def lmpop(
            self,
            num_keys: int,
            *args: str,
            direction: Side,
            count: int | None = 1) -> list[Any] | None:
        """Pop up to ``count`` elements from the first non-empty list among the keys:
        ``[key, [elements]]``, or None when every list is empty."""
        argv = [enc(num_keys), *args, direction]
        if count is not None and count != 1:
            argv += ["COUNT", enc(count)]

        def conv(reply: Any) -> list[Any] | None:
            if reply is None:
                return None
            return [self._strip(reply[0]), list(reply[1])]

        return self._conv(conv, "LMPOP", *argv)

