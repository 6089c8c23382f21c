"""One client of a memory backend: the state a Redis connection carries, and the
commands that read or change it.

Every door to a memory backend (``redipy serve``'s TCP connections, the redis-py
drop-in's connections) holds one :class:`ClientSession` per connection and sends it
each command as a *byte-string argv* (``str`` with one character per byte: the latin-1
view of what the client sent, see :mod:`redipy.reply`). :meth:`ClientSession.execute`
answers the connection-level commands itself (SELECT, HELLO, AUTH, CLIENT, PING, ECHO,
QUIT, RESET, MULTI/EXEC/DISCARD/WATCH/UNWATCH, the SUBSCRIBE family, MONITOR) and hands
everything else to the backend's handlers against the client's own database.

Replies are raw replies with RESP3 markers (:mod:`redipy.reply`); the door encodes them
for the client's protocol (:attr:`ClientSession.protocol`). Three extra shapes come from
here: :class:`Replies` (one command, several replies: SUBSCRIBE a b), :data:`NO_REPLY`
(CLIENT REPLY OFF/SKIP) and :class:`Blocked` (``execute(..., block=False)`` of a
blocking command that found nothing: the door parks the client, see
:meth:`ClientSession.park`). Messages published to a subscribed client go to
:attr:`ClientSession.on_push` as :class:`~redipy.reply.Push` replies.

Where Valkey 9.1 and Redis 7.0 word an error differently (MULTI inside MULTI, WATCH
inside MULTI) this follows Valkey 9.1: ``ERR Command 'multi' not allowed inside a
transaction``.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from redipy import commands
from redipy.errors import ExecAbortError, ResponseError
from redipy.memory.busy import busy_error, exec_refused, refuse_if_busy, refused
from redipy.memory.cmd_pubsub import MemoryPubSub
from redipy.memory.cmd_transactions import EXECABORT, Session
from redipy.memory.db import Database
from redipy.memory.errtext import arity_error, unknown_command
from redipy.memory.registry import HANDLERS
from redipy.memory.serverstate import API_VERSION, Parked, ServerState, server_state
from redipy.memory.structs import RList, RZSet
from redipy.messages import SUBSCRIBE_TYPES, Message
from redipy.reply import OK, PONG, QUEUED, Map, Push, Status, Verbatim

if TYPE_CHECKING:
    from redipy.memory.backend import MemoryBackend

NOAUTH = "NOAUTH Authentication required."
WRONGPASS = "WRONGPASS invalid username-password pair or user is disabled."
NOPASS = ("ERR AUTH <password> called without any password configured for the default "
          "user. Are you sure your configuration is correct?")
HELLO_NOAUTH = ("NOAUTH HELLO must be called with the client already authenticated, "
                "otherwise the HELLO <proto> AUTH <user> <pass> option can be used to "
                "authenticate the client and select the RESP protocol version at the same "
                "time")
NOT_INT = "ERR value is not an integer or out of range"
SYNTAX = "ERR syntax error"
BAD_NAME = "ERR Client names cannot contain spaces, newlines or special characters."
SUBSCRIBED_ONLY = ("only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are "
                   "allowed in this context")


class Replies(list):  # type: ignore[type-arg]
    """Several replies to one command (SUBSCRIBE a b answers once per channel): the door
    writes each element as a reply of its own."""

    __slots__ = ()


class _NoReply:
    """The reply is suppressed (CLIENT REPLY OFF / SKIP): the door writes nothing."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "NO_REPLY"


NO_REPLY = _NoReply()


class NullArray:
    """RESP2's null *array* (``*-1``), which some commands answer instead of a null bulk
    (BLPOP's timeout, EXEC after a failed WATCH, LPOP key count on a missing key); RESP3
    writes it as ``_`` like any nil. Falsy; a door that has no RESP2 wire reads it as
    ``None``."""

    __slots__ = ()

    def __bool__(self) -> bool:
        return False

    def __repr__(self) -> str:
        return "NIL_ARRAY"


NIL_ARRAY = NullArray()

NULL_ARRAY_COMMANDS = frozenset({"BLPOP", "BRPOP", "BZPOPMIN", "BZPOPMAX", "BLMPOP",
                                 "BZMPOP", "LMPOP", "ZMPOP", "EXEC", "XREAD", "XREADGROUP"})
"""Commands whose nil is :data:`NIL_ARRAY` (LPOP / RPOP only when given a count)."""


