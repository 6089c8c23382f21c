"""Step through raw Lua on the memory backend: ``redis-cli --ldb`` without a server.

:class:`LuaDebugger` runs an EVAL body the way the memory backend runs it (its own Lua
5.1 state, Redis's sandbox and libraries), on a scratch copy of the keys it touches,
with the engine of :mod:`redipy.debug.base`: a worker thread that pauses on events.
Events come from a Lua line hook (``debug.sethook``, set from outside the sandbox, so
the script cannot see or undo it), from ``redis.call``/``redis.pcall`` (a ``call``
event per command, with its reply) and from ``redis.debug`` (a ``log`` event).
``redis.breakpoint()`` stops at the next line. An error stops the run at the failing
line, with that frame's variables still there to print; the next step ends the run.

By default every change rolls back; ``sync=True`` (memory clients only) applies them
when the run stops, as ``--ldb-sync-mode``. On a Redis-backed client the keys are read
from the server and the script steps on the copy: nothing is written to a server.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Iterable, Sequence
from typing import Any

import lupa.lua51 as lupa

from redipy.debug.base import DebuggerBase, Lines, RunBase, check_client
from redipy.debug.events import CALL, ERROR, LOG, RETURN, STMT, TraceEvent
from redipy.debug.luatext import (
    TOO_DEEP,
    EvalCompileError,
    LuaRef,
    command_head,
    execute,
    repr_text,
    resp_human,
    source_line,
    valkey_value,
)
from redipy.errors import ResponseError, response_error
from redipy.memory.boundary import reply_text, to_text, views
from redipy.memory.errtext import arity_error, unknown_command
from redipy.memory.lua import shebang
from redipy.memory.lua.numbers import arg_text
from redipy.memory.lua.runtime import (
    ARGS_TYPE,
    ARITY,
    NO_ARGS,
    NOT_ALLOWED,
    UNKNOWN,
    LuaRuntime,
    RunContext,
    as_lua,
)
from redipy.memory.lua.wrap import ScriptRaise, unwrap_err

ABORTED = "ERR script aborted for user request"
BREAKPOINT = "server.breakpoint() called"
SOURCE = "@user_script"

# The hook half, in the raw Lua state (chunk "=redipy": error positions skip it). For
# each line of the script it hands Python every frame of the script, innermost first:
# {current line, function name or false, local names, local values, count}; locals as
# ldb lists them (the for loops' own "(for state)" too, "(*temporary)" slots not).
# Inside a coroutine, Valkey's ldb looks at the main thread (the state its session
# holds): level 0 is the C function that resumed the coroutine, so `print` shows no
# locals and `trace` starts with "From"; the hook's own frames still give the event's
# locals.
HOOKS = r"""
local on_line, on_error, handler = ...
local getinfo, getlocal = debug.getinfo, debug.getlocal
local SOURCE = "@user_script"
local function frames(level)
  local out, n = {}, 0
  while true do
    local i = getinfo(level, "Snl")
    if not i then break end
    if i.source == SOURCE then
      local names, values, k, m = {}, {}, 1, 0
      while true do
        local name, value = getlocal(level, k)
        if not name then break end
        if name ~= "(*temporary)" then m = m + 1; names[m] = name; values[m] = value end
        k = k + 1
      end
      n = n + 1
      out[n] = {i.currentline, i.name or false, names, values, m}
    end
    level = level + 1
  end
  return out, n
end
local running = coroutine.running
local function hook(_, line)
  if getinfo(2, "S").source ~= SOURCE then return end
  local own, n = frames(3)
  on_line(line, own, n, running() ~= nil)
