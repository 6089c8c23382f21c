"""The asyncio twin of :mod:`redipy.redispy.connection`: a ``redis.asyncio`` connection,
pool and client over a memory backend.

Commands run at once in the event loop's thread (they are in-process and short);
blocking commands await a wake-up instead of blocking the loop
(:mod:`redipy.redispy.waiting`); pub/sub messages published from any thread wake the
reader through the loop (``call_soon_threadsafe``).
"""

from __future__ import annotations

import asyncio
import inspect
import math
import os
from collections import deque
from collections.abc import Sequence
from typing import Any

import redis.asyncio
from redis._parsers import _AsyncHiredisParser
from redis.asyncio.connection import AbstractConnection, ConnectionPool
from redis.client import EMPTY_RESPONSE, NEVER_DECODE
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import ResponseError as RedisResponseError
from redis.exceptions import TimeoutError as RedisTimeoutError

from redipy.errors import ResponseError
from redipy.memory.backend import MemoryBackend
from redipy.redispy import forking
from redipy.redispy.argv import ascii_compatible, to_argv
from redipy.redispy.connection import _SOCKET_ONLY, Packed, _parse_requests
from redipy.redispy.methods import FastCommands
from redipy.redispy.registry import backend_for_url, backend_of, default_backend
from redipy.redispy.replies import callback_of, make_converter, respond
from redipy.redispy.session import NO_REPLY, Blocked, DropInSession
from redipy.redispy.waiting import wait_blocked
from redipy.reply import Push


class _Stream:
    """Stands where the stream reader / writer would be."""

    def close(self) -> None:
        pass

    async def wait_closed(self) -> None:
        pass

    def at_eof(self) -> bool:
        return False

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return ("memory", 0) if name == "peername" else default


class AsyncReplyQueue:
    """Replies and pushes in order; pushes may come from any thread."""

    def __init__(self) -> None:
        self.items: deque[Any] = deque()
        self._waiter: asyncio.Future[None] | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    def push(self, item: Any) -> None:
        self.items.append(item)
        waiter, loop = self._waiter, self._loop
        if waiter is not None and loop is not None:
            try:
                loop.call_soon_threadsafe(_wake, waiter)
            except RuntimeError:
                pass

    async def wait(self, timeout: float | None) -> bool:
        """True once something is queued; False after ``timeout`` (None: forever)."""
        while not self.items:
            loop = asyncio.get_running_loop()
            self._loop = loop
            self._waiter = waiter = loop.create_future()
            if self.items:
                return True
            try:
                if timeout is None:
                    await waiter
                else:
                    await asyncio.wait_for(waiter, timeout)
            except TimeoutError:
                return bool(self.items)
            finally:
                self._waiter = None
        return True


def _wake(fut: asyncio.Future[None]) -> None:
    if not fut.done():
        fut.set_result(None)


