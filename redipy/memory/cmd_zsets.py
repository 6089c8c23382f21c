"""Memory backend handlers: the sorted set commands.

A sorted set is an :class:`RZSet`: a member -> score dict plus a ``SortedList`` of
``(score, member)``, so adds, removals and ranks are O(log n) and ranges O(log n + m),
as with Redis's skiplist. Option parsing order, error texts and edge cases follow
Redis 7.x / Valkey 8; where a command's result is only defined for valid input
(BYLEX over members of different scores) we follow what Redis's listpack encoding
does, which is what any sorted set of up to 128 members gets on a server.
"""

from __future__ import annotations

import math
import random
import re
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Iterator, Sequence
from itertools import islice
from math import isnan
from operator import add, eq, itemgetter
from typing import Any

from redipy.errors import ResponseError, WrongTypeError
from redipy.memory.cmd_generic import parse_cursor
from redipy.memory.cmd_sets import (
    COMPACT_ENTRIES,
    NEGATIVE_LIMIT,
    NUMKEYS,
    SYNTAX,
    arity_checked,
    get_int,
    get_positive,
    get_range_int,
    parse_scan_options,
)
from redipy.memory.db import WRONGTYPE, Database
from redipy.memory.errtext import arity_error
from redipy.memory.glob import key_matcher
from redipy.memory.numbers import (
    INT64_MAX,
    NOT_FLOAT,
    NOT_INT,
    format_double,
    parse_double,
    parse_int,
)
from redipy.memory.options import option_reader
from redipy.memory.registry import command, direct
from redipy.memory.structs import RSet, RZSet
from redipy.memory.zorder import Place
from redipy.reply import Double

NOT_RANGE_FLOAT = "ERR min or max is not a float"
NOT_LEX_RANGE = "ERR min or max not valid string range item"
NAN_SCORE = "ERR resulting score is not a number (NaN)"
NOT_WEIGHT = "ERR weight value is not a float"
LIMIT_RANK = ("ERR syntax error, LIMIT is only supported in combination with either "
              "BYSCORE or BYLEX")
WITHSCORES_LEX = "ERR syntax error, WITHSCORES not supported in combination with BYLEX"

_STRTOD = re.compile(
    r"[+-]?(?:(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?|inf(?:inity)?)",
    re.IGNORECASE,
)
_INF = math.inf
_member = itemgetter(1)
_score_of = itemgetter(0)
_INFS = {"inf": _INF, "+inf": _INF, "-inf": -_INF}


# ---- parsing -------------------------------------------------------------------------


def get_score(text: str, error: str = NOT_FLOAT) -> float:
    val = parse_double(text)
    if val is None:
        raise ResponseError(error)
    return val


def _strtod_whole(text: str) -> float | None:
    """A range bound as Valkey 9 reads it: the whole text a decimal or ``inf``; overflow
    and the empty string (0) pass; spaces, hex, NaN and trailing junk do not (Valkey 8
    and Redis 7.0 skipped leading spaces and took hex floats)."""
    if not text:
        return 0.0
    if len(text) < 30 and text.isdigit() and text.isascii():  # "123": most bounds
        return float(text)
    inf = _INFS.get(text)
    if inf is not None:
        return inf
    if not _STRTOD.fullmatch(text):
        return None
    return float(text)


ScoreRange = tuple[float, bool, float, bool]
"""(min, min exclusive, max, max exclusive)."""


def parse_score_range(low: str, high: str) -> ScoreRange:
    lowex = low[:1] == "("
    lval = _strtod_whole(low[1:] if lowex else low)
    highex = high[:1] == "("
    hval = _strtod_whole(high[1:] if highex else high)
    if lval is None or hval is None:
        raise ResponseError(NOT_RANGE_FLOAT)
    return lval, lowex, hval, highex


LexItem = tuple[int, str, bool]
"""(kind, text, exclusive): kind -1 is ``-`` (below all), 1 is ``+`` (above all)."""
LexRange = tuple[LexItem, LexItem]


def _lex_item(text: str) -> LexItem | None:
    head = text[:1]
    if head == "+":
        return (1, "", True) if len(text) == 1 else None
    if head == "-":
        return (-1, "", True) if len(text) == 1 else None
    if head == "(":
        return (0, text[1:], True)
    if head == "[":
        return (0, text[1:], False)
    return None


def parse_lex_range(low: str, high: str) -> LexRange:
    lo, hi = _lex_item(low), _lex_item(high)
    if lo is None or hi is None:
        raise ResponseError(NOT_LEX_RANGE)
    return lo, hi


def _lex_cmp(a: LexItem, b: LexItem) -> int:
    """Redis's sdscmplex on two bounds."""
    if a[0] == b[0] and a[0] != 0:
        return 0
    if a[0] == -1 or b[0] == 1:
        return -1
    if a[0] == 1 or b[0] == -1:
        return 1
    return (a[1] > b[1]) - (a[1] < b[1])


def _gte_min(member: str, lo: LexItem) -> bool:
    if lo[0]:
        return lo[0] < 0
    return member > lo[1] if lo[2] else member >= lo[1]


def _lte_max(member: str, hi: LexItem) -> bool:
    if hi[0]:
        return hi[0] > 0
    return member < hi[1] if hi[2] else member <= hi[1]


# ---- locating ranges -------------------------------------------------------------------


def _zset(db: Database, key: str) -> RZSet | None:
    """``db.get_typed(key, RZSet)`` inlined (one frame less on every command)."""
    zs = db.get(key) if db.expires else db.data.get(key)
    if zs is None or type(zs) is RZSet:
        return zs
    raise WrongTypeError(WRONGTYPE)


def _score_places(zs: RZSet, rng: ScoreRange) -> tuple[Place, Place]:
    """Where the members whose score is in the range begin and end (places)."""
    i, j, k, m = _score_span(zs.order, *rng)
    return (i, j), (k, m)


def _score_span(order: Any, low: float, lowex: bool, high: float,
                highex: bool) -> tuple[int, int, int, int]:
    """The places ``(i, j)`` and ``(k, m)`` (sublist, offset) where the entries with a
    score in the range begin and end, by bisections on the scores alone (``key``: a
    float compared with a float, no tuple, no member) of SortedList's ``_maxes`` and
    sublists (the second search starts where the first ended); an empty range has
    ``i == k`` and ``m <= j``."""
    maxes = order._maxes
    n = len(maxes)
    first = bisect_right if lowex else bisect_left
    i = first(maxes, low, key=_score_of)
    if i == n:
        return 0, 0, 0, 0
    fl = order._fl or order.scores()  # packed: no tuple to follow at a probe
    j = first(fl[i], low)
    last = bisect_left if highex else bisect_right
    k = last(maxes, high, i, key=_score_of)
    if k == i:
        return i, j, i, last(fl[i], high, j)
    if k == n:
        k -= 1
        return i, j, k, len(fl[k])
    return i, j, k, last(fl[k], high)


def _span_count(order: Any, i: int, j: int, k: int, m: int) -> int:
    """How many entries a :func:`_span` holds: O(1) within a sublist or a few of them,
    else through the positional index (O(log n))."""
    if i == k:
        return m - j if m > j else 0
    if k - i <= 8:
        lists = order._lists
        total = len(lists[i]) - j + m
        for t in range(i + 1, k):
            total += len(lists[t])
        return total
    return order.position((k, m)) - order.position((i, j))  # type: ignore[no-any-return]


