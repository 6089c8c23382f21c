"""PFADD, PFCOUNT and PFMERGE on the memory backend against Valkey 8.1, Valkey 9.1 and
Redis 7.0: the HLL's bytes (GET) after every step, sparse and dense, the promotion, the
cached cardinality, multi-key counts, merges, corrupt values and their errors, random
inputs, and an HLL a server wrote copied to memory (and back) by migration."""

from __future__ import annotations

import random

import redis as redis_py
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from redipy.migrate import migrate

import redipy
from tests.parity import assert_same
from tests.servers import Server

_BIN = st.binary(min_size=0, max_size=12)


def _elements(prefix: str, n: int) -> list[str]:
    return [f"{prefix}{i}" for i in range(n)]


def test_pf_parity(servers: dict[str, Server]) -> None:
    assert_same(servers, [
        ("PFADD", "h"), ("GET", "h"), ("PFADD", "h"), ("PFCOUNT", "h"),
        ("PFADD", "h", "a", "b", "c", "a"), ("GET", "h"), ("PFADD", "h", "a"),
        ("PFCOUNT", "h"), ("GET", "h"),  # the cache written into the header
        ("PFADD", "h", *_elements("e", 400)), ("GET", "h"), ("STRLEN", "h"),
        ("PFADD", "h", *_elements("f", 900)), ("STRLEN", "h"), ("GET", "h"),  # dense now
        ("PFCOUNT", "h"), ("PFADD", "h", *_elements("f", 50)), ("PFCOUNT", "h"),
        ("PFADD", "big", *_elements("x", 20000)), ("PFCOUNT", "big"), ("GET", "big"),
        ("PFADD", "s", "only"), ("PFCOUNT", "h", "s"), ("PFCOUNT", "s", "nope", "big"),
        ("PFCOUNT", "nope"), ("PFCOUNT", "nope", "nada"), ("GET", "s"),
        ("PFMERGE", "m", "s"), ("GET", "m"), ("PFMERGE", "m", "h"), ("GET", "m"),
        ("PFCOUNT", "m"), ("PFMERGE", "m2", "s", "h", "big"), ("GET", "m2"),
        ("PFMERGE", "empty"), ("GET", "empty"), ("PFMERGE", "empty", "nope"),
        ("PFMERGE", "s", "s"), ("GET", "s"),
        ("PFADD", "u", "日本", "\x00\xff"), ("GET", "u"), ("PFCOUNT", "u"),
        ("EXPIRE", "s", "100"), ("PFADD", "s", "z"), ("TTL", "s"),  # the TTL stays
        ("PFADD",), ("PFCOUNT",), ("PFMERGE",),
    ])


def test_pf_sparse_edits_match_byte_for_byte(servers: dict[str, Server]) -> None:
    """One element at a time: every split and merge of sparse opcodes shows in GET."""
    rng = random.Random(5)
    cmds: list[tuple[str, ...]] = []
    for n in range(120):
        cmds += [("PFADD", "h", f"{rng.random()}"), ("GET", "h")]
        if n % 17 == 0:
            cmds.append(("PFCOUNT", "h"))
    cmds += [("PFADD", "p", *_elements("q", 1200)), ("GET", "p")]  # around promotion
    assert_same(servers, cmds)


