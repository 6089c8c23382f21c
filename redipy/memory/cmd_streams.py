"""Memory backend handlers: the stream commands (XADD ... XINFO, XSETID).

The value is an :class:`redipy.memory.stream.RStream`. Argument checks run in the
order a server runs them (stream.c), so the same mistake gets the same error, word
for word. Where the servers differ, Valkey 9.1 is followed (XINFO CONSUMERS reports
``inactive`` and XINFO STREAM FULL ``active-time``, which Redis 7.0 lacks).

XREAD / XREADGROUP with BLOCK wait in line like the blocking pops
(:mod:`redipy.memory.cmd_blocking`): after an XADD the serving round re-runs each
blocked read of the key in the order they blocked (as Redis 7.2+ re-runs the command);
a group reader that gets the new entries leaves, the next ones find nothing and sleep
on. XGROUP DESTROY serves a blocked group reader NOGROUP; XGROUP SETID wakes nobody (as
on every server). Inside EXEC they answer at once (nil), as on a server.
A client that must not wait in its thread (``redipy serve``, asyncio) parks instead
(:data:`cmd_blocking.PARKERS`): its retry carries the IDs ``$`` and ``+`` stood for when
it parked. As on Valkey, a parked XREAD is retried only when its key holds a stream,
a parked XREADGROUP on any write to its key (a deleted key or group: NOGROUP; another
type: WRONGTYPE).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from redipy.errors import ResponseError, WrongTypeError
from redipy.memory import cmd_blocking
from redipy.memory.db import WRONGTYPE, Database
from redipy.memory.numbers import INT64_MAX, NOT_INT, parse_int
from redipy.memory.registry import command
from redipy.memory.stream import (
    INVALID_READ,
    MASK,
    MAX_ID,
    Consumer,
    Group,
    Pending,
    RStream,
    id_text,
)
from redipy.reply import OK, Map

SYNTAX = "ERR syntax error"
INVALID_ID = "ERR Invalid stream ID specified as stream command argument"
NO_KEY = "ERR no such key"
BUSYGROUP = "BUSYGROUP Consumer Group name already exists"
NEED_KEY = ("ERR The XGROUP subcommand requires the key to exist. Note that for CREATE you "
            "may want to use the MKSTREAM option to create an empty stream automatically.")
_SPACE = " \t\n\v\f\r"
_U64 = 1 << 64


# ---- numbers and IDs -------------------------------------------------------------------


def _strtoull(s: str) -> int | None:
    """C's strtoull over the whole text (spaces, sign and all), None when it fails."""
    t = s.lstrip(_SPACE)
    neg = False
    if t[:1] in ("+", "-"):
        neg = t[0] == "-"
        t = t[1:]
    if not t or not (t.isascii() and t.isdigit()):
        return None
    v = int(t)
    if v >= _U64:
        return None
    return (_U64 - v) % _U64 if neg else v


def parse_u64(s: str) -> int | None:
    """Redis's string2ull: an int64 text when it is one (negative: refused), else
    whatever strtoull accepts."""
    if s.isascii() and s.isdigit() and (s[0] != "0" or len(s) == 1) and len(s) < 20:
        return int(s)
    v = parse_int(s)
    if v is not None:
        return None if v < 0 else v
    return _strtoull(s)


def parse_id(text: str, missing_seq: int = 0, *, strict: bool = False,
             star_seq: bool = False) -> tuple[int, bool]:
    """A stream ID (``ms-seq``, ``ms``, ``-``, ``+``; ``ms-*`` with ``star_seq``) as an
    int, and whether its sequence was given. ``strict`` refuses ``-`` and ``+``."""
    ms_t, _, seq_t = text.partition("-")
    if ms_t.isdigit() and seq_t.isdigit() and text.isascii() and len(text) < 41:
        ms = int(ms_t)  # (digits: in range when below 2**64, zeros in front or not)
        seq = 0 if seq_t == "0" else int(seq_t)
        if ms <= MASK and seq <= MASK:
            return ms << 64 | seq, True
    if len(text) > 127:
        raise ResponseError(INVALID_ID)
    if text == "-" or text == "+":
        if strict:
            raise ResponseError(INVALID_ID)
        return (0 if text == "-" else MAX_ID), True
    dash = text.find("-")
    if dash < 0:
        only = parse_u64(text)
        if only is None:
            raise ResponseError(INVALID_ID)
        return only << 64 | missing_seq, True
    high = parse_u64(text[:dash])
    if high is None:
        raise ResponseError(INVALID_ID)
    tail = text[dash + 1:]
    if star_seq and tail == "*":
        return high << 64, False
    low = parse_u64(tail)
    if low is None:
        raise ResponseError(INVALID_ID)
    return high << 64 | low, True


def strict_id(text: str) -> int:
    ms_t, _, seq_t = text.partition("-")
    if ms_t.isdigit() and seq_t.isdigit() and text.isascii() and len(text) < 41:
        ms = int(ms_t)  # (digits: in range when below 2**64, zeros in front or not)
        seq = 0 if seq_t == "0" else int(seq_t)
        if ms <= MASK and seq <= MASK:
            return ms << 64 | seq
    return parse_id(text, strict=True)[0]


def strict_ids(args: Sequence[str], start: int,
               known: dict[str, int] | None = None) -> list[int]:
    """:func:`strict_id` of ``args[start:]`` in one loop (XACK's and XDEL's lists);
    every ID is parsed before anything is done, as a server does. ``known``: texts
    already parsed (:attr:`RStream.id_cache`), looked up first."""
    out: list[int] = []
    add = out.append
    for pos in range(start, len(args)):
        text = args[pos]
        if known is not None:
            sid = known.get(text)
            if sid is not None:
                add(sid)
                continue
        ms_t, _, seq_t = text.partition("-")
        if ms_t.isdigit() and seq_t.isdigit() and text.isascii() and len(text) < 41:
            ms = int(ms_t)
            seq = 0 if seq_t == "0" else int(seq_t)
            if ms <= MASK and seq <= MASK:
                add(ms << 64 | seq)
                continue
        add(parse_id(text, strict=True)[0])
    return out


