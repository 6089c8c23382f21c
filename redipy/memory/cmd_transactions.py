"""Memory backend: transactions (MULTI / EXEC / DISCARD / WATCH / UNWATCH).

A :class:`Session` is what a Redis connection holds for transactions: the watched
keys, whether one of them changed, and (for raw MULTI typed in the shell) the queue
of commands. Typed pipelines get their own session from ``MemoryBackend.session()``;
the raw ``execute()`` path uses one session per thread, like a connection per thread.

WATCH registers a :class:`WatchedKey` in ``db.watchers``; :meth:`Database.touch`
(called by every write) sets its ``dirty`` flag, which marks the session. As in Redis
7+, a key already expired at WATCH time does not count as changed when it is then
deleted, and a key that was live at WATCH time but has expired by EXEC (even if not
yet deleted) aborts the transaction.

EXEC runs the whole queue under the database lock, so no other client's command comes
in between; blocking commands answer at once inside it (``db.no_block``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from redipy import commands
from redipy.errors import ExecAbortError, ResponseError
from redipy.memory import busy
from redipy.memory.boundary import clean_error, reply_text, views
from redipy.memory.db import Database
from redipy.memory.errtext import arity_error, unknown_command
from redipy.memory.registry import HANDLERS, command
from redipy.reply import OK, QUEUED, Status

if TYPE_CHECKING:
    from redipy.memory.backend import MemoryBackend

EXECABORT = "EXECABORT Transaction discarded because of previous errors."
NOT_IN_MULTI = "ERR Command not allowed inside a transaction"

Call = tuple[str, Sequence[str]]


class WatchedKey:
    """One key watched by one session; ``dirty = True`` comes from ``Database.touch``."""

    __slots__ = ("db", "expired", "key", "session")

    def __init__(self, session: Session, db: Database, key: str) -> None:
        self.session = session
        self.db = db
        self.key = key
        when = db.expires.get(key)
        self.expired = key in db.data and when is not None and when <= db.clock()

    @property
    def dirty(self) -> bool:
        return self.session.dirty

    @dirty.setter
    def dirty(self, value: bool) -> None:
        if self.expired and self.key not in self.db.data:
            # Already expired when watched, now deleted: logically nothing changed.
            self.expired = False
            return
        if value:
            self.session.dirty = True

    def expired_since_watch(self) -> bool:
        if self.expired:
            return False
        when = self.db.expires.get(self.key)
        return when is not None and when <= self.db.clock() and self.key in self.db.data


class Session:
    """Transaction state of one client of the memory backend.

    A session made for the typed API (``text=True``, pipelines) takes and gives text;
    one made for a byte-level door (``text=False``) works on byte strings throughout."""

    def __init__(self, backend: MemoryBackend, *, text: bool = True) -> None:
        self.backend = backend
        self.text = text
        self.watched: list[WatchedKey] = []
        self.dirty = False
        self.queue: list[Call] | None = None
        self.queue_error = False

    @property
    def db(self) -> Database:
        return self.backend.db

    # ---- immediate commands ---------------------------------------------------------------

    def run(self, name: str, args: Sequence[str]) -> Any:
        """A command outside MULTI runs at once, as on any other client."""
        if self.text:
            return self.backend.run(name, args)
        return self.backend.dispatch(self.db, [name, *args])

    # ---- WATCH -------------------------------------------------------------------------

    def watch(self, keys: Sequence[str]) -> None:
        if self.text:
            keys = views(keys)
        db = self.db
        held = busy.hold(db)  # False: a busy script holds the lock (copy-on-write then)
        try:
            have = {(w.db, w.key) for w in self.watched}
            watchers = db.watchers
            for key in keys:
                if (db, key) in have:
                    continue
                have.add((db, key))
                token = WatchedKey(self, db, key)
                if held:
                    watchers.setdefault(key, set()).add(token)
                else:
                    watchers[key] = {*watchers.get(key, ()), token}
                self.watched.append(token)
        finally:
            if held:
                db.lock.release()

    def unwatch(self) -> None:
        if not self.watched and not self.dirty:
            return
        db = self.db
        held = busy.hold(db)
        try:
            for token in self.watched:
                watchers = token.db.watchers
                tokens = watchers.get(token.key)
                if tokens is None:
                    continue
                if held:
                    tokens.discard(token)
                else:
                    tokens = tokens - {token}
                    if tokens:
                        watchers[token.key] = tokens
                if not tokens:
                    watchers.pop(token.key, None)
            self.watched = []
            self.dirty = False
        finally:
            if held:
                db.lock.release()

    def _watch_failed(self) -> bool:
        return self.dirty or any(w.expired_since_watch() for w in self.watched)

    # ---- EXEC --------------------------------------------------------------------------

    def exec(self, calls: Sequence[Call]) -> list[Any] | None:
        """Run ``calls`` atomically; ``None`` (nothing run) when a watched key changed.
        Raises :class:`ExecAbortError` when a call would fail at queue time (unknown
        command, wrong number of arguments). Forgets the watched keys either way."""
        if self.text:
            calls = [(name, views(args)) for name, args in calls]
        db = self.db
        with db.lock:
            try:
                check_queue(calls)  # EXECABORT wins over a failed watch, as in Redis
                if self._watch_failed():
                    return None
                replies = exec_batch(db, calls)
            finally:
                self.unwatch()
        if self.text:
            return [reply_text(reply) for reply in replies]
        return replies

    def close(self) -> None:
        """End of the session: forget watched keys and any open MULTI."""
        self.queue = None
        self.queue_error = False
        self.unwatch()

    # ---- raw MULTI (the execute() path) -------------------------------------------------

    def enqueue(self, upper: str, name: str, args: Sequence[str]) -> Status:
        """Queue a command typed after MULTI; queue-time errors poison the transaction."""
        assert self.queue is not None
        if upper not in HANDLERS:
            self.queue_error = True
            raise unknown_command(name, args)
        spec = commands.COMMANDS.get(upper)
        if spec is not None and not spec.arity_ok(len(args) + 1):
            self.queue_error = True
            raise arity_error(name)
        ctx = busy.busy_script(self.db)
        if ctx is not None and not busy.allowed(upper, args):
            self.queue_error = True  # a server refuses it before queueing
            raise busy.busy_error(ctx)
        self.queue.append((upper, tuple(args)))
        return QUEUED


def check_queue(calls: Sequence[Call]) -> None:
    """What MULTI refuses when a command is queued (unknown name, wrong arity) makes
    EXEC fail with EXECABORT."""
    handlers = HANDLERS
    table = commands.COMMANDS
    for name, args in calls:
        spec = table.get(name)
        if name not in handlers or (spec is not None and not spec.arity_ok(len(args) + 1)):
            raise ExecAbortError(EXECABORT)


def exec_batch(db: Database, calls: Sequence[Call]) -> list[Any]:
    """Run queued calls as EXEC does: all or (on a queue-time error) none; runtime
    errors stand in place. The caller holds ``db.lock``."""
    check_queue(calls)
    handlers = HANDLERS
    out: list[Any] = []
    before = db.no_block
    db.no_block = True
    try:
        for name, args in calls:
            try:
                out.append(handlers[name](db, args))
            except ResponseError as err:
                out.append(clean_error(err))
    finally:
        db.no_block = before
    return out


# ---- the raw commands (shell / execute path) ------------------------------------------------


def _session(db: Database) -> Session:
    server: MemoryBackend | None = getattr(db, "server", None)
    if server is None:
        raise ResponseError("ERR transactions need a MemoryBackend")
    return server.thread_session()


@command("MULTI")
def cmd_multi(db: Database, args: Sequence[str]) -> Status:
    sess = _session(db)
    if sess.queue is not None:
        sess.queue_error = True
        raise ResponseError(NOT_IN_MULTI)
    sess.queue = []
    sess.queue_error = False
    return OK


@command("EXEC")
def cmd_exec(db: Database, args: Sequence[str]) -> list[Any] | None:
    sess = _session(db)
    if sess.queue is None:
        raise ResponseError("ERR EXEC without MULTI")
    queue, poisoned = sess.queue, sess.queue_error
    sess.queue = None
    sess.queue_error = False
    if poisoned:
        sess.unwatch()
        raise ExecAbortError(EXECABORT)
    return sess.exec(queue)


@command("DISCARD")
def cmd_discard(db: Database, args: Sequence[str]) -> Status:
    sess = _session(db)
    if sess.queue is None:
        raise ResponseError("ERR DISCARD without MULTI")
    sess.close()
    return OK


@command("WATCH")
def cmd_watch(db: Database, args: Sequence[str]) -> Status:
    sess = _session(db)
    if sess.queue is not None:
        sess.queue_error = True
        raise ResponseError(NOT_IN_MULTI)
    sess.watch(args)
    return OK


@command("UNWATCH")
def cmd_unwatch(db: Database, args: Sequence[str]) -> Status:
    _session(db).unwatch()
    return OK
