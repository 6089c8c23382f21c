"""A command's argument grammar as data, read from the syntax line of its table entry.

The syntax lines follow Redis's documentation conventions (``[optional]``, ``a | b``
alternatives, ``<a | b>`` a required choice, ``x [x ...]`` one or more, upper-case
literal tokens, lower-case values), so one parse gives every reader the same grammar:
the shell's completion asks :func:`next_words` which tokens may follow what was typed,
the parity generators draw from it, and a test checks it against the structure of each
server's ``COMMAND DOCS`` arguments.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from redipy.commands.spec import CommandSpec


@dataclass(frozen=True)
class Token:
    """A literal word (``NX``, ``WITHSCORES``, ``*``), matched without regard to case."""

    text: str


@dataclass(frozen=True)
class Value:
    """One argument of the user's choice (``key``, ``seconds``)."""

    name: str


@dataclass(frozen=True)
class Seq:
    items: tuple[Node, ...]


@dataclass(frozen=True)
class OneOf:
    choices: tuple[Node, ...]


@dataclass(frozen=True)
class Optional:
    node: Node


@dataclass(frozen=True)
class Repeat:
    """One or more of ``node`` (the ``x [x ...]`` of a syntax line)."""

    node: Node


Node = Token | Value | Seq | OneOf | Optional | Repeat

_LEX = re.compile(r"\.\.\.|[^\s\[\]<>|]+(?:\|[^\s\[\]<>|]+)+|[\[\]<>|]|[^\s\[\]<>|]+")
"""``...``, a word with alternatives inside it (``LEFT|RIGHT``, ``*|id``), a bracket or
bar, a plain word."""


def _is_token(word: str) -> bool:
    return (word.upper() == word and any(c.isalpha() for c in word)) or word in "*$=~+-"


def _word(word: str) -> Node:
    if "|" in word and len(word) > 1:
        return OneOf(tuple(_word(part) for part in word.split("|")))
    return Token(word) if _is_token(word) else Value(word)


class _Parser:
    def __init__(self, text: str) -> None:
        self.words: list[str] = _LEX.findall(text)
        self.pos = 0

    def peek(self) -> str | None:
        return self.words[self.pos] if self.pos < len(self.words) else None

    def take(self) -> str:
        word = self.words[self.pos]
        self.pos += 1
        return word

    def choice(self, closer: str | None) -> Node:
        alts = [self.seq(closer)]
        while self.peek() == "|":
            self.take()
            alts.append(self.seq(closer))
        return alts[0] if len(alts) == 1 else OneOf(tuple(alts))

    def seq(self, closer: str | None) -> Node:
        items: list[Node] = []
        while (word := self.peek()) is not None and word not in ("|", closer):
            if word == "[":
                self.take()
                inner = self.choice("]")
                self.expect("]")
                if _repeats(inner, items):
                    items[-_size(inner):] = [Repeat(_unwrap(inner))]
                elif _unwrap(inner) != inner:  # "[x ...]" alone: zero or more
                    items.append(Optional(Repeat(_unwrap(inner))))
                else:
                    items.append(Optional(inner))
            elif word == "<":
                self.take()
                inner = self.choice(">")
                self.expect(">")
                items.append(inner)
            elif word == "...":
                self.take()  # only inside "[x ...]", handled by _repeats
                items.append(Token("..."))
            else:
                self.take()
                items.append(_word(word))
        return items[0] if len(items) == 1 else Seq(tuple(items))

    def expect(self, word: str) -> None:
        if self.peek() != word:
            raise ValueError(f"expected {word!r} at word {self.pos} of {' '.join(self.words)}")
        self.take()


def _unwrap(node: Node) -> Node:
    """``x ...`` (the inside of ``[x ...]``) without its ``...``."""
    if isinstance(node, Seq) and node.items and node.items[-1] == Token("..."):
        rest = node.items[:-1]
        return rest[0] if len(rest) == 1 else Seq(rest)
    return node


def _size(node: Node) -> int:
    inner = _unwrap(node)
    return len(inner.items) if isinstance(inner, Seq) else 1


def _repeats(inner: Node, before: list[Node]) -> bool:
    """``[x ...]`` right after ``x``: the preceding words are the repeated part."""
    if _unwrap(inner) == inner:
        return False
    part = _unwrap(inner)
    size = _size(inner)
    prev = before[-size:] if size <= len(before) else None
    if prev is None:
        return False
    return (Seq(tuple(prev)) if size > 1 else prev[0]) == part


@cache
def parse(syntax: str) -> Node:
    """The grammar of a syntax line, without the command name (and, for a container such
    as ``SCRIPT LOAD script | SCRIPT EXISTS ...``, a choice between its subcommands)."""
    parser = _Parser(syntax)
    node = parser.choice(None)
    if parser.peek() is not None:
        raise ValueError(f"unparsed rest of {syntax!r}")
    name = Token(syntax.split(None, 1)[0])
    if isinstance(node, OneOf):  # a container: each form may repeat the command's name
        return OneOf(tuple(_drop(alt, name) for alt in node.choices))
    return _drop(node, name)