def _interval(text: str, missing_seq: int) -> tuple[int, bool]:
    """A range bound: ``(`` in front makes it exclusive (and strict)."""
    if len(text) > 1 and text[0] == "(":
        return parse_id(text[1:], missing_seq, strict=True)[0], True
    return parse_id(text, missing_seq)[0], False


def _start_bound(text: str) -> int:
    ms_t, _, seq_t = text.partition("-")
    if ms_t.isdigit() and seq_t.isdigit() and text.isascii() and len(text) < 41:
        ms = int(ms_t)  # (digits: in range when below 2**64, zeros in front or not)
        seq = 0 if seq_t == "0" else int(seq_t)
        if ms <= MASK and seq <= MASK:
            return ms << 64 | seq
    if text == "-":
        return 0
    sid, excl = _interval(text, 0)
    if excl:
        if sid == MAX_ID:
            raise ResponseError("ERR invalid start ID for the interval")
        sid += 1
    return sid


def _end_bound(text: str) -> int:
    if text == "+":
        return MAX_ID
    ms_t, _, seq_t = text.partition("-")
    if ms_t.isdigit() and seq_t.isdigit() and text.isascii() and len(text) < 41:
        ms = int(ms_t)  # (digits: in range when below 2**64, zeros in front or not)
        seq = 0 if seq_t == "0" else int(seq_t)
        if ms <= MASK and seq <= MASK:
            return ms << 64 | seq
    sid, excl = _interval(text, MASK)
    if excl:
        if sid == 0:
            raise ResponseError("ERR invalid end ID for the interval")
        sid -= 1
    return sid


def _int(text: str, error: str = NOT_INT) -> int:
    v = parse_int(text)
    if v is None:
        raise ResponseError(error)
    return v


def _stream(db: Database, key: str) -> RStream | None:
    val = db.get(key)
    if val is None or type(val) is RStream:
        return val
    raise WrongTypeError(WRONGTYPE)


def _group_destroyed(db: Database, key: str) -> None:
    """XGROUP DESTROY: servers do not show a change to a stream's groups to WATCH (no
    signalModifiedKey: XACK, XCLAIM, XAUTOCLAIM, XGROUP and XSETID leave a watching
    transaction alone, as tests/test_cmd_streams.py checks on each server), but a blocked
    XREADGROUP of the group is served NOGROUP at once. XGROUP SETID wakes nobody: on
    Valkey 8.1 / 9.1 and Redis 7.0 a blocked reader waits on until the next write (then
    reads after the new ID), as tests/test_cmd_streams.py checks."""
    for hook in db.on_touch:
        hook(key)


def _entry(s: RStream, sid: int) -> list[Any] | None:
    return s.entries.get(sid)


# ---- XADD / XTRIM ----------------------------------------------------------------------


class TrimArgs:
    __slots__ = (
        "approx",
        "id_given",
        "idpos",
        "limit",
        "maxlen",
        "minid",
        "nomk",
        "seq_given",
        "sid",
    )

    def __init__(self) -> None:
        self.maxlen: int | None = None
        self.minid: int | None = None
        self.approx = False
        self.limit = 0
        self.nomk = False
        self.sid = 0
        self.id_given = False
        self.seq_given = True
        self.idpos = 0


def _parse_add_or_trim(args: Sequence[str], xadd: bool) -> TrimArgs:
    """streamParseAddOrTrimArgsOrReply: options from args[1] (args[0] is the key)."""
    out = TrimArgs()
    limit_given = False
    limit = 0
    strategy = False
    argc = len(args)
    i = 1
    while i < argc:
        more = argc - 1 - i
        opt = args[i]
        low = opt.upper() if len(opt) <= 10 else ""
        if xadd and opt == "*":
            break
        if (low == "MAXLEN" or low == "MINID") and more:
            if strategy:
                raise ResponseError("ERR syntax error, MAXLEN and MINID options at the same "
                                    "time are not compatible")
            out.approx = False
            nxt = args[i + 1]
            if more >= 2 and nxt == "~":
                out.approx = True
                i += 1
            elif more >= 2 and nxt == "=":
                i += 1
            if low == "MAXLEN":
                maxlen = _int(args[i + 1])
                if maxlen < 0:
                    raise ResponseError("ERR The MAXLEN argument must be >= 0.")
                out.maxlen = maxlen
            else:
                out.minid = strict_id(args[i + 1])
            i += 1
            strategy = True
        elif low == "LIMIT" and more:
            limit = _int(args[i + 1])
            if limit < 0:
                raise ResponseError("ERR The LIMIT argument must be >= 0.")
            limit_given = True
            i += 1
        elif xadd and low == "NOMKSTREAM":
            out.nomk = True
        elif xadd:
            out.sid, out.seq_given = parse_id(opt, strict=True, star_seq=True)
            out.id_given = True
            break
        else:
            raise ResponseError(SYNTAX)
        i += 1
    if limit and not strategy:
        raise ResponseError("ERR syntax error, LIMIT cannot be used without specifying a "
                            "trimming strategy")
    if not xadd and not strategy:
        raise ResponseError("ERR syntax error, XTRIM must be called with a trimming strategy")
    if limit_given:
        if not out.approx:
            raise ResponseError("ERR syntax error, LIMIT cannot be used without the special "
                                "~ option")
        out.limit = limit
    else:
        out.limit = 10000 if out.approx else 0
    out.idpos = i
    return out


def _next_id(s: RStream, db: Database) -> int:
    ms = db.clock()
    last = s.last_id
    if ms > last >> 64:
        return ms << 64
    return last + 1  # the sequence overflows into the next millisecond


