"""What a server keeps beside its data: clients, parameters, counters and save hooks.

One :class:`ServerState` belongs to one :class:`~redipy.memory.backend.MemoryBackend`
(:func:`server_state` makes it on first use), so every door to that backend (``redipy
serve``'s connections, redis-py drop-in clients) shows up in one ``CLIENT LIST`` and
counts in one ``INFO``. It also holds the *waiting room* of clients parked on blocking
commands by doors that cannot spare a thread per client (see :class:`Parked`).

The server layer (``redipy.server``) fills in the hooks: how to save a snapshot, how to
shut down, the listening address. Nothing here imports it.
"""

from __future__ import annotations

import os
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from redipy.errors import ResponseError

if TYPE_CHECKING:
    from redipy.memory.backend import MemoryBackend
    from redipy.memory.client import ClientSession
    from redipy.memory.db import Database

API_VERSION = "7.2.4"
"""The Redis version whose commands and replies redipy follows (what Valkey also reports
as ``redis_version``); libraries read it to pick features."""

PROTO_MAX_BULK_LEN = 512 * 1024 * 1024
QUERY_BUFFER_LIMIT = 1024 * 1024 * 1024


def _int_param(low: int, high: int) -> Callable[[str], str]:
    def check(text: str) -> str:
        try:
            value = int(text)
        except ValueError:
            raise ValueError("argument couldn't be parsed into an integer") from None
        if not low <= value <= high:
            raise ValueError(f"argument must be between {low} and {high} inclusive")
        return str(value)

    return check


def _yes_no(text: str) -> str:
    if text.lower() not in ("yes", "no"):
        raise ValueError("argument must be 'yes' or 'no'")
    return text.lower()


def _memory_size(text: str) -> str:
    units = {"": 1, "b": 1, "k": 1000, "kb": 1024, "m": 1000**2, "mb": 1024**2,
             "g": 1000**3, "gb": 1024**3}
    lower = text.lower()
    digits = lower.rstrip("kmgb")
    unit = lower[len(digits):]
    if not digits.isdigit() or unit not in units:
        raise ValueError("argument must be a memory value")
    return str(int(digits) * units[unit])


class Param:
    """One configuration parameter: its current text, how a new value is checked, and
    whether CONFIG SET may change it (some are fixed once the server runs)."""

    __slots__ = ("check", "mutable", "value")

    def __init__(self, value: str, check: Callable[[str], str] | None = None,
                 *, mutable: bool = True) -> None:
        self.value = value
        self.check = check
        self.mutable = mutable


def default_params(databases: int) -> dict[str, Param]:
    """The parameters redipy has (and honours); ``CONFIG GET`` shows only these."""
    busy = Param("5000", _int_param(0, (1 << 63) - 1))  # one value under both names
    return {
        "busy-reply-threshold": busy,
        "lua-time-limit": busy,
        "bind": Param("127.0.0.1", mutable=False),
        "port": Param("0", mutable=False),
        "databases": Param(str(databases), mutable=False),
        "maxclients": Param("10000", _int_param(1, 1 << 30)),
        "proto-max-bulk-len": Param(str(PROTO_MAX_BULK_LEN), _memory_size),
        "client-query-buffer-limit": Param(str(QUERY_BUFFER_LIMIT), _memory_size),
        "protected-mode": Param("yes", _yes_no, mutable=False),
        "dbfilename": Param("", mutable=False),
        "save": Param("", mutable=False),
        "appendonly": Param("no", mutable=False),
        "maxmemory": Param("0", mutable=False),
        "maxmemory-policy": Param("noeviction", mutable=False),
        # the encoding thresholds OBJECT ENCODING judges by (redipy.memory.cmd_object)
        **{name: Param(value, mutable=False) for name, value in ENCODING_PARAMS.items()},
    }


ENCODING_PARAMS = {
    "hash-max-listpack-entries": "512", "hash-max-listpack-value": "64",
    "hash-max-ziplist-entries": "512", "hash-max-ziplist-value": "64",
    "list-max-listpack-size": "-2", "list-max-ziplist-size": "-2",
    "set-max-intset-entries": "512", "set-max-listpack-entries": "128",
    "set-max-listpack-value": "64", "zset-max-listpack-entries": "128",
    "zset-max-listpack-value": "64", "zset-max-ziplist-entries": "128",
    "zset-max-ziplist-value": "64",
}
"""Valkey 9.1's defaults (the ``ziplist`` names are its aliases of the ``listpack`` ones)."""


