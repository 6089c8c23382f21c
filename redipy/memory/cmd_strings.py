"""Memory backend handlers: the string and bitmap commands.

A string value is a byte string (one character per byte, as every argument), stored
as the immutable ``str`` it arrived as, or as a ``bytearray`` once a command changes it
in place (APPEND, SETRANGE, SETBIT): then those cost O(1) or O(size of the change),
and reads of a range (GETRANGE, GETBIT, STRLEN, BITCOUNT / BITPOS with a range) cost
O(size of the range), whatever the size of the value, as in Redis. A command that
reads the whole value (GET, ...) turns a ``bytearray`` back into a ``str`` and stores
that, so repeated reads cost nothing more.

Argument checks run in Redis's order (which error wins matters: it is visible),
with Valkey 9.1 as the reference where Redis 7.0 differs (BITCOUNT/BITPOS parse their
range before looking at the key; BITCOUNT's ``end`` is optional).
"""

from __future__ import annotations

from collections.abc import Sequence

from redipy.errors import ResponseError, WrongTypeError
from redipy.memory.db import WRONGTYPE, Database
from redipy.memory.numbers import INT64_MAX, INT64_MIN, NOT_INT, incr_by_float, parse_int
from redipy.memory.registry import command, direct
from redipy.reply import OK

SYNTAX = "ERR syntax error"
MAX_BULK = 512 * 1024 * 1024  # proto-max-bulk-len
TOO_BIG = "ERR string exceeds maximum allowed size (proto-max-bulk-len)"
BAD_BIT = "ERR bit is not an integer or out of range"
BAD_BIT_OFFSET = "ERR bit offset is not an integer or out of range"
OVERFLOW = "ERR increment or decrement would overflow"


Bytes = str | bytearray
"""A stored string value: a byte string, or a bytearray once changed in place."""


def _raw(db: Database, key: str) -> Bytes | None:
    """The string value at ``key`` as stored, ``None`` if missing; WRONGTYPE otherwise."""
    val = db.get(key) if db.expires else db.data.get(key)
    if val is None:
        return None
    kind = type(val)
    if kind is str or kind is bytearray:
        return val  # type: ignore[no-any-return]
    raise WrongTypeError(WRONGTYPE)


def frozen(db: Database, key: str, val: bytearray) -> str:
    """A bytearray value as the byte string it holds, stored back in its place."""
    text = val.decode("latin-1")
    db.data[key] = text  # the same value: no write to announce, the TTL stays
    return text


def _string(db: Database, key: str) -> str | None:
    """The string at ``key``, ``None`` if missing; WRONGTYPE for other values."""
    val = db.get(key)
    if val is None or type(val) is str:
        return val
    if type(val) is bytearray:
        return frozen(db, key, val)
    raise WrongTypeError(WRONGTYPE)


read_string = _string
"""The public name (:mod:`redipy.custom` handlers read strings as GET does)."""


def _mutable(db: Database, key: str, val: Bytes | None, size: int) -> bytearray:
    """The value at ``key`` as a stored bytearray of at least ``size`` bytes (zero
    padded, as Redis pads), ready to be changed in place; the caller then calls
    ``db.put(key, buf, keep_ttl=True)`` to announce the write."""
    if type(val) is bytearray:
        buf = val
    elif val is None:
        return bytearray(size)
    else:
        buf = bytearray(val.encode("latin-1"))  # type: ignore[union-attr]
    if len(buf) < size:
        buf.extend(bytes(size - len(buf)))
    return buf


def _int(text: str, error: str = NOT_INT) -> int:
    val = parse_int(text)
    if val is None:
        raise ResponseError(error)
    return val


def _kw(text: str) -> str:
    """An option keyword in upper case (non-ASCII text never matches a keyword)."""
    return text.upper() if text.isascii() else ""


# ---- GET / SET family ------------------------------------------------------------------


@direct("GET", "str")
def get(db: Database, key: str) -> str | None:
    val = db.get(key) if db.expires else db.data.get(key)
    if val is None or type(val) is str:
        return val
    if type(val) is bytearray:
        return frozen(db, key, val)
    raise WrongTypeError(WRONGTYPE)


