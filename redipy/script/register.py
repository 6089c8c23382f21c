"""Registering a script with a client, and calling it.

A call is always ``EVALSHA sha numkeys keys... args...`` through the client's
``_conv``, so it works the same on both backends and inside pipelines. On a server the
sha names the generated Lua (loaded with SCRIPT LOAD, reloaded after NOSCRIPT); on the
memory backend it names the compiled Python function, kept per backend.
"""

from __future__ import annotations

import hashlib
import json
import re
import weakref
from collections.abc import Sequence
from dataclasses import dataclass, field
from types import TracebackType
from typing import TYPE_CHECKING, Any, Protocol

from redipy.commands.custom import REDIS_FORMS, no_form
from redipy.errors import NoScriptError, ResponseError, ScriptError
from redipy.memory.boundary import to_bytes
from redipy.script import ir
from redipy.script.fold import fold_negative_zero
from redipy.script.lua import LuaProgram, compile_lua
from redipy.script.plugins import (
    PluginTable,
    for_backend_key,
    hits,
    names_in,
    resolve,
    table_of,
)
from redipy.script.pycomp import PyProgram, compile_python
from redipy.script.pyrt import LuaError
from redipy.script.types import Typer

if TYPE_CHECKING:
    from redipy.api import PipelineAPI, RedisAPI
    from redipy.script.seq import FnContext

JSONType = str | int | float | list | dict | bool | None  # type: ignore[type-arg]


class ExecFunction(Protocol):
    """A registered script: ``fn(keys={name: key}, args={name: value})``."""

    def __call__(self, *, keys: dict[str, str], args: dict[str, JSONType],
                 client: RedisAPI | PipelineAPI | None = None) -> JSONType: ...


class ScriptRunError(ScriptError, ResponseError):
    """A script failed while running (on either backend).

    Names the script, the failing statement and the Python line that built it;
    ``error`` is the underlying message (Redis's error text, or Lua's).
    """

    def __init__(self, script: str, statement: str, origin: str, error: str) -> None:
        where = f" at `{statement}` (built at {origin})" if statement else ""
        super().__init__(f"script {script} failed{where}: {error}")
        self.script = script
        self.statement = statement
        self.origin = origin
        self.error = error

    @property
    def prefix(self) -> str:
        return self.error.split(" ", 1)[0]


# ---- compiled forms, cached on the FnContext ------------------------------------------


@dataclass
class Compiled:
    """Everything derived from one script: IR, Lua, sha, and Python per handler table."""

    script: ir.Script
    lua: LuaProgram
    sha: str
    typer: Typer
    py: dict[tuple[int, int], PyProgram] = field(default_factory=dict)
    plug_names: tuple[frozenset[str], bool] | None = None
    """The names plug-ins could take, and whether a call needs one (see for_backend)."""
    resolved: dict[Any, Compiled] = field(default_factory=dict)
    """The forms with plug-ins resolved, by the plug-ins they use."""

    def python(self, handlers: dict[str, Any], direct: dict[str, Any] | None = None
               ) -> PyProgram:
        key = (id(handlers), id(direct))
        prog = self.py.get(key)
        if prog is None:
            prog = compile_python(self.script, handlers, filename=f"<redipy script {self.sha}>",
                                  typer=self.typer, direct=direct)
            self.py[key] = prog
        return prog

    def traced(self, handlers: dict[str, Any], hook: Any, *, loop_hook: Any = None,
               wrap_call: Any = None) -> PyProgram:
        """A fresh trace-mode compilation calling ``hook(statement_id, locals)``.

        ``loop_hook`` (default: none) is called on every further turn of a loop;
        ``wrap_call(cmd, handler)`` returns the handler the traced code calls instead
        of ``handler`` (the after-call hook). Normal runs use :meth:`python`, untouched.
        """
        prog = compile_python(self.script, handlers, trace=True, typer=self.typer,
                              filename=f"<redipy script {self.sha} traced>",
                              wrap_call=wrap_call)
        prog.fn.__globals__["_trace"] = hook
        prog.fn.__globals__["_trace_loop"] = _no_hook if loop_hook is None else loop_hook
        return prog

    def statement(self, sid: int) -> tuple[str, str]:
        """The Lua text and the Python origin of statement ``sid``."""
        line = self.lua.stmt_line.get(sid)
        if line is None:
            return "", ""
        return self.lua.line(line), self.lua.line_origin.get(line, "")

    def run_memory(self, prog: PyProgram, db: Any, keys: Sequence[str], argv: Sequence[str]
                   ) -> Any:
        """Run the compiled function; any failure becomes a :class:`ScriptRunError`."""
        try:
            return prog.fn(db, keys, argv)
        except (ResponseError, LuaError, ArithmeticError, LookupError, TypeError,
                ValueError, RecursionError) as err:
            sid = _failing_statement(err.__traceback__, prog)
            stmt, origin = self.statement(sid) if sid >= 0 else ("", "")
            # inside the memory backend an error is a byte string, the script's text too
            stmt, origin = to_bytes(stmt), to_bytes(origin)
            if isinstance(err, ResponseError | LuaError):
                msg = str(err)
            elif isinstance(err, IndexError) and sid < 0:
                msg = "missing keys or arguments"
            else:
                msg = f"{type(err).__name__}: {err}"
            raise ScriptRunError(to_bytes(self.script.name), stmt, origin, msg) from None


