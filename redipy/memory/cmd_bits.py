"""Memory backend handlers: BITOP, BITFIELD and BITFIELD_RO.

Values are byte strings (one character per byte) or bytearrays once changed in place
(see :mod:`redipy.memory.cmd_strings`). BITOP works on whole values with Python's
big integers (C speed, O(total length)); BITFIELD reads and writes only the bytes a
field covers, so an INCRBY costs O(1) whatever the size of the string, as in Redis.
Argument checks and the overflow arithmetic follow Valkey's ``bitops.c``: every
subcommand is parsed before the key is looked at, a write (even one that fails with
OVERFLOW FAIL) grows the string to the highest bit it names, and BITFIELD_RO parses
all of its arguments before refusing a write.
"""

from __future__ import annotations

from collections.abc import Sequence

from redipy.errors import ResponseError
from redipy.memory.cmd_strings import MAX_BULK, SYNTAX, Bytes, _mutable, _raw
from redipy.memory.db import Database
from redipy.memory.numbers import NOT_INT, parse_int
from redipy.memory.registry import command

BAD_TYPE = ("ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not "
            "supported but i64 is.")
BAD_OFFSET = "ERR bit offset is not an integer or out of range"
BAD_OVERFLOW = "ERR Invalid OVERFLOW type specified"
RO_ONLY_GET = "ERR BITFIELD_RO only supports the GET subcommand"
NOT_ONE_KEY = "ERR BITOP NOT must be called with a single source key."

_GET, _SET, _INCRBY = 0, 1, 2
_WRAP, _SAT, _FAIL = 0, 1, 2


def _as_bytes(val: Bytes) -> bytes | bytearray:
    return val.encode("latin-1") if type(val) is str else val  # type: ignore[return-value]


# ---- BITOP -------------------------------------------------------------------------------


@command("BITOP")
def cmd_bitop(db: Database, args: Sequence[str]) -> int:
    op = args[0].upper() if args[0].isascii() else ""
    if op not in ("AND", "OR", "XOR", "NOT"):
        raise ResponseError(SYNTAX)
    if op == "NOT" and len(args) != 3:
        raise ResponseError(NOT_ONE_KEY)
    dest = args[1]
    sources: list[bytes | bytearray] = []
    for key in args[2:]:
        val = _raw(db, key)
        sources.append(b"" if val is None else _as_bytes(val))
    size = max(len(s) for s in sources)
    if size == 0:
        db.delete(dest)
        return 0
    # left-aligned big integers: a shorter string counts as padded with zero bytes
    nums = [int.from_bytes(s, "big") << (8 * (size - len(s))) for s in sources]
    if op == "NOT":
        acc = nums[0] ^ ((1 << (8 * size)) - 1)
    else:
        acc = nums[0]
        for num in nums[1:]:
            if op == "AND":
                acc &= num
            elif op == "OR":
                acc |= num
            else:
                acc ^= num
    db.put(dest, acc.to_bytes(size, "big").decode("latin-1"))
    return size


# ---- BITFIELD ----------------------------------------------------------------------------


def _field_type(text: str) -> tuple[bool, int]:
    """``i<n>`` (signed, 1..64) or ``u<n>`` (unsigned, 1..63): (signed, bits)."""
    head = text[:1]
    if head == "i":  # lower case only, as getBitfieldTypeFromArgument reads it
        signed = True
    elif head == "u":
        signed = False
    else:
        raise ResponseError(BAD_TYPE)
    bits = parse_int(text[1:])
    if bits is None or bits < 1 or bits > (64 if signed else 63):
        raise ResponseError(BAD_TYPE)
    return signed, bits


def _field_offset(text: str, bits: int) -> int:
    """A bit offset, or ``#n`` for the n-th field of this width."""
    hashed = text[:1] == "#"
    offset = parse_int(text[1:] if hashed else text)
    if offset is None:
        raise ResponseError(BAD_OFFSET)
    if hashed:
        offset *= bits
    if offset < 0 or (offset >> 3) >= MAX_BULK:
        raise ResponseError(BAD_OFFSET)
    return offset


def _read(buf: Bytes | None, offset: int, bits: int, signed: bool) -> int:
    """The field's value; bits past the end of the string read as zero."""
    first, last = offset >> 3, (offset + bits - 1) >> 3
    chunk = b"" if buf is None else _as_bytes(buf[first:last + 1])
    width = (last - first + 1) * 8
    raw = int.from_bytes(chunk, "big") << (8 * (last - first + 1 - len(chunk)))
    val = (raw >> (width - (offset & 7) - bits)) & ((1 << bits) - 1)
    if signed and val >> (bits - 1):
        val -= 1 << bits
    return val


def _write(buf: bytearray, offset: int, bits: int, value: int) -> None:
    first, last = offset >> 3, (offset + bits - 1) >> 3
    width = (last - first + 1) * 8
    shift = width - (offset & 7) - bits
    mask = ((1 << bits) - 1) << shift
    raw = int.from_bytes(buf[first:last + 1], "big")
    raw = (raw & ~mask) | ((value & ((1 << bits) - 1)) << shift)
    buf[first:last + 1] = raw.to_bytes(last - first + 1, "big")


