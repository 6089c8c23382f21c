"""The typed Redis API every backend and pipeline offers.

``RedisAPI`` is the set of command methods, ``PipelineAPI`` adds ``execute()``
(and redis-py's WATCH / MULTI protocol), ``RedisClientAPI`` adds pipelines,
transactions, pub/sub listeners and scripts. These are 0.7.1's names.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, Literal, TypeVar, cast

from redipy.api.base import Backend, CommandsBase, enc
from redipy.api.blocking import BlockingCommands
from redipy.api.generic import GenericCommands
from redipy.api.geo import GeoCommands
from redipy.api.hashes import HashCommands
from redipy.api.hyperloglog import HyperLogLogCommands
from redipy.api.lists import ListCommands
from redipy.api.pubsub import PubSub, PubSubCommands
from redipy.api.sets import SetCommands
from redipy.api.streams import StreamCommands
from redipy.api.strings import StringCommands
from redipy.api.zsets import SortedSetCommands
from redipy.errors import PipelineError, ResponseError, WatchError

if TYPE_CHECKING:
    from redipy.script import ExecFunction, FnContext

T = TypeVar("T")

RSetMode = Literal["always", "if_missing", "if_exists"]
RSM_ALWAYS: RSetMode = "always"
RSM_MISSING: RSetMode = "if_missing"
RSM_EXISTS: RSetMode = "if_exists"

RExpireMode = Literal["always", "if_persist", "if_expire", "if_later", "if_earlier"]
REX_ALWAYS: RExpireMode = "always"
REX_PERSIST: RExpireMode = "if_persist"
REX_EXPIRE: RExpireMode = "if_expire"
REX_LATER: RExpireMode = "if_later"
REX_EARLIER: RExpireMode = "if_earlier"

KeyType = Literal["string", "list", "hash", "set", "zset", "stream"]
KEY_TYPES: tuple[KeyType, ...] = ("string", "list", "hash", "set", "zset", "stream")


def as_key_type(text: str | None) -> KeyType | None:
    """0.7.1's helper: a TYPE reply as a :data:`KeyType` (``None`` for "none")."""
    if text is None or text == "none":
        return None
    for kind in KEY_TYPES:
        if text == kind:
            return kind
    raise ValueError(f"unknown key type: {text}. Only {set(KEY_TYPES)} are supported.")


class RedisAPI(
    GenericCommands,
    StringCommands,
    ListCommands,
    HashCommands,
    SetCommands,
    SortedSetCommands,
    BlockingCommands,
    PubSubCommands,
    StreamCommands,
    HyperLogLogCommands,
    GeoCommands,
):
    """Every command method; how a call is carried out is left to subclasses."""


