"""0.7.1's ``redipy.redis.conn``: the Redis runtime and its configuration dict."""

from __future__ import annotations

from typing import NotRequired, TypedDict

from redipy.main import RedisConnection


class RedisConfig(TypedDict):
    """0.7.1's connection settings (``path`` was and is ignored)."""

    host: str
    port: int
    passwd: str
    prefix: str
    path: NotRequired[str]


__all__ = ["RedisConfig", "RedisConnection"]
