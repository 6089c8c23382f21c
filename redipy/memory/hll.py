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

import bisect
import math
import re

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


def murmur64a(data: bytes, seed: int = _SEED) -> int:
    """MurmurHash64A, endian neutral, as the server hashes HLL elements."""
    n = len(data)
    h = (seed ^ (n * _MUL)) & _M64
    tail = n - (n & 7)
    for off in range(0, tail, 8):
        k = (int.from_bytes(data[off:off + 8], "little") * _MUL) & _M64
        k ^= k >> 47
        k = (k * _MUL) & _M64
        h = ((h ^ k) * _MUL) & _M64
    if n & 7:
        h = ((h ^ int.from_bytes(data[tail:], "little")) * _MUL) & _M64
    h ^= h >> 47
    h = (h * _MUL) & _M64
    return h ^ (h >> 47)


def pat_len(element: bytes) -> tuple[int, int]:
    """(register index, run length of 0...1) of an element's hash (hllPatLen)."""
    h = murmur64a(element)
    rest = (h >> P) | (1 << _Q)
    return h & (REGISTERS - 1), (rest & -rest).bit_length()


def new_sparse() -> bytearray:
    """An empty HLL: sparse, one XZERO opcode covering all 16384 registers."""
    return bytearray(b"HYLL\x01\x00\x00\x00" + bytes(8) + b"\x7f\xff")


def valid_header(val: bytes | bytearray) -> bool:
    """isHLLObjectOrReply's checks: magic, a known encoding, the dense length."""
    return (len(val) >= HDR and val[:4] == b"HYLL" and val[4] <= SPARSE
            and (val[4] != DENSE or len(val) == DENSE_SIZE))


def invalidate(s: bytearray) -> None:
    s[15] |= 0x80


# ---- dense -----------------------------------------------------------------------------------

def dense_set(s: bytearray, index: int, count: int) -> int:
    """Raise register ``index`` to ``count``; 1 if it changed (hllDenseSet)."""
    byte = HDR + index * 6 // 8
    fb = index * 6 & 7
    b0 = s[byte]
    b1 = s[byte + 1] if byte + 1 < len(s) else 0
    if count <= ((b0 >> fb) | (b1 << (8 - fb))) & 63:
        return 0
    s[byte] = (b0 & ~(63 << fb) & 0xFF) | ((count << fb) & 0xFF)
    if byte + 1 < len(s):
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

def _val(value: int, length: int) -> int:
    return ((value - 1) << 2 | (length - 1)) | 0x80


def _zeros(length: int) -> list[int]:
    if length > 64:
        return [((length - 1) >> 8) | 0x40, (length - 1) & 0xFF]
    return [length - 1]


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


# ---- where an opcode is: a cached index of every 32nd opcode ---------------------------------
# Finding the opcode that covers a register walks the opcodes from the start (the
# server's loop); on a 3000-byte sparse HLL that is most of PFADD's time here. An index
# of every 32nd opcode's (first register, byte offset, previous opcode's offset) turns
# it into a bisection and a walk of at most 32 opcodes. It is only trusted while the
# value's bytes equal the copy taken when it was last updated, so an edit made by any
# other command (SETRANGE, APPEND) just makes it rebuilt.

_STRIDE = 32
_REBUILD = 64  # edits after which the (thinning) index is rebuilt, as when it holds
               # less than one entry per 64 bytes


class _Index:
    __slots__ = ("edits", "offs", "prevs", "ref", "regs", "snap")

    def __init__(self, s: bytearray) -> None:
        self.ref = s
        self.regs: list[int] = []
        self.offs: list[int] = []
        self.prevs: list[int] = []
        self.edits = 0
        end, p, first, prev, n = len(s), HDR, 0, -1, 0
        while p < end:
            if n % _STRIDE == 0:
                self.regs.append(first)
                self.offs.append(p)
                self.prevs.append(prev)
            op = s[p]
            prev = p
            if op & 0xC0 == 0:
                first += (op & 0x3F) + 1
                p += 1
            elif op & 0x80:
                first += (op & 3) + 1
                p += 1
            else:
                first += (((op & 0x3F) << 8) | (s[p + 1] if p + 1 < end else 0)) + 1
                p += 2
            n += 1
        self.snap = bytes(s)

    def edited(self, s: bytearray, start: int, stop: int, delta: int) -> None:
        """Bytes from ``start`` to ``stop`` (old offsets) may have changed and the rest
        moved by ``delta``: drop the entries inside, shift the ones after."""
        self.edits += 1
        offs = self.offs
        lo = bisect.bisect_left(offs, start, 1)
        hi = bisect.bisect_left(offs, stop, lo)
        del self.regs[lo:hi], offs[lo:hi], self.prevs[lo:hi]
        if delta:
            offs[lo:] = [o + delta for o in offs[lo:]]
            self.prevs[lo:] = [o + delta for o in self.prevs[lo:]]
        self.snap = bytes(s)