def _span_cut(order: Any, i: int, j: int, k: int, m: int) -> list[Entry]:
    """The entries of a :func:`_span`, in order."""
    if i == k:
        found: list[Entry] = order._lists[i][j:m] if m > j else []
        return found
    return order.cut((i, j), (k, m))  # type: ignore[no-any-return]


_LEX_OPEN = frozenset("[(")
_LEX_ENDS = frozenset(("-", "+"))


def _lex_bad(low: str, high: str) -> bool:
    """Whether either bound is not a lex range item (``_lex_item`` gives None)."""
    return not ((low[:1] in _LEX_OPEN or low in _LEX_ENDS)
                and (high[:1] in _LEX_OPEN or high in _LEX_ENDS))


def _lex_one(zs: RZSet, low: str, high: str) -> tuple[int, int, int, int] | None:
    """The places ``(i, j)`` and ``(k, m)`` (sublist, offset) where a lex range begins
    and ends when every score is equal (the valid use: the entries are then in member
    order, bisected by member alone, ``key``), else ``None`` (the bounds already
    checked); an empty range has ``i == k`` and ``m <= j``."""
    order = zs.order
    lists = order._lists
    if not lists:
        return 0, 0, 0, 0
    if lists[0][0][0] != lists[-1][-1][0]:
        return None
    maxes = order._maxes
    n = len(maxes)
    head = low[0]
    if head == "[" or head == "(":
        first = bisect_left if head == "[" else bisect_right
        lo = low[1:]
        i = first(maxes, lo, key=_member)
        if i == n:
            return 0, 0, 0, 0
        sub = lists[i]
        j = first(sub, lo, key=_member)
    elif head == "-":
        i = j = 0
        sub = lists[0]
    else:  # "+": nothing is above it
        return 0, 0, 0, 0
    head = high[0]
    if head == "[" or head == "(":
        last = bisect_right if head == "[" else bisect_left
        hi = high[1:]
        k = last(maxes, hi, i, key=_member)
        if k == i:
            return i, j, i, last(sub, hi, j, key=_member)
        if k == n:
            return i, j, n - 1, len(lists[-1])
        return i, j, k, last(lists[k], hi, key=_member)
    if head == "+":
        return i, j, n - 1, len(lists[-1])
    return 0, 0, 0, 0  # "-": nothing is below it


def _lex_possible(zs: RZSet, rng: LexRange) -> bool:
    """Redis's zzlIsInLexRange: a quick test on the bounds and both ends."""
    lo, hi = rng
    cmp = _lex_cmp(lo, hi)
    if cmp > 0 or (cmp == 0 and (lo[2] or hi[2])):
        return False
    lists = zs.order._lists
    return bool(lists) and _gte_min(lists[-1][-1][1], lo) and _lte_max(lists[0][0][1], hi)


def _one_score(zs: RZSet) -> bool:
    lists = zs.order._lists  # SortedList's sublists: the ends without its __getitem__
    return bool(lists) and bool(lists[0][0][0] == lists[-1][-1][0])


def _lex_first(zs: RZSet, rng: LexRange) -> int | None:
    """Index of the first member in the range: bisection when every score is equal
    (valid use), else the listpack's walk from the lowest member."""
    if not _lex_possible(zs, rng):
        return None
    lo, hi = rng
    order = zs.order
    if _one_score(zs):
        score = order[0][0]
        if lo[0]:
            idx = 0 if lo[0] < 0 else len(order)
        elif lo[2]:
            idx = order.bisect_right((score, lo[1]))
        else:
            idx = order.bisect_left((score, lo[1]))
    else:
        idx = next(i for i, (_, m) in enumerate(order) if _gte_min(m, lo))
    if idx >= len(order) or not _lte_max(order[idx][1], hi):
        return None
    return int(idx)


def _lex_last(zs: RZSet, rng: LexRange) -> int | None:
    """Index of the last member in the range (the walk goes from the top)."""
    if not _lex_possible(zs, rng):
        return None
    lo, hi = rng
    order = zs.order
    size = len(order)
    if _one_score(zs):
        score = order[0][0]
        if hi[0]:
            end = size if hi[0] > 0 else 0
        elif hi[2]:
            end = order.bisect_left((score, hi[1]))
        else:
            end = order.bisect_right((score, hi[1]))
        idx = end - 1
    else:
        idx = next(size - 1 - i for i, (_, m) in enumerate(order.islice(reverse=True))
                   if _lte_max(m, hi))
    if idx < 0 or not _gte_min(order[idx][1], lo):
        return None
    return int(idx)


def _lex_places(zs: RZSet, rng: LexRange) -> tuple[Place, Place]:
    """With one score for all (members in byte order): where the range begins and
    ends, by two bisections (a bad range gives an end before its start)."""
    return _lex_place(zs, rng[0], False), _lex_place(zs, rng[1], True)


def _lex_span(zs: RZSet, rng: LexRange) -> tuple[int, int]:
    """[first, end) of the run of members in range that starts at the first one."""
    order = zs.order
    if _one_score(zs):
        lo, hi = _lex_places(zs, rng)
        start = order.position(lo)
        return start, start + order.between(lo, hi)
    first = _lex_first(zs, rng)
    if first is None:
        return 0, 0
    hi_item = rng[1]
    end = first
    for _, member in order.islice(first):
        if not _lte_max(member, hi_item):
            break
        end += 1
    return first, end


Entry = tuple[float, str]


def _rank_slice(zs: RZSet, start: int, end: int, rev: bool) -> Iterable[Entry]:
    """Members by position, with Redis's clamping of negative and far indices."""
    size = len(zs)
    if start < 0:
        start += size
    if end < 0:
        end += size
    start = max(start, 0)
    if start > end or start >= size:
        return ()
    end = min(end, size - 1)
    if rev:
        return reversed(zs.by_rank(size - 1 - end, size - start))
    return zs.by_rank(start, end + 1)


def _take(items: Iterable[Entry], limit: int) -> list[Entry]:
    if limit < 0:
        return list(items)
    out: list[Entry] = []
    if limit == 0:
        return out
    for item in items:
        out.append(item)
        if len(out) >= limit:
            break
    return out


def _score_slice(zs: RZSet, rng: ScoreRange, offset: int, limit: int,
                 rev: bool) -> list[Entry]:
    """The entries of a score range after LIMIT, as positional slices (no walk)."""
    if offset < 0:
        return []
    return _page(zs, *_score_places(zs, rng), offset, limit, rev)


def _page(zs: RZSet, lo: Place, hi: Place, offset: int, limit: int,
          rev: bool) -> list[Entry]:
    """The entries between two places after LIMIT ``offset`` ``limit`` (limit < 0: all),
    from the top with ``rev``; places move by offsets within a sublist, else through
    positions (O(log n))."""
    order = zs.order
    if rev:
        end = order.shift(hi, -offset) if offset else hi
        if end <= lo:
            return []
        start = lo if limit < 0 else max(lo, order.shift(end, -limit))
        return order.cut(start, end)[::-1]  # type: ignore[no-any-return]
    start = order.shift(lo, offset) if offset else lo
    if start >= hi:
        return []
    end = hi if limit < 0 else min(hi, order.shift(start, limit))
    return order.cut(start, end)  # type: ignore[no-any-return]


def _lex_place(zs: RZSet, item: LexItem, upper: bool) -> Place:
    """With one score for all: the place where members above a lower bound (or up to
    an upper bound, ``upper``) begin (end)."""
    order = zs.order
    if item[0]:
        if item[0] < 0:
            return 0, 0
        lists = order._lists
        return len(lists) - 1, len(lists[-1])
    key = (order._lists[0][0][0], item[1])
    return order.place(key, not item[2] if upper else item[2])  # type: ignore[no-any-return]


