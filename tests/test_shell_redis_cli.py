"""redis-cli's command line: the same flags against the same real server print the same
bytes from /usr/bin/redis-cli and from redipy-shell; streaming modes (SUBSCRIBE,
PSUBSCRIBE, MONITOR) until Ctrl-C on servers and on the memory backend."""

from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pexpect
import pytest
import redis as redis_py
from redipy.repl.session import Session
from redipy.repl.shell import Shell

import redipy
from tests.servers import Server, start_server

SHELL = str(Path(sys.executable).parent / "redipy-shell")
REDIS_CLI = "/usr/bin/redis-cli"


@pytest.fixture(scope="module")
def srv() -> Iterator[Server]:
    server = start_server("redis")  # the server redis-cli 7.0 ships with
    yield server
    server.stop()


def env() -> dict[str, str]:
    out = dict(os.environ)
    out["REDIPY_HISTFILE"] = ""
    out.pop("REDISCLI_AUTH", None)
    return out


def fixture_data(port: int) -> None:
    raw = redis_py.Redis(port=port)
    raw.flushall()
    raw.rpush("list", "a", "b c", "")
    raw.set("str", b"x\xff\x00y\n\"q\"")
    raw.set("user:1", "alice")
    raw.set("user:2", "bob")
    raw.hset("hash", mapping={"f": "v", "g": "w"})
    raw.sadd("set", "m")
    raw.zadd("zset", {"a": 1.5, "b": 2})
    raw.close()


def both(port: int, args: list[str], stdin: bytes = b"") -> tuple[bytes, bytes]:
    """stdout of redis-cli and of redipy-shell for ``args``, each on fresh data."""
    outs = []
    for prog in ([REDIS_CLI], [SHELL]):
        fixture_data(port)
        proc = subprocess.run([*prog, "-p", str(port), *args], input=stdin, env=env(),
                              capture_output=True, timeout=60)
        outs.append(proc.stdout)
    return outs[0], outs[1]


CASES = [
    ["GET", "str"],
    ["--no-raw", "GET", "str"],
    ["LRANGE", "list", "0", "-1"],
    ["--no-raw", "LRANGE", "list", "0", "-1"],
    ["--no-raw", "HGETALL", "hash"],
    ["--json", "HGETALL", "hash"],
    ["--json", "GET", "str"],
    ["--quoted-json", "GET", "str"],
    ["--json", "LRANGE", "list", "0", "-1"],
    ["--no-raw", "-3", "HGETALL", "hash"],
    ["--no-raw", "-3", "SMEMBERS", "set"],
    ["--no-raw", "-3", "ZSCORE", "zset", "a"],
    ["-3", "--json", "ZRANGE", "zset", "0", "-1", "WITHSCORES"],
    ["--no-raw", "ZRANGE", "zset", "0", "-1", "WITHSCORES"],
    ["--no-raw", "SELECT", "1"],
    ["--no-raw", "RESET"],
    ["--no-raw", "-n", "3", "DBSIZE"],
    ["-n", "0", "DBSIZE"],
    ["-r", "3", "INCR", "counter"],
    ["--no-raw", "-r", "2", "-i", "0.01", "LPUSH", "l2", "x"],
    ["--raw", "INFO", "keyspace"],
    ["--no-raw", "INFO", "keyspace"],
    ["--no-raw", "GET", "missing"],
    ["GET", "missing"],
    ["--no-raw", "NOSUCHCMD", "a"],
    ["--scan", "--pattern", "user:*"],
    ["--bigkeys"],
    ["--memkeys"],
    ["-h", "127.0.0.1", "PING"],
]


@pytest.mark.parametrize("args", CASES, ids=lambda a: " ".join(a))
def test_same_output_as_redis_cli(srv: Server, args: list[str]) -> None:
    theirs, ours = both(srv.port, args)
    if "--scan" in args:  # SCAN's order is the server's; compare the sets of lines
        theirs, ours = b"\n".join(sorted(theirs.split(b"\n"))), b"\n".join(
            sorted(ours.split(b"\n")))
    assert ours == theirs


def test_url_user_and_password_flags(tmp_path: Path) -> None:
    server = start_server("redis", "--requirepass", "s3cret")
    try:
        cases = [
            ["-a", "s3cret", "PING"],
            ["--pass", "s3cret", "--no-auth-warning", "PING"],
            ["--user", "default", "-a", "s3cret", "--no-raw", "PING"],
            ["-a", "wrong", "PING"],
        ]
        for args in cases:
            got = []
            for prog in ([REDIS_CLI, "-p", str(server.port)], [SHELL, "-p", str(server.port)]):
                proc = subprocess.run([*prog, *args], env=env(), capture_output=True,
                                      timeout=30)
                got.append((proc.stdout, proc.stderr))
            assert got[1][0] == got[0][0], args
            if "-a" in args and "--no-auth-warning" not in args:
                assert got[1][1].splitlines()[0] == got[0][1].splitlines()[0]  # the warning
        # a URL's password and database (redis-cli 7.0 itself answers NOAUTH to this one)
        proc = subprocess.run([SHELL, "-u", f"redis://:s3cret@127.0.0.1:{server.port}/2",
                               "--no-raw", "DBSIZE"], capture_output=True, env=env(),
                              timeout=30)
        assert proc.stdout == b"(integer) 0\n" and b"may not be safe" in proc.stderr
        # REDISCLI_AUTH, as redis-cli reads it: no password in argv at all
        proc = subprocess.run([SHELL, "-p", str(server.port), "PING"], capture_output=True,
                              env={**env(), "REDISCLI_AUTH": "s3cret"}, timeout=30)
        assert proc.stdout == b"PONG\n" and b"s3cret" not in proc.stderr
    finally:
        server.stop()