def _no_hook(sid: int, env: dict[str, Any]) -> None:
    """The loop hook of a traced run that only wants statements."""


def _failing_statement(tb: TracebackType | None, prog: PyProgram) -> int:
    sid = -1
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == prog.filename:
            sid = prog.line_stmt.get(tb.tb_lineno, -1)
        tb = tb.tb_next
    return sid


def compiled(ctx: FnContext) -> Compiled:
    cache: Compiled | None = getattr(ctx, "_redipy_compiled", None)
    if cache is None:
        script = fold_negative_zero(ctx.build())
        typer = Typer(script)
        lua = compile_lua(script, typer)
        sha = hashlib.sha1(lua.text.encode("utf-8", "surrogateescape")).hexdigest()
        cache = Compiled(script, lua, sha, typer)
        ctx._redipy_compiled = cache  # type: ignore[attr-defined]
    return cache


def for_backend(ctx: FnContext, backend: Any, plugins: PluginTable | None = None
                ) -> Compiled:
    """The compiled form of ``ctx`` for ``backend``: its plug-ins' names resolved
    (:mod:`redipy.script.plugins`; ``plugins`` instead of the backend's own table when
    given). A script naming no plug-in gets its one shared form."""
    base = compiled(ctx)
    names = base.plug_names
    if names is None:
        names = base.plug_names = names_in(base.script)
    table = table_of(backend) if plugins is None else plugins
    memory = backend is not None and backend.kind == "memory"
    if not names[1] and not hits(names[0], table, memory=memory):
        return base
    script = resolve(base.script, table, memory=memory, backend=backend)
    if script is None:
        return base
    key = (memory, for_backend_key(script))
    cache: dict[Any, Compiled] = base.resolved
    got = cache.get(key)
    if got is None:
        typer = Typer(script)
        lua = compile_lua(script, typer, None if memory else table)
        sha = hashlib.sha1(lua.text.encode("utf-8", "surrogateescape")).hexdigest()
        got = cache[key] = Compiled(script, lua, sha, typer, plug_names=names)
    return got


def to_lua(ctx: FnContext) -> str:
    """The Lua text a server runs for this script."""
    return compiled(ctx).lua.text


def lua_line_map(ctx: FnContext) -> dict[int, str]:
    """Lua line number -> ``file.py:NN`` of the Python line that built it."""
    return dict(compiled(ctx).lua.line_origin)


# ---- installing on a backend ------------------------------------------------------------


def install(backend: Any, comp: Compiled) -> None:
    """Make ``comp`` callable by its sha on ``backend`` (compile Python or SCRIPT LOAD)."""
    if backend.kind == "memory":
        # the memory backend's script table (db.scripts), by sha
        backend.scripts[comp.sha] = (comp, comp.python(backend.handlers, backend.direct))
    else:
        for name in comp.lua.custom:  # a registered command with no Redis form
            if name not in REDIS_FORMS:
                raise no_form(name)
        backend.run("SCRIPT", ["LOAD", comp.lua.text])


# ---- calling ----------------------------------------------------------------------------

_LINE = re.compile(r"user_script:(\d+)")
# Redis and Valkey 8 end a script error with "script: <sha>, on @user_script:N.",
# Valkey 9 with "script: on @user_script:N."
_TAIL = re.compile(r"\s*script: (?:[0-9a-f]+, )?on @user_script:\d+\.?\s*$")
_HEAD = re.compile(r"^(?:ERR )?(?:Error running script[^:]*: )?@?user_script:\d+: ")


_ENCODER = json.JSONEncoder(separators=(",", ":"))
_encode_str = _ENCODER.encode