class AsyncMemoryConnection(AbstractConnection):
    """A ``redis.asyncio`` connection to a memory backend."""

    def __init__(self, server: Any = None, **kwargs: Any) -> None:
        for name in _SOCKET_ONLY:
            kwargs.pop(name, None)
        if server is None:
            server = default_backend()
        self.backend: MemoryBackend = backend_of(server)
        super().__init__(**kwargs)
        self.host = "memory"
        self.port = 0
        self._replies = AsyncReplyQueue()
        self._session: DropInSession | None = None
        self._ascii = ascii_compatible(self.encoder)
        self._follow_protocol(3 if self.protocol in (3, "3") else 2)
        forking.track_connection(self)

    def _forked(self) -> None:
        """In a forked child: the parent's connection is gone (see
        :mod:`redipy.redispy.forking`)."""
        self._replies = AsyncReplyQueue()
        self._killed()

    def _follow_protocol(self, proto: int) -> None:
        self._proto = proto
        enc = self.encoder
        big_int = not isinstance(self._parser, _AsyncHiredisParser)
        self._convert = make_converter(resp3=proto == 3, decode=enc.decode_responses,
                                       encoding=enc.encoding, errors=enc.encoding_errors,
                                       parse_error=self._parser.parse_error, big_int=big_int)
        self._convert_raw = make_converter(resp3=proto == 3, decode=False,
                                           encoding=enc.encoding, errors=enc.encoding_errors,
                                           parse_error=self._parser.parse_error,
                                           big_int=big_int)

    def repr_pieces(self) -> list[tuple[str, Any]]:
        pieces: list[tuple[str, Any]] = [("server", "memory"), ("db", self.db)]
        if self.client_name:
            pieces.append(("client_name", self.client_name))
        return pieces

    async def _connect(self) -> None:
        self._session = DropInSession(self.backend, self._replies.push)
        self._session.client.on_kill = self._killed
        self._replies.items.clear()
        self._follow_protocol(3 if self.protocol in (3, "3") else 2)
        self._reader = _Stream()  # type: ignore[assignment]
        self._writer = _Stream()  # type: ignore[assignment]

    def _host_error(self) -> str:
        return "memory"

    def _killed(self) -> None:
        session, self._session = self._session, None
        if session is not None:
            session.close()

    def _close(self) -> None:
        session = self._session
        self._session = None
        self._reader = None
        self._writer = None
        if session is not None:
            session.close()
        if hasattr(self, "_replies"):
            self._replies.items.clear()

    async def disconnect(self, nowait: bool = False, error: Exception | None = None,
                         failure_count: int | None = None,
                         health_check_failed: bool = False) -> None:
        self._reset_himport_state()
        self.reset_should_reconnect()
        self._close()

    async def send_packed_command(self, command: Any, check_health: bool = True) -> None:
        if not self.is_connected:
            await self.connect_check_health(check_health=False)
        if check_health:
            await self.check_health()
        batch = command if isinstance(command, Packed) else _parse_requests(command)
        for args in batch:
            await self._run(args)

    async def send_command(self, *args: Any, **kwargs: Any) -> None:
        if not self.is_connected:
            await self.connect_check_health(check_health=False)
        if kwargs.get("check_health", True) and self.health_check_interval:
            await self.check_health()
        await self._run(args)

    async def _execute(self, args: Sequence[Any]) -> Any:
        """The raw reply (or error) to one command; blocking ones await."""
        session = self._session
        if session is None:
            raise RedisConnectionError("Connection closed by server.")
        argv = to_argv(args, self.encoder, self._ascii)
        try:
            reply = session.execute(argv, block=False)
            if isinstance(reply, Blocked):
                reply = await wait_blocked(session, reply)
        except ResponseError as err:
            reply = err
        if session.protocol != self._proto:
            self._follow_protocol(session.protocol)
        return reply

    async def _run(self, args: Sequence[Any]) -> None:
        reply = await self._execute(args)
        if reply is not NO_REPLY:
            self._replies.items.append(reply)

    async def can_read_destructive(self) -> bool:
        return bool(self._replies.items)

    async def can_read(self) -> bool:
        return bool(self._replies.items)

    async def read_response(self, disable_decoding: bool = False,
                            timeout: float | None = None, *,
                            disconnect_on_error: bool = True,
                            push_request: bool | None = False) -> Any:
        replies = self._replies
        while True:
            if not replies.items:
                if timeout == math.inf:
                    wait: float | None = None
                else:
                    wait = timeout if timeout is not None else self.socket_timeout
                if not await replies.wait(wait):
                    if timeout is not None:
                        return None
                    if disconnect_on_error:
                        await self.disconnect(nowait=True)
                    raise RedisTimeoutError("Timeout reading from memory")
            raw = replies.items.popleft()
            if type(raw) is not Push or self._proto != 3:
                return self._finish(raw, disable_decoding)
            # a RESP3 push goes to the parser's push handler, as redis-py's parser does
            handled = await self._parser.handle_push_response(  # type: ignore[attr-defined]
                self._finish(raw, disable_decoding))
            if push_request:
                return handled

    def _finish(self, raw: Any, never_decode: bool) -> Any:
        reply = (self._convert_raw if never_decode else self._convert)(raw)
        if self.health_check_interval:
            self.next_health_check = (asyncio.get_running_loop().time()
                                      + self.health_check_interval)
        if isinstance(reply, (RedisResponseError, RedisConnectionError)):
            raise reply
        return reply

    def pack_command(self, *args: Any) -> Packed:
        return Packed([args])

    def pack_commands(self, commands: Any) -> Packed:
        return Packed(tuple(cmd) for cmd in commands)

    async def call(self, args: Sequence[Any], never_decode: bool) -> Any:
        """One command's parsed reply, raised if an error (the client's fast path):
        what :meth:`_execute` and :meth:`_finish` do, inlined for a connection with
        nothing to catch up on (an await less per command)."""
        session = self._session
        if (session is None or self._should_reconnect or not self.is_connected
                or self.health_check_interval or self._replies.items):
            return await self._call_slow(args, never_decode)
        argv = to_argv(args, self.encoder, self._ascii)
        try:
            raw = session.execute(argv, block=False)
            if isinstance(raw, Blocked):
                raw = await wait_blocked(session, raw)
        except ResponseError as err:
            raw = err
        if session.protocol != self._proto:
            self._follow_protocol(session.protocol)
        if raw is NO_REPLY:
            return await self.read_response(disable_decoding=never_decode)
        reply = (self._convert_raw if never_decode else self._convert)(raw)
        if isinstance(reply, (RedisResponseError, RedisConnectionError)):
            raise reply
        return reply

    async def _call_slow(self, args: Sequence[Any], never_decode: bool) -> Any:
        """:meth:`call` when the connection needs (re)connecting, a health check, or has
        replies queued before this one."""
        if self._should_reconnect or not self.is_connected or self._session is None:
            await self.disconnect()
            await self.connect()
        if self.health_check_interval:
            await self.check_health()
        if self._replies.items or self._session is None:
            await self.send_command(*args)
            return await self.read_response(disable_decoding=never_decode)
        raw = await self._execute(args)
        if raw is NO_REPLY:
            return await self.read_response(disable_decoding=never_decode)
        return self._finish(raw, never_decode)


