"""Script time limit: busy-reply-threshold, BUSY, SCRIPT KILL and FUNCTION KILL.

Each scenario runs on a fresh memory backend (clients in threads of their own, through
the byte-level door) and on Valkey 8.1, Valkey 9.1 and Redis 7.0 (one raw connection
per client), with the threshold set to 200 ms by CONFIG SET; every reply the clients
get must be equal once the older servers' wording is made Valkey 9.1's. Redis 7.0
writes "Script killed by user with SCRIPT KILL..." where Valkey writes one full stop
(and "SCRIPT KILL" for a killed function, where Valkey writes "FUNCTION KILL"), and
"BUSY Redis is busy"; the memory backend follows Valkey 9.1.

The other doors (the typed API's threads, redis-py drop-in connections, ``redipy
serve`` connections) are checked on memory alone: each gets the same BUSY text while
another thread's script is past the threshold.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import pytest
import redis as redis_py

import redipy
from redipy.memory.backend import MemoryBackend
from redipy.reply import Status
from tests.lua_wire import MemoryWire, Wire, as_valkey9
from tests.servers import Server

ALL = ("memory", "valkey", "valkey9", "redis")

SPIN = "local i = 0 while true do i = i + 1 end"
WRITE_THEN_SPIN = """
redis.call('SET', KEYS[1], 'v')
local t0 = redis.call('TIME')
local start = t0[1] * 1000000 + t0[2]
while true do
  local t = redis.call('TIME')
  if t[1] * 1000000 + t[2] - start > 700000 then return 'done' end