class RegisteredScript:
    """The callable :meth:`redipy.Redis.register_script` returns."""

    def __init__(self, client: Any, ctx: FnContext, plugins: PluginTable | None = None
                 ) -> None:
        self._ctx = ctx
        self._home = client._backend
        self._comp = for_backend(ctx, self._home, plugins)
        self._client = client
        self._loaded: weakref.WeakSet[Any] = weakref.WeakSet()
        self._pipes: weakref.WeakSet[Any] = weakref.WeakSet()
        script = self._comp.script
        self._key_names = script.keys
        self._arg_names = script.args
        self._head = (self._comp.sha, str(len(script.keys)))
        self._decode = _Decoder(self)
        self._run_hooks(client)
        self._load(client._backend)

    def _run_hooks(self, client: Any) -> None:
        """0.7.1's debugging hooks given to ``redipy.Redis(...)``."""
        lua_hook, compile_hook, verbose = getattr(client, "_script_hooks", (None, None, False))
        if compile_hook is not None:  # 0.7.1 gave JSON-able data: json.dumps works on it
            from redipy.script.view import ScriptView

            compile_hook(ScriptView(None, self._comp.script))
        if client._backend.kind == "memory":
            return
        lines = self._comp.lua.text.splitlines()
        if lua_hook is not None:
            lua_hook(lines)
        if verbose:
            print("\n".join(f"{num:4d} {line}" for num, line in enumerate(lines, 1)))

    @property
    def sha(self) -> str:
        return self._comp.sha

    @property
    def lua(self) -> str:
        return self._comp.lua.text

    @property
    def name(self) -> str:
        return self._comp.script.name

    def _form(self, backend: Any) -> Compiled:
        """The compiled form for ``backend`` (another backend than the one registered
        on, given as ``client=``, resolves plug-in names with its own plug-ins)."""
        return self._comp if backend is self._home else for_backend(self._ctx, backend)

    def _load(self, backend: Any) -> None:
        install(backend, self._form(backend))
        self._loaded.add(backend)

    def _argv(self, keys: dict[str, str], args: dict[str, JSONType]) -> list[str]:
        try:
            out = [keys[name] for name in self._key_names]
        except KeyError as err:
            raise ValueError(f"script {self.name}: missing key {err.args[0]!r}") from None
        try:
            for name in self._arg_names:
                value = args[name]
                kind = type(value)
                if kind is int:
                    out.append(str(value))
                elif kind is str:
                    out.append(_encode_str(value))
                else:
                    out.append(_ENCODER.encode(value))
        except KeyError as err:
            raise ValueError(f"script {self.name}: missing arg {err.args[0]!r}") from None
        return out

    def __call__(self, *, keys: dict[str, str], args: dict[str, JSONType],
                 client: Any = None) -> JSONType:
        target = self._client if client is None else client
        argv = self._argv(keys, args)
        backend = target._backend
        if getattr(backend, "cluster", False):  # keys must share a slot: fail before sending
            backend.check_script_keys(self.name, self._key_names, argv)
        if callable(getattr(target, "has_pending", None)):
            # a pipeline: load first (once per pipeline), since a NOSCRIPT inside a
            # pipeline cannot be retried
            if target not in self._pipes:
                self._load(backend)
                self._pipes.add(target)
        elif backend not in self._loaded:
            self._load(backend)
        head = self._head if backend is self._home else (
            self._form(backend).sha, self._head[1])
        try:
            return target._conv(self._decode, "EVALSHA", *head, *argv)  # type: ignore[no-any-return]
        except NoScriptError:
            self._load(backend)
            try:
                return target._conv(  # type: ignore[no-any-return]
                    self._decode, "EVALSHA", *head, *argv)
            except ResponseError as err:
                raise self._server_error(err) from None
        except ScriptRunError:
            raise
        except ResponseError as err:
            raise self._server_error(err) from None

    def _server_error(self, err: ResponseError) -> ResponseError:
        text = str(err)
        match = _LINE.search(text)
        if match is None:
            return err
        line = int(match.group(1))
        lua = self._comp.lua
        clean = _HEAD.sub("", _TAIL.sub("", text))
        return ScriptRunError(self.name, lua.line(line), lua.line_origin.get(line, ""), clean)


class _Decoder:
    """The reply converter of one script: JSON text to a value.

    ``map_error`` turns a server's error reply into a :class:`ScriptRunError`; a
    pipeline that calls it for failed replies (see the report) gives pipelined
    scripts the same errors as direct calls.
    """

    __slots__ = ("_script",)

    def __init__(self, script: RegisteredScript) -> None:
        self._script = script

    def __call__(self, reply: Any) -> JSONType:
        if reply is None or reply == "{}" or reply == "[]":
            return None  # see script_value
        if reply.isdigit() and reply.isascii() and (reply[0] != "0" or len(reply) == 1):
            return int(reply)  # the common counter reply, without the JSON parser
        return json.loads(reply)  # type: ignore[no-any-return]

    def map_error(self, err: Exception) -> Exception:
        if isinstance(err, ResponseError) and not isinstance(err, ScriptRunError):
            return self._script._server_error(err)
        return err


def script_value(text: str | None) -> JSONType:
    """A script's JSON reply as a value. As 0.7.1 documents, an empty list or dict is
    ``None`` (Lua cannot tell ``{}`` from ``[]``; nested empty tables are kept)."""
    if text is None or text == "{}" or text == "[]":
        return None
    return json.loads(text)  # type: ignore[no-any-return]


def register_script(client: Any, ctx: FnContext, plugins: PluginTable | None = None
                    ) -> ExecFunction:
    """Compile ``ctx`` once for ``client``'s backend; returns the function that runs it.
    Plug-in names are resolved with ``plugins``, or the backend's own plug-ins."""
    return RegisteredScript(client, ctx, plugins)
