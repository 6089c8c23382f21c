"""The stream value of the memory backend: entries by ID, consumer groups, their PELs.

An ID ``ms-seq`` is held as one int, ``ms << 64 | seq``, so IDs compare and sort as
ints. Entries live in a dict (ID -> (ID text, flat field/value list)) beside a
:class:`SortedList` of their IDs, so XADD, XDEL, a range seek and a trim step are
O(log n), as on a server.

A server keeps entries in listpack *nodes* of at most 100 entries (or 4096 bytes)
under a radix tree. That layout is visible: ``XINFO STREAM`` reports radix-tree-keys
and radix-tree-nodes, and approximate trimming (``MAXLEN ~``, ``MINID ~``) removes whole
nodes only. So the nodes are modelled too (:class:`Node`: first ID, live and deleted
counts, an estimate of the listpack's bytes), without storing entries in them.
"""

from __future__ import annotations

from collections.abc import Iterator
from itertools import pairwise
from typing import Any

from sortedcontainers import SortedList

MASK = (1 << 64) - 1
MAX_ID = (1 << 128) - 1
NODE_MAX_ENTRIES = 100
NODE_MAX_BYTES = 4096
INVALID_READ = -1
"""A group's entries-read counter when it is unknown (Redis's SCG_INVALID_ENTRIES_READ)."""


def id_text(sid: int) -> str:
    return f"{sid >> 64}-{sid & MASK}"


def _int_size(v: int) -> int:
    """Bytes of an integer element of a listpack (encoding + backlen)."""
    if 0 <= v <= 127:
        return 2
    if -4096 <= v <= 4095:
        return 3
    if -32768 <= v <= 32767:
        return 4
    if -(1 << 23) <= v < (1 << 23):
        return 5
    if -(1 << 31) <= v < (1 << 31):
        return 6
    return 10


def _backlen(n: int) -> int:
    if n <= 127:
        return 1
    if n < 16383:
        return 2
    if n < 2097151:
        return 3
    if n < 268435455:
        return 4
    return 5


def _as_int64(s: str) -> int | None:
    """The value when a listpack would store ``s`` as an integer (canonical int64 text)."""
    if not s or len(s) > 20:
        return None
    c = s[0]
    if not (c.isdigit() or (c == "-" and len(s) > 1)):
        return None
    try:
        v = int(s)
    except ValueError:
        return None
    if str(v) != s or not -(1 << 63) <= v < (1 << 63):
        return None
    return v


def _elem_size(s: str) -> int:
    v = _as_int64(s)
    if v is not None:
        return _int_size(v)
    n = len(s)
    head = 1 if n < 64 else 2 if n < 4096 else 5
    return head + n + _backlen(head + n)


class Node:
    """One listpack node of a server's stream: where approximate trims cut."""

    __slots__ = ("deleted", "fields", "last", "live", "master", "nbytes")

    def __init__(self, master: int, fields: list[str]) -> None:
        self.master = master
        self.fields = fields[0::2]  # the master entry's field names
        self.live = 0
        self.deleted = 0
        self.last = master
        # header + end byte, then count, deleted, field count, fields, master terminator
        self.nbytes = 7 + 2 + 2 + _int_size(len(self.fields)) + 2 + sum(
            _elem_size(f) for f in self.fields)

    def entry_bytes(self, sid: int, fields: list[str]) -> int:
        names = fields[0::2]
        same = names == self.fields
        ms_diff = (sid >> 64) - (self.master >> 64)
        seq_diff = (sid & MASK) - (self.master & MASK)
        size = 2 + _int_size(_clamp(ms_diff)) + _int_size(_clamp(seq_diff))
        if same:
            size += sum(_elem_size(v) for v in fields[1::2])
            lp_count = len(names) + 3
        else:
            size += _int_size(len(names)) + sum(_elem_size(x) for x in fields)
            lp_count = len(fields) + 4
        return size + _int_size(lp_count)


def _clamp(v: int) -> int:
    """A difference as the int64 a server stores it."""
    v &= MASK
    return v - (1 << 64) if v >= 1 << 63 else v


class Pending:
    """One entry of a group's PEL: its owner, last delivery time and delivery count."""

    __slots__ = ("consumer", "count", "time")

    def __init__(self, consumer: Consumer, when: int, count: int) -> None:
        self.consumer = consumer
        self.time = when
        self.count = count


class Consumer:
    """A consumer of a group: its own PEL (IDs in order) and when it was seen / active."""

    __slots__ = ("active", "name", "pel", "seen")

    def __init__(self, name: str, now: int) -> None:
        self.name = name
        self.seen = now
        self.active = -1
        self.pel: Any = SortedList()


