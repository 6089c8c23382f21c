"""0.7.1's plug-ins (``redipy.plugin``): base classes, the module loaders, and the
registration behind ``LocalRuntime.add_*_function_plugin`` and
``LuaBackend.add_*_plugin``.

0.7.1 discouraged plug-ins, and so does this redipy: each backend needs its own copy of
a function, and the two can drift apart. What is supported, exactly as 0.7.1 defined it:
memory plug-ins (``LocalRedisFunction``, ``LocalGeneralFunction``) registered on a
memory runtime, Lua patches and helpers (``LuaRedisPatch``, ``LuaGeneralPatch``,
``HelperFunction``) registered on a Redis runtime's ``get_backend()`` (or a
``LuaBackend``), all called from scripts through ``RedisFn`` / ``CallFn``. Names are
resolved when a script is registered (:mod:`redipy.script.plugins`).
"""

from __future__ import annotations

import datetime
import importlib
import time
from collections.abc import Sequence
from typing import Any, NotRequired, TypedDict, TypeVar

from redipy.api import RedisAPI
from redipy.graph.expr import CallObj, ExprObj, JSONType
from redipy.memory.boundary import reply_text, views
from redipy.script.plugins import HELPER_PKG, PluginTable, table_for
from redipy.util import now


class ArgcSpec(TypedDict):
    """How many arguments a function takes: exactly ``count``, or at least ``count``
    (``at_least``), optionally at most ``at_most``."""

    count: int
    at_least: NotRequired[bool]
    at_most: NotRequired[int]


class NamedFunction:
    """A function with a name."""

    @staticmethod
    def name() -> str:
        raise NotImplementedError()


class GeneralFunction(NamedFunction):
    """A function with an argument count."""

    @staticmethod
    def argc() -> ArgcSpec:
        raise NotImplementedError()


class LocalRedisFunction(GeneralFunction):
    """A Redis function for the memory backend: ``call(sm, key, args)``."""

    @staticmethod
    def call(sm: Any, key: str, args: list[JSONType]) -> JSONType:
        raise NotImplementedError()


class LocalGeneralFunction(GeneralFunction):
    """A general script function for the memory backend: ``call(args)``."""

    @staticmethod
    def call(args: list[JSONType]) -> JSONType:
        raise NotImplementedError()


class LuaPatch:
    """A rewrite of calls to the functions in :meth:`names` when generating Lua."""

    def __init__(self, name: str) -> None:
        self._name = name

    def name(self) -> str:
        return self._name

    @staticmethod
    def names() -> set[str]:
        raise NotImplementedError()

    def helper_pkg(self) -> str:
        return HELPER_PKG


class LuaRedisPatch(LuaPatch):
    """Rewrites a ``redis.call`` expression."""

    def patch(self, name: str, expr: CallObj, args: list[ExprObj], *,
              is_expr_stmt: bool) -> ExprObj:
        raise NotImplementedError()


class LuaGeneralPatch(LuaPatch):
    """Rewrites a general function call."""

    def patch(self, expr: CallObj, *, is_expr_stmt: bool) -> ExprObj:
        raise NotImplementedError()


class HelperFunction(NamedFunction):
    """A Lua helper function: its argument line and body."""

    @staticmethod
    def args() -> str:
        raise NotImplementedError()

    @staticmethod
    def body() -> str:
        raise NotImplementedError()


T = TypeVar("T", bound=NamedFunction)
U = TypeVar("U", bound=LuaPatch)


def _classes(module: str, clazz: type[Any]) -> list[type[Any]]:
    """The subclasses of ``clazz`` defined in ``module`` (not imported into it)."""
    mod = importlib.import_module(module)
    return [obj for obj in vars(mod).values() if isinstance(obj, type)
            and obj.__module__ == module and issubclass(obj, clazz)]


def add_plugin(module: str, target: dict[str, T], clazz: type[T],
               disallowed: set[str] | None = None) -> None:
    """0.7.1's loader: an instance of every ``clazz`` subclass in ``module`` into
    ``target`` by its ``name()``; a name in ``disallowed`` or already in ``target``
    raises ``RuntimeError`` (0.7.1's words)."""
    for cls in _classes(module, clazz):
        name = cls.name()
        if disallowed and name in disallowed:
            raise RuntimeError(f"function name {name} is not allowed")
        if name in target:
            raise RuntimeError(f"duplicate function definition: {name}")
        target[name] = cls()


def add_patch_plugin(module: str, target: dict[str, U], clazz: type[U],
                     disallowed: set[str] | None = None) -> None:
    """0.7.1's loader for Lua patches: one instance per name of ``names()``."""
    for cls in _classes(module, clazz):
        for name in cls.names():
            if disallowed and name in disallowed:
                raise RuntimeError(f"patch name {name} is not allowed")
            if name in target:
                raise RuntimeError(f"duplicate patch definition: {name}")
            target[name] = cls(name)


