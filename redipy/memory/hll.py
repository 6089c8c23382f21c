"""HyperLogLog as Redis keeps it (hyperloglog.c), byte for byte.

An HLL is a string: the 16-byte header ``HYLL``, encoding (0 dense, 1 sparse), three
zero bytes, the cached cardinality (8 bytes little endian, its top bit set when stale),
then the registers. Dense: 16384 six-bit registers packed LSB first (12288 bytes).
Sparse: run-length opcodes (ZERO ``00xxxxxx``, XZERO ``01xxxxxx yyyyyyyy``, VAL
``1vvvvvxx``), edited in place by the server's own steps (split one opcode, merge up to
five neighbours) so the bytes come out as the server's; promoted to dense when a value
passes 32 or the string would pass ``hll-sparse-max-bytes``. Values are ``bytearray``
edited in place; the caller owns the key.
"""

from __future__ import annotations

import math
import re
from bisect import bisect_right
from typing import Any

P = 14
REGISTERS = 1 << P
HDR = 16
DENSE_SIZE = HDR + REGISTERS * 6 // 8
SPARSE_MAX_BYTES = 3000  # hll-sparse-max-bytes
DENSE, SPARSE = 0, 1
_M64 = (1 << 64) - 1
_MUL = 0xC6A4A7935BD1E995
_SEED = 0xADC83B19
_Q = 64 - P
ALPHA_INF = 0.721347520444481703680


H0 = [(_SEED ^ (n * _MUL)) & _M64 for n in range(64)]  # the hash's start per length


def murmur64a(data: bytes, seed: int = _SEED) -> int:
    """MurmurHash64A, endian neutral, as the server hashes HLL elements: the 8-byte
    blocks read as one integer, taken 64 bits at a time, the tail what is left of it.
    The constants are literals (_MUL, _M64); a mask before a multiplication whose
    product is masked is left out (bits past 64 do not reach the low 64)."""
    n = len(data)
    h = H0[n] if n < 64 and seed == _SEED else (seed ^ (n * _MUL)) & _M64
    blocks = n >> 3
    if blocks:
        whole = int.from_bytes(data, "little")
        for _ in range(blocks):
            k = ((whole & 0xFFFFFFFFFFFFFFFF) * 0xC6A4A7935BD1E995) & 0xFFFFFFFFFFFFFFFF
            whole >>= 64
            h = ((h ^ ((k ^ (k >> 47)) * 0xC6A4A7935BD1E995)) * 0xC6A4A7935BD1E995
                 ) & 0xFFFFFFFFFFFFFFFF
        if n & 7:
            h = ((h ^ whole) * 0xC6A4A7935BD1E995) & 0xFFFFFFFFFFFFFFFF
    elif n:
        h = ((h ^ int.from_bytes(data, "little")) * 0xC6A4A7935BD1E995) & 0xFFFFFFFFFFFFFFFF
    h = ((h ^ (h >> 47)) * 0xC6A4A7935BD1E995) & 0xFFFFFFFFFFFFFFFF
    return h ^ (h >> 47)


TZ16 = bytes([0]) + bytes((i & -i).bit_length() for i in range(1, 1 << 16))
"""1 + the trailing zeros of a nonzero 16-bit number (0 for 0): hllPatLen's count from
the 16 bits past the index, which are all zero once in 65536 hashes (then the long
way, over all 50)."""


def pat_len(element: bytes, _h0: list[int] = H0, _fb: Any = int.from_bytes,
            _tz: bytes = TZ16) -> tuple[int, int]:
    """(register index, run length of 0...1) of an element's hash (hllPatLen)."""
    n = len(element)
    if 0 < n < 8:  # murmur64a of a short element, inlined (one call less per PFADD)
        h = ((_h0[n] ^ _fb(element, "little")) * 0xC6A4A7935BD1E995) & 0xFFFFFFFFFFFFFFFF
        h = ((h ^ (h >> 47)) * 0xC6A4A7935BD1E995) & 0xFFFFFFFFFFFFFFFF
        h ^= h >> 47
    else:
        h = murmur64a(element)
    count = _tz[(h >> 14) & 0xFFFF]
    if not count:
        rest = (h >> 14) | 0x4000000000000  # the 50 bits past the index, and a 1 after them
        count = (rest & -rest).bit_length()
    return h & 16383, count