_INDEXES: dict[int, _Index] = {}


def _index(s: bytearray) -> _Index:
    found = _INDEXES.get(id(s))
    if (found is not None and found.ref is s and found.edits < _REBUILD
            and len(found.regs) * 2 * _STRIDE >= len(s) - HDR and s == found.snap):
        return found  # still trusted, and not too thin for the value's length
    if len(_INDEXES) >= 256:
        _INDEXES.clear()
    found = _INDEXES[id(s)] = _Index(s)
    return found


def forget(s: bytearray) -> None:
    _INDEXES.pop(id(s), None)


def sparse_set(s: bytearray, index: int, count: int,
               max_bytes: int = SPARSE_MAX_BYTES) -> int:
    """hllSparseSet: 1 if the register grew, 0 if not, -1 for corrupt opcodes; may
    promote ``s`` to dense."""
    if count > 32:
        return _promote(s, index, count)
    ix = _index(s)
    at = bisect.bisect_right(ix.regs, index) - 1
    end = len(s)
    p, first, prev, span, oplen = ix.offs[at], ix.regs[at], ix.prevs[at], 0, 1
    while p < end:
        op = s[p]
        oplen = 1
        if op & 0xC0 == 0:
            span = (op & 0x3F) + 1
        elif op & 0x80:
            span = (op & 3) + 1
        else:
            span = (((op & 0x3F) << 8) | (s[p + 1] if p + 1 < end else 0)) + 1
            oplen = 2
        if index <= first + span - 1:
            break
        prev = p
        p += oplen
        first += span
    if span == 0 or p >= end:
        return -1
    op = s[p]
    is_val = bool(op & 0x80)
    is_xzero = op & 0xC0 == 0x40
    if is_val:
        if ((op >> 2) & 0x1F) + 1 >= count:
            return 0
        if span == 1:
            s[p] = _val(count, 1)
            return _merge(s, prev, ix, p + 1)
    elif not is_xzero and span == 1:
        s[p] = _val(count, 1)
        return _merge(s, prev, ix, p + 1)
    last = first + span - 1
    seq: list[int] = []
    if not is_val:
        if index != first:
            seq += _zeros(index - first)
        seq.append(_val(count, 1))
        if index != last:
            seq += _zeros(last - index)
    else:
        cur = ((op >> 2) & 0x1F) + 1
        if index != first:
            seq.append(_val(cur, index - first))
        seq.append(_val(count, 1))
        if index != last:
            seq.append(_val(cur, last - index))
    delta = len(seq) - oplen
    if delta > 0 and len(s) + delta > max_bytes:
        return _promote(s, index, count)
    s[p:p + oplen] = bytes(seq)
    return _merge(s, prev, ix, p + oplen)


def _merge(s: bytearray, prev: int, ix: _Index, old_stop: int) -> int:
    """Step 4 of hllSparseSet: merge adjacent equal VALs, scanning five opcodes; then
    the index learns what changed (``old_stop``: where the edit ended, old offsets)."""
    before = len(ix.snap)
    p = prev if prev >= 0 else HDR
    start = p
    scan = 5
    while p < len(s):
        if not scan:
            break
        scan -= 1
        op = s[p]
        if op & 0xC0 == 0x40:
            p += 2
            continue
        if op & 0xC0 == 0:
            p += 1
            continue
        if p + 1 < len(s) and s[p + 1] & 0x80:
            nxt = s[p + 1]
            value = ((op >> 2) & 0x1F) + 1
            if value == ((nxt >> 2) & 0x1F) + 1:
                length = (op & 3) + (nxt & 3) + 2
                if length <= 4:
                    s[p + 1] = _val(value, length)
                    del s[p]
                    continue
        p += 1
    invalidate(s)
    # the merge window: five opcodes of at most two bytes from ``start``
    ix.edited(s, start, max(old_stop, start + 12) + 4, len(s) - before)
    return 1


def _promote(s: bytearray, index: int, count: int) -> int:
    forget(s)
    if not sparse_to_dense(s):
        return -1
    dense_set(s, index, count)
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
