"""``redipy serve`` as a process: the command line, redis-cli and redis-benchmark against
it, snapshots across restarts, and faults from hundreds of misbehaving clients.

redis-cli and redis-benchmark come from the distribution's redis-tools (``.ci/run``
installs it); a missing tool fails these tests.
"""

from __future__ import annotations

import os
import random
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis

from tests.respwire import encode
from tests.servers import free_port

CLI = [sys.executable, "-m", "redipy", "serve"]


class Proc:
    def __init__(self, *args: str, env: dict[str, str] | None = None) -> None:
        self.proc = subprocess.Popen([*CLI, *args], stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, text=True,
                                     env={**os.environ, **(env or {})})
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        if not line.startswith("ready on "):
            self.proc.kill()
            raise AssertionError(f"no ready line: {line!r} {self.proc.stderr.read()!r}")
        self.ready = line.strip()
        self.port = int(line.rsplit(":", 1)[1])

    def stop(self, sig: int = signal.SIGTERM) -> tuple[int, str]:
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        try:
            _, err = self.proc.communicate(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            raise
        return self.proc.returncode, err


@pytest.fixture(scope="module", params=["auto", "asyncio"])
def srv(request: pytest.FixtureRequest) -> Iterator[Proc]:
    """The command line's server on uvloop (``auto``: installed with the test extras)
    and on the standard library's loop."""
    proc = Proc("--port", "0", "--loop", request.param)
    yield proc
    proc.stop()


def cli(port: int, *args: str, stdin: str | bytes | None = None,
        text: bool = True) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["redis-cli", "-p", str(port), *args], input=stdin,
                          capture_output=True, text=text, timeout=60)


def test_ready_line_and_port_zero(srv: Proc) -> None:
    assert srv.ready == f"ready on 127.0.0.1:{srv.port}" and srv.port > 0


def test_usage_errors() -> None:
    out = subprocess.run([*CLI, "--host", "0.0.0.0", "--port", "0"], capture_output=True,
                         text=True, timeout=30)
    assert out.returncode == 2 and "protected mode" in out.stderr
    out = subprocess.run([*CLI, "--password-env", "NO_SUCH_VAR_X"], capture_output=True,
                         text=True, timeout=30, env={**os.environ, "NO_SUCH_VAR_X": ""})
    assert out.returncode == 2 and "NO_SUCH_VAR_X" in out.stderr
    port = free_port()
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", port))
        busy.listen()
        out = subprocess.run([*CLI, "--port", str(port)], capture_output=True, text=True,
                             timeout=30)
    assert out.returncode == 1 and f"cannot listen on 127.0.0.1:{port}" in out.stderr
    assert "Traceback" not in out.stderr


def test_redis_cli_replies_and_exit_codes(srv: Proc) -> None:
    p = srv.port
    assert cli(p, "FLUSHALL").stdout == "OK\n"
    assert cli(p, "SET", "k", "hello world").stdout == "OK\n"
    assert cli(p, "GET", "k").stdout == "hello world\n"
    assert cli(p, "RPUSH", "l", "a", "b").stdout == "2\n"
    assert cli(p, "LRANGE", "l", "0", "-1").stdout == "a\nb\n"
    assert cli(p, "--no-raw", "LRANGE", "l", "0", "-1").stdout == '1) "a"\n2) "b"\n'
    assert cli(p, "-3", "HSET", "h", "f", "v").stdout == "1\n"
    assert cli(p, "--no-raw", "-3", "HGETALL", "h").stdout == '1# "f" => "v"\n'
    bad = cli(p, "NOSUCHCOMMAND")
    assert bad.stdout.startswith("ERR unknown command 'NOSUCHCOMMAND'")
    assert cli(p, "GET").stdout.startswith("ERR wrong number of arguments")
    assert cli(p, "PING").returncode == 0
    assert cli(p, "INFO", "keyspace").stdout.splitlines()[1].startswith("db0:keys=3")
    # redis-cli exits 1 when the connection fails
    assert subprocess.run(["redis-cli", "-p", str(free_port()), "PING"],
                          capture_output=True, timeout=30).returncode == 1