def test_pf_errors_on_other_values(servers: dict[str, Server]) -> None:
    hdr_sparse = b"HYLL\x01\x00\x00\x00" + bytes(8)
    valid_card = b"HYLL\x01\x00\x00\x00" + (5).to_bytes(8, "little")
    assert_same(servers, [
        ("RPUSH", "l", "x"), ("PFADD", "l", "a"), ("PFCOUNT", "l"), ("PFCOUNT", "nope", "l"),
        ("PFMERGE", "l"), ("PFMERGE", "d", "l"), ("EXISTS", "d"),
        ("SET", "short", "HYLL"), ("PFADD", "short", "a"), ("PFCOUNT", "short"),
        ("SETRANGE", "tiny", "0", "HYLL"), ("PFADD", "tiny", "a"), ("APPEND", "tiny", "\x01"),
        ("PFADD", "tiny", "a"), ("SETRANGE", "hdr", "0", hdr_sparse), ("PFADD", "hdr", "a"),
        ("GET", "hdr"),
        ("SET", "magic", b"HYLX" + bytes(14)), ("PFCOUNT", "magic"),
        ("SET", "enc", b"HYLL\x02" + bytes(13)), ("PFADD", "enc", "x"),
        ("SET", "dense", b"HYLL\x00" + bytes(200)), ("PFCOUNT", "dense"),
        ("SET", "num", "1234567890123456789"), ("PFCOUNT", "num"),
        # sparse opcodes that cover too few or too many registers
        ("SET", "few", hdr_sparse + b"\x7f\xfe"), ("PFCOUNT", "few"),
        ("PFCOUNT", "few", "nope"), ("PFMERGE", "d", "few"), ("PFADD", "few", "a", "b"),
        ("GET", "few"),
        ("SET", "many", hdr_sparse + b"\x7f\xff\x80"), ("PFCOUNT", "many"),
        ("PFMERGE", "d", "many"),
        ("SET", "cached", valid_card + b"\x7f\xfe"), ("PFCOUNT", "cached"),  # not checked
        ("PFADD", "ok", "a"), ("APPEND", "ok", "\x00"), ("PFCOUNT", "ok"),
        ("PFADD", "ok", "b"), ("GET", "ok"),
        # a dense HLL with registers above any hash's run length still counts
        ("PFADD", "d2", *_elements("r", 3000)), ("SETRANGE", "d2", "20", "\xff" * 30),
        ("PFCOUNT", "d2"), ("PFADD", "d2", "new"), ("PFCOUNT", "d2"), ("GET", "d2"),
        ("PFMERGE", "d3", "d2", "ok"), ("GET", "d3"),
        # one element into values edited in place (the one-element path checks them too)
        ("SET", "cut", "HYLL"), ("SETRANGE", "cut", "4", "\x01"), ("PFADD", "cut", "a"),
        ("SETRANGE", "cut", "5", "\x00" * 11), ("PFADD", "cut", "a"), ("GET", "cut"),
        ("PFADD", "few", "a"), ("PFADD", "sp", "a"), ("SETRANGE", "sp", "16", "\x7f\xfe"),
        ("PFADD", "sp", "zz"), ("PFADD", "sp2", "a"), ("SETRANGE", "sp2", "16", "\x7f"),
        ("PFADD", "sp2", "b"), ("GET", "sp2"), ("PFADD", "sp2", "b"), ("PFCOUNT", "sp2"),
    ])


@settings(max_examples=12, deadline=None, suppress_health_check=list(HealthCheck))
@given(batches=st.lists(st.lists(_BIN, min_size=1, max_size=40), min_size=1, max_size=4),
       extra=st.integers(0, 2500))
def test_pf_random_inputs(servers: dict[str, Server], batches: list[list[bytes]],
                          extra: int) -> None:
    cmds: list[tuple[object, ...]] = []
    for n, batch in enumerate(batches):
        cmds += [("PFADD", f"k{n % 2}", *batch), ("GET", f"k{n % 2}"),
                 ("PFCOUNT", f"k{n % 2}"), ("GET", f"k{n % 2}")]
    cmds += [("PFADD", "k1", *(f"n{i}" for i in range(extra))), ("GET", "k1"),
             ("PFCOUNT", "k0", "k1"), ("PFMERGE", "k2", "k0", "k1"), ("GET", "k2"),
             ("PFCOUNT", "k2")]
    assert_same(servers, cmds)


def test_pf_typed(r: redipy.Redis) -> None:
    assert r.pfadd("h", "a", "b", "c") == 1
    assert r.pfadd("h", "a") == 0
    assert r.pfcount("h") == 3
    r.pfadd("g", "c", "d")
    assert r.pfcount("h", "g") == 4
    assert r.pfmerge("m", "h", "g") is True
    assert r.pfcount("m") == 4


