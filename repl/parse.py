"""redis-cli's input syntax: quoting, line continuation and the repeat prefix.

The tokenizer follows Redis's ``sdssplitargs`` byte for byte, so a line pasted from
redis-cli means the same here: ``"..."`` takes ``\\n \\r \\t \\b \\a \\xHH`` and
``\\<any>`` escapes, ``'...'`` takes only ``\\'``, a closing quote must be followed by
a blank, and unbalanced quotes are an error ("Invalid argument(s)").
"""

from __future__ import annotations

import re
from dataclasses import dataclass

META_PREFIX = ":"
"""A line starting so is a shell command (:mod:`redipy.repl.meta`); no Redis command does."""

INVALID_ARGS = "Invalid argument(s)"
INVALID_REPEAT = "Invalid redis-cli repeat command option value."

_ESCAPES = {"n": "\n", "r": "\r", "t": "\t", "b": "\b", "a": "\a"}
_HEX = "0123456789abcdefABCDEF"
_TOKEN_END = " \n\r\t"
_BLANK = " \n\r\t\v\f"
_REPEAT = re.compile(r"[ \t\n\v\f\r]*[+-]?[0-9]+")


class ArgsError(ValueError):
    """The line cannot be split into arguments (redis-cli's wording is the message)."""


@dataclass
class Token:
    """One argument as typed: its value, where it starts/ends, and how it was quoted."""

    value: str
    start: int
    end: int
    quote: str = ""
    closed: bool = True


def _decode(buf: bytearray) -> str:
    # \xHH escapes may build any byte sequence; keep undecodable bytes round-trippable.
    return buf.decode("utf-8", "surrogateescape")


def tokenize(line: str, *, lenient: bool = False) -> list[Token]:
    """Split ``line`` like sdssplitargs; with ``lenient`` an unbalanced quote ends the
    last token instead of raising (what completion and highlighting need)."""
    tokens: list[Token] = []
    n = len(line)
    i = 0
    while True:
        while i < n and line[i] in _BLANK:
            i += 1
        if i >= n:
            return tokens
        start = i
        buf = bytearray()
        quote = ""
        inq = insq = False
        while True:
            ch = line[i] if i < n else ""
            if inq:
                if ch == "\\" and i + 3 < n and line[i + 1] == "x" \
                        and line[i + 2] in _HEX and line[i + 3] in _HEX:
                    buf.append(int(line[i + 2 : i + 4], 16))
                    i += 3
                elif ch == "\\" and i + 1 < n:
                    i += 1
                    esc = line[i]
                    buf += _ESCAPES.get(esc, esc).encode("utf-8", "surrogateescape")
                elif ch == '"':
                    if i + 1 < n and line[i + 1] not in _BLANK:
                        if not lenient:
                            raise ArgsError(INVALID_ARGS)
                        inq = False
                        i += 1
                        continue
                    i += 1
                    break
                elif not ch:
                    if not lenient:
                        raise ArgsError(INVALID_ARGS)
                    tokens.append(Token(_decode(buf), start, i, quote, closed=False))
                    return tokens
                else:
                    buf += ch.encode("utf-8", "surrogateescape")
            elif insq:
                if ch == "\\" and i + 1 < n and line[i + 1] == "'":
                    i += 1
                    buf += b"'"
                elif ch == "'":
                    if i + 1 < n and line[i + 1] not in _BLANK:
                        if not lenient:
                            raise ArgsError(INVALID_ARGS)
                        insq = False
                        i += 1
                        continue
                    i += 1
                    break
                elif not ch:
                    if not lenient:
                        raise ArgsError(INVALID_ARGS)
                    tokens.append(Token(_decode(buf), start, i, quote, closed=False))
                    return tokens
                else:
                    buf += ch.encode("utf-8", "surrogateescape")
            elif not ch or ch in _TOKEN_END:
                break
            elif ch == '"':
                inq = True
                quote = quote or '"'
            elif ch == "'":
                insq = True
                quote = quote or "'"
            else:
                buf += ch.encode("utf-8", "surrogateescape")
            i += 1
        tokens.append(Token(_decode(buf), start, i, quote))


def split_args(line: str) -> list[str]:
    """The arguments of one command line; raises :class:`ArgsError` on bad quoting."""
    return [tok.value for tok in tokenize(line)]


def split_repeat(argv: list[str]) -> tuple[int, list[str]]:
    """redis-cli's ``N command ...`` prefix: ``(N, command argv)``; ``(1, argv)`` without it."""
    if len(argv) > 1 and _REPEAT.fullmatch(argv[0]):
        count = int(argv[0])
        if count <= 0 or count > 2**63 - 1:
            raise ArgsError(INVALID_REPEAT)
        return count, argv[1:]
    return 1, argv


def join_lines(text: str) -> list[str]:
    """Logical command lines of ``text``: backslash-newline joins, other newlines split."""
    joined = re.sub(r"\\\r?\n", "", text)
    return [line for line in joined.split("\n") if line.strip()]
