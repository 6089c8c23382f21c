"""A command's trailing options, read with the words its table entry's grammar lists.

A handler that takes ``[WORD value ...]`` options in any order (as servers parse them:
left to right, each word with its fixed number of arguments, anything else a syntax
error) asks :func:`option_reader` for a reader built from the command's syntax line
once, at import. Adding an option word is then an edit of the table; the handler only
gives its meaning. The reader yields in argument order, so a handler that checks a value
as it goes raises errors in the server's order (a bad value before a later unknown word).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence

from redipy.commands import COMMANDS
from redipy.commands.grammar import grammar, options
from redipy.errors import ResponseError

SYNTAX = "ERR syntax error"

OptionReader = Callable[[Sequence[str], int], Iterator[tuple[str, Sequence[str]]]]

READERS: dict[str, dict[str, int]] = {}
"""Every command whose handler reads its options from the grammar, with the words."""


def option_reader(name: str, *, skip: Sequence[str] = ()) -> OptionReader:
    """The option reader of command ``name``: ``reader(args, start)`` yields ``(WORD,
    values)`` for each option from ``args[start]`` on. ``skip``: words of the syntax
    line that the handler reads itself (for example a word that must come first)."""
    words = {word: count for word, count in options(grammar(COMMANDS[name])).items()
             if word not in skip}
    READERS[name] = words

    def read(args: Sequence[str], start: int) -> Iterator[tuple[str, Sequence[str]]]:
        i, argc = start, len(args)
        while i < argc:
            word = args[i].upper()
            count = words.get(word)
            if count is None or i + count >= argc:
                raise ResponseError(SYNTAX)
            yield word, args[i + 1:i + 1 + count]
            i += 1 + count

    return read
