"""Whole keys as records: the capability both backends offer to bulk tools.

Migration, snapshots, the debugger's scratch copy and the shell all need the same four
things from a keyspace: walk its keys, read one key whole (value, TTL, field TTLs), write
one back exactly, and load a script. :class:`KeyspaceRecords` names them;
``redipy.Redis(...).records`` gives the backend's implementation
(:class:`redipy.memory.records.MemoryRecords`, :class:`redipy.redis.records.ServerRecords`),
so no tool keeps its own per-type code or reaches into a backend's fields.

A :class:`Record` carries the key, its type, its value and its absolute expiry in ms
(``None`` when the key does not expire). Values are flat, the way servers send and take
them, so nothing is converted twice on a hot path:

- ``string``: ``str`` (a HyperLogLog is a string: its bytes are carried as they are)
- ``list``: ``[item, ...]`` (in order)
- ``set``: ``[member, ...]``
- ``hash``: ``[field, value, field, value, ...]``, with ``ttls`` ``{field: ms}`` holding
  the absolute deadlines of the fields that have one (HPEXPIREAT; Valkey 9 and Redis 7.4
  have field TTLs), ``None`` when none has
- ``zset``: ``[member, score, member, score, ...]`` with scores as the text a server
  replies with (``"1.5"``, ``"inf"``), which is exact
- ``stream``: ``{"entries": [[id, [field, value, ...]], ...], "meta": {...}}`` with the
  groups, consumers and pending entries in the meta: see :mod:`redipy.stream_records`.

Text is UTF-8 with ``surrogateescape`` for bytes that are not, on both backends, so a
record read from one carries the same bytes to the other. A tool that moves huge keys in
bounded pieces (the migration engine) splits a record into parts: ``part`` counts from 0
and ``more`` is true on every part but the last; :meth:`KeyspaceRecords.read_record` and
:meth:`KeyspaceRecords.write_record` deal in whole keys (part 0, ``more`` false).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Protocol

TYPES: tuple[str, ...] = ("string", "list", "hash", "set", "zset", "stream")
"""The types a record can carry (what TYPE answers for them)."""

COLLECTIONS = frozenset(("list", "hash", "set", "zset"))
"""The types whose value is a flat list of elements (and can be split anywhere)."""

PAIRED = frozenset(("hash", "zset"))
"""The collections whose elements are two list items each (field, value / member, score)."""


@dataclass(slots=True)
class Record:
    """One key (or one part of one key) with its value and deadlines."""

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
        return n // 2 if self.type in PAIRED else n

    def pairs(self) -> list[tuple[str, str]]:
        """A hash's (field, value) or a sorted set's (member, score) pairs."""
        if self.type not in PAIRED:
            raise TypeError(f"a {self.type} record has no pairs")
        it = iter(self.value)
        return list(zip(it, it))


class KeyspaceRecords(Protocol):
    """Record-level access to the keyspace of one client (its database, its prefix)."""

    def iter_keys(self, match: str | None = None, count: int = 1000,
                  type: str | None = None) -> Iterator[str]:
        """Every key (matching the glob ``match``, of ``type``), SCAN ``count`` at a time:
        a key that exists throughout is given at least once, as SCAN promises."""
        ...

    def read_record(self, key: str) -> Record | None:
        """``key`` whole, read atomically; ``None`` when it does not exist. Raises
        :class:`ValueError` for a type no record carries (a module's)."""
        ...

    def write_record(self, record: Record, *, replace: bool = False) -> bool:
        """Write a whole record atomically: value, field TTLs, key TTL. An existing key
        is replaced when ``replace``; otherwise nothing is written and the answer is
        False (a conflict). A deadline already past leaves the key absent."""
        ...

    def load_script(self, source: str) -> str:
        """SCRIPT LOAD: the script's SHA1, for EVALSHA (on a cluster, on every primary)."""
        ...


def scan_keys(backend: Any, match: str | None, count: int,
              type: str | None) -> Iterator[str]:
    """SCAN through a backend's ``execute`` (which keeps a key prefix's namespace)."""
    opts = ["COUNT", str(count)]
    if match is not None:
        opts += ["MATCH", match]
    if type is not None:
        opts += ["TYPE", type]
    cursor = "0"
    while True:
        cursor, keys = backend.execute("SCAN", cursor, *opts)
        yield from keys
        if str(cursor) == "0":
            return


def whole(record: Record) -> None:
    """Refuse a part of a split record where a whole key is wanted."""
    if record.part or record.more:
        raise ValueError(f"{record.key!r}: write_record takes a whole key, not part "
                         f"{record.part} of a split one")
    if record.type not in TYPES:
        raise ValueError(f"{record.key!r}: no record carries type {record.type!r}")


#: the type of an :func:`unstable` record
UNSTABLE = "(changed while read)"


def discard(key: str, kind: str) -> Record:
    """A first part with no value: "forget the parts of ``key`` handed out so far" (the
    source saw the key change or vanish while it was read in parts)."""
    return Record(key, kind, None, None, 0, False)


def unstable(key: str, kind: str, attempts: int) -> Record:
    """The source could not read ``key`` whole: it changed during every attempt."""
    return Record(key, UNSTABLE, attempts, None, 0, False)
