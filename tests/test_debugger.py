"""The script debugger: traces equal normal runs, breakpoints, rollback and sync,
failing scripts, the ldb vocabulary, and Redis-backed clients left untouched."""

from __future__ import annotations

import copy
import gc
import sys
import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import redis as redis_py

import redipy
from redipy.debug import CALL, ERROR, RETURN, STMT, Debugger, DebugResult, TraceEvent, trace_run
from redipy.debug.engine import _encode_args
from redipy.errors import ResponseError
from redipy.memory.boundary import error_text, shown, to_text, views
from redipy.memory.registry import HANDLERS
from redipy.script import FnContext, RedisHash, RedisList, RedisVar, ScriptRunError, ToNum
from redipy.script.pycomp import compile_python
from redipy.script.register import compiled
from tests.servers import Server
from tests.test_script_constructs import CASES
from tests.test_script_support import dump

HERE = "test_debugger.py"


def _line() -> int:
    """The caller's line number (to know where a statement was built)."""
    return sys._getframe(1).f_lineno


# ---- a normal run, with its Redis calls recorded ---------------------------------------


def normal_run(client: redipy.Redis, ctx: FnContext, keys: dict[str, str],
               args: dict[str, Any]) -> tuple[list[Any], Any, str | None]:
    """The plain (not traced) compilation, with handlers that record every call."""
    comp = compiled(ctx)
    calls: list[Any] = []

    def record(name: str, handler: Callable[[Any, Any], Any]) -> Callable[[Any, Any], Any]:
        def call(db: Any, argv: Any) -> Any:
            try:
                reply = handler(db, argv)
            except ResponseError:
                calls.append((name, shown(tuple(argv)), None))
                raise
            calls.append((name, shown(tuple(argv)), shown(copy.deepcopy(reply))))
            return reply
        return call

    handlers = {name: record(name, h) for name, h in HANDLERS.items()}
    prog = compile_python(comp.script, handlers, typer=comp.typer)
    assert "_trace" not in prog.source
    key_list, argv = _encode_args(comp, keys, args)
    db = client._backend.db  # type: ignore[attr-defined]
    try:
        with db.lock:  # inside the memory backend, scripts run on byte strings
            raw = comp.run_memory(prog, db, views(key_list), views(argv))
    except ScriptRunError as err:
        return calls, None, str(error_text(err))
    from redipy.script.register import script_value

    return calls, script_value(None if raw is None else to_text(raw)), None


def _setup(client: redipy.Redis, cmds: Any) -> None:
    for cmd in cmds:
        client.execute_command(*cmd)


@pytest.mark.parametrize("name", sorted(CASES))
def test_trace_equals_normal_run(name: str) -> None:
    """Every construct of the script tests: same calls, replies, value or error; the
    rollback run leaves the keyspace alone; sync leaves what a normal run leaves."""
    ctx, setup, calls, expected = CASES[name]()
    dbg_client, rec_client, plain = redipy.Redis(), redipy.Redis(), redipy.Redis()
    for client in (dbg_client, rec_client, plain):
        # a frozen clock makes TTL replies comparable (the scratch copy uses the client's)
        client._backend.db.clock = lambda: 1_700_000_000_000  # type: ignore[attr-defined]
        _setup(client, setup)
    fn = plain.register_script(ctx)
    for (keys, args), want in zip(calls, expected):
        before = dump(dbg_client)
        res = trace_run(dbg_client, ctx, keys=keys, args=args)
        assert dump(dbg_client) == before
        rec_calls, rec_value, rec_error = normal_run(rec_client, ctx, keys, args)
        try:
            value, error = fn(keys=keys, args=args), None
        except ScriptRunError as err:
            value, error = None, str(err)
        assert res.calls == rec_calls
        assert (res.value, res.error) == (value, error) == (rec_value, rec_error)
        assert want == (("ok", value) if error is None else ("error", "ScriptRunError"))
        assert res.events[-1].kind == (RETURN if error is None else ERROR)
        assert [e.step for e in res.events] == list(range(1, len(res.events) + 1))
        synced = trace_run(dbg_client, ctx, keys=keys, args=args, sync=True)
        assert synced.calls == rec_calls and synced.synced
        assert (synced.value, synced.error) == (value, error)
        assert dump(dbg_client) == dump(plain) == dump(rec_client)


# ---- the README's examples, step by step ----------------------------------------------


