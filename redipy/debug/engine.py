"""The debugger engine: run a script's trace-mode compilation one event at a time.

The traced function calls its hooks synchronously, so a stepped run lives in a
worker thread that blocks inside the hook while the caller looks around. Anything
that touches data while paused (``redis CMD``) is handed to the worker and run
there, so the scratch database's lock is never contended. A run to the end
(:meth:`Debugger.run` before any step, :func:`trace_run`) needs no thread at all.

The script always runs in a scratch keyspace (:mod:`redipy.debug.scratch`): by
default every change is rolled back when the run ends; with ``sync=True`` (memory
clients only) the changes are applied to the client when the run stops, as
``redis-cli --ldb-sync-mode`` keeps them.
"""

from __future__ import annotations

import copy
import json
import os
import queue
import threading
from collections.abc import Callable, Iterable
from typing import Any, cast

from redipy.debug.events import CALL, ERROR, RETURN, STMT, DebugResult, TraceEvent
from redipy.debug.info import ScriptInfo, script_info
from redipy.debug.scratch import Scratch
from redipy.errors import ResponseError
from redipy.memory.boundary import error_text, shown, to_text, views
from redipy.script.register import Compiled, ScriptRunError, compiled
from redipy.script.seq import FnContext

Listing = list[tuple[int, str, bool]]
Lines = list[str]
LuaLines = list[int]
Events = list[TraceEvent]

_SAFE_BUILTINS: dict[str, Any] = {
    fn.__name__: fn for fn in (
        abs, all, any, bool, dict, enumerate, float, int, isinstance, len, list, max, min,
        range, repr, reversed, round, set, sorted, str, sum, tuple, type, zip)}
_SAFE_BUILTINS.update({"None": None, "True": True, "False": False})


class _Abort(BaseException):
    """Unwinds a paused script when the user aborts or restarts (not a script error)."""


def _snap(value: Any) -> Any:
    """A copy of a script value to show, its byte strings as text."""
    return shown(value)


def _encode_args(comp: Compiled, keys: dict[str, str],
                 args: dict[str, Any]) -> tuple[list[str], list[str]]:
    """KEYS and ARGV as a normal call sends them (JSON arguments)."""
    script = comp.script
    try:
        key_list = [keys[name] for name in script.keys]
    except KeyError as err:
        raise ValueError(f"script {script.name}: missing key {err.args[0]!r}") from None
    try:
        argv = [json.dumps(args[name], separators=(",", ":")) for name in script.args]
    except KeyError as err:
        raise ValueError(f"script {script.name}: missing arg {err.args[0]!r}") from None
    return key_list, argv