def test_pf_written_by_a_server_keeps_working_on_memory(servers: dict[str, Server]) -> None:
    """Migration copies an HLL's bytes; memory counts and grows it as the server does,
    and the result copied back is what the server makes of the same adds."""
    srv = servers["valkey9"]
    raw = redis_py.Redis(port=srv.port)
    raw.flushall()
    raw.pfadd("sparse", *_elements("a", 40))
    raw.pfadd("dense", *_elements("b", 5000))
    mem = redipy.Redis()
    assert not migrate(redipy.Redis(url=srv.url), mem).failed
    for key in ("sparse", "dense"):
        assert mem.pfcount(key) == raw.pfcount(key)
        mem.pfadd(key, *_elements("c", 700))
        raw.pfadd(key, *_elements("c", 700))
        assert mem.pfcount(key) == raw.pfcount(key)
    assert not migrate(mem, redipy.Redis(url=srv.url), on_conflict="replace").failed
    raw.pfadd("fresh", *_elements("a", 40))
    raw.pfadd("fresh", *_elements("c", 700))
    raw.pfcount("fresh")
    assert raw.get("sparse") == raw.get("fresh")
    raw.close()


def _reference_sparse_set(s: bytearray, index: int, count: int) -> int:
    """hllSparseSet as the server writes it: walk the opcodes from the start, split
    the one covering ``index``, merge equal VALs over five opcodes from the one
    before; no index. Promotion is left out (the caller stops before it)."""
    p, first, prev, span, size = 16, 0, -1, 0, len(s)
    while p < size:
        op = s[p]
        oplen = 2 if op & 0xC0 == 0x40 else 1
        if op & 0xC0 == 0:
            span = (op & 0x3F) + 1
        elif op & 0x80:
            span = (op & 3) + 1
        else:
            span = (((op & 0x3F) << 8) | s[p + 1]) + 1
        if index <= first + span - 1:
            break
        prev, p, first = p, p + oplen, first + span
    assert p < size
    op = s[p]

    def val(v: int, n: int) -> int:
        return 0x80 | (v - 1) << 2 | (n - 1)

    def zeros(n: int) -> list[int]:
        return [0x40 | (n - 1) >> 8, (n - 1) & 0xFF] if n > 64 else [n - 1]

    last = first + span - 1
    if op & 0x80:
        cur = ((op >> 2) & 0x1F) + 1
        if cur >= count:
            return 0
        seq = ([val(cur, index - first)] if index > first else []) + [val(count, 1)] + (
            [val(cur, last - index)] if index < last else [])
    else:
        seq = (zeros(index - first) if index > first else []) + [val(count, 1)] + (
            zeros(last - index) if index < last else [])
    s[p:p + oplen] = bytes(seq)
    p, scan = (prev if prev >= 0 else 16), 5
    while p < len(s) and scan:
        scan -= 1
        op = s[p]
        if not op & 0x80:
            p += 2 if op & 0x40 else 1
            continue
        if p + 1 < len(s) and s[p + 1] & 0x80:
            a, b = ((op >> 2) & 0x1F) + 1, ((s[p + 1] >> 2) & 0x1F) + 1
            n = (op & 3) + (s[p + 1] & 3) + 2
            if a == b and n <= 4:
                s[p + 1] = val(a, n)
                del s[p]
                continue
        p += 1
    s[15] |= 0x80
    return 1


def test_sparse_edits_follow_the_servers_walk() -> None:
    """The opcode index (redipy.memory.hll) gives the bytes of the server's own walk
    for thousands of random edits: runs of equal values (counts 1..3 are common, so
    VALs split and merge), splits of ZERO and XZERO runs, until promotion."""
    from redipy.memory import hll

    rng = random.Random(1)
    for trial in range(12):
        kept, ref = hll.new_sparse(), hll.new_sparse()
        span = rng.choice((64, 700, hll.REGISTERS))  # dense neighbourhoods too
        for _ in range(3000):
            index = rng.randrange(span)
            count = 33 if rng.random() < 0.001 else rng.choice((1, 1, 1, 2, 2, 3, 4, 6))
            before = bytes(kept)
            got = hll.sparse_set(kept, index, count)
            if kept[4] == hll.DENSE:
                break
            assert got == _reference_sparse_set(ref, index, count), (trial, before)
            assert kept == ref
            vals = [i for i in range(16, len(kept)) if kept[i] & 0x80 and kept[i - 1] < 0x40]
            if trial % 3 == 0 and vals and rng.random() < 0.05:
                at = rng.choice(vals)  # another command (SETRANGE) edits the bytes
                kept[at] = ref[at] = 0x80 | (kept[at] & 3) | rng.randrange(4) << 2