def filter_list_script() -> tuple[FnContext, dict[str, int]]:
    """README "Simple Example" (verbatim apart from the line bookkeeping)."""
    lines: dict[str, int] = {}
    ctx = redipy.script.FnContext()
    cmp = ctx.add_arg("cmp")
    inp = redipy.script.RedisList(ctx.add_key("inp"))
    left = redipy.script.RedisList(ctx.add_key("left"))
    right = redipy.script.RedisList(ctx.add_key("right"))
    lines["pop"] = _line() + 1
    cur = ctx.add_local(inp.lpop())
    lines["while"] = _line() + 1
    loop = ctx.while_(cur.ne_(None))
    b_then, b_else = loop.if_(redipy.script.ToNum(cur).lt_(cmp))
    lines["left"] = _line() + 1
    b_then.add(left.rpush(cur))
    b_else.add(right.rpush(cur))
    loop.add(cur.assign(inp.lpop()))
    ctx.set_return_value(None)
    return ctx, lines


FILTER_KEYS = {"inp": "mylist", "left": "small", "right": "big"}


def test_readme_simple_example_step_by_step() -> None:
    r = redipy.Redis()
    r.rpush("mylist", "1", "3", "2", "4")
    ctx, lines = filter_list_script()
    dbg = Debugger(r, ctx, keys=FILTER_KEYS, args={"cmp": 3}, timeout=10)
    assert dbg.current is None and not dbg.finished
    events: list[TraceEvent] = []
    while (event := dbg.step()) is not None:
        events.append(event)
        assert dbg.current is event
    assert dbg.finished and dbg.step() is None
    first = events[0]
    assert (first.kind, first.statement) == (STMT, "declare")
    assert first.origin == f"{HERE}:{lines['pop']}"
    assert first.lua_text == 'var_0 = (redis.call("LPOP", key_0) or nil)'
    assert first.locals == {"inp": "mylist", "left": "small", "right": "big", "cmp": 3.0}
    pop = events[1]
    assert (pop.kind, pop.command, pop.args, pop.reply) == (CALL, "LPOP", ("mylist",), "1")
    assert events[2].statement == "while" and events[2].locals["cur"] == "1"
    assert events[2].origin == f"{HERE}:{lines['while']}"
    calls = [(e.command, e.args, e.reply) for e in events if e.kind == CALL]
    assert calls == [
        ("LPOP", ("mylist",), "1"), ("RPUSH", ("small", "1"), 1),
        ("LPOP", ("mylist",), "3"), ("RPUSH", ("big", "3"), 1),
        ("LPOP", ("mylist",), "2"), ("RPUSH", ("small", "2"), 2),
        ("LPOP", ("mylist",), "4"), ("RPUSH", ("big", "4"), 2),
        ("LPOP", ("mylist",), None)]
    # the while line is a step at each check of its condition, as in Lua
    assert sum(1 for e in events if e.statement == "while" and e.kind == STMT) == 5
    for event in events:
        assert event.lua_line > 0 and event.lua_text and event.origin.startswith(HERE)
    assert events[-1].kind == RETURN and events[-1].reply is None
    assert dbg.result is not None and dbg.result.value is None
    assert dbg.result.events == events
    # rolled back: the client's data is as before
    assert r.lrange("mylist", 0, -1) == ["1", "3", "2", "4"]
    assert r.exists("small", "big") == 0


class RStackScripts:
    """README "Advanced Example": the four scripts of ``RStack``, as contexts."""

    @staticmethod
    def set_value() -> FnContext:
        ctx = FnContext()
        rsize = RedisVar(ctx.add_key("size"))
        rframe = RedisHash(redipy.script.Strs(
            ctx.add_key("frame"), ":", redipy.script.ToIntStr(rsize.get_value(default=0))))
        field = ctx.add_arg("field")
        value = ctx.add_arg("value")
        ctx.add(rframe.hset({field: value}))
        ctx.set_return_value(None)
        return ctx

    @staticmethod
    def pop_frame() -> FnContext:
        ctx = FnContext()
        rsize = RedisVar(ctx.add_key("size"))
        rframe = RedisHash(redipy.script.Strs(
            ctx.add_key("frame"), ":", redipy.script.ToIntStr(rsize.get_value(default=0))))
        lcl = ctx.add_local(rframe.hgetall())
        ctx.add(rframe.delete())
        b_then, b_else = ctx.if_(ToNum(rsize.get_value(default=0)).gt_(0))
        b_then.add(rsize.incrby(-1))
        b_else.add(rsize.delete())
        ctx.set_return_value(lcl)
        return ctx

    @staticmethod
    def get_cascading() -> FnContext:
        ctx = FnContext()
        rsize = RedisVar(ctx.add_key("size"))
        base = ctx.add_local(ctx.add_key("frame"))
        field = ctx.add_arg("field")
        pos = ctx.add_local(ToNum(rsize.get_value(default=0)))
        res = ctx.add_local(None)
        cur = ctx.add_local(None)
        rframe = RedisHash(cur)
        loop = ctx.while_(res.eq_(None).and_(pos.ge_(0)))
        loop.add(cur.assign(redipy.script.Strs(base, ":", redipy.script.ToIntStr(pos))))
        loop.add(res.assign(rframe.hget(field)))
        loop.add(pos.assign(pos - 1))
        ctx.set_return_value(res)
        return ctx


