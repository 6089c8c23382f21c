"""The memory backend: an in-process server that answers like Redis.

Commands arrive as argument lists (the same lists the Redis backend sends over the
wire) and are answered by the handlers in ``redipy.memory.cmd_*`` under the
database lock, so every command is atomic and the backend is safe to share
between threads. Handlers work on byte strings; the typed API's doors (``run``,
``execute``, ``run_batch``, sessions, pub/sub) convert text at the boundary
(:mod:`redipy.memory.boundary`), the byte-level doors (``dispatch``,
``run_batch_bytes``) take and give byte strings as they are.

Transactions (``session()``, raw MULTI/EXEC), pub/sub (``pubsub()``, the broker) and
blocking pops live in ``cmd_transactions``, ``cmd_pubsub`` and ``cmd_blocking``; the
fast path ``run()`` knows nothing of them.
"""

from __future__ import annotations

import importlib
import threading
from collections.abc import Callable, Sequence
from typing import Any

from redipy import commands
from redipy.commands.transactions import TX_CONTROL as _TX_CONTROL
from redipy.errors import ResponseError
from redipy.memory import cmd_pubsub, cmd_transactions
from redipy.memory.boundary import clean_error, error_text, reply_text, view, views
from redipy.memory.busy import refuse_if_busy, wait_turn
from redipy.memory.db import Database
from redipy.memory.errtext import arity_error, unknown_command
from redipy.memory.registry import ARITY, DIRECT, HANDLERS, Direct, Handler, Lazy, name_cache
from redipy.reply import Status

ARITY.update((name, spec.arity) for name, spec in commands.COMMANDS.items())

HOMES: dict[str, tuple[str, ...]] = {
    "generic": ("cmd_generic", "cmd_object", "cmd_sort"),
    "string": ("cmd_strings", "cmd_lcs"),
    "bitmap": ("cmd_bits", "cmd_strings"),
    "list": ("cmd_lists", "cmd_blocking"),
    "hash": ("cmd_hashes", "cmd_hfe"),
    "set": ("cmd_sets",),
    "sorted_set": ("cmd_zsets", "cmd_blocking"),
    "stream": ("cmd_streams",),
    "hyperloglog": ("cmd_hll",),
    "geo": ("cmd_geo",),
    "connection": ("cmd_generic", "cmd_server"),
    "server": ("cmd_server", "cmd_generic", "cmd_object", "cmd_command"),
    "transactions": ("cmd_transactions",),
    "pubsub": ("cmd_pubsub",),
    "scripting": ("cmd_lua",),
}
"""The ``redipy.memory`` modules whose ``@command`` handlers serve each group of the
table. They are imported on the first call of one of the group's commands (a
:class:`~redipy.memory.registry.Lazy` stands in until then): building a backend imports
no handler it does not run. A new handler module goes into its group's tuple here."""

for _name, _spec in commands.COMMANDS.items():
    if _name not in HANDLERS:
        HANDLERS[_name] = Lazy(_name, tuple(f"redipy.memory.{m}" for m in HOMES[_spec.group]))


def load_all() -> None:
    """Import every handler module now (what tests and tools that walk
    :data:`~redipy.memory.registry.HANDLERS` or ``DIRECT`` need)."""
    for modules in HOMES.values():
        for module in modules:
            importlib.import_module(f"redipy.memory.{module}")

_NO_ARGS: Any = object()
"""``execute()`` called with no argument at all (ERR empty command)."""

Monitor = Callable[[int, Sequence[str], str], None]
"""A MONITOR listener: ``(database, argv, origin)``."""