class _Run:
    """One execution of the script (a restart makes a new one).

    Holds no reference to the :class:`Debugger`, so a debugger dropped while paused
    is collected and its ``__del__`` can end the worker.
    """

    def __init__(self, info: ScriptInfo, client: Any, keys: list[str], argv: list[str],
                 breaks: set[int], sync: bool) -> None:
        self.info = info
        self.keys = keys
        self.argv = argv
        self.breaks = breaks
        self.sync = sync
        self.scratch = Scratch(client._backend)
        self.events: list[TraceEvent] = []
        self.mode = "step"  # step | cont | run
        self.abort_req = False
        self.started = False
        self.done = False
        self.stmt: TraceEvent | None = None
        self.result: DebugResult | None = None
        self.final: TraceEvent | None = None
        self.to_worker: queue.Queue[tuple[Any, ...]] = queue.Queue()
        self.to_main: queue.Queue[tuple[Any, ...]] = queue.Queue()
        self.thread: threading.Thread | None = None
        handlers = self.scratch.backend.handlers
        self.prog = info.comp.traced(handlers, self._hook, loop_hook=self._loop_hook,
                                     wrap_call=self._wrap)

    # ---- the worker side ---------------------------------------------------------------

    def _event(self, kind: str, sid: int, **extra: Any) -> TraceEvent:
        info = self.info
        line = info.line_of(sid) if sid >= 0 else 0
        return TraceEvent(step=len(self.events) + 1, kind=kind,
                          statement=info.kinds[sid] if sid >= 0 else "",
                          lua_line=line, lua_text=info.text_of(line),
                          origin=info.origin_of(sid), sid=sid, **extra)

    def _locals(self, sid: int, loc: dict[str, Any], turn: bool) -> dict[str, Any]:
        names = self.info.names
        return {names[var]: _snap(loc[var]) for var in self.info.visible(sid, turn)
                if var in loc}

    def _hook(self, sid: int, loc: dict[str, Any]) -> None:
        self._stmt(sid, loc, False)

    def _loop_hook(self, sid: int, loc: dict[str, Any]) -> None:
        self._stmt(sid, loc, True)

    def _stmt(self, sid: int, loc: dict[str, Any], turn: bool) -> None:
        event = self._event(STMT, sid, locals=self._locals(sid, loc, turn))
        self.stmt = event
        self._emit(event)

    def _wrap(self, cmd: str, handler: Callable[[Any, Any], Any]) -> Callable[[Any, Any], Any]:
        def call(db: Any, args: Any) -> Any:
            self.scratch.before(cmd, args)
            cur = self.stmt
            sid = cur.sid if cur is not None else -1
            seen = cur.locals if cur is not None else {}
            try:
                reply = handler(db, args)
            except ResponseError as err:
                self._emit(self._event(CALL, sid, locals=seen, command=cmd,
                                       args=shown(tuple(args)), error=str(error_text(err))))
                raise
            self._emit(self._event(CALL, sid, locals=seen, command=cmd,
                                   args=shown(tuple(args)), reply=shown(reply)))
            return reply
        return call

    def _emit(self, event: TraceEvent) -> None:
        self.events.append(event)
        if self.abort_req:
            raise _Abort
        mode = self.mode
        if mode == "run":
            return
        if mode == "cont" and not (event.kind == STMT and event.lua_line in self.breaks):
            return
        self.to_main.put(("event", event))
        self._paused()

    def _paused(self) -> None:
        while True:
            msg = self.to_worker.get()
            if msg[0] == "resume":
                return
            if msg[0] == "abort":
                raise _Abort
            if msg[0] == "call":
                try:
                    self.to_main.put(("result", True, msg[1]()))
                except Exception as err:
                    self.to_main.put(("result", False, err))

    def main(self) -> None:
        """Run the script to its end (or abort); posts ``("done",)`` when finished."""
        info = self.info
        scratch = self.scratch
        value: Any = None
        error: str | None = None
        exc: ScriptRunError | None = None
        final: TraceEvent | None = None
        aborted = False
        try:
            scratch.ensure(views(self.keys))
            with scratch.db.lock:
                # the memory backend's scripts run on byte strings (redipy.memory.boundary)
                raw = info.comp.run_memory(self.prog, scratch.db, views(self.keys),
                                           views(self.argv))
            value = None if raw is None else json.loads(to_text(raw))
            last = self.stmt
            if last is not None and last.statement == "return":
                final = self._event(RETURN, last.sid, locals=last.locals, reply=value)
            else:
                final = TraceEvent(len(self.events) + 1, RETURN, "return", 0, "", "",
                                   locals=last.locals if last is not None else {},
                                   reply=value)
        except _Abort:
            aborted = True
            error = "aborted"
        except ScriptRunError as err:
            exc = cast(ScriptRunError, error_text(err))
            error = str(exc)
        except Exception as err:  # a failure outside the script (copying keys, ...)
            error = f"{type(err).__name__}: {err}"
        if error is not None and not aborted:
            last = self.stmt
            final = self._event(ERROR, last.sid if last is not None else -1,
                                locals=last.locals if last is not None else {}, error=error)
        if final is not None:
            self.events.append(final)
        synced = False
        if self.sync:
            try:
                scratch.apply()
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


