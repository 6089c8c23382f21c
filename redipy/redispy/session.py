"""What one redis-py connection holds on the memory backend: a
:class:`redipy.memory.client.ClientSession` (database, RESP version, name, MULTI/WATCH,
subscriptions, the connection-level commands), shared with every other door to the
backend, plus what the drop-in adds on top:

- a fast path: while nothing connection-level is going on (no MULTI, no subscription,
  no MONITOR, replies on, authenticated), a command the backend knows runs straight
  on its handler under the database lock, as ``MemoryBackend.dispatch`` would;
- RESP3 shapes for replies the backend has not marked (:mod:`redipy.redispy.shapes`),
  EXEC's replies shaped per queued command;
- several replies to one command (SUBSCRIBE a b) handed to the reply queue one by one,
  as a socket would deliver them.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from time import perf_counter_ns
from typing import Any

from redipy import commands
from redipy.errors import ResponseError
from redipy.memory import client as client_module
from redipy.memory.backend import MemoryBackend
from redipy.memory.boundary import clean_error
from redipy.memory.client import NO_REPLY as SESSION_NO_REPLY
from redipy.memory.client import Blocked, ClientSession, NullArray, Replies
from redipy.memory.registry import Lazy, name_cache
from redipy.memory.serverstate import SAMPLE, SAMPLE_MASK
from redipy.redispy.shapes import RESP3_SHAPES, resp3_shape

_PORTS = itertools.count(1)

NO_REPLY = object()
"""Returned by :meth:`DropInSession.execute` when the answers went to the reply queue
(or there is none: CLIENT REPLY OFF)."""

Plain = tuple[Any, int, bool, bool, Any, int, tuple[Any, ...]]
"""A fast path entry (:meth:`DropInSession._entry`)."""

__all__ = ["NO_REPLY", "Blocked", "DropInSession", "Plain"]


class DropInSession:
    """One redis-py connection's client of the memory backend."""

    def __init__(self, backend: MemoryBackend, on_push: Callable[[Any], None]) -> None:
        self.backend = backend
        # each connection its own address, as each socket has its own port
        self.client = ClientSession(backend, addr=f"memory:{next(_PORTS)}", laddr="memory:0")
        self.client.on_push = on_push
        self.on_push = on_push
        cache: Any = getattr(backend, "_dropin_plain", None)
        if cache is None or cache[0] is not backend.handlers:
            cache = (backend.handlers, name_cache(backend))
            backend._dropin_plain = cache  # type: ignore[attr-defined]
        # backend commands by the name as sent ("GET", "get"), see _entry; one table
        # per backend handler table
        self._plain: dict[str, Plain] = cache[1]
        self.handlers = cache[0]
        self.table = commands.COMMANDS
        entry = self._plain.get("GET") or self.plain_entry("GET")
        self.get_fn: Any = None
        """GET's direct form ``fn(db, key)`` when it takes the key alone and its reply
        needs no RESP3 shape (the drop-in's ``get()``, :meth:`MemoryConnection.call_get`)."""
        if entry is not None:
            _, arity, shaped, _, fn, fn_argc, fixed = entry
            if fn is not None and arity == 2 and fn_argc == 2 and not fixed and not shaped:
                self.get_fn = fn
        self.bare = self._is_bare()
        """True while the client is in no state a command must see (no MULTI, no
        subscription, replies on, authenticated, open): then a plain command may skip
        the session. Only the client's own commands change that state, and they all
        go through the session (:meth:`_execute`), which works it out again after
        each; CLIENT KILL from another client closes it through :meth:`close`.
        MONITOR is the backend's, asked on each command."""

    def _is_bare(self) -> bool:
        client = self.client
        return (client.tx.queue is None and client.authenticated
                and client.reply_mode == "on" and not client.closed
                and (client.listener is None or not client.listener.subscribed))

    @property
    def protocol(self) -> int:
        return self.client.protocol

    @property
    def db(self) -> Any:
        return self.client.db

    @property
    def queue(self) -> Any:
        return self.client.tx.queue

    def execute(self, argv: Sequence[str], *, block: bool = True) -> Any:
        """The raw reply to one command (errors raised as redipy's ResponseError), or
        :data:`NO_REPLY`, or (``block=False``) a :class:`Blocked`."""
        name = argv[0]
        plain = self._plain.get(name)
        # the fast path only while a command runs as on a bare server (see ``bare``)
        if plain is not None and self.bare and (block or not plain[3]) \
                and not self.backend.monitors:
            handler, arity, shaped, _, fn, fn_argc, fixed = plain
            argc = len(argv)
            if argc == arity if arity >= 0 else argc >= -arity:
                client = self.client
                db = client.db
                args = argv[1:]
                state = client.state
                stat = state.commandstats.get(name)  # counted as ClientSession counts
                if stat is None:
                    stat = state.stat(name.upper())
                lock = db.lock
                if not lock.acquire(False):  # taken: dispatch waits its turn (or BUSY)
                    return self._execute(name, argv, block)
                client.commands_run += 1
                started = (perf_counter_ns()  # sampled, as in MemoryConnection.call
                           if stat.calls & SAMPLE_MASK == SAMPLE_MASK else 0)
                try:
                    reply = (fn(db, *args, *fixed) if argc == fn_argc
                             else handler(db, args))
                except ResponseError as err:
                    stat.failed += 1
                    raise clean_error(err) from None
                finally:
                    lock.release()
                    stat.calls += 1
                    if started:
                        stat.ns += (perf_counter_ns() - started) * SAMPLE
                if reply is None:
                    return None
                if shaped and client.protocol == 3:
                    return resp3_shape(name.upper(), args, reply)
                return reply
        return self._execute(name, argv, block)

    def _execute(self, name: str, argv: Sequence[str], block: bool) -> Any:
        client = self.client
        upper = name.upper()
        queued = list(client.tx.queue) if upper == "EXEC" and client.tx.queue else None
        try:
            reply = client.execute(argv, block=block)
        finally:
            self.bare = self._is_bare()
        if name not in self._plain:
            self.plain_entry(name)
        if isinstance(reply, Replies):
            for each in reply:
                self.on_push(each)
            return NO_REPLY
        if reply is SESSION_NO_REPLY:
            return NO_REPLY
        if isinstance(reply, NullArray):
            return None
        if client.protocol == 3:
            if queued is not None and isinstance(reply, list):
                return [resp3_shape(call[0], call[1][1:], one)
                        for call, one in zip(queued, reply)]
            return resp3_shape(upper, argv[1:], reply)
        return reply

    def plain_entry(self, name: str) -> Plain | None:
        """The fast path's entry for a command name as sent, None for a command the
        session must see (or that the backend lacks); kept for the next time."""
        upper = name.upper()
        handler = self.handlers.get(upper)
        if (handler is None or upper in _CONNECTION_LEVEL
                or upper in client_module._CONNECTION
                or upper in client_module.CONTAINERS):  # counted per subcommand
            return None
        if type(handler) is Lazy:  # its module imported now: the real handler, and
            handler = handler.load()  # its direct form registered (see registry)
        entry = self._entry(upper, handler)
        if len(self._plain) < 4096:
            self._plain[name] = entry
        return entry

    def _entry(self, upper: str, handler: Any) -> Plain:
        """The fast path's entry for a backend command: its handler, arity, whether
        its reply may need a RESP3 shape, whether it blocks, and its direct form
        (:class:`redipy.memory.registry.Direct`) when that takes text arguments only
        (``fn(db, *args, *fixed)`` for exactly ``fn_argc - 1`` of them)."""
        spec = self.table.get(upper)
        direct = self.backend.direct.get(upper)
        fn: Any = None
        fn_argc = -2
        fixed: tuple[Any, ...] = ()
        if direct is not None and all(kind == "str" for kind in direct.kinds):
            fn, fn_argc, fixed = direct.fn, len(direct.kinds) + 1, direct.fixed
        return (handler, spec.arity if spec is not None else -1, upper in RESP3_SHAPES,
                spec is not None and spec.blocking, fn, fn_argc, fixed)

    def retry(self, blocked: Blocked) -> Any:
        """A blocked command tried again without waiting (None: still nothing)."""
        reply = self.client.retry_blocked(blocked.argv)
        if reply is None or isinstance(reply, ResponseError):
            return reply
        if self.client.protocol == 3:
            return resp3_shape(blocked.argv[0].upper(), blocked.argv[1:], reply)
        return reply

    def close(self) -> None:
        self.bare = False
        self.client.close()


_CONNECTION_LEVEL = frozenset({
    "SELECT", "HELLO", "AUTH", "CLIENT", "QUIT", "RESET", "MONITOR", "MULTI", "EXEC",
    "DISCARD", "WATCH", "UNWATCH", "SUBSCRIBE", "PSUBSCRIBE", "UNSUBSCRIBE",
    "PUNSUBSCRIBE", "SSUBSCRIBE", "SUNSUBSCRIBE", "PING", "ECHO"})
