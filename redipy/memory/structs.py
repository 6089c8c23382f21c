"""Value types of the memory keyspace, each with Redis's complexity.

Hashes, hashtable sets, sorted sets and the keyspace keep a :class:`Sampler` beside
their dict or set (8 bytes a member) so that a random pick (HRANDFIELD, SPOP,
SRANDMEMBER, ZRANDMEMBER, RANDOMKEY) is O(1), as in Redis, and so that SCAN-style
cursors can walk them without missing a member that stays put (a small set picks from
its ordered list instead).
"""

from __future__ import annotations

import random
from bisect import bisect_left
from collections import deque
from collections.abc import Iterator
from operator import itemgetter
from typing import Any

from redipy.memory.numbers import parse_int
from redipy.memory.stream import RStream
from redipy.memory.zorder import ZOrder

_rand = random.random
_first = itemgetter(0)
_second = itemgetter(1)


class Sampler:
    """Uniform random picks and SCAN cursors over the members of a dict or set it
    shadows, with no position index: one list slot (8 bytes) per member.

    The owner calls :meth:`add` when a member becomes new to it and :meth:`remove`
    after it left. A removed member stays in ``slots`` as a *ghost* until a pick
    lands on it or the sweep passes it; a ghost that comes back is simply live
    again, so every live member holds exactly one slot and picks stay uniform. The
    sweep (a few slots per removal, only while ghosts exceed a quarter of the
    slots) keeps picks O(1) expected. Slots only ever move by "last into the hole",
    and :meth:`scan` walks from the top index down, so a member present for a whole
    scan is never missed (Redis's SCAN guarantee).
    """

    __slots__ = ("ghosts", "slots", "sweep")

    def __init__(self, members: list[str] | None = None) -> None:
        self.slots: list[str] = [] if members is None else members
        self.ghosts: set[str] = set()
        self.sweep = -1

    def __len__(self) -> int:
        return len(self.slots) - len(self.ghosts)

    def copy(self) -> Sampler:
        return Sampler(list(self.items))

    @property
    def items(self) -> list[str]:
        """The live members as a list (the slot list itself when there are no ghosts)."""
        ghosts = self.ghosts
        if not ghosts:
            return self.slots
        return [m for m in self.slots if m not in ghosts]

    def add(self, member: str) -> None:
        """``member`` is new to the owner."""
        ghosts = self.ghosts
        if ghosts and member in ghosts:
            ghosts.discard(member)
        else:
            self.slots.append(member)

    def remove(self, member: str) -> None:
        """``member`` has left the owner."""
        ghosts = self.ghosts
        ghosts.add(member)
        if len(ghosts) * 4 > len(self.slots):
            self._sweep(4)

    def _drop(self, idx: int) -> None:
        slots = self.slots
        self.ghosts.discard(slots[idx])
        last = slots.pop()
        if idx < len(slots):
            slots[idx] = last

    def _sweep(self, steps: int) -> None:
        slots, ghosts = self.slots, self.ghosts
        pos = self.sweep
        for _ in range(steps):
            if pos < 0 or pos >= len(slots):
                pos = len(slots) - 1
                if pos < 0:
                    break
            if slots[pos] in ghosts:
                self._drop(pos)  # the last slot moved here: look at it next
            else:
                pos -= 1
        self.sweep = pos

    def pick(self) -> str:
        """A uniformly random live member (the owner must not be empty)."""
        slots, ghosts = self.slots, self.ghosts
        while True:
            idx = int(_rand() * len(slots))
            member = slots[idx]
            if not ghosts or member not in ghosts:
                return member
            self._drop(idx)

    def sample(self, count: int) -> list[str]:
        """``count`` distinct random live members (0 < count < len(self))."""
        if count * 3 > len(self):
            return random.sample(self.items, count)
        chosen: dict[str, None] = {}
        pick = self.pick
        while len(chosen) < count:
            chosen[pick()] = None
        return list(chosen)

    def scan(self, cursor: int, count: int) -> tuple[int, list[str]]:
        """Walk from the top index down: a removal moves the last (already seen)
        slot into the hole, so members present for the whole scan are never missed."""
        slots, ghosts = self.slots, self.ghosts
        nxt = len(slots) - 1 if cursor <= 0 else min(cursor - 1, len(slots) - 1)
        stop = max(nxt - count, -1)
        out = slots[nxt:stop:-1] if stop >= 0 else slots[nxt::-1]
        if ghosts:
            out = [m for m in out if m not in ghosts]
        return (stop + 1 if stop >= 0 else 0), out


