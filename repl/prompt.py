"""The interactive prompt: prompt_toolkit assembled from the completer, the lexer,
the hint line, history and key bindings. Imported only for interactive use."""

from __future__ import annotations

from typing import Any

from prompt_toolkit import PromptSession
from prompt_toolkit.auto_suggest import AutoSuggestFromHistory
from prompt_toolkit.completion import Completer, DynamicCompleter
from prompt_toolkit.formatted_text import StyleAndTextTuples
from prompt_toolkit.history import FileHistory, History, InMemoryHistory
from prompt_toolkit.key_binding import KeyBindings, KeyPressEvent
from prompt_toolkit.layout.processors import Processor, Transformation, TransformationInput
from prompt_toolkit.styles import Style
from redipy.repl.history import history_path, private_file, scrub
from redipy.repl.lexer import STYLE, RedisLexer
from redipy.repl.shell import Shell
from redipy.repl.toolbar import arg_hint, hint


class SafeFileHistory(FileHistory):
    """A history file (mode 0600) that never receives a password."""

    def __init__(self, filename: str) -> None:
        private_file(filename)
        super().__init__(filename)

    def store_string(self, string: str) -> None:
        kept = scrub(string)
        if kept is not None:
            super().store_string(kept)


class ArgHints(Processor):
    """Grey text after the cursor with the arguments still to type (as redis-cli shows)."""

    def __init__(self, session: Any = None) -> None:
        self.session = session

    def apply_transformation(self, ti: TransformationInput) -> Transformation:
        doc = ti.document
        if ti.lineno != doc.line_count - 1 or not doc.is_cursor_at_the_end:
            return Transformation(fragments=ti.fragments)
        text = arg_hint(doc.text, *([self.session.catalog] if self.session else []))
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


def lazy_completer(session: Any) -> DynamicCompleter:
    """:class:`redipy.repl.completer.RedisCompleter`, built on the first Tab: it and the
    command grammar it parses with need not load before the prompt is drawn."""
    made: list[Completer] = []

    def get() -> Completer:
        if not made:
            from redipy.repl.completer import RedisCompleter

            made.append(RedisCompleter(session))
        return made[0]

    return DynamicCompleter(get)


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
        completer=lazy_completer(shell.session),
        complete_in_thread=input is None,
        complete_while_typing=False,
        lexer=RedisLexer(),
        style=Style.from_dict(STYLE),
        include_default_pygments_style=False,
        bottom_toolbar=lambda: hint(session_text(), shell.session.catalog),
        auto_suggest=AutoSuggestFromHistory(),
        input_processors=[ArgHints(shell.session)],
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
