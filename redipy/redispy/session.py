"""What one redis-py connection holds on the memory backend.

A server keeps per-connection state: the selected database, the RESP version, the
client name, the MULTI queue and WATCHed keys, and subscriptions. A
:class:`DropInSession` is that state for one :class:`~redipy.redispy.MemoryConnection`,
and :meth:`DropInSession.execute` runs one command as a server would for that
connection: connection-level commands (HELLO, SELECT, CLIENT, MULTI/EXEC, SUBSCRIBE,
...) here, everything else through the backend's handlers under the database lock.

Messages for a subscribed connection (and the subscribe confirmations) are not
replies: they go to ``on_push`` as :class:`redipy.reply.Push` lists, in order.
"""

from __future__ import annotations

import itertools
import os
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any

from redipy import commands
from redipy.errors import ExecAbortError, ResponseError
from redipy.memory import cmd_pubsub, cmd_transactions
from redipy.memory.backend import MemoryBackend
from redipy.memory.boundary import clean_error
from redipy.memory.db import Database
from redipy.memory.errtext import arity_error, unknown_command
from redipy.memory.numbers import NOT_INT, parse_int
from redipy.redispy.shapes import RESP3_SHAPES, resp3_shape
from redipy.reply import OK, QUEUED, Map, Push, Status, Verbatim

SERVER_NAME = "redis"
SERVER_VERSION = "7.4.0"
"""What HELLO and INFO report: the Redis version whose commands and replies the
memory backend follows (libraries and redis-py's tests gate features on it)."""

NO_REPLY = object()
"""Returned by :meth:`DropInSession.execute` for commands whose answers are pushes."""

_IDS = itertools.count(1)



_SUBSCRIBED_OK = frozenset({"SUBSCRIBE", "PSUBSCRIBE", "UNSUBSCRIBE", "PUNSUBSCRIBE",
                            "SSUBSCRIBE", "SUNSUBSCRIBE", "PING", "QUIT", "RESET"})
_TX_CONTROL = frozenset({"EXEC", "DISCARD", "MULTI", "WATCH", "QUIT", "RESET"})
_NAME_OK = frozenset(chr(c) for c in range(33, 127))

STARTED = time.time()


class _Tx(cmd_transactions.Session):
    """The backend's WATCH/EXEC bookkeeping, on the connection's selected database."""

    def __init__(self, owner: DropInSession) -> None:
        super().__init__(owner.backend, text=False)
        self.owner = owner

    @property
    def db(self) -> Database:
        return self.owner.db


class _Listener(cmd_pubsub.MemoryPubSub):
    """The connection's subscriber on the backend's broker: messages become pushes."""

    def __init__(self, broker: cmd_pubsub.Broker, push: Callable[[Any], None]) -> None:
        super().__init__(broker)
        self._push = push

    def deliver(self, msg: dict[str, Any]) -> None:
        kind = msg["type"]
        if kind == "pmessage":
            self._push(Push([kind, msg["pattern"], msg["channel"], msg["data"]]))
        else:
            self._push(Push([kind, msg["channel"], msg["data"]]))


