"""0.7.1's plug-ins: memory functions and Lua patches called from builder scripts.

The plug-in modules are in ``tests/plugins071``. Every script runs on the memory backend
(with the memory plug-ins) and on each real server (with the Lua plug-ins) and must
answer the same; argument-count and registration errors are 0.7.1's.
"""

from __future__ import annotations

from typing import Any

import pytest

import redipy
from redipy.errors import ResponseError, ScriptBuildError
from redipy.memory.rt import LocalRuntime
from redipy.script import CallFn, FnContext, RedisFn, RedisVar, to_lua
from redipy.script.compilers import LuaBackend
from redipy.script.plugins import PluginArgcError, check_argc
from tests.conftest import make_client
from tests.plugins071 import both
from tests.servers import Server

BOTH = "tests.plugins071.both"


def with_plugins(r: redipy.Redis) -> redipy.Redis:
    """``r`` with the plug-ins of :mod:`tests.plugins071.both` for its backend, registered
    where 0.7.1 registered them."""
    if r.backend.kind == "memory":
        rt = r.get_memory_runtime()
        rt.add_redis_function_plugin(BOTH)
        rt.add_general_function_plugin(BOTH)
    else:
        lua = r.get_redis_runtime().get_backend()
        lua.add_redis_patch_plugin(BOTH)
        lua.add_general_patch_plugin(BOTH)
        lua.add_helper_function_plugin(BOTH)
    return r


def every_kind() -> FnContext:
    """One script using every plug-in kind."""
    ctx = FnContext()
    key = ctx.add_key("k")
    dflt = ctx.add_arg("d")
    ctx.add(RedisFn("incrbytwo", key))  # a statement: is_expr_stmt for the patch
    num = ctx.add_local(RedisFn("incrbytwo", key))
    ctx.set_return_value([
        RedisFn("getdefault", "missing", dflt),
        RedisFn("getdefault", key, dflt),
        num,
        CallFn("clamp", num, 0, 3),
        CallFn("clamp", -5, 0, 3),
        CallFn("string.reverse", "abc"),
    ])
    return ctx


def test_every_plugin_kind_same_result_on_every_backend(r: redipy.Redis) -> None:
    both.SEEN_STMT.clear()
    fn = with_plugins(r).register_script(every_kind())
    assert fn(keys={"k": "n"}, args={"d": "dflt"}) == ["dflt", "4", 4, 3, 0, "cba"]
    assert r.get_value("n") == "4"
    if r.backend.kind != "memory":
        # the patch saw the statement and the expression, as 0.7.1 called it
        assert both.SEEN_STMT == [True, False]
        assert "function redipy.clamp(x, lo, hi)" in fn.lua  # type: ignore[attr-defined]


def test_plugin_names_need_registration(r: redipy.Redis) -> None:
    """Without plug-ins: the memory backend refuses the script when it is registered;
    a server runs Lua's own function (0.7.1's behaviour) and the command's own name."""
    ctx = FnContext()
    ctx.set_return_value(CallFn("string.reverse", "abc"))
    if r.backend.kind == "memory":
        with pytest.raises(ScriptBuildError, match=r"unknown function string.reverse"):
            r.register_script(ctx)
    else:
        assert r.register_script(ctx)(keys={}, args={}) == "cba"
    helper = FnContext()
    helper.set_return_value(CallFn("redipy.clamp", 1, 0, 3))
    with pytest.raises(ScriptBuildError, match=r"unknown (helper clamp|function redipy.clamp)"):
        r.register_script(helper)


def test_argument_counts_are_0_7_1s(r: redipy.Redis) -> None:
    """0.7.1's argc rule and words on the memory backend; on a server the same, for a
    module registered there that carries the memory functions too (0.7.1 checked no
    counts in Lua: here both copies refuse the same calls)."""
    rt = with_plugins(r)
    cases: list[tuple[Any, str]] = [
        (RedisFn("getdefault", "k"), "getdefault: incorrect number of arguments need "
                                     "exactly 2 got 1"),
        (RedisFn("incrbytwo", "k", 1), "incrbytwo: incorrect number of arguments need "
                                       "exactly 1 got 2"),
        (CallFn("clamp", 1, 2), "clamp: incorrect number of arguments need exactly 3 got 2"),
        (CallFn("string.reverse"), "need exactly 1 got 0"),
    ]
    for expr, words in cases:
        ctx = FnContext()
        ctx.set_return_value(expr)
        with pytest.raises(PluginArgcError, match=words) as info:
            rt.register_script(ctx)
        assert isinstance(info.value, ValueError)  # what 0.7.1 raised
    # the rest of 0.7.1's rule: at_least, and at_most (which allows fewer than count)
    check_argc("f", {"count": 1, "at_least": True}, 5)
    check_argc("f", {"count": 2, "at_most": 3}, 0)
    with pytest.raises(ValueError, match=r"need at least 1 got 0$"):
        check_argc("f", {"count": 1, "at_least": True}, 0)
    with pytest.raises(ValueError, match=r"need exactly 0 up to 1 arguments got 2$"):
        check_argc("f", {"count": 0, "at_most": 1}, 2)


def test_registration_errors_are_0_7_1s() -> None:
    rt = LocalRuntime()
    with pytest.raises(RuntimeError, match="duplicate function definition: get"):
        rt.add_redis_function_plugin("tests.plugins071.clash")
    rt.add_redis_function_plugin(BOTH)
    with pytest.raises(RuntimeError, match="duplicate function definition: getdefault"):
        rt.add_redis_function_plugin(BOTH)
    with pytest.raises(RuntimeError, match=r"patch name redis.call is not allowed"):
        LuaBackend().add_general_patch_plugin("tests.plugins071.clash")
    lua = LuaBackend()
    lua.add_redis_patch_plugin(BOTH)
    with pytest.raises(RuntimeError, match="duplicate patch definition: getdefault"):
        lua.add_redis_patch_plugin(BOTH)
    with pytest.raises(ModuleNotFoundError):
        rt.add_general_function_plugin("tests.plugins071.nowhere")