def _nil_of(upper: str, argc: int) -> Any:
    if upper in NULL_ARRAY_COMMANDS or (upper in ("LPOP", "RPOP") and argc == 3):
        return NIL_ARRAY
    return None


class Blocked:
    """``execute(..., block=False)`` of a blocking command with nothing to pop: where it
    waits (``keys``), for how long (``timeout_ms``, 0 = forever) and on what kind of value.
    Hand it to :meth:`ClientSession.park`."""

    __slots__ = ("any_write", "argv", "keys", "kind", "timeout_ms")

    def __init__(self, argv: Sequence[str], keys: Sequence[str], timeout_ms: int,
                 kind: type, any_write: bool = False) -> None:
        self.argv = argv
        self.keys = keys
        self.timeout_ms = timeout_ms
        self.kind = kind
        self.any_write = any_write
        """Retried on any write to a key, whatever it then holds (XREADGROUP)."""


BlockingArgs = Callable[[Sequence[str]], tuple[Sequence[str], str, type]]
"""argv -> (the keys it waits on, the timeout argument, the kind of value that serves it)."""


def _numkeys_then(argv: Sequence[str]) -> Sequence[str]:
    try:
        count = int(argv[2])
    except ValueError:
        return ()
    return argv[3:3 + max(count, 0)]


BLOCKING_ARGS: dict[str, BlockingArgs] = {
    "BLPOP": lambda a: (a[1:-1], a[-1], RList),
    "BRPOP": lambda a: (a[1:-1], a[-1], RList),
    "BLMOVE": lambda a: ((a[1],), a[5], RList),
    "BRPOPLPUSH": lambda a: ((a[1],), a[3], RList),
    "BLMPOP": lambda a: (_numkeys_then(a), a[1], RList),
    "BZPOPMIN": lambda a: (a[1:-1], a[-1], RZSet),
    "BZPOPMAX": lambda a: (a[1:-1], a[-1], RZSet),
    "BZMPOP": lambda a: (_numkeys_then(a), a[1], RZSet),
}
"""How to park each blocking command; other modules add theirs (XREAD BLOCK ...)."""


# ---- errors worded as the server words them ----------------------------------------------


def unknown_subcommand(container: str, sub: str) -> ResponseError:
    return ResponseError(f"ERR unknown subcommand '{sub}'. Try {container} HELP.")


def _valid_name(name: str) -> bool:
    return all("!" <= ch <= "~" for ch in name)


def _int(text: str) -> int:
    try:
        if text.strip() != text or not text:
            raise ValueError
        return int(text)
    except ValueError:
        raise ResponseError(NOT_INT) from None


# ---- pub/sub ---------------------------------------------------------------------------------


class _Listener(MemoryPubSub):
    """The session's subscriber on the backend's broker: messages become Push replies
    for :attr:`ClientSession.on_push` (queued until a door sets it)."""

    def __init__(self, session: ClientSession) -> None:
        super().__init__(session.backend.broker, text=False)
        self.session = session
        self.confirmations: list[Push] | None = None

    def deliver(self, msg: Message) -> None:
        kind = msg["type"]
        if kind == "message":
            push = Push(["message", msg["channel"], msg["data"]])
        elif kind == "pmessage":
            push = Push(["pmessage", msg["pattern"], msg["channel"], msg["data"]])
        else:
            push = Push([kind, msg["channel"], msg["data"]])
        if self.confirmations is not None and kind in SUBSCRIBE_TYPES:
            self.confirmations.append(push)
            return
        callback = self.session.on_push
        if callback is None:
            super().deliver(msg)
        else:
            callback(push)

    def change(self, kind: str, names: Sequence[str]) -> Replies:
        """SUBSCRIBE / UNSUBSCRIBE ... : the confirmations as the command's replies."""
        self.confirmations = []
        try:
            if kind == "subscribe":
                self.subscribe(*names)
            elif kind == "psubscribe":
                self.psubscribe(*names)
            elif kind == "unsubscribe":
                self.unsubscribe(*names)
            else:
                self.punsubscribe(*names)
            out = Replies(self.confirmations)
        finally:
            self.confirmations = None
        if not out:  # unsubscribing from everything while subscribed to nothing
            out.append(Push([kind, None, self._count()]))
        return out


# ---- the session -------------------------------------------------------------------------------


