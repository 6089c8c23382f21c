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
