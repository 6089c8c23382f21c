"""Memory backend handlers: the generic (keyspace), connection and server commands.

Error texts, option parsing order and edge cases follow Redis 7.2+ / Valkey 8 (the
tests compare them with real servers): e.g. ``SCAN -1`` is an invalid cursor and
``SCAN 0 TYPE foo`` an unknown type name, where Redis 7.0 answered an empty page.
"""

from __future__ import annotations

import copy
import re
import time
from collections.abc import Iterable, Sequence
from typing import Any

from redipy.errors import ResponseError
from redipy.memory.db import Database
from redipy.memory.glob import is_literal, joined_regex, key_matcher, literal_prefix
from redipy.memory.numbers import INT64_MAX, NOT_INT, parse_int
from redipy.memory.options import option_reader
from redipy.memory.registry import command
from redipy.memory.structs import TYPE_NAMES, RHash, RList, RSet, RZSet
from redipy.reply import OK, PONG, Status

SYNTAX = "ERR syntax error"
NO_SUCH_KEY = "ERR no such key"
SAME_OBJECT = "ERR source and destination objects are the same"
DB_RANGE = "ERR DB index is out of range"
INVALID_CURSOR = "ERR invalid cursor"
_NX_CONFLICT = "ERR NX and XX, GT or LT options at the same time are not compatible"
_GT_LT_CONFLICT = "ERR GT and LT options at the same time are not compatible"

SCAN_TYPES = frozenset({"string", "list", "set", "zset", "hash", "stream"})
"""Type names SCAN's TYPE accepts (a stream never exists here, so it matches nothing)."""

UINT64_MAX = (1 << 64) - 1
_STRTOULL = re.compile(r"[ \t\n\v\f\r]*([+-]?)([0-9]+)")


def _int(text: str) -> int:
    val = parse_int(text)
    if val is None:
        raise ResponseError(NOT_INT)
    return val


def parse_cursor(text: str) -> int:
    """A SCAN cursor as Redis 7.2+ reads it (``string2ull``): a plain non-negative
    integer, or what ``strtoull`` accepts (leading spaces, a sign) within 64 bits."""
    val = parse_int(text)
    if val is not None:
        if val < 0:
            raise ResponseError(INVALID_CURSOR)
        return val
    found = _STRTOULL.fullmatch(text)
    if found is None:
        raise ResponseError(INVALID_CURSOR)
    num = int(found.group(2))
    if num > UINT64_MAX:
        raise ResponseError(INVALID_CURSOR)
    return (-num) & UINT64_MAX if found.group(1) == "-" else num


# ---- existence, deletion, type -------------------------------------------------------


@command("EXISTS")
def cmd_exists(db: Database, args: Sequence[str]) -> int:
    return sum(1 for key in args if db.get(key) is not None)


@command("DEL", "UNLINK")
def cmd_del(db: Database, args: Sequence[str]) -> int:
    return sum(1 for key in args if db.delete(key))


@command("TOUCH")
def cmd_touch(db: Database, args: Sequence[str]) -> int:
    # Only the LRU clock changes in Redis: not a write, so WATCH is not told.
    return sum(1 for key in args if db.get(key) is not None)


@command("TYPE")
def cmd_type(db: Database, args: Sequence[str]) -> Status:
    return Status(db.type_name(args[0]))


# ---- walking the keyspace -------------------------------------------------------------


@command("KEYS")
def cmd_keys(db: Database, args: Sequence[str]) -> list[str]:
    pattern = args[0]
    if is_literal(pattern):
        return [pattern] if db.get(pattern) is not None else []
    found: list[str]
    if pattern == "*":
        found = list(db.data)
    else:
        regex = joined_regex(pattern)
        joined = db.joined_keys() if regex is not None else ""
        if regex is not None and joined:  # one regex in C over every key, in keyspace order
            found = regex.findall(joined)
        else:  # a key holds a LF, or more than two '*' groups: a test per key
            prefix = literal_prefix(pattern)
            if prefix is not None:
                found = [key for key in db.data if key.startswith(prefix)]
            else:
                found = list(filter(key_matcher(pattern), db.data))
    if db.expires:
        now, expires = db.clock(), db.expires
        found = [key for key in found if expires.get(key, now + 1) > now]
    return found