class PipelineAPI(RedisAPI):
    """Queues commands (their methods return ``None``) until :meth:`execute`.

    ``transaction=True`` runs the queue as MULTI/EXEC: atomically, all or nothing when
    a command fails at queue time (EXECABORT). As in redis-py, :meth:`watch` switches
    the pipeline to immediate mode (methods return their results) until :meth:`multi`;
    :meth:`execute` then raises :class:`redipy.errors.WatchError` when a watched key
    changed. Usable as a context manager: pending commands run at the end of the block
    (0.7.1's behaviour) and the watch state is reset.
    """

    def __init__(self, backend: Backend, *, transaction: bool = False) -> None:
        self._backend = backend
        self._transaction = transaction
        self._queue: list[tuple[str, tuple[str, ...]]] = []
        self._convs: list[Callable[[Any], Any] | None] = []
        self._session: Any = None
        self._watching = False
        self._explicit = False

    def _call(self, name: str, *args: str) -> Any:
        if self._watching and not self._explicit:
            return self._session.run(name, args)
        self._queue.append((name, args))
        self._convs.append(None)
        return None

    def _conv(self, conv: Callable[[Any], T], name: str, *args: str) -> T:
        if self._watching and not self._explicit:
            return conv(self._session.run(name, args))
        self._queue.append((name, args))
        self._convs.append(conv)
        return None  # type: ignore[return-value]

    def keys(self, *, match: str | None = None, filter_type: KeyType | None = None,
             block: bool = True) -> set[str]:
        """Queued KEYS; its result is a sorted list here, as 0.7.1's pipelines gave it
        (the direct call answers a set)."""
        pattern = self._pattern(match)
        listed = self._keys_conv(filter_type)
        def conv(reply: Any) -> Any:
            return sorted(listed(reply))

        return cast("set[str]", self._conv(conv, "KEYS", "*" if pattern is None else pattern))

    def execute_command(self, *argv: Any) -> Any:
        """Queue any command as a client types it (a command of your own, one without a
        typed method); its reply comes back raw from :meth:`execute`, in its place."""
        if not argv:
            raise PipelineError("execute_command() needs a command name")
        return self._call(enc(argv[0]).upper(), *[enc(arg) for arg in argv[1:]])

    def has_pending(self) -> bool:
        return bool(self._queue)

    def __len__(self) -> int:
        return len(self._queue)

    # ---- WATCH / MULTI (redis-py's protocol) --------------------------------------------

    @property
    def watching(self) -> bool:
        return self._watching

    def _get_session(self) -> Any:
        if self._session is None:
            make = getattr(self._backend, "session", None)
            if make is None:
                raise PipelineError(f"the {self._backend.kind} backend does not support WATCH")
            self._session = make()
        return self._session

    def watch(self, *keys: str) -> None:
        """Watch keys: EXEC will do nothing if one changes first. Commands now run at
        once (returning their results) until :meth:`multi`."""
        if self._explicit:
            raise PipelineError("Cannot issue a WATCH after a MULTI")
        if not keys:
            raise PipelineError("watch() needs at least one key")
        self._get_session().watch(keys)
        self._watching = True

    def multi(self) -> None:
        """Start queuing the transaction's commands (after :meth:`watch`)."""
        if self._explicit:
            raise PipelineError("Cannot issue nested calls to MULTI")
        if self._queue:
            raise PipelineError("Commands without an initial WATCH have already been issued")
        self._explicit = True

    def unwatch(self) -> bool:
        """Forget the watched keys."""
        if self._watching and self._session is not None:
            self._session.unwatch()
        self._watching = False
        return True

    def reset(self) -> None:
        """Drop queued commands, unwatch, give back any dedicated connection."""
        self._queue, self._convs = [], []
        self._watching = False
        self._explicit = False
        session, self._session = self._session, None
        if session is not None:
            session.close()

    # ---- running ---------------------------------------------------------------------------

    def execute(self, raise_on_error: bool = True) -> list[Any]:
        """Run every queued command in order; returns their converted replies.

        As in redis-py, every command runs, then the first error is raised (with
        ``raise_on_error=False`` errors stand in the list instead). In a transaction a
        command that fails at queue time aborts all (:class:`ExecAbortError`) and a
        changed watched key raises :class:`WatchError` with nothing applied.
        """
        queue, convs = self._queue, self._convs
        self._queue, self._convs = [], []
        transaction = self._transaction or self._explicit
        try:
            if self._watching:  # EXEC even when empty: it is what checks the watch
                replies = self._session.exec(queue)
                if replies is None:
                    raise WatchError("Watched variable changed.")
            elif not queue:
                return []
            else:
                replies = self._run_queue(queue, transaction)
        finally:
            self.reset()
        out: list[Any] = []
        first_error: Exception | None = None
        for reply, conv in zip(replies, convs):
            if isinstance(reply, Exception):
                # a script's converter turns a server's error into the ScriptRunError a
                # direct call raises (Lua line, Python origin)
                map_error = getattr(conv, "map_error", None)
                if map_error is not None:
                    reply = map_error(reply)
                first_error = first_error or reply
                out.append(reply)
            else:
                out.append(reply if conv is None else conv(reply))
        if first_error is not None and raise_on_error:
            raise first_error
        return out

    def _run_queue(self, queue: Sequence[tuple[str, Sequence[str]]],
                   transaction: bool = False) -> list[Any]:
        if transaction:
            return self._backend.run_batch(queue, transaction=True)  # type: ignore[call-arg]
        return self._backend.run_batch(queue)

    def __enter__(self) -> PipelineAPI:
        return self

    def __del__(self) -> None:
        # A pipeline dropped while watching must not keep its keys watched (memory)
        # or its dedicated connection out of the pool (Redis).
        if getattr(self, "_session", None) is not None:
            try:
                self.reset()
            except Exception:  # never raise from a finalizer
                pass

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        try:
            if exc_type is None and self.has_pending():
                self.execute()
        finally:
            self.reset()