@command("GET")
def cmd_get(db: Database, args: Sequence[str]) -> str | None:
    return get(db, args[0])


_NX, _XX, _GET, _KEEPTTL, _PERSIST = 1, 2, 4, 8, 16
_EX, _PX, _EXAT, _PXAT, _IFEQ = 32, 64, 128, 256, 512
_ANY_EXPIRE = _EX | _PX | _EXAT | _PXAT
# For each option: the flags that must not be set already.
_CONFLICTS = {
    "NX": _XX | _IFEQ,
    "XX": _NX | _IFEQ,
    "GET": 0,
    "KEEPTTL": _PERSIST | _ANY_EXPIRE,
    "PERSIST": _KEEPTTL | _ANY_EXPIRE,
    "EX": _KEEPTTL | _PERSIST | _EXAT | _PX | _PXAT,
    "PX": _KEEPTTL | _PERSIST | _EX | _EXAT | _PXAT,
    "EXAT": _KEEPTTL | _PERSIST | _EX | _PX | _PXAT,
    "PXAT": _KEEPTTL | _PERSIST | _EX | _EXAT | _PX,
    "IFEQ": _NX | _XX | _IFEQ,
}
_FLAG = {"NX": _NX, "XX": _XX, "GET": _GET, "KEEPTTL": _KEEPTTL, "PERSIST": _PERSIST,
         "EX": _EX, "PX": _PX, "EXAT": _EXAT, "PXAT": _PXAT, "IFEQ": _IFEQ}
_SET_ONLY = _NX | _XX | _GET | _KEEPTTL | _IFEQ
_WITH_VALUE = _ANY_EXPIRE | _IFEQ


def _parse_options(args: Sequence[str], start: int, for_set: bool,
                   refused: int = 0) -> tuple[int, str, str]:
    """Redis's parseExtendedStringArgumentsOrReply: (flags, expire text, IFEQ value);
    ``refused``: SET's words a caller does not take (MSETEX: GET and IFEQ)."""
    flags = 0
    expire = ""
    compare = ""
    j = start
    n = len(args)
    while j < n:
        opt = _kw(args[j])
        flag = _FLAG.get(opt, 0)
        if (not flag or flags & _CONFLICTS[opt] or flag & refused
                or (flag & _SET_ONLY and not for_set) or (flag == _PERSIST and for_set)
                or (flag & _WITH_VALUE and j + 1 >= n)):
            raise ResponseError(SYNTAX)
        flags |= flag
        if flag & _WITH_VALUE:
            j += 1
            if flag == _IFEQ:
                compare = args[j]
            else:
                expire = args[j]
        j += 1
    return flags, expire, compare


