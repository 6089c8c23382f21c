"""A redis-py ``Connection`` whose server is a memory backend in this process.

redis-py drives a connection with ``send_command`` / ``send_packed_command`` and then
``read_response`` once per reply (``can_read`` to poll). Here sending runs the command
at once, in the caller's thread, through the connection's :class:`DropInSession`, and
keeps the raw reply; reading converts it into what redis-py's parser would have
returned for this connection's protocol and decoding (:mod:`redipy.redispy.replies`).
No socket, no RESP, no extra thread. Pub/sub messages arrive from publishers' threads
into the same reply queue, in order, and ``can_read(timeout)`` waits on it.

Blocking commands (BLPOP, ...) block the calling thread only: they wait on the
backend's condition, releasing the database lock meanwhile.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Sequence
from time import perf_counter_ns
from typing import Any

from redis._parsers import _HiredisParser
from redis.connection import AbstractConnection, ConnectionPool
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import ResponseError as RedisResponseError
from redis.exceptions import TimeoutError as RedisTimeoutError
from redis.utils import SENTINEL

from redipy.errors import ResponseError
from redipy.memory.boundary import clean_error
from redipy.memory.serverstate import SAMPLE, SAMPLE_MASK
from redipy.redispy import forking
from redipy.redispy.argv import (
    VIEW_ENCODING,
    arg_encoder,
    ascii_compatible,
    other_arg,
    to_argv,
)
from redipy.redispy.registry import backend_for_url, backend_of, default_backend
from redipy.redispy.replies import make_converter
from redipy.redispy.session import NO_REPLY, DropInSession, Plain
from redipy.redispy.shapes import resp3_shape
from redipy.reply import Push, Status

# what a TCP connection class accepts that has no meaning in process
_SOCKET_ONLY = ("host", "port", "socket_keepalive", "socket_keepalive_options", "socket_type",
                "path", "ssl", "ssl_keyfile", "ssl_certfile", "ssl_cert_reqs",
                "ssl_ca_certs", "ssl_ca_data", "ssl_check_hostname", "ssl_password",
                "ssl_ca_path", "ssl_min_version", "ssl_ciphers", "ssl_validate_ocsp",
                "ssl_validate_ocsp_stapled", "ssl_ocsp_context", "ssl_ocsp_expected_cert",
                "ssl_include_verify_flags", "ssl_exclude_verify_flags")


class _InProcess:
    """Stands where the socket would be: ``connection._sock`` is truthy while connected."""

    def shutdown(self, how: int) -> None:
        pass

    def close(self) -> None:
        pass

    def settimeout(self, value: float | None) -> None:
        pass

    def getpeername(self) -> tuple[str, int]:
        return ("memory", 0)


class Packed(list):  # type: ignore[type-arg]
    """What ``pack_command(s)`` returns here: argument lists, not RESP bytes."""

    __slots__ = ()


class ReplyQueue:
    """Raw replies and pushes in arrival order, with a wait for the next one."""

    def __init__(self) -> None:
        self.items: deque[Any] = deque()
        self.cond = threading.Condition(threading.Lock())
        self.waiting = 0

    def push(self, item: Any) -> None:
        self.items.append(item)  # atomic; the lock only when a reader sleeps
        if self.waiting:
            with self.cond:
                self.cond.notify()

    def wait(self, timeout: float | None) -> bool:
        """True once something is queued; False after ``timeout`` seconds (None: forever)."""
        if self.items:
            return True
        with self.cond:
            self.waiting += 1
            try:
                if timeout is None:
                    while not self.items:
                        self.cond.wait()
                    return True
                deadline = time.monotonic() + timeout
                while not self.items:
                    left = deadline - time.monotonic()
                    if left <= 0:
                        return False
                    self.cond.wait(left)
                return True
            finally:
                self.waiting -= 1


def memory_parser(base: type) -> type:
    """redis-py's parser class ``base`` reading the reply queue instead of a socket.

    The connection reads through ``connection._parser`` as redis-py's does, so what
    redis-py does with a parser (push handlers, error classes, a test's mock that
    makes it fail as a dead socket would) holds here; the fast path
    (:meth:`MemoryConnection.call`) leaves it out."""
    if getattr(base, "_memory", False):
        return base
    made = _PARSERS.get(base)
    if made is None:
        def on_connect(self: Any, connection: Any) -> None:
            self.encoder = connection.encoder

        def on_disconnect(self: Any) -> None:
            pass

        def can_read(self: Any, timeout: float | None = 0) -> bool:
            return bool(self._conn._can_read_queued(timeout))

        def read_response(self: Any, disable_decoding: bool = False,
                          push_request: bool = False, timeout: Any = SENTINEL,
                          **_: Any) -> Any:
            return self._conn._read_queued(disable_decoding, push_request, timeout)

        made = type(f"Memory{base.__name__}", (base,), {
            "_memory": True, "on_connect": on_connect, "on_disconnect": on_disconnect,
            "can_read": can_read, "read_response": read_response})
        _PARSERS[base] = made
    return made


_PARSERS: dict[type, type] = {}

NOT_RUN = object()
"""What :meth:`MemoryConnection.run_transaction` returns when the batch must go redis-py's way."""