class Debugger:
    """Step through a script the memory way, on any client, with ldb's vocabulary.

    ``client`` is a :class:`redipy.Redis` (memory or Redis backend), ``ctx`` the
    script's :class:`~redipy.script.FnContext`, ``keys``/``args`` what the script
    would be called with. The script runs against copies of the keys it uses;
    changes are rolled back unless ``sync=True`` (memory clients only), which applies
    them to the client whenever a run stops (end, error, abort or restart).
    ``sources`` names extra Python files to read variable names from.
    """

    def __init__(self, client: Any, ctx: FnContext, *, keys: dict[str, str] | None = None,
                 args: dict[str, Any] | None = None, sync: bool = False,
                 timeout: float = 60.0, sources: Iterable[str] = ()) -> None:
        backend = getattr(client, "_backend", None)
        if backend is None:
            raise TypeError("Debugger needs a redipy.Redis client")
        if sync and getattr(backend, "kind", "") != "memory":
            raise ValueError(
                "sync=True needs a memory client: the debugger never writes to a Redis "
                "server (debug a Redis-backed script without sync; changes roll back)")
        self.client = client
        self.ctx = ctx
        self.sync = sync
        self.timeout = timeout
        self.info = script_info(compiled(ctx), sources)
        self._keys, self._argv = _encode_args(self.info.comp, keys or {}, args or {})
        self._breaks: set[int] = set()
        # ldb's maxlen: replies and values longer than this many bytes are trimmed
        # (0: never); the hint about it is shown once
        self.maxlen = 256
        self.maxlen_hint_sent = False
        self.current: TraceEvent | None = None
        self.stop_reason = ""
        self._run = self._new_run()

    def _new_run(self) -> _Run:
        return _Run(self.info, self.client, self._keys, self._argv, self._breaks, self.sync)

    def __del__(self) -> None:
        run = getattr(self, "_run", None)
        if run is not None:
            run.stop()

    def __enter__(self) -> Debugger:
        return self

    def __exit__(self, *exc: object) -> None:
        self.abort()

    # ---- state -------------------------------------------------------------------------

    @property
    def name(self) -> str:
        return self.info.name

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
        return sorted(self._breaks)

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
        if mode == "cont":
            self.stop_reason = "break point"
        else:
            self.stop_reason = "step over"
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

    # ---- breakpoints -------------------------------------------------------------------

    def break_at(self, where: int | str) -> LuaLines:
        """Add or remove breakpoints; returns the Lua lines that have one.

        An ``int`` is a Lua line: ``N`` adds, ``-N`` removes, ``0`` clears all. A ``str``
        is a Python line: ``"file.py:NN"`` (the file's base name, or a path) or ``"NN"``
        (that line in any file) stops at every statement built there; a leading ``-``
        removes them.
        """
        if isinstance(where, bool) or not isinstance(where, int | str):
            raise TypeError("break_at takes a Lua line (int) or a Python line (str)")
        if isinstance(where, int):
            if where == 0:
                self._breaks.clear()
            elif where < 0:
                if -where not in self._breaks:
                    raise ValueError(f"no breakpoint at Lua line {-where}")
                self._breaks.discard(-where)
            else:
                if where not in self.info.comp.lua.stmt_line.values():
                    raise ValueError(f"no statement starts at Lua line {where}")
                self._breaks.add(where)
            return self.breakpoints
        text = where.strip()
        remove = text.startswith("-")
        lines = self.python_lines(text.lstrip("-"))
        if remove:
            self._breaks.difference_update(lines)
        else:
            self._breaks.update(lines)
        return self.breakpoints

    def python_lines(self, where: str) -> LuaLines:
        """The Lua lines of the statements built at Python line ``file.py:NN`` / ``NN``."""
        fname, _, num = where.strip().rpartition(":")
        if not num.isdigit():
            raise ValueError(f"not a Python line: {where!r} (use file.py:NN or NN)")
        base = os.path.basename(fname)
        info = self.info
        out = sorted({info.line_of(sid) for sid, stmt in enumerate(info.stmts)
                      if stmt.origin.rpartition(":")[2] == num
                      and (not base or stmt.origin.rpartition(":")[0] == base)})
        if not out:
            raise ValueError(f"no statement of this script was built at {where}")
        return out

    # ---- looking around ----------------------------------------------------------------

    def _line(self) -> int:
        cur = self.current
        if cur is not None and cur.lua_line:
            return cur.lua_line
        lines = self.info.comp.lua.stmt_line
        return min(lines.values()) if lines else 1

    def list(self, line: int | None = None, context: int = 5) -> Listing:
        """Lua lines around ``line`` (default: the current one): (number, text, current)."""
        center = self._line() if line is None else line
        cur = self.current.lua_line if self.current is not None else 0
        lines = self.info.lines
        first, last = max(1, center - context), min(len(lines), center + context)
        return [(n, lines[n - 1], n == cur) for n in range(first, last + 1)]

    def whole(self) -> Listing:
        """Every line of the script's Lua."""
        cur = self.current.lua_line if self.current is not None else 0
        return [(n, text, n == cur) for n, text in enumerate(self.info.lines, 1)]

    def _scope(self) -> dict[str, Any]:
        cur = self.current
        return {} if cur is None else cur.locals

    def print(self, var: str | None = None) -> dict[str, Any] | Any:
        """All variables in scope (a copy), or the value of one (by its name or its
        Lua name such as ``var_0``)."""
        scope = self._scope()
        if var is None:
            return copy.deepcopy(scope)
        if var in scope:
            return copy.deepcopy(scope[var])
        name = self.info.names.get(var)
        if name is not None and name in scope:
            return copy.deepcopy(scope[name])
        raise KeyError(f"no variable {var!r} in scope")

    def eval(self, expr: str) -> Any:
        """A Python expression over copies of the variables in scope (read-only)."""
        if "__" in expr:
            raise ValueError("eval: names with '__' are not available")
        scope = self._scope()
        names: dict[str, Any] = {}
        for var, name in self.info.names.items():
            if name in scope:
                names[var] = scope[name]
        names.update({k: v for k, v in scope.items() if k.isidentifier()})
        env = {k: copy.deepcopy(v) for k, v in names.items()}
        return eval(compile(expr, "<debugger eval>", "eval"),
                    {"__builtins__": _SAFE_BUILTINS}, env)

    def trace(self) -> Lines:
        """The call path: the script, then each enclosing block down to the current
        statement, with its Lua line and the Python line that built it."""
        info = self.info
        head = f"In {info.name}" + (
            f" (built at {info.comp.script.origin})"
            if info.comp.script.origin != info.name else "") + ":"
        cur = self.current
        if cur is None or cur.sid < 0:
            return [head, "  (not started)" if cur is None else "  (end of script)"]
        out = [head]
        path = info.path(cur.sid)
        for depth, sid in enumerate(path):
            line = info.line_of(sid)
            mark = "->" if sid == cur.sid else "  "
            out.append(f"{mark}{line:<4}{'  ' * depth}{info.text_of(line)}   "
                       f"[{info.origin_of(sid)}]")
        return out

    def redis(self, *argv: str) -> Any:
        """A raw command against the script's view of the data (RESP2-shaped reply).

        Writes go to the scratch copy (and reach the client with ``sync``)."""
        run = self._run
        argv = tuple(str(a) for a in argv)

        def call() -> Any:
            return run.scratch.command(argv)

        if run.started and not run.done:
            run.to_worker.put(("call", call))
            msg = run.wait(self.timeout)
            if not msg[1]:
                raise msg[2]
            return msg[2]
        return call()

    def execute(self, line: str) -> Lines:
        """One ldb-style command line in, plain text lines out (see :mod:`.text`)."""
        from redipy.debug.text import execute

        return execute(self, line)


def trace_run(client: Any, ctx: FnContext, *, keys: dict[str, str] | None = None,
              args: dict[str, Any] | None = None, sync: bool = False) -> DebugResult:
    """Run ``ctx`` traced, to the end, in one call: every event plus the value."""
    return Debugger(client, ctx, keys=keys, args=args, sync=sync).run()
