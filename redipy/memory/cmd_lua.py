"""Memory backend handlers: Lua scripting (EVAL, EVALSHA, EVAL_RO, EVALSHA_RO, SCRIPT,
FUNCTION, FCALL, FCALL_RO).

Every script is real Lua, run in the backend's one Lua 5.1 state
(:mod:`redipy.memory.lua`), compiled once and filed by the SHA1 of its text in the
server's script table; the one exception is a builder script registered with
``register_script``, whose sha names compiled Python (:mod:`redipy.memory.cmd_scripting`)
and which keeps running as Python. A script runs atomically under the database lock the
backend holds for the EVAL, so inside MULTI/EXEC and pipelines it behaves as on a server.

Error replies follow Valkey 9.1, which leaves the sha out of a failing script's
position (``... script: on @user_script:1.``; Valkey 8.1 and Redis 7.0 write
``script: <sha>, on @user_script:1.``).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from redipy.errors import NoScriptError, ResponseError
from redipy.memory import busy, cmd_scripting
from redipy.memory.db import Database
from redipy.memory.glob import stringmatch
from redipy.memory.lua import dump as lua_dump
from redipy.memory.lua import shebang
from redipy.memory.lua.script import LuaScript, as_bytes, sha1_of
from redipy.memory.numbers import NOT_INT, parse_int
from redipy.memory.registry import command
from redipy.reply import OK, Map, SetReply, Status

NOSCRIPT = "NOSCRIPT No matching script."
RO_SCRIPT = "ERR Can not execute a script with write flag using *_ro command."
UNKILLABLE = ("UNKILLABLE Sorry the script already executed write commands against the "
              "dataset. You can either wait the script termination or kill the server in a "
              "hard way using the SHUTDOWN NOSAVE command.")

if TYPE_CHECKING:  # lupa loads on a script's first use, not with the backend
    from redipy.memory.lua.functions import Library
    from redipy.memory.lua.runtime import LuaRuntime

_ATTR = "_redipy_lua_runtime"

_RunContext: Any = None
"""redipy.memory.lua.runtime.RunContext, bound when the first Lua state is made."""
_context: Any = None
"""redipy.memory.lua.runtime.script_context (EVAL's and EVALSHA's RunContext), likewise."""
_monotonic = time.monotonic


def _new_runtime() -> LuaRuntime:
    global _RunContext, _context
    from redipy.memory.lua import runtime

    _RunContext = runtime.RunContext
    _context = runtime.script_context
    return runtime.LuaRuntime()


def _owner(db: Database) -> Any:
    return getattr(db, "server", None) or db


def runtime_for(db: Database) -> LuaRuntime:
    """The Lua state of ``db``'s server (made on first use, one per backend, kept on
    the backend object itself)."""
    owner = _owner(db)
    rt: LuaRuntime | None = getattr(owner, _ATTR, None)
    if rt is None:
        with _MAKING:  # two threads' first scripts must not make a state each
            rt = getattr(owner, _ATTR, None)
            if rt is None:
                rt = _new_runtime()
                setattr(owner, _ATTR, rt)
    return rt


_MAKING = threading.Lock()


def reset_runtime(db: Database) -> None:
    """SCRIPT FLUSH: a fresh Lua state (functions and the random state move over)."""
    owner = _owner(db)
    old: LuaRuntime | None = getattr(owner, _ATTR, None)
    if old is not None:
        new = _new_runtime()
        new.adopt_functions(old)
        setattr(owner, _ATTR, new)


_SMALL = {str(i): i for i in range(16)}
"""The usual key counts, read without parsing."""


def _split(args: Sequence[str]) -> tuple[Sequence[str], Sequence[str]]:
    nkeys = _SMALL.get(args[0])
    if nkeys is not None and nkeys < len(args):
        return args[1:1 + nkeys], args[1 + nkeys:]
    nkeys = parse_int(args[0])
    if nkeys is None:
        raise ResponseError(NOT_INT)
    if nkeys < 0:
        raise ResponseError("ERR Number of keys can't be negative")
    if nkeys > len(args) - 1:
        raise ResponseError("ERR Number of keys can't be greater than number of args")
    return args[1:1 + nkeys], args[1 + nkeys:]


def load_script(db: Database, body: str) -> LuaScript:
    """Compile ``body`` (once) and file it by sha in the server's script table."""
    sha = sha1_of(body)
    entry = db.scripts.get(sha)
    if isinstance(entry, LuaScript):
        return entry
    code, flags, _, has_shebang = shebang.parse(body)
    rt = runtime_for(db)
    fn = rt.compile(code)
    script = LuaScript(sha, body, fn, flags, has_shebang, rt, "no-writes" in flags)
    db.scripts[sha] = script
    return script


