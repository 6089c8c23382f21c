"""The shell's state: which backend it talks to, loaded scripts, settings.

Kept free of prompt_toolkit and rich so ``-c`` and piped runs start fast and the
IPython magics can reuse it.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass, field
from itertools import islice
from typing import Any

import redipy
from redipy.errors import ConfigError
from redipy.patterns import escape_glob


def safe_url(url: str) -> str:
    """A URL fit to print: any password replaced by ``***``."""
    from urllib.parse import urlsplit

    try:
        parts = urlsplit(url)
        if parts.password is None:
            return url
    except ValueError:
        return "<unparsable URL>"
    host = parts.netloc.rsplit("@", 1)[1]
    return parts._replace(netloc=f"{parts.username or ''}:***@{host}").geturl()


@dataclass
class LoadedScript:
    """A script defined by ``:load``: its builder context, registered per client."""

    name: str
    ctx: Any
    source: str
    _fns: dict[int, Any] = field(default_factory=dict)

    def function(self, client: redipy.Redis) -> Any:
        fn = self._fns.get(id(client))
        if fn is None:
            fn = self._fns[id(client)] = client.register_script(self.ctx)
        return fn


def to_bytes_view(value: str) -> str:
    """The shell's text (UTF-8, surrogate escapes) as a byte string (latin-1 view)."""
    return value if value.isascii() else value.encode("utf-8", "surrogateescape").decode(
        "latin-1")


def from_bytes_view(reply: Any) -> Any:
    """Byte strings (the memory backend's inside view, one character per byte) as the
    shell's text (UTF-8, surrogate escapes), keeping reply markers' types."""
    if isinstance(reply, str):
        if reply.isascii():
            return reply
        return type(reply)(reply.encode("latin-1").decode("utf-8", "surrogateescape"))
    if isinstance(reply, list):
        return type(reply)(from_bytes_view(x) for x in reply)
    return reply


CLUSTER_SESSION_ONLY = frozenset({"MULTI", "EXEC", "DISCARD", "WATCH"})
"""Commands that hold a connection, which the shell's cluster mode does not keep."""


