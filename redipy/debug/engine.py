"""The builder-script debugger: a script's trace-mode compilation, one event at a time.

The pausing worker run and the stepping commands are :mod:`redipy.debug.base`'s (the
raw-Lua debugger, :mod:`redipy.debug.lua`, shares them); this module adds what is
particular to builder scripts: the traced Python, statement ids mapped to Lua and
Python lines, variables named as in the Python that built them, Python ``eval``.

The script always runs in a scratch keyspace (:mod:`redipy.debug.scratch`): by
default every change is rolled back when the run ends; with ``sync=True`` (memory
clients only) the changes are applied to the client when the run stops, as
``redis-cli --ldb-sync-mode`` keeps them.
"""

from __future__ import annotations

import copy
import json
import os
from collections.abc import Callable, Iterable
from typing import Any, cast

from redipy.debug.base import (
    Abort,
    DebuggerBase,
    Lines,
    LuaLines,
    RunBase,
    check_client,
)
from redipy.debug.events import CALL, ERROR, RETURN, STMT, DebugResult, TraceEvent
from redipy.debug.info import ScriptInfo, script_info
from redipy.errors import ResponseError
from redipy.memory.boundary import error_text, shown, to_text, views
from redipy.script.register import (
    Compiled,
    ScriptRunError,
    compiled,
    for_backend,
    script_value,
)
from redipy.script.seq import FnContext

_SAFE_BUILTINS: dict[str, Any] = {
    fn.__name__: fn for fn in (
        abs, all, any, bool, dict, enumerate, float, int, isinstance, len, list, max, min,
        range, repr, reversed, round, set, sorted, str, sum, tuple, type, zip)}
_SAFE_BUILTINS.update({"None": None, "True": True, "False": False})


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


class _Run(RunBase):
    """One execution of a builder script's trace-mode compilation."""

    def __init__(self, info: ScriptInfo, client: Any, keys: list[str], argv: list[str],
                 breaks: set[int], sync: bool) -> None:
        super().__init__(client, breaks, sync)
        self.info = info
        self.keys = keys
        self.argv = argv
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
        self.emit(event)

    def _wrap(self, cmd: str, handler: Callable[[Any, Any], Any]) -> Callable[[Any, Any], Any]:
        def call(db: Any, args: Any) -> Any:
            self.scratch.before(cmd, args)
            cur = self.stmt
            sid = cur.sid if cur is not None else -1
            seen = cur.locals if cur is not None else {}
            try:
                reply = handler(db, args)
            except ResponseError as err:
                self.emit(self._event(CALL, sid, locals=seen, command=cmd,
                                       args=shown(tuple(args)), error=str(error_text(err))))
                raise
            self.emit(self._event(CALL, sid, locals=seen, command=cmd,
                                   args=shown(tuple(args)), reply=shown(reply)))
            return reply
        return call

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
            value = script_value(None if raw is None else to_text(raw))
            last = self.stmt
            if last is not None and last.statement == "return":
                final = self._event(RETURN, last.sid, locals=last.locals, reply=value)
            else:
                final = TraceEvent(len(self.events) + 1, RETURN, "return", 0, "", "",
                                   locals=last.locals if last is not None else {},
                                   reply=value)
        except Abort:
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
        self.finish(value, error, exc, aborted, final)


class Debugger(DebuggerBase):
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
        check_client(client, sync)
        self.client = client
        self.ctx = ctx
        self.sync = sync
        self.timeout = timeout
        # a memory client's plug-ins take part (the run is on a scratch memory copy)
        memory = client._backend if client._backend.kind == "memory" else None
        comp = compiled(ctx) if memory is None else for_backend(ctx, memory)
        self.info = script_info(comp, sources)
        self.lines = self.info.lines
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

    @property
    def name(self) -> str:
        return self.info.name

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

    def execute(self, line: str) -> Lines:
        """One ldb-style command line in, plain text lines out (see :mod:`.text`)."""
        from redipy.debug.text import execute

        return execute(self, line)


def trace_run(client: Any, ctx: FnContext, *, keys: dict[str, str] | None = None,
              args: dict[str, Any] | None = None, sync: bool = False) -> DebugResult:
    """Run ``ctx`` traced, to the end, in one call: every event plus the value."""
    return Debugger(client, ctx, keys=keys, args=args, sync=sync).run()
