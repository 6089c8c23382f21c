"""``r.records``: iterate keys, read a key as a record, write one back, load a script, on
memory, on every server (Valkey 8.1, Valkey 9.1, Redis 7.0) and on a cluster of each;
and the debugger's scratch copy, which is made of records, keeps hash-field TTLs."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

import redipy
from redipy.debug import Debugger
from redipy.errors import ResponseError
from redipy.records import Record
from tests.cluster import Cluster, start_cluster
from tests.conftest import BACKENDS, make_client
from tests.servers import Server, server_kinds
from tests.test_debugger import WRITER_KEYS, _writer

HOUR = 3_600_000
FIELD_TTLS = ("memory", "valkey9")  # the backends here with HPEXPIRE (Valkey 9.1)


def fill(r: redipy.Redis, *, field_ttls: bool, tag: str = "") -> int:
    """One key of every type (an HLL as a string, a stream with a group, a consumer,
    pending entries and a deleted pending entry), TTLs on some; returns now in ms."""
    now = int(time.time() * 1000)
    r.set(f"{tag}s", "v\udcff\udcfe", px=HOUR)  # bytes that are not UTF-8
    r.rpush(f"{tag}l", "a", "b", "a", *(f"i{n}" for n in range(2500)))
    r.sadd(f"{tag}set", "x", "y", "é")
    r.hset(f"{tag}h", mapping={"f": "1", "g": "2", "h": "3"})
    r.pexpireat(f"{tag}h", now + 2 * HOUR)
    if field_ttls:
        r.hpexpireat(f"{tag}h", now + HOUR + 7, "f")
        r.hpexpireat(f"{tag}h", now + HOUR + 9, "h")
    r.zadd(f"{tag}z", {"a": 1.5, "b": float("inf"), "c": -0.1, "d": 1e300})
    r.pfadd(f"{tag}hll", "a", "b", "c")
    st = f"{tag}st"
    r.execute_command("XADD", st, "1-1", "a", "1")
    r.execute_command("XADD", st, "2-1", "b", "2")
    r.execute_command("XADD", st, "3-1", "c", "3")
    r.execute_command("XGROUP", "CREATE", st, "g", "0")
    r.execute_command("XGROUP", "CREATECONSUMER", st, "g", "idle")
    r.execute_command("XREADGROUP", "GROUP", "g", "c", "COUNT", "2", "STREAMS", st, ">")
    r.execute_command("XDEL", st, "1-1")
    return now


def comparable(rec: Record | None) -> Record | None:
    """A record with what a copy cannot keep blanked: consumers' seen/active times (a
    server sets them to the write's time), the order of a set's members."""
    if rec is None:
        return None
    value = rec.value
    if rec.type == "set":
        value = sorted(value)
    elif rec.type == "zset":  # the same double, worded by each server its own way
        value = [float(x) if i % 2 else x for i, x in enumerate(value)]
    elif rec.type == "stream":
        groups = [{**g, "consumers": sorted([c[0], 0, 0] for c in g["consumers"])}
                  for g in value["meta"]["groups"]]
        value = {**value, "meta": {**value["meta"], "groups": groups}}
    return Record(rec.key, rec.type, value, rec.expire_at, rec.part, rec.more, rec.ttls)


def check_records(src: redipy.Redis, dst: redipy.Redis, *, field_ttls: bool) -> None:
    now = fill(src, field_ttls=field_ttls)
    keys = sorted(src.records.iter_keys())
    assert keys == ["h", "hll", "l", "s", "set", "st", "z"]
    assert sorted(src.records.iter_keys(match="s*")) == ["s", "set", "st"]
    assert sorted(src.records.iter_keys(count=2, type="string")) == ["hll", "s"]
    got = {k: src.records.read_record(k) for k in keys}
    assert src.records.read_record("missing") is None
    h = got["h"]
    assert h is not None and h.type == "hash" and h.pairs() == [("f", "1"), ("g", "2"),
                                                                ("h", "3")]
    assert h.expire_at == now + 2 * HOUR
    assert h.ttls == ({"f": now + HOUR + 7, "h": now + HOUR + 9} if field_ttls else None)
    s = got["s"]
    assert s is not None and s.value == "v\udcff\udcfe" and s.expire_at is not None
    assert abs(s.expire_at - (now + HOUR)) < 1000
    assert got["hll"] is not None and got["hll"].value.startswith("HYLL")
    z = got["z"]
    assert z is not None  # scores as the server words them (Redis 7.0: 17 digits)
    assert [(m, float(x)) for m, x in z.pairs()] == [("c", -0.1), ("a", 1.5), ("d", 1e300),
                                                     ("b", float("inf"))]
    lst = got["l"]
    assert lst is not None and lst.value[:3] == ["a", "b", "a"] and lst.size() == 2503
    st = got["st"]
    assert st is not None
    meta = st.value["meta"]
    assert st.value["entries"] == [["1-1", None], ["2-1", ["b", "2"]], ["3-1", ["c", "3"]]]
    assert meta["ghosts"] == ["1-1"] and meta["max_deleted_id"] == "1-1"
    assert sorted(c[0] for c in meta["groups"][0]["consumers"]) == ["c", "idle"]
    assert [[*p[:2], p[3]] for p in meta["groups"][0]["pending"]] == [
        ["1-1", "c", 1], ["2-1", "c", 1]]
    for rec in got.values():
        assert rec is not None
        assert dst.records.write_record(rec)
        assert not dst.records.write_record(rec)  # a conflict: nothing written
        assert dst.records.write_record(rec, replace=True)
    for key, rec in got.items():
        assert comparable(dst.records.read_record(key)) == comparable(rec), key
    # what the typed API sees of the copies, as it sees the originals
    assert dst.hgetall("h") == src.hgetall("h")
    assert dst.xpending("st", "g") == src.xpending("st", "g")
    assert dst.pfcount("hll") == src.pfcount("hll") == 3
    assert dst.get("s") == "v\udcff\udcfe"
    assert src.records.load_script("return 1") == dst.records.load_script("return 1") == (
        "e0e1f9fabfc9d4800c877a703b823ac0578ff8db")
    assert dst.execute_command("EVALSHA", "e0e1f9fabfc9d4800c877a703b823ac0578ff8db", "0") == 1


@pytest.mark.parametrize("src", BACKENDS)
def test_every_type_round_trips(src: str, servers: dict[str, Server]) -> None:
    """Read on each backend, written to memory and to the same backend under a prefix."""
    a = make_client(src, servers)
    targets = [redipy.Redis()]
    if src != "memory":
        targets.append(redipy.Redis(url=servers[src].url, prefix="copy:"))
    for dst in targets:
        a.flushall()
        check_records(a, dst, field_ttls=src in FIELD_TTLS)
        dst.close()
    a.close()


@pytest.mark.parametrize("dst", server_kinds())
def test_memory_records_land_on_every_server(dst: str, servers: dict[str, Server]) -> None:
    check_records(redipy.Redis(), make_client(dst, servers), field_ttls=dst in FIELD_TTLS)


def test_field_ttls_refused_by_a_server_without_them(servers: dict[str, Server]) -> None:
    r = make_client("valkey", servers)
    rec = Record("h", "hash", ["f", "1"], None, ttls={"f": int(time.time() * 1000) + HOUR})
    with pytest.raises(ResponseError, match="HPEXPIREAT"):
        r.records.write_record(rec)
    assert r.exists("h") == 0


def test_whole_records_only_and_past_deadlines() -> None:
    r = redipy.Redis()
    with pytest.raises(ValueError, match="whole key"):
        r.records.write_record(Record("l", "list", ["a"], None, 0, True))
    assert r.records.write_record(Record("gone", "string", "x", 1))
    assert r.exists("gone") == 0


@pytest.fixture(scope="module", params=server_kinds())
def cluster(request: pytest.FixtureRequest) -> Iterator[tuple[str, Cluster]]:
    started = start_cluster(kind=request.param)
    try:
        yield str(request.param), started
    finally:
        started.stop()


def test_cluster_records(cluster: tuple[str, Cluster]) -> None:
    """Keys spread over three primaries: walked, read and written by their slots."""
    kind, nodes = cluster
    nodes.flushall()
    rc = redipy.Redis(url=nodes.url)
    try:
        check_records(rc, redipy.Redis(), field_ttls=kind == "valkey9")
        mem = redipy.Redis()
        fill(mem, field_ttls=False, tag="m")
        for key in mem.records.iter_keys():
            rec = mem.records.read_record(key)
            assert rec is not None and rc.records.write_record(rec)
        assert sorted(k for k in rc.records.iter_keys(match="m*")) == sorted(
            mem.records.iter_keys())
        for key in mem.records.iter_keys():
            assert comparable(rc.records.read_record(key)) == comparable(
                mem.records.read_record(key)), key
    finally:
        rc.close()


@pytest.mark.parametrize("kind", FIELD_TTLS)
def test_debugger_scratch_copy_keeps_field_ttls(kind: str, servers: dict[str, Server]) -> None:
    r = make_client(kind, servers)
    now = int(time.time() * 1000)
    r.hset("h", mapping={"f": "1", "g": "2", "k": "3"})
    r.hpexpireat("h", now + HOUR, "f")
    r.hpexpireat("h", now + 2 * HOUR, "k")
    r.set("c", "1")
    dbg = Debugger(r, _writer(), keys=WRITER_KEYS, timeout=10)
    try:
        want = [now + HOUR, -1, now + 2 * HOUR]
        assert dbg.redis("HPEXPIRETIME", "h", "FIELDS", "3", "f", "g", "k") == want
        assert dbg.redis("HGET", "h", "f") == "1"
    finally:
        dbg.abort()
    assert r.hpexpiretime("h", "f", "g", "k") == want
    r.close()
