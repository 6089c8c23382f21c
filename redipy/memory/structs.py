"""Value types of the memory keyspace, each with Redis's complexity.

Hashes and sets keep a position index beside the dict so that a random pick
(HRANDFIELD, SPOP, SRANDMEMBER, RANDOMKEY) is O(1), as in Redis, and so that
SCAN-style cursors can walk them without missing a member that stays put.
"""

from __future__ import annotations

import random
from collections import deque
from collections.abc import Iterator
from typing import Any

from sortedcontainers import SortedList

_rand = random.random


class RandomAccess:
    """Keys with O(1) add, remove and uniform random pick (swap-with-last removal)."""

    __slots__ = ("items", "pos")

    def __init__(self) -> None:
        self.pos: dict[str, int] = {}
        self.items: list[str] = []

    def __len__(self) -> int:
        return len(self.items)

    def __contains__(self, key: object) -> bool:
        return key in self.pos

    def add(self, key: str) -> bool:
        if key in self.pos:
            return False
        self.pos[key] = len(self.items)
        self.items.append(key)
        return True

    def remove(self, key: str) -> bool:
        idx = self.pos.pop(key, None)
        if idx is None:
            return False
        last = self.items.pop()
        if idx < len(self.items):
            self.items[idx] = last
            self.pos[last] = idx
        return True

    def pick(self) -> str:
        items = self.items
        return items[int(_rand() * len(items))]

    def scan(self, cursor: int, count: int) -> tuple[int, list[str]]:
        """Walk from the top index down: a removal moves the last (already seen)
        item into the hole, so items present for the whole scan are never missed."""
        items = self.items
        nxt = len(items) - 1 if cursor <= 0 else min(cursor - 1, len(items) - 1)
        out: list[str] = []
        while nxt >= 0 and len(out) < count:
            out.append(items[nxt])
            nxt -= 1
        return (nxt + 1 if nxt >= 0 else 0), out


class RList(deque[str]):
    """A Redis list: a deque, O(1) at both ends, O(n) by index as Redis's quicklist."""

    __slots__ = ()


class RHash:
    """A Redis hash: field -> value, plus a position index for random picks and scans."""

    __slots__ = ("fields", "map")

    def __init__(self) -> None:
        self.map: dict[str, str] = {}
        self.fields = RandomAccess()

    def __len__(self) -> int:
        return len(self.map)

    def __contains__(self, field: object) -> bool:
        return field in self.map

    def get(self, field: str) -> str | None:
        return self.map.get(field)

    def set(self, field: str, value: str) -> bool:
        """Set a field; True when it is new."""
        fresh = field not in self.map
        self.map[field] = value
        if fresh:
            self.fields.add(field)
        return fresh

    def remove(self, field: str) -> bool:
        if field not in self.map:
            return False
        del self.map[field]
        self.fields.remove(field)
        return True

    def items(self) -> Iterator[tuple[str, str]]:
        return iter(self.map.items())


class RSet:
    """A Redis set: membership dict with positions for O(1) random picks and scans."""

    __slots__ = ("members",)

    def __init__(self) -> None:
        self.members = RandomAccess()

    def __len__(self) -> int:
        return len(self.members)

    def __contains__(self, member: object) -> bool:
        return member in self.members.pos

    def __iter__(self) -> Iterator[str]:
        return iter(self.members.pos)

    def add(self, member: str) -> bool:
        return self.members.add(member)

    def remove(self, member: str) -> bool:
        return self.members.remove(member)


class RZSet:
    """A Redis sorted set: member -> score, plus (score, member) kept in order.

    Members compare by code point, which is the order of their UTF-8 bytes, so the
    tie-break equals Redis's memcmp order.
    """

    __slots__ = ("order", "ra", "scores")

    def __init__(self) -> None:
        self.scores: dict[str, float] = {}
        self.order: Any = SortedList()
        self.ra = RandomAccess()

    def __len__(self) -> int:
        return len(self.scores)

    def __contains__(self, member: object) -> bool:
        return member in self.scores

    def score(self, member: str) -> float | None:
        return self.scores.get(member)

    def by_rank(self, lo: int, hi: int) -> list[tuple[float, str]]:
        """Entries at positions ``lo`` to ``hi - 1`` (0 <= lo < hi <= len), in order.

        The top or bottom of a set (ZRANGE 0 9, ZREVRANGE 0 9) is a plain slice of
        SortedList's first or last sublist (its documented ``_lists`` layout), about
        six times cheaper than its general positional slice, which is the fallback.
        """
        order = self.order
        lists = order._lists
        if lists:
            first = lists[0]
            if hi <= len(first):
                return first[lo:hi]  # type: ignore[no-any-return]
            last = lists[-1]
            base = len(self.scores) - len(last)
            if lo >= base:
                return last[lo - base:hi - base]  # type: ignore[no-any-return]
        return order[lo:hi]  # type: ignore[no-any-return]

    def set(self, member: str, score: float) -> bool:
        """Set a member's score; True when the member is new."""
        old = self.scores.get(member)
        if old is not None:
            if old == score:
                return False
            self.order.remove((old, member))
            self.scores[member] = score
            self.order.add((score, member))
            return False
        self.scores[member] = score
        self.order.add((score, member))
        self.ra.add(member)
        return True

    def remove(self, member: str) -> bool:
        old = self.scores.pop(member, None)
        if old is None:
            return False
        self.order.remove((old, member))
        self.ra.remove(member)
        return True

    def rank(self, member: str) -> int | None:
        score = self.scores.get(member)
        if score is None:
            return None
        return int(self.order.index((score, member)))


TYPE_NAMES: dict[type, str] = {
    str: "string",
    bytearray: "string",  # a string value changed in place (APPEND, SETRANGE, SETBIT)
    RList: "list",
    RHash: "hash",
    RSet: "set",
    RZSet: "zset",
}
