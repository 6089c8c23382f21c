"""One Lua 5.1 state per memory backend, holding Redis's sandbox and libraries.

Scripts are compiled once and kept by sha (:class:`LuaScript`); a run sets ``KEYS`` and
``ARGV``, calls the function under the error handler and turns what it returns into a
raw reply. ``redis.call`` enters the backend's own command handlers in the script's
database, so a script sees exactly what a client would, and runs under the lock the
EVAL handler already holds (nothing else runs meanwhile, as on a server).
"""

from __future__ import annotations

import hashlib
import logging
import math
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import lupa.lua51 as lupa

from redipy import commands
from redipy.errors import ResponseError, response_error
from redipy.memory.db import Database
from redipy.memory.lua import libs
from redipy.memory.lua.fastcall import MISS, FastCaller, fast_caller
from redipy.memory.lua.functions import Libraries, Registration
from redipy.memory.lua.numbers import arg_text, double_text, lua_tostring, to_integer
from redipy.memory.lua.prelude import PRELUDE
from redipy.memory.lua.rand48 import Rand48
from redipy.memory.lua.resp3 import reshape
from redipy.memory.lua.script import LuaScript, as_bytes
from redipy.memory.lua.wrap import LuaLibError, ScriptRaise, checknumber, unwrap_err
from redipy.memory.registry import DIRECT, HANDLERS, name_cache, resolve
from redipy.reply import BigNumber, Bool, Double, Map, Pairs, SetReply, Status, Verbatim

log = logging.getLogger("redipy.lua")

SERVER_NAME = "valkey"
VERSION = "9.1.2"
REDIS_VERSION = "7.2.4"

CONSTANTS = {
    "LOG_DEBUG": 0, "LOG_VERBOSE": 1, "LOG_NOTICE": 2, "LOG_WARNING": 3,
    "REPL_NONE": 0, "REPL_AOF": 1, "REPL_SLAVE": 2, "REPL_REPLICA": 2, "REPL_ALL": 3,
    "REDIS_VERSION": REDIS_VERSION, "REDIS_VERSION_NUM": 0x070204,
    "SERVER_NAME": SERVER_NAME, "VALKEY_VERSION": VERSION, "VALKEY_VERSION_NUM": 0x090102,
}

ARGS_TYPE = "ERR Command arguments must be strings or integers"
NO_ARGS = "ERR Please specify at least one argument for this call"
UNKNOWN = "ERR Unknown command called from script"
ARITY = "ERR Wrong number of args calling command from script"
NOT_ALLOWED = f"ERR This {SERVER_NAME.capitalize()} command is not allowed from script"
RO_WRITE = "ERR Write commands are not allowed from read-only scripts."
KILLED = "ERR Script killed by user with SCRIPT KILL."
KILLED_FUNCTION = "ERR Script killed by user with FUNCTION KILL."
_NO_NAME: Any = object()
"""redis.call's name when the script gave none (``redis.call()``)."""
HOOK_COUNT = 100_000
"""Lua instructions between two looks of the hook at the clock and the kill flag (the
servers' count)."""
_monotonic = time.monotonic
_EFFECTS = frozenset({"PUBLISH", "SPUBLISH"})
POLL = 0.002
"""Seconds a script waits for another thread's script before it looks whether that one
became busy (as :data:`redipy.memory.busy.POLL`)."""


def _goers() -> list[Callable[[Any, Sequence[str]], Any]]:
    """``go[n](run, args)``: ``run(args[2], ..., args[n + 1])``, the values of an
    EVALSHA's ``args`` (digest, key count, keys, arguments) without a slice."""
    out = []
    for n in range(7):
        values = ", ".join(f"a[{i + 2}]" for i in range(n))
        namespace: dict[str, Any] = {}
        exec(compile(f"def go(run, a):\n    return run({values})\n", f"<go {n}>", "exec"),
             namespace)
        out.append(namespace["go"])
    return out


_GO = _goers()


def threshold(db: Database) -> float:
    """busy-reply-threshold (lua-time-limit) of ``db``'s server, in seconds."""
    from redipy.memory.serverstate import server_state

    backend = getattr(db, "server", None)
    if backend is None:
        return 5.0
    return int(server_state(backend).params["busy-reply-threshold"].value) / 1000


