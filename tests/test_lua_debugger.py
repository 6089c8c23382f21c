"""The raw-Lua debugger: its transcript against valkey-cli --ldb on Valkey 9.1, replies
and errors equal to EVAL, rollback and sync, errors stopping at the failing line, and
servers never written to."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
import redis as redis_py

import redipy
from redipy.debug import CALL, ERROR, LOG, RETURN, STMT
from redipy.debug.lua import LuaDebugger, lua_trace
from redipy.errors import ResponseError
from tests.conftest import make_client
from tests.servers import Server, valkey_cli_binary
from tests.test_script_support import dump

SCRIPT = """\
local function add(x, y)
  local z = x + y
  redis.debug('z is', z, {1, 2})
  return z
end
local t = {1, 2, "x", k = "v"}
local r = add(tonumber(ARGV[1]), 2)
redis.breakpoint()
local v = redis.call('INCR', KEYS[1])
local ok = redis.pcall('LPUSH', KEYS[1], 'x')
for i = 1, 2 do
  v = v + i
end
redis.call('SET', KEYS[2], v)
return {r, v, ok, redis.call('GET', KEYS[2])}
"""

TYPED = ["h", "s", "s", "s", "s", "t", "p", "s", "s", "c", "p", "p KEYS", "p ARGV", "p nosuch",
         "e {1,2,'a',{x=1}}", "e r", "r GET k1", "l 3 1", "b 12", "b 14", "b", "b -12", "b 99",
         "c", "p", "w", "m 70", "max", "max 70", "max x", "maxlen", "b x", "b 1 2", "b 05",
         "e (", "e nosuch()", "valkey GET k1", "v nosuch a", "server INCR", "r", "server",
         "print a b", "l abc 2", "STEP", "b 0", "b", "c"]

ANSI = re.compile(r"\x1b\[[0-9;]*m")
ADDR = re.compile(r"@0x[0-9a-f]+")


def cli_ldb(server: Server, tmp_path: Path, body: str, keys: list[str],
            args: list[str], typed: list[str]) -> list[str]:
    """The server's --ldb transcript for ``typed`` through its own cli (colours off,
    addresses masked): the ldb lines are the server's, the cli only prints them."""
    path = tmp_path / "script.lua"
    path.write_text(body)
    cli = "redis-cli" if server.kind == "redis" else valkey_cli_binary()
    out = subprocess.run([cli, "-p", str(server.port), "--ldb", "--eval", str(path),
                          *keys, ",", *args], input="\n".join(typed) + "\n", text=True,
                         capture_output=True, timeout=30, check=True).stdout
    return [ADDR.sub("@ADDR", ANSI.sub("", line)) for line in out.splitlines()]


def ours(dbg: LuaDebugger, typed: list[str]) -> list[str]:
    out = []
    for line in typed:
        out.extend(dbg.execute(line))
    return [ADDR.sub("@ADDR", line) for line in out]


def test_transcript_matches_valkey_cli(servers: dict[str, Server], tmp_path: Path) -> None:
    """Every line ldb prints for a session (help included) on Valkey 9.1, then the same
    reply; the data is rolled back on both."""
    server = servers["valkey9"]
    raw = redis_py.Redis(port=server.port, decode_responses=True)
    raw.flushall()
    cli = cli_ldb(server, tmp_path, SCRIPT, ["k1", "k2"], ["5"], TYPED)
    start = cli.index("help    -- Show Lua script debugging commands.") + 2
    end = cli.index("(Lua debugging session ended -- dataset changes rolled back)")
    # redis-cli prints the reply in its own format between blank lines
    blank = max(i for i in range(start, end - 1) if cli[i] == "")
    expected = cli[start + 2:blank]
    assert raw.dbsize() == 0
    dbg = LuaDebugger(redipy.Redis(), SCRIPT, ["k1", "k2"], ["5"])
    got = dbg.execute("s")
    assert got == cli[start:start + 2]
    lines = ours(dbg, TYPED)
    assert lines[:-2] == expected
    assert lines[-1] == "(Lua debugging session ended -- dataset changes rolled back)"
    served = raw.eval(SCRIPT, 2, "k1", "k2", "5")
    assert dbg.result is not None and dbg.result.error is None
    assert [str(x) for x in dbg.result.value] == [str(x) for x in served]
    assert cli[blank + 1:end - 1] == [
        "1) (integer) 7", "2) (integer) 4",
        "3) (error) WRONGTYPE Operation against a key holding the wrong kind of value",
        '4) "4"']


