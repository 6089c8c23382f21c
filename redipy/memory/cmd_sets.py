"""Memory backend handlers: the set commands.

Option parsing order, error texts and edge cases follow Redis 7.x / Valkey 8 (the
tests compare them with real servers). Sets keep a position index, so SPOP and
SRANDMEMBER without a count are O(1), as in Redis.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Collection, Iterable, Sequence
from typing import Any

from redipy.commands import COMMANDS
from redipy.errors import ResponseError, WrongTypeError
from redipy.memory.cmd_generic import parse_cursor
from redipy.memory.db import WRONGTYPE, Database
from redipy.memory.glob import key_matcher
from redipy.memory.numbers import INT64_MAX, NOT_INT, parse_int
from redipy.memory.registry import Handler, command, direct
from redipy.memory.structs import (
    HASHTABLE,
    INTSET,
    LISTPACK,
    SET_INTSET_ENTRIES,
    SET_LISTPACK_ENTRIES,
    SET_LISTPACK_VALUE,
    RSet,
    is_ll,
)

SYNTAX = "ERR syntax error"
MUST_BE_POSITIVE = "ERR value is out of range, must be positive"
NUMKEYS = "ERR numkeys should be greater than 0"
TOO_MANY_KEYS = "ERR Number of keys can't be greater than number of args"
NEGATIVE_LIMIT = "ERR LIMIT can't be negative"
COMPACT_ENTRIES = 128
"""Collections up to this size are 'compact' in Redis (listpack): SCAN returns them whole."""
LONG_RANGE = (
    f"ERR value is out of range, value must between {-INT64_MAX} and {INT64_MAX}")


def arity_checked(name: str) -> Callable[[Handler], Handler]:
    """Register a handler that also checks the arity itself: the typed API's fast path
    skips the table's check, and a call like ``sadd(key)`` must fail as on a server."""
    arity = COMMANDS[name].arity
    # argument counts (without the name) as plain ints, as this runs on every typed call:
    # wrong when not the exact count and below the least count
    exact, least = (arity - 1, 1 << 62) if arity >= 0 else (-1, -arity - 1)
    error = f"ERR wrong number of arguments for '{name.lower()}' command"

    def register(fn: Handler) -> Handler:
        def handler(db: Database, args: Sequence[str]) -> Any:
            argc = len(args)
            if argc != exact and argc < least:
                raise ResponseError(error)
            return fn(db, args)

        handler.__doc__ = fn.__doc__
        return command(name)(handler)

    return register


# ---- shared parsing helpers (also used by the sorted set handlers) --------------------


def get_int(text: str, error: str = NOT_INT) -> int:
    val = parse_int(text)
    if val is None:
        raise ResponseError(error)
    return val


def get_range_int(text: str, low: int, high: int, error: str | None = None) -> int:
    """Redis's getRangeLongFromObjectOrReply: one message for both failures when given."""
    val = parse_int(text)
    if val is None:
        raise ResponseError(error or NOT_INT)
    if val < low or val > high:
        raise ResponseError(
            error or f"ERR value is out of range, value must between {low} and {high}")
    return val


def get_positive(text: str, error: str = MUST_BE_POSITIVE) -> int:
    return get_range_int(text, 0, INT64_MAX, error)


NOSCORES_ONLY = "ERR NOSCORES option can only be used in ZSCAN"


def parse_scan_options(args: Sequence[str], start: int, kind: str) -> tuple[str | None, int, bool]:
    """MATCH / COUNT (and ZSCAN's NOSCORES) after the cursor: (pattern, count, noscores)."""
    pattern: str | None = None
    count = 10
    noscores = False
    idx = start
    nargs = len(args)
    while idx < nargs:
        opt = args[idx].lower()
        more = nargs - idx - 1
        if opt == "count" and more >= 1:
            count = get_int(args[idx + 1])
            if count < 1:
                raise ResponseError(SYNTAX)
            idx += 2
        elif opt == "match" and more >= 1:
            pattern = args[idx + 1]
            idx += 2
        elif opt == "noscores":
            if kind != "zset":
                raise ResponseError(NOSCORES_ONLY)
            noscores = True
            idx += 1
        elif opt == "novalues":
            raise ResponseError("ERR NOVALUES option can only be used in HSCAN")
        else:
            raise ResponseError(SYNTAX)
    return pattern, count, noscores


