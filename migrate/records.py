"""Migration's side of records: the engine's markers and filters around the library's
:class:`redipy.records.Record` (one record per key, or per chunk of a big key: a
collection too big for one record is split into parts, ``part`` counting from 0 and
``more`` true on every part but the last, so a ten-million-member hash travels in
bounded chunks and is never held whole). The value shapes are documented in
:mod:`redipy.records`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from redipy.records import TYPES, UNSTABLE, Record, discard, unstable

__all__ = ["DEFAULT_CHUNK", "TYPES", "UNSTABLE", "Mark", "Record", "discard", "key_filter",
           "live_fields", "redis_glob", "unstable"]

#: elements per record before a collection is split into parts
DEFAULT_CHUNK = 5000


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