def _bounded(total: int, bits: int, signed: bool, mode: int) -> int | None:
    """``total`` (exact) as the field can hold it: wrapped, saturated, or ``None`` for
    an overflow under FAIL (Valkey's check{Signed,Unsigned}BitfieldOverflow)."""
    if signed:
        high, low = (1 << (bits - 1)) - 1, -(1 << (bits - 1))
    else:
        high, low = (1 << bits) - 1, 0
    if low <= total <= high:
        return total
    if mode == _FAIL:
        return None
    if mode == _SAT:
        return high if total > high else low
    wrapped = total & ((1 << bits) - 1)
    if signed and wrapped >> (bits - 1):
        wrapped -= 1 << bits
    return wrapped


def _bitfield(db: Database, args: Sequence[str], readonly_cmd: bool) -> list[int | None]:
    key = args[0]
    ops: list[tuple[int, int, int, bool, int, int]] = []  # op, offset, bits, signed, arg, mode
    mode = _WRAP
    writes = False
    highest = 0
    i, argc = 1, len(args)
    while i < argc:
        left = argc - i - 1
        sub = args[i].upper() if args[i].isascii() else ""
        if sub == "GET" and left >= 2:
            op = _GET
        elif sub == "SET" and left >= 3:
            op = _SET
        elif sub == "INCRBY" and left >= 3:
            op = _INCRBY
        elif sub == "OVERFLOW" and left >= 1:
            kind = args[i + 1].upper() if args[i + 1].isascii() else ""
            if kind == "WRAP":
                mode = _WRAP
            elif kind == "SAT":
                mode = _SAT
            elif kind == "FAIL":
                mode = _FAIL
            else:
                raise ResponseError(BAD_OVERFLOW)
            i += 2
            continue
        else:
            raise ResponseError(SYNTAX)
        signed, bits = _field_type(args[i + 1])
        offset = _field_offset(args[i + 2], bits)
        arg = 0
        if op != _GET:
            writes = True
            highest = max(highest, offset + bits - 1)
            num = parse_int(args[i + 3])
            if num is None:
                raise ResponseError(NOT_INT)
            arg = num
        ops.append((op, offset, bits, signed, arg, mode))
        i += 4 if op != _GET else 3
    if not writes:
        val = _raw(db, key)
        return [_read(val, offset, bits, signed) for _, offset, bits, signed, _, _ in ops]
    if readonly_cmd:
        raise ResponseError(RO_ONLY_GET)
    buf = _mutable(db, key, _raw(db, key), (highest >> 3) + 1)
    out: list[int | None] = []
    for op, offset, bits, signed, arg, how in ops:
        if op == _GET:
            out.append(_read(buf, offset, bits, signed))
            continue
        old = _read(buf, offset, bits, signed)
        if op == _INCRBY:
            new = _bounded(old + arg, bits, signed, how)
            out.append(new)
        else:
            # SET takes the argument as a 64-bit integer: an unsigned field sees it as
            # its two's complement (u8 -1 is 2**64 - 1, an overflow)
            new = _bounded(arg if signed else arg & ((1 << 64) - 1), bits, signed, how)
            out.append(None if new is None else old)
        if new is not None:
            _write(buf, offset, bits, new)
    db.put(key, buf, keep_ttl=True)
    return out


_FIELDS = {f"{head}{bits}": (head == "i", bits)
           for head in "iu" for bits in range(1, 65 if head == "i" else 64)}
"""Every type :func:`_field_type` accepts in its plain spelling, parsed."""


@command("BITFIELD")
def cmd_bitfield(db: Database, args: Sequence[str]) -> list[int | None]:
    if len(args) == 5 and args[1] in ("INCRBY", "incrby"):  # one counter, the usual call
        field = _FIELDS.get(args[2])
        signed, bits = _field_type(args[2]) if field is None else field
        offset = _field_offset(args[3], bits)
        incr = parse_int(args[4])
        if incr is None:
            raise ResponseError(NOT_INT)
        key = args[0]
        first, last = offset >> 3, (offset + bits - 1) >> 3
        val = db.get(key) if db.expires else db.data.get(key)
        if type(val) is bytearray and len(val) > last:
            buf = val  # changed in place before, long enough: the common case
        else:
            buf = _mutable(db, key, _raw(db, key), last + 1)
        # _read, _bounded (WRAP) and _write inlined
        shift = (last - first + 1) * 8 - (offset & 7) - bits
        ones = (1 << bits) - 1
        raw = int.from_bytes(buf[first:last + 1], "big")
        total = ((raw >> shift) & ones) + incr
        if signed:
            total = ((total + (1 << (bits - 1))) & ones) - (1 << (bits - 1))
        else:
            total &= ones
        buf[first:last + 1] = ((raw & ~(ones << shift)) | ((total & ones) << shift)).to_bytes(
            last - first + 1, "big")
        if buf is not val:
            db.put(key, buf, keep_ttl=True)
        elif db.watchers or db.on_touch:
            db.touch(key)
        return [total]
    return _bitfield(db, args, False)


@command("BITFIELD_RO")
def cmd_bitfield_ro(db: Database, args: Sequence[str]) -> list[int | None]:
    return _bitfield(db, args, True)
