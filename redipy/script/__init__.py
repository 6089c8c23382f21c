"""Scripts written once in Python, run atomically on either backend.

Build a script with :class:`FnContext` and the key objects (:class:`RedisList`, ...),
register it with ``r.register_script(ctx)`` and call the result with
``fn(keys={...}, args={...})``. The same program becomes Lua on a server and compiled
Python on the memory backend; both give the same results. :func:`to_lua` shows the Lua.
"""

from __future__ import annotations

from redipy.script.expr import (
    CallFn,
    Constant,
    Expr,
    FindFn,
    FromJSON,
    LiteralOp,
    LogFn,
    LogLevel,
    MixedType,
    RedisFn,
    StrLen,
    Strs,
    ToIntStr,
    ToJSON,
    ToNum,
    ToStr,
    TypeStr,
    lit_helper,
)
from redipy.script.keys import (
    RedisGeo,
    RedisHash,
    RedisHyperLogLog,
    RedisList,
    RedisObj,
    RedisSet,
    RedisSortedSet,
    RedisStream,
    RedisVar,
)
from redipy.script.register import (
    ExecFunction,
    JSONType,
    ScriptRunError,
    lua_line_map,
    register_script,
    to_lua,
)
from redipy.script.seq import FnContext, Sequence, Variable

__all__ = [
    "CallFn",
    "Constant",
    "ExecFunction",
    "Expr",
    "FindFn",
    "FnContext",
    "FromJSON",
    "JSONType",
    "LiteralOp",
    "LogFn",
    "LogLevel",
    "MixedType",
    "RedisFn",
    "RedisGeo",
    "RedisHash",
    "RedisHyperLogLog",
    "RedisList",
    "RedisObj",
    "RedisSet",
    "RedisSortedSet",
    "RedisStream",
    "RedisVar",
    "ScriptRunError",
    "Sequence",
    "StrLen",
    "Strs",
    "ToIntStr",
    "ToJSON",
    "ToNum",
    "ToStr",
    "TypeStr",
    "Variable",
    "lit_helper",
    "lua_line_map",
    "register_script",
    "to_lua",
]