@command("XADD")
def xadd(db: Database, args: Sequence[str]) -> Any:
    key = args[0]
    # the fast path: XADD key * field value ..., onto an existing stream
    if args[1] == "*":
        nfields = len(args) - 2
        s = db.get(key) if db.expires else db.data.get(key)
        if type(s) is RStream and nfields >= 2 and not nfields & 1:
            last = s.last_id
            if last != MAX_ID:  # (else the general path's error)
                ms = db.clock()
                text = s.append(ms << 64 if ms > last >> 64 else last + 1, list(args[2:]))
                if db.watchers or db.on_touch:  # no call when nobody watches or waits
                    db.touch(key)
                return text
        pos = 2
        opts = None
    else:
        opts = _parse_add_or_trim(args, True)
        pos = opts.idpos + 1
    nfields = len(args) - pos
    if nfields < 2 or nfields % 2:
        raise ResponseError("ERR wrong number of arguments for 'xadd' command")
    if opts is not None and opts.id_given and opts.seq_given and opts.sid == 0:
        raise ResponseError("ERR The ID specified in XADD must be greater than 0-0")
    s = db.get(key) if db.expires else db.data.get(key)
    if s is None:
        if opts is not None and opts.nomk:
            return None
        s = RStream()
        fresh = True
    elif type(s) is not RStream:
        raise WrongTypeError(WRONGTYPE)
    else:
        fresh = False
    if s.last_id == MAX_ID:
        raise ResponseError("ERR The stream has exhausted the last possible ID, unable to "
                            "add more items")
    if opts is None or not opts.id_given:
        sid = _next_id(s, db)
    elif opts.seq_given:
        sid = opts.sid
    elif s.last_id >> 64 == opts.sid >> 64:
        if s.last_id & MASK == MASK:
            raise ResponseError("ERR The ID specified in XADD is equal or smaller than the "
                                "target stream top item")
        sid = s.last_id + 1
    else:
        sid = opts.sid
    if sid <= s.last_id:
        raise ResponseError("ERR The ID specified in XADD is equal or smaller than the "
                            "target stream top item")
    text = s.append(sid, list(args[pos:]))
    if fresh:
        db.add_new(key, s)
    if opts is not None and (opts.maxlen is not None or opts.minid is not None):
        s.trim(opts.maxlen, opts.minid, opts.approx, opts.limit)
    if db.watchers or db.on_touch:  # no call when nobody watches or waits
        db.touch(key)
    return text


@command("XTRIM")
def xtrim(db: Database, args: Sequence[str]) -> Any:
    if len(args) == 3 and args[1].upper() == "MINID":  # XTRIM key MINID id: no TrimArgs
        minid = strict_id(args[2])
        s = _stream(db, args[0])
        if s is None:
            return 0
        removed = s.trim(None, minid, False, 0)
    else:
        opts = _parse_add_or_trim(args, False)
        s = _stream(db, args[0])
        if s is None:
            return 0
        removed = s.trim(opts.maxlen, opts.minid, opts.approx, opts.limit)
    if removed and (db.watchers or db.on_touch):
        db.touch(args[0])
    return removed


# ---- reading -----------------------------------------------------------------------------


_SMALL_COUNTS = {str(n): n for n in range(1001)}
"""The COUNTs clients send most, each parsed by one lookup."""


def _count_arg(text: str) -> int:
    """A COUNT (XRANGE, XREAD, XREADGROUP): a small one by lookup, plain digits inline,
    else parse_int (0 for a negative count, as on a server)."""
    small = _SMALL_COUNTS.get(text)
    if small is not None:
        return small
    if text.isdigit() and len(text) < 19 and text.isascii() and (
            text[0] != "0" or len(text) == 1):
        return int(text)
    return max(_int(text), 0)


def _range(db: Database, args: Sequence[str], rev: bool) -> Any:
    if rev:
        hi, lo = _end_bound(args[1]), _start_bound(args[2])
    else:
        lo, hi = _start_bound(args[1]), _end_bound(args[2])
    argc = len(args)
    if argc == 3:
        count = 0
    elif argc == 5 and args[3].upper() == "COUNT":  # the usual form, without the loop
        count = _count_arg(args[4])
        if count == 0:
            count = -1  # COUNT 0: nil for an existing stream
    else:
        count = 0
        j = 3
        while j < argc:
            if j + 1 < argc and args[j].upper() == "COUNT":
                count = _count_arg(args[j + 1]) or -1
                j += 2
            else:
                raise ResponseError(SYNTAX)
    s = db.get(args[0]) if db.expires else db.data.get(args[0])
    if s is None:
        return []
    if type(s) is not RStream:
        raise WrongTypeError(WRONGTYPE)
    if count < 0:
        return None
    return s.range(lo, hi, count, rev)


@command("XRANGE")
def xrange(db: Database, args: Sequence[str]) -> Any:
    return _range(db, args, False)


@command("XREVRANGE")
def xrevrange(db: Database, args: Sequence[str]) -> Any:
    return _range(db, args, True)


@command("XLEN")
def xlen(db: Database, args: Sequence[str]) -> Any:
    s = _stream(db, args[0])
    return 0 if s is None else len(s.entries)


@command("XDEL")
def xdel(db: Database, args: Sequence[str]) -> Any:
    s = _stream(db, args[0])
    if s is None:
        return 0
    if len(args) == 2:  # one ID (the usual XDEL): no list, no loop
        sid = strict_id(args[1])
        if not s.delete(sid):
            return 0
        if sid > s.max_deleted:
            s.max_deleted = sid
        if not s.entries:
            s.first_id = 0
        elif sid == s.first_id:
            s.first_id = s.edge_first()
        if db.watchers or db.on_touch:  # no call when nobody watches or waits
            db.touch(args[0])
        return 1
    ids = strict_ids(args, 1)
    deleted = 0
    first = False
    for sid in ids:
        if s.delete(sid):
            if sid == s.first_id:
                first = True
            if sid > s.max_deleted:
                s.max_deleted = sid
            deleted += 1
    if deleted:
        if not s.entries:
            s.first_id = 0
        elif first:
            s.first_id = s.edge_first()
        db.touch(args[0])
    return deleted


# ---- XREAD / XREADGROUP --------------------------------------------------------------------


class ReadArgs:
    __slots__ = ("consumer", "count", "group", "keys", "noack", "texts", "timeout")

    def __init__(self) -> None:
        self.timeout = -1
        self.count = 0
        self.group: str | None = None
        self.consumer = ""
        self.noack = False
        self.keys: list[str] = []
        self.texts: list[str] = []