class Session:
    """One shell's connection and state; ``client`` changes with ``:backend``.

    On a plain server (no key prefix, not a cluster) typed commands go through the
    session's own :class:`redipy.repl.wire.Wire`, one connection as redis-cli has, and
    the redipy client (scripts, snapshots) is opened on first use."""

    def __init__(self, client: redipy.Redis | None = None, *, prefix: str = "",
                 wire: Any = None) -> None:
        self._client = client
        self.wire = wire
        self.prefix = prefix
        self._memory = client if client is None or client.backend.kind == "memory" else None
        self._backend: Any = None
        """The default memory backend before any typed client is needed (a one-shot
        command runs on it without importing redipy's API)."""
        self._lock = threading.RLock()  # the client is built under it, from the backend
        self.scripts: dict[str, LoadedScript] = {}
        self.timing = False
        self.db = 0
        self.requests = 0
        self._catalog: Any = None
        self._catalog_lock = threading.Lock()
        self._conn: Any = None
        """The database selected on the redipy client's connection (memory, prefix)."""
        self.in_tx = False
        """Inside MULTI (set by the shell): the prompt says so, completion keeps quiet."""

    @property
    def client(self) -> redipy.Redis:
        """The current client, built on first use (scripts, snapshots); on the default
        memory backend typed commands never need it (:meth:`memory_conn`)."""
        client = self._client
        if client is None:
            with self._lock:
                if self._client is None:
                    if self.wire is not None:
                        self._client = redipy.Redis(url=wire_url(self.wire.target))
                    else:
                        self._client = self._memory = redipy.Redis(
                            rt=self._memory_backend())
                client = self._client
        return client

    @client.setter
    def client(self, client: redipy.Redis) -> None:
        self._client = client

    def warm_up(self) -> None:
        """Prepare what the first typed command needs, in a background thread (called
        once the prompt is drawn): the memory backend and its client sessions (typed
        commands run there without the typed client, which scripts build on first use),
        or a server's command catalog."""
        if self._client is None and self.wire is None:
            threading.Thread(target=self._warm_memory, daemon=True).start()
        elif self.wire is not None and self._catalog is None:
            threading.Thread(target=lambda: self.catalog, daemon=True).start()

    @classmethod
    def over_wire(cls, target: Any) -> Session:
        """A session on one server through the shell's own connection (checked now)."""
        from redipy.repl.wire import Wire

        wire = Wire(target, keep_going=True)
        wire.connect()
        return cls(wire=wire)

    # ---- connecting ------------------------------------------------------------------

    @classmethod
    def connect(cls, backend: str = "memory", *, url: str | None = None,
                host: str | None = None, port: int | None = None,
                password: str | None = None, prefix: str = "") -> Session:
        """Open the backend the command line asked for and check a server answers."""
        if backend == "memory":
            return cls()
        if url is not None:
            client = redipy.Redis(url=url, prefix=prefix or None)
        else:
            client = redipy.Redis(
                "redis", host=host or "127.0.0.1", port=6379 if port is None else port,
                passwd=password, prefix=prefix or None)
        session = cls(client, prefix=prefix)
        session.ping()
        return session

    def ping(self) -> None:
        """Fail now, with a one-line reason, when the server cannot be reached."""
        if self.client.backend.kind != "memory":
            self.client.backend.execute("PING")

    def memory_client(self) -> redipy.Redis:
        """The session's memory backend (one per session, kept across switches)."""
        if self._client is None and self.wire is None:
            return self.client
        if self._memory is None:
            self._memory = redipy.Redis()
        return self._memory

    def open_url(self, url: str) -> redipy.Redis:
        """A client for a server URL, checked with a PING."""
        if "://" not in url:
            raise ConfigError(f"not a backend: {url!r} (use memory or redis://HOST:PORT)")
        client = redipy.Redis(url=url, prefix=self.prefix or None)
        try:
            client.backend.execute("PING")
        except Exception:
            client.close()
            raise
        return client

    def switch(self, target: str) -> str:
        """Talk to ``memory`` or a server URL from now on; returns the new label."""
        new = self.memory_client() if target.lower() == "memory" else self.open_url(target)
        old = self._client
        self.client = new
        if self.wire is not None:
            self.wire.close()
            self.wire = None
        self.in_tx = False
        self.db = 0
        self._catalog = None
        if old is not None and old is not self._memory and old is not new:
            old.close()
        return self.label

    @property
    def catalog(self) -> Any:
        """The commands the connected server knows (:mod:`redipy.repl.catalog`): the
        table on memory, the server's COMMAND DOCS otherwise (read once, cached)."""
        from redipy.repl import catalog

        if self.kind == "memory":
            return catalog.TABLE
        if self._catalog is None:
            with self._catalog_lock:
                if self._catalog is None:
                    found = self._server_catalog()
                    if found is None:
                        return catalog.TABLE  # inside MULTI: ask once it is over
                    self._catalog = found
        return self._catalog

    def _server_catalog(self) -> Any:
        """Read on a connection of its own where there is one, so the shell's connection
        (inside MULTI, subscribed) never sees the INFO / COMMAND DOCS."""
        from redipy.repl import catalog

        try:
            if self.wire is not None:
                from redipy.repl.wire import Wire

                side = Wire(self.wire.target)
                try:
                    side.connect()
                    return catalog.from_server(side.call)
                finally:
                    side.close()
            if self.in_tx:
                return None
            backend = self.client.backend
            return catalog.from_server(lambda *argv: backend.execute(*argv))
        except Exception:  # a server that refuses COMMAND DOCS (too old, ACL rules)
            return catalog.TABLE

    @property
    def kind(self) -> str:
        if self.wire is not None:
            return "redis"
        return "memory" if self._client is None else str(self._client.backend.kind)

    @property
    def label(self) -> str:
        """What the prompt shows: ``memory`` or ``host:port``, with ``[db]`` after a
        SELECT as redis-cli shows it (never a password)."""
        if self.wire is not None:
            return str(self.wire.target.label) + (f"[{self.wire.db}]" if self.wire.db else "")
        index = self.db
        if self._conn is not None and self.kind == "memory":
            index = self._conn.db_index
        db = f"[{index}]" if index else ""
        if self._client is None:
            return "memory" + db
        target = str(self.client.backend.target)
        label = target if "://" not in target else safe_url(target)
        if "://" in label:
            from urllib.parse import urlsplit

            parts = urlsplit(label)
            if parts.hostname and parts.port:
                label = f"{parts.hostname}:{parts.port}"
        return label + db

    # ---- running -----------------------------------------------------------------------

    def _memory_backend(self) -> Any:
        """The current client's backend; the default memory backend is built alone,
        before (and without) a typed client."""
        if self._client is not None or self.wire is not None:
            return self.client.backend
        with self._lock:
            if self._backend is None:
                from redipy.memory.backend import MemoryBackend

                self._backend = MemoryBackend()
            return self._backend

    def _warm_memory(self) -> None:
        self._memory_backend()
        import redipy.memory.client  # noqa: F401  (memory_conn's ClientSession)

    def memory_conn(self) -> Any:
        """This shell's client session on the memory backend: a connection's state
        (database, MULTI, RESP3, subscriptions, MONITOR), as a server keeps per client."""
        backend: Any = self._memory_backend()
        conn = self._conn
        if conn is None or conn.backend is not backend:
            from redipy.memory.client import ClientSession

            if conn is not None:
                conn.close()
            conn = self._conn = ClientSession(backend, addr="shell")
        return conn

    def execute(self, argv: list[str]) -> Any:
        """Run a command as typed (any case); errors are raised as redipy errors."""
        self.requests += 1
        if self.wire is not None:
            return self.wire.call(*argv)
        if self.kind == "memory":
            return self._on_memory(argv)
        backend = self.client.backend
        if argv[0].upper() in CLUSTER_SESSION_ONLY and getattr(backend, "cluster", False):
            from redipy.errors import ResponseError

            raise ResponseError(
                f"ERR {argv[0].upper()} needs one connection to one node, and cluster mode "
                "(-c) sends each command to its key's node: connect to a node without -c "
                "for a transaction whose keys share a slot")
        reply = backend.execute(*argv)  # text in, text out
        if argv[0].upper() == "SELECT" and len(argv) == 2:
            self.db = int(argv[1])
        return reply

    def _on_memory(self, argv: list[str]) -> Any:
        from redipy.errors import ResponseError

        conn = self.memory_conn()
        try:
            reply = conn.execute([to_bytes_view(a) for a in argv])
        except ResponseError as err:
            text = str(err.args[0]) if err.args else ""
            if text.isascii():
                raise
            raise type(err)(from_bytes_view(text)) from None
        if conn.protocol == 3:  # the markers a RESP3 reply would carry (HGETALL: a map)
            from redipy.redispy.shapes import resp3_shape

            reply = resp3_shape(argv[0].upper(), argv[1:], reply)
        return memory_reply(reply)

    def keys(self, start: str = "", limit: int = 100) -> list[str]:
        """Up to ``limit`` key names beginning with ``start``, cheaply.

        Memory: read straight from the keyspace. Server: a few SCAN rounds with
        MATCH and COUNT (never KEYS, which blocks the server on a big keyspace).
        """
        if self.wire is not None:
            if self.in_tx:
                return []
            names: set[str] = set()
            cur = "0"
            for _ in range(8):
                cur, batch = self.wire.call("SCAN", cur, "MATCH", escape_glob(start) + "*",
                                            "COUNT", "1000")
                names.update(batch)
                if cur == "0" or len(names) >= limit:
                    break
            return sorted(names)[:limit]
        if self.kind == "memory":
            from redipy.keyspace import records_of

            # the connection's database (after a SELECT), through the backend's records
            records = records_of(self._memory_backend(), self.memory_conn().db_index)
            found = records.iter_keys(match=escape_glob(start) + "*", count=1000)
            return sorted(islice(found, limit))
        if self.in_tx:
            return []  # the pooled connection is inside MULTI: a SCAN would be queued
        backend: Any = self.client.backend
        pattern = getattr(backend, "prefix", "") + escape_glob(start) + "*"
        out: set[str] = set()
        cursor = "0"
        for _ in range(8):
            # SCAN has no key to prefix (the pattern carries the prefix); on a cluster the
            # backend walks every primary behind one cursor
            reply = backend.run("SCAN", (cursor, "MATCH", pattern, "COUNT", "1000"))
            cursor = str(reply[0])
            out.update(backend.strip_key(k) for k in reply[1])
            if cursor == "0" or len(out) >= limit:
                break
        return sorted(out)[:limit]

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
        if self.wire is not None:
            self.wire.close()
        if self._client is not None:
            self._client.close()
        if self._memory is not None and self._memory is not self._client:
            self._memory.close()


