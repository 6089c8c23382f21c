"""Migration that never says "ok" while data is missing (issue 13's reproducers).

Each test is one way a careful operator (or an attacker) made the old engine report
success with keys missing: servers restarted under a checkpoint, keys changed while
they were copied, hand-edited snapshots, keys created on the target mid-run, keys
expiring, Ctrl-C, passwords on the command line. All against real servers.
"""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import redis as redis_py
from redipy.migrate import compare, dump, migrate

import redipy
from tests.servers import Server, start_server

N_KEYS = 40_000


def cli(*args: str, cwd: Path, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "redipy", *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, cwd=cwd,
                            env={**os.environ, **(env or {})})


def run(*args: str, cwd: Path, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    proc = cli(*args, cwd=cwd, env=env)
    out, err = proc.communicate(timeout=120)
    return proc.returncode, out, err


def one_line(out: str, err: str) -> str:
    assert "Traceback" not in out + err, out + err
    lines = [line for line in (out + err).splitlines() if line.strip()]
    assert lines, "no output"
    return lines[0]


def fill(port: int, n: int = N_KEYS) -> None:
    r = redis_py.Redis(port=port)
    p = r.pipeline(transaction=False)
    for i in range(n):
        if i % 4 == 0:
            p.rpush(f"l:{i}", "a", "b", str(i))
        else:
            p.set(f"s:{i}", str(i))
        if i % 5 == 0:
            p.pexpire(f"l:{i}" if i % 4 == 0 else f"s:{i}", 3_600_000)
        if i % 5000 == 4999:
            p.execute()
    p.execute()
    r.close()


def restart(srv: Server) -> Server:
    """Kill -9 a server and start a new (empty) one on the same port."""
    assert srv.proc is not None
    srv.proc.kill()
    srv.proc.wait()
    again = Server(srv.kind, srv.binary, port=srv.port)
    return again.start()


def wait_for_progress(cp: Path, proc: subprocess.Popen[str], minimum: int = 500) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if cp.exists():
            try:
                data = json.loads(cp.read_text())
            except ValueError:
                data = {}
            if data.get("counts", {}).get("keys", 0) >= minimum:
                return
        assert proc.poll() is None, "finished before it could be interrupted"
        time.sleep(0.002)
    raise AssertionError("no checkpoint progress")


@pytest.fixture(scope="module")
def one() -> Iterator[Server]:
    """One Valkey for the tests that only need somewhere to load into."""
    srv = start_server("valkey")
    try:
        yield srv
    finally:
        srv.stop()


@pytest.fixture
def pair() -> Iterator[tuple[Server, Server]]:
    src, dst = start_server("valkey"), start_server("valkey")
    try:
        yield src, dst
    finally:
        src.stop()
        dst.stop()


@pytest.fixture
def restarted() -> Iterator[list[Server]]:
    """Servers a test started in place of killed ones: stopped after it."""
    started: list[Server] = []
    yield started
    for srv in started:
        srv.stop()


# ---- 1. checkpoints that know their endpoints ------------------------------------------


@pytest.mark.parametrize("side", ["DST", "SRC"])
def test_resume_against_a_restarted_server_is_refused(pair: tuple[Server, Server],
                                                      restarted: list[Server],
                                                      side: str, tmp_path: Path) -> None:
    src, dst = pair
    fill(src.port)
    cp = tmp_path / "cp.json"
    args = ["migrate", src.url, dst.url, "--batch", "100", "--checkpoint", str(cp)]
    proc = cli(*args, cwd=tmp_path)
    wait_for_progress(cp, proc)
    if side == "DST":
        dst = restart(dst)
        restarted.append(dst)
    else:
        src = restart(src)
        restarted.append(src)
        fill(src.port)  # the same data, on a new server process
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 1, (out, err)
    assert out.startswith("migrate FAILED")
    before = redis_py.Redis(port=dst.port).dbsize()
    code, out, err = run(*args, "--resume", cwd=tmp_path)
    assert code == 1, (out, err)
    line = one_line(out, err)
    assert f"cannot resume: {side} " in line and "run_id changed" in line, line
    assert f"delete {cp}" in line
    assert redis_py.Redis(port=dst.port).dbsize() == before  # nothing written
    # a run without --resume is told about the checkpoint, not about "conflicts"
    code, out, err = run(*args, cwd=tmp_path)
    assert code == 1 and "checkpoint of an interrupted run is at" in one_line(out, err)
    cp.unlink()
    code, out, err = run(*args, "--on-conflict", "replace", "--verify", cwd=tmp_path)
    assert code == 0, (out, err)
    rep = compare(src.url, dst.url)
    assert rep.ok and rep.keys == N_KEYS, rep.summary()
    # and a resume after that finished run has nothing to do
    code, out, err = run(*args, "--resume", cwd=tmp_path)
    assert code == 0 and "nothing to resume" in out, (out, err)


def test_dump_resume_against_an_altered_partial_file_is_refused(tmp_path: Path) -> None:
    srv = start_server("valkey")
    try:
        fill(srv.port, 20_000)
        snap = tmp_path / "s.jsonl"
        cp = tmp_path / "s.jsonl.checkpoint.json"
        proc = cli("dump", srv.url, str(snap), "--batch", "100", cwd=tmp_path)
        wait_for_progress(cp, proc)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        partial = tmp_path / "s.jsonl.partial"
        data = bytearray(partial.read_bytes())
        at = data.index(b'"key":"') + 7
        data[at] = ord("X")  # one record edited under the checkpoint
        partial.write_bytes(bytes(data))
        code, out, err = run("dump", srv.url, str(snap), "--resume", cwd=tmp_path)
        assert code == 1
        assert "changed since the checkpoint" in one_line(out, err)
        assert not snap.exists()
    finally:
        srv.stop()


# ---- 2. keys that change under the copy ----------------------------------------------


BIG = 60_000


def big_source() -> tuple[Server, redis_py.Redis]:
    srv = start_server("valkey")
    r = redis_py.Redis(port=srv.port, decode_responses=True)
    for start in range(0, BIG, 10_000):
        r.rpush("big", *[f"e{i}" for i in range(start, start + 10_000)])
    r.set("small", "x")
    return srv, r


def targets(tmp_path: Path, kind: str) -> tuple[Any, Any]:
    """(what migrate writes to, what compare reads back)."""
    if kind == "memory":
        mem = redipy.Redis()
        return mem, mem
    path = str(tmp_path / "big.jsonl")
    return path, path


@pytest.mark.parametrize("kind", ["memory", "file", "server"])
@pytest.mark.parametrize("change", ["lpop", "rpush", "to_hash", "to_string", "delete"])
def test_big_key_changed_once_during_its_copy_is_copied_again(tmp_path: Path, kind: str,
                                                             change: str) -> None:
    srv, r = big_source()
    other = start_server("valkey") if kind == "server" else None
    try:
        if other is not None:
            dst: Any = redipy.Redis(url=other.url)
            back: Any = other.url
        else:
            dst, back = targets(tmp_path, kind)
        calls = []

        def meddle(done: int, total: int | None) -> None:
            calls.append(done)
            if len(calls) == 3:  # the big list is being copied in parts now
                if change == "lpop":
                    r.lpop("big", 7)
                elif change == "rpush":
                    r.rpush("big", "late")
                elif change == "to_hash":
                    r.delete("big")
                    r.hset("big", mapping={"f": "v"})
                elif change == "to_string":
                    r.set("big", "now a string")
                else:
                    r.delete("big")

        rep = migrate(redipy.Redis(url=srv.url), dst, chunk=500, batch=50, progress=meddle,
                      native=False)
        assert len(calls) > 3
        assert rep.ok, rep.summary()
        assert rep.retried == 1, rep.summary()
        cmp = compare(srv.url, back)
        assert cmp.ok, (cmp.summary(), cmp.problems)
        assert cmp.keys == (1 if change == "delete" else 2)
    finally:
        srv.stop()
        if other is not None:
            other.stop()


@pytest.mark.parametrize("kind", ["memory", "file", "server"])
def test_big_key_that_keeps_changing_is_reported_not_truncated(tmp_path: Path,
                                                               kind: str) -> None:
    srv, _ = big_source()
    other = start_server("valkey") if kind == "server" else None
    stop = threading.Event()

    def churn() -> None:
        c = redis_py.Redis(port=srv.port)
        while not stop.is_set():
            c.rpush("big", "x")
            c.lpop("big")
            time.sleep(0.0005)

    thread = threading.Thread(target=churn)
    thread.start()
    try:
        if other is not None:
            dst: Any = redipy.Redis(url=other.url)
        else:
            dst, _ = targets(tmp_path, kind)
        rep = migrate(redipy.Redis(url=srv.url), dst, chunk=500, batch=50, native=False)
        stop.set()
        thread.join()
        assert not rep.ok
        assert rep.changed == 1 and rep.keys == 1
        assert "'big' changed during each of 3 reads" in rep.summary()
        if kind == "memory":
            assert dst.exists("big") == 0 and dst.get("small") == "x"
            assert set(dst.keys()) == {"small"}
        elif kind == "server":
            assert other is not None
            assert sorted(redis_py.Redis(port=other.port).keys("*")) == [b"small"]
        else:
            lines = Path(dst).read_text().splitlines()
            assert len(lines) == 3 and '"small"' in lines[1]
    finally:
        stop.set()
        thread.join()
        srv.stop()
        if other is not None:
            other.stop()


# ---- 3. snapshots validated before anything is written ------------------------------


def rewrite(path: Path, records: list[str], **trailer: Any) -> None:
    """A snapshot with these record lines and a trailer recomputed to match them, the
    way someone who edits a file by hand and fixes its checksum would."""
    header = path.read_text().splitlines()[0]
    body = "".join(line + "\n" for line in records)
    counts: dict[str, int] = {}
    keys = 0
    for line in records:
        try:
            obj = json.loads(line)
        except (ValueError, RecursionError):
            continue
        if isinstance(obj, dict) and not obj.get("part") and isinstance(obj.get("type"), str):
            keys += 1
            counts[obj["type"]] = counts.get(obj["type"], 0) + 1
    tr = {"trailer": True, "records": len(records), "keys": keys, "types": counts,
          "sha256": hashlib.sha256(body.encode()).hexdigest(), **trailer}
    path.write_text(header + "\n" + body + json.dumps(tr) + "\n")


def good_snapshot(tmp_path: Path) -> tuple[Path, list[str]]:
    mem = redipy.Redis()
    for i in range(3000):
        mem.set(f"k:{i}", str(i))
    mem.rpush("list", *[str(i) for i in range(50)])
    path = tmp_path / "good.jsonl"
    assert dump(mem, str(path)).ok
    lines = path.read_text().splitlines()
    return path, lines[1:-1]


def list_record(key: str, items: list[Any], **extra: Any) -> str:
    return json.dumps({"key": key, "type": "list", "value": items, "pexpireat": None,
                       **extra})


def put(at: int | None, *lines: str) -> Any:
    """An edit: ``lines`` inserted before record ``at`` (``None``: at the end)."""
    def edit(recs: list[str]) -> list[str]:
        cut = len(recs) if at is None else at
        return [*recs[:cut], *lines, *recs[cut:]]
    return edit


def rec(**fields: Any) -> str:
    return json.dumps({"pexpireat": None, **fields})


CASES: list[tuple[str, Any, str]] = [
    ("int value", put(2000, rec(key="n", type="string", value=5)),
     ":2002: a string value must be a JSON string"),
    ("int in a list", put(None, list_record("l2", ["a", 1])),
     "value must be a non-empty list of strings"),
    ("deep nesting", put(10, '{"key":"d","type":"list","value":'
                         + "[" * 100_000 + "]" * 100_000 + "}"),
     ":12: not a record (JSON nested too deeply)"),
    ("unknown type", put(None, rec(key="ev", type="vectorset", value=[])),
     "unknown type 'vectorset' for key 'ev'"),
    ("stream shaped wrong", put(None, rec(key="ev", type="stream", value=[])),
     "a stream value must be an object with 'entries' (key 'ev')"),
    ("early trailer", put(5, '{"trailer": true, "records": 5}'),
     ":7: trailer before the end of the file"),
    ("duplicate key", put(None, list_record("list", ["again"])), "key 'list' appears twice"),
    ("part out of order", put(None, list_record("p", ["a"], more=True),
                              list_record("p", ["b"], part=2)),
     "key 'p' is cut off: part 1 expected next"),
    ("orphan part", put(None, list_record("q", ["b"], part=1)),
     "part 1 of key 'q' without the parts before it"),
    ("bad score", put(None, rec(key="z", type="zset", value=[["m", "nan"]])),
     "bad score 'nan'"),
    ("bad expiry", put(None, rec(key="e", type="string", value="v", pexpireat="soon")),
     "bad 'pexpireat' for key 'e'"),
    ("key not text", put(None, rec(key=7, type="string", value="v")),
     "record without a string 'key'"),
]


@pytest.mark.parametrize("name,edit,message", CASES, ids=[c[0] for c in CASES])
def test_hand_edited_snapshot_is_refused_before_any_write(tmp_path: Path, one: Server,
                                                          name: str, edit: Any,
                                                          message: str) -> None:
    server = one
    path, recs = good_snapshot(tmp_path)
    bad = tmp_path / "bad.jsonl"
    bad.write_text(path.read_text())
    rewrite(bad, edit(recs))
    r = redis_py.Redis(port=server.port)
    r.flushall()
    code, out, err = run("load", str(bad), server.url, cwd=tmp_path)
    assert code == 1, (out, err)
    line = one_line(out, err)
    assert str(bad) in line and message in line, line
    assert r.dbsize() == 0
    mem = redipy.Redis()
    rep = redipy.migrate.load(str(bad), mem)
    assert not rep.ok and mem.dbsize() == 0 and message in rep.summary()
    code, out, err = run("compare", str(bad), server.url, cwd=tmp_path)
    assert code == 1 and message in one_line(out, err)


def test_snapshot_changed_after_validation_is_refused(tmp_path: Path, one: Server,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """A load's validation pass (every line, checksum, block digests) and its decoding
    pass give the same records as a reader that checks each line as it reads it (from
    any resume point), and a file rewritten between the passes (checksum recomputed, so
    only the blocks can tell) is refused at the block that changed: its bad line is
    never handed out."""
    from redipy.migrate import snapshot

    monkeypatch.setattr(snapshot, "BLOCK", 4096)  # many blocks
    path, recs = good_snapshot(tmp_path)
    reader = snapshot.SnapshotReader(str(path))
    reader.validate()
    fresh = snapshot.SnapshotReader(str(path))  # never validated: every line checked
    assert list(reader.records()) == list(fresh.records())
    marks = [m for m in fresh.records() if isinstance(m, snapshot.Mark)]
    assert len(marks) > 10
    for mark in (marks[1], marks[len(marks) // 2], marks[-1]):  # resumed mid-block
        assert list(reader.records(mark.pos)) == list(fresh.records(mark.pos))

    edited = [*recs]
    edited[2000] = rec(key="k:2000", type="string", value=5)  # not a valid record
    validate = snapshot.SnapshotReader.validate

    def validate_then_edit(self: snapshot.SnapshotReader) -> dict[str, Any]:
        out = validate(self)
        rewrite(path, edited)  # after the first pass, before the second
        return out

    monkeypatch.setattr(snapshot.SnapshotReader, "validate", validate_then_edit)
    r = redis_py.Redis(port=one.port)
    r.flushall()
    rep = redipy.migrate.load(str(path), redipy.Redis(url=one.url))
    assert not rep.ok and "changed since it was validated" in rep.summary(), rep.summary()
    assert "Traceback" not in rep.summary()
    assert 0 < r.dbsize() < 2000  # stopped at the changed block
    assert r.exists("k:2000") == 0


def test_bad_record_far_into_a_big_snapshot_writes_nothing(tmp_path: Path, one: Server,
                                                           monkeypatch: pytest.MonkeyPatch
                                                           ) -> None:
    """Every record is checked before the first key is written, not only those of the
    first block: a bad line in the last block of a many-block file (checksum
    recomputed) leaves the target empty."""
    from redipy.migrate import snapshot

    monkeypatch.setattr(snapshot, "BLOCK", 4096)  # the file spans many blocks
    path, recs = good_snapshot(tmp_path)
    assert path.stat().st_size > 20 * 4096
    bad = tmp_path / "bad.jsonl"
    bad.write_text(path.read_text())
    rewrite(bad, put(len(recs) - 2, rec(key="late", type="list", value=["a", 5]))(recs))
    r = redis_py.Redis(port=one.port)
    r.flushall()
    rep = redipy.migrate.load(str(bad), redipy.Redis(url=one.url))
    assert not rep.ok and "value must be a non-empty list of strings" in rep.summary()
    assert f":{len(recs)}:" in rep.summary(), rep.summary()
    assert r.dbsize() == 0
    mem = redipy.Redis()
    assert not redipy.migrate.load(str(bad), mem).ok and mem.dbsize() == 0


#: record lines on which orjson and the stdlib's json could disagree, and common ones
DECODER_LINES = [
    '{"key":"k","type":"string","value":"v","pexpireat":null}',
    '{"key":"k","type":"list","value":["\\ud83d\\ude00","\u00e9"],"pexpireat":5}',
    '{"key":"\\udcff","type":"string","value":"v","pexpireat":null}',  # an undecodable byte
    '{"key":"k","type":"set","value":["\\ud800"],"pexpireat":null}',  # a lone surrogate
    '{"key":"k","type":"string","value":"v","pexpireat":18446744073709551616}',  # > 64 bits
    '{"key":"k","type":"string","value":"v","pexpireat":18446744073709551615}',
    '{"key":"k","type":"string","value":"v","pexpireat":1e3}',
    '{"key":"k","type":"string","value":"v","pexpireat":NaN}',
    '{"key":"k","type":"zset","value":[["m","1"]],"pexpireat":-0}',
    ' {"key":"k","type":"string","value":"v","pexpireat":null} ',
    '{"key":"k","type":"hash","value":{"a":"1","b":"2","a":"3"},"pexpireat":null}',
    '{"key":"k","key":"j","type":"string","value":"v","pexpireat":null}',
    '{"key":"k","type":"zset","value":[["m",1e400]],"pexpireat":null}',
    '{"key":"k","type":"set","value":["a",1],"pexpireat":null}',
]


@pytest.mark.parametrize("decoder", ["orjson", "stdlib"])
def test_snapshot_lines_mean_the_same_with_or_without_orjson(
        tmp_path: Path, decoder: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """A load decodes the common record lines with orjson when it is installed; every
    line must mean what the stdlib's json makes of it (or be left to the stdlib)."""
    from redipy.migrate import snapshot

    if decoder == "stdlib":
        monkeypatch.setattr(snapshot, "_fast_loads", None)  # as without orjson
    else:
        assert snapshot._fast_loads is not None  # orjson comes with the test extra
    for line in DECODER_LINES:
        taken = snapshot._quick(line.encode()) is not None
        try:
            obj = json.loads(line)
        except ValueError:
            obj = None
        if taken:  # taken the quick way: exactly the stdlib's record, both passes
            assert obj is not None and snapshot.check_record(obj) is None, line
            assert snapshot._decode_quick(line.encode()) == snapshot._to_record(obj), line
    assert snapshot._quick(DECODER_LINES[0].encode()) is not None
    assert snapshot._quick(DECODER_LINES[1].encode()) is not None
    # a whole file with such lines: the same records as a reader that checks each line
    mem = redipy.Redis()
    mem.set("k\udcff", "v\udcfe")
    mem.rpush("l", "\U0001f600", "\u00e9")
    mem.hset("h", mapping={"f": "1", "g": "2"})
    mem.zadd("z", {"m": 1.5, "n": float("inf")})
    mem.sadd("s", "a", "b")
    mem.set("t", "x", px=3_600_000)
    path = tmp_path / "snap.jsonl"
    assert dump(mem, str(path)).ok
    validated = snapshot.SnapshotReader(str(path))
    validated.validate()
    fresh = snapshot.SnapshotReader(str(path))
    assert list(validated.records()) == list(fresh.records())
    assert len([r for r in fresh.records() if isinstance(r, snapshot.Record)]) == 6


def test_trailer_counts_must_match(tmp_path: Path) -> None:
    path, recs = good_snapshot(tmp_path)
    rewrite(path, recs, keys=len(recs) + 1)
    rep = redipy.migrate.load(str(path), redipy.Redis())
    assert not rep.ok and "trailer counts" in rep.summary()
    rewrite(path, recs, types={"string": 1})
    rep = redipy.migrate.load(str(path), redipy.Redis())
    assert not rep.ok and "counts per type" in rep.summary()


def test_compare_refuses_empty_and_corrupt_files(tmp_path: Path) -> None:
    (tmp_path / "empty.jsonl").write_text("")
    (tmp_path / "junk.jsonl").write_text("not json\n")
    for name, why in (("empty.jsonl", "empty file"), ("junk.jsonl", "bad header")):
        code, out, err = run("compare", name, "memory", cwd=tmp_path)
        assert code == 1, (out, err)
        line = [x for x in out.splitlines() if x][-1]
        assert "Traceback" not in out + err and why in line and "0 differences" not in out


# ---- 4. conflicts hold for the whole run ---------------------------------------------


@pytest.mark.parametrize("path", ["MIGRATE", "records", "memory", "file"])
def test_key_created_on_the_target_mid_run_is_a_conflict(tmp_path: Path, path: str) -> None:
    src, dst = start_server("valkey"), start_server("valkey")
    try:
        r = redis_py.Redis(port=src.port)
        p = r.pipeline(transaction=False)
        for i in range(3000):
            p.rpush(f"l:{i}", "a", "b")
            p.set(f"s:{i}", "v")
        p.execute()
        t = redis_py.Redis(port=dst.port)
        planted: list[bytes] = []

        def plant(done: int, total: int | None) -> None:
            if planted:
                return
            for key in r.scan_iter(count=1000):
                if key.startswith(b"l:") and not t.exists(key):
                    t.rpush(key, "theirs")
                    planted.append(key)
                    return

        source: Any = redipy.Redis(url=src.url)
        if path == "memory":
            mem = redipy.Redis()
            assert migrate(source, mem).ok
            source = mem
        elif path == "file":
            snap = str(tmp_path / "s.jsonl")
            assert dump(source, snap).ok
            source = snap
        rep = migrate(source, redipy.Redis(url=dst.url), batch=100, progress=plant,
                      native=path == "MIGRATE")
        assert rep.method == ("MIGRATE" if path == "MIGRATE" else "records")
        assert planted
        assert not rep.ok and rep.conflicts == 1, rep.summary()
        assert repr(planted[0].decode()) in rep.summary()
        assert "not merged" in rep.summary()
        assert t.lrange(planted[0], 0, -1) == [b"theirs"]  # left as it was
        assert rep.keys == 6000 - 1 and t.dbsize() == 6000
    finally:
        src.stop()
        dst.stop()


# ---- 5. verification that answers the question asked --------------------------------


def test_verify_ignores_target_only_keys_unless_asked(pair: tuple[Server, Server]) -> None:
    src, dst = pair
    fill(src.port, 2000)
    redis_py.Redis(port=dst.port).set("theirs:1", "x")
    rep = migrate(redipy.Redis(url=src.url), redipy.Redis(url=dst.url), verify=True)
    assert rep.ok and rep.verify is not None and rep.verify.keys == 2000, rep.summary()
    redis_py.Redis(port=dst.port).flushall()
    redis_py.Redis(port=dst.port).set("theirs:1", "x")
    rep = migrate(redipy.Redis(url=src.url), redipy.Redis(url=dst.url), verify="both")
    assert not rep.ok and rep.verify is not None and rep.verify.extra == 1
    assert rep.summary().startswith("migrate FAILED: 1 differences (extra in B 1)")


def test_keys_expiring_during_the_run_are_not_verify_failures(
        pair: tuple[Server, Server], tmp_path: Path) -> None:
    src, dst = pair
    r = redis_py.Redis(port=src.port)
    p = r.pipeline(transaction=False)
    for i in range(3000):
        p.set(f"k:{i}", "v", px=30 + (i % 60) * 10 if i % 2 else None)
    p.execute()
    slow: list[int] = []

    def crawl(done: int, total: int | None) -> None:
        slow.append(done)
        time.sleep(0.01)

    for native in (True, False):
        redis_py.Redis(port=dst.port).flushall()
        rep = migrate(redipy.Redis(url=src.url), redipy.Redis(url=dst.url), batch=50,
                      verify=True, progress=crawl, native=native)
        assert rep.ok, rep.summary()
    # deterministic: a key with less than the tolerance left, gone from B
    r.set("going", "v", px=1500)
    redis_py.Redis(port=dst.port).delete("going")
    cmp = compare(src.url, dst.url, extra=False)
    assert cmp.ok and cmp.expired >= 1 and "expired during the run" in cmp.summary()
    code, out, err = run("migrate", src.url, dst.url, "--on-conflict", "replace",
                         "--verify", cwd=tmp_path)
    assert code == 0, (out, err)


def test_differences_are_all_counted_and_the_headline_leads(
        pair: tuple[Server, Server], tmp_path: Path) -> None:
    src, dst = pair
    fill(src.port, 500)
    code, out, err = run("compare", src.url, dst.url, cwd=tmp_path)
    assert code == 1
    assert out.startswith("compare: 500 differences in 500 keys (missing in B 500)")
    assert "... and 490 more" in err  # 10 shown, every difference counted


def test_compare_of_big_keys_stays_small(pair: tuple[Server, Server], tmp_path: Path) -> None:
    """Three big keys: compare holds parts, never whole keys (peak RSS < 100 MB). 300k
    elements each keep the test quick and still show the fault: whole keys took 613 MB
    at 1M (about 180 MB at this size); parts stay near 60 MB at any size.

    The peak is the child's own VmHWM: ``ru_maxrss`` survives execve on Linux, so a
    child of a big pytest worker (1.2 GB in the full suite) reported the parent's peak."""
    src, dst = pair
    r = redis_py.Redis(port=src.port, socket_timeout=120)
    fill_big = """
    for part = 0, 149 do
      local items, fields = {}, {}
      for i = 1, 2000 do
        local n = part * 2000 + i
        items[i] = 'item-' .. n
        fields[2 * i - 1] = 'f' .. n
        fields[2 * i] = 'v'
      end
      redis.call('RPUSH', KEYS[1], unpack(items))
      redis.call('SADD', KEYS[2], unpack(items))
      redis.call('HSET', KEYS[3], unpack(fields))
    end
    """
    r.eval(fill_big, 3, "big:list", "big:set", "big:hash")
    assert r.llen("big:list") == r.scard("big:set") == r.hlen("big:hash") == 300_000
    assert migrate(redipy.Redis(url=src.url), redipy.Redis(url=dst.url)).ok
    snap = str(tmp_path / "big.jsonl")
    assert dump(redipy.Redis(url=src.url), snap).ok
    code = ("import sys; from redipy.migrate import compare; "
            "rep = compare(sys.argv[1], sys.argv[2]); "
            "hwm = [l for l in open('/proc/self/status') if l.startswith('VmHWM:')]; "
            "print(rep.ok, rep.keys, hwm[0].split()[1])")
    for a, b in ((src.url, dst.url), (src.url, snap)):
        out = subprocess.run([sys.executable, "-c", code, a, b], capture_output=True,
                             text=True, timeout=120, check=True).stdout.split()
        assert out[:2] == ["True", "3"], out
        assert int(out[2]) < 100 * 1024, f"peak RSS {int(out[2]) // 1024} MB"


# ---- 6. secrets off the command line ---------------------------------------------------


@pytest.fixture
def locked() -> Iterator[Server]:
    srv = start_server("valkey")
    try:
        fill(srv.port, 20_000)
        redis_py.Redis(port=srv.port).config_set("requirepass", "top-s3cret")
        yield srv
    finally:
        srv.stop()


def test_passwords_from_the_environment_never_shown(locked: Server, tmp_path: Path) -> None:
    dst = start_server("valkey")
    try:
        env = {"SRC_PW": "top-s3cret"}
        cp = tmp_path / "cp.json"
        args = ["migrate", locked.url, dst.url, "--src-password-env", "SRC_PW", "--batch",
                "50", "--checkpoint", str(cp), "--verify"]
        proc = cli(*args, cwd=tmp_path, env=env)
        cmdline = Path(f"/proc/{proc.pid}/cmdline").read_bytes()
        out, err = proc.communicate(timeout=60)
        assert proc.returncode == 0, (out, err)
        assert b"top-s3cret" not in cmdline
        assert "top-s3cret" not in out + err + cp.read_text()
        code, out, err = run("dump", locked.url, "p.jsonl", cwd=tmp_path,
                             env={"REDISCLI_AUTH": "top-s3cret"})
        assert code == 0, (out, err)
        assert "top-s3cret" not in out + err
        for f in tmp_path.iterdir():
            assert b"top-s3cret" not in f.read_bytes(), f
        code, out, err = run("dump", locked.url, "q.jsonl", "--password-env", "NOPE",
                             cwd=tmp_path)
        assert code == 2 and "NOPE is not set" in one_line(out, err)
        code, out, err = run("dump", locked.url, "q.jsonl", cwd=tmp_path,
                             env={"REDISCLI_AUTH": "wrong-one"})
        assert code == 1 and "wrong-one" not in out + err
    finally:
        dst.stop()


@pytest.mark.parametrize("url,secret", [("redis://:s3cret/x@127.0.0.1:1/0", "s3cret"),
                                        ("redis://:pw-x@[::1:5/0", "pw-x"),
                                        ("redis://u:pw-y@127.0.0.1:99999/0", "pw-y"),
                                        ("redis://:pw-z@127.0.0.1:6379/abc", "pw-z")])
def test_malformed_urls_give_one_config_error_line(url: str, secret: str,
                                                   tmp_path: Path) -> None:
    for args in (["migrate", url, "x.jsonl"], ["compare", url, "x.jsonl"]):
        code, out, err = run(*args, cwd=tmp_path)
        assert code == 2, (out, err)
        line = one_line(out, err)
        assert "ConfigError" in line and secret not in out + err, line


# ---- 8. CLI conventions ------------------------------------------------------------------


def test_ctrl_c_exits_130_with_the_checkpoint_and_the_resume_hint(
        pair: tuple[Server, Server], tmp_path: Path) -> None:
    src, dst = pair
    fill(src.port)
    cp = tmp_path / "cp.json"
    args = ["migrate", src.url, dst.url, "--batch", "100", "--checkpoint", str(cp)]
    proc = cli(*args, cwd=tmp_path)
    wait_for_progress(cp, proc)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, (out, err)
    assert "Traceback" not in err
    assert f"checkpoint at {cp}" in err and "--resume" in err
    code, out, err = run(*args, "--resume", "--verify", cwd=tmp_path)
    assert code == 0, (out, err)
    done = json.loads(cp.read_text())["counts"]["keys"]
    assert done == N_KEYS
    in_run = int(out.split(" in this run")[0].rsplit(" ", 1)[1])
    assert 0 < in_run < N_KEYS  # the rate counts this run's keys only
    assert compare(src.url, dst.url).ok


def test_same_endpoint_refused_and_labels_show_the_database(one: Server,
                                                            tmp_path: Path) -> None:
    server = one
    base = f"redis://127.0.0.1:{server.port}"
    r = redis_py.Redis(port=server.port, db=8)
    r.flushdb()
    r.set("a", "1")
    redis_py.Redis(port=server.port, db=10).flushdb()
    code, out, err = run("migrate", f"{base}/8", f"{base}/8", cwd=tmp_path)
    assert code == 2 and "same keyspace" in one_line(out, err)
    code, out, err = run("migrate", f"{base}/8", f"{base}/10", cwd=tmp_path)
    assert code == 0, (out, err)
    assert f"127.0.0.1:{server.port}/8 -> 127.0.0.1:{server.port}/10" in out


def test_version_module_entry_and_help_text(tmp_path: Path) -> None:
    code, out, _ = run("--version", cwd=tmp_path)
    assert code == 0 and out.strip() == f"redipy {redipy.__version__}"
    installed = Path(sys.executable).with_name("redipy")
    got = subprocess.run([str(installed), "--version"], capture_output=True, text=True)
    assert got.stdout == out
    from redipy.migrate.cli import _parser

    parser = _parser()
    subs = [a for a in parser._actions if hasattr(a, "choices") and isinstance(a.choices, dict)]
    assert subs
    for name, sub in subs[0].choices.items():
        for action in sub._actions:
            assert action.help, f"redipy {name} {action.option_strings or action.dest}"


def test_library_waits_for_a_script_longer_than_five_seconds(pair: tuple[Server, Server]
                                                             ) -> None:
    """redis-py 8's 5 s socket timeout killed long scripts (TimeoutError at 5.01 s while
    the server finished); the library sets none unless the URL asks for one."""
    src, _ = pair
    spin = ("local t = redis.call('TIME'); local stop = t[1] * 1000000 + t[2] + 5300000; "
            "repeat t = redis.call('TIME') until t[1] * 1000000 + t[2] >= stop; return 1")
    r = redipy.Redis(url=src.url)
    assert r.execute_command("EVAL", spin, "0") == 1
    bounded = redipy.Redis(url=src.url + "?socket_timeout=2.5")
    pools = [c.backend.conn.connection_pool for c in (bounded, r)]  # type: ignore[attr-defined]
    assert [p.connection_kwargs["socket_timeout"] for p in pools] == [2.5, None]