def _block_ms(db: Database, text: str) -> int:
    tval = parse_int(text)
    if tval is None:
        raise ResponseError("ERR timeout is not an integer or out of range")
    if tval < 0:
        raise ResponseError("ERR timeout is negative")
    if tval > 0 and tval > INT64_MAX - db.clock():
        raise ResponseError("ERR timeout is out of range")
    return tval


def _parse_read(db: Database, args: Sequence[str], group: bool) -> ReadArgs:
    out = ReadArgs()
    argc = len(args)
    if group and argc == 8 and args[0] == "GROUP" and args[3] == "COUNT" \
            and args[5] == "STREAMS":  # what the typed API sends for one key: no loop
        out.group = args[1]
        out.consumer = args[2]
        out.count = _count_arg(args[4])
        out.keys = [args[6]]
        out.texts = [args[7]]
        return out
    name = "xreadgroup" if group else "xread"
    i = 0
    streams_at = -1
    while i < argc:
        more = argc - i - 1
        opt = args[i].upper()
        if opt == "BLOCK" and more:
            i += 1
            out.timeout = _block_ms(db, args[i])
        elif opt == "COUNT" and more:
            i += 1
            out.count = _count_arg(args[i])
        elif opt == "STREAMS" and more:
            streams_at = i + 1
            n = argc - streams_at
            if n % 2:
                sym = ">" if group else "$"
                raise ResponseError(
                    f"ERR Unbalanced '{name}' list of streams: for each stream key an ID or "
                    f"'{sym}' must be specified.")
            half = n // 2
            out.keys = list(args[streams_at:streams_at + half])
            out.texts = list(args[streams_at + half:])
            break
        elif opt == "GROUP" and more >= 2:
            if not group:
                raise ResponseError("ERR The GROUP option is only supported by XREADGROUP. "
                                    "You called XREAD instead.")
            out.group = args[i + 1]
            out.consumer = args[i + 2]
            i += 2
        elif opt == "NOACK":
            if not group:
                raise ResponseError("ERR The NOACK option is only supported by XREADGROUP. "
                                    "You called XREAD instead.")
            out.noack = True
        else:
            raise ResponseError(SYNTAX)
        i += 1
    if streams_at < 0:
        raise ResponseError(SYNTAX)
    if group and out.group is None:
        raise ResponseError("ERR Missing GROUP option for XREADGROUP")
    return out


_NEW = -1  # the '>' of XREADGROUP


def _nogroup(key: str, gname: str) -> ResponseError:
    return ResponseError(f"NOGROUP No such key '{key}' or consumer group '{gname}' in "
                         "XREADGROUP with GROUP option")


def _after_id(s: RStream | None, text: str, gname: str | None) -> int:
    """The ID one key's read starts after: ``$`` and ``+`` resolved now (a blocked read
    keeps them), ``>`` as :data:`_NEW`."""
    ms_t, _, seq_t = text.partition("-")
    if ms_t.isdigit() and seq_t.isdigit() and text.isascii() and len(text) < 41:
        ms = int(ms_t)  # (digits: in range when below 2**64, zeros in front or not)
        seq = 0 if seq_t == "0" else int(seq_t)
        if ms <= MASK and seq <= MASK:
            return ms << 64 | seq
    if text == "$":
        if gname is not None:
            raise ResponseError(
                "ERR The $ ID is meaningless in the context of XREADGROUP: you want to "
                "read the history of this consumer by specifying a proper ID, or use the "
                "> ID to get new messages. The $ ID would just return an empty result set.")
        return 0 if s is None else s.last_id
    if text == ">":
        if gname is None:
            raise ResponseError("ERR The > ID can be specified only when calling "
                                "XREADGROUP using the GROUP <group> <consumer> option.")
        return _NEW
    if text == "+":
        if gname is not None:
            raise ResponseError(
                "ERR The + ID is meaningless in the context of XREADGROUP: you want to "
                "read the history of this consumer by specifying a proper ID, or use the "
                "> ID to get new messages. The + ID would just return an empty result set.")
        # just before the last generated ID (Valkey 8.1 refuses an empty stream's
        # 0-0 with an error; 9.1 answers nil, as here)
        return s.last_id - 1 if s is not None and s.last_id else 0
    found = strict_id(text)
    if found == MAX_ID and gname is not None:
        return _NEW  # the servers encode '>' as the greatest ID, so naming it reads new ones
    return found


def _resolve(db: Database, ra: ReadArgs) -> list[int]:
    """The IDs to read after, ``$`` and ``+`` resolved now (a blocked read keeps them)."""
    ids: list[int] = []
    gname = ra.group
    for key, text in zip(ra.keys, ra.texts):
        s = _stream(db, key)
        if gname is not None and (s is None or gname not in s.groups):
            raise _nogroup(key, gname)
        ids.append(_after_id(s, text, gname))
    return ids


def _seen(grp: Group, name: str, now: int) -> Consumer:
    """The group's consumer ``name`` (made if new), seen now: a read names it."""
    cons = grp.consumers.get(name)
    if cons is None:
        cons, _ = grp.consumer(name, now)
    cons.seen = now
    return cons


def _read_key(s: RStream, key: str, after: int, ra: ReadArgs, now: int) -> list[Any] | None:
    """One stream's part of the reply (``[key, entries]``), None when it has none."""
    gname = ra.group
    if gname is not None:
        grp = s.groups.get(gname)
        if grp is None:  # destroyed while we waited
            raise _nogroup(key, gname)
        cons = _seen(grp, ra.consumer, now)
        if after != _NEW:
            return [key, _history(s, grp, cons, after, ra.count, now)]
        if s.entries and s.last_valid() > grp.last_id:
            return [key, _deliver(s, grp, cons, ra.count, ra.noack, now)]
        return None
    if s.entries and s.last_valid() > after:
        return [key, s.range(after + 1, MAX_ID, ra.count)]  # after < the last ID
    return None


