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

from bisect import bisect_left, bisect_right
from collections.abc import Iterator
from itertools import pairwise, repeat
from operator import attrgetter
from typing import Any, NamedTuple, cast

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


_NUMERIC_START = frozenset("-0123456789")


def _elem_size(s: str) -> int:
    if s and s[0] not in _NUMERIC_START and len(s) < 63:
        return len(s) + 2  # a short string: 1 byte of header, the bytes, 1 of backlen
    v = _as_int64(s)
    if v is not None:
        return _int_size(v)
    n = len(s)
    head = 1 if n < 64 else 2 if n < 4096 else 5
    return head + n + _backlen(head + n)


def _uint_size(v: int) -> int:
    """:func:`_int_size` of a non-negative int64."""
    return 2 if v <= 127 else 3 if v <= 4095 else 4 if v <= 32767 else (
        5 if v < 1 << 23 else 6 if v < 1 << 31 else 10)


def _diff_size(v: int) -> int:
    """The bytes of an ID part's difference from the master's, stored as an int64."""
    return 2 if 0 <= v <= 127 else _int_size(_clamp(v))


class Node:
    """One listpack node of a server's stream: where approximate trims cut.

    ``base`` is what every entry with the master's field names adds besides its ID
    differences and values (the flags element and the lp-count element)."""

    __slots__ = ("base", "deleted", "fields", "last", "live", "master", "ms", "names_len",
                 "nbytes", "seq")

    def __init__(self, master: int, fields: list[str]) -> None:
        self.master = master
        self.ms = master >> 64
        self.seq = master & MASK
        self.fields = names = fields[0::2]  # the master entry's field names
        self.names_len = sum(map(len, names))
        lp_count = len(names) + 3
        self.base = 2 + (2 if lp_count <= 127 else _int_size(lp_count))
        self.live = 0
        self.deleted = 0
        self.last = master
        # header + end byte, then count, deleted, field count, fields, master terminator
        self.nbytes = 7 + 2 + 2 + _int_size(len(names)) + 2 + sum(map(_elem_size, names))

    def entry_bytes(self, sid: int, fields: list[str]) -> int:
        """The bytes an entry adds to the node (:meth:`RStream.append` inlines the usual
        case: the master's field names)."""
        names = fields[0::2]
        size = 2 + _diff_size((sid >> 64) - self.ms) + _diff_size((sid & MASK) - self.seq)
        if names == self.fields:
            return size + self.base - 2 + sum(map(_elem_size, fields[1::2]))
        size += _int_size(len(names)) + sum(map(_elem_size, fields))
        lp_count = len(fields) + 4
        return size + (2 if lp_count <= 127 else _int_size(lp_count))


def _clamp(v: int) -> int:
    """A difference as the int64 a server stores it."""
    v &= MASK
    return v - (1 << 64) if v >= 1 << 63 else v


