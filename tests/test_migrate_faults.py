"""Crashes and lost connections in the middle of a migration, through the real CLI.

Each test runs ``redipy`` in a subprocess against servers it starts, interrupts it
once its checkpoint shows progress (SIGKILL, CLIENT KILL, or the destination server
dying), and checks that the failure is reported on one line with exit status 1 and
that ``--resume`` ends with source == target.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis as redis_py
from redipy.migrate import compare

import redipy
from tests.servers import Server, start_server

N_STRINGS = 60_000
BIG_LISTS = 40
BIG_LEN = 2_000


def cli(*args: str, cwd: Path) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "redipy.migrate.cli", *args],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            cwd=cwd)


def run_cli(*args: str, cwd: Path) -> tuple[int, str, str]:
    proc = cli(*args, cwd=cwd)
    out, err = proc.communicate(timeout=240)
    return proc.returncode, out, err


def fill(port: int) -> None:
    """Many small keys plus big lists (several parts each at --chunk 100), some TTLs."""
    r = redis_py.Redis(port=port)
    p = r.pipeline(transaction=False)
    for i in range(N_STRINGS):
        if i % 3 == 0:
            p.hset(f"h:{i}", mapping={"a": str(i), "b": "x"})
        else:
            p.set(f"s:{i}", str(i))
        if i % 4 == 0:
            p.pexpire(f"s:{i}" if i % 3 else f"h:{i}", 3_600_000)
        if i % 10_000 == 9_999:
            p.execute()
    for j in range(BIG_LISTS):
        p.rpush(f"biglist:{j}", *[f"{j}-{k}" for k in range(BIG_LEN)])
    p.execute()
    r.close()


@pytest.fixture(scope="module")
def source() -> Iterator[Server]:
    srv = start_server("valkey")
    try:
        fill(srv.port)
        yield srv
    finally:
        srv.stop()


@pytest.fixture
def target() -> Iterator[Server]:
    srv = start_server("valkey")
    try:
        yield srv
    finally:
        srv.stop()


def wait_for_progress(cp: Path, proc: subprocess.Popen[str], minimum: int = 1) -> dict:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if cp.exists():
            try:
                data = json.loads(cp.read_text())
            except ValueError:
                data = {}
            if data.get("counts", {}).get("keys", 0) >= minimum:
                return data
        assert proc.poll() is None, f"finished before it could be interrupted: {proc.stdout}"
        time.sleep(0.005)
    raise AssertionError("no checkpoint progress")


def assert_same(a: str, b: str) -> None:
    rep = compare(a, b)
    assert rep.ok, (rep.summary(), rep.problems)
    assert rep.keys == N_STRINGS + BIG_LISTS


def test_sigkill_then_resume_server_to_server(source: Server, target: Server,
                                              tmp_path: Path) -> None:
    cp = tmp_path / "cp.json"
    args = ["migrate", source.url, target.url, "--batch", "200", "--chunk", "100",
            "--checkpoint", str(cp)]
    proc = cli(*args, cwd=tmp_path)
    wait_for_progress(cp, proc, minimum=2000)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    copied = redis_py.Redis(port=target.port).dbsize()
    assert 0 < copied < N_STRINGS + BIG_LISTS
    code, out, err = run_cli(*args, "--resume", "--verify", cwd=tmp_path)
    assert code == 0, (out, err)
    assert "ok" in out and "verify ok" in out
    assert json.loads(cp.read_text())["finished"] is True
    assert_same(source.url, target.url)


def test_sigkill_then_resume_skip_mode_keeps_existing_keys(source: Server, target: Server,
                                                           tmp_path: Path) -> None:
    t = redis_py.Redis(port=target.port)
    t.set("s:1", "theirs")
    t.rpush("biglist:3", "theirs")
    cp = tmp_path / "cp.json"
    args = ["migrate", source.url, target.url, "--batch", "300", "--chunk", "100",
            "--on-conflict", "skip", "--checkpoint", str(cp)]
    proc = cli(*args, cwd=tmp_path)
    wait_for_progress(cp, proc, minimum=3000)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    code, out, err = run_cli(*args, "--resume", cwd=tmp_path)
    assert code == 0, (out, err)
    assert t.get("s:1") == b"theirs" and t.lrange("biglist:3", 0, -1) == [b"theirs"]
    rep = compare(source.url, target.url)
    assert (rep.missing, rep.extra, rep.type_mismatch, rep.ttl_mismatch) == (0, 0, 0, 0)
    assert rep.value_mismatch == 2  # exactly the two keys left alone
    for j in (0, 1, 2, 4, BIG_LISTS - 1):  # whole lists, no element copied twice
        assert t.llen(f"biglist:{j}") == BIG_LEN


def test_sigkill_then_resume_dump_to_file(source: Server, tmp_path: Path) -> None:
    snap = tmp_path / "snap.jsonl"
    cp = tmp_path / "snap.jsonl.checkpoint.json"
    args = ["dump", source.url, str(snap), "--batch", "200", "--chunk", "100"]
    proc = cli(*args, cwd=tmp_path)
    wait_for_progress(cp, proc, minimum=2000)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert not snap.exists() and (tmp_path / "snap.jsonl.partial").exists()
    code, out, err = run_cli(*args, "--resume", cwd=tmp_path)
    assert code == 0, (out, err)
    assert not (tmp_path / "snap.jsonl.partial").exists()
    assert_same(source.url, str(snap))
    lines = snap.read_text().splitlines()
    assert json.loads(lines[-1])["keys"] == N_STRINGS + BIG_LISTS


def test_client_kill_mid_batch_fails_cleanly_then_resumes(source: Server, target: Server,
                                                          tmp_path: Path) -> None:
    cp = tmp_path / "cp.json"
    args = ["migrate", source.url, target.url, "--batch", "200", "--checkpoint", str(cp)]
    proc = cli(*args, cwd=tmp_path)
    wait_for_progress(cp, proc, minimum=2000)
    # the source side: server to server, the target's connection is the source server's
    # own (MIGRATE), which that server re-opens by itself
    killer = redis_py.Redis(port=source.port)
    killed = 0
    while proc.poll() is None and not killed:
        killed = killer.execute_command("CLIENT", "KILL", "TYPE", "normal")
    out, err = proc.communicate(timeout=60)
    assert killed, "the migration finished before its connection could be killed"
    assert proc.returncode == 1, (out, err)
    assert "FAILED" in out and " ok" not in out.split(";")[0]
    assert len(out.strip().splitlines()) == 1
    assert "lost" in out or "Connection" in out or "connection" in out
    assert "Traceback" not in err
    assert cp.exists() and "--resume" in err
    code, out, err = run_cli(*args, "--resume", cwd=tmp_path)
    assert code == 0, (out, err)
    assert_same(source.url, target.url)


def test_destination_server_dies_mid_run(source: Server, tmp_path: Path) -> None:
    dest = start_server("valkey")
    try:
        cp = tmp_path / "cp.json"
        proc = cli("migrate", source.url, dest.url, "--batch", "200", "--checkpoint", str(cp),
                   cwd=tmp_path)
        wait_for_progress(cp, proc, minimum=2000)
        assert dest.proc is not None
        dest.proc.kill()
        out, err = proc.communicate(timeout=60)
        assert proc.returncode == 1, (out, err)
        assert out.startswith("migrate FAILED")
        assert len(out.strip().splitlines()) == 1
        assert "Traceback" not in err
        assert cp.exists()
        state = json.loads(cp.read_text())
        assert state["counts"]["keys"] >= 2000
    finally:
        dest.stop()


def test_api_reports_connection_loss_without_raising(source: Server, tmp_path: Path) -> None:
    """The Python API: a report with failed=True and the checkpoint kept, no exception."""
    dest = start_server("valkey")
    try:
        cp = str(tmp_path / "cp.json")
        seen = []

        def progress(done: int, total: int | None) -> None:
            seen.append(done)
            if len(seen) == 5:
                assert dest.proc is not None
                dest.proc.kill()
                dest.proc.wait()

        rep = redipy.migrate.migrate(redipy.Redis(url=source.url), redipy.Redis(url=dest.url),
                                     batch=200, checkpoint=cp, progress=progress)
        assert rep.failed and not rep.ok and rep.checkpoint == cp
        assert os.path.exists(cp)
        assert "FAILED" in rep.summary()
    finally:
        dest.stop()


def test_sigkill_then_resume_load_from_file(source: Server, target: Server,
                                            tmp_path: Path) -> None:
    snap = tmp_path / "snap.jsonl"
    assert redipy.migrate.dump(redipy.Redis(url=source.url), str(snap), chunk=100).ok
    cp = tmp_path / "cp.json"
    args = ["load", str(snap), target.url, "--batch", "200", "--checkpoint", str(cp)]
    proc = cli(*args, cwd=tmp_path)
    state = wait_for_progress(cp, proc, minimum=2000)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert state["pos"]["offset"] > 0
    code, out, err = run_cli(*args, "--resume", cwd=tmp_path)
    assert code == 0, (out, err)
    assert_same(str(snap), target.url)
    for j in range(BIG_LISTS):
        assert redis_py.Redis(port=target.port).llen(f"biglist:{j}") == BIG_LEN
