"""The Lua debugger's text interface: ``redis-cli --ldb``'s commands and output.

Words and layout are Redis's ldb (7.x): ``* Stopped at 3, stop reason = step over``,
``-> 3   code``, ``<redis>``/``<reply>`` per call, ``<value>``, ``<retval>``,
``<debug>``, ``In fn:``/``From top level:``. Valkey 9 renamed some of them
(``<command>``, ``server.breakpoint() called``); redipy keeps Redis's, the words
every ldb tutorial shows. Two additions: an error stops at the failing line
(``stop reason = error``) before the run ends, and the end says what happened to the
data. Shared pieces (values, replies, ``maxlen``) come from :mod:`redipy.debug.text`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from redipy.debug.events import CALL, ERROR, LOG, RETURN, TraceEvent
from redipy.debug.text import (
    _maxlen,
    _quote,
    _redis,
    lua_value,
    print_lines,
    reply_text,
    trimmed,
)

if TYPE_CHECKING:
    from redipy.debug.lua import LuaDebugger

HELP = """\
Redis Lua debugger help:
[h]elp               Show this help.
[s]tep               Run current line and stop again.
[n]ext               Alias for step.
[c]ontinue           Run till next breakpoint.
[l]ist               List source code around current line.
[l]ist [line]        List source code around [line].
                     line = 0 means: current position.
[l]ist [line] [ctx]  In this form [ctx] specifies how many lines
                     to show before/after [line].
[w]hole              List all source code. Alias for 'list 1 1000000'.
[p]rint              Show all the local variables.
[p]rint <var>        Show the value of the specified variable.
                     Can also show global vars KEYS and ARGV.
[b]reak              Show all breakpoints.
[b]reak <line>       Add a breakpoint to the specified line.
[b]reak -<line>      Remove breakpoint from the specified line.
[b]reak 0            Remove all breakpoints.
[t]race              Show a backtrace.
[e]val <code>        Execute some Lua code (in a different callframe).
[r]edis <cmd>        Execute a Redis command.
[m]axlen [len]       Trim logged Redis replies and Lua var dumps to len.
                     Specifying zero as <len> means unlimited.
[a]bort              Stop the execution of the script. In sync
                     mode dataset changes will be retained.

Debugger functions you can call from Lua scripts:
redis.debug()        Produce logs in the debugger console.
redis.breakpoint()   Stop execution like if there was a breakpoint in the
                     next line of code."""

UNKNOWN = "<error> Unknown Redis Lua debugger command or wrong number of arguments."


def _mark(current: bool, brk: bool) -> str:
    return ("->" if current else "  ") + ("#" if brk else " ")


def source_line(dbg: LuaDebugger, item: tuple[int, str]) -> str:
    """ldbLogSourceLine: ``->#`` marks, the number left-aligned in 3, the raw line."""
    num, text = item
    cur = dbg.current.lua_line if dbg.current is not None else 0
    return f"{_mark(num == cur, num in dbg.breakpoints)}{num:<3} {text}"


def _listing(dbg: LuaDebugger, rows: list[tuple[int, str, bool]]) -> list[str]:
    return [source_line(dbg, (num, text)) for num, text, _cur in rows]


def call_lines(event: TraceEvent) -> list[str]:
    """``<redis> CMD args`` then the reply as ldb logs it (errors as ``"-ERR ..."``)."""
    words = [event.command or "", *(a if a and " " not in a and a.isprintable()
                                    else _quote(a) for a in event.args or ())]
    reply = _quote("-" + event.error) if event.error is not None \
        else reply_text(event.reply)
    return [f"<redis> {' '.join(words)}", f"<reply> {reply}"]


def session_end(dbg: LuaDebugger) -> str:
    if dbg.sync:  # redis-cli's words in sync mode: the changes stay
        return "(Lua debugging session ended)"
    return "(Lua debugging session ended -- dataset changes rolled back)"


def end_lines(dbg: LuaDebugger) -> list[str]:
    """How the run ended: its reply (or error), then what happened to the data."""
    result = dbg.result
    if result is None:
        return [session_end(dbg)]
    if result.aborted:
        first = f"<error> {result.error}"
    elif result.error is not None:
        first = f"<error> {result.error}"
    else:
        first = f"<reply> {reply_text(result.value)}"
    return [first, session_end(dbg)]


