"""The ``redipy`` command line: exit statuses, one-line errors, no passwords, output modes."""

from __future__ import annotations

import json
import os
import pty
import select
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis as redis_py

from tests.servers import Server, free_port, start_server


def run(*args: str, cwd: Path) -> tuple[int, str, str]:
    proc = subprocess.run([sys.executable, "-m", "redipy.migrate.cli", *args],
                          capture_output=True, text=True, cwd=cwd, timeout=120)
    return proc.returncode, proc.stdout, proc.stderr


@pytest.fixture
def src() -> Iterator[Server]:
    srv = start_server("valkey")
    try:
        r = redis_py.Redis(port=srv.port)
        for i in range(500):
            r.set(f"k:{i}", i)
        r.hset("h", mapping={"a": "1"})
        r.zadd("z", {"m": 2.5})
        r.pexpire("h", 600_000)
        yield srv
    finally:
        srv.stop()


@pytest.fixture
def locked() -> Iterator[Server]:
    """A server with a password (set after start: the start-up ping has none)."""
    srv = start_server("valkey")
    try:
        redis_py.Redis(port=srv.port).config_set("requirepass", "top-s3cret")
        yield srv
    finally:
        srv.stop()


def one_line_error(out: str, err: str) -> str:
    lines = [line for line in (out + err).splitlines() if line.strip()]
    assert "Traceback" not in out + err
    return lines[0]


def test_migrate_dump_load_compare_happy_path(src: Server, server: Server,
                                              tmp_path: Path) -> None:
    redis_py.Redis(port=server.port).flushall()
    code, out, err = run("migrate", src.url, server.url, "--verify", cwd=tmp_path)
    assert code == 0, (out, err)
    assert out.startswith("migrate ok: copied 502 keys") and "verify ok" in out
    assert err == ""  # quiet when not a terminal
    assert run("dump", server.url, "s.jsonl", cwd=tmp_path)[0] == 0
    code, out, _ = run("compare", src.url, "s.jsonl", cwd=tmp_path)
    assert code == 0 and "502 keys identical" in out
    redis_py.Redis(port=server.port).flushall()
    code, out, err = run("load", "s.jsonl", server.url, "--match", "k:1*", "--type", "string",
                         cwd=tmp_path)
    assert code == 0, (out, err)
    assert "copied 111 keys" in out
    code, out, err = run("compare", src.url, server.url, cwd=tmp_path)
    assert code == 1 and "391 differences in 502 keys (missing in B 391)" in out
    assert "missing in B" in err


def test_dry_run_and_on_conflict(src: Server, server: Server, tmp_path: Path) -> None:
    r = redis_py.Redis(port=server.port)
    r.flushall()
    code, out, _ = run("migrate", src.url, server.url, "--dry-run", cwd=tmp_path)
    assert code == 0 and "would copy 502 keys" in out and r.dbsize() == 0
    r.set("k:7", "mine")
    code, out, _ = run("migrate", src.url, server.url, cwd=tmp_path)
    assert code == 1 and "1 keys already exist" in out and "nothing written" in out
    assert r.dbsize() == 1 and r.get("k:7") == b"mine"
    code, out, _ = run("migrate", src.url, server.url, "--on-conflict", "skip", cwd=tmp_path)
    assert code == 0 and "1 skipped" in out and r.get("k:7") == b"mine"
    code, out, _ = run("migrate", src.url, server.url, "--on-conflict", "replace", "--verify",
                       cwd=tmp_path)
    assert code == 0 and r.get("k:7") == b"7"


def test_bad_usage_exits_2(src: Server, tmp_path: Path) -> None:
    cases = [
        (["migrate", src.url, "http://example.com"], "unsupported URL scheme 'http'"),
        (["load", "missing.jsonl", src.url], "no such file: missing.jsonl"),
        (["migrate", "nowhere.jsonl", src.url], "no such file"),
        (["migrate", src.url, "neither-url-nor-jsonl"], "cannot tell what DST"),
        (["dump", src.url, src.url], "must be a snapshot file"),
        (["migrate", src.url, "x.jsonl", "--batch", "0"], "--batch: must be at least 1"),
        (["migrate", src.url, "x.jsonl", "--type", "vectorset"], "invalid choice"),
        (["frobnicate"], "invalid choice"),
    ]
    for args, message in cases:
        code, out, err = run(*args, cwd=tmp_path)
        assert code == 2, (args, out, err)
        assert message in out + err, (args, out, err)
        assert "Traceback" not in err


