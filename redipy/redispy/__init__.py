"""redis-py over the memory backend: ``redipy.Redis().redis_py()`` is a real
``redis.Redis`` (``redis_py(asyncio=True)`` a ``redis.asyncio.Redis``) whose
connections run every command in this process, on the same data as the
``redipy.Redis`` it came from.

The pieces are usable on their own: :class:`MemoryConnectionPool` (and its asyncio
twin) for code that builds ``redis.Redis(connection_pool=...)`` itself or takes a pool
class and a URL (``MemoryConnectionPool.from_url("redis://name/0")``, see
:mod:`redipy.redispy.registry`).
"""

from __future__ import annotations

from redipy.redispy.client import MemoryRedis, make_client
from redipy.redispy.connection import MemoryConnection, MemoryConnectionPool
from redipy.redispy.registry import register, unregister

__all__ = [
    "MemoryConnection",
    "MemoryConnectionPool",
    "MemoryRedis",
    "make_client",
    "register",
    "unregister",
]
