"""The ordered half of a sorted set: ``(score, member)`` entries in a ``SortedList``.

:class:`ZOrder` is a ``SortedList`` whose hot paths (add, remove, rank, locating and
cutting a range) work on its documented layout (``_lists`` of sublists, ``_maxes``,
the ``_index`` tree behind positions) in one frame each, instead of the general
methods' chain of calls. Complexity stays the library's: O(log n) to add, remove or
rank, O(log n + m) for a range of m entries. A place is a pair ``(sublist, offset)``
so a range inside one sublist (most ranges) is one C slice, without turning places
into positions.

Beside each sublist ZOrder keeps its scores as an ``array('d')`` (``_fl``, one per
sublist, the same length and order): a score range bisects those packed doubles
instead of following a pointer to a tuple and another to its float at every probe
(the cache misses were most of a range query's time on a big set). Every method that
changes ``_lists`` changes ``_fl`` alike: the hot paths here, and SortedList's own
``_delete``, ``_expand``, ``clear`` and ``update`` (through which its ``pop``,
``discard``, ``__delitem__`` and ``copy`` go) overridden below.
"""

from __future__ import annotations

from array import array
from bisect import bisect_left, bisect_right
from collections.abc import Iterable
from operator import itemgetter
from typing import Any

from sortedcontainers import SortedList

Entry = tuple[float, str]
Place = tuple[int, int]

_first = itemgetter(0)


def _scores(sub: list[Entry]) -> array[float]:
    return array("d", map(_first, sub))