def as_lua(text: str) -> str:
    """A string lupa (latin-1) can carry: byte strings as they are, other text as UTF-8."""
    try:
        text.encode("latin-1")
        return text
    except UnicodeEncodeError:
        return text.encode("utf-8", "surrogateescape").decode("latin-1")


def error_text(raw: str) -> str:
    """A server error string as Lua's error tables hold it (``luaPushErrorBuff``):
    a leading ``-`` means the first word is the code, otherwise the code is ``ERR``."""
    if raw.startswith("-"):
        code, sep, msg = raw[1:].partition(" ")
        if not sep:
            code, msg = "ERR", raw[1:]
    else:
        code, msg = "ERR", raw
    return f"{code} {msg.strip(chr(13) + chr(10))}"


@dataclass(frozen=True, slots=True)
class CommandEntry:
    """A command as ``redis.call`` runs it: handler, arity and script flags, and the
    fast caller of its direct form when it has one (:mod:`redipy.memory.lua.fastcall`)."""

    name: str
    handler: Callable[..., Any]
    arity: int
    noscript: bool
    write: bool
    fast: FastCaller | None
    effect: bool = False
    """Seen outside the keyspace (PUBLISH): a script that ran it cannot be run again."""


class RunContext:
    """What one running script needs: its database, mode and protocol.

    No ``__slots__``: the fields a script usually leaves alone (``busy``, ``killed``,
    ``readonly``, ``resp``, ``name``, ``hook``, ``fast``) default at class level, so
    :class:`ScriptContext` makes the common context with two stores and no Python
    ``__init__`` (whose call cost 0.3 us, a tenth of an EVALSHA of ``return 1``)."""

    busy = False
    """Past busy-reply-threshold (set by the Lua hook): others get BUSY."""
    killed = False
    """SCRIPT KILL / FUNCTION KILL asked: the hook raises at its next look."""
    effects = False
    """The script did something a second run would repeat where others see it (PUBLISH,
    redis.log): with a write, what keeps it from being moved off the loop."""
    moved = False
    """Stopped past :attr:`LuaRuntime.inline_until` to be run again elsewhere."""
    others: list[Any] | None = None
    """Once busy: the other databases' locks the script's thread holds until it ends
    (:meth:`LuaRuntime._tick`), so a command on any database meets the busy script."""
    readonly = False
    resp = 2
    name = ""
    hook: Callable[[str, Sequence[str], Any], None] | None = None
    fast = True
    """Whether ``redis.call`` may take a command's direct form (see :meth:`update`)."""
    command: Sequence[str] = ()
    """FCALL's words (FUNCTION STATS shows them)."""
    start: float
    db: Database

    def __init__(self, db: Database, readonly: bool = False, *, resp: int = 2,
                 name: str = "",
                 hook: Callable[[str, Sequence[str], Any], None] | None = None) -> None:
        self.start = _monotonic()
        self.db = db
        self.readonly = readonly
        self.resp = resp
        self.name = name
        self.hook = hook
        self.fast = not readonly and resp == 2 and hook is None  # update(), inlined

    def update(self) -> None:
        """``fast``: whether ``redis.call`` may take a command's direct form (no write
        check, no RESP3 reshaping, nobody watching the calls)."""
        self.fast = not self.readonly and self.resp == 2 and self.hook is None


class ScriptContext(RunContext):
    """EVAL's and EVALSHA's context, made as ``ctx = ScriptContext(); ctx.start =
    ...; ctx.db = db`` (and ``readonly``/``fast`` for a read-only run): object's own
    ``__init__`` is a C slot, a third of the Python one's cost (:func:`script_context`)."""

    __init__ = object.__init__


def script_context(db: Database, readonly: bool) -> RunContext:
    """``RunContext(db, readonly)`` without the Python ``__init__`` (RESP2, no name, no
    hook)."""
    ctx: RunContext = ScriptContext()
    ctx.start = _monotonic()
    ctx.db = db
    if readonly:
        ctx.readonly = True
        ctx.fast = False
    return ctx


