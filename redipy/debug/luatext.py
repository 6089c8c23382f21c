"""The Lua debugger's text interface: ``--ldb``'s commands and output, as Valkey 9.1.

Words and layout are Valkey 9.1's ldb (its engine-agnostic debugger, ``scripting_engine.c``,
and the Lua engine's ``debug_lua.c``): ``* Stopped at 3, stop reason = step over``,
``-> 3   code``, ``<command>``/``<reply>``/``<error>`` per call, values printed raw
(``{1; 2; x; }``, ``{[k]=v; }``), the commands matched by their full name or their
prefix (``s``, ``max``), ``valkey``/``redis``/``server`` to run a command. Redis 7.0
says ``<redis>``, quotes strings and has other help text (tests/test_server_differences.py).
Two additions: an error stops at the failing line (``stop reason = error``) before the
run ends, and the end says what happened to the data. ``maxlen`` trimming comes from
:mod:`redipy.debug.text`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from redipy.debug.events import CALL, ERROR, LOG, RETURN, TraceEvent
from redipy.debug.text import print_lines, trimmed
from redipy.reply import Bool, Double, Map, SetReply, Status

if TYPE_CHECKING:
    from redipy.debug.lua import LuaDebugger


@dataclass(frozen=True)
class Command:
    """One ldb command as Valkey declares it: the name, how many letters may stand for
    it (0: only the full name), its parameters and its help text (None: not listed)."""

    name: str
    prefix: int
    params: tuple[str, ...] = ()
    desc: str | None = None

    def accepts(self, nargs: int) -> bool:
        """``checkCommandParameters``: optional ``[x]``, mandatory ``<x>``, ``<x>``
        variadic (eval and valkey take the rest of the line)."""
        variadic = any(p.startswith("<") for p in self.params)
        if variadic:
            return nargs > 0
        return nargs <= len(self.params)


COMMANDS = (
    Command("help", 1, (), "Show this help."),
    Command("maxlen", 3, ("[len]",), "Trim logged replies to len. Specifying zero as <len> "
            "means unlimited. If no <len> is specified, the current value is shown. "
            "Usage: maxlen [len]"),
    Command("step", 1, (), "Run current line and stop again."),
    Command("next", 1, (), "Alias for step."),
    Command("continue", 1, (), "Run till next breakpoint."),
    Command("list", 1, ("[line]", "[ctx]"), "List source code around a specific line. If "
            "no line is specified the list is printed around the current line. [ctx] "
            "specifies how many lines to show before/after [line]."),
    Command("whole", 1, (), "List all source code. Alias for 'list 1 1000000'."),
    Command("print", 1, ("[var]",), "Show the value of the specified variable [var]. Can "
            "also show global vars KEYS and ARGV. If no [var] is specidied, shows the "
            "value of all local variables."),
    Command("break", 1, ("[line|-line]",), "Add/Remove a breakpoint to the specified line. "
            "If no [line] is specified, it shows all breakpoints. When line = 0, it "
            "removes all breakpoints."),
    Command("trace", 1, (), "Show a backtrace."),
    Command("eval", 1, ("<code>",), "Execute some Lua code (in a different callframe)."),
    Command("valkey", 1, ("<cmd>",), "Execute a command."),
    Command("redis", 1, ("<cmd>",)),
    Command("server", 0, ("<cmd>",)),
    Command("abort", 1, (), "Stop the execution of the script. In sync mode dataset "
            "changes will be retained."),
)

UNKNOWN = "<error> Unknown debugger command or wrong number of arguments."
_NAME_WIDTH, _LINE_WIDTH = 21, 70


def _wrap(text: str, width: int) -> list[str]:
    """Valkey's ``wrapText``: pieces of at most ``width`` characters, cut at the last
    space of a piece that is too long."""
    out = []
    while text:
        if len(text) <= width:
            out.append(text)
            break
        piece = text[:width]
        cut = piece.rfind(" ")
        out.append(piece[:cut] if cut >= 0 else piece)
        text = text[cut + 1:] if cut >= 0 else text[width:]
    return out


def help_lines() -> list[str]:
    """``help``: the title, then each listed command as ``printCommandHelp`` lays it out."""
    out = ["LUA debugger help:"]
    for cmd in COMMANDS:
        if cmd.desc is None:
            continue
        head = f"[{cmd.name[:cmd.prefix]}]{cmd.name[cmd.prefix:]}" \
            if 0 < cmd.prefix < len(cmd.name) else cmd.name
        head += "".join(" " + p for p in cmd.params)
        head = head.ljust(_NAME_WIDTH - 1) + " "
        lines = _wrap(cmd.desc, _LINE_WIDTH - _NAME_WIDTH)
        if len(head) > _NAME_WIDTH:
            out.append(head)
            out.extend(" " * _NAME_WIDTH + line for line in lines)
            continue
        out.append(head + lines[0])
        out.extend(" " * _NAME_WIDTH + line for line in lines[1:])
    return out


def find(word: str, nargs: int) -> Command | None:
    """The command a typed word names (its full name, or exactly its prefix letters,
    in any case) that takes ``nargs`` arguments."""
    low = word.lower()
    for cmd in COMMANDS:
        named = low == cmd.name or (cmd.prefix and len(low) == cmd.prefix
                                    and cmd.name.startswith(low))
        if named and cmd.accepts(nargs):
            return cmd
    return None


# ---- values and replies as Valkey's ldb prints them ------------------------------------------


class LuaRef(str):
    """A function, userdata or thread as ldb names it (``function@0x...``)."""

    __slots__ = ()


class TooDeep:
    """A value nested deeper than ldb prints (``LDB_MAX_VALUES_DEPTH``)."""

    __slots__ = ()


TOO_DEEP = TooDeep()


def valkey_value(value: Any) -> str:
    """``ldbCatStackValueRec``: strings raw, numbers ``%g``, arrays ``{a; b; }``, other
    tables ``{[k]=v; }``, functions `` "function@0x..."``."""
    if value is None:
        return "nil"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, LuaRef):
        return f' "{value}"'
    if isinstance(value, str):
        return value
    if isinstance(value, int | float):
        return f"{float(value):g}"
    if isinstance(value, list):
        return "{" + "".join(valkey_value(v) + "; " for v in value) + "}"
    if isinstance(value, dict):
        return "{" + "".join(f"[{valkey_value(k)}]={valkey_value(v)}; "
                             for k, v in value.items()) + "}"
    if isinstance(value, TooDeep):
        return "<max recursion level reached! Nested table?>"
    return repr(value)


_REPR = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t",
         "\a": "\\a", "\b": "\\b"}


def repr_text(text: str) -> str:
    """``sdscatrepr``: quoted, with C escapes and ``\\xHH`` for other control bytes."""
    out = ['"']
    for char in text:
        esc = _REPR.get(char)
        if esc is not None:
            out.append(esc)
        elif " " <= char <= "~":
            out.append(char)
        else:  # a byte outside printable ASCII, as C's isprint sees it
            out.extend(f"\\x{b:02x}" for b in char.encode("utf-8", "surrogateescape"))
    out.append('"')
    return "".join(out)


def resp_human(reply: Any, resp: int = 2) -> str:
    """``debugScriptRespToHuman``: a command's reply as ``<reply>`` shows it."""
    if reply is None:
        return "(null)" if resp == 3 else "NULL"
    if isinstance(reply, Status):
        return repr_text("+" + str(reply))
    if isinstance(reply, BaseException):
        return repr_text("-" + str(reply))
    if resp == 3 and isinstance(reply, Bool | bool):
        return "#true" if reply else "#false"
    if resp == 3 and isinstance(reply, Double | float):
        return f"(double) {reply}"
    if isinstance(reply, bool):
        return str(int(reply))
    if isinstance(reply, int):
        return str(reply)
    if resp == 3 and isinstance(reply, Map):
        return "{" + ",".join(f"{resp_human(reply[i], resp)} => "
                              f"{resp_human(reply[i + 1], resp)}"
                              for i in range(0, len(reply), 2)) + "}"
    if resp == 3 and isinstance(reply, SetReply):
        return "~(" + ",".join(resp_human(r, resp) for r in reply) + ")"
    if isinstance(reply, list):
        return "[" + ",".join(resp_human(r, resp) for r in reply) + "]"
    return repr_text(str(reply))