class RList(deque[str]):
    """A Redis list: a deque, O(1) at both ends, O(n) by index as Redis's quicklist."""

    __slots__ = ()


HASH_LISTPACK_ENTRIES = 512  # hash-max-listpack-entries
HASH_LISTPACK_VALUE = 64  # hash-max-listpack-value

NEVER = 1 << 62
"""A deadline no field reaches (``RHash.soonest`` of a hash without field TTLs)."""


class RHash:
    """A Redis hash: field -> value, plus a :class:`Sampler` for random picks and scans.

    Field TTLs (HEXPIRE, HSETEX, ...) live in ``ttls`` (field -> deadline in ms), which
    stays ``None`` for a hash that never had one, so plain hashes pay one attribute
    test; ``soonest`` is a lower bound of the deadlines, so a hash with TTLs is only
    walked for expired fields once one may be due (see ``Database.purge_fields``).
    Once a hash had a field TTL, a server holds it as a hashtable for good: ``ttls``
    then stays a (possibly empty) dict. ``big`` is the same one-way switch for size:
    set once a write makes the hash exceed the listpack limits (more than
    HASH_LISTPACK_ENTRIES fields, or a field or value longer than
    HASH_LISTPACK_VALUE bytes), never cleared when it shrinks, as a server never
    converts a hashtable back (a copy made by RESTORE is judged afresh)."""

    __slots__ = ("big", "fields", "map", "soonest", "ttls")

    def __init__(self) -> None:
        self.map: dict[str, str] = {}
        self.fields = Sampler()
        self.ttls: dict[str, int] | None = None
        self.soonest = NEVER
        self.big = False

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
        if not self.big:
            self.grown(field, value)
        return fresh

    def grown(self, field: str, value: str) -> None:
        """Flip ``big`` when this write takes the hash past the listpack limits."""
        if (len(self.map) > HASH_LISTPACK_ENTRIES or len(field) > HASH_LISTPACK_VALUE
                or len(value) > HASH_LISTPACK_VALUE):
            self.big = True

    def remove(self, field: str) -> bool:
        if field not in self.map:
            return False
        del self.map[field]
        self.fields.remove(field)
        if self.ttls:
            self.ttls.pop(field, None)
        return True

    def expire_at(self, field: str, when: int) -> None:
        """Give an existing field a deadline (ms)."""
        if self.ttls is None:
            self.ttls = {}
        self.ttls[field] = when
        if when < self.soonest:
            self.soonest = when

    def items(self) -> Iterator[tuple[str, str]]:
        return iter(self.map.items())


SET_INTSET_ENTRIES = 512  # set-max-intset-entries
SET_LISTPACK_ENTRIES = 128  # set-max-listpack-entries
SET_LISTPACK_VALUE = 64  # set-max-listpack-value
INTSET, LISTPACK, HASHTABLE = 0, 1, 2
"""RSet.enc: the encoding a Valkey 9.1 server would hold the set in."""


def is_ll(member: str) -> bool:
    """Whether an intset takes ``member``: Redis's string2ll (canonical 64-bit integer)."""
    return parse_int(member) is not None


