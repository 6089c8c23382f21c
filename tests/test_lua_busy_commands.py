"""What each class of command gets while another client's script is busy.

One client runs a script that never ends (EVAL or FCALL); once it is past
``busy-reply-threshold`` (100 ms by CONFIG SET), another client sends a scenario's
commands, then SCRIPT KILL (or FUNCTION KILL) ends the script and the client sends the
scenario's last commands. The replies must be Valkey 9.1's word for word, on:

- ``session``: the memory backend in-process, through a client session (the door of the
  redis-py drop-in and of ``redipy serve``), the script in a thread of its own;
- ``serve``: ``redipy serve`` over a real socket (the script runs off the event loop);
- Valkey 8.1 and Redis 7.0, once their wording is made Valkey 9.1's (Redis 7.0 writes
  "BUSY Redis is busy"), except where they answer otherwise (:data:`OLDER_DIFFER`: they
  refuse SELECT and most CLIENT subcommands while busy, which Valkey 9.1 flags
  ``allow_busy``); the memory backend follows Valkey 9.1.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from redipy.errors import ResponseError
from redipy.memory.backend import MemoryBackend
from redipy.memory.client import NO_REPLY, ClientSession, Replies
from redipy.server.listener import ServerThread, serve
from tests.lua_wire import Wire, _encode, as_valkey9, shape
from tests.servers import Server

SPIN = "local i = 0 while true do i = i + 1 end"
LIBRARY = ("#!lua name=busylib\n"
           "redis.register_function('spin', function()\n"
           "  local i = 0 while true do i = i + 1 end end)")

Cmd = tuple[str, ...]
Scenario = tuple[list[Cmd], list[Cmd], list[Cmd]]

#: before the script (on the probing client), while it is busy, after it was killed
SCENARIOS: dict[str, Scenario] = {
    "ordinary": ([], [("GET", "x"), ("SET", "x", "1"), ("PING",), ("PING", "m"), ("ECHO", "e"),
                      ("INFO", "server"), ("DBSIZE",), ("PUBLISH", "ch", "m"),
                      ("EVAL", "return 1", "0"), ("SCRIPT", "EXISTS", "a"),
                      ("FUNCTION", "LIST"), ("CONFIG", "GET", "port"), ("TIME",),
                      ("NOSUCH",), ("GET",)],
                 [("GET", "x"), ("PING",)]),
    "multi_busy": ([], [("MULTI",), ("SET", "x", "1"), ("GET", "x"), ("EXEC",), ("DISCARD",)],
                   [("GET", "x")]),
    "multi_discard": ([], [("MULTI",), ("DISCARD",), ("DISCARD",)], []),
    "multi_before": ([("MULTI",), ("SET", "x", "1")], [("EXEC",)], [("GET", "x"), ("EXEC",)]),
    "multi_before_discard": ([("MULTI",), ("SET", "x", "1")], [("DISCARD",)], [("GET", "x")]),
    "multi_errors": ([], [("MULTI",), ("NOSUCH",), ("GET",), ("WATCH", "k"), ("MULTI",),
                          ("SCRIPT", "KILL"), ("PING",), ("EXEC",)], []),
    "multi_kill_queued": ([], [("MULTI",), ("SCRIPT", "KILL"), ("FUNCTION", "KILL")],
                          [("EXEC",)]),
    "exec_alone": ([], [("EXEC",), ("DISCARD",)], [("EXEC",)]),
    "watch": ([], [("WATCH", "k"), ("WATCH", "k2"), ("UNWATCH",), ("WATCH", "k")],
              [("MULTI",), ("SET", "k", "1"), ("EXEC",)]),
    "subscribed": ([("SUBSCRIBE", "ch")],
                   [("PING",), ("SUBSCRIBE", "c2"), ("UNSUBSCRIBE", "ch"), ("PSUBSCRIBE", "p"),
                    ("GET", "x")],
                   [("PING",)]),
    "subscribe": ([], [("SUBSCRIBE", "ch"), ("PSUBSCRIBE", "p*"), ("UNSUBSCRIBE",)], [("PING",)]),
    "auth_hello": ([], [("AUTH", "x"), ("AUTH", "default", "x"), ("HELLO", "3"), ("PING",),
                        ("HELLO", "2"), ("HELLO", "4")], [("PING",)]),
    "client": ([], [("CLIENT", "SETNAME", "bob"), ("CLIENT", "GETNAME"),
                    ("CLIENT", "SETINFO", "LIB-NAME", "x"), ("CLIENT", "NO-EVICT", "on"),
                    ("CLIENT", "NO-TOUCH", "on"), ("CLIENT", "NO-TOUCH", "off"),
                    ("CLIENT", "INFO"), ("CLIENT", "LIST"), ("CLIENT", "KILL", "ID", "1"),
                    ("CLIENT", "NOSUCH")], [("CLIENT", "GETNAME")]),
    "reply_off": ([], [("CLIENT", "REPLY", "OFF"), ("GET", "x"), ("CLIENT", "REPLY", "ON")],
                  [("PING",)]),
    "reset": ([], [("MULTI",), ("RESET",), ("EXEC",), ("RESET",)], [("PING",)]),
    "select": ([], [("SELECT", "1"), ("GET", "x"), ("SELECT", "99"), ("SELECT", "x")],
               [("SET", "x", "1"), ("SELECT", "0"), ("GET", "x")]),
    "shutdown": ([], [("SHUTDOWN",), ("SHUTDOWN", "SAVE"), ("SHUTDOWN", "NOW"),
                      ("SHUTDOWN", "ABORT"), ("SHUTDOWN", "ABORT", "NOSAVE"),
                      ("SHUTDOWN", "SAVE", "ABORT"), ("SHUTDOWN", "BOGUS"),
                      ("SHUTDOWN", "SAVE", "NOSAVE")], []),
    "kill": ([], [("FUNCTION", "STATS"), ("FUNCTION", "KILL"), ("SCRIPT", "KILL")],
             [("SCRIPT", "KILL"), ("PING",)]),
    "function": ([("FUNCTION", "LOAD", "REPLACE", LIBRARY)],
                 [("FUNCTION", "STATS"), ("SCRIPT", "KILL"), ("GET", "x"), ("FCALL", "spin", "0")],
                 [("FUNCTION", "KILL"), ("PING",)]),
    "quit": ([], [("QUIT",)], []),
}

OLDER_DIFFER = frozenset({"client", "reply_off", "select"})
"""Scenarios where Valkey 8.1 and Redis 7.0 refuse what Valkey 9.1 answers (SELECT,
CLIENT SETNAME / GETNAME / SETINFO / NO-EVICT / NO-TOUCH / REPLY while busy)."""

KINDS = ("session", "serve", "valkey9", "valkey", "redis")


class SessionWire:
    """A client session of an in-process memory backend, in :class:`Wire`'s shape."""

    def __init__(self, backend: MemoryBackend) -> None:
        self.session = ClientSession(backend)

    def call(self, *args: str) -> Any:
        try:
            reply = self.session.execute(list(args))
        except ResponseError as err:
            return ("err", err.message)
        if reply is NO_REPLY:
            return None
        if isinstance(reply, Replies):
            reply = reply[0]
        return shape(reply, self.session.protocol)

    def send(self, *args: str) -> None:
        self.call(*args)

    def close(self) -> None:
        self.session.close()


