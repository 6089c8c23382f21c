"""Plug-ins whose names 0.7.1's own plug-ins took: registering them fails, as in 0.7.1."""

from __future__ import annotations

from typing import Any

from redipy.graph.expr import CallObj, ExprObj, JSONType
from redipy.plugin import ArgcSpec, LocalRedisFunction, LuaGeneralPatch


class Get(LocalRedisFunction):
    @staticmethod
    def name() -> str:
        return "get"

    @staticmethod
    def argc() -> ArgcSpec:
        return {"count": 0}

    @staticmethod
    def call(sm: Any, key: str, args: list[JSONType]) -> JSONType:
        return None


class CallPatch(LuaGeneralPatch):
    @staticmethod
    def names() -> set[str]:
        return {"redis.call"}

    def patch(self, expr: CallObj, *, is_expr_stmt: bool) -> ExprObj:
        return expr
