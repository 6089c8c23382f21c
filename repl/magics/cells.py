"""A ``%%redipy`` cell as commands: redis-cli's syntax plus whole-argument variables.

Each line is one command, split exactly as redis-cli splits it
(:mod:`redipy.repl.parse`); a line ending in ``\\`` continues on the next, a line
starting with ``#`` is a comment, and redis-cli's ``N command`` repeat prefix works.

Python values enter as whole arguments, never by pasting text into the line:

* ``$name`` (unquoted) is one argument: a ``str`` as it is, ``bytes`` decoded, an
  ``int``/``float`` as redis-py sends it;
* ``$*name`` spreads a list, tuple or set into one argument per item, and a dict into
  ``field value`` pairs (what HSET and MSET take);
* anything else stays literal: ``'$name'`` or ``"$name"`` (quoted), ``user:$id``
  (part of a word) and ``user:{42}`` reach Redis exactly as typed.
"""

from __future__ import annotations

import numbers
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from redipy.repl.magics.errors import MagicError
from redipy.repl.parse import ArgsError, split_repeat, tokenize

VARIABLE = re.compile(r"\$(\*?)([A-Za-z_][A-Za-z0-9_]*)")
PAIR_VARIABLE = re.compile(r"([A-Za-z_][A-Za-z0-9_.-]*)=\$([A-Za-z_][A-Za-z0-9_]*)")

Lookup = Callable[[str], Any]
"""Name -> the Python value it holds; raises :class:`MagicError` when there is none."""


@dataclass
class Command:
    """One command of a cell: its arguments, how often to run it, where it was typed."""

    argv: list[str]
    repeat: int
    line: int
    """The line where the command starts (see :func:`logical_lines`)."""


def lookup_in(namespace: Mapping[str, Any]) -> Lookup:
    """A :data:`Lookup` over a namespace (the notebook's variables)."""
    def lookup(name: str) -> Any:
        try:
            return namespace[name]
        except KeyError:
            raise MagicError(f"${name}: no variable named {name!r}") from None
    return lookup


def as_arg(value: Any, name: str) -> str:
    """One Python value as the argument Redis receives."""
    if isinstance(value, str):
        return str(value)
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value).decode("utf-8", "surrogateescape")
    if isinstance(value, bool):
        raise MagicError(f"${name} is a bool: Redis takes str, bytes, int or float "
                         f"(write 1/0 or a string)")
    if isinstance(value, numbers.Integral):
        return str(int(value))
    if isinstance(value, numbers.Real):
        return repr(float(value))
    if isinstance(value, Mapping | list | tuple | set | frozenset):
        raise MagicError(f"${name} is a {type(value).__name__}: "
                         f"use $*{name} to pass its items as arguments")
    raise MagicError(f"${name} is a {type(value).__name__}: "
                     f"Redis takes str, bytes, int or float")


def spread(value: Any, name: str) -> list[str]:
    """``$*name``: the items of a collection as arguments (a dict as field, value pairs)."""
    items: Iterable[Any]
    if isinstance(value, Mapping):
        items = [part for pair in value.items() for part in pair]
    elif isinstance(value, list | tuple | set | frozenset | range):
        items = value
    else:
        raise MagicError(f"$*{name} is a {type(value).__name__}: "
                         "$* takes a list, tuple, set or dict")
    return [as_arg(item, f"{name}[{i}]") for i, item in enumerate(items)]


def substitute(tokens: list[Any], lookup: Lookup) -> list[str]:
    """The arguments of ``tokens`` with every unquoted ``$name`` / ``$*name`` replaced."""
    argv: list[str] = []
    for tok in tokens:
        match = None if tok.quote else VARIABLE.fullmatch(tok.value)
        if match is None:
            argv.append(tok.value)
        elif match.group(1):
            argv += spread(lookup(match.group(2)), match.group(2))
        else:
            argv.append(as_arg(lookup(match.group(2)), match.group(2)))
    return argv


def logical_lines(text: str, first: int = 1) -> list[tuple[int, str]]:
    """``(line number, text)`` per command: continuations joined, comments and blanks gone.

    Lines are numbered from ``first`` (2 in a notebook cell, below ``%%redipy``)."""
    out: list[tuple[int, str]] = []
    pending = ""
    start = 0
    for number, raw in enumerate(text.split("\n"), first):
        line = raw.rstrip("\r")
        if not pending:
            start = number
            if not line.strip() or line.lstrip().startswith("#"):
                continue
        if line.endswith("\\"):
            pending += line[:-1]
            continue
        out.append((start, pending + line))
        pending = ""
    if pending.strip():
        out.append((start, pending))
    return out


def parse_cell(text: str, lookup: Lookup, first: int = 1) -> list[Command]:
    """Every command of a cell, variables substituted; nothing runs here."""
    commands: list[Command] = []
    for number, line in logical_lines(text, first):
        try:
            tokens = tokenize(line)
            count, rest = split_repeat([tok.value for tok in tokens])
        except ArgsError as err:
            raise MagicError(f"line {number}: {err}") from None
        if count != 1 or len(rest) != len(tokens):
            tokens = tokens[1:]
        argv = substitute(tokens, lookup)
        if not argv:
            raise MagicError(f"line {number}: $*... gave no command")
        commands.append(Command(argv, count, number))
    return commands


def split_words(line: str, lookup: Lookup) -> list[str | Bound]:
    """A line magic's words (redis-cli quoting); unquoted ``$name`` and ``field=$name``
    give the value itself.

    Values stay Python objects here, so ``arg=$limits`` can hand a list to a script;
    the caller turns them into text where text is needed.
    """
    try:
        tokens = tokenize(line)
    except ArgsError as err:
        raise MagicError(str(err)) from None
    words: list[str | Bound] = []
    for tok in tokens:
        match = None if tok.quote else VARIABLE.fullmatch(tok.value)
        pair = None if tok.quote else PAIR_VARIABLE.fullmatch(tok.value)
        if match is not None and not match.group(1):
            words.append(Bound(match.group(2), lookup(match.group(2))))
        elif pair is not None:
            words.append(Bound(pair.group(2), lookup(pair.group(2)), field=pair.group(1)))
        else:
            words.append(tok.value)
    return words


@dataclass(frozen=True)
class Bound:
    """A ``$name`` (or ``field=$name``) word of a line magic: the variable and its value."""

    name: str
    value: Any
    field: str = ""

    def text(self) -> str:
        """The value where the magic needs text (a URL, a file name, a key)."""
        if isinstance(self.value, str):
            return self.value
        if hasattr(self.value, "__fspath__"):
            return str(self.value.__fspath__())
        return as_arg(self.value, self.name)
