"""What the builder and the Lua debugger share: a run in a worker thread that pauses
on events, and the stepping, listing and data commands over it.

The traced script calls its hooks synchronously, so a stepped run lives in a worker
thread that blocks inside the hook while the caller looks around. Anything that
touches the script's state while paused (``redis CMD``, Lua ``eval``) is handed to the
worker and run there, so the scratch database's lock and the Lua state are never
contended. A run to the end (:meth:`DebuggerBase.run` before any step) needs no thread.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable
from typing import Any

from redipy.debug.events import ERROR, RETURN, STMT, DebugResult, TraceEvent
from redipy.debug.scratch import Scratch
from redipy.errors import ResponseError

Listing = list[tuple[int, str, bool]]
Lines = list[str]
LuaLines = list[int]
Events = list[TraceEvent]


class Abort(BaseException):
    """Unwinds a paused script when the user aborts or restarts (not a script error)."""


class RunBase:
    """One execution of a script in a worker thread (a restart makes a new one): the
    pausing machinery the builder and the Lua debugger share.

    The worker calls :meth:`emit` for every event; it blocks there (in :meth:`paused`)
    while the caller looks around, and runs what the caller hands it (``call``) on
    its own thread. Holds no reference to the debugger, so a debugger dropped while
    paused is collected and its ``__del__`` can end the worker.
    """

    def __init__(self, client: Any, breaks: set[int], sync: bool, db: int = 0) -> None:
        self.breaks = breaks
        self.sync = sync
        self.scratch = Scratch(client._backend, db)
        self.events: list[TraceEvent] = []
        self.mode = "step"  # step | cont | run
        self.abort_req = False
        self.started = False
        self.done = False
        self.stmt: TraceEvent | None = None
        self.result: DebugResult | None = None
        self.final: TraceEvent | None = None
        self.reason = ""
        """Why the worker paused last, in ldb's words (``step over``, ``break point``)."""
        self.break_next = ""
        """A reason to stop at the next statement whatever the mode (``redis.breakpoint``)."""
        self.to_worker: queue.Queue[tuple[Any, ...]] = queue.Queue()
        self.to_main: queue.Queue[tuple[Any, ...]] = queue.Queue()
        self.thread: threading.Thread | None = None

    def aborting(self) -> BaseException:
        """The exception that unwinds the script when the user aborts."""
        return Abort()

    def emit(self, event: TraceEvent) -> None:
        """Record ``event``; pause on it when the mode says so."""
        self.events.append(event)
        if self.abort_req:
            raise self.aborting()
        mode = self.mode
        if mode == "run":
            return
        if event.kind == STMT and self.break_next:
            reason, self.break_next = self.break_next, ""
        elif event.kind == STMT and event.lua_line in self.breaks:
            reason = "break point"
        elif event.kind == ERROR:
            reason = "error"
        elif mode == "cont":
            return
        else:
            reason = "step over"
        self.reason = reason
        self.to_main.put(("event", event))
        self.paused()

    def paused(self) -> None:
        while True:
            msg = self.to_worker.get()
            if msg[0] == "resume":
                return
            if msg[0] == "abort":
                self.abort_req = True
                raise self.aborting()
            if msg[0] == "call":
                try:
                    self.to_main.put(("result", True, msg[1]()))
                except Exception as err:
                    self.to_main.put(("result", False, err))

    def main(self) -> None:  # pragma: no cover - each run kind has its own
        raise NotImplementedError

    def finish(self, value: Any, error: str | None, exc: ResponseError | None,
               aborted: bool, final: TraceEvent | None, *, append: bool = True) -> None:
        """Close the run: the final event (``append``: not yet among the events), sync,
        the result; tells the caller."""
        if final is not None and append:
            self.events.append(final)
        synced = False
        if self.sync:
            try:
                self.scratch.apply()
                synced = True
            except Exception as err:  # pragma: no cover - the client went away
                error = f"sync failed: {type(err).__name__}: {err}"
        self.final = final
        self.result = DebugResult(list(self.events), value, error, exc, aborted, synced)
        self.done = True
        self.to_main.put(("done", final))

    # ---- the caller side ---------------------------------------------------------------

    def wait(self, timeout: float) -> tuple[Any, ...]:
        try:
            return self.to_main.get(timeout=timeout)
        except queue.Empty:
            self.abort_req = True
            raise TimeoutError(
                f"the script did not reach its next step within {timeout:g} s; "
                "it is aborted at its next step") from None

    def start(self) -> None:
        self.started = True
        self.thread = threading.Thread(target=self.main, name="redipy-debugger", daemon=True)
        self.thread.start()

    def stop(self) -> None:
        """Abort a paused worker (idempotent)."""
        if self.started and not self.done:
            self.to_worker.put(("abort",))


