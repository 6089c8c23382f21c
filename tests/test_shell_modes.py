"""The shell's connection-level behaviour and tool modes on the memory backend and on
servers: databases in the prompt, -n, -3, --json, MONITOR and SSUBSCRIBE on a server,
--stat, --scan with --type/--count, --keystats, and -c on a real cluster."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pexpect
import pytest
import redis as redis_py
from redipy.repl.modes import STAT_HEADER

from tests.cluster import start_cluster
from tests.servers import Server, start_server

SHELL = str(Path(sys.executable).parent / "redipy-shell")
REDIS_CLI = "/usr/bin/redis-cli"

FIXTURE = ["HSET h f v g w", "SADD s m n", "ZADD z 1.5 a 2 b", "RPUSH l x y",
           "SET user:1 a", "SET user:2 b", "SET other c", "EXPIRE other 100"]


def env() -> dict[str, str]:
    return {**os.environ, "REDIPY_HISTFILE": "", "PROMPT_TOOLKIT_NO_CPR": "1"}


@pytest.fixture(scope="module")
def srv() -> Iterator[Server]:
    server = start_server("redis")
    yield server
    server.stop()


def load(port: int) -> None:
    raw = redis_py.Redis(port=port)
    raw.flushall()
    for line in FIXTURE:
        raw.execute_command(*line.split())
    raw.close()


def shell(args: list[str], stdin: bytes = b"") -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([SHELL, *args], input=stdin, env=env(), capture_output=True,
                          timeout=60)


def on_memory(args: list[str], then: str) -> bytes:
    """``then`` run after the fixture, on a fresh memory backend (commands piped)."""
    script = "\n".join([*FIXTURE, "SELECT 5", "SELECT 0", then]) + "\n"
    out = shell(args, script.encode()).stdout
    return out.split(b"\n", len(FIXTURE) + 2)[-1]


@pytest.mark.parametrize("args,command", [
    (["--no-raw", "-3"], "HGETALL h"),
    (["--no-raw", "-3"], "ZRANGE z 0 -1 WITHSCORES"),
    (["--no-raw", "-3"], "ZSCORE z a"),
    (["--no-raw", "-3"], "HGETALL nope"),
    (["--json"], "HGETALL h"),
    (["--json", "-3"], "ZRANGE z 0 -1 WITHSCORES"),
    (["--no-raw"], "ZRANGE z 0 -1 WITHSCORES"),
    (["--no-raw"], "SELECT 3"),
    (["--no-raw"], "TTL other"),
], ids=lambda v: " ".join(v) if isinstance(v, list) else v)
def test_memory_answers_as_redis_cli_shows_a_server(srv: Server, args: list[str],
                                                    command: str) -> None:
    """The memory backend's output for a command equals redis-cli's for a real server
    holding the same data (what the shell shows is the protocol's, not the backend's)."""
    load(srv.port)
    theirs = subprocess.run([REDIS_CLI, "-p", str(srv.port), *args, *command.split()],
                            capture_output=True, timeout=30).stdout
    ours = on_memory(args, command)
    assert ours.endswith(theirs) and ours.count(b"\n") >= theirs.count(b"\n")


def test_databases_on_memory() -> None:
    got = shell(["-n", "2", "--command", "SET a 1", "--command", "DBSIZE",
                 "--command", "SELECT 0", "--command", "DBSIZE"])
    assert got.stdout == b"OK\n1\nOK\n0\n"
    child = pexpect.spawn(SHELL, [], env=env(), encoding="utf-8", timeout=10)
    child.expect("memory>")
    child.send("SELECT 1\r")
    child.expect(r"memory\[1\]>")
    child.send("SELECT 0\r")
    child.expect("OK")
    child.expect("memory>")
    assert "[" not in child.after
    child.sendcontrol("d")
    child.expect(pexpect.EOF)
    child.close()


def test_resp3_on_memory_after_hello() -> None:
    got = shell(["--no-raw"], b"HSET h f v\nHELLO 3\nHGETALL h\nHELLO 2\nHGETALL h\n")
    text = got.stdout.decode()
    assert '1# "server" => "redipy"' in text  # HELLO 3's own reply is a map already
    three = text.index('1# "f" => "v"\n')
    assert text.endswith('1) "f"\n2) "v"\n') and three < len(text) - 20


def _stream(args: list[str], act: list[list[str]], port: int) -> bytes:
    proc = subprocess.Popen([SHELL, "-p", str(port), *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, env=env())
    raw = redis_py.Redis(port=port)
    deadline = time.monotonic() + 10
    while True:
        clients = raw.execute_command("CLIENT", "LIST").decode()
        if "cmd=monitor" in clients or "cmd=ssubscribe" in clients:
            break
        assert time.monotonic() < deadline
        time.sleep(0.02)
    for argv in act:
        raw.execute_command(*argv)
    time.sleep(0.3)
    proc.send_signal(signal.SIGINT)
    out, _err = proc.communicate(timeout=10)
    raw.close()
    return out


def test_monitor_on_a_server(srv: Server) -> None:
    out = _stream(["MONITOR"], [["SET", "a", "1"]], srv.port)
    lines = out.decode().splitlines()
    assert lines[0] == "OK"
    assert any(re.fullmatch(r'\d+\.\d{6} \[0 127\.0\.0\.1:\d+\] "SET" "a" "1"', line)
               for line in lines[1:])


def test_ssubscribe_on_a_server(srv: Server) -> None:
    out = _stream(["--no-raw", "SSUBSCRIBE", "shard"], [["SPUBLISH", "shard", "hi"]],
                  srv.port)
    assert out == (b"Reading messages... (press Ctrl-C to quit)\n"
                   b'1) "ssubscribe"\n2) "shard"\n3) (integer) 1\n'
                   b'1) "smessage"\n2) "shard"\n3) "hi"\n')


def test_memory_monitor_hides_passwords() -> None:
    """MONITOR on memory through the shell's own session: AUTH never shows."""
    import io
    import threading

    from redipy.repl import stream
    from redipy.repl.session import Session
    from redipy.repl.shell import Shell

    import redipy

    out = io.StringIO()
    sh = Shell(Session(redipy.Redis()), out=out)
    backend = sh.session.client.backend
    done = threading.Event()

    def other() -> None:
        while not backend.monitors:
            time.sleep(0.01)
        from redipy.memory.client import ClientSession

        conn = ClientSession(backend, addr="other")
        for argv in (["AUTH", "s3cret"], ["SET", "k", "\xff"], ["HELLO", "2"]):
            try:
                conn.execute(argv)
            except Exception:
                pass
        time.sleep(0.2)
        done.set()

    thread = threading.Thread(target=other)
    thread.start()
    stream.run(sh, ["MONITOR"], until=done.is_set)
    thread.join()
    text = out.getvalue()
    assert "s3cret" not in text and '"SET" "k" "\\xff"' in text


