"""Memory backend handlers: the list commands.

Lists are :class:`RList` deques, so pushes and pops at either end are O(1) per
element as in Redis's quicklist, and walks by index go from the nearer end.
Argument parsing order (which error wins when several apply) follows Redis 7.2+ /
Valkey 8: e.g. LRANGE parses its indexes before looking at the key, LINDEX after.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from itertools import islice
from typing import Any

from redipy.errors import ResponseError, WrongTypeError
from redipy.memory.db import WRONGTYPE, Database
from redipy.memory.numbers import INT64_MAX, NOT_INT, parse_int
from redipy.memory.options import option_reader
from redipy.memory.registry import command, direct
from redipy.memory.structs import RList
from redipy.reply import OK, Status

SYNTAX = "ERR syntax error"
NO_SUCH_KEY = "ERR no such key"
OUT_OF_RANGE = "ERR index out of range"
MUST_BE_POSITIVE = "ERR value is out of range, must be positive"
RANK_ZERO = (
    "ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... "
    "or use negative to start from the end of the list")
NUMKEYS = "ERR numkeys should be greater than 0"
COUNT_POSITIVE = "ERR count should be greater than 0"
LONG_RANGE = (
    f"ERR value is out of range, value must between {-INT64_MAX} and {INT64_MAX}")


def _int(text: str, error: str = NOT_INT) -> int:
    val = parse_int(text)
    if val is None:
        raise ResponseError(error)
    return val


def _long(text: str) -> int:
    """getRangeLongFromObjectOrReply(-LONG_MAX, LONG_MAX): -2**63 is refused, so that
    negating the value cannot overflow."""
    val = _int(text)
    if val < -INT64_MAX:
        raise ResponseError(LONG_RANGE)
    return val


def _non_negative(text: str, error: str) -> int:
    """getPositiveLongFromObjectOrReply: one message for 'not a number' and 'negative'."""
    val = parse_int(text)
    if val is None or val < 0:
        raise ResponseError(error)
    return val


def _arity(name: str) -> ResponseError:
    return ResponseError(f"ERR wrong number of arguments for '{name}' command")


def _left(text: str) -> bool:
    """LEFT/RIGHT (any case) as True/False; anything else is a syntax error."""
    word = text.lower()
    if word == "left":
        return True
    if word == "right":
        return False
    raise ResponseError(SYNTAX)


def _list(db: Database, key: str) -> RList | None:
    return db.get_typed(key, RList)


def _span(start: int, stop: int, size: int) -> tuple[int, int] | None:
    """Redis's LRANGE/LTRIM index arithmetic: the inclusive range, or None if empty."""
    if start < 0:
        start += size
    if stop < 0:
        stop += size
    start = max(start, 0)
    if start > stop or start >= size:
        return None
    return start, min(stop, size - 1)


# ---- pushing ---------------------------------------------------------------------------


def _extend(lst: RList, values: Sequence[str], head: bool) -> None:
    if head:
        lst.extendleft(values)
    else:
        lst.extend(values)


@direct("LPUSH", "str", "str", fixed=(True,))
@direct("RPUSH", "str", "str", fixed=(False,))
def push_one(db: Database, key: str, value: str, head: bool) -> int:
    """LPUSH / RPUSH of one value, the common call: the lookup and the store inlined."""
    lst = db.get(key) if db.expires else db.data.get(key)
    if lst is None:
        lst = RList((value,))
        db.add_new(key, lst)
        return 1
    if type(lst) is not RList:
        raise WrongTypeError(WRONGTYPE)
    if head:
        lst.appendleft(value)
    else:
        lst.append(value)
    if db.watchers or db.on_touch:
        db.touch(key)
    return len(lst)


def _push(db: Database, args: Sequence[str], *, head: bool, only_existing: bool) -> int:
    key = args[0]
    if len(args) == 2 and not only_existing:
        return push_one(db, key, args[1], head)
    values = args[1:]
    lst = _list(db, key)
    if lst is None:
        if only_existing:
            return 0
        lst = RList()
        _extend(lst, values, head)
        db.add_new(key, lst)
        return len(lst)
    _extend(lst, values, head)
    db.touch(key)
    return len(lst)


@command("LPUSH")
def cmd_lpush(db: Database, args: Sequence[str]) -> int:
    return _push(db, args, head=True, only_existing=False)


@command("RPUSH")
def cmd_rpush(db: Database, args: Sequence[str]) -> int:
    return _push(db, args, head=False, only_existing=False)


@command("LPUSHX")
def cmd_lpushx(db: Database, args: Sequence[str]) -> int:
    return _push(db, args, head=True, only_existing=True)


@command("RPUSHX")
def cmd_rpushx(db: Database, args: Sequence[str]) -> int:
    return _push(db, args, head=False, only_existing=True)


# ---- popping ---------------------------------------------------------------------------


