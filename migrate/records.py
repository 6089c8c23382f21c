"""The unit every endpoint reads and writes: one record per key (or per chunk of a big key).

A record carries the key, its type, its value and its absolute expiry in ms (``None``
when the key does not expire). Values are kept flat, the way servers send and take
them, so nothing is converted twice on the hot path:

- ``string``: ``str``
- ``list``: ``[item, ...]`` (in order)
- ``set``: ``[member, ...]``
- ``hash``: ``[field, value, field, value, ...]``, with ``ttls`` ``{field: ms}`` holding
  the absolute deadlines of the fields of this record that have one (HPEXPIREAT; Valkey
  9 and Redis 7.4 have field TTLs), ``None`` when none has
- ``zset``: ``[member, score, member, score, ...]`` with scores as the text a server
  replies with (``"1.5"``, ``"inf"``), which is exact.
- ``stream``: ``{"entries": [[id, [field, value, ...]], ...], "meta": {...}}`` (the
  meta, with groups and PELs, on the last part only): see :mod:`redipy.migrate.streams`.

A collection too big for one record is split into parts: ``part`` counts from 0 and
``more`` is true on every part but the last, so a ten-million-member hash travels in
bounded chunks and is never held whole.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

TYPES: tuple[str, ...] = ("string", "list", "hash", "set", "zset", "stream")

#: elements per record before a collection is split into parts
DEFAULT_CHUNK = 5000


@dataclass(slots=True)
class Record:
    """One key (or one chunk of one key) in transit."""

    key: str
    type: str
    value: Any
    expire_at: int | None = None
    part: int = 0
    more: bool = False
    ttls: dict[str, int] | None = None

    def size(self) -> int:
        """Elements carried (a string counts as one), used to bound batches."""
        if self.type == "string":
            return 1
        if self.type == "stream":
            return sum(1 for e in self.value["entries"] if e[1] is not None)
        n = len(self.value)
        return n // 2 if self.type in ("hash", "zset") else n


def live_fields(rec: Record, now: int) -> Record | None:
    """``rec`` without the hash fields whose TTL has passed by ``now`` (they expired during
    the run, as a key can); ``None`` when none is left."""
    ttls = rec.ttls
    if not ttls or min(ttls.values()) > now:
        return rec
    it = iter(rec.value)
    flat: list[str] = []
    keep: dict[str, int] = {}
    for f, v in zip(it, it):
        when = ttls.get(f)
        if when is None or when > now:
            flat += (f, v)
            if when is not None:
                keep[f] = when
    if not flat:
        return None
    return Record(rec.key, rec.type, flat, rec.expire_at, rec.part, rec.more, keep or None)


def discard(key: str, kind: str) -> Record:
    """A first part with no value: "forget the parts of ``key`` handed out so far" (the
    source saw the key change or vanish while it was read in parts)."""
    return Record(key, kind, None, None, 0, False)


def unstable(key: str, kind: str, attempts: int) -> Record:
    """The source could not read ``key`` whole: it changed during every attempt."""
    return Record(key, UNSTABLE, attempts, None, 0, False)


#: the type of an :func:`unstable` record
UNSTABLE = "(changed while read)"


@dataclass(slots=True)
class Mark:
    """A point in the source where everything before has been yielded whole:
    ``pos`` is what a resumed run starts from."""

    pos: Any


def redis_glob(pattern: str) -> re.Pattern[str]:
    """Redis's ``stringmatchlen`` as a regex: ``*``, ``?``, ``[a-z]``, ``[^x]``, ``\\x``."""
    return _compile_glob(pattern)


@lru_cache(maxsize=64)
def _compile_glob(pattern: str) -> re.Pattern[str]:
    out: list[str] = []
    i, n = 0, len(pattern)
    while i < n:
        ch = pattern[i]
        if ch == "*":
            out.append(".*")
        elif ch == "?":
            out.append(".")
        elif ch == "\\" and i + 1 < n:
            i += 1
            out.append(re.escape(pattern[i]))
        elif ch == "[":
            i += 1
            negate = i < n and pattern[i] == "^"
            if negate:
                i += 1
            parts: list[str] = []
            while i < n and pattern[i] != "]":
                c = pattern[i]
                if c == "\\" and i + 1 < n:
                    i += 1
                    parts.append(re.escape(pattern[i]))
                elif i + 2 < n and pattern[i + 1] == "-" and pattern[i + 2] != "]":
                    lo, hi = sorted((c, pattern[i + 2]))
                    parts.append(f"{re.escape(lo)}-{re.escape(hi)}")
                    i += 2
                else:
                    parts.append(re.escape(c))
                i += 1
            body = "".join(parts)
            if not body:
                out.append("[^\\s\\S]" if not negate else "[\\s\\S]")
            else:
                out.append(f"[{'^' if negate else ''}{body}]")
        else:
            out.append(re.escape(ch))
        i += 1
    return re.compile("".join(out), re.DOTALL)


def key_filter(match: str | None) -> Any:
    """A predicate for keys under ``match`` (``None`` when everything matches)."""
    if match is None or match == "*":
        return None
    return redis_glob(match).fullmatch
