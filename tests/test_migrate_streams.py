"""Streams through dump, load, migrate and compare: entries, counters, groups, PELs.

Each case builds the same stream state on a source (memory or a real server), copies
it (to a server, through a snapshot file into memory, between servers), and asks the
target for ``XINFO STREAM ... FULL``: it must equal the source's except what no server
can be told (consumers' seen/active times, the listpack layout; see
redipy.migrate.streams), and ``compare`` must find it identical. A stream changed
after the copy must be found different.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from redipy.migrate import SnapshotError, compare, dump, load, migrate
from redipy.migrate.snapshot import SnapshotReader

import redipy
from tests.conftest import SERVER_KINDS, make_client
from tests.servers import Server

KEYS = ("s", "empty", "gone", "big", "plain")
CHUNK = 40


def build(r: redipy.Redis) -> None:
    """Pending entries of deleted and of trimmed entries, an empty stream with a group,
    one whose only entry was deleted, a big one (several parts) with a TTL."""
    x = r.execute_command
    x("XADD", "s", "1-1", "a", "1")
    for i in range(2, 30):
        x("XADD", "s", f"{i}-0", "f", str(i), "uni", "h\u00e9 \u2603")
    x("XGROUP", "CREATE", "s", "g1", "0", "ENTRIESREAD", "0")
    x("XGROUP", "CREATE", "s", "g2", "$")
    x("XREADGROUP", "GROUP", "g1", "alice", "COUNT", "5", "STREAMS", "s", ">")
    x("XREADGROUP", "GROUP", "g1", "bob", "COUNT", "3", "STREAMS", "s", ">")
    x("XCLAIM", "s", "g1", "bob", "0", "4-0", "RETRYCOUNT", "7")
    x("XGROUP", "CREATECONSUMER", "s", "g1", "carol")
    x("XDEL", "s", "3-0")
    x("XACK", "s", "g1", "2-0")
    x("XTRIM", "s", "MINID", "2-0")  # 1-1 goes while still pending
    x("XGROUP", "CREATE", "empty", "g", "$", "MKSTREAM")
    x("XADD", "gone", "5-5", "a", "b")
    x("XDEL", "gone", "5-5")
    for i in range(301):
        x("XADD", "big", f"{1000 + i}-{i % 3}", "k", str(i))
    x("XGROUP", "CREATE", "big", "g", "0")
    x("XREADGROUP", "GROUP", "g", "c", "COUNT", "250", "STREAMS", "big", ">")
    x("XTRIM", "big", "MAXLEN", "100")
    x("PEXPIRE", "big", "3600000")
    x("XADD", "plain", "*", "only", "entries")


_UNCARRIED = re.compile(r"'(seen-time|active-time|radix-tree-keys|radix-tree-nodes)', -?\d+, ")


def state(r: redipy.Redis, key: str) -> str:
    """XINFO STREAM FULL without what a copy cannot carry."""
    return _UNCARRIED.sub("", repr(r.execute_command("XINFO", "STREAM", key, "FULL")) + ", ")


def assert_copied(a: redipy.Redis, b: redipy.Redis) -> None:
    for key in KEYS:
        assert state(b, key) == state(a, key), key
    assert abs(b.pttl("big") - a.pttl("big")) < 2000
    rep = compare(a, b, chunk=CHUNK)
    assert rep.ok, rep.summary()
    assert rep.keys == len(KEYS)


@pytest.fixture(params=SERVER_KINDS)
def kind(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def test_memory_to_server_and_back(kind: str, servers: dict[str, Server],
                                   tmp_path: Path) -> None:
    mem = redipy.Redis()
    build(mem)
    srv = make_client(kind, servers)
    rep = migrate(mem, srv, chunk=CHUNK)
    assert rep.ok, rep.summary()
    assert rep.types.get("stream") == len(KEYS)
    assert_copied(mem, srv)
    snap = tmp_path / "s.jsonl"
    assert dump(srv, str(snap), chunk=CHUNK).ok
    back = redipy.Redis()
    assert load(str(snap), back, chunk=CHUNK).ok
    assert_copied(srv, back)
    assert compare(str(snap), srv, chunk=CHUNK).ok


def test_server_to_memory_through_a_file(kind: str, servers: dict[str, Server],
                                         tmp_path: Path) -> None:
    srv = make_client(kind, servers)
    build(srv)
    snap = tmp_path / "s.jsonl"
    assert dump(srv, str(snap), chunk=CHUNK).ok
    header = json.loads(snap.read_text().splitlines()[0])
    assert header["version"] == 3
    mem = redipy.Redis()
    assert load(str(snap), mem, chunk=CHUNK).ok
    assert_copied(srv, mem)


@pytest.mark.parametrize(("src", "dst"), [("valkey9", "redis"), ("redis", "valkey")])
def test_between_servers_by_records(src: str, dst: str, servers: dict[str, Server]) -> None:
    """Valkey 9 to Redis 7 cannot use MIGRATE (payloads); records carry the streams."""
    a = make_client(src, servers)
    build(a)
    b = make_client(dst, servers)
    rep = migrate(a, b, chunk=CHUNK, native=False)
    assert rep.ok, rep.summary()
    # Redis 7.0 has no active-time: state() leaves it out on both sides
    assert_copied(a, b)


def test_compare_finds_changed_groups(servers: dict[str, Server]) -> None:
    mem = redipy.Redis()
    build(mem)
    srv = make_client("valkey", servers)
    assert migrate(mem, srv, chunk=CHUNK).ok
    srv.execute_command("XACK", "s", "g1", "5-0")            # a PEL entry less
    srv.execute_command("XGROUP", "SETID", "big", "g", "0")  # last-delivered moved
    srv.execute_command("XADD", "plain", "*", "one", "more")
    rep = compare(mem, srv, chunk=CHUNK)
    assert rep.value_mismatch == 3, rep.summary()
    rep = compare(srv, mem, chunk=CHUNK)
    assert rep.value_mismatch == 3, rep.summary()


def _snapshot(tmp_path: Path) -> Path:
    mem = redipy.Redis()
    build(mem)
    snap = tmp_path / "s.jsonl"
    assert dump(mem, str(snap), chunk=CHUNK).ok
    return snap


def _rewrite(snap: Path, edit: Any) -> Path:
    """The snapshot with one record changed and its checksum and counts recomputed."""
    import hashlib

    lines = snap.read_text().splitlines()
    head, body = lines[0], [json.loads(line) for line in lines[1:-1]]
    edit(body)
    text = [json.dumps(o, separators=(",", ":")) for o in body]
    digest = hashlib.sha256("".join(t + "\n" for t in text).encode()).hexdigest()
    trailer = json.loads(lines[-1])
    trailer["sha256"] = digest
    out = snap.with_name("edited.jsonl")
    out.write_text("\n".join([head, *text, json.dumps(trailer)]) + "\n")
    return out


def _first(body: list[Any], key: str) -> Any:
    return next(o for o in body if o["key"] == key)


@pytest.mark.parametrize(("edit", "why"), [
    (lambda b: _first(b, "s")["value"]["entries"].reverse(), "out of order"),
    (lambda b: _first(b, "s")["value"]["entries"][0].__setitem__(0, "1-x"),
     "must be [id"),
    (lambda b: _first(b, "s")["value"].pop("meta"), "'meta' belongs on the last part"),
    (lambda b: _first(b, "s")["value"]["meta"]["groups"][0].__setitem__("pending", [[1]]),
     "pending must be"),
    (lambda b: _first(b, "plain").__setitem__("value", ["a", "b"]), "stream value must be"),
])
def test_bad_stream_records_are_refused(tmp_path: Path, edit: Any, why: str) -> None:
    bad = _rewrite(_snapshot(tmp_path), edit)
    with pytest.raises(SnapshotError, match=re.escape(why)):
        SnapshotReader(str(bad)).validate()
    mem = redipy.Redis()
    rep = load(str(bad), mem)
    assert not rep.ok and mem.dbsize() == 0


def test_version_one_files_still_load_and_newer_are_refused(tmp_path: Path) -> None:
    mem = redipy.Redis()
    mem.set("a", "1")
    snap = tmp_path / "v.jsonl"
    assert dump(mem, str(snap)).ok
    lines = snap.read_text().splitlines()
    for version, loads in ((1, True), (2, True), (4, False)):
        head = json.loads(lines[0])
        head["version"] = version
        path = tmp_path / f"v{version}.jsonl"
        path.write_text("\n".join([json.dumps(head), *lines[1:]]) + "\n")
        target = redipy.Redis()
        rep = load(str(path), target)
        assert rep.ok is loads, rep.summary()
        if not loads:
            assert "snapshot version 4 not supported" in rep.summary()