def test_errors_inside_a_plugin_are_the_servers(r: redipy.Redis) -> None:
    """``getdefault`` of a list: the memory plug-in's GET and the patched redis.call
    both fail with the server's WRONGTYPE."""
    r.rpush("l", "a")
    ctx = FnContext()
    ctx.set_return_value(RedisFn("getdefault", ctx.add_key("k"), "x"))
    fn = with_plugins(r).register_script(ctx)
    with pytest.raises(ResponseError, match="WRONGTYPE Operation against a key holding"):
        fn(keys={"k": "l"}, args={})


def test_memory_plugin_sees_0_7_1_shapes() -> None:
    """The state a LocalRedisFunction gets has 0.7.1's method names and reply shapes;
    a plug-in shadowing a command's name wins in scripts (RedisFn), not in the API."""
    rt = LocalRuntime()
    rt.add_redis_function_plugin("tests.plugins071.shapes")
    rt.zadd("z", {"a": 1, "b": 2})
    rt.set_value("s", "hello")
    ctx = FnContext()
    zkey, skey = ctx.add_key("z"), ctx.add_key("s")
    ctx.set_return_value([RedisFn("popmax", zkey), RedisFn("strlen", skey),
                          RedisFn("strlen", skey, no_adjust=True)])
    fn = rt.register_script(ctx)
    assert fn(keys={"z": "z", "s": "s"}, args={}) == [[["b", 2]], "plugin", 5]
    assert fn(keys={"z": "z", "s": "s"}, args={}) == [[["a", 1]], "plugin", 5]
    assert rt.strlen("s") == 5
    clocks = FnContext()
    clocks.set_return_value(RedisFn("clocks", clocks.add_key("k")))
    assert rt.register_script(clocks)(keys={"k": "s"}, args={}) == [True, True]


def test_registered_on_memory_called_on_a_server(servers: dict[str, Server]) -> None:
    """A script registered on the memory backend and called with ``client=`` a server
    resolves its plug-in names with the server's plug-ins."""
    mem = with_plugins(redipy.Redis())
    srv = with_plugins(make_client("valkey", servers))
    fn = mem.register_script(every_kind())
    assert fn(keys={"k": "n"}, args={"d": "x"}) == ["x", "4", 4, 3, 0, "cba"]
    assert fn(keys={"k": "n"}, args={"d": "x"}, client=srv) == ["x", "4", 4, 3, 0, "cba"]
    assert srv.get_value("n") == "4" and mem.get_value("n") == "4"
    srv.close()


def test_a_lua_backend_of_its_own(servers: dict[str, Server]) -> None:
    """0.7.1's ``LuaBackend()`` with plug-ins: ``translate`` shows the patched Lua and
    ``create_executable`` registers that script; the plain script does not change."""
    lua = LuaBackend()
    lua.add_redis_patch_plugin(BOTH)
    ctx = FnContext()
    ctx.set_return_value(RedisFn("getdefault", ctx.add_key("k"), "none"))
    code = lua.translate(ctx.compile())
    assert any('(redis.call("get", key_0) or "none")' in line for line in code)
    assert '"GETDEFAULT"' in to_lua(ctx)  # no plug-ins: the command as named
    srv = make_client("valkey", servers)
    fn = lua.create_executable(code, srv)
    assert fn(keys={"k": "nothing"}, args={}) == "none"
    srv.close()


def test_key_objects_are_not_plugins() -> None:
    """Only the names given to RedisFn and CallFn are looked up: a key object's methods
    stay the commands they are."""
    rt = LocalRuntime()
    rt.add_redis_function_plugin("tests.plugins071.shapes")
    rt.set_value("s", "hello")
    ctx = FnContext()
    ctx.set_return_value(RedisVar(ctx.add_key("k")).strlen())
    assert rt.register_script(ctx)(keys={"k": "s"}, args={}) == 5


def test_the_debugger_runs_memory_plugins() -> None:
    from redipy.debug.engine import trace_run

    rt = LocalRuntime()
    rt.add_redis_function_plugin(BOTH)
    rt.add_general_function_plugin(BOTH)
    got = trace_run(rt, every_kind(), keys={"k": "n"}, args={"d": "y"})
    assert got.value == ["y", "4", 4, 3, 0, "cba"]
    assert rt.get_value("n") is None  # the debugger's run rolls back


def test_plugins_in_a_pipeline(r: redipy.Redis) -> None:
    fn = with_plugins(r).register_script(every_kind())
    with r.pipeline() as pipe:
        fn(keys={"k": "n"}, args={"d": "p"}, client=pipe)
        pipe.get_value("n")
        assert pipe.execute() == [["p", "4", 4, 3, 0, "cba"], "4"]


def test_a_plugin_result_must_be_json() -> None:
    from redipy.script.register import ScriptRunError

    rt = LocalRuntime()
    rt.add_redis_function_plugin("tests.plugins071.shapes")
    ctx = FnContext()
    ctx.set_return_value(RedisFn("notjson", ctx.add_key("k")))
    with pytest.raises(ScriptRunError, match="TypeError: a plug-in returned object"):
        rt.register_script(ctx)(keys={"k": "x"}, args={})