def scan_filter(pattern: str | None, items: Iterable[str]) -> list[str]:
    match = None if pattern is None else key_matcher(pattern)
    return list(items) if match is None else [item for item in items if match(item)]


# ---- lookups --------------------------------------------------------------------------


def _set(db: Database, key: str) -> RSet | None:
    return db.get_typed(key, RSet)


def _sets(db: Database, keys: Sequence[str]) -> list[RSet | None]:
    """Every key's set (``None`` when missing); WRONGTYPE if any holds something else."""
    return [db.get_typed(key, RSet) for key in keys]


def _all_ints(members: Collection[str]) -> bool:
    """Whether every member is a canonical integer (an intset could hold them)."""
    return all(map(is_ll, members))


def _plan(members: Collection[str], ordered: bool) -> tuple[int, list[str] | None]:
    """The encoding and order of the set a server gets by adding ``members`` one by one
    (in their order when ``ordered``) to an empty intset, as SUNIONSTORE and SDIFFSTORE
    build theirs: an intset while every member is an integer (ascending), a listpack
    from the first non-integer on (the intset's members ascending, then the rest as they
    came), a hashtable (order ``None``) once past either's limits."""
    size = len(members)
    if size > SET_INTSET_ENTRIES:
        return HASHTABLE, None
    if _all_ints(members):
        return INTSET, sorted(members, key=int)
    if size > SET_LISTPACK_ENTRIES or max(map(len, members)) > SET_LISTPACK_VALUE:
        return HASHTABLE, None
    seq = list(members)
    if ordered:
        for idx, member in enumerate(seq):
            if parse_int(member) is None:
                if idx:
                    seq[:idx] = sorted(seq[:idx], key=int)
                break
    return LISTPACK, seq


def _built(members: Collection[str], ordered: bool) -> RSet:
    """The set :func:`_plan` describes, holding ``members`` (a set is taken over)."""
    enc, order = _plan(members, ordered)
    if order is None:
        return RSet.of(members if type(members) is set else set(members))
    return RSet.small(order, enc)


def _store(db: Database, dest: str, new: RSet) -> int:
    """Replace ``dest`` with ``new`` (deleting it when empty)."""
    if not new:
        db.delete(dest)
        return 0
    db.put(dest, new)
    return len(new)


# ---- single-set commands ----------------------------------------------------------------


@direct("SADD", "str", "str")
def sadd_one(db: Database, key: str, member: str) -> int:
    """SADD of one member, the common call."""
    rset = _set(db, key)
    if rset is None:
        rset = RSet.created(member, 1)
        db.add_new(key, rset)
    if not rset.add(member):
        return 0
    db.touch(key)
    return 1


@arity_checked("SADD")
def cmd_sadd(db: Database, args: Sequence[str]) -> int:
    key = args[0]
    if len(args) == 2:
        return sadd_one(db, key, args[1])
    rset = _set(db, key)
    if rset is None:
        rset = RSet.created(args[1], len(args) - 1)
        db.add_new(key, rset)
    else:
        rset.hinted(len(args) - 1)
    added = 0
    for member in args[1:]:
        if rset.add(member):
            added += 1
    if added:
        db.touch(key)
    return added


@arity_checked("SREM")
def cmd_srem(db: Database, args: Sequence[str]) -> int:
    key = args[0]
    rset = _set(db, key)
    if rset is None:
        return 0
    removed = 0
    for member in args[1:]:
        if rset.remove(member):
            removed += 1
            if not rset:
                break
    if removed:
        db.touch(key)
        db.drop_if_empty(key, rset)
    return removed


@direct("SISMEMBER", "str", "str")
def sismember(db: Database, key: str, member: str) -> int:
    rset = _set(db, key)
    return int(rset is not None and member in rset.live)


@arity_checked("SISMEMBER")
def cmd_sismember(db: Database, args: Sequence[str]) -> int:
    return sismember(db, args[0], args[1])


@arity_checked("SMISMEMBER")
def cmd_smismember(db: Database, args: Sequence[str]) -> list[int]:
    rset = _set(db, args[0])
    if rset is None:
        return [0] * (len(args) - 1)
    live = rset.live
    return [int(member in live) for member in args[1:]]