STACK_KEYS = {"size": "foo:size", "frame": "foo:frame"}


def _stack(r: redipy.Redis) -> None:
    """Frame 0 {a: hi, b: bye}, frame 1 {b: no}, frame 2 empty (size 2)."""
    setv = r.register_script(RStackScripts.set_value())
    setv(keys=STACK_KEYS, args={"field": "a", "value": "hi"})
    setv(keys=STACK_KEYS, args={"field": "b", "value": "bye"})
    r.incrby("foo:size", 1)
    setv(keys=STACK_KEYS, args={"field": "b", "value": "no"})
    r.incrby("foo:size", 1)


def test_readme_advanced_example_step_by_step() -> None:
    r = redipy.Redis()
    _stack(r)
    before = dump(r)
    dbg = Debugger(r, RStackScripts.get_cascading(), keys=STACK_KEYS, args={"field": "a"},
                   timeout=10)
    stops: list[TraceEvent] = []
    while (event := dbg.step()) is not None:
        stops.append(event)
    assert dbg.result is not None and dbg.result.value == "hi"
    hgets = [(e.args, e.reply) for e in stops if e.command == "HGET"]
    assert hgets == [(("foo:frame:2", "a"), None), (("foo:frame:1", "a"), None),
                     (("foo:frame:0", "a"), "hi")]
    last_stmt = [e for e in stops if e.kind == STMT][-1]
    assert last_stmt.statement == "return"
    assert last_stmt.locals == {"size": "foo:size", "frame": "foo:frame", "base": "foo:frame",
                                "field": "a", "pos": -1.0, "res": "hi", "cur": "foo:frame:0"}
    assert dump(r) == before
    # pop_frame deletes a computed key (copied on first use) and changes the size
    popped = trace_run(r, RStackScripts.pop_frame(), keys=STACK_KEYS, args={})
    assert popped.value is None  # frame 2 is empty: None, as a normal run returns it
    assert dump(r) == before
    synced = trace_run(r, RStackScripts.pop_frame(), keys=STACK_KEYS, args={}, sync=True)
    assert synced.calls[0] == ("GET", ("foo:size",), "2")
    assert r.get("foo:size") == "1" and r.exists("foo:frame:2") == 0
    assert r.hgetall("foo:frame:1") == {"b": "no"}


# ---- breakpoints -------------------------------------------------------------------


def test_breakpoints_by_lua_and_python_line() -> None:
    r = redipy.Redis()
    r.rpush("mylist", "1", "3", "2", "4")
    ctx, lines = filter_list_script()
    dbg = Debugger(r, ctx, keys=FILTER_KEYS, args={"cmp": 3}, timeout=10)
    push_small = next(n for n, text, _ in dbg.whole()
                      if text.strip() == 'redis.call("RPUSH", key_1, var_0)')
    assert dbg.break_at(push_small) == [push_small]
    hit = dbg.cont()
    assert hit is not None and (hit.lua_line, hit.locals["cur"]) == (push_small, "1")
    assert hit.origin == f"{HERE}:{lines['left']}"
    assert dbg.stop_reason == "break point"
    hit = dbg.cont()
    assert hit is not None and hit.locals["cur"] == "2"
    end = dbg.cont()
    assert end is not None and end.kind == RETURN and dbg.finished
    assert dbg.cont() is None
    # by Python line: "file.py:NN" and plain "NN" name the same statements
    dbg.restart()
    assert dbg.break_at(0) == []
    by_file = dbg.break_at(f"{HERE}:{lines['left']}")
    assert by_file == [push_small]
    assert dbg.break_at(f"-{HERE}:{lines['left']}") == []
    assert dbg.break_at(str(lines["left"])) == [push_small]
    hit = dbg.cont()
    assert hit is not None and hit.origin == f"{HERE}:{lines['left']}"
    assert dbg.break_at(-push_small) == []
    while_line = dbg.break_at(f"/some/dir/{HERE}:{lines['while']}")
    assert len(while_line) == 1
    hit = dbg.cont()  # the loop's next condition check
    assert hit is not None and hit.statement == "while" and hit.locals["cur"] == "3"
    with pytest.raises(ValueError):
        dbg.break_at(1)  # a comment line, not a statement
    with pytest.raises(ValueError):
        dbg.break_at(-999)
    with pytest.raises(ValueError):
        dbg.break_at("nowhere.py:3")
    dbg.abort()
    assert dbg.finished and dbg.result is not None and dbg.result.aborted