def _read_once(db: Database, ra: ReadArgs, ids: list[int]) -> Any:
    """One attempt at serving the read (as a server re-runs a blocked one): the reply,
    or None when nothing is there yet."""
    out: list[Any] = []
    gname = ra.group
    now = db.clock() if gname is not None else 0
    for key, after in zip(ra.keys, ids):
        s = db.get(key)
        if type(s) is not RStream:
            if s is not None:
                raise WrongTypeError(WRONGTYPE)
            if gname is not None:
                raise _nogroup(key, gname)
            continue
        part = _read_key(s, key, after, ra, now)
        if part is not None:
            out.append(part)
    return out or None


def _history(s: RStream, grp: Group, cons: Consumer, after: int, count: int,
             now: int) -> list[Any]:
    """A consumer's own pending entries after ``after`` (deleted ones with nil fields)."""
    out: list[Any] = []
    picked: list[int] = []
    if after < MAX_ID:
        for sid in cons.pel.irange(after + 1, MAX_ID):
            picked.append(sid)
            if len(picked) == count:
                break
    for sid in picked:
        got = s.entries.get(sid)
        if got is None:
            out.append([id_text(sid), None])
        else:
            nack = grp.pel[sid]
            grp.pel[sid] = Pending(nack.consumer, now, nack.count + 1)
            out.append(got)
    return out


def _deliver(s: RStream, grp: Group, cons: Consumer, count: int, noack: bool,
             now: int) -> list[Any]:
    """New entries for a group's consumer: the group moves on, the entries become pending."""
    sids, got = s.entries_after(grp.last_id, count)
    if not sids:
        return []
    out: list[Any] = got
    if len(sids) == 1:  # one entry (COUNT 1, or one new): the single-ID steps
        sid = sids[0]
        s.delivered(grp, sid)
        if not noack:
            grp.add_pending(sid, cons, now)
            cons.active = now
            cache = s.id_cache
            if len(cache) > s.ID_CACHE_MAX:
                cache.clear()
            cache[got[0][0]] = sid
        return out
    s.delivered_many(grp, sids)
    if not noack:
        grp.add_new_pending(sids, cons, now)
        cons.active = now
        cache = s.id_cache  # (RStream.remember_ids inline: a loop beats zip and map)
        if len(cache) > s.ID_CACHE_MAX:
            cache.clear()
        for entry, sid in zip(out, sids):
            cache[entry[0]] = sid
    return out


def _xread(db: Database, args: Sequence[str], group: bool) -> Any:
    ra = _parse_read(db, args, group)
    if len(ra.keys) == 1:  # one key (the usual read): looked up once, no loops
        key = ra.keys[0]
        s = db.get(key) if db.expires else db.data.get(key)
        gname = ra.group
        if s is not None and type(s) is not RStream:
            raise WrongTypeError(WRONGTYPE)
        if gname is not None and (s is None or gname not in s.groups):
            raise _nogroup(key, gname)
        ids = [_after_id(s, ra.texts[0], gname)]
        part = None if s is None else _read_key(
            s, key, ids[0], ra, 0 if gname is None else db.clock())
        reply = None if part is None else [part]
    else:
        ids = _resolve(db, ra)
        reply = _read_once(db, ra, ids)
    if reply is not None or ra.timeout < 0 or db.no_block:
        return reply
    return _wait(db, ra, ids)


def _wait(db: Database, ra: ReadArgs, ids: list[int]) -> Any:
    """Sleep (the lock released) until a serving round after a write to one of the keys
    re-runs the read and it gets something (:func:`cmd_blocking.wait_in_line`)."""
    return cmd_blocking.wait_in_line(db, ra.keys, RStream, ra.timeout,
                                     lambda: _read_once(db, ra, ids),
                                     any_write=ra.group is not None)


def _parking(db: Database, args: Sequence[str], group: bool) -> cmd_blocking.Parking | None:
    """How a read that found nothing parks (``None`` without BLOCK): its arguments with
    ``$`` / ``+`` replaced by the IDs they stand for now, so a retry reads after them."""
    ra = _parse_read(db, args, group)
    if ra.timeout < 0:
        return None
    ids = _resolve(db, ra)
    count = len(ra.texts)
    texts = [text if text not in ("$", "+") else id_text(sid)
             for text, sid in zip(ra.texts, ids)]
    return [*args[:len(args) - count], *texts], ra.keys, ra.timeout, RStream, group


cmd_blocking.PARKERS["XREAD"] = lambda db, args: _parking(db, args, False)
cmd_blocking.PARKERS["XREADGROUP"] = lambda db, args: _parking(db, args, True)


@command("XREAD")
def xread(db: Database, args: Sequence[str]) -> Any:
    if len(args) == 5 and args[0] == "COUNT" and args[2] == "STREAMS":
        # XREAD COUNT n STREAMS key id, as the typed API sends one key: no ReadArgs,
        # no waiting (no BLOCK); the same checks in the same order as the general path
        count = _count_arg(args[1])
        key = args[3]
        s = db.get(key) if db.expires else db.data.get(key)
        if s is not None and type(s) is not RStream:
            raise WrongTypeError(WRONGTYPE)
        after = _after_id(s, args[4], None)
        if s is None or not s.entries or s.last_valid() <= after:
            return None
        return [[key, s.range(after + 1, MAX_ID, count)]]  # after < the last ID
    return _xread(db, args, False)


@command("XREADGROUP")
def xreadgroup(db: Database, args: Sequence[str]) -> Any:
    if (len(args) == 8 and args[7] == ">" and args[0] == "GROUP" and args[3] == "COUNT"
            and args[5] == "STREAMS"):
        # GROUP g c COUNT n STREAMS key >, as the typed API sends one key without BLOCK:
        # served here when the group exists (every error is the general path's)
        count = _count_arg(args[4])
        key = args[6]
        s = db.get(key) if db.expires else db.data.get(key)
        if type(s) is RStream:
            grp = s.groups.get(args[1])
            if grp is not None:
                now = db.clock()
                cons = _seen(grp, args[2], now)
                if s.entries and s.last_valid() > grp.last_id:
                    return [[key, _deliver(s, grp, cons, count, False, now)]]
                return None
    return _xread(db, args, True)


# ---- groups --------------------------------------------------------------------------------

