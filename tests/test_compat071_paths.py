"""Every module path and public name 0.7.1's README and test suite use still imports, and
each alias is the one implementation (the same object), not a copy."""

from __future__ import annotations

import importlib
import json

import pytest

import redipy
from redipy import script

NAMES = {
    "redipy.api": ["RedisClientAPI", "RedisAPI", "PipelineAPI", "KeyType", "as_key_type",
                   "RSM_EXISTS", "RSM_MISSING", "REX_ALWAYS", "RExpireMode"],
    "redipy.backend.backend": ["ExecFunction"],
    "redipy.backend.runtime": ["Runtime"],
    "redipy.graph.expr": ["JSONType", "ExprObj", "CallObj", "find_literal", "get_literal",
                          "is_none_literal"],
    "redipy.graph.seq": ["SequenceObj"],
    "redipy.helpers.cache": ["RCache"],
    "redipy.helpers.mavg": [],
    "redipy.helpers.stack": ["RStack"],
    "redipy.plugin": ["ArgcSpec", "LocalRedisFunction", "LocalGeneralFunction",
                      "LuaRedisPatch", "LuaGeneralPatch", "HelperFunction"],
    "redipy.main": ["Redis"],
    "redipy.memory.local": ["LocalBackend"],
    "redipy.memory.rt": ["LocalRuntime"],
    "redipy.redis.conn": ["RedisConnection", "RedisConfig"],
    "redipy.redis.lua": ["LuaBackend"],
    "redipy.script": ["RedisFn", "CallFn", "FnContext"],
    "redipy.symbolic.core": ["KeyVariable", "Variable", "JSONArg", "LocalVariable"],
    "redipy.symbolic.expr": ["Expr", "Strs", "MixedType"],
    "redipy.symbolic.fun": ["ToNum", "ToStr", "ToIntStr", "ToJSON", "FromJSON", "TypeStr",
                            "FindFn", "LogFn", "RedisFn", "CallFn"],
    "redipy.symbolic.rhash": ["RedisHash"],
    "redipy.symbolic.rlist": ["RedisList"],
    "redipy.symbolic.rset": ["RedisSet"],
    "redipy.symbolic.rvar": ["RedisVar"],
    "redipy.symbolic.rzset": ["RedisSortedSet"],
    "redipy.symbolic.seq": ["FnContext"],
    "redipy.util": ["code_fmt", "lua_fmt", "convert_pattern", "now", "get_test_salt",
                    "indent", "escape", "unescape", "retain_some"],
}


@pytest.mark.parametrize("module", sorted(NAMES))
def test_names_import(module: str) -> None:
    mod = importlib.import_module(module)
    missing = [name for name in NAMES[module] if not hasattr(mod, name)]
    assert not missing, f"{module} lacks {missing}"


def test_aliases_are_the_implementation() -> None:
    from redipy.backend.runtime import Runtime
    from redipy.symbolic.fun import ToNum
    from redipy.symbolic.rvar import RedisVar
    from redipy.symbolic.seq import FnContext

    assert FnContext is script.FnContext and RedisVar is script.RedisVar
    assert ToNum is script.ToNum and Runtime is redipy.Redis


def test_runtime_methods_exist() -> None:
    from redipy.main import Redis
    from redipy.memory.rt import LocalRuntime
    from redipy.redis.conn import RedisConnection

    assert callable(Redis.get_redis_runtime) and callable(RedisConnection.get_connection)
    rt = LocalRuntime()
    seen: list[str] = []
    rt.set_compile_hook(lambda view: seen.append(json.dumps(view)))
    ctx = script.FnContext()
    var = script.RedisVar(ctx.add_key("k"))
    ctx.set_return_value(var.get_value())
    rt.set_value("a", "1")
    assert rt.register_script(ctx)(keys={"k": "a"}, args={}) == "1"
    assert seen and '"kind": "script"' in seen[0]


def test_memory_client_has_no_redis_runtime() -> None:
    with pytest.raises(redipy.errors.ConfigError, match="Redis backend"):
        redipy.Redis().get_redis_runtime()


def test_plugin_registration_paths_are_0_7_1s() -> None:
    """The registration methods sit where 0.7.1 documented them (what they do is
    tests/test_plugins071.py's business); a missing module fails as an import does."""
    from redipy.memory.rt import LocalRuntime
    from redipy.redis.lua import LuaBackend

    rt = LocalRuntime()
    for call in (rt.add_redis_function_plugin, rt.add_general_function_plugin,
                 LuaBackend().add_redis_patch_plugin, LuaBackend().add_general_patch_plugin,
                 LuaBackend().add_helper_function_plugin):
        with pytest.raises(ModuleNotFoundError, match="my"):
            call("my.plugins")


SERVER_WORDS = "WRONGTYPE Operation against a key holding the wrong kind of value"


def test_wrong_type_words(r: redipy.Redis) -> None:
    """A plain client keeps the server's words; 0.7.1's runtimes (and 0.7.1's
    ``Redis(rt=runtime)``) add 0.7.1's after them, which 0.7.1 code matched on."""
    from redipy.errors import WrongTypeError

    r.rpush("l", "a")
    with pytest.raises(WrongTypeError) as plain:
        r.get_value("l")
    assert str(plain.value) == SERVER_WORDS
    rt = r.get_runtime()
    for client in (rt, redipy.Redis(rt=rt)):
        with pytest.raises(WrongTypeError) as old:
            client.get_value("l")
        assert str(old.value) == f"{SERVER_WORDS} (key has a different type)"
        assert isinstance(old.value, TypeError) and old.value.prefix == "WRONGTYPE"
        assert client.lrange("l", 0, -1) == ["a"]
