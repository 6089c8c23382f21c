"""Memory backend handlers: hash-field expiration, as Valkey 9.1 has it.

HEXPIRE / HPEXPIRE / HEXPIREAT / HPEXPIREAT, HTTL / HPTTL / HEXPIRETIME /
HPEXPIRETIME, HPERSIST, HGETEX, HSETEX and HGETDEL, with the server's per-field
reply codes (-2 no such field, -1 no TTL, 0 condition not met, 1 done, 2 deleted
because the time has already passed) and its argument order: each command looks
for its ``FIELDS`` token first (HEXPIRE, HGETEX and HSETEX search for it, the others
want it right after the key), parses its options, checks ``numfields``, then the
key's type, then the time. Deadlines live in the hash (``RHash.ttls``); every hash
command drops expired fields before it looks (``Database.purge_fields``) and the
expiry thread reclaims them in the background, so an emptied hash deletes its key.
"""

from __future__ import annotations

from collections.abc import Sequence

from redipy.errors import ResponseError
from redipy.memory.cmd_generic import expire_flags
from redipy.memory.cmd_hashes import live_hash
from redipy.memory.db import Database
from redipy.memory.numbers import INT64_MAX, NOT_INT, parse_int
from redipy.memory.registry import command
from redipy.memory.structs import NEVER, RHash

SYNTAX = "ERR syntax error"
NUMFIELDS = "ERR numfields should be greater than 0 and match the provided number of fields"


def _int(text: str) -> int:
    val = parse_int(text)
    if val is None:
        raise ResponseError(NOT_INT)
    return val


def _deadline(db: Database, text: str, name: str, seconds: bool, absolute: bool,
              now: int | None = None) -> int:
    """convertExpireArgumentToUnixTime: a non-negative time, as an absolute ms."""
    when = _int(text)
    bad = f"ERR invalid expire time in '{name}' command"
    if when < 0:
        raise ResponseError(bad)
    if seconds:
        if when > INT64_MAX // 1000:
            raise ResponseError(bad)
        when *= 1000
    base = 0 if absolute else (db.clock() if now is None else now)
    if when > INT64_MAX - base:
        raise ResponseError(bad)
    return when + base


def _after_fields(args: Sequence[str], at: int, mismatch: str) -> tuple[int, list[str]]:
    """``FIELDS numfields field ...`` with FIELDS at ``at``: (numfields, the fields)."""
    num = _int(args[at + 1])
    fields = list(args[at + 2:])
    if num <= 0 or num != len(fields):
        raise ResponseError(mismatch)
    return num, fields


def _fixed_fields(args: Sequence[str], mismatch: str) -> list[str]:
    """``key FIELDS numfields field ...`` (HTTL, HPERSIST, HGETDEL)."""
    if args[1].lower() != "fields":
        raise ResponseError(SYNTAX)
    return _after_fields(args, 1, mismatch)[1]


def _find_fields(args: Sequence[str], start: int) -> int | None:
    for i in range(start, len(args) - 1):
        if args[i].lower() == "fields":
            return i
    return None


def _finish(db: Database, key: str, h: RHash | None, changed: bool, timed: bool) -> None:
    """After a change: track field TTLs, tell watchers, delete an emptied hash."""
    if h is None or not changed:
        return
    if not h.map:
        db.delete(key)
        return
    if timed:
        db.track_fields(key)
    db.touch(key)


def _set_expire(h: RHash | None, field: str, when: int, nx: bool = False, xx: bool = False,
                gt: bool = False, lt: bool = False) -> int:
    """hashTypeSetExpire's code for one field."""
    if h is None or field not in h.map:
        return -2
    current = None if h.ttls is None else h.ttls.get(field)
    if (nx and current is not None) or (xx and current is None):
        return 0
    if gt and (current is None or when <= current):
        return 0
    if lt and current is not None and when >= current:
        return 0
    h.expire_at(field, when)
    return 1


# ---- HEXPIRE family ----------------------------------------------------------------------


def _hexpire(db: Database, args: Sequence[str], name: str, *, seconds: bool,
             absolute: bool) -> list[int]:
    key = args[0]
    at = 2 if args[2] == "FIELDS" else _find_fields(args, 2)  # no options: the usual
    if at is None:
        raise ResponseError(NUMFIELDS)
    nx, xx, gt, lt = expire_flags(args[2:at])
    _, fields = _after_fields(args, at, NUMFIELDS)
    now = db.clock()
    when = _deadline(db, args[1], name, seconds, absolute, now)
    h = live_hash(db, key)
    out: list[int] = []
    changed = False
    if when <= now:
        for field in fields:
            gone = h is not None and h.remove(field)
            out.append(2 if gone else -2)
            changed = changed or gone
        _finish(db, key, h, changed, False)
        return out
    for field in fields:
        code = _set_expire(h, field, when, nx, xx, gt, lt)
        out.append(code)
        changed = changed or code == 1
    _finish(db, key, h, changed, True)
    return out