_XGROUP_ARITY = {"CREATE": -5, "SETID": -5, "DESTROY": 4, "CREATECONSUMER": 5,
                 "DELCONSUMER": 5, "HELP": 2}
_XINFO_ARITY = {"STREAM": -3, "GROUPS": 3, "CONSUMERS": 4, "HELP": 2}


def _subcommand(cmd: str, table: dict[str, int], args: Sequence[str]) -> str:
    sub = args[0].upper()
    arity = table.get(sub)
    if arity is None:
        raise ResponseError(f"ERR unknown subcommand '{args[0][:128]}'. Try {cmd} HELP.")
    argc = len(args) + 1
    if (arity >= 0 and argc != arity) or (arity < 0 and argc < -arity):
        raise ResponseError(
            f"ERR wrong number of arguments for '{cmd.lower()}|{sub.lower()}' command")
    return sub


def _sub_syntax(cmd: str, args: Sequence[str]) -> ResponseError:
    return ResponseError(f"ERR unknown subcommand or wrong number of arguments for "
                         f"'{args[0][:128]}'. Try {cmd} HELP.")


_XGROUP_HELP = [
    "XGROUP <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
    "CREATE <key> <groupname> <id|$> [option]",
    "    Create a new consumer group. Options are:",
    "    * MKSTREAM",
    "      Create the empty stream if it does not exist.",
    "    * ENTRIESREAD entries_read",
    "      Set the group's entries_read counter (internal use).",
    "CREATECONSUMER <key> <groupname> <consumer>",
    "    Create a new consumer in the specified group.",
    "DELCONSUMER <key> <groupname> <consumer>",
    "    Remove the specified consumer.",
    "DESTROY <key> <groupname>",
    "    Remove the specified group.",
    "SETID <key> <groupname> <id|$> [ENTRIESREAD entries_read]",
    "    Set the current group ID and entries_read counter.",
    "HELP",
    "    Print this help.",
]


def _entries_read_opt(args: Sequence[str], i: int) -> int:
    val = _int(args[i])
    if val < 0 and val != INVALID_READ:
        raise ResponseError("ERR value for ENTRIESREAD must be positive or -1")
    return val


@command("XGROUP")
def xgroup(db: Database, args: Sequence[str]) -> Any:
    sub = _subcommand("XGROUP", _XGROUP_ARITY, args)
    if sub == "HELP":
        return list(_XGROUP_HELP)
    argc = len(args) + 1
    mkstream = False
    entries_read = INVALID_READ
    if sub == "CREATE":
        i = 4
        while i < len(args):
            opt = args[i].upper()
            if opt == "MKSTREAM":
                mkstream = True
                i += 1
            elif opt == "ENTRIESREAD" and i + 1 < len(args):
                entries_read = _entries_read_opt(args, i + 1)
                i += 2
            else:
                raise _sub_syntax("XGROUP", args)
    elif sub == "SETID":
        i = 4
        while i < len(args):
            if args[i].upper() == "ENTRIESREAD" and i + 1 < len(args):
                entries_read = _entries_read_opt(args, i + 1)
                i += 2
            else:
                raise _sub_syntax("XGROUP", args)
    key, gname = args[1], args[2]
    s = _stream(db, key)
    if s is None and not mkstream:
        raise ResponseError(NEED_KEY)
    grp = None if s is None else s.groups.get(gname)
    if grp is None and sub in ("SETID", "CREATECONSUMER", "DELCONSUMER"):
        raise ResponseError(f"NOGROUP No such consumer group '{gname}' for key name '{key}'")
    if sub == "CREATE":
        if argc > 8:
            raise _sub_syntax("XGROUP", args)
        if args[3] == "$":
            sid = 0 if s is None else s.last_id
        else:
            sid = strict_id(args[3])
        if s is None:
            s = RStream()
            db.add_new(key, s)
        if gname in s.groups:
            raise ResponseError(BUSYGROUP)
        s.groups[gname] = Group(gname, sid, entries_read)
        return OK
    assert (s is not None and grp is not None) or sub == "DESTROY"
    if sub == "SETID":
        if argc not in (5, 7):
            raise _sub_syntax("XGROUP", args)
        assert s is not None and grp is not None
        sid = s.last_id if args[3] == "$" else parse_id(args[3])[0]
        grp.last_id = sid
        grp.entries_read = entries_read  # no wake-up: a blocked reader waits on (Valkey)
        return OK
    assert s is not None
    if sub == "DESTROY":
        if grp is None:
            return 0
        del s.groups[gname]
        _group_destroyed(db, key)
        return 1
    assert grp is not None
    if sub == "CREATECONSUMER":
        _, created = grp.consumer(args[3], db.clock())
        return 1 if created else 0
    return grp.delete_consumer(args[3])


@command("XACK")
def xack(db: Database, args: Sequence[str]) -> Any:
    s = _stream(db, args[0])
    if s is None:
        return 0
    grp = s.groups.get(args[1])
    if grp is None:
        return 0
    return grp.ack_many(strict_ids(args, 2, s.id_cache))


def _pending_summary(db: Database, key: str, gname: str) -> Any:
    """XPENDING key group: count, lowest and highest ID, each owner's count."""
    s = _stream(db, key)
    grp = None if s is None else s.groups.get(gname)
    if grp is None:
        raise ResponseError(f"NOGROUP No such key '{key}' or consumer group '{gname}'")
    if not grp.pel:
        return [0, None, None, None]
    consumers = grp.consumers
    owners = [[name, str(len(cons.pel))] for name in sorted(consumers)
              if (cons := consumers[name]).pel]
    ids = grp.pel_ids
    return [len(grp.pel), id_text(ids.first()), id_text(ids.last()), owners]