@arity_checked("SCARD")
def cmd_scard(db: Database, args: Sequence[str]) -> int:
    rset = _set(db, args[0])
    return 0 if rset is None else len(rset)


@arity_checked("SMEMBERS")
def cmd_smembers(db: Database, args: Sequence[str]) -> list[str]:
    rset = _set(db, args[0])
    return [] if rset is None else rset.listed()


def _sample(rset: RSet, count: int) -> list[str]:
    """``count`` distinct random members (count < size). A listpack gives a random
    choice in its own order (the server walks it once); else O(count) picks when the
    sample is small, as Redis's SRANDMEMBER case 4, or one O(N) draw (case 3)."""
    order = rset.order
    if order is not None:
        if rset.enc == LISTPACK:
            return [order[i] for i in sorted(random.sample(range(len(order)), count))]
        return random.sample(order, count)
    members = rset.sampler()
    if count * 3 > len(rset):
        return random.sample(members.items, count)
    chosen: dict[str, None] = {}
    while len(chosen) < count:
        chosen[members.pick()] = None
    return list(chosen)


SPOP_MOVE_STRATEGY_MUL = 5
"""SPOP with a count keeps a new set of what stays when that is this many times smaller
than what goes (Redis's case 3): a hashtable may then become a listpack or intset."""


def _spop_count(db: Database, key: str, rset: RSet, count: int) -> list[str]:
    size = len(rset)
    if count >= size:  # the whole set, in its order
        out = rset.listed()
        db.delete(key)
        return out
    remaining = size - count
    order = rset.order
    if rset.enc == LISTPACK and order is not None:
        # one walk of the listpack: what goes (case 2) or stays (case 3) is a random
        # choice in the set's order, and so are the reply and the rest
        if remaining * SPOP_MOVE_STRATEGY_MUL > count:
            picked = sorted(random.sample(range(size), count))
            out = [order[i] for i in picked]
            rset.live.difference_update(out)
            rset.order = [m for m in order if m in rset.live]
        else:
            kept = [order[i] for i in sorted(random.sample(range(size), remaining))]
            rset.live = set(kept)
            out = [m for m in order if m not in rset.live]
            rset.order = kept
    elif remaining * SPOP_MOVE_STRATEGY_MUL > count:  # case 2: random pops
        out = []
        for _ in range(count):
            member = rset.pick()
            rset.remove(member)
            out.append(member)
    else:  # case 3: a new set of the members that stay (random picks)
        kept = random.sample(rset.listed(), remaining)
        if rset.enc == INTSET:
            new = RSet.small(sorted(kept, key=int), INTSET)
        else:
            new = RSet.created("", remaining)  # a listpack, unless too many to stay
            if new.enc == HASHTABLE:
                new.live = set(kept)
            else:
                for member in kept:
                    new.add(member)
        out = [m for m in rset if m not in new.live]
        rset.live, rset.order, rset.enc, rset.members = (
            new.live, new.order, new.enc, new.members)
    db.touch(key)
    return out


@arity_checked("SPOP")
def cmd_spop(db: Database, args: Sequence[str]) -> Any:
    key = args[0]
    if len(args) > 2:
        raise ResponseError(SYNTAX)
    if len(args) == 1:
        rset = _set(db, key)
        if rset is None:
            return None
        if rset.order is None:  # a hashtable: RSet.pick and remove inlined
            members = rset.sampler()
            member = members.pick()
            rset.live.discard(member)
            members.remove(member)
        else:
            member = rset.pick()
            rset.remove(member)
        if db.watchers or db.on_touch:
            db.touch(key)
        if not rset.live:
            db.drop_if_empty(key, rset)
        return member
    count = get_positive(args[1])
    rset = _set(db, key)
    if rset is None or count == 0:
        return []
    return _spop_count(db, key, rset, count)