def _expire_ms(db: Database, text: str, flags: int, name: str, now: int) -> int:
    """Redis's getExpireMillisecondsOrReply: the absolute deadline in ms (``now``: the
    command's one reading of the clock)."""
    ms = _int(text)
    seconds = bool(flags & (_EX | _EXAT))
    if ms <= 0 or (seconds and ms > INT64_MAX // 1000):
        raise ResponseError(f"ERR invalid expire time in '{name}' command")
    if seconds:
        ms *= 1000
    if flags & (_EX | _PX):
        ms += now
        if ms > INT64_MAX:  # wraps negative in C
            raise ResponseError(f"ERR invalid expire time in '{name}' command")
    return ms


def _set(db: Database, key: str, value: str, flags: int, expire: str, compare: str,
         name: str) -> object:
    """setGenericCommand: the reply of SET (OK / nil / the old value with GET)."""
    # an expire option given with an empty time is refused like any non-number
    now = 0
    when = None
    if flags & _ANY_EXPIRE:
        now = db.clock()
        when = _expire_ms(db, expire, flags, name, now)
    old = db.get(key)
    if type(old) is bytearray:
        old = old.decode("latin-1")
    if flags & (_GET | _IFEQ) and old is not None and type(old) is not str:
        raise WrongTypeError(WRONGTYPE)
    if ((flags & _NX and old is not None) or (flags & _XX and old is None)
            or (flags & _IFEQ and old != compare)):
        return old if flags & _GET else None
    # with a new deadline the old one is replaced by set_expiry (not dropped, then re-added)
    db.put(key, value, keep_ttl=bool(flags & _KEEPTTL) or when is not None)
    if when is not None:
        db.set_expiry(key, when, now)
    return old if flags & _GET else OK


@direct("SET", "str", "str")
def set_plain(db: Database, key: str, value: str) -> object:
    """SET without options."""
    db.put(key, value)
    return OK


_EX_WORDS = frozenset({"EX", "ex", "Ex", "eX"})


def _small_seconds(text: str) -> bool:
    """Whether an expire time is a plain positive number of seconds below 10**15 (the
    common case: in range as milliseconds, so no check of _expire_ms can fail)."""
    return (text.isdecimal() and len(text) < 16 and text.isascii() and text[0] != "0")


@command("SET")
def cmd_set(db: Database, args: Sequence[str]) -> object:
    if len(args) == 2:
        return set_plain(db, args[0], args[1])
    if len(args) == 4 and args[2] in _EX_WORDS and _small_seconds(args[3]):
        # SET key value EX seconds: _parse_options and _set inlined
        now = db.clock()
        key = args[0]
        expires = db.expires
        if expires and key in expires:
            db.get(key)  # an expired old value goes first, as _set's lookup does
        db.put(key, args[1], keep_ttl=True)
        db.set_expiry(key, int(args[3]) * 1000 + now, now)
        return OK
    flags, expire, compare = _parse_options(args, 2, True)
    return _set(db, args[0], args[1], flags, expire, compare, "set")


@command("SETNX")
def cmd_setnx(db: Database, args: Sequence[str]) -> int:
    key = args[0]
    if db.get(key) is not None:
        return 0
    db.put(key, args[1])
    return 1


@command("SETEX")
def cmd_setex(db: Database, args: Sequence[str]) -> object:
    return _set(db, args[0], args[2], _EX, args[1], "", "setex")


@command("PSETEX")
def cmd_psetex(db: Database, args: Sequence[str]) -> object:
    return _set(db, args[0], args[2], _PX, args[1], "", "psetex")


@command("GETEX")
def cmd_getex(db: Database, args: Sequence[str]) -> str | None:
    """As Valkey 9, the expire time is checked before the key is looked up (Valkey 8 and
    Redis 7.0 answer nil or WRONGTYPE first)."""
    if len(args) == 3 and args[1] in _EX_WORDS and _small_seconds(args[2]):
        now = db.clock()  # GETEX key EX seconds: the options and _expire_ms inlined
        key = args[0]
        val = _string(db, key)
        if val is not None:
            db.set_expiry(key, int(args[2]) * 1000 + now, now)
        return val
    flags, expire, _ = _parse_options(args, 1, False)
    key = args[0]
    now = 0
    when = None
    if flags & _ANY_EXPIRE:
        now = db.clock()
        when = _expire_ms(db, expire, flags, "getex", now)
    val = _string(db, key)
    if val is None:
        return None
    if when is not None:
        db.set_expiry(key, when, now)  # a deadline in the past deletes the key
    elif flags & _PERSIST:
        db.persist(key)
    return val


@command("GETDEL")
def cmd_getdel(db: Database, args: Sequence[str]) -> str | None:
    val = _string(db, args[0])
    if val is not None:
        db.delete(args[0])
    return val


@command("GETSET")
def cmd_getset(db: Database, args: Sequence[str]) -> str | None:
    old = _string(db, args[0])
    db.put(args[0], args[1])
    return old


@command("MGET")
def cmd_mget(db: Database, args: Sequence[str]) -> list[str | None]:
    expires = db.expires
    if expires and not expires.keys().isdisjoint(args):
        now = db.clock()  # any key past its deadline goes first, as each GET would do
        for key in args:
            when = expires.get(key)
            if when is not None and when <= now:
                db.get(key)
    vals = list(map(db.data.get, args))
    try:  # every value a str (the common case): checked by one join in C
        "".join(vals)  # type: ignore[arg-type]
        return vals
    except TypeError:
        pass
    for i, val in enumerate(vals):
        kind = type(val)
        if kind is not str and val is not None:
            vals[i] = val.decode("latin-1") if kind is bytearray else None
    return vals


@command("MSET")
def cmd_mset(db: Database, args: Sequence[str]) -> object:
    n = len(args)
    if n % 2:
        raise ResponseError("ERR wrong number of arguments for 'mset' command")
    if db.expires or db.watchers or db.on_touch:
        for i in range(0, n, 2):
            db.put(args[i], args[i + 1])
        return OK
    data = db.data  # no TTL to drop, nobody to tell: Database.put inlined (half the time)
    for i in range(0, n, 2):
        key = args[i]
        if key not in data:
            db.keyset.add(key)
        data[key] = args[i + 1]
    return OK


@command("MSETNX")
def cmd_msetnx(db: Database, args: Sequence[str]) -> int:
    if len(args) % 2:
        raise ResponseError("ERR wrong number of arguments for 'msetnx' command")
    for i in range(0, len(args), 2):
        if db.get(args[i]) is not None:
            return 0
    for i in range(0, len(args), 2):
        db.put(args[i], args[i + 1])
    return 1


@command("MSETEX")
def cmd_msetex(db: Database, args: Sequence[str]) -> int:
    """Valkey 9.1's msetexCommand: numkeys (1..INT_MAX), its pairs, then SET's NX/XX and
    expiry words (checked in full before the time is read); all keys or none."""
    count = parse_int(args[0])
    if count is None or not 0 < count <= 2**31 - 1:
        raise ResponseError("ERR invalid numkeys value or out of range")
    end = 1 + 2 * count
    if end > len(args):
        raise ResponseError(SYNTAX)
    flags, expire, _ = _parse_options(args, end, True, _GET | _IFEQ)
    now = 0
    when = None
    if flags & _ANY_EXPIRE:
        now = db.clock()
        when = _expire_ms(db, expire, flags, "msetex", now)
    if flags & (_NX | _XX):
        for i in range(1, end, 2):
            if (db.get(args[i]) is None) == bool(flags & _XX):
                return 0
    keep = bool(flags & _KEEPTTL) or when is not None
    for i in range(1, end, 2):
        db.put(args[i], args[i + 1], keep_ttl=keep)
        if when is not None:
            db.set_expiry(args[i], when, now)
    return 1


@command("DELIFEQ")
def cmd_delifeq(db: Database, args: Sequence[str]) -> int:
    """Valkey 9's DELIFEQ: a lock's safe release in one command (WRONGTYPE for others)."""
    key = args[0]
    val = _raw(db, key)
    if type(val) is bytearray:
        val = frozen(db, key, val)
    if val is None or val != args[1]:
        return 0
    db.delete(key)
    return 1


# ---- byte-oriented commands ---------------------------------------------------------


@command("STRLEN")
def cmd_strlen(db: Database, args: Sequence[str]) -> int:
    val = _raw(db, args[0])
    return 0 if val is None else len(val)


@command("APPEND")
def cmd_append(db: Database, args: Sequence[str]) -> int:
    key, extra = args
    val = _raw(db, key)
    if val is None:
        db.put(key, extra)
        return len(extra)
    total = len(val) + len(extra)
    if total > MAX_BULK:
        raise ResponseError(TOO_BIG)
    if not extra:
        return total
    buf = _mutable(db, key, val, 0)
    buf += extra.encode("latin-1")  # amortized O(len(extra))
    db.put(key, buf, keep_ttl=True)
    return total


@command("GETRANGE", "SUBSTR")
def cmd_getrange(db: Database, args: Sequence[str]) -> str:
    start = _int(args[1])
    end = _int(args[2])
    val = _raw(db, args[0])
    if not val:
        return ""
    if start < 0 and end < 0 and start > end:
        return ""
    size = len(val)
    if start < 0:
        start = max(size + start, 0)
    if end < 0:
        end = max(size + end, 0)
    if end >= size:
        end = size - 1
    if start > end:
        return ""
    piece = val[start:end + 1]
    return piece if type(piece) is str else piece.decode("latin-1")  # type: ignore[union-attr]


@command("SETRANGE")
def cmd_setrange(db: Database, args: Sequence[str]) -> int:
    key, _, value = args
    offset = _int(args[1])
    if offset < 0:
        raise ResponseError("ERR offset is out of range")
    val = _raw(db, key)
    vlen = len(value)
    if val is None:
        if not vlen:
            return 0
        if offset + vlen > MAX_BULK:
            raise ResponseError(TOO_BIG)
        if not offset:  # a raw string on a server (OBJECT ENCODING), as SETBIT makes
            db.put(key, bytearray(value.encode("latin-1")))
            return vlen
    elif not vlen:
        return len(val)
    elif offset + vlen > MAX_BULK:
        raise ResponseError(TOO_BIG)
    buf = _mutable(db, key, val, offset)
    buf[offset:offset + vlen] = value.encode("latin-1")
    db.put(key, buf, keep_ttl=True)
    return len(buf)


# ---- counters -----------------------------------------------------------------------


@direct("INCRBY", "str", "int")
@direct("INCR", "str", fixed=(1,))
@direct("DECR", "str", fixed=(-1,))
def incr_by(db: Database, key: str, incr: int) -> int:
    """INCR's whole family (the increment already parsed); the hottest write in
    scripts, so the lookup and the store are inlined."""
    data = db.data
    val = db.get(key) if db.expires else data.get(key)
    if val is None:
        new = incr
        db.keyset.add(key)
    elif type(val) is str or type(val) is bytearray:
        text: str = val if isinstance(val, str) else val.decode("latin-1")
        if text.isdecimal() and len(text) < 19 and text.isascii() and (
                text[0] != "0" or len(text) == 1):
            new = int(text) + incr  # parse_int's fast path, inlined
        else:
            new = _int(text) + incr
        if new > INT64_MAX or new < INT64_MIN:
            raise ResponseError(OVERFLOW)
    else:
        raise WrongTypeError(WRONGTYPE)
    data[key] = str(new)  # the TTL stays, as Redis keeps it
    if db.watchers or db.on_touch:
        db.touch(key)
    return new


@command("INCR")
def cmd_incr(db: Database, args: Sequence[str]) -> int:
    return incr_by(db, args[0], 1)


@command("DECR")
def cmd_decr(db: Database, args: Sequence[str]) -> int:
    return incr_by(db, args[0], -1)


@command("INCRBY")
def cmd_incrby(db: Database, args: Sequence[str]) -> int:
    return incr_by(db, args[0], _int(args[1]))


@command("DECRBY")
def cmd_decrby(db: Database, args: Sequence[str]) -> int:
    amount = _int(args[1])
    if amount == INT64_MIN:
        raise ResponseError("ERR decrement would overflow")
    return incr_by(db, args[0], -amount)


@command("INCRBYFLOAT")
def cmd_incrbyfloat(db: Database, args: Sequence[str]) -> str:
    key = args[0]
    new = incr_by_float(_string(db, key), args[1])
    db.put(key, new, keep_ttl=True)
    return new


# ---- bitmaps ------------------------------------------------------------------------


def _bit_offset(text: str) -> int:
    """getBitOffsetFromArgument: a bit offset below 2**32 (512 MB of bits)."""
    val = parse_int(text)
    if val is None or val < 0 or (val >> 3) >= MAX_BULK:
        raise ResponseError(BAD_BIT_OFFSET)
    return val


@command("SETBIT")
def cmd_setbit(db: Database, args: Sequence[str]) -> int:
    key = args[0]
    offset = _bit_offset(args[1])
    on = parse_int(args[2])
    if on is None or on & ~1:
        raise ResponseError(BAD_BIT)
    val = _raw(db, key)
    byte, shift = offset >> 3, 7 - (offset & 7)
    buf = _mutable(db, key, val, byte + 1)
    old = (buf[byte] >> shift) & 1
    if on:
        buf[byte] |= 1 << shift
    else:
        buf[byte] &= ~(1 << shift) & 0xFF
    db.put(key, buf, keep_ttl=True)
    return old


@command("GETBIT")
def cmd_getbit(db: Database, args: Sequence[str]) -> int:
    offset = _bit_offset(args[1])
    val = _raw(db, args[0])
    byte = offset >> 3
    if val is None or byte >= len(val):
        return 0
    code = ord(val[byte]) if isinstance(val, str) else val[byte]
    return (code >> (7 - (offset & 7))) & 1


def _slice_bytes(val: Bytes, lo: int, hi: int) -> bytes | bytearray:
    """Bytes ``lo`` to ``hi - 1`` of a value, in O(hi - lo)."""
    piece = val[lo:hi]
    return piece.encode("latin-1") if type(piece) is str else piece  # type: ignore[return-value]


def _bit_mode(text: str) -> bool:
    """True for BIT, False for BYTE; anything else is a syntax error."""
    mode = _kw(text)
    if mode == "BIT":
        return True
    if mode == "BYTE":
        return False
    raise ResponseError(SYNTAX)


def _bit_range(start: int, end: int, total: int) -> tuple[int, int]:
    """Clamp a (possibly negative) inclusive range to ``[0, total - 1]``."""
    if start < 0:
        start = max(total + start, 0)
    if end < 0:
        end = max(total + end, 0)
    if end >= total:
        end = total - 1
    return start, end


@command("BITCOUNT")
def cmd_bitcount(db: Database, args: Sequence[str]) -> int:
    n = len(args)
    if n > 4:
        raise ResponseError(SYNTAX)
    ranged = n >= 2
    if ranged:
        # Valkey's order: start, then the BYTE|BIT token, then end (Redis 7.0 reads
        # start and end first, and answers 0 for a missing key before the token)
        start = _int(args[1])
        isbit = _bit_mode(args[3]) if n == 4 else False
        end = _int(args[2]) if n >= 3 else -1
    val = _raw(db, args[0])
    if val is None:
        return 0
    if not ranged:
        return int.from_bytes(_slice_bytes(val, 0, len(val)), "big").bit_count()
    if start < 0 and end < 0 and start > end:
        return 0
    total = len(val) * 8 if isbit else len(val)
    start, end = _bit_range(start, end, total)
    if start > end:
        return 0
    if not isbit:
        return int.from_bytes(_slice_bytes(val, start, end + 1), "big").bit_count()
    chunk = int.from_bytes(_slice_bytes(val, start >> 3, (end >> 3) + 1), "big")
    width = ((end >> 3) - (start >> 3) + 1) * 8
    # drop the bits after `end` and before `start` within the edge bytes
    chunk >>= 7 - (end & 7)
    chunk &= (1 << (width - (start & 7) - (7 - (end & 7)))) - 1
    return chunk.bit_count()


@command("BITPOS")
def cmd_bitpos(db: Database, args: Sequence[str]) -> int:
    n = len(args)
    bit = _int(args[1])
    if bit not in (0, 1):
        raise ResponseError("ERR The bit argument must be 1 or 0.")
    if n > 5:
        raise ResponseError(SYNTAX)
    ranged = n >= 3
    isbit = end_given = False
    if ranged:
        start = _int(args[2])
        if n == 5:
            isbit = _bit_mode(args[4])
        if n >= 4:
            end = _int(args[3])
            end_given = True
    val = _raw(db, args[0])
    if val is None:
        return -1 if bit else 0
    size = len(val)
    if not ranged:
        start, end = 0, size - 1
    else:
        if not end_given:
            end = size - 1
        start, end = _bit_range(start, end, size * 8 if isbit else size)
    if start > end:
        return -1
    if isbit:
        first, last = start, end
    else:
        first, last = start * 8, end * 8 + 7
    pos = _first_bit(val, first, last, bit)
    if pos >= 0:
        return pos
    if bit == 0 and not end_given:
        # no explicit end: the string counts as padded with zero bits on the right
        return (end + 1) * 8
    return -1


def _first_bit(val: Bytes, first: int, last: int, bit: int) -> int:
    """The position of the first ``bit`` in bit positions ``first..last``, or -1."""
    lo, hi = first >> 3, last >> 3
    width = (hi - lo + 1) * 8
    chunk = int.from_bytes(_slice_bytes(val, lo, hi + 1), "big")
    if not bit:
        chunk ^= (1 << width) - 1
    skip_tail = 7 - (last & 7)
    chunk >>= skip_tail
    bits = width - skip_tail - (first & 7)
    chunk &= (1 << bits) - 1
    if not chunk:
        return -1
    return last - (chunk.bit_length() - 1)
