"""The ``redipy serve`` listener: a memory backend on a TCP port, in an asyncio loop.

:class:`Server` runs in whatever event loop starts it (``await server.start()``, then
``await server.wait_closed()``); :func:`serve` runs one in a thread of its own and
returns once it accepts connections. The server fills in the hooks of the backend's
:class:`~redipy.memory.serverstate.ServerState` (SAVE, SHUTDOWN, the port INFO shows).

Snapshots are the caller's: the library cannot read the snapshot format (it lives in
``redipy.migrate``, a layer above), so ``save`` is a callable that writes the backend
wherever it should go; ``redipy serve --snapshot FILE`` passes one that writes the
format of ``redipy dump``. With ``save_every`` the server calls it every that many
seconds when something was written since the last save, and at shutdown.

Safe by default: a bind to anything but a loopback address needs a password
(``requirepass``), as Redis's protected mode has it, unless ``protected_mode=False``.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
import sys
import threading
from collections.abc import Callable
from typing import Any

from redipy import commands
from redipy.memory.backend import MemoryBackend
from redipy.memory.client import CONTAINERS, NULL_ARRAY_COMMANDS, connection_commands
from redipy.memory.registry import DIRECT, name_cache, resolve
from redipy.memory.serverstate import ServerState, server_state
from redipy.redispy.shapes import RESP3_SHAPES
from redipy.server.connection import Connection
from redipy.server.loops import loop_factory
from redipy.server.scripts import SCRIPTS, ScriptThread

SaveHook = Callable[[MemoryBackend], None]

_SESSION_NAMES = connection_commands()
_NOT_PLAIN = frozenset({"SHUTDOWN", "ECHO", "PING"})
"""Backend handlers that answer differently for a client in a state (or not at all)."""
_BULK_ARRAYS = frozenset({"LRANGE", "HKEYS", "HVALS", "KEYS", "SMEMBERS", "SINTER", "SUNION",
                          "SDIFF"})
"""Commands whose array reply is bulk strings by definition (stored values, keys): a
``str`` subclass among them is still a bulk string, so the encoder skips its type test."""


def _positional(fn: Callable[..., Any], argc: int, fixed: tuple[Any, ...]) -> Any:
    """A direct form called with a request's arguments alone: its fixed trailing
    argument (LPUSH's ``head=True``) bound in a closure, cheaper than the handler's
    own way there (a list of arguments, a call with keywords)."""
    if not fixed:
        return fn
    last = fixed[0]
    if argc == 1:
        return lambda db, a: fn(db, a, last)
    if argc == 2:
        return lambda db, a, b: fn(db, a, b, last)
    return lambda db, a, b, c: fn(db, a, b, c, last)


class ServeError(Exception):
    """The server cannot start as asked (protected mode, address in use, ...)."""


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        try:
            return all(ipaddress.ip_address(info[4][0]).is_loopback
                       for info in socket.getaddrinfo(host, None))
        except OSError:
            return False


def _stderr(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


class Server:
    """A memory backend served over RESP2/RESP3 on ``host:port`` (``port=0``: any free one)."""

    def __init__(self, backend: MemoryBackend | None = None, *, host: str = "127.0.0.1",
                 port: int = 6379, requirepass: str | None = None,
                 maxclients: int | None = None, save: SaveHook | None = None,
                 save_every: float | None = None, protected_mode: bool = True,
                 log: Callable[[str], None] | None = _stderr) -> None:
        if protected_mode and not requirepass and not is_loopback(host):
            raise ServeError(
                f"refusing to listen on {host} without a password (protected mode): set "
                "one with --requirepass / --password-env, or bind 127.0.0.1")
        self.backend = backend if backend is not None else MemoryBackend()
        self.host = host
        self.port = port
        self.state: ServerState = server_state(self.backend)
        self.state.requirepass = requirepass or None
        if maxclients is not None:
            self.state.params["maxclients"].value = str(maxclients)
        self.state.params["bind"].value = host
        self.state.params["protected-mode"].value = "yes" if protected_mode else "no"
        self.save_hook = save
        self.save_every = save_every
        self.logger = log
        self.connections: set[Connection] = set()
        self.loop: asyncio.AbstractEventLoop = None  # type: ignore[assignment]
        self.thread_id = 0
        self._server: asyncio.Server | None = None
        self._closed: asyncio.Event | None = None
        self._wake_pending = False
        self._saver: asyncio.Task[None] | None = None
        self._stopping = False
        self.scripts = ScriptThread(self)
        """Runs the clients' scripts off the loop (:mod:`redipy.server.scripts`)."""
        self.plain: dict[str, Any] = name_cache(self)
        """Fast-path entries by command name as sent (``False``: not a plain command)."""

    # ---- lifetime ---------------------------------------------------------------------------

    async def start(self) -> Server:
        """Listen (the port is known afterwards: :attr:`port`)."""
        self.loop = asyncio.get_running_loop()
        self.thread_id = threading.get_ident()
        self._closed = asyncio.Event()
        try:
            self._server = await self.loop.create_server(
                lambda: Connection(self), self.host, self.port, reuse_address=True,
                backlog=511)
        except OSError as err:
            raise ServeError(f"cannot listen on {self.host}:{self.port}: "
                             f"{err.strerror or err}") from None
        sock = self._server.sockets[0]
        self.port = sock.getsockname()[1]
        state = self.state
        state.tcp_port = self.port
        state.params["port"].value = str(self.port)
        state.executable = sys.argv[0] if sys.argv else ""
        if self.save_hook is not None:
            state.save_hook = self._save_now
        state.shutdown_hook = self._shutdown
        if self.save_every:
            self._saver = self.loop.create_task(self._save_periodically(self.save_every))
        return self

    async def wait_closed(self) -> None:
        assert self._closed is not None
        await self._closed.wait()

    async def serve(self) -> None:
        """Start and run until SHUTDOWN or :meth:`stop` (an asyncio task's body)."""
        if self._server is None:
            await self.start()
        await self.wait_closed()

    def stop(self, save: bool | None = None) -> None:
        """Stop accepting, close every client; save first if ``save`` (``None``: when a
        save hook is configured). Call on the loop (``loop.call_soon_threadsafe``)."""
        if self._stopping:
            return
        self._stopping = True
        if save is None:
            save = self.save_hook is not None
        if save and self.save_hook is not None:
            try:
                self._save_now()
            except Exception as err:
                self.log(f"save at shutdown failed: {type(err).__name__}: {err}")
        if self._saver is not None:
            self._saver.cancel()
        self.scripts.stop()
        if self._server is not None:
            self._server.close()
        for conn in list(self.connections):
            conn.close()
        state = self.state
        state.shutdown_hook = None
        state.save_hook = None
        if self._closed is not None:
            self._closed.set()

    def _shutdown(self, save: bool | None) -> None:
        """SHUTDOWN [NOSAVE|SAVE]: the hook the backend's SHUTDOWN calls."""
        if save and self.save_hook is None:
            self.log("SHUTDOWN SAVE refused: no snapshot file configured")
            from redipy.errors import ResponseError

            raise ResponseError("ERR Errors trying to SHUTDOWN. Check logs.")
        self.log("SHUTDOWN: stopping")
        self.loop.call_soon(self.stop, save)

    # ---- saving -----------------------------------------------------------------------------

    def _save_now(self) -> None:
        assert self.save_hook is not None
        self.save_hook(self.backend)
        self.state.dirty = 0
        import time

        self.state.lastsave = int(time.time())

    async def _save_periodically(self, every: float) -> None:
        while True:
            await asyncio.sleep(every)
            if self.state.dirty:
                try:
                    self._save_now()
                except Exception as err:
                    self.log(f"periodic save failed: {type(err).__name__}: {err}")

    # ---- shared by the connections ------------------------------------------------------------

    def plain_entry(self, name: str) -> Any:
        """The fast path's entry for a command name as a client spelt it: (direct form,
        its argc, handler, least argc, most argc, upper name, writes?, nil kind,
        RESP3-shaped?, array of bulk strings?); ``False`` for names the session must
        see. The INFO counter is looked up by name when a run of the command starts
        (CONFIG RESETSTAT makes new ones)."""
        upper = name.upper()
        spec = commands.COMMANDS.get(upper)
        handler = resolve(upper)
        entry: Any = False
        if (spec is not None and handler is not None and upper not in _SESSION_NAMES
                and "blocking" not in spec.flags and upper not in _NOT_PLAIN
                and upper not in CONTAINERS):  # counted per subcommand by the session
            arity = spec.arity
            least, most = (arity, arity) if arity >= 0 else (-arity, 1 << 62)
            direct = DIRECT.get(upper)
            fn: Any = None
            nargs = -1
            if (direct is not None and len(direct.kinds) in (1, 2, 3)
                    and set(direct.kinds) == {"str"} and len(direct.fixed) <= 1):
                fn, nargs = _positional(direct.fn, len(direct.kinds), direct.fixed), \
                    len(direct.kinds) + 1
            if upper in SCRIPTS:  # proven short ones here, the others off the loop
                fn, nargs, handler = None, -1, self.scripts.inline_handler(upper, handler)
            nil = 1 if upper in NULL_ARRAY_COMMANDS else 2 if upper in ("LPOP", "RPOP") else 0
            entry = (fn, nargs, handler, least, most, upper, "write" in spec.flags, nil,
                     upper in RESP3_SHAPES, upper in _BULK_ARRAYS)
        if len(self.plain) < 4096:
            self.plain[name] = entry
        return entry

    def wake(self) -> None:
        """A parked client's key was written (maybe from another thread): serve the
        waiting room on the loop, once per loop turn."""
        if self._wake_pending:
            return
        self._wake_pending = True
        if threading.get_ident() == self.thread_id:
            self.loop.call_soon(self._serve_ready)
        else:
            try:
                self.loop.call_soon_threadsafe(self._serve_ready)
            except RuntimeError:  # the loop has closed
                pass

    def _serve_ready(self) -> None:
        self._wake_pending = False
        self.state.serve_ready()

    def log(self, line: str) -> None:
        if self.logger is not None:
            self.logger(line)


async def start_server(backend: MemoryBackend | None = None, **options: Any) -> Server:
    """A :class:`Server` listening in the running event loop (``options``: its own)."""
    return await Server(backend, **options).start()


class ServerThread:
    """A :class:`Server` in a thread of its own (what :func:`serve` returns); a context
    manager that stops it on exit."""

    def __init__(self, server: Server, loop: str = "auto") -> None:
        self.server = server
        self._new_loop = loop_factory(loop)
        self._ready = threading.Event()
        self._error: BaseException | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self.thread = threading.Thread(target=self._main, name="redipy-serve", daemon=True)

    @property
    def backend(self) -> MemoryBackend:
        return self.server.backend

    @property
    def host(self) -> str:
        return self.server.host

    @property
    def port(self) -> int:
        return self.server.port

    @property
    def url(self) -> str:
        return f"redis://{self.host}:{self.port}"

    def start(self) -> ServerThread:
        self.thread.start()
        self._ready.wait()
        if self._error is not None:
            raise self._error
        return self

    def _main(self) -> None:
        loop = self._new_loop()
        self._loop = loop
        try:
            loop.run_until_complete(self.server.start())
        except BaseException as err:
            self._error = err
            self._ready.set()
            loop.close()
            return
        self._ready.set()
        try:
            loop.run_until_complete(self.server.wait_closed())
            loop.run_until_complete(asyncio.sleep(0))  # let closing transports finish
        finally:
            loop.close()

    def stop(self, save: bool | None = None, timeout: float = 10.0) -> None:
        """Stop the server (saving as :meth:`Server.stop` does) and wait for its thread."""
        loop = self._loop
        if loop is not None and self.thread.is_alive():
            try:
                loop.call_soon_threadsafe(self.server.stop, save)
            except RuntimeError:
                pass
        self.thread.join(timeout)

    def __enter__(self) -> ServerThread:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def serve(backend: MemoryBackend | None = None, *, host: str = "127.0.0.1", port: int = 0,
          loop: str = "auto", **options: Any) -> ServerThread:
    """Serve ``backend`` (a fresh memory backend if ``None``) on ``host:port`` from a
    background thread; returns once clients can connect. ``port=0`` picks a free port
    (read it from the result's ``port`` / ``url``). ``loop``: ``auto`` (uvloop's event
    loop when installed), ``uvloop`` or ``asyncio``. ``options`` are :class:`Server`'s.

    The backend stays usable from Python meanwhile (its commands take the database
    lock), e.g. ``redipy.Redis(rt=handle.backend)``."""
    return ServerThread(Server(backend, host=host, port=port, **options), loop).start()