_TX_IMMEDIATE = frozenset({"EXEC", "DISCARD", "MULTI", "WATCH", "QUIT", "RESET"})
_NOT_IN_MULTI = frozenset({"MULTI", "WATCH"})
_SUBSCRIBED_OK = frozenset({"SUBSCRIBE", "PSUBSCRIBE", "SSUBSCRIBE", "UNSUBSCRIBE",
                            "PUNSUBSCRIBE", "SUNSUBSCRIBE", "PING", "QUIT", "RESET"})
_NO_AUTH_NEEDED = frozenset({"AUTH", "HELLO", "QUIT", "RESET"})
_NOT_MONITORED = frozenset({"AUTH", "HELLO", "CONFIG", "MONITOR"})


class _Transaction(Session):
    """The WATCH / MULTI state of one client, on whatever database it has selected."""

    def __init__(self, client: ClientSession) -> None:
        super().__init__(client.backend)
        self.client = client

    @property
    def db(self) -> Database:
        return self.client.db


class ClientSession:
    """The state of one client connection to a memory backend, and its command runner.

    Create one per connection (``ClientSession(backend, addr="127.0.0.1:5000")``), send
    it every command with :meth:`execute`, and :meth:`close` it when the connection
    ends. Not thread-safe by itself: one connection's commands come one at a time (other
    sessions of the same backend may run in other threads)."""

    def __init__(self, backend: MemoryBackend, *, addr: str = "", laddr: str = "",
                 fd: int = -1) -> None:
        self.backend = backend
        self.state: ServerState = server_state(backend)
        self.addr = addr
        self.laddr = laddr
        self.fd = fd
        self.id = self.state.add_client(self)
        self.name = ""
        self.lib_name = ""
        self.lib_ver = ""
        self.db_index = 0
        self.db: Database = backend.dbs[0]
        self.protocol = 2
        """2 or 3 (HELLO): the door encodes replies for this version."""
        self.tx = _Transaction(self)
        self.listener: _Listener | None = None
        self.authenticated = self.state.requirepass is None
        self.reply_mode = "on"
        self.no_evict = False
        self.no_touch = False
        self.monitor = False
        self.closing = False
        """Set by QUIT and CLIENT KILL: the door closes the connection after this reply."""
        self.closed = False
        self.on_push: Callable[[Any], None] | None = None
        """Where published messages and MONITOR lines go (the door sets it)."""
        self.on_kill: Callable[[], None] | None = None
        """Called when another client runs CLIENT KILL on this one (the door closes it)."""
        self.parked: Parked | None = None
        self.created = time.monotonic()
        self.last_active = self.created
        self.last_command = "NULL"
        self.commands_run = 0
        self.net_in = 0
        self.net_out = 0

    # ---- running commands -------------------------------------------------------------------

    def execute(self, argv: Sequence[str], *, block: bool = True) -> Any:
        """Run one command as this client sent it (any case; ``argv[0]`` is the name).

        Returns the raw reply (with RESP3 markers; a nil that RESP2 writes as a null
        array is :data:`NIL_ARRAY`), :class:`Replies`, :data:`NO_REPLY`, or, with
        ``block=False``, a :class:`Blocked` for a blocking command that would wait.
        Raises :class:`~redipy.errors.ResponseError` with the server's words.
        With ``block=True`` (a thread per client) a blocking command waits in place."""
        if self.reply_mode != "on":
            return self._execute_quietly(argv, block)
        return self._execute(argv, block)

    def _execute(self, argv: Sequence[str], block: bool) -> Any:
        if not argv:
            raise ResponseError("ERR empty command")
        name = argv[0]
        upper = name.upper()
        self.last_command = upper
        self.commands_run += 1
        state = self.state
        special = _CONNECTION.get(upper)
        tx = self.tx
        if special is None and tx.queue is None and self.authenticated and (
                self.listener is None or self.protocol == 3 or not self.listener.subscribed):
            return self._dispatch(upper, argv, block)  # the common case
        if not self.authenticated and upper not in _NO_AUTH_NEEDED:
            raise ResponseError(NOAUTH)  # before anything else, even an unknown name
        handler = HANDLERS.get(upper)
        spec = commands.COMMANDS.get(upper)
        if handler is None and special is None:
            if tx.queue is not None:
                tx.queue_error = True
            raise unknown_command(name, argv[1:])
        if spec is not None and not spec.arity_ok(len(argv)):
            if tx.queue is not None:
                tx.queue_error = True
            state.stat(stat_key(upper, argv)).rejected += 1
            raise arity_error(name)
        busy_ctx = refused(self.db, upper, argv)  # a script past busy-reply-threshold
        if busy_ctx is not None and not (
                self.listener is not None and self.protocol == 2 and self.listener.subscribed
                and upper not in _SUBSCRIBED_OK):  # the subscribed client's error first
            if upper == "EXEC":
                tx.close()
                raise exec_refused(busy_ctx)
            if tx.queue is not None:
                tx.queue_error = True
            raise busy_error(busy_ctx)
        if tx.queue is not None:
            if upper in _NOT_IN_MULTI or (spec is not None and "no_multi" in spec.flags):
                tx.queue_error = True
                raise ResponseError(
                    f"ERR Command '{name.lower()}' not allowed inside a transaction")
            if upper not in _TX_IMMEDIATE:
                tx.queue.append((upper, tuple(argv)))
                return QUEUED
        if (self.listener is not None and self.protocol == 2 and self.listener.subscribed
                and upper not in _SUBSCRIBED_OK):
            raise ResponseError(f"ERR Can't execute '{name.lower()}': {SUBSCRIBED_ONLY}")
        if special is not None:
            if self.backend.monitors:  # MONITOR shows connection commands too (UNWATCH, ...)
                self.backend._heard(self.db.index, name, argv[1:], self.addr or "memory")
            started = time.perf_counter_ns()
            failed = True
            try:
                reply = special(self, argv)
                failed = False
                return reply
            finally:  # counted after it ran, as a server counts (CONFIG RESETSTAT too)
                stat = state.stat(stat_key(upper, argv))
                stat.calls += 1
                stat.failed += failed
                stat.ns += time.perf_counter_ns() - started
        return self._dispatch(upper, argv, block)

    def _dispatch(self, upper: str, argv: Sequence[str], block: bool) -> Any:
        """A backend command against this client's database (``MemoryBackend.dispatch``:
        name and arity checked there), counted for INFO commandstats."""
        spec = commands.COMMANDS.get(upper)
        if spec is None and upper not in self.backend.handlers:  # unknown: no stat
            return self.backend.dispatch(self.db, argv, self.addr or "memory")
        state = self.state
        container = upper in CONTAINERS
        stat = None if container else state.commandstats.get(upper)
        if stat is None:
            stat = state.stat(stat_key(upper, argv))
        if spec is not None and not spec.arity_ok(len(argv)):
            stat.rejected += 1  # refused before it ran: neither a call nor a failure
            raise arity_error(argv[0])
        db = self.db
        started = time.perf_counter_ns()
        try:
            if spec is None:
                reply = self.backend.dispatch(db, argv, self.addr or "memory")
            else:
                if "write" in spec.flags:
                    state.dirty += 1
                if block or "blocking" not in spec.flags:
                    reply = self.backend.dispatch(db, argv, self.addr or "memory")
                else:
                    reply = self._dispatch_no_wait(db, upper, argv)
        except ResponseError:
            stat.failed += 1
            raise
        finally:
            if container:  # CONFIG RESETSTAT counts itself after the reset, as a server
                stat = state.stat(stat_key(upper, argv))
            stat.calls += 1
            stat.ns += time.perf_counter_ns() - started
        if reply is None:
            return _nil_of(upper, len(argv))
        return reply

    def _dispatch_no_wait(self, db: Database, upper: str, argv: Sequence[str]) -> Any:
        lock = db.lock
        if not lock.acquire(False):
            refuse_if_busy(db)  # holds it after, or BUSY past busy-reply-threshold
        try:
            before = db.no_block
            db.no_block = True
            try:
                reply = self.backend.dispatch(db, argv, self.addr or "memory")
            finally:
                db.no_block = before
            if reply is None:
                from redipy.memory import cmd_blocking  # loaded by the command just run

                if upper in BLOCKING_ARGS:
                    keys, timeout, kind = BLOCKING_ARGS[upper](argv)
                    return Blocked(argv, keys, cmd_blocking.parse_timeout(db, timeout), kind)
                parker = cmd_blocking.PARKERS.get(upper)
                parking = parker(db, argv[1:]) if parker is not None else None
                if parking is not None:
                    retry, keys, timeout_ms, kind, any_write = parking
                    return Blocked([argv[0], *retry], keys, timeout_ms, kind, any_write)
        finally:
            lock.release()
        return reply

    def _execute_quietly(self, argv: Sequence[str], block: bool) -> Any:
        """CLIENT REPLY OFF / SKIP: run the command, drop its reply (errors too)."""
        skip = self.reply_mode == "skip"
        try:
            reply = self._execute(argv, block)
        except ResponseError:
            reply = None
        if isinstance(reply, Blocked):
            return reply
        if skip and self.reply_mode == "skip":
            self.reply_mode = "on"
        elif self.reply_mode == "on":  # CLIENT REPLY ON answers
            return reply
        return NO_REPLY

    # ---- blocking without a thread ------------------------------------------------------------

    def park(self, blocked: Blocked, deliver: Callable[[Any], None],
             wake: Callable[[], None]) -> Parked:
        """Put this client in the waiting room until a write to one of ``blocked.keys``
        serves it: ``wake()`` is called (from the writing thread) when one is written;
        the door then calls ``session.state.serve_ready()``, which calls
        ``deliver(reply)`` for each client it serves. The door handles the timeout
        (``blocked.timeout_ms``) by calling :meth:`unpark` and answering nil."""
        parked = Parked(self, self.db, blocked.argv, blocked.keys, blocked.kind, deliver, wake,
                        broadcast=blocked.kind not in (RList, RZSet),
                        any_write=blocked.any_write)
        self.parked = parked
        self.state.park(parked)
        return parked

    def unpark(self) -> None:
        """Leave the waiting room (timeout, disconnect); harmless when not parked."""
        parked, self.parked = self.parked, None
        if parked is not None:
            self.state.unpark(parked)

    def retry_blocked(self, argv: Sequence[str]) -> Any:
        """Run a parked command again without waiting: its reply, ``None`` when there is
        still nothing to pop, or the error it meets (as a ResponseError value)."""
        db = self.db
        handler = HANDLERS[argv[0].upper()]
        with db.lock:
            before = db.no_block
            db.no_block = True
            try:
                reply = handler(db, argv[1:])
            except ResponseError as err:
                reply = err
            finally:
                db.no_block = before
        if reply is not None:
            self.parked = None
        return reply

    # ---- lifetime ---------------------------------------------------------------------------

    def close(self) -> None:
        """The connection ended: leave MULTI, forget WATCHes and subscriptions, leave
        the waiting room and the client list."""
        if self.closed:
            return
        self.closed = True
        self.stop_monitoring()
        self.unpark()
        self.tx.close()
        if self.listener is not None:
            self.listener.close()
            self.listener = None
        self.state.remove_client(self)

    def kill(self) -> None:
        """CLIENT KILL from another client: close this connection."""
        self.closing = True
        callback = self.on_kill
        if callback is not None:
            callback()

    @property
    def subscriptions(self) -> int:
        listener = self.listener
        return 0 if listener is None else len(listener.channels) + len(listener.patterns)

    @property
    def subscribed(self) -> bool:
        return self.subscriptions > 0

    def _heard(self, db: int, argv: Sequence[str], origin: str) -> None:
        """MONITOR's feed (a backend monitor listener): one line per command run."""
        if argv[0].upper() in _NOT_MONITORED:
            return  # they may carry a password
        callback = self.on_push
        if callback is not None:
            quoted = " ".join(_quote(arg) for arg in argv)
            callback(Status(f"{time.time():.6f} [{db} {origin}] {quoted}"))

    def stop_monitoring(self) -> None:
        if self.monitor:
            self.monitor = False
            self.backend.remove_monitor(self._heard)
            self.state.monitors.pop(self.id, None)

    # ---- CLIENT LIST / INFO ------------------------------------------------------------------

    def flags(self) -> str:
        out = ""
        if self.subscribed:
            out += "P"
        if self.tx.queue is not None:
            out += "x"
        if self.parked is not None:
            out += "b"
        if self.monitor:
            out += "O"
        if self.no_evict:
            out += "e"
        if self.no_touch:
            out += "T"
        return out or "N"

    def info_line(self) -> str:
        """This client as a line of CLIENT LIST (the fields redipy can tell truly)."""
        now = time.monotonic()
        listener = self.listener
        sub = len(listener.channels) if listener else 0
        psub = len(listener.patterns) if listener else 0
        multi = -1 if self.tx.queue is None else len(self.tx.queue)
        return (f"id={self.id} addr={self.addr} laddr={self.laddr} fd={self.fd} "
                f"name={self.name} age={int(now - self.created)} "
                f"idle={int(now - self.last_active)} flags={self.flags()} db={self.db_index} "
                f"sub={sub} psub={psub} ssub=0 multi={multi} watch={len(self.tx.watched)} "
                f"cmd={self.last_command.lower()} user=default resp={self.protocol} "
                f"lib-name={self.lib_name} lib-ver={self.lib_ver} tot-net-in={self.net_in} "
                f"tot-net-out={self.net_out} tot-cmds={self.commands_run}\n")


