"""The shell's core: run one line of input and print the reply.

Independent of prompt_toolkit: the interactive loop, ``-c``, piped stdin and the
tests all go through :meth:`Shell.run_text`. Output goes to ``out`` in one of
three modes: ``text`` (redis-cli's terminal format, rich tables when ``tables``),
``raw`` and ``json``.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Sequence
from typing import IO, Any

from redipy.repl import lualex, render, stream
from redipy.repl.parse import META_PREFIX, ArgsError, join_lines, split_args, split_repeat
from redipy.repl.session import Session

from redipy.errors import ConfigError
from redipy.reply import QUEUED


class Shell:
    """Runs lines against a :class:`Session` and writes the replies."""

    def __init__(self, session: Session, *, mode: str = "text", tables: bool = False,
                 color: bool = False, out: IO[str] | None = None) -> None:
        self.session = session
        self.mode = mode
        self.tables = tables
        self.color = color
        self.out: IO[str] = out if out is not None else sys.stdout
        self.failed = False
        self.resp3 = False
        """-3: show replies in their RESP3 form (a server speaks it; memory's reply
        markers are shown as RESP3 would send them)."""
        self.interactive = False
        """At the prompt: a command that took 0.5 s or more is followed by ``(2.00s)``."""
        self._console: Any = None

    # ---- output ------------------------------------------------------------------------

    def echo(self, text: str) -> None:
        self.out.write(text + "\n")
        self.out.flush()

    def console(self) -> Any:
        if self._console is None:
            from rich.console import Console

            self._console = Console(file=self.out, force_terminal=self.color,
                                    highlight=False, soft_wrap=False)
        return self._console

    def show(self, reply: Any, argv: Sequence[str] | None, took: float | None = None) -> None:
        """Print a reply in the shell's mode (plus the time taken with ``:timing on``)."""
        if isinstance(reply, BaseException):
            self.failed = True
        if self.resp3 and self.session.wire is None:
            reply = render.resp3_view(reply)
        if isinstance(reply, str) and render.shown_verbatim(argv):
            self.out.write(reply)  # INFO, CLIENT LIST, ...: redis-cli prints them as is
            self.out.flush()
            return
        table = render.to_rich(reply, argv) if self.tables and self.mode == "text" else None
        if table is not None:
            self.console().print(table)
        else:
            self.echo(render.render(reply, self.mode, argv))
        if took is not None and self.session.timing:
            self.echo(f"({took * 1000:.3f} ms)")

    def show_error(self, err: BaseException) -> None:
        """One line for any failure: never a traceback."""
        self.failed = True
        if self.mode == "text":
            self.echo(f"(error) {render.error_text(err)}")
        else:
            self.echo(render.render(err, self.mode))

    def show_code(self, code: str, lexer: str) -> None:
        """Source code, highlighted on a terminal."""
        if self.color:
            from rich.syntax import Syntax

            self.console().print(Syntax(code, lexer, theme="monokai", word_wrap=True))
        else:
            self.echo(code.rstrip("\n"))

    # ---- input ------------------------------------------------------------------------

    def run_text(self, text: str) -> bool:
        """Run everything typed at one prompt; False when the shell should exit."""
        for line in join_lines(text):
            if not self.run_line(line):
                return False
        return True

    def run_line(self, line: str) -> bool:
        """Run one logical line; False when the shell should exit."""
        stripped = line.strip()
        if not stripped:
            return True
        if stripped.startswith(META_PREFIX):
            from redipy.repl import meta  # the shell's own commands, only when typed

            try:
                meta.run_meta(self, stripped)
            except meta.QuitShell:
                return False
            return True
        try:
            count, argv = split_repeat(split_args(line))
        except ArgsError as err:
            self.echo(str(err))
            self.failed = True
            return True
        return self.run_argv(argv, count)

    def run_argv(self, argv: list[str], count: int = 1, *, quiet: bool = False) -> bool:
        """Run a command given as arguments, ``count`` times; False when it says quit.
        ``quiet``: show only a failure (``-n DB``'s SELECT)."""
        name = argv[0].lower()
        if name in ("quit", "exit") and len(argv) == 1:
            return False
        if name == "help":
            from redipy.repl.toolbar import help_text  # and the catalog, only when asked

            self.echo(help_text(argv[1:], self.session.catalog))
            return True
        if name == "clear" and len(argv) == 1 and self.color:
            self.out.write("\x1b[H\x1b[2J")
            self.out.flush()
            return True
        try:
            argv = lualex.with_file(argv)  # EVAL @script.lua ..., SCRIPT LOAD @file
        except OSError as err:
            self.show_error(ConfigError(str(err)))
            return True
        if stream.streams(argv) and not self.session.in_tx:
            stream.run(self, argv)
            return True
        for _ in range(count):
            start = time.perf_counter()
            try:
                reply = self.session.execute(argv)
            except KeyboardInterrupt:
                self.echo("(interrupted)")
                return True
            except Exception as err:
                reply = err
            if self.session.in_tx and reply == "QUEUED" and type(reply) is str:
                reply = QUEUED  # inside MULTI every command answers +QUEUED
            self._track_transaction(argv[0].upper(), reply)
            if name == "hello" and len(argv) > 1 and not isinstance(reply, BaseException):
                self.resp3 = argv[1] == "3"  # replies from now on in RESP3's shapes
            took = time.perf_counter() - start
            if quiet and not isinstance(reply, BaseException):
                continue
            self.show(reply, argv, took)
            if self.interactive and took >= 0.5 and self.mode == "text":
                self.echo(f"({took:.2f}s)")  # redis-cli's note after a slow (blocking) call
        return True

    def _track_transaction(self, name: str, reply: Any) -> None:
        """Follow MULTI ... EXEC/DISCARD, for the prompt's ``(TX)`` marker."""
        if name == "MULTI" and not isinstance(reply, BaseException):
            self.session.in_tx = True
        elif name in ("EXEC", "DISCARD"):
            self.session.in_tx = False

    def prompt(self) -> str:
        """``memory> ``, ``127.0.0.1:6379> ``; ``(TX)`` inside MULTI, as redis-cli shows."""
        return f"{self.session.label}{'(TX)' if self.session.in_tx else ''}> "
