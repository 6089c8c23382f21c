"""``redipy serve``'s script thread: EVAL, EVALSHA, FCALL (and an EXEC holding one) run
off the event loop.

A server answers other clients while a script runs past ``busy-reply-threshold``
(BUSY, SCRIPT KILL, FUNCTION KILL, SHUTDOWN NOSAVE). Run on the loop, a long script
would keep every connection waiting, so the connection hands its script command to
this thread (one per server: scripts take their database's lock anyway) and the loop
goes on serving. The loop first waits :data:`INLINE_WAIT` for the reply, so a short
script's reply goes out in the same write as the rest of its chunk; a longer one parks
the client (its further requests wait, as a server's blocked client's do) and the
thread hands the reply back to the loop when the script ends.

The hand-over costs two thread wake-ups (some 15 us of CPU), as much as a cheap
EVALSHA itself, so a script proven short runs on the loop again: one (the same EVAL
body, EVALSHA digest or FCALL function) whose last :data:`PROVEN` runs here each took
less than :data:`INLINE_BUDGET` of CPU time. On the loop it runs with that budget (wall
time): past it, a script that has not yet written, published or logged is stopped by
the Lua hook (``LuaRuntime.inline_until``), its reply dropped, and it runs again from
the start here (and has to prove itself short again). One that has written by then
cannot be run again and finishes on the loop (the others wait for it, BUSY or not; the
script runs here from then on): the one case left where a long script holds the loop,
and then only a script that was short its last runs.

Meanwhile the other clients' commands meet the database lock the script holds: under
the threshold they wait (the loop with them, as a single-threaded server waits), past
it they are answered at once (:mod:`redipy.memory.busy`). A proven-short script the
loop would run while the thread runs another (on another database) goes to the thread
too: one script runs at a time in the Lua state (``LuaRuntime.gate``).
"""

from __future__ import annotations

import queue
import threading
import time
from typing import TYPE_CHECKING, Any

from redipy.errors import ResponseError

if TYPE_CHECKING:
    from redipy.server.connection import Connection
    from redipy.server.listener import Server

_cpu = time.thread_time
"""A run's length is its thread's CPU time: a run cut by other processes (or waiting
for the lock) is not a long script."""
SCRIPTS = frozenset({"EVAL", "EVALSHA", "EVAL_RO", "EVALSHA_RO", "FCALL", "FCALL_RO"})
"""The commands that run a script (what the connection hands to the thread)."""

INLINE_WAIT = 0.005
"""Seconds the loop waits for a script's reply before it parks the client."""
INLINE_BUDGET = 0.005
"""Seconds a script may run on the loop (at most half of busy-reply-threshold)."""
PROVEN = 3
"""Runs within :data:`INLINE_BUDGET` here before a script runs on the loop."""
LONG = -1
_KNOWN_MAX = 4096
_monotonic = time.monotonic


class _Offload(ResponseError):
    """The fast path's script handler declines: the script runs on the thread."""


OFFLOAD = _Offload("offload")


def script_key(argv: list[str]) -> tuple[str, str] | None:
    """What a script is known by: the command and its body, digest or function name."""
    return (argv[0].upper(), argv[1]) if len(argv) > 1 else None


class ScriptJob:
    """One script command of one client: its request, then its reply or error."""

    __slots__ = ("argv", "conn", "detached", "done", "error", "finished", "queued",
                 "reply")

    def __init__(self, conn: Connection, argv: list[str], queued: list[Any] | None) -> None:
        self.conn = conn
        self.argv = argv
        self.queued = queued
        self.reply: Any = None
        self.error: BaseException | None = None
        self.done = threading.Lock()
        self.done.acquire()
        self.finished = False
        self.detached = False


