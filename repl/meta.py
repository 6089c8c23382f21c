"""Meta-commands: the shell's own commands, behind ``:`` (no Redis command starts so).

Each is a function registered with :func:`meta`, which records its usage line, a
one-line summary (``:help`` shows them) and what its arguments complete to.
Features from other packages (scripts, snapshots) are imported when used, so a
missing one costs one line of output, not the shell.
"""

from __future__ import annotations

import importlib
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from redipy.repl.parse import META_PREFIX, ArgsError, split_args

if TYPE_CHECKING:
    from redipy.repl.shell import Shell

PREFIX = META_PREFIX

MetaFunc = Callable[["Shell", list[str]], None]


class QuitShell(Exception):
    """Raised by ``:quit`` to end the main loop."""


class MetaError(Exception):
    """A meta-command was used wrongly; the message is shown as one line."""


@dataclass(frozen=True)
class MetaCommand:
    name: str
    usage: str
    summary: str
    func: MetaFunc
    complete: str = ""
    """What arguments complete to: file, script, backend, onoff, meta."""


META: dict[str, MetaCommand] = {}
ALIASES: dict[str, str] = {}


def meta(name: str, usage: str, summary: str, *, complete: str = "",
         aliases: tuple[str, ...] = ()) -> Callable[[MetaFunc], MetaFunc]:
    """Register a meta-command ``:name``."""
    def register(func: MetaFunc) -> MetaFunc:
        META[name] = MetaCommand(name, usage, summary, func, complete)
        for alias in aliases:
            ALIASES[alias] = name
        return func
    return register


def find(name: str) -> MetaCommand | None:
    name = name.lower()
    return META.get(ALIASES.get(name, name))


def run_meta(shell: Shell, line: str) -> None:
    """Run one ``:name args...`` line."""
    try:
        argv = split_args(line.strip()[len(PREFIX):])
    except ArgsError as err:
        shell.echo(str(err))
        return
    if not argv:
        shell.echo("type :help for the shell's commands")
        return
    cmd = find(argv[0])
    if cmd is None:
        shell.echo(f"unknown shell command :{argv[0]} (type :help)")
        return
    try:
        cmd.func(shell, argv[1:])
    except (QuitShell, KeyboardInterrupt):
        raise
    except MetaError as err:
        shell.echo(f"(error) {err}")
        shell.failed = True
    except Exception as err:
        shell.show_error(err)


def _need(args: list[str], count: int, usage: str) -> None:
    if len(args) < count:
        raise MetaError(f"usage: {usage}")


# ---- general ------------------------------------------------------------------------


@meta("help", ":help [NAME]", "list the shell's commands, or explain one", complete="meta",
      aliases=("h", "?"))
def _help(shell: Shell, args: list[str]) -> None:
    if args:
        cmd = find(args[0].lstrip(PREFIX))
        if cmd is None:
            raise MetaError(f"no shell command :{args[0]}")
        shell.echo(f"{cmd.usage}\n  {cmd.summary}")
        return
    width = max(len(c.usage) for c in META.values())
    lines = [f"  {c.usage:<{width}}  {c.summary}" for c in META.values()]
    shell.echo("Shell commands (Redis commands are typed as in redis-cli; "
               "HELP cmd / HELP @group explains them):\n" + "\n".join(lines))


@meta("quit", ":quit", "leave the shell (also Ctrl-D)", aliases=("q", "exit"))
def _quit(shell: Shell, args: list[str]) -> None:
    raise QuitShell


@meta("timing", ":timing on|off", "print how long each command took", complete="onoff")
def _timing(shell: Shell, args: list[str]) -> None:
    if args:
        if args[0].lower() not in ("on", "off"):
            raise MetaError("usage: :timing on|off")
        shell.session.timing = args[0].lower() == "on"
    shell.echo(f"timing is {'on' if shell.session.timing else 'off'}")


@meta("backend", ":backend memory|URL", "switch to the memory backend or a server",
      complete="backend")
def _backend(shell: Shell, args: list[str]) -> None:
    if not args:
        shell.echo(f"backend: {shell.session.kind} ({shell.session.label})")
        return
    label = shell.session.switch(args[0])
    shell.echo(f"now on {label}")


# ---- scripts ------------------------------------------------------------------------


def _script_api(name: str) -> Any:
    """``redipy.script.<name>``, or a one-line error while the scripts package lacks it."""
    try:
        module = importlib.import_module("redipy.script")
    except ImportError:
        module = None
    found = getattr(module, name, None)
    if found is None:
        raise MetaError(f"scripts are not available yet (redipy.script has no {name})")
    return found


