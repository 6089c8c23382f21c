"""redis-py's ``Pipeline`` for the memory backend: the batch runs in one call.

redis-py sends a pipeline packed and then reads one reply per command through
``parse_response``. :class:`MemoryPipeline` keeps everything of redis-py's
``Pipeline`` (queueing, transactions, WATCH, scripts, retries, error annotation)
and replaces only the send-and-read of a batch of plain commands: the connection runs
them in order under one hold of the database lock
(:meth:`~redipy.redispy.connection.MemoryConnection.run_batch`) and each raw reply
goes through what ``parse_response`` does with a reply it read: the parser's
conversion, ``EMPTY_RESPONSE``, the response callback. A transaction (MULTI ... EXEC,
WATCHed keys checked) runs the same way as EXEC would run its queue
(:meth:`~redipy.redispy.connection.MemoryConnection.run_transaction`), its replies
read as redis-py reads EXEC's. Any other batch (a command the session must see, a
blocking one or a wrong argument count in a transaction, a connection that needs
reconnecting, HIMPORT state) goes redis-py's own way.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any

from redis.client import EMPTY_RESPONSE, NEVER_DECODE, Pipeline
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import ResponseError, WatchError

from redipy.redispy.argv import VIEW_ENCODING
from redipy.redispy.connection import NOT_RUN, MemoryConnection
from redipy.redispy.methods import FastCommands, stock_set
from redipy.redispy.replies import callback_of
from redipy.reply import Status

_SCALARS = frozenset({bool, int, str, bytes, type(None)})
"""Results of a callback that one reply may share with the next equal one."""


class MemoryPipeline(FastCommands, Pipeline):
    """A ``redis.client.Pipeline`` whose plain batches run in one call."""

    def set(self, *args: Any, **kwargs: Any) -> Any:
        # FastCommands.set with execute_command's queueing inlined (a SET is queued
        # unless WATCH is on outside MULTI)
        if not kwargs and len(args) == 2 and not self.watching:
            self.command_stack.append((("SET", args[0], args[1]), {}))
            return self
        return stock_set(self, args, kwargs)

    def execute_command(self, *args: Any, **kwargs: Any) -> Any:
        # redis-py's, with pipeline_execute_command's append inlined (a call less for
        # each queued command)
        if (self.watching or args[0] == "WATCH") and not self.explicit_transaction:
            return self.immediate_execute_command(*args, **kwargs)
        self.command_stack.append((args, kwargs))
        return self

    def _execute_transaction(self, connection: Any, commands: Sequence[Any],
                             raise_on_error: bool) -> list[Any]:
        raw: Any = NOT_RUN
        # as for _execute_pipeline; a command with EMPTY_RESPONSE is not even sent
        if (isinstance(connection, MemoryConnection) and not connection._himport_prepared
                and not any(EMPTY_RESPONSE in options for _, options in commands)):
            raw = connection.run_transaction(commands)
        if raw is NOT_RUN:
            return super()._execute_transaction(
                connection, commands, raise_on_error)
        # what redis-py makes of MULTI's OK, the QUEUEDs and EXEC's reply: EXEC's array
        # read in one parse (decoded as the client decodes: NEVER_DECODE is not looked
        # at in a transaction), errors in place, then each command's callback
        try:
            response = None if raw is None else _converted(connection, raw)
        except BaseException:  # a reply that cannot be decoded: see read_response
            connection.disconnect()
            raise
        self.watching = False  # EXEC clears any watched keys
        if response is None:
            raise WatchError("Watched variable changed.")
        if raise_on_error:
            self.raise_first_error(commands, response)
        callbacks = self.response_callbacks
        found: dict[Any, Any] = {}
        same: dict[tuple[Any, str], Any] = {}  # as in _execute_pipeline
        data = []
        for reply, each, (args, options) in zip(response, raw, commands):
            if not isinstance(reply, Exception):
                if options:
                    options.pop("keys", None)
                name = args[0]
                status = not options and type(each) is Status
                if status:
                    try:
                        data.append(same[name, each])
                        continue
                    except KeyError:
                        pass
                try:
                    callback = found[name]
                except KeyError:
                    callback = found[name] = callback_of(callbacks, name)
                if callback is not None:
                    reply = callback(reply, **options) if options else callback(reply)
                    if (status and type(reply) in _SCALARS
                            and callback.__module__.startswith("redis.")):
                        same[name, each] = reply
            data.append(reply)
        return data

    def _execute_pipeline(self, connection: Any, commands: Sequence[Any],
                          raise_on_error: bool) -> list[Any]:
        raws = None
        # no HIMPORT fieldset prepared on the connection: redis-py's pipeline would
        # send nothing before the batch (and no HIMPORT is a plain command)
        if isinstance(connection, MemoryConnection) and not connection._himport_prepared:
            raws = connection.run_batch(commands)
        if raws is None:
            return super()._execute_pipeline(  # type: ignore[no-any-return]
                connection, commands, raise_on_error)
        # parse_response per reply, as redis-py's Pipeline does (no WATCH, UNWATCH,
        # EXEC or DISCARD can be among plain commands, so ``watching`` stays); the
        # conversion and callback lookup inlined as in MemoryConnection.call and
        # MemoryRedis.execute_command
        callbacks = self.response_callbacks
        convert, convert_raw = connection._convert, connection._convert_raw
        as_bytes = not connection._decode
        ascii_text = connection._ascii_replies
        found: dict[Any, Any] = {}  # each name's callback, looked up once per batch
        same: dict[tuple[Any, str], Any] = {}  # (name, status) -> redis-py's callback's
        responses: list[Any] = []
        for (args, options), raw in zip(commands, raws):
            if not options and type(raw) is Status:  # OK, OK, OK ...: one callback call
                try:
                    responses.append(same[args[0], raw])
                    continue
                except KeyError:
                    pass
            never_decode = bool(options) and NEVER_DECODE in options
            kind = type(raw)
            if raw is None or kind is int:  # the common replies as MemoryConnection.call
                response = raw  # converts them; the rest through the parser's conversion
            elif (kind is str or kind is Status) and (as_bytes or never_decode):
                response = raw.encode(VIEW_ENCODING)
            elif (kind is str or kind is Status) and ascii_text and raw.isascii():
                response = str(raw)
            else:
                try:  # the connection's read_response
                    response = (convert_raw if never_decode else convert)(raw)
                except BaseException:  # a reply that cannot be decoded
                    connection.disconnect()
                    raise
                if isinstance(response, BaseException):
                    if isinstance(response, ResponseError):
                        responses.append(options[EMPTY_RESPONSE]
                                         if EMPTY_RESPONSE in options else response)
                        continue
                    if isinstance(response, RedisConnectionError):
                        raise response
            if options:
                options.pop(NEVER_DECODE, None)
                options.pop(EMPTY_RESPONSE, None)
                options.pop("keys", None)
            name = args[0]
            try:
                callback = found[name]
            except KeyError:
                callback = found[name] = callback_of(callbacks, name)
            if callback is None:
                responses.append(response)
                continue
            result = callback(response, **options) if options else callback(response)
            if (kind is Status and not options and type(result) in _SCALARS
                    and callback.__module__.startswith("redis.")):
                same[name, raw] = result  # redis-py's callbacks: pure, on a scalar
            responses.append(result)
        if raise_on_error:
            self.raise_first_error(commands, responses)
        return responses


def _converted(connection: MemoryConnection, raws: list[Any]) -> list[Any]:
    """EXEC's replies as ``connection._convert`` reads them, the common ones (nil,
    integers, simple and bulk strings) inlined as in ``_execute_pipeline``."""
    convert = connection._convert
    as_bytes = not connection._decode
    ascii_text = connection._ascii_replies
    out = []
    for raw in raws:
        kind = type(raw)
        if raw is None or kind is int:
            out.append(raw)
        elif (kind is str or kind is Status) and as_bytes:
            out.append(raw.encode(VIEW_ENCODING))
        elif (kind is str or kind is Status) and ascii_text and raw.isascii():
            out.append(str(raw))
        else:
            out.append(convert(raw))
    return out


functools.update_wrapper(MemoryPipeline.set, FastCommands.set)