def test_redis_cli_pipe_mass_insert(srv: Proc) -> None:
    payload = b"".join(encode("SET", f"mass:{i}", f"v{i}") for i in range(100_000))
    done = subprocess.run(["redis-cli", "-p", str(srv.port), "--pipe"], input=payload,
                          capture_output=True, timeout=120)
    assert done.returncode == 0, done.stdout
    assert b"errors: 0, replies: 100000" in done.stdout
    with redis.Redis(port=srv.port) as r:
        assert r.get("mass:99999") == b"v99999"
        assert len(r.keys("mass:*")) == 100_000


def test_redis_cli_subscribe_mode(srv: Proc) -> None:
    sub = subprocess.Popen(["redis-cli", "-p", str(srv.port), "SUBSCRIBE", "news"],
                           stdout=subprocess.PIPE, text=True)
    try:
        assert sub.stdout is not None
        assert [sub.stdout.readline() for _ in range(3)] == ["subscribe\n", "news\n", "1\n"]
        deadline = time.monotonic() + 5
        while cli(srv.port, "PUBLISH", "news", "flash").stdout != "1\n":
            assert time.monotonic() < deadline
            time.sleep(0.05)
        assert [sub.stdout.readline() for _ in range(3)] == ["message\n", "news\n", "flash\n"]
    finally:
        sub.kill()
        sub.wait()