def run_script(db: Database, script: LuaScript, keys: Sequence[str], argv: Sequence[str],
               *, readonly: bool = False) -> Any:
    """Run a compiled Lua script; ``readonly`` for EVAL_RO / EVALSHA_RO."""
    no_writes = script.no_writes
    if readonly and script.shebang and not no_writes:
        raise ResponseError(RO_SCRIPT)
    return script.rt.call_function(script.fn, _context(db, readonly or no_writes),
                                   keys, argv)


def _eval(db: Database, args: Sequence[str], readonly: bool) -> Any:
    body = args[0]
    sha = sha1_of(body)
    entry = db.scripts.get(sha)
    if type(entry) is LuaScript and not readonly:  # the common call, as EVALSHA's
        nkeys = _SMALL.get(args[1])
        if nkeys is not None and nkeys <= len(args) - 2:
            return entry.rt.run_args(entry, db, args, nkeys)
    keys, argv = _split(args[1:])
    if entry is not None and cmd_scripting.is_builder(entry):
        return cmd_scripting.run_builder(db, entry, keys, argv)
    script = entry if isinstance(entry, LuaScript) else load_script(db, body)
    return run_script(db, script, keys, argv, readonly=readonly)


def _evalsha(db: Database, args: Sequence[str], readonly: bool) -> Any:
    sha = args[0]
    entry = db.scripts.get(sha)
    if type(entry) is LuaScript and not readonly:  # the common call, checks inlined
        nkeys = _SMALL.get(args[1])
        if nkeys is not None and nkeys <= len(args) - 2:
            return entry.rt.run_args(entry, db, args, nkeys)
    keys, argv = _split(args[1:])
    if entry is None and len(sha) == 40:
        entry = db.scripts.get(sha.lower())
    if entry is None:
        raise NoScriptError(NOSCRIPT)
    if cmd_scripting.is_builder(entry):
        return cmd_scripting.run_builder(db, entry, keys, argv)
    return run_script(db, entry, keys, argv, readonly=readonly)


@command("EVAL")
def eval_(db: Database, args: Sequence[str]) -> Any:
    return _eval(db, args, False)


@command("EVAL_RO")
def eval_ro(db: Database, args: Sequence[str]) -> Any:
    return _eval(db, args, True)


@command("EVALSHA")
def evalsha(db: Database, args: Sequence[str]) -> Any:
    entry = db.scripts.get(args[0])
    if type(entry) is LuaScript:  # the common call, _evalsha's first branch inlined
        nkeys = _SMALL.get(args[1])
        if nkeys is not None and nkeys <= len(args) - 2:
            return entry.rt.run_args(entry, db, args, nkeys)
    return _evalsha(db, args, False)


@command("EVALSHA_RO")
def evalsha_ro(db: Database, args: Sequence[str]) -> Any:
    return _evalsha(db, args, True)


SCRIPT_HELP = [
    "SCRIPT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
    "DEBUG (YES|SYNC|NO)",
    "    Set the debug mode for subsequent scripts executed.",
    "EXISTS <sha1> [<sha1> ...]",
    "    Return information about the existence of the scripts in the script cache.",
    "FLUSH [ASYNC|SYNC]",
    "    Flush the Lua scripts cache. Very dangerous on replicas.",
    "    When called without the optional mode argument, the behavior is determined by the",
    "    lazyfree-lazy-user-flush configuration directive. Valid modes are:",
    "    * ASYNC: Asynchronously flush the scripts cache.",
    "    * SYNC: Synchronously flush the scripts cache.",
    "KILL",
    "    Kill the currently executing Lua script.",
    "LOAD <script>",
    "    Load a script into the scripts cache without executing it.",
    "SHOW <sha1>",
    "    Show a script from the scripts cache.",
    "HELP",
    "    Print this help.",
]


