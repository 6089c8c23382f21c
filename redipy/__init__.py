"""redipy: one Redis API over an in-process memory backend and real servers.

``redipy.Redis()`` runs entirely in this process; ``redipy.Redis(url=...)`` talks
to Redis or Valkey. Scripts are written once in Python (``redipy.script``) and run
atomically on either.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from redipy.version import __version__ as __version__

if TYPE_CHECKING:
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

_LAZY = {
    "Redis": "redipy.main",
    **dict.fromkeys(("REX_ALWAYS", "REX_EARLIER", "REX_EXPIRE", "REX_LATER", "REX_PERSIST",
                     "RSM_ALWAYS", "RSM_EXISTS", "RSM_MISSING", "PipelineAPI", "RedisAPI",
                     "RedisClientAPI", "RSetMode"), "redipy.api"),
}


def __getattr__(name: str) -> Any:
    """The client and the typed API on first use, ``redipy.script`` too (0.7.1 code
    writes ``import redipy`` and then ``redipy.script.FnContext()``): importing them
    costs tens of ms that a shell answering PING from memory, ``redipy serve`` or the
    migration CLI should not pay just for importing the package."""
    import importlib

    if name == "script":
        return importlib.import_module("redipy.script")
    home = _LAZY.get(name)
    if home is None:
        raise AttributeError(f"module 'redipy' has no attribute {name!r}")
    value = getattr(importlib.import_module(home), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_LAZY, "script"})

RedisConfig = dict


def load_ipython_extension(ipython: object) -> None:
    """``%load_ext redipy``: IPython is imported here, never by ``import redipy``."""
    from redipy.repl.magics import load_ipython_extension as load

    load(ipython)


def unload_ipython_extension(ipython: object) -> None:
    """``%unload_ext redipy``."""
    from redipy.repl.magics import unload_ipython_extension as unload

    unload(ipython)


def serve(backend: Any = None, *, host: str = "127.0.0.1", port: int = 0,
          **options: Any) -> Any:
    """Serve a memory backend over TCP from a background thread (``redipy serve`` in
    Python): returns a handle with ``host``, ``port``, ``url``, ``backend`` and
    ``stop()``; see :func:`redipy.server.listener.serve`. Imported on first call."""
    from redipy.server.listener import serve as start

    return start(backend, host=host, port=port, **options)


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
    "serve",
]
