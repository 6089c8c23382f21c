"""Named connections for one IPython session, and which one cells run on.

``memory`` (an in-process backend) is always there and is the current connection
until ``%redipy connect`` says otherwise; it is built on first use, so loading the
extension costs nothing. Server URLs are kept only to reconnect; whatever is shown
has the password masked (:func:`redipy.redis.backend.safe_url`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from redipy.repl.magics.errors import MagicError

import redipy

MEMORY = "memory"
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_.:-]*")


@dataclass
class Connection:
    """One named backend."""

    name: str
    client: redipy.Redis
    url: str | None = None
    """The server URL as given (with its password: never show it; see :attr:`label`)."""
    in_tx: bool = False
    """Between MULTI and EXEC/DISCARD (cells may split a transaction)."""

    @property
    def kind(self) -> str:
        return str(self.client.backend.kind)

    @property
    def label(self) -> str:
        """Where it points, fit to print."""
        if self.url is None:
            return "in-process memory backend"
        from redipy.redis.backend import safe_url

        return safe_url(self.url)


def default_name(url: str) -> str:
    """``host:port`` (``host:port/db`` off db 0) for a URL given without ``--as``."""
    parts = urlsplit(url)
    if parts.scheme == "unix":
        return parts.path.rsplit("/", 1)[-1] or "unix"
    host = parts.hostname or "localhost"
    name = f"{host}:{parts.port or 6379}"
    db = parts.path.strip("/")
    return f"{name}/{db}" if db not in ("", "0") else name


class Connections:
    """The session's connections by name, and the current one."""

    def __init__(self) -> None:
        self._conns: dict[str, Connection] = {}
        self.current_name = MEMORY

    def get(self, name: str | None = None) -> Connection:
        """The connection called ``name`` (the current one by default)."""
        name = self.current_name if name is None else name
        conn = self._conns.get(name)
        if conn is None:
            if name != MEMORY:
                known = ", ".join(self.names())
                raise MagicError(f"no connection named {name!r} (known: {known})")
            conn = self._conns[MEMORY] = Connection(MEMORY, redipy.Redis())
        return conn

    @property
    def current(self) -> Connection:
        return self.get()

    def names(self) -> list[str]:
        return [MEMORY, *sorted(n for n in self._conns if n != MEMORY)]

    def has(self, name: str) -> bool:
        return name == MEMORY or name in self._conns

    def connect(self, target: str, name: str | None = None, *, prefix: str = "") -> Connection:
        """Open ``memory`` or a server URL as ``name`` (checked with a PING) and use it."""
        if name is not None and not _NAME.fullmatch(name):
            raise MagicError(f"bad connection name {name!r} (letters, digits, _ . : -)")
        if target.lower() == MEMORY:
            name = name or MEMORY
            conn = self._conns.get(name)
            if conn is None or conn.url is not None:
                if prefix:
                    raise MagicError("--prefix is for servers; the memory backend has none")
                conn = Connection(name, redipy.Redis())
        else:
            if "://" not in target:
                raise MagicError(f"not a backend: {target!r} "
                                 "(use memory or a URL such as redis://localhost:6379/0)")
            if name == MEMORY:
                raise MagicError("the name 'memory' is kept for the memory backend")
            name = name or default_name(target)
            client = redipy.Redis(url=target, prefix=prefix or None)
            try:
                client.backend.execute("PING")
            except Exception:
                client.close()
                raise
            conn = Connection(name, client, target)
        old = self._conns.get(name)
        self._conns[name] = conn
        if old is not None and old is not conn:
            old.client.close()
        self.current_name = name
        return conn

    def use(self, name: str) -> Connection:
        conn = self.get(name)
        self.current_name = conn.name
        return conn

    def resolve(self, where: str) -> redipy.Redis | str:
        """A migration endpoint: a connection's client, else the URL or file path as given."""
        if self.has(where):
            return self.get(where).client
        return where

    def rows(self) -> list[tuple[str, str, str, str]]:
        """``(current mark, name, kind, where)`` per connection, passwords masked."""
        rows = []
        for name in self.names():
            conn = self._conns.get(name)
            kind = conn.kind if conn is not None else "memory"
            label = conn.label if conn is not None else "in-process memory backend"
            rows.append(("*" if name == self.current_name else "", name, kind, label))
        return rows

    def close(self) -> None:
        for conn in self._conns.values():
            try:
                conn.client.close()
            except Exception:  # closing is best effort: a dead server must not block unload
                pass
        self._conns.clear()
        self.current_name = MEMORY


__all__ = ["MEMORY", "Connection", "Connections", "default_name"]