@command("SCRIPT")
def script(db: Database, args: Sequence[str]) -> Any:
    sub = args[0].upper()
    scripts = db.scripts
    n = len(args)
    if sub == "LOAD" and n == 2:
        body = args[1]
        sha = sha1_of(body)
        if sha in scripts:
            return sha
        return load_script(db, body).sha
    if sub == "EXISTS" and n >= 2:
        return [1 if sha.lower() in scripts else 0 for sha in args[1:]]
    if sub == "FLUSH" and n <= 2:
        if n == 2 and args[1].upper() not in ("ASYNC", "SYNC"):
            raise ResponseError("ERR SCRIPT FLUSH only support SYNC|ASYNC option")
        scripts.clear()
        reset_runtime(db)
        return OK
    if sub == "KILL" and n == 1:
        return _kill(db, eval_=True)
    if sub == "SHOW" and n == 2:
        entry = scripts.get(args[1].lower())
        if isinstance(entry, LuaScript):
            return entry.body
        if entry is not None:
            return entry[0].lua.text
        raise NoScriptError(NOSCRIPT)
    if sub == "HELP" and n == 1:
        return list(SCRIPT_HELP)
    if sub in ("LOAD", "EXISTS", "FLUSH", "KILL", "SHOW", "HELP"):
        raise ResponseError(f"ERR wrong number of arguments for 'script|{sub.lower()}' command")
    raise ResponseError(
        f"ERR unknown subcommand '{args[0]}'. Try SCRIPT HELP.")


# ---- functions (FUNCTION / FCALL) -----------------------------------------------------------


def _fcall(db: Database, args: Sequence[str], readonly: bool) -> Any:
    nkeys = parse_int(args[1])
    if nkeys is None:
        raise ResponseError("ERR Bad number of keys provided")
    if nkeys < 0:
        raise ResponseError("ERR Number of keys can't be negative")
    if nkeys > len(args) - 2:
        raise ResponseError("ERR Number of keys can't be greater than number of args")
    rt = runtime_for(db)
    func = rt.libraries.function(args[0])
    if func is None:
        raise ResponseError("ERR Function not found")
    no_writes = "no-writes" in func.flags
    if readonly and not no_writes:
        raise ResponseError(RO_SCRIPT)
    ctx = _RunContext(db, readonly=readonly or no_writes, name=func.name)
    ctx.command = ["FCALL_RO" if readonly else "FCALL", *args]
    return rt.call_function(func.fn, ctx, args[2:2 + nkeys], args[2 + nkeys:], fcall=True)


@command("FCALL")
def fcall(db: Database, args: Sequence[str]) -> Any:
    return _fcall(db, args, False)


@command("FCALL_RO")
def fcall_ro(db: Database, args: Sequence[str]) -> Any:
    return _fcall(db, args, True)


def _library_info(lib: Library, with_code: bool) -> Map:
    funcs = [Map(["name", f.name, "description", f.description,
                  "flags", SetReply([Status(flag) for flag in f.flags])])
             for f in lib.functions.values()]
    info = Map(["library_name", lib.name, "engine", "LUA", "functions", funcs])
    if with_code:
        info += ["library_code", lib.code]
    return info


def _function_list(rt: LuaRuntime, args: Sequence[str]) -> list[Any]:
    with_code = False
    pattern: str | None = None
    i = 0
    while i < len(args):
        word = args[i].upper()
        if word == "WITHCODE" and not with_code:
            with_code = True
        elif word == "LIBRARYNAME" and pattern is None:
            if i + 1 >= len(args):
                raise ResponseError("ERR library name argument was not given")
            pattern = args[i + 1]
            i += 1
        else:
            raise ResponseError(f"ERR Unknown argument {args[i]}")
        i += 1
    return [_library_info(lib, with_code) for lib in rt.libraries.libs.values()
            if pattern is None or stringmatch(pattern, lib.name)]


def _function_restore(db: Database, rt: LuaRuntime, args: Sequence[str]) -> Any:
    policy = args[1].upper() if len(args) > 1 else "APPEND"
    if policy not in ("APPEND", "REPLACE", "FLUSH") or len(args) > 2:
        raise ResponseError("ERR Wrong restore policy given, value should be either FLUSH, "
                            "APPEND or REPLACE.")
    codes = lua_dump.restore(as_bytes(args[0]))
    libs = rt.libraries
    built = [libs.build(rt, code.decode("latin-1"), replace=True) for code in codes]
    if policy == "APPEND":
        for lib in built:
            if lib.name in libs.libs:
                raise ResponseError(f"ERR Library {lib.name} already exists")
    if policy == "FLUSH":
        libs.flush()
    for lib in built:
        libs.install(lib)
    return OK