def stop_lines(dbg: LuaDebugger, event: TraceEvent | None, *, ending: bool = True
               ) -> list[str]:
    """Where the run stopped (``* Stopped at ...``), or how it ended."""
    if event is None or dbg.finished:
        if event is None and dbg.finished and not ending:
            return []
        if event is None and not dbg.finished:
            return ["<error> the script has not started"]
        return end_lines(dbg) if ending else []
    out = []
    if event.kind == ERROR:
        out.append(f"<error> {event.error}")
    out.append(f"* Stopped at {event.lua_line}, stop reason = {dbg.stop_reason}")
    out.append(source_line(dbg, (event.lua_line, event.lua_text)))
    return out


def _step(dbg: LuaDebugger, ending: bool) -> list[str]:
    if dbg.finished:
        return ["<error> the script has finished; use 'restart' to run it again"]
    out: list[str] = []
    while True:
        event = dbg.step()
        if event is not None and event.kind == CALL:
            out.extend(call_lines(event))
            continue
        if event is not None and event.kind == LOG:
            out.append(str(event.reply))
            continue
        if event is not None and event.kind in (RETURN, ERROR) and dbg.finished:
            return out + (end_lines(dbg) if ending else [])
        return out + stop_lines(dbg, event, ending=ending)


def _continue(dbg: LuaDebugger, ending: bool) -> list[str]:
    if dbg.finished:
        return ["<error> the script has finished; use 'restart' to run it again"]
    seen = len(dbg.events)
    event = dbg.cont()
    logs = dbg.logs_since(seen)
    if dbg.finished:
        return logs + (end_lines(dbg) if ending else [])
    return logs + stop_lines(dbg, event, ending=ending)


def _break(dbg: LuaDebugger, args: list[str]) -> list[str]:
    if not args:
        points = dbg.breakpoints
        if not points:
            return ["No breakpoints set. Use 'b <line>' to add one."]
        return [f"{len(points)} breakpoints set:",
                *(source_line(dbg, (n, dbg.lines[n - 1])) for n in points)]
    out: list[str] = []
    for arg in args:
        try:
            num = int(arg)
        except ValueError:
            out.append(f"<error> Wrong line: {arg}")
            continue
        try:
            dbg.break_at(num)
        except ValueError as err:
            out.append(str(err))
            continue
        if num == 0:
            out.append("All breakpoints removed.")
        elif num < 0:
            out.append("Breakpoint removed.")
        else:
            out.extend(_listing(dbg, dbg.list(num, 1)))
    return out


def _list(dbg: LuaDebugger, args: list[str]) -> list[str]:
    try:
        line = int(args[0]) if args else 0
        ctx = int(args[1]) if len(args) > 1 else 5
    except ValueError:
        return [UNKNOWN]
    return _listing(dbg, dbg.list(line or None, ctx))


def _eval(dbg: LuaDebugger, rest: str) -> list[str]:
    if not rest.strip():
        return [UNKNOWN]
    try:
        return [f"<retval> {lua_value(dbg.eval(rest))}"]
    except ValueError as err:
        return [f"<error> {err}"]


def execute(dbg: LuaDebugger, line: str, *, ending: bool = True) -> list[str]:
    """One ldb command line; the text to print. ``ending=False`` leaves out how the
    run ended (the shell prints the reply as redis-cli does)."""
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
    return trimmed(dbg, _command(dbg, cmd, rest, args, ending))


def _command(dbg: LuaDebugger, cmd: str, rest: str, args: list[str],
             ending: bool) -> list[str]:
    if cmd in ("s", "step", "n", "next"):
        return _step(dbg, ending)
    if cmd in ("c", "continue"):
        return _continue(dbg, ending)
    if cmd in ("b", "break"):
        return _break(dbg, args)
    if cmd in ("l", "list"):
        return _list(dbg, args)
    if cmd in ("w", "whole"):
        return _listing(dbg, dbg.whole())
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
        return end_lines(dbg) if ending else []
    if cmd == "restart":
        dbg.restart()
        return ["(script restarted; use 'step' or 'continue')"]
    return [UNKNOWN]