# ---- rollback, sync, abort, restart --------------------------------------------------


def _writer() -> FnContext:
    ctx = FnContext()
    counter = RedisVar(ctx.add_key("counter"))
    lst = RedisList(ctx.add_key("list"))
    h = RedisHash(ctx.add_key("hash"))
    ctx.add(counter.incrby(5))
    ctx.add(lst.rpush("x"))
    ctx.add(h.hset({"f": "v"}))
    ctx.add(lst.delete())
    ctx.set_return_value(counter.get_value())
    return ctx


WRITER_KEYS = {"counter": "c", "list": "l", "hash": "h"}


def test_rollback_sync_abort_restart_keep_ttls() -> None:
    r = redipy.Redis()
    r.set("c", "10")
    r.pexpire("c", 100_000)
    r.rpush("l", "a")
    ref = redipy.Redis()
    ref.set("c", "10")
    ref.pexpire("c", 100_000)
    ref.rpush("l", "a")
    before = dump(r)
    assert trace_run(r, _writer(), keys=WRITER_KEYS).value == "15"
    assert dump(r) == before and r.pttl("c") > 90_000
    # stepping: the script's view changes, the client's does not
    dbg = Debugger(r, _writer(), keys=WRITER_KEYS, timeout=10)
    dbg.step()
    dbg.step()
    assert dbg.redis("GET", "c") == "15" and r.get("c") == "10"
    assert dbg.redis("PTTL", "c") > 90_000
    dbg.abort()
    assert dump(r) == before
    # sync applies exactly what a normal run does
    value = ref.register_script(_writer())(keys=WRITER_KEYS, args={})
    dbg = Debugger(r, _writer(), keys=WRITER_KEYS, sync=True, timeout=10)
    result = dbg.run()
    assert result.value == value == "15" and result.synced
    assert dump(r) == dump(ref)
    # sync + abort keeps the changes made so far (ldb's sync mode), restart starts over
    dbg = Debugger(r, _writer(), keys=WRITER_KEYS, sync=True, timeout=10)
    while (event := dbg.step()) is not None and event.command != "INCRBYFLOAT":
        pass
    assert r.get("c") == "15"
    dbg.restart()
    assert r.get("c") == "20" and not dbg.finished and dbg.current is None
    assert dbg.run().value == "25" and r.get("c") == "25"
    # debugger commands write only to the copy, and reach the client with sync only
    dbg = Debugger(r, _writer(), keys=WRITER_KEYS, timeout=10)
    assert dbg.redis("SET", "other", "1") is not None
    dbg.run()
    assert r.exists("other") == 0


def test_normal_runs_do_not_pay_for_tracing() -> None:
    r = redipy.Redis()
    ctx = _writer()
    fn = r.register_script(ctx)
    trace_run(r, ctx, keys=WRITER_KEYS)
    comp = compiled(ctx)
    plain = comp.python(r._backend.handlers)  # type: ignore[attr-defined]
    assert "_trace" not in plain.source
    assert fn(keys=WRITER_KEYS, args={}) == "5"


# ---- failing scripts ---------------------------------------------------------------