def _pop_some(db: Database, key: str, lst: RList, head: bool, count: int) -> list[str]:
    """Pop up to ``count`` elements (O(1) each); an emptied list deletes its key."""
    take = lst.popleft if head else lst.pop
    out = [take() for _ in range(min(count, len(lst)))]
    db.drop_if_empty(key, lst)
    db.touch(key)
    return out


@direct("LPOP", "str", fixed=(True,))
@direct("RPOP", "str", fixed=(False,))
def pop_one(db: Database, key: str, head: bool) -> str | None:
    """LPOP / RPOP without a count: one element or nil."""
    lst = db.get(key) if db.expires else db.data.get(key)
    if lst is None:
        return None
    if type(lst) is not RList:
        raise WrongTypeError(WRONGTYPE)
    value: str = lst.popleft() if head else lst.pop()
    if not lst:
        db.drop_if_empty(key, lst)
    if db.watchers or db.on_touch:
        db.touch(key)
    return value


def _pop(db: Database, args: Sequence[str], *, head: bool, name: str) -> Any:
    if len(args) > 2:
        raise _arity(name)
    count = _non_negative(args[1], MUST_BE_POSITIVE) if len(args) == 2 else None
    key = args[0]
    if count is None:
        return pop_one(db, key, head)
    lst = _list(db, key)
    if lst is None:
        return None
    if count == 0:
        return []
    return _pop_some(db, key, lst, head, count)


@command("LPOP")
def cmd_lpop(db: Database, args: Sequence[str]) -> Any:
    return _pop(db, args, head=True, name="lpop")


@command("RPOP")
def cmd_rpop(db: Database, args: Sequence[str]) -> Any:
    return _pop(db, args, head=False, name="rpop")


def _move(db: Database, src: str, dst: str, from_head: bool, to_head: bool) -> str | None:
    """LMOVE's core: the source is checked first, the destination only if there is
    something to move; ``src == dst`` rotates the list in place."""
    source = _list(db, src)
    if source is None:
        return None
    target = _list(db, dst)
    value = source.popleft() if from_head else source.pop()
    if target is None:
        target = RList((value,))
        db.add_new(dst, target)
    else:
        if to_head:
            target.appendleft(value)
        else:
            target.append(value)
        db.touch(dst)
    db.drop_if_empty(src, source)
    db.touch(src)
    return value


@command("LMOVE")
def cmd_lmove(db: Database, args: Sequence[str]) -> str | None:
    from_head = _left(args[2])
    to_head = _left(args[3])
    return _move(db, args[0], args[1], from_head, to_head)


@command("RPOPLPUSH")
def cmd_rpoplpush(db: Database, args: Sequence[str]) -> str | None:
    return _move(db, args[0], args[1], False, True)


_LMPOP_OPTIONS = option_reader("LMPOP")


@command("LMPOP")
def cmd_lmpop(db: Database, args: Sequence[str]) -> list[Any] | None:
    numkeys = parse_int(args[0])
    if numkeys is None or numkeys < 1:
        raise ResponseError(NUMKEYS)
    where_at = numkeys + 1
    if where_at >= len(args):
        raise ResponseError(SYNTAX)
    head = _left(args[where_at])
    count: int | None = None
    for _, values in _LMPOP_OPTIONS(args, where_at + 1):
        if count is not None:  # COUNT once only
            raise ResponseError(SYNTAX)
        count = parse_int(values[0])
        if count is None or count < 1:
            raise ResponseError(COUNT_POSITIVE)
    for key in args[1:where_at]:
        lst = _list(db, key)
        if lst:
            return [key, _pop_some(db, key, lst, head, count or 1)]
    return None


# ---- reading ---------------------------------------------------------------------------


@direct("LLEN", "str")
def llen(db: Database, key: str) -> int:
    lst = _list(db, key)
    return 0 if lst is None else len(lst)


@command("LLEN")
def cmd_llen(db: Database, args: Sequence[str]) -> int:
    return llen(db, args[0])


@command("LRANGE")
def cmd_lrange(db: Database, args: Sequence[str]) -> list[str]:
    start = _int(args[1])
    stop = _int(args[2])
    lst = _list(db, args[0])
    if lst is None:
        return []
    size = len(lst)
    span = _span(start, stop, size)
    if span is None:
        return []
    first, last = span
    if last - first < 16 and 64 < first < size - 64:
        # a few elements deep inside: deque indexing hops 64-slot blocks in C from the
        # nearer end, where islice would step over every element before them
        return [lst[i] for i in range(first, last + 1)]
    if first <= size - 1 - last:
        return list(islice(lst, first, last + 1))
    # Nearer the tail: walk backwards so the skip is O(distance from the tail).
    out = list(islice(reversed(lst), size - 1 - last, size - first))
    out.reverse()
    return out