class AsyncMemoryConnectionPool(ConnectionPool):
    """A ``redis.asyncio`` pool of :class:`AsyncMemoryConnection` (see the sync pool)."""

    def __init__(self, connection_class: type = AsyncMemoryConnection, **kwargs: Any) -> None:
        if "server" not in kwargs:
            kwargs["server"] = backend_for_url(kwargs.get("host"), kwargs.get("port"))
        super().__init__(connection_class=connection_class, **kwargs)

    async def get_connection(self, command_name: Any = None, *keys: Any,
                             **options: Any) -> Any:
        conn = self.get_available_connection()
        try:
            if not conn.is_connected:
                await conn.connect()
            elif conn._replies.items:
                await conn.disconnect()
                await conn.connect()
        except BaseException:
            await self.release(conn)
            raise
        return conn

    async def release(self, connection: Any) -> None:
        self._in_use_connections.discard(connection)
        if connection.should_reconnect():
            await connection.disconnect()
        self._available_connections.append(connection)


# (the ignore: redis-py's own bases of redis.asyncio.Redis disagree on command_info)
class AsyncMemoryRedis(FastCommands, redis.asyncio.Redis):  # type: ignore[misc]
    """A ``redis.asyncio.Redis`` over a memory backend; ``execute_command`` goes straight
    to the connection (as :class:`redipy.redispy.client.MemoryRedis` does), and ``set``,
    ``get`` and ``zadd`` are the drop-in's (:mod:`redipy.redispy.methods`)."""

    async def execute_command(self, *args: Any, **options: Any) -> Any:
        if self.single_connection_client:
            return await super().execute_command(*args, **options)
        pool = self.connection_pool
        idle = pool._available_connections
        conn: Any
        try:
            conn = idle.pop()
            pool._in_use_connections.add(conn)
        except IndexError:
            conn = await pool.get_connection()
        try:
            try:
                response = await conn.call(args, NEVER_DECODE in options)
            except RedisResponseError:
                if EMPTY_RESPONSE in options:
                    return options[EMPTY_RESPONSE]
                raise
            callback = callback_of(self.response_callbacks, args[0])
            if callback is None:
                return response
            value = respond(callback, response, options) if options else callback(response)
            return await value if inspect.isawaitable(value) else value
        finally:
            pool._in_use_connections.discard(conn)
            idle.append(conn)


def make_async_client(backend: MemoryBackend, **redis_kwargs: Any) -> AsyncMemoryRedis:
    """A ``redis.asyncio.Redis`` on ``backend`` (see :func:`redipy.redispy.make_client`)."""
    kwargs = dict(redis_kwargs)
    kwargs.setdefault("db", backend.db.index)
    single = bool(kwargs.pop("single_connection_client", False))
    if kwargs.get("connection_pool") is not None:
        raise TypeError("redis_py() makes its own connection pool")
    client = AsyncMemoryRedis(**kwargs)
    tcp_pool = client.connection_pool
    client.connection_pool = AsyncMemoryConnectionPool(
        server=backend, max_connections=tcp_pool.max_connections,
        **tcp_pool.connection_kwargs)
    client.auto_close_connection_pool = True
    client.single_connection_client = single
    return client


__all__ = ["AsyncMemoryConnection", "AsyncMemoryConnectionPool", "AsyncMemoryRedis",
           "make_async_client", "os"]