def declared(ctx: Any) -> tuple[list[str], list[str]]:
    """The key names and argument names a script's context declares, in order."""
    for keys_attr, args_attr in (("key_names", "arg_names"), ("keys", "args")):
        keys, argn = getattr(ctx, keys_attr, None), getattr(ctx, args_attr, None)
        if callable(keys):
            keys = keys()
        if callable(argn):
            argn = argn()
        if isinstance(keys, list | tuple) and isinstance(argn, list | tuple):
            return [_name(k) for k in keys], [_name(a) for a in argn]
    keys, argn = getattr(ctx, "_keys", None), getattr(ctx, "_args", None)
    if isinstance(keys, list | tuple) and isinstance(argn, list | tuple):
        return [_name(k) for k in keys], [_name(a) for a in argn]
    build = getattr(ctx, "build", None)
    if callable(build):
        built = build()
        return [str(k) for k in built.keys], [str(a) for a in built.args]
    compiled = ctx.compile()
    return list(compiled.get("keyv", [])), list(compiled.get("argv", []))


def _name(entry: Any) -> str:
    if isinstance(entry, tuple):
        return str(entry[0])
    return str(getattr(entry, "name", entry))


def _script(shell: Shell, name: str) -> Any:
    script = shell.session.scripts.get(name)
    if script is None:
        known = ", ".join(sorted(shell.session.scripts)) or "none loaded; use :load FILE.py"
        raise MetaError(f"no script named {name!r} ({known})")
    return script


def script_inputs(ctx: Any, pairs: list[str]) -> tuple[dict[str, str], dict[str, Any]]:
    """``name=value`` words split into keys and args by the names the script declares.

    Argument values are read as JSON when they parse (``3``, ``[1,2]``, ``null``) and
    as plain strings otherwise; keys are always strings.
    """
    key_names, arg_names = declared(ctx)
    keys: dict[str, str] = {}
    args: dict[str, Any] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep:
            raise MetaError(f"expected name=value, got {pair!r}")
        if name not in key_names and name not in arg_names:
            raise MetaError(
                f"{name!r} is neither a key nor an argument of this script "
                f"(keys: {', '.join(key_names) or '-'}; args: {', '.join(arg_names) or '-'})")
        if name in key_names:
            keys[name] = value
        if name in arg_names:
            try:
                args[name] = json.loads(value)
            except ValueError:
                args[name] = value
    missing = [n for n in key_names if n not in keys] + [n for n in arg_names if n not in args]
    if missing:
        raise MetaError(f"missing: {', '.join(missing)}")
    return keys, args


@meta("load", ":load FILE.py", "run a Python file; each FnContext it defines becomes a script",
      complete="file")
def _load(shell: Shell, args: list[str]) -> None:
    _need(args, 1, ":load FILE.py")
    fn_context = _script_api("FnContext")
    from redipy.repl.session import LoadedScript

    path = Path(args[0]).expanduser()
    try:
        source = path.read_text(encoding="utf-8")
    except OSError as err:
        raise MetaError(f"cannot read {path}: {err.strerror or err}") from None
    namespace: dict[str, Any] = {"__name__": "__redipy_load__", "__file__": str(path)}
    try:
        exec(compile(source, str(path), "exec"), namespace)
    except SystemExit:
        raise MetaError(f"{path} called exit()") from None
    except Exception as err:
        line = ""
        tb = err.__traceback__
        while tb is not None:
            if tb.tb_frame.f_code.co_filename == str(path):
                line = f" (line {tb.tb_lineno})"
            tb = tb.tb_next
        raise MetaError(f"{path}{line}: {type(err).__name__}: {err}") from None
    found = _named_scripts(namespace, fn_context)
    for name, ctx in found:
        shell.session.scripts[name] = LoadedScript(name, ctx, str(path))
    names = ", ".join(n for n, _ in found)
    shell.echo(f"loaded {len(found)} script(s) from {path}" + (f": {names}" if names else ""))


def _named_scripts(namespace: dict[str, Any], fn_context: type) -> list[tuple[str, Any]]:
    """Each FnContext a file defines, once, by the name it was given
    (``FnContext(name=...)``) or else by its variable."""
    out: list[tuple[str, Any]] = []
    seen: set[int] = set()
    for var, ctx in namespace.items():
        if not isinstance(ctx, fn_context) or id(ctx) in seen:
            continue
        seen.add(id(ctx))
        given = getattr(ctx, "name", None)
        named = isinstance(given, str) and given != "" and given != getattr(ctx, "origin", None)
        out.append((str(given) if named else var, ctx))
    return out