def test_stat_header_and_lines(srv: Server) -> None:
    load(srv.port)
    for target in (["-p", str(srv.port)], []):
        proc = subprocess.Popen([SHELL, *target, "--stat", "-i", "0.1"],
                                stdout=subprocess.PIPE, env=env())
        assert proc.stdout is not None
        wanted = STAT_HEADER.count("\n") + 3  # the header, then three sample lines
        got = [proc.stdout.readline() for _ in range(wanted)]  # each line is flushed
        proc.send_signal(signal.SIGINT)
        out, _ = proc.communicate(timeout=10)
        text = b"".join(got).decode() + out.decode()
        assert text.startswith(STAT_HEADER), text
        rows = text[len(STAT_HEADER):].splitlines()
        assert len(rows) >= 3
        keys, mem, clients, _blocked, requests, plus, conns = rows[-1].split()
        assert int(keys) == (len({line.split()[1] for line in FIXTURE}) if target else 0)
        assert re.fullmatch(r"\d+(\.\d\d[KMG])?B?", mem) and int(clients) >= 1
        assert re.fullmatch(r"\(\+\d+\)", plus) and int(requests) >= 0 and int(conns) >= 1
    # the header is redis-cli's, byte for byte (read through a terminal: it buffers)
    child = pexpect.spawn(REDIS_CLI, ["-p", str(srv.port), "--stat"], timeout=10)
    child.expect(rb"connections +\r\n")
    theirs = (child.before + child.after).replace(b"\r", b"")
    child.sendcontrol("c")
    child.close()
    assert theirs == STAT_HEADER.encode()


