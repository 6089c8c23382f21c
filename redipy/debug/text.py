"""The debugger's text interface: ``redis-cli --ldb``'s commands and output style.

:func:`execute` takes one typed line and returns plain text lines; the shell's
``:debug`` and the notebooks print them. Values print the way ldb prints Lua values
(``"text"``, ``3``, ``nil``, ``{1; 2}``, ``{["k"]="v"}``), replies the way ldb shows
Redis replies (``"+OK"``, ``NULL``, ``[...]``).
"""

from __future__ import annotations

import math
import re
import shlex
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol

from redipy.debug.events import CALL, ERROR, RETURN, TraceEvent
from redipy.reply import Status

if TYPE_CHECKING:
    from redipy.debug.base import DebuggerBase
    from redipy.debug.engine import Debugger

HELP = """\
Redis-style script debugger help (redipy):
[h]elp               Show this help.
[s]tep | [n]ext      Run the current line and stop again (Redis calls are shown).
[c]ontinue           Run to the next breakpoint (or the end).
[l]ist [line] [ctx]  Show the Lua around the current line (or around 'line').
[w]hole              Show the whole Lua script.
[p]rint [var]        Show all variables in scope, or one.
[b]reak              Show the breakpoints.
[b]reak <line>       Add a breakpoint at a Lua line.
[b]reak -<line>      Remove the breakpoint at a Lua line.
[b]reak 0            Remove all breakpoints.
[b]reak file.py:NN   Break at the statements built at a Python line (:NN: any file).
[t]race              Show the enclosing blocks of the current line (the call path).
[e]val <expr>        Evaluate a Python expression over the variables (read only).
[r]edis <cmd>        Run a Redis command against the script's view of the data.
[a]bort              Stop the script (changes roll back unless in sync mode).
[m]axlen [len]       Trim logged Redis replies and Lua var dumps to len.
                     Specifying zero as <len> means unlimited.
restart              Start the script again from the top (breakpoints stay).
Changes roll back when the session ends, unless the debugger runs in sync mode."""


def lua_value(value: Any) -> str:
    """A script value as ldb prints Lua values."""
    if value is None:
        return "nil"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, int | float):
        fval = float(value)
        if fval != fval:
            return "nan"
        if math.isinf(fval):
            return "inf" if fval > 0 else "-inf"
        if fval.is_integer() and abs(fval) < 1e15:
            return str(int(fval))
        return f"{fval:.14g}"
    if isinstance(value, str):
        return _quote(value)
    if isinstance(value, list):
        return "{" + "; ".join(lua_value(v) for v in value) + "}"
    if isinstance(value, dict):
        return "{" + "; ".join(f"[{lua_value(k)}]={lua_value(v)}"
                               for k, v in value.items()) + "}"
    return repr(value)


def reply_text(reply: Any) -> str:
    """A raw (RESP2-shaped) reply as ldb shows Redis replies."""
    if reply is None:
        return "NULL"
    if isinstance(reply, Status):
        return _quote("+" + str(reply))
    if isinstance(reply, BaseException):
        return _quote("-" + str(reply))
    if isinstance(reply, bool):
        return str(int(reply))
    if isinstance(reply, int):
        return str(reply)
    if isinstance(reply, list):
        return "[" + ",".join(reply_text(r) for r in reply) + "]"
    return _quote(str(reply))


def _quote(text: str) -> str:
    out = ['"']
    for char in text:
        if char in '"\\':
            out.append("\\" + char)
        elif char == "\n":
            out.append("\\n")
        elif char == "\r":
            out.append("\\r")
        elif char == "\t":
            out.append("\\t")
        elif ord(char) < 32 or ord(char) == 127:
            out.append(f"\\x{ord(char):02x}")
        else:
            out.append(char)
    out.append('"')
    return "".join(out)


def _word(arg: str) -> str:
    return arg if arg and all(c.isprintable() and c not in ' "\'\\' for c in arg) \
        else _quote(arg)


def call_lines(event: TraceEvent) -> list[str]:
    """``<redis> CMD args`` and ``<reply> ...`` (or ``<error> ...``) of a call event."""
    cmd = " ".join([event.command or "", *(_word(a) for a in event.args or ())])
    out = [f"<redis> {cmd}"]
    out.append(f"<error> {event.error}" if event.error is not None
               else f"<reply> {reply_text(event.reply)}")
    return out