class DebuggerBase:
    """Stepping, running and looking around: what every debugger front has in common.

    A subclass sets ``self._run`` (a :class:`RunBase`), ``lines`` (the script's source
    lines) and makes new runs in :meth:`_new_run`."""

    _run: RunBase
    lines: list[str]
    current: TraceEvent | None
    stop_reason: str
    maxlen: int
    maxlen_hint_sent: bool
    timeout: float

    def _new_run(self) -> RunBase:  # pragma: no cover - each debugger has its own
        raise NotImplementedError

    def __del__(self) -> None:
        run = getattr(self, "_run", None)
        if run is not None:
            run.stop()

    def __enter__(self) -> DebuggerBase:
        return self

    def __exit__(self, *exc: object) -> None:
        self.abort()

    # ---- state -------------------------------------------------------------------------

    @property
    def finished(self) -> bool:
        return self._run.done

    @property
    def result(self) -> DebugResult | None:
        return self._run.result

    @property
    def events(self) -> Events:
        """Every event of the current run so far."""
        return list(self._run.events)

    @property
    def breakpoints(self) -> LuaLines:
        return sorted(self._run.breaks)

    # ---- running -----------------------------------------------------------------------

    def _advance(self, mode: str) -> TraceEvent | None:
        run = self._run
        if run.done:
            return None
        run.mode = mode
        if not run.started and mode == "run":
            run.started = True
            run.main()  # nothing will pause: no thread needed
            msg = run.to_main.get_nowait()
        else:
            if run.started:
                run.to_worker.put(("resume",))
            else:
                run.start()
            msg = run.wait(self.timeout)
        event: TraceEvent | None = msg[1]
        if msg[0] == "done":
            self.current = event if event is not None else self.current
            self.stop_reason = "end of script" if event is None or event.kind == RETURN \
                else "error"
            return event
        self.current = event
        self.stop_reason = run.reason
        return event

    def step(self) -> TraceEvent | None:
        """The next event (statement, Redis call, error or return); None when finished."""
        return self._advance("step")

    next = step

    def cont(self) -> TraceEvent | None:
        """Run to the next breakpoint, the failing step or the end (whose event it
        returns); None when already finished."""
        return self._advance("cont")

    def run(self) -> DebugResult:
        """Run to the end ignoring breakpoints: the full trace and the value."""
        self._advance("run")
        result = self._run.result
        assert result is not None
        return result

    def abort(self) -> None:
        """Stop the script here. Changes roll back (kept in ``sync`` mode, as in ldb)."""
        run = self._run
        if run.done:
            return
        if not run.started:
            run.started = run.done = True
            run.result = DebugResult([], None, "aborted", None, aborted=True)
            return
        run.to_worker.put(("abort",))
        run.wait(self.timeout)

    def restart(self) -> None:
        """Abort this run and start over on fresh copies; breakpoints stay."""
        self.abort()
        self._run = self._new_run()
        self.current = None
        self.stop_reason = ""

    # ---- looking around ----------------------------------------------------------------

    def _line(self) -> int:
        cur = self.current
        if cur is not None and cur.lua_line:
            return cur.lua_line
        return 1

    def list(self, line: int | None = None, context: int = 5) -> Listing:
        """Lua lines around ``line`` (default: the current one): (number, text, current)."""
        center = self._line() if line is None else line
        cur = self.current.lua_line if self.current is not None else 0
        lines = self.lines
        first, last = max(1, center - context), min(len(lines), center + context)
        return [(n, lines[n - 1], n == cur) for n in range(first, last + 1)]

    def whole(self) -> Listing:
        """Every line of the script's Lua."""
        cur = self.current.lua_line if self.current is not None else 0
        return [(n, text, n == cur) for n, text in enumerate(self.lines, 1)]

    def in_worker(self, call: Callable[[], Any]) -> Any:
        """Run ``call`` where the script runs: on the paused worker, else right here."""
        run = self._run
        if run.started and not run.done:
            run.to_worker.put(("call", call))
            msg = run.wait(self.timeout)
            if not msg[1]:
                raise msg[2]
            return msg[2]
        return call()

    def redis(self, *argv: str) -> Any:
        """A raw command against the script's view of the data (RESP2-shaped reply).

        Writes go to the scratch copy (and reach the client with ``sync``)."""
        run = self._run
        argv = tuple(str(a) for a in argv)
        return self.in_worker(lambda: run.scratch.command(argv))


def check_client(client: Any, sync: bool) -> None:
    """A debugger needs a redipy client; sync mode a memory one (never a server)."""
    backend = getattr(client, "_backend", None)
    if backend is None:
        raise TypeError("Debugger needs a redipy.Redis client")
    if sync and getattr(backend, "kind", "") != "memory":
        raise ValueError(
            "sync=True needs a memory client: the debugger never writes to a Redis "
            "server (debug a Redis-backed script without sync; changes roll back)")