def test_failing_script_stops_at_the_failing_step() -> None:
    r = redipy.Redis()
    r.set("l", "a string")
    ctx = FnContext()
    lst = RedisList(ctx.add_key("l"))
    n = ctx.add_local(1)
    fail_line = _line() + 1
    ctx.add(lst.rpush(n))
    ctx.set_return_value("never")
    with pytest.raises(ScriptRunError) as normal:
        r.register_script(ctx)(keys={"l": "l"}, args={})
    dbg = Debugger(r, ctx, keys={"l": "l"}, timeout=10)
    assert dbg.break_at(f"{fail_line}")
    stop = dbg.cont()
    assert stop is not None and stop.kind == STMT and stop.origin == f"{HERE}:{fail_line}"
    call = dbg.step()
    assert call is not None and call.kind == CALL and call.error is not None
    assert call.error.startswith("WRONGTYPE")
    err = dbg.step()
    assert err is not None and err.kind == ERROR and err.error == str(normal.value)
    assert err.lua_line == stop.lua_line and err.origin == f"{HERE}:{fail_line}"
    assert err.locals == {"l": "l", "n": 1.0}
    result = dbg.result
    assert isinstance(result, DebugResult) and result.value is None
    assert isinstance(result.exception, ScriptRunError)
    assert result.exception.statement == err.lua_text
    assert dbg.step() is None and r.get("l") == "a string"
    # a Lua error (not a Redis one) with the text interface
    ctx2 = FnContext()
    v = RedisVar(ctx2.add_key("v"))
    ctx2.add(v.get_value() + 1)
    dbg = Debugger(r, ctx2, keys={"v": "missing"}, timeout=10)
    out = dbg.execute("continue")
    assert out[0].startswith("<error> script ") and "arithmetic" in out[0]
    assert out[-1] == "(debugging session ended -- dataset changes rolled back)"


# ---- looking around: print, eval, list, whole, trace, redis, text ---------------------


def _looper() -> FnContext:
    ctx = FnContext()
    lst = RedisList(ctx.add_key("items"))
    seen = ctx.add_local([])
    body, idx, val = ctx.for_(lst.lrange(0, -1))
    stop, _ = body.if_(val.eq_("stop"))
    stop.break_()
    body.add(seen.set_at(idx, val))
    ctx.set_return_value(seen)
    return ctx


def test_inspecting_a_paused_script() -> None:
    r = redipy.Redis()
    r.rpush("items", "a", "b", "stop", "c")
    dbg = Debugger(r, _looper(), keys={"items": "items"}, timeout=10)
    assert dbg.print() == {} and dbg.trace()[1] == "  (not started)"
    set_line = next(n for n, text, _ in dbg.whole() if text.strip().startswith("setat("))
    dbg.break_at(set_line)
    stop = dbg.cont()
    assert stop is not None and stop.locals == {"items": "items", "seen": [], "idx": 0.0,
                                                 "val": "a"}
    assert dbg.print("val") == "a" and dbg.print("val_0") == "a"
    with pytest.raises(KeyError):
        dbg.print("nope")
    assert dbg.eval("val * 2 + str(len(seen))") == "aa0"
    assert dbg.eval("seen.append(1) or seen") == [1]
    assert dbg.print("seen") == []  # eval is read-only
    with pytest.raises(ValueError):
        dbg.eval("val.__class__")
    with pytest.raises(NameError):
        dbg.eval("open('x')")
    trace = dbg.trace()
    assert trace[0].startswith("In ") and trace[-1].startswith(f"->{set_line}")
    assert "for ix_0, val_0 in ipairs" in trace[1]
    listed = dbg.list(context=1)
    assert [n for n, _, _ in listed] == [set_line - 1, set_line, set_line + 1]
    assert [cur for _, _, cur in listed] == [False, True, False]
    assert len(dbg.whole()) == len(dbg.info.lines)
    assert dbg.redis("LLEN", "items") == 4
    with pytest.raises(ResponseError, match="not allowed"):
        dbg.redis("BLPOP", "items", "0")
    with pytest.raises(ResponseError, match="wrong number"):
        dbg.redis("GET")
    # the loop's own line is a step on every turn, with the loop variables set
    dbg.break_at(0)
    turn = dbg.step()
    while turn is not None and turn.statement != "for":
        turn = dbg.step()
    assert turn is not None and turn.locals["val"] == "b" and turn.locals["idx"] == 1.0
    result = dbg.run()
    assert result.value == ["a", "b"]