def new_sparse() -> bytearray:
    """An empty HLL: sparse, one XZERO opcode covering all 16384 registers."""
    return bytearray(b"HYLL\x01\x00\x00\x00" + bytes(8) + b"\x7f\xff")


def valid_header(val: bytes | bytearray) -> bool:
    """isHLLObjectOrReply's checks: magic, a known encoding, the dense length."""
    return (len(val) >= HDR and val.startswith(b"HYLL")
            and (val[4] == SPARSE or (val[4] == DENSE and len(val) == DENSE_SIZE)))


def invalidate(s: bytearray) -> None:
    s[15] |= 0x80


# ---- dense -----------------------------------------------------------------------------------

def dense_set(s: bytearray, index: int, count: int) -> int:
    """Raise register ``index`` to ``count``; 1 if it changed (hllDenseSet). The last
    register ends its byte; the server reads one past it (the sds terminator, 0)."""
    byte = HDR + (index * 6 >> 3)
    fb = index * 6 & 7
    b0 = s[byte]
    if index == REGISTERS - 1:
        if count <= b0 >> 2:
            return 0
        s[byte] = (b0 & 3) | (count << 2)
        return 1
    b1 = s[byte + 1]
    if count <= ((b0 >> fb) | (b1 << (8 - fb))) & 63:
        return 0
    s[byte] = (b0 & ~(63 << fb) & 0xFF) | ((count << fb) & 0xFF)
    s[byte + 1] = (b1 & ~(63 >> (8 - fb)) & 0xFF) | (count >> (8 - fb))
    return 1


_AND63 = bytes(b & 63 for b in range(256))
_SHR2 = bytes(b >> 2 for b in range(256))
_L03 = int.from_bytes(b"\x03" * 4096, "little")
_L0F = int.from_bytes(b"\x0f" * 4096, "little")


def dense_registers(s: bytes | bytearray) -> bytes:
    """The 16384 registers, one byte each, in groups (r0 of every 3 bytes, r1, r2, r3):
    an order that does not matter for histograms and maxima taken per position."""
    reg = bytes(s[HDR:DENSE_SIZE])
    b0, b1, b2 = reg[0::3], reg[1::3], reg[2::3]
    n0, n1, n2 = (int.from_bytes(b, "little") for b in (b0, b1, b2))
    r1 = (((n0 >> 6) & _L03) | ((n1 & _L0F) << 2)).to_bytes(4096, "little")
    r2 = (((n1 >> 4) & _L0F) | ((n2 & _L03) << 4)).to_bytes(4096, "little")
    return b0.translate(_AND63) + r1 + r2 + b2.translate(_SHR2)


def _histogram(regs: bytes) -> list[int]:
    histo = [0] * 64
    left = len(regs)
    for value in range(64):
        if not left:
            break
        found = regs.count(value)
        histo[value] = found
        left -= found
    return histo


# ---- sparse ----------------------------------------------------------------------------------

def sparse_to_dense(s: bytearray) -> bool:
    """Rewrite ``s`` as dense (hllSparseToDense); False when the opcodes are corrupt."""
    if s[4] == DENSE:
        return True
    runs, ok = sparse_registers(s)
    if not ok:
        return False
    dense = bytearray(DENSE_SIZE)
    dense[:HDR] = s[:HDR]
    dense[4] = DENSE
    for first, length, value in runs:
        for reg in range(first, first + length):
            dense_set(dense, reg, value)
    s[:] = dense
    return True