FUNCTION_HELP = [
    "FUNCTION <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
    "LOAD [REPLACE] <FUNCTION CODE>",
    "DELETE <LIBRARY NAME>",
    "LIST [LIBRARYNAME PATTERN] [WITHCODE]",
    "FLUSH [ASYNC|SYNC]",
    "DUMP",
    "RESTORE <PAYLOAD> [FLUSH|APPEND|REPLACE]",
    "STATS",
    "KILL",
    "HELP",
]

_FUNCTION_ARITY = {"LOAD": (2, 3), "DELETE": (2, 2), "LIST": (1, 99), "FLUSH": (1, 2),
                   "DUMP": (1, 1), "RESTORE": (2, 3), "STATS": (1, 1), "KILL": (1, 1),
                   "HELP": (1, 1)}


@command("FUNCTION")
def function(db: Database, args: Sequence[str]) -> Any:
    sub = args[0].upper()
    bounds = _FUNCTION_ARITY.get(sub)
    if bounds is None:
        raise ResponseError(f"ERR unknown subcommand '{args[0]}'. Try FUNCTION HELP.")
    if not bounds[0] <= len(args) <= bounds[1]:
        raise ResponseError(
            f"ERR wrong number of arguments for 'function|{sub.lower()}' command")
    rt = runtime_for(db)
    libs = rt.libraries
    if sub == "LOAD":
        replace = len(args) == 3
        if replace and args[1].upper() != "REPLACE":
            raise ResponseError(f"ERR Unknown option given: {args[1]}")
        return libs.load(rt, args[-1], replace=replace)
    if sub == "DELETE":
        if not libs.delete(args[1]):
            raise ResponseError("ERR Library not found")
        return OK
    if sub == "LIST":
        return _function_list(rt, args[1:])
    if sub == "FLUSH":
        if len(args) == 2 and args[1].upper() not in ("ASYNC", "SYNC"):
            raise ResponseError("ERR FUNCTION FLUSH only supports SYNC|ASYNC option")
        libs.flush()
        return OK
    if sub == "DUMP":
        return lua_dump.dump([as_bytes(lib.code) for lib in libs.libs.values()]
                             ).decode("latin-1")
    if sub == "RESTORE":
        return _function_restore(db, rt, args[1:])
    if sub == "STATS":
        nlibs, nfuncs = libs.count()
        return Map(["running_script", _running_function(rt), "engines",
                    Map(["LUA", Map(["libraries_count", nlibs, "functions_count", nfuncs])])])
    if sub == "KILL":
        return _kill(db, eval_=False)
    return list(FUNCTION_HELP)


def _running(db: Database) -> Any:
    """The context of the script running on ``db``'s server (another thread's), or None."""
    rt = getattr(_owner(db), _ATTR, None)
    return None if rt is None else rt.ctx


def _kill(db: Database, *, eval_: bool) -> Status:
    """SCRIPT KILL (``eval_``) / FUNCTION KILL, in the servers' order of checks. The
    script stops at the hook's next look (:mod:`redipy.memory.lua.runtime`)."""
    ctx = _running(db)
    if ctx is None:
        raise ResponseError("NOTBUSY No scripts in execution right now.")
    if ctx.db.script_wrote:
        raise ResponseError(UNKILLABLE)
    if eval_ and ctx.name:
        raise ResponseError(busy.FUNCTION_BUSY)
    if not eval_ and not ctx.name:
        raise ResponseError(busy.EVAL_BUSY)
    ctx.killed = True
    return OK


def _running_function(rt: LuaRuntime) -> Any:
    """FUNCTION STATS' running_script: the busy function (a busy EVAL: BUSY)."""
    ctx = rt.ctx
    if ctx is None:
        return None
    if not ctx.name:
        raise ResponseError(busy.EVAL_BUSY)
    return Map(["name", ctx.name, "command", list(ctx.command),
                "duration_ms", int((_monotonic() - ctx.start) * 1000)])
