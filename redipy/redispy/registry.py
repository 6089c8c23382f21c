"""Memory backends shared by name within this process.

Libraries that build their own redis-py clients from a URL or host/port (Django's
cache, limits, arq's settings) reach the drop-in through
``MemoryConnectionPool.from_url("redis://NAME:PORT/DB")``: every pool naming the same
host and port talks to the same backend, like clients of one server.
:func:`register` puts an existing ``redipy.Redis`` (or backend) under a name.
"""

from __future__ import annotations

import threading
from typing import Any

from redipy.memory.backend import MemoryBackend

_LOCK = threading.Lock()
_BACKENDS: dict[str, MemoryBackend] = {}


def _name(host: Any, port: Any) -> str:
    host = host or "localhost"
    return f"{host}:{port}" if port not in (None, "", 6379) else str(host)


def register(name: str, server: Any) -> None:
    """Serve ``server`` (a memory ``redipy.Redis`` or backend) to pools naming ``name``
    (``"host"`` or ``"host:port"``)."""
    with _LOCK:
        _BACKENDS[name] = backend_of(server)


def backend_of(server: Any) -> MemoryBackend:
    """The memory backend behind ``server`` (a ``redipy.Redis`` or the backend itself)."""
    backend = getattr(server, "backend", server)
    if not isinstance(backend, MemoryBackend):
        raise TypeError("the redis-py drop-in needs a memory backend "
                        f"(redipy.Redis() or MemoryBackend), not {type(server).__name__}")
    return backend


def unregister(name: str) -> None:
    with _LOCK:
        _BACKENDS.pop(name, None)


def backend_for_url(host: Any, port: Any) -> MemoryBackend:
    """The backend registered for ``host:port``, created empty on first use."""
    key = _name(host, port)
    with _LOCK:
        backend = _BACKENDS.get(key)
        if backend is None:
            backend = _BACKENDS[key] = MemoryBackend()
        return backend


def default_backend() -> MemoryBackend:
    return backend_for_url(None, None)
