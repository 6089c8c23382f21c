"""The interactive prompt: prompt_toolkit assembled from the completer, the lexer,
the hint line, history and key bindings. Imported only for interactive use."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

from prompt_toolkit import PromptSession
from prompt_toolkit.auto_suggest import AutoSuggestFromHistory
from prompt_toolkit.formatted_text import StyleAndTextTuples
from prompt_toolkit.history import FileHistory, History, InMemoryHistory
from prompt_toolkit.key_binding import KeyBindings, KeyPressEvent
from prompt_toolkit.layout.processors import Processor, Transformation, TransformationInput
from prompt_toolkit.styles import Style
from redipy.repl.completer import RedisCompleter
from redipy.repl.lexer import STYLE, RedisLexer
from redipy.repl.shell import Shell
from redipy.repl.toolbar import arg_hint, hint

_SECRET_URL = re.compile(r"(\w+://[^/\s:@]*:)[^@\s/]+@")


def history_path() -> str | None:
    """``$REDIPY_HISTFILE`` (empty: no history file) or ``~/.redipy_history``."""
    env = os.environ.get("REDIPY_HISTFILE")
    if env is not None:
        return env or None
    return str(Path.home() / ".redipy_history")


def scrub(line: str) -> str | None:
    """What history keeps of a line: AUTH lines not at all, URL passwords masked."""
    words = line.split()
    if words and words[0].upper() == "AUTH":
        return None
    if len(words) > 1 and words[0].upper() == "HELLO" and "AUTH" in (w.upper() for w in words):
        return None
    return _SECRET_URL.sub(r"\1***@", line)


class SafeFileHistory(FileHistory):
    """A history file that never receives a password."""

    def store_string(self, string: str) -> None:
        kept = scrub(string)
        if kept is not None:
            super().store_string(kept)


class ArgHints(Processor):
    """Grey text after the cursor with the arguments still to type (as redis-cli shows)."""

    def apply_transformation(self, ti: TransformationInput) -> Transformation:
        doc = ti.document
        if ti.lineno != doc.line_count - 1 or not doc.is_cursor_at_the_end:
            return Transformation(fragments=ti.fragments)
        text = arg_hint(doc.text)
        if not text:
            return Transformation(fragments=ti.fragments)
        fragments: StyleAndTextTuples = [*ti.fragments, ("class:rp.hint", text)]
        return Transformation(fragments=fragments)


def key_bindings() -> KeyBindings:
    """Enter runs the input unless it ends in a backslash, which continues it."""
    kb = KeyBindings()

    @kb.add("enter")
    @kb.add("c-j")
    def _enter(event: KeyPressEvent) -> None:
        buf = event.current_buffer
        if buf.document.is_cursor_at_the_end and buf.text.endswith("\\"):
            buf.insert_text("\n")
        else:
            buf.validate_and_handle()

    return kb


def build_prompt(shell: Shell, *, input: Any = None, output: Any = None,
                 history: History | None = None) -> PromptSession[str]:
    """The PromptSession for ``shell`` (``input``/``output`` for tests)."""
    if history is None:
        path = history_path()
        history = SafeFileHistory(path) if path else InMemoryHistory()
    return PromptSession(
        message=shell.prompt,
        multiline=True,
        prompt_continuation=lambda width, line_number, wrap_count: "." * (width - 1) + " ",
        completer=RedisCompleter(shell.session),
        complete_in_thread=input is None,
        complete_while_typing=False,
        lexer=RedisLexer(),
        style=Style.from_dict(STYLE),
        include_default_pygments_style=False,
        bottom_toolbar=lambda: hint(session_text()),
        auto_suggest=AutoSuggestFromHistory(),
        input_processors=[ArgHints()],
        history=history,
        key_bindings=key_bindings(),
        enable_history_search=False,
        input=input,
        output=output,
    )


def session_text() -> str:
    """The text in the prompt being edited (for the hint line)."""
    from prompt_toolkit.application import get_app

    return get_app().current_buffer.text