def _quote(arg: str) -> str:
    out = ['"']
    for ch in arg:
        if ch in '"\\':
            out.append("\\" + ch)
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\r":
            out.append("\\r")
        elif ch == "\t":
            out.append("\\t")
        elif " " <= ch <= "~":
            out.append(ch)
        else:
            out.append(f"\\x{ord(ch):02x}")
    out.append('"')
    return "".join(out)


CONTAINERS = frozenset({"ACL", "CLIENT", "CLUSTER", "COMMAND", "CONFIG", "FUNCTION",
                        "LATENCY", "MEMORY", "MODULE", "OBJECT", "PUBSUB", "SCRIPT",
                        "SLOWLOG", "XGROUP", "XINFO"})
"""Valkey's container commands: each subcommand is a command of its own to the server
(``CONFIG|GET`` in ``INFO commandstats`` and ACL rules)."""


def stat_key(upper: str, argv: Sequence[str]) -> str:
    """The ``INFO commandstats`` name of a call: ``CONFIG|GET`` for a subcommand, as
    a server counts each subcommand on its own."""
    if upper in CONTAINERS and len(argv) > 1:
        return f"{upper}|{argv[1].upper()}"
    return upper


# ---- the connection-level commands ---------------------------------------------------------

Special = Callable[[ClientSession, Sequence[str]], Any]
_CONNECTION: dict[str, Special] = {}