def target_for(where: str, srv: Server, tmp_path: Path) -> list[str]:
    """Options that reach the fixture's data: the server, or a memory backend loaded
    from a snapshot written by another run of the shell."""
    if where == "server":
        load(srv.port)
        return ["-p", str(srv.port)]
    snap = tmp_path / "fixture.snapshot"
    made = shell(["--save", str(snap)], ("\n".join(FIXTURE) + "\n").encode())
    assert made.returncode == 0, made.stderr
    return ["--load", str(snap)]


@pytest.mark.parametrize("where", ["memory", "server"])
def test_scan_type_and_count(srv: Server, where: str, tmp_path: Path) -> None:
    target = target_for(where, srv, tmp_path)
    got = shell([*target, "--scan", "--type", "string", "--count", "2"]).stdout
    assert sorted(got.split()) == [b"other", b"user:1", b"user:2"]
    got = shell([*target, "--scan", "--pattern", "user:*", "--count", "1"]).stdout
    assert sorted(got.split()) == [b"user:1", b"user:2"]
    got = shell([*target, "--scan"]).stdout
    assert len(got.split()) == 7


@pytest.mark.parametrize("where", ["memory", "server"])
def test_keystats(srv: Server, where: str, tmp_path: Path) -> None:
    got = shell([*target_for(where, srv, tmp_path), "--keystats"])
    text = got.stdout.decode()
    assert text.startswith("Sampled 7 of 7 keys; memory ")
    assert text.split("\n")[0].endswith("(estimated)") == (where == "memory")
    assert re.search(r'"user:"\s+2\s+28\.6%', text)
    assert re.search(r"\(no prefix\)\s+5\s+71\.4%", text)
    assert re.search(r"string\s+3\s+42\.9%", text)
    assert re.search(r"< 1 hour\s+1\s+14\.3%", text)
    assert "Biggest keys by elements" in text and "Biggest keys by memory" in text
    assert "\x1b" not in text and "Sampling keys" not in text  # the bar goes to a terminal


@pytest.mark.cluster
def test_cluster_mode_follows_redirections() -> None:
    cluster = start_cluster()
    try:
        port = str(cluster.ports[0])
        keys = [f"key{i}" for i in range(8)]
        for key in keys:
            theirs = subprocess.run([REDIS_CLI, "-c", "-p", port, "SET", key, "v-" + key],
                                    capture_output=True, timeout=30).stdout
            ours = shell(["-c", "-p", port, "SET", key, "v-" + key]).stdout
            assert ours == theirs == b"OK\n"
        for key in keys:
            theirs = subprocess.run([REDIS_CLI, "-c", "-p", port, "GET", key],
                                    capture_output=True, timeout=30).stdout
            ours = shell(["-c", "-p", port, "GET", key]).stdout
            assert ours == theirs == f"v-{key}\n".encode()
        # without -c a key on another node answers MOVED, as redis-cli shows it
        other = next(k for k in keys if cluster.owner(k) != cluster.ports[0])
        theirs = subprocess.run([REDIS_CLI, "-p", port, "GET", other], capture_output=True,
                                timeout=30).stdout
        ours = shell(["-p", port, "GET", other]).stdout
        assert ours == theirs and ours.startswith(b"MOVED ")
    finally:
        cluster.stop()
