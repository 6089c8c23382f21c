"""Memory backend handlers: PFADD, PFCOUNT, PFMERGE over :mod:`redipy.memory.hll`.

An HLL is a plain string value, so GET, DUMP, migration and every string command see
the server's bytes. The handlers keep it as a ``bytearray`` edited in place (as the
server edits its sds) and check it as isHLLObjectOrReply does before touching it.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence
from typing import Any

from redipy.errors import response_error
from redipy.memory import hll
from redipy.memory.db import Database
from redipy.memory.registry import command
from redipy.reply import OK

NOT_HLL = "WRONGTYPE Key is not a valid HyperLogLog string value."
CORRUPT = "INVALIDOBJ Corrupted HLL object detected"
_WRONGTYPE = "WRONGTYPE Operation against a key holding the wrong kind of value"


def _load(db: Database, key: str) -> bytes | bytearray | None:
    """The HLL at ``key`` (None when missing), WRONGTYPE for anything else."""
    val = db.get(key)
    if val is None:
        return None
    if type(val) is str:
        raw: bytes | bytearray = val.encode("latin-1")
    elif type(val) is bytearray:
        raw = val
    else:
        raise response_error(_WRONGTYPE)
    if not hll.valid_header(raw):
        raise response_error(NOT_HLL)
    return raw


def _editable(db: Database, key: str, raw: bytes | bytearray) -> bytearray:
    """The value as a bytearray held by the key (same bytes, same TTL, no touch)."""
    if type(raw) is bytearray:
        return raw
    out = bytearray(raw)
    db.data[key] = out
    return out


_VZ = [bytes((0x80 | (count - 1) << 2, right - 1)) if count and right else b""
       for count in range(33) for right in range(64)]
"""The VAL of ``count`` and the ZERO of ``right`` registers after it, at
``count << 6 | right``: what a ZERO opcode's split leaves past its first byte."""


@command("PFADD")
def cmd_pfadd(db: Database, args: Sequence[str], _last: list[Any] = hll.LAST,
              _room: int = hll.SPARSE_MAX_BYTES - 3, _h0: list[int] = hll.H0,
              _bisect: Any = bisect_right, _vz: list[bytes] = _VZ, _zb: list[bytes] = hll._ZB,
              _byte: list[bytes] = hll._BYTE, _merge: Any = hll._merge,
              _murmur: Any = hll.murmur64a, _sparse_set: Any = hll.sparse_set,
              _dense_set: Any = hll.dense_set, _fb: Any = int.from_bytes,
              _tz: bytes = hll.TZ16, _dense_size: int = hll.DENSE_SIZE) -> Any:
    key = args[0]
    s = db.get(key) if db.expires else db.data.get(key)
    if len(args) == 2 and type(s) is bytearray:
        # one element into an HLL that PFADD left (a bytearray): the hash of
        # hll.pat_len inline, then the commonest edits inline
        ix = _last[1]
        sparse = s is _last[0] and len(s) <= _room and s == ix.snap
        if sparse or (len(s) > 16 and s.startswith(b"HYLL") and (
                (s[4] == 0 and len(s) == _dense_size) or s[4] == 1)):  # (valid_header)
            element = args[1].encode("latin-1")
            n = len(element)
            if 0 < n < 8:
                h = ((_h0[n] ^ _fb(element, "little")) * 0xC6A4A7935BD1E995
                     ) & 0xFFFFFFFFFFFFFFFF
                h = ((h ^ (h >> 47)) * 0xC6A4A7935BD1E995) & 0xFFFFFFFFFFFFFFFF
                h ^= h >> 47
            else:
                h = _murmur(element)
            index = h & 16383
            count = _tz[(h >> 14) & 0xFFFF]  # hll.TZ16
            if not count:
                rest = (h >> 14) | 0x4000000000000
                count = (rest & -rest).bit_length()
            if sparse and count <= 32:
                # the sparse HLL the last edit left, unchanged since (hll.LAST): no
                # header checks; a split of zeros (hll.split_zeros) inline
                firsts = ix.firsts
                k = _bisect(firsts, index) - 1
                first = firsts[k]
                nxt = firsts[k + 1]
                p = k + 16
                op = s[p]
                if op < 0x80 and first < index < nxt - 1:
                    if op < 0x40:  # a ZERO: zeros, the VAL, zeros, all of one byte
                        s[p] = index - first - 1
                        s[p + 1:p + 1] = _vz[count << 6 | (nxt - 1 - index)]
                        firsts[k + 1:k + 1] = (index, index + 1)
                        x = p + 3
                    else:  # an XZERO: its second entry stays when the right one is long
                        left = index - first
                        right = nxt - 1 - index
                        seq = _zb[left] + _byte[((count - 1) << 2) | 0x80] + _zb[right]
                        s[p:p + 2] = seq
                        firsts[k + 1:k + 1 if right > 64 else k + 2] = (
                            (index, index, index + 1) if left > 64 else (index, index + 1))
                        x = p + len(seq)
                    # step 4 over five opcodes from the one before: only the opcode
                    # after the zeros can merge (with its own next one); from the
                    # first opcode when there is none before (the scan goes further)
                    if not k:
                        _merge(s, firsts, 16)
                    elif x + 1 < len(s):
                        o1 = s[x]
                        if o1 >= 0x80:
                            o2 = s[x + 1]
                            if o2 >= 0x80 and not (o1 ^ o2) & 0x7C and (o1 & 3) + (o2 & 3) <= 2:
                                s[x + 1] = o1 + (o2 & 3) + 1
                                del s[x]
                                del firsts[x - 15]
                    if s[15] < 0x80:
                        s[15] |= 0x80
                    ix.snap = s[:]
                    if db.watchers or db.on_touch:
                        db.touch(key)
                    return 1
            if s[4]:  # sparse
                result: int = _sparse_set(s, index, count)
                if result < 0:
                    raise response_error(CORRUPT)
                if result and (db.watchers or db.on_touch):  # (sparse_set marked it stale)
                    db.touch(key)
                return result
            # dense (hll.dense_set inline; the last register is dense_set's own case)
            byte = 16 + (index * 6 >> 3)
            fb = index * 6 & 7
            b0 = s[byte]
            if index == 16383:
                if not _dense_set(s, index, count):
                    return 0
            else:
                b1 = s[byte + 1]
                if count <= ((b0 >> fb) | (b1 << (8 - fb))) & 63:
                    return 0
                s[byte] = (b0 & ~(63 << fb) & 0xFF) | ((count << fb) & 0xFF)
                s[byte + 1] = (b1 & ~(63 >> (8 - fb)) & 0xFF) | (count >> (8 - fb))
            if s[15] < 0x80:
                s[15] |= 0x80
            if db.watchers or db.on_touch:
                db.touch(key)
            return 1
    updated = 0
    if type(s) is not bytearray or not hll.valid_header(s):  # PFADD left a bytearray
        raw = _load(db, key)
        if raw is None:
            s = hll.new_sparse()
            db.add_new(key, s)
            updated = 1
        else:
            s = _editable(db, key, raw)
    pat_len, sparse_set = hll.pat_len, hll.sparse_set
    for i in range(1, len(args)):
        index, count = pat_len(args[i].encode("latin-1"))
        if s[4]:
            result = sparse_set(s, index, count)
            if result < 0:
                raise response_error(CORRUPT)
            updated |= result
        else:
            updated |= hll.dense_set(s, index, count)
    if updated:
        s[15] |= 0x80
        if db.watchers or db.on_touch:
            db.touch(key)
        return 1
    return 0