@command("LINDEX")
def cmd_lindex(db: Database, args: Sequence[str]) -> str | None:
    lst = _list(db, args[0])
    if lst is None:
        return None
    index = _int(args[1])
    size = len(lst)
    if index < 0:
        index += size
    if not 0 <= index < size:
        return None
    return lst[index]  # deque indexing walks from the nearer end


_LPOS_OPTIONS = option_reader("LPOS")


@command("LPOS")
def cmd_lpos(db: Database, args: Sequence[str]) -> Any:
    key, value = args[0], args[1]
    rank, count, maxlen = 1, -1, 0
    for opt, values in _LPOS_OPTIONS(args, 2):
        if opt == "RANK":
            rank = _long(values[0])
            if rank == 0:
                raise ResponseError(RANK_ZERO)
        elif opt == "COUNT":
            count = _non_negative(values[0], "ERR COUNT can't be negative")
        else:  # MAXLEN
            maxlen = _non_negative(values[0], "ERR MAXLEN can't be negative")
    lst = _list(db, key)
    if lst is None:
        return None if count == -1 else []
    if rank == 1 and count == -1 and not maxlen:  # the plain call: deque.index in C
        try:
            return lst.index(value)
        except ValueError:
            return None
    size = len(lst)
    from_head = rank > 0
    skip = abs(rank) - 1
    items: Iterable[str] = lst if from_head else reversed(lst)
    if maxlen:
        items = islice(items, maxlen)
    found: list[int] = []
    for index, item in enumerate(items):
        if item != value:
            continue
        if skip:
            skip -= 1
            continue
        found.append(index if from_head else size - 1 - index)
        if count == -1 or (count and len(found) >= count):
            break
    if count == -1:
        return found[0] if found else None
    return found


# ---- changing in place -----------------------------------------------------------------


@command("LSET")
def cmd_lset(db: Database, args: Sequence[str]) -> Status:
    key = args[0]
    lst = _list(db, key)
    if lst is None:
        raise ResponseError(NO_SUCH_KEY)
    index = _int(args[1])
    size = len(lst)
    if index < 0:
        index += size
    if not 0 <= index < size:
        raise ResponseError(OUT_OF_RANGE)
    lst[index] = args[2]
    db.touch(key)
    return OK


@command("LINSERT")
def cmd_linsert(db: Database, args: Sequence[str]) -> int:
    key, where, pivot, value = args[0], args[1].lower(), args[2], args[3]
    if where not in ("before", "after"):
        raise ResponseError(SYNTAX)
    lst = _list(db, key)
    if lst is None:
        return 0
    try:
        index = lst.index(pivot)
    except ValueError:
        return -1
    lst.insert(index if where == "before" else index + 1, value)
    db.touch(key)
    return len(lst)


@command("LREM")
def cmd_lrem(db: Database, args: Sequence[str]) -> int:
    key, value = args[0], args[2]
    count = _long(args[1])
    lst = _list(db, key)
    if lst is None:
        return 0
    limit = abs(count) or len(lst)
    if 0 < count <= 8:  # the first few from the head: remove() in C, no full count
        removed = 0
        try:
            while removed < count:
                lst.remove(value)
                removed += 1
        except ValueError:
            pass
        if removed:
            db.drop_if_empty(key, lst)
            db.touch(key)
        return removed
    present = lst.count(value)  # one scan in C; then remove() in C when few go
    if not present:
        return 0
    if min(present, limit) <= 8:
        removed = min(present, limit)
        if count < 0:
            lst.reverse()
        for _ in range(removed):
            lst.remove(value)
        if count < 0:
            lst.reverse()
        db.drop_if_empty(key, lst)
        db.touch(key)
        return removed
    if count >= 0:
        kept, removed = _without(lst, value, limit)
    else:
        kept, removed = _without(reversed(lst), value, limit)
        kept.reverse()
    if removed:
        lst.clear()
        lst.extend(kept)
        db.drop_if_empty(key, lst)
        db.touch(key)
    return removed


def _without(items: Iterable[str], value: str, limit: int) -> tuple[list[str], int]:
    """The items with the first ``limit`` occurrences of ``value`` left out (one pass)."""
    kept: list[str] = []
    removed = 0
    for item in items:
        if removed < limit and item == value:
            removed += 1
        else:
            kept.append(item)
    return kept, removed


@command("LTRIM")
def cmd_ltrim(db: Database, args: Sequence[str]) -> Status:
    key = args[0]
    start = _int(args[1])
    stop = _int(args[2])
    lst = _list(db, key)
    if lst is None:
        return OK
    size = len(lst)
    span = _span(start, stop, size)
    if span is None:
        lst.clear()
    else:
        first, last = span
        # Pop from both ends: O(number of elements removed), as Redis.
        for _ in range(first):
            lst.popleft()
        for _ in range(size - 1 - last):
            lst.pop()
    db.drop_if_empty(key, lst)
    db.touch(key)
    return OK