def _prefix(current: bool, brk: bool) -> str:
    """ldb's line marks: ``->`` the current line, ``#`` a breakpoint."""
    return ("->" if current else "  ") + ("#" if brk else " ")


def listing(dbg: Debugger, rows: list[tuple[int, str, bool]]) -> list[str]:
    breaks = set(dbg.breakpoints)
    return [f"{_prefix(current, num in breaks)}{num:<3} {text}" for num, text, current in rows]


def stop_lines(dbg: Debugger, event: TraceEvent | None) -> list[str]:
    """What a stop prints: the place, or how the script ended."""
    if event is None:
        return ["<error> the script has finished; use 'restart' to run it again"]
    if event.kind in (RETURN, ERROR):
        return end_lines(dbg, event)
    where = f" ({event.origin})" if event.origin else ""
    mark = _prefix(True, event.lua_line in dbg.breakpoints)
    return [f"* Stopped at {event.lua_line}{where}, stop reason = {dbg.stop_reason}",
            f"{mark}{event.lua_line:<3} {event.lua_text}"]


def end_lines(dbg: Debugger, event: TraceEvent | None) -> list[str]:
    result = dbg.result
    out = []
    if event is not None and event.kind == ERROR:
        out.append(f"<error> {event.error}")
    elif event is not None:
        out.append(f"<return> {lua_value(event.reply)}")
    applied = result is not None and result.synced
    out.append("(debugging session ended -- dataset changes "
               f"{'applied' if applied else 'rolled back'})")
    return out


_TRIMMED = ("<reply> ", "<value> ", "<retval> ")
TRIM_HINT = "<hint> The above reply was trimmed. Use 'maxlen 0' to disable trimming."


def trimmed(dbg: DebuggerBase, lines: list[str]) -> list[str]:
    """ldb's ldbLogWithMaxLen: replies and values cut at ``maxlen`` bytes plus `` ...``,
    with a hint the first time."""
    if not dbg.maxlen:
        return lines
    out: list[str] = []
    for line in lines:
        data = line.encode("utf-8", "surrogateescape")
        if not line.startswith(_TRIMMED) or len(data) <= dbg.maxlen:
            out.append(line)
            continue
        out.append(data[:dbg.maxlen].decode("utf-8", "replace") + " ...")
        if not dbg.maxlen_hint_sent:
            dbg.maxlen_hint_sent = True
            out.append(TRIM_HINT)
    return out


def _maxlen(dbg: DebuggerBase, args: list[str]) -> list[str]:
    if len(args) > 1:
        return ["<error> Unknown Redis Lua debugger command or wrong number of arguments."]
    if args:
        number = re.match(r"[+-]?\d+", args[0])
        new = int(number.group(0)) if number else 0  # as atoi: no number reads as 0
        dbg.maxlen_hint_sent = True  # the user knows about the command now
        dbg.maxlen = 60 if new != 0 and new <= 60 else new
    if dbg.maxlen:
        return [f"<value> replies are truncated at {dbg.maxlen} bytes."]
    return ["<value> replies are unlimited."]


def _step(dbg: Debugger) -> list[str]:
    out: list[str] = []
    if dbg.finished:
        return stop_lines(dbg, None)
    while True:
        event = dbg.step()
        if event is None or event.kind != CALL:
            return out + stop_lines(dbg, event)
        out.extend(call_lines(event))


def _break(dbg: Debugger, args: list[str]) -> list[str]:
    if not args:
        points = dbg.breakpoints
        if not points:
            return ["No breakpoints set. Use 'b <line>' to add one."]
        head = f"{len(points)} breakpoint{'s' if len(points) != 1 else ''} set:"
        return [head, *listing(dbg, [(n, dbg.info.lines[n - 1], False) for n in points])]
    out: list[str] = []
    for arg in args:
        try:
            if ":" in arg:  # a Python line: file.py:NN, :NN, -file.py:NN or -:NN
                remove = arg.startswith("-")
                spec = arg.lstrip("-").lstrip(":") if arg.lstrip("-").startswith(":") \
                    else arg.lstrip("-")
                lines = dbg.python_lines(spec)
                dbg.break_at(("-" if remove else "") + spec)
                if remove:
                    out.append(f"Breakpoints removed at Lua line(s) {', '.join(map(str, lines))}.")
                else:
                    out.extend(f"  #{num:<3} {dbg.info.text_of(num)}" for num in lines)
                continue
            try:
                num = int(arg)
            except ValueError:
                out.append(f"<error> Wrong line: {arg}")
                continue
            dbg.break_at(num)
            if num == 0:
                out.append("All breakpoints removed.")
            elif num < 0:
                out.append("Breakpoint removed.")
            else:
                out.append(f"  #{num:<3} {dbg.info.text_of(num)}")
        except ValueError as err:
            out.append(f"<error> {err}")
    return out