def test_x_reads_the_last_argument_from_stdin(srv: Server) -> None:
    data = b"line one\nbinary \xff\x00 end\n"
    theirs, ours = both(srv.port, ["-x", "SET", "k"], stdin=data)
    assert ours == theirs == b"OK\n"
    raw = redis_py.Redis(port=srv.port)
    assert raw.get("k") == data
    raw.close()


def test_pipe_mode_summary(srv: Server) -> None:
    data = (b"*3\r\n$3\r\nSET\r\n$1\r\nx\r\n$2\r\n\xff1\r\n"
            b"*2\r\n$4\r\nINCR\r\n$4\r\nlist\r\nSET y 2\r\n")
    outs = []
    for prog in ([REDIS_CLI], [SHELL]):
        fixture_data(srv.port)
        proc = subprocess.run([*prog, "-p", str(srv.port), "--pipe"], input=data,
                              capture_output=True, env=env(), timeout=30)
        outs.append((proc.stdout, proc.stderr, proc.returncode))
    assert outs[1] == outs[0]
    assert outs[0][0].endswith(b"errors: 1, replies: 3\n")


def test_pipe_mode_on_memory() -> None:
    data = b"*3\r\n$3\r\nSET\r\n$1\r\nx\r\n$1\r\n1\r\nINCR x\r\nLPUSH x y\r\n"
    proc = subprocess.run([SHELL, "--pipe"], input=data, capture_output=True, env=env(),
                          timeout=30)
    assert proc.stdout.endswith(b"Last reply received from server.\nerrors: 1, replies: 3\n")
    assert proc.stderr.startswith(b"WRONGTYPE")
    assert proc.returncode == 1


def test_trailing_command_and_old_dash_c(srv: Server) -> None:
    got = subprocess.run([SHELL, "SET", "a", "1"], capture_output=True, env=env(), timeout=30)
    assert got.stdout == b"OK\n"
    got = subprocess.run([SHELL, "--command", "SET a 1", "--command", "GET a"],
                         capture_output=True, env=env(), timeout=30)
    assert got.stdout == b"OK\n1\n"
    # -c is cluster mode now; on a plain server redis-cli's -c still just runs the command
    got = subprocess.run([SHELL, "-p", str(srv.port), "-c", "PING"], capture_output=True,
                         env=env(), timeout=30)
    assert got.stdout == b"PONG\n" or b"cluster" in got.stderr.lower()
    got = subprocess.run([SHELL, "-z"], capture_output=True, env=env(), timeout=30)
    assert got.returncode == 1 and got.stderr.count(b"\n") == 1 and b"'-z'" in got.stderr
    help_text = subprocess.run([SHELL, "--help"], capture_output=True, env=env(), timeout=30)
    assert b"--command <cmd>" in help_text.stdout and b"-h <hostname>" in help_text.stdout


# ---- streaming ----------------------------------------------------------------------


def _stream_both(srv: Server, args: list[str], publish: list[tuple[str, str]]) -> list[bytes]:
    outs = []
    for prog in ([REDIS_CLI], [SHELL]):
        proc = subprocess.Popen([*prog, "-p", str(srv.port), *args], stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, env=env())
        raw = redis_py.Redis(port=srv.port)
        deadline = time.monotonic() + 10
        while raw.execute_command("PUBSUB", "NUMSUB", "news")[1] == 0 \
                and raw.execute_command("PUBSUB", "NUMPAT") == 0:
            assert time.monotonic() < deadline
            time.sleep(0.02)
        for channel, message in publish:
            raw.publish(channel, message)
        time.sleep(0.3)
        proc.send_signal(signal.SIGINT)
        out, _err = proc.communicate(timeout=10)
        outs.append(out)
        assert raw.execute_command("PUBSUB", "NUMPAT") == 0
        raw.close()
    return outs


@pytest.mark.parametrize("args", [["SUBSCRIBE", "news"], ["--json", "PSUBSCRIBE", "n*"],
                                  ["--no-raw", "SUBSCRIBE", "news"]],
                         ids=lambda a: " ".join(a))
def test_subscribe_streams_like_redis_cli(srv: Server, args: list[str]) -> None:
    theirs, ours = _stream_both(srv, args, [("news", "hello"), ("news", "two\nlines")])
    assert b"hello" in theirs
    assert ours == theirs