def _special(*names: str) -> Callable[[Special], Special]:
    def register(fn: Special) -> Special:
        for name in names:
            _CONNECTION[name] = fn
        return fn

    return register


@_special("SELECT")
def _select(client: ClientSession, argv: Sequence[str]) -> Status:
    index = _int(argv[1])
    if not 0 <= index < len(client.backend.dbs):
        raise ResponseError("ERR DB index is out of range")
    client.db_index = index
    client.db = client.backend.dbs[index]
    return OK


def _check_password(client: ClientSession, user: str, password: str) -> None:
    expected = client.state.requirepass
    if user != "default" or expected is None or password != expected:
        if expected is None and user == "default":
            return  # the default user has no password: anything goes ("nopass")
        raise ResponseError(WRONGPASS)


@_special("AUTH")
def _auth(client: ClientSession, argv: Sequence[str]) -> Status:
    if len(argv) > 3:
        raise ResponseError(SYNTAX)
    if len(argv) == 2 and client.state.requirepass is None:
        raise ResponseError(NOPASS)
    user, password = ("default", argv[1]) if len(argv) == 2 else (argv[1], argv[2])
    _check_password(client, user, password)
    client.authenticated = True
    return OK


@_special("HELLO")
def _hello(client: ClientSession, argv: Sequence[str]) -> Map:
    protocol = client.protocol
    if len(argv) > 1:
        try:
            protocol = int(argv[1])
        except ValueError:
            raise ResponseError("ERR Protocol version is not an integer or out of range") \
                from None
        if protocol not in (2, 3):
            raise ResponseError("NOPROTO unsupported protocol version")
    name: str | None = None
    credentials: tuple[str, str] | None = None
    i = 2
    while i < len(argv):
        option = argv[i].upper()
        if option == "AUTH" and i + 2 < len(argv):
            credentials = (argv[i + 1], argv[i + 2])
            i += 3
        elif option == "SETNAME" and i + 1 < len(argv):
            name = argv[i + 1]
            i += 2
        else:
            raise ResponseError(f"ERR Syntax error in HELLO option '{argv[i]}'")
    if credentials is not None:
        _check_password(client, *credentials)
        client.authenticated = True
    if not client.authenticated:
        raise ResponseError(HELLO_NOAUTH)
    if name is not None:
        if not _valid_name(name):
            raise ResponseError(BAD_NAME)
        client.name = name
    client.protocol = protocol
    return Map(["server", "redipy", "version", API_VERSION, "proto", protocol,
                "id", client.id, "mode", "standalone", "role", "master", "modules", []])


