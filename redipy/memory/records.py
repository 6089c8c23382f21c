"""Whole-key access to a memory database for bulk tools (dump, load, migrate, compare).

Commands see the keyspace one command at a time; a copy tool wants to walk every key,
read a key as one flat value (or in windows of a big collection), and write a whole
key back. :class:`KeyspaceView` offers exactly that over the database's public
operations, so callers never touch the database's internals. Every method expects
the caller to hold :meth:`KeyspaceView.locked` (it is re-entrant), which makes a
batch of reads or writes atomic for other threads.

Values are flat, the way servers send them: a list or set is ``[item, ...]``, a hash
``[field, value, ...]``, a sorted set ``[member, score, ...]`` with scores as the text
a server replies with. Keys and values cross here as text (UTF-8, with
``surrogateescape`` for bytes that are not), converted from and to the backend's byte
strings by :mod:`redipy.memory.boundary`, so a copy to a server or a snapshot carries
the same bytes.
"""

from __future__ import annotations

import threading
import uuid
import weakref
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager
from itertools import islice
from typing import Any

from redipy.memory.boundary import to_bytes, to_text
from redipy.memory.db import Database
from redipy.memory.numbers import format_double
from redipy.memory.structs import TYPE_NAMES, RHash, RList, RSet, RZSet

_KINDS: dict[str, type] = {"list": RList, "hash": RHash, "set": RSet, "zset": RZSet}
_IDS: weakref.WeakKeyDictionary[Database, str] = weakref.WeakKeyDictionary()
_IDS_LOCK = threading.Lock()


class KeyspaceView:
    """Record-level reads and writes on one database of a memory backend."""

    def __init__(self, backend: Any) -> None:
        self.db: Database = backend.db

    # ---- identity and locking ----------------------------------------------------

    def identity(self) -> str:
        """A token naming this database instance for as long as the process lives
        (what a checkpoint stores to know it resumes against the same keyspace)."""
        with _IDS_LOCK:
            token = _IDS.get(self.db)
            if token is None:
                token = _IDS[self.db] = uuid.uuid4().hex
            return f"{token}/{self.db.index}"

    def locked(self) -> AbstractContextManager[Any]:
        return self.db.lock

    # ---- reading -------------------------------------------------------------------

    def keys(self) -> list[str]:
        """Every live key, as a list taken now (safe to write while walking it)."""
        return _texts(list(self.db.live_keys()))

    def size(self) -> int:
        return self.db.size()

    def kind(self, key: str) -> str:
        """``string``, ``list``, ``hash``, ``set``, ``zset``, ``none`` or another type's name."""
        val = self.db.get(to_bytes(key))
        return "none" if val is None else TYPE_NAMES.get(type(val), "unknown")

    def expiry(self, key: str) -> int | None:
        """Absolute deadline in ms, ``None`` when the key does not expire."""
        return self.db.expiry(to_bytes(key))

    def length(self, key: str) -> int:
        """Elements of a collection (1 for a string, 0 when missing)."""
        val = self.db.get(to_bytes(key))
        if val is None:
            return 0
        return 1 if type(val) in (str, bytearray) else len(val)

    def string(self, key: str) -> str | None:
        val = self.db.get(to_bytes(key))
        if type(val) is bytearray:  # a string changed in place
            return to_text(val.decode("latin-1"))
        return to_text(val) if type(val) is str else None

    def flat(self, key: str) -> Iterator[str]:
        """A collection's content as flat items (see the module docstring)."""
        val = self.db.get(to_bytes(key))
        kind = type(val)
        if kind is RList or kind is RSet:
            return map(to_text, val)
        if kind is RHash:
            return (to_text(x) for kv in val.items() for x in kv)
        if kind is RZSet:
            return (x for score, member in val.order
                    for x in (to_text(member), format_double(score)))
        return iter(())

    def flat_list(self, key: str) -> list[str]:
        """:meth:`flat` as a list, built at C speed where the type allows."""
        val = self.db.get(to_bytes(key))
        kind = type(val)
        if kind is RList or kind is RSet:
            return _texts(list(val))
        if kind is RHash:
            return _texts([x for kv in val.map.items() for x in kv])
        return list(self.flat(key))

    def contains(self, key: str, kind: str, flat: Sequence[str], offset: int = 0) -> bool:
        """Whether ``key`` holds this part of a value (a list part starts at ``offset``)."""
        val = self.db.get(to_bytes(key))
        if val is None or TYPE_NAMES.get(type(val)) != kind:
            return False
        if kind == "string":
            return self.string(key) == flat
        flat = _bytes(list(flat))
        if kind == "list":
            return list(islice(val, offset, offset + len(flat))) == list(flat)
        if kind == "set":
            return all(m in val for m in flat)
        it = iter(flat)
        if kind == "hash":
            return all(val.get(f) == v for f, v in zip(it, it))
        try:
            return all(val.score(m) == float(s) for m, s in zip(it, it))
        except ValueError:
            return False

    # ---- writing -------------------------------------------------------------------

    def delete(self, key: str) -> bool:
        return self.db.delete(to_bytes(key))

    def put_string(self, key: str, value: str) -> None:
        self.db.put(to_bytes(key), to_bytes(value))

    def append(self, key: str, kind: str, flat: Sequence[str]) -> bool:
        """Add a collection part to ``key`` (created when missing). False, and nothing
        written, when ``key`` holds another type."""
        db = self.db
        cls = _KINDS[kind]
        key = to_bytes(key)
        flat = _bytes(flat)
        cur = db.get(key)
        fresh = cur is None
        if fresh:
            if not flat:
                return True
            cur = cls()
        elif type(cur) is not cls:
            return False
        if kind == "list":
            cur.extend(flat)
        elif kind == "set":
            add = cur.add
            for m in flat:
                add(m)
        elif kind == "hash":
            hset = cur.set
            it = iter(flat)
            for f, v in zip(it, it):
                hset(f, v)
        else:
            zset = cur.set
            it = iter(flat)
            for m, s in zip(it, it):
                zset(m, float(s))
        if fresh:
            db.add_new(key, cur)
        else:
            db.touch(key)
        return True

    def set_expiry(self, key: str, when_ms: int) -> None:
        """An absolute deadline for a live key (one in the past deletes it)."""
        key = to_bytes(key)
        if self.db.get(key) is not None:
            self.db.set_expiry(key, when_ms)


def _texts(items: list[str]) -> list[str]:
    """Byte strings as text; the same list when all are ASCII (one C-speed check)."""
    if "".join(items).isascii():
        return items
    return [to_text(x) for x in items]


def _bytes(items: Sequence[str]) -> Sequence[str]:
    """Text as byte strings; the same sequence when all are ASCII."""
    if "".join(items).isascii():
        return items
    return [to_bytes(x) for x in items]


def view(backend: Any) -> KeyspaceView:
    """The :class:`KeyspaceView` of a memory backend's selected database."""
    return KeyspaceView(backend)
