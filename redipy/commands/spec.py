"""What the command table says about one command.

Modelled on Redis's own ``src/commands/*.json``: name, group, arity, where the keys
are, flags, a one-line summary (in our own words), complexity, the version that
introduced it and the syntax line. The API, the shell (completion, hints, HELP),
the README table and the parity tests all read these records.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property


@dataclass(frozen=True, slots=True)
class KeyRange:
    """Keys at ``first``, ``first + step``, ... up to ``last`` (negative: from the end)."""

    first: int
    last: int = 0
    step: int = 1

    def positions(self, argc: int) -> range:
        last = self.first if self.last == 0 else self.last
        if last < 0:
            last = argc + last
        return range(self.first, min(last, argc - 1) + 1, self.step)


@dataclass(frozen=True, slots=True)
class KeyNum:
    """A count at ``numkeys_at`` followed by that many keys from ``first``."""

    numkeys_at: int
    first: int

    def positions(self, argc: int, args: tuple[str, ...] | list[str]) -> range:
        try:
            count = int(args[self.numkeys_at])
        except (IndexError, ValueError):
            return range(0)
        return range(self.first, min(self.first + max(count, 0), argc))


KeySpec = KeyRange | KeyNum


@dataclass(frozen=True)
class CommandSpec:
    """One command of the table. ``arity`` counts the name; negative means 'at least'."""

    name: str
    group: str
    arity: int
    summary: str
    complexity: str
    syntax: str
    since: str = "1.0.0"
    keys: tuple[KeySpec, ...] = ()
    flags: frozenset[str] = field(default_factory=frozenset)
    status_reply: bool = False
    """The reply is a simple string (``+OK``), not a bulk string."""
    api: tuple[str, ...] = ()
    """Names of the ``redipy.Redis`` methods that send this command."""
    script: bool = True
    """Whether the command makes sense inside a script (no blocking, no pub/sub)."""

    @property
    def readonly(self) -> bool:
        return "readonly" in self.flags

    @property
    def write(self) -> bool:
        return "write" in self.flags

    @property
    def blocking(self) -> bool:
        return "blocking" in self.flags

    def key_positions(self, args: tuple[str, ...] | list[str]) -> list[int]:
        """Indices into ``args`` (``args[0]`` is the command name) that hold keys."""
        argc = len(args)
        out: list[int] = []
        for spec in self.keys:
            if isinstance(spec, KeyNum):
                out.extend(spec.positions(argc, args))
            else:
                out.extend(spec.positions(argc))
        return out

    def arity_ok(self, argc: int) -> bool:
        return argc == self.arity if self.arity >= 0 else argc >= -self.arity

    @cached_property
    def keywords(self) -> tuple[str, ...]:
        """The literal tokens of the syntax line (``NX``, ``WITHSCORES``, ...), for completion."""
        words = re.findall(r"\b[A-Z][A-Z0-9_-]+\b", self.syntax)
        seen: dict[str, None] = {}
        for word in words[1:] if words and words[0] == self.name else words:
            seen.setdefault(word, None)
        return tuple(seen)