class SocketWire(Wire):
    def send(self, *args: str) -> None:
        self.sock.sendall(_encode(args))


def _connect(kind: str, servers: dict[str, Server], served: ServerThread,
             backend: MemoryBackend) -> Callable[[], Any]:
    if kind == "session":
        return lambda: SessionWire(backend)
    port = served.port if kind == "serve" else servers[kind].port

    def make() -> SocketWire:
        wire = SocketWire(port)
        wire.sock.settimeout(5)
        return wire
    return make


_IN_MULTI = re.compile(r"ERR Command '\w+' not allowed inside a transaction")
_OLD_WORDS = [("BUSY Redis is", "BUSY Valkey is"), ("SCRIPT KILL...", "SCRIPT KILL."),
              ("SCRIPT KILL. script: on @user_function",
               "FUNCTION KILL. script: on @user_function"),
              ("ERR MULTI calls can not be nested",
               "ERR Command not allowed inside a transaction"),
              ("ERR WATCH inside MULTI is not allowed",
               "ERR Command not allowed inside a transaction")]


def _norm(reply: Any) -> Any:
    """A reply with the older servers' words made Valkey 9.1's (as far as they tell),
    HELLO's server, version and id and FUNCTION STATS' duration left out."""
    reply = as_valkey9(reply)
    if isinstance(reply, tuple) and reply[0] == "err":
        text = reply[1]
        for old, new in _OLD_WORDS:
            text = text.replace(old, new)
        return ("err", _IN_MULTI.sub("ERR Command not allowed inside a transaction", text))
    if isinstance(reply, tuple) and reply[0] in ("script", "kill", "after"):
        return (reply[0], _norm(reply[1]))
    if isinstance(reply, list):
        if reply[:1] == [b"server"]:  # HELLO 2
            pairs = dict(zip(reply[::2], reply[1::2], strict=True))
            return [pairs[b"proto"], pairs[b"mode"], pairs[b"role"]]
        if reply[:1] == [b"name"] and b"duration_ms" in reply:  # FUNCTION STATS
            return reply[:4]
        return [_norm(x) for x in reply]
    if isinstance(reply, tuple) and reply[0] == "map":  # HELLO 3
        return ("map", [(k, v) for k, v in reply[1] if k in (b"proto", b"mode", b"role")])
    return reply