end
"""
PCALL_SPIN = "while true do pcall(function() local i = 0 while true do i = i + 1 end end) end"
CO_SPIN = ("local co = coroutine.create(function() local i = 0 while true do i = i + 1 end end)"
           " local r = {coroutine.resume(co)} return r[2]")
WRAP_SPIN = ("local f = coroutine.wrap(function() local i = 0 while true do i = i + 1 end end)"
             " return f()")
YIELD_SPIN = """
local co = coroutine.create(function()
  while true do for i = 1, 30000 do end coroutine.yield() end
end)
while true do coroutine.resume(co) end
"""
WRAP_YIELD_SPIN = """
local f = coroutine.wrap(function()
  while true do for i = 1, 30000 do end coroutine.yield() end
end)
while true do f() end
"""
WRAP_CASES = [
    "return coroutine.wrap(5)",
    "return coroutine.wrap(print)",
    "return {pcall(coroutine.wrap)}",
    "local f = coroutine.wrap(function(a, b) local c = coroutine.yield(a + b) return c * 2 end)"
    " return {f(1, 2), f(10)}",
    "local f = coroutine.wrap(function() error('boom') end) return {pcall(f)}",
    "local f = coroutine.wrap(function() error({err = 'E x'}) end) return f()",
    "local f = coroutine.wrap(function() return redis.call('NOSUCH') end) return f()",
    "local f = coroutine.wrap(function() return redis.pcall('NOSUCH') end) return f()",
    "local f = coroutine.wrap(function() end) f() return {pcall(f)}",
    "local co = coroutine.create(function() coroutine.yield(1) return 2 end)"
    " return {coroutine.resume(co), coroutine.resume(co), coroutine.resume(co)}",
    "return type(coroutine.wrap(function() end))",
]
LIBRARY = ("#!lua name=spinlib\n"
           "redis.register_function('spin', function()\n"
           "  local i = 0 while true do i = i + 1 end end)")


def _norm(reply: Any) -> Any:
    reply = as_valkey9(reply)
    if isinstance(reply, tuple) and reply[0] == "err":
        return ("err", reply[1].replace("SCRIPT KILL...", "SCRIPT KILL.")
                .replace("BUSY Redis is", "BUSY Valkey is")
                .replace("SCRIPT KILL. script: on @user_function", "FUNCTION KILL. script: on "
                         "@user_function"))  # Redis 7.0 names SCRIPT KILL for functions too
    return reply


def _clients(kind: str, servers: dict[str, Server]) -> Callable[[], Any]:
    if kind == "memory":
        backend = MemoryBackend()
        return lambda: MemoryWire(backend)
    srv = servers[kind]
    Wire(srv.port).call("FLUSHALL")
    return lambda: Wire(srv.port)


def _in_thread(fn: Callable[[], Any]) -> tuple[threading.Thread, list[Any]]:
    out: list[Any] = []
    thread = threading.Thread(target=lambda: out.append(fn()), daemon=True)
    thread.start()
    return thread, out


def _first_busy(client: Any) -> Any:
    """PING until it is answered with an error (the script is past the threshold)."""
    deadline = time.monotonic() + 4
    while time.monotonic() < deadline:
        reply = client.call("PING")
        if reply != ("status", b"PONG"):
            return reply
        time.sleep(0.01)
    raise AssertionError("the script never became busy")


def _setup(make: Callable[[], Any]) -> tuple[Any, Any]:
    a, b = make(), make()
    assert b.call("CONFIG", "SET", "busy-reply-threshold", "200") == ("status", b"OK")
    return a, b


def _kill_eval(make: Callable[[], Any]) -> list[Any]:
    a, b = _setup(make)
    seen = [b.call("CONFIG", "GET", "lua-time-limit"), b.call("SCRIPT", "KILL"),
            b.call("FUNCTION", "KILL")]
    thread, out = _in_thread(lambda: a.call("EVAL", SPIN, "0"))
    seen.append(_first_busy(b))
    for cmd in (("GET", "x"), ("SET", "x", "1"), ("FUNCTION", "STATS"), ("FUNCTION", "KILL"),
                ("SHUTDOWN",), ("EVAL", "return 1", "0"), ("SCRIPT", "KILL")):
        seen.append(b.call(*cmd))
    thread.join(4)
    assert not thread.is_alive()
    seen += [out[0], b.call("PING"), b.call("GET", "x"), b.call("SCRIPT", "KILL")]
    return seen


def _unkillable(make: Callable[[], Any]) -> list[Any]:
    a, b = _setup(make)
    thread, out = _in_thread(lambda: a.call("EVAL", WRITE_THEN_SPIN, "1", "k"))
    seen = [_first_busy(b), b.call("SCRIPT", "KILL"), b.call("FUNCTION", "KILL"),
            b.call("GET", "k")]
    thread.join(4)
    assert not thread.is_alive()
    return [*seen, out[0], b.call("GET", "k")]


def _killed_spin(script: str) -> Callable[[Callable[[], Any]], list[Any]]:
    """A spinning EVAL of ``script``: busy, then killed; what its caller got back."""
    def scenario(make: Callable[[], Any]) -> list[Any]:
        a, b = _setup(make)
        thread, out = _in_thread(lambda: a.call("EVAL", script, "0"))
        seen = [_first_busy(b), b.call("SCRIPT", "KILL")]
        thread.join(4)
        assert not thread.is_alive()
        return [*seen, out[0]]
    return scenario


_pcall_cannot_catch = _killed_spin(PCALL_SPIN)
#: a loop inside a coroutine counts too (servers' hook is inherited by coroutines):
#: busy, killed, and resume hands the kill error back to the script
_coroutine_counted = _killed_spin(CO_SPIN)
#: coroutine.wrap's coroutine counts too, and a coroutine's count goes on across its
#: resumes (one that yields before each 100k instructions still makes the script busy)
_wrap_counted = _killed_spin(WRAP_SPIN)
_yielding_counted = _killed_spin(YIELD_SPIN)
_wrap_yielding_counted = _killed_spin(WRAP_YIELD_SPIN)


def _wrap_semantics(make: Callable[[], Any]) -> list[Any]:
    b = make()
    return [b.call("EVAL", body, "0") for body in WRAP_CASES]


def _kill_function(make: Callable[[], Any]) -> list[Any]:
    a, b = _setup(make)
    seen = [b.call("FUNCTION", "LOAD", LIBRARY)]
    thread, out = _in_thread(lambda: a.call("FCALL", "spin", "0"))
    seen.append(_first_busy(b))
    stats = b.call("FUNCTION", "STATS")
    running = stats[1] if isinstance(stats, list) else stats
    seen.append(running[:4] if isinstance(running, list) else running)  # not duration_ms
    for cmd in (("GET", "x"), ("SCRIPT", "KILL"), ("FUNCTION", "KILL")):
        seen.append(b.call(*cmd))
    thread.join(4)
    assert not thread.is_alive()
    return [*seen, out[0], b.call("FUNCTION", "KILL")]


def _config(make: Callable[[], Any]) -> list[Any]:
    b = make()
    return [b.call("CONFIG", "GET", "busy-reply-threshold"),
            b.call("CONFIG", "SET", "lua-time-limit", "300"),
            b.call("CONFIG", "GET", "busy-reply-threshold"),
            b.call("CONFIG", "SET", "busy-reply-threshold", "-1"),
            b.call("CONFIG", "SET", "busy-reply-threshold", "x"),
            b.call("CONFIG", "SET", "busy-reply-threshold", "5000"),
            b.call("CONFIG", "GET", "lua-time-limit")]


SCENARIOS = {"kill_eval": _kill_eval, "unkillable": _unkillable,
             "pcall_cannot_catch": _pcall_cannot_catch, "coroutine_counted": _coroutine_counted,
             "wrap_counted": _wrap_counted, "yielding_counted": _yielding_counted,
             "wrap_yielding_counted": _wrap_yielding_counted,
             "wrap_semantics": _wrap_semantics,
             "kill_function": _kill_function,
             "config": _config}


@pytest.mark.parametrize("name", SCENARIOS)
def test_same_as_servers(name: str, servers: dict[str, Server]) -> None:
    results = {}
    for kind in ALL:
        if kind != "memory" and kind not in servers:
            continue
        results[kind] = [_norm(x) for x in SCENARIOS[name](_clients(kind, servers))]
        if kind != "memory":
            Wire(servers[kind].port).call("CONFIG", "SET", "busy-reply-threshold", "5000")
    for kind, got in results.items():
        assert got == results["valkey9"], (kind, [(i, x, y) for i, (x, y) in enumerate(
            zip(got, results["valkey9"], strict=True)) if x != y])


# ---- the other doors, on memory ---------------------------------------------------------


def _spinning(backend: MemoryBackend) -> tuple[threading.Thread, list[Any]]:
    r = redipy.Redis(rt=backend)
    r.execute_command("CONFIG", "SET", "busy-reply-threshold", "100")

    def run() -> Any:
        try:
            return r.execute_command("EVAL", SPIN, 0)
        except Exception as err:  # the killed script's error, checked by the caller
            return err

    return _in_thread(run)


def _until_busy(call: Callable[[], Any]) -> str:
    deadline = time.monotonic() + 4
    while time.monotonic() < deadline:
        try:
            call()
        except Exception as err:
            return str(err)
        time.sleep(0.01)
    raise AssertionError("never busy")


BUSY = "BUSY Valkey is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE."


def test_typed_api_and_drop_in_get_busy() -> None:
    backend = MemoryBackend()
    thread, out = _spinning(backend)
    typed = redipy.Redis(rt=backend)
    drop = redipy.Redis(rt=backend).redis_py()
    assert _until_busy(lambda: typed.get("x")) == BUSY
    with pytest.raises(redis_py.ResponseError) as err:
        drop.get("x")
    assert str(err.value) == BUSY
    with pytest.raises(redis_py.ResponseError) as err:
        drop.pipeline(transaction=False).set("a", 1).get("a").execute()
    assert str(err.value).endswith(f"caused error: {BUSY}")  # redis-py's pipeline words
    started = time.monotonic()
    with pytest.raises(Exception) as err:
        typed.set("y", "1")
    assert str(err.value) == BUSY and time.monotonic() - started < 0.5
    assert drop.script_kill() is True
    thread.join(4)
    assert not thread.is_alive()
    assert str(out[0]) == "ERR Script killed by user with SCRIPT KILL. script: on @user_script:1."
    assert typed.get("y") is None and drop.ping() is True
    drop.close()


def test_serve_connection_gets_busy() -> None:
    from redipy.server.listener import serve

    with serve() as handle:
        thread, _ = _spinning(handle.backend)
        client = redis_py.Redis(port=handle.port)
        assert _until_busy(lambda: client.get("x")) == BUSY
        assert client.script_kill() is True
        thread.join(4)
        assert not thread.is_alive()
        assert client.ping() is True
        client.close()


def test_short_scripts_are_not_busy() -> None:
    """A script under the threshold keeps the others waiting, as a server does."""
    backend = MemoryBackend()
    r = redipy.Redis(rt=backend)
    r.execute_command("CONFIG", "SET", "busy-reply-threshold", "2000")
    thread, out = _in_thread(lambda: r.execute_command(
        "EVAL", "local t = redis.call('TIME') local s = t[1] * 1e6 + t[2] "
        "while true do t = redis.call('TIME') if t[1] * 1e6 + t[2] - s > 300000 then "
        "return 1 end end", 0))
    time.sleep(0.05)
    assert r.get("x") is None  # waited for the script, no BUSY
    thread.join(4)
    assert out == [1]


LONG_WRITES = """
redis.call('SET', KEYS[1], 'first')
local t = redis.call('TIME') local s = t[1] * 1e6 + t[2]
while true do
  t = redis.call('TIME')
  if t[1] * 1e6 + t[2] - s > 200000 then break end