@_special("PING")
def _ping(client: ClientSession, argv: Sequence[str]) -> Any:
    if len(argv) > 2:
        raise arity_error("ping")
    if client.protocol == 2 and client.subscribed:
        return ["pong", argv[1] if len(argv) > 1 else ""]
    return argv[1] if len(argv) > 1 else PONG


@_special("QUIT")
def _quit(client: ClientSession, argv: Sequence[str]) -> Status:
    client.closing = True
    return OK


@_special("RESET")
def _reset(client: ClientSession, argv: Sequence[str]) -> Status:
    client.tx.close()
    if client.listener is not None:
        client.listener.close()
        client.listener = None
    client.unpark()
    client.protocol = 2
    client.db_index = 0
    client.db = client.backend.dbs[0]
    client.name = ""
    client.reply_mode = "on"
    client.no_evict = client.no_touch = False
    client.stop_monitoring()
    client.authenticated = client.state.requirepass is None
    return Status("RESET")


@_special("MULTI")
def _multi(client: ClientSession, argv: Sequence[str]) -> Status:
    client.tx.queue = []
    client.tx.queue_error = False
    return OK


@_special("DISCARD")
def _discard(client: ClientSession, argv: Sequence[str]) -> Status:
    if client.tx.queue is None:
        raise ResponseError("ERR DISCARD without MULTI")
    client.tx.close()
    return OK