# the names 0.7.1's own plug-ins took: registering them again was a duplicate there
_OWN_REDIS_FNS = frozenset({
    "exists", "del", "type", "set", "get", "incrby", "lpush", "rpush", "lpop", "rpop",
    "lrange", "llen", "zadd", "zpopmax", "zpopmin", "zrange", "zcard", "hset", "hdel",
    "hget", "hmget", "hincrby", "hkeys", "hvals", "hgetall", "sadd", "srem", "sismember",
    "smembers", "scard"})
_OWN_GENERAL_FNS = frozenset({
    "string.find", "cjson.decode", "cjson.encode", "tonumber", "asintstr", "tostring",
    "type", "redis.log"})
_OWN_REDIS_PATCHES = frozenset({
    "type", "set", "get", "lpop", "rpop", "hget", "zpopmax", "zpopmin", "incrby",
    "hincrby", "hmget", "hgetall", "sismember"})
_OWN_GENERAL_PATCHES = frozenset({"string.find", "asintstr"})
_OWN_HELPERS = frozenset({
    "pairlist_scores", "pairlist_dict", "keyval_dict", "nil_or_index", "asintstr"})


def _load(module: str, target: dict[str, Any], own: frozenset[str], clazz: type[Any],
          *, patch: bool, disallowed: set[str] | None = None) -> None:
    """Load into a copy first, so a bad module registers nothing."""
    fresh: dict[str, Any] = {name: None for name in own | set(target)}
    if patch:
        add_patch_plugin(module, fresh, clazz, disallowed)
    else:
        add_plugin(module, fresh, clazz, disallowed)
    target.update({k: v for k, v in fresh.items() if v is not None})


class _Machine(RedisAPI):
    """0.7.1's ``Machine`` as a ``LocalRedisFunction`` sees it: the typed API (0.7.1's
    method names and shapes: ``set_value``, ``get_value``, ``zpop_max``, ...) on the
    database the script runs on, inside the script's atomic run."""

    def __init__(self, backend: Any, db: Any) -> None:
        self._backend = backend
        self._memory = backend
        self._db = db

    def _run(self, name: str, args: Sequence[str]) -> Any:
        # errors stay the handlers' own (byte strings), as a redis.call's would
        return reply_text(self._memory.dispatch(self._db, [name, *views(args)]))

    def _call(self, name: str, *args: str) -> Any:
        return self._run(name, args)

    def _conv(self, conv: Any, name: str, *args: str) -> Any:
        return conv(self._run(name, args))

    def get_mono(self) -> float:
        """0.7.1's clock of the machine (``time.monotonic()``)."""
        return time.monotonic()

    def get_ts(self) -> datetime.datetime:
        """0.7.1's wall clock of the machine (``redipy.util.now()``)."""
        return now()


def _memory_table(backend: Any) -> PluginTable:
    table = table_for(backend)
    if table.machine is None:
        table.machine = _Machine
    return table


def add_memory_plugins(backend: Any, module: str, *, redis: bool) -> None:
    """``LocalRuntime.add_redis_function_plugin`` / ``add_general_function_plugin``."""
    table = _memory_table(backend)
    if redis:
        _load(module, table.redis_fns, _OWN_REDIS_FNS, LocalRedisFunction, patch=False)
    else:
        _load(module, table.general_fns, _OWN_GENERAL_FNS, LocalGeneralFunction,
              patch=False, disallowed={"redis.call"})


def _lua_counts(table: PluginTable, module: str) -> None:
    """The ``argc()`` of the memory functions in a module registered on the Lua side:
    calls there are checked as on the memory backend (0.7.1 checked no counts in Lua)."""
    for redis, clazz in ((True, LocalRedisFunction), (False, LocalGeneralFunction)):
        for cls in _classes(module, clazz):
            table.lua_argc[(redis, cls.name())] = cls.argc()


def add_lua_plugins(table: PluginTable, module: str, kind: str) -> None:
    """``LuaBackend.add_redis_patch_plugin`` (``kind="redis"``), ``..._general_...``
    (``"general"``) and ``add_helper_function_plugin`` (``"helper"``)."""
    _lua_counts(table, module)
    if kind == "redis":
        _load(module, table.redis_patches, _OWN_REDIS_PATCHES, LuaRedisPatch, patch=True)
    elif kind == "general":
        _load(module, table.general_patches, _OWN_GENERAL_PATCHES, LuaGeneralPatch,
              patch=True, disallowed={"redis.call"})
    else:
        _load(module, table.helpers, _OWN_HELPERS, HelperFunction, patch=False)


__all__ = ["HELPER_PKG", "ArgcSpec", "GeneralFunction", "HelperFunction",
           "LocalGeneralFunction", "LocalRedisFunction", "LuaGeneralPatch", "LuaPatch",
           "LuaRedisPatch", "NamedFunction", "add_patch_plugin", "add_plugin"]
