"""``ServerRecords.read_records`` / ``write_records``: many keys a round trip, big keys in
parts that stay consistent, writes that leave existing keys alone unless told, TTLs and
hash-field TTLs, on every server (Valkey 8.1, Valkey 9.1, Redis 7.0)."""

from __future__ import annotations

import time

import pytest
import redis as redis_py

import redipy
from redipy.records import Record
from redipy.redis.records import ServerRecords
from tests.conftest import make_client
from tests.servers import Server, server_kinds
from tests.test_records import FIELD_TTLS, HOUR, comparable, fill


def server_records(r: redipy.Redis) -> ServerRecords:
    recs = r.records
    assert isinstance(recs, ServerRecords)
    return recs


def joined(parts: list[Record]) -> dict[str, Record]:
    """Whole records from parts in order (a part 0 starts its key over)."""
    out: dict[str, Record] = {}
    for rec in parts:
        if rec.part == 0 or rec.key not in out:
            out[rec.key] = Record(rec.key, rec.type, rec.value, rec.expire_at,
                                  ttls=rec.ttls)
            continue
        whole = out[rec.key]
        if rec.type == "stream":
            whole.value = {"entries": whole.value["entries"] + rec.value["entries"],
                           **({"meta": rec.value["meta"]} if "meta" in rec.value else {})}
        else:
            whole.value = whole.value + rec.value
        if rec.ttls:
            whole.ttls = {**(whole.ttls or {}), **rec.ttls}
    return out


@pytest.mark.parametrize("kind", server_kinds())
def test_batched_records_round_trip(kind: str, servers: dict[str, Server]) -> None:
    src = make_client(kind, servers)
    dst = redipy.Redis(url=servers[kind].url, prefix="copy:")
    fill(src, field_ttls=kind in FIELD_TTLS)
    keys = sorted(src.records.iter_keys())
    parts = list(server_records(src).read_records([*keys, "missing"], chunk=1000, batch=3))
    assert [(r.part, r.more) for r in parts if r.key == "l"] == [
        (0, True), (1, True), (2, False)]  # 2503 items, 1000 a part
    got = joined(parts)
    assert sorted(got) == keys
    for key in keys:
        assert comparable(got[key]) == comparable(src.records.read_record(key)), key
    dst_recs = server_records(dst)
    assert dst_recs.write_records(parts, batch=4) == ([], [])
    for key in keys:
        assert comparable(dst.records.read_record(key)) == comparable(got[key]), key
    # written again: every key is there already, a conflict, and left as it is
    dst.rpush("l", "extra")
    problems, conflicts = dst_recs.write_records(parts)
    assert problems == [] and sorted(conflicts) == keys
    assert dst.llen("l") == 2504
    assert not [k for k in dst.keys() if "\x00" in k]  # no scratch copy left behind
    # replaced: the copy is the source's again
    assert dst_recs.write_records(parts, replace=True) == ([], [])
    assert dst.llen("l") == 2503
    for key in keys:
        assert comparable(dst.records.read_record(key)) == comparable(got[key]), key
    src.close()
    dst.close()


@pytest.mark.parametrize("kind", server_kinds())
def test_a_big_key_changed_between_parts_is_read_again(kind: str,
                                                      servers: dict[str, Server]) -> None:
    """The parts of one key come from one state of it: WATCH over the whole read sees
    the key change, and the read starts over from part 0 (a writer starts over too)."""
    r = make_client(kind, servers)
    other = redis_py.Redis(port=servers[kind].port, decode_responses=True)
    r.rpush("l", *(f"i{n}" for n in range(50)))
    r.pexpire("l", HOUR)
    seen: list[Record] = []
    for rec in server_records(r).read_records(["l"], chunk=10):
        seen.append(rec)
        if len(seen) == 1:
            other.rpush("l", "late")  # between the first part and the rest
    assert [p.part for p in seen].count(0) == 2
    assert joined(seen)["l"].value == [*(f"i{n}" for n in range(50)), "late"]
    dst = redipy.Redis(url=servers[kind].url, prefix="copy:")
    assert server_records(dst).write_records(seen) == ([], [])
    assert dst.lrange("l", 0, -1) == [*(f"i{n}" for n in range(50)), "late"]
    assert 0 < dst.pttl("l") <= HOUR
    other.close()
    r.close()
    dst.close()


@pytest.mark.parametrize("kind", server_kinds())
def test_batched_writes_keep_deadlines_or_refuse(kind: str, servers: dict[str, Server]) -> None:
    r = make_client(kind, servers)
    now = int(time.time() * 1000)
    recs = [Record("s", "string", "v", now + HOUR),
            Record("z", "zset", ["a", "1.5", "b", "-inf"], now + HOUR),
            Record("h", "hash", ["f", "1", "g", "2"], now + 2 * HOUR,
                   ttls={"f": now + HOUR}),
            Record("gone", "string", "x", now - 1000)]
    problems, conflicts = server_records(r).write_records(recs)
    assert conflicts == [] and r.exists("gone") == 0
    assert r.pexpiretime("s") == r.pexpiretime("z") == now + HOUR
    assert r.zrange("z", 0, -1, withscores=True) == [("b", float("-inf")), ("a", 1.5)]
    if kind in FIELD_TTLS:
        assert problems == []
        assert r.hpexpiretime("h", "f", "g") == [now + HOUR, -1]
        assert r.pexpiretime("h") == now + 2 * HOUR
    else:  # no HPEXPIREAT: the hash is refused whole, nothing written for it
        assert len(problems) == 1 and problems[0].startswith("h: a hash with field TTLs")
        assert r.exists("h") == 0
    r.close()
