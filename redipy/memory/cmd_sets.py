"""Memory backend handlers: the set commands.

Option parsing order, error texts and edge cases follow Redis 7.x / Valkey 8 (the
tests compare them with real servers). Sets keep a position index, so SPOP and
SRANDMEMBER without a count are O(1), as in Redis.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from redipy.commands import COMMANDS
from redipy.errors import ResponseError, WrongTypeError
from redipy.memory.cmd_generic import parse_cursor
from redipy.memory.db import WRONGTYPE, Database
from redipy.memory.glob import key_matcher
from redipy.memory.numbers import INT64_MAX, NOT_INT, parse_int
from redipy.memory.registry import Handler, command, direct
from redipy.memory.structs import RSet

SYNTAX = "ERR syntax error"
MUST_BE_POSITIVE = "ERR value is out of range, must be positive"
NUMKEYS = "ERR numkeys should be greater than 0"
TOO_MANY_KEYS = "ERR Number of keys can't be greater than number of args"
NEGATIVE_LIMIT = "ERR LIMIT can't be negative"
COMPACT_ENTRIES = 128
"""Collections up to this size are 'compact' in Redis (listpack): SCAN returns them whole."""
INTSET_ENTRIES = 512
"""Sets of integers up to this size are intsets in Redis: SCAN returns them whole."""
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


def _store(db: Database, dest: str, members: Iterable[str]) -> int:
    """Replace ``dest`` with a new set of ``members`` (deleting it when empty)."""
    new = RSet.of(members if type(members) is set else set(members))
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
        rset = RSet()
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
        rset = RSet()
        db.add_new(key, rset)
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
    return [] if rset is None else list(rset)


def _sample(rset: RSet, count: int) -> list[str]:
    """``count`` distinct random members (count < size): O(count) picks when the
    sample is small, as Redis's SRANDMEMBER case 4, else one O(N) draw (case 3)."""
    if count * 3 > len(rset):
        return random.sample(rset.members.items, count)
    chosen: dict[str, None] = {}
    while len(chosen) < count:
        chosen[rset.members.pick()] = None
    return list(chosen)


@arity_checked("SPOP")
def cmd_spop(db: Database, args: Sequence[str]) -> Any:
    key = args[0]
    if len(args) > 2:
        raise ResponseError(SYNTAX)
    if len(args) == 1:
        rset = _set(db, key)
        if rset is None:
            return None
        members = rset.members
        member = members.pick()
        rset.live.discard(member)  # RSet.remove inlined: the member is there
        members.remove(member)
        if db.watchers or db.on_touch:
            db.touch(key)
        if not rset.live:
            db.drop_if_empty(key, rset)
        return member
    count = get_positive(args[1])
    rset = _set(db, key)
    if rset is None or count == 0:
        return []
    if count >= len(rset):
        out = list(rset)
        db.delete(key)
        return out
    out = []
    for _ in range(count):
        member = rset.members.pick()
        rset.remove(member)
        out.append(member)
    db.touch(key)
    return out


@arity_checked("SRANDMEMBER")
def cmd_srandmember(db: Database, args: Sequence[str]) -> Any:
    if len(args) > 2:
        raise ResponseError(SYNTAX)
    if len(args) == 1:
        rset = _set(db, args[0])
        return None if rset is None else rset.members.pick()
    num = get_range_int(args[1], -INT64_MAX, INT64_MAX)
    rset = _set(db, args[0])
    if rset is None or num == 0:
        return []
    if num < 0:
        pick = rset.members.pick
        return [pick() for _ in range(-num)]
    if num >= len(rset):
        return list(rset)
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
        dst = RSet()
        db.add_new(dst_key, dst)
    dst.add(member)
    db.touch(dst_key)
    return 1


# ---- algebra -------------------------------------------------------------------------


def _inter(sets: list[RSet | None], limit: int = 0) -> set[str] | list[str]:
    """Members of every set (C's set intersection; with a limit, walking the smallest
    set as Redis does and stopping there)."""
    if any(s is None or not s for s in sets):
        return []
    present = sorted((s.live for s in sets if s is not None), key=len)
    first, rest = present[0], present[1:]
    if not limit:
        return first.intersection(*rest)
    out: list[str] = []
    for member in first:
        if all(member in other for other in rest):
            out.append(member)
            if len(out) >= limit:
                break
    return out


def _union(sets: list[RSet | None]) -> set[str]:
    return set().union(*[s.live for s in sets if s is not None])


def _diff(sets: list[RSet | None]) -> set[str] | list[str]:
    first = sets[0]
    if first is None:
        return []
    return first.live.difference(*[s.live for s in sets[1:] if s is not None])


@arity_checked("SINTER")
def cmd_sinter(db: Database, args: Sequence[str]) -> list[str]:
    return list(_inter(_sets(db, args)))


@arity_checked("SUNION")
def cmd_sunion(db: Database, args: Sequence[str]) -> list[str]:
    return list(_union(_sets(db, args)))


@arity_checked("SDIFF")
def cmd_sdiff(db: Database, args: Sequence[str]) -> list[str]:
    return list(_diff(_sets(db, args)))


@arity_checked("SINTERSTORE")
def cmd_sinterstore(db: Database, args: Sequence[str]) -> int:
    return _store(db, args[0], _inter(_sets(db, args[1:])))


@arity_checked("SUNIONSTORE")
def cmd_sunionstore(db: Database, args: Sequence[str]) -> int:
    return _store(db, args[0], _union(_sets(db, args[1:])))


@arity_checked("SDIFFSTORE")
def cmd_sdiffstore(db: Database, args: Sequence[str]) -> int:
    return _store(db, args[0], _diff(_sets(db, args[1:])))


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
    return len(_inter(_sets(db, args[1:1 + numkeys]), limit))


# ---- scanning --------------------------------------------------------------------------


def _is_intset(rset: RSet) -> bool:
    return all(parse_int(member) is not None for member in rset)


@arity_checked("SSCAN")
def cmd_sscan(db: Database, args: Sequence[str]) -> list[Any]:
    cursor = parse_cursor(args[1])
    rset = _set(db, args[0])
    if rset is None:
        return ["0", []]
    pattern, count, _ = parse_scan_options(args, 2, "set")
    size = len(rset)
    if size <= COMPACT_ENTRIES or (size <= INTSET_ENTRIES and _is_intset(rset)):
        # Redis's listpack and intset encodings are walked whole in one call.
        return ["0", scan_filter(pattern, rset)]
    nxt, items = rset.members.scan(min(cursor, INT64_MAX), count)
    return [str(nxt), scan_filter(pattern, items)]
