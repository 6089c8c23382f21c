"""Hash-field TTLs through migrate, dump, load and compare (Valkey 9.1 and memory have
them; Valkey 8.1 and Redis 7.0 do not, and are refused such hashes key by key)."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import redis as redis_py
from redipy.migrate import compare, dump, load, migrate
from redipy.migrate.snapshot import SnapshotReader

import redipy
from tests.conftest import make_client
from tests.servers import Server, start_server
from tests.test_migrate_trust import rewrite

HOUR = 3_600_000
CHUNK = 50  # small, so "big" below is read and written in parts


def deadlines(r: redipy.Redis, key: str, fields: list[str]) -> list[int]:
    return r.hpexpiretime(key, *fields)


def build(r: redipy.Redis) -> dict[str, dict[str, int]]:
    """Hashes with field TTLs (one field of several, every field, fields only in a
    later part of a big hash), a plain hash and a key TTL; the deadlines set."""
    now = int(time.time() * 1000)
    r.hset("h:some", mapping={"a": "1", "b": "2", "c": "3"})
    r.hpexpireat("h:some", now + HOUR + 7, "a")
    r.hset("h:all", mapping={"x": "1", "y": "2"})
    r.hpexpireat("h:all", now + 2 * HOUR + 11, "x", "y")
    r.pexpireat("h:all", now + 3 * HOUR)
    r.hset("big", mapping={f"f{i}": f"v{i}" for i in range(5 * CHUNK)})
    late = [f"f{i}" for i in range(4 * CHUNK, 5 * CHUNK, 7)]
    r.hpexpireat("big", now + HOUR + 123, *late)
    r.hset("plain", mapping={"p": "q"})
    r.set("s", "v", px=HOUR)
    return {"h:some": {"a": now + HOUR + 7},
            "h:all": {"x": now + 2 * HOUR + 11, "y": now + 2 * HOUR + 11},
            "big": {f: now + HOUR + 123 for f in late}}


def assert_kept(r: redipy.Redis, want: dict[str, dict[str, int]]) -> None:
    """Every field deadline exactly as set (0 ms drift), fields without one still without."""
    for key, ttls in want.items():
        fields = list(ttls)
        assert deadlines(r, key, fields) == [ttls[f] for f in fields], key
    assert deadlines(r, "h:some", ["b", "c"]) == [-1, -1]
    assert deadlines(r, "big", ["f0", "f1"]) == [-1, -1]
    assert r.hlen("big") == 5 * CHUNK


@pytest.fixture(scope="module")
def second9() -> Iterator[Server]:
    srv = start_server("valkey9")
    try:
        yield srv
    finally:
        srv.stop()


def fresh(srv: Server) -> redipy.Redis:
    raw = redis_py.Redis(port=srv.port)
    raw.flushall()
    raw.close()
    return redipy.Redis(url=srv.url)


def test_round_trip_memory_valkey9_file_memory(servers: dict[str, Server],
                                               second9: Server, tmp_path: Path) -> None:
    mem = redipy.Redis()
    want = build(mem)
    v9 = make_client("valkey9", servers)
    rep = migrate(mem, v9, chunk=CHUNK, verify=True)
    assert rep.ok, rep.summary()
    assert_kept(v9, want)
    # server to server: the servers' own MIGRATE, then typed records (native=False)
    for native in (True, False):
        other = fresh(second9)
        rep = migrate(v9, other, chunk=CHUNK, native=native, verify=True)
        assert rep.ok, rep.summary()
        assert rep.method == ("MIGRATE" if native else "records")
        assert_kept(other, want)
    snap = tmp_path / "s.jsonl"
    assert dump(v9, str(snap), chunk=CHUNK).ok
    lines = [json.loads(x) for x in snap.read_text().splitlines()]
    assert lines[0]["version"] == 3
    some = next(x for x in lines if x.get("key") == "h:some")
    assert some["fieldexpireat"] == want["h:some"]
    assert not any("fieldexpireat" in x for x in lines if x.get("key") == "plain")
    assert compare(v9, str(snap)).ok
    back = redipy.Redis()
    assert load(str(snap), back, chunk=CHUNK).ok
    assert_kept(back, want)
    rep2 = compare(mem, back)
    assert rep2.ok, rep2.problems
    # and a file straight into the server
    v9b = fresh(second9)
    assert load(str(snap), v9b, chunk=CHUNK, verify=True).ok
    assert_kept(v9b, want)


def test_valkey9_to_memory_keeps_field_ttls(servers: dict[str, Server]) -> None:
    v9 = make_client("valkey9", servers)
    want = build(v9)
    mem = redipy.Redis()
    rep = migrate(v9, mem, chunk=CHUNK, verify=True)
    assert rep.ok, rep.summary()
    assert_kept(mem, want)


@pytest.mark.parametrize("kind", ["valkey", "redis"])
@pytest.mark.parametrize("on_conflict", ["fail", "replace"])
def test_refused_by_a_server_without_field_ttls(kind: str, on_conflict: str,
                                                servers: dict[str, Server]) -> None:
    mem = redipy.Redis()
    build(mem)
    dst = make_client(kind, servers)
    if on_conflict == "replace":  # the target's own "big" stays as it was
        dst.rpush("big", "theirs")
    rep = migrate(mem, dst, chunk=CHUNK, on_conflict=on_conflict)
    assert not rep.ok
    text = rep.summary()
    assert "FAILED" in text and "field TTLs" in text and "does not support" in text
    refused = [p for p in rep.problems if "field TTLs" in p]
    assert sorted(p.split(": a hash")[0] for p in refused) == ["'big'", "'h:all'", "'h:some'"]
    assert dst.exists("h:some", "h:all") == 0
    if on_conflict == "replace":
        assert dst.lrange("big", 0, -1) == ["theirs"]
    else:
        assert dst.exists("big") == 0
    raw = redis_py.Redis(port=servers[kind].port)
    assert not [k for k in raw.scan_iter() if b"redipy-migrate" in k]  # no scratch left
    raw.close()
    assert dst.hgetall("plain") == {"p": "q"} and dst.get("s") == "v"
    assert rep.keys == 2  # the refused hashes are not counted as copied
    # without TTLs the same hashes are welcome
    rep = migrate(mem, dst, chunk=CHUNK, on_conflict="replace", ttl="drop")
    assert rep.ok, rep.summary()
    assert dst.hlen("big") == 5 * CHUNK


def test_file_into_a_server_without_field_ttls_is_refused(servers: dict[str, Server],
                                                           tmp_path: Path) -> None:
    mem = redipy.Redis()
    build(mem)
    snap = tmp_path / "s.jsonl"
    assert dump(mem, str(snap), chunk=CHUNK).ok
    dst = make_client("valkey", servers)
    rep = load(str(snap), dst, chunk=CHUNK)
    assert not rep.ok and "'h:some': a hash with field TTLs" in rep.summary()
    assert dst.exists("h:some", "h:all", "big") == 0


def test_compare_reports_field_ttl_differences(servers: dict[str, Server]) -> None:
    mem = redipy.Redis()
    build(mem)
    v9 = make_client("valkey9", servers)
    assert migrate(mem, v9, chunk=CHUNK).ok
    assert compare(mem, v9, chunk=CHUNK).ok
    v9.hpersist("h:some", "a")
    v9.hpexpire("big", HOUR * 5, "f3")
    rep = compare(mem, v9, chunk=CHUNK)
    assert not rep.ok and rep.field_ttl_mismatch == 2, rep.problems
    assert any("field TTL differs: 'h:some' field 'a'" in p for p in rep.samples)
    assert "field TTL differs 2" in rep.summary()
    # TTLs dropped on purpose are not compared
    assert compare(mem, v9, chunk=CHUNK, check_ttl=False).ok
    # a copy to a server without field TTLs, forced with --ttl drop, is not "ok" to compare
    v8 = make_client("valkey", servers)
    assert migrate(mem, v8, chunk=CHUNK, ttl="drop").ok
    assert compare(mem, v8, chunk=CHUNK).field_ttl_mismatch == 3


def snapshot_with(tmp_path: Path, edit: Any) -> Path:
    mem = redipy.Redis()
    mem.hset("h", mapping={"a": "1", "b": "2"})
    mem.hpexpire("h", HOUR, "a")
    for i in range(20):
        mem.set(f"k{i}", "v")
    path = tmp_path / "s.jsonl"
    assert dump(mem, str(path)).ok
    lines = path.read_text().splitlines()
    rewrite(path, edit(lines[1:-1]))
    return path


def on_key(key: str, change: Any) -> Any:
    def edit(recs: list[str]) -> list[str]:
        out = []
        for line in recs:
            obj = json.loads(line)
            if obj["key"] == key:
                change(obj)
            out.append(json.dumps(obj))
        return out
    return edit


def _set(field: str, value: Any) -> Any:
    def change(obj: dict[str, Any]) -> None:
        obj[field] = value
    return change


BAD: list[tuple[str, Any, str]] = [
    ("deadline not an int", on_key("h", _set("fieldexpireat", {"a": "soon"})),
     "bad 'fieldexpireat' deadline for field 'a' (key 'h')"),
    ("negative deadline", on_key("h", _set("fieldexpireat", {"a": -5})),
     "bad 'fieldexpireat' deadline for field 'a'"),
    ("field not in the hash", on_key("h", _set("fieldexpireat", {"zz": 1})),
     "'fieldexpireat' names field 'zz', which the record does not hold (key 'h')"),
    ("not an object", on_key("h", _set("fieldexpireat", [["a", 1]])),
     "'fieldexpireat' must be a non-empty object of field deadlines"),
    ("empty object", on_key("h", _set("fieldexpireat", {})),
     "'fieldexpireat' must be a non-empty object of field deadlines"),
    ("on a string", on_key("k3", _set("fieldexpireat", {"a": 1})),
     "only a hash record can have 'fieldexpireat' (key 'k3')"),
]


@pytest.mark.parametrize("name,edit,message", BAD, ids=[c[0] for c in BAD])
def test_corrupt_field_ttl_record_is_refused_before_any_write(
        tmp_path: Path, servers: dict[str, Server], name: str, edit: Any,
        message: str) -> None:
    path = snapshot_with(tmp_path, edit)
    for target in (redipy.Redis(), make_client("valkey9", servers)):
        rep = load(str(path), target)
        assert not rep.ok and message in rep.summary(), (name, rep.summary())
        assert ".jsonl:" in rep.summary()
        assert target.dbsize() == 0
    assert not compare(redipy.Redis(), str(path)).ok


def test_field_ttls_in_a_version_2_file_are_refused(tmp_path: Path) -> None:
    path = snapshot_with(tmp_path, lambda recs: recs)
    lines = path.read_text().splitlines()
    head = json.loads(lines[0])
    head["version"] = 2
    path.write_text("\n".join([json.dumps(head), *lines[1:]]) + "\n")
    with pytest.raises(Exception, match="unknown field 'fieldexpireat'"):
        SnapshotReader(str(path)).validate()


def test_fields_expired_by_the_time_of_the_load(tmp_path: Path,
                                                servers: dict[str, Server]) -> None:
    """A field whose deadline has passed is not written, as an expired key is not; a
    hash left without fields counts as expired during the run."""
    now = int(time.time() * 1000)

    def edit(recs: list[str]) -> list[str]:
        out = on_key("h", _set("fieldexpireat", {"a": now - 1000, "b": now + HOUR}))(recs)
        out.append(json.dumps({"key": "gone", "type": "hash", "value": {"x": "1"},
                               "pexpireat": None, "fieldexpireat": {"x": now - 5}}))
        return out

    path = snapshot_with(tmp_path, edit)
    for target in (redipy.Redis(), make_client("valkey9", servers)):
        rep = load(str(path), target, verify=True)
        assert rep.ok, rep.summary()
        assert rep.expired == 1 and rep.keys == 21
        assert target.hgetall("h") == {"b": "2"}
        assert target.hpexpiretime("h", "b") == [now + HOUR]
        assert target.exists("gone") == 0


@pytest.mark.parametrize("kind", ["valkey", "valkey9", "redis"])
def test_page_script_loads_and_reads_field_ttls(kind: str, servers: dict[str, Server]) -> None:
    """The page script must load on every server (a script that does not compile falls
    back to per-key reads: correct, but several times slower), and it reads field TTLs
    itself where the server has them."""
    from redipy.migrate.endpoints import ServerEndpoint

    client = make_client(kind, servers)
    client.hset("h", mapping={"a": "1", "b": "2"})
    ep = ServerEndpoint(client)
    try:
        assert ep.batch_reader(CHUNK).sha is not None
        if kind == "valkey9":
            client.hpexpire("h", HOUR, "a")
        recs = list(ep.read_keys(["h"], CHUNK))
        assert [r.value for r in recs] == [["a", "1", "b", "2"]]
        assert (recs[0].ttls is not None) is (kind == "valkey9")
    finally:
        ep.close()