class Group:
    """A consumer group: last delivered ID, entries-read counter, PEL, consumers."""

    __slots__ = ("consumers", "entries_read", "last_id", "name", "pel", "pel_ids")

    def __init__(self, name: str, last_id: int, entries_read: int) -> None:
        self.name = name
        self.last_id = last_id
        self.entries_read = entries_read
        self.pel: dict[int, Pending] = {}
        self.pel_ids: Any = SortedList()
        self.consumers: dict[str, Consumer] = {}

    def consumer(self, name: str, now: int) -> tuple[Consumer, bool]:
        """The named consumer, created when missing (True when it was created)."""
        cons = self.consumers.get(name)
        if cons is not None:
            return cons, False
        cons = self.consumers[name] = Consumer(name, now)
        return cons, True

    def add_pending(self, sid: int, cons: Consumer, when: int, count: int = 1) -> None:
        old = self.pel.get(sid)
        if old is not None:
            if old.consumer is not cons:
                old.consumer.pel.remove(sid)
                cons.pel.add(sid)
                old.consumer = cons
            old.time = when
            old.count = count
            return
        self.pel[sid] = Pending(cons, when, count)
        self.pel_ids.add(sid)
        cons.pel.add(sid)

    def ack(self, sid: int) -> bool:
        nack = self.pel.pop(sid, None)
        if nack is None:
            return False
        self.pel_ids.remove(sid)
        nack.consumer.pel.remove(sid)
        return True

    def delete_consumer(self, name: str) -> int:
        cons = self.consumers.pop(name, None)
        if cons is None:
            return 0
        pending = len(cons.pel)
        for sid in cons.pel:
            del self.pel[sid]
            self.pel_ids.remove(sid)
        return pending