def test_text_vocabulary() -> None:
    r = redipy.Redis()
    r.rpush("mylist", "1", "3", "2", "4")
    ctx, lines = filter_list_script()
    dbg = Debugger(r, ctx, keys=FILTER_KEYS, args={"cmp": 3}, timeout=10)
    assert dbg.execute("help")[0].startswith("Redis-style script debugger help")
    assert dbg.execute("b") == ["No breakpoints set. Use 'b <line>' to add one."]
    out = dbg.execute("s")
    assert out[0] == f"* Stopped at 14 ({HERE}:{lines['pop']}), stop reason = step over"
    assert out[1] == '-> 14  var_0 = (redis.call("LPOP", key_0) or nil)'
    out = dbg.execute("next")
    assert out[:2] == ["<redis> LPOP mylist", '<reply> "1"']
    assert dbg.execute("p cur") == ['<value> "1"']
    assert dbg.execute("print")[-1] == '<value> cur = "1"'
    assert dbg.execute("p nope") == ["No such variable."]
    assert dbg.execute("e cur + '!'") == ['<retval> "1!"']
    assert dbg.execute("eval 1/0")[0].startswith("<error> ZeroDivisionError")
    assert dbg.execute("r lrange mylist 0 -1") == [
        "<redis> lrange mylist 0 -1", '<reply> ["3","2","4"]']
    assert dbg.execute("redis set k 'a b'") == ["<redis> set k \"a b\"", '<reply> "+OK"']
    assert dbg.execute("redis incr k")[1].startswith('<reply> "-ERR value is not')
    assert dbg.execute("b 17") == ['  #17  redis.call("RPUSH", key_1, var_0)']
    assert dbg.execute(f"b :{lines['left']}") == ['  #17  redis.call("RPUSH", key_1, var_0)']
    assert dbg.execute("b")[0] == "1 breakpoint set:"
    assert dbg.execute("b 1") == ["<error> no statement starts at Lua line 1"]
    assert dbg.execute("b x") == ["<error> Wrong line: x"]
    out = dbg.execute("c")
    assert out == [f"* Stopped at 17 ({HERE}:{lines['left']}), stop reason = break point",
                   '->#17  redis.call("RPUSH", key_1, var_0)']
    assert dbg.execute("l 17 1") == ["   16    if (tonumber(var_0) < arg_0) then",
                                     '->#17      redis.call("RPUSH", key_1, var_0)',
                                     "   18    else"]
    assert dbg.execute("t")[-1].startswith("->17")
    assert dbg.execute("w")[0] == f"   1   -- redipy script {ctx.name}"
    assert dbg.execute("b -17") == ["Breakpoint removed."]
    assert dbg.execute("b 0") == ["All breakpoints removed."]
    assert dbg.execute("frobnicate")[0].startswith("<error> Unknown")
    assert dbg.execute("restart") == ["(script restarted; use 'step' or 'continue')"]
    assert dbg.execute("c")[-1] == "(debugging session ended -- dataset changes rolled back)"
    assert dbg.execute("abort") == ["<error> the script has finished"]
    assert r.lrange("mylist", 0, -1) == ["1", "3", "2", "4"] and r.exists("k") == 0


def test_maxlen_trims_replies_and_values_as_ldb() -> None:
    r = redipy.Redis()
    r.rpush("mylist", "x" * 300, "1")
    ctx, _ = filter_list_script()
    dbg = Debugger(r, ctx, keys=FILTER_KEYS, args={"cmp": 3}, timeout=10)
    assert dbg.execute("maxlen") == ["<value> replies are truncated at 256 bytes."]
    dbg.execute("s")
    out = dbg.execute("s")  # the LPOP of the long element: trimmed, with the hint once
    long_reply = '<reply> "' + "x" * 300 + '"'
    assert out[1] == long_reply[:256] + " ..."
    assert out[2] == "<hint> The above reply was trimmed. Use 'maxlen 0' to disable trimming."
    assert dbg.execute("p cur") == ['<value> "' + "x" * 247 + " ..."]  # no second hint
    assert dbg.execute("m 10") == ["<value> replies are truncated at 60 bytes."]
    assert dbg.execute("e cur")[0] == '<retval> "' + "x" * 50 + " ..."
    assert dbg.execute("maxlen 0") == ["<value> replies are unlimited."]
    assert dbg.execute("p cur") == ['<value> "' + "x" * 300 + '"']
    assert dbg.execute("maxlen none") == ["<value> replies are unlimited."]
    assert dbg.execute("maxlen 1 2")[0].startswith("<error> Unknown")
    assert any(line.startswith("[m]axlen") for line in dbg.execute("help"))
    dbg.execute("abort")