class ScriptThread:
    """The thread that runs a server's scripts, started at the first one."""

    def __init__(self, server: Server) -> None:
        self.server = server
        self.jobs: queue.SimpleQueue[ScriptJob | None] = queue.SimpleQueue()
        self.mutex = threading.Lock()
        self.thread: threading.Thread | None = None
        self.current: ScriptJob | None = None
        self._threshold_text = ""
        self._budget = INLINE_BUDGET
        self.known: dict[tuple[str, str], int] = {}
        """Short runs here in a row by script (:data:`LONG` once one wrote and then ran
        long on the loop: it never runs there again)."""

    def budget(self) -> float:
        """Seconds a script may run on the loop: :data:`INLINE_BUDGET`, at most half
        of busy-reply-threshold."""
        text = self.server.state.params["busy-reply-threshold"].value
        if text is not self._threshold_text:
            self._threshold_text = text
            self._budget = min(INLINE_BUDGET, int(text) / 2000)
        return self._budget

    def inline_handler(self, upper: str, handler: Any) -> Any:
        """The loop's fast path's handler for a script command: ``handler`` within the
        budget for a script proven short; :data:`OFFLOAD` (raised) for any other, or
        for one the hook stopped before it had an effect (the connection then hands it
        to the thread)."""
        known = self.known
        backend = self.server.backend

        def run(db: Any, args: Any) -> Any:
            key = (upper, args[0]) if args else None
            rt = getattr(backend, "_redipy_lua_runtime", None)
            if rt is None or known.get(key, 0) < PROVEN:  # type: ignore[arg-type]
                raise OFFLOAD
            if not rt.gate.acquire(False):  # the thread runs a script: this one queues
                raise OFFLOAD
            rt.inline_until = _monotonic() + self.budget()  # seen by this run alone
            try:
                reply = handler(db, args)
            except ResponseError as err:
                reply = err
            finally:
                overran = rt.inline_until == 0.0
                rt.inline_until = 0.0
                rt.gate.release()
            if rt.moved:
                rt.moved = False
                known[key] = 0  # type: ignore[index]
                raise OFFLOAD
            if overran:
                known[key] = LONG  # type: ignore[index]
            if isinstance(reply, ResponseError):
                raise reply
            return reply

        return run

    def learn(self, key: tuple[str, str] | None, seconds: float) -> None:
        """A run of the script ``key`` took ``seconds``."""
        if key is None:
            return
        known = self.known
        if seconds >= INLINE_BUDGET:  # (the first run also compiles the script)
            if known.get(key, 0) > 0:
                known[key] = 0  # proven again from the start
            return
        runs = known.get(key, 0)
        if runs >= 0:
            if len(known) >= _KNOWN_MAX:
                known.clear()
            known[key] = runs + 1

    def run(self, job: ScriptJob) -> bool:
        """Hand ``job`` to the thread (from the loop); True when it finished within
        :data:`INLINE_WAIT` (its reply is in it), False when the connection's
        ``_script_done`` will be called on the loop instead."""
        if self.thread is None:
            self.thread = threading.Thread(target=self._main, name="redipy-scripts",
                                           daemon=True)
            self.thread.start()
        self.jobs.put(job)
        if job.done.acquire(timeout=INLINE_WAIT):
            return True
        with self.mutex:
            if job.finished:
                return True
            job.detached = True
        return False

    def stop(self) -> None:
        """At shutdown: kill the running script (as a server's exit ends it, written or
        not) and let the thread end."""
        with self.mutex:
            job = self.current
        if job is not None:
            session = job.conn.session
            rt = getattr(self.server.backend, "_redipy_lua_runtime", None)
            ctx = None if rt is None else rt.ctx
            if ctx is not None and session is not None:
                ctx.killed = True
        if self.thread is not None:
            self.jobs.put(None)

    def _main(self) -> None:
        jobs = self.jobs
        mutex = self.mutex
        while True:
            job = jobs.get()
            if job is None:
                return
            self.current = job
            session = job.conn.session
            started = _cpu()
            try:
                if session is None:
                    raise RuntimeError("no session")
                job.reply = session.execute(job.argv, block=False)
            except BaseException as err:  # ResponseError: the reply; others: logged
                job.error = err
            if job.queued is None:  # not an EXEC
                self.learn(script_key(job.argv), _cpu() - started)
            with mutex:
                self.current = None
                job.finished = True
                detached = job.detached
            job.done.release()
            if detached:
                try:
                    job.conn.loop.call_soon_threadsafe(job.conn._script_done, job)
                except RuntimeError:  # the loop has closed (SHUTDOWN)
                    pass
