"""Redis's glob patterns (KEYS, SCAN MATCH, HSCAN/SSCAN/ZSCAN MATCH), byte for byte.

This follows Redis's ``stringmatchlen`` on the bytes of key and pattern (byte strings,
one character per byte, as everywhere in the memory backend):

- ``*`` any run of bytes, ``?`` exactly one byte (so ``?`` does not match ``ü``,
  which is two bytes; ``??`` does), ``\\x`` the byte ``x``.
- ``[...]`` one byte from a set; ``[^...]`` one byte not in it; ``\\`` escapes inside;
  ``a-z`` is a range whose ends may come in either order and which compares bytes as
  C's *signed* ``char`` (so a range with a byte >= 0x80 at one end spans 0x80-0xff too);
  a ``-`` that cannot start a range (``[a-]``'s last ``-`` takes ``]`` as the range end)
  is literal.
- An unterminated ``[`` takes the rest of the pattern as its set: ``[ab`` is ``[ab]``,
  ``[`` alone matches nothing and ``[^`` matches any single byte.
- The empty string is matched only by the empty pattern (``*`` matches it only through
  the callers' ``*`` short cut, which :func:`key_matcher` keeps).
- More than 1000 ``*`` groups that are not at the end never match (Redis's guard
  against abusive patterns).

A pattern is compiled once (cached) into literal-or-class segments split at ``*``;
matching then places the first segment at the start, the last at the end and every
middle one at its leftmost position, which is exact for globs and linear in the key,
where a backtracking regex could be exponential.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache
from typing import cast

from redipy.patterns import escape_glob as escape_glob  # re-exported for old callers

Matcher = Callable[[str], bool]

_SPECIAL = frozenset("*?[\\")
_MAX_NESTING = 1000
_ONE_REGEX = 3
"""Patterns of up to this many star-separated segments compile to one regex."""


def _signed(byte: int) -> int:
    return byte - 256 if byte >= 128 else byte


def _byte_class(members: set[int], negate: bool) -> str:
    """A regex atom for one byte in (or, negated, out of) ``members``."""
    chosen = set(range(256)) - members if negate else members
    if not chosen:
        return "(?!)"
    if len(chosen) == 256:
        return "."
    if len(chosen) == 1:
        return re.escape(chr(next(iter(chosen))))
    return "[" + "".join(f"\\x{b:02x}" for b in sorted(chosen)) + "]"


def _parse(pat: bytes) -> tuple[list[list[str]], bool]:
    """Split a pattern into star-separated segments of one-byte regex atoms.

    Returns the segments and whether the pattern ends with a ``*`` group.
    """
    segments: list[list[str]] = [[]]
    cur = segments[0]
    i, n = 0, len(pat)
    trailing_star = False
    while i < n:
        ch = pat[i]
        trailing_star = False
        if ch == 0x2A:  # '*'
            while i + 1 < n and pat[i + 1] == 0x2A:
                i += 1
            cur = []
            segments.append(cur)
            trailing_star = True
        elif ch == 0x3F:  # '?'
            cur.append(".")
        elif ch == 0x5B:  # '['
            i += 1
            negate = i < n and pat[i] == 0x5E  # '^'
            if negate:
                i += 1
            members: set[int] = set()
            while True:
                if i < n and pat[i] == 0x5C and n - i >= 2:  # '\' escape
                    i += 1
                    members.add(pat[i])
                elif i < n and pat[i] == 0x5D:  # ']'
                    break
                elif i >= n:  # unterminated: the set ends with the pattern
                    i -= 1
                    break
                elif n - i >= 3 and pat[i + 1] == 0x2D:  # 'a-z'
                    lo, hi = _signed(pat[i]), _signed(pat[i + 2])
                    if lo > hi:
                        lo, hi = hi, lo
                    members.update(b for b in range(256) if lo <= _signed(b) <= hi)
                    i += 2
                else:
                    members.add(pat[i])
                i += 1
            cur.append(_byte_class(members, negate))
        else:
            if ch == 0x5C and n - i >= 2:  # '\x' is the byte x
                i += 1
                ch = pat[i]
            cur.append(re.escape(chr(ch)))
        i += 1
    return segments, trailing_star


def _never(_: str) -> bool:
    return False


@lru_cache(maxsize=512)
def compile_glob(pattern: str) -> Matcher:
    """A function telling whether a string matches ``pattern`` as ``stringmatchlen`` does
    (its result is truthy or falsy: a regex's match object, or a bool)."""
    if not _SPECIAL.intersection(pattern):
        return pattern.__eq__
    segments, trailing_star = _parse(pattern.encode("latin-1"))
    if len(segments) - 1 - int(trailing_star) > _MAX_NESTING:
        return _never
    if len(segments) <= _ONE_REGEX:
        # one regex, matched in C: ``(?=.)`` refuses the empty string as Redis does;
        # with at most two ``*`` groups backtracking stays polynomial
        whole = re.compile("(?=.)" + ".*".join("".join(seg) for seg in segments), re.DOTALL)
        return cast(Matcher, whole.fullmatch)

    first = re.compile("".join(segments[0]), re.DOTALL)
    first_len = len(segments[0])
    last = re.compile("".join(segments[-1]), re.DOTALL)
    last_len = len(segments[-1])
    middle = [(re.compile("".join(seg), re.DOTALL), len(seg)) for seg in segments[1:-1] if seg]

    def starred(text: str) -> bool:
        if text == "":
            return False
        data = text
        if first_len and first.match(data) is None:
            return False
        pos = first_len
        for regex, size in middle:
            found = regex.search(data, pos)
            if found is None:
                return False
            pos = found.start() + size
        start = len(data) - last_len
        if start < pos:
            return False
        return not last_len or last.fullmatch(data, start) is not None

    return starred


_ESCAPED_LF = re.escape("\n")


def _no_lf(atom: str) -> str:
    """A one-byte regex atom that never matches LF (the separator of the joined keys)."""
    if atom == ".":
        return "[^\n]"
    if atom.startswith("[\\x"):
        kept = atom.replace("\\x0a", "")
        return kept if kept != "[]" else "(?!)"
    return "(?!)" if atom in ("\n", _ESCAPED_LF) else atom


@lru_cache(maxsize=256)
def joined_regex(pattern: str) -> re.Pattern[str] | None:
    """A regex whose ``findall`` over the keys joined as ``"\\n" + "\\n".join(keys)`` (no
    key holding a LF) gives the keys matching ``pattern``, in their order: each key is
    tried from the LF before it, and ``*`` runs only within a key. ``None`` for
    patterns of more than two ``*`` groups (the per-key matcher's linear walk then)."""
    segments, _ = _parse(pattern.encode("latin-1"))
    if len(segments) > _ONE_REGEX:
        return None
    body = "[^\n]*".join("".join(map(_no_lf, seg)) for seg in segments)
    if not any(segments):  # only stars: refuse the empty key, as compile_glob does
        body = "(?=[^\n])" + body  # (elsewhere: it would hide the literal prefix from re)
    return re.compile("\n(" + body + ")(?=\n|\\Z)", re.DOTALL)


def stringmatch(pattern: str, text: str) -> bool:
    """Whether ``text`` matches the glob ``pattern`` (Redis's ``stringmatchlen``)."""
    return bool(compile_glob(pattern)(text))


def key_matcher(pattern: str) -> Matcher | None:
    """The matcher for a KEYS / SCAN MATCH pattern; ``None`` for ``*``, which Redis
    treats as 'no filter' (so it alone also matches the empty key)."""
    if pattern == "*":
        return None
    return compile_glob(pattern)


def literal_prefix(pattern: str) -> str | None:
    """``abc`` for a pattern ``abc*`` (a literal followed by one star), else ``None``:
    KEYS then filters with ``str.startswith``, the cheapest test Python has."""
    if len(pattern) > 1 and pattern[-1] == "*" and not _SPECIAL.intersection(pattern[:-1]):
        return pattern[:-1]
    return None


def is_literal(pattern: str) -> bool:
    """True when the pattern has no glob syntax, so it names exactly one key."""
    return not _SPECIAL.intersection(pattern)