def test_abandoned_debugger_ends_its_worker() -> None:
    r = redipy.Redis()
    r.rpush("mylist", "1")
    ctx, _ = filter_list_script()
    dbg = Debugger(r, ctx, keys=FILTER_KEYS, args={"cmp": 3}, timeout=10)
    dbg.step()
    thread = dbg._run.thread
    assert thread is not None and thread.is_alive()
    del dbg
    gc.collect()
    thread.join(timeout=10)
    assert not thread.is_alive()
    assert thread not in threading.enumerate()


def test_bad_inputs() -> None:
    r = redipy.Redis()
    ctx, _ = filter_list_script()
    with pytest.raises(ValueError, match="missing key 'left'"):
        Debugger(r, ctx, keys={"inp": "a"}, args={"cmp": 1})
    with pytest.raises(ValueError, match="missing arg 'cmp'"):
        Debugger(r, ctx, keys=FILTER_KEYS)
    with pytest.raises(TypeError):
        Debugger(object(), ctx, keys=FILTER_KEYS, args={"cmp": 1})


# ---- Redis-backed clients ------------------------------------------------------------


@pytest.fixture(params=["valkey", "redis"])
def server_client(request: pytest.FixtureRequest,
                  servers: dict[str, Server]) -> Iterator[tuple[redipy.Redis, redis_py.Redis]]:
    srv = servers[str(request.param)]
    raw = redis_py.Redis(port=srv.port, decode_responses=True)
    raw.flushall()
    client = redipy.Redis(url=srv.url)
    yield client, raw
    client.close()
    raw.close()


def _writes_since_save(raw: redis_py.Redis) -> int:
    return int(raw.info("persistence")["rdb_changes_since_last_save"])


def test_redis_backed_script_leaves_the_server_unchanged(
        server_client: tuple[redipy.Redis, redis_py.Redis]) -> None:
    client, raw = server_client
    mem = redipy.Redis()
    for target in (client, mem):
        _stack(target)
        target.set("c", "10")
        target.pexpire("c", 100_000)
        target.rpush("l", "a")
        target.sadd("s", "m")
        target.zadd("z", {"a": 1.5})
    before = dump(client)
    writes = _writes_since_save(raw)
    with pytest.raises(ValueError, match="never writes to a Redis server"):
        Debugger(client, _writer(), keys=WRITER_KEYS, sync=True)
    dbg = Debugger(client, RStackScripts.get_cascading(), keys=STACK_KEYS,
                   args={"field": "a"}, timeout=10)
    stop = dbg.step()
    assert stop is not None and stop.locals["size"] == "foo:size"
    assert dbg.redis("HSET", "foo:frame:2", "a", "local") == 1
    assert dbg.redis("SMEMBERS", "s") == ["m"]
    assert dbg.redis("ZSCORE", "z", "a") == "1.5"
    assert dbg.redis("PTTL", "c") > 90_000
    result = dbg.run()
    assert result.value == "local"
    assert dbg.redis("HGET", "foo:frame:2", "a") == "local"
    assert _writes_since_save(raw) == writes and dump(client) == before
    # the same script, same data: the trace equals a memory client's trace
    no_args: dict[str, Any] = {}
    for ctx, keys, args in ((RStackScripts.pop_frame(), STACK_KEYS, no_args),
                            (_writer(), WRITER_KEYS, no_args)):
        remote, local = trace_run(client, ctx, keys=keys, args=args), \
            trace_run(mem, ctx, keys=keys, args=args)
        assert remote.calls == local.calls
        normal = client.register_script(ctx)(keys=keys, args=args)
        assert remote.value == local.value == normal


def test_keyspace_wide_commands_see_a_memory_clients_keys() -> None:
    """KEYS / FLUSHDB work on a copy of the whole keyspace (memory clients)."""
    from redipy.script import RedisFn

    r = redipy.Redis()
    r.set("a", "1")
    r.rpush("b", "x")
    ctx = FnContext()
    found = ctx.add_local(RedisFn("KEYS", "*"))
    ctx.add(RedisFn("FLUSHDB", "SYNC"))
    ctx.set_return_value(found)
    assert sorted(trace_run(r, ctx).value) == ["a", "b"]
    assert sorted(r.keys()) == ["a", "b"]
    assert sorted(trace_run(r, ctx, sync=True).value) == ["a", "b"]
    assert r.keys() == set()