@command("SCAN")
def cmd_scan(db: Database, args: Sequence[str]) -> list[Any]:
    cursor = parse_cursor(args[0])
    count = 10
    pattern: str | None = None
    type_name: str | None = None
    i, argc = 1, len(args)
    while i < argc:
        opt = args[i].lower()
        if opt == "noscores":
            raise ResponseError("ERR NOSCORES option can only be used in ZSCAN")
        if opt == "novalues":
            raise ResponseError("ERR NOVALUES option can only be used in HSCAN")
        if argc - i < 2:
            raise ResponseError(SYNTAX)
        if opt == "count":
            count = _int(args[i + 1])
            if count < 1:
                raise ResponseError(SYNTAX)
        elif opt == "match":
            pattern = args[i + 1]
        elif opt == "type":
            type_name = args[i + 1].lower()
            if type_name not in SCAN_TYPES:
                raise ResponseError(f"ERR unknown type name '{args[i + 1]}'")
        else:
            raise ResponseError(SYNTAX)
        i += 2
    # Like Redis, take COUNT candidates first and filter them after: a page may be
    # short or empty while the cursor is not yet 0.
    nxt, found = db.keyset.scan(cursor if cursor <= INT64_MAX else INT64_MAX, count)
    match = None if pattern is None else key_matcher(pattern)
    out: list[str] = []
    for key in found:
        if match is not None and not match(key):
            continue
        val = db.get(key)  # also removes an expired key, as Redis's SCAN does
        if val is None:
            continue
        if type_name is not None and TYPE_NAMES[type(val)] != type_name:
            continue
        out.append(key)
    return [str(nxt), out]


@command("RANDOMKEY")
def cmd_randomkey(db: Database, args: Sequence[str]) -> str | None:
    return db.random_key()


# ---- renaming and copying ------------------------------------------------------------


def _rename(db: Database, src: str, dst: str, *, nx: bool) -> bool:
    val = db.get(src)
    if val is None:
        raise ResponseError(NO_SUCH_KEY)
    if src == dst:
        return not nx
    if db.get(dst) is not None:
        if nx:
            return False
        db.delete(dst)
    when = db.expiry(src)
    db.delete(src)
    db.place(dst, val, when)
    return True


@command("RENAME")
def cmd_rename(db: Database, args: Sequence[str]) -> Status:
    _rename(db, args[0], args[1], nx=False)
    return OK


@command("RENAMENX")
def cmd_renamenx(db: Database, args: Sequence[str]) -> int:
    return int(_rename(db, args[0], args[1], nx=True))


def duplicate(val: Any) -> Any:
    """An independent copy of a stored value (collections are copied element-wise)."""
    kind = type(val)
    if kind is str:
        return val
    if kind is bytearray:  # a string changed in place (redipy.memory.cmd_strings)
        return bytearray(val)
    if kind is RList:
        return RList(val)
    if kind is RHash:
        hcopy = RHash()
        hcopy.map = dict(val.map)
        hcopy.fields = val.fields.copy()
        hcopy.big = val.big
        if val.ttls is not None:
            hcopy.ttls = dict(val.ttls)
            hcopy.soonest = val.soonest
        return hcopy
    if kind is RSet:
        return val.copy()
    if kind is RZSet:
        zcopy = RZSet()
        zcopy.scores = dict(val.scores)
        zcopy.order = val.order.copy()
        zcopy.ra = val.ra.copy()
        zcopy.big = val.big
        return zcopy
    return copy.deepcopy(val)


INT_RANGE = "ERR value is out of range, value must between -2147483648 and 2147483647"


def _other_db(db: Database, text: str) -> Database:
    """COPY's DB argument: an int (getRangeLongFromObjectOrReply), then a database."""
    index = _int(text)
    if not -(2**31) <= index < 2**31:
        raise ResponseError(INT_RANGE)
    server = getattr(db, "server", None)
    dbs: list[Database] = list(server.dbs) if server is not None else [db]
    if index < 0 or index >= len(dbs):
        raise ResponseError(DB_RANGE)
    return dbs[index]


_COPY_OPTIONS = option_reader("COPY")


@command("COPY")
def cmd_copy(db: Database, args: Sequence[str]) -> int:
    src, dst = args[0], args[1]
    replace = False
    target = db
    for opt, values in _COPY_OPTIONS(args, 2):
        if opt == "REPLACE":
            replace = True
        else:  # DB
            target = _other_db(db, values[0])
    if target is db and src == dst:
        raise ResponseError(SAME_OBJECT)
    val = db.get(src)
    if val is None:
        return 0
    when = db.expiry(src)
    with target.lock:
        if target.get(dst) is not None:
            if not replace:
                return 0
            target.delete(dst)
        target.place(dst, duplicate(val), when)
    return 1


# ---- expiry ----------------------------------------------------------------------------


def expire_flags(args: Sequence[str]) -> tuple[bool, bool, bool, bool]:
    """EXPIRE's NX/XX/GT/LT options (HEXPIRE's too), with the server's conflict errors."""
    nx = xx = gt = lt = False
    for opt in args:
        low = opt.lower()
        if low == "nx":
            nx = True
        elif low == "xx":
            xx = True
        elif low == "gt":
            gt = True
        elif low == "lt":
            lt = True
        else:
            raise ResponseError(f"ERR Unsupported option {opt}")
    if nx and (xx or gt or lt):
        raise ResponseError(_NX_CONFLICT)
    if gt and lt:
        raise ResponseError(_GT_LT_CONFLICT)
    return nx, xx, gt, lt