# ---- where an opcode is: the first register of every opcode byte ----------------------------
# Finding the opcode that covers a register walks the opcodes from the start (the
# server's loop): most of PFADD's time in Python. An edit of hllSparseSet (a split, a
# merge of neighbours) leaves the register every other opcode starts at unchanged, so a
# sorted list with an entry for every byte of the opcodes finds the opcode and its byte
# offset by one bisection: the first register of the opcode the byte starts, and for an
# XZERO's second byte the first register of the opcode after it. The opcode covering
# register r is then at the last entry <= r, and its last register is one before the
# next entry. An edit changes the entries of the bytes it changes, as a slice of the
# list. An index is only trusted while the value's bytes equal the copy taken at its
# last edit (one memcmp), so a change by any other command (SETRANGE, APPEND) just makes
# it rebuilt; a change of the header alone (the cached cardinality) only takes a new copy.


class _Index:
    __slots__ = ("end", "firsts", "snap")

    def __init__(self, s: bytearray) -> None:
        if not _ZB:
            _ZB.extend((b"", *_BYTE[:64], *((0x3FFF + n).to_bytes(2, "big")
                                            for n in range(65, REGISTERS + 1))))
        firsts: list[int] = []
        size, p, first = len(s), HDR, 0
        while p < size:
            firsts.append(first)
            op = s[p]
            if op & 0xC0 == 0:
                first += (op & 0x3F) + 1
                p += 1
            elif op & 0x80:
                first += (op & 3) + 1
                p += 1
            else:
                first += (((op & 0x3F) << 8) | (s[p + 1] if p + 1 < size else 0)) + 1
                firsts.append(first)
                p += 2
        firsts.append(first)
        self.firsts = firsts  # len(s) - HDR entries, and one past the last register
        self.end = first  # one past the last register the opcodes cover
        self.snap = s[:]


_INDEXES: dict[int, _Index] = {}
_NONE = bytearray()
LAST: list[Any] = [_NONE, None]
"""The string sparse_set edited last and its index, set by each edit that leaves a
sparse HLL whose opcodes reach register 16383: while the string equals the index's
snapshot, it is that HLL as the edit left it, its cache marked stale (PFADD's fast path
relies on it). The string is held, so ``is`` cannot mistake it."""
_BYTE = [bytes((i,)) for i in range(256)]
_ZB: list[bytes] = []
"""The ZERO (up to 64 registers) or XZERO opcode of n zero registers, by n (b"" for 0);
filled with the first index."""


def _index(s: bytearray) -> _Index:
    """The index of ``s``: the one kept for it when its opcode bytes are still the
    snapshot's (the header may have changed: the snapshot takes it), else a new one.
    Keyed by ``id(s)``; the index is a function of the bytes alone, so a new string
    that got a dead one's id is served right whenever it holds the same bytes."""
    found = _INDEXES.get(id(s))
    if found is not None and len(s) == len(found.snap) and s.startswith(
            memoryview(found.snap)[HDR:], HDR):
        found.snap = s[:]
        return found
    if len(_INDEXES) >= 256:
        _INDEXES.clear()
    found = _INDEXES[id(s)] = _Index(s)
    return found


def forget(s: bytearray) -> None:
    _INDEXES.pop(id(s), None)
    if LAST[0] is s:
        LAST[:] = _NONE, None


def _zero_entries(first: int, length: int) -> tuple[int, ...]:
    """The index entries of the zeros opcode (``_ZB[length]``) of a run at ``first``."""
    if length > 64:
        return first, first + length
    return (first,) if length else ()