class LuaRuntime:
    """The Lua state of one backend (``runtime_for`` makes and keeps it)."""

    def __init__(self) -> None:
        self.lua = lupa.LuaRuntime(encoding="latin-1", unpack_returned_tuples=True,
                                   register_eval=False, register_builtins=False)
        self.table_from = self.lua.table_from
        self.rand = Rand48()
        self.ctx: RunContext | None = None
        self.gate = threading.RLock()
        """Held while a script runs in this state: :attr:`ctx` and :attr:`fast_db` are
        the state's, so a script on another database (another thread) waits for it
        (BUSY once it is busy), as on a server, where one script runs at a time."""
        self._enter = self.gate.acquire
        self._leave = self.gate.release
        self.inline_until = 0.0
        """When set (``redipy serve``'s loop runs a script known to be short): the
        monotonic time past which the hook stops a script that has had no effect yet
        (:attr:`RunContext.moved`, :attr:`moved`), so it can run again off the loop."""
        self.moved = False
        """The last script was stopped that way (its reply is to be dropped)."""
        self.fast_db: Database | None = None
        """The running script's database while ``redis.call`` may take direct forms."""
        self.libraries = Libraries()
        self._entries: dict[str, CommandEntry] = name_cache(self)
        self._fast: dict[str, FastCaller | None] = name_cache(self)
        self.registration: Registration | None = None
        self._call = self._make_call()
        py = self.lua.table_from({
            "call": self._call, "pcall": self._pcall, "sha1hex": self._sha1hex,
            "log": self._log, "setresp": self._setresp, "set_repl": self._set_repl,
            "acl_check_cmd": self._acl_check_cmd, "error_text": error_text,
            "breakpoint": self._breakpoint, "debug": self._debug,
            "random": self._random, "randomseed": self._randomseed,
            "constants": self.lua.table_from(CONSTANTS), "unwrap_err": unwrap_err,
            "register_function": self._register_function,
            "tick": self._tick, "hook_count": HOOK_COUNT, "wrap": self._wrap,
        })
        for name, build in libs.LIBRARIES.items():
            py[name] = build(self.lua, self._where)
        api = self.lua.eval(
            "function(src, py) return assert(loadstring(src, '=redipy'))(py) end")(PRELUDE, py)
        self._run = api["run"]
        self._run_table = api["run_table"]
        small = int(api["small"])
        assert small == 4, "call_function's runners are indexed for SMALL = 4"
        self._small = small
        self._runners = [api["runners"][i + 1] for i in range(small * small)]
        self._binders = [api["binders"][i + 1] for i in range(small * small)]
        self._compile = api["compile"]
        self._classify = api["classify"]
        self.where = api["where"]
        self.globals = api["G"]
        self.redis = api["redis"]
        self.handler = api["handler"]
        self._hooked_wrap = api["hooked_wrap"]
        self._lua_function = api["lua_function"]
        self.api = api

    def _wrap(self, *args: Any) -> Any:
        """coroutine.wrap: the coroutine counted by the time-limit hook (the prelude's
        ``hooked_wrap``); a bad argument with the original's words and position (no
        name when the caller is C, pcall(coroutine.wrap))."""
        if not args or not self._lua_function(args[0]):
            where = self._where()
            raise ScriptRaise(f"{where}bad argument #1 to '{'wrap' if where else '?'}' "
                              "(Lua function expected)")
        return self._hooked_wrap(args[0])

    def _where(self) -> str:
        return str(self.where())

    def adopt_functions(self, old: LuaRuntime) -> None:
        """Take over the function libraries (recompiled here) and the random state of
        the state this one replaces (SCRIPT FLUSH)."""
        self.rand = old.rand
        for lib in old.libraries.libs.values():
            self.libraries.load(self, lib.code, replace=True)

    def _register_function(self, *args: Any) -> None:
        if self.registration is None:
            raise self._raise("ERR server.register_function can only be called on "
                              "FUNCTION LOAD command")
        self.registration.register(*args)

    # ---- compiling and running ------------------------------------------------------------

    def compile(self, body: str, chunkname: str = "@user_script") -> Any:
        """A Lua function for ``body``; raises the server's compile error. Waits for a
        script running in another thread (BUSY once it is busy), as a run does."""
        if not self._enter(False):
            self._wait(None)
        try:
            res = self._compile(as_lua(body), chunkname)
        finally:
            self._leave()
        if type(res) is tuple:
            raise ResponseError(f"ERR Error compiling script (new function): {res[1]}")
        return res

    def call_function(self, fn: Any, ctx: RunContext, keys: Sequence[str],
                      argv: Sequence[str], *, fcall: bool = False) -> Any:
        """Run ``fn`` with KEYS/ARGV as a script (or, ``fcall``, as a library function
        given ``keys, args``); returns the reply or raises the error the server gives."""
        db = ctx.db
        if not self._enter(False):
            self._wait(db)
        outer, outer_db = self.ctx, self.fast_db
        self.ctx = ctx
        self.fast_db = db if ctx.fast else None
        before = db.no_block
        db.no_block = True
        db.script_wrote = False
        try:
            try:
                nk, na = len(keys), len(argv)
                if nk < 4 and na < 4 and not fcall:  # _start's common case (SMALL = 4)
                    res = self._runners[nk * 4 + na](fn, *keys, *argv)
                else:
                    res = self._start(fn, keys, argv, fcall)
            except UnicodeEncodeError:
                res = self._start(fn, [as_lua(k) for k in keys], [as_lua(a) for a in argv],
                                  fcall)
        finally:
            db.no_block = before
            self.ctx = outer
            self.fast_db = outer_db
            if ctx.others is not None:
                for lock in ctx.others:
                    lock.release()
            self._leave()
        kind = type(res)
        if kind is int or kind is str:
            return res
        return self._result(res, ctx)

    def run_args(self, script: LuaScript, db: Database, args: Sequence[str], nkeys: int
                 ) -> Any:
        """EVALSHA's (and EVAL's) call of ``script`` with ``args`` as the command has
        them (digest or body, key count, keys, arguments; ``nkeys`` checked): what
        ``call_function(script.fn, script_context(db, script.no_writes), keys, argv)``
        does, for fewer than 4 keys and 4 arguments with no list made, the script's own
        runner of that shape (:attr:`LuaScript.runs`) given the values."""
        na = len(args) - 2 - nkeys
        if nkeys >= 4 or na >= 4:
            return self.call_function(script.fn, script_context(db, script.no_writes),
                                      args[2:2 + nkeys], args[2 + nkeys:])
        idx = nkeys * 4 + na
        if not self._enter(False):  # before any Lua call: lupa's own lock would wait
            self._wait(db)
        run = script.runs[idx]
        if run is None:
            try:
                run = script.runs[idx] = self._binders[idx](script.fn)
            except BaseException:
                self._leave()
                raise
        ctx: RunContext = ScriptContext()  # script_context(), inlined
        ctx.start = _monotonic()
        ctx.db = db
        outer, outer_db = self.ctx, self.fast_db
        self.ctx = ctx
        if script.no_writes:
            ctx.readonly = True
            ctx.fast = False
            self.fast_db = None
        else:
            self.fast_db = db
        before = db.no_block
        db.no_block = True
        db.script_wrote = False
        try:
            try:
                n = nkeys + na
                if n == 1:  # one key or one argument: no go() frame
                    res = run(args[2])
                elif n == 2:
                    res = run(args[2], args[3])
                else:
                    res = _GO[n](run, args)
            except UnicodeEncodeError:
                res = self._start(script.fn, [as_lua(k) for k in args[2:2 + nkeys]],
                                  [as_lua(a) for a in args[2 + nkeys:]], False)
        finally:
            db.no_block = before
            self.ctx = outer
            self.fast_db = outer_db
            if ctx.others is not None:
                for lock in ctx.others:
                    lock.release()
            self._leave()
        kind = type(res)
        if kind is int or kind is str:
            return res
        return self._result(res, ctx)

    def _wait(self, db: Database | None) -> None:
        """Another thread's script runs in this state: wait for it (returns holding
        :attr:`gate`), or raise BUSY once it is busy."""
        from redipy.memory.busy import busy_error

        while True:
            running = self.ctx
            if running is not None and running.busy:
                raise busy_error(running)
            if self.gate.acquire(timeout=POLL):
                return

    def _result(self, res: Any, ctx: RunContext) -> Any:
        """A run's value as the reply (a tuple: the error to raise)."""
        kind = type(res)
        if kind is not tuple:
            return self.to_reply(res, ctx.resp)
        _, msg, source, line = res
        if msg is None:
            msg = "ERR unknown error"
        msg = msg.replace("\r", " ").replace("\n", " ")
        if source is not None and line is not None:
            msg = f"{msg} script: on {source}:{line}."
        raise response_error(msg)

    def _start(self, fn: Any, keys: Sequence[str], argv: Sequence[str], fcall: bool) -> Any:
        if fcall:
            return self.api["call_function"](fn, self.table_from(list(keys)),
                                             self.table_from(list(argv)))
        nk, na, small = len(keys), len(argv), self._small
        if nk < small and na < small:
            return self._runners[nk * small + na](fn, *keys, *argv)
        n = nk + na
        if n <= 2000:
            return self._run(fn, len(keys), *keys, *argv)
        return self._run_table(fn, len(keys), self.table_from([*keys, *argv]), n)

    # ---- Lua value -> reply -----------------------------------------------------------------

    def to_reply(self, value: Any, resp: int) -> Any:
        kind = type(value)
        if kind is int:
            return value
        if kind is str:
            return value
        if kind is float:
            return to_integer(value)
        if kind is bool:
            if resp == 3:
                return Bool(value)
            return 1 if value else None
        if value is None:
            return None
        if lupa.lua_type(value) != "table":
            return None
        res = self._classify(value)
        code = res[0]
        if code == 8:
            return [self.to_reply(x, resp) for x in res[2:]]
        if code == 0:
            table, n = res[1], res[2]
            return [self.to_reply(table[i], resp) for i in range(1, n + 1)]
        if code == 1:
            return response_error(str(res[1]).replace("\r", " ").replace("\n", " "))
        if code == 2:
            return Status(res[1].replace("\r", " ").replace("\n", " "))
        if code == 3:  # lupa gives -0.0 as int 0: the sign comes apart
            return Double("-0" if res[2] else double_text(float(res[1])))
        if code == 4:
            return BigNumber(res[1].replace("\r", " ").replace("\n", " "))
        if code == 5:
            return Verbatim(res[1])
        table, n = res[1], res[2]
        items = [self.to_reply(table[i], resp) for i in range(1, n + 1)]
        return Map(items) if code == 6 else SetReply(items)

    # ---- reply -> Lua value (redis.call) ----------------------------------------------------

    def to_lua(self, reply: Any, resp: int) -> Any:
        kind = type(reply)
        if kind is str or kind is int:
            return reply
        if reply is None:
            return None if resp == 3 else False
        if isinstance(reply, Status):
            return self.table_from({"ok": str(reply)})
        if isinstance(reply, ResponseError):
            return self.table_from({"err": error_text("-" + reply.message),
                                    "ignore_error_stats_update": True})
        if isinstance(reply, bool):
            return reply if resp == 3 else int(reply)
        if isinstance(reply, Bool):
            return bool(reply) if resp == 3 else int(reply)
        if isinstance(reply, int):
            return int(reply)
        if isinstance(reply, float):
            return self.table_from({"double": reply}) if resp == 3 else double_text(reply)
        if isinstance(reply, str):
            if resp == 3 and isinstance(reply, Double):
                return self.table_from({"double": float(reply)})
            if resp == 3 and isinstance(reply, Verbatim):
                return self.table_from({"verbatim_string": self.table_from(
                    {"format": "txt", "string": str(reply)})})
            return str(reply)
        if isinstance(reply, list):
            if resp == 3 and isinstance(reply, Map):
                return self.table_from({"map": self.table_from(
                    {self._key(reply[i]): self.to_lua(reply[i + 1], resp)
                     for i in range(0, len(reply), 2)})})
            if resp == 3 and isinstance(reply, SetReply):
                return self.table_from({"set": self.table_from(
                    {self._key(m): True for m in reply})})
            if resp == 3 and isinstance(reply, Pairs):
                return self.table_from([
                    self.table_from([self.to_lua(reply[i], resp),
                                     self.to_lua(reply[i + 1], resp)])
                    for i in range(0, len(reply), 2)])
            return self.table_from([self.to_lua(x, resp) for x in reply])
        return reply

    def _key(self, value: Any) -> Any:
        return str(value) if isinstance(value, str) else value

    # ---- the redis.* callbacks --------------------------------------------------------------

    def _entry(self, name: str) -> CommandEntry | None:
        """What ``redis.call`` needs to know about a command name as the script spelled
        it (cached: the checks cost one dict lookup per call)."""
        entry = self._entries.get(name)
        if entry is None:
            upper = name.upper()
            handler = resolve(upper)
            if handler is None:
                return None
            spec = commands.COMMANDS.get(upper)
            direct = DIRECT.get(upper)
            arity = spec.arity if spec is not None else -1
            noscript = spec is not None and "noscript" in spec.flags
            write = spec is not None and spec.write
            fast = None if noscript else fast_caller(
                handler, arity, direct.fn if direct is not None else None,
                direct.kinds if direct is not None else (),
                direct.fixed if direct is not None else (), write=write)
            effect = upper in _EFFECTS
            entry = CommandEntry(upper, handler, arity, noscript, write,
                                 None if effect else fast, effect)
            if len(self._entries) < 4096:
                self._entries[name] = entry
                self._fast[name] = entry.fast
        return entry

    def _command(self, argv: tuple[Any, ...]) -> Any:
        """Run one command for the script; the reply, or a ResponseError to report."""
        ctx = self.ctx
        if ctx is None:
            return ResponseError("ERR redis.call outside a script")
        if not argv:
            return ResponseError(NO_ARGS)
        name = argv[0]
        if type(name) is not str:
            if type(name) is int or type(name) is float:
                name = arg_text(name)
            else:
                return ResponseError(ARGS_TYPE)
        entry = self._entries.get(name) or self._entry(name)
        n = len(argv)
        args: list[str] = [name]
        for a in argv[1:]:
            kind = type(a)
            if kind is str:
                args.append(a)
            elif kind is int or kind is float:
                args.append(arg_text(a))
            else:
                return ResponseError(ARGS_TYPE)
        if entry is None:
            return ResponseError(UNKNOWN)
        if entry.noscript:
            return ResponseError(NOT_ALLOWED)
        arity = entry.arity
        if (n != arity) if arity >= 0 else (n < -arity):
            return ResponseError(ARITY)
        if entry.write:
            if ctx.readonly:
                return ResponseError(RO_WRITE)
            ctx.db.script_wrote = True
        elif entry.effect:
            ctx.effects = True
        try:
            reply = entry.handler(ctx.db, args[1:])
        except ResponseError as err:
            reply = err
        else:
            if ctx.resp == 3:
                reply = reshape(entry.name, args, reply)
        if ctx.hook is not None:
            ctx.hook(entry.name, args, reply)
        return reply

    def _make_call(self) -> Callable[..., Any]:
        """``redis.call``: a plain function (no bound method, no attribute lookups on the
        hot path) that runs a command's direct form when the running script may take
        it (:attr:`fast_db`) and its values fit, everything else through
        :meth:`_command`. The name is a parameter of its own, so the values come as
        the tuple the call's frame builds anyway (no slice)."""
        fasts = self._fast
        lua_reply = self._lua_reply
        command = self._command
        rt = self
        none = _NO_NAME

        def call(name: Any = none, *args: Any) -> Any:
            db = rt.fast_db
            if db is not None:
                try:  # a subscript is cheaper than .get(); a name not seen yet is rare
                    fast = fasts[name]
                except KeyError:
                    fast = None
                if fast is not None:
                    try:
                        reply = fast(db, args)
                    except ResponseError as err:
                        reply = err
                    if reply is not MISS:
                        kind = type(reply)
                        if kind is int or kind is str:
                            return reply
                        return lua_reply(reply)
            return lua_reply(command(() if name is none else (name, *args)))

        return call

    def _lua_reply(self, reply: Any) -> Any:
        kind = type(reply)
        if kind is int or kind is str:
            return reply
        if isinstance(reply, ResponseError):
            raise ScriptRaise(self.table_from({"err": error_text("-" + reply.message),
                                               "ignore_error_stats_update": True}))
        return self.to_lua(reply, self.ctx.resp if self.ctx else 2)

    def _pcall(self, *argv: Any) -> Any:
        reply = self._command(argv)
        kind = type(reply)
        if kind is int or kind is str:
            return reply
        return self.to_lua(reply, self.ctx.resp if self.ctx else 2)

    def _tick(self) -> Any:
        """The Lua hook's look, every :data:`HOOK_COUNT` instructions: the error table
        to raise when the script was killed; marks it busy once it has run longer than
        busy-reply-threshold."""
        ctx = self.ctx
        if ctx is None:
            return None
        if self.inline_until and _monotonic() >= self.inline_until:
            self.inline_until = 0.0
            if not ctx.db.script_wrote and not ctx.effects:
                ctx.moved = self.moved = True
        if ctx.killed or ctx.moved:
            return self.table_from({"err": KILLED_FUNCTION if ctx.name else KILLED})
        if not ctx.busy:
            if _monotonic() - ctx.start < threshold(ctx.db):
                return None
            ctx.busy = True
            ctx.others = []
        others = ctx.others
        server = getattr(ctx.db, "server", None)
        if server is not None and others is not None and len(others) < len(server.dbs) - 1:
            self._hold_others(ctx.db, server.dbs, others)
        return None

    @staticmethod
    def _hold_others(db: Database, dbs: Sequence[Database], others: list[Any]) -> None:
        """A busy script takes every other database's lock it can get (one taken by a
        command running now at its next look): a server is busy as a whole, so another
        client's command on any database then finds a lock taken and gets BUSY."""
        held = {id(lock) for lock in others}
        held.add(id(db.lock))
        for other in dbs:
            lock = other.lock
            if id(lock) not in held and lock.acquire(False):
                others.append(lock)
                held.add(id(lock))

    def _raise(self, msg: str) -> ScriptRaise:
        """A Lua error carrying a server error table (``{err=msg}``)."""
        return ScriptRaise(self.table_from({"err": msg}))

    def _sha1hex(self, *args: Any) -> Any:
        if len(args) != 1:
            raise self._raise("ERR wrong number of arguments")
        value = args[0]
        if isinstance(value, int | float) and not isinstance(value, bool):
            value = lua_tostring(value)
        if not isinstance(value, str):
            value = ""
        return hashlib.sha1(as_bytes(value)).hexdigest()

    def _log(self, *args: Any) -> Any:
        if len(args) < 2:
            raise self._raise("ERR server.log() requires two arguments or more.")
        level = args[0]
        if not isinstance(level, int | float) or isinstance(level, bool):
            raise self._raise("ERR First argument must be a number (log level).")
        if not 0 <= level <= 3:
            raise self._raise("ERR Invalid log level.")
        if self.ctx is not None:
            self.ctx.effects = True
        parts = [a if isinstance(a, str) else lua_tostring(a)
                 for a in args[1:] if isinstance(a, str | int | float)]
        log.log((logging.DEBUG, logging.DEBUG, logging.INFO, logging.WARNING)[int(level)],
                " ".join(parts))
        return None

    def _setresp(self, *args: Any) -> Any:
        if len(args) != 1:
            raise self._raise("ERR server.setresp() requires one argument.")
        if args[0] not in (2, 3):
            raise self._raise("ERR RESP version must be 2 or 3.")
        if self.ctx is not None:
            self.ctx.resp = int(args[0])
            self.ctx.update()
            self.fast_db = self.ctx.db if self.ctx.fast else None
        return None

    def _set_repl(self, *args: Any) -> Any:
        if len(args) != 1:
            raise self._raise("ERR server.set_repl() requires one argument.")
        flags = args[0]
        if not isinstance(flags, int) or not 0 <= flags <= 3:
            raise self._raise("ERR Invalid replication flags. Use REPL_AOF, REPL_REPLICA, "
                               "REPL_ALL or REPL_NONE.")
        return None

    def _acl_check_cmd(self, *args: Any) -> Any:
        if not args:
            raise self._raise("ERR Please specify at least one argument for this call")
        name = args[0]
        if not isinstance(name, str) or name.upper() not in HANDLERS:
            raise self._raise("ERR Invalid command passed to server.acl_check_cmd()")
        return True

    def _breakpoint(self) -> Any:
        return False

    def _debug(self, *args: Any) -> None:
        return None

    def _random(self, *args: Any) -> Any:
        r = self.rand.next_float()
        if not args:
            return r
        if len(args) > 2:
            raise self._raise("ERR wrong number of arguments")
        try:
            nums = [int(checknumber(args, i, "random")) for i in range(1, len(args) + 1)]
        except LuaLibError as err:
            raise ScriptRaise(self._where() + str(err)) from None
        lo, hi = (1, nums[0]) if len(nums) == 1 else (nums[0], nums[1])
        if lo > hi:
            raise ScriptRaise(self._where() + "bad argument #"
                              f"{len(args)} to 'random' (interval is empty)")
        return math.floor(r * (hi - lo + 1)) + lo

    def _randomseed(self, *args: Any) -> Any:
        try:
            seed = checknumber(args, 1, "randomseed")
        except LuaLibError as err:
            raise ScriptRaise(self._where() + str(err)) from None
        self.rand.seed(int(seed))
        return None