@arity_checked("SRANDMEMBER")
def cmd_srandmember(db: Database, args: Sequence[str]) -> Any:
    if len(args) > 2:
        raise ResponseError(SYNTAX)
    if len(args) == 1:
        rset = _set(db, args[0])
        return None if rset is None else rset.pick()
    num = get_range_int(args[1], -INT64_MAX, INT64_MAX)
    rset = _set(db, args[0])
    if rset is None or num == 0:
        return []
    if num < 0:
        pick = rset.pick
        return [pick() for _ in range(-num)]
    if num >= len(rset):
        return rset.listed()
    return _sample(rset, num)


@arity_checked("SMOVE")
def cmd_smove(db: Database, args: Sequence[str]) -> int:
    src_key, dst_key, member = args
    src = db.get(src_key)
    dst = db.get(dst_key)
    if src is None:
        return 0
    if type(src) is not RSet or (dst is not None and type(dst) is not RSet):
        raise WrongTypeError(WRONGTYPE)
    if src is dst:
        return int(member in src)
    if not src.remove(member):
        return 0
    db.touch(src_key)
    db.drop_if_empty(src_key, src)
    if dst is None:
        dst = RSet.created(member, 1)
        db.add_new(dst_key, dst)
    dst.add(member)
    db.touch(dst_key)
    return 1


# ---- algebra -------------------------------------------------------------------------
# The order of a reply and of a stored result is the server's where it is defined: the
# intersection walks the smallest set (the first given of equal ones) in its order;
# SUNION and SDIFF gather into a hashtable unless every input is an intset (then the
# result is ascending); the *STORE forms build their result as _built says.


def _smallest_first(sets: list[RSet | None]) -> list[RSet] | None:
    """The sets by size, the first given first among equal ones; ``None`` when one is
    missing or empty (the intersection is empty)."""
    present: list[RSet] = []
    for s in sets:
        if not s:
            return None
        present.append(s)
    present.sort(key=len)
    return present


def _inter(sets: list[RSet | None]) -> tuple[Collection[str], RSet | None]:
    """The intersection, in the smallest set's order when it has one, and that set."""
    if len(sets) == 2:  # the common call: no sorting, one C intersection
        first, other = sets
        if not first or not other:
            return [], None
        if len(other) < len(first):
            first, other = other, first
        order = first.order
        if order is None:
            return first.live.intersection(other.live), first
        if first is other:
            return order, first
        common = first.live.intersection(other.live)
        if len(common) == len(order):
            return order, first
        return [m for m in order if m in common], first
    present = _smallest_first(sets)
    if present is None:
        return [], None
    first = present[0]
    rest = [s.live for s in present[1:] if s is not first]
    order = first.order
    if order is None or not rest:
        return (first.live.intersection(*rest) if order is None else order), first
    common = first.live.intersection(*rest)
    if len(common) == len(order):
        return order, first
    return [m for m in order if m in common], first


def _inter_card(sets: list[RSet | None], limit: int) -> int:
    if not limit and len(sets) == 2:
        one, two = sets
        return len(one.live.intersection(two.live)) if one and two else 0
    present = _smallest_first(sets)
    if present is None:
        return 0
    first, rest = present[0].live, [s.live for s in present[1:]]
    if not limit:
        return len(first.intersection(*rest))
    count = 0
    for member in first:
        if all(member in other for other in rest):
            count += 1
            if count >= limit:
                break
    return count


def _all_intsets(sets: list[RSet | None]) -> bool:
    return all(s is None or s.enc == INTSET for s in sets)


def _ascending(members: Collection[str]) -> list[str]:
    """An intset's order for a result of integers (a hashtable's past its limit)."""
    if len(members) <= SET_INTSET_ENTRIES:
        return sorted(members, key=int)
    return list(members)


def _as_added(sets: list[RSet | None]) -> list[str]:
    """The union's members in the order a server adds them: each set's in its order."""
    return list(dict.fromkeys(m for s in sets if s is not None for m in s))


def _union(sets: list[RSet | None]) -> set[str]:
    return set().union(*[s.live for s in sets if s is not None])


def _diff_algo_one(sets: list[RSet | None]) -> bool:
    """Which of Redis's two SDIFF algorithms runs (they build different encodings):
    the first (walk the first set) unless adding it all and removing the rest is less
    work."""
    first = sets[0]
    assert first is not None
    present = [s for s in sets if s is not None]
    return len(first) * len(present) // 2 <= sum(map(len, present))