def split_zeros(s: bytearray, ix: _Index, index: int, count: int,
                _bisect: Any = bisect_right, _zb: list[bytes] = _ZB,
                _byte: list[bytes] = _BYTE) -> int:
    """hllSparseSet's commonest edit, on a string whose index ``ix`` is current: the
    register ``index`` strictly inside a run of zeros gets ``count`` (at most 32), the
    run becoming zeros, the VAL, zeros (the cache marked stale). 1 when done, 0 when
    the register is elsewhere (nothing changed). The caller leaves room for 3 bytes more
    (no promotion here)."""
    firsts = ix.firsts
    k = _bisect(firsts, index) - 1
    first = firsts[k]
    last = firsts[k + 1] - 1
    p = k + 16  # HDR
    op = s[p]
    if op >= 0x80 or not first < index < last:
        return 0
    left = index - first
    right = last - index
    seq = _zb[left] + _byte[((count - 1) << 2) | 0x80] + _zb[right]
    mid = (index, index, index + 1) if left > 64 else (index, index + 1)
    if op < 0x40:  # a ZERO
        s[p:p + 1] = seq
        firsts[k + 1:k + 1] = mid
    else:  # an XZERO: its second entry (the next opcode's first) stays when right does
        s[p:p + 2] = seq
        firsts[k + 1:k + 1 if right > 64 else k + 2] = mid
    if k:
        # step 4 over five opcodes from the one before: it, the zeros, the VAL (its
        # neighbour is zeros), the zeros, and the opcode after them, which is the
        # only one that can merge (with its own next one)
        x = p + len(seq)
        if x + 1 < len(s):
            o1 = s[x]
            o2 = s[x + 1]
            if o1 & o2 & 0x80 and not (o1 ^ o2) & 0x7C and (o1 & 3) + (o2 & 3) <= 2:
                s[x + 1] = o1 + (o2 & 3) + 1
                del s[x]
                del firsts[x + 1 - HDR]
    else:
        _merge(s, firsts, HDR)
    if s[15] < 0x80:
        s[15] |= 0x80
    ix.snap = s[:]
    return 1


def sparse_set(s: bytearray, index: int, count: int,
               max_bytes: int = SPARSE_MAX_BYTES, _last: list[Any] = LAST) -> int:
    """hllSparseSet: 1 if the register grew (the cached cardinality then marked
    stale), 0 if not, -1 for corrupt opcodes; may promote ``s`` to dense."""
    if count > 32:
        return _promote(s, index, count)
    if _last[0] is s and s == _last[1].snap:
        ix = _last[1]
    else:
        _last[0] = _NONE  # until an edit leaves this string as LAST says
        ix = _index(s)
    if index >= ix.end:
        return -1  # the opcodes end before the register (the server's walk runs off)
    if not (len(s) + 3 <= max_bytes and split_zeros(s, ix, index, count)):
        result = _sparse_edit(s, ix, index, count, max_bytes)
        if result != 1 or s[4] != SPARSE:
            return result
    if ix.end >= REGISTERS:
        _last[0] = s
        _last[1] = ix
    return 1


def _sparse_edit(s: bytearray, ix: _Index, index: int, count: int, max_bytes: int) -> int:
    """sparse_set's other edits (and a split of zeros near ``max_bytes``)."""
    firsts = ix.firsts
    k = bisect_right(firsts, index) - 1
    first = firsts[k]
    last = firsts[k + 1] - 1
    p = k + HDR
    op = s[p]
    xzero = op & 0xC0 == 0x40
    if op < 0x80 and first < index < last:  # zeros, the VAL, zeros
        grow = len(_ZB[index - first]) + 1 + len(_ZB[last - index]) - (2 if xzero else 1)
        if len(s) + grow > max_bytes:
            return _promote(s, index, count)
        return split_zeros(s, ix, index, count)
    val = ((count - 1) << 2) | 0x80
    # where step 4's scan starts: the opcode before this one (two bytes if an XZERO,
    # whose second entry is then this opcode's first register)
    q = (p - 2 if firsts[k - 1] == first else p - 1) if k else HDR
    if xzero:  # an XZERO edited at one of its ends: the VAL and zeros
        seq = _ZB[index - first] + _BYTE[val] + _ZB[last - index]
        if len(seq) > 2 and len(s) + len(seq) - 2 > max_bytes:
            return _promote(s, index, count)
        s[p:p + 2] = seq
        firsts[k:k + 2] = (*_zero_entries(first, index - first), index,
                           *_zero_entries(index + 1, last - index))
    else:
        if op & 0x80:
            fill = op & 0x7C | 0x80  # a VAL: the rest keeps its value
            if fill >= val:
                return 0
        else:
            fill = 0  # a ZERO of at most 64 registers
        if index == first == last:
            s[p] = val
        elif len(s) + (2 if first < index < last else 1) > max_bytes:
            return _promote(s, index, count)
        elif index == first:
            s[p:p + 1] = bytes((val, fill | (last - first - 1)))
            firsts.insert(k + 1, index + 1)
        elif index == last:
            s[p:p + 1] = bytes((fill | (last - first - 1), val))
            firsts.insert(k + 1, index)
        else:
            s[p:p + 1] = bytes((fill | (index - first - 1), val, fill | (last - index - 1)))
            firsts[k + 1:k + 1] = (index, index + 1)
    _merge(s, firsts, q)
    s[15] |= 0x80
    ix.snap = s[:]
    return 1


