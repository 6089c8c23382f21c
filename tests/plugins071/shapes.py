"""Memory plug-ins that look at the state's 0.7.1 shapes, and one that takes the name of
a command (STRLEN): in ``RedisFn`` the plug-in wins."""

from __future__ import annotations

from typing import Any

from redipy.graph.expr import JSONType
from redipy.plugin import ArgcSpec, LocalRedisFunction


class PopMax(LocalRedisFunction):
    @staticmethod
    def name() -> str:
        return "popmax"

    @staticmethod
    def argc() -> ArgcSpec:
        return {"count": 0}

    @staticmethod
    def call(sm: Any, key: str, args: list[JSONType]) -> JSONType:
        got = sm.zpop_max(key, 1)  # 0.7.1's shape: [(member, score)]
        assert all(isinstance(pair, tuple) for pair in got)
        return got  # type: ignore[no-any-return]


class StrLen(LocalRedisFunction):
    @staticmethod
    def name() -> str:
        return "strlen"

    @staticmethod
    def argc() -> ArgcSpec:
        return {"count": 0}

    @staticmethod
    def call(sm: Any, key: str, args: list[JSONType]) -> JSONType:
        return "plugin"


class NotJson(LocalRedisFunction):
    @staticmethod
    def name() -> str:
        return "notjson"

    @staticmethod
    def argc() -> ArgcSpec:
        return {"count": 0}

    @staticmethod
    def call(sm: Any, key: str, args: list[JSONType]) -> JSONType:
        return object()  # type: ignore[return-value]


class Clocks(LocalRedisFunction):
    """0.7.1's Machine clocks, as plug-ins used them for TTL arithmetic."""

    @staticmethod
    def name() -> str:
        return "clocks"

    @staticmethod
    def argc() -> ArgcSpec:
        return {"count": 0}

    @staticmethod
    def call(sm: Any, key: str, args: list[JSONType]) -> JSONType:
        return [sm.get_mono() > 0, sm.get_ts().tzinfo is not None]
