"""0.7.1's plug-in base classes (``redipy.plugin``), so that modules written against
them keep importing.

Registering them (``LocalRuntime.add_redis_function_plugin`` and friends) is not
supported yet: those methods raise :class:`redipy.errors.ConfigError` naming what was
asked for. 0.7.1 itself discouraged plug-ins, since each backend needs its own copy of
the function and the two can drift apart.
"""

from __future__ import annotations

from typing import Any, NotRequired, TypedDict

from redipy.graph.expr import CallObj, ExprObj, JSONType

HELPER_PKG = "redipy"
"""The Lua table 0.7.1's helper functions lived in."""


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


def unsupported(method: str, module: str) -> None:
    """The error of every ``add_..._plugin`` method."""
    from redipy.errors import ConfigError

    raise ConfigError(
        f"{method}({module!r}): 0.7.1 plug-ins are not supported by this redipy; "
        "write the function as a script (redipy.script) instead")


__all__ = ["ArgcSpec", "GeneralFunction", "HelperFunction", "LocalGeneralFunction",
           "LocalRedisFunction", "LuaGeneralPatch", "LuaPatch", "LuaRedisPatch",
           "NamedFunction"]