_FAST_LIMIT = 1 << 40
"""Times the one-field fast path takes (seconds or ms): far from any overflow."""


def _one_field(db: Database, args: Sequence[str], scale: int) -> list[int] | None:
    """HEXPIRE/HPEXPIRE key time FIELDS 1 field, the usual call, without the general
    parse; ``None`` hands anything unusual (errors, a past time, another type) to it."""
    when = parse_int(args[1])
    if when is None or not 0 <= when < _FAST_LIMIT:
        return None
    now = db.clock()
    when = when * scale + now
    key, field = args[0], args[4]
    h = db.get(key) if db.expires else db.data.get(key)
    if h is None:
        return [-2]
    if type(h) is not RHash or when <= now:
        return None
    if h.ttls is not None and h.soonest <= now and not db.purge_fields(key, h):
        return [-2]
    if field not in h.map:
        return [-2]
    h.expire_at(field, when)
    if h.soonest < db.hfe.get(key, NEVER):
        db.track_fields(key)
    if db.watchers or db.on_touch:
        db.touch(key)
    return [1]


@command("HEXPIRE")
def cmd_hexpire(db: Database, args: Sequence[str]) -> list[int]:
    if len(args) == 5 and args[2] == "FIELDS" and args[3] == "1":
        done = _one_field(db, args, 1000)
        if done is not None:
            return done
    return _hexpire(db, args, "hexpire", seconds=True, absolute=False)


@command("HPEXPIRE")
def cmd_hpexpire(db: Database, args: Sequence[str]) -> list[int]:
    if len(args) == 5 and args[2] == "FIELDS" and args[3] == "1":
        done = _one_field(db, args, 1)
        if done is not None:
            return done
    return _hexpire(db, args, "hpexpire", seconds=False, absolute=False)


@command("HEXPIREAT")
def cmd_hexpireat(db: Database, args: Sequence[str]) -> list[int]:
    return _hexpire(db, args, "hexpireat", seconds=True, absolute=True)


@command("HPEXPIREAT")
def cmd_hpexpireat(db: Database, args: Sequence[str]) -> list[int]:
    return _hexpire(db, args, "hpexpireat", seconds=False, absolute=True)


# ---- HTTL family, HPERSIST ---------------------------------------------------------------