def replies(kind: str, servers: dict[str, Server], body: str, keys: list[str],
            args: list[str], setup: list[list[str]]) -> tuple[Any, str | None]:
    client = make_client(kind, servers)
    for cmd in setup:
        client.backend.execute(*cmd)
    try:
        reply = client.backend.execute("EVAL", body, str(len(keys)), *keys, *args)
        if isinstance(reply, ResponseError):  # an error reply returned by the script
            return None, str(reply)
        return reply, None
    except ResponseError as err:
        return None, str(err)
    finally:
        client.close()


CASES = {
    "values": ("local a = redis.call('SET', KEYS[1], ARGV[1])\nlocal b = redis.call('GET', "
               "KEYS[1])\nreturn {a, b, 3.9, true, false, {ok='fine'}}", ["a"], ["v"], []),
    "status": ("return redis.status_reply('DONE')", [], [], []),
    "error_reply": ("local x = 1\nreturn redis.error_reply('MY failure')", [], [], []),
    "runtime": ("local t = {}\nlocal function f(n)\n  return t.x.y + n\nend\nreturn f(1)",
                [], [], []),
    "call_error": ("redis.call('SET', KEYS[1], 'v')\nreturn redis.call('LPUSH', KEYS[1], 'x')",
                   ["a"], [], []),
    "global": ("x = 5\nreturn x", [], [], []),
    "no_writes": ("#!lua flags=no-writes\nlocal n = redis.call('GET', KEYS[1])\n"
                  "return redis.call('SET', KEYS[1], 'x')", ["a"], [], [["SET", "a", "1"]]),
    "reads": ("return {redis.call('LRANGE', KEYS[1], 0, -1), redis.call('HGETALL', KEYS[2]),"
              " redis.call('TTL', KEYS[1])}", ["l", "h"], [],
              [["RPUSH", "l", "1", "2"], ["HSET", "h", "f", "v"], ["EXPIRE", "l", "100"]]),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_run_gives_what_eval_gives(name: str, servers: dict[str, Server]) -> None:
    """The debugged run's reply or error is the memory backend's EVAL and Valkey 9.1's
    (whose error words memory follows), for a memory client and a server client."""
    body, keys, args, setup = CASES[name]
    memory = replies("memory", servers, body, keys, args, setup)
    served = replies("valkey9", servers, body, keys, args, setup)
    assert memory == served
    for kind in ("memory", "valkey9"):
        client = make_client(kind, servers)
        for cmd in setup:
            client.backend.execute(*cmd)
        before = dump(client)
        res = lua_trace(client, body, keys, args)
        assert (res.value, res.error) == memory
        assert res.events[-1].kind == (ERROR if memory[1] else RETURN)
        assert [e.step for e in res.events] == list(range(1, len(res.events) + 1))
        assert dump(client) == before
        client.close()


def test_events_and_locals() -> None:
    client = redipy.Redis()
    res = lua_trace(client, SCRIPT, ["k1", "k2"], ["5"])
    kinds = [e.kind for e in res.events]
    assert kinds.count(LOG) == 1 and kinds[-1] == RETURN
    calls = [(e.command, e.args) for e in res.events if e.kind == CALL]
    assert calls == [("INCR", ("k1",)), ("LPUSH", ("k1", "x")), ("SET", ("k2", "4")),
                     ("GET", ("k2",))]
    lpush = next(e for e in res.events if e.command == "LPUSH")
    assert lpush.error == "WRONGTYPE Operation against a key holding the wrong kind of value"
    log = next(e for e in res.events if e.kind == LOG)
    assert log.reply == "<debug> line 3: z is, 7, {1; 2; }" and log.lua_line == 3
    inner = next(e for e in res.events if e.kind == STMT and e.lua_line == 2)
    assert inner.locals == {"x": 5, "y": 2}
    assert [(line, name) for line, name, _ in inner.frames] == [(2, "add"), (7, "top level")]
    last = [e for e in res.events if e.kind == STMT][-1]
    assert last.locals["t"] == {1: 1, 2: 2, 3: "x", "k": "v"}
    assert last.locals["v"] == 4 and last.locals["r"] == 7
    assert client.dbsize() == 0


def test_error_stops_at_the_failing_line() -> None:
    body = "local t = {}\nlocal function f(n)\n  local m = n * 2\n  return t.x.y + m\nend\n" \
           "local r = f(21)\nreturn r"
    client = redipy.Redis()
    try:
        client.backend.execute("EVAL", body, "0")
    except ResponseError as err:
        expected = str(err)
    dbg = LuaDebugger(client, body)
    out = dbg.execute("c")
    assert out == ["<error> ERR user_script:4: attempt to index field 'x' (a nil value)",
                   "* Stopped at 4, stop reason = error", "-> 4     return t.x.y + m"]
    assert not dbg.finished
    assert dbg.execute("p") == ["<value> n = 21", "<value> m = 42"]
    assert dbg.execute("t") == ["In f:", "-> 4     return t.x.y + m", "From top level:",
                                "   6   local r = f(21)"]
    assert dbg.execute("e 1 + 1") == ["<retval> 2"]
    assert dbg.execute("s") == [f"<error> {expected}",
                                "(Lua debugging session ended -- dataset changes rolled back)"]
    assert dbg.result is not None and dbg.result.error == expected


def test_rollback_sync_abort_restart() -> None:
    client = redipy.Redis()
    client.backend.execute("SET", "n", "10")
    body = "redis.call('INCR', KEYS[1])\nredis.call('INCR', KEYS[1])\n" \
           "return redis.call('GET', KEYS[1])"
    dbg = LuaDebugger(client, body, ["n"])
    assert dbg.execute("c") == ['<reply> "12"',
                                "(Lua debugging session ended -- dataset changes rolled back)"]
    assert client.backend.execute("GET", "n") == "10"
    assert dbg.execute("s")[0].startswith("<error> the script has finished")
    assert dbg.execute("restart") == ["(script restarted; use 'step' or 'continue')"]
    dbg.execute("s")
    assert dbg.execute("r GET n") == ["<command> GET n", '<reply> "10"']
    assert dbg.execute("s")[:2] == ["<command> INCR n", "<reply> 11"]
    assert dbg.execute("r GET n") == ["<command> GET n", '<reply> "11"']
    assert dbg.execute("a") == [
        "<error> ERR script aborted for user request script: on @user_script:2.",
        "(Lua debugging session ended -- dataset changes rolled back)"]
    assert client.backend.execute("GET", "n") == "10"
    sync = LuaDebugger(client, body, ["n"], sync=True)
    sync.execute("s")
    sync.execute("s")
    assert sync.execute("a")[-1] == "(Lua debugging session ended)"
    assert client.backend.execute("GET", "n") == "11"  # sync mode keeps what ran, as ldb's abort
    sync.restart()
    sync.execute("c")
    assert client.backend.execute("GET", "n") == "13"


def test_breakpoints_and_bad_input() -> None:
    dbg = LuaDebugger(redipy.Redis(), "local a = 1\n\nlocal b = 2\nreturn a + b")
    assert dbg.execute("b 2") == ["   1   local a = 1", "  #2   ", "   3   local b = 2"]
    assert dbg.execute("b 2") == ["Wrong line number."]
    assert dbg.execute("b x") == ["Invalid argument:'x'"]
    assert dbg.execute("b -3") == ["No breakpoint in the specified line."]
    assert dbg.execute("b 3") == ["  #2   ", "  #3   local b = 2", "   4   return a + b"]
    assert dbg.execute("b -2") == ["Breakpoint removed."]
    assert dbg.execute("p") == ["<error> the script has not started; use 'step' first"]
    assert dbg.execute("c") == ["* Stopped at 3, stop reason = break point",
                                "->#3   local b = 2"]
    assert dbg.execute("e (") == ["Error compiling code: ldb_eval:1: unexpected symbol near "
                                  "'<eof>'"]
    assert dbg.execute("bogus") == [
        "<error> Unknown debugger command or wrong number of arguments."]
    assert dbg.execute("c") == ["<reply> 3",
                                "(Lua debugging session ended -- dataset changes rolled back)"]
    with pytest.raises(ResponseError, match="Error compiling script"):
        LuaDebugger(redipy.Redis(), "return (")
    with pytest.raises(ValueError, match="sync=True needs a memory client"):
        LuaDebugger(redipy.Redis(url="redis://127.0.0.1:1/0"), "return 1", sync=True)


def test_server_keys_are_copied_never_written(servers: dict[str, Server]) -> None:
    client = make_client("valkey", servers)
    client.backend.execute("RPUSH", "q", "a", "b")
    client.backend.execute("SET", "s", "1", "EX", "100")
    body = "local x = redis.call('LPOP', KEYS[1])\nredis.call('INCR', KEYS[2])\n" \
           "return {x, redis.call('LLEN', KEYS[1]), redis.call('GET', KEYS[2]), " \
           "redis.call('TTL', KEYS[2]) > 90}"
    res = lua_trace(client, body, ["q", "s"])
    assert res.value == ["a", 1, "2", 1]
    assert client.backend.execute("LRANGE", "q", "0", "-1") == ["a", "b"]
    assert client.backend.execute("GET", "s") == "1"
    client.close()


COROUTINES = """\
local co = coroutine.create(function(a)
  local b = a + 1
  coroutine.yield(b)
  return b * 2
end)
local ok, v = coroutine.resume(co, 1)
local gen = coroutine.wrap(function()
  local inner = coroutine.wrap(function() coroutine.yield(5) end)
  coroutine.yield(10 + inner())
end)
local w = gen()
return {v, w, select(2, coroutine.resume(co))}
"""


def test_lines_inside_coroutines_are_stepped(servers: dict[str, Server],
                                             tmp_path: Path) -> None:
    """A server's line hook reaches coroutines (Lua 5.1 gives a new thread its
    creator's C hook): stepping goes into coroutine.create and coroutine.wrap bodies,
    nested ones too, exactly as valkey-cli --ldb shows it. There ldb's print and trace
    look at the main thread (a C level first, then the script's frames), while the
    events keep the coroutine's own locals for the trace table."""
    # four steps reach line 2 inside `co`, seven more line 9 inside the inner wrap
    typed = (["s"] * 4 + ["t", "p b"] + ["s"] * 7 + ["p", "p gen", "p inner", "t"]
             + ["s"] * 3 + ["c"])
    cli = cli_ldb(servers["valkey9"], tmp_path, COROUTINES, [], [], typed)
    start = cli.index("help    -- Show Lua script debugging commands.") + 2
    end = cli.index("(Lua debugging session ended -- dataset changes rolled back)")
    blank = max(i for i in range(start, end - 1) if cli[i] == "")
    assert cli[blank + 1:end - 1] == ["1) (integer) 2", "2) (integer) 15", "3) (integer) 4"]
    dbg = LuaDebugger(redipy.Redis(), COROUTINES)
    lines = ours(dbg, ["s", *typed])
    assert lines[:-2] == cli[start:blank]
    assert "-> 9     coroutine.yield(10 + inner())" in lines
    assert "From top level:" in lines and "In top level:" not in lines
    assert dbg.result is not None and dbg.result.value == [2, 15, 4]
    at3 = next(e for e in dbg.events if e.kind == STMT and e.lua_line == 3)
    assert at3.locals == {"a": 1, "b": 2}


@pytest.mark.parametrize("body", ["return coroutine.create(5)",
                                  "return coroutine.wrap(tostring)",
                                  "local f = coroutine.wrap(function() error('x') end)\n"
                                  "return f()"])
def test_coroutine_errors_under_the_debugger(servers: dict[str, Server], body: str) -> None:
    """The debugger's coroutine.create/wrap fail as the originals do, at the same line
    (a tail call included)."""
    reply, expected = replies("valkey9", servers, body, [], [], [])
    assert reply is None and expected is not None
    assert replies("memory", servers, body, [], [], []) == (None, expected)
    res = lua_trace(redipy.Redis(), body)
    assert res.error is not None and res.error.endswith(expected)


STREAM_SCRIPT = """\
local function pick(flat, names)
  local out = {}
  for i = 1, #flat, 2 do
    if names[flat[i]] then out[#out + 1] = flat[i]; out[#out + 1] = flat[i + 1] end
  end
  return out
end
local INFO = {['length'] = 1, ['last-generated-id'] = 1, ['max-deleted-entry-id'] = 1,
              ['entries-added'] = 1, ['recorded-first-entry-id'] = 1, ['groups'] = 1,
              ['first-entry'] = 1, ['last-entry'] = 1}
local GROUP = {name = 1, consumers = 1, pending = 1, ['last-delivered-id'] = 1,
               ['entries-read'] = 1, lag = 1}
local function state(k, with_times)
  local groups = {}
  for _, g in ipairs(redis.call('XINFO', 'GROUPS', k)) do
    local name = g[2]
    local consumers = {}
    for _, c in ipairs(redis.call('XINFO', 'CONSUMERS', k, name)) do
      consumers[#consumers + 1] = pick(c, {name = 1, pending = 1})
    end
    local pel = {}
    for _, p in ipairs(redis.call('XPENDING', k, name, '-', '+', 100)) do
      pel[#pel + 1] = {p[1], p[2], p[4]}
    end
    groups[#groups + 1] = {pick(g, GROUP), consumers, redis.call('XPENDING', k, name), pel}
  end
  local full = redis.call('XINFO', 'STREAM', k, 'FULL')
  local times = {}
  for _, g in ipairs(full[#full]) do
    for _, p in ipairs(g[#g - 2]) do
      times[#times + 1] = p[1] .. (with_times and '@' .. p[3] or '')
    end
  end
  return {pick(redis.call('XINFO', 'STREAM', k), INFO), groups, times,
          redis.call('XRANGE', k, '-', '+'), redis.call('TTL', k) > 90}
end
local before = state(KEYS[1], true)
redis.call('XACK', KEYS[1], 'g', '2-1')
redis.call('XADD', KEYS[1], '9-1', 'z', '26')
redis.call('XREADGROUP', 'GROUP', 'g2', 'bob', 'COUNT', 1, 'STREAMS', KEYS[1], '>')
return {before, state(KEYS[1]), state(KEYS[2])}
"""


@pytest.mark.parametrize("kind", ["valkey", "valkey9", "redis"])
def test_server_streams_are_copied(kind: str, servers: dict[str, Server]) -> None:
    """A stream on a server steps on an exact copy: entries, last id, entries-added,
    max deleted id, groups (last delivered id, entries-read, lag), consumers, pending
    entries with owner, delivery time and count (one of them deleted from the stream),
    TTL; an empty stream too. (Delivery times are compared as copied: the script's own
    XREADGROUP delivers at its own time.) The server keeps its data; the same script run there
    afterwards gives the same reply."""
    client = make_client(kind, servers)
    ex = client.backend.execute
    ex("FLUSHALL")
    for entry_id, fields in (("1-1", ["a", "1"]), ("2-1", ["b", "2", "c", "3"]),
                             ("3-1", ["d", "4"]), ("4-1", ["e", "5"])):
        ex("XADD", "s", entry_id, *fields)
    ex("XGROUP", "CREATE", "s", "g", "0")
    ex("XGROUP", "CREATECONSUMER", "s", "g", "idle")
    ex("XREADGROUP", "GROUP", "g", "alice", "COUNT", "2", "STREAMS", "s", ">")
    ex("XREADGROUP", "GROUP", "g", "carol", "COUNT", "1", "STREAMS", "s", ">")
    ex("XCLAIM", "s", "g", "carol", "0", "2-1", "RETRYCOUNT", "7", "JUSTID")
    ex("XDEL", "s", "1-1", "4-1")
    ex("XGROUP", "CREATE", "s", "g2", "2-1", "ENTRIESREAD", "1")
    ex("XGROUP", "CREATE", "s", "g3", "3-1")
    ex("EXPIRE", "s", "100")
    ex("XGROUP", "CREATE", "empty", "g", "$", "MKSTREAM")
    ex("EXPIRE", "empty", "100")
    res = lua_trace(client, STREAM_SCRIPT, ["s", "empty"])
    assert res.error is None
    assert ex("XLEN", "s") == 2 and ex("XPENDING", "s", "g")[0] == 3
    served = ex("EVAL", STREAM_SCRIPT, "2", "s", "empty")
    assert res.value == served
    client.close()