class _Connection(threading.local):
    """Per-thread connection state; the class default makes a miss cheap (getattr with
    a default on a plain ``threading.local`` raises and catches AttributeError)."""

    session: cmd_transactions.Session | None = None


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
        # Redis's arity of every command in the table (negative: at least that many)
        self._arity: dict[str, int] = ARITY
        self._fast: dict[str, tuple[Handler, int, int]] = name_cache(self)
        self._fast_raw: dict[str, tuple[Handler, int, int, str]] = name_cache(self)
        """:meth:`execute`'s names as clients spelt them -> (handler, least, most, NAME)."""
        self._raw_tx = False
        """True once a thread here sent a raw MULTI / WATCH (:meth:`thread_session`):
        :meth:`execute` looks at the calling thread's session from then on."""
        self._tls = _Connection()
        self.monitors: tuple[Monitor, ...] = ()
        """MONITOR listeners; empty (one falsy check per command) when nobody listens."""

    @property
    def target(self) -> str:
        return "memory"

    # ---- the typed API's doors (text in, text out) ----------------------------------------

    def run(self, name: str, args: Sequence[str]) -> Any:
        """Run a command of the typed API: ``name`` in upper case, ``args`` text.

        Arguments become byte strings and the reply text again (:mod:`.boundary`);
        the arity is checked as a server checks it. The typed API's hot path, so the
        common cases are inlined."""
        for arg in args:
            if type(arg) is not str or not arg.isascii():
                args = [view(a) for a in args]
                break
        entry = self._fast.get(name)
        if entry is None:
            entry = self._fast_entry(name, args)
        handler, least, most = entry
        if not least <= len(args) <= most:
            raise arity_error(name)
        db = self.db
        if self.monitors:
            self._heard(db.index, name, args)
        lock = db.lock
        try:
            if lock.acquire(False) or wait_turn(db, name, args):
                try:
                    reply = handler(db, args)
                finally:
                    lock.release()
            else:  # SCRIPT KILL and the like while a script is busy
                reply = handler(db, args)
        except ResponseError as err:
            raise error_text(clean_error(err)) from None
        kind = type(reply)
        if kind is str or kind is Status:
            return reply if reply.isascii() else reply_text(reply)
        if reply is None or kind is int:
            return reply
        return reply_text(reply)

    def _fast_entry(self, name: str, args: Sequence[str]) -> tuple[Handler, int, int]:
        """(handler, least, most arguments) of a command, for :meth:`run` (a pipeline's
        raw ``execute_command`` may name one that is not there)."""
        handler = self.handlers.get(name)
        if handler is None:
            raise error_text(clean_error(unknown_command(name, args)))
        if type(handler) is Lazy:
            handler = handler.load()
        entry = (handler, *self._bounds(name))
        self._fast[name] = entry
        return entry

    def _bounds(self, name: str) -> tuple[int, int]:
        """(least, most) arguments after the name, from Redis's arity (none: any)."""
        arity = self._arity.get(name)
        if arity is None:
            return 0, 1 << 62
        if arity >= 0:
            return arity - 1, arity - 1
        return -arity - 1, 1 << 62

    # ---- MONITOR ------------------------------------------------------------------------

    def add_monitor(self, listener: Monitor) -> None:
        """Call ``listener(db, argv, origin)`` for every command any client runs here
        (``argv`` as byte strings, the name as the client spelt it; MONITOR's feed)."""
        self.monitors = (*self.monitors, listener)

    def remove_monitor(self, listener: Monitor) -> None:
        self.monitors = tuple(m for m in self.monitors if m != listener)  # bound methods: ==

    def _heard(self, db: int, name: str, args: Sequence[str], origin: str = "memory") -> None:
        """``origin``: the client's address as MONITOR shows it (host:port)."""
        argv = (name, *args)
        for listener in self.monitors:
            listener(db, argv, origin)

    def execute(self, name: Any = _NO_ARGS, *args: Any) -> Any:
        """Run a command as a client typed it: any case, arity checked, errors as Redis's.

        Each thread is a connection here: after a raw MULTI its commands are queued until
        EXEC / DISCARD (the typed API uses ``pipeline(transaction=True)`` instead).
        Text in, text out, like :meth:`run`. The common case (no raw MULTI was ever
        sent here, a name seen before, ASCII text arguments) is inlined: it is
        :meth:`dispatch` with the name's handler and arity looked up once."""
        if type(name) is not str or self._raw_tx:
            return self._execute_any(() if name is _NO_ARGS else (name, *args))
        entry = self._fast_raw.get(name)
        if entry is None:
            return self._execute_any((name, *args))
        rest: Sequence[str] = args
        for arg in args:
            if type(arg) is not str or not arg.isascii():
                rest = views(args)
                break
        handler, least, most, upper = entry
        if not least <= len(rest) <= most:
            raise error_text(clean_error(arity_error(name)))
        db = self.db
        if self.monitors:
            self._heard(db.index, name, rest)
        lock = db.lock
        try:
            if lock.acquire(False) or wait_turn(db, upper, rest):
                try:
                    reply = handler(db, rest)
                finally:
                    lock.release()
            else:  # SCRIPT KILL and the like while a script is busy
                reply = handler(db, rest)
        except ResponseError as err:
            raise error_text(clean_error(err)) from None
        kind = type(reply)
        if kind is str or kind is Status:
            return reply if reply.isascii() else reply_text(reply)
        if reply is None or kind is int:
            return reply
        return reply_text(reply)

    def _execute_any(self, argv: Sequence[Any]) -> Any:
        """:meth:`execute`'s general case (a raw MULTI's queue, a name not seen yet,
        arguments to convert); remembers a known command's name as spelt for the fast
        path."""
        sess = self._tls.session if self._raw_tx else None
        try:
            if sess is not None and sess.queue is not None:
                reply = self._execute(views(argv))
            else:
                argv = views(argv)
                if argv:
                    self._remember_raw(argv[0])
                reply = self.dispatch(self.db, argv)
        except ResponseError as err:
            raise error_text(clean_error(err)) from None
        return reply_text(reply)

    def _remember_raw(self, name: str) -> None:
        """Cache (handler, least, most arguments, upper-case name) for ``name`` as a
        client spelt it, when it names a command (a bounded number of spellings)."""
        if name in self._fast_raw or len(self._fast_raw) >= 1024 or not name.isascii():
            return
        upper = name.upper()
        handler = self.handlers.get(upper)
        if handler is None:
            return
        if type(handler) is Lazy:
            handler = handler.load()
        self._fast_raw[name] = (handler, *self._bounds(upper), upper)

    def _execute(self, argv: Sequence[str]) -> Any:
        if not argv:
            raise ResponseError("ERR empty command")
        name = argv[0]
        upper = name.upper() if name.isascii() else name
        args = argv[1:]
        sess = self._tls.session
        if sess is not None and sess.queue is not None and upper not in _TX_CONTROL:
            return sess.enqueue(upper, name, args)
        return self.dispatch(self.db, argv)

    def run_batch(self, calls: Sequence[tuple[str, Sequence[str]]],
                  *, transaction: bool = False) -> list[Any]:
        """Run queued commands (text) in order under one lock; errors stand in place.

        With ``transaction`` it is EXEC: a call that would fail at queue time (unknown
        command, wrong arity) aborts the whole batch with EXECABORT, and blocking
        commands answer at once. Without it a blocking command may wait (releasing the
        lock meanwhile), as it would in a Redis pipeline."""
        calls = [(name, views(args)) for name, args in calls]
        return [reply_text(reply) for reply in self.run_batch_bytes(
            self.db, calls, transaction=transaction)]

    # ---- the byte-level doors (redis-py drop-in, ``redipy serve``, Lua's redis.call) ----

    def dispatch(self, db: Database, argv: Sequence[str], origin: str = "memory") -> Any:
        """Run one command on ``db`` exactly as a server would, on byte strings.

        ``argv`` is the command as a client sent it, every element a byte string (the
        latin-1 view: ``data.decode("latin-1")``), ``argv[0]`` the command name in any
        case. The name and arity are checked with the server's errors (unknown command,
        wrong number of arguments), the handler runs under ``db.lock`` (re-entrant, so a
        caller may already hold it), and the raw reply comes back unconverted: bulk
        replies are byte strings (``reply.encode("latin-1")`` gives the bytes), markers
        of :mod:`redipy.reply` say the RESP3 shape. Errors are raised as
        :class:`ResponseError` with the server's text (no CR/LF in it).

        Connection state is the caller's business: MULTI queues, WATCH, SELECT (pick
        ``db`` from :attr:`dbs`), SUBSCRIBE mode and RESP3 are not handled here. Stable
        signature: other doors are built on it."""
        if not argv:
            raise ResponseError("ERR empty command")
        name = argv[0]
        upper = name.upper() if name.isascii() else name
        args = argv[1:]
        handler = self.handlers.get(upper)
        if handler is None:
            raise clean_error(unknown_command(name, args))
        arity = self._arity.get(upper)
        if arity is not None and (len(argv) != arity if arity >= 0 else len(argv) < -arity):
            raise clean_error(arity_error(name))
        if self.monitors:
            self._heard(db.index, name, args, origin)
        lock = db.lock
        try:
            if lock.acquire(False) or wait_turn(db, upper, args):
                try:
                    return handler(db, args)
                finally:
                    lock.release()
            return handler(db, args)  # SCRIPT KILL and the like while a script is busy
        except ResponseError as err:
            raise clean_error(err) from None

    def run_batch_bytes(self, db: Database, calls: Sequence[tuple[str, Sequence[str]]],
                        *, transaction: bool = False) -> list[Any]:
        """:meth:`run_batch` on byte strings for ``db`` (names in upper case), replies
        unconverted, errors in place."""
        if self.monitors:
            for name, args in calls:
                self._heard(db.index, name, args)
        lock = db.lock
        if not lock.acquire(False):
            try:
                refuse_if_busy(db)
            except ResponseError as err:
                if transaction:
                    raise clean_error(err) from None
                return [err for _ in calls]
        try:
            if transaction:
                return cmd_transactions.exec_batch(db, calls)
            return self._batch(db, calls)
        finally:
            lock.release()

    def _batch(self, db: Database, calls: Sequence[tuple[str, Sequence[str]]]) -> list[Any]:
        """A pipeline's commands in order (the caller holds the lock), errors in place."""
        out: list[Any] = []
        arities = self._arity
        handlers = self.handlers
        for name, args in calls:
            arity = arities.get(name)
            if arity is not None and (len(args) + 1 != arity if arity >= 0
                                      else len(args) + 1 < -arity):
                out.append(arity_error(name))  # what the server answers in place
                continue
            handler = handlers.get(name)
            if handler is None:  # a raw execute_command of a pipeline
                out.append(clean_error(unknown_command(name, args)))
                continue
            try:
                out.append(handler(db, args))
            except ResponseError as err:
                out.append(clean_error(err))
        return out

    # ---- connection-like state ---------------------------------------------------------------

    def session(self) -> cmd_transactions.Session:
        """A fresh client session (WATCH state) for a pipeline."""
        return cmd_transactions.Session(self)

    def thread_session(self) -> cmd_transactions.Session:
        """The raw-path session of the calling thread (its 'connection'); driven by the
        MULTI / EXEC / WATCH handlers, so it works on byte strings."""
        sess = self._tls.session
        if sess is None:
            self._raw_tx = True
            sess = self._tls.session = cmd_transactions.Session(self, text=False)
        return sess

    def pubsub(self, *, ignore_subscribe_messages: bool = False) -> cmd_pubsub.MemoryPubSub:
        """A subscriber 'connection' to this backend's broker."""
        return cmd_pubsub.MemoryPubSub(
            self.broker, ignore_subscribe_messages=ignore_subscribe_messages)

    def strip_key(self, key: str) -> str:
        return key

    def close(self) -> None:
        pass
