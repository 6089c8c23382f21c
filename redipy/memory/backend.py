"""The memory backend: an in-process server that answers like Redis.

Commands arrive as argument lists (the same lists the Redis backend sends over the
wire) and are answered by the handlers in ``redipy.memory.cmd_*`` under the
database lock, so every command is atomic and the backend is safe to share
between threads.

Transactions (``session()``, raw MULTI/EXEC), pub/sub (``pubsub()``, the broker) and
blocking pops live in ``cmd_transactions``, ``cmd_pubsub`` and ``cmd_blocking``; the
fast path ``run()`` knows nothing of them.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Any

from redipy import commands
from redipy.commands.transactions import TX_CONTROL as _TX_CONTROL
from redipy.errors import ResponseError
from redipy.memory import (  # noqa: F401  (imported to register their handlers)
    cmd_blocking,
    cmd_generic,
    cmd_hashes,
    cmd_lists,
    cmd_pubsub,
    cmd_scripting,
    cmd_sets,
    cmd_strings,
    cmd_transactions,
    cmd_zsets,
)
from redipy.memory.db import Database
from redipy.memory.errtext import arity_error, unknown_command
from redipy.memory.registry import DIRECT, HANDLERS, Direct, Handler


class MemoryBackend:
    """One in-process server with 16 databases (database 0 is used unless selected)."""

    kind = "memory"

    def __init__(self, databases: int = 16) -> None:
        self.dbs = [Database(i) for i in range(databases)]
        # the registered scripts, by sha: one table for the server, as in Redis
        self.scripts: dict[str, Any] = {}
        for db in self.dbs:
            db.server = self  # type: ignore[attr-defined]
            db.scripts = self.scripts
        self.db = self.dbs[0]
        self.handlers: dict[str, Handler] = HANDLERS
        self.direct: dict[str, Direct] = DIRECT
        self.broker = cmd_pubsub.Broker()
        self._tls = threading.local()

    @property
    def target(self) -> str:
        return "memory"

    def run(self, name: str, args: Sequence[str]) -> Any:
        """Run a command known to be well-formed (upper-case name, right arity)."""
        db = self.db
        with db.lock:
            return self.handlers[name](db, args)

    def execute(self, *argv: str) -> Any:
        """Run a command as a client typed it: any case, arity checked, errors as Redis's.

        Each thread is a connection here: after a raw MULTI its commands are queued until
        EXEC / DISCARD (the typed API uses ``pipeline(transaction=True)`` instead)."""
        if not argv:
            raise ResponseError("ERR empty command")
        name = argv[0]
        upper = name.upper()
        args = argv[1:]
        sess: cmd_transactions.Session | None = getattr(self._tls, "session", None)
        if sess is not None and sess.queue is not None and upper not in _TX_CONTROL:
            return sess.enqueue(upper, name, args)
        handler = self.handlers.get(upper)
        if handler is None:
            raise unknown_command(name, args)
        spec = commands.COMMANDS.get(upper)
        if spec is not None and not spec.arity_ok(len(argv)):
            raise arity_error(name)
        db = self.db
        with db.lock:
            return handler(db, args)

    def run_batch(self, calls: Sequence[tuple[str, Sequence[str]]],
                  *, transaction: bool = False) -> list[Any]:
        """Run queued commands in order under one lock; errors stand in place.

        With ``transaction`` it is EXEC: a call that would fail at queue time (unknown
        command, wrong arity) aborts the whole batch with EXECABORT, and blocking
        commands answer at once. Without it a blocking command may wait (releasing the
        lock meanwhile), as it would in a Redis pipeline."""
        db = self.db
        if transaction:
            with db.lock:
                return cmd_transactions.exec_batch(db, calls)
        out: list[Any] = []
        table = commands.COMMANDS
        with db.lock:
            for name, args in calls:
                spec = table.get(name)
                if spec is not None and not spec.arity_ok(len(args) + 1):
                    out.append(arity_error(name))  # what the server answers in place
                    continue
                try:
                    out.append(self.handlers[name](db, args))
                except ResponseError as err:
                    out.append(err)
        return out

    # ---- connection-like state ---------------------------------------------------------------

    def session(self) -> cmd_transactions.Session:
        """A fresh client session (WATCH state) for a pipeline."""
        return cmd_transactions.Session(self)

    def thread_session(self) -> cmd_transactions.Session:
        """The raw-path session of the calling thread (its 'connection')."""
        sess: cmd_transactions.Session | None = getattr(self._tls, "session", None)
        if sess is None:
            sess = self._tls.session = cmd_transactions.Session(self)
        return sess

    def pubsub(self, *, ignore_subscribe_messages: bool = False) -> cmd_pubsub.MemoryPubSub:
        """A subscriber 'connection' to this backend's broker."""
        return cmd_pubsub.MemoryPubSub(
            self.broker, ignore_subscribe_messages=ignore_subscribe_messages)

    def strip_key(self, key: str) -> str:
        return key

    def close(self) -> None:
        pass
