"""Syntax highlighting of the input line: command name, keywords, strings, numbers.

:func:`lex_line` is a pure function returning ``(style class, text)`` fragments that
cover the line exactly; :class:`RedisLexer` feeds it to prompt_toolkit.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from prompt_toolkit.document import Document
from prompt_toolkit.formatted_text import StyleAndTextTuples
from prompt_toolkit.lexers import Lexer
from redipy.repl import meta
from redipy.repl.lualex import STYLE as LUA_STYLE
from redipy.repl.lualex import lua_fragments, script_index
from redipy.repl.parse import tokenize
from redipy.repl.toolbar import resolve

from redipy.commands import COMMANDS

_NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?|[+-]?inf")
_LOCAL = {"HELP", "QUIT", "EXIT", "CLEAR"}

STYLE = {
    "rp.command": "bold ansicyan",
    "rp.unknown": "ansired",
    "rp.meta": "bold ansimagenta",
    "rp.keyword": "ansiyellow",
    "rp.string": "ansigreen",
    "rp.number": "ansiblue",
    "rp.repeat": "ansibrightblack",
    "rp.hint": "ansibrightblack",
    "bottom-toolbar": "noreverse bg:#303030 #d0d0d0",
    **LUA_STYLE,
}


def lex_line(line: str, *, continued: bool = False) -> list[tuple[str, str]]:
    """Fragments for one line; ``continued`` lines (after a backslash) hold only arguments."""
    tokens = tokenize(line, lenient=True)
    words = [t.value for t in tokens]
    offset = 0
    if not continued and len(words) > 1 and re.fullmatch(r"[+-]?[0-9]+", words[0]):
        offset = 1
    spec, used = (None, 0) if continued else resolve(words[offset:])
    keywords = set(spec.keywords) if spec else set()
    out: list[tuple[str, str]] = []
    pos = 0
    lua_at = None if continued else script_index(words[offset:])
    for index, tok in enumerate(tokens):
        if tok.start > pos:
            out.append(("", line[pos:tok.start]))
        text = line[tok.start:tok.end]
        cmd_pos = index - offset
        if cmd_pos == lua_at:
            out.extend(lua_fragments(text, tok.quote, tok.closed))
            pos = tok.end
            continue
        if continued:
            style = ""
        elif index < offset:
            style = "class:rp.repeat"
        elif cmd_pos == 0 and tok.value.startswith(meta.PREFIX) and not tok.quote:
            style = "class:rp.meta"
        elif cmd_pos == 0:
            known = tok.value.upper() in COMMANDS or tok.value.upper() in _LOCAL or any(
                name.startswith(tok.value.upper() + " ") for name in COMMANDS)
            style = "class:rp.command" if known else "class:rp.unknown"
        elif cmd_pos < used:
            style = "class:rp.command"
        else:
            style = ""
        if not style or continued:
            if tok.quote:
                style = "class:rp.string"
            elif tok.value.upper() in keywords:
                style = "class:rp.keyword"
            elif _NUMBER.fullmatch(tok.value):
                style = "class:rp.number"
        out.append((style, text))
        pos = tok.end
    if pos < len(line):
        out.append(("", line[pos:]))
    return out


class RedisLexer(Lexer):
    """prompt_toolkit lexer over :func:`lex_line`, aware of backslash continuations."""

    def lex_document(self, document: Document) -> Callable[[int], StyleAndTextTuples]:
        lines = document.lines

        def get_line(number: int) -> StyleAndTextTuples:
            if number >= len(lines):
                return []
            continued = number > 0 and lines[number - 1].endswith("\\")
            return list(lex_line(lines[number], continued=continued))

        return get_line
