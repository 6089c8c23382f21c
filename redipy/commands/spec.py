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

from redipy.commands.replies import RESP3


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
    """A count at ``numkeys_at`` followed by that many keys from ``first``, every
    ``step``-th argument (2 for MSETEX's key/value pairs)."""

    numkeys_at: int
    first: int
    step: int = 1

    def positions(self, argc: int, args: tuple[str, ...] | list[str]) -> range:
        try:
            count = int(args[self.numkeys_at])
        except (IndexError, ValueError):
            return range(0)
        return range(self.first, min(self.first + max(count, 0) * self.step, argc), self.step)


@dataclass(frozen=True, slots=True)
class KeyAfter:
    """Keys after a keyword: ``word`` (searched for from ``start``) is followed by N keys
    and N IDs, the keys being the first half (``XREAD ... STREAMS k1 k2 id1 id2``)."""

    word: str
    start: int

    def positions(self, argc: int, args: tuple[str, ...] | list[str]) -> range:
        for idx in range(self.start, argc):
            if args[idx].upper() == self.word:
                rest = argc - idx - 1
                return range(idx + 1, idx + 1 + rest // 2) if rest % 2 == 0 else range(0)
        return range(0)


@dataclass(frozen=True, slots=True)
class KeyOption:
    """The one key after the option ``word`` (``SORT ... STORE dest``), found by walking
    the options from ``start``: ``takes`` says how many arguments each option word
    has, so that an argument equal to ``word`` (``GET store``) is not taken for it."""

    word: str
    start: int
    takes: tuple[tuple[str, int], ...] = ()

    def positions(self, argc: int, args: tuple[str, ...] | list[str]) -> range:
        skips = dict(self.takes)
        idx = self.start
        found = range(0)
        while idx < argc:
            word = str(args[idx]).upper()
            if word == self.word and idx + 1 < argc:
                found = range(idx + 1, idx + 2)
            idx += 1 + skips.get(word, 0)
        return found


KeySpec = KeyRange | KeyNum | KeyAfter | KeyOption


def _version(text: str) -> tuple[int, ...]:
    return tuple(int(part) for part in re.findall(r"\d+", text)[:3])


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
    resp3_shape: str = ""
    """See :attr:`resp3` (empty: as :data:`redipy.commands.replies.RESP3` says)."""
    script: bool = True
    """Whether the command makes sense inside a script (no blocking, no pub/sub)."""
    cluster: str = ""
    """How the cluster backend runs it (empty: derived). ``one-slot``: every key must hash
    to one slot (else CROSSSLOT before anything is sent); ``any-node``: keyless, one
    primary answers; ``all:sum`` / ``all:concat`` / ``all:ok`` / ``all:and``: sent to
    every primary, the replies added, concatenated, OK when all succeeded, or AND-ed per
    position; ``special``: merged by code of its own (SCAN's cursor, RANDOMKEY)."""
    valkey_since: str = ""
    """The first Valkey version with the command (empty: the Redis ``since`` up to 7.2,
    which Valkey 7.2.4 inherited; a newer command must say). An empty ``since`` with a
    ``valkey_since``: Redis never had it (DELIFEQ)."""
    module: str = ""
    """Who added the command at run time (:func:`redipy.custom.register_command`, as a
    Redis module adds its commands); empty for the built-ins."""

    @property
    def resp3(self) -> str:
        """The reply's shape in RESP3 where it differs from RESP2's flat arrays and bulk
        strings (a map, a set, doubles: :data:`redipy.commands.replies.RESP3_SHAPE_NAMES`)."""
        return self.resp3_shape or RESP3.get(self.name, "")

    @property
    def introduced(self) -> str:
        """The version COMMAND DOCS and HELP give: Redis's, or Valkey's for a command
        Redis never had (``since`` empty, as DELIFEQ)."""
        return self.since or self.valkey_since

    @property
    def cluster_policy(self) -> str:
        return self.cluster or ("one-slot" if self.keys else "any-node")

    @property
    def fans_out(self) -> bool:
        """Sent to every primary of a cluster (its replies merged)."""
        return self.cluster_policy.startswith("all:") or self.cluster_policy == "special"

    def available_on(self, server: str, version: str) -> bool:
        """Whether a ``server`` ("redis" or "valkey") of ``version`` has the command."""
        first = self.since if server == "redis" else (self.valkey_since or (
            "7.2.4" if _version(self.since) < (7, 4) else ""))
        return bool(first) and _version(version) >= _version(first)

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
            if isinstance(spec, KeyNum | KeyAfter | KeyOption):
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