@command("XPENDING")
def xpending(db: Database, args: Sequence[str]) -> Any:
    if len(args) == 2:
        return _pending_summary(db, args[0], args[1])
    argc = len(args) + 1
    if argc != 3 and not 6 <= argc <= 9:
        raise ResponseError(SYNTAX)
    count = 0
    minidle = 0
    consumer: str | None = None
    lo = hi = 0
    if argc >= 6:
        at = 2
        if args[2].upper() == "IDLE":
            minidle = _int(args[3])
            if argc < 8:
                raise ResponseError(SYNTAX)
            at += 2
        count = max(_int(args[at + 2]), 0)
        lo = _start_bound(args[at])
        hi = _end_bound(args[at + 1])
        if at + 3 < len(args):
            consumer = args[at + 3]
    key, gname = args[0], args[1]
    s = _stream(db, key)
    grp = None if s is None else s.groups.get(gname)
    if grp is None:
        raise ResponseError(f"NOGROUP No such key '{key}' or consumer group '{gname}'")
    if consumer is not None:
        cons = grp.consumers.get(consumer)
        if cons is None:
            return []
        pel = cons.pel
    else:
        pel = grp.pel_ids
    now = db.clock()
    out: list[Any] = []
    if not count or lo > hi:
        return out
    for sid in pel.irange(lo, hi):
        nack = grp.pel[sid]
        if minidle and now - nack.time < minidle:
            continue
        out.append([id_text(sid), nack.consumer.name, max(now - nack.time, 0), nack.count])
        count -= 1
        if not count:
            break
    return out


@command("XCLAIM")
def xclaim(db: Database, args: Sequence[str]) -> Any:
    key, gname = args[0], args[1]
    s = _stream(db, key)
    grp = None if s is None else s.groups.get(gname)
    if grp is None or s is None:
        raise ResponseError(f"NOGROUP No such key '{key}' or consumer group '{gname}'")
    minidle = max(_int(args[3], "ERR Invalid min-idle-time argument for XCLAIM"), 0)
    ids: list[int] = []
    j = 4
    while j < len(args):
        try:
            ids.append(strict_id(args[j]))
        except ResponseError:
            break
        j += 1
    now = db.clock()
    force = justid = False
    retry = -1
    when = -1
    last = 0
    while j < len(args):
        more = len(args) - 1 - j
        opt = args[j].upper()
        if opt == "FORCE":
            force = True
        elif opt == "JUSTID":
            justid = True
        elif opt == "IDLE" and more:
            j += 1
            when = now - _int(args[j], "ERR Invalid IDLE option argument for XCLAIM")
        elif opt == "TIME" and more:
            j += 1
            when = _int(args[j], "ERR Invalid TIME option argument for XCLAIM")
        elif opt == "RETRYCOUNT" and more:
            j += 1
            retry = _int(args[j], "ERR Invalid RETRYCOUNT option argument for XCLAIM")
        elif opt == "LASTID" and more:
            j += 1
            last = strict_id(args[j])
        else:
            raise ResponseError(f"ERR Unrecognized XCLAIM option '{args[j]}'")
        j += 1
    if last > grp.last_id:
        grp.last_id = last
    if when == -1 or when < 0 or when > now:
        when = now
    cons, _ = grp.consumer(args[2], now)
    cons.seen = now
    out: list[Any] = []
    for sid in ids:
        nack = grp.pel.get(sid)
        if sid not in s.entries:
            if nack is not None:
                grp.ack(sid)
            continue
        fresh = False
        if force and nack is None:
            fresh = True
        elif nack is None:
            continue
        if nack is not None and minidle and now - nack.time < minidle:
            continue
        count = 1 if nack is None else nack.count
        if retry >= 0:
            count = retry
        elif not justid:
            count += 1
        if fresh:
            grp.pel[sid] = Pending(cons, when, count)
            grp.pel_ids.add(sid)
            cons.pel.add(sid)
        else:
            assert nack is not None
            grp.add_pending(sid, cons, when, count)
        out.append(id_text(sid) if justid else _entry(s, sid))
        cons.active = now
    return out


@command("XAUTOCLAIM")
def xautoclaim(db: Database, args: Sequence[str]) -> Any:
    key, gname = args[0], args[1]
    minidle = max(_int(args[3], "ERR Invalid min-idle-time argument for XAUTOCLAIM"), 0)
    start = _start_bound(args[4])
    count = 100
    justid = False
    j = 5
    while j < len(args):
        more = len(args) - 1 - j
        opt = args[j].upper()
        if opt == "COUNT" and more:
            val = parse_int(args[j + 1])
            if val is None or not 1 <= val <= INT64_MAX // 16:
                raise ResponseError("ERR COUNT must be > 0")
            count = val
            j += 1
        elif opt == "JUSTID":
            justid = True
        else:
            raise ResponseError(SYNTAX)
        j += 1
    s = _stream(db, key)
    grp = None if s is None else s.groups.get(gname)
    if grp is None or s is None:
        raise ResponseError(f"NOGROUP No such key '{key}' or consumer group '{gname}'")
    now = db.clock()
    cons, _ = grp.consumer(args[2], now)
    cons.seen = now
    attempts = count * 10
    claimed: list[Any] = []
    deleted: list[str] = []
    # the PEL from start, as far as this call may look (COUNT * 10 attempts)
    candidates: list[int] = []
    for sid in grp.pel_ids.irange(start, MAX_ID):
        candidates.append(sid)
        if len(candidates) > attempts:
            break
    pos = 0
    while attempts and count and pos < len(candidates):
        attempts -= 1
        sid = candidates[pos]
        pos += 1
        if sid not in s.entries:
            grp.ack(sid)
            deleted.append(id_text(sid))
            count -= 1
            continue
        nack = grp.pel[sid]
        if minidle and now - nack.time < minidle:
            continue
        grp.add_pending(sid, cons, now, nack.count if justid else nack.count + 1)
        claimed.append(id_text(sid) if justid else _entry(s, sid))
        count -= 1
        cons.active = now
    cursor = candidates[pos] if pos < len(candidates) else 0
    return [id_text(cursor), claimed, deleted]


# ---- XINFO / XSETID ------------------------------------------------------------------------


_XINFO_HELP = [
    "XINFO <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
    "CONSUMERS <key> <groupname>",
    "    Show consumers of <groupname>.",
    "GROUPS <key>",
    "    Show the stream consumer groups.",
    "STREAM <key> [FULL [COUNT <count>]",
    "    Show information about the stream.",
    "HELP",
    "    Print this help.",
]