class IdIndex:
    """A set of IDs kept in order, for a PEL: adding an ID above all others is an append,
    removing one leaves a tombstone that a compaction (after as many removals as there
    are live IDs) sweeps away, so both are O(1) amortized. An ID added out of order (a
    claim of an older entry) switches the index to a :class:`SortedList`: O(log n) from
    then on."""

    __slots__ = ("_head", "_ids", "_live", "_sorted")

    def __init__(self) -> None:
        self._ids: list[int] = []
        self._head = 0
        self._live: set[int] = set()
        self._sorted: Any = None

    def __len__(self) -> int:
        return len(self._live)

    def __bool__(self) -> bool:
        return bool(self._live)

    def __contains__(self, sid: object) -> bool:
        return sid in self._live

    def add(self, sid: int) -> None:
        live = self._live
        if sid in live:
            return
        live.add(sid)
        if self._sorted is not None:
            self._sorted.add(sid)
            return
        ids = self._ids
        if not ids or sid > ids[-1]:
            ids.append(sid)
            return
        pos = bisect_left(ids, sid, self._head)
        if pos < len(ids) and ids[pos] == sid:
            return  # a tombstone in its place comes back to life
        self._sorted = SortedList(x for x in ids[self._head:] if x in live)
        self._sorted.add(sid)
        self._ids = []
        self._head = 0

    def extend(self, sids: list[int]) -> None:
        """Add IDs given in ascending order (a batch just delivered): one list extend and
        one set update when they all lie above the index's last ID, else one by one."""
        ids = self._ids
        if self._sorted is None and (not ids or sids[0] > ids[-1]):
            # above every ID held, tombstones included: none of them is live yet
            ids.extend(sids)
            self._live.update(sids)
            return
        for sid in sids:
            self.add(sid)

    def discard_many(self, sids: list[int]) -> None:
        """Remove live, distinct IDs (an XACK of several): one set update, and the head
        moves past them in one step when they are the oldest, in order."""
        live = self._live
        live.difference_update(sids)
        if self._sorted is not None:
            for sid in sids:
                self._sorted.remove(sid)
            return
        ids = self._ids
        if not live:  # the usual end of an XACK: nothing left pending
            ids.clear()
            self._head = 0
            return
        head = self._head
        stop = head + len(sids)
        if ids[head:stop] == sids:
            self._head = stop
        else:
            while head < len(ids) and ids[head] not in live:
                head += 1
            self._head = head
        while ids[-1] not in live:  # a live ID remains at or after the head
            ids.pop()
        dead = len(ids) - self._head - len(live)
        if dead > 32 and dead > len(live):
            self._ids = [x for x in ids[self._head:] if x in live]
            self._head = 0

    def discard(self, sid: int) -> None:
        live = self._live
        if sid not in live:
            return
        live.remove(sid)
        if self._sorted is not None:
            self._sorted.remove(sid)
            return
        ids = self._ids
        if not live:
            ids.clear()
            self._head = 0
            return
        if ids[-1] == sid:
            ids.pop()
        elif ids[self._head] == sid:
            self._head += 1
        dead = len(ids) - self._head - len(live)
        if dead > 32 and dead > len(live):
            self._ids = [x for x in ids[self._head:] if x in live]
            self._head = 0

    def irange(self, lo: int, hi: int) -> Iterator[int]:
        """Live IDs from ``lo`` to ``hi`` inclusive, in order (a snapshot-safe walk only
        while nothing is removed; callers that remove take a list first)."""
        if self._sorted is not None:
            yield from self._sorted.irange(lo, hi)
            return
        ids, live = self._ids, self._live
        for pos in range(bisect_left(ids, lo, self._head), len(ids)):
            sid = ids[pos]
            if sid > hi:
                return
            if sid in live:
                yield sid

    def below(self, sid: int) -> bool:
        """Whether every ID held is below ``sid`` (in list mode the last ID kept, a
        tombstone maybe, bounds the live ones)."""
        if self._sorted is not None:
            return not self._sorted or self._sorted[-1] < sid
        ids = self._ids
        return not ids or ids[-1] < sid

    def first(self) -> int:
        if self._sorted is not None:
            return self._sorted[0]  # type: ignore[no-any-return]
        ids, live = self._ids, self._live
        for pos in range(self._head, len(ids)):  # the head is live but after a discard
            if ids[pos] in live:
                return ids[pos]
        raise IndexError("empty")

    def last(self) -> int:
        if self._sorted is not None:
            return self._sorted[-1]  # type: ignore[no-any-return]
        ids, live = self._ids, self._live
        for pos in range(len(ids) - 1, self._head - 1, -1):
            if ids[pos] in live:
                return ids[pos]
        raise IndexError("empty")

    def head(self, count: int) -> list[int]:
        """The first ``count`` live IDs (all with 0)."""
        out: list[int] = []
        for sid in self.irange(0, MAX_ID):
            out.append(sid)
            if len(out) == count:
                break
        return out

    def __iter__(self) -> Iterator[int]:
        return iter(self.head(0))


class Pending(NamedTuple):
    """One entry of a group's PEL: its owner, last delivery time and delivery count.

    Immutable, so the entries of one XREADGROUP batch share one record (one object per
    batch instead of one per entry); a change puts a new record in place."""

    consumer: Consumer
    time: int
    count: int  # type: ignore[assignment]  # (tuple.count, shadowed on purpose)


_owner = attrgetter("consumer")