class RSet:
    """A Redis set: a Python ``set`` of members (``live``), plus what a server's encoding
    shows (``enc``, see :data:`INTSET`).

    A small set (an intset or a listpack) keeps its members' order in ``order``: an
    intset's ascending by value, a listpack's by insertion (a removal keeps the rest's
    order); that is the order SMEMBERS, SSCAN and the algebra read, as on the server,
    and random picks index it (O(1)). A hashtable set has ``order`` ``None`` and a
    :class:`Sampler` (``members``) for O(1) random picks and SCAN cursors, built on
    first need (a set made by SINTERSTORE and the like never pays for one it does not
    use). The encoding only grows, as a server's: a hashtable stays one when the set
    shrinks (SPOP with a big count and the *STORE commands build a new set, judged
    afresh).
    """

    __slots__ = ("enc", "live", "members", "order")

    def __init__(self) -> None:
        """An empty intset (what a server's conversions start from)."""
        self.live: set[str] = set()
        self.members: Sampler | None = None
        self.order: list[str] | None = []
        self.enc = INTSET

    @classmethod
    def created(cls, first: str, hint: int) -> RSet:
        """setTypeCreate: the set a server makes for ``hint`` members, ``first`` first."""
        new = cls()
        if hint > SET_INTSET_ENTRIES or parse_int(first) is None:
            if hint <= SET_LISTPACK_ENTRIES:
                new.enc = LISTPACK
            else:
                new.enc = HASHTABLE
                new.order = None
        return new

    @classmethod
    def of(cls, members: set[str]) -> RSet:
        """A hashtable set holding ``members`` (taken over, not copied)."""
        new = cls.__new__(cls)
        new.live = members
        new.members = None
        new.order = None
        new.enc = HASHTABLE
        return new

    @classmethod
    def small(cls, order: list[str], enc: int) -> RSet:
        """An intset or listpack set of ``order`` (distinct, in the encoding's order)."""
        new = cls.__new__(cls)
        new.live = set(order)
        new.members = None
        new.order = order
        new.enc = enc
        return new

    def copy(self) -> RSet:
        new = RSet.__new__(RSet)
        new.live = set(self.live)
        new.members = None if self.members is None else self.members.copy()
        new.order = None if self.order is None else list(self.order)
        new.enc = self.enc
        return new

    def __len__(self) -> int:
        return len(self.live)

    def __contains__(self, member: object) -> bool:
        return member in self.live

    def __iter__(self) -> Iterator[str]:
        """The members in the server's order where it has one (small encodings)."""
        return iter(self.live if self.order is None else self.order)

    def listed(self) -> list[str]:
        """The members as a new list, in the server's order where it has one."""
        return list(self.live if self.order is None else self.order)

    def sampler(self) -> Sampler:
        """The hashtable set's Sampler (built now if the set has none yet)."""
        members = self.members
        if members is None:
            members = self.members = Sampler(list(self.live))
        return members

    def pick(self) -> str:
        """A uniformly random member (the set must not be empty)."""
        order = self.order
        if order is not None:
            return order[int(_rand() * len(order))]
        return self.sampler().pick()

    def to_hashtable(self) -> None:
        self.enc = HASHTABLE
        self.order = None
        self.members = None

    def hinted(self, hint: int) -> None:
        """setTypeMaybeConvert: SADD of ``hint`` members turns a small set that cannot
        hold that many into a hashtable first."""
        if (self.enc == LISTPACK and hint > SET_LISTPACK_ENTRIES) or (
                self.enc == INTSET and hint > SET_INTSET_ENTRIES):
            self.to_hashtable()

    def add(self, member: str) -> bool:
        live = self.live
        if member in live:
            return False
        live.add(member)
        order = self.order
        if order is None:
            if self.members is not None:
                self.members.add(member)
            return True
        if self.enc == LISTPACK:
            if len(order) < SET_LISTPACK_ENTRIES and len(member) <= SET_LISTPACK_VALUE:
                order.append(member)
            else:
                self.to_hashtable()
            return True
        value = parse_int(member)
        if value is not None:  # an intset keeps its members ascending
            if len(order) >= SET_INTSET_ENTRIES:
                self.to_hashtable()
            else:
                order.insert(bisect_left(order, value, key=int), member)
            return True
        if len(order) < SET_LISTPACK_ENTRIES and len(member) <= SET_LISTPACK_VALUE:
            self.enc = LISTPACK  # the intset's members, ascending, then the new one
            order.append(member)
        else:
            self.to_hashtable()
        return True

    def remove(self, member: str) -> bool:
        live = self.live
        if member not in live:
            return False
        live.discard(member)
        order = self.order
        if order is not None:
            if self.enc == INTSET:
                del order[bisect_left(order, int(member), key=int)]
            else:
                order.remove(member)
        elif self.members is not None:
            self.members.remove(member)
        return True


