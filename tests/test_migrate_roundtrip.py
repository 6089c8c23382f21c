"""redipy.migrate against real servers: round trips, snapshot format, conflicts, filters."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis as redis_py
from redipy.migrate import SnapshotError, compare, dump, load, migrate
from redipy.migrate.records import Record, redis_glob
from redipy.migrate.snapshot import SnapshotReader, SnapshotWriter

import redipy
from tests.servers import Server, start_server

HOUR = 3_600_000


def raw(srv: Server) -> redis_py.Redis:
    return redis_py.Redis(port=srv.port)


def fresh(srv: Server, **kwargs: object) -> redipy.Redis:
    r = raw(srv)
    r.flushall()
    r.close()
    return redipy.Redis(url=srv.url, **kwargs)  # type: ignore[arg-type]


def populate(r: redis_py.Redis, *, big: int = 2000) -> None:
    """Every type, odd values (empty, unicode, raw bytes, infinite scores), some TTLs,
    and collections bigger than the chunk size the tests use."""
    r.set("str:plain", "hello")
    r.set("str:empty", "")
    r.set("str:uni", "héllo wörld ☃ 𝄞")
    r.set("str:bin", b"\x00\xff\xfe\x80raw\r\n")
    r.set("str:ttl", "soon", px=HOUR)
    r.set("user:{42}", "hash tag")
    r.set("weird key *?[", "glob chars")
    r.rpush("list:a", "x", "y", "x", "")
    r.rpush("list:ttl", "1", "2")
    r.pexpire("list:ttl", 2 * HOUR)
    r.hset("hash:a", mapping={"f": "v", "ü": "☃", "empty": ""})
    r.hset("hash:ttl", "f", "v")
    r.pexpire("hash:ttl", 3 * HOUR)
    r.sadd("set:str", "a", "b", "ü")
    r.sadd("set:int", 1, 2, 3, -7)
    r.sadd("set:ttl", "m")
    r.pexpire("set:ttl", HOUR)
    r.zadd("zset:a", {"a": 1.5, "b": float("inf"), "c": float("-inf"), "d": -2.25, "e": 0,
                      "f": 1e-7, "g": 123456789.125})
    r.zadd("zset:ttl", {"m": 1})
    r.pexpire("zset:ttl", HOUR)
    r.rpush("big:list", *[f"i{j % 50}" for j in range(big)])
    r.pexpire("big:list", HOUR)
    r.hset("big:hash", mapping={f"f{j}": f"v{j}" for j in range(big)})
    r.sadd("big:set", *[f"m{j}" for j in range(big)])
    r.sadd("big:intset", *range(big))
    r.zadd("big:zset", {f"m{j}": j / 7 for j in range(big)})
    r.pexpire("big:zset", 2 * HOUR)


@pytest.fixture
def origin() -> Iterator[Server]:
    srv = start_server("valkey")
    try:
        populate(raw(srv))
        yield srv
    finally:
        srv.stop()


def assert_same(a: object, b: object, **kwargs: object) -> None:
    rep = compare(a, b, **kwargs)  # type: ignore[arg-type]
    assert rep.ok, rep.problems
    assert rep.keys > 0


def test_roundtrip_memory_file_server_server_file_memory(
        origin: Server, servers: dict[str, Server], tmp_path: Path) -> None:
    src = redipy.Redis(url=origin.url)
    m1 = redipy.Redis()
    assert migrate(src, m1).ok
    assert_same(src, m1)

    f1 = str(tmp_path / "one.jsonl")
    rep = dump(m1, f1, chunk=64)
    assert rep.ok, rep.problems
    assert rep.keys == raw(origin).dbsize()
    assert_same(m1, f1)

    s1 = fresh(servers["valkey"])
    extra = start_server("redis" if "redis" in servers else "valkey")
    try:
        s2 = redipy.Redis(url=extra.url)
        rep = load(f1, s1, chunk=64, verify=True)
        assert rep.ok and rep.verify is not None and rep.verify.ok, rep.summary()
        rep = migrate(s1, s2, chunk=64, batch=7, verify=True)
        assert rep.ok and rep.verify is not None and rep.verify.ok, rep.summary()
        f2 = str(tmp_path / "two.jsonl")
        assert dump(s2, f2, chunk=64).ok
        m2 = redipy.Redis()
        rep = load(f2, m2, verify=True)
        assert rep.ok and rep.verify is not None and rep.verify.ok

        for a, b in [(src, m2), (m1, m2), (f1, f2), (f2, src), (src, s2)]:
            assert_same(a, b)
        # exact values and absolute expiry times on the last server, read with redis-py
        o, t = raw(origin), raw(extra)
        assert t.get("str:bin") == b"\x00\xff\xfe\x80raw\r\n"
        assert t.get("str:uni") == "héllo wörld ☃ 𝄞".encode()
        assert t.lrange("big:list", 0, -1) == o.lrange("big:list", 0, -1)
        assert t.zrange("zset:a", 0, -1, withscores=True) == o.zrange(
            "zset:a", 0, -1, withscores=True)
        for key in ("str:ttl", "list:ttl", "hash:ttl", "set:ttl", "zset:ttl", "big:zset"):
            assert t.pexpiretime(key) == o.pexpiretime(key) > 0
        assert t.ttl("str:plain") == -1
        assert sorted(t.keys()) == sorted(o.keys())
    finally:
        extra.stop()


def test_snapshot_layout_and_big_keys_in_parts(origin: Server, tmp_path: Path) -> None:
    path = tmp_path / "snap.jsonl"
    rep = dump(redipy.Redis(url=origin.url), str(path), chunk=64)
    assert rep.ok
    assert not (tmp_path / "snap.jsonl.partial").exists()
    lines = path.read_text().splitlines()
    header, trailer = json.loads(lines[0]), json.loads(lines[-1])
    assert header["format"] == "redipy-snapshot" and header["version"] == 3
    assert trailer["trailer"] is True
    assert trailer["keys"] == raw(origin).dbsize() == rep.keys
    assert trailer["records"] == len(lines) - 2
    assert sum(trailer["types"].values()) == trailer["keys"]
    records = [json.loads(line) for line in lines[1:-1]]
    parts = [r for r in records if r["key"] == "big:hash"]
    assert len(parts) > 1
    assert all(len(p["value"]) <= 4 * 64 for p in parts)  # HSCAN COUNT is a hint
    assert [p.get("part", 0) for p in parts] == list(range(len(parts)))
    assert all(p.get("more") for p in parts[:-1]) and "more" not in parts[-1]
    big_list = [x for r in records if r["key"] == "big:list" for x in r["value"]]
    assert big_list == [f"i{j % 50}" for j in range(2000)]
    zset = next(r for r in records if r["key"] == "zset:a")
    assert ["b", "inf"] in zset["value"] and ["c", "-inf"] in zset["value"]
    reader = SnapshotReader(str(path))
    assert reader.validate()["keys"] == rep.keys


def test_password_never_in_snapshot_or_report(tmp_path: Path) -> None:
    srv = start_server("valkey")
    try:
        raw(srv).set("k", "v")
        raw(srv).config_set("requirepass", "s3cret-pw")
        url = f"redis://:s3cret-pw@127.0.0.1:{srv.port}/0"
        path = tmp_path / "p.jsonl"
        rep = dump(url, str(path))
        assert rep.ok, rep.problems
        assert "s3cret-pw" not in path.read_text()
        assert "s3cret-pw" not in rep.summary()
        bad = load(str(path), f"redis://:wrong-pw@127.0.0.1:{srv.port}/0", on_conflict="skip")
        assert not bad.ok and "wrong-pw" not in bad.summary()
        assert "authentication" in bad.summary()
    finally:
        srv.stop()


def test_expired_records_are_skipped_and_counted(server: Server, tmp_path: Path) -> None:
    path = str(tmp_path / "exp.jsonl")
    now = int(__import__("time").time() * 1000)
    w = SnapshotWriter(path, source="test")
    w.write([Record("gone", "string", "x", now - 1000),
             Record("gone:big", "set", ["a", "b"], now - 5, 0, True),
             Record("gone:big", "set", ["c"], now - 5, 1, False),
             Record("alive", "hash", ["f", "v"], now + HOUR),
             Record("forever", "list", ["1"], None)])
    w.finish()
    target = fresh(server)
    rep = load(path, target)
    assert rep.ok, rep.problems
    assert (rep.keys, rep.expired) == (2, 2)
    r = raw(server)
    assert sorted(r.keys()) == [b"alive", b"forever"]
    assert abs(r.pexpiretime("alive") - (now + HOUR)) <= 1


def test_on_conflict_fail_writes_nothing(origin: Server, server: Server) -> None:
    target = fresh(server)
    r = raw(server)
    r.set("str:plain", "mine")
    r.rpush("other", "untouched")
    rep = migrate(redipy.Redis(url=origin.url), target)
    assert not rep.ok and rep.conflicts == 1 and rep.keys == 0
    assert "str:plain" in rep.problems[0] and "nothing written" in rep.problems[0]
    assert sorted(r.keys()) == [b"other", b"str:plain"]
    assert r.get("str:plain") == b"mine"


def test_on_conflict_replace_and_skip(origin: Server, server: Server) -> None:
    src = redipy.Redis(url=origin.url)
    target = fresh(server)
    r = raw(server)
    r.rpush("list:a", "old")
    r.set("big:hash", "a string")
    rep = migrate(src, target, on_conflict="skip", chunk=64)
    assert rep.ok and rep.skipped == 2
    assert r.lrange("list:a", 0, -1) == [b"old"] and r.get("big:hash") == b"a string"
    rep = migrate(src, target, on_conflict="replace", chunk=64, verify=True)
    assert rep.ok and rep.verify is not None and rep.verify.ok, rep.summary()
    assert r.lrange("list:a", 0, -1) == [b"x", b"y", b"x", b""]  # replaced, not appended


def test_ttl_drop_match_types_dry_run(origin: Server, server: Server) -> None:
    src = redipy.Redis(url=origin.url)
    target = fresh(server)
    r = raw(server)
    rep = migrate(src, target, dry_run=True)
    assert rep.ok and rep.dry_run and rep.keys == raw(origin).dbsize()
    assert r.dbsize() == 0
    rep = migrate(src, target, match="*:ttl", types=["hash", "zset"], ttl="drop", verify=True)
    assert rep.ok and rep.verify is not None and rep.verify.ok, rep.summary()
    assert sorted(r.keys()) == [b"hash:ttl", b"zset:ttl"]
    assert r.ttl("hash:ttl") == -1
    mem = redipy.Redis()
    rep = migrate(src, mem, match="big:*", types=["set"])
    assert rep.ok and rep.types == {"set": 2}


def test_key_prefixes_apply(origin: Server, server: Server) -> None:
    r = raw(server)
    r.flushall()
    o = raw(origin)
    o.set("app:one", "1")
    o.hset("app:two", "f", "v")
    src = redipy.Redis(url=origin.url, prefix="app")
    mem = redipy.Redis()
    rep = migrate(src, mem)
    assert rep.ok and rep.keys == 2
    assert sorted(mem.backend.db.data) == ["one", "two"]  # type: ignore[attr-defined]
    rep = migrate(mem, redipy.Redis(url=server.url, prefix="copy"), verify=True)
    assert rep.ok and rep.verify is not None and rep.verify.ok
    assert sorted(r.keys()) == [b"copy:one", b"copy:two"]


def test_compare_reports_every_kind_of_difference(origin: Server, server: Server) -> None:
    src = redipy.Redis(url=origin.url)
    target = fresh(server)
    assert migrate(src, target, chunk=64).ok
    r = raw(server)
    r.delete("str:plain")                    # missing
    r.set("extra", "1")                      # extra
    r.delete("list:a")
    r.set("list:a", "x")                     # type
    r.hset("big:hash", "f1250", "changed")    # value, inside a later part
    r.srem("big:set", "m3")                  # value: one member fewer
    r.pexpire("str:ttl", HOUR + 60_000)      # TTL off by a minute
    rep = compare(src, target, chunk=64)
    assert (rep.missing, rep.extra, rep.type_mismatch, rep.value_mismatch,
            rep.ttl_mismatch) == (1, 1, 1, 2, 1), rep.problems
    assert not rep.ok and "differences" in rep.summary()
    assert compare(src, target, chunk=64, check_ttl=False).ttl_mismatch == 0


def _corrupt(path: Path, lineno: int, new: str) -> None:
    lines = path.read_text().splitlines(keepends=True)
    lines[lineno - 1] = new
    path.write_text("".join(lines))


def test_corrupt_and_truncated_snapshots_are_refused(origin: Server, server: Server,
                                                     tmp_path: Path) -> None:
    good = tmp_path / "good.jsonl"
    assert dump(redipy.Redis(url=origin.url), str(good)).ok
    text = good.read_text()
    target = fresh(server)
    r = raw(server)

    broken = tmp_path / "broken.jsonl"
    broken.write_text(text)
    _corrupt(broken, 5, '{"key": "x", "type": \n')
    rep = load(str(broken), target)
    assert not rep.ok and f"{broken}:5:" in rep.problems[0], rep.problems

    altered = tmp_path / "altered.jsonl"
    altered.write_text(text.replace('"hello"', '"HELLO"'))
    rep = load(str(altered), target)
    assert not rep.ok and "checksum mismatch" in rep.problems[0]

    cut = tmp_path / "cut.jsonl"
    cut.write_bytes(text.encode()[: len(text) // 2])
    rep = load(str(cut), target)
    assert not rep.ok and "truncated" in rep.problems[0]
    assert f"{cut}:" in rep.problems[0]

    notsnap = tmp_path / "notes.jsonl"
    notsnap.write_text("hello\n")
    with pytest.raises(SnapshotError, match=":1: not a redipy-snapshot"):
        SnapshotReader(str(notsnap))
    rep = load(str(tmp_path / "missing.jsonl"), target)
    assert not rep.ok and "missing.jsonl" in rep.problems[0]
    assert r.dbsize() == 0  # nothing loaded from any bad file


def test_existing_snapshot_not_overwritten_unless_replace(origin: Server,
                                                          tmp_path: Path) -> None:
    src = redipy.Redis(url=origin.url)
    path = tmp_path / "s.jsonl"
    path.write_text("precious\n")
    rep = dump(src, str(path))
    assert not rep.ok and path.read_text() == "precious\n"
    assert dump(src, str(path), on_conflict="replace").ok
    assert_same(src, str(path))


def test_memory_checkpoint_resume_in_process(origin: Server, tmp_path: Path) -> None:
    """The API's checkpoint: a finished run marks it finished, so a resume has nothing
    to do; a stale one for other arguments is refused."""
    cp = str(tmp_path / "cp.json")
    mem = redipy.Redis()
    rep = migrate(redipy.Redis(url=origin.url), mem, checkpoint=cp, batch=3)
    assert rep.ok and json.loads(Path(cp).read_text())["finished"] is True
    again = migrate(redipy.Redis(url=origin.url), mem, checkpoint=cp, batch=3, resume=True)
    assert again.nothing_to_resume and again.ok and "nothing to resume" in again.summary()
    Path(cp).write_text(json.dumps({"version": 2, "params": {"src": "elsewhere"}}))
    with pytest.raises(ValueError, match="another migration"):
        migrate(redipy.Redis(url=origin.url), redipy.Redis(), checkpoint=cp, resume=True)


def test_redis_glob_semantics() -> None:
    cases = [("user:*", "user:1", True), ("user:?", "user:12", False),
             ("h[ae]llo", "hallo", True), ("h[^e]llo", "hello", False),
             ("h[a-c]llo", "hbllo", True), (r"a\*b", "a*b", True), (r"a\*b", "axb", False)]
    for pattern, key, want in cases:
        assert bool(redis_glob(pattern).fullmatch(key)) is want, (pattern, key)


def test_import_redipy_does_not_import_rich() -> None:
    import subprocess
    import sys

    code = ("import sys, redipy, redipy.migrate; "
            "assert 'rich' not in sys.modules, 'rich imported'")
    subprocess.run([sys.executable, "-c", code], check=True)


def test_memory_written_by_commands_reads_back_the_same(server: Server) -> None:
    """The memory endpoint reads and writes the keyspace directly; check it against the
    memory backend's own command handlers and against the server."""
    mem = redipy.Redis()
    run = mem.backend.execute  # type: ignore[attr-defined]
    script = [("SET", "s", "v"), ("SET", "t", "x", "PX", "600000"), ("RPUSH", "l", "a", "b"),
              ("HSET", "h", "f", "1", "g", "2"), ("SADD", "st", "1", "2", "x"),
              ("ZADD", "z", "1.5", "a", "-inf", "b"), ("PEXPIRE", "z", "700000")]
    for cmd in script:
        run(*cmd)
    target = fresh(server)
    rep = migrate(mem, target, verify=True)
    assert rep.ok and rep.verify is not None and rep.verify.ok, rep.summary()
    r = raw(server)
    assert r.zrange("z", 0, -1, withscores=True) == [(b"b", float("-inf")), (b"a", 1.5)]
    assert r.pexpiretime("t") == run("PEXPIRETIME", "t")
    back = redipy.Redis()
    assert migrate(target, back).ok
    get = back.backend.execute  # type: ignore[attr-defined]
    assert get("LRANGE", "l", "0", "-1") == ["a", "b"]
    assert sorted(get("HGETALL", "h")) == ["1", "2", "f", "g"]
    assert sorted(get("SMEMBERS", "st")) == ["1", "2", "x"]
    assert get("ZRANGE", "z", "0", "-1", "WITHSCORES") == ["b", "-inf", "a", "1.5"]
    assert get("PEXPIRETIME", "z") == r.pexpiretime("z")
    assert get("TTL", "s") == -1


def test_streams_are_copied_and_type_filters_hold(server: Server) -> None:
    """Streams were once reported as "cannot be copied"; now every server type is
    carried (tests/test_migrate_streams.py checks them in depth)."""
    target = fresh(server)
    origin = start_server("valkey")
    try:
        o = raw(origin)
        o.xadd("events", {"a": "1"})
        o.set("plain", "1")
        rep = migrate(redipy.Redis(url=origin.url), target, native=False)
        assert rep.ok and rep.unsupported == 0 and rep.keys == 2, rep.summary()
        assert rep.types == {"stream": 1, "string": 1}
        assert raw(server).xrange("events") == o.xrange("events")
        rep = migrate(redipy.Redis(url=origin.url), redipy.Redis(), types=["string"])
        assert rep.ok and rep.keys == 1
    finally:
        origin.stop()