end
-- called from Python, so it runs on the main thread (ldb's view inside a coroutine)
local function main_frames()
  return frames(2)
end
local function on_err(e)
  local r = handler(e)
  on_error(r, frames(3))
  return r
end
local function evaluate(f)
  local ok, r = pcall(f)
  return ok, r
end
return hook, on_err, evaluate, main_frames
"""


HOOK_MASK = "l"
"""The line hook: one call per new line the script runs."""

MAX_DEPTH = 10
"""``LDB_MAX_VALUES_DEPTH`` (``LUA_MINSTACK / 2``): deeper values print as a notice."""


# Lua 5.1 hands a C hook down to every coroutine a thread creates, so a server's ldb
# steps through coroutines; debug.sethook's Lua hook belongs to one thread only. The
# debugger's sandbox has coroutine.create and coroutine.wrap give new coroutines the
# line hook. The replacements are Python functions (C functions to Lua, as the
# originals are), so a bad argument is reported at the caller's line even after a
# tail call, word for word as the originals report it. lupa hands Python an unstarted
# coroutine as its function, so a new one is started up to a first yield of its own
# (the script's first resume passes its arguments on through that yield).
COROUTINES = r"""
local G, hook, mask = ...
local sethook, getinfo, getmetatable = debug.sethook, debug.getinfo, debug.getmetatable
local type = type
local lib = getmetatable(rawget(G, "coroutine")).__index
local create, wrap, resume, yield = lib.create, lib.wrap, lib.resume, lib.yield
local function lua_function(f)
  return type(f) == "function" and getinfo(f, "S").what ~= "C"
end
local function hooked_create(f)
  local co = create(function()
    sethook(hook, mask)
    return f(yield())
  end)
  resume(co)
  return co
end
local function hooked_wrap(f)
  return wrap(function(...) sethook(hook, mask) return f(...) end)
end
return lib, lua_function, hooked_create, hooked_wrap
"""


def _snap(value: Any, depth: int = 0) -> Any:
    """A Lua value as plain Python to keep and show: a table whose keys come 1..n in
    ``next`` order as a list (ldb's array test), other tables as dicts in that order,
    byte strings as text, functions and userdata as :class:`LuaRef` (``function@0x..``)."""
    if depth == MAX_DEPTH:
        return TOO_DEEP
    kind = type(value)
    if value is None or kind is bool or kind is int or kind is float:
        return value
    if kind is str:
        return to_text(value)
    ltype = lupa.lua_type(value)
    if ltype == "table":
        items = list(value.items())
        if all(type(k) is int and k == i for i, (k, _) in enumerate(items, 1)):
            return [_snap(v, depth + 1) for _, v in items]
        return {_snap(k, depth + 1): _snap(v, depth + 1) for k, v in items}
    match = re.search(r"0x[0-9a-f]+", repr(value))
    return LuaRef(f"{ltype or kind.__name__}@{match.group(0) if match else '?'}")


C_LEVEL: tuple[int, str, dict[str, Any]] = (0, "", {})
"""The frame ldb sees first inside a coroutine: the C function that resumed it."""


def _frames(raw: Any, count: int) -> tuple[tuple[int, str, dict[str, Any]], ...]:
    out = []
    for i in range(1, count + 1):
        frame = raw[i]
        names, values = frame[3], frame[4]
        local_vars = {names[k]: _snap(values[k]) for k in range(1, frame[5] + 1)}
        out.append((int(frame[1]), frame[2] or "top level", local_vars))
    return tuple(out)


class _Context(RunContext):
    """A run context that never takes ``redis.call``'s fast path: every call is seen."""

    def __init__(self, db: Any, readonly: bool = False) -> None:
        super().__init__(db, readonly)
        self.fast = False

    def update(self) -> None:
        self.fast = False


_REJECTED = {UNKNOWN: "unknown", ARITY: "arity", NOT_ALLOWED: "noscript"}
"""Errors of calls the server turns down before running them: ldb shows the client's
error as the reply, then the script's error without its code."""

ERROR_REPLY = r"""
local orig, log = ...
return function(s)
  if type(s) == "string" then log(s:sub(1, 1) == "-" and s or "-" .. s)
  else log("wrong number or type of arguments") end
  return orig(s)
end
"""


def call_log(words: list[str], reply: Any, resp: int) -> list[str]:
    """What Valkey's ldb logs for one command a script runs (``words`` as text)."""
    head = command_head(words)
    if not isinstance(reply, ResponseError):
        return [head, f"<reply> {resp_human(reply, resp)}"]
    msg = to_text(reply.message)
    rejected = _REJECTED.get(reply.message)
    if rejected is None:  # the command's own error, with the CR LF ends as two spaces
        return [head, f"<reply> {repr_text('-' + msg)}", f"<error> -{msg}  "]
    name, args = words[0], words[1:]
    if rejected == "unknown":
        shown = unknown_command(name, args).message
    elif rejected == "arity":
        shown = arity_error(name).message
    else:
        shown = f"ERR command '{name.lower()}' is not allowed on script mode"
    return [head, f"<reply> {repr_text('-' + shown)}", f"<error> {msg[4:]}"]


class _Runtime(LuaRuntime):
    """The scratch backend's Lua state, reporting commands and ``redis.debug``."""

    def __init__(self, run: LuaRun) -> None:
        super().__init__()
        self.run = run
        wrap = self.lua.eval(
            "function(src, ...) return assert(loadstring(src, '=redipy'))(...) end")
        self.redis["error_reply"] = wrap(ERROR_REPLY, self.redis["error_reply"],
                                         lambda text: run.error_log(to_text(text)))

    def _command(self, argv: tuple[Any, ...]) -> Any:
        run = self.run
        if not argv or not all(type(a) in (str, int, float) for a in argv):
            run.error_log((NO_ARGS if not argv else ARGS_TYPE)[4:])
            return super()._command(argv)
        words = [a if type(a) is str else arg_text(a) for a in argv]
        try:
            run.scratch.before(words[0].upper(), words[1:])
        except ResponseError as err:  # a key the scratch copy cannot take
            return err
        reply = super()._command(argv)
        if not run.quiet:
            ctx = self.ctx
            run.call_event(words, reply, call_log([to_text(w) for w in words], reply,
                                                  ctx.resp if ctx is not None else 2))
        return reply

    def _debug(self, *args: Any) -> None:
        shown = ", ".join(valkey_value(_snap(a)) for a in args)
        self.run.log_event(f"<debug> line {self.run.line}: {shown}")

    def _breakpoint(self) -> Any:
        self.run.break_next = BREAKPOINT
        return True


class LuaRun(RunBase):
    """One execution of a Lua script under the line hook (a restart makes a new one)."""

    def __init__(self, client: Any, code: str, keys: list[str], argv: list[str],
                 breaks: set[int], sync: bool, readonly: bool, lines: list[str],
                 db: int = 0) -> None:
        super().__init__(client, breaks, sync, db)
        self.keys = keys
        self.argv = argv
        self.readonly = readonly
        self.lines = lines
        self.line = 0
        self.frames: tuple[tuple[int, str, dict[str, Any]], ...] = ()
        self.quiet = False
        self.capture: list[str] | None = None
        self.error_event: TraceEvent | None = None
        self.rt = _Runtime(self)
        self.fn = self.rt.compile(code)
        load = self.rt.lua.eval(
            "function(src, ...) return assert(loadstring(src, '=redipy'))(...) end")
        self.hook, self.on_err, self.evaluate, self.main_frames = load(
            HOOKS, self._on_line, self._on_error, self.rt.handler)
        self._swap_handler()
        self._hook_coroutines(load)

    def _hook_coroutines(self, load: Any) -> None:
        """Put the line hook on every coroutine the script makes (see COROUTINES)."""
        lib, lua_function, create, wrap = load(COROUTINES, self.rt.globals, self.hook,
                                               HOOK_MASK)
        where = self.rt._where

        def checked(name: str, make: Any) -> Any:
            def fn(*args: Any) -> Any:
                if not args or not lua_function(args[0]):
                    raise ScriptRaise(f"{where()}bad argument #1 to '{name}' "
                                      "(Lua function expected)")
                return make(args[0])
            return fn

        lib["create"] = checked("create", create)
        lib["wrap"] = checked("wrap", wrap)

    def _swap_handler(self) -> None:
        """Have the runner functions use the error handler that stops at the error."""
        getupvalue = self.rt.lua.globals().debug.getupvalue
        setupvalue = self.rt.lua.globals().debug.setupvalue
        for fn in (self.rt.api["run"], self.rt.api["run_table"]):
            idx = 1
            while True:
                found = getupvalue(fn, idx)
                name = found[0] if isinstance(found, tuple) else found
                if name is None:
                    raise RuntimeError("the Lua runner has no error handler to replace")
                if name == "handler":
                    setupvalue(fn, idx, self.on_err)
                    break
                idx += 1

    def aborting(self) -> BaseException:
        return ScriptRaise(self.rt.table_from({"err": ABORTED}))

    # ---- events ------------------------------------------------------------------------

    def _event(self, kind: str, local_vars: dict[str, Any] | None = None,
               **extra: Any) -> TraceEvent:
        line = self.line
        text = self.lines[line - 1] if 0 < line <= len(self.lines) else ""
        frames = self.frames
        if local_vars is None:
            local_vars = frames[0][2] if frames else {}
        return TraceEvent(step=len(self.events) + 1, kind=kind, statement="line",
                          lua_line=line, lua_text=text, origin="",
                          locals=local_vars, frames=frames, **extra)

    def _on_line(self, line: int, raw: Any, count: int, coroutine: bool) -> None:
        if self.quiet:
            return
        self.line = int(line)
        own = _frames(raw, count)
        if coroutine:
            self.frames = (C_LEVEL, *_frames(*self.main_frames()))
        else:
            self.frames = own
        event = self._event(STMT, own[0][2] if own else {})
        self.stmt = event
        self.emit(event)

    def call_event(self, words: list[str], reply: Any, log: list[str]) -> None:
        if self.capture is not None:  # the ldb 'valkey' command: lines, no event
            self.capture.extend(log)
            return
        extra: dict[str, Any] = {"command": words[0].upper(),
                                 "args": tuple(to_text(w) for w in words[1:]),
                                 "log": tuple(log)}
        if isinstance(reply, ResponseError):
            extra["error"] = to_text(str(reply))
        else:
            extra["reply"] = reply_text(reply)
        self.emit(self._event(CALL, **extra))

    def log_event(self, text: str) -> None:
        if not self.quiet:
            self.emit(self._event(LOG, reply=to_text(text)))

    def error_log(self, text: str) -> None:
        """An ``<error>`` line ldb logs while stepping (luaPushError)."""
        if self.capture is not None:
            self.capture.append(f"<error> {text}")
        elif not self.quiet:
            self.emit(self._event(LOG, reply=f"<error> {text}"))

    def ldb_call(self, words: list[str]) -> list[str]:
        """ldb's ``valkey`` command: ``server.call`` with the typed words while the
        script is stopped; the lines it logs."""
        self.capture = []
        try:
            try:
                self.rt._call(*[as_lua(w) for w in words])
            except ScriptRaise:
                pass
            return self.capture
        finally:
            self.capture = None

    def _on_error(self, err: Any, raw: Any, count: int) -> None:
        """Called by the error handler at the point of failure, the stack still there."""
        if self.abort_req or self.quiet:
            return
        line = err["line"] if lupa.lua_type(err) == "table" else None
        if isinstance(line, int | float) and err["source"] == SOURCE:
            self.line = int(line)
        if count:
            self.frames = _frames(raw, count)
        msg = err["err"] if lupa.lua_type(err) == "table" else err
        event = self._event(ERROR, error=to_text(str(msg)))
        self.error_event = event
        try:
            self.emit(event)
        except ScriptRaise:  # aborted while stopped at the error: it ends anyway
            pass

    # ---- what the caller asks for while paused -------------------------------------------

    def eval_lua(self, code: str) -> tuple[bool, Any]:
        """Lua code in the script's globals, as ldb's ``eval`` (locals are not visible):
        (True, value) or (False, message)."""
        compile_ = self.rt.api["compile"]
        text = as_lua(code)
        fn = compile_("return " + text, "@ldb_eval")
        if type(fn) is tuple:
            fn = compile_(text, "@ldb_eval")
        if type(fn) is tuple:
            raise EvalCompileError(to_text(str(fn[1])))
        self.quiet = True
        try:
            res = self.evaluate(fn)
        finally:
            self.quiet = False
        ok, value = (res, None) if type(res) is bool else (res[0], res[1])
        if ok:
            return True, _snap(value)
        if isinstance(value, BaseException):
            value = unwrap_err(value)
        if value is not None and lupa.lua_type(value) == "table":
            value = value["err"]
        return False, to_text(str(value))

    # ---- the worker ----------------------------------------------------------------------

    def main(self) -> None:
        rt = self.rt
        scratch = self.scratch
        value: Any = None
        error: str | None = None
        exc: ResponseError | None = None
        sethook = rt.lua.globals().debug.sethook
        try:
            scratch.ensure(views(self.keys))
            ctx = _Context(scratch.db, readonly=self.readonly)
            with scratch.db.lock:
                sethook(self.hook, HOOK_MASK)
                try:
                    raw = rt.call_function(self.fn, ctx, views(self.keys), views(self.argv))
                finally:
                    sethook()
            if isinstance(raw, ResponseError):  # an error reply the script returned
                raise raw
            value = reply_text(raw)
        except ResponseError as err:
            exc = response_error(to_text(str(err)))
            error = str(exc)
        except Exception as err:  # a failure outside the script (copying keys, ...)
            error = f"{type(err).__name__}: {err}"
        aborted = self.abort_req
        if aborted:
            error = error or "aborted"
        final = self.error_event
        if final is None and error is not None and not aborted:
            final = self._event(ERROR, error=error)
            self.events.append(final)
        elif error is None:
            final = TraceEvent(len(self.events) + 1, RETURN, "return", self.line,
                               self.stmt.lua_text if self.stmt else "", "",
                               locals=self.stmt.locals if self.stmt else {}, reply=value)
            self.events.append(final)
        self.finish(value, error, exc, aborted, final, append=False)


class LuaDebugger(DebuggerBase):
    """Step through a Lua script (an EVAL body) with ldb's vocabulary, on any client.

    ``keys`` and ``args`` are KEYS and ARGV; ``db`` the memory client's database the
    keys come from (a server client's own database otherwise). Changes roll back unless
    ``sync=True`` (memory clients only). A shebang's ``no-writes`` makes the run read-only, as on a
    server. A body that does not compile raises the server's ``ResponseError`` here.
    """

    def __init__(self, client: Any, body: str, keys: Sequence[str] = (),
                 args: Sequence[str] = (), *, sync: bool = False,
                 timeout: float = 60.0, db: int = 0) -> None:
        check_client(client, sync)
        self.db = db
        self.client = client
        self.body = body
        self.sync = sync
        self.timeout = timeout
        code, flags, _, _ = shebang.parse(body)
        self.code = code
        self.readonly = "no-writes" in flags
        self.lines = body.split("\n")
        if self.lines and self.lines[-1] == "" and len(self.lines) > 1:
            self.lines.pop()
        self._keys = [str(k) for k in keys]
        self._argv = [str(a) for a in args]
        self._breaks: set[int] = set()
        self.maxlen = 256
        self.maxlen_hint_sent = False
        self.current: TraceEvent | None = None
        self.stop_reason = ""
        self._run = self._new_run()

    _run: LuaRun

    def _new_run(self) -> LuaRun:
        return LuaRun(self.client, self.code, self._keys, self._argv, self._breaks,
                      self.sync, self.readonly, self.lines, self.db)

    @property
    def keys(self) -> list[str]:
        return list(self._keys)

    @property
    def args(self) -> list[str]:
        return list(self._argv)

    # ---- breakpoints (any line of the script, as ldb allows) ------------------------------

    def break_at(self, line: int) -> list[int]:
        """``N`` adds a breakpoint, ``-N`` removes one, ``0`` removes all; returns the
        lines that have one. Raises ValueError for a line outside the script or a
        breakpoint that is not there."""
        if line == 0:
            self._breaks.clear()
        elif line < 0:
            if -line not in self._breaks:
                raise ValueError("No breakpoint in the specified line.")
            self._breaks.discard(-line)
        else:
            if line > len(self.lines) or line in self._breaks:
                raise ValueError("Wrong line number.")
            self._breaks.add(line)
        return self.breakpoints

    # ---- looking around ------------------------------------------------------------------

    def _frames(self) -> tuple[tuple[int, str, dict[str, Any]], ...]:
        cur = self.current
        return cur.frames if cur is not None else ()

    def print(self, var: str | None = None) -> Any:
        """The current frame's locals (a copy), or one variable: a local of the
        innermost frame that has it, else the global KEYS or ARGV."""
        frames = self._frames()
        if var is None:
            return dict(frames[0][2]) if frames else {}
        for _line, _name, local_vars in frames:
            if var in local_vars:
                return local_vars[var]
        if var == "KEYS":
            return [to_text(k) for k in self._keys]
        if var == "ARGV":
            return [to_text(a) for a in self._argv]
        raise KeyError(f"no variable {var!r} in scope")

    def trace(self) -> Lines:
        """ldb's backtrace: ``In fn:`` with the current line, ``From caller:`` lines."""
        frames = self._frames()
        if not frames:
            return ["<error> Can't retrieve Lua stack."]
        out = []
        for depth, (line, name, _vars) in enumerate(frames):
            if line == 0:  # a C level (see C_LEVEL): ldb lists only the script's
                continue
            out.append(f"{'In' if depth == 0 else 'From'} {name}:")
            text = self.lines[line - 1] if 0 < line <= len(self.lines) else ""
            out.append(source_line(self, (line, text)))
        return out

    def eval(self, code: str) -> Any:
        """Lua code run in the script's globals (KEYS, ARGV, redis; not its locals), as
        ldb's ``eval``: its value, or ValueError with Lua's message."""
        run = self._run
        ok, value = self.in_worker(lambda: run.eval_lua(code))
        if not ok:
            raise ValueError(value)
        return value

    def logs_since(self, count: int) -> list[str]:
        """The ``redis.debug`` lines logged after the first ``count`` events (``<error>``
        lines are logged only while stepping, as ldb's)."""
        return [str(e.reply) for e in self.events[count:]
                if e.kind == LOG and str(e.reply).startswith("<debug>")]

    def ldb_command(self, rest: str) -> Lines:
        """ldb's ``valkey <cmd>``: the command run by ``server.call`` in the stopped
        script, with what ldb logs for it (before the run starts or after it ends, on
        the scratch data directly)."""
        try:
            words = shlex.split(rest)
        except ValueError as err:
            return [f"<error> {err}"]
        run = self._run
        if self.current is None or self.finished:
            try:
                reply = self.redis(*words)
            except ResponseError as err:
                reply = err
            return call_log(words, reply, 2)
        return list(self.in_worker(lambda: run.ldb_call(words)))

    def execute(self, line: str) -> Lines:
        """One ldb command line in, ldb's text lines out (see :mod:`.luatext`)."""
        return execute(self, line)


def lua_trace(client: Any, body: str, keys: Iterable[str] = (), args: Iterable[str] = (),
              *, sync: bool = False) -> Any:
    """Run a Lua script traced, to the end, in one call: every event plus the reply."""
    return LuaDebugger(client, body, list(keys), list(args), sync=sync).run()