SAMPLE = 64
"""The in-process fast paths time one call in SAMPLE for ``usec`` (and count the
time SAMPLE times); calls, failures and refusals are counted exactly everywhere."""
SAMPLE_MASK = SAMPLE - 1


class CommandStat:
    """Calls, time and errors of one command, for ``INFO commandstats``."""

    __slots__ = ("calls", "failed", "ns", "rejected")

    def __init__(self) -> None:
        self.calls = 0
        self.ns = 0
        """Nanoseconds in all: summed whole, so calls under a microsecond add up."""
        self.failed = 0
        self.rejected = 0

    @property
    def usec(self) -> int:
        return self.ns // 1000


class Parked:
    """A client waiting on a blocking command, held without a thread.

    The door that parked it gets ``wake()`` called (possibly from another thread) when a
    key it waits on is written; it then calls :meth:`ServerState.serve_ready`, which
    retries parked commands in arrival order and hands each answer to ``deliver``."""

    __slots__ = ("any_write", "argv", "broadcast", "db", "deliver", "keys", "kind", "session",
                 "wake")

    def __init__(self, session: ClientSession, db: Database, argv: Sequence[str],
                 keys: Sequence[str], kind: type, deliver: Callable[[Any], None],
                 wake: Callable[[], None], *, broadcast: bool = False,
                 any_write: bool = False) -> None:
        self.session = session
        self.kind = kind
        self.db = db
        self.argv = argv
        self.keys = tuple(dict.fromkeys(keys))
        self.deliver = deliver
        self.wake = wake
        self.broadcast = broadcast
        """A read that takes nothing away (a stream read): one write may serve all of
        them, so each is retried once per write, in arrival order, not in turn."""
        self.any_write = any_write
        """Retried whatever the key holds after the write (XREADGROUP: NOGROUP when the
        key is gone, WRONGTYPE when it holds another type), as Valkey re-runs it."""