def command_head(words: list[str]) -> str:
    """``<command> name args``, the first ten words and then how many more (Valkey
    counts one fewer than there are: its own off-by-one, kept)."""
    head = "<command>"
    for i, word in enumerate(words):
        if i == 10:
            return f"{head} ... ({len(words) - i - 1} more)"
        head += " " + word
    return head


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
    """What ldb logs for a ``redis.call``: the lines the call event carries."""
    return list(event.log)


def session_end(dbg: LuaDebugger) -> str:
    if dbg.sync:  # redis-cli's words in sync mode: the changes stay
        return "(Lua debugging session ended)"
    return "(Lua debugging session ended -- dataset changes rolled back)"


def end_lines(dbg: LuaDebugger) -> list[str]:
    """How the run ended: its reply (or error), then what happened to the data."""
    result = dbg.result
    if result is None:
        return [session_end(dbg)]
    if result.error is not None:
        first = f"<error> {result.error}"
    else:
        first = f"<reply> {resp_human(result.value)}"
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


_LL = re.compile(r"0|-?[1-9][0-9]*")


def _break(dbg: LuaDebugger, args: list[str]) -> list[str]:
    if not args:
        points = dbg.breakpoints
        if not points:
            return ["No breakpoints set. Use 'b <line>' to add one."]
        return [f"{len(points)} breakpoints set:",
                *(source_line(dbg, (n, dbg.lines[n - 1])) for n in points)]
    arg = args[0]
    if not _LL.fullmatch(arg):  # string2ll: digits only, no leading zeros or '+'
        return [f"Invalid argument:'{arg}'"]
    num = int(arg)
    try:
        dbg.break_at(num)
    except ValueError as err:
        return [str(err)]
    if num == 0:
        return ["All breakpoints removed."]
    if num < 0:
        return ["Breakpoint removed."]
    return _listing(dbg, dbg.list(num, 1))