def _httl(db: Database, args: Sequence[str], *, seconds: bool, absolute: bool) -> list[int]:
    if len(args) == 4 and args[1] == "FIELDS" and args[2] == "1":  # one field, the usual
        fields: Sequence[str] = args[3:]
    else:
        fields = _fixed_fields(args, SYNTAX)
    h = live_hash(db, args[0])
    base = 0 if absolute else db.clock()
    out: list[int] = []
    for field in fields:
        if h is None or field not in h.map:
            out.append(-2)
            continue
        when = None if h.ttls is None else h.ttls.get(field)
        if when is None:
            out.append(-1)
            continue
        left = max(when - base, 0)
        out.append((left + 500) // 1000 if seconds else left)
    return out


@command("HTTL")
def cmd_httl(db: Database, args: Sequence[str]) -> list[int]:
    return _httl(db, args, seconds=True, absolute=False)


@command("HPTTL")
def cmd_hpttl(db: Database, args: Sequence[str]) -> list[int]:
    return _httl(db, args, seconds=False, absolute=False)


@command("HEXPIRETIME")
def cmd_hexpiretime(db: Database, args: Sequence[str]) -> list[int]:
    return _httl(db, args, seconds=True, absolute=True)


@command("HPEXPIRETIME")
def cmd_hpexpiretime(db: Database, args: Sequence[str]) -> list[int]:
    return _httl(db, args, seconds=False, absolute=True)


@command("HPERSIST")
def cmd_hpersist(db: Database, args: Sequence[str]) -> list[int]:
    fields = _fixed_fields(args, NUMFIELDS)
    key = args[0]
    h = live_hash(db, key)
    out: list[int] = []
    changed = False
    for field in fields:
        if h is None or field not in h.map:
            out.append(-2)
        elif h.ttls and field in h.ttls:
            del h.ttls[field]
            out.append(1)
            changed = True
        else:
            out.append(-1)
    _finish(db, key, h, changed, False)
    return out


# ---- HGETDEL, HGETEX, HSETEX -------------------------------------------------------------


@command("HGETDEL")
def cmd_hgetdel(db: Database, args: Sequence[str]) -> list[str | None]:
    fields = _fixed_fields(args, NUMFIELDS)
    key = args[0]
    h = live_hash(db, key)
    if h is None:
        return [None] * len(fields)
    out: list[str | None] = []
    changed = False
    for field in fields:
        out.append(h.map.get(field))
        changed = h.remove(field) or changed
    _finish(db, key, h, changed, False)
    return out


_TIMES = {"ex": (True, False), "px": (False, False), "exat": (True, True),
          "pxat": (False, True)}


def _options(args: Sequence[str], stop: int, *, for_set: bool
             ) -> tuple[str, str, str, str | None, str]:
    """The options between the key and FIELDS, by the rules of SET's parser (a word
    may repeat, two different words of one kind are a syntax error): (key condition,
    field condition, time word, time text, KEEPTTL/PERSIST)."""
    cond = fcond = unit = keep = ""
    text: str | None = None
    i = 1
    while i < stop:
        low = args[i].lower()
        nxt = i + 1 < stop
        if for_set and low in ("nx", "xx") and cond in ("", low):
            cond = low
        elif for_set and low in ("fnx", "fxx") and fcond in ("", low):
            fcond = low
        elif low in _TIMES and nxt and not keep and unit in ("", low):
            unit, text = low, args[i + 1]
            i += 1
        elif low == ("keepttl" if for_set else "persist") and not unit:
            keep = low
        else:
            raise ResponseError(SYNTAX)
        i += 1
    return cond, fcond, unit, text, keep


def _getex_one(db: Database, args: Sequence[str]) -> list[str | None] | None:
    """HGETEX key EX|PX n FIELDS 1 field, the usual call; ``None``: the general path."""
    scale = 1000 if args[1] in ("EX", "ex") else 1 if args[1] in ("PX", "px") else 0
    num = parse_int(args[2])
    if not scale or num is None or not 0 < num < _FAST_LIMIT:
        return None
    key, field = args[0], args[5]
    h = db.get(key) if db.expires else db.data.get(key)
    if h is None:
        return [None]
    if type(h) is not RHash:
        return None
    now = db.clock()
    if h.ttls is not None and h.soonest <= now and not db.purge_fields(key, h):
        return [None]
    val = h.map.get(field)
    if val is not None:
        h.expire_at(field, now + num * scale)
        if h.soonest < db.hfe.get(key, NEVER):
            db.track_fields(key)
        if db.watchers or db.on_touch:
            db.touch(key)
    return [val]


@command("HGETEX")
def cmd_hgetex(db: Database, args: Sequence[str]) -> list[str | None]:
    if len(args) == 6 and args[3] == "FIELDS" and args[4] == "1":
        done = _getex_one(db, args)
        if done is not None:
            return done
    key = args[0]
    at = _find_fields(args, 0)
    if at is None:
        raise ResponseError(NUMFIELDS)
    _, _, unit, text, persist = _options(args, at, for_set=False)
    _, fields = _after_fields(args, at, NUMFIELDS)
    h = live_hash(db, key)
    when = None
    if unit and text is not None:
        seconds, absolute = _TIMES[unit]
        when = _deadline(db, text, "hgetex", seconds, absolute)
    if h is None:
        return [None] * len(fields)
    out = [h.map.get(field) for field in fields]
    changed = False
    if when is not None and when <= db.clock():
        for field in fields:
            changed = h.remove(field) or changed
        _finish(db, key, h, changed, False)
    elif when is not None:
        for field in fields:
            changed = _set_expire(h, field, when) == 1 or changed
        _finish(db, key, h, changed, True)
    elif persist:
        for field in fields:
            if h.ttls and field in h.ttls:
                del h.ttls[field]
                changed = True
        _finish(db, key, h, changed, False)
    return out


@command("HSETEX")
def cmd_hsetex(db: Database, args: Sequence[str]) -> int:
    key = args[0]
    at = _find_fields(args, 0)
    num = 0
    cond = fcond = unit = keep = ""
    text: str | None = None
    if at is not None:
        cond, fcond, unit, text, keep = _options(args, at, for_set=True)
        num = _int(args[at + 1])
    pairs = list(args[at + 2:]) if at is not None else []
    if num <= 0 or num * 2 != len(pairs):
        raise ResponseError(NUMFIELDS)
    h = live_hash(db, key)
    if (cond == "nx" and h is not None) or (cond == "xx" and h is None):
        return 0
    when = None
    if unit and text is not None:
        seconds, absolute = _TIMES[unit]
        when = _deadline(db, text, "hsetex", seconds, absolute)
    fields = pairs[0::2]
    if fcond == "fxx" and (h is None or any(f not in h.map for f in fields)):
        return 0
    if fcond == "fnx" and h is not None and any(f in h.map for f in fields):
        return 0
    if when is not None and when <= db.clock():
        if h is not None:
            changed = False
            for field in fields:
                changed = h.remove(field) or changed
            _finish(db, key, h, changed, False)
        return 1
    fresh = h is None
    if h is None:
        h = RHash()
    for i in range(0, len(pairs), 2):
        field = pairs[i]
        h.set(field, pairs[i + 1])
        if when is not None:
            h.expire_at(field, when)
        elif not keep and h.ttls:
            h.ttls.pop(field, None)
    if fresh:
        db.add_new(key, h)
    _finish(db, key, h, True, when is not None)
    return 1
