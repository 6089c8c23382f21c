"""The debugger's private keyspace: copies of the client's keys, made when first used.

A debugged script never runs against the client's data. It runs in a scratch
memory backend; before any command touches a key, the key is copied there whole (value,
key TTL, hash-field TTLs, a stream's groups and pending entries) as a record
(:mod:`redipy.records`): read with the client's ``read_record`` (on a server only
read-only commands: WATCH, TYPE, PEXPIRETIME, the value's read, HPEXPIRETIME) and
written with the scratch backend's ``write_record``. Nothing is ever written to a server.

Keys written by a command are remembered; :meth:`Scratch.apply` (``sync`` mode,
memory clients only) writes their final state back to the client in one step,
under the client's database lock.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from redipy import commands
from redipy.errors import ResponseError
from redipy.keyspace import records_of
from redipy.memory.backend import MemoryBackend
from redipy.memory.boundary import to_bytes, to_text, views
from redipy.memory.records import MemoryRecords

KEYSPACE_WIDE = frozenset({"KEYS", "SCAN", "RANDOMKEY", "DBSIZE", "FLUSHDB", "FLUSHALL"})
"""Commands that see every key: on a memory client the whole keyspace is copied first."""

NOT_ALLOWED = "ERR This Redis command is not allowed from script"


def command_keys(name: str, args: Sequence[str]) -> list[str]:
    """The keys a command names (by the command table's key specs)."""
    spec = commands.COMMANDS.get(name)
    if spec is None or not spec.keys:
        return []
    argv = [name, *args]
    return [argv[pos] for pos in spec.key_positions(argv)]


class Scratch:
    """A memory backend holding copies of the keys a debugged script touched."""

    def __init__(self, backend: Any, db: int = 0) -> None:
        self.local = getattr(backend, "kind", "") == "memory"
        self.source = records_of(backend, db if self.local else None)
        """The client's records: where keys come from (and, memory only, go back to)."""
        self.backend = MemoryBackend(databases=1)
        self.db = self.backend.db
        self.records = MemoryRecords(self.backend)
        if self.local:
            self.db.clock = backend.dbs[db].clock
        self.copied: set[str] = set()
        self.dirty: set[str] = set()
        self.whole = False

    # ---- copying in --------------------------------------------------------------------

    def before(self, name: str, args: Sequence[str]) -> None:
        """Make the keys of a command present; remember those it may write."""
        keys = command_keys(name, args)
        if name in KEYSPACE_WIDE:
            self.copy_all()
        if keys:
            self.ensure(keys)
        spec = commands.COMMANDS.get(name)
        if spec is not None and spec.write:
            self.dirty.update(keys if spec.keys else self.copied)

    def ensure(self, keys: Iterable[str]) -> None:
        """Copy the keys not copied yet (keys here are the memory backend's byte strings;
        records speak text)."""
        missing = [k for k in keys if k not in self.copied]
        for raw in missing:
            rec = self.source.read_record(to_text(raw))
            if rec is not None:
                self.records.write_record(rec, replace=True)
            self.copied.add(raw)

    def copy_all(self) -> None:
        """Copy every key of a memory client (servers: only the keys used are copied)."""
        if self.whole or not self.local:
            return
        assert isinstance(self.source, MemoryRecords)
        with self.source.locked():
            self.ensure([to_bytes(k) for k in self.source.iter_keys()])
        self.whole = True

    # ---- commands typed at the debugger -----------------------------------------------

    def command(self, argv: Sequence[str]) -> Any:
        """Run a raw command in the scratch keyspace, as the script would see it."""
        if not argv:
            raise ResponseError("ERR empty command")
        name = argv[0].upper()
        spec = commands.COMMANDS.get(name)
        if spec is not None and (not spec.script or spec.blocking):
            raise ResponseError(NOT_ALLOWED)
        if spec is not None and spec.arity_ok(len(argv)):
            self.before(name, list(views(argv[1:])))  # the keyspace's byte strings
        return self.backend.execute(*argv)

    # ---- copying out -------------------------------------------------------------------

    def apply(self) -> int:
        """Write every key the run wrote back to the (memory) client; returns how many."""
        if not self.local:
            raise ValueError("sync needs a memory client: the debugger never writes to a server")
        src = self.source
        assert isinstance(src, MemoryRecords)
        done = 0
        with src.locked():
            for raw in sorted(self.dirty):
                key = to_text(raw)
                rec = self.records.read_record(key)
                if rec is None:
                    src.delete(key)
                else:
                    src.write_record(rec, replace=True)
                done += 1
        self.dirty.clear()
        return done