@meta("scripts", ":scripts", "list the loaded scripts with their keys and arguments")
def _scripts(shell: Shell, args: list[str]) -> None:
    if not shell.session.scripts:
        shell.echo("no scripts loaded (use :load FILE.py)")
        return
    for name, script in sorted(shell.session.scripts.items()):
        keys, argn = declared(script.ctx)
        parts = [f"{k}=KEY" for k in keys] + [f"{a}=ARG" for a in argn]
        shell.echo(f"{name} {' '.join(parts)}".rstrip() + f"   ({script.source})")


@meta("call", ":call NAME key=... arg=...", "run a loaded script on the current backend",
      complete="script")
def _call(shell: Shell, args: list[str]) -> None:
    _need(args, 1, ":call NAME key=... arg=...")
    script = _script(shell, args[0])
    keys, values = script_inputs(script.ctx, args[1:])
    fn = script.function(shell.session.client)
    start = time.perf_counter()
    try:
        reply = fn(keys=keys, args=values)
    except Exception as err:
        shell.show_error(err)
        return
    shell.show(reply, None, time.perf_counter() - start)


@meta("lua", ":lua NAME", "show the Lua a loaded script compiles to", complete="script")
def _lua(shell: Shell, args: list[str]) -> None:
    _need(args, 1, ":lua NAME")
    script = _script(shell, args[0])
    to_lua = _script_api("to_lua")
    shell.show_code(str(to_lua(script.ctx)), "lua")


DEBUG_PROMPT = "(debug) "
DEBUG_QUIT = ("q", "quit", "exit")


@meta("debug", ":debug NAME [--sync] key=... arg=...",
      "step through a loaded script (ldb style; changes roll back unless --sync)",
      complete="script")
def _debug(shell: Shell, args: list[str]) -> None:
    """A stepping loop over :meth:`redipy.debug.Debugger.execute`, as ``redis-cli --ldb``.

    Debugger commands are read with ``shell.debug_input(prompt)`` when the caller set
    one (tests, front ends), else with :func:`input` (the terminal, or piped stdin).
    The session ends with the script, ``quit`` or end of input."""
    usage = ":debug NAME [--sync] key=... arg=..."
    _need(args, 1, usage)
    script = _script(shell, args[0])
    rest = [a for a in args[1:] if a != "--sync"]
    sync = len(rest) != len(args) - 1
    keys, values = script_inputs(script.ctx, rest)
    try:
        from redipy.debug import Debugger
    except ImportError:
        raise MetaError("the script debugger is not available") from None
    try:
        dbg = Debugger(shell.session.client, script.ctx, keys=keys, args=values, sync=sync,
                       sources=[script.source])
    except ValueError as err:
        raise MetaError(str(err)) from None
    read: Callable[[str], str] = getattr(shell, "debug_input", None) or input
    shell.echo(f"Debugging script {script.name}"
               f"{' (sync mode: changes are applied)' if sync else ''}; "
               "type help for the commands, quit to end.")
    try:
        _debug_echo(shell, dbg, dbg.execute("step"))
        while not dbg.finished:
            try:
                text = read(DEBUG_PROMPT)
            except (EOFError, KeyboardInterrupt, OSError):  # OSError: no stdin to read
                break
            if text.strip().lower() in DEBUG_QUIT:
                break
            try:
                lines = dbg.execute(text)
            except Exception as err:  # e.g. a script that stopped answering
                shell.show_error(err)
                break
            _debug_echo(shell, dbg, lines)
    finally:
        if not dbg.finished:
            dbg.abort()
            result = dbg.result
            kept = result is not None and result.synced
            shell.echo("(debugging session ended -- dataset changes "
                       f"{'applied' if kept else 'rolled back'})")
    if dbg.result is not None and dbg.result.error and not dbg.result.aborted:
        shell.failed = True


@meta("ldb", ":ldb FILE.lua [--sync] key ... , arg ...",
      "step through a Lua script file as redis-cli --ldb (changes roll back unless --sync)",
      complete="file")
