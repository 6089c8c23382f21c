"""One client connection of ``redipy serve``: an asyncio protocol around a
:class:`~redipy.memory.client.ClientSession`.

Everything runs on the server's event loop: each chunk read is parsed into requests
(:mod:`.request`), the requests run one after the other through the session, and their
replies are encoded (:mod:`.resp`) into one list that is written with one ``write`` at
the end of the chunk, so a pipeline of any depth costs one system call each way.

A blocking command that finds nothing *parks* the connection (no thread): the session
joins the server's waiting room, further requests from the same client wait in
:attr:`Connection.queue` (as a server stops reading a blocked client), and the reply
comes from a write that serves it, or from a timer. Pushes (published messages, MONITOR
lines) may come from any thread; they are queued on the loop and flushed once per loop
turn.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections import deque
from typing import TYPE_CHECKING, Any, cast

from redipy.errors import ResponseError
from redipy.memory.busy import busy_script
from redipy.memory.client import (
    NIL_ARRAY,
    NO_REPLY,
    NULL_ARRAY_COMMANDS,
    Blocked,
    ClientSession,
    Replies,
)
from redipy.redispy.shapes import RESP3_SHAPES, resp3_shape
from redipy.reply import OK, Map, Status
from redipy.server.request import ProtocolError, RequestParser
from redipy.server.resp import BULK_HEADERS, INTS, bulk_array, error_bytes, write2, write3
from redipy.server.scripts import (
    INLINE_BUDGET,
    LONG,
    OFFLOAD,
    PROVEN,
    SCRIPTS,
    ScriptJob,
    script_key,
)

if TYPE_CHECKING:
    from redipy.memory.db import Database
    from redipy.server.listener import Server

_monotonic = time.monotonic
_STREAM_READS = frozenset({"XREAD", "XREADGROUP"})
_STATUS_BYTES = {text: b"+" + text.encode() + b"\r\n" for text in ("OK", "QUEUED", "PONG")}

MAX_QUEUED = 64 * 1024
"""Requests held for a blocked client before its socket stops being read."""


class Connection(asyncio.Protocol):
    """One client: its transport, parser, session and what it waits for."""

    def __init__(self, server: Server) -> None:
        self.server = server
        self.loop = server.loop
        self.transport: asyncio.Transport | None = None
        self.session: ClientSession | None = None
        self.parser = RequestParser(server.state.params)
        self.queue: deque[list[str]] = deque()
        self.out: list[bytes] = []
        self.running = False
        self.flush_pending = False
        self.blocked: Blocked | None = None
        self.script: ScriptJob | None = None
        """The script (EVAL, FCALL, an EXEC with one) the worker thread runs for this
        client; its further requests wait in :attr:`queue` meanwhile."""
        self.timer: asyncio.TimerHandle | None = None
        self.error: ProtocolError | None = None
        self.read_paused = False
        self.closed = False
        self.fast = True

    # ---- asyncio callbacks ------------------------------------------------------------------

    def connection_made(self, base: asyncio.BaseTransport) -> None:
        transport = self.transport = cast(asyncio.Transport, base)  # uvloop's: no subclass
        server = self.server
        state = server.state
        if len(server.connections) >= state.int_param("maxclients"):
            state.rejected_connections += 1
            transport.write(b"-ERR max number of clients reached\r\n")
            transport.close()
            self.closed = True
            return
        peer = transport.get_extra_info("peername")
        local = transport.get_extra_info("sockname")
        sock = transport.get_extra_info("socket")
        session = ClientSession(server.backend, addr=_address(peer), laddr=_address(local),
                                fd=sock.fileno() if sock is not None else -1)
        session.on_push = self._push
        session.on_kill = self._killed
        self.session = session
        self.fast = self._can_be_fast()
        server.connections.add(self)

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        self.server.connections.discard(self)
        self._cancel_timer()
        self.blocked = None
        self.queue.clear()
        if self.session is not None:
            self.session.close()

    def pause_writing(self) -> None:
        """The client does not read its replies: stop reading its requests meanwhile."""
        self._pause_reading()

    def resume_writing(self) -> None:
        if self.blocked is None and not self.queue and self.script is None:
            self._resume_reading()

    def data_received(self, data: bytes) -> None:
        session = self.session
        if session is None or self.closed:
            return
        size = len(data)
        session.net_in += size
        self.server.state.net_input += size
        session.last_active = _monotonic()
        parser = self.parser
        while True:
            strict = not session.authenticated
            try:
                requests = parser.parse(data, strict)
            except ProtocolError as err:
                requests = err.requests
                self.error = err
            if self.blocked is not None or self.queue or self.script is not None:
                self.queue.extend(requests)
                if len(self.queue) > MAX_QUEUED:
                    self._pause_reading()
                return
            try:
                self._run(requests)
            except Exception as err:  # never let one client's failure reach the loop
                self.server.log(f"client {session.addr}: closed after internal error "
                                f"{type(err).__name__}: {err}")
                self.close()
            if not (strict and parser.held) or self.closed:
                return
            data = b""  # the rest of the chunk, read with the state AUTH left

    # ---- running requests -------------------------------------------------------------------

    def _run(self, requests: list[list[str]]) -> None:
        """Run requests in order until one blocks, the client leaves, or all are done.

        Plain backend commands of a client in no special state take the fast path:
        the handler (or its positional form) under the database lock, which a run of
        them takes once, counted for INFO at the end of the run (or before a request
        that goes through :meth:`ClientSession.execute`, which does its own counting);
        the waiting room is served after each write, as a server serves blocked
        clients after each command."""
        session = self.session
        assert session is not None
        out = self.out
        append = out.append
        server = self.server
        state = server.state
        plain = server.plain
        self.running = True
        fast = self.fast and not server.backend.monitors
        resp3 = session.protocol == 3
        held: Database | None = None
        db = session.db
        entry: Any = None
        stats = state.commandstats
        prev: Any = None  # the entry whose fields are unpacked below
        stat: Any = None
        same = 0  # calls of ``prev`` not yet added to its counter
        done = writes = 0
        pending = iter(requests)  # what is left of the chunk when a request parks
        try:
            for argv in pending:
                if fast:
                    entry = plain.get(argv[0])
                    if entry is None:
                        entry = server.plain_entry(argv[0])
                    if entry:
                        if entry is not prev:  # a run of one command unpacks it once
                            if same:
                                stat.calls += same
                                same = 0
                            fn, nargs, handler, least, most, upper, write, nil, shaped, bulk = entry
                            prev = entry
                            stat = stats.get(upper)  # looked up, not kept: RESETSTAT
                            if stat is None:
                                stat = state.stat(upper)
                        n = len(argv)
                        # one lock for the run of plain commands; when another thread
                        # holds it, the session's path waits its turn (or answers BUSY)
                        if least <= n <= most and (held is not None
                                                   or session.db.lock.acquire(False)):
                            if held is None:
                                db = session.db
                                held = db
                            same += 1
                            try:
                                if n == nargs:
                                    if n == 2:
                                        reply = fn(db, argv[1])
                                    elif n == 3:
                                        reply = fn(db, argv[1], argv[2])
                                    else:
                                        reply = fn(db, argv[1], argv[2], argv[3])
                                else:
                                    reply = handler(db, argv[1:])
                            except ResponseError as err:
                                if err is not OFFLOAD:
                                    stat.failed += 1
                                    done += 1
                                    append(error_bytes(err))
                                    continue
                                same -= 1  # a script for the script thread: below
                            else:
                                done += 1
                                if write:
                                    writes += 1
                                    if state._ready:
                                        state.serve_ready()
                                if resp3 and shaped:
                                    write3(resp3_shape(upper, argv[1:], reply), out)
                                    continue
                                kind = type(reply)
                                if reply is OK:  # the common replies, written in place
                                    append(b"+OK\r\n")
                                elif kind is int:
                                    append(INTS[reply + 1] if -1 <= reply < 1023
                                           else b":%d\r\n" % reply)
                                elif kind is str:
                                    if len(reply) < 4096:
                                        append((BULK_HEADERS[len(reply)] + reply + "\r\n").encode(
                                            "latin-1"))
                                    else:
                                        data = reply.encode("latin-1")
                                        append(b"$%d\r\n%s\r\n" % (len(data), data))
                                elif reply is None:
                                    if nil and (nil == 1 or n == 3):
                                        append(b"_\r\n" if resp3 else b"*-1\r\n")
                                    else:
                                        append(b"_\r\n" if resp3 else b"$-1\r\n")
                                elif kind is list and len(reply) > 2:  # LRANGE, SMEMBERS, ...
                                    data = bulk_array(reply, bulk)
                                    if data is None:
                                        (write3 if resp3 else write2)(reply, out)
                                    else:
                                        append(data)
                                elif kind is Status and reply in _STATUS_BYTES:
                                    append(_STATUS_BYTES[reply])
                                elif resp3:
                                    write3(reply, out)
                                else:
                                    write2(reply, out)
                                continue
                entry = None  # the session names and counts the command itself
                if held is not None:
                    held.lock.release()
                    held = None
                if same:
                    stat.calls += same
                    same = 0
                prev = None
                if done:
                    self._count(done, writes)
                    done = writes = 0
                if self._slow(argv, out):
                    self.queue.extendleft(reversed(list(pending)))
                    return
                self.fast = self._can_be_fast()
                fast = self.fast and not server.backend.monitors
                resp3 = session.protocol == 3
                if session.closing:
                    self._close_after_reply()
                    return
            if self.error is not None:
                self._protocol_error()
        finally:
            if held is not None:
                held.lock.release()
            self.running = False
            if same:
                stat.calls += same
            if done:  # what _count adds, in line
                state.dirty += writes
                session.commands_run += done
                if entry:
                    session.last_command = entry[5]
            if state._ready:
                state.serve_ready()
            if out and not self.closed:
                transport = self.transport
                if transport is None:
                    out.clear()
                else:  # _flush, in line
                    self.flush_pending = False
                    data = b"".join(out) if len(out) > 1 else out[0]
                    out.clear()
                    size = len(data)
                    session.net_out += size
                    state.net_output += size
                    transport.write(data)

    def _count(self, done: int, writes: int) -> None:
        """What a run of fast-path requests adds to INFO's counters and to ``dirty``."""
        session = self.session
        assert session is not None
        state = self.server.state
        state.dirty += writes
        session.commands_run += done

    def _can_be_fast(self) -> bool:
        session = self.session
        return (session is not None and session.tx.queue is None and session.authenticated
                and session.listener is None and session.reply_mode == "on"
                and not session.closing)

    def _slow(self, argv: list[str], out: list[bytes]) -> bool:
        """One request through the session; True when it parked the client."""
        session = self.session
        assert session is not None
        queued = None
        upper = argv[0].upper()
        tx = session.tx.queue
        if tx and upper == "EXEC":
            if session.protocol == 3:
                queued = list(tx)
            if any(call[0] in SCRIPTS for call in tx):
                return self._run_script(argv, queued, out)
        elif upper in SCRIPTS and tx is None:
            return self._run_script(argv, None, out)
        try:
            reply = session.execute(argv, block=False)
        except ResponseError as err:
            out.append(error_bytes(err))
            return False
        except Exception as err:  # a bug in a handler: answer, log, keep serving
            self._internal_error(argv, err, out)
            return False
        state = self.server.state
        if state._ready:
            state.serve_ready()
        if type(reply) is Blocked:
            self._park(reply)
            return True
        self._write(argv, reply, queued, out)
        return False

    def _internal_error(self, argv: list[str], err: BaseException, out: list[bytes]) -> None:
        session = self.session
        addr = session.addr if session is not None else "?"
        self.server.log(f"client {addr}: internal error in "
                        f"{argv[0]!r}: {type(err).__name__}: {err}")
        out.append(error_bytes(ResponseError(f"ERR internal error: {type(err).__name__}")))

    def _write(self, argv: list[str], reply: Any, queued: list[Any] | None,
               out: list[bytes]) -> None:
        """A reply from the session, encoded for the client's protocol."""
        session = self.session
        assert session is not None
        kind = type(reply)
        if session.protocol == 3:
            if kind is Replies:
                for item in reply:
                    write3(item, out)
            elif reply is not NO_REPLY:
                write3(shape3(argv, reply, queued), out)
        elif kind is Replies:
            for item in reply:
                write2(item, out)
        elif reply is not NO_REPLY:
            write2(reply, out)

    # ---- scripts, off the loop --------------------------------------------------------------

    def _run_script(self, argv: list[str], queued: list[Any] | None,
                    out: list[bytes]) -> bool:
        """A script command on the server's script thread, so the loop keeps serving the
        other clients while it runs (BUSY past busy-reply-threshold, SCRIPT KILL,
        SHUTDOWN NOSAVE). The loop waits a moment for it (a short script's reply goes
        out with the rest of the chunk); a longer one parks this client until it ends.
        True when the client is parked."""
        session = self.session
        assert session is not None
        db = session.db
        ctx = busy_script(db)
        if ctx is not None:  # another client's script is busy: refused on the loop
            try:
                reply = session.execute(argv, block=False)
            except ResponseError as err:
                out.append(error_bytes(err))
            else:
                self._write(argv, reply, queued, out)
            return False
        scripts = self.server.scripts
        if queued is None and argv[0].upper() != "EXEC":
            key = script_key(argv)
            if key is not None and scripts.known.get(key, 0) >= PROVEN and self._inline(
                    argv, key, out):
                return False
        job = ScriptJob(self, argv, queued)
        if scripts.run(job):
            self._finish_script(job, out)
            return False
        self.script = job
        return True

    def _inline(self, argv: list[str], key: tuple[str, str], out: list[bytes]) -> bool:
        """A script proven short, run on the loop within :data:`INLINE_BUDGET`; False
        when the hook stopped it past the budget before it had any effect (it is to run
        on the script thread from the start)."""
        server = self.server
        rt = getattr(server.backend, "_redipy_lua_runtime", None)
        session = self.session
        if rt is None or session is None:
            return False
        limit = int(server.state.params["busy-reply-threshold"].value) / 2000
        rt.inline_until = _monotonic() + (INLINE_BUDGET if INLINE_BUDGET < limit else limit)
        try:
            reply = session.execute(argv, block=False)
        except ResponseError as err:
            reply = err
        except Exception as err:  # a bug in a handler: answer, log, keep serving
            reply = err
        finally:
            overran = rt.inline_until == 0.0  # the hook saw it past the budget
            rt.inline_until = 0.0
        if rt.moved:
            rt.moved = False
            server.scripts.known[key] = 0
            return False
        if overran:  # it had written (published, logged), then ran long
            server.scripts.known[key] = LONG
        state = server.state
        if state._ready:
            state.serve_ready()
        if isinstance(reply, ResponseError):
            out.append(error_bytes(reply))
        elif isinstance(reply, Exception):
            self._internal_error(argv, reply, out)
        else:
            self._write(argv, reply, None, out)
        return True

    def _script_done(self, job: ScriptJob) -> None:
        """The script thread finished a parked client's script (on the loop)."""
        self.script = None
        if self.closed:
            return
        self._finish_script(job, self.out)
        session = self.session
        if session is not None and session.closing:
            self._close_after_reply()
            return
        self.fast = self._can_be_fast()
        self._flush()
        self._resume()

    def _finish_script(self, job: ScriptJob, out: list[bytes]) -> None:
        state = self.server.state
        if state._ready:
            state.serve_ready()
        error = job.error
        if error is None:
            self._write(job.argv, job.reply, job.queued, out)
        elif isinstance(error, ResponseError):
            out.append(error_bytes(error))
        else:
            self._internal_error(job.argv, error, out)

    def _resume(self) -> None:
        """After a blocked command has its answer: the requests that came meanwhile."""
        if self.closed or self.blocked is not None or self.script is not None:
            return
        requests = list(self.queue)
        self.queue.clear()
        self._resume_reading()
        self._run(requests)

    # ---- blocking ---------------------------------------------------------------------------

    def _park(self, blocked: Blocked) -> None:
        session = self.session
        assert session is not None
        self.blocked = blocked
        session.park(blocked, self._served, self.server.wake)
        if blocked.timeout_ms > 0:
            self.timer = self.loop.call_later(blocked.timeout_ms / 1000, self._timed_out)

    def _served(self, reply: Any) -> None:
        """A write served the parked command (called by ``serve_ready`` on the loop)."""
        self._cancel_timer()
        blocked, self.blocked = self.blocked, None
        session = self.session
        if self.closed or session is None or blocked is None:
            return
        if isinstance(reply, ResponseError):
            self.out.append(error_bytes(reply))
        elif session.protocol == 3:
            write3(shape3(list(blocked.argv), reply, None), self.out)
        else:
            write2(reply, self.out)
        self._schedule_flush()
        self.loop.call_soon(self._resume)

    def _timed_out(self) -> None:
        self.timer = None
        blocked, self.blocked = self.blocked, None
        session = self.session
        if blocked is None or session is None or self.closed:
            return
        session.unpark()
        nil = NIL_ARRAY if blocked.argv[0].upper() in NULL_ARRAY_COMMANDS else None
        (write3 if session.protocol == 3 else write2)(nil, self.out)
        self._flush()
        self._resume()

    def _cancel_timer(self) -> None:
        if self.timer is not None:
            self.timer.cancel()
            self.timer = None

    # ---- writing ----------------------------------------------------------------------------

    def _flush(self) -> None:
        self.flush_pending = False
        out = self.out
        if not out or self.transport is None or self.closed:
            out.clear()
            return
        data = b"".join(out) if len(out) > 1 else out[0]
        out.clear()
        session = self.session
        if session is not None:
            session.net_out += len(data)
        self.server.state.net_output += len(data)
        self.transport.write(data)

    def _schedule_flush(self) -> None:
        if not self.flush_pending and not self.running:
            self.flush_pending = True
            self.loop.call_soon(self._flush)

    def _push(self, reply: Any) -> None:
        """A published message or MONITOR line for this client, from any thread."""
        if threading.get_ident() != self.server.thread_id:
            self.loop.call_soon_threadsafe(self._push, reply)
            return
        session = self.session
        if self.closed or session is None:
            return
        (write3 if session.protocol == 3 else write2)(reply, self.out)
        self._schedule_flush()

    # ---- closing ----------------------------------------------------------------------------

    def _killed(self) -> None:
        """CLIENT KILL by another client (maybe from another thread)."""
        if threading.get_ident() != self.server.thread_id:
            self.loop.call_soon_threadsafe(self._killed)
            return
        if not self.running:
            self.close()

    def _close_after_reply(self) -> None:
        self._flush()
        self.close()

    def _protocol_error(self) -> None:
        err, self.error = self.error, None
        assert err is not None
        session = self.session
        addr = session.addr if session is not None else "?"
        if err.text is None:
            self.server.log(f"client {addr}: closed, query buffer over "
                            "client-query-buffer-limit")
        else:
            self.server.log(f"client {addr}: Protocol error: {err.text}")
            self.out.append(b"-ERR Protocol error: " + err.text.encode("latin-1") + b"\r\n")
        self._close_after_reply()

    def close(self) -> None:
        if self.transport is not None and not self.closed:
            self.closed = True
            self.transport.close()

    def _pause_reading(self) -> None:
        if not self.read_paused and self.transport is not None and not self.closed:
            self.read_paused = True
            self.transport.pause_reading()

    def _resume_reading(self) -> None:
        if self.read_paused and self.transport is not None and not self.closed:
            self.read_paused = False
            self.transport.resume_reading()


def shape3(argv: list[str], reply: Any, queued: list[Any] | None) -> Any:
    """A RESP3 client's reply with the marker its command implies where the handler
    left it plain (:mod:`redipy.redispy.shapes`); EXEC's replies one by one."""
    upper = argv[0].upper()
    if upper in _STREAM_READS and type(reply) is list:  # a map of stream -> entries
        return Map([part for pair in reply for part in pair])
    if upper in RESP3_SHAPES:
        return resp3_shape(upper, argv[1:], reply)
    if queued is not None and type(reply) is list:
        return [resp3_shape(call[0], call[1][1:], one) for call, one in zip(queued, reply)]
    return reply


def _address(info: Any) -> str:
    if isinstance(info, tuple) and len(info) >= 2:
        host = info[0]
        return f"[{host}]:{info[1]}" if ":" in str(host) else f"{host}:{info[1]}"
    return str(info or "")