def _merge(s: bytearray, firsts: list[int], p: int) -> None:
    """Step 4 of hllSparseSet: merge adjacent equal VALs, scanning five opcodes from
    byte ``p`` (the opcode before the edited one)."""
    end = len(s) - 1
    for _ in range(5):
        if p > end:
            return
        op = s[p]
        if op < 0x80:  # ZERO or XZERO
            p += 1 if op < 0x40 else 2
            continue
        if p < end:
            nxt = s[p + 1]
            if nxt >= 0x80 and (op ^ nxt) & 0x7C == 0 and (op & 3) + (nxt & 3) <= 2:
                s[p + 1] = op + (nxt & 3) + 1  # one VAL of both lengths
                del s[p]
                del firsts[p + 1 - HDR]
                end -= 1
                continue
        p += 1


def _promote(s: bytearray, index: int, count: int) -> int:
    forget(s)
    if not sparse_to_dense(s):
        return -1
    dense_set(s, index, count)
    s[15] |= 0x80  # as every edit of sparse_set: the caller need not
    return 1


def sparse_registers(s: bytes | bytearray) -> tuple[list[tuple[int, int, int]], bool]:
    """The VAL runs (first register, length, value) and whether the opcodes cover
    exactly 16384 registers (hllMerge's walk; a VAL running past the end is corrupt)."""
    runs: list[tuple[int, int, int]] = []
    idx, p, end = 0, HDR, len(s)
    while p < end:
        op = s[p]
        if op & 0xC0 == 0:
            idx += (op & 0x3F) + 1
            p += 1
        elif op & 0x80 == 0:
            idx += (((op & 0x3F) << 8) | (s[p + 1] if p + 1 < end else 0)) + 1
            p += 2
        else:
            run = (op & 3) + 1
            if run + idx > REGISTERS:
                return runs, False  # refused even when it starts at 16384
            runs.append((idx, run, ((op >> 2) & 0x1F) + 1))
            idx += run
            p += 1
    return runs, idx == REGISTERS


def _sparse_histogram(s: bytes | bytearray) -> tuple[list[int], bool]:
    """hllSparseRegHisto: no stop at an overrun; invalid unless 16384 registers."""
    histo = [0] * 64
    idx, p, end = 0, HDR, len(s)
    while p < end:
        op = s[p]
        if op & 0xC0 == 0:
            run = (op & 0x3F) + 1
            histo[0] += run
            p += 1
        elif op & 0x80 == 0:
            run = (((op & 0x3F) << 8) | (s[p + 1] if p + 1 < end else 0)) + 1
            histo[0] += run
            p += 2
        else:
            run = (op & 3) + 1
            histo[((op >> 2) & 0x1F) + 1] += run
            p += 1
        idx += run
    return histo, idx == REGISTERS


# ---- counting --------------------------------------------------------------------------------