def _ldb(shell: Shell, args: list[str]) -> None:
    """``redis-cli --ldb --eval`` inside the shell, on the data the shell has now."""
    _need(args, 1, ":ldb FILE.lua [--sync] key ... , arg ...")
    from redipy.repl.ldb import PROMPT, LdbSession, read_script

    from redipy.errors import ResponseError

    words = [a for a in args[1:] if a != "--sync"]
    sync = len(words) != len(args) - 1
    if sync and shell.session.kind != "memory":
        raise MetaError("--sync needs the memory backend: the debugger never writes to a "
                        "server")
    try:
        session = LdbSession(shell, read_script(args[0]), words, sync)
    except (OSError, ResponseError) as err:
        raise MetaError(str(err)) from None
    ask: Callable[[str], str] = getattr(shell, "debug_input", None) or input
    session.start()
    session.loop(lambda: ask(PROMPT), leave_at_end=True)


def _debug_echo(shell: Shell, dbg: Any, lines: list[str]) -> None:
    """The debugger's lines; where it stopped, the current Lua line comes with the
    line before and after it (ldb prints the current line alone)."""
    lines = list(lines)
    for num, out in enumerate(lines):
        shell.echo(out)
        if out.startswith("* Stopped at") and dbg.current is not None \
                and num + 1 < len(lines) and lines[num + 1].startswith("->"):
            lines[num + 1] = "\n".join(dbg.execute(f"list {dbg.current.lua_line} 1"))


# ---- snapshots and migration ---------------------------------------------------------


def _migrate_fn(name: str) -> Callable[..., Any]:
    try:
        migrate = importlib.import_module("redipy.migrate")
    except ImportError:
        migrate = None
    fn = getattr(migrate, name, None)
    if not callable(fn):
        raise MetaError(f"redipy.migrate.{name} is not available yet")
    return fn  # type: ignore[no-any-return]


def _report(shell: Shell, report: Any, start: float) -> None:
    """The engine's one-line summary; a report that is not ``ok`` fails the command."""
    summary = getattr(report, "summary", None)
    if callable(summary):
        # the engine's advice names the redipy CLI's option; the shell has its own form
        shell.echo(str(summary()).replace(
            "use --on-conflict replace or skip",
            "use :restore FILE replace or :restore FILE skip"))
    else:
        shell.echo(f"{report if report is not None else 'done'} "
                   f"({time.perf_counter() - start:.2f} s)")
    if getattr(report, "ok", True) is False:
        shell.failed = True
        for problem in list(getattr(report, "problems", []))[1:6]:
            shell.echo(f"  {problem}")


def _conflict(args: list[str], at: int) -> dict[str, str]:
    if len(args) <= at:
        return {}
    if args[at].lower() not in CONFLICT_POLICIES:
        raise MetaError(f"on conflict: {' | '.join(CONFLICT_POLICIES)}, not {args[at]!r}")
    return {"on_conflict": args[at].lower()}


CONFLICT_POLICIES = ("fail", "replace", "skip")


@meta("dump", ":dump FILE", "write every key of the current backend to a snapshot file",
      complete="file")
def _dump(shell: Shell, args: list[str]) -> None:
    _need(args, 1, ":dump FILE")
    fn = _migrate_fn("dump")
    start = time.perf_counter()
    _report(shell, fn(shell.session.client, str(Path(args[0]).expanduser())), start)


@meta("restore", ":restore FILE [fail|replace|skip]",
      "load a snapshot file into the current backend (existing keys: fail by default)",
      complete="file")
def _restore(shell: Shell, args: list[str]) -> None:
    _need(args, 1, ":restore FILE [fail|replace|skip]")
    fn = _migrate_fn("load")
    kwargs = _conflict(args, 1)
    start = time.perf_counter()
    _report(shell, fn(str(Path(args[0]).expanduser()), shell.session.client, **kwargs), start)


@meta("migrate", ":migrate URL|memory [fail|replace|skip]",
      "copy every key of the current backend to a server (or to the shell's memory backend)",
      complete="backend")
def _migrate(shell: Shell, args: list[str]) -> None:
    _need(args, 1, ":migrate URL|memory [fail|replace|skip]")
    fn = _migrate_fn("migrate")
    kwargs = _conflict(args, 1)
    session = shell.session
    to_memory = args[0].lower() == "memory"
    if to_memory and session.kind == "memory":
        raise MetaError("already on the memory backend")
    dst = session.memory_client() if to_memory else session.open_url(args[0])
    start = time.perf_counter()
    try:
        _report(shell, fn(session.client, dst, **kwargs), start)
    finally:
        if not to_memory:
            dst.close()