Entry = list[Any]
"""A stream entry as held: ``[ID text, flat field/value list]``, the very pair a reply
carries (range replies share it: no copy per entry; nothing mutates a reply)."""


class Consumer:
    """A consumer of a group: its own PEL (IDs in order) and when it was seen / active."""

    __slots__ = ("active", "fresh", "name", "pel", "seen")

    def __init__(self, name: str, now: int) -> None:
        self.name = name
        self.seen = now
        self.active = -1
        self.pel = IdIndex()
        self.fresh: Pending | None = None
        """The record of an entry delivered to this consumer for the first time lately
        (immutable, so every entry delivered in the same millisecond shares it)."""

    def first_delivery(self, when: int) -> Pending:
        """The PEL record of an entry first delivered to this consumer at ``when``."""
        nack = self.fresh
        if nack is None or nack.time != when:
            nack = self.fresh = Pending(self, when, 1)
        return nack


class Group:
    """A consumer group: last delivered ID, entries-read counter, PEL, consumers."""

    __slots__ = ("consumers", "entries_read", "last_id", "name", "pel", "pel_ids")

    def __init__(self, name: str, last_id: int, entries_read: int) -> None:
        self.name = name
        self.last_id = last_id
        self.entries_read = entries_read
        self.pel: dict[int, Pending] = {}
        self.pel_ids = IdIndex()
        self.consumers: dict[str, Consumer] = {}

    def consumer(self, name: str, now: int) -> tuple[Consumer, bool]:
        """The named consumer, created when missing (True when it was created)."""
        cons = self.consumers.get(name)
        if cons is not None:
            return cons, False
        cons = self.consumers[name] = Consumer(name, now)
        return cons, True

    def add_pending(self, sid: int, cons: Consumer, when: int, count: int = 1) -> None:
        pel = self.pel
        old = pel.get(sid)
        pel[sid] = cons.first_delivery(when) if count == 1 else Pending(cons, when, count)
        if old is not None:
            if old.consumer is not cons:
                old.consumer.pel.discard(sid)
                cons.pel.add(sid)
            return
        self.pel_ids.add(sid)
        cons.pel.add(sid)

    def add_new_pending(self, sids: list[int], cons: Consumer, when: int) -> None:
        """XREADGROUP ``>``'s batch, IDs ascending and delivered once: in one step when
        none of them is pending yet (the rule), else one by one."""
        pel = self.pel
        if pel and not self.pel_ids.below(sids[0]) and not pel.keys().isdisjoint(sids):
            for sid in sids:
                self.add_pending(sid, cons, when, 1)
            return
        nack = cons.first_delivery(when)
        for sid in sids:
            pel[sid] = nack
        self.pel_ids.extend(sids)
        cons.pel.extend(sids)

    def ack_many(self, sids: list[int]) -> int:
        """XACK of IDs: how many were pending; the indexes updated in one pass each."""
        got: list[Pending | None] = list(map(self.pel.pop, sids, repeat(None, len(sids))))
        if None in got:  # not pending, or named twice
            done = [sid for sid, nack in zip(sids, got) if nack is not None]
            if not done:
                return 0
            nacks = [nack for nack in got if nack is not None]
        else:
            done = sids
            nacks = cast("list[Pending]", got)
        self.pel_ids.discard_many(done)
        owner = nacks[0].consumer
        if len(set(map(_owner, nacks))) == 1:
            owner.pel.discard_many(done)
        else:
            for sid, nack in zip(done, nacks):
                nack.consumer.pel.discard(sid)
        return len(done)

    def ack(self, sid: int) -> bool:
        nack = self.pel.pop(sid, None)
        if nack is None:
            return False
        self.pel_ids.discard(sid)
        nack.consumer.pel.discard(sid)
        return True

    def delete_consumer(self, name: str) -> int:
        cons = self.consumers.pop(name, None)
        if cons is None:
            return 0
        pending = len(cons.pel)
        for sid in cons.pel.head(0):
            del self.pel[sid]
            self.pel_ids.discard(sid)
        return pending


