"""``redipy-shell --eval FILE keys , args`` and ``--ldb`` / ``--ldb-sync-mode``, as redis-cli.

Without ``--ldb`` the file's body runs once as EVAL and its reply prints. With it, the
script steps in :class:`redipy.debug.lua.LuaDebugger` on the shell's backend: memory by
default (changes roll back; ``--ldb-sync-mode`` keeps them), or, with a server URL, a
scratch memory copy of the keys the script touches (nothing is ever written to the
server). The session reads ldb commands with redis-cli's prompt (``lua debugger> ``),
prints the reply as redis-cli prints it when the script ends, and then, as redis-cli,
sends what is typed to the backend as commands until ``quit``; ``restart`` debugs the
script again from the top.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

if TYPE_CHECKING:
    from redipy.repl.shell import Shell

PROMPT = "lua debugger> "
BANNER = """\
Lua debugging session started, please use:
quit    -- End the session.
restart -- Restart the script in debug mode again.
help    -- Show Lua script debugging commands.
"""


_COLORS = (("<debug>", 1, 37), ("<redis>", 0, 32), ("<command>", 0, 32), ("<reply>", 0, 36),
           ("<error>", 0, 31),
           ("<hint>", 1, 37), ("<value>", 0, 35), ("<retval>", 0, 35))


def colored(line: str) -> str:
    """An ldb line in redis-cli's colours (``sdsCatColorizedLdbReply``; valkey-cli's
    also paints Valkey's ``<command>``): calls green,
    replies cyan, values magenta, errors red, the current line yellow, breakpoints bold."""
    bold, color = 0, 37
    for tag, tag_bold, tag_color in _COLORS:
        if tag in line:
            bold, color = tag_bold, tag_color
    if len(line) > 4 and line[3].isdigit():
        if line[1] == ">":
            bold, color = 0, 33
        elif line[2] == "#":
            bold, color = 1, 37
    return f"\x1b[{bold};{color};49m{line}\x1b[0m"


def split_keys(words: Sequence[str]) -> tuple[list[str], list[str]]:
    """redis-cli's ``key1 key2 , arg1 arg2``: a lone comma splits keys from args."""
    keys: list[str] = []
    args: list[str] = []
    comma = False
    for word in words:
        if word == "," and not comma:
            comma = True
        elif comma:
            args.append(word)
        else:
            keys.append(word)
    return keys, args


def read_script(path: str) -> str:
    """The script's text; a missing file is one line, as redis-cli says it."""
    try:
        data = Path(path).expanduser().read_bytes()
    except OSError as err:
        raise OSError(f"Can't open file '{path}': {err.strerror}") from None
    return data.decode("utf-8", "surrogateescape")


def run_eval(shell: Shell, body: str, words: Sequence[str]) -> int:
    """``--eval`` alone: EVAL the body once; 1 when it failed."""
    keys, args = split_keys(words)
    shell.run_argv(["EVAL", body, str(len(keys)), *keys, *args])
    return 1 if shell.failed else 0


LDB_WORDS = ("step", "next", "continue", "list", "whole", "print", "break", "trace",
             "eval", "redis", "maxlen", "abort", "restart", "quit", "help")
"""ldb's command words, completed at the start of a line on a terminal."""


def _reader(stdin: IO[str], tty: bool) -> Callable[[], str]:
    """One line of input (EOFError at the end); on a terminal a line editor with
    redis-cli's prompt, the session's own history (up/down) and ldb's words completed,
    as redis-cli's linenoise gives ``--ldb``."""
    if tty:
        from prompt_toolkit import PromptSession
        from prompt_toolkit.completion import WordCompleter
        from prompt_toolkit.history import InMemoryHistory

        editor: PromptSession[str] = PromptSession(
            PROMPT, history=InMemoryHistory(), complete_while_typing=False,
            completer=WordCompleter(list(LDB_WORDS), sentence=True))
        return editor.prompt

    def read() -> str:
        line = stdin.readline()
        if not line:
            raise EOFError
        return line.rstrip("\r\n")

    return read


class LdbSession:
    """One ``--ldb`` session: debug, show the reply, then plain commands."""

    def __init__(self, shell: Shell, body: str, words: Sequence[str], sync: bool) -> None:
        from redipy.debug.lua import LuaDebugger

        self.shell = shell
        keys, args = split_keys(words)
        session = shell.session
        db = session.memory_conn().db_index if session.kind == "memory" else 0
        self.debugger = LuaDebugger(session.client, body, keys, args, sync=sync, db=db)

    def start(self) -> None:
        self.shell.echo(BANNER)
        self.show(self._execute("s"))

    def _execute(self, line: str) -> list[str]:
        from redipy.debug.luatext import execute

        return execute(self.debugger, line, ending=False)

    def show(self, lines: list[str]) -> None:
        for line in lines:
            self.shell.echo(colored(line) if self.shell.color else line)
        if self.debugger.finished:
            self.ended()

    def ended(self) -> None:
        """redis-cli's end of a session: a blank line, the reply, the session's end."""
        from redipy.debug.luatext import session_end
        from redipy.errors import response_error

        result = self.debugger.result
        shell = self.shell
        shell.echo("")
        if result is not None and result.error is not None:
            shell.show_error(result.exception or response_error(result.error))
        elif result is not None:
            shell.show(result.value, ["EVAL"])
        shell.echo("")
        shell.echo(session_end(self.debugger))
        shell.echo("")

    def loop(self, read: Callable[[], str], *, leave_at_end: bool = False) -> None:
        """Read ldb commands until ``quit`` or the end of input; after the script ends,
        typed lines are commands (``leave_at_end``: the loop ends with the script)."""
        dbg = self.debugger
        while not (leave_at_end and dbg.finished):
            try:
                line = read()
            except (EOFError, KeyboardInterrupt):
                break
            word = line.strip().lower()
            if word in ("quit", "exit", "q"):
                break
            if word == "restart":
                dbg.restart()
                self.start()
                continue
            if dbg.finished:
                self.shell.run_line(line)  # after the session: commands, as redis-cli
                continue
            try:
                self.show(self._execute(line))
            except Exception as err:  # e.g. a script that stopped answering
                self.shell.show_error(err)
                break
        if not dbg.finished:
            dbg.abort()


def run_ldb(shell: Shell, body: str, opts: Any, stdin: IO[str], tty: bool) -> int:
    """``--ldb --eval FILE ...``: a debugging session on the shell's backend."""
    from redipy.errors import ResponseError

    sync = bool(opts.ldb_sync)
    if sync and shell.session.kind != "memory":
        print("redipy-shell: --ldb-sync-mode needs the memory backend: the debugger never "
              "writes to a server (--ldb steps on a copy of the keys the script touches)",
              file=sys.stderr)
        return 1
    if opts.mode is None:
        shell.mode = "text"  # redis-cli shows the reply in its terminal format here
        shell.tables = False
    try:
        session = LdbSession(shell, body, opts.argv, sync)
    except ResponseError as err:
        shell.show_error(err)
        return 1
    session.start()
    session.loop(_reader(stdin, tty))
    shell.failed = False  # errors typed in a session are not the shell's failure
    return 0
