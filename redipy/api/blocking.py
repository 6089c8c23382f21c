"""Typed methods for the blocking pops (see redipy/commands/blocking.py).

Names and parameters are redis-py's. ``timeout`` is in seconds (a float is fine);
0 waits forever. A pop that times out returns ``None``. Inside a transaction they
do not wait (Redis answers nil at once when there is nothing to pop).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Literal

from redipy.api.base import CommandsBase, enc

Side = Literal["LEFT", "RIGHT", "left", "right"]
Scored = list[tuple[str, float]]


def _keys(keys: str | Iterable[str]) -> list[str]:
    return [keys] if type(keys) is str else list(keys)


def _timeout(timeout: float) -> str:
    return str(timeout) if type(timeout) is int else enc(timeout)


class BlockingCommands(CommandsBase):
    """BLPOP, BRPOP, BLMOVE, BRPOPLPUSH, BLMPOP, BZPOPMIN, BZPOPMAX, BZMPOP."""

    def _key_value(self, reply: Any) -> tuple[str, str] | None:
        return None if reply is None else (self._strip(reply[0]), reply[1])

    def _key_member_score(self, reply: Any) -> tuple[str, str, float] | None:
        return None if reply is None else (self._strip(reply[0]), reply[1], float(reply[2]))

    def blpop(self, keys: str | Iterable[str], timeout: float = 0) -> tuple[str, str] | None:
        """Pop the head of the first non-empty list, waiting up to ``timeout`` seconds
        for one: ``(key, value)``, or None on timeout."""
        return self._conv(self._key_value, "BLPOP", *_keys(keys), _timeout(timeout))

    def brpop(self, keys: str | Iterable[str], timeout: float = 0) -> tuple[str, str] | None:
        """Pop the tail of the first non-empty list, waiting up to ``timeout`` seconds:
        ``(key, value)``, or None on timeout."""
        return self._conv(self._key_value, "BRPOP", *_keys(keys), _timeout(timeout))

    def blmove(self, first_list: str, second_list: str, timeout: float,
               src: Side = "LEFT", dest: Side = "RIGHT") -> str | None:
        """Move an element between lists (LMOVE), waiting up to ``timeout`` seconds
        while the source is empty; the element, or None on timeout."""
        return self._call(  # type: ignore[no-any-return]
            "BLMOVE", first_list, second_list, src, dest, _timeout(timeout))

    def brpoplpush(self, src: str, dst: str, timeout: float = 0) -> str | None:
        """Move the tail of ``src`` to the head of ``dst``, waiting up to ``timeout``
        seconds while ``src`` is empty; the element, or None on timeout."""
        return self._call("BRPOPLPUSH", src, dst, _timeout(timeout))  # type: ignore[no-any-return]

    def blmpop(self, timeout: float, numkeys: int, *args: str, direction: Side,
               count: int | None = 1) -> list[Any] | None:
        """LMPOP that waits up to ``timeout`` seconds while every list is empty:
        ``[key, [elements]]`` (as :meth:`lmpop`), or None on timeout."""
        argv = [_timeout(timeout), enc(numkeys), *args, direction]
        if count is not None and count != 1:
            argv += ["COUNT", enc(count)]

        def conv(reply: Any) -> list[Any] | None:
            return None if reply is None else [self._strip(reply[0]), list(reply[1])]

        return self._conv(conv, "BLMPOP", *argv)

    def bzpopmin(self, keys: str | Iterable[str],
                 timeout: float = 0) -> tuple[str, str, float] | None:
        """Pop the lowest-scored member of the first non-empty sorted set, waiting up to
        ``timeout`` seconds: ``(key, member, score)``, or None on timeout."""
        return self._conv(self._key_member_score, "BZPOPMIN", *_keys(keys), _timeout(timeout))

    def bzpopmax(self, keys: str | Iterable[str],
                 timeout: float = 0) -> tuple[str, str, float] | None:
        """Pop the highest-scored member of the first non-empty sorted set, waiting up
        to ``timeout`` seconds: ``(key, member, score)``, or None on timeout."""
        return self._conv(self._key_member_score, "BZPOPMAX", *_keys(keys), _timeout(timeout))

    def bzmpop(self, timeout: float, numkeys: int, keys: Iterable[str], min: bool = False,
               max: bool = False, count: int = 1) -> tuple[str, Scored] | None:
        """ZMPOP that waits up to ``timeout`` seconds while every sorted set is empty:
        ``(key, [(member, score)])`` (as :meth:`zmpop`), or None on timeout.
        Exactly one of ``min`` / ``max`` must be set."""
        if min == max:
            raise ValueError("bzmpop needs exactly one of min=True or max=True")
        argv = [_timeout(timeout), enc(numkeys), *keys, "MIN" if min else "MAX"]
        if count != 1:
            argv += ["COUNT", enc(count)]

        def conv(reply: Any) -> tuple[str, Scored] | None:
            if reply is None:
                return None
            return self._strip(reply[0]), [(m, float(s)) for m, s in reply[1]]

        return self._conv(conv, "BZMPOP", *argv)