@_special("WATCH")
def _watch(client: ClientSession, argv: Sequence[str]) -> Status:
    client.tx.watch(argv[1:])
    return OK


@_special("UNWATCH")
def _unwatch(client: ClientSession, argv: Sequence[str]) -> Status:
    client.tx.unwatch()
    return OK


@_special("EXEC")
def _exec(client: ClientSession, argv: Sequence[str]) -> list[Any] | None:
    tx = client.tx
    if tx.queue is None:
        raise ResponseError("ERR EXEC without MULTI")
    queue, poisoned = tx.queue, tx.queue_error
    tx.queue = None
    tx.queue_error = False
    if poisoned:
        tx.unwatch()
        raise ExecAbortError(EXECABORT)
    db = client.db
    with db.lock:
        try:
            if tx._watch_failed():
                return NIL_ARRAY  # type: ignore[return-value]
            return _run_queue(client, queue)
        finally:
            tx.unwatch()


def _run_queue(client: ClientSession, queue: Sequence[tuple[str, Sequence[str]]]) -> list[Any]:
    """The queued commands in order, errors in place, blocking ones answering at once;
    a SELECT inside moves the rest to the other database (its lock is taken too)."""
    out: list[Any] = []
    held: list[Database] = []
    try:
        for upper, argv in queue:
            db = client.db
            if db not in held:
                db.lock.acquire()
                held.append(db)
            try:
                special = _CONNECTION.get(upper)
                if special is not None:
                    out.append(special(client, argv))
                    continue
                before = db.no_block
                db.no_block = True
                try:
                    out.append(client._dispatch(upper, argv, True))
                finally:
                    db.no_block = before
            except ResponseError as err:
                out.append(err)
    finally:
        for db in held:
            db.lock.release()
    return out


@_special("SUBSCRIBE", "PSUBSCRIBE", "UNSUBSCRIBE", "PUNSUBSCRIBE")
def _subscribe(client: ClientSession, argv: Sequence[str]) -> Replies:
    kind = argv[0].lower()
    if client.listener is None:
        if kind in ("unsubscribe", "punsubscribe"):
            return Replies([Push([kind, argv[i], 0]) for i in range(1, len(argv))]
                           or [Push([kind, None, 0])])
        client.listener = _Listener(client)
    return client.listener.change(kind, argv[1:])


@_special("MONITOR")
def _monitor(client: ClientSession, argv: Sequence[str]) -> Status:
    if not client.monitor:
        client.monitor = True
        client.state.monitors[client.id] = client
        client.backend.add_monitor(client._heard)
    return OK


# ---- CLIENT ------------------------------------------------------------------------------------


_CLIENT_ARITY = {"ID": 2, "GETNAME": 2, "SETNAME": 3, "INFO": 2, "LIST": -2, "KILL": -3,
                 "NO-EVICT": 3, "NO-TOUCH": 3, "REPLY": 3, "SETINFO": 4}