def spawn(args: list[str], **extra: str) -> pexpect.spawn:
    return pexpect.spawn(SHELL, args, env={**env(), "PROMPT_TOOLKIT_NO_CPR": "1", **extra},
                         encoding="utf-8", timeout=10, dimensions=(40, 120))


def test_pty_subscribe_ctrl_c_leaves_nothing_behind(srv: Server) -> None:
    raw = redis_py.Redis(port=srv.port)
    child = spawn(["-p", str(srv.port)])
    prompt = f"127.0.0.1:{srv.port}>"
    child.expect(prompt)
    child.send("PSUBSCRIBE n*\r")
    child.expect("Reading messages")
    child.expect(r"\(integer\) 1")
    raw.publish("news", "hi there")
    child.expect(r'1\) "pmessage"\s+2\) "n\*"\s+3\) "news"\s+4\) "hi there"')
    child.sendcontrol("c")
    child.expect(prompt)
    child.send("PUBSUB NUMPAT\r")
    child.expect(r"\(integer\) 0")
    child.expect(prompt)
    child.send("SELECT 3\r")
    child.expect(f"127.0.0.1:{srv.port}\\[3\\]>")
    child.send("SUBSCRIBE news\r")
    child.expect(r"\(integer\) 1")
    child.sendcontrol("c")
    child.expect(f"127.0.0.1:{srv.port}\\[3\\]>")  # reconnected to the same database
    assert raw.execute_command("PUBSUB", "NUMSUB", "news")[1] == 0
    child.send("BLPOP nothing 0.6\r")
    child.expect(r"\(nil\)")
    child.expect(r"\(0\.\d\ds\)")  # a slow call is timed, as redis-cli does
    child.expect(f"127.0.0.1:{srv.port}\\[3\\]>")
    child.sendcontrol("d")
    child.expect(pexpect.EOF)
    child.close()
    raw.close()


def test_pty_memory_subscribe_and_prompt() -> None:
    child = spawn([])
    child.expect("memory>")
    child.send("SUBSCRIBE a b\r")
    child.expect(r'1\) "subscribe"\s+2\) "b"\s+3\) \(integer\) 2')
    child.sendcontrol("c")
    child.expect("memory>")
    child.send("PUBSUB NUMSUB a b\r")
    child.expect(r'1\) "a"\s+2\) \(integer\) 0\s+3\) "b"\s+4\) \(integer\) 0')
    child.expect("memory>")  # keys sent before the prompt is back meet a cooked terminal
    child.sendcontrol("d")
    child.expect(pexpect.EOF)
    child.close()


def _shell_on_memory() -> tuple[Shell, io.StringIO]:
    out = io.StringIO()
    return Shell(Session(redipy.Redis()), mode="text", out=out), out


def test_memory_subscribe_receives_what_others_publish() -> None:
    shell, out = _shell_on_memory()
    other = shell.session.client  # another client of the same in-process server
    stop = threading.Event()

    def publisher() -> None:
        while other.backend.execute("PUBSUB", "NUMPAT") == 0:
            time.sleep(0.01)
        other.publish("news", "hello")
        other.publish("other", "x")
        time.sleep(0.2)
        stop.set()

    thread = threading.Thread(target=publisher)
    thread.start()
    from redipy.repl import stream

    stream.run(shell, ["PSUBSCRIBE", "n*"], until=stop.is_set)
    thread.join()
    text = out.getvalue()
    assert text.startswith("Reading messages... (press Ctrl-C to quit)\n"
                           '1) "psubscribe"\n2) "n*"\n3) (integer) 1\n')
    assert '1) "pmessage"\n2) "n*"\n3) "news"\n4) "hello"\n' in text
    assert '"other"' not in text
    assert other.backend.execute("PUBSUB", "NUMPAT") == 0  # nothing left behind


def test_memory_monitor_sees_every_client() -> None:
    shell, out = _shell_on_memory()
    backend = shell.session.client.backend
    stop = threading.Event()

    def worker() -> None:
        while not backend.monitors:
            time.sleep(0.01)
        client = redipy.Redis.__new__(redipy.Redis)  # a second client of the same server
        client.__dict__.update(shell.session.client.__dict__)
        client.set("a", "1")  # typed API (the fast path)
        client.backend.execute("rpush", "l", "x y")  # raw, as typed
        with client.pipeline() as pipe:
            pipe.incr("n")
            pipe.execute()
        time.sleep(0.2)
        stop.set()

    thread = threading.Thread(target=worker)
    thread.start()
    from redipy.repl import stream

    stream.run(shell, ["MONITOR"], until=stop.is_set)
    thread.join()
    lines = out.getvalue().splitlines()
    assert lines[0] == "OK"
    shown = [line.split(" ", 1)[1] for line in lines[1:]]
    assert shown == ['[0 memory] "SET" "a" "1"', '[0 memory] "rpush" "l" "x y"',
                     '[0 memory] "INCRBY" "n" "1"']  # what the pipeline sends
    assert float(lines[1].split()[0]) == pytest.approx(time.time(), abs=30)
    assert backend.monitors == ()  # the listener is gone: zero cost again