def _run(kind: str, name: str, make: Callable[[], Any]) -> list[Any]:
    before, during, after = SCENARIOS[name]
    runner, probe, killer = make(), make(), make()
    assert killer.call("CONFIG", "SET", "busy-reply-threshold", "100") == ("status", b"OK")
    fcall = name == "function"
    for cmd in before:
        probe.call(*cmd)
    out: list[Any] = []
    script = ("FCALL", "spin", "0") if fcall else ("EVAL", SPIN, "0")
    thread = threading.Thread(target=lambda: out.append(runner.call(*script)), daemon=True)
    thread.start()
    deadline = time.monotonic() + 5
    while _norm(killer.call("DBSIZE")) != ("err", _busy(fcall)):
        assert time.monotonic() < deadline, "the script never became busy"
        time.sleep(0.01)
    got: list[Any] = []
    quiet = False
    for cmd in during:
        if cmd == ("CLIENT", "REPLY", "OFF"):
            probe.send(*cmd)
            quiet = True
            continue
        if quiet and cmd[0] != "CLIENT":
            probe.send(*cmd)
            continue
        got.append(probe.call(*cmd))
        if cmd == ("QUIT",):
            break
    if name != "kill":  # there the probe's SCRIPT KILL ends it
        got.append(("kill", killer.call("FUNCTION" if fcall else "SCRIPT", "KILL")))
    thread.join(5)
    assert not thread.is_alive()
    got.append(("script", out[0]))
    if cmd != ("QUIT",):
        for cmd in after:
            got.append(("after", probe.call(*cmd)))
    assert killer.call("CONFIG", "SET", "busy-reply-threshold", "5000") == ("status", b"OK")
    killer.call("FLUSHALL")
    killer.call("FUNCTION", "FLUSH")
    for wire in (runner, probe, killer):
        wire.close()
    return [_norm(x) for x in got]


def _busy(fcall: bool) -> str:
    what = "FUNCTION KILL" if fcall else "SCRIPT KILL"
    return f"BUSY Valkey is busy running a script. You can only call {what} or SHUTDOWN NOSAVE."


@pytest.fixture(scope="module")
def served() -> Iterator[ServerThread]:
    with serve(log=None) as handle:
        yield handle


@pytest.mark.parametrize("name", SCENARIOS)
def test_busy_replies_as_valkey9(name: str, servers: dict[str, Server],
                                 served: ServerThread) -> None:
    results: dict[str, list[Any]] = {}
    for kind in KINDS:
        if kind in ("valkey", "valkey9", "redis") and kind not in servers:
            continue
        make = _connect(kind, servers, served, MemoryBackend())
        results[kind] = _run(kind, name, make)
    want = results["valkey9"]
    for kind, got in results.items():
        if kind in ("valkey", "redis") and name in OLDER_DIFFER:
            assert got != want  # the older servers refuse SELECT / CLIENT ... meanwhile
            continue
        assert got == want, (kind, [(i, x, y) for i, (x, y) in enumerate(zip(got, want))
                                    if x != y], got, want)