@_special("CLIENT")
def _client(client: ClientSession, argv: Sequence[str]) -> Any:
    sub = argv[1].upper()
    arity = _CLIENT_ARITY.get(sub)
    if arity is None:
        raise unknown_subcommand("CLIENT", argv[1])
    if (len(argv) != arity) if arity > 0 else (len(argv) < -arity):
        if sub == "KILL" and len(argv) == 2:
            raise ResponseError("ERR wrong number of arguments for 'client|kill' command")
        raise ResponseError(
            f"ERR wrong number of arguments for 'client|{sub.lower()}' command")
    if sub == "ID":
        return client.id
    if sub == "GETNAME":
        return client.name or None
    if sub == "SETNAME":
        if not _valid_name(argv[2]):
            raise ResponseError(BAD_NAME)
        client.name = argv[2]
        return OK
    if sub == "INFO":
        return Verbatim(client.info_line())
    if sub == "LIST":
        return Verbatim(_client_list(client, argv[2:]))
    if sub == "KILL":
        return _client_kill(client, argv[2:])
    if sub in ("NO-EVICT", "NO-TOUCH"):
        mode = argv[2].lower()
        if mode not in ("on", "off"):
            raise ResponseError(SYNTAX)
        if sub == "NO-EVICT":
            client.no_evict = mode == "on"
        else:
            client.no_touch = mode == "on"
        return OK
    if sub == "REPLY":
        mode = argv[2].lower()
        if mode not in ("on", "off", "skip"):
            raise ResponseError(SYNTAX)
        client.reply_mode = mode
        return OK if mode == "on" else NO_REPLY
    return _client_setinfo(client, argv[2], argv[3])


def _client_setinfo(client: ClientSession, attr: str, value: str) -> Status:
    key = attr.lower()
    if key not in ("lib-name", "lib-ver"):
        raise ResponseError(f"ERR Unrecognized option '{attr}'")
    if not _valid_name(value) and value:
        raise ResponseError(
            f"ERR {key} cannot contain spaces, newlines or special characters.")
    if key == "lib-name":
        client.lib_name = value
    else:
        client.lib_ver = value
    return OK


def _client_list(client: ClientSession, args: Sequence[str]) -> str:
    clients = sorted(client.state.clients.values(), key=lambda c: c.id)
    if args:
        option = args[0].upper()
        if option == "TYPE" and len(args) == 2:
            kind = args[1].lower()
            if kind not in ("normal", "pubsub", "master", "replica", "slave"):
                raise ResponseError(f"ERR Unknown client type '{args[1]}'")
            if kind == "pubsub":
                clients = [c for c in clients if c.subscribed]
            elif kind == "normal":
                clients = [c for c in clients if not c.subscribed]
            else:
                clients = []
        elif option == "ID" and len(args) >= 2:
            wanted: set[int] = set()
            for text in args[1:]:
                try:
                    wanted.add(int(text))
                except ValueError:
                    raise ResponseError("ERR Invalid client ID") from None
            clients = [c for c in clients if c.id in wanted]
        else:
            raise ResponseError(SYNTAX)
    return "".join(c.info_line() for c in clients)


def _client_kill(client: ClientSession, args: Sequence[str]) -> Any:
    others = list(client.state.clients.values())
    if len(args) == 1:  # the old form: CLIENT KILL addr
        for other in others:
            if other.addr == args[0]:
                other.kill()
                return OK
        raise ResponseError("ERR No such client")
    if len(args) % 2:
        raise ResponseError(SYNTAX)
    skipme = True
    chosen = others
    for i in range(0, len(args), 2):
        option, value = args[i].upper(), args[i + 1]
        if option == "ID":
            try:
                wanted = int(value)
            except ValueError:
                raise ResponseError(SYNTAX) from None
            if wanted <= 0:
                raise ResponseError("ERR client-id should be greater than 0")
            chosen = [c for c in chosen if c.id == wanted]
        elif option == "ADDR":
            chosen = [c for c in chosen if c.addr == value]
        elif option == "LADDR":
            chosen = [c for c in chosen if c.laddr == value]
        elif option == "USER":
            chosen = [c for c in chosen if value == "default"]
        elif option == "TYPE":
            kind = value.lower()
            if kind not in ("normal", "pubsub", "master", "replica", "slave"):
                raise ResponseError(f"ERR Unknown client type '{value}'")
            if kind == "pubsub":
                chosen = [c for c in chosen if c.subscribed]
            elif kind == "normal":
                chosen = [c for c in chosen if not c.subscribed]
            else:
                chosen = []
        elif option == "SKIPME":
            if value.lower() not in ("yes", "no"):
                raise ResponseError(SYNTAX)
            skipme = value.lower() == "yes"
        else:
            raise ResponseError(SYNTAX)
    killed = 0
    for other in chosen:
        if skipme and other is client:
            continue
        other.kill()
        killed += 1
    return killed


def connection_commands() -> frozenset[str]:
    """The names a ClientSession answers itself rather than the backend's handlers."""
    return frozenset(_CONNECTION)
