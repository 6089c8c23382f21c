"""One plug-in module with both sides of each function, as a 0.7.1 user writes it: the
memory version (``LocalRedisFunction`` / ``LocalGeneralFunction``) and the Lua version
(``LuaRedisPatch`` / ``LuaGeneralPatch`` / ``HelperFunction``)."""

from __future__ import annotations

from typing import Any

from redipy.graph.expr import CallObj, ExprObj, JSONType
from redipy.plugin import (
    ArgcSpec,
    HelperFunction,
    LocalGeneralFunction,
    LocalRedisFunction,
    LuaGeneralPatch,
    LuaRedisPatch,
)

SEEN_STMT: list[bool] = []
"""``is_expr_stmt`` of each ``incrbytwo`` patch call, for the test to look at."""


class GetDefault(LocalRedisFunction):
    """``getdefault key default``: the string at key, or ``default``."""

    @staticmethod
    def name() -> str:
        return "getdefault"

    @staticmethod
    def argc() -> ArgcSpec:
        return {"count": 1}

    @staticmethod
    def call(sm: Any, key: str, args: list[JSONType]) -> JSONType:
        got = sm.get_value(key)
        return args[0] if got is None else got


class GetDefaultPatch(LuaRedisPatch):
    @staticmethod
    def names() -> set[str]:
        return {"getdefault"}

    def patch(self, name: str, expr: CallObj, args: list[ExprObj], *,
              is_expr_stmt: bool) -> ExprObj:
        get: CallObj = {"kind": "call", "name": "redis.call", "no_adjust": True,
                        "args": [{"kind": "val", "type": "str", "value": "get"}, args[0]]}
        return {"kind": "binary", "op": "or", "left": get, "right": args[1]}


class IncrByTwo(LocalRedisFunction):
    """``incrbytwo key``: INCRBY key 2, the new value as a number."""

    @staticmethod
    def name() -> str:
        return "incrbytwo"

    @staticmethod
    def argc() -> ArgcSpec:
        return {"count": 0}

    @staticmethod
    def call(sm: Any, key: str, args: list[JSONType]) -> JSONType:
        return sm.incrby(key, 2)


class IncrByTwoPatch(LuaRedisPatch):
    """Rewrites the call in place, as 0.7.1's own INCRBY patch did."""

    @staticmethod
    def names() -> set[str]:
        return {"incrbytwo"}

    def patch(self, name: str, expr: CallObj, args: list[ExprObj], *,
              is_expr_stmt: bool) -> ExprObj:
        SEEN_STMT.append(is_expr_stmt)
        expr["args"][0] = {"kind": "val", "type": "str", "value": "incrby"}
        expr["args"].append({"kind": "val", "type": "int", "value": 2})
        if is_expr_stmt:
            return expr
        return {"kind": "call", "name": "tonumber", "args": [expr], "no_adjust": False}


class Clamp(LocalGeneralFunction):
    """``clamp(x, lo, hi)``."""

    @staticmethod
    def name() -> str:
        return "clamp"

    @staticmethod
    def argc() -> ArgcSpec:
        return {"count": 3}

    @staticmethod
    def call(args: list[JSONType]) -> JSONType:
        x, lo, hi = (float(v) for v in args)  # type: ignore[arg-type]
        return min(max(x, lo), hi)


class ClampPatch(LuaGeneralPatch):
    """``clamp`` is no Lua function: the patch calls the helper below."""

    @staticmethod
    def names() -> set[str]:
        return {"clamp"}

    def patch(self, expr: CallObj, *, is_expr_stmt: bool) -> ExprObj:
        return {"kind": "call", "name": f"{self.helper_pkg()}.clamp",
                "args": expr["args"], "no_adjust": False}


class ClampHelper(HelperFunction):
    @staticmethod
    def name() -> str:
        return "clamp"

    @staticmethod
    def args() -> str:
        return "x, lo, hi"

    @staticmethod
    def body() -> str:
        return """
            if x < lo then
                return lo
            end
            return math.min(x, hi)
        """


class Reverse(LocalGeneralFunction):
    """``string.reverse`` is Lua's own: only the memory backend needs a plug-in."""

    @staticmethod
    def name() -> str:
        return "string.reverse"

    @staticmethod
    def argc() -> ArgcSpec:
        return {"count": 1}

    @staticmethod
    def call(args: list[JSONType]) -> JSONType:
        return f"{args[0]}"[::-1]