def password_from(var: str | None) -> str | None:
    """The password kept in environment variable ``var`` (never on the command line)."""
    if not var:
        return None
    value = os.environ.get(var)
    if value is None:
        raise ConfigError(f"environment variable {var} is not set")
    return value


def memory_reply(reply: Any) -> Any:
    """A client session's raw reply as the shell shows it: RESP2's null array as nil,
    several replies (SUBSCRIBE a b) as a list, byte strings as text."""
    from redipy.memory.client import NO_REPLY, NullArray, Replies

    if isinstance(reply, NullArray) or reply is NO_REPLY:
        return None
    if isinstance(reply, Replies):
        return [memory_reply(r) for r in reply]
    if isinstance(reply, list):
        return type(reply)(memory_reply(r) for r in reply)
    return from_bytes_view(reply)


def wire_url(target: Any) -> str:
    """A redis:// URL for the redipy client beside a wire connection (kept in memory)."""
    from urllib.parse import quote as q

    auth = ""
    if target.password is not None:
        auth = f"{q(target.user or '', safe='')}:{q(target.password, safe='')}@"
    if target.socket_path:
        return f"unix://{auth}{target.socket_path}?db={target.db}"
    scheme = "rediss" if target.tls else "redis"
    return f"{scheme}://{auth}{target.host}:{target.port}/{target.db}"