def _list(dbg: Debugger, args: list[str]) -> list[str]:
    try:
        line = int(args[0]) if args else 0
        ctx = int(args[1]) if len(args) > 1 else 5
    except ValueError:
        return ["<error> usage: list [line] [ctx]"]
    return listing(dbg, dbg.list(line or None, ctx))


class _Scoped(Protocol):
    """What ``print`` needs of a debugger (the builder-script and the raw-Lua one)."""

    current: TraceEvent | None

    def print(self, var: str | None = None) -> Any: ...


def print_lines(dbg: _Scoped, args: list[str],
                show: Callable[[Any], str] | None = None) -> list[str]:
    """ldb's ``print [var]``: one variable, or every local of the current frame
    (``show``: how values print; the builder debugger's :func:`lua_value` by default)."""
    show = show or lua_value
    if dbg.current is None:
        return ["<error> the script has not started; use 'step' first"]
    if args:
        try:
            return [f"<value> {show(dbg.print(args[0]))}"]
        except KeyError:
            return ["No such variable."]
    scope = dbg.print()
    if not scope:
        return ["No local variables in the current context."]
    return [f"<value> {name} = {show(value)}" for name, value in scope.items()]


def _eval(dbg: Debugger, rest: str) -> list[str]:
    if not rest.strip():
        return ["<error> usage: eval <python expression>"]
    try:
        return [f"<retval> {lua_value(dbg.eval(rest))}"]
    except Exception as err:
        return [f"<error> {type(err).__name__}: {err}"]


def _redis(dbg: DebuggerBase, rest: str) -> list[str]:
    try:
        argv = shlex.split(rest)
    except ValueError as err:
        return [f"<error> {err}"]
    if not argv:
        return ["<error> usage: redis <command> [args...]"]
    head = f"<redis> {' '.join(_word(a) for a in argv)}"
    try:
        return [head, f"<reply> {reply_text(dbg.redis(*argv))}"]
    except Exception as err:
        return [head, f"<reply> {reply_text(err)}"]


def execute(dbg: Debugger, line: str) -> list[str]:
    """Run one debugger command line; returns the text to print."""
    text = line.strip()
    if not text:
        return []
    word, _, rest = text.partition(" ")
    cmd = word.lower()
    args = rest.split()
    if cmd in ("h", "help"):
        return HELP.split("\n")
    if cmd in ("m", "maxlen"):
        return _maxlen(dbg, args)
    return trimmed(dbg, _command(dbg, cmd, rest, args))


def _command(dbg: Debugger, cmd: str, rest: str, args: list[str]) -> list[str]:
    if cmd in ("s", "step", "n", "next"):
        return _step(dbg)
    if cmd in ("c", "continue"):
        if dbg.finished:
            return stop_lines(dbg, None)
        return stop_lines(dbg, dbg.cont())
    if cmd in ("b", "break"):
        return _break(dbg, args)
    if cmd in ("l", "list"):
        return _list(dbg, args)
    if cmd in ("w", "whole"):
        return listing(dbg, dbg.whole())
    if cmd in ("p", "print"):
        return print_lines(dbg, args)
    if cmd in ("t", "trace"):
        return dbg.trace()
    if cmd in ("e", "eval"):
        return _eval(dbg, rest)
    if cmd in ("r", "redis"):
        return _redis(dbg, rest)
    if cmd in ("a", "abort"):
        if dbg.finished:
            return ["<error> the script has finished"]
        dbg.abort()
        result = dbg.result
        kept = result is not None and result.synced
        return [f"(script aborted -- dataset changes {'applied' if kept else 'rolled back'})"]
    if cmd == "restart":
        dbg.restart()
        return ["(script restarted; use 'step' or 'continue')"]
    return ["<error> Unknown Redis Lua debugger command or wrong number of arguments."]