def _stream_head(s: RStream) -> list[Any]:
    return ["length", len(s.entries), "radix-tree-keys", len(s.node_keys),
            "radix-tree-nodes", s.rax_nodes(), "last-generated-id", id_text(s.last_id),
            "max-deleted-entry-id", id_text(s.max_deleted), "entries-added", s.entries_added,
            "recorded-first-entry-id", id_text(s.first_id)]


def _xinfo_stream_short(s: RStream) -> Map:
    """XINFO STREAM without FULL: the edges by their IDs (no range walk), the ID texts
    of the edges taken from the entries when the counters name them."""
    entries = s.entries
    if entries:
        low = s.edge_first()
        high = s.last_valid()
        first: list[Any] | None = entries[low]
        last: list[Any] | None = entries[high]
        last_text = last[0] if high == s.last_id else id_text(s.last_id)  # type: ignore[index]
        first_text = first[0] if low == s.first_id else id_text(  # type: ignore[index]
            s.first_id)
    else:
        first = last = None
        last_text = id_text(s.last_id)
        first_text = id_text(s.first_id)
    maxdel = s.max_deleted
    return Map(["length", len(entries), "radix-tree-keys", len(s.node_keys),
                "radix-tree-nodes", s.rax_nodes(), "last-generated-id", last_text,
                "max-deleted-entry-id", id_text(maxdel) if maxdel else "0-0",
                "entries-added", s.entries_added, "recorded-first-entry-id", first_text,
                "groups", len(s.groups), "first-entry", first, "last-entry", last])


def _opt_read(n: int) -> int | None:
    return None if n == INVALID_READ else n


def _xinfo_stream(db: Database, s: RStream, args: Sequence[str]) -> Any:
    rest = args[2:]
    if not rest:
        return _xinfo_stream_short(s)
    if rest[0].upper() != "FULL" or len(rest) not in (1, 3):
        raise _sub_syntax("XINFO", args)
    count = 10
    if len(rest) == 3:
        if rest[1].upper() != "COUNT":
            raise _sub_syntax("XINFO", args)
        count = _int(rest[2])
        if count < 0:
            count = 10
    now = db.clock()
    groups: list[Any] = []
    for name in sorted(s.groups):
        grp = s.groups[name]
        pending = [[id_text(sid), grp.pel[sid].consumer.name, grp.pel[sid].time,
                    grp.pel[sid].count] for sid in grp.pel_ids.head(count)]
        consumers: list[Any] = []
        for cname in sorted(grp.consumers):
            cons = grp.consumers[cname]
            cids = cons.pel.head(count)
            consumers.append(Map([
                "name", cname, "seen-time", cons.seen, "active-time", cons.active,
                "pel-count", len(cons.pel),
                "pending", [[id_text(sid), grp.pel[sid].time, grp.pel[sid].count]
                            for sid in cids]]))
        groups.append(Map([
            "name", name, "last-delivered-id", id_text(grp.last_id),
            "entries-read", _opt_read(grp.entries_read), "lag", s.lag(grp),
            "pel-count", len(grp.pel), "pending", pending, "consumers", consumers]))
    del now
    return Map([*_stream_head(s), "entries", s.range(0, MAX_ID, count),
                "groups", groups])


@command("XINFO")
def xinfo(db: Database, args: Sequence[str]) -> Any:
    if len(args) == 2 and args[0] == "STREAM":  # the usual call, without the table
        key = args[1]
        s = db.get(key) if db.expires else db.data.get(key)
        if type(s) is RStream:
            return _xinfo_stream_short(s)
        if s is None:
            raise ResponseError(NO_KEY)
        raise WrongTypeError(WRONGTYPE)
    sub = _subcommand("XINFO", _XINFO_ARITY, args)
    if sub == "HELP":
        return list(_XINFO_HELP)
    key = args[1]
    s = _stream(db, key)
    if s is None:
        raise ResponseError(NO_KEY)
    if sub == "STREAM":
        return _xinfo_stream(db, s, args)
    if sub == "GROUPS":
        return [Map(["name", name, "consumers", len(grp.consumers), "pending", len(grp.pel),
                     "last-delivered-id", id_text(grp.last_id),
                     "entries-read", _opt_read(grp.entries_read), "lag", s.lag(grp)])
                for name, grp in sorted(s.groups.items())]
    gname = args[2]
    grp = s.groups.get(gname)
    if grp is None:
        raise ResponseError(f"NOGROUP No such consumer group '{gname}' for key name '{key}'")
    now = db.clock()
    return [Map(["name", name, "pending", len(cons.pel), "idle", max(now - cons.seen, 0),
                 "inactive", now - cons.active if cons.active != -1 else -1])
            for name, cons in sorted(grp.consumers.items())]


@command("XSETID")
def xsetid(db: Database, args: Sequence[str]) -> Any:
    sid = strict_id(args[1])
    added = -1
    maxdel = 0
    i = 2
    while i < len(args):
        more = len(args) - 1 - i
        opt = args[i].upper()
        if opt == "ENTRIESADDED" and more:
            added = _int(args[i + 1])
            if added < 0:
                raise ResponseError("ERR entries_added must be positive")
            i += 2
        elif opt == "MAXDELETEDID" and more:
            maxdel = strict_id(args[i + 1])
            if sid < maxdel:
                raise ResponseError("ERR The ID specified in XSETID is smaller than the "
                                    "provided max_deleted_entry_id")
            i += 2
        else:
            raise ResponseError(SYNTAX)
    s = _stream(db, args[0])
    if s is None:
        raise ResponseError(NO_KEY)
    if sid < s.max_deleted:
        raise ResponseError("ERR The ID specified in XSETID is smaller than current "
                            "max_deleted_entry_id")
    if s.entries:
        if sid < s.last_valid():
            raise ResponseError("ERR The ID specified in XSETID is smaller than the target "
                                "stream top item")
        if added != -1 and len(s.entries) > added:
            raise ResponseError("ERR The entries_added specified in XSETID is smaller than "
                                "the target stream length")
    s.last_id = sid
    if added != -1:
        s.entries_added = added
    if maxdel:
        s.max_deleted = maxdel
    return OK