class RZSet:
    """A Redis sorted set: member -> score, plus (score, member) kept in order.

    Members are byte strings (one character per byte), so comparing them by code point
    is Redis's memcmp order. A set built in bulk (:meth:`loaded`: the *STORE commands)
    starts with its ordered half only; the member -> score dict and the Sampler are
    made from it on first use (``__getattr__`` runs only while a slot is unset, so a
    set that has them pays nothing).
    """

    __slots__ = ("big", "order", "ra", "scores")

    def __init__(self) -> None:
        self.scores: dict[str, float] = {}
        self.order: Any = ZOrder()
        self.ra = Sampler()
        # Whether a server would hold it as a skiplist rather than a listpack: that
        # shows (a -0 score keeps its sign, ZSCAN pages and writes 17 digits); see
        # redipy.memory.cmd_zsets.
        self.big = False

    def __getattr__(self, name: str) -> Any:
        """The lazy halves of a set built by :meth:`loaded`, both made at the first use
        of either from the ordered half (so every change to the set must touch ``scores``
        or ``ra`` before it changes ``order``)."""
        if name != "scores" and name != "ra":
            raise AttributeError(name)
        entries = list(self.order)
        members = list(map(_second, entries))
        self.scores = dict(zip(members, map(_first, entries)))
        self.ra = Sampler(members)
        return getattr(self, name)

    def __len__(self) -> int:
        return self.order._len  # type: ignore[no-any-return]

    def score(self, member: str) -> float | None:
        return self.scores.get(member)

    def by_rank(self, lo: int, hi: int) -> list[tuple[float, str]]:
        """Entries at positions ``lo`` to ``hi - 1`` (0 <= lo < hi <= len), in order.

        The top or bottom of a set (ZRANGE 0 9, ZREVRANGE 0 9) is a plain slice of
        SortedList's first or last sublist (its documented ``_lists`` layout), about
        six times cheaper than its general positional slice; elsewhere two places and
        a cut.
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
        return order.cut(order.place_at(lo), order.place_at(hi))  # type: ignore[no-any-return]

    def set(self, member: str, score: float) -> bool:
        """Set a member's score; True when the member is new."""
        old = self.scores.get(member)
        if old is not None:
            if old == score:
                return False
            self.scores[member] = score
            self.order.move((old, member), (score, member))
            return False
        self.scores[member] = score
        self.order.add((score, member))
        self.ra.add(member)
        return True

    @classmethod
    def loaded(cls, entries: list[tuple[float, str]], big: bool,
               scores: dict[str, float] | None = None) -> RZSet:
        """A set of (score, member) entries in ascending order, each member once, built
        in bulk (no insertion per member); ``scores``: the same members and scores as a
        dict the caller built anyway (taken over), else it is made on first use."""
        new = cls.__new__(cls)
        new.order = ZOrder.of(entries)
        if scores is not None:
            new.scores = scores
            new.ra = Sampler(list(scores))
        new.big = big
        return new

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
        return self.order.rank((score, member))  # type: ignore[no-any-return]


TYPE_NAMES: dict[type, str] = {
    str: "string",
    bytearray: "string",  # a string value changed in place (APPEND, SETRANGE, SETBIT)
    RList: "list",
    RHash: "hash",
    RSet: "set",
    RZSet: "zset",
    RStream: "stream",
}