end
redis.call('SET', KEYS[2], 'second')
return 'done'
"""


def test_scripts_on_two_databases_take_turns() -> None:
    """A script on another database (another thread) waits for the running one, as on a
    server, where one script runs at a time: each writes to its own database. (They
    once shared the Lua state's current script: the first one's later writes went to the
    second one's database, and the second one failed.)"""
    backend = MemoryBackend()
    db0, db1 = backend.dbs[0], backend.dbs[1]
    backend.dispatch(db0, ["CONFIG", "SET", "busy-reply-threshold", "5000"])
    sha = backend.dispatch(db1, ["SCRIPT", "LOAD", "return redis.call('SET', KEYS[1], 'b')"])
    thread, out = _in_thread(lambda: backend.dispatch(db0, ["EVAL", LONG_WRITES, "2", "a1",
                                                            "a2"]))
    time.sleep(0.05)
    assert backend.dispatch(db1, ["EVALSHA", sha, "1", "b"]) == Status("OK")
    thread.join(4)
    assert out == ["done"]
    assert sorted(backend.dispatch(db0, ["KEYS", "*"])) == ["a1", "a2"]
    assert backend.dispatch(db1, ["KEYS", "*"]) == ["b"]


def test_script_on_another_database_gets_busy() -> None:
    """Past the threshold, a script sent on another database is refused with BUSY."""
    backend = MemoryBackend()
    db0, db1 = backend.dbs[0], backend.dbs[1]
    backend.dispatch(db0, ["CONFIG", "SET", "busy-reply-threshold", "100"])
    thread, out = _in_thread(lambda: _error_of(lambda: backend.dispatch(
        db0, ["EVAL", SPIN, "0"])))
    assert _until_busy(lambda: backend.dispatch(db1, ["EVAL", "return 1", "0"])) == BUSY
    assert backend.dispatch(db1, ["SCRIPT", "KILL"]) == Status("OK")
    thread.join(4)
    assert not thread.is_alive()
    assert out[0].startswith("ERR Script killed by user with SCRIPT KILL.")
    assert backend.dispatch(db1, ["EVAL", "return 1", "0"]) == 1


def _error_of(call: Callable[[], Any]) -> str:
    try:
        call()
    except Exception as err:
        return str(err)
    raise AssertionError("no error")


def test_first_scripts_of_two_threads_share_one_lua_state() -> None:
    """Two threads' first EVALs on a fresh backend (on two databases) get one Lua state:
    with one each, the busy check of one never saw the other's script (a hang, not BUSY)."""
    from redipy.memory.cmd_lua import runtime_for

    for _ in range(50):
        backend = MemoryBackend()
        start = threading.Barrier(2)
        got: list[Any] = []

        def first(db: Any, start: threading.Barrier = start, got: list[Any] = got) -> None:
            start.wait()
            got.append(runtime_for(db))

        threads = [threading.Thread(target=first, args=(db,)) for db in backend.dbs[:2]]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert got[0] is got[1]