def test_connection_failures_exit_1_on_one_line(src: Server, locked: Server,
                                                tmp_path: Path) -> None:
    port = free_port()
    code, out, err = run("migrate", src.url, f"redis://127.0.0.1:{port}/0", cwd=tmp_path)
    assert code == 1
    assert f"cannot reach Redis at 127.0.0.1:{port}" in one_line_error(out, err)
    wrong = f"redis://:wrong-pass@127.0.0.1:{locked.port}/0"
    code, out, err = run("migrate", src.url, wrong, cwd=tmp_path)
    assert code == 1 and "authentication" in one_line_error(out, err)
    assert "wrong-pass" not in out + err
    code, out, err = run("migrate", src.url, f"redis://127.0.0.1:{locked.port}/0",
                         cwd=tmp_path)
    assert code == 1 and "requires a password" in one_line_error(out, err)
    good = f"redis://:top-s3cret@127.0.0.1:{locked.port}/0"
    code, out, err = run("migrate", src.url, good, "--verify", cwd=tmp_path)
    assert code == 0, (out, err)
    assert "top-s3cret" not in out + err
    code, out, err = run("dump", good, "p.jsonl", cwd=tmp_path)
    assert code == 0 and "top-s3cret" not in (tmp_path / "p.jsonl").read_text()


def test_corrupt_snapshot_names_the_line(src: Server, server: Server, tmp_path: Path) -> None:
    assert run("dump", src.url, "s.jsonl", cwd=tmp_path)[0] == 0
    good = (tmp_path / "s.jsonl").read_text().splitlines(keepends=True)
    lines = list(good)
    lines[9] = lines[9][: len(lines[9]) // 2] + "\n"
    (tmp_path / "bad.jsonl").write_text("".join(lines))
    redis_py.Redis(port=server.port).flushall()
    code, out, err = run("load", "bad.jsonl", server.url, cwd=tmp_path)
    assert code == 1
    assert "bad.jsonl:10: not a JSON record" in one_line_error(out, err)
    assert redis_py.Redis(port=server.port).dbsize() == 0
    (tmp_path / "cut.jsonl").write_text("".join(good[:20]))
    code, out, err = run("load", "cut.jsonl", server.url, cwd=tmp_path)
    assert code == 1 and "truncated" in one_line_error(out, err)


def test_memory_endpoint_is_accepted_with_a_note(src: Server, tmp_path: Path) -> None:
    code, out, err = run("migrate", src.url, "memory", cwd=tmp_path)
    assert code == 0 and "copied 502 keys" in out
    assert "note:" in err and "in-process" in err


def test_terminal_gets_a_progress_bar_and_a_table(src: Server, tmp_path: Path) -> None:
    master, slave = pty.openpty()
    env = {**os.environ, "COLUMNS": "120", "TERM": "xterm"}
    proc = subprocess.Popen([sys.executable, "-m", "redipy.migrate.cli", "dump", src.url,
                             "t.jsonl"], stdout=slave, stderr=slave, cwd=tmp_path, env=env)
    os.close(slave)
    chunks: list[bytes] = []
    while True:
        ready, _, _ = select.select([master], [], [], 60)
        if not ready:
            break
        try:
            data = os.read(master, 65536)
        except OSError:
            break
        if not data:
            break
        chunks.append(data)
    proc.wait(30)
    os.close(master)
    text = b"".join(chunks).decode(errors="replace")
    assert proc.returncode == 0, text
    assert "total" in text and "string" in text and "keys/s" in text
    assert json.loads((tmp_path / "t.jsonl").read_text().splitlines()[-1])["keys"] == 502
