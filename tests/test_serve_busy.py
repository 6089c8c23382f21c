"""``redipy serve`` while a script runs long: the loop keeps serving the other clients.

Scripts run on the server's script thread (:mod:`redipy.server.scripts`), so other
connections get BUSY once the script is past ``busy-reply-threshold``, SCRIPT KILL from
another client (redis-cli here) stops it, SHUTDOWN NOSAVE stops the server, and the
script's own client gets its reply, then the replies of what it sent meanwhile, in
order. Each exchange is compared with Valkey 9.1's over the same raw socket.
"""

from __future__ import annotations

import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import redis as redis_py

from redipy.server.listener import ServerThread, serve
from tests.lua_wire import Wire, _encode
from tests.servers import Server, start_server

SPIN = "local i = 0 while true do i = i + 1 end"
WRITE_THEN_SPIN = "redis.call('SET', KEYS[1], 'v') while true do end"
BUSY = ("BUSY Valkey is busy running a script. You can only call SCRIPT KILL or SHUTDOWN "
        "NOSAVE.")


@pytest.fixture(params=["uvloop", "asyncio"])
def served(request: pytest.FixtureRequest) -> Iterator[ServerThread]:
    with serve(loop=request.param, log=None) as handle:
        yield handle


def _wire(port: int) -> Wire:
    wire = Wire(port)
    wire.sock.settimeout(5)
    return wire


def _until_busy(port: int) -> None:
    probe = _wire(port)
    deadline = time.monotonic() + 5
    while probe.call("PING") != ("err", BUSY):
        assert time.monotonic() < deadline, "the script never became busy"
        time.sleep(0.01)
    probe.close()


def _pipelined_after_script(port: int) -> list[Any]:
    """The script's client pipelines more requests behind it; another client kills it."""
    runner, other = _wire(port), _wire(port)
    assert other.call("CONFIG", "SET", "busy-reply-threshold", "100") == ("status", b"OK")
    runner.sock.sendall(_encode(["EVAL", SPIN, "0"]) + _encode(["SET", "a", "1"])
                        + _encode(["EVAL", "return redis.call('GET', 'a')", "0"])
                        + _encode(["PING"]))
    _until_busy(port)
    seen = [other.call("GET", "a"), other.call("EVAL", "return 1", "0"),
            other.call("SCRIPT", "KILL")]
    seen += [runner._read() for _ in range(4)]
    seen += [other.call("GET", "a"), other.call("SCRIPT", "KILL")]
    other.call("CONFIG", "SET", "busy-reply-threshold", "5000")
    return seen


def _exec_with_script(port: int) -> list[Any]:
    """A transaction holding a long script: the others get BUSY during its EXEC too."""
    runner, other = _wire(port), _wire(port)
    other.call("CONFIG", "SET", "busy-reply-threshold", "100")
    seen = [runner.call("MULTI"), runner.call("SET", "t", "1"),
            runner.call("EVAL", "local i = 0 while true do i = i + 1 end", "0"),
            runner.call("GET", "t")]
    runner.sock.sendall(_encode(["EXEC"]))
    _until_busy(port)
    seen += [other.call("GET", "t"), other.call("SCRIPT", "KILL"), runner._read(),
             other.call("GET", "t")]
    other.call("CONFIG", "SET", "busy-reply-threshold", "5000")
    return seen


def _unkillable(port: int) -> list[Any]:
    runner, other = _wire(port), _wire(port)
    other.call("CONFIG", "SET", "busy-reply-threshold", "100")
    runner.sock.sendall(_encode(["EVAL", WRITE_THEN_SPIN, "1", "k"]))
    _until_busy(port)
    seen = [other.call("SCRIPT", "KILL"), other.call("GET", "k"), other.call("SHUTDOWN"),
            other.call("SHUTDOWN", "SAVE")]
    other.sock.sendall(_encode(["SHUTDOWN", "NOSAVE"]))
    seen += [other.sock.recv(100), runner.sock.recv(100)]  # both closed, no reply
    return seen


@pytest.mark.parametrize("scenario", [_pipelined_after_script, _exec_with_script])
def test_same_as_valkey9(served: ServerThread, servers: dict[str, Server],
                         scenario: Callable[[int], list[Any]]) -> None:
    valkey = servers["valkey9"]
    for port in (served.port, valkey.port):
        _wire(port).call("FLUSHALL")
    assert scenario(served.port) == scenario(valkey.port)


def test_shutdown_nosave_stops_an_unkillable_script(served: ServerThread) -> None:
    valkey = start_server("valkey9")  # a server of its own: it exits
    try:
        want = _unkillable(valkey.port)
        assert valkey.proc is not None and valkey.proc.wait(5) == 0
    finally:
        valkey.stop()
    assert _unkillable(served.port) == want
    served.thread.join(5)
    assert not served.thread.is_alive()
    scripts = served.server.scripts.thread
    assert scripts is not None
    scripts.join(5)
    assert not scripts.is_alive()  # the script was ended with the server