class ServerState:
    """Server-wide state shared by all clients of one memory backend."""

    def __init__(self, backend: MemoryBackend) -> None:
        self.backend = backend
        self.lock = threading.Lock()
        self.clients: dict[int, ClientSession] = {}
        self._next_id = 0
        self.started = time.time()
        self.run_id = os.urandom(20).hex()
        self.params = default_params(len(backend.dbs))
        self.requirepass: str | None = None
        self.commandstats: dict[str, CommandStat] = {}
        self.total_connections = 0
        self.rejected_connections = 0
        self.net_input = 0
        self.net_output = 0
        self.dirty = 0
        """Write commands run since the last save (what ``--save-every`` checks)."""
        self.lastsave = int(time.time())
        self.save_hook: Callable[[], None] | None = None
        """Writes the snapshot (set by the CLI layer); SAVE without it is an error."""
        self.shutdown_hook: Callable[[bool | None], None] | None = None
        """Stops the server: ``True`` save first, ``False`` do not, ``None`` as configured."""
        self.monitors: dict[int, ClientSession] = {}
        self.tcp_port = 0
        self.executable = ""
        # the waiting room: (db, key) -> parked clients in arrival order
        self._lines: dict[tuple[Database, str], deque[Parked]] = {}
        self._ready: dict[tuple[Database, str], None] = {}
        self._hooked: dict[Database, Callable[[str], None]] = {}

    # ---- clients --------------------------------------------------------------------------

    def add_client(self, client: ClientSession) -> int:
        with self.lock:
            self._next_id += 1
            self.clients[self._next_id] = client
            self.total_connections += 1
            return self._next_id

    def remove_client(self, client: ClientSession) -> None:
        with self.lock:
            self.clients.pop(client.id, None)
            self.monitors.pop(client.id, None)

    def stat(self, name: str) -> CommandStat:
        stat = self.commandstats.get(name)
        if stat is None:
            stat = self.commandstats[name] = CommandStat()
        return stat

    def commands_processed(self) -> int:
        """``total_commands_processed``: every call counted in ``commandstats`` (a
        server counts both in one place, so they agree; refused calls are in neither)."""
        return sum(stat.calls for stat in list(self.commandstats.values()))

    def reset_stats(self) -> None:
        self.commandstats.clear()
        self.total_connections = 0
        self.rejected_connections = 0
        self.net_input = 0
        self.net_output = 0

    def param(self, name: str) -> str:
        return self.params[name].value

    def int_param(self, name: str) -> int:
        return int(self.params[name].value)

    # ---- saving ---------------------------------------------------------------------------

    def save(self) -> None:
        """Write the snapshot through the hook; Redis's error when there is none."""
        if self.save_hook is None:
            raise ResponseError("ERR no snapshot file configured: start the server with "
                                "--snapshot FILE")
        self.save_hook()
        self.dirty = 0
        self.lastsave = int(time.time())

    # ---- the waiting room -----------------------------------------------------------------

    def park(self, parked: Parked) -> None:
        """Queue ``parked`` on each of its keys; the first write to one wakes it."""
        db = parked.db
        with db.lock:
            for key in parked.keys:
                line = self._lines.get((db, key))
                if line is None:
                    line = self._lines[(db, key)] = deque()
                line.append(parked)
            if db not in self._hooked:
                hook = self._hook_for(db)
                self._hooked[db] = hook
                db.on_touch.append(hook)

    def unpark(self, parked: Parked) -> None:
        """Take ``parked`` out of every line (served, timed out or disconnected)."""
        db = parked.db
        with db.lock:
            for key in parked.keys:
                line = self._lines.get((db, key))
                if line is None:
                    continue
                try:
                    line.remove(parked)
                except ValueError:
                    pass
                if not line:
                    del self._lines[(db, key)]
            if not any(d is db for d, _ in self._lines):
                hook = self._hooked.pop(db, None)
                if hook is not None and hook in db.on_touch:
                    db.on_touch.remove(hook)

    def _hook_for(self, db: Database) -> Callable[[str], None]:
        lines = self._lines
        ready = self._ready

        def touched(key: str) -> None:
            line = lines.get((db, key))
            if line:
                if (db, key) not in ready:
                    ready[(db, key)] = None
                line[0].wake()

        return touched

    @property
    def has_ready(self) -> bool:
        return bool(self._ready)

    def serve_ready(self) -> None:
        """Retry parked commands on the keys written since the last call, first come
        first served; each one that gets an answer leaves the room with it."""
        while self._ready:
            (db, key), _ = self._ready.popitem()
            with db.lock:
                line = self._lines.get((db, key))
                if line and any(parked.broadcast for parked in line):
                    kind = type(db.data.get(key))
                    for parked in list(line):  # stream reads: each once, in arrival order
                        if parked.broadcast and (parked.kind is kind or parked.any_write):
                            reply = parked.session.retry_blocked(parked.argv)
                            if reply is not None:
                                self.unpark(parked)
                                parked.deliver(reply)
                    line = self._lines.get((db, key))
                while line and db.data.get(key) is not None:
                    served = False
                    kind = type(db.data.get(key))
                    for parked in list(line):
                        if parked.kind is not kind or parked.broadcast:
                            continue  # a list waiter is not served by a sorted set
                        reply = parked.session.retry_blocked(parked.argv)
                        if reply is not None:
                            self.unpark(parked)
                            parked.deliver(reply)
                            served = True
                            break
                    if not served:
                        break
                    line = self._lines.get((db, key))

    def parked_clients(self) -> int:
        seen = {id(p) for line in self._lines.values() for p in line}
        return len(seen)


def server_state(backend: MemoryBackend) -> ServerState:
    """The one :class:`ServerState` of ``backend`` (made on first use)."""
    state: ServerState | None = getattr(backend, "_server_state", None)
    if state is None:
        with _MAKE_LOCK:
            state = getattr(backend, "_server_state", None)
            if state is None:
                state = ServerState(backend)
                backend._server_state = state  # type: ignore[attr-defined]
    return state


_MAKE_LOCK = threading.Lock()