def _lex_slice(zs: RZSet, rng: LexRange, offset: int, limit: int, rev: bool) -> list[Entry]:
    """From the first (last) member in range, skip ``offset`` whatever they are, then
    take members while they stay in range, as Redis walks its list (a positional slice
    when every score is equal, the valid use)."""
    if offset < 0:
        return []
    lo, hi = rng
    if _one_score(zs):  # the valid use: one positional slice between two bisections
        return _page(zs, *_lex_places(zs, rng), offset, limit, rev)
    if rev:
        last = _lex_last(zs, rng)
        if last is None or last - offset < 0:
            return []
        it: Iterable[Entry] = zs.order.islice(0, last - offset + 1, reverse=True)
        return _take(_while(it, lambda m: _gte_min(m, lo)), limit)
    first = _lex_first(zs, rng)
    if first is None or first + offset >= len(zs):
        return []
    it = zs.order.islice(first + offset)
    return _take(_while(it, lambda m: _lte_max(m, hi)), limit)


def _while(items: Iterable[Entry], keep: Any) -> Iterator[Entry]:
    for item in items:
        if not keep(item[1]):
            return
        yield item


def _flat(entries: Iterable[Entry], withscores: bool) -> list[str]:
    if not withscores:
        return list(map(_member, entries))
    if type(entries) is not list:
        entries = list(entries)
    out: list[str] = [""] * (2 * len(entries))
    out[::2] = map(_member, entries)
    out[1::2] = map(format_double, map(_score_of, entries))
    return out


# ---- encodings ----------------------------------------------------------------------------
# A server keeps a sorted set of up to 128 members of up to 64 bytes as a listpack, which
# stores a score as text and reads "-0" back as the integer 0; past either limit it is a
# skiplist for good (only the *STORE commands pick the small form again when the result
# fits), which keeps -0 and whose ZSCAN pages through a hash table writing scores with
# 17 digits. RZSet.big says which one a server would have; a small set stores its
# scores through ``+ 0.0``, which turns -0.0 into 0.0.

SMALL_ENTRIES = COMPACT_ENTRIES  # zset-max-listpack-entries
SMALL_VALUE = 64                 # zset-max-listpack-value


def _grows(zs: RZSet, member: str) -> None:
    """Before ``member`` is added: a small set that cannot take it turns big."""
    if not zs.big and (len(member) > SMALL_VALUE or len(zs.scores) >= SMALL_ENTRIES):
        zs.big = True


def _created(count: int, longest: int) -> RZSet:
    """A new set for ``count`` members, the longest ``longest`` bytes (zsetTypeCreate)."""
    zs = RZSet()
    zs.big = count > SMALL_ENTRIES or longest > SMALL_VALUE
    return zs




def _store(db: Database, dest: str, entries: Iterable[Entry],
           scores: dict[str, float] | None = None) -> int:
    """Replace ``dest`` with a new sorted set of ``entries`` (ascending by score and
    member; deleting it when empty); small when the
    result fits, as zsetConvertToListpackIfNeeded decides (replies computed on the way,
    such as ZINCRBY's or ZUNION's, still say ``-0``). ``scores``: the same as a dict,
    when the caller has one (a big result takes it over)."""
    items = entries if isinstance(entries, list) else list(entries)
    if not items:
        db.delete(dest)
        return 0
    big = len(items) > SMALL_ENTRIES or max(
        map(len, scores if scores is not None else map(_member, items))) > SMALL_VALUE
    if big:
        new = RZSet.loaded(items, True, scores)
    elif 0.0 in map(_score_of, items):  # a -0 among them? (0.0 == -0.0)
        new = RZSet.loaded([(score + 0.0, member) for score, member in items], False)
    else:
        new = RZSet.loaded(items, False)
    db.put(dest, new)
    return len(items)


def _remove_places(db: Database, key: str, zs: RZSet, i: int, j: int, k: int,
                   m: int) -> int:
    """Delete the entries from place ``(i, j)`` up to ``(k, m)`` in O(log n + m); within
    one sublist that stays over half full (most removals) in this frame, with
    ``Sampler.remove`` inlined."""
    scores, ra = zs.scores, zs.ra  # first: a set built in bulk makes them from the order
    order = zs.order
    if i == k:
        count = m - j
        if count <= 0:
            return 0
        sub = order._lists[i]
        if len(sub) - count <= order._load >> 1:
            gone = order.drop((i, j), (k, m))
        else:
            gone = sub[j:m]
            del sub[j:m]
            del (order._fl or order.scores())[i][j:m]
            order._len -= count
            order._maxes[i] = sub[-1]
            index = order._index
            if index:
                child = order._offset + i
                while child > 0:
                    index[child] -= count
                    child = (child - 1) >> 1
                index[0] -= count
    else:
        gone = order.drop((i, j), (k, m))
        if not gone:
            return 0
    ghosts, slots = ra.ghosts, ra.slots
    for _, member in gone:
        del scores[member]
        ghosts.add(member)
        if len(ghosts) * 4 > len(slots):
            ra._sweep(4)
    if db.watchers or db.on_touch:
        db.touch(key)
    if not scores:
        db.drop_if_empty(key, zs)
    return len(gone)


def _remove_span(db: Database, key: str, zs: RZSet, lo: int, hi: int) -> int:
    """Delete positions [lo, hi) in O(log n + m)."""
    if lo >= hi:
        return 0
    order = zs.order
    for _, member in order.islice(lo, hi):
        del zs.scores[member]
        zs.ra.remove(member)
    del order[lo:hi]
    db.touch(key)
    db.drop_if_empty(key, zs)
    return hi - lo


# ---- adding and scoring -----------------------------------------------------------------