def test_redis_cli_kills_a_script_of_redis_py(served: ServerThread) -> None:
    """redis-py runs the script; redis-cli, another process, sees BUSY and kills it."""
    client = redis_py.Redis(port=served.port)
    client.config_set("busy-reply-threshold", 100)
    out: list[Any] = []

    def run() -> None:
        try:
            out.append(client.eval(SPIN, 0))
        except redis_py.ResponseError as err:
            out.append(str(err))

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    _until_busy(served.port)

    def cli(*args: str) -> str:
        return subprocess.run(["redis-cli", "-p", str(served.port), *args],
                              capture_output=True, text=True, timeout=10).stdout.strip()

    assert cli("GET", "x") == BUSY  # (no "(error) " prefix: not a terminal)
    assert cli("SCRIPT", "KILL") == "OK"
    thread.join(5)
    assert out == ["Script killed by user with SCRIPT KILL. script: on @user_script:1."]
    assert cli("PING") == "PONG"
    assert client.eval("return redis.call('INCR', KEYS[1])", 1, "n") == 1
    client.close()


def test_client_leaving_while_its_script_runs(served: ServerThread) -> None:
    runner, other = _wire(served.port), _wire(served.port)
    other.call("CONFIG", "SET", "busy-reply-threshold", "100")
    runner.sock.sendall(_encode(["EVAL", SPIN, "0"]))
    _until_busy(served.port)
    runner.close()
    assert other.call("SCRIPT", "KILL") == ("status", b"OK")
    deadline = time.monotonic() + 5
    while other.call("PING") != ("status", b"PONG"):
        assert time.monotonic() < deadline
        time.sleep(0.01)
    assert other.call("EVAL", "return 7", "0") == ("int", 7)


def test_short_scripts_in_a_pipeline_keep_their_order(served: ServerThread) -> None:
    """Cheap scripts answer within the chunk; RESP3 shapes are kept."""
    wire = _wire(served.port)
    assert wire.call("HELLO", "3")[0] == "map"
    wire.sock.sendall(b"".join(_encode(cmd) for cmd in (
        ["EVAL", "return redis.call('INCR', KEYS[1])", "1", "c"], ["INCR", "c"],
        ["EVAL", "redis.setresp(3) return redis.call('HGETALL', KEYS[1])", "1", "h"],
        ["EVAL", "return {double = 1.5}", "0"], ["GET", "c"])))
    assert [wire._read() for _ in range(5)] == [
        ("int", 1), ("int", 2), ("map", []), ("double", "1.5"), b"2"]


MAYBE_SPIN = "if ARGV[1] == 'spin' then local i = 0 while true do i = i + 1 end end return 1"
PUBLISH_THEN_WAIT = """
redis.call('PUBLISH', 'ch', ARGV[1])
if ARGV[1] == 'wait' then
  local t = redis.call('TIME') local s = t[1] * 1000000 + t[2]
  repeat t = redis.call('TIME') until t[1] * 1000000 + t[2] - s > 50000
end
return 1
"""


def test_a_short_script_turning_long_moves_off_the_loop(served: ServerThread) -> None:
    """A script proven short runs on the loop; the run that spins is stopped there
    before it has done anything and runs again on the script thread, where it becomes
    busy and is killed as any other."""
    runner, other = _wire(served.port), _wire(served.port)
    other.call("CONFIG", "SET", "busy-reply-threshold", "100")
    for _ in range(5):  # the first run compiles it: not short
        assert runner.call("EVAL", MAYBE_SPIN, "0", "no") == ("int", 1)
    runner.sock.sendall(_encode(["EVAL", MAYBE_SPIN, "0", "spin"]))
    _until_busy(served.port)
    assert other.call("SCRIPT", "KILL") == ("status", b"OK")
    assert runner._read() == (
        "err", "ERR Script killed by user with SCRIPT KILL. script: on @user_script:1.")
    assert runner.call("EVAL", MAYBE_SPIN, "0", "no") == ("int", 1)
    other.call("CONFIG", "SET", "busy-reply-threshold", "5000")


def test_a_script_that_published_is_not_run_twice(served: ServerThread) -> None:
    """Past the loop's budget a script that published finishes where it is: its
    subscribers get the message once."""
    listener = redis_py.Redis(port=served.port).pubsub()
    listener.subscribe("ch")
    assert listener.get_message(timeout=2)["type"] == "subscribe"
    runner = _wire(served.port)
    for _ in range(5):
        assert runner.call("EVAL", PUBLISH_THEN_WAIT, "0", "quick") == ("int", 1)
    assert runner.call("EVAL", PUBLISH_THEN_WAIT, "0", "wait") == ("int", 1)
    got = []
    while (message := listener.get_message(timeout=0.5)) is not None:
        got.append(message["data"])
    assert got == [b"quick"] * 5 + [b"wait"]
    listener.close()