def _diff(sets: list[RSet | None]) -> set[str] | None:
    """The difference (``None``: the first set is missing or among the others)."""
    first = sets[0]
    if first is None or any(s is first for s in sets[1:]):
        return None
    return first.live.difference(*[s.live for s in sets[1:] if s is not None])


@arity_checked("SINTER")
def cmd_sinter(db: Database, args: Sequence[str]) -> list[str]:
    return list(_inter(_sets(db, args))[0])


@arity_checked("SUNION")
def cmd_sunion(db: Database, args: Sequence[str]) -> list[str]:
    sets = _sets(db, args)
    union = _union(sets)
    if _all_intsets(sets):
        return _ascending(union)
    if len(union) <= SET_LISTPACK_ENTRIES:  # a small hashtable's order: as added
        return _as_added(sets)
    return list(union)


@arity_checked("SDIFF")
def cmd_sdiff(db: Database, args: Sequence[str]) -> list[str]:
    sets = _sets(db, args)
    diff = _diff(sets)
    if not diff:
        return []
    if _all_intsets(sets):
        return _ascending(diff)
    first = sets[0]
    if first is not None and first.order is not None:  # a small hashtable's order: as added
        return [m for m in first.order if m in diff]
    return list(diff)


@arity_checked("SINTERSTORE")
def cmd_sinterstore(db: Database, args: Sequence[str]) -> int:
    result, first = _inter(_sets(db, args[1:]))
    if first is None or not result:
        return _store(db, args[0], RSet.of(set()))
    if first.enc == INTSET:  # a part of an intset is one, ascending
        return _store(db, args[0], RSet.small(list(result), INTSET))
    return _store(db, args[0], _built(result, False))


@arity_checked("SUNIONSTORE")
def cmd_sunionstore(db: Database, args: Sequence[str]) -> int:
    sets = _sets(db, args[1:])
    union = _union(sets)
    if SET_LISTPACK_ENTRIES < len(union) or not union:
        return _store(db, args[0], _built(union, False))
    return _store(db, args[0], _built(_as_added(sets), True))


@arity_checked("SDIFFSTORE")
def cmd_sdiffstore(db: Database, args: Sequence[str]) -> int:
    sets = _sets(db, args[1:])
    diff = _diff(sets)
    first = sets[0]
    if not diff or first is None:
        return _store(db, args[0], RSet.of(set()))
    if not _diff_algo_one(sets):
        # the first set is added whole, then the others removed: its encoding stays
        enc, order = _plan(first.order if first.order is not None else first.live,
                           first.order is not None)
        if order is None:
            return _store(db, args[0], RSet.of(diff))
        return _store(db, args[0], RSet.small([m for m in order if m in diff], enc))
    if len(diff) > SET_LISTPACK_ENTRIES or first.order is None:
        return _store(db, args[0], _built(diff, False))
    return _store(db, args[0], _built([m for m in first.order if m in diff], True))


@arity_checked("SINTERCARD")
def cmd_sintercard(db: Database, args: Sequence[str]) -> int:
    numkeys = get_range_int(args[0], 1, INT64_MAX, NUMKEYS)
    if numkeys > len(args) - 1:
        raise ResponseError(TOO_MANY_KEYS)
    limit = 0
    idx = 1 + numkeys
    while idx < len(args):
        if args[idx].lower() == "limit" and idx + 1 < len(args):
            limit = get_positive(args[idx + 1], NEGATIVE_LIMIT)
            idx += 2
        else:
            raise ResponseError(SYNTAX)
    return _inter_card(_sets(db, args[1:1 + numkeys]), limit)


# ---- scanning --------------------------------------------------------------------------


@arity_checked("SSCAN")
def cmd_sscan(db: Database, args: Sequence[str]) -> list[Any]:
    cursor = parse_cursor(args[1])
    rset = _set(db, args[0])
    if rset is None:
        return ["0", []]
    pattern, count, _ = parse_scan_options(args, 2, "set")
    if rset.order is not None:
        # Redis's listpack and intset encodings are walked whole in one call.
        return ["0", scan_filter(pattern, rset.order)]
    nxt, items = rset.sampler().scan(min(cursor, INT64_MAX), count)
    return [str(nxt), scan_filter(pattern, items)]