class ZOrder(SortedList):  # type: ignore[misc]
    """A ``SortedList`` of ``(score, member)`` with single-frame hot paths."""

    @classmethod
    def of(cls, entries: list[Entry]) -> ZOrder:
        """A ZOrder of ``entries`` (ascending, each once): the sublists are cut straight
        from them, with no insertion per entry and no ``__init__``."""
        order = object.__new__(cls)
        load = cls.DEFAULT_LOAD_FACTOR
        order._load = load
        order._len = len(entries)
        lists = ([entries[i:i + load] for i in range(0, len(entries), load)]
                 if len(entries) > load else [entries[:]] if entries else [])
        order._lists = lists
        order._fl = None  # made at the first use (scores()): a stored result may get none
        order._maxes = [sub[-1] for sub in lists]
        order._index = []
        order._offset = 0
        return order

    def __init__(self, iterable: Iterable[Entry] | None = None) -> None:
        self._fl: list[array[float]] | None = []
        super().__init__(iterable)

    def scores(self) -> list[array[float]]:
        """The packed scores of each sublist (``_fl``), made now when the order was built
        in bulk (:meth:`of`) and none was needed yet."""
        fl = self._fl
        if fl is None:
            fl = self._fl = [_scores(sub) for sub in self._lists]
        return fl

    def add(self, value: Entry) -> None:
        """SortedList.add with ``_expand`` inlined (and the scores' array kept alike)."""
        lists = self._lists
        maxes = self._maxes
        fl = self._fl
        if fl is None:
            fl = self._fl or self.scores()
        if not maxes:
            lists.append([value])
            fl.append(array("d", (value[0],)))
            maxes.append(value)
            self._len = 1
            return
        pos = bisect_right(maxes, value)
        if pos == len(maxes):
            pos -= 1
            sub = lists[pos]
            sub.append(value)
            fl[pos].append(value[0])
            maxes[pos] = value
        else:
            sub = lists[pos]
            scores = fl[pos]
            score = value[0]
            idx = bisect_right(scores, score)  # by the packed scores; members on a tie
            if idx and scores[idx - 1] == score:
                idx = bisect_right(sub, value, bisect_left(scores, score, 0, idx), idx)
            sub.insert(idx, value)
            scores.insert(idx, score)
        self._len += 1
        load = self._load
        index = self._index
        if len(sub) > load << 1:
            half = sub[load:]
            del sub[load:]
            scores = fl[pos]
            fl.insert(pos + 1, scores[load:])
            del scores[load:]
            maxes[pos] = sub[-1]
            lists.insert(pos + 1, half)
            maxes.insert(pos + 1, half[-1])
            del index[:]
        elif index:
            child = self._offset + pos
            while child:
                index[child] += 1
                child = (child - 1) >> 1
            index[0] += 1

    def remove(self, value: Entry) -> None:
        """SortedList.remove (the value must be there) with the common case of
        ``_delete`` inlined."""
        maxes = self._maxes
        pos = bisect_left(maxes, value)
        sub = self._lists[pos]
        scores = (self._fl or self.scores())[pos]
        idx = bisect_left(scores, value[0])  # by the packed scores; members on a tie
        if sub[idx][1] != value[1]:
            idx = bisect_left(sub, value, idx, bisect_right(scores, value[0], idx))
        if len(sub) - 1 > self._load >> 1:
            del sub[idx]
            del scores[idx]
            self._len -= 1
            maxes[pos] = sub[-1]
            index = self._index
            if index:
                child = self._offset + pos
                while child > 0:
                    index[child] -= 1
                    child = (child - 1) >> 1
                index[0] -= 1
        else:
            self._delete(pos, idx)

    def move(self, old: Entry, new: Entry) -> None:
        """``remove(old)`` then ``add(new)``; in one frame and with no index update when
        ``new`` sorts inside the sublist that holds ``old`` (below its max, which
        ``old`` is not, and above the previous sublist's): that sublist keeps its
        length (ZINCRBY's and ZADD's score updates, mostly small moves)."""
        maxes = self._maxes
        pos = bisect_left(maxes, old)
        top = maxes[pos]
        if new < top and old != top and (not pos or maxes[pos - 1] < new):
            sub = self._lists[pos]
            scores = (self._fl or self.scores())[pos]
            score = old[0]  # by the packed scores; members on a tie
            idx = bisect_left(scores, score)
            if sub[idx][1] != old[1]:
                idx = bisect_left(sub, old, idx, bisect_right(scores, score, idx))
            del sub[idx]
            del scores[idx]
            score = new[0]
            idx = bisect_right(scores, score)
            if idx and scores[idx - 1] == score:
                idx = bisect_right(sub, new, bisect_left(scores, score, 0, idx), idx)
            sub.insert(idx, new)
            scores.insert(idx, score)
            return
        self.remove(old)
        self.add(new)

    def rank(self, value: Entry) -> int:
        """The position of ``value`` (which must be there)."""
        pos = bisect_left(self._maxes, value)
        scores = (self._fl or self.scores())[pos]
        idx: int = bisect_left(scores, value[0])  # by the packed scores; members on a tie
        if self._lists[pos][idx][1] != value[1]:
            idx = bisect_left(self._lists[pos], value, idx, bisect_right(scores, value[0], idx))
        if not pos:
            return idx
        index = self._index
        if not index:
            self._build_index()
            index = self._index
        pos += self._offset
        while pos:  # SortedList._loc: up the tree, adding left siblings
            if not pos & 1:
                idx += index[pos - 1]
            pos = (pos - 1) >> 1
        return idx

    # ---- places --------------------------------------------------------------------

    def place(self, key: Any, right: bool = False) -> Place:
        """Where ``key`` would go (bisect left, or right with ``right``) as
        (sublist, offset); past the end is (last sublist, its length)."""
        maxes = self._maxes
        if not maxes:
            return 0, 0
        lists = self._lists
        if right:
            pos = bisect_right(maxes, key)
            if pos == len(maxes):
                pos -= 1
                return pos, len(lists[pos])
            return pos, bisect_right(lists[pos], key)
        pos = bisect_left(maxes, key)
        if pos == len(maxes):
            pos -= 1
            return pos, len(lists[pos])
        return pos, bisect_left(lists[pos], key)

    def place_at(self, position: int) -> Place:
        """The place of a position (0 <= position <= len; len is the end)."""
        lists = self._lists
        if not lists or position < len(lists[0]):
            return 0, position
        if position >= self._len:
            return len(lists) - 1, len(lists[-1])
        return self._pos(position)  # type: ignore[no-any-return]

    def shift(self, place: Place, count: int) -> Place:
        """``place`` moved by ``count`` positions (either way), clamped to the ends."""
        i, j = place
        lists = self._lists
        moved = j + count
        if lists and 0 <= moved < len(lists[i]):
            return i, moved
        return self.place_at(max(0, min(self.position(place) + count, self._len)))

    def position(self, place: Place) -> int:
        """A place as a position (O(log n) through the index tree)."""
        pos, idx = place
        return idx if not pos else int(self._loc(pos, idx))

    def between(self, lo: Place, hi: Place) -> int:
        """How many entries lie from ``lo`` up to ``hi`` (0 when ``hi`` is before)."""
        if lo[0] == hi[0]:
            return max(hi[1] - lo[1], 0)
        return max(self.position(hi) - self.position(lo), 0)

    def cut(self, lo: Place, hi: Place) -> list[Entry]:
        """The entries from ``lo`` up to ``hi``, in order (O(m) for m of them)."""
        (i, j), (k, m) = lo, hi
        lists = self._lists
        if i == k:
            return lists[i][j:m] if j < m else []
        if i > k:
            return []
        out: list[Entry] = lists[i][j:]
        for sub in lists[i + 1:k]:
            out += sub
        out += lists[k][:m]
        return out

    def drop(self, lo: Place, hi: Place) -> list[Entry]:
        """Delete the entries from ``lo`` up to ``hi`` and return them."""
        (i, j), (k, m) = lo, hi
        if i == k:
            if m <= j:
                return []
            gone: list[Entry] = self._lists[i][j:m]
        else:
            gone = self.cut(lo, hi)
        if not gone:
            return gone
        if i != k or len(self._lists[i]) - len(gone) <= self._load >> 1:
            start = self.position(lo)
            del self[start:start + len(gone)]
            return gone
        sub = self._lists[i]
        del sub[j:m]
        del self.scores()[i][j:m]
        self._len -= len(gone)
        self._maxes[i] = sub[-1]
        index = self._index
        if index:
            count = len(gone)
            child = self._offset + i
            while child > 0:
                index[child] -= count
                child = (child - 1) >> 1
            index[0] -= count
        return gone

    # ---- SortedList's own changes of the sublists, with the scores' arrays kept alike ----

    def _delete(self, pos: int, idx: int) -> None:
        """SortedList._delete (its pop, discard, __delitem__ and remove's rare case)."""
        lists = self._lists
        maxes = self._maxes
        index = self._index
        fl = self._fl or self.scores()
        sub = lists[pos]
        del sub[idx]
        del fl[pos][idx]
        self._len -= 1
        size = len(sub)
        if size > (self._load >> 1):
            maxes[pos] = sub[-1]
            if index:
                child = self._offset + pos
                while child > 0:
                    index[child] -= 1
                    child = (child - 1) >> 1
                index[0] -= 1
        elif len(lists) > 1:
            if not pos:
                pos += 1
            prev = pos - 1
            lists[prev].extend(lists[pos])
            fl[prev].extend(fl[pos])
            maxes[prev] = lists[prev][-1]
            del lists[pos]
            del fl[pos]
            del maxes[pos]
            del index[:]
            self._expand(prev)
        elif size:
            maxes[pos] = sub[-1]
        else:
            del lists[pos]
            del fl[pos]
            del maxes[pos]
            del index[:]

    def _expand(self, pos: int) -> None:
        """SortedList._expand: split a sublist past twice the load."""
        lists = self._lists
        index = self._index
        sub = lists[pos]
        load = self._load
        if len(sub) > (load << 1):
            maxes = self._maxes
            fl = self._fl or self.scores()
            half = sub[load:]
            del sub[load:]
            scores = fl[pos]
            fl.insert(pos + 1, scores[load:])
            del scores[load:]
            maxes[pos] = sub[-1]
            lists.insert(pos + 1, half)
            maxes.insert(pos + 1, half[-1])
            del index[:]
        elif index:
            child = self._offset + pos
            while child:
                index[child] += 1
                child = (child - 1) >> 1
            index[0] += 1

    def clear(self) -> None:
        SortedList.clear(self)
        self._fl = []

    _clear = clear

    def update(self, iterable: Iterable[Entry]) -> None:
        """SortedList.update: into an empty order in bulk, else one add each."""
        values = sorted(iterable)
        if self._maxes:
            for value in values:
                self.add(value)
            return
        SortedList.update(self, values)
        self._fl = [_scores(sub) for sub in self._lists]

    _update = update

    def _check(self) -> None:
        SortedList._check(self)
        fl = self._fl or self.scores()
        assert len(fl) == len(self._lists)
        for sub, scores in zip(self._lists, fl):
            assert list(scores) == [score for score, _ in sub]
