"""The redis-py clients of a memory backend: real ``redis.Redis`` objects.

:class:`MemoryRedis` is ``redis.Redis`` with one change: ``execute_command`` hands the
command straight to the connection (:meth:`MemoryConnection.call`) instead of going
through the retry, timing and socket bookkeeping a network round trip needs. The
command methods, response callbacks, pipelines, pub/sub, locks and scripts are
redis-py's own. Retries still wrap the connection's hand-shake (``connect``), where a
``retry`` policy has anything to do in process.
"""

from __future__ import annotations

import functools
from typing import Any

import redis
from redis.client import EMPTY_RESPONSE, NEVER_DECODE, CaseInsensitiveDict
from redis.commands.core import BasicKeyCommands
from redis.exceptions import ResponseError

from redipy.redispy import forking
from redipy.redispy.connection import MemoryConnectionPool
from redipy.redispy.methods import FastCommands
from redipy.redispy.pipeline import MemoryPipeline
from redipy.redispy.registry import backend_of
from redipy.redispy.replies import respond

_dict_get = dict.get


class MemoryRedis(FastCommands, redis.Redis):
    """A ``redis.Redis`` over a memory backend (see :func:`make_client`)."""

    def execute_command(self, *args: Any, **options: Any) -> Any:
        if self.connection is not None:
            with self.single_connection_lock:
                return self._call(self.connection, args, options)
        pool = self.connection_pool
        if pool.pid != forking.PID:  # a forked child: redis-py's pool resets itself
            pool._checkpid()
        idle = pool._available_connections
        try:
            conn = idle.pop()  # atomic; a connection in use by nobody else
        except IndexError:
            conn = pool.get_connection()
            pool._in_use_connections.discard(conn)
        try:
            response = conn.call(args, NEVER_DECODE in options if options else False)
        except ResponseError:
            if EMPTY_RESPONSE in options:
                return options[EMPTY_RESPONSE]
            raise
        finally:
            idle.append(conn)
        name = args[0]  # callback_of inlined (a call less)
        callbacks = self.response_callbacks
        if type(callbacks) is CaseInsensitiveDict:
            callback = _dict_get(callbacks, name)
            if callback is None and not name.isupper():
                callback = callbacks.get(name)
        else:
            callback = callbacks.get(name)
        if callback is None:
            return response
        if options:
            return respond(callback, response, options)
        return callback(response)  # what respond does with no options, a call less

    def get(self, name: Any) -> Any:
        # redis-py's get(name) (its signature, docstring and TypeErrors: update_wrapper
        # below); with no response callback for GET and a pooled client, it goes from
        # here to the connection's GET (MemoryConnection.call_get), without
        # execute_command's generic steps
        callbacks = self.response_callbacks
        if (self.connection is not None or type(callbacks) is not CaseInsensitiveDict
                or _dict_get(callbacks, "GET") is not None):
            return self.execute_command("GET", name)
        pool = self.connection_pool
        if pool.pid != forking.PID:
            pool._checkpid()
        idle = pool._available_connections
        try:
            conn = idle.pop()
        except IndexError:
            conn = pool.get_connection()
            pool._in_use_connections.discard(conn)
        try:
            return conn.call_get(name)
        finally:
            idle.append(conn)

    def pipeline(self, transaction: bool = True, shard_hint: Any = None) -> MemoryPipeline:
        return MemoryPipeline(self.connection_pool, self.response_callbacks, transaction,
                              shard_hint)

    def _call(self, conn: Any, args: tuple[Any, ...], options: dict[str, Any]) -> Any:
        try:
            response = conn.call(args, NEVER_DECODE in options)
        except ResponseError:
            if EMPTY_RESPONSE in options:
                return options[EMPTY_RESPONSE]
            raise
        callback = self.response_callbacks.get(args[0])
        return response if callback is None else respond(callback, response, options)


functools.update_wrapper(MemoryRedis.get, BasicKeyCommands.get)


def make_client(server: Any, *, asyncio: bool = False, **redis_kwargs: Any) -> Any:
    """A redis-py client (``redis.Redis``, or ``redis.asyncio.Redis`` with ``asyncio``)
    whose connections run every command on ``server``'s memory backend.

    ``redis_kwargs`` are redis-py's own (``decode_responses``, ``protocol``, ``db``,
    ``client_name``, ``health_check_interval``, ``retry``, ``max_connections``, ...);
    options that only mean something for a socket (host, port, ssl) are ignored."""
    backend = backend_of(server)
    if asyncio:
        from redipy.redispy.aio import make_async_client

        return make_async_client(backend, **redis_kwargs)
    kwargs = dict(redis_kwargs)
    kwargs.setdefault("db", backend.db.index)  # the database the redipy client uses
    single = bool(kwargs.pop("single_connection_client", False))
    if kwargs.get("connection_pool") is not None:
        raise TypeError("redis_py() makes its own connection pool")
    # redis.Redis works out its connection options and defaults (retry, protocol,
    # driver info ...) into a pool it never connects; the memory pool takes them over
    client = MemoryRedis(**kwargs)
    tcp_pool = client.connection_pool
    client.connection_pool = MemoryConnectionPool(
        server=backend, max_connections=tcp_pool.max_connections,
        **tcp_pool.connection_kwargs)
    client.auto_close_connection_pool = True
    if single:
        client._single_connection_client = True
        client.connection = client.connection_pool.get_connection()
    return client