def _zadd(db: Database, args: Sequence[str], incr: bool) -> Any:
    key = args[0]
    if len(args) == 3 and not incr and args[1][:1] in _SCORE_START:
        return _zadd_one(db, key, get_score(args[1]), args[2])
    nx = xx = gt = lt = ch = False
    idx = 1
    while idx < len(args):
        opt = args[idx].lower()
        if opt == "nx":
            nx = True
        elif opt == "xx":
            xx = True
        elif opt == "ch":
            ch = True
        elif opt == "incr":
            incr = True
        elif opt == "gt":
            gt = True
        elif opt == "lt":
            lt = True
        else:
            break
        idx += 1
    elements = len(args) - idx
    if elements % 2 or not elements:
        raise ResponseError(SYNTAX)
    if nx and xx:
        raise ResponseError("ERR XX and NX options at the same time are not compatible")
    if (gt and nx) or (lt and nx) or (gt and lt):
        raise ResponseError("ERR GT, LT, and/or NX options at the same time are not compatible")
    if incr and elements > 2:
        raise ResponseError("ERR INCR option supports a single increment-element pair")
    scores = [get_score(args[i]) for i in range(idx, len(args), 2)]
    zs = _zset(db, key)
    if zs is None:
        if xx:
            return None if incr else 0
        zs = _created(elements // 2, max(len(args[i]) for i in range(idx + 1, len(args), 2)))
        db.add_new(key, zs)
    added = updated = processed = 0
    newscore = 0.0
    for pos, score in enumerate(scores):
        member = args[idx + 1 + 2 * pos]
        cur = zs.scores.get(member)
        if cur is not None:
            if nx:
                continue
            if incr:
                score += cur
                if score != score:
                    raise ResponseError(NAN_SCORE)
            if (lt and score >= cur) or (gt and score <= cur):
                continue
            processed += 1
            newscore = score
            if score != cur:
                zs.set(member, score if zs.big else score + 0.0)
                updated += 1
        elif not xx:
            _grows(zs, member)
            zs.set(member, score if zs.big else score + 0.0)
            added += 1
            processed += 1
            newscore = score
    if added or updated:
        db.touch(key)
    if incr:
        return format_double(newscore) if processed else None
    return added + updated if ch else added


_SCORE_START = frozenset("0123456789-+.")
"""How a score can start (no option word does): ``ZADD key score member`` goes fast."""


def _zadd_one(db: Database, key: str, score: float, member: str) -> int:
    """ZADD without options, one member: the common call, without the option parsing."""
    zs = db.get(key) if db.expires else db.data.get(key)
    if zs is None:
        zs = _created(1, len(member))
        db.add_new(key, zs)
    elif type(zs) is not RZSet:
        raise WrongTypeError(WRONGTYPE)
    cur = zs.scores.get(member)
    if cur == score:
        return 0
    if cur is None:  # RZSet.set and _grows inlined: the hot path of GEOADD too
        if not zs.big and (len(member) > SMALL_VALUE or len(zs.scores) >= SMALL_ENTRIES):
            zs.big = True
        if not zs.big:
            score += 0.0  # small: -0.0 is stored as 0
        zs.scores[member] = score
        zs.order.add((score, member))
        zs.ra.add(member)
    else:
        zs.set(member, score if zs.big else score + 0.0)
    if db.watchers or db.on_touch:
        db.touch(key)
    return 1 if cur is None else 0


@command("ZADD")
def cmd_zadd(db: Database, args: Sequence[str]) -> Any:
    if len(args) == 3 and args[1][:1] in _SCORE_START:
        score = parse_double(args[1])  # get_score inlined
        if score is None:
            raise ResponseError(NOT_FLOAT)
        return _zadd_one(db, args[0], score, args[2])
    if len(args) < 3:  # the arity, checked here (no wrapper frame: a hot path)
        raise arity_error("ZADD")
    return _zadd(db, args, False)


@direct("ZADD", "str", "str", "str")
def zadd_three(db: Database, key: str, score: str, member: str) -> Any:
    """``ZADD key score member`` (an option word in the score's place included): the
    handler's work without its argument list, for the server's fast path and scripts."""
    if score[:1] in _SCORE_START:
        return _zadd_one(db, key, get_score(score), member)
    return _zadd(db, [key, score, member], False)


@command("ZINCRBY")
def cmd_zincrby(db: Database, args: Sequence[str]) -> Any:
    if len(args) != 3:  # the arity, checked here (no wrapper frame: a hot path)
        raise arity_error("ZINCRBY")
    if args[1][:1] not in _SCORE_START:  # "ZINCRBY k nx m": ZADD's option parsing
        return _zadd(db, args, True)
    key, member, text = args[0], args[2], args[1]  # the arity is exact: three arguments
    score = (float(text) if text.isdigit() and len(text) < 30 and text.isascii()
             else get_score(text))
    zs = db.get(key) if db.expires else db.data.get(key)
    if zs is None:
        zs = _created(1, len(member))
        db.add_new(key, zs)
    elif type(zs) is not RZSet:
        raise WrongTypeError(WRONGTYPE)
    scores = zs.scores
    cur = scores.get(member)
    if cur is None:
        _grows(zs, member)
        zs.set(member, score if zs.big else score + 0.0)
    else:
        score += cur
        if score != score:
            raise ResponseError(NAN_SCORE)
        if score == cur:
            return format_double(score)
        stored = score if zs.big else score + 0.0  # RZSet.set inlined: the member is there
        scores[member] = stored
        zs.order.move((cur, member), (stored, member))
    if db.watchers or db.on_touch:
        db.touch(key)
    return format_double(score)


@arity_checked("ZREM")
def cmd_zrem(db: Database, args: Sequence[str]) -> int:
    key = args[0]
    zs = _zset(db, key)
    if zs is None:
        return 0
    if len(args) == 2:  # one member: RZSet.remove inlined
        member = args[1]
        old = zs.scores.pop(member, None)
        if old is None:
            return 0
        zs.order.remove((old, member))
        zs.ra.remove(member)
        if db.watchers or db.on_touch:
            db.touch(key)
        if not zs.scores:
            db.drop_if_empty(key, zs)
        return 1
    removed = 0
    for member in args[1:]:
        if zs.remove(member):
            removed += 1
            if not zs:
                break
    if removed:
        db.touch(key)
        db.drop_if_empty(key, zs)
    return removed


@arity_checked("ZSCORE")
def cmd_zscore(db: Database, args: Sequence[str]) -> str | None:
    zs = _zset(db, args[0])
    score = None if zs is None else zs.scores.get(args[1])
    return None if score is None else format_double(score)


@command("ZMSCORE")
def cmd_zmscore(db: Database, args: Sequence[str]) -> list[str | None]:
    if len(args) < 2:  # the arity, checked here (no wrapper frame: a hot path)
        raise arity_error("ZMSCORE")
    zs = _zset(db, args[0])
    if zs is None:
        return [None] * (len(args) - 1)
    out: list[str | None] = []
    for member in args[1:]:
        score = zs.scores.get(member)
        out.append(None if score is None else format_double(score))
    return out


def _rank(db: Database, args: Sequence[str], name: str, rev: bool) -> Any:
    """ZRANK / ZREVRANK [WITHSCORE] (Valkey 7.2+; Redis 7.0 has no WITHSCORE and answers
    its arity error): the option is checked before the key, a missing member is nil."""
    if len(args) == 2:
        zs = _zset(db, args[0])
        score = None if zs is None else zs.scores.get(args[1])
        if score is None or zs is None:
            return None
        rank = zs.order.rank((score, args[1]))
        return len(zs.scores) - 1 - rank if rev else rank
    if len(args) > 3:
        raise ResponseError(f"ERR wrong number of arguments for '{name}' command")
    withscore = len(args) == 3
    if withscore and args[2].lower() != "withscore":
        raise ResponseError(SYNTAX)
    zs = _zset(db, args[0])
    rank = None if zs is None else zs.rank(args[1])
    if rank is None or zs is None:
        return None
    if rev:
        rank = len(zs) - 1 - rank
    if not withscore:
        return rank
    return [rank, Double(format_double(zs.scores[args[1]]))]


@arity_checked("ZRANK")
def cmd_zrank(db: Database, args: Sequence[str]) -> Any:
    return _rank(db, args, "zrank", False)


@arity_checked("ZREVRANK")
def cmd_zrevrank(db: Database, args: Sequence[str]) -> Any:
    return _rank(db, args, "zrevrank", True)


@arity_checked("ZCARD")
def cmd_zcard(db: Database, args: Sequence[str]) -> int:
    zs = _zset(db, args[0])
    return 0 if zs is None else len(zs)


@command("ZCOUNT")
def cmd_zcount(db: Database, args: Sequence[str]) -> int:
    if len(args) != 3:  # the arity, checked here (no wrapper frame: a hot path)
        raise arity_error("ZCOUNT")
    low, high = args[1], args[2]
    if (low.isdigit() and high.isdigit() and len(low) < 30 and len(high) < 30
            and low.isascii() and high.isascii()):  # plain digits (most bounds)
        lo, hi = float(low), float(high)
        first, last = bisect_left, bisect_right
    else:
        lo, lowex, hi, highex = parse_score_range(low, high)
        first = bisect_right if lowex else bisect_left
        last = bisect_left if highex else bisect_right
    zs = db.get(args[0]) if db.expires else db.data.get(args[0])
    if zs is None:
        return 0
    if type(zs) is not RZSet:
        raise WrongTypeError(WRONGTYPE)
    order = zs.order  # _score_span inlined
    maxes = order._maxes
    n = len(maxes)
    i = first(maxes, lo, key=_score_of)
    if i == n:
        return 0
    fl = order._fl or order.scores()  # packed: no tuple to follow at a probe
    j = first(fl[i], lo)
    k = last(maxes, hi, i, key=_score_of)
    if k == i:
        return last(fl[i], hi, j) - j
    if k == n:
        k -= 1
        return _span_count(order, i, j, k, len(fl[k]))
    return _span_count(order, i, j, k, last(fl[k], hi))


@command("ZLEXCOUNT")
def cmd_zlexcount(db: Database, args: Sequence[str]) -> int:
    if len(args) != 3:  # the arity, checked here (no wrapper frame: a hot path)
        raise arity_error("ZLEXCOUNT")
    low, high = args[1], args[2]
    if _lex_bad(low, high):
        raise ResponseError(NOT_LEX_RANGE)
    zs = _zset(db, args[0])
    if zs is None:
        return 0
    span = _lex_one(zs, low, high)
    if span is not None:
        return _span_count(zs.order, *span)
    lo, hi = _lex_span(zs, parse_lex_range(low, high))
    return hi - lo


# ---- ranges -------------------------------------------------------------------------------


_RANGE_OPTIONS = {"ZRANGE": option_reader("ZRANGE"), "ZRANGESTORE": option_reader("ZRANGESTORE")}
"""ZRANGE's option words serve the legacy range commands too: their server parses every
word and refuses those its fixed ``by`` / ``rev`` rule out (as syntax errors, or with
the LIMIT and WITHSCORES messages below)."""


def _zrange(db: Database, args: Sequence[str], *, store: bool = False, by: str = "",
            rev: bool | None = None) -> Any:
    """Redis's zrangeGenericCommand: ``by`` and ``rev`` fixed by the legacy commands,
    free (empty / None) for ZRANGE and ZRANGESTORE."""
    if len(args) == 3 and not store and (by == "" or by == "rank"):  # ZRANGE, ZREVRANGE
        first, last = parse_int(args[1]), parse_int(args[2])
        if first is None or last is None:
            raise ResponseError(NOT_INT)
        zs = _zset(db, args[0])
        if zs is None:
            return []
        return list(map(_member, _rank_slice(zs, first, last, bool(rev))))
    if len(args) == 3 and (by == "score" or by == "lex"):  # ZRANGEBYSCORE, ZRANGEBYLEX, bare
        lo_arg, hi_arg = (args[2], args[1]) if rev else (args[1], args[2])
        if by == "score":
            return _bare_score_range(db, args[0], lo_arg, hi_arg, bool(rev))
        return _bare_lex_range(db, args[0], lo_arg, hi_arg, bool(rev))
    base = 1 if store else 0
    src = args[base]
    withscores = False
    offset, limit = 0, -1
    has_limit = False
    for opt, values in _RANGE_OPTIONS["ZRANGESTORE" if store else "ZRANGE"](args, base + 3):
        if opt == "WITHSCORES":
            withscores = True
        elif opt == "LIMIT":
            offset = get_int(values[0])
            limit = get_int(values[1])
            has_limit = True
        elif opt == "REV":
            if rev is not None:  # once only
                raise ResponseError(SYNTAX)
            rev = True
        elif by:  # BYSCORE / BYLEX once only
            raise ResponseError(SYNTAX)
        else:
            by = "lex" if opt == "BYLEX" else "score"
    rev = bool(rev)
    by = by or "rank"
    if has_limit and limit != -1 and by == "rank":
        raise ResponseError(LIMIT_RANK)
    if withscores and by == "lex":
        raise ResponseError(WITHSCORES_LEX)
    lo_arg, hi_arg = args[base + 1], args[base + 2]
    if rev and by != "rank":
        lo_arg, hi_arg = hi_arg, lo_arg
    if by == "rank":
        start, end = get_int(lo_arg), get_int(hi_arg)
    elif by == "score":
        srng = parse_score_range(lo_arg, hi_arg)
    else:
        lrng = parse_lex_range(lo_arg, hi_arg)
    zs = _zset(db, src)
    entries: Iterable[Entry]
    if zs is None:
        entries = ()
    elif by == "rank":
        entries = _rank_slice(zs, start, end, rev)
    elif by == "score":
        entries = _score_slice(zs, srng, offset, limit, rev)
    else:
        entries = _lex_slice(zs, lrng, offset, limit, rev)
    if store:  # ascending, as _store wants them
        return _store(db, args[0], list(entries)[::-1] if rev else list(entries))
    return _flat(entries, withscores)


def _bare_score_range(db: Database, key: str, low: str, high: str, rev: bool) -> list[str]:
    """ZRANGEBYSCORE / ZREVRANGEBYSCORE without options."""
    if (low.isdigit() and high.isdigit() and len(low) < 30 and len(high) < 30
            and low.isascii() and high.isascii()):  # plain digits (most bounds)
        lo, hi = float(low), float(high)
        first, last = bisect_left, bisect_right
    else:
        lo, lowex, hi, highex = parse_score_range(low, high)
        first = bisect_right if lowex else bisect_left
        last = bisect_left if highex else bisect_right
    zs = db.get(key) if db.expires else db.data.get(key)
    if zs is None:
        return []
    if type(zs) is not RZSet:
        raise WrongTypeError(WRONGTYPE)
    order = zs.order  # _score_span and _span_cut inlined
    maxes = order._maxes
    n = len(maxes)
    i = first(maxes, lo, key=_score_of)
    if i == n:
        return []
    fl = order._fl or order.scores()  # packed: no tuple to follow at a probe
    j = first(fl[i], lo)
    k = last(maxes, hi, i, key=_score_of)
    if k == i:
        found = order._lists[i][j:last(fl[i], hi, j)]
    elif k == n:
        found = order.cut((i, j), (n - 1, len(fl[-1])))
    else:
        found = order.cut((i, j), (k, last(fl[k], hi)))
    return list(map(_member, reversed(found) if rev else found))


def _bare_lex_range(db: Database, key: str, low: str, high: str, rev: bool) -> list[str]:
    """ZRANGEBYLEX / ZREVRANGEBYLEX without options."""
    if not ((low[:1] in _LEX_OPEN or low in _LEX_ENDS)  # _lex_bad inlined
            and (high[:1] in _LEX_OPEN or high in _LEX_ENDS)):
        raise ResponseError(NOT_LEX_RANGE)
    zs = db.get(key) if db.expires else db.data.get(key)
    if zs is None:
        return []
    if type(zs) is not RZSet:
        raise WrongTypeError(WRONGTYPE)
    span = _lex_one(zs, low, high)
    if span is None:
        return _flat(_lex_slice(zs, parse_lex_range(low, high), 0, -1, rev), False)
    i, j, k, m = span
    found = zs.order._lists[i][j:m] if i == k else zs.order.cut((i, j), (k, m))
    return list(map(_member, reversed(found) if rev else found))


@arity_checked("ZRANGE")
def cmd_zrange(db: Database, args: Sequence[str]) -> Any:
    return _zrange(db, args)


@command("ZRANGESTORE")
def cmd_zrangestore(db: Database, args: Sequence[str]) -> Any:
    if len(args) == 4:  # by rank, no options (the common call): no option parsing
        start, end = _int_pair(args[2], args[3])
        zs = _zset(db, args[1])
        if zs is None:
            return _store(db, args[0], [])
        size = len(zs)  # _rank_slice's clamping, then one place found by position
        if start < 0:
            start += size
        if end < 0:
            end += size
        start = max(start, 0)
        if start > end or start >= size:
            return _store(db, args[0], [])
        stop = min(end, size - 1) + 1
        order = zs.order
        i, j = order.place_at(start)
        sub = order._lists[i]
        if j + stop - start <= len(sub):  # within one sublist (most ranges): one slice
            return _store(db, args[0], sub[j:j + stop - start])
        return _store(db, args[0], order.cut((i, j), order.place_at(stop)))
    if len(args) < 4:  # the arity, checked here (no wrapper frame: a hot path)
        raise arity_error("ZRANGESTORE")
    return _zrange(db, args, store=True)


@arity_checked("ZREVRANGE")
def cmd_zrevrange(db: Database, args: Sequence[str]) -> Any:
    return _zrange(db, args, by="rank", rev=True)


@command("ZRANGEBYSCORE")
def cmd_zrangebyscore(db: Database, args: Sequence[str]) -> Any:
    if len(args) < 3:  # the arity, checked here (no wrapper frame: a hot path)
        raise arity_error("ZRANGEBYSCORE")
    if len(args) == 3:
        return _bare_score_range(db, args[0], args[1], args[2], False)
    return _zrange(db, args, by="score", rev=False)


@command("ZREVRANGEBYSCORE")
def cmd_zrevrangebyscore(db: Database, args: Sequence[str]) -> Any:
    if len(args) < 3:  # the arity, checked here (no wrapper frame: a hot path)
        raise arity_error("ZREVRANGEBYSCORE")
    if len(args) == 3:
        return _bare_score_range(db, args[0], args[2], args[1], True)
    return _zrange(db, args, by="score", rev=True)


@command("ZRANGEBYLEX")
def cmd_zrangebylex(db: Database, args: Sequence[str]) -> Any:
    if len(args) < 3:  # the arity, checked here (no wrapper frame: a hot path)
        raise arity_error("ZRANGEBYLEX")
    if len(args) == 3:
        return _bare_lex_range(db, args[0], args[1], args[2], False)
    return _zrange(db, args, by="lex", rev=False)


@command("ZREVRANGEBYLEX")
def cmd_zrevrangebylex(db: Database, args: Sequence[str]) -> Any:
    if len(args) < 3:  # the arity, checked here (no wrapper frame: a hot path)
        raise arity_error("ZREVRANGEBYLEX")
    if len(args) == 3:
        return _bare_lex_range(db, args[0], args[2], args[1], True)
    return _zrange(db, args, by="lex", rev=True)


def _int_pair(a: str, b: str) -> tuple[int, int]:
    """``get_int(a), get_int(b)`` in one frame when both are small plain decimals (what
    parse_int's own fast path takes: ASCII digits, no leading zero)."""
    if (a.isdecimal() and b.isdecimal() and len(a) < 19 and len(b) < 19 and a.isascii()
            and b.isascii() and (a[0] != "0" or len(a) == 1) and (b[0] != "0" or len(b) == 1)):
        return int(a), int(b)
    return get_int(a), get_int(b)


@command("ZREMRANGEBYRANK")
def cmd_zremrangebyrank(db: Database, args: Sequence[str]) -> int:
    if len(args) != 3:  # the arity, checked here (no wrapper frame: a hot path)
        raise arity_error("ZREMRANGEBYRANK")
    start, end = _int_pair(args[1], args[2])
    key = args[0]
    zs = _zset(db, key)
    if zs is None:
        return 0
    size = len(zs)
    if start < 0:
        start += size
    if end < 0:
        end += size
    start = max(start, 0)
    if start > end or start >= size:
        return 0
    order = zs.order
    i, j = order.place_at(start)
    k, m = order.place_at(min(end, size - 1) + 1)
    return _remove_places(db, key, zs, i, j, k, m)


@command("ZREMRANGEBYSCORE")
def cmd_zremrangebyscore(db: Database, args: Sequence[str]) -> int:
    if len(args) != 3:  # the arity, checked here (no wrapper frame: a hot path)
        raise arity_error("ZREMRANGEBYSCORE")
    low, high = args[1], args[2]
    if (low.isdigit() and high.isdigit() and len(low) < 30 and len(high) < 30
            and low.isascii() and high.isascii()):  # plain digits (most bounds)
        lo, hi = float(low), float(high)
        first, last = bisect_left, bisect_right
    else:
        lo, lowex, hi, highex = parse_score_range(low, high)
        first = bisect_right if lowex else bisect_left
        last = bisect_left if highex else bisect_right
    key = args[0]
    zs = db.get(key) if db.expires else db.data.get(key)
    if zs is None:
        return 0
    if type(zs) is not RZSet:
        raise WrongTypeError(WRONGTYPE)
    order = zs.order  # _score_span inlined
    maxes = order._maxes
    n = len(maxes)
    i = first(maxes, lo, key=_score_of)
    if i == n:
        return 0
    fl = order._fl or order.scores()  # packed: no tuple to follow at a probe
    j = first(fl[i], lo)
    k = last(maxes, hi, i, key=_score_of)
    if k == i:
        return _remove_places(db, key, zs, i, j, i, last(fl[i], hi, j))
    if k == n:
        return _remove_places(db, key, zs, i, j, n - 1, len(fl[-1]))
    return _remove_places(db, key, zs, i, j, k, last(fl[k], hi))


@command("ZREMRANGEBYLEX")
def cmd_zremrangebylex(db: Database, args: Sequence[str]) -> int:
    if len(args) != 3:  # the arity, checked here (no wrapper frame: a hot path)
        raise arity_error("ZREMRANGEBYLEX")
    low, high = args[1], args[2]
    if _lex_bad(low, high):
        raise ResponseError(NOT_LEX_RANGE)
    key = args[0]
    zs = _zset(db, key)
    if zs is None:
        return 0
    span = _lex_one(zs, low, high)
    if span is not None:
        return _remove_places(db, key, zs, *span)
    lo, hi = _lex_span(zs, parse_lex_range(low, high))
    return _remove_span(db, key, zs, lo, hi)


# ---- popping ----------------------------------------------------------------------------


def _pop(db: Database, key: str, zs: RZSet, count: int, top: bool) -> list[Entry]:
    out: list[Entry] = []
    order = zs.order
    scores, ra = zs.scores, zs.ra  # first: a set built in bulk makes them from the order
    for _ in range(min(count, len(zs))):
        score, member = order.pop(-1 if top else 0)
        del scores[member]
        ra.remove(member)
        out.append((score, member))
    db.touch(key)
    db.drop_if_empty(key, zs)
    return out


def _zpop(db: Database, args: Sequence[str], top: bool) -> list[str]:
    if len(args) > 2:
        raise ResponseError(SYNTAX)
    count = get_positive(args[1]) if len(args) == 2 else 1
    key = args[0]
    zs = _zset(db, key)
    if zs is None or count == 0:
        return []
    return _flat(_pop(db, key, zs, count, top), True)


@arity_checked("ZPOPMIN")
def cmd_zpopmin(db: Database, args: Sequence[str]) -> list[str]:
    return _zpop(db, args, False)


@arity_checked("ZPOPMAX")
def cmd_zpopmax(db: Database, args: Sequence[str]) -> list[str]:
    return _zpop(db, args, True)


_ZMPOP_OPTIONS = option_reader("ZMPOP")


@arity_checked("ZMPOP")
def cmd_zmpop(db: Database, args: Sequence[str]) -> Any:
    numkeys = get_range_int(args[0], 1, INT64_MAX, NUMKEYS)
    where_idx = numkeys + 1
    if where_idx >= len(args):
        raise ResponseError(SYNTAX)
    where = args[where_idx].lower()
    if where not in ("min", "max"):
        raise ResponseError(SYNTAX)
    count = -1
    for _, values in _ZMPOP_OPTIONS(args, where_idx + 1):
        if count != -1:  # COUNT once only
            raise ResponseError(SYNTAX)
        count = get_range_int(values[0], 1, INT64_MAX, "ERR count should be greater than 0")
    count = max(count, 1)
    for key in args[1:where_idx]:
        zs = _zset(db, key)
        if zs is None:
            continue
        popped = _pop(db, key, zs, count, where == "max")
        return [key, [[member, format_double(score)] for score, member in popped]]
    return None


# ---- algebra ------------------------------------------------------------------------------

Source = RZSet | RSet | None


def _entries(src: Source) -> Iterator[tuple[str, float]]:
    if isinstance(src, RZSet):
        return ((member, score) for score, member in src.order)
    if isinstance(src, RSet):
        return ((member, 1.0) for member in src)
    return iter(())


def _lookup(src: Source, member: str) -> float | None:
    if isinstance(src, RZSet):
        return src.scores.get(member)
    if isinstance(src, RSet):
        return 1.0 if member in src else None
    return None


def _aggregate(target: float, val: float, how: str) -> float:
    if how == "sum":
        total = target + val
        return 0.0 if total != total else total
    if how == "min":
        return val if val < target else target
    return val if val > target else target


def _setop_fast(srcs: list[Source], op: str, weights: list[float], how: str,
                ) -> tuple[list[Entry], dict[str, float] | None] | None:
    """The common case of ZUNION/ZINTER/ZDIFF (sorted sets only, weights 1, SUM) with
    C's set operations on the member dicts; ``None`` sends the rest to the general
    code. The entries come back sorted by (score, member), with the member -> score
    dict when one was built on the way (a *STORE takes it over)."""
    if how != "sum" or any(w != 1.0 for w in weights):
        return None
    if any(src is not None and type(src) is not RZSet for src in srcs):
        return None
    zsets: list[RZSet] = [src for src in srcs if src]  # type: ignore[misc]
    if op == "diff":
        base = srcs[0]
        if not base:
            return [], None
        assert isinstance(base, RZSet)
        others = [z.scores for z in zsets if z is not base]
        if len(others) < len(zsets) - 1:
            return [], None  # the first set is also among the others
        gone: Any = others[0] if len(others) == 1 else set().union(*others)
        return [entry for entry in base.order if entry[1] not in gone], None
    if op == "inter" and len(zsets) == 2 and len(srcs) == 2:
        return _inter_pair(zsets[0], zsets[1]), None
    if op == "union" and len(zsets) == 2 and len(srcs) == 2:
        return _union_pair(zsets[0], zsets[1]), None
    dicts = [z.scores for z in zsets]
    dicts.sort(key=len)  # the general code's order of work, so sums round alike
    if op == "inter":
        if len(dicts) < len(srcs):
            return [], None
        first, rest = dicts[0], dicts[1:]
        keys: Any = first.keys() & rest[0].keys() if rest else first.keys()
        for other in rest[1:]:
            keys &= other.keys()
        common = list(keys)
        totals = list(map(first.__getitem__, common))
        for other in rest:
            totals = list(map(add, totals, map(other.__getitem__, common)))
            if any(map(isnan, totals)):  # inf + -inf: Redis makes it 0 at each step
                totals = [0.0 if t != t else t for t in totals]
        return _by_score(zip(totals, common)), None
    if not dicts:
        return [], None
    result = dict(dicts[0])
    for other in dicts[1:]:
        both = list(result.keys() & other.keys())
        sums = list(map(add, map(result.__getitem__, both), map(other.__getitem__, both)))
        if any(map(isnan, sums)):
            sums = [0.0 if t != t else t for t in sums]
        result.update(other)
        result.update(zip(both, sums))
    # in dict order the entries are mostly ascending runs already (each input's own
    # order): a plain sort merges them in about one pass
    return sorted(zip(result.values(), result.keys())), result


def _inter_pair(one: RZSet, two: RZSet) -> list[Entry]:
    """ZINTER of two sorted sets (weights 1, SUM), sorted: the smaller one is walked in
    its own order (as Redis walks it), so the result is mostly ascending runs already
    and the sort merges them in about one pass. (ZUNION keeps the dict merge below: its
    result dict is the stored set's, and walking both sets measured no faster.)"""
    small, big = (one, two) if len(one) <= len(two) else (two, one)
    other = big.scores  # summed smaller + bigger: the general code's order of work
    out = [(score + other[m], m) for score, m in small.order if m in other]
    out = _zero_nans(small, big, out)
    _sort_entries(out)
    return out


def _zero_nans(one: RZSet, two: RZSet, out: list[Entry]) -> list[Entry]:
    """Sums of inf and -inf (NaN) as 0, as Redis has them (only infinite sets make them)."""
    if _infinite(one) and _infinite(two) and any(map(isnan, map(_score_of, out))):
        return [(0.0, m) if score != score else (score, m) for score, m in out]
    return out


def _sort_entries(out: list[Entry]) -> None:
    """Sort entries by (score, member) in place. Where a few adjacent pairs spread over
    the list are already in order (a walk of a sorted set gives long ascending runs), a
    plain sort costs about one comparison per entry; otherwise the float alone is the
    cheaper key, with the members compared only when two scores tie."""
    size = len(out)
    step = size // 16 + 1
    if all(out[i] <= out[i + 1] for i in range(0, size - 1, step)):
        out.sort()
        return
    out.sort(key=_score_of)
    scores = list(map(_score_of, out))
    if any(map(eq, scores, islice(scores, 1, None))):
        out.sort()


def _union_pair(one: RZSet, two: RZSet) -> list[Entry]:
    """ZUNION of two sorted sets (weights 1, SUM), sorted: the first walked in its order
    (summed where the second has the member), then the second's own members, each kept
    as the entry it is (no new tuple); the sort merges these few ascending runs."""
    other, first = two.scores, one.scores
    out = [e if e[1] not in other else (e[0] + other[e[1]], e[1]) for e in one.order]
    out += [entry for entry in two.order if entry[1] not in first]
    out = _zero_nans(one, two, out)
    out.sort()
    return out


def _infinite(zs: RZSet) -> bool:
    """Whether a score is infinite (then a sum may be inf + -inf, NaN): O(1), the ends."""
    lists = zs.order._lists
    return bool(lists) and (lists[0][0][0] == -_INF or lists[-1][-1][0] == _INF)


def _by_score(entries: Iterable[Entry]) -> list[Entry]:
    """Entries in no useful order sorted by (score, member): by the float alone first
    (much cheaper than comparing tuples), and by both only when two scores tie."""
    out = sorted(entries, key=_score_of)
    scores = list(map(_score_of, out))
    if any(map(eq, scores, islice(scores, 1, None))):
        out.sort()
    return out




def _intercard_fast(srcs: list[Source]) -> int | None:
    """ZINTERCARD's size of the intersection by C's set operations (any mix of sorted
    sets and sets); ``None`` never happens but keeps the general code's shape."""
    keysets: list[Any] = []
    for src in srcs:
        if not src:
            return 0
        keysets.append(src.scores.keys() if type(src) is RZSet else src.live)
    keysets.sort(key=len)
    common = set(keysets[0]).intersection(*keysets[1:])
    return len(common)


def _setop(db: Database, args: Sequence[str], numkeys_at: int, op: str, name: str,
           store: bool = False, card: bool = False) -> Any:
    """Redis's zunionInterDiffGenericCommand: ``op`` is union, inter or diff."""
    setnum = get_int(args[numkeys_at])
    if setnum < 1:
        raise ResponseError(f"ERR at least 1 input key is needed for '{name}' command")
    first = numkeys_at + 1
    if setnum > len(args) - first:
        raise ResponseError(SYNTAX)
    srcs: list[Source] = []
    for key in args[first:first + setnum]:
        val = db.get(key)
        if val is not None and type(val) is not RZSet and type(val) is not RSet:
            raise WrongTypeError(WRONGTYPE)
        srcs.append(val)
    weights = [1.0] * setnum
    how = "sum"
    withscores = False
    limit = 0
    idx = first + setnum
    while idx < len(args):
        left = len(args) - idx
        opt = args[idx].lower()
        if op != "diff" and not card and left >= setnum + 1 and opt == "weights":
            for i in range(setnum):
                weights[i] = get_score(args[idx + 1 + i], NOT_WEIGHT)
            idx += setnum + 1
        elif op != "diff" and not card and left >= 2 and opt == "aggregate":
            how = args[idx + 1].lower()
            if how not in ("sum", "min", "max"):
                raise ResponseError(SYNTAX)
            idx += 2
        elif not store and not card and opt == "withscores":
            withscores = True
            idx += 1
        elif card and left >= 2 and opt == "limit":
            limit = get_positive(args[idx + 1], NEGATIVE_LIMIT)
            idx += 2
        else:
            raise ResponseError(SYNTAX)
    if card:
        count = _intercard_fast(srcs)
        if count is not None:
            return min(count, limit) if limit else count
    fast = None if card else _setop_fast(srcs, op, weights, how)
    if fast is not None:
        if store:
            return _store(db, args[0], *fast)
        return _flat(fast[0], withscores)
    result: dict[str, float] = {}
    if op == "diff":
        base = srcs[0]
        others = [s for s in srcs[1:] if s]
        if base:
            for member, score in _entries(base):
                if not any(_lookup(other, member) is not None for other in others):
                    result[member] = score
    else:
        pairs = sorted(zip(srcs, weights), key=lambda p: len(p[0]) if p[0] else 0)
        if op == "inter":
            head, hweight = pairs[0]
            if head:
                count = 0
                for member, score in _entries(head):
                    total = hweight * score
                    if total != total:
                        total = 0.0
                    for other, weight in pairs[1:]:
                        found = score if other is head else _lookup(other, member)
                        if found is None:
                            break
                        total = _aggregate(total, found * weight, how)
                    else:
                        if card:
                            count += 1
                            if limit and count >= limit:
                                break
                        else:
                            result[member] = total
                if card:
                    return count
            elif card:
                return 0
        else:
            for src, weight in pairs:
                for member, score in _entries(src):
                    val = weight * score
                    if val != val:
                        val = 0.0
                    old = result.get(member)
                    result[member] = val if old is None else _aggregate(old, val, how)
    entries = sorted(zip(result.values(), result.keys()))
    if store:
        return _store(db, args[0], entries, result)
    return _flat(entries, withscores)


@arity_checked("ZUNION")
def cmd_zunion(db: Database, args: Sequence[str]) -> Any:
    return _setop(db, args, 0, "union", "zunion")


@arity_checked("ZINTER")
def cmd_zinter(db: Database, args: Sequence[str]) -> Any:
    return _setop(db, args, 0, "inter", "zinter")


@arity_checked("ZDIFF")
def cmd_zdiff(db: Database, args: Sequence[str]) -> Any:
    return _setop(db, args, 0, "diff", "zdiff")


@arity_checked("ZUNIONSTORE")
def cmd_zunionstore(db: Database, args: Sequence[str]) -> Any:
    return _setop(db, args, 1, "union", "zunionstore", store=True)


@arity_checked("ZINTERSTORE")
def cmd_zinterstore(db: Database, args: Sequence[str]) -> Any:
    return _setop(db, args, 1, "inter", "zinterstore", store=True)


@arity_checked("ZDIFFSTORE")
def cmd_zdiffstore(db: Database, args: Sequence[str]) -> Any:
    return _setop(db, args, 1, "diff", "zdiffstore", store=True)


@arity_checked("ZINTERCARD")
def cmd_zintercard(db: Database, args: Sequence[str]) -> Any:
    return _setop(db, args, 0, "inter", "zintercard", card=True)


# ---- random members and scanning -------------------------------------------------------------


@arity_checked("ZRANDMEMBER")
def cmd_zrandmember(db: Database, args: Sequence[str]) -> Any:
    key = args[0]
    if len(args) == 1:
        zs = _zset(db, key)
        return None if zs is None else zs.ra.pick()
    num = get_range_int(args[1], -INT64_MAX, INT64_MAX)
    withscores = False
    if len(args) > 3 or (len(args) == 3 and args[2].lower() != "withscores"):
        raise ResponseError(SYNTAX)
    if len(args) == 3:
        withscores = True
        if num < -(INT64_MAX // 2) or num > INT64_MAX // 2:  # C's LONG_MAX/2 truncates
            raise ResponseError("ERR value is out of range")
    zs = _zset(db, key)
    if zs is None or num == 0:
        return []
    members: list[str]
    if num < 0:
        pick = zs.ra.pick
        members = [pick() for _ in range(-num)]
    elif num >= len(zs):
        members = [member for _, member in zs.order]
    elif num * 3 > len(zs):
        members = random.sample(zs.ra.items, num)
    else:
        chosen: dict[str, None] = {}
        while len(chosen) < num:
            chosen[zs.ra.pick()] = None
        members = list(chosen)
    if not withscores:
        return members
    scores = zs.scores
    return _flat(((scores[m], m) for m in members), True)


@command("ZSCAN")
def cmd_zscan(db: Database, args: Sequence[str]) -> list[Any]:
    if len(args) == 2:  # no options (the common call): a small set in one frame
        text = args[1]
        zs = _zset(db, args[0]) if text == "0" else None
        if zs is not None and not zs.big:  # the listpack: the whole set, in score order
            return ["0", _flat(list(zs.order), True)]
    elif len(args) < 2:  # the arity, checked here (no wrapper frame: a hot path)
        raise arity_error("ZSCAN")
    cursor = parse_cursor(args[1])
    zs = _zset(db, args[0])
    if zs is None:
        return ["0", []]
    pattern, count, noscores = parse_scan_options(args, 2, "zset")
    match = None if pattern is None else key_matcher(pattern)
    if not zs.big:
        # the listpack: the whole set in one call, in score order
        entries: list[Entry] = list(zs.order)
        if match is not None:
            entries = [e for e in entries if match(e[1])]
        return ["0", _flat(entries, not noscores)]
    nxt, members = zs.ra.scan(min(cursor, INT64_MAX), count)
    if match is not None:
        members = [m for m in members if match(m)]
    if noscores:
        return [str(nxt), members]
    scores = zs.scores
    out: list[str] = []
    for member in members:
        out.append(member)
        out.append(_g17(scores[member]))  # the hash table's page: "%.17g"
    return [str(nxt), out]


def _g17(score: float) -> str:
    return f"{score:.17g}"
