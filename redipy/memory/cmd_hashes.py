"""Memory backend handlers: the hash commands.

A hash is an :class:`RHash`: a dict (which keeps insertion order, the order Redis's
listpack encoding gives small hashes) plus a position index, so HRANDFIELD picks a
field in O(1) and HSCAN walks with SCAN-style cursors. Argument parsing order (which
error wins when several apply) follows Redis 7.2+ / Valkey 8.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import chain
from typing import Any

from redipy.errors import ResponseError, WrongTypeError
from redipy.memory.cmd_generic import parse_cursor
from redipy.memory.cmd_sets import NOSCORES_ONLY
from redipy.memory.db import WRONGTYPE, Database
from redipy.memory.glob import key_matcher
from redipy.memory.numbers import (
    INT64_MAX,
    INT64_MIN,
    NOT_FLOAT,
    NOT_INT,
    LongDouble,
    add_long_double,
    format_long_double,
    is_plain_decimal,
    parse_int,
    parse_long_double,
    plain_sum,
)
from redipy.memory.registry import command, direct
from redipy.memory.structs import HASH_LISTPACK_ENTRIES, HASH_LISTPACK_VALUE, RHash
from redipy.reply import OK, Status

SYNTAX = "ERR syntax error"
HASH_NOT_INT = "ERR hash value is not an integer"
HASH_NOT_FLOAT = "ERR hash value is not a float"
OVERFLOW = "ERR increment or decrement would overflow"
INCR_NAN_OR_INF = "ERR value is NaN or Infinity"
RESULT_NAN_OR_INF = "ERR increment would produce NaN or Infinity"
OUT_OF_RANGE = "ERR value is out of range"
LONG_RANGE = (
    f"ERR value is out of range, value must between {-INT64_MAX} and {INT64_MAX}")


def _int(text: str) -> int:
    val = parse_int(text)
    if val is None:
        raise ResponseError(NOT_INT)
    return val


def _hash(db: Database, key: str) -> RHash | None:
    """The live hash at ``key``: expired fields are removed first (an emptied hash is
    deleted), so every hash command sees only live fields."""
    h = db.get(key) if db.expires else db.data.get(key)  # db.get_typed, inlined
    if h is None:
        return None
    if type(h) is not RHash:
        raise WrongTypeError(WRONGTYPE)
    if h.ttls is not None and not db.purge_fields(key, h):
        return None
    return h


def live_hash(db: Database, key: str) -> RHash | None:
    """:func:`_hash` for the other modules (HFE, SORT)."""
    return _hash(db, key)


def field_value(db: Database, key: str, h: RHash, field: str) -> str | None:
    """The value of a field of the hash ``h`` stored at ``key`` (SORT's ``->field``)."""
    if h.ttls is not None and not db.purge_fields(key, h):
        return None
    return h.map.get(field)


def _hash_or_new(db: Database, key: str) -> tuple[RHash, bool]:
    """The hash at ``key`` (WRONGTYPE if another type) or a new one not yet stored."""
    h = _hash(db, key)
    if h is None:
        return RHash(), True
    return h, False


def _saved(db: Database, key: str, h: RHash, fresh: bool) -> None:
    """Store a new hash, or tell watchers an existing one changed."""
    if fresh:
        db.add_new(key, h)
    else:
        db.touch(key)


def _compact(h: RHash) -> bool:
    """Whether a server would hold this hash as a listpack: never grown past the
    limits (RHash.big) and never given a field TTL."""
    return h.ttls is None and not h.big


# ---- setting -----------------------------------------------------------------------------


@direct("HSET", "str", "str", "str")
def hset_one(db: Database, key: str, field: str, value: str) -> int:
    """HSET of one field, the common call: the lookup and the store inlined."""
    h = db.get(key) if db.expires else db.data.get(key)
    if h is None:
        h = RHash()
        h.set(field, value)
        db.add_new(key, h)
        return 1
    if type(h) is not RHash:
        raise WrongTypeError(WRONGTYPE)
    if h.ttls is not None:  # field TTLs: the general path drops this field's TTL
        return _set_pairs(db, (key, field, value), "hset")
    fields = h.map
    added = field not in fields
    fields[field] = value
    if added:
        h.fields.add(field)
    if not h.big and (len(fields) > HASH_LISTPACK_ENTRIES or len(field) > HASH_LISTPACK_VALUE
                      or len(value) > HASH_LISTPACK_VALUE):
        h.big = True  # RHash.grown inlined
    if db.watchers or db.on_touch:
        db.touch(key)
    return 1 if added else 0


def _set_pairs(db: Database, args: Sequence[str], name: str) -> int:
    if len(args) % 2 == 0:
        raise ResponseError(f"ERR wrong number of arguments for '{name}' command")
    key = args[0]
    h, fresh = _hash_or_new(db, key)
    added = 0
    for i in range(1, len(args), 2):
        added += h.set(args[i], args[i + 1])
    if h.ttls:  # HSET makes a field persistent again
        for i in range(1, len(args), 2):
            h.ttls.pop(args[i], None)
    _saved(db, key, h, fresh)
    return added


@command("HSET")
def cmd_hset(db: Database, args: Sequence[str]) -> int:
    if len(args) == 3:
        return hset_one(db, args[0], args[1], args[2])
    return _set_pairs(db, args, "hset")


@command("HMSET")
def cmd_hmset(db: Database, args: Sequence[str]) -> Status:
    _set_pairs(db, args, "hmset")
    return OK


@command("HSETNX")
def cmd_hsetnx(db: Database, args: Sequence[str]) -> int:
    key, field = args[0], args[1]
    h, fresh = _hash_or_new(db, key)
    if field in h:
        return 0
    h.set(field, args[2])
    _saved(db, key, h, fresh)
    return 1


@command("HDEL")
def cmd_hdel(db: Database, args: Sequence[str]) -> int:
    key = args[0]
    h = _hash(db, key)
    if h is None:
        return 0
    if len(args) == 2:  # one field, the common call: RHash.remove inlined
        field, fields = args[1], h.map
        if field not in fields:
            return 0
        del fields[field]
        h.fields.remove(field)
        if h.ttls:
            h.ttls.pop(field, None)
        if not fields:
            db.drop_if_empty(key, h)
        db.touch(key)
        return 1
    removed = sum(1 for field in args[1:] if h.remove(field))
    if removed:
        db.drop_if_empty(key, h)
        db.touch(key)
    return removed


@command("HINCRBY")
def cmd_hincrby(db: Database, args: Sequence[str]) -> int:
    return hincr_by(db, args[0], args[1], _int(args[2]))


@direct("HINCRBY", "str", "str", "int")
def hincr_by(db: Database, key: str, field: str, incr: int) -> int:
    """HINCRBY with the increment already parsed."""
    h, fresh = _hash_or_new(db, key)
    old = h.get(field)
    current = 0
    if old is not None:
        parsed = parse_int(old)
        if parsed is None:
            raise ResponseError(HASH_NOT_INT)
        current = parsed
    total = current + incr
    if not INT64_MIN <= total <= INT64_MAX:
        raise ResponseError(OVERFLOW)
    h.set(field, str(total))
    _saved(db, key, h, fresh)
    return total


@command("HINCRBYFLOAT")
def cmd_hincrbyfloat(db: Database, args: Sequence[str]) -> str:
    """Long double arithmetic and ``%.17Lf`` output, exactly as Redis's."""
    key, field = args[0], args[1]
    if is_plain_decimal(args[2]):  # plain decimals: integer arithmetic, the same result
        h, fresh = _hash_or_new(db, key)
        fast = plain_sum(h.get(field), args[2])
        if fast is not None:
            h.set(field, fast)
            _saved(db, key, h, fresh)
            return fast
    incr = parse_long_double(args[2])
    if incr is None:
        raise ResponseError(NOT_FLOAT)
    if isinstance(incr, float):  # only infinities are floats here
        raise ResponseError(INCR_NAN_OR_INF)
    h, fresh = _hash_or_new(db, key)
    old = h.get(field)
    total: LongDouble = incr
    if old is not None:
        current = parse_long_double(old)
        if current is None:
            raise ResponseError(HASH_NOT_FLOAT)
        total = add_long_double(current, incr)
    if isinstance(total, float):
        raise ResponseError(RESULT_NAN_OR_INF)
    text = format_long_double(total)
    h.set(field, text)
    _saved(db, key, h, fresh)
    return text


# ---- reading -----------------------------------------------------------------------------


@direct("HGET", "str", "str")
def hget(db: Database, key: str, field: str) -> str | None:
    h = db.get_typed(key, RHash)
    if h is None or (h.ttls is not None and not db.purge_fields(key, h)):
        return None
    return h.map.get(field)


@command("HGET")
def cmd_hget(db: Database, args: Sequence[str]) -> str | None:
    return hget(db, args[0], args[1])


@command("HMGET")
def cmd_hmget(db: Database, args: Sequence[str]) -> list[str | None]:
    h = _hash(db, args[0])
    if h is None:
        return [None] * (len(args) - 1)
    return list(map(h.map.get, args[1:]))


@command("HEXISTS")
def cmd_hexists(db: Database, args: Sequence[str]) -> int:
    h = _hash(db, args[0])
    return int(h is not None and args[1] in h)


@command("HLEN")
def cmd_hlen(db: Database, args: Sequence[str]) -> int:
    h = _hash(db, args[0])
    return 0 if h is None else len(h)


@command("HSTRLEN")
def cmd_hstrlen(db: Database, args: Sequence[str]) -> int:
    h = _hash(db, args[0])
    value = None if h is None else h.get(args[1])
    return 0 if value is None else len(value)


@command("HKEYS")
def cmd_hkeys(db: Database, args: Sequence[str]) -> list[str]:
    h = _hash(db, args[0])
    return [] if h is None else list(h.map)


@command("HVALS")
def cmd_hvals(db: Database, args: Sequence[str]) -> list[str]:
    h = _hash(db, args[0])
    return [] if h is None else list(h.map.values())


@command("HGETALL")
def cmd_hgetall(db: Database, args: Sequence[str]) -> list[str]:
    h = _hash(db, args[0])
    if h is None:
        return []
    return list(chain.from_iterable(h.map.items()))  # flattened in C


@command("HRANDFIELD")
def cmd_hrandfield(db: Database, args: Sequence[str]) -> Any:
    key = args[0]
    if len(args) == 1:
        h = _hash(db, key)
        return None if h is None or not h else h.fields.pick()
    count = _int(args[1])
    if count < -INT64_MAX:
        raise ResponseError(LONG_RANGE)
    if len(args) > 3 or (len(args) == 3 and args[2].lower() != "withvalues"):
        raise ResponseError(SYNTAX)
    with_values = len(args) == 3
    if with_values and not -(INT64_MAX // 2) <= count <= INT64_MAX // 2:
        raise ResponseError(OUT_OF_RANGE)
    h = _hash(db, key)
    if h is None or count == 0:
        return []
    if count < 0:
        # May repeat: each pick is independent and O(1).
        pick = h.fields.pick
        fields = [pick() for _ in range(-count)]
    elif count >= len(h):
        fields = list(h.map)
    else:
        fields = h.fields.sample(count)
    if not with_values:
        return fields
    values = h.map
    return [part for field in fields for part in (field, values[field])]


@command("HSCAN")
def cmd_hscan(db: Database, args: Sequence[str]) -> list[Any]:
    cursor = parse_cursor(args[1])
    h = _hash(db, args[0])
    if h is None:
        return ["0", []]
    count = 10
    pattern: str | None = None
    novalues = False  # Valkey 8+ (Redis 7.4); Redis 7.0 answers a syntax error
    i, argc = 2, len(args)
    while i < argc:
        opt = args[i].lower()
        if opt == "count" and argc - i >= 2:
            count = _int(args[i + 1])
            if count < 1:
                raise ResponseError(SYNTAX)
        elif opt == "match" and argc - i >= 2:
            pattern = args[i + 1]
        elif opt == "novalues":
            novalues = True
            i += 1
            continue
        elif opt == "noscores":
            raise ResponseError(NOSCORES_ONLY)
        else:
            raise ResponseError(SYNTAX)
        i += 2
    match = None if pattern is None else key_matcher(pattern)
    if _compact(h):
        # Redis returns a listpack-encoded hash whole, with cursor 0.
        nxt, fields = 0, list(h.map)
    else:
        nxt, fields = h.fields.scan(cursor, count)
    if novalues:
        return [str(nxt), fields if match is None else [f for f in fields if match(f)]]
    values = h.map
    out: list[str] = []
    for field in fields:
        if match is None or match(field):
            out.append(field)
            out.append(values[field])
    return [str(nxt), out]