def test_sparse_index_follows_every_edit() -> None:
    """The cached opcode index (redipy.memory.hll) after thousands of random edits
    leads to the same bytes as an index built afresh before every edit."""
    from redipy.memory import hll

    rng = random.Random(1)
    for _ in range(4):
        kept, fresh_each = hll.new_sparse(), hll.new_sparse()
        for _ in range(2500):
            index = rng.randrange(hll.REGISTERS)
            count = 33 if rng.random() < 0.002 else rng.randint(1, 6)
            got = hll.sparse_set(kept, index, count)
            hll.forget(fresh_each)
            assert got == hll.sparse_set(fresh_each, index, count)
            assert kept == fresh_each
            if kept[4] == hll.DENSE:
                break


def test_one_element_adds_follow_the_servers_walk() -> None:
    """PFADD of one element at a time (the handler's fast path for the HLL it edited
    last) gives the bytes of the server's own walk, with other keys, PFCOUNT (a new
    header), SETRANGE (bytes changed in place), RENAME and COPY in between."""
    from redipy.memory import hll

    rng = random.Random(7)
    r = redipy.Redis()
    data = r._backend.db.data  # type: ignore[attr-defined]
    refs = {key: hll.new_sparse() for key in ("a", "b", "c")}
    for step in range(6000):
        key = rng.choice("aab") if step % 500 < 400 else "c"
        element = f"{rng.random()}"[: rng.randint(1, 12)] + str(step)
        index, count = hll.pat_len(element.encode("latin-1"))
        ref = refs[key]
        if len(ref) > hll.SPARSE_MAX_BYTES - 6 or count > 32:
            continue  # near the promotion, which the reference leaves out
        want = _reference_sparse_set(ref, index, count)
        got = r.pfadd(key, element)
        assert got == (want or step < 3), (step, key)
        assert bytes(data[key]) == ref, (step, key)
        roll = rng.random()
        if roll < 0.03:
            r.pfcount(key)
            ref[8:16] = data[key][8:16]
        elif roll < 0.04:
            vals = [i for i in range(16, len(ref)) if ref[i] & 0x80 and ref[i - 1] < 0x40]
            if vals:
                at = rng.choice(vals)
                byte = 0x80 | (ref[at] & 3) | rng.randrange(4) << 2
                r.setrange(key, at, bytes([byte]))  # type: ignore[arg-type]
                ref[at] = byte
        elif roll < 0.05:
            r.rename(key, "tmp")
            r.rename("tmp", key)
        elif roll < 0.06:
            r.copy(key, "copied", replace=True)
            assert r.pfadd("copied", "x" + element) in (0, 1)


_LONG_RUNS = ["z132923", "z193705", "z195097", "z215953"]
"""Elements whose hash has the 16 bits past the index all zero (a count of 17 or more:
hll.TZ16 cannot tell it, the long way does)."""


def test_counts_past_sixteen_bits(servers: dict[str, Server]) -> None:
    from redipy.memory import hll

    rng = random.Random(3)
    for element in _LONG_RUNS + [f"{rng.random()}"[:rng.randint(1, 20)] for _ in range(3000)]:
        h = hll.murmur64a(element.encode())
        rest = (h >> 14) | 1 << 50
        assert hll.pat_len(element.encode()) == (h & 16383, (rest & -rest).bit_length())
    assert hll.pat_len(b"z132923")[1] == 18
    assert_same(servers, [
        ("PFADD", "s", "a", "b"), *[("PFADD", "s", e) for e in _LONG_RUNS], ("GET", "s"),
        ("PFADD", "d", *_elements("x", 3000)), *[("PFADD", "d", e) for e in _LONG_RUNS],
        ("GET", "d"), ("PFCOUNT", "d"),
    ])
