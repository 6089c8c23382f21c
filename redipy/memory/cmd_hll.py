"""Memory backend handlers: PFADD, PFCOUNT, PFMERGE over :mod:`redipy.memory.hll`.

An HLL is a plain string value, so GET, DUMP, migration and every string command see
the server's bytes. The handlers keep it as a ``bytearray`` edited in place (as the
server edits its sds) and check it as isHLLObjectOrReply does before touching it.
"""

from __future__ import annotations

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


@command("PFADD")
def cmd_pfadd(db: Database, args: Sequence[str]) -> Any:
    key = args[0]
    raw = _load(db, key)
    updated = 0
    if raw is None:
        s = hll.new_sparse()
        db.add_new(key, s)
        updated = 1
    else:
        s = _editable(db, key, raw)
    for element in args[1:]:
        index, count = hll.pat_len(element.encode("latin-1"))
        if s[4] == hll.DENSE:
            updated |= hll.dense_set(s, index, count)
            continue
        result = hll.sparse_set(s, index, count)
        if result < 0:
            raise response_error(CORRUPT)
        updated |= result
    if updated:
        hll.invalidate(s)
        db.touch(key)
        return 1
    return 0


@command("PFCOUNT")
def cmd_pfcount(db: Database, args: Sequence[str]) -> Any:
    if len(args) > 1:
        regs = bytearray(hll.REGISTERS)
        for key in args:
            raw = _load(db, key)
            if raw is not None and not hll.merge_into(regs, raw):
                raise response_error(CORRUPT)
        return hll.estimate(hll._histogram(bytes(regs)))
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
    regs = bytearray(hll.REGISTERS)
    dense = False
    for key in args:
        raw = _load(db, key)
        if raw is None:
            continue
        if raw[4] == hll.DENSE:
            dense = True
        if not hll.merge_into(regs, raw):
            raise response_error(CORRUPT)
    dest = args[0]
    raw = _load(db, dest)
    if raw is None:
        s = hll.new_sparse()
        db.add_new(dest, s)
    else:
        s = _editable(db, dest, raw)
    if dense and not hll.sparse_to_dense(s):
        raise response_error(CORRUPT)
    order = hll.dense_order_index
    for reg in range(hll.REGISTERS):
        value = regs[order(reg)]
        if not value:
            continue
        if s[4] == hll.DENSE:
            hll.dense_set(s, reg, value)
        else:
            hll.sparse_set(s, reg, value)
    hll.invalidate(s)
    db.touch(dest)
    return OK