def _drop(node: Node, name: Token) -> Node:
    """``node`` without a leading command name (subcommand names stay)."""
    if node == name:
        return Seq(())
    if isinstance(node, Seq) and node.items and node.items[0] == name:
        rest = node.items[1:]
        return rest[0] if len(rest) == 1 else Seq(rest)
    return node


def grammar(spec: CommandSpec) -> Node:
    """The argument grammar of a command of the table."""
    return parse(spec.syntax)


def tokens(node: Node) -> set[str]:
    """Every literal word of a grammar."""
    if isinstance(node, Token):
        return {node.text}
    if isinstance(node, Value):
        return set()
    if isinstance(node, Seq):
        return set().union(*(tokens(n) for n in node.items))
    if isinstance(node, OneOf):
        return set().union(*(tokens(n) for n in node.choices))
    return tokens(node.node)


def render(node: Node, *, values: bool = True) -> str:
    """The grammar back as a syntax line (``values=False`` writes every value as ``_``,
    to compare structure with a server's documentation whatever the names)."""
    if isinstance(node, Token):
        return node.text
    if isinstance(node, Value):
        return node.name if values else "_"
    if isinstance(node, Seq):
        return " ".join(f"<{render(n, values=values)}>" if isinstance(n, OneOf)
                        else render(n, values=values) for n in node.items)
    if isinstance(node, OneOf):
        return " | ".join(render(n, values=values) for n in node.choices)
    if isinstance(node, Optional):
        return f"[{render(node.node, values=values)}]"
    inner = render(node.node, values=values)
    return f"{inner} [{inner} ...]"


# ---- what may come next (completion) ------------------------------------------------------

_End = tuple[()]
_END: _End = ()


def _starts(node: Node, rest: tuple[Node, ...]) -> list[tuple[Node, tuple[Node, ...]]]:
    """The (word node, what follows it) pairs that can start ``node`` followed by ``rest``."""
    if isinstance(node, Token | Value):
        return [(node, rest)]
    if isinstance(node, Seq):
        if not node.items:
            return _continue(rest)
        return _starts(node.items[0], (*node.items[1:], *rest))
    if isinstance(node, OneOf):
        return [pair for choice in node.choices for pair in _starts(choice, rest)]
    if isinstance(node, Optional):
        return _starts(node.node, rest) + _continue(rest)
    # Repeat: one, then optionally more
    return _starts(node.node, (Optional(node), *rest))


def _continue(rest: tuple[Node, ...]) -> list[tuple[Node, tuple[Node, ...]]]:
    if not rest:
        return [(Token(""), _END)]  # the command may end here
    return _starts(rest[0], rest[1:])


def next_words(node: Node, typed: list[str]) -> tuple[set[str], bool]:
    """After the arguments ``typed``: the tokens that may come next, and whether a value
    may come next. An empty string among the tokens means the command may end there."""
    states = _starts(node, ())
    for word in typed:
        upper = word.upper()
        moved: list[tuple[Node, tuple[Node, ...]]] = []
        for head, rest in states:
            if (isinstance(head, Token) and head.text and head.text.upper() == upper) or \
                    isinstance(head, Value):
                moved += _continue(rest)
        states = moved
    words = {head.text for head, _ in states if isinstance(head, Token)}
    return words, any(isinstance(head, Value) for head, _ in states)


def _option(node: Node) -> tuple[str, int] | None:
    """``(TOKEN, values)`` when ``node`` is one option: a token alone, or a token and a
    fixed number of single words after it (values, or a required choice of tokens such
    as AGGREGATE's ``<SUM | MIN | MAX>``); ``None`` for anything else (repeats,
    nested optionals)."""
    if isinstance(node, Token):
        return node.text, 0
    if not (isinstance(node, Seq) and node.items and isinstance(node.items[0], Token)):
        return None
    rest = node.items[1:]
    if all(isinstance(item, Value) or (isinstance(item, OneOf) and all(
            isinstance(alt, Token) for alt in item.choices)) for item in rest):
        return node.items[0].text, len(rest)
    return None


def options(node: Node) -> dict[str, int]:
    """The optional words of a grammar's top level, each with how many arguments follow
    it (``LPOS key element [RANK rank] [COUNT num-matches] [MAXLEN len]``: RANK, COUNT
    and MAXLEN with one each). The memory backend's option loops read their words from
    here, so the table's syntax line is the one list of what a command accepts; options
    that are not of this simple shape are left to the handler."""
    found: dict[str, int] = {}
    items = node.items if isinstance(node, Seq) else (node,)
    for item in items:
        if not isinstance(item, Optional):
            continue
        inner = item.node
        for alt in inner.choices if isinstance(inner, OneOf) else (inner,):
            opt = _option(alt)
            if opt is not None:
                found[opt[0]] = opt[1]
    return found