class DropInSession:
    """One client of the memory backend, as a server sees it."""

    def __init__(self, backend: MemoryBackend, on_push: Callable[[Any], None]) -> None:
        self.backend = backend
        self.db: Database = backend.dbs[0]
        self.protocol = 2
        self.name: str | None = None
        self.lib_name = ""
        self.lib_ver = ""
        self.id = next(_IDS)
        self.created = time.time()
        self.on_push = on_push
        self.tx = _Tx(self)
        self.queue: list[tuple[str, tuple[str, ...]]] | None = None
        self.queue_error = False
        self.listener: _Listener | None = None
        self.lock = threading.Lock()
        cache: Any = getattr(backend, "_dropin_plain", None)
        if cache is None or cache[0] is not backend.handlers:
            cache = (backend.handlers, {})
            backend._dropin_plain = cache  # type: ignore[attr-defined]
        self.handlers = cache[0]
        self._plain: dict[str, tuple[Any, int, bool]] = cache[1]
        self.table = commands.COMMANDS
        # ``_plain``: backend commands by the name as sent (``"GET"``, ``"get"``): handler,
        # arity, and whether the reply may need a RESP3 shape; filled on first use, one
        # table per backend handler table.
        # True while nothing (MULTI, subscriptions) changes how a command runs
        self.plain = True

    # ---- running commands ------------------------------------------------------------------

    def execute(self, argv: Sequence[str]) -> Any:
        """The raw reply to one command (errors raised as redipy's ResponseError)."""
        name = argv[0]
        plain = self._plain.get(name)
        if plain is not None and self.plain:
            handler, arity, shaped = plain
            argc = len(argv)
            if argc == arity if arity >= 0 else argc >= -arity:
                db = self.db
                try:
                    with db.lock:
                        reply = handler(db, argv[1:])
                except ResponseError as err:
                    raise clean_error(err) from None
                if shaped and self.protocol == 3:
                    return resp3_shape(name.upper(), argv[1:], reply)
                return reply
        return self._execute(name, argv)

    def _execute(self, name: str, argv: Sequence[str]) -> Any:
        upper = name.upper()
        args = argv[1:]
        if self.queue is not None and upper not in _TX_CONTROL:
            return self._enqueue(upper, name, args)
        own = _OWN.get(upper)
        if own is not None:
            if self.listener is not None and self.protocol == 2 and upper not in _SUBSCRIBED_OK \
                    and self.listener.subscribed:
                raise self._subscribed_error(name)
            reply = own(self, args)
            self.plain = self.queue is None and (
                self.listener is None or not self.listener.subscribed)
            return reply
        if self.listener is not None and self.protocol == 2 and self.listener.subscribed:
            raise self._subscribed_error(name)
        handler = self.handlers.get(upper)
        if handler is not None and len(self._plain) < 4096:
            spec = self.table.get(upper)
            self._plain[name] = (handler, spec.arity if spec is not None else -1,
                                 upper in RESP3_SHAPES)
        reply = self.backend.dispatch(self.db, argv)
        if self.protocol == 3:
            return resp3_shape(upper, args, reply)
        return reply

    def _subscribed_error(self, name: str) -> ResponseError:
        return ResponseError(
            f"ERR Can't execute '{name.lower()}': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / "
            "PING / QUIT / RESET are allowed in this context")

    def close(self) -> None:
        """The connection went away: its transaction, watches and subscriptions end."""
        self.queue = None
        self.plain = True
        self.tx.close()
        if self.listener is not None:
            self.listener.close()
            self.listener = None

    # ---- MULTI / EXEC ----------------------------------------------------------------------

    def _enqueue(self, upper: str, name: str, args: Sequence[str]) -> Status:
        assert self.queue is not None
        if upper not in self.handlers and upper not in _OWN:
            self.queue_error = True
            raise clean_error(unknown_command(name, args))
        spec = self.table.get(upper)
        if spec is not None and not spec.arity_ok(len(args) + 1):
            self.queue_error = True
            raise clean_error(arity_error(name))
        if upper in _NOT_IN_MULTI:
            self.queue_error = True
            raise ResponseError(cmd_transactions.NOT_IN_MULTI)
        self.queue.append((upper, tuple(args)))
        return QUEUED

    def _multi(self, args: Sequence[str]) -> Any:
        if self.queue is not None:
            raise ResponseError("ERR MULTI calls can not be nested")
        self.queue = []
        self.queue_error = False
        return OK

    def _exec(self, args: Sequence[str]) -> Any:
        if self.queue is None:
            raise ResponseError("ERR EXEC without MULTI")
        queue, poisoned = self.queue, self.queue_error
        self.queue = None
        self.queue_error = False
        if poisoned:
            self.tx.unwatch()
            raise ExecAbortError(cmd_transactions.EXECABORT)
        own = [(i, call) for i, call in enumerate(queue) if call[0] in _OWN]
        if not own:
            replies = self.tx.exec(queue)
        else:  # SELECT, CLIENT ... inside MULTI: run in order under the lock
            replies = self._exec_mixed(queue)
        if replies is None or self.protocol != 3:
            return replies
        return [resp3_shape(name, args, reply) for (name, args), reply in zip(queue, replies)]

    def _exec_mixed(self, queue: list[tuple[str, tuple[str, ...]]]) -> list[Any] | None:
        db = self.db
        with db.lock:
            try:
                if self.tx._watch_failed():
                    return None
                out: list[Any] = []
                before = db.no_block
                db.no_block = True
                try:
                    for name, args in queue:
                        try:
                            own = _OWN.get(name)
                            if own is not None:
                                out.append(own(self, args))
                            else:
                                with self.db.lock:
                                    out.append(self.handlers[name](self.db, args))
                        except ResponseError as err:
                            out.append(err)
                finally:
                    db.no_block = before
                return out
            finally:
                self.tx.unwatch()

    def _discard(self, args: Sequence[str]) -> Any:
        if self.queue is None:
            raise ResponseError("ERR DISCARD without MULTI")
        self.queue = None
        self.queue_error = False
        self.tx.unwatch()
        return OK

    def _watch(self, args: Sequence[str]) -> Any:
        if self.queue is not None:
            raise ResponseError("ERR WATCH inside MULTI is not allowed")
        if not args:
            raise arity_error("watch")
        self.tx.watch(args)
        return OK

    def _unwatch(self, args: Sequence[str]) -> Any:
        self.tx.unwatch()
        return OK

    # ---- pub/sub ---------------------------------------------------------------------------

    def _sub(self) -> _Listener:
        if self.listener is None:
            self.listener = _Listener(self.backend.broker, self.on_push)
        return self.listener

    def _subscribe(self, args: Sequence[str]) -> Any:
        if not args:
            raise arity_error("subscribe")
        self._sub().subscribe(*args)
        return NO_REPLY

    def _psubscribe(self, args: Sequence[str]) -> Any:
        if not args:
            raise arity_error("psubscribe")
        self._sub().psubscribe(*args)
        return NO_REPLY

    def _unsubscribe(self, args: Sequence[str], kind: str = "unsubscribe") -> Any:
        sub = self._sub()
        mine = sub.channels if kind == "unsubscribe" else sub.patterns
        if not args and not mine:
            self.on_push(Push([kind, None, len(sub.channels) + len(sub.patterns)]))
            return NO_REPLY
        if kind == "unsubscribe":
            sub.unsubscribe(*args)
        else:
            sub.punsubscribe(*args)
        return NO_REPLY

    def _punsubscribe(self, args: Sequence[str]) -> Any:
        return self._unsubscribe(args, "punsubscribe")

    def _ping(self, args: Sequence[str]) -> Any:
        if len(args) > 1:
            raise arity_error("ping")
        if self.listener is not None and self.listener.subscribed and self.protocol == 2:
            return ["pong", args[0] if args else ""]
        return args[0] if args else Status("PONG")

    # ---- connection ------------------------------------------------------------------------

    def _select(self, args: Sequence[str]) -> Any:
        if len(args) != 1:
            raise arity_error("select")
        index = parse_int(args[0])
        if index is None:
            raise ResponseError(NOT_INT)
        if not 0 <= index < len(self.backend.dbs):
            raise ResponseError("ERR DB index is out of range")
        if self.tx.watched and self.queue is None:
            pass  # watched keys stay on the database they were watched on, as in Redis
        self.db = self.backend.dbs[index]
        return OK

    def _hello(self, args: Sequence[str]) -> Any:
        proto = self.protocol
        rest = list(args)
        if rest:
            ver = parse_int(rest.pop(0))
            if ver is None:
                raise ResponseError("ERR Protocol version is not an integer or out of range")
            if ver not in (2, 3):
                raise ResponseError("NOPROTO unsupported protocol version")
            proto = ver
        name = self.name
        while rest:
            opt = rest.pop(0).upper()
            if opt == "AUTH" and len(rest) >= 2:
                rest = rest[2:]
            elif opt == "SETNAME" and rest:
                name = rest.pop(0)
                self._check_name(name)
            else:
                raise ResponseError(f"ERR Syntax error in HELLO option '{opt.lower()}'")
        self.protocol = proto
        self.name = name or None
        return Map(["server", SERVER_NAME, "version", SERVER_VERSION, "proto", proto,
                    "id", self.id, "mode", "standalone", "role", "master", "modules", []])

    @staticmethod
    def _check_name(name: str) -> None:
        if any(ch not in _NAME_OK for ch in name):
            raise ResponseError(
                "ERR Client names cannot contain spaces, newlines or special characters.")

    def _client(self, args: Sequence[str]) -> Any:
        if not args:
            raise arity_error("client")
        sub = args[0].upper()
        if sub == "SETNAME" and len(args) == 2:
            self._check_name(args[1])
            self.name = args[1] or None
            return OK
        if sub == "GETNAME" and len(args) == 1:
            return self.name
        if sub == "ID" and len(args) == 1:
            return self.id
        if sub == "SETINFO" and len(args) == 3:
            attr = args[1].upper()
            if attr == "LIB-NAME":
                self.lib_name = args[2]
            elif attr == "LIB-VER":
                self.lib_ver = args[2]
            else:
                raise ResponseError(f"ERR Unrecognized option '{args[1]}'")
            return OK
        if sub == "INFO" and len(args) == 1:
            return Verbatim(self.client_line() + "\n")
        if sub == "LIST":
            return Verbatim(self.client_line() + "\n")
        if sub in ("SETNAME", "GETNAME", "ID", "SETINFO", "INFO"):
            raise ResponseError(
                f"ERR unknown subcommand or wrong number of arguments for '{args[0]}'. "
                "Try CLIENT HELP.")
        raise ResponseError(f"ERR unknown subcommand '{args[0]}'. Try CLIENT HELP.")

    def client_line(self) -> str:
        age = int(time.time() - self.created)
        flags = "P" if self.listener is not None and self.listener.subscribed else "N"
        sub = len(self.listener.channels) if self.listener else 0
        psub = len(self.listener.patterns) if self.listener else 0
        multi = -1 if self.queue is None else len(self.queue)
        return (f"id={self.id} addr=memory:0 laddr=memory:0 fd=-1 name={self.name or ''} "
                f"age={age} idle=0 flags={flags} db={self.db.index} sub={sub} psub={psub} "
                f"ssub=0 multi={multi} watch={len(self.tx.watched)} qbuf=0 qbuf-free=0 "
                f"argv-mem=0 multi-mem=0 rbs=0 rbp=0 obl=0 oll=0 omem=0 tot-mem=0 "
                f"events=r cmd=client|info user=default redir=-1 resp={self.protocol} "
                f"lib-name={self.lib_name} lib-ver={self.lib_ver}")

    def _info(self, args: Sequence[str]) -> Any:
        want = {a.lower() for a in args} or {"default"}
        every = bool(want & {"all", "everything", "default"})
        parts: list[str] = []
        if every or "server" in want:
            parts.append(
                "# Server\r\n"
                f"redis_version:{SERVER_VERSION}\r\nredis_mode:standalone\r\n"
                f"os:{os.uname().sysname}\r\narch_bits:64\r\nprocess_id:{os.getpid()}\r\n"
                "tcp_port:0\r\n"
                f"uptime_in_seconds:{int(time.time() - STARTED)}\r\n"
                f"uptime_in_days:{int(time.time() - STARTED) // 86400}\r\n")
        if every or "clients" in want:
            parts.append("# Clients\r\nconnected_clients:1\r\nblocked_clients:0\r\n")
        if every or "memory" in want:
            parts.append("# Memory\r\nused_memory:0\r\nused_memory_human:0B\r\n"
                         "maxmemory:0\r\nmaxmemory_policy:noeviction\r\n")
        if every or "persistence" in want:
            parts.append("# Persistence\r\nloading:0\r\n")
        if every or "replication" in want:
            parts.append("# Replication\r\nrole:master\r\nconnected_slaves:0\r\n")
        if every or "cluster" in want:
            parts.append("# Cluster\r\ncluster_enabled:0\r\n")
        if every or "keyspace" in want:
            lines = ["# Keyspace\r\n"]
            for db in self.backend.dbs:
                with db.lock:
                    size = db.size()
                    expires = len(db.expires)
                if size:
                    lines.append(f"db{db.index}:keys={size},expires={expires},avg_ttl=0\r\n")
            parts.append("".join(lines))
        return Verbatim("\r\n".join(parts))

    def _config(self, args: Sequence[str]) -> Any:
        if not args:
            raise arity_error("config")
        sub = args[0].upper()
        if sub == "GET" and len(args) >= 2:
            from redipy.memory.glob import compile_glob

            out: list[str] = []
            for pattern in args[1:]:
                match = compile_glob(pattern.lower())
                for key, value in _CONFIG.items():
                    if match(key) and key not in out[::2]:
                        out.extend((key, value))
            return Map(out)
        if sub == "SET" and len(args) >= 3 and len(args) % 2 == 1:
            for key, value in zip(args[1::2], args[2::2]):
                if key.lower() not in _CONFIG:
                    raise ResponseError(
                        f"ERR Unknown option or number of arguments for CONFIG SET - "
                        f"'{key}'")
                _CONFIG[key.lower()] = value
            return OK
        if sub == "RESETSTAT" and len(args) == 1:
            return OK
        raise ResponseError(f"ERR unknown subcommand '{args[0]}'. Try CONFIG HELP.")

    def _reset(self, args: Sequence[str]) -> Any:
        self.close()
        self.db = self.backend.dbs[0]
        self.protocol = 2
        self.name = None
        return Status("RESET")

    def _quit(self, args: Sequence[str]) -> Any:
        self.close()
        return OK