def _expire(db: Database, args: Sequence[str], name: str, seconds: bool,
            absolute: bool) -> int:
    nx = xx = gt = lt = False
    if len(args) > 2:
        nx, xx, gt, lt = expire_flags(args[2:])
    text = args[1]
    if text.isdecimal() and len(text) < 16 and text.isascii() and (
            text[0] != "0" or len(text) == 1):
        when = int(text) * 1000 if seconds else int(text)  # < 10**18: no overflow
    else:
        when = _int(text)
        if seconds:
            # C's LLONG_MIN / 1000 truncates toward zero
            if when > INT64_MAX // 1000 or when < -(INT64_MAX // 1000):
                raise ResponseError(f"ERR invalid expire time in '{name}' command")
            when *= 1000
    now = db.clock()
    if not absolute:
        if when > INT64_MAX - now:
            raise ResponseError(f"ERR invalid expire time in '{name}' command")
        when += now
    key = args[0]
    if key not in db.data:
        return 0
    expires = db.expires
    if expires and key in expires and expires[key] <= now:
        db.get(key)  # expired: lazily removed, as on any access
        return 0
    if nx or xx or gt or lt:
        current = expires.get(key)
        if nx and current is not None:
            return 0
        if xx and current is None:
            return 0
        if gt and (current is None or when <= current):
            return 0
        if lt and current is not None and when >= current:
            return 0
    db.set_expiry(key, when, now)  # a time already past deletes the key (reply still 1)
    return 1


@command("EXPIRE")
def cmd_expire(db: Database, args: Sequence[str]) -> int:
    return _expire(db, args, "expire", True, False)


@command("PEXPIRE")
def cmd_pexpire(db: Database, args: Sequence[str]) -> int:
    return _expire(db, args, "pexpire", False, False)


@command("EXPIREAT")
def cmd_expireat(db: Database, args: Sequence[str]) -> int:
    return _expire(db, args, "expireat", True, True)


@command("PEXPIREAT")
def cmd_pexpireat(db: Database, args: Sequence[str]) -> int:
    return _expire(db, args, "pexpireat", False, True)


def _remaining(db: Database, key: str) -> int | None:
    """Milliseconds left (never below 0); ``None`` without a TTL; -2 when missing."""
    expires = db.expires
    when = expires.get(key) if expires else None
    if when is None:
        return None if key in db.data else -2
    left = when - db.clock()
    if left <= 0:
        db.get(key)  # expired: lazily removed, as on any access
        return -2
    return left


@command("PTTL")
def cmd_pttl(db: Database, args: Sequence[str]) -> int:
    left = _remaining(db, args[0])
    return -1 if left is None else left


@command("TTL")
def cmd_ttl(db: Database, args: Sequence[str]) -> int:
    left = _remaining(db, args[0])
    if left is None:
        return -1
    return left if left == -2 else (left + 500) // 1000


def _expiretime(db: Database, key: str) -> int:
    if db.get(key) is None:
        return -2
    when = db.expiry(key)
    return -1 if when is None else when


@command("PEXPIRETIME")
def cmd_pexpiretime(db: Database, args: Sequence[str]) -> int:
    return _expiretime(db, args[0])


@command("EXPIRETIME")
def cmd_expiretime(db: Database, args: Sequence[str]) -> int:
    when = _expiretime(db, args[0])
    return when if when < 0 else (when + 500) // 1000  # rounded, as TTL is


@command("PERSIST")
def cmd_persist(db: Database, args: Sequence[str]) -> int:
    key = args[0]
    if db.get(key) is None:
        return 0
    return int(db.persist(key))


# ---- connection ------------------------------------------------------------------------


@command("PING")
def cmd_ping(db: Database, args: Sequence[str]) -> str:
    if len(args) > 1:
        raise ResponseError("ERR wrong number of arguments for 'ping' command")
    return args[0] if args else PONG


@command("ECHO")
def cmd_echo(db: Database, args: Sequence[str]) -> str:
    return args[0]


# ---- server ----------------------------------------------------------------------------


@command("DBSIZE")
def cmd_dbsize(db: Database, args: Sequence[str]) -> int:
    return db.size()


def _flush_mode(args: Sequence[str]) -> None:
    if len(args) > 1 or (args and args[0].lower() not in ("sync", "async")):
        raise ResponseError(SYNTAX)


@command("FLUSHDB")
def cmd_flushdb(db: Database, args: Sequence[str]) -> Status:
    _flush_mode(args)
    db.flush()
    return OK


def _all_dbs(db: Database) -> Iterable[Database]:
    server = getattr(db, "server", None)
    return [db] if server is None else list(server.dbs)


@command("FLUSHALL")
def cmd_flushall(db: Database, args: Sequence[str]) -> Status:
    _flush_mode(args)
    for other in _all_dbs(db):
        with other.lock:
            other.flush()
    return OK


@command("TIME")
def cmd_time(db: Database, args: Sequence[str]) -> list[str]:
    micros = time.time_ns() // 1000
    return [str(micros // 1_000_000), str(micros % 1_000_000)]