class RStream:
    """A Redis stream: entries, last ID, counters, listpack nodes and consumer groups.

    ``ids`` holds the IDs in order from ``head`` on; an ID no longer in ``entries`` is a
    tombstone (XDEL) skipped by every walk, as a server skips deleted listpack entries,
    and swept away once there are more tombstones than entries. XADD appends (its ID is
    above every other), a trim moves ``head``: both O(1) amortized; seeks bisect.
    ``vals`` holds the entries in the same places (None for a tombstone), so a range
    without tombstones is one slice: no dict lookup, no scattered reads per entry (what
    made XRANGE at 1M entries twice as slow as at 1k).
    """

    __slots__ = ("_rax_nodes", "dead", "entries", "entries_added", "first_id", "groups",
                 "head", "id_cache", "ids", "last_id", "max_deleted", "node_keys", "nodes",
                 "tail", "vals")

    ID_CACHE_MAX = 4096

    def __init__(self) -> None:
        self.ids: list[int] = []
        self.vals: list[Entry | None] = []
        self.head = 0
        self.dead = 0
        self.entries: dict[int, Entry] = {}
        self.last_id = 0
        self.first_id = 0
        self.max_deleted = 0
        self.entries_added = 0
        self.groups: dict[str, Group] = {}
        self.nodes: dict[int, Node] = {}
        self.node_keys: list[int] = []
        self.tail: Node | None = None
        self._rax_nodes: int | None = 1
        self.id_cache: dict[str, int] = {}
        """ID text -> ID of entries delivered lately (XREADGROUP), so the XACK that
        follows looks its IDs up instead of parsing them. Always right whatever it holds
        (a canonical text names one ID), so it is simply emptied when full."""

    def __len__(self) -> int:
        return len(self.entries)

    def __bool__(self) -> bool:
        return True  # an empty stream is still a key, unlike an empty list

    # ---- adding ------------------------------------------------------------------------------

    def append(self, sid: int, fields: list[str]) -> str:
        """Add an entry whose ID is above the last one; returns the ID text.

        The usual entry (the tail node's field names, room left) is sized inline in one
        pass over its values, which also sums their lengths for the node's bytes check
        (the server's ``lp_bytes + totelelen >= stream-node-max-bytes``)."""
        ms = sid >> 64
        seq = sid & MASK
        text = f"{ms}-{seq}"
        tail = self.tail
        size = -1
        if tail is not None:
            if tail.live + tail.deleted < NODE_MAX_ENTRIES and fields[0::2] == tail.fields:
                total = tail.names_len
                size = tail.base
                for value in fields[1::2]:  # _elem_size with its two common cases inline
                    n = len(value)
                    total += n
                    if 0 < n < 63 and value[0] not in _NUMERIC_START:
                        size += n + 2
                    elif 0 < n < 19 and value.isdigit() and value.isascii() and (
                            value[0] != "0" or n == 1):  # a non-negative int64
                        size += _uint_size(int(value))
                    else:
                        size += _elem_size(value)
                if tail.nbytes + total >= NODE_MAX_BYTES:
                    tail = None
                else:
                    d = ms - tail.ms
                    size += 2 if 0 <= d <= 127 else _diff_size(d)
                    d = seq - tail.seq
                    size += 2 if 0 <= d <= 127 else _diff_size(d)
            elif (tail.live + tail.deleted >= NODE_MAX_ENTRIES
                  or tail.nbytes + sum(map(len, fields)) >= NODE_MAX_BYTES):
                tail = None
        if tail is None:
            tail = self.tail = Node(sid, fields)
            self.nodes[sid] = tail
            self.node_keys.append(sid)
            self._rax_nodes = None
            size = tail.entry_bytes(sid, fields)
        elif size < 0:
            size = tail.entry_bytes(sid, fields)
        tail.nbytes += size
        tail.live += 1
        tail.last = sid
        entries = self.entries
        entries[sid] = entry = [text, fields]
        self.ids.append(sid)
        self.vals.append(entry)
        if len(entries) == 1:
            self.first_id = sid
        self.last_id = sid
        self.entries_added += 1
        return text

    # ---- removing ------------------------------------------------------------------------------

    def _drop_node(self, node: Node) -> None:
        del self.nodes[node.master]
        keys = self.node_keys
        if keys[0] == node.master:
            del keys[0]  # trims drop the first node: a short memmove (keys are n/100)
        else:
            del keys[bisect_left(keys, node.master)]
        if node is self.tail:
            self.tail = self.nodes[keys[-1]] if keys else None
        self._rax_nodes = None

    def _sweep(self) -> None:
        """Drop tombstones once they outnumber entries (amortized O(1) per removal)."""
        entries = self.entries
        self.ids = ids = [sid for sid in self.ids[self.head:] if sid in entries]
        self.vals = [entries[sid] for sid in ids]
        self.head = 0
        self.dead = 0

    def delete(self, sid: int) -> bool:
        """XDEL of one ID: the entry becomes a tombstone in its node."""
        if self.entries.pop(sid, None) is None:
            return False
        self.vals[bisect_left(self.ids, sid, self.head)] = None
        self.dead += 1
        keys = self.node_keys
        node = self.nodes[keys[bisect_right(keys, sid) - 1]]
        node.live -= 1
        node.deleted += 1
        if node.live == 0:
            self._drop_node(node)
        if self.dead > 64 and self.dead > len(self.entries):
            self._sweep()
        return True

    def _first_live(self) -> int:
        ids, entries = self.ids, self.entries
        head = self.head
        while head < len(ids) and ids[head] not in entries:
            head += 1
            self.dead -= 1
        self.head = head
        return ids[head] if head < len(ids) else 0

    def edge_first(self) -> int:
        """The first live ID (0-0 when empty)."""
        return self._first_live() if self.entries else 0

    def trim(self, maxlen: int | None, minid: int | None, approx: bool, limit: int) -> int:
        """XTRIM / XADD's trimming: whole nodes first; with ``approx`` only whole nodes;
        ``limit`` (0 = none) caps the entries removed. Returns how many were removed."""
        removed = 0
        keys = self.node_keys
        entries = self.entries
        while keys:
            if maxlen is not None and len(entries) <= maxlen:
                break
            node = self.nodes[keys[0]]
            if limit and removed + node.live > limit:
                break
            if maxlen is not None:
                whole = len(entries) - node.live >= maxlen
            else:
                assert minid is not None
                whole = node.last < minid
            if whole:
                ids = self.ids
                stop = bisect_right(ids, node.last, self.head)
                for pos in range(self.head, stop):
                    if entries.pop(ids[pos], None) is None:
                        self.dead -= 1
                self.vals[self.head:stop] = [None] * (stop - self.head)
                self.head = stop
                removed += node.live
                self._drop_node(node)
                continue
            if approx:
                break
            # delete from within the first node, entry by entry (it keeps a live entry:
            # the whole node would have gone above)
            ids, vals = self.ids, self.vals
            head = self.head
            while entries:
                while ids[head] not in entries:  # a tombstone: skipped
                    head += 1
                    self.dead -= 1
                if maxlen is not None:
                    if len(entries) <= maxlen:
                        break
                elif ids[head] >= minid:  # type: ignore[operator]
                    break
                del entries[ids[head]]
                vals[head] = None
                head += 1
                node.live -= 1
                node.deleted += 1
                removed += 1
            self.head = head
            break
        if self.head > 1024 and self.head > len(self.ids) // 2:
            self._sweep()
        if removed:
            self.first_id = self.edge_first()
        return removed

    # ---- reading -------------------------------------------------------------------------------

    def range(self, lo: int, hi: int, count: int, rev: bool = False) -> list[list[Any]]:
        """Entries with lo <= ID <= hi, at most ``count`` (0 = all): the stored reply
        pairs themselves, in a new list."""
        if lo > hi:
            return []
        ids, entries = self.ids, self.entries
        out: list[list[Any]] = []
        if not rev:
            pos = bisect_left(ids, lo, self.head)
            end = len(ids)
            if not self.dead:  # no tombstones: one slice
                if count:  # the end bisected only when it cuts the count short
                    stop = pos + count
                    if stop > end:
                        stop = end
                    if stop > pos and ids[stop - 1] > hi:
                        stop = bisect_right(ids, hi, pos, stop)
                else:
                    stop = bisect_right(ids, hi, pos)
                return self.vals[pos:stop]  # type: ignore[return-value]
            while pos < end:
                sid = ids[pos]
                if sid > hi:
                    break
                got = entries.get(sid)
                if got is not None:
                    out.append(got)
                    if len(out) == count:
                        break
                pos += 1
            return out
        head = self.head
        stop = bisect_right(ids, hi, head)
        if not self.dead:  # no tombstones: one slice, reversed
            if count:  # the start bisected only when it cuts the count short
                start = stop - count
                if start < head:
                    start = head
                if start < stop and ids[start] < lo:
                    start = bisect_left(ids, lo, start, stop)
            else:
                start = bisect_left(ids, lo, head, stop)
            got = self.vals[start:stop]
            got.reverse()
            return got  # type: ignore[return-value]
        pos = stop - 1
        while pos >= head:
            sid = ids[pos]
            if sid < lo:
                break
            got = entries.get(sid)
            if got is not None:
                out.append(got)
                if len(out) == count:
                    break
            pos -= 1
        return out

    def entries_after(self, sid: int, count: int) -> tuple[list[int], list[Entry]]:
        """:meth:`after` with the entries: the IDs and their (text, fields)."""
        if not self.dead:
            ids = self.ids
            start = bisect_right(ids, sid, self.head)
            stop = start + count if count else len(ids)
            return ids[start:stop], cast("list[Entry]", self.vals[start:stop])
        sids = self.after(sid, count)
        entries = self.entries
        return sids, [entries[x] for x in sids]

    def after(self, sid: int, count: int) -> list[int]:
        """IDs greater than ``sid``, in order, at most ``count`` (0 = all)."""
        ids, entries = self.ids, self.entries
        start = bisect_right(ids, sid, self.head)
        if not self.dead:
            return ids[start:start + count] if count else ids[start:]
        out: list[int] = []
        for pos in range(start, len(ids)):
            if ids[pos] in entries:
                out.append(ids[pos])
                if len(out) == count:
                    break
        return out

    def last_valid(self) -> int:
        """The last live entry's ID (0 when empty)."""
        if not self.entries:
            return 0
        ids, entries = self.ids, self.entries
        pos = len(ids) - 1
        while ids[pos] not in entries:
            pos -= 1
        return ids[pos]

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

        As Valkey 9.1 does (t_stream.c, streamReplyWithRange): the counter moves on by one
        when it is known, the group's last ID is not before the first entry and no
        tombstone lies at or after that last ID; otherwise it is estimated for ``sid``
        (often unknown). Redis 7.0 looks for tombstones from ``sid`` instead, and so
        counts on where Valkey gives up (tests/test_stream_fuzz_cases.py).
        """
        if sid > group.last_id:
            last = group.last_id
            if (group.entries_read != INVALID_READ and last >= self.first_id
                    and not self.has_tombstones(last)):
                group.entries_read += 1
            elif self.entries_added:
                group.entries_read = self.estimate_read(sid)
            group.last_id = sid

    def delivered_many(self, group: Group, sids: list[int]) -> None:
        """:meth:`delivered` of ascending IDs, each above the group's last ID, in O(1)
        calls. After the first, every last ID is an entry, so not before the first one;
        an ID strictly between the batch's ends is neither the stream's first nor its
        last entry, so its estimate is unknown: the counter moves on by one per ID if it
        is known and no tombstone lies at or after the first ID (tombstones at or after a
        later one lie after the first too), and is unknown up to the last ID otherwise.

        Without tombstones (no XDEL ever), with a known counter and the group's last ID
        not before the first entry, every step counts on by one: done at once."""
        if (not self.max_deleted and group.entries_read != INVALID_READ
                and group.last_id >= self.first_id):
            group.entries_read += len(sids)
            group.last_id = sids[-1]
            return
        self.delivered(group, sids[0])
        if len(sids) == 1:
            return
        inner = len(sids) - 2
        if inner:
            read = group.entries_read
            if read != INVALID_READ and not self.has_tombstones(sids[0]):
                group.entries_read = read + inner
            else:
                group.entries_read = INVALID_READ
            group.last_id = sids[-2]
        self.delivered(group, sids[-1])

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