_CLOSED = object()
"""Queued when another client kills this connection (CLIENT KILL)."""


class MemoryConnection(AbstractConnection):
    """A redis-py connection to a :class:`~redipy.memory.backend.MemoryBackend`."""

    def __init__(self, server: Any = None, **kwargs: Any) -> None:
        for name in _SOCKET_ONLY:
            kwargs.pop(name, None)
        if server is None:
            server = default_backend()
        self.backend = backend_of(server)
        super().__init__(**kwargs)
        self.host = "memory"
        self.port = 0
        self._replies = ReplyQueue()
        self._session: DropInSession | None = None
        self._follow_protocol(3 if self.protocol in (3, "3") else 2)
        forking.track_connection(self)

    def _forked(self) -> None:
        """In a forked child: the parent's connection is gone, as if the server had
        closed it (see :mod:`redipy.redispy.forking`)."""
        self._replies = ReplyQueue()  # its lock may be held by a thread of the parent
        self._killed()

    # ---- redis-py's connection interface ----------------------------------------------------

    def repr_pieces(self) -> list[tuple[str, Any]]:
        pieces: list[tuple[str, Any]] = [("server", "memory"), ("db", self.db)]
        if self.client_name:
            pieces.append(("client_name", self.client_name))
        return pieces

    def _connect(self) -> Any:
        self._session = DropInSession(self.backend, self._replies.push)
        self._session.client.on_kill = self._killed
        self._replies.items.clear()
        self._follow_protocol(3 if self.protocol in (3, "3") else 2)
        return _InProcess()

    def _host_error(self) -> str:
        return "memory"

    def _killed(self) -> None:
        """CLIENT KILL from another client: the next command finds the connection gone
        (and redis-py's retry reconnects, as after a server closed the socket)."""
        session, self._session = self._session, None
        if session is not None:
            session.close()
        # a reader waiting on the queue learns it as from a socket the server closed
        self._replies.push(_CLOSED)

    def set_parser(self, parser_class: Any) -> None:
        super().set_parser(memory_parser(parser_class))
        self._parser._conn = self
        if hasattr(self, "_replies"):
            self._follow_protocol(self._proto)

    def disconnect(self, *args: Any, **kwargs: Any) -> None:
        session = self._session
        self._session = None
        self._sock = None
        self.reset_should_reconnect()
        self._reset_himport_state()
        if session is not None:
            session.close()
        if hasattr(self, "_replies"):
            self._replies.items.clear()

    def send_packed_command(self, command: Any, check_health: bool = True) -> None:
        if not self._sock:
            self.connect_check_health(check_health=False)
        if check_health:
            self.check_health()
        if isinstance(command, Packed):
            for args in command:
                self._run(args)
            return
        for args in _parse_requests(command):
            self._run(args)

    def send_command(self, *args: Any, **kwargs: Any) -> None:
        if not self._sock:
            self.connect_check_health(check_health=False)
        if kwargs.get("check_health", True) and self.health_check_interval:
            self.check_health()
        self._run(args)

    def _run(self, args: Sequence[Any]) -> None:
        session = self._session
        if session is None:
            raise RedisConnectionError("Connection closed by server.")
        argv = to_argv(args, self._args, self._ascii)
        try:
            reply = session.execute(argv)
        except ResponseError as err:
            reply = err
        if reply is not NO_REPLY:
            self._replies.push(reply)
        if session.protocol != self._proto:
            self._follow_protocol(session.protocol)

    def _follow_protocol(self, proto: int) -> None:
        """Read replies as RESP ``proto`` gives them (HELLO switches it)."""
        self._proto = proto
        big_int = not isinstance(self._parser, _HiredisParser)
        self._args = arg_encoder(self._command_packer, self.encoder)
        self._ascii = ascii_compatible(self._args)  # ASCII text arguments pass as they are
        self._ascii_replies = ascii_compatible(self.encoder)  # ASCII replies decode to themselves
        self._decode = bool(self.encoder.decode_responses)
        self._convert = make_converter(resp3=proto == 3,
                                       decode=self.encoder.decode_responses,
                                       encoding=self.encoder.encoding,
                                       errors=self.encoder.encoding_errors,
                                       parse_error=self._parser.parse_error, big_int=big_int)
        self._convert_raw = make_converter(resp3=proto == 3, decode=False,
                                           encoding=self.encoder.encoding,
                                           errors=self.encoder.encoding_errors,
                                           parse_error=self._parser.parse_error,
                                           big_int=big_int)

    def can_read(self, timeout: float | None = 0) -> bool:
        if not self._sock:
            self.connect()
        try:
            return bool(self._parser.can_read(timeout))
        except OSError as err:  # what a socket's parser raises when the peer is gone
            self.disconnect()
            raise RedisConnectionError(f"Error while reading from memory: {err.args}") from err

    def read_response(self, disable_decoding: bool = False, *,
                      timeout: float | object = SENTINEL, disconnect_on_error: bool = True,
                      push_request: bool = False) -> Any:
        try:
            reply = self._parser.read_response(disable_decoding=disable_decoding,
                                               push_request=push_request, timeout=timeout)
        except RedisTimeoutError:
            if disconnect_on_error:
                self.disconnect()
            raise
        except OSError as err:
            if disconnect_on_error:
                self.disconnect()
            raise RedisConnectionError(f"Error while reading from memory: {err.args}") from err
        except BaseException:  # a reply that cannot be decoded: as redis-py's own
            if disconnect_on_error:  # connection does, the rest of its replies go too
                self.disconnect()
            raise
        if self.health_check_interval:
            self.next_health_check = time.monotonic() + self.health_check_interval  # type: ignore[assignment]
        if isinstance(reply, (RedisConnectionError, RedisResponseError)):
            raise reply
        return reply

    def _can_read_queued(self, timeout: float | None) -> bool:
        return self._replies.wait(timeout or 0) if timeout != 0 else bool(self._replies.items)

    def _read_queued(self, disable_decoding: bool, push_request: bool,
                     timeout: float | object) -> Any:
        """The next reply off the queue, parsed (the parser's read, see MemoryParser)."""
        replies = self._replies
        while True:
            if not replies.items:
                wait = self.socket_timeout if timeout is SENTINEL else timeout
                if not replies.wait(wait):  # type: ignore[arg-type]
                    raise RedisTimeoutError("Timeout reading from memory")
            raw = replies.items.popleft()
            if raw is _CLOSED:
                self.disconnect()
                raise RedisConnectionError("Connection closed by server.")
            reply = (self._convert_raw if disable_decoding else self._convert)(raw)
            if type(raw) is not Push or self._proto != 3:
                return reply
            # a RESP3 push goes to the parser's push handler, as redis-py's parser
            # does: its answer is the reply to a push read, else the next reply follows
            handled = self._parser.handle_push_response(reply)
            if push_request:
                return handled

    def pack_command(self, *args: Any) -> Packed:
        return Packed([args])

    def pack_commands(self, commands: Any) -> Packed:
        return Packed(tuple(cmd) for cmd in commands)

    # ---- the fast path (MemoryRedis.execute_command) ----------------------------------------

    def call(self, args: Sequence[Any], never_decode: bool) -> Any:
        """Run one command and return its parsed reply; error replies are raised as
        redis-py's exceptions. What send_command + read_response do, without a queue.

        The hot path of every redis-py call, so the plain case is inlined: a backend
        command of a bare session (:attr:`DropInSession.bare`) with the right arity
        runs its handler straight under the database lock, as
        :meth:`DropInSession.execute` would, its common arguments and replies
        converted in place (:func:`to_argv`, the converter)."""
        session = self._session
        if (session is None or self._replies.items or self._should_reconnect
                or not self._sock or self.health_check_interval):
            return self._call_slow(args, never_decode)
        name = args[0]
        plain = session._plain.get(name) if type(name) is str else None
        if plain is None or not session.bare or session.backend.monitors:
            return self._call_session(session, args, never_decode)
        handler, arity, shaped, _, fn, fn_argc, fixed = plain
        argc = len(args)
        if not (argc == arity if arity >= 0 else argc >= -arity):
            return self._call_session(session, args, never_decode)
        ascii_safe = self._ascii
        # one or two arguments (most calls) converted without a loop
        if argc == 2:
            one = args[1]
            if type(one) is not str or not ascii_safe or not one.isascii():
                one = (one.decode(VIEW_ENCODING) if type(one) is bytes
                       else other_arg(one, self._args, ascii_safe))
            argv = [one]
        elif argc == 3:
            one, two = args[1], args[2]
            if type(one) is not str or not ascii_safe or not one.isascii():
                one = (one.decode(VIEW_ENCODING) if type(one) is bytes
                       else other_arg(one, self._args, ascii_safe))
            if type(two) is not str or not ascii_safe or not two.isascii():
                two = (two.decode(VIEW_ENCODING) if type(two) is bytes
                       else other_arg(two, self._args, ascii_safe))
            argv = [one, two]
        elif argc == 4:  # ZADD key score member, HSET key field value, ...
            one, two, three = args[1], args[2], args[3]
            if type(one) is not str or not ascii_safe or not one.isascii():
                one = (one.decode(VIEW_ENCODING) if type(one) is bytes
                       else other_arg(one, self._args, ascii_safe))
            if type(two) is not str or not ascii_safe or not two.isascii():
                two = (two.decode(VIEW_ENCODING) if type(two) is bytes
                       else str(two) if type(two) is int
                       else other_arg(two, self._args, ascii_safe))
            if type(three) is not str or not ascii_safe or not three.isascii():
                three = (three.decode(VIEW_ENCODING) if type(three) is bytes
                         else other_arg(three, self._args, ascii_safe))
            argv = [one, two, three]
        else:
            argv = []
            for arg in args[1:]:
                kind = type(arg)
                if kind is str and ascii_safe and arg.isascii():
                    argv.append(arg)
                elif kind is bytes:
                    argv.append(arg.decode(VIEW_ENCODING))
                elif kind is int:
                    argv.append(str(arg))
                else:
                    argv.append(other_arg(arg, self._args, ascii_safe))
        client = session.client
        db = client.db
        stat = client.state.commandstats.get(name)  # counted as ClientSession counts
        if stat is None:
            stat = client.state.stat(name.upper())
        lock = db.lock
        if not lock.acquire(False):  # not ``with``: a third cheaper on this path
            # another client's command or script holds it: the session's path waits
            # its turn, or answers BUSY past busy-reply-threshold (redipy.memory.busy)
            return self._call_session(session, args, never_decode)
        client.commands_run += 1
        # timed one call in SAMPLE (two clock reads cost a fifth of a GET here), the
        # 64th first so a first call's module import is not taken as typical
        started = perf_counter_ns() if stat.calls & SAMPLE_MASK == SAMPLE_MASK else 0
        try:
            if argc != fn_argc:
                reply = handler(db, argv)
            elif fixed:
                reply = fn(db, *argv, *fixed)
            elif argc == 2:  # positional: a star call costs more than the handler's
                reply = fn(db, one)
            elif argc == 3:
                reply = fn(db, one, two)
            elif argc == 4:
                reply = fn(db, one, two, three)
            else:
                reply = fn(db, *argv)
        except ResponseError as err:
            stat.failed += 1
            raise self._convert(clean_error(err)) from None
        finally:
            lock.release()
            stat.calls += 1
            if started:
                stat.ns += (perf_counter_ns() - started) * SAMPLE
        if reply is None:
            return None
        kind = type(reply)
        if kind is int:
            return reply
        if shaped and client.protocol == 3:
            reply = resp3_shape(name.upper(), argv, reply)
        elif kind is str or kind is Status:
            if never_decode or not self._decode:
                return reply.encode(VIEW_ENCODING)
            if self._ascii_replies and reply.isascii():
                return str(reply)
        return (self._convert_raw if never_decode else self._convert)(reply)

    def call_get(self, key: Any) -> Any:
        """``call(("GET", key), False)`` with GET's checks and steps worked out in
        advance: its direct form (:attr:`DropInSession.get_fn`) runs under the database
        lock, counted in commandstats as :meth:`call` counts, its reply converted as
        :meth:`call` converts it. Anything else (the connection not ready, the session
        not bare, MONITOR on, the lock taken) goes :meth:`call`'s way."""
        session = self._session
        if (session is None or self._replies.items or self._should_reconnect
                or not self._sock or self.health_check_interval or not session.bare
                or session.backend.monitors):
            return self.call(("GET", key), False)
        fn = session.get_fn
        if fn is None:
            return self.call(("GET", key), False)
        arg = key
        if type(arg) is not str or not self._ascii or not arg.isascii():
            arg = (arg.decode(VIEW_ENCODING) if type(arg) is bytes
                   else other_arg(arg, self._args, self._ascii))
        client = session.client
        db = client.db
        stat = client.state.commandstats.get("GET")
        if stat is None:
            stat = client.state.stat("GET")
        lock = db.lock
        if not lock.acquire(False):
            return self._call_session(session, ("GET", key), False)
        client.commands_run += 1
        calls = stat.calls
        stat.calls = calls + 1
        if calls & SAMPLE_MASK == SAMPLE_MASK:  # timed one call in SAMPLE, as call times
            started = perf_counter_ns()
            try:
                reply = fn(db, arg)
            except ResponseError as err:
                stat.failed += 1
                raise self._convert(clean_error(err)) from None
            finally:
                lock.release()
                stat.ns += (perf_counter_ns() - started) * SAMPLE
        else:
            try:
                reply = fn(db, arg)
            except ResponseError as err:
                stat.failed += 1
                raise self._convert(clean_error(err)) from None
            finally:
                lock.release()
        if reply is None:
            return None
        if type(reply) is str:
            if not self._decode:
                return reply.encode(VIEW_ENCODING)
            if self._ascii_replies and reply.isascii():
                return reply
        return self._convert(reply)

    def run_batch(self, commands: Sequence[tuple[Sequence[Any], Any]]) -> list[Any] | None:
        """A pipeline's commands run in order under one hold of the database lock:
        their raw replies, errors (redipy's) in place, as the pipeline converts them.

        None when the batch cannot go this way, and then nothing has run: the
        connection is not as :meth:`call` needs it, the session is not bare, or a
        command is one the session must see (so none can change the session's state,
        and no reply goes to the reply queue). All arguments are converted before any
        command runs, as redis-py packs the whole pipeline before sending it."""
        session = self._session
        calls = self._batch(session, commands, False)
        if calls is None or session is None:
            return None
        client = session.client
        db = client.db
        lock = db.lock
        if not lock.acquire(False):  # taken: command by command (waits, or BUSY)
            return None
        try:
            return self._run_calls(session, db, calls)
        finally:
            lock.release()

    def run_transaction(self, commands: Sequence[tuple[Sequence[Any], Any]]) -> Any:
        """A pipeline's MULTI, commands, EXEC as the session would run them: EXEC's raw
        reply (a list, errors in place; None when a watched key changed), or
        :data:`NOT_RUN` when the batch cannot go this way (as for :meth:`run_batch`,
        and also a blocking command or a wrong number of arguments, which MULTI
        treats its own way). The commands run under one hold of the lock, as EXEC
        runs them; the WATCHed keys are forgotten after, as EXEC forgets them."""
        session = self._session
        calls = self._batch(session, commands, True)
        if calls is None or session is None:
            return NOT_RUN
        client = session.client
        tx = client.tx
        db = client.db
        lock = db.lock
        if not lock.acquire(False):  # taken: the session's MULTI/EXEC (waits, or BUSY)
            return NOT_RUN
        before = db.no_block
        db.no_block = True  # as EXEC runs its queue (nothing here blocks anyway)
        state = client.state
        try:
            client.commands_run += 2  # MULTI and EXEC
            state.stat("MULTI").calls += 1
            state.stat("EXEC").calls += 1
            if tx.watched or tx.dirty:
                if tx._watch_failed():
                    client.commands_run += len(calls)  # queued, as MULTI counts them
                    return None
            return self._run_calls(session, db, calls)
        finally:
            db.no_block = before
            try:
                tx.unwatch()
            finally:
                lock.release()

    def _batch(self, session: DropInSession | None,
               commands: Sequence[tuple[Sequence[Any], Any]],
               transaction: bool) -> list[tuple[str, Plain, int, list[str]]] | None:
        """Each command's name, fast-path entry, count and converted arguments, or None
        (see :meth:`run_batch` and :meth:`run_transaction`)."""
        if (session is None or self._replies.items or self._should_reconnect
                or not self._sock or self.health_check_interval or not session.bare
                or session.backend.monitors):
            return None
        plain = session._plain
        encoder = self._args
        ascii_safe = self._ascii
        calls = []
        for args, _ in commands:
            name = args[0]
            if type(name) is not str:
                return None
            entry = plain.get(name) or session.plain_entry(name)
            if entry is None:
                return None
            argc = len(args)
            if transaction:  # what MULTI refuses or runs its own way: the session's
                arity = entry[1]
                if entry[3] or not (argc == arity if arity >= 0 else argc >= -arity):
                    return None
            if argc == 3:  # the common counts without a loop, as in call
                one, two = args[1], args[2]
                kind = type(one)
                if kind is not str or not ascii_safe or not one.isascii():
                    one = (one.decode(VIEW_ENCODING) if kind is bytes
                           else str(one) if kind is int
                           else other_arg(one, encoder, ascii_safe))
                kind = type(two)
                if kind is not str or not ascii_safe or not two.isascii():
                    two = (two.decode(VIEW_ENCODING) if kind is bytes
                           else str(two) if kind is int
                           else other_arg(two, encoder, ascii_safe))
                argv = [one, two]
            elif argc == 2:
                one = args[1]
                kind = type(one)
                if kind is not str or not ascii_safe or not one.isascii():
                    one = (one.decode(VIEW_ENCODING) if kind is bytes
                           else str(one) if kind is int
                           else other_arg(one, encoder, ascii_safe))
                argv = [one]
            else:
                argv = []  # arguments(args, ...) inlined
                for arg in args[1:]:
                    kind = type(arg)
                    if kind is str and ascii_safe and arg.isascii():
                        argv.append(arg)
                    elif kind is bytes:
                        argv.append(arg.decode(VIEW_ENCODING))
                    elif kind is int:
                        argv.append(str(arg))
                    else:
                        argv.append(other_arg(arg, encoder, ascii_safe))
            calls.append((name, entry, argc, argv))
        return calls

    def _run_calls(self, session: DropInSession, db: Any,
                   calls: list[tuple[str, Plain, int, list[str]]]) -> list[Any]:
        """The raw replies of a prepared batch (the caller holds ``db``'s lock). A run
        of one command (a bulk load: SET, SET, ...) unpacks its entry and finds its
        counter once, not per command."""
        client = session.client
        resp3 = client.protocol == 3
        state = client.state
        stats = state.commandstats
        out: list[Any] = []
        append = out.append
        ran = 0
        last: Any = None
        handler: Any = None
        fn: Any = None
        stat: Any = None
        arity = fn_argc = 0
        shaped = False
        fixed: tuple[Any, ...] = ()
        try:
            for name, entry, argc, argv in calls:
                if entry is not last:
                    handler, arity, shaped, _, fn, fn_argc, fixed = entry
                    last = entry
                    stat = stats.get(name)
                    if stat is None:
                        stat = state.stat(name.upper())
                counted = None
                try:
                    if not (argc == arity if arity >= 0 else argc >= -arity):
                        reply = session.execute([name, *argv])  # the arity error
                    else:
                        ran += 1
                        counted = stat
                        started = (perf_counter_ns()
                                   if stat.calls & SAMPLE_MASK == SAMPLE_MASK else 0)
                        stat.calls += 1
                        if argc != fn_argc:
                            reply = handler(db, argv)
                        elif fixed:
                            reply = fn(db, *argv, *fixed)
                        elif argc == 3:  # positional, as in call
                            reply = fn(db, argv[0], argv[1])
                        elif argc == 2:
                            reply = fn(db, argv[0])
                        else:
                            reply = fn(db, *argv)
                        if started:
                            stat.ns += (perf_counter_ns() - started) * SAMPLE
                        if shaped and resp3 and reply is not None:
                            reply = resp3_shape(name.upper(), argv, reply)
                except ResponseError as err:
                    if counted is not None:
                        counted.failed += 1
                    reply = clean_error(err)
                append(reply)
        finally:
            client.commands_run += ran
        return out

    def _call_session(self, session: DropInSession, args: Sequence[Any],
                      never_decode: bool) -> Any:
        """:meth:`call` through the session (a command it must see, or a wrong arity)."""
        try:
            raw = session.execute(to_argv(args, self._args, self._ascii))
        except ResponseError as err:
            raise self._convert(err) from None
        if raw is NO_REPLY:
            return self.read_response(disable_decoding=never_decode)
        if session.protocol != self._proto:
            self._follow_protocol(session.protocol)
        return (self._convert_raw if never_decode else self._convert)(raw)

    def _call_slow(self, args: Sequence[Any], never_decode: bool) -> Any:
        """:meth:`call` when the connection needs (re)connecting, a health check, or has
        replies queued before this one."""
        if self._should_reconnect or not self._sock:
            self.disconnect()
            self.connect()
        elif self._session is None:  # killed by CLIENT KILL
            self.disconnect()
            if not self.retry.get_retries():
                raise RedisConnectionError("Connection closed by server.")
            self.connect()
        elif self._replies.items:
            # replies nobody read (a pipeline's read given up on a decoding error):
            # redis-py's pool drops such a connection ("Connection has data")
            self.disconnect()
            self.connect()
        if self.health_check_interval and time.monotonic() > self.next_health_check:
            self.check_health()
        session = self._session
        if session is None or self._replies.items:
            self.send_command(*args)
            return self.read_response(disable_decoding=never_decode)
        argv = to_argv(args, self._args, self._ascii)
        try:
            raw = session.execute(argv)
        except ResponseError as err:
            raw = err
        if raw is NO_REPLY:
            return self.read_response(disable_decoding=never_decode)
        if session.protocol != self._proto:
            self._follow_protocol(session.protocol)
        reply = (self._convert_raw if never_decode else self._convert)(raw)
        if self.health_check_interval:
            self.next_health_check = time.monotonic() + self.health_check_interval  # type: ignore[assignment]
        if isinstance(reply, BaseException):
            raise reply
        return reply