_CONFIG: dict[str, str] = {
    "databases": "16", "maxmemory": "0", "maxmemory-policy": "noeviction",
    "timeout": "0", "save": "", "appendonly": "no", "notify-keyspace-events": "",
    "lua-time-limit": "5000", "busy-reply-threshold": "5000", "maxclients": "10000",
    "hz": "10", "port": "0", "bind": "", "list-max-listpack-size": "-2",
    "hash-max-listpack-entries": "128", "set-max-intset-entries": "512",
    "zset-max-listpack-entries": "128", "proto-max-bulk-len": "536870912",
}

_NOT_IN_MULTI = frozenset({"SUBSCRIBE", "PSUBSCRIBE", "UNSUBSCRIBE", "PUNSUBSCRIBE"})

_OWN: dict[str, Callable[[DropInSession, Sequence[str]], Any]] = {
    "MULTI": DropInSession._multi,
    "EXEC": DropInSession._exec,
    "DISCARD": DropInSession._discard,
    "WATCH": DropInSession._watch,
    "UNWATCH": DropInSession._unwatch,
    "SUBSCRIBE": DropInSession._subscribe,
    "PSUBSCRIBE": DropInSession._psubscribe,
    "UNSUBSCRIBE": DropInSession._unsubscribe,
    "PUNSUBSCRIBE": DropInSession._punsubscribe,
    "PING": DropInSession._ping,
    "SELECT": DropInSession._select,
    "HELLO": DropInSession._hello,
    "CLIENT": DropInSession._client,
    "INFO": DropInSession._info,
    "CONFIG": DropInSession._config,
    "RESET": DropInSession._reset,
    "QUIT": DropInSession._quit,
}