class RedisClientAPI(RedisAPI):
    """The API plus pipelines, transactions, pub/sub and scripts (0.7.1's
    ``RedisClientAPI``)."""

    def _call(self, name: str, *args: str) -> Any:
        return self._backend.run(name, args)

    def _conv(self, conv: Callable[[Any], T], name: str, *args: str) -> T:
        return conv(self._backend.run(name, args))

    def execute_command(self, *argv: Any) -> Any:
        """Send any command as a client types it; returns the raw reply."""
        backend = self._backend
        if backend.kind == "memory":  # its door converts every argument (boundary.views)
            return backend.execute(*argv)
        return backend.execute(*[enc(arg) for arg in argv])

    def pipeline(self, transaction: bool = True) -> PipelineAPI:
        """A pipeline, used as ``with r.pipeline() as pipe:``; commands still queued
        when the block ends are run then. ``transaction=True`` (the default, as in
        redis-py and in 0.7.1, whose Redis pipelines were redis-py's) wraps them in
        MULTI/EXEC; ``transaction=False`` only batches the round trip."""
        return PipelineAPI(self._backend, transaction=transaction)

    def transaction(self, func: Callable[[PipelineAPI], Any], *watches: str,
                    value_from_callable: bool = False,
                    watch_delay: float | None = None) -> Any:
        """redis-py's optimistic-locking helper: WATCH ``watches``, call ``func(pipe)``
        (reads run at once; call ``pipe.multi()`` before the writes), EXEC, and start
        over whenever a watched key changed in between. Returns EXEC's results, or
        ``func``'s value with ``value_from_callable``."""
        with self.pipeline(transaction=True) as pipe:
            while True:
                try:
                    if watches:
                        pipe.watch(*watches)
                    func_value = func(pipe)
                    exec_value = pipe.execute()
                    return func_value if value_from_callable else exec_value
                except WatchError:
                    if watch_delay is not None and watch_delay > 0:
                        time.sleep(watch_delay)
                    continue

    def pubsub(self, ignore_subscribe_messages: bool = False) -> PubSub:
        """A listener: ``subscribe`` / ``psubscribe`` channels, then ``get_message`` or
        ``listen``; ``close`` (or a ``with`` block) ends it."""
        make = getattr(self._backend, "pubsub", None)
        if make is None:
            raise PipelineError(f"the {self._backend.kind} backend has no pub/sub")
        return make(ignore_subscribe_messages=ignore_subscribe_messages)  # type: ignore[no-any-return]

    def wait_for(self, key: str, predicate: Callable[[], T],
                 timeout: float | None) -> T | None:
        """Block until ``predicate()`` is true, checking it again after each message on
        channel ``key`` (the messages themselves are ignored); ``None`` after
        ``timeout`` seconds (``None``: no limit). 0.7.1's semantics."""
        res = predicate()
        if res:
            return res
        start = time.monotonic()
        with self.pubsub() as listener:
            listener.subscribe(key)
            while True:
                res = predicate()
                if res:
                    return res
                elapsed = time.monotonic() - start
                if timeout is not None and elapsed >= timeout:
                    return None
                wait = None if timeout is None else max(0.0, timeout - elapsed)
                listener.get_message(timeout=wait, ignore_subscribe_messages=True)
                while listener.get_message(timeout=0.0) is not None:
                    pass

    def register_script(self, ctx: FnContext) -> ExecFunction:
        """Compile a script once for this backend; returns the function that runs it."""
        from redipy.script.register import register_script

        return register_script(self, ctx)


__all__ = [
    "KEY_TYPES",
    "REX_ALWAYS",
    "REX_EARLIER",
    "REX_EXPIRE",
    "REX_LATER",
    "REX_PERSIST",
    "RSM_ALWAYS",
    "RSM_EXISTS",
    "RSM_MISSING",
    "CommandsBase",
    "KeyType",
    "PipelineAPI",
    "RExpireMode",
    "RSetMode",
    "RedisAPI",
    "RedisClientAPI",
    "ResponseError",
    "as_key_type",
]