class RStream:
    """A Redis stream: entries, last ID, counters, listpack nodes and consumer groups."""

    __slots__ = ("_rax_nodes", "entries", "entries_added", "first_id", "groups", "ids",
                 "last_id", "max_deleted", "node_keys", "nodes")

    def __init__(self) -> None:
        self.ids: Any = SortedList()
        self.entries: dict[int, tuple[str, list[str]]] = {}
        self.last_id = 0
        self.first_id = 0
        self.max_deleted = 0
        self.entries_added = 0
        self.groups: dict[str, Group] = {}
        self.nodes: dict[int, Node] = {}
        self.node_keys: Any = SortedList()
        self._rax_nodes: int | None = 1

    def __len__(self) -> int:
        return len(self.entries)

    def __bool__(self) -> bool:
        return True  # an empty stream is still a key, unlike an empty list

    # ---- adding ------------------------------------------------------------------------------

    def append(self, sid: int, fields: list[str]) -> str:
        """Add an entry whose ID is above the last one; returns the ID text."""
        text = f"{sid >> 64}-{sid & MASK}"
        tail = self.nodes[self.node_keys[-1]] if self.node_keys else None
        if tail is not None:
            need = sum(len(x) for x in fields)
            if (tail.nbytes + need >= NODE_MAX_BYTES
                    or tail.live + tail.deleted >= NODE_MAX_ENTRIES):
                tail = None
        if tail is None:
            tail = Node(sid, fields)
            self.nodes[sid] = tail
            self.node_keys.add(sid)
            self._rax_nodes = None
        tail.nbytes += tail.entry_bytes(sid, fields)
        tail.live += 1
        tail.last = sid
        self.entries[sid] = (text, fields)
        self.ids.add(sid)
        if len(self.entries) == 1:
            self.first_id = sid
        self.last_id = sid
        self.entries_added += 1
        return text

    # ---- removing ------------------------------------------------------------------------------

    def _node_of(self, sid: int) -> Node:
        keys = self.node_keys
        return self.nodes[keys[keys.bisect_right(sid) - 1]]

    def _drop_node(self, node: Node) -> None:
        del self.nodes[node.master]
        self.node_keys.remove(node.master)
        self._rax_nodes = None

    def delete(self, sid: int) -> bool:
        """XDEL of one ID: the entry becomes a tombstone in its node."""
        if self.entries.pop(sid, None) is None:
            return False
        self.ids.remove(sid)
        node = self._node_of(sid)
        node.live -= 1
        node.deleted += 1
        if node.live == 0:
            self._drop_node(node)
        return True

    def edge_first(self) -> int:
        """The first live ID (0-0 when empty)."""
        return self.ids[0] if self.ids else 0

    def trim(self, maxlen: int | None, minid: int | None, approx: bool, limit: int) -> int:
        """XTRIM / XADD's trimming: whole nodes first; with ``approx`` only whole nodes;
        ``limit`` (0 = none) caps the entries removed. Returns how many were removed."""
        removed = 0
        keys = self.node_keys
        while keys:
            if maxlen is not None and len(self.entries) <= maxlen:
                break
            node: Node = self.nodes[keys[0]]
            if limit and removed + node.live > limit:
                break
            if maxlen is not None:
                whole = len(self.entries) - node.live >= maxlen
            else:
                assert minid is not None
                whole = node.last < minid
            if whole:
                ids = self.ids
                entries = self.entries
                n = node.live
                if n:
                    hi = ids.bisect_right(node.last)
                    for sid in ids[:hi]:
                        del entries[sid]
                    del ids[:hi]
                self._drop_node(node)
                removed += n
                continue
            if approx:
                break
            # delete from within the first node, entry by entry
            ids = self.ids
            while ids:
                sid = ids[0]
                if maxlen is not None:
                    if len(self.entries) <= maxlen:
                        break
                elif sid >= minid:
                    break
                del self.entries[sid]
                del ids[0]
                node.live -= 1
                node.deleted += 1
                removed += 1
            break
        if removed:
            self.first_id = self.edge_first()
        return removed

    # ---- reading -------------------------------------------------------------------------------

    def range(self, lo: int, hi: int, count: int, rev: bool = False) -> list[list[Any]]:
        """Entries with lo <= ID <= hi, at most ``count`` (0 = all), as reply pairs."""
        if lo > hi:
            return []
        ids = self.ids
        entries = self.entries
        if not rev:
            start = ids.bisect_left(lo)
            stop = ids.bisect_right(hi)
            if count and stop - start > count:
                stop = start + count
            return [[*entries[sid]] for sid in ids.islice(start, stop)]
        start = ids.bisect_left(lo)
        stop = ids.bisect_right(hi)
        if count and stop - start > count:
            start = stop - count
        return [[*entries[sid]] for sid in ids.islice(start, stop, reverse=True)]

    def after(self, sid: int, count: int) -> Iterator[int]:
        """IDs greater than ``sid``, in order, at most ``count`` (0 = all)."""
        ids = self.ids
        start = ids.bisect_right(sid)
        stop = len(ids) if not count else min(len(ids), start + count)
        return ids.islice(start, stop)  # type: ignore[no-any-return]

    def last_valid(self) -> int:
        """The last live entry's ID (0 when empty)."""
        return self.ids[-1] if self.ids else 0

    # ---- consumer-group counters ---------------------------------------------------------------

    def has_tombstones(self, start: int) -> bool:
        """Whether a deleted entry may lie at or after ``start``, as Valkey 8+ judges it
        for the lag: any XDEL at or after ``start`` counts, even one trimmed away since
        (Redis 7.0 ignores tombstones before the first entry)."""
        return bool(self.entries) and self.max_deleted != 0 and start <= self.max_deleted

    def estimate_read(self, sid: int) -> int:
        """How many entries were added up to ``sid``, or INVALID_READ when unknowable
        (streamEstimateDistanceFromFirstEverEntry, with Valkey 8+'s rule that an ID
        before the last tombstone, other than 0-0, has no known count)."""
        if not self.entries_added:
            return 0
        if not self.entries and sid <= self.last_id:
            return self.entries_added
        if sid and sid < self.max_deleted:
            return INVALID_READ
        if sid == self.last_id:
            return self.entries_added
        if sid > self.last_id:
            return INVALID_READ
        if self.max_deleted == 0 or self.max_deleted < self.first_id:
            if sid < self.first_id:
                return self.entries_added - len(self.entries)
            if sid == self.first_id:
                return self.entries_added - len(self.entries) + 1
        return INVALID_READ

    def lag(self, group: Group) -> int | None:
        """How many entries the group has yet to read, or None when unknowable."""
        if not self.entries_added:
            return 0
        if group.entries_read != INVALID_READ and not self.has_tombstones(group.last_id):
            return self.entries_added - group.entries_read
        read = self.estimate_read(group.last_id)
        if read != INVALID_READ:
            return self.entries_added - read
        return None

    def delivered(self, group: Group, sid: int) -> None:
        """Advance a group past ``sid`` (an entry it just delivered), keeping its counter.

        Valkey 8+ takes the exact count when it is known (``sid`` is the first or the last
        entry and nothing is fragmented) before counting on from the group's own counter;
        Redis 7.0 counts on first, so a group given a wrong ENTRIESREAD stays wrong there.
        """
        if sid > group.last_id:
            exact = self.estimate_read(sid)
            if exact != INVALID_READ:
                group.entries_read = exact
            elif group.entries_read != INVALID_READ and not self.has_tombstones(sid):
                group.entries_read += 1
            else:
                group.entries_read = INVALID_READ
            group.last_id = sid

    # ---- the radix tree's shape ----------------------------------------------------------------

    def rax_nodes(self) -> int:
        """How many nodes a server's radix tree of node keys has (cached until the node
        set changes): the root, every key, every branch point and each branch's children."""
        cached = self._rax_nodes
        if cached is not None:
            return cached
        keys = [k.to_bytes(16, "big") for k in self.node_keys]
        seen: set[bytes] = {b""}
        seen.update(keys)
        for a, b in pairwise(keys):
            n = 0
            while a[n] == b[n]:
                n += 1
            seen.add(a[:n])
            seen.add(a[:n + 1])
            seen.add(b[:n + 1])
        self._rax_nodes = len(seen)
        return len(seen)