def _sigma(x: float) -> float:
    if x == 1.0:
        return math.inf
    y, z = 1.0, x
    while True:
        x *= x
        z_prime = z
        z += x * y
        y += y
        if z_prime == z:
            return z


def _tau(x: float) -> float:
    if x in (0.0, 1.0):
        return 0.0
    y, z = 1.0, 1 - x
    while True:
        x = math.sqrt(x)
        z_prime = z
        y *= 0.5
        z -= math.pow(1 - x, 2) * y
        if z_prime == z:
            return z / 3


def estimate(histo: list[int]) -> int:
    """hllCount's estimate from the register histogram (Ertl's improved estimator)."""
    m = float(REGISTERS)
    z = m * _tau((m - histo[_Q + 1]) / m)
    for j in range(_Q, 0, -1):
        z += histo[j]
        z *= 0.5
    z += m * _sigma(histo[0] / m)
    e = ALPHA_INF * m * m / z
    whole = math.floor(e)
    return int(whole + (1 if e - whole >= 0.5 else 0))


def count(s: bytes | bytearray) -> int | None:
    """The estimate for one HLL string; None when its sparse opcodes are corrupt."""
    if s[4] == DENSE:
        return estimate(_histogram(dense_registers(s)))
    histo, ok = _sparse_histogram(s)
    return estimate(histo) if ok else None


def cached(s: bytes | bytearray) -> int | None:
    """The cached cardinality, or None when it is marked stale."""
    if s[15] & 0x80:
        return None
    return int.from_bytes(s[8:16], "little")


def store_card(s: bytearray, card: int) -> None:
    s[8:16] = card.to_bytes(8, "little")


def registers_of(s: bytes | bytearray) -> bytes | None:
    """All 16384 registers in :func:`dense_registers`' order; None for corrupt sparse
    opcodes (hllMerge's checks)."""
    if s[4] == DENSE:
        return dense_registers(s)
    runs, ok = sparse_registers(s)
    if not ok:
        return None
    regs = bytearray(REGISTERS)
    for first, run, value in runs:
        for reg in range(first, first + run):
            regs[(reg & 3) * 4096 + (reg >> 2)] = value
    return bytes(regs)


_LANE_HI = int.from_bytes(b"\x80" * REGISTERS, "little")
_LANE_ALL = (1 << (8 * REGISTERS)) - 1


def lane_max(a: bytes, b: bytes) -> bytes:
    """max(a[i], b[i]) for byte values below 128, as a few big-int operations:
    (a | 0x80) - b keeps its lane's top bit exactly when a >= b."""
    x, y = int.from_bytes(a, "little"), int.from_bytes(b, "little")
    keep = (((x | _LANE_HI) - y) & _LANE_HI) >> 7
    mask = keep * 0xFF
    return ((x & mask) | (y & (_LANE_ALL ^ mask))).to_bytes(len(a), "little")


def pack_dense(regs: bytes) -> bytes:
    """The 12288 register bytes of a dense HLL from registers in grouped order."""
    r0, r1, r2, r3 = (int.from_bytes(regs[i:i + 4096], "little")
                      for i in range(0, REGISTERS, 4096))
    b0 = (r0 | ((r1 & _L03) << 6)).to_bytes(4096, "little")
    b1 = (((r1 >> 2) & _L0F) | ((r2 & _L0F) << 4)).to_bytes(4096, "little")
    b2 = (((r2 >> 4) & _L03) | (r3 << 2)).to_bytes(4096, "little")
    out = bytearray(REGISTERS * 6 // 8)
    out[0::3], out[1::3], out[2::3] = b0, b1, b2
    return bytes(out)


def nonzero(regs: bytes) -> list[int]:
    """Register indices with a value, in register order."""
    found = [m.start() for m in _NONZERO.finditer(regs)]
    return sorted((pos % 4096) * 4 + pos // 4096 for pos in found)


_NONZERO = re.compile(rb"[^\x00]")