def _union(db: Database, keys: Sequence[str]) -> tuple[bytes | None, bool]:
    """The registers' maxima over ``keys`` (None: no HLL among them) and whether one
    of them is dense; errors in key order, as the server checks them."""
    regs: bytes | None = None
    dense = False
    for key in keys:
        raw = _load(db, key)
        if raw is None:
            continue
        dense = dense or raw[4] == hll.DENSE
        got = hll.registers_of(raw)
        if got is None:
            raise response_error(CORRUPT)
        regs = got if regs is None else hll.lane_max(regs, got)
    return regs, dense


@command("PFCOUNT")
def cmd_pfcount(db: Database, args: Sequence[str]) -> Any:
    if len(args) > 1:
        regs, _ = _union(db, args)
        return hll.estimate(hll._histogram(regs or bytes(hll.REGISTERS)))
    key = args[0]
    raw = _load(db, key)
    if raw is None:
        return 0
    card = hll.cached(raw)
    if card is not None:
        return card
    card = hll.count(raw)
    if card is None:
        raise response_error(CORRUPT)
    s = _editable(db, key, raw)
    hll.store_card(s, card)
    db.touch(key)
    return card


@command("PFMERGE")
def cmd_pfmerge(db: Database, args: Sequence[str]) -> Any:
    regs, dense = _union(db, args)
    dest = args[0]
    raw = _load(db, dest)
    if raw is None:
        s = hll.new_sparse()
        db.add_new(dest, s)
    else:
        s = _editable(db, dest, raw)
    if dense and not hll.sparse_to_dense(s):
        raise response_error(CORRUPT)
    if regs is not None:
        # the destination is one of the sources: once dense, its registers are the maxima
        if s[4] == hll.SPARSE:
            for reg in hll.nonzero(regs):
                hll.sparse_set(s, reg, regs[(reg & 3) * 4096 + (reg >> 2)])
                if s[4] == hll.DENSE:
                    break
        if s[4] == hll.DENSE:
            s[hll.HDR:] = hll.pack_dense(regs)
    hll.invalidate(s)
    db.touch(dest)
    return OK
