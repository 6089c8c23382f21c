"""redipy: one Redis API over an in-process memory backend and real servers.

``redipy.Redis()`` runs entirely in this process; ``redipy.Redis(url=...)`` talks
to Redis or Valkey. Scripts are written once in Python (``redipy.script``) and run
atomically on either.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

# 0.7.1 code writes ``import redipy`` and then ``redipy.script.FnContext()``
from redipy import script
from redipy.api import (
    REX_ALWAYS,
    REX_EARLIER,
    REX_EXPIRE,
    REX_LATER,
    REX_PERSIST,
    RSM_ALWAYS,
    RSM_EXISTS,
    RSM_MISSING,
    PipelineAPI,
    RedisAPI,
    RedisClientAPI,
    RSetMode,
)
from redipy.main import Redis

try:
    __version__ = version("redipy")
except PackageNotFoundError:  # pragma: no cover - running from a bare checkout
    __version__ = "0.0.0+unknown"

RedisConfig = dict


def load_ipython_extension(ipython: object) -> None:
    """``%load_ext redipy``: IPython is imported here, never by ``import redipy``."""
    from redipy.repl.magics import load_ipython_extension as load

    load(ipython)


def unload_ipython_extension(ipython: object) -> None:
    """``%unload_ext redipy``."""
    from redipy.repl.magics import unload_ipython_extension as unload

    unload(ipython)


__all__ = [
    "REX_ALWAYS",
    "REX_EARLIER",
    "REX_EXPIRE",
    "REX_LATER",
    "REX_PERSIST",
    "RSM_ALWAYS",
    "RSM_EXISTS",
    "RSM_MISSING",
    "PipelineAPI",
    "RSetMode",
    "Redis",
    "RedisAPI",
    "RedisClientAPI",
    "RedisConfig",
    "__version__",
    "script",
]