def _parse_requests(data: Any) -> list[list[bytes]]:
    """Requests already packed as RESP (a caller's own ``send_packed_command``)."""
    import hiredis

    if isinstance(data, (bytes, bytearray, memoryview, str)):
        chunks = [data]
    else:
        chunks = list(data)
    reader = hiredis.Reader()
    for chunk in chunks:
        reader.feed(chunk.encode() if isinstance(chunk, str) else bytes(chunk))
    out: list[list[bytes]] = []
    while True:
        req = reader.gets()
        if req is False:
            return out
        out.append(req)


class MemoryConnectionPool(ConnectionPool):
    """A redis-py pool of :class:`MemoryConnection` to one memory backend.

    ``MemoryConnectionPool(server=redipy_client, **redis_kwargs)``, or
    ``MemoryConnectionPool.from_url("redis://name/0")``: a URL names a shared backend
    of this process (see :mod:`redipy.redispy.registry`), so libraries that build their
    own clients from a URL reach the same data."""

    def __init__(self, connection_class: type = MemoryConnection, **kwargs: Any) -> None:
        if "server" not in kwargs:
            kwargs["server"] = backend_for_url(kwargs.get("host"), kwargs.get("port"))
        super().__init__(connection_class=connection_class, **kwargs)
        forking.track_pool(self, backend_of(kwargs["server"]))

    def get_connection(self, command_name: Any = None, *keys: Any, **options: Any) -> Any:
        if self.pid != forking.PID:
            self._checkpid()
        try:
            conn = self._available_connections.pop()  # atomic: no lock needed
        except IndexError:
            with self._lock:
                conn = self.make_connection()
        self._in_use_connections.add(conn)
        try:
            if not conn._sock:
                conn.connect()
            elif conn._replies.items:
                conn.disconnect()  # returned with unread replies: start afresh
                conn.connect()
        except BaseException:
            self.release(conn)
            raise
        return conn

    def release(self, connection: Any) -> None:
        if self.pid != forking.PID:
            self._checkpid()
        try:
            self._in_use_connections.remove(connection)
        except KeyError:
            return
        if connection.pid == self.pid:
            if connection._should_reconnect:
                connection.disconnect()
            self._available_connections.append(connection)
        else:
            connection.disconnect()
            with self._lock:
                self._created_connections -= 1
