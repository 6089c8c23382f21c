"""A backend's :class:`redipy.records.KeyspaceRecords`, whichever backend it is.

Kept apart from :mod:`redipy.records` (which both backends import) so that the type and
the protocol import no backend, and neither backend imports the other.
"""

from __future__ import annotations

from typing import Any

from redipy.records import KeyspaceRecords


def records_of(backend: Any, db: int | None = None) -> KeyspaceRecords:
    """The records of ``backend``'s keyspace (its selected database, or ``db`` on memory)."""
    kind = getattr(backend, "kind", "")
    if kind == "memory":
        from redipy.memory.records import MemoryRecords

        return MemoryRecords(backend, db)
    if kind == "redis":
        from redipy.redis.records import ServerRecords

        return ServerRecords(backend)
    raise TypeError(f"a {kind or type(backend).__name__} backend offers no records")