def _atoi(text: str) -> int:
    number = re.match(r"\s*[+-]?\d+", text)
    return int(number.group(0)) if number else 0


def _list(dbg: LuaDebugger, args: list[str]) -> list[str]:
    around = dbg.current.lua_line if dbg.current is not None else -1
    if args and _atoi(args[0]) > 0:
        around = _atoi(args[0])
    ctx = _atoi(args[1]) if len(args) > 1 else 5
    return [source_line(dbg, (num, text)) for num, text in enumerate(dbg.lines, 1)
            if abs(around - num) <= ctx]


class EvalCompileError(ValueError):
    """ldb's ``eval`` got code that does not compile (as an expression or a chunk)."""


def _eval(dbg: LuaDebugger, rest: str) -> list[str]:
    try:
        return [f"<retval> {valkey_value(dbg.eval(rest))}"]
    except EvalCompileError as err:
        return [f"Error compiling code: {err}"]
    except ValueError as err:
        return [f"<error> {err}"]


def _maxlen(dbg: LuaDebugger, args: list[str]) -> list[str]:
    if not args:
        return [f"Current maxlen is {dbg.maxlen}"]
    if not _LL.fullmatch(args[0]) or args[0].startswith("-"):
        return ["<error> Invalid maxlen value."]
    new = int(args[0])
    dbg.maxlen_hint_sent = True  # the user knows about the command now
    dbg.maxlen = 60 if 0 < new <= 60 else new
    if not dbg.maxlen:
        return ["<value> replies are not truncated."]
    return [f"<value> replies are truncated at {dbg.maxlen} bytes."]


def execute(dbg: LuaDebugger, line: str, *, ending: bool = True) -> list[str]:
    """One ldb command line; the text to print (newlines inside a line become spaces,
    as Valkey sends each line as a simple string). ``ending=False`` leaves out how the
    run ended (the shell prints the reply as redis-cli does)."""
    text = line.strip()
    if not text:
        return []
    word, _, rest = text.partition(" ")
    args = rest.split()
    if word.lower() == "restart":  # redis-cli's own command, not the server's
        dbg.restart()
        return ["(script restarted; use 'step' or 'continue')"]
    cmd = find(word, len(args))
    if cmd is None:
        return [UNKNOWN]
    if cmd.name == "help":
        return help_lines()
    if cmd.name == "maxlen":
        return _maxlen(dbg, args)
    out = trimmed(dbg, _command(dbg, cmd.name, rest, args, ending))
    return [o.replace("\r", " ").replace("\n", " ") for o in out]


def _command(dbg: LuaDebugger, cmd: str, rest: str, args: list[str],
             ending: bool) -> list[str]:
    if cmd in ("step", "next"):
        return _step(dbg, ending)
    if cmd == "continue":
        return _continue(dbg, ending)
    if cmd == "break":
        return _break(dbg, args)
    if cmd == "list":
        return _list(dbg, args)
    if cmd == "whole":
        return _listing(dbg, dbg.whole())
    if cmd == "print":
        return print_lines(dbg, args, show=valkey_value)
    if cmd == "trace":
        return dbg.trace()
    if cmd == "eval":
        return _eval(dbg, " ".join(args))
    if cmd in ("valkey", "redis", "server"):
        return dbg.ldb_command(rest)
    if dbg.finished:  # abort
        return ["<error> the script has finished"]
    dbg.abort()
    return end_lines(dbg) if ending else []