def test_redis_benchmark_smoke(srv: Proc) -> None:
    out = subprocess.run(["redis-benchmark", "-p", str(srv.port), "-n", "2000", "-c", "10",
                          "-P", "4", "-t", "set,get,lpush,lrange_100,mset", "--csv"],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    rows = [line.split(",")[0].strip('"') for line in out.stdout.splitlines()[1:]]
    assert rows[:2] == ["SET", "GET"] and "MSET (10 keys)" in rows


def test_snapshot_survives_restart(tmp_path: Path) -> None:
    snap = str(tmp_path / "data.jsonl")
    first = Proc("--port", "0", "--snapshot", snap, "--save-every", "0.2")
    with redis.Redis(port=first.port) as r:
        r.set("a", "1")
        r.hset("h", mapping={"f": "v"})
        r.zadd("z", {"m": 2.5})
        r.set("ttl", "x", px=600_000)
        deadline = time.monotonic() + 10
        while not os.path.exists(snap):  # the periodic save
            assert time.monotonic() < deadline
            time.sleep(0.05)
        r.rpush("late", "x")  # written after that save: the save at SIGTERM has it
    code, err = first.stop()
    assert code == 0 and "Traceback" not in err
    second = Proc("--port", "0", "--snapshot", snap)
    try:
        with redis.Redis(port=second.port) as r:
            assert r.get("a") == b"1" and r.hgetall("h") == {b"f": b"v"}
            assert r.zscore("z", "m") == 2.5 and r.lrange("late", 0, -1) == [b"x"]
            assert 590_000 < r.pttl("ttl") <= 600_000
            r.set("b", "2")
            assert r.save()
            assert b'"key":"b"' in Path(snap).read_bytes()
            r.set("c", "3")
            try:
                r.shutdown(nosave=True)
            except redis.ConnectionError:
                pass
        assert second.proc.wait(10) == 0
    finally:
        second.stop()
    assert b'"key":"c"' not in Path(snap).read_bytes()  # NOSAVE
    assert [f for f in os.listdir(tmp_path) if f != "data.jsonl"] == []


def test_snapshot_holds_every_database(tmp_path: Path) -> None:
    """With --databases and SELECT, --snapshot saves and restores each database (FILE is
    database 0, FILE.dbN database N); a database emptied since loses its file; a file
    for a database the server does not have is refused in one line."""
    snap = str(tmp_path / "data.jsonl")
    first = Proc("--port", "0", "--databases", "4", "--snapshot", snap)
    for db, key in ((0, "zero"), (1, "one"), (3, "three")):
        with redis.Redis(port=first.port, db=db) as r:
            r.set(key, str(db))
            r.set("shared", f"in {db}")
            r.rpush(f"list{db}", "a", "b")
    with redis.Redis(port=first.port, db=3) as r:
        r.hset("h", mapping={"f": "v"})
        r.pexpire("shared", 600_000)
        assert r.save()
    assert sorted(os.listdir(tmp_path)) == ["data.jsonl", "data.jsonl.db1", "data.jsonl.db3"]
    code, err = first.stop()
    assert code == 0 and "Traceback" not in err
    second = Proc("--port", "0", "--databases", "4", "--snapshot", snap)
    try:
        for db, key in ((0, "zero"), (1, "one"), (3, "three")):
            with redis.Redis(port=second.port, db=db) as r:
                assert r.get(key) == str(db).encode() and r.get("shared") == f"in {db}".encode()
                assert r.lrange(f"list{db}", 0, -1) == [b"a", b"b"]
                assert r.dbsize() == (4 if db == 3 else 3)
        with redis.Redis(port=second.port, db=3) as r:
            assert r.hgetall("h") == {b"f": b"v"} and 590_000 < r.pttl("shared") <= 600_000
            assert r.pttl("three") == -1
        with redis.Redis(port=second.port, db=2) as r:
            assert r.dbsize() == 0
        with redis.Redis(port=second.port, db=1) as r:
            r.flushdb()
            assert r.save()
    finally:
        second.stop()
    assert sorted(os.listdir(tmp_path)) == ["data.jsonl", "data.jsonl.db3"]
    refused = subprocess.run([*CLI, "--port", "0", "--databases", "2", "--snapshot", snap],
                             capture_output=True, text=True, timeout=60)
    assert refused.returncode == 1 and "Traceback" not in refused.stderr
    assert refused.stderr.strip() == (f"redipy serve: error: {snap}.db3 holds database 3, but "
                                      "the server has databases 0 to 1 (see --databases)")


def test_password_never_shown(tmp_path: Path) -> None:
    secret = "pw-" + os.urandom(6).hex()
    proc = Proc("--port", "0", "--requirepass", secret)
    try:
        with open(f"/proc/{proc.proc.pid}/cmdline", "rb") as fh:
            assert secret.encode() not in fh.read()
        with redis.Redis(port=proc.port, password=secret) as r:
            blob = repr(r.info("everything")) + repr(r.config_get("*"))
        assert secret not in blob
        assert cli(proc.port, "GET", "x").stdout.startswith("NOAUTH")
        bad = cli(proc.port, "-a", "wrong", "--no-auth-warning", "PING")
        assert "AUTH failed: WRONGPASS" in bad.stderr
    finally:
        _, err = proc.stop()
    assert secret not in err
    env_proc = Proc("--port", "0", "--password-env", "SERVE_PW", env={"SERVE_PW": secret})
    try:
        with redis.Redis(port=env_proc.port, password=secret) as r:
            assert r.ping()
    finally:
        env_proc.stop()


# ---- faults -----------------------------------------------------------------------------------


def _misbehave(port: int, kind: str, seed: int) -> None:
    rnd = random.Random(seed)
    sock = socket.create_connection(("127.0.0.1", port), timeout=5)
    try:
        if kind == "mid_command":
            data = encode("SET", f"f{seed}", "x" * 100)
            sock.sendall(data[:rnd.randrange(1, len(data))])
        elif kind == "mid_multi":
            sock.sendall(encode("MULTI") + encode("SET", f"m{seed}", "lost"))
        elif kind == "blocked":
            sock.sendall(encode("BLPOP", f"never{seed % 7}", "0"))
        elif kind == "subscribed":
            sock.sendall(encode("SUBSCRIBE", "faults") + encode("PSUBSCRIBE", "f*"))
        elif kind == "garbage":
            sock.sendall(bytes(rnd.randrange(256) for _ in range(rnd.randrange(1, 300))))
        elif kind == "huge_bulk":
            sock.sendall(b"*2\r\n$3\r\nGET\r\n$1073741824\r\n")
        elif kind == "short_payload":
            sock.sendall(b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$5000\r\nshort")
        time.sleep(rnd.random() * 0.2)
    except OSError:
        pass
    finally:
        sock.close()


def test_faults_harm_nobody(srv: Proc) -> None:
    """200 clients drop mid-command, mid-MULTI, blocked, subscribed, after garbage, a 1 GB
    bulk length or a short payload, while two writers keep going: every write that was
    acknowledged is there afterwards, and the server still serves."""
    with redis.Redis(port=srv.port) as r:
        r.delete("acked")
    acked: list[list[int]] = [[], []]
    stop = threading.Event()

    def writer(n: int) -> None:
        with redis.Redis(port=srv.port) as w:
            i = 0
            while not stop.is_set():
                w.rpush("acked", f"{n}:{i}")
                acked[n].append(i)
                i += 1

    writers = [threading.Thread(target=writer, args=(n,)) for n in range(2)]
    for t in writers:
        t.start()
    kinds = ["mid_command", "mid_multi", "blocked", "subscribed", "garbage", "huge_bulk",
             "short_payload"]
    bad = [threading.Thread(target=_misbehave, args=(srv.port, kinds[i % len(kinds)], i))
           for i in range(200)]
    for t in bad:
        t.start()
    for t in bad:
        t.join(30)
    stop.set()
    for t in writers:
        t.join(30)
    with redis.Redis(port=srv.port) as r:
        stored = set(r.lrange("acked", 0, -1))
        for n in range(2):
            assert acked[n], "a writer made no progress"
            assert {f"{n}:{i}".encode() for i in acked[n]} <= stored
        assert r.get("m0") is None  # MULTI never EXECuted
        deadline = time.monotonic() + 5
        while True:  # the dropped clients leave the client list
            left = r.client_list()
            if len(left) <= 1 or time.monotonic() > deadline:
                break
            time.sleep(0.05)
        assert len(left) == 1, left
        assert r.publish("faults", "anyone?") == 0
        assert r.ping()


# ---- the README's examples ----------------------------------------------------------------

ROOT = Path(__file__).resolve().parent.parent


def readme_section() -> str:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    return readme.split("## redipy serve", 1)[1].split("\n## ", 1)[0]


def test_readme_console_session(srv: Proc) -> None:
    """The README's redis-cli session, line for line (redis-cli as on a terminal:
    ``--no-raw``), against a fresh server; only the connection id may differ."""
    import re
    import shlex

    block = re.findall(r"```console\n(.*?)\n```", readme_section(), re.S)[0]
    with redis.Redis(port=srv.port) as r:
        r.flushall()
    steps: list[tuple[list[str], list[str]]] = []
    for line in block.splitlines():
        if line.startswith("$ "):
            steps.append((shlex.split(line[2:]), []))
        else:
            steps[-1][1].append(line)
    assert len(steps) >= 5
    for argv, expected in steps:
        argv = [str(srv.port) if a == "6379" else a for a in argv]
        if argv[0] == "redis-cli":
            argv.insert(1, "--no-raw")
        done = subprocess.run(argv, capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, done.stderr
        if argv[0] == "redis-benchmark":
            assert "SET: " in done.stdout and "GET: " in done.stdout
            continue
        got = [re.sub(r'"id" => \(integer\) \d+', '"id" => (integer) N', x)
               for x in done.stdout.splitlines()]
        want = [re.sub(r'"id" => \(integer\) \d+', '"id" => (integer) N', x)
                for x in expected]
        assert got == want, argv


def test_workbench_shell_against_serve(srv: Proc) -> None:
    shell = str(Path(sys.executable).parent / "redipy-shell")
    url = f"redis://127.0.0.1:{srv.port}"
    for argv, want in ((["SET", "shell:k", "v"], "OK\n"), (["GET", "shell:k"], "v\n")):
        done = subprocess.run([shell, "--url", url, *argv], capture_output=True, text=True,
                              timeout=60)
        assert (done.returncode, done.stdout) == (0, want), done.stderr
